//! SMTP commands: from a line a client sends to a [`Command`], and back.
//!
//! RFC 5321 §4.1.1 gives every command the same shape: a verb of four
//! letters, in either case (§2.4), then, for those that take one, a space
//! and the argument:
//!
//! ```text
//! ehlo    = "EHLO" SP ( Domain / address-literal ) CRLF
//! helo    = "HELO" SP Domain CRLF
//! mail    = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
//! rcpt    = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
//!           Forward-path ) [SP Rcpt-parameters] CRLF
//! data    = "DATA" CRLF
//! rset    = "RSET" CRLF
//! vrfy    = "VRFY" SP String CRLF
//! expn    = "EXPN" SP String CRLF
//! help    = "HELP" [ SP String ] CRLF
//! noop    = "NOOP" [ SP String ] CRLF
//! quit    = "QUIT" CRLF
//!
//! EHLO client.example.org
//! MAIL FROM:<alice@example.org> SIZE=1024 BODY=8BITMIME
//! rcpt to:<bob@example.test>                   the verb in any case
//! MAIL FROM:<>                                 the null reverse-path: a bounce
//! ```
//!
//! The paths are read by [`super::address`]. After the path of MAIL come
//! *parameters*, `KEYWORD=value` separated by spaces (§4.1.2:
//! `esmtp-param = esmtp-keyword ["=" esmtp-value]`), each belonging to an
//! extension the server announced in its EHLO reply. Two are understood:
//!
//! - `SIZE=<octets>` (RFC 1870 §3): how large the message is, so that a
//!   server can refuse one too large before it is sent. A number too large
//!   for 64 bits is certainly too large for the server: 552.
//! - `BODY=7BIT` or `BODY=8BITMIME` (RFC 6152 §2): whether the message has
//!   bytes above 127. `BODY=BINARYMIME` belongs to an extension not
//!   offered (RFC 3030): 504.
//!
//! Any other parameter, of MAIL or of RCPT, the server does not recognise,
//! and RFC 5321 §4.1.1.11 has it answer 555.
//!
//! Two leniencies, both of old clients that servers still meet: one or more
//! spaces after the colon (`MAIL FROM: <a@b>`), and spaces after the last
//! parameter. The bare address without brackets is refused; see
//! [`super::address`] for why.
//!
//! # Errors
//!
//! A line that is not a command has a [`CommandError`], which knows its
//! reply code ([`CommandError::reply_code`], as RFC 5321 §4.2.4 assigns
//! them) and its enhanced status code ([`CommandError::status`],
//! RFC 3463): 500 5.5.1 for an unknown command, 500 5.5.2 for a line that
//! cannot be read, 501 for bad arguments (5.1.7 a bad sender, 5.1.3 a bad
//! recipient, 5.5.4 the rest), 502 for a command of SMTP not implemented
//! here, 504 for a parameter value not implemented, 552 for a SIZE past any
//! limit, 555 for an unknown parameter. [`CommandError::reply`] is the whole
//! reply line.

use super::address::{self, AddressError, ForwardPath, ReversePath};
use super::reply::{self, EnhancedCode};
use std::fmt;

/// The longest command line, with its CR LF (RFC 5321 §4.5.3.1.4); past
/// it, 500 5.5.2 (§4.5.3.1 names `500 Line too long` for it). MAIL may be
/// longer: [`MAX_MAIL_LINE_LEN`].
pub const MAX_COMMAND_LINE_LEN: usize = 512;

/// The longest MAIL line, with its CR LF: RFC 1870 §3 adds 26 octets to
/// the limit of [`MAX_COMMAND_LINE_LEN`] for ` SIZE=` and its 20 digits.
/// It is the longest line of all, so a server's line reader takes lines of
/// up to `MAX_MAIL_LINE_LEN - 2` bytes before their CR LF, and
/// [`parse_command`] refuses the other commands past 510.
pub const MAX_MAIL_LINE_LEN: usize = MAX_COMMAND_LINE_LEN + 26;

/// The longest EHLO or HELO argument: a domain (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN_LEN: usize = address::MAX_DOMAIN_LEN;

/// How much of an unknown verb or parameter an error shows: enough to
/// recognise it, little enough that the reply stays short.
const MAX_SHOWN_LEN: usize = 16;

/// What a message's body holds (RFC 6152 §2), from `BODY=` of MAIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `BODY=7BIT`: ASCII only, as RFC 5322 messages were.
    SevenBit,
    /// `BODY=8BITMIME`: MIME parts with bytes above 127, in lines.
    EightBitMime,
}

impl Body {
    /// The keyword's value, as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Body::SevenBit => "7BIT",
            Body::EightBitMime => "8BITMIME",
        }
    }
}

/// The parameters of MAIL FROM that this server understands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailParameters {
    /// `SIZE=n`: the client's estimate of the message size, in octets
    /// (RFC 1870 §3).
    pub size: Option<u64>,
    /// `BODY=…` (RFC 6152 §2).
    pub body: Option<Body>,
}

/// One SMTP command, its arguments parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO client.example.org`: hello, and which extensions do you have?
    /// (RFC 5321 §4.1.1.1). Holds the client's name as sent: a domain or
    /// an address literal, which the server must not refuse for being
    /// wrong (§4.1.4), only for not being one word.
    Ehlo(String),
    /// `HELO client.example.org`: hello, in plain RFC 821 SMTP.
    Helo(String),
    /// `MAIL FROM:<alice@example.org> SIZE=10`: a new mail transaction,
    /// and who is sending (§4.1.1.2).
    Mail {
        /// Where to send a bounce; `<>` for none.
        from: ReversePath,
        /// SIZE and BODY, if given.
        parameters: MailParameters,
    },
    /// `RCPT TO:<bob@example.test>`: one recipient (§4.1.1.3).
    Rcpt {
        /// The recipient.
        to: ForwardPath,
    },
    /// `DATA`: the message follows, after a 354 (§4.1.1.4).
    Data,
    /// `RSET`: forget the transaction in progress (§4.1.1.5).
    Rset,
    /// `VRFY alice`: is this a user here? (§4.1.1.6).
    Vrfy(String),
    /// `EXPN staff`: who is on this list? (§4.1.1.7).
    Expn(String),
    /// `HELP [topic]` (§4.1.1.8).
    Help(Option<String>),
    /// `NOOP`: nothing; the server answers 250. Its argument, if any, is
    /// ignored (§4.1.1.9).
    Noop,
    /// `QUIT`: goodbye (§4.1.1.10).
    Quit,
}

/// Why a line is not a command the server can carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The line is empty.
    Empty,
    /// The line is longer than [`MAX_COMMAND_LINE_LEN`] with its CR LF
    /// ([`MAX_MAIL_LINE_LEN`] for MAIL).
    TooLong,
    /// The verb is no SMTP command. Holds it as sent, cut short, with
    /// anything unprintable shown as `?`.
    Unknown(String),
    /// A command of SMTP or its extensions that this server does not
    /// implement (TURN, ETRN, STARTTLS...).
    NotImplemented(&'static str),
    /// The line holds a control byte: CR, LF, NUL, TAB...
    ForbiddenByte,
    /// The line holds a byte that is not ASCII (that needs SMTPUTF8,
    /// RFC 6531, which is not offered).
    NotAscii,
    /// The command needs an argument, and the line has none.
    MissingArgument(&'static str),
    /// The command takes no argument, and the line has one.
    UnexpectedArgument(&'static str),
    /// The argument is not what the command takes: the verb, and the
    /// form it takes, in words.
    BadArgument(&'static str, &'static str),
    /// The reverse-path of MAIL is not an address.
    BadSender(AddressError),
    /// The forward-path of RCPT is not an address.
    BadRecipient(AddressError),
    /// A parameter is not `KEYWORD` or `KEYWORD=value`.
    MalformedParameter,
    /// A parameter's value is wrong: the keyword, and what it takes.
    BadParameter(&'static str, &'static str),
    /// A parameter is given twice.
    DuplicateParameter(&'static str),
    /// A parameter value of an extension not offered (`BODY=BINARYMIME`).
    UnsupportedParameter(&'static str),
    /// A parameter this server does not recognise. Holds its keyword as
    /// sent, cut short and printable.
    UnknownParameter(String),
    /// `SIZE=` with a number too large for 64 bits.
    SizeTooLarge,
}

impl CommandError {
    /// The reply code a server answers this error with (RFC 5321 §4.2.4,
    /// §4.1.1.11, RFC 1870 §6).
    pub fn reply_code(&self) -> u16 {
        use CommandError::*;
        match self {
            Empty | TooLong | Unknown(_) => reply::SYNTAX_ERROR,
            NotImplemented(_) => reply::NOT_IMPLEMENTED,
            UnsupportedParameter(_) => reply::PARAMETER_NOT_IMPLEMENTED,
            UnknownParameter(_) => reply::PARAMETERS_NOT_RECOGNIZED,
            SizeTooLarge => reply::EXCEEDED_STORAGE,
            ForbiddenByte
            | NotAscii
            | MissingArgument(_)
            | UnexpectedArgument(_)
            | BadArgument(..)
            | BadSender(_)
            | BadRecipient(_)
            | MalformedParameter
            | BadParameter(..)
            | DuplicateParameter(_) => reply::SYNTAX_ERROR_IN_PARAMETERS,
        }
    }

    /// The enhanced status code that goes with the reply (RFC 3463 §3.2,
    /// §3.4, §3.6).
    pub fn status(&self) -> EnhancedCode {
        use CommandError::*;
        match self {
            Empty | TooLong | ForbiddenByte | NotAscii => EnhancedCode::SYNTAX_ERROR,
            Unknown(_) | NotImplemented(_) => EnhancedCode::INVALID_COMMAND,
            BadSender(_) => EnhancedCode::BAD_SENDER_SYNTAX,
            BadRecipient(_) => EnhancedCode::BAD_DESTINATION_SYNTAX,
            SizeTooLarge => EnhancedCode::MESSAGE_TOO_BIG,
            MissingArgument(_)
            | UnexpectedArgument(_)
            | BadArgument(..)
            | MalformedParameter
            | BadParameter(..)
            | DuplicateParameter(_)
            | UnsupportedParameter(_)
            | UnknownParameter(_) => EnhancedCode::INVALID_ARGUMENTS,
        }
    }

    /// The whole reply, without its CR LF: `501 5.1.7 the address must be
    /// in angle brackets, as <user@example.com>`.
    pub fn reply(&self) -> String {
        reply::with_status(self.reply_code(), self.status(), &self.to_string())
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CommandError::*;
        match self {
            Empty => f.write_str("empty command line"),
            TooLong => f.write_str("line too long: 512 octets at most"),
            Unknown(verb) => write!(f, "unknown command {verb:?}"),
            NotImplemented(verb) => write!(f, "{verb} is not implemented here"),
            ForbiddenByte => f.write_str("the line holds a control byte"),
            NotAscii => f.write_str("the line is not ASCII (SMTPUTF8 is not offered)"),
            MissingArgument(verb) => write!(f, "{verb} needs an argument"),
            UnexpectedArgument(verb) => write!(f, "{verb} takes no argument"),
            BadArgument(verb, form) => write!(f, "{verb} takes {form}"),
            BadSender(error) => write!(f, "sender: {error}"),
            BadRecipient(error) => write!(f, "recipient: {error}"),
            MalformedParameter => {
                f.write_str("parameters are KEYWORD=value pairs, separated by spaces")
            }
            BadParameter(keyword, form) => write!(f, "{keyword}= takes {form}"),
            DuplicateParameter(keyword) => write!(f, "{keyword}= is given twice"),
            UnsupportedParameter(what) => write!(f, "{what} is not supported here"),
            UnknownParameter(keyword) => write!(f, "unknown parameter {keyword:?}"),
            SizeTooLarge => f.write_str("SIZE= is larger than any message this server takes"),
        }
    }
}

impl std::error::Error for CommandError {}

/// Commands of SMTP and its extensions that a client may send but this
/// server does not implement: 502, not 500, tells the client "known, not
/// here" (RFC 5321 §4.2.4), and it goes on without them.
const NOT_IMPLEMENTED: [&str; 9] = [
    "ATRN", "AUTH", "BDAT", "ETRN", "SAML", "SEND", "SOML", "STARTTLS", "TURN",
];

// ANCHOR: parse_command
/// Parses one command line, without its CR LF.
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    let is_mail = line
        .get(..5)
        .is_some_and(|verb| verb.eq_ignore_ascii_case(b"MAIL "));
    let limit = if is_mail {
        MAX_MAIL_LINE_LEN
    } else {
        MAX_COMMAND_LINE_LEN
    };
    if line.len() + 2 > limit {
        return Err(CommandError::TooLong);
    }
    if line.is_empty() {
        return Err(CommandError::Empty);
    }
    let (verb, argument) = match line.iter().position(|&byte| byte == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => (line, &b""[..]),
    };
    if verb.is_empty() || !verb.iter().all(u8::is_ascii_alphabetic) {
        return Err(CommandError::Unknown(shown(verb)));
    }
    for &byte in argument {
        if byte.is_ascii_control() {
            return Err(CommandError::ForbiddenByte);
        }
        if !byte.is_ascii() {
            return Err(CommandError::NotAscii);
        }
    }
    // ASCII, checked above: the conversions lose nothing.
    let verb = String::from_utf8_lossy(verb).to_ascii_uppercase();
    let argument = std::str::from_utf8(argument).map_err(|_| CommandError::NotAscii)?;
    // "DATA " is DATA: an empty argument is no argument.
    let argument = Some(argument).filter(|argument| !argument.is_empty());
    command_of(&verb, argument)
}

/// A verb or keyword as an error shows it: printable ASCII, cut short.
fn shown(word: &[u8]) -> String {
    word.iter()
        .take(MAX_SHOWN_LEN)
        .map(|&byte| match byte {
            b'!'..=b'~' => char::from(byte),
            _ => '?',
        })
        .collect()
}
// ANCHOR_END: parse_command

// ANCHOR: command_of
/// The command for a verb in capitals and its argument, if any.
fn command_of(verb: &str, argument: Option<&str>) -> Result<Command, CommandError> {
    use Command::*;
    match verb {
        "EHLO" => Ok(Ehlo(parse_hello("EHLO", argument)?)),
        "HELO" => Ok(Helo(parse_hello("HELO", argument)?)),
        "MAIL" => parse_mail(argument),
        "RCPT" => parse_rcpt(argument),
        "DATA" => takes_none(argument, Data),
        "RSET" => takes_none(argument, Rset),
        "VRFY" => Ok(Vrfy(needs(argument, "VRFY")?.to_string())),
        "EXPN" => Ok(Expn(needs(argument, "EXPN")?.to_string())),
        "HELP" => Ok(Help(argument.map(String::from))),
        "NOOP" => Ok(Noop),
        "QUIT" => takes_none(argument, Quit),
        _ => match NOT_IMPLEMENTED.iter().find(|&&known| known == verb) {
            Some(&known) => Err(CommandError::NotImplemented(known)),
            None => Err(CommandError::Unknown(shown(verb.as_bytes()))),
        },
    }
}

/// The argument of `verb`, which needs one.
fn needs<'a>(argument: Option<&'a str>, verb: &'static str) -> Result<&'a str, CommandError> {
    argument.ok_or(CommandError::MissingArgument(verb))
}

/// A command that takes no argument.
fn takes_none(argument: Option<&str>, command: Command) -> Result<Command, CommandError> {
    match argument {
        None => Ok(command),
        Some(_) => Err(CommandError::UnexpectedArgument(command.verb())),
    }
}

/// The client's name after EHLO or HELO: one word of at most 255 octets.
/// Its syntax is not checked further: RFC 5321 §4.1.4 forbids refusing a
/// session for a name that does not check out, and clients send names
/// that are no domains (`EHLO my_laptop`).
fn parse_hello(verb: &'static str, argument: Option<&str>) -> Result<String, CommandError> {
    let name = needs(argument, verb)?;
    if name.contains(' ') || name.len() > MAX_DOMAIN_LEN {
        return Err(CommandError::BadArgument(
            verb,
            "one domain name or address literal",
        ));
    }
    Ok(name.to_string())
}
// ANCHOR_END: command_of

// ANCHOR: parse_mail
/// `MAIL FROM:<path> [parameters]`.
fn parse_mail(argument: Option<&str>) -> Result<Command, CommandError> {
    const FORM: &str = "FROM:<address> and parameters";
    let path = after_prefix(needs(argument, "MAIL")?, "FROM:")
        .ok_or(CommandError::BadArgument("MAIL", FORM))?;
    let (from, rest) = address::parse_reverse_path(path).map_err(CommandError::BadSender)?;
    let mut parameters = MailParameters::default();
    for (keyword, value) in split_parameters(rest, "MAIL", FORM)? {
        if keyword.eq_ignore_ascii_case("SIZE") {
            let size = parse_size(value)?;
            set_once(&mut parameters.size, size, "SIZE")?;
        } else if keyword.eq_ignore_ascii_case("BODY") {
            let body = parse_body(value)?;
            set_once(&mut parameters.body, body, "BODY")?;
        } else {
            return Err(CommandError::UnknownParameter(shown(keyword.as_bytes())));
        }
    }
    Ok(Command::Mail { from, parameters })
}

/// `RCPT TO:<path> [parameters]`: no parameter of RCPT is understood
/// here (DSN's NOTIFY and ORCPT belong to an extension not offered).
fn parse_rcpt(argument: Option<&str>) -> Result<Command, CommandError> {
    const FORM: &str = "TO:<address>";
    let path = after_prefix(needs(argument, "RCPT")?, "TO:")
        .ok_or(CommandError::BadArgument("RCPT", FORM))?;
    let (to, rest) = address::parse_forward_path(path).map_err(CommandError::BadRecipient)?;
    if let Some((keyword, _)) = split_parameters(rest, "RCPT", FORM)?.first() {
        return Err(CommandError::UnknownParameter(shown(keyword.as_bytes())));
    }
    Ok(Command::Rcpt { to })
}

/// What follows `prefix` (`FROM:`, in any case) and any spaces after it.
fn after_prefix<'a>(argument: &'a str, prefix: &str) -> Option<&'a str> {
    let head = argument.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| argument[prefix.len()..].trim_start_matches(' '))
}

/// The parameters after a path, `KEYWORD[=value]` each (RFC 5321 §4.1.2):
///
/// ```text
/// esmtp-keyword  = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// esmtp-value    = 1*(%d33-60 / %d62-126)     printable, but "=" and space
/// ```
///
/// The text after the path must be empty, or start with a space.
fn split_parameters<'a>(
    rest: &'a str,
    verb: &'static str,
    form: &'static str,
) -> Result<Vec<(&'a str, Option<&'a str>)>, CommandError> {
    if !rest.is_empty() && !rest.starts_with(' ') {
        return Err(CommandError::BadArgument(verb, form));
    }
    let mut parameters = Vec::new();
    // The line is at most 510 bytes: so is the number of parameters.
    for word in rest.split(' ').filter(|word| !word.is_empty()) {
        let (keyword, value) = match word.split_once('=') {
            Some((keyword, value)) => (keyword, Some(value)),
            None => (word, None),
        };
        let is_keyword = keyword.starts_with(|c: char| c.is_ascii_alphanumeric())
            && keyword
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let is_value = value.is_none_or(|value| !value.is_empty() && !value.contains('='));
        if !is_keyword || !is_value {
            return Err(CommandError::MalformedParameter);
        }
        parameters.push((keyword, value));
    }
    Ok(parameters)
}

/// `SIZE=size-value`, `size-value = 1*20DIGIT` (RFC 1870 §3), checked so
/// that no number of digits can overflow.
fn parse_size(value: Option<&str>) -> Result<u64, CommandError> {
    const FORM: &str = "the message size in octets, in decimal digits";
    let digits = value.ok_or(CommandError::BadParameter("SIZE", FORM))?;
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(CommandError::BadParameter("SIZE", FORM));
    }
    digits.bytes().try_fold(0u64, |size, digit| {
        size.checked_mul(10)
            .and_then(|size| size.checked_add(u64::from(digit - b'0')))
            .ok_or(CommandError::SizeTooLarge)
    })
}

/// `BODY=7BIT` or `BODY=8BITMIME` (RFC 6152 §2), in any case.
fn parse_body(value: Option<&str>) -> Result<Body, CommandError> {
    match value {
        Some(value) if value.eq_ignore_ascii_case("7BIT") => Ok(Body::SevenBit),
        Some(value) if value.eq_ignore_ascii_case("8BITMIME") => Ok(Body::EightBitMime),
        // RFC 3030's binary bodies need BDAT (CHUNKING), not offered.
        Some(value) if value.eq_ignore_ascii_case("BINARYMIME") => {
            Err(CommandError::UnsupportedParameter("BODY=BINARYMIME"))
        }
        _ => Err(CommandError::BadParameter("BODY", "7BIT or 8BITMIME")),
    }
}

/// Sets a parameter that may be given once only.
fn set_once<T>(slot: &mut Option<T>, value: T, keyword: &'static str) -> Result<(), CommandError> {
    if slot.is_some() {
        return Err(CommandError::DuplicateParameter(keyword));
    }
    *slot = Some(value);
    Ok(())
}
// ANCHOR_END: parse_mail

impl Command {
    /// The verb, in capitals.
    pub fn verb(&self) -> &'static str {
        use Command::*;
        match self {
            Ehlo(_) => "EHLO",
            Helo(_) => "HELO",
            Mail { .. } => "MAIL",
            Rcpt { .. } => "RCPT",
            Data => "DATA",
            Rset => "RSET",
            Vrfy(_) => "VRFY",
            Expn(_) => "EXPN",
            Help(_) => "HELP",
            Noop => "NOOP",
            Quit => "QUIT",
        }
    }
}

impl fmt::Display for Command {
    /// The command as a client sends it, without the CR LF, in its
    /// canonical form: `MAIL FROM:<alice@example.org> SIZE=1024`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Command::*;
        match self {
            Ehlo(name) | Helo(name) | Vrfy(name) | Expn(name) | Help(Some(name)) => {
                write!(f, "{} {name}", self.verb())
            }
            Mail { from, parameters } => {
                write!(f, "MAIL FROM:{from}")?;
                if let Some(size) = parameters.size {
                    write!(f, " SIZE={size}")?;
                }
                if let Some(body) = parameters.body {
                    write!(f, " BODY={}", body.as_str())?;
                }
                Ok(())
            }
            Rcpt { to } => write!(f, "RCPT TO:{to}"),
            Data | Rset | Help(None) | Noop | Quit => f.write_str(self.verb()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::parse_mailbox;

    fn parse(line: &str) -> Result<Command, CommandError> {
        parse_command(line.as_bytes())
    }

    fn text(value: &str) -> String {
        value.to_string()
    }

    fn from(address: &str) -> ReversePath {
        ReversePath::Mailbox(parse_mailbox(address).unwrap())
    }

    fn to(address: &str) -> ForwardPath {
        ForwardPath::Mailbox(parse_mailbox(address).unwrap())
    }

    fn mail(address: Option<&str>, size: Option<u64>, body: Option<Body>) -> Command {
        Command::Mail {
            from: address.map_or(ReversePath::Null, from),
            parameters: MailParameters { size, body },
        }
    }

    /// One command line of each kind, in its canonical form, and what it
    /// parses to.
    fn every_command() -> Vec<(&'static str, Command)> {
        use Command::*;
        vec![
            ("EHLO client.example.org", Ehlo(text("client.example.org"))),
            ("EHLO [192.0.2.1]", Ehlo(text("[192.0.2.1]"))),
            ("HELO client.example.org", Helo(text("client.example.org"))),
            (
                "MAIL FROM:<alice@example.org>",
                mail(Some("alice@example.org"), None, None),
            ),
            ("MAIL FROM:<>", mail(None, None, None)),
            (
                "MAIL FROM:<alice@example.org> SIZE=1024",
                mail(Some("alice@example.org"), Some(1024), None),
            ),
            (
                "MAIL FROM:<alice@example.org> SIZE=0 BODY=8BITMIME",
                mail(Some("alice@example.org"), Some(0), Some(Body::EightBitMime)),
            ),
            (
                "MAIL FROM:<> BODY=7BIT",
                mail(None, None, Some(Body::SevenBit)),
            ),
            (
                "MAIL FROM:<\"john smith\"@[IPv6:2001:db8::1]>",
                mail(Some("\"john smith\"@[IPv6:2001:db8::1]"), None, None),
            ),
            (
                "RCPT TO:<bob@example.test>",
                Rcpt {
                    to: to("bob@example.test"),
                },
            ),
            (
                "RCPT TO:<Postmaster>",
                Rcpt {
                    to: ForwardPath::Postmaster,
                },
            ),
            (
                "RCPT TO:<root@[127.0.0.1]>",
                Rcpt {
                    to: to("root@[127.0.0.1]"),
                },
            ),
            ("DATA", Data),
            ("RSET", Rset),
            ("VRFY alice", Vrfy(text("alice"))),
            (
                "VRFY <alice@example.test>",
                Vrfy(text("<alice@example.test>")),
            ),
            ("EXPN staff", Expn(text("staff"))),
            ("HELP", Help(None)),
            ("HELP MAIL", Help(Some(text("MAIL")))),
            ("NOOP", Noop),
            ("QUIT", Quit),
        ]
    }

    #[test]
    fn every_command_parses() {
        for (line, expected) in every_command() {
            assert_eq!(parse(line), Ok(expected), "{line:?}");
        }
    }

    #[test]
    fn every_command_written_is_read_back() {
        for (line, command) in every_command() {
            assert_eq!(command.to_string(), line);
            assert_eq!(parse(&command.to_string()), Ok(command), "{line:?}");
        }
    }

    #[test]
    fn lines_in_other_forms_are_written_in_the_canonical_one() {
        let table = [
            ("ehlo client", "EHLO client"),
            ("mail from:<a@b>", "MAIL FROM:<a@b>"),
            (
                "MAIL From:<a@b> size=10 body=8bitmime",
                "MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME",
            ),
            (
                "MAIL FROM:<a@b> BODY=7bit SIZE=010",
                "MAIL FROM:<a@b> SIZE=10 BODY=7BIT",
            ),
            // Leniencies of old clients: spaces after the colon, and after
            // the last parameter.
            ("MAIL FROM: <a@b>", "MAIL FROM:<a@b>"),
            ("MAIL FROM:  <a@b>  SIZE=1  ", "MAIL FROM:<a@b> SIZE=1"),
            ("RCPT TO: <b@c> ", "RCPT TO:<b@c>"),
            ("rcpt to:<postmaster>", "RCPT TO:<Postmaster>"),
            ("MAIL FROM:<\"a\"@b>", "MAIL FROM:<a@b>"),
            // A source route is dropped (RFC 5321 §4.1.2, appendix C).
            (
                "RCPT TO:<@relay.test,@hop.test:bob@example.test>",
                "RCPT TO:<bob@example.test>",
            ),
            ("NOOP anything at all", "NOOP"),
            ("DATA ", "DATA"),
            ("qUiT", "QUIT"),
        ];
        for (line, written) in table {
            assert_eq!(parse(line).unwrap().to_string(), written, "{line:?}");
        }
    }

    #[test]
    fn sizes_up_to_the_largest_u64() {
        // RFC 1870 §3: up to 20 digits; past 2^64 - 1, no server takes it.
        let largest = "MAIL FROM:<a@b> SIZE=18446744073709551615";
        assert_eq!(parse(largest), Ok(mail(Some("a@b"), Some(u64::MAX), None)));
        for line in [
            "MAIL FROM:<a@b> SIZE=18446744073709551616",
            "MAIL FROM:<a@b> SIZE=99999999999999999999999999999999",
        ] {
            let error = parse(line).unwrap_err();
            assert_eq!(error, CommandError::SizeTooLarge, "{line}");
            assert_eq!(
                error.reply(),
                "552 5.3.4 SIZE= is larger than any message this server takes"
            );
        }
    }

    #[test]
    fn bad_command_lines_and_their_replies() {
        use AddressError as A;
        use CommandError::*;
        let size = BadParameter("SIZE", "the message size in octets, in decimal digits");
        let parameters = MalformedParameter;
        let mail_form = BadArgument("MAIL", "FROM:<address> and parameters");
        let too_long = format!("NOOP {}", "x".repeat(MAX_COMMAND_LINE_LEN - 2 - 4));
        let table: Vec<(&[u8], CommandError, &str)> = vec![
            (b"", Empty, "500 5.5.2"),
            (too_long.as_bytes(), TooLong, "500 5.5.2"),
            (b"XYZZ", Unknown(text("XYZZ")), "500 5.5.1"),
            (b"GET / HTTP/1.1", Unknown(text("GET")), "500 5.5.1"),
            (b" MAIL FROM:<a@b>", Unknown(text("")), "500 5.5.1"),
            (
                b"MAIL\tFROM:<a@b>",
                Unknown(text("MAIL?FROM:<a@b>")),
                "500 5.5.1",
            ),
            (
                b"MAIL:FROM:<a@b>",
                Unknown(text("MAIL:FROM:<a@b>")),
                "500 5.5.1",
            ),
            (b"\0\0\0", Unknown(text("???")), "500 5.5.1"),
            (b"STARTTLS", NotImplemented("STARTTLS"), "502 5.5.1"),
            (
                b"auth plain AGFsaWNlAHNlY3JldA==",
                NotImplemented("AUTH"),
                "502 5.5.1",
            ),
            (b"ETRN example.test", NotImplemented("ETRN"), "502 5.5.1"),
            (b"BDAT 100 LAST", NotImplemented("BDAT"), "502 5.5.1"),
            (b"VRFY a\rb", ForbiddenByte, "501 5.5.2"),
            (
                b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>",
                ForbiddenByte,
                "501 5.5.2",
            ),
            (b"HELP \0", ForbiddenByte, "501 5.5.2"),
            (
                b"MAIL FROM:<jos\xc3\xa9@example.test>",
                NotAscii,
                "501 5.5.2",
            ),
            (b"EHLO", MissingArgument("EHLO"), "501 5.5.4"),
            (b"HELO ", MissingArgument("HELO"), "501 5.5.4"),
            (b"MAIL", MissingArgument("MAIL"), "501 5.5.4"),
            (b"RCPT", MissingArgument("RCPT"), "501 5.5.4"),
            (b"VRFY", MissingArgument("VRFY"), "501 5.5.4"),
            (b"EXPN", MissingArgument("EXPN"), "501 5.5.4"),
            (b"DATA now", UnexpectedArgument("DATA"), "501 5.5.4"),
            (b"RSET x", UnexpectedArgument("RSET"), "501 5.5.4"),
            (b"QUIT now", UnexpectedArgument("QUIT"), "501 5.5.4"),
            (
                b"EHLO two words",
                BadArgument("EHLO", "one domain name or address literal"),
                "501 5.5.4",
            ),
            (b"MAIL TO:<a@b>", mail_form.clone(), "501 5.5.4"),
            (b"MAIL FROM<a@b>", mail_form.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b>SIZE=1", mail_form, "501 5.5.4"),
            (
                b"RCPT FROM:<a@b>",
                BadArgument("RCPT", "TO:<address>"),
                "501 5.5.4",
            ),
            // The bare form of old clients: refused, with the way to write it.
            (
                b"MAIL FROM:alice@example.test",
                BadSender(A::NoAngleBrackets),
                "501 5.1.7",
            ),
            (
                b"RCPT TO:bob@example.test",
                BadRecipient(A::NoAngleBrackets),
                "501 5.1.3",
            ),
            (
                b"MAIL FROM:<a b@c>",
                BadSender(A::BadLocalPart),
                "501 5.1.7",
            ),
            (b"MAIL FROM:<a@b", BadSender(A::Unclosed), "501 5.1.7"),
            (b"RCPT TO:<>", BadRecipient(A::NullPath), "501 5.1.3"),
            (b"RCPT TO:<bob>", BadRecipient(A::NoDomain), "501 5.1.3"),
            (
                b"RCPT TO:<bob@[999.0.0.1]>",
                BadRecipient(A::BadAddressLiteral),
                "501 5.1.3",
            ),
            (b"MAIL FROM:<a@b> SIZE", size.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=", parameters.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=-1", size.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=1e3", size, "501 5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=1=2", parameters.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b> =1", parameters.clone(), "501 5.5.4"),
            (b"MAIL FROM:<a@b> -X=1", parameters, "501 5.5.4"),
            (
                b"MAIL FROM:<a@b> SIZE=1 SIZE=2",
                DuplicateParameter("SIZE"),
                "501 5.5.4",
            ),
            (
                b"MAIL FROM:<a@b> BODY=7BIT BODY=7BIT",
                DuplicateParameter("BODY"),
                "501 5.5.4",
            ),
            (
                b"MAIL FROM:<a@b> BODY=9BIT",
                BadParameter("BODY", "7BIT or 8BITMIME"),
                "501 5.5.4",
            ),
            (
                b"MAIL FROM:<a@b> BODY=BINARYMIME",
                UnsupportedParameter("BODY=BINARYMIME"),
                "504 5.5.4",
            ),
            // RFC 5321 §4.1.1.11: what is not recognised is 555.
            (
                b"MAIL FROM:<a@b> SMTPUTF8",
                UnknownParameter(text("SMTPUTF8")),
                "555 5.5.4",
            ),
            (
                b"MAIL FROM:<a@b> AUTH=<>",
                UnknownParameter(text("AUTH")),
                "555 5.5.4",
            ),
            (
                b"MAIL FROM:<a@b> RET=HDRS",
                UnknownParameter(text("RET")),
                "555 5.5.4",
            ),
            (
                b"RCPT TO:<b@c> NOTIFY=SUCCESS,FAILURE",
                UnknownParameter(text("NOTIFY")),
                "555 5.5.4",
            ),
            (
                b"RCPT TO:<b@c> SIZE=1",
                UnknownParameter(text("SIZE")),
                "555 5.5.4",
            ),
        ];
        for (line, error, reply_start) in table {
            let shown = String::from_utf8_lossy(line);
            assert_eq!(parse_command(line), Err(error.clone()), "{shown:?}");
            let reply = error.reply();
            assert!(
                reply.starts_with(&format!("{reply_start} ")),
                "{shown:?}: {reply}"
            );
            assert_eq!(
                error.reply_code().to_string(),
                reply_start[..3],
                "{shown:?}"
            );
            assert_eq!(error.status().to_string(), reply_start[4..], "{shown:?}");
        }
    }

    #[test]
    fn the_longest_line_is_accepted() {
        // 512 octets with the CR LF (RFC 5321 §4.5.3.1.4).
        let line = format!("NOOP {}", "x".repeat(MAX_COMMAND_LINE_LEN - 2 - 5));
        assert_eq!(line.len() + 2, MAX_COMMAND_LINE_LEN);
        assert_eq!(parse(&line), Ok(Command::Noop));
    }

    #[test]
    fn a_mail_line_may_be_26_octets_longer() {
        // RFC 1870 §3: room for " SIZE=" and 20 digits.
        let line = |len: usize| {
            let start = "MAIL FROM:<a@b>";
            let end = " SIZE=18446744073709551615";
            format!(
                "{start}{}{end}",
                " ".repeat(len - 2 - start.len() - end.len())
            )
        };
        let longest = line(MAX_MAIL_LINE_LEN);
        assert_eq!(longest.len() + 2, 538);
        assert_eq!(parse(&longest), Ok(mail(Some("a@b"), Some(u64::MAX), None)));
        assert_eq!(
            parse(&line(MAX_MAIL_LINE_LEN + 1)),
            Err(CommandError::TooLong)
        );
        // Other commands keep the limit of 512.
        let rcpt = format!("RCPT TO:<b@c>{}", " ".repeat(MAX_COMMAND_LINE_LEN - 2 - 13));
        assert!(parse(&rcpt).is_ok());
        assert_eq!(parse(&format!("{rcpt} ")), Err(CommandError::TooLong));
    }

    #[test]
    fn an_unknown_verb_is_shown_short_and_printable() {
        let line = format!("{}\x07 x", "A".repeat(100));
        assert_eq!(parse(&line), Err(CommandError::Unknown("A".repeat(16))));
        let error = parse("\x1b[31m").unwrap_err();
        assert_eq!(error.reply(), "500 5.5.1 unknown command \"?[31m\"");
    }

    #[test]
    fn errors_say_what_to_do() {
        let table = [
            (
                "MAIL FROM:a@b",
                "501 5.1.7 sender: the address must be in angle brackets, as <user@example.com>",
            ),
            ("RCPT TO:<a@b> FOO=1", "555 5.5.4 unknown parameter \"FOO\""),
            ("DATA x", "501 5.5.4 DATA takes no argument"),
            ("TURN", "502 5.5.1 TURN is not implemented here"),
            (
                "MAIL FROM:<a@b> SIZE==1",
                "501 5.5.4 parameters are KEYWORD=value pairs, separated by spaces",
            ),
            (
                "MAIL FROM:<a@b> SIZE=x",
                "501 5.5.4 SIZE= takes the message size in octets, in decimal digits",
            ),
            (
                "MAIL FROM:<a@b> BODY=BINARYMIME",
                "504 5.5.4 BODY=BINARYMIME is not supported here",
            ),
        ];
        for (line, reply) in table {
            assert_eq!(parse(line).unwrap_err().reply(), reply, "{line:?}");
        }
    }

    #[test]
    fn every_prefix_of_a_command_line_is_some_answer() {
        // A line cut anywhere is an error or another command, never a
        // panic, and an error always has a reply a server can send.
        for line in [
            "MAIL FROM:<@a.test:\"john \\\"x\\\"\"@[IPv6:2001:db8::1]> SIZE=123 BODY=8BITMIME",
            "RCPT TO:<Postmaster>",
            "EHLO [127.0.0.1]",
        ] {
            for end in 0..=line.len() {
                match parse(&line[..end]) {
                    Ok(command) => assert_eq!(parse(&command.to_string()), Ok(command)),
                    Err(error) => {
                        assert!([500, 501, 502, 504, 552, 555].contains(&error.reply_code()));
                        assert_eq!(u16::from(error.status().class), error.reply_code() / 100);
                    }
                }
            }
        }
    }
}

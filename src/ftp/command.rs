//! FTP commands: from a line of the control connection to a [`Command`],
//! and back.
//!
//! RFC 959 §5.3 gives every command one shape: a verb of three or four
//! letters, in either case, then, if the command takes one, a single space
//! and the argument:
//!
//! ```text
//! <command> ::= <verb> [<SP> <argument>] <CRLF>
//!
//! USER alice
//! retr notes for monday.txt         the verb in any case; the name has spaces
//! TYPE I
//! PORT 127,0,0,1,195,140
//! EPRT |2|::1|50060|
//! ```
//!
//! The argument is kept exactly as sent, after the one space: file names
//! may hold spaces, leading ones too, so nothing is trimmed. It may not hold
//! NUL (a C library below would cut the name there), nor CR or LF (RFC 959
//! §5.3.2: `<char>` is any ASCII character but CR and LF); and it must be
//! UTF-8, the encoding of path names since RFC 2640 §2.
//!
//! The commands are those RFC 1123 §4.1.2.13 requires of every server,
//! with the extensions that clients use today: EPRT and EPSV (RFC 2428),
//! FEAT and OPTS (RFC 2389), SIZE, MDTM, REST STREAM, MLST and MLSD
//! (RFC 3659). RFC 1123 §4.1.3.1 also lists the X-verbs of older systems
//! (XPWD, XCWD, XCUP, XMKD, XRMD), accepted as the commands they stand for.
//!
//! A line that is not a command has a [`CommandError`], which knows its
//! reply code ([`CommandError::reply_code`]), as `http::head`'s errors know
//! their status: 500 for what is not understood, 501 for a bad argument,
//! 502 for a command of FTP this server does not implement, 504 for an
//! argument it does not support, 522 for a network protocol it does not use.

use super::address::{self, parse_eprt, parse_host_port_numbers, AddressError, NetworkProtocol};
use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

/// The longest command line the server reads, without its CR LF. RFC 959
/// sets no limit; a path is at most 4096 bytes on Linux (`PATH_MAX`), and
/// 512 more leave room for the verb, options and a long UTF-8 name. Past
/// it, the line is refused with 500 (RFC 959 §4.2.1: "command line too long").
pub const MAX_COMMAND_LINE_LEN: usize = 4096 + 512;

/// The longest verb: RFC 959's verbs have three or four letters.
pub const MAX_VERB_LEN: usize = 4;

/// How much of an unknown verb an error shows: enough to recognise it,
/// little enough that a reply quoting it stays short.
const MAX_SHOWN_VERB_LEN: usize = 16;

/// A password, which `{:?}` does not show (`Display` of [`Command::Pass`]
/// does write it, for the wire, where the transcript hides it again:
/// `PASS ****`). It is the one type every server's logins share.
pub use crate::accounts::Password;

/// How the bytes of a file travel (RFC 959 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// `TYPE A` (or `A N`): text, with CR LF at the end of each line on the
    /// wire, whatever the file's own line endings are.
    Ascii,
    /// `TYPE I` (or `L 8`, the same on machines of 8-bit bytes): the bytes
    /// as they are.
    Image,
}

/// The transfer mode (RFC 959 §3.4): only stream mode is spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// `MODE S`: the bytes as a stream; the end of the file closes the
    /// data connection.
    Stream,
}

/// The file structure (RFC 959 §3.1.2): only files of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStructure {
    /// `STRU F`: a file is a sequence of bytes.
    File,
}

/// What `EPSV` asks for (RFC 2428 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsvRequest {
    /// `EPSV`: a passive port, for the protocol of the control connection.
    Any,
    /// `EPSV 1` or `EPSV 2`: a passive port for that protocol.
    Protocol(NetworkProtocol),
    /// `EPSV ALL`: from now on, only EPSV; the server refuses PORT, PASV
    /// and EPRT (this helps NAT devices that rewrite addresses).
    All,
}

/// One command of the control connection, its argument parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name`: who logs in.
    User(String),
    /// `PASS password`: the password for the USER before.
    Pass(Password),
    /// `ACCT account`: an account, on systems that bill one.
    Acct(String),
    /// `SYST`: the system's type.
    Syst,
    /// `FEAT`: the extensions the server supports (RFC 2389 §3).
    Feat,
    /// `OPTS command [options]`: options of a command (RFC 2389 §4),
    /// such as `OPTS UTF8 ON`, which many clients send to ask for UTF-8
    /// names (RFC 2640 defines UTF-8 names; this command to switch them on
    /// never left the drafts, but clients expect a 200).
    Opts {
        /// The command the options are for, in capitals.
        command: String,
        /// Its options, as sent, if any.
        options: Option<String>,
    },
    /// `PWD` (or `XPWD`): the current directory.
    Pwd,
    /// `CWD path` (or `XCWD`): change the current directory.
    Cwd(String),
    /// `CDUP` (or `XCUP`): go to the parent directory.
    Cdup,
    /// `TYPE A` or `TYPE I`: how files travel.
    Type(TransferType),
    /// `MODE S`: the transfer mode.
    Mode(TransferMode),
    /// `STRU F`: the file structure.
    Stru(FileStructure),
    /// `PASV`: listen for the next data connection, tell the address (227).
    Pasv,
    /// `EPSV [1|2|ALL]`: listen, tell the port (229, RFC 2428 §3).
    Epsv(EpsvRequest),
    /// `PORT h1,h2,h3,h4,p1,p2`: connect to this IPv4 address for the
    /// next data connection.
    Port(SocketAddrV4),
    /// `EPRT |proto|address|port|`: the same, IPv4 or IPv6 (RFC 2428 §2).
    Eprt(SocketAddr),
    /// `LIST [path]`: a listing for people, over the data connection.
    List(Option<String>),
    /// `NLST [path]`: the names alone, one a line.
    Nlst(Option<String>),
    /// `MLSD [path]`: a listing for programs, with facts (RFC 3659 §7).
    Mlsd(Option<String>),
    /// `MLST [path]`: the facts of one file, on the control connection.
    Mlst(Option<String>),
    /// `RETR path`: send a file.
    Retr(String),
    /// `STOR path`: receive a file, replacing any of that name.
    Stor(String),
    /// `STOU`: receive a file under a name the server makes up.
    Stou,
    /// `APPE path`: receive bytes at the end of a file.
    Appe(String),
    /// `REST offset`: the next RETR or STOR starts at this byte
    /// (RFC 3659 §5, REST STREAM).
    Rest(u64),
    /// `SIZE path`: a file's size in bytes (RFC 3659 §4).
    Size(String),
    /// `MDTM path`: a file's modification time (RFC 3659 §3).
    Mdtm(String),
    /// `DELE path`: delete a file.
    Dele(String),
    /// `MKD path` (or `XMKD`): make a directory.
    Mkd(String),
    /// `RMD path` (or `XRMD`): remove a directory.
    Rmd(String),
    /// `RNFR path`: the file to rename; RNTO follows.
    Rnfr(String),
    /// `RNTO path`: its new name.
    Rnto(String),
    /// `ABOR`: stop the transfer in progress.
    Abor,
    /// `STAT [path]`: the server's status, or a listing on the control
    /// connection.
    Stat(Option<String>),
    /// `HELP [topic]`: help for people.
    Help(Option<String>),
    /// `NOOP`: nothing; the server answers 200 (keeps a connection alive).
    Noop,
    /// `QUIT`: log out and close.
    Quit,
}

/// Why a command line is not a command the server can carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The line is empty.
    Empty,
    /// The verb is no FTP command: unknown, longer than four letters, or
    /// not letters at all. Holds the verb as sent, cut short and with
    /// anything unprintable shown as `?`.
    Unknown(String),
    /// A verb of FTP that this server does not implement (SITE, AUTH...).
    NotImplemented(&'static str),
    /// The command needs an argument, and the line has none.
    MissingArgument(&'static str),
    /// The command takes no argument, and the line has one.
    UnexpectedArgument(&'static str),
    /// The argument holds a NUL, CR or LF byte.
    ForbiddenByte,
    /// The argument is not UTF-8.
    NotUtf8,
    /// The argument is not what the command takes: the verb and the form
    /// it takes, in words.
    BadArgument(&'static str, &'static str),
    /// The argument is well-formed, but not one this server supports (TYPE
    /// E, MODE B): the verb and what it supports.
    Unsupported(&'static str, &'static str),
    /// The address of PORT or EPRT, or the protocol of EPSV, is wrong.
    BadAddress(AddressError),
}

impl CommandError {
    /// The reply code a server answers this error with (RFC 959 §4.2.1).
    pub fn reply_code(&self) -> u16 {
        match self {
            CommandError::Empty | CommandError::Unknown(_) => 500,
            CommandError::NotImplemented(_) => 502,
            CommandError::Unsupported(..) => 504,
            CommandError::BadAddress(error) => error.reply_code(),
            _ => 501,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Empty => f.write_str("empty command line"),
            CommandError::Unknown(verb) => write!(f, "unknown command {verb:?}"),
            CommandError::NotImplemented(verb) => write!(f, "{verb} is not implemented here"),
            CommandError::MissingArgument(verb) => write!(f, "{verb} needs an argument"),
            CommandError::UnexpectedArgument(verb) => write!(f, "{verb} takes no argument"),
            CommandError::ForbiddenByte => f.write_str("the argument holds a NUL, CR or LF byte"),
            CommandError::NotUtf8 => f.write_str("the argument is not UTF-8 (RFC 2640)"),
            CommandError::BadArgument(verb, form) => write!(f, "{verb} takes {form}"),
            CommandError::Unsupported(verb, supported) => {
                write!(f, "{verb} supports only {supported}")
            }
            CommandError::BadAddress(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for CommandError {}

impl From<AddressError> for CommandError {
    fn from(error: AddressError) -> CommandError {
        CommandError::BadAddress(error)
    }
}

/// Verbs of FTP and its extensions that a client may send but this server
/// does not implement: 502, not 500, tells the client "known, not here",
/// and a client that tries `AUTH TLS` first goes on without TLS.
const NOT_IMPLEMENTED: [&str; 14] = [
    "ADAT", "ALLO", "AUTH", "CCC", "CONF", "ENC", "HOST", "LANG", "MIC", "PBSZ", "PROT", "REIN",
    "SITE", "SMNT",
];

// ANCHOR: parse_command
/// Parses one command line, without its CR LF.
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    let line = skip_telnet_commands(line);
    if line.is_empty() {
        return Err(CommandError::Empty);
    }
    let (verb, argument) = match line.iter().position(|&byte| byte == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => (line, &b""[..]),
    };
    let Some(verb) = uppercase_verb(verb) else {
        return Err(CommandError::Unknown(shown_verb(verb)));
    };
    if argument
        .iter()
        .any(|&byte| matches!(byte, b'\0' | b'\r' | b'\n'))
    {
        return Err(CommandError::ForbiddenByte);
    }
    let argument = std::str::from_utf8(argument).map_err(|_| CommandError::NotUtf8)?;
    // "NOOP " is NOOP: an empty argument is no argument.
    let argument = Some(argument).filter(|argument| !argument.is_empty());
    command_of(&verb, argument)
}

/// The verb in capitals, if it is one to four ASCII letters (RFC 959 §5.3:
/// upper and lower case are the same).
fn uppercase_verb(verb: &[u8]) -> Option<String> {
    let is_verb =
        !verb.is_empty() && verb.len() <= MAX_VERB_LEN && verb.iter().all(u8::is_ascii_alphabetic);
    // ASCII letters only: the lossy conversion loses nothing.
    is_verb.then(|| String::from_utf8_lossy(verb).to_ascii_uppercase())
}

/// Telnet commands (IAC, byte 255, and one more byte) before the verb:
/// RFC 959 §4.1.3 has a client send Telnet "Interrupt Process" and
/// "Synch" before ABOR, and some do, in the line itself.
fn skip_telnet_commands(mut line: &[u8]) -> &[u8] {
    while let [0xff, 0xf0..=0xfe, rest @ ..] = line {
        line = rest;
    }
    line
}

/// An unknown verb as an error shows it: printable ASCII, cut short.
fn shown_verb(verb: &[u8]) -> String {
    verb.iter()
        .take(MAX_SHOWN_VERB_LEN)
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
        "USER" => needs(argument, User),
        // An empty password is a password: curl sends `PASS ` for one.
        "PASS" => Ok(Pass(Password::new(argument.unwrap_or_default()))),
        "ACCT" => needs(argument, Acct),
        "SYST" => takes_none(argument, Syst),
        "FEAT" => takes_none(argument, Feat),
        "OPTS" => parse_opts(argument),
        "PWD" | "XPWD" => takes_none(argument, Pwd),
        "CWD" | "XCWD" => needs(argument, Cwd),
        "CDUP" | "XCUP" => takes_none(argument, Cdup),
        "TYPE" => Ok(Type(parse_type(needs_text(argument, "TYPE")?)?)),
        "MODE" => parse_mode(argument),
        "STRU" => parse_stru(argument),
        "PASV" => takes_none(argument, Pasv),
        "EPSV" => Ok(Epsv(parse_epsv(argument)?)),
        "PORT" => {
            let numbers = needs_text(argument, "PORT")?;
            Ok(Port(parse_host_port_numbers(numbers)?))
        }
        "EPRT" => Ok(Eprt(parse_eprt(needs_text(argument, "EPRT")?)?)),
        "LIST" => Ok(List(argument.and_then(without_ls_options))),
        "NLST" => Ok(Nlst(argument.and_then(without_ls_options))),
        "MLSD" => Ok(Mlsd(argument.map(String::from))),
        "MLST" => Ok(Mlst(argument.map(String::from))),
        "RETR" => needs(argument, Retr),
        "STOR" => needs(argument, Stor),
        "STOU" => takes_none(argument, Stou),
        "APPE" => needs(argument, Appe),
        "REST" => Ok(Rest(parse_offset(needs_text(argument, "REST")?)?)),
        "SIZE" => needs(argument, Size),
        "MDTM" => needs(argument, Mdtm),
        "DELE" => needs(argument, Dele),
        "MKD" | "XMKD" => needs(argument, Mkd),
        "RMD" | "XRMD" => needs(argument, Rmd),
        "RNFR" => needs(argument, Rnfr),
        "RNTO" => needs(argument, Rnto),
        "ABOR" => takes_none(argument, Abor),
        "STAT" => Ok(Stat(argument.map(String::from))),
        "HELP" => Ok(Help(argument.map(String::from))),
        "NOOP" => takes_none(argument, Noop),
        "QUIT" => takes_none(argument, Quit),
        _ => match NOT_IMPLEMENTED.iter().find(|&&known| known == verb) {
            Some(&known) => Err(CommandError::NotImplemented(known)),
            None => Err(CommandError::Unknown(verb.to_string())),
        },
    }
}

/// A command with a required argument, built by `make` (`Command::Retr`).
fn needs(argument: Option<&str>, make: fn(String) -> Command) -> Result<Command, CommandError> {
    match argument {
        Some(argument) => Ok(make(argument.to_string())),
        // The verb is the command's own: ask one built with no argument.
        None => Err(CommandError::MissingArgument(make(String::new()).verb())),
    }
}

/// The argument of `verb`, which needs one.
fn needs_text<'a>(argument: Option<&'a str>, verb: &'static str) -> Result<&'a str, CommandError> {
    argument.ok_or(CommandError::MissingArgument(verb))
}

/// A command that takes no argument.
fn takes_none(argument: Option<&str>, command: Command) -> Result<Command, CommandError> {
    match argument {
        None => Ok(command),
        Some(_) => Err(CommandError::UnexpectedArgument(command.verb())),
    }
}
// ANCHOR_END: command_of

// ANCHOR: arguments
/// `OPTS UTF8 ON`: the command's name, then its options (RFC 2389 §4:
/// `opts = "opts" SP command-name [ SP command-options ]`).
fn parse_opts(argument: Option<&str>) -> Result<Command, CommandError> {
    let argument = needs_text(argument, "OPTS")?;
    let (command, options) = match argument.split_once(' ') {
        Some((command, options)) => (command, Some(options).filter(|o| !o.is_empty())),
        None => (argument, None),
    };
    if command.is_empty() {
        return Err(CommandError::BadArgument(
            "OPTS",
            "a command name, then its options",
        ));
    }
    Ok(Command::Opts {
        command: command.to_ascii_uppercase(),
        options: options.map(String::from),
    })
}

/// `TYPE` (RFC 959 §5.3.2):
///
/// ```text
/// <type-code> ::= A [<SP> <form-code>] | E [<SP> <form-code>] | I | L <SP> <byte-size>
/// <form-code> ::= N | T | C
/// ```
///
/// A, A N, I and L 8 are spoken (RFC 1123 §4.1.2.13 requires them); the
/// other well-formed types are 504, anything else 501.
fn parse_type(argument: &str) -> Result<TransferType, CommandError> {
    let is_one_of = |forms: &[&str]| forms.iter().any(|form| argument.eq_ignore_ascii_case(form));
    const SUPPORTED: &str = "A, A N, I and L 8";
    if is_one_of(&["A", "A N"]) {
        Ok(TransferType::Ascii)
    } else if is_one_of(&["I", "L 8"]) {
        Ok(TransferType::Image)
    } else if is_one_of(&["A T", "A C", "E", "E N", "E T", "E C"]) || is_byte_size(argument) {
        Err(CommandError::Unsupported("TYPE", SUPPORTED))
    } else {
        Err(CommandError::BadArgument(
            "TYPE",
            "A, E, I or L with a byte size",
        ))
    }
}

/// `L <byte-size>` with another size than 8.
fn is_byte_size(argument: &str) -> bool {
    match argument.split_once(' ') {
        Some((l, size)) => {
            l.eq_ignore_ascii_case("L")
                && !size.is_empty()
                && size.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// `MODE S` (RFC 959 §5.3.2: `<mode-code> ::= S | B | C`).
fn parse_mode(argument: Option<&str>) -> Result<Command, CommandError> {
    match needs_text(argument, "MODE")?.to_ascii_uppercase().as_str() {
        "S" => Ok(Command::Mode(TransferMode::Stream)),
        "B" | "C" => Err(CommandError::Unsupported("MODE", "S (stream)")),
        _ => Err(CommandError::BadArgument("MODE", "S, B or C")),
    }
}

/// `STRU F` (RFC 959 §5.3.2: `<structure-code> ::= F | R | P`).
fn parse_stru(argument: Option<&str>) -> Result<Command, CommandError> {
    match needs_text(argument, "STRU")?.to_ascii_uppercase().as_str() {
        "F" => Ok(Command::Stru(FileStructure::File)),
        "R" | "P" => Err(CommandError::Unsupported("STRU", "F (file)")),
        _ => Err(CommandError::BadArgument("STRU", "F, R or P")),
    }
}

/// `EPSV [<net-prt> | ALL]` (RFC 2428 §3).
fn parse_epsv(argument: Option<&str>) -> Result<EpsvRequest, CommandError> {
    match argument {
        None => Ok(EpsvRequest::Any),
        Some(all) if all.eq_ignore_ascii_case("ALL") => Ok(EpsvRequest::All),
        Some(protocol) => match NetworkProtocol::parse(protocol) {
            Ok(protocol) => Ok(EpsvRequest::Protocol(protocol)),
            Err(AddressError::BadProtocol) => {
                Err(CommandError::BadArgument("EPSV", "1, 2, ALL or nothing"))
            }
            Err(error) => Err(error.into()),
        },
    }
}

/// `REST 1*DIGIT` (RFC 3659 §5): a byte offset, digits only, checked
/// so that no number of digits can overflow.
fn parse_offset(argument: &str) -> Result<u64, CommandError> {
    const FORM: &str = "a byte offset in decimal digits, below 2^64";
    if !argument.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(CommandError::BadArgument("REST", FORM));
    }
    argument.bytes().try_fold(0u64, |offset, digit| {
        offset
            .checked_mul(10)
            .and_then(|offset| offset.checked_add(u64::from(digit - b'0')))
            .ok_or(CommandError::BadArgument("REST", FORM))
    })
}

/// The path of `LIST -la /pub`: `ls`-style options before it are dropped,
/// as vsftpd drops them, since lftp and browsers send them. An option is a
/// word of a `-` and letters; a path (or none) is what follows the last.
/// (So a file named `-l` cannot be listed by name: vsftpd's trade-off too.)
fn without_ls_options(argument: &str) -> Option<String> {
    let is_option = |word: &str| {
        word.len() > 1
            && word.starts_with('-')
            && word[1..].bytes().all(|b| b.is_ascii_alphabetic())
    };
    let mut rest = argument;
    loop {
        match rest.split_once(' ') {
            Some((word, after)) if is_option(word) => rest = after,
            None if is_option(rest) => rest = "",
            _ => break,
        }
    }
    Some(rest.to_string()).filter(|path| !path.is_empty())
}
// ANCHOR_END: arguments

impl Command {
    /// The verb, in capitals and in its RFC 959 spelling (`PWD`, not `XPWD`).
    pub fn verb(&self) -> &'static str {
        use Command::*;
        match self {
            User(_) => "USER",
            Pass(_) => "PASS",
            Acct(_) => "ACCT",
            Syst => "SYST",
            Feat => "FEAT",
            Opts { .. } => "OPTS",
            Pwd => "PWD",
            Cwd(_) => "CWD",
            Cdup => "CDUP",
            Type(_) => "TYPE",
            Mode(_) => "MODE",
            Stru(_) => "STRU",
            Pasv => "PASV",
            Epsv(_) => "EPSV",
            Port(_) => "PORT",
            Eprt(_) => "EPRT",
            List(_) => "LIST",
            Nlst(_) => "NLST",
            Mlsd(_) => "MLSD",
            Mlst(_) => "MLST",
            Retr(_) => "RETR",
            Stor(_) => "STOR",
            Stou => "STOU",
            Appe(_) => "APPE",
            Rest(_) => "REST",
            Size(_) => "SIZE",
            Mdtm(_) => "MDTM",
            Dele(_) => "DELE",
            Mkd(_) => "MKD",
            Rmd(_) => "RMD",
            Rnfr(_) => "RNFR",
            Rnto(_) => "RNTO",
            Abor => "ABOR",
            Stat(_) => "STAT",
            Help(_) => "HELP",
            Noop => "NOOP",
            Quit => "QUIT",
        }
    }

    /// The argument as it goes on the wire, if the command has one.
    fn argument(&self) -> Option<String> {
        use Command::*;
        match self {
            User(text) | Acct(text) | Cwd(text) | Retr(text) | Stor(text) | Appe(text)
            | Size(text) | Mdtm(text) | Dele(text) | Mkd(text) | Rmd(text) | Rnfr(text)
            | Rnto(text) => Some(text.clone()),
            Pass(password) => Some(password.expose().to_string()),
            List(path) | Nlst(path) | Mlsd(path) | Mlst(path) | Stat(path) | Help(path) => {
                path.clone()
            }
            Opts { command, options } => Some(match options {
                Some(options) => format!("{command} {options}"),
                None => command.clone(),
            }),
            Type(TransferType::Ascii) => Some("A".into()),
            Type(TransferType::Image) => Some("I".into()),
            Mode(TransferMode::Stream) => Some("S".into()),
            Stru(FileStructure::File) => Some("F".into()),
            Epsv(EpsvRequest::Any) => None,
            Epsv(EpsvRequest::All) => Some("ALL".into()),
            Epsv(EpsvRequest::Protocol(protocol)) => Some(protocol.number().to_string()),
            Port(address) => Some(address::format_host_port_numbers(*address)),
            Eprt(address) => Some(address::format_eprt(*address)),
            Rest(offset) => Some(offset.to_string()),
            Syst | Feat | Pwd | Cdup | Pasv | Stou | Abor | Noop | Quit => None,
        }
    }
}

impl fmt::Display for Command {
    /// The command as a client sends it, without the CR LF:
    /// `RETR notes.txt`. (A password shows here; the transcript hides it.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.argument().filter(|argument| !argument.is_empty()) {
            Some(argument) => write!(f, "{} {argument}", self.verb()),
            None => f.write_str(self.verb()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::show_line;
    use std::net::Ipv4Addr;

    fn parse(line: &str) -> Result<Command, CommandError> {
        parse_command(line.as_bytes())
    }

    fn text(value: &str) -> String {
        value.to_string()
    }

    /// One command line of each kind, and what it parses to.
    fn every_command() -> Vec<(&'static str, Command)> {
        use Command::*;
        vec![
            ("USER alice", User(text("alice"))),
            ("PASS hunter2", Pass(Password::new("hunter2"))),
            ("ACCT billing", Acct(text("billing"))),
            ("SYST", Syst),
            ("FEAT", Feat),
            (
                "OPTS UTF8 ON",
                Opts {
                    command: text("UTF8"),
                    options: Some(text("ON")),
                },
            ),
            (
                "OPTS MLST type;size;",
                Opts {
                    command: text("MLST"),
                    options: Some(text("type;size;")),
                },
            ),
            (
                "OPTS UTF8",
                Opts {
                    command: text("UTF8"),
                    options: None,
                },
            ),
            ("PWD", Pwd),
            ("CWD /pub", Cwd(text("/pub"))),
            ("CDUP", Cdup),
            ("TYPE A", Type(TransferType::Ascii)),
            ("TYPE I", Type(TransferType::Image)),
            ("MODE S", Mode(TransferMode::Stream)),
            ("STRU F", Stru(FileStructure::File)),
            ("PASV", Pasv),
            ("EPSV", Epsv(EpsvRequest::Any)),
            ("EPSV 1", Epsv(EpsvRequest::Protocol(NetworkProtocol::Ipv4))),
            ("EPSV 2", Epsv(EpsvRequest::Protocol(NetworkProtocol::Ipv6))),
            ("EPSV ALL", Epsv(EpsvRequest::All)),
            (
                "PORT 127,0,0,1,195,140",
                Port(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 50060)),
            ),
            (
                "EPRT |1|132.235.1.2|6275|",
                Eprt("132.235.1.2:6275".parse().unwrap()),
            ),
            (
                "EPRT |2|1080::8:800:200c:417a|5282|",
                Eprt("[1080::8:800:200C:417A]:5282".parse().unwrap()),
            ),
            ("LIST", List(None)),
            ("LIST /pub", List(Some(text("/pub")))),
            ("NLST", Nlst(None)),
            ("NLST pub", Nlst(Some(text("pub")))),
            ("MLSD", Mlsd(None)),
            ("MLSD /pub", Mlsd(Some(text("/pub")))),
            ("MLST", Mlst(None)),
            ("MLST notes.txt", Mlst(Some(text("notes.txt")))),
            ("RETR notes.txt", Retr(text("notes.txt"))),
            ("STOR notes.txt", Stor(text("notes.txt"))),
            ("STOU", Stou),
            ("APPE log.txt", Appe(text("log.txt"))),
            ("REST 1048576", Rest(1_048_576)),
            ("SIZE notes.txt", Size(text("notes.txt"))),
            ("MDTM notes.txt", Mdtm(text("notes.txt"))),
            ("DELE old.txt", Dele(text("old.txt"))),
            ("MKD new", Mkd(text("new"))),
            ("RMD new", Rmd(text("new"))),
            ("RNFR a.txt", Rnfr(text("a.txt"))),
            ("RNTO b.txt", Rnto(text("b.txt"))),
            ("ABOR", Abor),
            ("STAT", Stat(None)),
            ("STAT /pub", Stat(Some(text("/pub")))),
            ("HELP", Help(None)),
            ("HELP RETR", Help(Some(text("RETR")))),
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
            let written = command.to_string();
            assert_eq!(
                parse(&written),
                Ok(command.clone()),
                "{line:?} written as {written:?}"
            );
            assert!(written.starts_with(command.verb()), "{written:?}");
        }
        // The canonical form: capitals, RFC 959 spelling, no options.
        for (line, written) in [
            ("xpwd", "PWD"),
            ("retr a.txt", "RETR a.txt"),
            ("type l 8", "TYPE I"),
            ("TYPE a n", "TYPE A"),
            ("opts utf8 on", "OPTS UTF8 on"),
            ("LIST -la /pub", "LIST /pub"),
            ("EPSV all", "EPSV ALL"),
            ("PORT 127,000,0,1,4,1", "PORT 127,0,0,1,4,1"),
        ] {
            assert_eq!(parse(line).unwrap().to_string(), written, "{line:?}");
        }
    }

    #[test]
    fn verbs_are_case_insensitive_and_x_verbs_are_aliases() {
        // RFC 959 §5.3; RFC 1123 §4.1.3.1 for the X-verbs.
        let table = [
            ("user alice", Command::User(text("alice"))),
            ("UsEr alice", Command::User(text("alice"))),
            ("XPWD", Command::Pwd),
            ("xcwd /pub", Command::Cwd(text("/pub"))),
            ("XCUP", Command::Cdup),
            ("XMKD d", Command::Mkd(text("d"))),
            ("XRMD d", Command::Rmd(text("d"))),
            ("type i", Command::Type(TransferType::Image)),
            ("mode s", Command::Mode(TransferMode::Stream)),
            ("stru f", Command::Stru(FileStructure::File)),
        ];
        for (line, expected) in table {
            assert_eq!(parse(line), Ok(expected), "{line:?}");
        }
    }

    #[test]
    fn arguments_are_kept_byte_for_byte() {
        // File names may hold spaces, leading and trailing ones too, and
        // letters of any script; only the one space after the verb goes.
        let table = [
            ("RETR notes for monday.txt", "notes for monday.txt"),
            ("RETR  leading space", " leading space"),
            ("RETR trailing ", "trailing "),
            ("RETR   ", "  "),
            ("RETR été.txt", "été.txt"),
            ("RETR a\tb", "a\tb"),
            ("RETR -la", "-la"),
        ];
        for (line, name) in table {
            assert_eq!(parse(line), Ok(Command::Retr(text(name))), "{line:?}");
        }
    }

    #[test]
    fn list_drops_ls_options_before_the_path() {
        // lftp and browsers send these; vsftpd drops them too.
        let table = [
            ("LIST -la", None),
            ("LIST -a", None),
            ("LIST -l -a", None),
            ("LIST -la /pub", Some("/pub")),
            ("LIST -l -a my dir", Some("my dir")),
            ("LIST -l  two spaces", Some(" two spaces")),
            ("LIST -", Some("-")),
            ("LIST -1", Some("-1")),
            ("LIST /pub -la", Some("/pub -la")),
            ("LIST ", None),
        ];
        for (line, path) in table {
            let path = path.map(String::from);
            assert_eq!(parse(line), Ok(Command::List(path.clone())), "{line:?}");
            let nlst = line.replacen("LIST", "NLST", 1);
            assert_eq!(parse(&nlst), Ok(Command::Nlst(path)), "{nlst:?}");
        }
    }

    #[test]
    fn bad_command_lines_and_their_reply_codes() {
        use CommandError::*;
        let unsupported_type = Unsupported("TYPE", "A, A N, I and L 8");
        let bad_type = BadArgument("TYPE", "A, E, I or L with a byte size");
        let rest = BadArgument("REST", "a byte offset in decimal digits, below 2^64");
        let table: Vec<(&[u8], CommandError, u16)> = vec![
            (b"", Empty, 500),
            (b"\xff\xf4\xff\xf2", Empty, 500),
            (b"XYZZ", Unknown(text("XYZZ")), 500),
            // RFC 959 §5.3: verbs have at most four letters.
            (b"RETRIEVE notes.txt", Unknown(text("RETRIEVE")), 500),
            (b"RE7R notes.txt", Unknown(text("RE7R")), 500),
            (b" RETR notes.txt", Unknown(text("")), 500),
            (b"RETR\tnotes.txt", Unknown(text("RETR?notes.txt")), 500),
            (b"GET / HTTP/1.1", Unknown(text("GET")), 500),
            (b"\0\0\0", Unknown(text("???")), 500),
            (b"SITE CHMOD 600 x", NotImplemented("SITE"), 502),
            (b"auth tls", NotImplemented("AUTH"), 502),
            (b"RETR", MissingArgument("RETR"), 501),
            (b"RETR ", MissingArgument("RETR"), 501),
            (b"USER", MissingArgument("USER"), 501),
            (b"XCWD", MissingArgument("CWD"), 501),
            (b"TYPE", MissingArgument("TYPE"), 501),
            (b"PORT", MissingArgument("PORT"), 501),
            (b"REST", MissingArgument("REST"), 501),
            (b"NOOP now", UnexpectedArgument("NOOP"), 501),
            (b"PASV 1", UnexpectedArgument("PASV"), 501),
            (b"STOU name", UnexpectedArgument("STOU"), 501),
            (b"RETR a\0b", ForbiddenByte, 501),
            (b"RETR a\rb", ForbiddenByte, 501),
            (b"RETR \xe9t\xe9.txt", NotUtf8, 501),
            (b"TYPE E", unsupported_type.clone(), 504),
            (b"TYPE A T", unsupported_type.clone(), 504),
            (b"TYPE L 7", unsupported_type.clone(), 504),
            (b"TYPE X", bad_type.clone(), 501),
            (b"TYPE L", bad_type.clone(), 501),
            (b"TYPE I ", bad_type, 501),
            (b"MODE B", Unsupported("MODE", "S (stream)"), 504),
            (b"MODE Z", BadArgument("MODE", "S, B or C"), 501),
            (b"STRU R", Unsupported("STRU", "F (file)"), 504),
            (b"STRU Q", BadArgument("STRU", "F, R or P"), 501),
            (
                b"EPSV 3",
                BadAddress(AddressError::UnsupportedProtocol),
                522,
            ),
            (b"EPSV x", BadArgument("EPSV", "1, 2, ALL or nothing"), 501),
            (
                b"PORT 127,0,0,1,4",
                BadAddress(AddressError::NotSixNumbers),
                501,
            ),
            (
                b"PORT 127,0,0,1,4,256",
                BadAddress(AddressError::NumberTooLarge),
                501,
            ),
            (
                b"EPRT |3|127.0.0.1|50060|",
                BadAddress(AddressError::UnsupportedProtocol),
                522,
            ),
            (
                b"EPRT |2|127.0.0.1|50060|",
                BadAddress(AddressError::BadIpAddress),
                501,
            ),
            (b"REST -1", rest.clone(), 501),
            (b"REST 1e3", rest.clone(), 501),
            (b"REST 18446744073709551616", rest.clone(), 501),
            (b"REST 99999999999999999999999999", rest, 501),
            (
                b"OPTS  UTF8",
                BadArgument("OPTS", "a command name, then its options"),
                501,
            ),
        ];
        for (line, error, code) in table {
            let shown = String::from_utf8_lossy(line);
            assert_eq!(parse_command(line), Err(error.clone()), "{shown:?}");
            assert_eq!(error.reply_code(), code, "{shown:?}");
        }
    }

    #[test]
    fn rest_takes_the_largest_offset_there_is() {
        assert_eq!(
            parse("REST 18446744073709551615"),
            Ok(Command::Rest(u64::MAX))
        );
        assert_eq!(parse("REST 0"), Ok(Command::Rest(0)));
        assert_eq!(parse("REST 000"), Ok(Command::Rest(0)));
    }

    #[test]
    fn telnet_commands_before_abor_are_skipped() {
        // RFC 959 §4.1.3: Interrupt Process (IAC IP) and Synch (IAC DM).
        assert_eq!(parse_command(b"\xff\xf4\xff\xf2ABOR"), Ok(Command::Abor));
    }

    #[test]
    fn an_unknown_verb_is_shown_short_and_printable() {
        let line = format!("{}\x07 x", "A".repeat(100));
        let Err(CommandError::Unknown(verb)) = parse(&line) else {
            panic!("not unknown");
        };
        assert_eq!(verb, "A".repeat(MAX_SHOWN_VERB_LEN));
        assert_eq!(
            parse("\x1b[31m").unwrap_err().to_string(),
            "unknown command \"?[31m\""
        );
    }

    #[test]
    fn an_empty_password_is_a_password() {
        // curl sends "PASS " for an empty one; some clients send "PASS".
        for line in ["PASS", "PASS "] {
            assert_eq!(
                parse(line),
                Ok(Command::Pass(Password::new(""))),
                "{line:?}"
            );
        }
        assert_eq!(
            parse("PASS  two words "),
            Ok(Command::Pass(Password::new(" two words ")))
        );
    }

    #[test]
    fn passwords_show_neither_in_debug_nor_in_the_transcript() {
        let command = parse("PASS hunter2").unwrap();
        assert_eq!(format!("{command:?}"), "Pass(Password(****))");
        // Display writes it, for the wire; the transcript hides it there.
        assert_eq!(command.to_string(), "PASS hunter2");
        assert_eq!(show_line(command.to_string().as_bytes()), "PASS ****");
    }

    #[test]
    fn every_prefix_of_a_command_line_is_some_answer() {
        // A line cut anywhere is an error or another command, never a panic,
        // and an error always has a code the server can send.
        for line in [
            "EPRT |2|1080::8:800:200c:417a|5282|",
            "PORT 127,0,0,1,195,140",
            "REST 123",
        ] {
            for end in 0..=line.len() {
                match parse(&line[..end]) {
                    Ok(command) => assert_eq!(parse(&command.to_string()), Ok(command)),
                    Err(error) => assert!([500, 501, 502, 504, 522].contains(&error.reply_code())),
                }
            }
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let table = [
            ("RETR", "RETR needs an argument"),
            ("NOOP x", "NOOP takes no argument"),
            ("TYPE E", "TYPE supports only A, A N, I and L 8"),
            ("SITE x", "SITE is not implemented here"),
            ("EPRT |9|x|1|", "Network protocol not supported, use (1,2)"),
            (
                "REST x",
                "REST takes a byte offset in decimal digits, below 2^64",
            ),
        ];
        for (line, message) in table {
            assert_eq!(parse(line).unwrap_err().to_string(), message, "{line:?}");
        }
    }
}

//! POP3 command lines: parsed into a [`Command`], and written back.
//!
//! RFC 1939 §3 gives the whole syntax in one paragraph: a command is a
//! case-insensitive keyword of three or four characters, then arguments,
//! each after a single space and each at most 40 characters, all of
//! printable ASCII, and a CR LF at the end.
//!
//! ```text
//! USER alice          PASS my secret     STAT
//! LIST [msg]          RETR msg           DELE msg
//! NOOP                RSET               QUIT
//! TOP msg n           UIDL [msg]         CAPA        (RFC 1939 §7, RFC 2449 §5)
//! ```
//!
//! Two rules of practice bend that paragraph, as every server bends them:
//!
//! - `PASS` takes the rest of the line, spaces and all (RFC 1939 §7 says
//!   a server "may treat spaces in the argument as part of the
//!   password"): a password is whatever the user typed.
//! - An argument may be longer than 40 characters when it is a name or a
//!   password; only the whole line is bounded ([`MAX_COMMAND_LINE_LEN`]),
//!   since names of more than 40 characters exist and refusing them helps
//!   nobody.
//!
//! Message numbers count from 1 (RFC 1939 §5), and a number that does not
//! fit the type is no message at all, not an overflow.

use crate::accounts::Password;
use std::fmt;

/// The longest command line, without its CR LF: 255 octets with it
/// (RFC 2449 §4 raises RFC 1939's limit to this for every command).
pub const MAX_COMMAND_LINE_LEN: usize = 253;

/// A message number: 1 for the first message of the listing.
pub type MessageNumber = u32;

/// One command from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name`: who wants to log in (RFC 1939 §7).
    User(String),
    /// `PASS string`: their password (RFC 1939 §7).
    Pass(Password),
    /// `APOP name digest` (RFC 1939 §7): known, not offered here.
    Apop,
    /// `AUTH`, `STLS` (RFC 5034, RFC 2595): known, not offered here.
    NotOffered(&'static str),
    /// `QUIT`: in TRANSACTION, remove the messages marked deleted (§6).
    Quit,
    /// `STAT`: how many messages, how many octets (§5).
    Stat,
    /// `LIST [msg]`: the size of each message, or of one (§5).
    List(Option<MessageNumber>),
    /// `RETR msg`: the whole message (§5).
    Retr(MessageNumber),
    /// `DELE msg`: mark it deleted; it goes at QUIT (§5).
    Dele(MessageNumber),
    /// `NOOP`: nothing; the server says `+OK` (§5).
    Noop,
    /// `RSET`: unmark every deleted message (§5).
    Rset,
    /// `TOP msg n`: the header and the first `n` lines of the body (§7).
    Top {
        /// Which message.
        message: MessageNumber,
        /// How many lines of the body, after the header.
        lines: u64,
    },
    /// `UIDL [msg]`: the unique id of each message, or of one (§7).
    Uidl(Option<MessageNumber>),
    /// `CAPA`: what this server can do (RFC 2449 §5).
    Capa,
}

/// Why a line is not a command the server can carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The keyword is none this server knows.
    Unknown,
    /// The line is empty, or not printable ASCII (a password aside).
    Malformed,
    /// A known command with a missing, extra or malformed argument.
    BadArguments(&'static str),
    /// A message number that is not digits, or is 0.
    BadMessageNumber,
    /// A message number too large for any maildrop (more than
    /// [`MessageNumber::MAX`]): there is no such message.
    NoSuchMessage(String),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Unknown => f.write_str("unknown command"),
            CommandError::Malformed => f.write_str("a command is a keyword of printable ASCII"),
            CommandError::BadArguments(usage) => write!(f, "usage: {usage}"),
            CommandError::BadMessageNumber => f.write_str("a message number is digits, 1 or more"),
            CommandError::NoSuchMessage(number) => write!(f, "no message {number}"),
        }
    }
}

impl std::error::Error for CommandError {}

// ANCHOR: parse_command
/// Parses one command line, without its line end.
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    let text = std::str::from_utf8(line).map_err(|_| CommandError::Malformed)?;
    let (keyword, rest) = match text.split_once(' ') {
        Some((keyword, rest)) => (keyword, Some(rest)),
        None => (text, None),
    };
    if keyword.is_empty() || !keyword.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(CommandError::Malformed);
    }
    let keyword = keyword.to_ascii_uppercase();
    if keyword == "PASS" {
        // The rest of the line, spaces included, is the password; it may
        // be UTF-8 beyond ASCII, but control characters it may not hold.
        return match rest {
            Some(password) if password.chars().any(char::is_control) => {
                Err(CommandError::Malformed)
            }
            Some(password) if !password.is_empty() => Ok(Command::Pass(Password::new(password))),
            _ => Err(CommandError::BadArguments("PASS password")),
        };
    }
    if !text.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(CommandError::Malformed);
    }
    let arguments: Vec<&str> = match rest {
        None => Vec::new(),
        Some(rest) => rest.split(' ').collect(),
    };
    if arguments.iter().any(|argument| argument.is_empty()) {
        // Two spaces in a row, or one at the end: RFC 1939 §3 says one.
        return Err(CommandError::BadArguments("one space between arguments"));
    }
    let command = match (keyword.as_str(), arguments.as_slice()) {
        ("USER", [name]) => Command::User(name.to_string()),
        ("USER", _) => return Err(CommandError::BadArguments("USER name")),
        ("QUIT", []) => Command::Quit,
        ("STAT", []) => Command::Stat,
        ("NOOP", []) => Command::Noop,
        ("RSET", []) => Command::Rset,
        ("CAPA", []) => Command::Capa,
        ("LIST", []) => Command::List(None),
        ("LIST", [message]) => Command::List(Some(message_number(message)?)),
        ("UIDL", []) => Command::Uidl(None),
        ("UIDL", [message]) => Command::Uidl(Some(message_number(message)?)),
        ("RETR", [message]) => Command::Retr(message_number(message)?),
        ("DELE", [message]) => Command::Dele(message_number(message)?),
        ("TOP", [message, lines]) => Command::Top {
            message: message_number(message)?,
            lines: line_count(lines).ok_or(CommandError::BadArguments("TOP msg lines"))?,
        },
        ("APOP", _) => Command::Apop,
        ("AUTH", _) => Command::NotOffered("AUTH"),
        ("STLS", _) => Command::NotOffered("STLS"),
        ("QUIT" | "STAT" | "NOOP" | "RSET" | "CAPA", _) => {
            return Err(CommandError::BadArguments("no arguments"))
        }
        ("LIST" | "UIDL", _) => return Err(CommandError::BadArguments("LIST or UIDL [msg]")),
        ("RETR" | "DELE", _) => return Err(CommandError::BadArguments("RETR or DELE msg")),
        ("TOP", _) => return Err(CommandError::BadArguments("TOP msg lines")),
        _ => return Err(CommandError::Unknown),
    };
    Ok(command)
}
// ANCHOR_END: parse_command

/// A message number: digits only (`+1`, `-1` and ` 1` are not numbers
/// here, though `str::parse` would take the first), 1 or more.
fn message_number(text: &str) -> Result<MessageNumber, CommandError> {
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !all_digits || text.bytes().all(|b| b == b'0') {
        return Err(CommandError::BadMessageNumber);
    }
    // A number of any length is a number; one past what any maildrop
    // can hold names no message, which the client is told in those words.
    text.parse()
        .map_err(|_| CommandError::NoSuchMessage(text.to_string()))
}

/// TOP's count of lines: digits, and a count past `u64::MAX` is as many
/// lines as there are (the whole message), not an error.
fn line_count(text: &str) -> Option<u64> {
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| text.parse().unwrap_or(u64::MAX))
}

impl fmt::Display for Command {
    /// The command as a client sends it, without the line end.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let optional =
            |f: &mut fmt::Formatter<'_>, keyword, message: &Option<MessageNumber>| match message {
                Some(message) => write!(f, "{keyword} {message}"),
                None => f.write_str(keyword),
            };
        match self {
            Command::User(name) => write!(f, "USER {name}"),
            Command::Pass(password) => write!(f, "PASS {}", password.expose()),
            Command::Apop => f.write_str("APOP"),
            Command::NotOffered(keyword) => f.write_str(keyword),
            Command::Quit => f.write_str("QUIT"),
            Command::Stat => f.write_str("STAT"),
            Command::List(message) => optional(f, "LIST", message),
            Command::Retr(message) => write!(f, "RETR {message}"),
            Command::Dele(message) => write!(f, "DELE {message}"),
            Command::Noop => f.write_str("NOOP"),
            Command::Rset => f.write_str("RSET"),
            Command::Top { message, lines } => write!(f, "TOP {message} {lines}"),
            Command::Uidl(message) => optional(f, "UIDL", message),
            Command::Capa => f.write_str("CAPA"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(text: &str) -> Command {
        Command::Pass(Password::new(text))
    }

    #[test]
    fn commands_and_their_arguments() {
        let table = [
            ("USER alice", Command::User("alice".into())),
            ("user alice", Command::User("alice".into())),
            ("PASS secret", pass("secret")),
            ("PASS two words", pass("two words")),
            ("PASS  leading space", pass(" leading space")),
            ("PASS caf\u{e9}", pass("caf\u{e9}")),
            ("STAT", Command::Stat),
            ("LIST", Command::List(None)),
            ("LIST 2", Command::List(Some(2))),
            ("RETR 1", Command::Retr(1)),
            ("dele 10", Command::Dele(10)),
            ("NOOP", Command::Noop),
            ("RSET", Command::Rset),
            ("QUIT", Command::Quit),
            (
                "TOP 1 0",
                Command::Top {
                    message: 1,
                    lines: 0,
                },
            ),
            (
                "TOP 3 10",
                Command::Top {
                    message: 3,
                    lines: 10,
                },
            ),
            ("UIDL", Command::Uidl(None)),
            ("UIDL 4294967295", Command::Uidl(Some(u32::MAX))),
            ("CAPA", Command::Capa),
            ("APOP alice c4c9334bac560ecc979e58001b3e22fb", Command::Apop),
            ("AUTH PLAIN", Command::NotOffered("AUTH")),
            ("STLS", Command::NotOffered("STLS")),
        ];
        for (line, expected) in table {
            assert_eq!(parse_command(line.as_bytes()), Ok(expected), "{line:?}");
        }
    }

    #[test]
    fn lines_that_are_not_commands() {
        use CommandError::*;
        let table: [(&[u8], CommandError); 25] = [
            (b"PASS a\rb", Malformed),
            (b"PASS a\x00b", Malformed),
            (b"PASS \x7f", Malformed),
            (b"", Malformed),
            (b" STAT", Malformed),
            (b"ST4T", Malformed),
            (b"XYZZY", Unknown),
            (b"HELO there", Unknown),
            (b"STAT\x00", Malformed),
            (b"USER al\x01ice", Malformed),
            (b"USER \xff", Malformed),
            (b"USER", BadArguments("USER name")),
            (b"USER a b", BadArguments("USER name")),
            (b"PASS", BadArguments("PASS password")),
            (b"PASS ", BadArguments("PASS password")),
            (b"STAT 1", BadArguments("no arguments")),
            (b"LIST  1", BadArguments("one space between arguments")),
            (b"RETR 1 ", BadArguments("one space between arguments")),
            (b"RETR", BadArguments("RETR or DELE msg")),
            (b"RETR 0", BadMessageNumber),
            (b"RETR 4294967296", NoSuchMessage("4294967296".into())),
            (
                b"LIST 99999999999999999999999",
                NoSuchMessage("99999999999999999999999".into()),
            ),
            (b"RETR 00", BadMessageNumber),
            (b"RETR +1", BadMessageNumber),
            (b"TOP 1 -1", BadArguments("TOP msg lines")),
        ];
        for (line, expected) in table {
            assert_eq!(
                parse_command(line),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn a_huge_number_of_lines_for_top_is_the_whole_message_not_an_overflow() {
        let line = b"TOP 1 99999999999999999999999";
        let whole = Command::Top {
            message: 1,
            lines: u64::MAX,
        };
        assert_eq!(parse_command(line), Ok(whole));
        let line = b"TOP 1 18446744073709551615";
        let expected = Command::Top {
            message: 1,
            lines: u64::MAX,
        };
        assert_eq!(parse_command(line), Ok(expected));
    }

    #[test]
    fn every_command_is_written_back_as_it_parses() {
        let lines = [
            "USER alice",
            "PASS two words",
            "QUIT",
            "STAT",
            "LIST",
            "LIST 7",
            "RETR 1",
            "DELE 2",
            "NOOP",
            "RSET",
            "TOP 1 5",
            "UIDL",
            "UIDL 3",
            "CAPA",
            "STLS",
        ];
        for line in lines {
            let command = parse_command(line.as_bytes()).unwrap();
            assert_eq!(command.to_string(), line);
        }
    }

    #[test]
    fn a_password_is_not_shown_by_debug() {
        let shown = format!("{:?}", parse_command(b"PASS hunter2").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

//! The server's side of replies: the codes an FTP server sends, and the
//! bytes of one-line and multi-line replies (RFC 959 §4.2).
//!
//! A reply is a three-digit code and text. Most take one line; a reply of
//! several lines (FEAT, HELP, STAT) has a hyphen after the code on its first
//! line and the code and a space on its last, and the lines between are
//! free text:
//!
//! ```text
//! 230 Logged in
//!
//! 211-Features:                 RFC 2389 §3.2: one feature a line,
//!  EPSV                         each after a single space
//!  MDTM
//!  SIZE
//! 211 End
//! ```
//!
//! One line between needs care: one that starts with digits could be read
//! as the last line (`211 ...`), and RFC 959 §4.2 asks the server to make
//! such a line safe. Here it gets the code and a hyphen in front
//! (`211-123 apples`), which every client strips again; a space, as in the
//! RFC's example, would be safe too but would change the text.
//!
//! Reading replies is the client's side, done once for FTP and SMTP in
//! [`crate::wire::reply`] (style [`Style::Lenient`](crate::wire::reply::Style)
//! for FTP); what [`format_reply`] writes, that parser reads back as the
//! same [`Reply`].
//!
//! Every function here returns the reply without its final CR LF, ready
//! for [`Output::reply`](crate::wire::session::Output::reply), which adds it.

use crate::wire::reply::Reply;

/// 110: a restart marker, sent only in block mode, which this crate does
/// not speak (listed because RFC 959 §4.2.1 lists it).
pub const RESTART_MARKER: u16 = 110;
/// 125: the data connection is already open (a passive client connected
/// first), and the transfer starts.
pub const DATA_CONNECTION_ALREADY_OPEN: u16 = 125;
/// 150: the file is there, and the data connection is being opened (RETR,
/// STOR, LIST and the like, before the bytes).
pub const FILE_STATUS_OKAY: u16 = 150;
/// 200: done (TYPE, MODE, STRU, PORT, EPRT, NOOP, OPTS UTF8 ON).
pub const COMMAND_OKAY: u16 = 200;
/// 202: accepted, but there is nothing to do (ACCT when no account is needed).
pub const SUPERFLUOUS: u16 = 202;
/// 211: the server's status or its features (STAT without a path, FEAT).
pub const SYSTEM_STATUS: u16 = 211;
/// 212: a directory's status (STAT of a directory: its listing, on the
/// control connection).
pub const DIRECTORY_STATUS: u16 = 212;
/// 213: a file's status (SIZE, MDTM, STAT of a file).
pub const FILE_STATUS: u16 = 213;
/// 214: help for people (HELP).
pub const HELP_MESSAGE: u16 = 214;
/// 215: the system type (SYST: `215 UNIX Type: L8`).
pub const SYSTEM_TYPE: u16 = 215;
/// 220: the greeting, when the control connection opens.
pub const SERVICE_READY: u16 = 220;
/// 221: goodbye, after QUIT; the server closes the control connection.
pub const CLOSING_CONTROL: u16 = 221;
/// 225: ABOR with the data connection open but no transfer going on.
pub const DATA_CONNECTION_OPEN: u16 = 225;
/// 226: the transfer is complete and the data connection closed (also
/// after an ABOR that ended one).
pub const CLOSING_DATA_CONNECTION: u16 = 226;
/// 227: PASV's answer, with the address to connect to (RFC 959).
pub const ENTERING_PASSIVE_MODE: u16 = 227;
/// 229: EPSV's answer, with the port to connect to (RFC 2428 §3).
pub const ENTERING_EXTENDED_PASSIVE_MODE: u16 = 229;
/// 230: logged in (after PASS, or after USER when no password is needed).
pub const LOGGED_IN: u16 = 230;
/// 250: a file action is done (CWD, DELE, RMD, RNTO; MLST's facts).
pub const FILE_ACTION_OKAY: u16 = 250;
/// 257: a path, quoted with [`quote_path`] (PWD, MKD).
pub const PATH_CREATED: u16 = 257;
/// 331: the user name is known, now the password (after USER).
pub const NEED_PASSWORD: u16 = 331;
/// 350: waiting for the next command (after RNFR, the RNTO; after REST,
/// the RETR or STOR).
pub const PENDING_FURTHER_INFORMATION: u16 = 350;
/// 421: the server is closing the control connection: idle too long,
/// too many clients, or shutting down.
pub const SERVICE_NOT_AVAILABLE: u16 = 421;
/// 425: no data connection could be opened (no PASV or PORT first, or the
/// client never connected).
pub const CANT_OPEN_DATA_CONNECTION: u16 = 425;
/// 426: the data connection broke, or ABOR ended the transfer.
pub const TRANSFER_ABORTED: u16 = 426;
/// 450: the file is unavailable for now (busy): try again later.
pub const FILE_BUSY: u16 = 450;
/// 451: a local error while reading or writing the file.
pub const LOCAL_ERROR: u16 = 451;
/// 500: the command is not understood: unknown, or its line too long.
pub const SYNTAX_ERROR: u16 = 500;
/// 501: the command is known, its argument is wrong or missing.
pub const SYNTAX_ERROR_IN_ARGUMENTS: u16 = 501;
/// 502: a command of FTP that this server does not implement.
pub const NOT_IMPLEMENTED: u16 = 502;
/// 503: the command is out of order (PASS before USER, RNTO before RNFR).
pub const BAD_SEQUENCE: u16 = 503;
/// 504: the command is not implemented for that argument (TYPE E, MODE B,
/// a PORT to another host).
pub const NOT_IMPLEMENTED_FOR_PARAMETER: u16 = 504;
/// 522: EPRT or EPSV with a network protocol the server does not use
/// (RFC 2428 §2).
pub const NETWORK_PROTOCOL_NOT_SUPPORTED: u16 = 522;
/// 530: not logged in (any file command before PASS; a wrong password).
pub const NOT_LOGGED_IN: u16 = 530;
/// 550: the file is unavailable for good: missing, not allowed, outside
/// the root.
pub const FILE_UNAVAILABLE: u16 = 550;
/// 553: the file name is not allowed (a STOR to a name that cannot be).
pub const FILE_NAME_NOT_ALLOWED: u16 = 553;

// ANCHOR: format_reply
/// A reply of one line: `230 Logged in`.
pub fn one_line(code: u16, text: &str) -> String {
    format!("{code} {}", one_line_of(text))
}

/// A reply of several lines: `211-Features:`, ` EPSV`, `211 End`. With a
/// single line, it is [`one_line`]; with none, a one-line reply with no text.
pub fn multi_line(code: u16, lines: &[&str]) -> String {
    let (first, last, middle) = match lines {
        [] => return one_line(code, ""),
        [only] => return one_line(code, only),
        [first, middle @ .., last] => (first, last, middle),
    };
    let mut out = format!("{code}-{}\r\n", one_line_of(first));
    for line in middle {
        let line = one_line_of(line);
        // RFC 959 §4.2: a line between that starts with a digit could be
        // taken for the last one; the code and a hyphen make it safe.
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&format!("{code}-"));
        }
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.push_str(&format!("{code} {}", one_line_of(last)));
    out
}

/// Formats `reply` as an FTP server writes it: the inverse of
/// [`crate::wire::reply::ReplyParser`] in the lenient style, for lines
/// without CR or LF (those become spaces).
pub fn format_reply(reply: &Reply) -> String {
    let lines: Vec<&str> = reply.lines.iter().map(String::as_str).collect();
    multi_line(reply.code, &lines)
}

/// `text` with any CR or LF turned into a space: a reply line cannot hold
/// a line ending (a file name may: Unix allows LF in one), or the rest
/// would arrive as a line of its own.
fn one_line_of(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
// ANCHOR_END: format_reply

// ANCHOR: quote_path
/// A path as a 257 reply quotes it (RFC 959 Appendix II): between double
/// quotes, with each `"` in the name doubled: `"/pub/say ""hi"""`.
pub fn quote_path(path: &str) -> String {
    format!("\"{}\"", path.replace('"', "\"\""))
}

/// The path a 257 reply quotes: the inverse of [`quote_path`], for the
/// client's PWD. The text after the closing quote is ignored
/// (`"/pub" is the current directory`); `None` if there is no quoted path.
pub fn unquote_path(text: &str) -> Option<String> {
    let mut chars = text.strip_prefix('"')?.chars().peekable();
    let mut path = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.peek() == Some(&'"') => {
                chars.next();
                path.push('"');
            }
            '"' => return Some(path),
            c => path.push(c),
        }
    }
    None
}
// ANCHOR_END: quote_path

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::reply::{ReplyParser, Style};

    /// What a client reads from `wire`: the lenient parser over its lines.
    fn read_back(wire: &str) -> Reply {
        let mut parser = ReplyParser::new(Style::Lenient);
        for line in wire.split("\r\n") {
            if let Some(reply) = parser.push_line(line.as_bytes()).unwrap() {
                return reply;
            }
        }
        panic!("the reply never ended: {wire:?}");
    }

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply {
            code,
            lines: lines.iter().map(|line| line.to_string()).collect(),
        }
    }

    #[test]
    fn replies_on_the_wire() {
        let table: &[(String, &str)] = &[
            (one_line(230, "Logged in"), "230 Logged in"),
            (one_line(226, ""), "226 "),
            (multi_line(221, &["Goodbye"]), "221 Goodbye"),
            (multi_line(221, &[]), "221 "),
            // RFC 2389 §3.2's shape: features after a single space.
            (
                multi_line(211, &["Features:", " EPSV", " MDTM", "End"]),
                "211-Features:\r\n EPSV\r\n MDTM\r\n211 End",
            ),
            // RFC 959 §4.2: a line between that starts with digits.
            (
                multi_line(214, &["Help:", "123 apples", "214 more", "End"]),
                "214-Help:\r\n214-123 apples\r\n214-214 more\r\n214 End",
            ),
            // No line ending inside a line, whatever the text holds.
            (
                one_line(550, "no file a\r\nDELE b"),
                "550 no file a  DELE b",
            ),
        ];
        for (written, expected) in table {
            assert_eq!(written, expected);
        }
    }

    #[test]
    fn replies_written_are_read_back_by_the_client_parser() {
        for original in [
            reply(230, &["Logged in"]),
            reply(226, &[""]),
            reply(211, &["Features:", " EPSV", " MDTM", "End"]),
            reply(
                214,
                &["Help:", "123 apples", "214 more", "214-dash", "", "End"],
            ),
            reply(257, &["\"/pub\" is the current directory"]),
        ] {
            let wire = format_reply(&original);
            assert_eq!(read_back(&wire), original, "{wire:?}");
        }
    }

    #[test]
    fn paths_are_quoted_with_quotes_doubled() {
        // RFC 959 Appendix II.
        let table = [
            ("/usr/dm", "\"/usr/dm\""),
            ("/say \"hi\"", "\"/say \"\"hi\"\"\""),
            ("\"", "\"\"\"\""),
            ("", "\"\""),
        ];
        for (path, quoted) in table {
            assert_eq!(quote_path(path), quoted);
            let reply = format!("{quoted} is the current directory");
            assert_eq!(unquote_path(&reply).as_deref(), Some(path), "{reply}");
        }
        for text in ["", "/pub", "\"/pub", "\"/pub\"\" created"] {
            assert_eq!(unquote_path(text), None, "{text:?}");
        }
    }
}

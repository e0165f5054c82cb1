//! The server's side of SMTP replies: the codes, when each is sent, the
//! enhanced status codes that go with them, and the bytes of one-line and
//! multi-line replies (RFC 5321 §4.2).
//!
//! A reply is a three-digit code and text. A reply of several lines has a
//! hyphen after the code on every line but the last, and, unlike FTP's,
//! every line carries the code (RFC 5321 §4.2.1), so that a client reads it
//! with [`Style::Strict`](crate::wire::reply::Style):
//!
//! ```text
//! 250-mail.example.test greets client.example.org    the EHLO reply:
//! 250-SIZE 33554432                                  one extension a line
//! 250-8BITMIME                                       (RFC 5321 §4.1.1.1)
//! 250-PIPELINING
//! 250-ENHANCEDSTATUSCODES
//! 250 HELP
//! ```
//!
//! # Enhanced status codes
//!
//! The three digits say how it went; RFC 3463 adds a second code,
//! `class.subject.detail`, that says *what* went wrong, in a form a program
//! can act on: `5.1.1` is "no such mailbox", `5.3.4` "message too big",
//! `5.7.1` "not allowed". A server that advertises `ENHANCEDSTATUSCODES`
//! (RFC 2034) puts one at the start of the text of its replies, after the
//! code and its space; RFC 2034 §3 leaves it out of the greeting and of the
//! answers to HELO and EHLO:
//!
//! ```text
//! 250 2.1.0 Sender OK
//! 550 5.1.1 No such user here
//! ```
//!
//! The class is the first digit of the reply code (2, 4 or 5), and
//! [`with_status`] checks that they agree.
//!
//! # Length
//!
//! A reply line is at most 512 octets with its CR LF (RFC 5321
//! §4.5.3.1.5): [`MAX_REPLY_LINE_LEN`]. The functions here cut longer text
//! and turn any CR or LF in it into a space, so that whatever a reply
//! quotes (a client's bad command), it stays one line of the right length.
//!
//! Every function here returns the reply without its final CR LF, ready
//! for [`Output::reply`](crate::wire::session::Output::reply), which adds it;
//! what they write, [`crate::wire::reply::ReplyParser`] reads back.

use crate::wire::reply::Reply;
use std::fmt;

// ANCHOR: codes
/// 211: the server's status, or a reply to a command about the system.
pub const SYSTEM_STATUS: u16 = 211;
/// 214: help for people (HELP).
pub const HELP_MESSAGE: u16 = 214;
/// 220: the greeting, when the connection opens: `220 mail.example.test ESMTP`.
pub const SERVICE_READY: u16 = 220;
/// 221: goodbye, after QUIT; the server then closes the connection.
pub const CLOSING: u16 = 221;
/// 250: done: EHLO and HELO, MAIL, RCPT, RSET, NOOP, and the final dot
/// of DATA once the message is stored for good.
pub const OK: u16 = 250;
/// 251: the recipient is not local, and will be forwarded (a relay's answer;
/// this crate's server never relays).
pub const USER_NOT_LOCAL_WILL_FORWARD: u16 = 251;
/// 252: VRFY cannot say whether the user exists, but the server will try
/// to deliver (RFC 5321 §3.5.3: what a server answers that does not tell
/// strangers who its users are).
pub const CANNOT_VERIFY: u16 = 252;
/// 354: after DATA: send the message, ended by a line of a single dot.
pub const START_MAIL_INPUT: u16 = 354;
/// 421: the server is closing the connection: idle too long, too many
/// clients, or shutting down. It may come in answer to any command.
pub const SERVICE_NOT_AVAILABLE: u16 = 421;
/// 450: the mailbox is unavailable for now (busy, locked): try later.
pub const MAILBOX_BUSY: u16 = 450;
/// 451: a local error while handling the command (a message that could
/// not be written to disk): try later.
pub const LOCAL_ERROR: u16 = 451;
/// 452: no room for now: the disk is full, or too many recipients for
/// this transaction (RFC 5321 §4.5.3.1.10).
pub const INSUFFICIENT_STORAGE: u16 = 452;
/// 455: the parameters of MAIL or RCPT cannot be handled now.
pub const UNABLE_TO_ACCOMMODATE_PARAMETERS: u16 = 455;
/// 500: the command is not understood: unknown, or its line too long.
pub const SYNTAX_ERROR: u16 = 500;
/// 501: the command is known, but its arguments are wrong (a bad address,
/// a missing domain, a malformed parameter).
pub const SYNTAX_ERROR_IN_PARAMETERS: u16 = 501;
/// 502: a command of SMTP that this server does not implement (TURN, ETRN).
pub const NOT_IMPLEMENTED: u16 = 502;
/// 503: the command is out of order: RCPT before MAIL, DATA before RCPT,
/// MAIL before EHLO.
pub const BAD_SEQUENCE: u16 = 503;
/// 504: the command is known, but not with that parameter
/// (`BODY=BINARYMIME`, which needs an extension not offered).
pub const PARAMETER_NOT_IMPLEMENTED: u16 = 504;
/// 550: the mailbox is unavailable for good: no such user, or a domain
/// this server does not take mail for (no open relay).
pub const MAILBOX_UNAVAILABLE: u16 = 550;
/// 551: the user is not local; the text may say where to send instead.
pub const USER_NOT_LOCAL: u16 = 551;
/// 552: too much: the message is larger than the server takes (RFC 1870
/// §6), or the mailbox is over its quota.
pub const EXCEEDED_STORAGE: u16 = 552;
/// 553: the mailbox name is not allowed (its syntax is wrong for this server).
pub const MAILBOX_NAME_NOT_ALLOWED: u16 = 553;
/// 554: the transaction failed (after the dot), or, as a greeting, no
/// service here.
pub const TRANSACTION_FAILED: u16 = 554;
/// 555: a parameter of MAIL FROM or RCPT TO that the server does not
/// recognise or cannot implement (RFC 5321 §4.1.1.11).
pub const PARAMETERS_NOT_RECOGNIZED: u16 = 555;
// ANCHOR_END: codes

/// The longest reply line, with its CR LF (RFC 5321 §4.5.3.1.5).
pub const MAX_REPLY_LINE_LEN: usize = 512;

/// The longest text of one line: the line, less the code, its separator
/// and the CR LF.
const MAX_TEXT_LEN: usize = MAX_REPLY_LINE_LEN - 3 - 1 - 2;

/// An enhanced status code of RFC 3463 §2: `class.subject.detail`, as
/// `5.1.1`. The class is 2 (success), 4 (failed for now) or 5 (failed for
/// good); subject and detail have one to three digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2, 4 or 5: the first digit of the reply code it goes with.
    pub class: u8,
    /// What the status is about: 1 addresses, 3 the mail system, 5 the
    /// protocol, 6 the message content, 7 security (RFC 3463 §3).
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedCode {
    /// 2.0.0: done, nothing more to say.
    pub const OK: EnhancedCode = EnhancedCode::new(2, 0, 0);
    /// 2.1.0: the sender's address is fine (MAIL).
    pub const SENDER_OK: EnhancedCode = EnhancedCode::new(2, 1, 0);
    /// 2.1.5: the recipient's address is fine (RCPT).
    pub const DESTINATION_OK: EnhancedCode = EnhancedCode::new(2, 1, 5);
    /// 2.6.0: the message is accepted (the final dot).
    pub const MESSAGE_ACCEPTED: EnhancedCode = EnhancedCode::new(2, 6, 0);
    /// 4.3.0: a local failure of the mail system (a disk error): try later.
    pub const SYSTEM_ERROR: EnhancedCode = EnhancedCode::new(4, 3, 0);
    /// 4.3.2: the system is not accepting messages (shutting down, busy).
    pub const SYSTEM_NOT_ACCEPTING: EnhancedCode = EnhancedCode::new(4, 3, 2);
    /// 4.4.2: the connection was idle too long (RFC 3463 §3.5: bad connection).
    pub const BAD_CONNECTION: EnhancedCode = EnhancedCode::new(4, 4, 2);
    /// 5.1.1: no such mailbox here.
    pub const BAD_DESTINATION_MAILBOX: EnhancedCode = EnhancedCode::new(5, 1, 1);
    /// 5.1.3: the recipient's address is not a valid address.
    pub const BAD_DESTINATION_SYNTAX: EnhancedCode = EnhancedCode::new(5, 1, 3);
    /// 5.1.7: the sender's address is not a valid address.
    pub const BAD_SENDER_SYNTAX: EnhancedCode = EnhancedCode::new(5, 1, 7);
    /// 5.3.4: the message is larger than the server takes.
    pub const MESSAGE_TOO_BIG: EnhancedCode = EnhancedCode::new(5, 3, 4);
    /// 5.5.1: not a command, or one not implemented.
    pub const INVALID_COMMAND: EnhancedCode = EnhancedCode::new(5, 5, 1);
    /// 5.5.2: the command line cannot be read (empty, too long, bad bytes).
    pub const SYNTAX_ERROR: EnhancedCode = EnhancedCode::new(5, 5, 2);
    /// 5.5.3: too many recipients.
    pub const TOO_MANY_RECIPIENTS: EnhancedCode = EnhancedCode::new(5, 5, 3);
    /// 5.5.4: the command's arguments or parameters are wrong.
    pub const INVALID_ARGUMENTS: EnhancedCode = EnhancedCode::new(5, 5, 4);
    /// 5.7.1: delivery not authorised: relaying to another domain refused.
    pub const NOT_AUTHORIZED: EnhancedCode = EnhancedCode::new(5, 7, 1);

    /// The code `class.subject.detail`.
    pub const fn new(class: u8, subject: u16, detail: u16) -> EnhancedCode {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }

    /// The same code in another class: `5.5.3` as `4.5.3`, for a limit
    /// that is temporary (452 too many recipients).
    pub const fn in_class(self, class: u8) -> EnhancedCode {
        EnhancedCode::new(class, self.subject, self.detail)
    }
}

impl fmt::Display for EnhancedCode {
    /// `5.1.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

// ANCHOR: parse_enhanced_code
/// The enhanced status code at the start of a reply's text, and the text
/// after it: `"5.1.1 No such user"` is `(5.1.1, "No such user")`. `None`
/// if the text does not start with one (RFC 3463 §2: `class "." subject
/// "." detail`, class 2, 4 or 5, subject and detail of 1 to 3 digits).
pub fn parse_enhanced_code(text: &str) -> Option<(EnhancedCode, &str)> {
    let (code, rest) = match text.split_once(' ') {
        Some((code, rest)) => (code, rest),
        None => (text, ""),
    };
    let mut parts = code.split('.');
    let class = match parts.next()? {
        "2" => 2,
        "4" => 4,
        "5" => 5,
        _ => return None,
    };
    let mut number = || {
        let digits = parts.next()?;
        let valid = (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        // At most three digits: no overflow.
        valid.then(|| digits.parse::<u16>().ok()).flatten()
    };
    let (subject, detail) = (number()?, number()?);
    if parts.next().is_some() {
        return None;
    }
    Some((EnhancedCode::new(class, subject, detail), rest))
}
// ANCHOR_END: parse_enhanced_code

// ANCHOR: format_reply
/// A reply of one line: `221 Bye`.
pub fn one_line(code: u16, text: &str) -> String {
    format!("{code} {}", line_text(text, MAX_TEXT_LEN))
}

/// A reply of one line with its enhanced status code: `250 2.1.0 Sender
/// OK`. If the code's class is not the reply's first digit (a mistake in
/// the caller), the status is left out rather than sent wrong.
pub fn with_status(code: u16, status: EnhancedCode, text: &str) -> String {
    if u16::from(status.class) != code / 100 {
        return one_line(code, text);
    }
    let status = status.to_string();
    let text = line_text(text, MAX_TEXT_LEN - status.len() - 1);
    format!("{code} {status} {text}")
}

/// A reply of several lines, each with the code, a hyphen on all but the
/// last: `250-first` / `250 last`. With no lines, a one-line reply with no
/// text.
pub fn multi_line(code: u16, lines: &[&str]) -> String {
    let Some((last, first)) = lines.split_last() else {
        return one_line(code, "");
    };
    let mut out = String::new();
    for line in first {
        out.push_str(&format!("{code}-{}\r\n", line_text(line, MAX_TEXT_LEN)));
    }
    out.push_str(&one_line(code, last));
    out
}

/// The reply to EHLO (RFC 5321 §4.1.1.1): the server's name and a greeting
/// on the first line, then one extension keyword (with its parameters) a
/// line: `ehlo_reply("mail.example.test", "greets client", &["SIZE 1000",
/// "8BITMIME"])`.
pub fn ehlo_reply(domain: &str, greeting: &str, extensions: &[&str]) -> String {
    let first = if greeting.is_empty() {
        domain.to_string()
    } else {
        format!("{domain} {greeting}")
    };
    let mut lines = vec![first.as_str()];
    lines.extend_from_slice(extensions);
    multi_line(OK, &lines)
}

/// Formats `reply` as an SMTP server writes it: the inverse of
/// [`crate::wire::reply::ReplyParser`] in the strict style, for lines
/// that fit and hold no CR or LF.
pub fn format_reply(reply: &Reply) -> String {
    let lines: Vec<&str> = reply.lines.iter().map(String::as_str).collect();
    multi_line(reply.code, &lines)
}

/// `text` as one line of at most `max_len` bytes: any CR or LF becomes a
/// space (or the rest would arrive as a line of its own, and a client
/// would read it as a reply), and the end is cut at a character boundary.
fn line_text(text: &str, max_len: usize) -> String {
    let mut end = text.len().min(max_len);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].replace(['\r', '\n'], " ")
}
// ANCHOR_END: format_reply

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::line::{Endings, LineReader};
    use crate::wire::reply::{read_reply, Style};

    /// What a client reads from `wire`: the strict parser over its lines.
    fn read_back(wire: &str) -> Reply {
        let wire = format!("{wire}\r\n");
        let mut reader = LineReader::new(wire.as_bytes(), MAX_REPLY_LINE_LEN - 2, Endings::Crlf);
        read_reply(&mut reader, Style::Strict).unwrap()
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
            (one_line(221, "Bye"), "221 Bye"),
            (one_line(354, ""), "354 "),
            (
                with_status(250, EnhancedCode::SENDER_OK, "Sender OK"),
                "250 2.1.0 Sender OK",
            ),
            (
                with_status(550, EnhancedCode::BAD_DESTINATION_MAILBOX, "No such user"),
                "550 5.1.1 No such user",
            ),
            // A status of the wrong class is left out, not sent wrong.
            (
                with_status(250, EnhancedCode::INVALID_COMMAND, "x"),
                "250 x",
            ),
            (
                with_status(
                    452,
                    EnhancedCode::TOO_MANY_RECIPIENTS.in_class(4),
                    "Too many",
                ),
                "452 4.5.3 Too many",
            ),
            (multi_line(250, &["only"]), "250 only"),
            (multi_line(250, &[]), "250 "),
            (
                multi_line(214, &["Commands:", "EHLO MAIL RCPT", "End"]),
                "214-Commands:\r\n214-EHLO MAIL RCPT\r\n214 End",
            ),
            // No line ending inside a line, whatever the text quotes.
            (one_line(500, "bad a\r\nRCPT b"), "500 bad a  RCPT b"),
        ];
        for (written, expected) in table {
            assert_eq!(written, expected);
        }
    }

    #[test]
    fn the_ehlo_reply_has_one_extension_a_line() {
        // RFC 5321 §4.1.1.1, and the example of its appendix D.
        let written = ehlo_reply(
            "mail.example.test",
            "greets client.example.org",
            &[
                "SIZE 33554432",
                "8BITMIME",
                "PIPELINING",
                "ENHANCEDSTATUSCODES",
                "HELP",
            ],
        );
        assert_eq!(
            written,
            "250-mail.example.test greets client.example.org\r\n\
             250-SIZE 33554432\r\n\
             250-8BITMIME\r\n\
             250-PIPELINING\r\n\
             250-ENHANCEDSTATUSCODES\r\n\
             250 HELP"
        );
        let read = read_back(&written);
        assert_eq!(read.code, 250);
        assert_eq!(
            read.lines[1..],
            [
                "SIZE 33554432",
                "8BITMIME",
                "PIPELINING",
                "ENHANCEDSTATUSCODES",
                "HELP"
            ]
        );
        assert_eq!(ehlo_reply("mx", "", &[]), "250 mx");
    }

    #[test]
    fn replies_written_are_read_back_by_the_client_parser() {
        for original in [
            reply(220, &["mail.example.test ESMTP ready"]),
            reply(354, &[""]),
            reply(
                250,
                &["mail.example.test", "SIZE 1000", "250 inside", "HELP"],
            ),
            reply(214, &["123 starts with digits", "-", "End"]),
            reply(550, &["5.1.1 No such user here"]),
        ] {
            let wire = format_reply(&original);
            assert_eq!(read_back(&wire), original, "{wire:?}");
        }
    }

    #[test]
    fn long_text_is_cut_to_a_line_of_512_octets() {
        let text = "é".repeat(400);
        for written in [
            one_line(500, &text),
            with_status(500, EnhancedCode::SYNTAX_ERROR, &text),
            multi_line(250, &[&text, &text]),
        ] {
            for line in written.split("\r\n") {
                assert!(line.len() + 2 <= MAX_REPLY_LINE_LEN, "{}", line.len());
                assert!(line.len() + 2 >= MAX_REPLY_LINE_LEN - 1, "{}", line.len());
            }
            read_back(&written);
        }
    }

    #[test]
    fn enhanced_codes_are_read_from_reply_text() {
        let table = [
            ("5.1.1 No such user", Some(((5, 1, 1), "No such user"))),
            ("2.0.0", Some(((2, 0, 0), ""))),
            ("4.4.2 idle", Some(((4, 4, 2), "idle"))),
            ("5.999.999 x", Some(((5, 999, 999), "x"))),
            ("5.1.1  two spaces", Some(((5, 1, 1), " two spaces"))),
            ("3.1.1 no such class", None),
            ("5.1000.1 four digits", None),
            ("5.1 short", None),
            ("5.1.1.1 long", None),
            ("5..1 empty", None),
            ("5.1.x letters", None),
            ("5.1.+1 sign", None),
            ("No such user", None),
            ("", None),
        ];
        for (text, expected) in table {
            let expected = expected.map(|((c, s, d), rest)| (EnhancedCode::new(c, s, d), rest));
            assert_eq!(parse_enhanced_code(text), expected, "{text:?}");
        }
        for status in [
            EnhancedCode::OK,
            EnhancedCode::MESSAGE_TOO_BIG,
            EnhancedCode::new(5, 999, 0),
        ] {
            let text = format!("{status} text");
            assert_eq!(parse_enhanced_code(&text), Some((status, "text")));
        }
    }
}

//! Numbered replies: how FTP and SMTP servers answer.
//!
//! Each reply is a three-digit code and some text. A reply of one line has
//! a space after the code; a reply of several lines has a hyphen after the
//! code on every line but the last (SMTP, RFC 5321 §4.2.1):
//!
//! ```text
//! 250-mail.example.com greets client.example.org
//! 250-SIZE 10240000
//! 250 HELP
//! ```
//!
//! FTP (RFC 959 §4.2) is looser: between the first line (`123-`) and the
//! last (`123 `), a line may hold any text at all, so a line that does not
//! start with the code is part of the reply too:
//!
//! ```text
//! 211-Features:
//!  EPSV
//!  MDTM
//! 211 End
//! ```
//!
//! The first digit says how it went (RFC 5321 §4.2.1, RFC 959 §4.2.1):
//! 2 done, 3 go on, 4 failed for now (try later), 5 failed for good.
//!
//! As in Go's `net/textproto`, two kinds of failure are kept apart: a
//! [`ReplyError`] means the peer sent something that is not a reply at all
//! (a protocol error: the connection cannot be trusted any more), while a
//! reply with a 4xx or 5xx code is a normal answer: the server understood
//! and said no.

use super::line::{LineReader, ReadLineError};
use std::fmt;
use std::io::Read;

/// The most lines one reply may have. The longest replies in practice are
/// SMTP's EHLO list and FTP's FEAT and HELP, at a few dozen lines; a
/// thousand is generous, and bounds the memory a hostile server can take.
pub const MAX_REPLY_LINES: usize = 1000;

/// Which multi-line style to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Every line carries the code (SMTP, RFC 5321 §4.2.1).
    Strict,
    /// Lines between the first and the last may hold any text (FTP, RFC 959 §4.2).
    Lenient,
}

/// A whole reply: its code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code, 100 to 599.
    pub code: u16,
    /// The text of each line, without the code and separator.
    pub lines: Vec<String>,
}

impl Reply {
    /// The first digit: 1 preliminary, 2 done, 3 go on, 4 try later, 5 no.
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    /// Whether the server did what was asked (1xx, 2xx or 3xx).
    pub fn is_positive(&self) -> bool {
        self.class() <= 3
    }

    /// The text of all lines, joined with newlines.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

impl fmt::Display for Reply {
    /// Formats the reply as it travels, without the final CR LF:
    /// `250-first` / `250 last`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.lines.len().saturating_sub(1);
        if self.lines.is_empty() {
            return write!(f, "{}", self.code);
        }
        for (i, line) in self.lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            if i > 0 {
                f.write_str("\r\n")?;
            }
            write!(f, "{}{separator}{line}", self.code)?;
        }
        Ok(())
    }
}

/// Why a line is not part of a valid reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyError {
    /// The line does not start with three digits from 100 to 599.
    BadCode,
    /// The code is followed by something other than a space, a hyphen or nothing.
    BadSeparator,
    /// A line of a multi-line reply carries another code than the first line.
    CodeMismatch {
        /// The code of the first line.
        expected: u16,
        /// The code of this line.
        found: u16,
    },
    /// The reply has more than [`MAX_REPLY_LINES`] lines.
    TooManyLines,
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::BadCode => f.write_str("reply does not start with a code from 100 to 599"),
            ReplyError::BadSeparator => {
                f.write_str("reply code is not followed by a space or a hyphen")
            }
            ReplyError::CodeMismatch { expected, found } => {
                write!(f, "reply line has code {found} inside a {expected} reply")
            }
            ReplyError::TooManyLines => write!(f, "reply has more than {MAX_REPLY_LINES} lines"),
        }
    }
}

impl std::error::Error for ReplyError {}

// ANCHOR: parse_reply_line
/// One line of a reply: `250-text` is `(250, true, "text")`, where `true`
/// means more lines follow. A bare code (`250`) is a last line with no text:
/// RFC 5321 §4.2 allows it.
pub fn parse_reply_line(line: &[u8]) -> Result<(u16, bool, &[u8]), ReplyError> {
    let code = match line {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9', ..] => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(ReplyError::BadCode),
    };
    match &line[3..] {
        [] => Ok((code, false, b"")),
        [b' ', text @ ..] => Ok((code, false, text)),
        [b'-', text @ ..] => Ok((code, true, text)),
        _ => Err(ReplyError::BadSeparator),
    }
}
// ANCHOR_END: parse_reply_line

/// Gathers the lines of one reply.
#[derive(Debug, Clone)]
pub struct ReplyParser {
    style: Style,
    /// The code of the first line, once it has been seen.
    code: Option<u16>,
    lines: Vec<String>,
}

impl ReplyParser {
    /// A parser for one reply in the given style.
    pub fn new(style: Style) -> ReplyParser {
        ReplyParser {
            style,
            code: None,
            lines: Vec::new(),
        }
    }

    // ANCHOR: push_line
    /// Takes the next line (without its CR LF). Returns the reply once its
    /// last line has come, `None` while more lines are expected.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, ReplyError> {
        if self.lines.len() >= MAX_REPLY_LINES {
            return Err(ReplyError::TooManyLines);
        }
        let text_of = |text: &[u8]| String::from_utf8_lossy(text).into_owned();
        let Some(expected) = self.code else {
            let (code, more, text) = parse_reply_line(line)?;
            self.lines.push(text_of(text));
            if more {
                self.code = Some(code);
                return Ok(None);
            }
            return Ok(Some(self.take(code)));
        };
        match parse_reply_line(line) {
            Ok((code, more, text)) if code == expected => {
                self.lines.push(text_of(text));
                if more {
                    Ok(None)
                } else {
                    Ok(Some(self.take(code)))
                }
            }
            // RFC 959 §4.2: inner lines of an FTP reply are free text.
            _ if self.style == Style::Lenient => {
                self.lines.push(text_of(line));
                Ok(None)
            }
            Ok((found, _, _)) => Err(ReplyError::CodeMismatch { expected, found }),
            Err(error) => Err(error),
        }
    }
    // ANCHOR_END: push_line

    fn take(&mut self, code: u16) -> Reply {
        self.code = None;
        Reply {
            code,
            lines: std::mem::take(&mut self.lines),
        }
    }
}

/// What went wrong reading a reply from a stream.
#[derive(Debug)]
pub enum ReadReplyError {
    /// The line could not be read (closed, timed out, too long).
    Line(ReadLineError),
    /// The server closed the connection before a reply.
    Closed,
    /// The server sent something that is not a reply.
    Protocol(ReplyError),
}

impl fmt::Display for ReadReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadReplyError::Line(error) => error.fmt(f),
            ReadReplyError::Closed => f.write_str("server closed the connection"),
            ReadReplyError::Protocol(error) => write!(f, "protocol error: {error}"),
        }
    }
}

impl std::error::Error for ReadReplyError {}

/// Reads one whole reply from `reader`.
pub fn read_reply<R: Read>(
    reader: &mut LineReader<R>,
    style: Style,
) -> Result<Reply, ReadReplyError> {
    let mut parser = ReplyParser::new(style);
    loop {
        let line = match reader.read_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Err(ReadReplyError::Closed),
            Err(error) => return Err(ReadReplyError::Line(error)),
        };
        if let Some(reply) = parser.push_line(line).map_err(ReadReplyError::Protocol)? {
            return Ok(reply);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::line::Endings;

    fn parse_all(lines: &[&str], style: Style) -> Result<Option<Reply>, ReplyError> {
        let mut parser = ReplyParser::new(style);
        let mut last = Ok(None);
        for line in lines {
            last = Ok(parser.push_line(line.as_bytes())?);
        }
        last
    }

    fn reply(code: u16, lines: &[&str]) -> Result<Option<Reply>, ReplyError> {
        Ok(Some(Reply {
            code,
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }))
    }

    #[test]
    fn reply_line_table() {
        type Expected = Result<(u16, bool, &'static [u8]), ReplyError>;
        let table: &[(&str, Expected)] = &[
            ("220 ready", Ok((220, false, b"ready"))),
            ("250-SIZE 1000", Ok((250, true, b"SIZE 1000"))),
            ("250", Ok((250, false, b""))),
            ("250 ", Ok((250, false, b""))),
            ("25", Err(ReplyError::BadCode)),
            ("abc hi", Err(ReplyError::BadCode)),
            ("099 low", Err(ReplyError::BadCode)),
            ("600 high", Err(ReplyError::BadCode)),
            ("250x", Err(ReplyError::BadSeparator)),
            ("", Err(ReplyError::BadCode)),
        ];
        for (line, expected) in table {
            assert_eq!(parse_reply_line(line.as_bytes()), *expected, "{line:?}");
        }
    }

    #[test]
    fn smtp_multi_line_reply() {
        // RFC 5321 §4.2.1 (the EHLO reply of its appendix D).
        let lines = ["250-foo.com greets bar.com", "250-8BITMIME", "250 HELP"];
        assert_eq!(
            parse_all(&lines, Style::Strict),
            reply(250, &["foo.com greets bar.com", "8BITMIME", "HELP"])
        );
    }

    #[test]
    fn ftp_multi_line_reply_with_free_text_inside() {
        // RFC 959 §4.2: inner lines need not carry the code.
        let lines = ["211-Features:", " EPSV", "211 End"];
        assert_eq!(
            parse_all(&lines, Style::Lenient),
            reply(211, &["Features:", " EPSV", "End"])
        );
        // ... and one that starts with another code is text too.
        let lines = ["123-First", "234 not the end", "123 End"];
        assert_eq!(
            parse_all(&lines, Style::Lenient),
            reply(123, &["First", "234 not the end", "End"])
        );
    }

    #[test]
    fn strict_style_refuses_free_text_inside() {
        assert_eq!(
            parse_all(&["250-a", "251 b"], Style::Strict),
            Err(ReplyError::CodeMismatch {
                expected: 250,
                found: 251
            })
        );
        assert_eq!(
            parse_all(&["250-a", " b"], Style::Strict),
            Err(ReplyError::BadCode)
        );
    }

    #[test]
    fn a_reply_that_never_ends_is_cut_off() {
        let mut parser = ReplyParser::new(Style::Lenient);
        let mut result = parser.push_line(b"250-start");
        for _ in 0..MAX_REPLY_LINES {
            result = parser.push_line(b"more");
        }
        assert_eq!(result, Err(ReplyError::TooManyLines));
    }

    #[test]
    fn display_is_the_wire_form() {
        let reply = Reply {
            code: 250,
            lines: vec!["a".into(), "b".into()],
        };
        assert_eq!(reply.to_string(), "250-a\r\n250 b");
        let mut parser = ReplyParser::new(Style::Strict);
        let mut parsed = None;
        for line in reply.to_string().split("\r\n") {
            parsed = parser.push_line(line.as_bytes()).unwrap();
        }
        assert_eq!(parsed, Some(reply));
    }

    #[test]
    fn read_reply_reads_exactly_one_reply() {
        let wire = b"220-welcome\r\n220 ready\r\n331 password\r\n";
        let mut reader = LineReader::new(&wire[..], 512, Endings::CrlfOrLf);
        let first = read_reply(&mut reader, Style::Strict).unwrap();
        assert_eq!((first.code, first.text().as_str()), (220, "welcome\nready"));
        let second = read_reply(&mut reader, Style::Strict).unwrap();
        assert_eq!(second.code, 331);
        assert!(matches!(
            read_reply(&mut reader, Style::Strict),
            Err(ReadReplyError::Closed)
        ));
    }
}

//! What a POP3 server answers, read by the client.
//!
//! Every answer starts with a status line (RFC 1939 §3):
//!
//! ```text
//! +OK 2 320                               positive, with what was asked
//! -ERR [IN-USE] the maildrop is open      negative; a response code in
//!                                         brackets (RFC 2449 §8) if any
//! ```
//!
//! The answers to `LIST`, `UIDL` and `CAPA` then go on with one item a
//! line, and those to `RETR` and `TOP` with the message, until a line that
//! holds a lone `.`; [`crate::wire::dot`] reads those. The lines of a
//! listing are parsed here:
//!
//! ```text
//! scan listing:   1 120        (the message number, its size in octets)
//! unique-id:      1 whqtswO00WBw418f9t5JxYwZ
//! ```
//!
//! RFC 1939 writes the indicators in upper case and says nothing of case;
//! this parser takes them in any case, as a client should be generous in
//! what it reads from a server that works.

use super::command::MessageNumber;
use std::fmt;

/// The longest status line a client reads: RFC 1939 §3 allows 512
/// octets with the CR LF.
pub const MAX_STATUS_LINE_LEN: usize = 510;

/// A status line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `+OK` (true) or `-ERR` (false).
    pub positive: bool,
    /// The response code in brackets after the indicator, if any
    /// (`IN-USE`, `AUTH`, `SYS/TEMP`), without its brackets.
    pub code: Option<String>,
    /// The rest of the line, after the indicator (and the code).
    pub text: String,
}

impl fmt::Display for Status {
    /// The status line as it came, less its line end.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.positive { "+OK" } else { "-ERR" })?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

/// Why a line is not what the client expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseError {
    /// A status line that starts with neither `+OK` nor `-ERR`.
    NoIndicator,
    /// A listing line that is not a number, a space and a size (or id).
    BadListing,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResponseError::NoIndicator => "an answer that starts with neither +OK nor -ERR",
            ResponseError::BadListing => "a listing line that is not a number and a value",
        })
    }
}

impl std::error::Error for ResponseError {}

/// Parses a status line, without its line end.
pub fn parse_status(line: &[u8]) -> Result<Status, ResponseError> {
    let line = String::from_utf8_lossy(line);
    let (indicator, rest) = match line.split_once(' ') {
        Some((indicator, rest)) => (indicator, rest),
        None => (line.as_ref(), ""),
    };
    let positive = if indicator.eq_ignore_ascii_case("+OK") {
        true
    } else if indicator.eq_ignore_ascii_case("-ERR") {
        false
    } else {
        return Err(ResponseError::NoIndicator);
    };
    // `[CODE]` right after the indicator (RFC 2449 §8); a bracket that is
    // never closed is just text.
    let (code, text) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((code, text)) if !code.is_empty() && !code.contains(' ') => {
            (Some(code.to_string()), text.trim_start())
        }
        _ => (None, rest),
    };
    Ok(Status {
        positive,
        code,
        text: text.to_string(),
    })
}

/// Parses the answer to `STAT` after its `+OK` (`2 320`), the "drop
/// listing" of RFC 1939 §5: how many messages, and their octets. Unlike a
/// listing line's message number, the count may be 0 (an empty maildrop).
pub fn parse_drop_listing(text: &str) -> Result<(u32, u64), ResponseError> {
    let (count, rest) = text.split_once(' ').ok_or(ResponseError::BadListing)?;
    let count = digits(count).and_then(|n| u32::try_from(n).ok());
    let size = digits(rest.split(' ').next().unwrap_or_default());
    match (count, size) {
        (Some(count), Some(size)) => Ok((count, size)),
        _ => Err(ResponseError::BadListing),
    }
}

/// Parses a line of a `LIST` answer (`1 120`) into the message number and
/// its size.
pub fn parse_scan_line(line: &str) -> Result<(MessageNumber, u64), ResponseError> {
    let (number, rest) = number_and_rest(line)?;
    // RFC 1939 §5 lets a server add more after the size; the size is the
    // first word.
    let size = rest.split(' ').next().unwrap_or_default();
    Ok((number, digits(size).ok_or(ResponseError::BadListing)?))
}

/// Parses a line of a `UIDL` answer (`1 whqtswO00WBw418f9t5JxYwZ`) into
/// the message number and its unique id.
pub fn parse_uid_line(line: &str) -> Result<(MessageNumber, String), ResponseError> {
    let (number, uid) = number_and_rest(line)?;
    match super::session::is_valid_uid(uid) {
        true => Ok((number, uid.to_string())),
        false => Err(ResponseError::BadListing),
    }
}

/// The message number that starts a listing line, and what follows its
/// space (`+OK 1 120`, after the indicator, is the same form).
pub fn number_and_rest(line: &str) -> Result<(MessageNumber, &str), ResponseError> {
    let (number, rest) = line.split_once(' ').ok_or(ResponseError::BadListing)?;
    let number = digits(number)
        .and_then(|n| MessageNumber::try_from(n).ok())
        .filter(|&n| n >= 1)
        .ok_or(ResponseError::BadListing)?;
    Ok((number, rest))
}

/// Digits only, as a `u64`.
fn digits(text: &str) -> Option<u64> {
    match !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        true => text.parse().ok(),
        false => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(positive: bool, code: Option<&str>, text: &str) -> Status {
        Status {
            positive,
            code: code.map(String::from),
            text: text.into(),
        }
    }

    #[test]
    fn status_lines() {
        let table = [
            ("+OK", status(true, None, "")),
            ("+OK 2 320", status(true, None, "2 320")),
            ("+ok fine", status(true, None, "fine")),
            (
                "-ERR no such message",
                status(false, None, "no such message"),
            ),
            (
                "-ERR [IN-USE] the maildrop is open",
                status(false, Some("IN-USE"), "the maildrop is open"),
            ),
            ("-ERR [SYS/TEMP]", status(false, Some("SYS/TEMP"), "")),
            ("-ERR [not a code] x", status(false, None, "[not a code] x")),
            ("-ERR [never closed", status(false, None, "[never closed")),
        ];
        for (line, expected) in table {
            assert_eq!(
                parse_status(line.as_bytes()),
                Ok(expected.clone()),
                "{line}"
            );
            assert_eq!(expected.to_string(), line.replace("+ok", "+OK"), "{line}");
        }
    }

    #[test]
    fn lines_that_are_not_status_lines() {
        for line in ["", "OK", "+OKAY", "220 ready", " +OK", "-", "+"] {
            assert_eq!(
                parse_status(line.as_bytes()),
                Err(ResponseError::NoIndicator),
                "{line:?}"
            );
        }
    }

    #[test]
    fn listing_lines() {
        assert_eq!(parse_scan_line("1 120"), Ok((1, 120)));
        assert_eq!(parse_scan_line("2 200 extra"), Ok((2, 200)));
        assert_eq!(
            parse_uid_line("1 whqtswO00WBw418f9t5JxYwZ"),
            Ok((1, "whqtswO00WBw418f9t5JxYwZ".into()))
        );
        let bad = [
            "",
            "1",
            "1 ",
            "x 120",
            "0 120",
            "1 -5",
            "4294967296 1",
            "1 99999999999999999999",
        ];
        for line in bad {
            assert_eq!(
                parse_scan_line(line),
                Err(ResponseError::BadListing),
                "{line:?}"
            );
        }
        for line in ["1", "1 has space", "1 ", "0 abc"] {
            assert_eq!(
                parse_uid_line(line),
                Err(ResponseError::BadListing),
                "{line:?}"
            );
        }
    }
}

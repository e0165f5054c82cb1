//! Lines: the unit of every text protocol, and the first thing an attacker
//! makes too long.
//!
//! FTP (RFC 959 §4.1), SMTP (RFC 5321 §2.3.8), POP3 (RFC 1939 §3) and the
//! header section of HTTP/1.1 (RFC 9112 §2.2) all end a line with the two
//! bytes CR LF (`\r\n`):
//!
//! ```text
//! USER alice\r\n
//! ```
//!
//! Some peers send a bare LF, and some RFCs tell a receiver to accept it
//! (RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
//! terminator"); others forbid it (RFC 5321 §2.3.8, for SMTP). So the
//! reader is told which [`Endings`] to accept.
//!
//! A line has a maximum length. Without one, a peer that sends bytes and
//! never a line ending makes the reader buffer forever, until the process
//! runs out of memory. With one, the reader keeps at most that many bytes
//! and reports [`LineError::TooLong`]; it then skips the rest of the long
//! line, so a server can reply "line too long" and read the next command.
//!
//! [`find_line`] is the pure part: it looks for a line in the bytes received
//! so far. [`LineReader`] is the I/O part: it owns a fixed-size buffer, reads
//! into it from any `Read`, and hands out one line at a time.

use super::buffer::RecvBuf;
use super::Status;
use std::fmt;
use std::io::{self, BufRead, Read};

/// Which line endings a protocol accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endings {
    /// CR LF only; a bare LF is an error (SMTP, RFC 5321 §2.3.8).
    Crlf,
    /// CR LF, or a bare LF as a courtesy to sloppy peers (HTTP, FTP, POP3).
    CrlfOrLf,
}

/// Where the first line of a buffer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The length of the line's content, without its ending.
    pub len: usize,
    /// The length with its ending: how many bytes the line used.
    pub consumed: usize,
}

/// Why the bytes received do not make a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// More than `limit` bytes came without a line ending.
    TooLong {
        /// The longest line allowed, without its ending.
        limit: usize,
    },
    /// A line ended with LF alone where CR LF is required.
    BareLf,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            LineError::BareLf => f.write_str("line ended with LF alone; CR LF is required"),
        }
    }
}

impl std::error::Error for LineError {}

// ANCHOR: find_line
/// Finds the first line in `buf`: `Complete` with its length, `Partial` if
/// no line ending has arrived yet, or an error if the line is too long or
/// ends the wrong way.
///
/// `max_len` counts the content only, not the CR LF.
pub fn find_line(buf: &[u8], max_len: usize, endings: Endings) -> Result<Status<Line>, LineError> {
    // A line may be max_len bytes plus CR: only that much needs a look.
    // (Saturating: a caller may pass usize::MAX for "no limit".)
    let window_len = max_len.saturating_add(2);
    let window = &buf[..buf.len().min(window_len)];
    match window.iter().position(|&byte| byte == b'\n') {
        Some(lf) => {
            let has_cr = lf > 0 && window[lf - 1] == b'\r';
            let len = if has_cr { lf - 1 } else { lf };
            // Length first: a prefix of this line was already too long,
            // and the error must not depend on where the reads ended.
            if len > max_len {
                return Err(LineError::TooLong { limit: max_len });
            }
            if !has_cr && endings == Endings::Crlf {
                return Err(LineError::BareLf);
            }
            Ok(Status::Complete(Line {
                len,
                consumed: lf + 1,
            }))
        }
        // No LF among the first max_len + 2 bytes: whatever comes next,
        // this line is too long.
        None if window.len() == window_len => Err(LineError::TooLong { limit: max_len }),
        // One more byte allowed: max_len bytes and a CR, waiting for its LF.
        None if window.len() > max_len && window[max_len] != b'\r' => {
            Err(LineError::TooLong { limit: max_len })
        }
        None => Ok(Status::Partial),
    }
}
// ANCHOR_END: find_line

/// What went wrong while reading a line from a stream.
#[derive(Debug)]
pub enum ReadLineError {
    /// The bytes received do not make a valid line (too long, bare LF).
    /// The reader has skipped past the bad line: the next call reads the
    /// line after it.
    Line(LineError),
    /// The stream ended in the middle of a line.
    Truncated,
    /// The stream failed (a timeout, a reset).
    Io(io::Error),
}

impl fmt::Display for ReadLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadLineError::Line(error) => error.fmt(f),
            ReadLineError::Truncated => f.write_str("connection closed in the middle of a line"),
            ReadLineError::Io(error) => write!(f, "read failed: {error}"),
        }
    }
}

impl std::error::Error for ReadLineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadLineError::Line(error) => Some(error),
            ReadLineError::Truncated => None,
            ReadLineError::Io(error) => Some(error),
        }
    }
}

impl From<io::Error> for ReadLineError {
    fn from(error: io::Error) -> ReadLineError {
        ReadLineError::Io(error)
    }
}

impl From<ReadLineError> for io::Error {
    fn from(error: ReadLineError) -> io::Error {
        match error {
            ReadLineError::Io(error) => error,
            ReadLineError::Truncated => io::Error::new(io::ErrorKind::UnexpectedEof, error),
            ReadLineError::Line(_) => io::Error::new(io::ErrorKind::InvalidData, error),
        }
    }
}

/// Reads lines from a stream into a buffer of fixed size.
///
/// It is also a [`BufRead`]: after reading the header lines of a message,
/// the body is read from the same reader, starting with the bytes that
/// arrived together with the last header line.
#[derive(Debug)]
pub struct LineReader<R> {
    /// Room for one whole line and its CR LF: the buffer never grows.
    buf: RecvBuf<R>,
    max_len: usize,
    endings: Endings,
    /// Skipping the rest of a line that was too long, up to its LF.
    skipping: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `max_len` bytes (plus their ending).
    pub fn new(inner: R, max_len: usize, endings: Endings) -> LineReader<R> {
        LineReader {
            buf: RecvBuf::new(inner, max_len + 2),
            max_len,
            endings,
            skipping: false,
        }
    }

    // ANCHOR: read_line
    /// Reads the next line, without its ending. `Ok(None)` means the peer
    /// closed the connection cleanly, between two lines.
    pub fn read_line(&mut self) -> Result<Option<&[u8]>, ReadLineError> {
        loop {
            if self.skipping {
                self.skip_to_next_line();
            }
            if !self.skipping {
                match find_line(self.buf.data(), self.max_len, self.endings) {
                    Ok(Status::Complete(line)) => {
                        let taken = self.buf.take_front(line.consumed);
                        return Ok(Some(&taken[..line.len]));
                    }
                    Ok(Status::Partial) => {}
                    Err(error) => {
                        // Skip the bad line, so that the caller can answer
                        // it and go on with the next one.
                        self.skipping = true;
                        return Err(ReadLineError::Line(error));
                    }
                }
            }
            // Not a whole line yet: read more after what we have.
            if self.buf.fill_more()? == 0 {
                return match self.buf.data().is_empty() || self.skipping {
                    true => Ok(None),
                    false => Err(ReadLineError::Truncated),
                };
            }
        }
    }
    // ANCHOR_END: read_line

    /// Drops buffered bytes up to and including the next LF; stops skipping
    /// once it is found.
    fn skip_to_next_line(&mut self) {
        let received = self.buf.data();
        match received.iter().position(|&byte| byte == b'\n') {
            Some(lf) => {
                self.buf.consume(lf + 1);
                self.skipping = false;
            }
            None => self.buf.consume(received.len()),
        }
    }

    /// The bytes received but not yet handed out.
    pub fn buffered(&self) -> &[u8] {
        self.buf.data()
    }

    /// The stream being read.
    pub fn get_ref(&self) -> &R {
        self.buf.get_ref()
    }

    /// The stream being read, mutably (to write a reply on a socket).
    pub fn get_mut(&mut self) -> &mut R {
        self.buf.get_mut()
    }

    /// The longest line this reader accepts.
    pub fn max_len(&self) -> usize {
        self.max_len
    }
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.buf.read(out)
    }
}

impl<R: Read> BufRead for LineReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.buf.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        BufRead::consume(&mut self.buf, amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing::Trickle;

    const MAX: usize = 10;

    #[test]
    fn find_line_table() {
        use Endings::*;
        let complete = |len, consumed| Ok(Status::Complete(Line { len, consumed }));
        type Expected = Result<Status<Line>, LineError>;
        let table: &[(&[u8], Endings, Expected)] = &[
            (b"USER alice\r\n", Crlf, complete(10, 12)),
            (b"NOOP\r\nQUIT\r\n", Crlf, complete(4, 6)),
            (b"\r\n", Crlf, complete(0, 2)),
            (b"NOOP", Crlf, Ok(Status::Partial)),
            (b"NOOP\r", Crlf, Ok(Status::Partial)),
            (b"", Crlf, Ok(Status::Partial)),
            // RFC 9112 §2.2: a recipient MAY accept a bare LF.
            (b"NOOP\n", CrlfOrLf, complete(4, 5)),
            // RFC 5321 §2.3.8: SMTP must not.
            (b"NOOP\n", Crlf, Err(LineError::BareLf)),
            // Exactly the limit is fine; one more byte is not.
            (b"0123456789\r\n", Crlf, complete(10, 12)),
            (b"0123456789\r", Crlf, Ok(Status::Partial)),
            (
                b"01234567890\r\n",
                Crlf,
                Err(LineError::TooLong { limit: MAX }),
            ),
            (b"01234567890", Crlf, Err(LineError::TooLong { limit: MAX })),
            (
                b"0123456789ab",
                Crlf,
                Err(LineError::TooLong { limit: MAX }),
            ),
        ];
        for (input, endings, expected) in table {
            assert_eq!(
                &find_line(input, MAX, *endings),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn a_limit_as_large_as_usize_is_no_overflow() {
        // "No limit" written as usize::MAX once overflowed `max_len + 2`.
        for max_len in [usize::MAX - 1, usize::MAX] {
            let line = Line {
                len: 4,
                consumed: 6,
            };
            assert_eq!(
                find_line(b"NOOP\r\n", max_len, Endings::Crlf),
                Ok(Status::Complete(line))
            );
            assert_eq!(
                find_line(b"NOOP", max_len, Endings::Crlf),
                Ok(Status::Partial)
            );
        }
    }

    #[test]
    fn a_long_line_is_too_long_however_it_ends_and_arrives() {
        // Its first MAX + 1 bytes already make it too long; the bare LF
        // after them must not change the error, or the reply a peer gets
        // would depend on how the network cut the bytes.
        let line = b"01234567890\n";
        let too_long = Err(LineError::TooLong { limit: MAX });
        assert_eq!(find_line(&line[..MAX + 1], MAX, Endings::Crlf), too_long);
        assert_eq!(find_line(line, MAX, Endings::Crlf), too_long);
    }

    #[test]
    fn every_prefix_of_a_line_is_partial() {
        let line = b"RETR notes.txt\r\n";
        for end in 0..line.len() {
            assert_eq!(
                find_line(&line[..end], 100, Endings::Crlf),
                Ok(Status::Partial),
                "prefix of {end} bytes"
            );
        }
    }

    fn all_lines(data: &[u8], chunk: usize, max: usize) -> Vec<Result<String, String>> {
        let mut reader = LineReader::new(Trickle { data, chunk }, max, Endings::CrlfOrLf);
        let mut lines = Vec::new();
        loop {
            match reader.read_line() {
                Ok(Some(line)) => lines.push(Ok(String::from_utf8_lossy(line).into_owned())),
                Ok(None) => return lines,
                Err(ReadLineError::Line(error)) => lines.push(Err(error.to_string())),
                Err(error) => {
                    lines.push(Err(error.to_string()));
                    return lines;
                }
            }
        }
    }

    #[test]
    fn lines_come_out_the_same_whatever_the_read_sizes() {
        let data = b"HELO a\r\nMAIL FROM:<x@y>\r\n\r\nQUIT\n";
        let expected: Vec<Result<String, String>> = ["HELO a", "MAIL FROM:<x@y>", "", "QUIT"]
            .iter()
            .map(|line| Ok(line.to_string()))
            .collect();
        for chunk in 1..=data.len() {
            assert_eq!(
                all_lines(data, chunk, 64),
                expected,
                "reads of {chunk} bytes"
            );
        }
    }

    #[test]
    fn a_too_long_line_is_reported_once_then_skipped() {
        let mut data = b"short\r\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 10_000));
        data.extend(b"\r\nnext\r\n");
        for chunk in [1, 7, 4096] {
            assert_eq!(
                all_lines(&data, chunk, 16),
                [
                    Ok("short".to_string()),
                    Err("line longer than 16 bytes".to_string()),
                    Ok("next".to_string()),
                ],
                "reads of {chunk} bytes"
            );
        }
    }

    #[test]
    fn a_stream_that_ends_mid_line_is_truncated() {
        assert_eq!(
            all_lines(b"QUIT\r\nNOO", 3, 64),
            [
                Ok("QUIT".to_string()),
                Err("connection closed in the middle of a line".to_string())
            ]
        );
    }

    #[test]
    fn bytes_after_the_last_line_are_read_as_the_body() {
        // An HTTP request: header lines, then a body of 5 bytes.
        let data = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let mut reader = LineReader::new(Trickle { data, chunk: 64 }, 64, Endings::CrlfOrLf);
        while reader.read_line().unwrap() != Some(b"".as_slice()) {}
        let mut body = String::new();
        reader.read_to_string(&mut body).unwrap();
        assert_eq!(body, "hello");
    }
}

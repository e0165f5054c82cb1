//! Helpers shared by every line protocol: FTP, SMTP, POP3 and HTTP headers.
//!
//! These protocols all speak in lines of text ended by CRLF, and several
//! of them send a message (a mail, a file listing) as lines ended by a
//! single `.`. The same three pieces serve them all:
//!
//! | piece | what it does | used by |
//! | --- | --- | --- |
//! | [`line`](mod@line) | cut a byte stream into lines, with a maximum length | every line protocol |
//! | [`dot`] | dot-stuffing: send a message as lines ending in `.` | SMTP `DATA`, POP3 `RETR` |
//! | [`reply`] | read `250-…` / `250 …` multi-line replies | FTP and SMTP clients |
//! | [`buffer`] | a receive buffer of fixed size, under all of the above | every parser |
//!
//! Each has a pure core that works on byte slices (no sockets, so tests
//! feed it byte strings) and a thin reader or writer over any `Read` or
//! `Write`.
//!
//! The pure parsers follow one convention, borrowed from the `httparse`
//! crate: given the bytes received so far, they answer either
//! [`Status::Complete`] with what they found and how many bytes it used,
//! or [`Status::Partial`], "not enough bytes yet", which is not an error:
//! on a network, any message can arrive in pieces.

pub mod buffer;
pub mod dot;
pub mod line;
pub mod reply;

/// The answer of a parser that may need more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The input held a whole item: here it is.
    Complete(T),
    /// The input ends before the item does: read more and call again.
    Partial,
}

impl<T> Status<T> {
    /// Whether more bytes are needed.
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }
}

/// Helpers for the unit tests of the parsers built on this module.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{self, Read};

    /// A reader that returns at most `chunk` bytes per read, as a network may.
    pub(crate) struct Trickle<'a> {
        pub(crate) data: &'a [u8],
        pub(crate) chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.data.len().min(self.chunk).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
}

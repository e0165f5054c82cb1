//! Helpers shared by every line protocol: FTP, SMTP, POP3 and HTTP headers.
//!
//! These protocols all speak in lines of text ended by CRLF, and several
//! of them send a message (a mail, a file listing) as lines ended by a
//! single `.`. The same pieces serve them all:
//!
//! | piece | what it does | used by |
//! | --- | --- | --- |
//! | [`line`](mod@line) | cut a byte stream into lines, with a maximum length | every line protocol |
//! | [`dot`] | dot-stuffing: send a message as lines ending in `.`; only `CR LF . CR LF` ends it, and a size limit | SMTP `DATA`, POP3 `RETR` |
//! | [`reply`] | read `250-…` / `250 …` multi-line replies | FTP and SMTP clients |
//! | [`command`] | send a command, read its reply, check the code; refuse CR LF in commands | FTP and SMTP clients (POP3 for sending) |
//! | [`session`] | a server's pure session (states as in the RFC) and the loop that drives it | FTP, SMTP and POP3 servers |
//! | [`buffer`] | a receive buffer of fixed size, under all of the above | every parser |
//!
//! Each has a pure core that works on byte slices or values (no sockets,
//! so tests feed it byte strings) and a thin reader, writer or loop over
//! any `Read` or `Write`.
//!
//! The pure parsers follow one convention, borrowed from the `httparse`
//! crate: given the bytes received so far, they answer either
//! [`Status::Complete`] with what they found and how many bytes it used,
//! or [`Status::Partial`], "not enough bytes yet", which is not an error:
//! on a network, any message can arrive in pieces.

pub mod buffer;
pub mod command;
pub mod dot;
pub mod line;
pub mod reply;
pub mod session;

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

    /// A peer that plays a script: reads return the script's bytes, and
    /// writes are kept, so that a test can compare them, as literals, with
    /// the bytes the code under test must send.
    ///
    /// A script made [`in_turns`](Script::in_turns) answers as a real peer
    /// does: each turn after the first becomes readable only once a whole
    /// line has been written, so a transcript shows lines in the order of a
    /// real conversation.
    pub(crate) struct Script {
        pub(crate) script: io::Cursor<Vec<u8>>,
        /// Turns not yet readable, the next one first.
        turns: std::collections::VecDeque<Vec<u8>>,
        pub(crate) written: Vec<u8>,
    }

    impl Script {
        pub(crate) fn new(script: &[u8]) -> Script {
            Script::in_turns(&[script])
        }

        /// A script of which `turns[0]` is readable at once (a greeting),
        /// and each next turn after the next line written.
        pub(crate) fn in_turns(turns: &[&[u8]]) -> Script {
            let mut turns: std::collections::VecDeque<Vec<u8>> =
                turns.iter().map(|turn| turn.to_vec()).collect();
            Script {
                script: io::Cursor::new(turns.pop_front().unwrap_or_default()),
                turns,
                written: Vec::new(),
            }
        }

        /// What was written, as text for a readable assertion.
        pub(crate) fn written(&self) -> String {
            String::from_utf8_lossy(&self.written).into_owned()
        }
    }

    impl Read for Script {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.script.read(out)?;
            if n == 0 && !out.is_empty() && !self.turns.is_empty() {
                // A real peer would wait for the command forever.
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "read before the line the script waits for was written",
                ));
            }
            Ok(n)
        }
    }

    impl io::Write for Script {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(bytes);
            for _ in bytes.iter().filter(|&&byte| byte == b'\n') {
                if let Some(turn) = self.turns.pop_front() {
                    // What is left of this turn, then the next one.
                    let position = self.script.position() as usize;
                    let mut next = self.script.get_ref()[position..].to_vec();
                    next.extend_from_slice(&turn);
                    self.script = io::Cursor::new(next);
                }
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}

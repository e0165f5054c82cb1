//! The echo client, and the one way this crate opens a TCP connection.

use super::framing::{read_frame, write_frame};
use crate::wire::line::{Endings, LineReader, ReadLineError};
use std::io::{self, BufRead, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

// ANCHOR: connect
/// Opens a TCP connection to `addr` (`"example.com:80"`, `"[::1]:7"`), with
/// `timeout` for the connection and for every later read and write.
///
/// A name can resolve to several addresses (IPv6 and IPv4, or several
/// servers): each is tried in turn until one answers, as `curl` does.
pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<TcpStream> {
    let mut last_error = None;
    for candidate in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => {
                // Without these, a server that accepts and then says nothing
                // would block us forever.
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                return Ok(stream);
            }
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address")
    }))
}
// ANCHOR_END: connect

/// Gives a timeout a message a person can act on: std reports a read
/// timeout as "Resource temporarily unavailable" (WouldBlock) on Unix.
fn explain(error: io::Error) -> io::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            "no reply from the server in time (is it an echo server of the same framing?)",
        ),
        _ => error,
    }
}

/// A client of the line or frame echo server, over any stream.
#[derive(Debug)]
pub struct EchoClient<S> {
    conn: LineReader<S>,
}

impl<S: Read + Write> EchoClient<S> {
    /// A client on an open connection (a `TcpStream`, a `UnixStream`, or
    /// either wrapped in a transcript [`Tee`](crate::transcript::Tee)).
    pub fn new(stream: S) -> EchoClient<S> {
        EchoClient {
            conn: LineReader::new(stream, super::echo::MAX_LINE_LEN, Endings::CrlfOrLf),
        }
    }

    // ANCHOR: echo_line
    /// Sends one line and returns the line the server sends back.
    pub fn echo_line(&mut self, line: &str) -> io::Result<String> {
        if line.contains(['\r', '\n']) {
            // A line break inside would send two lines and get two replies.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a line to echo cannot contain CR or LF",
            ));
        }
        let mut message = Vec::with_capacity(line.len() + 1);
        message.extend_from_slice(line.as_bytes());
        message.push(b'\n');
        // One write for line and ending: two small writes can cost a 40 ms
        // wait (Nagle's algorithm meets delayed ACKs; see the lesson).
        self.conn.get_mut().write_all(&message)?;
        match self.conn.read_line() {
            Ok(Some(reply)) => Ok(String::from_utf8_lossy(reply).into_owned()),
            Ok(None) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection without answering",
            )),
            // What did arrive stays in `unfinished_reply`.
            Err(ReadLineError::Truncated) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before its line ending",
            )),
            Err(error) => Err(explain(error.into())),
        }
    }
    // ANCHOR_END: echo_line

    /// The bytes received after the last whole line: after `echo_line`
    /// failed, the part of the reply that did arrive.
    pub fn unfinished_reply(&self) -> &[u8] {
        self.conn.buffered()
    }

    /// The example's `client` command: sends each line of `input`, and
    /// writes each reply to `output` on a line of its own. Returns how many
    /// replies were not the line sent: from an echo server, none; the busy
    /// reply of a full server, or any other server's answer, is one.
    ///
    /// A reply cut short (the server closed, or went quiet, before the end
    /// of its line) is written too, before the error that says so: many a
    /// first server answers `Hello, World!` with no line ending and closes.
    pub fn echo_each_line(
        &mut self,
        input: impl BufRead,
        mut output: impl Write,
    ) -> io::Result<usize> {
        let mut not_echoes = 0;
        for line in input.lines() {
            let line = line?;
            let reply = self.echo_line(&line);
            let arrived = self.unfinished_reply();
            match reply {
                Ok(reply) => {
                    writeln!(output, "{reply}")?;
                    if reply != line {
                        not_echoes += 1;
                    }
                }
                // InvalidData: a reply over the limit, not worth showing.
                Err(error) if arrived.is_empty() || error.kind() == io::ErrorKind::InvalidData => {
                    return Err(error)
                }
                Err(error) => {
                    writeln!(output, "{}", String::from_utf8_lossy(arrived))?;
                    let unfinished = format!("the line above is unfinished: {error}");
                    return Err(io::Error::new(error.kind(), unfinished));
                }
            }
        }
        Ok(not_echoes)
    }

    /// Sends one frame and returns the frame the server sends back.
    pub fn echo_frame(&mut self, payload: &[u8]) -> io::Result<Vec<u8>> {
        write_frame(self.conn.get_mut(), payload)?;
        read_frame(&mut self.conn).map_err(explain)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection without answering",
            )
        })
    }

    /// The connection, to shut it down or set its timeouts.
    pub fn get_mut(&mut self) -> &mut S {
        self.conn.get_mut()
    }
}

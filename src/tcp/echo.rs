//! The echo server: every message comes back as it was sent.
//!
//! Echo is the "hello world" of servers (RFC 862 defines it on port 7).
//! It has no logic of its own, so everything in this file is about the
//! connection: reading until the peer is done, writing everything back,
//! and surviving peers that misbehave.
//!
//! The server speaks one of three [`Framing`]s:
//!
//! - `Raw`: bytes back as they come, with no idea of messages (RFC 862);
//! - `Lines`: each line back, ended by LF; a line too long gets an error
//!   line instead, and the connection goes on; over TCP, a line must
//!   arrive whole within one read timeout of its first byte;
//! - `Frames`: each length-prefixed frame back (see [`super::framing`]).
//!
//! The handlers are generic over `Read` and `Write`, so the same code serves
//! a TCP connection and a Unix domain socket (see [`super::unix`]).

use super::framing::{write_frame, FrameReader, READ_LEN};
use crate::deadline::TimedStream;
use crate::serve::Handler;
use crate::wire::line::{find_line, Endings, LineReader, ReadLineError};
use crate::wire::Status;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The longest line the line echo accepts, without its ending. Long
/// enough for any line typed by hand or pasted, short enough that a
/// thousand connections cost at most 8 MiB of line buffers.
pub const MAX_LINE_LEN: usize = 8 * 1024;

/// The size of the buffer of the raw echo: one read and one write per
/// 64 KiB, which is what loopback and most networks deliver at once.
const RAW_BUFFER_LEN: usize = 64 * 1024;

/// The line a client over the connection cap receives before it is closed.
pub const BUSY_LINE: &str = "busy: too many connections, try again later";

/// How the echo server cuts the byte stream into messages.
///
/// The default is `Raw`, the echo of RFC 862: it answers any client,
/// including one that sends `hello world` with no line ending and waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// No messages: bytes come back as they arrive.
    #[default]
    Raw,
    /// Lines ended by LF (a CR before it is dropped).
    Lines,
    /// Frames of a 4-byte big-endian length and a payload.
    Frames,
}

impl FromStr for Framing {
    type Err = String;

    fn from_str(name: &str) -> Result<Framing, String> {
        match name {
            "raw" => Ok(Framing::Raw),
            "lines" => Ok(Framing::Lines),
            "frames" => Ok(Framing::Frames),
            _ => Err(format!(
                "unknown framing {name:?}: use raw, lines or frames"
            )),
        }
    }
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framing::Raw => "raw",
            Framing::Lines => "lines",
            Framing::Frames => "frames",
        })
    }
}

/// The echo server's handler, for [`crate::serve::Server::spawn`].
#[derive(Debug, Clone, Copy, Default)]
pub struct EchoHandler {
    /// How messages are cut.
    pub framing: Framing,
}

impl Handler for EchoHandler {
    fn handle(&self, stream: &TcpStream, _peer: SocketAddr) -> io::Result<()> {
        // Replies are small and the client waits for each: send them at
        // once instead of letting Nagle's algorithm hold them back.
        stream.set_nodelay(true)?;
        let writer = SaysWhyItTimedOut(stream);
        match self.framing {
            Framing::Lines => echo_lines(EndOnTimeout(LineDeadline::new(stream)?), writer)?,
            framing => echo(framing, EndOnTimeout(stream), writer)?,
        }
        // We are done writing: tell the client with a FIN (end-of-file on
        // its side) rather than leaving it to wait for more.
        let _ = stream.shutdown(Shutdown::Write);
        Ok(())
    }

    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        if self.framing == Framing::Lines {
            writeln!(stream, "{BUSY_LINE}")?;
        }
        Ok(())
    }
}

/// A reader for which the read timeout is the end of the stream.
///
/// A client that sends nothing for the read timeout has gone quiet, or
/// gone without a word (a cable cut, a laptop closed): the server ends the
/// connection as if the client had closed it, with a FIN, as the HTTP
/// server ends an idle keep-alive connection. That is the limit doing its
/// job, not a failure for the accept loop to report (on Linux it would
/// read "Resource temporarily unavailable", and send someone looking for
/// a bug). A message cut short this way is dropped, as at an end-of-file.
struct EndOnTimeout<R>(R);

impl<R: Read> Read for EndOnTimeout<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.read(buf) {
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(0)
            }
            other => other,
        }
    }
}

/// A writer whose write the timeout ends says why, in words.
///
/// A client that sends and never reads what comes back fills the
/// buffers, and the server's write waits for the write timeout. Then it
/// must end: the client keeps a thread and reads nothing. That one is
/// reported, but as what happened, not as the system's "Resource
/// temporarily unavailable".
struct SaysWhyItTimedOut<W>(W);

impl<W: Write> Write for SaysWhyItTimedOut<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes).map_err(not_reading)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(not_reading)
    }
}

fn not_reading(error: io::Error) -> io::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            "the client does not read its echoes",
        ),
        _ => error,
    }
}

/// The socket, read so that a line must arrive whole within one read
/// timeout of its first byte.
///
/// A read timeout bounds one wait: a client that sends a byte every 20 s
/// never meets a 30 s timeout, and would keep its thread as long as it
/// likes. So once a line has begun, the shared [`TimedStream`] gets a
/// deadline, the read timeout from the line's first byte; between lines
/// there is none, and a read waits the whole timeout, as a person at a
/// terminal may pause. Whole lines cost no system call.
struct LineDeadline<'a> {
    stream: TimedStream<'a>,
    /// How long a line may take from its first byte: the socket's read
    /// timeout, as the accept loop set it.
    line_time: Option<Duration>,
}

impl LineDeadline<'_> {
    fn new(stream: &TcpStream) -> io::Result<LineDeadline<'_>> {
        Ok(LineDeadline {
            stream: TimedStream::new(stream),
            line_time: stream.read_timeout()?,
        })
    }
}

impl Read for LineDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        let line_deadline = || self.line_time.map(|time| Instant::now() + time);
        match buf[..n].iter().rposition(|&byte| byte == b'\n') {
            // The last line received is whole: nothing is pending.
            Some(lf) if lf + 1 == n => self.stream.set_deadline(None),
            // A new line began after the last LF.
            Some(_) => self.stream.set_deadline(line_deadline()),
            None if n > 0 && self.stream.deadline().is_none() => {
                self.stream.set_deadline(line_deadline());
            }
            None => {}
        }
        Ok(n)
    }
}

/// Echoes everything from `reader` to `writer` until the peer closes.
pub fn echo(framing: Framing, reader: impl Read, writer: impl Write) -> io::Result<()> {
    match framing {
        Framing::Raw => echo_raw(reader, writer),
        Framing::Lines => echo_lines(reader, writer),
        Framing::Frames => echo_frames(reader, writer),
    }
}

// ANCHOR: echo_raw
/// RFC 862: whatever arrives goes back, until the client closes its side.
pub fn echo_raw(mut reader: impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut buf = vec![0; RAW_BUFFER_LEN];
    loop {
        // One read returns whatever has arrived: 1 byte or 64 KiB.
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()), // end-of-file: the client shut down writing
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        // write_all, not write: one write may take only part of the buffer.
        writer.write_all(&buf[..n])?;
    }
}
// ANCHOR_END: echo_raw

// ANCHOR: echo_lines
/// Each line back, ended by LF. Replies are gathered while more whole lines
/// are already waiting, and sent together before the reader has to wait
/// for the client: one write for a burst of lines, not one per line, and
/// no reply held back while the client waits for it.
pub fn echo_lines(reader: impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut lines = LineReader::new(reader, MAX_LINE_LEN, Endings::CrlfOrLf);
    // Never more than one reader's buffer of replies (about 8 KiB): they
    // are sent each time the reader runs out of whole lines.
    let mut replies = Vec::new();
    loop {
        let answer_now = match lines.read_line() {
            Ok(Some(line)) => {
                replies.extend_from_slice(line);
                replies.push(b'\n');
                false
            }
            // The client is done (an unfinished last line has no echo).
            Ok(None) | Err(ReadLineError::Truncated) => return Ok(()),
            // Too long: say so at once, and go on with the next line. The
            // reader skips the rest of this one without keeping it, and
            // that rest may be slow to come, or never come.
            Err(ReadLineError::Line(error)) => {
                replies.extend_from_slice(format!("error: {error}\n").as_bytes());
                true
            }
            Err(ReadLineError::Io(error)) => return Err(error),
        };
        if answer_now || !has_whole_line(lines.buffered()) {
            writer.write_all(&replies)?;
            writer.flush()?;
            replies.clear();
        }
    }
}

/// Whether `received` starts with a whole line: then the next `read_line`
/// returns it without waiting for the client.
fn has_whole_line(received: &[u8]) -> bool {
    matches!(
        find_line(received, MAX_LINE_LEN, Endings::CrlfOrLf),
        Ok(Status::Complete(_))
    )
}
// ANCHOR_END: echo_lines

/// Each frame back, until the client closes between two frames. The
/// frames are read through a [`FrameReader`]: a client that sends many
/// small frames at once has them all taken in one read.
pub fn echo_frames(reader: impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut frames = FrameReader::new(reader, READ_LEN);
    while let Some(payload) = frames.read_frame()? {
        write_frame(&mut writer, &payload)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo_bytes(framing: Framing, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        echo(framing, input, &mut out).unwrap();
        out
    }

    #[test]
    fn lines_come_back_with_lf() {
        assert_eq!(echo_bytes(Framing::Lines, b"a\r\nb\n"), b"a\nb\n");
    }

    #[test]
    fn an_unfinished_last_line_is_dropped() {
        // The peer closed mid-line: there is no whole line to echo.
        assert_eq!(echo_bytes(Framing::Lines, b"a\nhalf"), b"a\n");
    }

    #[test]
    fn a_too_long_line_gets_an_error_and_the_next_line_is_echoed() {
        let mut input = vec![b'x'; MAX_LINE_LEN + 1];
        input.extend_from_slice(b"\nok\n");
        assert_eq!(
            String::from_utf8(echo_bytes(Framing::Lines, &input)).unwrap(),
            format!("error: line longer than {MAX_LINE_LEN} bytes\nok\n")
        );
    }

    /// A connection whose writes all fail, as after the client reset it.
    struct DeadConnection {
        writes: usize,
    }

    impl Write for DeadConnection {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            Err(io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn after_a_failed_write_the_line_echo_writes_nothing_more() {
        // Each write to a dead connection may wait a whole write timeout
        // first: one failure must end the connection, not try again.
        let mut writer = DeadConnection { writes: 0 };
        let error = echo(Framing::Lines, &b"a\nb\n"[..], &mut writer).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(writer.writes, 1);
    }

    #[test]
    fn raw_echo_returns_every_byte() {
        let input: Vec<u8> = (0..=255).cycle().take(200_000).collect();
        assert_eq!(echo_bytes(Framing::Raw, &input), input);
    }

    #[test]
    fn frames_come_back_as_frames() {
        let input = b"\0\0\0\x02hi\0\0\0\0";
        assert_eq!(echo_bytes(Framing::Frames, input), input);
    }

    #[test]
    fn framing_names_parse() {
        for framing in [Framing::Raw, Framing::Lines, Framing::Frames] {
            assert_eq!(framing.to_string().parse(), Ok(framing));
        }
        assert!("json".parse::<Framing>().is_err());
    }
}

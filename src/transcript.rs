//! The transcript: what went over the wire, as `C:` and `S:` lines.
//!
//! Every demo in the tour prints its conversation like this:
//!
//! ```text
//! C: hello
//! S: hello
//!    (the server echoes each line back)
//! ```
//!
//! A [`Transcript`] is a shared sink for those lines. A [`Tee`] wraps a
//! stream (anything `Read + Write`, usually a `TcpStream`) and copies every
//! byte that passes through it into the transcript: what the wrapped side
//! writes is labelled with its own [`Side`], what it reads with the other.
//!
//! Bytes are shown line by line, with anything unprintable escaped (`\x00`,
//! `\r` at the end of a line is dropped since every line protocol ends lines
//! with CRLF). Passwords never reach the transcript: a line that starts with
//! `PASS ` (FTP, POP3) or `AUTH PLAIN ` (SMTP) is shown with its argument
//! replaced by `****`, and a secret that travels on a line of its own (the
//! answers to SMTP's `334` prompts) is hidden whole once the protocol has
//! said it comes next ([`Tee::hide_next`]): `C: ****`. A very long line is cut after [`MAX_SHOWN_LINE`]
//! bytes, and the rest is only counted, so a 100 MB upload cannot fill memory
//! through its transcript.
//!
//! Tests use [`Transcript::memory`] and print [`Transcript::contents`] when
//! they fail, so a failing test shows the conversation that led to it.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many bytes of one line are shown before the rest is only counted.
/// Long enough for any command or reply of the line protocols in this crate
/// (their own limits are 512 to 8192 bytes), short enough to read.
pub const MAX_SHOWN_LINE: usize = 200;

/// Who sent the bytes: the client (`C:`) or the server (`S:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The side that opened the connection.
    Client,
    /// The side that accepted it.
    Server,
}

impl Side {
    /// The other side of the conversation.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Side::Client => "C:",
            Side::Server => "S:",
        }
    }
}

/// Where the transcript goes.
enum Sink {
    Stdout,
    Stderr,
    Memory(String),
    Silent,
}

/// A shared, cloneable sink for transcript lines.
///
/// Clones write to the same place, so a client and a server on two threads
/// can share one transcript, and their lines come out in the order they
/// happened.
#[derive(Clone)]
pub struct Transcript {
    sink: Arc<Mutex<Sink>>,
    /// The sink is [`Sink::Silent`], known without taking the lock: then
    /// no line is built at all, since building them (the escaping above
    /// all) cost a load run's HTTP client almost half of its time.
    silent: bool,
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transcript")
    }
}

impl Transcript {
    /// A transcript printed on standard output, as the tour does.
    pub fn stdout() -> Transcript {
        Transcript::with(Sink::Stdout)
    }

    /// A transcript printed on standard error, so that it does not mix
    /// with what a command prints on standard output (a client's `--trace`).
    pub fn stderr() -> Transcript {
        Transcript::with(Sink::Stderr)
    }

    /// A transcript kept in memory: read it back with [`contents`](Self::contents).
    pub fn memory() -> Transcript {
        Transcript::with(Sink::Memory(String::new()))
    }

    /// A transcript that shows nothing (for benchmarks and load).
    pub fn silent() -> Transcript {
        Transcript::with(Sink::Silent)
    }

    fn with(sink: Sink) -> Transcript {
        Transcript {
            silent: matches!(sink, Sink::Silent),
            sink: Arc::new(Mutex::new(sink)),
        }
    }

    /// Whether this transcript shows nothing, so that a caller can skip
    /// building a line that nobody will read.
    pub fn is_silent(&self) -> bool {
        self.silent
    }

    /// Everything written so far, for a memory transcript (empty otherwise).
    pub fn contents(&self) -> String {
        match &*self.lock() {
            Sink::Memory(text) => text.clone(),
            _ => String::new(),
        }
    }

    /// Prints a comment between the lines of the conversation, indented so
    /// that it cannot be mistaken for bytes on the wire.
    pub fn note(&self, text: impl fmt::Display) {
        if self.silent {
            return;
        }
        for line in text.to_string().lines() {
            self.write_line(&format!("   {line}"));
        }
    }

    /// Prints a plain line: a heading, a result, a blank line.
    pub fn say(&self, text: impl fmt::Display) {
        if self.silent {
            return;
        }
        for line in text.to_string().split('\n') {
            self.write_line(line);
        }
    }

    /// Records one line of the conversation, sent by `side`.
    /// `bytes` is the line without its line ending.
    pub fn wire(&self, side: Side, bytes: &[u8]) {
        if self.silent {
            return;
        }
        self.write_line(&format!("{} {}", side.label(), show_line(bytes)));
    }

    /// Wraps `stream` so that everything it carries is recorded.
    /// `side` is who owns the wrapped end: for a client's socket, `Side::Client`.
    pub fn tee<S>(&self, stream: S, side: Side) -> Tee<S> {
        Tee {
            inner: stream,
            transcript: self.clone(),
            side,
            sent: LineBuffer::default(),
            received: LineBuffer::default(),
        }
    }

    fn write_line(&self, line: &str) {
        match &mut *self.lock() {
            Sink::Stdout => {
                // A closed stdout (`tour | head`) must not turn into a panic.
                let _ = writeln!(io::stdout().lock(), "{line}");
            }
            Sink::Stderr => {
                let _ = writeln!(io::stderr().lock(), "{line}");
            }
            Sink::Memory(text) => {
                text.push_str(line);
                text.push('\n');
            }
            Sink::Silent => {}
        }
    }

    fn lock(&self) -> MutexGuard<'_, Sink> {
        // A thread that panicked while holding the lock left a complete line
        // or none: the sink is still usable.
        self.sink.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Text from a peer, made safe to print on a terminal: each control
/// character (ESC above all, which starts the sequences that move the
/// cursor, clear the screen or retitle the window) written as its escape,
/// `\u{1b}`; everything else, letters beyond ASCII included, as it is.
/// For a server's words inside an error message, which a hostile server
/// chooses.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_control() {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    out
}

/// Formats one line of wire bytes for a reader: printable ASCII as it is,
/// anything else escaped, the argument of a password command hidden, and
/// the line cut after [`MAX_SHOWN_LINE`] bytes.
pub fn show_line(bytes: &[u8]) -> String {
    show_cut_line(bytes, 0)
}

/// [`show_line`] for a line of which `dropped` more bytes were never kept.
fn show_cut_line(bytes: &[u8], dropped: usize) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let shown = &bytes[..bytes.len().min(MAX_SHOWN_LINE)];
    let hidden = bytes.len() - shown.len() + dropped;
    if let Some(prefix) = secret_prefix(shown) {
        return format!("{}****", String::from_utf8_lossy(prefix));
    }
    let mut out = String::with_capacity(shown.len());
    for &byte in shown {
        match byte {
            b' '..=b'~' => out.push(byte as char),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    if hidden > 0 {
        out.push_str(&format!("... ({hidden} more bytes)"));
    }
    out
}

/// The commands whose argument is a secret: `PASS` (FTP, POP3) and
/// `AUTH PLAIN` (SMTP, whose argument is the base64 of the password).
/// Returns the part of the line that may be shown.
fn secret_prefix(line: &[u8]) -> Option<&[u8]> {
    const SECRET_COMMANDS: [&[u8]; 3] = [b"PASS ", b"AUTH PLAIN ", b"AUTH LOGIN "];
    SECRET_COMMANDS
        .iter()
        .find(|command| {
            line.len() > command.len() && line[..command.len()].eq_ignore_ascii_case(command)
        })
        .map(|command| &line[..command.len()])
}

/// The bytes of one direction that have not yet made a whole line.
#[derive(Default)]
struct LineBuffer {
    /// The start of the current line, at most [`MAX_SHOWN_LINE`] + 1 bytes
    /// (one more than is shown, so that a cut line still knows it was cut).
    kept: Vec<u8>,
    /// Bytes of the current line that were not kept.
    dropped: usize,
    /// The current line is a secret: show `****` instead.
    hide_next: bool,
}

impl LineBuffer {
    /// Adds `bytes`, and hands every line they complete to `emit`, with
    /// the number of bytes dropped from it (`None` for a secret line).
    fn push(&mut self, bytes: &[u8], mut emit: impl FnMut(&[u8], Option<usize>)) {
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            let (body, complete) = match piece.strip_suffix(b"\n") {
                Some(body) => (body, true),
                None => (piece, false),
            };
            let room = (MAX_SHOWN_LINE + 1).saturating_sub(self.kept.len());
            let keep = body.len().min(room);
            self.kept.extend_from_slice(&body[..keep]);
            self.dropped += body.len() - keep;
            if complete {
                self.emit_line(&mut emit);
            }
        }
    }

    /// Hands over a last line that never got its line ending.
    fn finish(&mut self, mut emit: impl FnMut(&[u8], Option<usize>)) {
        if !self.kept.is_empty() || self.dropped > 0 {
            self.emit_line(&mut emit);
        }
    }

    /// Hands the current line to `emit` and starts the next one.
    fn emit_line(&mut self, emit: &mut impl FnMut(&[u8], Option<usize>)) {
        let dropped = match std::mem::take(&mut self.hide_next) {
            true => None,
            false => Some(self.dropped),
        };
        emit(&self.kept, dropped);
        self.kept.clear();
        self.dropped = 0;
    }
}

/// A stream whose traffic is copied into a [`Transcript`], line by line.
///
/// Made by [`Transcript::tee`]. It implements `Read` and `Write` by passing
/// every call to the wrapped stream, so the protocol code does not know it
/// is being watched.
pub struct Tee<S> {
    inner: S,
    transcript: Transcript,
    side: Side,
    sent: LineBuffer,
    received: LineBuffer,
}

impl<S> Tee<S> {
    /// Shows the next line that `side` sends as `****`, whole.
    ///
    /// For a secret that travels on a line of its own, with no command in
    /// front to tell [`show_line`] what it is: after `AUTH LOGIN`, or
    /// `AUTH PLAIN` with no initial response, the client sends its user
    /// name and password as lines of base64, each in answer to a `334`
    /// prompt (RFC 4954 §4). A client calls this before it writes the
    /// secret; a server, before it sends the `334` (the client cannot send
    /// the answer before it has the prompt). Only the one line is hidden.
    pub fn hide_next(&mut self, side: Side) {
        match side == self.side {
            true => self.sent.hide_next = true,
            false => self.received.hide_next = true,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped stream, mutably (to set a timeout, or shut it down).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Shows the bytes of each direction that have not made a whole line
    /// yet, each as a line of its own. For protocols whose messages need
    /// not end with a line break (an HTTP body): call it at the end of a
    /// message, so that the next one starts on a new line.
    pub fn finish_lines(&mut self) {
        if self.transcript.silent {
            return;
        }
        let mut sent = std::mem::take(&mut self.sent);
        sent.finish(|line, dropped| self.record(self.side, line, dropped));
        let mut received = std::mem::take(&mut self.received);
        received.finish(|line, dropped| self.record(self.side.peer(), line, dropped));
        // A secret announced for a line not yet begun stays announced.
        self.sent = sent;
        self.received = received;
    }

    /// Writes one line of `side` to the transcript; `dropped` is `None`
    /// for a secret.
    fn record(&self, side: Side, line: &[u8], dropped: Option<usize>) {
        let shown = match dropped {
            Some(dropped) => show_cut_line(line, dropped),
            None => "****".to_string(),
        };
        self.transcript
            .write_line(&format!("{} {}", side.label(), shown));
    }
}

impl<S: Read> Read for Tee<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.transcript.silent {
            return Ok(n);
        }
        let side = self.side.peer();
        let mut received = std::mem::take(&mut self.received);
        if n == 0 {
            received.finish(|line, dropped| self.record(side, line, dropped));
        } else {
            received.push(&buf[..n], |line, dropped| self.record(side, line, dropped));
        }
        self.received = received;
        Ok(n)
    }
}

impl<S: Write> Write for Tee<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.transcript.silent {
            return Ok(n);
        }
        let side = self.side;
        let mut sent = std::mem::take(&mut self.sent);
        sent.push(&buf[..n], |line, dropped| self.record(side, line, dropped));
        self.sent = sent;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S> Drop for Tee<S> {
    fn drop(&mut self) {
        self.finish_lines();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_labelled_by_who_sent_them() {
        let transcript = Transcript::memory();
        let peer = FakePeer {
            script: io::Cursor::new(b"hello\r\n".to_vec()),
        };
        let mut tee = transcript.tee(peer, Side::Client);
        tee.write_all(b"hello\r\n").unwrap();
        let mut reply = String::new();
        tee.read_to_string(&mut reply).unwrap();
        assert_eq!(transcript.contents(), "C: hello\nS: hello\n");
    }

    #[test]
    fn a_line_split_across_reads_is_shown_once() {
        let transcript = Transcript::memory();
        let mut tee = transcript.tee(OneByteAtATime(b"220 ready\r\n".to_vec()), Side::Client);
        let mut all = Vec::new();
        tee.read_to_end(&mut all).unwrap();
        assert_eq!(transcript.contents(), "S: 220 ready\n");
    }

    #[test]
    fn passwords_are_hidden() {
        // Case-insensitive, as the commands themselves are (RFC 959 §5.3).
        let table: [(&[u8], &str); 4] = [
            (b"PASS hunter2", "PASS ****"),
            (b"pass hunter2", "pass ****"),
            (b"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN ****"),
            (b"USER alice", "USER alice"),
        ];
        for (line, shown) in table {
            assert_eq!(show_line(line), shown);
        }
    }

    #[test]
    fn a_line_marked_secret_is_hidden_whole() {
        // RFC 4954 §4: after `AUTH LOGIN` the secrets come on lines of
        // their own, each after a 334 prompt, with no command to show
        // that they are secret.
        let transcript = Transcript::memory();
        let peer = FakePeer {
            script: io::Cursor::new(b"334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n".to_vec()),
        };
        let mut tee = transcript.tee(peer, Side::Client);
        let mut prompt = [0; 18];
        tee.write_all(b"AUTH LOGIN\r\n").unwrap();
        tee.read_exact(&mut prompt).unwrap();
        tee.hide_next(Side::Client);
        tee.write_all(b"YWxpY2U=\r\n").unwrap();
        tee.read_exact(&mut prompt).unwrap();
        tee.hide_next(Side::Client);
        tee.write_all(b"c2Vj").unwrap();
        tee.write_all(b"cmV0\r\n").unwrap();
        tee.write_all(b"NOOP\r\n").unwrap();
        assert_eq!(
            transcript.contents(),
            "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: ****\nS: 334 UGFzc3dvcmQ6\nC: ****\nC: NOOP\n"
        );
    }

    #[test]
    fn a_secret_line_read_by_a_server_is_hidden() {
        let transcript = Transcript::memory();
        let peer = FakePeer {
            script: io::Cursor::new(b"AGFsaWNlAHNlY3JldA==\r\nQUIT\r\n".to_vec()),
        };
        let mut tee = transcript.tee(peer, Side::Server);
        tee.hide_next(Side::Client);
        tee.read_to_end(&mut Vec::new()).unwrap();
        assert_eq!(transcript.contents(), "C: ****\nC: QUIT\n");
    }

    #[test]
    fn unprintable_bytes_are_escaped() {
        assert_eq!(
            show_line(b"\x00\x00\x00\x05hello\r"),
            "\\x00\\x00\\x00\\x05hello"
        );
        assert_eq!(show_line(b"caf\xc3\xa9"), "caf\\xc3\\xa9");
    }

    #[test]
    fn a_long_line_is_cut_and_counted() {
        let transcript = Transcript::memory();
        let mut tee = transcript.tee(io::sink(), Side::Client);
        let line = vec![b'a'; 1_000_000];
        tee.write_all(&line).unwrap();
        tee.write_all(b"\n").unwrap();
        let shown = transcript.contents();
        assert!(shown.starts_with(&format!("C: {}...", "a".repeat(MAX_SHOWN_LINE))));
        assert!(shown.ends_with("... (999800 more bytes)\n"), "{shown}");
    }

    #[test]
    fn an_unfinished_line_is_shown_when_the_stream_is_dropped() {
        let transcript = Transcript::memory();
        let mut tee = transcript.tee(io::sink(), Side::Server);
        tee.write_all(b"no newline").unwrap();
        drop(tee);
        assert_eq!(transcript.contents(), "S: no newline\n");
    }

    #[test]
    fn a_silent_transcript_formats_nothing() {
        // A load run sends thousands of requests a second through a silent
        // transcript: it must not pay for text that nobody will read.
        let formatted = std::cell::Cell::new(0);
        let transcript = Transcript::silent();
        transcript.note(CountsFormatting(&formatted));
        transcript.say(CountsFormatting(&formatted));
        assert_eq!(formatted.get(), 0);
    }

    #[test]
    fn a_silent_tee_keeps_no_bytes_of_the_wire() {
        let transcript = Transcript::silent();
        let peer = FakePeer {
            script: io::Cursor::new(b"HTTP/1.1 200 OK".to_vec()),
        };
        let mut tee = transcript.tee(peer, Side::Client);
        tee.write_all(b"GET / HTTP/1.1").unwrap();
        tee.read_exact(&mut [0; 4]).unwrap();
        assert!(tee.sent.kept.is_empty() && tee.received.kept.is_empty());
    }

    /// Counts how often it is formatted.
    struct CountsFormatting<'a>(&'a std::cell::Cell<usize>);

    impl fmt::Display for CountsFormatting<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.set(self.0.get() + 1);
            f.write_str("text")
        }
    }

    #[test]
    fn notes_are_indented() {
        let transcript = Transcript::memory();
        transcript.note("the server echoes");
        assert_eq!(transcript.contents(), "   the server echoes\n");
    }

    /// A peer that answers from a script and ignores what it is sent.
    struct FakePeer {
        script: io::Cursor<Vec<u8>>,
    }

    impl Read for FakePeer {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.script.read(buf)
        }
    }

    impl Write for FakePeer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A reader that returns one byte per call, as a slow network may.
    struct OneByteAtATime(Vec<u8>);

    impl Read for OneByteAtATime {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0.remove(0);
            Ok(1)
        }
    }

    #[test]
    fn text_from_a_peer_keeps_its_letters_and_loses_its_escapes() {
        assert_eq!(printable("550 caf\u{e9} gone"), "550 caf\u{e9} gone");
        assert_eq!(printable("550 \x1b[2Jgone"), "550 \\u{1b}[2Jgone");
        assert_eq!(printable("a\tb\r\n"), "a\\tb\\r\\n");
    }
}

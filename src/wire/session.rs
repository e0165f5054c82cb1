//! The server side of a line protocol: a pure session, and a thin loop
//! that feeds it lines.
//!
//! FTP, SMTP and POP3 servers all have order rules: no `RCPT` before
//! `MAIL`, no `RETR` before `PASS`, no mailbox change before `QUIT`. Tested
//! over sockets, each rule needs a server, a client and a conversation;
//! tested on a value, it needs two lines. So each protocol's server is
//! split in two, as the h11 library splits HTTP:
//!
//! - a **session**, a plain value that implements [`Session`]: it holds the
//!   state, named as its RFC names it (POP3's `AUTHORIZATION`,
//!   `TRANSACTION` and `UPDATE`, RFC 1939 §3), takes one command line and
//!   the time, and answers with the bytes to send and what to do next. It
//!   does no I/O at all: a test shoves a line in and checks the bytes that
//!   come out.
//! - [`drive`], the loop that moves bytes: it sends the greeting, reads
//!   lines with the shared [`LineReader`] (so every protocol gets the same
//!   length limit), hands each to the session, writes what comes back, and
//!   stops when the session says so or the peer goes away.
//!
//! ```text
//!   socket ──bytes──> LineReader ──line──> Session::on_line(line, now)
//!      ^                                          │
//!      └──────────── write ◄──── Output { send, next } ┘
//! ```
//!
//! Three things the loop cannot decide, because each protocol answers them
//! in its own words, are events for the session too: a line too long (or
//! ended by a bare LF where CR LF is required) is
//! [`on_bad_line`](Session::on_bad_line), so the session can say `500 Line
//! too long` and read on; a peer silent for longer than the read timeout
//! of the socket is [`on_timeout`](Session::on_timeout), so the session
//! can say `421` and close.
//!
//! Some commands need I/O that is the protocol's own: SMTP reads the
//! message after `354` and stores it, FTP opens a data connection, POP3
//! reads a message file to send it and deletes files at `QUIT`. The session
//! asks for it with [`Next::Act`] and a value of its own
//! [`Action`](Session::Action) type; `drive` hands that to a closure the
//! protocol supplies, which does the I/O on the same connection and tells
//! the session how it went. A session that needs none sets
//! `type Action = std::convert::Infallible`.
//!
//! The time comes in as an argument, so that rules about time (an idle
//! limit, a delay after a failed password) are tested without waiting.

use super::line::{Endings, LineError, LineReader, ReadLineError};
use std::io::{self, Read, Write};
use std::time::Instant;

/// What the loop does once it has sent a session's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<A> {
    /// Read the next command line.
    Read,
    /// Close the connection (after `QUIT`, or a `421`).
    Close,
    /// Do the protocol's own I/O (see the module docs).
    Act(A),
}

/// A session's answer to one event: bytes to send, then what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output<A> {
    /// The bytes to send, reply lines ended by CR LF. May be empty.
    pub send: Vec<u8>,
    /// What to do once they are sent.
    pub next: Next<A>,
}

impl<A> Output<A> {
    /// Sends `reply` and a CR LF (a multi-line reply holds CR LF between
    /// its lines, as [`Reply`](super::reply::Reply)'s `Display` does), then
    /// reads the next command.
    pub fn reply(reply: impl std::fmt::Display) -> Output<A> {
        Output {
            send: format!("{reply}\r\n").into_bytes(),
            next: Next::Read,
        }
    }

    /// Sends `reply` and a CR LF, then closes the connection.
    pub fn close(reply: impl std::fmt::Display) -> Output<A> {
        Output::reply(reply).then(Next::Close)
    }

    /// The same bytes, followed by `next`.
    pub fn then(self, next: Next<A>) -> Output<A> {
        Output { next, ..self }
    }
}

/// One connection's state machine of a line protocol server.
pub trait Session {
    /// The protocol's own I/O that the session may ask for.
    type Action;

    /// What to send when the connection opens (`220 ready`, `+OK ready`).
    fn greeting(&mut self, now: Instant) -> Output<Self::Action>;

    /// One command line from the client, without its line ending.
    fn on_line(&mut self, line: &[u8], now: Instant) -> Output<Self::Action>;

    /// A line the reader refused (too long, or a bare LF where CR LF is
    /// required). The reader has skipped it: the next line is readable.
    fn on_bad_line(&mut self, error: LineError, now: Instant) -> Output<Self::Action>;

    /// The client sent nothing for as long as the socket's read timeout.
    fn on_timeout(&mut self, now: Instant) -> Output<Self::Action>;
}

/// The limits of the lines `drive` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest command line, without its ending (SMTP: 510 bytes,
    /// RFC 5321 §4.5.3.1.4; POP3: 253, RFC 2449 §4).
    pub max_line_len: usize,
    /// Which line endings to accept (SMTP: CR LF only).
    pub endings: Endings,
}

/// How a driven connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The session said [`Next::Close`].
    BySession,
    /// The client closed the connection (between lines or in the middle of one).
    ByPeer,
}

// ANCHOR: drive
/// Runs `session` over `stream` until the session closes it or the client
/// goes away. `act` does the session's [`Next::Act`] requests: it gets the
/// session, the action and the line reader (a `BufRead` over the stream,
/// which `get_mut` turns into the writer), and returns the output that
/// follows. An error of the stream, or of `act`, ends the loop with it.
pub fn drive<S, T, F>(session: &mut S, stream: T, limits: Limits, mut act: F) -> io::Result<Ended>
where
    S: Session,
    T: Read + Write,
    F: FnMut(&mut S, S::Action, &mut LineReader<T>) -> io::Result<Output<S::Action>>,
{
    let mut lines = LineReader::new(stream, limits.max_line_len, limits.endings);
    let mut output = session.greeting(Instant::now());
    loop {
        if !output.send.is_empty() {
            lines.get_mut().write_all(&output.send)?;
            lines.get_mut().flush()?;
        }
        output = match output.next {
            Next::Close => return Ok(Ended::BySession),
            Next::Act(action) => act(session, action, &mut lines)?,
            Next::Read => match lines.read_line() {
                Ok(Some(line)) => session.on_line(line, Instant::now()),
                Ok(None) | Err(ReadLineError::Truncated) => return Ok(Ended::ByPeer),
                Err(ReadLineError::Line(error)) => session.on_bad_line(error, Instant::now()),
                // A socket's read timeout shows as WouldBlock on Unix and
                // TimedOut on Windows.
                Err(ReadLineError::Io(error))
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    session.on_timeout(Instant::now())
                }
                Err(ReadLineError::Io(error)) => return Err(error),
            },
        };
    }
}
// ANCHOR_END: drive

#[cfg(test)]
mod tests {
    //! A tiny session to show the pattern: a client must say `HELLO name`
    //! before anything else; `SAY text` is answered with the text and the
    //! name; `WAIT` asks the loop for an action (here, writing a line of
    //! its own); `QUIT` ends it.

    use super::*;
    use crate::wire::testing::Script;
    use std::convert::Infallible;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    use std::thread;
    use std::time::Duration;

    /// The states, named as a protocol's RFC would name them.
    #[derive(Debug, PartialEq, Eq)]
    enum State {
        /// Before `HELLO`.
        Greeting,
        /// After `HELLO`: the name is known.
        Ready { name: String },
    }

    struct Hello {
        state: State,
    }

    impl Hello {
        fn new() -> Hello {
            Hello {
                state: State::Greeting,
            }
        }
    }

    /// The example's one action.
    #[derive(Debug, PartialEq, Eq)]
    struct Wait;

    impl Session for Hello {
        type Action = Wait;

        fn greeting(&mut self, _now: Instant) -> Output<Wait> {
            Output::reply("220 hello server ready")
        }

        fn on_line(&mut self, line: &[u8], _now: Instant) -> Output<Wait> {
            let line = String::from_utf8_lossy(line);
            let (verb, argument) = line.split_once(' ').unwrap_or((&line, ""));
            match (&self.state, verb.to_ascii_uppercase().as_str()) {
                (_, "QUIT") => Output::close("221 bye"),
                (State::Greeting, "HELLO") if !argument.is_empty() => {
                    self.state = State::Ready {
                        name: argument.to_string(),
                    };
                    Output::reply(format!("250 hello {argument}"))
                }
                (State::Greeting, _) => Output::reply("503 say HELLO first"),
                (State::Ready { name }, "SAY") => {
                    Output::reply(format!("250 {name} says {argument}"))
                }
                (State::Ready { .. }, "WAIT") => Output::reply("150 wait").then(Next::Act(Wait)),
                (State::Ready { .. }, _) => Output::reply("500 unknown command"),
            }
        }

        fn on_bad_line(&mut self, error: LineError, _now: Instant) -> Output<Wait> {
            Output::reply(format!("500 {error}"))
        }

        fn on_timeout(&mut self, _now: Instant) -> Output<Wait> {
            Output::close("421 idle for too long")
        }
    }

    /// The bytes a line makes the session send.
    fn sent(session: &mut Hello, line: &str) -> String {
        String::from_utf8(session.on_line(line.as_bytes(), Instant::now()).send).unwrap()
    }

    #[test]
    fn order_rules_are_tested_without_a_socket() {
        let mut session = Hello::new();
        assert_eq!(sent(&mut session, "SAY hi"), "503 say HELLO first\r\n");
        assert_eq!(sent(&mut session, "HELLO alice"), "250 hello alice\r\n");
        assert_eq!(
            session.state,
            State::Ready {
                name: "alice".into()
            }
        );
        assert_eq!(sent(&mut session, "SAY hi"), "250 alice says hi\r\n");
        assert_eq!(
            session.on_line(b"QUIT", Instant::now()),
            Output::close("221 bye")
        );
    }

    /// Runs the example session over `stream`; its action writes a line.
    fn run<T: Read + Write>(stream: T, max_line_len: usize) -> io::Result<Ended> {
        let limits = Limits {
            max_line_len,
            endings: Endings::Crlf,
        };
        drive(
            &mut Hello::new(),
            stream,
            limits,
            |_session, Wait, lines| {
                lines.get_mut().write_all(b"(the action's own bytes)\r\n")?;
                Ok(Output::reply("250 waited"))
            },
        )
    }

    #[test]
    fn drive_sends_the_greeting_then_one_output_per_line() {
        let mut stream = Script::new(b"HELLO bob\r\nSAY hi\r\nWAIT\r\nQUIT\r\nSAY ignored\r\n");
        assert_eq!(run(&mut stream, 64).unwrap(), Ended::BySession);
        assert_eq!(
            stream.written(),
            "220 hello server ready\r\n\
             250 hello bob\r\n\
             250 bob says hi\r\n\
             150 wait\r\n\
             (the action's own bytes)\r\n\
             250 waited\r\n\
             221 bye\r\n"
        );
    }

    #[test]
    fn a_bad_line_is_answered_and_the_next_one_read() {
        let mut input = b"HELLO bob\r\nSAY ".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100_000));
        input.extend_from_slice(b"\r\nSAY bare\nSAY ok\r\n");
        let mut stream = Script::new(&input);
        assert_eq!(run(&mut stream, 64).unwrap(), Ended::ByPeer);
        assert_eq!(
            stream.written(),
            "220 hello server ready\r\n\
             250 hello bob\r\n\
             500 line longer than 64 bytes\r\n\
             500 line ended with LF alone; CR LF is required\r\n\
             250 bob says ok\r\n"
        );
    }

    #[test]
    fn a_peer_that_leaves_mid_line_ends_the_loop() {
        let mut stream = Script::new(b"HELLO bob\r\nSAY unfinis");
        assert_eq!(run(&mut stream, 64).unwrap(), Ended::ByPeer);
    }

    /// A loopback server running one `Hello` session, whose read timeout
    /// is `idle`.
    fn serve_one(idle: Duration) -> (TcpStream, thread::JoinHandle<io::Result<Ended>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept()?;
            stream.set_read_timeout(Some(idle))?;
            run(stream, 64)
        });
        (client, server)
    }

    #[test]
    fn a_session_over_a_real_socket() {
        let (client, server) = serve_one(Duration::from_secs(10));
        let mut replies = BufReader::new(client.try_clone().unwrap());
        let mut writer = client;
        writer
            .write_all(b"HELLO carol\r\nSAY hi\r\nQUIT\r\n")
            .unwrap();
        let mut lines = Vec::new();
        for line in replies.by_ref().lines() {
            lines.push(line.unwrap());
        }
        assert_eq!(
            lines,
            [
                "220 hello server ready",
                "250 hello carol",
                "250 carol says hi",
                "221 bye"
            ]
        );
        assert_eq!(server.join().unwrap().unwrap(), Ended::BySession);
    }

    #[test]
    fn an_idle_client_is_told_and_disconnected() {
        let (client, server) = serve_one(Duration::from_millis(50));
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut all = String::new();
        BufReader::new(client).read_to_string(&mut all).unwrap();
        assert_eq!(all, "220 hello server ready\r\n421 idle for too long\r\n");
        assert_eq!(server.join().unwrap().unwrap(), Ended::BySession);
    }

    #[test]
    fn a_session_with_no_actions_uses_infallible() {
        struct Quiet;
        impl Session for Quiet {
            type Action = Infallible;
            fn greeting(&mut self, _now: Instant) -> Output<Infallible> {
                Output::close("421 closed for the night")
            }
            fn on_line(&mut self, _line: &[u8], _now: Instant) -> Output<Infallible> {
                unreachable!("the greeting closed the connection")
            }
            fn on_bad_line(&mut self, _error: LineError, _now: Instant) -> Output<Infallible> {
                unreachable!("the greeting closed the connection")
            }
            fn on_timeout(&mut self, _now: Instant) -> Output<Infallible> {
                unreachable!("the greeting closed the connection")
            }
        }
        let limits = Limits {
            max_line_len: 64,
            endings: Endings::CrlfOrLf,
        };
        let mut stream = Script::new(b"HELLO\r\n");
        let ended = drive(
            &mut Quiet,
            &mut stream,
            limits,
            |_, action, _| match action {},
        );
        assert_eq!(ended.unwrap(), Ended::BySession);
        assert_eq!(stream.written(), "421 closed for the night\r\n");
    }
}

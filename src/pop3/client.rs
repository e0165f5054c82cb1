//! A POP3 client: log in, list the maildrop, fetch and delete messages.
//!
//! ```text
//! S: +OK POP3 server ready
//! C: USER alice
//! S: +OK send your password
//! C: PASS ****                     (the transcript hides it)
//! S: +OK maildrop has 2 messages (320 octets)
//! C: UIDL                          which messages are these?
//! S: +OK
//! S: 1 1733050000.M1P100Q1.host
//! S: 2 1733050001.M2P100Q2.host
//! S: .
//! C: RETR 1
//! S: +OK 120 octets
//! S: (the message, dot-stuffed)
//! S: .
//! C: DELE 1                        marked; removed only at QUIT
//! S: +OK message 1 deleted
//! C: QUIT
//! S: +OK goodbye
//! ```
//!
//! Commands go out through the crate's [`CommandConn`], which refuses CR,
//! LF and NUL in an argument before anything is sent; status lines are
//! read with [`super::response`], and every multi-line answer with a
//! [`DotReader`] under a limit, so a server can make the client fail but
//! not fill its memory or hang it (every read has [`Options::timeout`]).
//!
//! A message is handed out as it travels: lines ended by CR LF, the
//! stuffing removed. Deleting is the caller's decision, and it should take
//! it only once what it fetched is safe: `DELE` then `QUIT` is the point of
//! no return, and a connection that breaks before `QUIT` deletes nothing.

use super::command::MessageNumber;
use super::response::{
    parse_drop_listing, parse_scan_line, parse_status, parse_uid_line, Status, MAX_STATUS_LINE_LEN,
};
use crate::transcript::{printable, Side, Tee, Transcript};
use crate::wire::command::{CommandConn, CommandError};
use crate::wire::dot::{DotReader, EndOfData};
use crate::wire::line::ReadLineError;
use crate::wire::reply::Style;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long a connect, or any one read or write, may wait: as the FTP
/// client's.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most bytes of a `LIST`, `UIDL` or `CAPA` answer kept: 16 MiB, room
/// for about a million messages' lines.
pub const MAX_LISTING_LEN: u64 = 16 * 1024 * 1024;

/// The largest message [`Pop3Client::retr`] hands out by default: 64 MiB,
/// more than any mail system sends (most refuse at 25 to 50 MB).
pub const DEFAULT_MAX_MESSAGE_LEN: u64 = 64 * 1024 * 1024;

/// How a [`Pop3Client`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest wait for the connection, or for any one read or write.
    pub timeout: Duration,
    /// The largest message to accept.
    pub max_message_len: u64,
    /// Where the conversation is shown, as `C:` and `S:` lines.
    pub transcript: Transcript,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: DEFAULT_TIMEOUT,
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            transcript: Transcript::silent(),
        }
    }
}

/// What went wrong, in words for the person who ran the client.
#[derive(Debug)]
pub enum Pop3Error {
    /// The connection could not be opened.
    Connect {
        /// The address asked for.
        to: String,
        /// Why.
        error: io::Error,
    },
    /// The server said `-ERR`: it understood and refused. The connection
    /// is still usable.
    Refused {
        /// The command refused (a password shown as `****`).
        command: String,
        /// The server's status line.
        status: Status,
    },
    /// The server sent something that is not POP3: nothing more it says
    /// can be trusted.
    Protocol(String),
    /// The server closed the connection.
    Closed,
    /// A read or write waited longer than the timeout.
    Timeout(Duration),
    /// The connection failed.
    Io(io::Error),
    /// A message larger than [`Options::max_message_len`], or a listing
    /// larger than [`MAX_LISTING_LEN`]. The client stops reading at the
    /// limit, so the connection is left in the middle of the answer: drop
    /// the client and connect again.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The caller asked for something that cannot be sent (an argument
    /// with CR, LF or NUL). Nothing was sent.
    Usage(String),
    /// Writing what was fetched failed.
    Local(io::Error),
}

impl fmt::Display for Pop3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pop3Error::Connect { to, error } => {
                write!(
                    f,
                    "could not connect to {to}: {error} (is a POP3 server listening there?)"
                )
            }
            // The status line's words are the server's: shown escaped.
            Pop3Error::Refused { command, status } => {
                write!(
                    f,
                    "the server refused {command}: {}",
                    printable(&status.to_string())
                )
            }
            Pop3Error::Protocol(what) => write!(f, "the server does not speak POP3: {what}"),
            Pop3Error::Closed => f.write_str("the server closed the connection"),
            Pop3Error::Timeout(timeout) => {
                write!(f, "the server sent nothing for {} s", timeout.as_secs())
            }
            Pop3Error::Io(error) => write!(f, "the connection failed: {error}"),
            Pop3Error::TooLarge { limit } => {
                write!(f, "the message is larger than the limit of {limit} bytes")
            }
            Pop3Error::Usage(what) => f.write_str(what),
            Pop3Error::Local(error) => write!(f, "could not keep the message: {error}"),
        }
    }
}

impl std::error::Error for Pop3Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Pop3Error::Connect { error, .. } | Pop3Error::Io(error) | Pop3Error::Local(error) => {
                Some(error)
            }
            _ => None,
        }
    }
}

/// A client's session with a POP3 server.
pub struct Pop3Client<S: Read + Write> {
    conn: CommandConn<Tee<S>>,
    options: Options,
}

impl<S: Read + Write> fmt::Debug for Pop3Client<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pop3Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Pop3Client<TcpStream> {
    /// Connects to `addr` and reads the greeting.
    pub fn connect(
        addr: impl ToSocketAddrs + fmt::Display,
        options: Options,
    ) -> Result<Pop3Client<TcpStream>, Pop3Error> {
        let to = addr.to_string();
        let stream = crate::tcp::connect(addr, options.timeout)
            .map_err(|error| Pop3Error::Connect { to, error })?;
        Pop3Client::over(stream, options)
    }
}

impl<S: Read + Write> Pop3Client<S> {
    /// Starts a session over a connected stream: reads the greeting.
    pub fn over(stream: S, options: Options) -> Result<Pop3Client<S>, Pop3Error> {
        let tee = options.transcript.tee(stream, Side::Client);
        // The style is for numbered replies, which POP3 has none of; the
        // status lines are read by `status` below.
        let conn = CommandConn::new(tee, Style::Strict);
        let mut client = Pop3Client { conn, options };
        client.status("the greeting")?;
        Ok(client)
    }

    /// Logs in with `USER` and `PASS` (RFC 1939 §7).
    pub fn login(&mut self, user: &str, password: &str) -> Result<Status, Pop3Error> {
        self.command(&format!("USER {user}"))?;
        self.command(&format!("PASS {password}"))
    }

    /// `CAPA` (RFC 2449 §5): what the server can do, one capability a line.
    pub fn capa(&mut self) -> Result<Vec<String>, Pop3Error> {
        self.command("CAPA")?;
        self.listing()
    }

    /// `STAT`: how many messages, and their octets.
    pub fn stat(&mut self) -> Result<(u32, u64), Pop3Error> {
        let status = self.command("STAT")?;
        let (count, size) = parse_drop_listing(&status.text)
            .map_err(|_| Pop3Error::Protocol(format!("STAT answered {status}")))?;
        Ok((count, size))
    }

    /// `LIST`: each message's number and size.
    pub fn list(&mut self) -> Result<Vec<(MessageNumber, u64)>, Pop3Error> {
        self.command("LIST")?;
        self.listing()?
            .iter()
            .map(|line| {
                parse_scan_line(line)
                    .map_err(|error| Pop3Error::Protocol(format!("{error}: {line:?}")))
            })
            .collect()
    }

    /// `UIDL`: each message's number and unique id.
    pub fn uidl(&mut self) -> Result<Vec<(MessageNumber, String)>, Pop3Error> {
        self.command("UIDL")?;
        self.listing()?
            .iter()
            .map(|line| {
                parse_uid_line(line)
                    .map_err(|error| Pop3Error::Protocol(format!("{error}: {line:?}")))
            })
            .collect()
    }

    /// `RETR n`: the message, written to `out` as it arrives (CR LF line
    /// ends, unstuffed). Returns its length.
    pub fn retr(&mut self, message: MessageNumber, out: impl Write) -> Result<u64, Pop3Error> {
        self.command(&format!("RETR {message}"))?;
        self.message(out)
    }

    /// `TOP n lines`: the header and the first `lines` lines of the body.
    pub fn top(
        &mut self,
        message: MessageNumber,
        lines: u64,
        out: impl Write,
    ) -> Result<u64, Pop3Error> {
        self.command(&format!("TOP {message} {lines}"))?;
        self.message(out)
    }

    /// `DELE n`: marks the message; the server removes it at `QUIT`.
    pub fn dele(&mut self, message: MessageNumber) -> Result<(), Pop3Error> {
        self.command(&format!("DELE {message}")).map(drop)
    }

    /// `RSET`: unmarks every message marked in this session.
    pub fn rset(&mut self) -> Result<(), Pop3Error> {
        self.command("RSET").map(drop)
    }

    /// `NOOP`.
    pub fn noop(&mut self) -> Result<(), Pop3Error> {
        self.command("NOOP").map(drop)
    }

    /// `QUIT`: the server removes the marked messages now (RFC 1939 §6).
    /// A `-ERR` here means some of them are still there.
    pub fn quit(mut self) -> Result<Status, Pop3Error> {
        self.command("QUIT")
    }

    /// Sends `line` and reads its status line; `-ERR` is [`Pop3Error::Refused`].
    fn command(&mut self, line: &str) -> Result<Status, Pop3Error> {
        self.conn
            .send(line)
            .map_err(|error| self.error(line, error))?;
        self.status(line)
    }

    /// Reads a status line, the answer to `after`.
    fn status(&mut self, after: &str) -> Result<Status, Pop3Error> {
        let line = match self.conn.lines().read_line() {
            Ok(Some(line)) => line,
            Ok(None) | Err(ReadLineError::Truncated) => return Err(Pop3Error::Closed),
            Err(ReadLineError::Line(error)) => return Err(Pop3Error::Protocol(error.to_string())),
            Err(ReadLineError::Io(error)) => return Err(self.io_error(error)),
        };
        if line.len() > MAX_STATUS_LINE_LEN {
            return Err(Pop3Error::Protocol(format!(
                "a status line of {} bytes, more than {MAX_STATUS_LINE_LEN}",
                line.len()
            )));
        }
        let status = parse_status(line).map_err(|error| {
            Pop3Error::Protocol(format!("{error}: {:?}", String::from_utf8_lossy(line)))
        })?;
        match status.positive {
            true => Ok(status),
            false => Err(Pop3Error::Refused {
                command: shown(after),
                status,
            }),
        }
    }

    /// The lines of a multi-line answer, after its `+OK`.
    fn listing(&mut self) -> Result<Vec<String>, Pop3Error> {
        let mut bytes = Vec::new();
        self.dotted(&mut bytes, MAX_LISTING_LEN)?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(text.lines().map(String::from).collect())
    }

    // ANCHOR: message
    /// A message, after its `+OK`, copied to `out`.
    fn message(&mut self, out: impl Write) -> Result<u64, Pop3Error> {
        self.dotted(out, self.options.max_message_len)
    }

    /// Copies a dot-stuffed answer to `out`, up to `limit` bytes.
    ///
    /// Past the limit it stops at once with [`Pop3Error::TooLarge`]: the
    /// rest is not read, because a server that sends without end would
    /// keep the client reading for ever. The connection is then in the
    /// middle of an answer, and of no more use.
    fn dotted(&mut self, mut out: impl Write, limit: u64) -> Result<u64, Pop3Error> {
        // A client may take a bare LF for a line end (EndOfData::Lenient):
        // what follows the end is the server's next answer, not commands
        // from a stranger, so no smuggling can come of it.
        let mut reader = DotReader::with_end(self.conn.lines(), EndOfData::Lenient);
        let mut buffer = vec![0; 64 * 1024];
        let mut total: u64 = 0;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.read_error(error)),
            };
            let room = usize::try_from(limit - total).unwrap_or(usize::MAX);
            if n > room {
                out.write_all(&buffer[..room]).map_err(Pop3Error::Local)?;
                return Err(Pop3Error::TooLarge { limit });
            }
            out.write_all(&buffer[..n]).map_err(Pop3Error::Local)?;
            total += n as u64;
        }
        out.flush().map_err(Pop3Error::Local)?;
        Ok(total)
    }
    // ANCHOR_END: message

    /// An error from reading a message through the [`DotReader`]'s `Read`.
    fn read_error(&self, error: io::Error) -> Pop3Error {
        match error.kind() {
            io::ErrorKind::UnexpectedEof => Pop3Error::Closed,
            _ => self.io_error(error),
        }
    }

    fn io_error(&self, error: io::Error) -> Pop3Error {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                Pop3Error::Timeout(self.options.timeout)
            }
            _ => Pop3Error::Io(error),
        }
    }

    fn error(&self, line: &str, error: CommandError) -> Pop3Error {
        match error {
            CommandError::ForbiddenByte { .. } => {
                let verb = line.split(' ').next().unwrap_or_default();
                Pop3Error::Usage(format!("{verb}: {error}"))
            }
            CommandError::Io(error) => self.io_error(error),
            CommandError::Closed => Pop3Error::Closed,
            other => Pop3Error::Protocol(other.to_string()),
        }
    }
}

/// A command as shown in an error: a password as `****`.
fn shown(line: &str) -> String {
    match line.get(..5) {
        Some(verb) if verb.eq_ignore_ascii_case("PASS ") => "PASS ****".to_string(),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing::Script;

    fn client(server: &str) -> Pop3Client<Script> {
        let script = Script::new(server.as_bytes());
        Pop3Client::over(script, Options::default()).unwrap()
    }

    fn sent(client: &Pop3Client<Script>) -> String {
        client.conn.get_ref().get_ref().written()
    }

    #[test]
    fn a_session_sends_exactly_these_bytes() {
        let server = "+OK ready\r\n\
                      +OK send your password\r\n\
                      +OK maildrop has 2 messages (320 octets)\r\n\
                      +OK 2 320\r\n\
                      +OK\r\n1 120\r\n2 200\r\n.\r\n\
                      +OK\r\n1 abc\r\n2 def\r\n.\r\n\
                      +OK 12 octets\r\nSubject: x\r\n\r\n..dot\r\n.\r\n\
                      +OK message 1 deleted\r\n\
                      +OK goodbye\r\n";
        let mut client = client(server);
        client.login("alice", "secret").unwrap();
        assert_eq!(client.stat().unwrap(), (2, 320));
        assert_eq!(client.list().unwrap(), [(1, 120), (2, 200)]);
        assert_eq!(
            client.uidl().unwrap(),
            [(1, "abc".into()), (2, "def".into())]
        );
        let mut message = Vec::new();
        assert_eq!(client.retr(1, &mut message).unwrap(), 20);
        assert_eq!(message, b"Subject: x\r\n\r\n.dot\r\n");
        client.dele(1).unwrap();
        let written = {
            let text = sent(&client);
            client.quit().unwrap();
            text
        };
        assert_eq!(
            written,
            "USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nDELE 1\r\n"
        );
    }

    #[test]
    fn a_refusal_keeps_its_code_and_hides_the_password() {
        let mut client =
            client("+OK ready\r\n+OK\r\n-ERR [AUTH] invalid user name or password\r\n");
        let error = client.login("alice", "wrong").unwrap_err();
        let Pop3Error::Refused { command, status } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(command, "PASS ****");
        assert_eq!(status.code.as_deref(), Some("AUTH"));
        assert_eq!(
            error.to_string(),
            "the server refused PASS ****: -ERR [AUTH] invalid user name or password"
        );
    }

    #[test]
    fn a_refusal_shows_the_servers_words_without_their_escapes() {
        let mut client = client("+OK ready\r\n-ERR \x1b]0;owned\x07 no\r\n");
        let error = client.dele(1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused DELE 1: -ERR \\u{1b}]0;owned\\u{7} no"
        );
    }

    #[test]
    fn garbage_is_a_protocol_error_not_a_refusal() {
        let script = Script::new(b"220 smtp.example.com ESMTP\r\n");
        let error = Pop3Client::over(script, Options::default()).unwrap_err();
        assert!(matches!(error, Pop3Error::Protocol(_)), "{error:?}");
    }

    #[test]
    fn a_message_cut_off_is_an_error_not_a_short_message() {
        let mut client = client("+OK ready\r\n+OK 100 octets\r\nSubject: x\r\n\r\nhalf of it");
        let error = client.retr(1, Vec::new()).unwrap_err();
        assert!(matches!(error, Pop3Error::Closed), "{error:?}");
    }

    #[test]
    fn a_message_over_the_limit_is_refused() {
        let script = Script::new(b"+OK ready\r\n+OK\r\n0123456789\r\n.\r\n+OK\r\n");
        let options = Options {
            max_message_len: 5,
            ..Options::default()
        };
        let mut client = Pop3Client::over(script, options).unwrap();
        let error = client.retr(1, Vec::new()).unwrap_err();
        assert!(
            matches!(error, Pop3Error::TooLarge { limit: 5 }),
            "{error:?}"
        );
    }

    #[test]
    fn an_argument_with_a_line_break_is_not_sent() {
        let mut client = client("+OK ready\r\n");
        let error = client.login("alice\r\nDELE 1", "x").unwrap_err();
        assert!(matches!(error, Pop3Error::Usage(_)), "{error:?}");
        assert_eq!(sent(&client), "");
    }
}

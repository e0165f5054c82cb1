//! The client's side of FTP and SMTP: send a command, read the reply,
//! check its code.
//!
//! Every exchange of those protocols has one shape: the client sends a
//! line, the server answers with a numbered reply ([`super::reply`]), and
//! the client goes on only if the code is the one it expected:
//!
//! ```text
//! C: MAIL FROM:<alice@example.org>
//! S: 250 OK                          expected 250: go on
//! C: RCPT TO:<nobody@example.com>
//! S: 550 No such user here           expected 250: refused, say why
//! ```
//!
//! [`CommandConn`] does that exchange in one call, as Go's `net/smtp` does
//! with its `cmd` helper. It keeps apart the three ways it can go wrong
//! ([`CommandError`]): the server *refused* (a reply with another code: it
//! understood and said no, and the connection is fine), the server sent
//! *garbage* (not a reply at all: a protocol error, after which nothing it
//! says can be trusted), or the connection itself failed (I/O).
//!
//! # Command injection
//!
//! A command is one line, so a CR or LF inside it ends it early, and what
//! follows is a second command the caller never meant to send: a file
//! named `a\r\nDELE b` turns `RETR` into `RETR a` and `DELE b`. So a
//! command holding CR, LF (or NUL, which some servers take for the end of
//! a string) is refused before any byte of it reaches the wire
//! ([`CommandError::ForbiddenByte`]).
//!
//! # Secrets and transcripts
//!
//! Over a [`Tee`], every line shows in the transcript, and `PASS` or
//! `AUTH PLAIN` with an argument are hidden by the transcript itself. The
//! answers to SMTP's `334` prompts (RFC 4954 §4) carry no command to tell
//! them apart, so they go through [`CommandConn::secret_command`], which
//! marks the line as secret first ([`Tee::hide_next`]).
//!
//! # POP3
//!
//! POP3 answers `+OK text` or `-ERR text` instead of a code (RFC 1939 §3),
//! so it uses [`CommandConn::send`] to write its commands and reads its
//! status lines with its own parser from [`CommandConn::lines`]; a
//! multi-line answer (`RETR`, `LIST`) is dot-stuffed, read with a
//! [`DotReader`](super::dot::DotReader) over the same reader.

use super::line::{Endings, LineError, LineReader, ReadLineError};
use super::reply::{read_reply, ReadReplyError, Reply, ReplyError, Style};
use crate::transcript::{Side, Tee};
use std::fmt;
use std::io::{self, Read, Write};

/// The longest reply line a client reads, without its CR LF. SMTP limits
/// reply lines to 512 bytes (RFC 5321 §4.5.3.1.5), but FTP sets no limit,
/// and its `257 "/path" created` reply quotes a path with every `"` in it
/// doubled (RFC 959 appendix II): twice Linux's longest path (4096 bytes),
/// and room for the code and text around it.
pub const MAX_REPLY_LINE_LEN: usize = 2 * 4096 + 512;

/// Which reply codes mean "done as asked".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this code (`250` after `MAIL FROM`, `354` after `DATA`).
    Code(u16),
    /// Any code of this first digit (`Class(1)`: FTP's `125` or `150`
    /// before a transfer).
    Class(u16),
}

impl Expect {
    /// Whether `code` is what was expected.
    pub fn accepts(self, code: u16) -> bool {
        match self {
            Expect::Code(expected) => code == expected,
            Expect::Class(class) => code / 100 == class,
        }
    }
}

/// Why the peer sent something that is not a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    /// A reply line that is too long, or badly ended.
    Line(LineError),
    /// A line that is not part of a valid reply (no code, a bad separator...).
    Reply(ReplyError),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Line(error) => error.fmt(f),
            ProtocolError::Reply(error) => error.fmt(f),
        }
    }
}

/// What went wrong with a command.
#[derive(Debug)]
pub enum CommandError {
    /// The command holds this byte (CR, LF or NUL), which would end the
    /// line early and smuggle in a command of its own. Nothing was sent.
    ForbiddenByte {
        /// The byte found.
        byte: u8,
    },
    /// The server answered with another code than expected: usually a
    /// 4xx or 5xx, a refusal. The reply says why; the connection is fine.
    Refused(Reply),
    /// The server sent something that is not a reply: the connection
    /// cannot be trusted any more.
    Protocol(ProtocolError),
    /// The server closed the connection before its reply was complete.
    Closed,
    /// The connection failed (a timeout, a reset).
    Io(io::Error),
}

impl CommandError {
    /// The reply, if the server refused.
    pub fn refusal(&self) -> Option<&Reply> {
        match self {
            CommandError::Refused(reply) => Some(reply),
            _ => None,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::ForbiddenByte { byte } => {
                let name = match byte {
                    b'\r' => "CR",
                    b'\n' => "LF",
                    _ => "NUL",
                };
                write!(
                    f,
                    "command holds a {name} byte, which could end its line early: not sent"
                )
            }
            CommandError::Refused(reply) => {
                write!(
                    f,
                    "server refused: {} {}",
                    reply.code,
                    reply.lines.join(" ")
                )
            }
            CommandError::Protocol(error) => write!(f, "protocol error: {error}"),
            CommandError::Closed => f.write_str("server closed the connection"),
            CommandError::Io(error) => write!(f, "connection failed: {error}"),
        }
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for CommandError {
    fn from(error: io::Error) -> CommandError {
        CommandError::Io(error)
    }
}

impl From<ReadReplyError> for CommandError {
    fn from(error: ReadReplyError) -> CommandError {
        match error {
            ReadReplyError::Closed | ReadReplyError::Line(ReadLineError::Truncated) => {
                CommandError::Closed
            }
            ReadReplyError::Line(ReadLineError::Line(error)) => {
                CommandError::Protocol(ProtocolError::Line(error))
            }
            ReadReplyError::Line(ReadLineError::Io(error)) => CommandError::Io(error),
            ReadReplyError::Protocol(error) => CommandError::Protocol(ProtocolError::Reply(error)),
        }
    }
}

// ANCHOR: check_command
/// Refuses a command that holds CR, LF or NUL (see the module docs).
pub fn check_command(command: &[u8]) -> Result<(), CommandError> {
    match command
        .iter()
        .find(|&&byte| matches!(byte, b'\r' | b'\n' | 0))
    {
        Some(&byte) => Err(CommandError::ForbiddenByte { byte }),
        None => Ok(()),
    }
}
// ANCHOR_END: check_command

/// A client's connection to an FTP or SMTP server: commands out, replies in.
#[derive(Debug)]
pub struct CommandConn<S> {
    /// Reads the replies; the stream inside it is where commands go.
    lines: LineReader<S>,
    style: Style,
    /// The command line being sent, reused from one command to the next.
    out: Vec<u8>,
}

impl<S: Read + Write> CommandConn<S> {
    /// A connection over `stream`, whose multi-line replies have the given
    /// [`Style`]: `Strict` for SMTP, `Lenient` for FTP.
    pub fn new(stream: S, style: Style) -> CommandConn<S> {
        CommandConn {
            // A client may forgive a server its bare LFs: unlike a server
            // reading a message, it runs nothing the peer sends.
            lines: LineReader::new(stream, MAX_REPLY_LINE_LEN, Endings::CrlfOrLf),
            style,
            out: Vec::new(),
        }
    }

    // ANCHOR: command
    /// Sends `command` (one line, without its CR LF), reads the reply, and
    /// returns it if its code is the expected one.
    pub fn command(
        &mut self,
        command: impl AsRef<[u8]>,
        expected: Expect,
    ) -> Result<Reply, CommandError> {
        self.send(command)?;
        self.expect(expected)
    }

    /// Reads a reply (the greeting, the end of a transfer) and returns it
    /// if its code is the expected one.
    pub fn expect(&mut self, expected: Expect) -> Result<Reply, CommandError> {
        let reply = self.read_reply()?;
        match expected.accepts(reply.code) {
            true => Ok(reply),
            false => Err(CommandError::Refused(reply)),
        }
    }
    // ANCHOR_END: command

    /// Sends `command` and its CR LF, in one write, without reading a reply.
    pub fn send(&mut self, command: impl AsRef<[u8]>) -> Result<(), CommandError> {
        let command = command.as_ref();
        check_command(command)?;
        self.out.clear();
        self.out.extend_from_slice(command);
        self.out.extend_from_slice(b"\r\n");
        let stream = self.lines.get_mut();
        stream.write_all(&self.out)?;
        stream.flush()?;
        Ok(())
    }

    /// Reads one whole reply, whatever its code.
    pub fn read_reply(&mut self) -> Result<Reply, CommandError> {
        Ok(read_reply(&mut self.lines, self.style)?)
    }

    /// The reader of the replies: for a protocol that reads more than
    /// replies on this connection (a POP3 status line, a dot-stuffed body).
    pub fn lines(&mut self) -> &mut LineReader<S> {
        &mut self.lines
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        self.lines.get_ref()
    }

    /// The stream, mutably (to set a timeout).
    pub fn get_mut(&mut self) -> &mut S {
        self.lines.get_mut()
    }
}

impl<S: Read + Write> CommandConn<Tee<S>> {
    /// Sends a line that is a secret (the answer to a `334` prompt) and
    /// shows it in the transcript as `****`.
    pub fn send_secret(&mut self, line: impl AsRef<[u8]>) -> Result<(), CommandError> {
        check_command(line.as_ref())?;
        self.get_mut().hide_next(Side::Client);
        self.send(line)
    }

    /// [`command`](Self::command) for a line that is a secret.
    pub fn secret_command(
        &mut self,
        line: impl AsRef<[u8]>,
        expected: Expect,
    ) -> Result<Reply, CommandError> {
        self.send_secret(line)?;
        self.expect(expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;
    use crate::wire::testing::Script;

    #[test]
    fn an_smtp_conversation_sends_exactly_these_bytes() {
        let server = "220 mx.example.com ESMTP\r\n\
                      250-mx.example.com\r\n\
                      250-SIZE 1000000\r\n\
                      250 8BITMIME\r\n\
                      250 OK\r\n\
                      550 No such user here\r\n\
                      221 Bye\r\n";
        let mut conn = CommandConn::new(Script::new(server.as_bytes()), Style::Strict);
        let greeting = conn.expect(Expect::Code(220)).unwrap();
        assert_eq!(greeting.text(), "mx.example.com ESMTP");
        let ehlo = conn
            .command("EHLO client.example.org", Expect::Code(250))
            .unwrap();
        assert_eq!(ehlo.lines, ["mx.example.com", "SIZE 1000000", "8BITMIME"]);
        conn.command("MAIL FROM:<alice@example.org>", Expect::Code(250))
            .unwrap();
        let error = conn
            .command("RCPT TO:<nobody@example.com>", Expect::Code(250))
            .unwrap_err();
        assert_eq!(error.to_string(), "server refused: 550 No such user here");
        assert_eq!(error.refusal().map(|reply| reply.code), Some(550));
        // A refusal leaves the connection usable.
        conn.command("QUIT", Expect::Code(221)).unwrap();
        assert_eq!(
            conn.get_ref().written(),
            "EHLO client.example.org\r\n\
             MAIL FROM:<alice@example.org>\r\n\
             RCPT TO:<nobody@example.com>\r\n\
             QUIT\r\n"
        );
    }

    #[test]
    fn a_command_with_a_line_break_or_nul_is_never_sent() {
        let table: &[(&[u8], &str)] = &[
            (
                b"RETR a\r\nDELE b",
                "command holds a CR byte, which could end its line early: not sent",
            ),
            (
                b"RETR a\nDELE b",
                "command holds a LF byte, which could end its line early: not sent",
            ),
            (
                b"RETR a\0b",
                "command holds a NUL byte, which could end its line early: not sent",
            ),
        ];
        for (command, message) in table {
            let mut conn = CommandConn::new(Script::new(b"250 OK\r\n"), Style::Lenient);
            let error = conn.command(command, Expect::Code(250)).unwrap_err();
            assert!(matches!(error, CommandError::ForbiddenByte { .. }));
            assert_eq!(error.to_string(), *message);
            assert_eq!(conn.get_ref().written(), "", "nothing reaches the wire");
        }
    }

    #[test]
    fn refused_garbage_and_closed_are_told_apart() {
        let table: &[(&str, &str)] = &[
            // Understood, and said no.
            (
                "452 Too many recipients\r\n",
                "server refused: 452 Too many recipients",
            ),
            // Not a reply at all.
            (
                "hello there\r\n",
                "protocol error: reply does not start with a code from 100 to 599",
            ),
            (
                "250-a\r\n251 b\r\n",
                "protocol error: reply line has code 251 inside a 250 reply",
            ),
            // Gone before answering.
            ("", "server closed the connection"),
            ("250-first line of tw", "server closed the connection"),
        ];
        for (server, message) in table {
            let mut conn = CommandConn::new(Script::new(server.as_bytes()), Style::Strict);
            let error = conn.command("NOOP", Expect::Code(250)).unwrap_err();
            assert_eq!(error.to_string(), *message, "{server:?}");
        }
    }

    #[test]
    fn an_over_long_reply_line_is_a_protocol_error() {
        let mut server = vec![b'2'; MAX_REPLY_LINE_LEN + 1];
        server.extend_from_slice(b"\r\n");
        let mut conn = CommandConn::new(Script::new(&server), Style::Strict);
        let error = conn.read_reply().unwrap_err();
        assert!(
            matches!(
                error,
                CommandError::Protocol(ProtocolError::Line(LineError::TooLong { .. }))
            ),
            "{error}"
        );
    }

    #[test]
    fn an_ftp_transfer_expects_a_class_then_a_code() {
        // RFC 959 §4.2: 125 or 150 before the data, then 226 after it; the
        // inner lines of an FTP reply may be free text.
        let server =
            "150 Opening data connection\r\n226-Transfer complete\r\n 3 files\r\n226 Bye\r\n";
        let mut conn = CommandConn::new(Script::new(server.as_bytes()), Style::Lenient);
        conn.command("LIST", Expect::Class(1)).unwrap();
        let done = conn.expect(Expect::Code(226)).unwrap();
        assert_eq!(done.lines, ["Transfer complete", " 3 files", "Bye"]);
        assert_eq!(conn.get_ref().written(), "LIST\r\n");
    }

    #[test]
    fn secrets_after_a_334_prompt_are_hidden_in_the_transcript() {
        // RFC 4954 §4, AUTH LOGIN: user name and password, in base64, each
        // on a line of its own after a 334 prompt.
        let server: [&[u8]; 4] = [
            b"",
            b"334 VXNlcm5hbWU6\r\n",
            b"334 UGFzc3dvcmQ6\r\n",
            b"235 2.7.0 Authentication successful\r\n",
        ];
        let transcript = Transcript::memory();
        let stream = transcript.tee(Script::in_turns(&server), Side::Client);
        let mut conn = CommandConn::new(stream, Style::Strict);
        conn.command("AUTH LOGIN", Expect::Code(334)).unwrap();
        conn.secret_command("YWxpY2U=", Expect::Code(334)).unwrap();
        conn.secret_command("c2VjcmV0", Expect::Code(235)).unwrap();
        assert_eq!(
            conn.get_ref().get_ref().written(),
            "AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n"
        );
        assert_eq!(
            transcript.contents(),
            "C: AUTH LOGIN\n\
             S: 334 VXNlcm5hbWU6\n\
             C: ****\n\
             S: 334 UGFzc3dvcmQ6\n\
             C: ****\n\
             S: 235 2.7.0 Authentication successful\n"
        );
    }
}

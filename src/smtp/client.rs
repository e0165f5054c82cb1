//! An SMTP client: hello, one mail transaction per message, goodbye
//! (RFC 5321 §3, §4.1).
//!
//! ```text
//! S: 220 mail.example.test ESMTP           connect: the greeting (554: no service)
//! C: EHLO client.example.org               which extensions? (HELO if EHLO is unknown)
//! S: 250-mail.example.test
//! S: 250-SIZE 33554432
//! S: 250-8BITMIME
//! S: 250 PIPELINING
//! C: MAIL FROM:<alice@example.org> SIZE=312
//! C: RCPT TO:<bob@example.test>            with PIPELINING, these four lines
//! C: RCPT TO:<nobody@example.test>         go in one write, and the replies
//! C: DATA                                  are read after, in order
//! S: 250 2.1.0 Sender OK
//! S: 250 2.1.5 Recipient OK
//! S: 550 5.1.1 No such user                one refused: the others still get it
//! S: 354 End data with <CR><LF>.<CR><LF>
//! C: (the message, dot-stuffed, and a line of a single dot)
//! S: 250 2.6.0 Message accepted
//! C: QUIT
//! S: 221 2.0.0 Bye
//! ```
//!
//! Commands go out through [`CommandConn`] (a pipelined group in one
//! write to its stream), every line checked by [`check_command`], which
//! refuses CR, LF and NUL before anything reaches the wire; replies of
//! several lines are read strictly (RFC 5321 §4.2.1: every line carries
//! the code). The
//! addresses are [`Mailbox`]es, which cannot hold a line break; the name
//! sent with EHLO is checked, and refused as [`SmtpError::Usage`].
//!
//! # Hello
//!
//! EHLO first; a server that answers 500 or 502 knows only RFC 821, and
//! gets HELO, and no extension is used (RFC 5321 §4.1.4, §3.2). Of the
//! extensions the EHLO reply lists ([`Extensions`]), four change what the
//! client sends:
//!
//! - `SIZE n` (RFC 1870): the size goes in MAIL FROM (`SIZE=312`), and a
//!   message larger than `n` is not sent at all ([`SmtpError::TooLarge`]).
//! - `8BITMIME` (RFC 6152): a message with bytes above 127 goes with
//!   `BODY=8BITMIME`. To a server without it, such a message is refused
//!   before MAIL ([`SmtpError::EightBitUnsupported`]): RFC 6152 §3 leaves
//!   the client to convert it to 7 bits (quoted-printable or base64) or to
//!   fail, and this client does not convert.
//! - `PIPELINING` (RFC 2920): see below.
//! - `ENHANCEDSTATUSCODES` (RFC 2034): the `5.1.1` in a refusal is read
//!   ([`SmtpError::Refused`] keeps it).
//!
//! # Recipients
//!
//! Each RCPT gets its own answer, and one refused recipient does not lose
//! the others: [`SendReport`] says, per recipient, what the server said.
//! If every recipient is refused, the message is not sent: no DATA (or,
//! pipelined, its 354 is answered with an empty message, as RFC 2920 §3.1
//! asks), then RSET to leave the server ready for the next transaction, and
//! the error [`SmtpError::NoRecipient`] holds the answers.
//!
//! # Pipelining
//!
//! Without it, each command waits for its reply: a message to three
//! recipients costs five round trips before the first byte of the message.
//! With it (RFC 2920 §3.1), MAIL, every RCPT and DATA go out in one write,
//! and the client then reads the replies in the order of the commands: one
//! round trip. DATA must be the last of the group, since what follows it
//! depends on its 354, and the client must check every reply: a refused
//! MAIL makes the RCPTs' 503s expected, and a 354 after all the RCPTs were
//! refused must still be answered, with a lone dot.
//!
//! # Errors
//!
//! [`SmtpError`] keeps apart a refusal (the server understood and said no,
//! with its code; the connection is still usable), garbage (a protocol
//! error: nothing more it says can be trusted), a close, a timeout, and a
//! broken connection, as Go's `net/textproto` does.

use super::address::{Domain, ForwardPath, Mailbox, ReversePath};
use super::command::{Body, Command, MailParameters};
use super::message::{format_message_id, Message};
use super::reply::{self as code, parse_enhanced_code, EnhancedCode};
use crate::transcript::{printable, Side, Tee, Transcript};
use crate::wire::command::{check_command, CommandConn, CommandError, Expect};
use crate::wire::dot::DotWriter;
use crate::wire::reply::{Reply, Style};
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// How long a connect, or any one read or write, may wait, by default.
/// RFC 5321 §4.5.3.2 asks clients for minutes (5 for a reply to MAIL, 10
/// after the final dot), for servers that check a message before they
/// answer; 30 s, as the crate's other clients, is enough for a server
/// that works, and short enough that one that hangs does not hang a
/// program for long. [`Options::timeout`] raises it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The buffer a message goes out through: 64 KiB, as the FTP client's
/// transfers. A message of a few kilobytes, and its end marker, leave in
/// one write; a large one in writes of this size.
pub const MESSAGE_BUFFER_LEN: usize = 64 * 1024;

/// The most recipients whose RCPTs go in one pipelined group; a message
/// to more is sent one command at a time. The client writes the whole
/// group before it reads a reply, so the replies wait in its socket's
/// receive buffer meanwhile: 100 recipients (the least a server must take,
/// RFC 5321 §4.5.3.1.8) answered with reply lines of at most 512 octets
/// fill 51 KiB of it, within Linux's default of 128 KiB, so the server
/// never blocks on writing a reply while the client still writes (the
/// deadlock RFC 2920 §3.2 warns of).
pub const MAX_PIPELINED_RECIPIENTS: usize = 100;

/// How a [`SmtpClient`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest wait for the connection, or for any one read or write.
    pub timeout: Duration,
    /// The name the client gives in EHLO: its own domain, or an address
    /// literal such as `[127.0.0.1]` (RFC 5321 §4.1.1.1).
    pub client_name: String,
    /// Whether to use PIPELINING when the server offers it.
    pub pipelining: bool,
    /// Where the conversation is shown, as `C:` and `S:` lines.
    pub transcript: Transcript,
}

impl Default for Options {
    /// [`DEFAULT_TIMEOUT`], the name `localhost`, pipelining when offered,
    /// and no transcript.
    fn default() -> Options {
        Options {
            timeout: DEFAULT_TIMEOUT,
            client_name: "localhost".to_string(),
            pipelining: true,
            transcript: Transcript::silent(),
        }
    }
}

/// The extensions a server lists in its EHLO reply (RFC 5321 §4.1.1.1):
/// one a line, after the first, a keyword and its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `SIZE n` (RFC 1870 §4): the largest message the server takes, in
    /// octets; `Some(0)` when it names no limit (`SIZE`, `SIZE 0`).
    pub size: Option<u64>,
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `8BITMIME` (RFC 6152).
    pub eight_bit_mime: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    pub enhanced_status_codes: bool,
    /// Every other line, as sent: `AUTH PLAIN LOGIN`, `STARTTLS`, `HELP`...
    pub other: Vec<String>,
}

impl Extensions {
    /// Reads the lines of an EHLO reply; the first is the server's name.
    /// Keywords are read in any case (RFC 5321 §2.4).
    pub fn from_reply(reply: &Reply) -> Extensions {
        let mut extensions = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                // An empty line (smtp-sink ends its list with `250 `).
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                // A limit that is no number is no limit this client knows.
                "SIZE" => {
                    extensions.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0))
                }
                "PIPELINING" => extensions.pipelining = true,
                "8BITMIME" => extensions.eight_bit_mime = true,
                "ENHANCEDSTATUSCODES" => extensions.enhanced_status_codes = true,
                _ => extensions.other.push(line.clone()),
            }
        }
        extensions
    }

    /// The size limit, if the server names one.
    pub fn size_limit(&self) -> Option<u64> {
        self.size.filter(|&limit| limit > 0)
    }
}

/// What the server said to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The recipient, as given.
    pub mailbox: Mailbox,
    /// The reply to its RCPT TO.
    pub reply: Reply,
}

impl Recipient {
    /// Whether the server took it: 250, or 251 "will forward".
    pub fn is_accepted(&self) -> bool {
        is_accepted(self.reply.code)
    }

    /// The enhanced status code of the reply, if it has one.
    pub fn status(&self) -> Option<EnhancedCode> {
        status_of(&self.reply)
    }
}

impl fmt::Display for Recipient {
    /// `bob@example.test: accepted (250 2.1.5 OK)`, `deferred, try again
    /// later (452 ...)` for a 4yz, `refused (550 ...)` for a 5yz; the
    /// server's words escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A 4yz is "not now" (RFC 5321 §4.2.1): the sender may try again
        // later, which a 5yz says is useless.
        let verdict = match self.reply.code / 100 {
            2 => "accepted",
            4 => "deferred, try again later",
            _ => "refused",
        };
        write!(
            f,
            "{}: {verdict} ({} {})",
            self.mailbox,
            self.reply.code,
            printable(&self.reply.lines.join(" "))
        )
    }
}

/// What became of a message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// Every recipient, in the order given, with its reply.
    pub recipients: Vec<Recipient>,
    /// The reply to the final dot: the server has the message.
    pub reply: Reply,
}

impl SendReport {
    /// The recipients the server took.
    pub fn accepted(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients.iter().filter(|r| r.is_accepted())
    }

    /// The recipients the server refused: the message did not go to them.
    pub fn refused(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients.iter().filter(|r| !r.is_accepted())
    }
}

// ANCHOR: smtp_error
/// What went wrong, in words for the person who ran the client.
#[derive(Debug)]
pub enum SmtpError {
    /// The connection could not be opened.
    Connect {
        /// The address asked for.
        to: String,
        /// Why.
        error: io::Error,
    },
    /// The server understood and said no. The connection is still usable.
    Refused {
        /// What was refused: a command, `the connection` (the greeting),
        /// or `the message` (the reply to the final dot).
        command: String,
        /// The server's reply.
        reply: Reply,
        /// Its enhanced status code, if it has one (RFC 3463).
        status: Option<EnhancedCode>,
    },
    /// Every recipient was refused: nothing was sent. Each one's reply.
    NoRecipient(Vec<Recipient>),
    /// The server sent something that is not SMTP: the connection cannot
    /// be trusted any more.
    Protocol(String),
    /// The server closed the connection.
    Closed,
    /// A read or write waited longer than the timeout.
    Timeout(Duration),
    /// The connection failed (a reset).
    Io(io::Error),
    /// The message has bytes above 127 and the server does not announce
    /// 8BITMIME. Nothing was sent.
    EightBitUnsupported,
    /// The message is larger than the limit the server announced
    /// (RFC 1870 §5: do not send it). Nothing was sent.
    TooLarge {
        /// The message's size, in octets.
        size: u64,
        /// The server's limit.
        limit: u64,
    },
    /// The caller asked for something that cannot be sent: a line break
    /// in the EHLO name, no recipient. Nothing was sent.
    Usage(String),
}
// ANCHOR_END: smtp_error

impl SmtpError {
    /// The reply code, if the server refused.
    pub fn code(&self) -> Option<u16> {
        match self {
            SmtpError::Refused { reply, .. } => Some(reply.code),
            _ => None,
        }
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpError::Connect { to, error } => write!(
                f,
                "could not connect to {to}: {error} (is an SMTP server listening there?)"
            ),
            // The reply's words are the server's: shown escaped, so that
            // they cannot drive the terminal this is printed on.
            SmtpError::Refused { command, reply, .. } => write!(
                f,
                "the server refused {command}: {} {}",
                reply.code,
                printable(&reply.lines.join(" "))
            ),
            SmtpError::NoRecipient(recipients) => {
                f.write_str("the server refused every recipient, so nothing was sent:")?;
                for recipient in recipients {
                    write!(f, "\n  {recipient}")?;
                }
                Ok(())
            }
            SmtpError::Protocol(why) => write!(f, "the server's reply is not valid SMTP: {why}"),
            SmtpError::Closed => f.write_str("the server closed the connection"),
            SmtpError::Timeout(timeout) => write!(
                f,
                "no answer from the server within {} s (raise the timeout if it is just slow)",
                timeout.as_secs_f64()
            ),
            SmtpError::Io(error) => write!(f, "the connection failed: {error}"),
            SmtpError::EightBitUnsupported => f.write_str(
                "the message is not ASCII, and the server does not take 8-bit mail (no 8BITMIME): \
                 not sent",
            ),
            SmtpError::TooLarge { size, limit } => write!(
                f,
                "the message has {size} octets, and the server takes {limit} at most: not sent"
            ),
            SmtpError::Usage(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for SmtpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SmtpError::Connect { error, .. } | SmtpError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// A client's session with an SMTP server, after its hello.
pub struct SmtpClient<S: Read + Write = TcpStream> {
    conn: CommandConn<Tee<S>>,
    options: Options,
    greeting: Reply,
    /// `None` after HELO: an RFC 821 server, no extensions.
    extensions: Option<Extensions>,
}

impl<S: Read + Write> fmt::Debug for SmtpClient<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpClient")
            .field("options", &self.options)
            .field("greeting", &self.greeting)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

impl SmtpClient<TcpStream> {
    /// Connects to `addr`, reads the greeting, and says hello.
    pub fn connect(
        addr: impl ToSocketAddrs + fmt::Display,
        options: Options,
    ) -> Result<SmtpClient<TcpStream>, SmtpError> {
        let to = addr.to_string();
        let stream = crate::tcp::connect(addr, options.timeout)
            .map_err(|error| SmtpError::Connect { to, error })?;
        // Every write is a whole command, group or message: nothing to
        // gain from Nagle's algorithm holding the last segment back until
        // the server acknowledges the one before (which it may delay).
        stream.set_nodelay(true).map_err(SmtpError::Io)?;
        SmtpClient::over(stream, options)
    }
}

impl<S: Read + Write> SmtpClient<S> {
    // ANCHOR: over
    /// Starts a session over a connected stream: reads the greeting (220),
    /// then EHLO, or HELO if the server does not know EHLO.
    pub fn over(stream: S, options: Options) -> Result<SmtpClient<S>, SmtpError> {
        // The name is checked before any byte is read or sent.
        check_command(options.client_name.as_bytes())
            .map_err(|error| usage("the EHLO name", error))?;
        let tee = options.transcript.tee(stream, Side::Client);
        let conn = CommandConn::new(tee, Style::Strict);
        let mut client = SmtpClient {
            conn,
            options,
            greeting: Reply {
                code: 0,
                lines: Vec::new(),
            },
            extensions: None,
        };
        let greeting = client.read_reply()?;
        if greeting.code != code::SERVICE_READY {
            // RFC 5321 §3.1: after a 554 greeting, the client should still
            // say QUIT; whatever it answers, the session is over.
            if greeting.code == code::TRANSACTION_FAILED {
                let _ = client.conn.command("QUIT", Expect::Code(code::CLOSING));
            }
            return Err(refused("the connection", greeting));
        }
        client.greeting = greeting;
        client.hello()?;
        Ok(client)
    }

    /// EHLO; on 500 or 502, HELO (RFC 5321 §4.1.4).
    fn hello(&mut self) -> Result<(), SmtpError> {
        let ehlo = format!("EHLO {}", self.options.client_name);
        let reply = self.command(&ehlo)?;
        if reply.code == code::OK {
            self.extensions = Some(Extensions::from_reply(&reply));
            return Ok(());
        }
        if !matches!(reply.code, code::SYNTAX_ERROR | code::NOT_IMPLEMENTED) {
            return Err(refused(&ehlo, reply));
        }
        let helo = format!("HELO {}", self.options.client_name);
        let reply = self.command(&helo)?;
        match reply.code {
            code::OK => Ok(()),
            _ => Err(refused(&helo, reply)),
        }
    }
    // ANCHOR_END: over

    /// The server's greeting.
    pub fn greeting(&self) -> &Reply {
        &self.greeting
    }

    /// The extensions of the EHLO reply; `None` if the server knew only
    /// HELO.
    pub fn extensions(&self) -> Option<&Extensions> {
        self.extensions.as_ref()
    }

    // ANCHOR: send
    /// Sends `message` from `from` to every recipient of `to`, in one mail
    /// transaction, and says what became of each recipient.
    pub fn send(
        &mut self,
        from: &Mailbox,
        to: &[Mailbox],
        message: &Message,
    ) -> Result<SendReport, SmtpError> {
        if to.is_empty() {
            return Err(SmtpError::Usage(
                "a message needs at least one recipient: not sent".into(),
            ));
        }
        let extensions = self.extensions.clone().unwrap_or_default();
        let size = message.wire_len();
        if let Some(limit) = extensions.size_limit().filter(|&limit| size > limit) {
            return Err(SmtpError::TooLarge { size, limit });
        }
        let body = match (message.is_eight_bit(), extensions.eight_bit_mime) {
            (false, _) => None,
            (true, true) => Some(Body::EightBitMime),
            (true, false) => return Err(SmtpError::EightBitUnsupported),
        };
        let mail = Command::Mail {
            from: ReversePath::Mailbox(from.clone()),
            parameters: MailParameters {
                size: extensions.size.map(|_| size),
                body,
            },
        };
        let rcpts: Vec<String> = to
            .iter()
            .map(|mailbox| {
                let to = ForwardPath::Mailbox(mailbox.clone());
                Command::Rcpt { to }.to_string()
            })
            .collect();
        let pipelined = extensions.pipelining
            && self.options.pipelining
            && to.len() <= MAX_PIPELINED_RECIPIENTS;
        let envelope = match pipelined {
            true => self.envelope_pipelined(&mail.to_string(), &rcpts)?,
            false => self.envelope_one_by_one(&mail.to_string(), &rcpts)?,
        };
        let recipients: Vec<Recipient> = to
            .iter()
            .zip(envelope.rcpts)
            .map(|(mailbox, reply)| Recipient {
                mailbox: mailbox.clone(),
                reply,
            })
            .collect();
        self.finish(
            envelope.mail,
            recipients,
            envelope.data,
            message,
            &mail.to_string(),
        )
    }
    // ANCHOR_END: send

    /// MAIL, each RCPT, DATA, each waiting for its reply; stops at a
    /// refused MAIL, and before DATA when every RCPT was refused.
    fn envelope_one_by_one(&mut self, mail: &str, rcpts: &[String]) -> Result<Envelope, SmtpError> {
        let mail_reply = self.command(mail)?;
        let mut envelope = Envelope {
            mail: mail_reply,
            rcpts: Vec::new(),
            data: None,
        };
        if envelope.mail.code != code::OK {
            return Ok(envelope);
        }
        for rcpt in rcpts {
            envelope.rcpts.push(self.command(rcpt)?);
        }
        if envelope.rcpts.iter().any(|reply| is_accepted(reply.code)) {
            envelope.data = Some(self.command("DATA")?);
        }
        Ok(envelope)
    }

    // ANCHOR: pipelined
    /// MAIL, every RCPT and DATA in one write, then their replies, read in
    /// order (RFC 2920 §3.1).
    fn envelope_pipelined(&mut self, mail: &str, rcpts: &[String]) -> Result<Envelope, SmtpError> {
        let mut group = Vec::new();
        for line in std::iter::once(mail)
            .chain(rcpts.iter().map(String::as_str))
            .chain(["DATA"])
        {
            check_command(line.as_bytes()).map_err(|error| usage(line, error))?;
            group.extend_from_slice(line.as_bytes());
            group.extend_from_slice(b"\r\n");
        }
        let stream = self.conn.get_mut();
        let written = stream.write_all(&group).and_then(|()| stream.flush());
        written.map_err(|error| self.io_error(error))?;
        let mail = self.reply_to(mail)?;
        let mut replies = Vec::with_capacity(rcpts.len());
        for rcpt in rcpts {
            replies.push(self.reply_to(rcpt)?);
        }
        let data = self.reply_to("DATA")?;
        Ok(Envelope {
            mail,
            rcpts: replies,
            data: Some(data),
        })
    }
    // ANCHOR_END: pipelined

    // ANCHOR: finish
    /// What follows the envelope's replies: the message after a 354 when
    /// the server took MAIL and a recipient; otherwise an empty message
    /// for a 354 that came anyway, RSET, and the error.
    fn finish(
        &mut self,
        mail_reply: Reply,
        recipients: Vec<Recipient>,
        data: Option<Reply>,
        message: &Message,
        mail: &str,
    ) -> Result<SendReport, SmtpError> {
        let go_on = data.as_ref().map(|reply| reply.code) == Some(code::START_MAIL_INPUT);
        let mail_accepted = mail_reply.code == code::OK;
        let error = if !mail_accepted {
            Some(refused(mail, mail_reply))
        } else if !recipients.iter().any(Recipient::is_accepted) {
            Some(SmtpError::NoRecipient(recipients.clone()))
        } else if !go_on {
            data.map(|reply| refused("DATA", reply))
        } else {
            None
        };
        if let Some(error) = error {
            // If the clean-up fails too, the error that says why the
            // message was not sent is the one to show; the next command
            // meets the other.
            let _ = self.close_transaction(go_on, mail_accepted);
            return Err(error);
        }
        self.write_message(message.bytes())?;
        let reply = self.read_reply()?;
        if reply.code != code::OK {
            return Err(refused("the message", reply));
        }
        Ok(SendReport { recipients, reply })
    }
    // ANCHOR_END: finish

    /// Ends a transaction that will not carry the message: a 354 is
    /// answered with a lone dot (RFC 2920 §3.1), and a transaction that
    /// MAIL opened is reset, so that the next MAIL finds the server ready.
    fn close_transaction(&mut self, go_on: bool, mail_accepted: bool) -> Result<(), SmtpError> {
        if go_on {
            self.write_message(&[])?;
            self.read_reply()?;
        }
        if mail_accepted {
            self.rset()?;
        }
        Ok(())
    }

    /// Writes `bytes` dot-stuffed, bare LFs as CR LF, and the end marker.
    fn write_message(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        let stream = self.conn.get_mut();
        // Buffered, so that the end marker leaves with the message's last
        // bytes rather than as a segment of its own.
        let buffered = BufWriter::with_capacity(MESSAGE_BUFFER_LEN, stream);
        let mut writer = DotWriter::new(buffered);
        // In pieces, so that the stuffed copy the writer makes stays small
        // however large the message.
        let written = bytes
            .chunks(MESSAGE_BUFFER_LEN)
            .try_for_each(|piece| writer.write_all(piece))
            .and_then(|()| writer.finish().map(drop));
        written.map_err(|error| self.io_error(error))
    }

    /// Forgets the transaction in progress (`RSET`, 250).
    pub fn rset(&mut self) -> Result<(), SmtpError> {
        self.command_code("RSET", code::OK).map(drop)
    }

    /// Does nothing, and keeps the connection alive (`NOOP`, 250).
    pub fn noop(&mut self) -> Result<(), SmtpError> {
        self.command_code("NOOP", code::OK).map(drop)
    }

    /// Ends the session (`QUIT`, 221).
    pub fn quit(mut self) -> Result<(), SmtpError> {
        self.command_code("QUIT", code::CLOSING).map(drop)
    }

    /// The stream under the session.
    pub fn get_ref(&self) -> &S {
        self.conn.get_ref().get_ref()
    }

    // ---------------------------------------------------------------
    // Commands.

    /// Sends `line` and returns its reply, whatever its code but 421.
    fn command(&mut self, line: &str) -> Result<Reply, SmtpError> {
        self.conn
            .send(line)
            .map_err(|error| self.error(line, error))?;
        self.reply_to(line)
    }

    /// Reads the reply to `line`, already sent. A 421 is an error whatever
    /// the command: the server is closing the connection (RFC 5321 §3.8),
    /// and nothing more can be sent.
    fn reply_to(&mut self, line: &str) -> Result<Reply, SmtpError> {
        let reply = self.read_reply()?;
        match reply.code {
            code::SERVICE_NOT_AVAILABLE => Err(refused(line, reply)),
            _ => Ok(reply),
        }
    }

    /// Sends `line` and returns its reply if its code is `expected`.
    fn command_code(&mut self, line: &str, expected: u16) -> Result<Reply, SmtpError> {
        let reply = self.command(line)?;
        match reply.code == expected {
            true => Ok(reply),
            false => Err(refused(line, reply)),
        }
    }

    /// Reads one reply, whatever its code.
    fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        self.conn
            .read_reply()
            .map_err(|error| self.error("", error))
    }

    /// The client's words for a command's error.
    fn error(&self, line: &str, error: CommandError) -> SmtpError {
        match error {
            CommandError::ForbiddenByte { .. } => usage(line, error),
            CommandError::Refused(reply) => refused(line, reply),
            CommandError::Protocol(error) => SmtpError::Protocol(error.to_string()),
            CommandError::Closed => SmtpError::Closed,
            CommandError::Io(error) => self.io_error(error),
        }
    }

    /// A timeout as [`SmtpError::Timeout`], any other failure as `Io`. (std
    /// reports a read timeout as `WouldBlock` on Unix, `TimedOut` on Windows.)
    fn io_error(&self, error: io::Error) -> SmtpError {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                SmtpError::Timeout(self.options.timeout)
            }
            _ => SmtpError::Io(error),
        }
    }
}

// ANCHOR: new_message_id
/// A new Message-ID for a message from `domain`, unique as
/// [`super::message`] explains: now, this process's id, a count of the ids
/// it made, and 64 random bits.
pub fn new_message_id(domain: &Domain) -> String {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let count = MADE.fetch_add(1, Ordering::Relaxed);
    // std has no random numbers, but its hash maps are seeded with random
    // keys, against hash flooding: a hash of nothing under a new seed is
    // 64 random bits.
    let random = RandomState::new().build_hasher().finish();
    format_message_id(SystemTime::now(), std::process::id(), count, random, domain)
}
// ANCHOR_END: new_message_id

/// The replies to the envelope's commands: MAIL, each RCPT sent, DATA if
/// sent.
struct Envelope {
    mail: Reply,
    rcpts: Vec<Reply>,
    data: Option<Reply>,
}

/// Whether a RCPT reply code takes the recipient.
fn is_accepted(code: u16) -> bool {
    matches!(code, code::OK | code::USER_NOT_LOCAL_WILL_FORWARD)
}

/// The enhanced status code at the start of a reply's first line.
fn status_of(reply: &Reply) -> Option<EnhancedCode> {
    let first = reply.lines.first()?;
    let (status, _) = parse_enhanced_code(first)?;
    // RFC 3463 §2: the class is the reply's first digit, or it is not one.
    (u16::from(status.class) == reply.code / 100).then_some(status)
}

/// A refusal of `command`, with the reply's enhanced status code.
fn refused(command: &str, reply: Reply) -> SmtpError {
    SmtpError::Refused {
        command: command.to_string(),
        status: status_of(&reply),
        reply,
    }
}

/// A line that [`check_command`] refused: `the EHLO name: command holds
/// a CR byte, which could end its line early: not sent`.
fn usage(what: &str, error: CommandError) -> SmtpError {
    SmtpError::Usage(format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::parse_mailbox;
    use crate::wire::testing::Script;

    /// A stream that keeps each write call apart, to show which lines went
    /// out together.
    struct Writes {
        script: Script,
        calls: Vec<String>,
    }

    impl Read for Writes {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.script.read(out)
        }
    }

    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.calls.push(String::from_utf8_lossy(bytes).into_owned());
            self.script.write(bytes)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    const GREETING: &str = "220 mx.example.test ESMTP\r\n";

    /// An EHLO reply with these extensions.
    fn ehlo(extensions: &[&str]) -> String {
        let mut lines = vec!["mx.example.test greets client.example.org"];
        lines.extend_from_slice(extensions);
        format!("{}\r\n", code::multi_line(250, &lines))
    }

    fn options(transcript: Transcript) -> Options {
        Options {
            client_name: "client.example.org".to_string(),
            transcript,
            ..Options::default()
        }
    }

    /// A session over a script whose first turn is the greeting, and each
    /// next turn the reply to one line written.
    fn session(turns: &[&str]) -> Result<SmtpClient<Writes>, SmtpError> {
        session_with(turns, options(Transcript::silent()))
    }

    fn session_with(turns: &[&str], options: Options) -> Result<SmtpClient<Writes>, SmtpError> {
        let turns: Vec<&[u8]> = turns.iter().map(|turn| turn.as_bytes()).collect();
        let stream = Writes {
            script: Script::in_turns(&turns),
            calls: Vec::new(),
        };
        SmtpClient::over(stream, options)
    }

    fn written(client: &SmtpClient<Writes>) -> String {
        client.get_ref().script.written()
    }

    fn mailbox(text: &str) -> Mailbox {
        parse_mailbox(text).unwrap()
    }

    fn alice() -> Mailbox {
        mailbox("alice@example.org")
    }

    fn bob_and_carol() -> Vec<Mailbox> {
        vec![mailbox("bob@example.test"), mailbox("carol@example.test")]
    }

    fn message(text: &str) -> Message {
        Message::from_bytes(text.as_bytes().to_vec())
    }

    #[test]
    fn a_whole_session_sends_exactly_these_bytes() {
        let transcript = Transcript::memory();
        let ehlo_reply = ehlo(&["SIZE 1000", "ENHANCEDSTATUSCODES", "AUTH PLAIN"]);
        let turns = [
            GREETING,
            &ehlo_reply,
            "250 2.1.0 Sender OK\r\n",
            "250 2.1.5 Recipient OK\r\n",
            "250 2.1.5 Recipient OK\r\n",
            "354 End data with <CR><LF>.<CR><LF>\r\n",
            "",
            "",
            "",
            "250 2.6.0 Message accepted\r\n",
            "221 2.0.0 Bye\r\n",
        ];
        let mut client = session_with(&turns, options(transcript.clone())).unwrap();
        let report = client
            .send(
                &alice(),
                &bob_and_carol(),
                &message("Subject: hi\r\n\r\nhello\r\n"),
            )
            .unwrap();
        assert_eq!(report.accepted().count(), 2);
        assert_eq!(report.reply.text(), "2.6.0 Message accepted");
        let sent = written(&client);
        client.quit().unwrap();
        assert_eq!(
            sent,
            "EHLO client.example.org\r\n\
             MAIL FROM:<alice@example.org> SIZE=22\r\n\
             RCPT TO:<bob@example.test>\r\n\
             RCPT TO:<carol@example.test>\r\n\
             DATA\r\n\
             Subject: hi\r\n\
             \r\n\
             hello\r\n\
             .\r\n"
        );
        assert_eq!(
            transcript.contents(),
            "S: 220 mx.example.test ESMTP\n\
             C: EHLO client.example.org\n\
             S: 250-mx.example.test greets client.example.org\n\
             S: 250-SIZE 1000\n\
             S: 250-ENHANCEDSTATUSCODES\n\
             S: 250 AUTH PLAIN\n\
             C: MAIL FROM:<alice@example.org> SIZE=22\n\
             S: 250 2.1.0 Sender OK\n\
             C: RCPT TO:<bob@example.test>\n\
             S: 250 2.1.5 Recipient OK\n\
             C: RCPT TO:<carol@example.test>\n\
             S: 250 2.1.5 Recipient OK\n\
             C: DATA\n\
             S: 354 End data with <CR><LF>.<CR><LF>\n\
             C: Subject: hi\n\
             C: \n\
             C: hello\n\
             C: .\n\
             S: 250 2.6.0 Message accepted\n\
             C: QUIT\n\
             S: 221 2.0.0 Bye\n"
        );
    }

    #[test]
    fn the_ehlo_reply_is_read_as_extensions() {
        let table: &[(&[&str], Extensions)] = &[
            (&[], Extensions::default()),
            (
                &[
                    "SIZE 35882577",
                    "8BITMIME",
                    "PIPELINING",
                    "ENHANCEDSTATUSCODES",
                ],
                Extensions {
                    size: Some(35_882_577),
                    pipelining: true,
                    eight_bit_mime: true,
                    enhanced_status_codes: true,
                    other: vec![],
                },
            ),
            // RFC 1870 §4: SIZE with no number, or 0, names no limit.
            (
                &["size", "STARTTLS", "AUTH PLAIN LOGIN", "HELP"],
                Extensions {
                    size: Some(0),
                    other: vec!["STARTTLS".into(), "AUTH PLAIN LOGIN".into(), "HELP".into()],
                    ..Extensions::default()
                },
            ),
            // An empty last line, as smtp-sink sends: nothing.
            (
                &["PIPELINING", ""],
                Extensions {
                    pipelining: true,
                    ..Extensions::default()
                },
            ),
            (
                &["SIZE lots", "pipelining"],
                Extensions {
                    size: Some(0),
                    pipelining: true,
                    ..Extensions::default()
                },
            ),
        ];
        for (lines, expected) in table {
            let mut all = vec!["mx.example.test"];
            all.extend_from_slice(lines);
            let reply = Reply {
                code: 250,
                lines: all.iter().map(|line| line.to_string()).collect(),
            };
            assert_eq!(Extensions::from_reply(&reply), *expected, "{lines:?}");
        }
        assert_eq!(Extensions::default().size_limit(), None);
        let unlimited = Extensions {
            size: Some(0),
            ..Extensions::default()
        };
        assert_eq!(unlimited.size_limit(), None);
    }

    #[test]
    fn ehlo_unknown_to_the_server_falls_back_to_helo() {
        // RFC 5321 §4.1.4: 500 or 502 to EHLO, and the client says HELO;
        // then no extension is used, not even SIZE=.
        for refusal in [
            "500 5.5.1 Command unrecognized\r\n",
            "502 Not implemented\r\n",
        ] {
            let turns = [
                GREETING,
                refusal,
                "250 mx.example.test\r\n",
                "250 OK\r\n",
                "250 OK\r\n",
                "354 Go ahead\r\n",
                "",
                "250 OK\r\n",
            ];
            let mut client = session(&turns).unwrap();
            assert_eq!(client.extensions(), None);
            client
                .send(&alice(), &[mailbox("bob@example.test")], &message("hi\r\n"))
                .unwrap();
            assert_eq!(
                written(&client),
                "EHLO client.example.org\r\n\
                 HELO client.example.org\r\n\
                 MAIL FROM:<alice@example.org>\r\n\
                 RCPT TO:<bob@example.test>\r\n\
                 DATA\r\n\
                 hi\r\n\
                 .\r\n",
                "{refusal:?}"
            );
        }
    }

    #[test]
    fn ehlo_refused_for_another_reason_is_an_error() {
        let error = session(&[GREETING, "421 4.3.2 Shutting down\r\n"]).unwrap_err();
        assert_eq!(error.code(), Some(421));
        assert_eq!(
            error.to_string(),
            "the server refused EHLO client.example.org: 421 4.3.2 Shutting down"
        );
    }

    #[test]
    fn a_554_greeting_is_a_refusal_and_the_client_says_quit() {
        // RFC 5321 §3.1: 554 instead of 220, "no SMTP service here".
        let client = session_with(
            &["554 mx.example.test no service for you\r\n", "221 Bye\r\n"],
            options(Transcript::silent()),
        );
        let error = client.unwrap_err();
        assert!(
            matches!(&error, SmtpError::Refused { command, .. } if command == "the connection")
        );
        assert_eq!(
            error.to_string(),
            "the server refused the connection: 554 mx.example.test no service for you"
        );
        // Another code, such as 421 (busy), and the server is gone already.
        let error = session(&["421 Too many connections\r\n"]).unwrap_err();
        assert_eq!(error.code(), Some(421));
    }

    #[test]
    fn the_quit_after_a_554_greeting_is_on_the_wire() {
        let turns: [&[u8]; 2] = [b"554 no service\r\n", b"221 Bye\r\n"];
        let transcript = Transcript::memory();
        let stream = Writes {
            script: Script::in_turns(&turns),
            calls: Vec::new(),
        };
        SmtpClient::over(stream, options(transcript.clone())).unwrap_err();
        assert_eq!(
            transcript.contents(),
            "S: 554 no service\nC: QUIT\nS: 221 Bye\n"
        );
    }

    #[test]
    fn one_refused_recipient_does_not_lose_the_others() {
        let ehlo_reply = ehlo(&["ENHANCEDSTATUSCODES"]);
        let turns = [
            GREETING,
            &ehlo_reply,
            "250 2.1.0 OK\r\n",
            "550 5.1.1 No such user here\r\n",
            "250 2.1.5 OK\r\n",
            "354 Go ahead\r\n",
            "",
            "250 2.6.0 Queued\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let to = [
            mailbox("nobody@example.test"),
            mailbox("carol@example.test"),
        ];
        let report = client.send(&alice(), &to, &message("hi\r\n")).unwrap();
        let shown: Vec<String> = report.recipients.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            shown,
            [
                "nobody@example.test: refused (550 5.1.1 No such user here)",
                "carol@example.test: accepted (250 2.1.5 OK)",
            ]
        );
        assert_eq!(
            report.recipients[0].status(),
            Some(EnhancedCode::BAD_DESTINATION_MAILBOX)
        );
        assert_eq!(report.refused().count(), 1);
        assert!(written(&client).ends_with("DATA\r\nhi\r\n.\r\n"));
    }

    #[test]
    fn every_recipient_refused_sends_no_data_and_resets() {
        let turns = [
            GREETING,
            &ehlo(&[]),
            "250 OK\r\n",
            "550 5.1.1 No such user\r\n",
            "450 4.2.1 Mailbox busy, try later\r\n",
            "250 Flushed\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let error = client
            .send(&alice(), &bob_and_carol(), &message("hi\r\n"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused every recipient, so nothing was sent:\n  \
             bob@example.test: refused (550 5.1.1 No such user)\n  \
             carol@example.test: deferred, try again later (450 4.2.1 Mailbox busy, try later)"
        );
        assert_eq!(
            written(&client),
            "EHLO client.example.org\r\n\
             MAIL FROM:<alice@example.org>\r\n\
             RCPT TO:<bob@example.test>\r\n\
             RCPT TO:<carol@example.test>\r\n\
             RSET\r\n"
        );
    }

    #[test]
    fn a_failed_reset_does_not_hide_why_nothing_was_sent() {
        // The server refuses the only recipient, then closes before it
        // answers RSET: the error still names the recipient.
        let turns = [
            GREETING,
            &ehlo(&[]),
            "250 OK\r\n",
            "550 5.1.1 No such user\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let error = client
            .send(&alice(), &[mailbox("bob@example.test")], &message("hi\r\n"))
            .unwrap_err();
        assert!(matches!(error, SmtpError::NoRecipient(_)), "{error}");
        assert!(written(&client).ends_with("RSET\r\n"));
    }

    #[test]
    fn a_refused_sender_sends_no_recipient() {
        let turns = [
            GREETING,
            &ehlo(&["ENHANCEDSTATUSCODES"]),
            "553 5.1.7 Bad sender\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let error = client
            .send(&alice(), &bob_and_carol(), &message("hi\r\n"))
            .unwrap_err();
        let SmtpError::Refused {
            command, status, ..
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(command, "MAIL FROM:<alice@example.org>");
        assert_eq!(*status, Some(EnhancedCode::BAD_SENDER_SYNTAX));
        assert!(written(&client).ends_with("MAIL FROM:<alice@example.org>\r\n"));
    }

    #[test]
    fn with_pipelining_the_envelope_goes_in_one_write() {
        // RFC 2920 §3.1: MAIL, the RCPTs and DATA as one group, the
        // replies read after it, in order.
        let ehlo_reply = ehlo(&["PIPELINING", "SIZE 0"]);
        let replies = "250 OK\r\n550 No such user\r\n250 OK\r\n354 Go ahead\r\n";
        let turns = [GREETING, &ehlo_reply, replies, "", "", "", "250 Queued\r\n"];
        let mut client = session(&turns).unwrap();
        let to = [
            mailbox("nobody@example.test"),
            mailbox("carol@example.test"),
        ];
        let report = client.send(&alice(), &to, &message("hi\r\n")).unwrap();
        let codes: Vec<u16> = report.recipients.iter().map(|r| r.reply.code).collect();
        assert_eq!(codes, [550, 250]);
        assert_eq!(
            client.get_ref().calls,
            [
                "EHLO client.example.org\r\n",
                "MAIL FROM:<alice@example.org> SIZE=4\r\n\
                 RCPT TO:<nobody@example.test>\r\n\
                 RCPT TO:<carol@example.test>\r\n\
                 DATA\r\n",
                "hi\r\n.\r\n",
            ]
        );
    }

    #[test]
    fn past_100_recipients_the_commands_go_one_at_a_time() {
        let to: Vec<Mailbox> = (0..=MAX_PIPELINED_RECIPIENTS)
            .map(|n| mailbox(&format!("user{n}@example.test")))
            .collect();
        let ehlo_reply = ehlo(&["PIPELINING"]);
        let mut turns = vec![GREETING, &ehlo_reply, "250 OK\r\n"];
        turns.extend(std::iter::repeat_n("250 OK\r\n", to.len()));
        turns.extend(["354 Go ahead\r\n", "", "250 Queued\r\n"]);
        let mut client = session(&turns).unwrap();
        let report = client.send(&alice(), &to, &message("hi\r\n")).unwrap();
        assert_eq!(report.accepted().count(), 101);
        let calls = &client.get_ref().calls;
        assert_eq!(calls.len(), 1 + 1 + 101 + 1 + 1, "{calls:?}");
        assert_eq!(calls[1], "MAIL FROM:<alice@example.org>\r\n");
    }

    #[test]
    fn a_large_message_arrives_whole() {
        // Larger than the buffer it goes through, with a dot line at the
        // border of two pieces.
        let mut text = "x".repeat(MESSAGE_BUFFER_LEN - 1);
        text.push_str("\n.dot\n");
        text.push_str(&"y\n".repeat(MESSAGE_BUFFER_LEN));
        let turns = [
            GREETING,
            &ehlo(&[]),
            "250 OK\r\n",
            "250 OK\r\n",
            "354 Go\r\n",
        ];
        let mut turns = turns.to_vec();
        let lines = text.matches('\n').count() + 1;
        turns.extend(std::iter::repeat_n("", lines - 1));
        turns.push("250 Queued\r\n");
        let mut client = session(&turns).unwrap();
        client
            .send(&alice(), &[mailbox("bob@example.test")], &message(&text))
            .unwrap();
        let sent = written(&client);
        let data = sent.split_once("DATA\r\n").unwrap().1;
        let expected = format!("{}.\r\n", text.replace("\n.", "\n..").replace('\n', "\r\n"));
        assert!(data == expected, "the message differs");
    }

    #[test]
    fn pipelining_can_be_turned_off() {
        let ehlo_reply = ehlo(&["PIPELINING"]);
        let turns = [
            GREETING,
            &ehlo_reply,
            "250 OK\r\n",
            "250 OK\r\n",
            "354 Go ahead\r\n",
            "",
            "250 Queued\r\n",
        ];
        let options = Options {
            pipelining: false,
            ..options(Transcript::silent())
        };
        let mut client = session_with(&turns, options).unwrap();
        client
            .send(&alice(), &[mailbox("bob@example.test")], &message("hi"))
            .unwrap();
        assert_eq!(
            client.get_ref().calls[1..4],
            [
                "MAIL FROM:<alice@example.org>\r\n",
                "RCPT TO:<bob@example.test>\r\n",
                "DATA\r\n"
            ]
        );
    }

    #[test]
    fn pipelined_with_every_recipient_refused_a_354_gets_a_lone_dot() {
        // RFC 2920 §3.1: the client cannot assume that DATA fails when
        // every RCPT did; if it gets 354, it sends an empty message.
        let ehlo_reply = ehlo(&["PIPELINING"]);
        let table = [
            (
                "250 OK\r\n550 No\r\n554 No valid recipients\r\n",
                vec!["", "250 Flushed\r\n"],
                "RSET\r\n",
            ),
            (
                "250 OK\r\n550 No\r\n354 Go ahead\r\n",
                vec!["", "250 Empty message\r\n", "250 Flushed\r\n"],
                ".\r\nRSET\r\n",
            ),
            // A refused MAIL makes the rest 503s, and opens no transaction.
            (
                "553 Bad sender\r\n503 Need MAIL first\r\n503 Need MAIL first\r\n",
                vec![""],
                "",
            ),
        ];
        for (replies, rest, after) in table {
            let mut turns = vec![GREETING, &ehlo_reply, replies, ""];
            turns.extend(rest);
            let mut client = session(&turns).unwrap();
            let error = client
                .send(&alice(), &[mailbox("bob@example.test")], &message("hi\r\n"))
                .unwrap_err();
            assert!(
                matches!(error, SmtpError::NoRecipient(_) | SmtpError::Refused { .. }),
                "{error:?}"
            );
            assert_eq!(
                written(&client),
                format!(
                    "EHLO client.example.org\r\n\
                     MAIL FROM:<alice@example.org>\r\n\
                     RCPT TO:<bob@example.test>\r\n\
                     DATA\r\n{after}"
                ),
                "{replies:?}"
            );
        }
    }

    #[test]
    fn dot_lines_are_stuffed_and_bare_line_feeds_become_crlf() {
        // RFC 5321 §4.5.2 and §2.3.8.
        let turns = [
            GREETING,
            &ehlo(&[]),
            "250 OK\r\n",
            "250 OK\r\n",
            "354 Go ahead\r\n",
            "",
            "",
            "",
            "",
            "",
            "250 Queued\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let text = "Subject: dots\n\n.\n..two\n.one\nlast line, no end";
        client
            .send(&alice(), &[mailbox("bob@example.test")], &message(text))
            .unwrap();
        let sent = written(&client);
        let data = sent.split_once("DATA\r\n").unwrap().1;
        assert_eq!(
            data,
            "Subject: dots\r\n\r\n..\r\n...two\r\n..one\r\nlast line, no end\r\n.\r\n"
        );
    }

    #[test]
    fn an_eight_bit_message_needs_8bitmime() {
        let text = "Subject: caf\u{e9}\r\n\r\ncaf\u{e9}\r\n";
        let turns = [
            GREETING,
            &ehlo(&["8BITMIME", "SIZE 1000"]),
            "250 OK\r\n",
            "250 OK\r\n",
            "354 Go ahead\r\n",
            "",
            "",
            "",
            "250 Queued\r\n",
        ];
        let mut client = session(&turns).unwrap();
        client
            .send(&alice(), &[mailbox("bob@example.test")], &message(text))
            .unwrap();
        let sent = written(&client);
        assert!(
            sent.contains("MAIL FROM:<alice@example.org> SIZE=25 BODY=8BITMIME\r\n"),
            "{sent}"
        );

        // RFC 6152 §3: to a server without it, the client converts or
        // fails; this one fails, before MAIL.
        let mut client = session(&[GREETING, &ehlo(&[])]).unwrap();
        let error = client
            .send(&alice(), &[mailbox("bob@example.test")], &message(text))
            .unwrap_err();
        assert!(matches!(error, SmtpError::EightBitUnsupported));
        assert_eq!(written(&client), "EHLO client.example.org\r\n");
    }

    #[test]
    fn a_message_over_the_announced_size_is_not_sent() {
        // RFC 1870 §5.
        let mut client = session(&[GREETING, &ehlo(&["SIZE 10"])]).unwrap();
        let error = client
            .send(
                &alice(),
                &[mailbox("bob@example.test")],
                &message("0123456789\n"),
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the message has 12 octets, and the server takes 10 at most: not sent"
        );
        assert_eq!(written(&client), "EHLO client.example.org\r\n");
    }

    #[test]
    fn a_refused_message_keeps_the_reply_and_its_status() {
        let turns = [
            GREETING,
            &ehlo(&["ENHANCEDSTATUSCODES"]),
            "250 OK\r\n",
            "250 OK\r\n",
            "354 Go ahead\r\n",
            "",
            "554 5.6.0 Message looks like spam\r\n",
        ];
        let mut client = session(&turns).unwrap();
        let error = client
            .send(&alice(), &[mailbox("bob@example.test")], &message("hi\r\n"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused the message: 554 5.6.0 Message looks like spam"
        );
        let SmtpError::Refused { status, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!(status, Some(EnhancedCode::new(5, 6, 0)));
    }

    #[test]
    fn a_status_of_the_wrong_class_is_no_status() {
        // RFC 3463 §2: the class must match the reply's first digit.
        let table = [
            (
                550,
                "5.1.1 No such user",
                Some(EnhancedCode::BAD_DESTINATION_MAILBOX),
            ),
            (550, "2.1.1 wrong class", None),
            (550, "No such user", None),
            (250, "2.0.0", Some(EnhancedCode::OK)),
        ];
        for (code, text, expected) in table {
            let reply = Reply {
                code,
                lines: vec![text.to_string()],
            };
            assert_eq!(status_of(&reply), expected, "{text}");
        }
    }

    #[test]
    fn a_line_break_in_the_ehlo_name_is_never_sent() {
        let options = Options {
            client_name: "client\r\nMAIL FROM:<x@y>".to_string(),
            ..options(Transcript::silent())
        };
        let error = session_with(&[GREETING], options).unwrap_err();
        assert!(matches!(error, SmtpError::Usage(_)));
        assert_eq!(
            error.to_string(),
            "the EHLO name: command holds a CR byte, which could end its line early: not sent"
        );
    }

    #[test]
    fn no_recipient_is_a_usage_error() {
        let mut client = session(&[GREETING, &ehlo(&[])]).unwrap();
        let error = client.send(&alice(), &[], &message("hi")).unwrap_err();
        assert!(matches!(error, SmtpError::Usage(_)));
        assert_eq!(written(&client), "EHLO client.example.org\r\n");
    }

    #[test]
    fn garbage_a_close_and_silence_are_told_apart() {
        let table: &[(&[&str], &str)] = &[
            (
                &["hello there\r\n"],
                "the server's reply is not valid SMTP: reply does not start with a code from 100 to 599",
            ),
            (
                &["\x16\x03\x01\x02\x00\x01\x00\x01\x03\x03\r\n"],
                "the server's reply is not valid SMTP: reply does not start with a code from 100 to 599",
            ),
            // RFC 5321 §4.2.1: every line of a reply carries the same code.
            (
                &[GREETING, "250-mx.example.test\r\n251 SIZE 10\r\n"],
                "the server's reply is not valid SMTP: reply line has code 251 inside a 250 reply",
            ),
            (
                &[GREETING, "250-mx.example.test\r\n SIZE 10\r\n"],
                "the server's reply is not valid SMTP: reply does not start with a code from 100 to 599",
            ),
            (&[GREETING, "250-mx.example.test\r\n"], "the server closed the connection"),
            (&[""], "the server closed the connection"),
            // The greeting never comes: the read times out.
            (
                &["", "250 never readable\r\n"],
                "no answer from the server within 30 s (raise the timeout if it is just slow)",
            ),
        ];
        for (turns, expected) in table {
            let error = session(turns).unwrap_err();
            assert_eq!(error.to_string(), *expected, "{turns:?}");
        }
    }

    #[test]
    fn a_refusal_shows_the_servers_words_without_their_escapes() {
        let error = session(&["554 \x1b[2Jgo away\r\n", ""]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused the connection: 554 \\u{1b}[2Jgo away"
        );
    }

    #[test]
    fn message_ids_differ_from_one_call_to_the_next() {
        let domain = Domain::Name("example.org".into());
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| new_message_id(&domain)).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(id.starts_with('<') && id.ends_with("@example.org>"), "{id}");
        }
    }

    #[test]
    fn a_421_ends_the_session_wherever_it_comes() {
        // RFC 5321 §3.8: 421 is the server closing the connection, in
        // answer to any command; nothing more is sent after it.
        let closing = "421 4.4.2 Idle too long, closing\r\n";
        let pipelined = format!("250 OK\r\n{closing}");
        let ehlo_plain = ehlo(&[]);
        let ehlo_pipelining = ehlo(&["PIPELINING"]);
        let table: Vec<(Vec<&str>, &str, &str)> = vec![
            (
                vec![GREETING, &ehlo_plain, "250 OK\r\n", closing],
                "RCPT TO:<bob@example.test>",
                "RCPT TO:<bob@example.test>\r\n",
            ),
            (
                vec![GREETING, &ehlo_pipelining, &pipelined],
                "RCPT TO:<bob@example.test>",
                "RCPT TO:<bob@example.test>\r\n\
                 RCPT TO:<carol@example.test>\r\n\
                 DATA\r\n",
            ),
            (
                vec![
                    GREETING,
                    &ehlo_plain,
                    "250 OK\r\n",
                    "250 OK\r\n",
                    "250 OK\r\n",
                    closing,
                ],
                "DATA",
                "RCPT TO:<carol@example.test>\r\nDATA\r\n",
            ),
        ];
        for (turns, command, written_last) in table {
            let mut client = session(&turns).unwrap();
            let error = client
                .send(&alice(), &bob_and_carol(), &message("hi\r\n"))
                .unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("the server refused {command}: 421 4.4.2 Idle too long, closing")
            );
            let sent = written(&client);
            assert!(sent.ends_with(written_last), "{sent}");
        }
    }

    #[test]
    fn rset_and_noop_expect_250() {
        let turns = [
            GREETING,
            &ehlo(&[]),
            "250 OK\r\n",
            "250 OK\r\n",
            "221 Bye\r\n",
        ];
        let mut client = session(&turns).unwrap();
        client.rset().unwrap();
        client.noop().unwrap();
        client.quit().unwrap();
    }
}

//! The SMTP server's I/O part: the thin shell around [`SmtpSession`] that
//! owns the socket and the Maildirs.
//!
//! [`SmtpHandler`] is a [`Handler`] for [`crate::serve`]: for each
//! connection it makes an [`SmtpSession`] and runs it with [`drive`]. All
//! the rules (order, recipients, limits, replies) are the session's; this
//! file reads and stores the message when the session asks, with
//! [`Action::Receive`], and answers it with [`SmtpSession::finish`].
//!
//! # Storing a message
//!
//! The message is never held whole in memory: it is read through the
//! strict [`DotReader`] (only `CR LF . CR LF` ends it, so `LF . LF` cannot
//! smuggle a second message in), its CR LF line ends turned into LF
//! ([`UnixLines`]), and written as it arrives into one Maildir
//! [`Delivery`] per recipient, after that copy's trace fields. The
//! Maildir of user `U` is `MAILDIR_ROOT/U`, created at its first delivery.
//!
//! ```text
//!  354 ─> DotReader ─> UnixLines ─> 64 KiB ─┬─> alice/tmp/1764585600.M1P7Q1.host
//!         (limit)      (CR LF→LF)   buffer   └─> bob/tmp/1764585600.M1P7Q2.host
//!  . ───> every copy committed (fsync, rename into new/, fsync) ─> 250
//! ```
//!
//! Only once every copy is committed does the client get `250` (RFC 5321
//! §6.1). Until then nothing is in any `new/`: a client that vanishes in
//! the middle, or a message past the limit (read to its end, then `552`),
//! leaves every copy in `tmp/`, and dropping a `Delivery` removes it.
//!
//! If one copy cannot be written, every copy is dropped and the reply is
//! `451 4.3.0`: the client tries again later, to every recipient, as one
//! reply to DATA says one thing for all of them. If a commit fails after
//! others succeeded, the copies already in `new/` are deleted again, so
//! that the retry does not give them a second one; a copy that cannot be
//! deleted either is named in the reply ("some may get it twice"). A
//! message delivered twice is a nuisance; one lost after a `250` is the
//! failure a mail server must never have.
//!
//! # Deadlines
//!
//! Between commands, a client may stay silent for [`IDLE_TIMEOUT`] (the
//! socket's read timeout). A command line, once begun, must arrive whole
//! within as long again, and a message within [`DATA_TIMEOUT`] of its
//! `354`, however slowly a client trickles its bytes
//! ([`crate::deadline::TimedStream`]). Past either, `421 4.4.2`.
//!
//! # Discard mode
//!
//! [`SmtpHandler::discard`] reads every message as above and stores
//! nothing: for measuring the protocol alone, without the disk.

use super::message::format_date;
use super::reply::{self, EnhancedCode};
use super::session::{Action, Config, Envelope, Outcome, SmtpSession, IDLE_TIMEOUT, MAX_LINE_LEN};
use super::trace::Trace;
use crate::deadline::TimedStream;
use crate::http::server::linger;
use crate::maildir::{check_user_name, Delivery, DeliveryError, Maildir, UnixLines};
use crate::serve::Handler;
use crate::transcript::{Side, Tee, Transcript};
use crate::wire::dot::{DotReader, MessageError};
use crate::wire::line::{Endings, LineReader};
use crate::wire::session::{drive, Ended, Limits, Output};
use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a message may take to arrive, from its `354` to its final
/// dot: 10 minutes. RFC 5321 §4.5.3.2 gives the client 3 minutes for each
/// block it sends and sets no total, but a total is what stops a client
/// that trickles a byte a minute. At the default limit of 32 MiB it asks
/// 56 KB a second of the largest message; a message of a megabyte would
/// have to come slower than 2 KB a second to be cut off.
pub const DATA_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The bytes of a message gathered before they are written to every copy:
/// one write per copy per 64 KiB, whatever the sizes of the reads, and a
/// bound on what one connection holds however many recipients it has.
pub const STORE_BUFFER_LEN: usize = 64 * 1024;

/// Serves SMTP for one domain, storing messages into a Maildir per user.
///
/// ```no_run
/// use netlessons::serve::Server;
/// use netlessons::smtp::server::SmtpHandler;
///
/// let handler = SmtpHandler::new("example.test", "/var/mail", ["alice", "bob"])?;
/// Server::bind("127.0.0.1:2525")?.run(handler)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SmtpHandler {
    config: Arc<Config>,
    maildir_root: PathBuf,
    /// Accept and drop every message.
    discard: bool,
    idle_timeout: Duration,
    data_timeout: Duration,
    transcript: Option<Transcript>,
}

impl SmtpHandler {
    /// Takes mail for `users` at `domain` into `maildir_root/USER`. A user
    /// name must be fit for a directory of its own: not empty, not `.` or
    /// `..`, with no `/`, `\` or control character (`InvalidInput` if not).
    pub fn new<I, S>(
        domain: impl Into<String>,
        maildir_root: impl AsRef<Path>,
        users: I,
    ) -> io::Result<SmtpHandler>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let config = Config::new(domain, users);
        if let Some(bad) = config
            .users
            .iter()
            .find(|user| check_user_name(user).is_err())
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{bad:?} cannot name a mailbox directory"),
            ));
        }
        // What deliveries killed with `kill -9` left in tmp/ (no drop ran
        // to remove it) goes now, once old enough (Maildir::clean_tmp). A
        // Maildir that cannot be cleaned still takes mail.
        for user in &config.users {
            if let Ok(maildir) = Maildir::open(maildir_root.as_ref().join(user)) {
                let _ = maildir.clean_tmp(SystemTime::now());
            }
        }
        Ok(SmtpHandler {
            config: Arc::new(config),
            maildir_root: maildir_root.as_ref().to_path_buf(),
            discard: false,
            idle_timeout: IDLE_TIMEOUT,
            data_timeout: DATA_TIMEOUT,
            transcript: None,
        })
    }

    /// Accepts every message as usual, and stores none.
    pub fn discard(mut self) -> SmtpHandler {
        self.discard = true;
        self
    }

    /// Takes mail for `domain` too.
    pub fn with_domain(mut self, domain: impl Into<String>) -> SmtpHandler {
        Arc::make_mut(&mut self.config).domains.push(domain.into());
        self
    }

    /// Takes messages of up to `len` octets (EHLO's `SIZE`).
    pub fn with_max_message_len(mut self, len: u64) -> SmtpHandler {
        Arc::make_mut(&mut self.config).max_message_len = len;
        self
    }

    /// Waits `idle` for a command and `data` for a message, instead of
    /// [`IDLE_TIMEOUT`] and [`DATA_TIMEOUT`].
    pub fn with_timeouts(mut self, idle: Duration, data: Duration) -> SmtpHandler {
        self.idle_timeout = idle;
        self.data_timeout = data;
        self
    }

    /// Records every conversation in `transcript` (the messages too).
    pub fn with_transcript(mut self, transcript: Transcript) -> SmtpHandler {
        self.transcript = Some(transcript);
        self
    }
}

impl Handler for SmtpHandler {
    fn handle(&self, stream: &TcpStream, peer: SocketAddr) -> io::Result<()> {
        stream.set_read_timeout(Some(self.idle_timeout))?;
        // Replies are small and each must leave at once: with Nagle's
        // algorithm, the second reply to a pipelined batch would wait for
        // the client's acknowledgement of the first (up to 40 ms).
        stream.set_nodelay(true)?;
        let mut session = SmtpSession::new(Arc::clone(&self.config), peer.ip());
        let limits = Limits {
            max_line_len: MAX_LINE_LEN,
            endings: Endings::Crlf,
        };
        let wire = Wire::new(stream, self.idle_timeout);
        let ended = match &self.transcript {
            Some(transcript) => {
                let tee = transcript.tee(wire, Side::Server);
                drive(&mut session, tee, limits, |session, action, lines| {
                    self.act(session, action, lines)
                })
            }
            None => drive(&mut session, wire, limits, |session, action, lines| {
                self.act(session, action, lines)
            }),
        };
        // After a 421 (or a QUIT), the client may still be sending: a
        // close with its bytes unread would reset the connection, and the
        // reset can destroy the last reply before the client reads it.
        if ended? == Ended::BySession {
            linger(stream);
        }
        Ok(())
    }

    /// `421 4.3.2 example.test too busy; try again later` (RFC 5321 §3.8).
    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        let text = format!("{} too busy; try again later", self.config.domain);
        let reply = reply::with_status(
            reply::SERVICE_NOT_AVAILABLE,
            EnhancedCode::SYSTEM_NOT_ACCEPTING,
            &text,
        );
        stream.write_all(format!("{reply}\r\n").as_bytes())
    }
}

impl SmtpHandler {
    /// Carries out `action`, and hands its outcome to the session.
    fn act<T: Read + Write + MessageClock>(
        &self,
        session: &mut SmtpSession,
        action: Action,
        lines: &mut LineReader<T>,
    ) -> io::Result<Output<Action>> {
        let Action::Receive(envelope) = action;
        lines
            .get_mut()
            .set_message_deadline(Some(Instant::now() + self.data_timeout));
        let outcome = self.receive(&envelope, lines);
        lines.get_mut().set_message_deadline(None);
        Ok(session.finish(outcome?))
    }

    // ANCHOR: receive
    /// Reads the message after the `354` and stores its copies. An `Err`
    /// is the connection's: the client went away, and no copy is left.
    fn receive(&self, envelope: &Envelope, lines: &mut impl BufRead) -> io::Result<Outcome> {
        let id = new_transaction_id();
        // `None` once a copy has failed: the others are dropped with it.
        let mut copies = match self.discard {
            true => Some(Vec::new()),
            false => self.start_copies(envelope, &id),
        };
        let mut message = DotReader::new(lines).with_limit(envelope.max_len);
        let mut unix_lines = UnixLines::default();
        // The dot reader hands out at most a line reader's buffer at a time.
        let mut buffer = [0; 4096];
        // Grows to what a message needs, up to a little past STORE_BUFFER_LEN.
        let mut pending = Vec::new();
        loop {
            let read = match message.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return end_of_message(error),
            };
            if self.discard {
                continue;
            }
            unix_lines.convert(&buffer[..read], &mut pending);
            if pending.len() >= STORE_BUFFER_LEN {
                write_to_every(&mut copies, &pending);
                pending.clear();
            }
        }
        unix_lines.finish(&mut pending);
        write_to_every(&mut copies, &pending);
        Ok(match copies {
            Some(copies) => commit_all(copies, id),
            None => Outcome::NotStored { copies_left: 0 },
        })
    }
    // ANCHOR_END: receive

    /// A delivery per recipient, its trace fields written; `None` if one
    /// cannot be started (the others are dropped, and removed).
    fn start_copies(&self, envelope: &Envelope, id: &str) -> Option<Vec<RecipientCopy>> {
        let date = format_date(SystemTime::now());
        let mut copies = Vec::new();
        for recipient in &envelope.recipients {
            let dir = self.maildir_root.join(&recipient.user);
            // The dot reader enforces the limit, on the message as sent;
            // the stored copy has its trace fields on top, and LF ends.
            let maildir = Maildir::create(dir).ok()?.with_limit(u64::MAX);
            let mut delivery = maildir.start_delivery().ok()?;
            let trace = Trace {
                from: &envelope.from,
                client_name: &envelope.client_name,
                client_address: envelope.client_address,
                server: &self.config.domain,
                protocol: envelope.protocol,
                id,
                recipient: &recipient.path,
                date: &date,
            };
            delivery.write_all(trace.to_header().as_bytes()).ok()?;
            copies.push(RecipientCopy { maildir, delivery });
        }
        Some(copies)
    }
}

/// One recipient's copy being written.
struct RecipientCopy {
    maildir: Maildir,
    delivery: Delivery,
}

/// Writes `bytes` to every copy; if one write fails, drops them all
/// (removing their files), and the message is read on to its end.
fn write_to_every(copies: &mut Option<Vec<RecipientCopy>>, bytes: &[u8]) {
    if let Some(list) = copies {
        if list
            .iter_mut()
            .any(|copy| copy.delivery.write_all(bytes).is_err())
        {
            *copies = None;
        }
    }
}

// ANCHOR: commit_all
/// Commits every copy; if one fails, takes back those already in `new/`.
fn commit_all(copies: Vec<RecipientCopy>, id: String) -> Outcome {
    let mut committed: Vec<(Maildir, String)> = Vec::new();
    let mut copies = copies.into_iter();
    for RecipientCopy { maildir, delivery } in copies.by_ref() {
        match delivery.commit() {
            Ok(name) => committed.push((maildir, name)),
            Err(error) => {
                if let DeliveryError::NotDurable { name, .. } = error {
                    // In new/, but maybe not for good: taken back as well.
                    committed.push((maildir, name));
                }
                // The copies not yet committed are dropped with `copies`.
                let copies_left = committed
                    .iter()
                    .filter(|(maildir, name)| maildir.delete(name).is_err())
                    .count();
                return Outcome::NotStored { copies_left };
            }
        }
    }
    Outcome::Stored { id }
}
// ANCHOR_END: commit_all

/// The outcome of a message read that failed with `error`: too large (read
/// to its end), or the connection's own failure.
fn end_of_message(error: io::Error) -> io::Result<Outcome> {
    let message_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<MessageError>());
    match message_error {
        Some(MessageError::TooLarge { .. }) => Ok(Outcome::TooLarge),
        _ if matches!(
            error.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ) =>
        {
            Ok(Outcome::TimedOut)
        }
        _ => Err(error),
    }
}

/// Transactions started by this process, for their ids.
static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

/// A new transaction id: `1764585600.M042137P4242Q7`, the time, the
/// process and a counter, as a Maildir name has them, so that two ids
/// never meet in one server's logs.
fn new_transaction_id() -> String {
    let count = TRANSACTIONS.fetch_add(1, Ordering::Relaxed);
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // The pid is asked of the system once, not for every message.
    static PID: OnceLock<u32> = OnceLock::new();
    let pid = PID.get_or_init(std::process::id);
    format!(
        "{}.M{:06}P{pid}Q{count}",
        since.as_secs(),
        since.subsec_micros(),
    )
}

// ANCHOR: wire
/// The socket as the session's loop reads and writes it: a command line
/// must arrive whole within the idle timeout of its first byte, and a
/// message within its own deadline.
///
/// As in chapter 02's echo server, a line is known to be under way when
/// the last read did not end with LF; then the [`TimedStream`] gets a
/// deadline. Between lines there is none, and a read waits for the whole
/// idle timeout (the socket's).
struct Wire<'a> {
    stream: TimedStream<'a>,
    line_time: Duration,
    /// While a message is read: its deadline, in force of the line's.
    message_deadline: Option<Instant>,
}

impl<'a> Wire<'a> {
    /// Reads `stream`, giving a command line `line_time` from its first byte.
    fn new(stream: &'a TcpStream, line_time: Duration) -> Wire<'a> {
        Wire {
            stream: TimedStream::new(stream),
            line_time,
            message_deadline: None,
        }
    }
}

impl Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.message_deadline {
            self.stream.set_deadline(Some(deadline));
            return self.stream.read(buf);
        }
        let n = self.stream.read(buf)?;
        let line_deadline = Some(Instant::now() + self.line_time);
        match buf[..n].iter().rposition(|&byte| byte == b'\n') {
            Some(lf) if lf + 1 == n => self.stream.set_deadline(None),
            Some(_) => self.stream.set_deadline(line_deadline),
            None if n > 0 && self.stream.deadline().is_none() => {
                self.stream.set_deadline(line_deadline);
            }
            None => {}
        }
        Ok(n)
    }
}

impl Write for Wire<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.stream.get_ref().write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.get_ref().flush()
    }
}
// ANCHOR_END: wire

/// A stream on which a whole message can be given a deadline: [`Wire`],
/// and [`Wire`] seen through a transcript's [`Tee`].
trait MessageClock {
    /// Reads fail with `TimedOut` after `deadline`; `None` goes back to
    /// the command lines' deadlines.
    fn set_message_deadline(&mut self, deadline: Option<Instant>);
}

impl MessageClock for Wire<'_> {
    fn set_message_deadline(&mut self, deadline: Option<Instant>) {
        self.message_deadline = deadline;
        if deadline.is_none() {
            self.stream.set_deadline(None);
        }
    }
}

impl<S: MessageClock> MessageClock for Tee<S> {
    fn set_message_deadline(&mut self, deadline: Option<Instant>) {
        self.get_mut().set_message_deadline(deadline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_that_cannot_be_a_directory_are_refused() {
        for bad in ["", ".", "..", "a/b", "..\\x", "a\nb", "a\0"] {
            let error = SmtpHandler::new("example.test", "/nonexistent", [bad]).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        for good in ["alice", "bob.smith", "postmaster", "a-b_c"] {
            assert!(SmtpHandler::new("example.test", "/nonexistent", [good]).is_ok());
        }
    }

    #[test]
    fn transaction_ids_differ() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| new_transaction_id()).collect();
        assert_eq!(ids.len(), 1000);
    }
}

//! The POP3 server's I/O part: sockets, the maildrop lock, and the
//! Maildir files around the pure [`Pop3Session`].
//!
//! Each connection runs a [`Pop3Session`] under
//! [`drive`], and does the I/O its actions ask
//! for:
//!
//! | action | what this file does |
//! | --- | --- |
//! | `Delay` | sleeps until the instant given (a failed login) |
//! | `Open` | locks the user's maildrop, and lists `MAILDIR_ROOT/USER` ([`Maildir::list`]) |
//! | `OpenMessage` | opens the message's file |
//! | `Send` | streams it through [`Top`] (for `TOP`) and a [`DotWriter`], within [`SEND_GRACE`] and [`MIN_SEND_RATE`] |
//! | `Remove` | deletes each marked message ([`Maildir::delete`]) |
//!
//! # One session per maildrop
//!
//! RFC 1939 §4 asks the server to lock the maildrop while a session has it
//! open: otherwise two clients see the same message numbers, one deletes
//! message 3, and the other's `DELE 3` removes a different message after a
//! renumbering. The lock here is a set of user names shared by the
//! server's threads, held by a guard that every way out of a connection
//! drops (`QUIT`, a vanished client, a timeout, a panic), so no maildrop
//! stays locked after its session. It locks against this server's own
//! sessions only; a second server process on the same Maildir is not
//! stopped (Maildir itself needs no lock for delivery, which is why SMTP
//! can deliver while a POP3 session is open).
//!
//! # What a session sees
//!
//! The listing is taken once, at login: a message delivered during the
//! session waits for the next one, and one removed by another program is
//! answered with `-ERR` when asked for; so is one whose file was cut or
//! grown since the listing, as the size LIST gave for it would be wrong,
//! and a message that shrinks while it is sent ends the connection
//! without its `.` line, so that no client takes it for whole. Each message's unique id (`UIDL`)
//! is its Maildir name, which [`crate::maildir`] keeps within RFC 1939's
//! 70 printable characters; a file in `cur/` whose name another program
//! made too long, or odd, is left out of the listing (and so never
//! deleted) rather than given an id that could change.
//!
//! Files end their lines with LF, as Maildir readers expect; the wire ends
//! them with CR LF ([`super::message`]), so a message's size is counted
//! by reading it through [`WireSize`] at login.

use super::command::MAX_COMMAND_LINE_LEN;
use super::message::{Top, WireSize};
use super::session::{is_valid_uid, Action, Message, Outcome, Pop3Session, IDLE_TIMEOUT};
use crate::accounts::Accounts;
use crate::deadline::write_timeout;
use crate::maildir::{check_user_name, Maildir};
use crate::serve::Handler;
use crate::transcript::{Side, Transcript};
use crate::wire::dot::DotWriter;
use crate::wire::line::{Endings, LineReader};
use crate::wire::session::{drive, Limits};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// The most messages one session lists: 100 000, the oldest first. A
/// mailbox that grew past this (a client that never deletes) is still
/// served, in pieces: the client deletes what it fetched and sees the next
/// ones in its next session. Without a bound, each login would read every
/// file of a mailbox of any size, and keep a line per message in memory.
pub const MAX_LISTED_MESSAGES: usize = 100_000;

/// The buffer a message streams through: 64 KiB, as the FTP server's.
pub const SEND_BUFFER_LEN: usize = 64 * 1024;

/// How long any message may take to go out, before [`MIN_SEND_RATE`]
/// counts: 30 seconds, as the HTTP server's grace for a response.
pub const SEND_GRACE: Duration = Duration::from_secs(30);

/// The slowest a client may take a message, in bytes a second, after
/// [`SEND_GRACE`]: 8 KiB, as the HTTP server's. A `RETR` of a message of
/// `n` bytes may last `SEND_GRACE + n / MIN_SEND_RATE`; past it the
/// connection is closed. Without such a bound, a client that takes one
/// byte now and then never trips the socket's write timeout, and keeps
/// its thread for as long as the message lasts (a "slow read"). At 8 KiB
/// a second, a megabyte has two minutes; the default largest message of
/// chapter 10, 32 MiB, a little over an hour.
pub const MIN_SEND_RATE: u64 = 8 * 1024;

/// The longest a login failure's delay may be asked to last: a bound on
/// what a session can make a thread sleep.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// A POP3 server over the Maildirs under one directory: user `alice`'s
/// maildrop is `MAILDIR_ROOT/alice`, as the SMTP server of chapter 10
/// delivers it.
#[derive(Debug, Clone)]
pub struct Pop3Handler {
    maildir_root: PathBuf,
    accounts: Accounts,
    locked: Arc<Mutex<HashSet<String>>>,
    /// [`SEND_GRACE`] and [`MIN_SEND_RATE`], unless changed.
    send_pace: (Duration, u64),
    transcript: Option<Transcript>,
}

impl Pop3Handler {
    /// Serves the maildrops under `maildir_root` to `accounts`.
    pub fn new(maildir_root: impl Into<PathBuf>, accounts: Accounts) -> Pop3Handler {
        Pop3Handler {
            maildir_root: maildir_root.into(),
            accounts,
            locked: Arc::default(),
            send_pace: (SEND_GRACE, MIN_SEND_RATE),
            transcript: None,
        }
    }

    /// Gives a message `grace`, then `min_rate` bytes a second, to go
    /// out, instead of [`SEND_GRACE`] and [`MIN_SEND_RATE`].
    pub fn with_send_pace(mut self, grace: Duration, min_rate: u64) -> Pop3Handler {
        self.send_pace = (grace, min_rate.max(1));
        self
    }

    /// Shows every connection's conversation in `transcript`.
    pub fn with_transcript(mut self, transcript: Transcript) -> Pop3Handler {
        self.transcript = Some(transcript);
        self
    }
}

impl Handler for Pop3Handler {
    fn handle(&self, stream: &TcpStream, _peer: SocketAddr) -> io::Result<()> {
        stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
        // A message leaves in three writes (its status line, its lines,
        // its end marker), and each must go at once: with Nagle's
        // algorithm, the second would wait for the client to acknowledge
        // the first, which a client waiting for the rest delays (up to
        // 40 ms a message).
        stream.set_nodelay(true)?;
        let mut session = Pop3Session::new(self.accounts.clone());
        let mut connection = Connection {
            handler: self,
            socket: stream,
            lock: None,
            paths: HashMap::new(),
            opened: None,
        };
        let limits = Limits {
            max_line_len: MAX_COMMAND_LINE_LEN,
            // A server that runs no command it did not understand can
            // forgive a bare LF at the end of one.
            endings: Endings::CrlfOrLf,
        };
        match &self.transcript {
            Some(transcript) => {
                let tee = transcript.tee(stream, Side::Server);
                drive(&mut session, tee, limits, |session, action, lines| {
                    connection.act(session, action, lines)
                })?
            }
            None => drive(&mut session, stream, limits, |session, action, lines| {
                connection.act(session, action, lines)
            })?,
        };
        Ok(())
    }

    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        stream.write_all(b"-ERR [SYS/TEMP] too many connections; try again later\r\n")
    }
}

// ANCHOR: lock
/// The lock on one maildrop, released when dropped.
struct Lock {
    user: String,
    locked: Arc<Mutex<HashSet<String>>>,
}

impl Lock {
    /// Takes the lock on `user`'s maildrop, unless a session holds it.
    fn take(user: &str, locked: &Arc<Mutex<HashSet<String>>>) -> Option<Lock> {
        let mut set = locked.lock().unwrap_or_else(PoisonError::into_inner);
        set.insert(user.to_string()).then(|| Lock {
            user: user.to_string(),
            locked: Arc::clone(locked),
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let mut set = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        set.remove(&self.user);
    }
}
// ANCHOR_END: lock

/// One connection's I/O state.
struct Connection<'a> {
    handler: &'a Pop3Handler,
    /// The socket, whose write timeout a message's deadline sets.
    socket: &'a TcpStream,
    /// The maildrop's lock and the Maildir, once logged in.
    lock: Option<(Lock, Maildir)>,
    /// Each listed message's file and its length then, by unique id.
    paths: HashMap<String, (PathBuf, u64)>,
    /// The message `OpenMessage` opened, for the `Send` after it: its file
    /// (no more than the listed length of it), and how to cut it for TOP.
    opened: Option<(io::Take<File>, Option<Top>)>,
}

impl Connection<'_> {
    fn act<T: Read + Write>(
        &mut self,
        session: &mut Pop3Session,
        action: Action,
        lines: &mut LineReader<T>,
    ) -> io::Result<crate::wire::session::Output<Action>> {
        let outcome = match action {
            Action::Delay(until) => {
                let wait = until.saturating_duration_since(Instant::now());
                thread::sleep(wait.min(MAX_DELAY));
                Outcome::Waited
            }
            Action::Open { user } => self.open(&user),
            Action::OpenMessage { uid, body_lines } => match self.paths.get(&uid) {
                Some((path, len)) => match open_as_listed(path, *len) {
                    Ok(file) => {
                        self.opened = Some((file, body_lines.map(Top::new)));
                        Outcome::MessageOpened
                    }
                    Err(_) => Outcome::Failed,
                },
                None => Outcome::Failed,
            },
            Action::Send => match self.send(lines.get_mut()) {
                Ok(()) => Outcome::Sent,
                Err(_) => Outcome::Failed,
            },
            Action::Remove { uids } => self.remove(&uids),
        };
        Ok(session.finish(outcome))
    }

    // ANCHOR: open
    /// Locks and lists `user`'s maildrop.
    fn open(&mut self, user: &str) -> Outcome {
        // The name becomes a path under the root: one that could lead out
        // of it (`..`, `/`) is no maildrop, whoever configured it.
        if check_user_name(user).is_err() {
            return Outcome::Failed;
        }
        let Some(lock) = Lock::take(user, &self.handler.locked) else {
            return Outcome::InUse;
        };
        let dir = self.handler.maildir_root.join(user);
        // A user to whom nothing was ever delivered has an empty maildrop.
        let maildir = match dir.exists() {
            true => Maildir::open(&dir),
            false => Maildir::create(&dir),
        };
        let Ok(maildir) = maildir else {
            return Outcome::Failed;
        };
        let Ok(found) = maildir.list() else {
            return Outcome::Failed;
        };
        let mut messages = Vec::new();
        for message in found.into_iter().filter(|m| is_valid_uid(&m.name)) {
            if messages.len() == MAX_LISTED_MESSAGES {
                break;
            }
            // A file that went away between the listing and now is not
            // offered; one that cannot be read fails the login, rather
            // than show a size that would be wrong.
            match wire_size_of(&message.path) {
                Ok((len, size)) => {
                    self.paths.insert(message.name.clone(), (message.path, len));
                    messages.push(Message {
                        uid: message.name,
                        size,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(_) => return Outcome::Failed,
            }
        }
        self.lock = Some((lock, maildir));
        Outcome::Opened(messages)
    }
    // ANCHOR_END: open

    // ANCHOR: send
    /// Streams the opened message, dot-stuffed, with its end marker.
    fn send(&mut self, out: &mut impl Write) -> io::Result<()> {
        let (mut file, mut top) = self
            .opened
            .take()
            .ok_or_else(|| io::Error::other("no message was opened"))?;
        let (grace, min_rate) = self.handler.send_pace;
        let allowed = grace.saturating_add(Duration::from_secs(file.limit() / min_rate));
        // No deadline only if it lies past what an Instant can hold.
        let deadline = Instant::now().checked_add(allowed);
        let mut writer = DotWriter::new(Deadlined::new(out, self.socket, deadline)?);
        let mut buffer = vec![0; SEND_BUFFER_LEN];
        loop {
            let n = match file.read(&mut buffer) {
                // Cut while it was being sent: the `+OK` promised more.
                Ok(0) if top.is_none() && file.limit() > 0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the message is shorter than when it was listed",
                    ))
                }
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            match &mut top {
                Some(top) => {
                    writer.write_all(top.cut(&buffer[..n]))?;
                    if top.is_done() {
                        break;
                    }
                }
                None => writer.write_all(&buffer[..n])?,
            }
        }
        writer.finish()?.restore()
    }
    // ANCHOR_END: send

    /// Removes the marked messages, and lets go of the maildrop: QUIT's
    /// UPDATE state.
    fn remove(&mut self, uids: &[String]) -> Outcome {
        let Some((_, maildir)) = &self.lock else {
            return Outcome::Failed;
        };
        let failed = uids
            .iter()
            .filter(|uid| match maildir.delete(uid) {
                Ok(()) => false,
                // Gone already (another program removed it): what the
                // client asked for is done.
                Err(error) => error.kind() != io::ErrorKind::NotFound,
            })
            .count();
        // The session is over: the maildrop is free before the goodbye.
        self.lock = None;
        Outcome::Removed { failed }
    }
}

/// A writer to the socket that fails once a deadline has passed: each
/// write may wait only for the time left (the socket's write timeout,
/// shortened), so a client that takes a byte now and then is cut off at
/// the deadline, not at the end of the message.
struct Deadlined<'s, W> {
    inner: W,
    socket: &'s TcpStream,
    deadline: Option<Instant>,
    /// The socket's own write timeout, put back by `restore`.
    own: Option<Duration>,
    in_force: Option<Duration>,
}

impl<'s, W: Write> Deadlined<'s, W> {
    fn new(
        inner: W,
        socket: &'s TcpStream,
        deadline: Option<Instant>,
    ) -> io::Result<Deadlined<'s, W>> {
        let own = socket.write_timeout()?;
        Ok(Deadlined {
            inner,
            socket,
            deadline,
            own,
            in_force: own,
        })
    }

    /// Gives the socket its own write timeout again, for the replies.
    fn restore(self) -> io::Result<()> {
        if self.in_force != self.own {
            self.socket.set_write_timeout(self.own)?;
        }
        Ok(())
    }
}

impl<W: Write> Write for Deadlined<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let Some(deadline) = self.deadline else {
            return self.inner.write(bytes);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client takes the message too slowly",
            ));
        }
        let timeout = write_timeout(left, self.own);
        if timeout != self.in_force {
            self.socket.set_write_timeout(timeout)?;
            self.in_force = timeout;
        }
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The message in `path`, if it still has the length it had when it was
/// listed: one cut or grown since (by another program: Maildir messages
/// are never changed in place) is not the message whose size LIST gave,
/// and is refused before a byte of it is sent. At most `len` bytes of it
/// are read, should it grow while it is being sent.
fn open_as_listed(path: &Path, len: u64) -> io::Result<io::Take<File>> {
    let file = File::open(path)?;
    if file.metadata()?.len() != len {
        return Err(io::Error::other("the message changed since it was listed"));
    }
    Ok(file.take(len))
}

/// The length of the file in `path`, and the size of its message on the
/// wire.
fn wire_size_of(path: &Path) -> io::Result<(u64, u64)> {
    let mut file = File::open(path)?;
    let mut size = WireSize::default();
    let mut len = 0;
    let mut buffer = vec![0; SEND_BUFFER_LEN];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok((len, size.total())),
            Ok(n) => {
                len += n as u64;
                size.feed(&buffer[..n]);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

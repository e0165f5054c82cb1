//! The FTP server's I/O part: the thin shell around [`FtpSession`] that
//! owns the sockets and the files.
//!
//! [`FtpHandler`] is a [`Handler`] for [`crate::serve`]: for each control
//! connection it makes an [`FtpSession`], runs it with
//! [`drive`], and carries out every [`Action`] the session asks for,
//! answering each with one [`FtpSession::finish`]. All the rules (logins,
//! order, replies) are the session's; this file only does what it is told:
//!
//! - `OpenPassive`: bind a listener on the control connection's local
//!   address, port 0 (one per session; a new one replaces the old).
//! - `Transfer`: open the file or directory through the path jail (the
//!   same walk as `http::files`: no symbolic link may lead out of the root).
//! - `OpenData`: accept (passive) or connect (active), move the bytes,
//!   close. A passive data connection from another host than the control
//!   connection's is closed unread (RFC 2577 §3, the other half of the
//!   bounce rule the session enforces for PORT).
//! - `File`: the file commands (CWD, SIZE, DELE, RNTO...).
//!
//! # What an upload guarantees
//!
//! `STOR` writes into a temporary file ([`AtomicFile`]) and renames it to
//! its name only after the data connection ended cleanly *and* the
//! control connection is still there, so a client that disconnects or
//! sends `ABOR` in the middle leaves the old file as it was, and no
//! temporary file. In stream mode the end of the data *is* the close
//! (RFC 959 §3.4), so a client that closes its data connection early and
//! keeps its control connection has, as far as any server can tell, sent
//! a whole file. `APPE` and `STOR` after `REST` write in place: they add
//! to the file that is there, so there is no old version to keep, and a
//! broken transfer leaves what arrived (which is what `REST` resumes
//! from). `STOU` writes in place too, under a name that is new.
//!
//! # Not watched
//!
//! `ABOR` while the server waits for a data connection is read after the
//! wait ([`DATA_CONNECT_TIMEOUT`] at most), as the next command. The end
//! of the control connection (the client left, or the server shuts down)
//! is seen during the wait, and ends it.
//!
//! A download whose client stopped reading is blocked in a write of the
//! data connection, not looking at the control connection: an `ABOR` sent
//! then is read when [`MIN_DATA_RATE`] ends the write (soon after
//! [`DATA_SEND_GRACE`]), and is answered as a command after the
//! transfer's `426`. A client that closes its data connection with its
//! `ABOR` ends the write at once.
//!
//! # ABOR during a transfer
//!
//! Before the first buffer of a transfer, and then before a buffer at
//! most every [`CONTROL_CHECK_INTERVAL`], the control connection is
//! checked for bytes without blocking. A line that arrives is read: `ABOR` ends
//! the transfer (426, then 226), any other command gets the session's
//! 503. A Telnet "interrupt process" and "data mark" before `ABOR` (IAC
//! IP, IAC DM, RFC 959 §4.1.3) are skipped by the command parser. The
//! "synch" of RFC 959 sends the DM as TCP urgent data, which std cannot
//! read: Python's `ftplib` sends the last byte of `ABOR\r\n` that way, so
//! its abort arrives without its LF and is not seen during the transfer.
//! An upload whose client stops sending is checked every
//! fifth of a second all the same, until [`DATA_IDLE_TIMEOUT`] ends it.

use super::ascii::{FromNetwork, ToNetwork};
use super::command::{parse_command, Command, TransferType, MAX_COMMAND_LINE_LEN};
use super::listing::{format_list_line, format_mlsx_line, format_nlst_line, DirEntry, Kind};
use super::pattern::NamePattern;
use super::reply::{one_line, SERVICE_NOT_AVAILABLE};
use super::session::{
    Action, DataConnection, DataMode, Failure, FileOp, FtpSession, Outcome, Transfer, TransferKind,
    Users, VirtualPath, IDLE_TIMEOUT,
};
use crate::atomic_file::{AtomicFile, TEMP_PREFIX};
use crate::deadline::Pace;
use crate::http::files::locate;
use crate::http::path::{classify_segment, Segment};
use crate::serve::Handler;
use crate::transcript::{Side, Transcript};
use crate::wire::line::{Endings, LineReader, ReadLineError};
use crate::wire::session::{drive, Limits, Output, Session};
use std::fs::{self, File, OpenOptions, ReadDir};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the server waits for a data connection: for the client to
/// connect after PASV or EPSV, or for the client to accept after PORT.
/// Thirty seconds (vsftpd's `accept_timeout` waits 60): a client that
/// means to connect does so at once, and one that never does gets 425 and frees
/// the thread. [`FtpHandler::with_data_connect_timeout`] changes it.
pub const DATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a passive listener is asked for a connection while waiting:
/// std has no accept with a timeout, so the listener is non-blocking and
/// polled. Short enough that a client waits no noticeable time.
const ACCEPT_POLL: Duration = Duration::from_millis(10);

/// How long an upload's data connection may stay silent before the
/// transfer is given up (426), and one write of a download may wait for
/// the client to take it. A minute: a sender silent that long has
/// stalled or gone, and should not hold a thread for the five minutes of
/// the control connection's [`IDLE_TIMEOUT`].
pub const DATA_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one read of an upload's data connection waits before the
/// control connection is looked at again: a silent sender's ABOR, its
/// departure, or the server's shutdown is seen within this, not after
/// [`DATA_IDLE_TIMEOUT`].
const DATA_READ_SLICE: Duration = Duration::from_millis(200);

/// The bytes a transfer moves at a time, file to socket or socket to
/// file. 64 KiB: large enough that system calls cost little beside the
/// copy, small enough for a thread per connection. Measured with curl
/// over loopback, `RETR` of a 200 MB file (release build, a busy
/// two-core machine, four runs each): 8 KiB took 0.17 to 0.39 s, 64 KiB
/// 0.13 to 0.32 s, 256 KiB 0.07 to 0.10 s. Every size is faster than a
/// network outside the machine, so the size is chosen for memory: 64 KiB
/// still moves over 600 MB a second.
pub const TRANSFER_BUFFER: usize = 64 * 1024;

/// How long a download may take before [`MIN_DATA_RATE`] applies: time
/// for a client to get going.
pub const DATA_SEND_GRACE: Duration = Duration::from_secs(10);

/// The slowest a client may read a download, in bytes a second, after the
/// grace: a client that stops reading is cut off, and frees its thread,
/// instead of holding it for ever (as `deadline::Pace` explains). 8 KiB/s,
/// as HTTP's: any line a person downloads over is faster. It must not be
/// much lower: after the grace the system still takes some 33 KB at a time
/// from a client that reads nothing, and each such write earns
/// `33 KB / rate` more seconds. Measured with a client that asks for a
/// 64 MiB file and never reads: at 1 KiB/s it held its thread for 106 s,
/// at 8 KiB/s for 23 s.
pub const MIN_DATA_RATE: u64 = 8 * 1024;

/// How often, at most, a transfer looks at the control connection for
/// `ABOR`. Looking costs three system calls (std can only peek without
/// waiting by making the socket non-blocking and back), which before
/// every [`TRANSFER_BUFFER`] were as many calls as the transfer's own;
/// 10 ms is too short for anyone to notice. Measured with
/// `lessons/12-measuring/bench-ftp.sh` (curl, `RETR` of 1 GiB over
/// loopback, release build, two cores): looking before every buffer took
/// 6 system calls per buffer and a median 330 ms of the server's CPU per
/// GiB (six runs); looking every 10 ms, 3 calls per buffer and 290 ms.
pub const CONTROL_CHECK_INTERVAL: Duration = Duration::from_millis(10);

/// How long a line that started to arrive on the control connection
/// during a transfer may take to end.
const CONTROL_LINE_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest delay the session may ask for (it asks for one second
/// after a failed login): a bound against a defect, not a rule.
const MAX_DELAY: Duration = Duration::from_secs(10);

/// The most entries `STAT` of a directory lists on the control
/// connection. Its reply is built whole before it is sent, so a directory
/// of a million files would cost a hundred megabytes per client that asks;
/// a thousand lines are about 100 KB, and `LIST` streams the rest.
/// Measured before the bound: sixteen clients asking `STAT` of a directory
/// of 100 000 files at once took the server to 570 MB.
pub const MAX_STATUS_ENTRIES: usize = 1000;

/// How many names STOU tries (`stou.1`, `stou.2`...) before it gives up.
const MAX_UNIQUE_TRIES: u32 = 1000;

/// Serves a directory tree over FTP to the users it knows.
///
/// ```no_run
/// use netlessons::ftp::server::FtpHandler;
/// use netlessons::ftp::session::Users;
/// use netlessons::serve::Server;
///
/// let users = Users::new().with_user("alice", "secret").with_anonymous();
/// let handler = FtpHandler::new("/srv/ftp", users)?;
/// Server::bind("127.0.0.1:2121")?.run(handler)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FtpHandler {
    /// The root, with every symbolic link in it resolved.
    root: PathBuf,
    users: Users,
    data_connect_timeout: Duration,
    /// The grace and the slowest rate of a download ([`DATA_SEND_GRACE`],
    /// [`MIN_DATA_RATE`]).
    data_pace: (Duration, u64),
    transcript: Option<Transcript>,
}

impl FtpHandler {
    /// Serves `root`, which must be a directory, to `users`.
    pub fn new(root: impl AsRef<Path>, users: Users) -> io::Result<FtpHandler> {
        let root = fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(FtpHandler {
            root,
            users,
            data_connect_timeout: DATA_CONNECT_TIMEOUT,
            data_pace: (DATA_SEND_GRACE, MIN_DATA_RATE),
            transcript: None,
        })
    }

    /// Waits `timeout` for data connections instead of [`DATA_CONNECT_TIMEOUT`].
    pub fn with_data_connect_timeout(mut self, timeout: Duration) -> FtpHandler {
        self.data_connect_timeout = timeout;
        self
    }

    /// Gives a download `grace`, then cuts it off when its client reads
    /// fewer than `min_rate` bytes a second, instead of [`DATA_SEND_GRACE`]
    /// and [`MIN_DATA_RATE`].
    pub fn with_data_pace(mut self, grace: Duration, min_rate: u64) -> FtpHandler {
        self.data_pace = (grace, min_rate);
        self
    }

    /// Records every control connection in `transcript` (passwords shown
    /// as `****`).
    pub fn with_transcript(mut self, transcript: Transcript) -> FtpHandler {
        self.transcript = Some(transcript);
        self
    }
}

impl Handler for FtpHandler {
    fn handle(&self, stream: &TcpStream, peer: SocketAddr) -> io::Result<()> {
        let local = stream.local_addr()?;
        stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
        let mut session = FtpSession::new(self.users.clone(), peer, local);
        let mut connection = Connection {
            handler: self,
            control: stream,
            peer,
            local,
            listener: None,
            prepared: None,
        };
        let limits = Limits {
            max_line_len: MAX_COMMAND_LINE_LEN,
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
        let reply = one_line(SERVICE_NOT_AVAILABLE, "Too many connections; try later");
        stream.write_all(format!("{reply}\r\n").as_bytes())
    }
}

/// One control connection's I/O state.
struct Connection<'a> {
    handler: &'a FtpHandler,
    /// The control socket, to look for ABOR during a transfer.
    control: &'a TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    /// The listener of the last PASV or EPSV, until its transfer.
    listener: Option<TcpListener>,
    /// What the last `Transfer` opened, for the `OpenData` after it.
    prepared: Option<(Prepared, Transfer)>,
}

/// The file side of a transfer, opened before the 150.
enum Prepared {
    /// RETR: the file, at the REST offset.
    Send(File),
    /// STOR: a temporary file, renamed to `target` at the end.
    Replace { file: AtomicFile, target: PathBuf },
    /// APPE, STOU, STOR after REST: the file itself.
    InPlace(File),
    /// LIST, NLST, MLSD of a directory: its entries, or for a pattern
    /// (`NLST *.txt`) those that match it.
    Directory(ReadDir, Option<NamePattern>),
    /// LIST, NLST, MLSD of one file.
    One(DirEntry),
}

/// How a transfer loop ends, when it ends early.
enum Stop {
    /// The outcome to report.
    Outcome(Outcome),
    /// The control connection failed: the session is over.
    Control(io::Error),
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Stop {
        Stop::Outcome(Outcome::Failed(failure))
    }
}

impl Connection<'_> {
    /// Carries out `action`, and hands its outcome to the session.
    fn act<T: Read + Write>(
        &mut self,
        session: &mut FtpSession,
        action: Action,
        lines: &mut LineReader<T>,
    ) -> io::Result<Output<Action>> {
        let outcome = match action {
            Action::Delay(until) => {
                let wait = until.saturating_duration_since(Instant::now());
                thread::sleep(wait.min(MAX_DELAY));
                Outcome::Waited
            }
            Action::OpenPassive { .. } => self.open_passive(),
            Action::Transfer(transfer) => self.prepare(transfer),
            Action::OpenData => match self.transfer(session, lines) {
                Ok(outcome) => outcome,
                Err(Stop::Outcome(outcome)) => outcome,
                Err(Stop::Control(error)) => return Err(error),
            },
            Action::File { op, path } => match self.file(session, op, &path) {
                Ok(outcome) => outcome,
                Err(failure) => Outcome::Failed(failure),
            },
        };
        let output = session.finish(outcome, Instant::now());
        // After ABOR, PORT or USER the listener of a PASV is no longer wanted.
        if session.data_mode() != DataMode::Passive && self.prepared.is_none() {
            self.listener = None;
        }
        Ok(output)
    }

    // ANCHOR: open_passive
    /// Binds a new passive listener, dropping the last one.
    fn open_passive(&mut self) -> Outcome {
        self.listener = None;
        match TcpListener::bind(SocketAddr::new(self.local.ip(), 0))
            .and_then(|listener| Ok((listener.local_addr()?, listener)))
        {
            Ok((bound, listener)) => {
                self.listener = Some(listener);
                Outcome::Listening(bound)
            }
            Err(_) => Outcome::Failed(Failure::DataConnection),
        }
    }
    // ANCHOR_END: open_passive

    /// Opens the file or directory of `transfer`, before the 150.
    fn prepare(&mut self, transfer: Transfer) -> Outcome {
        let root = &self.handler.root;
        let path = &transfer.path;
        let opened = match transfer.kind {
            TransferKind::Retrieve => open_to_send(root, path, transfer.offset),
            TransferKind::Store if transfer.offset == 0 => {
                new_path(root, path).and_then(|target| {
                    if target.is_dir() {
                        return Err(Failure::IsADirectory);
                    }
                    let dir = target.parent().unwrap_or(root);
                    let file = AtomicFile::create_in(dir).map_err(failure_of)?;
                    Ok((Prepared::Replace { file, target }, None))
                })
            }
            TransferKind::Store | TransferKind::Append => new_path(root, path).and_then(|target| {
                let mut options = OpenOptions::new();
                options.write(true).create(true);
                if transfer.kind == TransferKind::Append {
                    options.append(true);
                }
                let existed = fs::symlink_metadata(&target).is_ok();
                let mut file = options.open(&target).map_err(failure_of)?;
                if transfer.kind == TransferKind::Store {
                    if let Err(error) = file.seek(SeekFrom::Start(transfer.offset)) {
                        // An offset past what the file system allows: a
                        // refused STOR leaves no empty file of its own.
                        if !existed {
                            let _ = fs::remove_file(&target);
                        }
                        return Err(failure_of(error));
                    }
                }
                Ok((Prepared::InPlace(file), None))
            }),
            TransferKind::StoreUnique => create_unique(root, path),
            TransferKind::List | TransferKind::NameList | TransferKind::MachineList => {
                open_listing(root, path, transfer.pattern.as_ref()).map(|prepared| (prepared, None))
            }
        };
        match opened {
            Ok((prepared, name)) => {
                if matches!(transfer.data, DataConnection::Active(_)) {
                    self.listener = None;
                }
                let size = match &prepared {
                    Prepared::Send(file) => file
                        .metadata()
                        .ok()
                        .map(|metadata| metadata.len().saturating_sub(transfer.offset)),
                    _ => None,
                };
                self.prepared = Some((prepared, transfer));
                Outcome::Opened { name, size }
            }
            Err(failure) => {
                self.listener = None;
                Outcome::Failed(failure)
            }
        }
    }

    // ANCHOR: transfer
    /// Opens the data connection and moves the bytes of the prepared
    /// transfer.
    fn transfer<T: Read + Write>(
        &mut self,
        session: &mut FtpSession,
        lines: &mut LineReader<T>,
    ) -> Result<Outcome, Stop> {
        let (prepared, transfer) = self.prepared.take().ok_or(Failure::LocalError)?;
        let data = self.open_data(transfer.data)?;
        let ascii = transfer.transfer_type == TransferType::Ascii;
        match prepared {
            Prepared::Send(file) => self.send_file(file, &data, ascii, session, lines)?,
            Prepared::Replace { mut file, target } => {
                self.receive(&mut file, &data, ascii, session, lines)?;
                file.commit(&target).map_err(|_| Failure::LocalError)?;
            }
            Prepared::InPlace(mut file) => {
                self.receive(&mut file, &data, ascii, session, lines)?;
                file.sync_all().map_err(|_| Failure::LocalError)?;
            }
            Prepared::Directory(entries, pattern) => {
                let perms = Perms::of(session);
                let mut listed = visible(entries, pattern.as_ref()).filter_map(|mut entry| {
                    // `NLST sub/*.txt` sends `sub/a.txt`: a name to RETR.
                    if let (Some(pattern), TransferKind::NameList) = (&pattern, transfer.kind) {
                        entry.name.insert_str(0, &pattern.directory);
                    }
                    listing_line(perms, transfer.kind, &entry)
                });
                self.send_lines(&mut listed, &data, session, lines)?
            }
            Prepared::One(entry) => {
                let perms = Perms::of(session);
                let mut listed = listing_line(perms, transfer.kind, &entry).into_iter();
                self.send_lines(&mut listed, &data, session, lines)?
            }
        }
        Ok(Outcome::Transferred)
    }
    // ANCHOR_END: transfer

    /// Accepts (passive) or makes (active) the data connection.
    fn open_data(&mut self, data: DataConnection) -> Result<TcpStream, Failure> {
        let timeout = self.handler.data_connect_timeout;
        let stream = match data {
            DataConnection::Active(target) => {
                TcpStream::connect_timeout(&target, timeout).map_err(|_| Failure::DataConnection)?
            }
            DataConnection::Passive => {
                let listener = self.listener.take().ok_or(Failure::DataConnection)?;
                accept_from(&listener, self.peer.ip(), timeout, &|| {
                    control_closed(self.control)
                })?
            }
        };
        // A download's writes are paced (`deadline::Pace`), which puts this
        // timeout back once the client is ahead of the pace: without one
        // of its own, the pace would set a new one at every write.
        stream
            .set_read_timeout(Some(DATA_READ_SLICE))
            .and_then(|()| stream.set_write_timeout(Some(DATA_IDLE_TIMEOUT)))
            .map_err(|_| Failure::DataConnection)?;
        Ok(stream)
    }

    /// RETR: the file to the data connection, converted for TYPE A.
    fn send_file<T: Read + Write>(
        &self,
        mut file: File,
        data: &TcpStream,
        ascii: bool,
        session: &mut FtpSession,
        lines: &mut LineReader<T>,
    ) -> Result<(), Stop> {
        let mut buffer = vec![0; TRANSFER_BUFFER];
        let mut converted = Vec::new();
        let mut to_network = ToNetwork::default();
        let mut pace = Pace::new(self.handler.data_pace.0, self.handler.data_pace.1);
        let mut watch = Watch::new();
        loop {
            if watch.due() {
                self.check_control(session, lines)?;
            }
            let read = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Failure::LocalError.into()),
            };
            let bytes = match ascii {
                true => {
                    converted.clear();
                    to_network.encode(&buffer[..read], &mut converted);
                    &converted[..]
                }
                false => &buffer[..read],
            };
            pace.write_all(data, bytes).map_err(|_| Failure::Aborted)?;
        }
        finish_sending(data)
    }

    /// LIST, NLST, MLSD: the lines, each ended by CR LF.
    fn send_lines<T: Read + Write>(
        &self,
        listed: &mut dyn Iterator<Item = String>,
        data: &TcpStream,
        session: &mut FtpSession,
        lines: &mut LineReader<T>,
    ) -> Result<(), Stop> {
        let mut pace = Pace::new(self.handler.data_pace.0, self.handler.data_pace.1);
        let mut buffer = Vec::with_capacity(TRANSFER_BUFFER);
        let mut listed = listed.peekable();
        let mut watch = Watch::new();
        while listed.peek().is_some() {
            if watch.due() {
                self.check_control(session, lines)?;
            }
            buffer.clear();
            while buffer.len() < TRANSFER_BUFFER {
                let Some(line) = listed.next() else { break };
                buffer.extend_from_slice(line.as_bytes());
                buffer.extend_from_slice(b"\r\n");
            }
            pace.write_all(data, &buffer)
                .map_err(|_| Failure::Aborted)?;
        }
        finish_sending(data)
    }

    /// STOR, APPE, STOU: the data connection into `file` until its end,
    /// converted for TYPE A. An end with the control connection gone is
    /// no clean end: the client vanished (see the module docs).
    fn receive<T: Read + Write>(
        &self,
        file: &mut dyn Write,
        data: &TcpStream,
        ascii: bool,
        session: &mut FtpSession,
        lines: &mut LineReader<T>,
    ) -> Result<(), Stop> {
        let mut buffer = vec![0; TRANSFER_BUFFER];
        let mut converted = Vec::new();
        let mut from_network = FromNetwork::default();
        let mut last_byte = Instant::now();
        let mut watch = Watch::new();
        loop {
            if watch.due() {
                self.check_control(session, lines)?;
            }
            let read = match (&*data).read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                // A slice without bytes: look at the control connection,
                // and wait on until the sender has been silent too long.
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) && last_byte.elapsed() < DATA_IDLE_TIMEOUT =>
                {
                    continue
                }
                Err(_) => return Err(Failure::Aborted.into()),
            };
            last_byte = Instant::now();
            let bytes = match ascii {
                true => {
                    converted.clear();
                    from_network.encode(&buffer[..read], &mut converted);
                    &converted[..]
                }
                false => &buffer[..read],
            };
            file.write_all(bytes).map_err(|_| Failure::LocalError)?;
        }
        self.check_control(session, lines)?;
        converted.clear();
        from_network.finish(&mut converted);
        file.write_all(&converted)
            .map_err(|_| Failure::LocalError)?;
        Ok(())
    }

    /// Looks at the control connection without waiting: `ABOR` stops the
    /// transfer, another command is answered by the session (503), and a
    /// closed connection stops it too.
    fn check_control<T: Read + Write>(
        &self,
        session: &mut FtpSession,
        lines: &mut LineReader<T>,
    ) -> Result<(), Stop> {
        if lines.buffered().is_empty() {
            match self.peek_control() {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error) => return Err(Stop::Control(error)),
            }
        }
        let control = |error| Stop::Control(error);
        self.control
            .set_read_timeout(Some(CONTROL_LINE_TIMEOUT))
            .map_err(control)?;
        let output = match lines.read_line() {
            Ok(Some(line)) if parse_command(line) == Ok(Command::Abor) => {
                Err(Stop::Outcome(Outcome::Aborted))
            }
            Ok(Some(line)) => Ok(Some(session.on_line(line, Instant::now()))),
            Ok(None) | Err(ReadLineError::Truncated) => Err(Failure::Aborted.into()),
            Err(ReadLineError::Line(error)) => Ok(Some(session.on_bad_line(error, Instant::now()))),
            // The rest of the line is late: look again before the next buffer.
            Err(ReadLineError::Io(error))
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(ReadLineError::Io(error)) => Err(Stop::Control(error)),
        };
        self.control
            .set_read_timeout(Some(IDLE_TIMEOUT))
            .map_err(control)?;
        if let Some(output) = output? {
            let writer = lines.get_mut();
            writer.write_all(&output.send).map_err(control)?;
            writer.flush().map_err(control)?;
        }
        Ok(())
    }

    /// Whether the control connection has bytes (or its end) to read.
    fn peek_control(&self) -> io::Result<bool> {
        self.control.set_nonblocking(true)?;
        let peeked = self.control.peek(&mut [0]);
        self.control.set_nonblocking(false)?;
        match peeked {
            Ok(_) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// A file command.
    fn file(
        &self,
        session: &FtpSession,
        op: FileOp,
        path: &VirtualPath,
    ) -> Result<Outcome, Failure> {
        let root = &self.handler.root;
        let perms = Perms::of(session);
        match op {
            FileOp::EnterDirectory => {
                let found = existing(root, path)?;
                match fs::metadata(&found).map_err(failure_of)?.is_dir() {
                    true => Ok(Outcome::Done),
                    false => Err(Failure::NotADirectory),
                }
            }
            FileOp::Size | FileOp::ModificationTime => {
                let metadata = fs::metadata(existing(root, path)?).map_err(failure_of)?;
                if !metadata.is_file() {
                    return Err(not_a_file(&metadata));
                }
                Ok(match op {
                    FileOp::Size => Outcome::Size(metadata.len()),
                    _ => Outcome::Modified(metadata.modified().map_err(failure_of)?),
                })
            }
            FileOp::Facts => {
                let found = existing(root, path)?;
                let metadata = fs::symlink_metadata(&found).map_err(failure_of)?;
                Ok(Outcome::Entry(dir_entry(last_name(path), &metadata)))
            }
            FileOp::Status => {
                let lines: Vec<String> = match open_listing(root, path, None)? {
                    Prepared::One(entry) => listing_line(perms, TransferKind::List, &entry)
                        .into_iter()
                        .collect(),
                    Prepared::Directory(entries, _) => {
                        let mut lines: Vec<String> = visible(entries, None)
                            .filter_map(|entry| listing_line(perms, TransferKind::List, &entry))
                            .take(MAX_STATUS_ENTRIES + 1)
                            .collect();
                        if lines.len() > MAX_STATUS_ENTRIES {
                            lines.truncate(MAX_STATUS_ENTRIES);
                            lines.push(format!(
                                " ... more than {MAX_STATUS_ENTRIES} entries; LIST sends them all"
                            ));
                        }
                        lines
                    }
                    _ => Vec::new(),
                };
                Ok(Outcome::Lines(lines))
            }
            FileOp::CheckExists => existing(root, path).map(|_| Outcome::Done),
            FileOp::Delete => {
                let found = existing(root, path)?;
                if fs::symlink_metadata(&found).map_err(failure_of)?.is_dir() {
                    return Err(Failure::IsADirectory);
                }
                fs::remove_file(found).map_err(failure_of)?;
                Ok(Outcome::Done)
            }
            FileOp::MakeDirectory => {
                fs::create_dir(new_path(root, path)?).map_err(failure_of)?;
                Ok(Outcome::Done)
            }
            FileOp::RemoveDirectory => {
                if path.segments().is_empty() {
                    return Err(Failure::PermissionDenied);
                }
                fs::remove_dir(existing(root, path)?).map_err(failure_of)?;
                Ok(Outcome::Done)
            }
            FileOp::RenameTo { from } => {
                if from.segments().is_empty() {
                    return Err(Failure::PermissionDenied);
                }
                let from = existing(root, &from)?;
                fs::rename(from, new_path(root, path)?).map_err(|error| {
                    match error.kind() {
                        // A directory into itself (EINVAL): the request's fault.
                        io::ErrorKind::InvalidInput => Failure::PermissionDenied,
                        _ => failure_of(error),
                    }
                })?;
                Ok(Outcome::Done)
            }
        }
    }
}

/// When a transfer should next look at the control connection: before
/// its first buffer, then every [`CONTROL_CHECK_INTERVAL`].
struct Watch {
    next: Instant,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            next: Instant::now(),
        }
    }

    /// Whether it is time to look, and if so, when to look again.
    fn due(&mut self) -> bool {
        let now = Instant::now();
        if now < self.next {
            return false;
        }
        self.next = now + CONTROL_CHECK_INTERVAL;
        true
    }
}

// ANCHOR: accept_from
/// Waits up to `timeout` for a connection from `client` on `listener`;
/// connections from other hosts are closed unread (RFC 2577 §3). The wait
/// ends early when `gone` says the control connection has ended (its
/// client left, or the server shuts down): no one is left to serve.
fn accept_from(
    listener: &TcpListener,
    client: IpAddr,
    timeout: Duration,
    gone: &dyn Fn() -> bool,
) -> Result<TcpStream, Failure> {
    listener
        .set_nonblocking(true)
        .map_err(|_| Failure::DataConnection)?;
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, from)) if from.ip().to_canonical() == client.to_canonical() => {
                stream
                    .set_nonblocking(false)
                    .map_err(|_| Failure::DataConnection)?;
                return Ok(stream);
            }
            Ok(_stranger) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline || gone() {
                    return Err(Failure::DataConnection);
                }
                thread::sleep(ACCEPT_POLL);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Failure::DataConnection),
        }
    }
}
// ANCHOR_END: accept_from

/// Whether `control` has reached its end or failed, looked at without
/// waiting and without taking any byte from it.
fn control_closed(control: &TcpStream) -> bool {
    if control.set_nonblocking(true).is_err() {
        return true;
    }
    let peeked = control.peek(&mut [0]);
    if control.set_nonblocking(false).is_err() {
        return true;
    }
    match peeked {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() != io::ErrorKind::WouldBlock,
    }
}

/// The end of a download: the close is the end of the file (RFC 959 §3.4).
fn finish_sending(data: &TcpStream) -> Result<(), Stop> {
    data.shutdown(Shutdown::Write)
        .map_err(|_| Failure::Aborted.into())
}

/// The failure the session answers for an error of the file system.
fn failure_of(error: io::Error) -> Failure {
    match error.kind() {
        io::ErrorKind::NotFound => Failure::NotFound,
        io::ErrorKind::NotADirectory => Failure::NotADirectory,
        io::ErrorKind::IsADirectory => Failure::IsADirectory,
        io::ErrorKind::DirectoryNotEmpty => Failure::NotEmpty,
        io::ErrorKind::AlreadyExists => Failure::AlreadyExists,
        io::ErrorKind::PermissionDenied => Failure::PermissionDenied,
        io::ErrorKind::InvalidFilename => Failure::NameNotAllowed,
        _ => Failure::LocalError,
    }
}

/// The failure for something that is there but is no file: a directory
/// says so; anything else (a device, a socket) is no file to serve.
fn not_a_file(metadata: &fs::Metadata) -> Failure {
    match metadata.is_dir() {
        true => Failure::IsADirectory,
        false => Failure::NotFound,
    }
}

/// The real path of something that exists under the root, every link on
/// the way checked (`http::files::locate`).
fn existing(root: &Path, path: &VirtualPath) -> Result<PathBuf, Failure> {
    if is_temporary(path) {
        return Err(Failure::NotFound);
    }
    locate(root, path.segments())
        .map(|located| located.path)
        .map_err(|refused| match refused.status {
            403 => Failure::PermissionDenied,
            _ => Failure::NotFound,
        })
}

/// Whether `path` goes through a name of an upload's temporary file
/// ([`TEMP_PREFIX`]): listings leave those out, so clients may neither
/// reach nor make one, or a file would be there and never listed.
fn is_temporary(path: &VirtualPath) -> bool {
    path.segments()
        .iter()
        .any(|segment| segment.starts_with(TEMP_PREFIX))
}

/// The real path for something to be made at `path`: its directory must
/// exist under the root, and if the name is a symbolic link already, it
/// must lead inside the root.
fn new_path(root: &Path, path: &VirtualPath) -> Result<PathBuf, Failure> {
    if is_temporary(path) {
        return Err(Failure::NameNotAllowed);
    }
    let (name, parent) = path
        .segments()
        .split_last()
        .ok_or(Failure::NameNotAllowed)?;
    let located = locate(root, parent).map_err(|_| Failure::NotFound)?;
    if !fs::metadata(&located.path).map_err(failure_of)?.is_dir() {
        return Err(Failure::NotADirectory);
    }
    let target = located.path.join(name);
    if let Ok(metadata) = fs::symlink_metadata(&target) {
        if metadata.is_symlink() {
            // A link that dangles or leads out is no place to write.
            let real = fs::canonicalize(&target).map_err(|_| Failure::PermissionDenied)?;
            if !real.starts_with(root) {
                return Err(Failure::PermissionDenied);
            }
        }
    }
    Ok(target)
}

/// RETR: the file, a regular one, at `offset`.
fn open_to_send(
    root: &Path,
    path: &VirtualPath,
    offset: u64,
) -> Result<(Prepared, Option<String>), Failure> {
    let found = existing(root, path)?;
    let metadata = fs::metadata(&found).map_err(failure_of)?;
    if !metadata.is_file() {
        return Err(not_a_file(&metadata));
    }
    let mut file = File::open(found).map_err(failure_of)?;
    file.seek(SeekFrom::Start(offset)).map_err(failure_of)?;
    Ok((Prepared::Send(file), None))
}

/// STOU: a new file with a name of its own in the directory `path`.
fn create_unique(root: &Path, path: &VirtualPath) -> Result<(Prepared, Option<String>), Failure> {
    let dir = existing(root, path)?;
    for n in 1..=MAX_UNIQUE_TRIES {
        let name = format!("stou.{n}");
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(&name))
        {
            Ok(file) => return Ok((Prepared::InPlace(file), Some(name))),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(failure_of(error)),
        }
    }
    Err(Failure::Busy)
}

/// LIST, NLST, MLSD, STAT: a directory's entries, or one file's; for a
/// `path` that names nothing but ends in a `pattern`, the entries of its
/// directory that match (550 if none does, as for a missing file).
fn open_listing(
    root: &Path,
    path: &VirtualPath,
    pattern: Option<&NamePattern>,
) -> Result<Prepared, Failure> {
    let found = match (existing(root, path), pattern) {
        (Ok(found), _) => found,
        (Err(Failure::NotFound), Some(pattern)) => {
            let parent = existing(root, &path.parent())?;
            // Is there a match at all? Decided before the 150, so that no
            // match is an error and not an empty listing.
            let entries = fs::read_dir(&parent).map_err(failure_of)?;
            if visible(entries, Some(pattern)).next().is_none() {
                return Err(Failure::NotFound);
            }
            let entries = fs::read_dir(&parent).map_err(failure_of)?;
            return Ok(Prepared::Directory(entries, Some(pattern.clone())));
        }
        (Err(failure), _) => return Err(failure),
    };
    match fs::metadata(&found).map_err(failure_of)?.is_dir() {
        true => Ok(Prepared::Directory(
            fs::read_dir(found).map_err(failure_of)?,
            None,
        )),
        false => {
            let metadata = fs::symlink_metadata(&found).map_err(failure_of)?;
            Ok(Prepared::One(dir_entry(last_name(path), &metadata)))
        }
    }
}

/// The entries of a directory that a client may see, as listing entries:
/// every one but the temporary files of uploads ([`TEMP_PREFIX`]), names
/// that are not UTF-8 and names that no path could name back (a `\`,
/// which the path rule refuses), and with a `pattern`, only those it
/// matches.
fn visible(entries: ReadDir, pattern: Option<&NamePattern>) -> impl Iterator<Item = DirEntry> + '_ {
    entries.filter_map(move |entry| {
        let entry = entry.ok()?;
        let name = entry.file_name().into_string().ok()?;
        let hidden = name.starts_with(TEMP_PREFIX)
            || !matches!(classify_segment(&name), Ok(Segment::Name(_)))
            || pattern.is_some_and(|p| !p.matches(&name));
        if hidden {
            return None;
        }
        let metadata = fs::symlink_metadata(entry.path()).ok()?;
        Some(dir_entry(name, &metadata))
    })
}

/// The last name of `path` (`/` for the root).
fn last_name(path: &VirtualPath) -> String {
    path.segments()
        .last()
        .cloned()
        .unwrap_or_else(|| "/".to_string())
}

/// What the user may do with each kind of entry, for MLSD's `perm`.
#[derive(Clone, Copy)]
struct Perms {
    file: &'static str,
    dir: &'static str,
    link: &'static str,
}

impl Perms {
    fn of(session: &FtpSession) -> Perms {
        Perms {
            file: session.perm(Kind::File),
            dir: session.perm(Kind::Dir),
            link: session.perm(Kind::Symlink),
        }
    }
}

/// One listing line of `entry` for `kind`, or none if the formatter
/// refuses its name.
fn listing_line(perms: Perms, kind: TransferKind, entry: &DirEntry) -> Option<String> {
    let perm = match entry.kind {
        Kind::File => perms.file,
        Kind::Dir => perms.dir,
        Kind::Symlink => perms.link,
    };
    match kind {
        TransferKind::NameList => format_nlst_line(entry),
        TransferKind::MachineList => format_mlsx_line(entry, perm),
        _ => format_list_line(entry, SystemTime::now()),
    }
    .ok()
}

/// A listing entry from `lstat` metadata.
fn dir_entry(name: String, metadata: &fs::Metadata) -> DirEntry {
    let kind = match metadata.file_type() {
        t if t.is_symlink() => Kind::Symlink,
        t if t.is_dir() => Kind::Dir,
        _ => Kind::File,
    };
    DirEntry {
        name,
        kind,
        size: metadata.len(),
        modified: metadata.modified().unwrap_or(UNIX_EPOCH),
        permissions: permission_bits(metadata, kind),
    }
}

#[cfg(unix)]
fn permission_bits(metadata: &fs::Metadata, _kind: Kind) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode()
}

#[cfg(not(unix))]
fn permission_bits(metadata: &fs::Metadata, kind: Kind) -> u32 {
    match (kind, metadata.permissions().readonly()) {
        (Kind::Dir, _) => 0o755,
        (_, true) => 0o444,
        (_, false) => 0o644,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_connection_from_another_host_is_closed_unread() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut stranger = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        // The control connection came from elsewhere: this one is a stranger.
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let accepted = accept_from(&listener, client, Duration::from_millis(100), &|| false);
        assert_eq!(accepted.err(), Some(Failure::DataConnection));
        stranger
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(stranger.read(&mut [0; 1]).unwrap(), 0);
    }

    #[test]
    fn a_data_connection_from_the_client_is_accepted() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let client: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(accept_from(&listener, client, Duration::from_secs(5), &|| false).is_ok());
    }
}

//! The FTP server's control connection as a pure state machine: every
//! reply and every order rule, with no socket, no thread and no file.
//!
//! [`FtpSession`] implements [`Session`]: a command line and the time go
//! in, the bytes of a reply and what to do next come out. What needs I/O
//! (a data connection, a file, a directory) it asks of the server's I/O
//! part with [`Next::Act`] and an [`Action`]; the I/O part does it and
//! hands the [`Outcome`] back to [`FtpSession::finish`], which answers
//! with the next output. A test plays the I/O part with a few lines:
//!
//! ```text
//!   client            FtpSession                         I/O part
//!     |-- EPSV -------->|                                    |
//!     |                 |-- Act(OpenPassive { v6: false }) ->|  binds a port
//!     |                 |<- finish(Listening(addr)) ---------|
//!     |<- 229 (|||50060|)                                    |
//!     |-- RETR a.txt -->|                                    |
//!     |                 |-- Act(Transfer { /a.txt, ... }) -->|  opens the file
//!     |                 |<- finish(Opened { .. }) -----------|
//!     |<- 150 Opening --|-- Act(OpenData) ------------------>|  accepts, sends
//!     |                 |<- finish(Transferred) -------------|  the bytes
//!     |<- 226 Transfer complete                              |
//! ```
//!
//! The I/O part is the closure that [`crate::wire::session::drive`] calls
//! with each action: it does the I/O and returns
//! `session.finish(outcome, Instant::now())`. Its side, in a few lines:
//!
//! ```
//! use netlessons::ftp::session::{Action, FtpSession, Outcome, Users};
//! use netlessons::wire::session::{Next, Session};
//! use std::time::Instant;
//!
//! let users = Users::new().with_user("alice", "secret");
//! let peer = "127.0.0.1:40000".parse().unwrap();
//! let local = "127.0.0.1:21".parse().unwrap();
//! let mut session = FtpSession::new(users, peer, local);
//! let now = Instant::now();
//! session.on_line(b"USER alice", now);
//! session.on_line(b"PASS secret", now);
//!
//! let output = session.on_line(b"PASV", now);
//! assert_eq!(output.next, Next::Act(Action::OpenPassive { v6: false }));
//! // The I/O part binds a listener, then says where it is.
//! let bound = "127.0.0.1:50060".parse().unwrap();
//! let output = session.finish(Outcome::Listening(bound), now);
//! assert_eq!(output.send, b"227 Entering Passive Mode (127,0,0,1,195,140)\r\n");
//! assert_eq!(output.next, Next::Read);
//! ```
//!
//! # The order rules
//!
//! RFC 959 §5.4 gives, for every command, the replies it may have; its
//! state diagrams (§6) name the phases of a login, which are the states
//! here ([`State`]): `USER` then `PASS`, and only then the file commands.
//! Before that, a file command gets `530`; `PASS` with no `USER` before it
//! gets `503`. Two commands prepare the one right after them and no other:
//! `REST` the next `RETR`, `STOR` or `APPE` (RFC 3659 §5), `RNFR` the next
//! `RNTO` (RFC 959 §4.1.3). Any other command in between forgets them.
//!
//! # Logging in safely (RFC 2577 §4, §5)
//!
//! A wrong password and an unknown user get the same `530`, after the same
//! [`LOGIN_FAILURE_DELAY`], so that neither the words nor the time tell an
//! attacker which user names exist; `USER` is always answered `331`. After
//! [`MAX_LOGIN_FAILURES`] the session says `421` and closes, which slows a
//! password guesser down to a few guesses per connection.
//!
//! # Paths
//!
//! The client sees a virtual tree whose root is the server's root
//! directory. A path is resolved against the current directory
//! ([`VirtualPath::resolve`]) one segment at a time, with the same segment
//! rule as the HTTP server ([`classify_segment`]); `..` climbs one level,
//! and a `..` that would climb above the root is refused (`550`). The
//! I/O part joins the segments to the root and checks each symbolic link
//! on the way, as `http::files` does.

use super::address::{check_port_target, format_epsv_reply, format_pasv_reply, NetworkProtocol};
use super::command::{parse_command, Command, EpsvRequest, Password, TransferType};
use super::listing::{format_mlsx_line, DirEntry, Kind};
use super::pattern::NamePattern;
use super::reply::*;
use super::time::format_time;
use crate::accounts::Accounts;
use crate::http::path::{classify_segment, Segment};
use crate::wire::line::LineError;
use crate::wire::session::{Next, Output, Session};
use std::fmt;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant, SystemTime};

/// How many failed logins a connection may have before it is closed with
/// 421. Three is what vsftpd allows (`max_login_fails`): enough for a
/// person's typing mistakes, few enough that a guesser must reconnect often.
pub const MAX_LOGIN_FAILURES: u32 = 3;

/// How long a failed login waits before its 530 (RFC 2577 §4 asks for a
/// delay). One second, as vsftpd's `delay_failed_login`: a person barely
/// notices it, a guesser gets one try a second per connection.
pub const LOGIN_FAILURE_DELAY: Duration = Duration::from_secs(1);

/// How long a client may stay silent before the server says 421 and
/// closes. Five minutes, as vsftpd's `idle_session_timeout`: longer than a
/// person reading a listing, short enough that forgotten connections do
/// not hold a thread each for ever. The I/O part sets it as the read
/// timeout of the control socket; [`FtpSession::on_timeout`] answers it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The longest virtual path, in bytes as written (`/a/b`). Linux's
/// `PATH_MAX`: a longer path could not be opened anyway, and the bound
/// keeps `CWD` into a symbolic link to `.` from growing the current
/// directory without end.
pub const MAX_PATH_LEN: usize = 4096;

/// The user name that logs in with any password, read-only, when the
/// server allows it (RFC 1635).
pub const ANONYMOUS: &str = "anonymous";

/// What a logged-in user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write: every command.
    ReadWrite,
    /// Read only: no STOR, APPE, STOU, DELE, MKD, RMD, RNFR (550).
    ReadOnly,
}

/// The users who may log in, and their passwords. `{:?}` shows the names
/// but never a password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    accounts: Accounts,
    anonymous: bool,
}

impl Users {
    /// Nobody: every login fails.
    pub fn new() -> Users {
        Users::default()
    }

    /// Adds a user with read and write access.
    pub fn with_user(mut self, name: impl Into<String>, password: impl Into<String>) -> Users {
        self.accounts = self.accounts.with_user(name, password);
        self
    }

    /// Everyone in `accounts`, with read and write access.
    pub fn from_accounts(accounts: Accounts) -> Users {
        Users {
            accounts,
            anonymous: false,
        }
    }

    /// Lets [`ANONYMOUS`] log in with any password, read-only.
    pub fn with_anonymous(mut self) -> Users {
        self.anonymous = true;
        self
    }

    /// The access of `user` if `password` is theirs.
    pub fn check(&self, user: &str, password: &Password) -> Option<Access> {
        if self.anonymous && user.eq_ignore_ascii_case(ANONYMOUS) {
            // The "password" is by custom an e-mail address: not checked.
            return Some(Access::ReadOnly);
        }
        self.accounts
            .check(user, password)
            .then_some(Access::ReadWrite)
    }
}

/// The phases of a login, named as in RFC 959 §6 and §5.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Connected; `USER` is awaited.
    AwaitingUser,
    /// `USER` was sent (and answered 331); `PASS` is awaited.
    AwaitingPassword {
        /// The name given with USER, known or not.
        user: String,
    },
    /// `PASS` was right: the file commands are open.
    LoggedIn {
        /// Who logged in.
        user: String,
        /// What they may do.
        access: Access,
    },
}

/// A path in the client's view of the tree: `/` is the server's root.
/// Its segments are names only (never `.`, `..` or empty), so it is
/// always normalised and always under the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualPath {
    segments: Vec<String>,
}

/// Why a path argument names nothing under the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// A `..` would climb above the root.
    AboveRoot,
    /// A segment holds a `\` (or another byte that no name may hold here).
    BadName,
    /// The path is longer than [`MAX_PATH_LEN`].
    TooLong,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::AboveRoot => "'..' cannot climb above the root",
            PathError::BadName => "a name in the path holds a forbidden character",
            PathError::TooLong => "the path is too long",
        })
    }
}

impl std::error::Error for PathError {}

impl VirtualPath {
    /// `/`, the root.
    pub fn root() -> VirtualPath {
        VirtualPath::default()
    }

    /// The names from the root down, for the I/O part to join to its root.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The directory this path is in (the root for the root itself).
    pub fn parent(&self) -> VirtualPath {
        let mut segments = self.segments.clone();
        segments.pop();
        VirtualPath { segments }
    }

    // ANCHOR: resolve
    /// The path `argument` names from this directory: from the root if it
    /// starts with `/`, else from here. Empty segments and `.` are
    /// dropped, `..` goes up one level but never above the root.
    pub fn resolve(&self, argument: &str) -> Result<VirtualPath, PathError> {
        let mut segments = match argument.starts_with('/') {
            true => Vec::new(),
            false => self.segments.clone(),
        };
        for raw in argument.split('/') {
            match classify_segment(raw).map_err(|_| PathError::BadName)? {
                Segment::Same => {}
                Segment::Parent => {
                    segments.pop().ok_or(PathError::AboveRoot)?;
                }
                Segment::Name(name) => segments.push(name.to_string()),
            }
        }
        let path = VirtualPath { segments };
        match path.to_string().len() > MAX_PATH_LEN {
            true => Err(PathError::TooLong),
            false => Ok(path),
        }
    }
    // ANCHOR_END: resolve
}

impl fmt::Display for VirtualPath {
    /// `/`, `/pub`, `/pub/notes.txt`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.segments {
            write!(f, "/{segment}")?;
        }
        Ok(())
    }
}

/// Where the next data connection comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMode {
    /// Neither PASV/EPSV nor PORT/EPRT since the last transfer: 425.
    Unset,
    /// The I/O part listens (after PASV or EPSV); the client connects.
    Passive,
    /// The server connects to this address (after PORT or EPRT, checked).
    Active(SocketAddr),
}

/// Where the data connection of one transfer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataConnection {
    /// Accept it on the listener opened for PASV or EPSV.
    Passive,
    /// Connect to this address, the client's own (checked by the session).
    Active(SocketAddr),
}

/// What a transfer command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// RETR: send the file.
    Retrieve,
    /// STOR: receive the file, replacing any of that name (completely or
    /// not at all: temporary name, then rename).
    Store,
    /// STOU: receive a file under a new name the I/O part chooses, in the
    /// directory given.
    StoreUnique,
    /// APPE: receive bytes at the end of the file.
    Append,
    /// LIST: `ls -l` lines of the directory (or of the one file).
    List,
    /// NLST: names alone.
    NameList,
    /// MLSD: facts lines (RFC 3659 §7).
    MachineList,
}

impl TransferKind {
    /// Whether it changes the files (refused to read-only users).
    fn writes(self) -> bool {
        matches!(
            self,
            TransferKind::Store | TransferKind::StoreUnique | TransferKind::Append
        )
    }
}

/// One transfer for the I/O part to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// What to do.
    pub kind: TransferKind,
    /// The file or directory (for STOU, the directory to store in).
    pub path: VirtualPath,
    /// Where the data connection comes from.
    pub data: DataConnection,
    /// The byte to start at (REST), 0 if none.
    pub offset: u64,
    /// ASCII (convert line ends, `ftp::ascii`) or image (bytes as they are).
    pub transfer_type: TransferType,
    /// For LIST and NLST, a `*` or `?` in the argument's last name: if
    /// `path` names nothing, the names in its directory that match
    /// ([`super::pattern`]).
    pub pattern: Option<NamePattern>,
}

/// A file operation on the control connection alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOp {
    /// CWD: is it a directory one may enter? ([`Outcome::Done`])
    EnterDirectory,
    /// SIZE: a file's size ([`Outcome::Size`]).
    Size,
    /// MDTM: a file's modification time ([`Outcome::Modified`]).
    ModificationTime,
    /// MLST: the entry's facts ([`Outcome::Entry`]).
    Facts,
    /// STAT with a path: listing lines, as LIST writes them, a bounded
    /// number of them ([`Outcome::Lines`]).
    Status,
    /// RNFR: does it exist? ([`Outcome::Done`])
    CheckExists,
    /// DELE: delete a file.
    Delete,
    /// MKD: make a directory.
    MakeDirectory,
    /// RMD: remove an empty directory.
    RemoveDirectory,
    /// RNTO: rename `from` to the path of the action.
    RenameTo {
        /// The path RNFR named.
        from: VirtualPath,
    },
}

impl FileOp {
    /// Whether it changes the files (refused to read-only users).
    fn writes(&self) -> bool {
        matches!(
            self,
            FileOp::CheckExists
                | FileOp::Delete
                | FileOp::MakeDirectory
                | FileOp::RemoveDirectory
                | FileOp::RenameTo { .. }
        )
    }
}

// ANCHOR: action
/// The I/O the session asks of the server's I/O part. Each is followed
/// by one call of [`FtpSession::finish`] with its [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Read nothing until this instant, then report [`Outcome::Waited`]
    /// (the delay after a failed login: sleep, then finish).
    Delay(Instant),
    /// Listen on a new port of the control connection's local address
    /// (dropping any listener before), then report [`Outcome::Listening`].
    OpenPassive {
        /// Whether the address is IPv6 (EPSV on an IPv6 connection).
        v6: bool,
    },
    /// Open the file or directory for a transfer (but not yet the data
    /// connection), then report [`Outcome::Opened`] or a failure.
    Transfer(Transfer),
    /// The 150 is sent: open the data connection, move the bytes, close
    /// it, then report [`Outcome::Transferred`] or a failure.
    OpenData,
    /// Carry out `op` on `path`, then report its outcome.
    File {
        /// What to do.
        op: FileOp,
        /// On what.
        path: VirtualPath,
    },
}

/// What the I/O part reports after an [`Action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The delay is over.
    Waited,
    /// The passive listener is bound to this address.
    Listening(SocketAddr),
    /// The file or directory of the transfer is open; for STOU, the name
    /// it will be stored under.
    Opened {
        /// STOU's chosen name.
        name: Option<String>,
        /// For RETR, the bytes the file has from the REST offset on: the
        /// 150 of an image-type download announces them.
        size: Option<u64>,
    },
    /// The bytes went through and the data connection is closed.
    Transferred,
    /// The client sent ABOR while the bytes were moving (the I/O part
    /// watches the control connection during a transfer, RFC 959 §4.1.3),
    /// and the data connection is closed.
    Aborted,
    /// The file operation is done.
    Done,
    /// SIZE's answer, in bytes.
    Size(u64),
    /// MDTM's answer.
    Modified(SystemTime),
    /// MLST's answer.
    Entry(DirEntry),
    /// STAT's answer: listing lines.
    Lines(Vec<String>),
    /// The action failed.
    Failed(Failure),
}
// ANCHOR_END: action

/// Why an action failed, each with its reply code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No such file or directory, or not of the right kind (550).
    NotFound,
    /// The file system refused, or a link leads out of the root (550).
    PermissionDenied,
    /// Something of that name is there already (550; MKD, RNTO).
    AlreadyExists,
    /// The directory holds something, and RMD removes only empty ones (550).
    NotEmpty,
    /// A directory where a file is needed (550; RETR, STOR, SIZE, DELE).
    IsADirectory,
    /// A file where a directory is needed (550; CWD, RMD).
    NotADirectory,
    /// The name cannot be created (553).
    NameNotAllowed,
    /// The file is in use; try later (450).
    Busy,
    /// The data connection could not be opened, or no port bound (425).
    DataConnection,
    /// The data connection broke, or ABOR ended the transfer (426).
    Aborted,
    /// Reading or writing failed on the server (451).
    LocalError,
}

impl Failure {
    /// The reply code of RFC 959 §4.2 for it.
    pub fn reply_code(self) -> u16 {
        match self {
            Failure::NotFound
            | Failure::PermissionDenied
            | Failure::AlreadyExists
            | Failure::NotEmpty
            | Failure::IsADirectory
            | Failure::NotADirectory => FILE_UNAVAILABLE,
            Failure::NameNotAllowed => FILE_NAME_NOT_ALLOWED,
            Failure::Busy => FILE_BUSY,
            Failure::DataConnection => CANT_OPEN_DATA_CONNECTION,
            Failure::Aborted => TRANSFER_ABORTED,
            Failure::LocalError => LOCAL_ERROR,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Failure::NotFound => "No such file or directory",
            Failure::AlreadyExists => "File exists",
            Failure::NotEmpty => "Directory not empty",
            Failure::IsADirectory => "Is a directory",
            Failure::NotADirectory => "Not a directory",
            Failure::PermissionDenied => "Permission denied",
            Failure::NameNotAllowed => "File name not allowed",
            Failure::Busy => "File busy, try again later",
            Failure::DataConnection => "Can't open data connection",
            Failure::Aborted => "Connection closed; transfer aborted",
            Failure::LocalError => "Local error in processing",
        })
    }
}

impl std::error::Error for Failure {}

/// The action the session waits on, to read its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    LoginFailure,
    Passive { extended: bool },
    Transfer(TransferKind),
    Data,
    File(FileOp, VirtualPath),
}

/// The server's side of one control connection.
#[derive(Debug)]
pub struct FtpSession {
    users: Users,
    /// The client's address: PORT and EPRT may name only it.
    peer: SocketAddr,
    /// The server's address on this connection: PASV answers with it.
    local: SocketAddr,
    state: State,
    cwd: VirtualPath,
    transfer_type: TransferType,
    /// REST's offset, for the next command only.
    restart_offset: Option<u64>,
    /// RNFR's path, for the next command only.
    rename_from: Option<VirtualPath>,
    data: DataMode,
    /// After `EPSV ALL`, only EPSV sets up data connections (RFC 2428 §4).
    epsv_all: bool,
    login_failures: u32,
    pending: Option<Pending>,
    /// QUIT came during a transfer: the session closes after its reply.
    quit_after_transfer: bool,
}

/// A one-line reply, then read on.
fn reply(code: u16, text: impl fmt::Display) -> Output<Action> {
    Output::reply(one_line(code, &text.to_string()))
}

/// Nothing to send yet; do `action`.
fn act(action: Action) -> Output<Action> {
    Output {
        send: Vec::new(),
        next: Next::Act(action),
    }
}

/// FEAT's answer (RFC 2389 §3.2): one extension a line, after a space.
/// MLST lists its facts, `*` for those sent (RFC 3659 §7.8).
const FEATURES: &[&str] = &[
    "Features:",
    " EPRT",
    " EPSV",
    " MDTM",
    " MLST type*;size*;modify*;perm*;UNIX.mode*;",
    " REST STREAM",
    " SIZE",
    " UTF8",
    "End",
];

/// HELP's answer, for people.
const HELP: &[&str] = &[
    "The commands understood here:",
    " USER PASS ACCT QUIT SYST FEAT OPTS HELP NOOP STAT",
    " PWD CWD CDUP TYPE MODE STRU PASV EPSV PORT EPRT",
    " LIST NLST MLSD MLST RETR STOR STOU APPE REST ABOR",
    " SIZE MDTM DELE MKD RMD RNFR RNTO",
    "Help OK",
];

impl FtpSession {
    /// A session for a client at `peer`, connected to the server's `local`
    /// address, whose logins `users` decides.
    pub fn new(users: Users, peer: SocketAddr, local: SocketAddr) -> FtpSession {
        FtpSession {
            users,
            peer,
            local,
            state: State::AwaitingUser,
            cwd: VirtualPath::root(),
            transfer_type: TransferType::Ascii,
            restart_offset: None,
            rename_from: None,
            data: DataMode::Unset,
            epsv_all: false,
            login_failures: 0,
            pending: None,
            quit_after_transfer: false,
        }
    }

    /// The login phase.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The current directory.
    pub fn current_directory(&self) -> &VirtualPath {
        &self.cwd
    }

    /// Where the next data connection comes from. The I/O part drops a
    /// passive listener it holds when this is no longer `Passive` (after
    /// ABOR, PORT or a new USER).
    pub fn data_mode(&self) -> DataMode {
        self.data
    }

    // ANCHOR: on_line
    /// One command line: its reply, or the action it needs.
    fn command(&mut self, line: &[u8], now: Instant) -> Output<Action> {
        // REST and RNFR prepare the next command alone (RFC 3659 §5,
        // RFC 959 §4.1.3): whatever comes now, they are used or forgotten.
        let restart = self.restart_offset.take();
        let rename_from = self.rename_from.take();
        if self.pending.is_some() {
            return self.while_pending(line);
        }
        let command = match parse_command(line) {
            Ok(command) => command,
            Err(error) => return reply(error.reply_code(), error),
        };
        if !self.logged_in() && !allowed_before_login(&command) {
            return reply(NOT_LOGGED_IN, "Please log in with USER and PASS");
        }
        self.execute(command, restart, rename_from, now)
    }
    // ANCHOR_END: on_line

    /// A command that came while an action is under way (the I/O part
    /// reads them during a transfer): `QUIT` waits for the transfer's
    /// reply, then closes (RFC 959 §4.1.1; see [`FtpSession::finish`]),
    /// any other gets 503.
    fn while_pending(&mut self, line: &[u8]) -> Output<Action> {
        if self.pending == Some(Pending::Data) && parse_command(line) == Ok(Command::Quit) {
            self.quit_after_transfer = true;
            return Output {
                send: Vec::new(),
                next: Next::Read,
            };
        }
        reply(BAD_SEQUENCE, "Wait for the reply to the last command")
    }

    fn logged_in(&self) -> bool {
        matches!(self.state, State::LoggedIn { .. })
    }

    fn read_only(&self) -> bool {
        matches!(
            self.state,
            State::LoggedIn {
                access: Access::ReadOnly,
                ..
            }
        )
    }

    /// The reply to one command, or the action it needs; `restart` and
    /// `rename_from` are what REST and RNFR left for it.
    fn execute(
        &mut self,
        command: Command,
        restart: Option<u64>,
        rename_from: Option<VirtualPath>,
        now: Instant,
    ) -> Output<Action> {
        use Command::*;
        match command {
            User(name) => self.user(name),
            Pass(password) => self.pass(&password, now),
            Quit => Output::close(one_line(CLOSING_CONTROL, "Goodbye")),
            Acct(_) => reply(SUPERFLUOUS, "No account is needed here"),
            Syst => reply(SYSTEM_TYPE, "UNIX Type: L8"),
            Feat => Output::reply(multi_line(SYSTEM_STATUS, FEATURES)),
            Opts { command, options } => opts(&command, options.as_deref()),
            Help(_) => Output::reply(multi_line(HELP_MESSAGE, HELP)),
            Noop => reply(COMMAND_OKAY, "NOOP ok"),
            Stat(None) => Output::reply(self.status()),
            Abor => self.abort(),
            Pwd => reply(
                PATH_CREATED,
                format!("{} is the current directory", self.quoted_cwd()),
            ),
            Cwd(path) => self.file(FileOp::EnterDirectory, &path),
            Cdup => self.cdup(),
            Type(transfer_type) => self.set_type(transfer_type),
            // The parser already answered 504 to every other mode and structure.
            Mode(_) => reply(COMMAND_OKAY, "Mode set to S"),
            Stru(_) => reply(COMMAND_OKAY, "Structure set to F"),
            Pasv => self.passive(),
            Epsv(request) => self.extended_passive(request),
            Port(target) => self.active("PORT", SocketAddr::V4(target)),
            Eprt(target) => self.active("EPRT", target),
            List(path) => self.transfer(TransferKind::List, path.as_deref(), None),
            Nlst(path) => self.transfer(TransferKind::NameList, path.as_deref(), None),
            Mlsd(path) => self.transfer(TransferKind::MachineList, path.as_deref(), None),
            Stou => self.transfer(TransferKind::StoreUnique, None, None),
            Mlst(path) => self.file(FileOp::Facts, path.as_deref().unwrap_or(".")),
            Stat(Some(path)) => self.file(FileOp::Status, &path),
            Size(path) => self.file(FileOp::Size, &path),
            Mdtm(path) => self.file(FileOp::ModificationTime, &path),
            Dele(path) => self.file(FileOp::Delete, &path),
            Mkd(path) => self.file(FileOp::MakeDirectory, &path),
            Rmd(path) => self.file(FileOp::RemoveDirectory, &path),
            Rnfr(path) => self.file(FileOp::CheckExists, &path),
            Rest(offset) => {
                self.restart_offset = Some(offset);
                let text = format!("Restarting at {offset}; now RETR, STOR or APPE");
                reply(PENDING_FURTHER_INFORMATION, text)
            }
            Retr(path) => self.transfer(TransferKind::Retrieve, Some(&path), restart),
            Stor(path) => self.transfer(TransferKind::Store, Some(&path), restart),
            Appe(path) => self.transfer(TransferKind::Append, Some(&path), restart),
            Rnto(path) => match rename_from {
                Some(from) => self.file(FileOp::RenameTo { from }, &path),
                None => reply(BAD_SEQUENCE, "RNFR must come right before RNTO"),
            },
        }
    }

    /// ABOR between commands. Transfers run inside an action, so none is
    /// going on while a command is read: there is nothing to abort, and
    /// RFC 959 §4.1.3 answers that with 226. A data connection set up and
    /// not used is dropped.
    fn abort(&mut self) -> Output<Action> {
        self.data = DataMode::Unset;
        reply(CLOSING_DATA_CONNECTION, "No transfer to abort")
    }

    /// CDUP: RFC 959 §4.1.1 has it answer as CWD does. The parent of the
    /// directory one is in exists: nothing to check on disk.
    fn cdup(&mut self) -> Output<Action> {
        match self.cwd.resolve("..") {
            Ok(parent) => {
                self.cwd = parent;
                let text = format!("Directory changed to {}", self.quoted_cwd());
                reply(FILE_ACTION_OKAY, text)
            }
            Err(error) => reply(FILE_UNAVAILABLE, error),
        }
    }

    fn set_type(&mut self, transfer_type: TransferType) -> Output<Action> {
        self.transfer_type = transfer_type;
        let name = match transfer_type {
            TransferType::Ascii => "A",
            TransferType::Image => "I",
        };
        reply(COMMAND_OKAY, format!("Type set to {name}"))
    }

    fn quoted_cwd(&self) -> String {
        quote_path(&self.cwd.to_string())
    }

    /// The status of STAT with no argument (RFC 959 §4.1.3: 211).
    fn status(&self) -> String {
        let who = match &self.state {
            State::LoggedIn { user, .. } => format!(" Logged in as {user}"),
            _ => " Not logged in".to_string(),
        };
        let transfer_type = match self.transfer_type {
            TransferType::Ascii => " TYPE: ASCII; MODE: Stream; STRU: File",
            TransferType::Image => " TYPE: Image; MODE: Stream; STRU: File",
        };
        let data = match self.data {
            DataMode::Unset => " Data connection: none",
            DataMode::Passive => " Data connection: passive, listening",
            DataMode::Active(_) => " Data connection: active, to the client",
        };
        let directory = format!(" Current directory: {}", self.quoted_cwd());
        let lines = [
            "FTP server status:",
            &who,
            transfer_type,
            data,
            &directory,
            "End of status",
        ];
        multi_line(SYSTEM_STATUS, &lines)
    }
}

/// What a client may send before it logs in: the login itself, and what
/// a client asks to learn about the server first.
fn allowed_before_login(command: &Command) -> bool {
    use Command::*;
    matches!(
        command,
        User(_) | Pass(_) | Quit | Feat | Syst | Opts { .. } | Help(_) | Noop
    )
}

/// OPTS (RFC 2389 §4): UTF-8 names are always on; MLST's facts are
/// always all of them.
fn opts(command: &str, options: Option<&str>) -> Output<Action> {
    match (command, options.map(str::to_ascii_uppercase).as_deref()) {
        ("UTF8", Some("ON")) => reply(COMMAND_OKAY, "UTF8 set to on"),
        ("MLST", _) => reply(COMMAND_OKAY, "MLST OPTS type;size;modify;perm;UNIX.mode;"),
        _ => reply(SYNTAX_ERROR_IN_ARGUMENTS, "Option not understood"),
    }
}

// ANCHOR: login
impl FtpSession {
    /// USER: always 331, known or not (RFC 2577 §5: the reply must not
    /// tell which names exist). A new USER logs out whoever was in.
    fn user(&mut self, name: String) -> Output<Action> {
        self.state = State::AwaitingPassword { user: name };
        self.cwd = VirtualPath::root();
        self.data = DataMode::Unset;
        reply(NEED_PASSWORD, "Password required")
    }

    /// PASS: 230, or a failure answered after [`LOGIN_FAILURE_DELAY`].
    fn pass(&mut self, password: &Password, now: Instant) -> Output<Action> {
        let State::AwaitingPassword { user } = &self.state else {
            return reply(BAD_SEQUENCE, "Send USER before PASS");
        };
        let user = user.clone();
        match self.users.check(&user, password) {
            Some(access) => {
                self.state = State::LoggedIn { user, access };
                self.login_failures = 0;
                reply(LOGGED_IN, "Logged in")
            }
            None => {
                // The same wait for a wrong password and an unknown user:
                // the time must not tell them apart either (RFC 2577 §4).
                self.state = State::AwaitingUser;
                self.login_failures += 1;
                self.pending = Some(Pending::LoginFailure);
                act(Action::Delay(now + LOGIN_FAILURE_DELAY))
            }
        }
    }

    /// After the delay: 530, or 421 and close after too many failures.
    fn login_failed(&mut self) -> Output<Action> {
        if self.login_failures >= MAX_LOGIN_FAILURES {
            return Output::close(one_line(
                SERVICE_NOT_AVAILABLE,
                "Too many failed logins; closing",
            ));
        }
        reply(NOT_LOGGED_IN, "Login incorrect")
    }
}
// ANCHOR_END: login

// ANCHOR: data_setup
impl FtpSession {
    /// PASV: a listener on an IPv4 address (227 carries four bytes of one).
    fn passive(&mut self) -> Output<Action> {
        if self.epsv_all {
            return epsv_all_refusal("PASV");
        }
        if !matches!(self.local.ip().to_canonical(), IpAddr::V4(_)) {
            return reply(CANT_OPEN_DATA_CONNECTION, "PASV is IPv4 only; use EPSV");
        }
        // The I/O part drops the listener before: if no new one can be
        // bound, no data connection is set up.
        self.data = DataMode::Unset;
        self.pending = Some(Pending::Passive { extended: false });
        act(Action::OpenPassive { v6: false })
    }

    /// EPSV (RFC 2428 §3): a listener on the control connection's address.
    fn extended_passive(&mut self, request: EpsvRequest) -> Output<Action> {
        let v6 = matches!(self.local.ip().to_canonical(), IpAddr::V6(_));
        match request {
            EpsvRequest::All => {
                self.epsv_all = true;
                return reply(COMMAND_OKAY, "EPSV ALL ok; only EPSV from now on");
            }
            // The data connection goes to the address the control
            // connection uses, so only its protocol can be served.
            EpsvRequest::Protocol(protocol) if (protocol.number() == 2) != v6 => {
                let usable = NetworkProtocol::of(self.local.ip().to_canonical()).number();
                let text = format!("Network protocol not supported, use ({usable})");
                return reply(NETWORK_PROTOCOL_NOT_SUPPORTED, text);
            }
            _ => {}
        }
        self.data = DataMode::Unset;
        self.pending = Some(Pending::Passive { extended: true });
        act(Action::OpenPassive { v6 })
    }

    /// PORT and EPRT: only to the client's own address, from port 1024 up
    /// (RFC 2577 §3, the bounce attack).
    fn active(&mut self, verb: &str, target: SocketAddr) -> Output<Action> {
        if self.epsv_all {
            return epsv_all_refusal(verb);
        }
        match check_port_target(target, self.peer) {
            Ok(()) => {
                self.data = DataMode::Active(target);
                reply(COMMAND_OKAY, "PORT command successful")
            }
            Err(refusal) => reply(refusal.reply_code(), refusal),
        }
    }

    /// 227 or 229 with the address the I/O part bound.
    fn entering_passive(&mut self, extended: bool, bound: SocketAddr) -> Output<Action> {
        let text = match (extended, bound.ip().to_canonical()) {
            (true, _) => format_epsv_reply(bound.port()),
            (false, IpAddr::V4(ip)) => format_pasv_reply(SocketAddrV4::new(ip, bound.port())),
            (false, IpAddr::V6(_)) => {
                return reply(CANT_OPEN_DATA_CONNECTION, "PASV is IPv4 only; use EPSV")
            }
        };
        self.data = DataMode::Passive;
        let code = match extended {
            true => ENTERING_EXTENDED_PASSIVE_MODE,
            false => ENTERING_PASSIVE_MODE,
        };
        reply(code, text)
    }
}

/// RFC 2428 §4: after EPSV ALL the server "MUST reject" every other
/// command that sets up a data connection. It names no code; 503, "bad
/// sequence of commands", says what happened: the command is fine, but
/// not after EPSV ALL.
fn epsv_all_refusal(verb: &str) -> Output<Action> {
    reply(BAD_SEQUENCE, format!("{verb} not allowed after EPSV ALL"))
}
// ANCHOR_END: data_setup

// ANCHOR: transfer
impl FtpSession {
    /// RETR, STOR, STOU, APPE, LIST, NLST, MLSD: ask the I/O part to open
    /// the file. `argument` is the path (the current directory if none);
    /// `offset` is REST's, for the commands that take one.
    fn transfer(
        &mut self,
        kind: TransferKind,
        argument: Option<&str>,
        offset: Option<u64>,
    ) -> Output<Action> {
        if kind.writes() && self.read_only() {
            return reply(FILE_UNAVAILABLE, Failure::PermissionDenied);
        }
        let path = match self.cwd.resolve(argument.unwrap_or(".")) {
            Ok(path) => path,
            Err(error) => return reply(FILE_UNAVAILABLE, error),
        };
        let data = match self.data {
            DataMode::Unset => return reply(CANT_OPEN_DATA_CONNECTION, "Use PORT or PASV first"),
            DataMode::Passive => DataConnection::Passive,
            DataMode::Active(target) => DataConnection::Active(target),
        };
        let pattern = match kind {
            TransferKind::List | TransferKind::NameList => {
                argument.and_then(NamePattern::in_argument)
            }
            _ => None,
        };
        // One PASV or PORT serves one transfer, whatever its outcome.
        self.data = DataMode::Unset;
        self.pending = Some(Pending::Transfer(kind));
        act(Action::Transfer(Transfer {
            kind,
            path,
            data,
            offset: offset.unwrap_or(0),
            transfer_type: self.transfer_type,
            pattern,
        }))
    }

    /// The file is open: 150, then the data connection (RFC 959 §5.4:
    /// 150 comes before the data, a missing file gets 550 without it).
    fn opened(
        &mut self,
        kind: TransferKind,
        name: Option<String>,
        size: Option<u64>,
    ) -> Output<Action> {
        let mode = match self.transfer_type {
            TransferType::Ascii => "ASCII",
            TransferType::Image => "BINARY",
        };
        let text = match (kind, name) {
            // RFC 1123 §4.1.2.9: STOU's 150 names the file it stores into.
            (_, Some(name)) => format!("FILE: {name}"),
            // Listings are text whatever the TYPE (RFC 959 §4.1.3).
            (TransferKind::List | TransferKind::NameList | TransferKind::MachineList, _) => {
                "Opening ASCII mode data connection for the listing".to_string()
            }
            // In image type the bytes sent are the file's: their number
            // lets a client tell a cut download from a whole one (vsftpd
            // and ProFTPD say it the same way).
            (TransferKind::Retrieve, None) if self.transfer_type == TransferType::Image => {
                match size {
                    Some(size) => format!("Opening {mode} mode data connection ({size} bytes)"),
                    None => format!("Opening {mode} mode data connection"),
                }
            }
            _ => format!("Opening {mode} mode data connection"),
        };
        self.pending = Some(Pending::Data);
        reply(FILE_STATUS_OKAY, text).then(Next::Act(Action::OpenData))
    }
}
// ANCHOR_END: transfer

// ANCHOR: file
impl FtpSession {
    /// A file command: resolve its path, check the user's access, and ask
    /// the I/O part to carry it out.
    fn file(&mut self, op: FileOp, argument: &str) -> Output<Action> {
        if op.writes() && self.read_only() {
            return reply(FILE_UNAVAILABLE, Failure::PermissionDenied);
        }
        match self.cwd.resolve(argument) {
            Ok(path) => {
                self.pending = Some(Pending::File(op.clone(), path.clone()));
                act(Action::File { op, path })
            }
            Err(error) => reply(FILE_UNAVAILABLE, error),
        }
    }

    /// The reply to a file command whose I/O went well.
    fn file_done(&mut self, op: FileOp, path: VirtualPath, outcome: Outcome) -> Output<Action> {
        let quoted = quote_path(&path.to_string());
        match (op, outcome) {
            (_, Outcome::Failed(failure)) => reply(failure.reply_code(), failure),
            (FileOp::EnterDirectory, Outcome::Done) => {
                self.cwd = path;
                reply(FILE_ACTION_OKAY, format!("Directory changed to {quoted}"))
            }
            (FileOp::CheckExists, Outcome::Done) => {
                self.rename_from = Some(path);
                reply(PENDING_FURTHER_INFORMATION, "Ready for RNTO")
            }
            (FileOp::Size, Outcome::Size(size)) => reply(FILE_STATUS, size),
            (FileOp::ModificationTime, Outcome::Modified(time)) => {
                reply(FILE_STATUS, format_time(time))
            }
            (FileOp::Facts, Outcome::Entry(entry)) => self.facts(&path, entry),
            (FileOp::Status, Outcome::Lines(lines)) => {
                let title = format!("Status of {quoted}:");
                let lines: Vec<&str> = std::iter::once(title.as_str())
                    .chain(lines.iter().map(String::as_str))
                    .chain(std::iter::once("End of status"))
                    .collect();
                Output::reply(multi_line(FILE_STATUS, &lines))
            }
            (FileOp::Delete, Outcome::Done) => reply(FILE_ACTION_OKAY, "Deleted"),
            (FileOp::MakeDirectory, Outcome::Done) => {
                reply(PATH_CREATED, format!("{quoted} created"))
            }
            (FileOp::RemoveDirectory, Outcome::Done) => reply(FILE_ACTION_OKAY, "Removed"),
            (FileOp::RenameTo { .. }, Outcome::Done) => reply(FILE_ACTION_OKAY, "Renamed"),
            _ => wrong_outcome(),
        }
    }

    /// MLST's reply (RFC 3659 §7.2): the facts on a line of their own,
    /// after one space, named by the whole path.
    fn facts(&self, path: &VirtualPath, mut entry: DirEntry) -> Output<Action> {
        entry.name = path.to_string();
        match format_mlsx_line(&entry, self.perm(entry.kind)) {
            Ok(line) => {
                let title = format!("Listing {}", path);
                let facts = format!(" {line}");
                Output::reply(multi_line(FILE_ACTION_OKAY, &[&title, &facts, "End"]))
            }
            Err(error) => reply(FILE_UNAVAILABLE, error),
        }
    }

    /// MLSx's `perm` fact (RFC 3659 §7.5.5): what this user may do.
    pub fn perm(&self, kind: Kind) -> &'static str {
        match (self.read_only(), kind) {
            (true, Kind::Dir) => "el",
            (true, _) => "r",
            (false, Kind::Dir) => "cdeflmp",
            (false, _) => "adfrw",
        }
    }
}
// ANCHOR_END: file

/// An outcome that is not one of those its action can have: a defect of
/// the I/O part, answered rather than panicking a connection's thread.
fn wrong_outcome() -> Output<Action> {
    reply(LOCAL_ERROR, "Local error in processing")
}

// ANCHOR: finish
impl FtpSession {
    /// The I/O part reports how the last [`Action`] went; the session
    /// answers with the output that follows it.
    pub fn finish(&mut self, outcome: Outcome, _now: Instant) -> Output<Action> {
        let Some(pending) = self.pending.take() else {
            return wrong_outcome();
        };
        let output = self.finish_pending(pending, outcome);
        match std::mem::take(&mut self.quit_after_transfer) {
            true => {
                let mut send = output.send;
                send.extend_from_slice(one_line(CLOSING_CONTROL, "Goodbye").as_bytes());
                send.extend_from_slice(b"\r\n");
                Output {
                    send,
                    next: Next::Close,
                }
            }
            false => output,
        }
    }

    /// The output that follows the outcome of the action `pending` waited on.
    fn finish_pending(&mut self, pending: Pending, outcome: Outcome) -> Output<Action> {
        match (pending, outcome) {
            (Pending::LoginFailure, Outcome::Waited) => self.login_failed(),
            (Pending::Passive { extended }, Outcome::Listening(bound)) => {
                self.entering_passive(extended, bound)
            }
            (Pending::Transfer(kind), Outcome::Opened { name, size }) => {
                self.opened(kind, name, size)
            }
            (Pending::Data, Outcome::Transferred) => {
                reply(CLOSING_DATA_CONNECTION, "Transfer complete")
            }
            // RFC 959 §4.1.3: 426 for the transfer, then 226 for the ABOR.
            (Pending::Data, Outcome::Aborted) => Output::reply(format!(
                "{}\r\n{}",
                one_line(TRANSFER_ABORTED, "Transfer aborted"),
                one_line(CLOSING_DATA_CONNECTION, "ABOR successful")
            )),
            (Pending::File(op, path), outcome) => self.file_done(op, path, outcome),
            (Pending::LoginFailure, _) => self.login_failed(),
            (_, Outcome::Failed(failure)) => reply(failure.reply_code(), failure),
            _ => wrong_outcome(),
        }
    }
}
// ANCHOR_END: finish

impl Session for FtpSession {
    type Action = Action;

    /// `220`, when the control connection opens (RFC 959 §5.4).
    fn greeting(&mut self, _now: Instant) -> Output<Action> {
        reply(SERVICE_READY, "netlessons FTP server ready")
    }

    fn on_line(&mut self, line: &[u8], now: Instant) -> Output<Action> {
        self.command(line, now)
    }

    /// A line longer than [`MAX_COMMAND_LINE_LEN`](super::command::MAX_COMMAND_LINE_LEN):
    /// 500 (RFC 959 §4.2.1, "command line too long"). It counts as a
    /// command: it cancels REST and RNFR.
    fn on_bad_line(&mut self, error: LineError, _now: Instant) -> Output<Action> {
        self.restart_offset = None;
        self.rename_from = None;
        reply(SYNTAX_ERROR, error)
    }

    /// Silent for [`IDLE_TIMEOUT`]: 421 and close (RFC 959 §4.2.1).
    fn on_timeout(&mut self, _now: Instant) -> Output<Action> {
        Output::close(one_line(
            SERVICE_NOT_AVAILABLE,
            "Idle for too long; closing",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ftp::listing::{DirEntry, Kind};
    use std::time::UNIX_EPOCH;

    const PEER: &str = "127.0.0.1:40000";
    const LOCAL: &str = "127.0.0.1:2121";

    fn users() -> Users {
        Users::new().with_user("alice", "secret").with_anonymous()
    }

    fn fresh() -> FtpSession {
        FtpSession::new(users(), PEER.parse().unwrap(), LOCAL.parse().unwrap())
    }

    /// A session where `user` has logged in.
    fn logged_in(user: &str) -> FtpSession {
        let mut session = fresh();
        let now = Instant::now();
        session.on_line(format!("USER {user}").as_bytes(), now);
        let output = session.on_line(b"PASS secret", now);
        assert_eq!(output, reply(LOGGED_IN, "Logged in"));
        session
    }

    /// The I/O part of a server where everything goes well: one file of
    /// 1024 bytes, changed 2026-12-01 08:15:00 UTC, wherever one looks.
    fn happy(action: &Action) -> Outcome {
        let modified = UNIX_EPOCH + Duration::from_secs(1_796_112_900);
        match action {
            Action::Delay(_) => Outcome::Waited,
            Action::OpenPassive { v6: false } => {
                Outcome::Listening("127.0.0.1:50060".parse().unwrap())
            }
            Action::OpenPassive { v6: true } => Outcome::Listening("[::1]:50060".parse().unwrap()),
            Action::Transfer(transfer) => Outcome::Opened {
                name: (transfer.kind == TransferKind::StoreUnique).then(|| "stou.1".into()),
                size: None,
            },
            Action::OpenData => Outcome::Transferred,
            Action::File { op, .. } => match op {
                FileOp::Size => Outcome::Size(1024),
                FileOp::ModificationTime => Outcome::Modified(modified),
                FileOp::Facts => Outcome::Entry(DirEntry {
                    name: "notes.txt".into(),
                    kind: Kind::File,
                    size: 1024,
                    modified,
                    permissions: 0o644,
                }),
                FileOp::Status => {
                    Outcome::Lines(vec!["-rw-r--r-- 1 ftp ftp 1024 Dec 01 08:15 a".into()])
                }
                _ => Outcome::Done,
            },
        }
    }

    /// Sends `line`, plays the I/O part with `io` for every action, and
    /// returns all the bytes sent, as text, and whether it closed.
    fn converse(
        session: &mut FtpSession,
        line: &str,
        io: &mut dyn FnMut(&Action) -> Outcome,
    ) -> (String, bool) {
        let now = Instant::now();
        let mut output = session.on_line(line.as_bytes(), now);
        let mut sent = String::new();
        loop {
            sent.push_str(std::str::from_utf8(&output.send).unwrap());
            output = match output.next {
                Next::Read => return (sent, false),
                Next::Close => return (sent, true),
                Next::Act(action) => session.finish(io(&action), now),
            };
        }
    }

    /// The bytes `line` makes a happy server send.
    fn sent(session: &mut FtpSession, line: &str) -> String {
        converse(session, line, &mut happy).0
    }

    /// The code of the last reply `line` brings.
    fn last_code(session: &mut FtpSession, line: &str) -> u16 {
        let sent = sent(session, line);
        let last = sent.trim_end().rsplit("\r\n").next().unwrap();
        last[..3].parse().unwrap()
    }

    #[test]
    fn before_login_only_the_login_and_questions_about_the_server() {
        // RFC 959 §5.4: 530 for what needs a login, 503 for PASS first.
        let table = [
            ("RETR a.txt", 530),
            ("STOR a.txt", 530),
            ("LIST", 530),
            ("CWD /", 530),
            ("PWD", 530),
            ("PASV", 530),
            ("PORT 127,0,0,1,195,140", 530),
            ("REST 10", 530),
            ("RNTO b", 530),
            ("STAT", 530),
            ("ACCT x", 530),
            ("PASS secret", 503),
            ("SYST", 215),
            ("FEAT", 211),
            ("HELP", 214),
            ("NOOP", 200),
            ("OPTS UTF8 ON", 200),
            ("AUTH TLS", 502),
            ("XYZZ", 500),
            ("USER alice", 331),
            ("QUIT", 221),
        ];
        for (line, code) in table {
            assert_eq!(last_code(&mut fresh(), line), code, "{line:?}");
        }
    }

    #[test]
    fn logged_in_order_rules() {
        let table = [
            ("PASS secret", 503),
            ("RNTO b", 503),
            ("RETR a.txt", 425),
            ("STOR a.txt", 425),
            ("LIST", 425),
            ("MLSD", 425),
            ("STOU", 425),
            ("TYPE I", 200),
            ("MODE S", 200),
            ("MODE B", 504),
            ("STRU F", 200),
            ("STRU R", 504),
            ("ACCT x", 202),
            ("ABOR", 226),
            ("STAT", 211),
            ("REST 10", 350),
            ("RNFR a", 350),
            ("CWD ..", 550),
            ("CDUP", 550),
            ("CWD pub", 250),
            ("MKD new", 257),
            ("RMD new", 250),
            ("DELE a", 250),
            ("SIZE a", 213),
            ("MDTM a", 213),
            ("MLST a", 250),
            ("STAT a", 213),
            ("PASV", 227),
            ("EPSV", 229),
            ("EPSV 2", 522),
            ("PORT 127,0,0,1,195,140", 200),
            ("EPRT |1|127.0.0.1|50060|", 200),
            ("USER bob", 331),
            ("QUIT", 221),
        ];
        for (line, code) in table {
            assert_eq!(last_code(&mut logged_in("alice"), line), code, "{line:?}");
        }
    }

    #[test]
    fn a_whole_conversation() {
        // The client's lines and the server's bytes, both literal, in the
        // style of Go's smtp_test.go.
        let script: &[(&str, &str)] = &[
            ("USER alice", "331 Password required\r\n"),
            ("PASS secret", "230 Logged in\r\n"),
            ("SYST", "215 UNIX Type: L8\r\n"),
            ("PWD", "257 \"/\" is the current directory\r\n"),
            ("TYPE I", "200 Type set to I\r\n"),
            ("EPSV", "229 Entering Extended Passive Mode (|||50060|)\r\n"),
            (
                "RETR notes.txt",
                "150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n",
            ),
            ("MKD say \"hi\"", "257 \"/say \"\"hi\"\"\" created\r\n"),
            (
                "CWD say \"hi\"",
                "250 Directory changed to \"/say \"\"hi\"\"\"\r\n",
            ),
            (
                "PWD",
                "257 \"/say \"\"hi\"\"\" is the current directory\r\n",
            ),
            ("CDUP", "250 Directory changed to \"/\"\r\n"),
            ("SIZE notes.txt", "213 1024\r\n"),
            ("MDTM notes.txt", "213 20261201081500\r\n"),
            ("RETR notes.txt", "425 Use PORT or PASV first\r\n"),
            ("QUIT", "221 Goodbye\r\n"),
        ];
        let mut session = fresh();
        let greeting = session.greeting(Instant::now());
        assert_eq!(greeting.send, b"220 netlessons FTP server ready\r\n");
        for (index, (line, expected)) in script.iter().enumerate() {
            let (sent, closed) = converse(&mut session, line, &mut happy);
            assert_eq!(sent, *expected, "{line:?}");
            assert_eq!(closed, index == script.len() - 1, "{line:?}");
        }
    }

    #[test]
    fn multi_line_replies() {
        let mut session = logged_in("alice");
        assert_eq!(
            sent(&mut session, "FEAT"),
            "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n \
             MLST type*;size*;modify*;perm*;UNIX.mode*;\r\n REST STREAM\r\n SIZE\r\n UTF8\r\n\
             211 End\r\n"
        );
        assert_eq!(
            sent(&mut session, "MLST notes.txt"),
            "250-Listing /notes.txt\r\n \
             type=file;size=1024;modify=20261201081500;perm=adfrw;UNIX.mode=0644; /notes.txt\r\n\
             250 End\r\n"
        );
        assert_eq!(
            sent(&mut session, "STAT"),
            "211-FTP server status:\r\n Logged in as alice\r\n \
             TYPE: ASCII; MODE: Stream; STRU: File\r\n Data connection: none\r\n \
             Current directory: \"/\"\r\n211 End of status\r\n"
        );
        assert!(sent(&mut session, "HELP").starts_with("214-"));
    }

    /// The one action that `line` asks for.
    fn action_of(session: &mut FtpSession, line: &str) -> Action {
        match session.on_line(line.as_bytes(), Instant::now()) {
            Output {
                send,
                next: Next::Act(action),
            } if send.is_empty() => action,
            other => panic!("{line:?}: no action but {other:?}"),
        }
    }

    fn offset_of(action: Action) -> u64 {
        match action {
            Action::Transfer(transfer) => transfer.offset,
            other => panic!("not a transfer: {other:?}"),
        }
    }

    #[test]
    fn rest_is_for_the_next_command_alone() {
        // RFC 3659 §5: REST is "the last command issued before the data
        // transfer command"; anything between forgets it.
        for verb in ["RETR", "STOR", "APPE"] {
            let mut session = logged_in("alice");
            sent(&mut session, "PASV");
            assert_eq!(
                sent(&mut session, "REST 100"),
                "350 Restarting at 100; now RETR, STOR or APPE\r\n"
            );
            assert_eq!(
                offset_of(action_of(&mut session, &format!("{verb} a"))),
                100,
                "{verb}"
            );
        }
        // (Each transfer below fails at once, to free the session.)
        let gone = Outcome::Failed(Failure::NotFound);
        let mut session = logged_in("alice");
        sent(&mut session, "PASV");
        sent(&mut session, "REST 100");
        sent(&mut session, "NOOP");
        assert_eq!(offset_of(action_of(&mut session, "RETR a")), 0);
        session.finish(gone, Instant::now());
        // A bad line is a command too.
        sent(&mut session, "PASV");
        sent(&mut session, "REST 100");
        session.on_bad_line(LineError::TooLong { limit: 10 }, Instant::now());
        assert_eq!(offset_of(action_of(&mut session, "RETR a")), 0);
    }

    #[test]
    fn rnto_must_follow_rnfr_at_once() {
        let mut session = logged_in("alice");
        assert_eq!(sent(&mut session, "RNFR a"), "350 Ready for RNTO\r\n");
        assert_eq!(
            action_of(&mut session, "RNTO b"),
            Action::File {
                op: FileOp::RenameTo {
                    from: VirtualPath::root().resolve("a").unwrap()
                },
                path: VirtualPath::root().resolve("b").unwrap(),
            }
        );
        let mut session = logged_in("alice");
        sent(&mut session, "RNFR a");
        sent(&mut session, "PWD");
        assert_eq!(
            sent(&mut session, "RNTO b"),
            "503 RNFR must come right before RNTO\r\n"
        );
        // An RNFR of a file that is not there leaves nothing to rename.
        let mut session = logged_in("alice");
        let (sent, _) = converse(&mut session, "RNFR gone", &mut |_| {
            Outcome::Failed(Failure::NotFound)
        });
        assert_eq!(sent, "550 No such file or directory\r\n");
        assert_eq!(last_code(&mut session, "RNTO b"), 503);
    }

    #[test]
    fn anonymous_may_read_but_not_write() {
        let refused = "550 Permission denied\r\n";
        for line in [
            "STOR a", "APPE a", "STOU", "DELE a", "MKD d", "RMD d", "RNFR a",
        ] {
            let mut session = logged_in("anonymous");
            sent(&mut session, "PASV");
            assert_eq!(sent(&mut session, line), refused, "{line:?}");
        }
        let mut session = logged_in("Anonymous");
        sent(&mut session, "PASV");
        assert_eq!(last_code(&mut session, "RETR a"), 226);
        assert_eq!(
            sent(&mut session, "MLST a"),
            "250-Listing /a\r\n \
             type=file;size=1024;modify=20261201081500;perm=r;UNIX.mode=0644; /a\r\n\
             250 End\r\n"
        );
    }

    #[test]
    fn paths_resolve_under_the_root() {
        let pub_dir = VirtualPath::root().resolve("/pub").unwrap();
        let table = [
            ("../x", Ok("/x")),
            ("/../x", Err(PathError::AboveRoot)),
            ("a/../../x", Ok("/x")),
            ("a/../../../x", Err(PathError::AboveRoot)),
            ("..", Ok("/")),
            ("../..", Err(PathError::AboveRoot)),
            ("//x", Ok("/x")),
            (".", Ok("/pub")),
            ("./", Ok("/pub")),
            ("/", Ok("/")),
            ("x/./y//", Ok("/pub/x/y")),
            ("my file.txt", Ok("/pub/my file.txt")),
            (" leading space", Ok("/pub/ leading space")),
            ("...", Ok("/pub/...")),
            ("a\\..\\b", Err(PathError::BadName)),
        ];
        for (argument, expected) in table {
            let resolved = pub_dir.resolve(argument).map(|path| path.to_string());
            assert_eq!(resolved, expected.map(String::from), "{argument:?}");
        }
        let long = "a/".repeat(MAX_PATH_LEN / 2 + 1);
        assert_eq!(VirtualPath::root().resolve(&long), Err(PathError::TooLong));
        assert_eq!(
            pub_dir.resolve("x y/z").unwrap().segments(),
            ["pub", "x y", "z"]
        );
    }

    #[test]
    fn a_path_above_the_root_is_550_without_any_io() {
        let mut session = logged_in("alice");
        sent(&mut session, "PASV");
        for line in ["RETR ../etc/passwd", "CWD /..", "SIZE a/../../b", "LIST .."] {
            let text = "550 '..' cannot climb above the root\r\n";
            let output = session.on_line(line.as_bytes(), Instant::now());
            assert_eq!(output.send, text.as_bytes(), "{line:?}");
            assert_eq!(output.next, Next::Read, "{line:?}");
        }
    }

    #[test]
    fn after_epsv_all_only_epsv_sets_up_data_connections() {
        // RFC 2428 §4: the server MUST reject the other ones.
        let mut session = logged_in("alice");
        assert_eq!(last_code(&mut session, "EPSV ALL"), 200);
        for (line, text) in [
            ("PASV", "503 PASV not allowed after EPSV ALL\r\n"),
            (
                "PORT 127,0,0,1,195,140",
                "503 PORT not allowed after EPSV ALL\r\n",
            ),
            (
                "EPRT |1|127.0.0.1|50060|",
                "503 EPRT not allowed after EPSV ALL\r\n",
            ),
            (
                "EPRT |2|::1|50060|",
                "503 EPRT not allowed after EPSV ALL\r\n",
            ),
        ] {
            assert_eq!(sent(&mut session, line), text, "{line:?}");
        }
        assert_eq!(last_code(&mut session, "EPSV"), 229);
    }

    #[test]
    fn port_to_another_host_or_a_low_port_is_refused() {
        // RFC 2577 §3, the bounce attack.
        let table = [
            (
                "PORT 10,0,0,1,195,140",
                "504 data connections go only to the address the commands come from\r\n",
            ),
            (
                "EPRT |1|192.0.2.1|50060|",
                "504 data connections go only to the address the commands come from\r\n",
            ),
            (
                "PORT 127,0,0,1,0,25",
                "504 data connections go only to ports from 1024 up\r\n",
            ),
        ];
        for (line, text) in table {
            let mut session = logged_in("alice");
            assert_eq!(sent(&mut session, line), text, "{line:?}");
            assert_eq!(session.data_mode(), DataMode::Unset, "{line:?}");
        }
        let mut session = logged_in("alice");
        sent(&mut session, "PORT 127,0,0,1,195,140");
        let Action::Transfer(transfer) = action_of(&mut session, "RETR a") else {
            panic!("no transfer");
        };
        assert_eq!(
            transfer.data,
            DataConnection::Active("127.0.0.1:50060".parse().unwrap())
        );
    }

    #[test]
    fn a_failed_login_waits_and_says_the_same_for_any_reason() {
        // RFC 2577 §4, §5: no hint, in words or time, of which names exist.
        let now = Instant::now();
        for user in ["alice", "nobody"] {
            let mut session = fresh();
            session.on_line(format!("USER {user}").as_bytes(), now);
            let output = session.on_line(b"PASS wrong", now);
            let delay = Action::Delay(now + LOGIN_FAILURE_DELAY);
            assert_eq!(output, act(delay), "{user}");
            let output = session.finish(Outcome::Waited, now + LOGIN_FAILURE_DELAY);
            assert_eq!(output, Output::reply("530 Login incorrect"), "{user}");
            assert_eq!(session.state(), &State::AwaitingUser, "{user}");
        }
    }

    #[test]
    fn too_many_failed_logins_close_the_connection() {
        let mut session = fresh();
        for attempt in 1..=MAX_LOGIN_FAILURES {
            sent(&mut session, "USER alice");
            let (sent, closed) = converse(&mut session, "PASS wrong", &mut happy);
            let last = attempt == MAX_LOGIN_FAILURES;
            let expected = match last {
                true => "421 Too many failed logins; closing\r\n",
                false => "530 Login incorrect\r\n",
            };
            assert_eq!(
                (sent.as_str(), closed),
                (expected, last),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn passwords_do_not_show_in_debug() {
        let mut session = fresh();
        sent(&mut session, "USER alice");
        let shown = format!("{session:?}");
        assert!(shown.contains("alice"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn pasv_gives_the_address_the_io_part_bound() {
        let mut session = logged_in("alice");
        assert_eq!(
            action_of(&mut session, "PASV"),
            Action::OpenPassive { v6: false }
        );
        let bound = "127.0.0.1:50060".parse().unwrap();
        let output = session.finish(Outcome::Listening(bound), Instant::now());
        assert_eq!(
            output,
            Output::reply("227 Entering Passive Mode (127,0,0,1,195,140)")
        );
        assert_eq!(session.data_mode(), DataMode::Passive);
        // A port that cannot be bound leaves no data connection set up.
        action_of(&mut session, "PASV");
        let output = session.finish(Outcome::Failed(Failure::DataConnection), Instant::now());
        assert_eq!(output, Output::reply("425 Can't open data connection"));
        assert_eq!(session.data_mode(), DataMode::Unset);
    }

    #[test]
    fn a_listing_with_a_wildcard_carries_its_pattern() {
        let mut session = logged_in("alice");
        let table = [
            ("NLST sub/*.txt", Some(("sub/", "*.txt"))),
            ("LIST -la ?.log", Some(("", "?.log"))),
            ("NLST notes.txt", None),
            // MLSD names a directory (RFC 3659 §7.1): no patterns there.
            ("MLSD *.txt", None),
            // Nor in a file's name for RETR: `*` is just a character.
            ("RETR *.txt", None),
        ];
        for (line, expected) in table {
            sent(&mut session, "PASV");
            let Action::Transfer(transfer) = action_of(&mut session, line) else {
                panic!("{line}: no transfer");
            };
            let found = transfer.pattern.as_ref();
            let found = found.map(|p| (p.directory.as_str(), p.pattern.as_str()));
            assert_eq!(found, expected, "{line}");
            session.finish(Outcome::Failed(Failure::NotFound), Instant::now());
        }
    }

    #[test]
    fn retr_sends_150_only_once_the_file_is_open() {
        let now = Instant::now();
        let mut session = logged_in("alice");
        sent(&mut session, "PASV");
        let action = action_of(&mut session, "RETR notes.txt");
        let expected = Transfer {
            kind: TransferKind::Retrieve,
            path: VirtualPath::root().resolve("notes.txt").unwrap(),
            data: DataConnection::Passive,
            offset: 0,
            transfer_type: TransferType::Ascii,
            pattern: None,
        };
        assert_eq!(action, Action::Transfer(expected));
        let output = session.finish(
            Outcome::Opened {
                name: None,
                size: None,
            },
            now,
        );
        assert_eq!(
            output,
            Output::reply("150 Opening ASCII mode data connection")
                .then(Next::Act(Action::OpenData))
        );
        let output = session.finish(Outcome::Transferred, now);
        assert_eq!(output, Output::reply("226 Transfer complete"));
        // The PASV served that transfer; the next needs its own.
        assert_eq!(last_code(&mut session, "RETR notes.txt"), 425);
    }

    #[test]
    fn transfer_failures_and_their_replies() {
        // RFC 959 §5.4: 550 instead of 150; 425, 426 or 451 after it.
        let table: [(&[Outcome], &str); 4] = [
            (
                &[Outcome::Failed(Failure::NotFound)],
                "550 No such file or directory\r\n",
            ),
            (
                &[
                    Outcome::Opened {
                        name: None,
                        size: None,
                    },
                    Outcome::Failed(Failure::DataConnection),
                ],
                "150 Opening ASCII mode data connection\r\n425 Can't open data connection\r\n",
            ),
            (
                &[
                    Outcome::Opened {
                        name: None,
                        size: None,
                    },
                    Outcome::Failed(Failure::Aborted),
                ],
                "150 Opening ASCII mode data connection\r\n\
                 426 Connection closed; transfer aborted\r\n",
            ),
            (
                &[
                    Outcome::Opened {
                        name: None,
                        size: None,
                    },
                    Outcome::Failed(Failure::LocalError),
                ],
                "150 Opening ASCII mode data connection\r\n451 Local error in processing\r\n",
            ),
        ];
        for (outcomes, expected) in table {
            let mut session = logged_in("alice");
            sent(&mut session, "PASV");
            let mut outcomes = outcomes.iter().cloned();
            let (sent, _) = converse(&mut session, "RETR a", &mut |_| outcomes.next().unwrap());
            assert_eq!(sent, expected);
        }
    }

    #[test]
    fn abor_during_a_transfer_is_426_then_226() {
        // RFC 959 §4.1.3. The I/O part saw the ABOR; the session answers.
        let mut session = logged_in("alice");
        sent(&mut session, "TYPE I");
        sent(&mut session, "PASV");
        let mut outcomes = [
            Outcome::Opened {
                name: None,
                size: None,
            },
            Outcome::Aborted,
        ]
        .into_iter();
        let (sent, _) = converse(&mut session, "LIST", &mut |_| outcomes.next().unwrap());
        assert_eq!(
            sent,
            "150 Opening ASCII mode data connection for the listing\r\n\
             426 Transfer aborted\r\n226 ABOR successful\r\n"
        );
    }

    #[test]
    fn stou_names_the_file_it_stores() {
        // RFC 1123 §4.1.2.9.
        let mut session = logged_in("alice");
        sent(&mut session, "PASV");
        assert_eq!(
            sent(&mut session, "STOU"),
            "150 FILE: stou.1\r\n226 Transfer complete\r\n"
        );
    }

    #[test]
    fn ipv6_control_connections_use_epsv() {
        let mut session = FtpSession::new(
            users(),
            "[::1]:40000".parse().unwrap(),
            "[::1]:21".parse().unwrap(),
        );
        sent(&mut session, "USER alice");
        sent(&mut session, "PASS secret");
        assert_eq!(
            sent(&mut session, "PASV"),
            "425 PASV is IPv4 only; use EPSV\r\n"
        );
        assert_eq!(
            sent(&mut session, "EPSV 1"),
            "522 Network protocol not supported, use (2)\r\n"
        );
        assert_eq!(
            action_of(&mut session, "EPSV"),
            Action::OpenPassive { v6: true }
        );
        let bound = "[::1]:50060".parse().unwrap();
        let output = session.finish(Outcome::Listening(bound), Instant::now());
        assert_eq!(
            output,
            Output::reply("229 Entering Extended Passive Mode (|||50060|)")
        );
        assert_eq!(
            sent(&mut session, "EPRT |2|::1|50060|"),
            "200 PORT command successful\r\n"
        );
    }

    #[test]
    fn a_new_user_logs_the_old_one_out() {
        let mut session = logged_in("alice");
        sent(&mut session, "CWD pub");
        assert_eq!(
            sent(&mut session, "USER anonymous"),
            "331 Password required\r\n"
        );
        assert_eq!(last_code(&mut session, "PWD"), 530);
        assert_eq!(session.current_directory(), &VirtualPath::root());
    }

    #[test]
    fn bad_lines_and_silence() {
        let now = Instant::now();
        let mut session = fresh();
        let output = session.on_bad_line(LineError::TooLong { limit: 4608 }, now);
        assert_eq!(output, Output::reply("500 line longer than 4608 bytes"));
        assert_eq!(
            session.on_timeout(now),
            Output::close("421 Idle for too long; closing")
        );
    }

    #[test]
    fn an_outcome_nobody_asked_for_is_a_local_error_not_a_panic() {
        let mut session = logged_in("alice");
        let output = session.finish(Outcome::Transferred, Instant::now());
        assert_eq!(output, Output::reply("451 Local error in processing"));
        action_of(&mut session, "SIZE a");
        let output = session.finish(Outcome::Transferred, Instant::now());
        assert_eq!(output, Output::reply("451 Local error in processing"));
        // A line read while an action is still to be finished.
        action_of(&mut session, "SIZE a");
        assert_eq!(
            sent(&mut session, "NOOP"),
            "503 Wait for the reply to the last command\r\n"
        );
    }
}

//! An FTP client: the control connection's commands, and the transfers
//! over data connections (RFC 959 §4-5, RFC 2428, RFC 3659).
//!
//! A session, seen from the client:
//!
//! ```text
//! S: 220 Service ready                 connect: the greeting (a 120 may come first)
//! C: USER alice
//! S: 331 Password required
//! C: PASS ****                         (the transcript hides it)
//! S: 230 Logged in
//! C: TYPE I                            once, before the first transfer: bytes as they are
//! S: 200 Type set to I
//! C: EPSV                              passive: the server opens a port...
//! S: 229 Entering Extended Passive Mode (|||50060|)
//!    ...and the client connects to it, at the control connection's address
//! C: RETR notes.txt
//! S: 150 Opening data connection
//!    the file's bytes arrive, and the server closes: that is the end
//! S: 226 Transfer complete
//! C: QUIT
//! S: 221 Goodbye
//! ```
//!
//! Every command goes through [`CommandConn`], which refuses a CR, LF or
//! NUL in a path before anything is sent, and keeps a refusal (a reply
//! code) apart from garbage and from a broken connection; [`FtpError`]
//! keeps those apart too, and adds the data connection's own failures.
//!
//! Every wait (connect, read, write, accept) has the timeout of
//! [`Options::timeout`]; files stream through a buffer of
//! [`TRANSFER_BUFFER_LEN`] bytes, and listings are read line by line under
//! [`MAX_LIST_LINE_LEN`] and [`MAX_LISTING_LEN`]: a server can make the
//! client fail, but not hang forever or take all its memory.
//!
//! The data connection is opened as [`super::data`] explains: passive by
//! default (`EPSV`, then `PASV` if the server does not know `EPSV`),
//! active (`EPRT`, then `PORT`) on request.

use super::data::{connect_passive, DataError, DataListener};
use super::listing::{
    parse_list_line, parse_mlsx_line, Kind, ListError, MlsxType, MAX_LIST_LINE_LEN,
};
use super::reply::unquote_path;
use super::time::parse_time;
use super::{address, reply as code};
use crate::transcript::{printable, Side, Tee, Transcript};
use crate::wire::command::{check_command, CommandConn, CommandError};
use crate::wire::line::{Endings, LineReader, ReadLineError};
use crate::wire::reply::{Reply, Style};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime};

/// How long any one connect, read, write or accept may wait, by default:
/// as in the HTTP client, long enough for a slow server far away, short
/// enough that a server that says nothing does not hang a program.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

// ANCHOR: transfer_buffer
/// The buffer a file streams through, in both directions: 64 KiB.
/// Downloading 512 MiB
/// from vsftpd on loopback ran at 1.4 to 2.0 GB/s with 16, 64 or 256 KiB
/// alike (the spread is the machine's noise, not the buffer): past a few
/// dozen TCP segments per read, the buffer is not what limits a transfer,
/// and a larger one only holds more memory.
pub const TRANSFER_BUFFER_LEN: usize = 64 * 1024;
// ANCHOR_END: transfer_buffer

/// The most bytes of one listing that [`FtpClient::list`] or
/// [`FtpClient::nlst`] keeps: 16 MiB, the HTTP client's body limit. A
/// directory of 100 000 files lists in about 10 MB of `ls -l` lines; a
/// server that sends more, or sends forever, gets an error.
pub const MAX_LISTING_LEN: usize = 16 * 1024 * 1024;

/// How many `120 Service ready in n minutes` replies may come before the
/// greeting (RFC 959 §5.4 allows one); a server that sends them forever
/// would keep the client reading.
pub const MAX_DELAY_REPLIES: usize = 5;

/// How an [`FtpClient`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest wait for a connection, or for any one read, write or
    /// accept.
    pub timeout: Duration,
    /// Passive mode (the client connects, `EPSV`/`PASV`) when true, the
    /// default; active mode (the server connects, `EPRT`/`PORT`) when false.
    pub passive: bool,
    /// Where the control connection is shown, as `C:` and `S:` lines.
    pub transcript: Transcript,
}

impl Default for Options {
    /// [`DEFAULT_TIMEOUT`], passive mode, and no transcript.
    fn default() -> Options {
        Options {
            timeout: DEFAULT_TIMEOUT,
            passive: true,
            transcript: Transcript::silent(),
        }
    }
}

// ANCHOR: ftp_error
/// What went wrong, in words for the person who ran the client.
#[derive(Debug)]
pub enum FtpError {
    /// The control connection could not be opened.
    Connect {
        /// The address asked for.
        to: String,
        /// Why.
        error: io::Error,
    },
    /// The server understood and said no: a 4xx or 5xx reply (or a code
    /// that does not fit the command). The connection is still usable.
    Refused {
        /// The command that was refused (a password shown as `****`).
        command: String,
        /// The server's reply.
        reply: Reply,
    },
    /// The server sent something that is not FTP: the connection cannot
    /// be trusted any more.
    Protocol(String),
    /// The data connection could not be opened.
    Data(DataError),
    /// The server closed the control connection.
    Closed,
    /// A read or write waited longer than the timeout.
    Timeout(Duration),
    /// A connection failed (a reset).
    Io(io::Error),
    /// The local side of a transfer failed: writing the downloaded file,
    /// or reading the one to upload.
    Local(io::Error),
    /// The caller asked for something that cannot be sent: a path with CR,
    /// LF or NUL. Nothing was sent.
    Usage(String),
    /// The server asks for something this client does not do (`ACCT`).
    Unsupported(&'static str),
    /// A listing longer than [`MAX_LISTING_LEN`].
    ListingTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The data connection ended before the size the server announced.
    Truncated {
        /// The size announced in the `150` reply.
        expected: u64,
        /// The bytes that arrived.
        received: u64,
    },
}
// ANCHOR_END: ftp_error

impl fmt::Display for FtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FtpError::Connect { to, error } => {
                write!(
                    f,
                    "could not connect to {to}: {error} (is an FTP server listening there?)"
                )
            }
            // The reply's words are the server's: shown escaped, so that
            // they cannot drive the terminal this is printed on.
            FtpError::Refused { command, reply } => write!(
                f,
                "the server refused {command}: {} {}",
                reply.code,
                printable(&reply.lines.join(" "))
            ),
            FtpError::Protocol(why) => write!(f, "the server's reply is not valid FTP: {why}"),
            FtpError::Data(error) => error.fmt(f),
            FtpError::Closed => f.write_str("the server closed the control connection"),
            FtpError::Timeout(timeout) => write!(
                f,
                "no answer from the server within {} s",
                timeout.as_secs_f64()
            ),
            FtpError::Io(error) => write!(f, "the connection failed: {error}"),
            FtpError::Local(error) => write!(f, "the local file failed: {error}"),
            FtpError::Usage(why) => f.write_str(why),
            FtpError::Unsupported(what) => write!(f, "not supported by this client: {what}"),
            FtpError::ListingTooLarge { limit } => {
                write!(f, "the listing is longer than the limit of {limit} bytes")
            }
            FtpError::Truncated { expected, received } => write!(
                f,
                "the data connection closed after {received} of the {expected} bytes announced: \
                 the file is incomplete"
            ),
        }
    }
}

impl std::error::Error for FtpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FtpError::Connect { error, .. } | FtpError::Io(error) | FtpError::Local(error) => {
                Some(error)
            }
            FtpError::Data(error) => Some(error),
            _ => None,
        }
    }
}

impl From<DataError> for FtpError {
    fn from(error: DataError) -> FtpError {
        FtpError::Data(error)
    }
}

impl FtpError {
    /// The reply code, if the server refused.
    pub fn code(&self) -> Option<u16> {
        match self {
            FtpError::Refused { reply, .. } => Some(reply.code),
            _ => None,
        }
    }
}

/// Whether an I/O error is a timeout (std reports a read timeout as
/// `WouldBlock` on Unix, `TimedOut` on Windows).
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The features a server lists in its answer to `FEAT` (RFC 2389 §3.2):
/// one a line, each after a space, such as `MLST type*;size*;modify*;`,
/// `EPSV`, `REST STREAM`, `SIZE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// Each feature line, without its leading space.
    pub lines: Vec<String>,
}

impl Features {
    /// Reads the lines of a `211` reply: the first and last lines are
    /// headings (`Features:`, `End`), the lines between are features.
    pub fn from_reply(reply: &Reply) -> Features {
        let inner = match reply.lines.as_slice() {
            [_, inner @ .., _] => inner,
            _ => &[],
        };
        Features {
            lines: inner
                .iter()
                .map(|line| line.trim().to_string())
                .filter(|line| !line.is_empty())
                .collect(),
        }
    }

    /// Whether the feature `name` is listed (its first word, in any case).
    pub fn has(&self, name: &str) -> bool {
        self.lines.iter().any(|line| {
            line.split(' ')
                .next()
                .is_some_and(|word| word.eq_ignore_ascii_case(name))
        })
    }

    /// `REST STREAM` (RFC 3659 §5): a download can resume.
    pub fn rest_stream(&self) -> bool {
        self.lines
            .iter()
            .any(|line| line.eq_ignore_ascii_case("REST STREAM"))
    }
}

/// One entry of a directory, from `MLSD` or `LIST`: what both forms can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    /// The name, exactly as listed.
    pub name: String,
    /// File, directory or symbolic link; `None` for a type MLSD names
    /// but this client does not know (`OS.unix=blockdev`).
    pub kind: Option<Kind>,
    /// The size in bytes, when listed.
    pub size: Option<u64>,
    /// When it was last changed, when the listing says (a `LIST` line's
    /// time is resolved against the client's clock: see
    /// [`ListTime`](super::listing::ListTime)).
    pub modified: Option<SystemTime>,
}

/// Called during a transfer with the bytes so far and, when known, the
/// whole size.
pub type Progress = Box<dyn FnMut(u64, Option<u64>)>;

/// An open data connection, or a listener the server will connect to.
enum DataConn {
    Passive(TcpStream),
    Active(DataListener),
}

/// What a transfer does with the data connection.
enum Body<'a> {
    /// Copy what arrives into this writer (RETR).
    Download(&'a mut dyn Write),
    /// Send what this reader gives (STOR, APPE).
    Upload(&'a mut dyn Read),
    /// Read listing lines, each given to this function (LIST, MLSD, NLST).
    Lines(&'a mut dyn FnMut(&[u8]) -> Result<(), FtpError>),
}

/// The stream under the control connection: what the client needs besides
/// `Read` and `Write`, the addresses that data connections start from.
pub trait ControlStream: Read + Write {
    /// The server's address.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
    /// The client's own address on this connection.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl ControlStream for TcpStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::local_addr(self)
    }
}

/// A logged-in (or not yet) FTP session over one control connection.
pub struct FtpClient<S: ControlStream = TcpStream> {
    conn: CommandConn<Tee<S>>,
    options: Options,
    /// Set once `EPSV` was refused as unknown: `PASV` from then on.
    epsv_refused: bool,
    /// Set once `EPRT` was refused as unknown: `PORT` from then on.
    eprt_refused: bool,
    /// `TYPE I` was sent.
    binary: bool,
    /// The answer to `FEAT`, once asked.
    features: Option<Features>,
    progress: Option<Progress>,
}

impl<S: ControlStream> fmt::Debug for FtpClient<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpClient")
            .field("options", &self.options)
            .field("epsv_refused", &self.epsv_refused)
            .field("binary", &self.binary)
            .field("features", &self.features)
            .finish()
    }
}

impl FtpClient<TcpStream> {
    /// Connects to an FTP server and reads its greeting.
    pub fn connect(
        addr: impl ToSocketAddrs + fmt::Display,
        options: Options,
    ) -> Result<Self, FtpError> {
        let to = addr.to_string();
        let stream = crate::tcp::connect(addr, options.timeout)
            .map_err(|error| FtpError::Connect { to, error })?;
        FtpClient::over(stream, options)
    }
}

impl<S: ControlStream> FtpClient<S> {
    /// Starts a session over a connected stream: reads the greeting,
    /// `220`, after at most [`MAX_DELAY_REPLIES`] `120` replies
    /// (RFC 959 §5.4: "120 → 220" is the connection's sequence).
    pub fn over(stream: S, options: Options) -> Result<Self, FtpError> {
        let tee = options.transcript.tee(stream, Side::Client);
        let mut client = FtpClient {
            conn: CommandConn::new(tee, Style::Lenient),
            options,
            epsv_refused: false,
            eprt_refused: false,
            binary: false,
            features: None,
            progress: None,
        };
        for _ in 0..=MAX_DELAY_REPLIES {
            let reply = client.read_reply("the greeting")?;
            match reply.code {
                code::SERVICE_READY => return Ok(client),
                120 => continue,
                _ => return Err(refused("the connection", reply)),
            }
        }
        Err(FtpError::Protocol(format!(
            "more than {MAX_DELAY_REPLIES} 120 replies without a 220 greeting"
        )))
    }

    /// Opens the data connections of the next transfers in passive mode
    /// (the client connects) when true, in active mode (the server
    /// connects) when false: [`Options::passive`], changed mid-session.
    pub fn set_passive(&mut self, passive: bool) {
        self.options.passive = passive;
    }

    /// Calls `progress` during each transfer from now on.
    pub fn on_progress(&mut self, progress: impl FnMut(u64, Option<u64>) + 'static) {
        self.progress = Some(Box::new(progress));
    }

    // ANCHOR: login
    /// Logs in: `USER`, then `PASS` if the server asks for it (331). A
    /// server that asks for an account (332, `ACCT`) is refused: few
    /// servers ever did, and this client does not.
    pub fn login(&mut self, user: &str, password: &str) -> Result<(), FtpError> {
        let mut line = format!("USER {user}");
        let mut reply = self.command(&line, |_| true)?;
        if reply.code == code::NEED_PASSWORD {
            line = format!("PASS {password}");
            reply = self.command(&line, |_| true)?;
        }
        match reply.code {
            code::LOGGED_IN | code::SUPERFLUOUS => Ok(()),
            332 => Err(FtpError::Unsupported(
                "the server asks for an account (ACCT), which this client does not send",
            )),
            _ => Err(refused(&line, reply)),
        }
    }
    // ANCHOR_END: login

    /// The current directory (`PWD`, reply `257 "/path"`, quotes doubled
    /// inside the name: RFC 959 Appendix II).
    pub fn pwd(&mut self) -> Result<String, FtpError> {
        let reply = self.command_code("PWD", code::PATH_CREATED)?;
        unquote_path(&reply.text())
            .ok_or_else(|| FtpError::Protocol(format!("no quoted path in {:?}", reply.text())))
    }

    /// Changes the current directory (`CWD`, 250).
    pub fn cwd(&mut self, path: &str) -> Result<(), FtpError> {
        self.command_code(&format!("CWD {path}"), code::FILE_ACTION_OKAY)
            .map(drop)
    }

    /// Goes to the parent directory (`CDUP`: 200 in RFC 959, 250 from many servers).
    pub fn cdup(&mut self) -> Result<(), FtpError> {
        self.command("CDUP", |code| code == 200 || code == 250)
            .map(drop)
    }

    /// A file's size in bytes (`SIZE`, RFC 3659 §4: `213 1024`), in image
    /// type, as the client's transfers are: `TYPE I` goes first, once (the
    /// size of a file in ASCII type depends on its line ends, and some
    /// servers refuse to count it).
    pub fn size(&mut self, path: &str) -> Result<u64, FtpError> {
        let command = format!("SIZE {path}");
        check_command(command.as_bytes()).map_err(|e| usage(&command, e))?;
        self.type_binary()?;
        let reply = self.command_code(&format!("SIZE {path}"), code::FILE_STATUS)?;
        let text = reply.text();
        text.trim().parse().map_err(|_| {
            FtpError::Protocol(format!("SIZE answered {text:?}, not a number of bytes"))
        })
    }

    /// When a file last changed (`MDTM`, RFC 3659 §3: `213 20261201081500`, UTC).
    pub fn mdtm(&mut self, path: &str) -> Result<SystemTime, FtpError> {
        let reply = self.command_code(&format!("MDTM {path}"), code::FILE_STATUS)?;
        let text = reply.text();
        parse_time(text.trim())
            .map_err(|error| FtpError::Protocol(format!("MDTM answered {text:?}: {error}")))
    }

    /// Deletes a file (`DELE`, 250).
    pub fn delete(&mut self, path: &str) -> Result<(), FtpError> {
        self.command_code(&format!("DELE {path}"), code::FILE_ACTION_OKAY)
            .map(drop)
    }

    /// Makes a directory (`MKD`, 257) and returns the path the server quotes,
    /// or `path` itself if it quotes none.
    pub fn mkdir(&mut self, path: &str) -> Result<String, FtpError> {
        let reply = self.command_code(&format!("MKD {path}"), code::PATH_CREATED)?;
        Ok(unquote_path(&reply.text()).unwrap_or_else(|| path.to_string()))
    }

    /// Removes an empty directory (`RMD`, 250).
    pub fn rmdir(&mut self, path: &str) -> Result<(), FtpError> {
        self.command_code(&format!("RMD {path}"), code::FILE_ACTION_OKAY)
            .map(drop)
    }

    /// Renames `from` to `to`: `RNFR` (350, "send the new name"), then
    /// `RNTO` (250).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), FtpError> {
        // Both lines are checked before the first is sent, so that a bad
        // new name does not leave the server waiting for an RNTO.
        for line in [from, to] {
            check_command(line.as_bytes()).map_err(|e| usage(line, e))?;
        }
        self.command_code(&format!("RNFR {from}"), code::PENDING_FURTHER_INFORMATION)?;
        self.command_code(&format!("RNTO {to}"), code::FILE_ACTION_OKAY)
            .map(drop)
    }

    /// Does nothing, and keeps the connection alive (`NOOP`, 200).
    pub fn noop(&mut self) -> Result<(), FtpError> {
        self.command_code("NOOP", code::COMMAND_OKAY).map(drop)
    }

    /// Ends the session (`QUIT`, 221) and closes the connection.
    pub fn quit(mut self) -> Result<(), FtpError> {
        self.command_code("QUIT", code::CLOSING_CONTROL).map(drop)
    }

    /// The server's features (`FEAT`, 211), asked once and remembered. A
    /// server without `FEAT` (500 or 502) has none of them.
    pub fn feat(&mut self) -> Result<&Features, FtpError> {
        if self.features.is_none() {
            let features = match self.command_code("FEAT", code::SYSTEM_STATUS) {
                Ok(reply) => Features::from_reply(&reply),
                Err(error) if matches!(error.code(), Some(500 | 502)) => Features::default(),
                Err(error) => return Err(error),
            };
            self.features = Some(features);
        }
        Ok(self.features.get_or_insert_with(Features::default))
    }

    /// Asks for image type (`TYPE I`, 200): files travel as they are, with
    /// no line-end conversion (see [`super::ascii`]). Sent once, before
    /// the first transfer.
    pub fn type_binary(&mut self) -> Result<(), FtpError> {
        if !self.binary {
            self.command_code("TYPE I", code::COMMAND_OKAY)?;
            self.binary = true;
        }
        Ok(())
    }

    /// The entries of a directory (the current one if `path` is empty):
    /// `MLSD` if `FEAT` lists `MLST` (RFC 3659 §7: a form for programs),
    /// else `LIST` read as `ls -l` lines. `.` and `..` are left out.
    pub fn list(&mut self, path: &str) -> Result<Vec<RemoteEntry>, FtpError> {
        let mlsd = self.feat()?.has("MLST");
        let verb = if mlsd { "MLSD" } else { "LIST" };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        let mut read_entry = |line: &[u8]| -> Result<(), FtpError> {
            let line = String::from_utf8_lossy(line);
            let bad =
                |error: ListError| FtpError::Protocol(format!("{verb} line {line:?}: {error}"));
            let entry = match mlsd {
                true => from_mlsx(parse_mlsx_line(&line).map_err(bad)?),
                false => match parse_list_line(&line) {
                    Ok(entry) => entry.map(|entry| RemoteEntry {
                        name: entry.name,
                        kind: Some(entry.kind),
                        size: Some(entry.size),
                        modified: entry.time.resolve(now),
                    }),
                    // A device or a pipe: listed, but not a file to fetch.
                    Err(ListError::UnsupportedType(_)) => None,
                    Err(error) => return Err(bad(error)),
                },
            };
            entries.extend(entry);
            Ok(())
        };
        self.transfer(&with_path(verb, path), Body::Lines(&mut read_entry))?;
        Ok(entries)
    }

    /// The names in a directory (`NLST`), one per line.
    pub fn nlst(&mut self, path: &str) -> Result<Vec<String>, FtpError> {
        let mut names = Vec::new();
        let mut read_name = |line: &[u8]| -> Result<(), FtpError> {
            if !line.is_empty() {
                names.push(String::from_utf8_lossy(line).into_owned());
            }
            Ok(())
        };
        self.transfer(&with_path("NLST", path), Body::Lines(&mut read_name))?;
        Ok(names)
    }

    // ANCHOR: retr
    /// Downloads `remote` into `out` and returns how many bytes arrived.
    /// With `resume_from`, asks the server to start at that offset
    /// (`REST`, 350, RFC 3659 §5): `out` should then hold the first
    /// `resume_from` bytes already, and receives the rest.
    pub fn retr(
        &mut self,
        remote: &str,
        mut out: impl Write,
        resume_from: Option<u64>,
    ) -> Result<u64, FtpError> {
        let command = format!("RETR {remote}");
        check_command(command.as_bytes()).map_err(|e| usage(&command, e))?;
        self.type_binary()?;
        let mut total = None;
        if self.progress.is_some() {
            // For a progress bar: a server without SIZE just has none.
            total = self.size(remote).ok();
        }
        let data = self.open_data()?;
        if let Some(offset) = resume_from {
            self.command_code(&format!("REST {offset}"), code::PENDING_FURTHER_INFORMATION)?;
        }
        self.transfer_over(
            data,
            &command,
            Body::Download(&mut out),
            resume_from.unwrap_or(0),
            total,
        )
    }
    // ANCHOR_END: retr

    /// Uploads what `input` gives as `remote` (`STOR`), replacing any file
    /// of that name, and returns how many bytes were sent.
    pub fn stor(&mut self, remote: &str, mut input: impl Read) -> Result<u64, FtpError> {
        self.transfer(&format!("STOR {remote}"), Body::Upload(&mut input))
    }

    /// Uploads what `input` gives at the end of `remote` (`APPE`).
    pub fn appe(&mut self, remote: &str, mut input: impl Read) -> Result<u64, FtpError> {
        self.transfer(&format!("APPE {remote}"), Body::Upload(&mut input))
    }

    /// The stream under the control connection (to read its addresses).
    pub fn get_ref(&self) -> &S {
        self.conn.get_ref().get_ref()
    }

    // ---------------------------------------------------------------
    // Transfers.

    /// One transfer: `TYPE I` the first time, a data connection, the command.
    fn transfer(&mut self, command: &str, body: Body<'_>) -> Result<u64, FtpError> {
        // Refuse a bad path before a data connection is opened for it.
        check_command(command.as_bytes()).map_err(|e| usage(command, e))?;
        self.type_binary()?;
        let data = self.open_data()?;
        self.transfer_over(data, command, body, 0, None)
    }

    // ANCHOR: transfer
    /// The reply sequence of a transfer (RFC 959 §5.4): the command, a
    /// preliminary `150` or `125`, the data to its end (the close), then
    /// `226` or `250` on the control connection.
    fn transfer_over(
        &mut self,
        data: DataConn,
        command: &str,
        body: Body<'_>,
        start: u64,
        mut total: Option<u64>,
    ) -> Result<u64, FtpError> {
        let preliminary = self.command(command, |code| code / 100 == 1)?;
        let announced = announced_size(&preliminary.text());
        // Numbers from the wire: added without overflow.
        total = total.or(announced.map(|size| size.saturating_add(start)));
        let passive = matches!(data, DataConn::Passive(_));
        let upload = matches!(body, Body::Upload(_));
        let mut stream = match data {
            DataConn::Passive(stream) => stream,
            DataConn::Active(listener) => {
                let server = self.control_addrs()?.0.ip();
                listener.accept(server, self.options.timeout)?
            }
        };
        let addrs = (stream.local_addr(), stream.peer_addr());
        let moved = self.move_bytes(&mut stream, body, start, total);
        // Closing our end tells the server an upload is complete; after a
        // download or a failure, it frees the server's side.
        let _ = stream.shutdown(Shutdown::Both);
        drop(stream);
        let done = self.command_reply(command, |code| code == 226 || code == 250);
        // The data connection's line comes after the final reply: the
        // transcript shows a reply when its bytes are read, and a server
        // may send its 226 so soon after a small download that one read
        // brings the 150 and the 226 together.
        if let (Ok(moved), (Ok(local), Ok(peer))) = (&moved, addrs) {
            let line = data_line(passive, local, peer, *moved, upload);
            self.options.transcript.say(line);
        }
        // Only a whole file is checked: after REST, servers differ on
        // whether they announce the whole size or what is left.
        let truncated = |moved: u64| match announced {
            Some(expected) if start == 0 && moved < expected => Some(FtpError::Truncated {
                expected,
                received: moved,
            }),
            _ => None,
        };
        match (moved, done) {
            // What only the client knows (its disk is full, the listing is
            // garbage) comes first: the server's 426 would hide it.
            (Err(error @ (FtpError::Local(_) | FtpError::Protocol(_))), _)
            | (Err(error @ FtpError::ListingTooLarge { .. }), _) => Err(error),
            // Else the control connection has the last word: a 426 or 451
            // says why the data stopped, better than a reset would.
            (_, Err(refusal @ FtpError::Refused { .. })) => Err(refusal),
            // A server gone without a word: a short file says more than
            // the lost connection.
            (Ok(moved), Err(error)) => Err(truncated(moved).unwrap_or(error)),
            (Err(error), _) => Err(error),
            (Ok(moved), Ok(_)) => truncated(moved).map_or(Ok(moved), Err),
        }
    }
    // ANCHOR_END: transfer

    /// Copies the body of a transfer, and returns how many bytes it had.
    fn move_bytes(
        &mut self,
        stream: &mut TcpStream,
        body: Body<'_>,
        start: u64,
        total: Option<u64>,
    ) -> Result<u64, FtpError> {
        match body {
            Body::Lines(each) => self.read_lines(stream, each),
            Body::Download(out) => self.download(stream, out, start, total),
            Body::Upload(input) => self.upload(stream, input, total),
        }
    }

    /// Reads a listing, one line at a time under [`MAX_LIST_LINE_LEN`], at
    /// most [`MAX_LISTING_LEN`] bytes in all.
    fn read_lines(
        &mut self,
        stream: &mut TcpStream,
        each: &mut dyn FnMut(&[u8]) -> Result<(), FtpError>,
    ) -> Result<u64, FtpError> {
        let mut lines = LineReader::new(stream, MAX_LIST_LINE_LEN, Endings::CrlfOrLf);
        let mut length = 0usize;
        loop {
            let line = match lines.read_line() {
                Ok(Some(line)) => line,
                Ok(None) => return Ok(length as u64),
                Err(ReadLineError::Io(error)) => return Err(self.net_error(error)),
                Err(error) => return Err(FtpError::Protocol(format!("listing: {error}"))),
            };
            // Counted with a CR LF each: a bare LF makes the count one more.
            length = length.saturating_add(line.len() + 2);
            if length > MAX_LISTING_LEN {
                return Err(FtpError::ListingTooLarge {
                    limit: MAX_LISTING_LEN,
                });
            }
            each(line)?;
        }
    }

    // ANCHOR: download
    /// Copies the data connection into `out`, through one buffer of
    /// [`TRANSFER_BUFFER_LEN`] bytes, until the server closes it.
    fn download(
        &mut self,
        stream: &mut TcpStream,
        out: &mut dyn Write,
        start: u64,
        total: Option<u64>,
    ) -> Result<u64, FtpError> {
        let mut buffer = vec![0; TRANSFER_BUFFER_LEN];
        let mut moved = 0u64;
        loop {
            let n = match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.net_error(error)),
            };
            out.write_all(&buffer[..n]).map_err(FtpError::Local)?;
            moved += n as u64;
            self.report(start.saturating_add(moved), total);
        }
        out.flush().map_err(FtpError::Local)?;
        Ok(moved)
    }
    // ANCHOR_END: download

    /// Copies `input` to the data connection, through one buffer of
    /// [`TRANSFER_BUFFER_LEN`] bytes; the caller's close ends the file.
    fn upload(
        &mut self,
        stream: &mut TcpStream,
        input: &mut dyn Read,
        total: Option<u64>,
    ) -> Result<u64, FtpError> {
        let mut buffer = vec![0; TRANSFER_BUFFER_LEN];
        let mut moved = 0u64;
        loop {
            let n = match input.read(&mut buffer) {
                Ok(0) => return Ok(moved),
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(FtpError::Local(error)),
            };
            stream
                .write_all(&buffer[..n])
                .map_err(|error| self.net_error(error))?;
            moved += n as u64;
            self.report(moved, total);
        }
    }

    /// The client's words for a failed read or write on the network.
    fn net_error(&self, error: io::Error) -> FtpError {
        match is_timeout(&error) {
            true => FtpError::Timeout(self.options.timeout),
            false => FtpError::Io(error),
        }
    }

    fn report(&mut self, so_far: u64, total: Option<u64>) {
        if let Some(progress) = self.progress.as_mut() {
            progress(so_far, total);
        }
    }

    // ---------------------------------------------------------------
    // Data connections.

    /// Opens the data connection for the next transfer: connected, in
    /// passive mode; listening, in active mode.
    fn open_data(&mut self) -> Result<DataConn, FtpError> {
        match self.options.passive {
            true => {
                let to = self.passive_addr()?;
                let stream = connect_passive(to, self.options.timeout)?;
                Ok(DataConn::Passive(stream))
            }
            false => self.active_listener().map(DataConn::Active),
        }
    }

    // ANCHOR: passive_addr
    /// Asks the server for a passive port, and returns where to connect:
    /// that port, at the control connection's peer address (see
    /// [`super::data`] for why a `227`'s address is not used). `EPSV`
    /// first; if the server does not know it (500, 502) or not for this
    /// network (522, RFC 2428 §3), `PASV`, and `PASV` from then on. A
    /// server whose `FEAT` list (if it was asked) leaves out `EPSV` gets
    /// `PASV` at once; an empty list says nothing, so `EPSV` is tried.
    pub fn passive_addr(&mut self) -> Result<SocketAddr, FtpError> {
        let server = self.control_addrs()?.0.ip();
        let lists_no_epsv = self
            .features
            .as_ref()
            .is_some_and(|features| !features.lines.is_empty() && !features.has("EPSV"));
        if !self.epsv_refused && !lists_no_epsv {
            match self.command_code("EPSV", code::ENTERING_EXTENDED_PASSIVE_MODE) {
                Ok(reply) => {
                    let port = address::parse_epsv_reply(&reply.text())
                        .map_err(|error| FtpError::Protocol(format!("EPSV: {error}")))?;
                    return Ok(SocketAddr::new(server, port));
                }
                Err(error) if matches!(error.code(), Some(500 | 502 | 522)) => {
                    self.epsv_refused = true;
                }
                Err(error) => return Err(error),
            }
        }
        let reply = self.command_code("PASV", code::ENTERING_PASSIVE_MODE)?;
        let offered = address::parse_pasv_reply(&reply.text())
            .map_err(|error| FtpError::Protocol(format!("PASV: {error}")))?;
        Ok(SocketAddr::new(server, offered.port()))
    }
    // ANCHOR_END: passive_addr

    // ANCHOR: active_listener
    /// Listens on the control connection's local address and tells the
    /// server where: `EPRT`, or `PORT` (IPv4 only) if `EPRT` is unknown.
    fn active_listener(&mut self) -> Result<DataListener, FtpError> {
        let local = self.control_addrs()?.1;
        let listener = DataListener::bind(local.ip())?;
        let addr = listener.addr();
        if !self.eprt_refused {
            let eprt = format!("EPRT {}", address::format_eprt(addr));
            match self.command_code(&eprt, code::COMMAND_OKAY) {
                Ok(_) => return Ok(listener),
                Err(error) if matches!(error.code(), Some(500 | 502)) => self.eprt_refused = true,
                Err(error) => return Err(error),
            }
        }
        let SocketAddr::V4(addr) = addr else {
            return Err(FtpError::Unsupported(
                "the server knows no EPRT, and PORT cannot carry an IPv6 address",
            ));
        };
        let port = format!("PORT {}", address::format_host_port_numbers(addr));
        self.command_code(&port, code::COMMAND_OKAY)?;
        Ok(listener)
    }
    // ANCHOR_END: active_listener

    /// The server's and the client's addresses on the control connection.
    fn control_addrs(&self) -> Result<(SocketAddr, SocketAddr), FtpError> {
        let stream = self.get_ref();
        let addrs = || Ok((stream.peer_addr()?, stream.local_addr()?));
        addrs().map_err(FtpError::Io)
    }

    // ---------------------------------------------------------------
    // Commands.

    /// Sends `line` and returns the reply if its code is `expected`.
    fn command_code(&mut self, line: &str, expected: u16) -> Result<Reply, FtpError> {
        self.command(line, |code| code == expected)
    }

    /// Sends `line` and returns the reply if `accepts` its code.
    fn command(&mut self, line: &str, accepts: impl Fn(u16) -> bool) -> Result<Reply, FtpError> {
        self.conn
            .send(line)
            .map_err(|error| self.error(line, error))?;
        self.command_reply(line, accepts)
    }

    /// Reads the reply to `line`, already sent.
    fn command_reply(
        &mut self,
        line: &str,
        accepts: impl Fn(u16) -> bool,
    ) -> Result<Reply, FtpError> {
        let reply = self.read_reply(line)?;
        match accepts(reply.code) {
            true => Ok(reply),
            false => Err(refused(line, reply)),
        }
    }

    /// Reads one reply, whatever its code.
    fn read_reply(&mut self, after: &str) -> Result<Reply, FtpError> {
        self.conn
            .read_reply()
            .map_err(|error| self.error(after, error))
    }

    /// The client's words for a command's error.
    fn error(&self, line: &str, error: CommandError) -> FtpError {
        match error {
            CommandError::ForbiddenByte { .. } => usage(line, error),
            CommandError::Refused(reply) => refused(line, reply),
            CommandError::Protocol(error) => FtpError::Protocol(error.to_string()),
            CommandError::Closed => FtpError::Closed,
            CommandError::Io(error) if is_timeout(&error) => {
                FtpError::Timeout(self.options.timeout)
            }
            CommandError::Io(error) => FtpError::Io(error),
        }
    }
}

/// The transcript's one line for a data connection, once its bytes have
/// moved: who connected to whom (in passive mode the client connected, in
/// active mode the server), and how many bytes went which way:
/// `data: client 127.0.0.1:41234 -> server 127.0.0.1:50060, 1234 bytes to the server`.
pub fn data_line(
    passive: bool,
    client: SocketAddr,
    server: SocketAddr,
    bytes: u64,
    upload: bool,
) -> String {
    let (from, to) = match passive {
        true => (format!("client {client}"), format!("server {server}")),
        false => (format!("server {server}"), format!("client {client}")),
    };
    let direction = match upload {
        true => "to the server",
        false => "to the client",
    };
    format!("data: {from} -> {to}, {bytes} bytes {direction}")
}

/// `verb` alone, or `verb path`.
fn with_path(verb: &str, path: &str) -> String {
    match path.is_empty() {
        true => verb.to_string(),
        false => format!("{verb} {path}"),
    }
}

/// A refusal of `line`, shown without its password.
fn refused(line: &str, reply: Reply) -> FtpError {
    let command = match line.get(..5) {
        Some(verb) if verb.eq_ignore_ascii_case("PASS ") => "PASS ****".to_string(),
        _ => line.to_string(),
    };
    FtpError::Refused { command, reply }
}

/// A line that [`check_command`](crate::wire::command::check_command) refused.
fn usage(line: &str, error: CommandError) -> FtpError {
    let verb = line.split(' ').next().unwrap_or_default();
    FtpError::Usage(format!(
        "{verb}: {error} (a file name with a line break cannot travel on the control connection)"
    ))
}

/// An MLSD entry as a [`RemoteEntry`]; `None` for `.` and `..` (`cdir`, `pdir`).
fn from_mlsx(entry: super::listing::MlsxEntry) -> Option<RemoteEntry> {
    let kind = match entry.kind {
        Some(MlsxType::CurrentDir | MlsxType::ParentDir) => return None,
        Some(MlsxType::File) => Some(Kind::File),
        Some(MlsxType::Dir) => Some(Kind::Dir),
        Some(MlsxType::Symlink) => Some(Kind::Symlink),
        Some(MlsxType::Other(_)) | None => None,
    };
    Some(RemoteEntry {
        name: entry.name,
        kind,
        size: entry.size,
        modified: entry.modified,
    })
}

/// The size some servers put in their `150` reply: vsftpd's
/// `Opening BINARY mode data connection for notes.txt (1024 bytes).`
/// The last `(N bytes)` in the text; `None` if there is none.
pub fn announced_size(text: &str) -> Option<u64> {
    let end = text.rfind(" bytes)")?;
    let open = text[..end].rfind('(')?;
    text[open + 1..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing::Script;
    use std::net::{IpAddr, Ipv4Addr};

    /// The server the scripts play, as the control connection sees it.
    const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 21)), 21);

    impl ControlStream for Script {
        fn peer_addr(&self) -> io::Result<SocketAddr> {
            Ok(SERVER)
        }

        fn local_addr(&self) -> io::Result<SocketAddr> {
            Ok(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)),
                40000,
            ))
        }
    }

    /// A client over a script whose first turn is the greeting, and each
    /// next turn the reply to one command.
    fn client(turns: &[&str], transcript: Transcript) -> FtpClient<Script> {
        let turns: Vec<&[u8]> = turns.iter().map(|turn| turn.as_bytes()).collect();
        let options = Options {
            transcript,
            ..Options::default()
        };
        FtpClient::over(Script::in_turns(&turns), options).unwrap()
    }

    fn written(client: &FtpClient<Script>) -> String {
        client.get_ref().written()
    }

    #[test]
    fn a_refusal_shows_the_servers_words_without_their_escapes() {
        // ESC [ 2 J clears the screen of whoever prints the error.
        let turns = ["220 Ready\r\n", "550 \x1b[2Jno such file\r\n"];
        let mut client = client(&turns, Transcript::silent());
        let error = client.delete("a.txt").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused DELE a.txt: 550 \\u{1b}[2Jno such file"
        );
    }

    #[test]
    fn login_sends_user_then_pass_and_hides_the_password() {
        let transcript = Transcript::memory();
        let mut client = client(
            &[
                "220 Ready\r\n",
                "331 Password required\r\n",
                "230 Logged in\r\n",
            ],
            transcript.clone(),
        );
        client.login("alice", "secret").unwrap();
        assert_eq!(written(&client), "USER alice\r\nPASS secret\r\n");
        assert_eq!(
            transcript.contents(),
            "S: 220 Ready\nC: USER alice\nS: 331 Password required\nC: PASS ****\nS: 230 Logged in\n"
        );
    }

    #[test]
    fn a_user_logged_in_at_once_sends_no_password() {
        let mut client = client(
            &["220 Ready\r\n", "230 Welcome, anonymous\r\n"],
            Transcript::silent(),
        );
        client.login("anonymous", "").unwrap();
        assert_eq!(written(&client), "USER anonymous\r\n");
    }

    #[test]
    fn a_wrong_password_is_refused_without_showing_it() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "331 Password required\r\n",
                "530 Login incorrect.\r\n",
            ],
            Transcript::silent(),
        );
        let error = client.login("alice", "wrong").unwrap_err();
        assert_eq!(error.code(), Some(530));
        assert_eq!(
            error.to_string(),
            "the server refused PASS ****: 530 Login incorrect."
        );
    }

    #[test]
    fn an_account_request_is_an_error_that_says_so() {
        // RFC 959 §5.4: PASS may answer 332, "need account for login".
        let mut client = client(
            &[
                "220 Ready\r\n",
                "331 Password required\r\n",
                "332 Need account\r\n",
            ],
            Transcript::silent(),
        );
        let error = client.login("alice", "secret").unwrap_err();
        assert_eq!(
            error.to_string(),
            "not supported by this client: the server asks for an account (ACCT), \
             which this client does not send"
        );
    }

    #[test]
    fn a_120_delay_may_come_before_the_greeting() {
        // RFC 959 §5.4: connection establishment is 120 -> 220.
        let mut client = client(
            &["120 Ready in 1 minute\r\n220 Ready\r\n", "200 OK\r\n"],
            Transcript::silent(),
        );
        client.noop().unwrap();
        assert_eq!(written(&client), "NOOP\r\n");
    }

    #[test]
    fn a_busy_greeting_is_refused() {
        let turns: [&[u8]; 1] = [b"421 Too many users\r\n"];
        let error = FtpClient::over(Script::in_turns(&turns), Options::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused the connection: 421 Too many users"
        );
    }

    #[test]
    fn pwd_reads_a_path_with_doubled_quotes() {
        // RFC 959 Appendix II: a `"` in the name is doubled.
        let mut client = client(
            &[
                "220 Ready\r\n",
                "257 \"/a \"\"b\"\"\" is the current directory\r\n",
            ],
            Transcript::silent(),
        );
        assert_eq!(client.pwd().unwrap(), "/a \"b\"");
        assert_eq!(written(&client), "PWD\r\n");
    }

    #[test]
    fn rename_sends_rnfr_then_rnto() {
        let mut client = client(
            &["220 Ready\r\n", "350 Ready for RNTO\r\n", "250 Renamed\r\n"],
            Transcript::silent(),
        );
        client.rename("old.txt", "new name.txt").unwrap();
        assert_eq!(written(&client), "RNFR old.txt\r\nRNTO new name.txt\r\n");
    }

    #[test]
    fn rename_to_a_name_with_a_line_break_sends_nothing() {
        let mut client = client(
            &["220 Ready\r\n", "350 Ready for RNTO\r\n"],
            Transcript::silent(),
        );
        let error = client.rename("old.txt", "new\r\nDELE x").unwrap_err();
        assert!(matches!(error, FtpError::Usage(_)), "{error}");
        assert_eq!(written(&client), "", "no RNFR left waiting for its RNTO");
    }

    #[test]
    fn a_path_with_a_line_break_is_a_usage_error() {
        let mut client = client(&["220 Ready\r\n", "250 OK\r\n"], Transcript::silent());
        let error = client.cwd("pub\nDELE notes.txt").unwrap_err();
        assert_eq!(
            error.to_string(),
            "CWD: command holds a LF byte, which could end its line early: not sent \
             (a file name with a line break cannot travel on the control connection)"
        );
        assert_eq!(written(&client), "");
        // The connection is untouched, and still usable.
        client.cwd("pub").unwrap();
        assert_eq!(written(&client), "CWD pub\r\n");
    }

    #[test]
    fn refusals_keep_the_code_and_the_text() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "550 notes.txt: No such file or directory.\r\n",
                "550 Not empty\r\n",
                "200 OK\r\n",
            ],
            Transcript::silent(),
        );
        let error = client.delete("notes.txt").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused DELE notes.txt: 550 notes.txt: No such file or directory."
        );
        assert_eq!(client.rmdir("pub").unwrap_err().code(), Some(550));
        client.noop().unwrap();
        assert_eq!(written(&client), "DELE notes.txt\r\nRMD pub\r\nNOOP\r\n");
    }

    #[test]
    fn garbage_is_a_protocol_error_and_a_close_is_closed() {
        let mut garbage = client(&["220 Ready\r\n", "hello\r\n"], Transcript::silent());
        let error = garbage.noop().unwrap_err();
        assert!(matches!(error, FtpError::Protocol(_)), "{error}");
        let mut closed = client(&["220 Ready\r\n", ""], Transcript::silent());
        let error = closed.noop().unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server closed the control connection"
        );
    }

    #[test]
    fn size_asks_for_image_type_first() {
        // RFC 3659 §4: the size depends on the TYPE, and servers such as
        // pyftpdlib refuse SIZE in ASCII mode, the default (RFC 959
        // §3.1.1.1). The client's transfers are all TYPE I: its sizes too.
        let mut client = client(
            &["220 Ready\r\n", "200 Type set to I\r\n", "213 1024\r\n"],
            Transcript::silent(),
        );
        assert_eq!(client.size("notes.txt").unwrap(), 1024);
        assert_eq!(written(&client), "TYPE I\r\nSIZE notes.txt\r\n");
    }

    #[test]
    fn size_and_mdtm_read_their_213_replies() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "200 Type set to I\r\n",
                "213 1024\r\n",
                "213 20261201081500\r\n",
            ],
            Transcript::silent(),
        );
        assert_eq!(client.size("notes.txt").unwrap(), 1024);
        let time = client.mdtm("notes.txt").unwrap();
        let seconds = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(seconds, 1_796_112_900, "2026-12-01 08:15:00 UTC");
        assert_eq!(
            written(&client),
            "TYPE I\r\nSIZE notes.txt\r\nMDTM notes.txt\r\n"
        );
    }

    #[test]
    fn epsv_gives_a_port_at_the_control_connections_address() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "229 Entering Extended Passive Mode (|||50060|)\r\n",
            ],
            Transcript::silent(),
        );
        assert_eq!(
            client.passive_addr().unwrap(),
            SocketAddr::new(SERVER.ip(), 50060)
        );
        assert_eq!(written(&client), "EPSV\r\n");
    }

    #[test]
    fn epsv_refused_falls_back_to_pasv_and_remembers() {
        // RFC 2428 §3 (500/502: unknown; 522: not for this network). The
        // 227's address (10.0.0.5, behind NAT) is not used: only its port.
        let mut client = client(
            &[
                "220 Ready\r\n",
                "502 EPSV not implemented\r\n",
                "227 Entering Passive Mode (10,0,0,5,195,140).\r\n",
                "227 Entering Passive Mode (10,0,0,5,195,141).\r\n",
            ],
            Transcript::silent(),
        );
        assert_eq!(
            client.passive_addr().unwrap(),
            SocketAddr::new(SERVER.ip(), 50060)
        );
        assert_eq!(
            client.passive_addr().unwrap(),
            SocketAddr::new(SERVER.ip(), 50061)
        );
        assert_eq!(written(&client), "EPSV\r\nPASV\r\nPASV\r\n");
    }

    #[test]
    fn epsv_refused_for_another_reason_is_an_error() {
        let mut client = client(
            &["220 Ready\r\n", "530 Not logged in\r\n"],
            Transcript::silent(),
        );
        let error = client.passive_addr().unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server refused EPSV: 530 Not logged in"
        );
        assert_eq!(written(&client), "EPSV\r\n");
    }

    #[test]
    fn feat_is_asked_once_and_read_as_a_list() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n SIZE\r\n211 End\r\n",
            ],
            Transcript::silent(),
        );
        let features = client.feat().unwrap().clone();
        assert_eq!(
            features.lines,
            ["EPSV", "MLST type*;size*;modify*;", "REST STREAM", "SIZE"]
        );
        assert!(features.has("mlst") && features.has("EPSV") && features.rest_stream());
        assert!(!features.has("MDTM"));
        client.feat().unwrap();
        assert_eq!(written(&client), "FEAT\r\n");
    }

    #[test]
    fn a_feat_list_without_epsv_goes_straight_to_pasv() {
        let mut client = client(
            &[
                "220 Ready\r\n",
                "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n",
                "227 Entering Passive Mode (192,0,2,21,195,140)\r\n",
            ],
            Transcript::silent(),
        );
        client.feat().unwrap();
        assert_eq!(
            client.passive_addr().unwrap(),
            SocketAddr::new(SERVER.ip(), 50060)
        );
        assert_eq!(written(&client), "FEAT\r\nPASV\r\n");
    }

    #[test]
    fn a_server_without_feat_has_no_features() {
        let mut client = client(
            &["220 Ready\r\n", "502 Unknown command\r\n"],
            Transcript::silent(),
        );
        assert_eq!(client.feat().unwrap(), &Features::default());
    }

    #[test]
    fn type_i_is_sent_once() {
        let mut client = client(
            &["220 Ready\r\n", "200 Type set to I\r\n"],
            Transcript::silent(),
        );
        client.type_binary().unwrap();
        client.type_binary().unwrap();
        assert_eq!(written(&client), "TYPE I\r\n");
    }

    #[test]
    fn the_data_line_says_who_connected_and_which_way_the_bytes_went() {
        let client: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        let server: SocketAddr = "127.0.0.1:50060".parse().unwrap();
        let table = [
            (
                true,
                true,
                "data: client 127.0.0.1:41234 -> server 127.0.0.1:50060, 9 bytes to the server",
            ),
            (
                true,
                false,
                "data: client 127.0.0.1:41234 -> server 127.0.0.1:50060, 9 bytes to the client",
            ),
            (
                false,
                false,
                "data: server 127.0.0.1:50060 -> client 127.0.0.1:41234, 9 bytes to the client",
            ),
        ];
        for (passive, upload, expected) in table {
            assert_eq!(data_line(passive, client, server, 9, upload), expected);
        }
    }

    #[test]
    fn the_size_in_a_150_reply_is_found() {
        let table: &[(&str, Option<u64>)] = &[
            (
                "Opening BINARY mode data connection for notes.txt (1024 bytes).",
                Some(1024),
            ),
            ("Opening data connection for (x) (7 bytes)", Some(7)),
            ("File status okay. About to open data connection.", None),
            ("(bytes)", None),
            ("(99999999999999999999999 bytes)", None),
            ("(-1 bytes)", None),
        ];
        for (text, expected) in table {
            assert_eq!(announced_size(text), *expected, "{text:?}");
        }
    }
}

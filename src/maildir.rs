//! Maildir: a mailbox that is a directory, one file per message, which the
//! SMTP server (chapter 10) delivers into and the POP3 server (chapter 11)
//! reads from.
//!
//! The format was designed for qmail, and mutt, Dovecot, Courier, Postfix
//! and most other mail software read and write it. A Maildir is three
//! folders:
//!
//! ```text
//! alice/
//!   tmp/   messages being written: nobody reads here
//!   new/   messages delivered and not yet seen by a mail reader
//!   cur/   messages a reader has seen; their names carry flags (":2,S")
//! ```
//!
//! # Delivery: complete or absent
//!
//! No reader may ever see half a message, and no crash may leave one. So a
//! message is written in `tmp/`, where no reader looks, made durable, and
//! only then moved into `new/`, by a rename, which is atomic:
//!
//! ```text
//!  create tmp/1764585600.M042137P4242Q7.mail     a name no other writer uses
//!  write, write, …                               the bytes of the message
//!  fsync the file                                the data is on disk
//!  rename to new/1764585600.M042137P4242Q7.mail  readers see all or nothing
//!  fsync new/                                    the rename is on disk too
//! ```
//!
//! Those are the steps of [`AtomicFile`], used here rather than written
//! twice. A [`Delivery`] dropped before its
//! [`commit`](Delivery::commit) (an error, a client gone in the middle of
//! `DATA`) removes its file from `tmp/`, and leaves nothing in `new/`.
//! Only after `commit` returns `Ok` may an SMTP server answer `250` to the
//! final dot (RFC 5321 §6.1: with that 250 the server takes responsibility for
//! the message).
//!
//! # Unique names
//!
//! Many writers share one `tmp/` and one `new/`: the threads of one server,
//! several server processes, even several machines over NFS. Each message
//! needs a name no other writer ever picks. The names made here have the
//! classic form of the Maildir specification:
//!
//! ```text
//! 1764585600.M042137P4242Q7.mail.example.com
//! ^seconds   ^microseconds      ^host name
//!                   ^process id
//!                        ^deliveries so far by this process
//! ```
//!
//! - the **process id** (`P`) tells apart two processes running at once;
//! - the **counter** (`Q`), shared by the threads of the process and
//!   incremented for each delivery, tells apart two threads, or two
//!   deliveries of one thread in the same microsecond;
//! - the **time** (seconds, then `M` and the microseconds) tells apart a
//!   process from an earlier one that had the same pid: pids are reused,
//!   and a new process counts from zero again;
//! - the **host name** tells apart two machines delivering into one
//!   directory over NFS. It comes from `/proc/sys/kernel/hostname`, else
//!   `/etc/hostname`, else is `localhost`; a `/` in it becomes `\057` and a
//!   `:` becomes `\072`, as the specification asks (a `/` would make a
//!   path, and `:` starts the flags in `cur/`), and so do a backslash (so
//!   that the escapes can be told from the name) and any byte that is not
//!   printable ASCII.
//!
//! The name never exceeds [`MAX_NAME_LEN`], 70 characters of printable
//! ASCII, so that a POP3 server can give it as the message's unique id
//! (`UIDL`, RFC 1939 §7); the host name is cut short to fit. And the file
//! in `tmp/` is created with `O_EXCL`: if the name were taken after all,
//! the delivery picks the next one rather than write over another's file.
//!
//! # Reading
//!
//! [`Maildir::list`] reads `new/` and `cur/`. In `cur/`, a reader has added
//! an *info* suffix, `:2,` and flag letters in ASCII order (`:2,RS`: replied,
//! seen); the part before the colon is the message's unique name in
//! either folder. Names that start with a dot, directories and symbolic
//! links are not messages, and are left alone, as are names that are not
//! UTF-8. Messages come sorted in delivery order, from the time at the start
//! of their names. [`Maildir::delete`] removes a message by its unique name
//! (one unlink, then an fsync of the folder), wherever a reader moved it.
//!
//! A process killed in the middle of a delivery leaves its file in `tmp/`
//! (no `Drop` runs after `kill -9`): unseen by readers, but taking room.
//! [`Maildir::clean_tmp`] removes such files once they are old enough,
//! as the specification asks.
//!
//! The bytes of a message are stored exactly as given. By custom, Maildir
//! files end their lines with LF alone, as Unix files do; which ending to
//! store is the deliverer's choice, and a POP3 server sends CR LF
//! whatever it finds (RFC 1939 §3), so the sizes it gives are those of the
//! bytes it sends, not [`Message::size`] when lines end in LF.
//!
//! References: the Maildir specification (D. J. Bernstein, "Using maildir
//! format", cr.yp.to/proto/maildir.html) and Courier's `maildir(5)`, which
//! gives the flags; RFC 1939 §7 for what a unique id may hold.

use crate::atomic_file::{sync_directory, AtomicFile, CommitError};
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest message a [`Maildir`] takes by default: 32 MiB. Mail
/// services accept 20 to 50 MB (25 MB is common), and attachments travel
/// in base64, a third larger than the files; a message past this is
/// refused whole ([`DeliveryError::TooLarge`]), so that one sender cannot
/// fill the disk. [`Maildir::with_limit`] sets another.
pub const MAX_MESSAGE_LEN: u64 = 32 * 1024 * 1024;

/// The longest unique name this module makes: RFC 1939 §7 allows a POP3
/// unique id of 1 to 70 characters, and the name is that id.
pub const MAX_NAME_LEN: usize = 70;

/// How old a file in `tmp/` must be for [`Maildir::clean_tmp`] to remove
/// it: 36 hours, the figure of the Maildir specification. No delivery
/// takes that long, so such a file was left by a process that died in the
/// middle (killed, or the machine lost power) before its `Drop` could run.
pub const STALE_TMP_AGE: Duration = Duration::from_secs(36 * 60 * 60);

/// The three folders of a Maildir, in the order they are created.
const FOLDERS: [&str; 3] = ["tmp", "new", "cur"];

/// How many names a delivery tries before it gives up: a name taken in
/// `tmp/` (a leftover of a crash, from a pid reused in the same
/// microsecond) is followed by another, with the next counter.
const NAME_ATTEMPTS: usize = 4;

/// A Maildir on disk: its root directory, which holds `tmp/`, `new/` and
/// `cur/`, and the largest message it takes.
#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
    limit: u64,
}

/// Which folder a message is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// `new/`: delivered, not yet seen by a mail reader.
    New,
    /// `cur/`: seen by a reader, which may have added flags.
    Cur,
}

impl Folder {
    /// The folder's name in the Maildir.
    pub fn dir_name(self) -> &'static str {
        match self {
            Folder::New => "new",
            Folder::Cur => "cur",
        }
    }
}

/// One message of a Maildir, as [`Maildir::list`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The unique name, without any info suffix: the same in `new/` and in
    /// `cur/`, and fit for a POP3 unique id when this module made it.
    pub name: String,
    /// The info suffix after the `:` in `cur/` (`2,S`), if any.
    pub info: Option<String>,
    /// Where the message is.
    pub folder: Folder,
    /// The path of its file.
    pub path: PathBuf,
    /// Its size in bytes, as stored.
    pub size: u64,
}

impl Message {
    /// The flag letters of a `:2,` info suffix (`"RS"`), if it has one.
    pub fn flags(&self) -> Option<&str> {
        self.info.as_deref()?.strip_prefix("2,")
    }
}

/// Why a message was not delivered, or not surely.
#[derive(Debug)]
pub enum DeliveryError {
    /// The message is larger than the Maildir's limit: nothing was
    /// delivered (an SMTP server answers 552).
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Writing, syncing or renaming failed: nothing was delivered, and no
    /// temporary file is left (an SMTP server answers 451, try later).
    NotWritten(io::Error),
    /// The message is in `new/`, whole, but the disk did not confirm that
    /// the rename would survive a power cut. A server should answer 451:
    /// the sender tries again, and a message delivered twice is better
    /// than one lost.
    NotDurable {
        /// The unique name it has in `new/`.
        name: String,
        /// What the directory sync answered.
        error: io::Error,
    },
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryError::TooLarge { limit } => {
                write!(f, "the message is larger than the limit of {limit} bytes")
            }
            DeliveryError::NotWritten(error) => write!(f, "the message was not delivered: {error}"),
            DeliveryError::NotDurable { name, error } => {
                write!(
                    f,
                    "{name} was delivered, but not confirmed on disk: {error}"
                )
            }
        }
    }
}

impl std::error::Error for DeliveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeliveryError::TooLarge { .. } => None,
            DeliveryError::NotWritten(error) | DeliveryError::NotDurable { error, .. } => {
                Some(error)
            }
        }
    }
}

impl Maildir {
    /// Creates the Maildir at `dir` (and `dir` itself, if need be), with
    /// its three folders, readable by their owner only (mail is private).
    /// Folders that exist already are kept as they are, with their mail.
    pub fn create(dir: impl AsRef<Path>) -> io::Result<Maildir> {
        let root = dir.as_ref();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        for folder in FOLDERS {
            builder.create(root.join(folder))?;
        }
        Maildir::open(root)
    }

    /// Opens the Maildir at `dir`, which must hold `tmp/`, `new/` and `cur/`.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<Maildir> {
        let root = dir.as_ref();
        for folder in FOLDERS {
            if !root.join(folder).is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} is not a Maildir: it has no {folder}/", root.display()),
                ));
            }
        }
        Ok(Maildir {
            root: root.to_path_buf(),
            limit: MAX_MESSAGE_LEN,
        })
    }

    /// The same Maildir, taking messages of at most `limit` bytes.
    pub fn with_limit(mut self, limit: u64) -> Maildir {
        self.limit = limit;
        self
    }

    /// The root directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The largest message taken, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Starts a delivery: a file in `tmp/` under a new unique name, to
    /// write the message into, then [`commit`](Delivery::commit). For a
    /// server that streams a message as it arrives.
    pub fn start_delivery(&self) -> io::Result<Delivery> {
        let mut attempts = 0;
        loop {
            let name = new_unique_name();
            match AtomicFile::create_new(&self.root.join("tmp").join(&name)) {
                Ok(file) => {
                    return Ok(Delivery {
                        file,
                        new_path: self.root.join("new").join(&name),
                        name,
                        written: 0,
                        limit: self.limit,
                        too_large: false,
                    })
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    attempts += 1;
                    if attempts == NAME_ATTEMPTS {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    // ANCHOR: deliver
    /// Delivers the message read from `message` (a `&[u8]` is a reader too)
    /// and returns its unique name. When this returns `Ok`, the message is
    /// in `new/`, whole, and on disk; on any error, `new/` is as it was
    /// (but see [`DeliveryError::NotDurable`]).
    pub fn deliver(&self, message: impl Read) -> Result<String, DeliveryError> {
        let mut delivery = self.start_delivery().map_err(DeliveryError::NotWritten)?;
        // One byte past the limit is enough to know the message is too large.
        let mut message = message.take(self.limit.saturating_add(1));
        match io::copy(&mut message, &mut delivery) {
            Ok(_) => delivery.commit(),
            Err(_) if delivery.too_large => Err(DeliveryError::TooLarge { limit: self.limit }),
            Err(error) => Err(DeliveryError::NotWritten(error)),
        }
    }
    // ANCHOR_END: deliver

    /// The messages in `new/` and `cur/`, in delivery order (see the module
    /// docs for what is skipped). A message that a reader moves or deletes
    /// while the folders are read may be missing from the list.
    pub fn list(&self) -> io::Result<Vec<Message>> {
        let mut messages = Vec::new();
        for folder in [Folder::New, Folder::Cur] {
            for entry in fs::read_dir(self.root.join(folder.dir_name()))? {
                if let Some(message) = message_of(entry?, folder)? {
                    messages.push(message);
                }
            }
        }
        messages.sort_by(|a, b| delivery_order(&a.name).cmp(&delivery_order(&b.name)));
        Ok(messages)
    }

    /// Deletes the message with the unique name `name`, from `new/` or,
    /// with any info suffix, from `cur/`. `NotFound` if there is none;
    /// `InvalidInput` for a name that cannot be a message's (`..`, `a/b`).
    pub fn delete(&self, name: &str) -> io::Result<()> {
        if !is_message_name(name) || name.contains(':') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name:?} is not the name of a message"),
            ));
        }
        let new = self.root.join("new");
        match fs::remove_file(new.join(name)) {
            Ok(()) => return sync_directory(&new),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        // A reader may have moved it to cur/, and added flags to its name.
        let cur = self.root.join("cur");
        for entry in fs::read_dir(&cur)? {
            let entry = entry?;
            let file_name = entry.file_name();
            if file_name.to_str().map(|found| split_info(found).0) == Some(name) {
                fs::remove_file(entry.path())?;
                return sync_directory(&cur);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no message {name} in {}", self.root.display()),
        ))
    }

    /// Removes the files in `tmp/` last written more than [`STALE_TMP_AGE`]
    /// before `now`, and returns how many: what deliveries cut short by a
    /// crash left behind. A server calls it when it starts.
    pub fn clean_tmp(&self, now: SystemTime) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(self.root.join("tmp"))? {
            let entry = entry?;
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            let age = metadata
                .modified()
                .ok()
                .and_then(|modified| now.duration_since(modified).ok());
            if metadata.is_file() && age.is_some_and(|age| age > STALE_TMP_AGE) {
                match fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    // Another cleaner was first.
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(removed)
    }
}

/// The message an entry of `new/` or `cur/` holds, if it is one.
fn message_of(entry: fs::DirEntry, folder: Folder) -> io::Result<Option<Message>> {
    let file_name = entry.file_name();
    let Some(file_name) = file_name.to_str().filter(|name| is_message_name(name)) else {
        return Ok(None);
    };
    // Neither follows a symbolic link: a link is no message of this box.
    let metadata = match entry.metadata() {
        Ok(metadata) => metadata,
        // Moved or deleted by a reader since the folder was read.
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    if !metadata.file_type().is_file() {
        return Ok(None);
    }
    let (name, info) = split_info(file_name);
    Ok(Some(Message {
        name: name.to_string(),
        info: info.map(String::from),
        folder,
        path: entry.path(),
        size: metadata.len(),
    }))
}

/// A message being delivered: write it, then [`commit`](Self::commit).
/// Dropped without a commit, it removes its file from `tmp/`.
#[derive(Debug)]
pub struct Delivery {
    file: AtomicFile,
    name: String,
    new_path: PathBuf,
    written: u64,
    limit: u64,
    /// A write went past the limit: the message can never be committed.
    too_large: bool,
}

impl Delivery {
    /// The unique name the message will have in `new/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Moves the whole message into `new/`, durably, and returns its name.
    pub fn commit(self) -> Result<String, DeliveryError> {
        if self.too_large {
            // Dropping `self` removes the temporary file.
            return Err(DeliveryError::TooLarge { limit: self.limit });
        }
        let Delivery {
            file,
            name,
            new_path,
            ..
        } = self;
        match file.commit(&new_path) {
            Ok(()) => Ok(name),
            Err(CommitError::NotWritten(error)) => Err(DeliveryError::NotWritten(error)),
            Err(CommitError::NotDurable(error)) => Err(DeliveryError::NotDurable { name, error }),
        }
    }
}

impl Write for Delivery {
    /// Writes into the file in `tmp/`; past the limit, fails, and the
    /// delivery can only be dropped.
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let total = self.written.saturating_add(bytes.len() as u64);
        if self.too_large || total > self.limit {
            self.too_large = true;
            return Err(io::Error::other(DeliveryError::TooLarge {
                limit: self.limit,
            }));
        }
        let n = self.file.write(bytes)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Whether a file name of `new/` or `cur/` can be a message: not empty,
/// not hidden (`.` and `..` included), and with no `/` or NUL.
fn is_message_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\0'])
}

/// A file name of `cur/` cut into its unique name and its info suffix:
/// `"1764585600.M1P2Q3.host:2,S"` is `("1764585600.M1P2Q3.host", Some("2,S"))`.
/// A name without a colon has no info.
pub fn split_info(file_name: &str) -> (&str, Option<&str>) {
    match file_name.split_once(':') {
        Some((name, info)) => (name, Some(info)),
        None => (file_name, None),
    }
}

/// What orders messages by delivery: the seconds at the start of the name,
/// then the microseconds (`M`) and the counter (`Q`) of its second part,
/// then the name itself. Names made by other software have the seconds too
/// (`1764585600.12345_1.host`, `1764585600.M5P10V3I7.host`); a name without
/// them sorts after those that have them.
pub fn delivery_order(name: &str) -> (u64, u64, u64, &str) {
    let mut parts = name.split('.');
    let seconds = parts.next().and_then(|seconds| seconds.parse().ok());
    let details = parts.next().unwrap_or("");
    (
        seconds.unwrap_or(u64::MAX),
        field(details, 'M'),
        field(details, 'Q'),
        name,
    )
}

/// The number after `letter` in a part like `M42137P4242Q7`, or 0.
fn field(details: &str, letter: char) -> u64 {
    let Some(at) = details.find(letter) else {
        return 0;
    };
    let digits = &details[at + 1..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().unwrap_or(0)
}

/// A unique name of the classic form, `SECONDS.MmicrosPpidQcount.host`,
/// with the host name made safe ([`safe_host_name`]) and cut so that the
/// whole is at most [`MAX_NAME_LEN`] characters.
pub fn format_unique_name(seconds: u64, micros: u32, pid: u32, count: u64, host: &str) -> String {
    let mut name = format!("{seconds}.M{micros:06}P{pid}Q{count}.");
    let room = MAX_NAME_LEN.saturating_sub(name.len());
    // The safe name is ASCII: cutting it at any byte leaves a str.
    let host = safe_host_name(host);
    name.push_str(&host[..host.len().min(room)]);
    name
}

/// A host name as it may stand in a Maildir name: surrounding white space
/// gone, `/` as `\057`, `:` as `\072` (the specification's rule), and so
/// any other byte that is not printable ASCII, so that the name stays fit
/// for a POP3 unique id. Empty, it is `localhost`.
pub fn safe_host_name(host: &str) -> String {
    let host = host.trim();
    if host.is_empty() {
        return "localhost".to_string();
    }
    let mut safe = String::new();
    for byte in host.bytes() {
        match byte {
            b'/' | b':' | b'\\' => safe.push_str(&format!("\\{byte:03o}")),
            b'!'..=b'~' => safe.push(char::from(byte)),
            _ => safe.push_str(&format!("\\{byte:03o}")),
        }
    }
    safe
}

/// This machine's host name, read once: from `/proc/sys/kernel/hostname`
/// (Linux), else `/etc/hostname`, else `localhost`.
fn host_name() -> &'static str {
    static HOST_NAME: OnceLock<String> = OnceLock::new();
    HOST_NAME.get_or_init(|| {
        ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .find_map(|path| fs::read_to_string(path).ok())
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "localhost".to_string())
    })
}

/// Deliveries started by this process: the `Q` of the names.
static DELIVERIES: AtomicU64 = AtomicU64::new(0);

/// A new unique name for this process, now.
fn new_unique_name() -> String {
    let count = DELIVERIES.fetch_add(1, Ordering::Relaxed);
    // A clock set before 1970 gives 0: the pid and counter still differ.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_unique_name(
        since.as_secs(),
        since.subsec_micros(),
        std::process::id(),
        count,
        host_name(),
    )
}

// ANCHOR: unix_lines
/// Turns the CR LF line ends of a message into LF, in pieces of any size:
/// a CR at the end of one piece waits to see whether LF starts the next.
///
/// These are the line ends a Maildir keeps, by the custom of Unix mail
/// software (mutt, Dovecot, and this crate's POP3 server, which sends them
/// as CR LF again). A CR or LF that is not part of a CR LF pair is kept as
/// it came. The SMTP server stores what it receives through this, and the
/// POP3 client what it fetches.
#[derive(Debug, Clone, Default)]
pub struct UnixLines {
    /// The last byte seen was a CR, not yet written.
    after_cr: bool,
}

impl UnixLines {
    /// Appends `input` to `out`, each CR LF as LF.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &byte in input {
            match (self.after_cr, byte) {
                (true, b'\n') => {
                    out.push(b'\n');
                    self.after_cr = false;
                }
                // A bare CR is data; this CR may start a CR LF.
                (true, b'\r') => out.push(b'\r'),
                (true, _) => {
                    out.extend_from_slice(&[b'\r', byte]);
                    self.after_cr = false;
                }
                (false, b'\r') => self.after_cr = true,
                (false, _) => out.push(byte),
            }
        }
    }

    /// Appends what is held back at the end of the message: a last CR.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if std::mem::take(&mut self.after_cr) {
            out.push(b'\r');
        }
    }
}
// ANCHOR_END: unix_lines

/// The longest user name a mail server here takes: 64, the longest local
/// part of an address (RFC 5321 §4.5.3.1.1), since the name is both.
pub const MAX_USER_NAME_LEN: usize = 64;

/// Whether `name` may be a user's: the local part of their address
/// (`alice` of `alice@example.test`) and the name of their Maildir under
/// the servers' root (`ROOT/alice`). So it is 1 to [`MAX_USER_NAME_LEN`]
/// ASCII letters, digits, `.`, `-` and `_`, and does not start with a dot:
/// no `/` or `..` can lead out of the root, and no name is hidden.
pub fn check_user_name(name: &str) -> Result<(), &'static str> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
    let fits = (1..=MAX_USER_NAME_LEN).contains(&name.len());
    match fits && name.bytes().all(allowed) && !name.starts_with('.') {
        true => Ok(()),
        false => {
            Err("a user name is 1 to 64 letters, digits, '.', '-' or '_', not starting with '.'")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_in_pieces(input: &[u8], piece: usize) -> Vec<u8> {
        let mut lines = UnixLines::default();
        let mut out = Vec::new();
        for chunk in input.chunks(piece) {
            lines.convert(chunk, &mut out);
        }
        lines.finish(&mut out);
        out
    }

    #[test]
    fn crlf_becomes_lf_and_nothing_else_changes() {
        let table: &[(&[u8], &[u8])] = &[
            (b"a\r\nb\r\n", b"a\nb\n"),
            (b"", b""),
            (b"\r\n\r\n", b"\n\n"),
            // Bare LF and bare CR are kept as they came.
            (b"a\nb\r\n", b"a\nb\n"),
            (b"a\rb\r\n", b"a\rb\n"),
            (b"a\r\r\n", b"a\r\n"),
            (b"\r\r\r", b"\r\r\r"),
            (b"end\r", b"end\r"),
            (b"\n.\n", b"\n.\n"),
        ];
        for (input, expected) in table {
            for piece in 1..=input.len().max(1) {
                assert_eq!(
                    convert_in_pieces(input, piece),
                    *expected,
                    "{input:?} in pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn user_names_that_can_be_a_folder_and_a_local_part() {
        for good in ["alice", "bob.smith", "x_1-2", &"a".repeat(64)] {
            assert_eq!(check_user_name(good), Ok(()), "{good}");
        }
        let long = "a".repeat(65);
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "../x",
            "a b",
            "caf\u{e9}",
            long.as_str(),
        ] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
    use std::collections::HashSet;
    use std::thread;

    /// The names in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn new_maildir() -> (tempfile::TempDir, Maildir) {
        let dir = tempfile::tempdir().unwrap();
        let maildir = Maildir::create(dir.path().join("alice")).unwrap();
        (dir, maildir)
    }

    #[test]
    fn a_delivered_message_is_listed_with_its_name_size_and_bytes() {
        let (_dir, maildir) = new_maildir();
        let message = b"Subject: hi\r\n\r\n.a line with a dot\r\n";
        let name = maildir.deliver(&message[..]).unwrap();
        let listed = maildir.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, name);
        assert_eq!(listed[0].folder, Folder::New);
        assert_eq!(listed[0].info, None);
        assert_eq!(listed[0].size, message.len() as u64);
        assert_eq!(listed[0].path, maildir.path().join("new").join(&name));
        assert_eq!(fs::read(&listed[0].path).unwrap(), message);
    }

    #[test]
    fn a_mail_reader_finds_what_it_expects() {
        // What mutt and Dovecot need: the three folders, the message in
        // new/ under a plain name holding exactly the bytes, tmp/ empty.
        let (_dir, maildir) = new_maildir();
        for folder in FOLDERS {
            assert!(maildir.path().join(folder).is_dir(), "{folder}/");
        }
        let message = b"From: bob@example.test\nSubject: x\n\nbody\n";
        let name = maildir.deliver(&message[..]).unwrap();
        assert_eq!(names_in(&maildir.path().join("new")), [name.as_str()]);
        assert_eq!(
            fs::read(maildir.path().join("new").join(&name)).unwrap(),
            message
        );
        assert!(names_in(&maildir.path().join("tmp")).is_empty());
        assert!(names_in(&maildir.path().join("cur")).is_empty());
        // The classic form: SECONDS.M<6 digits>P<pid>Q<n>.host
        let (seconds, rest) = name.split_once('.').unwrap();
        assert!(
            seconds.len() >= 10 && seconds.bytes().all(|b| b.is_ascii_digit()),
            "{name}"
        );
        let pid = format!("P{}Q", std::process::id());
        assert!(
            rest.starts_with('M') && rest[7..].starts_with(&pid),
            "{name}"
        );
        assert!(name.len() <= MAX_NAME_LEN, "{name}");
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b':'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(maildir.path().join("new"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "mail is private");
        }
    }

    #[test]
    fn deliveries_from_eight_threads_are_all_distinct_and_all_listed() {
        const THREADS: usize = 8;
        const EACH: usize = 50;
        let (_dir, maildir) = new_maildir();
        let names: Vec<(String, Vec<u8>)> = thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let maildir = &maildir;
                    scope.spawn(move || {
                        (0..EACH)
                            .map(|i| {
                                let body = format!("thread {t} message {i}\r\n").repeat(20);
                                let name = maildir.deliver(body.as_bytes()).unwrap();
                                (name, body.into_bytes())
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let distinct: HashSet<&String> = names.iter().map(|(name, _)| name).collect();
        assert_eq!(distinct.len(), THREADS * EACH);
        let listed = maildir.list().unwrap();
        assert_eq!(listed.len(), THREADS * EACH);
        for (name, body) in &names {
            let message = listed.iter().find(|m| &m.name == name).unwrap();
            assert_eq!(&fs::read(&message.path).unwrap(), body);
        }
        assert!(names_in(&maildir.path().join("tmp")).is_empty());
    }

    #[test]
    fn a_dropped_delivery_leaves_nothing_in_new_and_tmp_clean() {
        // A client that vanishes in the middle of DATA.
        let (_dir, maildir) = new_maildir();
        let mut delivery = maildir.start_delivery().unwrap();
        delivery.write_all(b"Subject: half a mess").unwrap();
        assert_eq!(names_in(&maildir.path().join("tmp")), [delivery.name()]);
        drop(delivery);
        assert!(names_in(&maildir.path().join("tmp")).is_empty());
        assert!(names_in(&maildir.path().join("new")).is_empty());
        assert_eq!(maildir.list().unwrap(), []);
    }

    #[test]
    fn a_reader_that_fails_delivers_nothing() {
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::ConnectionReset, "gone"));
                }
                self.0 -= 1;
                out[0] = b'x';
                Ok(1)
            }
        }
        let (_dir, maildir) = new_maildir();
        let error = maildir.deliver(Broken(100)).unwrap_err();
        assert!(matches!(error, DeliveryError::NotWritten(_)), "{error}");
        assert!(names_in(&maildir.path().join("tmp")).is_empty());
        assert!(names_in(&maildir.path().join("new")).is_empty());
    }

    #[test]
    fn a_message_over_the_limit_is_refused_whole() {
        let (_dir, maildir) = new_maildir();
        let maildir = maildir.with_limit(10);
        assert_eq!(
            maildir.deliver(&b"0123456789"[..]).map(|_| ()).ok(),
            Some(())
        );
        let error = maildir.deliver(&b"0123456789A"[..]).unwrap_err();
        assert!(
            matches!(error, DeliveryError::TooLarge { limit: 10 }),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "the message is larger than the limit of 10 bytes"
        );
        // Streamed: the write that passes the limit fails, and so does commit.
        let mut delivery = maildir.start_delivery().unwrap();
        delivery.write_all(b"01234").unwrap();
        assert!(delivery.write_all(b"567890").is_err());
        let error = delivery.commit().unwrap_err();
        assert!(matches!(error, DeliveryError::TooLarge { .. }), "{error}");
        assert_eq!(maildir.list().unwrap().len(), 1);
        assert!(names_in(&maildir.path().join("tmp")).is_empty());
    }

    #[test]
    fn clean_tmp_removes_what_a_crash_left_and_nothing_else() {
        let (_dir, maildir) = new_maildir();
        let tmp = maildir.path().join("tmp");
        // A delivery in progress, and one a killed process left long ago.
        let in_progress = maildir.start_delivery().unwrap();
        let left = fs::File::create(tmp.join("1600000000.M1P1Q1.host")).unwrap();
        let now = SystemTime::now();
        left.set_modified(now - STALE_TMP_AGE - Duration::from_secs(1))
            .unwrap();
        assert_eq!(maildir.clean_tmp(now).unwrap(), 1);
        assert_eq!(names_in(&tmp), [in_progress.name()]);
        assert_eq!(maildir.clean_tmp(now).unwrap(), 0);
        // The delivery goes on as if nothing happened.
        let name = in_progress.commit().unwrap();
        assert_eq!(maildir.list().unwrap()[0].name, name);
    }

    #[test]
    fn an_empty_message_is_a_message() {
        let (_dir, maildir) = new_maildir();
        maildir.deliver(&b""[..]).unwrap();
        assert_eq!(maildir.list().unwrap()[0].size, 0);
    }

    #[test]
    fn messages_are_listed_in_delivery_order_from_both_folders() {
        let (_dir, maildir) = new_maildir();
        let first = maildir.deliver(&b"1"[..]).unwrap();
        let second = maildir.deliver(&b"2"[..]).unwrap();
        let third = maildir.deliver(&b"3"[..]).unwrap();
        // A reader saw the first: it moved it to cur/ and marked it seen.
        let root = maildir.path();
        fs::rename(
            root.join("new").join(&first),
            root.join("cur").join(format!("{first}:2,S")),
        )
        .unwrap();
        let listed = maildir.list().unwrap();
        let names: Vec<&str> = listed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [&first, &second, &third]);
        assert_eq!(listed[0].folder, Folder::Cur);
        assert_eq!(listed[0].info.as_deref(), Some("2,S"));
        assert_eq!(listed[0].flags(), Some("S"));
        assert_eq!(listed[1].flags(), None);
    }

    #[test]
    fn odd_names_in_the_folders_are_not_messages() {
        let (_dir, maildir) = new_maildir();
        let root = maildir.path();
        let name = maildir.deliver(&b"real"[..]).unwrap();
        fs::write(root.join("new").join(".hidden"), b"x").unwrap();
        fs::write(root.join("cur").join(".nfs0001"), b"x").unwrap();
        fs::create_dir(root.join("new").join("1764585600.M1P1Q1.dir")).unwrap();
        fs::create_dir(root.join("cur").join("folder")).unwrap();
        fs::write(root.join("tmp").join("1764585600.M2P2Q2.busy"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", root.join("cur").join("link:2,")).unwrap();
        let listed = maildir.list().unwrap();
        let names: Vec<&str> = listed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [name]);
    }

    #[test]
    fn a_message_is_deleted_by_name_from_either_folder() {
        let (_dir, maildir) = new_maildir();
        let first = maildir.deliver(&b"1"[..]).unwrap();
        let second = maildir.deliver(&b"2"[..]).unwrap();
        let root = maildir.path();
        fs::rename(
            root.join("new").join(&second),
            root.join("cur").join(format!("{second}:2,RS")),
        )
        .unwrap();
        maildir.delete(&first).unwrap();
        maildir.delete(&second).unwrap();
        assert_eq!(maildir.list().unwrap(), []);
        assert!(names_in(&root.join("cur")).is_empty());
        let error = maildir.delete(&first).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn delete_refuses_names_that_are_no_message() {
        let (dir, maildir) = new_maildir();
        fs::write(dir.path().join("outside"), b"x").unwrap();
        for name in ["", ".", "..", "../../outside", "a/b", "x:2,S", ".hidden"] {
            let error = maildir.delete(name).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name:?}");
        }
        assert!(dir.path().join("outside").exists());
    }

    #[test]
    fn open_refuses_a_directory_that_is_no_maildir() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("new")).unwrap();
        let error = Maildir::open(dir.path()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(
            error
                .to_string()
                .ends_with("is not a Maildir: it has no tmp/"),
            "{error}"
        );
        // create keeps what is there, and completes it.
        fs::write(dir.path().join("new").join("1.M1P1Q1.h"), b"kept").unwrap();
        let maildir = Maildir::create(dir.path()).unwrap();
        assert_eq!(maildir.list().unwrap()[0].name, "1.M1P1Q1.h");
        assert!(Maildir::open(dir.path()).is_ok());
    }

    #[test]
    fn unique_names_have_the_classic_form() {
        let table = [
            (
                (1764585600, 42137, 4242, 7, "mail"),
                "1764585600.M042137P4242Q7.mail",
            ),
            ((0, 0, 1, 0, ""), "0.M000000P1Q0.localhost"),
            // The spec's rule for / and :, and the same for other bytes.
            ((1, 999999, 2, 3, "a/b:c"), "1.M999999P2Q3.a\\057b\\072c"),
            ((1, 5, 2, 3, " box one\n"), "1.M000005P2Q3.box\\040one"),
        ];
        for ((seconds, micros, pid, count, host), expected) in table {
            assert_eq!(
                format_unique_name(seconds, micros, pid, count, host),
                expected
            );
        }
    }

    #[test]
    fn a_long_host_name_is_cut_to_keep_the_name_a_pop3_unique_id() {
        let host = "h".repeat(300);
        let name = format_unique_name(u64::MAX, 999_999, u32::MAX, u64::MAX, &host);
        assert_eq!(name.len(), MAX_NAME_LEN);
        assert!(name.starts_with("18446744073709551615.M999999P4294967295Q18446744073709551615.h"));
    }

    #[test]
    fn info_suffixes_are_split_off() {
        let table = [
            ("1.M1P1Q1.host:2,S", ("1.M1P1Q1.host", Some("2,S"))),
            ("1.M1P1Q1.host:2,", ("1.M1P1Q1.host", Some("2,"))),
            ("1.M1P1Q1.host", ("1.M1P1Q1.host", None)),
            (
                "dovecot,S=120,W=124:2,RS",
                ("dovecot,S=120,W=124", Some("2,RS")),
            ),
        ];
        for (file_name, expected) in table {
            assert_eq!(split_info(file_name), expected, "{file_name}");
        }
    }

    #[test]
    fn delivery_order_reads_the_numbers_in_names() {
        // Sorted as numbers, not as text: M5 before M40, Q9 before Q10;
        // and names of other software by their seconds.
        let mut names = vec![
            "no-time-at-all",
            "1764585601.12345_1.old",
            "1764585600.M000040P1Q10.a",
            "1764585600.M000040P1Q9.a",
            "1764585600.M5P10V3I7.dovecot",
            "999999999.M1P1Q1.a",
        ];
        names.sort_by_key(|name| delivery_order(name));
        assert_eq!(
            names,
            [
                "999999999.M1P1Q1.a",
                "1764585600.M5P10V3I7.dovecot",
                "1764585600.M000040P1Q9.a",
                "1764585600.M000040P1Q10.a",
                "1764585601.12345_1.old",
                "no-time-at-all",
            ]
        );
    }
}

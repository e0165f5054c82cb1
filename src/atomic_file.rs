//! Files that appear whole or not at all: a stored upload, a delivered
//! mail, a saved collection of notes.
//!
//! A file written in place can be seen, or left behind by a crash, half
//! written. The way out, which [`rest::persist`](crate::rest::persist)
//! explains step by step, is to write under a temporary name, `fsync` the
//! file, `rename` it to its real name, and `fsync` the directory:
//!
//! ```text
//!  create .tmp-…        in the directory of the real file (rename is atomic
//!  write, write, …      only within one file system)
//!  fsync the file       the data is on disk before the name points at it
//!  rename .tmp-… → name readers see nothing, then the whole file
//!  fsync the directory  the rename itself is on disk
//! ```
//!
//! [`AtomicFile`] does those steps. It is a `Write`, so a server can stream
//! an upload into it; [`AtomicFile::commit`] gives it its name, and an
//! `AtomicFile` dropped without a commit (an error, a client gone in the
//! middle) removes its temporary file: an error never leaves a half-written
//! file behind. [`write`](fn@write) does it all for bytes already in memory.
//!
//! # Temporary names
//!
//! Where many writers share one directory (threads of one server storing
//! FTP uploads; several server processes delivering into one Maildir's
//! `tmp/`), each needs a temporary name no other writer uses at the same
//! moment. [`AtomicFile::create_in`] makes one from:
//!
//! - the **process id**, which no two running processes share, so two
//!   servers writing into one directory never pick the same name;
//! - a **counter** shared by every thread of the process and incremented
//!   for each file, so two threads (or two files of one thread) never do;
//! - the **time** in nanoseconds, because a process id is reused once its
//!   process has ended: a new process with the pid of one that crashed
//!   would count from zero again, and meet its leftovers. (It also tells
//!   apart processes that share a directory from two pid namespaces, two
//!   containers that both run as pid 1.)
//!
//! The **thread id** is left out: the counter already differs between
//! threads, and std's thread ids count from 1 in every process, so they
//! would tell no two processes apart either. (Maildir's own names, made
//! by [`maildir`](crate::maildir), add the host name for a directory
//! shared over NFS; these temporary names serve writers on one machine.)
//!
//! The file is opened with `create_new` (`O_CREAT | O_EXCL`): if the name
//! exists after all, creating it fails with `AlreadyExists`, and nothing
//! another writer wrote is ever overwritten.
//!
//! A writer that is the only one for its target can use a fixed temporary
//! name instead ([`AtomicFile::create_at`]), so that a leftover from a
//! crash is written over by the next save rather than left to pile up:
//! that is what [`rest::persist`](crate::rest::persist) does.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::{self, JoinHandle};
use std::time::{SystemTime, UNIX_EPOCH};

/// The start of every temporary name [`AtomicFile::create_in`] makes. The
/// leading dot hides the file from `ls`, and from FTP and Maildir readers
/// that skip dot files.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Why [`AtomicFile::commit`] failed, and so what the real file holds now.
#[derive(Debug)]
pub enum CommitError {
    /// Syncing or renaming the temporary file failed: the real file is as
    /// it was (absent, or its old contents), and the temporary file is gone.
    NotWritten(io::Error),
    /// The rename happened but the directory could not be synced: the real
    /// file holds the new contents, which every reader sees, but the disk
    /// did not confirm that the rename would survive a power cut.
    NotDurable(io::Error),
}

impl fmt::Display for CommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommitError::NotWritten(error) => write!(f, "not written: {error}"),
            CommitError::NotDurable(error) => {
                write!(f, "written, but not confirmed on disk: {error}")
            }
        }
    }
}

impl std::error::Error for CommitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommitError::NotWritten(error) | CommitError::NotDurable(error) => Some(error),
        }
    }
}

impl From<CommitError> for io::Error {
    fn from(error: CommitError) -> io::Error {
        match error {
            CommitError::NotWritten(error) | CommitError::NotDurable(error) => error,
        }
    }
}

/// How many bytes an [`AtomicFile`] takes before it asks, from a second
/// thread, for them to be written to the disk while it goes on taking
/// more. 16 MiB.
///
/// The `fsync` before the rename waits until every byte written so far is
/// on the disk. Left to the end, it waits for the whole file: for a 1 GiB
/// FTP upload over loopback (curl, a two-core machine), the last `fsync`
/// took 0.31, 0.34 and 0.46 s, after a second or so of receiving, and the
/// upload ran at 0.52× vsftpd's speed (which does not sync at all; median
/// of 3, `lessons/12-measuring/bench-ftp.sh`). Syncing every `SYNC_AHEAD`
/// bytes on another thread lets the disk write the file while the rest of
/// it arrives: the last `fsync` then took 6 ms, and the upload ran at
/// 0.61× to 0.86×, 0.79× in the middle run (the medians of five runs of
/// the script on a busy machine, against 0.52× to 0.81×, 0.58× and 0.65×
/// in the middle, in four without). The rest of the gap is the writing itself,
/// which vsftpd leaves for after its 226: on that machine `dd` copies
/// 1 GiB in 0.45 s into the page cache and in 0.8 s to the disk
/// (`conv=fsync`). 4 MiB and 64 MiB measured no better.
/// Files smaller than this (a saved collection of notes, most mails)
/// never start the thread.
pub const SYNC_AHEAD: u64 = 16 * 1024 * 1024;

/// A file being written under a temporary name, which [`commit`](Self::commit)
/// renames to its real one. Dropped without a commit, it removes itself.
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    temp: PathBuf,
    /// Renamed: the temporary name is gone, and there is nothing to remove.
    committed: bool,
    /// Bytes written since the last sync was asked for.
    unsynced: u64,
    /// The thread that syncs ahead, once [`SYNC_AHEAD`] bytes were written.
    syncer: Option<Syncer>,
}

/// A thread that syncs a file each time it is asked to, on its own handle
/// to the file (`File::try_clone`), until its requests end or a sync fails.
#[derive(Debug)]
struct Syncer {
    requests: SyncSender<()>,
    thread: JoinHandle<io::Result<()>>,
}

impl Syncer {
    /// Starts the thread; `None` if the file cannot be cloned or the thread
    /// cannot start, and then the file is only synced at its commit.
    fn start(file: &File) -> Option<Syncer> {
        let file = file.try_clone().ok()?;
        // One request waits while a sync runs; more would ask for nothing
        // that request does not.
        let (requests, asked) = mpsc::sync_channel::<()>(1);
        let thread = thread::Builder::new()
            .name("sync ahead".into())
            .spawn(move || {
                for () in asked {
                    // The data and its size, not the times: see `commit`
                    // for why that is enough here and not at the end.
                    file.sync_data()?;
                }
                Ok(())
            })
            .ok()?;
        Some(Syncer { requests, thread })
    }

    /// Asks for a sync of what is written so far, without waiting.
    fn ask(&self) {
        match self.requests.try_send(()) {
            // Full: a request is already waiting, and will cover these
            // bytes. Disconnected: a sync failed, and `finish` says so.
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }

    /// Waits for the syncs asked for, and gives the first failure.
    fn finish(self) -> io::Result<()> {
        drop(self.requests);
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the sync thread panicked")))
    }
}

impl AtomicFile {
    /// Creates a file with a new, unique temporary name in `dir` (see the
    /// module docs for what makes it unique). `dir` must be on the same
    /// file system as the file's final name.
    pub fn create_in(dir: &Path) -> io::Result<AtomicFile> {
        AtomicFile::create_new(&dir.join(unique_temp_name()))
    }

    /// Creates the temporary file at exactly `temp`, a unique name the
    /// caller made itself (Maildir's `tmp/` names, which must match the
    /// final names in `new/`). Fails with `AlreadyExists` if the name is
    /// taken, so that nothing another writer wrote is overwritten.
    pub fn create_new(temp: &Path) -> io::Result<AtomicFile> {
        let file = OpenOptions::new().write(true).create_new(true).open(temp)?;
        Ok(AtomicFile::with(file, temp.to_path_buf()))
    }

    /// Creates, or empties, the temporary file at exactly `temp`: for a
    /// target that has a single writer, which wants a leftover from a crash
    /// written over. Two writers using one such name would write into the
    /// same file; they must use [`create_in`](Self::create_in).
    pub fn create_at(temp: &Path) -> io::Result<AtomicFile> {
        Ok(AtomicFile::with(File::create(temp)?, temp.to_path_buf()))
    }

    fn with(file: File, temp: PathBuf) -> AtomicFile {
        AtomicFile {
            file,
            temp,
            committed: false,
            unsynced: 0,
            syncer: None,
        }
    }

    /// Where the file is being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    // ANCHOR: commit
    /// Makes the file whole on disk, then gives it the name `path`,
    /// replacing any file of that name: readers see the old file or the
    /// new one, never a part. When this returns `Ok`, the new file and its
    /// name are on disk; the error says which of the two `path` holds.
    ///
    /// `path` may be in another directory than the temporary file (Maildir
    /// moves a message from `tmp/` to `new/`), on the same file system.
    pub fn commit(mut self, path: &Path) -> Result<(), CommitError> {
        // A sync ahead that failed must fail the commit: Linux reports a
        // failed write-back once to each open file description, and the
        // sync thread's clone shares this one's, so the `sync_all` below
        // might not see it again.
        if let Some(syncer) = self.syncer.take() {
            syncer.finish().map_err(CommitError::NotWritten)?;
        }
        // The data reaches the disk before any name points at it: without
        // this, a power cut can leave `path` renamed and empty.
        //
        // `sync_data` (fdatasync) would be enough for the bytes: it leaves
        // out only the metadata a later read does not need, and the size
        // is needed (fdatasync(2): "a change to the file size ... would
        // require a metadata flush"; POSIX calls it "synchronized I/O data
        // integrity completion"). It would leave out the modification
        // time, which LIST and MDTM show. So the syncs ahead, which only
        // have to shorten this one, use `sync_data`, and this last one,
        // which makes the file whole, `sync_all`: after the syncs ahead it
        // has at most some 2 × SYNC_AHEAD bytes to write either way.
        self.file.sync_all().map_err(CommitError::NotWritten)?;
        fs::rename(&self.temp, path).map_err(CommitError::NotWritten)?;
        self.committed = true;
        // The rename is a change to the directory: make that durable too.
        sync_directory(parent_of(path)).map_err(CommitError::NotDurable)
    }
    // ANCHOR_END: commit
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.unsynced += written as u64;
        if self.unsynced >= SYNC_AHEAD {
            self.unsynced = 0;
            if self.syncer.is_none() {
                self.syncer = Syncer::start(&self.file);
            }
            if let Some(syncer) = &self.syncer {
                syncer.ask();
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // No sync thread outlives its file; its result no longer matters.
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.finish();
        }
        if !self.committed {
            // Nothing to do about a failure here: the file is only garbage
            // under a name no reader looks at.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes `contents` to `path` through a unique temporary file beside it:
/// `path` is absent (or as it was) until it holds all of `contents`.
pub fn write(path: &Path, contents: &[u8]) -> Result<(), CommitError> {
    let mut file = AtomicFile::create_in(parent_of(path)).map_err(CommitError::NotWritten)?;
    file.write_all(contents).map_err(CommitError::NotWritten)?;
    file.commit(path)
}

/// Flushes a directory's entries to disk, so that a rename into it lasts.
/// On Unix a directory can be opened and synced like a file; Windows has
/// no such call (and makes renames durable its own way).
pub fn sync_directory(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The directory that holds `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Files created by this process so far: the part of a temporary name
/// that tells apart two files of one process.
static FILES_CREATED: AtomicU64 = AtomicU64::new(0);

/// `.tmp-<pid>-<counter>-<nanoseconds>`: see the module docs for why each.
fn unique_temp_name() -> String {
    let count = FILES_CREATED.fetch_add(1, Ordering::Relaxed);
    // A clock set before 1970 gives 0: the pid and counter still differ.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{TEMP_PREFIX}{}-{count}-{nanos}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn a_committed_file_has_its_name_and_all_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = AtomicFile::create_in(dir.path()).unwrap();
        file.write_all(b"first part, ").unwrap();
        file.write_all(b"second part").unwrap();
        file.commit(&dir.path().join("upload.txt")).unwrap();
        assert_eq!(names_in(dir.path()), ["upload.txt"]);
        assert_eq!(
            fs::read(dir.path().join("upload.txt")).unwrap(),
            b"first part, second part"
        );
    }

    #[test]
    fn a_file_synced_ahead_as_it_is_written_commits_whole() {
        // Past SYNC_AHEAD, syncs run on a second thread while writes go
        // on: the committed file still holds every byte, in order.
        let dir = tempfile::tempdir().unwrap();
        let piece: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let pieces = 2 * SYNC_AHEAD as usize / piece.len() + 3;
        let mut file = AtomicFile::create_in(dir.path()).unwrap();
        for _ in 0..pieces {
            file.write_all(&piece).unwrap();
        }
        assert!(file.syncer.is_some(), "the sync thread started");
        file.commit(&dir.path().join("big")).unwrap();
        assert_eq!(names_in(dir.path()), ["big"]);
        assert_eq!(
            fs::read(dir.path().join("big")).unwrap(),
            piece.repeat(pieces)
        );
    }

    #[test]
    fn a_dropped_file_synced_ahead_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = AtomicFile::create_in(dir.path()).unwrap();
        file.write_all(&vec![7; SYNC_AHEAD as usize + 1]).unwrap();
        drop(file);
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_dropped_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = AtomicFile::create_in(dir.path()).unwrap();
        file.write_all(b"half an upl").unwrap();
        assert_eq!(names_in(dir.path()).len(), 1, "the temporary file exists");
        drop(file); // the client went away in the middle
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failed_rename_leaves_the_target_alone_and_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no such dir").join("file");
        let error = write(&target, b"data").unwrap_err();
        assert!(matches!(error, CommitError::NotWritten(_)), "{error}");
        assert_eq!(names_in(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn commit_replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.json");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names_in(dir.path()), ["notes.json"]);
    }

    #[test]
    fn a_name_that_exists_is_never_overwritten() {
        // If a unique name were to meet an existing file, create_new fails
        // rather than truncate what another writer is writing.
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join(unique_temp_name());
        fs::write(&taken, b"another writer's").unwrap();
        let error = AtomicFile::create_new(&taken).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&taken).unwrap(), b"another writer's");
    }

    #[test]
    fn temporary_names_differ_and_are_hidden() {
        let first = unique_temp_name();
        let second = unique_temp_name();
        assert_ne!(first, second);
        let pid = std::process::id().to_string();
        assert!(
            first.starts_with(&format!("{TEMP_PREFIX}{pid}-")),
            "{first}"
        );
    }

    #[test]
    fn many_threads_write_into_one_directory_at_once() {
        const THREADS: usize = 8;
        const FILES_EACH: usize = 50;
        let dir = tempfile::tempdir().unwrap();
        thread::scope(|scope| {
            for t in 0..THREADS {
                let dir = dir.path();
                scope.spawn(move || {
                    for i in 0..FILES_EACH {
                        // Each thread its own files, and all of them one
                        // shared file, as uploads of the same name would.
                        let contents = format!("thread {t} file {i}\n").repeat(100);
                        write(&dir.join(format!("{t}-{i}")), contents.as_bytes()).unwrap();
                        write(&dir.join("shared"), contents.as_bytes()).unwrap();
                    }
                });
            }
        });
        let names = names_in(dir.path());
        assert_eq!(
            names.len(),
            THREADS * FILES_EACH + 1,
            "no temporary file left"
        );
        for t in 0..THREADS {
            for i in 0..FILES_EACH {
                let expected = format!("thread {t} file {i}\n").repeat(100);
                let found = fs::read_to_string(dir.path().join(format!("{t}-{i}"))).unwrap();
                assert_eq!(found, expected);
            }
        }
        // The shared file is one writer's version, whole: never a mixture.
        let shared = fs::read_to_string(dir.path().join("shared")).unwrap();
        let first_line = shared.lines().next().unwrap();
        assert_eq!(shared, format!("{first_line}\n").repeat(100));
    }

    #[test]
    fn a_fixed_temporary_name_is_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join(".notes.json.tmp");
        fs::write(&temp, b"leftover from a crash, longer than the new").unwrap();
        let mut file = AtomicFile::create_at(&temp).unwrap();
        file.write_all(b"new").unwrap();
        file.commit(&dir.path().join("notes.json")).unwrap();
        assert_eq!(names_in(dir.path()), ["notes.json"]);
        assert_eq!(fs::read(dir.path().join("notes.json")).unwrap(), b"new");
    }
}

//! Small files kept in memory, for as long as they do not change on disk.
//!
//! Serving a small file from disk costs four system calls besides the
//! request's own `recv` and `send`: `open`, `fstat`, `read` and `close`.
//! The walk that checks the path for symbolic links ([`super::files`])
//! already made an `lstat` of the file, and that `lstat` says whether the
//! file is still the one read before: the same device and inode (not
//! replaced), the same size, the same modification and status-change
//! times (not written to, not touched). So the server keeps the bytes of
//! small files, each with that stamp, and a request whose `lstat` matches
//! the stamp is answered from memory with no more system calls. Measured
//! on a 4 KiB file (`wrk -t2 -c64`, keep-alive, 2 cores): seven system
//! calls a request became three.
//!
//! A change must always be seen. Every write to a file moves its
//! status-change time (`ctime`), which no program can set back; but the
//! clock it is read from ticks in steps of a few milliseconds, so two
//! writes of the same size within one tick leave the same stamp. A file is
//! therefore kept only once its last change is [`SETTLE`] old: any later
//! change happens in a later tick, and moves the stamp. (The entity tag
//! of [`super::conditional`] has the same weakness and the same cure.)
//!
//! What this costs is memory, bounded: files up to [`MAX_CACHED_FILE_LEN`]
//! bytes, at most [`MAX_CACHE_BYTES`] in all and [`MAX_CACHED_FILES`]
//! files. When one more would go past either bound, everything kept is
//! dropped and the cache fills again from what is asked for next: simple,
//! and bounded, if not clever.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

/// The largest file kept: one that goes out in a single write with its
/// head ([`super::server::FILE_BUFFER_LEN`]). A larger file spends its
/// time in `send`, not in `open`, and is streamed from disk as before.
pub const MAX_CACHED_FILE_LEN: u64 = 64 * 1024;

/// The most bytes kept for all files together: 8 MiB, a few thousand
/// small files, little next to what thousands of connections cost
/// (chapter 12).
pub const MAX_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// The most files kept, however small (an empty file costs its path and
/// its stamp).
pub const MAX_CACHED_FILES: usize = 4096;

/// How long ago a file's last change must be before its bytes are kept:
/// far more than a tick of the file system's clock.
pub const SETTLE: Duration = Duration::from_secs(1);

/// What tells whether a file has changed since it was read: `lstat` and
/// `fstat` of the same unchanged file give the same stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    /// Modification time, seconds and nanoseconds.
    modified: (i64, i64),
    /// Status-change time, seconds and nanoseconds.
    changed: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    fn of(metadata: &Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            len: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }

    /// Without a status-change time, a change cannot be told for sure:
    /// nothing is kept.
    #[cfg(not(unix))]
    fn of(_metadata: &Metadata) -> Option<Stamp> {
        None
    }

    /// Whether the last change is at least [`SETTLE`] before `now` (a
    /// change "in the future", from a clock set back, is not settled).
    fn is_settled(&self, now: SystemTime) -> bool {
        let (secs, nanos) = self.changed;
        let (Ok(secs), Ok(nanos)) = (u64::try_from(secs), u32::try_from(nanos)) else {
            return false; // before 1970, or nonsense: do not trust it
        };
        if nanos > 999_999_999 {
            return false;
        }
        let Some(changed) = SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos)) else {
            return false; // past what a SystemTime holds
        };
        now.duration_since(changed).is_ok_and(|age| age >= SETTLE)
    }
}

/// One kept file.
struct Entry {
    stamp: Stamp,
    bytes: Arc<[u8]>,
}

/// The bytes of small files, shared by every connection of a server.
#[derive(Default)]
pub struct FileCache {
    files: RwLock<Files>,
}

#[derive(Default)]
struct Files {
    by_path: HashMap<PathBuf, Entry>,
    /// The bytes of every entry, added up.
    total: usize,
}

impl FileCache {
    /// An empty cache.
    pub fn new() -> FileCache {
        FileCache::default()
    }

    /// The bytes kept for `path`, if `metadata` (its `lstat`, just made)
    /// says it has not changed since.
    pub fn get(&self, path: &Path, metadata: &Metadata) -> Option<Arc<[u8]>> {
        let stamp = Stamp::of(metadata)?;
        let files = self.files.read().unwrap_or_else(PoisonError::into_inner);
        let entry = files.by_path.get(path)?;
        (entry.stamp == stamp).then(|| Arc::clone(&entry.bytes))
    }

    /// Reads the whole of `file` (open at its start, `metadata` its
    /// `fstat`) and keeps it for `path`, if it is small and settled and
    /// did not change while it was read. `Ok(None)`: not kept, and
    /// nothing was read.
    pub fn load(
        &self,
        path: &Path,
        file: &mut File,
        metadata: &Metadata,
        now: SystemTime,
    ) -> io::Result<Option<Arc<[u8]>>> {
        let Some(stamp) = Stamp::of(metadata) else {
            return Ok(None);
        };
        if !metadata.is_file() || stamp.len > MAX_CACHED_FILE_LEN || !stamp.is_settled(now) {
            return Ok(None);
        }
        // At most 64 KiB (checked above): the cast cannot truncate.
        let mut bytes = vec![0; stamp.len as usize];
        file.read_exact(&mut bytes)?;
        // A write during the read would leave bytes of neither version
        // under the old stamp: check that it is still the same.
        if Stamp::of(&file.metadata()?) != Some(stamp) {
            return Ok(None);
        }
        let bytes: Arc<[u8]> = bytes.into();
        self.keep(
            path,
            Entry {
                stamp,
                bytes: Arc::clone(&bytes),
            },
        );
        Ok(Some(bytes))
    }

    fn keep(&self, path: &Path, entry: Entry) {
        let mut files = self.files.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = files.by_path.remove(path) {
            files.total -= old.bytes.len();
        }
        let len = entry.bytes.len();
        if files.total + len > MAX_CACHE_BYTES || files.by_path.len() >= MAX_CACHED_FILES {
            files.by_path.clear();
            files.total = 0;
        }
        files.total += len;
        files.by_path.insert(path.to_path_buf(), entry);
    }
}

impl std::fmt::Debug for FileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = self.files.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("FileCache")
            .field("files", &files.by_path.len())
            .field("bytes", &files.total)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed_at(secs: i64, nanos: i64) -> Stamp {
        Stamp {
            device: 1,
            inode: 2,
            len: 3,
            modified: (secs, nanos),
            changed: (secs, nanos),
        }
    }

    #[test]
    fn only_a_file_unchanged_for_a_second_is_settled() {
        let now = SystemTime::UNIX_EPOCH + Duration::new(1_000, 500_000_000);
        let table = [
            (changed_at(1_000, 500_000_000), false), // changed just now
            (changed_at(999, 600_000_000), false),   // 0.9 s ago
            (changed_at(999, 500_000_000), true),    // exactly a second
            (changed_at(10, 0), true),
            (changed_at(1_001, 0), false), // in the future: a clock set back
            (changed_at(-5, 0), false),    // before 1970
            (changed_at(999, -1), false),  // nonsense nanoseconds
            (changed_at(i64::MAX, 0), false), // past what SystemTime holds
        ];
        for (stamp, settled) in table {
            assert_eq!(stamp.is_settled(now), settled, "{:?}", stamp.changed);
        }
    }
}

//! Keeping the notes in a file, so that they survive a restart, a crash
//! and a `kill -9`.
//!
//! Writing a file in place is not safe: a crash halfway through leaves
//! half the old contents and half the new, or an empty file (opening it for
//! writing truncated it). The classic way out uses two facts about POSIX
//! file systems: `rename` of a file over another in the same directory is
//! *atomic* (any reader, and the disk after a crash, sees the old file or
//! the new, never a mixture), and `fsync` waits until data has reached the
//! disk. So [`save`]:
//!
//! ```text
//!  1. write notes.json.tmp        crash here: notes.json is the old version,
//!                                 the temporary file is garbage, ignored
//!  2. fsync notes.json.tmp        crash here: the same
//!  3. rename .tmp -> notes.json   atomic: before it the old version, after it the new
//!  4. fsync the directory         the rename itself is now on disk
//!  5. (only now) answer 2xx       so every change a client saw acknowledged is on disk
//! ```
//!
//! Without step 2, the rename can reach the disk before the data does, and
//! a power cut leaves a `notes.json` of the right name and no contents
//! (this really happened to ext4 users in 2009). Without step 4, the
//! rename may not be on disk yet when we answer. A `kill -9` alone (the
//! process dies, the machine does not) cannot lose what `write` handed to
//! the kernel; the fsyncs are for crashes of the whole machine.
//!
//! The temporary file has a fixed name, next to the real one: a leftover
//! from a crash is overwritten by the next save and never read by [`load`].
//! One server per file: two processes saving the same file would write the
//! same temporary file at once.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest file [`load`] reads. The collection's own limits
/// ([`super::store::MAX_NOTES`] notes of [`super::store::MAX_TEXT_LEN`]
/// bytes) keep a file this server wrote under about 11 MB; anything much
/// larger was not written by it, and is refused before it fills memory.
pub const MAX_FILE_LEN: u64 = 64 * 1024 * 1024;

/// The temporary file a save writes first: `notes.json` → `.notes.json.tmp`,
/// in the same directory (a rename is only atomic within one file system,
/// and the same directory is sure to be on the same one). The leading dot
/// hides it from `ls`.
pub fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(".tmp");
    Ok(path.with_file_name(temp_name))
}

// ANCHOR: save
/// Replaces the file at `path` with `contents`, so that after a crash at
/// any moment the file holds either its old contents or the new, whole.
/// When this returns `Ok`, the new contents are on disk.
pub fn save(path: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = temp_path(path)?;
    // 1-2: write the new version beside the old one, and wait until it is
    // on disk. `create` truncates a leftover from an earlier crash.
    let mut file = File::create(&temp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    // 3: swap it in. Readers see the old file or the new one, never a mix.
    fs::rename(&temp, path)?;
    // 4: the rename is a change to the directory: make that durable too.
    sync_directory(path)
}
// ANCHOR_END: save

/// Flushes the directory that holds `path`, so that a rename into it is
/// on disk. On Unix a directory can be opened and synced like a file;
/// Windows has no such call (and makes renames durable its own way).
fn sync_directory(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads the file at `path`: `Ok(None)` if there is none (a first start).
/// A file larger than [`MAX_FILE_LEN`] is an error of kind `InvalidData`.
pub fn load(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut contents = Vec::new();
    // One byte more than allowed, to tell "exactly the limit" from "more".
    file.take(MAX_FILE_LEN + 1).read_to_end(&mut contents)?;
    if contents.len() as u64 > MAX_FILE_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_FILE_LEN} bytes"),
        ));
    }
    Ok(Some(contents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_file_sits_beside_the_real_one() {
        assert_eq!(
            temp_path(Path::new("data/notes.json")).unwrap(),
            Path::new("data/.notes.json.tmp")
        );
        assert_eq!(
            temp_path(Path::new("notes.json")).unwrap(),
            Path::new(".notes.json.tmp")
        );
        assert!(temp_path(Path::new("/")).is_err());
    }
}

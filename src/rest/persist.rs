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
//! A failure in steps 1 to 3 leaves `notes.json` as it was: the change is
//! simply not made ([`SaveError::NotWritten`]). A failure in step 4 is
//! different: the rename has happened, `notes.json` already holds the new
//! version, and any reader (the server after a restart, too) sees it; only
//! its survival of a power cut is unconfirmed ([`SaveError::NotDurable`]).
//! The caller must not pretend that such a change was not made.
//!
//! The steps themselves are [`AtomicFile`]'s, shared with the servers
//! that store files (FTP uploads, mail). Here the temporary file has a
//! fixed name, next to the real one: a leftover from a crash is
//! overwritten by the next save and never read by [`load`]. One server per
//! file: two processes saving the same file would write the same
//! temporary file at once. (Where many writers share a directory,
//! [`AtomicFile::create_in`] gives each file a name of its own.)

use crate::atomic_file::{AtomicFile, CommitError};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest file [`load`] reads: 4 MiB. The collection's own limit
/// ([`super::store::MAX_COLLECTION_JSON`], 1 MiB of compact JSON) keeps a
/// file this server wrote to about 2 MiB: the file is indented for people
/// to read, which adds 34 bytes to each note, and the smallest note takes
/// 33 bytes of the limit, so at worst the indentation doubles the size. A
/// much larger file was not written by this server, and is refused before
/// it fills memory.
pub const MAX_FILE_LEN: u64 = 4 * super::store::MAX_COLLECTION_JSON as u64;

/// Why [`save`] failed, and so what the file holds now: the shared
/// [`CommitError`] of [`crate::atomic_file`]. `NotWritten` (steps 1-3): the
/// file holds its old contents, and the change was not made. `NotDurable`
/// (step 4): the file holds the new contents, which every reader sees, but
/// the disk did not confirm that they would survive a power cut.
pub type SaveError = CommitError;

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
/// When this returns `Ok`, the new contents are on disk; the error says
/// which of the two the file holds.
pub fn save(path: &Path, contents: &[u8]) -> Result<(), SaveError> {
    // 1: write the new version beside the old one. `create_at` empties a
    // leftover from an earlier crash.
    let temp = temp_path(path).map_err(SaveError::NotWritten)?;
    let mut file = AtomicFile::create_at(&temp).map_err(SaveError::NotWritten)?;
    file.write_all(contents).map_err(SaveError::NotWritten)?;
    // 2-4: fsync it, rename it over `path`, fsync the directory. Until the
    // rename succeeds, the file at `path` is untouched.
    file.commit(path)
}
// ANCHOR_END: save

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
    use std::fs;

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

    #[test]
    fn a_save_that_cannot_write_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.json");
        save(&path, b"old").unwrap();
        // A directory where the temporary file should go: creating it fails.
        fs::create_dir(temp_path(&path).unwrap()).unwrap();
        let error = save(&path, b"new").unwrap_err();
        assert!(matches!(error, SaveError::NotWritten(_)), "{error}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }
}

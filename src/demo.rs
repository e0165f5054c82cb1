//! What every chapter's demo shares: its result type, one check, and a
//! directory for its files.
//!
//! A demo is a function `demo(&Transcript) -> DemoResult` in the file
//! `demo.rs` of the module it shows (`src/tcp/demo.rs`), re-exported by
//! that module (`tcp::demo`); the [`tour`](crate::tour) lists them. This
//! module depends on nothing else in the crate, so a demo can use it while
//! the tour uses the demo.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// What a demo returns: nothing, or the reason it failed.
pub type DemoResult = Result<(), Box<dyn Error + Send + Sync>>;

/// Fails the demo unless `holds`: the lesson told the reader that `what`
/// happens, so a demo that sees otherwise must not print as if it did.
pub fn expect(holds: bool, what: &str) -> DemoResult {
    if holds {
        Ok(())
    } else {
        Err(format!("not as the lesson says: {what}").into())
    }
}

/// A fresh directory for a demo's files, removed with all it holds when
/// dropped. (The tests use the `tempfile` crate; the library itself uses
/// nothing but std.)
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Makes `netlessons-LABEL-...` in the system's temporary directory.
    /// The process id, the time and a counter make the name new: the
    /// directory is created, never reused, so two demos (or two tours at
    /// once) never share one.
    pub fn new(label: &str) -> std::io::Result<TempDir> {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let count = MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!("netlessons-{label}-{}-{nanos}-{count}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_directory_is_new_and_goes_when_dropped() {
        let first = TempDir::new("test").unwrap();
        let second = TempDir::new("test").unwrap();
        assert_ne!(first.path(), second.path());
        std::fs::write(first.path().join("a.txt"), "a").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists());
        assert!(second.path().is_dir());
    }

    #[test]
    fn a_claim_that_does_not_hold_fails_the_demo_with_its_words() {
        assert!(expect(true, "the port is 8080").is_ok());
        let error = expect(false, "the port is 8080").unwrap_err();
        assert_eq!(
            error.to_string(),
            "not as the lesson says: the port is 8080"
        );
    }
}

//! What every chapter's demo shares: its result type and one check.
//!
//! A demo is a function `demo(&Transcript) -> DemoResult` in the file
//! `demo.rs` of the module it shows (`src/tcp/demo.rs`), re-exported by
//! that module (`tcp::demo`); the [`tour`](crate::tour) lists them. This
//! module depends on nothing else in the crate, so a demo can use it while
//! the tour uses the demo.

use std::error::Error;

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

#[cfg(test)]
mod tests {
    use super::*;

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

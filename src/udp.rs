//! Placeholder: this chapter is being written.

use crate::tour::DemoResult;
use crate::transcript::Transcript;

/// The chapter's demo.
pub fn demo(_transcript: &Transcript) -> DemoResult {
    Err("this chapter's demo is not written yet".into())
}

//! Placeholder.
use crate::tour::DemoResult;
use crate::transcript::Transcript;
/// The chapter's demo.
pub fn demo(_transcript: &Transcript) -> DemoResult {
    Err("not yet".into())
}

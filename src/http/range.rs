//! Byte ranges: "send me bytes 1000 to the end" (RFC 9110 §14).
//!
//! A client that already has part of a file (an interrupted download,
//! `curl -C -`) asks for the rest:
//!
//! ```text
//! C: GET /big.iso HTTP/1.1
//! C: Range: bytes=1000-
//!
//! S: HTTP/1.1 206 Partial Content
//! S: Content-Range: bytes 1000-4999/5000
//! S: Content-Length: 4000
//! ```
//!
//! ```text
//! ranges-specifier = range-unit "=" range-set          (RFC 9110 §14.1.1)
//! int-range        = first-pos "-" [ last-pos ]        ; bytes=0-499, bytes=500-
//! suffix-range     = "-" suffix-length                 ; bytes=-500 (the last 500)
//! ```
//!
//! This server serves one range. A request for several (`bytes=0-1,5-6`)
//! gets the whole file with 200, which the RFC allows (§14.2: a server MAY
//! ignore the Range header).
//!
//! This file holds the answer's type, [`RangeAnswer`]. The decision,
//! [`answer_range`], is chapter 06's exercise, and lives apart in
//! `range/answer.rs`, so that looking the type up does not show it.

mod answer;

pub use answer::answer_range;

// ANCHOR: range_answer
/// What to send in answer to a `Range` header, for a file of a given length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// Send the whole file, 200 (no Range, or one we choose to ignore).
    Whole,
    /// Send bytes `start..=end`, 206.
    Partial {
        /// The first byte.
        start: u64,
        /// The last byte, included.
        end: u64,
    },
    /// No byte of the file is in the range: 416.
    Unsatisfiable,
}
// ANCHOR_END: range_answer

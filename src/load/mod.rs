//! Chapter 12: measuring a server honestly.
//!
//! A load generator opens connections to a server, sends requests as fast
//! as the answers come back (or at a fixed rate), and times each one. What
//! it reports is a count per second and a latency [`histogram`]: the
//! median, the tail (p99, p99.9) and the worst.

pub mod drivers;
pub mod histogram;
pub mod report;
pub mod run;
pub mod schedule;
pub mod svg;

mod demo;
pub use demo::demo;

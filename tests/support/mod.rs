//! Helpers shared by the integration tests and the exercises.
//!
//! Each test target includes this folder as a module of its own, and none
//! of them uses every helper.
#![allow(dead_code)]

pub mod chaos;
pub mod markdown;
pub mod prng;

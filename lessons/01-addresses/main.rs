//! Placeholder example for chapter 01.
fn main() {}

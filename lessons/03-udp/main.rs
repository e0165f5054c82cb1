//! Placeholder example for chapter 03.
fn main() {}

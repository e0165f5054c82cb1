//! Placeholder example for chapter 02.
fn main() {}

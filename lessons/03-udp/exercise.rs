//! Placeholder exercise for chapter 03.

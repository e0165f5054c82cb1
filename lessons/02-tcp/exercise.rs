//! Placeholder exercise for chapter 02.

//! Placeholder exercise for chapter 01.

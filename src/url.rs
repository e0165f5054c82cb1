//! Placeholder: the URL parser of chapter 01.

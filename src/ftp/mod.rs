//! FTP (RFC 959).

pub mod ascii;
pub mod listing;

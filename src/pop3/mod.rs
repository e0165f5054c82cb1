//! POP3, the Post Office Protocol (RFC 1939): how a mail client fetches
//! the messages waiting in a mailbox, and deletes them once it has them.
//!
//! ```text
//!   client                                         server
//!     |<--- +OK netlessons POP3 server ready ---------|
//!     |---- USER alice ------------------------------>|
//!     |<--- +OK send your password -------------------|
//!     |---- PASS secret ----------------------------->|  locks the maildrop
//!     |<--- +OK maildrop has 2 messages (320 octets) -|
//!     |---- RETR 1 ---------------------------------->|
//!     |<--- +OK 120 octets ---------------------------|
//!     |<--- the message, byte-stuffed, then "." ------|
//!     |---- DELE 1 ---------------------------------->|  marked, not removed
//!     |<--- +OK message 1 deleted --------------------|
//!     |---- QUIT ------------------------------------>|  UPDATE: removed now
//!     |<--- +OK goodbye (1 messages left) ------------|
//! ```
//!
//! Every answer starts with `+OK` or `-ERR`; the answers to `LIST`,
//! `UIDL`, `CAPA`, `RETR` and `TOP` go on over several lines and end with
//! a line holding a single `.`, lines that start with `.` getting a second
//! one (byte-stuffing, RFC 1939 §3, as SMTP's DATA does it:
//! [`crate::wire::dot`]).
//!
//! # What is here
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`command`] | a command line to a [`Command`](command::Command) and back |
//! | [`message`] | a stored message's size on the wire (bare LF sent as CR LF), and the part `TOP` sends |
//! | [`response`] | the server's answers as a client reads them: `+OK`/`-ERR`, response codes, listing lines |
//! | [`session`] | the server's side of a connection: the three states of RFC 1939, its I/O asked for as actions |
//!
//! # The I/O parts
//!
//! [`server`] holds [`Pop3Handler`](server::Pop3Handler), which serves the
//! Maildirs under one directory with the session above; [`client`] holds
//! [`Pop3Client`](client::Pop3Client). Both over blocking sockets.
//!
//! # Further reading
//!
//! - RFC 1939, *Post Office Protocol - Version 3*: the states (§3), the
//!   commands of each (§4–§6), the optional ones (§7: TOP, UIDL, USER/PASS).
//! - RFC 2449, *POP3 Extension Mechanism*: CAPA (§5), the response codes
//!   `[IN-USE]` and `[LOGIN-DELAY]` (§8), the longer command lines (§4).
//! - RFC 3206, *The SYS and AUTH POP Response Codes*.

pub mod client;
pub mod command;
mod demo;
pub mod message;
pub mod response;
pub mod server;
pub mod session;
pub use demo::demo;

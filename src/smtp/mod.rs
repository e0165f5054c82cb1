//! SMTP, the Simple Mail Transfer Protocol (RFC 5321): the pure core that
//! its client and its server (chapter 10) share.
//!
//! # One conversation
//!
//! A client connects to port 25 (or 587), and the two exchange commands
//! and numbered replies, one line each, until the message itself, which
//! travels after `DATA` as lines ended by a line of a single dot
//! ([`crate::wire::dot`]):
//!
//! ```text
//!   client                                                   server
//!     |<--- 220 mail.example.test ESMTP -------------------------|
//!     |---- EHLO client.example.org ---------------------------->|
//!     |<--- 250-mail.example.test greets client.example.org -----|
//!     |<--- 250-SIZE 33554432 / 250-8BITMIME / 250 PIPELINING ---|
//!     |---- MAIL FROM:<alice@example.org> SIZE=312 ------------->|  the envelope:
//!     |<--- 250 2.1.0 Sender OK ---------------------------------|  who sends,
//!     |---- RCPT TO:<bob@example.test> ------------------------->|  who receives
//!     |<--- 250 2.1.5 Recipient OK ------------------------------|
//!     |---- DATA ----------------------------------------------->|
//!     |<--- 354 End data with <CR><LF>.<CR><LF> -----------------|
//!     |---- Subject: hi / (blank) / ..dot-stuffed / . ---------->|  the message
//!     |<--- 250 2.6.0 Message accepted --------------------------|  stored for good
//!     |---- QUIT ----------------------------------------------->|
//!     |<--- 221 2.0.0 Bye ---------------------------------------|
//! ```
//!
//! # What is here
//!
//! The parts that need no socket, no thread and no file, tested with
//! strings:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`command`] | a command line to a [`Command`](command::Command) and back; `SIZE=` and `BODY=`; the errors, each with its reply code and enhanced status code |
//! | [`address`] | the paths of MAIL and RCPT: mailboxes, quoted local parts, address literals, source routes, `<>` and `<Postmaster>` |
//! | [`reply`] | the reply codes and when each is sent, enhanced status codes (RFC 3463), one-line and multi-line replies such as EHLO's |
//! | [`message`] | the message a client sends: the header block it builds when the text has none (RFC 5322), its Date and Message-ID |
//! | [`session`] | the server's side of a connection: its states as RFC 5321 §4.1.4 orders the commands, who mail is taken for, the limits |
//! | [`trace`] | what the server adds to a message it stores (`Return-Path`, `Received`) |
//!
//! Messages are stored in a [`Maildir`](crate::maildir::Maildir), with
//! Unix line ends ([`UnixLines`](crate::maildir::UnixLines)).
//!
//! # The I/O parts
//!
//! [`client`] sends a message to several recipients and says what became
//! of each (EHLO and HELO, SIZE, 8BITMIME, PIPELINING). [`server`] holds
//! [`SmtpHandler`](server::SmtpHandler), which runs the session over a
//! socket, reads each message as it arrives and stores one copy per
//! recipient, answering `250` only once every copy is durable.
//!
//! # Not here
//!
//! TLS (STARTTLS, RFC 3207) needs cryptography that `std` does not have
//! (chapter 13); SMTPUTF8 (RFC 6531), CHUNKING and BINARYMIME (RFC 3030)
//! and DSN (RFC 3461) are not offered, and their commands and parameters
//! are refused with the codes RFC 5321 gives for that.

pub mod address;
pub mod client;
pub mod command;
pub(crate) mod demo;
pub mod message;
pub mod reply;
pub mod server;
pub mod session;
pub mod trace;
pub use demo::demo;

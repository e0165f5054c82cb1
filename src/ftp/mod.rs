//! FTP, the File Transfer Protocol (RFC 959): the pure core that its
//! client (chapter 08) and its server (chapter 09) share.
//!
//! # Two connections
//!
//! FTP keeps commands and data apart. The *control connection*, to port
//! 21, carries commands and numbered replies as lines of text, like SMTP.
//! The bytes of a file, or of a directory listing, travel on a *data
//! connection* of their own, opened for each transfer and closed at its end:
//! in stream mode, the end of the file *is* the close.
//!
//! Who opens the data connection is the one choice to make. In **passive
//! mode** (`PASV`, or `EPSV` of RFC 2428) the server listens on a new port,
//! tells the client which, and the client connects, so both connections go
//! from the client to the server, which firewalls and NAT let through:
//!
//! ```text
//!   client                                                   server
//!     |---- control: connect to port 21 ------------------------>|
//!     |<--- 220 Service ready -----------------------------------|
//!     |---- EPSV ----------------------------------------------->|  listens on
//!     |<--- 229 Entering Extended Passive Mode (|||50060|) ------|  port 50060
//!     |==== data: connect to port 50060 ========================>|
//!     |---- RETR notes.txt ------------------------------------->|
//!     |<--- 150 Opening data connection -------------------------|
//!     |<=== the bytes of notes.txt ==============================|
//!     |<=== close: the end of the file ==========================|
//!     |<--- 226 Transfer complete -------------------------------|
//! ```
//!
//! In **active mode** (`PORT`, or `EPRT`) the client listens and the server
//! connects to it, which is the original design of RFC 959, and the reason
//! for [`address::check_port_target`]: the server must not connect where
//! the client has no business sending it (the bounce attack, RFC 2577):
//!
//! ```text
//!   client                                                   server
//!     |  (listens on port 50060)                                 |
//!     |---- PORT 127,0,0,1,195,140 ----------------------------->|  195*256+140
//!     |<--- 200 PORT command successful -------------------------|  = 50060
//!     |---- RETR notes.txt ------------------------------------->|
//!     |<--- 150 Opening data connection -------------------------|
//!     |<=== data: the server connects to port 50060 =============|
//!     |<=== the bytes of notes.txt, then close ==================|
//!     |<--- 226 Transfer complete -------------------------------|
//! ```
//!
//! (`---` is the control connection, `===` the data connection.)
//!
//! # What is here
//!
//! The parts that need no socket, no thread and no file, tested with
//! strings:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`command`] | a command line to a [`Command`](command::Command) and back; the errors, each with its reply code |
//! | [`address`] | the addresses of `PORT`, `PASV`, `EPRT` and `EPSV`, and the rule against the bounce attack |
//! | [`reply`] | the reply codes a server sends, one-line and multi-line replies, paths quoted for 257 |
//! | [`time`] | the times of `MDTM` and `MLSD`: `YYYYMMDDHHMMSS`, in UTC |
//! | [`listing`] | directory entries as `LIST` (`ls -l`), `NLST` and `MLSD` lines, written and read |
//! | [`pattern`] | `*` and `?` in a listing's argument, as `mget *.txt` sends them |
//! | [`ascii`] | `TYPE A`: line ends converted to CR LF and back, however the bytes are cut |
//! | [`session`] | the server's control connection: logins, order rules and replies, its I/O asked for as actions |
//! | [`server`] | the server's I/O part: sockets, files and the path jail around [`session`] |
//!
//! And the client's I/O part (chapter 08), over blocking sockets:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`client`] | [`FtpClient`](client::FtpClient): log in, the file commands, transfers through a fixed buffer |
//! | [`data`] | data connections: connect to a passive server's port, accept an active one with a timeout |
//! | `client_demo.rs` | the chapter's demo, run by the tour: [`client_demo`] |
//!
//! Chapter 09's demo, [`server_demo()`], runs the server and talks to it
//! with a client of a few lines over a plain `TcpStream`.
//!
//! In a few lines, one exchange from both ends:
//!
//! ```
//! use netlessons::ftp::address::{format_epsv_reply, parse_epsv_reply};
//! use netlessons::ftp::command::{parse_command, Command, EpsvRequest};
//! use netlessons::ftp::reply::{one_line, ENTERING_EXTENDED_PASSIVE_MODE};
//!
//! // The server: a line in, a command out, a reply back.
//! let command = parse_command(b"epsv").unwrap();
//! assert_eq!(command, Command::Epsv(EpsvRequest::Any));
//! let reply = one_line(ENTERING_EXTENDED_PASSIVE_MODE, &format_epsv_reply(50060));
//! assert_eq!(reply, "229 Entering Extended Passive Mode (|||50060|)");
//!
//! // The client: the text of the reply, after its code, holds the port.
//! let text = "Entering Extended Passive Mode (|||50060|)";
//! assert_eq!(parse_epsv_reply(text), Ok(50060));
//!
//! // A line that is no command the server can carry out knows its reply.
//! let error = parse_command(b"TYPE E").unwrap_err();
//! let reply = one_line(error.reply_code(), &error.to_string());
//! assert_eq!(reply, "504 TYPE supports only A, A N, I and L 8");
//! ```
//!
//! The client reads replies with the crate's one reply parser,
//! [`crate::wire::reply`], in its lenient style; the server writes them
//! with [`reply`], and the two are tested against each other.
//!
//! # What is not
//!
//! TLS (`AUTH TLS`, RFC 4217: see chapter 13), block and compressed modes,
//! record structure, EBCDIC, and the 110 restart markers of block mode.
//! `SITE`, `ALLO`, `REIN`, `SMNT` and `AUTH` parse as known but not
//! implemented, for a 502.
//!
//! # Further reading
//!
//! - RFC 959, *File Transfer Protocol*: the model (§2.3), the commands
//!   (§4.1), the replies (§4.2), the syntax (§5.3).
//! - RFC 1123 §4.1, the corrections of practice: the commands every server
//!   must have (§4.1.2.13), the PASV reply to scan (§4.1.2.6).
//! - RFC 2428, *FTP Extensions for IPv6 and NATs*: EPRT and EPSV.
//! - RFC 2389, *Feature negotiation*: FEAT and OPTS.
//! - RFC 3659, *Extensions to FTP*: SIZE, MDTM, REST STREAM, MLST and MLSD.
//! - RFC 2640, *Internationalization of FTP*: UTF-8 path names.
//! - RFC 2577, *FTP Security Considerations*: the bounce attack (§3).

pub mod address;
pub mod ascii;
pub mod client;
mod client_demo;
pub mod command;
pub mod data;
pub mod listing;
pub mod pattern;
pub mod reply;
pub mod server;
mod server_demo;
pub mod session;
pub mod time;

pub use client_demo::demo as client_demo;
pub use server_demo::demo as server_demo;

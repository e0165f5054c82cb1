//! Chapter 02: TCP, a reliable stream of bytes between two programs.
//!
//! TCP (RFC 9293) gives two programs a pair of byte streams, one each way,
//! that arrive complete and in order or not at all. What it does not give
//! is messages: the receiver sees a stream, cut wherever the network
//! likes. This chapter builds an echo server and client, and with them the
//! habits every later protocol needs:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`framing`] | length-prefixed messages: the parser and the decoder (pure), two readers, the writer |
//! | [`first`] | the simplest thread-per-connection server, and what it lacks |
//! | [`echo`] | the echo server's handler, in three framings |
//! | [`client`] | [`connect`] with timeouts, and the echo client |
//! | [`unix`] | the same echo over a Unix domain socket |
//! | [`mistakes`] | three classic bugs, for the tests that show them failing |
//! | `demo.rs` | the chapter's demo, run by the tour |
//!
//! The connection's life, as a sequence diagram:
//!
//! ```text
//!  client                                        server
//!    |  SYN                                        |  listen(), accept() blocks
//!    |-------------------------------------------->|
//!    |                                    SYN-ACK  |
//!    |<--------------------------------------------|
//!    |  ACK              (connect() returns)       |  (accept() returns)
//!    |-------------------------------------------->|
//!    |  "hello\n"                                  |
//!    |-------------------------------------------->|  read() -> "hello\n"
//!    |                                  "hello\n"  |
//!    |<--------------------------------------------|  write_all()
//!    |  FIN              shutdown(Write)           |
//!    |-------------------------------------------->|  read() -> 0: end-of-file
//!    |                                        FIN  |
//!    |<--------------------------------------------|  shutdown(Write) / close
//!    |  read() -> 0                                |
//! ```

pub mod client;
mod demo;
pub mod echo;
pub mod first;
pub mod framing;
pub mod load;
pub mod mistakes;
#[cfg(unix)]
pub mod unix;

pub use client::{connect, EchoClient};
pub use demo::demo;
pub use echo::{EchoHandler, Framing};

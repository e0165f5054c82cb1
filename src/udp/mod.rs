//! UDP: datagrams, an echo server that can lose them, and a pinger.
//!
//! TCP gives a program a *stream*: a pipe of bytes, in order, with nothing
//! lost, and no trace of how the sender cut them into writes. UDP (RFC 768)
//! gives it *datagrams*: separate messages of up to 64 KiB, each sent with
//! one call and received with one call, whole. Nothing more:
//!
//! - no connection: a socket can send to anyone and receive from anyone,
//!   and every datagram received comes labelled with its sender's address;
//! - no promise of delivery: a datagram may be lost, and nobody is told;
//! - no promise of order, or of uniqueness: datagrams may arrive reordered,
//!   or twice;
//! - boundaries are kept: two sends are two datagrams, never merged and
//!   never split, which TCP does not promise at all.
//!
//! Whatever reliability a UDP program needs, it builds itself: sequence
//! numbers to match replies to requests, timeouts to give up on lost ones.
//! DNS (chapter 04) does exactly that, and so does the pinger here.
//!
//! | file | part | what it holds |
//! | --- | --- | --- |
//! | [`ping`](mod@ping) | pure | the ping datagram, matching replies, the statistics |
//! | [`loss`] | pure | a seeded generator that decides which datagrams to drop |
//! | [`server`] | I/O | the echo server |
//! | [`pinger`] | I/O | the pinger |
//! | `demo.rs` | I/O | the chapter's demo, run by the tour |

mod demo;
pub mod loss;
pub mod ping;
pub mod pinger;
pub mod server;

pub use demo::demo;
pub use loss::LossSimulator;
pub use ping::{summarize, Ping, PingSession, PingStats, Reply, RttStats};
pub use pinger::{ping, ping_with, PingEvent, PingOptions, PingReport};
pub use server::{EchoConfig, EchoCounts, EchoServerHandle, UdpEchoServer};

// ANCHOR: sizes
/// The largest payload one UDP datagram can carry over IPv4.
///
/// The IPv4 header holds the packet's total length in 16 bits, so a packet
/// is at most 65 535 bytes; take away 20 for the IP header and 8 for the UDP
/// header and 65 507 are left. (Over IPv6 the length excludes the IP header,
/// so the limit is 65 527.) A bigger payload is refused by `send_to`.
///
/// A datagram that big does not fit in one Ethernet frame (1500 bytes): IP
/// cuts it into fragments, and if any one fragment is lost, the whole
/// datagram is. This is why protocols over UDP keep their datagrams small
/// (DNS: 512 bytes, or with its EDNS extension usually 1232, a size
/// chosen so that a reply fits in one packet on nearly any path).
pub const MAX_PAYLOAD_V4: usize = 65_507;

/// The size of every receive buffer in this module: 64 KiB, more than any
/// datagram can carry (see [`MAX_PAYLOAD_V4`]).
///
/// It must be that big because UDP does not split a datagram over several
/// reads the way TCP spreads a stream: one `recv_from` returns one whole
/// datagram, and if the buffer is too small, the rest of the datagram is
/// thrown away, without an error.
pub const RECV_BUFFER_LEN: usize = 65_536;
// ANCHOR_END: sizes

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
/// The largest payload one UDP datagram can carry over IPv4: the
/// protocol's limit.
///
/// The IPv4 header holds the packet's total length in 16 bits, so a packet
/// is at most 65 535 bytes; take away 20 for the IP header and 8 for the UDP
/// header and 65 507 are left. (Over IPv6 the length excludes the IP header,
/// so the limit is 65 527.) No system sends a bigger payload.
///
/// An operating system may set a lower limit of its own: macOS refuses
/// sends of more than 9 216 bytes by default (`sysctl net.inet.udp.maxdgram`),
/// with the same "message too long" error; Linux allows the protocol's
/// limit. See [`is_message_too_long`].
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
/// thrown away (on Unix without an error; Windows reports WSAEMSGSIZE).
pub const RECV_BUFFER_LEN: usize = 65_536;
// ANCHOR_END: sizes

/// Whether `error` is "message too long" (EMSGSIZE; WSAEMSGSIZE on
/// Windows): the datagram is bigger than the protocol or the operating
/// system allows. `std` has no `ErrorKind` for it, so the raw code is
/// compared, and it differs from one system to the next.
pub fn is_message_too_long(error: &std::io::Error) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const EMSGSIZE: Option<i32> = Some(90);
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    ))]
    const EMSGSIZE: Option<i32> = Some(40);
    #[cfg(windows)]
    const EMSGSIZE: Option<i32> = Some(10040);
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        windows
    )))]
    const EMSGSIZE: Option<i32> = None;
    EMSGSIZE.is_some() && error.raw_os_error() == EMSGSIZE
}

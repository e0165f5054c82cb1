//! A UDP echo server: every datagram goes back to whoever sent it.
//!
//! A TCP server listens, accepts, and gets one stream per client. A UDP
//! server does none of that: it binds one socket and reads datagrams from
//! it, each labelled with the address it came from. There is no connection
//! to accept and none to close; one socket and one thread serve every
//! client, because each datagram is a whole request by itself.
//!
//! ```text
//!   client A          server (one socket)          client B
//!      |  "hi" ---------->| recv_from -> ("hi", A)     |
//!      |<--------- "hi"   | send_to("hi", A)           |
//!      |                  | recv_from -> ("yo", B) <---| "yo"
//!      |                  | send_to("yo", B) --------->|
//! ```
//!
//! The server can also drop a share of the datagrams it receives, decided
//! by a seeded generator ([`LossSimulator`]), to show a pinger what a lossy
//! network looks like while staying reproducible.

use super::loss::LossSimulator;
use super::RECV_BUFFER_LEN;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long one `recv_from` waits before the loop looks at the stop flag
/// again. Shutdown normally wakes the loop at once with a datagram (see
/// [`EchoServerHandle::shutdown`]); this is the backstop for the rare case
/// where that datagram is lost, e.g. because the receive buffer is full.
/// A quarter of a second is short enough that nobody waits for it, and long
/// enough that an idle server costs nothing.
const STOP_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// How long one `send_to` may block. A UDP send waits only when the
/// socket's send buffer is full; if it stays full this long, that one echo
/// is given up (the network could have lost it anyway) and the loop goes on.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// How long to pause after an error that says nothing about any one peer
/// (out of memory, out of buffers), so that the loop does not spin.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// How the echo server treats the datagrams it receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EchoConfig {
    /// Drop this many datagrams in a hundred instead of echoing them (0: none).
    pub drop_percent: u8,
    /// The seed of the generator that picks which datagrams to drop: the
    /// same seed drops the same datagrams on every run.
    pub seed: u64,
}

/// What the server has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EchoCounts {
    /// Datagrams received from clients.
    pub received: u64,
    /// Datagrams sent back.
    pub echoed: u64,
    /// Datagrams dropped on purpose ([`EchoConfig::drop_percent`]).
    pub dropped: u64,
}

/// A bound UDP echo server that has not started serving yet.
///
/// Binding and serving are two steps so that a caller learns the address
/// (with the real port, if it asked for port 0) before any client sends:
/// bind first, then send, and no test ever sleeps while a server starts.
#[derive(Debug)]
pub struct UdpEchoServer {
    socket: UdpSocket,
    config: EchoConfig,
}

impl UdpEchoServer {
    /// Binds `addr` (`"127.0.0.1:0"` for any free port).
    pub fn bind(addr: impl ToSocketAddrs, config: EchoConfig) -> io::Result<UdpEchoServer> {
        let socket = UdpSocket::bind(addr)?;
        socket.set_read_timeout(Some(STOP_CHECK_INTERVAL))?;
        socket.set_write_timeout(Some(SEND_TIMEOUT))?;
        Ok(UdpEchoServer { socket, config })
    }

    /// The address the server is bound to, with the real port if 0 was asked.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Starts serving on a background thread and returns at once.
    pub fn spawn(self) -> io::Result<EchoServerHandle> {
        let addr = self.socket.local_addr()?;
        // The handle keeps a second handle on the same socket, to send the
        // wake-up datagram from it at shutdown.
        let waker = self.socket.try_clone()?;
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("udp echo {addr}"))
            .spawn(move || echo_loop(&self.socket, self.config, &thread_shared))?;
        Ok(EchoServerHandle {
            addr,
            waker,
            shared,
            thread: Some(thread),
        })
    }

    /// Serves on the calling thread until the process is killed (for the
    /// example's `serve` subcommand).
    pub fn run(self) {
        echo_loop(&self.socket, self.config, &Shared::default());
    }
}

/// A running echo server. Dropping it shuts the server down.
#[derive(Debug)]
pub struct EchoServerHandle {
    addr: SocketAddr,
    waker: UdpSocket,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl EchoServerHandle {
    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server has done so far.
    pub fn counts(&self) -> EchoCounts {
        self.shared.counts()
    }

    /// Stops the server and waits for its thread to end. Returns what it did.
    pub fn shutdown(mut self) -> EchoCounts {
        self.stop();
        self.shared.counts()
    }

    fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // `recv_from` blocks, and std has no way to interrupt it from
        // another thread. So we do what any client would: send the server a
        // datagram. It wakes, sees the flag, and returns. If this datagram
        // is lost, the read timeout wakes it a moment later instead.
        let _ = self.waker.send_to(&[], wake_address(self.addr));
        let _ = thread.join();
    }
}

impl Drop for EchoServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the serving thread and the handle share.
#[derive(Debug, Default)]
struct Shared {
    stopping: AtomicBool,
    received: AtomicU64,
    echoed: AtomicU64,
    dropped: AtomicU64,
}

impl Shared {
    fn counts(&self) -> EchoCounts {
        EchoCounts {
            received: self.received.load(Ordering::SeqCst),
            echoed: self.echoed.load(Ordering::SeqCst),
            dropped: self.dropped.load(Ordering::SeqCst),
        }
    }
}

// ANCHOR: echo_loop
/// Receives datagrams and sends each back to its sender, until stopped.
///
/// Nothing a client sends can end this loop: every datagram is handled on
/// its own, and every error either concerns one earlier peer or passes.
fn echo_loop(socket: &UdpSocket, config: EchoConfig, shared: &Shared) {
    // Big enough for the largest datagram there is, so nothing is ever cut
    // short (see RECV_BUFFER_LEN). Allocated once and reused: one datagram
    // is handled at a time.
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    let mut loss = LossSimulator::new(config.drop_percent, config.seed);
    while !shared.stopping.load(Ordering::SeqCst) {
        match socket.recv_from(&mut buf) {
            Ok((len, peer)) => {
                if shared.stopping.load(Ordering::SeqCst) {
                    break; // The wake-up datagram from `stop`, or a late one.
                }
                // `len` may be 0: an empty datagram is a real datagram, and
                // not the end of anything (on TCP, a read of 0 means the
                // peer closed; UDP has nothing to close).
                shared.received.fetch_add(1, Ordering::SeqCst);
                if loss.should_drop() {
                    shared.dropped.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                // The reply goes to `peer`, the address this very datagram
                // came from: with many clients on one socket, that is the
                // only thing that tells them apart. A failed send loses this
                // one echo, as the network might have, and nothing else.
                if socket.send_to(&buf[..len], peer).is_ok() {
                    shared.echoed.fetch_add(1, Ordering::SeqCst);
                }
            }
            // The read timeout: time to look at the stop flag.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            // An ICMP "port unreachable" for an echo we sent earlier, to a
            // client that had already closed its socket. Linux reports these
            // only on connected sockets, but Windows reports them here too
            // (as a connection reset). Either way it is about a peer that has
            // gone, and the next datagram is waiting.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                ) => {}
            // Anything else (out of memory, out of buffers) is about the
            // machine, not a peer: pause so as not to spin, then go on.
            Err(_) => thread::sleep(ERROR_PAUSE),
        }
    }
}
// ANCHOR_END: echo_loop

/// Where to send the wake-up datagram: a wildcard address such as 0.0.0.0
/// is not something one can send to, so use loopback instead.
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

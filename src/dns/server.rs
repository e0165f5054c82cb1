//! The authoritative server: one zone, answered over UDP and TCP on the
//! same port (RFC 1035 §4.2; RFC 7766 for TCP).
//!
//! The answers themselves come from the pure [`respond`]; this file only
//! moves bytes. The zone is read once, before the server starts, and
//! shared read-only by every thread through an [`Arc`]: nothing changes
//! it, so no thread ever waits for a lock to read it.
//!
//! # UDP: several threads, one socket
//!
//! ```text
//!   clients           one UDP socket, port P           threads
//!     query A ---------->| recv_from  <-------------- thread 1 (gets A)
//!     query B ---------->| recv_from  <-------------- thread 2 (gets B)
//!                        |            <-------------- thread 3 (waiting)
//!     <------ answer A --| send_to(A's address)  ---- thread 1
//! ```
//!
//! Every thread blocks in `recv_from` on its own handle
//! ([`UdpSocket::try_clone`]) of the same socket. The kernel hands each
//! datagram to exactly one of the waiting readers, whole, with its
//! sender's address; the answer goes back with `send_to` to that address,
//! and datagrams on one socket are sent whole too. So the threads share
//! nothing they could step on: no lock, no queue between them. Several
//! threads matter when an answer takes a while to make (a long CNAME
//! chain, a big zone) or a send blocks: the others go on reading.
//!
//! Bind a server to the address its clients ask, not to the wildcard
//! `0.0.0.0`, when the machine has several: an answer from a socket bound
//! to the wildcard leaves from whichever address the route to the client
//! picks, and a resolver that asked 127.0.0.2 ignores an answer from
//! 127.0.0.1, as it must (see [`super::resolver`]); dig says "reply from
//! unexpected source". BIND binds each of the machine's addresses for
//! this reason.
//!
//! # TCP: length-prefixed messages (RFC 1035 §4.2.2)
//!
//! A client asks over TCP when a UDP answer came back truncated (TC), or
//! when it wants to. Each message is sent after its length in two bytes,
//! since a stream has no message boundaries:
//!
//! ```text
//!   00 1d | 12 34 01 00 00 01 ...   a 29-byte query
//!   00 31 | 12 34 85 00 00 01 ...   its 49-byte answer
//! ```
//!
//! The connections run on the crate's accept loop ([`crate::serve`]). A
//! client may send several queries on one connection (RFC 7766 §6.2.1),
//! each answered in turn. A connection with no query for
//! [`DnsConfig::tcp`]'s read timeout is closed (§6.2.3: servers should
//! not keep idle connections long, they cost a thread each here); a
//! frame that does not arrive whole within [`DnsConfig::tcp_frame_timeout`]
//! of its first byte (a length of 65535 and then nothing, say) closes the
//! connection too. A frame too short for a DNS header, a length of zero
//! among them, has no ID to answer with: the connection is closed.

use super::answer::{respond, Ignored, Response, Transport};
use super::zone::Zone;
use crate::deadline::TimedStream;
use crate::serve::{self, Handler, Server, ServerHandle};
use crate::udp::RECV_BUFFER_LEN;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The most threads that read the UDP socket; by default there is one
/// per core up to this ([`DnsConfig::default`]). A query's answer is made
/// in microseconds, so one thread per core keeps up with the network, and
/// a second leaves one reading while another waits in a `send_to` whose
/// buffer is full. More threads than cores do not answer faster: while
/// one works, the others sleep in `recv_from`, and each datagram that
/// arrives wakes one of them, a context switch. Measured with dnsperf on
/// two cores (lessons/12-measuring/bench-dns.sh), four threads switched
/// 0.5 times a query and answered 100 000 queries a second; two threads
/// switched 0.28 times and answered 118 000.
pub const UDP_THREADS: usize = 4;

/// How long a TCP connection may wait for its next query: 10 seconds.
/// RFC 7766 §6.2.3 asks servers to close idle connections after "on the
/// order of seconds", since each holds resources (here a thread); a
/// resolver that fell back to TCP for one truncated answer sends its query
/// at once.
pub const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one TCP frame may take to arrive, from its first byte: a
/// query is at most a few hundred bytes, which any client sends in one
/// go; this only stops one that sends a length and then nothing, or a
/// byte at a time.
pub const TCP_FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// How many TCP connections are served at once. DNS over TCP is the
/// fallback, not the rule: a few hundred live connections are plenty for
/// one zone, and bound the threads a flood of connections can take.
pub const MAX_TCP_CONNECTIONS: usize = 256;

/// How long one UDP `recv_from` waits before its thread looks at the stop
/// flag again: the backstop for a lost wake-up datagram (see
/// [`DnsServerHandle::shutdown`]).
const STOP_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// How long a UDP `send_to` may block on a full send buffer before that
/// one answer is given up (the network could have lost it anyway).
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// How long to pause after an error that is about the machine, not a peer
/// (out of buffers), so that a thread does not spin.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// How many times [`DnsServer::bind`] tries another port when it was
/// asked for any free one (port 0) and the port the UDP socket got is
/// taken for TCP.
const BIND_ATTEMPTS: usize = 16;

/// How a DNS server treats its clients.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// How many threads read the UDP socket, at least one.
    pub udp_threads: usize,
    /// The TCP accept loop's settings: its `read_timeout` is how long a
    /// connection may wait between queries.
    pub tcp: serve::Config,
    /// How long one TCP frame may take, from its first byte.
    pub tcp_frame_timeout: Duration,
}

impl Default for DnsConfig {
    /// One UDP thread per core, at most [`UDP_THREADS`];
    /// [`MAX_TCP_CONNECTIONS`], [`TCP_IDLE_TIMEOUT`] to read and to
    /// write, [`TCP_FRAME_TIMEOUT`].
    fn default() -> DnsConfig {
        // A system that cannot say how many cores it has gets two
        // threads: one reading while the other sends.
        let cores = thread::available_parallelism().map_or(2, |n| n.get());
        DnsConfig {
            udp_threads: cores.min(UDP_THREADS),
            tcp: serve::Config {
                max_connections: MAX_TCP_CONNECTIONS,
                read_timeout: TCP_IDLE_TIMEOUT,
                write_timeout: TCP_IDLE_TIMEOUT,
                ..serve::Config::default()
            },
            tcp_frame_timeout: TCP_FRAME_TIMEOUT,
        }
    }
}

/// A bound DNS server that has not started serving: a UDP socket and a
/// TCP listener on the same address and port.
#[derive(Debug)]
pub struct DnsServer {
    udp: UdpSocket,
    tcp: Server,
    zone: Arc<Zone>,
    config: DnsConfig,
}

impl DnsServer {
    /// Binds `addr` (`"127.0.0.1:0"` for any free port) for `zone`, with
    /// the default config.
    pub fn bind(addr: impl ToSocketAddrs, zone: Zone) -> io::Result<DnsServer> {
        DnsServer::bind_with(addr, zone, DnsConfig::default())
    }

    /// Binds `addr` for `zone`. With port 0, the UDP socket gets a free
    /// port and the TCP listener takes the same one; if that one is
    /// taken for TCP, another is tried.
    pub fn bind_with(
        addr: impl ToSocketAddrs,
        zone: Zone,
        config: DnsConfig,
    ) -> io::Result<DnsServer> {
        let addr = addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))?;
        let attempts = if addr.port() == 0 { BIND_ATTEMPTS } else { 1 };
        let mut last_error = None;
        for _ in 0..attempts {
            let udp = UdpSocket::bind(addr)?;
            let port = udp.local_addr()?.port();
            let tcp_addr = SocketAddr::new(addr.ip(), port);
            match Server::bind_with(tcp_addr, config.tcp.clone()) {
                Ok(tcp) => {
                    udp.set_read_timeout(Some(STOP_CHECK_INTERVAL))?;
                    udp.set_write_timeout(Some(SEND_TIMEOUT))?;
                    return Ok(DnsServer {
                        udp,
                        tcp,
                        zone: Arc::new(zone),
                        config,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::AddrInUse => last_error = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::ErrorKind::AddrInUse.into()))
    }

    /// The address served, UDP and TCP alike, with the real port if 0
    /// was asked.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.udp.local_addr()
    }

    /// Starts serving on background threads and returns at once.
    pub fn spawn(self) -> io::Result<DnsServerHandle> {
        let addr = self.udp.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let tcp = self.tcp.spawn(TcpHandler {
            zone: Arc::clone(&self.zone),
            frame_timeout: self.config.tcp_frame_timeout,
        })?;
        let mut handle = DnsServerHandle {
            addr,
            waker: self.udp.try_clone()?,
            stopping: Arc::clone(&stopping),
            udp_threads: Vec::new(),
            tcp: Some(tcp),
        };
        for i in 0..self.config.udp_threads.max(1) {
            // Each thread its own handle on the one socket (see the
            // module's doc): the kernel gives each datagram to one reader.
            let socket = self.udp.try_clone()?;
            let zone = Arc::clone(&self.zone);
            let stopping = Arc::clone(&stopping);
            let thread = thread::Builder::new()
                .name(format!("dns udp {i}"))
                .spawn(move || udp_loop(&socket, &zone, &stopping))?;
            handle.udp_threads.push(thread);
        }
        Ok(handle)
    }

    /// Serves until the process is killed (for the example's `serve`
    /// subcommand): the calling thread only waits.
    pub fn run(self) -> io::Result<()> {
        let _handle = self.spawn()?;
        loop {
            thread::park();
        }
    }
}

/// A running DNS server. Dropping it shuts the server down.
#[derive(Debug)]
pub struct DnsServerHandle {
    addr: SocketAddr,
    waker: UdpSocket,
    stopping: Arc<AtomicBool>,
    udp_threads: Vec<JoinHandle<()>>,
    tcp: Option<ServerHandle>,
}

impl DnsServerHandle {
    /// The address served, UDP and TCP alike.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server: the UDP threads end, the TCP accept loop stops
    /// as [`ServerHandle::shutdown`] does, and every thread is joined.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // `recv_from` cannot be interrupted from another thread: send the
        // socket one empty datagram per thread, as a client would. Each
        // wakes one reader, which sees the flag; a lost one is made up
        // for by the read timeout.
        let target = serve::wake_address(self.addr);
        for _ in &self.udp_threads {
            let _ = self.waker.send_to(&[], target);
        }
        for thread in self.udp_threads.drain(..) {
            let _ = thread.join();
        }
        if let Some(tcp) = self.tcp.take() {
            tcp.shutdown();
        }
    }
}

impl Drop for DnsServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

// ANCHOR: udp_loop
/// Answers datagrams until stopped. Nothing a client sends ends it: each
/// datagram is answered or ignored on its own, and every error concerns
/// one peer or passes.
fn udp_loop(socket: &UdpSocket, zone: &Zone, stopping: &AtomicBool) {
    // Big enough for any datagram, so that none is silently cut short and
    // then misread (see RECV_BUFFER_LEN); one per thread, reused.
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    while !stopping.load(Ordering::SeqCst) {
        match socket.recv_from(&mut buf) {
            Ok((len, peer)) => {
                if stopping.load(Ordering::SeqCst) {
                    break; // The wake-up datagram, or a late query.
                }
                // The answer goes to the address this very datagram came
                // from. A failed send loses this one answer, as the
                // network might have; the client will ask again.
                if let Response::Send(answer) = respond(zone, &buf[..len], Transport::Udp) {
                    let _ = socket.send_to(&answer, peer);
                }
            }
            Err(error) => match error.kind() {
                // The read timeout: time to look at the stop flag.
                io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut
                | io::ErrorKind::Interrupted => {}
                // An ICMP error about an earlier answer, to a client that
                // had gone (reported by some systems): about that peer only.
                io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {}
                _ => thread::sleep(ERROR_PAUSE),
            },
        }
    }
}
// ANCHOR_END: udp_loop

/// The TCP side: a loop over one connection's length-prefixed queries.
struct TcpHandler {
    zone: Arc<Zone>,
    frame_timeout: Duration,
}

impl Handler for TcpHandler {
    fn handle(&self, stream: &TcpStream, _peer: SocketAddr) -> io::Result<()> {
        match self.serve_connection(stream) {
            // The client went, or stayed silent past a timeout: both are
            // how a DNS connection ends, not failures of the server.
            Err(error) if is_timeout(&error) => Ok(()),
            other => other,
        }
    }
}

impl TcpHandler {
    // ANCHOR: tcp_frames
    /// Reads frames and answers each, until the client closes, goes
    /// silent, or sends a frame with no header.
    fn serve_connection(&self, stream: &TcpStream) -> io::Result<()> {
        let mut reader = TimedStream::new(stream);
        loop {
            // Between queries: the socket's idle timeout. A close here is
            // the ordinary end of the connection.
            let mut length = [0u8; 2];
            if reader.read(&mut length[..1])? == 0 {
                return Ok(());
            }
            // The frame has begun: all of it must come within the deadline.
            reader.set_deadline(Some(Instant::now() + self.frame_timeout));
            reader.read_exact(&mut length[1..])?;
            // At most 65535 bytes: the prefix cannot say more.
            let mut frame = vec![0u8; usize::from(u16::from_be_bytes(length))];
            reader.read_exact(&mut frame)?;
            reader.set_deadline(None);
            match respond(&self.zone, &frame, Transport::Tcp) {
                Response::Send(answer) => {
                    // One write of prefix and message: two small writes
                    // would meet Nagle's algorithm and the client's
                    // delayed ACK, and wait for it.
                    let mut out = Vec::with_capacity(2 + answer.len());
                    out.extend_from_slice(&(answer.len() as u16).to_be_bytes());
                    out.extend_from_slice(&answer);
                    (&*stream).write_all(&out)?;
                }
                Response::Ignore(Ignored::NotAQuery | Ignored::CannotWrite) => {}
                // No header, no ID: nothing can be answered, and a client
                // that sends this is not speaking DNS.
                Response::Ignore(Ignored::NoHeader) => return Ok(()),
            }
        }
    }
    // ANCHOR_END: tcp_frames
}

/// A read or write that ran out of time: the socket's timeout (Unix says
/// "would block", Windows "timed out") or a frame's deadline.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_udp_socket_is_read_by_one_thread_per_core_up_to_the_bound() {
        // More readers than cores only take turns being woken: measured
        // on two cores, four threads switched context 0.5 times a query
        // and two 0.28 times (see UDP_THREADS).
        let cores = thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(DnsConfig::default().udp_threads, cores.min(UDP_THREADS));
    }
}

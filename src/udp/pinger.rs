//! The pinger: sends pings to an echo server and times the replies.
//!
//! ```text
//!   pinger                                    echo server
//!     | PING seq=0 t=0 --------------------------->|
//!     |<--------------------------- PING seq=0 t=0 |   time = now - t
//!     |          (interval)                        |
//!     | PING seq=1 t=1000 ------------> (lost)     |
//!     |          (timeout: no reply to seq=1)      |
//!     | PING seq=2 t=201000 ---------------------->|
//!     |<---------------------- PING seq=2 t=201000 |
//! ```
//!
//! `t` is the send time in microseconds since the run started, here with
//! a 1 ms interval and a 200 ms timeout (the command line's defaults are
//! 1 s each).
//!
//! It works in lockstep: send one ping, wait for its reply or the timeout,
//! then wait out the rest of the interval and send the next. Whatever
//! arrives in the meantime is judged by the pure [`PingSession`]: a late
//! reply to an earlier ping still counts (it was slow, not lost, as `ping`
//! also sees it), a second copy of a reply is a duplicate, and anything else
//! is a stray, ignored.

use super::ping::{millis, Outcome, PingSession, PingStats, Stray};
use super::RECV_BUFFER_LEN;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

/// The longest timeout or interval a run accepts. A longer one is surely a
/// mistake, and adding it to an `Instant` could overflow.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// How a ping run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingOptions {
    /// How many pings to send.
    pub count: u32,
    /// The time from one ping to the next (if its reply came in time), at
    /// most [`MAX_WAIT`].
    pub interval: Duration,
    /// How long to wait for each reply before calling it lost: more than
    /// zero, at most [`MAX_WAIT`].
    pub timeout: Duration,
}

impl Default for PingOptions {
    /// Four pings, one a second, a second each to answer: `ping -c 4 -W 1`.
    fn default() -> PingOptions {
        PingOptions {
            count: 4,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        }
    }
}

/// One thing that happened during a run, as `ping` prints it on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingEvent {
    /// The run begins: the socket is connected to `target`, the address
    /// chosen among those the name resolved to, before the first ping.
    Start {
        /// The address every ping goes to.
        target: SocketAddr,
    },
    /// A reply to one of our pings.
    Reply {
        /// Where it claims to come from: always the target, since the
        /// connected socket delivers nothing else (which a forger can fake).
        from: SocketAddr,
        /// Its size in bytes.
        len: usize,
        /// The ping it answers.
        seq: u32,
        /// The round-trip time.
        rtt: Duration,
        /// Whether this ping had already been answered (then it is not counted).
        duplicate: bool,
    },
    /// No reply to `seq` within the timeout.
    Timeout {
        /// The ping that went unanswered.
        seq: u32,
        /// How long we waited.
        waited: Duration,
    },
    /// The target's host said nothing listens on that port (an ICMP "port
    /// unreachable", which the socket reports as "connection refused").
    Unreachable {
        /// The ping that was refused.
        seq: u32,
    },
    /// A datagram from the target that answers none of our pings.
    Ignored {
        /// Its size in bytes.
        len: usize,
        /// Why it was ignored.
        why: Stray,
    },
}

impl fmt::Display for PingEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PingEvent::Start { target } => write!(f, "PING {target}: 16-byte pings"),
            PingEvent::Reply {
                from,
                len,
                seq,
                rtt,
                duplicate,
            } => {
                write!(
                    f,
                    "{len} bytes from {from}: seq={seq} time={} ms",
                    millis(*rtt)
                )?;
                if *duplicate {
                    f.write_str(" (DUP!)")?;
                }
                Ok(())
            }
            PingEvent::Timeout { seq, waited } => {
                write!(f, "no reply to seq={seq} within {} ms", waited.as_millis())
            }
            PingEvent::Unreachable { seq } => {
                write!(f, "seq={seq}: port unreachable (nothing listens there)")
            }
            PingEvent::Ignored { len, why } => write!(f, "ignored {len} bytes: {why}"),
        }
    }
}

/// The result of a ping run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingReport {
    /// The address that was pinged.
    pub target: SocketAddr,
    /// What came back.
    pub stats: PingStats,
}

/// The summary `ping` prints at the end:
///
/// ```text
/// --- 127.0.0.1:7009 ping statistics ---
/// 4 packets transmitted, 3 received, 25% packet loss
/// rtt min 0.061 ms, avg 0.083 ms, max 0.102 ms, mdev 0.017 ms
/// ```
impl fmt::Display for PingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--- {} ping statistics ---\n{}", self.target, self.stats)
    }
}

/// Sends `count` pings to `target`, one every `interval`, waiting up to
/// `timeout` for each reply, and returns the statistics.
pub fn ping(
    target: impl ToSocketAddrs,
    count: u32,
    interval: Duration,
    timeout: Duration,
) -> io::Result<PingReport> {
    let options = PingOptions {
        count,
        interval,
        timeout,
    };
    ping_with(target, options, |_| {})
}

/// [`ping`], calling `on_event` once at the start (with the address
/// chosen, see [`PingEvent::Start`]), then as each reply, timeout or stray
/// arrives, so that a program can print lines as `ping` does.
///
/// Errors are those of the socket itself (no address to ping, no local
/// port, a network that is down); lost pings are not errors, they are what
/// the statistics count.
pub fn ping_with(
    target: impl ToSocketAddrs,
    options: PingOptions,
    mut on_event: impl FnMut(&PingEvent),
) -> io::Result<PingReport> {
    if options.timeout.is_zero() {
        // A zero read timeout is refused by the socket: say so in our terms.
        return Err(invalid("the ping timeout must be longer than zero"));
    }
    if options.timeout > MAX_WAIT || options.interval > MAX_WAIT {
        return Err(invalid(
            "the ping timeout and interval may be a day at most",
        ));
    }
    let (socket, target) = connect_first(target)?;
    on_event(&PingEvent::Start { target });
    let mut run = Run {
        socket,
        target,
        buf: vec![0u8; RECV_BUFFER_LEN],
        session: PingSession::new(),
        start: Instant::now(),
    };
    for sent in 1..=options.count {
        let sent_at = Instant::now();
        let Some(ping) = run.session.next_ping(run.micros_since_start()) else {
            break; // Every sequence number has been used.
        };
        let waited = match run.socket.send(&ping.encode()) {
            Ok(_) => run.wait_for_reply(ping.seq, sent_at + options.timeout, &mut on_event)?,
            // The ICMP error about an earlier ping, reported on this call
            // instead of sending: the port is still closed.
            Err(error) if is_refused(&error) => Wait::Refused,
            Err(error) => return Err(error),
        };
        match waited {
            Wait::Answered => {}
            Wait::TimedOut => on_event(&PingEvent::Timeout {
                seq: ping.seq,
                waited: options.timeout,
            }),
            Wait::Refused => on_event(&PingEvent::Unreachable { seq: ping.seq }),
        }
        if sent < options.count {
            thread::sleep((sent_at + options.interval).saturating_duration_since(Instant::now()));
        }
    }
    Ok(PingReport {
        target,
        stats: run.session.stats(),
    })
}

// ANCHOR: connect
/// A socket connected to the first of `target`'s addresses that it can be
/// connected to, and that address.
///
/// A name may resolve to several addresses (`localhost`: `::1` and
/// `127.0.0.1`, in the order the resolver prefers), so each is tried in
/// turn, as `TcpStream::connect` does. Beware what "can be connected to"
/// means for UDP: `connect` sends nothing, so it only fails when this
/// machine cannot reach that address at all (no IPv6, no route). Whether
/// anything listens there shows only when the pings go out, as "port
/// unreachable". That is why [`PingEvent::Start`] says which address was
/// chosen: against a server bound to `127.0.0.1` only, `localhost` may
/// well pick `::1`.
fn connect_first(target: impl ToSocketAddrs) -> io::Result<(UdpSocket, SocketAddr)> {
    let mut last_error = invalid("no address to ping");
    for address in target.to_socket_addrs()? {
        match connected_socket(address) {
            Ok(socket) => return Ok((socket, address)),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

/// A socket on any free local port, connected to `target`.
///
/// `connect` on UDP sends nothing over the network. It tells the kernel
/// "this socket talks to `target` only", which has three effects:
/// `send` needs no address; `recv` delivers only datagrams whose source
/// address is `target`'s; and the kernel passes on the ICMP errors that
/// come back about `target`, such as "port unreachable", which an
/// unconnected socket on Linux never sees.
///
/// The filter is no defence against a forger: the source address of a
/// datagram is whatever its sender wrote there, and anyone can write the
/// target's. The defence is to check each reply against what only the real
/// peer saw: here, the exact send time (in µs) each ping carries, which a
/// reply must echo (see [`PingSession`]); in DNS (chapter 04), a random
/// query ID. A forger who cannot see our datagrams must guess it; one who
/// can see them can copy it, and only cryptography stops that one.
fn connected_socket(target: SocketAddr) -> io::Result<UdpSocket> {
    // The wildcard address of the target's family; port 0: any free port.
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(target)?;
    Ok(socket)
}
// ANCHOR_END: connect

/// How waiting for one reply ended.
enum Wait {
    Answered,
    TimedOut,
    Refused,
}

/// The state of one run.
struct Run {
    socket: UdpSocket,
    target: SocketAddr,
    /// Big enough for any datagram, so that a long one is seen whole and
    /// judged too long, rather than cut to the size of a ping and mistaken
    /// for one.
    buf: Vec<u8>,
    session: PingSession,
    /// Send and receive times are measured from here, with `Instant`: a
    /// clock that only goes forward, unlike the wall clock, which may be
    /// set back in the middle of a run.
    start: Instant,
}

impl Run {
    fn micros_since_start(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    // ANCHOR: wait_for_reply
    /// Reads datagrams until the reply to `seq` arrives or `deadline`
    /// passes, handing each one to the session and reporting what it was.
    fn wait_for_reply(
        &mut self,
        seq: u32,
        deadline: Instant,
        on_event: &mut impl FnMut(&PingEvent),
    ) -> io::Result<Wait> {
        loop {
            // Strays and late replies must not stretch the wait: each read
            // gets only what is left of this ping's time.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Wait::TimedOut);
            }
            self.socket.set_read_timeout(Some(left))?;
            let len = match self.socket.recv(&mut self.buf) {
                Ok(len) => len,
                Err(error) if is_timeout(&error) => return Ok(Wait::TimedOut),
                Err(error) if is_refused(&error) => return Ok(Wait::Refused),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            let now = self.micros_since_start();
            let (reply, duplicate) = match self.session.on_datagram(&self.buf[..len], now) {
                Outcome::Counted(reply) => (reply, false),
                Outcome::Duplicate(reply) => (reply, true),
                Outcome::Stray(why) => {
                    on_event(&PingEvent::Ignored { len, why });
                    continue;
                }
            };
            on_event(&PingEvent::Reply {
                from: self.target,
                len,
                seq: reply.seq,
                rtt: reply.rtt,
                duplicate,
            });
            // A late reply to an earlier ping counts, but we keep waiting
            // for this one.
            if reply.seq == seq {
                return Ok(Wait::Answered);
            }
        }
    }
    // ANCHOR_END: wait_for_reply
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The read timeout ran out. Unix says "would block", Windows "timed out".
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// An ICMP "port unreachable" came back: Unix says "connection refused",
/// Windows "connection reset".
fn is_refused(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}

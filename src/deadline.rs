//! Deadlines for slow peers: a message must arrive, and a reply be taken,
//! in a bounded time.
//!
//! A socket's read and write timeouts bound one system call. A peer that
//! sends one byte every few seconds, or takes one byte every few seconds,
//! never trips them, and holds a thread of a thread-per-connection server
//! for as long as it likes (the "slowloris" and "slow read" attacks). Every
//! server of this crate needs the two defences here:
//!
//! - [`TimedStream`] reads with a deadline for the whole message being
//!   read: each read may wait only for what is left of it;
//! - [`Pace`] writes with a minimum rate: after a grace period, a reply
//!   keeps going only while the peer takes enough of it.
//!
//! `TimedStream` changes the socket's timeout only for a read made while a
//! deadline is set, and `Pace` only while the time left is shorter than the
//! socket's own timeout, once a second: a peer whose messages arrive
//! whole, and that takes its replies as fast as they come, costs next to no
//! system call for either.
//!
//! # How each protocol uses them
//!
//! | protocol | reading ([`TimedStream`]) | writing ([`Pace`]) |
//! | --- | --- | --- |
//! | HTTP ([`crate::http::server`]) | a deadline for each request head and body | each response |
//! | SMTP ([`crate::smtp::server`]) | a deadline for each command line, and one for the whole DATA | none: its replies are short |
//! | FTP ([`crate::ftp::server`]) | not yet: the control connection has only its idle timeout for each read, so a client that sends a byte every few minutes keeps its thread (as one that sends `NOOP` would, within the connection cap) | each download (RETR, LIST) on the data connection |
//! | POP3 ([`crate::pop3::server`]) | not yet: only the idle timeout of RFC 1939 §3 for each read, as FTP | each message (RETR, TOP): a deadline from its size, [`crate::pop3::server::MIN_SEND_RATE`] |
//!
//! The socket's own read timeout stays what the accept loop set
//! ([`crate::serve::Config::read_timeout`]): it is how long an idle peer
//! may wait between two messages, and `set_deadline(None)` goes back to it.
//! Then, as soon as the first byte of a message is in, `set_deadline`
//! starts its clock. The figures come from each protocol's RFC: SMTP
//! (RFC 5321 §4.5.3.2) gives a client 5 minutes for the greeting and for
//! the replies to MAIL and RCPT, 2 for the reply to DATA, 3 for each block
//! of data sent and 10 for the reply after the final dot, and a server at
//! least 5 minutes to wait for the next command; POP3 (RFC 1939 §3) lets
//! an idle session log out after no less than 10 minutes. A line protocol
//! reads through a [`crate::wire::buffer::RecvBuf`] over a `TimedStream`,
//! and writes its replies to the `&TcpStream` directly:
//!
//! ```no_run
//! use netlessons::deadline::TimedStream;
//! use netlessons::wire::buffer::RecvBuf;
//! use std::net::TcpStream;
//! use std::time::{Duration, Instant};
//!
//! # fn session(stream: &TcpStream) -> std::io::Result<()> {
//! let mut buf = RecvBuf::new(TimedStream::new(stream), 1024);
//! buf.fill_more()?; // idle: the socket's read timeout applies
//! buf.get_mut().set_deadline(Some(Instant::now() + Duration::from_secs(60)));
//! // ... read the rest of the command line from `buf` ...
//! buf.get_mut().set_deadline(None);
//! # Ok(())
//! # }
//! ```

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

// ANCHOR: timed_stream
/// The socket, read with a deadline for the message being read.
///
/// A read timeout bounds one read; a peer that sends one byte every few
/// seconds never hits it. So while a message is being read, each read may
/// wait only for what is left until the deadline. Without a deadline, the
/// socket keeps the read timeout it was given, which is how long an idle
/// connection may wait. The timeout is changed only for a read made while
/// a deadline is set, and only if the deadline is nearer than the socket's
/// timeout would end the read: a message that arrives whole in the first
/// read (made before the deadline is set) costs no system call for it, nor
/// do the reads of a message whose deadline is far off (an SMTP message's,
/// 10 minutes, when an idle read may last 5).
#[derive(Debug)]
pub struct TimedStream<'a> {
    stream: &'a TcpStream,
    /// Set while a message is being read.
    deadline: Option<Instant>,
    /// The socket's own read timeout, learnt the first time it is changed.
    idle: Option<Option<Duration>>,
    /// The socket's timeout was changed for a deadline, and must be put back.
    changed: bool,
}

impl<'a> TimedStream<'a> {
    /// Reads `stream` with no deadline yet.
    pub fn new(stream: &'a TcpStream) -> TimedStream<'a> {
        TimedStream {
            stream,
            deadline: None,
            idle: None,
            changed: false,
        }
    }

    /// From now on, reads fail with [`io::ErrorKind::TimedOut`] once
    /// `deadline` has passed; `None` goes back to the socket's own timeout.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The deadline in force, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The socket, for writing replies to it.
    pub fn get_ref(&self) -> &'a TcpStream {
        self.stream
    }
}

impl Read for TimedStream<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self.deadline {
            None if self.changed => {
                self.stream.set_read_timeout(self.idle.flatten())?;
                self.changed = false;
            }
            None => {}
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                let idle = match self.idle {
                    Some(idle) => idle,
                    None => *self.idle.insert(self.stream.read_timeout()?),
                };
                // While the socket's own timeout ends a read before the
                // deadline, it can stay: no system call (a long deadline,
                // such as a whole SMTP message's, is mostly this case).
                if idle.is_none_or(|idle| left < idle) {
                    self.stream.set_read_timeout(Some(left))?;
                    self.changed = true;
                } else if self.changed {
                    self.stream.set_read_timeout(idle)?;
                    self.changed = false;
                }
            }
        }
        (&*self.stream).read(out)
    }
}
// ANCHOR_END: timed_stream

// ANCHOR: pace
/// Keeps a reply moving: the peer must take it at a minimum rate.
///
/// The socket's write timeout bounds one write, and a peer that takes a
/// few bytes now and then never hits it. So a reply gets `grace` to get
/// going, and after that one more second for every `min_rate` bytes the
/// system accepts from it, plus one second for the write under way (see
/// [`time_allowed`]). Bytes accepted during the grace earn nothing: the
/// system takes megabytes into its socket buffers (4 MB on loopback)
/// before the peer reads any, so counting them would let a peer that
/// never reads keep its thread for minutes. A peer that reads nothing is
/// thus cut off soon after the grace: a second, plus what the system still
/// takes in after it, in a few bursts of up to 64 KB. The socket's own
/// write timeout still bounds each write as well.
///
/// The socket's timeout is changed only when the one a write needs
/// changes ([`write_timeout`]): shortened while the time left is shorter
/// than the socket's own, in whole seconds, and put back as soon as it is
/// longer again. A peer that keeps up costs a call or two per second of
/// the grace, and then none (to learn the socket's timeout, one per
/// connection).
#[derive(Debug)]
pub struct Pace {
    grace: Duration,
    min_rate: u64,
    started: Instant,
    /// Bytes the system accepted after the grace.
    credited: u64,
    /// The socket's own write timeout, learnt at the first write.
    socket_timeout: Option<Option<Duration>>,
    /// The write timeout the socket has now: its own, or one set here.
    in_force: Option<Duration>,
}

impl Pace {
    /// A pace that allows `grace`, then needs `min_rate` bytes a second
    /// (a rate of 0 is taken as 1). Its clock starts now.
    pub fn new(grace: Duration, min_rate: u64) -> Pace {
        Pace {
            grace,
            min_rate: min_rate.max(1),
            started: Instant::now(),
            credited: 0,
            socket_timeout: None,
            in_force: None,
        }
    }

    /// Starts the clock again, for the next reply.
    pub fn restart(&mut self, stream: &TcpStream) -> io::Result<()> {
        if let Some(own) = self.socket_timeout {
            self.set_timeout(stream, own)?;
        }
        self.started = Instant::now();
        self.credited = 0;
        Ok(())
    }

    /// Gives the socket the write timeout `timeout`, unless it has it.
    fn set_timeout(&mut self, stream: &TcpStream, timeout: Option<Duration>) -> io::Result<()> {
        if timeout != self.in_force {
            stream.set_write_timeout(timeout)?;
            self.in_force = timeout;
        }
        Ok(())
    }

    /// Writes all of `bytes`, or fails with [`io::ErrorKind::TimedOut`]
    /// when the peer falls behind the pace.
    pub fn write_all(&mut self, stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let pending = bytes.len() as u64;
            let allowed = time_allowed(self.grace, self.min_rate, self.credited, pending);
            let left = allowed.saturating_sub(self.started.elapsed());
            if left.is_zero() {
                return Err(too_slow());
            }
            let own = match self.socket_timeout {
                Some(own) => own,
                None => {
                    let own = stream.write_timeout()?;
                    self.in_force = own;
                    *self.socket_timeout.insert(own)
                }
            };
            self.set_timeout(stream, write_timeout(left, own))?;
            match (&*stream).write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    if self.started.elapsed() >= self.grace {
                        self.credited += n as u64;
                    }
                    bytes = &bytes[n..];
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // The timeout ended a write that the peer left blocked: on
                // Unix the system says "Resource temporarily unavailable"
                // (WouldBlock), which tells whoever reads it nothing.
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(too_slow());
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// The write timeout for the next write, with `left` before the pace runs
/// out and `own` the socket's own timeout: `own`, unless `left` is
/// shorter; then `left` rounded up to a whole second. Whole seconds, so
/// that the timeout changes once a second as the clock runs, not at every
/// write: a write may outlast the pace by less than a second, and the next
/// one finds it run out. (`left` must not be zero: std refuses a timeout
/// of zero.)
pub fn write_timeout(left: Duration, own: Option<Duration>) -> Option<Duration> {
    let whole = Duration::from_secs(
        left.as_secs()
            .saturating_add(u64::from(left.subsec_nanos() > 0)),
    );
    match own {
        Some(own) if own <= whole => Some(own),
        _ => Some(whole),
    }
}

/// The error of a reply the peer did not take in time.
fn too_slow() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the peer reads too slowly")
}

/// How long, from its start, a reply may take before its next write
/// ends: the grace, plus a second for every `min_rate` bytes `credited`
/// (accepted after the grace), plus the time the write under way needs at
/// that rate, up to a second, so that a peer that reads at exactly the
/// minimum rate is never cut off between two writes.
pub fn time_allowed(grace: Duration, min_rate: u64, credited: u64, pending: u64) -> Duration {
    let min_rate = min_rate.max(1);
    let bytes = credited.saturating_add(pending.min(min_rate));
    let whole = Duration::from_secs(bytes / min_rate);
    // The fraction of a second, in nanoseconds: below 10^9, so the
    // product below fits in a u128 without overflow.
    let nanos = u128::from(bytes % min_rate) * 1_000_000_000 / u128::from(min_rate);
    grace
        .saturating_add(whole)
        .saturating_add(Duration::from_nanos(nanos as u64))
}
// ANCHOR_END: pace

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn time_allowed_table() {
        let grace = Duration::from_secs(30);
        let table = [
            // (credited, pending, allowed): a rate of 8 KiB a second.
            (0, 0, grace),
            (0, 4096, grace + SEC / 2), // a small write needs half a second
            (0, 64 * 1024, grace + SEC), // a big one gets one second, no more
            (8192, 0, grace + SEC),
            (80 * 1024, 8192, grace + 11 * SEC),
        ];
        for (credited, pending, allowed) in table {
            assert_eq!(
                time_allowed(grace, 8192, credited, pending),
                allowed,
                "{credited} credited, {pending} pending"
            );
        }
        // Saturates, never panics.
        let most = time_allowed(grace, 8192, u64::MAX, u64::MAX);
        assert!(most > Duration::from_secs(u64::MAX / 8192));
        // A rate of 0 cannot divide by zero.
        assert_eq!(time_allowed(grace, 0, 2, 0), grace + 2 * SEC);
    }

    #[test]
    fn write_timeout_table() {
        let ms = Duration::from_millis;
        let table = [
            // (left, socket's own, timeout for the write)
            (ms(1), Some(30 * SEC), Some(SEC)), // rounded up, never zero
            (ms(1500), Some(30 * SEC), Some(2 * SEC)),
            (ms(1900), Some(30 * SEC), Some(2 * SEC)), // the same: no call
            (29 * SEC, Some(30 * SEC), Some(29 * SEC)),
            (ms(29_001), Some(30 * SEC), Some(30 * SEC)),
            (600 * SEC, Some(30 * SEC), Some(30 * SEC)), // its own, back
            (ms(2500), Some(ms(200)), Some(ms(200))),    // its own is shorter
            (ms(2500), None, Some(3 * SEC)),             // no timeout of its own
            (Duration::MAX, None, Some(Duration::from_secs(u64::MAX))), // saturates
        ];
        for (left, own, expected) in table {
            assert_eq!(
                write_timeout(left, own),
                expected,
                "{left:?} left, own {own:?}"
            );
        }
    }

    /// A connected pair: (our side, the peer's side).
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        (ours, peer)
    }

    #[test]
    fn a_message_trickled_byte_by_byte_is_cut_off_at_the_deadline() {
        let (ours, mut peer) = pair();
        ours.set_read_timeout(Some(5 * SEC)).unwrap();
        let sender = std::thread::spawn(move || {
            // A byte every 20 ms: no single read ever waits long.
            for _ in 0..100 {
                if peer.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let mut timed = TimedStream::new(&ours);
        let started = Instant::now();
        timed.set_deadline(Some(started + Duration::from_millis(200)));
        let mut got = Vec::new();
        let error = timed.read_to_end(&mut got).unwrap_err();
        assert!(
            matches!(
                error.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ),
            "{error}"
        );
        assert!(started.elapsed() < 2 * SEC, "{:?}", started.elapsed());
        assert!(!got.is_empty() && got.len() < 100);
        drop(ours);
        sender.join().unwrap();
    }

    #[test]
    fn without_a_deadline_the_socket_timeout_comes_back() {
        let (ours, mut peer) = pair();
        ours.set_read_timeout(Some(5 * SEC)).unwrap();
        peer.write_all(b"ab").unwrap();
        let mut timed = TimedStream::new(&ours);
        timed.set_deadline(Some(Instant::now() + SEC));
        let mut byte = [0];
        timed.read_exact(&mut byte).unwrap();
        assert!(ours.read_timeout().unwrap() <= Some(SEC));
        timed.set_deadline(None);
        timed.read_exact(&mut byte).unwrap();
        assert_eq!(ours.read_timeout().unwrap(), Some(5 * SEC));
        assert_eq!(timed.deadline(), None);
    }

    #[test]
    fn a_passed_deadline_fails_at_once() {
        let (ours, mut peer) = pair();
        peer.write_all(b"waiting").unwrap();
        let mut timed = TimedStream::new(&ours);
        timed.set_deadline(Some(Instant::now()));
        let error = timed.read(&mut [0; 8]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn a_peer_that_never_reads_is_cut_off_soon_after_the_grace() {
        // The system takes megabytes into its buffers at once (4 MB on
        // loopback); they must not buy the peer a minute at 64 KiB a
        // second. What it still takes in after the grace (about 100 KB on
        // loopback, in a few bursts) does count, for a second or two.
        let (ours, _peer) = pair();
        ours.set_write_timeout(Some(10 * SEC)).unwrap();
        let mut pace = Pace::new(Duration::from_millis(100), 64 * 1024);
        let started = Instant::now();
        let chunk = vec![0; 64 * 1024];
        let error = loop {
            if let Err(error) = pace.write_all(&ours, &chunk) {
                break error;
            }
        };
        // Said in words, whether the pace ran out between two writes or
        // during one (where the system says only "Resource temporarily
        // unavailable"): it is what the server reports.
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
        assert_eq!(error.to_string(), "the peer reads too slowly");
        let held = started.elapsed();
        assert!(held < 5 * SEC, "held for {held:?}");
    }

    #[test]
    fn a_write_that_times_out_says_the_peer_reads_too_slowly() {
        // The socket's own timeout, shorter than the pace allows, ends a
        // blocked write: the system says only "Resource temporarily
        // unavailable", and the server would report those words.
        let (ours, _peer) = pair();
        ours.set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut pace = Pace::new(10 * SEC, 64 * 1024);
        let chunk = vec![0; 64 * 1024];
        let error = (0..10_000)
            .find_map(|_| pace.write_all(&ours, &chunk).err())
            .expect("the buffers filled");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
        assert_eq!(error.to_string(), "the peer reads too slowly");
    }

    #[test]
    fn a_peer_far_ahead_of_the_pace_gets_the_sockets_own_timeout_back() {
        // The first write has a second allowed, shorter than the socket's
        // 5 s, and the timeout is shortened to it. That write earns a
        // minute at 64 KiB/s: from the next one on, the socket's own 5 s
        // apply again. Left at a second, the timeout would cut off a peer
        // a minute ahead of the pace that stops reading for a second.
        let (ours, mut peer) = pair();
        ours.set_write_timeout(Some(5 * SEC)).unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got.len()
        });
        let mut pace = Pace::new(Duration::ZERO, 64 * 1024);
        let chunk = vec![1; 4 * 1024 * 1024];
        pace.write_all(&ours, &chunk).unwrap();
        assert!(ours.write_timeout().unwrap() <= Some(SEC));
        pace.write_all(&ours, &chunk).unwrap();
        assert_eq!(ours.write_timeout().unwrap(), Some(5 * SEC));
        ours.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(reader.join().unwrap(), 2 * chunk.len());
    }

    #[test]
    fn a_peer_that_reads_gets_everything_and_the_timeout_back() {
        let (ours, mut peer) = pair();
        ours.set_write_timeout(Some(10 * SEC)).unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got.len()
        });
        let mut pace = Pace::new(Duration::from_millis(100), 1024);
        let chunk = vec![1; 1024 * 1024];
        for _ in 0..8 {
            pace.write_all(&ours, &chunk).unwrap();
        }
        pace.restart(&ours).unwrap();
        assert_eq!(ours.write_timeout().unwrap(), Some(10 * SEC));
        ours.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(reader.join().unwrap(), 8 * 1024 * 1024);
    }
}

//! The ping datagram and the statistics of a ping run: the pure part.
//!
//! A pinger sends small datagrams to an echo server and times how long each
//! takes to come back. This file holds everything about that which needs no
//! socket and no clock: the bytes of a ping, matching a reply to the ping it
//! answers, and the summary at the end. Time comes in as an argument
//! (microseconds since the run started), so every case here is tested with
//! plain numbers and byte strings.
//!
//! ## The datagram
//!
//! Every ping is 16 bytes, in network byte order (big-endian):
//!
//! ```text
//!  0       4       8                               16
//!  +-------+-------+-------------------------------+
//!  | "PING"|  seq  |  sent at (µs since the start)  |
//!  +-------+-------+-------------------------------+
//!   magic   u32     u64
//! ```
//!
//! The magic lets us recognise our own datagrams among whatever else arrives
//! at the port. The sequence number says which ping a reply answers (UDP may
//! lose, duplicate and reorder datagrams, so "the next datagram" is not good
//! enough). The send time makes a reply from an earlier run, which may carry
//! the same sequence number, tell itself apart.
//!
//! Unlike a TCP parser, [`Ping::parse`] never answers "need more bytes": a
//! datagram arrives whole or not at all, so a short one is simply wrong.

use std::fmt;
use std::time::Duration;

/// The first four bytes of every ping.
pub const MAGIC: [u8; 4] = *b"PING";

/// The size of a ping datagram: magic, sequence number, send time.
pub const PING_LEN: usize = 16;

// ANCHOR: format
/// One ping: which one it is, and when it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ping {
    /// The sequence number: 0 for the first ping of a run, then 1, 2, ...
    pub seq: u32,
    /// When it was sent, in microseconds since the run started.
    pub sent_micros: u64,
}

impl Ping {
    /// The 16 bytes that go on the wire.
    pub fn encode(&self) -> [u8; PING_LEN] {
        let mut bytes = [0; PING_LEN];
        bytes[0..4].copy_from_slice(&MAGIC);
        bytes[4..8].copy_from_slice(&self.seq.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.sent_micros.to_be_bytes());
        bytes
    }

    /// Reads a ping back from a datagram: the inverse of [`encode`](Self::encode).
    pub fn parse(datagram: &[u8]) -> Result<Ping, ParseError> {
        let bytes: [u8; PING_LEN] = match datagram.try_into() {
            Ok(bytes) => bytes,
            Err(_) if datagram.len() < PING_LEN => return Err(ParseError::TooShort),
            Err(_) => return Err(ParseError::TooLong),
        };
        // From here on the length is known, so the pattern cannot fail.
        let [m0, m1, m2, m3, s0, s1, s2, s3, sent @ ..] = bytes;
        if [m0, m1, m2, m3] != MAGIC {
            return Err(ParseError::BadMagic);
        }
        Ok(Ping {
            seq: u32::from_be_bytes([s0, s1, s2, s3]),
            sent_micros: u64::from_be_bytes(sent),
        })
    }
}
// ANCHOR_END: format

/// Why a datagram is not a ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer than [`PING_LEN`] bytes.
    TooShort,
    /// More than [`PING_LEN`] bytes.
    TooLong,
    /// The right size, but it does not start with [`MAGIC`].
    BadMagic,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::TooShort => "too short to be a ping (a ping is 16 bytes)",
            ParseError::TooLong => "too long to be a ping (a ping is 16 bytes)",
            ParseError::BadMagic => "does not start with \"PING\"",
        })
    }
}

impl std::error::Error for ParseError {}

/// A reply that answered a ping: which one, and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// The sequence number of the ping it answers.
    pub seq: u32,
    /// The round-trip time: from sending the ping to receiving this reply.
    pub rtt: Duration,
}

/// What a datagram that arrived during a ping run turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The first reply to one of our pings: it counts.
    Counted(Reply),
    /// Another copy of a reply already counted (the network may duplicate
    /// datagrams): shown, but not counted again.
    Duplicate(Reply),
    /// Not a reply to any ping of this run: ignored.
    Stray(Stray),
}

/// Why a datagram is not a reply to any ping of this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stray {
    /// It is not a ping at all.
    NotAPing(ParseError),
    /// It carries a sequence number this run never sent.
    UnknownSeq(u32),
    /// The sequence number is ours, but the send time is not: a reply to
    /// another run that used the same numbers, or a forgery.
    WrongTime(u32),
}

impl fmt::Display for Stray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stray::NotAPing(error) => write!(f, "not a ping: {error}"),
            Stray::UnknownSeq(seq) => write!(f, "seq={seq} was never sent"),
            Stray::WrongTime(seq) => write!(f, "seq={seq} carries a send time we did not send"),
        }
    }
}

// ANCHOR: session
/// The bookkeeping of one ping run: which pings went out when, and which
/// have been answered.
///
/// It holds 16 bytes per ping sent and one [`Reply`] per ping answered, so
/// its memory is bounded by the number of pings the caller chose to send,
/// whatever arrives from the network. Duplicates are counted, not stored.
#[derive(Debug, Clone, Default)]
pub struct PingSession {
    /// For each sequence number sent: when it was sent, and whether a reply counted.
    sent: Vec<(u64, bool)>,
    /// The first reply to each ping, in the order they arrived.
    replies: Vec<Reply>,
    duplicates: u32,
}

impl PingSession {
    /// A run that has sent nothing yet.
    pub fn new() -> PingSession {
        PingSession::default()
    }

    /// Makes the next ping, sent at `now_micros`, and remembers it.
    /// `None` once all 2³² sequence numbers are used up.
    pub fn next_ping(&mut self, now_micros: u64) -> Option<Ping> {
        let seq = u32::try_from(self.sent.len()).ok()?;
        self.sent.push((now_micros, false));
        Some(Ping {
            seq,
            sent_micros: now_micros,
        })
    }

    /// Decides what a datagram received at `now_micros` is.
    pub fn on_datagram(&mut self, datagram: &[u8], now_micros: u64) -> Outcome {
        let ping = match Ping::parse(datagram) {
            Ok(ping) => ping,
            Err(error) => return Outcome::Stray(Stray::NotAPing(error)),
        };
        let Some((sent_micros, answered)) = usize::try_from(ping.seq)
            .ok()
            .and_then(|index| self.sent.get_mut(index))
        else {
            return Outcome::Stray(Stray::UnknownSeq(ping.seq));
        };
        if ping.sent_micros != *sent_micros {
            return Outcome::Stray(Stray::WrongTime(ping.seq));
        }
        // We time the reply with our own record of the send time. Since the
        // echoed time must equal it, the two are the same number; ours is
        // simply the one we can trust.
        let reply = Reply {
            seq: ping.seq,
            rtt: Duration::from_micros(now_micros.saturating_sub(*sent_micros)),
        };
        if *answered {
            self.duplicates = self.duplicates.saturating_add(1);
            return Outcome::Duplicate(reply);
        }
        *answered = true;
        self.replies.push(reply);
        Outcome::Counted(reply)
    }

    /// Whether the ping numbered `seq` has had its reply.
    pub fn is_answered(&self, seq: u32) -> bool {
        usize::try_from(seq)
            .ok()
            .and_then(|index| self.sent.get(index))
            .is_some_and(|&(_, answered)| answered)
    }

    /// The statistics so far.
    pub fn stats(&self) -> PingStats {
        let transmitted = u32::try_from(self.sent.len()).unwrap_or(u32::MAX);
        // The session keeps no duplicates (see above), so it adds its own count.
        PingStats {
            duplicates: self.duplicates,
            ..summarize(transmitted, &self.replies)
        }
    }
}
// ANCHOR_END: session

// ANCHOR: stats_types
/// The summary of a ping run, as `ping` prints it at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingStats {
    /// How many pings were sent.
    pub transmitted: u32,
    /// How many of them were answered (each counted once).
    pub received: u32,
    /// How many extra copies of replies already counted arrived.
    pub duplicates: u32,
    /// The round-trip times of the counted replies; `None` if there were none.
    pub rtt: Option<RttStats>,
}

/// Minimum, average, maximum and standard deviation of the round-trip times.
///
/// `ping` (Linux's iputils) prints the last one as `mdev`; despite the
/// name, what it computes, and this crate too, is the standard deviation
/// `sqrt(mean(rtt²) - mean(rtt)²)`, not a mean absolute deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RttStats {
    /// The fastest reply.
    pub min: Duration,
    /// The mean.
    pub avg: Duration,
    /// The slowest reply.
    pub max: Duration,
    /// How far the times stray from the mean: their (population) standard
    /// deviation, printed as `mdev` as `ping` does. A steady network has a
    /// small one.
    pub stddev: Duration,
}
// ANCHOR_END: stats_types

// ANCHOR: summarize
/// The statistics of a run that sent `transmitted` pings (numbered
/// `0..transmitted`) and received `replies`, in the order they arrived.
///
/// Each sequence number counts once: a later copy of a reply already counted
/// is a duplicate, and its time is ignored. A reply to a number never sent
/// does not count at all. So `received <= transmitted`, always.
pub fn summarize(transmitted: u32, replies: &[Reply]) -> PingStats {
    // One flag per ping sent; a reply beyond them has nothing to answer.
    let mut seen = vec![false; usize::try_from(transmitted).unwrap_or(0)];
    let mut counted: Vec<Duration> = Vec::new();
    let mut duplicates = 0u32;
    for reply in replies {
        let Some(flag) = usize::try_from(reply.seq)
            .ok()
            .and_then(|index| seen.get_mut(index))
        else {
            continue;
        };
        if *flag {
            duplicates = duplicates.saturating_add(1);
        } else {
            *flag = true;
            counted.push(reply.rtt);
        }
    }
    PingStats {
        transmitted,
        // At most one per flag, and there are `transmitted` flags.
        received: u32::try_from(counted.len()).unwrap_or(transmitted),
        duplicates,
        rtt: rtt_stats(&counted),
    }
}

/// Min, avg, max and standard deviation of `rtts`, or `None` if it is empty.
fn rtt_stats(rtts: &[Duration]) -> Option<RttStats> {
    let min = *rtts.iter().min()?;
    let max = *rtts.iter().max()?;
    // Nanoseconds as f64: exact up to 2^53 ns (104 days), and the square
    // root below needs floating point anyway.
    let n = rtts.len() as f64;
    let mean = rtts.iter().map(|rtt| rtt.as_nanos() as f64).sum::<f64>() / n;
    let mean_of_squares = rtts
        .iter()
        .map(|rtt| (rtt.as_nanos() as f64).powi(2))
        .sum::<f64>()
        / n;
    // stddev = sqrt(mean(rtt²) - mean(rtt)²), which ping prints as mdev.
    // Rounding can make the difference a hair below zero when every time is equal.
    let variance = (mean_of_squares - mean * mean).max(0.0);
    Some(RttStats {
        min,
        avg: Duration::from_nanos(mean.round() as u64),
        max,
        stddev: Duration::from_nanos(variance.sqrt().round() as u64),
    })
}
// ANCHOR_END: summarize

impl PingStats {
    /// How many pings got no reply.
    pub fn lost(&self) -> u32 {
        self.transmitted.saturating_sub(self.received)
    }

    /// The share of pings lost, in percent (0 when nothing was sent).
    pub fn loss_percent(&self) -> f64 {
        if self.transmitted == 0 {
            return 0.0;
        }
        f64::from(self.lost()) * 100.0 / f64::from(self.transmitted)
    }
}

/// A duration in milliseconds with three decimals, as `ping` prints times: `0.061`.
pub fn millis(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

/// Two lines, like the end of `ping`'s output:
///
/// ```text
/// 4 packets transmitted, 3 received, 25% packet loss
/// rtt min 0.061 ms, avg 0.083 ms, max 0.102 ms, mdev 0.017 ms
/// ```
///
/// The second line is left out when nothing was received.
impl fmt::Display for PingStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} packets transmitted, {} received, ",
            self.transmitted, self.received
        )?;
        if self.duplicates > 0 {
            write!(f, "+{} duplicates, ", self.duplicates)?;
        }
        // Whole percents print without decimals ("25%"), others with one
        // ("33.3%"): integer arithmetic in tenths, so the text never shows
        // a floating-point tail like 33.333333333333336.
        let tenths = match self.transmitted {
            0 => 0,
            sent => (u64::from(self.lost()) * 1000 + u64::from(sent) / 2) / u64::from(sent),
        };
        if tenths % 10 == 0 {
            write!(f, "{}% packet loss", tenths / 10)?;
        } else {
            write!(f, "{}.{}% packet loss", tenths / 10, tenths % 10)?;
        }
        if let Some(rtt) = &self.rtt {
            write!(
                f,
                "\nrtt min {} ms, avg {} ms, max {} ms, mdev {} ms",
                millis(rtt.min),
                millis(rtt.avg),
                millis(rtt.max),
                millis(rtt.stddev)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(micros: u64) -> Duration {
        Duration::from_micros(micros)
    }

    fn reply(seq: u32, micros: u64) -> Reply {
        Reply {
            seq,
            rtt: us(micros),
        }
    }

    #[test]
    fn encode_and_parse_are_inverses() {
        let table = [
            Ping {
                seq: 0,
                sent_micros: 0,
            },
            Ping {
                seq: 1,
                sent_micros: 1_234_567,
            },
            Ping {
                seq: u32::MAX,
                sent_micros: u64::MAX,
            },
        ];
        for ping in table {
            assert_eq!(Ping::parse(&ping.encode()), Ok(ping), "{ping:?}");
        }
    }

    #[test]
    fn a_ping_is_magic_then_big_endian_seq_then_time() {
        let ping = Ping {
            seq: 0x0102_0304,
            sent_micros: 0x0506_0708_090a_0b0c,
        };
        assert_eq!(
            &ping.encode(),
            b"PING\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
        );
    }

    #[test]
    fn every_prefix_of_a_ping_is_too_short() {
        // A datagram arrives whole: a prefix is not "more to come", it is wrong.
        let bytes = Ping {
            seq: 7,
            sent_micros: 42,
        }
        .encode();
        for len in 0..PING_LEN {
            assert_eq!(
                Ping::parse(&bytes[..len]),
                Err(ParseError::TooShort),
                "{len}"
            );
        }
    }

    #[test]
    fn garbage_is_refused_with_the_reason() {
        let table: [(&[u8], ParseError); 4] = [
            (b"", ParseError::TooShort),
            (b"hello", ParseError::TooShort),
            (b"PONG\0\0\0\x01\0\0\0\0\0\0\0\x02", ParseError::BadMagic),
            (b"PING\0\0\0\x01\0\0\0\0\0\0\0\x02!", ParseError::TooLong),
        ];
        for (datagram, expected) in table {
            assert_eq!(Ping::parse(datagram), Err(expected), "{datagram:?}");
        }
    }

    #[test]
    fn a_reply_is_timed_from_its_own_send() {
        let mut session = PingSession::new();
        let first = session.next_ping(1_000).unwrap();
        let second = session.next_ping(2_000).unwrap();
        assert_eq!((first.seq, second.seq), (0, 1));
        assert_eq!(
            session.on_datagram(&second.encode(), 2_150),
            Outcome::Counted(reply(1, 150))
        );
        assert_eq!(
            session.on_datagram(&first.encode(), 2_200),
            Outcome::Counted(reply(0, 1_200))
        );
    }

    #[test]
    fn a_second_copy_of_a_reply_is_a_duplicate() {
        let mut session = PingSession::new();
        let ping = session.next_ping(0).unwrap();
        assert!(matches!(
            session.on_datagram(&ping.encode(), 10),
            Outcome::Counted(_)
        ));
        assert_eq!(
            session.on_datagram(&ping.encode(), 30),
            Outcome::Duplicate(reply(0, 30))
        );
        let stats = session.stats();
        assert_eq!((stats.received, stats.duplicates), (1, 1));
    }

    #[test]
    fn datagrams_that_answer_nothing_we_sent_are_strays() {
        let mut session = PingSession::new();
        let ping = session.next_ping(500).unwrap();
        let never_sent = Ping {
            seq: 1,
            sent_micros: 500,
        };
        let other_run = Ping {
            seq: 0,
            sent_micros: 499,
        };
        let table = [
            (b"hello".to_vec(), Stray::NotAPing(ParseError::TooShort)),
            (never_sent.encode().to_vec(), Stray::UnknownSeq(1)),
            (other_run.encode().to_vec(), Stray::WrongTime(0)),
        ];
        for (datagram, expected) in table {
            assert_eq!(
                session.on_datagram(&datagram, 600),
                Outcome::Stray(expected)
            );
        }
        assert!(!session.is_answered(ping.seq));
        assert_eq!(session.stats().received, 0);
    }

    #[test]
    fn summarize_counts_each_sequence_number_once() {
        // (transmitted, replies, received, duplicates)
        let table: [(u32, Vec<Reply>, u32, u32); 5] = [
            (
                4,
                vec![reply(0, 1), reply(1, 1), reply(2, 1), reply(3, 1)],
                4,
                0,
            ),
            (4, vec![reply(0, 1), reply(2, 1), reply(3, 1)], 3, 0),
            (
                2,
                vec![reply(1, 1), reply(1, 1), reply(0, 1), reply(1, 1)],
                2,
                2,
            ),
            (2, vec![reply(2, 1), reply(u32::MAX, 1)], 0, 0),
            (0, vec![reply(0, 1)], 0, 0),
        ];
        for (transmitted, replies, received, duplicates) in table {
            let stats = summarize(transmitted, &replies);
            assert_eq!(
                (stats.received, stats.duplicates),
                (received, duplicates),
                "{replies:?}"
            );
        }
    }

    #[test]
    fn summarize_times_only_the_first_copy() {
        let stats = summarize(2, &[reply(0, 100), reply(1, 300), reply(1, 9_000)]);
        let rtt = stats.rtt.unwrap();
        assert_eq!((rtt.min, rtt.avg, rtt.max), (us(100), us(200), us(300)));
        // Both are 100 µs from the mean of 200 µs.
        assert_eq!(rtt.stddev, us(100));
    }

    #[test]
    fn no_reply_means_no_times_and_all_lost() {
        let stats = summarize(3, &[]);
        assert_eq!(stats.rtt, None);
        assert_eq!((stats.lost(), stats.loss_percent()), (3, 100.0));
    }

    #[test]
    fn nothing_sent_is_nothing_lost() {
        // No division by zero: an empty run lost nothing.
        assert_eq!(summarize(0, &[]).loss_percent(), 0.0);
        assert_eq!(
            summarize(0, &[]).to_string(),
            "0 packets transmitted, 0 received, 0% packet loss"
        );
    }

    #[test]
    fn the_summary_reads_like_ping() {
        let table = [
            (
                summarize(4, &[reply(0, 61), reply(1, 102), reply(3, 86)]),
                "4 packets transmitted, 3 received, 25% packet loss\n\
                 rtt min 0.061 ms, avg 0.083 ms, max 0.102 ms, mdev 0.017 ms",
            ),
            (
                summarize(3, &[reply(0, 1_500)]),
                "3 packets transmitted, 1 received, 66.7% packet loss\n\
                 rtt min 1.500 ms, avg 1.500 ms, max 1.500 ms, mdev 0.000 ms",
            ),
            (
                summarize(1, &[reply(0, 20), reply(0, 20)]),
                "1 packets transmitted, 1 received, +1 duplicates, 0% packet loss\n\
                 rtt min 0.020 ms, avg 0.020 ms, max 0.020 ms, mdev 0.000 ms",
            ),
            (
                summarize(2, &[]),
                "2 packets transmitted, 0 received, 100% packet loss",
            ),
        ];
        for (stats, expected) in table {
            assert_eq!(stats.to_string(), expected);
        }
    }
}

//! When each request is due: closed loop or open loop.
//!
//! A *closed loop* sends the next request the moment the answer to the
//! last one arrives, as `wrk` does. It measures how fast the server can
//! go, but its latencies lie when the server stalls: while the server
//! holds one answer back for 200 ms, the client sends nothing, so the
//! requests it *would* have sent in those 200 ms are never timed. Only
//! the one slow request shows, and the p99 stays low. This blind spot is
//! called *coordinated omission*: the client co-ordinates with the server
//! to leave out exactly the measurements that would have been bad.
//!
//! An *open loop* sends at a fixed rate, whatever the server does.
//! Request `i` of the run, counted over all connections, is due at
//! `start + i / rate`; connection `c` of `C` takes requests `c`, `c + C`,
//! `c + 2C`, ... A request's latency is counted from when it was *due*,
//! not from when it was sent, so a request that had to wait behind a
//! stalled one carries that wait in its latency, as a user's would. A
//! connection that falls behind sends at once, and never skips a request:
//! skipping would be the omission again.
//!
//! ```text
//!   due:      0    10   20   30   40   50 ms     (rate 100/s, one connection)
//!   closed:   |-----------200-----------|--|--|   4 of 5 requests never sent
//!   open:     |-----------200-----------|         latencies 200, 190, 180, ...
//! ```
//!
//! Everything here is arithmetic on durations since the start of the run:
//! the caller reads the clock and passes the time in.

use std::time::Duration;

/// How requests are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// The next request as soon as the last answer is in.
    Closed,
    /// This many requests per second in total, over all connections.
    Open {
        /// Requests per second, more than zero.
        rate: f64,
    },
}

// ANCHOR: schedule
/// The open-loop schedule of one connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    rate: f64,
    connections: u64,
    /// The global index of this connection's next request.
    next: u64,
}

impl Schedule {
    /// The schedule of connection `connection` (from 0) of `connections`,
    /// at `rate` requests per second in total.
    pub fn new(rate: f64, connections: usize, connection: usize) -> Schedule {
        Schedule {
            rate,
            connections: connections.max(1) as u64,
            next: connection as u64,
        }
    }

    /// When this connection's next request is due, since the start of the
    /// run; the one after that is due `connections / rate` later.
    pub fn next_due(&mut self) -> Duration {
        let due = due_at(self.next, self.rate);
        self.next += self.connections;
        due
    }
}

/// When request `index` of the run is due at `rate` requests per second:
/// `index / rate` seconds after the start.
pub fn due_at(index: u64, rate: f64) -> Duration {
    // A rate that is not a positive number would give no schedule at all:
    // such a request is due at once (the command line refuses such rates).
    if rate.is_nan() || rate <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(index as f64 / rate).unwrap_or(Duration::MAX)
}

/// How long to wait, at `now`, before sending a request due at `due`:
/// nothing when it is already late (it goes at once, never skipped).
pub fn wait_before(due: Duration, now: Duration) -> Duration {
    due.saturating_sub(now)
}

/// The latency of a request due at `due` whose answer was in at
/// `finished`. In a closed loop `due` is when it was sent.
pub fn latency(due: Duration, finished: Duration) -> Duration {
    finished.saturating_sub(due)
}
// ANCHOR_END: schedule

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn request_i_is_due_at_i_over_rate() {
        let table = [
            (0, 100.0, ms(0)),
            (1, 100.0, ms(10)),
            (250, 1000.0, ms(250)),
        ];
        for (index, rate, expected) in table {
            assert_eq!(due_at(index, rate), expected, "request {index} at {rate}/s");
        }
    }

    #[test]
    fn each_connection_takes_every_cth_request() {
        // 100/s over 4 connections: connection 1 takes requests 1, 5, 9.
        let mut schedule = Schedule::new(100.0, 4, 1);
        let dues: Vec<_> = (0..3).map(|_| schedule.next_due()).collect();
        assert_eq!(dues, [ms(10), ms(50), ms(90)]);
    }

    #[test]
    fn the_connections_together_cover_every_request_once() {
        let mut all: Vec<Duration> = (0..3)
            .flat_map(|c| {
                let mut schedule = Schedule::new(1000.0, 3, c);
                (0..4).map(move |_| schedule.next_due())
            })
            .collect();
        all.sort();
        let expected: Vec<_> = (0..12).map(ms).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn a_late_request_goes_at_once_and_is_not_skipped() {
        // Due at 10 ms, and it is 250 ms: no wait, and the next one of the
        // schedule is still the very next request, not one near 250 ms.
        assert_eq!(wait_before(ms(10), ms(250)), Duration::ZERO);
        assert_eq!(wait_before(ms(30), ms(20)), ms(10));
        let mut schedule = Schedule::new(100.0, 1, 0);
        schedule.next_due();
        assert_eq!(schedule.next_due(), ms(10));
    }

    #[test]
    fn latency_counts_from_when_the_request_was_due() {
        // Due at 10 ms, sent late at 200 ms behind a stall, answered at
        // 201 ms: the user waited 191 ms, not 1 ms.
        assert_eq!(latency(ms(10), ms(201)), ms(191));
        assert_eq!(latency(ms(10), ms(5)), Duration::ZERO);
    }

    #[test]
    fn a_rate_that_is_not_positive_is_due_at_once() {
        for rate in [0.0, -1.0, f64::NAN] {
            assert_eq!(due_at(7, rate), Duration::ZERO);
        }
    }
}

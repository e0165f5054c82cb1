//! The run: a thread per connection, each making requests until the time
//! is up, each timing them in its own histogram.
//!
//! ```text
//!   start        warm-up ends                          end
//!     |--------------|-------------------------------------|
//!      not counted     every answer timed and counted
//! ```
//!
//! The warm-up lets connections open, caches fill and the CPU's clock
//! rise before anything counts. A request answered after the end does not
//! count either: what is counted happened inside the measured window, so
//! requests divided by its length is a true rate.
//!
//! Each thread keeps its own [`Histogram`] and counters, merged once at the
//! end: a lock or a shared counter touched on every request would make the
//! threads wait on each other, and the tool would measure itself.
//!
//! A request that fails is counted as an error and its connection is
//! opened again, after a pause that grows while failures go on, so that a
//! dead server is not hammered in a tight loop. A run where no connection
//! could ever be opened ends at once with that error: a closed port is a
//! mistake in the command, not a figure.

use super::histogram::Histogram;
use super::report::Summary;
use super::schedule::{latency, wait_before, Pacing, Schedule};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How many times in a row a connection may fail to open, while no
/// connection of the run has ever opened, before the run gives up: three
/// tries, over about 30 ms, tell a closed port from a server slow to
/// accept a burst of connections.
pub const MAX_FAILED_CONNECTS: u32 = 3;

/// The first pause before opening a connection again after a failure;
/// it doubles with each failure in a row, up to [`MAX_RETRY_PAUSE`].
pub const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// The longest pause between two tries: short enough that a server that
/// comes back is used again within a tenth of a second.
pub const MAX_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// The stack of each connection's thread: 256 KiB, an eighth of Rust's
/// default, since a session keeps its buffers on the heap; ten thousand
/// connections then reserve 2.5 GiB of address space, not 20 GiB.
pub const THREAD_STACK_LEN: usize = 256 * 1024;

/// The default time a request may take, all of it, before it counts as an
/// error: far above any latency worth measuring, and short enough that a
/// run ends soon after its time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The longest timeout a request may be given: an hour is no latency
/// worth measuring, and a deadline much further off than that (`now +
/// 1e19 s`) does not fit in a clock reading and would panic.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// What went wrong with one connection or one request.
#[derive(Debug)]
pub enum LoadError {
    /// The connection could not be opened.
    Connect {
        /// Where to.
        to: String,
        /// Why not.
        error: io::Error,
    },
    /// Reading or writing failed (reset, closed early).
    Io(io::Error),
    /// The answer took longer than the timeout.
    TimedOut,
    /// The server answered, but said no (HTTP 503, `-ERR`, SMTP 451).
    Refused(String),
    /// The answer is not what the protocol allows, or not what was asked.
    Protocol(String),
}

impl LoadError {
    /// An I/O error, with a timeout told apart from the rest.
    pub fn from_io(error: io::Error) -> LoadError {
        match error.kind() {
            // A read timeout is "would block" on Unix, "timed out" on Windows.
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => LoadError::TimedOut,
            _ => LoadError::Io(error),
        }
    }
}

impl From<io::Error> for LoadError {
    fn from(error: io::Error) -> LoadError {
        LoadError::from_io(error)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Connect { to, error } => write!(f, "cannot connect to {to}: {error}"),
            LoadError::Io(error) => write!(f, "{error}"),
            LoadError::TimedOut => f.write_str("no answer within the timeout"),
            LoadError::Refused(why) => write!(f, "refused: {why}"),
            LoadError::Protocol(why) => write!(f, "unexpected answer: {why}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Connect { error, .. } | LoadError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// What is measured: something that opens sessions.
pub trait Target: Sync {
    /// What is measured, for the report: a URL, `tcp 127.0.0.1:7`.
    fn describe(&self) -> String;

    /// Opens one session (a connection, logged in if need be), ready for
    /// requests.
    fn open(&self) -> Result<Box<dyn Session>, LoadError>;
}

/// One connection's worth of requests. A session lives and dies on the
/// thread that opened it, so it need not be `Send`.
pub trait Session {
    /// Makes one request and takes its whole answer. After an error the
    /// session is dropped and another opened.
    fn request(&mut self) -> Result<(), LoadError>;
}

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunConfig {
    /// How many connections at once, each on its own thread.
    pub connections: usize,
    /// How long to run before counting.
    pub warmup: Duration,
    /// How long to count.
    pub duration: Duration,
    /// Closed or open loop.
    pub pacing: Pacing,
}

/// What one connection's thread counted.
#[derive(Debug)]
struct Tally {
    latencies: Histogram,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    /// The error that made it give up connecting, if it did.
    gave_up: Option<LoadError>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            latencies: Histogram::new(),
            requests: 0,
            errors: 0,
            first_error: None,
            gave_up: None,
        }
    }

    fn error(&mut self, error: &LoadError) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error.to_string());
        }
    }
}

/// What all threads share: when the run started, whether any connection
/// ever opened, and whether the run must stop early.
struct Shared {
    start: Instant,
    connected: AtomicBool,
    stop: AtomicBool,
}

// ANCHOR: run
/// Runs `target` as `config` says and sums up what it measured, or says
/// why no connection could be opened at all.
pub fn run(target: &dyn Target, config: &RunConfig) -> Result<Summary, LoadError> {
    let connections = config.connections.max(1);
    let shared = Shared {
        start: Instant::now(),
        connected: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    };
    let mut cannot_spawn = None;
    let tallies: Vec<Tally> = thread::scope(|scope| {
        let mut threads = Vec::with_capacity(connections);
        for index in 0..connections {
            let shared = &shared;
            let spawned = thread::Builder::new()
                .name(format!("load-{index}"))
                .stack_size(THREAD_STACK_LEN)
                .spawn_scoped(scope, move || {
                    connection_loop(target, config, index, shared)
                });
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(error) => {
                    // Out of threads or memory: stop those started, and say so.
                    shared.stop.store(true, Ordering::Relaxed);
                    cannot_spawn = Some(LoadError::Io(io::Error::new(
                        error.kind(),
                        format!(
                            "cannot start the thread of connection {} of {connections}: {error}",
                            index + 1
                        ),
                    )));
                    break;
                }
            }
        }
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap_or_else(|_| panicked()))
            .collect()
    });
    if let Some(error) = cannot_spawn {
        return Err(error);
    }
    let mut summary = Summary {
        target: target.describe(),
        connections,
        pacing: config.pacing,
        requests: 0,
        errors: 0,
        first_error: None,
        elapsed: config.duration,
        latencies: Histogram::new(),
    };
    let connected = shared.connected.load(Ordering::Relaxed);
    let mut gave_up = None;
    for tally in tallies {
        summary.latencies.merge(&tally.latencies);
        summary.requests += tally.requests;
        summary.errors += tally.errors;
        summary.first_error = summary.first_error.or(tally.first_error);
        if let (Some(error), true) = (&tally.gave_up, connected) {
            // It gave up before another connection opened, and made no
            // request since: one connection fewer than the report says,
            // which its reader must see (a POP3 maildrop already in use).
            summary.errors += 1;
            summary.first_error = summary.first_error.or(Some(error.to_string()));
        }
        gave_up = gave_up.or(tally.gave_up);
    }
    match gave_up {
        Some(error) if !connected => Err(error),
        _ => Ok(summary),
    }
}
// ANCHOR_END: run

/// The tally of a thread that panicked (a bug): one error that says so.
fn panicked() -> Tally {
    let mut tally = Tally::new();
    tally.error(&LoadError::Protocol(
        "a connection's thread panicked".into(),
    ));
    tally
}

// ANCHOR: connection_loop
/// One connection's thread: open, request until the end or an error,
/// open again.
fn connection_loop(
    target: &dyn Target,
    config: &RunConfig,
    index: usize,
    shared: &Shared,
) -> Tally {
    let warm_end = config.warmup;
    let end = config.warmup.saturating_add(config.duration);
    let now = || shared.start.elapsed();
    let stopped = || shared.stop.load(Ordering::Relaxed);
    let mut schedule = match config.pacing {
        Pacing::Open { rate } => Some(Schedule::new(rate, config.connections.max(1), index)),
        Pacing::Closed => None,
    };
    let mut tally = Tally::new();
    // Failures in a row, of opening or of requests: the pause grows with them.
    let mut failures: u32 = 0;
    let mut failed_connects: u32 = 0;
    'connections: while now() < end && !stopped() {
        if failures > 0 {
            let pause = retry_pause(failures).min(end.saturating_sub(now()));
            thread::sleep(pause);
        }
        let mut session = match target.open() {
            Ok(session) => {
                shared.connected.store(true, Ordering::Relaxed);
                failed_connects = 0;
                session
            }
            Err(error) => {
                failures += 1;
                failed_connects += 1;
                if now() >= warm_end {
                    tally.error(&error);
                }
                if failed_connects >= MAX_FAILED_CONNECTS
                    && !shared.connected.load(Ordering::Relaxed)
                {
                    tally.gave_up = Some(error);
                    break;
                }
                continue;
            }
        };
        loop {
            let due = match &mut schedule {
                Some(schedule) => {
                    let due = schedule.next_due();
                    if due >= end {
                        break 'connections;
                    }
                    thread::sleep(wait_before(due, now()));
                    due
                }
                None => now(),
            };
            if due >= end || stopped() {
                break 'connections;
            }
            let result = session.request();
            let finished = now();
            if finished > end {
                // Answered (or failed) after the window: not counted.
                break 'connections;
            }
            let counted = due >= warm_end;
            match result {
                Ok(()) => {
                    failures = 0;
                    if counted {
                        tally.requests += 1;
                        tally.latencies.record(latency(due, finished));
                    }
                }
                Err(error) => {
                    failures += 1;
                    if counted {
                        tally.error(&error);
                    }
                    continue 'connections;
                }
            }
        }
    }
    tally
}
// ANCHOR_END: connection_loop

/// The pause before the next try after `failures` failures in a row:
/// none after the first failed request (a server may close an idle
/// connection, and one reconnect is normal), then 10 ms, doubling, at
/// most [`MAX_RETRY_PAUSE`].
pub fn retry_pause(failures: u32) -> Duration {
    match failures {
        0 | 1 => Duration::ZERO,
        n => FIRST_RETRY_PAUSE
            .saturating_mul(1 << (n - 2).min(8))
            .min(MAX_RETRY_PAUSE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_between_tries_grows_and_stops_growing() {
        let table = [
            (1, 0),
            (2, 10),
            (3, 20),
            (4, 40),
            (5, 80),
            (6, 100),
            (40, 100),
        ];
        for (failures, millis) in table {
            assert_eq!(
                retry_pause(failures),
                Duration::from_millis(millis),
                "{failures}"
            );
        }
    }
}

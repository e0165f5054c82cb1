//! A small load generator for echo servers: how many round trips a second?
//!
//! Each of `connections` threads opens a connection and, for `duration`,
//! sends a line and waits for its echo, again and again. With `reconnect`,
//! every round trip gets a connection of its own (connect, one line, close),
//! which measures how fast a server accepts rather than how fast it echoes.
//!
//! Any echo server that answers a line with the same line will do: this
//! crate's (any framing but frames), `socat ... PIPE`, or `ncat --exec cat`.
//! Chapter 12 grows this into a general tool.

use super::client::{connect, EchoClient};
use std::io;
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

/// What load to make.
#[derive(Debug, Clone)]
pub struct Load {
    /// How many clients at once, each on its own thread.
    pub connections: usize,
    /// How long to keep going.
    pub duration: Duration,
    /// A new connection for every round trip.
    pub reconnect: bool,
}

/// What the load measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadReport {
    /// Round trips completed.
    pub round_trips: u64,
    /// Round trips that failed (refused, reset, wrong echo).
    pub errors: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Round trips per second.
    pub fn rate(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs `load` against the echo server at `addrs` (each connection tries
/// them in order, as [`connect`] does).
pub fn run(addrs: &[SocketAddr], load: &Load) -> LoadReport {
    let started = Instant::now();
    let deadline = started + load.duration;
    let workers: Vec<_> = (0..load.connections.max(1))
        .map(|id| {
            let reconnect = load.reconnect;
            let addrs = addrs.to_vec();
            thread::spawn(move || client_loop(&addrs, id, deadline, reconnect))
        })
        .collect();
    let mut report = LoadReport {
        round_trips: 0,
        errors: 0,
        elapsed: Duration::ZERO,
    };
    for worker in workers {
        let (done, failed) = worker.join().unwrap_or((0, 1));
        report.round_trips += done;
        report.errors += failed;
    }
    report.elapsed = started.elapsed();
    report
}

/// One client: round trips until the deadline; returns (done, failed).
fn client_loop(addrs: &[SocketAddr], id: usize, deadline: Instant, reconnect: bool) -> (u64, u64) {
    const TIMEOUT: Duration = Duration::from_secs(5);
    let line = format!("load from client {id}");
    let (mut done, mut failed) = (0, 0);
    let mut client: Option<EchoClient<_>> = None;
    while Instant::now() < deadline {
        let result = (|| -> io::Result<()> {
            let conn = match client.as_mut() {
                Some(conn) => conn,
                None => client.insert(EchoClient::new(connect(addrs, TIMEOUT)?)),
            };
            if conn.echo_line(&line)? != line {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "wrong echo"));
            }
            Ok(())
        })();
        match result {
            Ok(()) => done += 1,
            Err(_) => {
                failed += 1;
                client = None;
            }
        }
        if reconnect {
            client = None;
        }
    }
    (done, failed)
}

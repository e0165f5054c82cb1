//! C10K: how many idle keep-alive connections a thread-per-connection
//! server holds, what each costs, and whether a new client still gets a
//! quick answer while they are held.
//!
//! In 1999 Dan Kegel asked how a server could handle ten thousand clients
//! at once ("the C10K problem"), and the answer of the time was: not with a
//! thread each. Threads have become cheaper since (a stack is address space
//! until it is touched, and the scheduler picks the next thread in constant
//! time), so this tool measures instead of repeating the answer:
//!
//! ```text
//! 12-measuring c10k http://127.0.0.1:8080/4k.bin --pid 4242 --hold 1000,5000,10000
//!
//! held   RSS MiB  threads  KiB/conn   new p50   new p99   new max  opened in  alive
//! 1000      ...
//! ```
//!
//! For each count of `--hold`, in order, the tool:
//!
//! 1. opens connections until that many are held, from a few threads
//!    ([`OPENERS`]), each sending one `GET` and reading its answer, so that
//!    every held connection has been served and its server thread waits,
//!    idle, for the next request, as a browser's kept connection does;
//! 2. reads the server's resident memory (`VmRSS`) and thread count
//!    (`Threads`) from `/proc/PID/status`;
//! 3. times [`PROBES`] new clients, one after the other and spread over
//!    about a second: connect, `GET` with `Connection: close`, the whole
//!    answer read. Their latency, in a [`Histogram`], says whether the
//!    held connections slow the server down for everyone else;
//! 4. sends a request on every held connection, to check that each is
//!    still served (the "alive" column) and to restart the server's idle
//!    timer on it, so that a long run does not lose its first connections
//!    to the server's read timeout.
//!
//! "KiB/conn" is the server's growth in memory since the tool started,
//! divided by the connections held: what one more idle connection costs.
//!
//! The load client holds its connections in a `Vec` on a few threads, not
//! a thread each, so that its own costs stay out of the way; it must be a
//! separate process from the server, since each process may open only
//! `ulimit -n` file descriptors, and each end of a connection takes one.
//! Both limits are read from `/proc/.../limits` and shown before the run.

use super::histogram::Histogram;
use crate::cli::{Args, UsageError};
use crate::http::body::{response_body, BodyLength};
use crate::http::conn::{read_head, BodyReader};
use crate::http::head::{parse_response_head, Method};
use crate::url::Url;
use crate::wire::buffer::RecvBuf;
use std::error::Error;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

/// How many threads open (and later check) the held connections. Two
/// cores are kept busy by four threads that each wait for the server
/// half of the time; more would only add switching between threads.
pub const OPENERS: usize = 4;

/// How many connections an opener starts before it waits for their
/// answers: enough to keep the server's accept queue full while it makes
/// threads, few enough that none waits past the listen backlog (128).
pub const OPEN_BATCH: usize = 32;

/// How many new clients are timed at each count: 200 is enough for a p99
/// (the second slowest) that does not hang on one unlucky request.
pub const PROBES: usize = 200;

/// The pause between two new clients: 200 of them spread over a second,
/// so that they measure a server at rest with its idle connections, not a
/// burst.
pub const PROBE_SPACING: Duration = Duration::from_millis(5);

/// How long any one connect, write or read may take before it counts as a
/// failure: thirty times the slowest new client measured (90 ms, with
/// 16 000 connections held), and short enough that a step stuck at a
/// limit (clients waiting in the backlog of a server that cannot accept)
/// ends before the server's idle timeout (30 s) closes the connections
/// held from the step before.
pub const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// The largest response head the tool reads (the server's is a few
/// hundred bytes); the body is read through the same buffer.
const RESPONSE_BUFFER_LEN: usize = 16 * 1024;

/// The longest body drained from one response: the tool asks for a small
/// file, and refuses to be held reading a large one.
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// What `/proc/PID/status` says of a process's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStatus {
    /// Resident memory, `VmRSS`, in KiB.
    pub rss_kib: u64,
    /// `Threads`.
    pub threads: u64,
}

/// Reads `VmRSS:` and `Threads:` from the text of `/proc/PID/status`:
///
/// ```text
/// VmRSS:      10436 kB     (a tab after each colon)
/// Threads:    1003
/// ```
pub fn parse_status(text: &str) -> Option<ProcStatus> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.split_whitespace().next()?.parse().ok())
    };
    Some(ProcStatus {
        rss_kib: field("VmRSS")?,
        threads: field("Threads")?,
    })
}

/// Reads the soft limit on open files from the text of `/proc/PID/limits`:
///
/// ```text
/// Limit                     Soft Limit           Hard Limit           Units
/// Max open files            20000                20000                files
/// ```
///
/// `None` if it is missing or "unlimited".
pub fn parse_open_files_limit(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// One line of the table: the server's state with `held` connections.
#[derive(Debug, Clone)]
pub struct Row {
    /// Connections held.
    pub held: usize,
    /// The server's size while they are held.
    pub status: ProcStatus,
    /// The server's resident memory before the tool opened any, in KiB.
    pub baseline_rss_kib: u64,
    /// The latency of the new clients.
    pub probes: Histogram,
    /// How many new clients failed.
    pub probe_errors: usize,
    /// How long opening the connections of this step took.
    pub opened_in: Duration,
    /// How many held connections answered the check after the probes.
    pub alive: usize,
}

/// The head of the table, aligned with [`format_row`].
pub fn table_header() -> String {
    format!(
        "{:>6} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10} {:>6}",
        "held",
        "RSS MiB",
        "threads",
        "KiB/conn",
        "new p50",
        "new p99",
        "new max",
        "opened in",
        "alive"
    )
}

/// One row of the table.
pub fn format_row(row: &Row) -> String {
    let grown = row.status.rss_kib.saturating_sub(row.baseline_rss_kib);
    let per_connection = grown as f64 / row.held.max(1) as f64;
    let mut line = format!(
        "{:>6} {:>8.1} {:>8} {:>9.1} {:>9} {:>9} {:>9} {:>9.2}s {:>6}",
        row.held,
        row.status.rss_kib as f64 / 1024.0,
        row.status.threads,
        per_connection,
        millis(row.probes.percentile(50.0)),
        millis(row.probes.percentile(99.0)),
        millis(row.probes.max()),
        row.opened_in.as_secs_f64(),
        row.alive,
    );
    if row.probe_errors > 0 {
        let _ = write!(line, "  ({} new clients failed)", row.probe_errors);
    }
    line
}

/// A duration in milliseconds, two decimals: `0.42ms`.
fn millis(duration: Duration) -> String {
    format!("{:.2}ms", duration.as_secs_f64() * 1000.0)
}

/// The counts of `--hold 1000,5000,10000`: each larger than the last.
pub fn parse_holds(text: &str) -> Result<Vec<usize>, UsageError> {
    let mut holds: Vec<usize> = Vec::new();
    for word in text.split(',') {
        let count: usize = word
            .trim()
            .parse()
            .map_err(|_| UsageError(format!("--hold: cannot understand {word:?}")))?;
        if count == 0 || holds.last().is_some_and(|last| count <= *last) {
            return Err(UsageError(format!(
                "--hold {text}: give counts that grow, as in --hold 1000,5000,10000"
            )));
        }
        holds.push(count);
    }
    Ok(holds)
}

/// Where the requests go: the address to connect to, and the request's
/// `Host` and target.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's address.
    pub addr: SocketAddr,
    /// The request bytes of a kept connection's `GET`.
    keep: Vec<u8>,
    /// The request bytes of a new client's `GET` (`Connection: close`).
    close: Vec<u8>,
}

impl Target {
    /// The target of `http://HOST:PORT/PATH`.
    pub fn parse(text: &str) -> Result<Target, Box<dyn Error>> {
        let url = Url::parse(text).map_err(|error| UsageError(format!("{text}: {error}")))?;
        if url.scheme() != "http" {
            return Err(UsageError(format!("{text}: c10k speaks http:// only")).into());
        }
        let host = url
            .host()
            .ok_or_else(|| UsageError(format!("{text}: no host")))?
            .to_string();
        let port = url.port_or_default().unwrap_or(80);
        let addr = (host.trim_matches(['[', ']']), port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| format!("{host} has no address"))?;
        let target = url.request_target();
        let request = |connection: &str| {
            format!("GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{connection}\r\n").into_bytes()
        };
        Ok(Target {
            addr,
            keep: request(""),
            close: request("Connection: close\r\n"),
        })
    }
}

/// Sends one request on `stream` and reads the whole answer; the status
/// must be 200. The buffer lives only for the request, so that a held
/// connection costs this process its socket alone.
fn exchange(mut stream: &TcpStream, request: &[u8]) -> io::Result<()> {
    stream.write_all(request)?;
    read_answer(stream)
}

fn read_answer(stream: &TcpStream) -> io::Result<()> {
    let mut buf = RecvBuf::new(stream, RESPONSE_BUFFER_LEN);
    let head = read_head(&mut buf, parse_response_head)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed"))?;
    if head.status != 200 {
        return Err(io::Error::other(format!(
            "the server answered {} {}",
            head.status, head.reason
        )));
    }
    let length = response_body(&Method::Get, &head).map_err(io::Error::other)?;
    if length == BodyLength::UntilClose {
        return Err(io::Error::other("the answer has no length"));
    }
    BodyReader::new(&mut buf, length).drain(MAX_BODY)?;
    Ok(())
}

/// A connection to `addr`, with the tool's timeouts.
fn connect(addr: &SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Opens `count` more served connections into `held`, in batches of
/// [`OPEN_BATCH`]: connect them all, send each its request, then read
/// each answer. Stops at the first failure, keeping those it opened.
fn open_served(target: &Target, count: usize, held: &mut Vec<TcpStream>) -> io::Result<()> {
    let mut left = count;
    while left > 0 {
        let batch = left.min(OPEN_BATCH);
        let mut fresh = Vec::with_capacity(batch);
        for _ in 0..batch {
            fresh.push(connect(&target.addr)?);
        }
        for mut stream in &fresh {
            stream.write_all(&target.keep)?;
        }
        // Keep every one that was served; stop after the batch if any was not.
        let mut failure = None;
        for stream in fresh {
            match read_answer(&stream) {
                Ok(()) => held.push(stream),
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }
        left -= batch;
    }
    Ok(())
}

/// Opens connections on [`OPENERS`] threads until `goal` are held in all
/// of `shards`. The first failure, if any, is returned with what was held.
fn open_up_to(target: &Target, shards: &mut [Vec<TcpStream>], goal: usize) -> io::Result<()> {
    let held: usize = shards.iter().map(Vec::len).sum();
    let wanted = goal.saturating_sub(held);
    let threads = shards.len();
    let failures: Vec<io::Error> = thread::scope(|scope| {
        let running: Vec<_> = shards
            .iter_mut()
            .enumerate()
            .map(|(i, shard)| {
                // Share the work out: the first `wanted % threads` open one more.
                let share = wanted / threads + usize::from(i < wanted % threads);
                scope.spawn(move || open_served(target, share, shard))
            })
            .collect();
        running
            .into_iter()
            .filter_map(|opener| match opener.join() {
                Ok(result) => result.err(),
                Err(_) => Some(io::Error::other("an opener thread panicked")),
            })
            .collect()
    });
    match failures.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Sends a request on every held connection; returns how many answered.
/// A connection that fails is dropped from its shard.
fn check_alive(target: &Target, shards: &mut [Vec<TcpStream>]) -> usize {
    thread::scope(|scope| {
        let running: Vec<_> = shards
            .iter_mut()
            .map(|shard| {
                scope.spawn(move || {
                    shard.retain(|stream| exchange(stream, &target.keep).is_ok());
                    shard.len()
                })
            })
            .collect();
        running
            .into_iter()
            .map(|checker| checker.join().unwrap_or(0))
            .sum()
    })
}

/// Times `probes` new clients, one every [`PROBE_SPACING`]; returns
/// their latencies and how many failed.
fn probe(target: &Target, probes: usize) -> (Histogram, usize) {
    let mut latencies = Histogram::new();
    let mut errors = 0;
    let start = Instant::now();
    for i in 0..probes {
        // Each probe starts at its due time (or at once, if the last one
        // ran late), so a slow answer does not push the others together.
        let due = start + PROBE_SPACING * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        let began = Instant::now();
        match connect(&target.addr).and_then(|stream| exchange(&stream, &target.close)) {
            Ok(()) => latencies.record(began.elapsed()),
            Err(_) => errors += 1,
        }
    }
    (latencies, errors)
}

/// The server's size, from `/proc/PID/status`.
fn read_status(pid: u32) -> io::Result<ProcStatus> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| io::Error::new(error.kind(), format!("{path}: {error}")))?;
    parse_status(&text).ok_or_else(|| io::Error::other(format!("{path} has no VmRSS or Threads")))
}

/// The soft limit on open files of process `pid` ("self" for this one).
fn open_files_limit(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    parse_open_files_limit(&text)
}

/// A limit on open files, for the line before the table.
fn describe_limit(limit: Option<u64>) -> String {
    match limit {
        Some(limit) => format!("{limit} open files"),
        None => "no limit on open files".to_string(),
    }
}

// ANCHOR: c10k_command
/// What to measure: the server, its process, and the counts to hold.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where the requests go.
    pub target: Target,
    /// The server's process id, for `/proc/PID/status`.
    pub pid: u32,
    /// The counts of connections to hold, growing.
    pub holds: Vec<usize>,
    /// How many new clients to time at each count.
    pub probes: usize,
}

/// The `c10k` command of chapter 12's example: `args` are the words after
/// `c10k` (the URL, `--pid`, `--hold`, `--probes`). Prints the table on
/// standard output, one row per count as it is measured.
pub fn c10k_command(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["pid", "hold", "probes"])?;
    let [url] = args.positional() else {
        return Err(UsageError("c10k takes one URL: the HTTP server's".into()).into());
    };
    let pid: u32 = args
        .value("pid")
        .ok_or_else(|| UsageError("--pid: the server's process id is needed".into()))?
        .parse()
        .map_err(|_| UsageError("--pid: give a process id".into()))?;
    let plan = Plan {
        target: Target::parse(url)?,
        pid,
        holds: parse_holds(args.value("hold").unwrap_or("1000,5000,10000"))?,
        probes: args.parsed("probes", PROBES)?,
    };
    run(&plan, &mut io::stdout().lock())
}

/// Measures `plan`, writing the table to `out` a row at a time. Opening
/// stops at the first connection that fails (the row shows what was
/// held, and a line after it why it stopped).
pub fn run(plan: &Plan, out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    let Plan { target, pid, .. } = plan;
    let baseline = read_status(*pid)?;
    writeln!(
        out,
        "server {pid}: {:.1} MiB, {} threads, {}; this client: {}",
        baseline.rss_kib as f64 / 1024.0,
        baseline.threads,
        describe_limit(open_files_limit(&pid.to_string())),
        describe_limit(open_files_limit("self")),
    )?;
    writeln!(out, "{}", table_header())?;
    out.flush()?;
    let mut shards: Vec<Vec<TcpStream>> = (0..OPENERS).map(|_| Vec::new()).collect();
    for &goal in &plan.holds {
        let began = Instant::now();
        let opened = open_up_to(target, &mut shards, goal);
        let opened_in = began.elapsed();
        let held = shards.iter().map(Vec::len).sum();
        let status = read_status(*pid)?;
        let (latencies, probe_errors) = probe(target, plan.probes);
        let alive = check_alive(target, &mut shards);
        let row = Row {
            held,
            status,
            baseline_rss_kib: baseline.rss_kib,
            probes: latencies,
            probe_errors,
            opened_in,
            alive,
        };
        writeln!(out, "{}", format_row(&row))?;
        out.flush()?;
        if let Err(error) = opened {
            writeln!(
                out,
                "stopped at {held} held of {goal}: opening one more failed: {error}"
            )?;
            break;
        }
    }
    Ok(())
}
// ANCHOR_END: c10k_command

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\t06-http-server\nUmask:\t0022\nState:\tS (sleeping)\n\
VmPeak:\t  123456 kB\nVmRSS:\t   10436 kB\nRssAnon:\t    4000 kB\nThreads:\t1003\n";

    #[test]
    fn status_gives_resident_memory_and_threads() {
        assert_eq!(
            parse_status(STATUS),
            Some(ProcStatus {
                rss_kib: 10436,
                threads: 1003
            })
        );
    }

    #[test]
    fn status_without_the_fields_is_none() {
        assert_eq!(parse_status("Name:\tx\nVmRSS:\t12 kB\n"), None);
        assert_eq!(parse_status(""), None);
    }

    #[test]
    fn the_open_files_limit_is_the_soft_one() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
Max processes             192730               192730               processes\n\
Max open files            1024                 20000                files\n";
        assert_eq!(parse_open_files_limit(limits), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_open_files_limit(unlimited), None);
    }

    #[test]
    fn holds_are_counts_that_grow() {
        let cases: &[(&str, Option<&[usize]>)] = &[
            ("1000", Some(&[1000])),
            ("1000,5000,10000", Some(&[1000, 5000, 10000])),
            ("1000, 5000", Some(&[1000, 5000])),
            ("5000,1000", None),
            ("1000,1000", None),
            ("0", None),
            ("ten", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_holds(text).ok().as_deref(), *expected, "{text:?}");
        }
    }

    #[test]
    fn a_row_shows_memory_per_connection_and_the_latencies() {
        let mut probes = Histogram::new();
        for micros in [200, 300, 400] {
            probes.record(Duration::from_micros(micros));
        }
        let row = Row {
            held: 1000,
            status: ProcStatus {
                rss_kib: 2048 + 12_000,
                threads: 1003,
            },
            baseline_rss_kib: 2048,
            probes,
            probe_errors: 0,
            opened_in: Duration::from_millis(420),
            alive: 1000,
        };
        let line = format_row(&row);
        let words: Vec<&str> = line.split_whitespace().collect();
        // 12 000 KiB grown over 1000 connections: 12 KiB each.
        assert_eq!(words[..4], ["1000", "13.7", "1003", "12.0"]);
        assert_eq!(words[6], "0.40ms", "{line}");
        assert_eq!(words[7..], ["0.42s", "1000"]);
        assert_eq!(
            table_header().split_whitespace().count(),
            words.len() + 5, // "RSS MiB", "new p50", "new p99", "new max", "opened in" are two words
            "{}",
            table_header()
        );
    }

    #[test]
    fn failed_new_clients_are_counted_on_their_row() {
        let row = Row {
            held: 10,
            status: ProcStatus {
                rss_kib: 100,
                threads: 12,
            },
            baseline_rss_kib: 100,
            probes: Histogram::new(),
            probe_errors: 3,
            opened_in: Duration::ZERO,
            alive: 10,
        };
        assert!(format_row(&row).ends_with("(3 new clients failed)"));
    }
}

//! Chapter 12: measuring a server, with a load generator of our own.
//!
//! ```text
//! cargo run --example 12-measuring                         # the demo
//! cargo run --release --example 12-measuring -- http http://127.0.0.1:8080/4k.bin --connections 64
//! cargo run --release --example 12-measuring -- tcp 127.0.0.1:7007 --rate 10000
//! ```

use netlessons::cli::{example_main, unknown_command, Args, UsageError};
use netlessons::dns::{Name, RecordType};
use netlessons::load::drivers::{
    DnsTarget, EchoTarget, FtpTarget, HttpTarget, Pop3Target, SmtpTarget,
};
use netlessons::load::report::{connections_phrase, Summary};
use netlessons::load::run::{run, LoadError, RunConfig, Target, DEFAULT_TIMEOUT, MAX_TIMEOUT};
use netlessons::load::schedule::Pacing;
use netlessons::load::svg::{latency_chart, throughput_chart};
use netlessons::smtp::address::Mailbox;
use std::error::Error;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: 12-measuring
           run the chapter's demo: a second of load on the chapter 06 server
       12-measuring http URL [--close] [OPTIONS]
           GET URL again and again over kept connections; with --close, a
           connection of its own for each request
       12-measuring tcp HOST:PORT [--size BYTES] [OPTIONS]
           write BYTES (default 64) to an echo server and read them back
       12-measuring smtp HOST:PORT [--from A] [--to A] [--size BYTES] [OPTIONS]
           send one message of about BYTES (default 1024) a request, from A
           (default load@localhost) to A (default alice@example.test)
       12-measuring pop3 pop3://USER:PASS@HOST:PORT/ [OPTIONS]
           RETR each message of the maildrop in turn; a maildrop is one
           session's at a time, so for more connections write {n} in USER
           (and PASS): pop3://user{n}:pass{n}@HOST/ logs connection 1 in
           as user1, connection 2 as user2...
       12-measuring ftp ftp://USER:PASS@HOST:PORT/PATH [OPTIONS]
           RETR PATH, a data connection each time, on a kept control one
       12-measuring dns HOST:PORT --name NAME [--type T] [OPTIONS]
           one UDP query for NAME's records of type T (default A)
       12-measuring c10k URL --pid PID [--hold N[,N...]] [--probes P]
           hold N keep-alive connections to the HTTP server at URL, each
           served once (default 1000,5000,10000), for each N in turn; show
           the server's memory and threads (from /proc/PID/status) and the
           latency of P new clients (default 200) while they are held
options of every command but c10k:
       --connections N[,N...]  connections at once (default 16); several
                               counts run one after the other
       --seconds S             how long to measure (default 10; 0.5 will do)
       --warmup S              how long to run first, not counted (default 1)
       --rate R                open loop: R requests/s in all, each request's
                               latency counted from when it was due
       --timeout S             the longest a request may take (default 2)
       --svg FILE              write the latency chart to FILE; with several
                               --connections, requests/s against connections
                               too, to FILE with -throughput before .svg
Each run prints requests/s, errors, p50, p90, p99, p99.9 and max, then a
histogram. Build with --release: a debug build measures itself.";

/// The options every protocol takes.
const COMMON: [&str; 6] = ["connections", "seconds", "warmup", "rate", "timeout", "svg"];

/// The most connections one run may open: a thread each, so the machine's
/// limits come first; this one catches a typo (`--connections 64000`).
const MAX_CONNECTIONS: usize = 10_000;

/// The most `--connections` counts one command runs in turn: a curve
/// needs a handful, and a chart shows no more than 16 series apart.
const MAX_COUNTS: usize = 32;

fn main() -> ExitCode {
    example_main("12-measuring", USAGE, &["close"], |command, args| {
        if command == "c10k" {
            return netlessons::load::c10k::c10k_command(args);
        }
        let target = target(command, args)?;
        measure(target.as_ref(), args)
    })
}

/// The target `command` names, from its arguments.
fn target(command: &str, args: &Args) -> Result<Box<dyn Target>, Box<dyn Error>> {
    let timeout = seconds(args, "timeout", DEFAULT_TIMEOUT)?;
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        // A socket cannot be given a timeout of nothing.
        let why = format!(
            "--timeout: more than zero, at most {}",
            MAX_TIMEOUT.as_secs()
        );
        return Err(UsageError(why).into());
    }
    let only = |extra: &[&str]| {
        let known: Vec<&str> = COMMON.iter().chain(extra).copied().collect();
        args.only(&known)
    };
    let [place] = args.positional() else {
        return Err(UsageError(format!("{command} takes one address or URL")).into());
    };
    let target: Box<dyn Target> = match command {
        "http" => {
            only(&["close"])?;
            let target = HttpTarget::new(place, args.flag("close")).map_err(usage)?;
            Box::new(target.with_timeout(timeout))
        }
        "tcp" => {
            only(&["size"])?;
            let size = args.parsed("size", 64)?;
            if size == 0 {
                return Err(UsageError("--size: at least one byte".into()).into());
            }
            Box::new(EchoTarget::new(place, size, timeout)?)
        }
        "smtp" => {
            only(&["from", "to", "size"])?;
            let mailbox = |name: &str, default: &str| -> Result<Mailbox, UsageError> {
                let text = args.value(name).unwrap_or(default);
                text.parse()
                    .map_err(|error| UsageError(format!("--{name} {text:?}: {error}")))
            };
            let from = mailbox("from", "load@localhost")?;
            let to = mailbox("to", "alice@example.test")?;
            let size = args.parsed("size", 1024)?;
            Box::new(SmtpTarget::new(place, from, to, size, timeout)?)
        }
        "pop3" => {
            only(&[])?;
            Box::new(Pop3Target::new(place, timeout).map_err(usage)?)
        }
        "ftp" => {
            only(&[])?;
            Box::new(FtpTarget::new(place, timeout).map_err(usage)?)
        }
        "dns" => {
            only(&["name", "type"])?;
            let text = args
                .value("name")
                .ok_or_else(|| UsageError("dns needs --name NAME: what to ask for".into()))?;
            let name = Name::from_text(text)
                .map_err(|error| UsageError(format!("--name {text:?}: {error}")))?;
            let kind = args.value("type").unwrap_or("A");
            let qtype = RecordType::from_name(&kind.to_ascii_uppercase())
                .ok_or_else(|| UsageError(format!("--type {kind:?}: not a record type")))?;
            Box::new(DnsTarget::new(place, name, qtype, timeout)?)
        }
        other => return Err(unknown_command(other)),
    };
    Ok(target)
}

/// A URL the target refuses is a mistake in the command line; a name that
/// does not resolve is not.
fn usage(error: LoadError) -> Box<dyn Error> {
    match error {
        LoadError::Connect { .. } => error.into(),
        other => UsageError(other.to_string()).into(),
    }
}

/// `--name S` in seconds, fractions allowed, or `default`.
fn seconds(args: &Args, name: &str, default: Duration) -> Result<Duration, UsageError> {
    let Some(text) = args.value(name) else {
        return Ok(default);
    };
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| UsageError(format!("--{name}: {text:?} is not a number of seconds")))
}

/// The `--connections` counts, in order: `16`, or `1,4,16,64`.
fn connection_counts(args: &Args) -> Result<Vec<usize>, UsageError> {
    let text = args.value("connections").unwrap_or("16");
    if text.split(',').count() > MAX_COUNTS {
        let why = format!("--connections: at most {MAX_COUNTS} counts, one run each");
        return Err(UsageError(why));
    }
    text.split(',')
        .map(|count| match count.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_CONNECTIONS).contains(&n) => Ok(n),
            _ => Err(UsageError(format!(
                "--connections: {count:?} is not a count from 1 to {MAX_CONNECTIONS}"
            ))),
        })
        .collect()
}

/// Runs `target` once for each connection count, printing each report,
/// and draws the charts `--svg` asks for.
fn measure(target: &dyn Target, args: &Args) -> Result<(), Box<dyn Error>> {
    let pacing = match args.value("rate") {
        None => Pacing::Closed,
        Some(text) => match text.parse::<f64>() {
            Ok(rate) if rate > 0.0 && rate.is_finite() => Pacing::Open { rate },
            _ => {
                let why = format!("--rate: {text:?} is not a number of requests per second");
                return Err(UsageError(why).into());
            }
        },
    };
    let counts = connection_counts(args)?;
    if let Some(file) = args.value("svg") {
        check_chart_file(Path::new(file))?;
    }
    let warmup = seconds(args, "warmup", Duration::from_secs(1))?;
    let duration = seconds(args, "seconds", Duration::from_secs(10))?;
    if duration.is_zero() {
        return Err(UsageError("--seconds: more than zero".into()).into());
    }
    let mut summaries: Vec<Summary> = Vec::new();
    for (index, &connections) in counts.iter().enumerate() {
        let config = RunConfig {
            connections,
            warmup,
            duration,
            pacing,
        };
        let summary = run(target, &config)?;
        let mut stdout = io::stdout().lock();
        if index > 0 {
            writeln!(stdout)?;
        }
        write!(stdout, "{}", summary.report())?;
        stdout.flush()?;
        if let Some(why) = summary.failure() {
            return Err(why.into());
        }
        summaries.push(summary);
    }
    if let Some(file) = args.value("svg") {
        write_charts(Path::new(file), &target.describe(), &summaries)?;
    }
    Ok(())
}

/// Refuses a chart file that could not be written, before the run rather
/// than after it: a folder, or a file in a folder that does not exist.
fn check_chart_file(file: &Path) -> Result<(), UsageError> {
    let folder = match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    if file.is_dir() {
        return Err(UsageError(format!("--svg: {} is a folder", file.display())));
    }
    if !folder.is_dir() {
        let why = format!("--svg: there is no folder {}", folder.display());
        return Err(UsageError(why));
    }
    Ok(())
}

/// The latency chart into `file`, a series per run; with several runs,
/// requests/s against connections into `NAME-throughput.svg` beside it.
fn write_charts(file: &Path, title: &str, summaries: &[Summary]) -> Result<(), Box<dyn Error>> {
    let names: Vec<String> = summaries
        .iter()
        .map(|summary| connections_phrase(summary.connections))
        .collect();
    let series: Vec<(&str, &_)> = names
        .iter()
        .zip(summaries)
        .map(|(name, summary)| (name.as_str(), &summary.latencies))
        .collect();
    write_file(file, &latency_chart(&series))?;
    if summaries.len() > 1 {
        let points: Vec<(usize, f64)> = summaries
            .iter()
            .map(|summary| (summary.connections, summary.requests_per_second()))
            .collect();
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let throughput = file.with_file_name(format!("{stem}-throughput.svg"));
        write_file(&throughput, &throughput_chart(&points, title))?;
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), Box<dyn Error>> {
    std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))?;
    let _ = writeln!(io::stderr(), "wrote {}", path.display());
    Ok(())
}

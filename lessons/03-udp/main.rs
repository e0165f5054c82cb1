//! Chapter 03: UDP.
//!
//! ```text
//! cargo run --example 03-udp                                  # the demo
//! cargo run --example 03-udp -- serve --port 7009 --drop 30   # an echo server
//! cargo run --example 03-udp -- client 127.0.0.1:7009 --count 10
//! ```
//!
//! The exit status is 2 for a wrong command line, 1 for a run that failed.

use netlessons::cli::{
    cannot_listen, example_main, unknown_command, Args, CommandResult, UsageError,
};
use netlessons::udp::pinger::MAX_WAIT;
use netlessons::udp::{ping_with, EchoConfig, PingEvent, PingOptions, UdpEchoServer};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: 03-udp                       run the chapter's demo
       03-udp serve [--host H] [--port P] [--drop PERCENT] [--seed N]
                                    a UDP echo server; prints `listening on ADDR`
       03-udp client ADDR [--count N] [--interval MS] [--timeout MS]
                                    ping an echo server at ADDR (host:port)

serve:  --host H        the address to bind (default 127.0.0.1)
        --port P        the port to bind (default 0: any free port)
        --drop PERCENT  drop this share of datagrams instead of echoing (default 0)
        --seed N        which ones: the same seed drops the same ones (default 1)
client: --count N       pings to send (default 4)
        --interval MS   time from one ping to the next (default 1000)
        --timeout MS    how long to wait for each reply (default 1000)
        If ADDR is a name with several addresses, the first one a socket can
        be connected to is pinged, and printed.

exit status: 0 on success (client: if any reply came back), 1 if the run
failed (client: no reply at all), 2 if the command line was wrong.";

fn main() -> ExitCode {
    example_main("03-udp", USAGE, &[], |command, args| match command {
        "serve" => serve(args),
        "client" => client(args),
        other => Err(unknown_command(other)),
    })
}

fn serve(args: &Args) -> CommandResult<ExitCode> {
    args.only(&["host", "port", "drop", "seed"])?;
    if let Some(extra) = args.positional().first() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    let drop_percent: u8 = args.parsed("drop", 0)?;
    if drop_percent > 100 {
        return Err(UsageError("--drop is a percentage: 0 to 100".into()).into());
    }
    let config = EchoConfig {
        drop_percent,
        seed: args.parsed("seed", 1)?,
    };
    let addr = args.bind_address()?;
    let server = UdpEchoServer::bind(&addr, config).map_err(|error| cannot_listen(&addr, error))?;
    // One line on stdout, flushed at once: a script reads it to learn the port.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    if drop_percent > 0 {
        eprintln!(
            "dropping {drop_percent}% of datagrams (seed {})",
            config.seed
        );
    }
    server.run();
    Ok(ExitCode::SUCCESS)
}

fn client(args: &Args) -> CommandResult<ExitCode> {
    args.only(&["count", "interval", "timeout"])?;
    let [target] = args.positional() else {
        return Err(UsageError("client needs one address, such as 127.0.0.1:7009".into()).into());
    };
    let options = PingOptions {
        count: args.parsed("count", 4)?,
        interval: Duration::from_millis(args.parsed("interval", 1000)?),
        timeout: Duration::from_millis(args.parsed("timeout", 1000)?),
    };
    if options.count == 0 || options.timeout.is_zero() {
        return Err(UsageError("--count and --timeout must be at least 1".into()).into());
    }
    if options.interval > MAX_WAIT || options.timeout > MAX_WAIT {
        return Err(UsageError("--interval and --timeout may be a day at most".into()).into());
    }
    let count = options.count;
    let report = ping_with(target.as_str(), options, |event| match event {
        // Which of the name's addresses is pinged: with `localhost`, it
        // may be ::1 while the server listens on 127.0.0.1 only.
        PingEvent::Start { target: chosen } => {
            println!("PING {target} ({chosen}): {count} pings of 16 bytes")
        }
        _ => println!("{event}"),
    })?;
    println!();
    println!("{report}");
    // As ping does: success if anything came back.
    Ok(if report.stats.received > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

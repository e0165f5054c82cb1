//! Chapter 02: an echo server and client over TCP.
//!
//! ```text
//! cargo run --example 02-tcp                                  # the demo
//! cargo run --example 02-tcp -- serve --port 7007             # the RFC 862 echo
//! cargo run --example 02-tcp -- client 127.0.0.1:7007         # the client
//! cargo run --example 02-tcp -- serve --framing lines         # the line echo
//! cargo run --example 02-tcp -- serve --first --port 7007     # the ten-line server
//! ```

use netlessons::cli::{
    cannot_listen, example_main, serve_until_killed, unknown_command, Args, UsageError,
};
use netlessons::tcp::first::serve_echo_forever;
use netlessons::tcp::{connect, EchoClient, EchoHandler, Framing};
use netlessons::transcript::{Side, Transcript};
use std::error::Error;
use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: 02-tcp                      run the chapter's demo
       02-tcp serve [--host H] [--port P] [--framing raw|lines|frames] [--max-connections N]
                                   run the echo server until killed; raw (the default)
                                   sends back the bytes as they come (RFC 862), lines
                                   each whole line, frames each length-prefixed frame
       02-tcp serve --first [--host H] [--port P]
                                   run the ten-line first server of the lesson instead
                                   (raw echo; no timeouts, no cap: see the lesson)
       02-tcp client HOST:PORT [--trace]
                                   send each line typed to an echo server (raw or lines)
       02-tcp load HOST:PORT [--connections N] [--seconds S] [--reconnect]
                                   measure round trips per second against an echo server
                                   (raw or lines: it sends lines, so frames count errors)";

fn main() -> ExitCode {
    example_main(
        "02-tcp",
        USAGE,
        &["trace", "reconnect", "first"],
        |command, args| match command {
            "serve" => serve(args),
            "client" => client(args),
            "load" => load(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    if args.flag("first") {
        return serve_first(args);
    }
    args.only(&["host", "port", "framing", "max-connections"])?;
    let framing = match args.value("framing") {
        Some(name) => name.parse().map_err(UsageError)?,
        None => Framing::default(),
    };
    serve_until_killed(args, EchoHandler { framing })
}

/// `serve --first`: the lesson's first server, as it is, on the address asked.
fn serve_first(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["host", "port", "first"])?;
    let addr = args.bind_address()?;
    let listener = TcpListener::bind(&addr).map_err(|error| cannot_listen(&addr, error))?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    serve_echo_forever(listener)?;
    Ok(())
}

fn client(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["trace"])?;
    let [addr] = args.positional() else {
        return Err(UsageError("client needs one HOST:PORT".into()).into());
    };
    let stream = connect(addr.as_str(), Duration::from_secs(10))?;
    eprintln!(
        "connected to {}; type lines, end with Ctrl-D",
        stream.peer_addr()?
    );
    let transcript = if args.flag("trace") {
        Transcript::stdout()
    } else {
        Transcript::silent()
    };
    let mut client = EchoClient::new(transcript.tee(stream, Side::Client));
    let stdin = io::stdin().lock();
    let not_echoes = if args.flag("trace") {
        // The transcript shows the replies already.
        client.echo_each_line(stdin, io::sink())?
    } else {
        client.echo_each_line(stdin, io::stdout().lock())?
    };
    match not_echoes {
        0 => Ok(()),
        1 => Err(format!("1 reply was not the line sent: is {addr} a line echo server?").into()),
        n => Err(
            format!("{n} replies were not the lines sent: is {addr} a line echo server?").into(),
        ),
    }
}

fn load(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["connections", "seconds", "reconnect"])?;
    let [addr] = args.positional() else {
        return Err(UsageError("load needs one HOST:PORT".into()).into());
    };
    let addrs: Vec<_> = std::net::ToSocketAddrs::to_socket_addrs(addr.as_str())?.collect();
    let load = netlessons::tcp::load::Load {
        connections: args.parsed("connections", 16)?,
        duration: Duration::from_secs_f64(args.parsed("seconds", 5.0)?),
        reconnect: args.flag("reconnect"),
    };
    let report = netlessons::tcp::load::run(&addrs, &load);
    println!(
        "{} round trips in {:.1} s over {} connection(s){}: {:.0} per second, {} errors",
        report.round_trips,
        report.elapsed.as_secs_f64(),
        load.connections,
        if load.reconnect {
            " (a new connection each)"
        } else {
            ""
        },
        report.rate(),
        report.errors
    );
    Ok(())
}

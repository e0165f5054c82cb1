//! Chapter 04: DNS, a resolver and an authoritative name server.
//!
//! ```text
//! cargo run --example 04-dns                                   # the demo
//! cargo run --example 04-dns -- serve --port 5353 --zone lessons/04-dns/example.test.zone
//! cargo run --example 04-dns -- query www.example.test A --server 127.0.0.1:5353 --trace
//! cargo run --example 04-dns -- resolve www.example.test --root 127.0.0.2:5353
//! ```

use netlessons::cli::{cannot_listen, example_main, unknown_command, Args, UsageError};
use netlessons::dns::resolver::exchange;
use netlessons::dns::show::{dig_layout, hex_dump, trace_step};
use netlessons::dns::{resolve, DnsServer, Name, QueryOptions, RecordType, Zone};
use std::error::Error;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "\
usage: 04-dns
           run the chapter's demo
       04-dns serve --zone FILE [--host H] [--port P]
           answer for the zone in FILE (a master file, RFC 1035 §5) over
           UDP and TCP on H (default 127.0.0.1), port P (default 0: any
           free port); prints `listening on ADDR`
       04-dns query NAME [TYPE] --server ADDR [--tcp] [--norecurse] [--trace]
           ask the server at ADDR (IP:PORT, or an IP for port 53) for NAME's
           records of TYPE (default A) and print the answer as dig does;
           --tcp asks over TCP from the start, --trace adds both messages
           byte by byte, their fields named
       04-dns resolve NAME [TYPE] --root ADDR
           find NAME's records by walking down from the root server at
           ADDR, following referrals, printing each step as dig +trace;
           every server is asked on ADDR's port";

fn main() -> ExitCode {
    example_main(
        "04-dns",
        USAGE,
        &["tcp", "trace", "norecurse"],
        |command, args| match command {
            "serve" => serve(args),
            "query" => query(args),
            "resolve" => walk(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["zone", "host", "port"])?;
    if let [extra, ..] = args.positional() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    let file = args
        .value("zone")
        .ok_or_else(|| UsageError("serve needs --zone FILE: the zone to answer for".into()))?;
    // The zone is read and checked before binding: a server that cannot
    // answer for it must not say it is listening.
    let text = std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}"))?;
    let zone = Zone::parse(file, &text, None)?;
    let addr = args.bind_address()?;
    let server =
        DnsServer::bind(addr.as_str(), zone).map_err(|error| cannot_listen(&addr, error))?;
    println!("listening on {}", server.local_addr()?);
    std::io::stdout().flush()?;
    server.run()?;
    Ok(())
}

/// NAME and TYPE (default A), the positional words of `query` and `resolve`.
fn name_and_type(args: &Args, command: &str) -> Result<(Name, RecordType), UsageError> {
    let (name, rtype) = match args.positional() {
        [name] => (name, "A"),
        [name, rtype] => (name, rtype.as_str()),
        [] => return Err(UsageError(format!("{command} needs a NAME"))),
        [_, _, extra, ..] => {
            return Err(UsageError(format!("{command} takes no argument {extra:?}")))
        }
    };
    let name = Name::from_text(name).map_err(|error| UsageError(format!("{name:?}: {error}")))?;
    let rtype = RecordType::from_name(rtype).ok_or_else(|| {
        UsageError(format!(
            "{rtype:?} is not a record type (A, AAAA, CNAME, MX, NS, SOA, TXT, ANY or TYPEnn)"
        ))
    })?;
    Ok((name, rtype))
}

/// The server address of `--NAME`: `IP:PORT`, or an IP alone for port 53.
fn server_address(args: &Args, option: &str) -> Result<SocketAddr, UsageError> {
    let text = args.value(option).ok_or_else(|| {
        UsageError(format!(
            "--{option} ADDR is needed: the server to ask, as 127.0.0.1:5353"
        ))
    })?;
    text.parse()
        .or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| UsageError(format!("--{option} {text:?}: write it IP:PORT")))
}

fn query(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["server", "tcp", "trace", "norecurse"])?;
    let (name, rtype) = name_and_type(args, "query")?;
    let server = server_address(args, "server")?;
    let options = QueryOptions {
        tcp: args.flag("tcp"),
        recursion_desired: !args.flag("norecurse"),
        ..QueryOptions::default()
    };
    let done = exchange(server, &name, rtype, &options)?;
    let mut out = std::io::stdout().lock();
    if args.flag("trace") {
        writeln!(out, ";; the query ({} bytes):", done.query_bytes.len())?;
        writeln!(out, "{}\n", hex_dump(&done.query_bytes))?;
        if let Some(truncated) = &done.truncated {
            writeln!(
                out,
                ";; the UDP answer, truncated ({} bytes):",
                truncated.len()
            )?;
            writeln!(out, "{}\n", hex_dump(truncated))?;
        }
        writeln!(out, ";; the answer ({} bytes):", done.reply_bytes.len())?;
        writeln!(out, "{}\n", hex_dump(&done.reply_bytes))?;
    }
    if done.truncated.is_some() {
        writeln!(out, ";; Truncated, retrying in TCP mode.")?;
    }
    writeln!(out, "{}\n", dig_layout(&done.reply))?;
    let transport = if done.over_tcp { "TCP" } else { "UDP" };
    writeln!(out, ";; SERVER: {server} ({transport})")?;
    writeln!(out, ";; MSG SIZE  rcvd: {}", done.reply_bytes.len())?;
    Ok(())
}

fn walk(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["root"])?;
    let (name, rtype) = name_and_type(args, "resolve")?;
    let root = server_address(args, "root")?;
    let found = resolve(&name, rtype, root, &QueryOptions::default())?;
    let mut out = std::io::stdout().lock();
    for step in &found.steps {
        writeln!(out, "{}\n", trace_step(step))?;
    }
    writeln!(out, ";; {} {rtype}: {}", name, found.rcode)?;
    for record in &found.answers {
        writeln!(out, "{record}")?;
    }
    Ok(())
}

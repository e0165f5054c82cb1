//! Chapter 01: addresses, name resolution and URLs.
//!
//! ```text
//! cargo run --example 01-addresses                          # the chapter's demo
//! cargo run --example 01-addresses -- 'http://[::1]:8080/a?b#c'   # take URLs apart
//! cargo run --example 01-addresses -- --base http://a/b/c/d ../g  # resolve references
//! cargo run --example 01-addresses -- resolve localhost example.com:443
//! ```
//!
//! Errors go to stderr; the exit status is 1 if any URL or name failed,
//! 2 if the command line itself was wrong.

use netlessons::addresses::{describe, resolve_host};
use netlessons::cli::Args;
use netlessons::tour;
use netlessons::transcript::Transcript;
use netlessons::url::{parse_host_port, Url};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: 01-addresses                          run the chapter's demo
       01-addresses URL...                   take each URL apart
       01-addresses --base URL REFERENCE...  resolve each reference against URL, then take it apart
       01-addresses resolve HOST[:PORT]...   the addresses the system resolver gives for each host,
                                             in its order (no PORT: the addresses alone)

Defaults: no --base (each argument must be a whole URL); a URL without a
port uses its scheme's default (http 80, https 443, ftp 21), shown, not added.
Quote URLs in the shell: '?', '#' and '&' mean something to it.

exit status: 0 if everything parsed or resolved, 1 if a URL or name failed,
2 if the command line was wrong.";

fn main() -> ExitCode {
    let args = Args::parse(std::env::args().skip(1), &[]);
    if args.flag("help") || args.positional().first().is_some_and(|word| word == "-h") {
        // A closed standard output (`--help | head -1`) is not worth a panic.
        let _ = writeln!(std::io::stdout(), "{USAGE}");
        return ExitCode::SUCCESS;
    }
    if let Err(error) = args.only(&["base"]) {
        return usage_error(&error.to_string());
    }
    match args.positional() {
        [] if args.value("base").is_some() => {
            usage_error("--base needs at least one REFERENCE to resolve against it")
        }
        [] => run_demo(),
        [command, hosts @ ..] if command == "resolve" => resolve_all(hosts),
        urls => take_apart(urls, args.value("base")),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("01-addresses: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// No arguments: the same demo the tour runs for this chapter.
fn run_demo() -> ExitCode {
    let Some(chapter) = tour::find("01") else {
        eprintln!("01-addresses: chapter 01 is missing from the tour");
        return ExitCode::FAILURE;
    };
    match tour::run(chapter, &Transcript::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("01-addresses: the demo failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the breakdown of each URL, resolved against `base` if one is given.
fn take_apart(inputs: &[String], base: Option<&str>) -> ExitCode {
    let base = match base.map(Url::parse).transpose() {
        Ok(base) => base,
        Err(error) => {
            eprintln!("01-addresses: --base: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut status = ExitCode::SUCCESS;
    for input in inputs {
        let parsed = match &base {
            Some(base) => base.join(input),
            None => Url::parse(input),
        };
        match parsed {
            Ok(url) => {
                // The whole URL, but never its password.
                println!("{}", url.redacted());
                for (label, value) in describe(&url) {
                    println!("   {label:<15}{value}");
                }
            }
            Err(error) => {
                eprintln!("01-addresses: {input}: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}

/// `resolve HOST[:PORT]...`: what `ToSocketAddrs` returns, in its order.
fn resolve_all(hosts: &[String]) -> ExitCode {
    if hosts.is_empty() {
        return usage_error("resolve needs at least one HOST[:PORT]");
    }
    let mut status = ExitCode::SUCCESS;
    for input in hosts {
        let (host, port) = match parse_host_port(input) {
            Ok(parsed) => parsed,
            Err(error) => {
                eprintln!("01-addresses: {input}: {error}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        // The resolver wants a port; without one, show the addresses alone.
        match resolve_host(&host, port.unwrap_or(0)) {
            Ok(addresses) => {
                println!("{input}");
                for address in addresses {
                    match port {
                        Some(_) => println!("   {address}"),
                        None => println!("   {}", address.ip()),
                    }
                }
            }
            Err(error) => {
                eprintln!("01-addresses: {input}: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}

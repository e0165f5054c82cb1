//! Chapter 06: a static file server.
//!
//! ```text
//! cargo run --example 06-http-server                         # the demo
//! cargo run --example 06-http-server -- serve --root DIR --port 8080
//! ```

use netlessons::cli::{Args, UsageError};
use netlessons::http::files::StaticFiles;
use netlessons::http::server::HttpHandler;
use netlessons::serve::{Config, Server};
use netlessons::tour;
use netlessons::transcript::Transcript;
use std::error::Error;
use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str = "\
usage: 06-http-server
           run the chapter's demo
       06-http-server serve [--root DIR] [--host H] [--port P] [--max-connections N]
           serve the files under DIR (default: the current directory) on
           H (default 127.0.0.1), port P (default 0: any free port), to at
           most N clients at once (default 1024; the next get 503)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let result = match (command.as_deref(), Args::parse(args, &[])) {
        (Some("--help" | "-h"), _) => {
            println!("{USAGE}");
            Ok(())
        }
        (_, Ok(rest)) if rest.flag("help") => {
            println!("{USAGE}");
            Ok(())
        }
        (None, _) => demo(),
        (Some("serve"), Ok(rest)) => serve(&rest),
        (Some(other), Ok(_)) => Err(UsageError(format!("unknown command {other:?}")).into()),
        (_, Err(error)) => Err(error.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("06-http-server: {error}");
            if error.is::<UsageError>() {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), Box<dyn Error>> {
    let chapter = tour::find("06").ok_or("chapter 06 is missing from the tour")?;
    tour::run(chapter, &Transcript::stdout()).map_err(|error| error as Box<dyn Error>)
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["root", "host", "port", "max-connections"])?;
    let files = StaticFiles::new(args.value("root").unwrap_or("."))?;
    let config = Config {
        max_connections: args.parsed("max-connections", Config::default().max_connections)?,
        ..Config::default()
    };
    let server = Server::bind_with(args.bind_address()?, config)?;
    println!("listening on {}", server.local_addr()?);
    io::stdout().flush()?;
    server.run(HttpHandler::new(files))?;
    Ok(())
}

//! Chapter 07: a REST API for notes, with JSON by hand.
//!
//! ```text
//! cargo run --example 07-rest-api                                  # the demo
//! cargo run --example 07-rest-api -- serve --port 8080             # in memory
//! cargo run --example 07-rest-api -- serve --data notes.json       # kept in a file
//! ```

use netlessons::cli::{example_main, unknown_command, Args, UsageError};
use netlessons::http::server::HttpHandler;
use netlessons::rest::NotesApi;
use netlessons::serve::{Config, Server};
use std::error::Error;
use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str = "\
usage: 07-rest-api
           run the chapter's demo
       07-rest-api serve [--host H] [--port P] [--data FILE] [--max-connections N]
           serve the notes API on H (default 127.0.0.1), port P (default 0:
           any free port), to at most N clients at once (default 1024);
           with --data, notes are read from FILE at start (if it exists) and
           saved to it on every change; without it, they live in memory only";

fn main() -> ExitCode {
    example_main("07-rest-api", USAGE, &[], |command, args| match command {
        "serve" => serve(args),
        other => Err(unknown_command(other)),
    })
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["host", "port", "data", "max-connections"])?;
    if let [extra, ..] = args.positional() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    // Load before binding: a notes file that cannot be read stops the
    // server before it tells anyone it is listening.
    let api = match args.value("data") {
        Some(path) => NotesApi::open(path)?,
        None => NotesApi::in_memory(),
    };
    let config = Config {
        max_connections: args.parsed("max-connections", Config::default().max_connections)?,
        ..Config::default()
    };
    let server = Server::bind_with(args.bind_address()?, config)?;
    println!("listening on {}", server.local_addr()?);
    // Scripts read this line to learn the port: make sure it leaves now.
    io::stdout().flush()?;
    server.run(HttpHandler::new(api))?;
    Ok(())
}

//! Chapter 06: a static file server.
//!
//! ```text
//! cargo run --example 06-http-server                         # the demo
//! cargo run --example 06-http-server -- serve --root DIR --port 8080
//! ```

use netlessons::cli::{example_main, serve_until_killed, unknown_command, Args};
use netlessons::http::files::StaticFiles;
use netlessons::http::server::HttpHandler;
use std::error::Error;
use std::process::ExitCode;

const USAGE: &str = "\
usage: 06-http-server
           run the chapter's demo
       06-http-server serve [--root DIR] [--host H] [--port P] [--max-connections N]
           serve the files under DIR (default: the current directory) on
           H (default 127.0.0.1), port P (default 0: any free port), to at
           most N clients at once (default 1024; the next get 503)";

fn main() -> ExitCode {
    example_main(
        "06-http-server",
        USAGE,
        &[],
        |command, args| match command {
            "serve" => serve(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["root", "host", "port", "max-connections"])?;
    let files = StaticFiles::new(args.value("root").unwrap_or("."))?;
    serve_until_killed(args, HttpHandler::new(files))
}

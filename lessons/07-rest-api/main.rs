//! Chapter 07: a REST API for notes, with JSON by hand.
//!
//! ```text
//! cargo run --example 07-rest-api                                  # the demo
//! cargo run --example 07-rest-api -- serve --port 8080             # in memory
//! cargo run --example 07-rest-api -- serve --data notes.json       # kept in a file
//! cargo run --example 07-rest-api -- client add 'buy milk'         # a client
//! ```

use netlessons::cli::{example_main, serve_until_killed, unknown_command, Args, UsageError};
use netlessons::http::client::Client;
use netlessons::http::server::HttpHandler;
use netlessons::http::{Headers, Method};
use netlessons::json::Value;
use netlessons::rest::NotesApi;
use std::error::Error;
use std::process::ExitCode;

const USAGE: &str = "\
usage: 07-rest-api
           run the chapter's demo
       07-rest-api serve [--host H] [--port P] [--data FILE] [--max-connections N]
           serve the notes API on H (default 127.0.0.1), port P (default 0:
           any free port), to at most N clients at once (default 1024);
           with --data, notes are read from FILE at start (if it exists) and
           saved to it on every change; without it, they live in memory only
       07-rest-api client [--url URL] list | get ID | add TEXT | done ID | delete ID
           talk to a notes API at URL (default http://127.0.0.1:8080) with
           chapter 05's HTTP client, and print each answer's status and JSON";

fn main() -> ExitCode {
    example_main("07-rest-api", USAGE, &[], |command, args| match command {
        "serve" => serve(args),
        "client" => client(args),
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
    serve_until_killed(args, HttpHandler::new(api))
}

/// One request to the notes API, as the command line asks for it.
fn client(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["url"])?;
    let base = args
        .value("url")
        .unwrap_or("http://127.0.0.1:8080")
        .trim_end_matches('/');
    let words: Vec<&str> = args.positional().iter().map(String::as_str).collect();
    let usage = |message: &str| -> Box<dyn Error> { UsageError(message.to_string()).into() };
    let (method, path, body) = match words.as_slice() {
        ["list"] => (Method::Get, "/notes".to_string(), None),
        ["get", id] => (Method::Get, format!("/notes/{id}"), None),
        ["add", text] => (
            Method::Post,
            "/notes".to_string(),
            Some(Value::object([("text", Value::from(*text))])),
        ),
        ["done", id] => (
            Method::Patch,
            format!("/notes/{id}"),
            Some(Value::object([("done", Value::from(true))])),
        ),
        ["delete", id] => (Method::Delete, format!("/notes/{id}"), None),
        [] => {
            return Err(usage(
                "client needs a command: list, get, add, done or delete",
            ))
        }
        _ => {
            return Err(usage(
                "client takes: list | get ID | add TEXT | done ID | delete ID",
            ))
        }
    };
    let mut headers = Headers::new();
    let body = match body {
        Some(json) => {
            headers.append("Content-Type", "application/json");
            json.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    let response = Client::new().request(method, &format!("{base}{path}"), &headers, &body)?;
    println!("{} {}", response.status, response.reason);
    if !response.body.is_empty() {
        // Pretty-print JSON; show anything else as it came.
        match netlessons::json::parse(&response.body) {
            Ok(json) => println!("{}", json.to_pretty()),
            Err(_) => println!("{}", String::from_utf8_lossy(&response.body)),
        }
    }
    Ok(())
}

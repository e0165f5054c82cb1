//! Chapter 12: measuring a server.
//!
//! ```text
//! cargo run --release --example 12-measuring -- c10k http://127.0.0.1:8080/4k.bin --pid PID --hold 1000,5000,10000
//! ```

use netlessons::cli::{example_main, unknown_command};
use netlessons::load::c10k::{c10k_command, USAGE as C10K_USAGE};
use std::process::ExitCode;

fn main() -> ExitCode {
    let usage = format!("usage: {C10K_USAGE}");
    example_main("12-measuring", &usage, &[], |command, args| match command {
        "c10k" => c10k_command(args),
        other => Err(unknown_command(other)),
    })
}

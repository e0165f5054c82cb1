//! Chapter 12's demo: the chapter 06 server, serving a 4 KiB file on
//! 127.0.0.1, measured for a second by the load generator, four
//! connections in a closed loop; then its report and latency histogram.

use super::drivers::HttpTarget;
use super::run::{run, RunConfig};
use super::schedule::Pacing;
use crate::demo::{expect, DemoResult, TempDir};
use crate::http::files::StaticFiles;
use crate::http::server::HttpHandler;
use crate::serve::Server;
use crate::transcript::Transcript;
use std::time::Duration;

// ANCHOR: demo
/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = TempDir::new("12")?;
    std::fs::write(root.path().join("4k.bin"), vec![b'x'; 4096])?;
    let files = StaticFiles::new(root.path())?;
    let server = Server::bind("127.0.0.1:0")?.spawn(HttpHandler::new(files))?;
    let url = format!("http://{}/4k.bin", server.local_addr());
    transcript.note(format!(
        "the chapter 06 server on {}, serving a 4 KiB file;",
        server.local_addr()
    ));
    transcript.note("4 connections, each sending the next GET as soon as the last answer is in,");
    transcript.note("for 1 s after a warm-up of 0.2 s. Every answer is timed:");
    transcript.say("");
    let config = RunConfig {
        connections: 4,
        warmup: Duration::from_millis(200),
        duration: Duration::from_secs(1),
        pacing: Pacing::Closed,
    };
    let summary = run(&HttpTarget::new(&url, false)?, &config)?;
    transcript.say(summary.report().trim_end());
    transcript.say("");
    transcript.note("p50 is the typical request; p99 and max are the ones users remember.");
    transcript.note("Run it longer, with more connections or at a fixed rate (--rate):");
    transcript.note("  cargo run --release --example 12-measuring -- http URL --connections 64");
    expect(summary.requests > 0, "the server answered")?;
    expect(summary.errors == 0, "every request succeeded")?;
    Ok(())
}
// ANCHOR_END: demo

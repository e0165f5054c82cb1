//! Chapter 06's demo: the static file server, asked by the client of
//! chapter 05, on 127.0.0.1.
//!
//! The served directory is made for the demo in the system's temporary
//! directory and removed at the end. Its files get a fixed modification
//! time, so that `Last-Modified` reads the same on every run.

use crate::demo::{expect, DemoResult, TempDir};
use crate::http::client::{Client, Options, Response};
use crate::http::files::StaticFiles;
use crate::http::head::Method;
use crate::http::headers::Headers;
use crate::http::server::HttpHandler;
use crate::serve::Server;
use crate::transcript::Transcript;
use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// The modification time of the demo's files: 2024-01-01 00:00:00 UTC.
const FILE_TIME_SECS: u64 = 1_704_067_200;

/// The demo's directory, removed when dropped.
struct DemoRoot(TempDir);

impl DemoRoot {
    fn create() -> std::io::Result<DemoRoot> {
        let root = DemoRoot(TempDir::new("06")?);
        fs::create_dir(root.path().join("notes"))?;
        root.write("hello.txt", "Hello from a file on disk.\n")?;
        root.write("notes/monday.txt", "buy milk\n")?;
        root.write("notes/<b>bold & brave.txt", "a name that is not HTML\n")?;
        Ok(root)
    }

    fn write(&self, name: &str, text: &str) -> std::io::Result<()> {
        let path = self.path().join(name);
        fs::write(&path, text)?;
        File::options()
            .write(true)
            .open(&path)?
            .set_modified(UNIX_EPOCH + Duration::from_secs(FILE_TIME_SECS))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

fn ask(
    client: &mut Client,
    url: &str,
    fields: &[(&str, &str)],
) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
    let mut headers = Headers::new();
    for (name, value) in fields {
        headers.append(*name, *value);
    }
    Ok(client.request(Method::Get, url, &headers, b"")?)
}

// ANCHOR: demo
/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = DemoRoot::create()?;
    let files = StaticFiles::new(root.path())?;
    let server = Server::bind("127.0.0.1:0")?.spawn(HttpHandler::new(files))?;
    let base = format!("http://{}", server.local_addr());
    transcript.note(format!(
        "a static file server on {base}/, serving a directory of three files"
    ));
    transcript.say("");
    let mut client = Client::with_options(Options {
        transcript: transcript.clone(),
        ..Options::default()
    });

    transcript.note("a file: its type, its length, and when it last changed");
    let hello = client.get(&format!("{base}/hello.txt"))?;
    expect(hello.status == 200, "GET /hello.txt")?;
    transcript.say("");

    transcript.note("the client already has it: If-Modified-Since, and 304 with no body");
    let modified = hello
        .headers
        .get("last-modified")
        .unwrap_or_default()
        .to_string();
    let again = ask(
        &mut client,
        &format!("{base}/hello.txt"),
        &[("If-Modified-Since", &modified)],
    )?;
    expect(
        again.status == 304 && again.body.is_empty(),
        "If-Modified-Since",
    )?;
    transcript.say("");

    transcript.note("part of it, as a resumed download asks: Range, and 206");
    let part = ask(
        &mut client,
        &format!("{base}/hello.txt"),
        &[("Range", "bytes=11-")],
    )?;
    expect(
        part.status == 206 && part.body == b"a file on disk.\n",
        "Range",
    )?;
    transcript.say("");

    transcript.note("a directory without its slash: 301, then the listing (names escaped)");
    let listing = client.get(&format!("{base}/notes"))?;
    let page = String::from_utf8_lossy(&listing.body);
    expect(
        listing.status == 200 && page.contains("&lt;b&gt;bold &amp; brave.txt"),
        "GET /notes",
    )?;
    transcript.say("");

    transcript.note("a way out of the directory, percent-encoded: refused");
    let escape = client.get(&format!("{base}/notes/%2e%2e/%2e%2e/etc/passwd"))?;
    expect(escape.status == 403, "GET /notes/%2e%2e/%2e%2e/etc/passwd")?;
    transcript.note(format!(
        "{} requests, {} connection: HTTP/1.1 keeps it open between them",
        6,
        client.connections_opened()
    ));
    Ok(())
}
// ANCHOR_END: demo

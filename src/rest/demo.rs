//! The chapter's demo: a conversation with the notes API over 127.0.0.1,
//! then a restart that keeps the notes.
//!
//! The client here is a few lines of its own (the HTTP client of chapter
//! 05 does much more). It prints each exchange as one `C:` line (method,
//! target, body) and one `S:` line (status, the header fields that carry
//! meaning here, body), leaving out the routine fields: `Date` changes
//! every second, and a demo prints the same thing on every run.

use super::api::NotesApi;
use crate::demo::{DemoResult, TempDir};
use crate::http::body::response_body;
use crate::http::conn::{read_head, BodyReader, RECV_BUFFER_LEN};
use crate::http::head::{parse_response_head, Method};
use crate::http::server::HttpHandler;
use crate::serve::Server;
use crate::transcript::{Side, Transcript};
use crate::wire::buffer::RecvBuf;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long the demo waits for a reply before calling itself failed; on
/// loopback a reply takes well under a millisecond.
const REPLY_WAIT: Duration = Duration::from_secs(5);

/// The largest response body the demo reads: its lists are a few notes.
const MAX_REPLY_BODY: usize = 64 * 1024;

/// The header fields shown on `S:` lines: the ones this chapter is about.
const SHOWN_FIELDS: [&str; 2] = ["Location", "Allow"];

/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let server = Server::bind("127.0.0.1:0")?.spawn(HttpHandler::new(NotesApi::in_memory()))?;
    transcript.note(format!(
        "a notes API listens on {}; each exchange is one request and its response,",
        server.local_addr()
    ));
    transcript.note("with the routine header fields (Date, Content-Length...) left out");
    transcript.say("");
    let mut client = DemoClient::connect(server.local_addr(), transcript)?;

    transcript.note("POST asks the collection to make a note; the server picks its id");
    client.expect(201, Method::Post, "/notes", JSON, r#"{"text":"buy milk"}"#)?;
    client.expect(
        201,
        Method::Post,
        "/notes",
        JSON,
        r#"{"text":"call the plumber","done":true}"#,
    )?;
    transcript.say("");
    transcript.note("GET reads: the collection, then one note");
    client.expect(200, Method::Get, "/notes", JSON, "")?;
    client.expect(200, Method::Get, "/notes/1", JSON, "")?;
    transcript.say("");
    transcript.note("PATCH changes only what the body names (a JSON merge patch, RFC 7396)");
    client.expect(
        200,
        Method::Patch,
        "/notes/1",
        "application/merge-patch+json",
        r#"{"done":true}"#,
    )?;
    transcript.say("");
    transcript.note("DELETE removes; the note is gone for good, and its id is never reused");
    client.expect(204, Method::Delete, "/notes/2", JSON, "")?;
    client.expect(404, Method::Get, "/notes/2", JSON, "")?;
    transcript.say("");
    form(&mut client, transcript)?;
    transcript.say("");
    transcript.note("mistakes, and the status code for each");
    client.expect(
        400,
        Method::Post,
        "/notes",
        JSON,
        r#"{"text": "buy milk",}"#,
    )?;
    client.expect(422, Method::Post, "/notes", JSON, r#"{"txt":"buy milk"}"#)?;
    client.expect(415, Method::Post, "/notes", "text/plain", "buy milk")?;
    client.expect(405, Method::Delete, "/notes", JSON, "")?;
    client.expect(404, Method::Get, "/todos", JSON, "")?;
    drop(client);
    server.shutdown();
    transcript.say("");
    restart(transcript)
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// A browser's side of the API: a form posted, and the page.
fn form(client: &mut DemoClient<'_>, transcript: &Transcript) -> DemoResult {
    transcript.note("an HTML form posts its fields as text=...; a program (Accept: */*) gets");
    transcript.note("201 and JSON, a browser is sent back to the page with 303, and GETs it");
    let accept_any = [("Content-Type", FORM), ("Accept", "*/*")];
    client.expect_with(
        201,
        Method::Post,
        "/notes",
        &accept_any,
        "text=fish+%26+chips",
    )?;
    let browser = [("Content-Type", FORM), ("Accept", "text/html")];
    client.expect_with(
        303,
        Method::Post,
        "/notes",
        &browser,
        "text=%3Cb%3Ebread%3C%2Fb%3E",
    )?;
    let page = client.expect_with(200, Method::Get, "/", &[], "")?;
    transcript.note("the page, every note's text escaped:");
    transcript.note(page.trim_end());
    Ok(())
}

/// A server with a file, stopped and started again: the notes are still there.
fn restart(transcript: &Transcript) -> DemoResult {
    let dir = TempDir::new("07")?;
    let file = dir.path().join("notes.json");
    transcript.note("with --data notes.json, every change is saved before it is acknowledged");
    let server = Server::bind("127.0.0.1:0")?.spawn(HttpHandler::new(NotesApi::open(&file)?))?;
    let mut client = DemoClient::connect(server.local_addr(), transcript)?;
    client.expect(
        201,
        Method::Post,
        "/notes",
        JSON,
        r#"{"text":"water the plants"}"#,
    )?;
    drop(client);
    server.shutdown();
    transcript.note("the server stops; notes.json holds:");
    transcript.note(std::fs::read_to_string(&file)?.trim_end());
    transcript.say("");
    transcript.note("a new server on the same file starts with the same notes");
    let server = Server::bind("127.0.0.1:0")?.spawn(HttpHandler::new(NotesApi::open(&file)?))?;
    let mut client = DemoClient::connect(server.local_addr(), transcript)?;
    client.expect(200, Method::Get, "/notes", JSON, "")?;
    drop(client);
    server.shutdown();
    Ok(())
}

/// One keep-alive connection to the API, and its received bytes.
struct DemoClient<'a> {
    stream: TcpStream,
    buf: RecvBuf<TcpStream>,
    host: String,
    transcript: &'a Transcript,
}

impl<'a> DemoClient<'a> {
    fn connect(
        addr: SocketAddr,
        transcript: &'a Transcript,
    ) -> Result<DemoClient<'a>, std::io::Error> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(REPLY_WAIT))?;
        let reader = stream.try_clone()?;
        Ok(DemoClient {
            stream,
            buf: RecvBuf::new(reader, RECV_BUFFER_LEN),
            host: addr.to_string(),
            transcript,
        })
    }

    /// Sends one request, prints the exchange, and checks the status.
    /// `body` empty means no body, and then no Content-Type.
    fn expect(
        &mut self,
        status: u16,
        method: Method,
        target: &str,
        content_type: &str,
        body: &str,
    ) -> DemoResult {
        let fields: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("Content-Type", content_type)]
        };
        self.expect_with(status, method, target, fields, body)?;
        Ok(())
    }

    /// Sends one request with these header fields, prints the exchange
    /// (all but `Content-Type: application/json`, the usual one), checks
    /// the status, and returns the response's body.
    fn expect_with(
        &mut self,
        status: u16,
        method: Method,
        target: &str,
        fields: &[(&str, &str)],
        body: &str,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        let mut shown = format!("{method} {target}");
        for (name, value) in fields {
            request.push_str(&format!("{name}: {value}\r\n"));
            if (*name, *value) != ("Content-Type", JSON) {
                shown.push_str(&format!("  {name}: {value}"));
            }
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
            shown.push_str(&format!("  {body}"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        // One write for the whole request: see chapter 02 on small writes.
        self.stream.write_all(request.as_bytes())?;
        self.transcript.wire(Side::Client, shown.as_bytes());

        let head = read_head(&mut self.buf, parse_response_head)?
            .ok_or("the server closed the connection instead of answering")?;
        let length = response_body(&method, &head)?;
        let reply = BodyReader::new(&mut self.buf, length).read_to_limit(MAX_REPLY_BODY)?;
        let mut shown = format!("{} {}", head.status, head.reason);
        for name in SHOWN_FIELDS {
            if let Some(value) = head.headers.get(name) {
                shown.push_str(&format!("  {name}: {value}"));
            }
        }
        let reply = String::from_utf8_lossy(&reply).into_owned();
        let is_html = head
            .headers
            .get("content-type")
            .is_some_and(|value| value.starts_with("text/html"));
        if is_html {
            // A page is many lines: the S: line says what it is.
            shown.push_str(&format!("  (an HTML page, {} bytes)", reply.len()));
        } else if !reply.trim_end().is_empty() {
            shown.push_str(&format!("  {}", reply.trim_end()));
        }
        self.transcript.wire(Side::Server, shown.as_bytes());
        if head.status != status {
            return Err(
                format!("{method} {target}: expected {status}, got {}", head.status).into(),
            );
        }
        Ok(reply)
    }
}

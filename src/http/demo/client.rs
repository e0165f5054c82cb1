//! Chapter 05's demo: the HTTP client against a scripted peer on 127.0.0.1.
//!
//! The peer is not an HTTP server (chapter 06 builds one): it reads each
//! request with the same head reader as the client, and answers from a
//! script of fixed responses chosen by the request's path. Fixed bytes
//! make the transcript the same on every run (no `Date` header), and show
//! exactly what a server sends.

use crate::demo::{expect, DemoResult};
use crate::http::body::request_body;
use crate::http::client::{Client, Options};
use crate::http::conn::{read_head, BodyReader, RECV_BUFFER_LEN};
use crate::http::head::{parse_request_head, Method};
use crate::serve::Server;
use crate::transcript::Transcript;
use crate::wire::buffer::RecvBuf;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long the demo's client waits for any step: far more than loopback needs.
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest request body the peer reads (the demo's form is 25 bytes).
const MAX_REQUEST_BODY: u64 = 1024;

// ANCHOR: script
/// A body of known length: `Content-Length` says where it ends.
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: text/plain\r\n\
Content-Length: 13\r\n\
\r\n\
Hello, HTTP!\n";

/// A chunked body, "Hello, chunks!" in two chunks, and a trailer field.
const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: text/plain\r\n\
Transfer-Encoding: chunked\r\n\
\r\n\
6\r\nHello,\r\n\
8\r\n chunks!\r\n\
0\r\n\
X-Chunks: 2\r\n\
\r\n";

/// The answer to the form: "see /thanks.txt".
const FOUND: &[u8] = b"HTTP/1.1 302 Found\r\n\
Location: /thanks.txt\r\n\
Content-Length: 0\r\n\
\r\n";

/// The last answer, after which the peer closes the connection.
const THANKS: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Length: 7\r\n\
Connection: close\r\n\
\r\n\
Thanks\n";

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
// ANCHOR_END: script

/// The scripted peer: answers each request on the connection from the script.
fn scripted_peer(stream: &TcpStream, _peer: SocketAddr) -> io::Result<()> {
    let mut conn = RecvBuf::new(stream, RECV_BUFFER_LEN);
    while let Some(head) = read_head(&mut conn, parse_request_head)? {
        // Read past the request's body (the form), to reach the next request.
        let length = request_body(&head).map_err(io::Error::other)?;
        BodyReader::new(&mut conn, length).drain(MAX_REQUEST_BODY)?;
        let reply = match (&head.method, head.target.as_str()) {
            (Method::Get, "/hello.txt") => HELLO,
            (Method::Get, "/chunked") => CHUNKED,
            (Method::Post, "/form") => FOUND,
            (Method::Get, "/thanks.txt") => THANKS,
            _ => NOT_FOUND,
        };
        conn.get_mut().write_all(reply)?;
        if reply == THANKS {
            // It said `Connection: close`: returning closes the connection.
            return Ok(());
        }
    }
    Ok(())
}

/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let server = Server::bind("127.0.0.1:0")?.spawn(scripted_peer)?;
    let base = format!("http://{}", server.local_addr());
    transcript.note(format!(
        "a scripted peer answers HTTP on {} (fixed responses, not a server)",
        server.local_addr()
    ));
    transcript.say("");
    let mut client = Client::with_options(Options {
        timeout: DEMO_TIMEOUT,
        transcript: transcript.clone(),
        ..Options::default()
    });

    transcript.note("GET: a body whose length the head announces (Content-Length)");
    let hello = client.get(&format!("{base}/hello.txt"))?;
    expect(
        hello.status == 200 && hello.body == b"Hello, HTTP!\n",
        "GET /hello.txt",
    )?;
    transcript.note(format!(
        "{} {}: {} bytes of body",
        hello.status,
        hello.reason,
        hello.body.len()
    ));
    transcript.say("");

    transcript.note("a second request on the same connection: a chunked body, then a trailer");
    let chunked = client.get(&format!("{base}/chunked"))?;
    let trailer = chunked.trailers.get("x-chunks").unwrap_or_default();
    expect(
        chunked.body == b"Hello, chunks!" && trailer == "2",
        "GET /chunked",
    )?;
    transcript.note(format!(
        "body {:?}, from chunks of 6 and 8 bytes; trailer X-Chunks: {trailer}",
        String::from_utf8_lossy(&chunked.body)
    ));
    transcript.say("");

    transcript.note("a form, POSTed; the answer is a redirect");
    let thanks = client.post_form(
        &format!("{base}/form"),
        &[("name", "Ada Lovelace"), ("lang", "en")],
    )?;
    expect(
        thanks.status == 200 && thanks.url.path() == "/thanks.txt",
        "POST /form, then GET /thanks.txt",
    )?;
    transcript.note(format!(
        "{} {} from {}; the server said Connection: close, so the client closed too",
        thanks.status,
        thanks.reason,
        thanks.url.path()
    ));
    transcript.say("");
    transcript.note(format!(
        "4 requests, {} TCP connection: keep-alive saved 3 handshakes",
        client.connections_opened()
    ));
    expect(client.connections_opened() == 1, "one connection for all")?;
    drop(client);
    server.shutdown();
    Ok(())
}

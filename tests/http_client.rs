//! The HTTP client against scripted peers on loopback.
//!
//! Each test holds the server's script and the exact bytes the client must
//! write, as literals (the way Go's net/smtp tests its client): the peer
//! reads exactly the expected request, compares it, and writes its reply.
//! The main cases run again through the chaos proxy in every weather.

#[path = "support/mod.rs"]
mod support;

use netlessons::http::client::{Client, ClientError, Options};
use netlessons::http::request::RequestError;
use netlessons::http::{Headers, Method};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use support::chaos::{ChaosProxy, Weather};

/// How long the peer waits for the client's bytes before failing the test.
const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// One step of the peer's script on one connection.
enum Step {
    /// Read exactly these bytes (the request), then write the reply.
    Exchange(String, Vec<u8>),
    /// Read exactly these bytes, then close without answering.
    ReadThenClose(String),
    /// Read this request, then keep quiet until the client gives up.
    ReadThenHold(String),
    /// Write this head, then body bytes without end, until the client leaves.
    Flood(Vec<u8>),
}

fn exchange(request: impl Into<String>, reply: &[u8]) -> Step {
    Step::Exchange(request.into(), reply.to_vec())
}

/// A scripted peer: one list of steps for each connection it accepts, in turn.
struct Peer {
    /// Where the client connects: the peer, or the proxy in front of it.
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
    _proxy: Option<ChaosProxy>,
}

impl Peer {
    /// Starts a peer (behind a proxy in `weather`, if given). `script` gets
    /// the address the client uses, for the `Host` header it must send.
    fn start(weather: Option<Weather>, script: impl FnOnce(SocketAddr) -> Vec<Vec<Step>>) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = weather
            .map(|weather| ChaosProxy::start(listener.local_addr().unwrap(), weather).unwrap());
        let addr = proxy
            .as_ref()
            .map_or_else(|| listener.local_addr().unwrap(), ChaosProxy::addr);
        let script = script(addr);
        let thread = thread::spawn(move || {
            for conversation in script {
                let (mut stream, _) = listener.accept().unwrap();
                stream.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
                for step in conversation {
                    play(&mut stream, step);
                }
            }
        });
        Peer {
            addr,
            thread: Some(thread),
            _proxy: proxy,
        }
    }

    /// `http://ADDR` followed by `path`.
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits for the peer to finish its script, and fails if it saw a
    /// request other than the expected one.
    fn finish(mut self) {
        if let Some(thread) = self.thread.take() {
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

fn play(stream: &mut TcpStream, step: Step) {
    let read_request = |stream: &mut TcpStream, expected: &str| {
        let mut got = vec![0; expected.len()];
        stream
            .read_exact(&mut got)
            .unwrap_or_else(|error| panic!("waiting for {expected:?}: {error}"));
        assert_eq!(
            String::from_utf8_lossy(&got),
            expected,
            "the request on the wire"
        );
    };
    match step {
        Step::Exchange(expected, reply) => {
            read_request(stream, &expected);
            stream.write_all(&reply).unwrap();
        }
        Step::ReadThenClose(expected) => read_request(stream, &expected),
        Step::ReadThenHold(expected) => {
            read_request(stream, &expected);
            // Until the client gives up and closes (or the peer's own timeout).
            let _ = stream.read(&mut [0]);
        }
        Step::Flood(head) => {
            stream.write_all(&head).unwrap();
            let piece = vec![b'x'; 64 * 1024];
            // Up to 1 GiB, far more than any limit: the client must leave first.
            for _ in 0..16 * 1024 {
                if stream.write_all(&piece).is_err() {
                    return;
                }
            }
            panic!("the client read a gigabyte without stopping");
        }
    }
}

/// The request this client sends for `method path` with no body.
fn request(method: &str, path: &str, addr: SocketAddr) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: netlessons/0.1\r\n\r\n")
}

fn get(path: &str, addr: SocketAddr) -> String {
    request("GET", path, addr)
}

/// The request a form POST of `body` sends.
fn post_form(path: &str, addr: SocketAddr, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: netlessons/0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn client() -> Client {
    Client::with_options(Options {
        timeout: PEER_TIMEOUT,
        ..Options::default()
    })
}

const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\nhello\r\n7;note=ignored\r\n world!\r\n0\r\nExpires: never\r\n\r\n";

// ---- Bodies: where they end ----------------------------------------------

#[test]
fn a_get_reads_a_body_of_content_length() {
    let peer = Peer::start(None, |addr| {
        vec![vec![exchange(get("/hello.txt", addr), HELLO)]]
    });
    let response = client().get(&peer.url("/hello.txt")).unwrap();
    assert_eq!((response.status, response.reason.as_str()), (200, "OK"));
    assert_eq!(response.headers.get("content-type"), Some("text/plain"));
    assert_eq!(response.body, b"hello");
    peer.finish();
}

#[test]
fn a_chunked_body_is_decoded_and_its_trailers_kept() {
    let peer = Peer::start(None, |addr| vec![vec![exchange(get("/", addr), CHUNKED)]]);
    let response = client().get(&peer.url("/")).unwrap();
    assert_eq!(response.body, b"hello world!");
    assert_eq!(response.trailers.get("expires"), Some("never"));
    peer.finish();
}

#[test]
fn a_body_without_length_runs_until_the_server_closes() {
    let peer = Peer::start(None, |addr| {
        vec![vec![exchange(
            get("/", addr),
            b"HTTP/1.1 200 OK\r\n\r\nall of it",
        )]]
    });
    let response = client().get(&peer.url("/")).unwrap();
    assert_eq!(response.body, b"all of it");
    peer.finish();
}

#[test]
fn a_head_response_has_no_body_even_with_a_content_length() {
    // RFC 9110 §9.3.2: Content-Length in a HEAD response is the length a GET
    // would bring. A client that waited for those 100 bytes would hang; the
    // GET after it shows the connection is still in step.
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                request("HEAD", "/", addr),
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            ),
            exchange(get("/hello.txt", addr), HELLO),
        ]]
    });
    let mut client = client();
    let head = client.head(&peer.url("/")).unwrap();
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.headers.get("content-length"), Some("100"));
    assert_eq!(client.get(&peer.url("/hello.txt")).unwrap().body, b"hello");
    assert_eq!(client.connections_opened(), 1);
    peer.finish();
}

#[test]
fn responses_204_and_304_have_no_body() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(get("/a", addr), b"HTTP/1.1 204 No Content\r\n\r\n"),
            exchange(
                get("/b", addr),
                b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
            ),
            exchange(get("/c", addr), HELLO),
        ]]
    });
    let mut client = client();
    assert_eq!(client.get(&peer.url("/a")).unwrap().status, 204);
    assert_eq!(client.get(&peer.url("/b")).unwrap().body, b"");
    assert_eq!(client.get(&peer.url("/c")).unwrap().body, b"hello");
    peer.finish();
}

#[test]
fn a_100_continue_before_the_response_is_skipped() {
    let peer = Peer::start(None, |addr| {
        vec![vec![exchange(
            get("/", addr),
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )]]
    });
    let response = client().get(&peer.url("/")).unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"ok"[..])
    );
    peer.finish();
}

#[test]
fn a_body_cut_short_is_an_error() {
    let peer = Peer::start(None, |addr| {
        vec![vec![exchange(
            get("/", addr),
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        )]]
    });
    let error = client().get(&peer.url("/")).unwrap_err();
    assert!(matches!(error, ClientError::Truncated), "{error}");
    peer.finish();
}

#[test]
fn a_body_over_the_limit_is_an_error_not_a_full_memory() {
    for head in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n"[..],
        // Until close: no length at all, and the peer never stops.
        &b"HTTP/1.1 200 OK\r\n\r\n"[..],
    ] {
        let peer = Peer::start(None, |addr| {
            vec![vec![
                Step::ReadThenClose(get("/", addr)),
                Step::Flood(head.to_vec()),
            ]]
        });
        let mut client = Client::with_options(Options {
            max_body_len: 64 * 1024,
            ..Options::default()
        });
        let error = client.get(&peer.url("/")).unwrap_err();
        assert!(
            matches!(error, ClientError::BodyTooLarge { limit: 65536 }),
            "{error}"
        );
        drop(client);
        peer.finish();
    }
}

#[test]
fn a_large_body_streams_to_a_writer() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            Step::ReadThenClose(get("/big", addr)),
            Step::Flood(b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n".to_vec()),
        ]]
    });
    // A limit far below the body: streaming does not keep the body.
    let mut client = Client::with_options(Options {
        max_body_len: 1000,
        ..Options::default()
    });
    let mut out = Vec::new();
    let response = client
        .request_to_writer(
            Method::Get,
            &peer.url("/big"),
            &Headers::new(),
            b"",
            |response| {
                assert_eq!(response.headers.get("content-length"), Some("3000000"));
                Ok(&mut out)
            },
        )
        .unwrap();
    assert_eq!((response.status, response.body.len()), (200, 0));
    assert_eq!(out.len(), 3_000_000);
    drop(client);
    peer.finish();
}

// ---- Keep-alive ------------------------------------------------------------

#[test]
fn two_requests_share_one_connection() {
    // The peer accepts only once: a second connection would never be served.
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(get("/one", addr), HELLO),
            exchange(get("/two", addr), CHUNKED),
        ]]
    });
    let mut client = client();
    assert_eq!(client.get(&peer.url("/one")).unwrap().body, b"hello");
    assert_eq!(client.get(&peer.url("/two")).unwrap().body, b"hello world!");
    assert_eq!(client.connections_opened(), 1);
    peer.finish();
}

#[test]
fn connection_close_and_http_1_0_end_the_connection() {
    let peer = Peer::start(None, |addr| {
        vec![
            vec![exchange(
                get("/a", addr),
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na",
            )],
            vec![exchange(
                get("/b", addr),
                b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
            )],
            vec![exchange(get("/c", addr), HELLO)],
        ]
    });
    let mut client = client();
    for path in ["/a", "/b", "/c"] {
        assert_eq!(client.get(&peer.url(path)).unwrap().status, 200);
    }
    assert_eq!(client.connections_opened(), 3);
    peer.finish();
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced() {
    let peer = Peer::start(None, |addr| {
        vec![
            vec![exchange(get("/a", addr), HELLO)],
            vec![exchange(get("/b", addr), HELLO)],
        ]
    });
    let mut client = client();
    client.get(&peer.url("/a")).unwrap();
    // The peer closed after its first answer: the client notices (or fails
    // and retries), and the second GET goes out on a new connection.
    assert_eq!(client.get(&peer.url("/b")).unwrap().body, b"hello");
    assert_eq!(client.connections_opened(), 2);
    peer.finish();
}

#[test]
fn a_get_on_a_connection_closed_before_answering_is_retried_once() {
    // The peer reads the second request and closes without a word, as a
    // server does when its idle timeout strikes just as the request arrives.
    let peer = Peer::start(None, |addr| {
        vec![
            vec![
                exchange(get("/a", addr), HELLO),
                Step::ReadThenClose(get("/b", addr)),
            ],
            vec![exchange(get("/b", addr), HELLO)],
        ]
    });
    let mut client = client();
    client.get(&peer.url("/a")).unwrap();
    assert_eq!(client.get(&peer.url("/b")).unwrap().body, b"hello");
    assert_eq!(client.connections_opened(), 2);
    peer.finish();
}

#[test]
fn a_post_on_a_connection_closed_before_answering_is_not_retried() {
    // The server may have acted on it: sending it again could order twice.
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(get("/a", addr), HELLO),
            Step::ReadThenClose(post_form("/order", addr, "item=1")),
        ]]
    });
    let mut client = client();
    client.get(&peer.url("/a")).unwrap();
    let error = client
        .post_form(&peer.url("/order"), &[("item", "1")])
        .unwrap_err();
    assert!(matches!(error, ClientError::NoResponse), "{error}");
    assert_eq!(client.connections_opened(), 1);
    peer.finish();
}

// ---- Redirects -------------------------------------------------------------

#[test]
fn a_301_turns_a_post_into_a_get_without_the_body() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                post_form("/old", addr, "a=1"),
                b"HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 4\r\n\r\ngone",
            ),
            exchange(get("/new", addr), HELLO),
        ]]
    });
    let response = client()
        .post_form(&peer.url("/old"), &[("a", "1")])
        .unwrap();
    assert_eq!((response.status, response.url.path()), (200, "/new"));
    peer.finish();
}

#[test]
fn a_307_keeps_the_method_and_the_body() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                post_form("/old", addr, "a=1"),
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n",
            ),
            exchange(post_form("/new", addr, "a=1"), HELLO),
        ]]
    });
    let response = client()
        .post_form(&peer.url("/old"), &[("a", "1")])
        .unwrap();
    assert_eq!(response.body, b"hello");
    peer.finish();
}

#[test]
fn a_relative_location_is_resolved_against_the_url_asked_for() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                get("/a/b/page", addr),
                b"HTTP/1.1 302 Found\r\nLocation: ../c/d?x=1\r\nContent-Length: 0\r\n\r\n",
            ),
            exchange(get("/a/c/d?x=1", addr), HELLO),
        ]]
    });
    let response = client().get(&peer.url("/a/b/page")).unwrap();
    assert_eq!(response.url.request_target(), "/a/c/d?x=1");
    peer.finish();
}

#[test]
fn a_location_with_a_raw_space_or_utf_8_is_percent_encoded_and_followed() {
    // Such a Location is not a valid URL, but servers send it; curl and
    // browsers encode what the URL grammar does not allow, and go on.
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                get("/start", addr),
                "HTTP/1.1 302 Found\r\nLocation: /o k/caf\u{e9}?q=\u{e9} t\r\nContent-Length: 0\r\n\r\n"
                    .as_bytes(),
            ),
            exchange(get("/o%20k/caf%C3%A9?q=%C3%A9%20t", addr), HELLO),
        ]]
    });
    let response = client().get(&peer.url("/start")).unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, b"hello".as_slice())
    );
    assert_eq!(
        response.url.request_target(),
        "/o%20k/caf%C3%A9?q=%C3%A9%20t"
    );
    peer.finish();
}

#[test]
fn a_location_with_a_tab_is_encoded() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                get("/start", addr),
                b"HTTP/1.1 302 Found\r\nLocation: /a\tb\r\nContent-Length: 0\r\n\r\n",
            ),
            exchange(get("/a%09b", addr), HELLO),
        ]]
    });
    let response = client().get(&peer.url("/start")).unwrap();
    assert_eq!(response.url.request_target(), "/a%09b");
    peer.finish();
}

#[test]
fn more_than_five_redirects_is_an_error() {
    // /r0 -> /r1 -> ... -> /r6: five are followed, the sixth is refused.
    let peer = Peer::start(None, |addr| {
        let steps = (0..6)
            .map(|i| {
                let reply = format!(
                    "HTTP/1.1 302 Found\r\nLocation: /r{}\r\nContent-Length: 0\r\n\r\n",
                    i + 1
                );
                Step::Exchange(get(&format!("/r{i}"), addr), reply.into_bytes())
            })
            .collect();
        vec![steps]
    });
    let error = client().get(&peer.url("/r0")).unwrap_err();
    assert!(
        matches!(error, ClientError::TooManyRedirects { limit: 5 }),
        "{error}"
    );
    peer.finish();
}

#[test]
fn a_redirect_loop_is_an_error() {
    let peer = Peer::start(None, |addr| {
        vec![vec![
            exchange(
                get("/a", addr),
                b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
            ),
            exchange(
                get("/b", addr),
                b"HTTP/1.1 302 Found\r\nLocation: /a\r\nContent-Length: 0\r\n\r\n",
            ),
        ]]
    });
    let error = client().get(&peer.url("/a")).unwrap_err();
    assert!(
        matches!(&error, ClientError::RedirectLoop { url } if url.ends_with("/a")),
        "{error}"
    );
    peer.finish();
}

// ---- What the client refuses -------------------------------------------------

#[test]
fn https_is_refused_with_an_explanation() {
    let error = client().get("https://example.com/").unwrap_err();
    assert!(matches!(error, ClientError::Https));
    assert!(error.to_string().contains("chapter 13"), "{error}");
}

#[test]
fn a_header_with_cr_lf_is_refused_before_anything_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let mut headers = Headers::new();
    headers.append("X-Note", "hi\r\nX-Admin: yes");
    let error = client()
        .request(Method::Get, &url, &headers, b"")
        .unwrap_err();
    assert!(
        matches!(
            error,
            ClientError::Request(RequestError::BadHeaderValue { .. })
        ),
        "{error}"
    );
    // Not even a connection was opened.
    listener.set_nonblocking(true).unwrap();
    let accepted = listener.accept().map(|_| ());
    assert_eq!(accepted.unwrap_err().kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn a_malformed_status_line_is_an_error() {
    for reply in [
        &b"HTTP/1.1 abc OK\r\n\r\n"[..],
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
    ] {
        let peer = Peer::start(None, |addr| vec![vec![exchange(get("/", addr), reply)]]);
        let error = client().get(&peer.url("/")).unwrap_err();
        assert!(matches!(error, ClientError::BadResponse(_)), "{error}");
        peer.finish();
    }
}

#[test]
fn a_server_that_says_nothing_is_given_up_on_after_the_timeout() {
    let peer = Peer::start(None, |addr| vec![vec![Step::ReadThenHold(get("/", addr))]]);
    let mut client = Client::with_options(Options {
        timeout: Duration::from_millis(300),
        ..Options::default()
    });
    let start = Instant::now();
    let error = client.get(&peer.url("/")).unwrap_err();
    assert!(matches!(error, ClientError::Timeout(_)), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(client);
    peer.finish();
}

#[test]
fn no_server_is_a_connect_error() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = client().get(&format!("http://{addr}/")).unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "{error}");
    assert!(error.to_string().contains("is a server listening there?"));
}

// ---- In every weather --------------------------------------------------------

#[test]
fn the_main_cases_pass_in_every_weather() {
    for (name, weather) in Weather::all() {
        let peer = Peer::start(Some(weather), |addr| {
            vec![
                vec![
                    exchange(get("/hello.txt", addr), HELLO),
                    exchange(get("/chunked", addr), CHUNKED),
                    exchange(
                        get("/old", addr),
                        b"HTTP/1.1 302 Found\r\nLocation: /hello.txt\r\nContent-Length: 0\r\n\r\n",
                    ),
                    exchange(get("/hello.txt", addr), HELLO),
                    exchange(get("/close", addr), b"HTTP/1.1 200 OK\r\n\r\nuntil close"),
                ],
                vec![exchange(
                    post_form("/form", addr, "q=a+b"),
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                )],
            ]
        });
        let mut client = client();
        let hello = client.get(&peer.url("/hello.txt")).unwrap();
        assert_eq!(hello.body, b"hello", "{name}");
        let chunked = client.get(&peer.url("/chunked")).unwrap();
        assert_eq!(chunked.body, b"hello world!", "{name}");
        assert_eq!(chunked.trailers.get("expires"), Some("never"), "{name}");
        assert_eq!(
            client.get(&peer.url("/old")).unwrap().body,
            b"hello",
            "{name}"
        );
        assert_eq!(
            client.get(&peer.url("/close")).unwrap().body,
            b"until close",
            "{name}"
        );
        assert_eq!(client.connections_opened(), 1, "{name}: keep-alive");
        let form = client
            .post_form(&peer.url("/form"), &[("q", "a b")])
            .unwrap();
        assert_eq!(form.body, b"ok", "{name}");
        peer.finish();
    }
}

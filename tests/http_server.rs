//! Chapter 06's static file server over real loopback connections: what a
//! browser, curl or an attacker would see.

mod support;

use netlessons::http::body::response_body;
use netlessons::http::conn::{read_head, BodyReader, RECV_BUFFER_LEN};
use netlessons::http::files::StaticFiles;
use netlessons::http::head::{parse_response_head, Method, ResponseHead};
use netlessons::http::server::{BufferPool, HttpHandler, Limits};
use netlessons::serve::{Config, Server, ServerHandle};
use netlessons::wire::buffer::RecvBuf;
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};
use support::chaos::{ChaosProxy, Weather};
use tempfile::TempDir;

const TIMEOUT: Duration = Duration::from_secs(5);

/// A served directory: hello.txt, a 1 MB file, a subdirectory with an
/// index page, one with oddly named files, and a link that leads outside.
fn site() -> (TempDir, TempDir) {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = root.path();
    fs::write(r.join("hello.txt"), "hello\n").unwrap();
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(r.join("big.bin"), big).unwrap();
    fs::create_dir(r.join("site")).unwrap();
    fs::write(r.join("site/index.html"), "<h1>home</h1>\n").unwrap();
    fs::create_dir(r.join("odd")).unwrap();
    fs::write(r.join("odd/<b>&co.txt"), "odd\n").unwrap();
    fs::write(r.join("odd/a b.txt"), "spaced\n").unwrap();
    fs::write(outside.path().join("secret.txt"), "secret\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), r.join("escape")).unwrap();
        std::os::unix::fs::symlink(r.join("hello.txt"), r.join("alias.txt")).unwrap();
    }
    (root, outside)
}

fn start(root: &Path, limits: Limits, config: Config) -> ServerHandle {
    let files = StaticFiles::new(root).unwrap();
    Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(HttpHandler::with_limits(files, limits))
        .unwrap()
}

fn server(root: &Path) -> ServerHandle {
    start(root, Limits::default(), Config::default())
}

/// A client connection that reads responses with the crate's parser.
struct Conn {
    buf: RecvBuf<TcpStream>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        Conn {
            buf: RecvBuf::new(stream, RECV_BUFFER_LEN),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.buf.get_mut().write_all(bytes).unwrap();
    }

    /// Reads one response to a `method` request: its head and body.
    fn response(&mut self, method: Method) -> (ResponseHead, Vec<u8>) {
        let head = read_head(&mut self.buf, parse_response_head)
            .unwrap()
            .expect("the server closed instead of answering");
        let length = response_body(&method, &head).unwrap();
        let body = BodyReader::new(&mut self.buf, length)
            .read_to_limit(10_000_000)
            .unwrap();
        (head, body)
    }

    fn get(&mut self, target: &str) -> (ResponseHead, Vec<u8>) {
        self.send(format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        self.response(Method::Get)
    }

    /// Whether the server closed the connection (end-of-file, or a reset).
    fn is_closed(&mut self) -> bool {
        let mut byte = [0];
        matches!(self.buf.read(&mut byte), Ok(0) | Err(_))
    }
}

fn status_of(addr: SocketAddr, request: &str) -> u16 {
    let mut conn = Conn::open(addr);
    conn.send(request.as_bytes());
    conn.response(Method::Get).0.status
}

#[test]
fn a_file_comes_with_its_type_length_and_dates() {
    let (root, _outside) = site();
    let server = server(root.path());
    let (head, body) = Conn::open(server.local_addr()).get("/hello.txt");
    assert_eq!(head.status, 200);
    assert_eq!(body, b"hello\n");
    assert_eq!(
        head.headers.get("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(head.headers.get("content-length"), Some("6"));
    assert!(head
        .headers
        .get("last-modified")
        .is_some_and(|d| d.ends_with(" GMT")));
    assert!(head
        .headers
        .get("date")
        .is_some_and(|d| d.ends_with(" GMT")));
}

#[test]
fn a_large_file_arrives_whole() {
    let (root, _outside) = site();
    let server = server(root.path());
    let (head, body) = Conn::open(server.local_addr()).get("/big.bin");
    assert_eq!(head.status, 200);
    assert_eq!(body, fs::read(root.path().join("big.bin")).unwrap());
}

#[test]
fn head_sends_the_headers_without_the_body() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(b"HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    let (head, body) = conn.response(Method::Head);
    assert_eq!(
        (head.status, head.headers.get("content-length")),
        (200, Some("6"))
    );
    assert!(body.is_empty());
    // Had a body been sent, this next response would not parse.
    assert_eq!(conn.get("/hello.txt").1, b"hello\n");
}

#[test]
fn http_1_1_keeps_the_connection_for_the_next_request() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    for _ in 0..3 {
        assert_eq!(conn.get("/hello.txt").1, b"hello\n");
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n\
          GET /missing HTTP/1.1\r\nHost: t\r\n\r\n\
          GET /site/ HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    let statuses: Vec<u16> = (0..3)
        .map(|_| conn.response(Method::Get).0.status)
        .collect();
    assert_eq!(statuses, [200, 404, 200]);
}

#[test]
fn connection_close_and_http_1_0_end_the_connection() {
    let (root, _outside) = site();
    let server = server(root.path());
    for request in [
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /hello.txt HTTP/1.0\r\n\r\n",
    ] {
        let mut conn = Conn::open(server.local_addr());
        conn.send(request.as_bytes());
        let (head, _) = conn.response(Method::Get);
        assert_eq!(head.headers.get("connection"), Some("close"), "{request:?}");
        assert!(conn.is_closed(), "{request:?}");
    }
}

#[test]
fn http_1_0_keeps_the_connection_only_when_asked() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    for _ in 0..2 {
        conn.send(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let (head, body) = conn.response(Method::Get);
        assert_eq!(head.headers.get("connection"), Some("keep-alive"));
        assert_eq!(body, b"hello\n");
    }
}

#[test]
fn if_modified_since_a_later_date_is_304_without_a_body() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    let (head, _) = conn.get("/hello.txt");
    let modified = head.headers.get("last-modified").unwrap().to_string();
    for (since, expected) in [
        (modified.as_str(), 304),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 200),
        ("not a date", 200),
    ] {
        conn.send(
            format!("GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: {since}\r\n\r\n")
                .as_bytes(),
        );
        let (head, body) = conn.response(Method::Get);
        assert_eq!(head.status, expected, "{since}");
        assert_eq!(body.is_empty(), expected == 304);
    }
}

/// Dates `path` an hour back: a file changed in the last second has only
/// a weak entity tag, which If-Match and If-Range never accept.
fn settle(path: &Path) {
    let file = fs::File::options().write(true).open(path).unwrap();
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    file.set_modified(hour_ago).unwrap();
}

#[test]
fn if_none_match_decides_before_if_modified_since() {
    // RFC 9110 §13.2.2: the entity tag is the finer test, so it wins.
    let (root, _outside) = site();
    settle(&root.path().join("hello.txt"));
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    let (head, _) = conn.get("/hello.txt");
    let etag = head.headers.get("etag").expect("an ETag").to_string();
    let modified = head.headers.get("last-modified").unwrap().to_string();
    for (fields, expected) in [
        (format!("If-None-Match: {etag}"), 304),
        (format!("If-None-Match: \"other\", {etag}"), 304),
        ("If-None-Match: *".to_string(), 304),
        (
            format!("If-None-Match: \"other\"\r\nIf-Modified-Since: {modified}"),
            200,
        ),
        (format!("If-Match: \"other\"\r\nIf-None-Match: {etag}"), 412),
        (format!("If-Match: {etag}"), 200),
    ] {
        conn.send(format!("GET /hello.txt HTTP/1.1\r\nHost: t\r\n{fields}\r\n\r\n").as_bytes());
        let (head, body) = conn.response(Method::Get);
        assert_eq!(head.status, expected, "{fields}");
        assert_eq!(head.headers.get("etag"), Some(etag.as_str()), "{fields}");
        assert_eq!(body == b"hello\n", expected == 200, "{fields}");
    }
}

#[test]
fn if_range_with_the_current_etag_gets_the_range() {
    let (root, _outside) = site();
    settle(&root.path().join("hello.txt"));
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    let etag = conn
        .get("/hello.txt")
        .0
        .headers
        .get("etag")
        .unwrap()
        .to_string();
    for (if_range, expected) in [
        (etag.as_str(), (206, b"ell".as_slice())),
        ("\"changed\"", (200, b"hello\n".as_slice())),
    ] {
        conn.send(
            format!("GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=1-3\r\nIf-Range: {if_range}\r\n\r\n")
                .as_bytes(),
        );
        let (head, body) = conn.response(Method::Get);
        assert_eq!((head.status, body.as_slice()), expected, "{if_range}");
    }
}

#[test]
fn an_if_modified_since_with_an_absurd_year_is_ignored() {
    // This year once overflowed the date arithmetic: the connection's
    // thread panicked and the client got an empty reply. RFC 9110 §13.1.3:
    // a date that is not a valid HTTP-date is ignored, so the file comes.
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: Sun Nov  6 08:49:37 99999999999999\r\n\r\n",
    );
    let (head, body) = conn.response(Method::Get);
    assert_eq!((head.status, body.as_slice()), (200, b"hello\n".as_slice()));
}

#[test]
fn a_range_gets_206_and_an_impossible_one_416() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=1-3\r\n\r\n");
    let (head, body) = conn.response(Method::Get);
    assert_eq!((head.status, body.as_slice()), (206, b"ell".as_slice()));
    assert_eq!(head.headers.get("content-range"), Some("bytes 1-3/6"));
    // What `curl -C -` sends to resume after 4 bytes:
    conn.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=4-\r\n\r\n");
    assert_eq!(conn.response(Method::Get).1, b"o\n");
    conn.send(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=6-\r\n\r\n");
    let (head, _) = conn.response(Method::Get);
    assert_eq!(head.status, 416);
    assert_eq!(head.headers.get("content-range"), Some("bytes */6"));
}

#[test]
fn a_directory_without_its_slash_is_redirected() {
    let (root, _outside) = site();
    let server = server(root.path());
    let (head, _) = Conn::open(server.local_addr()).get("/site?x=1");
    assert_eq!(head.status, 301);
    assert_eq!(head.headers.get("location"), Some("/site/?x=1"));
}

#[test]
fn a_directory_serves_its_index_html_or_a_listing() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    assert_eq!(conn.get("/site/").1, b"<h1>home</h1>\n");
    let (head, page) = conn.get("/odd/");
    assert_eq!(
        head.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = String::from_utf8(page).unwrap();
    // The names are shown escaped, never as markup.
    assert!(page.contains("&lt;b&gt;&amp;co.txt"), "{page}");
    assert!(!page.contains("<b>"), "{page}");
    assert!(page.contains("href=\"a%20b.txt\""), "{page}");
}

#[test]
fn no_spelling_of_a_path_leaves_the_root() {
    let (root, _outside) = site();
    let server = server(root.path());
    let attempts = [
        "/../hello.txt",
        "/site/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2fsecret.txt",
        "/site%2f..%2f..%2fsecret.txt",
        "/hello.txt%00.png",
        "/escape/secret.txt",
        "//etc/passwd",
        "/..%5csecret.txt",
    ];
    for target in attempts {
        let mut conn = Conn::open(server.local_addr());
        let (head, body) = conn.get(target);
        assert!(
            matches!(head.status, 403 | 404),
            "{target}: {}",
            head.status
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("secret\n"),
            "{target}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_that_stays_inside_the_root_is_followed() {
    let (root, _outside) = site();
    let server = server(root.path());
    assert_eq!(
        Conn::open(server.local_addr()).get("/alias.txt").1,
        b"hello\n"
    );
}

#[test]
fn bad_requests_get_their_status_codes() {
    let (root, _outside) = site();
    let server = server(root.path());
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(9000));
    let many_fields = format!(
        "GET / HTTP/1.1\r\nHost: t\r\n{}\r\n",
        "X: y\r\n".repeat(101)
    );
    let table: Vec<(&str, u16)> =
        vec![
        ("GET /hello.txt\r\n\r\n", 400),
        ("GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 405),
        ("DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", 405),
        ("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501),
        ("GET /hello.txt HTTP/2.0\r\n\r\n", 505),
        (&long_target, 414),
        (&many_fields, 431),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n", 413),
        // A chunk larger than the limit is refused when it is announced,
        // not after a megabyte of it (or never, if none of it comes).
        (
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n",
            413,
        ),
        (
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nFFFFFFFFFFFFFFFF\r\n",
            413,
        ),
        (
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ];
    for (request, expected) in table {
        assert_eq!(
            status_of(server.local_addr(), request),
            expected,
            "{:.60}",
            request
        );
    }
}

#[test]
fn a_405_says_which_methods_are_allowed() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(b"PUT /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    let (head, _) = conn.response(Method::Put);
    assert_eq!(
        (head.status, head.headers.get("allow")),
        (405, Some("GET, HEAD"))
    );
}

#[test]
fn a_request_body_is_read_so_the_next_request_parses() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde");
    assert_eq!(conn.response(Method::Post).0.status, 405);
    conn.send(
        b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    assert_eq!(conn.response(Method::Post).0.status, 405);
    assert_eq!(conn.get("/hello.txt").1, b"hello\n");
}

#[test]
fn expect_100_continue_gets_the_go_ahead_first() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(
        b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
    );
    let (interim, _) = conn.response(Method::Post);
    assert_eq!(interim.status, 100);
    conn.send(b"abc");
    assert_eq!(conn.response(Method::Post).0.status, 405);
}

#[test]
fn a_client_sending_a_byte_at_a_time_is_cut_off_at_the_head_deadline() {
    let (root, _outside) = site();
    let limits = Limits {
        head_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = start(root.path(), limits, Config::default());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let started = Instant::now();
    let mut sent = 0;
    for byte in b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Slow: "
        .iter()
        .cycle()
    {
        if stream.write_all(&[*byte]).is_err() || started.elapsed() > TIMEOUT {
            break;
        }
        sent += 1;
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() > Duration::from_millis(600) {
            break;
        }
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(
        reply.starts_with("HTTP/1.1 408 "),
        "after {sent} bytes: {reply:?}"
    );
    assert!(started.elapsed() < TIMEOUT);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let (root, _outside) = site();
    let config = Config {
        read_timeout: Duration::from_millis(100),
        ..Config::default()
    };
    let server = start(root.path(), Limits::default(), config);
    let mut conn = Conn::open(server.local_addr());
    assert_eq!(conn.get("/hello.txt").0.status, 200);
    assert!(conn.is_closed());
}

#[test]
fn over_the_connection_cap_a_client_gets_503() {
    let (root, _outside) = site();
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    let server = start(root.path(), Limits::default(), config);
    let mut first = Conn::open(server.local_addr());
    assert_eq!(first.get("/hello.txt").0.status, 200);
    let (head, _) = Conn::open(server.local_addr()).response(Method::Get);
    assert_eq!(head.status, 503);
    assert_eq!(head.headers.get("retry-after"), Some("1"));
}

/// Waits until no connection of `pool`'s server holds a buffer pair, and
/// says whether that came within the test's timeout. A connection gives
/// its pair back just after it writes its response, so the client may read
/// the response a moment before.
fn all_buffers_given_back(pool: &BufferPool) -> bool {
    let deadline = Instant::now() + TIMEOUT;
    while pool.lent() > 0 {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

#[test]
fn idle_connections_hold_no_buffers_and_are_served_again() {
    let (root, _outside) = site();
    let handler = HttpHandler::new(StaticFiles::new(root.path()).unwrap());
    let pool = handler.buffer_pool();
    let server = Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap();
    let mut conns: Vec<Conn> = (0..5).map(|_| Conn::open(server.local_addr())).collect();
    for conn in &mut conns {
        assert_eq!(conn.get("/hello.txt").1, b"hello\n");
    }
    // Five connections, each answered and now waiting for its next
    // request: none of them keeps a receive or an output buffer.
    assert!(
        all_buffers_given_back(&pool),
        "{} pairs still lent",
        pool.lent()
    );
    assert!(pool.spare() >= 1);
    for conn in &mut conns {
        assert_eq!(conn.get("/big.bin").1.len(), 1_000_000);
    }
    assert!(
        all_buffers_given_back(&pool),
        "{} pairs still lent",
        pool.lent()
    );
}

#[test]
fn a_large_head_after_an_idle_wait_is_read_whole() {
    // An idle connection reads the first 1 KiB of a request into a small
    // array before it takes a buffer: a head far longer must still be
    // read whole, and one past the limit still refused with 431.
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    assert_eq!(conn.get("/hello.txt").1, b"hello\n");
    let long = "c".repeat(20_000);
    conn.send(format!("GET /hello.txt HTTP/1.1\r\nHost: t\r\nCookie: {long}\r\n\r\n").as_bytes());
    let (head, body) = conn.response(Method::Get);
    assert_eq!((head.status, body.as_slice()), (200, &b"hello\n"[..]));
    let too_long = "c".repeat(40_000);
    let request = format!("GET /hello.txt HTTP/1.1\r\nHost: t\r\nCookie: {too_long}\r\n\r\n");
    assert_eq!(status_of(server.local_addr(), &request), 431);
}

#[test]
fn pipelined_requests_are_answered_in_order_in_every_weather() {
    let (root, _outside) = site();
    let server = server(root.path());
    for (name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut conn = Conn::open(proxy.addr());
        assert_eq!(conn.get("/hello.txt").1, b"hello\n", "{name}");
        conn.send(
            b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /missing HTTP/1.1\r\nHost: t\r\n\r\n\
              HEAD /site/ HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /odd/a%20b.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        );
        let answers: Vec<(u16, Vec<u8>)> = [Method::Get, Method::Get, Method::Head, Method::Get]
            .into_iter()
            .map(|method| {
                let (head, body) = conn.response(method);
                (head.status, body)
            })
            .collect();
        assert_eq!(answers[0], (200, b"hello\n".to_vec()), "{name}");
        assert_eq!(answers[1].0, 404, "{name}");
        assert_eq!(answers[2], (200, Vec::new()), "{name}");
        assert_eq!(answers[3], (200, b"spaced\n".to_vec()), "{name}");
        conn.buf.get_mut().shutdown(Shutdown::Both).unwrap();
    }
}

#[test]
fn files_arrive_whole_in_every_weather() {
    let (root, _outside) = site();
    let server = server(root.path());
    let big = fs::read(root.path().join("big.bin")).unwrap();
    for (name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut conn = Conn::open(proxy.addr());
        assert_eq!(conn.get("/hello.txt").1, b"hello\n", "{name}");
        assert!(conn.get("/big.bin").1 == big, "{name}");
        conn.buf.get_mut().shutdown(Shutdown::Both).unwrap();
    }
}

#[test]
fn http_1_1_needs_exactly_one_host() {
    let (root, _outside) = site();
    let server = server(root.path());
    let table = [
        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request
        // without Host, and to any request with more than one.
        ("GET /hello.txt HTTP/1.1\r\n\r\n", 400),
        ("GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET /hello.txt HTTP/1.0\r\n\r\n", 200),
        ("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n", 200),
    ];
    for (request, expected) in table {
        assert_eq!(
            status_of(server.local_addr(), request),
            expected,
            "{request:?}"
        );
    }
}

#[test]
fn an_error_response_says_it_closes_the_connection() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(b"GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n");
    let (head, _) = conn.response(Method::Get);
    assert_eq!(head.status, 400);
    assert_eq!(head.headers.get("connection"), Some("close"));
    assert!(conn.is_closed());
}

#[test]
fn a_request_line_without_an_end_is_414_not_431() {
    let (root, _outside) = site();
    let server = server(root.path());
    let endless = format!("GET /{}", "a".repeat(40_000));
    assert_eq!(status_of(server.local_addr(), &endless), 414);
}

#[test]
fn malformed_targets_are_400() {
    let (root, _outside) = site();
    let server = server(root.path());
    for target in ["/%", "/a%2", "/%zz", "/a#fragment"] {
        let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(status_of(server.local_addr(), &request), 400, "{target}");
    }
}

#[test]
fn a_directory_redirect_never_points_to_another_host() {
    let (root, _outside) = site();
    let server = server(root.path());
    for target in ["//site", "http://evil.example/site"] {
        let (head, _) = Conn::open(server.local_addr()).get(target);
        assert_eq!(head.status, 301, "{target}");
        assert_eq!(head.headers.get("location"), Some("/site/"), "{target}");
    }
}

#[test]
fn an_error_answer_survives_a_client_still_sending() {
    // The server answers 400 at once, while a megabyte is still on its way
    // to it. Closing with unread bytes would reset the connection and could
    // destroy the answer; the lingering close lets the client read it.
    let (root, _outside) = site();
    let server = server(root.path());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut request = b"GET / HTTP/1.1\r\nHost : bad\r\n\r\n".to_vec();
    request.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = stream.write_all(&request);
        })
    };
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    writer.join().unwrap();
    assert!(
        reply.starts_with(b"HTTP/1.1 400 "),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
}

#[cfg(unix)]
#[test]
fn an_index_html_that_links_outside_is_not_served() {
    let (root, outside) = site();
    fs::create_dir(root.path().join("trap")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        root.path().join("trap/index.html"),
    )
    .unwrap();
    let server = server(root.path());
    let (head, body) = Conn::open(server.local_addr()).get("/trap/");
    assert!(
        !String::from_utf8_lossy(&body).contains("secret"),
        "{}",
        head.status
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_without_blocking() {
    let (root, _outside) = site();
    let fifo = root.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        // mkfifo is part of coreutils; without it there is no pipe to test.
        panic!("this test needs mkfifo (coreutils)");
    }
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    assert_eq!(conn.get("/pipe").0.status, 403);
    assert_eq!(conn.get("/hello.txt").1, b"hello\n");
}

#[test]
fn a_client_that_reads_too_slowly_loses_its_thread() {
    let (root, _outside) = site();
    fs::write(root.path().join("huge.bin"), vec![7u8; 64 * 1024 * 1024]).unwrap();
    let limits = Limits {
        send_grace: Duration::from_millis(200),
        min_send_rate: 16 * 1024 * 1024,
        ..Limits::default()
    };
    let server = start(root.path(), limits, Config::default());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
        .write_all(b"GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // A kilobyte every 20 ms: 50 KB/s, far below the 16 MB/s asked for.
    // (What already sits in the socket buffers still reaches the client
    // after the server gave up; what matters is that its thread is free.)
    let started = Instant::now();
    let mut chunk = [0; 1024];
    let mut seen_live = false;
    loop {
        let live = server.live_connections();
        seen_live |= live == 1;
        if seen_live && live == 0 {
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "the slow reader still holds its thread"
        );
        if matches!(stream.read(&mut chunk), Ok(0) | Err(_)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.live_connections(), 0);
}

/// Waits until the server has no live connection, or `limit` passes; how
/// long it took. (The count is polled: no event says "a thread is free".)
fn time_until_no_connection(server: &ServerHandle, started: Instant, limit: Duration) -> Duration {
    let mut seen_live = false;
    while started.elapsed() < limit {
        let live = server.live_connections();
        seen_live |= live > 0;
        if seen_live && live == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    started.elapsed()
}

#[test]
fn a_client_that_never_reads_is_cut_off_soon_after_the_grace() {
    // The system takes megabytes of a response into its socket buffers
    // (4 MB on loopback) before the client reads a byte. Those bytes must
    // not count as taken (at 64 KiB a second they would be worth a minute):
    // a client that sends one GET and never reads is cut off soon after
    // the grace.
    let root = tempfile::tempdir().unwrap();
    let huge = fs::File::create(root.path().join("huge.bin")).unwrap();
    huge.set_len(100_000_000).unwrap(); // sparse: no disk is written
    let limits = Limits {
        send_grace: Duration::from_millis(300),
        min_send_rate: 64 * 1024,
        ..Limits::default()
    };
    let server = start(root.path(), limits, Config::default());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .write_all(b"GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let held = time_until_no_connection(&server, Instant::now(), 2 * TIMEOUT);
    assert!(
        held < TIMEOUT,
        "a client that reads nothing held its thread for {held:?}"
    );
}

#[test]
fn a_url_in_the_query_is_not_taken_for_the_target() {
    let (root, _outside) = site();
    let server = server(root.path());
    let (head, body) = Conn::open(server.local_addr()).get("/hello.txt?next=http://h/site/");
    assert_eq!((head.status, body.as_slice()), (200, b"hello\n".as_slice()));
}

#[test]
fn odd_but_harmless_requests_get_the_right_answer() {
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    // A file is not a directory.
    assert_eq!(conn.get("/hello.txt/").0.status, 404);
    // RFC 9110 §13.1.3: a date in the future is invalid, and ignored.
    conn.send(
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT\r\n\r\n",
    );
    assert_eq!(conn.response(Method::Get).0.status, 200);
    // A range past what u64 holds is past the end of the file.
    conn.send(
        b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-99999999999999999999999\r\n\r\n",
    );
    assert_eq!(conn.response(Method::Get).1, b"hello\n");
}

#[test]
fn http_1_0_with_transfer_encoding_is_answered_then_closed() {
    // RFC 9112 §6.1: such framing cannot be trusted.
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    conn.send(
        b"POST /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!(conn.response(Method::Post).0.status, 405);
    assert!(conn.is_closed());
}

#[test]
fn a_file_rewritten_at_once_is_served_new() {
    // Two versions of the same size, written within one tick of the file
    // system's clock, can carry the same times: a server that kept the
    // first in memory could not tell them apart.
    let (root, _outside) = site();
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    let path = root.path().join("fresh.txt");
    for version in ["first\n", "other\n", "third\n"] {
        fs::write(&path, version).unwrap();
        let (head, body) = conn.get("/fresh.txt");
        assert_eq!((head.status, body.as_slice()), (200, version.as_bytes()));
    }
}

#[test]
fn a_settled_file_changed_on_disk_is_served_new() {
    // A small file unchanged for a second is kept in memory; every way of
    // changing it must still show. The wait is for the file to age, not
    // for the server.
    let (root, _outside) = site();
    let path = root.path().join("kept.txt");
    fs::write(&path, "version 1\n").unwrap();
    std::thread::sleep(netlessons::http::cache::SETTLE + Duration::from_millis(100));
    let server = server(root.path());
    let mut conn = Conn::open(server.local_addr());
    for _ in 0..2 {
        assert_eq!(conn.get("/kept.txt").1, b"version 1\n");
    }
    let etag = conn
        .get("/kept.txt")
        .0
        .headers
        .get("etag")
        .unwrap()
        .to_string();
    // What the kept bytes answer: a range, a HEAD, a conditional GET.
    conn.send(b"GET /kept.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=2-4\r\n\r\n");
    let (head, body) = conn.response(Method::Get);
    assert_eq!((head.status, body.as_slice()), (206, b"rsi".as_slice()));
    conn.send(b"HEAD /kept.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    let (head, body) = conn.response(Method::Head);
    assert_eq!(head.headers.get("content-length"), Some("10"));
    assert!(body.is_empty());
    conn.send(
        format!("GET /kept.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n").as_bytes(),
    );
    assert_eq!(conn.response(Method::Get).0.status, 304);
    // Written in place, same size, same modification time: the change
    // time still moves.
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    fs::write(&path, "version 2\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(conn.get("/kept.txt").1, b"version 2\n");
    // Replaced by another file (a new inode), as a deployment does.
    let new = root.path().join("kept.new");
    fs::write(&new, "version 3\n").unwrap();
    fs::rename(&new, &path).unwrap();
    assert_eq!(conn.get("/kept.txt").1, b"version 3\n");
    // Cut short, then gone.
    fs::write(&path, "v4\n").unwrap();
    assert_eq!(conn.get("/kept.txt").1, b"v4\n");
    fs::remove_file(&path).unwrap();
    assert_eq!(conn.get("/kept.txt").0.status, 404);
}

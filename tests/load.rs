//! The load generator of chapter 12 against the crate's own servers, each
//! on a port the system picked, for a fraction of a second.

use netlessons::accounts::Accounts;
use netlessons::dns::{DnsServer, Name, RecordType, Zone};
use netlessons::ftp::server::FtpHandler;
use netlessons::ftp::session::Users;
use netlessons::http::files::StaticFiles;
use netlessons::http::server::HttpHandler;
use netlessons::load::drivers::{
    DnsTarget, EchoTarget, FtpTarget, HttpTarget, Pop3Target, SmtpTarget,
};
use netlessons::load::report::Summary;
use netlessons::load::run::{run, LoadError, RunConfig, Target};
use netlessons::load::schedule::Pacing;
use netlessons::maildir::Maildir;
use netlessons::pop3::server::Pop3Handler;
use netlessons::serve::{Server, ServerHandle};
use netlessons::smtp::server::SmtpHandler;
use netlessons::tcp::echo::EchoHandler;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(2);

/// Taken by every test here, so that they run one at a time: a closed
/// loop keeps every core busy, and a test of timing run beside one would
/// measure it instead of its own server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How late a run may end, past its time and one timeout, on a machine
/// busy with other work: far less than a hang, or than the 30 s a
/// client's socket timeouts alone would take.
const SLACK: Duration = Duration::from_secs(5);

/// A short closed-loop run: 0.2 s of warm-up, for the connections to
/// open and log in, then 0.6 s counted: long enough that a machine busy
/// with other work still answers some requests in it.
fn short(connections: usize) -> RunConfig {
    RunConfig {
        connections,
        warmup: Duration::from_millis(200),
        duration: Duration::from_millis(600),
        pacing: Pacing::Closed,
    }
}

/// Runs `target` briefly and checks that it worked: answers, no error.
fn runs_cleanly(target: &dyn Target, connections: usize) -> Summary {
    let summary = run(target, &short(connections)).expect("the run starts");
    assert!(summary.requests > 0, "{}", summary.report());
    assert_eq!(summary.errors, 0, "{}", summary.report());
    assert_eq!(summary.latencies.count(), summary.requests);
    let report = summary.report();
    for line in [
        "requests/s: ",
        "errors: 0\n",
        "p50: ",
        "p90: ",
        "p99: ",
        "p99.9: ",
        "max: ",
    ] {
        assert!(report.contains(line), "{line:?} missing from\n{report}");
    }
    summary
}

fn spawn(handler: impl netlessons::serve::Handler) -> ServerHandle {
    Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap()
}

/// The chapter 06 server on a free port, serving a 4 KiB `4k.bin` from a
/// folder that lives as long as the first value.
fn file_server_of_4k() -> (tempfile::TempDir, ServerHandle) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("4k.bin"), vec![7u8; 4096]).unwrap();
    let server = spawn(HttpHandler::new(StaticFiles::new(root.path()).unwrap()));
    (root, server)
}

#[test]
fn http_keep_alive_gets_every_answer() {
    let _serial = one_at_a_time();
    let (_root, server) = file_server_of_4k();
    let url = format!("http://{}/4k.bin", server.local_addr());
    runs_cleanly(&HttpTarget::new(&url, false).unwrap(), 4);
}

#[test]
fn http_with_a_connection_per_request_gets_every_answer() {
    let _serial = one_at_a_time();
    let (_root, server) = file_server_of_4k();
    let url = format!("http://{}/4k.bin", server.local_addr());
    runs_cleanly(&HttpTarget::new(&url, true).unwrap(), 2);
}

#[test]
fn an_http_error_status_counts_as_an_error() {
    let _serial = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    let server = spawn(HttpHandler::new(StaticFiles::new(root.path()).unwrap()));
    let url = format!("http://{}/missing", server.local_addr());
    let summary = run(&HttpTarget::new(&url, false).unwrap(), &short(1)).unwrap();
    assert_eq!(summary.requests, 0);
    assert!(summary.errors > 0);
    assert_eq!(
        summary.first_error.as_deref(),
        Some("refused: 404 Not Found")
    );
}

#[test]
fn tcp_echo_gets_every_byte_back() {
    let _serial = one_at_a_time();
    let server = spawn(EchoHandler::default());
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, TIMEOUT).unwrap();
    runs_cleanly(&target, 4);
}

#[test]
fn smtp_sends_one_message_a_request() {
    let _serial = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    let handler = SmtpHandler::new("example.test", root.path(), ["alice"])
        .unwrap()
        .discard();
    let server = spawn(handler);
    let target = SmtpTarget::new(
        &server.local_addr().to_string(),
        "load@client.test".parse().unwrap(),
        "alice@example.test".parse().unwrap(),
        1024,
        TIMEOUT,
    )
    .unwrap();
    runs_cleanly(&target, 2);
}

#[test]
fn pop3_retrieves_a_message_a_request() {
    let _serial = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    let maildir = Maildir::create(root.path().join("alice")).unwrap();
    maildir
        .deliver(&b"Subject: one\r\n\r\nhello\r\n"[..])
        .unwrap();
    maildir
        .deliver(&b"Subject: two\r\n\r\nagain\r\n"[..])
        .unwrap();
    let accounts = Accounts::new().with_user("alice", "secret");
    let server = spawn(Pop3Handler::new(root.path(), accounts));
    let url = format!("pop3://alice:secret@{}/", server.local_addr());
    // One connection: a maildrop is one session's at a time (RFC 1939 §8).
    runs_cleanly(&Pop3Target::new(&url, TIMEOUT).unwrap(), 1);
}

#[test]
fn pop3_with_n_in_the_url_logs_each_connection_in_to_a_maildrop_of_its_own() {
    let _serial = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    let mut accounts = Accounts::new();
    for n in 1..=8 {
        let maildir = Maildir::create(root.path().join(format!("user{n}"))).unwrap();
        maildir
            .deliver(&b"Subject: one\r\n\r\nhello\r\n"[..])
            .unwrap();
        accounts = accounts.with_user(format!("user{n}"), format!("secret{n}"));
    }
    let server = spawn(Pop3Handler::new(root.path(), accounts));
    // Eight connections on one maildrop would get -ERR [IN-USE] but for
    // the first (RFC 1939 §8, RFC 2449 §8.1.1): `{n}` gives each its own.
    let url = format!("pop3://user{{n}}:secret{{n}}@{}/", server.local_addr());
    let target = Pop3Target::new(&url, TIMEOUT).unwrap();
    assert!(
        target.describe().contains("user{n}"),
        "{}",
        target.describe()
    );
    runs_cleanly(&target, 8);
}

#[test]
fn ftp_retrieves_the_file_a_request() {
    let _serial = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("file.bin"), vec![1u8; 10_000]).unwrap();
    let users = Users::new().with_user("alice", "secret");
    let server = spawn(FtpHandler::new(root.path(), users).unwrap());
    let url = format!("ftp://alice:secret@{}/file.bin", server.local_addr());
    runs_cleanly(&FtpTarget::new(&url, TIMEOUT).unwrap(), 2);
}

#[test]
fn dns_gets_an_answer_a_query() {
    let _serial = one_at_a_time();
    let text = std::fs::read_to_string("lessons/04-dns/example.test.zone").unwrap();
    let zone = Zone::parse("example.test.zone", &text, None).unwrap();
    let server = DnsServer::bind("127.0.0.1:0", zone)
        .unwrap()
        .spawn()
        .unwrap();
    let name = Name::from_text("www.example.test.").unwrap();
    let target = DnsTarget::new(
        &server.local_addr().to_string(),
        name,
        RecordType::A,
        TIMEOUT,
    )
    .unwrap();
    runs_cleanly(&target, 2);
}

#[test]
fn dns_waits_on_past_a_stray_datagram_for_its_answer() {
    let _serial = one_at_a_time();
    let text = std::fs::read_to_string("lessons/04-dns/example.test.zone").unwrap();
    let zone = Zone::parse("example.test.zone", &text, None).unwrap();
    let server = DnsServer::bind("127.0.0.1:0", zone)
        .unwrap()
        .spawn()
        .unwrap();
    // In front of the server: each query first gets a datagram that is no
    // answer at all, then the server's answer.
    let front = UdpSocket::bind("127.0.0.1:0").unwrap();
    let front_addr = front.local_addr().unwrap();
    // The relay ends once the run has been quiet for a timeout.
    front.set_read_timeout(Some(TIMEOUT)).unwrap();
    let back = UdpSocket::bind("127.0.0.1:0").unwrap();
    back.connect(server.local_addr()).unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((len, client)) = front.recv_from(&mut buf) {
            let _ = front.send_to(b"not an answer", client);
            let _ = back.send(&buf[..len]);
            let Ok(len) = back.recv(&mut buf) else { return };
            let _ = front.send_to(&buf[..len], client);
        }
    });
    let name = Name::from_text("www.example.test.").unwrap();
    let target = DnsTarget::new(&front_addr.to_string(), name, RecordType::A, TIMEOUT).unwrap();
    runs_cleanly(&target, 1);
}

#[test]
fn a_port_nobody_listens_on_ends_the_run_at_once_with_an_error() {
    let _serial = one_at_a_time();
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // The listener is gone: connections to its port are refused.
    let target = HttpTarget::new(&format!("http://{addr}/"), false).unwrap();
    let config = RunConfig {
        duration: Duration::from_secs(10),
        ..short(4)
    };
    let started = Instant::now();
    let error = run(&target, &config).unwrap_err();
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
    assert!(matches!(error, LoadError::Connect { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot connect to {addr}: ")),
        "{error}"
    );
}

/// Runs 64-byte echoes against `server` for 0.5 s, with no warm-up, and
/// checks that the run ended on time: its 0.5 s, and one `timeout` more
/// at most for a request under way.
fn echo_run_that_ends_on_time(
    server: &ServerHandle,
    connections: usize,
    timeout: Duration,
) -> Summary {
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, timeout).unwrap();
    let config = RunConfig {
        warmup: Duration::ZERO,
        duration: Duration::from_millis(500),
        ..short(connections)
    };
    let started = Instant::now();
    let summary = run(&target, &config).unwrap();
    assert!(
        started.elapsed() < config.duration + timeout + SLACK,
        "{:?}",
        started.elapsed()
    );
    summary
}

/// A server that reads a request, answers with `start`, then sends `fill`
/// bytes until the client goes away.
fn endless_answer(start: &'static [u8], fill: u8) -> ServerHandle {
    spawn(move |mut stream: &TcpStream, _| {
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request)?;
        stream.write_all(start)?;
        let chunk = [fill; 16 * 1024];
        loop {
            stream.write_all(&chunk)?;
        }
    })
}

/// A server that takes every connection and never says a word.
fn silent_server() -> ServerHandle {
    spawn(|mut stream: &TcpStream, _| {
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink)? > 0 {}
        Ok(())
    })
}

#[test]
fn a_server_that_never_answers_gives_timeouts_and_the_run_ends_on_time() {
    let _serial = one_at_a_time();
    let server = silent_server();
    let timeout = Duration::from_millis(200);
    let summary = echo_run_that_ends_on_time(&server, 2, timeout);
    assert_eq!(summary.requests, 0);
    assert!(summary.errors >= 2, "{}", summary.report());
    assert_eq!(
        summary.first_error.as_deref(),
        Some("no answer within the timeout")
    );
}

#[test]
fn an_endless_http_body_ends_as_a_timeout_not_a_growing_client() {
    let _serial = one_at_a_time();
    // A response of a terabyte that never ends: the client reads it into
    // its one buffer, and gives up at the request's deadline.
    let server = endless_answer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
        b'x',
    );
    let url = format!("http://{}/", server.local_addr());
    let target = HttpTarget::new(&url, false)
        .unwrap()
        .with_timeout(Duration::from_millis(200));
    let config = RunConfig {
        warmup: Duration::ZERO,
        ..short(1)
    };
    let started = Instant::now();
    let summary = run(&target, &config).unwrap();
    assert!(
        started.elapsed() < config.duration + SLACK,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary.requests, 0);
    assert!(summary.errors >= 1);
    assert_eq!(
        summary.first_error.as_deref(),
        Some("no answer within the timeout")
    );
}

/// An echo server of 64-byte requests that stalls once, for 200 ms, a
/// quarter of a second after the connection opens: a garbage collection,
/// a page fault, a full disk queue.
fn stalling_echo() -> ServerHandle {
    spawn(|mut stream: &TcpStream, _| {
        stream.set_nodelay(true)?;
        let opened = Instant::now();
        let mut stalled = false;
        let mut request = [0u8; 64];
        loop {
            if stream.read_exact(&mut request).is_err() {
                return Ok(());
            }
            if !stalled && opened.elapsed() > Duration::from_millis(250) {
                stalled = true;
                std::thread::sleep(Duration::from_millis(200));
            }
            stream.write_all(&request)?;
        }
    })
}

#[test]
fn an_open_loop_sees_a_stall_that_a_closed_loop_hides() {
    let _serial = one_at_a_time();
    let config = RunConfig {
        connections: 1,
        warmup: Duration::ZERO,
        duration: Duration::from_millis(800),
        pacing: Pacing::Closed,
    };
    // Closed loop: while the server stalls, the client waits and sends
    // nothing; one request of thousands is slow, and p99 does not see it.
    let server = stalling_echo();
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, TIMEOUT).unwrap();
    let closed = run(&target, &config).unwrap();
    assert!(
        closed.latencies.max() >= Duration::from_millis(190),
        "{}",
        closed.report()
    );
    assert!(
        closed.latencies.percentile(99.0) < Duration::from_millis(50),
        "{}",
        closed.report()
    );

    // Open loop at 200/s: the 40 requests due during the stall each wait
    // for it, and their latencies, counted from when each was due, say so.
    let server = stalling_echo();
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, TIMEOUT).unwrap();
    let open = run(
        &target,
        &RunConfig {
            pacing: Pacing::Open { rate: 200.0 },
            ..config
        },
    )
    .unwrap();
    assert_eq!(open.errors, 0, "{}", open.report());
    assert!(
        open.latencies.percentile(99.0) >= Duration::from_millis(150),
        "{}",
        open.report()
    );
    assert!(
        open.latencies.percentile(90.0) >= Duration::from_millis(50),
        "{}",
        open.report()
    );
}

#[test]
fn an_open_loop_sends_at_its_rate() {
    let _serial = one_at_a_time();
    let server = spawn(EchoHandler::default());
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, TIMEOUT).unwrap();
    let config = RunConfig {
        connections: 4,
        warmup: Duration::ZERO,
        duration: Duration::from_millis(500),
        pacing: Pacing::Open { rate: 400.0 },
    };
    let summary = run(&target, &config).unwrap();
    // 400/s for half a second: 200 requests due, all of them sent.
    assert!(
        (190..=201).contains(&summary.requests),
        "{}",
        summary.report()
    );
}

#[test]
fn an_endless_http_head_is_refused_at_the_parsers_limit() {
    let _serial = one_at_a_time();
    // A header field that never ends: the client stops at the largest head
    // the crate's parser takes, not when its memory runs out.
    let server = endless_answer(b"HTTP/1.1 200 OK\r\nX-Endless: ", b'a');
    let url = format!("http://{}/", server.local_addr());
    let summary = run(&HttpTarget::new(&url, false).unwrap(), &short(1)).unwrap();
    assert_eq!(summary.requests, 0);
    assert!(summary.errors >= 1);
    let error = summary.first_error.unwrap();
    assert!(
        error.starts_with("unexpected answer: ") && error.contains("too large"),
        "{error}"
    );
}

/// A server that answers every request on a connection with `response`,
/// and closes after the first one when `close`.
fn scripted_http(response: &'static [u8], close: bool) -> ServerHandle {
    spawn(move |mut stream: &TcpStream, _| {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            if stream.read(&mut byte)? == 0 {
                return Ok(());
            }
            head.push(byte[0]);
            if head.ends_with(b"\r\n\r\n") {
                head.clear();
                stream.write_all(response)?;
                if close {
                    return Ok(());
                }
            }
        }
    })
}

#[test]
fn http_bodies_of_every_kind_are_read_to_their_end() {
    let _serial = one_at_a_time();
    let table: [(&str, &'static [u8], bool); 4] = [
        (
            "chunked, kept",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            false,
        ),
        (
            "no body, kept",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            false,
        ),
        (
            "Connection: close",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            true,
        ),
        (
            "until the server closes",
            b"HTTP/1.0 200 OK\r\n\r\nhello, until the end",
            true,
        ),
    ];
    for (case, response, close) in table {
        let server = scripted_http(response, close);
        let url = format!("http://{}/", server.local_addr());
        let summary = run(&HttpTarget::new(&url, false).unwrap(), &short(1)).unwrap();
        assert!(summary.requests > 0, "{case}: {}", summary.report());
        assert_eq!(summary.errors, 0, "{case}: {}", summary.report());
    }
}

#[test]
fn an_http_answer_longer_than_its_length_is_an_error() {
    let _serial = one_at_a_time();
    let server = scripted_http(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", false);
    let url = format!("http://{}/", server.local_addr());
    let summary = run(&HttpTarget::new(&url, false).unwrap(), &short(1)).unwrap();
    assert_eq!(summary.requests, 0);
    assert_eq!(
        summary.first_error.as_deref(),
        Some("unexpected answer: more bytes than the response's length")
    );
}

/// An echo server that sends each byte back alone, `gap` after the last:
/// every read of the client is answered within its socket timeout, so only
/// a deadline on the whole request ends it.
fn trickling_echo(gap: Duration) -> ServerHandle {
    spawn(move |mut stream: &TcpStream, _| {
        let mut byte = [0u8; 1];
        while stream.read(&mut byte)? > 0 {
            std::thread::sleep(gap);
            stream.write_all(&byte)?;
        }
        Ok(())
    })
}

#[test]
fn an_echo_that_trickles_back_ends_as_a_timeout_and_the_run_on_time() {
    let _serial = one_at_a_time();
    // 64 bytes at one per 200 ms is 12.8 s: each read waits 200 ms, under
    // the 300 ms timeout, and the whole echo is far past it.
    let server = trickling_echo(Duration::from_millis(200));
    let timeout = Duration::from_millis(300);
    let summary = echo_run_that_ends_on_time(&server, 1, timeout);
    assert_eq!(summary.requests, 0);
    assert_eq!(
        summary.first_error.as_deref(),
        Some("no answer within the timeout")
    );
}

#[test]
fn an_echo_cut_short_says_how_much_came_back() {
    let _serial = one_at_a_time();
    // The whole request read, ten bytes of it sent back, and the end.
    let server = spawn(|mut stream: &TcpStream, _| {
        let mut request = [0u8; 64];
        stream.read_exact(&mut request)?;
        stream.write_all(&request[..10])?;
        Ok(())
    });
    let target = EchoTarget::new(&server.local_addr().to_string(), 64, TIMEOUT).unwrap();
    let summary = run(&target, &short(1)).unwrap();
    assert_eq!(summary.requests, 0);
    assert_eq!(
        summary.first_error.as_deref(),
        Some("the server closed the connection after 10 of the 64 bytes echoed")
    );
}

#[test]
fn a_large_echo_is_read_back_while_it_is_written() {
    let _serial = one_at_a_time();
    // Far more than the socket buffers of both sides hold: written whole
    // before reading, the echo would stall both sides until the timeout.
    let server = spawn(EchoHandler::default());
    let size = 16 * 1024 * 1024;
    let target = EchoTarget::new(&server.local_addr().to_string(), size, TIMEOUT).unwrap();
    let summary = run(&target, &short(1)).unwrap();
    assert!(summary.requests > 0, "{}", summary.report());
    assert_eq!(summary.errors, 0, "{}", summary.report());
}

/// A target whose first session takes a while to open (a login that
/// lists a large maildrop) and whose other sessions are refused at once
/// (`-ERR [IN-USE]`, the same maildrop for every connection).
struct OneSlowLoginTheRestRefused {
    opened: Mutex<bool>,
}

struct QuickSession;

impl netlessons::load::run::Session for QuickSession {
    fn request(&mut self) -> Result<(), LoadError> {
        thread::sleep(Duration::from_millis(1));
        Ok(())
    }
}

impl Target for OneSlowLoginTheRestRefused {
    fn describe(&self) -> String {
        "one login".into()
    }

    fn open(&self) -> Result<Box<dyn netlessons::load::run::Session>, LoadError> {
        let first = !std::mem::replace(
            &mut *self.opened.lock().unwrap_or_else(PoisonError::into_inner),
            true,
        );
        if !first {
            return Err(LoadError::Refused("-ERR [IN-USE]".into()));
        }
        // Longer than the three quick tries of the other connections.
        thread::sleep(Duration::from_millis(150));
        Ok(Box::new(QuickSession))
    }
}

#[test]
fn a_connection_that_gave_up_while_another_logged_in_is_an_error_in_the_report() {
    let _serial = one_at_a_time();
    let target = OneSlowLoginTheRestRefused {
        opened: Mutex::new(false),
    };
    let summary = run(&target, &short(4)).unwrap();
    let report = summary.report();
    // Three of the four connections never made a request: the report must
    // not read as four connections with no error.
    assert!(report.contains("errors: 3\n"), "{report}");
    assert!(
        report.contains("first error: refused: -ERR [IN-USE]\n"),
        "{report}"
    );
}

//! The accept loop under load and abuse: threads reused, the cap, timeouts,
//! panicking handlers, shutdown. Every server in the crate relies on these.

mod support;

use netlessons::serve::{is_ordinary_ending, Config, Failure, Handler, Server, ServerHandle};
use netlessons::tcp::{connect, EchoClient, EchoHandler, Framing};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};
use support::chaos::{ChaosProxy, Weather};

const TIMEOUT: Duration = Duration::from_secs(5);

fn echo_server(config: Config) -> ServerHandle {
    Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(EchoHandler {
            framing: Framing::Lines,
        })
        .unwrap()
}

fn client(server: &ServerHandle) -> EchoClient<TcpStream> {
    EchoClient::new(connect(server.local_addr(), TIMEOUT).unwrap())
}

/// Waits until `condition` holds, for at most 5 seconds. The server's
/// bookkeeping runs on its own threads, after the client has seen the end.
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn worker_threads_are_reused_for_connections_one_after_another() {
    let server = echo_server(Config::default());
    for i in 0..20 {
        let mut client = client(&server);
        assert_eq!(client.echo_line(&format!("n{i}")).unwrap(), format!("n{i}"));
        drop(client);
        eventually("the connection ended", || server.live_connections() == 0);
    }
    // One worker serves while another waits in accept; twenty connections
    // later, they are still the same two threads.
    assert_eq!(server.worker_threads(), 2);
}

#[test]
fn over_the_cap_a_client_gets_the_busy_reply_and_the_server_goes_on() {
    let config = Config {
        max_connections: 2,
        ..Config::default()
    };
    let server = echo_server(config);
    let mut first = client(&server);
    let mut second = client(&server);
    assert_eq!(first.echo_line("1").unwrap(), "1");
    assert_eq!(second.echo_line("2").unwrap(), "2");

    let mut third = connect(server.local_addr(), TIMEOUT).unwrap();
    let mut reply = String::new();
    third.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "busy: too many connections, try again later\n");

    drop(first);
    eventually("a place is free", || server.live_connections() < 2);
    assert_eq!(client(&server).echo_line("again").unwrap(), "again");
    assert_eq!(second.echo_line("still").unwrap(), "still");
}

#[test]
fn a_client_that_connects_and_says_nothing_is_closed_after_the_read_timeout() {
    let config = Config {
        read_timeout: Duration::from_millis(100),
        ..Config::default()
    };
    let server = echo_server(config);
    let mut silent = connect(server.local_addr(), TIMEOUT).unwrap();
    let started = Instant::now();
    // The server gives up on us: our read sees end-of-file.
    assert_eq!(silent.read(&mut [0; 16]).unwrap(), 0);
    assert!(started.elapsed() < TIMEOUT);
    eventually("the thread let go", || server.live_connections() == 0);
}

#[test]
fn a_client_that_stops_reading_is_closed_after_the_write_timeout() {
    let config = Config {
        write_timeout: Duration::from_millis(100),
        ..Config::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(EchoHandler {
            framing: Framing::Raw,
        })
        .unwrap();
    let mut greedy = connect(server.local_addr(), TIMEOUT).unwrap();
    // Send and never read: the echoes fill our receive buffer and the
    // server's send buffer, then the server's write times out.
    let chunk = vec![b'x'; 64 * 1024];
    let mut write_failed = false;
    for _ in 0..2000 {
        if greedy.write_all(&chunk).is_err() {
            write_failed = true;
            break;
        }
    }
    assert!(write_failed, "the server kept a non-reading client forever");
    eventually("the thread let go", || server.live_connections() == 0);
}

#[test]
fn a_client_that_vanishes_mid_message_does_not_disturb_the_others() {
    let server = echo_server(Config::default());
    let reset = Weather {
        reset_after: Some(3),
        ..Weather::default()
    };
    let proxy = ChaosProxy::start(server.local_addr(), reset).unwrap();
    let mut others = client(&server);
    let mut vanishing = connect(proxy.addr(), TIMEOUT).unwrap();
    let _ = vanishing.write_all(b"half a line");
    // The proxy reset the connection after 3 bytes, in the middle of a line.
    let mut rest = Vec::new();
    assert!(vanishing.read_to_end(&mut rest).is_err() || rest.is_empty());
    eventually("the reset connection ended", || {
        server.live_connections() == 1
    });
    assert_eq!(others.echo_line("fine").unwrap(), "fine");
}

/// A handler that panics on one input: the worst a bug in a handler can do.
struct Fragile;

impl Handler for Fragile {
    fn handle(&self, mut stream: &TcpStream, _peer: SocketAddr) -> io::Result<()> {
        let mut byte = [0];
        stream.read_exact(&mut byte)?;
        assert_ne!(byte[0], b'!', "the handler met a '!'");
        stream.write_all(&byte)
    }
}

#[test]
fn a_handler_that_panics_ends_its_connection_not_the_server() {
    let server = Server::bind("127.0.0.1:0").unwrap().spawn(Fragile).unwrap();
    let mut doomed = connect(server.local_addr(), TIMEOUT).unwrap();
    doomed.write_all(b"!").unwrap();
    assert_eq!(doomed.read(&mut [0; 1]).unwrap(), 0);
    let mut fine = connect(server.local_addr(), TIMEOUT).unwrap();
    fine.write_all(b"a").unwrap();
    let mut reply = [0];
    fine.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"a");
    eventually("both connections ended", || server.live_connections() == 0);
}

#[test]
fn shutdown_waits_for_the_grace_period_then_closes_live_connections() {
    let config = Config {
        shutdown_grace: Duration::from_millis(100),
        ..Config::default()
    };
    let server = echo_server(config);
    let mut idle = client(&server);
    assert_eq!(idle.echo_line("here").unwrap(), "here");
    let started = Instant::now();
    server.shutdown();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100),
        "did not wait: {waited:?}"
    );
    assert!(waited < TIMEOUT, "waited too long: {waited:?}");
    // Our connection was closed by the server.
    assert!(idle.echo_line("gone?").is_err());
}

#[test]
fn shutdown_returns_at_once_when_no_connection_is_live() {
    let server = echo_server(Config::default());
    assert_eq!(client(&server).echo_line("x").unwrap(), "x");
    eventually("the connection ended", || server.live_connections() == 0);
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn after_shutdown_the_port_refuses_connections() {
    let server = echo_server(Config::default());
    let addr = server.local_addr();
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn fifty_clients_at_once_each_get_their_own_echoes() {
    let server = echo_server(Config::default());
    let proxy = ChaosProxy::start(server.local_addr(), Weather::split()).unwrap();
    let addr = proxy.addr();
    let clients: Vec<_> = (0..50)
        .map(|id| {
            thread::spawn(move || {
                let mut client = EchoClient::new(connect(addr, TIMEOUT).unwrap());
                for n in 0..20 {
                    let line = format!("client {id} line {n}");
                    assert_eq!(client.echo_line(&line).unwrap(), line);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
}

/// What the reporter of the tests below was told: (peer, failure), with a
/// condition variable to wait on, since a report comes from a worker thread
/// after the client has seen the end of its connection.
static REPORTS: std::sync::Mutex<Vec<(SocketAddr, String)>> = std::sync::Mutex::new(Vec::new());
static REPORTED: std::sync::Condvar = std::sync::Condvar::new();

fn remember(peer: SocketAddr, failure: &Failure) {
    let mut reports = REPORTS.lock().unwrap_or_else(|e| e.into_inner());
    reports.push((peer, failure.to_string()));
    REPORTED.notify_all();
}

/// The report about the connection from `peer`, waiting for it up to 5 s.
fn report_about(peer: SocketAddr) -> Option<String> {
    let reports = REPORTS.lock().unwrap_or_else(|e| e.into_inner());
    let (reports, _) = REPORTED
        .wait_timeout_while(reports, TIMEOUT, |reports| {
            !reports.iter().any(|(from, _)| *from == peer)
        })
        .unwrap_or_else(|e| e.into_inner());
    let found = reports.iter().find(|(from, _)| *from == peer);
    found.map(|(_, failure)| failure.clone())
}

/// Connects to a server whose every connection fails as `handler` does,
/// and returns what its reporter was told about that connection.
fn report_of_one_connection(
    handler: impl Fn(&TcpStream, SocketAddr) -> io::Result<()> + Send + Sync + 'static,
) -> Option<String> {
    let config = Config {
        report: remember,
        ..Config::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler)
        .unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    let peer = stream.local_addr().unwrap();
    // The server closes: we read end-of-file (or a reset), then ask.
    let _ = stream.read(&mut [0; 1]);
    let report = report_about(peer);
    server.shutdown();
    report
}

#[test]
fn a_handler_that_fails_is_reported_with_the_clients_address() {
    let report = report_of_one_connection(|_, _| Err(io::Error::other("the disk is full")));
    assert_eq!(
        report.as_deref(),
        Some("ended with an error: the disk is full")
    );
}

#[test]
fn a_handler_that_panics_is_reported_with_the_panic_message() {
    let report = report_of_one_connection(|_, peer| panic!("a bug, for {}", peer.ip()));
    assert_eq!(
        report.as_deref(),
        Some("the handler panicked: a bug, for 127.0.0.1")
    );
}

#[test]
fn a_client_that_went_away_is_not_a_failure_to_report() {
    use io::ErrorKind::*;
    // The client's choice, seen all day by a busy server: not a bug.
    for kind in [
        ConnectionReset,
        ConnectionAborted,
        BrokenPipe,
        UnexpectedEof,
    ] {
        assert!(is_ordinary_ending(&kind.into()), "{kind:?}");
    }
    // Anything else may be one, and is told.
    for kind in [TimedOut, PermissionDenied, InvalidData, Other] {
        assert!(!is_ordinary_ending(&kind.into()), "{kind:?}");
    }
}

#[test]
fn running_out_of_file_descriptors_is_told_with_what_to_do() {
    use netlessons::serve::{starved_advice, Starved};
    // EMFILE, as accept(2) returns it when the process has no descriptor left.
    let advice = starved_advice(&Starved::Accept(io::Error::from_raw_os_error(24)), 20000);
    assert!(
        advice.starts_with("cannot accept connections: Too many open files"),
        "{advice}"
    );
    assert!(advice.contains("`ulimit -n`"), "{advice}");
    assert!(advice.contains("--max-connections (now 20000)"), "{advice}");
    // EAGAIN from clone(2): no thread for the next connection.
    let advice = starved_advice(&Starved::Thread(io::Error::from_raw_os_error(11)), 64);
    assert!(
        advice.starts_with("cannot start a thread for the next connection"),
        "{advice}"
    );
    assert!(advice.contains("vm.max_map_count"), "{advice}");
}

#[test]
fn being_starved_is_told_once_a_minute_not_once_per_failure() {
    use netlessons::serve::{starved_report_due, STARVED_REPORT_INTERVAL};
    let cases = [
        (None, true),
        (Some(Duration::ZERO), false),
        (Some(Duration::from_millis(10)), false),
        (
            Some(STARVED_REPORT_INTERVAL - Duration::from_millis(1)),
            false,
        ),
        (Some(STARVED_REPORT_INTERVAL), true),
    ];
    for (since_last, due) in cases {
        assert_eq!(starved_report_due(since_last), due, "{since_last:?}");
    }
}

#[test]
fn the_cap_fits_the_threads_the_systems_memory_maps_allow() {
    use netlessons::serve::{fit_max_connections, MAPS_PER_THREAD};
    // Linux's default vm.max_map_count is 65530: each thread maps its
    // stack, its guard page, and std's signal stack with its own guard.
    assert_eq!(MAPS_PER_THREAD, 4);
    let (cap, said) = fit_max_connections(20000, Some(65530));
    assert!((15000..16300).contains(&cap), "{cap}");
    let said = said.expect("a lowered cap is told");
    assert!(said.contains("vm.max_map_count"), "{said}");
    assert!(
        said.contains(&format!("at most {cap} connections")),
        "{said}"
    );
    // Under the ceiling, or with no ceiling known, the cap stays as asked.
    assert_eq!(fit_max_connections(1024, Some(65530)), (1024, None));
    assert_eq!(fit_max_connections(20000, None), (20000, None));
}

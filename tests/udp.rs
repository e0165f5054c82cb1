//! The UDP echo server and the pinger, over real loopback sockets.
//!
//! Every server binds port 0 before anything is sent to it, so no test
//! waits for a server to start, and no two tests share a port. Every client
//! socket has a read timeout, so a test that fails does so with a message
//! instead of hanging.

use netlessons::udp::is_message_too_long;
use netlessons::udp::ping::{Ping, Stray};
use netlessons::udp::pinger::MAX_WAIT;
use netlessons::udp::{
    ping, ping_with, EchoConfig, EchoServerHandle, LossSimulator, PingEvent, PingOptions,
    UdpEchoServer, MAX_PAYLOAD_V4, RECV_BUFFER_LEN,
};
use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

/// Long enough for any echo on loopback, even on a busy machine; only a
/// failing test ever waits this long.
const SAFETY_TIMEOUT: Duration = Duration::from_secs(5);

fn echo_server(config: EchoConfig) -> EchoServerHandle {
    UdpEchoServer::bind("127.0.0.1:0", config)
        .and_then(UdpEchoServer::spawn)
        .expect("start the echo server")
}

fn client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a client socket");
    socket.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    socket
}

/// Receives one datagram: its bytes and who sent it.
fn receive(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    let (len, from) = socket.recv_from(&mut buf).expect("a datagram in time");
    (buf[..len].to_vec(), from)
}

#[test]
fn a_datagram_comes_back_from_the_server() {
    let server = echo_server(EchoConfig::default());
    let client = client();
    client.send_to(b"hello", server.local_addr()).unwrap();
    assert_eq!(receive(&client), (b"hello".to_vec(), server.local_addr()));
}

#[test]
fn two_sends_arrive_as_two_datagrams() {
    // Unlike TCP, UDP never merges two messages into one read.
    let server = echo_server(EchoConfig::default());
    let client = client();
    client.send_to(b"one", server.local_addr()).unwrap();
    client.send_to(b"two", server.local_addr()).unwrap();
    assert_eq!(receive(&client).0, b"one");
    assert_eq!(receive(&client).0, b"two");
}

#[test]
fn a_too_small_buffer_truncates_the_datagram_silently() {
    // The rest of the datagram is discarded, and recv_from says only how
    // much it copied: no error, and the next read is the next datagram.
    let server = echo_server(EchoConfig::default());
    let client = client();
    client.send_to(b"abcdefghij", server.local_addr()).unwrap();
    client.send_to(b"next", server.local_addr()).unwrap();
    let mut small = [0u8; 4];
    let (len, _) = client.recv_from(&mut small).unwrap();
    assert_eq!(&small[..len], b"abcd");
    let (len, _) = client.recv_from(&mut small).unwrap();
    assert_eq!(&small[..len], b"next");
}

#[test]
fn each_of_several_clients_gets_its_own_replies() {
    // One server socket serves everyone; only the address a datagram came
    // from says where its echo must go.
    let server = echo_server(EchoConfig::default());
    let clients: Vec<UdpSocket> = (0..3).map(|_| client()).collect();
    for round in 0..3 {
        for (index, client) in clients.iter().enumerate() {
            let message = format!("client {index} round {round}");
            client
                .send_to(message.as_bytes(), server.local_addr())
                .unwrap();
        }
    }
    for (index, client) in clients.iter().enumerate() {
        for round in 0..3 {
            let expected = format!("client {index} round {round}");
            assert_eq!(receive(client).0, expected.as_bytes());
        }
    }
}

#[test]
fn a_seeded_server_drops_exactly_the_predicted_datagrams() {
    let config = EchoConfig {
        drop_percent: 30,
        seed: 7,
    };
    let mut loss = LossSimulator::new(config.drop_percent, config.seed);
    let kept: Vec<Vec<u8>> = (0..40u32)
        .filter(|_| !loss.should_drop())
        .map(|n| n.to_string().into_bytes())
        .collect();
    assert!(
        kept.len() < 40 && !kept.is_empty(),
        "seed 7 drops some, not all"
    );

    let server = echo_server(config);
    let client = client();
    for n in 0..40u32 {
        client
            .send_to(n.to_string().as_bytes(), server.local_addr())
            .unwrap();
    }
    // Exactly the kept ones come back, in order; the count proves nothing
    // else was echoed.
    let echoed: Vec<Vec<u8>> = kept.iter().map(|_| receive(&client).0).collect();
    assert_eq!(echoed, kept);
    let counts = server.shutdown();
    assert_eq!(counts.received, 40);
    assert_eq!(counts.echoed, kept.len() as u64);
    assert_eq!(counts.dropped, 40 - kept.len() as u64);
}

#[test]
fn an_empty_datagram_is_echoed_as_an_empty_datagram() {
    // A read of 0 bytes on UDP is a datagram with nothing in it, not the
    // end of anything.
    let server = echo_server(EchoConfig::default());
    let client = client();
    client.send_to(b"", server.local_addr()).unwrap();
    assert_eq!(receive(&client), (Vec::new(), server.local_addr()));
    client.send_to(b"still here", server.local_addr()).unwrap();
    assert_eq!(receive(&client).0, b"still here");
}

#[test]
fn the_largest_ipv4_datagram_is_echoed_whole() {
    // 65 535 (IPv4 total length) - 20 (IP header) - 8 (UDP header): the
    // protocol's limit. Linux allows it; other systems may refuse sends
    // well below it (macOS: over 9 216 bytes by default), and there the
    // refusal is all this test can check.
    let server = echo_server(EchoConfig::default());
    let client = client();
    let big: Vec<u8> = (0..MAX_PAYLOAD_V4).map(|i| (i % 251) as u8).collect();
    match client.send_to(&big, server.local_addr()) {
        Ok(_) => assert_eq!(receive(&client).0, big),
        Err(error) if !cfg!(target_os = "linux") && is_message_too_long(&error) => {
            eprintln!("this system refuses {MAX_PAYLOAD_V4}-byte datagrams: {error}");
        }
        Err(error) => panic!("send of {MAX_PAYLOAD_V4} bytes failed: {error}"),
    }
}

#[test]
fn a_datagram_larger_than_ipv4_allows_is_refused_by_send() {
    let server = echo_server(EchoConfig::default());
    let client = client();
    let too_big = vec![0u8; MAX_PAYLOAD_V4 + 1];
    let error = client.send_to(&too_big, server.local_addr()).unwrap_err();
    assert!(is_message_too_long(&error), "{error:?}");
}

#[test]
fn the_server_survives_clients_that_vanished() {
    // Each of these clients closes its socket right after sending, so the
    // echo goes to a closed port and the host answers with an ICMP "port
    // unreachable". Linux does not report that to the server's unconnected
    // socket; Windows reports it as a connection reset on the next
    // recv_from. Either way the server must go on serving.
    let server = echo_server(EchoConfig::default());
    for _ in 0..10 {
        let vanishing = client();
        vanishing.send_to(b"bye", server.local_addr()).unwrap();
        drop(vanishing);
    }
    let client = client();
    client
        .send_to(b"anyone there?", server.local_addr())
        .unwrap();
    assert_eq!(receive(&client).0, b"anyone there?");
    assert_eq!(server.shutdown().received, 11);
}

#[test]
fn shutdown_joins_the_server_and_frees_its_port() {
    let server = echo_server(EchoConfig::default());
    let addr = server.local_addr();
    let started = Instant::now();
    server.shutdown();
    // The wake-up datagram ends the loop at once, without waiting for the
    // read timeout that backs it up.
    assert!(started.elapsed() < Duration::from_millis(200));
    // The thread has ended and closed the socket: the port can be bound again.
    UdpSocket::bind(addr).expect("the port is free after shutdown");
}

#[test]
fn a_pinger_counts_every_reply_of_a_reliable_server() {
    let server = echo_server(EchoConfig::default());
    let report = ping(
        server.local_addr(),
        3,
        Duration::from_millis(1),
        SAFETY_TIMEOUT,
    )
    .unwrap();
    assert_eq!(report.target, server.local_addr());
    assert_eq!((report.stats.transmitted, report.stats.received), (3, 3));
    assert_eq!(report.stats.loss_percent(), 0.0);
    assert!(report.stats.rtt.is_some());
}

#[test]
fn a_pinger_against_a_server_that_drops_everything_gives_up_in_time() {
    let server = echo_server(EchoConfig {
        drop_percent: 100,
        seed: 1,
    });
    let options = PingOptions {
        count: 3,
        interval: Duration::from_millis(10),
        timeout: Duration::from_millis(100),
    };
    let started = Instant::now();
    let mut timeouts = Vec::new();
    let report = ping_with(server.local_addr(), options, |event| {
        if let PingEvent::Timeout { seq, .. } = event {
            timeouts.push(*seq);
        }
    })
    .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(timeouts, [0, 1, 2]);
    assert_eq!((report.stats.transmitted, report.stats.received), (3, 0));
    assert_eq!(report.stats.loss_percent(), 100.0);
    assert_eq!(report.stats.rtt, None);
    // It waited out each timeout, and not much more (the margin is for a
    // busy machine).
    assert!(elapsed >= 3 * options.timeout, "{elapsed:?}");
    assert!(
        elapsed < 3 * options.timeout + Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[test]
fn a_pinger_ignores_strays_duplicates_and_strangers() {
    // A misbehaving "echo server": for each ping it first has a stranger (a
    // socket with another address) send a perfect copy of the reply, then
    // sends junk, then the real reply twice.
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap();
    let count = 3;
    let misbehaving = thread::spawn(move || {
        for _ in 0..count {
            let (datagram, pinger) = receive(&server);
            stranger.send_to(&datagram, pinger).unwrap();
            server.send_to(b"junk", pinger).unwrap();
            server.send_to(&datagram, pinger).unwrap();
            server.send_to(&datagram, pinger).unwrap();
        }
    });
    let options = PingOptions {
        count,
        interval: Duration::from_millis(1),
        timeout: SAFETY_TIMEOUT,
    };
    let mut ignored = Vec::new();
    let report = ping_with(target, options, |event| {
        if let PingEvent::Ignored { why, .. } = event {
            ignored.push(*why);
        }
    })
    .unwrap();
    misbehaving.join().unwrap();
    // The stranger's copies never reached the pinger: its socket is
    // connected to the target, and the kernel drops datagrams from anyone
    // else. Had they arrived, each would have counted first, and both real
    // replies would have been duplicates.
    assert_eq!(report.stats.received, count);
    // Each ping's second copy is read while waiting for the next ping; the
    // last one's is never read, since the run is over.
    assert_eq!(report.stats.duplicates, count - 1);
    let junk = Stray::NotAPing(netlessons::udp::ping::ParseError::TooShort);
    assert_eq!(ignored, [junk; 3]);
}

#[test]
fn a_reply_from_another_run_is_not_counted() {
    // A reply carrying one of our sequence numbers but another send time
    // (as a reply to an earlier run would) is a stray, and the real reply
    // still counts.
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    let target = server.local_addr().unwrap();
    let impostor = thread::spawn(move || {
        let (datagram, pinger) = receive(&server);
        let mut ping = Ping::parse(&datagram).unwrap();
        ping.sent_micros = ping.sent_micros.wrapping_add(1);
        server.send_to(&ping.encode(), pinger).unwrap();
        server.send_to(&datagram, pinger).unwrap();
    });
    let mut ignored = Vec::new();
    let options = PingOptions {
        count: 1,
        interval: Duration::from_millis(1),
        timeout: SAFETY_TIMEOUT,
    };
    let report = ping_with(target, options, |event| {
        if let PingEvent::Ignored { why, .. } = event {
            ignored.push(*why);
        }
    })
    .unwrap();
    impostor.join().unwrap();
    assert_eq!(ignored, [Stray::WrongTime(0)]);
    assert_eq!(report.stats.received, 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_ping_to_a_closed_port_is_refused_at_once() {
    // The pinger's socket is connected, so Linux hands it the ICMP "port
    // unreachable" as ConnectionRefused, long before the timeout.
    let target = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let options = PingOptions {
        count: 1,
        interval: Duration::from_millis(1),
        timeout: SAFETY_TIMEOUT,
    };
    let started = Instant::now();
    let mut events = Vec::new();
    let report = ping_with(target, options, |event| events.push(*event)).unwrap();
    assert_eq!(
        events,
        [
            PingEvent::Start { target },
            PingEvent::Unreachable { seq: 0 }
        ]
    );
    assert_eq!(report.stats.received, 0);
    assert!(started.elapsed() < SAFETY_TIMEOUT);
}

#[test]
fn timeouts_of_zero_or_beyond_a_day_are_refused_before_anything_is_sent() {
    let day_and_a_bit = MAX_WAIT + Duration::from_millis(1);
    let table = [
        (Duration::ZERO, Duration::ZERO),
        (day_and_a_bit, Duration::ZERO),
        (Duration::from_millis(1), day_and_a_bit),
        (Duration::from_millis(1), Duration::MAX),
    ];
    for (timeout, interval) in table {
        let options = PingOptions {
            count: 1,
            interval,
            timeout,
        };
        let error = ping_with("127.0.0.1:9", options, |_| {}).unwrap_err();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::InvalidInput,
            "{options:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_pinger_tries_the_resolved_addresses_in_order() {
    // A name can resolve to several addresses; the pinger takes the first
    // one its socket can be connected to, and says which. Linux refuses to
    // connect a UDP socket to the broadcast address (EACCES without
    // SO_BROADCAST), which stands here for an address that cannot be used.
    let server = echo_server(EchoConfig::default());
    let unusable: SocketAddr = "255.255.255.255:9".parse().unwrap();
    let addresses = [unusable, server.local_addr()];
    let options = PingOptions {
        count: 2,
        interval: Duration::from_millis(1),
        timeout: SAFETY_TIMEOUT,
    };
    let mut started = Vec::new();
    let report = ping_with(&addresses[..], options, |event| {
        if let PingEvent::Start { target } = event {
            started.push(*target);
        }
    })
    .unwrap();
    assert_eq!(started, [server.local_addr()]);
    assert_eq!(report.target, server.local_addr());
    assert_eq!(report.stats.received, 2);
}

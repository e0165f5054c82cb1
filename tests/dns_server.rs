//! The DNS server over real loopback sockets: UDP and TCP on one port,
//! truncation and the fallback to TCP, and what bad clients send.
//!
//! Every server binds port 0 before anything is sent to it; every client
//! socket has a read timeout, so a failing test fails instead of hanging.

use netlessons::dns::{
    DnsConfig, DnsServer, DnsServerHandle, Edns, Message, Name, Rcode, RecordType, Zone,
};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};
mod support;
use support::chaos::{ChaosProxy, Weather};

/// Long enough for any answer on loopback, even on a busy machine; only a
/// failing test waits this long.
const SAFETY_TIMEOUT: Duration = Duration::from_secs(5);

/// The chapter's zone, and a TXT answer of about 1500 bytes.
fn zone() -> Zone {
    let mut text = include_str!("../lessons/04-dns/example.test.zone").to_string();
    for i in 0..6 {
        text.push_str(&format!("big IN TXT \"{i}{}\"\n", "x".repeat(250)));
    }
    Zone::parse("test.zone", &text, None).unwrap()
}

/// Short TCP timeouts, so that the tests of silent clients are quick.
fn quick_config() -> DnsConfig {
    let mut config = DnsConfig::default();
    config.tcp.read_timeout = Duration::from_millis(300);
    config.tcp_frame_timeout = Duration::from_millis(300);
    config.tcp.report = netlessons::serve::report_nothing;
    config
}

fn server() -> DnsServerHandle {
    DnsServer::bind_with("127.0.0.1:0", zone(), quick_config())
        .and_then(DnsServer::spawn)
        .expect("start the DNS server")
}

fn name(text: &str) -> Name {
    Name::from_text(text).unwrap()
}

fn query(id: u16, qname: &str, qtype: RecordType) -> Message {
    Message::query(id, name(qname), qtype)
}

fn udp_client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    socket
}

/// Sends `query` over UDP and reads one answer.
fn ask_udp(server: SocketAddr, query: &Message) -> Message {
    let socket = udp_client();
    socket.send_to(&query.emit().unwrap(), server).unwrap();
    let mut buf = vec![0u8; 65536];
    let (len, from) = socket.recv_from(&mut buf).expect("an answer in time");
    assert_eq!(from, server);
    Message::parse(&buf[..len]).expect("the answer reads")
}

fn tcp_client(server: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(server).unwrap();
    stream.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    stream
}

/// Writes one frame: the two-byte length, then the message.
fn send_frame(stream: &mut TcpStream, message: &[u8]) {
    let mut frame = (message.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(message);
    stream.write_all(&frame).unwrap();
}

fn read_frame(stream: &mut TcpStream) -> Message {
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).expect("a frame's length");
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut message).expect("a whole frame");
    Message::parse(&message).expect("the answer reads")
}

/// The records of a section, one line each as dig shows them.
fn lines(records: &[netlessons::dns::Record]) -> Vec<String> {
    records.iter().map(ToString::to_string).collect()
}

/// What the server closing the connection looks like to the client: end
/// of file (or a reset, if unread bytes were left), never a timeout.
fn assert_closed(stream: &mut TcpStream) {
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => {}
        Ok(_) => panic!("the server sent something"),
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}"),
    }
}

#[test]
fn each_kind_of_answer_over_udp() {
    let server = server();
    let addr = server.local_addr();
    type Case<'a> = (
        &'a str,
        RecordType,
        Rcode,
        bool,
        &'a [&'a str],
        &'a [&'a str],
    );
    let table: &[Case] = &[
        (
            "www.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &["www.example.test.\t3600\tIN\tA\t192.0.2.80"],
            &[],
        ),
        (
            "www.example.test.",
            RecordType::AAAA,
            Rcode::NOERROR,
            true,
            &["www.example.test.\t3600\tIN\tAAAA\t2001:db8::80"],
            &[],
        ),
        (
            "example.test.",
            RecordType::MX,
            Rcode::NOERROR,
            true,
            &["example.test.\t3600\tIN\tMX\t10 mail.example.test."],
            &[],
        ),
        (
            "example.test.",
            RecordType::TXT,
            Rcode::NOERROR,
            true,
            &["example.test.\t3600\tIN\tTXT\t\"v=spf1 mx -all\""],
            &[],
        ),
        (
            "web.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            true,
            &[
                "web.example.test.\t3600\tIN\tCNAME\twww.example.test.",
                "www.example.test.\t3600\tIN\tA\t192.0.2.80",
            ],
            &[],
        ),
        (
            "www.example.test.",
            RecordType::MX,
            Rcode::NOERROR,
            true,
            &[],
            &["example.test.\t300\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"],
        ),
        (
            "nope.example.test.",
            RecordType::A,
            Rcode::NXDOMAIN,
            true,
            &[],
            &["example.test.\t300\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"],
        ),
        (
            "www.other.test.",
            RecordType::A,
            Rcode::REFUSED,
            false,
            &[],
            &[],
        ),
    ];
    for (i, &(qname, qtype, rcode, aa, answers, authority)) in table.iter().enumerate() {
        let asked = query(i as u16, qname, qtype);
        let reply = ask_udp(addr, &asked);
        let case = format!("{qname} {qtype}");
        assert_eq!(reply.header.id, i as u16, "{case}");
        assert_eq!(reply.questions, asked.questions, "{case}");
        assert_eq!(reply.header.rcode, rcode, "{case}");
        assert_eq!(reply.header.authoritative, aa, "{case}");
        assert!(!reply.header.recursion_available, "{case}");
        assert_eq!(lines(&reply.answers), *answers, "{case}");
        assert_eq!(lines(&reply.authority), *authority, "{case}");
    }
}

#[test]
fn several_queries_on_one_tcp_connection() {
    // RFC 7766 §6.2.1: a connection carries as many queries as the
    // client likes, each answered in turn.
    let server = server();
    let mut stream = tcp_client(server.local_addr());
    for (id, qname) in [
        (1, "www.example.test."),
        (2, "mail.example.test."),
        (3, "ns1.example.test."),
    ] {
        send_frame(
            &mut stream,
            &query(id, qname, RecordType::A).emit().unwrap(),
        );
        let reply = read_frame(&mut stream);
        assert_eq!(reply.header.id, id);
        assert_eq!(reply.answers.len(), 1, "{qname}");
        assert_eq!(reply.answers[0].name, name(qname));
    }
    // Two queries in one write, answered in order.
    let mut both = Vec::new();
    for id in [4u16, 5] {
        let bytes = query(id, "www.example.test.", RecordType::AAAA)
            .emit()
            .unwrap();
        both.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        both.extend_from_slice(&bytes);
    }
    stream.write_all(&both).unwrap();
    assert_eq!(read_frame(&mut stream).header.id, 4);
    assert_eq!(read_frame(&mut stream).header.id, 5);
}

#[test]
fn a_truncated_udp_answer_comes_whole_over_tcp() {
    let server = server();
    let asked = query(7, "big.example.test.", RecordType::TXT);
    let cut = ask_udp(server.local_addr(), &asked);
    assert!(cut.header.truncated, "TC set");
    assert!(cut.answers.len() < 6);
    let mut stream = tcp_client(server.local_addr());
    send_frame(&mut stream, &asked.emit().unwrap());
    let whole = read_frame(&mut stream);
    assert!(!whole.header.truncated);
    assert_eq!(whole.answers.len(), 6);
    // With EDNS the UDP answer may be longer, up to 1232 bytes: still cut.
    let mut asked = asked;
    asked.edns = Some(Edns::new(4096));
    let socket = udp_client();
    socket
        .send_to(&asked.emit().unwrap(), server.local_addr())
        .unwrap();
    let mut buf = [0u8; 65536];
    let len = socket.recv(&mut buf).unwrap();
    assert!(len > 512 && len <= 1232, "{len}");
    assert!(Message::parse(&buf[..len]).unwrap().header.truncated);
}

#[test]
fn a_response_sent_to_the_server_gets_no_answer() {
    let server = server();
    let socket = udp_client();
    let mut response = query(1, "www.example.test.", RecordType::A);
    response.header.response = true;
    socket
        .send_to(&response.emit().unwrap(), server.local_addr())
        .unwrap();
    // Then a real query: the first datagram back answers it.
    socket
        .send_to(
            &query(2, "www.example.test.", RecordType::A).emit().unwrap(),
            server.local_addr(),
        )
        .unwrap();
    let mut buf = [0u8; 65536];
    let len = socket.recv(&mut buf).unwrap();
    assert_eq!(Message::parse(&buf[..len]).unwrap().header.id, 2);
}

#[test]
fn garbage_with_a_header_gets_formerr_and_without_one_nothing() {
    let server = server();
    let socket = udp_client();
    socket.send_to(b"\x01", server.local_addr()).unwrap();
    socket.send_to(b"", server.local_addr()).unwrap();
    // QDCOUNT 1, then a pointer loop.
    let garbage = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01";
    socket.send_to(garbage, server.local_addr()).unwrap();
    let mut buf = [0u8; 65536];
    let len = socket.recv(&mut buf).unwrap();
    assert_eq!(
        &buf[..len],
        b"\xab\xcd\x81\x01\x00\x00\x00\x00\x00\x00\x00\x00"
    );
}

#[test]
fn a_flood_of_garbage_does_not_stop_a_real_query() {
    let server = server();
    let addr = server.local_addr();
    let flooder = thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u32 {
            // Cheap varied bytes: a xorshift, and some lengths at the
            // edges (empty, a header, a header and a little).
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = [0, 1, 11, 12, 13, 40, 512][i as usize % 7];
            let bytes: Vec<u8> = (0..len).map(|j| (state >> (j % 8 * 8)) as u8).collect();
            let _ = socket.send_to(&bytes, addr);
        }
    });
    let answer = ask_udp_until_answered(addr, &query(0x5151, "www.example.test.", RecordType::A));
    assert_eq!(answer.header.id, 0x5151);
    assert_eq!(answer.answers.len(), 1);
    flooder.join().unwrap();
    // And after it. The flood's last datagrams may still fill the socket's
    // queue, so this query too may be dropped once: UDP promises nothing.
    let answer = ask_udp_until_answered(addr, &query(9, "www.example.test.", RecordType::A));
    assert_eq!(answer.header.id, 9);
}

/// Asks as a resolver does: again if no answer comes in a moment, since a
/// flood may fill the server's socket queue and have the query dropped.
fn ask_udp_until_answered(addr: SocketAddr, asked: &Message) -> Message {
    let socket = udp_client();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let asked = asked.emit().unwrap();
    let deadline = Instant::now() + SAFETY_TIMEOUT;
    let mut buf = [0u8; 65536];
    loop {
        assert!(Instant::now() < deadline, "no answer during the flood");
        socket.send_to(&asked, addr).unwrap();
        if let Ok(len) = socket.recv(&mut buf) {
            return Message::parse(&buf[..len]).unwrap();
        }
    }
}

#[test]
fn bad_tcp_frames_close_the_connection_and_nothing_else() {
    let server = server();
    let addr = server.local_addr();
    type Send = fn(&mut TcpStream);
    let table: &[(&str, Send)] = &[
        // A length of 65535, then nothing: closed at the frame's deadline.
        ("65535 and nothing", |s| s.write_all(b"\xff\xff").unwrap()),
        // The same, the client closing its side.
        ("65535 and end of file", |s| {
            s.write_all(b"\xff\xff\x12\x34").unwrap();
            s.shutdown(Shutdown::Write).unwrap();
        }),
        // A frame of one byte: no header, no ID to answer.
        ("a 1-byte frame", |s| s.write_all(b"\x00\x01\xab").unwrap()),
        // One byte of the length, and nothing more.
        ("half a length", |s| s.write_all(b"\x00").unwrap()),
        ("a frame of length 0", |s| s.write_all(b"\x00\x00").unwrap()),
        // Silence: closed at the idle timeout.
        ("nothing at all", |_| {}),
    ];
    for (case, send) in table {
        let mut stream = tcp_client(addr);
        let started = Instant::now();
        send(&mut stream);
        assert_closed(&mut stream);
        assert!(started.elapsed() < SAFETY_TIMEOUT, "{case}");
        // The server goes on: UDP and TCP.
        let reply = ask_udp(addr, &query(3, "www.example.test.", RecordType::A));
        assert_eq!(reply.answers.len(), 1, "{case}");
        let mut other = tcp_client(addr);
        send_frame(
            &mut other,
            &query(4, "www.example.test.", RecordType::A).emit().unwrap(),
        );
        assert_eq!(read_frame(&mut other).header.id, 4, "{case}");
    }
}

#[test]
fn a_response_over_tcp_is_skipped_and_the_next_query_answered() {
    let server = server();
    let mut stream = tcp_client(server.local_addr());
    let mut response = query(1, "www.example.test.", RecordType::A);
    response.header.response = true;
    send_frame(&mut stream, &response.emit().unwrap());
    send_frame(
        &mut stream,
        &query(2, "www.example.test.", RecordType::A).emit().unwrap(),
    );
    assert_eq!(read_frame(&mut stream).header.id, 2);
}

#[test]
fn the_server_stops_when_asked() {
    let server = server();
    let addr = server.local_addr();
    assert_eq!(
        ask_udp(addr, &query(1, "www.example.test.", RecordType::A))
            .header
            .id,
        1
    );
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(2));
    // Nothing listens on the TCP port any more.
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn an_explicit_port_is_used_for_both() {
    let first = server();
    let port = first.local_addr().port();
    drop(first);
    // The port just freed, asked for by number.
    let again = DnsServer::bind(("127.0.0.1", port), zone()).and_then(DnsServer::spawn);
    let Ok(again) = again else {
        return; // Someone else took the port in between: nothing to test.
    };
    assert_eq!(again.local_addr().port(), port);
    let mut stream = tcp_client(again.local_addr());
    send_frame(
        &mut stream,
        &query(8, "www.example.test.", RecordType::A).emit().unwrap(),
    );
    assert_eq!(read_frame(&mut stream).header.id, 8);
}

#[test]
fn tcp_queries_whatever_the_network_does() {
    // Cut into single bytes, merged, delayed: the frames are read by
    // their length, never by how the reads fall.
    let server = server();
    for (weather_name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut stream = tcp_client(proxy.addr());
        let mut both = Vec::new();
        for id in [1u16, 2] {
            let bytes = query(id, "big.example.test.", RecordType::TXT)
                .emit()
                .unwrap();
            both.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            both.extend_from_slice(&bytes);
        }
        stream.write_all(&both).unwrap();
        for id in [1u16, 2] {
            let reply = read_frame(&mut stream);
            assert_eq!(reply.header.id, id, "{weather_name}");
            assert_eq!(reply.answers.len(), 6, "{weather_name}");
        }
    }
}

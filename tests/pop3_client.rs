//! The POP3 client against hostile and broken servers on loopback: each
//! server is a thread that plays its part and then, whatever the client
//! does, keeps to it. The client must end in bounded time with an error
//! that says what happened, never hang or take what it was sent as true.

use netlessons::pop3::client::{Options, Pop3Client, Pop3Error};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// How long the client waits for a read before it gives up.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A server that greets, answers each command line with the next of
/// `answers`, and after the last one calls `then` on the socket.
fn server(answers: Vec<Vec<u8>>, then: fn(&mut TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        if stream
            .write_all(b"+OK hostile POP3 server ready\r\n")
            .is_err()
        {
            return;
        }
        for answer in answers {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || stream.write_all(&answer).is_err() {
                return;
            }
        }
        then(&mut stream);
    });
    addr
}

/// Writes lines of data until the client goes away.
fn endless_lines(stream: &mut TcpStream) {
    let chunk = "x".repeat(1022) + "\r\n";
    let chunk = chunk.repeat(64);
    while stream.write_all(chunk.as_bytes()).is_ok() {}
}

fn client(addr: SocketAddr, max_message_len: u64) -> Pop3Client<TcpStream> {
    let options = Options {
        timeout: TIMEOUT,
        max_message_len,
        ..Options::default()
    };
    Pop3Client::connect(addr, options).unwrap()
}

#[test]
fn a_retr_that_never_ends_is_too_large_once_past_the_limit() {
    let addr = server(vec![b"+OK 100 octets\r\n".to_vec()], endless_lines);
    let mut client = client(addr, 1024 * 1024);
    let started = Instant::now();
    let mut kept = Vec::new();
    let error = client.retr(1, &mut kept).unwrap_err();
    assert!(matches!(error, Pop3Error::TooLarge { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the message is larger than the limit of 1048576 bytes"
    );
    assert!(kept.len() <= 1024 * 1024, "{}", kept.len());
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
}

#[test]
fn a_listing_that_never_ends_is_refused_once_past_its_limit() {
    let addr = server(vec![b"+OK listing follows\r\n".to_vec()], |stream| {
        let lines = "1 100\r\n".repeat(10_000);
        while stream.write_all(lines.as_bytes()).is_ok() {}
    });
    let mut client = client(addr, 1024);
    let started = Instant::now();
    let error = client.list().unwrap_err();
    assert!(matches!(error, Pop3Error::TooLarge { .. }), "{error:?}");
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
}

#[test]
fn listing_lines_numbered_0_or_past_u32_are_protocol_errors() {
    // RFC 1939 §5: message numbers start at 1; the crate keeps them in a u32.
    for bad in ["0 100", "4294967296 100", "-1 100", "1 -5", "1"] {
        let answer = format!("+OK\r\n{bad}\r\n.\r\n").into_bytes();
        let addr = server(vec![answer], |_| {});
        let error = client(addr, 1024).list().unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the server does not speak POP3: a listing line that is not a number \
                 and a value: {bad:?}"
            ),
            "{bad}"
        );
    }
}

#[test]
fn stat_of_an_empty_maildrop_is_zero_messages() {
    // RFC 1939 §5: "+OK 0 0" is the drop listing of an empty maildrop.
    let addr = server(vec![b"+OK 0 0\r\n".to_vec()], |_| {});
    assert_eq!(client(addr, 1024).stat().unwrap(), (0, 0));
}

#[test]
fn a_status_line_of_10_000_bytes_is_a_protocol_error() {
    let long = format!("+OK {}\r\n", "y".repeat(10_000)).into_bytes();
    let addr = server(vec![long], |_| {});
    let error = client(addr, 1024).noop().unwrap_err();
    assert!(matches!(error, Pop3Error::Protocol(_)), "{error:?}");
}

#[test]
fn a_server_that_closes_in_the_middle_of_a_message_is_not_a_short_message() {
    let answer = b"+OK 40 octets\r\nSubject: x\r\n\r\nhalf a mess".to_vec();
    let addr = server(vec![answer], |_| {});
    let mut kept = Vec::new();
    let error = client(addr, 1024).retr(1, &mut kept).unwrap_err();
    assert!(matches!(error, Pop3Error::Closed), "{error:?}");
}

//! Chapter 02 over real loopback sockets, in every kind of network weather.

mod support;

use netlessons::serve::{Config, Server, ServerHandle};
use netlessons::tcp::echo::MAX_LINE_LEN;
use netlessons::tcp::framing::{read_frame, write_frame};
use netlessons::tcp::{connect, mistakes, EchoClient, EchoHandler, Framing};
use netlessons::transcript::{Side, Transcript};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};
use support::chaos::{ChaosProxy, Weather};

const TIMEOUT: Duration = Duration::from_secs(10);

fn server(framing: Framing) -> ServerHandle {
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(EchoHandler { framing })
        .unwrap()
}

#[test]
fn lines_echo_in_every_weather() {
    let server = server(Framing::Lines);
    for (name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let transcript = Transcript::memory();
        let stream = connect(proxy.addr(), TIMEOUT).unwrap();
        let mut client = EchoClient::new(transcript.tee(stream, Side::Client));
        for line in ["hello", "", "a longer line with spaces"] {
            let echoed = client.echo_line(line);
            assert_eq!(
                echoed.as_deref().ok(),
                Some(line),
                "in {name} weather; conversation:\n{}",
                transcript.contents()
            );
        }
    }
}

#[test]
fn frames_echo_in_every_weather() {
    let server = server(Framing::Frames);
    for (name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut client = EchoClient::new(connect(proxy.addr(), TIMEOUT).unwrap());
        for payload in [&b"hello"[..], b"", b"with\nnewline\0and nul", &[7; 3000]] {
            assert_eq!(client.echo_frame(payload).unwrap(), payload, "{name}");
        }
    }
}

#[test]
fn pipelined_lines_all_come_back_in_order() {
    // Many lines in one write: the server must answer each, in order.
    let server = server(Framing::Lines);
    let proxy = ChaosProxy::start(server.local_addr(), Weather::merge()).unwrap();
    let mut stream = connect(proxy.addr(), TIMEOUT).unwrap();
    let sent: String = (0..1000).map(|n| format!("line {n}\n")).collect();
    stream.write_all(sent.as_bytes()).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut received = String::new();
    stream.read_to_string(&mut received).unwrap();
    assert_eq!(received, sent);
}

#[test]
fn half_close_gets_the_whole_reply_then_end_of_file() {
    let server = server(Framing::Raw);
    for (name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut stream = connect(proxy.addr(), TIMEOUT).unwrap();
        stream.write_all(b"everything I have").unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert_eq!(reply, "everything I have", "{name}");
    }
}

/// Sends `data` on one thread while reading the echo on this one: a client
/// that writes everything before reading would deadlock once both sides'
/// buffers are full (see the lesson's pitfalls).
fn echo_through(stream: TcpStream, data: Vec<u8>) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || {
        writer.write_all(&data).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut received = Vec::new();
    (&stream).read_to_end(&mut received).unwrap();
    sender.join().unwrap();
    received
}

#[test]
fn a_hundred_megabytes_come_back_byte_for_byte() {
    let server = server(Framing::Raw);
    let data: Vec<u8> = (0..=250u8).cycle().take(100 * 1024 * 1024).collect();
    let stream = connect(server.local_addr(), TIMEOUT).unwrap();
    let received = echo_through(stream, data.clone());
    assert_eq!(received.len(), data.len());
    assert!(received == data, "the echo differs from what was sent");
}

#[test]
fn a_hundred_megabyte_line_gets_an_error_and_the_connection_goes_on() {
    let server = server(Framing::Lines);
    let mut data = vec![b'x'; 100 * 1024 * 1024];
    data.extend_from_slice(b"\nstill here\n");
    let stream = connect(server.local_addr(), TIMEOUT).unwrap();
    let received = echo_through(stream, data);
    assert_eq!(
        String::from_utf8(received).unwrap(),
        format!("error: line longer than {MAX_LINE_LEN} bytes\nstill here\n")
    );
}

#[test]
fn each_reply_is_sent_while_the_client_waits_for_it() {
    // The client sends this, then waits for the reply without sending more:
    // the server must not hold the reply back until the next line arrives.
    let too_long = format!("error: line longer than {MAX_LINE_LEN} bytes\n");
    let long_line = |end: &str| format!("{}{end}", "x".repeat(MAX_LINE_LEN + 100));
    let table = [
        (long_line("\n"), too_long.clone()),
        (long_line("\r\n"), too_long.clone()),
        // Known too long at MAX_LINE_LEN + 2 bytes, before its end arrives.
        (long_line(""), too_long.clone()),
        // A whole line, then the start of the next one.
        ("whole\nhal".to_string(), "whole\n".to_string()),
    ];
    let server = server(Framing::Lines);
    for (sent, expected) in table {
        let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
        stream.write_all(sent.as_bytes()).unwrap();
        let mut reply = vec![0; expected.len()];
        let read = stream.read_exact(&mut reply);
        assert!(
            read.is_ok(),
            "no reply in {TIMEOUT:?} to {:?}...: {read:?}",
            &sent[sent.len().saturating_sub(6)..]
        );
        assert_eq!(String::from_utf8_lossy(&reply), expected);
    }
}

#[test]
fn a_line_trickled_a_byte_at_a_time_must_arrive_within_the_read_timeout() {
    // Each byte comes well within the read timeout, but the line as a whole
    // does not: the server must not give the client its thread for ever.
    let config = Config {
        read_timeout: Duration::from_millis(500),
        ..Config::default()
    };
    let handler = EchoHandler {
        framing: Framing::Lines,
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler)
        .unwrap();
    let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
    // A read that waits 100 ms for an answer paces the bytes.
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let closed = loop {
        if started.elapsed() > TIMEOUT {
            break false;
        }
        if stream.write_all(b"x").is_err() {
            break true;
        }
        match stream.read(&mut [0; 64]) {
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == ErrorKind::TimedOut => {}
            // End-of-file, or a reset: the server closed the connection.
            _ => break true,
        }
    };
    assert!(
        closed,
        "the server still waits for the line after {TIMEOUT:?}"
    );
}

#[test]
fn the_default_echo_answers_bytes_sent_without_a_newline() {
    // The first client of most socket tutorials: `sendall(b"hello world")`
    // then `recv`, with no line ending. `02-tcp serve` uses the default.
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(EchoHandler::default())
        .unwrap();
    let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
    stream.write_all(b"hello world").unwrap();
    let mut reply = [0; 11];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"hello world");
}

#[test]
fn the_client_shows_a_reply_without_a_line_ending_then_says_it_is_unfinished() {
    // The classic first server: it reads a request, answers
    // `Hello, World!` with no line ending, and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hello_server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut byte = [0];
        while !request.ends_with(b"\n") && stream.read(&mut byte).unwrap() == 1 {
            request.push(byte[0]);
        }
        stream.write_all(b"Hello, World!").unwrap();
    });
    let mut client = EchoClient::new(connect(addr, TIMEOUT).unwrap());
    let mut shown = Vec::new();
    let error = client.echo_each_line(&b"hi\n"[..], &mut shown).unwrap_err();
    hello_server.join().unwrap();
    assert_eq!(String::from_utf8(shown).unwrap(), "Hello, World!\n");
    assert_eq!(
        error.to_string(),
        "the line above is unfinished: the server closed the connection before its line ending"
    );
}

#[test]
fn the_client_counts_a_busy_reply_as_not_an_echo() {
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    let handler = EchoHandler {
        framing: Framing::Lines,
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler)
        .unwrap();
    let mut first = EchoClient::new(connect(server.local_addr(), TIMEOUT).unwrap());
    assert_eq!(first.echo_line("in").unwrap(), "in");
    // The second client's line is answered by the busy reply, not echoed.
    let mut second = EchoClient::new(connect(server.local_addr(), TIMEOUT).unwrap());
    let mut shown = Vec::new();
    let not_echoes = second.echo_each_line(&b"x\n"[..], &mut shown).unwrap();
    assert_eq!(not_echoes, 1);
    assert_eq!(
        String::from_utf8(shown).unwrap(),
        "busy: too many connections, try again later\n"
    );
    // And an echo is no such reply.
    let mut shown = Vec::new();
    assert_eq!(first.echo_each_line(&b"a\nb\n"[..], &mut shown).unwrap(), 0);
}

#[test]
fn a_frame_announcing_four_gigabytes_closes_the_connection() {
    let server = server(Framing::Frames);
    let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
    stream.write_all(&[0xff, 0xff, 0xff, 0xff, b'x']).unwrap();
    let mut reply = Vec::new();
    // The server refuses to allocate, and closes: end-of-file (or a reset,
    // since it closed with our byte unread).
    let _ = stream.read_to_end(&mut reply);
    assert!(reply.is_empty());
}

#[cfg(unix)]
#[test]
fn the_same_echo_works_over_a_unix_socket() {
    use netlessons::tcp::unix::spawn_unix_echo;
    use std::os::unix::net::UnixStream;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    let server = spawn_unix_echo(&path, Framing::Lines).unwrap();
    let mut client = EchoClient::new(UnixStream::connect(&path).unwrap());
    assert_eq!(client.echo_line("over a path").unwrap(), "over a path");
    drop(client);
    server.join().unwrap().unwrap();
}

// --- The classic mistakes: each fails where the right way passes. -------

/// Runs `check` and says whether it panicked (failed).
fn fails(check: impl FnOnce() + std::panic::UnwindSafe) -> bool {
    std::panic::catch_unwind(check).is_err()
}

/// A message written in two pieces, as any sender may, read back by `read`.
fn message_written_in_two_pieces(read: fn(&mut TcpStream) -> Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut sender = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut receiver, _) = listener.accept().unwrap();
    sender.write_all(b"\0\0\0\x0bhello").unwrap();
    sender.flush().unwrap();
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        sender.write_all(b" world").unwrap();
    });
    let message = read(&mut receiver);
    writer.join().unwrap();
    assert_eq!(message, b"hello world");
}

#[test]
fn mistake_one_read_taken_for_one_message() {
    // Right: read_frame loops until the frame is whole.
    message_written_in_two_pieces(|stream| read_frame(stream).unwrap().unwrap());
    // Wrong: one read returns only what had arrived.
    assert!(fails(|| message_written_in_two_pieces(|stream| {
        let raw = mistakes::read_message_in_one_read(stream).unwrap();
        raw.get(4..).unwrap_or_default().to_vec()
    })));
}

/// Two messages, one after the other, to a server running `handler`.
fn two_messages(handler: fn(TcpStream)) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        handler(stream);
    });
    let mut client = connect(addr, Duration::from_millis(500)).unwrap();
    for message in [&b"first"[..], b"second"] {
        write_frame(&mut client, message).unwrap();
        assert_eq!(read_frame(&mut client).unwrap().unwrap(), message);
    }
}

#[test]
fn mistake_a_handler_without_a_loop() {
    two_messages(|stream| netlessons::tcp::echo::echo_raw(&stream, &stream).unwrap());
    assert!(fails(|| two_messages(|stream| {
        let _ = mistakes::echo_once(&stream, &stream);
    })));
}

/// A client that connects and stays idle, then a second client.
fn second_client_while_first_is_idle(serve: fn(TcpListener)) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(listener));
    let _idle = TcpStream::connect(addr).unwrap();
    let mut second = connect(addr, Duration::from_millis(500)).unwrap();
    second.write_all(b"anyone?").unwrap();
    let mut reply = [0; 7];
    second.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"anyone?");
}

#[test]
fn mistake_a_server_without_threads() {
    second_client_while_first_is_idle(|listener| {
        let server = Server::from_listener(listener);
        let _ = server.run(EchoHandler {
            framing: Framing::Raw,
        });
    });
    // The ten-line server of the lesson gets this right too.
    second_client_while_first_is_idle(|listener| {
        let _ = netlessons::tcp::first::serve_echo_forever(listener);
    });
    assert!(fails(|| second_client_while_first_is_idle(|listener| {
        let _ = mistakes::serve_one_at_a_time(listener);
    })));
}

/// The peers the reporter of the test below was told about.
static REPORTED: std::sync::Mutex<Vec<(std::net::SocketAddr, String)>> =
    std::sync::Mutex::new(Vec::new());

fn remember(peer: std::net::SocketAddr, failure: &netlessons::serve::Failure) {
    let mut reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    reported.push((peer, failure.to_string()));
}

#[test]
fn a_client_that_goes_silent_is_closed_without_a_report() {
    // An idle client, or one whose cable was cut, meets the read timeout:
    // the server ends it as HTTP does an idle keep-alive, with an
    // end-of-file, and nothing on stderr ("Resource temporarily
    // unavailable" there would send a reader looking for a bug).
    let config = Config {
        read_timeout: Duration::from_millis(200),
        report: remember,
        ..Config::default()
    };
    for framing in [Framing::Raw, Framing::Lines, Framing::Frames] {
        let server = Server::bind_with("127.0.0.1:0", config.clone())
            .unwrap()
            .spawn(EchoHandler { framing })
            .unwrap();
        // One sends nothing; one stops in the middle of a message.
        let half: &[u8] = match framing {
            Framing::Frames => b"\0\0\0\x09half",
            _ => b"half a li",
        };
        for start in [&b""[..], half] {
            let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
            let peer = stream.local_addr().unwrap();
            stream.write_all(start).unwrap();
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).unwrap();
            // The report, if any, is made before the connection stops
            // counting as live.
            let deadline = Instant::now() + TIMEOUT;
            while server.live_connections() > 0 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            let reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
            let about: Vec<_> = reported.iter().filter(|(from, _)| *from == peer).collect();
            assert!(about.is_empty(), "{framing} after {start:?}: {about:?}");
        }
        server.shutdown();
    }
}

#[test]
fn a_client_that_never_reads_is_cut_off_and_reported_in_words() {
    let config = Config {
        write_timeout: Duration::from_millis(200),
        report: remember,
        ..Config::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(EchoHandler::default())
        .unwrap();
    let mut stream = connect(server.local_addr(), TIMEOUT).unwrap();
    let peer = stream.local_addr().unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    // Send, and never read the echoes: the server's writes block, then
    // time out, and it closes (our writes then fail with a reset).
    let chunk = vec![b'z'; 64 * 1024];
    let started = Instant::now();
    while started.elapsed() < TIMEOUT && stream.write_all(&chunk).is_ok() {}
    let deadline = Instant::now() + TIMEOUT;
    while server.live_connections() > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    let reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let about: Vec<&str> = reported
        .iter()
        .filter(|(from, _)| *from == peer)
        .map(|(_, failure)| failure.as_str())
        .collect();
    assert_eq!(
        about,
        ["ended with an error: the client does not read its echoes"]
    );
}

//! The chapter's demo: datagrams on the wire, truncation, and a ping run
//! over a lossy server, all on 127.0.0.1.
//!
//! Everything it prints is the same on every run except port numbers and
//! times: the lossy server drops datagrams chosen by a seeded generator, so
//! even the lost pings are the same ones every time.

use super::loss::LossSimulator;
use super::pinger::{ping_with, PingEvent, PingOptions};
use super::server::{EchoConfig, UdpEchoServer};
use super::{is_message_too_long, MAX_PAYLOAD_V4, RECV_BUFFER_LEN};
use crate::demo::DemoResult;
use crate::transcript::{Side, Transcript};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// How long the demo's client waits for an echo before calling the demo
/// failed. On loopback an echo takes microseconds.
const ECHO_WAIT: Duration = Duration::from_secs(1);

/// The ping run: 8 pings to a server that drops 25% of them, chosen by a
/// generator seeded with `LOSSY_SEED`, which happens to drop two of eight.
const PING_COUNT: u32 = 8;
const DROP_PERCENT: u8 = 25;
const LOSSY_SEED: u64 = 13;
/// Short, so the demo stays fast; replies on loopback take well under 1 ms.
const PING_INTERVAL: Duration = Duration::from_millis(5);
const PING_TIMEOUT: Duration = Duration::from_millis(200);

/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let server = UdpEchoServer::bind("127.0.0.1:0", EchoConfig::default())?.spawn()?;
    let client = UdpSocket::bind("127.0.0.1:0")?;
    client.set_read_timeout(Some(ECHO_WAIT))?;
    let server_addr = server.local_addr();
    transcript.say(format!(
        "echo server bound to {server_addr}: no listen, no accept, just a socket"
    ));
    transcript.say(format!("client bound to {}", client.local_addr()?));
    transcript.say("");

    boundaries(transcript, &client, server_addr)?;
    transcript.say("");
    truncation(transcript, &client, server_addr)?;
    transcript.say("");
    largest(transcript, &client, server_addr)?;
    server.shutdown();
    transcript.say("");
    lossy_ping(transcript)?;
    transcript.say("");
    closed_port(transcript)
}

/// Sends `message` to `server` and records it.
fn send(
    transcript: &Transcript,
    client: &UdpSocket,
    server: SocketAddr,
    message: &[u8],
) -> DemoResult {
    client.send_to(message, server)?;
    transcript.wire(Side::Client, message);
    Ok(())
}

/// Receives one datagram into `buf`, records it, and checks it is `expected`
/// and came from `server`.
fn expect(
    transcript: &Transcript,
    client: &UdpSocket,
    server: SocketAddr,
    buf: &mut [u8],
    expected: &[u8],
) -> DemoResult {
    let (len, from) = client.recv_from(buf)?;
    let got = &buf[..len];
    transcript.wire(Side::Server, got);
    if from != server || got != expected {
        return Err(format!("expected {expected:?} from {server}, got {got:?} from {from}").into());
    }
    Ok(())
}

/// Three sends are three datagrams; an empty one is a datagram too.
fn boundaries(transcript: &Transcript, client: &UdpSocket, server: SocketAddr) -> DemoResult {
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    let messages: [&[u8]; 3] = [b"one", b"two", b"three"];
    for message in messages {
        send(transcript, client, server, message)?;
    }
    for message in messages {
        expect(transcript, client, server, &mut buf, message)?;
    }
    transcript.note("three sends, three datagrams, each read whole by one recv_from:");
    transcript.note("UDP keeps the boundaries between messages (TCP would not)");
    send(transcript, client, server, b"")?;
    expect(transcript, client, server, &mut buf, b"")?;
    transcript.note("an empty datagram is still a datagram: recv_from returned 0 bytes,");
    transcript.note("which on UDP means nothing has ended (on TCP, 0 means end of stream)");
    Ok(())
}

// ANCHOR: truncation
/// A datagram read into a buffer that is too small is cut, without an error
/// on Unix (Windows cuts it too, but reports WSAEMSGSIZE).
fn truncation(transcript: &Transcript, client: &UdpSocket, server: SocketAddr) -> DemoResult {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz";
    let mut small = [0u8; 10];
    transcript.say(format!(
        "a {}-byte datagram, read into a {}-byte buffer:",
        alphabet.len(),
        small.len()
    ));
    send(transcript, client, server, alphabet)?;
    expect(transcript, client, server, &mut small, &alphabet[..10])?;
    transcript.note("recv_from returned 10 and no error: the other 16 bytes are gone");
    send(transcript, client, server, b"next")?;
    expect(transcript, client, server, &mut small, b"next")?;
    transcript.note("the next read returns the next datagram, not the rest of the last one");
    Ok(())
}
// ANCHOR_END: truncation

/// The largest datagram IPv4 can carry goes and comes back whole; one byte
/// more is refused before it leaves.
///
/// Some systems refuse big datagrams well below the protocol's limit (macOS:
/// over 9 216 bytes by default). There, the refusal is reported as a note
/// instead of failing the demo; on Linux, which allows the protocol's limit,
/// it is a failure.
fn largest(transcript: &Transcript, client: &UdpSocket, server: SocketAddr) -> DemoResult {
    let big = vec![b'x'; MAX_PAYLOAD_V4];
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    match client.send_to(&big, server) {
        Ok(_) => {
            let (len, _) = client.recv_from(&mut buf)?;
            if buf[..len] != big[..] {
                return Err(format!("sent {} bytes, {len} came back", big.len()).into());
            }
            transcript.say(format!(
                "a datagram of {MAX_PAYLOAD_V4} bytes (IPv4's protocol limit) came back whole"
            ));
        }
        Err(error) if !cfg!(target_os = "linux") && is_message_too_long(&error) => {
            transcript.say(format!(
                "a datagram of {MAX_PAYLOAD_V4} bytes (IPv4's protocol limit) was refused by send_to"
            ));
            transcript.note(format!(
                "this system sets a lower limit of its own ({error});\n\
                 macOS, for one, allows 9216 bytes by default (sysctl net.inet.udp.maxdgram)"
            ));
        }
        Err(error) => return Err(error.into()),
    }
    let too_big = vec![b'x'; MAX_PAYLOAD_V4 + 1];
    if client.send_to(&too_big, server).is_ok() {
        return Err("send_to accepted a datagram larger than IPv4 allows".into());
    }
    transcript.say(format!(
        "a datagram of {} bytes was refused by send_to (message too long)",
        too_big.len()
    ));
    Ok(())
}

/// A ping run against a server that drops a quarter of what it receives.
fn lossy_ping(transcript: &Transcript) -> DemoResult {
    let config = EchoConfig {
        drop_percent: DROP_PERCENT,
        seed: LOSSY_SEED,
    };
    let server = UdpEchoServer::bind("127.0.0.1:0", config)?.spawn()?;
    let target = server.local_addr();
    transcript.say(format!(
        "ping {target}: {PING_COUNT} pings to a server that drops {DROP_PERCENT}% (seed {LOSSY_SEED})"
    ));
    let options = PingOptions {
        count: PING_COUNT,
        interval: PING_INTERVAL,
        timeout: PING_TIMEOUT,
    };
    let mut timed_out = Vec::new();
    let report = ping_with(target, options, |event| match event {
        // The demo says what it pings on its own line, above.
        PingEvent::Start { .. } => {}
        PingEvent::Timeout { seq, .. } => {
            transcript.say(event);
            timed_out.push(*seq);
        }
        _ => transcript.say(event),
    })?;
    server.shutdown();
    transcript.say("");
    transcript.say(report);

    // The same generator, started from the same seed, predicts which pings
    // the server dropped: the lesson's claim that the loss is reproducible.
    let mut loss = LossSimulator::new(DROP_PERCENT, LOSSY_SEED);
    let predicted: Vec<u32> = (0..PING_COUNT).filter(|_| loss.should_drop()).collect();
    if timed_out != predicted || u32::try_from(predicted.len()) != Ok(report.stats.lost()) {
        return Err(format!("expected pings {predicted:?} to be lost, lost {timed_out:?}").into());
    }
    let lost: Vec<String> = predicted.iter().map(|seq| format!("seq={seq}")).collect();
    transcript.note(format!(
        "lost: {}, the ones the seeded generator picks on every run",
        lost.join(" and ")
    ));
    Ok(())
}

/// A ping to a port where nothing listens comes back as an ICMP error,
/// which the pinger's connected socket reports as "connection refused".
fn closed_port(transcript: &Transcript) -> DemoResult {
    // Bind to learn a free port, then close the socket: nothing listens there now.
    let target = UdpSocket::bind("127.0.0.1:0")?.local_addr()?;
    transcript.say(format!("ping {target}, where nothing listens:"));
    let options = PingOptions {
        count: 1,
        interval: PING_INTERVAL,
        timeout: PING_TIMEOUT,
    };
    let mut refused = false;
    let report = ping_with(target, options, |event| {
        if !matches!(event, PingEvent::Start { .. }) {
            transcript.say(event);
        }
        refused |= matches!(event, PingEvent::Unreachable { .. });
    })?;
    if !refused || report.stats.received != 0 {
        return Err("the closed port did not answer with port unreachable".into());
    }
    transcript.note("the host answered with an ICMP \"port unreachable\"; the pinger's socket");
    transcript.note("is connected, so recv reported it as \"connection refused\" at once");
    transcript.note("(an unconnected socket on Linux is never told, and would only time out)");
    Ok(())
}

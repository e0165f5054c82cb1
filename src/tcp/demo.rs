//! Chapter 02's demo: the echo server in its framings, half-close, the
//! busy reply and a Unix domain socket, on 127.0.0.1.

use super::{connect, echo, framing, EchoClient, EchoHandler, Framing};
use crate::demo::DemoResult;
use crate::serve::{Config, Server};
use crate::transcript::{Side, Transcript};
use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

/// How long the demo waits for any step: far more than loopback needs.
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// The chapter's demo: an echo server and its clients, on 127.0.0.1.
pub fn demo(transcript: &Transcript) -> DemoResult {
    demo_lines(transcript)?;
    demo_frames(transcript)?;
    demo_half_close(transcript)?;
    demo_busy(transcript)?;
    #[cfg(unix)]
    demo_unix(transcript)?;
    Ok(())
}

/// Checks that the server sent back what was sent.
fn expect_echo<T: PartialEq + std::fmt::Debug>(sent: T, received: T) -> DemoResult {
    if sent == received {
        Ok(())
    } else {
        Err(format!("sent {sent:?} but the server echoed {received:?}").into())
    }
}

// ANCHOR: demo_lines
fn demo_lines(transcript: &Transcript) -> DemoResult {
    let handler = EchoHandler {
        framing: Framing::Lines,
    };
    let server = Server::bind("127.0.0.1:0")?.spawn(handler)?;
    transcript.note(format!(
        "an echo server of lines listens on {}",
        server.local_addr()
    ));
    let stream = connect(server.local_addr(), DEMO_TIMEOUT)?;
    let mut client = EchoClient::new(transcript.tee(stream, Side::Client));
    for line in ["hello", "TCP carries bytes, not messages"] {
        expect_echo(line, &client.echo_line(line)?)?;
    }
    drop(client);
    server.shutdown();
    transcript.say("");
    Ok(())
}
// ANCHOR_END: demo_lines

fn demo_frames(transcript: &Transcript) -> DemoResult {
    let handler = EchoHandler {
        framing: Framing::Frames,
    };
    let server = Server::bind("127.0.0.1:0")?.spawn(handler)?;
    transcript.note("length-prefixed frames: 4 bytes of length (big-endian), then the payload");
    let mut client = EchoClient::new(connect(server.local_addr(), DEMO_TIMEOUT)?);
    for payload in [&b"hello"[..], b"two\nlines"] {
        transcript.wire(Side::Client, &show_frame(payload));
        let echoed = client.echo_frame(payload)?;
        transcript.wire(Side::Server, &show_frame(&echoed));
        expect_echo(payload, &echoed)?;
    }
    transcript.note("a frame may hold any bytes, a line break too: the length says where it ends");
    transcript.say("");
    Ok(())
}

/// A frame as the transcript shows it: the length prefix in hex, then the
/// payload.
fn show_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::new();
    framing::encode_frame(payload, &mut frame);
    let (header, payload) = frame.split_at(framing::HEADER_LEN);
    let hex: Vec<String> = header.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut shown = format!("[{}] ", hex.join(" ")).into_bytes();
    shown.extend_from_slice(payload);
    shown
}

// ANCHOR: demo_half_close
fn demo_half_close(transcript: &Transcript) -> DemoResult {
    let handler = EchoHandler {
        framing: Framing::Raw,
    };
    let server = Server::bind("127.0.0.1:0")?.spawn(handler)?;
    transcript.note("half-close: the client sends all it has, then shuts down its sending side");
    let stream = connect(server.local_addr(), DEMO_TIMEOUT)?;
    let mut conn = transcript.tee(stream, Side::Client);
    let request = "a request whose end only the client knows\n";
    conn.write_all(request.as_bytes())?;
    conn.get_ref().shutdown(Shutdown::Write)?;
    transcript
        .note("client: shutdown(Write) sends FIN; the server's read() returns 0 (end-of-file)");
    let mut reply = String::new();
    conn.read_to_string(&mut reply)?;
    transcript.note("server: echoed everything, then closed; the client's read() returned 0 too");
    expect_echo(request, reply.as_str())?;
    transcript.say("");
    Ok(())
}
// ANCHOR_END: demo_half_close

fn demo_busy(transcript: &Transcript) -> DemoResult {
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    let handler = EchoHandler {
        framing: Framing::Lines,
    };
    let server = Server::bind_with("127.0.0.1:0", config)?.spawn(handler)?;
    transcript.note("a server capped at 1 connection: the first client is served...");
    let mut first = EchoClient::new(connect(server.local_addr(), DEMO_TIMEOUT)?);
    expect_echo("still here", &first.echo_line("still here")?)?;
    transcript.note("...and a second client, while the first is connected, is told so:");
    let second = connect(server.local_addr(), DEMO_TIMEOUT)?;
    let mut second = transcript.tee(second, Side::Client);
    let mut reply = String::new();
    second.read_to_string(&mut reply)?;
    expect_echo(format!("{}\n", echo::BUSY_LINE), reply)?;
    transcript.say("");
    Ok(())
}

#[cfg(unix)]
fn demo_unix(transcript: &Transcript) -> DemoResult {
    use std::os::unix::net::UnixStream;

    // A name of our own in the temporary directory; removed at the end.
    let path = std::env::temp_dir().join(format!("netlessons-echo-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    transcript.note("the same echo handler over a Unix domain socket (a path, not a port)");
    let server = super::unix::spawn_unix_echo(&path, Framing::Lines)?;
    let result = (|| -> DemoResult {
        let stream = UnixStream::connect(&path)?;
        stream.set_read_timeout(Some(DEMO_TIMEOUT))?;
        let mut client = EchoClient::new(transcript.tee(stream, Side::Client));
        let line = "same API, no network";
        expect_echo(line, &client.echo_line(line)?)?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&path);
    result?;
    server
        .join()
        .map_err(|_| "the unix echo thread panicked")??;
    Ok(())
}

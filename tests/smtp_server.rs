//! The SMTP server over loopback: a client written by hand over a
//! `TcpStream`, so that every byte it sends and every reply it reads is in
//! the test, and the Maildirs it fills read back from the disk.

mod support;

use netlessons::serve::{Config, Server, ServerHandle};
use netlessons::smtp::server::SmtpHandler;
use netlessons::transcript::Transcript;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;
use support::chaos::{ChaosProxy, Weather};

const TIMEOUT: Duration = Duration::from_secs(10);

fn handler(root: &Path) -> SmtpHandler {
    SmtpHandler::new("example.test", root, ["alice", "bob"]).unwrap()
}

fn serve(handler: SmtpHandler) -> ServerHandle {
    let config = Config {
        report: netlessons::serve::report_nothing,
        ..Config::default()
    };
    Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler)
        .unwrap()
}

/// A connection, read reply by reply.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects and reads the greeting.
    fn connect(addr: SocketAddr) -> Client {
        let mut client = Client::open(addr);
        assert_eq!(client.reply(), "220 example.test ESMTP\n");
        client
    }

    /// Connects, greeted and after EHLO.
    fn hello(addr: SocketAddr) -> Client {
        let mut client = Client::connect(addr);
        assert!(client
            .send("EHLO client.test")
            .starts_with("250-example.test"));
        client
    }

    fn open(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// One reply, every line of it, each ended by `\n` (the CR LF checked).
    fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(
                line.ends_with("\r\n"),
                "a reply line ends with CR LF: {line:?} after {reply:?}"
            );
            reply.push_str(line.trim_end_matches("\r\n"));
            reply.push('\n');
            if line.as_bytes().get(3) == Some(&b' ') {
                return reply;
            }
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    fn send(&mut self, line: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// Everything until the server closes.
    fn rest(mut self) -> String {
        let mut rest = String::new();
        self.reader.read_to_string(&mut rest).unwrap();
        rest
    }
}

/// The files in `root/user/folder`, sorted by name.
fn files_in(root: &Path, user: &str, folder: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = fs::read_dir(root.join(user).join(folder)) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.map(|entry| entry.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|path| fs::read(path).unwrap()).collect()
}

/// The one message in `user`'s `new/`.
fn only_message(root: &Path, user: &str) -> String {
    let messages = files_in(root, user, "new");
    assert_eq!(messages.len(), 1, "{user} has {} messages", messages.len());
    String::from_utf8(messages[0].clone()).unwrap()
}

/// The message without its two trace fields (checked), and the id in them.
fn body_after_trace(stored: &str, from: &str, to: &str) -> (String, String) {
    let expected_start = format!(
        "Return-Path: {from}\nReceived: from client.test ([127.0.0.1])\n\tby example.test with ESMTP id "
    );
    let rest = stored
        .strip_prefix(&expected_start)
        .unwrap_or_else(|| panic!("the trace fields: {stored:?}"));
    let (id, rest) = rest.split_once('\n').unwrap();
    let (for_line, body) = rest.split_once('\n').unwrap();
    let date = for_line
        .strip_prefix(&format!("\tfor {to}; "))
        .unwrap_or_else(|| panic!("the for clause: {for_line:?}"));
    assert!(date.ends_with(" +0000") && date.len() == 31, "{date:?}");
    (id.to_string(), body.to_string())
}

/// Nothing anywhere in `user`'s Maildir: no message and no leftover.
fn assert_nothing_stored(root: &Path, user: &str) {
    for folder in ["tmp", "new", "cur"] {
        assert!(files_in(root, user, folder).is_empty(), "{user}/{folder}");
    }
}

fn queued_id(reply: &str) -> String {
    reply
        .strip_prefix("250 2.0.0 Ok: queued as ")
        .unwrap_or_else(|| panic!("{reply}"))
        .trim_end()
        .to_string()
}

#[test]
fn a_whole_session_with_exact_replies() {
    let root = tempfile::tempdir().unwrap();
    let transcript = Transcript::memory();
    let server = serve(handler(root.path()).with_transcript(transcript.clone()));
    let mut client = Client::connect(server.local_addr());
    let table = [
        (
            "EHLO client.test",
            "250-example.test greets client.test\n250-SIZE 33554432\n250-8BITMIME\n\
             250-PIPELINING\n250-ENHANCEDSTATUSCODES\n250 HELP\n",
        ),
        ("NOOP", "250 2.0.0 OK\n"),
        (
            "VRFY alice",
            "252 2.0.0 cannot verify the user, but will take mail for them and try\n",
        ),
        (
            "HELP",
            "214 2.0.0 commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT; see RFC 5321\n",
        ),
        (
            "MAIL FROM:<carol@example.org> SIZE=40",
            "250 2.1.0 sender <carol@example.org> OK\n",
        ),
        (
            "RCPT TO:<alice@example.test>",
            "250 2.1.5 recipient <alice@example.test> OK\n",
        ),
        ("DATA", "354 end data with <CR><LF>.<CR><LF>\n"),
    ];
    for (line, expected) in table {
        assert_eq!(client.send(line), expected, "{line}");
    }
    client.write(b"Subject: hi\r\n\r\nHello, Alice.\r\n.\r\n");
    let id = queued_id(&client.reply());
    assert_eq!(client.send("RSET"), "250 2.0.0 OK\n");
    assert_eq!(
        client.send("QUIT"),
        "221 2.0.0 example.test closing connection\n"
    );
    assert_eq!(client.rest(), "");
    let stored = only_message(root.path(), "alice");
    let (stored_id, body) =
        body_after_trace(&stored, "<carol@example.org>", "<alice@example.test>");
    assert_eq!(stored_id, id);
    assert_eq!(body, "Subject: hi\n\nHello, Alice.\n");
    assert_nothing_stored(root.path(), "bob");
    assert!(files_in(root.path(), "alice", "tmp").is_empty());
    let shown = transcript.contents();
    assert!(
        shown.contains("C: MAIL FROM:<carol@example.org> SIZE=40\n"),
        "{shown}"
    );
    assert!(
        shown.contains("S: 221 2.0.0 example.test closing connection\n"),
        "{shown}"
    );
}

/// The pipelined batch of RFC 2920 §3.1, the message and QUIT, and the
/// replies it must get, in order.
const BATCH: &[u8] = b"EHLO client.test\r\n\
    MAIL FROM:<carol@example.org>\r\n\
    RCPT TO:<alice@example.test>\r\n\
    RCPT TO:<nobody@example.test>\r\n\
    RCPT TO:<bob@example.test>\r\n\
    DATA\r\n";

fn batch_replies() -> Vec<&'static str> {
    vec![
        "250 2.1.0 sender <carol@example.org> OK\n",
        "250 2.1.5 recipient <alice@example.test> OK\n",
        "550 5.1.1 <nobody@example.test>: no such user here\n",
        "250 2.1.5 recipient <bob@example.test> OK\n",
        "354 end data with <CR><LF>.<CR><LF>\n",
    ]
}

/// Sends the batch in one write to `addr`, then the message, and checks
/// every reply; returns the queued id.
fn pipelined_transaction(addr: SocketAddr) -> String {
    let mut client = Client::connect(addr);
    client.write(BATCH);
    assert!(client
        .reply()
        .starts_with("250-example.test greets client.test\n"));
    for expected in batch_replies() {
        assert_eq!(client.reply(), expected);
    }
    // The message, the dot and QUIT in one write too.
    client.write(b"Subject: batch\r\n\r\n.dot\r\n.\r\nQUIT\r\n");
    let id = queued_id(&client.reply());
    assert_eq!(
        client.reply(),
        "221 2.0.0 example.test closing connection\n"
    );
    assert_eq!(client.rest(), "");
    id
}

#[test]
fn a_pipelined_batch_in_one_write_gets_every_reply_in_order() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    pipelined_transaction(server.local_addr());
    for (user, to) in [
        ("alice", "<alice@example.test>"),
        ("bob", "<bob@example.test>"),
    ] {
        let stored = only_message(root.path(), user);
        let (_, body) = body_after_trace(&stored, "<carol@example.org>", to);
        assert_eq!(body, "Subject: batch\n\ndot\n");
    }
}

#[test]
fn the_same_batch_through_every_weather_and_one_byte_at_a_time() {
    for (name, weather) in Weather::all() {
        let root = tempfile::tempdir().unwrap();
        let server = serve(handler(root.path()));
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        pipelined_transaction(proxy.addr());
        for user in ["alice", "bob"] {
            let stored = only_message(root.path(), user);
            assert!(
                stored.ends_with("\nSubject: batch\n\ndot\n"),
                "{name}: {stored:?}"
            );
        }
    }
}

#[test]
fn two_recipients_get_two_copies_each_with_its_own_trace_fields() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("RCPT TO:<BOB@Example.Test>");
    client.send("DATA");
    client.write(b"Subject: two\r\n\r\nfor both\r\n.\r\n");
    let id = queued_id(&client.reply());
    let alice = only_message(root.path(), "alice");
    let bob = only_message(root.path(), "bob");
    let (alice_id, alice_body) = body_after_trace(&alice, "<>", "<alice@example.test>");
    let (bob_id, bob_body) = body_after_trace(&bob, "<>", "<BOB@Example.Test>");
    assert_eq!((alice_id, bob_id), (id.clone(), id));
    assert_eq!(alice_body, "Subject: two\n\nfor both\n");
    assert_eq!(bob_body, alice_body);
}

#[test]
fn lines_that_start_with_a_dot_are_stored_unstuffed() {
    // RFC 5321 §4.5.2: the client doubles a leading dot; the server drops one.
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("DATA");
    client.write(b"..\r\n...two\r\n..x\r\n.\r.\r\na.\r\n. \r\n.\r\n");
    queued_id(&client.reply());
    let stored = only_message(root.path(), "alice");
    let (_, body) = body_after_trace(&stored, "<carol@example.org>", "<alice@example.test>");
    assert_eq!(body, ".\n..two\n.x\n\r.\na.\n \n");
}

#[test]
fn long_lines_a_nul_and_undeclared_8_bit_bytes_are_stored_as_sent() {
    // RFC 5321 §4.5.3.1.6 limits a line to 1000 octets with its CR LF, and
    // §4.5.3.1 asks receivers to impose no limit where they can: the
    // server reads the message as a stream, so a longer line costs it
    // nothing, and refusing it would bounce mail that senders of long
    // lines (generated HTML) send every day. A NUL, and 8-bit bytes
    // without BODY=8BITMIME (RFC 6152), are what the sender sent: kept.
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    for len in [998, 999, 1000, 1001, 5000] {
        client.send("MAIL FROM:<carol@example.org>");
        client.send("RCPT TO:<alice@example.test>");
        client.send("DATA");
        client.write(format!("{}\r\n.\r\n", "z".repeat(len)).as_bytes());
        queued_id(&client.reply());
    }
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<bob@example.test>");
    client.send("DATA");
    client.write("a\0b\r\nGrüße\r\n.\r\n".as_bytes());
    queued_id(&client.reply());
    let lengths: Vec<usize> = files_in(root.path(), "alice", "new")
        .iter()
        .map(|stored| {
            let text = String::from_utf8(stored.clone()).unwrap();
            let (_, body) = body_after_trace(&text, "<carol@example.org>", "<alice@example.test>");
            body.strip_suffix('\n').unwrap().len()
        })
        .collect();
    let mut expected = vec![998, 999, 1000, 1001, 5000];
    let mut sorted = lengths.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    let stored = only_message(root.path(), "bob");
    let (_, body) = body_after_trace(&stored, "<carol@example.org>", "<bob@example.test>");
    assert_eq!(body, "a\0b\nGrüße\n");
}

#[test]
fn bare_lf_bare_cr_and_a_lone_dot_inside_a_line_are_data() {
    // Only CR LF . CR LF ends a message (RFC 5321 §4.1.1.4): `LF . LF`,
    // the smuggling of December 2023, does not, and the "command" after
    // it is stored as part of the message.
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("DATA");
    client.write(
        b"a . b\r\nbare\nlf\r\nbare\rcr\r\n\n.\nMAIL FROM:<mallory@evil.test>\r\n\r.\r\n.\r\n",
    );
    queued_id(&client.reply());
    // The session is at a command again, not in the smuggled transaction.
    assert_eq!(
        client.send("RCPT TO:<bob@example.test>"),
        "503 5.5.1 send MAIL first\n"
    );
    let stored = only_message(root.path(), "alice");
    let (_, body) = body_after_trace(&stored, "<carol@example.org>", "<alice@example.test>");
    assert_eq!(
        body,
        "a . b\nbare\nlf\nbare\rcr\n\n.\nMAIL FROM:<mallory@evil.test>\n\r.\n"
    );
    assert_nothing_stored(root.path(), "bob");
}

#[test]
fn a_client_that_vanishes_mid_data_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    // A clean close in the middle of the message.
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("RCPT TO:<bob@example.test>");
    client.send("DATA");
    client.write(b"Subject: cut\r\n\r\nhalf a message\r\n");
    client.writer.shutdown(Shutdown::Write).unwrap();
    assert_eq!(client.rest(), "");
    // A reset, through the proxy, after some of the message.
    let proxy = ChaosProxy::start(
        server.local_addr(),
        Weather {
            reset_after: Some(BATCH.len() + 30),
            ..Weather::default()
        },
    )
    .unwrap();
    let mut client = Client::open(proxy.addr());
    client.write(BATCH);
    client.write(b"Subject: reset\r\n\r\nmore than thirty bytes of a message\r\n");
    let _ = client.reader.read_to_end(&mut Vec::new());
    wait_idle(&server);
    for user in ["alice", "bob"] {
        assert_nothing_stored(root.path(), user);
    }
}

/// Waits until no connection is live: the server has finished with every
/// client (and dropped what they left).
fn wait_idle(server: &ServerHandle) {
    let start = std::time::Instant::now();
    while server.live_connections() > 0 {
        assert!(start.elapsed() < TIMEOUT, "connections still live");
        std::thread::yield_now();
    }
}

#[test]
fn an_over_long_line_is_refused_and_the_next_one_read() {
    // RFC 5321 §4.5.3.1.4: 512 octets with the CR LF; MAIL may have 26 more.
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    let long = format!("NOOP {}", "x".repeat(100_000));
    assert_eq!(
        client.send(&long),
        "500 5.5.2 line too long: 512 octets at most (538 for MAIL with SIZE=)\n"
    );
    let just_over = format!("NOOP {}", "x".repeat(506));
    assert_eq!(
        client.send(&just_over),
        "500 5.5.2 line too long: 512 octets at most\n"
    );
    let longest = format!("NOOP {}", "x".repeat(505));
    assert_eq!(client.send(&longest), "250 2.0.0 OK\n");
    let mail = |len: usize| format!("MAIL FROM:<a@b.test>{} SIZE=1", " ".repeat(len - 27));
    assert_eq!(
        client.send(&mail(537)),
        "500 5.5.2 line too long: 512 octets at most (538 for MAIL with SIZE=)\n"
    );
    assert_eq!(client.send(&mail(536)), "250 2.1.0 sender <a@b.test> OK\n");
}

#[test]
fn a_message_over_the_size_limit_is_read_to_its_end_and_refused() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()).with_max_message_len(1000));
    let mut client = Client::hello(server.local_addr());
    // Declared too large: refused at MAIL (RFC 1870 §6.1).
    assert_eq!(
        client.send("MAIL FROM:<carol@example.org> SIZE=1001"),
        "552 5.3.4 the message is larger than the 1000 octets this server takes\n"
    );
    // Undeclared: read to its end, refused, and the session goes on.
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("DATA");
    let line = format!("{}\r\n", "y".repeat(98));
    client.write(line.repeat(11).as_bytes());
    client.write(b".\r\n");
    assert_eq!(
        client.reply(),
        "552 5.3.4 the message is larger than the 1000 octets this server takes\n"
    );
    assert_nothing_stored(root.path(), "alice");
    // Exactly the limit is taken.
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("DATA");
    client.write(line.repeat(10).as_bytes());
    client.write(b".\r\n");
    queued_id(&client.reply());
    assert_eq!(files_in(root.path(), "alice", "new").len(), 1);
}

#[test]
fn commands_out_of_order_get_503() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::connect(server.local_addr());
    let table = [
        (
            "MAIL FROM:<a@b.test>",
            "503 5.5.1 send EHLO or HELO first\n",
        ),
        (
            "RCPT TO:<alice@example.test>",
            "503 5.5.1 send MAIL first\n",
        ),
        ("DATA", "503 5.5.1 send MAIL and RCPT first\n"),
        ("HELO client.test", "250 example.test greets client.test\n"),
        ("DATA", "503 5.5.1 send MAIL and RCPT first\n"),
        ("MAIL FROM:<a@b.test>", "250 2.1.0 sender <a@b.test> OK\n"),
        (
            "MAIL FROM:<a@b.test>",
            "503 5.5.1 a transaction is open: finish it, or send RSET\n",
        ),
        ("DATA", "554 5.5.1 no valid recipients\n"),
    ];
    for (line, expected) in table {
        assert_eq!(client.send(line), expected, "{line}");
    }
}

#[test]
fn recipients_elsewhere_are_refused_at_rcpt_no_relay() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    let table = [
        (
            "RCPT TO:<victim@elsewhere.test>",
            "550 5.7.1 <victim@elsewhere.test>: relaying denied; this server takes mail for its own domains only\n",
        ),
        (
            "RCPT TO:<alice@example.test.elsewhere.test>",
            "550 5.7.1 <alice@example.test.elsewhere.test>: relaying denied; this server takes mail for its own domains only\n",
        ),
        (
            "RCPT TO:<@example.test:victim@elsewhere.test>",
            "550 5.7.1 <victim@elsewhere.test>: relaying denied; this server takes mail for its own domains only\n",
        ),
        (
            "RCPT TO:<alice@[127.0.0.1]>",
            "550 5.7.1 <alice@[127.0.0.1]>: relaying denied; this server takes mail for its own domains only\n",
        ),
        (
            "RCPT TO:<nobody@example.test>",
            "550 5.1.1 <nobody@example.test>: no such user here\n",
        ),
        // RFC 5321 §4.5.1: postmaster is always taken, configured or not.
        ("RCPT TO:<Postmaster>", "250 2.1.5 recipient <Postmaster> OK\n"),
    ];
    for (line, expected) in table {
        assert_eq!(client.send(line), expected, "{line}");
    }
}

#[test]
fn addresses_with_cr_or_lf_or_without_brackets_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    // A CR inside a line: a control byte.
    client.write(b"RCPT TO:<alice@example.test\r>\r\n");
    assert_eq!(client.reply(), "501 5.5.2 the line holds a control byte\n");
    // A bare LF (RFC 5321 §2.3.8 allows CR LF only): the line up to it
    // is refused, and what follows is a line of its own, no command.
    client.write(b"RCPT TO:<alice\n@example.test>\r\n");
    assert_eq!(
        client.reply(),
        "500 5.5.2 line ended with LF alone; CR LF is required\n"
    );
    assert_eq!(
        client.reply(),
        "500 5.5.1 unknown command \"@example.test>\"\n"
    );
    assert_eq!(
        client.send("RCPT TO:alice@example.test"),
        "501 5.1.3 recipient: the address must be in angle brackets, as <user@example.com>\n"
    );
    assert_eq!(
        client.send("MAIL FROM:carol@example.org"),
        "501 5.1.7 sender: the address must be in angle brackets, as <user@example.com>\n"
    );
    assert_eq!(client.send("DATA"), "554 5.5.1 no valid recipients\n");
}

#[test]
fn a_thousand_recipients_get_100_accepted_and_the_rest_452() {
    // RFC 5321 §4.5.3.1.8: at least 100; past the limit, 452 4.5.3.
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    let mut batch = String::new();
    for n in 0..1000 {
        let user = if n % 2 == 0 { "alice" } else { "bob" };
        batch.push_str(&format!("RCPT TO:<{user}@example.test>\r\n"));
    }
    client.write(batch.as_bytes());
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..1000 {
        *counts.entry(client.reply()[..9].to_string()).or_insert(0) += 1;
    }
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [
            ("250 2.1.5".to_string(), 100),
            ("452 4.5.3".to_string(), 900)
        ]
    );
    client.send("DATA");
    client.write(b"hi\r\n.\r\n");
    queued_id(&client.reply());
    assert_eq!(files_in(root.path(), "alice", "new").len(), 1);
    assert_eq!(files_in(root.path(), "bob", "new").len(), 1);
}

#[test]
fn garbage_bytes_get_errors_then_421_and_the_server_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::connect(server.local_addr());
    let mut garbage = Vec::new();
    let mut seed = 7u32;
    while garbage.len() < 20_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        garbage.push((seed >> 16) as u8);
        if seed % 37 == 0 {
            garbage.extend_from_slice(b"\r\n");
        }
    }
    garbage.extend_from_slice(b"\r\n");
    // The server may close before it has read it all: a reset is fine.
    let _ = client.writer.write_all(&garbage);
    let mut all = Vec::new();
    let _ = client.reader.read_to_end(&mut all);
    let all = String::from_utf8_lossy(&all);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 20, "{all}");
    for line in &lines[..19] {
        assert!(line.starts_with("50"), "{line}");
    }
    assert_eq!(
        lines[19],
        "421 4.7.0 example.test too many errors; closing connection"
    );
    let mut client = Client::hello(server.local_addr());
    assert_eq!(client.send("NOOP"), "250 2.0.0 OK\n");
}

#[test]
fn clients_over_the_cap_get_421_too_busy() {
    let root = tempfile::tempdir().unwrap();
    let config = Config {
        max_connections: 3,
        report: netlessons::serve::report_nothing,
        ..Config::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler(root.path()))
        .unwrap();
    let held: Vec<Client> = (0..3).map(|_| Client::hello(server.local_addr())).collect();
    for _ in 0..20 {
        let client = Client::open(server.local_addr());
        assert_eq!(
            client.rest(),
            "421 4.3.2 example.test too busy; try again later\r\n"
        );
    }
    drop(held);
    wait_idle(&server);
    let mut client = Client::hello(server.local_addr());
    assert_eq!(
        client.send("QUIT"),
        "221 2.0.0 example.test closing connection\n"
    );
}

#[test]
fn discard_mode_answers_as_usual_and_stores_nothing() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()).discard());
    pipelined_transaction(server.local_addr());
    assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
}

#[test]
fn an_idle_client_gets_421_and_is_disconnected() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(
        handler(root.path()).with_timeouts(Duration::from_millis(200), Duration::from_secs(10)),
    );
    let client = Client::hello(server.local_addr());
    assert_eq!(
        client.rest(),
        "421 4.4.2 example.test idle for too long; closing connection\r\n"
    );
}

#[test]
fn a_message_trickled_past_its_deadline_gets_421_and_leaves_nothing() {
    // Each byte comes well within the idle timeout, but the message as a
    // whole does not come within its deadline.
    let root = tempfile::tempdir().unwrap();
    let server = serve(
        handler(root.path()).with_timeouts(Duration::from_secs(5), Duration::from_millis(300)),
    );
    let mut client = Client::hello(server.local_addr());
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("DATA");
    let start = std::time::Instant::now();
    let mut cut = false;
    while start.elapsed() < TIMEOUT {
        if client.writer.write_all(b"x").is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        let mut peek = [0; 1];
        client.writer.set_nonblocking(true).unwrap();
        let ready = client.writer.peek(&mut peek);
        client.writer.set_nonblocking(false).unwrap();
        if matches!(ready, Ok(n) if n > 0) {
            cut = true;
            break;
        }
    }
    assert!(cut, "the message was never cut off");
    assert_eq!(
        client.reply(),
        "421 4.4.2 example.test the message took too long; closing connection\n"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    wait_idle(&server);
    assert_nothing_stored(root.path(), "alice");
}

#[test]
fn a_command_line_trickled_past_the_idle_timeout_gets_421() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(
        handler(root.path()).with_timeouts(Duration::from_millis(300), Duration::from_secs(10)),
    );
    let mut client = Client::hello(server.local_addr());
    let start = std::time::Instant::now();
    for byte in b"NOOP and more and more" {
        if client.writer.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        client.reply(),
        "421 4.4.2 example.test idle for too long; closing connection\n"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

/// Sends MAIL, RCPT to alice and bob, and DATA.
fn start_message_to_both(client: &mut Client) {
    client.send("MAIL FROM:<carol@example.org>");
    client.send("RCPT TO:<alice@example.test>");
    client.send("RCPT TO:<bob@example.test>");
    assert_eq!(client.send("DATA"), "354 end data with <CR><LF>.<CR><LF>\n");
}

#[test]
fn a_mailbox_that_cannot_be_made_gets_451_and_nobody_gets_a_copy() {
    let root = tempfile::tempdir().unwrap();
    // bob's Maildir cannot be made: a file is where its directory goes.
    fs::write(root.path().join("bob"), "not a directory").unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    start_message_to_both(&mut client);
    client.write(b"Subject: lost?\r\n\r\nno\r\n.\r\n");
    assert_eq!(
        client.reply(),
        "451 4.3.0 the message could not be stored; try again later\n"
    );
    assert_nothing_stored(root.path(), "alice");
    // The session goes on.
    assert_eq!(client.send("NOOP"), "250 2.0.0 OK\n");
}

#[test]
fn a_commit_that_fails_after_another_succeeded_takes_that_one_back() {
    let root = tempfile::tempdir().unwrap();
    let server = serve(handler(root.path()));
    let mut client = Client::hello(server.local_addr());
    start_message_to_both(&mut client);
    client.write(b"Subject: half\r\n\r\n");
    // Once bob's copy is being written, his new/ becomes a file: his
    // commit (a rename into new/) fails after alice's has succeeded.
    let bob_tmp = root.path().join("bob").join("tmp");
    let start = std::time::Instant::now();
    while fs::read_dir(&bob_tmp).map_or(true, |mut entries| entries.next().is_none()) {
        assert!(start.elapsed() < TIMEOUT, "bob's copy never started");
        std::thread::yield_now();
    }
    let bob_new = root.path().join("bob").join("new");
    fs::remove_dir(&bob_new).unwrap();
    fs::write(&bob_new, "not a directory").unwrap();
    client.write(b"body\r\n.\r\n");
    assert_eq!(
        client.reply(),
        "451 4.3.0 the message could not be stored; try again later\n"
    );
    // alice's copy was in new/, and is gone again: when the client tries
    // again, she gets the message once.
    assert_nothing_stored(root.path(), "alice");
    assert!(files_in(root.path(), "bob", "tmp").is_empty());
}

#[test]
fn a_large_message_with_dot_lines_is_stored_exactly_through_every_weather() {
    // Lines of every length, many starting with dots, cut across every
    // buffer of the server: the stored copy is what was sent, with LF ends.
    let mut rng = support::prng::Rng::new(10);
    let mut sent = Vec::new();
    while sent.len() < 3_000_000 {
        let dots = if rng.one_in(3) { rng.below(3) + 1 } else { 0 };
        sent.extend(std::iter::repeat_n(b'.', dots));
        sent.extend(rng.bytes(2000, b"abc .:\t"));
        sent.extend_from_slice(b"\r\n");
    }
    let mut stuffed = Vec::new();
    for line in sent.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".") {
            stuffed.push(b'.');
        }
        stuffed.extend_from_slice(line);
    }
    stuffed.extend_from_slice(b".\r\n");
    let expected = String::from_utf8(sent).unwrap().replace("\r\n", "\n");
    for (name, weather) in [("clear", Weather::default()), ("merge", Weather::merge())] {
        let root = tempfile::tempdir().unwrap();
        let server = serve(handler(root.path()));
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut client = Client::hello(proxy.addr());
        client.send("MAIL FROM:<carol@example.org>");
        client.send("RCPT TO:<alice@example.test>");
        client.send("DATA");
        client.write(&stuffed);
        queued_id(&client.reply());
        let stored = only_message(root.path(), "alice");
        let (_, body) = body_after_trace(&stored, "<carol@example.org>", "<alice@example.test>");
        assert!(body == expected, "{name}: the stored body differs");
    }
}

#[test]
fn what_a_killed_delivery_left_in_tmp_is_cleaned_when_the_server_starts() {
    // `kill -9` runs no drop: a delivery cut short leaves its file in
    // tmp/. The Maildir specification lets a file there go once it is 36
    // hours old; the server does it when it starts.
    let root = tempfile::tempdir().unwrap();
    let alice = netlessons::maildir::Maildir::create(root.path().join("alice")).unwrap();
    let stale = alice.path().join("tmp/1700000000.M1P1Q1.host");
    let fresh = alice.path().join("tmp/1700000001.M1P1Q2.host");
    fs::write(&stale, "half a message").unwrap();
    fs::write(&fresh, "a delivery going on now").unwrap();
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(48 * 3600);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    let _server = serve(handler(root.path()));
    assert!(!stale.exists(), "the stale file is removed");
    assert!(fresh.exists(), "a file written just now is left alone");
}

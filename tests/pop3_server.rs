//! The POP3 server over loopback, with messages in real Maildirs: a client
//! written by hand over a `TcpStream`, so that every byte it sends and
//! every answer it reads is in the test; then the crate's own client.

mod support;

use netlessons::accounts::Accounts;
use netlessons::maildir::Maildir;
use netlessons::pop3::client::{Options, Pop3Client, Pop3Error};
use netlessons::pop3::server::Pop3Handler;
use netlessons::serve::{Config, Server, ServerHandle};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::chaos::{ChaosProxy, Weather};

const TIMEOUT: Duration = Duration::from_secs(10);

const FIRST: &[u8] = b"From: bob@example.test\nSubject: hello\n\nhi alice\n.a line with a dot\n";
const SECOND: &[u8] = b"Subject: two\n\none\ntwo\nthree\n";

fn accounts() -> Accounts {
    Accounts::new()
        .with_user("alice", "secret")
        .with_user("bob", "hunter2")
}

/// A Maildir root with alice's two messages; returns their names.
fn mailboxes(root: &Path) -> Vec<String> {
    let alice = Maildir::create(root.join("alice")).unwrap();
    vec![
        alice.deliver(FIRST).unwrap(),
        alice.deliver(SECOND).unwrap(),
    ]
}

fn server(root: &Path) -> ServerHandle {
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(Pop3Handler::new(root, accounts()))
        .unwrap()
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(server: &ServerHandle) -> Client {
        let stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert_eq!(client.line(), "+OK netlessons POP3 server ready\r\n");
        client
    }

    fn login(server: &ServerHandle, user: &str, password: &str) -> Client {
        let mut client = Client::connect(server);
        assert_eq!(
            client.send(&format!("USER {user}")),
            "+OK send your password\r\n"
        );
        let answer = client.send(&format!("PASS {password}"));
        assert!(answer.starts_with("+OK maildrop has "), "{answer}");
        client
    }

    fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }

    /// Sends a command and reads a one-line answer.
    fn send(&mut self, command: &str) -> String {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .unwrap();
        self.line()
    }

    /// Sends a command and reads a multi-line answer, to its `.` line, as
    /// the bytes that came.
    fn multi(&mut self, command: &str) -> String {
        let mut answer = self.send(command);
        assert!(answer.starts_with("+OK"), "{command}: {answer}");
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "closed in the middle of {answer:?}");
            answer.push_str(&line);
            if line == ".\r\n" {
                return answer;
            }
        }
    }
}

#[test]
fn a_whole_session_as_the_client_sees_it() {
    let root = tempfile::tempdir().unwrap();
    let names = mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    // Sizes on the wire: every LF sent as CR LF.
    let first = FIRST.len() + FIRST.iter().filter(|&&b| b == b'\n').count();
    let second = SECOND.len() + SECOND.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(client.send("STAT"), format!("+OK 2 {}\r\n", first + second));
    assert_eq!(
        client.multi("LIST"),
        format!(
            "+OK 2 messages ({} octets)\r\n1 {first}\r\n2 {second}\r\n.\r\n",
            first + second
        )
    );
    assert_eq!(
        client.multi("UIDL"),
        format!(
            "+OK unique-id listing follows\r\n1 {}\r\n2 {}\r\n.\r\n",
            names[0], names[1]
        )
    );
    // The message with CR LF line ends, its dot line stuffed.
    let retr = client.multi("RETR 1");
    assert_eq!(
        retr,
        format!(
            "+OK {first} octets\r\nFrom: bob@example.test\r\nSubject: hello\r\n\r\n\
             hi alice\r\n..a line with a dot\r\n.\r\n"
        )
    );
    // What RETR sent between its first line and the end marker is the
    // size LIST gave, before stuffing.
    let body = retr.split_once("\r\n").unwrap().1;
    let body = body.strip_suffix(".\r\n").unwrap();
    assert_eq!(body.len(), first + 1, "one stuffed dot");
    assert_eq!(
        client.multi("TOP 2 1"),
        "+OK top of message follows\r\nSubject: two\r\n\r\none\r\n.\r\n"
    );
    assert_eq!(client.send("QUIT"), "+OK goodbye (2 messages left)\r\n");
}

#[test]
fn quit_removes_the_deleted_messages_and_only_them() {
    let root = tempfile::tempdir().unwrap();
    let names = mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(client.send("DELE 1"), "+OK message 1 deleted\r\n");
    assert_eq!(client.send("RETR 1"), "-ERR message 1 is deleted\r\n");
    assert_eq!(client.send("QUIT"), "+OK goodbye (1 messages left)\r\n");
    let left: Vec<String> = Maildir::open(root.path().join("alice"))
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .map(|message| message.name)
        .collect();
    assert_eq!(left, [names[1].clone()]);
}

#[test]
fn a_client_that_vanishes_deletes_nothing() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    {
        let mut client = Client::login(&server, "alice", "secret");
        assert_eq!(client.send("DELE 1"), "+OK message 1 deleted\r\n");
        assert_eq!(client.send("DELE 2"), "+OK message 2 deleted\r\n");
    }
    // The lock goes with the connection: the next session gets in, and
    // finds both messages.
    let mut client = login_when_free(&server);
    assert!(client.send("STAT").starts_with("+OK 2 "));
}

/// Logs in as alice, retrying while the last session's thread has not
/// yet let go of the lock (it does so when it sees the close).
fn login_when_free(server: &ServerHandle) -> Client {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut client = Client::connect(server);
        client.send("USER alice");
        let answer = client.send("PASS secret");
        if answer.starts_with("+OK") {
            return client;
        }
        assert!(answer.starts_with("-ERR [IN-USE]"), "{answer}");
        assert!(Instant::now() < deadline, "the maildrop stayed locked");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_second_session_on_a_locked_maildrop_is_in_use() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut first = Client::login(&server, "alice", "secret");
    let mut second = Client::connect(&server);
    second.send("USER alice");
    assert_eq!(
        second.send("PASS secret"),
        "-ERR [IN-USE] the maildrop is open in another session\r\n"
    );
    // Another user's maildrop is not locked by alice's.
    let mut bob = Client::login(&server, "bob", "hunter2");
    assert_eq!(bob.send("STAT"), "+OK 0 0\r\n");
    // QUIT lets go of the maildrop before it says goodbye: no retry needed.
    assert_eq!(first.send("QUIT"), "+OK goodbye (2 messages left)\r\n");
    assert_eq!(
        second.send("PASS secret").get(..3),
        Some("-ER"),
        "USER is needed again"
    );
    second.send("USER alice");
    let answer = second.send("PASS secret");
    assert!(
        answer.starts_with("+OK maildrop has 2 messages"),
        "{answer}"
    );
}

#[test]
fn mail_delivered_during_a_session_waits_for_the_next() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    Maildir::open(root.path().join("alice"))
        .unwrap()
        .deliver(&b"Subject: late\n\nx\n"[..])
        .unwrap();
    assert!(client.send("STAT").starts_with("+OK 2 "));
    assert_eq!(client.send("RETR 3"), "-ERR no message 3\r\n");
    client.send("QUIT");
    let mut client = login_when_free(&server);
    assert!(client.send("STAT").starts_with("+OK 3 "));
}

#[test]
fn a_message_removed_behind_the_servers_back_is_an_error_not_a_crash() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    for message in Maildir::open(root.path().join("alice"))
        .unwrap()
        .list()
        .unwrap()
    {
        fs::remove_file(message.path).unwrap();
    }
    assert_eq!(
        client.send("RETR 1"),
        "-ERR [SYS/TEMP] the message cannot be read\r\n"
    );
    client.send("DELE 2");
    // Already gone: the deletion the client asked for is done.
    assert_eq!(client.send("QUIT"), "+OK goodbye (1 messages left)\r\n");
}

#[test]
fn a_message_cut_or_grown_since_the_listing_is_refused_not_sent_short() {
    // LIST promised a size; a RETR that sent fewer octets, ended by its
    // `.`, would pass a cut message off as whole (RFC 1939 §5: the size
    // is exact), and a client that keeps it would then delete the original.
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let listed = Maildir::open(root.path().join("alice"))
        .unwrap()
        .list()
        .unwrap();
    let path_of = |name: &str| {
        listed
            .iter()
            .find(|message| message.name == name)
            .unwrap()
            .path
            .clone()
    };
    let uidl = client.multi("UIDL");
    let uid = |number: &str| {
        let line = uidl
            .lines()
            .find(|line| line.starts_with(&format!("{number} ")))
            .unwrap();
        line.split(' ').nth(1).unwrap().to_string()
    };
    let first = path_of(&uid("1"));
    let second = path_of(&uid("2"));
    fs::write(&first, &FIRST[..10]).unwrap();
    let mut grown = SECOND.to_vec();
    grown.extend_from_slice(b"a line added\n");
    fs::write(&second, grown).unwrap();
    for command in ["RETR 1", "TOP 1 0", "RETR 2"] {
        assert_eq!(
            client.send(command),
            "-ERR [SYS/TEMP] the message cannot be read\r\n",
            "{command}"
        );
    }
    assert_eq!(client.send("NOOP"), "+OK nothing done\r\n");
}

#[test]
fn a_client_that_reads_a_message_too_slowly_is_cut_off() {
    // A reader that takes a little every so often never trips a write
    // timeout, and would hold its thread for as long as the message lasts
    // (a "slow read"): past the pace, the server closes, without the `.`.
    let root = tempfile::tempdir().unwrap();
    let alice = Maildir::create(root.path().join("alice")).unwrap();
    let line = format!("{}\n", "z".repeat(1023));
    alice.deliver(line.repeat(16 * 1024).as_bytes()).unwrap();
    let handler = Pop3Handler::new(root.path(), accounts())
        .with_send_pace(Duration::from_secs(1), 4 * 1024 * 1024);
    let server = Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap();
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(client.send("RETR 1"), "+OK 16793600 octets\r\n");
    let started = Instant::now();
    let mut buffer = vec![0; 64 * 1024];
    let mut received = 0;
    let mut tail = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        match client.reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                received += n;
                tail.extend_from_slice(&buffer[..n]);
                let keep = tail.len().saturating_sub(3);
                tail.drain(..keep);
            }
        }
    }
    assert!(received < 16 * 1024 * 1024, "{received}");
    assert_ne!(tail, b".\r\n");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn commands_pipelined_in_one_write_get_every_answer_in_order() {
    // RFC 2449 §6.6: CAPA says PIPELINING, so a client may send a batch
    // and read the answers after; the login's delay and the maildrop's
    // opening must not lose a command that came with them.
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::connect(&server);
    client.write(b"USER alice\r\nPASS secret\r\nSTAT\r\nLIST 2\r\nTOP 1 0\r\nDELE 1\r\nRETR 1\r\nNOOP\r\nQUIT\r\n");
    let mut answers = String::new();
    client.reader.read_to_string(&mut answers).unwrap();
    let first = FIRST.len() + FIRST.iter().filter(|&&b| b == b'\n').count();
    let second = SECOND.len() + SECOND.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(
        answers,
        format!(
            "+OK send your password\r\n\
             +OK maildrop has 2 messages ({total} octets)\r\n\
             +OK 2 {total}\r\n\
             +OK 2 {second}\r\n\
             +OK top of message follows\r\n\
             From: bob@example.test\r\nSubject: hello\r\n\r\n.\r\n\
             +OK message 1 deleted\r\n\
             -ERR message 1 is deleted\r\n\
             +OK nothing done\r\n\
             +OK goodbye (1 messages left)\r\n",
            total = first + second,
        )
    );
}

#[test]
fn a_wrong_password_and_an_unknown_user_get_one_answer_after_one_delay() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    for (user, password) in [("alice", "wrong"), ("mallory", "secret")] {
        let mut client = Client::connect(&server);
        assert_eq!(
            client.send(&format!("USER {user}")),
            "+OK send your password\r\n"
        );
        let started = Instant::now();
        assert_eq!(
            client.send(&format!("PASS {password}")),
            "-ERR [AUTH] invalid user name or password\r\n"
        );
        assert!(started.elapsed() >= Duration::from_millis(900), "{user}");
    }
}

#[test]
fn bad_lines_are_answered_and_the_session_goes_on() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let long = "X".repeat(1000);
    assert!(client.send(&long).starts_with("-ERR "));
    client.writer.write_all(b"\xff\xfe\x00garbage\r\n").unwrap();
    assert!(client.line().starts_with("-ERR "));
    assert_eq!(
        client.send("LIST 99999999999"),
        "-ERR no message 99999999999\r\n"
    );
    assert!(client.send("STAT").starts_with("+OK 2 "));
}

#[test]
fn clients_over_the_cap_are_told_to_come_back() {
    let root = tempfile::tempdir().unwrap();
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(Pop3Handler::new(root.path(), accounts()))
        .unwrap();
    let _first = Client::connect(&server);
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut answer = String::new();
    BufReader::new(stream).read_to_string(&mut answer).unwrap();
    assert_eq!(
        answer,
        "-ERR [SYS/TEMP] too many connections; try again later\r\n"
    );
}

#[test]
fn the_crate_s_client_fetches_what_the_server_holds() {
    let root = tempfile::tempdir().unwrap();
    mailboxes(root.path());
    let server = server(root.path());
    let options = Options::default();
    let mut client = Pop3Client::connect(server.local_addr(), options).unwrap();
    client.login("alice", "secret").unwrap();
    let list = client.list().unwrap();
    assert_eq!(list.len(), 2);
    let mut message = Vec::new();
    let length = client.retr(1, &mut message).unwrap();
    assert_eq!(length, list[0].1, "RETR gives the size LIST said");
    assert_eq!(
        message,
        b"From: bob@example.test\r\nSubject: hello\r\n\r\nhi alice\r\n.a line with a dot\r\n"
    );
    let mut top = Vec::new();
    client.top(2, 0, &mut top).unwrap();
    assert_eq!(top, b"Subject: two\r\n\r\n");
    let error = client.retr(7, Vec::new()).unwrap_err();
    assert!(matches!(error, Pop3Error::Refused { .. }), "{error:?}");
    client.dele(2).unwrap();
    client.quit().unwrap();
    let left = Maildir::open(root.path().join("alice"))
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(left.len(), 1);
}

#[test]
fn a_fetch_works_in_every_weather() {
    // The proxy splits, merges and delays the bytes both ways: no answer
    // may depend on how TCP cuts them.
    for (name, weather) in Weather::all() {
        let root = tempfile::tempdir().unwrap();
        mailboxes(root.path());
        let server = server(root.path());
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut client = Pop3Client::connect(proxy.addr(), Options::default()).unwrap();
        client.login("alice", "secret").unwrap();
        let list = client.list().unwrap();
        assert_eq!(list.len(), 2, "{name}");
        for (n, expected) in [FIRST, SECOND].iter().enumerate() {
            let mut message = Vec::new();
            client.retr(n as u32 + 1, &mut message).unwrap();
            let expected = String::from_utf8_lossy(expected).replace('\n', "\r\n");
            assert_eq!(String::from_utf8_lossy(&message), expected, "{name}");
        }
        client.dele(1).unwrap();
        client.quit().unwrap();
        let left = Maildir::open(root.path().join("alice"))
            .unwrap()
            .list()
            .unwrap();
        assert_eq!(left.len(), 1, "{name}");
    }
}

#[test]
fn messages_asked_for_one_after_another_come_without_a_pause() {
    // A client that asks for each message once the last has come, as
    // every POP3 client does, must not wait on the server: were the
    // status line, the message and its end marker held back until the
    // client acknowledged what came before (Nagle's algorithm against a
    // delayed acknowledgement, up to 40 ms on Linux), a hundred messages
    // would take seconds.
    let root = tempfile::tempdir().unwrap();
    let alice = Maildir::create(root.path().join("alice")).unwrap();
    for _ in 0..100 {
        alice.deliver(SECOND).unwrap();
    }
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let started = Instant::now();
    for number in 1..=100 {
        let answer = client.multi(&format!("RETR {number}"));
        assert!(answer.ends_with("three\r\n.\r\n"), "{answer}");
    }
    // Held back, they took 4.6 s; sent at once, a tenth of that even on a
    // busy machine. The bound is far from both, so that the test says
    // which of the two it saw, not how fast the machine is.
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "a hundred small messages took {took:?}"
    );
}

//! The SMTP client against scripted servers on loopback, directly and
//! through the chaos proxy in every weather: no reply may be assumed to
//! come in one read, and a pipelined group's replies may come in one.

#[path = "support/mod.rs"]
mod support;

use netlessons::smtp::address::{parse_mailbox, Mailbox};
use netlessons::smtp::client::{Options, SmtpClient, SmtpError};
use netlessons::smtp::message::Message;
use netlessons::transcript::Transcript;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use support::chaos::{ChaosProxy, Weather};

/// How long either side waits for the other before failing the test.
const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// One step of the server's script.
enum Step {
    /// Write these bytes, as they are.
    Reply(&'static str),
    /// Read one line and check it is exactly this (CR LF removed).
    Expect(&'static str),
}

use Step::{Expect, Reply};

/// A server playing one script on its first connection.
struct Server {
    addr: SocketAddr,
    thread: JoinHandle<()>,
}

impl Server {
    fn start(script: Vec<Step>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            for step in script {
                match step {
                    Reply(bytes) => writer.write_all(bytes.as_bytes()).unwrap(),
                    Expect(expected) => {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        assert_eq!(line.strip_suffix("\r\n"), Some(expected), "{line:?}");
                    }
                }
            }
        });
        Server { addr, thread }
    }

    /// Waits for the script's end: a failed step fails the test here.
    fn finish(self) {
        if let Err(panic) = self.thread.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

const EHLO_REPLY: &str = "250-mx.example.test\r\n\
                          250-SIZE 1000000\r\n\
                          250-PIPELINING\r\n\
                          250 ENHANCEDSTATUSCODES\r\n";

/// A message with dot lines and bare LFs, and what the server reads.
const MESSAGE: &str = "Subject: dots\n\n.\n..two\nend";
const ON_THE_WIRE: [&str; 6] = ["Subject: dots", "", "..", "...two", "end", "."];

fn mailbox(text: &str) -> Mailbox {
    parse_mailbox(text).unwrap()
}

fn options() -> Options {
    Options {
        timeout: PEER_TIMEOUT,
        client_name: "client.example.org".to_string(),
        ..Options::default()
    }
}

/// A pipelined session: one recipient refused, one accepted.
fn pipelined_script() -> Vec<Step> {
    let mut script = vec![
        Reply("220 mx.example.test ESMTP\r\n"),
        Expect("EHLO client.example.org"),
        Reply(EHLO_REPLY),
        Expect("MAIL FROM:<alice@example.org> SIZE=30"),
        Expect("RCPT TO:<nobody@example.test>"),
        Expect("RCPT TO:<carol@example.test>"),
        Expect("DATA"),
        // The four replies in one write, as a server that reads the whole
        // group first sends them.
        Reply(
            "250 2.1.0 OK\r\n550 5.1.1 No such user\r\n250 2.1.5 OK\r\n\
             354 End data with <CR><LF>.<CR><LF>\r\n",
        ),
    ];
    script.extend(ON_THE_WIRE.map(Expect));
    script.extend([
        Reply("250 2.6.0 Queued\r\n"),
        Expect("QUIT"),
        Reply("221 2.0.0 Bye\r\n"),
    ]);
    script
}

fn send_pipelined(addr: SocketAddr, name: &str) {
    let mut client = SmtpClient::connect(addr, options()).unwrap();
    let to = [
        mailbox("nobody@example.test"),
        mailbox("carol@example.test"),
    ];
    let message = Message::from_bytes(MESSAGE.as_bytes().to_vec());
    let report = client
        .send(&mailbox("alice@example.org"), &to, &message)
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let shown: Vec<String> = report.recipients.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        shown,
        [
            "nobody@example.test: refused (550 5.1.1 No such user)",
            "carol@example.test: accepted (250 2.1.5 OK)",
        ],
        "{name}"
    );
    client.quit().unwrap();
}

#[test]
fn a_pipelined_message_over_loopback() {
    let server = Server::start(pipelined_script());
    send_pipelined(server.addr, "loopback");
    server.finish();
}

#[test]
fn a_pipelined_message_survives_every_weather() {
    for (name, weather) in Weather::all() {
        let server = Server::start(pipelined_script());
        let proxy = ChaosProxy::start(server.addr, weather).unwrap();
        send_pipelined(proxy.addr(), name);
        server.finish();
    }
}

#[test]
fn a_server_without_ehlo_gets_helo() {
    let mut script = vec![
        Reply("220 old.example.test\r\n"),
        Expect("EHLO client.example.org"),
        Reply("502 Command not implemented\r\n"),
        Expect("HELO client.example.org"),
        Reply("250 old.example.test\r\n"),
        Expect("MAIL FROM:<alice@example.org>"),
        Reply("250 OK\r\n"),
        Expect("RCPT TO:<bob@example.test>"),
        Reply("250 OK\r\n"),
        Expect("DATA"),
        Reply("354 Go ahead\r\n"),
    ];
    script.extend(ON_THE_WIRE.map(Expect));
    script.push(Reply("250 OK\r\n"));
    let server = Server::start(script);
    let transcript = Transcript::memory();
    let options = Options {
        transcript: transcript.clone(),
        ..options()
    };
    let mut client = SmtpClient::connect(server.addr, options).unwrap();
    assert_eq!(client.extensions(), None);
    let message = Message::from_bytes(MESSAGE.as_bytes().to_vec());
    client
        .send(
            &mailbox("alice@example.org"),
            &[mailbox("bob@example.test")],
            &message,
        )
        .unwrap_or_else(|error| panic!("{error}\n{}", transcript.contents()));
    server.finish();
}

#[test]
fn nothing_listening_is_a_connect_error_that_says_so() {
    // A port just freed: nothing listens there.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = SmtpClient::connect(addr, options()).unwrap_err();
    assert!(matches!(error, SmtpError::Connect { .. }), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("(is an SMTP server listening there?)"),
        "{error}"
    );
}

#[test]
fn a_server_that_vanishes_mid_reply_is_closed() {
    let server = Server::start(vec![
        Reply("220 mx.example.test ESMTP\r\n"),
        Expect("EHLO client.example.org"),
        Reply("250-mx.example.test\r\n250-SIZE"),
    ]);
    let addr = server.addr;
    // The script ends, and the server's side closes.
    let error = SmtpClient::connect(addr, options()).unwrap_err();
    server.finish();
    assert!(matches!(error, SmtpError::Closed), "{error}");
}

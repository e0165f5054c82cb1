//! Chapter 10's SMTP client against real servers: python's aiosmtpd,
//! delivering into a Maildir, and postfix's smtp-sink, dumping each
//! transaction to a file. Both must receive the message with its lines
//! that start with a dot intact, and every recipient.

use super::{python_server, require};
use netlessons::smtp::address::{parse_mailbox, Mailbox};
use netlessons::smtp::client::{new_message_id, Options, SmtpClient, SmtpError};
use netlessons::smtp::message::{compose, Draft, Message};
use netlessons::transcript::Transcript;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// How long a server may take to start, and the client to wait for a reply.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A body whose lines would be lost or cut short without dot-stuffing:
/// a lone dot (the end marker itself), lines that start with one and two
/// dots, and bare LF line ends, which must travel as CR LF.
const BODY: &str = "Hello,\n.\n.one dot\n..two dots\nthe end\n";

/// aiosmtpd on a port of its own choosing, delivering into the Maildir at
/// `sys.argv[1]`, and refusing any recipient whose local part is `nobody`
/// (its `handle_RCPT` hook); it prints the port once it listens.
const AIOSMTPD: &str = r#"
import asyncio, socket, sys
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP

class Refusing(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

handler = Refusing(sys.argv[1])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="aiosmtpd.test"), sock=listener)
    print(listener.getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

/// aiosmtpd, killed when dropped.
struct Aiosmtpd {
    child: Child,
    addr: String,
}

impl Aiosmtpd {
    fn start(maildir: &Path) -> Aiosmtpd {
        let maildir = maildir.to_str().expect("the temporary directory is UTF-8");
        let program = format!("import sys; sys.argv.append({maildir:?})\n{AIOSMTPD}");
        let (child, addr) = python_server(&program);
        assert!(
            !addr.ends_with(':'),
            "aiosmtpd did not start (is it installed? `python3 -m pip install aiosmtpd`)"
        );
        Aiosmtpd { child, addr }
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mailbox(text: &str) -> Mailbox {
    parse_mailbox(text).unwrap()
}

/// The message of [`BODY`] from `from` to `to`, its header block built.
fn message(from: &Mailbox, to: &[Mailbox], subject: &str, body: &str) -> Message {
    let id = new_message_id(from.domain());
    let draft = Draft {
        from,
        to,
        subject: Some(subject),
        date: SystemTime::now(),
        message_id: &id,
    };
    compose(&draft, body.as_bytes()).unwrap()
}

fn options(transcript: &Transcript) -> Options {
    Options {
        timeout: TIMEOUT,
        client_name: "client.example.org".to_string(),
        transcript: transcript.clone(),
        ..Options::default()
    }
}

/// The files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The lines of `text`, CR LF or LF ended, from the first blank line on:
/// the body.
fn body_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let blank = lines.iter().position(|line| line.is_empty()).unwrap_or(0);
    lines[blank + 1..].to_vec()
}

/// Runs `test`, and shows the conversation if it fails.
fn with_transcript(test: impl FnOnce(&Transcript)) {
    let transcript = Transcript::memory();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(&transcript)));
    if let Err(panic) = result {
        eprintln!("the conversation:\n{}", transcript.contents());
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn aiosmtpd_delivers_the_message_to_both_recipients_with_its_dot_lines() {
    with_transcript(|transcript| {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let server = Aiosmtpd::start(&maildir);
        let from = mailbox("alice@example.org");
        let to = [mailbox("bob@example.test"), mailbox("carol@example.test")];
        let message = message(&from, &to, "dots", BODY);

        let mut client = SmtpClient::connect(server.addr.as_str(), options(transcript)).unwrap();
        let extensions = client.extensions().expect("aiosmtpd speaks ESMTP").clone();
        assert_eq!(extensions.size_limit(), Some(33_554_432));
        assert!(extensions.eight_bit_mime);
        let report = client.send(&from, &to, &message).unwrap();
        assert_eq!(report.accepted().count(), 2);
        assert_eq!(report.reply.code, 250);
        client.quit().unwrap();
        let size = format!(
            "C: MAIL FROM:<alice@example.org> SIZE={}\n",
            message.wire_len()
        );
        assert!(transcript.contents().contains(&size));

        let files = files_in(&maildir.join("new"));
        assert_eq!(files.len(), 1, "one transaction, one message: {files:?}");
        let stored = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            stored.contains("X-RcptTo: bob@example.test, carol@example.test"),
            "{stored}"
        );
        assert!(stored.contains("X-MailFrom: alice@example.org"), "{stored}");
        assert!(stored.contains("Subject: dots"), "{stored}");
        let sent = String::from_utf8(message.bytes().to_vec()).unwrap();
        let id = sent
            .lines()
            .find(|line| line.starts_with("Message-ID: "))
            .unwrap();
        assert!(stored.contains(id), "{stored}");
        assert_eq!(
            body_lines(&stored),
            ["Hello,", ".", ".one dot", "..two dots", "the end"]
        );
    });
}

#[test]
fn aiosmtpd_refuses_one_recipient_and_the_other_still_gets_the_message() {
    with_transcript(|transcript| {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let server = Aiosmtpd::start(&maildir);
        let from = mailbox("alice@example.org");
        let to = [
            mailbox("nobody@example.test"),
            mailbox("carol@example.test"),
        ];
        let message = message(&from, &to, "one refused", "hi\n");

        let mut client = SmtpClient::connect(server.addr.as_str(), options(transcript)).unwrap();
        let report = client.send(&from, &to, &message).unwrap();
        let shown: Vec<String> = report.recipients.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            shown,
            [
                "nobody@example.test: refused (550 5.1.1 No such user here)",
                "carol@example.test: accepted (250 OK)",
            ]
        );

        // A second transaction on the same connection: every recipient
        // refused, so nothing is sent, and the session goes on.
        let nobody = [mailbox("nobody@example.test")];
        let error = client.send(&from, &nobody, &message).unwrap_err();
        assert!(matches!(error, SmtpError::NoRecipient(_)), "{error}");
        client.noop().unwrap();
        client.quit().unwrap();

        let files = files_in(&maildir.join("new"));
        assert_eq!(files.len(), 1, "{files:?}");
        let stored = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            stored.contains("X-RcptTo: carol@example.test\n"),
            "{stored}"
        );
        assert!(transcript.contents().contains("C: RSET\n"));
    });
}

#[test]
fn aiosmtpd_takes_an_eight_bit_message_with_body_8bitmime() {
    with_transcript(|transcript| {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let server = Aiosmtpd::start(&maildir);
        let from = mailbox("alice@example.org");
        let to = [mailbox("bob@example.test")];
        let message = message(&from, &to, "Grüße", "Grüße aus Köln\n");

        let mut client = SmtpClient::connect(server.addr.as_str(), options(transcript)).unwrap();
        client.send(&from, &to, &message).unwrap();
        client.quit().unwrap();
        assert!(transcript.contents().contains(" BODY=8BITMIME\n"));

        let files = files_in(&maildir.join("new"));
        let stored = std::fs::read(&files[0]).unwrap();
        let stored = String::from_utf8(stored).expect("the bytes arrive as they were sent");
        assert!(
            stored.contains("Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?="),
            "{stored}"
        );
        assert!(stored.contains("charset=utf-8"), "{stored}");
        assert_eq!(body_lines(&stored), ["Grüße aus Köln"]);
    });
}

/// postfix's smtp-sink, dumping each transaction into `dir`; killed when
/// dropped.
struct SmtpSink {
    child: Child,
    addr: String,
}

impl SmtpSink {
    fn start(dir: &Path) -> SmtpSink {
        // Debian puts it in /usr/sbin, which a user's PATH may lack.
        let sink = ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"]
            .iter()
            .map(PathBuf::from)
            .find(|path| path.is_file())
            .unwrap_or_else(|| require("smtp-sink"));
        // smtp-sink cannot be told port 0: take a free port and hand it over.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        // As root it must drop to another user (-u), who must be able to
        // write the dumps.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let mut command = Command::new(sink);
        let uid = Command::new("id").arg("-u").output().unwrap();
        if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
            command.args(["-u", "nobody"]);
        }
        let template = format!("{}/transaction.", dir.display());
        let mut child = command
            .args(["-d", &template, &addr, "10"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start smtp-sink: {error}"));
        // smtp-sink says nothing when it is ready: try its port, a bounded
        // number of times, until it accepts.
        let started = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("smtp-sink exited: {status}");
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "smtp-sink did not listen on {addr}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        SmtpSink { child, addr }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn smtp_sink_receives_a_pipelined_message_with_both_recipients_and_its_dot_lines() {
    with_transcript(|transcript| {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpSink::start(dir.path());
        let from = mailbox("alice@example.org");
        let to = [mailbox("bob@example.test"), mailbox("carol@example.test")];
        let message = message(&from, &to, "dots", BODY);

        let mut client = SmtpClient::connect(server.addr.as_str(), options(transcript)).unwrap();
        let extensions = client.extensions().expect("smtp-sink speaks ESMTP").clone();
        assert!(extensions.pipelining, "{extensions:?}");
        let report = client.send(&from, &to, &message).unwrap();
        assert_eq!(report.accepted().count(), 2);
        client.quit().unwrap();

        // RFC 2920: the envelope went as one group, its replies after it.
        let shown = transcript.contents();
        assert!(
            shown.contains(
                "C: RCPT TO:<bob@example.test>\n\
                 C: RCPT TO:<carol@example.test>\n\
                 C: DATA\n\
                 S: 250"
            ),
            "{shown}"
        );
        let files = files_in(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        let dumped = std::fs::read_to_string(&files[0]).unwrap();
        // SIZE= only if the server announced SIZE.
        let size = match extensions.size {
            Some(_) => format!(" SIZE={}", message.wire_len()),
            None => String::new(),
        };
        assert!(
            dumped.contains(&format!("X-Mail-Args: <alice@example.org>{size}\n")),
            "{dumped}"
        );
        assert!(
            dumped.contains("X-Rcpt-Args: <bob@example.test>\nX-Rcpt-Args: <carol@example.test>\n"),
            "{dumped}"
        );
        // The dump: smtp-sink's own fields, its Received field, the
        // message as received (unstuffed), and a blank line.
        let sent = String::from_utf8(message.bytes().to_vec()).unwrap();
        let start = dumped
            .find("From: alice@example.org")
            .expect("the message is dumped");
        let expected: Vec<&str> = sent.lines().collect();
        let received: Vec<&str> = dumped[start..].lines().collect();
        assert_eq!(received[..expected.len()], expected[..], "{dumped}");
    });
}

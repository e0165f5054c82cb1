//! Chapter 10's demo: the crate's SMTP client sends one message to two
//! mailboxes of the crate's SMTP server (and tries a third, elsewhere,
//! which the server refuses), the server stores a copy in each user's
//! Maildir, and chapter 11's POP3 server and client fetch it back, byte for
//! byte: the closed loop of mail, on 127.0.0.1.

use super::client::{Options, SmtpClient};
use super::message::{compose, Draft};
use super::server::SmtpHandler;
use crate::accounts::Accounts;
use crate::demo::{expect, DemoResult, TempDir};
use crate::maildir::Maildir;
use crate::pop3::client::{Options as Pop3Options, Pop3Client};
use crate::pop3::message::unix_lines;
use crate::pop3::server::Pop3Handler;
use crate::serve::{Server, ServerHandle};
use crate::smtp::address::Mailbox;
use crate::transcript::Transcript;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// The body the demo sends: two lines start with a dot, which travel
/// stuffed (`..`) and must arrive as written.
pub const BODY: &str = "Hello Alice and Bob,\n\n\
    .this line starts with a dot, and so does the next\n\
    .\n\
    See you soon, Carol\n";

/// When the demo's message says it was written: a fixed time, so that the
/// transcript is the same on every run (2026-12-01 08:00:00 UTC).
const WRITTEN: u64 = 1_796_112_000;

/// The mail servers of the demo: SMTP for `example.test`, delivering into
/// Maildirs under `root`, and POP3 serving the same Maildirs.
pub(crate) struct MailServers {
    pub(crate) smtp: ServerHandle,
    pub(crate) pop3: ServerHandle,
}

impl MailServers {
    pub(crate) fn start(root: &Path) -> std::io::Result<MailServers> {
        let smtp = SmtpHandler::new("example.test", root, ["alice", "bob"])?;
        let accounts = Accounts::new()
            .with_user("alice", "secret")
            .with_user("bob", "hunter2");
        Ok(MailServers {
            smtp: Server::bind("127.0.0.1:0")?.spawn(smtp)?,
            pop3: Server::bind("127.0.0.1:0")?.spawn(Pop3Handler::new(root, accounts))?,
        })
    }
}

/// Sends [`BODY`] from carol to alice and bob, and a relay attempt to a
/// third address, showing the SMTP conversation in `transcript` when it is
/// given. Returns the message as it was sent.
pub(crate) fn send_the_message(
    servers: &MailServers,
    transcript: Transcript,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let from: Mailbox = "carol@home.test".parse()?;
    let to: Vec<Mailbox> = [
        "alice@example.test",
        "bob@example.test",
        "mallory@elsewhere.test",
    ]
    .iter()
    .map(|address| address.parse())
    .collect::<Result<_, _>>()?;
    let draft = Draft {
        from: &from,
        to: &to[..2],
        subject: Some("Lunch on Friday"),
        date: UNIX_EPOCH + Duration::from_secs(WRITTEN),
        message_id: "<lunch.1@home.test>",
    };
    let message = compose(&draft, BODY.as_bytes())?;
    let options = Options {
        transcript,
        ..Options::default()
    };
    let mut client = SmtpClient::connect(servers.smtp.local_addr(), options)?;
    let report = client.send(&from, &to, &message)?;
    client.quit()?;
    let accepted: Vec<String> = report.accepted().map(|r| r.mailbox.to_string()).collect();
    expect(
        accepted == ["alice@example.test", "bob@example.test"],
        "alice and bob are accepted",
    )?;
    expect(
        report.refused().count() == 1,
        "the address of another domain is refused (no open relay)",
    )?;
    Ok(message.bytes().to_vec())
}

// ANCHOR: demo
/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = TempDir::new("10")?;
    let servers = MailServers::start(root.path())?;
    transcript.note(format!(
        "an SMTP server for example.test on {}, delivering for alice and bob;",
        servers.smtp.local_addr()
    ));
    transcript.note("carol@home.test writes to both, and to mallory@elsewhere.test");
    transcript.say("");
    let sent = send_the_message(&servers, transcript.clone())?;
    transcript.say("");

    transcript.note("each recipient's copy is a file in new/ of their Maildir,");
    transcript.note("with the server's two fields on top of the message as sent:");
    let alice = Maildir::open(root.path().join("alice"))?.list()?;
    let bob = Maildir::open(root.path().join("bob"))?.list()?;
    expect(alice.len() == 1 && bob.len() == 1, "one copy each")?;
    let stored = std::fs::read(&alice[0].path)?;
    let stored = String::from_utf8_lossy(&stored);
    for line in stored.lines().take(6) {
        transcript.note(format!("  | {line}"));
    }
    transcript.note("  | ...");
    transcript.say("");

    transcript.note("and chapter 11's POP3 server hands it back to alice:");
    let mut pop3 = Pop3Client::connect(servers.pop3.local_addr(), Pop3Options::default())?;
    pop3.login("alice", "secret")?;
    let mut fetched = Vec::new();
    pop3.retr(1, &mut fetched)?;
    pop3.quit()?;
    // What came back, from its Subject on, is what was sent: the stuffed
    // dots are gone again, and the line ends are as they were.
    let sent = unix_lines(&sent);
    let fetched = unix_lines(&fetched);
    let tail = |bytes: &[u8]| -> Vec<u8> {
        let text = String::from_utf8_lossy(bytes);
        text.find("From: ")
            .map_or(Vec::new(), |at| text[at..].as_bytes().to_vec())
    };
    let fetched_tail = tail(&fetched);
    expect(
        !fetched_tail.is_empty() && fetched_tail == tail(&sent),
        "the message fetched is the message sent, byte for byte",
    )?;
    // The length from `From:` on: the trace fields above it hold the
    // transaction id, whose digits (the process id) change from run to run.
    transcript.note(format!(
        "   from `From:` on, the {} bytes fetched are the bytes sent, the two dot lines included",
        fetched_tail.len()
    ));
    Ok(())
}
// ANCHOR_END: demo

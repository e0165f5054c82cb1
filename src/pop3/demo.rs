//! Chapter 11's demo: a message comes in by SMTP (chapter 10) and lands in
//! alice's Maildir; the crate's POP3 client lists it, reads its top, fetches
//! it, and deletes it at QUIT, from the crate's POP3 server, on 127.0.0.1.

use super::client::{Options, Pop3Client, Pop3Error};
use crate::demo::{expect, DemoResult, TempDir};
use crate::maildir::Maildir;
use crate::smtp::demo::{send_the_message, MailServers, BODY};
use crate::transcript::Transcript;

// ANCHOR: demo
/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = TempDir::new("11")?;
    let servers = MailServers::start(root.path())?;
    send_the_message(&servers, Transcript::silent())?;
    transcript.note("carol's message came in by SMTP (chapter 10) and waits in alice's Maildir;");
    transcript.note(format!(
        "a POP3 server on {} serves it",
        servers.pop3.local_addr()
    ));
    transcript.say("");

    let options = Options {
        transcript: transcript.clone(),
        ..Options::default()
    };
    let mut client = Pop3Client::connect(servers.pop3.local_addr(), options)?;
    client.login("alice", "secret")?;
    let (count, _) = client.stat()?;
    expect(count == 1, "alice has one message")?;
    let listing = client.list()?;
    client.uidl()?;
    transcript.say("");

    transcript.note("while this session holds the maildrop, a second one is refused:");
    let mut second = Pop3Client::connect(servers.pop3.local_addr(), Options::default())?;
    let refused = second.login("alice", "secret");
    let in_use = matches!(&refused, Err(Pop3Error::Refused { status, .. })
        if status.code.as_deref() == Some("IN-USE"));
    expect(in_use, "a second session on the same maildrop is IN-USE")?;
    transcript.note(format!(
        "   {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    ));
    transcript.say("");

    transcript.note("TOP 1 0: the header alone; then RETR 1: the whole message,");
    transcript.note("its dot lines stuffed on the wire (..) and unstuffed by the client");
    let mut header = Vec::new();
    client.top(1, 0, &mut header)?;
    let mut message = Vec::new();
    let length = client.retr(1, &mut message)?;
    expect(length == listing[0].1, "RETR sends the size LIST gave")?;
    let text = String::from_utf8_lossy(&message).replace("\r\n", "\n");
    expect(text.ends_with(BODY), "the body arrives as carol wrote it")?;
    transcript.say("");

    transcript.note("DELE only marks; QUIT removes, and says how many are left");
    client.dele(1)?;
    client.quit()?;
    let left = Maildir::open(root.path().join("alice"))?.list()?;
    expect(left.is_empty(), "after QUIT, alice's Maildir is empty")?;
    Ok(())
}
// ANCHOR_END: demo

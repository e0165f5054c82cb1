//! Chapter 10's SMTP server against real clients: python3's `smtplib`,
//! swaks, curl and msmtp. The server runs in this process, on a free port, over
//! a temporary Maildir root; each client is run against it as a user
//! would, and what it sent is read back from the Maildirs.

use super::{python, run};
use netlessons::serve::{Server, ServerHandle};
use netlessons::smtp::server::SmtpHandler;
use std::fs;
use std::path::Path;

fn server(root: &Path) -> ServerHandle {
    let handler = SmtpHandler::new("example.test", root, ["alice", "bob"]).unwrap();
    Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap()
}

/// The messages in `root/user/new`, oldest name first.
fn messages(root: &Path, user: &str) -> Vec<String> {
    let Ok(entries) = fs::read_dir(root.join(user).join("new")) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.map(|entry| entry.unwrap().path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|path| fs::read_to_string(path).unwrap())
        .collect()
}

/// The body of a stored message: what follows its first blank line.
fn body(message: &str) -> &str {
    message
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("no blank line in {message:?}"))
        .1
}

const SMTPLIB_SESSION: &str = r#"
import smtplib, sys
from email.message import EmailMessage
port = int(sys.argv[1])
smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
code, _ = smtp.ehlo()
print("ehlo", code, sorted(smtp.esmtp_features))
message = EmailMessage()
message["From"] = "carol@example.org"
message["To"] = "alice@example.test, bob@example.test"
message["Subject"] = "dots"
message.set_content(".leading dot\n..two dots\n.\nend\n")
print("refused", smtp.send_message(message))
print("rset", smtp.rset()[0])
print("second", smtp.sendmail("carol@example.org", ["alice@example.test"],
                              b"Subject: second\r\n\r\nagain\r\n"))
try:
    smtp.sendmail("carol@example.org", ["victim@elsewhere.test"], b"Subject: relay\r\n\r\nx\r\n")
    print("relayed!")
except smtplib.SMTPRecipientsRefused as refused:
    for address, (code, text) in refused.recipients.items():
        print("relay refused", address, code, text.decode().split(" ")[0])
print("quit", smtp.quit()[0])
"#;

#[test]
fn python_smtplib_sends_to_two_recipients_then_again_and_is_refused_a_relay() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let out = python(SMTPLIB_SESSION, &[&port]);
    assert_eq!(
        out,
        "ehlo 250 ['8bitmime', 'enhancedstatuscodes', 'help', 'pipelining', 'size']\n\
         refused {}\n\
         rset 250\n\
         second {}\n\
         relay refused victim@elsewhere.test 550 5.7.1\n\
         quit 221\n"
    );
    let alice = messages(root.path(), "alice");
    let bob = messages(root.path(), "bob");
    assert_eq!((alice.len(), bob.len()), (2, 1));
    for (copy, to) in [(&alice[0], "alice"), (&bob[0], "bob")] {
        assert!(
            copy.starts_with(
                "Return-Path: <carol@example.org>\nReceived: from client.test ([127.0.0.1])\n"
            ),
            "{copy}"
        );
        assert!(
            copy.contains(&format!("\tfor <{to}@example.test>; ")),
            "{copy}"
        );
        assert!(copy.contains("\nSubject: dots\n"), "{copy}");
        // Dot-stuffed by smtplib, unstuffed here: as the sender wrote it.
        assert_eq!(body(copy), ".leading dot\n..two dots\n.\nend\n");
    }
    assert_eq!(body(&alice[1]), "again\n");
}

#[test]
fn swaks_sends_a_message_with_pipelining() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let address = server.local_addr().to_string();
    let out = run(
        "swaks",
        &[
            "--server",
            &address,
            "--helo",
            "client.test",
            "--from",
            "carol@example.org",
            "--to",
            "alice@example.test,bob@example.test",
            "--pipeline",
            "--header",
            "Subject: from swaks",
            "--body",
            "one line\n.a dot line\n",
        ],
        b"",
    );
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(
        transcript.contains("<-  250 2.0.0 Ok: queued as "),
        "{transcript}"
    );
    for user in ["alice", "bob"] {
        let stored = messages(root.path(), user);
        assert_eq!(stored.len(), 1, "{user}: {transcript}");
        assert!(
            stored[0].contains("\nSubject: from swaks\n"),
            "{}",
            stored[0]
        );
        // swaks stuffs the dot line (`..a dot line` on the wire).
        assert!(
            stored[0].contains("\n\none line\n.a dot line\n"),
            "{:?}",
            stored[0]
        );
    }
}

#[test]
fn curl_uploads_a_message_to_two_recipients() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("message.txt");
    fs::write(
        &file,
        "From: carol@example.org\r\nSubject: from curl\r\n\r\nhello\r\n.dot\r\n",
    )
    .unwrap();
    let server = server(root.path());
    let url = format!(
        "smtp://127.0.0.1:{}/client.test",
        server.local_addr().port()
    );
    run(
        "curl",
        &[
            "--silent",
            "--show-error",
            &url,
            "--mail-from",
            "carol@example.org",
            "--mail-rcpt",
            "alice@example.test",
            "--mail-rcpt",
            "bob@example.test",
            "-T",
            file.to_str().unwrap(),
        ],
        b"",
    );
    for user in ["alice", "bob"] {
        let stored = messages(root.path(), user);
        assert_eq!(stored.len(), 1, "{user}");
        assert!(
            stored[0].starts_with("Return-Path: <carol@example.org>\nReceived: from client.test "),
            "{}",
            stored[0]
        );
        assert!(
            stored[0].ends_with("\nFrom: carol@example.org\nSubject: from curl\n\nhello\n.dot\n"),
            "{:?}",
            stored[0]
        );
    }
    // A relay: curl fails, and nothing is stored for anyone.
    let refused = std::process::Command::new(super::require("curl"))
        .args([
            "--silent",
            &url,
            "--mail-from",
            "carol@example.org",
            "--mail-rcpt",
            "victim@elsewhere.test",
            "-T",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert_eq!(messages(root.path(), "alice").len(), 1);
}

#[test]
fn msmtp_sends_a_message_with_dot_lines() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    run(
        "msmtp",
        &[
            "--host=127.0.0.1",
            &format!("--port={port}"),
            "--domain=client.test",
            "--from=carol@example.org",
            "alice@example.test",
        ],
        b"Subject: from msmtp\n\n.a dot line\n.\nend\n",
    );
    let stored = messages(root.path(), "alice");
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].starts_with("Return-Path: <carol@example.org>\nReceived: from client.test "),
        "{}",
        stored[0]
    );
    assert!(
        stored[0].contains("\nSubject: from msmtp\n"),
        "{}",
        stored[0]
    );
    assert_eq!(body(&stored[0]), ".a dot line\n.\nend\n");
}

const SMTPLIB_EIGHT_BIT: &str = r#"
import smtplib, sys
smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test", timeout=10)
message = ("Subject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln, 日本語\r\n").encode()
print("refused", smtp.sendmail("carol@example.org", ["bob@example.test"], message,
                               mail_options=["BODY=8BITMIME"]))
print("quit", smtp.quit()[0])
"#;

#[test]
fn python_smtplib_sends_an_eight_bit_body_with_body_8bitmime() {
    // RFC 6152: the server offers 8BITMIME; the bytes arrive untouched.
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    assert_eq!(
        python(SMTPLIB_EIGHT_BIT, &[&port]),
        "refused {}\nquit 221\n"
    );
    let stored = messages(root.path(), "bob");
    assert_eq!(stored.len(), 1);
    assert_eq!(body(&stored[0]), "Grüße aus Köln, 日本語\n");
}

#[test]
fn swaks_pipelines_a_dot_heavy_message_from_a_file() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("message.eml");
    // Lines that are a dot, two dots, start with dots, and a lone dot
    // inside a line: each must come out as it went in.
    let text = "Subject: dots\r\n\r\n.\r\n..\r\n...x\r\n.a\r\nin . the middle\r\nend\r\n";
    fs::write(&file, text).unwrap();
    let out = run(
        "swaks",
        &[
            "--server",
            &server.local_addr().to_string(),
            "--helo",
            "client.test",
            "--from",
            "carol@example.org",
            "--to",
            "alice@example.test",
            "--pipeline",
            "--data",
            &format!("@{}", file.display()),
        ],
        b"",
    );
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(
        transcript.contains("<-  250 2.0.0 Ok: queued as "),
        "{transcript}"
    );
    let stored = messages(root.path(), "alice");
    assert_eq!(stored.len(), 1, "{transcript}");
    assert!(
        body(&stored[0]).starts_with(".\n..\n...x\n.a\nin . the middle\nend\n"),
        "{:?}",
        stored[0]
    );
}

#[test]
fn curl_with_mail_rcpt_allowfails_delivers_to_the_recipient_that_exists() {
    // One recipient refused (550 5.1.1) must not lose the message for the
    // other: curl goes on to DATA when told --mail-rcpt-allowfails.
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("message.txt");
    fs::write(&file, "Subject: allowfails\r\n\r\nfor alice only\r\n").unwrap();
    let url = format!("smtp://{}/client.test", server.local_addr());
    run(
        "curl",
        &[
            "-sS",
            &url,
            "--mail-from",
            "carol@example.org",
            "--mail-rcpt",
            "nobody@example.test",
            "--mail-rcpt",
            "alice@example.test",
            "--mail-rcpt-allowfails",
            "-T",
            file.to_str().unwrap(),
        ],
        b"",
    );
    let stored = messages(root.path(), "alice");
    assert_eq!(stored.len(), 1);
    assert_eq!(body(&stored[0]), "for alice only\n");
    assert!(fs::read_dir(root.path().join("nobody")).is_err());
}

//! Chapter 11's POP3 server against real clients: python3's `poplib`,
//! curl, fetchmail and getmail. The server runs in this process, on a
//! free port, over Maildirs in a temporary directory.

use super::{python, run};
use netlessons::accounts::Accounts;
use netlessons::maildir::Maildir;
use netlessons::pop3::server::Pop3Handler;
use netlessons::serve::{Server, ServerHandle};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const FIRST: &[u8] = b"From: bob@example.test\nTo: alice@example.test\nSubject: hello\n\n\
    hi alice\n.a line that starts with a dot\n";
const SECOND: &[u8] = b"From: carol@example.test\nSubject: second\n\none\ntwo\nthree\n";

/// The server over a root where alice has the two messages above.
fn server(root: &Path) -> ServerHandle {
    let alice = Maildir::create(root.join("alice")).unwrap();
    alice.deliver(FIRST).unwrap();
    alice.deliver(SECOND).unwrap();
    let accounts = Accounts::new().with_user("alice", "secret");
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(Pop3Handler::new(root, accounts))
        .unwrap()
}

fn messages_left(root: &Path) -> usize {
    Maildir::open(root.join("alice"))
        .unwrap()
        .list()
        .unwrap()
        .len()
}

const POPLIB_SESSION: &str = r#"
import poplib, sys
pop = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
print("welcome", pop.getwelcome().decode())
pop.user("alice")
pop.pass_("secret")
count, size = pop.stat()
print("stat", count)
listed = pop.list()[1]
print("list", len(listed))
uids = [line.split()[1] for line in pop.uidl()[1]]
print("uidl", len(set(uids)))
lines = pop.retr(1)[1]
print("retr", lines[-1].decode())
print("top", [line.decode() for line in pop.top(2, 1)[1]])
pop.dele(1)
pop.rset()
pop.dele(2)
print("quit", pop.quit().decode())
"#;

#[test]
fn python_poplib_does_a_whole_session() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let out = python(POPLIB_SESSION, &[&port]);
    assert_eq!(
        out,
        "welcome +OK netlessons POP3 server ready\n\
         stat 2\n\
         list 2\n\
         uidl 2\n\
         retr .a line that starts with a dot\n\
         top ['From: carol@example.test', 'Subject: second', '', 'one']\n\
         quit +OK goodbye (1 messages left)\n"
    );
    // RSET saved message 1; QUIT removed message 2.
    assert_eq!(messages_left(root.path()), 1);
}

#[test]
fn curl_lists_and_retrieves() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let url = format!("pop3://127.0.0.1:{}/", server.local_addr().port());
    let listed = run("curl", &["-s", "-u", "alice:secret", &url], b"");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let numbers: Vec<&str> = listed
        .lines()
        .map(|line| line.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(numbers, ["1", "2"], "{listed}");
    let message = run(
        "curl",
        &["-s", "-u", "alice:secret", &format!("{url}1")],
        b"",
    );
    assert_eq!(
        String::from_utf8_lossy(&message.stdout),
        String::from_utf8_lossy(FIRST).replace('\n', "\r\n")
    );
    // curl deletes nothing.
    assert_eq!(messages_left(root.path()), 2);
}

#[test]
fn fetchmail_keeps_the_messages_and_writes_them_to_an_mbox() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let work = tempfile::tempdir().unwrap();
    let mbox = work.path().join("inbox");
    let rc = work.path().join("fetchmailrc");
    // `mda` delivers each message by piping it to a command: here,
    // appending it to a file with the "From " line that starts each
    // message of an mbox.
    let config = format!(
        "poll 127.0.0.1 protocol pop3 port {port} auth password\n  \
         user alice password secret is alice here\n  \
         keep sslproto '' mda \"(echo 'From fetchmail'; cat; echo) >> {mbox}\"\n",
        port = server.local_addr().port(),
        mbox = mbox.display()
    );
    fs::write(&rc, config).unwrap();
    fs::set_permissions(&rc, fs::Permissions::from_mode(0o600)).unwrap();
    let home = work.path().to_str().unwrap();
    let mut command = std::process::Command::new(super::require("fetchmail"));
    command
        .args([
            "--fetchmailrc",
            rc.to_str().unwrap(),
            "--nodetach",
            "--silent",
        ])
        .args(["--pidfile", &format!("{home}/pid")])
        .env("HOME", home);
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "fetchmail failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let inbox = fs::read_to_string(&mbox).unwrap();
    assert_eq!(inbox.matches("From fetchmail\n").count(), 2, "{inbox}");
    assert!(inbox.contains("Subject: hello"), "{inbox}");
    assert!(
        inbox.contains("\n.a line that starts with a dot"),
        "{inbox}"
    );
    // --keep: nothing deleted.
    assert_eq!(messages_left(root.path()), 2);
}

#[test]
fn fetchmail_fetchall_without_keep_deletes_what_it_delivered() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let work = tempfile::tempdir().unwrap();
    let mbox = work.path().join("inbox");
    let rc = work.path().join("fetchmailrc");
    let config = format!(
        "poll 127.0.0.1 protocol pop3 port {port} auth password\n  \
         user alice password secret is alice here\n  \
         fetchall nokeep sslproto '' mda \"(echo 'From fetchmail'; cat; echo) >> {mbox}\"\n",
        port = server.local_addr().port(),
        mbox = mbox.display()
    );
    fs::write(&rc, config).unwrap();
    fs::set_permissions(&rc, fs::Permissions::from_mode(0o600)).unwrap();
    let home = work.path().to_str().unwrap();
    let out = std::process::Command::new(super::require("fetchmail"))
        .args([
            "--fetchmailrc",
            rc.to_str().unwrap(),
            "--nodetach",
            "--silent",
        ])
        .args(["--pidfile", &format!("{home}/pid")])
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fetchmail failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let inbox = fs::read_to_string(&mbox).unwrap();
    assert_eq!(inbox.matches("From fetchmail\n").count(), 2, "{inbox}");
    assert!(inbox.contains("Subject: second"), "{inbox}");
    // DELE for each, then QUIT: both gone.
    assert_eq!(messages_left(root.path()), 0);
}

#[test]
fn getmail_delivers_both_messages_and_deletes_them() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let work = tempfile::tempdir().unwrap();
    let inbox = work.path().join("inbox");
    // An external delivery command: getmail refuses to write a Maildir
    // as root, and CI may run as root.
    let config = format!(
        "[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = {port}\n\
         username = alice\npassword = secret\n\n\
         [destination]\ntype = MDA_external\npath = /bin/sh\n\
         arguments = (\"-c\", \"cat >> {inbox}\")\nallow_root_commands = true\n\n\
         [options]\ndelete = true\nread_all = true\n",
        port = server.local_addr().port(),
        inbox = inbox.display()
    );
    fs::write(work.path().join("getmailrc"), config).unwrap();
    let out = run(
        "getmail",
        &[
            "--getmaildir",
            work.path().to_str().unwrap(),
            "--rcfile",
            "getmailrc",
        ],
        b"",
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("2 messages"), "{report}");
    let inbox = fs::read_to_string(&inbox).unwrap();
    assert!(inbox.contains("Subject: hello"), "{inbox}");
    assert!(
        inbox.contains("\n.a line that starts with a dot\n"),
        "{inbox}"
    );
    assert!(inbox.contains("Subject: second"), "{inbox}");
    assert_eq!(messages_left(root.path()), 0);
}

const POPLIB_APOP: &str = r#"
import poplib, sys
pop = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
try:
    pop.apop("alice", "secret")
    print("apop accepted")
except poplib.error_proto as error:
    print("apop refused:", error)
# Sent anyway, APOP gets the server's own refusal.
try:
    pop._shortcmd("APOP alice 0123456789abcdef0123456789abcdef")
    print("apop accepted")
except poplib.error_proto as error:
    print("server:", error.args[0].decode())
# Neither refusal changes the session: USER and PASS still work.
pop.user("alice")
print(pop.pass_("secret").decode())
print(pop.quit().decode())
"#;

#[test]
fn python_poplib_apop_fails_cleanly_and_user_pass_still_works() {
    // The greeting has no <timestamp> (RFC 1939 §7), which tells a client
    // that APOP is not offered: poplib refuses it without sending it.
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    assert_eq!(
        python(POPLIB_APOP, &[&port]),
        "apop refused: -ERR APOP not supported by server\n\
         server: -ERR not offered here: log in with USER and PASS\n\
         +OK maildrop has 2 messages (170 octets)\n\
         +OK goodbye (2 messages left)\n"
    );
}

#[test]
fn curl_sends_top_and_dele_as_custom_commands() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let url = format!("pop3://127.0.0.1:{}/", server.local_addr().port());
    let top = run(
        "curl",
        &["-sS", "-u", "alice:secret", &url, "-X", "TOP 1 0"],
        b"",
    );
    assert_eq!(
        String::from_utf8_lossy(&top.stdout),
        "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: hello\r\n\r\n"
    );
    // DELE has a one-line answer: -I tells curl to expect no body.
    run(
        "curl",
        &[
            "-sS",
            "-u",
            "alice:secret",
            &format!("{url}2"),
            "-X",
            "DELE",
            "-I",
        ],
        b"",
    );
    assert_eq!(messages_left(root.path()), 1);
}

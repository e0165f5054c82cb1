//! Chapter 11's POP3 server against real clients: python3's `poplib`,
//! curl and fetchmail. The server runs in this process, on a free port,
//! over Maildirs in a temporary directory.

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

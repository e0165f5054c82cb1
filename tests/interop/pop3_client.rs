//! Chapter 11's POP3 client against a real server: Dovecot, started by the
//! test on loopback with a configuration of its own (plain-text logins, a
//! passwd-file user, Maildir), and stopped at the end.

use super::require;
use netlessons::pop3::client::{Options, Pop3Client, Pop3Error};
use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The messages alice finds, as files with LF line ends, as a Maildir
/// holds them.
const MESSAGES: [&[u8]; 2] = [
    b"From: bob@example.test\nSubject: hello\n\nhi alice\n.a line that starts with a dot\n",
    b"Subject: second\n\none\ntwo\n",
];

/// Dovecot serving alice's Maildir under `dir`; stopped when dropped.
struct Dovecot {
    child: Child,
    port: u16,
}

impl Dovecot {
    fn start(dir: &Path) -> Dovecot {
        let dovecot = require("dovecot");
        // The mail files belong to an unprivileged user, as Dovecot will
        // not read mail as root.
        let nobody = 65534;
        let maildir = dir.join("mail/alice");
        for folder in ["new", "cur", "tmp"] {
            fs::create_dir_all(maildir.join(folder)).unwrap();
        }
        for (n, message) in MESSAGES.iter().enumerate() {
            let path = maildir.join(format!("new/{}.M{n}P1Q{n}.test", 1_764_585_600 + n));
            fs::write(path, message).unwrap();
        }
        for entry in walk(&dir.join("mail")) {
            std::os::unix::fs::chown(&entry, Some(nobody), Some(nobody))
                .expect("the test must run as root to give the mail to nobody");
        }
        // Dovecot cannot be told port 0: take a free port and hand it over.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.display();
        fs::write(
            dir.join("passwd"),
            format!("alice:{{PLAIN}}secret:{nobody}:{nobody}::{d}/mail/alice\n"),
        )
        .unwrap();
        fs::create_dir(dir.join("run")).unwrap();
        let config = format!(
            "protocols = pop3\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/run\n\
             log_path = /dev/stderr\nssl = no\ndisable_plaintext_auth = no\n\
             mail_location = maildir:{d}/mail/%u\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = {d}/passwd\n}}\n\
             userdb {{\n  driver = passwd-file\n  args = {d}/passwd\n}}\n\
             service pop3-login {{\n  chroot =\n  inet_listener pop3 {{\n    port = {port}\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        let conf = dir.join("dovecot.conf");
        fs::write(&conf, config).unwrap();
        let child = Command::new(dovecot)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start dovecot: {error}"));
        // Dovecot binds its port a moment after it starts: wait for the
        // port to answer, no longer than the timeout.
        let deadline = Instant::now() + TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "dovecot did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        Dovecot { child, port }
    }
}

impl Dovecot {
    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `root` and every file and folder below it.
fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = vec![root.to_path_buf()];
    if root.is_dir() {
        for entry in fs::read_dir(root).unwrap() {
            found.extend(walk(&entry.unwrap().path()));
        }
    }
    found
}

#[test]
fn the_client_fetches_and_deletes_from_dovecot() {
    let dir = tempfile::tempdir().unwrap();
    let dovecot = Dovecot::start(dir.path());
    let options = Options::default();
    let mut client = Pop3Client::connect(dovecot.addr(), options).unwrap();
    client.login("alice", "secret").unwrap();
    let capabilities = client.capa().unwrap();
    assert!(capabilities.iter().any(|c| c == "UIDL"), "{capabilities:?}");
    let list = client.list().unwrap();
    assert_eq!(list.len(), 2);
    let uids = client.uidl().unwrap();
    assert_eq!(uids.len(), 2);
    for (n, expected) in MESSAGES.iter().enumerate() {
        let number = n as u32 + 1;
        let mut message = Vec::new();
        let length = client.retr(number, &mut message).unwrap();
        let expected = String::from_utf8_lossy(expected).replace('\n', "\r\n");
        assert_eq!(String::from_utf8_lossy(&message), expected);
        assert_eq!(length, list[n].1, "RETR gives LIST's size");
    }
    let mut top = Vec::new();
    client.top(1, 0, &mut top).unwrap();
    assert_eq!(top, b"From: bob@example.test\r\nSubject: hello\r\n\r\n");
    let error = client.retr(9, Vec::new()).unwrap_err();
    assert!(matches!(error, Pop3Error::Refused { .. }), "{error:?}");
    client.dele(1).unwrap();
    client.quit().unwrap();
    // Dovecot removed the message at QUIT.
    let mut client = Pop3Client::connect(dovecot.addr(), Options::default()).unwrap();
    client.login("alice", "secret").unwrap();
    assert_eq!(client.stat().unwrap().0, 1);
    client.quit().unwrap();
}

#[test]
fn a_wrong_password_is_a_refusal_from_dovecot() {
    let dir = tempfile::tempdir().unwrap();
    let dovecot = Dovecot::start(dir.path());
    let mut client = Pop3Client::connect(dovecot.addr(), Options::default()).unwrap();
    let error = client.login("alice", "wrong").unwrap_err();
    let Pop3Error::Refused { command, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(command, "PASS ****");
}

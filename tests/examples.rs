//! The chapter examples as a user runs them: their exit status and what
//! they print, from the compiled example programs that `cargo test` builds
//! beside the tests.

use std::fs;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

/// The compiled example `name` (`"03-udp"`): `cargo test` builds every
/// example into `target/debug/examples/`, next to the tests' own folder.
fn example(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the test knows its own path");
    let profile = test
        .parent()
        .and_then(|deps| deps.parent())
        .expect("tests run from target/PROFILE/deps");
    let path = profile.join("examples").join(name);
    let built = fs::metadata(&path).and_then(|meta| meta.modified());
    let built = built.unwrap_or_else(|_| panic!("{} is not built: {REBUILD}", path.display()));
    // `cargo test --test examples` alone does not build the examples: make
    // sure this is not the program as it was before the last change.
    // Its sources are the crate and its own main.rs: not the lesson or the
    // exercise beside it, which a learner edits and which no build of the
    // example would ever make older than it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        root.join("src"),
        root.join("lessons").join(name).join("main.rs"),
    ];
    if let Some(newer) = sources.iter().find_map(|source| newer_file(source, built)) {
        panic!(
            "{} is older than {}: {REBUILD}",
            path.display(),
            newer.display()
        );
    }
    path
}

/// What to run when an example is missing or out of date.
const REBUILD: &str = "run `cargo test` (which builds the examples) or `cargo build --examples`";

/// `path`, or a file under it if it is a folder, changed after `time`.
fn newer_file(path: &Path, time: SystemTime) -> Option<PathBuf> {
    if path.is_file() {
        let changed = fs::metadata(path).and_then(|m| m.modified());
        return changed.is_ok_and(|m| m > time).then(|| path.to_path_buf());
    }
    for entry in fs::read_dir(path).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = newer_file(&path, time) {
                return Some(found);
            }
        } else if entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|m| m > time)
        {
            return Some(path);
        }
    }
    None
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name))
        .args(args)
        .output()
        .expect("the example starts")
}

#[test]
fn a_wrong_command_line_exits_2_with_the_usage() {
    let output = run("03-udp", &["bogus"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("03-udp: unknown command \"bogus\"\nusage:"),
        "{stderr}"
    );
}

#[test]
fn help_exits_0_and_prints_the_usage_on_stdout() {
    for args in [&["--help"][..], &["client", "--help"]] {
        let output = run("03-udp", args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(output.stdout.starts_with(b"usage: 03-udp"), "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn help_to_a_closed_stdout_exits_0_without_a_panic() {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    // As `--help | head -1` leaves it: the reader of standard output has
    // gone, and every write fails with a broken pipe. The reader is closed
    // before the example starts, so there is no race.
    let examples = [
        "01-addresses",
        "02-tcp",
        "03-udp",
        "04-dns",
        "05-http-client",
        "06-http-server",
        "07-rest-api",
        "08-ftp-client",
        "09-ftp-server",
        "10-smtp",
        "11-pop3",
    ];
    for name in examples {
        let (writer, reader) = UnixStream::pair().expect("a socket pair");
        drop(reader);
        let output = Command::new(example(name))
            .arg("--help")
            .stdout(OwnedFd::from(writer))
            .output()
            .expect("the example starts");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn a_usage_error_to_a_closed_stderr_exits_2_without_a_panic() {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    // `08-ftp-client http://x/ ls 2>&1 | head -1`, with the reader gone:
    // the message and the usage cannot be written, and the exit status
    // must still say "usage error", not "panicked".
    let (writer, reader) = UnixStream::pair().expect("a socket pair");
    drop(reader);
    let output = Command::new(example("08-ftp-client"))
        .args(["http://x/", "ls"])
        .stderr(OwnedFd::from(writer))
        .output()
        .expect("the example starts");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn a_ping_that_gets_no_reply_exits_1_after_its_statistics() {
    // A bound socket that never answers: every ping is lost, nothing fails.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = silent.local_addr().unwrap().to_string();
    let output = run(
        "03-udp",
        &["client", &target, "--count", "1", "--timeout", "100"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 packets transmitted, 0 received"),
        "{stdout}"
    );
    assert!(
        output.stderr.is_empty(),
        "no error message: the run did not fail, it got no reply"
    );
}

#[test]
fn a_ping_that_gets_a_reply_exits_0() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    // One echo, by hand: the example's own server is not what is tested.
    let echo = std::thread::spawn(move || {
        let mut buf = [0; 64];
        let (n, from) = socket.recv_from(&mut buf).unwrap();
        socket.send_to(&buf[..n], from).unwrap();
    });
    let output = run(
        "03-udp",
        &[
            "client",
            &addr.to_string(),
            "--count",
            "1",
            "--timeout",
            "2000",
        ],
    );
    echo.join().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

// ---- 08-ftp-client, against the crate's own FTP server ------------------

/// The crate's FTP server on a port the system picks, serving a fresh
/// directory to alice (and to anonymous, read-only), and a fresh local
/// directory for the client to run in.
struct FtpFixture {
    server: netlessons::serve::ServerHandle,
    root: tempfile::TempDir,
    local: tempfile::TempDir,
}

impl FtpFixture {
    fn start() -> FtpFixture {
        use netlessons::ftp::server::FtpHandler;
        use netlessons::ftp::session::Users;
        let root = tempfile::tempdir().unwrap();
        let local = tempfile::tempdir().unwrap();
        let users = Users::new()
            .with_user("alice", "secret")
            .with_user("bob@home", "p:w d")
            .with_anonymous();
        let handler = FtpHandler::new(root.path(), users).unwrap();
        let server = netlessons::serve::Server::bind("127.0.0.1:0")
            .unwrap()
            .spawn(handler)
            .unwrap();
        FtpFixture {
            server,
            root,
            local,
        }
    }

    /// The server's URL, logged in as alice.
    fn url(&self) -> String {
        format!("ftp://alice:secret@{}/", self.server.local_addr())
    }

    /// Runs the client in the local directory: `08-ftp-client URL args...`.
    fn run(&self, url: &str, args: &[&str]) -> Output {
        Command::new(example("08-ftp-client"))
            .arg(url)
            .args(args)
            .current_dir(self.local.path())
            .output()
            .expect("the example starts")
    }

    /// Runs the client as alice and expects it to succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(&self.url(), args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

/// `count` bytes that are not all alike, more than the client's buffer.
fn ftp_file_bytes(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn ftp_put_uploads_a_local_file_and_ls_lists_it() {
    let ftp = FtpFixture::start();
    fs::write(ftp.local.path().join("notes.txt"), "buy milk\n").unwrap();
    fs::create_dir(ftp.root.path().join("pub")).unwrap();
    assert_eq!(
        ftp.ok(&["put", "notes.txt"]),
        "notes.txt -> notes.txt: 9 bytes\n"
    );
    assert_eq!(
        fs::read(ftp.root.path().join("notes.txt")).unwrap(),
        b"buy milk\n"
    );
    assert_eq!(
        ftp.ok(&["ls"]),
        "-            9 notes.txt\nd              pub\n"
    );
}

#[test]
fn ftp_get_downloads_every_byte() {
    let ftp = FtpFixture::start();
    let file = ftp_file_bytes(200_000);
    fs::write(ftp.root.path().join("big.bin"), &file).unwrap();
    assert_eq!(
        ftp.ok(&["get", "big.bin", "copy.bin"]),
        "big.bin -> copy.bin: 200000 bytes\n"
    );
    assert!(fs::read(ftp.local.path().join("copy.bin")).unwrap() == file);
}

#[test]
fn ftp_get_in_active_mode_downloads_every_byte() {
    let ftp = FtpFixture::start();
    let file = ftp_file_bytes(70_000);
    fs::write(ftp.root.path().join("big.bin"), &file).unwrap();
    let output = ftp.run(&ftp.url(), &["get", "big.bin", "--active", "--trace"]);
    let trace = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{trace}");
    assert!(trace.contains("C: EPRT |1|127.0.0.1|"), "{trace}");
    assert!(trace.contains("70000 bytes to the client"), "{trace}");
    assert!(fs::read(ftp.local.path().join("big.bin")).unwrap() == file);
}

#[test]
fn ftp_get_resume_asks_only_for_the_rest() {
    let ftp = FtpFixture::start();
    let file = ftp_file_bytes(100_000);
    fs::write(ftp.root.path().join("big.bin"), &file).unwrap();
    // A download cut off after its first 30 000 bytes.
    fs::write(ftp.local.path().join("big.bin"), &file[..30_000]).unwrap();
    let output = ftp.run(&ftp.url(), &["get", "big.bin", "--resume", "--trace"]);
    let trace = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{trace}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "big.bin -> big.bin: 70000 bytes, after the 30000 already there\n"
    );
    assert!(trace.contains("C: REST 30000\nS: 350 "), "{trace}");
    assert!(fs::read(ftp.local.path().join("big.bin")).unwrap() == file);
    // Once complete, a second resume asks for nothing.
    assert_eq!(
        ftp.ok(&["get", "big.bin", "--resume"]),
        "big.bin: already complete, 100000 bytes\n"
    );
}

#[test]
fn ftp_size_prints_the_bytes() {
    let ftp = FtpFixture::start();
    fs::write(ftp.root.path().join("notes.txt"), "buy milk\n").unwrap();
    assert_eq!(ftp.ok(&["size", "notes.txt"]), "9\n");
}

#[test]
fn ftp_mkdir_mv_rm_rmdir_change_the_servers_directory() {
    let ftp = FtpFixture::start();
    let root = ftp.root.path();
    fs::write(root.join("notes.txt"), "buy milk\n").unwrap();
    assert_eq!(ftp.ok(&["mkdir", "old"]), "/old\n");
    assert!(root.join("old").is_dir());
    ftp.ok(&["mv", "notes.txt", "old/notes.txt"]);
    assert!(!root.join("notes.txt").exists());
    assert_eq!(fs::read(root.join("old/notes.txt")).unwrap(), b"buy milk\n");
    ftp.ok(&["rm", "old/notes.txt"]);
    assert!(!root.join("old/notes.txt").exists());
    ftp.ok(&["rmdir", "old"]);
    assert!(!root.join("old").exists());
}

#[test]
fn ftp_a_refused_get_exits_1_with_the_code_and_leaves_no_file() {
    let ftp = FtpFixture::start();
    let output = ftp.run(&ftp.url(), &["get", "missing.txt"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "08-ftp-client: the server refused RETR missing.txt: 550 No such file or directory\n"
    );
    assert!(
        !ftp.local.path().join("missing.txt").exists(),
        "no empty file is left behind"
    );
}

#[test]
fn ftp_a_wrong_password_exits_1_without_showing_it() {
    let ftp = FtpFixture::start();
    let url = format!("ftp://alice:hunter2@{}/", ftp.server.local_addr());
    let output = ftp.run(&url, &["ls"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("08-ftp-client: the server refused PASS ****: 530 "),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn ftp_a_bad_url_or_command_exits_2_with_the_usage() {
    let ftp = FtpFixture::start();
    let addr = ftp.server.local_addr();
    let table = [
        ("http://127.0.0.1/", vec!["ls"], "is not an ftp:// URL"),
        ("ftp://[::1/", vec!["ls"], "ftp://[::1/: "),
        ("ftp://h/a%zz/", vec!["ls"], "ftp://h/a%zz/: "),
        (
            &format!("ftp://{addr}/") as &str,
            vec![],
            "after the URL, a command",
        ),
        (
            &format!("ftp://{addr}/"),
            vec!["frob"],
            "unknown command \"frob\"",
        ),
        (
            &format!("ftp://{addr}/"),
            vec!["mv", "a"],
            "mv takes mv FROM TO",
        ),
        (
            &format!("ftp://{addr}/"),
            vec!["ls", "--resume"],
            "--resume is for get only",
        ),
    ];
    for (url, args, says) in table {
        let output = ftp.run(url, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{url} {args:?}: {stderr}");
        assert!(stderr.starts_with("08-ftp-client: "), "{stderr}");
        assert!(stderr.contains(says), "{url} {args:?}: {stderr}");
        assert!(stderr.contains("\nusage: 08-ftp-client"), "{stderr}");
    }
}

#[test]
fn ftp_the_url_is_percent_decoded_and_anonymous_by_default() {
    let ftp = FtpFixture::start();
    let addr = ftp.server.local_addr();
    fs::create_dir(ftp.root.path().join("my docs")).unwrap();
    fs::write(ftp.root.path().join("my docs/a.txt"), "a").unwrap();
    // bob@home's password is "p:w d": '@', ':' and ' ' encoded (RFC 3986 §3.2.1).
    let bob = format!("ftp://bob%40home:p%3Aw%20d@{addr}/my%20docs/");
    let output = ftp.run(&bob, &["ls"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "-            1 a.txt\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // No user in the URL: anonymous, who may read but not write here.
    let anonymous = format!("ftp://{addr}/my%20docs/");
    let output = ftp.run(&anonymous, &["ls", "--trace"]);
    let trace = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{trace}");
    assert!(trace.contains("C: USER anonymous\n"), "{trace}");
    assert!(trace.contains("C: CWD my docs\n"), "{trace}");
    let output = ftp.run(&anonymous, &["rm", "a.txt"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(": 550 "));
}

#[test]
fn ftp_trace_shows_the_control_connection_with_the_password_hidden() {
    let ftp = FtpFixture::start();
    let output = ftp.run(&ftp.url(), &["ls", "--trace"]);
    let trace = String::from_utf8_lossy(&output.stderr);
    assert!(
        trace.starts_with("S: 220 ") && trace.contains("\nC: USER alice\n"),
        "{trace}"
    );
    assert!(trace.contains("\nC: PASS ****\n"), "{trace}");
    assert!(!trace.contains("secret"), "{trace}");
    assert!(trace.ends_with("C: QUIT\nS: 221 Goodbye\n"), "{trace}");
}

#[test]
fn ftp_ls_escapes_control_characters_in_names() {
    // A name is the server's to choose; an escape sequence in it must not
    // reach the terminal as one (ESC [ 2 J clears the screen).
    let ftp = FtpFixture::start();
    fs::write(ftp.root.path().join("clear\x1b[2J.txt"), "").unwrap();
    assert_eq!(ftp.ok(&["ls"]), "-            0 \"clear\\u{1b}[2J.txt\"\n");
}

/// A running `09-ftp-server serve`, killed when dropped.
struct RunningServer {
    child: std::process::Child,
    addr: String,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `09-ftp-server serve ARGS --port 0`.
fn serve_ftp(args: &[&str]) -> RunningServer {
    serve_example("09-ftp-server", args)
}

/// Starts the example `name` as `serve ARGS --port 0` and reads the
/// address from its first line, `listening on ADDR`, as scripts do.
fn serve_example(name: &str, args: &[&str]) -> RunningServer {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut child = Command::new(example(name))
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints a line");
    let addr = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the first line is `listening on ADDR`: {line:?}"))
        .to_string();
    RunningServer { child, addr }
}

#[test]
fn the_ftp_server_serves_a_user_from_the_command_line() {
    use netlessons::ftp::client::{FtpClient, Options};
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("hello.txt"), b"hello over ftp\n").unwrap();
    let root_arg = root.path().to_str().unwrap();
    let server = serve_ftp(&["--root", root_arg, "--user", "alice:secret"]);
    let mut client = FtpClient::connect(server.addr.as_str(), Options::default()).unwrap();
    client.login("alice", "secret").unwrap();
    assert_eq!(client.nlst("").unwrap(), ["hello.txt"]);
    let mut bytes = Vec::new();
    client.retr("hello.txt", &mut bytes, None).unwrap();
    assert_eq!(bytes, b"hello over ftp\n");
    client.stor("new.txt", &b"uploaded"[..]).unwrap();
    assert_eq!(fs::read(root.path().join("new.txt")).unwrap(), b"uploaded");
}

#[test]
fn the_ftp_servers_anonymous_login_reads_but_does_not_write() {
    use netlessons::ftp::client::{FtpClient, Options};
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("public.txt"), b"for anyone").unwrap();
    let root_arg = root.path().to_str().unwrap();
    let server = serve_ftp(&["--root", root_arg, "--anonymous"]);
    let mut client = FtpClient::connect(server.addr.as_str(), Options::default()).unwrap();
    client.login("anonymous", "guest@example.com").unwrap();
    let mut bytes = Vec::new();
    client.retr("public.txt", &mut bytes, None).unwrap();
    assert_eq!(bytes, b"for anyone");
    assert!(client.stor("planted.txt", &b"no"[..]).is_err());
    assert!(!root.path().join("planted.txt").exists());
}

#[test]
fn the_ftp_server_without_a_login_or_a_root_is_a_usage_error() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let table: [(&[&str], &str); 4] = [
        (
            &["serve", "--root", root_arg],
            "serve needs --user NAME:PASS or --anonymous: otherwise nobody could log in",
        ),
        (
            &["serve", "--root", root_arg, "--user", "alice"],
            "--user \"alice\": write it NAME:PASSWORD, as in --user alice:secret",
        ),
        (
            &["serve", "--user", "alice:secret"],
            "serve needs --root DIR: the directory to serve",
        ),
        (
            &["serve", "--root", root_arg, "--anonymus"],
            "unknown option --anonymus",
        ),
    ];
    for (args, message) in table {
        let output = run("09-ftp-server", args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("09-ftp-server: {message}\nusage:")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn the_ftp_server_refuses_a_root_that_is_not_a_directory_before_it_listens() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("a-file");
    fs::write(&file, b"not a directory").unwrap();
    for missing in [file, root.path().join("missing")] {
        let root_arg = missing.to_str().unwrap();
        let output = run(
            "09-ftp-server",
            &["serve", "--root", root_arg, "--anonymous", "--port", "0"],
        );
        assert_eq!(output.status.code(), Some(1), "{root_arg}");
        assert!(output.stdout.is_empty(), "no `listening on`: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("09-ftp-server: cannot serve --root {root_arg}: ")),
            "{stderr}"
        );
    }
}

// ---- 10-smtp: serve, then send to it --------------------------------

/// A running `10-smtp serve` for alice and bob at example.test, and the
/// folder that holds their Maildirs.
struct SmtpFixture {
    server: RunningServer,
    maildirs: tempfile::TempDir,
}

impl SmtpFixture {
    fn start() -> SmtpFixture {
        let maildirs = tempfile::tempdir().unwrap();
        let root = maildirs.path().to_str().unwrap();
        let server = serve_example(
            "10-smtp",
            &[
                "--domain",
                "example.test",
                "--maildir-root",
                root,
                "--user",
                "alice:secret",
                "--user",
                "bob:hunter2",
            ],
        );
        SmtpFixture { server, maildirs }
    }

    /// Runs `10-smtp send --server ADDR --from me@home.test ARGS`, with
    /// `body` on its standard input.
    fn send(&self, args: &[&str], body: &[u8]) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = Command::new(example("10-smtp"))
            .args(["send", "--server", &self.server.addr])
            .args(["--from", "me@home.test"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(body).expect("the body is written");
        drop(stdin);
        child.wait_with_output().expect("the example ends")
    }

    /// The messages in `user`'s `new/`, as text.
    fn delivered(&self, user: &str) -> Vec<String> {
        let new = self.maildirs.path().join(user).join("new");
        let Ok(entries) = fs::read_dir(new) else {
            return Vec::new();
        };
        let read = |entry: fs::DirEntry| fs::read_to_string(entry.path()).unwrap();
        entries.map(|entry| read(entry.unwrap())).collect()
    }
}

#[test]
fn smtp_send_prints_each_recipient_and_exits_1_when_one_is_refused() {
    let smtp = SmtpFixture::start();
    let output = smtp.send(
        &[
            "--to",
            "alice@example.test",
            "--to",
            "bob@example.test",
            "--to",
            "nobody@example.test",
            "--subject",
            "Lunch",
        ],
        b"Hello,\n.a line that starts with a dot\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "alice@example.test: accepted (250 2.1.5 recipient <alice@example.test> OK)\n\
         bob@example.test: accepted (250 2.1.5 recipient <bob@example.test> OK)\n\
         nobody@example.test: refused (550 5.1.1 <nobody@example.test>: no such user here)\n"
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    // Both accepted recipients have the message, its dot line unstuffed.
    for user in ["alice", "bob"] {
        let messages = smtp.delivered(user);
        assert_eq!(messages.len(), 1, "{user}: {messages:?}");
        let message = &messages[0];
        assert!(
            message.starts_with("Return-Path: <me@home.test>\n"),
            "{message}"
        );
        assert!(message.contains("\nSubject: Lunch\n"), "{message}");
        assert!(
            message.ends_with("\n\nHello,\n.a line that starts with a dot\n"),
            "{message}"
        );
    }
}

#[test]
fn smtp_send_exits_0_when_every_recipient_is_accepted() {
    let smtp = SmtpFixture::start();
    let output = smtp.send(&["--to", "alice@example.test"], b"Hi Alice.\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "alice@example.test: accepted (250 2.1.5 recipient <alice@example.test> OK)\n"
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(smtp.delivered("alice").len(), 1);
    assert!(smtp.delivered("bob").is_empty());
}

#[test]
fn smtp_send_to_nobody_it_may_deliver_to_exits_1_and_says_why() {
    let smtp = SmtpFixture::start();
    let output = smtp.send(&["--to", "victim@elsewhere.test"], b"Relay this.\n");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "10-smtp: the server refused every recipient, so nothing was sent:\n  \
         victim@elsewhere.test: refused (550 5.7.1 <victim@elsewhere.test>: relaying denied; \
         this server takes mail for its own domains only)\n"
    );
    assert!(smtp.delivered("alice").is_empty());
}

#[test]
fn the_smtp_examples_usage_errors_exit_2_with_the_usage() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let table: [(&[&str], &str); 10] = [
        (
            &["send", "--from", "me@home.test", "--to", "a@b.test"],
            "send needs --server HOST:PORT",
        ),
        (
            &["send", "--server", "127.0.0.1:1", "--to", "a@b.test"],
            "send needs --from ADDRESS",
        ),
        (
            &["send", "--server", "127.0.0.1:1", "--from", "me@home.test"],
            "send needs at least one --to ADDRESS",
        ),
        (
            &[
                "send",
                "--server",
                "127.0.0.1:1",
                "--from",
                "me",
                "--to",
                "a@b.test",
            ],
            "\"me\" is not a mail address: the address has no @domain",
        ),
        (
            &["serve", "--maildir-root", root_arg, "--user", "a:b"],
            "serve needs --domain D: whose mail it takes",
        ),
        (
            &["serve", "--domain", "example.test", "--user", "a:b"],
            "serve needs --maildir-root DIR: where the Maildirs go",
        ),
        (
            &[
                "serve",
                "--domain",
                "example.test",
                "--maildir-root",
                root_arg,
            ],
            "serve needs --user NAME:PASS: whose mail to take",
        ),
        (
            &[
                "serve",
                "--domain",
                "example.test",
                "--maildir-root",
                root_arg,
                "--user",
                "../x:pw",
            ],
            "--user ../x: a user name is 1 to 64 letters",
        ),
        (
            &[
                "send",
                "--server",
                "127.0.0.1:1",
                "--from",
                "me@home.test",
                "--to",
                "a@b.test",
                "--subject",
                "hi\r\nBcc: everyone@example.test",
            ],
            "the Subject holds a line break, which would start a header field of its own",
        ),
        (&["frob"], "unknown command \"frob\""),
    ];
    for (args, message) in table {
        let output = run("10-smtp", args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("10-smtp: {message}")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("\nusage: 10-smtp"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: no `listening on`");
    }
    // Nothing was made where the Maildirs would go.
    assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
}

// ---- 11-pop3: serve, and fetch from it ----------------------------------

/// A message as chapter 10's server stores it: LF line ends, a line that
/// starts with a dot, and one that starts with `From `.
const POP3_MESSAGE: &[u8] = b"From: bob@home.test\nSubject: Lunch\n\nHello Alice,\n.see you at noon\nFrom the office, Bob\n";

/// `11-pop3 serve` over a Maildir root where alice has [`POP3_MESSAGE`].
struct Pop3Fixture {
    server: RunningServer,
    root: tempfile::TempDir,
}

impl Pop3Fixture {
    fn start() -> Pop3Fixture {
        let root = tempfile::tempdir().unwrap();
        netlessons::maildir::Maildir::create(root.path().join("alice"))
            .unwrap()
            .deliver(POP3_MESSAGE)
            .unwrap();
        let root_arg = root.path().to_str().unwrap();
        let server = serve_example(
            "11-pop3",
            &["--maildir-root", root_arg, "--user", "alice:secret"],
        );
        Pop3Fixture { server, root }
    }

    fn url(&self, password: &str) -> String {
        format!("pop3://alice:{password}@{}/", self.server.addr)
    }

    /// The messages alice still has on the server.
    fn left_on_the_server(&self) -> usize {
        netlessons::maildir::Maildir::open(self.root.path().join("alice"))
            .unwrap()
            .list()
            .unwrap()
            .len()
    }
}

/// The size of [`POP3_MESSAGE`] on the wire: each LF sent as CR LF.
fn pop3_wire_size() -> usize {
    POP3_MESSAGE.len() + POP3_MESSAGE.iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn pop3_fetch_keep_writes_an_mbox_and_leaves_the_mail() {
    let pop3 = Pop3Fixture::start();
    let output = run("11-pop3", &["fetch", &pop3.url("secret"), "--keep"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let mbox = String::from_utf8(output.stdout).unwrap();
    // The From line carries the time of the fetch: its form, then the rest.
    let (from_line, rest) = mbox.split_once('\n').unwrap();
    assert!(from_line.starts_with("From MAILER-DAEMON "), "{from_line}");
    assert_eq!(
        rest,
        "From: bob@home.test\nSubject: Lunch\n\nHello Alice,\n.see you at noon\n>From the office, Bob\n\n"
    );
    assert_eq!(
        stderr,
        format!("fetched 1 messages ({} octets)\n", pop3_wire_size())
    );
    assert_eq!(pop3.left_on_the_server(), 1);
}

#[test]
fn pop3_fetch_to_stdout_writes_an_mbox_and_deletes_nothing() {
    // Without --keep too: bytes written to standard output may never
    // reach a disk, so the server keeps the message.
    let pop3 = Pop3Fixture::start();
    let output = run("11-pop3", &["fetch", &pop3.url("secret")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.starts_with(b"From MAILER-DAEMON "));
    assert_eq!(pop3.left_on_the_server(), 1);
}

#[test]
fn pop3_fetch_to_a_maildir_stores_then_deletes() {
    let pop3 = Pop3Fixture::start();
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("inbox");
    let output = run(
        "11-pop3",
        &[
            "fetch",
            &pop3.url("secret"),
            "--to-maildir",
            dir.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert_eq!(
        stderr,
        format!(
            "fetched and deleted 1 messages ({} octets)\n",
            pop3_wire_size()
        )
    );
    // The local Maildir holds the message as the server's file held it,
    // Unix line ends and all; the server's copy is gone.
    let stored = netlessons::maildir::Maildir::open(&dir)
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(fs::read(&stored[0].path).unwrap(), POP3_MESSAGE);
    assert_eq!(pop3.left_on_the_server(), 0);
}

#[test]
fn pop3_fetch_to_a_maildir_with_keep_deletes_nothing() {
    let pop3 = Pop3Fixture::start();
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("inbox");
    let dir_arg = dir.to_str().unwrap();
    let output = run(
        "11-pop3",
        &[
            "fetch",
            &pop3.url("secret"),
            "--to-maildir",
            dir_arg,
            "--keep",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stored = netlessons::maildir::Maildir::open(&dir)
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(pop3.left_on_the_server(), 1);
}

#[test]
fn pop3_fetch_with_a_wrong_password_exits_1_with_the_servers_answer() {
    let pop3 = Pop3Fixture::start();
    let output = run("11-pop3", &["fetch", &pop3.url("hunter2"), "--keep"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "11-pop3: the server refused PASS ****: -ERR [AUTH] invalid user name or password\n"
    );
    assert!(output.stdout.is_empty(), "{output:?}");
    assert_eq!(pop3.left_on_the_server(), 1);
}

#[test]
fn pop3_fetch_trace_shows_the_conversation_with_the_password_hidden() {
    let pop3 = Pop3Fixture::start();
    let output = run(
        "11-pop3",
        &["fetch", &pop3.url("secret"), "--keep", "--trace"],
    );
    let trace = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{trace}");
    assert!(
        trace.starts_with("S: +OK netlessons POP3 server ready\nC: USER alice\n"),
        "{trace}"
    );
    assert!(trace.contains("\nC: PASS ****\n"), "{trace}");
    assert!(!trace.contains("secret"), "{trace}");
    // The dot line travels stuffed.
    assert!(trace.contains("\nS: ..see you at noon\n"), "{trace}");
    assert!(
        trace.contains("\nC: QUIT\nS: +OK goodbye (1 messages left)\n"),
        "{trace}"
    );
}

#[test]
fn pop3_a_bad_command_line_exits_2_with_the_usage() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let table: [(&[&str], &str); 8] = [
        (&["fetch"], "fetch takes one pop3:// URL"),
        (
            &["fetch", "http://alice:secret@127.0.0.1/"],
            "\"http://alice:secret@127.0.0.1/\" is not a pop3:// URL",
        ),
        (
            &["fetch", "pop3://alice@127.0.0.1/"],
            "the URL needs a user and a password: pop3://USER:PASS@HOST/",
        ),
        (
            &["fetch", "pop3://alice:secret@127.0.0.1/", "--frob"],
            "unknown option --frob",
        ),
        (
            &["serve", "--user", "alice:secret"],
            "serve needs --maildir-root DIR: where the Maildirs are",
        ),
        (
            &["serve", "--maildir-root", root_arg],
            "serve needs --user NAME:PASS: whose mail to serve",
        ),
        (
            &["serve", "--maildir-root", root_arg, "--user", "../x:secret"],
            "--user ../x: ",
        ),
        (&["frob"], "unknown command \"frob\""),
    ];
    for (args, message) in table {
        let output = run("11-pop3", args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("11-pop3: {message}")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("\nusage: 11-pop3"), "{args:?}: {stderr}");
    }
}

#[test]
fn pop3_fetch_stores_in_a_maildir_any_message_it_accepts() {
    // A message over the Maildir's default limit (32 MiB) but under the
    // client's (64 MiB): once fetched, it must be stored, or no fetch
    // would ever get past it and the mailbox would stay stuck.
    let pop3 = Pop3Fixture::start();
    let limit = netlessons::maildir::MAX_MESSAGE_LEN as usize;
    let mut big = b"Subject: big\n\n".to_vec();
    big.resize(limit + 1024, b'x');
    big.push(b'\n');
    fs::write(
        pop3.root.path().join("alice/new/1764585600.M1P1Q1.big"),
        &big,
    )
    .unwrap();
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("inbox");
    let output = run(
        "11-pop3",
        &[
            "fetch",
            &pop3.url("secret"),
            "--to-maildir",
            dir.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stored = netlessons::maildir::Maildir::open(&dir)
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(stored.len(), 2, "{stderr}");
    assert_eq!(pop3.left_on_the_server(), 0);
}

#[test]
fn pop3_fetch_leaves_a_message_too_large_to_keep_and_fetches_the_others() {
    // One message past the client's limit (64 MiB) must not stop the rest
    // from coming, run after run: it is named, left on the server, and
    // the others are fetched and deleted.
    let pop3 = Pop3Fixture::start();
    let limit = netlessons::pop3::client::DEFAULT_MAX_MESSAGE_LEN as usize;
    let mut huge = b"Subject: huge\n\n".to_vec();
    huge.resize(limit + 1024, b'x');
    huge.push(b'\n');
    // Named to sort first: the listing is in delivery order.
    let path = pop3.root.path().join("alice/new/1000000000.M1P1Q1.huge");
    fs::write(&path, &huge).unwrap();
    let local = tempfile::tempdir().unwrap();
    let dir = local.path().join("inbox");
    let output = run(
        "11-pop3",
        &[
            "fetch",
            &pop3.url("secret"),
            "--to-maildir",
            dir.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("message 1 (") && stderr.contains("left on the server"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fetched and deleted 1 messages"),
        "{stderr}"
    );
    let stored = netlessons::maildir::Maildir::open(&dir)
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(stored.len(), 1, "{stderr}");
    assert_eq!(fs::read(&stored[0].path).unwrap(), POP3_MESSAGE);
    assert_eq!(pop3.left_on_the_server(), 1);
    assert!(path.exists(), "the huge one is still there");
}

/// The chapter's zone file, from the repository's root.
fn example_zone_path() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("lessons/04-dns/example.test.zone");
    path.to_str().unwrap().to_string()
}

#[test]
fn dns_query_asks_the_served_zone_and_prints_digs_layout() {
    let server = serve_example("04-dns", &["--zone", &example_zone_path()]);
    let output = run(
        "04-dns",
        &["query", "www.example.test", "--server", &server.addr],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: "));
    assert!(
        stdout.contains("\n;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n")
    );
    assert!(stdout.contains("\n;; ANSWER SECTION:\nwww.example.test.\t3600\tIN\tA\t192.0.2.80\n"));
    assert!(stdout.contains(&format!(";; SERVER: {} (UDP)", server.addr)));

    // A name outside the zone: an answer all the same, REFUSED, exit 0 as dig.
    let output = run(
        "04-dns",
        &[
            "query",
            "www.other.test",
            "MX",
            "--server",
            &server.addr,
            "--tcp",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("status: REFUSED"), "{stdout}");
    assert!(stdout.contains("(TCP)"), "{stdout}");
}

#[test]
fn dns_query_trace_dumps_both_messages_with_their_fields() {
    let server = serve_example("04-dns", &["--zone", &example_zone_path()]);
    let output = run(
        "04-dns",
        &[
            "query",
            "web.example.test",
            "CNAME",
            "--server",
            &server.addr,
            "--trace",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with(";; the query ("), "{stdout}");
    assert!(
        stdout.contains("\n000c  03 77 65 62              label \"web\"\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pointer to 000c: web.example.test."),
        "{stdout}"
    );
    assert!(stdout.contains("RDATA www.example.test."), "{stdout}");
}

#[test]
fn dns_serve_refuses_a_bad_zone_naming_file_and_line_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("bad.zone");
    fs::write(
        &zone,
        "$ORIGIN example.test.\n$TTL 1h\n@ SOA ns1 hostmaster 1 2h 1h 2w 5m\n@ NS ns1\nns1 A 300.0.0.1\n",
    )
    .unwrap();
    let zone_arg = zone.to_str().unwrap();
    let output = run("04-dns", &["serve", "--port", "0", "--zone", zone_arg]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("04-dns: {zone_arg}:5: ")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it must not say it is listening");
}

#[test]
fn the_dns_examples_usage_errors_exit_2_with_the_usage() {
    let table: [(&[&str], &str); 7] = [
        (&["serve"], "serve needs --zone FILE"),
        (&["query", "--server", "127.0.0.1:1"], "query needs a NAME"),
        (&["query", "www.example.test"], "--server ADDR is needed"),
        (
            &[
                "query",
                "www.example.test",
                "BOGUS",
                "--server",
                "127.0.0.1:1",
            ],
            "\"BOGUS\" is not a record type",
        ),
        (
            &["query", "www.example.test", "--server", "localhost"],
            "--server \"localhost\": write it IP:PORT",
        ),
        (&["resolve", "www.example.test"], "--root ADDR is needed"),
        (
            &["resolve", "a", "A", "extra", "--root", "127.0.0.1:1"],
            "resolve takes no argument \"extra\"",
        ),
    ];
    for (args, message) in table {
        let output = run("04-dns", args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("04-dns: {message}")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("\nusage: 04-dns"), "{args:?}: {stderr}");
    }
}

/// The chapter 06 server on a free port, serving a 4 KiB `4k.bin`.
fn http_server_of_4k() -> (tempfile::TempDir, netlessons::serve::ServerHandle) {
    use netlessons::http::{files::StaticFiles, server::HttpHandler};
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("4k.bin"), vec![b'x'; 4096]).unwrap();
    let files = StaticFiles::new(root.path()).unwrap();
    let server = netlessons::serve::Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(HttpHandler::new(files))
        .unwrap();
    (root, server)
}

#[test]
fn a_load_run_prints_the_lines_scripts_read_and_its_charts() {
    let (root, server) = http_server_of_4k();
    let url = format!("http://{}/4k.bin", server.local_addr());
    let svg = root.path().join("run.svg");
    let args = [
        "http",
        &url,
        "--connections",
        "1,2",
        "--seconds",
        "0.2",
        "--warmup",
        "0",
    ];
    let output = run(
        "12-measuring",
        &[&args[..], &["--svg", svg.to_str().unwrap()]].concat(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    // One report per connection count, each with every line of the contract.
    let rates: Vec<f64> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("requests/s: "))
        .map(|rate| rate.parse().unwrap())
        .collect();
    assert_eq!(rates.len(), 2, "{stdout}");
    assert!(rates.iter().all(|&rate| rate > 0.0), "{stdout}");
    assert_eq!(stdout.matches("\nerrors: 0\n").count(), 2, "{stdout}");
    for label in ["p50: ", "p90: ", "p99: ", "p99.9: ", "max: "] {
        assert_eq!(
            stdout.matches(&format!("\n{label}")).count(),
            2,
            "{label}{stdout}"
        );
    }
    for chart in ["run.svg", "run-throughput.svg"] {
        let text = fs::read_to_string(root.path().join(chart)).unwrap();
        assert!(text.contains("<svg"), "{chart}: {text}");
    }
}

#[test]
fn a_load_run_with_a_wrong_option_exits_2() {
    let many_counts = vec!["1"; 33].join(",");
    let table: [&[&str]; 12] = [
        &["http", "http://127.0.0.1:1/", "--connections", "0"],
        // More runs than a chart can tell apart, or a user means.
        &["http", "http://127.0.0.1:1/", "--connections", &many_counts],
        // A chart that cannot be written is said before the run, not
        // after ten seconds of it.
        &["http", "http://127.0.0.1:1/", "--svg", "."],
        &[
            "http",
            "http://127.0.0.1:1/",
            "--svg",
            "no-such-folder/chart.svg",
        ],
        // A timeout of nothing cannot be set on a socket: a usage error,
        // not a run that fails to connect.
        &["http", "http://127.0.0.1:1/", "--timeout", "0"],
        &["tcp", "127.0.0.1:1", "--timeout", "-0"],
        // A deadline that far off does not fit in a clock reading.
        &["tcp", "127.0.0.1:1", "--timeout", "1e19"],
        &["http", "http://127.0.0.1:1/", "--rate", "fast"],
        &["http", "http://127.0.0.1:1/", "--seconds", "-1"],
        &["http", "ftp://127.0.0.1:1/"],
        &["tcp", "127.0.0.1:1", "--close"],
        &["dns", "127.0.0.1:1"],
    ];
    for args in table {
        let output = run("12-measuring", args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stderr.starts_with(b"12-measuring: "), "{args:?}");
    }
}

#[test]
fn a_load_run_against_a_closed_port_exits_1_and_says_why() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{addr}/");
    let output = run("12-measuring", &["http", &url, "--seconds", "10"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("12-measuring: cannot connect to {addr}: ")),
        "{stderr}"
    );
}

#[test]
fn a_load_run_where_no_request_succeeds_exits_1_and_says_why() {
    // Every answer a 404 (nginx's for a wrong path): the report is printed,
    // and the exit status says the run measured nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::{BufRead, BufReader, Write};
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        let reply = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
                        if (&stream).write_all(reply).is_err() {
                            return;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    let url = format!("http://{addr}/missing");
    let args = ["http", &url, "--seconds", "0.2", "--warmup", "0"];
    let output = run("12-measuring", &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("\nrequests: 0\n"), "{stdout}");
    assert_eq!(
        stderr,
        "12-measuring: no request succeeded: refused: 404 Not Found\n"
    );
}

#[test]
fn a_load_run_against_a_silent_server_exits_1_and_says_why() {
    // Connections open, nothing ever answers, and the timeout is longer
    // than the run: not one request ends inside it, neither as an answer
    // nor as an error.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let place = addr.to_string();
    let args = ["tcp", &place, "--seconds", "0.2", "--warmup", "0"];
    let output = run("12-measuring", &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "12-measuring: no request was answered within the run's 200 ms\n"
    );
}

#[test]
fn a_server_out_of_file_descriptors_says_so_once_with_what_to_do() {
    use std::io::{BufRead, Read};
    use std::process::Stdio;
    let root = tempfile::tempdir().unwrap();
    // A limit of 32 open files: the server runs out after some 25 clients.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 32 && exec \"$0\" serve --port 0 --root \"$1\"")
        .arg(example("06-http-server"))
        .arg(root.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts the example");
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    // Connections complete in the listen queue whether or not the server
    // can accept them: the clients past its limit wait there.
    let clients: Vec<std::net::TcpStream> = (0..60)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    // Its stderr is read on a thread, so that a server that says nothing
    // fails the test in 10 s instead of hanging it.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut said = String::new();
        let _ = stderr.read_line(&mut said);
        let _ = tx.send(said);
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    });
    let said = rx.recv_timeout(std::time::Duration::from_secs(10));
    let Ok(said) = said else {
        let _ = child.kill();
        panic!("the server said nothing on stderr about running out of file descriptors");
    };
    assert!(
        said.starts_with("cannot accept connections: Too many open files"),
        "{said}"
    );
    assert!(said.contains("ulimit -n"), "{said}");
    assert!(said.contains("--max-connections (now 1024)"), "{said}");
    // One more client waits in vain for a while, as the server keeps
    // failing to accept; the server says nothing more in that time.
    let late = std::net::TcpStream::connect(&addr).unwrap();
    late.set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .unwrap();
    assert!(
        (&late).read(&mut [0; 1]).is_err(),
        "the late client is not served"
    );
    child.kill().unwrap();
    let rest = reader.join().unwrap();
    let _ = child.wait();
    assert!(!rest.contains("cannot accept"), "said again: {rest}");
    drop(clients);
}

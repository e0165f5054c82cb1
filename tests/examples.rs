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
        "05-http-client",
        "06-http-server",
        "07-rest-api",
        "09-ftp-server",
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

/// Starts `09-ftp-server serve ARGS --port 0` and reads the address from
/// its first line, `listening on ADDR`, as scripts do.
fn serve_ftp(args: &[&str]) -> RunningServer {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut child = Command::new(example("09-ftp-server"))
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

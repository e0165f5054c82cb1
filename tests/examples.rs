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

//! Real third-party peers against the crate's servers and clients.
//!
//! Not part of `cargo test`: these need programs that a machine with only
//! the Rust toolchain may lack (python3 with requests, selenium,
//! pyftpdlib and aiosmtpd, socat, nc, dig, dnsmasq, named-checkzone, nginx, vsftpd, postfix's smtp-sink,
//! swaks, dovecot, fetchmail, curl, wget, lftp, tnftp, ncftp, chromium and
//! chromedriver). `.ci/run` installs them and runs `cargo test --test interop`.
//! A missing program fails its test with the program's name: nothing is
//! skipped in silence.

mod dns;
mod ftp_client;
mod ftp_server;
mod http_client;
mod http_server;
mod maildir;
mod pop3_client;
mod pop3_server;
mod rest;
mod smtp_client;
mod smtp_server;
mod svg;
mod tcp;
mod udp;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The path of `tool`, or a failure that says how to get it.
pub fn require(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("this test needs `{tool}`, which is not installed (.ci/run installs it)")
        })
}

/// Runs `tool` with `args`, feeding it `input`, and returns what it did.
pub fn run(tool: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(require(tool))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {tool}: {error}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs a Python program with `args`, and returns its standard output.
pub fn python(program: &str, args: &[&str]) -> String {
    let mut all = vec!["-c", program];
    all.extend_from_slice(args);
    String::from_utf8(run("python3", &all, b"").stdout).unwrap()
}

/// A Python server that prints its port on its first line: started, and
/// its address read. Wait for the returned child when the test is done.
pub fn python_server(program: &str) -> (Child, String) {
    let mut child = Command::new(require("python3"))
        .args(["-c", program])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start python3: {error}"));
    let mut port = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut port)
        .unwrap();
    (child, format!("127.0.0.1:{}", port.trim()))
}

/// A chapter example's server, started as a learner would start it, and
/// killed when dropped.
pub struct ExampleServer {
    child: Child,
    /// The address from its `listening on ADDR` line.
    pub addr: String,
}

impl ExampleServer {
    /// Starts `cargo run --example NAME -- serve ARGS...` (the binary that
    /// `cargo test` has already built) and waits for its first line.
    pub fn start(name: &str, args: &[&str]) -> ExampleServer {
        let mut child = Command::new(example_path(name))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start example {name}: {error}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first_line = String::new();
        BufReader::new(stdout).read_line(&mut first_line).unwrap();
        let addr = first_line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{name} printed {first_line:?}, not `listening on ADDR`"))
            .to_string();
        ExampleServer { child, addr }
    }

    /// The port it listens on.
    pub fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap_or_default()
    }
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where cargo put the example binary: `target/<profile>/examples/NAME`,
/// next to the `deps` folder that holds this test.
pub fn example_path(name: &str) -> PathBuf {
    let this_test = std::env::current_exe().unwrap();
    let profile_dir = this_test
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --examples` first",
        path.display()
    );
    path
}

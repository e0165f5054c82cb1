//! Chapter 08's FTP client against a real server: pyftpdlib.

use super::require;
use netlessons::ftp::client::{FtpClient, Options};
use netlessons::ftp::listing::Kind;
use netlessons::transcript::Transcript;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

/// How long pyftpdlib may take to start, and the client to wait for it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// pyftpdlib serving `root` to alice (password `secret`), with write
/// access; killed when dropped.
struct PyFtpd {
    child: Child,
    addr: String,
    /// Its log (every command it received), shown if a test fails.
    log: Arc<Mutex<String>>,
}

impl PyFtpd {
    fn start(root: &Path) -> PyFtpd {
        let root = root.to_str().expect("the temporary directory is UTF-8");
        // Port 0: the system picks a free port, bound before the server
        // logs `>>> starting FTP server on 127.0.0.1:PORT`; reading that
        // line is the wait, with no race and no sleep.
        let mut child = Command::new(require("python3"))
            .args(["-m", "pyftpdlib", "-i", "127.0.0.1", "-p", "0"])
            .args(["-u", "alice", "-P", "secret", "-d", root, "-w"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start python3 -m pyftpdlib: {error}"));
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (ready, started) = mpsc::channel();
        let kept = Arc::clone(&log);
        // Drained to its end, or the server would block on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split(">>> starting FTP server on ").nth(1) {
                    let addr = rest.split(',').next().unwrap_or_default().to_string();
                    let _ = ready.send(addr);
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = started.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "pyftpdlib did not start (is it installed? `python3 -m pip install pyftpdlib`):\n{}",
                log.lock().unwrap()
            )
        });
        PyFtpd { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` bytes that are not all alike: every byte value, CR and LF
/// included, so that a text conversion would show.
fn file_bytes(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i * 7 % 256) as u8).collect()
}

fn session(passive: bool) {
    let root = tempfile::tempdir().unwrap();
    let server = PyFtpd::start(root.path());
    let transcript = Transcript::memory();
    let options = Options {
        timeout: TIMEOUT,
        passive,
        transcript: transcript.clone(),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut client = FtpClient::connect(server.addr.as_str(), options).unwrap();
        client.login("alice", "secret").unwrap();
        assert!(client.feat().unwrap().has("MLST"));
        assert_eq!(client.mkdir("box").unwrap(), "/box");
        client.cwd("box").unwrap();
        assert_eq!(client.pwd().unwrap(), "/box");

        let file = file_bytes(300_000);
        assert_eq!(client.stor("data file.bin", &file[..]).unwrap(), 300_000);
        let on_disk = root.path().join("box/data file.bin");
        assert!(
            std::fs::read(&on_disk).unwrap() == file,
            "the bytes stored differ"
        );

        let entries = client.list("").unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].name, "data file.bin");
        assert_eq!(entries[0].kind, Some(Kind::File));
        assert_eq!(entries[0].size, Some(300_000));
        assert_eq!(client.nlst("").unwrap(), ["data file.bin"]);

        assert_eq!(client.size("data file.bin").unwrap(), 300_000);
        let modified = std::fs::metadata(&on_disk).unwrap().modified().unwrap();
        let seconds =
            |time: std::time::SystemTime| time.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(
            seconds(client.mdtm("data file.bin").unwrap()),
            seconds(modified)
        );

        let mut fetched = Vec::new();
        assert_eq!(
            client.retr("data file.bin", &mut fetched, None).unwrap(),
            300_000
        );
        assert!(fetched == file, "the bytes retrieved differ");

        let mut resumed = file[..123_456].to_vec();
        let rest = client
            .retr("data file.bin", &mut resumed, Some(123_456))
            .unwrap();
        assert_eq!(rest, 300_000 - 123_456);
        assert!(resumed == file, "the resumed download differs");

        client.rename("data file.bin", "renamed.bin").unwrap();
        assert!(root.path().join("box/renamed.bin").is_file());
        let error = client.delete("data file.bin").unwrap_err();
        assert_eq!(error.code(), Some(550), "{error}");
        client.delete("renamed.bin").unwrap();
        client.cdup().unwrap();
        client.rmdir("box").unwrap();
        assert!(!root.path().join("box").exists());
        client.noop().unwrap();
        client.quit().unwrap();
    }));
    if let Err(panic) = result {
        eprintln!("client transcript:\n{}", transcript.contents());
        eprintln!("pyftpdlib log:\n{}", server.log());
        std::panic::resume_unwind(panic);
    }
    let transcript = transcript.contents();
    assert!(transcript.contains("C: PASS ****\n"), "{transcript}");
    assert!(!transcript.contains("secret"), "{transcript}");
    let data_command = if passive {
        "C: EPSV\n"
    } else {
        "C: EPRT |1|127.0.0.1|"
    };
    assert!(transcript.contains(data_command), "{transcript}");
}

#[test]
fn a_whole_passive_session_with_pyftpdlib() {
    session(true);
}

#[test]
fn a_whole_active_session_with_pyftpdlib() {
    session(false);
}

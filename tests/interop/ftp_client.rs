//! Chapter 08's FTP client against real servers: pyftpdlib and vsftpd.

use super::require;
use netlessons::ftp::client::{FtpClient, Options};
use netlessons::ftp::listing::Kind;
use netlessons::transcript::Transcript;
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// A real server to run [`session`] against.
struct Peer<'a> {
    /// Where its control connection listens.
    addr: &'a str,
    /// Who logs in, and the password (empty: the server lets in at once).
    user: &'a str,
    password: &'a str,
    /// A writable directory on the server, and the same one on disk.
    dir: &'a str,
    on_disk: &'a Path,
    /// Whether the server offers MLSD (else the client reads LIST).
    mlst: bool,
}

/// A whole session: every command of the client, each checked on disk.
/// On failure, shows the transcript and `log()`.
fn session(peer: &Peer<'_>, passive: bool, log: impl Fn() -> String) {
    let transcript = Transcript::memory();
    let options = Options {
        timeout: TIMEOUT,
        passive,
        transcript: transcript.clone(),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut client = FtpClient::connect(peer.addr, options).unwrap();
        client.login(peer.user, peer.password).unwrap();
        assert_eq!(client.feat().unwrap().has("MLST"), peer.mlst);
        client.cwd(peer.dir).unwrap();
        let top = client.pwd().unwrap();
        let expected = format!("{}/box", top.trim_end_matches('/'));
        assert_eq!(client.mkdir("box").unwrap(), expected);
        client.cwd("box").unwrap();
        assert_eq!(client.pwd().unwrap(), expected);
        let dir = peer.on_disk.join("box");

        let file = file_bytes(300_000);
        assert_eq!(client.stor("data file.bin", &file[..]).unwrap(), 300_000);
        let on_disk = dir.join("data file.bin");
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
        let seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap().as_secs();
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
        assert!(dir.join("renamed.bin").is_file());
        let error = client.delete("data file.bin").unwrap_err();
        assert_eq!(error.code(), Some(550), "{error}");
        client.delete("renamed.bin").unwrap();
        client.cdup().unwrap();
        client.rmdir("box").unwrap();
        assert!(!dir.exists());
        client.noop().unwrap();
        client.quit().unwrap();
    }));
    if let Err(panic) = result {
        eprintln!("client transcript:\n{}", transcript.contents());
        eprintln!("server log:\n{}", log());
        std::panic::resume_unwind(panic);
    }
    let transcript = transcript.contents();
    if !peer.password.is_empty() {
        assert!(transcript.contains("C: PASS ****\n"), "{transcript}");
        assert!(!transcript.contains(peer.password), "{transcript}");
    }
    let data_command = if passive {
        "C: EPSV\n"
    } else {
        "C: EPRT |1|127.0.0.1|"
    };
    assert!(transcript.contains(data_command), "{transcript}");
}

fn pyftpdlib_session(passive: bool) {
    let root = tempfile::tempdir().unwrap();
    let server = PyFtpd::start(root.path());
    let peer = Peer {
        addr: &server.addr,
        user: "alice",
        password: "secret",
        dir: "/",
        on_disk: root.path(),
        mlst: true,
    };
    session(&peer, passive, || server.log());
}

#[test]
fn a_whole_passive_session_with_pyftpdlib() {
    pyftpdlib_session(true);
}

#[test]
fn a_whole_active_session_with_pyftpdlib() {
    pyftpdlib_session(false);
}

/// vsftpd serving `root/srv` to anonymous users, who may write in
/// `root/srv/pub`: anonymous, so that no system user and no PAM set-up
/// is needed. vsftpd drops to the `ftp` user, which must own `pub`, and
/// so it must be started as root. Killed when dropped.
struct Vsftpd {
    child: Child,
    addr: String,
}

impl Vsftpd {
    fn start(root: &Path) -> Vsftpd {
        let vsftpd = require("vsftpd");
        let (srv, public, empty) = (root.join("srv"), root.join("srv/pub"), root.join("empty"));
        for dir in [&srv, &public, &empty] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let ftp_uid = Command::new("id").args(["-u", "ftp"]).output().unwrap();
        let ftp_uid: u32 = String::from_utf8_lossy(&ftp_uid.stdout)
            .trim()
            .parse()
            .expect("vsftpd needs the system user `ftp` (its package creates it)");
        std::os::unix::fs::chown(&public, Some(ftp_uid), None)
            .expect("vsftpd must be started as root, to chroot and drop to `ftp`");
        // vsftpd cannot be told port 0: take a free port and hand it over.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = root.join("vsftpd.conf");
        let settings = [
            "listen=YES".to_string(),
            "listen_address=127.0.0.1".to_string(),
            format!("listen_port={port}"),
            "background=NO".to_string(),
            "anonymous_enable=YES".to_string(),
            "no_anon_password=YES".to_string(),
            format!("anon_root={}", srv.display()),
            "local_enable=NO".to_string(),
            "write_enable=YES".to_string(),
            "anon_upload_enable=YES".to_string(),
            "anon_mkdir_write_enable=YES".to_string(),
            "anon_other_write_enable=YES".to_string(),
            "anon_umask=022".to_string(),
            format!("secure_chroot_dir={}", empty.display()),
            // Containers often forbid the sandboxes vsftpd would set up.
            "seccomp_sandbox=NO".to_string(),
            "isolate=NO".to_string(),
            "isolate_network=NO".to_string(),
            format!("vsftpd_log_file={}", root.join("vsftpd.log").display()),
        ];
        std::fs::write(&config, settings.join("\n") + "\n").unwrap();
        let mut child = Command::new(vsftpd)
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start vsftpd: {error}"));
        // vsftpd says nothing when it is ready: try its port, a bounded
        // number of times, until it accepts.
        let addr = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut stderr = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
                panic!("vsftpd exited ({status}): {stderr}");
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "vsftpd did not listen on {addr}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        Vsftpd { child, addr }
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn vsftpd_session(passive: bool) {
    let root = tempfile::tempdir().unwrap();
    let server = Vsftpd::start(root.path());
    let log = root.path().join("vsftpd.log");
    let peer = Peer {
        addr: &server.addr,
        user: "anonymous",
        password: "",
        dir: "pub",
        on_disk: &root.path().join("srv/pub"),
        mlst: false,
    };
    session(&peer, passive, || {
        std::fs::read_to_string(&log).unwrap_or_default()
    });
}

#[test]
fn a_whole_passive_session_with_vsftpd() {
    vsftpd_session(true);
}

#[test]
fn a_whole_active_session_with_vsftpd() {
    vsftpd_session(false);
}

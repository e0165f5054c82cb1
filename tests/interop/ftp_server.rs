//! Chapter 09's FTP server against real clients: python3's `ftplib` and
//! `urllib`, curl, lftp, wget, the classic `ftp`, ncftp, aria2c, busybox's
//! `ftpget` and `ftpput`, and rclone. The server runs in this process, on a free port, over a
//! temporary directory; each client is run against it as a user would.

use super::{python, require, run};
use netlessons::ftp::server::FtpHandler;
use netlessons::ftp::session::Users;
use netlessons::serve::{Server, ServerHandle};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn server(root: &Path) -> ServerHandle {
    let users = Users::new().with_user("alice", "secret").with_anonymous();
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(FtpHandler::new(root, users).unwrap())
        .unwrap()
}

/// Bytes of every value, so that a text-mode conversion would show.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|n| (n * 7 % 256) as u8).collect()
}

const FTPLIB_SESSION: &str = r#"
import ftplib, io, sys
port = int(sys.argv[1])
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", port, timeout=10)
ftp.login("alice", "secret")
data = bytes(n * 7 % 256 for n in range(200000))
ftp.storbinary("STOR up.bin", io.BytesIO(data))
back = io.BytesIO()
ftp.retrbinary("RETR up.bin", back.write)
assert back.getvalue() == data, "RETR gave other bytes"
print("size", ftp.size("up.bin"))
print("nlst", sorted(ftp.nlst()))
facts = dict(ftp.mlsd())
print("mlsd", facts["up.bin"]["type"], facts["up.bin"]["size"])
ftp.rename("up.bin", "moved.bin")
print("after rename", sorted(ftp.nlst()))
print("mkd", ftp.mkd("made"))
ftp.rmd("made")
ftp.delete("moved.bin")
print("end", sorted(ftp.nlst()))
print("quit", ftp.quit())
"#;

#[test]
fn python_ftplib_does_a_whole_session() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("hello.txt"), "hello\n").unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let out = python(FTPLIB_SESSION, &[&port]);
    assert_eq!(
        out,
        "size 200000\n\
         nlst ['hello.txt', 'up.bin']\n\
         mlsd file 200000\n\
         after rename ['hello.txt', 'moved.bin']\n\
         mkd /made\n\
         end ['hello.txt']\n\
         quit 221 Goodbye\n"
    );
}

#[test]
fn curl_uploads_lists_resumes_and_deletes() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let contents = binary(300_000);
    let upload = local.path().join("up.bin");
    fs::write(&upload, &contents).unwrap();
    let server = server(root.path());
    let url = format!("ftp://127.0.0.1:{}/", server.local_addr().port());
    let user = ["--user", "alice:secret", "--silent", "--show-error"];

    let mut args = user.to_vec();
    args.extend(["-T", upload.to_str().unwrap(), &url]);
    run("curl", &args, b"");
    assert_eq!(fs::read(root.path().join("up.bin")).unwrap(), contents);

    let mut args = user.to_vec();
    let file_url = format!("{url}up.bin");
    args.push(&file_url);
    assert_eq!(run("curl", &args, b"").stdout, contents);

    // Active mode: curl listens, the server connects to it.
    let mut args = user.to_vec();
    args.extend(["--ftp-port", "127.0.0.1", &file_url]);
    assert_eq!(run("curl", &args, b"").stdout, contents);

    let mut args = user.to_vec();
    args.extend(["-l", &url]);
    // curl prints the lines of a listing ended by LF alone.
    assert_eq!(run("curl", &args, b"").stdout, b"up.bin\n");

    // Resume: half the file is here, `-C -` asks for the rest (REST).
    let partial = local.path().join("partial.bin");
    fs::write(&partial, &contents[..100_000]).unwrap();
    let mut args = user.to_vec();
    args.extend(["-C", "-", "-o", partial.to_str().unwrap(), &file_url]);
    run("curl", &args, b"");
    assert_eq!(fs::read(&partial).unwrap(), contents);

    let mut args = user.to_vec();
    args.extend(["-Q", "DELE up.bin", &url]);
    run("curl", &args, b"");
    assert!(!root.path().join("up.bin").exists());
}

#[test]
fn lftp_mirrors_a_tree_up_and_back() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let tree = local.path().join("tree");
    fs::create_dir_all(tree.join("docs").join("deep")).unwrap();
    fs::write(tree.join("a.txt"), "first\n").unwrap();
    fs::write(tree.join("docs").join("b.bin"), binary(70_000)).unwrap();
    fs::write(tree.join("docs").join("deep").join("c.txt"), "").unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let back = local.path().join("back");
    let script = format!(
        "set net:max-retries 1; set net:timeout 10; \
         open -u alice,secret -p {port} 127.0.0.1; \
         mirror -R {} /tree; mirror /tree {}; quit",
        tree.display(),
        back.display()
    );
    run("lftp", &["-c", &script], b"");
    let diff = run(
        "diff",
        &["-r", tree.to_str().unwrap(), back.to_str().unwrap()],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&diff.stdout), "");
    assert_eq!(
        fs::read(root.path().join("tree/docs/b.bin")).unwrap(),
        binary(70_000)
    );
}

#[test]
fn wget_gets_a_file_and_mirrors_the_tree() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("sub/deeper")).unwrap();
    fs::write(root.path().join("hello.txt"), "hello\n").unwrap();
    fs::write(root.path().join("sub/b.bin"), binary(300_000)).unwrap();
    fs::write(root.path().join("sub/deeper/c.txt"), "deep\n").unwrap();
    let server = server(root.path());
    let url = format!(
        "ftp://alice:secret@127.0.0.1:{}/",
        server.local_addr().port()
    );
    let file_url = format!("{url}hello.txt");
    let out = run("wget", &["-q", "-O", "-", &file_url], b"");
    assert_eq!(out.stdout, b"hello\n");
    // Active mode too: wget listens, the server connects.
    let out = run(
        "wget",
        &["-q", "--no-passive-ftp", "-O", "-", &file_url],
        b"",
    );
    assert_eq!(out.stdout, b"hello\n");
    let dir = local.path().to_str().unwrap();
    run("wget", &["-q", "-m", "-nH", "-P", dir, &url], b"");
    assert_eq!(
        fs::read(local.path().join("sub/b.bin")).unwrap(),
        binary(300_000)
    );
    assert_eq!(
        fs::read(local.path().join("sub/deeper/c.txt")).unwrap(),
        b"deep\n"
    );
}

#[test]
fn the_classic_ftp_client_runs_a_script() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::write(root.path().join("hello.txt"), "hello\n").unwrap();
    fs::write(local.path().join("up.bin"), binary(70_000)).unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let got = local.path().join("got.txt");
    let up = local.path().join("up.bin");
    let script = format!(
        "user alice secret\nbinary\nget hello.txt {}\nput {} up.bin\n\
         mkdir made\nrename up.bin made/moved.bin\npassive\nls made\nbye\n",
        got.display(),
        up.display()
    );
    let out = run(
        "tnftp",
        &["-n", "-v", "127.0.0.1", &port],
        script.as_bytes(),
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("230 Logged in"), "{shown}");
    assert!(shown.contains("257 \"/made\" created"), "{shown}");
    // `passive` turned passive mode off: the listing came over PORT.
    assert!(shown.contains("200 PORT command successful"), "{shown}");
    assert!(shown.contains(" moved.bin\n"), "{shown}");
    assert_eq!(fs::read(&got).unwrap(), b"hello\n");
    assert_eq!(
        fs::read(root.path().join("made/moved.bin")).unwrap(),
        binary(70_000)
    );
}

#[test]
fn the_classic_ftp_client_fetches_a_pattern_with_mget() {
    // `mget *.txt` asks the server to expand the pattern (NLST *.txt),
    // then fetches each name it gets back.
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("docs")).unwrap();
    for name in ["a.txt", "b.txt", "c.log"] {
        fs::write(root.path().join("docs").join(name), name).unwrap();
    }
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let script = format!(
        "user alice secret\nprompt\nlcd {}\ncd docs\nmget *.txt\nbye\n",
        local.path().display()
    );
    let out = run(
        "tnftp",
        &["-n", "-v", "127.0.0.1", &port],
        script.as_bytes(),
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    let mut fetched: Vec<String> = fs::read_dir(local.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    fetched.sort();
    assert_eq!(fetched, ["a.txt", "b.txt"], "{shown}");
    assert_eq!(fs::read(local.path().join("b.txt")).unwrap(), b"b.txt");
}

#[test]
fn ncftpget_and_ncftpput_move_files() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("sub")).unwrap();
    fs::write(root.path().join("sub/b.bin"), binary(300_000)).unwrap();
    fs::write(local.path().join("up.bin"), binary(1000)).unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let login = ["-u", "alice", "-p", "secret", "-P", &port, "127.0.0.1"];
    let mut args = login.to_vec();
    args.extend([local.path().to_str().unwrap(), "/sub/b.bin"]);
    run("ncftpget", &args, b"");
    assert_eq!(
        fs::read(local.path().join("b.bin")).unwrap(),
        binary(300_000)
    );
    let up = local.path().join("up.bin");
    let mut args = login.to_vec();
    args.extend(["/sub", up.to_str().unwrap()]);
    run("ncftpput", &args, b"");
    assert_eq!(
        fs::read(root.path().join("sub/up.bin")).unwrap(),
        binary(1000)
    );
}

const FTPLIB_ACTIVE_AND_TLS: &str = r#"
import ftplib, io, sys
port = int(sys.argv[1])
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", port, timeout=10)
ftp.login("alice", "secret")
ftp.set_pasv(False)
data = bytes(range(256)) * 1000
print("stor", ftp.storbinary("STOR active.bin", io.BytesIO(data)))
back = io.BytesIO()
ftp.retrbinary("RETR active.bin", back.write)
print("same", back.getvalue() == data)
print("nlst", ftp.nlst())
ftp.quit()
tls = ftplib.FTP_TLS()
tls.connect("127.0.0.1", port, timeout=10)
try:
    tls.login("alice", "secret")
except ftplib.error_perm as error:
    print("tls", error)
print("then", tls.sendcmd("USER alice"))
print("and", tls.sendcmd("PASS secret"))
"#;

#[test]
fn python_ftplib_in_active_mode_and_with_tls_asked() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let out = python(FTPLIB_ACTIVE_AND_TLS, &[&port]);
    assert_eq!(
        out,
        "stor 226 Transfer complete\n\
         same True\n\
         nlst ['active.bin']\n\
         tls 502 AUTH is not implemented here\n\
         then 331 Password required\n\
         and 230 Logged in\n"
    );
}

/// Sends `line` (if any) on the control connection and returns the reply
/// line that ends it (`NNN text`), skipping continuation lines.
fn reply(control: &mut BufReader<TcpStream>, line: Option<&str>) -> String {
    if let Some(line) = line {
        write!(control.get_mut(), "{line}\r\n").unwrap();
    }
    loop {
        let mut text = String::new();
        control.read_line(&mut text).unwrap();
        if text.len() >= 4 && text.as_bytes()[3] == b' ' {
            return text.trim_end().to_string();
        }
        assert!(!text.is_empty(), "the server closed the control connection");
    }
}

#[test]
fn a_data_connection_from_another_local_address_is_refused() {
    // 127.0.0.2 is loopback too, but not the client's address (RFC 2577
    // §4: a data connection must come from the control connection's peer).
    // std cannot choose the address a socket connects from; python can,
    // which is why this test lives with the real peers.
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"for alice only").unwrap();
    let users = Users::new().with_user("alice", "secret");
    let handler = FtpHandler::new(root.path(), users)
        .unwrap()
        .with_data_connect_timeout(Duration::from_millis(300));
    let server = Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap();
    let mut control = BufReader::new(TcpStream::connect(server.local_addr()).unwrap());
    assert!(reply(&mut control, None).starts_with("220 "));
    assert!(reply(&mut control, Some("USER alice")).starts_with("331 "));
    assert!(reply(&mut control, Some("PASS secret")).starts_with("230 "));
    let epsv = reply(&mut control, Some("EPSV"));
    let port = epsv
        .split("|||")
        .nth(1)
        .and_then(|rest| rest.split('|').next());
    let port: u16 = port.and_then(|port| port.parse().ok()).expect(&epsv);
    let script = format!(
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.2', 0))\n\
         s.connect(('127.0.0.1', {port}))\nprint('connected', flush=True)\n\
         s.settimeout(10)\nprint(s.recv(100))\n"
    );
    let mut stranger = Command::new(require("python3"))
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(stranger.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "connected\n");
    assert!(reply(&mut control, Some("RETR a.txt")).starts_with("150 "));
    // The stranger is closed unread; the real client never came: 425.
    assert!(reply(&mut control, None).starts_with("425 "));
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "b''\n", "the stranger got bytes");
    assert!(stranger.wait().unwrap().success());
    assert!(reply(&mut control, Some("NOOP")).starts_with("200 "));
    server.shutdown();
}

#[test]
fn aria2c_downloads_in_pieces_and_in_active_mode() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let contents = binary(3_000_000);
    fs::write(root.path().join("big.bin"), &contents).unwrap();
    let server = server(root.path());
    let url = format!("ftp://127.0.0.1:{}/big.bin", server.local_addr().port());
    let dir = local.path().to_str().unwrap();
    let common = [
        "--quiet",
        "--ftp-user=alice",
        "--ftp-passwd=secret",
        "--dir",
        dir,
    ];
    // Four connections at once, each with REST at its own offset.
    let mut args = common.to_vec();
    args.extend([
        "--split=4",
        "--max-connection-per-server=4",
        "--min-split-size=1M",
    ]);
    args.extend(["--out=pieces.bin", &url]);
    run("aria2c", &args, b"");
    assert_eq!(fs::read(local.path().join("pieces.bin")).unwrap(), contents);
    let mut args = common.to_vec();
    args.extend(["--ftp-pasv=false", "--out=active.bin", &url]);
    run("aria2c", &args, b"");
    assert_eq!(fs::read(local.path().join("active.bin")).unwrap(), contents);
}

#[test]
fn busybox_ftpget_and_ftpput_move_files() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("pub")).unwrap();
    fs::write(root.path().join("pub/notes.txt"), "some notes\n").unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let got = local.path().join("got.txt");
    let got = got.to_str().unwrap();
    // Anonymous when no user is given.
    let args = ["ftpget", "-P", &port, "127.0.0.1", got, "pub/notes.txt"];
    run("busybox", &args, b"");
    assert_eq!(fs::read_to_string(got).unwrap(), "some notes\n");
    let up = local.path().join("up.bin");
    fs::write(&up, binary(100_000)).unwrap();
    let login = ["-u", "alice", "-p", "secret", "-P", &port, "127.0.0.1"];
    let mut args = vec!["ftpput"];
    args.extend(login);
    args.extend(["pub/up.bin", up.to_str().unwrap()]);
    run("busybox", &args, b"");
    assert_eq!(
        fs::read(root.path().join("pub/up.bin")).unwrap(),
        binary(100_000)
    );
}

#[test]
fn rclone_copies_a_tree_up_and_back() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let tree = local.path().join("tree");
    fs::create_dir_all(tree.join("docs")).unwrap();
    fs::write(tree.join("a.txt"), "first\n").unwrap();
    fs::write(tree.join("docs/b.bin"), binary(200_000)).unwrap();
    let server = server(root.path());
    let password = run("rclone", &["obscure", "secret"], b"").stdout;
    let password = String::from_utf8(password).unwrap();
    let remote = format!(
        ":ftp,host=127.0.0.1,port={},user=alice,pass={}:/tree",
        server.local_addr().port(),
        password.trim()
    );
    // No configuration file: everything is in the remote's name.
    let quiet = ["--config", "/dev/null", "--quiet", "--retries", "1"];
    let mut args = vec!["copy", tree.to_str().unwrap(), &remote];
    args.extend(quiet);
    run("rclone", &args, b"");
    assert_eq!(
        fs::read(root.path().join("tree/docs/b.bin")).unwrap(),
        binary(200_000)
    );
    let mut args = vec!["lsf", "-R", &remote];
    args.extend(quiet);
    let listed = String::from_utf8(run("rclone", &args, b"").stdout).unwrap();
    let mut listed: Vec<&str> = listed.lines().collect();
    listed.sort();
    assert_eq!(listed, ["a.txt", "docs/", "docs/b.bin"]);
    let back = local.path().join("back");
    let mut args = vec!["copy", &remote, back.to_str().unwrap()];
    args.extend(quiet);
    run("rclone", &args, b"");
    let diff = run(
        "diff",
        &["-r", tree.to_str().unwrap(), back.to_str().unwrap()],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&diff.stdout), "");
}

const URLLIB_SESSION: &str = r#"
import sys, urllib.request, urllib.error
base = "ftp://%s127.0.0.1:" + sys.argv[1]
def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()
with urllib.request.urlopen(base % "alice:secret@" + "/pub/notes.txt", timeout=10) as response:
    print("length", response.headers["Content-length"])
print("file", get(base % "alice:secret@" + "/pub/notes.txt"))
print("anonymous", get(base % "" + "/pub/notes.txt"))
print("again", get(base % "alice:secret@" + "/pub/notes.txt"))
listing = get(base % "alice:secret@" + "/pub/").decode()
print("listing", [line.split()[-1] for line in listing.splitlines()])
try:
    get(base % "alice:secret@" + "/pub/missing.txt")
except urllib.error.URLError as error:
    print("missing", error.reason)
"#;

#[test]
fn python_urllib_reads_files_and_listings() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("pub")).unwrap();
    fs::write(root.path().join("pub/notes.txt"), "some notes\n").unwrap();
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let out = python(URLLIB_SESSION, &[&port]);
    assert_eq!(
        out,
        "length 11\n\
         file b'some notes\\n'\n\
         anonymous b'some notes\\n'\n\
         again b'some notes\\n'\n\
         listing ['notes.txt']\n\
         missing <urlopen error ftp error: error_perm('550 No such file or directory')>\n"
    );
}

#[test]
fn curl_walks_a_deep_path_with_every_cwd_method() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("a/b/c")).unwrap();
    fs::write(root.path().join("a/b/c/deep.txt"), "deep\n").unwrap();
    let upload = local.path().join("up.txt");
    fs::write(&upload, "up\n").unwrap();
    let server = server(root.path());
    let base = format!("ftp://127.0.0.1:{}", server.local_addr().port());
    let user = ["--user", "alice:secret", "--silent", "--show-error"];
    for method in ["multicwd", "singlecwd", "nocwd"] {
        let mut args = user.to_vec();
        let url = format!("{base}/a/b/c/deep.txt");
        args.extend(["--ftp-method", method, &url]);
        assert_eq!(run("curl", &args, b"").stdout, b"deep\n", "{method}");
        let mut args = user.to_vec();
        let url = format!("{base}/a/b/c/{method}.txt");
        args.extend(["--ftp-method", method, "-T", upload.to_str().unwrap(), &url]);
        run("curl", &args, b"");
        let stored = root.path().join(format!("a/b/c/{method}.txt"));
        assert_eq!(fs::read_to_string(stored).unwrap(), "up\n", "{method}");
    }
    // curl makes the missing directories one MKD at a time (its default
    // method; with the others it asks for the whole path at once, which
    // no server makes).
    let mut args = user.to_vec();
    let url = format!("{base}/new/er/up.txt");
    args.extend(["--ftp-create-dirs", "-T", upload.to_str().unwrap(), &url]);
    run("curl", &args, b"");
    assert_eq!(
        fs::read_to_string(root.path().join("new/er/up.txt")).unwrap(),
        "up\n"
    );
}

#[test]
fn lftp_puts_and_gets_globs_in_active_mode_and_lists_with_cls() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let here = local.path().join("here");
    fs::create_dir(&here).unwrap();
    for name in ["one.txt", "two.txt", "other.dat"] {
        fs::write(here.join(name), name).unwrap();
    }
    let server = server(root.path());
    let port = server.local_addr().port().to_string();
    let back = local.path().join("back");
    fs::create_dir(&back).unwrap();
    let script = format!(
        "set net:max-retries 1; set net:timeout 10; set cmd:fail-exit yes; \
         set ftp:passive-mode off; \
         open -u alice,secret -p {port} 127.0.0.1; \
         lcd {}; mkdir up; cd up; mput *.txt; cls -1 --sort=name; \
         lcd {}; mget t*.txt; ls -la; quit",
        here.display(),
        back.display()
    );
    let out = run("lftp", &["-c", &script], b"");
    let out = String::from_utf8(out.stdout).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("one.txt"));
    assert_eq!(lines.next(), Some("two.txt"));
    let long: Vec<&str> = lines.collect();
    assert_eq!(long.len(), 2, "{out}");
    assert!(long.iter().all(|line| line.starts_with("-rw")), "{out}");
    let mut stored = names(&root.path().join("up"));
    stored.sort();
    assert_eq!(stored, ["one.txt", "two.txt"]);
    assert_eq!(names(&back), ["two.txt"]);
    assert_eq!(fs::read_to_string(back.join("two.txt")).unwrap(), "two.txt");
}

fn names(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect()
}

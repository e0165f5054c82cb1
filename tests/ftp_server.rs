//! The FTP server over loopback: a client written by hand over a
//! `TcpStream`, so that every byte it sends and every reply it reads is
//! in the test.

use netlessons::ftp::server::FtpHandler;
use netlessons::ftp::session::Users;
use netlessons::serve::{Server, ServerHandle};
use netlessons::transcript::Transcript;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

fn users() -> Users {
    Users::new().with_user("alice", "secret").with_anonymous()
}

fn serve(handler: FtpHandler) -> ServerHandle {
    Server::bind("127.0.0.1:0").unwrap().spawn(handler).unwrap()
}

fn server(root: &Path) -> ServerHandle {
    serve(FtpHandler::new(root, users()).unwrap())
}

/// A control connection, read reply by reply.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(server: &ServerHandle) -> Client {
        let stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert!(client.reply().starts_with("220 "));
        client
    }

    fn login(server: &ServerHandle, user: &str, password: &str) -> Client {
        let mut client = Client::connect(server);
        assert!(client.send(&format!("USER {user}")).starts_with("331 "));
        let reply = client.send(&format!("PASS {password}"));
        assert!(reply.starts_with("230 "), "{reply}");
        client
    }

    /// One reply, every line of it, each ended by `\n`.
    fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(
                line.ends_with("\r\n"),
                "a reply line ends with CR LF: {line:?}"
            );
            reply.push_str(line.trim_end_matches("\r\n"));
            reply.push('\n');
            let first = &reply[..3];
            if line.len() >= 4 && line.starts_with(first) && &line[3..4] == " " {
                return reply;
            }
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    fn send(&mut self, line: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// EPSV, and the data connection to the port it names.
    fn passive(&mut self) -> TcpStream {
        let reply = self.send("EPSV");
        assert!(reply.starts_with("229 "), "{reply}");
        let port: u16 = reply
            .split("|||")
            .nth(1)
            .unwrap()
            .split('|')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let data = TcpStream::connect(("127.0.0.1", port)).unwrap();
        data.set_read_timeout(Some(TIMEOUT)).unwrap();
        data
    }

    /// A download over EPSV: the 150, the bytes, the 226.
    fn download(&mut self, command: &str) -> Vec<u8> {
        let mut data = self.passive();
        let reply = self.send(command);
        assert!(reply.starts_with("150 "), "{command}: {reply}");
        let mut bytes = Vec::new();
        data.read_to_end(&mut bytes).unwrap();
        let reply = self.reply();
        assert!(reply.starts_with("226 "), "{command}: {reply}");
        bytes
    }

    /// An upload over EPSV: the 150, the bytes, the close, then the reply.
    fn upload(&mut self, command: &str, bytes: &[u8]) -> String {
        let mut data = self.passive();
        let reply = self.send(command);
        assert!(reply.starts_with("150 "), "{command}: {reply}");
        data.write_all(bytes).unwrap();
        drop(data);
        self.reply()
    }
}

fn code(reply: &str) -> &str {
    &reply[..3]
}

#[test]
fn a_whole_session() {
    let root = tempfile::tempdir().unwrap();
    let transcript = Transcript::memory();
    let server = serve(
        FtpHandler::new(root.path(), users())
            .unwrap()
            .with_transcript(transcript.clone()),
    );
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(client.send("PWD"), "257 \"/\" is the current directory\n");
    assert_eq!(client.send("TYPE I"), "200 Type set to I\n");
    let contents: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
    assert_eq!(code(&client.upload("STOR data.bin", &contents)), "226");
    assert_eq!(fs::read(root.path().join("data.bin")).unwrap(), contents);

    let listing = String::from_utf8(client.download("LIST")).unwrap();
    assert!(listing.ends_with(" data.bin\r\n"), "{listing}");
    assert!(listing.starts_with("-rw"), "{listing}");
    assert_eq!(client.download("NLST"), b"data.bin\r\n");
    assert_eq!(client.download("RETR data.bin"), contents);
    assert_eq!(client.send("SIZE data.bin"), "213 300000\n");

    assert_eq!(code(&client.send("RNFR data.bin")), "350");
    assert_eq!(code(&client.send("RNTO renamed.bin")), "250");
    assert!(root.path().join("renamed.bin").exists());
    assert!(!root.path().join("data.bin").exists());
    assert_eq!(code(&client.send("DELE renamed.bin")), "250");
    assert!(!root.path().join("renamed.bin").exists());
    assert_eq!(code(&client.send("SIZE renamed.bin")), "550");

    assert_eq!(client.send("MKD sub"), "257 \"/sub\" created\n");
    assert_eq!(code(&client.send("CWD sub")), "250");
    assert_eq!(
        client.send("PWD"),
        "257 \"/sub\" is the current directory\n"
    );
    assert_eq!(code(&client.send("CDUP")), "250");
    assert_eq!(code(&client.send("RMD sub")), "250");
    assert!(!root.path().join("sub").exists());
    assert_eq!(client.send("QUIT"), "221 Goodbye\n");

    let shown = transcript.contents();
    assert!(shown.contains("C: PASS ****"), "{shown}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains("S: 226 Transfer complete"), "{shown}");
}

#[test]
fn mlsd_and_mlst_show_facts() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"hello").unwrap();
    fs::create_dir(root.path().join("dir")).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let listing = String::from_utf8(client.download("MLSD")).unwrap();
    let mut lines: Vec<&str> = listing.lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].starts_with("type=dir;"), "{listing}");
    assert!(lines[0].ends_with(" dir"), "{listing}");
    assert!(lines[1].starts_with("type=file;size=5;"), "{listing}");
    assert!(lines[1].ends_with(" a.txt"), "{listing}");
    let facts = client.send("MLST a.txt");
    assert!(facts.starts_with("250-"), "{facts}");
    assert!(facts.contains(" type=file;size=5;"), "{facts}");
    assert!(facts.contains(" /a.txt\n"), "{facts}");
}

#[test]
fn active_mode_with_eprt() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"over the active connection").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    assert_eq!(
        code(&client.send(&format!("EPRT |1|127.0.0.1|{port}|"))),
        "200"
    );
    assert_eq!(code(&client.send("RETR a.txt")), "150");
    let (mut data, _) = listener.accept().unwrap();
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, b"over the active connection");
    assert_eq!(code(&client.reply()), "226");
}

#[test]
fn port_to_another_host_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PORT 10,0,0,1,4,1")), "504");
}

#[test]
fn rest_resumes_a_download() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"0123456789").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    // REST prepares the very next command: EPSV goes first.
    let mut data = client.passive();
    assert_eq!(code(&client.send("REST 4")), "350");
    assert_eq!(code(&client.send("RETR a.txt")), "150");
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, b"456789");
    assert_eq!(code(&client.reply()), "226");
}

#[test]
fn type_a_converts_line_ends_both_ways() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("unix.txt"), b"one\ntwo\n").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE A")), "200");
    assert_eq!(client.download("RETR unix.txt"), b"one\r\ntwo\r\n");
    assert_eq!(
        code(&client.upload("STOR up.txt", b"three\r\nfour\r\n")),
        "226"
    );
    assert_eq!(
        fs::read(root.path().join("up.txt")).unwrap(),
        b"three\nfour\n"
    );
}

#[test]
fn a_client_that_never_connects_gets_425() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"x").unwrap();
    let server = serve(
        FtpHandler::new(root.path(), users())
            .unwrap()
            .with_data_connect_timeout(Duration::from_millis(200)),
    );
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PASV")), "227");
    let started = Instant::now();
    assert_eq!(code(&client.send("RETR a.txt")), "150");
    assert_eq!(code(&client.reply()), "425");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The session goes on.
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn a_client_that_vanishes_mid_stor_leaves_the_old_file() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("keep.txt"), b"the old contents").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    assert_eq!(code(&client.send("STOR keep.txt")), "150");
    data.write_all(b"the new cont").unwrap();
    data.flush().unwrap();
    drop(client);
    drop(data);
    // The server notices within a moment; wait for the connection to end.
    let deadline = Instant::now() + TIMEOUT;
    while server.live_connections() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.live_connections(), 0);
    assert_eq!(
        fs::read(root.path().join("keep.txt")).unwrap(),
        b"the old contents"
    );
    let names: Vec<_> = fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keep.txt"]);
}

#[test]
fn abor_stops_a_download() {
    let root = tempfile::tempdir().unwrap();
    let big = vec![b'x'; 64 * 1024 * 1024];
    fs::write(root.path().join("big.bin"), &big).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    assert_eq!(code(&client.send("RETR big.bin")), "150");
    let mut first = [0; 1024];
    data.read_exact(&mut first).unwrap();
    // ABOR as a Telnet client sends it: IAC IP, IAC DM, then the command.
    client.write(b"\xff\xf4\xff\xf2ABOR\r\n");
    let mut received = first.len();
    let mut buffer = [0; 65536];
    loop {
        match data.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => received += n,
        }
    }
    assert!(received < big.len(), "the whole file came: {received}");
    assert_eq!(client.reply(), "426 Transfer aborted\n");
    assert_eq!(client.reply(), "226 ABOR successful\n");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn paths_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), b"not yours").unwrap();
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.path().join("s.txt"))
        .unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    for command in [
        "SIZE ../secret.txt",
        "SIZE s.txt",
        "SIZE out/secret.txt",
        "CWD out",
        "CWD ..",
        "DELE out/secret.txt",
        "MKD out/new",
    ] {
        assert_eq!(code(&client.send(command)), "550", "{command}");
    }
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("RETR s.txt")), "550");
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("STOR out/planted.txt")), "550");
    assert!(!outside.path().join("planted.txt").exists());
    assert!(outside.path().join("secret.txt").exists());
}

#[test]
fn anonymous_may_read_but_not_store() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"public").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "anonymous", "guest@example.com");
    assert_eq!(code(&client.send("TYPE I")), "200");
    assert_eq!(client.download("RETR a.txt"), b"public");
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("STOR b.txt")), "550");
    assert_eq!(code(&client.send("DELE a.txt")), "550");
    assert!(!root.path().join("b.txt").exists());
    assert!(root.path().join("a.txt").exists());
}

#[test]
fn stor_replaces_a_file_whole() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"a long old version of the file").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    assert_eq!(code(&client.upload("STOR a.txt", b"new")), "226");
    assert_eq!(fs::read(root.path().join("a.txt")).unwrap(), b"new");
    assert_eq!(code(&client.upload("APPE a.txt", b"+more")), "226");
    assert_eq!(fs::read(root.path().join("a.txt")).unwrap(), b"new+more");
}

#[test]
fn stor_onto_a_directory_is_refused_before_the_data() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("dir")).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("STOR dir")), "550");
    assert!(root.path().join("dir").is_dir());
}

#[test]
fn another_command_during_a_download_waits_its_turn() {
    let root = tempfile::tempdir().unwrap();
    // Far more than the sockets' buffers hold: the NOOP comes mid-transfer.
    let big = vec![b'y'; 64 * 1024 * 1024];
    fs::write(root.path().join("big.bin"), &big).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    assert_eq!(code(&client.send("RETR big.bin")), "150");
    let mut first = [0; 1024];
    data.read_exact(&mut first).unwrap();
    client.write(b"NOOP\r\n");
    let mut rest = Vec::new();
    data.read_to_end(&mut rest).unwrap();
    assert_eq!(first.len() + rest.len(), big.len());
    assert_eq!(
        client.reply(),
        "503 Wait for the reply to the last command\n"
    );
    assert_eq!(client.reply(), "226 Transfer complete\n");
}

// ---------------------------------------------------------------------
// Bad inputs: none may panic the server, leak a thread or a port, or
// hold up another client.
// ---------------------------------------------------------------------

/// The open file descriptors of this process (the server runs in it).
fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits, boundedly, until the server serves no connection.
fn wait_idle(server: &ServerHandle) {
    let deadline = Instant::now() + TIMEOUT;
    while server.live_connections() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.live_connections(), 0);
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_pasv_never_connected_holds_nothing_up() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut idle = Client::login(&server, "alice", "secret");
    assert_eq!(code(&idle.send("PASV")), "227");
    // Another client is served meanwhile.
    let mut other = Client::login(&server, "alice", "secret");
    assert_eq!(code(&other.send("NOOP")), "200");
    assert_eq!(idle.send("QUIT"), "221 Goodbye\n");
    drop(other);
    wait_idle(&server);
}

#[test]
fn a_thousand_pasv_leave_one_listener() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PASV")), "227");
    let before = open_fds();
    for _ in 0..1000 {
        assert_eq!(code(&client.send("PASV")), "227");
    }
    let after = open_fds();
    // Other tests run in this process too: allow a little noise, not 1000.
    assert!(after < before + 50, "{before} fds before, {after} after");
    assert_eq!(code(&client.send("QUIT")), "221");
}

#[test]
fn abor_stops_an_upload_and_keeps_the_old_file() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("keep.txt"), b"old").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    data.set_write_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(code(&client.send("STOR keep.txt")), "150");
    data.write_all(&[b'n'; 100_000]).unwrap();
    client.write(b"ABOR\r\n");
    // The server stops when it next looks at the control connection,
    // which it does before each buffer it reads: keep sending.
    let reply = loop {
        if data.write_all(&[b'n'; 4096]).is_err() {
            break client.reply();
        }
        // Bounded: the server looks before each buffer.
        let mut peek = [0; 1];
        client.writer.set_nonblocking(true).unwrap();
        let ready = client.writer.peek(&mut peek).is_ok();
        client.writer.set_nonblocking(false).unwrap();
        if ready {
            break client.reply();
        }
    };
    assert_eq!(reply, "426 Transfer aborted\n");
    assert_eq!(client.reply(), "226 ABOR successful\n");
    assert_eq!(code(&client.send("NOOP")), "200");
    assert_eq!(fs::read(root.path().join("keep.txt")).unwrap(), b"old");
    assert_eq!(names_in(root.path()), ["keep.txt"]);
}

#[test]
fn odd_paths_stay_inside_the_root() {
    let outside = tempfile::tempdir().unwrap();
    let root_parent = tempfile::tempdir().unwrap();
    let root = root_parent.path().join("root");
    fs::create_dir(&root).unwrap();
    fs::write(root_parent.path().join("x"), b"outside").unwrap();
    fs::create_dir(root.join("a")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("a/linkdir")).unwrap();
    let server = server(&root);
    let mut client = Client::login(&server, "alice", "secret");
    // Climbing stops at the root: `..` of `/` is `/`, so these name /x.
    for command in ["SIZE ../x", "SIZE /../x", "SIZE a/../../x", "CWD a/linkdir"] {
        assert_eq!(code(&client.send(command)), "550", "{command}");
    }
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("STOR a/linkdir/p")), "550");
    assert_eq!(names_in(outside.path()), Vec::<String>::new());
    // Odd names that are only names.
    assert_eq!(code(&client.send("TYPE I")), "200");
    for name in ["...", "a name with spaces", " lead", "trail ", "-dash"] {
        let reply = client.upload(&format!("STOR {name}"), b"odd");
        assert_eq!(code(&reply), "226", "{name:?}: {reply}");
        assert_eq!(fs::read(root.join(name)).unwrap(), b"odd", "{name:?}");
        assert_eq!(client.download(&format!("RETR {name}")), b"odd", "{name:?}");
    }
    // A very long path: refused, the session goes on.
    let long = "d/".repeat(2000);
    let reply = client.send(&format!("CWD {long}"));
    assert!(
        ["550", "553", "500", "501"].contains(&code(&reply)),
        "{reply}"
    );
    let longer = "x".repeat(4000);
    let reply = client.send(&format!("MKD {longer}"));
    assert!(["550", "553"].contains(&code(&reply)), "{reply}");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn port_and_eprt_that_lead_elsewhere_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PORT 127,0,0,1,0,21")), "504");
    assert_eq!(code(&client.send("PORT 192,0,2,1,4,1")), "504");
    assert_eq!(code(&client.send("EPRT |1|192.0.2.1|1025|")), "504");
    let reply = client.send("EPRT |2|::1|1025|");
    assert!(["504", "522"].contains(&code(&reply)), "{reply}");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn an_endless_command_line_gets_500_and_the_session_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let chunk = vec![b'A'; 1024 * 1024];
    for _ in 0..10 {
        client.write(&chunk);
    }
    client.write(b"\r\n");
    let reply = client.reply();
    assert_eq!(code(&reply), "500", "{reply}");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn commands_out_of_order_are_refused() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"x").unwrap();
    let server = server(root.path());
    let mut client = Client::connect(&server);
    for command in [
        "RETR a.txt",
        "LIST",
        "PASV",
        "CWD /",
        "STOR b",
        "DELE a.txt",
        "PASS x",
    ] {
        let reply = client.send(command);
        assert!(["530", "503"].contains(&code(&reply)), "{command}: {reply}");
    }
    assert!(!root.path().join("b").exists());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("RNTO b.txt")), "503");
    assert!(root.path().join("a.txt").exists());
}

#[test]
fn garbage_bytes_do_not_stop_the_server() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    // A small generator: the same bytes on every run.
    let mut state: u32 = 12345;
    let mut garbage = Vec::new();
    for _ in 0..200_000 {
        state = state.wrapping_mul(1103515245).wrapping_add(12345);
        garbage.push((state >> 16) as u8);
    }
    let mut bad = TcpStream::connect(server.local_addr()).unwrap();
    bad.set_read_timeout(Some(TIMEOUT)).unwrap();
    let _ = bad.write_all(&garbage);
    let _ = bad.write_all(b"\0\0\0NOOP\0\r\n\xff\xff\xff\xfb\x01\xff\xfd\x03\xff\r\n");
    let mut client = Client::connect(&server);
    let reply = client.send("US\0ER alice");
    assert!(["500", "501", "331"].contains(&code(&reply)), "{reply}");
    client.write(b"\xff\xfb\x01\xff\xfe\x03NOOP\r\n");
    let reply = client.reply();
    assert!(["200", "500", "530"].contains(&code(&reply)), "{reply}");
    drop(bad);
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn clients_over_the_cap_get_421_and_every_thread_ends() {
    let root = tempfile::tempdir().unwrap();
    let config = netlessons::serve::Config {
        max_connections: 10,
        report: netlessons::serve::report_nothing,
        ..Default::default()
    };
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(FtpHandler::new(root.path(), users()).unwrap())
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(Client::login(&server, "alice", "secret"));
    }
    let mut refused = 0;
    for _ in 0..200 {
        let stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        if line.starts_with("421 ") {
            refused += 1;
        }
    }
    assert_eq!(refused, 200);
    for client in &mut held {
        assert_eq!(code(&client.send("NOOP")), "200");
    }
    drop(held);
    wait_idle(&server);
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("QUIT")), "221");
    drop(client);
    wait_idle(&server);
    let workers = server.worker_threads();
    assert!(
        workers <= netlessons::serve::MAX_IDLE_WORKERS + 1,
        "{workers}"
    );
    server.shutdown();
}

#[test]
fn rest_past_the_end_and_huge_rest() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"0123456789").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    assert_eq!(code(&client.send("REST 100")), "350");
    let reply = client.send("RETR a.txt");
    if code(&reply) == "150" {
        let mut bytes = Vec::new();
        data.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, b"");
        let reply = client.reply();
        assert!(["226", "551", "554"].contains(&code(&reply)), "{reply}");
    } else {
        assert!(["551", "554", "550"].contains(&code(&reply)), "{reply}");
    }
    for huge in [
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "-1",
    ] {
        let reply = client.send(&format!("REST {huge}"));
        if code(&reply) == "350" {
            let _data = client.passive();
            let reply = client.send("RETR a.txt");
            assert!(
                ["150", "551", "554", "550"].contains(&code(&reply)),
                "{huge}: {reply}"
            );
            if code(&reply) == "150" {
                let reply = client.reply();
                assert!(!reply.is_empty());
            }
        } else {
            assert!(["501", "500"].contains(&code(&reply)), "{huge}: {reply}");
        }
    }
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn file_commands_on_the_wrong_kind_of_thing() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("dir")).unwrap();
    fs::write(root.path().join("dir/inside"), b"x").unwrap();
    fs::write(root.path().join("file"), b"x").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    // Each refusal says what is wrong, in the words of the file system
    // (as vsftpd and pyftpdlib do), not a "permission denied" for all.
    for (command, expected) in [
        ("SIZE dir", "550 Is a directory\n"),
        ("MDTM dir", "550 Is a directory\n"),
        ("RMD dir", "550 Directory not empty\n"),
        ("MKD dir", "550 File exists\n"),
        ("MKD file", "550 File exists\n"),
        ("RNFR missing", "550 No such file or directory\n"),
        ("DELE dir", "550 Is a directory\n"),
        ("CWD file", "550 Not a directory\n"),
        ("RMD file", "550 Not a directory\n"),
    ] {
        assert_eq!(client.send(command), expected, "{command}");
    }
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(client.send("RETR dir"), "550 Is a directory\n");
    assert!(root.path().join("dir/inside").exists());
    assert!(root.path().join("file").is_file());
    assert_eq!(client.send("PWD"), "257 \"/\" is the current directory\n");
}

#[test]
fn twenty_clients_store_the_same_name() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let threads: Vec<_> = (0..20u8)
        .map(|n| {
            let addr = server.local_addr();
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(TIMEOUT)).unwrap();
                let mut client = Client {
                    reader: BufReader::new(stream.try_clone().unwrap()),
                    writer: stream,
                };
                assert!(client.reply().starts_with("220 "));
                client.send("USER alice");
                client.send("PASS secret");
                client.send("TYPE I");
                let bytes = vec![b'a' + n; 200_000];
                client.upload("STOR same.bin", &bytes)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(code(&thread.join().unwrap()), "226");
    }
    let stored = fs::read(root.path().join("same.bin")).unwrap();
    assert_eq!(stored.len(), 200_000);
    assert!(stored.iter().all(|&b| b == stored[0]));
    assert_eq!(names_in(root.path()), ["same.bin"]);
}

#[test]
fn a_slow_uploader_is_still_served() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let mut data = client.passive();
    assert_eq!(code(&client.send("STOR slow.txt")), "150");
    for n in 0..10u8 {
        data.write_all(&[b'0' + n]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(data);
    assert_eq!(code(&client.reply()), "226");
    assert_eq!(
        fs::read(root.path().join("slow.txt")).unwrap(),
        b"0123456789"
    );
}

#[test]
fn a_failed_resumed_stor_leaves_no_new_file() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let _data = client.passive();
    // An offset no file system can seek to.
    assert_eq!(code(&client.send("REST 18446744073709551615")), "350");
    assert_eq!(code(&client.send("STOR new.bin")), "451");
    assert_eq!(names_in(root.path()), Vec::<String>::new());
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn a_client_that_never_reads_a_download_is_cut_off() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("big.bin"), vec![b'z'; 64 * 1024 * 1024]).unwrap();
    let server = serve(
        FtpHandler::new(root.path(), users())
            .unwrap()
            .with_data_pace(Duration::from_millis(200), 1024 * 1024),
    );
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let data = client.passive();
    let started = Instant::now();
    assert_eq!(code(&client.send("RETR big.bin")), "150");
    // The data connection is never read.
    assert_eq!(client.reply(), "426 Connection closed; transfer aborted\n");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code(&client.send("NOOP")), "200");
    drop(data);
}

/// A server whose shutdown gives live connections 100 ms.
fn server_with_short_grace(handler: FtpHandler) -> ServerHandle {
    let config = netlessons::serve::Config {
        shutdown_grace: Duration::from_millis(100),
        report: netlessons::serve::report_nothing,
        ..Default::default()
    };
    Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(handler)
        .unwrap()
}

#[test]
fn shutdown_ends_a_wait_for_a_data_connection() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"x").unwrap();
    let server = server_with_short_grace(FtpHandler::new(root.path(), users()).unwrap());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PASV")), "227");
    assert_eq!(code(&client.send("RETR a.txt")), "150");
    let started = Instant::now();
    server.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_client_that_leaves_during_the_wait_for_its_data_connection_frees_its_thread() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.txt"), b"x").unwrap();
    // The default wait, 30 s: the thread must not need it.
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("PASV")), "227");
    assert_eq!(code(&client.send("RETR a.txt")), "150");
    let started = Instant::now();
    drop(client);
    wait_idle(&server);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn shutdown_ends_an_upload_whose_sender_went_silent() {
    let root = tempfile::tempdir().unwrap();
    let server = server_with_short_grace(FtpHandler::new(root.path(), users()).unwrap());
    let mut client = Client::login(&server, "alice", "secret");
    let mut data = client.passive();
    assert_eq!(code(&client.send("STOR silent.txt")), "150");
    data.write_all(b"a start, then nothing").unwrap();
    let started = Instant::now();
    server.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(names_in(root.path()), Vec::<String>::new());
}

#[test]
fn abor_stops_an_upload_whose_sender_went_silent() {
    let root = tempfile::tempdir().unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let mut data = client.passive();
    assert_eq!(code(&client.send("STOR silent.txt")), "150");
    data.write_all(b"a start, then nothing").unwrap();
    let started = Instant::now();
    client.write(b"ABOR\r\n");
    assert_eq!(client.reply(), "426 Transfer aborted\n");
    assert_eq!(client.reply(), "226 ABOR successful\n");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(names_in(root.path()), Vec::<String>::new());
}

#[test]
fn names_of_the_servers_temporary_files_are_not_for_clients() {
    let root = tempfile::tempdir().unwrap();
    // As an upload cut off by a crash would leave it: listings hide it.
    fs::write(root.path().join(".tmp-left"), b"half an upload").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(client.download("NLST"), b"");
    // STAT of a directory lists it over the control connection: the same rule.
    let status = client.send("STAT /");
    assert!(!status.contains(".tmp-left"), "{status}");
    for command in [
        "SIZE .tmp-left",
        "DELE .tmp-left",
        "RNFR .tmp-left",
        "MLST .tmp-left",
    ] {
        assert_eq!(code(&client.send(command)), "550", "{command}");
    }
    // A file by such a name would be missing from every listing.
    assert_eq!(code(&client.send("MKD .tmp-dir")), "553");
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("STOR .tmp-planted")), "553");
    fs::write(root.path().join("a.txt"), b"x").unwrap();
    assert_eq!(code(&client.send("RNFR a.txt")), "350");
    assert_eq!(code(&client.send("RNTO .tmp-hidden")), "553");
    assert_eq!(names_in(root.path()), [".tmp-left", "a.txt"]);
}

#[test]
fn a_directory_renamed_into_itself_is_refused_as_the_clients_error() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("dir/inner")).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("RNFR dir")), "350");
    // Not 451 (a local error): the server is fine, the request is not.
    assert_eq!(code(&client.send("RNTO dir/inner/dir")), "550");
    assert!(root.path().join("dir/inner").is_dir());
}

#[test]
fn a_pattern_lists_the_names_that_match() {
    // What `mget *.txt` in the classic ftp client sends: NLST with a shell
    // pattern, which the server expands, as vsftpd and ProFTPD do.
    let root = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.txt", "c.log", ".hidden.txt", "*.txt"] {
        fs::write(root.path().join(name), b"x").unwrap();
    }
    fs::create_dir(root.path().join("sub")).unwrap();
    fs::write(root.path().join("sub/d.txt"), b"x").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let mut names = |command: &str| {
        let listed = String::from_utf8(client.download(command)).unwrap();
        let mut names: Vec<String> = listed.lines().map(String::from).collect();
        names.sort();
        names
    };
    // `?` is any one character, a star too.
    assert_eq!(names("NLST ?.txt"), ["*.txt", "a.txt", "b.txt"]);
    // A dot file is left to a pattern that starts with a dot, as in a shell.
    assert_eq!(names("NLST .*.txt"), [".hidden.txt"]);
    assert_eq!(names("NLST sub/*.txt"), ["sub/d.txt"]);
    let long = names("LIST *.log");
    assert_eq!(long.len(), 1);
    assert!(long[0].ends_with(" c.log"), "{long:?}");
    // A name that exists is that name, even with a star in it.
    assert_eq!(names("NLST *.txt"), ["*.txt"]);
    // No match is the same 550 as a missing file; the session goes on.
    assert_eq!(code(&client.send("EPSV")), "229");
    assert_eq!(code(&client.send("NLST *.zip")), "550");
    assert_eq!(code(&client.send("NOOP")), "200");
}

#[test]
fn quit_during_a_download_ends_the_session_after_its_226() {
    let root = tempfile::tempdir().unwrap();
    let big = vec![b'x'; 64 * 1024 * 1024];
    fs::write(root.path().join("big.bin"), &big).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let mut data = client.passive();
    assert_eq!(code(&client.send("RETR big.bin")), "150");
    let mut first = [0; 1024];
    data.read_exact(&mut first).unwrap();
    // RFC 959 §4.1.1: a transfer in progress is finished and answered,
    // then the server closes the control connection.
    client.write(b"QUIT\r\n");
    let mut rest = Vec::new();
    data.read_to_end(&mut rest).unwrap();
    assert_eq!(first.len() + rest.len(), big.len());
    assert_eq!(client.reply(), "226 Transfer complete\n");
    assert_eq!(client.reply(), "221 Goodbye\n");
    let mut after = String::new();
    assert_eq!(client.reader.read_line(&mut after).unwrap(), 0, "{after:?}");
}

#[test]
fn stat_of_a_huge_directory_sends_a_bounded_reply() {
    use netlessons::ftp::server::MAX_STATUS_ENTRIES;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("many");
    fs::create_dir(&dir).unwrap();
    for n in 0..MAX_STATUS_ENTRIES + 5 {
        fs::write(dir.join(format!("f{n}")), b"").unwrap();
    }
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    let reply = client.send("STAT many");
    let lines: Vec<&str> = reply.lines().collect();
    assert_eq!(lines[0], "213-Status of \"/many\":");
    assert_eq!(
        lines.len(),
        MAX_STATUS_ENTRIES + 3,
        "{:?}",
        &lines[lines.len() - 3..]
    );
    assert_eq!(
        lines[lines.len() - 2],
        format!(" ... more than {MAX_STATUS_ENTRIES} entries; LIST sends them all")
    );
    assert_eq!(lines[lines.len() - 1], "213 End of status");
    // LIST still sends every one.
    let listed = client.download("LIST many");
    assert_eq!(
        listed.split(|&b| b == b'\n').count() - 1,
        MAX_STATUS_ENTRIES + 5
    );
}

#[test]
fn listings_leave_out_names_no_command_could_name_back() {
    let root = tempfile::tempdir().unwrap();
    // A backslash is a name's byte on Unix, but the path rule refuses it
    // (to Windows it is a separator): listed, it could not be fetched.
    fs::write(root.path().join("back\\slash.txt"), b"x").unwrap();
    fs::write(root.path().join("plain.txt"), b"x").unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("RETR back\\slash.txt")), "550");
    assert_eq!(client.download("NLST"), b"plain.txt\r\n");
    let listed = String::from_utf8(client.download("LIST")).unwrap();
    assert!(
        listed.ends_with(" plain.txt\r\n") && listed.lines().count() == 1,
        "{listed}"
    );
    let status = client.send("STAT .");
    assert_eq!(status.lines().count(), 3, "{status}");
}

#[test]
fn a_binary_download_announces_its_size_in_the_150() {
    // As vsftpd and ProFTPD do: clients (python's urllib, this crate's
    // client) take the size from it, to tell a whole file from a cut one.
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("a.bin"), vec![7; 1234]).unwrap();
    let server = server(root.path());
    let mut client = Client::login(&server, "alice", "secret");
    assert_eq!(code(&client.send("TYPE I")), "200");
    let _data = client.passive();
    assert_eq!(
        client.send("RETR a.bin"),
        "150 Opening BINARY mode data connection (1234 bytes)\n"
    );
    assert_eq!(code(&client.reply()), "226");
    // In ASCII the bytes sent are not the file's: no size is promised.
    assert_eq!(code(&client.send("TYPE A")), "200");
    let _data = client.passive();
    assert_eq!(
        client.send("RETR a.bin"),
        "150 Opening ASCII mode data connection\n"
    );
}

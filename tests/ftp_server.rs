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

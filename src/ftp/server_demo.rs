//! Chapter 09's demo: the FTP server, driven by a client of a few lines
//! written here over a plain `TcpStream`, so that every command and every
//! reply is shown as it travels.
//!
//! The control connection is printed as `C:` and `S:` lines. Each data
//! connection is printed as one `D:` line: who connected to whom, how many
//! bytes went which way, and the bytes themselves when they are few.
//!
//! The served directory is made for the demo in the system's temporary
//! directory and removed at the end.

use crate::demo::{expect, DemoResult, TempDir};
use crate::ftp::client::data_line;
use crate::ftp::server::FtpHandler;
use crate::ftp::session::{Users, LOGIN_FAILURE_DELAY};
use crate::serve::Server;
use crate::transcript::{Side, Transcript};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the demo's client waits for any reply or data before it
/// gives up: far more than a loopback server needs, so that a demo that
/// fails says why instead of hanging.
const DEMO_TIMEOUT: Duration = Duration::from_secs(10);

/// The file the demo uploads: three lines, ended Unix-style by LF.
const NOTES: &[u8] = b"one\ntwo\nthree\n";

/// The demo's directory, removed when dropped.
struct DemoRoot(TempDir);

impl DemoRoot {
    fn create() -> io::Result<DemoRoot> {
        Ok(DemoRoot(TempDir::new("09")?))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// The names in the directory, sorted, hidden ones included.
    fn names(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(self.path())? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

// ANCHOR: client
/// The demo's FTP client: one line out, one reply back, each shown.
struct RawClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    transcript: Transcript,
}

impl RawClient {
    fn connect(addr: SocketAddr, transcript: &Transcript) -> io::Result<RawClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(DEMO_TIMEOUT))?;
        Ok(RawClient {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            transcript: transcript.clone(),
        })
    }

    /// Sends one command line, ended by CR LF, and reads its reply.
    fn send(&mut self, line: &str) -> io::Result<String> {
        self.transcript.wire(Side::Client, line.as_bytes());
        self.writer.write_all(format!("{line}\r\n").as_bytes())?;
        self.reply()
    }

    /// Reads one reply, every line of it (`211-...` up to `211 ...`), and
    /// returns its last line.
    fn reply(&mut self) -> io::Result<String> {
        // The code of the first line: the reply ends at a line that
        // starts with the same code and a space (RFC 959 §4.2).
        let mut code = None;
        loop {
            let mut line = Vec::new();
            // A bound on what one line may hold, as any client needs.
            (&mut self.reader).take(4096).read_until(b'\n', &mut line)?;
            if !line.ends_with(b"\r\n") {
                return Err(io::Error::other("the server sent no whole reply line"));
            }
            let line = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
            self.transcript.wire(Side::Server, line.as_bytes());
            let code = code.get_or_insert_with(|| line.get(..3).unwrap_or("").to_string());
            if line.len() >= 4 && line.starts_with(code.as_str()) && line.as_bytes()[3] == b' ' {
                return Ok(line);
            }
        }
    }

    /// `PASV`, and the data connection to the address its reply names.
    fn passive(&mut self) -> Result<TcpStream, Box<dyn std::error::Error + Send + Sync>> {
        let reply = self.send("PASV")?;
        expect(reply.starts_with("227 "), "PASV is answered 227")?;
        // 227 Entering Passive Mode (127,0,0,1,195,140): the port is 195*256+140.
        let numbers = reply
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
            .unwrap_or_default();
        let bytes: Vec<u8> = numbers.split(',').filter_map(|n| n.parse().ok()).collect();
        let [a, b, c, d, high, low] = bytes[..] else {
            return Err(format!("no address in {reply:?}").into());
        };
        let addr = SocketAddr::from(([a, b, c, d], u16::from(high) << 8 | u16::from(low)));
        let data = TcpStream::connect(addr)?;
        data.set_read_timeout(Some(DEMO_TIMEOUT))?;
        Ok(data)
    }
}
// ANCHOR_END: client

/// The `data:` line of a data connection, in chapter 08's form
/// ([`data_line`]), with the bytes that went over it: `passive` says the
/// client connected (else the server did), `upload` that the bytes went to
/// the server.
fn show_data(
    transcript: &Transcript,
    passive: bool,
    (client, server): (SocketAddr, SocketAddr),
    upload: bool,
    bytes: &[u8],
) {
    let line = data_line(passive, client, server, bytes.len() as u64, upload);
    transcript.say(format!("{line}: {:?}", String::from_utf8_lossy(bytes)));
}

/// A passive download: `PASV`, `command`, the bytes, then `226`.
fn download(
    client: &mut RawClient,
    command: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let mut data = client.passive()?;
    let reply = client.send(command)?;
    expect(
        reply.starts_with("150 "),
        &format!("{command} is answered 150"),
    )?;
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes)?;
    let (local, peer) = (data.local_addr()?, data.peer_addr()?);
    show_data(&client.transcript, true, (local, peer), false, &bytes);
    let reply = client.reply()?;
    expect(
        reply.starts_with("226 "),
        &format!("{command} ends with 226"),
    )?;
    Ok(bytes)
}

/// Bytes as hex pairs: `6f 6e 65 0a`.
fn hex(bytes: &[u8]) -> String {
    let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    pairs.join(" ")
}

/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = DemoRoot::create()?;
    let users = Users::new().with_user("alice", "secret");
    let server = Server::bind("127.0.0.1:0")?.spawn(FtpHandler::new(root.path(), users)?)?;
    transcript.note(format!(
        "an FTP server on {}, serving an empty directory to alice (password secret);",
        server.local_addr()
    ));
    transcript.note("C: and S: are the control connection, data: a data connection");
    transcript.say("");
    let mut client = RawClient::connect(server.local_addr(), transcript)?;
    expect(client.reply()?.starts_with("220 "), "the greeting is 220")?;
    transcript.say("");

    transcript.note("an unknown user and a wrong password: the same 530, after the same delay");
    for (user, password) in [("mallory", "guess"), ("alice", "wrong")] {
        expect(
            client.send(&format!("USER {user}"))?.starts_with("331 "),
            "USER is 331",
        )?;
        let asked = Instant::now();
        let reply = client.send(&format!("PASS {password}"))?;
        let waited = asked.elapsed();
        expect(reply.starts_with("530 "), "a failed login is 530")?;
        expect(waited >= LOGIN_FAILURE_DELAY, "a failed login waits")?;
        transcript.note(format!(
            "(the 530 came {} ms after PASS)",
            waited.as_millis()
        ));
    }
    client.send("USER alice")?;
    expect(
        client.send("PASS secret")?.starts_with("230 "),
        "the right password is 230",
    )?;
    transcript.say("");

    transcript.note("an upload in passive mode: the server listens, the client connects");
    expect(client.send("TYPE I")?.starts_with("200 "), "TYPE I")?;
    let mut data = client.passive()?;
    expect(
        client.send("STOR notes.txt")?.starts_with("150 "),
        "STOR is 150",
    )?;
    data.write_all(NOTES)?;
    let (local, peer) = (data.local_addr()?, data.peer_addr()?);
    drop(data); // in stream mode, the close is the end of the file
    show_data(transcript, true, (local, peer), true, NOTES);
    expect(client.reply()?.starts_with("226 "), "STOR ends with 226")?;
    let names = root.names()?;
    expect(names == ["notes.txt"], "no temporary file is left")?;
    expect(
        fs::read(root.path().join("notes.txt"))? == NOTES,
        "the file is whole",
    )?;
    transcript.note(format!(
        "the bytes went to a temporary name, renamed to notes.txt before the 226;\n\
         the directory now holds: {}",
        names.join(", ")
    ));
    transcript.say("");

    transcript.note("the file back, then its end only: REST 4 skips the first 4 bytes");
    expect(download(&mut client, "RETR notes.txt")? == NOTES, "RETR")?;
    let mut data = client.passive()?;
    expect(client.send("REST 4")?.starts_with("350 "), "REST is 350")?;
    expect(
        client.send("RETR notes.txt")?.starts_with("150 "),
        "RETR is 150",
    )?;
    let mut rest = Vec::new();
    data.read_to_end(&mut rest)?;
    let (local, peer) = (data.local_addr()?, data.peer_addr()?);
    show_data(transcript, true, (local, peer), false, &rest);
    expect(client.reply()?.starts_with("226 "), "RETR ends with 226")?;
    expect(rest == NOTES[4..], "REST 4")?;
    transcript.say("");

    transcript.note("TYPE A: each LF of the file travels as CR LF");
    expect(client.send("TYPE A")?.starts_with("200 "), "TYPE A")?;
    let text = download(&mut client, "RETR notes.txt")?;
    expect(text == b"one\r\ntwo\r\nthree\r\n", "TYPE A sends CR LF")?;
    transcript.note(format!("on disk   {}", hex(NOTES)));
    transcript.note(format!("on wire   {}", hex(&text)));
    expect(client.send("TYPE I")?.starts_with("200 "), "TYPE I")?;
    transcript.say("");

    transcript.note("active mode: the client listens, the server connects to it");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let command = format!("PORT 127,0,0,1,{},{}", port >> 8, port & 0xff);
    expect(
        client.send(&command)?.starts_with("200 "),
        "PORT to the client is 200",
    )?;
    expect(client.send("NLST")?.starts_with("150 "), "NLST is 150")?;
    let (mut data, from) = listener.accept()?;
    data.set_read_timeout(Some(DEMO_TIMEOUT))?;
    let mut names = Vec::new();
    data.read_to_end(&mut names)?;
    show_data(transcript, false, (data.local_addr()?, from), false, &names);
    expect(client.reply()?.starts_with("226 "), "NLST ends with 226")?;
    expect(names == b"notes.txt\r\n", "NLST lists the file")?;
    transcript.say("");

    transcript.note("a PORT to another host (the bounce attack), or to a port below 1024: refused");
    let bounce = client.send("PORT 192,0,2,7,0,25")?;
    expect(bounce.starts_with("504 "), "a PORT to another host is 504")?;
    let low = client.send("PORT 127,0,0,1,0,25")?;
    expect(low.starts_with("504 "), "a PORT to port 25 is 504")?;
    transcript.say("");

    transcript.note("the root is the top: .. above it is refused, and the session stays at /");
    expect(
        client.send("CWD ../..")?.starts_with("550 "),
        "CWD ../.. is 550",
    )?;
    expect(
        client.send("PWD")?.starts_with("257 \"/\""),
        "PWD is still /",
    )?;
    transcript.say("");

    expect(client.send("QUIT")?.starts_with("221 "), "QUIT is 221")?;
    drop(client);
    server.shutdown();
    Ok(())
}

//! The FTP client against scripted servers on loopback.
//!
//! Each test holds the server's script: the exact lines the client must
//! send, the replies, and what happens on the data connection (which the
//! server opens or accepts as the script says). A line out of place fails
//! the server's thread, and so the test. The main cases run again with
//! the control connection through the chaos proxy, in every weather.

#[path = "support/mod.rs"]
mod support;

use netlessons::ftp::client::{FtpClient, FtpError, Options, RemoteEntry, MAX_LISTING_LEN};
use netlessons::ftp::listing::Kind;
use netlessons::transcript::Transcript;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::chaos::{ChaosProxy, Weather};

/// How long the server waits for the client before failing the test.
const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// One step of the server's script.
enum Step {
    /// Write this reply (CR LF added).
    Reply(&'static str),
    /// Read one line and check it is exactly this (CR LF removed).
    Expect(String),
    /// Listen on a data port and answer `229 (|||port|)`.
    Epsv,
    /// Listen on a data port and answer `227` with the port and an address
    /// the client must not use (10.0.0.5: a private address behind NAT).
    Pasv,
    /// Read `EPRT |1|ip|port|`, answer 200, and connect there.
    Eprt,
    /// Send these bytes on the data connection, then close it.
    Send(Vec<u8>),
    /// Read the data connection to its end; check it holds these bytes.
    Receive(Vec<u8>),
}

use Step::{Eprt, Epsv, Pasv, Receive, Reply, Send};

fn expect(line: &str) -> Step {
    Step::Expect(line.to_string())
}

/// The greeting and a login as alice.
fn login() -> Vec<Step> {
    vec![
        Reply("220 Scripted FTP ready"),
        expect("USER alice"),
        Reply("331 Password required"),
        expect("PASS secret"),
        Reply("230 Logged in"),
    ]
}

/// A server playing one script on its first connection.
struct Server {
    addr: SocketAddr,
    thread: JoinHandle<()>,
}

impl Server {
    fn start(script: Vec<Step>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = thread::spawn(move || {
            let (control, _) = listener.accept().unwrap();
            play(control, script);
        });
        Server { addr, thread }
    }

    /// Waits for the script's end: a failed step fails the test here.
    fn finish(self) {
        if let Err(panic) = self.thread.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

fn play(control: TcpStream, script: Vec<Step>) {
    control.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let mut writer = control.try_clone().unwrap();
    let mut reader = BufReader::new(control);
    let mut passive: Option<TcpListener> = None;
    let mut active: Option<TcpStream> = None;
    for step in script {
        match step {
            Reply(reply) => writer.write_all(format!("{reply}\r\n").as_bytes()).unwrap(),
            Step::Expect(expected) => assert_eq!(read_line(&mut reader), expected),
            Epsv | Pasv => {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                passive = Some(listener);
                let reply = match step {
                    Epsv => {
                        assert_eq!(read_line(&mut reader), "EPSV");
                        format!("229 Entering Extended Passive Mode (|||{port}|)\r\n")
                    }
                    _ => {
                        assert_eq!(read_line(&mut reader), "PASV");
                        let (p1, p2) = (port >> 8, port & 0xff);
                        format!("227 Entering Passive Mode (10,0,0,5,{p1},{p2}).\r\n")
                    }
                };
                writer.write_all(reply.as_bytes()).unwrap();
            }
            Eprt => {
                let line = read_line(&mut reader);
                let argument = line
                    .strip_prefix("EPRT |1|127.0.0.1|")
                    .unwrap_or_else(|| panic!("expected EPRT |1|127.0.0.1|port|, got {line:?}"));
                let port: u16 = argument.trim_end_matches('|').parse().unwrap();
                writer
                    .write_all(b"200 EPRT command successful\r\n")
                    .unwrap();
                active = Some(TcpStream::connect(("127.0.0.1", port)).unwrap());
            }
            Send(bytes) => {
                let mut stream = data(&mut passive, &mut active);
                // A client may close early, on purpose: what it received is
                // checked on its side.
                let _ = stream.write_all(&bytes);
                let _ = stream.shutdown(Shutdown::Write);
            }
            Receive(expected) => {
                let mut stream = data(&mut passive, &mut active);
                let mut received = Vec::new();
                stream.read_to_end(&mut received).unwrap();
                assert_eq!(received, expected, "the bytes uploaded");
            }
        }
    }
}

/// The data connection: accepted from the passive listener, or the one
/// connected to the client in active mode.
fn data(passive: &mut Option<TcpListener>, active: &mut Option<TcpStream>) -> TcpStream {
    let stream = match (passive.take(), active.take()) {
        (Some(listener), _) => listener.accept().unwrap().0,
        (None, Some(stream)) => stream,
        (None, None) => panic!("the script sends data with no data connection"),
    };
    stream.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    stream
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(
        line.ends_with("\r\n"),
        "a command ends with CR LF: {line:?}"
    );
    line.truncate(line.len() - 2);
    line
}

fn options() -> Options {
    Options {
        timeout: PEER_TIMEOUT,
        ..Options::default()
    }
}

/// Connects to `addr` and logs in as alice.
fn logged_in(addr: SocketAddr, options: Options) -> FtpClient {
    let mut client = FtpClient::connect(addr, options).unwrap();
    client.login("alice", "secret").unwrap();
    client
}

/// `count` bytes that are not all alike, larger than the client's buffer.
fn file_bytes(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i * 7 % 251) as u8).collect()
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

const FEAT_WITH_MLST: &str =
    "211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n SIZE\r\n211 End";

fn mlsd_script() -> Vec<Step> {
    let mut script = login();
    script.extend([
        expect("FEAT"),
        Reply(FEAT_WITH_MLST),
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("MLSD pub"),
        Reply("150 Here comes the listing"),
        Send(
            b"type=cdir;modify=20261201081500; .\r\n\
              type=pdir;modify=20261201081500; ..\r\n\
              type=file;size=1024;modify=20261201081500; notes.txt\r\n\
              type=dir;modify=20250105120000; old photos\r\n"
                .to_vec(),
        ),
        Reply("226 Transfer complete"),
    ]);
    script
}

fn mlsd_entries() -> Vec<RemoteEntry> {
    vec![
        RemoteEntry {
            name: "notes.txt".into(),
            kind: Some(Kind::File),
            size: Some(1024),
            modified: Some(at(1_796_112_900)),
        },
        RemoteEntry {
            name: "old photos".into(),
            kind: Some(Kind::Dir),
            size: None,
            modified: Some(at(1_736_078_400)),
        },
    ]
}

#[test]
fn list_uses_mlsd_when_feat_offers_mlst() {
    let server = Server::start(mlsd_script());
    let mut client = logged_in(server.addr, options());
    assert_eq!(client.list("pub").unwrap(), mlsd_entries());
    server.finish();
}

#[test]
fn list_reads_ls_lines_when_the_server_has_no_feat_and_no_epsv() {
    // An old server: no FEAT (RFC 2389), so no MLSD; EPSV is tried, and
    // refused, so PASV.
    let mut script = login();
    script.extend([
        expect("FEAT"),
        Reply("502 Command not implemented"),
        expect("TYPE I"),
        Reply("200 Type set to I"),
        expect("EPSV"),
        Reply("500 EPSV not understood"),
        Pasv,
        expect("LIST"),
        Reply("150 Here comes the directory listing"),
        Send(
            b"total 8\r\n\
              -rw-r--r--    1 ftp      ftp          1024 Jan 05  2025 notes.txt\r\n\
              drwxr-xr-x    2 ftp      ftp          4096 Jan 05  2025 old photos\r\n"
                .to_vec(),
        ),
        Reply("226 Directory send OK"),
        // The next transfer goes straight to PASV.
        Pasv,
        expect("NLST"),
        Reply("150 Here comes the directory listing"),
        Send(b"notes.txt\r\nold photos\r\n".to_vec()),
        Reply("226 Directory send OK"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let entries = client.list("").unwrap();
    let names: Vec<(&str, Option<Kind>, Option<u64>)> = entries
        .iter()
        .map(|entry| (entry.name.as_str(), entry.kind, entry.size))
        .collect();
    assert_eq!(
        names,
        [
            ("notes.txt", Some(Kind::File), Some(1024)),
            ("old photos", Some(Kind::Dir), Some(4096))
        ]
    );
    // A date with a year and no time: the day, at midnight UTC.
    assert_eq!(entries[0].modified, Some(at(1_736_035_200)));
    assert_eq!(client.nlst("").unwrap(), ["notes.txt", "old photos"]);
    server.finish();
}

fn retr_script(file: &[u8]) -> Vec<Step> {
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR big.bin"),
        Reply("150 Opening BINARY mode data connection for big.bin (200000 bytes)."),
        Send(file.to_vec()),
        Reply("226 Transfer complete"),
        expect("QUIT"),
        Reply("221 Goodbye"),
    ]);
    script
}

#[test]
fn retr_downloads_every_byte_into_a_writer() {
    let file = file_bytes(200_000);
    let server = Server::start(retr_script(&file));
    let transcript = Transcript::memory();
    let mut client = logged_in(
        server.addr,
        Options {
            transcript: transcript.clone(),
            ..options()
        },
    );
    let mut out = Vec::new();
    assert_eq!(client.retr("big.bin", &mut out, None).unwrap(), 200_000);
    assert!(out == file, "the bytes downloaded differ");
    client.quit().unwrap();
    server.finish();
    // The control connection, and notes where the data went.
    let shown = transcript.contents();
    let data_port = shown
        .split("(|||")
        .nth(1)
        .and_then(|rest| rest.split('|').next())
        .unwrap_or_else(|| panic!("no 229 in {shown}"));
    let client_port = shown
        .split("data: client 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no data line in {shown}"));
    // One line for the data connection, once the transfer is over: who
    // connected to whom, and the bytes it carried, which way.
    assert_eq!(
        shown,
        format!(
            "S: 220 Scripted FTP ready\n\
             C: USER alice\n\
             S: 331 Password required\n\
             C: PASS ****\n\
             S: 230 Logged in\n\
             C: TYPE I\n\
             S: 200 Type set to I\n\
             C: EPSV\n\
             S: 229 Entering Extended Passive Mode (|||{data_port}|)\n\
             C: RETR big.bin\n\
             S: 150 Opening BINARY mode data connection for big.bin (200000 bytes).\n\
             S: 226 Transfer complete\n\
             data: client 127.0.0.1:{client_port} -> server 127.0.0.1:{data_port}, \
             200000 bytes to the client\n\
             C: QUIT\n\
             S: 221 Goodbye\n"
        )
    );
}

#[test]
fn progress_reports_the_size_the_150_reply_announces() {
    let file = file_bytes(200_000);
    let mut script = login();
    // TYPE I first: the size asked for is the size in image type.
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        expect("SIZE big.bin"),
        Reply("550 SIZE not allowed here"),
    ]);
    script.extend(retr_script(&file).into_iter().skip(7));
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    client.on_progress(move |so_far, total| record.lock().unwrap().push((so_far, total)));
    client.retr("big.bin", std::io::sink(), None).unwrap();
    client.quit().unwrap();
    server.finish();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last(), Some(&(200_000, Some(200_000))));
    assert!(
        seen.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "{seen:?}"
    );
}

#[test]
fn retr_resumes_with_rest() {
    let file = file_bytes(100);
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("REST 40"),
        Reply("350 Restarting at 40. Send STORE or RETRIEVE to initiate transfer"),
        expect("RETR notes.txt"),
        Reply("150 Opening data connection"),
        Send(file[40..].to_vec()),
        Reply("226 Transfer complete"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let mut out = file[..40].to_vec();
    assert_eq!(client.retr("notes.txt", &mut out, Some(40)).unwrap(), 60);
    assert_eq!(out, file);
    server.finish();
}

#[test]
fn stor_uploads_from_a_slice() {
    let file = file_bytes(150_000);
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("STOR upload.bin"),
        Reply("150 Ok to send data"),
        Receive(file.clone()),
        Reply("226 Transfer complete"),
        Epsv,
        expect("APPE upload.bin"),
        Reply("150 Ok to send data"),
        Receive(b"more".to_vec()),
        Reply("226 Transfer complete"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    assert_eq!(client.stor("upload.bin", &file[..]).unwrap(), 150_000);
    assert_eq!(client.appe("upload.bin", &b"more"[..]).unwrap(), 4);
    server.finish();
}

#[test]
fn active_mode_sends_eprt_and_accepts_the_servers_connection() {
    let file = file_bytes(70_000);
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Eprt,
        expect("RETR notes.txt"),
        Reply("150 Opening data connection"),
        Send(file.clone()),
        Reply("226 Transfer complete"),
    ]);
    let server = Server::start(script);
    let transcript = Transcript::memory();
    let mut client = logged_in(
        server.addr,
        Options {
            passive: false,
            transcript: transcript.clone(),
            ..options()
        },
    );
    let mut out = Vec::new();
    client.retr("notes.txt", &mut out, None).unwrap();
    assert!(out == file, "the bytes downloaded differ");
    server.finish();
    // The data line says the server connected, to the port EPRT named.
    let shown = transcript.contents();
    let listening = shown
        .split("C: EPRT |1|127.0.0.1|")
        .nth(1)
        .and_then(|rest| rest.split('|').next())
        .unwrap_or_else(|| panic!("no EPRT in {shown}"));
    let data_line = shown
        .lines()
        .find(|line| line.starts_with("data: "))
        .unwrap_or_else(|| panic!("no data line in {shown}"));
    let (from, to) = data_line
        .strip_prefix("data: server 127.0.0.1:")
        .and_then(|rest| rest.split_once(" -> "))
        .unwrap_or_else(|| panic!("the server connected: {data_line}"));
    assert!(from.bytes().all(|b| b.is_ascii_digit()), "{data_line}");
    assert_eq!(
        to,
        format!("client 127.0.0.1:{listening}, 70000 bytes to the client")
    );
}

#[test]
fn active_mode_falls_back_to_port_when_eprt_is_unknown() {
    let mut script = login();
    script.extend([expect("TYPE I"), Reply("200 Type set to I")]);
    let server_script = script;
    // PORT's port is the client's choice: the server reads it from the line.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let thread = thread::spawn(move || {
        let (control, _) = listener.accept().unwrap();
        let mut writer = control.try_clone().unwrap();
        play(control.try_clone().unwrap(), server_script);
        let mut reader = BufReader::new(control);
        let eprt = read_line(&mut reader);
        assert!(eprt.starts_with("EPRT |1|127.0.0.1|"), "{eprt}");
        writer.write_all(b"502 EPRT not implemented\r\n").unwrap();
        let port_line = read_line(&mut reader);
        let numbers: Vec<u16> = port_line
            .strip_prefix("PORT 127,0,0,1,")
            .unwrap_or_else(|| panic!("{port_line}"))
            .split(',')
            .map(|number| number.parse().unwrap())
            .collect();
        writer
            .write_all(b"200 PORT command successful\r\n")
            .unwrap();
        let mut data = TcpStream::connect(("127.0.0.1", numbers[0] * 256 + numbers[1])).unwrap();
        assert_eq!(read_line(&mut reader), "RETR notes.txt");
        writer
            .write_all(b"150 Opening data connection\r\n")
            .unwrap();
        data.write_all(b"hello").unwrap();
        drop(data);
        writer.write_all(b"226 Transfer complete\r\n").unwrap();
    });
    let mut client = logged_in(
        addr,
        Options {
            passive: false,
            ..options()
        },
    );
    let mut out = Vec::new();
    client.retr("notes.txt", &mut out, None).unwrap();
    assert_eq!(out, b"hello");
    thread.join().unwrap();
}

#[test]
fn a_refused_transfer_keeps_the_code_and_the_connection() {
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR missing.txt"),
        Reply("550 Failed to open file."),
        expect("NOOP"),
        Reply("200 NOOP ok"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let mut out = Vec::new();
    let error = client.retr("missing.txt", &mut out, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the server refused RETR missing.txt: 550 Failed to open file."
    );
    assert!(out.is_empty());
    client.noop().unwrap();
    server.finish();
}

#[test]
fn a_data_connection_closed_early_is_reported_by_the_426() {
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR notes.txt"),
        Reply("150 Opening data connection"),
        Send(b"the first ten".to_vec()),
        Reply("426 Connection closed; transfer aborted."),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.retr("notes.txt", Vec::new(), None).unwrap_err();
    assert_eq!(error.code(), Some(426), "{error}");
    server.finish();
}

/// A local file that fails at its first write, as a full disk does.
struct FullDisk;

impl Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("no space left on device"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_local_write_failure_is_reported_before_the_servers_426() {
    // The client stops reading and closes; the server then says 426, which
    // is true but says nothing of the cause.
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR big.bin"),
        Reply("150 Opening data connection"),
        Send(file_bytes(200_000)),
        Reply("426 Connection closed; transfer aborted."),
        expect("NOOP"),
        Reply("200 NOOP ok"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.retr("big.bin", FullDisk, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the local file failed: no space left on device"
    );
    client.noop().unwrap();
    server.finish();
}

#[test]
fn a_data_connection_shorter_than_announced_is_truncated() {
    // The server said 226, but fewer bytes came than its 150 announced.
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR notes.txt"),
        Reply("150 Opening BINARY mode data connection for notes.txt (100 bytes)."),
        Send(b"only 13 bytes".to_vec()),
        Reply("226 Transfer complete"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.retr("notes.txt", Vec::new(), None).unwrap_err();
    assert!(matches!(error, FtpError::Truncated { .. }));
    assert_eq!(
        error.to_string(),
        "the data connection closed after 13 of the 100 bytes announced: the file is incomplete"
    );
    server.finish();
}

#[test]
fn a_passive_port_nobody_listens_on_names_the_address() {
    // A port just freed: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let epsv =
        Box::leak(format!("229 Entering Extended Passive Mode (|||{port}|)").into_boxed_str());
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        expect("EPSV"),
        Reply(epsv),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.retr("notes.txt", Vec::new(), None).unwrap_err();
    assert!(matches!(error, FtpError::Data(_)), "{error}");
    assert!(
        error.to_string().starts_with(&format!(
            "could not open the data connection to 127.0.0.1:{port}: "
        )),
        "{error}"
    );
    server.finish();
}

#[test]
fn transfers_survive_every_weather_on_the_control_connection() {
    for (name, weather) in Weather::all() {
        let file = file_bytes(200_000);
        let server = Server::start(retr_script(&file));
        let proxy = ChaosProxy::start(server.addr, weather).unwrap();
        let mut client = logged_in(proxy.addr(), options());
        let mut out = Vec::new();
        client.retr("big.bin", &mut out, None).unwrap();
        assert!(out == file, "{name}: the bytes downloaded differ");
        client.quit().unwrap();
        server.finish();

        let server = Server::start(mlsd_script());
        let proxy = ChaosProxy::start(server.addr, weather).unwrap();
        let mut client = logged_in(proxy.addr(), options());
        assert_eq!(client.list("pub").unwrap(), mlsd_entries(), "{name}");
        server.finish();
    }
}

#[test]
fn a_listing_past_the_limit_is_refused_not_kept() {
    // 17 MiB of well-formed entries: more than MAX_LISTING_LEN.
    let line = b"type=file;size=1; a file name of some length, to fill the listing fast\r\n";
    let listing: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(17 * 1024 * 1024 / line.len() * line.len())
        .collect();
    let mut script = login();
    script.extend([
        expect("FEAT"),
        Reply(FEAT_WITH_MLST),
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("MLSD"),
        Reply("150 Here comes the listing"),
        Send(listing),
        Reply("426 Connection closed; transfer aborted."),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.list("").unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("the listing is longer than the limit of {MAX_LISTING_LEN} bytes")
    );
    server.finish();
}

#[test]
fn an_announced_size_near_the_top_of_u64_does_not_overflow() {
    // A resumed download: the total is the offset plus the size announced,
    // and a hostile server can announce the largest number there is.
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        expect("SIZE notes.txt"),
        Reply("502 SIZE not implemented"),
        Epsv,
        expect("REST 10"),
        Reply("350 Restarting at 10"),
        expect("RETR notes.txt"),
        Reply("150 Opening data connection (18446744073709551615 bytes)"),
        Send(b"the rest".to_vec()),
        Reply("226 Transfer complete"),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    client.on_progress(move |so_far, total| record.lock().unwrap().push((so_far, total)));
    // SIZE comes first when progress is asked for; this server has none.
    let mut out = Vec::new();
    let result = client.retr("notes.txt", &mut out, Some(10));
    server.finish();
    assert_eq!(result.unwrap(), 8);
    assert_eq!(seen.lock().unwrap().last(), Some(&(18, Some(u64::MAX))));
}

#[test]
fn a_server_that_leaves_mid_download_is_reported_as_a_truncated_file() {
    // The data stops short of what the 150 announced, and then the server
    // closes the control connection too, with no 226 or 426: what the user
    // must learn is that the file is incomplete.
    let mut script = login();
    script.extend([
        expect("TYPE I"),
        Reply("200 Type set to I"),
        Epsv,
        expect("RETR notes.txt"),
        Reply("150 Opening BINARY mode data connection for notes.txt (100 bytes)."),
        Send(b"only 13 bytes".to_vec()),
    ]);
    let server = Server::start(script);
    let mut client = logged_in(server.addr, options());
    let error = client.retr("notes.txt", Vec::new(), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the data connection closed after 13 of the 100 bytes announced: the file is incomplete"
    );
    server.finish();
}

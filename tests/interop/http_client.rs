//! Chapter 05's HTTP client against real servers: python3's http.server
//! and nginx, each serving files from a temporary directory.

use super::{python_server, require, run};
use netlessons::http::client::Client;
use netlessons::http::Headers;
use netlessons::http::Method;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A tempdir with `hello.txt`, `new.txt`, a 1 MB file and a folder.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("hello.txt"), "hello from a file\n").unwrap();
    fs::write(dir.path().join("new.txt"), "moved here\n").unwrap();
    fs::write(dir.path().join("big.bin"), big_body()).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub").join("index.html"), "<p>sub</p>\n").unwrap();
    dir
}

/// 1 MB of bytes that are not all alike, so a misplaced piece shows.
fn big_body() -> Vec<u8> {
    (0..1_000_000u32).map(|i| (i % 251) as u8).collect()
}

/// python3's http.server on a free port, serving `root`, speaking HTTP/1.0
/// (its default: a connection per request) or HTTP/1.1 (keep-alive).
fn python_http_server(root: &Path, protocol: &str) -> (Child, String) {
    let program = format!(
        r#"
import functools, http.server
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = {protocol:?}
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory={root:?}))
print(server.server_address[1], flush=True)
server.serve_forever()
"#,
        root = root.to_str().unwrap()
    );
    python_server(&program)
}

#[test]
fn python_http_server_gives_a_file_and_a_404() {
    let dir = site();
    let (mut child, addr) = python_http_server(dir.path(), "HTTP/1.0");
    let mut client = Client::new();
    let file = client.get(&format!("http://{addr}/hello.txt")).unwrap();
    let missing = client.get(&format!("http://{addr}/missing.txt")).unwrap();
    let big = client.get(&format!("http://{addr}/big.bin")).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        (file.status, file.body.as_slice()),
        (200, &b"hello from a file\n"[..])
    );
    assert_eq!(missing.status, 404);
    assert_eq!(big.body, big_body());
    // HTTP/1.0 without keep-alive: one connection per request.
    assert_eq!(client.connections_opened(), 3);
}

#[test]
fn python_http_server_over_http_1_1_keeps_the_connection() {
    let dir = site();
    let (mut child, addr) = python_http_server(dir.path(), "HTTP/1.1");
    let mut client = Client::new();
    let first = client.get(&format!("http://{addr}/hello.txt")).unwrap();
    // A folder without its slash: 301 to /sub/, followed.
    let folder = client.get(&format!("http://{addr}/sub")).unwrap();
    let head = client.head(&format!("http://{addr}/big.bin")).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(first.body, b"hello from a file\n");
    assert_eq!((folder.status, folder.url.path()), (200, "/sub/"));
    assert_eq!(folder.body, b"<p>sub</p>\n");
    assert_eq!(head.headers.get("content-length"), Some("1000000"));
    assert!(head.body.is_empty());
    assert_eq!(client.connections_opened(), 1);
}

/// nginx in the foreground, in one process, with everything it writes
/// (pid, logs, temporary files) inside `prefix`. Killed when dropped.
struct Nginx {
    child: Child,
    addr: String,
    prefix: tempfile::TempDir,
}

impl Nginx {
    fn start(root: &Path) -> Nginx {
        let nginx = require("nginx");
        let prefix = tempfile::tempdir().unwrap();
        let port = free_port();
        let p = prefix.path().to_str().unwrap();
        // Run as root, nginx would switch to `nobody`, who cannot read the
        // tempdir: say to stay root. As anyone else it cannot switch anyway.
        let user = if is_root() { "user root;" } else { "" };
        let config = format!(
            r#"
{user}
master_process off;
pid {p}/nginx.pid;
error_log {p}/error.log;
events {{ worker_connections 64; }}
http {{
    log_format conns '$connection $connection_requests "$request" $status';
    access_log {p}/access.log conns;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    default_type text/plain;
    gzip off;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /old {{ return 301 /new.txt; }}
        # Compressing as it sends, nginx cannot know the length: chunked.
        location /gz/ {{
            alias {root}/;
            gzip on;
            gzip_min_length 0;
            gzip_types text/plain application/octet-stream;
        }}
    }}
}}
"#,
            root = root.to_str().unwrap()
        );
        let conf = prefix.path().join("nginx.conf");
        fs::write(&conf, config).unwrap();
        let child = Command::new(nginx)
            .args(["-c", conf.to_str().unwrap(), "-p", p, "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let mut nginx = Nginx {
            child,
            addr,
            prefix,
        };
        nginx.wait_until_listening();
        nginx
    }

    /// nginx binds its own port, so there is nothing to bind first: poll.
    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(&self.addr).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = fs::read_to_string(self.prefix.path().join("error.log"));
                panic!("nginx exited ({status}): {}", log.unwrap_or_default());
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {}",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The access log: `CONNECTION REQUESTS-ON-IT "REQUEST" STATUS` lines.
    fn access_log(&self) -> String {
        fs::read_to_string(self.prefix.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago: bind port 0, read it, let it go.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    let output = run("id", &["-u"], b"");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

#[test]
fn nginx_serves_files_on_one_kept_connection() {
    let dir = site();
    let nginx = Nginx::start(dir.path());
    let mut client = Client::new();
    let hello = client.get(&nginx.url("/hello.txt")).unwrap();
    let big = client.get(&nginx.url("/big.bin")).unwrap();
    let head = client.head(&nginx.url("/big.bin")).unwrap();
    let missing = client.get(&nginx.url("/missing")).unwrap();
    assert_eq!(hello.body, b"hello from a file\n");
    assert_eq!(big.body, big_body());
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.headers.get("content-length"), Some("1000000"));
    assert_eq!(missing.status, 404);
    assert_eq!(client.connections_opened(), 1);
    drop(client);
    // nginx's own count: four requests, numbered 1 to 4 on one connection.
    let log = nginx.access_log();
    let connections: Vec<&str> = log.lines().filter_map(|l| l.split(' ').next()).collect();
    let numbers: Vec<&str> = log.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(numbers, ["1", "2", "3", "4"], "{log}");
    assert!(connections.windows(2).all(|w| w[0] == w[1]), "{log}");
}

#[test]
fn nginx_redirects_with_301_and_the_client_follows() {
    let dir = site();
    let nginx = Nginx::start(dir.path());
    let response = Client::new().get(&nginx.url("/old")).unwrap();
    assert_eq!((response.status, response.url.path()), (200, "/new.txt"));
    assert_eq!(response.body, b"moved here\n");
}

#[test]
fn nginx_sends_a_gzipped_file_chunked() {
    let dir = site();
    let nginx = Nginx::start(dir.path());
    let mut headers = Headers::new();
    headers.append("Accept-Encoding", "gzip");
    let response = Client::new()
        .request(Method::Get, &nginx.url("/gz/big.bin"), &headers, b"")
        .unwrap();
    assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
    assert_eq!(response.headers.get("content-encoding"), Some("gzip"));
    let unzip =
        "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))";
    let output = run("python3", &["-c", unzip], &response.body);
    assert_eq!(output.stdout, big_body());
}

#[test]
fn the_example_fetches_from_nginx_like_curl() {
    let dir = site();
    let nginx = Nginx::start(dir.path());
    let out = dir.path().join("download.bin");
    let example = super::example_path("05-http-client");
    let status = Command::new(&example)
        .args(["-o", out.to_str().unwrap(), &nginx.url("/big.bin")])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(fs::read(&out).unwrap(), big_body());
    let failed = Command::new(&example)
        .args(["--fail", &nginx.url("/missing")])
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(22));
    assert!(failed.stdout.is_empty());
    // The word `client`, which every chapter's example takes, may come first.
    let head = Command::new(&example)
        .args(["client", "-i", &nginx.url("/hello.txt")])
        .output()
        .unwrap();
    assert!(head.status.success());
    let head = String::from_utf8_lossy(&head.stdout);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\nhello from a file\n"), "{head}");
}

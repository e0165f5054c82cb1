//! Chapter 02's echo server and client against python3, socat and nc.

use super::{python, run, ExampleServer};
use netlessons::serve::{Server, ServerHandle};
use netlessons::tcp::{connect, EchoClient, EchoHandler, Framing};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn echo_server(framing: Framing) -> ServerHandle {
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(EchoHandler { framing })
        .unwrap()
}

#[test]
fn python_socket_talks_to_the_line_echo() {
    let server = echo_server(Framing::Lines);
    let program = r#"
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    f = s.makefile("rwb")
    for line in [b"hello", b"from python"]:
        f.write(line + b"\r\n"); f.flush()
        print(f.readline().decode().rstrip("\n"))
"#;
    let port = server.local_addr().port().to_string();
    assert_eq!(python(program, &[&port]), "hello\nfrom python\n");
}

#[test]
fn python_socket_talks_to_the_frame_echo() {
    let server = echo_server(Framing::Frames);
    let program = r#"
import socket, struct, sys
def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk: raise EOFError("closed")
        data += chunk
    return data
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    for payload in [b"hello", b"", b"x" * 100000]:
        s.sendall(struct.pack(">I", len(payload)) + payload)
        (n,) = struct.unpack(">I", recv_exactly(s, 4))
        print(len(recv_exactly(s, n)) == len(payload))
"#;
    let port = server.local_addr().port().to_string();
    assert_eq!(python(program, &[&port]), "True\nTrue\nTrue\n");
}

#[test]
fn socat_half_closes_and_gets_the_raw_echo() {
    // socat sends stdin, shuts down its sending side at end of input, and
    // prints what comes back until the server closes.
    let server = echo_server(Framing::Raw);
    let target = format!("TCP:{}", server.local_addr());
    let output = run("socat", &["-t", "5", "-", &target], b"one\ntwo\n");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "one\ntwo\n");
}

#[test]
fn nc_gets_the_line_echo() {
    let server = echo_server(Framing::Lines);
    let port = server.local_addr().port().to_string();
    // -N: shut down the sending side at end of input (OpenBSD nc).
    let output = run("nc", &["-N", "-w", "5", "127.0.0.1", &port], b"a\r\nb\n");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "a\nb\n");
}

#[test]
fn the_example_server_answers_socat() {
    let server = ExampleServer::start("02-tcp", &["--port", "0"]);
    let target = format!("TCP:{}", server.addr);
    let output = run("socat", &["-t", "5", "-", &target], b"hi from socat\n");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hi from socat\n");
}

#[test]
fn the_example_server_answers_the_first_client_of_every_tutorial() {
    // `sendall` with no line ending, then `recv`: the default framing (raw,
    // RFC 862) answers it; a line echo would wait for a newline forever.
    let server = ExampleServer::start("02-tcp", &["--port", "0"]);
    let program = r#"
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    s.sendall(b"hello world")
    print(s.recv(1024).decode())
"#;
    assert_eq!(python(program, &[server.port()]), "hello world\n");
}

#[test]
fn the_example_client_shows_a_hello_world_server_s_unfinished_reply() {
    // The classic first server: it answers without a line ending, and closes.
    let program = r#"
import socket
with socket.create_server(("127.0.0.1", 0)) as server:
    print(server.getsockname()[1], flush=True)
    conn, _ = server.accept()
    with conn:
        conn.recv(1024)
        conn.sendall(b"Hello, World!")
"#;
    let (mut child, addr) = super::python_server(program);
    let mut client = Command::new(super::example_path("02-tcp"))
        .args(["client", &addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    client.stdin.take().unwrap().write_all(b"hi\n").unwrap();
    let output = client.wait_with_output().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, World!\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.ends_with(
            "02-tcp: the line above is unfinished: \
             the server closed the connection before its line ending\n"
        ),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_client_talks_to_a_python_echo_server() {
    let program = r#"
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
with socketserver.TCPServer(("127.0.0.1", 0), Echo) as server:
    print(server.server_address[1], flush=True)
    server.handle_request()
"#;
    let (mut child, addr) = super::python_server(program);
    let mut client = EchoClient::new(connect(addr.as_str(), Duration::from_secs(5)).unwrap());
    assert_eq!(client.echo_line("hello python").unwrap(), "hello python");
    drop(client);
    assert!(child.wait().unwrap().success());
}

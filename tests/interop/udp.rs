//! Chapter 03's UDP echo server and pinger against python3 and socat.

use super::{python, run, ExampleServer};
use netlessons::udp::{ping, EchoConfig, UdpEchoServer};
use std::time::Duration;

fn echo_server() -> netlessons::udp::EchoServerHandle {
    UdpEchoServer::bind("127.0.0.1:0", EchoConfig::default())
        .unwrap()
        .spawn()
        .unwrap()
}

#[test]
fn python_datagrams_come_back_whole_and_to_the_right_socket() {
    let server = echo_server();
    let program = r#"
import socket, sys
addr = ("127.0.0.1", int(sys.argv[1]))
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.settimeout(5)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.settimeout(5)
a.sendto(b"from a", addr); b.sendto(b"from b", addr); a.sendto(b"x" * 65507, addr)
print(a.recvfrom(65536)[0].decode(), b.recvfrom(65536)[0].decode(), len(a.recvfrom(65536)[0]))
"#;
    let port = server.local_addr().port().to_string();
    assert_eq!(python(program, &[&port]), "from a from b 65507\n");
}

#[test]
fn socat_gets_its_datagram_back() {
    let server = echo_server();
    let target = format!("UDP:{}", server.local_addr());
    let output = run("socat", &["-t", "1", "-", &target], b"hello over udp\n");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hello over udp\n");
}

#[test]
fn the_example_server_answers_python() {
    let server = ExampleServer::start("03-udp", &["--port", "0"]);
    let program = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b"ping?", ("127.0.0.1", int(sys.argv[1])))
print(s.recvfrom(100)[0].decode())
"#;
    assert_eq!(python(program, &[server.port()]), "ping?\n");
}

#[test]
fn the_pinger_gets_replies_from_a_python_echo_server() {
    let program = r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
for _ in range(3):
    data, peer = s.recvfrom(65536)
    s.sendto(data, peer)
"#;
    let (mut child, target) = super::python_server(program);
    let report = ping(
        target.as_str(),
        3,
        Duration::from_millis(1),
        Duration::from_secs(2),
    )
    .unwrap();
    assert_eq!((report.stats.transmitted, report.stats.received), (3, 3));
    assert!(child.wait().unwrap().success());
}

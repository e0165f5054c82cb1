//! What a held connection costs the server in file descriptors: one.
//!
//! A process may open only so many descriptors (`ulimit -n`), and a server
//! that holds ten thousand idle keep-alive connections must not spend two
//! on each. This test is a binary of its own so that no other test opens
//! or closes descriptors in the same process while it counts them.

use netlessons::serve::{Config, Server};
use netlessons::tcp::{connect, EchoClient, EchoHandler, Framing};
use std::time::Duration;

/// Descriptors open in this process right now (Linux: one entry each in
/// /proc/self/fd).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd lists this process's descriptors")
        .count()
}

#[test]
fn a_held_connection_costs_the_server_one_file_descriptor() {
    const HELD: usize = 40;
    let server = Server::bind_with("127.0.0.1:0", Config::default())
        .unwrap()
        .spawn(EchoHandler {
            framing: Framing::Lines,
        })
        .unwrap();
    let before = open_fds();
    let mut clients = Vec::new();
    for i in 0..HELD {
        let stream = connect(server.local_addr(), Duration::from_secs(5)).unwrap();
        let mut client = EchoClient::new(stream);
        // An answer means the server has accepted and is serving it.
        assert_eq!(client.echo_line(&format!("n{i}")).unwrap(), format!("n{i}"));
        clients.push(client);
    }
    let added = open_fds() - before;
    // Each connection has two ends in this process: the client's and the
    // server's. Anything past that (a second handle per connection on the
    // server's side) would make the server run out at half the connections.
    assert!(
        added <= 2 * HELD + 4,
        "{HELD} connections opened {added} descriptors, expected about {}",
        2 * HELD
    );
    drop(clients);
    server.shutdown();
}

//! The first server anyone writes: a thread per connection, in ten lines.
//!
//! It works, and it shows the whole idea: accept, hand the connection to a
//! new thread, accept again. It is also what [`crate::serve`] grows from;
//! what this one lacks is the reason that module is longer:
//!
//! - no timeouts: a client that connects and says nothing keeps its thread
//!   forever;
//! - no cap: ten thousand clients make ten thousand threads, and once they
//!   hold every file descriptor the process may open, `accept` fails and
//!   the `?` below ends the whole server;
//! - a new thread for every connection, which costs as much as a short request;
//! - no way to stop it.

use super::echo::echo_raw;
use std::io;
use std::net::TcpListener;
use std::thread;

// ANCHOR: first_server
/// Echoes every connection on its own thread, forever.
pub fn serve_echo_forever(listener: TcpListener) -> io::Result<()> {
    for stream in listener.incoming() {
        let stream = stream?;
        thread::spawn(move || {
            // The connection's own errors end its thread, not the server.
            let _ = echo_raw(&stream, &stream);
        });
    }
    Ok(())
}
// ANCHOR_END: first_server

//! The same echo over a Unix domain socket.
//!
//! A Unix domain socket is a connection between two processes on the same
//! machine, named by a path in the file system instead of an address and a
//! port. It is a stream socket like TCP, and std gives it the same shape of
//! API: `UnixListener::bind`, `accept`, and a `UnixStream` that is `Read`
//! and `Write`. So the echo handler, written against `Read + Write`, serves
//! it unchanged. (Databases and Docker listen on such sockets: no network
//! stack, and file permissions decide who may connect.)

use super::echo::{echo, Framing};
use std::io;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::thread::{self, JoinHandle};

// ANCHOR: unix_echo
/// Binds a Unix socket at `path` and echoes the first connection made to
/// it, on a thread whose result says how that went.
pub fn spawn_unix_echo(path: &Path, framing: Framing) -> io::Result<JoinHandle<io::Result<()>>> {
    let listener = UnixListener::bind(path)?;
    Ok(thread::spawn(move || {
        let (stream, _peer) = listener.accept()?;
        // The very same function as over TCP.
        echo(framing, &stream, &stream)
    }))
}
// ANCHOR_END: unix_echo

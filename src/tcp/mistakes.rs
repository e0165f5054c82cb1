//! Three classic mistakes, kept here on purpose so that tests can show them
//! failing. Each one works in a quick try on one machine, which is what
//! makes it classic. Do not copy these: the right way is next to each.

use std::io::{self, Read, Write};
use std::net::TcpListener;

// ANCHOR: one_read
/// WRONG: takes one `read` for one message. On loopback a small message
/// usually arrives in one piece; across a real network, or when the sender
/// wrote it in two calls, the first read returns only part of it (or, the
/// other way round, two messages at once).
///
/// Right: frame the messages and loop until one is whole
/// ([`read_frame`](super::framing::read_frame), [`LineReader`](crate::wire::line::LineReader)).
pub fn read_message_in_one_read(stream: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut buf = [0; 1024];
    let n = stream.read(&mut buf)?;
    Ok(buf[..n].to_vec())
}
// ANCHOR_END: one_read

// ANCHOR: no_loop
/// WRONG: echoes what the first read returned, then stops. A client that
/// sends a second message waits forever for its answer.
///
/// Right: loop until the client closes ([`echo_raw`](super::echo::echo_raw)).
pub fn echo_once(mut reader: impl Read, mut writer: impl Write) -> io::Result<()> {
    let mut buf = [0; 1024];
    let n = reader.read(&mut buf)?;
    writer.write_all(&buf[..n])
}
// ANCHOR_END: no_loop

// ANCHOR: no_thread
/// WRONG: serves each connection on the accepting thread. While one client
/// is connected, the next is not even accepted: one idle client stops
/// everyone.
///
/// Right: a thread per connection ([`crate::serve`]).
pub fn serve_one_at_a_time(listener: TcpListener) -> io::Result<()> {
    for stream in listener.incoming() {
        let stream = stream?;
        super::echo::echo_raw(&stream, &stream)?;
    }
    Ok(())
}
// ANCHOR_END: no_thread

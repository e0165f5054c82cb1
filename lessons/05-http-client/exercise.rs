//! Exercise 05: read a chunked body, however the bytes arrive.
//!
//! Write `read_chunked` below: read chunks (a size in hexadecimal, CR LF,
//! that many bytes of data, CR LF) until the chunk of size 0, skip the
//! trailer fields after it up to the empty line, and return the data. The
//! tests send bodies through a proxy that delivers one byte per read, or
//! two bodies in one read, or cuts the connection in the middle.
//!
//! Run the tests:          cargo test --test ex05
//! See the reference pass: cargo test --test ex05 --features solutions
//!
//! The lesson's section "Exercise" explains what each test expects.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io;
#[cfg(not(feature = "solutions"))]
use std::io::BufRead;

// ---- Your code: replace the todo!() -------------------------------------

/// Reads one chunked body (RFC 9112 §7.1) and returns its data. Stops right
/// after the body's last CR LF: whatever follows is the next message.
///
/// ```text
/// 4\r\n           a chunk of 4 bytes (the size is hexadecimal: "1a" is 26)
/// Wiki\r\n
/// 5;x=y\r\n       ";x=y" is a chunk extension: ignore it
/// pedia\r\n
/// 0\r\n           the last chunk
/// Expires: 0\r\n  trailer fields: skip them
/// \r\n            the end
/// ```
///
/// - `Err` of kind `UnexpectedEof`: the stream ended inside the body;
/// - `Err` of kind `InvalidData`: a size that is not hexadecimal, data not
///   followed by CR LF, or more than `limit` bytes of data in all (refused
///   before allocating them: a size line can announce petabytes);
/// - `Err` of kind `InvalidData` too: a size line longer than 1 KiB, or
///   trailer fields longer than 8 KiB in all. A peer may send a line that
///   never ends, or lines that never stop: read no more than that of them.
#[cfg(not(feature = "solutions"))]
fn read_chunked(reader: &mut impl BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let _ = (reader, limit);
    todo!(
        "Hint: read each line with a bound: reader.by_ref().take(MAX).read_until(b'\\n', &mut line) \
         stops after MAX bytes (it may take many reads; read_until loops for you), so check that \
         the line ends with b'\\n': if not, the line is too long (MAX bytes came) or the stream \
         ended (fewer came). \
         For a size line, strip CR LF and anything from ';' on, trim the spaces before the ';', \
         check that what is left is all hex digits (u64::from_str_radix also accepts a leading \
         '+'), and parse it with u64::from_str_radix(text, 16). Check the size against what is \
         left of `limit` before reading the data with read_exact. After size 0, read lines until \
         an empty one, counting their bytes."
    )
}

#[cfg(feature = "solutions")]
use netlessons::http::chunked::read_chunked;

// ---- Tests: run them, don't change them ---------------------------------

use std::io::{BufReader, Read};
use std::net::TcpStream;
use support::chaos::Weather;

/// The limit the tests pass, unless a test is about the limit.
const LIMIT: usize = 64 * 1024;

/// Sends `bytes` through the proxy in the given weather, then closes; the
/// test reads them on the far side.
fn receive(bytes: &'static [u8], weather: Weather) -> BufReader<TcpStream> {
    BufReader::new(support::chaos::deliver(bytes, weather))
}

#[test]
fn reads_a_body_that_arrives_one_byte_at_a_time() {
    // The data may hold CR LF itself: only the sizes say where chunks end.
    let wire = b"4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n";
    let mut stream = receive(wire, Weather::split());
    assert_eq!(
        read_chunked(&mut stream, LIMIT).unwrap(),
        b"Wikipedia in \r\n\r\nchunks."
    );
}

#[test]
fn reads_two_bodies_that_arrive_in_one_read() {
    let wire = b"3\r\none\r\n0\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
    let mut stream = receive(wire, Weather::merge());
    assert_eq!(read_chunked(&mut stream, LIMIT).unwrap(), b"one");
    assert_eq!(read_chunked(&mut stream, LIMIT).unwrap(), b"two");
}

#[test]
fn an_empty_body_is_just_the_last_chunk() {
    let mut stream = receive(b"0\r\n\r\n", Weather::split());
    assert_eq!(read_chunked(&mut stream, LIMIT).unwrap(), b"");
}

#[test]
fn chunk_extensions_are_ignored() {
    let wire = b"5;name=value\r\nhello\r\n1 ; x\r\n!\r\n0;last\r\n\r\n";
    let mut stream = receive(wire, Weather::split());
    assert_eq!(read_chunked(&mut stream, LIMIT).unwrap(), b"hello!");
}

#[test]
fn trailers_are_skipped_and_the_next_message_left_unread() {
    let wire = b"3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\nNEXT";
    let mut stream = receive(wire, Weather::split());
    assert_eq!(read_chunked(&mut stream, LIMIT).unwrap(), b"abc");
    let mut rest = String::new();
    stream.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "NEXT");
}

#[test]
fn a_size_that_is_not_hexadecimal_is_invalid_data() {
    let mut stream = receive(b"zz\r\nhello\r\n0\r\n\r\n", Weather::default());
    let error = read_chunked(&mut stream, LIMIT).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn data_not_followed_by_cr_lf_is_invalid_data() {
    // "abc" was announced as 3 bytes, but a fourth follows: the sizes lie.
    let mut stream = receive(b"3\r\nabcX\r\n0\r\n\r\n", Weather::default());
    let error = read_chunked(&mut stream, LIMIT).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn a_body_cut_off_is_unexpected_eof() {
    let mut stream = receive(b"5\r\nhel", Weather::split());
    let error = read_chunked(&mut stream, LIMIT).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn a_huge_size_is_refused_not_allocated() {
    // 0xffffffffffff is 281 TB: allocate it and the test process dies.
    static WIRE: [u8; 3014] = {
        let mut wire = [b'x'; 3014];
        let size = b"ffffffffffff\r\n";
        let mut i = 0;
        while i < size.len() {
            wire[i] = size[i];
            i += 1;
        }
        wire
    };
    let mut stream = receive(&WIRE, Weather::default());
    let error = read_chunked(&mut stream, 1000).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn a_size_with_a_plus_sign_is_invalid_data() {
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG, and '+' is not one, although
    // u64::from_str_radix accepts it.
    let mut stream = receive(b"+5\r\nhello\r\n0\r\n\r\n", Weather::default());
    let error = read_chunked(&mut stream, LIMIT).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

/// A peer that never stops talking: `start`, then `line` again and again.
/// It gives up after [`FLOOD_LEN`] bytes, so that a solution without a
/// bound on its lines ends (and fails the test) instead of hanging.
struct Flood {
    start: &'static [u8],
    line: &'static [u8],
    sent: usize,
}

/// How far a flood goes: 16 MiB, far past any sensible limit on lines.
const FLOOD_LEN: usize = 16 * 1024 * 1024;

/// How much of a flood a bounded solution may read before it refuses:
/// its 1 KiB or 8 KiB limit, and its reader's buffer, with room to spare.
const FLOOD_READ_AT_MOST: usize = 1024 * 1024;

impl Flood {
    /// Whether a solution reading the flood stopped early, with `InvalidData`.
    fn check(start: &'static [u8], line: &'static [u8]) {
        let mut reader = BufReader::new(Flood {
            start,
            line,
            sent: 0,
        });
        let result = read_chunked(&mut reader, LIMIT);
        let sent = reader.get_ref().sent;
        let shown = format!(
            "{}{}...",
            String::from_utf8_lossy(start),
            String::from_utf8_lossy(line).repeat(2)
        );
        assert!(
            sent <= FLOOD_READ_AT_MOST,
            "{shown:?}: read {sent} bytes before stopping: a line needs a length limit"
        );
        let error = result.expect_err(&shown);
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{shown:?}");
    }
}

impl Read for Flood {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(FLOOD_LEN - self.sent);
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            let at = self.sent + i;
            *byte = match self.start.get(at) {
                Some(&b) => b,
                None => self.line[(at - self.start.len()) % self.line.len()],
            };
        }
        self.sent += n;
        Ok(n)
    }
}

#[test]
fn a_size_line_that_never_ends_is_refused_early() {
    // Zeros never make the number overflow: only a limit on the line stops them.
    Flood::check(b"", b"0");
    // Nor does an extension that goes on and on.
    Flood::check(b"5;", b"x");
}

#[test]
fn trailers_that_never_end_are_refused_early() {
    // One trailer line that never ends, and trailer lines that never stop.
    Flood::check(b"3\r\nabc\r\n0\r\nX-Long: ", b"y");
    Flood::check(b"3\r\nabc\r\n0\r\n", b"X-More: 1\r\n");
}

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

use std::io::{self, BufRead};

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
///   before allocating them: a size line can announce petabytes).
#[cfg(not(feature = "solutions"))]
fn read_chunked(reader: &mut impl BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let _ = (reader, limit);
    todo!(
        "Hint: read the size line with read_until(b'\\n', ..) (it may take many reads, \
         read_until loops for you), strip CR LF and anything from ';' on, trim spaces, and parse it with \
         u64::from_str_radix(text, 16). Check the size against what is left of `limit` \
         before reading the data with read_exact. After size 0, read lines until an empty one."
    )
}

#[cfg(feature = "solutions")]
use netlessons::http::chunked::read_chunked;

// ---- Tests: run them, don't change them ---------------------------------

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use support::chaos::{ChaosProxy, Weather};

/// The limit the tests pass, unless a test is about the limit.
const LIMIT: usize = 64 * 1024;

/// Sends `bytes` through the proxy in the given weather, then closes; the
/// test reads them on the far side.
fn receive(bytes: &'static [u8], weather: Weather) -> BufReader<TcpStream> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = ChaosProxy::start(listener.local_addr().unwrap(), weather).unwrap();
    let mut sender = TcpStream::connect(proxy.addr()).unwrap();
    let (receiver, _) = listener.accept().unwrap();
    thread::spawn(move || {
        let _keep_proxy = proxy;
        sender.write_all(bytes).unwrap();
        sender.shutdown(Shutdown::Write).unwrap();
        // Wait for the receiver to finish, so the proxy lives until then.
        let _ = sender.read(&mut [0]);
    });
    BufReader::new(receiver)
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

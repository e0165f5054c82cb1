//! Exercise 02: read a length-prefixed frame, however the bytes arrive.
//!
//! Write `read_frame` below: read the 4-byte big-endian length, then exactly
//! that many bytes of payload, and return the payload. The tests send frames
//! through a proxy that delivers one byte per read, or several frames in one
//! read, or cuts the connection in the middle of a frame.
//!
//! Run the tests:          cargo test --test ex02
//! See the reference pass: cargo test --test ex02 --features solutions
//!
//! The lesson's section "Exercise" explains what each test expects.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io;
#[cfg(not(feature = "solutions"))]
use std::io::Read;

/// The largest payload to accept: a longer announced length is an error
/// of kind `InvalidData`, returned before allocating anything.
#[allow(dead_code)]
const MAX_FRAME_LEN: usize = netlessons::tcp::framing::MAX_FRAME_LEN;

// ---- Your code: replace the todo!() -------------------------------------

/// Reads one frame: a u32 length in big-endian, then that many bytes.
///
/// - `Ok(Some(payload))`: a whole frame;
/// - `Ok(None)`: the stream ended cleanly, before the first byte of a frame;
/// - `Err` of kind `UnexpectedEof`: the stream ended inside a frame;
/// - `Err` of kind `InvalidData`: the length is above `MAX_FRAME_LEN`.
#[cfg(not(feature = "solutions"))]
fn read_frame(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let _ = stream;
    todo!(
        "Hint: one read() may return fewer bytes than you asked for, even 1. \
         Loop until the 4 length bytes are in (0 bytes at the very start means a clean end), \
         turn them into a number with u32::from_be_bytes, check it against MAX_FRAME_LEN, \
         then read_exact the payload."
    )
}

#[cfg(feature = "solutions")]
use netlessons::tcp::framing::read_frame;

// ---- Tests: run them, don't change them ---------------------------------

use std::net::TcpStream;
use support::chaos::Weather;

/// Sends `bytes` through the proxy in the given weather, then closes; the
/// test reads them back on the far side with `read_frame`.
fn receive(bytes: &'static [u8], weather: Weather) -> TcpStream {
    support::chaos::deliver(bytes, weather)
}

#[test]
fn reads_a_frame_that_arrives_one_byte_at_a_time() {
    let mut stream = receive(b"\0\0\0\x05hello", Weather::split());
    assert_eq!(read_frame(&mut stream).unwrap(), Some(b"hello".to_vec()));
}

#[test]
fn reads_two_frames_that_arrive_in_one_read() {
    let mut stream = receive(b"\0\0\0\x03one\0\0\0\x03two", Weather::merge());
    assert_eq!(read_frame(&mut stream).unwrap(), Some(b"one".to_vec()));
    assert_eq!(read_frame(&mut stream).unwrap(), Some(b"two".to_vec()));
}

#[test]
fn an_empty_payload_is_a_frame_too() {
    let mut stream = receive(b"\0\0\0\0\0\0\0\x01!", Weather::split());
    assert_eq!(read_frame(&mut stream).unwrap(), Some(Vec::new()));
    assert_eq!(read_frame(&mut stream).unwrap(), Some(b"!".to_vec()));
}

#[test]
fn a_clean_end_between_frames_is_none() {
    let mut stream = receive(b"\0\0\0\x02hi", Weather::split());
    assert_eq!(read_frame(&mut stream).unwrap(), Some(b"hi".to_vec()));
    assert_eq!(read_frame(&mut stream).unwrap(), None);
}

#[test]
fn an_end_inside_the_length_is_unexpected_eof() {
    let mut stream = receive(b"\0\0", Weather::split());
    let error = read_frame(&mut stream).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn an_end_inside_the_payload_is_unexpected_eof() {
    let mut stream = receive(b"\0\0\0\x05hel", Weather::split());
    let error = read_frame(&mut stream).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn a_huge_length_is_invalid_data() {
    // 4 GiB announced: refuse it rather than try to allocate it.
    let mut stream = receive(b"\xff\xff\xff\xffjunk", Weather::default());
    let error = read_frame(&mut stream).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

//! Exercise 02: cut frames out of a byte stream, however the bytes arrive.
//!
//! A frame is a 4-byte big-endian length, then that many bytes of payload.
//! A server that reads whatever has arrived (not exactly 4 bytes, then
//! exactly the payload) gets frames cut anywhere: one read may hold the
//! end of one frame, two whole ones and the first byte of the next. You
//! write the two pieces that sort it out:
//!
//! - `FrameDecoder`, pure, with no I/O: bytes are pushed into it as they
//!   arrive, and it hands out each frame once all of its bytes are in. Its
//!   memory must stay bounded: a length above `MAX_FRAME_LEN` is refused
//!   as soon as its 4 bytes are in, before any payload is kept, and the
//!   space of frames already handed out is reused, not grown.
//! - `FrameReader`, the I/O around it: it reads into a read buffer of fixed
//!   size (the tests use 16 bytes, so that frames span reads), pushes what
//!   came into a decoder, and returns the frames one by one.
//!
//! No `read_exact` here: the reader reads what comes, and the decoder keeps
//! what is not a whole frame yet.
//!
//! The error type comes from `src/tcp/framing.rs`, which also holds two
//! helpers you may use, `payload_len` and `parse_frame` (the lesson shows
//! them); the reference solution lives apart, in `framing/decoder.rs`.
//!
//! ```text
//! pub enum FrameError {
//!     TooLarge { announced: u32 },   // the length the peer announced
//! }
//! ```
//!
//! Run the tests:          cargo test --test ex02
//! See the reference pass: cargo test --test ex02 --features solutions
//!
//! The lesson's section "Exercise" explains what each test expects.

#[path = "../../tests/support/mod.rs"]
mod support;

use netlessons::tcp::framing::{FrameError, MAX_FRAME_LEN};
use std::io::{self, Read};

// ---- Your code: replace the todo!()s ------------------------------------

/// Cuts frames out of the bytes pushed into it.
///
/// Its owner pushes what each read brought, then calls `next_frame` until
/// it says `None`, then reads again.
#[cfg(not(feature = "solutions"))]
struct FrameDecoder {
    // Your fields: the bytes pushed and not handed out yet, and whatever
    // lets you reuse the space of the frames already handed out.
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // until you write it
impl FrameDecoder {
    /// A decoder holding nothing.
    fn new() -> FrameDecoder {
        todo!("Hint: nothing is buffered yet; a Vec<u8> can hold what arrives.")
    }

    /// Adds `bytes`. `Err(FrameError::TooLarge { announced })` once the
    /// frame at the front announces more than `MAX_FRAME_LEN`; from then on,
    /// every call fails the same way and keeps nothing more (after a bad
    /// length, nothing says where the next frame begins).
    fn push(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        todo!(
            "Hint: a length can be checked as soon as its 4 bytes are in \
             (netlessons::tcp::framing::payload_len does the check). Handing a frame \
             out should not shift every byte after it each time: the space of the \
             frames handed out can be reclaimed here, once per push."
        )
    }

    /// The payload of the next whole frame, or `Ok(None)` if what was
    /// pushed holds no whole frame yet.
    fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        todo!(
            "Hint: a frame is whole once 4 + length bytes are buffered. Take its \
             payload out and remember where the next frame starts; \
             netlessons::tcp::framing::parse_frame says whether the bytes hold a \
             whole frame, if you want it."
        )
    }

    /// How many bytes were pushed and not handed out yet: once `next_frame`
    /// says `None`, 0 means between two frames, more means inside one.
    fn buffered(&self) -> usize {
        todo!("Hint: the bytes pushed, minus those handed out.")
    }

    /// The space the decoder holds, used or not: what it costs in memory.
    fn capacity(&self) -> usize {
        todo!("Hint: Vec::capacity.")
    }
}

/// Reads frames from a stream, through a read buffer of fixed size and a
/// `FrameDecoder`.
#[cfg(not(feature = "solutions"))]
#[allow(dead_code)] // until you write it
struct FrameReader<R> {
    inner: R,
    // Your other fields.
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // until you write it
impl<R: Read> FrameReader<R> {
    /// A reader of frames from `inner` whose reads ask at most `read_len`
    /// bytes each.
    fn new(inner: R, read_len: usize) -> FrameReader<R> {
        todo!("Hint: a decoder, and a read buffer of read_len bytes that never grows.")
    }

    /// The next frame's payload:
    ///
    /// - `Ok(Some(payload))`: a whole frame;
    /// - `Ok(None)`: the stream ended cleanly, between two frames;
    /// - `Err` of kind `UnexpectedEof`: the stream ended inside a frame;
    /// - `Err` of kind `InvalidData`: a length above `MAX_FRAME_LEN`.
    fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        todo!(
            "Hint: loop: a frame the decoder already holds comes first; else read \
             once, and push what came. A read of 0 bytes is the end of the \
             stream: clean or not depends on what the decoder still holds. \
             io::Error::new(io::ErrorKind::InvalidData, error) wraps a FrameError."
        )
    }
}

#[cfg(feature = "solutions")]
use netlessons::tcp::framing::{FrameDecoder, FrameReader};

// ---- Tests: run them, don't change them ---------------------------------

use support::chaos::Weather;

/// The read buffer the tests give `FrameReader`: smaller than most frames
/// here, so that a frame spans several reads.
const READ_LEN: usize = 16;

/// Three frames, one of them empty, one longer than a read: 66 bytes.
const MESSAGE: &[u8] = b"\0\0\0\x05hello\
                         \0\0\0\0\
                         \0\0\0\x2ba frame longer than the 16-byte read buffer\
                         \0\0\0\x02ok";

fn message_payloads() -> Vec<Vec<u8>> {
    [
        &b"hello"[..],
        b"",
        b"a frame longer than the 16-byte read buffer",
        b"ok",
    ]
    .map(<[u8]>::to_vec)
    .to_vec()
}

/// Pushes `pieces` one after the other, taking every whole frame after each.
fn decode(decoder: &mut FrameDecoder, pieces: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for piece in pieces {
        decoder.push(piece).expect("push");
        while let Some(frame) = decoder.next_frame().expect("next_frame") {
            frames.push(frame);
        }
    }
    frames
}

/// A frame holding `payload`.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

#[test]
fn a_frame_comes_out_only_once_it_is_whole() {
    let mut decoder = FrameDecoder::new();
    assert_eq!(decoder.next_frame(), Ok(None));
    assert_eq!(decoder.push(b"\0\0"), Ok(()));
    assert_eq!(decoder.next_frame(), Ok(None), "half a length");
    assert_eq!(decoder.push(b"\0\x05hel"), Ok(()));
    assert_eq!(decoder.next_frame(), Ok(None), "3 bytes of 5");
    assert_eq!(decoder.buffered(), 7);
    assert_eq!(decoder.push(b"lo"), Ok(()));
    assert_eq!(decoder.next_frame(), Ok(Some(b"hello".to_vec())));
    assert_eq!(decoder.next_frame(), Ok(None));
    assert_eq!(decoder.buffered(), 0, "between two frames");
}

#[test]
fn the_frames_are_the_same_wherever_the_bytes_are_cut() {
    // Cut in two at every point...
    for cut in 0..=MESSAGE.len() {
        let (first, second) = MESSAGE.split_at(cut);
        let frames = decode(&mut FrameDecoder::new(), &[first, second]);
        assert_eq!(frames, message_payloads(), "cut after {cut} bytes");
    }
    // ...and in pieces of every size, from one byte per push to all at once.
    for size in 1..=MESSAGE.len() {
        let pieces: Vec<&[u8]> = MESSAGE.chunks(size).collect();
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            decode(&mut decoder, &pieces),
            message_payloads(),
            "pieces of {size} bytes"
        );
        assert_eq!(decoder.buffered(), 0, "pieces of {size} bytes");
    }
}

#[test]
fn several_frames_pushed_at_once_come_out_one_by_one() {
    let mut decoder = FrameDecoder::new();
    decoder
        .push(b"\0\0\0\x03one\0\0\0\x03two\0\0\0\x05thr")
        .unwrap();
    assert_eq!(decoder.next_frame(), Ok(Some(b"one".to_vec())));
    assert_eq!(decoder.next_frame(), Ok(Some(b"two".to_vec())));
    assert_eq!(decoder.next_frame(), Ok(None), "the third is not whole");
    assert_eq!(decoder.buffered(), 7);
    decoder.push(b"ee").unwrap();
    assert_eq!(decoder.next_frame(), Ok(Some(b"three".to_vec())));
}

#[test]
fn an_empty_payload_is_a_frame_too() {
    let mut decoder = FrameDecoder::new();
    decoder.push(b"\0\0\0\0\0\0\0\0\0\0\0\x01!").unwrap();
    assert_eq!(decoder.next_frame(), Ok(Some(Vec::new())));
    assert_eq!(decoder.next_frame(), Ok(Some(Vec::new())));
    assert_eq!(decoder.next_frame(), Ok(Some(b"!".to_vec())));
    assert_eq!(decoder.next_frame(), Ok(None));
}

#[test]
fn a_length_above_the_limit_is_refused_before_its_payload_is_kept() {
    let too_large = MAX_FRAME_LEN as u32 + 1;
    let refused = FrameError::TooLarge {
        announced: too_large,
    };
    let mut decoder = FrameDecoder::new();
    let header = too_large.to_be_bytes();
    assert_eq!(
        decoder.push(&header[..3]),
        Ok(()),
        "3 bytes say nothing yet"
    );
    let mut rest = header[3..].to_vec();
    rest.extend_from_slice(&[b'x'; 1000]);
    assert_eq!(decoder.push(&rest), Err(refused));
    // Nothing after a bad length can be trusted: it stays refused.
    for _ in 0..100 {
        assert_eq!(decoder.push(&[b'x'; 1000]), Err(refused));
    }
    assert_eq!(decoder.next_frame(), Err(refused));
    assert!(
        decoder.capacity() <= 4096,
        "{} bytes held for a refused frame",
        decoder.capacity()
    );
}

#[test]
fn a_frame_of_the_largest_length_comes_through() {
    let payload: Vec<u8> = (0..MAX_FRAME_LEN).map(|i| (i % 251) as u8).collect();
    let wire = frame(&payload);
    let pieces: Vec<&[u8]> = wire.chunks(64 * 1024).collect();
    assert_eq!(decode(&mut FrameDecoder::new(), &pieces), [payload]);
}

#[test]
fn four_bytes_of_length_do_not_buy_a_megabyte() {
    // The length is allowed, but its payload has not come: the decoder
    // must not reserve room for it on the peer's word.
    let mut decoder = FrameDecoder::new();
    decoder.push(&(MAX_FRAME_LEN as u32).to_be_bytes()).unwrap();
    decoder.push(b"a few bytes").unwrap();
    assert_eq!(decoder.next_frame(), Ok(None));
    assert!(
        decoder.capacity() <= 4096,
        "{} bytes reserved for 15 received",
        decoder.capacity()
    );
}

#[test]
fn the_space_is_reused_over_ten_thousand_frames() {
    // Pushes of 7 bytes, frames of 14: each push ends inside a frame, so
    // the decoder always holds a piece of one.
    let mut wire = Vec::new();
    for i in 0..10_000u32 {
        wire.extend_from_slice(&frame(format!("{i:010}").as_bytes()));
    }
    let mut decoder = FrameDecoder::new();
    let mut count = 0;
    let mut largest = 0;
    for piece in wire.chunks(7) {
        decoder.push(piece).unwrap();
        while let Some(payload) = decoder.next_frame().unwrap() {
            assert_eq!(payload, format!("{count:010}").as_bytes());
            count += 1;
        }
        largest = largest.max(decoder.capacity());
    }
    assert_eq!(count, 10_000);
    assert!(
        largest <= 1024,
        "the decoder grew to {largest} bytes for frames of 14"
    );
}

/// Sends `bytes` through the proxy in the given weather, then closes; the
/// test reads frames from the far side with a `FrameReader`.
fn receive(bytes: &'static [u8], weather: Weather) -> FrameReader<std::net::TcpStream> {
    FrameReader::new(support::chaos::deliver(bytes, weather), READ_LEN)
}

/// Every frame until the end of the stream.
fn read_all<R: Read>(frames: &mut FrameReader<R>) -> io::Result<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    while let Some(payload) = frames.read_frame()? {
        all.push(payload);
    }
    Ok(all)
}

#[test]
fn frames_that_arrive_one_byte_per_read_come_through() {
    let mut frames = receive(MESSAGE, Weather::split());
    assert_eq!(read_all(&mut frames).unwrap(), message_payloads());
}

#[test]
fn frames_that_arrive_in_one_read_come_through() {
    let mut frames = receive(b"\0\0\0\x03one\0\0\0\x03two\0\0\0\0", Weather::merge());
    assert_eq!(
        read_all(&mut frames).unwrap(),
        [&b"one"[..], b"two", b""].map(<[u8]>::to_vec)
    );
}

#[test]
fn a_frame_longer_than_the_read_buffer_comes_through() {
    let mut frames = receive(MESSAGE, Weather::default());
    assert_eq!(read_all(&mut frames).unwrap(), message_payloads());
}

#[test]
fn a_clean_end_between_frames_is_none() {
    let mut frames = receive(b"\0\0\0\x02hi", Weather::split());
    assert_eq!(frames.read_frame().unwrap(), Some(b"hi".to_vec()));
    assert_eq!(frames.read_frame().unwrap(), None);
}

#[test]
fn an_end_inside_the_length_is_unexpected_eof() {
    let mut frames = receive(b"\0\0\0\x02hi\0\0", Weather::split());
    assert_eq!(frames.read_frame().unwrap(), Some(b"hi".to_vec()));
    let error = frames.read_frame().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn an_end_inside_the_payload_is_unexpected_eof() {
    let mut frames = receive(b"\0\0\0\x05hel", Weather::split());
    let error = frames.read_frame().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[test]
fn a_huge_length_is_invalid_data() {
    // 4 GiB announced: refuse it rather than wait for it, or try to store it.
    let mut frames = receive(b"\0\0\0\x02hi\xff\xff\xff\xffjunk", Weather::default());
    assert_eq!(frames.read_frame().unwrap(), Some(b"hi".to_vec()));
    let error = frames.read_frame().unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

//! Framing: where one message ends and the next begins.
//!
//! TCP carries a stream of bytes, not messages. Two writes of 5 bytes may
//! arrive as one read of 10, or as reads of 1, 7 and 2: the network is free
//! to cut the stream anywhere (RFC 9293 §2.2: TCP is a byte stream; the
//! push of §3.9.1.2 marks no boundary the receiver can see). So every
//! protocol over TCP says where its messages
//! end, in one of two ways:
//!
//! - a **delimiter**: the message ends at a byte that cannot appear inside
//!   it, such as the LF that ends a line (FTP, SMTP, POP3, HTTP headers),
//!   read with [`crate::wire::line`];
//! - a **length prefix**: the message starts with its own length (HTTP
//!   bodies with Content-Length, DNS over TCP, TLS records), which is what
//!   this module does:
//!
//! ```text
//! +----------------+---------------------------+
//! | length: u32 BE |  payload (length bytes)   |
//! +----------------+---------------------------+
//!   00 00 00 05      68 65 6c 6c 6f   ("hello")
//! ```
//!
//! [`parse_frame`] is pure: it looks at the bytes received so far and says
//! whether they hold a whole frame. There are two ways to read frames from
//! a stream:
//!
//! - [`read_frame`] reads exactly the bytes one frame needs: 4, then the
//!   payload. It never reads past the frame, so the stream can go on to be
//!   read another way (the echo client reads lines and frames from one
//!   connection), but it costs at least two reads per frame.
//! - [`FrameReader`] reads whatever has arrived, up to a fixed read size,
//!   and hands it to a [`FrameDecoder`], which keeps the bytes and cuts
//!   whole frames out of them. One read may bring ten frames, or a tenth of
//!   one. The echo server reads this way: a client may send many frames
//!   without waiting for each answer.
//!
//! [`write_frame`] writes one.
//!
//! The decoder and its reader live apart, in `framing/decoder.rs`: they
//! are chapter 02's exercise, and this file holds what the exercise may
//! use (the limits, [`FrameError`], [`payload_len`] and [`parse_frame`]).

use crate::wire::Status;
use std::fmt;
use std::io::{self, Read, Write};
use std::ops::Range;

mod decoder;

pub use decoder::{FrameDecoder, FrameReader, KEPT_CAPACITY, READ_LEN};

/// The size of the length prefix: a 32-bit unsigned number, big-endian
/// ("network byte order", RFC 1700), as almost every binary protocol writes it.
pub const HEADER_LEN: usize = 4;

/// The largest payload accepted. A length prefix is a number the peer
/// chooses: trusting it would let anyone make us allocate 4 GiB with four
/// bytes. 1 MiB is far above any message of this chapter's echo protocol.
pub const MAX_FRAME_LEN: usize = 1024 * 1024;

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The length prefix is above [`MAX_FRAME_LEN`].
    TooLarge {
        /// The length the peer announced.
        announced: u32,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { announced } => write!(
                f,
                "frame of {announced} bytes announced; the limit is {MAX_FRAME_LEN}"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

// ANCHOR: parse_frame
/// The payload length a frame header announces, if it is within the limit.
pub fn payload_len(header: [u8; HEADER_LEN]) -> Result<usize, FrameError> {
    let announced = u32::from_be_bytes(header);
    match usize::try_from(announced) {
        Ok(len) if len <= MAX_FRAME_LEN => Ok(len),
        _ => Err(FrameError::TooLarge { announced }),
    }
}

/// Looks for one whole frame at the start of `buf`. `Complete` gives where
/// its payload lies in `buf` and how many bytes the frame used.
pub fn parse_frame(buf: &[u8]) -> Result<Status<(Range<usize>, usize)>, FrameError> {
    let Some(header) = buf.first_chunk::<HEADER_LEN>() else {
        return Ok(Status::Partial);
    };
    let len = payload_len(*header)?;
    if buf.len() < HEADER_LEN + len {
        return Ok(Status::Partial);
    }
    Ok(Status::Complete((
        HEADER_LEN..HEADER_LEN + len,
        HEADER_LEN + len,
    )))
}
// ANCHOR_END: parse_frame

/// Appends one frame holding `payload` to `out`.
///
/// # Panics
/// If `payload` is longer than [`MAX_FRAME_LEN`]: a program error, not
/// something the network can cause.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    assert!(payload.len() <= MAX_FRAME_LEN, "frame payload too large");
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
}

// ANCHOR: read_frame
/// Reads one frame's payload. `Ok(None)` means the peer closed the
/// connection cleanly, between two frames.
pub fn read_frame(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0; HEADER_LEN];
    if !read_exact_or_eof(stream, &mut header)? {
        return Ok(None);
    }
    let len = payload_len(header).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    // Grow the payload as its bytes arrive rather than allocating the whole
    // announced length up front: four bytes should not buy a megabyte.
    let mut payload = Vec::new();
    stream.take(len as u64).read_to_end(&mut payload)?;
    if payload.len() < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(payload))
}

/// Fills `buf` completely, however many reads it takes. Returns `false` if
/// the stream ended before the first byte (a clean end), and an error if it
/// ended after some bytes but before the last (a truncated message).
fn read_exact_or_eof(stream: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(true)
}
// ANCHOR_END: read_frame

/// Writes one frame in a single `write_all`, so the prefix and the payload
/// leave in one segment when they fit.
pub fn write_frame(stream: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    encode_frame(payload, &mut frame);
    stream.write_all(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_frame_table() {
        type Expected = Result<Status<(Range<usize>, usize)>, FrameError>;
        let table: &[(&[u8], Expected)] = &[
            (b"\0\0\0\x05hello", Ok(Status::Complete((4..9, 9)))),
            (b"\0\0\0\x05hello\0\0", Ok(Status::Complete((4..9, 9)))),
            (b"\0\0\0\0", Ok(Status::Complete((4..4, 4)))),
            (b"\0\0\0\x05hell", Ok(Status::Partial)),
            (b"\0\0", Ok(Status::Partial)),
            (
                b"\xff\xff\xff\xff",
                Err(FrameError::TooLarge {
                    announced: u32::MAX,
                }),
            ),
        ];
        for (input, expected) in table {
            assert_eq!(&parse_frame(input), expected, "{input:?}");
        }
    }

    #[test]
    fn every_prefix_of_a_frame_is_partial() {
        let mut frame = Vec::new();
        encode_frame(b"hello", &mut frame);
        for end in 0..frame.len() {
            assert_eq!(parse_frame(&frame[..end]), Ok(Status::Partial));
        }
    }

    #[test]
    fn encode_then_parse_gives_the_payload_back() {
        for payload in [&b""[..], b"x", b"hello world", &[0u8; 70_000]] {
            let mut frame = Vec::new();
            encode_frame(payload, &mut frame);
            let Ok(Status::Complete((range, used))) = parse_frame(&frame) else {
                panic!("not a frame");
            };
            assert_eq!((&frame[range], used), (payload, frame.len()));
        }
    }

    #[test]
    fn read_frame_refuses_a_huge_length_without_allocating_it() {
        let mut wire: &[u8] = b"\x7f\xff\xff\xffhello";
        let error = read_frame(&mut wire).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn read_frame_reads_frames_in_turn_then_none() {
        let mut wire = Vec::new();
        encode_frame(b"one", &mut wire);
        encode_frame(b"two", &mut wire);
        let mut stream = wire.as_slice();
        assert_eq!(read_frame(&mut stream).unwrap(), Some(b"one".to_vec()));
        assert_eq!(read_frame(&mut stream).unwrap(), Some(b"two".to_vec()));
        assert_eq!(read_frame(&mut stream).unwrap(), None);
    }

    #[test]
    fn a_frame_cut_off_in_its_header_is_an_error() {
        let mut stream: &[u8] = b"\0\0";
        let error = read_frame(&mut stream).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_frame_cut_off_in_its_payload_is_an_error() {
        let mut stream: &[u8] = b"\0\0\0\x05hel";
        let error = read_frame(&mut stream).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}

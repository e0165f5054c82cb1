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

use crate::wire::Status;
use std::fmt;
use std::io::{self, Read, Write};
use std::ops::Range;

/// The size of the length prefix: a 32-bit unsigned number, big-endian
/// ("network byte order", RFC 1700), as almost every binary protocol writes it.
pub const HEADER_LEN: usize = 4;

/// The largest payload accepted. A length prefix is a number the peer
/// chooses: trusting it would let anyone make us allocate 4 GiB with four
/// bytes. 1 MiB is far above any message of this chapter's echo protocol.
pub const MAX_FRAME_LEN: usize = 1024 * 1024;

/// How much a [`FrameReader`] asks of each read, when its owner has no
/// reason to choose: 8 KiB takes a few hundred small frames in one read,
/// and a frame larger than that simply arrives over several.
pub const READ_LEN: usize = 8 * 1024;

/// The space a [`FrameDecoder`] keeps between two frames. A frame needs
/// room for all of its bytes while it arrives; once it is handed out, space
/// above this is given back, so that a thousand connections that each once
/// received a 1 MiB frame do not hold a gigabyte between frames.
pub const KEPT_CAPACITY: usize = 64 * 1024;

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

/// Cuts frames out of bytes pushed into it, as they arrive.
///
/// A decoder does no I/O: its owner reads from the network and pushes what
/// came, whatever its size, then takes every whole frame out with
/// [`next_frame`](FrameDecoder::next_frame) until it answers `None`. Bytes
/// of a frame that is not whole yet stay in the decoder until the rest is
/// pushed.
///
/// Its memory is bounded: once every whole frame is taken, it holds at most
/// one unfinished frame (up to [`HEADER_LEN`] + [`MAX_FRAME_LEN`] bytes) and
/// what the last push brought. A length above the limit is refused as soon
/// as its four bytes are at the front, and the bytes after it are dropped,
/// not kept; the decoder then refuses everything: past a bad length,
/// nothing says where the next frame would begin. The space is reused from
/// frame to frame, not grown, and what is above [`KEPT_CAPACITY`] is given
/// back between frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// Bytes pushed: `buf[start..]` are not handed out yet.
    buf: Vec<u8>,
    /// Where the first byte not yet handed out lies in `buf`.
    start: usize,
}

impl FrameDecoder {
    /// A decoder holding nothing.
    pub fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    /// Adds bytes received. Fails if the frame at the front announces more
    /// than [`MAX_FRAME_LEN`]: none of its payload is kept, and every later
    /// call fails the same way.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        self.check_front()?;
        // Move what is left of the unfinished frame to the front, so that
        // the space before it serves again instead of the buffer growing.
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
        if let Err(error) = self.check_front() {
            // Keep the bad length alone, to refuse what comes after it.
            self.buf.truncate(HEADER_LEN);
            return Err(error);
        }
        Ok(())
    }

    /// The next whole frame's payload, or `None` if the bytes pushed so far
    /// hold no whole frame.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let (payload, used) = match parse_frame(&self.buf[self.start..]) {
            Ok(Status::Complete(frame)) => frame,
            Ok(Status::Partial) => return Ok(None),
            Err(error) => {
                // Keep the bad length alone, to refuse what comes after it.
                self.buf.truncate(self.start + HEADER_LEN);
                return Err(error);
            }
        };
        let at = self.start;
        let frame = self.buf[at + payload.start..at + payload.end].to_vec();
        self.start += used;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
            self.buf.shrink_to(KEPT_CAPACITY);
        }
        Ok(Some(frame))
    }

    /// How many bytes were pushed and not handed out yet. Once
    /// [`next_frame`](FrameDecoder::next_frame) says `None`, 0 means the
    /// stream is between two frames, and more means it is inside one.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The space the decoder holds, used or not: what it costs in memory.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Refuses a frame at the front whose length is over the limit.
    fn check_front(&self) -> Result<(), FrameError> {
        match self.buf[self.start..].first_chunk::<HEADER_LEN>() {
            Some(header) => payload_len(*header).map(drop),
            None => Ok(()),
        }
    }
}

/// Reads frames from a stream through a [`FrameDecoder`]: each read takes
/// whatever has arrived, up to a fixed size, however the frames lie in it.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    decoder: FrameDecoder,
    /// What one read may fill: its size never changes.
    read_buf: Box<[u8]>,
}

impl<R: Read> FrameReader<R> {
    /// A reader of frames from `inner`, asking at most `read_len` bytes
    /// (at least 1) of each read: [`READ_LEN`] unless there is a reason to
    /// choose.
    pub fn new(inner: R, read_len: usize) -> FrameReader<R> {
        FrameReader {
            inner,
            decoder: FrameDecoder::new(),
            read_buf: vec![0; read_len.max(1)].into_boxed_slice(),
        }
    }

    /// Reads the next frame's payload. `Ok(None)` means the stream ended
    /// cleanly, between two frames; an end inside a frame is an error of
    /// kind `UnexpectedEof`, and a length over the limit one of kind
    /// `InvalidData`.
    pub fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            let invalid = |error| io::Error::new(io::ErrorKind::InvalidData, error);
            if let Some(payload) = self.decoder.next_frame().map_err(invalid)? {
                return Ok(Some(payload));
            }
            let n = match self.inner.read(&mut self.read_buf) {
                Ok(0) if self.decoder.buffered() == 0 => return Ok(None),
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended inside a frame",
                    ))
                }
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            self.decoder.push(&self.read_buf[..n]).map_err(invalid)?;
        }
    }
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
    use crate::wire::testing::Trickle;

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

    /// Three frames, an empty one among them, as they come on the wire.
    fn three_frames() -> Vec<u8> {
        let mut wire = Vec::new();
        for payload in [&b"hello"[..], b"", b"a payload longer than one read"] {
            encode_frame(payload, &mut wire);
        }
        wire
    }

    #[test]
    fn frame_reader_gives_the_same_frames_whatever_the_read_sizes() {
        let wire = three_frames();
        for chunk in 1..=wire.len() {
            for read_len in [1, 7, READ_LEN] {
                let mut frames = FrameReader::new(Trickle { data: &wire, chunk }, read_len);
                let mut got = Vec::new();
                while let Some(payload) = frames.read_frame().unwrap() {
                    got.push(payload);
                }
                assert_eq!(
                    got,
                    [&b"hello"[..], b"", b"a payload longer than one read"],
                    "reads of {chunk} bytes into {read_len}"
                );
            }
        }
    }

    #[test]
    fn frame_reader_tells_a_clean_end_from_a_cut_frame() {
        let wire = three_frames();
        for end in 1..wire.len() {
            let mut frames = FrameReader::new(&wire[..end], 4);
            let error = loop {
                match frames.read_frame() {
                    Ok(Some(_)) => {}
                    Ok(None) => break None,
                    Err(error) => break Some(error.kind()),
                }
            };
            // The frames end after 9, 13 and 47 bytes.
            let expected = match end {
                9 | 13 => None,
                _ => Some(io::ErrorKind::UnexpectedEof),
            };
            assert_eq!(error, expected, "the stream ends after {end} bytes");
        }
    }

    /// A stream that counts the reads made of it.
    struct CountReads<'a> {
        data: &'a [u8],
        reads: usize,
    }

    impl Read for CountReads<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.data.read(out)
        }
    }

    #[test]
    fn frame_reader_takes_many_frames_per_read_where_read_frame_takes_two_reads_each() {
        // The figures the lesson quotes: 10,000 frames of 17 bytes.
        let mut wire = Vec::new();
        for i in 0..10_000 {
            encode_frame(format!("message {i:05}").as_bytes(), &mut wire);
        }
        assert_eq!(wire.len(), 170_000);
        let mut exact = CountReads {
            data: &wire,
            reads: 0,
        };
        while read_frame(&mut exact).unwrap().is_some() {}
        let mut frames = FrameReader::new(
            CountReads {
                data: &wire,
                reads: 0,
            },
            READ_LEN,
        );
        while frames.read_frame().unwrap().is_some() {}
        // The last read of each is the one that finds the end.
        assert_eq!((exact.reads, frames.inner.reads), (20_001, 22));
    }

    #[test]
    fn the_decoder_gives_back_the_space_of_a_large_frame() {
        let mut wire = Vec::new();
        encode_frame(&vec![7; MAX_FRAME_LEN], &mut wire);
        encode_frame(b"next", &mut wire);
        let mut decoder = FrameDecoder::new();
        decoder.push(&wire[..HEADER_LEN + MAX_FRAME_LEN]).unwrap();
        assert_eq!(
            decoder.next_frame().unwrap().map(|p| p.len()),
            Some(MAX_FRAME_LEN)
        );
        assert!(
            decoder.capacity() <= KEPT_CAPACITY,
            "{}",
            decoder.capacity()
        );
        decoder.push(&wire[HEADER_LEN + MAX_FRAME_LEN..]).unwrap();
        assert_eq!(decoder.next_frame(), Ok(Some(b"next".to_vec())));
    }

    #[test]
    fn after_a_length_over_the_limit_the_decoder_refuses_everything() {
        let refused = Err(FrameError::TooLarge {
            announced: u32::MAX,
        });
        let mut decoder = FrameDecoder::new();
        // The frame before the bad length is whole, and handed out.
        assert_eq!(decoder.push(b"\0\0\0\x02hi\xff\xff\xff\xffjunk"), Ok(()));
        assert_eq!(decoder.next_frame(), Ok(Some(b"hi".to_vec())));
        assert_eq!(decoder.next_frame(), refused.map(|()| None));
        assert_eq!(decoder.push(b"\0\0\0\0"), refused);
        assert_eq!(
            decoder.buffered(),
            HEADER_LEN,
            "only the bad length is kept"
        );
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

//! The frame decoder and the reader around it, apart from the format they
//! decode (in [`super`]): they are the reference solution of chapter 02's
//! exercise, and a learner looking up [`FrameError`] or [`parse_frame`]
//! should not come upon them.

use super::{parse_frame, payload_len, FrameError, HEADER_LEN};
use crate::wire::Status;
use std::io::{self, Read};

/// How much a [`FrameReader`] asks of each read, when its owner has no
/// reason to choose: 8 KiB takes a few hundred small frames in one read,
/// and a frame larger than that simply arrives over several.
pub const READ_LEN: usize = 8 * 1024;

/// The space a [`FrameDecoder`] keeps between two frames. A frame needs
/// room for all of its bytes while it arrives; once it is handed out, space
/// above this is given back, so that a thousand connections that each once
/// received a 1 MiB frame do not hold a gigabyte between frames.
pub const KEPT_CAPACITY: usize = 64 * 1024;

/// Cuts frames out of bytes pushed into it, as they arrive.
///
/// A decoder does no I/O: its owner reads from the network and pushes what
/// came, whatever its size, then takes every whole frame out with
/// [`next_frame`](FrameDecoder::next_frame) until it answers `None`. Bytes
/// of a frame that is not whole yet stay in the decoder until the rest is
/// pushed.
///
/// Its memory is bounded: once every whole frame is taken, it holds at most
/// one unfinished frame (up to [`HEADER_LEN`] + [`MAX_FRAME_LEN`](super::MAX_FRAME_LEN) bytes) and
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
    /// than [`MAX_FRAME_LEN`](super::MAX_FRAME_LEN): none of its payload is kept, and every later
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::framing::{encode_frame, read_frame, MAX_FRAME_LEN};
    use crate::wire::testing::Trickle;

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
}

//! A receive buffer of fixed size: the bytes that have arrived and not yet
//! been parsed.
//!
//! Every parser in this crate works on "the bytes received so far" and may
//! answer "not enough yet" ([`Status::Partial`](super::Status::Partial)).
//! The buffer is what keeps those bytes between reads: read into the free
//! space at its end, parse from its start, drop what was parsed, and move
//! the rest to the front when room runs out.
//!
//! ```text
//!  buf: [ parsed, dropped | received, not parsed yet | free space      ]
//!                         ^start                     ^end
//! ```
//!
//! Its size never changes. A peer that sends a message larger than the
//! buffer gets an error, not more memory: this is how the line reader
//! ([`super::line`]) and the HTTP head reader bound what one connection
//! can cost.

use std::io::{self, BufRead, Read};

/// Bytes received from `R` and not yet consumed, in a buffer that never grows.
#[derive(Debug)]
pub struct RecvBuf<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl<R: Read> RecvBuf<R> {
    /// A buffer of `capacity` bytes over `inner`.
    pub fn new(inner: R, capacity: usize) -> RecvBuf<R> {
        RecvBuf {
            inner,
            buf: vec![0; capacity].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// A receive buffer over `inner` that uses `storage` as its space (a
    /// buffer kept from an earlier connection: reusing it spares the
    /// allocation, and the zeroing, of a new one).
    pub fn with_storage(inner: R, storage: Box<[u8]>) -> RecvBuf<R> {
        RecvBuf {
            inner,
            buf: storage,
            start: 0,
            end: 0,
        }
    }

    /// The buffer's space, to reuse for another connection.
    pub fn into_storage(self) -> Box<[u8]> {
        self.buf
    }

    /// The bytes received and not consumed.
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether the unconsumed bytes fill the whole buffer: no read can add
    /// more until some are consumed.
    pub fn is_full(&self) -> bool {
        self.end - self.start == self.buf.len()
    }

    /// Reads once more from the stream, keeping what is already here.
    /// Returns how many bytes came: 0 means end-of-file, or a full buffer.
    pub fn fill_more(&mut self) -> io::Result<usize> {
        if self.end == self.buf.len() {
            // Move the unconsumed bytes to the front to make room.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Ok(0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Appends bytes that were read from the stream by other means (the
    /// first bytes of a message, read into a small array while the
    /// connection held no buffer). Returns how many fit: all of them,
    /// unless they are more than the free space.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) -> usize {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = bytes.len().min(self.buf.len() - self.end);
        self.buf[self.end..self.end + n].copy_from_slice(&bytes[..n]);
        self.end += n;
        n
    }

    /// Drops `amount` bytes from the start of [`data`](Self::data).
    pub fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Drops `amount` bytes from the start of [`data`](Self::data) and
    /// returns them (they stay valid until the next read).
    pub fn take_front(&mut self, amount: usize) -> &[u8] {
        let taken = self.start..(self.start + amount).min(self.end);
        self.consume(amount);
        &self.buf[taken]
    }

    /// The stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The stream, mutably (to write a reply on it).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The buffer's size.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl<R: Read> Read for RecvBuf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end && out.len() >= self.buf.len() {
            // Nothing buffered and a large read: skip the copy.
            return self.inner.read(out);
        }
        let n = self.fill_buf()?.read(out)?;
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for RecvBuf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.fill_more()?;
        }
        Ok(self.data())
    }

    fn consume(&mut self, amount: usize) {
        RecvBuf::consume(self, amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_more_keeps_what_was_there() {
        let mut buf = RecvBuf::new(&b"hello world"[..], 8);
        buf.fill_more().unwrap();
        assert_eq!(buf.data(), b"hello wo");
        assert!(buf.is_full());
        assert_eq!(buf.fill_more().unwrap(), 0, "a full buffer reads nothing");
        buf.consume(6);
        buf.fill_more().unwrap();
        assert_eq!(buf.data(), b"world");
    }

    #[test]
    fn bytes_read_elsewhere_come_before_the_streams() {
        let mut buf = RecvBuf::with_storage(&b"llo"[..], vec![0; 4].into_boxed_slice());
        assert_eq!(buf.extend_from_slice(b"he"), 2);
        buf.fill_more().unwrap();
        assert_eq!(buf.data(), b"hell");
        buf.consume(3);
        assert_eq!(buf.extend_from_slice(b"abcdef"), 3, "only what fits");
        assert_eq!(buf.data(), b"labc");
    }

    #[test]
    fn read_serves_buffered_bytes_first() {
        let mut buf = RecvBuf::new(&b"abcdef"[..], 4);
        buf.fill_more().unwrap();
        buf.consume(1);
        let mut rest = String::new();
        buf.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "bcdef");
    }
}

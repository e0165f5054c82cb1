//! Reading HTTP messages from a connection: the I/O around the pure parsers.
//!
//! A connection's bytes go into one [`RecvBuf`]. The head parser looks at
//! what has arrived; once a head is complete, its bytes are dropped and the
//! body is read from the same buffer, then from the socket. Whatever is left
//! after the body is the start of the next message (a pipelined request),
//! and stays in the buffer for the next call.

use super::body::{BodyError, BodyLength};
use super::chunked::{ChunkedDecoder, ChunkedError};
use super::head::{HeadError, MAX_HEAD_LEN};
use crate::wire::buffer::RecvBuf;
use crate::wire::Status;
use std::fmt;
use std::io::{self, Read};

/// The size of a connection's receive buffer: a whole head must fit.
pub const RECV_BUFFER_LEN: usize = MAX_HEAD_LEN;

/// What went wrong reading a message.
#[derive(Debug)]
pub enum ReadError {
    /// The socket failed or timed out.
    Io(io::Error),
    /// The head is malformed or too large.
    Head(HeadError),
    /// The head does not say where the body ends.
    Body(BodyError),
    /// The chunked body is malformed.
    Chunked(ChunkedError),
    /// The connection closed in the middle of a message.
    Truncated,
    /// The body is larger than the reader allows.
    TooLarge,
}

impl ReadError {
    /// The status code a server answers this error with, if it can answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ReadError::Io(error) if is_timeout(error) => Some(408),
            ReadError::Io(_) | ReadError::Truncated => None,
            ReadError::Head(error) => Some(error.status()),
            ReadError::Body(error) => Some(error.status()),
            ReadError::Chunked(_) => Some(400),
            ReadError::TooLarge => Some(413),
        }
    }
}

/// Whether an I/O error is a read or write timeout (the two kinds that
/// `set_read_timeout` produces, depending on the platform).
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "connection failed: {error}"),
            ReadError::Head(error) => error.fmt(f),
            ReadError::Body(error) => error.fmt(f),
            ReadError::Chunked(error) => error.fmt(f),
            ReadError::Truncated => f.write_str("connection closed in the middle of a message"),
            ReadError::TooLarge => f.write_str("message body too large"),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> ReadError {
        ReadError::Io(error)
    }
}

impl From<ReadError> for io::Error {
    fn from(error: ReadError) -> io::Error {
        match error {
            ReadError::Io(error) => error,
            ReadError::Truncated => io::Error::new(io::ErrorKind::UnexpectedEof, error),
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

/// A head parser: [`parse_request_head`](super::head::parse_request_head)
/// or [`parse_response_head`](super::head::parse_response_head).
pub type HeadParser<T> = fn(&[u8]) -> Result<Status<(T, usize)>, HeadError>;

// ANCHOR: read_head
/// Reads one head with `parse` (`parse_request_head` or
/// `parse_response_head`). `Ok(None)`: the peer closed the connection
/// cleanly before the first byte of a message.
pub fn read_head<R: Read, T>(
    buf: &mut RecvBuf<R>,
    parse: HeadParser<T>,
) -> Result<Option<T>, ReadError> {
    // Parse only when a line ending has arrived since the last try: a client
    // sending one byte at a time must not make us parse the head once per byte.
    let mut try_parse = !buf.data().is_empty();
    loop {
        if try_parse {
            if let Status::Complete((head, used)) = parse(buf.data()).map_err(ReadError::Head)? {
                buf.consume(used);
                return Ok(Some(head));
            }
        }
        if buf.is_full() {
            // No head fits: ask the parser which limit it broke (a request
            // line with no end is 414, not 431).
            return Err(ReadError::Head(match parse(buf.data()) {
                Err(error) => error,
                Ok(_) => HeadError::HeadTooLarge,
            }));
        }
        let before = buf.data().len();
        if buf.fill_more()? == 0 {
            return match buf.data().is_empty() {
                true => Ok(None),
                false => Err(ReadError::Truncated),
            };
        }
        try_parse = buf.data()[before.saturating_sub(1)..].contains(&b'\n');
    }
}
// ANCHOR_END: read_head

/// Reads the body that `length` describes, streaming: a `Read` that ends
/// where the body ends, and leaves the bytes after it in the buffer.
#[derive(Debug)]
pub struct BodyReader<'a, R> {
    buf: &'a mut RecvBuf<R>,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Fixed {
        left: u64,
    },
    Chunked {
        decoder: ChunkedDecoder,
        decoded: Vec<u8>,
        handed_out: usize,
        /// Data decoded so far, and the most there may be.
        received: u64,
        limit: u64,
    },
    UntilClose,
}

impl<'a, R: Read> BodyReader<'a, R> {
    /// A reader of one body from `buf`.
    pub fn new(buf: &'a mut RecvBuf<R>, length: BodyLength) -> BodyReader<'a, R> {
        let kind = match length {
            BodyLength::Empty => Kind::Fixed { left: 0 },
            BodyLength::Fixed(left) => Kind::Fixed { left },
            BodyLength::Chunked => Kind::Chunked {
                decoder: ChunkedDecoder::default(),
                decoded: Vec::new(),
                handed_out: 0,
                received: 0,
                limit: u64::MAX,
            },
            BodyLength::UntilClose => Kind::UntilClose,
        };
        BodyReader { buf, kind }
    }

    /// Reads the whole body into memory, refusing one over `limit` bytes.
    pub fn read_to_limit(&mut self, limit: usize) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        if let Kind::Fixed { left: 0 } = self.kind {
            return Ok(body); // most requests: nothing to read, nothing to allocate
        }
        self.limit_chunks(u64::try_from(limit).unwrap_or(u64::MAX));
        let mut piece = piece_buffer();
        loop {
            let n = self.read_piece(&mut piece)?;
            if n == 0 {
                return Ok(body);
            }
            if body.len() + n > limit {
                return Err(ReadError::TooLarge);
            }
            body.extend_from_slice(&piece[..n]);
        }
    }

    /// Reads and throws away the rest of the body, so that the next message
    /// can be read; refuses to go on past `limit` bytes.
    pub fn drain(&mut self, limit: u64) -> Result<(), ReadError> {
        self.limit_chunks(limit);
        let mut piece = piece_buffer();
        let mut total = 0u64;
        loop {
            let n = self.read_piece(&mut piece)?;
            if n == 0 {
                return Ok(());
            }
            total += n as u64;
            if total > limit {
                return Err(ReadError::TooLarge);
            }
        }
    }

    /// The trailer fields of a chunked body, once it has been read.
    pub fn trailers(&self) -> Option<&super::Headers> {
        match &self.kind {
            Kind::Chunked { decoder, .. } if decoder.is_done() => Some(decoder.trailers()),
            _ => None,
        }
    }

    /// A chunked body: refuse a chunk that would take it past `limit`
    /// as soon as the chunk's size is read.
    fn limit_chunks(&mut self, new_limit: u64) {
        if let Kind::Chunked { limit, .. } = &mut self.kind {
            *limit = new_limit;
        }
    }

    fn read_piece(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        match &mut self.kind {
            Kind::Fixed { left: 0 } => Ok(0),
            Kind::Fixed { left } => {
                if self.buf.data().is_empty() && self.buf.fill_more()? == 0 {
                    return Err(ReadError::Truncated);
                }
                let data = self.buf.data();
                let n = data
                    .len()
                    .min(out.len())
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                out[..n].copy_from_slice(&data[..n]);
                self.buf.consume(n);
                *left -= n as u64;
                Ok(n)
            }
            Kind::UntilClose => {
                if self.buf.data().is_empty() && self.buf.fill_more()? == 0 {
                    return Ok(0);
                }
                let data = self.buf.data();
                let n = data.len().min(out.len());
                out[..n].copy_from_slice(&data[..n]);
                self.buf.consume(n);
                Ok(n)
            }
            Kind::Chunked {
                decoder,
                decoded,
                handed_out,
                received,
                limit,
            } => {
                while *handed_out == decoded.len() {
                    if decoder.is_done() {
                        return Ok(0);
                    }
                    decoded.clear();
                    *handed_out = 0;
                    if self.buf.data().is_empty() && self.buf.fill_more()? == 0 {
                        return Err(ReadError::Truncated);
                    }
                    let used = decoder
                        .decode(self.buf.data(), decoded)
                        .map_err(ReadError::Chunked)?;
                    self.buf.consume(used);
                    *received += decoded.len() as u64;
                    if received.saturating_add(decoder.data_left()) > *limit {
                        return Err(ReadError::TooLarge);
                    }
                }
                let n = (decoded.len() - *handed_out).min(out.len());
                out[..n].copy_from_slice(&decoded[*handed_out..*handed_out + n]);
                *handed_out += n;
                Ok(n)
            }
        }
    }
}

/// The buffer a body is read through, 16 KiB, on the heap and only while
/// a body is read. On the stack it would cost every connection's thread
/// 16 KiB of memory, body or not: a function's frame is reserved when the
/// function is entered, and Rust touches each page of a frame larger than
/// a page as it enters (a "stack probe", so that an overflow always meets
/// the guard page), and a touched page of stack stays resident.
fn piece_buffer() -> Vec<u8> {
    vec![0; 16 * 1024]
}

impl<R: Read> Read for BodyReader<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        Ok(self.read_piece(out)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::parse_request_head;
    use crate::wire::testing::Trickle;

    #[test]
    fn pipelined_requests_with_bodies_in_any_read_sizes() {
        let wire = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
GET /c HTTP/1.1\r\n\r\n";
        for chunk in [1, 2, 7, 1000] {
            let mut buf = RecvBuf::new(Trickle { data: wire, chunk }, RECV_BUFFER_LEN);
            let mut seen = Vec::new();
            while let Some(head) = read_head(&mut buf, parse_request_head).unwrap() {
                let length = crate::http::body::request_body(&head).unwrap();
                let body = BodyReader::new(&mut buf, length)
                    .read_to_limit(100)
                    .unwrap();
                seen.push(format!(
                    "{} {}",
                    head.target,
                    String::from_utf8_lossy(&body)
                ));
            }
            assert_eq!(seen, ["/a hello", "/b abc", "/c "], "reads of {chunk}");
        }
    }

    #[test]
    fn a_connection_closed_mid_head_is_truncated() {
        let mut buf = RecvBuf::new(&b"GET / HTTP/1.1\r\nHo"[..], RECV_BUFFER_LEN);
        assert!(matches!(
            read_head(&mut buf, parse_request_head),
            Err(ReadError::Truncated)
        ));
    }

    #[test]
    fn a_head_that_never_ends_is_too_large() {
        let endless = vec![b'a'; RECV_BUFFER_LEN * 2];
        let mut wire = b"GET / HTTP/1.1\r\nX: ".to_vec();
        wire.extend_from_slice(&endless);
        let mut buf = RecvBuf::new(&wire[..], RECV_BUFFER_LEN);
        let error = read_head(&mut buf, parse_request_head).unwrap_err();
        assert_eq!(error.status(), Some(431));
    }

    #[test]
    fn a_body_over_the_limit_is_refused() {
        let mut buf = RecvBuf::new(&b"0123456789"[..], 64);
        let result = BodyReader::new(&mut buf, BodyLength::Fixed(10)).read_to_limit(5);
        assert!(matches!(result, Err(ReadError::TooLarge)));
    }

    #[test]
    fn a_body_cut_short_is_truncated() {
        let mut buf = RecvBuf::new(&b"012"[..], 64);
        let result = BodyReader::new(&mut buf, BodyLength::Fixed(10)).read_to_limit(100);
        assert!(matches!(result, Err(ReadError::Truncated)));
    }
}

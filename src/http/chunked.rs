//! The chunked transfer coding (RFC 9112 §7.1): a body of unknown length.
//!
//! A server that starts sending before it knows how long the body will be
//! (a page generated as it goes, a live log) cannot send `Content-Length`.
//! Instead it sends the body in chunks, each preceded by its size in hex,
//! and ends with a chunk of size zero, optionally followed by trailer fields:
//!
//! ```text
//! chunked-body   = *chunk
//!                  last-chunk
//!                  trailer-section
//!                  CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF
//!                  chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! ```
//!
//! On the wire:
//!
//! ```text
//! 5\r\n
//! hello\r\n
//! 7;note=ignored\r\n
//!  world!\r\n
//! 0\r\n
//! Expires: never\r\n
//! \r\n
//! ```
//!
//! [`ChunkedDecoder`] is a pure state machine: feed it bytes in pieces of
//! any size (one at a time, if that is how they come), and it hands out the
//! data and says when the body is complete.

use super::headers::Headers;
use std::fmt;
use std::io::{self, BufRead};

/// The longest chunk-size line accepted (size and extensions). The size
/// itself is at most 16 hex digits; extensions are rare and short.
pub const MAX_CHUNK_LINE_LEN: usize = 1024;

/// The most bytes of trailer fields accepted after the last chunk.
pub const MAX_TRAILER_LEN: usize = 8 * 1024;

/// Why bytes are not a valid chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedError {
    /// The chunk size is not hexadecimal, or does not fit in 64 bits.
    BadSize,
    /// The chunk-size line is longer than [`MAX_CHUNK_LINE_LEN`].
    LineTooLong,
    /// The chunk data is not followed by CR LF.
    MissingCrlf,
    /// The trailer fields are malformed or larger than [`MAX_TRAILER_LEN`].
    BadTrailer,
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChunkedError::BadSize => "chunk size is not a hexadecimal number",
            ChunkedError::LineTooLong => "chunk size line too long",
            ChunkedError::MissingCrlf => "chunk data not followed by CRLF",
            ChunkedError::BadTrailer => "malformed or oversized trailer fields",
        })
    }
}

impl std::error::Error for ChunkedError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line; the bytes so far are in `line`.
    Size,
    /// Inside chunk data, with this many bytes left.
    Data(u64),
    /// After chunk data: expecting CR LF.
    DataEnd,
    /// After the last chunk: reading trailer lines into `line`.
    Trailer,
    /// The body is complete.
    Done,
}

// ANCHOR: decoder
/// Decodes a chunked body, piece by piece.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// The current chunk-size or trailer line, or the CR LF after data.
    line: Vec<u8>,
    /// The trailer section so far.
    trailer: Vec<u8>,
    trailers: Headers,
}

impl Default for ChunkedDecoder {
    fn default() -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            line: Vec::new(),
            trailer: Vec::new(),
            trailers: Headers::new(),
        }
    }
}

impl ChunkedDecoder {
    /// Decodes what it can of `input`, appending body data to `out`, and
    /// returns how many bytes of `input` it used. It uses all of them unless
    /// the body ends inside `input`: what follows belongs to the next message.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, ChunkedError> {
        let mut used = 0;
        while used < input.len() && self.state != State::Done {
            let rest = &input[used..];
            used += match self.state {
                State::Data(left) => {
                    // Copy as much data as there is, in one go.
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&rest[..take]);
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    take
                }
                State::Size | State::DataEnd | State::Trailer => {
                    let (line_done, taken) = self.take_line(rest)?;
                    if line_done {
                        self.end_of_line()?;
                    }
                    taken
                }
                State::Done => 0,
            };
        }
        Ok(used)
    }

    /// How many bytes of the current chunk's data are still to come (0
    /// outside chunk data): a reader with a limit refuses a chunk that
    /// cannot fit as soon as its size is read, rather than after reading
    /// up to the limit of it.
    pub fn data_left(&self) -> u64 {
        match self.state {
            State::Data(left) => left,
            _ => 0,
        }
    }

    /// Whether the whole body, trailers included, has been decoded.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The trailer fields, once the body is done.
    pub fn trailers(&self) -> &Headers {
        &self.trailers
    }

    /// Gathers bytes up to and including an LF into `self.line`, refusing
    /// a line over its limit before copying any more of it.
    fn take_line(&mut self, rest: &[u8]) -> Result<(bool, usize), ChunkedError> {
        let (piece, done) = match rest.iter().position(|&b| b == b'\n') {
            Some(lf) => (&rest[..=lf], true),
            None => (rest, false),
        };
        let limit = match self.state {
            State::DataEnd => 2,
            State::Trailer => MAX_TRAILER_LEN,
            _ => MAX_CHUNK_LINE_LEN,
        };
        if self.line.len() + piece.len() > limit + 2 {
            return Err(match self.state {
                State::DataEnd => ChunkedError::MissingCrlf,
                State::Trailer => ChunkedError::BadTrailer,
                _ => ChunkedError::LineTooLong,
            });
        }
        self.line.extend_from_slice(piece);
        Ok((done, piece.len()))
    }

    /// Acts on the complete line in `self.line`.
    fn end_of_line(&mut self) -> Result<(), ChunkedError> {
        let line = std::mem::take(&mut self.line);
        let line = line.strip_suffix(b"\n").unwrap_or(&line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.state = match self.state {
            State::Size => match parse_chunk_size(line)? {
                0 => State::Trailer,
                size => State::Data(size),
            },
            State::DataEnd if line.is_empty() => State::Size,
            State::DataEnd => return Err(ChunkedError::MissingCrlf),
            State::Trailer if line.is_empty() => {
                self.parse_trailers()?;
                State::Done
            }
            State::Trailer => {
                self.trailer.extend_from_slice(line);
                self.trailer.extend_from_slice(b"\r\n");
                if self.trailer.len() > MAX_TRAILER_LEN {
                    return Err(ChunkedError::BadTrailer);
                }
                State::Trailer
            }
            State::Data(_) | State::Done => return Ok(()),
        };
        Ok(())
    }

    fn parse_trailers(&mut self) -> Result<(), ChunkedError> {
        let mut section = std::mem::take(&mut self.trailer);
        section.extend_from_slice(b"\r\n");
        match super::head::parse_fields(&section, false) {
            Ok(crate::wire::Status::Complete((fields, _))) => {
                self.trailers = fields;
                Ok(())
            }
            _ => Err(ChunkedError::BadTrailer),
        }
    }
}
// ANCHOR_END: decoder

/// ```text
/// chunk-size = 1*HEXDIG, then optional ";name=value" extensions (ignored)
/// ```
fn parse_chunk_size(line: &[u8]) -> Result<u64, ChunkedError> {
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    // Whatever follows the digits must be an extension (or spaces before one).
    let rest = rest.trim_ascii_start();
    if digits.is_empty() || !(rest.is_empty() || rest.starts_with(b";")) {
        return Err(ChunkedError::BadSize);
    }
    // An extension is text: a control character there (a bare CR, which
    // another parser might take for a line end) is refused.
    if rest.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err(ChunkedError::BadSize);
    }
    digits.iter().try_fold(0u64, |size, &digit| {
        let value = (digit as char).to_digit(16).unwrap_or(0) as u64;
        size.checked_mul(16)
            .and_then(|size| size.checked_add(value))
            .ok_or(ChunkedError::BadSize)
    })
}

/// Appends one chunk holding `data` (nothing, if `data` is empty: an empty
/// chunk would end the body).
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the last chunk and an empty trailer section: the end of the body.
pub fn encode_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}

/// Reads one chunked body from `reader` with a [`ChunkedDecoder`], and
/// leaves what follows it (the next message) unread. Chapter 05's exercise
/// asks for this function; this is the reference answer.
///
/// Errors: `UnexpectedEof` if the stream ends inside the body;
/// `InvalidData` if the body is malformed or holds more than `limit` bytes.
/// Memory stays within `limit` and one buffer of `reader`, whatever size a
/// chunk announces.
pub fn read_chunked(reader: &mut impl BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let mut decoder = ChunkedDecoder::default();
    let mut body = Vec::new();
    while !decoder.is_done() {
        let input = reader.fill_buf()?;
        if input.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stream ended inside a chunked body",
            ));
        }
        let used = decoder
            .decode(input, &mut body)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        reader.consume(used);
        if body.len() > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("chunked body larger than {limit} bytes"),
            ));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `wire` fed in pieces of `chunk` bytes.
    fn decode(wire: &[u8], chunk: usize) -> Result<(Vec<u8>, usize, bool), ChunkedError> {
        let mut decoder = ChunkedDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for piece in wire.chunks(chunk) {
            let n = decoder.decode(piece, &mut out)?;
            used += n;
            if n < piece.len() {
                break;
            }
        }
        Ok((out, used, decoder.is_done()))
    }

    const EXAMPLE: &[u8] =
        b"5\r\nhello\r\n7;note=ignored\r\n world!\r\n0\r\nExpires: never\r\n\r\n";

    #[test]
    fn decodes_in_pieces_of_any_size() {
        for chunk in 1..=EXAMPLE.len() {
            assert_eq!(
                decode(EXAMPLE, chunk),
                Ok((b"hello world!".to_vec(), EXAMPLE.len(), true)),
                "pieces of {chunk}"
            );
        }
    }

    #[test]
    fn trailers_are_kept() {
        let mut decoder = ChunkedDecoder::default();
        decoder.decode(EXAMPLE, &mut Vec::new()).unwrap();
        assert_eq!(decoder.trailers().get("expires"), Some("never"));
    }

    #[test]
    fn stops_at_the_end_of_the_body() {
        let wire = b"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
        assert_eq!(decode(wire, 100), Ok((b"abc".to_vec(), 13, true)));
    }

    #[test]
    fn every_prefix_is_unfinished() {
        for end in 0..EXAMPLE.len() {
            let (_, used, done) = decode(&EXAMPLE[..end], 100).unwrap();
            assert_eq!((used, done), (end, false));
        }
    }

    #[test]
    fn bad_bodies() {
        let long_line = format!("5;{}\r\n", "x".repeat(MAX_CHUNK_LINE_LEN));
        let big_trailer = format!("0\r\nX: {}\r\n\r\n", "y".repeat(MAX_TRAILER_LEN));
        let table: Vec<(&[u8], ChunkedError)> = vec![
            (b"zz\r\n", ChunkedError::BadSize),
            (b"\r\n", ChunkedError::BadSize),
            (b"-5\r\n", ChunkedError::BadSize),
            // 1*HEXDIG: no sign, though u64::from_str_radix would take one.
            (b"+5\r\n", ChunkedError::BadSize),
            (b" 5\r\n", ChunkedError::BadSize),
            (b"5 x\r\n", ChunkedError::BadSize),
            (b"5;a\rb\r\n", ChunkedError::BadSize),
            (b"fffffffffffffffff\r\n", ChunkedError::BadSize),
            (b"3\r\nabcX\r\n", ChunkedError::MissingCrlf),
            (long_line.as_bytes(), ChunkedError::LineTooLong),
            (big_trailer.as_bytes(), ChunkedError::BadTrailer),
            (b"0\r\nno colon\r\n\r\n", ChunkedError::BadTrailer),
        ];
        for (wire, error) in table {
            assert_eq!(
                decode(wire, 7).map(|_| ()),
                Err(error),
                "{:?}",
                String::from_utf8_lossy(&wire[..wire.len().min(40)])
            );
        }
    }

    #[test]
    fn read_chunked_stops_at_the_end_of_the_body() {
        let mut wire = &b"3\r\nabc\r\n0\r\n\r\nNEXT"[..];
        assert_eq!(read_chunked(&mut wire, 10).unwrap(), b"abc");
        assert_eq!(wire, b"NEXT");
        let error = read_chunked(&mut &b"5\r\nhel"[..], 10).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        let error = read_chunked(&mut &b"5\r\nhello\r\n0\r\n\r\n"[..], 4).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn read_chunked_reads_a_flood_only_up_to_its_limits() {
        use std::io::{BufReader, Read};
        // A size line, a trailer line, and trailer lines that never end:
        // each is refused after its limit and one buffer, not read whole.
        const FLOOD: u64 = 16 * 1024 * 1024;
        let many_lines = [&b"0\r\n"[..], &b"X-More: 1\r\n".repeat(100_000)].concat();
        let floods: Vec<Box<dyn Read>> = vec![
            Box::new(io::repeat(b'0').take(FLOOD)),
            Box::new(b"5;".chain(io::repeat(b'x').take(FLOOD))),
            Box::new(b"0\r\nX-Long: ".chain(io::repeat(b'y').take(FLOOD))),
            Box::new(io::Cursor::new(many_lines)),
        ];
        for (i, flood) in floods.into_iter().enumerate() {
            let mut counted = Counted {
                inner: flood,
                read: 0,
            };
            let error = read_chunked(&mut BufReader::new(&mut counted), 10).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "flood {i}");
            assert!(
                counted.read <= 64 * 1024,
                "flood {i}: read {} bytes",
                counted.read
            );
        }
    }

    /// A reader that counts the bytes it hands out.
    struct Counted<R> {
        inner: R,
        read: u64,
    }

    impl<R: io::Read> io::Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn encode_then_decode() {
        let mut wire = Vec::new();
        encode_chunk(b"hello ", &mut wire);
        encode_chunk(b"", &mut wire);
        encode_chunk(&[b'x'; 300], &mut wire);
        encode_last_chunk(&mut wire);
        assert!(wire.starts_with(b"6\r\nhello \r\n12c\r\n"));
        let (body, used, done) = decode(&wire, 5).unwrap();
        assert_eq!((body.len(), used, done), (306, wire.len(), true));
    }
}

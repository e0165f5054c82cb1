//! Dot-stuffing: how SMTP and POP3 send a whole message over a line protocol.
//!
//! After `DATA` (SMTP, RFC 5321 §4.5.2) or `RETR` (POP3, RFC 1939 §3), the
//! message travels as lines, and a line holding a single dot ends it:
//!
//! ```text
//! S: 354 End data with <CR><LF>.<CR><LF>
//! C: Subject: hi
//! C:
//! C: ..a line that began with a dot
//! C: .
//! S: 250 OK
//! ```
//!
//! A message line that itself begins with a dot would be read as the end,
//! or lose its dot, so the sender adds one more dot in front of any line
//! that begins with a dot ("stuffing"), and the receiver removes the first
//! dot of any line that begins with one ("unstuffing"). A line of exactly
//! `.` ends the message.
//!
//! [`DotEncoder`] and [`DotDecoder`] are pure state machines that work on
//! byte slices of any size: a message may arrive one byte at a time, and the
//! end marker may be split between two reads. [`DotWriter`] and
//! [`DotReader`] put them over a `Write` and a `BufRead`.

use std::io::{self, BufRead, Read, Write};

// ANCHOR: encoder
/// Adds the dots a message needs to travel, and the end marker.
///
/// It also turns a bare LF into CR LF, since the wire carries CR LF only
/// (RFC 5321 §2.3.8).
#[derive(Debug, Clone)]
pub struct DotEncoder {
    /// The next byte starts a line.
    at_line_start: bool,
    /// The last byte was a CR.
    after_cr: bool,
}

impl Default for DotEncoder {
    fn default() -> DotEncoder {
        DotEncoder {
            at_line_start: true,
            after_cr: false,
        }
    }
}

impl DotEncoder {
    /// Appends `message`, stuffed, to `out`.
    pub fn encode(&mut self, message: &[u8], out: &mut Vec<u8>) {
        for &byte in message {
            if self.at_line_start && byte == b'.' {
                out.push(b'.');
            }
            if byte == b'\n' && !self.after_cr {
                out.push(b'\r');
            }
            out.push(byte);
            self.at_line_start = byte == b'\n';
            self.after_cr = byte == b'\r';
        }
    }

    /// Appends the end marker: CR LF if the message did not end a line,
    /// then `.` CR LF.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            if !self.after_cr {
                out.push(b'\r');
            }
            out.push(b'\n');
        }
        out.extend_from_slice(b".\r\n");
        *self = DotEncoder::default();
    }
}
// ANCHOR_END: encoder

/// Where the decoder is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    /// At the start of a line.
    LineStart,
    /// After a dot at the start of a line: the end marker, or a stuffed dot.
    Dot,
    /// After `.` CR at the start of a line: the end marker if LF follows.
    DotCr,
    /// In the middle of a line.
    Data,
    /// After a CR in the middle of a line.
    Cr,
    /// The end marker has been read.
    End,
}

// ANCHOR: decoder
/// Removes the stuffed dots from a message and finds its end.
///
/// The message comes out as it was sent, CR LF line endings included, less
/// the stuffing and the end marker.
#[derive(Debug, Clone)]
pub struct DotDecoder {
    state: DecodeState,
}

impl Default for DotDecoder {
    fn default() -> DotDecoder {
        DotDecoder {
            state: DecodeState::LineStart,
        }
    }
}

impl DotDecoder {
    /// Decodes as much of `input` as belongs to the message, appending the
    /// message bytes to `out`. Returns how many input bytes it used: fewer
    /// than `input.len()` only when the end marker was found, and what
    /// follows it (the next command) belongs to someone else.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        use DecodeState::*;
        for (used, &byte) in input.iter().enumerate() {
            self.state = match (self.state, byte) {
                (End, _) => return used,
                // A dot at the start of a line: not yet known which kind.
                (LineStart, b'.') => Dot,
                (Dot, b'\r') => DotCr,
                // "." LF: a sloppy end marker; accept it (Go and Postfix do).
                (Dot, b'\n') | (DotCr, b'\n') => End,
                // ".x": the first dot was stuffing; x is data.
                (Dot, _) => {
                    out.push(byte);
                    Self::after_data(byte)
                }
                // ".\rx": the dot was stuffing, and the CR was data.
                (DotCr, _) => {
                    out.push(b'\r');
                    out.push(byte);
                    Self::after_data(byte)
                }
                (LineStart | Data | Cr, _) => {
                    out.push(byte);
                    Self::after_data(byte)
                }
            };
        }
        input.len()
    }

    /// The state after a data byte that was not a stuffed dot.
    fn after_data(byte: u8) -> DecodeState {
        match byte {
            b'\n' => DecodeState::LineStart,
            b'\r' => DecodeState::Cr,
            _ => DecodeState::Data,
        }
    }

    /// Whether the end marker has been read.
    pub fn is_done(&self) -> bool {
        self.state == DecodeState::End
    }
}
// ANCHOR_END: decoder

/// Writes a message dot-stuffed; [`finish`](DotWriter::finish) adds the end marker.
#[derive(Debug)]
pub struct DotWriter<W: Write> {
    inner: W,
    encoder: DotEncoder,
    buf: Vec<u8>,
}

impl<W: Write> DotWriter<W> {
    /// Starts a message on `inner`.
    pub fn new(inner: W) -> DotWriter<W> {
        DotWriter {
            inner,
            encoder: DotEncoder::default(),
            buf: Vec::new(),
        }
    }

    /// Writes the end marker and returns the stream.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.clear();
        self.encoder.finish(&mut self.buf);
        self.inner.write_all(&self.buf)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for DotWriter<W> {
    fn write(&mut self, message: &[u8]) -> io::Result<usize> {
        self.buf.clear();
        self.encoder.encode(message, &mut self.buf);
        self.inner.write_all(&self.buf)?;
        Ok(message.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads one dot-stuffed message: end-of-file at its end marker, and the
/// stream left just after it.
#[derive(Debug)]
pub struct DotReader<R: BufRead> {
    inner: R,
    decoder: DotDecoder,
    /// Decoded bytes not yet handed out.
    pending: Vec<u8>,
    handed_out: usize,
}

impl<R: BufRead> DotReader<R> {
    /// Reads a message from `inner`, which should be just past the `354`
    /// reply (SMTP) or the `+OK` line (POP3).
    pub fn new(inner: R) -> DotReader<R> {
        DotReader {
            inner,
            decoder: DotDecoder::default(),
            pending: Vec::new(),
            handed_out: 0,
        }
    }

    /// The stream, positioned after the end marker once the message is read.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: BufRead> Read for DotReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.handed_out == self.pending.len() {
            if self.decoder.is_done() {
                return Ok(0);
            }
            self.pending.clear();
            self.handed_out = 0;
            let received = self.inner.fill_buf()?;
            if received.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed before the end of the message (a line with a single dot)",
                ));
            }
            let used = self.decoder.decode(received, &mut self.pending);
            self.inner.consume(used);
        }
        let n = (&self.pending[self.handed_out..]).read(out)?;
        self.handed_out += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = DotEncoder::default();
        encoder.encode(message, &mut out);
        encoder.finish(&mut out);
        out
    }

    /// Decodes `wire` fed in pieces of `chunk` bytes; returns the message
    /// and how many bytes were used.
    fn decode(wire: &[u8], chunk: usize) -> (Vec<u8>, usize, bool) {
        let mut decoder = DotDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for piece in wire.chunks(chunk) {
            let n = decoder.decode(piece, &mut out);
            used += n;
            if n < piece.len() {
                break;
            }
        }
        (out, used, decoder.is_done())
    }

    #[test]
    fn encode_table() {
        let table: &[(&[u8], &[u8])] = &[
            (b"hello\r\n", b"hello\r\n.\r\n"),
            (b"", b".\r\n"),
            // RFC 5321 §4.5.2: a line that begins with a dot gets one more.
            (b".hidden\r\n", b"..hidden\r\n.\r\n"),
            (b"a\r\n.\r\nb\r\n", b"a\r\n..\r\nb\r\n.\r\n"),
            (b"a.b\r\n", b"a.b\r\n.\r\n"),
            // A message that does not end its last line gets CR LF first.
            (b"no newline", b"no newline\r\n.\r\n"),
            // Bare LF becomes CR LF on the wire.
            (b"one\ntwo\n", b"one\r\ntwo\r\n.\r\n"),
        ];
        for (message, wire) in table {
            assert_eq!(
                encode(message),
                *wire,
                "{:?}",
                String::from_utf8_lossy(message)
            );
        }
    }

    #[test]
    fn decode_table() {
        let table: &[(&[u8], &[u8])] = &[
            (b"hello\r\n.\r\n", b"hello\r\n"),
            (b".\r\n", b""),
            (b"..hidden\r\n.\r\n", b".hidden\r\n"),
            (b"a\r\n..\r\nb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
            (b"a.b\r\n.\r\n", b"a.b\r\n"),
            // A bare LF end marker, from a sloppy sender.
            (b"x\n.\n", b"x\n"),
        ];
        for (wire, message) in table {
            for chunk in 1..=wire.len() {
                assert_eq!(
                    decode(wire, chunk),
                    (message.to_vec(), wire.len(), true),
                    "{:?} in pieces of {chunk}",
                    String::from_utf8_lossy(wire)
                );
            }
        }
    }

    #[test]
    fn decoding_stops_at_the_end_marker() {
        // The next command arrived in the same read: it is not ours.
        let (message, used, done) = decode(b"hi\r\n.\r\nQUIT\r\n", 64);
        assert_eq!(
            (message.as_slice(), used, done),
            (b"hi\r\n".as_slice(), 7, true)
        );
    }

    #[test]
    fn decode_undoes_encode() {
        // Messages whose lines all end in CR LF: the wire cannot carry an
        // unfinished last line, so the encoder ends it (see encode_table).
        let messages: &[&[u8]] = &[
            b"Subject: x\r\n\r\n.\r\n..\r\n...x\r\nend\r\n",
            b".\r\n",
            b"\r\n.\r\n",
            b"a\rb\r\n",
        ];
        for message in messages {
            let wire = encode(message);
            let (decoded, used, done) = decode(&wire, 3);
            assert_eq!(decoded, *message);
            assert_eq!((used, done), (wire.len(), true));
        }
    }

    #[test]
    fn reader_and_writer_talk_over_a_stream() {
        let mut writer = DotWriter::new(Vec::new());
        writer.write_all(b"line one\r\n.dot line\r\n").unwrap();
        let mut wire = writer.finish().unwrap();
        wire.extend_from_slice(b"QUIT\r\n");

        let mut reader = DotReader::new(io::Cursor::new(wire));
        let mut message = String::new();
        reader.read_to_string(&mut message).unwrap();
        assert_eq!(message, "line one\r\n.dot line\r\n");
        let mut rest = String::new();
        reader.into_inner().read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "QUIT\r\n");
    }

    #[test]
    fn a_message_cut_off_before_its_end_is_an_error() {
        let mut reader = DotReader::new(io::Cursor::new(b"half a mess".to_vec()));
        let error = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}

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
//! Only the five bytes `CR LF . CR LF` end the message (RFC 5321
//! §4.1.1.4), the first CR LF being the end of the last line. A receiver
//! that also took `LF . LF` for the end could be made to read what follows
//! as commands ("SMTP smuggling"; see [`EndOfData`]), so the decoder is
//! strict unless told otherwise, and in strict mode a bare LF is data.
//!
//! A message also has a size: [`DotReader::with_limit`] sets the largest
//! one a receiver keeps. Past it, the reader drops what comes and goes on
//! to the end marker, so that an SMTP server can answer `552` and read the
//! next command ([`MessageError::TooLarge`]).
//!
//! [`DotEncoder`] and [`DotDecoder`] are pure state machines that work on
//! byte slices of any size: a message may arrive one byte at a time, and the
//! end marker may be split between two reads. [`DotWriter`] and
//! [`DotReader`] put them over a `Write` and a `BufRead`.

use std::fmt;
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

/// Which byte sequences end a message.
///
/// RFC 5321 §4.1.1.4 ends SMTP data with `CR LF . CR LF` and nothing else.
/// Older receivers also took `LF . LF` or `LF . CR LF` for the end, and
/// that leniency is a hole: when one server (a relay) reads a bare `LF .`
/// as data and the next one (the receiver) reads it as the end, the bytes
/// after it are run as commands, and a sender can slip a second message,
/// from any address it likes, inside the first ("SMTP smuggling", the
/// Postfix, Exim and Sendmail advisories of December 2023).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndOfData {
    /// Only `CR LF . CR LF` ends the message; a bare LF is an ordinary data
    /// byte, which neither ends a line nor starts one (so a dot after it is
    /// data too). What every server must use (SMTP `DATA`).
    #[default]
    Strict,
    /// A bare LF ends a line as CR LF does, so `LF . LF` and `LF . CR LF`
    /// end the message too. Safe only where the bytes after the end are not
    /// commands from the sender: a client reading a POP3 `RETR` reply from
    /// a sloppy server.
    Lenient,
}

// ANCHOR: decoder
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

/// Removes the stuffed dots from a message and finds its end.
///
/// The message comes out as it was sent, CR LF line endings included, less
/// the stuffing and the end marker. [`EndOfData`] says which endings count;
/// the default is [`EndOfData::Strict`].
#[derive(Debug, Clone, Default)]
pub struct DotDecoder {
    state: DecodeState,
    end: EndOfData,
}

impl Default for DecodeState {
    /// A message starts at the start of a line: right after the CR LF
    /// of the `354` reply (SMTP) or of the `+OK` line (POP3).
    fn default() -> DecodeState {
        DecodeState::LineStart
    }
}

impl DotDecoder {
    /// A decoder that accepts the given end markers.
    pub fn new(end: EndOfData) -> DotDecoder {
        DotDecoder {
            state: DecodeState::LineStart,
            end,
        }
    }

    /// Decodes as much of `input` as belongs to the message, appending the
    /// message bytes to `out`. Returns how many input bytes it used: fewer
    /// than `input.len()` only when the end marker was found, and what
    /// follows it (the next command) belongs to someone else.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        use DecodeState::*;
        let lenient = self.end == EndOfData::Lenient;
        for (used, &byte) in input.iter().enumerate() {
            self.state = match (self.state, byte) {
                (End, _) => return used,
                // A dot at the start of a line: not yet known which kind.
                (LineStart, b'.') => Dot,
                (Dot, b'\r') => DotCr,
                // CR LF . CR LF: the one end marker of RFC 5321 §4.1.1.4.
                (DotCr, b'\n') => End,
                // "." LF: a sloppy end marker, accepted only when lenient.
                (Dot, b'\n') if lenient => End,
                // ".x": the first dot was stuffing; x is data.
                (Dot, _) => {
                    out.push(byte);
                    self.after_data(Data, byte)
                }
                // ".\rx": the dot was stuffing, and the CR was data.
                (DotCr, _) => {
                    out.push(b'\r');
                    out.push(byte);
                    self.after_data(Cr, byte)
                }
                (state @ (LineStart | Data | Cr), _) => {
                    out.push(byte);
                    self.after_data(state, byte)
                }
            };
        }
        input.len()
    }

    /// The state after a data byte that was not a stuffed dot, read in
    /// state `before`. A line starts after CR LF, and after a bare LF only
    /// when lenient.
    fn after_data(&self, before: DecodeState, byte: u8) -> DecodeState {
        match byte {
            b'\n' if before == DecodeState::Cr || self.end == EndOfData::Lenient => {
                DecodeState::LineStart
            }
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

/// Why [`DotReader`] could not hand out a whole message.
///
/// [`DotReader`] is a `Read`, so it reports these inside an `io::Error`
/// (`UnexpectedEof` and `InvalidData`); [`DotReader::read_message`]
/// returns them as they are.
#[derive(Debug)]
pub enum MessageError {
    /// The message was longer than the reader's limit. The reader went on
    /// to its end marker without keeping the rest, so the stream is at the
    /// next command: an SMTP server replies `552` and carries on.
    TooLarge {
        /// The largest message allowed, in bytes after unstuffing.
        limit: u64,
    },
    /// The stream ended before the end marker.
    Truncated,
    /// The stream failed (a timeout, a reset).
    Io(io::Error),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::TooLarge { limit } => write!(f, "message larger than {limit} bytes"),
            MessageError::Truncated => f.write_str(
                "connection closed before the end of the message (a line with a single dot)",
            ),
            MessageError::Io(error) => write!(f, "read failed: {error}"),
        }
    }
}

impl std::error::Error for MessageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MessageError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<MessageError> for io::Error {
    fn from(error: MessageError) -> io::Error {
        match error {
            MessageError::Io(error) => error,
            MessageError::Truncated => io::Error::new(io::ErrorKind::UnexpectedEof, error),
            MessageError::TooLarge { .. } => io::Error::new(io::ErrorKind::InvalidData, error),
        }
    }
}

/// Reads one dot-stuffed message: end-of-file at its end marker, and the
/// stream left just after it.
///
/// A reader has a limit on the size of the message (unlimited unless
/// [`with_limit`](Self::with_limit) sets one). Past the limit it hands out
/// nothing more, but it still reads, and drops, the rest of the message up
/// to its end marker, and only then reports [`MessageError::TooLarge`]:
/// the peer sends the whole message whatever the receiver thinks of it,
/// and the bytes after the end are its next command.
#[derive(Debug)]
pub struct DotReader<R: BufRead> {
    inner: R,
    decoder: DotDecoder,
    /// Decoded bytes not yet handed out.
    pending: Vec<u8>,
    handed_out: usize,
    /// The most message bytes to hand out.
    limit: u64,
    /// Message bytes decoded so far, those dropped past the limit included.
    decoded: u64,
}

impl<R: BufRead> DotReader<R> {
    /// Reads a message from `inner`, which should be just past the `354`
    /// reply (SMTP) or the `+OK` line (POP3). Only `CR LF . CR LF` ends it
    /// ([`EndOfData::Strict`]).
    pub fn new(inner: R) -> DotReader<R> {
        DotReader::with_end(inner, EndOfData::Strict)
    }

    /// Reads a message that the given end markers end.
    pub fn with_end(inner: R, end: EndOfData) -> DotReader<R> {
        DotReader {
            inner,
            decoder: DotDecoder::new(end),
            pending: Vec::new(),
            handed_out: 0,
            limit: u64::MAX,
            decoded: 0,
        }
    }

    /// Sets the largest message, in bytes after unstuffing, that the reader
    /// hands out (SMTP's `SIZE`, RFC 1870; its `552` reply, RFC 5321 §4.5.3.1.10).
    pub fn with_limit(mut self, limit: u64) -> DotReader<R> {
        self.limit = limit;
        self
    }

    /// Reads the whole message into `out`, up to the limit.
    ///
    /// On `Err(MessageError::TooLarge)`, `out` holds the first `limit`
    /// bytes and the stream is past the end marker.
    pub fn read_message(&mut self, out: &mut Vec<u8>) -> Result<(), MessageError> {
        loop {
            self.fill_pending()?;
            if self.handed_out == self.pending.len() {
                return Ok(());
            }
            out.extend_from_slice(&self.pending[self.handed_out..]);
            self.handed_out = self.pending.len();
        }
    }

    /// The stream, positioned after the end marker once the message is read.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Decodes more of the message into `pending` unless some of it is
    /// still to hand out. Nothing left to hand out on `Ok` means the end.
    fn fill_pending(&mut self) -> Result<(), MessageError> {
        while self.handed_out == self.pending.len() {
            if self.decoder.is_done() {
                return match self.decoded > self.limit {
                    true => Err(MessageError::TooLarge { limit: self.limit }),
                    false => Ok(()),
                };
            }
            self.pending.clear();
            self.handed_out = 0;
            let received = loop {
                match self.inner.fill_buf() {
                    Ok(received) => break received,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(MessageError::Io(error)),
                }
            };
            if received.is_empty() {
                return Err(MessageError::Truncated);
            }
            let used = self.decoder.decode(received, &mut self.pending);
            self.inner.consume(used);
            // Keep only what fits under the limit; count the rest.
            let room = self.limit.saturating_sub(self.decoded);
            let kept = self
                .pending
                .len()
                .min(usize::try_from(room).unwrap_or(usize::MAX));
            self.decoded = self.decoded.saturating_add(self.pending.len() as u64);
            self.pending.truncate(kept);
        }
        Ok(())
    }
}

impl<R: BufRead> Read for DotReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.fill_pending()?;
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

    /// Decodes `wire` fed in pieces of `chunk` bytes; returns the message,
    /// how many bytes were used, and whether the end marker was found.
    fn decode_with(end: EndOfData, wire: &[u8], chunk: usize) -> (Vec<u8>, usize, bool) {
        let mut decoder = DotDecoder::new(end);
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

    /// [`decode_with`] the end markers a default decoder accepts.
    fn decode(wire: &[u8], chunk: usize) -> (Vec<u8>, usize, bool) {
        decode_with(EndOfData::default(), wire, chunk)
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
        use EndOfData::*;
        let table: &[(EndOfData, &[u8], &[u8])] = &[
            (Strict, b"hello\r\n.\r\n", b"hello\r\n"),
            (Strict, b".\r\n", b""),
            (Strict, b"..hidden\r\n.\r\n", b".hidden\r\n"),
            (Strict, b"a\r\n..\r\nb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
            (Strict, b"a.b\r\n.\r\n", b"a.b\r\n"),
            (Strict, b"a\r.\r\n.\r\n", b"a\r.\r\n"),
            // Strict: a bare LF is a data byte; it starts no line, so the
            // dot after it is data, neither an end nor stuffing.
            (Strict, b"x\n.\n\r\n.\r\n", b"x\n.\n\r\n"),
            (Strict, b"x\n..\r\n.\r\n", b"x\n..\r\n"),
            // CR LF "." LF: a line that starts with a dot and goes on, so
            // the dot is stuffing (RFC 5321 §4.5.2), and the LF is data.
            (Strict, b"x\r\n.\nz\r\n.\r\n", b"x\r\n\nz\r\n"),
            // Lenient: a bare LF ends a line, and "." LF ends the message.
            (Lenient, b"x\n.\n", b"x\n"),
            (Lenient, b"x\n.\r\n", b"x\n"),
            (Lenient, b"x\n..\n.\r\n", b"x\n.\n"),
            (Lenient, b"hello\r\n.\r\n", b"hello\r\n"),
        ];
        for (end, wire, message) in table {
            for chunk in 1..=wire.len() {
                assert_eq!(
                    decode_with(*end, wire, chunk),
                    (message.to_vec(), wire.len(), true),
                    "{end:?} {:?} in pieces of {chunk}",
                    String::from_utf8_lossy(wire)
                );
            }
        }
    }

    /// "SMTP smuggling" (the Postfix, Exim and Sendmail advisories of
    /// December 2023): a message that holds `LF . LF` or `LF . CR LF`, then
    /// the commands of a second message. A server that took either for the
    /// end of data would run those commands as if they came from the sender.
    const SMUGGLED: &[u8] = b"Subject: one\r\n\r\nhi\r\n.\nMAIL FROM:<boss@bank.example>\r\n\
        RCPT TO:<victim@example.org>\r\nDATA\r\nSubject: two\r\n\n.\r\nQUIT\r\n.\r\n";

    /// What a strict decoder makes of [`SMUGGLED`]: one message, whose
    /// `CR LF . LF` line lost its stuffed dot (it is a line that begins
    /// with a dot and goes on), and nothing run as a command.
    const SMUGGLED_AS_ONE: &[u8] = b"Subject: one\r\n\r\nhi\r\n\nMAIL FROM:<boss@bank.example>\r\n\
        RCPT TO:<victim@example.org>\r\nDATA\r\nSubject: two\r\n\n.\r\nQUIT\r\n";

    #[test]
    fn by_default_only_crlf_dot_crlf_ends_the_message() {
        // RFC 5321 §4.1.1.4: "the sequence "<LF>.<LF>" (bare line feeds,
        // without carriage returns) MUST NOT be treated as equivalent to
        // <CRLF>.<CRLF> as the end of mail data indication".
        for chunk in [1, 2, 64] {
            let (message, used, done) = decode(SMUGGLED, chunk);
            assert_eq!(
                String::from_utf8_lossy(&message),
                String::from_utf8_lossy(SMUGGLED_AS_ONE)
            );
            assert_eq!((used, done), (SMUGGLED.len(), true));
        }
    }

    #[test]
    fn a_lenient_decoder_ends_at_the_first_bare_lf_dot() {
        // What a server must not do: the rest is read as commands.
        let (message, used, done) = decode_with(EndOfData::Lenient, SMUGGLED, 64);
        assert_eq!(message, b"Subject: one\r\n\r\nhi\r\n");
        assert_eq!(&SMUGGLED[used..used + 10], b"MAIL FROM:");
        assert!(done);
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
    fn a_message_over_the_limit_is_read_to_its_end_and_dropped() {
        // RFC 5321 §4.5.3.1.10: the server reads the whole message, then
        // answers 552; the next command must still be found.
        let mut wire = b"Subject: big\r\n\r\n".to_vec();
        wire.extend(std::iter::repeat_n(b'x', 100_000));
        wire.extend_from_slice(b"\r\n.\r\nQUIT\r\n");
        for chunk in [1, 7, 4096] {
            let stream = io::BufReader::with_capacity(chunk, &wire[..]);
            let mut reader = DotReader::new(stream).with_limit(10);
            let mut message = Vec::new();
            let error = reader.read_message(&mut message).unwrap_err();
            assert_eq!(error.to_string(), "message larger than 10 bytes");
            assert!(matches!(error, MessageError::TooLarge { limit: 10 }));
            assert_eq!(message, b"Subject: b", "pieces of {chunk}");
            let mut rest = String::new();
            reader.into_inner().read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "QUIT\r\n", "pieces of {chunk}");
        }
    }

    #[test]
    fn a_message_of_exactly_the_limit_is_accepted() {
        let mut reader = DotReader::new(&b"0123456789\r\n.\r\n"[..]).with_limit(12);
        let mut message = Vec::new();
        reader.read_message(&mut message).unwrap();
        assert_eq!(message, b"0123456789\r\n");
    }

    #[test]
    fn read_reports_too_large_as_invalid_data() {
        let mut reader = DotReader::new(&b"0123456789\r\n.\r\n"[..]).with_limit(4);
        let mut message = Vec::new();
        let error = reader.read_to_end(&mut message).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert_eq!(message, b"0123");
    }

    #[test]
    fn a_strict_reader_reads_a_smuggled_message_as_one() {
        let mut reader = DotReader::new(SMUGGLED);
        let mut message = Vec::new();
        reader.read_message(&mut message).unwrap();
        assert_eq!(message, SMUGGLED_AS_ONE);
        assert!(reader.into_inner().is_empty());
    }

    #[test]
    fn a_message_cut_off_before_its_end_is_an_error() {
        let mut reader = DotReader::new(io::Cursor::new(b"half a mess".to_vec()));
        let error = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}

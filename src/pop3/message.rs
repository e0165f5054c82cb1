//! A stored message as POP3 sends it: its size on the wire, and the part
//! of it that `TOP` sends.
//!
//! A Maildir file ends its lines as Unix does, with LF alone, which is
//! what mutt, Dovecot and the other readers of the format expect. The wire
//! ends them with CR LF (RFC 1939 §3), so the server sends each bare LF as
//! CR LF ([`DotEncoder`](crate::wire::dot::DotEncoder) does it while it
//! stuffs the dots). `STAT` and `LIST` must count the octets as they
//! travel (RFC 1939 §5: "the exact size of the message"), so the size is
//! the file's length plus one for each bare LF: [`WireSize`].
//!
//! `TOP msg n` (RFC 1939 §7) sends the header, the blank line that ends
//! it, and then the first `n` lines of the body: [`Top`] cuts a message
//! there, however its bytes arrive.
//!
//! Both are state machines over byte slices of any size, like the rest of
//! [`crate::wire`], so a file can be streamed through them in buffers.
//!
//! On the client's side, a message fetched is stored with Unix line ends
//! again ([`unix_lines`]): into a Maildir, or into an mbox file
//! ([`append_mbox_message`]), the older format of one file for a whole
//! mailbox.

use crate::maildir::UnixLines;

// ANCHOR: wire_size
/// Counts the octets a message takes on the wire: each bare LF becomes
/// CR LF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireSize {
    total: u64,
    after_cr: bool,
}

impl WireSize {
    /// Counts `bytes`, the next part of the message.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let extra = u64::from(byte == b'\n' && !self.after_cr);
            self.total = self.total.saturating_add(1 + extra);
            self.after_cr = byte == b'\r';
        }
    }

    /// The octets counted so far.
    pub fn total(&self) -> u64 {
        self.total
    }
}
// ANCHOR_END: wire_size

/// The size on the wire of a whole message held in memory.
pub fn wire_size(message: &[u8]) -> u64 {
    let mut size = WireSize::default();
    size.feed(message);
    size.total()
}

/// Where [`Top`] is in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// In the header; `line_empty` while the current line has had no
    /// byte but a CR.
    Header { line_empty: bool },
    /// In the body, with this many lines still to pass.
    Body { lines_left: u64 },
    /// Done: nothing more passes.
    Done,
}

/// Passes the header of a message, its blank line, and `n` lines of the
/// body; drops the rest.
///
/// ```text
/// Subject: hi        header: passes
/// From: alice        header: passes
///                    the blank line: passes, and the body begins
/// first line         body line 1 of n
/// second line        ...
/// ```
///
/// A message with no blank line is all header, and passes whole (there is
/// no body to cut). A line ends at LF, with or without a CR before it; a
/// last body line without its LF counts as a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Top {
    lines: u64,
    part: Part,
}

impl Top {
    /// A cutter for `TOP msg lines`.
    pub fn new(lines: u64) -> Top {
        Top {
            lines,
            part: Part::Header { line_empty: true },
        }
    }

    /// The part of `bytes`, the next part of the message, that `TOP`
    /// sends: a prefix of it.
    pub fn cut<'a>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        for (at, &byte) in bytes.iter().enumerate() {
            self.part = match self.part {
                Part::Done => return &bytes[..at],
                Part::Header { line_empty } => match byte {
                    b'\n' if line_empty => self.body(),
                    b'\n' => Part::Header { line_empty: true },
                    b'\r' => Part::Header { line_empty },
                    _ => Part::Header { line_empty: false },
                },
                Part::Body { lines_left } => match byte {
                    b'\n' if lines_left <= 1 => Part::Done,
                    b'\n' => Part::Body {
                        lines_left: lines_left - 1,
                    },
                    _ => Part::Body { lines_left },
                },
            };
        }
        bytes
    }

    /// Whether nothing more of the message will pass: the reader may stop.
    pub fn is_done(&self) -> bool {
        self.part == Part::Done
    }

    /// The header is over: the body starts, or nothing more if no line of
    /// it was asked for.
    fn body(&self) -> Part {
        match self.lines {
            0 => Part::Done,
            lines => Part::Body { lines_left: lines },
        }
    }
}

/// A whole message as it came over the wire (CR LF line ends), with Unix
/// line ends ([`UnixLines`]): what a client does before it stores a
/// message in a Maildir or an mbox.
pub fn unix_lines(message: &[u8]) -> Vec<u8> {
    let mut lines = UnixLines::default();
    let mut out = Vec::with_capacity(message.len());
    lines.convert(message, &mut out);
    lines.finish(&mut out);
    out
}

/// Appends one message to an mbox file's bytes, in the "mboxrd" form that
/// mutt, Thunderbird and fetchmail read: a `From ` line with the time,
/// the message with each line that starts with `From ` (after any number
/// of `>`) given one more `>` so that it cannot pass for the start of the
/// next message, then a blank line. `message` has Unix line ends
/// ([`unix_lines`]); `asctime` is the time in C's `asctime` form
/// ([`format_asctime_date`](crate::http::date::format_asctime_date)).
pub fn append_mbox_message(out: &mut Vec<u8>, message: &[u8], asctime: &str) {
    out.extend_from_slice(format!("From MAILER-DAEMON {asctime}\n").as_bytes());
    for line in message.split_inclusive(|&b| b == b'\n') {
        let unquoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        if line[unquoted..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    if !message.is_empty() && !message.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_size_counts_a_cr_for_each_bare_lf() {
        let table: [(&[u8], u64); 6] = [
            (b"", 0),
            (b"a\n", 3),
            (b"a\r\n", 3),
            (b"a\nb\n\n", 8),
            (b"no end", 6),
            (b"\r\r\n\n", 5),
        ];
        for (message, expected) in table {
            assert_eq!(wire_size(message), expected, "{message:?}");
            // However the bytes are cut, the count is the same.
            for cut in 0..=message.len() {
                let mut size = WireSize::default();
                size.feed(&message[..cut]);
                size.feed(&message[cut..]);
                assert_eq!(size.total(), expected, "{message:?} cut at {cut}");
            }
        }
    }

    const MESSAGE: &[u8] = b"Subject: hi\nFrom: a\n\none\ntwo\nthree\n";

    fn top(message: &[u8], lines: u64, piece: usize) -> Vec<u8> {
        let mut top = Top::new(lines);
        let mut out = Vec::new();
        for chunk in message.chunks(piece) {
            out.extend_from_slice(top.cut(chunk));
        }
        out
    }

    #[test]
    fn top_passes_the_header_the_blank_line_and_n_lines() {
        let table: [(&[u8], u64, &[u8]); 7] = [
            (MESSAGE, 0, b"Subject: hi\nFrom: a\n\n"),
            (MESSAGE, 1, b"Subject: hi\nFrom: a\n\none\n"),
            (MESSAGE, 2, b"Subject: hi\nFrom: a\n\none\ntwo\n"),
            (MESSAGE, 99, MESSAGE),
            (b"A: b\r\n\r\nbody\r\nmore\r\n", 1, b"A: b\r\n\r\nbody\r\n"),
            // No blank line: all header.
            (b"A: b\nC: d\n", 0, b"A: b\nC: d\n"),
            // A last line without its LF.
            (b"A: b\n\nonly", 5, b"A: b\n\nonly"),
        ];
        for (message, lines, expected) in table {
            for piece in 1..=message.len() {
                assert_eq!(
                    top(message, lines, piece),
                    expected,
                    "{:?} TOP {lines} in pieces of {piece}",
                    String::from_utf8_lossy(message)
                );
            }
        }
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        assert_eq!(unix_lines(b"a\r\nb\r\n"), b"a\nb\n");
        assert_eq!(unix_lines(b"a\rb\n\r"), b"a\rb\n\r");
        assert_eq!(unix_lines(b"\r\r\n"), b"\r\n");
        assert_eq!(unix_lines(b""), b"");
    }

    #[test]
    fn an_mbox_message_quotes_its_from_lines() {
        let mut out = Vec::new();
        let message = b"Subject: x\n\nFrom here\n>From there\nFrom\nlast";
        append_mbox_message(&mut out, message, "Tue Dec  1 10:00:00 2026");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "From MAILER-DAEMON Tue Dec  1 10:00:00 2026\n\
             Subject: x\n\n>From here\n>>From there\nFrom\nlast\n\n"
        );
    }

    #[test]
    fn top_says_when_the_rest_can_be_left_unread() {
        let mut top = Top::new(1);
        top.cut(b"A: b\n\nfirst\n");
        assert!(top.is_done());
        assert_eq!(top.cut(b"second\n"), b"");
    }
}

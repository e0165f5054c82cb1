//! Exercise 10: dot-stuffing, the way a message travels after `DATA`.
//!
//! After `354`, an SMTP client sends the message as lines, and a line that
//! holds a single `.` ends it (RFC 5321 §4.5.2). So a line of the message
//! that starts with a dot would end it early, or lose its dot: the sender
//! adds one more dot in front of every line that starts with one, and the
//! receiver takes it off again.
//!
//! ```text
//!   message               on the wire
//!   Hello,                Hello,
//!   .a dot line           ..a dot line
//!   .                     ..
//!   bye                   bye
//!                         .             the end marker
//! ```
//!
//! You write `Stuffer`, the sender's half, fed the message in pieces of
//! any size (a program writes it 64 KiB at a time, or one byte at a time):
//!
//! - `encode(piece, out)` appends the piece to `out`, a dot added before
//!   every dot that starts a line, and each bare LF (an LF with no CR
//!   before it) written as CR LF, since the wire carries CR LF only
//!   (RFC 5321 §2.3.8). A CR LF already there stays CR LF.
//! - `finish(out)` appends the end marker: CR LF if the message did not
//!   end its last line, then `.` CR LF. The stuffer is then ready for the
//!   next message.
//!
//! The first byte of the message starts a line. The hard part: what the
//! stuffer must remember from the end of one piece to the start of the
//! next (was the last byte a line end? was it a CR?).
//!
//! Run the tests:          cargo test --test ex10
//! See the reference pass: cargo test --test ex10 --features solutions

// ---- Your code: replace the todo!()s ------------------------------------

/// Adds the dots a message needs to travel, and the end marker.
#[cfg(not(feature = "solutions"))]
#[derive(Debug, Default)]
struct Stuffer {
    // Your fields. Careful: `Default` must give a stuffer at the start of
    // a line (derive it only if your fields' defaults mean that, or
    // implement `Default` by hand).
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables, clippy::ptr_arg)] // until you write it (it pushes onto `out`)
impl Stuffer {
    /// Appends `piece`, stuffed, to `out`.
    fn encode(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        todo!(
            "Hint: keep two bools from byte to byte: `at_line_start` (true at \
             first) and `after_cr`. For each byte: a '.' at a line start gets an \
             extra '.' first; an LF not after a CR gets a CR first; then the byte \
             itself. Then update both bools from the byte you just wrote."
        )
    }

    /// Appends the end marker, and starts afresh.
    fn finish(&mut self, out: &mut Vec<u8>) {
        todo!(
            "Hint: if the message did not end at a line start, end its line \
             (CR LF, or just LF if the last byte was a CR); then \".\\r\\n\"; \
             then reset the bools for the next message."
        )
    }
}

#[cfg(feature = "solutions")]
use netlessons::wire::dot::DotEncoder as Stuffer;

// ---- Tests: run them, don't change them ---------------------------------

use netlessons::wire::dot::DotReader;

/// The message stuffed, fed in pieces of `piece` bytes.
fn stuffed(message: &[u8], piece: usize) -> Vec<u8> {
    let mut stuffer = Stuffer::default();
    let mut out = Vec::new();
    for chunk in message.chunks(piece.max(1)) {
        stuffer.encode(chunk, &mut out);
    }
    stuffer.finish(&mut out);
    out
}

/// Checks `message` against `wire` in pieces of every size.
fn check(message: &[u8], wire: &[u8]) {
    for piece in 1..=message.len().max(1) {
        assert_eq!(
            String::from_utf8_lossy(&stuffed(message, piece)),
            String::from_utf8_lossy(wire),
            "{:?} in pieces of {piece} bytes",
            String::from_utf8_lossy(message)
        );
    }
}

#[test]
fn a_line_that_starts_with_a_dot_gets_a_second_one() {
    check(
        b"Hello,\r\n.a dot line\r\n",
        b"Hello,\r\n..a dot line\r\n.\r\n",
    );
}

#[test]
fn the_first_line_of_the_message_starts_a_line_too() {
    check(b".first\r\n", b"..first\r\n.\r\n");
}

#[test]
fn a_line_of_one_dot_is_not_the_end_of_the_message() {
    check(b"a\r\n.\r\nb\r\n", b"a\r\n..\r\nb\r\n.\r\n");
}

#[test]
fn a_dot_inside_a_line_is_left_alone() {
    check(b"a.b\r\n...\r\n", b"a.b\r\n....\r\n.\r\n");
}

#[test]
fn bare_lf_is_sent_as_cr_lf() {
    check(b"one\ntwo\n.three\n", b"one\r\ntwo\r\n..three\r\n.\r\n");
}

#[test]
fn a_last_line_without_its_end_is_ended_before_the_marker() {
    check(b"no end", b"no end\r\n.\r\n");
    check(b"a lone cr\r", b"a lone cr\r\n.\r\n");
}

#[test]
fn an_empty_message_is_the_end_marker_alone() {
    check(b"", b".\r\n");
}

#[test]
fn a_stuffer_serves_one_message_after_another() {
    let mut stuffer = Stuffer::default();
    let mut out = Vec::new();
    stuffer.encode(b"first, unended", &mut out);
    stuffer.finish(&mut out);
    stuffer.encode(b".second\r\n", &mut out);
    stuffer.finish(&mut out);
    assert_eq!(out, b"first, unended\r\n.\r\n..second\r\n.\r\n");
}

#[test]
fn what_the_stuffer_sends_the_receiver_reads_back() {
    // The crate's receiver (the SMTP server's) takes the dots off again.
    let message = b"Subject: x\r\n\r\n.one\r\n..two\r\n.\r\nend\r\n";
    let wire = stuffed(message, 3);
    let mut read = Vec::new();
    DotReader::new(&wire[..]).read_message(&mut read).unwrap();
    assert_eq!(read, message);
}

//! Exercise 11: the part of a message that `TOP` sends.
//!
//! `TOP msg n` (RFC 1939 §7) asks the server for a message's header, the
//! blank line that ends it, and the first `n` lines of its body: what a
//! mail client shows in a list before it downloads a whole message.
//!
//! ```text
//! Subject: hello        the header: always sent
//! From: bob
//!                       the blank line: sent, and the body begins
//! first line            body line 1: sent if n >= 1
//! second line           body line 2: sent if n >= 2
//! ```
//!
//! You write `Top`, which cuts a message there. The server reads the file
//! 64 KiB at a time, so `cut` is handed the message in pieces, and returns
//! the part of each piece to send (always its beginning: once the cut is
//! reached, nothing more passes). The answer must be the same wherever the
//! pieces are cut, even between the CR and the LF of a line end.
//!
//! The rules:
//! - A line ends at LF, with or without a CR before it.
//! - The header ends at the first empty line (an LF, or CR LF, alone).
//! - `n = 0`: the header and the blank line, nothing of the body.
//! - A message with no blank line is all header: all of it passes.
//! - A last body line without its LF counts as a line.
//!
//! Run the tests:          cargo test --test ex11
//! See the reference pass: cargo test --test ex11 --features solutions

// ---- Your code: replace the todo!() -------------------------------------

/// Passes the header, the blank line and `lines` lines of the body.
#[cfg(not(feature = "solutions"))]
#[derive(Debug)]
struct Top {
    // Your fields: how many body lines are wanted, and where the cutter
    // is: in the header (and whether the current line is still empty),
    // in the body (and how many lines are left), or done.
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // until you write it
impl Top {
    /// A cutter for `TOP msg lines`.
    fn new(lines: u64) -> Top {
        todo!("Hint: start in the header, at the start of a line (an empty line so far).")
    }

    /// The part of `bytes`, the next piece of the message, to send.
    fn cut<'a>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        todo!(
            "Hint: walk the bytes one by one, keeping where you are in the struct \
             (the next piece continues from there). In the header, an LF on a line \
             that had nothing but a CR ends the header; in the body, each LF is one \
             line fewer to go. When you reach the end, return the piece up to and \
             including that LF: &bytes[..index + 1]."
        )
    }
}

#[cfg(feature = "solutions")]
use netlessons::pop3::message::Top;

// ---- Tests: run them, don't change them ---------------------------------

const MESSAGE: &[u8] = b"Subject: hello\nFrom: bob\n\nfirst\nsecond\nthird\n";

/// What `Top` lets through when the message comes in pieces of `piece`
/// bytes.
fn top(message: &[u8], lines: u64, piece: usize) -> Vec<u8> {
    let mut top = Top::new(lines);
    let mut out = Vec::new();
    for chunk in message.chunks(piece) {
        out.extend_from_slice(top.cut(chunk));
    }
    out
}

/// Checks `message` cut into pieces of every size, from 1 byte to whole.
fn check(message: &[u8], lines: u64, expected: &[u8]) {
    for piece in 1..=message.len().max(1) {
        assert_eq!(
            String::from_utf8_lossy(&top(message, lines, piece)),
            String::from_utf8_lossy(expected),
            "TOP {lines} of {:?}, in pieces of {piece} bytes",
            String::from_utf8_lossy(message)
        );
    }
}

#[test]
fn no_body_line_is_the_header_and_its_blank_line() {
    check(MESSAGE, 0, b"Subject: hello\nFrom: bob\n\n");
}

#[test]
fn n_lines_of_the_body_follow_the_blank_line() {
    check(MESSAGE, 1, b"Subject: hello\nFrom: bob\n\nfirst\n");
    check(MESSAGE, 2, b"Subject: hello\nFrom: bob\n\nfirst\nsecond\n");
}

#[test]
fn more_lines_than_the_body_has_is_the_whole_message() {
    check(MESSAGE, 3, MESSAGE);
    check(MESSAGE, 1000, MESSAGE);
}

#[test]
fn cr_lf_line_ends_count_as_lf_does() {
    let message = b"Subject: x\r\n\r\none\r\ntwo\r\n";
    check(message, 0, b"Subject: x\r\n\r\n");
    check(message, 1, b"Subject: x\r\n\r\none\r\n");
}

#[test]
fn a_message_with_no_blank_line_is_all_header() {
    check(b"Subject: x\nFrom: y\n", 0, b"Subject: x\nFrom: y\n");
}

#[test]
fn a_last_line_without_its_lf_is_a_line() {
    check(b"Subject: x\n\nonly line", 1, b"Subject: x\n\nonly line");
    check(b"Subject: x\n\none\ntwo", 1, b"Subject: x\n\none\n");
}

#[test]
fn an_empty_message_sends_nothing() {
    check(b"", 5, b"");
}

#[test]
fn after_the_cut_nothing_more_passes() {
    let mut top = Top::new(1);
    assert_eq!(top.cut(b"A: b\n\nfirst\nsecond\n"), b"A: b\n\nfirst\n");
    assert_eq!(top.cut(b"third\n"), b"");
    assert_eq!(top.cut(b"\n\n"), b"");
}

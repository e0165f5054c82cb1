//! Exercise 09: the line ends of `TYPE A`, however the bytes are cut.
//!
//! In ASCII mode (RFC 959 §3.1.1.1) text travels with CR LF at the end of
//! every line. A Unix server turns each LF of a file into CR LF when it
//! sends the file (RETR), and each CR LF back into LF when it receives one
//! (STOR). You write the two converters:
//!
//! - `ToNetwork`, for RETR: a bare LF becomes CR LF; a CR LF already in
//!   the file stays CR LF (not CR CR LF); everything else, a lone CR
//!   included, passes as it is.
//! - `FromNetwork`, for STOR: CR LF becomes LF; a lone CR (one not
//!   followed by LF) and a bare LF are kept as they are.
//!
//! A file does not arrive in one piece: the server reads its data
//! connection 64 KiB at a time, and TCP cuts the bytes wherever it likes.
//! So both are fed buffer by buffer, `encode` for each and `finish` at
//! the end of the file, and both must give the same bytes wherever the
//! cuts fall. The hard case is a CR at the end of one buffer whose LF
//! starts the next:
//!
//! ```text
//!   buffers:   "one\r"  "\ntwo\r\n"
//!   written:   "one"    "\ntwo\n"        (FromNetwork: the CR waits for the next byte)
//! ```
//!
//! Run the tests:          cargo test --test ex09
//! See the reference pass: cargo test --test ex09 --features solutions
//!
//! The lesson's section "Exercise" explains what each test expects.

// ---- Your code: replace the todo!()s ------------------------------------

/// Turns a local text file (lines ended by LF) into the network's form
/// (lines ended by CR LF).
#[cfg(not(feature = "solutions"))]
#[derive(Debug, Default)]
struct ToNetwork {
    // Your fields: what the converter must remember from the last byte of
    // one buffer to decide about the first byte of the next.
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables, clippy::ptr_arg)] // until you write it (it pushes onto `out`)
impl ToNetwork {
    /// Appends `input`, converted, to `out`.
    fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        todo!(
            "Hint: an LF gets a CR in front of it unless the byte just before it \
             was a CR; that byte may have been the last of the previous buffer, \
             so keep one bool in the struct and update it after every byte."
        )
    }

    /// Ends the file, appending anything still owed to `out`, and makes
    /// the converter ready for the next file.
    fn finish(&mut self, out: &mut Vec<u8>) {
        todo!(
            "Hint: this direction never holds a byte back, so there is nothing \
             to write; but the next file starts afresh: reset the state."
        )
    }
}

/// Turns the network's form (lines ended by CR LF) into a local text file
/// (lines ended by LF).
#[cfg(not(feature = "solutions"))]
#[derive(Debug, Default)]
struct FromNetwork {
    // Your fields.
}

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables, clippy::ptr_arg)] // until you write it (it pushes onto `out`)
impl FromNetwork {
    /// Appends `input`, converted, to `out`. A CR at the end of `input`
    /// may be the first half of a CR LF: it is not written yet.
    fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        todo!(
            "Hint: do not write a CR when you see it: remember it. At the next \
             byte, an LF means the pair was a line end (write LF alone); anything \
             else means the CR was data (write it, then handle the byte as usual, \
             which may be another CR to remember)."
        )
    }

    /// Ends the file: a CR still held was a lone CR, and is written now.
    /// The converter is then ready for the next file.
    fn finish(&mut self, out: &mut Vec<u8>) {
        todo!("Hint: write the CR you may still hold, then reset the state.")
    }
}

#[cfg(feature = "solutions")]
use netlessons::ftp::ascii::{FromNetwork, ToNetwork};

// ---- Tests: run them, don't change them ---------------------------------

/// `(local file, on the wire)`: what `ToNetwork` makes of each file.
const TO_NETWORK: &[(&str, &[u8], &[u8])] = &[
    ("an empty file", b"", b""),
    ("Unix lines", b"one\ntwo\n", b"one\r\ntwo\r\n"),
    ("lines already CR LF", b"one\r\ntwo\r\n", b"one\r\ntwo\r\n"),
    (
        "both kinds in one file",
        b"unix\ndos\r\n",
        b"unix\r\ndos\r\n",
    ),
    ("empty lines", b"\n\n", b"\r\n\r\n"),
    ("lone CRs pass as they are", b"old\rmac\r", b"old\rmac\r"),
    ("CR CR LF", b"\r\r\n", b"\r\r\n"),
    ("a last line without its end", b"no end", b"no end"),
    ("UTF-8 passes", "caf\u{e9}\n".as_bytes(), b"caf\xc3\xa9\r\n"),
];

/// `(on the wire, local file)`: what `FromNetwork` makes of each upload.
const FROM_NETWORK: &[(&str, &[u8], &[u8])] = &[
    ("an empty upload", b"", b""),
    ("CR LF lines", b"one\r\ntwo\r\n", b"one\ntwo\n"),
    ("empty lines", b"\r\n\r\n", b"\n\n"),
    ("a lone CR is data", b"a\rb", b"a\rb"),
    ("a lone CR at the very end", b"end\r", b"end\r"),
    ("CR CR LF: one lone CR, one line end", b"\r\r\n", b"\r\n"),
    ("three lone CRs", b"\r\r\r", b"\r\r\r"),
    ("a bare LF stays", b"a\nb", b"a\nb"),
    ("UTF-8 passes", b"caf\xc3\xa9\r\n", "caf\u{e9}\n".as_bytes()),
];

/// Feeds `pieces` to `ToNetwork`, then finishes.
fn to_network(pieces: &[&[u8]]) -> Vec<u8> {
    let mut converter = ToNetwork::default();
    let mut out = Vec::new();
    for piece in pieces {
        converter.encode(piece, &mut out);
    }
    converter.finish(&mut out);
    out
}

/// Feeds `pieces` to `FromNetwork`, then finishes.
fn from_network(pieces: &[&[u8]]) -> Vec<u8> {
    let mut converter = FromNetwork::default();
    let mut out = Vec::new();
    for piece in pieces {
        converter.encode(piece, &mut out);
    }
    converter.finish(&mut out);
    out
}

/// Bytes shown with their escapes, for a failing assertion.
fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[test]
fn to_network_converts_each_file_of_the_table() {
    for (case, file, wire) in TO_NETWORK {
        assert_eq!(show(&to_network(&[file])), show(wire), "{case}");
    }
}

#[test]
fn from_network_converts_each_upload_of_the_table() {
    for (case, wire, file) in FROM_NETWORK {
        assert_eq!(show(&from_network(&[wire])), show(file), "{case}");
    }
}

#[test]
fn to_network_gives_the_same_bytes_wherever_the_file_is_cut() {
    // Every split point, and every byte on its own: a CR at the end of one
    // buffer and its LF at the start of the next is still one CR LF.
    for (case, file, wire) in TO_NETWORK {
        for at in 0..=file.len() {
            let (first, second) = file.split_at(at);
            let got = to_network(&[first, second]);
            assert_eq!(show(&got), show(wire), "{case}, cut after byte {at}");
        }
        let bytes: Vec<&[u8]> = file.chunks(1).collect();
        assert_eq!(
            show(&to_network(&bytes)),
            show(wire),
            "{case}, byte by byte"
        );
    }
}

#[test]
fn from_network_gives_the_same_bytes_wherever_the_upload_is_cut() {
    for (case, wire, file) in FROM_NETWORK {
        for at in 0..=wire.len() {
            let (first, second) = wire.split_at(at);
            let got = from_network(&[first, second]);
            assert_eq!(show(&got), show(file), "{case}, cut after byte {at}");
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(
            show(&from_network(&bytes)),
            show(file),
            "{case}, byte by byte"
        );
    }
}

#[test]
fn a_cr_that_ends_a_buffer_waits_for_the_next_byte() {
    let mut converter = FromNetwork::default();
    let mut out = Vec::new();
    converter.encode(b"one\r", &mut out);
    // Not yet written: it may be half of a CR LF.
    assert_eq!(show(&out), "one");
    converter.encode(b"\ntwo\r", &mut out);
    assert_eq!(show(&out), "one\\ntwo");
    converter.encode(b"x", &mut out);
    // The CR was followed by x: it was data after all.
    assert_eq!(show(&out), "one\\ntwo\\rx");
    converter.finish(&mut out);
    assert_eq!(show(&out), "one\\ntwo\\rx");
}

#[test]
fn finish_starts_the_next_file_afresh() {
    // One converter serves every transfer of a session: what the last
    // byte of one file was must not change the first byte of the next.
    let mut to = ToNetwork::default();
    let mut out = Vec::new();
    to.encode(b"ends in CR\r", &mut out);
    to.finish(&mut out);
    out.clear();
    to.encode(b"\nnext", &mut out);
    assert_eq!(show(&out), "\\r\\nnext", "ToNetwork after finish");

    let mut from = FromNetwork::default();
    let mut out = Vec::new();
    from.encode(b"lone\r", &mut out);
    from.finish(&mut out);
    assert_eq!(show(&out), "lone\\r", "the held CR is written by finish");
    out.clear();
    from.encode(b"\nnext", &mut out);
    assert_eq!(show(&out), "\\nnext", "FromNetwork after finish");
}

#[test]
fn a_unix_text_file_comes_back_as_it_left() {
    // RETR in ASCII mode, then STOR of what arrived: the same file.
    let file = b"first line\n\nthird line, after an empty one\nno end";
    let wire = to_network(&[file]);
    for at in 0..=wire.len() {
        let (first, second) = wire.split_at(at);
        assert_eq!(
            show(&from_network(&[first, second])),
            show(file),
            "cut at {at}"
        );
    }
}

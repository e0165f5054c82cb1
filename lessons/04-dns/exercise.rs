//! Exercise 04: read a compressed name, and refuse a hostile one.
//!
//! A name in a DNS message is a run of labels, each a length byte and
//! that many bytes, ended by a zero byte (the root), or by a *pointer*:
//! two bytes whose top two bits are `11` and whose other 14 bits are the
//! offset in the message where the rest of the name is written (RFC 1035
//! §4.1.4):
//!
//! ```text
//! offset 12: 03 w w w 07 e x a m p l e 04 t e s t 00   www.example.test.
//! offset 30: 04 m a i l c0 10                          mail. + the name at 16
//! ```
//!
//! You write `read_name(message, start)`: the name that starts at
//! `start`, and the offset where the caller's reading goes on (just after
//! the first pointer if there is one, else just after the zero byte).
//!
//! The bytes come from anyone on the network, so:
//!
//! - a pointer must point *before* every byte of the name read so far
//!   (`PointerNotBackwards`): then each jump goes strictly backwards and
//!   no loop is possible, not even a pointer to itself;
//! - a length byte starting with the bits `01` or `10` (64 to 191) is a
//!   label type no one sends (`BadLabelType`): so a "label of 64" is not
//!   a label at all;
//! - the whole name, length bytes and the final zero counted, is at most
//!   255 bytes (`NameTooLong`), however it was put together;
//! - a message that ends inside the name is `Truncated`;
//! - nothing panics, whatever the bytes.
//!
//! Build the name with `Name::from_labels`, which checks the limits of
//! each label too.
//!
//! Run the tests:          cargo test --test ex04
//! See the reference pass: cargo test --test ex04 --features solutions

use netlessons::dns::name::{Name, NameError};

// ---- Your code: replace the todo!() --------------------------------------

/// The name at `start` in `message`, and where reading goes on after it.
#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // until you write it
fn read_name(message: &[u8], start: usize) -> Result<(Name, usize), NameError> {
    todo!(
        "Hint: loop over length bytes from `start`, collecting labels. A zero \
         ends the name. A byte with the top bits 11 is a pointer: the target is \
         ((byte & 0x3f) << 8 | next byte); refuse it unless it is below the \
         lowest offset you have read from, remember where the caller resumes \
         (after the first pointer only), and go on at the target. Use \
         message.get(..) so that running off the end is Truncated, not a panic, \
         and count the name's length as you go."
    )
}

/// The reference: the crate's own reader.
#[cfg(feature = "solutions")]
fn read_name(message: &[u8], start: usize) -> Result<(Name, usize), NameError> {
    Name::read(message, start)
}

// ---- Tests: run them, don't change them ---------------------------------

/// A message whose first 12 bytes (the header) are zero, then `rest`.
fn message(rest: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0u8; 12];
    bytes.extend_from_slice(rest);
    bytes
}

/// `www.example.test.` at offset 12, then whatever the case adds.
fn with_www(rest: &[u8]) -> Vec<u8> {
    let mut bytes = message(b"\x03www\x07example\x04test\x00");
    bytes.extend_from_slice(rest);
    bytes
}

/// A name of `labels` labels of 63 bytes, and the end given.
fn long_name(labels: usize, end: &[u8]) -> Vec<u8> {
    let mut rest = Vec::new();
    for _ in 0..labels {
        rest.push(63);
        rest.extend_from_slice(&[b'a'; 63]);
    }
    rest.extend_from_slice(end);
    message(&rest)
}

/// What reading gives, as text: `www.example.test. next 30`, or the error.
fn read_text(bytes: &[u8], start: usize) -> String {
    match read_name(bytes, start) {
        Ok((name, next)) => format!("{name} next {next}"),
        Err(error) => format!("{error:?}"),
    }
}

#[test]
fn names_without_pointers_are_read_to_their_zero_byte() {
    let table: &[(&str, Vec<u8>, usize, &str)] = &[
        ("the root alone", message(b"\x00"), 12, ". next 13"),
        (
            "three labels",
            with_www(b""),
            12,
            "www.example.test. next 30",
        ),
        (
            "one label",
            message(b"\x04test\x00rest"),
            12,
            "test. next 18",
        ),
        (
            "a label of 63, the longest",
            long_name(1, b"\x00"),
            12,
            &format!("{}. next {}", "a".repeat(63), 12 + 64 + 1),
        ),
    ];
    for (case, bytes, start, expected) in table {
        assert_eq!(read_text(bytes, *start), *expected, "{case}");
    }
}

#[test]
fn a_pointer_ends_the_name_with_a_name_written_earlier() {
    let table: &[(&str, Vec<u8>, usize, &str)] = &[
        (
            "a pointer alone: the whole name again",
            with_www(b"\xc0\x0c"),
            30,
            "www.example.test. next 32",
        ),
        (
            "a label, then a pointer to example.test.",
            with_www(b"\x04mail\xc0\x10"),
            30,
            "mail.example.test. next 37",
        ),
        (
            "a pointer to a name that itself ends with a pointer",
            with_www(b"\x04mail\xc0\x10\x03smt\xc0\x1e"),
            37,
            "smt.mail.example.test. next 43",
        ),
        (
            "a pointer into the middle of a name: test.",
            with_www(b"\xc0\x18"),
            30,
            "test. next 32",
        ),
    ];
    for (case, bytes, start, expected) in table {
        assert_eq!(read_text(bytes, *start), *expected, "{case}");
    }
}

#[test]
fn hostile_names_are_refused_without_a_panic_or_a_loop() {
    let table: &[(&str, Vec<u8>, usize, &str)] = &[
        (
            "a pointer to itself",
            message(b"\xc0\x0c"),
            12,
            "PointerNotBackwards",
        ),
        (
            "two pointers that point to each other",
            message(b"\x01a\xc0\x10\xc0\x0c"),
            16,
            "PointerNotBackwards",
        ),
        (
            "a pointer forward, to a name written later",
            message(b"\xc0\x0e\x03www\x00"),
            12,
            "PointerNotBackwards",
        ),
        (
            "a pointer past the end of the message",
            message(b"\xff\xff"),
            12,
            "PointerNotBackwards",
        ),
        (
            "a label of 64: its length byte starts with the bits 01",
            message(&[&[64u8][..], &[b'a'; 64], b"\x00"].concat()),
            12,
            "BadLabelType",
        ),
        (
            "a length byte starting with the bits 10",
            message(b"\x80a\x00"),
            12,
            "BadLabelType",
        ),
        (
            "four labels of 63: 257 bytes with the zero",
            long_name(4, b"\x00"),
            12,
            "NameTooLong",
        ),
        (
            "a name made too long through a pointer",
            {
                // Three labels of 63 at offset 12, then 62 bytes of labels
                // and a pointer to them: 62 + 193 = 255 + 1 bytes.
                let mut bytes = long_name(3, b"\x00");
                bytes.extend_from_slice(&[60]);
                bytes.extend_from_slice(&[b'b'; 60]);
                bytes.extend_from_slice(b"\x01c\xc0\x0c");
                bytes
            },
            12 + 3 * 64 + 1,
            "NameTooLong",
        ),
        (
            "the message ends inside a label",
            message(b"\x07exam"),
            12,
            "Truncated",
        ),
        (
            "the message ends before the zero byte",
            message(b"\x04test"),
            12,
            "Truncated",
        ),
        (
            "the message ends inside a pointer",
            with_www(b"\xc0"),
            30,
            "Truncated",
        ),
        (
            "the name starts past the end",
            message(b""),
            12,
            "Truncated",
        ),
    ];
    for (case, bytes, start, expected) in table {
        assert_eq!(read_text(bytes, *start), *expected, "{case}");
    }
}

#[test]
fn a_name_of_255_bytes_exactly_is_read() {
    // Three labels of 63 (192 bytes), one of 61 (62), the zero: 255.
    let mut rest = long_name(3, b"");
    rest.push(61);
    rest.extend_from_slice(&[b'z'; 61]);
    rest.push(0);
    let (name, next) = read_name(&rest, 12).expect("255 bytes is the limit, not over it");
    assert_eq!(name.wire_len(), 255);
    assert_eq!(next, rest.len());
}

#[test]
fn every_cut_of_a_compressed_name_is_an_error_not_a_panic() {
    let bytes = with_www(b"\x04mail\xc0\x10");
    for len in 30..bytes.len() {
        assert_eq!(
            read_text(&bytes[..len], 30),
            "Truncated",
            "the message cut after {len} bytes"
        );
    }
}

#[test]
fn names_compare_without_case_but_keep_it() {
    let bytes = message(b"\x03WwW\x07Example\x04TEST\x00");
    let (name, _) = read_name(&bytes, 12).unwrap();
    assert_eq!(name.to_string(), "WwW.Example.TEST.");
    assert_eq!(name, Name::from_text("www.example.test.").unwrap());
}

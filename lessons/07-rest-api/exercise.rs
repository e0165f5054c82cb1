//! Exercise 07: read a JSON string, escapes and all.
//!
//! Write `parse_json_string` below. It gets bytes that start with the
//! opening `"` of a JSON string (RFC 8259 §7), and returns the text the
//! string stands for, with every escape decoded, and how many bytes the
//! string took, closing quote included. Whatever follows the closing quote
//! is none of its business.
//!
//! ```text
//!   input:    " a \ n b " , 1 ]        (the bytes  "a\nb",1] )
//!   returns:  ("a<line feed>b", 6)
//! ```
//!
//! Run the tests:          cargo test --test ex07
//! See the reference pass: cargo test --test ex07 --features solutions
//!
//! The lesson's section "Exercise" explains what each test expects.

use netlessons::json::{JsonError, JsonErrorKind};

// ---- Your code: replace the todo!() -------------------------------------

/// Parses the JSON string at the start of `input` (which must begin with
/// `"`), and returns the decoded text and the number of bytes it took.
///
/// ```text
/// string = quotation-mark *char quotation-mark
/// char   = unescaped /
///          "\" ( "\"" / "\\" / "/" / "b" / "f" / "n" / "r" / "t" / "u" 4HEXDIG )
/// unescaped = %x20-21 / %x23-5B / %x5D-10FFFF     (no control character, no " or \)
/// ```
///
/// An error is a `JsonError` (in `src/json/error.rs`, which holds only the
/// error types): `JsonError { kind: JsonErrorKind::LoneSurrogate, offset: 1 }`.
///
/// The errors, each with the offset (from the start of `input`) of:
/// - `ControlCharacter(byte)`: that byte, a raw byte below 0x20;
/// - `InvalidEscape(c)`: the backslash, when `c` follows it and starts no escape;
/// - `InvalidUnicodeEscape`: the backslash, when `\u` lacks 4 hex digits;
/// - `LoneSurrogate`: the backslash of the `\u` escape that is half a pair
///   (a high half, D800-DBFF, not followed by `\u` and a low half,
///   DC00-DFFF; or a low half alone);
/// - `UnexpectedEnd`: `input.len()`, when the input ends before the closing quote.
#[cfg(not(feature = "solutions"))]
fn parse_json_string(input: &[u8]) -> Result<(String, usize), JsonError> {
    let _ = input;
    todo!(
        "Hint: work on &str (std::str::from_utf8 on the input: the tests send only UTF-8) \
         and walk it with an index. \
         Copy plain characters as they are; stop at '\"' (done: return index + 1), \
         at a byte below 0x20 (error), or at '\\' (an escape). For \\uXXXX, u32::from_str_radix \
         on the 4 hex digits; a value in D800..=DBFF needs a second \\uXXXX in DC00..=DFFF, \
         and the character is 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00); \
         char::from_u32 turns a number into a char."
    )
}

#[cfg(feature = "solutions")]
fn parse_json_string(input: &[u8]) -> Result<(String, usize), JsonError> {
    netlessons::json::parse_string_at(input, 0)
}

// ---- Tests: run them, don't change them ---------------------------------

/// The error `kind` at `offset`.
fn error(kind: JsonErrorKind, offset: usize) -> Result<(String, usize), JsonError> {
    Err(JsonError { kind, offset })
}

/// What `parse_json_string` should return for text that parses.
fn ok(text: &str, used: usize) -> Result<(String, usize), JsonError> {
    Ok((text.to_string(), used))
}

#[test]
fn a_plain_string_stops_at_its_closing_quote() {
    assert_eq!(parse_json_string(br#""buy milk""#), ok("buy milk", 10));
    // What follows is not read: here it is the rest of an object.
    assert_eq!(parse_json_string(br#""id": 7}"#), ok("id", 4));
    assert_eq!(parse_json_string(br#""""#), ok("", 2));
}

#[test]
fn the_two_character_escapes_are_decoded() {
    // §7: \" \\ \/ \b \f \n \r \t
    let input = br#""q\"s\\l\/b\bf\fn\nr\rt\t""#;
    let expected = "q\"s\\l/b\u{8}f\u{c}n\nr\rt\t";
    assert_eq!(parse_json_string(input), ok(expected, input.len()));
}

#[test]
fn a_unicode_escape_is_one_character_in_either_case_of_hex() {
    let input = br#""caf\u00e9 \u4E2D \u0000""#;
    assert_eq!(parse_json_string(input), ok("café 中 \u{0}", input.len()));
}

#[test]
fn a_surrogate_pair_is_one_character_beyond_the_first_plane() {
    // §7: "\ud834\udd1e" is U+1D11E, the G clef; and an emoji for luck.
    let input = br#""\uD834\uDD1E \ud83d\ude00""#;
    assert_eq!(parse_json_string(input), ok("\u{1D11E} 😀", input.len()));
}

#[test]
fn characters_beyond_ascii_may_be_written_as_themselves() {
    // The count is in bytes: "é" is 2 bytes of UTF-8, "😀" is 4.
    let input = "\"é😀\" rest".as_bytes();
    assert_eq!(parse_json_string(input), ok("é😀", 8));
}

#[test]
fn half_a_surrogate_pair_is_an_error() {
    // §8.2: a lone surrogate is no character; a Rust String cannot hold one.
    let table: [(&[u8], usize); 4] = [
        (br#""\ud83d""#, 1),        // a high half, then the end of the string
        (br#""\ud83d\u0041""#, 1),  // a high half, then not a low half
        (br#""ab\ude00""#, 3),      // a low half alone
        (br#""\ud83dx\ude00""#, 1), // the halves apart
    ];
    for (input, offset) in table {
        assert_eq!(
            parse_json_string(input),
            error(JsonErrorKind::LoneSurrogate, offset),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn a_raw_control_character_is_an_error() {
    // §7: a line break inside a string must be written \n.
    assert_eq!(
        parse_json_string(b"\"line 1\nline 2\""),
        error(JsonErrorKind::ControlCharacter(b'\n'), 7)
    );
    assert_eq!(
        parse_json_string(b"\"tab\there\""),
        error(JsonErrorKind::ControlCharacter(b'\t'), 4)
    );
}

#[test]
fn bad_escapes_and_a_missing_closing_quote_are_errors() {
    assert_eq!(
        parse_json_string(br#""a\qb""#),
        error(JsonErrorKind::InvalidEscape('q'), 2)
    );
    assert_eq!(
        parse_json_string(br#""\u12G4""#),
        error(JsonErrorKind::InvalidUnicodeEscape, 1)
    );
    assert_eq!(
        parse_json_string(br#""unfinished"#),
        error(JsonErrorKind::UnexpectedEnd, 11)
    );
    assert_eq!(
        parse_json_string(br#""ends in \"#),
        error(JsonErrorKind::UnexpectedEnd, 10)
    );
}

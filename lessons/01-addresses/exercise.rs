//! Exercise 01: percent-decoding.
//!
//! A URL cannot hold a space, and a `/` inside a file name would be taken
//! for a separator, so such bytes travel as `%` and two hexadecimal digits:
//! `%20` is a space, `%2F` a slash, `%C3%A9` the two UTF-8 bytes of `é`
//! (RFC 3986 §2.1). Write `percent_decode`, which turns every `%XY` of its
//! input back into the byte it stands for and leaves every other byte as it is.
//!
//! The rules the tests check:
//!
//! - the hex digits may be upper or lower case: `%2f` and `%2F` are both `/`;
//! - the result is bytes, not text: `%FF` is a valid escape but not UTF-8;
//! - `+` stays `+` (a space written as `+` is a rule of HTML forms, not URLs);
//! - a `%` followed by something that is not a hex digit (`%G1`, `%G`) is
//!   `UrlError::InvalidPercentEncoding { at }`;
//! - a `%` with its digits missing because the input ends (`%4`, `%`) is
//!   `UrlError::TruncatedPercentEncoding { at }`;
//! - `at` is the byte position of the `%`, counted from 0, in bytes (so `é`
//!   before it counts for 2).
//!
//! Run the tests with `cargo test --test ex01`. They fail until you replace
//! the `todo!()`. To see them pass against the crate's own version, run
//! `cargo test --test ex01 --features solutions` (and read it in
//! `src/url/percent.rs` once yours works).

use netlessons::url::UrlError;

// ---- Your code: replace the todo!() ----

/// Decodes every `%XY` in `input` into the byte it stands for.
#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // until you write it
fn percent_decode(input: &str) -> Result<Vec<u8>, UrlError> {
    todo!(
        "Hint: walk input.as_bytes() with an index i. On b'%', fetch the next two \
         bytes with .get(i + 1) and .get(i + 2) (they may be missing), turn each hex \
         digit into its value (char::from(byte).to_digit(16) does it), push \
         high * 16 + low and move on by 3. Any other byte is pushed as it is."
    )
}

#[cfg(feature = "solutions")]
use netlessons::url::percent_decode;

// ---- Tests ----

#[test]
fn text_without_escapes_comes_back_unchanged() {
    assert_eq!(
        percent_decode("index.html").as_deref(),
        Ok(&b"index.html"[..])
    );
    assert_eq!(percent_decode("").as_deref(), Ok(&b""[..]));
}

#[test]
fn an_escape_becomes_the_byte_it_stands_for() {
    assert_eq!(percent_decode("a%20b").as_deref(), Ok(&b"a b"[..]));
    assert_eq!(
        percent_decode("2024%2Freport.pdf").as_deref(),
        Ok(&b"2024/report.pdf"[..])
    );
}

#[test]
fn hex_digits_may_be_upper_or_lower_case() {
    assert_eq!(percent_decode("%2f%2F%aB").as_deref(), Ok(&b"//\xAB"[..]));
}

#[test]
fn the_result_is_bytes_not_text() {
    // Two escapes make the two UTF-8 bytes of 'é'; %FF is no UTF-8 at all.
    assert_eq!(
        percent_decode("caf%C3%A9").as_deref(),
        Ok("café".as_bytes())
    );
    assert_eq!(percent_decode("%FF%00").as_deref(), Ok(&[0xFF, 0x00][..]));
}

#[test]
fn a_plus_stays_a_plus() {
    assert_eq!(percent_decode("1+1=2").as_deref(), Ok(&b"1+1=2"[..]));
}

#[test]
fn a_percent_without_two_hex_digits_is_refused_with_its_position() {
    let table = [
        ("%G1", UrlError::InvalidPercentEncoding { at: 0 }),
        ("ab%G", UrlError::InvalidPercentEncoding { at: 2 }),
        ("a%20%2x", UrlError::InvalidPercentEncoding { at: 4 }),
    ];
    for (input, expected) in table {
        assert_eq!(percent_decode(input), Err(expected), "{input}");
    }
}

#[test]
fn a_percent_cut_short_by_the_end_is_refused_with_its_position() {
    let table = [
        ("%4", UrlError::TruncatedPercentEncoding { at: 0 }),
        ("100%", UrlError::TruncatedPercentEncoding { at: 3 }),
        // 'é' is two bytes, so the '%' is at byte 2.
        ("é%2", UrlError::TruncatedPercentEncoding { at: 2 }),
    ];
    for (input, expected) in table {
        assert_eq!(percent_decode(input), Err(expected), "{input}");
    }
}

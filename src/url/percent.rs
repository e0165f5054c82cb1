//! Percent-encoding (RFC 3986 §2.1): how a URL carries bytes it may not hold.
//!
//! A URL is written with a small set of ASCII characters, and some of them
//! are delimiters (`/` separates path segments, `?` starts the query). Any
//! other byte, or a delimiter meant as data, is written as `%` and two
//! hexadecimal digits: a space is `%20`, a `/` inside a file name is `%2F`,
//! the UTF-8 bytes of `é` are `%C3%A9`.
//!
//! ```text
//! pct-encoded = "%" HEXDIG HEXDIG
//! unreserved  = ALPHA / DIGIT / "-" / "." / "_" / "~"
//! sub-delims  = "!" / "$" / "&" / "'" / "(" / ")"
//!             / "*" / "+" / "," / ";" / "="
//! pchar       = unreserved / pct-encoded / sub-delims / ":" / "@"
//! ```
//!
//! Decoding is done last, on one component or one segment at a time: once
//! `%2F` has become `/`, nobody can tell it from a separator.

use super::{Component, UrlError};

/// `unreserved`: never needs encoding, anywhere (§2.3).
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// `sub-delims`: delimiters that some schemes give a meaning to (§2.2).
fn is_sub_delim(byte: u8) -> bool {
    matches!(
        byte,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

// ANCHOR: allowed
/// Whether `byte` may appear as it is in `component` (§3.2.1 to §3.5).
/// `%` is never allowed as it is: it always starts an encoded byte.
fn is_allowed(component: Component, byte: u8) -> bool {
    let pchar = is_unreserved(byte) || is_sub_delim(byte) || byte == b':' || byte == b'@';
    match component {
        // userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
        Component::Userinfo => is_unreserved(byte) || is_sub_delim(byte) || byte == b':',
        // reg-name = *( unreserved / pct-encoded / sub-delims )
        Component::Host => is_unreserved(byte) || is_sub_delim(byte),
        // segment = *pchar
        Component::PathSegment => pchar,
        // path-abempty = *( "/" segment ), and the other path rules
        Component::Path => pchar || byte == b'/',
        // query = *( pchar / "/" / "?" ), fragment likewise
        Component::Query | Component::Fragment => pchar || byte == b'/' || byte == b'?',
    }
}
// ANCHOR_END: allowed

/// The value of one hexadecimal digit.
fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes the `%XY` that starts at `bytes[i]`; `at` is where `bytes`
/// starts in the whole URL, so that an error says where the `%` is.
fn decode_triplet(bytes: &[u8], i: usize, at: usize) -> Result<u8, UrlError> {
    // None: no byte there; Some(None): a byte that is not a hex digit.
    let digit = |offset: usize| bytes.get(i + offset).map(|&byte| hex_value(byte));
    match (digit(1), digit(2)) {
        (Some(Some(high)), Some(Some(low))) => Ok(high << 4 | low),
        // A wrong digit ("%G1", and "%G" too) is the clearer mistake to
        // report; only when the digits are merely missing is it "cut short".
        (Some(None), _) | (_, Some(None)) => Err(UrlError::InvalidPercentEncoding { at: at + i }),
        _ => Err(UrlError::TruncatedPercentEncoding { at: at + i }),
    }
}

/// Checks that `text`, found at byte `at` of a URL, is a valid `component`:
/// only allowed characters, and every `%` followed by two hex digits.
pub(super) fn check_component(text: &str, component: Component, at: usize) -> Result<(), UrlError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' && component != Component::Host {
            decode_triplet(bytes, i, at)?;
            i += 3;
        } else if is_allowed(component, byte) {
            i += 1;
        } else {
            return Err(UrlError::InvalidCharacter {
                component,
                at: at + i,
                byte,
            });
        }
    }
    Ok(())
}

// ANCHOR: percent_decode
/// Decodes every `%XY` in `input` into the byte it stands for.
///
/// The result is bytes, not a `String`: `%FF` is a valid escape but not
/// UTF-8. Use `String::from_utf8` on it when text is expected. `+` stays
/// `+`: reading it as a space is a rule of HTML forms, not of URLs.
///
/// ```
/// use netlessons::url::{percent_decode, UrlError};
/// assert_eq!(percent_decode("a%20b").unwrap(), b"a b");
/// assert_eq!(percent_decode("100%"), Err(UrlError::TruncatedPercentEncoding { at: 3 }));
/// ```
pub fn percent_decode(input: &str) -> Result<Vec<u8>, UrlError> {
    let bytes = input.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            decoded.push(decode_triplet(bytes, i, 0)?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    Ok(decoded)
}
// ANCHOR_END: percent_decode

/// Encodes `bytes` for use as `component`: every byte that may not appear
/// there as it is becomes `%XY` (uppercase, as §2.1 recommends).
///
/// ```
/// use netlessons::url::{percent_encode, Component};
/// assert_eq!(percent_encode("a b/c".as_bytes(), Component::Path), "a%20b/c");
/// assert_eq!(percent_encode("a b/c".as_bytes(), Component::PathSegment), "a%20b%2Fc");
/// ```
pub fn percent_encode(bytes: &[u8], component: Component) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(bytes.len());
    for &byte in bytes {
        if is_allowed(component, byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_turns_escapes_into_bytes() {
        let table: [(&str, &[u8]); 6] = [
            ("plain", b"plain"),
            ("a%20b", b"a b"),
            ("%2f%2F", b"//"),
            ("caf%C3%A9", "café".as_bytes()),
            ("%FF", &[0xFF]),
            ("1+1", b"1+1"),
        ];
        for (input, expected) in table {
            assert_eq!(percent_decode(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn decoding_refuses_bad_escapes_and_says_where() {
        let table = [
            ("%G1", UrlError::InvalidPercentEncoding { at: 0 }),
            ("ab%4", UrlError::TruncatedPercentEncoding { at: 2 }),
            ("%", UrlError::TruncatedPercentEncoding { at: 0 }),
            ("%G", UrlError::InvalidPercentEncoding { at: 0 }),
            ("%4/", UrlError::InvalidPercentEncoding { at: 0 }),
            ("é%", UrlError::TruncatedPercentEncoding { at: 2 }),
        ];
        for (input, expected) in table {
            assert_eq!(percent_decode(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn encoding_then_decoding_gives_back_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        for component in [
            Component::Userinfo,
            Component::Host,
            Component::Path,
            Component::PathSegment,
            Component::Query,
            Component::Fragment,
        ] {
            let encoded = percent_encode(&all, component);
            assert_eq!(percent_decode(&encoded).unwrap(), all, "{component}");
        }
    }

    #[test]
    fn encoding_keeps_what_the_component_allows() {
        assert_eq!(percent_encode(b"a?b#c", Component::Query), "a?b%23c");
        assert_eq!(
            percent_encode(b"user@host", Component::Userinfo),
            "user%40host"
        );
        assert_eq!(percent_encode(b"100%", Component::Path), "100%25");
    }
}

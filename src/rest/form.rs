//! Reading an HTML form's body: `application/x-www-form-urlencoded`.
//!
//! When a browser submits `<form method="post">`, it sends the form's
//! fields as one line of `name=value` pairs joined by `&`, each name and
//! value encoded as the client of chapter 05 encodes them
//! ([`form_urlencode`](crate::http::request::form_urlencode)): letters,
//! digits and `*-._` as they are, a space as `+`, every other byte of the
//! UTF-8 text as `%XX` (WHATWG URL Standard, §5.1 and §5.2):
//!
//! ```text
//! text=fish+%26+chips&done=true     is the two fields
//! text = "fish & chips"             and
//! done = "true"
//! ```
//!
//! [`parse_form`] is the inverse: split on `&`, then on the first `=`,
//! then `+` becomes a space, and only then is each `%XX` decoded, so that
//! `%2B` stays a `+`. The WHATWG parser is lenient (a bad `%` is kept as
//! it is, bytes that are not UTF-8 become U+FFFD); this one refuses both,
//! as the JSON parser refuses a bad escape: a note saved with a
//! replacement character in it is a note the client did not write.
//!
//! The file is pure: bytes in, fields out.

use crate::url::{percent_decode, UrlError};
use std::fmt;

// ANCHOR: max_form_fields
/// The most fields a form body may have. A note's form has one or two;
/// the bound is there because the body alone (up to the server's 1 MiB)
/// does not bound the fields: 1 MiB of `a&a&a&...` is half a million of
/// them, at least 48 bytes of memory each (two `String`s) before the
/// first is even looked at.
pub const MAX_FORM_FIELDS: usize = 16;
// ANCHOR_END: max_form_fields

/// Why a body is not a valid form (400 Bad Request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// A `%` at this byte of the body is not followed by two hex digits.
    BadEscape {
        /// Where the `%` is, counted from the start of the body.
        at: usize,
    },
    /// The field that starts at this byte is not UTF-8 once decoded
    /// (a raw byte such as 0xFF, or an escape such as `%FF`).
    NotUtf8 {
        /// Where the field starts, counted from the start of the body.
        at: usize,
    },
    /// More than [`MAX_FORM_FIELDS`] fields.
    TooManyFields,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::BadEscape { at } => write!(
                f,
                "invalid form: the '%' at byte {at} is not followed by two hex digits"
            ),
            FormError::NotUtf8 { at } => {
                write!(f, "invalid form: the field at byte {at} is not UTF-8 text")
            }
            FormError::TooManyFields => {
                write!(f, "invalid form: more than {MAX_FORM_FIELDS} fields")
            }
        }
    }
}

impl std::error::Error for FormError {}

// ANCHOR: parse_form
/// The fields of a form body, in the order they were sent, names and
/// values decoded. A name may come more than once (a form may have two
/// inputs of one name): what that means is for the caller to decide.
///
/// ```
/// use netlessons::rest::form::parse_form;
/// let fields = parse_form(b"text=fish+%26+chips&sum=1%2B1").unwrap();
/// assert_eq!(fields, [("text".into(), "fish & chips".into()), ("sum".into(), "1+1".into())]);
/// ```
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut fields = Vec::new();
    let mut start = 0;
    // `split` on bytes: a body that is not UTF-8 is refused field by field,
    // with the offset of the field that is wrong.
    for pair in body.split(|&byte| byte == b'&') {
        let at = start;
        start += pair.len() + 1;
        // "a&&b" and a trailing "&" hold empty pairs: nothing, as in §5.1.
        if pair.is_empty() {
            continue;
        }
        if fields.len() == MAX_FORM_FIELDS {
            return Err(FormError::TooManyFields);
        }
        // No '=' at all ("flag") is a name with an empty value.
        let split = pair.iter().position(|&byte| byte == b'=');
        let (name, value) = match split {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        let value_at = at + split.map_or(pair.len(), |i| i + 1);
        fields.push((
            decode_component(name, at)?,
            decode_component(value, value_at)?,
        ));
    }
    Ok(fields)
}

/// One name or value, found at byte `at` of the body: `+` is a space,
/// then `%XX` the byte it stands for, and the bytes must be UTF-8.
fn decode_component(bytes: &[u8], at: usize) -> Result<String, FormError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FormError::NotUtf8 { at })?;
    // In this order: "%2B" must come out as '+', not as a space.
    let spaced = text.replace('+', " ");
    // Each '+' became one ' ': the offsets of percent_decode's errors
    // are still offsets into `bytes`.
    let decoded = percent_decode(&spaced).map_err(|error| match error {
        UrlError::InvalidPercentEncoding { at: i }
        | UrlError::TruncatedPercentEncoding { at: i } => FormError::BadEscape { at: at + i },
        // percent_decode reports nothing else; say where the field is.
        _ => FormError::BadEscape { at },
    })?;
    String::from_utf8(decoded).map_err(|_| FormError::NotUtf8 { at })
}
// ANCHOR_END: parse_form

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::form_urlencode;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// A body, and the fields it holds.
    type Case<'a> = (&'a [u8], &'a [(&'a str, &'a str)]);

    #[test]
    fn form_bodies_decode_into_their_fields() {
        let table: [Case; 12] = [
            (b"", &[]),
            (b"text=buy+milk", &[("text", "buy milk")]),
            (b"text=buy%20milk", &[("text", "buy milk")]),
            (b"a=1&b=2", &[("a", "1"), ("b", "2")]),
            (b"sum=1%2B1%3D2", &[("sum", "1+1=2")]),
            (b"q=a=b", &[("q", "a=b")]),
            (b"flag", &[("flag", "")]),
            (b"empty=", &[("empty", "")]),
            (b"=v", &[("", "v")]),
            (b"&a=1&&b=2&", &[("a", "1"), ("b", "2")]),
            (b"caf%C3%A9=na%c3%afve", &[("café", "naïve")]),
            // curl -d sends what it is given: raw UTF-8 is UTF-8 too.
            ("text=café".as_bytes(), &[("text", "café")]),
        ];
        for (body, expected) in table {
            assert_eq!(
                parse_form(body),
                Ok(fields(expected)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_name_sent_twice_is_kept_twice_in_order() {
        assert_eq!(
            parse_form(b"text=a&text=b"),
            Ok(fields(&[("text", "a"), ("text", "b")]))
        );
    }

    #[test]
    fn bad_escapes_and_bytes_that_are_not_utf8_are_refused_with_where() {
        let table: [(&[u8], FormError); 7] = [
            (b"text=100%", FormError::BadEscape { at: 8 }),
            (b"text=%G1", FormError::BadEscape { at: 5 }),
            (b"a=1&b%2=2", FormError::BadEscape { at: 5 }),
            (b"text=%FF", FormError::NotUtf8 { at: 5 }),
            (b"text=%C3", FormError::NotUtf8 { at: 5 }),
            (b"a=1&text=\xFF", FormError::NotUtf8 { at: 9 }),
            (b"\xC3=x", FormError::NotUtf8 { at: 0 }),
        ];
        for (body, expected) in table {
            assert_eq!(
                parse_form(body),
                Err(expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn more_fields_than_the_limit_are_refused() {
        let most = vec!["a=1"; MAX_FORM_FIELDS].join("&");
        assert_eq!(parse_form(most.as_bytes()).unwrap().len(), MAX_FORM_FIELDS);
        let one_more = format!("{most}&b=2");
        assert_eq!(
            parse_form(one_more.as_bytes()),
            Err(FormError::TooManyFields)
        );
        // Empty pairs are no fields: they do not count.
        let with_gaps = format!("{most}&&&");
        assert!(parse_form(with_gaps.as_bytes()).is_ok());
    }

    #[test]
    fn decoding_is_the_inverse_of_the_clients_encoding() {
        // Every character class the encoder treats differently, and the
        // characters the format itself uses: '&', '=', '+', '%'.
        let texts = [
            "plain",
            "two words",
            "fish & chips",
            "1+1=2",
            "100%",
            "*-._~/?#[]@!$'()\",;:",
            "tab\tnew\nline\r",
            "café naïve 日本 😀",
            "<script>alert(1)</script>",
            "",
        ];
        for text in texts {
            let pairs = [("text", text), (text, "name"), ("done", "true")];
            let encoded = form_urlencode(&pairs);
            assert_eq!(
                parse_form(encoded.as_bytes()),
                Ok(fields(&pairs)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            FormError::BadEscape { at: 8 }.to_string(),
            "invalid form: the '%' at byte 8 is not followed by two hex digits"
        );
        assert_eq!(
            FormError::TooManyFields.to_string(),
            "invalid form: more than 16 fields"
        );
    }
}

//! The parser: bytes in, a [`Value`] or the first mistake out.
//!
//! It is a recursive-descent parser: one function per rule of the grammar
//! of RFC 8259, each with its rule quoted above it, walking the input with
//! a position. A value is one byte's decision away: `{` starts an object,
//! `[` an array, `"` a string, `-` or a digit a number, and `t`, `f`, `n`
//! the words `true`, `false` and `null`. Arrays and objects hold values, so
//! their functions call [`Parser::parse_value`] again: the recursion
//! follows the nesting of the document.
//!
//! One rule holds for every error: if the input ends where more was
//! needed, the error is [`JsonErrorKind::UnexpectedEnd`], at the end of the
//! input. So every proper prefix of a valid document (`{"a":[1,` ...) gives
//! that error, and "the body was cut short" is never confused with "the
//! body is wrong".

use super::error::{JsonError, JsonErrorKind};
use super::Value;

// ANCHOR: max_depth
/// How deeply arrays and objects may nest: `[[1]]` has depth 2.
///
/// The parser calls itself once per level, and every call takes room on
/// the thread's stack, which is finite (2 MiB for a thread spawned by
/// `std`). Without a limit, a request body of 100,000 `[` would overflow
/// the stack, and a stack overflow aborts the whole process: every
/// connection of the server, not just the hostile one. Real documents
/// rarely nest more than ten levels; 128 leaves room for any of them, and
/// parsing 128 levels takes about 100 KiB of stack in a debug build (less
/// in release), a twentieth of what a thread has.
pub const MAX_DEPTH: usize = 128;
// ANCHOR_END: max_depth

/// Parses one JSON document: optional whitespace, one value, optional
/// whitespace, and nothing else.
///
/// The whole body is parsed at once; bounding its size (an HTTP server's
/// body limit) is the caller's job.
///
/// ```
/// use netlessons::json::{parse, Value};
/// let value = parse(br#"{"id": 7, "tags": ["a"]}"#).unwrap();
/// assert_eq!(value.get("id").and_then(Value::as_i64), Some(7));
/// assert_eq!(
///     parse(b"[1 2]").unwrap_err().to_string(),
///     "expected ',' or ']' at byte 3"
/// );
/// ```
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    // §8.1: "JSON text exchanged between systems that are not part of a
    // closed ecosystem MUST be encoded using UTF-8." Checking it once, up
    // front, makes every slice of the text below valid UTF-8 already.
    let text = std::str::from_utf8(input).map_err(|error| match error.error_len() {
        // The input stops partway through a character: cut short, like
        // any other truncation.
        None => JsonError {
            kind: JsonErrorKind::UnexpectedEnd,
            offset: input.len(),
        },
        Some(_) => JsonError {
            kind: JsonErrorKind::InvalidUtf8,
            offset: error.valid_up_to(),
        },
    })?;
    parse_text(text)
}

/// [`parse`] for input already known to be UTF-8.
pub(super) fn parse_text(text: &str) -> Result<Value, JsonError> {
    // §2:  JSON-text = ws value ws
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    let value = parser.parse_value()?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(parser.error(JsonErrorKind::TrailingCharacters));
    }
    Ok(value)
}

/// Parses one JSON string that starts at `input[start]` (its opening
/// quote), and returns the decoded text and the offset just past its
/// closing quote. Offsets in errors count from the start of `input`.
///
/// This is the string rule alone, for the exercise of chapter 07 and for
/// callers that find strings inside larger text; [`parse`] uses the same
/// code for every string of a document. The bytes after the closing quote
/// are not looked at, so they need not be JSON, or even UTF-8.
///
/// ```
/// use netlessons::json::parse_string_at;
/// assert_eq!(
///     parse_string_at(br#"["caf\u00e9", 1]"#, 1).unwrap(),
///     ("café".to_string(), 12)
/// );
/// ```
pub fn parse_string_at(input: &[u8], start: usize) -> Result<(String, usize), JsonError> {
    let rest = input.get(start..).unwrap_or_default();
    match rest.first() {
        Some(b'"') => {}
        Some(_) => {
            return Err(JsonError {
                kind: JsonErrorKind::ExpectedValue,
                offset: start,
            })
        }
        None => {
            return Err(JsonError {
                kind: JsonErrorKind::UnexpectedEnd,
                offset: input.len(),
            })
        }
    }
    // The parser works on text: take the longest UTF-8 prefix of the rest.
    // If the string runs into the byte past it, that byte is the error.
    let (text, invalid_at) = match std::str::from_utf8(rest) {
        Ok(text) => (text, None),
        Err(error) => {
            let valid = error.valid_up_to();
            // `valid` bytes are UTF-8 by definition: the fallback is never used.
            let text = std::str::from_utf8(&rest[..valid]).unwrap_or_default();
            // A character cut off by the end of the input is a truncation;
            // a byte that starts no character is invalid UTF-8.
            (text, error.error_len().map(|_| start + valid))
        }
    };
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    match parser.parse_string() {
        Ok(decoded) => Ok((decoded, start + parser.pos)),
        Err(error) if error.kind == JsonErrorKind::UnexpectedEnd => Err(match invalid_at {
            Some(offset) => JsonError {
                kind: JsonErrorKind::InvalidUtf8,
                offset,
            },
            None => JsonError {
                kind: JsonErrorKind::UnexpectedEnd,
                offset: input.len(),
            },
        }),
        Err(error) => Err(JsonError {
            kind: error.kind,
            offset: start + error.offset,
        }),
    }
}

/// The state of one parse: the input, how far we are, how deep we are.
struct Parser<'a> {
    text: &'a str,
    /// The offset of the next byte to look at. Always at most `text.len()`.
    pos: usize,
    /// How many arrays and objects enclose the current position.
    depth: usize,
}

impl Parser<'_> {
    /// The next byte, if there is one.
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The bytes not parsed yet.
    fn rest(&self) -> &[u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    /// Moves past `byte` if it comes next, and says whether it did.
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// An error of `kind` at the current position.
    fn error(&self, kind: JsonErrorKind) -> JsonError {
        JsonError {
            kind,
            offset: self.pos,
        }
    }

    /// The error for the next byte being wrong: `kind`, or, if there is no
    /// next byte, [`JsonErrorKind::UnexpectedEnd`].
    fn unexpected(&self, kind: JsonErrorKind) -> JsonError {
        match self.peek() {
            Some(_) => self.error(kind),
            None => self.end_of_input(),
        }
    }

    /// The input ended where more was needed.
    fn end_of_input(&self) -> JsonError {
        JsonError {
            kind: JsonErrorKind::UnexpectedEnd,
            offset: self.text.len(),
        }
    }

    /// §2:  ws = *( %x20 / %x09 / %x0A / %x0D )  ; space, tab, LF, CR
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// §3:  value = false / null / true / object / array / number / string
    fn parse_value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{') => self.parse_object(),
            Some(b'[') => self.parse_array(),
            Some(b'"') => self.parse_string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.parse_number().map(Value::Number),
            Some(b't') => self.parse_literal("true", Value::Bool(true)),
            Some(b'f') => self.parse_literal("false", Value::Bool(false)),
            Some(b'n') => self.parse_literal("null", Value::Null),
            _ => Err(self.unexpected(JsonErrorKind::ExpectedValue)),
        }
    }

    /// §3:  false = %x66.61.6c.73.65 / null = %x6e.75.6c.6c / true = %x74.72.75.65
    ///
    /// Lowercase only: `True` and `NULL` are not JSON.
    fn parse_literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        let rest = self.rest();
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else if word.as_bytes().starts_with(rest) {
            // `tru` and nothing after it: the input was cut short.
            Err(self.end_of_input())
        } else {
            Err(self.error(JsonErrorKind::InvalidLiteral))
        }
    }

    // ANCHOR: depth
    /// Goes one level deeper into arrays and objects, unless that would
    /// pass [`MAX_DEPTH`]. Called before each `[` or `{` is parsed, so the
    /// recursion stops before it can exhaust the stack.
    fn enter(&mut self) -> Result<(), JsonError> {
        if self.depth == MAX_DEPTH {
            return Err(self.error(JsonErrorKind::TooDeep));
        }
        self.depth += 1;
        Ok(())
    }
    // ANCHOR_END: depth

    /// Comes back up one level, at the `]` or `}` that closes it.
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// After an element or a member: `,` means another follows (`true`),
    /// `close` ends the array or object (`false`).
    ///
    /// §2:  value-separator = ws %x2C ws  ; , comma
    fn comma_or_close(&mut self, close: u8, kind: JsonErrorKind) -> Result<bool, JsonError> {
        self.skip_whitespace();
        if self.eat(b',') {
            self.skip_whitespace();
            Ok(true)
        } else if self.eat(close) {
            Ok(false)
        } else {
            Err(self.unexpected(kind))
        }
    }

    /// §5:  array = begin-array [ value *( value-separator value ) ] end-array
    ///
    /// `[1,]` is refused: after a comma comes a value, and `]` is not one.
    fn parse_array(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // the '['
        let mut elements = Vec::new();
        self.skip_whitespace();
        if !self.eat(b']') {
            loop {
                elements.push(self.parse_value()?);
                if !self.comma_or_close(b']', JsonErrorKind::ExpectedCommaOrBracket)? {
                    break;
                }
            }
        }
        self.leave();
        Ok(Value::Array(elements))
    }

    /// §4:  object = begin-object [ member *( value-separator member ) ] end-object
    ///      member = string name-separator value
    fn parse_object(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // the '{'
        let mut members = Vec::new();
        // Where each key starts, to point at a duplicate.
        let mut key_offsets = Vec::new();
        self.skip_whitespace();
        if !self.eat(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected(JsonErrorKind::ExpectedKey));
                }
                key_offsets.push(self.pos);
                let key = self.parse_string()?;
                // §2:  name-separator = ws %x3A ws  ; : colon
                self.skip_whitespace();
                if !self.eat(b':') {
                    return Err(self.unexpected(JsonErrorKind::ExpectedColon));
                }
                self.skip_whitespace();
                let value = self.parse_value()?;
                members.push((key, value));
                if !self.comma_or_close(b'}', JsonErrorKind::ExpectedCommaOrBrace)? {
                    break;
                }
            }
        }
        if let Some(offset) = first_duplicate(&members, &key_offsets) {
            return Err(JsonError {
                kind: JsonErrorKind::DuplicateKey,
                offset,
            });
        }
        self.leave();
        Ok(Value::Object(members))
    }

    // ANCHOR: parse_number
    /// §6:  number = [ minus ] int [ frac ] [ exp ]
    ///      int    = zero / ( digit1-9 *DIGIT )
    ///      frac   = decimal-point 1*DIGIT
    ///      exp    = e [ minus / plus ] 1*DIGIT
    ///
    /// So `-0`, `10`, `1.5` and `2E-3` are numbers, and `01`, `+1`, `.5`,
    /// `1.` and `1e` are not.
    fn parse_number(&mut self) -> Result<f64, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        // int: a lone zero, or digits that do not start with one.
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error(JsonErrorKind::LeadingZero));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.unexpected(JsonErrorKind::ExpectedDigit)),
        }
        if self.eat(b'.') {
            self.one_or_more_digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'-') {
                self.eat(b'+');
            }
            self.one_or_more_digits()?;
        }
        // The text matches the grammar above, and every such text is one
        // that Rust's float parser takes and rounds to the nearest f64:
        // converting decimal to binary correctly is hard, so we let std do
        // it. (So the error below cannot happen; it is there rather than a
        // panic, in case it ever could.)
        let digits = &self.text[start..self.pos]; // ASCII only: cannot split a character
        let number: f64 = digits.parse().map_err(|_| JsonError {
            kind: JsonErrorKind::ExpectedDigit,
            offset: start,
        })?;
        // Too large for an f64 parses as infinity, which JSON cannot hold.
        if number.is_infinite() {
            return Err(JsonError {
                kind: JsonErrorKind::NumberOutOfRange,
                offset: start,
            });
        }
        Ok(number)
    }
    // ANCHOR_END: parse_number

    /// *DIGIT: any number of digits, maybe none.
    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// 1*DIGIT: at least one digit.
    fn one_or_more_digits(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.skip_digits();
                Ok(())
            }
            _ => Err(self.unexpected(JsonErrorKind::ExpectedDigit)),
        }
    }

    // ANCHOR: parse_string
    /// §7:  string    = quotation-mark *char quotation-mark
    ///      char      = unescaped / escape ( ... )
    ///      unescaped = %x20-21 / %x23-5B / %x5D-10FFFF
    ///
    /// Any character may appear as itself except `"` (which ends the
    /// string), `\` (which starts an escape) and the control characters
    /// below U+0020 (a raw line break inside a string is a mistake).
    fn parse_string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // the opening '"'
        let mut text = String::new();
        loop {
            // Copy the longest run of plain characters in one go, rather
            // than one character at a time.
            let run_start = self.pos;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Both ends sit next to ASCII bytes (a quote, a backslash, the
            // end of an escape), which are never inside a multi-byte UTF-8
            // character: the slice is whole characters.
            text.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(b'\\') => text.push(self.parse_escape()?),
                Some(byte) => return Err(self.error(JsonErrorKind::ControlCharacter(byte))),
                None => return Err(self.end_of_input()),
            }
        }
    }

    /// §7:  escape ( %x22 / %x5C / %x2F / %x62 / %x66 / %x6E / %x72 / %x74 / %x75 4HEXDIG )
    ///               "      \      /      b      f      n      r      t      uXXXX
    fn parse_escape(&mut self) -> Result<char, JsonError> {
        let backslash = self.pos;
        self.pos += 1;
        let decoded = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.parse_unicode_escape(backslash),
            Some(_) => {
                // Name the whole character, even a multi-byte one.
                let found = self
                    .text
                    .get(self.pos..)
                    .and_then(|rest| rest.chars().next());
                let found = found.unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidEscape(found),
                    offset: backslash,
                });
            }
            None => return Err(self.end_of_input()),
        };
        self.pos += 1;
        Ok(decoded)
    }

    /// `\uXXXX` is one UTF-16 code unit (§7). A character beyond U+FFFF
    /// takes two: a high surrogate (D800-DBFF) then a low one (DC00-DFFF),
    /// so `"\ud83d\ude00"` is "😀". Half a pair is no character at all,
    /// and Rust strings cannot hold one, so it is an error (§8.2 warns
    /// that other software behaves unpredictably with them).
    fn parse_unicode_escape(&mut self, backslash: usize) -> Result<char, JsonError> {
        let lone = JsonError {
            kind: JsonErrorKind::LoneSurrogate,
            offset: backslash,
        };
        let first = self.parse_hex4(backslash)?;
        let code = match first {
            0xD800..=0xDBFF => {
                // A high surrogate: a low one must follow, as an escape.
                let second_backslash = self.pos;
                match self.rest() {
                    [b'\\', b'u', ..] => self.pos += 1,
                    [] | [b'\\'] => return Err(self.end_of_input()),
                    _ => return Err(lone),
                }
                let second = self.parse_hex4(second_backslash)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(lone);
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(lone),
            _ => first,
        };
        // Every code outside the surrogates is a char: this never fails.
        char::from_u32(code).ok_or(lone)
    }

    /// Reads `uXXXX`, the position being at the `u`.
    fn parse_hex4(&mut self, backslash: usize) -> Result<u32, JsonError> {
        let mut code = 0;
        for offset in 1..=4 {
            let Some(&byte) = self.rest().get(offset) else {
                return Err(self.end_of_input());
            };
            let Some(digit) = char::from(byte).to_digit(16) else {
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidUnicodeEscape,
                    offset: backslash,
                });
            };
            code = code * 16 + digit;
        }
        self.pos += 5;
        Ok(code)
    }
}

/// The offset of the first key, in the order of the text, that repeats an
/// earlier key of the same object.
///
/// Sorting the keys puts equal ones side by side, which takes
/// O(n log n) comparisons. Comparing every key with every other would take
/// O(n²): an object of 100,000 keys, which fits in a 1 MB body, would cost
/// ten billion comparisons.
fn first_duplicate(members: &[(String, Value)], key_offsets: &[usize]) -> Option<usize> {
    if members.len() < 2 {
        return None;
    }
    let mut keys: Vec<(&str, usize)> = members
        .iter()
        .zip(key_offsets)
        .map(|((key, _), &offset)| (key.as_str(), offset))
        .collect();
    // Equal keys end up next to each other, the earlier one first.
    keys.sort_unstable();
    keys.windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[1].1)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_found_at_an_offset_and_the_bytes_after_it_are_not_read() {
        // What follows the string need not be JSON, nor UTF-8.
        let input = b"xx\"a\\u00e9\\ud83d\\ude00\"\xff\xfe";
        assert_eq!(
            parse_string_at(input, 2),
            Ok(("a\u{e9}\u{1f600}".to_string(), 23))
        );
    }

    #[test]
    fn errors_of_a_string_at_an_offset_count_from_the_start_of_the_input() {
        let table: [(&[u8], JsonErrorKind, usize); 6] = [
            (b"  \"a\\qb\"", JsonErrorKind::InvalidEscape('q'), 4),
            (b"  \"a\nb\"", JsonErrorKind::ControlCharacter(b'\n'), 4),
            (b"  \"\\udc00\"", JsonErrorKind::LoneSurrogate, 3),
            (b"  \"abc", JsonErrorKind::UnexpectedEnd, 6),
            (b"  \"ab\xffc\"", JsonErrorKind::InvalidUtf8, 5),
            (b"  abc", JsonErrorKind::ExpectedValue, 2),
        ];
        for (input, kind, offset) in table {
            assert_eq!(
                parse_string_at(input, 2),
                Err(JsonError { kind, offset }),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn a_start_past_the_end_is_an_unexpected_end() {
        let error = parse_string_at(b"\"a\"", 9).unwrap_err();
        assert_eq!(error.kind, JsonErrorKind::UnexpectedEnd);
        assert_eq!(error.offset, 3);
    }
}

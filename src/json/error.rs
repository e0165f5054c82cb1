//! What can be wrong with a JSON document, and where: the error type of
//! the parser ([`super::parse`]), on its own so that it can be read without
//! the parser.

use super::MAX_DEPTH;
use std::fmt;

/// Why bytes are not a JSON document, and where the parser found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong.
    pub kind: JsonErrorKind,
    /// Where: the offset of the offending byte, counted from 0. For an
    /// escape, the offset of its backslash; for a number, of its first
    /// byte; for [`JsonErrorKind::UnexpectedEnd`], the input's length.
    pub offset: usize,
}

/// What is wrong with a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The input is not UTF-8, which §8.1 requires.
    InvalidUtf8,
    /// The input ends before the value does (an unclosed string, array or object).
    UnexpectedEnd,
    /// Something else stands where a value must start (§3).
    ExpectedValue,
    /// Something else follows an array element (§5).
    ExpectedCommaOrBracket,
    /// Something else follows an object member (§4).
    ExpectedCommaOrBrace,
    /// Something else follows an object key (§4).
    ExpectedColon,
    /// Something other than a string stands where an object key must (§4).
    ExpectedKey,
    /// A word starts like `true`, `false` or `null` but is none of them (§3).
    InvalidLiteral,
    /// A number starts with `0` followed by more digits, such as `01` (§6).
    LeadingZero,
    /// A number lacks a digit after `-`, after `.`, or in its exponent (§6).
    ExpectedDigit,
    /// A number is too large for an `f64`, such as `1e400`.
    NumberOutOfRange,
    /// A backslash in a string is followed by this character, which starts no escape (§7).
    InvalidEscape(char),
    /// A `\u` escape is not followed by four hexadecimal digits (§7).
    InvalidUnicodeEscape,
    /// A `\u` escape is half of a UTF-16 surrogate pair without the other half (§7, §8.2).
    LoneSurrogate,
    /// This control character (below U+0020) is written raw inside a string (§7).
    ControlCharacter(u8),
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object has the same key twice (§4; refused, see the module documentation).
    DuplicateKey,
    /// More than whitespace follows the value (§2).
    TrailingCharacters,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use JsonErrorKind::*;
        match *self {
            InvalidUtf8 => f.write_str("invalid UTF-8 (JSON text must be UTF-8)"),
            UnexpectedEnd => f.write_str("unexpected end of input"),
            ExpectedValue => f.write_str(
                "expected a value (a string, a number, an object, an array, true, false or null)",
            ),
            ExpectedCommaOrBracket => f.write_str("expected ',' or ']'"),
            ExpectedCommaOrBrace => f.write_str("expected ',' or '}'"),
            ExpectedColon => f.write_str("expected ':'"),
            ExpectedKey => f.write_str("expected a key (a string in double quotes)"),
            InvalidLiteral => f.write_str("invalid word (expected true, false or null)"),
            LeadingZero => f.write_str("a number cannot start with 0 followed by a digit"),
            ExpectedDigit => f.write_str("expected a digit"),
            NumberOutOfRange => f.write_str("number out of range"),
            InvalidEscape(c) if c.is_control() => {
                write!(f, "invalid escape: \\ followed by U+{:04X}", u32::from(c))
            }
            InvalidEscape(c) => write!(f, "invalid escape \\{c}"),
            InvalidUnicodeEscape => f.write_str("invalid escape: \\u needs 4 hexadecimal digits"),
            LoneSurrogate => f.write_str(
                "lone UTF-16 surrogate: \\uD800-\\uDBFF must be followed by \\uDC00-\\uDFFF",
            ),
            // Say how to write it instead, as the writer does.
            ControlCharacter(byte) => match super::write::short_escape(byte) {
                Some(escape) => write!(
                    f,
                    "control character U+{byte:04X} in a string (write it as {escape})"
                ),
                None => write!(
                    f,
                    "control character U+{byte:04X} in a string (write it as \\u{byte:04x})"
                ),
            },
            TooDeep => write!(f, "arrays and objects nested deeper than {MAX_DEPTH}"),
            DuplicateKey => f.write_str("duplicate key in object"),
            TrailingCharacters => f.write_str("unexpected text after the value"),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for JsonError {}

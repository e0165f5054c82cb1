//! The writer: a [`Value`] out as JSON text.
//!
//! Writing is the easy direction: every value has one obvious form, and
//! the only care needed is in strings (escape what §7 says must be
//! escaped) and numbers (write digits that read back as the same `f64`).
//! Whatever it is given, the writer produces valid JSON, and [`parse`]
//! reads it back as the same value.
//!
//! [`parse`]: super::parse

use super::Value;
use std::fmt::{self, Write};

/// Compact JSON, without any whitespace: `{"a":1,"b":[true,null]}`.
///
/// The alternate form, `{:#}`, is the indented JSON of [`Value::to_pretty`].
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indent = if f.alternate() { Some(0) } else { None };
        write_value(f, self, indent)
    }
}

impl Value {
    /// Indented JSON for people to read: one element or member per line,
    /// two spaces per level, as JavaScript's `JSON.stringify(value, null, 2)`:
    ///
    /// ```text
    /// {
    ///   "id": 1,
    ///   "tags": [
    ///     "a"
    ///   ],
    ///   "empty": []
    /// }
    /// ```
    pub fn to_pretty(&self) -> String {
        format!("{self:#}")
    }
}

/// Writes `value`. `indent` is `None` for compact JSON, or the nesting
/// level of `value` for indented JSON.
fn write_value<W: Write>(out: &mut W, value: &Value, indent: Option<usize>) -> fmt::Result {
    match value {
        Value::Null => out.write_str("null"),
        Value::Bool(flag) => write!(out, "{flag}"),
        Value::Number(number) => write_number(out, *number),
        Value::String(text) => write_string(out, text),
        Value::Array(elements) => write_array(out, elements, indent),
        Value::Object(members) => write_object(out, members, indent),
    }
}

/// `[1,2]`, or one element per line when indenting. An empty array is
/// `[]` either way.
fn write_array<W: Write>(out: &mut W, elements: &[Value], indent: Option<usize>) -> fmt::Result {
    if elements.is_empty() {
        return out.write_str("[]");
    }
    let inner = indent.map(|level| level + 1);
    out.write_char('[')?;
    for (index, element) in elements.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        line_break(out, inner)?;
        write_value(out, element, inner)?;
    }
    line_break(out, indent)?;
    out.write_char(']')
}

/// `{"a":1}`, or one member per line, `"a": 1`, when indenting.
fn write_object<W: Write>(
    out: &mut W,
    members: &[(String, Value)],
    indent: Option<usize>,
) -> fmt::Result {
    if members.is_empty() {
        return out.write_str("{}");
    }
    let inner = indent.map(|level| level + 1);
    out.write_char('{')?;
    for (index, (key, value)) in members.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        line_break(out, inner)?;
        write_string(out, key)?;
        out.write_str(if indent.is_some() { ": " } else { ":" })?;
        write_value(out, value, inner)?;
    }
    line_break(out, indent)?;
    out.write_char('}')
}

/// When indenting: a new line, indented for nesting level `indent`.
fn line_break<W: Write>(out: &mut W, indent: Option<usize>) -> fmt::Result {
    if let Some(level) = indent {
        out.write_char('\n')?;
        for _ in 0..level {
            out.write_str("  ")?;
        }
    }
    Ok(())
}

// ANCHOR: write_number
/// Writes a number in the fewest digits that read back as the same `f64`.
///
/// NaN and the infinities have no JSON form (§6); they are written as
/// `null`, as JavaScript does, so the output is always valid JSON.
fn write_number<W: Write>(out: &mut W, number: f64) -> fmt::Result {
    if !number.is_finite() {
        return out.write_str("null");
    }
    let magnitude = number.abs();
    if magnitude == 0.0 || (1e-6..1e21).contains(&magnitude) {
        // Rust's `{}` writes the shortest digits that round-trip, and no
        // exponent: 42.0 as `42` (no `.0`), 0.1 as `0.1`, -0.0 as `-0`.
        write!(out, "{number}")
    } else {
        // Beyond that range `{}` would write 1e300 as 301 digits and 1e-300
        // with 299 zeros; `{:e}` writes `1e300` and `1e-300`, still the
        // shortest digits. The bounds are JavaScript's (ECMA-262,
        // Number::toString), so we write numbers as browsers do.
        write!(out, "{number:e}")
    }
}
// ANCHOR_END: write_number

// ANCHOR: write_string
/// Writes `text` as a JSON string, in quotes.
///
/// §7: "All Unicode characters may be placed within the quotation marks,
/// except for the characters that MUST be escaped: quotation mark, reverse
/// solidus, and the control characters (U+0000 through U+001F)."
/// Everything else, `é` or `😀` included, is written as itself, in UTF-8.
pub(super) fn write_string<W: Write>(out: &mut W, text: &str) -> fmt::Result {
    out.write_char('"')?;
    // The characters to escape are all ASCII, and in UTF-8 every byte of a
    // multi-byte character is 0x80 or above, so scanning bytes finds them,
    // and cutting the text just before or after one never splits a
    // character.
    let mut run_start = 0;
    for (index, byte) in text.bytes().enumerate() {
        if byte != b'"' && byte != b'\\' && byte >= 0x20 {
            continue;
        }
        // Copy the plain run before this byte in one go.
        out.write_str(&text[run_start..index])?;
        match short_escape(byte) {
            Some(escape) => out.write_str(escape)?,
            // The other control characters have only the \u form.
            None => write!(out, "\\u{byte:04x}")?,
        }
        run_start = index + 1;
    }
    out.write_str(&text[run_start..])?;
    out.write_char('"')
}

/// The two-character escape §7 gives a byte, if it gives one. (`\/` is
/// also one, but `/` need not be escaped, so it is written as itself.)
pub(super) fn short_escape(byte: u8) -> Option<&'static str> {
    match byte {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        b'\n' => Some("\\n"),
        b'\r' => Some("\\r"),
        b'\t' => Some("\\t"),
        0x08 => Some("\\b"),
        0x0c => Some("\\f"),
        _ => None,
    }
}
// ANCHOR_END: write_string

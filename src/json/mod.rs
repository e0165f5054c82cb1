//! JSON by hand: RFC 8259, "The JavaScript Object Notation (JSON) Data
//! Interchange Format".
//!
//! A REST API sends and receives JSON in the body of its HTTP messages.
//! JSON has six kinds of value (RFC 8259 §3), and this module has one
//! [`Value`] variant for each:
//!
//! ```text
//! {"id": 7, "text": "buy milk", "done": false, "tags": ["home"], "due": null}
//!        ^          ^^^^^^^^^^          ^^^^^          ^^^^^^^^         ^^^^
//!        number     string              true/false     array            null
//! ^-------------------------------- object ---------------------------------^
//! ```
//!
//! - [`parse`] turns bytes into a [`Value`], checking every rule of the
//!   grammar (§2 to §8) and saying where the first mistake is, as a
//!   [`JsonError`] such as `expected ',' or ']' at byte 17`.
//! - `Display` writes a [`Value`] back as compact JSON
//!   (`{"a":1,"b":[true,null]}`), and [`Value::to_pretty`] as indented JSON
//!   for people to read. Parsing what they write gives the same value again.
//!
//! # Choices the RFC leaves to us
//!
//! - **Numbers are `f64`**, as in JavaScript (§6 allows any precision, but
//!   warns that software commonly uses IEEE 754 doubles). Integers up to
//!   2^53 are exact; above that, `9007199254740993` reads as
//!   `9007199254740992`. [`Value::as_i64`] therefore answers only for
//!   integers within ±(2^53 − 1), where no rounding can have happened.
//!   A number too large for an `f64` (`1e400`) is refused as out of
//!   range; one too small (`1e-400`) rounds to zero, as any tiny fraction
//!   rounds to the nearest `f64`.
//! - **Duplicate keys are refused.** §4 says the names in an object
//!   SHOULD be unique, and that when they are not, software disagrees on
//!   what the object means: some keep the first, some the last. A server
//!   that checks `{"role":"user","role":"admin"}` with one rule while
//!   another program applies the other is a known attack, so [`parse`]
//!   reports a duplicate as an error, as I-JSON (RFC 7493 §2.3) requires.
//!   An object you build yourself may hold duplicates; [`Value::get`]
//!   returns the first.
//! - **NaN and infinity have no JSON form** (§6: "Numeric values that
//!   cannot be represented ... such as Infinity and NaN are not
//!   permitted"). They are written as `null`, as JavaScript's
//!   `JSON.stringify` does: writing never fails, and its output is always
//!   valid JSON.
//! - **Object members keep their order.** §4 calls an object unordered,
//!   but keeping the order costs nothing, makes output predictable, and
//!   lets a round trip give back exactly what came in.
//!
//! # Limits
//!
//! [`MAX_DEPTH`] bounds the nesting of arrays and objects, because the
//! parser is recursive and its stack is finite. The size of the input is
//! the caller's limit: an HTTP server reads a body of at most its own
//! maximum before it calls [`parse`], and the parsed value takes memory
//! in proportion to the input.
//!
//! Writing, comparing and dropping a [`Value`] recurse too. A value from
//! [`parse`] is at most [`MAX_DEPTH`] deep; a value built by hand should
//! stay within that as well.
//!
//! # What is left out, and why
//!
//! - **Streaming.** [`parse`] takes the whole document at once. A request
//!   body is complete before it is parsed, so the `Partial` status of the
//!   other parsers in this crate is not needed; an input that ends too
//!   early is simply [`JsonErrorKind::UnexpectedEnd`].
//! - **Serialization of Rust types.** There is no derive, as `serde` has:
//!   turning a struct into a [`Value`] and back is a few lines of code
//!   with the accessors and [`Value::object`], written by hand.
//! - **Big numbers and exact decimals.** Keeping the digits as text would
//!   preserve them, at the price of an API that makes every reader choose
//!   a number type; `f64` is what browsers use, so it is what a REST API
//!   must be ready for anyway.
//! - **A byte order mark** at the start (§8.1 lets a parser ignore it) is
//!   refused: senders MUST NOT add one, and this is a strict parser.
//! - **Extensions** such as comments, trailing commas, single quotes,
//!   `NaN` or hexadecimal numbers (JSON5, JavaScript) are refused: they
//!   are not JSON, and a peer that sends them will not interoperate.
//!
//! The module is pure: no sockets, no threads, no files.

mod error;
mod parse;
mod write;

pub use error::{JsonError, JsonErrorKind};
pub use parse::{parse, parse_string_at, MAX_DEPTH};

/// The largest integer an `f64` holds exactly, along with every integer
/// below it: 2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

// ANCHOR: value
/// A JSON value (RFC 8259 §3).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, held as an `f64` (see the module documentation).
    Number(f64),
    /// A string: any Unicode text.
    String(String),
    /// An ordered list of values: `[1, "two", null]`.
    Array(Vec<Value>),
    /// Members in the order they were written: `{"id": 7}`.
    Object(Vec<(String, Value)>),
}
// ANCHOR_END: value

impl Value {
    /// Builds an object from `(key, value)` pairs, in order:
    ///
    /// ```
    /// use netlessons::json::Value;
    /// let note = Value::object([("id", 1.into()), ("text", "hi".into())]);
    /// assert_eq!(note.to_string(), r#"{"id":1,"text":"hi"}"#);
    /// ```
    pub fn object<K, I>(members: I) -> Value
    where
        K: Into<String>,
        I: IntoIterator<Item = (K, Value)>,
    {
        Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        )
    }

    /// The value of member `key`, if this is an object that has one. If a
    /// hand-built object has the key twice, the first wins.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    /// The number as an integer, if it is one within ±[`MAX_SAFE_INTEGER`].
    ///
    /// `2.5` is not an integer, and neither is `1e300` for this purpose: a
    /// number that large was rounded on its way into an `f64`, so which
    /// integer the sender wrote is unknown.
    pub fn as_i64(&self) -> Option<i64> {
        let number = self.as_f64()?;
        let safe = MAX_SAFE_INTEGER as f64;
        if number.fract() == 0.0 && (-safe..=safe).contains(&number) {
            // Exact: the number is a whole number that an i64 can hold.
            Some(number as i64)
        } else {
            None
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The members in order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Value {
        Value::Number(number)
    }
}

/// Beyond ±2^53 the integer is rounded to the nearest `f64`: see
/// [`MAX_SAFE_INTEGER`].
impl From<i64> for Value {
    fn from(number: i64) -> Value {
        Value::Number(number as f64)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

impl From<Vec<Value>> for Value {
    fn from(elements: Vec<Value>) -> Value {
        Value::Array(elements)
    }
}

/// Collects values into an array:
/// `["a", "b"].into_iter().map(Value::from).collect()`.
impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(elements: I) -> Value {
        Value::Array(elements.into_iter().collect())
    }
}

/// `"[1, 2]".parse::<Value>()` is [`parse`] for text.
impl std::str::FromStr for Value {
    type Err = JsonError;

    fn from_str(text: &str) -> Result<Value, JsonError> {
        // Already UTF-8: skip straight to the grammar.
        parse::parse_text(text)
    }
}

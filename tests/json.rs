//! The JSON parser and writer (RFC 8259): what they accept, what they
//! refuse and where, and that writing then parsing gives the value back.

use netlessons::json::{parse, JsonError, JsonErrorKind, Value, MAX_DEPTH};

fn err(kind: JsonErrorKind, offset: usize) -> Result<Value, JsonError> {
    Err(JsonError { kind, offset })
}

fn parse_str(text: &str) -> Result<Value, JsonError> {
    parse(text.as_bytes())
}

// ---------------------------------------------------------------------
// What parses, and into what

#[test]
fn literals_parse() {
    // §3: the three literal names, lowercase only.
    assert_eq!(parse_str("null"), Ok(Value::Null));
    assert_eq!(parse_str("true"), Ok(Value::Bool(true)));
    assert_eq!(parse_str("false"), Ok(Value::Bool(false)));
}

#[test]
fn numbers_parse_per_the_grammar() {
    // §6: minus, int, frac and exp in every allowed combination.
    let table: &[(&str, f64)] = &[
        ("0", 0.0),
        ("-0", -0.0),
        ("7", 7.0),
        ("-12", -12.0),
        ("1.5", 1.5),
        ("0.25", 0.25),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("1e+3", 1000.0),
        ("25e-2", 0.25),
        ("-1.5E-3", -0.0015),
        ("123456789012", 123456789012.0),
        ("1.7976931348623157e308", f64::MAX),
        ("5e-324", 5e-324),
        // Too small for an f64: rounds to zero, as 0.1 rounds to the nearest f64.
        ("1e-400", 0.0),
    ];
    for (text, expected) in table {
        assert_eq!(parse_str(text), Ok(Value::Number(*expected)), "{text}");
    }
}

#[test]
fn minus_zero_keeps_its_sign() {
    let number = parse_str("-0").unwrap().as_f64().unwrap();
    assert!(number == 0.0 && number.is_sign_negative());
}

#[test]
fn string_escapes_decode() {
    // §7: every escape the grammar lists.
    let table: &[(&str, &str)] = &[
        (r#""plain""#, "plain"),
        (r#""""#, ""),
        (r#""\"""#, "\""),
        (r#""\\""#, "\\"),
        (r#""\/""#, "/"),
        (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
        (r#""\u0041\u00e9\u00E9""#, "Aéé"),
        (r#""\u0000""#, "\0"),
        (r#""\u2028""#, "\u{2028}"),
        // A surrogate pair: one character beyond U+FFFF.
        (r#""\ud83d\ude00""#, "😀"),
        (r#""\uD834\uDD1E""#, "𝄞"),
        // UTF-8 as itself.
        (r#""café 😀""#, "café 😀"),
        (r#""a\nb\u0063d""#, "a\nbcd"),
    ];
    for (text, expected) in table {
        assert_eq!(parse_str(text), Ok(Value::from(*expected)), "{text}");
    }
}

#[test]
fn whitespace_is_allowed_around_every_token() {
    // §2: space, tab, LF and CR, and nothing else, between tokens.
    let text = " \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n ";
    let expected = Value::object([
        ("a", Value::from(vec![1.into(), 2.into()])),
        ("b", Value::Object(Vec::new())),
    ]);
    assert_eq!(parse_str(text), Ok(expected));
}

#[test]
fn objects_keep_their_order() {
    let value = parse_str(r#"{"z":1,"a":2,"m":3}"#).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    assert_eq!(keys, ["z", "a", "m"]);
}

#[test]
fn from_str_parses_text() {
    let value: Value = "[1, \"two\"]".parse().unwrap();
    assert_eq!(value, Value::from(vec![1.into(), "two".into()]));
}

// ---------------------------------------------------------------------
// What is refused, and where

#[test]
fn invalid_documents_table() {
    use JsonErrorKind::*;
    let deep = "[".repeat(MAX_DEPTH + 1);
    let table: &[(&[u8], JsonErrorKind, usize)] = &[
        // §2: one value, and only whitespace around it.
        (b"", UnexpectedEnd, 0),
        (b" \t\r\n", UnexpectedEnd, 4),
        (b"1 2", TrailingCharacters, 2),
        (b"[1]x", TrailingCharacters, 3),
        (b"nulll", TrailingCharacters, 4),
        // §8.1 lets a parser skip a byte order mark; this one does not.
        (b"\xef\xbb\xbf1", ExpectedValue, 0),
        // §3: the literals, lowercase and whole.
        (b"tru", UnexpectedEnd, 3),
        (b"nul", UnexpectedEnd, 3),
        (b"[nul]", InvalidLiteral, 1),
        (b"trUe", InvalidLiteral, 0),
        (b"True", ExpectedValue, 0),
        (b"NaN", ExpectedValue, 0),
        (b"'a'", ExpectedValue, 0),
        // §4: objects.
        (b"{", UnexpectedEnd, 1),
        (b"{\"a\"", UnexpectedEnd, 4),
        (b"{\"a\" 1}", ExpectedColon, 5),
        (b"{\"a\":}", ExpectedValue, 5),
        (b"{\"a\":1,}", ExpectedKey, 7),
        (b"{1:2}", ExpectedKey, 1),
        (b"{\"a\":1 \"b\":2}", ExpectedCommaOrBrace, 7),
        (b"{\"a\":1,\"b\":2,\"a\":3}", DuplicateKey, 13),
        // §5: arrays.
        (b"[1,2", UnexpectedEnd, 4),
        (b"[1,]", ExpectedValue, 3),
        (b"[,1]", ExpectedValue, 1),
        (b"[1,,2]", ExpectedValue, 3),
        (b"[1 2]", ExpectedCommaOrBracket, 3),
        (b"[1}", ExpectedCommaOrBracket, 2),
        // §6: numbers.
        (b"01", LeadingZero, 1),
        (b"-01", LeadingZero, 2),
        (b"1.", UnexpectedEnd, 2),
        (b"[1.]", ExpectedDigit, 3),
        (b".5", ExpectedValue, 0),
        (b"+1", ExpectedValue, 0),
        (b"-", UnexpectedEnd, 1),
        (b"[-]", ExpectedDigit, 2),
        (b"-a", ExpectedDigit, 1),
        (b"1e", UnexpectedEnd, 2),
        (b"[1e+]", ExpectedDigit, 4),
        (b"[1.5e]", ExpectedDigit, 5),
        (b"1e400", NumberOutOfRange, 0),
        (b"[-1e400]", NumberOutOfRange, 1),
        // §7: strings.
        (b"\"abc", UnexpectedEnd, 4),
        (b"\"a\tb\"", ControlCharacter(b'\t'), 2),
        (b"\"a\nb\"", ControlCharacter(b'\n'), 2),
        (b"\"\x00\"", ControlCharacter(0), 1),
        (b"\"\\x\"", InvalidEscape('x'), 1),
        (b"\"ab\\q\"", InvalidEscape('q'), 3),
        (b"\"\\\xc3\xa9\"", InvalidEscape('é'), 1),
        (b"\"\\u12\"", InvalidUnicodeEscape, 1),
        (b"\"\\u12g4\"", InvalidUnicodeEscape, 1),
        (b"\"\\u12", UnexpectedEnd, 5),
        (b"\"\\", UnexpectedEnd, 2),
        // §7, §8.2: half a surrogate pair.
        (b"\"\\ud800\"", LoneSurrogate, 1),
        (b"\"\\udc00\"", LoneSurrogate, 1),
        (b"\"\\ud800\\u0041\"", LoneSurrogate, 1),
        (b"\"\\ud800\\n\"", LoneSurrogate, 1),
        (b"\"\\ud800\\ud800\"", LoneSurrogate, 1),
        (b"\"\\u00e9\\uDFFF\"", LoneSurrogate, 7),
        (b"\"\\ud800\\u12\"", InvalidUnicodeEscape, 7),
        (b"\"\\ud800", UnexpectedEnd, 7),
        (b"\"\\ud800\\", UnexpectedEnd, 8),
        // §8.1: UTF-8 only.
        (b"[\"\xff\"]", InvalidUtf8, 2),
        (b"\"\xc3\"", InvalidUtf8, 1),
        (b"\"\xc0\x80\"", InvalidUtf8, 1),
        // A surrogate encoded directly in UTF-8 is not UTF-8.
        (b"\"\xed\xa0\x80\"", InvalidUtf8, 1),
        // Cut in the middle of a character: truncated.
        (b"\"\xc3", UnexpectedEnd, 2),
        // MAX_DEPTH.
        (deep.as_bytes(), TooDeep, MAX_DEPTH),
    ];
    assert!(table.len() >= 25);
    for (input, kind, offset) in table {
        assert_eq!(
            parse(input),
            err(*kind, *offset),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn error_messages_say_what_and_where() {
    let table: &[(&[u8], &str)] = &[
        (b"[1 2]", "expected ',' or ']' at byte 3"),
        (b"{\"a\":1 2}", "expected ',' or '}' at byte 7"),
        (b"{\"a\" 1}", "expected ':' at byte 5"),
        (b"\"\\q\"", "invalid escape \\q at byte 1"),
        (
            b"\"\\\n\"",
            "invalid escape: \\ followed by U+000A at byte 1",
        ),
        (b"1e400", "number out of range at byte 0"),
        (b"[1,", "unexpected end of input at byte 3"),
        (
            b"\"a\tb\"",
            "control character U+0009 in a string (write it as \\t) at byte 2",
        ),
        (
            b"\"\x01\"",
            "control character U+0001 in a string (write it as \\u0001) at byte 1",
        ),
        (b"{\"a\":1,\"a\":2}", "duplicate key in object at byte 7"),
        (b"\xff", "invalid UTF-8 (JSON text must be UTF-8) at byte 0"),
        (b"1 x", "unexpected text after the value at byte 2"),
    ];
    for (input, message) in table {
        assert_eq!(parse(input).unwrap_err().to_string(), *message);
    }
}

// ---------------------------------------------------------------------
// Nesting depth

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    let text = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse_str(&text).is_ok());
}

#[test]
fn a_hostile_nesting_is_refused_without_overflowing_the_stack() {
    // Without MAX_DEPTH this would recurse 100,000 times and abort.
    let arrays = "[".repeat(100_000);
    assert_eq!(parse_str(&arrays), err(JsonErrorKind::TooDeep, MAX_DEPTH));
    let objects = "{\"a\":".repeat(100_000);
    assert_eq!(
        parse_str(&objects),
        err(JsonErrorKind::TooDeep, MAX_DEPTH * 5)
    );
}

#[test]
fn depth_counts_nesting_not_siblings() {
    // 1,000 arrays side by side are one level deep, not 1,000.
    let text = format!("[{}[]]", "[],".repeat(1000));
    assert!(parse_str(&text).is_ok());
}

// ---------------------------------------------------------------------
// Duplicate keys

#[test]
fn a_large_object_of_distinct_keys_is_accepted() {
    let members: Vec<String> = (0..50_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let text = format!("{{{}}}", members.join(","));
    let value = parse_str(&text).unwrap();
    assert_eq!(value.get("k49999").and_then(Value::as_i64), Some(49999));
}

#[test]
fn a_duplicate_is_reported_at_its_second_occurrence() {
    // RFC 7493 §2.3: I-JSON objects MUST NOT have duplicate names.
    let text = r#"{"b":1,"a":2,"c":3,"a":4,"b":5}"#;
    // "a" repeats at byte 19, before "b" repeats at byte 25.
    assert_eq!(parse_str(text), err(JsonErrorKind::DuplicateKey, 19));
    // Keys in different objects do not clash.
    assert!(parse_str(r#"{"a":{"a":1},"b":{"a":2}}"#).is_ok());
    // Escapes are decoded before comparing: "\u0061" is "a".
    assert_eq!(
        parse_str(r#"{"a":1,"\u0061":2}"#),
        err(JsonErrorKind::DuplicateKey, 7)
    );
}

// ---------------------------------------------------------------------
// Truncation and garbage never panic

/// Valid documents that are not bare numbers (a prefix of `12` is `1`,
/// itself valid) and have no trailing whitespace.
const DOCUMENTS: &[&str] = &[
    r#"{"id":7,"text":"caf\u00e9 \ud83d\ude00 é😀\n","tags":["a","b"],"done":false,"due":null,"ok":true,"n":-12.5e-3,"nested":[[],{},[{"x":0}]]}"#,
    "[ true , false , null , 1.5E+10 , -0 ]",
    "\"plain\"",
    "true",
    "{ \"a\" : [ 1 , { \"b\" : \"\\\"\" } ] }",
];

#[test]
fn every_proper_prefix_of_a_document_is_cut_short() {
    for document in DOCUMENTS {
        let bytes = document.as_bytes();
        assert!(parse(bytes).is_ok(), "{document}");
        for end in 0..bytes.len() {
            assert_eq!(
                parse(&bytes[..end]),
                err(JsonErrorKind::UnexpectedEnd, end),
                "prefix {:?}",
                String::from_utf8_lossy(&bytes[..end])
            );
        }
    }
}

/// A xorshift64 generator (Marsaglia, 2003): a few lines, no crate, and
/// the same sequence on every run, so a failure can be reproduced.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic_and_what_parses_round_trips() {
    // Bytes drawn mostly from JSON's own alphabet reach deeper into the
    // parser than uniform noise, which fails on its first byte.
    const ALPHABET: &[u8] = b"{}[],:\"\\ \t\n-+.0123456789eEtruefalsnu/bdDcC\xc3\xa9\xff";
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = random.below(48);
        let input: Vec<u8> = (0..len)
            .map(|_| match random.below(4) {
                0 => random.next() as u8,
                _ => ALPHABET[random.below(ALPHABET.len())],
            })
            .collect();
        if let Ok(value) = parse(&input) {
            accepted += 1;
            assert_eq!(parse_str(&value.to_string()), Ok(value.clone()));
        }
    }
    // Some inputs were valid, so the round-trip check did run.
    assert!(accepted > 50, "only {accepted} inputs parsed");
}

/// A random value, at most `depth` levels deep: every kind, any `f64`,
/// strings of any characters.
fn random_value(random: &mut XorShift, depth: usize) -> Value {
    let kinds = if depth == 0 { 4 } else { 6 };
    match random.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(random.below(2) == 1),
        2 => {
            let number = match random.below(3) {
                0 => random.below(2000) as f64 - 1000.0,
                1 => random.below(1_000_000) as f64 / 64.0,
                _ => f64::from_bits(random.next()),
            };
            // NaN and infinity are written as null: not a round trip.
            Value::Number(if number.is_finite() { number } else { 0.5 })
        }
        3 => Value::String(random_string(random)),
        4 => (0..random.below(4))
            .map(|_| random_value(random, depth - 1))
            .collect(),
        _ => {
            let mut members: Vec<(String, Value)> = Vec::new();
            for _ in 0..random.below(4) {
                let key = random_string(random);
                if members.iter().all(|(name, _)| *name != key) {
                    members.push((key, random_value(random, depth - 1)));
                }
            }
            Value::Object(members)
        }
    }
}

fn random_string(random: &mut XorShift) -> String {
    (0..random.below(6))
        .filter_map(|_| match random.below(3) {
            0 => char::from_u32(random.below(0x80) as u32),
            1 => char::from_u32(random.below(0x800) as u32),
            // Any code point; the surrogates are not chars and are skipped.
            _ => char::from_u32(random.below(0x11_0000) as u32),
        })
        .collect()
}

#[test]
fn random_values_round_trip() {
    let mut random = XorShift(0x2545_F491_4F6C_DD1D);
    for _ in 0..2_000 {
        let value = random_value(&mut random, 4);
        for text in [value.to_string(), value.to_pretty()] {
            assert_eq!(parse_str(&text), Ok(value.clone()), "{text}");
        }
    }
}

#[test]
fn mutated_documents_never_panic() {
    // Every byte of every document replaced by each interesting byte.
    for document in DOCUMENTS {
        for index in 0..document.len() {
            for byte in *b"\"\\{}[],:0-.eu \x00\x7f\xc3\xff" {
                let mut input = document.as_bytes().to_vec();
                input[index] = byte;
                let _ = parse(&input);
            }
        }
    }
}

// ---------------------------------------------------------------------
// Writing

#[test]
fn compact_output_has_no_whitespace() {
    let value = Value::object([
        ("a", 1.into()),
        ("b", Value::from(vec![true.into(), Value::Null])),
    ]);
    assert_eq!(value.to_string(), r#"{"a":1,"b":[true,null]}"#);
}

#[test]
fn pretty_output_indents_by_two_spaces() {
    let value = Value::object([
        ("id", 1.into()),
        ("tags", Value::from(vec!["a".into(), "b".into()])),
        ("empty", Value::from(Vec::new())),
        ("none", Value::Object(Vec::new())),
        ("inner", Value::object([("x", Value::Null)])),
    ]);
    let expected = r#"{
  "id": 1,
  "tags": [
    "a",
    "b"
  ],
  "empty": [],
  "none": {},
  "inner": {
    "x": null
  }
}"#;
    assert_eq!(value.to_pretty(), expected);
    assert_eq!(format!("{value:#}"), expected);
    assert_eq!(Value::from(3).to_pretty(), "3");
}

#[test]
fn strings_are_escaped_where_rfc_8259_requires() {
    // §7: quote, backslash and U+0000 to U+001F must be escaped; the rest
    // is written as itself.
    let table: &[(&str, &str)] = &[
        ("plain", r#""plain""#),
        ("say \"hi\"", r#""say \"hi\"""#),
        ("a\\b", r#""a\\b""#),
        ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
        ("\0\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
        ("/", r#""/""#),
        ("\u{7f}", "\"\u{7f}\""),
        ("café 😀 \u{2028}", "\"café 😀 \u{2028}\""),
    ];
    for (text, expected) in table {
        assert_eq!(Value::from(*text).to_string(), *expected, "{text:?}");
    }
}

#[test]
fn numbers_are_written_in_the_shortest_form() {
    let table: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "-0"),
        (42.0, "42"),
        (-7.0, "-7"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-3.25e10, "-32500000000"),
        (123456789012.0, "123456789012"),
        (9007199254740992.0, "9007199254740992"),
        (1e20, "100000000000000000000"),
        // From 1e21 up and below 1e-6, an exponent, as JavaScript writes them.
        (1e21, "1e21"),
        (1.5e300, "1.5e300"),
        (f64::MAX, "1.7976931348623157e308"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (-2.5e-10, "-2.5e-10"),
        (5e-324, "5e-324"),
    ];
    for (number, expected) in table {
        assert_eq!(Value::from(*number).to_string(), *expected);
    }
}

#[test]
fn nan_and_infinity_are_written_as_null() {
    // §6: they are not permitted in JSON; JavaScript writes them as null.
    for number in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let value = Value::from(vec![number.into()]);
        assert_eq!(value.to_string(), "[null]");
    }
}

// ---------------------------------------------------------------------
// Round trips

fn round_trip_values() -> Vec<Value> {
    let mut values: Vec<Value> = [0.0, -0.0, 1.5, 1e-7, 123456789012.0, -3.25e10]
        .into_iter()
        .chain([0.1, 1e21, 1e300, -1e-300, 5e-324, f64::MAX, 2f64.powi(60)])
        .map(Value::from)
        .collect();
    values.extend([
        Value::Null,
        Value::from(true),
        Value::from(false),
        Value::from(""),
        Value::from("café 😀 中文"),
        Value::from("\"quoted\" \\ / \n\r\t\u{8}\u{c} \0 \u{1f} \u{7f} \u{2028}"),
        Value::from(Vec::new()),
        Value::Object(Vec::new()),
        Value::from(vec![Value::from(Vec::new()), Value::Object(Vec::new())]),
        Value::object([
            ("id", 1.into()),
            ("text", "hi".into()),
            ("", Value::Null),
            (
                "é\n",
                Value::from(vec![1.into(), "two".into(), false.into()]),
            ),
            (
                "nested",
                Value::object([("deeper", Value::from(vec![Value::from(vec![])]))]),
            ),
        ]),
    ]);
    values
}

#[test]
fn parse_of_write_gives_the_value_back() {
    for value in round_trip_values() {
        for text in [value.to_string(), value.to_pretty()] {
            assert_eq!(parse_str(&text), Ok(value.clone()), "{text}");
        }
    }
}

#[test]
fn minus_zero_survives_a_round_trip() {
    let text = Value::from(-0.0).to_string();
    let number = parse_str(&text).unwrap().as_f64().unwrap();
    assert!(number.is_sign_negative());
}

#[test]
fn write_of_parse_gives_canonical_text_back() {
    let canonical = [
        r#"{"a":1,"b":[true,null]}"#,
        "[]",
        "{}",
        "[[],{},[[]]]",
        r#""é😀\n\"\\\u0001""#,
        "0",
        "-0",
        "1.5",
        "1e-7",
        "123456789012",
        "-32500000000",
        "1e21",
        "1e300",
        "5e-324",
        r#"{"id":7,"tags":["a","b"],"due":null}"#,
    ];
    for text in canonical {
        assert_eq!(parse_str(text).unwrap().to_string(), text);
    }
}

#[test]
fn write_of_parse_normalizes_other_texts() {
    let table = [
        ("[ 1 , 2 ]", "[1,2]"),
        ("1E2", "100"),
        ("1.50", "1.5"),
        ("-0.0", "-0"),
        ("0.00000001", "1e-8"),
        (r#""\u00e9\/""#, r#""é/""#),
        (r#""\ud83d\ude00""#, r#""😀""#),
        (r#""\u001F""#, r#""\u001f""#),
    ];
    for (text, expected) in table {
        assert_eq!(parse_str(text).unwrap().to_string(), expected, "{text}");
    }
}

// ---------------------------------------------------------------------
// Accessors and constructors

#[test]
fn get_finds_a_member_by_key() {
    let note = parse_str(r#"{"id":7,"text":"hi","done":false,"due":null}"#).unwrap();
    assert_eq!(note.get("id").and_then(Value::as_i64), Some(7));
    assert_eq!(note.get("text").and_then(Value::as_str), Some("hi"));
    assert_eq!(note.get("done").and_then(Value::as_bool), Some(false));
    assert!(note.get("due").is_some_and(Value::is_null));
    assert_eq!(note.get("missing"), None);
    // get is for objects; anything else has no members.
    assert_eq!(Value::from(vec![1.into()]).get("0"), None);
}

#[test]
fn get_on_a_hand_built_duplicate_returns_the_first() {
    let value = Value::object([("a", 1.into()), ("a", 2.into())]);
    assert_eq!(value.get("a"), Some(&Value::from(1)));
}

#[test]
fn accessors_answer_only_for_their_own_kind() {
    let text = Value::from("7");
    assert_eq!(text.as_str(), Some("7"));
    assert_eq!(text.as_f64(), None);
    assert_eq!(text.as_i64(), None);
    assert_eq!(text.as_bool(), None);
    assert_eq!(text.as_array(), None);
    assert_eq!(text.as_object(), None);
    assert!(!text.is_null());
    let array = Value::from(vec![Value::Null]);
    assert_eq!(array.as_array(), Some(&[Value::Null][..]));
    let object = Value::object([("k", true.into())]);
    assert_eq!(
        object.as_object(),
        Some(&[("k".to_string(), Value::Bool(true))][..])
    );
}

#[test]
fn as_i64_answers_only_for_exact_safe_integers() {
    let table: &[(f64, Option<i64>)] = &[
        (7.0, Some(7)),
        (-7.0, Some(-7)),
        (-0.0, Some(0)),
        (1e2, Some(100)),
        (9007199254740991.0, Some(9007199254740991)),
        (-9007199254740991.0, Some(-9007199254740991)),
        (2.5, None),
        // 2^53: the first integer that may have been rounded.
        (9007199254740992.0, None),
        (1e300, None),
        (f64::NAN, None),
        (f64::INFINITY, None),
    ];
    for (number, expected) in table {
        assert_eq!(Value::from(*number).as_i64(), *expected, "{number}");
    }
}

#[test]
fn from_impls_build_the_matching_variant() {
    assert_eq!(Value::from("a"), Value::String("a".to_string()));
    assert_eq!(
        Value::from(String::from("a")),
        Value::String("a".to_string())
    );
    assert_eq!(Value::from(1.5), Value::Number(1.5));
    assert_eq!(Value::from(-3_i64), Value::Number(-3.0));
    assert_eq!(Value::from(true), Value::Bool(true));
    assert_eq!(
        Value::from(vec![Value::Null]),
        Value::Array(vec![Value::Null])
    );
    let collected: Value = ["a", "b"].into_iter().map(Value::from).collect();
    assert_eq!(collected, Value::Array(vec!["a".into(), "b".into()]));
    let note = Value::object([("id", 1.into()), ("text", "hi".into())]);
    assert_eq!(note.to_string(), r#"{"id":1,"text":"hi"}"#);
}

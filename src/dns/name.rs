//! Domain names: labels, their text form, and their wire form with
//! compression.
//!
//! # Labels and limits (RFC 1035 §2.3.4, §3.1)
//!
//! A name is a list of labels, read from the leaf up to the root:
//! `www.example.test.` is `www`, `example`, `test` and the empty root
//! label. On the wire each label is one length byte and that many bytes,
//! and the root is a length of zero:
//!
//! ```text
//! 03 77 77 77  07 65 78 61 6d 70 6c 65  04 74 65 73 74  00
//!     w  w  w      e  x  a  m  p  l  e      t  e  s  t  root
//! ```
//!
//! A label holds at most 63 bytes ([`MAX_LABEL_LEN`]) and the whole wire
//! form at most 255 ([`MAX_NAME_LEN`]). Labels are compared without regard
//! to ASCII case (`WWW.Example.TEST.` is the same name, RFC 4343 §3), but
//! their case is kept as written: a resolver may send its question in
//! mixed case and check that the answer repeats it exactly.
//!
//! # Compression (RFC 1035 §4.1.4)
//!
//! A message repeats names (`example.test` in the question, in every
//! answer, in the NS records), so a name may end with a *pointer* instead
//! of its last labels: two bytes whose top bits are `11`, the other 14
//! the offset in the message where the rest of the name is written.
//!
//! ```text
//! offset 12: 03 www 07 example 04 test 00      the question's name
//! offset 40: c0 10                             "the name at offset 16":
//!                                              example.test.
//! ```
//!
//! A pointer is where a hostile message does harm: one that points to
//! itself, or two that point to each other, make a naive reader loop
//! forever. [`Name::read`] accepts a pointer only if it points before
//! every byte of the name read so far, so each jump goes strictly
//! backwards and no loop is possible, and it stops after
//! [`MAX_POINTER_JUMPS`] jumps anyway.
//!
//! [`Compressor`] writes names this way: it remembers where each suffix of
//! each name was written, and replaces a suffix seen before by a pointer.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The longest label, in bytes. RFC 1035 §2.3.4: the length byte's top two
/// bits mark a pointer (`11`) or a reserved label type, so six bits are
/// left for the length.
pub const MAX_LABEL_LEN: usize = 63;

/// The longest name in wire form, length bytes and the root's zero
/// included. RFC 1035 §2.3.4 sets it, to bound what every program must
/// be able to hold.
pub const MAX_NAME_LEN: usize = 255;

/// The most compression pointers one name may follow. A name of 255 bytes
/// has at most 127 labels, and a pointer that is not followed by at least
/// one label is of no use, so no well-formed name needs more; a chain of
/// pointers to pointers from a hostile peer stops here.
pub const MAX_POINTER_JUMPS: usize = 127;

/// The largest offset a pointer can hold: 14 bits.
pub const MAX_POINTER_OFFSET: usize = 0x3FFF;

/// Why bytes or text are not a domain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// The message ends inside the name.
    Truncated,
    /// A label longer than [`MAX_LABEL_LEN`] (in text; on the wire the
    /// length cannot say more than 63).
    LabelTooLong,
    /// The name is longer than [`MAX_NAME_LEN`] in wire form.
    NameTooLong,
    /// A length byte starting with the bits `01` or `10`: label types that
    /// RFC 6891 §5 retired, which no one sends.
    BadLabelType,
    /// A pointer to an offset that is not before the name read so far.
    PointerNotBackwards,
    /// More than [`MAX_POINTER_JUMPS`] pointers in one name.
    TooManyPointers,
    /// Two dots in a row, or a dot at the start of a name other than `.`.
    EmptyLabel,
    /// Empty text: the root is written `.`.
    Empty,
    /// A backslash not followed by a character, or `\DDD` above 255.
    BadEscape,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Truncated => "the message ends inside a name",
            NameError::LabelTooLong => "a label is longer than 63 bytes",
            NameError::NameTooLong => "the name is longer than 255 bytes",
            NameError::BadLabelType => "a label length byte starts with the reserved bits 01 or 10",
            NameError::PointerNotBackwards => {
                "a compression pointer does not point before the name it ends"
            }
            NameError::TooManyPointers => "a name follows too many compression pointers",
            NameError::EmptyLabel => "a name has an empty label (two dots in a row)",
            NameError::Empty => "an empty name (the root is written \".\")",
            NameError::BadEscape => "a backslash escape is cut short or above \\255",
        })
    }
}

impl std::error::Error for NameError {}

/// A domain name, kept in its uncompressed wire form, which is valid by
/// construction: every label at most 63 bytes, the whole at most 255.
///
/// Two names are equal when they differ only in ASCII case, and they hash
/// alike, so a `HashMap<Name, _>` finds `WWW.example.test.` under
/// `www.example.test.`; [`Display`](fmt::Display) shows the case as written.
#[derive(Clone)]
pub struct Name {
    /// Length-prefixed labels, ending with the root's zero byte.
    wire: Vec<u8>,
}

impl Name {
    /// The root, `.`: the name with no labels.
    pub fn root() -> Name {
        Name { wire: vec![0] }
    }

    /// The name of these labels, leaf first (`["www", "example", "test"]`).
    pub fn from_labels<L: AsRef<[u8]>>(
        labels: impl IntoIterator<Item = L>,
    ) -> Result<Name, NameError> {
        let mut wire = Vec::new();
        for label in labels {
            push_label(&mut wire, label.as_ref())?;
        }
        wire.push(0);
        Ok(Name { wire })
    }

    /// Reads a name written as text: `www.example.test.` or, since a
    /// user typing a name means it from the root, `www.example.test`.
    /// `\.` is a dot inside a label and `\DDD` the byte of that decimal
    /// value (RFC 1035 §5.1).
    pub fn from_text(text: &str) -> Result<Name, NameError> {
        name_from_text(text).map(|(name, _absolute)| name)
    }

    /// Reads a name as a zone file writes it: with a final dot it is
    /// absolute, without one it is relative to `origin`
    /// (`www` in the zone `example.test.` is `www.example.test.`).
    pub fn from_text_relative(text: &str, origin: &Name) -> Result<Name, NameError> {
        let (name, absolute) = name_from_text(text)?;
        match absolute {
            true => Ok(name),
            false => name.concat(origin),
        }
    }

    /// This name followed by `suffix`: `www` + `example.test.`.
    pub fn concat(&self, suffix: &Name) -> Result<Name, NameError> {
        let mut wire = self.wire[..self.wire.len() - 1].to_vec();
        wire.extend_from_slice(&suffix.wire);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name { wire })
    }

    /// Whether this is the root, `.`.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The labels, leaf first, without the root's empty one.
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: &self.wire }
    }

    /// How many labels, the root's not counted: 3 for `www.example.test.`.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The length of the uncompressed wire form, at most [`MAX_NAME_LEN`].
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// The uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// The name without its first label (`example.test.` for
    /// `www.example.test.`); `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        let first = usize::from(*self.wire.first()?);
        match first {
            0 => None,
            _ => Some(Name {
                wire: self.wire[1 + first..].to_vec(),
            }),
        }
    }

    /// Whether this name is `zone` or lies below it, in any case:
    /// `www.example.test.` is in `example.test.` and in `.`.
    pub fn is_in(&self, zone: &Name) -> bool {
        let mut suffix: &[u8] = &self.wire;
        loop {
            if suffix.len() == zone.wire.len() {
                return suffix.eq_ignore_ascii_case(&zone.wire);
            }
            if suffix.len() < zone.wire.len() {
                return false;
            }
            suffix = &suffix[1 + usize::from(suffix[0])..];
        }
    }

    // ANCHOR: read_name
    /// Reads the name that starts at `start` in `message`, following
    /// compression pointers (RFC 1035 §4.1.4). Returns the name and the
    /// offset just after it *where it started*: after its first pointer,
    /// or after its root byte if it has no pointer.
    ///
    /// Each pointer must point before the lowest offset read so far, so
    /// the reader only ever jumps backwards and cannot loop; and it jumps
    /// at most [`MAX_POINTER_JUMPS`] times.
    pub fn read(message: &[u8], start: usize) -> Result<(Name, usize), NameError> {
        let mut wire = Vec::new();
        let mut at = start;
        // Where the caller's reading resumes: fixed at the first pointer.
        let mut end = None;
        // Every pointer must go below this: the start of the current run.
        let mut lowest = start;
        let mut jumps = 0;
        loop {
            let length = *message.get(at).ok_or(NameError::Truncated)?;
            match length >> 6 {
                0b00 if length == 0 => {
                    wire.push(0);
                    return Ok((Name { wire }, end.unwrap_or(at + 1)));
                }
                0b00 => {
                    let label_end = at + 1 + usize::from(length);
                    let label = message.get(at + 1..label_end).ok_or(NameError::Truncated)?;
                    // The label, and the root's zero still to come.
                    if wire.len() + 1 + label.len() + 1 > MAX_NAME_LEN {
                        return Err(NameError::NameTooLong);
                    }
                    wire.push(length);
                    wire.extend_from_slice(label);
                    at = label_end;
                }
                0b11 => {
                    let low = *message.get(at + 1).ok_or(NameError::Truncated)?;
                    let target = usize::from(u16::from_be_bytes([length & 0x3F, low]));
                    if target >= lowest {
                        return Err(NameError::PointerNotBackwards);
                    }
                    jumps += 1;
                    if jumps > MAX_POINTER_JUMPS {
                        return Err(NameError::TooManyPointers);
                    }
                    end.get_or_insert(at + 2);
                    lowest = target;
                    at = target;
                }
                _ => return Err(NameError::BadLabelType),
            }
        }
    }
    // ANCHOR_END: read_name
}

/// The labels of a [`Name`], leaf first.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let length = usize::from(*self.rest.first()?);
        if length == 0 {
            return None;
        }
        let label = &self.rest[1..1 + length];
        self.rest = &self.rest[1 + length..];
        Some(label)
    }
}

/// Appends one label to a wire form under construction, checking both
/// limits (the root's zero byte still to come counts).
fn push_label(wire: &mut Vec<u8>, label: &[u8]) -> Result<(), NameError> {
    if label.is_empty() {
        return Err(NameError::EmptyLabel);
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong);
    }
    if wire.len() + 1 + label.len() + 1 > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    Ok(())
}

/// A name in text, escapes decoded, and whether the text ends with a dot
/// (absolute). `.` alone is the root. Each label is checked as soon as it
/// ends, so that no amount of text is ever held past the limits.
pub(crate) fn name_from_text(text: &str) -> Result<(Name, bool), NameError> {
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text == "." {
        return Ok((Name::root(), true));
    }
    let mut wire = Vec::new();
    let mut label = Vec::new();
    let mut bytes = text.bytes();
    let mut absolute = false;
    while let Some(byte) = bytes.next() {
        absolute = byte == b'.';
        match byte {
            b'.' => {
                push_label(&mut wire, &label)?;
                label.clear();
            }
            b'\\' => label.push(unescape(&mut bytes)?),
            _ => label.push(byte),
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
    }
    if !label.is_empty() {
        push_label(&mut wire, &label)?;
    }
    wire.push(0);
    Ok((Name { wire }, absolute))
}

/// The byte after a backslash: `\DDD` (three decimal digits, at most 255)
/// or `\X`, the character X itself (RFC 1035 §5.1). Shared by names and
/// the character strings of zone files.
pub(crate) fn unescape(bytes: &mut impl Iterator<Item = u8>) -> Result<u8, NameError> {
    let first = bytes.next().ok_or(NameError::BadEscape)?;
    if !first.is_ascii_digit() {
        return Ok(first);
    }
    let mut value = u16::from(first - b'0');
    for _ in 0..2 {
        match bytes.next() {
            Some(digit) if digit.is_ascii_digit() => value = value * 10 + u16::from(digit - b'0'),
            _ => return Err(NameError::BadEscape),
        }
    }
    u8::try_from(value).map_err(|_| NameError::BadEscape)
}

/// Writes one byte of a label or string as the text form needs it:
/// printable ASCII as it is, `special` bytes after a backslash, and
/// anything else as `\DDD`.
pub(crate) fn write_escaped(f: &mut impl fmt::Write, byte: u8, special: &[u8]) -> fmt::Result {
    if special.contains(&byte) {
        write!(f, "\\{}", char::from(byte))
    } else if byte.is_ascii_graphic() {
        f.write_char(char::from(byte))
    } else {
        write!(f, "\\{byte:03}")
    }
}

/// The bytes a label escapes in text, beyond the unprintable ones: the
/// dot and backslash, and what a zone file would read as syntax.
const LABEL_SPECIALS: &[u8] = b".\\\"();@$";

impl fmt::Display for Name {
    /// The text form, absolute: `www.example.test.`, or `.` for the root.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            for &byte in label {
                write_escaped(f, byte, LABEL_SPECIALS)?;
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // Length bytes are at most 63, below every letter, so comparing
        // the whole wire form without case compares the labels so.
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in &self.wire {
            state.write_u8(byte.to_ascii_lowercase());
        }
    }
}

// ANCHOR: compressor
/// Writes names into a message, compressing them (RFC 1035 §4.1.4).
///
/// It remembers the offset of every suffix it has written
/// (`www.example.test.`, `example.test.`, `test.`), and when a later name
/// ends with one of them, writes a pointer to it instead of those labels.
/// Only offsets below 0x4000 can be pointed to (14 bits).
///
/// Suffixes match with their case: a name written in another case is
/// written out again rather than pointed to, so every name reads back
/// exactly as it was given, which a resolver checking the case of its
/// question relies on.
#[derive(Debug, Default)]
pub struct Compressor {
    /// Suffixes written so far, in wire form, and where each starts.
    suffixes: HashMap<Vec<u8>, u16>,
}

impl Compressor {
    /// A compressor for a new message.
    pub fn new() -> Compressor {
        Compressor::default()
    }

    /// Appends `name` to `message` (the whole message so far, from its
    /// first byte: offsets count from there), with a pointer for the
    /// longest suffix already written if `compress` is set. Its own
    /// suffixes are remembered either way, for later names to point to.
    pub fn write(&mut self, message: &mut Vec<u8>, name: &Name, compress: bool) {
        let mut suffix: &[u8] = &name.wire;
        while suffix.len() > 1 {
            if compress {
                if let Some(&offset) = self.suffixes.get(suffix) {
                    message.extend_from_slice(&(0xC000 | offset).to_be_bytes());
                    return;
                }
            }
            if let Ok(offset) = u16::try_from(message.len()) {
                if usize::from(offset) <= MAX_POINTER_OFFSET {
                    self.suffixes.entry(suffix.to_vec()).or_insert(offset);
                }
            }
            let label_len = 1 + usize::from(suffix[0]);
            message.extend_from_slice(&suffix[..label_len]);
            suffix = &suffix[label_len..];
        }
        message.push(0);
    }
}
// ANCHOR_END: compressor

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    #[test]
    fn names_from_text() {
        let table: &[(&str, Result<&[u8], NameError>)] = &[
            (".", Ok(b"\0")),
            ("test", Ok(b"\x04test\0")),
            ("test.", Ok(b"\x04test\0")),
            ("www.example.test.", Ok(b"\x03www\x07example\x04test\0")),
            ("Www.Example.TEST", Ok(b"\x03Www\x07Example\x04TEST\0")),
            // RFC 1035 §5.1: \. is a dot inside a label, \DDD a byte.
            ("john\\.doe.example.", Ok(b"\x08john.doe\x07example\0")),
            ("a\\032b.", Ok(b"\x03a b\0")),
            ("a\\\\b.", Ok(b"\x03a\\b\0")),
            ("", Err(NameError::Empty)),
            ("..", Err(NameError::EmptyLabel)),
            (".test", Err(NameError::EmptyLabel)),
            ("a..test", Err(NameError::EmptyLabel)),
            ("a\\", Err(NameError::BadEscape)),
            ("a\\25", Err(NameError::BadEscape)),
            ("a\\256", Err(NameError::BadEscape)),
            ("a\\2x5", Err(NameError::BadEscape)),
        ];
        for (text, expected) in table {
            let got = Name::from_text(text);
            assert_eq!(
                got.as_ref().map(Name::as_wire).map_err(|e| *e),
                *expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_label_of_63_is_a_name_and_of_64_is_not() {
        let label = "a".repeat(63);
        assert_eq!(name(&label).wire_len(), 65);
        let too_long = "a".repeat(64);
        assert_eq!(Name::from_text(&too_long), Err(NameError::LabelTooLong));
        assert_eq!(
            Name::from_labels([too_long.as_bytes()]),
            Err(NameError::LabelTooLong)
        );
    }

    #[test]
    fn a_name_of_255_bytes_is_a_name_and_of_256_is_not() {
        // Four labels of 62 bytes cost 4 * 63 = 252, the root 1: 253.
        // One more label of one byte makes 255; of two bytes, 256.
        let base = vec!["a".repeat(62); 4].join(".");
        let fits = format!("b.{base}");
        assert_eq!(name(&fits).wire_len(), 255);
        let too_long = format!("bb.{base}");
        assert_eq!(Name::from_text(&too_long), Err(NameError::NameTooLong));
        let origin = name(&base);
        assert_eq!(
            Name::from_text_relative("bb", &origin),
            Err(NameError::NameTooLong)
        );
        // A huge text is refused without being held in full.
        let huge = "a.".repeat(100_000);
        assert_eq!(Name::from_text(&huge), Err(NameError::NameTooLong));
    }

    #[test]
    fn names_compare_without_case_and_show_it() {
        use std::collections::HashSet;
        let upper = name("WWW.Example.TEST.");
        let lower = name("www.example.test.");
        assert_eq!(upper, lower);
        assert_ne!(upper, name("www.example.tests."));
        let set: HashSet<Name> = [upper.clone()].into_iter().collect();
        assert!(set.contains(&lower));
        assert_eq!(upper.to_string(), "WWW.Example.TEST.");
    }

    #[test]
    fn relative_names_take_the_origin() {
        let origin = name("example.test.");
        let table = [
            ("www", "www.example.test."),
            ("a.b", "a.b.example.test."),
            ("www.other.test.", "www.other.test."),
            (".", "."),
        ];
        for (text, expected) in table {
            let got = Name::from_text_relative(text, &origin).unwrap();
            assert_eq!(got.to_string(), expected, "{text}");
        }
    }

    #[test]
    fn names_shown_are_read_back() {
        for text in [
            ".",
            "www.example.test.",
            "john\\.doe.example.",
            "a\\032b\\\\c\\\"\\(\\)\\;\\@\\$.",
            "\\000\\255.",
        ] {
            let parsed = name(text);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(name(&parsed.to_string()).as_wire(), parsed.as_wire());
        }
    }

    #[test]
    fn parents_labels_and_zones() {
        let www = name("www.Example.test.");
        assert_eq!(www.label_count(), 3);
        let labels: Vec<&[u8]> = www.labels().collect();
        assert_eq!(labels, [&b"www"[..], b"Example", b"test"]);
        assert_eq!(www.parent(), Some(name("example.test.")));
        assert_eq!(Name::root().parent(), None);
        assert!(www.is_in(&name("EXAMPLE.test.")));
        assert!(www.is_in(&www));
        assert!(www.is_in(&Name::root()));
        assert!(!www.is_in(&name("ample.test.")));
        assert!(!name("example.test.").is_in(&www));
    }

    #[test]
    fn wire_names_table() {
        use NameError::*;
        // The message starts with 12 bytes of padding, as the header would.
        let mut base = vec![0u8; 12];
        base.extend_from_slice(b"\x07example\x04test\x00"); // 12..26
        type Row = (&'static [u8], Result<(&'static str, usize), NameError>);
        let table: &[Row] = &[
            (b"\x00", Ok((".", 27))),
            (b"\x03www\xc0\x0c", Ok(("www.example.test.", 32))),
            (b"\xc0\x14", Ok(("test.", 28))),
            (b"", Err(Truncated)),
            (b"\x03ww", Err(Truncated)),
            (b"\x03www", Err(Truncated)),
            (b"\xc0", Err(Truncated)),
            // A pointer to itself, and one forward.
            (b"\xc0\x1a", Err(PointerNotBackwards)),
            (b"\xc0\x1c\x00", Err(PointerNotBackwards)),
            // A label of 64: the length byte 0x40 has the bits 01.
            (b"\x40", Err(BadLabelType)),
            (b"\x80", Err(BadLabelType)),
        ];
        for (bytes, expected) in table {
            let mut message = base.clone();
            message.extend_from_slice(bytes);
            let got = Name::read(&message, 26).map(|(name, end)| (name.to_string(), end));
            let expected = expected.map(|(text, end)| (text.to_string(), end));
            assert_eq!(got, expected, "{}", bytes.escape_ascii());
        }
        // A pointer to a name that ends in a pointer, each backwards.
        let mut message = base.clone();
        message.extend_from_slice(b"\x03www\xc0\x0c\x01a\xc0\x1a");
        let (read, end) = Name::read(&message, 32).unwrap();
        assert_eq!(
            (read.to_string().as_str(), end),
            ("a.www.example.test.", 36)
        );
    }

    #[test]
    fn a_pointer_loop_is_refused() {
        // At 12, "a" then a pointer back to 12: reading from 12 goes round
        // for ever unless pointers must go below the name's start.
        let mut message = vec![0u8; 12];
        message.extend_from_slice(b"\x01a\xc0\x0c");
        assert_eq!(
            Name::read(&message, 12),
            Err(NameError::PointerNotBackwards)
        );
        // Two names pointing into each other.
        let mut message = vec![0u8; 12];
        message.extend_from_slice(b"\x01a\xc0\x10\x01b\xc0\x0c");
        assert_eq!(
            Name::read(&message, 16),
            Err(NameError::PointerNotBackwards)
        );
        assert_eq!(
            Name::read(&message, 12),
            Err(NameError::PointerNotBackwards)
        );
    }

    #[test]
    fn a_chain_of_pointers_stops_at_the_bound() {
        // A root at 0, then pointers each to the one before it.
        let mut message = vec![0u8];
        for i in 0..200u16 {
            let target = if i == 0 { 0 } else { 1 + 2 * (i - 1) };
            message.extend_from_slice(&(0xC000 | target).to_be_bytes());
        }
        let last = message.len() - 2;
        assert_eq!(Name::read(&message, last), Err(NameError::TooManyPointers));
        let short = 1 + 2 * (MAX_POINTER_JUMPS - 1);
        assert_eq!(Name::read(&message, short).map(|r| r.0), Ok(Name::root()));
    }

    #[test]
    fn a_name_made_longer_than_255_by_pointers_is_refused() {
        // 63-byte labels chained by pointers: each piece is valid, the
        // whole passes 255.
        let mut message = vec![0u8; 12];
        let mut previous: Option<u16> = None;
        for _ in 0..5 {
            let start = message.len();
            message.push(63);
            message.extend_from_slice(&[b'x'; 63]);
            match previous {
                None => message.push(0),
                Some(offset) => message.extend_from_slice(&(0xC000u16 | offset).to_be_bytes()),
            }
            previous = Some(start as u16);
        }
        let start = usize::from(previous.unwrap());
        assert_eq!(Name::read(&message, start), Err(NameError::NameTooLong));
    }

    #[test]
    fn the_compressor_points_to_suffixes_written_before() {
        let mut message = vec![0u8; 12];
        let mut compressor = Compressor::new();
        compressor.write(&mut message, &name("www.example.test."), true);
        compressor.write(&mut message, &name("mail.example.test."), true);
        compressor.write(&mut message, &name("example.test."), true);
        compressor.write(&mut message, &name("www.example.test."), false);
        compressor.write(&mut message, &name("EXAMPLE.test."), true);
        let expected: &[u8] = b"\x03www\x07example\x04test\x00\
            \x04mail\xc0\x10\
            \xc0\x10\
            \x03www\x07example\x04test\x00\
            \x07EXAMPLE\xc0\x18";
        assert_eq!(&message[12..], expected, "{}", message[12..].escape_ascii());
        for (start, text) in [
            (12, "www.example.test."),
            (30, "mail.example.test."),
            (37, "example.test."),
            (39, "www.example.test."),
            (57, "EXAMPLE.test."),
        ] {
            let (read, _) = Name::read(&message, start).unwrap();
            assert_eq!(read.to_string(), text);
        }
    }

    #[test]
    fn the_compressor_points_nowhere_past_0x3fff() {
        let mut message = vec![0u8; 0x4000];
        let mut compressor = Compressor::new();
        compressor.write(&mut message, &name("far.test."), true);
        compressor.write(&mut message, &name("far.test."), true);
        assert_eq!(
            &message[0x4000..],
            b"\x03far\x04test\x00\x03far\x04test\x00"
        );
    }
}

//! Zone files: the master file format of RFC 1035 §5, which BIND, NSD and
//! Knot read, and the checks a zone must pass before it is served.
//!
//! # The format (RFC 1035 §5.1)
//!
//! A zone file is a list of entries, one a line:
//!
//! ```text
//! $ORIGIN example.test.          ; relative names end with this
//! $TTL 1h                        ; the TTL of records that give none (RFC 2308 §4)
//! @       IN  SOA ns1 hostmaster (
//!                 2024010101     ; serial
//!                 2h 1h 2w 5m )  ; refresh, retry, expire, minimum
//!         IN  NS  ns1            ; a blank owner: the one before (@)
//! www 300 IN  A   192.0.2.1      ; TTL and class in either order
//! mail    IN  MX  10 mail.other.test.
//! @           TXT "v=spf1 mx -all" "a second \"string\""
//! ```
//!
//! - `@` is the origin; a name without a final dot is relative to it.
//! - An entry that starts with a blank has the owner of the entry before.
//! - `;` starts a comment; parentheses let an entry go on over several
//!   lines (the SOA's numbers, usually).
//! - A record is `[owner] [TTL] [class] type data`, TTL and class in
//!   either order and both optional: the TTL defaults to `$TTL`, or else
//!   to the last TTL given; the class to IN, the only one served.
//! - TTLs and the SOA's times are seconds, or BIND's units: `30s`, `5m`,
//!   `1h`, `2d`, `1w`, and sums such as `1h30m`.
//! - A quoted string may hold `\"`, `\\` and `\DDD`, a byte in decimal; so
//!   may a name, where `\.` is a dot inside a label.
//!
//! The types read are those a small zone needs: SOA, NS, A, AAAA, CNAME,
//! MX and TXT. `$INCLUDE` and the RFC 3597 generic form are not.
//!
//! # The checks
//!
//! A file that reads is not yet a zone. [`Zone::parse`] also checks that
//! it has exactly one SOA record and that it is at the top of the zone
//! (RFC 1035 §5.2), with NS records beside it (RFC 1034 §4.2.1), that
//! every owner is inside the zone, and that a name
//! with a CNAME has no other record (RFC 1034 §3.6.2: an alias is only an
//! alias), and that a name server named inside the zone has an address
//! there, as BIND's `named-checkzone` does; and that the records of each
//! name and type fit in one message (65535 bytes), since an answer carries
//! them whole. Each error names the file and the line, as a compiler does:
//! `example.test.zone:7: MX needs a preference and a host`.

use super::message::{EmitError, Message, MAX_MESSAGE_LEN};
use super::name::{name_from_text, unescape, Name, NameError};
use super::record::{Record, RecordData, Soa, MAX_CHARACTER_STRING_LEN};
use super::types::{Class, RecordType};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The largest TTL: RFC 2181 §8 keeps the top bit of the 32 clear, so that
/// old software reading it as signed does not see a negative time.
pub const MAX_TTL: u32 = 0x7FFF_FFFF;

/// The most parentheses open at once. One pair is all the format needs;
/// a few more are tolerated, but not an unbounded count.
const MAX_PAREN_DEPTH: usize = 4;

/// A zone: its origin and its records, checked, and indexed by name so
/// that an answer reads only the records it needs, however big the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    origin: Name,
    records: Vec<Record>,
    /// Where each owner's records are in `records`, in the file's order.
    by_name: HashMap<Name, Vec<usize>>,
    /// Every owner and every name between it and the top: the names that
    /// exist (RFC 8020: a name with no records but names below it does).
    names: HashSet<Name>,
}

/// What is wrong in a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneErrorKind {
    /// A record with the wrong number of fields for its type; the text
    /// says what the type needs.
    Fields(&'static str),
    /// An address that is not one of its type's (A: IPv4, AAAA: IPv6).
    BadAddress(RecordType),
    /// A number that is not one, or out of its range; the text names it.
    BadNumber(&'static str),
    /// A TTL or a time that is neither seconds nor BIND's units.
    BadTtl(String),
    /// A name that is not a valid name.
    BadName(String, NameError),
    /// A type or a word in place of one that this reader does not know.
    UnknownType(String),
    /// A known type that zone files here cannot hold.
    UnsupportedType(RecordType),
    /// A class other than IN.
    UnsupportedClass(Class),
    /// A `$` line other than `$ORIGIN` and `$TTL`.
    UnknownDirective(String),
    /// A directive with the wrong number of arguments.
    DirectiveArguments(&'static str),
    /// A relative name before any origin is known.
    NoOrigin,
    /// A blank owner on the first record.
    NoOwner,
    /// A record with no TTL, no `$TTL` and no TTL before it.
    NoTtl,
    /// A record that ends before its type.
    NoType,
    /// A `(` never closed.
    UnclosedParenthesis,
    /// A `)` with no `(` before it.
    UnexpectedParenthesis,
    /// Parentheses nested deeper than the format ever needs.
    TooDeep,
    /// A `"` never closed on its line.
    UnterminatedString,
    /// A quoted string where a name or number belongs.
    UnexpectedString,
    /// A backslash escape cut short or above `\255`.
    BadEscape,
    /// A string longer than 255 bytes.
    StringTooLong,
    /// No SOA record.
    NoSoa,
    /// A second SOA record.
    SecondSoa,
    /// An SOA record below the top of the zone.
    SoaNotAtApex(Name),
    /// No NS record at the top of the zone.
    NoNs,
    /// An NS record naming a server inside the zone that has no address
    /// in it (or is an alias, which has none either).
    NsWithoutAddress(Name),
    /// A name with a CNAME and other records, or two CNAMEs.
    CnameAndOtherData(Name),
    /// An owner outside the zone.
    OutsideZone(Name),
    /// The records of one name and type, which an answer must carry
    /// whole, do not fit in the largest message (RFC 1035 §4.2.2).
    RecordSetTooLong(Name, RecordType),
}

impl fmt::Display for ZoneErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ZoneErrorKind::*;
        match self {
            Fields(needs) => f.write_str(needs),
            BadAddress(RecordType::A) => f.write_str("A needs an IPv4 address such as 192.0.2.1"),
            BadAddress(_) => f.write_str("AAAA needs an IPv6 address such as 2001:db8::1"),
            BadNumber(what) => f.write_str(what),
            BadTtl(text) => write!(
                f,
                "bad TTL {text:?}: seconds, or units as in 30s, 5m, 1h30m, 2d, 1w (at most {MAX_TTL} s)"
            ),
            BadName(text, error) => write!(f, "bad name {text:?}: {error}"),
            UnknownType(text) => write!(f, "unknown record type {text:?}"),
            UnsupportedType(rtype) => write!(
                f,
                "{rtype} records are not supported here: SOA, NS, A, AAAA, CNAME, MX and TXT are"
            ),
            UnsupportedClass(class) => write!(f, "class {class}: only IN is served"),
            UnknownDirective(text) => write!(
                f,
                "{text} is not supported here: $ORIGIN and $TTL are"
            ),
            DirectiveArguments(needs) => f.write_str(needs),
            NoOrigin => f.write_str("a relative name, but no origin: add $ORIGIN before it"),
            NoOwner => f.write_str("the first record starts with a blank, but has no owner before it"),
            NoTtl => f.write_str("no TTL: give one, or set $TTL at the top of the file"),
            NoType => f.write_str("the record ends before its type"),
            UnclosedParenthesis => f.write_str("a ( is never closed"),
            UnexpectedParenthesis => f.write_str("a ) with no ( before it"),
            TooDeep => f.write_str("parentheses nested too deep"),
            UnterminatedString => f.write_str("a quoted string does not end on its line"),
            UnexpectedString => f.write_str("a quoted string where a name or number belongs"),
            BadEscape => f.write_str("a backslash escape is cut short or above \\255"),
            StringTooLong => f.write_str("a string is longer than 255 bytes: split it in several"),
            NoSoa => f.write_str("no SOA record: a zone starts with one"),
            SecondSoa => f.write_str("a second SOA record: a zone has one"),
            SoaNotAtApex(name) => write!(f, "the SOA record of {name} is not at the top of the zone"),
            NoNs => f.write_str("no NS record at the top of the zone: a zone names its servers"),
            NsWithoutAddress(name) => write!(
                f,
                "the name server {name} is inside the zone but has no A or AAAA record in it"
            ),
            RecordSetTooLong(name, rtype) => write!(
                f,
                "the {rtype} records of {name} take more than the {MAX_MESSAGE_LEN} bytes of a message"
            ),
            CnameAndOtherData(name) => write!(
                f,
                "{name} has a CNAME and other records: an alias can have nothing else (RFC 1034 §3.6.2)"
            ),
            OutsideZone(name) => write!(f, "{name} is outside the zone"),
        }
    }
}

/// An error in a zone file, with the file's name and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    /// The file's name, as given to [`Zone::parse`].
    pub file: String,
    /// The line, counted from 1, if the error has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ZoneErrorKind,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl std::error::Error for ZoneError {}

/// An error and the line it is on, before the file's name is added.
type LineError = (Option<usize>, ZoneErrorKind);

/// One item of an entry: a word, kept with its escapes, or a quoted
/// string, its escapes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(Vec<u8>),
}

/// One entry: its tokens, the line each is on, and whether its first line
/// starts with a blank (no owner).
#[derive(Debug, Default)]
struct Entry {
    line: usize,
    blank_owner: bool,
    tokens: Vec<(Token, usize)>,
}

/// Cuts a file into entries: comments dropped, parentheses joining lines.
fn entries(text: &str) -> Result<Vec<Entry>, LineError> {
    let mut entries = Vec::new();
    let mut entry = Entry::default();
    let mut depth = 0;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if depth == 0 {
            entry = Entry {
                line: number,
                blank_owner: line.starts_with([' ', '\t']),
                tokens: Vec::new(),
            };
        }
        tokenize_line(line, number, &mut depth, &mut entry.tokens)?;
        if depth == 0 && !entry.tokens.is_empty() {
            entries.push(std::mem::take(&mut entry));
        }
    }
    if depth > 0 {
        return Err((Some(entry.line), ZoneErrorKind::UnclosedParenthesis));
    }
    Ok(entries)
}

/// Adds the tokens of one line to `tokens`, tracking the depth of
/// parentheses.
fn tokenize_line(
    line: &str,
    number: usize,
    depth: &mut usize,
    tokens: &mut Vec<(Token, usize)>,
) -> Result<(), LineError> {
    let error = |kind| (Some(number), kind);
    let mut word = String::new();
    let mut chars = line.chars();
    let end_word = |word: &mut String, tokens: &mut Vec<(Token, usize)>| {
        if !word.is_empty() {
            tokens.push((Token::Word(std::mem::take(word)), number));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            ' ' | '\t' | '\r' => end_word(&mut word, tokens),
            '(' => {
                end_word(&mut word, tokens);
                *depth += 1;
                if *depth > MAX_PAREN_DEPTH {
                    return Err(error(ZoneErrorKind::TooDeep));
                }
            }
            ')' => {
                end_word(&mut word, tokens);
                *depth = depth
                    .checked_sub(1)
                    .ok_or(error(ZoneErrorKind::UnexpectedParenthesis))?;
            }
            '"' => {
                end_word(&mut word, tokens);
                tokens.push((Token::Quoted(quoted(&mut chars).map_err(error)?), number));
            }
            '\\' => {
                // The escape is kept in the word, decoded with it later;
                // here it only keeps `\;` or `\(` from being syntax.
                word.push(c);
                word.push(chars.next().ok_or(error(ZoneErrorKind::BadEscape))?);
            }
            _ => word.push(c),
        }
    }
    end_word(&mut word, tokens);
    Ok(())
}

/// The rest of a quoted string, after its opening `"`, escapes decoded.
fn quoted(chars: &mut std::str::Chars) -> Result<Vec<u8>, ZoneErrorKind> {
    let mut bytes = Vec::new();
    loop {
        let c = chars.next().ok_or(ZoneErrorKind::UnterminatedString)?;
        match c {
            '"' => break,
            '\\' => {
                let first = chars.next().ok_or(ZoneErrorKind::BadEscape)?;
                if first.is_ascii_digit() {
                    // `\DDD`: the first digit and two more characters, which
                    // must be digits too (anything else fails the escape).
                    let more = [chars.next(), chars.next()];
                    let ascii =
                        |c: Option<char>| c.filter(char::is_ascii).map_or(b' ', |c| c as u8);
                    let mut digits = [first as u8, ascii(more[0]), ascii(more[1])].into_iter();
                    bytes.push(unescape(&mut digits).map_err(|_| ZoneErrorKind::BadEscape)?);
                } else {
                    let mut buffer = [0; 4];
                    bytes.extend_from_slice(first.encode_utf8(&mut buffer).as_bytes());
                }
            }
            _ => {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
        }
        if bytes.len() > MAX_CHARACTER_STRING_LEN {
            return Err(ZoneErrorKind::StringTooLong);
        }
    }
    Ok(bytes)
}

/// A word as a character string: escapes decoded.
fn word_string(word: &str) -> Result<Vec<u8>, ZoneErrorKind> {
    let mut bytes = Vec::new();
    let mut rest = word.bytes();
    while let Some(byte) = rest.next() {
        match byte {
            b'\\' => bytes.push(unescape(&mut rest).map_err(|_| ZoneErrorKind::BadEscape)?),
            _ => bytes.push(byte),
        }
    }
    if bytes.len() > MAX_CHARACTER_STRING_LEN {
        return Err(ZoneErrorKind::StringTooLong);
    }
    Ok(bytes)
}

// ANCHOR: ttl
/// A TTL or an SOA time: seconds (`3600`), or BIND's units, one or more
/// of a number and a letter: `30s`, `5m`, `1h30m`, `2d`, `1w`, in any
/// case. At most [`MAX_TTL`]; the sum is checked as it grows.
pub fn parse_ttl(text: &str) -> Option<u32> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().filter(|&ttl| ttl <= MAX_TTL);
    }
    let mut total: u32 = 0;
    let mut number: Option<u32> = None;
    for byte in text.bytes() {
        let unit = match byte.to_ascii_lowercase() {
            digit @ b'0'..=b'9' => {
                let value = number.unwrap_or(0);
                number = Some(
                    value
                        .checked_mul(10)?
                        .checked_add(u32::from(digit - b'0'))?,
                );
                continue;
            }
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
    }
    // A number after the last unit is not allowed: `1h30` is a mistake.
    match number {
        None => Some(total).filter(|&ttl| ttl <= MAX_TTL),
        Some(_) => None,
    }
}
// ANCHOR_END: ttl

/// What the reader knows as it goes down the file.
struct State {
    origin: Option<Name>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    owner: Option<Name>,
}

impl State {
    /// A name as the file writes it: `@`, relative or absolute.
    fn name(&self, token: &(Token, usize)) -> Result<Name, LineError> {
        let (token, line) = token;
        let Token::Word(text) = token else {
            return Err((Some(*line), ZoneErrorKind::UnexpectedString));
        };
        let bad = |error| (Some(*line), ZoneErrorKind::BadName(text.clone(), error));
        if text == "@" {
            return self
                .origin
                .clone()
                .ok_or((Some(*line), ZoneErrorKind::NoOrigin));
        }
        let (name, absolute) = name_from_text(text).map_err(bad)?;
        if absolute {
            return Ok(name);
        }
        let origin = self
            .origin
            .as_ref()
            .ok_or((Some(*line), ZoneErrorKind::NoOrigin))?;
        name.concat(origin).map_err(bad)
    }
}

/// The text of a word token, or the error for a quoted one.
fn word(token: &(Token, usize)) -> Result<&str, LineError> {
    match token {
        (Token::Word(text), _) => Ok(text),
        (Token::Quoted(_), line) => Err((Some(*line), ZoneErrorKind::UnexpectedString)),
    }
}

/// Reads one directive: `$ORIGIN name` or `$TTL ttl`.
fn directive(entry: &Entry, state: &mut State) -> Result<(), LineError> {
    let at = |kind| (Some(entry.line), kind);
    let keyword = word(&entry.tokens[0])?;
    let arguments = &entry.tokens[1..];
    if keyword.eq_ignore_ascii_case("$ORIGIN") {
        let [name] = arguments else {
            return Err(at(ZoneErrorKind::DirectiveArguments(
                "$ORIGIN needs one name",
            )));
        };
        state.origin = Some(state.name(name)?);
    } else if keyword.eq_ignore_ascii_case("$TTL") {
        let [ttl] = arguments else {
            return Err(at(ZoneErrorKind::DirectiveArguments("$TTL needs one TTL")));
        };
        let text = word(ttl)?;
        let ttl = parse_ttl(text).ok_or(at(ZoneErrorKind::BadTtl(text.to_string())))?;
        state.default_ttl = Some(ttl);
    } else {
        return Err(at(ZoneErrorKind::UnknownDirective(keyword.to_string())));
    }
    Ok(())
}

/// Reads one record entry.
fn record(entry: &Entry, state: &mut State) -> Result<Record, LineError> {
    let at = |kind| (Some(entry.line), kind);
    let mut tokens = entry.tokens.as_slice();
    let owner = match entry.blank_owner {
        true => state.owner.clone().ok_or(at(ZoneErrorKind::NoOwner))?,
        false => {
            let owner = state.name(&tokens[0])?;
            tokens = &tokens[1..];
            owner
        }
    };
    state.owner = Some(owner.clone());
    // [TTL] [class] or [class] [TTL], then the type.
    let mut ttl = None;
    let mut class = None;
    let rtype = loop {
        let (first, rest) = tokens.split_first().ok_or(at(ZoneErrorKind::NoType))?;
        let text = word(first)?;
        tokens = rest;
        let line = Some(first.1);
        if ttl.is_none() && text.starts_with(|c: char| c.is_ascii_digit()) {
            let value = parse_ttl(text).ok_or((line, ZoneErrorKind::BadTtl(text.to_string())))?;
            ttl = Some(value);
        } else if let (None, Some(found)) = (class, zone_class(text)) {
            if found != Class::IN {
                return Err((line, ZoneErrorKind::UnsupportedClass(found)));
            }
            class = Some(found);
        } else {
            break RecordType::from_name(text)
                .ok_or((line, ZoneErrorKind::UnknownType(text.to_string())))?;
        }
    };
    if let Some(ttl) = ttl {
        state.last_ttl = Some(ttl);
    }
    let ttl = ttl
        .or(state.default_ttl)
        .or(state.last_ttl)
        .ok_or(at(ZoneErrorKind::NoTtl))?;
    let data = record_data(rtype, tokens, state).map_err(|(line, kind)| match line {
        Some(line) => (Some(line), kind),
        None => at(kind),
    })?;
    Ok(Record {
        name: owner,
        class: Class::IN,
        ttl,
        data,
    })
}

/// A class as a zone file names it: `IN`, `CH`, `HS` or `CLASSn` (not
/// `ANY` or `NONE`, which no record has).
fn zone_class(text: &str) -> Option<Class> {
    Class::from_name(text).filter(|class| *class != Class::ANY && *class != Class::NONE)
}

/// The data of a record of `rtype`, from the tokens after its type. An
/// error without a line is on the record's first line.
fn record_data(
    rtype: RecordType,
    tokens: &[(Token, usize)],
    state: &State,
) -> Result<RecordData, LineError> {
    let fields = |needs| (None, ZoneErrorKind::Fields(needs));
    Ok(match rtype {
        RecordType::A => {
            let [address] = tokens else {
                return Err(fields("A needs one IPv4 address"));
            };
            let ip: Ipv4Addr = word(address)?
                .parse()
                .map_err(|_| (Some(address.1), ZoneErrorKind::BadAddress(rtype)))?;
            RecordData::A(ip)
        }
        RecordType::AAAA => {
            let [address] = tokens else {
                return Err(fields("AAAA needs one IPv6 address"));
            };
            let ip: Ipv6Addr = word(address)?
                .parse()
                .map_err(|_| (Some(address.1), ZoneErrorKind::BadAddress(rtype)))?;
            RecordData::Aaaa(ip)
        }
        RecordType::NS => {
            let [host] = tokens else {
                return Err(fields("NS needs one host name"));
            };
            RecordData::Ns(state.name(host)?)
        }
        RecordType::CNAME => {
            let [target] = tokens else {
                return Err(fields("CNAME needs one name, the one it is an alias of"));
            };
            RecordData::Cname(state.name(target)?)
        }
        RecordType::MX => {
            let [preference, host] = tokens else {
                return Err(fields("MX needs a preference and a host"));
            };
            let number = word(preference)?;
            let preference = match number.bytes().all(|b| b.is_ascii_digit()) {
                true => number.parse().ok(),
                false => None,
            };
            RecordData::Mx {
                preference: preference.ok_or((
                    Some(tokens[0].1),
                    ZoneErrorKind::BadNumber("the MX preference must be a number from 0 to 65535"),
                ))?,
                exchange: state.name(host)?,
            }
        }
        RecordType::TXT => {
            if tokens.is_empty() {
                return Err(fields("TXT needs at least one string"));
            }
            let mut strings = Vec::new();
            for (token, line) in tokens {
                let string = match token {
                    Token::Quoted(bytes) => bytes.clone(),
                    Token::Word(text) => word_string(text).map_err(|kind| (Some(*line), kind))?,
                };
                strings.push(string);
            }
            RecordData::Txt(strings)
        }
        RecordType::SOA => {
            let [mname, rname, serial, times @ ..] = tokens else {
                return Err(fields(SOA_FIELDS));
            };
            let [refresh, retry, expire, minimum] = times else {
                return Err(fields(SOA_FIELDS));
            };
            let serial_text = word(serial)?;
            let serial = match serial_text.bytes().all(|b| b.is_ascii_digit()) {
                true => serial_text.parse().ok(),
                false => None,
            };
            let time = |token: &(Token, usize)| -> Result<u32, LineError> {
                let text = word(token)?;
                parse_ttl(text).ok_or((Some(token.1), ZoneErrorKind::BadTtl(text.to_string())))
            };
            RecordData::Soa(Soa {
                mname: state.name(mname)?,
                rname: state.name(rname)?,
                serial: serial.ok_or((
                    Some(tokens[2].1),
                    ZoneErrorKind::BadNumber(
                        "the SOA serial must be a number from 0 to 4294967295",
                    ),
                ))?,
                refresh: time(refresh)?,
                retry: time(retry)?,
                expire: time(expire)?,
                minimum: time(minimum)?,
            })
        }
        other => return Err((None, ZoneErrorKind::UnsupportedType(other))),
    })
}

/// What an SOA record holds, for the error that says it is not all there.
const SOA_FIELDS: &str =
    "SOA needs a primary server, a mailbox, a serial, refresh, retry, expire and minimum";

impl Zone {
    /// Reads the zone file `text`, whose name `file` appears in errors.
    /// `origin` is the zone's name, if known (as the server's command line
    /// or BIND's `zone "example.test"` gives it); without it, the file must
    /// set `$ORIGIN` before any relative name, and the zone's top is the
    /// owner of its SOA record.
    pub fn parse(file: &str, text: &str, origin: Option<&Name>) -> Result<Zone, ZoneError> {
        Zone::parse_lines(text, origin).map_err(|(line, kind)| ZoneError {
            file: file.to_string(),
            line,
            kind,
        })
    }

    fn parse_lines(text: &str, origin: Option<&Name>) -> Result<Zone, LineError> {
        let mut state = State {
            origin: origin.cloned(),
            default_ttl: None,
            last_ttl: None,
            owner: None,
        };
        let mut records: Vec<(usize, Record)> = Vec::new();
        // Each owner's records so far, so that a duplicate is looked for
        // among them and not in the whole file.
        let mut by_name: HashMap<Name, Vec<usize>> = HashMap::new();
        for entry in entries(text)? {
            let first = word(&entry.tokens[0]).unwrap_or("");
            if !entry.blank_owner && first.starts_with('$') {
                directive(&entry, &mut state)?;
                continue;
            }
            let record = record(&entry, &mut state)?;
            // RFC 2181 §5: a set of records holds no duplicates.
            let same_name = by_name.entry(record.name.clone()).or_default();
            let duplicate = same_name.iter().any(|&i| {
                let seen = &records[i].1;
                seen.class == record.class && seen.data == record.data
            });
            if !duplicate {
                same_name.push(records.len());
                records.push((entry.line, record));
            }
        }
        let apex = check_soa(&records, origin)?;
        check_names(&records, &by_name, &apex)?;
        check_sizes(&records, &by_name)?;
        let mut names = HashSet::new();
        for (_, record) in &records {
            let mut at = Some(record.name.clone());
            // Up to the top, or to a name an earlier owner already added
            // with all its ancestors.
            while let Some(name) = at.filter(|name| name.is_in(&apex)) {
                at = name.parent();
                if !names.insert(name) {
                    break;
                }
            }
        }
        Ok(Zone {
            origin: apex,
            records: records.into_iter().map(|(_, record)| record).collect(),
            by_name,
            names,
        })
    }

    /// The zone's name: the owner of its SOA record.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// Every record, in the order of the file.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The zone's SOA record.
    pub fn soa(&self) -> &Record {
        // `parse` made sure there is exactly one.
        let mut at_top = self.records_at(&self.origin);
        let found = at_top.find(|r| r.rtype() == RecordType::SOA);
        found.unwrap_or(&self.records[0])
    }

    /// The records owned by `name`, in any case.
    pub fn records_at<'a>(&'a self, name: &'a Name) -> impl Iterator<Item = &'a Record> + 'a {
        let at = self
            .by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        at.iter().map(|&i| &self.records[i])
    }

    /// Whether `name` exists in the zone: it owns records, or a name
    /// below it does (an empty non-terminal, RFC 8020). Otherwise the
    /// answer is NXDOMAIN.
    pub fn exists(&self, name: &Name) -> bool {
        self.names.contains(name)
    }
}

/// One SOA, at the top of the zone, and NS records there; returns the
/// zone's top.
fn check_soa(records: &[(usize, Record)], origin: Option<&Name>) -> Result<Name, LineError> {
    let mut soas = records
        .iter()
        .filter(|(_, record)| record.rtype() == RecordType::SOA);
    let (line, soa) = soas.next().ok_or((None, ZoneErrorKind::NoSoa))?;
    if let Some((second, _)) = soas.next() {
        return Err((Some(*second), ZoneErrorKind::SecondSoa));
    }
    let apex = origin.cloned().unwrap_or_else(|| soa.name.clone());
    if soa.name != apex {
        return Err((Some(*line), ZoneErrorKind::SoaNotAtApex(soa.name.clone())));
    }
    // RFC 1034 §4.2.1: the top of a zone names its servers; BIND refuses
    // a zone without them, and so does this reader.
    let has_ns = records
        .iter()
        .any(|(_, record)| record.rtype() == RecordType::NS && record.name == apex);
    if !has_ns {
        return Err((None, ZoneErrorKind::NoNs));
    }
    Ok(apex)
}

/// Every owner inside the zone; no CNAME beside other data; an address
/// for every name server inside the zone.
fn check_names(
    records: &[(usize, Record)],
    by_name: &HashMap<Name, Vec<usize>>,
    apex: &Name,
) -> Result<(), LineError> {
    // For each name: whether it has a CNAME, and whether it has others.
    let mut seen: HashMap<&Name, (bool, bool)> = HashMap::new();
    for (line, record) in records {
        if !record.name.is_in(apex) {
            return Err((Some(*line), ZoneErrorKind::OutsideZone(record.name.clone())));
        }
        let (cname, other) = seen.entry(&record.name).or_default();
        let is_cname = record.rtype() == RecordType::CNAME;
        if *cname || (is_cname && *other) {
            return Err((
                Some(*line),
                ZoneErrorKind::CnameAndOtherData(record.name.clone()),
            ));
        }
        *cname |= is_cname;
        *other |= !is_cname;
    }
    // A server named inside the zone can only be reached through an
    // address the zone gives (glue, for a delegation); an alias will not
    // do either (RFC 2181 §10.3). BIND refuses both.
    for (line, record) in records {
        let RecordData::Ns(server) = &record.data else {
            continue;
        };
        let at_server = by_name.get(server).map(Vec::as_slice).unwrap_or_default();
        let has_address = at_server
            .iter()
            .any(|&i| matches!(records[i].1.data, RecordData::A(_) | RecordData::Aaaa(_)));
        if server.is_in(apex) && !has_address {
            return Err((Some(*line), ZoneErrorKind::NsWithoutAddress(server.clone())));
        }
    }
    Ok(())
}

/// Every record set fits in one message, with its question: otherwise no
/// answer, even over TCP, could carry it, and every query for it would
/// get SERVFAIL. The error names the last line of the set.
fn check_sizes(
    records: &[(usize, Record)],
    by_name: &HashMap<Name, Vec<usize>>,
) -> Result<(), LineError> {
    let mut checked = HashSet::new();
    for (_, record) in records {
        let rtype = record.rtype();
        if !checked.insert((&record.name, rtype)) {
            continue;
        }
        let at_name = by_name
            .get(&record.name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let set: Vec<&(usize, Record)> = at_name
            .iter()
            .map(|&i| &records[i])
            .filter(|(_, other)| other.rtype() == rtype)
            .collect();
        // One record of a few hundred bytes at most: no need to write it.
        let long_data = matches!(record.data, RecordData::Txt(_) | RecordData::Other { .. });
        if set.len() == 1 && !long_data {
            continue;
        }
        let mut answer = Message::query(0, record.name.clone(), rtype);
        answer.answers = set.iter().map(|(_, other)| other.clone()).collect();
        let last_line = set.last().map(|(line, _)| *line);
        if answer.emit() == Err(EmitError::MessageTooLong) {
            let kind = ZoneErrorKind::RecordSetTooLong(record.name.clone(), rtype);
            return Err((last_line, kind));
        }
    }
    Ok(())
}

impl fmt::Display for Zone {
    /// The zone as a file: one record a line, every name absolute.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ORIGIN {}", self.origin)?;
        for record in &self.records {
            writeln!(f, "{record}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    /// The chapter's zone file, as shipped.
    const EXAMPLE: &str = include_str!("../../lessons/04-dns/example.test.zone");

    /// The start every small test zone shares: its NS is outside the
    /// zone, so that it needs no address inside (BIND checks that).
    const HEAD: &str =
        "$ORIGIN example.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 2 3 4 5\n  NS ns.other.test.\n";

    /// The records of `HEAD` and then `body`, the SOA and NS left out.
    fn records(body: &str) -> Result<Vec<Record>, String> {
        let zone = Zone::parse("t.zone", &format!("{HEAD}{body}"), None);
        let zone = zone.map_err(|error| error.to_string())?;
        Ok(zone.records()[2..].to_vec())
    }

    fn rr(owner: &str, ttl: u32, data: RecordData) -> Record {
        Record {
            name: name(owner),
            class: Class::IN,
            ttl,
            data,
        }
    }

    #[test]
    fn the_chapters_zone_file_loads() {
        let zone = Zone::parse("example.test.zone", EXAMPLE, None).unwrap();
        assert_eq!(zone.origin(), &name("example.test."));
        let lines: Vec<String> = zone.records().iter().map(Record::to_string).collect();
        assert_eq!(
            lines,
            [
                "example.test.\t3600\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300",
                "example.test.\t3600\tIN\tNS\tns1.example.test.",
                "example.test.\t3600\tIN\tNS\tns2.example.test.",
                "example.test.\t3600\tIN\tMX\t10 mail.example.test.",
                "example.test.\t3600\tIN\tTXT\t\"v=spf1 mx -all\"",
                "ns1.example.test.\t3600\tIN\tA\t192.0.2.53",
                "ns2.example.test.\t3600\tIN\tA\t198.51.100.53",
                "www.example.test.\t3600\tIN\tA\t192.0.2.80",
                "www.example.test.\t3600\tIN\tAAAA\t2001:db8::80",
                "mail.example.test.\t300\tIN\tA\t192.0.2.25",
                "web.example.test.\t3600\tIN\tCNAME\twww.example.test.",
            ]
        );
        assert_eq!(zone.soa().rtype(), RecordType::SOA);
        let www = name("WWW.example.test.");
        assert_eq!(zone.records_at(&www).count(), 2);
    }

    #[test]
    fn zones_written_are_read_back() {
        let zone = Zone::parse("example.test.zone", EXAMPLE, None).unwrap();
        let text = zone.to_string();
        assert_eq!(Zone::parse("written", &text, None), Ok(zone));
    }

    #[test]
    fn a_bind_style_zone_reads() {
        // The habits of real zone files: tabs, comments everywhere, the
        // SOA over several lines, TTL and class in both orders, escapes.
        let text = "\
; a zone as BIND users write it
$TTL 2d\t; default
$ORIGIN test.
example\tIN\tSOA\tns1.example hostmaster.example. (
\t\t\t2024010101 ; serial
\t\t\t1H 15M 1W\t; refresh retry expire
\t\t\t1h30m )\t; minimum

$ORIGIN example.test.
@\t\tNS\tns1
\t\tNS\tns2.example.test.
ns1\tIN 300\tA\t192.0.2.53
ns2\t300 IN\tA\t192.0.2.54
txt\t\tTXT\t\"say \\\"hi\\\"\" unquoted \"\\065\\066\" \"semi;colon\" ( \"two\"
\t\t\t\"lines\" )
john\\.doe\tTXT\t\"a label with a dot\"
";
        let zone = Zone::parse("bind.zone", text, None).unwrap();
        assert_eq!(zone.origin(), &name("example.test."));
        let soa = &zone.records()[0];
        assert_eq!(
            soa.to_string(),
            "example.test.\t172800\tIN\tSOA\tns1.example.test. hostmaster.example. 2024010101 3600 900 604800 5400"
        );
        let txt_name = name("txt.example.test.");
        let txt = zone.records_at(&txt_name).next().unwrap();
        assert_eq!(
            txt.data,
            RecordData::Txt(vec![
                b"say \"hi\"".to_vec(),
                b"unquoted".to_vec(),
                b"AB".to_vec(),
                b"semi;colon".to_vec(),
                b"two".to_vec(),
                b"lines".to_vec(),
            ])
        );
        let ttls: Vec<u32> = zone.records().iter().map(|r| r.ttl).collect();
        assert_eq!(ttls, [172800, 172800, 172800, 300, 300, 172800, 172800]);
        let dotted = Name::from_labels([&b"john.doe"[..], b"example", b"test"]).unwrap();
        assert_eq!(zone.records_at(&dotted).count(), 1);
    }

    #[test]
    fn records_table() {
        use RecordData::*;
        let table: &[(&str, Record)] = &[
            (
                "www A 192.0.2.1",
                rr("www.example.test.", 3600, A([192, 0, 2, 1].into())),
            ),
            (
                "www IN A 192.0.2.1",
                rr("www.example.test.", 3600, A([192, 0, 2, 1].into())),
            ),
            (
                "www 60 A 192.0.2.1",
                rr("www.example.test.", 60, A([192, 0, 2, 1].into())),
            ),
            (
                "www in 1m a 192.0.2.1",
                rr("www.example.test.", 60, A([192, 0, 2, 1].into())),
            ),
            (
                "www.example.test. AAAA 2001:db8::1",
                rr(
                    "www.example.test.",
                    3600,
                    Aaaa("2001:db8::1".parse().unwrap()),
                ),
            ),
            (
                "@ NS ns1.other.test.",
                rr("example.test.", 3600, Ns(name("ns1.other.test."))),
            ),
            (
                "a CNAME @",
                rr("a.example.test.", 3600, Cname(name("example.test."))),
            ),
            (
                "@ MX 0 .",
                rr(
                    "example.test.",
                    3600,
                    Mx {
                        preference: 0,
                        exchange: Name::root(),
                    },
                ),
            ),
            ("t TXT \"\"", rr("t.example.test.", 3600, Txt(vec![vec![]]))),
            (
                "t TXT a\\032b",
                rr("t.example.test.", 3600, Txt(vec![b"a b".to_vec()])),
            ),
            (
                "*.wild A 192.0.2.9",
                rr("*.wild.example.test.", 3600, A([192, 0, 2, 9].into())),
            ),
        ];
        for (line, expected) in table {
            assert_eq!(records(line), Ok(vec![expected.clone()]), "{line}");
        }
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_fault() {
        // The body starts at line 5, after HEAD's four lines.
        let table = [
            ("mail MX 10", "t.zone:5: MX needs a preference and a host"),
            ("mail MX ten mail", "t.zone:5: the MX preference must be a number from 0 to 65535"),
            ("mail MX 65536 mail", "t.zone:5: the MX preference must be a number from 0 to 65535"),
            ("www A 192.0.2", "t.zone:5: A needs an IPv4 address such as 192.0.2.1"),
            ("www A ::1", "t.zone:5: A needs an IPv4 address such as 192.0.2.1"),
            ("www AAAA 192.0.2.1", "t.zone:5: AAAA needs an IPv6 address such as 2001:db8::1"),
            ("www A 192.0.2.1 192.0.2.2", "t.zone:5: A needs one IPv4 address"),
            ("www", "t.zone:5: the record ends before its type"),
            ("www 60", "t.zone:5: the record ends before its type"),
            ("www FOO x", "t.zone:5: unknown record type \"FOO\""),
            (
                "www PTR x",
                "t.zone:5: PTR records are not supported here: SOA, NS, A, AAAA, CNAME, MX and TXT are",
            ),
            ("www CH TXT x", "t.zone:5: class CH: only IN is served"),
            (
                "www 1x A 192.0.2.1",
                "t.zone:5: bad TTL \"1x\": seconds, or units as in 30s, 5m, 1h30m, 2d, 1w (at most 2147483647 s)",
            ),
            ("a..b A 192.0.2.1", "t.zone:5: bad name \"a..b\": a name has an empty label (two dots in a row)"),
            ("t TXT", "t.zone:5: TXT needs at least one string"),
            ("t TXT \"open", "t.zone:5: a quoted string does not end on its line"),
            ("t TXT \"\\999\"", "t.zone:5: a backslash escape is cut short or above \\255"),
            ("\"www\" A 192.0.2.1", "t.zone:5: a quoted string where a name or number belongs"),
            ("t TXT ( \"a\"\n\n", "t.zone:5: a ( is never closed"),
            ("\n\nt TXT \"a\" )", "t.zone:7: a ) with no ( before it"),
            ("$INCLUDE other.zone", "t.zone:5: $INCLUDE is not supported here: $ORIGIN and $TTL are"),
            ("$ORIGIN", "t.zone:5: $ORIGIN needs one name"),
            ("$TTL 1 2", "t.zone:5: $TTL needs one TTL"),
            ("mx MX 1 a\n\nmx CNAME www", "t.zone:7: mx.example.test. has a CNAME and other records: an alias can have nothing else (RFC 1034 §3.6.2)"),
            ("web CNAME www\nweb A 192.0.2.1", "t.zone:6: web.example.test. has a CNAME and other records: an alias can have nothing else (RFC 1034 §3.6.2)"),
            ("web CNAME www\nweb CNAME mail", "t.zone:6: web.example.test. has a CNAME and other records: an alias can have nothing else (RFC 1034 §3.6.2)"),
            ("@ SOA ns1 hostmaster 2 2 3 4 5", "t.zone:5: a second SOA record: a zone has one"),
            ("@ NS ns1", "t.zone:5: the name server ns1.example.test. is inside the zone but has no A or AAAA record in it"),
            ("@ NS ns1\nns1 CNAME www\nwww A 192.0.2.1", "t.zone:5: the name server ns1.example.test. is inside the zone but has no A or AAAA record in it"),
            ("a SOA ns1 hostmaster 1 2 3 4", "t.zone:5: SOA needs a primary server, a mailbox, a serial, refresh, retry, expire and minimum"),
        ];
        for (body, expected) in table {
            assert_eq!(records(body), Err(expected.to_string()), "{body:?}");
        }
    }

    #[test]
    fn zone_checks_table() {
        let soa = "@ 60 SOA ns1 hostmaster 1 2 3 4 5\n  60 NS ns.other.test.\n";
        let table = [
            (
                "$ORIGIN example.test.\n@ 60 NS ns1\n",
                "z: no SOA record: a zone starts with one",
            ),
            (
                "$ORIGIN example.test.\n@ 60 SOA ns1 hostmaster 1 2 3 4 5\nsub 60 NS ns1\n",
                "z: no NS record at the top of the zone: a zone names its servers",
            ),
            (
                &format!("$ORIGIN example.test.\n{soa}www.other.test. 60 A 192.0.2.1\n"),
                "z:4: www.other.test. is outside the zone",
            ),
            (
                "www 60 A 192.0.2.1\n",
                "z:1: a relative name, but no origin: add $ORIGIN before it",
            ),
            (
                "  60 A 192.0.2.1\n",
                "z:1: the first record starts with a blank, but has no owner before it",
            ),
            (
                "$ORIGIN example.test.\n@ SOA ns1 hostmaster 1 2 3 4 5\n",
                "z:2: no TTL: give one, or set $TTL at the top of the file",
            ),
        ];
        for (text, expected) in table {
            let error = Zone::parse("z", text, None).unwrap_err();
            assert_eq!(error.to_string(), expected, "{text:?}");
        }
        // With the origin given, an SOA elsewhere is not at the top.
        let text = format!("$ORIGIN other.test.\n{soa}");
        let error = Zone::parse("z", &text, Some(&name("example.test."))).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.kind, ZoneErrorKind::SoaNotAtApex(name("other.test.")));
    }

    #[test]
    fn the_origin_may_come_from_outside() {
        let text =
            "@ 60 SOA ns1 hostmaster 1 2 3 4 5\n  60 NS ns.other.test.\nwww 60 A 192.0.2.1\n";
        let zone = Zone::parse("z", text, Some(&name("example.test."))).unwrap();
        assert_eq!(zone.records()[2].name, name("www.example.test."));
    }

    #[test]
    fn a_delegation_with_its_glue_reads() {
        let got = records("sub NS ns.sub\nns.sub AAAA 2001:db8::53");
        let ns = RecordData::Ns(name("ns.sub.example.test."));
        let glue = RecordData::Aaaa("2001:db8::53".parse().unwrap());
        let expected = vec![
            rr("sub.example.test.", 3600, ns),
            rr("ns.sub.example.test.", 3600, glue),
        ];
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn duplicate_records_are_kept_once() {
        // RFC 2181 §5: a set has no duplicates; BIND drops them too.
        let got = records("www A 192.0.2.1\nwww 60 A 192.0.2.1\nwww A 192.0.2.2");
        let expected = vec![
            rr(
                "www.example.test.",
                3600,
                RecordData::A([192, 0, 2, 1].into()),
            ),
            rr(
                "www.example.test.",
                3600,
                RecordData::A([192, 0, 2, 2].into()),
            ),
        ];
        assert_eq!(got, Ok(expected));
    }

    #[test]
    fn ttls_table() {
        let table = [
            ("0", Some(0)),
            ("3600", Some(3600)),
            ("30s", Some(30)),
            ("5m", Some(300)),
            ("1h", Some(3600)),
            ("1H30M", Some(5400)),
            ("2d", Some(172800)),
            ("1w", Some(604800)),
            (
                "1w2d3h4m5s",
                Some(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
            ),
            ("2147483647", Some(MAX_TTL)),
            ("2147483648", None),
            ("99999999999999999999", None),
            ("3550w", Some(3550 * 604800)),
            ("3551w", None),
            ("99999999999w", None),
            ("1h30", None),
            ("h", None),
            ("1x", None),
            ("", None),
            ("-1", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_ttl(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_zone_of_many_records_loads_in_a_moment() {
        // Each record checked against every other took minutes at 100 000.
        let mut text = String::from(HEAD);
        for i in 0..20_000u32 {
            let [_, _, high, low] = i.to_be_bytes();
            text.push_str(&format!("h{i} A 10.0.{high}.{low}\n"));
        }
        let started = std::time::Instant::now();
        let zone = Zone::parse("big.zone", &text, None).unwrap();
        let took = started.elapsed();
        assert_eq!(zone.records().len(), 20_002);
        let h7 = name("h7.example.test.");
        assert_eq!(zone.records_at(&h7).count(), 1);
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn a_record_set_too_big_for_any_answer_is_refused() {
        // 300 strings of 254 bytes: about 77 000 bytes, past the 65535 a
        // message can hold, so that every answer would be SERVFAIL.
        let mut text = String::from(HEAD);
        for i in 0..300 {
            text.push_str(&format!("big TXT \"{i:03}{}\"\n", "x".repeat(250)));
        }
        let error = Zone::parse("z", &text, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "z:304: the TXT records of big.example.test. take more than the 65535 bytes of a message"
        );
        // 246 of them fit (266 bytes each), over TCP.
        let lines: Vec<&str> = text.lines().collect();
        assert!(Zone::parse("z", &lines[..4 + 246].join("\n"), None).is_ok());
        assert!(Zone::parse("z", &lines[..4 + 247].join("\n"), None).is_err());
    }
}

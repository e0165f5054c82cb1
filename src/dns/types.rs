//! The numbers of DNS: record types, classes, opcodes and response codes,
//! each a small wrapper around the number on the wire with the names of
//! the values this crate knows (RFC 1035 §3.2.2–§3.2.4, §4.1.1; RFC 3596
//! for AAAA; RFC 6891 for OPT and the extended response codes).
//!
//! They are numbers rather than closed enums because the wire may carry
//! any value: a type this crate has never heard of is still a type, shown
//! as `TYPE65280` in the generic form of RFC 3597 §5.

use std::fmt;

/// A record type (RFC 1035 §3.2.2), or a question type (§3.2.3), which
/// adds a few that match several records (`ANY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordType(pub u16);

impl RecordType {
    /// A host's IPv4 address.
    pub const A: RecordType = RecordType(1);
    /// An authoritative name server of the zone.
    pub const NS: RecordType = RecordType(2);
    /// The canonical name this name is an alias for.
    pub const CNAME: RecordType = RecordType(5);
    /// The start of a zone of authority.
    pub const SOA: RecordType = RecordType(6);
    /// A name for an address (in `in-addr.arpa.`).
    pub const PTR: RecordType = RecordType(12);
    /// A mail exchange for the name.
    pub const MX: RecordType = RecordType(15);
    /// Text strings.
    pub const TXT: RecordType = RecordType(16);
    /// A host's IPv6 address (RFC 3596 §2.1).
    pub const AAAA: RecordType = RecordType(28);
    /// The EDNS pseudo-record (RFC 6891 §6.1.1).
    pub const OPT: RecordType = RecordType(41);
    /// A zone transfer (question only).
    pub const AXFR: RecordType = RecordType(252);
    /// All records of the name (question only; `*` in RFC 1035).
    pub const ANY: RecordType = RecordType(255);

    const NAMES: &'static [(RecordType, &'static str)] = &[
        (RecordType::A, "A"),
        (RecordType::NS, "NS"),
        (RecordType::CNAME, "CNAME"),
        (RecordType::SOA, "SOA"),
        (RecordType::PTR, "PTR"),
        (RecordType::MX, "MX"),
        (RecordType::TXT, "TXT"),
        (RecordType::AAAA, "AAAA"),
        (RecordType::OPT, "OPT"),
        (RecordType::AXFR, "AXFR"),
        (RecordType::ANY, "ANY"),
    ];

    /// The type named `text`, in any case: a mnemonic (`MX`) or the
    /// generic `TYPE15` of RFC 3597 §5.
    pub fn from_name(text: &str) -> Option<RecordType> {
        let found = RecordType::NAMES
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text));
        match found {
            Some(&(rtype, _)) => Some(rtype),
            None => generic_number(text, "TYPE").map(RecordType),
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match RecordType::NAMES.iter().find(|(rtype, _)| rtype == self) {
            Some((_, name)) => f.write_str(name),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

/// A class (RFC 1035 §3.2.4): in practice always `IN`, the Internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Class(pub u16);

impl Class {
    /// The Internet.
    pub const IN: Class = Class(1);
    /// Chaos, kept alive by servers that answer `version.bind CH TXT`.
    pub const CH: Class = Class(3);
    /// Hesiod.
    pub const HS: Class = Class(4);
    /// "None", used by dynamic updates (RFC 2136 §2.4).
    pub const NONE: Class = Class(254);
    /// Any class (question only; `*` in RFC 1035).
    pub const ANY: Class = Class(255);

    const NAMES: &'static [(Class, &'static str)] = &[
        (Class::IN, "IN"),
        (Class::CH, "CH"),
        (Class::HS, "HS"),
        (Class::NONE, "NONE"),
        (Class::ANY, "ANY"),
    ];

    /// The class named `text`, in any case: `IN`, or the generic
    /// `CLASS1` of RFC 3597 §5.
    pub fn from_name(text: &str) -> Option<Class> {
        let found = Class::NAMES
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text));
        match found {
            Some(&(class, _)) => Some(class),
            None => generic_number(text, "CLASS").map(Class),
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Class::NAMES.iter().find(|(class, _)| class == self) {
            Some((_, name)) => f.write_str(name),
            None => write!(f, "CLASS{}", self.0),
        }
    }
}

/// The number in `TYPE123` or `CLASS123` (RFC 3597 §5): the prefix in any
/// case, then decimal digits only, at most 65535.
fn generic_number(text: &str, prefix: &str) -> Option<u16> {
    let head = text.get(..prefix.len())?;
    let digits = &text[prefix.len()..];
    if !head.eq_ignore_ascii_case(prefix)
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse().ok()
}

/// The kind of a message (RFC 1035 §4.1.1): four bits of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Opcode(u8);

impl Opcode {
    /// A standard query: the only one most servers answer.
    pub const QUERY: Opcode = Opcode(0);
    /// An inverse query, retired by RFC 3425.
    pub const IQUERY: Opcode = Opcode(1);
    /// A server status request.
    pub const STATUS: Opcode = Opcode(2);
    /// A zone change notification (RFC 1996).
    pub const NOTIFY: Opcode = Opcode(4);
    /// A dynamic update (RFC 2136).
    pub const UPDATE: Opcode = Opcode(5);

    /// The opcode of this number, if it fits in four bits.
    pub fn new(value: u8) -> Option<Opcode> {
        (value <= 0xF).then_some(Opcode(value))
    }

    /// The four bits.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Opcode::QUERY => f.write_str("QUERY"),
            Opcode::IQUERY => f.write_str("IQUERY"),
            Opcode::STATUS => f.write_str("STATUS"),
            Opcode::NOTIFY => f.write_str("NOTIFY"),
            Opcode::UPDATE => f.write_str("UPDATE"),
            Opcode(other) => write!(f, "OPCODE{other}"),
        }
    }
}

/// A response code: four bits in the header (RFC 1035 §4.1.1), and eight
/// more in the OPT record when there is one (RFC 6891 §6.1.3), twelve in
/// all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rcode(u16);

impl Rcode {
    /// No error.
    pub const NOERROR: Rcode = Rcode(0);
    /// The server could not read the query.
    pub const FORMERR: Rcode = Rcode(1);
    /// The server failed (it could not reach the zone's data, say).
    pub const SERVFAIL: Rcode = Rcode(2);
    /// The name does not exist (RFC 2308 calls it NXDOMAIN).
    pub const NXDOMAIN: Rcode = Rcode(3);
    /// The server does not do this kind of query.
    pub const NOTIMP: Rcode = Rcode(4);
    /// The server will not answer this, by policy.
    pub const REFUSED: Rcode = Rcode(5);
    /// An EDNS version the server does not speak (RFC 6891 §6.1.3).
    pub const BADVERS: Rcode = Rcode(16);

    /// The largest response code: twelve bits.
    pub const MAX: u16 = 0xFFF;

    /// The code of this number, if it fits in twelve bits.
    pub fn new(value: u16) -> Option<Rcode> {
        (value <= Rcode::MAX).then_some(Rcode(value))
    }

    /// The number.
    pub fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Rcode::NOERROR => f.write_str("NOERROR"),
            Rcode::FORMERR => f.write_str("FORMERR"),
            Rcode::SERVFAIL => f.write_str("SERVFAIL"),
            Rcode::NXDOMAIN => f.write_str("NXDOMAIN"),
            Rcode::NOTIMP => f.write_str("NOTIMP"),
            Rcode::REFUSED => f.write_str("REFUSED"),
            Rcode::BADVERS => f.write_str("BADVERS"),
            Rcode(other) => write!(f, "RCODE{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_table() {
        let table = [
            ("A", Some(RecordType::A)),
            ("aaaa", Some(RecordType::AAAA)),
            ("Mx", Some(RecordType::MX)),
            ("TYPE15", Some(RecordType::MX)),
            ("type65280", Some(RecordType(65280))),
            ("TYPE65536", None),
            ("TYPE", None),
            ("TYPE+1", None),
            ("TYPE1x", None),
            ("TYP", None),
            ("", None),
            ("WKS", None),
        ];
        for (text, expected) in table {
            assert_eq!(RecordType::from_name(text), expected, "{text:?}");
        }
        assert_eq!(RecordType::MX.to_string(), "MX");
        assert_eq!(RecordType(65280).to_string(), "TYPE65280");
    }

    #[test]
    fn class_names_table() {
        let table = [
            ("IN", Some(Class::IN)),
            ("in", Some(Class::IN)),
            ("CH", Some(Class::CH)),
            ("CLASS1", Some(Class::IN)),
            ("CLASS9", Some(Class(9))),
            ("CLASS", None),
            ("INTERNET", None),
        ];
        for (text, expected) in table {
            assert_eq!(Class::from_name(text), expected, "{text:?}");
        }
        assert_eq!(Class(9).to_string(), "CLASS9");
    }

    #[test]
    fn types_and_classes_shown_are_read_back() {
        for value in (0..=300).chain([32768, 65280, 65535]) {
            let rtype = RecordType(value);
            assert_eq!(RecordType::from_name(&rtype.to_string()), Some(rtype));
            let class = Class(value);
            assert_eq!(Class::from_name(&class.to_string()), Some(class));
        }
    }

    #[test]
    fn opcodes_and_rcodes_have_their_bits_only() {
        assert_eq!(Opcode::new(15).map(Opcode::value), Some(15));
        assert_eq!(Opcode::new(16), None);
        assert_eq!(Rcode::new(0xFFF).map(Rcode::value), Some(0xFFF));
        assert_eq!(Rcode::new(0x1000), None);
        assert_eq!(Rcode::NXDOMAIN.to_string(), "NXDOMAIN");
        assert_eq!(Rcode::new(23).unwrap().to_string(), "RCODE23");
        assert_eq!(Opcode::UPDATE.to_string(), "UPDATE");
    }
}

//! The DNS message: from bytes to a [`Message`] and back (RFC 1035 §4).
//!
//! Queries and answers have one format: a header of 12 bytes, then four
//! sections, whose lengths the header counts (§4.1):
//!
//! ```text
//!  +---------------------+
//!  |        Header       |  ID, flags, four counts
//!  +---------------------+
//!  |       Question      |  what is asked: name, type, class
//!  +---------------------+
//!  |        Answer       |  records that answer it
//!  +---------------------+
//!  |      Authority      |  records naming the zone's servers, or its SOA
//!  +---------------------+
//!  |      Additional     |  records that help (addresses of those servers)
//!  +---------------------+
//! ```
//!
//! The header (§4.1.1), two bytes a line:
//!
//! ```text
//!   ID                      chosen by the client, copied into the answer
//!   QR Opcode AA TC RD      QR: 1 in an answer; AA: authoritative;
//!   RA Z AD CD RCODE        TC: truncated; RD/RA: recursion desired/available;
//!                           AD/CD: DNSSEC bits of RFC 4035 §3.2, kept as sent
//!   QDCOUNT ANCOUNT NSCOUNT ARCOUNT
//! ```
//!
//! # EDNS (RFC 6891 §6)
//!
//! A client that can take UDP answers longer than 512 bytes says so with
//! an OPT pseudo-record in the additional section: its class field is the
//! largest UDP payload it accepts, its TTL field holds eight more bits of
//! the response code, the EDNS version and the DO bit, and its data is a
//! list of options. [`Message::edns`] holds it apart from the records, so
//! that there is exactly one (§6.1.1: a second is an error) and that it
//! stays when the answer is cut to fit ([`Message::emit_within`]).
//!
//! # What is refused
//!
//! The parser takes a whole datagram (or the bytes of one TCP frame, §4.2.2)
//! and reads all of it; it never panics and never allocates from a count
//! it has not checked against the bytes that are there:
//!
//! - a message shorter than what its header counts ([`MessageError::Truncated`],
//!   and before any record is read, [`MessageError::CountsTooLarge`] when
//!   even the smallest records could not fill the counts);
//! - a name with a pointer loop, a forward pointer, a label type other
//!   than a length or a pointer, or more than 255 bytes (see [`super::name`]);
//! - RDATA of a known type whose length is not RDLENGTH;
//! - bytes left over after the last record.

use super::name::{Compressor, Name, NameError};
use super::record::{read_rdata, write_rdata, Record, RecordError};
use super::types::{Class, Opcode, Rcode, RecordType};
use std::fmt;

/// The size of the header (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;

/// The largest message: TCP frames a message with a two-byte length
/// (RFC 1035 §4.2.2), and a UDP datagram cannot carry more either.
pub const MAX_MESSAGE_LEN: usize = 65535;

/// The largest UDP answer for a client that sent no EDNS: RFC 1035
/// §4.2.1. A longer answer is cut and marked truncated.
pub const MAX_UDP_LEN: usize = 512;

/// The largest UDP answer this crate sends, whatever size the client's
/// EDNS allows: 1232 bytes, the figure of DNS Flag Day 2020, fits in one
/// IPv6 packet on the smallest MTU IPv6 allows (1280, less the IPv6 and
/// UDP headers), so that no answer depends on IP fragments, which are
/// often dropped and can be forged.
pub const MAX_EDNS_UDP_LEN: usize = 1232;

/// The smallest question: the root name (one byte), type and class.
const MIN_QUESTION_LEN: usize = 1 + 4;

/// The smallest record: the root name, type, class, TTL and RDLENGTH.
const MIN_RECORD_LEN: usize = 1 + 10;

/// The header, without the four counts, which the sections give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Chosen by whoever asks; the answer carries the same.
    pub id: u16,
    /// QR: a response (`true`) or a query.
    pub response: bool,
    /// What kind of query.
    pub opcode: Opcode,
    /// AA: the answer comes from a server with authority for the name.
    pub authoritative: bool,
    /// TC: the answer was cut to fit; ask again over TCP.
    pub truncated: bool,
    /// RD: the client asks the server to resolve the name for it.
    pub recursion_desired: bool,
    /// RA: the server would have.
    pub recursion_available: bool,
    /// Z: the bit RFC 1035 reserved, which must be zero; kept as sent.
    pub z: bool,
    /// AD: the data was checked with DNSSEC (RFC 4035 §3.2.3).
    pub authentic_data: bool,
    /// CD: the client will check the signatures itself (RFC 4035 §3.2.2).
    pub checking_disabled: bool,
    /// The response code, all twelve bits: the header holds the low four,
    /// the OPT record the others.
    pub rcode: Rcode,
}

impl Header {
    /// The header of a new query: everything zero but the ID and RD.
    pub fn query(id: u16) -> Header {
        Header {
            id,
            response: false,
            opcode: Opcode::QUERY,
            authoritative: false,
            truncated: false,
            recursion_desired: true,
            recursion_available: false,
            z: false,
            authentic_data: false,
            checking_disabled: false,
            rcode: Rcode::NOERROR,
        }
    }

    /// Reads the first 12 bytes of a message, and its four counts. A
    /// server that cannot read the rest still has the ID and opcode to
    /// answer FORMERR or NOTIMP with. The response code is the header's
    /// four bits only.
    pub fn parse(message: &[u8]) -> Result<(Header, [u16; 4]), MessageError> {
        let bytes: &[u8; HEADER_LEN] = message
            .get(..HEADER_LEN)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(MessageError::Truncated)?;
        let [id0, id1, flags0, flags1, counts @ ..] = *bytes;
        let bit = |byte: u8, n: u8| byte & (1 << n) != 0;
        let header = Header {
            id: u16::from_be_bytes([id0, id1]),
            response: bit(flags0, 7),
            opcode: Opcode::new((flags0 >> 3) & 0xF).unwrap_or(Opcode::QUERY),
            authoritative: bit(flags0, 2),
            truncated: bit(flags0, 1),
            recursion_desired: bit(flags0, 0),
            recursion_available: bit(flags1, 7),
            z: bit(flags1, 6),
            authentic_data: bit(flags1, 5),
            checking_disabled: bit(flags1, 4),
            rcode: Rcode::new(u16::from(flags1 & 0xF)).unwrap_or(Rcode::NOERROR),
        };
        let count = |i: usize| u16::from_be_bytes([counts[2 * i], counts[2 * i + 1]]);
        Ok((header, [count(0), count(1), count(2), count(3)]))
    }

    /// The two bytes of flags, with the low four bits of the rcode.
    fn flags(&self) -> [u8; 2] {
        let bit = |set: bool, n: u8| u8::from(set) << n;
        let rcode_low = (self.rcode.value() & 0xF) as u8;
        [
            bit(self.response, 7)
                | self.opcode.value() << 3
                | bit(self.authoritative, 2)
                | bit(self.truncated, 1)
                | bit(self.recursion_desired, 0),
            bit(self.recursion_available, 7)
                | bit(self.z, 6)
                | bit(self.authentic_data, 5)
                | bit(self.checking_disabled, 4)
                | rcode_low,
        ]
    }
}

/// What is asked (RFC 1035 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name asked about.
    pub name: Name,
    /// The type asked for (or [`RecordType::ANY`]).
    pub qtype: RecordType,
    /// The class, [`Class::IN`].
    pub qclass: Class,
}

/// One option of the OPT record (RFC 6891 §6.1.2), its data as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnsOption {
    /// The option code (10 is a cookie, 12 padding...).
    pub code: u16,
    /// Its data.
    pub data: Vec<u8>,
}

/// The EDNS part of a message: the OPT pseudo-record (RFC 6891 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edns {
    /// The largest UDP payload the sender can receive (the OPT's class
    /// field). Below 512 means 512 (§6.2.5).
    pub udp_payload_size: u16,
    /// The EDNS version: 0 is the only one.
    pub version: u8,
    /// DO: the sender wants DNSSEC records (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 bits of flags, which must be zero; kept as sent.
    pub z: u16,
    /// The options, in order.
    pub options: Vec<EdnsOption>,
}

impl Edns {
    /// EDNS version 0 with this payload size, no flags and no options.
    pub fn new(udp_payload_size: u16) -> Edns {
        Edns {
            udp_payload_size,
            version: 0,
            dnssec_ok: false,
            z: 0,
            options: Vec::new(),
        }
    }
}

/// A whole DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// The question section: one question in practice.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section, without the OPT record.
    pub additional: Vec<Record>,
    /// The OPT record, if the message has one.
    pub edns: Option<Edns>,
}

/// Why bytes are not a DNS message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// The message ends inside its header, a question or a record.
    Truncated,
    /// The header counts more questions and records than the message
    /// has bytes for, even if each were as small as possible.
    CountsTooLarge,
    /// A name is not a valid name.
    Name(NameError),
    /// The RDATA of a record of this type is not as long as RDLENGTH says.
    BadRdataLength(RecordType),
    /// Bytes follow the last record the header counts.
    TrailingBytes,
    /// An OPT record in the answer or authority section.
    OptNotInAdditional,
    /// A second OPT record (RFC 6891 §6.1.1).
    DuplicateOpt,
    /// An OPT record whose owner is not the root (RFC 6891 §6.1.2).
    OptNameNotRoot,
}

impl From<NameError> for MessageError {
    fn from(error: NameError) -> MessageError {
        match error {
            NameError::Truncated => MessageError::Truncated,
            other => MessageError::Name(other),
        }
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::Truncated => f.write_str("the message ends before its last record"),
            MessageError::CountsTooLarge => {
                f.write_str("the header counts more records than the message has room for")
            }
            MessageError::Name(error) => write!(f, "bad name: {error}"),
            MessageError::BadRdataLength(rtype) => {
                write!(
                    f,
                    "the data of a {rtype} record is not the length RDLENGTH says"
                )
            }
            MessageError::TrailingBytes => f.write_str("bytes follow the last record"),
            MessageError::OptNotInAdditional => {
                f.write_str("an OPT record outside the additional section")
            }
            MessageError::DuplicateOpt => f.write_str("more than one OPT record"),
            MessageError::OptNameNotRoot => f.write_str("an OPT record not owned by the root"),
        }
    }
}

impl std::error::Error for MessageError {}

/// Why a message cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// Longer than [`MAX_MESSAGE_LEN`].
    MessageTooLong,
    /// Even the header, the questions and the OPT record do not fit in
    /// the limit given to [`Message::emit_within`].
    DoesNotFit,
    /// A response code above 15 needs an OPT record to hold its high bits.
    RcodeNeedsEdns,
    /// A record that cannot be written.
    Record(RecordError),
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::MessageTooLong => f.write_str("the message is longer than 65535 bytes"),
            EmitError::DoesNotFit => {
                f.write_str("the header and question alone are longer than the limit")
            }
            EmitError::RcodeNeedsEdns => {
                f.write_str("a response code above 15 needs an OPT record")
            }
            EmitError::Record(RecordError::CharacterStringTooLong) => {
                f.write_str("a TXT string is longer than 255 bytes")
            }
            EmitError::Record(RecordError::RawDataOfKnownType(rtype)) => {
                write!(f, "raw data for a {rtype} record (use its own variant)")
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// Reads big-endian numbers from a message, each checked against its end.
struct Reader<'a> {
    message: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], MessageError> {
        let bytes = self.message.get(self.at..self.at + N);
        let bytes = bytes.ok_or(MessageError::Truncated)?;
        self.at += N;
        Ok(bytes.try_into().unwrap_or([0; N]))
    }

    fn u16(&mut self) -> Result<u16, MessageError> {
        self.bytes().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, MessageError> {
        self.bytes().map(u32::from_be_bytes)
    }

    fn name(&mut self) -> Result<Name, MessageError> {
        let (name, after) = Name::read(self.message, self.at)?;
        self.at = after;
        Ok(name)
    }
}

/// One record as read, before OPT is told apart from the others.
enum ReadRecord {
    Record(Record),
    /// The OPT record, and the high eight bits of the rcode from its TTL.
    Opt(Edns, u8),
}

/// Reads one resource record (RFC 1035 §4.1.3).
fn read_record(reader: &mut Reader) -> Result<ReadRecord, MessageError> {
    let name = reader.name()?;
    let rtype = RecordType(reader.u16()?);
    let class = reader.u16()?;
    let ttl = reader.u32()?;
    let rdlength = usize::from(reader.u16()?);
    let start = reader.at;
    let end = start + rdlength;
    if end > reader.message.len() {
        return Err(MessageError::Truncated);
    }
    reader.at = end;
    if rtype == RecordType::OPT {
        if !name.is_root() {
            return Err(MessageError::OptNameNotRoot);
        }
        return read_opt(&reader.message[start..end], class, ttl);
    }
    Ok(ReadRecord::Record(Record {
        name,
        class: Class(class),
        ttl,
        data: read_rdata(reader.message, start, end, rtype)?,
    }))
}

/// Reads the OPT record's fields (RFC 6891 §6.1.2, §6.1.3):
///
/// ```text
///   CLASS  the requestor's UDP payload size
///   TTL    EXTENDED-RCODE (8 bits) VERSION (8 bits) DO (1 bit) Z (15 bits)
///   RDATA  { OPTION-CODE (16) OPTION-LENGTH (16) OPTION-DATA } ...
/// ```
fn read_opt(rdata: &[u8], class: u16, ttl: u32) -> Result<ReadRecord, MessageError> {
    let [extended_rcode, version, flags0, flags1] = ttl.to_be_bytes();
    let flags = u16::from_be_bytes([flags0, flags1]);
    let mut options = Vec::new();
    let mut rest = rdata;
    while !rest.is_empty() {
        let bad = MessageError::BadRdataLength(RecordType::OPT);
        let (code, len) = match rest {
            [c0, c1, l0, l1, ..] => (
                u16::from_be_bytes([*c0, *c1]),
                usize::from(u16::from_be_bytes([*l0, *l1])),
            ),
            _ => return Err(bad),
        };
        let data = rest.get(4..4 + len).ok_or(bad)?;
        options.push(EdnsOption {
            code,
            data: data.to_vec(),
        });
        rest = &rest[4 + len..];
    }
    let edns = Edns {
        udp_payload_size: class,
        version,
        dnssec_ok: flags & 0x8000 != 0,
        z: flags & 0x7FFF,
        options,
    };
    Ok(ReadRecord::Opt(edns, extended_rcode))
}

/// A message written out, with what [`Message::emit_within`] needs to cut
/// it: where each record ends, and the OPT record apart, to go last.
struct Encoded {
    /// Header, questions and records, the OPT record not included.
    bytes: Vec<u8>,
    /// Where the questions end.
    questions_end: usize,
    /// Where each record ends: answers, authority, additional.
    record_ends: Vec<usize>,
    /// The OPT record, empty if there is none.
    opt: Vec<u8>,
}

impl Message {
    /// A query for `name`, of type `qtype`, class IN, with RD set.
    pub fn query(id: u16, name: Name, qtype: RecordType) -> Message {
        Message {
            header: Header::query(id),
            questions: vec![Question {
                name,
                qtype,
                qclass: Class::IN,
            }],
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            edns: None,
        }
    }

    /// The largest UDP answer to this query: 512 bytes without EDNS,
    /// else the size its OPT record gives, but not below 512 (RFC 6891
    /// §6.2.5) nor above [`MAX_EDNS_UDP_LEN`].
    pub fn udp_answer_limit(&self) -> usize {
        match &self.edns {
            None => MAX_UDP_LEN,
            Some(edns) => usize::from(edns.udp_payload_size).clamp(MAX_UDP_LEN, MAX_EDNS_UDP_LEN),
        }
    }

    // ANCHOR: parse
    /// Reads a whole message: a UDP datagram, or one TCP frame without its
    /// two-byte length.
    pub fn parse(message: &[u8]) -> Result<Message, MessageError> {
        let (header, counts) = Header::parse(message)?;
        let [questions, answers, authority, additional] = counts.map(usize::from);
        // Counts are checked against the bytes before anything is read:
        // a header that claims 65535 records in a 40-byte datagram is
        // refused here, and no count is ever used to reserve memory.
        let least = HEADER_LEN
            + questions * MIN_QUESTION_LEN
            + (answers + authority + additional) * MIN_RECORD_LEN;
        if least > message.len() {
            return Err(MessageError::CountsTooLarge);
        }
        let mut reader = Reader {
            message,
            at: HEADER_LEN,
        };
        let mut parsed = Message {
            header,
            questions: Vec::new(),
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            edns: None,
        };
        for _ in 0..questions {
            parsed.questions.push(Question {
                name: reader.name()?,
                qtype: RecordType(reader.u16()?),
                qclass: Class(reader.u16()?),
            });
        }
        for _ in 0..answers {
            match read_record(&mut reader)? {
                ReadRecord::Record(record) => parsed.answers.push(record),
                ReadRecord::Opt(..) => return Err(MessageError::OptNotInAdditional),
            }
        }
        for _ in 0..authority {
            match read_record(&mut reader)? {
                ReadRecord::Record(record) => parsed.authority.push(record),
                ReadRecord::Opt(..) => return Err(MessageError::OptNotInAdditional),
            }
        }
        for _ in 0..additional {
            match read_record(&mut reader)? {
                ReadRecord::Record(record) => parsed.additional.push(record),
                ReadRecord::Opt(_, _) if parsed.edns.is_some() => {
                    return Err(MessageError::DuplicateOpt)
                }
                ReadRecord::Opt(edns, extended_rcode) => {
                    // The OPT record's eight bits go above the header's four.
                    let low = parsed.header.rcode.value();
                    let rcode = u16::from(extended_rcode) << 4 | low;
                    parsed.header.rcode = Rcode::new(rcode).unwrap_or(Rcode::SERVFAIL);
                    parsed.edns = Some(edns);
                }
            }
        }
        if reader.at != message.len() {
            return Err(MessageError::TrailingBytes);
        }
        Ok(parsed)
    }
    // ANCHOR_END: parse

    /// Writes the message, names compressed.
    pub fn emit(&self) -> Result<Vec<u8>, EmitError> {
        self.emit_within(MAX_MESSAGE_LEN)
    }

    // ANCHOR: emit_within
    /// Writes the message in at most `limit` bytes: a UDP answer must fit
    /// in 512 bytes, or in the size the client's EDNS allows
    /// ([`Message::udp_answer_limit`]).
    ///
    /// If the whole message is longer, whole records are left out from the
    /// end. RFC 2181 §9: when a record of the answer or authority section
    /// had to go, the answer is marked truncated (TC), and the client asks
    /// again over TCP; when only additional records go, they go a whole
    /// RRset at a time and TC stays clear, since the client can do without
    /// them. The questions and the OPT record always stay (RFC 6891 §7).
    pub fn emit_within(&self, limit: usize) -> Result<Vec<u8>, EmitError> {
        let limit = limit.min(MAX_MESSAGE_LEN);
        let encoded = self.encode()?;
        let kept = encoded.bytes.len() + encoded.opt.len();
        if kept <= limit {
            return Ok(encoded.assemble(encoded.record_ends.len(), false, self));
        }
        if encoded.questions_end + encoded.opt.len() > limit {
            return Err(EmitError::DoesNotFit);
        }
        // Each record's bytes only point back to earlier ones, so the
        // first `kept` records are a valid message on their own.
        let fits = |end: usize| end + encoded.opt.len() <= limit;
        let mut kept = encoded
            .record_ends
            .iter()
            .take_while(|&&end| fits(end))
            .count();
        let required = self.answers.len() + self.authority.len();
        let truncated = kept < required;
        if !truncated {
            let records: Vec<&Record> = self.records().collect();
            let same_rrset = |a: &Record, b: &Record| {
                a.name == b.name && a.rtype() == b.rtype() && a.class == b.class
            };
            while kept > required && same_rrset(records[kept - 1], records[kept]) {
                kept -= 1;
            }
        }
        Ok(encoded.assemble(kept, truncated, self))
    }
    // ANCHOR_END: emit_within

    /// The records of the three sections, in order.
    fn records(&self) -> impl Iterator<Item = &Record> {
        self.answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
    }

    /// Writes every part, noting where each record ends.
    fn encode(&self) -> Result<Encoded, EmitError> {
        if self.header.rcode.value() > 0xF && self.edns.is_none() {
            return Err(EmitError::RcodeNeedsEdns);
        }
        let mut bytes = Vec::with_capacity(MAX_UDP_LEN);
        bytes.extend_from_slice(&self.header.id.to_be_bytes());
        bytes.extend_from_slice(&self.header.flags());
        // The counts are written when it is known how many records fit.
        bytes.extend_from_slice(&[0; 8]);
        let mut names = Compressor::new();
        for question in &self.questions {
            names.write(&mut bytes, &question.name, true);
            bytes.extend_from_slice(&question.qtype.0.to_be_bytes());
            bytes.extend_from_slice(&question.qclass.0.to_be_bytes());
            check_length(&bytes)?;
        }
        let questions_end = bytes.len();
        let mut record_ends = Vec::new();
        for record in self.records() {
            names.write(&mut bytes, &record.name, true);
            bytes.extend_from_slice(&record.rtype().0.to_be_bytes());
            bytes.extend_from_slice(&record.class.0.to_be_bytes());
            bytes.extend_from_slice(&record.ttl.to_be_bytes());
            let rdlength_at = bytes.len();
            bytes.extend_from_slice(&[0, 0]);
            write_rdata(&mut bytes, &record.data, &mut names).map_err(EmitError::Record)?;
            check_length(&bytes)?;
            let rdlength = (bytes.len() - rdlength_at - 2) as u16;
            bytes[rdlength_at..rdlength_at + 2].copy_from_slice(&rdlength.to_be_bytes());
            record_ends.push(bytes.len());
        }
        let opt = match &self.edns {
            Some(edns) => encode_opt(edns, self.header.rcode),
            None => Vec::new(),
        };
        check_length(&opt)?;
        if bytes.len() + opt.len() > MAX_MESSAGE_LEN {
            return Err(EmitError::MessageTooLong);
        }
        Ok(Encoded {
            bytes,
            questions_end,
            record_ends,
            opt,
        })
    }
}

/// Past [`MAX_MESSAGE_LEN`], nothing can be sent; checked as the message
/// grows, so that no length written into it overflows.
fn check_length(bytes: &[u8]) -> Result<(), EmitError> {
    match bytes.len() <= MAX_MESSAGE_LEN {
        true => Ok(()),
        false => Err(EmitError::MessageTooLong),
    }
}

/// The OPT record: root owner, type 41, the fields of RFC 6891 §6.1.
fn encode_opt(edns: &Edns, rcode: Rcode) -> Vec<u8> {
    let mut opt = vec![0];
    opt.extend_from_slice(&RecordType::OPT.0.to_be_bytes());
    opt.extend_from_slice(&edns.udp_payload_size.to_be_bytes());
    let flags = u16::from(edns.dnssec_ok) << 15 | (edns.z & 0x7FFF);
    let extended_rcode = (rcode.value() >> 4) as u8;
    opt.extend_from_slice(&[extended_rcode, edns.version]);
    opt.extend_from_slice(&flags.to_be_bytes());
    let rdata_len: usize = edns.options.iter().map(|o| 4 + o.data.len()).sum();
    opt.extend_from_slice(&(rdata_len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    for option in &edns.options {
        opt.extend_from_slice(&option.code.to_be_bytes());
        let len = option.data.len().min(usize::from(u16::MAX)) as u16;
        opt.extend_from_slice(&len.to_be_bytes());
        opt.extend_from_slice(&option.data);
    }
    opt
}

impl Encoded {
    /// The message with its first `kept` records, TC set if `truncated`,
    /// the counts filled in and the OPT record last.
    fn assemble(&self, kept: usize, truncated: bool, message: &Message) -> Vec<u8> {
        let end = match kept {
            0 => self.questions_end,
            _ => self.record_ends[kept - 1],
        };
        let mut bytes = self.bytes[..end].to_vec();
        bytes.extend_from_slice(&self.opt);
        if truncated {
            bytes[2] |= 0b10;
        }
        let answers = kept.min(message.answers.len());
        let authority = (kept - answers).min(message.authority.len());
        let additional = kept - answers - authority + usize::from(!self.opt.is_empty());
        let counts = [message.questions.len(), answers, authority, additional];
        for (i, count) in counts.into_iter().enumerate() {
            // Each count is below 65535: the message holds more bytes
            // than that many questions or records would take.
            let count = count.min(usize::from(u16::MAX)) as u16;
            bytes[4 + 2 * i..6 + 2 * i].copy_from_slice(&count.to_be_bytes());
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::record::{RecordData, Soa};
    use std::net::Ipv4Addr;

    // Real messages, captured on the wire: dig 9.18 asking dnsmasq 2.90,
    // which served www.example.test (A 192.0.2.1, AAAA 2001:db8::1),
    // alias.example.test (CNAME www), an MX and a TXT of two strings for
    // example.test, and nothing else under example.test.

    /// `dig www.example.test A`: RD and AD set, EDNS 1232 with a cookie.
    const DIG_QUERY: &[u8] = b"\xb8\x7d\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x03www\x07example\x04test\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\xb1\xe3\x88\x97\x71\xfe\xc7\x1d";

    /// The answer to it.
    const A_REPLY: &[u8] = b"\xb8\x7d\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03www\x07example\x04test\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\xc0\x00\x02\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    /// `alias.example.test A`: the CNAME, then the A of its target, whose
    /// owner is a pointer into the CNAME's data.
    const CNAME_REPLY: &[u8] = b"\x6e\xcf\x85\x80\x00\x01\x00\x02\x00\x00\x00\x01\x05alias\x07example\x04test\x00\x00\x01\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x00\x00\x12\x03www\x07example\x04test\x00\xc0\x30\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\xc0\x00\x02\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    /// `example.test MX`.
    const MX_REPLY: &[u8] = b"\xda\x26\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x07example\x04test\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x00\x00\x15\x00\x0a\x04mail\x07example\x04test\x00\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    /// `example.test TXT`: two character strings.
    const TXT_REPLY: &[u8] = b"\xbc\x43\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x07example\x04test\x00\x00\x10\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x00\x00\x1d\x0ev=spf1 mx -all\x0dsecond string\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    /// `www.example.test AAAA`.
    const AAAA_REPLY: &[u8] = b"\x49\x65\x85\x80\x00\x01\x00\x01\x00\x00\x00\x01\x03www\x07example\x04test\x00\x00\x1c\x00\x01\xc0\x0c\x00\x1c\x00\x01\x00\x00\x00\x00\x00\x10\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    /// `nope.example.test A`: NXDOMAIN (dnsmasq adds no SOA).
    const NXDOMAIN_REPLY: &[u8] = b"\xbb\xd1\x81\x83\x00\x01\x00\x00\x00\x00\x00\x01\x04nope\x07example\x04test\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    const FIXTURES: &[&[u8]] = &[
        DIG_QUERY,
        A_REPLY,
        CNAME_REPLY,
        MX_REPLY,
        TXT_REPLY,
        AAAA_REPLY,
        NXDOMAIN_REPLY,
    ];

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    fn record(owner: &str, data: RecordData) -> Record {
        Record {
            name: name(owner),
            class: Class::IN,
            ttl: 0,
            data,
        }
    }

    fn dnsmasq_answer(id: u16, question: &str, qtype: RecordType) -> Message {
        let mut message = Message::query(id, name(question), qtype);
        message.header.response = true;
        message.header.authoritative = true;
        message.header.recursion_available = true;
        message.edns = Some(Edns::new(1232));
        message
    }

    #[test]
    fn digs_query_is_read() {
        let mut expected = Message::query(0xb87d, name("www.example.test."), RecordType::A);
        expected.header.authentic_data = true;
        expected.edns = Some(Edns {
            options: vec![EdnsOption {
                code: 10,
                data: b"\xb1\xe3\x88\x97\x71\xfe\xc7\x1d".to_vec(),
            }],
            ..Edns::new(1232)
        });
        assert_eq!(Message::parse(DIG_QUERY), Ok(expected.clone()));
        assert_eq!(expected.emit().unwrap(), DIG_QUERY);
        assert_eq!(expected.udp_answer_limit(), 1232);
    }

    #[test]
    fn real_answers_are_read() {
        let www = || name("www.example.test.");
        let a = RecordData::A(Ipv4Addr::new(192, 0, 2, 1));
        let mut cname = dnsmasq_answer(0x6ecf, "alias.example.test.", RecordType::A);
        cname.answers = vec![
            record("alias.example.test.", RecordData::Cname(www())),
            record("www.example.test.", a.clone()),
        ];
        let mut mx = dnsmasq_answer(0xda26, "example.test.", RecordType::MX);
        mx.answers = vec![record(
            "example.test.",
            RecordData::Mx {
                preference: 10,
                exchange: name("mail.example.test."),
            },
        )];
        let mut txt = dnsmasq_answer(0xbc43, "example.test.", RecordType::TXT);
        txt.answers = vec![record(
            "example.test.",
            RecordData::Txt(vec![b"v=spf1 mx -all".to_vec(), b"second string".to_vec()]),
        )];
        let mut aaaa = dnsmasq_answer(0x4965, "www.example.test.", RecordType::AAAA);
        aaaa.answers = vec![record(
            "www.example.test.",
            RecordData::Aaaa("2001:db8::1".parse().unwrap()),
        )];
        let mut nxdomain = dnsmasq_answer(0xbbd1, "nope.example.test.", RecordType::A);
        nxdomain.header.authoritative = false;
        nxdomain.header.rcode = Rcode::NXDOMAIN;
        let mut a_reply = dnsmasq_answer(0xb87d, "www.example.test.", RecordType::A);
        a_reply.answers = vec![record("www.example.test.", a)];
        for (bytes, expected) in [
            (CNAME_REPLY, cname),
            (MX_REPLY, mx),
            (TXT_REPLY, txt),
            (AAAA_REPLY, aaaa),
            (NXDOMAIN_REPLY, nxdomain),
            (A_REPLY, a_reply.clone()),
        ] {
            assert_eq!(Message::parse(bytes), Ok(expected));
        }
        // Compressed as dnsmasq compressed it: the same bytes.
        assert_eq!(a_reply.emit().unwrap(), A_REPLY);
    }

    #[test]
    fn fixtures_written_are_read_back() {
        for fixture in FIXTURES {
            let message = Message::parse(fixture).unwrap();
            let written = message.emit().unwrap();
            assert_eq!(Message::parse(&written), Ok(message));
            // This crate compresses the names in CNAME and MX data, which
            // dnsmasq writes in full: never longer than the original.
            assert!(written.len() <= fixture.len());
        }
    }

    #[test]
    fn every_prefix_of_a_real_message_is_refused() {
        for fixture in FIXTURES {
            for end in 0..fixture.len() {
                assert!(
                    Message::parse(&fixture[..end]).is_err(),
                    "{end} of {}",
                    fixture.escape_ascii()
                );
            }
        }
    }

    #[test]
    fn header_bits_are_each_in_their_place() {
        // One flag at a time, and where it lands in bytes 2 and 3.
        type Set = fn(&mut Header);
        let table: &[(Set, [u8; 2])] = &[
            (|h| h.response = true, [0x80, 0]),
            (|h| h.opcode = Opcode::UPDATE, [0x28, 0]),
            (|h| h.authoritative = true, [0x04, 0]),
            (|h| h.truncated = true, [0x02, 0]),
            (|h| h.recursion_desired = true, [0x01, 0]),
            (|h| h.recursion_available = true, [0, 0x80]),
            (|h| h.z = true, [0, 0x40]),
            (|h| h.authentic_data = true, [0, 0x20]),
            (|h| h.checking_disabled = true, [0, 0x10]),
            (|h| h.rcode = Rcode::REFUSED, [0, 0x05]),
        ];
        for (set, flags) in table {
            let mut message = Message::query(0x1234, Name::root(), RecordType::NS);
            message.header.recursion_desired = false;
            set(&mut message.header);
            let bytes = message.emit().unwrap();
            assert_eq!(bytes[..4], [0x12, 0x34, flags[0], flags[1]]);
            assert_eq!(Message::parse(&bytes), Ok(message));
        }
    }

    #[test]
    fn an_extended_rcode_goes_into_the_opt_record() {
        // RFC 6891 §6.1.3: BADVERS is 16, 0x10: 0 in the header, 1 in OPT.
        let mut message = Message::query(1, Name::root(), RecordType::NS);
        message.header.rcode = Rcode::BADVERS;
        assert_eq!(message.emit(), Err(EmitError::RcodeNeedsEdns));
        message.edns = Some(Edns {
            dnssec_ok: true,
            ..Edns::new(4096)
        });
        let bytes = message.emit().unwrap();
        assert_eq!(bytes[3] & 0xF, 0);
        let opt = &bytes[bytes.len() - 11..];
        assert_eq!(opt, b"\x00\x00\x29\x10\x00\x01\x00\x80\x00\x00\x00");
        assert_eq!(Message::parse(&bytes), Ok(message));
    }

    /// A message of `header` and records, counts as given.
    fn raw(counts: [u16; 4], body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0x12, 0x34, 0x81, 0x00];
        for count in counts {
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes.extend_from_slice(body);
        bytes
    }

    /// A question for `.` NS, and an A record owned by the root.
    const QUESTION: &[u8] = b"\x00\x00\x02\x00\x01";
    const A_RECORD: &[u8] = b"\x00\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01";
    const OPT_RECORD: &[u8] = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

    #[test]
    fn bad_messages_table() {
        use MessageError::*;
        let cat = |parts: &[&[u8]]| parts.concat();
        let table: Vec<(&str, Vec<u8>, MessageError)> = vec![
            ("short header", vec![0x12, 0x34, 0x81], Truncated),
            (
                "QDCOUNT 65535",
                raw([65535, 0, 0, 0], QUESTION),
                CountsTooLarge,
            ),
            (
                "ANCOUNT lies",
                raw([1, 2, 0, 0], &cat(&[QUESTION, A_RECORD])),
                CountsTooLarge,
            ),
            (
                "a count within reach, but short",
                raw([1, 1, 0, 0], &cat(&[QUESTION, &A_RECORD[..14]])),
                Truncated,
            ),
            (
                "trailing bytes",
                raw([1, 0, 0, 0], &cat(&[QUESTION, b"\0"])),
                TrailingBytes,
            ),
            (
                "QDCOUNT 0 with a question",
                raw([0, 0, 0, 0], QUESTION),
                TrailingBytes,
            ),
            (
                "a forward pointer",
                raw([1, 0, 0, 0], b"\xc0\x0e\x00\x00\x02\x00\x01"),
                Name(NameError::PointerNotBackwards),
            ),
            (
                "a pointer to itself",
                raw([1, 0, 0, 0], b"\xc0\x0c\x00\x02\x00\x01"),
                Name(NameError::PointerNotBackwards),
            ),
            (
                "a label of 64",
                raw([1, 0, 0, 0], &cat(&[b"\x40", &[b'a'; 64], QUESTION])),
                Name(NameError::BadLabelType),
            ),
            (
                "an A of 5 bytes",
                raw(
                    [1, 1, 0, 0],
                    &cat(&[
                        QUESTION,
                        b"\x00\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x05\xc0\x00\x02\x01\x00",
                    ]),
                ),
                BadRdataLength(RecordType::A),
            ),
            (
                "RDLENGTH past the end",
                raw(
                    [1, 1, 0, 0],
                    &cat(&[
                        QUESTION,
                        b"\x00\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x09\xc0\x00\x02\x01",
                    ]),
                ),
                Truncated,
            ),
            (
                "OPT as an answer",
                raw([1, 1, 0, 0], &cat(&[QUESTION, OPT_RECORD])),
                OptNotInAdditional,
            ),
            (
                "two OPT records",
                raw([1, 0, 0, 2], &cat(&[QUESTION, OPT_RECORD, OPT_RECORD])),
                DuplicateOpt,
            ),
            (
                "OPT not owned by the root",
                raw([1, 0, 0, 1], &cat(&[QUESTION, b"\x01a", OPT_RECORD])),
                OptNameNotRoot,
            ),
            (
                "an EDNS option cut short",
                raw(
                    [1, 0, 0, 1],
                    &cat(&[
                        QUESTION,
                        b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x05\x00\x0a\x00\x08\x01",
                    ]),
                ),
                BadRdataLength(RecordType::OPT),
            ),
        ];
        for (case, bytes, expected) in table {
            assert_eq!(Message::parse(&bytes), Err(expected), "{case}");
        }
    }

    #[test]
    fn a_name_of_256_bytes_is_refused() {
        // Four labels of 63 bytes and one of 2: 4 * 64 + 3 + 1 = 260.
        let mut question = Vec::new();
        for _ in 0..4 {
            question.push(63);
            question.extend_from_slice(&[b'a'; 63]);
        }
        question.extend_from_slice(b"\x02bb\x00\x00\x01\x00\x01");
        assert_eq!(
            Message::parse(&raw([1, 0, 0, 0], &question)),
            Err(MessageError::Name(NameError::NameTooLong))
        );
    }

    #[test]
    fn unknown_types_and_classes_are_kept_raw() {
        let body = [QUESTION, b"\x00\xff\x00\x00\x03\x00\x00\x00\x07\x00\x03abc"].concat();
        let bytes = raw([1, 1, 0, 0], &body);
        let message = Message::parse(&bytes).unwrap();
        assert_eq!(
            message.answers,
            [Record {
                name: Name::root(),
                class: Class::CH,
                ttl: 7,
                data: RecordData::Other {
                    rtype: RecordType(0xff00),
                    data: b"abc".to_vec()
                },
            }]
        );
        assert_eq!(message.emit().unwrap(), bytes);
    }

    /// An answer for `www.example.test A` with `n` A records, an SOA in
    /// authority and `extra` A records of two names in additional.
    fn big_answer(n: u8, extra: u8) -> Message {
        let mut message = dnsmasq_answer(7, "www.example.test.", RecordType::A);
        for i in 0..n {
            let data = RecordData::A(Ipv4Addr::new(192, 0, 2, i));
            message.answers.push(record("www.example.test.", data));
        }
        message.authority.push(record(
            "example.test.",
            RecordData::Soa(Soa {
                mname: name("ns1.example.test."),
                rname: name("hostmaster.example.test."),
                serial: 1,
                refresh: 7200,
                retry: 3600,
                expire: 1209600,
                minimum: 300,
            }),
        ));
        for i in 0..extra {
            let owner = if i < extra / 2 {
                "ns1.example.test."
            } else {
                "ns2.example.test."
            };
            let data = RecordData::A(Ipv4Addr::new(198, 51, 100, i));
            message.additional.push(record(owner, data));
        }
        message
    }

    #[test]
    fn an_answer_that_fits_is_not_cut() {
        let message = big_answer(3, 2);
        let whole = message.emit().unwrap();
        assert_eq!(message.emit_within(whole.len()), Ok(whole.clone()));
        assert_eq!(Message::parse(&whole).unwrap(), message);
    }

    #[test]
    fn a_long_answer_is_cut_to_whole_records_and_marked_truncated() {
        let message = big_answer(60, 0);
        assert!(message.emit().unwrap().len() > MAX_UDP_LEN);
        let cut = message.emit_within(MAX_UDP_LEN).unwrap();
        assert!(cut.len() <= MAX_UDP_LEN, "{}", cut.len());
        let read = Message::parse(&cut).unwrap();
        assert!(read.header.truncated);
        // A prefix of the answers, nothing of authority; OPT still there.
        let kept = read.answers.len();
        assert!(kept > 0 && kept < 60);
        assert_eq!(read.answers, message.answers[..kept]);
        assert!(read.authority.is_empty());
        assert_eq!(read.edns, message.edns);
        // Each record takes 16 bytes: one more would not have fitted.
        assert!(cut.len() + 16 > MAX_UDP_LEN);
    }

    #[test]
    fn additional_records_go_a_whole_rrset_at_a_time_without_tc() {
        // RFC 2181 §9: dropping additional data does not set TC.
        let message = big_answer(1, 40);
        let whole = message.emit().unwrap();
        // Room for everything but the last three records: the second
        // RRset (ns2, 20 records) goes whole.
        let limit = whole.len() - 3 * 16;
        let cut = message.emit_within(limit).unwrap();
        let read = Message::parse(&cut).unwrap();
        assert!(!read.header.truncated);
        assert_eq!(read.answers, message.answers);
        assert_eq!(read.authority, message.authority);
        assert_eq!(read.additional, message.additional[..20]);
        assert_eq!(read.edns, message.edns);
    }

    #[test]
    fn a_question_longer_than_the_limit_does_not_fit() {
        let message = big_answer(1, 0);
        assert_eq!(message.emit_within(20), Err(EmitError::DoesNotFit));
    }

    #[test]
    fn udp_answer_limits() {
        let mut query = Message::query(1, Name::root(), RecordType::NS);
        assert_eq!(query.udp_answer_limit(), 512);
        for (size, limit) in [
            (0, 512),
            (511, 512),
            (1232, 1232),
            (4096, 1232),
            (65535, 1232),
        ] {
            query.edns = Some(Edns::new(size));
            assert_eq!(query.udp_answer_limit(), limit, "{size}");
        }
    }

    #[test]
    fn a_message_past_65535_bytes_is_refused() {
        let mut message = Message::query(1, Name::root(), RecordType::TXT);
        let long = RecordData::Txt(vec![vec![b'x'; 255]; 255]);
        message.answers = vec![record("a.", long.clone()), record("b.", long)];
        assert_eq!(message.emit(), Err(EmitError::MessageTooLong));
    }
}

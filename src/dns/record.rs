//! Resource records: an owner name, a type, a class, a time to live, and
//! data whose layout depends on the type (RFC 1035 §3.2.1, §4.1.3).
//!
//! ```text
//!   NAME      the owner, compressed or not            www.example.test.
//!   TYPE      16 bits                                 1 (A)
//!   CLASS     16 bits                                 1 (IN)
//!   TTL       32 bits, seconds it may be cached       3600
//!   RDLENGTH  16 bits, the length of RDATA            4
//!   RDATA     RDLENGTH bytes                          c0 00 02 01 (192.0.2.1)
//! ```
//!
//! The types read into values here are those a small zone needs: A
//! (§3.4.1), AAAA (RFC 3596 §2.2), CNAME (§3.3.1), NS (§3.3.11), MX
//! (§3.3.9), TXT (§3.3.14) and SOA (§3.3.13). Any other type keeps its
//! RDATA as bytes, which is how RFC 3597 asks software to carry types it
//! does not know; OPT is the message's EDNS part, see
//! [`super::message::Edns`].
//!
//! RDLENGTH is checked against the data's own length: an A record of 5
//! bytes, or an MX whose name runs past RDLENGTH, is an error, not a guess.

use super::message::MessageError;
use super::name::{write_escaped, Compressor, Name};
use super::types::{Class, RecordType};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest character string, the unit of TXT data: one length byte
/// says how long it is (RFC 1035 §3.3).
pub const MAX_CHARACTER_STRING_LEN: usize = 255;

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The name it belongs to.
    pub name: Name,
    /// Its class, almost always [`Class::IN`].
    pub class: Class,
    /// How many seconds a resolver may keep it.
    pub ttl: u32,
    /// Its data, which also says its type.
    pub data: RecordData,
}

impl Record {
    /// The record's type, from its data.
    pub fn rtype(&self) -> RecordType {
        self.data.rtype()
    }
}

/// The start of a zone of authority (RFC 1035 §3.3.13): who edits it, and
/// the times secondaries and caches go by. Its `minimum` is, since RFC 2308
/// §4, how long a resolver may remember that a name does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// The primary name server of the zone.
    pub mname: Name,
    /// The mailbox of the person responsible, its `@` written as the
    /// first dot: `hostmaster.example.test.`.
    pub rname: Name,
    /// The version of the zone; secondaries copy it when it grows.
    pub serial: u32,
    /// Seconds between a secondary's checks of the serial.
    pub refresh: u32,
    /// Seconds before a failed check is tried again.
    pub retry: u32,
    /// Seconds after which a secondary that cannot reach the primary
    /// stops answering for the zone.
    pub expire: u32,
    /// The TTL of negative answers (RFC 2308 §4).
    pub minimum: u32,
}

/// The data of a record, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address (RFC 3596).
    Aaaa(Ipv6Addr),
    /// The name this one is an alias of.
    Cname(Name),
    /// A name server for the zone at the owner name.
    Ns(Name),
    /// A mail exchanger: lower preferences are tried first.
    Mx {
        /// The preference, lower first.
        preference: u16,
        /// The host that takes the mail.
        exchange: Name,
    },
    /// One or more character strings, each at most
    /// [`MAX_CHARACTER_STRING_LEN`] bytes: a long SPF or DKIM text is
    /// split into several, which readers join.
    Txt(Vec<Vec<u8>>),
    /// The start of authority.
    Soa(Soa),
    /// A type this crate does not read: its RDATA as it came. The type
    /// must not be one of the above, nor OPT.
    Other {
        /// The type.
        rtype: RecordType,
        /// The RDATA, uncompressed.
        data: Vec<u8>,
    },
}

impl RecordData {
    /// The type this data is of.
    pub fn rtype(&self) -> RecordType {
        match self {
            RecordData::A(_) => RecordType::A,
            RecordData::Aaaa(_) => RecordType::AAAA,
            RecordData::Cname(_) => RecordType::CNAME,
            RecordData::Ns(_) => RecordType::NS,
            RecordData::Mx { .. } => RecordType::MX,
            RecordData::Txt(_) => RecordType::TXT,
            RecordData::Soa(_) => RecordType::SOA,
            RecordData::Other { rtype, .. } => *rtype,
        }
    }
}

/// Whether RDATA of this type is read into a value rather than kept raw.
pub(crate) fn is_read_typed(rtype: RecordType) -> bool {
    matches!(
        rtype,
        RecordType::A
            | RecordType::AAAA
            | RecordType::CNAME
            | RecordType::NS
            | RecordType::MX
            | RecordType::TXT
            | RecordType::SOA
            | RecordType::OPT
    )
}

/// Reads the RDATA at `start..end` of `message` as data of `rtype`. Names
/// inside may point anywhere earlier in the message, but must end by `end`.
pub(crate) fn read_rdata(
    message: &[u8],
    start: usize,
    end: usize,
    rtype: RecordType,
) -> Result<RecordData, MessageError> {
    let bad_length = MessageError::BadRdataLength(rtype);
    let rdata = &message[start..end];
    let mut at = start;
    // A name inside RDATA, which must not run past its end.
    let name = |at: &mut usize| -> Result<Name, MessageError> {
        let (name, after) = Name::read(&message[..end], *at).map_err(|error| match error {
            super::name::NameError::Truncated => bad_length,
            other => MessageError::Name(other),
        })?;
        *at = after;
        Ok(name)
    };
    let data = match rtype {
        RecordType::A => {
            at = end;
            RecordData::A(Ipv4Addr::from(
                <[u8; 4]>::try_from(rdata).map_err(|_| bad_length)?,
            ))
        }
        RecordType::AAAA => {
            at = end;
            RecordData::Aaaa(Ipv6Addr::from(
                <[u8; 16]>::try_from(rdata).map_err(|_| bad_length)?,
            ))
        }
        RecordType::CNAME => RecordData::Cname(name(&mut at)?),
        RecordType::NS => RecordData::Ns(name(&mut at)?),
        RecordType::MX => {
            let preference = u16_at(message, at, end).ok_or(bad_length)?;
            at += 2;
            RecordData::Mx {
                preference,
                exchange: name(&mut at)?,
            }
        }
        RecordType::SOA => {
            let mname = name(&mut at)?;
            let rname = name(&mut at)?;
            let mut times = [0u32; 5];
            for time in &mut times {
                *time = u32_at(message, at, end).ok_or(bad_length)?;
                at += 4;
            }
            let [serial, refresh, retry, expire, minimum] = times;
            RecordData::Soa(Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            })
        }
        RecordType::TXT => {
            let mut strings = Vec::new();
            let mut rest = rdata;
            while let Some((&len, after)) = rest.split_first() {
                let len = usize::from(len);
                let string = after.get(..len).ok_or(bad_length)?;
                strings.push(string.to_vec());
                rest = &after[len..];
            }
            at = end;
            RecordData::Txt(strings)
        }
        _ => {
            at = end;
            RecordData::Other {
                rtype,
                data: rdata.to_vec(),
            }
        }
    };
    if at != end {
        return Err(bad_length);
    }
    Ok(data)
}

/// The big-endian `u16` at `at`, if it lies before `end`.
fn u16_at(message: &[u8], at: usize, end: usize) -> Option<u16> {
    let bytes = message.get(at..at + 2).filter(|_| at + 2 <= end)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// The big-endian `u32` at `at`, if it lies before `end`.
fn u32_at(message: &[u8], at: usize, end: usize) -> Option<u32> {
    let bytes = message.get(at..at + 4).filter(|_| at + 4 <= end)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Why a record cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// A TXT string longer than [`MAX_CHARACTER_STRING_LEN`].
    CharacterStringTooLong,
    /// Raw data under a type this codec reads itself, or OPT, which is
    /// the message's `edns`.
    RawDataOfKnownType(RecordType),
}

/// Appends the RDATA of `data` to `message`; names compressed where RFC
/// 3597 §4 allows it (the types of RFC 1035).
pub(crate) fn write_rdata(
    message: &mut Vec<u8>,
    data: &RecordData,
    names: &mut Compressor,
) -> Result<(), RecordError> {
    match data {
        RecordData::A(ip) => message.extend_from_slice(&ip.octets()),
        RecordData::Aaaa(ip) => message.extend_from_slice(&ip.octets()),
        RecordData::Cname(name) | RecordData::Ns(name) => names.write(message, name, true),
        RecordData::Mx {
            preference,
            exchange,
        } => {
            message.extend_from_slice(&preference.to_be_bytes());
            names.write(message, exchange, true);
        }
        RecordData::Txt(strings) => {
            for string in strings {
                let len =
                    u8::try_from(string.len()).map_err(|_| RecordError::CharacterStringTooLong)?;
                message.push(len);
                message.extend_from_slice(string);
            }
        }
        RecordData::Soa(soa) => {
            names.write(message, &soa.mname, true);
            names.write(message, &soa.rname, true);
            for time in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                message.extend_from_slice(&time.to_be_bytes());
            }
        }
        RecordData::Other { rtype, data } => {
            if is_read_typed(*rtype) {
                return Err(RecordError::RawDataOfKnownType(*rtype));
            }
            message.extend_from_slice(data);
        }
    }
    Ok(())
}

/// The bytes a quoted string escapes in text, beyond the unprintable ones.
const STRING_SPECIALS: &[u8] = b"\"\\";

/// Writes a character string as text: quoted, `"` and `\` after a
/// backslash, bytes outside printable ASCII as `\DDD` (RFC 1035 §5.1).
pub(crate) fn write_quoted(f: &mut impl fmt::Write, string: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &byte in string {
        match byte {
            b' ' => f.write_char(' ')?,
            _ => write_escaped(f, byte, STRING_SPECIALS)?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for RecordData {
    /// The data as a zone file and dig write it: `10 mail.example.test.`,
    /// `"v=spf1 -all"`; a type not read here in the generic form of RFC
    /// 3597 §5, `\# 3 0a0b0c`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordData::A(ip) => write!(f, "{ip}"),
            RecordData::Aaaa(ip) => write!(f, "{ip}"),
            RecordData::Cname(name) | RecordData::Ns(name) => write!(f, "{name}"),
            RecordData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {exchange}"),
            RecordData::Txt(strings) => {
                for (i, string) in strings.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write_quoted(f, string)?;
                }
                Ok(())
            }
            RecordData::Soa(soa) => write!(
                f,
                "{} {} {} {} {} {} {}",
                soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum
            ),
            RecordData::Other { data, .. } => {
                write!(f, "\\# {}", data.len())?;
                if !data.is_empty() {
                    f.write_str(" ")?;
                }
                for byte in data {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Record {
    /// One line as dig and zone files show it:
    /// `www.example.test.<TAB>3600<TAB>IN<TAB>A<TAB>192.0.2.1`, tabs
    /// between the fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.name,
            self.ttl,
            self.class,
            self.rtype(),
            self.data
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    #[test]
    fn rdata_table() {
        use MessageError::BadRdataLength;
        // Each RDATA starts at offset 2, after two bytes the names below
        // may not use; a name pointing to 0 would be wrong anyway.
        let table: &[(RecordType, &[u8], Result<RecordData, MessageError>)] = &[
            (
                RecordType::A,
                b"\xc0\x00\x02\x01",
                Ok(RecordData::A(Ipv4Addr::new(192, 0, 2, 1))),
            ),
            (RecordType::A, b"\xc0\x00\x02", Err(BadRdataLength(RecordType::A))),
            (RecordType::A, b"\xc0\x00\x02\x01\x00", Err(BadRdataLength(RecordType::A))),
            (
                RecordType::AAAA,
                b"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
                Ok(RecordData::Aaaa("2001:db8::1".parse().unwrap())),
            ),
            (RecordType::AAAA, b"\x20\x01", Err(BadRdataLength(RecordType::AAAA))),
            (
                RecordType::CNAME,
                b"\x03www\x04test\x00",
                Ok(RecordData::Cname(name("www.test."))),
            ),
            // The name goes on past RDLENGTH.
            (RecordType::CNAME, b"\x03www\x04te", Err(BadRdataLength(RecordType::CNAME))),
            // RDLENGTH goes on past the name.
            (RecordType::NS, b"\x03www\x00\x00", Err(BadRdataLength(RecordType::NS))),
            (
                RecordType::MX,
                b"\x00\x0a\x04mail\x00",
                Ok(RecordData::Mx {
                    preference: 10,
                    exchange: name("mail."),
                }),
            ),
            (RecordType::MX, b"\x00", Err(BadRdataLength(RecordType::MX))),
            (
                RecordType::TXT,
                b"\x05hello\x00\x02hi",
                Ok(RecordData::Txt(vec![b"hello".to_vec(), vec![], b"hi".to_vec()])),
            ),
            (RecordType::TXT, b"", Ok(RecordData::Txt(vec![]))),
            (RecordType::TXT, b"\x05hell", Err(BadRdataLength(RecordType::TXT))),
            (
                RecordType::SOA,
                b"\x02ns\x00\x05admin\x00\0\0\0\x01\0\0\x0e\x10\0\0\x03\x84\0\x09\x3a\x80\0\0\x01\x2c",
                Ok(RecordData::Soa(Soa {
                    mname: name("ns."),
                    rname: name("admin."),
                    serial: 1,
                    refresh: 3600,
                    retry: 900,
                    expire: 604800,
                    minimum: 300,
                })),
            ),
            (
                RecordType::SOA,
                b"\x02ns\x00\x05admin\x00\0\0\0\x01\0\0\x0e\x10",
                Err(BadRdataLength(RecordType::SOA)),
            ),
            (
                RecordType(99),
                b"\x01\x02",
                Ok(RecordData::Other {
                    rtype: RecordType(99),
                    data: vec![1, 2],
                }),
            ),
        ];
        for (rtype, rdata, expected) in table {
            let mut message = vec![0xFF, 0xFF];
            message.extend_from_slice(rdata);
            // Something after the RDATA, which it must not read.
            message.extend_from_slice(b"\x00\x00\x00");
            let end = 2 + rdata.len();
            assert_eq!(
                read_rdata(&message, 2, end, *rtype),
                *expected,
                "{rtype} {}",
                rdata.escape_ascii()
            );
        }
    }

    #[test]
    fn rdata_written_is_read_back() {
        let all = [
            RecordData::A(Ipv4Addr::new(192, 0, 2, 1)),
            RecordData::Aaaa("2001:db8::1".parse().unwrap()),
            RecordData::Cname(name("www.example.test.")),
            RecordData::Ns(name("ns1.example.test.")),
            RecordData::Mx {
                preference: 10,
                exchange: name("mail.example.test."),
            },
            RecordData::Txt(vec![b"v=spf1 mx -all".to_vec(), b"\"quoted\"".to_vec()]),
            RecordData::Soa(Soa {
                mname: name("ns1.example.test."),
                rname: name("hostmaster.example.test."),
                serial: 2024010101,
                refresh: 7200,
                retry: 3600,
                expire: 1209600,
                minimum: 300,
            }),
            RecordData::Other {
                rtype: RecordType(99),
                data: vec![0, 1, 2],
            },
        ];
        for data in all {
            let mut message = Vec::new();
            write_rdata(&mut message, &data, &mut Compressor::new()).unwrap();
            let read = read_rdata(&message, 0, message.len(), data.rtype());
            assert_eq!(read, Ok(data));
        }
    }

    #[test]
    fn data_that_cannot_be_written_is_refused() {
        let mut message = Vec::new();
        let long = RecordData::Txt(vec![vec![b'x'; 256]]);
        assert_eq!(
            write_rdata(&mut message, &long, &mut Compressor::new()),
            Err(RecordError::CharacterStringTooLong)
        );
        let raw_a = RecordData::Other {
            rtype: RecordType::A,
            data: vec![1, 2, 3, 4],
        };
        assert_eq!(
            write_rdata(&mut message, &raw_a, &mut Compressor::new()),
            Err(RecordError::RawDataOfKnownType(RecordType::A))
        );
    }

    #[test]
    fn records_shown_as_in_a_zone_file() {
        let record = |data| Record {
            name: name("www.example.test."),
            class: Class::IN,
            ttl: 3600,
            data,
        };
        let table = [
            (
                record(RecordData::A(Ipv4Addr::new(192, 0, 2, 1))),
                "www.example.test.\t3600\tIN\tA\t192.0.2.1",
            ),
            (
                record(RecordData::Txt(vec![
                    b"say \"hi\"".to_vec(),
                    b"back\\slash\x01".to_vec(),
                ])),
                "www.example.test.\t3600\tIN\tTXT\t\"say \\\"hi\\\"\" \"back\\\\slash\\001\"",
            ),
            (
                record(RecordData::Other {
                    rtype: RecordType(99),
                    data: vec![10, 11, 12],
                }),
                "www.example.test.\t3600\tIN\tTYPE99\t\\# 3 0a0b0c",
            ),
        ];
        for (record, expected) in table {
            assert_eq!(record.to_string(), expected);
        }
    }
}

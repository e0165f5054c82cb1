//! DNS (chapter 04): the messages of RFC 1035 read and written by hand,
//! and the zone files a name server answers from.
//!
//! Chapter 01 left names to `ToSocketAddrs`, which asks the system's
//! resolver. This module opens that box: the pure part (bytes and text
//! in, values out, no socket) holds the codec, the zone and the answer a
//! server gives; the I/O part, a server and a resolver, only moves bytes:
//!
//! | file | part | what it holds |
//! | --- | --- | --- |
//! | [`name`] | pure | domain names: labels, limits, text form, compression on read and write (RFC 1035 §3.1, §4.1.4) |
//! | [`types`] | pure | record types, classes, opcodes and response codes |
//! | [`record`] | pure | resource records: A, AAAA, CNAME, NS, MX, TXT, SOA, others kept raw (RFC 1035 §3.3, §3.4; RFC 3596) |
//! | [`message`] | pure | the message: header, question, sections, EDNS (RFC 1035 §4; RFC 6891 §6), cut to fit a UDP answer |
//! | [`zone`] | pure | the master file format (RFC 1035 §5) and the checks a zone must pass |
//! | [`answer`](mod@answer) | pure | the authoritative answer to a query from a zone (RFC 1034 §4.3.2, RFC 2308) |
//! | [`resolver`] | I/O | a stub query (UDP, TCP when truncated) and an iterative walk from the root (RFC 1034 §5.3.3) |
//! | [`show`] | pure | a message in dig's layout, and as a hex dump with its fields named |
//! | [`server`] | I/O | the authoritative server: UDP on several threads, TCP with length prefixes (RFC 1035 §4.2, RFC 7766) |

pub mod answer;
mod demo;
pub mod message;
pub mod name;
pub mod record;
pub mod resolver;
pub mod server;
pub mod show;
pub mod types;
pub mod zone;

pub use answer::{answer, respond, Ignored, Response, Transport};
pub use demo::demo;
pub use message::{Edns, EdnsOption, EmitError, Header, Message, MessageError, Question};
pub use name::{Compressor, Name, NameError};
pub use record::{Record, RecordData, Soa};
pub use resolver::{query, resolve, QueryOptions, ResolveError};
pub use server::{DnsConfig, DnsServer, DnsServerHandle};
pub use types::{Class, Opcode, Rcode, RecordType};
pub use zone::{Zone, ZoneError};

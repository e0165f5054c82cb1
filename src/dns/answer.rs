//! The authoritative answer: what a name server that holds one zone says
//! to a query, with no socket in sight (RFC 1034 §4.3.2, RFC 2308).
//!
//! [`respond`] takes the bytes of a datagram or a TCP frame and gives the
//! bytes to send back, or the reason to send nothing; [`answer`] is its
//! core, from a query [`Message`] to an answer `Message`, which is what
//! the table tests below compare, field by field.
//!
//! # The algorithm (RFC 1034 §4.3.2, for a server with one zone)
//!
//! ```text
//!  query for NAME, TYPE
//!    |
//!    |-- NAME not in the zone ---------------------------> REFUSED
//!    |-- a name between the zone's top and NAME
//!    |   (or NAME itself) has NS records: a delegation ---> referral: AA clear,
//!    |                                                      NS in authority,
//!    |                                                      their addresses in additional
//!    |-- NAME has records:
//!    |     a CNAME, and TYPE is not CNAME ----------------> the CNAME, then again for
//!    |                                                      its target (if in the zone)
//!    |     records of TYPE --------------------------------> them, AA set
//!    |     none of TYPE ------------------------------------> NODATA: NOERROR, empty,
//!    |                                                      the SOA in authority
//!    |-- NAME has no records, but names below it do ------> NODATA (an "empty
//!    |                                                      non-terminal", RFC 8020)
//!    `-- nothing at or below NAME -------------------------> NXDOMAIN, the SOA in authority
//! ```
//!
//! The SOA of a negative answer has the TTL `min(SOA TTL, SOA minimum)`
//! (RFC 2308 §3): how long a resolver may remember that the name, or the
//! type, does not exist. The answers to MX and NS queries, and referrals,
//! carry the addresses of the hosts they name in the additional section
//! when the zone has them (RFC 1035 §3.3.9, §3.3.11), which saves the
//! client a query; for a referral these are the *glue* without which a
//! resolver could not reach a zone whose servers are named inside it.
//!
//! # What is not answered
//!
//! - A message with QR set (a response) gets no answer at all: answering
//!   answers would let two servers, each told the other's address as the
//!   source of a forged "response", bounce datagrams between them forever
//!   (RFC 1035 §7.3 tells a resolver to drop them, and a server the same).
//!   A message too short for its header has no ID to answer with: it too
//!   is dropped.
//! - An opcode other than QUERY gets NOTIMP; a message that does not read,
//!   or whose question count is not 1 (RFC 9619), FORMERR; a name outside
//!   the zone, a class other than IN, or a zone transfer (AXFR, IXFR),
//!   REFUSED: this server holds one zone and gives no recursion (RA clear).
//! - An EDNS version other than 0 gets BADVERS (RFC 6891 §6.1.3).
//! - `ANY` is answered minimally (RFC 8482 §4.1): with *one* record set at
//!   the name, the first in the zone file's order. An ANY query that
//!   returns every record is a favourite tool of amplification attacks (a
//!   small forged query, a large answer sent to the victim); one record
//!   set keeps the answer as small as any other, and a client that wants
//!   a type asks for it.
//! - Wildcards (`*.example.test`) have no special meaning here: the zone
//!   reader would take `*` as an ordinary label.
//!
//! # EDNS and truncation
//!
//! A query with an OPT record gets one back (RFC 6891 §6.1.1), giving this
//! server's own UDP size ([`MAX_EDNS_UDP_LEN`]). A UDP answer is cut to
//! the size the query allows ([`Message::udp_answer_limit`]: 512 bytes,
//! or the client's EDNS size up to 1232) by [`Message::emit_within`],
//! which sets TC when an answer or authority record had to go; the client
//! then asks again over TCP, where the answer goes whole.

use super::message::{
    Edns, Header, Message, Question, MAX_EDNS_UDP_LEN, MAX_MESSAGE_LEN, MAX_UDP_LEN,
};
use super::name::Name;
use super::record::{Record, RecordData};
use super::types::{Class, Opcode, Rcode, RecordType};
use super::zone::Zone;
use std::fmt;

/// How many CNAME records one answer follows inside the zone. RFC 1034
/// §4.3.2 asks a server to follow the chain; a chain that loops
/// (`a CNAME b`, `b CNAME a`) must stop somewhere, and no sane zone has
/// aliases of aliases eight deep: BIND stops at 16, and a resolver
/// chases what is left.
pub const MAX_CNAME_CHAIN: usize = 8;

/// The type of a zone transfer of changes only (RFC 1995), refused with AXFR.
const IXFR: RecordType = RecordType(251);

/// How an answer travels, which decides its largest size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A datagram: cut to the client's size, with TC set if anything that
    /// matters had to go.
    Udp,
    /// A TCP frame: up to 65535 bytes.
    Tcp,
}

/// What to do with one datagram or frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// Send these bytes back (over TCP, after the two-byte length).
    Send(Vec<u8>),
    /// Send nothing.
    Ignore(Ignored),
}

/// Why a message gets no answer at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// Shorter than a header: there is no ID to answer with.
    NoHeader,
    /// QR is set: it is a response, and answering responses lets forged
    /// ones make two servers answer each other forever.
    NotAQuery,
    /// Not even a SERVFAIL could be written. A checked zone never gets
    /// here: a header, one question and an OPT record fit in 512 bytes.
    CannotWrite,
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ignored::NoHeader => "shorter than a DNS header",
            Ignored::NotAQuery => "a response (QR set), not a query",
            Ignored::CannotWrite => "no answer could be written",
        })
    }
}

// ANCHOR: respond
/// The bytes to send back for `request`, a datagram or the contents of a
/// TCP frame, from `zone`; or why nothing is sent. Never fails: whatever
/// the bytes, the client either gets an answer or nothing.
pub fn respond(zone: &Zone, request: &[u8], transport: Transport) -> Response {
    let Ok((header, _counts)) = Header::parse(request) else {
        return Response::Ignore(Ignored::NoHeader);
    };
    if header.response {
        return Response::Ignore(Ignored::NotAQuery);
    }
    let (reply, limit) = match Message::parse(request) {
        Ok(query) => (answer(zone, &query), udp_limit(&query, transport)),
        // The header read, the rest did not: FORMERR, with the ID (RFC
        // 1035 §4.1.1). No OPT: the query's own may be what is broken.
        Err(_) => (error_reply(&header, &[], Rcode::FORMERR, None), MAX_UDP_LEN),
    };
    let bytes = reply.emit_within(limit).or_else(|_| {
        // Only a zone whose records at one name pass 65535 bytes gets
        // here: say the server failed, which always fits.
        let edns = reply.edns.clone();
        error_reply(&reply.header, &reply.questions, Rcode::SERVFAIL, edns).emit_within(limit)
    });
    match bytes {
        Ok(bytes) => Response::Send(bytes),
        Err(_) => Response::Ignore(Ignored::CannotWrite),
    }
}
// ANCHOR_END: respond

/// The largest answer to `query` over `transport`.
fn udp_limit(query: &Message, transport: Transport) -> usize {
    match transport {
        Transport::Udp => query.udp_answer_limit(),
        Transport::Tcp => MAX_MESSAGE_LEN,
    }
}

// ANCHOR: answer
/// The answer of a server for `zone` to `query`, a message with QR clear
/// ([`respond`] drops the others). The header copies the ID, the opcode
/// and RD (RFC 1035 §4.1.1), and leaves RA clear: this server does not
/// recurse.
pub fn answer(zone: &Zone, query: &Message) -> Message {
    // RFC 6891 §7: a reply to a query with OPT carries OPT; §6.1.3: an
    // unknown version gets BADVERS and nothing else.
    // RFC 3225 §3: DO is copied from the query, even by a server that
    // signs nothing.
    let edns = query.edns.as_ref().map(|asked| Edns {
        dnssec_ok: asked.dnssec_ok,
        ..Edns::new(MAX_EDNS_UDP_LEN as u16)
    });
    let header = &query.header;
    if header.opcode != Opcode::QUERY {
        return error_reply(header, &query.questions, Rcode::NOTIMP, edns);
    }
    let [question] = query.questions.as_slice() else {
        return error_reply(header, &[], Rcode::FORMERR, edns);
    };
    if query.edns.as_ref().is_some_and(|edns| edns.version != 0) {
        return error_reply(header, &query.questions, Rcode::BADVERS, edns);
    }
    let refused = !question.name.is_in(zone.origin())
        || question.qclass != Class::IN
        || question.qtype == RecordType::AXFR
        || question.qtype == IXFR;
    if refused {
        return error_reply(header, &query.questions, Rcode::REFUSED, edns);
    }
    let mut reply = error_reply(header, &query.questions, Rcode::NOERROR, edns);
    reply.header.authoritative = true;
    lookup(zone, question, &mut reply);
    add_addresses(zone, &mut reply);
    reply
}
// ANCHOR_END: answer

/// An answer with no records: the query's ID, opcode and RD, this rcode.
fn error_reply(
    query: &Header,
    questions: &[Question],
    rcode: Rcode,
    edns: Option<Edns>,
) -> Message {
    Message {
        header: Header {
            id: query.id,
            response: true,
            opcode: query.opcode,
            authoritative: false,
            truncated: false,
            recursion_desired: query.recursion_desired,
            recursion_available: false,
            z: false,
            authentic_data: false,
            checking_disabled: query.checking_disabled,
            rcode,
        },
        questions: questions.to_vec(),
        answers: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
        edns,
    }
}

/// Fills the answer and authority sections for `question`, following
/// CNAMEs inside the zone up to [`MAX_CNAME_CHAIN`].
fn lookup(zone: &Zone, question: &Question, reply: &mut Message) {
    let mut name = question.name.clone();
    for _ in 0..=MAX_CNAME_CHAIN {
        if !name.is_in(zone.origin()) {
            return; // An alias out of the zone: the client chases it.
        }
        if let Some(cut) = delegation(zone, &name) {
            // The first name is delegated: a referral. A CNAME's target
            // that is: the chain so far, and the client asks on.
            if reply.answers.is_empty() {
                reply.header.authoritative = false;
                reply.authority = zone.records_at(&cut).filter(is_ns).cloned().collect();
            }
            return;
        }
        let here: Vec<&Record> = zone.records_at(&name).collect();
        let alias = here.iter().find_map(|record| match &record.data {
            RecordData::Cname(target) => Some((*record, target)),
            _ => None,
        });
        match alias {
            Some((record, target)) if question.qtype != RecordType::CNAME => {
                reply.answers.push(record.clone());
                name = target.clone();
                continue;
            }
            _ => {}
        }
        let wanted: Vec<Record> = match question.qtype {
            RecordType::ANY => first_rrset(&here),
            qtype => here
                .iter()
                .filter(|record| record.rtype() == qtype)
                .map(|record| (*record).clone())
                .collect(),
        };
        if !wanted.is_empty() {
            reply.answers.extend(wanted);
            return;
        }
        if !zone.exists(&name) {
            reply.header.rcode = Rcode::NXDOMAIN;
        }
        reply.authority.push(negative_soa(zone));
        return;
    }
    // The chain is longer than the bound (or loops): what was found goes,
    // and the client may ask for the last target itself.
}

/// The closest delegation at or above `name` and below the zone's top:
/// a name with NS records that is not the top itself.
fn delegation(zone: &Zone, name: &Name) -> Option<Name> {
    let origin = zone.origin();
    // From the top down: the cut nearest the top is the one that counts.
    let mut ancestors = Vec::new();
    let mut at = Some(name.clone());
    while let Some(current) = at {
        if current == *origin {
            break;
        }
        at = current.parent();
        ancestors.push(current);
    }
    ancestors
        .into_iter()
        .rev()
        .find(|candidate| zone.records_at(candidate).any(|r| is_ns(&r)))
}

fn is_ns(record: &&Record) -> bool {
    record.rtype() == RecordType::NS
}

/// The records of the first type at a name, in the file's order: the
/// minimal answer to ANY (RFC 8482 §4.1).
fn first_rrset(here: &[&Record]) -> Vec<Record> {
    let Some(first) = here.first() else {
        return Vec::new();
    };
    here.iter()
        .filter(|record| record.rtype() == first.rtype())
        .map(|record| (*record).clone())
        .collect()
}

/// The zone's SOA as a negative answer carries it: its TTL the smaller of
/// its own and its minimum field (RFC 2308 §3).
fn negative_soa(zone: &Zone) -> Record {
    let mut soa = zone.soa().clone();
    if let RecordData::Soa(data) = &soa.data {
        soa.ttl = soa.ttl.min(data.minimum);
    }
    soa
}

/// The addresses of the hosts that the answer's MX and NS records name,
/// and a referral's NS records, from the zone: each host once, A before
/// AAAA (RFC 1035 §3.3.9, §3.3.11).
fn add_addresses(zone: &Zone, reply: &mut Message) {
    let mut hosts: Vec<&Name> = Vec::new();
    for record in reply.answers.iter().chain(&reply.authority) {
        let host = match &record.data {
            RecordData::Mx { exchange, .. } => exchange,
            RecordData::Ns(host) => host,
            _ => continue,
        };
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let mut additional = Vec::new();
    for host in hosts {
        for rtype in [RecordType::A, RecordType::AAAA] {
            let found = zone.records_at(host).filter(|r| r.rtype() == rtype);
            additional.extend(found.cloned());
        }
    }
    reply.additional = additional;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::record::Soa;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// The chapter's zone, and a delegation, an alias chain, an alias out
    /// of the zone, an alias loop and a large TXT.
    const ZONE: &str = concat!(
        include_str!("../../lessons/04-dns/example.test.zone"),
        "\n",
        "sub     IN  NS    ns.sub\n",
        "        IN  NS    ns.other.test.\n",
        "ns.sub  IN  A     192.0.2.99\n",
        "alias2  IN  CNAME web\n",
        "outside IN  CNAME www.other.test.\n",
        "loop1   IN  CNAME loop2\n",
        "loop2   IN  CNAME loop1\n",
        "a.b.c   IN  A     192.0.2.7\n",
    );

    fn zone() -> Zone {
        Zone::parse("test.zone", ZONE, None).unwrap()
    }

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    fn record(owner: &str, ttl: u32, data: RecordData) -> Record {
        Record {
            name: name(owner),
            class: Class::IN,
            ttl,
            data,
        }
    }

    fn a(owner: &str, ttl: u32, ip: [u8; 4]) -> Record {
        record(owner, ttl, RecordData::A(Ipv4Addr::from(ip)))
    }

    /// The zone's SOA as negative answers carry it: TTL min(1h, 5m).
    fn negative() -> Record {
        record(
            "example.test.",
            300,
            RecordData::Soa(Soa {
                mname: name("ns1.example.test."),
                rname: name("hostmaster.example.test."),
                serial: 2024010101,
                refresh: 7200,
                retry: 3600,
                expire: 1209600,
                minimum: 300,
            }),
        )
    }

    fn query(qname: &str, qtype: RecordType) -> Message {
        Message::query(0x1234, name(qname), qtype)
    }

    /// What every answer here starts as: the query's ID, question and RD,
    /// QR and AA set, NOERROR.
    fn reply_to(query: &Message) -> Message {
        let mut reply = query.clone();
        reply.header.response = true;
        reply.header.authoritative = true;
        reply
    }

    fn with(mut reply: Message, change: impl FnOnce(&mut Message)) -> Message {
        change(&mut reply);
        reply
    }

    #[test]
    fn answers_table() {
        use RecordType as T;
        let www_a = a("www.example.test.", 3600, [192, 0, 2, 80]);
        let www_aaaa = record(
            "www.example.test.",
            3600,
            RecordData::Aaaa("2001:db8::80".parse::<Ipv6Addr>().unwrap()),
        );
        let ns1 = a("ns1.example.test.", 3600, [192, 0, 2, 53]);
        let ns2 = a("ns2.example.test.", 3600, [198, 51, 100, 53]);
        let apex_ns = |host: &str| record("example.test.", 3600, RecordData::Ns(name(host)));
        let web = record(
            "web.example.test.",
            3600,
            RecordData::Cname(name("www.example.test.")),
        );
        let sub_ns = |host: &str| record("sub.example.test.", 3600, RecordData::Ns(name(host)));
        let table: Vec<(&str, Message, Message)> = vec![
            (
                "an A record",
                query("www.example.test.", T::A),
                with(reply_to(&query("www.example.test.", T::A)), |r| {
                    r.answers = vec![www_a.clone()]
                }),
            ),
            (
                "the question's case is kept, the records' too",
                query("WWW.Example.TEST.", T::AAAA),
                with(reply_to(&query("WWW.Example.TEST.", T::AAAA)), |r| {
                    r.answers = vec![www_aaaa.clone()]
                }),
            ),
            (
                "MX: the exchange's address in additional",
                query("example.test.", T::MX),
                with(reply_to(&query("example.test.", T::MX)), |r| {
                    r.answers = vec![record(
                        "example.test.",
                        3600,
                        RecordData::Mx {
                            preference: 10,
                            exchange: name("mail.example.test."),
                        },
                    )];
                    r.additional = vec![a("mail.example.test.", 300, [192, 0, 2, 25])];
                }),
            ),
            (
                "NS at the top: both servers' addresses",
                query("example.test.", T::NS),
                with(reply_to(&query("example.test.", T::NS)), |r| {
                    r.answers = vec![apex_ns("ns1.example.test."), apex_ns("ns2.example.test.")];
                    r.additional = vec![ns1.clone(), ns2.clone()];
                }),
            ),
            (
                "SOA",
                query("example.test.", T::SOA),
                with(reply_to(&query("example.test.", T::SOA)), |r| {
                    r.answers = vec![with_ttl(negative(), 3600)]
                }),
            ),
            (
                "a CNAME and its target's records (RFC 1034 §4.3.2)",
                query("web.example.test.", T::A),
                with(reply_to(&query("web.example.test.", T::A)), |r| {
                    r.answers = vec![web.clone(), www_a.clone()]
                }),
            ),
            (
                "a chain of two CNAMEs",
                query("alias2.example.test.", T::AAAA),
                with(reply_to(&query("alias2.example.test.", T::AAAA)), |r| {
                    r.answers = vec![
                        record(
                            "alias2.example.test.",
                            3600,
                            RecordData::Cname(name("web.example.test.")),
                        ),
                        web.clone(),
                        www_aaaa.clone(),
                    ]
                }),
            ),
            (
                "a CNAME asked for is not followed",
                query("web.example.test.", T::CNAME),
                with(reply_to(&query("web.example.test.", T::CNAME)), |r| {
                    r.answers = vec![web.clone()]
                }),
            ),
            (
                "a CNAME whose target has no such type: the CNAME and NODATA's SOA",
                query("web.example.test.", T::MX),
                with(reply_to(&query("web.example.test.", T::MX)), |r| {
                    r.answers = vec![web.clone()];
                    r.authority = vec![negative()];
                }),
            ),
            (
                "a CNAME out of the zone: the client chases it",
                query("outside.example.test.", T::A),
                with(reply_to(&query("outside.example.test.", T::A)), |r| {
                    r.answers = vec![record(
                        "outside.example.test.",
                        3600,
                        RecordData::Cname(name("www.other.test.")),
                    )]
                }),
            ),
            (
                "NODATA: the name exists, not the type (RFC 2308 §2.2)",
                query("www.example.test.", T::MX),
                with(reply_to(&query("www.example.test.", T::MX)), |r| {
                    r.authority = vec![negative()]
                }),
            ),
            (
                "NODATA for an empty non-terminal (RFC 8020)",
                query("b.c.example.test.", T::A),
                with(reply_to(&query("b.c.example.test.", T::A)), |r| {
                    r.authority = vec![negative()]
                }),
            ),
            (
                "NXDOMAIN: the SOA in authority (RFC 2308 §2.1)",
                query("nope.example.test.", T::A),
                with(reply_to(&query("nope.example.test.", T::A)), |r| {
                    r.header.rcode = Rcode::NXDOMAIN;
                    r.authority = vec![negative()];
                }),
            ),
            (
                "a referral: AA clear, NS in authority, glue in additional",
                query("www.sub.example.test.", T::A),
                with(reply_to(&query("www.sub.example.test.", T::A)), |r| {
                    r.header.authoritative = false;
                    r.authority = vec![sub_ns("ns.sub.example.test."), sub_ns("ns.other.test.")];
                    r.additional = vec![a("ns.sub.example.test.", 3600, [192, 0, 2, 99])];
                }),
            ),
            (
                "the delegated name itself, NS: still a referral (the child answers)",
                query("sub.example.test.", T::NS),
                with(reply_to(&query("sub.example.test.", T::NS)), |r| {
                    r.header.authoritative = false;
                    r.authority = vec![sub_ns("ns.sub.example.test."), sub_ns("ns.other.test.")];
                    r.additional = vec![a("ns.sub.example.test.", 3600, [192, 0, 2, 99])];
                }),
            ),
            (
                "ANY: one record set only (RFC 8482)",
                query("example.test.", T::ANY),
                with(reply_to(&query("example.test.", T::ANY)), |r| {
                    r.answers = vec![with_ttl(negative(), 3600)]
                }),
            ),
            (
                "ANY at an alias: the CNAME, then the target's first set",
                query("web.example.test.", T::ANY),
                with(reply_to(&query("web.example.test.", T::ANY)), |r| {
                    r.answers = vec![web.clone(), www_a.clone()]
                }),
            ),
            (
                "a name outside the zone: REFUSED, AA clear",
                query("www.other.test.", T::A),
                with(reply_to(&query("www.other.test.", T::A)), |r| {
                    r.header.authoritative = false;
                    r.header.rcode = Rcode::REFUSED;
                }),
            ),
            (
                "a zone transfer: REFUSED",
                query("example.test.", T::AXFR),
                with(reply_to(&query("example.test.", T::AXFR)), |r| {
                    r.header.authoritative = false;
                    r.header.rcode = Rcode::REFUSED;
                }),
            ),
        ];
        for (case, query, expected) in table {
            assert_eq!(answer(&zone(), &query), expected, "{case}");
        }
    }

    fn with_ttl(mut record: Record, ttl: u32) -> Record {
        record.ttl = ttl;
        record
    }

    #[test]
    fn a_cname_loop_stops_at_the_bound() {
        let reply = answer(&zone(), &query("loop1.example.test.", RecordType::A));
        assert_eq!(reply.header.rcode, Rcode::NOERROR);
        assert!(reply.header.authoritative);
        // The first, then one more per step of the bound.
        assert_eq!(reply.answers.len(), MAX_CNAME_CHAIN + 1);
        assert!(reply.answers.iter().all(|r| r.rtype() == RecordType::CNAME));
    }

    #[test]
    fn header_bits_of_an_answer() {
        // RD is copied, RA clear (no recursion here), CD copied, AD clear.
        let mut asked = query("www.example.test.", RecordType::A);
        asked.header.recursion_desired = false;
        asked.header.checking_disabled = true;
        asked.header.authentic_data = true;
        let reply = answer(&zone(), &asked);
        let h = reply.header;
        assert!(h.response && h.authoritative && h.checking_disabled);
        assert!(!h.recursion_desired && !h.recursion_available && !h.authentic_data);
        asked.header.recursion_desired = true;
        assert!(answer(&zone(), &asked).header.recursion_desired);
    }

    #[test]
    fn other_opcodes_get_notimp() {
        let mut asked = query("example.test.", RecordType::SOA);
        asked.header.opcode = Opcode::UPDATE;
        let expected = with(reply_to(&asked), |r| {
            r.header.authoritative = false;
            r.header.rcode = Rcode::NOTIMP;
        });
        assert_eq!(answer(&zone(), &asked), expected);
    }

    #[test]
    fn a_question_count_other_than_one_gets_formerr() {
        let mut none = query("example.test.", RecordType::SOA);
        none.questions.clear();
        let mut two = query("example.test.", RecordType::SOA);
        two.questions.push(two.questions[0].clone());
        for asked in [none, two] {
            let reply = answer(&zone(), &asked);
            let expected = with(reply_to(&asked), |r| {
                r.header.authoritative = false;
                r.header.rcode = Rcode::FORMERR;
                r.questions.clear();
            });
            assert_eq!(reply, expected);
        }
    }

    #[test]
    fn another_class_is_refused() {
        let mut asked = query("version.bind.", RecordType::TXT);
        asked.questions[0].qclass = Class::CH;
        assert_eq!(answer(&zone(), &asked).header.rcode, Rcode::REFUSED);
        let mut asked = query("www.example.test.", RecordType::A);
        asked.questions[0].qclass = Class::CH;
        assert_eq!(answer(&zone(), &asked).header.rcode, Rcode::REFUSED);
    }

    #[test]
    fn edns_is_answered_with_this_servers_size() {
        let mut asked = query("www.example.test.", RecordType::A);
        asked.edns = Some(Edns::new(4096));
        let reply = answer(&zone(), &asked);
        assert_eq!(reply.edns, Some(Edns::new(1232)));
        assert_eq!(reply.answers.len(), 1);
        // No OPT asked, none given.
        asked.edns = None;
        assert_eq!(answer(&zone(), &asked).edns, None);
        // RFC 6891 §6.1.3: version 1 is not spoken here.
        asked.edns = Some(Edns {
            version: 1,
            ..Edns::new(4096)
        });
        let reply = answer(&zone(), &asked);
        assert_eq!(reply.header.rcode, Rcode::BADVERS);
        assert!(reply.answers.is_empty() && !reply.header.authoritative);
        assert_eq!(reply.edns, Some(Edns::new(1232)));
    }

    // The bytes in, the bytes out.

    fn bytes_of(message: &Message) -> Vec<u8> {
        message.emit().unwrap()
    }

    #[test]
    fn responses_and_short_messages_are_ignored() {
        let mut response = query("www.example.test.", RecordType::A);
        response.header.response = true;
        let table: Vec<(Vec<u8>, Response)> = vec![
            (vec![], Response::Ignore(Ignored::NoHeader)),
            (vec![0x12; 11], Response::Ignore(Ignored::NoHeader)),
            (bytes_of(&response), Response::Ignore(Ignored::NotAQuery)),
        ];
        for (request, expected) in table {
            assert_eq!(respond(&zone(), &request, Transport::Udp), expected);
        }
    }

    #[test]
    fn garbage_after_a_header_gets_formerr_with_its_id() {
        // QDCOUNT 1, then a pointer to itself (RFC 1035 §4.1.4).
        let request = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01";
        let expected: &[u8] = b"\xab\xcd\x81\x01\x00\x00\x00\x00\x00\x00\x00\x00";
        assert_eq!(
            respond(&zone(), request, Transport::Udp),
            Response::Send(expected.to_vec())
        );
        // A header alone, counting nothing: it reads, but asks nothing.
        let header = b"\xab\xcd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        let expected: &[u8] = b"\xab\xcd\x80\x01\x00\x00\x00\x00\x00\x00\x00\x00";
        assert_eq!(
            respond(&zone(), header, Transport::Udp),
            Response::Send(expected.to_vec())
        );
    }

    #[test]
    fn a_query_cut_at_every_length_gets_nothing_or_formerr() {
        let mut asked = query("www.example.test.", RecordType::A);
        asked.edns = Some(Edns::new(1232));
        let whole = bytes_of(&asked);
        for end in 0..whole.len() {
            let got = respond(&zone(), &whole[..end], Transport::Udp);
            let expected = match end {
                0..=11 => Response::Ignore(Ignored::NoHeader),
                // The ID, QR and RD, FORMERR: 12 34 81 01, no counts.
                _ => Response::Send(b"\x12\x34\x81\x01\0\0\0\0\0\0\0\0".to_vec()),
            };
            assert_eq!(got, expected, "cut at {end}");
        }
    }

    #[test]
    fn an_answer_is_written_as_dig_expects() {
        // www.example.test A, as bytes: ID, flags 85 00 (QR AA RD), one
        // question, one answer pointing back to it (c0 0c).
        let asked = bytes_of(&query("www.example.test.", RecordType::A));
        let expected: &[u8] = b"\x12\x34\x85\x00\x00\x01\x00\x01\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x50";
        assert_eq!(
            respond(&zone(), &asked, Transport::Udp),
            Response::Send(expected.to_vec())
        );
    }

    /// A zone with a TXT answer of about 1500 bytes.
    fn big_zone() -> Zone {
        let mut text = String::from(ZONE);
        for i in 0..6 {
            text.push_str(&format!("big IN TXT \"{i}{}\"\n", "x".repeat(250)));
        }
        Zone::parse("big.zone", &text, None).unwrap()
    }

    #[test]
    fn a_long_udp_answer_is_cut_with_tc_and_goes_whole_over_tcp() {
        let zone = big_zone();
        let mut asked = query("big.example.test.", RecordType::TXT);
        let request = bytes_of(&asked);
        let Response::Send(udp) = respond(&zone, &request, Transport::Udp) else {
            panic!("no UDP answer");
        };
        assert!(udp.len() <= 512, "{}", udp.len());
        let cut = Message::parse(&udp).unwrap();
        assert!(cut.header.truncated);
        assert!(cut.answers.len() < 6);
        let Response::Send(tcp) = respond(&zone, &request, Transport::Tcp) else {
            panic!("no TCP answer");
        };
        let whole = Message::parse(&tcp).unwrap();
        assert!(!whole.header.truncated);
        assert_eq!(whole.answers.len(), 6);
        // With EDNS 1232, more fits, but not all 1500 bytes.
        asked.edns = Some(Edns::new(4096));
        let Response::Send(edns) = respond(&zone, &bytes_of(&asked), Transport::Udp) else {
            panic!("no EDNS answer");
        };
        assert!(edns.len() > 512 && edns.len() <= 1232, "{}", edns.len());
        let read = Message::parse(&edns).unwrap();
        assert!(read.header.truncated);
        assert_eq!(read.edns, Some(Edns::new(1232)));
    }

    #[test]
    fn a_big_zone_answers_without_reading_every_record() {
        let mut text = String::from(ZONE);
        for i in 0..20_000u32 {
            let [_, _, high, low] = i.to_be_bytes();
            text.push_str(&format!("h{i}.deep IN A 10.0.{high}.{low}\n"));
        }
        let zone = Zone::parse("big.zone", &text, None).unwrap();
        let started = std::time::Instant::now();
        for i in 0..2_000 {
            let found = answer(
                &zone,
                &query(&format!("h{i}.deep.example.test."), RecordType::A),
            );
            assert_eq!(found.answers.len(), 1);
            let absent = answer(
                &zone,
                &query(&format!("x{i}.deep.example.test."), RecordType::A),
            );
            assert_eq!(absent.header.rcode, Rcode::NXDOMAIN);
        }
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn the_do_bit_is_copied_into_the_answer() {
        // RFC 3225 §3: a server copies DO from the query to its answer.
        let mut asked = query("www.example.test.", RecordType::A);
        asked.edns = Some(Edns {
            dnssec_ok: true,
            ..Edns::new(4096)
        });
        let reply = answer(&zone(), &asked);
        let expected = Edns {
            dnssec_ok: true,
            ..Edns::new(1232)
        };
        assert_eq!(reply.edns, Some(expected));
    }
}

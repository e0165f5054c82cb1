//! The resolver: asking a server, and walking the tree from the root.
//!
//! # A stub query (RFC 1035 §4.2.1, §7)
//!
//! [`query`] asks one server one question, as the system's resolver
//! asks the server of `/etc/resolv.conf`, and as dig does:
//!
//! ```text
//!   resolver (random port R)                     server :53
//!     | query ID=0x9a3f www.example.test A  -------->|
//!     |          (no answer within the timeout: ask again, same ID)
//!     | query ID=0x9a3f www.example.test A  -------->|
//!     |<-------- answer ID=0x9a3f, TC set (too long) |
//!     | TCP connect, 2-byte length + the same query ->|
//!     |<-------------- 2-byte length + whole answer  |
//! ```
//!
//! UDP first, because one datagram each way is all most questions need:
//! no handshake, no connection for the server to hold. TCP when the
//! answer does not fit (TC, RFC 1035 §4.2.1), or when asked to.
//!
//! ## Why the answer must match: cache poisoning
//!
//! Anyone can send a datagram to the resolver's port with the server's
//! address written as its source. An attacker who makes a resolver ask
//! about `bank.test` (by sending it a link, say) and then sends it a
//! flood of forged answers (`bank.test A` the attacker's address) wins if
//! one forgery is taken before the real answer arrives; a caching resolver
//! then hands the lie to all its users for the TTL the attacker chose.
//! So a reply is taken only if ([`check_reply`]):
//!
//! - it comes from the address and port the query went to;
//! - it is a response (QR set) with the query's ID;
//! - its question is the query's (name, type and class).
//!
//! Everything else is ignored, and the resolver keeps waiting. This only
//! makes forging hard, not impossible: the attacker must guess the ID (16
//! bits) and the resolver's port, which is why each query gets a new
//! random ID and a new socket on a port the system picks at random (RFC
//! 5452 §9.2: together about 31 bits to guess, instead of 16, the weakness
//! Dan Kaminsky showed in 2008). An attacker who can see the query copies
//! both; only DNSSEC, or an encrypted transport, stops that one.
//!
//! # An iterative walk (RFC 1034 §5.3.3)
//!
//! [`resolve`] does what a recursive resolver does for its clients: start
//! at a root server, and follow the referrals down:
//!
//! ```text
//!   resolver                root (.)           test.            example.test.
//!     | www.example.test A? --->|                 |                   |
//!     |<-- ask test.: ns.test. at 127.0.0.3       |                   |
//!     | www.example.test A? --------------------->|                   |
//!     |<-- ask example.test.: ns1 at 127.0.0.4 ---|                   |
//!     | www.example.test A? ----------------------------------------->|
//!     |<------------------------------------- www A 192.0.2.80, AA ---|
//! ```
//!
//! Each referral must come closer to the name (a zone below the one asked,
//! and above the name), so a walk cannot go round in circles; an alias
//! (CNAME) to a name the server does not hold starts the walk again from
//! the root for the target. Both are bounded ([`MAX_STEPS`],
//! [`MAX_ALIASES`]). The addresses a referral gives (its glue) are
//! believed only for server names inside the zone of the server that gave
//! them: otherwise any zone's server could say where any other name
//! lives, and the walk would go wherever a liar points. This resolver follows only referrals that carry glue
//! (the servers' addresses): one whose servers are named outside their
//! zone would need a walk of its own for each server's address, which it
//! does not do ([`ResolveError::NoGlue`]).

use super::message::{Edns, EmitError, Message, MessageError, Question, MAX_EDNS_UDP_LEN};
use super::name::Name;
use super::record::{Record, RecordData};
use super::types::{Class, Rcode, RecordType};
use crate::deadline::TimedStream;
use crate::udp::RECV_BUFFER_LEN;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How many servers a walk asks before it gives up: a name under a dozen
/// levels of delegation is already far-fetched, and a walk of aliases
/// each starting again from the root is bounded here too.
pub const MAX_STEPS: usize = 32;

/// How many CNAME records a walk follows. A chain of eight aliases is
/// already absurd; a loop of two must end somewhere.
pub const MAX_ALIASES: usize = 8;

/// How a query is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// How long to wait for an answer to each try (and, over TCP, for the
    /// connection and the whole answer).
    pub timeout: Duration,
    /// How many times to ask again over UDP when no answer comes.
    pub retries: u32,
    /// Ask over TCP from the start (`dig +tcp`).
    pub tcp: bool,
    /// Set RD, asking the server to resolve the name for us (`dig
    /// +norecurse` clears it). The iterative walk clears it.
    pub recursion_desired: bool,
    /// Send an OPT record offering this UDP size (RFC 6891); `None` sends
    /// a plain RFC 1035 query, whose answers are cut at 512 bytes.
    pub edns: Option<u16>,
}

impl Default for QueryOptions {
    /// Two seconds a try, two retries (three tries in all, as a system
    /// resolver does: `options timeout:2 attempts:3`), UDP first, RD set,
    /// EDNS with 1232 bytes.
    fn default() -> QueryOptions {
        QueryOptions {
            timeout: Duration::from_secs(2),
            retries: 2,
            tcp: false,
            recursion_desired: true,
            edns: Some(MAX_EDNS_UDP_LEN as u16),
        }
    }
}

/// Why a datagram is not the answer to our query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// It came from another address or port than the query went to.
    WrongSource,
    /// It does not read as a DNS message.
    Unreadable(MessageError),
    /// QR is clear: a query, not an answer.
    NotAResponse,
    /// Another ID than the query's.
    WrongId,
    /// Another question than the query's.
    WrongQuestion,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::WrongSource => f.write_str("it came from another address than the server's"),
            Mismatch::Unreadable(error) => write!(f, "it is not a DNS message: {error}"),
            Mismatch::NotAResponse => f.write_str("it is a query, not a response"),
            Mismatch::WrongId => f.write_str("its ID is not the query's"),
            Mismatch::WrongQuestion => f.write_str("its question is not the query's"),
        }
    }
}

/// Why a query or a walk has no answer.
#[derive(Debug)]
pub enum ResolveError {
    /// The socket failed (no route, no local port...).
    Io(io::Error),
    /// No matching answer in time, after this many tries.
    Timeout {
        /// How many times the query was sent.
        tries: u32,
    },
    /// Over TCP, the server answered something that is not our answer.
    BadReply(Mismatch),
    /// The query could not be written (a name cannot make it too long;
    /// this is here for completeness).
    Query(EmitError),
    /// The walk asked [`MAX_STEPS`] servers and is still not done.
    TooManySteps,
    /// The walk met more than [`MAX_ALIASES`] CNAMEs.
    TooManyAliases,
    /// A referral that does not come closer to the name: to a zone not
    /// below the one asked, or not above the name.
    BadReferral {
        /// The zone it referred to.
        zone: Name,
    },
    /// A referral with no address for any of its servers, or none that
    /// the server asked may vouch for (outside its zone).
    NoGlue {
        /// The zone it referred to.
        zone: Name,
    },
    /// The server said it cannot or will not answer.
    Failed {
        /// Who said it.
        server: SocketAddr,
        /// What it said: SERVFAIL, REFUSED...
        rcode: Rcode,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Io(error) => write!(f, "{error}"),
            ResolveError::Timeout { tries } => {
                write!(f, "no answer after {tries} tries")
            }
            ResolveError::BadReply(why) => write!(f, "a bad answer over TCP: {why}"),
            ResolveError::Query(error) => write!(f, "the query cannot be written: {error}"),
            ResolveError::TooManySteps => write!(f, "no answer after asking {MAX_STEPS} servers"),
            ResolveError::TooManyAliases => {
                write!(f, "more than {MAX_ALIASES} aliases (a CNAME loop?)")
            }
            ResolveError::BadReferral { zone } => {
                write!(f, "a referral to {zone}, which is no closer to the name")
            }
            ResolveError::NoGlue { zone } => {
                write!(f, "a referral to {zone} gives no address for its servers")
            }
            ResolveError::Failed { server, rcode } => write!(f, "{server} answered {rcode}"),
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<io::Error> for ResolveError {
    fn from(error: io::Error) -> ResolveError {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                ResolveError::Timeout { tries: 1 }
            }
            _ => ResolveError::Io(error),
        }
    }
}

// ANCHOR: random_id
/// A query ID that another host cannot predict, from std alone.
///
/// std has no random number generator. It has [`RandomState`], the keys
/// of `HashMap`'s hasher, which std seeds from the system's random source
/// so that an attacker cannot predict where keys land; hashing the clock
/// and a counter with those keys gives numbers another host cannot guess
/// either. This is weak, and only good enough to teach with: std promises
/// nothing about how random those keys are nor how new ones derive from
/// the first (today each thread seeds once, and later ones add 1 to
/// the seed), the hasher is built to resist collisions, not to be a
/// random generator, and if it ever changed to something predictable
/// nothing would tell. A real resolver asks the system's secure
/// generator (`getrandom`, through a crate such as `getrandom` or `rand`).
pub fn random_id() -> u16 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    hasher.write_u128(now.map(|time| time.as_nanos()).unwrap_or(0));
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish() as u16
}
// ANCHOR_END: random_id

/// The query `options` asks for: ID, name, type, RD and EDNS.
pub fn make_query(id: u16, name: &Name, qtype: RecordType, options: &QueryOptions) -> Message {
    let mut query = Message::query(id, name.clone(), qtype);
    query.header.recursion_desired = options.recursion_desired;
    query.edns = options.edns.map(Edns::new);
    query
}

// ANCHOR: check_reply
/// The answer to `query` in `bytes`, which came from `from`, or why it is
/// not: it must come from `server`, read, be a response, and carry the
/// query's ID and question. (Names compare without case: servers may
/// answer in another case than asked.)
pub fn check_reply(
    query: &Message,
    server: SocketAddr,
    from: SocketAddr,
    bytes: &[u8],
) -> Result<Message, Mismatch> {
    if from != server {
        return Err(Mismatch::WrongSource);
    }
    let reply = Message::parse(bytes).map_err(Mismatch::Unreadable)?;
    if !reply.header.response {
        return Err(Mismatch::NotAResponse);
    }
    if reply.header.id != query.header.id {
        return Err(Mismatch::WrongId);
    }
    if reply.questions != query.questions {
        return Err(Mismatch::WrongQuestion);
    }
    Ok(reply)
}
// ANCHOR_END: check_reply

/// One query and its answer, with the bytes, for showing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Who was asked.
    pub server: SocketAddr,
    /// The query sent, as bytes (over TCP, without the length).
    pub query_bytes: Vec<u8>,
    /// The answer taken, as bytes.
    pub reply_bytes: Vec<u8>,
    /// The answer.
    pub reply: Message,
    /// How many times the query went out over UDP (0 if TCP only).
    pub udp_tries: u32,
    /// How many datagrams were ignored because they did not match.
    pub ignored: u32,
    /// The truncated UDP answer that sent the query over TCP, if any.
    pub truncated: Option<Vec<u8>>,
    /// Whether the answer came over TCP.
    pub over_tcp: bool,
}

/// Asks `server` for `name`'s records of type `qtype` and returns the
/// answer, whatever its response code: an NXDOMAIN is an answer.
pub fn query(
    server: SocketAddr,
    name: &Name,
    qtype: RecordType,
    options: &QueryOptions,
) -> Result<Message, ResolveError> {
    exchange(server, name, qtype, options).map(|exchange| exchange.reply)
}

// ANCHOR: exchange
/// [`query`], with everything that happened on the way.
pub fn exchange(
    server: SocketAddr,
    name: &Name,
    qtype: RecordType,
    options: &QueryOptions,
) -> Result<Exchange, ResolveError> {
    let query = make_query(random_id(), name, qtype, options);
    let query_bytes = query.emit().map_err(ResolveError::Query)?;
    let mut counts = UdpCounts::default();
    let mut truncated = None;
    if !options.tcp {
        let (reply, reply_bytes) = ask_udp(&query, &query_bytes, server, options, &mut counts)?;
        if !reply.header.truncated {
            return Ok(Exchange {
                server,
                query_bytes,
                reply_bytes,
                reply,
                udp_tries: counts.tries,
                ignored: counts.ignored,
                truncated,
                over_tcp: false,
            });
        }
        // RFC 1035 §4.2.1: the answer did not fit; ask again over TCP.
        truncated = Some(reply_bytes);
    }
    let (reply, reply_bytes) = ask_tcp(&query, &query_bytes, server, options.timeout)?;
    Ok(Exchange {
        server,
        query_bytes,
        reply_bytes,
        reply,
        udp_tries: counts.tries,
        ignored: counts.ignored,
        truncated,
        over_tcp: true,
    })
}

/// What happened over UDP, for [`Exchange`].
#[derive(Debug, Default)]
struct UdpCounts {
    tries: u32,
    ignored: u32,
}
// ANCHOR_END: exchange

/// Sends the query over UDP from a new socket, on a port the system picks,
/// up to `1 + retries` times, and waits for the matching answer.
fn ask_udp(
    query: &Message,
    query_bytes: &[u8],
    server: SocketAddr,
    options: &QueryOptions,
    counts: &mut UdpCounts,
) -> Result<(Message, Vec<u8>), ResolveError> {
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    // Not `connect`ed: every datagram is seen and judged, so that the
    // check of its source is written here, not hidden in the kernel.
    let socket = UdpSocket::bind(local)?;
    let mut buf = vec![0u8; RECV_BUFFER_LEN];
    for _ in 0..=options.retries {
        socket.send_to(query_bytes, server)?;
        counts.tries += 1;
        // The same ID each time: a late answer to an earlier try counts.
        let deadline = Instant::now() + options.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left))?;
            let (len, from) = match socket.recv_from(&mut buf) {
                Ok(received) => received,
                Err(error) if is_timeout(&error) => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(ResolveError::Io(error)),
            };
            match check_reply(query, server, from, &buf[..len]) {
                Ok(reply) => return Ok((reply, buf[..len].to_vec())),
                // Not ours, or forged: wait on, within this try's time.
                Err(_) => counts.ignored += 1,
            }
        }
    }
    Err(ResolveError::Timeout {
        tries: counts.tries,
    })
}

/// Sends the query over TCP, after its two-byte length (RFC 1035 §4.2.2),
/// and reads the answer, all within `timeout`.
fn ask_tcp(
    query: &Message,
    query_bytes: &[u8],
    server: SocketAddr,
    timeout: Duration,
) -> Result<(Message, Vec<u8>), ResolveError> {
    let deadline = Instant::now() + timeout;
    let stream = TcpStream::connect_timeout(&server, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_read_timeout(Some(timeout))?;
    // One write: the length and the message in one segment.
    let mut frame = (query_bytes.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(query_bytes);
    (&stream).write_all(&frame)?;
    let mut reader = TimedStream::new(&stream);
    reader.set_deadline(Some(deadline));
    let mut length = [0u8; 2];
    reader.read_exact(&mut length)?;
    let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(length))];
    reader.read_exact(&mut bytes)?;
    let reply = check_reply(query, server, server, &bytes).map_err(ResolveError::BadReply)?;
    Ok((reply, bytes))
}

/// The read timeout ran out: Unix says "would block", Windows "timed out".
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Where a referral sends the resolver (RFC 1034 §4.3.2, step 3b).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The zone that holds the name, one level closer.
    pub zone: Name,
    /// Its name servers, from the NS records in authority.
    pub servers: Vec<Name>,
    /// Their addresses, from the glue in additional: each server's name
    /// and one of its addresses, A before AAAA.
    pub glue: Vec<(Name, IpAddr)>,
}

/// What one server's answer says, for the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// The records asked for, after the CNAMEs that led to them.
    Answer(Vec<Record>),
    /// Only CNAMEs, ending at a name whose records the answer lacks.
    Alias {
        /// The CNAME records.
        aliases: Vec<Record>,
        /// The name they end at.
        target: Name,
    },
    /// Ask another server.
    Referral(Referral),
    /// The name does not exist (NXDOMAIN), after these CNAMEs if any.
    NoSuchName(Vec<Record>),
    /// The name exists, but has no records of the type (NODATA), after
    /// these CNAMEs if any.
    NoData(Vec<Record>),
    /// Another response code: SERVFAIL, REFUSED...
    Failed(Rcode),
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Said::Answer(records) => match records.len() {
                1 => f.write_str("the answer (1 record)"),
                count => write!(f, "the answer ({count} records)"),
            },
            Said::Alias { target, .. } => {
                write!(f, "an alias for {target}: ask again from the root")
            }
            Said::Referral(referral) => {
                write!(f, "ask the servers of {}:", referral.zone)?;
                for server in &referral.servers {
                    write!(f, " {server}")?;
                    let addresses = referral.glue.iter().filter(|(host, _)| host == server);
                    for (_, address) in addresses {
                        write!(f, " {address}")?;
                    }
                }
                Ok(())
            }
            Said::NoSuchName(_) => f.write_str("no such name (NXDOMAIN)"),
            Said::NoData(_) => f.write_str("no records of that type (NODATA)"),
            Said::Failed(rcode) => write!(f, "failed: {rcode}"),
        }
    }
}

// ANCHOR: classify
/// What `reply` says about `question` (RFC 1034 §5.3.3, step 4): an
/// answer, an alias, a referral, or a negative answer.
pub fn classify(question: &Question, reply: &Message) -> Said {
    let rcode = reply.header.rcode;
    if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
        return Said::Failed(rcode);
    }
    // Follow the CNAMEs in the answer from the question's name; each
    // record is used once at most, so a loop in a hostile answer ends.
    let mut name = &question.name;
    let mut aliases = Vec::new();
    for _ in 0..=reply.answers.len() {
        let owned = |record: &&Record| record.name == *name;
        let wanted: Vec<Record> = reply
            .answers
            .iter()
            .filter(owned)
            .filter(|r| r.rtype() == question.qtype || question.qtype == RecordType::ANY)
            .cloned()
            .collect();
        if !wanted.is_empty() {
            aliases.extend(wanted);
            return Said::Answer(aliases);
        }
        let alias = reply
            .answers
            .iter()
            .filter(owned)
            .find_map(|r| match &r.data {
                RecordData::Cname(target) => Some((r, target)),
                _ => None,
            });
        match alias {
            Some((record, target)) => {
                aliases.push(record.clone());
                name = target;
            }
            None => break,
        }
    }
    if rcode == Rcode::NXDOMAIN {
        return Said::NoSuchName(aliases);
    }
    let has_soa = reply.authority.iter().any(|r| r.rtype() == RecordType::SOA);
    if !aliases.is_empty() {
        // A server that held the target would have answered for it, or
        // said NODATA with its SOA; without, the target is elsewhere.
        return match has_soa {
            true => Said::NoData(aliases),
            false => Said::Alias {
                aliases,
                target: name.clone(),
            },
        };
    }
    match referral(question, reply) {
        Some(referral) if !reply.header.authoritative && !has_soa => Said::Referral(referral),
        _ => Said::NoData(aliases),
    }
}
// ANCHOR_END: classify

/// The referral in `reply`'s authority section: NS records of one zone
/// above the question's name, and the addresses of those servers from the
/// additional section, A before AAAA.
fn referral(question: &Question, reply: &Message) -> Option<Referral> {
    let first = reply
        .authority
        .iter()
        .find(|r| r.rtype() == RecordType::NS && question.name.is_in(&r.name))?;
    let zone = first.name.clone();
    let servers: Vec<Name> = reply
        .authority
        .iter()
        .filter(|r| r.name == zone)
        .filter_map(|r| match &r.data {
            RecordData::Ns(server) => Some(server.clone()),
            _ => None,
        })
        .collect();
    let mut glue = Vec::new();
    for rtype in [RecordType::A, RecordType::AAAA] {
        for record in &reply.additional {
            if record.rtype() != rtype || !servers.contains(&record.name) {
                continue;
            }
            let address = match record.data {
                RecordData::A(ip) => IpAddr::V4(ip),
                RecordData::Aaaa(ip) => IpAddr::V6(ip),
                _ => continue,
            };
            let entry = (record.name.clone(), address);
            if !glue.contains(&entry) {
                glue.push(entry);
            }
        }
    }
    Some(Referral {
        zone,
        servers,
        glue,
    })
}

/// One step of a walk: who was asked what, and what they said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The server asked.
    pub server: SocketAddr,
    /// The zone the walk expected it to serve (`.` for the root).
    pub zone: Name,
    /// The question asked.
    pub question: Question,
    /// Its whole answer.
    pub reply: Message,
    /// What that answer meant.
    pub said: Said,
}

impl fmt::Display for Step {
    /// `asked 127.0.0.2:5353 (.) for www.example.test. A: ask the servers
    /// of test.: ns.test. 127.0.0.3`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "asked {} ({}) for {} {}: {}",
            self.server, self.zone, self.question.name, self.question.qtype, self.said
        )
    }
}

/// Where a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Every server asked, in order.
    pub steps: Vec<Step>,
    /// NOERROR, or NXDOMAIN if the name (or an alias's target) does not exist.
    pub rcode: Rcode,
    /// The CNAMEs followed, then the records asked for (none for a
    /// negative answer).
    pub answers: Vec<Record>,
}

// ANCHOR: resolve
/// Finds `name`'s records of type `qtype` by asking the servers of the
/// tree in turn, from the root server `root` down (RFC 1034 §5.3.3).
/// Every server is asked on `root`'s port: on the Internet all of them
/// answer on 53, and a test hierarchy on loopback uses one port for all.
/// `options.recursion_desired` is ignored: a walk asks for no recursion.
pub fn resolve(
    name: &Name,
    qtype: RecordType,
    root: SocketAddr,
    options: &QueryOptions,
) -> Result<Resolution, ResolveError> {
    let options = QueryOptions {
        recursion_desired: false,
        ..*options
    };
    let mut steps = Vec::new();
    let mut answers = Vec::new();
    let mut qname = name.clone();
    let mut zone = Name::root();
    let mut servers = vec![root];
    while steps.len() < MAX_STEPS {
        let (server, reply) = ask_any(&servers, &qname, qtype, &options)?;
        // The reply's question is this one: `check_reply` saw to it.
        let question = Question {
            name: qname.clone(),
            qtype,
            qclass: Class::IN,
        };
        let said = classify(&question, &reply);
        steps.push(Step {
            server,
            zone: zone.clone(),
            question,
            reply,
            said: said.clone(),
        });
        match said {
            Said::Answer(records) => {
                answers.extend(records);
                break;
            }
            Said::NoData(aliases) | Said::NoSuchName(aliases) if !aliases.is_empty() => {
                answers.extend(aliases);
                break;
            }
            Said::NoData(_) | Said::NoSuchName(_) => break,
            Said::Alias { aliases, target } => {
                answers.extend(aliases);
                if count_aliases(&answers) > MAX_ALIASES {
                    return Err(ResolveError::TooManyAliases);
                }
                qname = target;
                zone = Name::root();
                servers = vec![root];
            }
            Said::Referral(referral) => {
                // Closer, or it could send us round in circles.
                if referral.zone == zone || !referral.zone.is_in(&zone) {
                    return Err(ResolveError::BadReferral {
                        zone: referral.zone,
                    });
                }
                // Glue is believed only for names in the zone of the
                // server that gave it (its "bailiwick", RFC 2181 §5.4.1):
                // the servers of test. may say where ns.example.test. is,
                // not where ns.bank.other is.
                let port = root.port();
                servers = referral
                    .glue
                    .iter()
                    .filter(|(host, _)| host.is_in(&zone))
                    .map(|&(_, ip)| SocketAddr::new(ip, port))
                    .collect();
                if servers.is_empty() {
                    return Err(ResolveError::NoGlue {
                        zone: referral.zone,
                    });
                }
                zone = referral.zone;
            }
            Said::Failed(rcode) => return Err(ResolveError::Failed { server, rcode }),
        }
    }
    let last = steps.last().map(|step| &step.said);
    let rcode = match last {
        Some(Said::NoSuchName(_)) => Rcode::NXDOMAIN,
        Some(Said::Answer(_) | Said::NoData(_)) => Rcode::NOERROR,
        _ => return Err(ResolveError::TooManySteps),
    };
    Ok(Resolution {
        steps,
        rcode,
        answers,
    })
}
// ANCHOR_END: resolve

fn count_aliases(records: &[Record]) -> usize {
    records
        .iter()
        .filter(|r| r.rtype() == RecordType::CNAME)
        .count()
}

/// Asks each server in turn until one answers: a zone's servers are
/// there for one another.
fn ask_any(
    servers: &[SocketAddr],
    name: &Name,
    qtype: RecordType,
    options: &QueryOptions,
) -> Result<(SocketAddr, Message), ResolveError> {
    let mut last_error = ResolveError::Timeout { tries: 0 };
    for &server in servers {
        match query(server, name, qtype, options) {
            Ok(reply) => return Ok((server, reply)),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_text(text).unwrap()
    }

    fn record(owner: &str, data: RecordData) -> Record {
        Record {
            name: name(owner),
            class: Class::IN,
            ttl: 60,
            data,
        }
    }

    fn a(owner: &str, ip: [u8; 4]) -> Record {
        record(owner, RecordData::A(Ipv4Addr::from(ip)))
    }

    fn cname(owner: &str, target: &str) -> Record {
        record(owner, RecordData::Cname(name(target)))
    }

    fn ns(owner: &str, host: &str) -> Record {
        record(owner, RecordData::Ns(name(host)))
    }

    fn soa() -> Record {
        record(
            "example.test.",
            RecordData::Soa(crate::dns::Soa {
                mname: name("ns1.example.test."),
                rname: name("hostmaster.example.test."),
                serial: 1,
                refresh: 2,
                retry: 3,
                expire: 4,
                minimum: 5,
            }),
        )
    }

    fn reply(qname: &str, qtype: RecordType, change: impl FnOnce(&mut Message)) -> Message {
        let mut message = Message::query(7, name(qname), qtype);
        message.header.response = true;
        message.header.authoritative = true;
        change(&mut message);
        message
    }

    #[test]
    fn replies_that_do_not_match_are_refused() {
        let server: SocketAddr = "127.0.0.1:53".parse().unwrap();
        let other: SocketAddr = "127.0.0.1:54".parse().unwrap();
        let query = Message::query(7, name("www.example.test."), RecordType::A);
        let good = reply("www.example.test.", RecordType::A, |_| {});
        let bytes = |m: &Message| m.emit().unwrap();
        let wrong_id = reply("www.example.test.", RecordType::A, |m| m.header.id = 8);
        let wrong_name = reply("ftp.example.test.", RecordType::A, |_| {});
        let wrong_type = reply("www.example.test.", RecordType::AAAA, |_| {});
        let table: Vec<(SocketAddr, Vec<u8>, Result<Message, Mismatch>)> = vec![
            (server, bytes(&good), Ok(good.clone())),
            (other, bytes(&good), Err(Mismatch::WrongSource)),
            (server, bytes(&query), Err(Mismatch::NotAResponse)),
            (server, bytes(&wrong_id), Err(Mismatch::WrongId)),
            (server, bytes(&wrong_name), Err(Mismatch::WrongQuestion)),
            (server, bytes(&wrong_type), Err(Mismatch::WrongQuestion)),
            (
                server,
                b"\x00\x07".to_vec(),
                Err(Mismatch::Unreadable(MessageError::Truncated)),
            ),
        ];
        for (from, bytes, expected) in table {
            assert_eq!(check_reply(&query, server, from, &bytes), expected);
        }
        // The case of the name may differ (RFC 4343).
        let upper = reply("WWW.EXAMPLE.TEST.", RecordType::A, |_| {});
        assert!(check_reply(&query, server, server, &bytes(&upper)).is_ok());
    }

    #[test]
    fn what_a_reply_says() {
        let question = |qname: &str, qtype| Question {
            name: name(qname),
            qtype,
            qclass: Class::IN,
        };
        let www = question("www.example.test.", RecordType::A);
        let table: Vec<(&str, Question, Message, Said)> = vec![
            (
                "an answer",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.answers = vec![a("www.example.test.", [192, 0, 2, 1])]
                }),
                Said::Answer(vec![a("www.example.test.", [192, 0, 2, 1])]),
            ),
            (
                "an alias and its target's records",
                question("web.example.test.", RecordType::A),
                reply("web.example.test.", RecordType::A, |m| {
                    m.answers = vec![
                        cname("web.example.test.", "www.example.test."),
                        a("www.example.test.", [192, 0, 2, 1]),
                    ]
                }),
                Said::Answer(vec![
                    cname("web.example.test.", "www.example.test."),
                    a("www.example.test.", [192, 0, 2, 1]),
                ]),
            ),
            (
                "an alias elsewhere",
                question("web.example.test.", RecordType::A),
                reply("web.example.test.", RecordType::A, |m| {
                    m.answers = vec![cname("web.example.test.", "www.other.test.")]
                }),
                Said::Alias {
                    aliases: vec![cname("web.example.test.", "www.other.test.")],
                    target: name("www.other.test."),
                },
            ),
            (
                "a CNAME loop in a hostile answer ends",
                question("a.test.", RecordType::A),
                reply("a.test.", RecordType::A, |m| {
                    m.answers = vec![cname("a.test.", "b.test."), cname("b.test.", "a.test.")]
                }),
                Said::Alias {
                    aliases: vec![
                        cname("a.test.", "b.test."),
                        cname("b.test.", "a.test."),
                        cname("a.test.", "b.test."),
                    ],
                    target: name("b.test."),
                },
            ),
            (
                "a referral with glue",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.header.authoritative = false;
                    m.authority = vec![
                        ns("example.test.", "ns1.example.test."),
                        ns("example.test.", "ns.elsewhere."),
                    ];
                    m.additional = vec![
                        a("ns1.example.test.", [127, 0, 0, 4]),
                        a("unrelated.test.", [10, 0, 0, 1]),
                    ];
                }),
                Said::Referral(Referral {
                    zone: name("example.test."),
                    servers: vec![name("ns1.example.test."), name("ns.elsewhere.")],
                    glue: vec![(
                        name("ns1.example.test."),
                        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4)),
                    )],
                }),
            ),
            (
                "NS of a zone not above the name is no referral",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.header.authoritative = false;
                    m.authority = vec![ns("other.test.", "ns.other.test.")];
                }),
                Said::NoData(vec![]),
            ),
            (
                "NODATA",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.authority = vec![soa()]
                }),
                Said::NoData(vec![]),
            ),
            (
                "NXDOMAIN",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.header.rcode = Rcode::NXDOMAIN;
                    m.authority = vec![soa()];
                }),
                Said::NoSuchName(vec![]),
            ),
            (
                "REFUSED",
                www.clone(),
                reply("www.example.test.", RecordType::A, |m| {
                    m.header.rcode = Rcode::REFUSED
                }),
                Said::Failed(Rcode::REFUSED),
            ),
        ];
        for (case, question, reply, expected) in table {
            assert_eq!(classify(&question, &reply), expected, "{case}");
        }
    }

    #[test]
    fn ids_differ_from_one_query_to_the_next() {
        // Not a test of randomness: only that the ID is not a constant or
        // a counter a forger could follow.
        let ids: Vec<u16> = (0..64).map(|_| random_id()).collect();
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert!(distinct.len() > 56, "{ids:?}");
        let steps = ids.windows(2).filter(|w| w[1] == w[0].wrapping_add(1));
        assert!(steps.count() < 4);
    }
}

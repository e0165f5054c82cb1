//! Chapter 04's demo: the crate's authoritative server on 127.0.0.1 with
//! the chapter's zone, a query shown byte by byte, a name that does not
//! exist, and an iterative walk from a root down a little hierarchy of
//! the crate's servers on 127.0.0.2, 127.0.0.3 and 127.0.0.4.
//!
//! The query ID is random (see [`super::resolver::random_id`]), so it is
//! the one thing that changes from run to run, with the ports.

use super::resolver::{exchange, resolve, QueryOptions};
use super::server::{DnsServer, DnsServerHandle};
use super::show::{dig_layout, hex_dump, trace_step};
use super::{Name, Rcode, RecordType, Zone};
use crate::demo::{expect, DemoResult};
use crate::transcript::Transcript;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// The chapter's zone, as shipped beside the lesson.
pub const EXAMPLE_ZONE: &str = include_str!("../../lessons/04-dns/example.test.zone");

/// The root of the demo's little tree: it delegates `test.` to ns.test.
pub const ROOT_ZONE: &str = include_str!("../../lessons/04-dns/root.zone");

/// `test.`: it delegates `example.test.` to ns1.example.test.
pub const TEST_ZONE: &str = include_str!("../../lessons/04-dns/test.zone");

/// How long the demo waits for each answer: far more than loopback needs.
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times the demo tries to find one port free on all three
/// addresses before it gives up on the walk.
const PORT_ATTEMPTS: usize = 16;

/// Runs the demo.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let zone = Zone::parse("example.test.zone", EXAMPLE_ZONE, None)?;
    let records = zone.records().len();
    let server = DnsServer::bind("127.0.0.1:0", zone)?.spawn()?;
    let addr = server.local_addr();
    transcript.say(format!(
        "server for example.test. ({records} records) on {addr}, UDP and TCP"
    ));
    let options = QueryOptions {
        timeout: DEMO_TIMEOUT,
        ..QueryOptions::default()
    };

    transcript.say("");
    transcript.say("-- example.test. MX over UDP: the query, byte by byte --");
    let apex = Name::from_text("example.test.")?;
    let done = exchange(addr, &apex, RecordType::MX, &options)?;
    transcript.say(hex_dump(&done.query_bytes));
    transcript.say("");
    transcript.say(format!(
        "-- the answer ({} bytes): names after the question's are pointers, one into the MX's data --",
        done.reply_bytes.len()
    ));
    transcript.say(hex_dump(&done.reply_bytes));
    transcript.say("");
    transcript.say(dig_layout(&done.reply));
    expect(
        done.reply.header.authoritative
            && done.reply.answers.len() == 1
            && done.reply.additional.len() == 1,
        "example.test. MX is answered with AA, one record, and mail's address",
    )?;

    transcript.say("");
    transcript.say("-- nope.example.test. A: no such name, the SOA in authority --");
    let nope = Name::from_text("nope.example.test.")?;
    let reply = exchange(addr, &nope, RecordType::A, &options)?.reply;
    transcript.say(dig_layout(&reply));
    expect(
        reply.header.rcode == Rcode::NXDOMAIN
            && reply.authority.iter().any(|r| r.rtype() == RecordType::SOA),
        "nope.example.test. is NXDOMAIN with the zone's SOA",
    )?;
    server.shutdown();

    transcript.say("");
    transcript.say("-- the walk from the root for www.example.test. A, as dig +trace --");
    let www = Name::from_text("www.example.test.")?;
    let servers = match hierarchy() {
        Ok(servers) => servers,
        Err(error) => {
            transcript.say(format!(
                "cannot bind 127.0.0.2, .3 and .4 on one port ({error}): this system \
                 does not route all of 127/8 to loopback, so the walk is left out"
            ));
            return Ok(());
        }
    };
    let root = servers[0].local_addr();
    transcript.say(format!(
        "root . on {root}, test. on 127.0.0.3, example.test. on 127.0.0.4 (same port)"
    ));
    let found = resolve(&www, RecordType::A, root, &options)?;
    for step in &found.steps {
        transcript.say("");
        transcript.say(trace_step(step));
    }
    expect(
        found.steps.len() == 3 && found.answers.len() == 1,
        "the walk asks three servers and ends with one record",
    )?;
    Ok(())
}

/// The three servers of the walk, bound on one port before anything is
/// asked. The first picks a free port; the others take the same one on
/// their addresses, where it may be taken: then all again.
fn hierarchy() -> io::Result<Vec<DnsServerHandle>> {
    let zones = || -> io::Result<[Zone; 3]> {
        let parse = |file, text| {
            Zone::parse(file, text, None)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
        };
        Ok([
            parse("root.zone", ROOT_ZONE)?,
            parse("test.zone", TEST_ZONE)?,
            parse("example.test.zone", EXAMPLE_ZONE)?,
        ])
    };
    let mut last_error = io::Error::from(io::ErrorKind::AddrInUse);
    for _ in 0..PORT_ATTEMPTS {
        let [root_zone, test_zone, example_zone] = zones()?;
        let root = DnsServer::bind("127.0.0.2:0", root_zone)?;
        let port = root.local_addr()?.port();
        let bound =
            DnsServer::bind(SocketAddr::from(([127, 0, 0, 3], port)), test_zone).and_then(|test| {
                let example =
                    DnsServer::bind(SocketAddr::from(([127, 0, 0, 4], port)), example_zone)?;
                Ok((test, example))
            });
        match bound {
            Ok((test, example)) => {
                return [root, test, example]
                    .into_iter()
                    .map(DnsServer::spawn)
                    .collect();
            }
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => last_error = error,
            Err(error) => return Err(error),
        }
    }
    Err(last_error)
}

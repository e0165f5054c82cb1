//! The resolver over real loopback sockets: stub queries against the
//! crate's server and against fake servers that lie or stay silent, and
//! an iterative walk down a little hierarchy of the crate's servers.
//!
//! The hierarchy binds 127.0.0.2, 127.0.0.3 and 127.0.0.4, all on one
//! port: Linux routes the whole of 127.0.0.0/8 to the loopback interface,
//! so each is an address a server can bind without any set-up.

use netlessons::dns::resolver::{exchange, Said};
use netlessons::dns::{
    query, resolve, DnsServer, DnsServerHandle, Message, Name, QueryOptions, Rcode, RecordType,
    ResolveError, Zone,
};
use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

mod support;
use support::chaos::{ChaosProxy, Weather};

const SAFETY_TIMEOUT: Duration = Duration::from_secs(5);

fn name(text: &str) -> Name {
    Name::from_text(text).unwrap()
}

fn example_zone() -> Zone {
    let mut text = include_str!("../lessons/04-dns/example.test.zone").to_string();
    for i in 0..6 {
        text.push_str(&format!("big IN TXT \"{i}{}\"\n", "x".repeat(250)));
    }
    Zone::parse("example.test.zone", &text, None).unwrap()
}

fn server_for(zone: Zone, addr: &str) -> DnsServerHandle {
    DnsServer::bind(addr, zone)
        .and_then(DnsServer::spawn)
        .expect("start a DNS server")
}

fn options() -> QueryOptions {
    QueryOptions {
        timeout: SAFETY_TIMEOUT,
        ..QueryOptions::default()
    }
}

fn lines(message: &Message) -> Vec<String> {
    message.answers.iter().map(ToString::to_string).collect()
}

#[test]
fn a_stub_query_gets_the_answer() {
    let server = server_for(example_zone(), "127.0.0.1:0");
    let reply = query(
        server.local_addr(),
        &name("www.example.test"),
        RecordType::A,
        &options(),
    )
    .unwrap();
    assert_eq!(reply.header.rcode, Rcode::NOERROR);
    assert_eq!(
        lines(&reply),
        ["www.example.test.\t3600\tIN\tA\t192.0.2.80"]
    );
    // A negative answer is an answer.
    let reply = query(
        server.local_addr(),
        &name("nope.example.test"),
        RecordType::A,
        &options(),
    )
    .unwrap();
    assert_eq!(reply.header.rcode, Rcode::NXDOMAIN);
}

#[test]
fn a_truncated_answer_is_asked_again_over_tcp() {
    let server = server_for(example_zone(), "127.0.0.1:0");
    let target = name("big.example.test");
    // Without EDNS: cut at 512 bytes.
    let plain = QueryOptions {
        edns: None,
        ..options()
    };
    let done = exchange(server.local_addr(), &target, RecordType::TXT, &plain).unwrap();
    assert!(done.over_tcp);
    assert_eq!(done.udp_tries, 1);
    let cut = Message::parse(done.truncated.as_deref().unwrap()).unwrap();
    assert!(cut.header.truncated && cut.answers.len() < 6);
    assert!(!done.reply.header.truncated);
    assert_eq!(done.reply.answers.len(), 6);
    // Over TCP from the start: no UDP at all.
    let tcp = QueryOptions {
        tcp: true,
        ..options()
    };
    let done = exchange(server.local_addr(), &target, RecordType::TXT, &tcp).unwrap();
    assert!(done.over_tcp && done.truncated.is_none());
    assert_eq!(done.udp_tries, 0);
    assert_eq!(done.reply.answers.len(), 6);
}

#[test]
fn a_tcp_query_whatever_the_network_does() {
    let server = server_for(example_zone(), "127.0.0.1:0");
    let tcp = QueryOptions {
        tcp: true,
        ..options()
    };
    for (weather_name, weather) in Weather::all() {
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let reply = query(
            proxy.addr(),
            &name("big.example.test"),
            RecordType::TXT,
            &tcp,
        );
        assert_eq!(reply.unwrap().answers.len(), 6, "{weather_name}");
    }
}

/// A fake server: receives one query, and sends back what `replies` makes
/// of it, each from the socket it names (`true`: the server's own).
fn fake_server(
    replies: fn(&Message) -> Vec<(bool, Message)>,
) -> (SocketAddr, thread::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    let addr = socket.local_addr().unwrap();
    let thread = thread::spawn(move || {
        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut buf = [0u8; 4096];
        let (len, client) = socket.recv_from(&mut buf).unwrap();
        let query = Message::parse(&buf[..len]).unwrap();
        for (own, reply) in replies(&query) {
            let from = if own { &socket } else { &other };
            from.send_to(&reply.emit().unwrap(), client).unwrap();
        }
    });
    (addr, thread)
}

fn answer_to(query: &Message) -> Message {
    let mut reply = query.clone();
    reply.header.response = true;
    reply.answers = vec![netlessons::dns::Record {
        name: query.questions[0].name.clone(),
        class: netlessons::dns::Class::IN,
        ttl: 60,
        data: netlessons::dns::RecordData::A([192, 0, 2, 1].into()),
    }];
    reply
}

#[test]
fn replies_that_do_not_match_are_ignored() {
    let (addr, fake) = fake_server(|query| {
        let mut wrong_id = answer_to(query);
        wrong_id.header.id = query.header.id.wrapping_add(1);
        wrong_id.answers[0].data = netlessons::dns::RecordData::A([6, 6, 6, 6].into());
        let mut wrong_question = answer_to(query);
        wrong_question.questions[0].name = Name::from_text("bank.test.").unwrap();
        let forged_source = answer_to(query);
        vec![
            (true, wrong_id),
            (true, wrong_question),
            (false, forged_source),
            (true, answer_to(query)),
        ]
    });
    let done = exchange(addr, &name("www.example.test"), RecordType::A, &options()).unwrap();
    fake.join().unwrap();
    assert_eq!(done.ignored, 3);
    assert_eq!(
        lines(&done.reply),
        ["www.example.test.\t60\tIN\tA\t192.0.2.1"]
    );
}

#[test]
fn a_silent_server_times_out_after_the_retries() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let quick = QueryOptions {
        timeout: Duration::from_millis(100),
        retries: 2,
        ..QueryOptions::default()
    };
    let started = Instant::now();
    let result = query(
        silent.local_addr().unwrap(),
        &name("www.example.test"),
        RecordType::A,
        &quick,
    );
    let waited = started.elapsed();
    assert!(
        matches!(result, Err(ResolveError::Timeout { tries: 3 })),
        "{result:?}"
    );
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < SAFETY_TIMEOUT, "{waited:?}");
    // Three tries, all with one ID: a late answer to the first counts.
    silent.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    let mut buf = [0u8; 512];
    let ids: Vec<u16> = (0..3)
        .map(|_| {
            let len = silent.recv(&mut buf).unwrap();
            Message::parse(&buf[..len]).unwrap().header.id
        })
        .collect();
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
}

// The hierarchy: a root, test., and example.test., on 127.0.0.2, .3, .4.

const ROOT_ZONE: &str = "\
$ORIGIN .
$TTL 1d
@           SOA  a.root. hostmaster.root. 1 2h 1h 2w 1d
@           NS   a.root.
a.root.     A    127.0.0.2
test.       NS   ns.test.
ns.test.    A    127.0.0.3
";

const TEST_ZONE: &str = "\
$ORIGIN test.
$TTL 1d
@           SOA  ns hostmaster 1 2h 1h 2w 1d
@           NS   ns
ns          A    127.0.0.3
example     NS   ns1.example
ns1.example A    127.0.0.4
alias       CNAME www.example.test.
";

/// The three servers, all on one port, bound before anything is asked.
struct Hierarchy {
    root: SocketAddr,
    _servers: Vec<DnsServerHandle>,
}

fn hierarchy() -> Hierarchy {
    let zones = || {
        [
            Zone::parse("root.zone", ROOT_ZONE, None).unwrap(),
            Zone::parse("test.zone", TEST_ZONE, None).unwrap(),
            example_zone(),
        ]
    };
    // The first server picks a free port; the others take the same one
    // on their addresses, which may be taken there: then all again.
    for _ in 0..16 {
        let [root_zone, test_zone, example] = zones();
        let root = DnsServer::bind("127.0.0.2:0", root_zone).unwrap();
        let port = root.local_addr().unwrap().port();
        let (Ok(test), Ok(example)) = (
            DnsServer::bind(("127.0.0.3", port), test_zone),
            DnsServer::bind(("127.0.0.4", port), example),
        ) else {
            continue;
        };
        let servers: Vec<DnsServerHandle> = [root, test, example]
            .into_iter()
            .map(|server| server.spawn().unwrap())
            .collect();
        return Hierarchy {
            root: servers[0].local_addr(),
            _servers: servers,
        };
    }
    panic!("no port free on 127.0.0.2, .3 and .4 at once");
}

/// Each step as `server zone: what it said`.
fn walk(resolution: &netlessons::dns::resolver::Resolution) -> Vec<String> {
    resolution
        .steps
        .iter()
        .map(|step| format!("{} {}: {}", step.server.ip(), step.zone, step.said))
        .collect()
}

#[test]
fn the_walk_follows_referrals_from_the_root() {
    let tree = hierarchy();
    let found = resolve(
        &name("www.example.test"),
        RecordType::A,
        tree.root,
        &options(),
    )
    .unwrap();
    assert_eq!(
        walk(&found),
        [
            "127.0.0.2 .: ask the servers of test.: ns.test. 127.0.0.3",
            "127.0.0.3 test.: ask the servers of example.test.: ns1.example.test. 127.0.0.4",
            "127.0.0.4 example.test.: the answer (1 record)",
        ]
    );
    assert_eq!(found.rcode, Rcode::NOERROR);
    let answers: Vec<String> = found.answers.iter().map(ToString::to_string).collect();
    assert_eq!(answers, ["www.example.test.\t3600\tIN\tA\t192.0.2.80"]);
    // Every server was asked without RD.
    assert!(found
        .steps
        .iter()
        .all(|s| !s.reply.header.recursion_desired));
}

#[test]
fn the_walk_follows_an_alias_from_the_root_again() {
    let tree = hierarchy();
    let found = resolve(&name("alias.test"), RecordType::A, tree.root, &options()).unwrap();
    let said: Vec<&Said> = found.steps.iter().map(|step| &step.said).collect();
    assert_eq!(said.len(), 5, "{:?}", walk(&found));
    assert!(matches!(said[1], Said::Alias { .. }));
    let answers: Vec<String> = found.answers.iter().map(ToString::to_string).collect();
    assert_eq!(
        answers,
        [
            "alias.test.\t86400\tIN\tCNAME\twww.example.test.",
            "www.example.test.\t3600\tIN\tA\t192.0.2.80",
        ]
    );
}

#[test]
fn the_walk_ends_at_a_name_that_does_not_exist() {
    let tree = hierarchy();
    let found = resolve(
        &name("nope.example.test"),
        RecordType::A,
        tree.root,
        &options(),
    )
    .unwrap();
    assert_eq!(found.rcode, Rcode::NXDOMAIN);
    assert!(found.answers.is_empty());
    assert_eq!(found.steps.len(), 3);
    // And a name the root has never heard of: at the first step.
    let found = resolve(&name("www.nowhere"), RecordType::A, tree.root, &options()).unwrap();
    assert_eq!(found.rcode, Rcode::NXDOMAIN);
    assert_eq!(found.steps.len(), 1);
}

#[test]
fn glue_from_outside_the_servers_zone_is_not_believed() {
    // The servers of test. say that example.test. is served by ns.evil.,
    // at 6.6.6.6: a name outside test., which they have no say over.
    let root_zone = Zone::parse("root.zone", ROOT_ZONE, None).unwrap();
    let (root, fake) = (0..16)
        .find_map(|_| {
            let root = DnsServer::bind("127.0.0.2:0", root_zone.clone()).unwrap();
            let port = root.local_addr().unwrap().port();
            let fake = UdpSocket::bind(("127.0.0.3", port)).ok()?;
            Some((root.spawn().unwrap(), fake))
        })
        .expect("a port free on 127.0.0.2 and .3");
    fake.set_read_timeout(Some(SAFETY_TIMEOUT)).unwrap();
    let liar = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let (len, client) = fake.recv_from(&mut buf).unwrap();
        let mut reply = Message::parse(&buf[..len]).unwrap();
        reply.header.response = true;
        let record = |owner: &str, data| netlessons::dns::Record {
            name: name(owner),
            class: netlessons::dns::Class::IN,
            ttl: 60,
            data,
        };
        use netlessons::dns::RecordData::{Ns, A};
        reply.authority = vec![record("example.test.", Ns(name("ns.evil.")))];
        reply.additional = vec![record("ns.evil.", A([6, 6, 6, 6].into()))];
        fake.send_to(&reply.emit().unwrap(), client).unwrap();
    });
    let result = resolve(
        &name("www.example.test"),
        RecordType::A,
        root.local_addr(),
        &options(),
    );
    liar.join().unwrap();
    match result {
        Err(ResolveError::NoGlue { zone }) => assert_eq!(zone, name("example.test.")),
        other => panic!("{other:?}"),
    }
}

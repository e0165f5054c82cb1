//! Chapter 04's DNS server against dig, its resolver against dnsmasq, and
//! its zone file against BIND's named-checkzone.

use super::{require, run};
use netlessons::dns::{
    query, DnsServer, DnsServerHandle, Name, QueryOptions, Rcode, RecordType, Zone,
};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ZONE_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/lessons/04-dns/example.test.zone"
);

/// The chapter's zone, and a TXT answer of about 1500 bytes: longer than
/// the 1232 bytes dig offers, so that dig has to ask again over TCP.
fn server() -> DnsServerHandle {
    let mut text = std::fs::read_to_string(ZONE_FILE).unwrap();
    for i in 0..6 {
        text.push_str(&format!("big IN TXT \"{i}{}\"\n", "x".repeat(250)));
    }
    let zone = Zone::parse("example.test.zone", &text, None).unwrap();
    DnsServer::bind("127.0.0.1:0", zone)
        .and_then(DnsServer::spawn)
        .unwrap()
}

/// `dig @127.0.0.1 -p PORT ARGS...`, with one try of a few seconds so
/// that a server that does not answer fails the test at once; its output.
fn dig(server: &DnsServerHandle, args: &[&str]) -> String {
    let port = server.local_addr().port().to_string();
    let mut all = vec!["@127.0.0.1", "-p", &port, "+tries=1", "+time=5"];
    all.extend_from_slice(args);
    String::from_utf8(run("dig", &all, b"").stdout).unwrap()
}

/// The lines of dig's answer section (the records, tab-separated).
fn answer_lines(output: &str) -> Vec<&str> {
    section(output, ";; ANSWER SECTION:")
}

fn section<'a>(output: &'a str, title: &str) -> Vec<&'a str> {
    output
        .lines()
        .skip_while(|line| *line != title)
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect()
}

#[test]
fn dig_gets_each_kind_of_answer() {
    let server = server();
    let table: &[(&[&str], &str, &[&str])] = &[
        (
            &["www.example.test", "A"],
            "NOERROR",
            &["www.example.test.\t3600\tIN\tA\t192.0.2.80"],
        ),
        (
            &["www.example.test", "AAAA"],
            "NOERROR",
            &["www.example.test.\t3600\tIN\tAAAA\t2001:db8::80"],
        ),
        (
            &["example.test", "MX"],
            "NOERROR",
            &["example.test.\t\t3600\tIN\tMX\t10 mail.example.test."],
        ),
        (
            &["example.test", "TXT"],
            "NOERROR",
            &["example.test.\t\t3600\tIN\tTXT\t\"v=spf1 mx -all\""],
        ),
        (
            &["example.test", "SOA"],
            "NOERROR",
            &["example.test.\t\t3600\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"],
        ),
        (
            &["web.example.test", "A", "+norecurse"],
            "NOERROR",
            &[
                "web.example.test.\t3600\tIN\tCNAME\twww.example.test.",
                "www.example.test.\t3600\tIN\tA\t192.0.2.80",
            ],
        ),
        (
            &["example.test", "NS"],
            "NOERROR",
            &[
                "example.test.\t\t3600\tIN\tNS\tns1.example.test.",
                "example.test.\t\t3600\tIN\tNS\tns2.example.test.",
            ],
        ),
        // RFC 8482: one record set, not every record of the name.
        (
            &["example.test", "ANY"],
            "NOERROR",
            &["example.test.\t\t3600\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"],
        ),
        (
            &["web.example.test", "CNAME"],
            "NOERROR",
            &["web.example.test.\t3600\tIN\tCNAME\twww.example.test."],
        ),
        (&["nope.example.test", "A"], "NXDOMAIN", &[]),
        (&["www.other.test", "A"], "REFUSED", &[]),
        (
            &["www.example.test", "A", "+tcp"],
            "NOERROR",
            &["www.example.test.\t3600\tIN\tA\t192.0.2.80"],
        ),
    ];
    for (args, status, answers) in table {
        let output = dig(&server, args);
        assert!(
            output.contains(&format!("status: {status},")),
            "{args:?}:\n{output}"
        );
        assert_eq!(answer_lines(&output), *answers, "{args:?}:\n{output}");
        // dig checks the reply's ID, question and source, and warns when
        // a reply is malformed: no warning may appear but the one that
        // says this server does not recurse (RA clear, RD asked).
        let warnings = output
            .lines()
            .filter(|line| line.contains("WARNING"))
            .filter(|line| !line.contains("recursion requested but not available"));
        assert_eq!(warnings.count(), 0, "{args:?}:\n{output}");
        assert!(!output.contains("FORMERR"), "{args:?}:\n{output}");
    }
}

#[test]
fn dig_sees_an_authoritative_answer_and_the_soa_of_a_negative_one() {
    let server = server();
    let output = dig(&server, &["www.example.test", "A"]);
    assert!(output.contains(";; flags: qr aa rd;"), "{output}");
    assert!(output.contains("WARNING: recursion requested but not available"));
    let output = dig(&server, &["nope.example.test", "A", "+norecurse"]);
    assert!(output.contains(";; flags: qr aa;"), "{output}");
    assert_eq!(
        section(&output, ";; AUTHORITY SECTION:"),
        ["example.test.\t\t300\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"],
        "{output}"
    );
    // EDNS: dig offers 1232 bytes, the server says what it takes.
    assert!(
        output.contains("; EDNS: version: 0, flags:; udp: 1232"),
        "{output}"
    );
}

#[test]
fn dig_retries_a_long_answer_over_tcp_by_itself() {
    let server = server();
    let output = dig(&server, &["big.example.test", "TXT"]);
    assert!(
        output.contains(";; Truncated, retrying in TCP mode."),
        "{output}"
    );
    assert_eq!(answer_lines(&output).len(), 6, "{output}");
    assert!(output.contains("(TCP)"), "{output}");
}

#[test]
fn named_checkzone_accepts_the_chapters_zone() {
    let output = run("named-checkzone", &["example.test", ZONE_FILE], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("loaded serial 2024010101"), "{text}");
    assert!(text.trim_end().ends_with("OK"), "{text}");
}

#[test]
fn named_checkzone_accepts_the_zones_of_the_walk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/04-dns");
    for (origin, file) in [(".", "root.zone"), ("test", "test.zone")] {
        let path = root.join(file);
        let output = run("named-checkzone", &[origin, path.to_str().unwrap()], b"");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("loaded serial 1"), "{file}: {text}");
        assert!(text.trim_end().ends_with("OK"), "{file}: {text}");
    }
}

/// dnsmasq in the foreground on loopback, answering only from its command
/// line (no upstream, no /etc/hosts, no config file): killed when dropped.
struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dnsmasq() -> Dnsmasq {
    // Debian puts it in /usr/sbin, which a user's PATH may lack.
    let program = std::path::PathBuf::from("/usr/sbin/dnsmasq");
    let program = match program.is_file() {
        true => program,
        false => require("dnsmasq"),
    };
    // A port that was free a moment ago; if dnsmasq cannot have it after
    // all, it exits at once and another is tried.
    for _ in 0..8 {
        let port = UdpSocket::bind("127.0.0.1:0")
            .and_then(|socket| socket.local_addr())
            .unwrap()
            .port();
        let mut child = Command::new(&program)
            .args([
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--pid-file=",
                &format!("--port={port}"),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--address=/x.test/192.0.2.1",
                "--host-record=www.example.test,192.0.2.80,2001:db8::80",
                "--mx-host=example.test,mail.example.test,10",
                "--txt-record=example.test,v=spf1 mx -all,second string",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start dnsmasq: {error}"));
        // It logs "started" once its sockets are bound.
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let started = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("started"));
        if started {
            // Keep reading its log, so that it never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Dnsmasq {
                child,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
            };
        }
        let _ = child.wait();
    }
    panic!("dnsmasq did not start on any port tried");
}

#[test]
fn the_stub_resolver_asks_dnsmasq() {
    let dnsmasq = dnsmasq();
    let options = QueryOptions {
        timeout: Duration::from_secs(2),
        ..QueryOptions::default()
    };
    let ask = |text: &str, qtype| {
        let name = Name::from_text(text).unwrap();
        query(dnsmasq.addr, &name, qtype, &options).unwrap()
    };
    let table: &[(&str, RecordType, Rcode, &[&str])] = &[
        (
            "www.example.test",
            RecordType::A,
            Rcode::NOERROR,
            &["www.example.test.\t0\tIN\tA\t192.0.2.80"],
        ),
        (
            "www.example.test",
            RecordType::AAAA,
            Rcode::NOERROR,
            &["www.example.test.\t0\tIN\tAAAA\t2001:db8::80"],
        ),
        (
            "example.test",
            RecordType::MX,
            Rcode::NOERROR,
            &["example.test.\t0\tIN\tMX\t10 mail.example.test."],
        ),
        (
            "example.test",
            RecordType::TXT,
            Rcode::NOERROR,
            &["example.test.\t0\tIN\tTXT\t\"v=spf1 mx -all\" \"second string\""],
        ),
        (
            "any.name.x.test",
            RecordType::A,
            Rcode::NOERROR,
            &["any.name.x.test.\t0\tIN\tA\t192.0.2.1"],
        ),
    ];
    for &(name, qtype, rcode, answers) in table {
        let reply = ask(name, qtype);
        assert_eq!(reply.header.rcode, rcode, "{name} {qtype}");
        let lines: Vec<String> = reply.answers.iter().map(ToString::to_string).collect();
        assert_eq!(lines, answers, "{name} {qtype}");
    }
    // Over TCP too.
    let tcp = QueryOptions {
        tcp: true,
        ..options
    };
    let name = Name::from_text("www.example.test").unwrap();
    let reply = query(dnsmasq.addr, &name, RecordType::A, &tcp).unwrap();
    assert_eq!(reply.answers.len(), 1);
}

#[test]
fn dig_with_other_options_and_odd_questions() {
    let server = server();
    // (dig's arguments, the status, what the output must hold, what it must not)
    let table: &[(&[&str], &str, &str, &str)] = &[
        // An EDNS size of 512 is still 512 (RFC 6891 §6.2.5).
        (
            &["www.example.test", "+bufsize=512", "+ignore"],
            "NOERROR",
            "; EDNS: version: 0, flags:; udp: 1232",
            "Truncated",
        ),
        // No OPT asked, none given.
        (
            &["www.example.test", "+noedns"],
            "NOERROR",
            "www.example.test.\t3600\tIN\tA\t192.0.2.80",
            "OPT PSEUDOSECTION",
        ),
        // DO is copied back (RFC 3225 §3); there is nothing to sign.
        (
            &["www.example.test", "+dnssec"],
            "NOERROR",
            "; EDNS: version: 0, flags: do; udp: 1232",
            "RRSIG",
        ),
        // A type no one knows: the name exists, the type does not.
        (
            &["www.example.test", "-t", "TYPE65534"],
            "NOERROR",
            "example.test.\t\t300\tIN\tSOA\t",
            "TYPE65534\t\\#",
        ),
        // Another class: this server holds one zone of class IN.
        (
            &["version.bind", "TXT", "CH"],
            "REFUSED",
            ";; flags: qr rd;",
            "ANSWER SECTION",
        ),
        // A mixed-case question comes back in its own case (RFC 4343),
        // which resolvers that randomise the case check.
        (
            &["WwW.ExAmPlE.TeSt", "A"],
            "NOERROR",
            ";WwW.ExAmPlE.TeSt.\t\tIN\tA",
            "WARNING: query and response",
        ),
    ];
    for (args, status, wanted, unwanted) in table {
        let output = dig(&server, args);
        assert!(
            output.contains(&format!("status: {status},")),
            "{args:?}:\n{output}"
        );
        assert!(output.contains(wanted), "{args:?}:\n{output}");
        assert!(!output.contains(unwanted), "{args:?}:\n{output}");
    }
    // A zone transfer is refused: dig says it failed, and gets no record.
    let output = dig(&server, &["example.test", "AXFR"]);
    assert!(output.contains("; Transfer failed."), "{output}");
    assert!(!output.contains("\tSOA\t"), "{output}");
}

#[test]
fn kdig_with_tcp_and_edns_options() {
    let server = server();
    let port = server.local_addr().port().to_string();
    for option in [
        "+notcp",
        "+tcp",
        "+edns",
        "+nsid",
        "+bufsize=4096",
        "+cookie",
    ] {
        let args = [
            "@127.0.0.1",
            "-p",
            &port,
            "+retry=0",
            "+timeout=5",
            option,
            "www.example.test",
            "A",
        ];
        let output = String::from_utf8(run("kdig", &args, b"").stdout).unwrap();
        assert!(output.contains("status: NOERROR;"), "{option}:\n{output}");
        assert!(
            output.contains(";; Flags: qr aa rd;"),
            "{option}:\n{output}"
        );
        assert!(
            output.contains("www.example.test.   \t3600\tIN\tA\t192.0.2.80"),
            "{option}:\n{output}"
        );
        assert!(!output.contains("WARNING"), "{option}:\n{output}");
    }
}

#[test]
fn drill_host_and_nslookup_get_answers() {
    let server = server();
    let port = server.local_addr().port().to_string();
    let stdout =
        |tool: &str, args: &[&str]| String::from_utf8(run(tool, args, b"").stdout).unwrap();
    let drill = stdout(
        "drill",
        &["-p", &port, "@127.0.0.1", "www.example.test", "AAAA"],
    );
    assert!(drill.contains("rcode: NOERROR"), "{drill}");
    assert!(drill.contains(";; flags: qr aa rd ;"), "{drill}");
    assert!(
        drill.contains("www.example.test.\t3600\tIN\tAAAA\t2001:db8::80"),
        "{drill}"
    );
    let host = stdout(
        "host",
        &[
            "-W",
            "5",
            "-p",
            &port,
            "-t",
            "MX",
            "example.test",
            "127.0.0.1",
        ],
    );
    assert!(
        host.contains("example.test mail is handled by 10 mail.example.test."),
        "{host}"
    );
    let nslookup = stdout(
        "nslookup",
        &[&format!("-port={port}"), "www.example.test", "127.0.0.1"],
    );
    assert!(nslookup.contains("Address: 192.0.2.80"), "{nslookup}");
    assert!(nslookup.contains("Address: 2001:db8::80"), "{nslookup}");
}

#[test]
fn dnspython_asks_over_udp_and_tcp() {
    let server = server();
    let script = r#"
import sys
try:
    import dns.message, dns.query, dns.flags
except ImportError:
    sys.exit("this test needs the python module dnspython (.ci/run installs it)")
port = int(sys.argv[1])
query = dns.message.make_query("www.example.test", "A", use_edns=0, want_dnssec=True)
udp = dns.query.udp(query, "127.0.0.1", port=port, timeout=5)
tcp = dns.query.tcp(dns.message.make_query("example.test", "MX"), "127.0.0.1", port=port, timeout=5)
print(udp.answer[0].to_text(), bool(udp.flags & dns.flags.AA), bool(udp.ednsflags & dns.flags.DO))
print(tcp.answer[0].to_text())
"#;
    let port = server.local_addr().port().to_string();
    let output = run("python3", &["-c", script, &port], b"");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "www.example.test. 3600 IN A 192.0.2.80 True True\n\
         example.test. 3600 IN MX 10 mail.example.test.\n"
    );
}

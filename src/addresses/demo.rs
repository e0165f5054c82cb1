//! The demo of chapter 01: `cargo run --example 01-addresses`.
//!
//! It prints only what is the same on every machine: parsed addresses and
//! URLs, and of `localhost` only what every machine agrees on (it is
//! loopback). The port the system picks is printed too; the lesson's output
//! check leaves port numbers out of the comparison. Every step checks that
//! what happened is what the lesson says, and fails the demo if not.

use super::{describe, resolve};
use crate::demo::{expect, DemoResult};
use crate::transcript::Transcript;
use crate::url::{Url, UrlError};
use std::net::{IpAddr, SocketAddr, TcpListener};

/// The chapter's demo: socket addresses, resolution, port 0, and URLs.
pub fn demo(transcript: &Transcript) -> DemoResult {
    socket_addresses(transcript)?;
    resolution(transcript)?;
    port_zero(transcript)?;
    url_parts(transcript)?;
    relative_references(transcript)?;
    percent_decoding(transcript)?;
    mistakes(transcript)
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

fn socket_addresses(transcript: &Transcript) -> DemoResult {
    transcript.say("-- socket addresses: an IP address and a port");
    for text in ["192.0.2.16:80", "[2001:db8::7]:8080"] {
        let address: SocketAddr = text.parse()?;
        let ip = address.ip();
        transcript.say(format!(
            "{text:?} -> {} address {ip}, port {}",
            family(ip),
            address.port()
        ));
    }

    let unbracketed = "::1:8080";
    let error = match unbracketed.parse::<SocketAddr>() {
        Ok(address) => return Err(format!("{unbracketed:?} parsed as {address}").into()),
        Err(error) => error,
    };
    transcript.say(format!("{unbracketed:?} -> refused: {error}"));
    let as_ip: IpAddr = unbracketed.parse()?;
    transcript.note(format!(
        "As an IP address alone it is valid ({as_ip} is 0:0:0:0:0:0:1:8080):\n\
         without brackets, nobody can tell where an IPv6 address ends."
    ));
    transcript.say("");
    Ok(())
}

fn resolution(transcript: &Transcript) -> DemoResult {
    transcript.say("-- resolution with ToSocketAddrs");
    let addresses = resolve("192.0.2.16", 80)?;
    let expected: SocketAddr = "192.0.2.16:80".parse()?;
    expect(addresses == [expected], "an address resolves to itself")?;
    transcript.say(format!("(\"192.0.2.16\", 80) -> {expected}"));
    transcript.note("An address needs no lookup: it comes back as it is.");

    let addresses = resolve("localhost", 80)?;
    let all_loopback = addresses.iter().all(|address| address.ip().is_loopback());
    expect(
        all_loopback,
        "localhost resolves to loopback addresses only",
    )?;
    transcript.say("(\"localhost\", 80) -> loopback addresses only");
    transcript.note(
        "127.0.0.1, ::1 or both: the hosts file says which. The resolver sorts\n\
         them by RFC 6724 (on Linux /etc/gai.conf can change that order):\n\
         `cargo run --example 01-addresses -- resolve localhost` shows yours.",
    );
    transcript.say("");
    Ok(())
}

fn port_zero(transcript: &Transcript) -> DemoResult {
    transcript.say("-- port 0: the system picks a free port");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    expect(address.port() != 0, "binding port 0 gives a real port")?;
    transcript.say(format!("bind 127.0.0.1:0 -> listening on {address}"));
    transcript.note(
        "local_addr() says which port. Tests do this, so that two of them\n\
         never fight over one port.",
    );
    transcript.say("");
    Ok(())
}

/// Prints the breakdown of one URL.
fn show_url(transcript: &Transcript, url: &Url) {
    for (label, value) in describe(url) {
        transcript.note(format!("{label:<15}{value}"));
    }
}

fn url_parts(transcript: &Transcript) -> DemoResult {
    transcript.say("-- URLs, taken apart (RFC 3986)");
    let text = "http://alice@Example.COM:8080/docs/caf%C3%A9.html?lang=en#menu";
    let url = Url::parse(text)?;
    expect(url.port() == Some(8080), "the port is 8080")?;
    expect(
        url.path() == "/docs/caf%C3%A9.html",
        "the path stays encoded",
    )?;
    transcript.say(text);
    show_url(transcript, &url);

    let text = "https://[2001:DB8::7]/";
    let url = Url::parse(text)?;
    expect(url.port_or_default() == Some(443), "https's default is 443")?;
    transcript.say(text);
    show_url(transcript, &url);
    transcript.say("");
    Ok(())
}

fn relative_references(transcript: &Transcript) -> DemoResult {
    let base = Url::parse("http://example.com/docs/guide/intro.html")?;
    transcript.say(format!("-- relative references, resolved against {base}"));
    let table = [
        ("setup.html", "http://example.com/docs/guide/setup.html"),
        ("../api/?v=2", "http://example.com/docs/api/?v=2"),
        ("/index.html", "http://example.com/index.html"),
        ("//cdn.example.net/app.js", "http://cdn.example.net/app.js"),
        (
            "#install",
            "http://example.com/docs/guide/intro.html#install",
        ),
        ("../../../../etc/passwd", "http://example.com/etc/passwd"),
    ];
    for (reference, expected) in table {
        let target = base.join(reference)?.to_string();
        expect(
            target == expected,
            &format!("{reference} resolves to {expected}"),
        )?;
        transcript.say(format!("{reference:<25}-> {target}"));
    }
    transcript.note(
        "\"..\" never climbs above the root, but a server must still check\n\
         every path it is asked for: chapter 06 does.",
    );
    transcript.say("");
    Ok(())
}

fn percent_decoding(transcript: &Transcript) -> DemoResult {
    transcript.say("-- percent-decoding: split first, then decode");
    let url = Url::parse("http://example.com/files/2024%2Freport.pdf")?;
    transcript.say(url.path());
    let mut segments = Vec::new();
    for segment in url.path().split('/').skip(1) {
        let decoded = crate::url::percent_decode(segment)?;
        segments.push(String::from_utf8(decoded)?);
    }
    expect(
        segments == ["files", "2024/report.pdf"],
        "%2F stays inside its segment",
    )?;
    transcript.note(format!("segments, each decoded: {segments:?}"));
    transcript.note(
        "Decoding the whole path first would make %2F a separator, and\n\
         \"2024/report.pdf\" two segments instead of one.",
    );
    transcript.say("");
    Ok(())
}

fn mistakes(transcript: &Transcript) -> DemoResult {
    transcript.say("-- mistakes the parser catches");
    let table = [
        (
            "http://example.com:99999/",
            UrlError::PortOutOfRange { value: 99999 },
        ),
        ("http://::1:8080/", UrlError::UnbracketedIpv6),
        ("http://127.1/", UrlError::AmbiguousIpv4),
        ("example.com/index.html", UrlError::MissingScheme),
    ];
    for (text, expected) in table {
        match Url::parse(text) {
            Err(error) if error == expected => {
                transcript.say(text);
                transcript.note(error);
            }
            other => return Err(format!("{text}: expected {expected:?}, got {other:?}").into()),
        }
    }

    // And one it cannot catch, because it is a valid URL.
    let text = "localhost:8080";
    let url = Url::parse(text)?;
    expect(
        url.scheme() == "localhost",
        "localhost:8080 has scheme localhost",
    )?;
    transcript.say(text);
    transcript.note(format!(
        "valid, but its scheme is {:?} and its path {:?}: write http://{text}/",
        url.scheme(),
        url.path()
    ));
    Ok(())
}

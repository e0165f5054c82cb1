//! Chapter 01, the side that touches the system: from a name to addresses.
//!
//! A program talks to another over IP by naming a *socket address*: an IP
//! address (which machine) and a port (which program on it). `std::net`
//! spells it [`SocketAddr`], written `192.0.2.16:80` or `[2001:db8::7]:80`.
//!
//! People prefer names such as `example.com`. Turning a name into addresses
//! is *resolution*, and `std` hands it to the operating system through the
//! [`ToSocketAddrs`] trait: the system's resolver reads the hosts file
//! (`/etc/hosts`), then asks DNS. One name can have many addresses, IPv4
//! and IPv6 alike: the hosts file and DNS decide which there are, and the
//! resolver (`getaddrinfo`) sorts them in the order it prefers, by the
//! policy of RFC 6724, which `/etc/gai.conf` can change on Linux. That is
//! why `localhost` can give both `127.0.0.1` and `::1`: the machine has a
//! loopback address in each family. A client should try
//! them in turn, as `TcpStream::connect` does when given them all; browsers
//! go further and race them ("Happy Eyeballs", RFC 8305).
//!
//! Resolution can block for seconds (DNS is a network round trip, and std
//! offers no timeout for it), so servers resolve once at start-up, never
//! per request.
//!
//! The parsing of URLs is pure and lives in [`crate::url`]; this module
//! holds what needs the system, the chapter's [`demo`], and [`describe`],
//! the breakdown of a URL that the demo and the example both print.

mod demo;

pub use demo::demo;

use crate::url::{percent_decode, Host, Url};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

// ANCHOR: resolve
/// Every socket address that `host` and `port` stand for, in the order the
/// system's resolver prefers them; never empty.
///
/// `host` may be a name (`localhost`), an IPv4 address, or an IPv6 address
/// with or without brackets (`::1`, `[::1]`). An address is returned as it
/// is, without asking anyone.
pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    // Brackets belong to URLs and "host:port" text; the resolver wants the
    // bare address.
    let bare = host
        .strip_prefix('[')
        .and_then(|inside| inside.strip_suffix(']'))
        .unwrap_or(host);
    let addresses: Vec<SocketAddr> = (bare, port).to_socket_addrs()?.collect();
    if addresses.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} has no addresses"),
        ));
    }
    Ok(addresses)
}
// ANCHOR_END: resolve

/// [`resolve`] for the host of a URL: an address needs no lookup.
pub fn resolve_host(host: &Host, port: u16) -> io::Result<Vec<SocketAddr>> {
    match host {
        Host::Name(name) => resolve(name, port),
        Host::Ipv4(ip) => Ok(vec![SocketAddr::from((*ip, port))]),
        Host::Ipv6(ip) => Ok(vec![SocketAddr::from((*ip, port))]),
    }
}

/// The parts of `url`, one `(label, value)` per line, for a reader: the
/// password hidden, the kind of host named, the default port and the
/// decoded path shown.
pub fn describe(url: &Url) -> Vec<(&'static str, String)> {
    let mut lines = vec![("scheme", url.scheme().to_string())];
    if let Some(userinfo) = url.userinfo() {
        let shown = match url.username() {
            Some(user) if url.password().is_some() => format!("{user}:****"),
            _ => userinfo.to_string(),
        };
        lines.push(("userinfo", shown));
    }
    if let Some(host) = url.host() {
        let shown = match host {
            Host::Name(name) if name.is_empty() => "(empty: this machine)".to_string(),
            _ => format!("{host} ({})", host_kind(host)),
        };
        lines.push(("host", shown));
        let port = match (url.port(), url.port_or_default()) {
            (Some(port), _) => port.to_string(),
            (None, Some(default)) => format!("none given: {}'s default is {default}", url.scheme()),
            (None, None) => "none".to_string(),
        };
        lines.push(("port", port));
    }
    lines.push(("path", describe_path(url.path())));
    if let Some(query) = url.query() {
        lines.push(("query", query.to_string()));
    }
    if let Some(fragment) = url.fragment() {
        lines.push(("fragment", fragment.to_string()));
    }
    if url.has_authority() {
        lines.push(("request target", url.request_target()));
    }
    lines
}

/// What a reader should know about a host before connecting to it.
fn host_kind(host: &Host) -> &'static str {
    match host {
        Host::Name(_) => "a name: resolve it to connect",
        Host::Ipv4(_) => "an IPv4 address: no lookup needed",
        Host::Ipv6(_) => "an IPv6 address: no lookup needed",
    }
}

/// The path, and what it decodes to when it holds escapes.
fn describe_path(path: &str) -> String {
    if path.is_empty() {
        return "(empty)".to_string();
    }
    if !path.contains('%') {
        return path.to_string();
    }
    match percent_decode(path) {
        // Lossy: this is for a reader; a byte that is not UTF-8 shows as �.
        Ok(bytes) => format!("{path} (decoded: {:?})", String::from_utf8_lossy(&bytes)),
        Err(error) => format!("{path} (cannot decode: {error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    #[test]
    fn addresses_resolve_to_themselves_without_a_lookup() {
        let table = [
            ("192.0.2.16", IpAddr::V4(Ipv4Addr::new(192, 0, 2, 16))),
            ("::1", IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ("[::1]", IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ];
        for (host, ip) in table {
            assert_eq!(
                resolve(host, 80).unwrap(),
                [SocketAddr::new(ip, 80)],
                "{host}"
            );
        }
    }

    #[test]
    fn localhost_resolves_to_loopback_addresses_only() {
        let addresses = resolve("localhost", 8080).unwrap();
        assert!(!addresses.is_empty());
        for address in addresses {
            assert!(address.ip().is_loopback(), "{address}");
            assert_eq!(address.port(), 8080);
        }
    }

    #[test]
    fn the_breakdown_hides_the_password_and_names_the_default_port() {
        let url = Url::parse("ftp://alice:secret@[2001:DB8::7]/pub/a%20b").unwrap();
        let lines = describe(&url);
        let value = |label| {
            lines
                .iter()
                .find(|(l, _)| *l == label)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("userinfo"), Some("alice:****"));
        assert_eq!(
            value("host"),
            Some("[2001:db8::7] (an IPv6 address: no lookup needed)")
        );
        assert_eq!(value("port"), Some("none given: ftp's default is 21"));
        assert_eq!(value("path"), Some("/pub/a%20b (decoded: \"/pub/a b\")"));
        assert!(!lines.iter().any(|(_, v)| v.contains("secret")));
    }
}

//! Turning text into a checked URL reference: split first, then check each part.
//!
//! RFC 3986 Appendix B shows that the five parts can be found without
//! knowing the grammar of any of them, by looking only for the delimiters
//! `:`, `/`, `?` and `#`:
//!
//! ```text
//! ^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?
//!   scheme        authority     path     query      fragment
//! ```
//!
//! So [`split`] does exactly that, and then each part is checked against its
//! own rule of §3. Every delimiter is ASCII, so every index found by `find`
//! is a character boundary and slicing there cannot panic, even when the
//! input holds multi-byte characters.

use super::percent::check_component;
use super::{Authority, Component, Host, UrlError, MAX_URL_LEN};
use std::net::{Ipv4Addr, Ipv6Addr};

/// A URI reference (§4.1): an absolute URL, or a relative one without a scheme.
pub(super) struct Reference {
    pub(super) scheme: Option<String>,
    pub(super) authority: Option<Authority>,
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) fragment: Option<String>,
}

/// A slice of the input and where it starts, so that errors can say where.
#[derive(Clone, Copy)]
struct Piece<'a> {
    at: usize,
    text: &'a str,
}

impl<'a> Piece<'a> {
    /// The part of this piece from byte `start` on (a character boundary).
    fn from(self, start: usize) -> Piece<'a> {
        Piece {
            at: self.at + start,
            text: &self.text[start..],
        }
    }

    /// The part of this piece before byte `end` (a character boundary).
    fn until(self, end: usize) -> Piece<'a> {
        Piece {
            at: self.at,
            text: &self.text[..end],
        }
    }
}

/// The five parts of a reference, found but not yet checked.
struct Pieces<'a> {
    scheme: Option<Piece<'a>>,
    authority: Option<Piece<'a>>,
    path: Piece<'a>,
    query: Option<Piece<'a>>,
    fragment: Option<Piece<'a>>,
}

// ANCHOR: split
/// Splits a reference into its five parts, as the regular expression of
/// Appendix B does. Never fails: any text splits somehow.
fn split(input: &str) -> Pieces<'_> {
    let whole = Piece { at: 0, text: input };

    // The fragment is everything after the first '#', the query everything
    // between the first '?' and the fragment.
    let (rest, fragment) = match whole.text.find('#') {
        Some(hash) => (whole.until(hash), Some(whole.from(hash + 1))),
        None => (whole, None),
    };
    let (rest, query) = match rest.text.find('?') {
        Some(mark) => (rest.until(mark), Some(rest.from(mark + 1))),
        None => (rest, None),
    };

    // A scheme is a non-empty run without '/' that ends in ':'.
    let (scheme, rest) = match rest.text.find([':', '/']) {
        Some(colon) if colon > 0 && rest.text.as_bytes()[colon] == b':' => {
            (Some(rest.until(colon)), rest.from(colon + 1))
        }
        _ => (None, rest),
    };

    // "//" starts the authority, which runs to the next '/'.
    let (authority, path) = match rest.text.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            let authority = rest.from(2).until(end);
            (Some(authority), rest.from(2 + end))
        }
        None => (None, rest),
    };

    Pieces {
        scheme,
        authority,
        path,
        query,
        fragment,
    }
}
// ANCHOR_END: split

// ANCHOR: parse_reference
/// Parses a URI reference (§4.1):
///
/// ```text
/// URI-reference = URI / relative-ref
/// URI           = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
/// relative-ref  = relative-part [ "?" query ] [ "#" fragment ]
/// ```
pub(super) fn parse_reference(input: &str) -> Result<Reference, UrlError> {
    if input.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    let pieces = split(input);

    let scheme = pieces.scheme.map(parse_scheme).transpose()?;
    let authority = pieces.authority.map(parse_authority).transpose()?;

    check_component(pieces.path.text, Component::Path, pieces.path.at)?;
    if scheme.is_none() && authority.is_none() {
        // path-noscheme (§4.2): in a relative reference the first segment
        // may not hold ':', or `a:b` could not be told from a scheme `a`.
        // Reaching here with one means the "scheme" before it was empty.
        let first_segment = pieces.path.text.split('/').next().unwrap_or("");
        if first_segment.contains(':') {
            return Err(UrlError::InvalidScheme);
        }
    }
    for (piece, component) in [
        (pieces.query, Component::Query),
        (pieces.fragment, Component::Fragment),
    ] {
        if let Some(piece) = piece {
            check_component(piece.text, component, piece.at)?;
        }
    }

    Ok(Reference {
        scheme,
        authority,
        path: pieces.path.text.to_string(),
        query: pieces.query.map(|piece| piece.text.to_string()),
        fragment: pieces.fragment.map(|piece| piece.text.to_string()),
    })
}
// ANCHOR_END: parse_reference

/// ```text
/// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
/// ```
///
/// Schemes are case-insensitive (§3.1), so the result is lowercased.
fn parse_scheme(piece: Piece<'_>) -> Result<String, UrlError> {
    let mut bytes = piece.text.bytes();
    let starts_with_letter = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_is_valid = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if starts_with_letter && rest_is_valid {
        Ok(piece.text.to_ascii_lowercase())
    } else {
        Err(UrlError::InvalidScheme)
    }
}

// ANCHOR: authority
/// ```text
/// authority = [ userinfo "@" ] host [ ":" port ]
/// userinfo  = *( unreserved / pct-encoded / sub-delims / ":" )
/// ```
fn parse_authority(piece: Piece<'_>) -> Result<Authority, UrlError> {
    // The userinfo may not hold '@', so the last '@' ends it; one more '@'
    // is then reported as a bad character in the userinfo, where the
    // fix (write it as %40) belongs.
    let (userinfo, host_port) = match piece.text.rfind('@') {
        Some(at_sign) => {
            let userinfo = piece.until(at_sign);
            check_component(userinfo.text, Component::Userinfo, userinfo.at)?;
            (Some(userinfo.text.to_string()), piece.from(at_sign + 1))
        }
        None => (None, piece),
    };
    let (host, port) = split_host_port(host_port)?;
    Ok(Authority {
        userinfo,
        host,
        port,
    })
}

/// ```text
/// host       = IP-literal / IPv4address / reg-name
/// IP-literal = "[" ( IPv6address / IPvFuture  ) "]"
/// port       = *DIGIT
/// ```
fn split_host_port(piece: Piece<'_>) -> Result<(Host, Option<u16>), UrlError> {
    let text = piece.text;
    if let Some(inside) = text.strip_prefix('[') {
        // An IPv6 address is full of ':', so the brackets are what tells
        // where the address ends and the port begins.
        let close = inside.find(']').ok_or(UrlError::InvalidIpv6)?;
        let host = parse_ip_literal(&inside[..close])?;
        let port = match &inside[close + 1..] {
            "" => None,
            after => parse_port(after.strip_prefix(':').ok_or(UrlError::InvalidPort)?)?,
        };
        return Ok((host, port));
    }
    // A name or an IPv4 address holds no ':', so two of them can only be an
    // IPv6 address that lost its brackets: say so, rather than "bad port".
    if text.bytes().filter(|&b| b == b':').count() > 1 {
        return Err(UrlError::UnbracketedIpv6);
    }
    match text.split_once(':') {
        Some((host, port)) => Ok((parse_host(piece.until(host.len()))?, parse_port(port)?)),
        None => Ok((parse_host(piece)?, None)),
    }
}
// ANCHOR_END: authority

/// The text between the brackets: an IPv6 address (RFC 4291 §2.2), which
/// `Ipv6Addr`'s parser knows. `IPvFuture = "v" 1*HEXDIG "." …` is refused.
fn parse_ip_literal(text: &str) -> Result<Host, UrlError> {
    if text.starts_with(['v', 'V']) {
        return Err(UrlError::UnsupportedIpVersion);
    }
    text.parse::<Ipv6Addr>()
        .map(Host::Ipv6)
        .map_err(|_| UrlError::InvalidIpv6)
}

// ANCHOR: host
/// ```text
/// IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet
/// reg-name    = *( unreserved / pct-encoded / sub-delims )
/// ```
///
/// A host that is four decimal numbers is an address; anything else is a
/// name. A name is lowercased, since DNS names are case-insensitive (§3.2.2).
fn parse_host(piece: Piece<'_>) -> Result<Host, UrlError> {
    // Ipv4Addr's parser takes exactly dotted-decimal: no leading zeros, no
    // fewer than four parts, as `dec-octet` wants.
    if let Ok(ip) = piece.text.parse::<Ipv4Addr>() {
        return Ok(Host::Ipv4(ip));
    }
    check_component(piece.text, Component::Host, piece.at)?;
    if ends_in_a_number(piece.text) {
        return Err(UrlError::AmbiguousIpv4);
    }
    Ok(Host::Name(piece.text.to_ascii_lowercase()))
}
// ANCHOR_END: host

/// Whether the last label of a name is a number, as in `127.1`, `1.2.3.4.`
/// or `0x7f.0.0.1`.
///
/// §7.4 warns that many resolvers read such names as addresses, in octal,
/// hexadecimal, or with missing parts filled in (`127.1` is 127.0.0.1).
/// A check on the URL would then disagree with where a connection goes,
/// so such hosts are refused: this crate's policy, since the grammar
/// accepts them as `reg-name`. No real name is lost: a top-level domain is
/// never all digits (RFC 3696 §2).
fn ends_in_a_number(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

// ANCHOR: port
/// ```text
/// port = *DIGIT
/// ```
///
/// The grammar allows any number of digits; a TCP or UDP port is 16 bits.
/// An empty port means no port (§3.2.3: `http://host:/` is `http://host/`).
fn parse_port(text: &str) -> Result<Option<u16>, UrlError> {
    if text.is_empty() {
        return Ok(None);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    // Saturating: a port of a hundred digits is an error, not an overflow.
    let value = text.bytes().fold(0u64, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    match u16::try_from(value) {
        Ok(port) => Ok(Some(port)),
        Err(_) => Err(UrlError::PortOutOfRange { value }),
    }
}
// ANCHOR_END: port

/// Parses `host[:port]` as it appears in a URL's authority: `example.com`,
/// `192.0.2.16:80`, `[::1]:8080`. Useful for command lines that take an
/// address to connect to.
pub fn parse_host_port(input: &str) -> Result<(Host, Option<u16>), UrlError> {
    if input.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    split_host_port(Piece { at: 0, text: input })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(input: &str) -> Result<(Host, Option<u16>), UrlError> {
        parse_host_port(input)
    }

    #[test]
    fn hosts_are_names_ipv4_or_bracketed_ipv6() {
        let v4 = |a, b, c, d| Host::Ipv4(Ipv4Addr::new(a, b, c, d));
        let table = [
            ("example.com", Host::Name("example.com".into()), None),
            (
                "Example.COM:8080",
                Host::Name("example.com".into()),
                Some(8080),
            ),
            ("192.0.2.16:80", v4(192, 0, 2, 16), Some(80)),
            ("[::1]", Host::Ipv6(Ipv6Addr::LOCALHOST), None),
            ("[::1]:8080", Host::Ipv6(Ipv6Addr::LOCALHOST), Some(8080)),
            ("localhost:", Host::Name("localhost".into()), None),
            ("", Host::Name(String::new()), None),
        ];
        for (input, expected_host, expected_port) in table {
            assert_eq!(host(input), Ok((expected_host, expected_port)), "{input}");
        }
    }

    #[test]
    fn an_ipv6_address_needs_brackets() {
        // "::1:80" is itself a valid IPv6 address (0:0:0:0:0:0:1:80), so
        // without brackets nobody can tell the port from the address.
        assert_eq!(host("::1:80"), Err(UrlError::UnbracketedIpv6));
        assert_eq!(host("[::1"), Err(UrlError::InvalidIpv6));
        assert_eq!(host("[::g]"), Err(UrlError::InvalidIpv6));
        assert_eq!(host("[::1]80"), Err(UrlError::InvalidPort));
        assert_eq!(host("[v7.1]"), Err(UrlError::UnsupportedIpVersion));
        // Zone identifiers (RFC 6874) are not supported.
        assert_eq!(host("[fe80::1%25eth0]"), Err(UrlError::InvalidIpv6));
    }

    #[test]
    fn ports_are_sixteen_bit_decimal_numbers() {
        assert_eq!(host("h:0"), Ok((Host::Name("h".into()), Some(0))));
        assert_eq!(host("h:065535"), Ok((Host::Name("h".into()), Some(65535))));
        assert_eq!(
            host("h:65536"),
            Err(UrlError::PortOutOfRange { value: 65536 })
        );
        assert_eq!(
            host("h:99999999999999999999999"),
            Err(UrlError::PortOutOfRange { value: u64::MAX })
        );
        assert_eq!(host("h:80a"), Err(UrlError::InvalidPort));
        assert_eq!(host("h:-1"), Err(UrlError::InvalidPort));
    }

    #[test]
    fn hosts_that_look_like_odd_ipv4_addresses_are_refused() {
        // RFC 3986 §7.4: resolvers read these as addresses in odd ways.
        for input in [
            "127.1",
            "2130706433",
            "0x7f.0.0.1",
            "1.2.3.4.",
            "01.2.3.4",
            "1.2.3.256",
        ] {
            assert_eq!(host(input), Err(UrlError::AmbiguousIpv4), "{input}");
        }
        // A number elsewhere than the last label is an ordinary name.
        assert_eq!(
            host("1.example"),
            Ok((Host::Name("1.example".into()), None))
        );
    }

    #[test]
    fn host_names_hold_no_delimiters_and_no_percent() {
        let table = [
            ("exa mple.com", 3, b' '),
            ("a%41", 1, b'%'),
            ("a<b", 1, b'<'),
        ];
        for (input, at, byte) in table {
            let expected = UrlError::InvalidCharacter {
                component: Component::Host,
                at,
                byte,
            };
            assert_eq!(host(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn split_follows_appendix_b() {
        let pieces = split("http://www.ics.uci.edu/pub/ietf/uri/#Related");
        assert_eq!(pieces.scheme.map(|p| p.text), Some("http"));
        assert_eq!(pieces.authority.map(|p| p.text), Some("www.ics.uci.edu"));
        assert_eq!(pieces.path.text, "/pub/ietf/uri/");
        assert_eq!(pieces.path.at, 22);
        assert!(pieces.query.is_none());
        assert_eq!(pieces.fragment.map(|p| p.text), Some("Related"));
    }
}

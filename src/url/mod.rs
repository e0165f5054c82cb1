//! URLs: a parser for RFC 3986, "Uniform Resource Identifier (URI): Generic Syntax".
//!
//! A URL names a resource and says how to reach it. Every URL has the same
//! five parts (RFC 3986 §3), whatever its scheme:
//!
//! ```text
//!   foo://user@example.com:8042/over/there?name=ferret#nose
//!   \_/   \___________________/\_________/ \_________/ \__/
//!    |              |               |           |        |
//!  scheme       authority          path       query   fragment
//! ```
//!
//! The authority is itself `[userinfo "@"] host [":" port]` (§3.2). The host
//! is a name to look up (`example.com`), an IPv4 address (`192.0.2.16`) or an
//! IPv6 address, which must be written in brackets (`[2001:db8::7]`) because
//! its own colons would otherwise be taken for the start of a port.
//!
//! What this module does, and where the RFC says so:
//!
//! - [`Url::parse`] splits a URL into its parts as Appendix B does, then
//!   checks each part against its grammar in §3.1 to §3.5. A URL is checked
//!   once, here; a [`Url`] value is always valid.
//! - [`percent_decode`] and [`percent_encode`] handle `%20`-style escapes (§2.1).
//! - [`LoginUrl`] reads the URLs of services one logs in to (`ftp://`,
//!   `pop3://`): the user, the password and the path, decoded.
//! - [`Url::join`] resolves a relative reference such as `../img/a.png`
//!   against a base URL (§5.2), removing `.` and `..` segments on the way
//!   ([`remove_dot_segments`], §5.2.4).
//! - `Display` writes the URL back; parsing what it writes gives the same
//!   [`Url`] again.
//!
//! Normalization (§6.2.2): the scheme and a host name are lowercased, since
//! they are case-insensitive; an empty port (`http://host:/`) is dropped. The
//! path, query and fragment are kept exactly as written: they are
//! case-sensitive, and decoding them is the caller's business, after it has
//! split them at their delimiters.
//!
//! What is left out, on purpose:
//!
//! - Percent-encoded host names (allowed by §3.2.2 for non-ASCII names) are
//!   refused: DNS names are ASCII, and an international name travels in its
//!   ASCII (punycode) form, which is the caller's to produce.
//! - `[v1.…]` address literals (IPvFuture) and IPv6 zone identifiers
//!   (`[fe80::1%25eth0]`, RFC 6874) are refused.
//! - Browsers accept many things that are not URLs (spaces, backslashes);
//!   this parser follows the RFC and says what is wrong instead.
//! - A host name that ends in a number (`127.1`, `0x7f.0.0.1`) is refused.
//!   That is this crate's policy, not the RFC's: such a host is a valid
//!   `reg-name`, but many resolvers read it as an IPv4 address in a form
//!   the RFC does not allow (`127.1` is 127.0.0.1 to them), and §7.4 warns
//!   about exactly that ambiguity.
//! - Host names are checked against `reg-name` only: besides letters,
//!   digits, `-` and `.`, it allows `_`, `~` and the sub-delimiters
//!   `!$&'()*+,;=`, so `http://a;b=c/` is a valid URL even though no DNS
//!   name looks like that. Whether a name exists is the resolver's business.
//!
//! The module is pure: no sockets, no lookups, no files. Chapter 01's
//! `addresses` module turns a [`Host`] into socket addresses.

mod login;
mod parse;
mod percent;
mod resolve;

pub use login::{LoginUrl, LoginUrlError};
pub use parse::parse_host_port;
pub use percent::{percent_decode, percent_encode};
pub use resolve::remove_dot_segments;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The longest URL [`Url::parse`] accepts, in bytes.
///
/// The RFC sets no limit, but every real program has one: common web
/// servers refuse request lines longer than about 8 KB, so a longer URL
/// could not be fetched anyway. A limit also bounds the memory one URL can
/// take, whoever sent it.
pub const MAX_URL_LEN: usize = 8192;

// ANCHOR: url
/// A parsed, valid URL (RFC 3986 §3).
///
/// Made by [`Url::parse`] or [`Url::join`]; every part has been checked
/// against its grammar, so the accessors need not check again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// Lowercased: `http`.
    scheme: String,
    /// Present when the URL has `//` after the scheme.
    authority: Option<Authority>,
    /// Still percent-encoded; may be empty.
    path: String,
    /// Without the `?`; still percent-encoded.
    query: Option<String>,
    /// Without the `#`; still percent-encoded.
    fragment: Option<String>,
}

/// `authority = [ userinfo "@" ] host [ ":" port ]` (§3.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Authority {
    userinfo: Option<String>,
    host: Host,
    port: Option<u16>,
}

/// Where the resource is: a name to look up, or an address (§3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A registered name such as `example.com`, lowercased. It must be
    /// resolved (through DNS or the hosts file) before anyone can connect.
    /// May be empty, as in `file:///etc/hosts`.
    Name(String),
    /// An IPv4 address, written as four decimal numbers: `192.0.2.16`.
    Ipv4(Ipv4Addr),
    /// An IPv6 address, written in brackets in a URL: `[2001:db8::7]`.
    Ipv6(Ipv6Addr),
}
// ANCHOR_END: url

impl Host {
    /// The address, when the host is one (no lookup needed).
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Name(_) => None,
            Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(*ip)),
        }
    }
}

/// Writes the host as it appears in a URL: an IPv6 address in brackets.
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ipv4(ip) => write!(f, "{ip}"),
            // Ipv6Addr's Display already writes the canonical text form of
            // RFC 5952: lowercase, longest run of zeros shortened to `::`.
            Host::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// The port a scheme uses when a URL names none, for the schemes this
/// course speaks: `http` 80, `https` 443, `ftp` 21, `smtp` 25, `pop3` 110.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Some(80),
        "https" => Some(443),
        "ftp" => Some(21),
        "smtp" => Some(25),
        "pop3" => Some(110),
        _ => None,
    }
}

impl Url {
    /// Parses an absolute URL such as `http://example.com/index.html`.
    ///
    /// A relative reference (`../index.html`) has no scheme and is refused
    /// with [`UrlError::MissingScheme`]: resolve it with [`Url::join`].
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let reference = parse::parse_reference(input)?;
        match reference.scheme {
            Some(scheme) => Ok(Url {
                scheme,
                authority: reference.authority,
                path: reference.path,
                query: reference.query,
                fragment: reference.fragment,
            }),
            None if input.is_empty() => Err(UrlError::Empty),
            None => Err(UrlError::MissingScheme),
        }
    }

    /// The scheme, lowercased: `http`, `mailto`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the URL has an authority (`//host` after the scheme).
    /// `mailto:` and `urn:` URLs have none.
    pub fn has_authority(&self) -> bool {
        self.authority.is_some()
    }

    /// Everything before the `@` of the authority, still percent-encoded:
    /// `alice:secret`. Treat it as a secret: see [`Url::redacted`].
    pub fn userinfo(&self) -> Option<&str> {
        self.authority.as_ref()?.userinfo.as_deref()
    }

    /// The user name: the userinfo up to its first `:`, still percent-encoded.
    pub fn username(&self) -> Option<&str> {
        let userinfo = self.userinfo()?;
        Some(userinfo.split_once(':').map_or(userinfo, |(user, _)| user))
    }

    /// The password: the userinfo after its first `:`, still percent-encoded.
    /// RFC 3986 §3.2.1 deprecates passwords in URLs; FTP still uses them.
    pub fn password(&self) -> Option<&str> {
        Some(self.userinfo()?.split_once(':')?.1)
    }

    /// The host, if the URL has an authority.
    pub fn host(&self) -> Option<&Host> {
        Some(&self.authority.as_ref()?.host)
    }

    /// The port written in the URL, if any.
    pub fn port(&self) -> Option<u16> {
        self.authority.as_ref()?.port
    }

    /// The port written in the URL, or else the scheme's [`default_port`].
    pub fn port_or_default(&self) -> Option<u16> {
        self.port().or_else(|| default_port(&self.scheme))
    }

    /// The path, still percent-encoded: `/over/there`. May be empty.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query, without its `?`, still percent-encoded.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The fragment, without its `#`, still percent-encoded. A client never
    /// sends it: it names a part of the resource, for the reader.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.as_deref()
    }

    // ANCHOR: request_target
    /// What an HTTP client puts in its request line: the path (`/` when it
    /// is empty) and the query, never the fragment (RFC 9112 §3.2.1, the
    /// "origin-form"): `http://example.com?q=1#top` asks for `/?q=1`.
    pub fn request_target(&self) -> String {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        match &self.query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        }
    }
    // ANCHOR_END: request_target

    /// The URL with its password replaced by `****`, for logs and
    /// transcripts: `ftp://alice:****@example.com/`.
    pub fn redacted(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_to(&mut out, true);
        out
    }

    /// Writes the URL (§5.3), hiding the password if asked to.
    fn write_to(&self, out: &mut impl fmt::Write, hide_password: bool) -> fmt::Result {
        write!(out, "{}:", self.scheme)?;
        if let Some(authority) = &self.authority {
            out.write_str("//")?;
            match (&authority.userinfo, hide_password) {
                (Some(userinfo), true) => match userinfo.split_once(':') {
                    Some((user, _)) => write!(out, "{user}:****@")?,
                    None => write!(out, "{userinfo}@")?,
                },
                (Some(userinfo), false) => write!(out, "{userinfo}@")?,
                (None, _) => {}
            }
            write!(out, "{}", authority.host)?;
            if let Some(port) = authority.port {
                write!(out, ":{port}")?;
            }
        }
        out.write_str(&self.path)?;
        if let Some(query) = &self.query {
            write!(out, "?{query}")?;
        }
        if let Some(fragment) = &self.fragment {
            write!(out, "#{fragment}")?;
        }
        Ok(())
    }
}

/// Writes the URL back as text; [`Url::parse`] of it gives the same `Url`.
impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f, false)
    }
}

impl FromStr for Url {
    type Err = UrlError;

    fn from_str(input: &str) -> Result<Url, UrlError> {
        Url::parse(input)
    }
}

/// The parts of a URL that a character can be refused in, and the sets
/// [`percent_encode`] encodes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// `user:password` before the `@`.
    Userinfo,
    /// A host name.
    Host,
    /// The whole path: `/` is kept as the separator it is.
    Path,
    /// One segment of a path: like `Path`, but `/` is encoded too.
    PathSegment,
    /// After the `?`.
    Query,
    /// After the `#`.
    Fragment,
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Component::Userinfo => "userinfo",
            Component::Host => "host",
            Component::Path => "path",
            Component::PathSegment => "path segment",
            Component::Query => "query",
            Component::Fragment => "fragment",
        })
    }
}

// ANCHOR: error
/// Why a URL was refused. Positions (`at`) count bytes from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// The input is empty.
    Empty,
    /// The input is longer than [`MAX_URL_LEN`] bytes.
    TooLong,
    /// There is no scheme (`example.com/index.html`).
    MissingScheme,
    /// The scheme is empty, does not start with a letter, or holds something
    /// other than letters, digits, `+`, `-` and `.`.
    InvalidScheme,
    /// A character this part of the URL may not hold as it is.
    InvalidCharacter {
        /// The part it was found in.
        component: Component,
        /// Where it is.
        at: usize,
        /// The byte itself (the first byte, for a non-ASCII character).
        byte: u8,
    },
    /// A `%` not followed by two hexadecimal digits (`%G1`).
    InvalidPercentEncoding {
        /// Where the `%` is.
        at: usize,
    },
    /// A `%` cut short by the end of the text (`%4`).
    TruncatedPercentEncoding {
        /// Where the `%` is.
        at: usize,
    },
    /// The port is not a plain decimal number.
    InvalidPort,
    /// The port is a number above 65535 (`u64::MAX`: too many digits to count).
    PortOutOfRange {
        /// The number written.
        value: u64,
    },
    /// An IPv6 address without the brackets a URL needs (`http://::1/`).
    UnbracketedIpv6,
    /// The brackets are not closed, or do not hold an IPv6 address.
    InvalidIpv6,
    /// An address literal for a future IP version (`[v7.1]`), not supported.
    UnsupportedIpVersion,
    /// A host that ends in a number but is not four decimal numbers
    /// (`127.1`, `0x7f.0.0.1`): valid for the RFC, refused by this crate's
    /// policy, since resolvers disagree on what it means (§7.4).
    AmbiguousIpv4,
}
// ANCHOR_END: error

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            UrlError::Empty => f.write_str("the URL is empty"),
            UrlError::TooLong => write!(f, "the URL is longer than {MAX_URL_LEN} bytes"),
            UrlError::MissingScheme => {
                f.write_str("the URL has no scheme: start it with one, as in http://")
            }
            UrlError::InvalidScheme => f.write_str(
                "the scheme must be a letter followed by letters, digits, '+', '-' or '.'",
            ),
            UrlError::InvalidCharacter {
                component: Component::Host,
                at,
                byte,
            } => write!(
                f,
                "{} at byte {at} may not appear in a host name, \
                 which may hold letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = \
                 (no %-escapes)",
                ShowByte(byte)
            ),
            UrlError::InvalidCharacter {
                component,
                at,
                byte,
            } => write!(
                f,
                "{} at byte {at} may not appear in the {component}: \
                 percent-encode it as %{byte:02X}",
                ShowByte(byte)
            ),
            UrlError::InvalidPercentEncoding { at } => write!(
                f,
                "'%' at byte {at} is not followed by two hexadecimal digits \
                 (a literal '%' is written %25)"
            ),
            UrlError::TruncatedPercentEncoding { at } => write!(
                f,
                "'%' at byte {at} is cut short: it needs two hexadecimal digits, as in %2F"
            ),
            UrlError::InvalidPort => {
                f.write_str("the port must be a number after ':', as in example.com:8080")
            }
            UrlError::PortOutOfRange { value: u64::MAX } => {
                f.write_str("the port is far out of range (0-65535)")
            }
            UrlError::PortOutOfRange { value } => {
                write!(f, "port {value} is out of range (0-65535)")
            }
            UrlError::UnbracketedIpv6 => f.write_str(
                "an IPv6 address in a URL must be in brackets, as in http://[::1]:8080/",
            ),
            UrlError::InvalidIpv6 => f.write_str(
                "the text in brackets is not an IPv6 address (nor closed by ']'), \
                 as in [2001:db8::7]",
            ),
            UrlError::UnsupportedIpVersion => {
                f.write_str("address literals of future IP versions ([v7.…]) are not supported")
            }
            UrlError::AmbiguousIpv4 => f.write_str(
                "the host looks like an IPv4 address but is not four decimal numbers \
                 0-255 (write 127.0.0.1, not 127.1 or 0x7f.0.0.1)",
            ),
        }
    }
}

impl std::error::Error for UrlError {}

/// Shows a byte in an error message: `' '`, `'<'`, or `byte 0xC3`.
struct ShowByte(u8);

impl fmt::Display for ShowByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            byte @ b' '..=b'~' => write!(f, "'{}'", byte as char),
            byte => write!(f, "byte 0x{byte:02X}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_hidden_when_redacted() {
        let url = Url::parse("ftp://alice:secret@example.com/pub").unwrap();
        assert_eq!(url.username(), Some("alice"));
        assert_eq!(url.password(), Some("secret"));
        assert_eq!(url.redacted(), "ftp://alice:****@example.com/pub");
        assert_eq!(url.to_string(), "ftp://alice:secret@example.com/pub");
    }

    #[test]
    fn the_request_target_is_path_and_query_without_fragment() {
        let table = [
            ("http://example.com", "/"),
            ("http://example.com?q=1#top", "/?q=1"),
            ("http://example.com/a/b?x=1&y=2#frag", "/a/b?x=1&y=2"),
            ("http://example.com/a%20b", "/a%20b"),
        ];
        for (input, expected) in table {
            assert_eq!(
                Url::parse(input).unwrap().request_target(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn the_default_port_depends_on_the_scheme() {
        let table = [
            ("http://example.com/", Some(80)),
            ("HTTPS://example.com/", Some(443)),
            ("ftp://example.com/", Some(21)),
            ("http://example.com:8080/", Some(8080)),
            ("gopher://example.com/", None),
        ];
        for (input, expected) in table {
            assert_eq!(
                Url::parse(input).unwrap().port_or_default(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let table = [
            (
                "http://example.com:99999/",
                "port 99999 is out of range (0-65535)",
            ),
            (
                "http://example.com/a b",
                "' ' at byte 20 may not appear in the path: percent-encode it as %20",
            ),
            (
                "http://example.com/%G1",
                "'%' at byte 19 is not followed by two hexadecimal digits \
                 (a literal '%' is written %25)",
            ),
        ];
        for (input, expected) in table {
            let error = Url::parse(input).unwrap_err();
            assert_eq!(error.to_string(), expected, "{input}");
        }
    }
}

//! The URL parser against the examples of RFC 3986, and against garbage.

use netlessons::url::{Host, Url, UrlError, MAX_URL_LEN};
use std::net::{Ipv4Addr, Ipv6Addr};

/// One expected breakdown: scheme, host, port, path, query, fragment.
struct Parts {
    input: &'static str,
    scheme: &'static str,
    host: Option<Host>,
    port: Option<u16>,
    path: &'static str,
    query: Option<&'static str>,
}

fn name(name: &str) -> Option<Host> {
    Some(Host::Name(name.to_string()))
}

#[test]
fn the_examples_of_rfc_3986_section_1_1_2_parse() {
    let table = [
        Parts {
            input: "ftp://ftp.is.co.za/rfc/rfc1808.txt",
            scheme: "ftp",
            host: name("ftp.is.co.za"),
            port: None,
            path: "/rfc/rfc1808.txt",
            query: None,
        },
        Parts {
            input: "http://www.ietf.org/rfc/rfc2396.txt",
            scheme: "http",
            host: name("www.ietf.org"),
            port: None,
            path: "/rfc/rfc2396.txt",
            query: None,
        },
        Parts {
            input: "ldap://[2001:db8::7]/c=GB?objectClass?one",
            scheme: "ldap",
            host: Some(Host::Ipv6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7))),
            port: None,
            path: "/c=GB",
            // A '?' inside the query is data: only the first one delimits.
            query: Some("objectClass?one"),
        },
        Parts {
            input: "mailto:John.Doe@example.com",
            scheme: "mailto",
            // No "//": no authority, and the '@' is part of the path.
            host: None,
            port: None,
            path: "John.Doe@example.com",
            query: None,
        },
        Parts {
            input: "news:comp.infosystems.www.servers.unix",
            scheme: "news",
            host: None,
            port: None,
            path: "comp.infosystems.www.servers.unix",
            query: None,
        },
        Parts {
            input: "tel:+1-816-555-1212",
            scheme: "tel",
            host: None,
            port: None,
            path: "+1-816-555-1212",
            query: None,
        },
        Parts {
            input: "telnet://192.0.2.16:80/",
            scheme: "telnet",
            host: Some(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 16))),
            port: Some(80),
            path: "/",
            query: None,
        },
        Parts {
            input: "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
            scheme: "urn",
            host: None,
            port: None,
            path: "oasis:names:specification:docbook:dtd:xml:4.1.2",
            query: None,
        },
    ];
    for expected in table {
        let input = expected.input;
        let url = Url::parse(input).unwrap_or_else(|error| panic!("{input}: {error}"));
        assert_eq!(url.scheme(), expected.scheme, "{input}");
        assert_eq!(url.host(), expected.host.as_ref(), "{input}");
        assert_eq!(url.port(), expected.port, "{input}");
        assert_eq!(url.path(), expected.path, "{input}");
        assert_eq!(url.query(), expected.query, "{input}");
        assert_eq!(url.fragment(), None, "{input}");
        // Each is already in normal form, so it is written back unchanged.
        assert_eq!(url.to_string(), input);
    }
}

/// RFC 3986 §5.4: every example resolves against this base.
const BASE: &str = "http://a/b/c/d;p?q";

#[test]
fn the_normal_examples_of_rfc_3986_section_5_4_1_resolve() {
    let table = [
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
    ];
    check_resolution(&table);
}

#[test]
fn the_abnormal_examples_of_rfc_3986_section_5_4_2_resolve() {
    let table = [
        // More ".." than there are segments: they stop at the root.
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        // Dot segments in an absolute path are removed too.
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        // Only a whole segment "." or ".." is special.
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        // Needless dot segments.
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        // Dots in the query or fragment are data, not segments.
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        // A strict parser: a scheme makes the reference absolute, even the base's own.
        ("http:g", "http:g"),
    ];
    check_resolution(&table);
}

fn check_resolution(table: &[(&str, &str)]) {
    let base = Url::parse(BASE).unwrap();
    for &(reference, expected) in table {
        let target = base
            .join(reference)
            .unwrap_or_else(|error| panic!("{reference:?}: {error}"));
        assert_eq!(target.to_string(), expected, "{reference:?}");
    }
}

#[test]
fn the_scheme_and_host_are_lowercased_the_rest_is_kept() {
    // RFC 3986 §6.2.2.1: scheme and host are case-insensitive; the path is not.
    let url = Url::parse("HTTP://User@Example.COM/Docs/Index.HTML?Q=A#Top").unwrap();
    assert_eq!(
        url.to_string(),
        "http://User@example.com/Docs/Index.HTML?Q=A#Top"
    );
}

#[test]
fn an_empty_port_is_no_port() {
    // RFC 3986 §3.2.3: "http://example.com:/" and "http://example.com/" are the same.
    let url = Url::parse("http://example.com:/").unwrap();
    assert_eq!(url.port(), None);
    assert_eq!(url.to_string(), "http://example.com/");
}

#[test]
fn a_name_followed_by_a_colon_is_a_scheme() {
    // Without "//", "localhost:8080" is scheme "localhost", path "8080".
    let url = Url::parse("localhost:8080").unwrap();
    assert_eq!(url.scheme(), "localhost");
    assert_eq!(url.host(), None);
    assert_eq!(url.path(), "8080");
}

#[test]
fn percent_encoded_slashes_stay_encoded_in_the_path() {
    // Decoding is the caller's job, after splitting into segments.
    let url = Url::parse("http://example.com/a%2Fb/c").unwrap();
    assert_eq!(url.path(), "/a%2Fb/c");
    let segments: Vec<&str> = url.path().split('/').collect();
    assert_eq!(segments, ["", "a%2Fb", "c"]);
}

#[test]
fn percent_encoded_dots_are_not_dot_segments() {
    // §2.3: %2E is "." only after decoding; reference resolution works on the
    // encoded form, so a server must decode, then check for "..", itself.
    let base = Url::parse("http://example.com/a/b").unwrap();
    let target = base.join("%2E%2E/secret").unwrap();
    assert_eq!(target.path(), "/a/%2E%2E/secret");
}

#[test]
fn malformed_urls_are_refused_with_the_reason() {
    let table = [
        ("", UrlError::Empty),
        ("example.com/index.html", UrlError::MissingScheme),
        ("//example.com/", UrlError::MissingScheme),
        ("1http://example.com/", UrlError::InvalidScheme),
        (":foo", UrlError::InvalidScheme),
        ("ht tp://example.com/", UrlError::InvalidScheme),
        (
            "http://example.com:99999/",
            UrlError::PortOutOfRange { value: 99999 },
        ),
        ("http://example.com:8o/", UrlError::InvalidPort),
        ("http://::1/", UrlError::UnbracketedIpv6),
        ("http://[::1/", UrlError::InvalidIpv6),
        ("http://[127.0.0.1]/", UrlError::InvalidIpv6),
        ("http://[v1.x]/", UrlError::UnsupportedIpVersion),
        ("http://127.1/", UrlError::AmbiguousIpv4),
        (
            "http://example.com/%G1",
            UrlError::InvalidPercentEncoding { at: 19 },
        ),
        (
            "http://example.com/%4",
            UrlError::TruncatedPercentEncoding { at: 19 },
        ),
        (
            "http://example.com/?%4#x",
            UrlError::TruncatedPercentEncoding { at: 20 },
        ),
    ];
    for (input, expected) in table {
        assert_eq!(Url::parse(input), Err(expected), "{input:?}");
    }
}

#[test]
fn characters_a_component_may_not_hold_are_refused_where_they_are() {
    use netlessons::url::Component::{Fragment, Host, Path, Query, Userinfo};
    let table = [
        ("http://exa mple.com/", Host, 10, b' '),
        ("http://a@b@example.com/", Userinfo, 8, b'@'),
        ("http://example.com/a b", Path, 20, b' '),
        ("http://example.com/\r\nHost: evil", Path, 19, b'\r'),
        ("http://example.com/caf\u{e9}", Path, 22, 0xC3),
        ("http://example.com/?a<b", Query, 21, b'<'),
        ("http://example.com/#a#b", Fragment, 21, b'#'),
    ];
    for (input, component, at, byte) in table {
        let expected = UrlError::InvalidCharacter {
            component,
            at,
            byte,
        };
        assert_eq!(Url::parse(input), Err(expected), "{input:?}");
    }
}

#[test]
fn urls_longer_than_the_limit_are_refused() {
    let prefix = "http://example.com/";
    let fits = format!("{prefix}{}", "a".repeat(MAX_URL_LEN - prefix.len()));
    assert!(Url::parse(&fits).is_ok());
    let too_long = format!("{fits}a");
    assert_eq!(Url::parse(&too_long), Err(UrlError::TooLong));
    // Resolving may not build one either.
    let base = Url::parse(&fits).unwrap();
    assert_eq!(base.join("?q"), Err(UrlError::TooLong));
}

/// URLs of every shape, in normal form, for the round trip and the prefixes.
const VALID: &[&str] = &[
    "http://example.com",
    "http://example.com/",
    "https://alice:secret@example.com:8443/a/b;c=d?e=f&g=h#i",
    "http://[2001:db8::7]:8080/index.html",
    "http://[::ffff:192.0.2.1]/",
    "http://192.0.2.16:80/",
    "ftp://ftp.example.com/pub/file%20name.txt",
    "file:///etc/hosts",
    "mailto:John.Doe@example.com",
    "urn:isbn:0451450523",
    "foo:/.//x",
    "http://example.com/caf%C3%A9?q=%2F#%20",
    "http://example.com?#",
    "s+v-1.x://h/",
];

#[test]
fn parse_and_display_are_inverses() {
    for &input in VALID {
        let url = Url::parse(input).unwrap_or_else(|error| panic!("{input}: {error}"));
        let written = url.to_string();
        assert_eq!(written, input, "written back");
        assert_eq!(Url::parse(&written), Ok(url), "parsed again");
    }
}

#[test]
fn every_prefix_of_a_valid_url_parses_or_fails_without_panicking() {
    // Cut at every character boundary: inside '%' escapes, brackets, ports,
    // and next to multi-byte characters.
    let mut inputs: Vec<&str> = VALID.to_vec();
    inputs.push("http://example.com/caf\u{e9}/\u{1F980}?\u{e9}#\u{e9}");
    for input in inputs {
        for (end, _) in input.char_indices().chain([(input.len(), ' ')]) {
            let prefix = &input[..end];
            if let Ok(url) = Url::parse(prefix) {
                assert_eq!(Url::parse(&url.to_string()), Ok(url), "{prefix:?}");
            }
        }
    }
}

#[test]
fn garbage_never_panics_the_parser_or_the_resolver() {
    // A small deterministic generator (xorshift), so a failure repeats.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // The characters that mean something to the parser, and a few that don't.
    let alphabet: Vec<char> = ":/?#[]@%.!$&'()*+,;=-_~09afAFxv \u{e9}\u{0}\r\n"
        .chars()
        .collect();
    let base = Url::parse("http://a/b/c/d;p?q").unwrap();
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        // Half of them start like a URL, so the later stages are reached too.
        let mut input = String::from(if next() % 2 == 0 { "http://" } else { "" });
        input.extend((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
        if let Ok(url) = Url::parse(&input) {
            assert_eq!(Url::parse(&url.to_string()), Ok(url), "{input:?}");
        }
        if let Ok(url) = base.join(&input) {
            assert_eq!(Url::parse(&url.to_string()), Ok(url), "join {input:?}");
        }
        let _ = netlessons::url::percent_decode(&input);
        let _ = netlessons::url::parse_host_port(&input);
    }
}

#[test]
fn a_host_name_may_hold_what_reg_name_allows() {
    // RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ).
    // Not DNS names, but valid hosts: the resolver decides if they exist.
    for (input, expected) in [
        ("http://a;b=c/", "a;b=c"),
        ("http://ex!ample/", "ex!ample"),
        ("http://my_host~1.example/", "my_host~1.example"),
    ] {
        let url = Url::parse(input).unwrap_or_else(|error| panic!("{input}: {error}"));
        assert_eq!(url.host(), name(expected).as_ref(), "{input}");
    }
}

#[test]
fn the_host_error_lists_the_characters_a_host_may_hold() {
    let error = Url::parse("http://exa mple.com/").unwrap_err().to_string();
    assert!(
        error.contains("letters, digits and - . _ ~ ! $ & ' ( ) * + , ; ="),
        "{error}"
    );
}

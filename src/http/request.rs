//! What an HTTP client sends: the request bytes, form bodies, and where a
//! redirect leads (the pure part of [`super::client`]).
//!
//! A request is a head and an optional body (RFC 9112 §3):
//!
//! ```text
//! POST /form?lang=en HTTP/1.1                       request line: method, target, version
//! Host: example.com:8080                            where the client thinks it is going
//! User-Agent: netlessons/0.1                        who is asking
//! Content-Type: application/x-www-form-urlencoded   what the body is
//! Content-Length: 21                                where the body ends
//!                                                   the empty line ends the head
//! name=Ada+Lovelace&x=1                             the body
//! ```
//!
//! Everything here is a pure function of its arguments: no sockets, so the
//! tests compare bytes.

use super::head::{is_token, Method};
use super::headers::Headers;
use crate::url::{Host, Url};
use std::fmt;

/// The `User-Agent` this client sends (RFC 9110 §10.1.5): a product name
/// and version, so that a server's log says who asked.
pub const USER_AGENT: &str = "netlessons/0.1";

/// Why a request cannot be written. Each is found before a byte is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The method is not a token (`GET`, `PROPFIND`): it holds a space, a
    /// line break or another character that would change the request line.
    BadMethod(String),
    /// A header name that is not a token (empty, or with a space or a colon).
    BadHeaderName(String),
    /// A header value with CR, LF or another control character: sent as is,
    /// it would end the field and start a new one (header injection).
    BadHeaderValue {
        /// The field whose value was refused.
        name: String,
    },
    /// A header the client writes itself from the body: `Content-Length`
    /// or `Transfer-Encoding`. Two lengths in one request can be read two
    /// ways (request smuggling), so the caller may not set them.
    FramingHeader(String),
    /// The URL has no host to send the request to (`http:/path`).
    NoHost,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::BadMethod(method) => write!(
                f,
                "{method:?} is not a valid method: use letters, as in GET or POST"
            ),
            RequestError::BadHeaderName(name) => write!(
                f,
                "{name:?} is not a valid header name: use letters, digits and '-', as in X-Request-Id"
            ),
            RequestError::BadHeaderValue { name } => write!(
                f,
                "the value of header {name:?} holds a line break or another control character; \
                 refused, since it would let the value write header fields of its own"
            ),
            RequestError::FramingHeader(name) => write!(
                f,
                "{name} is written by the client from the body: do not set it yourself"
            ),
            RequestError::NoHost => f.write_str("the URL has no host: write it as http://host/path"),
        }
    }
}

impl std::error::Error for RequestError {}

// ANCHOR: host_header
/// The value of the `Host` header for `url` (RFC 9110 §7.2): the host as
/// written in a URL (an IPv6 address in brackets), and the port only when
/// it is not the scheme's default.
pub fn host_header(url: &Url) -> Result<String, RequestError> {
    let host = url.host().ok_or(RequestError::NoHost)?;
    if matches!(host, Host::Name(name) if name.is_empty()) {
        return Err(RequestError::NoHost);
    }
    // `Host`'s Display writes `[::1]` for IPv6, as the header needs.
    Ok(match url.port() {
        Some(port) if Some(port) != crate::url::default_port(url.scheme()) => {
            format!("{host}:{port}")
        }
        _ => host.to_string(),
    })
}
// ANCHOR_END: host_header

// ANCHOR: encode_request
/// Writes a whole request: head and body, ready for one `write_all`.
///
/// The client adds `Host` and `User-Agent` (unless `headers` has them) and
/// `Content-Length` (always its own). It sends no `Connection` header: in
/// HTTP/1.1 a connection stays open for the next request unless one side
/// says `Connection: close` (RFC 9112 §9.3).
pub fn encode_request(
    method: &Method,
    url: &Url,
    headers: &Headers,
    body: &[u8],
) -> Result<Vec<u8>, RequestError> {
    if !is_token(method.as_str().as_bytes()) {
        return Err(RequestError::BadMethod(method.as_str().to_string()));
    }
    check_headers(headers)?;
    let mut head = format!("{method} {} HTTP/1.1\r\n", url.request_target());
    // §7.2: every HTTP/1.1 request carries Host; a server answers 400 without it.
    if headers.get("host").is_none() {
        head.push_str(&format!("Host: {}\r\n", host_header(url)?));
    }
    if headers.get("user-agent").is_none() {
        head.push_str(&format!("User-Agent: {USER_AGENT}\r\n"));
    }
    for (name, value) in headers.iter() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // RFC 9110 §8.6: send Content-Length when there is a body, and for a
    // method that expects one even when it is empty (a POST of nothing).
    if !body.is_empty() || matches!(method, Method::Post | Method::Put | Method::Patch) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    Ok(request)
}

/// Refuses header fields that would change the shape of the request.
fn check_headers(headers: &Headers) -> Result<(), RequestError> {
    for (name, value) in headers.iter() {
        if !is_token(name.as_bytes()) {
            return Err(RequestError::BadHeaderName(name.to_string()));
        }
        // RFC 9110 §5.5: no control characters but tab. CR and LF above all:
        // "x\r\nAdmin: yes" would add a field the caller never meant to send.
        if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(RequestError::BadHeaderValue {
                name: name.to_string(),
            });
        }
        for framing in ["content-length", "transfer-encoding"] {
            if name.eq_ignore_ascii_case(framing) {
                return Err(RequestError::FramingHeader(name.to_string()));
            }
        }
    }
    Ok(())
}
// ANCHOR_END: encode_request

// ANCHOR: form_urlencode
/// Encodes name and value pairs as an HTML form does:
/// `application/x-www-form-urlencoded` (WHATWG URL Standard, §5.2).
///
/// Each name and value is taken as UTF-8 bytes; ASCII letters, digits and
/// `*-._` stay as they are, a space becomes `+`, and every other byte
/// becomes `%XX`. Pairs are joined by `&`, name and value by `=`.
///
/// ```
/// use netlessons::http::request::form_urlencode;
/// assert_eq!(form_urlencode(&[("name", "Ada Lovelace"), ("q", "a&b")]), "name=Ada+Lovelace&q=a%26b");
/// ```
pub fn form_urlencode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_form_component(name, &mut out);
        out.push('=');
        encode_form_component(value, &mut out);
    }
    out
}

fn encode_form_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            // A '+' in the text was encoded as %2B above, so this '+' can
            // only mean a space to the reader.
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0F)]));
            }
        }
    }
}
// ANCHOR_END: form_urlencode

// ANCHOR: redirect_method
/// The method of the request that follows a redirect with `status`, or
/// `None` if `status` is not a redirect to follow (RFC 9110 §15.4).
///
/// | status | meaning | next request |
/// | --- | --- | --- |
/// | 301, 302 | moved (for good, for now) | same method, but POST becomes GET (§15.4.2, §15.4.3: what every browser does) |
/// | 303 | see other | GET (HEAD stays HEAD), without the body |
/// | 307, 308 | moved, same request | same method, same body |
///
/// When the method becomes GET, the body is dropped.
pub fn redirect_method(status: u16, method: &Method) -> Option<Method> {
    match status {
        301 | 302 if *method == Method::Post => Some(Method::Get),
        303 if *method != Method::Head => Some(Method::Get),
        301 | 302 | 303 | 307 | 308 => Some(method.clone()),
        _ => None,
    }
}
// ANCHOR_END: redirect_method

// ANCHOR: encode_location
/// A `Location` made fit to parse as a URL: each byte the URL grammar does
/// not allow anywhere (RFC 3986 §2: a space, a control character, `"`, `<`,
/// `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`, and every byte of a non-ASCII
/// character) becomes `%XX`, as curl and browsers do before they follow
/// it: `/o k/café` becomes `/o%20k/caf%C3%A9`. CR and LF are left as they
/// are, so that the URL parser refuses them: a line break in a URL is an
/// attempt to smuggle a header into the next request. Bytes the grammar
/// does allow, `%` among them, are not touched, so an encoded Location
/// stays as it is.
pub fn encode_location(location: &str) -> std::borrow::Cow<'_, str> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let needs_encoding = |byte: u8| {
        !matches!(byte, b'\r' | b'\n')
            && (byte <= b' '
                || byte >= 0x7F
                || matches!(
                    byte,
                    b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
                ))
    };
    if !location.bytes().any(needs_encoding) {
        return std::borrow::Cow::Borrowed(location);
    }
    let mut out = String::with_capacity(location.len() + 16);
    for byte in location.bytes() {
        if needs_encoding(byte) {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        } else {
            out.push(char::from(byte));
        }
    }
    std::borrow::Cow::Owned(out)
}
// ANCHOR_END: encode_location

/// Whether a request with `method` may be sent again when the connection
/// fails before any answer: the methods that ask for the same effect
/// however many times they run (RFC 9110 §9.2.2). A POST sent twice may
/// order twice, so it is never retried.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        method,
        Method::Get | Method::Head | Method::Put | Method::Delete | Method::Options | Method::Trace
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_location_table() {
        let table = [
            ("/plain/path?q=1#top", "/plain/path?q=1#top"),
            ("/o k", "/o%20k"),
            ("/café", "/caf%C3%A9"),
            ("/a\tb", "/a%09b"),
            ("/\u{7f}", "/%7F"),
            ("/{x}|\"y\"<z>\\^`", "/%7Bx%7D%7C%22y%22%3Cz%3E%5C%5E%60"),
            ("/already%20encoded", "/already%20encoded"),
            ("/100%", "/100%"), // left for the parser to judge
            ("http://h/日本", "http://h/%E6%97%A5%E6%9C%AC"),
            ("/a\r\nSet-Cookie: x", "/a\r\nSet-Cookie:%20x"), // CR LF stay, to be refused
        ];
        for (location, expected) in table {
            assert_eq!(encode_location(location), expected, "{location:?}");
        }
        // Nothing to encode: no copy is made.
        assert!(matches!(
            encode_location("/ok"),
            std::borrow::Cow::Borrowed("/ok")
        ));
    }

    #[test]
    fn an_encoded_location_with_cr_lf_is_still_refused() {
        let base = Url::parse("http://h/").unwrap();
        assert!(base.join(&encode_location("/a\r\nX: y")).is_err());
        assert_eq!(
            base.join(&encode_location("/o k"))
                .unwrap()
                .request_target(),
            "/o%20k"
        );
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn encode(method: Method, text: &str, headers: &Headers, body: &[u8]) -> String {
        let bytes = encode_request(&method, &url(text), headers, body).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_get_is_a_request_line_host_and_user_agent() {
        assert_eq!(
            encode(
                Method::Get,
                "http://example.com/a/b?q=1#top",
                &Headers::new(),
                b""
            ),
            "GET /a/b?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: netlessons/0.1\r\n\r\n"
        );
    }

    #[test]
    fn the_host_header_has_the_port_only_when_not_the_default() {
        // RFC 9110 §7.2: Host is the URL's authority, without userinfo.
        let table = [
            ("http://example.com/", "example.com"),
            ("http://example.com:80/", "example.com"),
            ("http://example.com:8080/", "example.com:8080"),
            ("http://user:pw@127.0.0.1:8000/", "127.0.0.1:8000"),
            ("http://[::1]/", "[::1]"),
            ("http://[::1]:8080/", "[::1]:8080"),
        ];
        for (text, host) in table {
            assert_eq!(host_header(&url(text)).unwrap(), host, "{text}");
        }
    }

    #[test]
    fn a_body_gets_its_content_length_and_a_post_always_has_one() {
        assert_eq!(
            encode(Method::Post, "http://h/f", &Headers::new(), b"a=1"),
            "POST /f HTTP/1.1\r\nHost: h\r\nUser-Agent: netlessons/0.1\r\nContent-Length: 3\r\n\r\na=1"
        );
        assert!(encode(Method::Post, "http://h/", &Headers::new(), b"")
            .ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn the_callers_host_and_user_agent_replace_the_defaults() {
        let mut headers = Headers::new();
        headers.append("Host", "virtual.example");
        headers.append("User-Agent", "curl/8");
        assert_eq!(
            encode(Method::Get, "http://127.0.0.1/", &headers, b""),
            "GET / HTTP/1.1\r\nHost: virtual.example\r\nUser-Agent: curl/8\r\n\r\n"
        );
    }

    #[test]
    fn header_fields_that_would_change_the_request_are_refused() {
        let table: [(&str, &str, RequestError); 5] = [
            (
                "X-Note",
                "hi\r\nAdmin: yes",
                RequestError::BadHeaderValue {
                    name: "X-Note".into(),
                },
            ),
            (
                "X-Note",
                "line\nbreak",
                RequestError::BadHeaderValue {
                    name: "X-Note".into(),
                },
            ),
            (
                "Bad Name",
                "x",
                RequestError::BadHeaderName("Bad Name".into()),
            ),
            ("X\r\nY", "x", RequestError::BadHeaderName("X\r\nY".into())),
            (
                "content-length",
                "5",
                RequestError::FramingHeader("content-length".into()),
            ),
        ];
        for (name, value, error) in table {
            let mut headers = Headers::new();
            headers.append(name, value);
            assert_eq!(
                encode_request(&Method::Get, &url("http://h/"), &headers, b""),
                Err(error),
                "{name:?}: {value:?}"
            );
        }
    }

    #[test]
    fn a_method_with_a_space_is_refused() {
        let method = Method::Other("GET / HTTP/1.1\r\nX:".into());
        assert!(matches!(
            encode_request(&method, &url("http://h/"), &Headers::new(), b""),
            Err(RequestError::BadMethod(_))
        ));
    }

    #[test]
    fn form_encoding_follows_the_html_rules() {
        let table: [(&[(&str, &str)], &str); 6] = [
            (&[], ""),
            (&[("a", "1"), ("b", "2")], "a=1&b=2"),
            (&[("q", "fish & chips")], "q=fish+%26+chips"),
            (&[("sum", "1+1=2")], "sum=1%2B1%3D2"),
            (
                &[("keep", "*-._"), ("not", "~/?")],
                "keep=*-._&not=%7E%2F%3F",
            ),
            (&[("café", "naïve")], "caf%C3%A9=na%C3%AFve"),
        ];
        for (pairs, expected) in table {
            assert_eq!(form_urlencode(pairs), expected, "{pairs:?}");
        }
    }

    #[test]
    fn redirects_change_the_method_as_browsers_do() {
        let table = [
            (301, Method::Post, Some(Method::Get)),
            (302, Method::Post, Some(Method::Get)),
            (303, Method::Post, Some(Method::Get)),
            (303, Method::Put, Some(Method::Get)),
            (303, Method::Head, Some(Method::Head)),
            (301, Method::Get, Some(Method::Get)),
            (302, Method::Put, Some(Method::Put)),
            (307, Method::Post, Some(Method::Post)),
            (308, Method::Put, Some(Method::Put)),
            (300, Method::Get, None),
            (304, Method::Get, None),
            (200, Method::Get, None),
        ];
        for (status, method, next) in table {
            assert_eq!(redirect_method(status, &method), next, "{status} {method}");
        }
    }
}

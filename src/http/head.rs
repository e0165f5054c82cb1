//! The head of an HTTP/1.1 message: the start line and the header fields.
//!
//! RFC 9112 §2.1 gives every message the same shape:
//!
//! ```text
//! HTTP-message   = start-line CRLF
//!                  *( field-line CRLF )
//!                  CRLF
//!                  [ message-body ]
//! ```
//!
//! A request's start line names a method and a target (§3), a response's a
//! status code (§4):
//!
//! ```text
//! GET /index.html HTTP/1.1          HTTP/1.1 200 OK
//! Host: example.com                 Content-Type: text/html
//! Accept: */*                       Content-Length: 1256
//!                                   
//! ```
//!
//! The parsers here follow the `httparse` crate's convention: they take the
//! bytes received so far and answer [`Status::Partial`] until the empty line
//! that ends the head has arrived, then [`Status::Complete`] with the head
//! and how many bytes it took. What follows is the body, which
//! [`super::body`] knows how to delimit.
//!
//! Every limit has a name and a reply: a request line longer than
//! [`MAX_REQUEST_LINE_LEN`] is `414 URI Too Long`; a head larger than
//! [`MAX_HEAD_LEN`], or with more than [`MAX_HEADERS`] fields, is
//! `431 Request Header Fields Too Large`; anything malformed is
//! `400 Bad Request` (see [`HeadError::status`]).

use super::headers::Headers;
use crate::wire::line::{find_line, Endings, Line, LineError};
use crate::wire::Status;
use std::fmt;

/// The longest request line accepted, method and version included. RFC 9112
/// §3 recommends supporting at least 8000 octets; browsers cap URLs near
/// there too.
pub const MAX_REQUEST_LINE_LEN: usize = 8 * 1024;

/// The most bytes a whole head may take: generous for the cookies and
/// tokens real clients send, small enough that a thousand connections
/// cost 32 MiB at most.
pub const MAX_HEAD_LEN: usize = 32 * 1024;

/// The most header fields one message may carry. Real requests carry
/// 5 to 30; each field costs two allocations, so this bounds those too.
pub const MAX_HEADERS: usize = 100;

/// The request methods this crate knows by name (RFC 9110 §9). Any other
/// token is a valid method too, one the server does not implement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// Transfer a current representation of the target.
    Get,
    /// Same as GET, but without the body.
    Head,
    /// Process the enclosed representation.
    Post,
    /// Replace the target's state with the enclosed representation.
    Put,
    /// Change part of the target's state (RFC 5789).
    Patch,
    /// Remove the target.
    Delete,
    /// Describe what the target allows.
    Options,
    /// Echo the request back (a loop-back test).
    Trace,
    /// Open a tunnel to the target (for proxies).
    Connect,
    /// Any other method token.
    Other(String),
}

impl Method {
    /// The method's name as it appears on the wire (case-sensitive).
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Connect => "CONNECT",
            Method::Other(name) => name,
        }
    }

    /// The method named `token` (case-sensitive, RFC 9110 §9.1); a name
    /// it does not know is `Other`.
    pub fn from_token(token: &str) -> Method {
        match token {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            "TRACE" => Method::Trace,
            "CONNECT" => Method::Connect,
            other => Method::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// HTTP/1.0: one request per connection unless keep-alive is asked for.
    Http10,
    /// HTTP/1.1: connections persist unless `Connection: close` is sent.
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// The head of a request: `GET /path HTTP/1.1` and its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The request target as sent: `/path?query`, `http://host/path`,
    /// `host:port` (CONNECT) or `*` (OPTIONS). Still percent-encoded.
    pub target: String,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in order.
    pub headers: Headers,
}

/// The head of a response: `HTTP/1.1 200 OK` and its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The protocol version.
    pub version: Version,
    /// The status code, 100 to 599.
    pub status: u16,
    /// The reason phrase: text for people, which programs must ignore.
    pub reason: String,
    /// The header fields, in order.
    pub headers: Headers,
}

/// Why bytes are not a valid message head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// The request line is longer than [`MAX_REQUEST_LINE_LEN`].
    RequestLineTooLong,
    /// The head is larger than [`MAX_HEAD_LEN`].
    HeadTooLarge,
    /// The head has more than [`MAX_HEADERS`] fields.
    TooManyHeaders,
    /// The start line is not `METHOD SP target SP version`.
    BadRequestLine,
    /// The start line is not `version SP code SP reason`.
    BadStatusLine,
    /// The version is not `HTTP/` digit `.` digit.
    BadVersion,
    /// A well-formed version other than 1.0 and 1.1.
    UnsupportedVersion,
    /// A field line without a colon, or with a name that is not a token.
    BadHeaderName,
    /// A field value with a control character (NUL, a bare CR...).
    BadHeaderValue,
    /// A field line that starts with a space: obsolete line folding.
    ObsoleteLineFolding,
    /// A line that ends in LF alone where CR LF is required, or a bare CR.
    BadLineEnding,
}

impl HeadError {
    /// The status code a server answers this error with.
    pub fn status(self) -> u16 {
        match self {
            HeadError::RequestLineTooLong => 414,
            HeadError::HeadTooLarge | HeadError::TooManyHeaders => 431,
            HeadError::UnsupportedVersion => 505,
            _ => 400,
        }
    }
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeadError::RequestLineTooLong => "request line too long",
            HeadError::HeadTooLarge => "header section too large",
            HeadError::TooManyHeaders => "too many header fields",
            HeadError::BadRequestLine => {
                "malformed request line (expected: METHOD /target HTTP/1.1)"
            }
            HeadError::BadStatusLine => "malformed status line (expected: HTTP/1.1 200 OK)",
            HeadError::BadVersion => "malformed HTTP version (expected: HTTP/1.1)",
            HeadError::UnsupportedVersion => "HTTP version not supported (only 1.0 and 1.1)",
            HeadError::BadHeaderName => "malformed header field (expected: Name: value)",
            HeadError::BadHeaderValue => "control character in a header field value",
            HeadError::ObsoleteLineFolding => {
                "header field continued on the next line (obsolete line folding)"
            }
            HeadError::BadLineEnding => "line ended with a bare CR",
        })
    }
}

impl std::error::Error for HeadError {}

// ANCHOR: parse_request_head
/// Parses a request head from the start of `buf`.
///
/// ```text
/// request-line = method SP request-target SP HTTP-version   (RFC 9112 §3)
/// ```
pub fn parse_request_head(buf: &[u8]) -> Result<Status<(RequestHead, usize)>, HeadError> {
    // §2.2: a server SHOULD ignore empty lines received before the request
    // line (some clients send an extra CRLF after a POST body).
    let skipped = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let rest = &buf[skipped..];
    let line = match find_line(rest, MAX_REQUEST_LINE_LEN, Endings::CrlfOrLf) {
        Ok(Status::Complete(line)) => line,
        Ok(Status::Partial) => return Ok(Status::Partial),
        Err(_) => return Err(HeadError::RequestLineTooLong),
    };
    let (method, target, version) = parse_request_line(&rest[..line.len])?;
    let Status::Complete((headers, used)) = parse_fields(&rest[line.consumed..], false)? else {
        return Ok(Status::Partial);
    };
    let head = RequestHead {
        method,
        target,
        version,
        headers,
    };
    Ok(Status::Complete((head, skipped + line.consumed + used)))
}

fn parse_request_line(line: &[u8]) -> Result<(Method, String, Version), HeadError> {
    // Exactly two single spaces (§3: no other whitespace is allowed).
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::BadRequestLine);
    };
    if !is_token(method) || target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic()) {
        return Err(HeadError::BadRequestLine);
    }
    // Both are ASCII, checked just above: the conversions cannot fail.
    let method = Method::from_token(std::str::from_utf8(method).unwrap_or_default());
    let target = String::from_utf8_lossy(target).into_owned();
    Ok((method, target, parse_version(version)?))
}
// ANCHOR_END: parse_request_head

/// Parses a response head from the start of `buf`.
///
/// ```text
/// status-line = HTTP-version SP status-code SP [ reason-phrase ]   (RFC 9112 §4)
/// ```
pub fn parse_response_head(buf: &[u8]) -> Result<Status<(ResponseHead, usize)>, HeadError> {
    let line = match find_line(buf, MAX_REQUEST_LINE_LEN, Endings::CrlfOrLf) {
        Ok(Status::Complete(line)) => line,
        Ok(Status::Partial) => return Ok(Status::Partial),
        Err(_) => return Err(HeadError::HeadTooLarge),
    };
    let (version, status, reason) = parse_status_line(&buf[..line.len])?;
    let Status::Complete((headers, used)) = parse_fields(&buf[line.consumed..], true)? else {
        return Ok(Status::Partial);
    };
    let head = ResponseHead {
        version,
        status,
        reason,
        headers,
    };
    Ok(Status::Complete((head, line.consumed + used)))
}

fn parse_status_line(line: &[u8]) -> Result<(Version, u16, String), HeadError> {
    let (version, rest) = split_at_space(line).ok_or(HeadError::BadStatusLine)?;
    let version = parse_version(version)?;
    // §4: the reason phrase may be empty, and some servers also leave out
    // the space before it; accept "HTTP/1.1 200" as well.
    let (code, reason) = split_at_space(rest).unwrap_or((rest, b""));
    let status = match code {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(HeadError::BadStatusLine),
    };
    if reason.iter().any(|&b| is_forbidden_in_value(b)) {
        return Err(HeadError::BadStatusLine);
    }
    Ok((
        version,
        status,
        String::from_utf8_lossy(reason).into_owned(),
    ))
}

fn split_at_space(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = bytes.iter().position(|&b| b == b' ')?;
    Some((&bytes[..space], &bytes[space + 1..]))
}

/// ```text
/// HTTP-version = "HTTP/" DIGIT "." DIGIT   (RFC 9112 §2.3)
/// ```
fn parse_version(version: &[u8]) -> Result<Version, HeadError> {
    match version {
        b"HTTP/1.1" => Ok(Version::Http11),
        b"HTTP/1.0" => Ok(Version::Http10),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            // §2.3 / RFC 9110 §6.2: a 1.x minor version we do not know is
            // to be treated as the highest we do (1.1).
            if *major == b'1' {
                Ok(Version::Http11)
            } else {
                Err(HeadError::UnsupportedVersion)
            }
        }
        _ => Err(HeadError::BadVersion),
    }
}

// ANCHOR: parse_fields
/// Parses field lines up to and including the empty line that ends them.
///
/// ```text
/// field-line   = field-name ":" OWS field-value OWS      (RFC 9112 §5)
/// ```
///
/// `in_response`: a line starting with a space continues the previous value
/// (obsolete folding, §5.2): a client replaces it with a space, a server
/// rejects the request.
pub fn parse_fields(buf: &[u8], in_response: bool) -> Result<Status<(Headers, usize)>, HeadError> {
    let mut headers = Headers::new();
    let mut used = 0;
    loop {
        let rest = &buf[used..];
        let room = MAX_HEAD_LEN.saturating_sub(used);
        let Line { len, consumed } = match find_line(rest, room, Endings::CrlfOrLf) {
            Ok(Status::Complete(line)) => line,
            Ok(Status::Partial) => return Ok(Status::Partial),
            Err(LineError::TooLong { .. }) => return Err(HeadError::HeadTooLarge),
            Err(LineError::BareLf) => return Err(HeadError::BadLineEnding),
        };
        let line = &rest[..len];
        used += consumed;
        if line.is_empty() {
            return Ok(Status::Complete((headers, used)));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if !in_response || headers.is_empty() {
                return Err(HeadError::ObsoleteLineFolding);
            }
            let more = trim_ows(line);
            if more.iter().any(|&b| is_forbidden_in_value(b)) {
                return Err(HeadError::BadHeaderValue);
            }
            headers.continue_last(&String::from_utf8_lossy(more));
            continue;
        }
        if headers.len() == MAX_HEADERS {
            return Err(HeadError::TooManyHeaders);
        }
        let (name, value) = parse_field_line(line)?;
        headers.append(name, value);
    }
}

fn parse_field_line(line: &[u8]) -> Result<(String, String), HeadError> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(HeadError::BadHeaderName)?;
    let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
    // §5.1: no whitespace between the name and the colon; a server MUST
    // reject it (it is a known way to smuggle a second meaning past proxies).
    if !is_token(name) {
        return Err(HeadError::BadHeaderName);
    }
    if value.iter().any(|&b| is_forbidden_in_value(b)) {
        return Err(HeadError::BadHeaderValue);
    }
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(value).into_owned(),
    ))
}
// ANCHOR_END: parse_fields

/// Optional whitespace (spaces and tabs) removed from both ends.
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// ```text
/// token = 1*tchar
/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
///         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA    (RFC 9110 §5.6.2)
/// ```
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Control characters other than tab may not appear in a field value
/// (RFC 9110 §5.5): a NUL or a bare CR there is an attack, not a typo.
fn is_forbidden_in_value(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Result<Status<(RequestHead, usize)>, HeadError> {
        parse_request_head(text.as_bytes())
    }

    #[test]
    fn a_simple_get() {
        let text = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
        let Ok(Status::Complete((head, used))) = request(text) else {
            panic!("not parsed");
        };
        assert_eq!(head.method, Method::Get);
        assert_eq!(head.target, "/index.html?x=1");
        assert_eq!(head.version, Version::Http11);
        assert_eq!(head.headers.get("host"), Some("example.com"));
        assert_eq!(head.headers.get("ACCEPT"), Some("*/*"));
        assert_eq!(used, text.len());
    }

    #[test]
    fn every_prefix_of_a_request_is_partial() {
        let text = "POST /notes HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n";
        for end in 0..text.len() {
            assert_eq!(
                request(&text[..end]),
                Ok(Status::Partial),
                "{:?}",
                &text[..end]
            );
        }
    }

    #[test]
    fn the_body_is_not_part_of_the_head() {
        let text = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let Ok(Status::Complete((_, used))) = request(text) else {
            panic!("not parsed");
        };
        assert_eq!(&text[used..], "hello");
    }

    #[test]
    fn bad_requests_and_their_status_codes() {
        let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_REQUEST_LINE_LEN));
        let many_fields = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        let big_field = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "y".repeat(MAX_HEAD_LEN));
        let table: Vec<(&str, HeadError, u16)> = vec![
            ("GET /\r\n\r\n", HeadError::BadRequestLine, 400),
            ("GET  / HTTP/1.1\r\n\r\n", HeadError::BadRequestLine, 400),
            ("GET / HTTP/1.1 x\r\n\r\n", HeadError::BadRequestLine, 400),
            ("G(T / HTTP/1.1\r\n\r\n", HeadError::BadRequestLine, 400),
            (
                "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                HeadError::BadHeaderName,
                400,
            ),
            // RFC 9112 §5.1: no space before the colon.
            (
                "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                HeadError::BadHeaderName,
                400,
            ),
            (
                "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
                HeadError::BadHeaderValue,
                400,
            ),
            (
                "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
                HeadError::BadHeaderValue,
                400,
            ),
            // RFC 9112 §5.2: a server rejects obsolete line folding.
            (
                "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
                HeadError::ObsoleteLineFolding,
                400,
            ),
            (
                "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
                HeadError::BadHeaderName,
                400,
            ),
            ("GET / HTPT/1.1\r\n\r\n", HeadError::BadVersion, 400),
            ("GET / HTTP/2.0\r\n\r\n", HeadError::UnsupportedVersion, 505),
            (&long_target, HeadError::RequestLineTooLong, 414),
            (&many_fields, HeadError::TooManyHeaders, 431),
            (&big_field, HeadError::HeadTooLarge, 431),
        ];
        for (text, error, status) in table {
            assert_eq!(
                request(text),
                Err(error),
                "{:?}",
                &text[..text.len().min(60)]
            );
            assert_eq!(error.status(), status);
        }
    }

    #[test]
    fn tolerated_variations() {
        let table = [
            // §2.2: bare LF line endings, leading empty lines.
            "GET / HTTP/1.1\nHost: x\n\n",
            "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
            // §5.1: whitespace around the value is not part of it.
            "GET / HTTP/1.1\r\nHost:x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \t x \t\r\n\r\n",
            // §2.3: an unknown 1.x minor version is treated as 1.1.
            "GET / HTTP/1.9\r\nHost: x\r\n\r\n",
        ];
        for text in table {
            let Ok(Status::Complete((head, _))) = request(text) else {
                panic!("{text:?} was not accepted");
            };
            assert_eq!(head.headers.get("host"), Some("x"), "{text:?}");
        }
    }

    #[test]
    fn a_folded_line_is_held_to_the_rules_of_a_value() {
        // RFC 9110 §5.5: no control characters in a value, on the line that
        // continues it too (a bare CR there once went into the value).
        for text in [
            "HTTP/1.1 200 OK\r\nX: a\r\n b\rc\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\r\n b\0\r\n\r\n",
        ] {
            assert_eq!(
                parse_response_head(text.as_bytes()),
                Err(HeadError::BadHeaderValue),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_fold_adds_no_whitespace_at_either_end_of_a_value() {
        // RFC 9112 §5: whitespace around a value is not part of it, and
        // §5.2 turns a fold into one space between two pieces of text.
        for (text, value) in [
            ("HTTP/1.1 200 OK\r\nX: a\r\n \r\n\r\n", "a"),
            ("HTTP/1.1 200 OK\r\nX:\r\n b\r\n\r\n", "b"),
            ("HTTP/1.1 200 OK\r\nX: a\r\n\t\r\n b\r\n\r\n", "a b"),
        ] {
            let Ok(Status::Complete((head, _))) = parse_response_head(text.as_bytes()) else {
                panic!("not parsed: {text:?}");
            };
            assert_eq!(head.headers.get("x"), Some(value), "{text:?}");
        }
    }

    #[test]
    fn unknown_methods_are_methods_too() {
        let Ok(Status::Complete((head, _))) = request("BREW /pot HTTP/1.1\r\n\r\n") else {
            panic!("not parsed");
        };
        assert_eq!(head.method, Method::Other("BREW".into()));
    }

    #[test]
    fn response_heads() {
        let text = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let Ok(Status::Complete((head, used))) = parse_response_head(text.as_bytes()) else {
            panic!("not parsed");
        };
        assert_eq!(
            (head.status, head.reason.as_str(), used),
            (404, "Not Found", text.len())
        );
        // A missing reason phrase, and a folded header (§5.2: a client
        // replaces the fold with a space).
        let text = "HTTP/1.0 200\r\nX: a\r\n  b\r\n\r\n";
        let Ok(Status::Complete((head, _))) = parse_response_head(text.as_bytes()) else {
            panic!("not parsed");
        };
        assert_eq!(head.version, Version::Http10);
        assert_eq!(head.headers.get("x"), Some("a b"));
        for bad in [
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 OK\r\n\r\n",
            "SMTP 220\r\n\r\n",
        ] {
            assert!(parse_response_head(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}

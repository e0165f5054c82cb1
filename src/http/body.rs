//! Where a message body ends (RFC 9112 §6).
//!
//! After the head, the reader must know how many bytes belong to the body,
//! or it cannot find the next message on the connection. There are three
//! ways, chosen by the head (§6.3, simplified to what a client and an
//! origin server need):
//!
//! 1. Some messages never have a body: the response to a HEAD request,
//!    and responses 1xx, 204 and 304.
//! 2. `Transfer-Encoding: chunked`: the body comes in chunks, each with its
//!    size, and a chunk of size 0 ends it (see [`super::chunked`]).
//! 3. `Content-Length: N`: exactly N bytes.
//!
//! Otherwise a request has no body, and a response's body runs until the
//! server closes the connection.
//!
//! A request with both `Transfer-Encoding` and `Content-Length`, or with
//! two different lengths, is refused: two parties that read such a message
//! differently (a proxy and a server) can be made to see two different
//! requests in one. This attack is called request smuggling (§6.3, §11.2).

use super::head::{Method, RequestHead, ResponseHead};
use std::fmt;

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLength {
    /// No body at all.
    Empty,
    /// Exactly this many bytes.
    Fixed(u64),
    /// Chunked transfer coding, ended by a zero-size chunk.
    Chunked,
    /// Everything until the connection closes (responses only).
    UntilClose,
}

/// Why the body's length cannot be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// `Content-Length` is not a number, or its lines disagree.
    BadContentLength,
    /// Both `Transfer-Encoding` and `Content-Length` in a request.
    ConflictingLengths,
    /// A transfer coding other than `chunked` (gzip, ...), or chunked not last.
    UnsupportedTransferCoding,
}

impl BodyError {
    /// The status code a server answers this error with.
    pub fn status(self) -> u16 {
        match self {
            // RFC 9112 §6.1: an unknown transfer coding is 501.
            BodyError::UnsupportedTransferCoding => 501,
            _ => 400,
        }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyError::BadContentLength => "invalid Content-Length",
            BodyError::ConflictingLengths => {
                "both Transfer-Encoding and Content-Length: refused (request smuggling)"
            }
            BodyError::UnsupportedTransferCoding => "transfer coding not supported (only chunked)",
        })
    }
}

impl std::error::Error for BodyError {}

// ANCHOR: request_body
/// How the body of a request is delimited (RFC 9112 §6.3).
pub fn request_body(head: &RequestHead) -> Result<BodyLength, BodyError> {
    let headers = &head.headers;
    let has_length = headers.get("content-length").is_some();
    if headers.get("transfer-encoding").is_some() {
        if has_length {
            return Err(BodyError::ConflictingLengths);
        }
        return chunked_or_error(head.headers.get_all("transfer-encoding"));
    }
    match content_length(head.headers.get_all("content-length"))? {
        Some(0) | None => Ok(BodyLength::Empty),
        Some(len) => Ok(BodyLength::Fixed(len)),
    }
}
// ANCHOR_END: request_body

// ANCHOR: response_body
/// How the body of a response to a `method` request is delimited.
pub fn response_body(method: &Method, head: &ResponseHead) -> Result<BodyLength, BodyError> {
    if *method == Method::Head || matches!(head.status, 100..=199 | 204 | 304) {
        return Ok(BodyLength::Empty);
    }
    if head.headers.get("transfer-encoding").is_some() {
        // §6.3: in a response, a final coding other than chunked means
        // "until close"; we support no other coding, so we report it.
        return chunked_or_error(head.headers.get_all("transfer-encoding"));
    }
    match content_length(head.headers.get_all("content-length"))? {
        Some(0) => Ok(BodyLength::Empty),
        Some(len) => Ok(BodyLength::Fixed(len)),
        None => Ok(BodyLength::UntilClose),
    }
}
// ANCHOR_END: response_body

/// `Transfer-Encoding` must be exactly `chunked`: the only coding this
/// crate implements.
fn chunked_or_error<'a>(values: impl Iterator<Item = &'a str>) -> Result<BodyLength, BodyError> {
    let codings: Vec<&str> = values
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty())
        .collect();
    match codings.as_slice() {
        [only] if only.eq_ignore_ascii_case("chunked") => Ok(BodyLength::Chunked),
        _ => Err(BodyError::UnsupportedTransferCoding),
    }
}

/// The value of `Content-Length`, if present.
///
/// ```text
/// Content-Length = 1*DIGIT     (RFC 9110 §8.6)
/// ```
///
/// A list of identical values (`5, 5`, or two lines of `5`) is accepted as
/// one; different values are an error.
pub fn content_length<'a>(values: impl Iterator<Item = &'a str>) -> Result<Option<u64>, BodyError> {
    let mut length = None;
    for element in values.flat_map(|value| value.split(',')) {
        let element = element.trim();
        if element.is_empty() || !element.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BodyError::BadContentLength);
        }
        let value: u64 = element.parse().map_err(|_| BodyError::BadContentLength)?;
        if length.is_some_and(|earlier| earlier != value) {
            return Err(BodyError::BadContentLength);
        }
        length = Some(value);
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::{parse_request_head, parse_response_head};
    use crate::wire::Status;

    fn request(fields: &str) -> Result<BodyLength, BodyError> {
        let text = format!("POST / HTTP/1.1\r\n{fields}\r\n");
        let Ok(Status::Complete((head, _))) = parse_request_head(text.as_bytes()) else {
            panic!("not a request: {text:?}");
        };
        request_body(&head)
    }

    #[test]
    fn request_body_table() {
        let table = [
            ("", Ok(BodyLength::Empty)),
            ("Content-Length: 0\r\n", Ok(BodyLength::Empty)),
            ("Content-Length: 42\r\n", Ok(BodyLength::Fixed(42))),
            ("Content-Length: 42, 42\r\n", Ok(BodyLength::Fixed(42))),
            ("Transfer-Encoding: chunked\r\n", Ok(BodyLength::Chunked)),
            ("Transfer-Encoding: Chunked\r\n", Ok(BodyLength::Chunked)),
            ("Content-Length: 4x\r\n", Err(BodyError::BadContentLength)),
            ("Content-Length: -1\r\n", Err(BodyError::BadContentLength)),
            ("Content-Length: +1\r\n", Err(BodyError::BadContentLength)),
            (
                "Content-Length: 99999999999999999999999\r\n",
                Err(BodyError::BadContentLength),
            ),
            (
                "Content-Length: 1\r\nContent-Length: 2\r\n",
                Err(BodyError::BadContentLength),
            ),
            (
                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                Err(BodyError::ConflictingLengths),
            ),
            (
                "Transfer-Encoding: gzip, chunked\r\n",
                Err(BodyError::UnsupportedTransferCoding),
            ),
            (
                "Transfer-Encoding: identity\r\n",
                Err(BodyError::UnsupportedTransferCoding),
            ),
        ];
        for (fields, expected) in table {
            assert_eq!(request(fields), expected, "{fields:?}");
        }
    }

    #[test]
    fn response_body_table() {
        let table = [
            (
                Method::Get,
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
                BodyLength::Fixed(3),
            ),
            (
                Method::Head,
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
                BodyLength::Empty,
            ),
            (
                Method::Get,
                "HTTP/1.1 204 No Content\r\n\r\n",
                BodyLength::Empty,
            ),
            (
                Method::Get,
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                BodyLength::Empty,
            ),
            (
                Method::Get,
                "HTTP/1.1 100 Continue\r\n\r\n",
                BodyLength::Empty,
            ),
            (
                Method::Get,
                "HTTP/1.1 200 OK\r\n\r\n",
                BodyLength::UntilClose,
            ),
            (
                Method::Get,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                BodyLength::Chunked,
            ),
        ];
        for (method, text, expected) in table {
            let Ok(Status::Complete((head, _))) = parse_response_head(text.as_bytes()) else {
                panic!("not a response: {text:?}");
            };
            assert_eq!(
                response_body(&method, &head),
                Ok(expected),
                "{method} {text:?}"
            );
        }
    }
}

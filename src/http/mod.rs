//! HTTP/1.1: the messages (RFC 9112) and their meaning (RFC 9110).
//!
//! HTTP is a request and a response, over a TCP connection that may carry
//! many of them one after the other:
//!
//! ```text
//!  client                                          server
//!    | GET /hello.txt HTTP/1.1                        |
//!    | Host: 127.0.0.1:8080                           |
//!    |                                                |
//!    |----------------------------------------------->|
//!    |                                HTTP/1.1 200 OK |
//!    |                               Content-Length: 6|
//!    |                                                |
//!    |                                        hello\n |
//!    |<-----------------------------------------------|
//!    | GET /next.txt HTTP/1.1     (same connection)   |
//!    |----------------------------------------------->|
//! ```
//!
//! The pure parts (no sockets) are:
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`head`] | request and response heads: start line and header fields |
//! | [`headers`] | the ordered, case-insensitive list of fields |
//! | [`body`] | where a body ends: Content-Length, chunked, or close |
//! | [`chunked`] | the chunked transfer coding, as a state machine |
//! | [`date`] | HTTP dates, and the calendar std does not have |
//! | [`request`] | what a client sends: request bytes, form bodies, redirect rules |
//! | [`path`] | a request target turned into a path that cannot leave the root |
//! | [`range`] | `Range: bytes=…` requests |
//! | [`conditional`] | `If-None-Match`, `If-Modified-Since` and the rest: 304 and 412, and entity tags |
//! | [`mime`] | content types by file extension |
//! | [`index`] | the HTML listing of a directory |
//!
//! and the I/O parts: [`conn`] reads heads and bodies from a connection;
//! [`client`] is the HTTP client of chapter 05; [`server`] answers requests
//! on a connection, and [`files`] is the static file server of chapter 06,
//! which keeps small files in memory with [`cache`].

pub mod body;
pub mod cache;
pub mod chunked;
pub mod client;
pub mod conditional;
pub mod conn;
pub mod date;
mod demo;
pub mod files;
pub mod head;
pub mod headers;
pub mod index;
pub mod mime;
pub mod path;
pub mod range;
pub mod request;
pub mod server;

pub use body::BodyLength;
pub use demo::{client_demo, server_demo};
pub use head::{Method, RequestHead, ResponseHead, Version};
pub use headers::Headers;

/// The reason phrase that goes with a status code (RFC 9110 §15).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        408 => "Request Timeout",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        _ => "",
    }
}

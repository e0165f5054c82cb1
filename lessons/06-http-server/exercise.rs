//! Exercise 06: answer a Range request, so that downloads can resume.
//!
//! Write `answer_range` below. It gets the value of the request's `Range`
//! header (or `None`) and the length of the file, and decides what to send
//! (RFC 9110 §14):
//!
//! - `RangeAnswer::Whole`: the whole file, 200. For no header, a unit other
//!   than `bytes`, several ranges (`bytes=0-1,5-6`), or anything malformed:
//!   a server may always ignore a Range it does not like (§14.2).
//! - `RangeAnswer::Partial { start, end }`: bytes `start..=end`, 206.
//!   `bytes=A-B` (B past the end means "to the end"), `bytes=A-` (from A to
//!   the end), `bytes=-N` (the last N bytes, or all of them if N is larger).
//! - `RangeAnswer::Unsatisfiable`: 416, when no byte of the file is in the
//!   range (`A` at or past the end, `bytes=-0`, or an empty file).
//!
//! `RangeAnswer` is defined in `src/http/range.rs`, which holds the type
//! alone (the lesson's section "Exercise" shows it too):
//!
//! ```text
//! pub enum RangeAnswer {
//!     Whole,
//!     Partial { start: u64, end: u64 },
//!     Unsatisfiable,
//! }
//! ```
//!
//! Run the tests:          cargo test --test ex06
//! See the reference pass: cargo test --test ex06 --features solutions

use netlessons::http::range::RangeAnswer;

// ---- Your code: replace the todo!() -------------------------------------

/// What to send for `Range: header` from a file of `len` bytes.
#[cfg(not(feature = "solutions"))]
fn answer_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let _ = (header, len);
    todo!(
        "Hint: strip the \"bytes=\" prefix (else Whole), give up on a ',' (Whole), split at \
         the '-'. Parse each side as digits only (str::parse alone would accept \"+5\"). \
         Empty first side: a suffix of N bytes. Otherwise check first < len (else \
         Unsatisfiable), and clamp the last position to len - 1."
    )
}

#[cfg(feature = "solutions")]
use netlessons::http::range::answer_range;

// ---- Tests: run them, don't change them ---------------------------------

use netlessons::http::server::{Body, HttpHandler, Request, Response};
use netlessons::serve::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use RangeAnswer::{Partial, Unsatisfiable, Whole};

#[test]
fn no_range_is_the_whole_file() {
    assert_eq!(answer_range(None, 1000), Whole);
}

#[test]
fn a_closed_range_is_those_bytes() {
    assert_eq!(
        answer_range(Some("bytes=0-499"), 1000),
        Partial { start: 0, end: 499 }
    );
    assert_eq!(
        answer_range(Some("bytes=999-999"), 1000),
        Partial {
            start: 999,
            end: 999
        }
    );
}

#[test]
fn an_open_range_runs_to_the_end() {
    // What `curl -C -` sends after 500 bytes.
    assert_eq!(
        answer_range(Some("bytes=500-"), 1000),
        Partial {
            start: 500,
            end: 999
        }
    );
    assert_eq!(
        answer_range(Some("bytes=900-5000"), 1000),
        Partial {
            start: 900,
            end: 999
        }
    );
}

#[test]
fn a_suffix_range_is_the_last_bytes() {
    assert_eq!(
        answer_range(Some("bytes=-100"), 1000),
        Partial {
            start: 900,
            end: 999
        }
    );
    assert_eq!(
        answer_range(Some("bytes=-5000"), 1000),
        Partial { start: 0, end: 999 }
    );
}

#[test]
fn a_range_with_no_byte_of_the_file_is_unsatisfiable() {
    assert_eq!(answer_range(Some("bytes=1000-"), 1000), Unsatisfiable);
    assert_eq!(answer_range(Some("bytes=-0"), 1000), Unsatisfiable);
    assert_eq!(answer_range(Some("bytes=0-"), 0), Unsatisfiable);
}

#[test]
fn what_cannot_be_understood_is_ignored() {
    for header in [
        "bytes=5-2",
        "items=0-5",
        "bytes=0-1,5-6",
        "bytes=x-y",
        "bytes=+5-",
        "bytes=--5",
        "bytes=",
    ] {
        assert_eq!(answer_range(Some(header), 1000), Whole, "{header}");
    }
}

/// A server of one 1000-byte "file" that answers Range with your function.
fn server() -> (netlessons::serve::ServerHandle, Vec<u8>) {
    let file: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let served = file.clone();
    let app = move |request: &Request| {
        let range = request.head.headers.get("range");
        let len = served.len() as u64;
        match answer_range(range, len) {
            Whole => Response::with_body(200, "application/octet-stream", served.clone()),
            Partial { start, end } => Response {
                status: 206,
                body: Body::Bytes(served[start as usize..=end as usize].to_vec()),
                ..Response::empty(206)
            }
            .header("Content-Range", format!("bytes {start}-{end}/{len}")),
            Unsatisfiable => {
                Response::error(416, "").header("Content-Range", format!("bytes */{len}"))
            }
        }
    };
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(HttpHandler::new(app))
        .unwrap();
    (server, file)
}

/// Sends one GET with the given extra header line, returns (head, body).
fn get(server: &netlessons::serve::ServerHandle, extra: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    write!(
        stream,
        "GET /file HTTP/1.1\r\nHost: t\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let body = reply.split_off(split);
    (String::from_utf8_lossy(&reply).into_owned(), body)
}

#[test]
fn a_broken_download_resumes_over_the_network() {
    let (server, file) = server();
    // The first 300 bytes arrived before the connection broke; ask for the rest.
    let (head, rest) = get(&server, "Range: bytes=300-\r\n");
    assert!(head.starts_with("HTTP/1.1 206 "), "{head}");
    assert!(head.contains("Content-Range: bytes 300-999/1000"), "{head}");
    let mut whole = file[..300].to_vec();
    whole.extend_from_slice(&rest);
    assert!(whole == file, "the resumed download differs from the file");
    let (head, _) = get(&server, "Range: bytes=1000-\r\n");
    assert!(head.starts_with("HTTP/1.1 416 "), "{head}");
}

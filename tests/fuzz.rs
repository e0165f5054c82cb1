//! Fuzz tests: every pure parser of the crate, and the readers built on
//! them, fed inputs that a hostile or broken peer could send, must answer
//! without panicking; wherever a writer exists, reading what it wrote must
//! give back what it was given; and however the network cuts the bytes,
//! the answer must be the same.
//!
//! A debug build checks every arithmetic operation for overflow, so a
//! number from the wire that is multiplied without a check panics here,
//! as it would panic a connection's thread in `cargo run`. (That is how a
//! date with the year 99999999999999 once ended a connection.)
//!
//! Each test starts from valid inputs and mutates them at random: it
//! flips, inserts, deletes and repeats bytes, splices pieces of other
//! inputs in, and inserts tokens known to break parsers (huge numbers,
//! `..`, `%`, CR and LF). Some inputs are random from the start. The
//! random numbers come from a seeded generator (`support/prng.rs`), and
//! each test names its seed, so a failure is found again by running the
//! test again; the failure message gives the seed, the iteration and the
//! input, escaped as in a Rust byte string.
//!
//! `FUZZ_ITERATIONS` sets how many inputs each test tries (a few thousand
//! by default, so that `cargo test` stays fast). CI runs a million per
//! test, in an optimised build that still checks overflow:
//!
//! ```text
//! FUZZ_ITERATIONS=1000000 cargo test --profile fuzz --test fuzz
//! ```
//!
//! `FUZZ_SEED` (a number, 0 by default) is mixed into every test's seed:
//! set it to hunt with inputs that CI never tries, and give it again, with
//! the same `FUZZ_ITERATIONS`, to reproduce what it found.

use netlessons::dns::message::MAX_MESSAGE_LEN;
use netlessons::dns::{
    respond, Class, Edns, EdnsOption, EmitError, Message, Name, Opcode, Rcode, Record, RecordData,
    RecordType, Response, Soa, Transport, Zone,
};
mod support;

use netlessons::ftp::address::{
    check_port_target, format_eprt, format_epsv_reply, format_host_port_numbers, format_pasv_reply,
    parse_eprt, parse_epsv_reply, parse_host_port_numbers, parse_pasv_reply,
};
use netlessons::ftp::ascii::{FromNetwork, ToNetwork};
use netlessons::ftp::command::{parse_command, CommandError};
use netlessons::ftp::listing::{
    format_list_line, format_mlsx_line, parse_list_line, parse_mlsx_line, DirEntry, Kind,
    MlsxEntry, MlsxType, PERM_LETTERS, SIX_MONTHS,
};
use netlessons::ftp::pattern::NamePattern;
use netlessons::ftp::reply::{format_reply, quote_path, unquote_path};
use netlessons::ftp::session as ftp_session;
use netlessons::ftp::time::{format_time, parse_time};
use netlessons::http::body::{content_length, request_body, response_body, BodyLength};
use netlessons::http::chunked::{encode_chunk, encode_last_chunk, read_chunked, ChunkedDecoder};
use netlessons::http::conditional::{evaluate, file_etag, Condition, Validators};
use netlessons::http::conn::{read_head, BodyReader, ReadError, RECV_BUFFER_LEN};
use netlessons::http::date::{format_http_date, parse_http_date};
use netlessons::http::head::{
    parse_fields, parse_request_head, parse_response_head, Method, RequestHead, ResponseHead,
    Version, MAX_HEADERS, MAX_HEAD_LEN, MAX_REQUEST_LINE_LEN,
};
use netlessons::http::mime::content_type;
use netlessons::http::path::safe_path;
use netlessons::http::range::{answer_range, RangeAnswer};
use netlessons::http::request::{encode_location, encode_request, form_urlencode};
use netlessons::http::server::{App, Request};
use netlessons::http::Headers;
use netlessons::json::{self, parse_string_at, Value};
use netlessons::maildir::{delivery_order, format_unique_name, safe_host_name, split_info};
use netlessons::rest::api::is_json_type;
use netlessons::rest::form::parse_form;
use netlessons::rest::negotiate::{choose, quality};
use netlessons::rest::store::{draft_from_json, patch_from_json};
use netlessons::rest::{route, Notes, NotesApi};
use netlessons::smtp::address::{
    parse_forward_path, parse_mailbox, parse_reverse_path, MAX_PATH_LEN,
};
use netlessons::smtp::command::{
    parse_command as parse_smtp_command, MAX_COMMAND_LINE_LEN, MAX_MAIL_LINE_LEN,
};
use netlessons::smtp::reply::{
    format_reply as format_smtp_reply, parse_enhanced_code, EnhancedCode,
};
use netlessons::tcp::framing::{
    encode_frame, parse_frame, FrameDecoder, HEADER_LEN, MAX_FRAME_LEN,
};
use netlessons::transcript::{show_line, Side, Transcript};
use netlessons::udp::ping::{Outcome, Ping, PingSession, PING_LEN};
use netlessons::url::{
    parse_host_port, percent_decode, percent_encode, remove_dot_segments, Component, Url,
};
use netlessons::wire::buffer::RecvBuf;
use netlessons::wire::dot::{DotDecoder, DotEncoder, DotReader, EndOfData, MessageError};
use netlessons::wire::line::{find_line, Endings, Line, LineError, LineReader, ReadLineError};
use netlessons::wire::reply::{parse_reply_line, read_reply, Reply, ReplyParser, Style};
use netlessons::wire::Status;
use std::io::{self, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::prng::{escaped, mutate, Rng};

/// Inputs per test when `FUZZ_ITERATIONS` is not set: enough to find the
/// shallow bugs on every `cargo test`, few enough to take about a second.
const DEFAULT_ITERATIONS: u64 = 3_000;

/// The longest input a mutation makes: a little more than the largest
/// limit of these parsers (an HTTP head, 32 KiB), which the mutations
/// that repeat a run thousands of times now and then pass.
const MAX_INPUT_LEN: usize = 40 * 1024;

/// The number in the environment variable `name`, or `default`.
fn number_from_env(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
        Err(_) => default,
    }
}

/// Runs `check` once per iteration, each with its own generator, derived
/// from `seed` and the iteration number. `check` puts the input it tries
/// into its second argument first: if it panics, that input is printed.
fn run(name: &str, seed: u64, mut check: impl FnMut(&mut Rng, &mut Vec<u8>)) {
    let extra = number_from_env("FUZZ_SEED", 0);
    let seed = seed ^ Rng::new(extra).next_u64() ^ Rng::new(0).next_u64();
    let mut input = Vec::new();
    for iteration in 0..number_from_env("FUZZ_ITERATIONS", DEFAULT_ITERATIONS) {
        let mut rng = Rng::new(seed ^ Rng::new(iteration).next_u64());
        input.clear();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| check(&mut rng, &mut input)));
        if let Err(payload) = outcome {
            eprintln!(
                "fuzz {name}: FUZZ_SEED={extra}, iteration {iteration}, input (escaped):\n  b\"{}\"",
                escaped(&input)
            );
            panic::resume_unwind(payload);
        }
    }
}

/// The inputs of one parser: valid examples to mutate, its own tokens to
/// insert, and the bytes its random inputs are made of.
struct Inputs<'a> {
    corpus: &'a [&'a [u8]],
    tokens: &'a [&'a [u8]],
    alphabet: &'a [u8],
}

impl Inputs<'_> {
    /// One input: most often a mutated example, sometimes random bytes,
    /// sometimes a string of tokens.
    fn make(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        match rng.below(16) {
            0 => out.extend(rng.bytes(64, &[])),
            1 => out.extend(rng.bytes(64, self.alphabet)),
            2 => {
                for _ in 0..rng.below(12) {
                    match rng.one_in(2) {
                        true if !self.tokens.is_empty() => out.extend(*rng.pick(self.tokens)),
                        _ => out.extend(rng.bytes(3, self.alphabet)),
                    }
                }
            }
            _ => {
                let example = rng.pick(self.corpus);
                out.extend(mutate(
                    rng,
                    example,
                    self.corpus,
                    self.tokens,
                    MAX_INPUT_LEN,
                ));
            }
        }
    }
}

/// Runs `check` on inputs made from `inputs`.
fn fuzz_bytes(name: &str, seed: u64, inputs: &Inputs, mut check: impl FnMut(&[u8], &mut Rng)) {
    run(name, seed, |rng, input| {
        inputs.make(rng, input);
        check(input, rng);
    });
}

/// `bytes` cut into pieces of random sizes, as a network delivers them.
fn pieces<'a>(rng: &mut Rng, bytes: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let size = match rng.below(4) {
            0 => 1,
            1 => rng.below(8) + 1,
            _ => rng.below(rest.len()) + 1,
        };
        let (piece, after) = rest.split_at(size.min(rest.len()));
        out.push(piece);
        rest = after;
    }
    out
}

/// A reader that hands out `data` in pieces of random sizes.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    rng: Rng,
}

impl Read for Trickle {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.data.len() - self.at;
        let n = (self.rng.below(16) + 1).min(left).min(out.len());
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn trickle(rng: &mut Rng, data: &[u8]) -> Trickle {
    Trickle {
        data: data.to_vec(),
        at: 0,
        rng: Rng::new(rng.next_u64()),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------
// The generator itself: the one test here that checks the test helpers.

#[test]
fn the_generator_is_splitmix64() {
    // The first outputs for seed 0 of the reference implementation
    // (Vigna's splitmix64.c): if these change, every seed below finds
    // other inputs than it did.
    let mut rng = Rng::new(0);
    assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
}

// ---------------------------------------------------------------------
// HTTP heads, header fields and framing.

const REQUESTS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    b"GET /index.html?x=1 HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
    b"POST /notes HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello",
    b"PUT /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"\r\nOPTIONS * HTTP/1.1\nHost: x\n\n",
    b"GET http://example.com/abs HTTP/1.1\r\nRange: bytes=0-499\r\nConnection: keep-alive, Upgrade\r\n\r\n",
];

const RESPONSES: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200\r\nX: a\r\n  b\r\n\r\n",
    b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
];

const HTTP_TOKENS: &[&[u8]] = &[
    b"HTTP/1.1",
    b"HTTP/1.0",
    b"HTTP/9.9",
    b"GET",
    b"Host: ",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked",
    b"Transfer-Encoding: gzip, chunked",
    b"Connection: close",
    b"Expect: 100-continue",
    b"\r\n ",
    b"\r\n\t",
];

const HTTP_ALPHABET: &[u8] = b"GETPOSHTP/1.0 \r\n:;,-=aAzZ09*?#%\t";

fn http_inputs(corpus: &'static [&'static [u8]]) -> Inputs<'static> {
    Inputs {
        corpus,
        tokens: HTTP_TOKENS,
        alphabet: HTTP_ALPHABET,
    }
}

/// Whether a head written out again is still within the limits of the
/// head parser: it may have grown, since a byte that is not UTF-8 comes
/// back as the three bytes of U+FFFD.
fn fits_in_a_head(written: &str) -> bool {
    let start_line = written.split("\r\n").next().unwrap_or_default();
    start_line.len() <= MAX_REQUEST_LINE_LEN && written.len() <= MAX_HEAD_LEN
}

#[test]
fn fuzz_request_heads() {
    fuzz_bytes(
        "request heads",
        0x4854_5450_0001,
        &http_inputs(REQUESTS),
        |input, rng| {
            let result = parse_request_head(input);
            if let Ok(Status::Complete((head, used))) = &result {
                let used = *used;
                assert!(used <= input.len());
                assert!(head.headers.len() <= MAX_HEADERS);
                // The body framing decision, on every head that parses.
                let _ = request_body(head);
                // A complete head stays complete with more bytes after it.
                let mut longer = input[..used].to_vec();
                longer.extend_from_slice(b"GET / HTTP/1.1\r\n");
                assert!(matches!(
                    parse_request_head(&longer),
                    Ok(Status::Complete((_, n))) if n == used
                ));
            }
            // A head that parses, written out again, parses as the same head.
            if let Ok(Status::Complete((head, _))) = &result {
                let written = format!(
                    "{} {} {}\r\n{}\r\n",
                    head.method, head.target, head.version, head.headers
                );
                if fits_in_a_head(&written) {
                    assert_eq!(
                        parse_request_head(written.as_bytes()),
                        Ok(Status::Complete((head.clone(), written.len()))),
                        "written: {written:?}"
                    );
                }
            }
            // What a prefix of the input says holds for the whole: a head
            // complete in the prefix is the same head; an error found in
            // the prefix is still there.
            let cut = rng.below(input.len() + 1);
            match parse_request_head(&input[..cut]) {
                Ok(Status::Partial) => {}
                early => assert_eq!(early, result, "cut at {cut}"),
            }
        },
    );
}

#[test]
fn fuzz_head_reader() {
    // read_head, which a server reads requests with, over bytes that come
    // in pieces: it finds what the parser finds in the whole input, and
    // leaves the bytes after the head in the buffer.
    fuzz_bytes(
        "head reader",
        0x4854_5450_0007,
        &http_inputs(REQUESTS),
        |input, rng| {
            let mut buf = RecvBuf::new(trickle(rng, input), RECV_BUFFER_LEN);
            let result = read_head(&mut buf, parse_request_head);
            match (result, parse_request_head(input)) {
                (Ok(Some(head)), Ok(Status::Complete((expected, used)))) => {
                    assert_eq!(head, expected);
                    let trickle = buf.get_ref();
                    let rest = [buf.data(), &trickle.data[trickle.at..]].concat();
                    assert_eq!(rest, &input[used..]);
                }
                (Ok(None), Ok(Status::Partial)) => assert!(input.is_empty()),
                // A head that never ends, or an error with no line end after
                // it, is only seen to be truncated when the peer closes.
                (Err(ReadError::Truncated), Ok(Status::Partial) | Err(_)) => {}
                (Err(ReadError::Head(error)), Err(expected)) => assert_eq!(error, expected),
                // Past the buffer's size, whatever the parser says is too large.
                (Err(ReadError::Head(_)), _) if input.len() >= RECV_BUFFER_LEN => {}
                (result, expected) => panic!("read {result:?}, the parser says {expected:?}"),
            }
        },
    );
}

#[test]
fn fuzz_response_heads() {
    let methods = [Method::Get, Method::Head, Method::Post];
    fuzz_bytes(
        "response heads",
        0x4854_5450_0002,
        &http_inputs(RESPONSES),
        |input, rng| {
            let result = parse_response_head(input);
            if let Ok(Status::Complete((head, used))) = &result {
                assert!(*used <= input.len());
                assert!((100..=599).contains(&head.status), "status {}", head.status);
                let _ = response_body(rng.pick(&methods), head);
            }
            if let Ok(Status::Complete((head, _))) = &result {
                let written = format!(
                    "{} {} {}\r\n{}\r\n",
                    head.version, head.status, head.reason, head.headers
                );
                if fits_in_a_head(&written) {
                    assert_eq!(
                        parse_response_head(written.as_bytes()),
                        Ok(Status::Complete((head.clone(), written.len()))),
                        "written: {written:?}"
                    );
                }
            }
            // As for requests: a prefix says nothing the whole contradicts.
            let cut = rng.below(input.len() + 1);
            match parse_response_head(&input[..cut]) {
                Ok(Status::Partial) => {}
                early => assert_eq!(early, result, "cut at {cut}"),
            }
        },
    );
}

#[test]
fn fuzz_header_fields() {
    const FIELDS: &[&[u8]] = &[
        b"Host: example.com\r\nAccept: */*\r\n\r\n",
        b"X: a\r\n  b\r\n\tc\r\n\r\n",
        b"Content-Length: 5, 5\r\nContent-Length: 5\r\n\r\n",
        b"Name:value\nOther: \t spaced \t\n\n",
        b"Expires: never\r\n\r\n",
    ];
    let inputs = Inputs {
        corpus: FIELDS,
        tokens: HTTP_TOKENS,
        alphabet: HTTP_ALPHABET,
    };
    fuzz_bytes("header fields", 0x4854_5450_0003, &inputs, |input, rng| {
        if let Ok(Status::Complete((headers, used))) = parse_fields(input, rng.one_in(2)) {
            assert!(used <= input.len() && used <= MAX_HEAD_LEN + 2);
            assert!(headers.len() <= MAX_HEADERS);
        }
    });
}

/// A field name (a token) and a value with no control characters and no
/// whitespace at either end: what a sender may put on the wire.
fn field(rng: &mut Rng) -> (String, String) {
    const TCHAR: &[u8] =
        b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const VCHAR: &[u8] = b" \tazAZ09!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    let mut name = rng.bytes(12, TCHAR);
    if name.is_empty() {
        name.push(b'X');
    }
    let mut value = rng.bytes(24, VCHAR);
    if rng.one_in(4) {
        value.extend("é😀".as_bytes());
    }
    let value = text(&value).trim_matches([' ', '\t']).to_string();
    (text(&name), value)
}

#[test]
fn header_fields_written_are_read_back() {
    run(
        "header fields round trip",
        0x4854_5450_0004,
        |rng, input| {
            let mut headers = Headers::new();
            for _ in 0..rng.below(8) {
                let (name, value) = field(rng);
                headers.append(name, value);
            }
            input.extend(format!("{headers}\r\n").into_bytes());
            let parsed = parse_fields(input, false);
            assert_eq!(parsed, Ok(Status::Complete((headers, input.len()))));
        },
    );
}

#[test]
fn requests_written_are_read_back() {
    const BASES: &[&str] = &[
        "http://example.com/",
        "http://127.0.0.1:8080/a/b?c=d",
        "http://[::1]:81/x%20y?",
        "http://h",
    ];
    run("request round trip", 0x4854_5450_0005, |rng, input| {
        let method = *rng.pick(&["GET", "POST", "DELETE", "PROPFIND"]);
        let method = Method::from_token(method);
        let base = *rng.pick(BASES);
        let mut url = Url::parse(base).unwrap();
        let segment = rng.bytes(6, b"az09 ./%?#\xc3\xa9");
        if let Ok(joined) = url.join(&percent_encode(&segment, Component::PathSegment)) {
            url = joined;
        }
        let mut headers = Headers::new();
        for _ in 0..rng.below(5) {
            let (name, value) = field(rng);
            if !["host", "content-length", "transfer-encoding"]
                .iter()
                .any(|framing| name.eq_ignore_ascii_case(framing))
            {
                headers.append(name, value);
            }
        }
        let body = rng.bytes(8, &[]);
        input.extend(encode_request(&method, &url, &headers, &body).unwrap());
        let Ok(Status::Complete((head, used))) = parse_request_head(input) else {
            panic!("a request the client wrote does not parse");
        };
        assert_eq!(head.method, method);
        assert_eq!(head.target, url.request_target());
        assert_eq!(head.version, Version::Http11);
        for (name, value) in headers.iter() {
            assert!(head.headers.iter().any(|field| field == (name, value)));
        }
        let expected = match body.len() {
            0 => BodyLength::Empty,
            len => BodyLength::Fixed(len as u64),
        };
        assert_eq!(request_body(&head), Ok(expected));
        assert_eq!(&input[used..], body.as_slice());
    });
}

#[test]
fn fuzz_body_framing() {
    // Heads made directly, so that the values need not be ones the head
    // parser lets through. A `|` separates the values of two field lines.
    const VALUES: &[&[u8]] = &[
        b"0",
        b"5|5",
        b"5, 5",
        b" 42 |chunked",
        b"chunked",
        b"gzip, chunked",
        b"Chunked|chunked",
        b",,chunked,",
    ];
    let inputs = Inputs {
        corpus: VALUES,
        tokens: &[b"chunked", b"identity", b",", b"|"],
        alphabet: b"0123456789, chunkedCHUNKED\t|",
    };
    let names = ["Content-Length", "Transfer-Encoding", "content-length"];
    fuzz_bytes("body framing", 0x4854_5450_0006, &inputs, |input, rng| {
        let mut headers = Headers::new();
        for value in input.split(|&b| b == b'|').take(4) {
            headers.append(*rng.pick(&names), text(value));
        }
        let request = RequestHead {
            method: Method::Post,
            target: "/".into(),
            version: Version::Http11,
            headers: headers.clone(),
        };
        let _ = request_body(&request);
        let response = ResponseHead {
            version: Version::Http11,
            status: rng.between(100, 599) as u16,
            reason: String::new(),
            headers,
        };
        let _ = response_body(&Method::Get, &response);
        let _ = content_length(text(input).split('|'));
    });
}

// ---------------------------------------------------------------------
// The chunked transfer coding.

const CHUNKED: &[&[u8]] = &[
    b"5\r\nhello\r\n7;note=ignored\r\n world!\r\n0\r\nExpires: never\r\n\r\n",
    b"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
    b"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
    b"0\r\nX: 1\r\nY: 2\r\n\r\n",
];

#[test]
fn fuzz_chunked_decoder() {
    let inputs = Inputs {
        corpus: CHUNKED,
        tokens: &[b"ffffffffffffffff", b"0\r\n\r\n", b";ext=1", b"\r\n"],
        alphabet: b"0123456789abcdefABCDEF;= \r\nxX:",
    };
    fuzz_bytes("chunked decoder", 0xC4_0001, &inputs, |input, rng| {
        // However the bytes are cut, the decoder sees the same body: the
        // same data, the same end, the same error.
        let whole = decode_chunked(&[input]);
        let cut = decode_chunked(&pieces(rng, input));
        assert_eq!(whole, cut);
        if let Ok((data, used, _)) = &whole {
            assert!(data.len() <= *used && *used <= input.len());
        }
        // read_chunked, over a stream, agrees with the decoder.
        let limit = rng.below(64);
        let mut stream = io::BufReader::new(trickle(rng, input));
        match (read_chunked(&mut stream, limit), whole) {
            (Ok(body), Ok((data, _, true))) => assert!(body == data && body.len() <= limit),
            (Err(error), Ok((data, _, done))) => {
                let expected = match done {
                    true if data.len() > limit => io::ErrorKind::InvalidData,
                    true => panic!("read_chunked refused a body the decoder took"),
                    false if data.len() > limit => io::ErrorKind::InvalidData,
                    false => io::ErrorKind::UnexpectedEof,
                };
                assert_eq!(error.kind(), expected, "{error}");
            }
            (Err(error), Err(_)) => assert_eq!(error.kind(), io::ErrorKind::InvalidData),
            (Ok(body), whole) => panic!("read_chunked gave {body:?}, the decoder {whole:?}"),
        }
    });
}

/// Decodes a chunked body that arrives in `pieces`: the data, how many
/// bytes were used, and whether the body ended.
fn decode_chunked(
    pieces: &[&[u8]],
) -> Result<(Vec<u8>, usize, bool), netlessons::http::chunked::ChunkedError> {
    let mut decoder = ChunkedDecoder::default();
    let mut out = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let n = decoder.decode(piece, &mut out)?;
        assert!(n <= piece.len());
        used += n;
        if n < piece.len() {
            assert!(decoder.is_done());
            break;
        }
    }
    Ok((out, used, decoder.is_done()))
}

#[test]
fn fuzz_body_reader() {
    // The reader a server and a client read bodies with, over a receive
    // buffer of any size: it must agree with the framing it was given,
    // and leave exactly the bytes after the body for the next message.
    let mut corpus: Vec<&[u8]> = CHUNKED.to_vec();
    corpus.extend([&b"hello"[..], b"GET / HTTP/1.1\r\n\r\n"]);
    let inputs = Inputs {
        corpus: &corpus,
        tokens: &[b"0\r\n\r\n", b"\r\n", b"ffff"],
        alphabet: b"0123456789abcdef;\r\nx",
    };
    fuzz_bytes("body reader", 0xB0D7_0001, &inputs, |input, rng| {
        let length = match rng.below(4) {
            0 => BodyLength::Empty,
            1 => BodyLength::Fixed(rng.between(0, input.len() as u64 + 8)),
            2 => BodyLength::Chunked,
            _ => BodyLength::UntilClose,
        };
        let limit = rng.below(input.len() + 8);
        // What should come out (the body, and how many bytes it took), or
        // the errors that may come instead.
        let expected: Result<(Vec<u8>, usize), &[&str]> = match length {
            BodyLength::Empty => Ok((Vec::new(), 0)),
            BodyLength::Fixed(len) => match usize::try_from(len).unwrap() {
                len if len.min(input.len()) > limit => Err(&["too large"]),
                len if len > input.len() => Err(&["truncated"]),
                len => Ok((input[..len].to_vec(), len)),
            },
            BodyLength::Chunked => match decode_chunked(&[input]) {
                // The data before the error may pass the limit first.
                Err(_) => Err(&["chunked", "too large"]),
                Ok((data, _, _)) if data.len() > limit => Err(&["too large"]),
                // A chunk announced past the limit is refused before its
                // data comes, whether or not the rest of it would.
                Ok((_, _, false)) => Err(&["truncated", "too large"]),
                Ok((data, used, true)) => Ok((data, used)),
            },
            BodyLength::UntilClose if input.len() > limit => Err(&["too large"]),
            BodyLength::UntilClose => Ok((input.to_vec(), input.len())),
        };
        let mut buf = RecvBuf::new(trickle(rng, input), rng.below(64) + 1);
        let result = BodyReader::new(&mut buf, length).read_to_limit(limit);
        match (result, expected) {
            (Ok(body), Ok((data, used))) => {
                assert_eq!(body, data);
                // The rest: what the buffer holds, then what is still unread.
                let trickle = buf.get_ref();
                let rest = [buf.data(), &trickle.data[trickle.at..]].concat();
                assert_eq!(rest, &input[used..]);
            }
            (Err(error), Err(allowed)) => {
                let kind = match error {
                    ReadError::TooLarge => "too large",
                    ReadError::Truncated => "truncated",
                    ReadError::Chunked(_) => "chunked",
                    other => panic!("{other}"),
                };
                assert!(allowed.contains(&kind), "{kind}, expected {allowed:?}");
            }
            (result, expected) => panic!("read {result:?}, expected {expected:?}"),
        }
    });
}

#[test]
fn chunked_bodies_written_are_read_back() {
    run("chunked round trip", 0xC4_0002, |rng, wire| {
        let chunks: Vec<Vec<u8>> = (0..rng.below(5)).map(|_| rng.bytes(40, &[])).collect();
        for chunk in &chunks {
            encode_chunk(chunk, wire);
        }
        encode_last_chunk(wire);
        let mut decoder = ChunkedDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for piece in pieces(rng, wire) {
            used += decoder.decode(piece, &mut out).unwrap();
        }
        assert!(decoder.is_done());
        assert_eq!((out, used), (chunks.concat(), wire.len()));
    });
}

// ---------------------------------------------------------------------
// Dates and ranges.

const DATES: &[&[u8]] = &[
    b"Sun, 06 Nov 1994 08:49:37 GMT",
    b"Sunday, 06-Nov-94 08:49:37 GMT",
    b"Sun Nov  6 08:49:37 1994",
    b"Fri, 31 Dec 9999 23:59:59 GMT",
    b"Thu, 01 Jan 1970 00:00:00 GMT",
    b"Tue, 29 Feb 2000 00:00:00 GMT",
];

/// 9999-12-31 23:59:59, in seconds since 1970: the last HTTP date.
const LAST_HTTP_DATE: u64 = 253_402_300_799;

#[test]
fn fuzz_dates() {
    let inputs = Inputs {
        corpus: DATES,
        tokens: &[b"GMT", b"Nov", b"Feb", b"99", b"9999", b"23:59:60", b"-"],
        alphabet: b"0123456789 :,-GMTSunNovFeb",
    };
    fuzz_bytes("dates", 0xDA7E_0001, &inputs, |input, _| {
        // A date that parses is one that can be written and read again;
        // only the leap second at the end of 9999 is written as the one
        // before it, since the year after has five digits.
        if let Some(time) = parse_http_date(&text(input)) {
            let last = UNIX_EPOCH + Duration::from_secs(LAST_HTTP_DATE);
            let written = format_http_date(time);
            assert_eq!(parse_http_date(&written), Some(time.min(last)), "{written}");
        }
    });
}

#[test]
fn dates_written_are_read_back() {
    // Any second from 1970 to the last one of year 9999.
    run("dates round trip", 0xDA7E_0002, |rng, input| {
        let time = UNIX_EPOCH + Duration::from_secs(rng.between(0, LAST_HTTP_DATE));
        let written = format_http_date(time);
        input.extend(written.as_bytes());
        assert_eq!(parse_http_date(&written), Some(time));
    });
}

#[test]
fn fuzz_ranges() {
    const RANGES: &[&[u8]] = &[
        b"bytes=0-499",
        b"bytes=500-",
        b"bytes=-100",
        b"bytes=0-1,5-6",
        b"bytes=99999999999999999999999-",
    ];
    let inputs = Inputs {
        corpus: RANGES,
        tokens: &[b"bytes=", b"18446744073709551615", b"-"],
        alphabet: b"0123456789-=, bytes",
    };
    let lens = [0, 1, 1000, u64::MAX - 1, u64::MAX];
    fuzz_bytes("ranges", 0x4A46_0001, &inputs, |input, rng| {
        let len = match rng.one_in(2) {
            true => *rng.pick(&lens),
            false => rng.next_u64() >> rng.below(64),
        };
        match answer_range(Some(&text(input)), len) {
            RangeAnswer::Partial { start, end } => assert!(start <= end && end < len),
            RangeAnswer::Whole | RangeAnswer::Unsatisfiable => {}
        }
    });
}

// ---------------------------------------------------------------------
// Paths, URLs and percent-encoding.

const TARGETS: &[&[u8]] = &[
    b"/",
    b"/index.html",
    b"/docs/a%20b.txt?x=1",
    b"/caf%C3%A9/",
    b"/../etc/passwd",
    b"/%2e%2e/%2f",
    b"http://example.com/abs/form",
    b"*",
];

#[test]
fn fuzz_paths() {
    let inputs = Inputs {
        corpus: TARGETS,
        tokens: &[b"%2e", b"%5c", b"%00", b"http://", b"HTTPS://"],
        alphabet: b"/.%2eEfF0a?#\\:",
    };
    fuzz_bytes("paths", 0x9A74_0001, &inputs, |input, _| {
        if let Ok(path) = safe_path(&text(input)) {
            for segment in &path.segments {
                assert!(!matches!(segment.as_str(), "" | "." | ".."), "{segment:?}");
                assert!(!segment.contains(['/', '\\', '\0']), "{segment:?}");
            }
            // The segments, encoded again, name the same path.
            let encoded: Vec<String> = path
                .segments
                .iter()
                .map(|segment| percent_encode(segment.as_bytes(), Component::PathSegment))
                .collect();
            let again = safe_path(&format!("/{}", encoded.join("/"))).unwrap();
            assert_eq!(again.segments, path.segments);
        }
    });
}

const URLS: &[&[u8]] = &[
    b"http://example.com/index.html",
    b"https://alice:secret@Example.COM:8443/a/b/../c?q=1#top",
    b"http://[::1]:8080/",
    b"http://192.0.2.16:80/x%20y",
    b"ftp://ftp.example.org/pub/",
    b"mailto:alice@example.com",
    b"file:///etc/hosts",
    b"foo:/.//x",
];

const URL_TOKENS: &[&[u8]] = &[
    b"://", b"http:", b"[", b"]", b"[::1]", b"[v7.1]", b":", b"@", b"0x7f", b"127.1", b"%25",
];

#[test]
fn fuzz_url_parse() {
    let inputs = Inputs {
        corpus: URLS,
        tokens: URL_TOKENS,
        alphabet: b"htp:/[]@%.?#09aZ",
    };
    fuzz_bytes("url parse", 0x0041_0001, &inputs, |input, _| {
        let input = text(input);
        if let Ok(url) = Url::parse(&input) {
            // Display is the inverse of parse.
            assert_eq!(Url::parse(&url.to_string()), Ok(url.clone()));
            let _ = (url.redacted(), url.request_target(), url.port_or_default());
        }
        let _ = parse_host_port(&input);
    });
}

#[test]
fn urls_written_are_read_back() {
    // A URL written from random parts, each encoded for its place, parses
    // into those same parts, and is written back the same.
    run("url round trip", 0x0041_0003, |rng, input| {
        let scheme = *rng.pick(&["http", "https", "ftp", "x-y.z+w"]);
        let encoded = |rng: &mut Rng, component| {
            percent_encode(&rng.bytes(10, b"aZ0:@/?#%. \xc3\xa9"), component)
        };
        let userinfo = rng.one_in(3).then(|| encoded(rng, Component::Userinfo));
        let host = match rng.below(3) {
            0 => Ipv4Addr::from(rng.next_u64() as u32).to_string(),
            1 => format!(
                "[{}]",
                Ipv6Addr::from(u128::from(rng.next_u64()) << rng.below(64))
            ),
            _ => {
                // The last label is letters: a number there is refused
                // as a possible IPv4 address in disguise (RFC 3986 §7.4).
                let mut labels: Vec<String> = (0..rng.below(3))
                    .map(|_| text(&rng.bytes(6, b"a0-_~")))
                    .collect();
                labels.push(format!("a{}", text(&rng.bytes(5, b"az"))));
                labels.join(".")
            }
        };
        let port = rng.one_in(2).then(|| rng.next_u64() as u16);
        let path = match rng.one_in(4) {
            true => String::new(),
            false => format!("/{}", encoded(rng, Component::Path)),
        };
        let query = rng.one_in(2).then(|| encoded(rng, Component::Query));
        let fragment = rng.one_in(2).then(|| encoded(rng, Component::Fragment));

        let mut written = format!("{scheme}://");
        if let Some(userinfo) = &userinfo {
            written.push_str(&format!("{userinfo}@"));
        }
        written.push_str(&host);
        if let Some(port) = port {
            written.push_str(&format!(":{port}"));
        }
        written.push_str(&path);
        if let Some(query) = &query {
            written.push_str(&format!("?{query}"));
        }
        if let Some(fragment) = &fragment {
            written.push_str(&format!("#{fragment}"));
        }
        input.extend(written.as_bytes());

        let url = Url::parse(&written).unwrap();
        assert_eq!(url.scheme(), scheme);
        assert_eq!(url.userinfo(), userinfo.as_deref());
        assert_eq!(url.host().map(ToString::to_string), Some(host));
        assert_eq!(url.port(), port);
        assert_eq!(url.path(), path);
        assert_eq!(url.query(), query.as_deref());
        assert_eq!(url.fragment(), fragment.as_deref());
        assert_eq!(url.to_string(), written);
    });
}

#[test]
fn fuzz_url_resolve() {
    const REFERENCES: &[&[u8]] = &[
        b"../img/logo.png",
        b"/index.html",
        b"?page=2",
        b"#install",
        b"//other.example/x",
        b"g:h",
        b".//x",
        b"../../../../g",
    ];
    let inputs = Inputs {
        corpus: REFERENCES,
        tokens: URL_TOKENS,
        alphabet: b"./?#:g%",
    };
    let bases: Vec<Url> = URLS
        .iter()
        .map(|url| Url::parse(&text(url)).unwrap())
        .collect();
    fuzz_bytes("url resolve", 0x0041_0002, &inputs, |input, rng| {
        let reference = text(input);
        let base = rng.pick(&bases);
        if let Ok(joined) = base.join(&reference) {
            // §5.2.2: what a reference resolves to has no dot segments left
            // (but for "" or "#f", which keep the base's path as it is).
            let clean = |url: &Url| remove_dot_segments(url.path()) == url.path();
            if joined.has_authority() && clean(base) {
                assert!(clean(&joined), "{joined}");
            }
            assert_eq!(Url::parse(&joined.to_string()), Ok(joined));
        }
        let _ = remove_dot_segments(&reference);
    });
}

const COMPONENTS: [Component; 6] = [
    Component::Userinfo,
    Component::Host,
    Component::Path,
    Component::PathSegment,
    Component::Query,
    Component::Fragment,
];

#[test]
fn fuzz_percent_decoding() {
    let inputs = Inputs {
        corpus: &[b"a%20b", b"%2f%2F", b"caf%C3%A9", b"100%", b"%G1"],
        tokens: &[b"%", b"%4", b"%zz"],
        alphabet: b"%0123456789abcdefABCDEFgG",
    };
    fuzz_bytes("percent decoding", 0x0025_0001, &inputs, |input, rng| {
        let input = text(input);
        if let Ok(decoded) = percent_decode(&input) {
            assert!(decoded.len() <= input.len());
        }
        // Whatever the bytes, encoding then decoding gives them back.
        let component = *rng.pick(&COMPONENTS);
        let encoded = percent_encode(input.as_bytes(), component);
        assert_eq!(percent_decode(&encoded).as_deref(), Ok(input.as_bytes()));
    });
}

// ---------------------------------------------------------------------
// JSON, and the REST API's checks of the documents it is sent.

const DOCUMENTS: &[&[u8]] = &[
    br#"{"id": 7, "text": "buy milk", "done": false, "tags": ["home"], "due": null}"#,
    br#"[1, -0, 2.5e-3, 1E400, "caf\u00e9", "\ud83d\ude00", true]"#,
    br#"{"a": {"b": [[[]]], "c": {}}, "d": "\"\\\/\b\f\n\r\t"}"#,
    br#"{"next_id": 3, "notes": [{"id": 1, "text": "a", "done": true}]}"#,
    br#"{"text": "x", "id": 9007199254740993}"#,
    b"  123  ",
];

#[test]
fn fuzz_json_parse() {
    let inputs = Inputs {
        corpus: DOCUMENTS,
        tokens: &[
            b"[[[[[[[[",
            b"{\"a\":",
            b"1e",
            b"1.",
            b"01",
            b"true",
            b"nul",
        ],
        alphabet: b"{}[]\":,0123456789.eE+-tfnul \\",
    };
    fuzz_bytes("json parse", 0x4A53_0001, &inputs, |input, rng| {
        if let Ok(value) = json::parse(input) {
            assert_eq!(json::parse(value.to_string().as_bytes()), Ok(value.clone()));
            assert_eq!(json::parse(value.to_pretty().as_bytes()), Ok(value.clone()));
            let _ = value.as_i64();
            // What the REST API does with a document it is sent.
            let id = rng.next_u64() >> rng.below(64);
            let _ = draft_from_json(&value, Some(id).filter(|_| rng.one_in(2)));
            let _ = patch_from_json(&value, id);
            let _ = Notes::from_json(&value);
        }
        let start = rng.below(input.len() + 2);
        if let Ok((_, end)) = parse_string_at(input, start) {
            assert!(start < end && end <= input.len());
        }
    });
}

/// A random JSON value, nested at most `depth` deep.
fn json_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 4 } else { 6 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::Number(json_number(rng)),
        3 => Value::String(json_string(rng)),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| json_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut members: Vec<(String, Value)> = Vec::new();
            for _ in 0..rng.below(4) {
                let key = json_string(rng);
                // parse refuses duplicate keys, so a round trip has none.
                if members.iter().all(|(earlier, _)| *earlier != key) {
                    members.push((key, json_value(rng, depth - 1)));
                }
            }
            Value::Object(members)
        }
    }
}

fn json_number(rng: &mut Rng) -> f64 {
    loop {
        let number = match rng.below(4) {
            0 => rng.between(0, 1000) as f64 - 500.0,
            1 => (rng.next_u64() as i64) as f64,
            2 => rng.next_u64() as f64 / (rng.next_u64() | 1) as f64,
            _ => f64::from_bits(rng.next_u64()),
        };
        // JSON has no NaN or infinity (RFC 8259 §6).
        if number.is_finite() {
            return number;
        }
    }
}

fn json_string(rng: &mut Rng) -> String {
    let pieces = [
        "a", "Z", " ", "\"", "\\", "/", "\n", "\u{0}", "\u{1f}", "é", "😀", "\u{7f}",
    ];
    (0..rng.below(6)).map(|_| *rng.pick(&pieces)).collect()
}

#[test]
fn json_written_is_read_back() {
    run("json round trip", 0x4A53_0002, |rng, input| {
        let value = json_value(rng, 4);
        let written = value.to_string();
        input.extend(written.as_bytes());
        assert_eq!(json::parse(input), Ok(value.clone()));
        assert_eq!(json::parse(value.to_pretty().as_bytes()), Ok(value));
    });
}

#[test]
fn fuzz_rest_routes_and_types() {
    let inputs = Inputs {
        corpus: &[
            b"/notes",
            b"/notes/7?x=1",
            b"/notes/18446744073709551616",
            b"application/json; charset=utf-8",
            b"application/merge-patch+json",
        ],
        tokens: &[b"/notes/", b";", b"charset=", b"\"utf-8\""],
        alphabet: b"/notes0123456789?;= \"",
    };
    fuzz_bytes(
        "rest routes and types",
        0x4E57_0001,
        &inputs,
        |input, rng| {
            let input = text(input);
            let _ = route(&input);
            let _ = is_json_type(Some(&input), rng.one_in(2));
        },
    );
}

#[test]
fn fuzz_rest_api_in_memory() {
    // The whole REST API, without sockets: requests as the server would
    // hand them over, in runs of a few against one collection.
    const TARGETS: &[&[u8]] = &[
        b"/notes",
        b"/notes/1",
        b"/notes/2?x",
        b"/notes/9007199254740993",
    ];
    let targets = Inputs {
        corpus: TARGETS,
        tokens: &[b"/notes/", b"18446744073709551615"],
        alphabet: b"/notes0123456789?",
    };
    let bodies = Inputs {
        corpus: DOCUMENTS,
        tokens: &[br#""text":"#, br#""done":"#, br#""id":"#, b"null", b"true"],
        alphabet: b"{}[]\":,0123456789tfnul",
    };
    let methods = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW",
    ];
    let types = [
        "application/json",
        "application/merge-patch+json",
        "text/plain",
    ];
    let peer = SocketAddr::from(([127, 0, 0, 1], 9));
    run("rest api", 0x4E57_0002, |rng, input| {
        let api = NotesApi::in_memory();
        for _ in 0..rng.below(6) + 1 {
            let mut target = Vec::new();
            targets.make(rng, &mut target);
            let mut body = Vec::new();
            bodies.make(rng, &mut body);
            let mut headers = Headers::new();
            if !rng.one_in(4) {
                headers.append("Content-Type", *rng.pick(&types));
            }
            let method = *rng.pick(&methods);
            let request = Request {
                head: RequestHead {
                    method: Method::from_token(method),
                    target: text(&target),
                    version: Version::Http11,
                    headers,
                },
                body,
                peer,
            };
            input.extend(format!("{} {}\n", request.head.method, request.head.target).bytes());
            input.extend(&request.body);
            input.push(b'\n');
            let response = api.respond(&request);
            assert!((100..=599).contains(&response.status));
        }
    });
}

#[test]
fn fuzz_content_types() {
    let inputs = Inputs {
        corpus: &[b"index.html", b"a.tar.gz", b".hidden", b"caf\xc3\xa9.TXT"],
        tokens: &[b".", b"..", b".html"],
        alphabet: b"a.HTMLtx\xc3\xa9",
    };
    fuzz_bytes("content types", 0x3143_0001, &inputs, |input, _| {
        let _ = content_type(&text(input));
    });
}

// ---------------------------------------------------------------------
// The transcript, which shows every line the tour's peers exchange.

#[test]
fn fuzz_transcript() {
    let inputs = Inputs {
        corpus: &[
            b"USER alice\r\nPASS secret\r\n",
            b"AUTH PLAIN AGFsaWNl\r\n250 ok\r\n",
        ],
        tokens: &[b"PASS ", b"AUTH LOGIN ", b"\r\n"],
        alphabet: b"PASaps \r\n\t\0\xff",
    };
    fuzz_bytes("transcript", 0x7EE_0001, &inputs, |input, rng| {
        let _ = show_line(input);
        let transcript = Transcript::memory();
        let mut tee = transcript.tee(trickle(rng, input), Side::Server);
        let mut received = Vec::new();
        tee.read_to_end(&mut received).unwrap();
        tee.finish_lines();
        assert_eq!(received, input);
        // One line of transcript per line received, however long.
        let lines = input
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .count();
        let shown = transcript.contents();
        assert!(shown.lines().count() >= lines, "{shown}");
    });
}

// ---------------------------------------------------------------------
// The line protocols' helpers: lines, replies, dot-stuffing.

const LINES: &[&[u8]] = &[
    b"USER alice\r\nPASS secret\r\n",
    b"a\nb\r\nc",
    b"\r\n\r\n",
    b"a line that is longer than some limits\r\n",
];

#[test]
fn fuzz_line_finder() {
    let inputs = Inputs {
        corpus: LINES,
        tokens: &[b"\r\n", b"\r", b"\n"],
        alphabet: b"ab \r\n",
    };
    let max_lens = [
        0,
        1,
        2,
        5,
        16,
        100,
        usize::MAX - 2,
        usize::MAX - 1,
        usize::MAX,
    ];
    fuzz_bytes("line finder", 0x11AE_0001, &inputs, |input, rng| {
        let max_len = *rng.pick(&max_lens);
        let endings = *rng.pick(&[Endings::Crlf, Endings::CrlfOrLf]);
        assert_eq!(
            find_line(input, max_len, endings),
            find_line_by_the_book(input, max_len, endings)
        );
        if let Ok(Status::Complete(line)) = find_line(input, max_len, endings) {
            assert!(line.len <= max_len && line.len < line.consumed);
            assert!(line.consumed <= input.len() && input[line.consumed - 1] == b'\n');
        }
    });
}

/// What `find_line` must answer, written the slow and obvious way: look
/// at the whole buffer for the first LF, and only then apply the rules.
fn find_line_by_the_book(
    buf: &[u8],
    max_len: usize,
    endings: Endings,
) -> Result<Status<Line>, LineError> {
    let too_long = Err(LineError::TooLong { limit: max_len });
    match buf.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let has_cr = lf > 0 && buf[lf - 1] == b'\r';
            let len = lf - usize::from(has_cr);
            if len > max_len {
                too_long
            } else if !has_cr && endings == Endings::Crlf {
                Err(LineError::BareLf)
            } else {
                Ok(Status::Complete(Line {
                    len,
                    consumed: lf + 1,
                }))
            }
        }
        // No LF yet: too long already if more than max_len bytes came and
        // the one after the first max_len is not the CR of a CR LF.
        None if buf.len() > max_len && (buf.len() - max_len > 1 || buf[max_len] != b'\r') => {
            too_long
        }
        None => Ok(Status::Partial),
    }
}

#[test]
fn fuzz_line_reader() {
    let inputs = Inputs {
        corpus: LINES,
        tokens: &[b"\r\n", b"\r", b"\n"],
        alphabet: b"ab \r\n",
    };
    fuzz_bytes("line reader", 0x11AE_0002, &inputs, |input, rng| {
        let max_len = rng.below(40);
        let endings = *rng.pick(&[Endings::Crlf, Endings::CrlfOrLf]);
        let mut reader = LineReader::new(trickle(rng, input), max_len, endings);
        // The reader, whose buffer holds one line, reads what find_line
        // finds in the whole input at once, line after line.
        let mut read = Vec::new();
        loop {
            match reader.read_line() {
                Ok(Some(line)) => read.push(Ok(line.to_vec())),
                Ok(None) => break,
                Err(ReadLineError::Line(error)) => read.push(Err(error.to_string())),
                Err(ReadLineError::Truncated) => {
                    read.push(Err("truncated".into()));
                    break;
                }
                Err(ReadLineError::Io(error)) => panic!("{error}"),
            }
            assert!(read.len() <= input.len(), "more lines than bytes");
        }
        assert_eq!(read, lines_of(input, max_len, endings));
    });
}

/// The lines `find_line` finds in `input`, one after the other, as
/// [`LineReader`] should hand them out: a bad line is reported and
/// skipped up to its LF; bytes left without one are "truncated".
fn lines_of(mut input: &[u8], max_len: usize, endings: Endings) -> Vec<Result<Vec<u8>, String>> {
    let mut lines = Vec::new();
    while !input.is_empty() {
        match find_line(input, max_len, endings) {
            Ok(Status::Complete(line)) => {
                lines.push(Ok(input[..line.len].to_vec()));
                input = &input[line.consumed..];
            }
            Ok(Status::Partial) => {
                lines.push(Err("truncated".into()));
                break;
            }
            Err(error) => {
                lines.push(Err(error.to_string()));
                match input.iter().position(|&b| b == b'\n') {
                    Some(lf) => input = &input[lf + 1..],
                    None => break,
                }
            }
        }
    }
    lines
}

const REPLIES: &[&[u8]] = &[
    b"250-mail.example.com greets client.example.org\r\n250-SIZE 10240000\r\n250 HELP\r\n",
    b"211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n",
    b"220 ready\r\n",
    b"550\r\n",
];

#[test]
fn fuzz_reply_parser() {
    let inputs = Inputs {
        corpus: REPLIES,
        tokens: &[b"250-", b"250 ", b"599", b"600", b"099", b"\r\n"],
        alphabet: b"0123456789- \r\nab",
    };
    fuzz_bytes("reply parser", 0x2E91_0001, &inputs, |input, rng| {
        let style = *rng.pick(&[Style::Strict, Style::Lenient]);
        for line in input.split(|&b| b == b'\n') {
            if let Ok((code, _, _)) = parse_reply_line(line) {
                assert!((100..=599).contains(&code));
            }
        }
        let mut parser = ReplyParser::new(style);
        for line in input.split(|&b| b == b'\n') {
            if parser.push_line(line).is_err() {
                break;
            }
        }
        // However the bytes arrive, the same replies come out.
        let replies = |rng: &mut Rng| {
            let mut reader = LineReader::new(trickle(rng, input), 512, Endings::CrlfOrLf);
            let mut replies = Vec::new();
            while let Ok(reply) = read_reply(&mut reader, style) {
                assert!((100..=599).contains(&reply.code) && !reply.lines.is_empty());
                replies.push(reply);
            }
            replies
        };
        assert_eq!(replies(rng), replies(rng));
    });
}

#[test]
fn replies_written_are_read_back() {
    run("reply round trip", 0x2E91_0002, |rng, wire| {
        let reply = Reply {
            code: rng.between(100, 599) as u16,
            lines: (0..rng.below(5) + 1)
                .map(|_| text(&rng.bytes(12, b"az 09-")))
                .collect(),
        };
        wire.extend(format!("{reply}\r\n").into_bytes());
        for style in [Style::Strict, Style::Lenient] {
            let mut reader = LineReader::new(trickle(rng, wire), 512, Endings::Crlf);
            assert_eq!(read_reply(&mut reader, style).unwrap(), reply);
        }
    });
}

const MESSAGES: &[&[u8]] = &[
    b"Subject: hi\r\n\r\n..a line that began with a dot\r\n.\r\n",
    b"one\r\ntwo\r\n.\r\nQUIT\r\n",
    b".\r\n",
    b"a\r\n.\n",
    b"..\r\n.\r\r\n.\r\n",
];

#[test]
fn fuzz_dot_decoder() {
    let inputs = Inputs {
        corpus: MESSAGES,
        tokens: &[b"\r\n.\r\n", b"\n.\n", b".", b"\r"],
        alphabet: b".\r\nab",
    };
    fuzz_bytes("dot decoder", 0xD07_0001, &inputs, |input, rng| {
        // However the bytes are cut, the same message and the same end.
        let (out, used, done) = decode_dots(&pieces(rng, input));
        assert_eq!(decode_dots(&[input]), (out.clone(), used, done));
        // Unstuffing only ever removes bytes.
        assert!(out.len() <= used);
    });
}

/// Decodes a dot-stuffed message that arrives in `pieces`: the message,
/// how many bytes were used, and whether its end was found.
fn decode_dots(pieces: &[&[u8]]) -> (Vec<u8>, usize, bool) {
    let mut decoder = DotDecoder::default();
    let mut out = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let n = decoder.decode(piece, &mut out);
        assert!(n <= piece.len());
        used += n;
        if n < piece.len() {
            assert!(decoder.is_done());
            break;
        }
    }
    (out, used, decoder.is_done())
}

/// What a message becomes on its way through the wire: every bare LF
/// turned into CR LF, and a last line ended.
fn as_sent(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &byte) in message.iter().enumerate() {
        if byte == b'\n' && (i == 0 || message[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    match out.last() {
        None | Some(b'\n') => {}
        Some(b'\r') => out.push(b'\n'),
        Some(_) => out.extend_from_slice(b"\r\n"),
    }
    out
}

#[test]
fn dot_stuffed_messages_are_read_back() {
    run("dot round trip", 0xD07_0002, |rng, input| {
        input.extend(rng.bytes(40, b".\r\nab"));
        let mut wire = Vec::new();
        let mut encoder = DotEncoder::default();
        for piece in pieces(rng, input) {
            encoder.encode(piece, &mut wire);
        }
        encoder.finish(&mut wire);
        wire.extend_from_slice(b"NEXT");
        let mut decoder = DotDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for piece in pieces(rng, &wire) {
            used += decoder.decode(piece, &mut out);
        }
        assert!(decoder.is_done());
        assert_eq!(out, as_sent(input), "wire: b\"{}\"", escaped(&wire));
        assert_eq!(&wire[used..], b"NEXT");
    });
}

// ---------------------------------------------------------------------
// Datagrams and frames.

#[test]
fn fuzz_udp_ping_parse() {
    // The pings of a run of five, sent a millisecond apart.
    let sent: Vec<[u8; PING_LEN]> = (0..5)
        .map(|seq| {
            Ping {
                seq,
                sent_micros: u64::from(seq) * 1000,
            }
            .encode()
        })
        .collect();
    let mut corpus: Vec<&[u8]> = sent.iter().map(|ping| ping.as_slice()).collect();
    corpus.push(b"PING\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
    let inputs = Inputs {
        corpus: &corpus,
        tokens: &[b"PING", b"\xff\xff\xff\xff", b"\0\0\0\0"],
        alphabet: b"PING\0\x01\xff",
    };
    fuzz_bytes("udp ping parse", 0x9146_0001, &inputs, |input, rng| {
        if let Ok(ping) = Ping::parse(input) {
            assert_eq!(ping.encode().as_slice(), input);
        }
        let mut session = PingSession::new();
        for seq in 0..5 {
            session.next_ping(seq * 1000);
        }
        // The datagram, then maybe a copy of it: a copy never counts twice.
        let now = rng.next_u64() >> rng.below(64);
        let first = session.on_datagram(input, now);
        let again = session.on_datagram(input, now);
        if let Outcome::Counted(reply) = first {
            assert_eq!(again, Outcome::Duplicate(reply));
        }
        let stats = session.stats();
        assert!(stats.received <= stats.transmitted && stats.received <= 1);
        let _ = stats.to_string();
    });
}

#[test]
fn pings_written_are_read_back() {
    run("ping round trip", 0x9146_0002, |rng, input| {
        let ping = Ping {
            seq: rng.next_u64() as u32,
            sent_micros: rng.next_u64(),
        };
        input.extend(ping.encode());
        assert_eq!(Ping::parse(input), Ok(ping));
    });
}

#[test]
fn fuzz_tcp_frames() {
    let mut frame = Vec::new();
    encode_frame(b"hello", &mut frame);
    let inputs = Inputs {
        corpus: &[&frame, b"\0\0\0\0", b"\0\x10\0\0abc"],
        tokens: &[b"\xff\xff\xff\xff", b"\0\x10\0\x01"],
        alphabet: b"\0\x01\x10\xffa",
    };
    fuzz_bytes("tcp frames", 0xF2A3_0001, &inputs, |input, _| {
        if let Ok(Status::Complete((payload, used))) = parse_frame(input) {
            assert!(payload.start == HEADER_LEN && payload.end == used && used <= input.len());
        }
    });
}

#[test]
fn frames_written_are_read_back() {
    run("frame round trip", 0xF2A3_0002, |rng, wire| {
        let payload = rng.bytes(64, &[]);
        encode_frame(&payload, wire);
        let Ok(Status::Complete((range, used))) = parse_frame(wire) else {
            panic!("a frame written does not parse");
        };
        assert_eq!((&wire[range], used), (payload.as_slice(), wire.len()));
    });
}

// ---------------------------------------------------------------------
// The pieces that came after the first fuzz tests: the frame decoder,
// conditional requests, redirect targets, forms and Accept, both ends of
// dot-stuffed data.

#[test]
fn the_frame_decoder_agrees_with_parse_frame_however_bytes_arrive() {
    let mut frame = Vec::new();
    encode_frame(b"hello", &mut frame);
    encode_frame(b"", &mut frame);
    let inputs = Inputs {
        corpus: &[&frame, b"\0\0\0\x02hi\0\0\0\x01", b"\0\x10\0\0abc"],
        tokens: &[b"\xff\xff\xff\xff", b"\0\x10\0\x01", b"\0\0\0\0"],
        alphabet: b"\0\x01\x02\x10\xffa",
    };
    fuzz_bytes("frame decoder", 0xF2A3_0003, &inputs, |input, rng| {
        // What parse_frame finds, frame after frame, from the whole input.
        let mut expected = Vec::new();
        let mut rest = input;
        let mut refused = false;
        loop {
            match parse_frame(rest) {
                Ok(Status::Complete((payload, used))) => {
                    expected.push(rest[payload].to_vec());
                    rest = &rest[used..];
                }
                Ok(Status::Partial) => break,
                Err(_) => {
                    refused = true;
                    break;
                }
            }
        }
        // The decoder, fed the same bytes in random pieces.
        let mut decoder = FrameDecoder::new();
        let mut got = Vec::new();
        let mut failed = false;
        'feed: for piece in pieces(rng, input) {
            if decoder.push(piece).is_err() {
                failed = true;
                break;
            }
            loop {
                match decoder.next_frame() {
                    Ok(Some(payload)) => got.push(payload),
                    Ok(None) => break,
                    Err(_) => {
                        failed = true;
                        break 'feed;
                    }
                }
            }
            // Bounded: never more than one frame's limit and a piece held.
            assert!(decoder.buffered() <= MAX_FRAME_LEN + HEADER_LEN + piece.len());
        }
        assert_eq!(got, expected);
        assert_eq!(failed, refused);
    });
}

#[test]
fn fuzz_conditional_requests() {
    const FIELDS: &[&[u8]] = &[
        b"\"1a-2b\"",
        b"W/\"1a-2b\"",
        b"\"x\", W/\"1a-2b\"",
        b"*",
        b"Sun, 06 Nov 1994 08:49:37 GMT",
        b"Sunday, 06-Nov-94 08:49:37 GMT",
    ];
    let inputs = Inputs {
        corpus: FIELDS,
        tokens: &[b"\"", b"W/", b",", b"*", b" GMT", b"99999999999999"],
        alphabet: b"\"W/,* 0123456789abx",
    };
    let names = [
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "if-range",
    ];
    let modified = UNIX_EPOCH + Duration::from_secs(784_111_777);
    let now = modified + Duration::from_secs(3600);
    fuzz_bytes("conditional", 0xC0D1_0001, &inputs, |input, rng| {
        let mut headers = Headers::new();
        for _ in 0..=rng.below(3) {
            headers.append(*rng.pick(&names), text(input));
        }
        let etag = file_etag(0x2b, modified, now);
        let validators = Validators {
            etag: rng.one_in(4).then_some(etag.as_str()).or(Some("\"1a-2b\"")),
            last_modified: (!rng.one_in(4)).then_some(modified),
        };
        let method = match rng.below(3) {
            0 => Method::Get,
            1 => Method::Head,
            _ => Method::Put,
        };
        let answer = evaluate(&method, &headers, &validators, now);
        // 304 is only ever the answer to a GET or a HEAD (RFC 9110 §13.1.2).
        if answer == Condition::NotModified {
            assert!(matches!(method, Method::Get | Method::Head));
        }
    });
}

#[test]
fn fuzz_redirect_locations() {
    const LOCATIONS: &[&[u8]] = &[
        b"/o k",
        b"/caf\xc3\xa9?q=\xc3\xa9 t",
        b"http://example.com/a%20b",
        b"../up\tand",
    ];
    let inputs = Inputs {
        corpus: LOCATIONS,
        tokens: &[b" ", b"%", b"\xc3\xa9", b"\r\n", b"\x7f", b"{|}"],
        alphabet: b"/ %?#ab\xc3\xa9\t",
    };
    fuzz_bytes("redirect locations", 0x10CA_0001, &inputs, |input, _| {
        let location = text(input);
        let encoded = encode_location(&location);
        // What is left is ASCII without spaces or controls, but CR and LF,
        // kept for the URL parser to refuse.
        for byte in encoded.bytes() {
            assert!(byte.is_ascii(), "{encoded:?}");
            assert!(!matches!(byte, b' ' | b'\t' | 0x7f), "{encoded:?}");
            assert!(
                byte >= 0x20 || byte == b'\r' || byte == b'\n',
                "{encoded:?}"
            );
        }
        // Encoding twice changes nothing more.
        assert_eq!(encode_location(&encoded), encoded);
    });
}

#[test]
fn fuzz_form_bodies() {
    const FORMS: &[&[u8]] = &[
        b"text=buy+milk",
        b"text=caf%C3%A9&done=true",
        b"a=&b",
        b"text=%2B%26%3D",
    ];
    let inputs = Inputs {
        corpus: FORMS,
        tokens: &[b"&", b"=", b"%", b"%ZZ", b"%C3", b"+", b"%00"],
        alphabet: b"a=&%+0123456789ABCDEF",
    };
    fuzz_bytes("form bodies", 0xF0E3_0001, &inputs, |input, _| {
        if let Ok(pairs) = parse_form(input) {
            // What was read, written again, reads back the same.
            let borrowed: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let written = form_urlencode(&borrowed);
            assert_eq!(parse_form(written.as_bytes()), Ok(pairs));
        }
    });
}

#[test]
fn forms_written_are_read_back() {
    run("form round trip", 0xF0E3_0002, |rng, input| {
        input.extend(rng.bytes(24, b"ab =&+%\xc3\xa9"));
        let value = text(input);
        let written = form_urlencode(&[("text", &value), ("done", "true")]);
        let expected = vec![
            ("text".to_string(), value.clone()),
            ("done".to_string(), "true".to_string()),
        ];
        assert_eq!(parse_form(written.as_bytes()), Ok(expected));
    });
}

#[test]
fn fuzz_accept_headers() {
    const ACCEPTS: &[&[u8]] = &[
        b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        b"application/json",
        b"*/*",
        b"text/*;q=0.5, application/json;q=0.4",
        b"text/html;q=0",
    ];
    let inputs = Inputs {
        corpus: ACCEPTS,
        tokens: &[b";q=", b"1.000", b"0.0001", b"*/*", b",", b"q=99999999999"],
        alphabet: b"texthmlapjson/*;q=0.,1 ",
    };
    let offered = ["application/json", "text/html"];
    fuzz_bytes("accept", 0xACC3_0001, &inputs, |input, _| {
        let accept = text(input);
        let chosen = choose(Some(&accept), &offered);
        // A weight is at most 1 (1000 thousandths), and the choice has the
        // best one of those offered.
        let weights = offered.map(|media_type| quality(&accept, media_type));
        assert!(
            weights.iter().all(|&q| q <= 1000),
            "{accept:?}: {weights:?}"
        );
        let best = weights.iter().copied().max().unwrap_or(0);
        match chosen {
            None => assert_eq!(best, 0),
            Some(media_type) => assert_eq!(quality(&accept, media_type), best),
        }
    });
}

#[test]
fn the_lenient_end_of_data_ends_no_later_than_the_strict_one() {
    let inputs = Inputs {
        corpus: MESSAGES,
        tokens: &[b"\r\n.\r\n", b"\n.\n", b"\n.\r\n", b".", b"\r"],
        alphabet: b".\r\nab",
    };
    fuzz_bytes("dot ends", 0xD07_0003, &inputs, |input, rng| {
        let mut strict = DotDecoder::new(EndOfData::Strict);
        let mut lenient = DotDecoder::new(EndOfData::Lenient);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut used_strict, mut used_lenient) = (0, 0);
        for piece in pieces(rng, input) {
            if !strict.is_done() {
                used_strict += strict.decode(piece, &mut a);
            }
            if !lenient.is_done() {
                used_lenient += lenient.decode(piece, &mut b);
            }
        }
        // Every end the strict decoder sees, the lenient one sees too.
        if strict.is_done() {
            assert!(lenient.is_done() && used_lenient <= used_strict);
        }
    });
}

#[test]
fn a_dot_reader_with_a_limit_reads_to_the_real_end_and_keeps_no_more() {
    run("dot reader limit", 0xD07_0004, |rng, input| {
        input.extend(rng.bytes(200, b".\r\nab"));
        let mut wire = Vec::new();
        let mut encoder = DotEncoder::default();
        encoder.encode(input, &mut wire);
        encoder.finish(&mut wire);
        wire.extend_from_slice(b"QUIT\r\n");
        let limit = rng.below(64) as u64;
        let capacity = rng.below(32) + 1;
        let mut stream = io::BufReader::with_capacity(capacity, trickle(rng, &wire));
        let mut reader = DotReader::new(&mut stream).with_limit(limit);
        let mut message = Vec::new();
        let result = reader.read_message(&mut message);
        let whole = as_sent(input);
        match result {
            Ok(()) => assert_eq!(message, whole),
            Err(MessageError::TooLarge { .. }) => {
                assert!(whole.len() as u64 > limit && message.len() as u64 <= limit)
            }
            Err(error) => panic!("{error}"),
        }
        // Either way, what follows the message is the next command.
        let mut rest = Vec::new();
        drop(reader);
        stream.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"QUIT\r\n");
    });
}

// ---------------------------------------------------------------------
// FTP: text-mode (TYPE A) conversion and directory listings.

const TEXT_FILES: &[&[u8]] = &[
    b"a\nb\n",
    b"dos\r\nline\r\n",
    b"mac\rold\r",
    b"\r\r\n\n\r",
    b"\x89PNG\r\n\x1a\n",
    b"no end",
];

/// `input`, fed in `pieces` to a fresh `ToNetwork`.
fn to_network(pieces: &[&[u8]]) -> Vec<u8> {
    let mut converter = ToNetwork::default();
    let mut out = Vec::new();
    for piece in pieces {
        converter.encode(piece, &mut out);
    }
    converter.finish(&mut out);
    out
}

/// `input`, fed in `pieces` to a fresh `FromNetwork`.
fn from_network(pieces: &[&[u8]]) -> Vec<u8> {
    let mut converter = FromNetwork::default();
    let mut out = Vec::new();
    for piece in pieces {
        converter.encode(piece, &mut out);
    }
    converter.finish(&mut out);
    out
}

#[test]
fn the_ascii_converters_give_the_same_bytes_however_the_input_is_cut() {
    let inputs = Inputs {
        corpus: TEXT_FILES,
        tokens: &[b"\r", b"\n", b"\r\n", b"\r\r", b"\n\r"],
        alphabet: b"\r\nab",
    };
    fuzz_bytes("ascii converters", 0xA5C1_0001, &inputs, |input, rng| {
        let wire = to_network(&[input]);
        assert_eq!(to_network(&pieces(rng, input)), wire);
        assert!(wire.len() <= 2 * input.len());
        // On the wire, every LF ends a CR LF.
        for (i, &byte) in wire.iter().enumerate() {
            assert!(byte != b'\n' || (i > 0 && wire[i - 1] == b'\r'));
        }
        let file = from_network(&[input]);
        assert_eq!(from_network(&pieces(rng, input)), file);
        assert!(file.len() <= input.len());
    });
}

#[test]
fn ascii_text_without_cr_lf_comes_back_as_it_was() {
    run("ascii round trip", 0xA5C1_0002, |rng, input| {
        // Any bytes, but no CR LF pair: that alone arrives changed, as LF.
        for _ in 0..rng.below(65) {
            let byte = *rng.pick(b"\r\nab\xc3");
            if !(byte == b'\n' && input.last() == Some(&b'\r')) {
                input.push(byte);
            }
        }
        let wire = to_network(&pieces(rng, input));
        assert_eq!(from_network(&pieces(rng, &wire)), *input);
    });
}

/// 2026-12-01 09:00:00 UTC: the time the listings below are read.
const LISTED_AT: u64 = 1_796_115_600;

const LIST_LINES: &[&[u8]] = &[
    b"-rw-r--r--    1 ftp      ftp          1024 Dec 01 08:15 notes.txt",
    b"drwxr-xr-x 2 alice staff 4096 Jan  5  2025 old photos",
    b"lrwxrwxrwx 1 ftp ftp 11 Dec 01 08:15 latest -> v2/a",
    b"-rwsr-Sr-t+ 1 alice 5 Dec 1 08:15  two  spaces \r\n",
    b"total 12",
    b"12-01-26  08:15AM       <DIR>          photos",
    b"12-01-26  12:05PM                 1024 notes 2.txt",
];

#[test]
fn fuzz_list_lines() {
    let inputs = Inputs {
        corpus: LIST_LINES,
        tokens: &[
            b" -> ", b"Feb 29", b"<DIR>", b"12:00PM", b" 2025 ", b"-rw", b"total",
        ],
        alphabet: b"-rwxdl 0123456789:DecJan",
    };
    let now = UNIX_EPOCH + Duration::from_secs(LISTED_AT);
    fuzz_bytes("list lines", 0x7157_0001, &inputs, |input, _| {
        // The caller turns the bytes into text as the module asks.
        let Ok(Some(entry)) = parse_list_line(&text(input)) else {
            return;
        };
        // What was read, listed again, reads back with the same name,
        // kind, size and permissions.
        let again = DirEntry {
            name: entry.name.clone(),
            kind: entry.kind,
            size: entry.size,
            modified: entry.time.resolve(now).unwrap_or(UNIX_EPOCH),
            permissions: entry.permissions.unwrap_or(0o644),
        };
        if let Ok(line) = format_list_line(&again, now) {
            let read = parse_list_line(&line).unwrap().unwrap();
            assert_eq!(
                (&read.name, read.kind, read.size),
                (&again.name, again.kind, again.size)
            );
            assert_eq!(read.permissions, Some(again.permissions), "{line}");
        }
    });
}

/// A directory entry with a name of bytes that break listings, any size,
/// any mode bits, and a time near `now` more often than not.
fn dir_entry(rng: &mut Rng, now: u64) -> DirEntry {
    let mut name = text(&rng.bytes(24, b"ab ;.->=\t\xc3\xa9"));
    if name.is_empty() {
        name.push('x');
    }
    let size = match rng.below(3) {
        0 => rng.between(0, 9),
        1 => rng.next_u64(),
        _ => u64::MAX,
    };
    let six_months = SIX_MONTHS as u64;
    let modified = match rng.below(4) {
        0 => rng.between(0, LAST_HTTP_DATE),
        // Around the six-month edge, to the second.
        1 => (now + rng.between(0, 120)).saturating_sub(six_months + 60),
        _ => (now + rng.between(0, 2 * six_months)).saturating_sub(3 * six_months / 2),
    };
    DirEntry {
        name,
        kind: *rng.pick(&[Kind::File, Kind::Dir, Kind::Symlink]),
        size,
        modified: UNIX_EPOCH + Duration::from_secs(modified.min(LAST_HTTP_DATE)),
        permissions: rng.next_u64() as u32,
    }
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn list_lines_written_are_read_back() {
    run("list round trip", 0x7157_0002, |rng, input| {
        let now = match rng.one_in(2) {
            true => LISTED_AT,
            false => rng.between(0, LAST_HTTP_DATE),
        };
        let entry = dir_entry(rng, now);
        input.extend(entry.name.as_bytes());
        let line = format_list_line(&entry, UNIX_EPOCH + Duration::from_secs(now)).unwrap();
        let read = parse_list_line(&line).unwrap().unwrap();
        // A link's name ends at the first " -> ": the form cannot say more.
        let name = match entry.kind {
            Kind::Symlink => entry.name.split(" -> ").next().unwrap(),
            _ => &entry.name,
        };
        assert_eq!(
            (read.name.as_str(), read.kind, read.size),
            (name, entry.kind, entry.size)
        );
        assert_eq!(read.permissions, Some(entry.permissions & 0o7777));
        // The minute of a change in the six months before now; the day of
        // any other, read as its midnight.
        let modified = seconds(entry.modified);
        let recent = modified <= now && now - modified < SIX_MONTHS as u64;
        let expected = match recent {
            true => modified - modified % 60,
            false => modified - modified % 86_400,
        };
        let resolved = read.time.resolve(UNIX_EPOCH + Duration::from_secs(now));
        assert_eq!(resolved.map(seconds), Some(expected), "{line}");
    });
}

const MLSX_LINES: &[&[u8]] = &[
    b"type=file;size=1024;modify=20261201081500;perm=r;UNIX.mode=0644; notes.txt",
    b"Type=cdir;Modify=20250105000000.123; /pub",
    b"type=OS.unix=slink:/x;unique=8;; a;b c",
    b" bare",
    b"type=dir;perm=el;UNIX.mode=755; my dir\r\n",
];

#[test]
fn fuzz_mlsx_lines() {
    let inputs = Inputs {
        corpus: MLSX_LINES,
        tokens: &[
            b"size=",
            b"modify=",
            b"type=",
            b";",
            b"=",
            b" ",
            b".999999999999",
        ],
        alphabet: b"typesizmodf=;. 0123456789",
    };
    fuzz_bytes("mlsx lines", 0x7157_0003, &inputs, |input, _| {
        let line = text(input);
        let Ok(entry) = parse_mlsx_line(&line) else {
            return;
        };
        // The name is all that follows the first space, less a line end.
        let after_space = line.split_once(' ').unwrap().1;
        let after_space = after_space.strip_suffix('\n').unwrap_or(after_space);
        let after_space = after_space.strip_suffix('\r').unwrap_or(after_space);
        assert_eq!(entry.name, after_space);
    });
}

#[test]
fn mlsx_lines_written_are_read_back() {
    run("mlsx round trip", 0x7157_0004, |rng, input| {
        let entry = dir_entry(rng, LISTED_AT);
        input.extend(entry.name.as_bytes());
        let perm: String = PERM_LETTERS.chars().filter(|_| rng.one_in(2)).collect();
        let line = format_mlsx_line(&entry, &perm).unwrap();
        let kind = match entry.kind {
            Kind::File => MlsxType::File,
            Kind::Dir => MlsxType::Dir,
            Kind::Symlink => MlsxType::Symlink,
        };
        let expected = MlsxEntry {
            name: entry.name.clone(),
            kind: Some(kind),
            size: (entry.kind != Kind::Dir).then_some(entry.size),
            modified: Some(entry.modified),
            perm: Some(perm),
            mode: Some(entry.permissions & 0o7777),
        };
        assert_eq!(parse_mlsx_line(&line), Ok(expected), "{line}");
    });
}

// ---------------------------------------------------------------------
// FTP: commands, addresses of data connections, replies, times.

const FTP_COMMANDS: &[&[u8]] = &[
    b"USER alice",
    b"PASS hunter2",
    b"OPTS UTF8 ON",
    b"TYPE A N",
    b"type l 8",
    b"MODE S",
    b"STRU F",
    b"EPSV ALL",
    b"PORT 127,0,0,1,195,140",
    b"EPRT |1|132.235.1.2|6275|",
    b"EPRT |2|1080::8:800:200C:417A|5282|",
    b"LIST -la /pub",
    b"NLST -l my dir",
    b"MLSD /pub",
    b"RETR  notes for monday.txt",
    b"REST 18446744073709551615",
    b"XPWD",
    b"\xff\xf4\xff\xf2ABOR",
    b"STAT",
    b"SITE CHMOD 600 x",
];

#[test]
fn fuzz_ftp_commands() {
    let inputs = Inputs {
        corpus: FTP_COMMANDS,
        tokens: &[
            b"RETR ",
            b"LIST ",
            b"EPRT ",
            b"PORT ",
            b"TYPE ",
            b"REST ",
            b"-la ",
            b"|",
            b"||",
            b",",
            b"255",
            b"256",
            b"99999999999999999999",
            b"\xff\xf4",
            b"::1",
        ],
        alphabet: b"ABCDEILNOPRSTUVXYabelrst -|,.:0123456789",
    };
    fuzz_bytes("ftp commands", 0xF7C0_0001, &inputs, |input, _| {
        match parse_command(input) {
            // What parses is written in a form that parses to the same
            // command, and that is one clean line.
            Ok(command) => {
                let written = command.to_string();
                assert!(!written.bytes().any(|b| matches!(b, b'\0' | b'\r' | b'\n')));
                assert_eq!(
                    parse_command(written.as_bytes()),
                    Ok(command),
                    "{written:?}"
                );
            }
            Err(error) => {
                assert!(
                    [500, 501, 502, 504, 522].contains(&error.reply_code()),
                    "{error:?}"
                );
                assert!(!error.to_string().is_empty());
                if let CommandError::Unknown(verb) = &error {
                    assert!(verb.len() <= 16 && verb.bytes().all(|b| b.is_ascii_graphic()));
                }
            }
        }
    });
}

const FTP_ADDRESSES: &[&[u8]] = &[
    b"127,0,0,1,195,140",
    b"255,255,255,255,255,255",
    b"Entering Passive Mode (192,168,1,2,195,140).",
    b"|1|132.235.1.2|6275|",
    b"|2|1080::8:800:200C:417A|5282|",
    b"!2!::ffff:127.0.0.1!1025!",
    b"Entering Extended Passive Mode (|||6446|)",
    b"(!!!65535!)",
];

#[test]
fn fuzz_ftp_addresses() {
    let inputs = Inputs {
        corpus: FTP_ADDRESSES,
        tokens: &[
            b",", b"|", b"(", b")", b"255", b"256", b"65536", b"::", b"ffff",
        ],
        alphabet: b"0123456789,.:|!()abcdef ",
    };
    let client: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    fuzz_bytes("ftp addresses", 0xF7AD_0001, &inputs, |input, _| {
        let text = text(input);
        // Whatever each parser finds, its writer writes in a form that
        // parses to the same address.
        if let Ok(address) = parse_host_port_numbers(&text) {
            assert_eq!(
                parse_host_port_numbers(&format_host_port_numbers(address)),
                Ok(address)
            );
            let _ = check_port_target(address.into(), client);
        }
        if let Ok(address) = parse_pasv_reply(&text) {
            assert_eq!(parse_pasv_reply(&format_pasv_reply(address)), Ok(address));
        }
        if let Ok(address) = parse_eprt(&text) {
            assert_eq!(parse_eprt(&format_eprt(address)), Ok(address));
            let _ = check_port_target(address, client);
        }
        if let Ok(port) = parse_epsv_reply(&text) {
            assert_eq!(parse_epsv_reply(&format_epsv_reply(port)), Ok(port));
        }
    });
}

#[test]
fn ftp_addresses_written_are_read_back() {
    run("ftp address round trip", 0xF7AD_0002, |rng, input| {
        let port = rng.next_u64() as u16;
        let v4 = SocketAddrV4::new(Ipv4Addr::from(rng.next_u64() as u32), port);
        let v6 = SocketAddr::new(
            Ipv6Addr::from(u128::from(rng.next_u64()) << rng.below(65)).into(),
            port,
        );
        input.extend(format_eprt(v6).as_bytes());
        assert_eq!(
            parse_host_port_numbers(&format_host_port_numbers(v4)),
            Ok(v4)
        );
        assert_eq!(parse_pasv_reply(&format_pasv_reply(v4)), Ok(v4));
        assert_eq!(parse_eprt(&format_eprt(v4.into())), Ok(v4.into()));
        assert_eq!(parse_eprt(&format_eprt(v6)), Ok(v6));
        assert_eq!(parse_epsv_reply(&format_epsv_reply(port)), Ok(port));
    });
}

#[test]
fn ftp_replies_written_are_read_back() {
    // The server's writer against the client's reader, lenient style:
    // lines of free text, some starting with digits or the code itself.
    run("ftp reply round trip", 0xF7E9_0001, |rng, wire| {
        let code = rng.between(100, 599) as u16;
        let reply = Reply {
            code,
            lines: (0..rng.below(6) + 1)
                .map(|_| match rng.below(4) {
                    0 => format!("{code}{}", text(&rng.bytes(6, b" -ab"))),
                    _ => text(&rng.bytes(12, b"az 09-\"")),
                })
                .collect(),
        };
        wire.extend(format!("{}\r\n", format_reply(&reply)).into_bytes());
        let mut reader = LineReader::new(trickle(rng, wire), 512, Endings::Crlf);
        assert_eq!(read_reply(&mut reader, Style::Lenient).unwrap(), reply);
    });
}

#[test]
fn ftp_quoted_paths_are_read_back() {
    run("ftp quoted paths", 0xF7E9_0002, |rng, input| {
        let path = text(&rng.bytes(16, b"/a \"\"."));
        input.extend(path.as_bytes());
        let reply = format!("{} is the current directory", quote_path(&path));
        assert_eq!(unquote_path(&reply), Some(path));
    });
}

const FTP_TIMES: &[&[u8]] = &[
    b"19980615100045.014",
    b"19700101000000",
    b"00000101000000",
    b"99991231235959",
    b"20000229235960",
    b"19691231235959.999999999999",
];

/// 0000-01-01 00:00:00 and 9999-12-31 23:59:59, in seconds from 1970: the
/// first and last times with a four-digit year.
const FIRST_FTP_TIME: i64 = -62_167_219_200;
const LAST_FTP_TIME: i64 = 253_402_300_799;

/// Whether `name` matches `pattern` (`*` any run, `?` any one character),
/// worked out the slow and obvious way: a table of which prefix of the
/// pattern matches which prefix of the name.
fn matches_by_table(pattern: &[char], name: &[char]) -> bool {
    let mut table = vec![vec![false; name.len() + 1]; pattern.len() + 1];
    table[0][0] = true;
    for p in 1..=pattern.len() {
        for n in 0..=name.len() {
            table[p][n] = match pattern[p - 1] {
                '*' => table[p - 1][n] || (n > 0 && table[p][n - 1]),
                c => n > 0 && (c == '?' || c == name[n - 1]) && table[p - 1][n - 1],
            };
        }
    }
    table[pattern.len()][name.len()]
}

#[test]
fn ftp_patterns_match_as_the_table_says() {
    run("ftp name patterns", 0xF771_0003, |rng, input| {
        let pick = |rng: &mut Rng, len: u64, letters: &[char]| -> String {
            (0..rng.between(0, len))
                .map(|_| letters[rng.between(0, letters.len() as u64 - 1) as usize])
                .collect()
        };
        let pattern = pick(rng, 8, &['*', '?', 'a', 'b', '.', 'é']);
        let name = pick(rng, 12, &['a', 'b', '.', 'é']);
        input.extend_from_slice(format!("{pattern} {name}").as_bytes());
        let Some(found) = NamePattern::in_argument(&pattern) else {
            assert!(!pattern.contains(['*', '?']), "{pattern:?}");
            return;
        };
        let chars = |text: &str| text.chars().collect::<Vec<char>>();
        let hidden = name.starts_with('.') && !pattern.starts_with('.');
        let expected = !hidden && matches_by_table(&chars(&pattern), &chars(&name));
        assert_eq!(
            found.matches(&name),
            expected,
            "{pattern:?} against {name:?}"
        );
    });
}

fn ftp_time(seconds: i64) -> SystemTime {
    match u64::try_from(seconds) {
        Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
        Err(_) => UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs()),
    }
}

#[test]
fn fuzz_ftp_times() {
    let inputs = Inputs {
        corpus: FTP_TIMES,
        tokens: &[b"60", b"99", b"00", b"9999", b"0229", b".", b"1231"],
        alphabet: b"0123456789.",
    };
    fuzz_bytes("ftp times", 0xF771_0001, &inputs, |input, _| {
        let text = text(input);
        // A time that parses is written to the second, and that reads back
        // as the time without its fraction.
        if let Ok(time) = parse_time(&text) {
            let whole = text.split('.').next().unwrap_or_default();
            assert_eq!(parse_time(&format_time(time)), parse_time(whole), "{text}");
        }
    });
}

#[test]
fn ftp_times_written_are_read_back() {
    run("ftp time round trip", 0xF771_0002, |rng, input| {
        let offset = rng.between(0, (LAST_FTP_TIME - FIRST_FTP_TIME) as u64);
        let time = ftp_time(FIRST_FTP_TIME + offset as i64);
        let written = format_time(time);
        input.extend(written.as_bytes());
        assert_eq!(parse_time(&written), Ok(time));
    });
}

const FTP_SESSION_LINES: &[&[u8]] = &[
    b"USER alice\nPASS secret",
    b"USER nobody\nPASS wrong",
    b"PASV\nRETR notes.txt",
    b"EPSV\nREST 100\nSTOR a b.txt",
    b"PORT 127,0,0,1,195,140\nLIST -la",
    b"EPRT |2|::1|50060|\nMLSD",
    b"EPSV ALL\nPASV",
    b"RNFR a\nRNTO b",
    b"RNFR a\nNOOP\nRNTO b",
    b"CWD ../..\nCDUP\nPWD",
    b"MKD say \"hi\"\nCWD say \"hi\"\nPWD",
    b"MLST\nSTAT\nSTAT /\nSIZE x\nMDTM x",
    b"STOU\nAPPE log\nDELE x\nRMD d",
    b"TYPE I\nMODE S\nSTRU F\nFEAT\nHELP\nSYST\nABOR",
    b"OPTS UTF8 ON\nACCT x\nQUIT",
];

/// An outcome for an FTP session's action, at random: the right one or
/// not, and with text that no reply line may carry (CR, LF, digits first).
fn ftp_outcome(rng: &mut Rng) -> ftp_session::Outcome {
    use ftp_session::{Failure, Outcome};
    let text = |rng: &mut Rng| text(&rng.bytes(12, b"az09 \r\n-\""));
    match rng.below(11) {
        0 => Outcome::Waited,
        1 => Outcome::Listening("127.0.0.1:50060".parse().unwrap()),
        2 => Outcome::Listening("[::1]:50060".parse().unwrap()),
        3 => Outcome::Opened {
            name: rng.one_in(2).then(|| text(rng)),
            size: rng.one_in(2).then(|| rng.next_u64()),
        },
        4 => rng.pick(&[Outcome::Transferred, Outcome::Aborted]).clone(),
        5 => Outcome::Done,
        6 => Outcome::Size(rng.next_u64()),
        7 => Outcome::Modified(UNIX_EPOCH + Duration::from_secs(rng.between(0, 1 << 40))),
        8 => Outcome::Entry(DirEntry {
            name: text(rng),
            kind: *rng.pick(&[Kind::File, Kind::Dir, Kind::Symlink]),
            size: rng.next_u64(),
            modified: UNIX_EPOCH + Duration::from_secs(rng.between(0, 1 << 40)),
            permissions: rng.next_u64() as u32,
        }),
        9 => Outcome::Lines((0..rng.below(4)).map(|_| text(rng)).collect()),
        _ => Outcome::Failed(*rng.pick(&[
            Failure::NotFound,
            Failure::PermissionDenied,
            Failure::NameNotAllowed,
            Failure::Busy,
            Failure::DataConnection,
            Failure::Aborted,
            Failure::LocalError,
        ])),
    }
}

/// Checks that `sent` is nothing, or whole FTP replies that the client's
/// reader parses, each line ended by CR LF.
fn assert_whole_replies(sent: &[u8]) {
    let Some(body) = sent.strip_suffix(b"\r\n") else {
        assert!(sent.is_empty(), "{}", escaped(sent));
        return;
    };
    let mut parser = ReplyParser::new(Style::Lenient);
    let mut complete = false;
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(!line.contains(&b'\r'), "{}", escaped(sent));
        complete = match parser.push_line(line) {
            Ok(reply) => reply.is_some(),
            Err(error) => panic!("{error:?} in {}", escaped(sent)),
        };
    }
    assert!(complete, "an unfinished reply: {}", escaped(sent));
}

#[test]
fn fuzz_ftp_sessions() {
    use netlessons::wire::session::{Next, Session};
    let inputs = Inputs {
        corpus: FTP_SESSION_LINES,
        tokens: &[
            b"\n",
            b"RETR ",
            b"STOR ",
            b"CWD ",
            b"REST ",
            b"PORT ",
            b"..",
            b"/",
            b"../",
            b" ",
            b"\xff\xf4",
        ],
        alphabet: b"ABCDEILNOPRSTUVWXYabelrst -|,./:0123456789\n",
    };
    let users = || {
        ftp_session::Users::new()
            .with_user("alice", "secret")
            .with_anonymous()
    };
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:2121".parse().unwrap();
    fuzz_bytes("ftp sessions", 0xF75E_0001, &inputs, |input, rng| {
        let now = std::time::Instant::now();
        let mut fresh = ftp_session::FtpSession::new(users(), peer, local);
        let mut logged_in = ftp_session::FtpSession::new(users(), peer, local);
        logged_in.on_line(b"USER alice", now);
        logged_in.on_line(b"PASS secret", now);
        for session in [&mut fresh, &mut logged_in] {
            for line in input.split(|&b| b == b'\n') {
                let mut output = session.on_line(line, now);
                // An action's outcome may ask for one more action (150,
                // then the data); never more than that.
                for _ in 0..3 {
                    assert_whole_replies(&output.send);
                    output = match output.next {
                        Next::Act(_) => session.finish(ftp_outcome(rng), now),
                        Next::Read | Next::Close => break,
                    };
                }
                assert!(!matches!(output.next, Next::Act(_)), "{}", escaped(line));
            }
        }
    });
}

// ---- POP3 ----

const POP3_COMMANDS: &[&[u8]] = &[
    b"USER alice",
    b"PASS two words",
    b"STAT",
    b"LIST",
    b"LIST 2",
    b"RETR 1",
    b"DELE 10",
    b"TOP 1 0",
    b"UIDL 4294967295",
    b"RSET",
    b"NOOP",
    b"QUIT",
    b"CAPA",
];

#[test]
fn fuzz_pop3_commands() {
    use netlessons::pop3::command::parse_command;
    let inputs = Inputs {
        corpus: POP3_COMMANDS,
        tokens: &[
            b"PASS ",
            b"TOP ",
            b" ",
            b"0",
            b"4294967296",
            b"99999999999999999999",
        ],
        alphabet: b"ACDEILNOPRSTUabcdelrst 0123456789",
    };
    fuzz_bytes("pop3 commands", 0x9030_0001, &inputs, |input, _| {
        // What parses is written back as one clean line that parses to
        // the same command.
        if let Ok(command) = parse_command(input) {
            let written = command.to_string();
            assert!(!written.bytes().any(|b| matches!(b, b'\0' | b'\r' | b'\n')));
            assert_eq!(
                parse_command(written.as_bytes()),
                Ok(command),
                "{}",
                escaped(input)
            );
        }
    });
}

/// Checks that `sent` is whole POP3 answers: each starts with `+OK` or
/// `-ERR` and ends with CR LF, and a multi-line one ends with `.` CR LF
/// with every other line that starts with `.` stuffed.
fn assert_whole_pop3_answers(sent: &[u8], multi_line: bool) {
    if sent.is_empty() {
        return;
    }
    let text = std::str::from_utf8(sent).expect("answers are text");
    let body = text.strip_suffix("\r\n").expect("ends with CR LF");
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert!(
        lines[0].starts_with("+OK") || lines[0].starts_with("-ERR"),
        "{text:?}"
    );
    assert!(
        lines.iter().all(|line| !line.contains(['\r', '\n'])),
        "{text:?}"
    );
    if multi_line {
        assert_eq!(lines.last(), Some(&"."), "{text:?}");
        let inner = &lines[1..lines.len() - 1];
        assert!(inner
            .iter()
            .all(|line| !line.starts_with('.') || line.starts_with("..")));
    } else {
        assert_eq!(lines.len(), 1, "{text:?}");
    }
}

#[test]
fn fuzz_pop3_sessions() {
    use netlessons::accounts::Accounts;
    use netlessons::pop3::session::{Action, Message, Outcome, Pop3Session};
    use netlessons::wire::session::{Next, Session};
    let inputs = Inputs {
        corpus: &[
            b"USER alice\nPASS secret\nSTAT\nLIST\nRETR 1\nDELE 1\nQUIT",
            b"USER alice\nPASS wrong\nUSER alice\nPASS secret\nUIDL\nTOP 2 1\nRSET\nQUIT",
            b"PASS secret\nSTAT\nCAPA\nNOOP\nQUIT",
        ],
        tokens: &[
            b"\n",
            b"USER alice\nPASS secret\n",
            b"DELE ",
            b"RETR ",
            b"LIST ",
            b" ",
        ],
        alphabet: b"ACDEILNOPRSTUabcdelrst 0123456789\n",
    };
    let messages = || {
        vec![
            Message {
                uid: "a1".into(),
                size: 10,
            },
            Message {
                uid: "b2".into(),
                size: u64::MAX,
            },
        ]
    };
    fuzz_bytes("pop3 sessions", 0x9030_0002, &inputs, |input, rng| {
        let now = std::time::Instant::now();
        let mut session = Pop3Session::new(Accounts::new().with_user("alice", "secret"));
        for line in input.split(|&b| b == b'\n') {
            let keyword = line.split(|&b| b == b' ').next().unwrap_or_default();
            let lists = [&b"LIST"[..], b"UIDL", b"CAPA"]
                .iter()
                .any(|k| keyword.eq_ignore_ascii_case(k) && !line.contains(&b' '));
            let mut output = session.on_line(line, now);
            // RETR asks to open, then to send: never more than that.
            for _ in 0..3 {
                let multi = lists && output.send.starts_with(b"+OK");
                assert_whole_pop3_answers(&output.send, multi);
                output = match output.next {
                    Next::Act(action) => {
                        let outcome = match (action, rng.between(0, 4)) {
                            (_, 0) => Outcome::Failed,
                            (Action::Delay(_), _) => Outcome::Waited,
                            (Action::Open { .. }, 1) => Outcome::InUse,
                            (Action::Open { .. }, _) => Outcome::Opened(messages()),
                            (Action::OpenMessage { .. }, _) => Outcome::MessageOpened,
                            (Action::Send, _) => Outcome::Sent,
                            (Action::Remove { uids }, n) => Outcome::Removed {
                                failed: (n as usize).min(uids.len()),
                            },
                        };
                        session.finish(outcome)
                    }
                    Next::Read => break,
                    Next::Close => return,
                };
            }
            assert!(!matches!(output.next, Next::Act(_)), "{}", escaped(line));
        }
    });
}

// ---------------------------------------------------------------------
// DNS: messages, names, zone files.

/// A random name: up to five labels of any bytes (a few of them the
/// letters and dots that text escapes), in random case, kept under 255.
fn dns_name(rng: &mut Rng) -> Name {
    let mut labels: Vec<Vec<u8>> = Vec::new();
    let mut wire_len = 1;
    for _ in 0..rng.below(6) {
        let label = match rng.below(4) {
            0 => rng.bytes(8, &[]),
            1 => rng.bytes(63, b"aB"),
            _ => rng
                .pick(&[&b"www"[..], b"Example", b"TEST", b"a.b", b"@", b"x y"])
                .to_vec(),
        };
        if label.is_empty() || wire_len + 1 + label.len() > 255 {
            continue;
        }
        wire_len += 1 + label.len();
        labels.push(label);
    }
    Name::from_labels(labels).expect("labels within the limits")
}

/// Random data for a record of one of the types the codec reads, or raw.
fn dns_record_data(rng: &mut Rng) -> RecordData {
    match rng.below(8) {
        0 => RecordData::A(Ipv4Addr::from(rng.next_u64() as u32)),
        1 => RecordData::Aaaa(Ipv6Addr::from(
            u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()),
        )),
        2 => RecordData::Cname(dns_name(rng)),
        3 => RecordData::Ns(dns_name(rng)),
        4 => RecordData::Mx {
            preference: rng.next_u64() as u16,
            exchange: dns_name(rng),
        },
        5 => RecordData::Txt(
            (0..rng.below(4))
                .map(|_| rng.bytes(300, &[]))
                .map(|mut s| {
                    s.truncate(255);
                    s
                })
                .collect(),
        ),
        6 => RecordData::Soa(Soa {
            mname: dns_name(rng),
            rname: dns_name(rng),
            serial: rng.next_u64() as u32,
            refresh: rng.next_u64() as u32,
            retry: rng.next_u64() as u32,
            expire: rng.next_u64() as u32,
            minimum: rng.next_u64() as u32,
        }),
        _ => RecordData::Other {
            rtype: RecordType(*rng.pick(&[12, 33, 99, 257, 65280])),
            data: rng.bytes(16, &[]),
        },
    }
}

fn dns_record(rng: &mut Rng) -> Record {
    Record {
        name: dns_name(rng),
        class: Class(*rng.pick(&[1, 1, 1, 3, 254, 255])),
        ttl: rng.next_u64() as u32,
        data: dns_record_data(rng),
    }
}

/// A random message that can be written: any header bits, up to a few
/// records in each section, maybe EDNS (and then any rcode).
fn dns_message(rng: &mut Rng) -> Message {
    let mut message = Message::query(
        rng.next_u64() as u16,
        dns_name(rng),
        RecordType(rng.next_u64() as u16),
    );
    let header = &mut message.header;
    header.response = rng.one_in(2);
    header.opcode = Opcode::new(rng.below(16) as u8).unwrap();
    header.authoritative = rng.one_in(2);
    header.truncated = rng.one_in(2);
    header.recursion_desired = rng.one_in(2);
    header.recursion_available = rng.one_in(2);
    header.z = rng.one_in(2);
    header.authentic_data = rng.one_in(2);
    header.checking_disabled = rng.one_in(2);
    message.questions[0].qclass = Class(rng.next_u64() as u16);
    if rng.one_in(4) {
        message.questions.clear();
    }
    message.answers = (0..rng.below(4)).map(|_| dns_record(rng)).collect();
    message.authority = (0..rng.below(3)).map(|_| dns_record(rng)).collect();
    message.additional = (0..rng.below(3)).map(|_| dns_record(rng)).collect();
    if rng.one_in(2) {
        message.header.rcode = Rcode::new(rng.below(0x1000) as u16).unwrap();
        message.edns = Some(Edns {
            udp_payload_size: rng.next_u64() as u16,
            version: rng.byte(),
            dnssec_ok: rng.one_in(2),
            z: rng.below(0x8000) as u16,
            options: (0..rng.below(3))
                .map(|_| EdnsOption {
                    code: rng.next_u64() as u16,
                    data: rng.bytes(12, &[]),
                })
                .collect(),
        });
    } else {
        message.header.rcode = Rcode::new(rng.below(16) as u16).unwrap();
    }
    message
}

/// Checks what `emit_within(limit)` gives: at most `limit` bytes, a
/// message that reads, its records a prefix of the sections, TC set only
/// when answer or authority records were left out.
fn check_cut(message: &Message, limit: usize) {
    let Ok(cut) = message.emit_within(limit) else {
        return;
    };
    assert!(cut.len() <= limit, "{} > {limit}", cut.len());
    let read = Message::parse(&cut).expect("a cut message reads");
    assert_eq!(read.questions, message.questions);
    assert_eq!(read.edns, message.edns);
    let whole_required = read.answers.len() == message.answers.len()
        && read.authority.len() == message.authority.len();
    assert_eq!(
        read.header.truncated,
        message.header.truncated || !whole_required
    );
    assert_eq!(read.answers, message.answers[..read.answers.len()]);
    assert_eq!(read.authority, message.authority[..read.authority.len()]);
    assert_eq!(read.additional, message.additional[..read.additional.len()]);
}

#[test]
fn fuzz_dns_messages() {
    // Messages written by the codec itself, with and without EDNS, and
    // a query as dig sends it.
    let mut rng = Rng::new(0xD45_0000);
    let written: Vec<Vec<u8>> = (0..32)
        .filter_map(|_| dns_message(&mut rng).emit().ok())
        .collect();
    let mut corpus: Vec<&[u8]> = written.iter().map(Vec::as_slice).collect();
    corpus.push(b"\xb8\x7d\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01\x03www\x07example\x04test\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\xb1\xe3\x88\x97\x71\xfe\xc7\x1d");
    let inputs = Inputs {
        corpus: &corpus,
        tokens: &[
            b"\xc0\x0c",
            b"\xc0\x00",
            b"\xff\xff",
            b"\xc0",
            b"\x3f",
            b"\x40",
            b"\x80",
            b"\x00",
            b"\x00\x29",
            b"\x00\x06",
            b"\x00\x10",
            b"\x00\x0f",
        ],
        alphabet: b"\x00\x01\x03\x0c\x29\x3f\xc0\xffaw.",
    };
    fuzz_bytes("dns messages", 0xD45_0001, &inputs, |input, rng| {
        let _ = Name::read(input, rng.below(input.len() + 1));
        let Ok(message) = Message::parse(input) else {
            return;
        };
        // What reads is written again and reads the same (or is too long
        // once its names are written in full).
        match message.emit() {
            Ok(written) => assert_eq!(Message::parse(&written).as_ref(), Ok(&message)),
            Err(error) => assert_eq!(error, EmitError::MessageTooLong),
        }
        check_cut(&message, rng.below(input.len() + 16));
    });
}

#[test]
fn dns_messages_written_are_read_back() {
    run("dns round trip", 0xD45_0002, |rng, input| {
        let message = dns_message(rng);
        input.extend(message.emit().expect("a generated message is writable"));
        assert_eq!(Message::parse(input), Ok(message.clone()));
        // Every strict prefix is refused (a few, for speed).
        for _ in 0..4 {
            let end = rng.below(input.len());
            assert!(Message::parse(&input[..end]).is_err(), "{end}");
        }
        // Names read back with their case, not only equal without it.
        let read = Message::parse(input).unwrap();
        for (a, b) in read.answers.iter().zip(&message.answers) {
            assert_eq!(a.name.as_wire(), b.name.as_wire());
        }
        check_cut(&message, rng.below(input.len() + 1));
        check_cut(&message, MAX_MESSAGE_LEN);
    });
}

#[test]
fn dns_names_shown_are_read_back() {
    run("dns names", 0xD45_0003, |rng, input| {
        let name = dns_name(rng);
        let text = name.to_string();
        input.extend(text.as_bytes());
        let read = Name::from_text(&text).expect("a shown name reads");
        assert_eq!(read.as_wire(), name.as_wire(), "{text}");
    });
}

const ZONE_FILES: &[&[u8]] = &[
    include_bytes!("../lessons/04-dns/example.test.zone"),
    b"$TTL 2d\n$ORIGIN test.\nexample IN SOA ns1.example hostmaster.example. (\n 1 1H 15M 1W\n 1h30m )\n$ORIGIN example.test.\n@ NS ns1\nns1 IN 300 A 192.0.2.53\ntxt TXT \"say \\\"hi\\\"\" w \"\\065\" ( \"two\"\n \"lines\" )\njohn\\.doe TXT x\nweb CNAME www\nwww AAAA 2001:db8::1\n",
];

#[test]
fn fuzz_zone_files() {
    let inputs = Inputs {
        corpus: ZONE_FILES,
        tokens: &[
            b"$ORIGIN ",
            b"$TTL ",
            b"@",
            b"(",
            b")",
            b";",
            b"\"",
            b"\\",
            b"\\0",
            b"\\255",
            b"\\256",
            b"\n",
            b" ",
            b"\t",
            b"IN ",
            b"CH ",
            b"SOA ",
            b"NS ",
            b"CNAME ",
            b"MX ",
            b"TXT ",
            b"A ",
            b"AAAA ",
            b"1w",
            b"3551w",
            b"4294967296",
            b"..",
        ],
        alphabet: b"$@()\";\\ \t\nINSOAMXTwabc.0123456789:",
    };
    fuzz_bytes("zone files", 0xD45_0004, &inputs, |input, _| {
        let text = String::from_utf8_lossy(input);
        match Zone::parse("fuzz.zone", &text, None) {
            Ok(zone) => {
                let written = zone.to_string();
                assert_eq!(
                    Zone::parse("written", &written, None).as_ref(),
                    Ok(&zone),
                    "{written}"
                );
            }
            Err(error) => assert!(error.to_string().starts_with("fuzz.zone")),
        }
    });
}

#[test]
fn zones_written_are_read_back() {
    let apex = Name::from_text("example.test.").unwrap();
    run("zone round trip", 0xD45_0005, |rng, input| {
        let record = |rng: &mut Rng, name: Name, data| Record {
            name,
            class: Class::IN,
            ttl: rng.below(0x8000_0000) as u32,
            data,
        };
        let soa = Soa {
            mname: Name::from_text("ns.other.test.").unwrap(),
            rname: dns_name(rng),
            serial: 1,
            refresh: 2,
            retry: 3,
            expire: 4,
            minimum: 5,
        };
        let mut records = vec![
            record(rng, apex.clone(), RecordData::Soa(soa)),
            record(
                rng,
                apex.clone(),
                RecordData::Ns(Name::from_text("ns.other.test.").unwrap()),
            ),
        ];
        // Records under the apex, at names of any bytes; CNAMEs alone at
        // their own names; NS only to servers outside the zone.
        for i in 0..rng.below(8) {
            let owner = dns_name(rng).concat(&apex);
            let Ok(owner) = owner else { continue };
            let data = match dns_record_data(rng) {
                RecordData::Cname(target) => {
                    let alias = Name::from_text(&format!("alias-{i}")).unwrap();
                    records.push(record(
                        rng,
                        alias.concat(&apex).unwrap(),
                        RecordData::Cname(target),
                    ));
                    continue;
                }
                RecordData::Txt(strings) if strings.is_empty() => continue,
                RecordData::Ns(_) | RecordData::Soa(_) | RecordData::Other { .. } => continue,
                data => data,
            };
            records.push(record(rng, owner, data));
        }
        let mut text = format!("$ORIGIN {apex}\n");
        for record in &records {
            text.push_str(&format!("{record}\n"));
        }
        input.extend(text.as_bytes());
        let zone = Zone::parse("written", &text, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        // Duplicates are dropped; nothing else changes.
        let mut expected: Vec<&Record> = Vec::new();
        for record in &records {
            if !expected
                .iter()
                .any(|r| r.name == record.name && r.data == record.data)
            {
                expected.push(record);
            }
        }
        let got: Vec<&Record> = zone.records().iter().collect();
        assert_eq!(got, expected, "{text}");
    });
}

/// The chapter's zone, with a delegation, an alias loop and a long TXT,
/// so that referrals, chains and truncation are all reached.
fn dns_answer_zone() -> Zone {
    let mut text = String::from_utf8_lossy(ZONE_FILES[0]).into_owned();
    text.push_str("sub NS ns.sub\nns.sub A 192.0.2.99\nloop1 CNAME loop2\nloop2 CNAME loop1\n");
    for i in 0..6 {
        text.push_str(&format!("big TXT \"{i}{}\"\n", "x".repeat(250)));
    }
    Zone::parse("fuzz.zone", &text, None).unwrap()
}

#[test]
fn fuzz_dns_answers() {
    let zone = dns_answer_zone();
    // Queries for each kind of answer, with and without EDNS.
    let asked = [
        ("www.example.test.", RecordType::A),
        ("web.example.test.", RecordType::AAAA),
        ("example.test.", RecordType::MX),
        ("example.test.", RecordType::ANY),
        ("nope.example.test.", RecordType::A),
        ("a.sub.example.test.", RecordType::A),
        ("loop1.example.test.", RecordType::A),
        ("big.example.test.", RecordType::TXT),
        ("www.other.test.", RecordType::A),
    ];
    let mut written = Vec::new();
    for (i, (name, qtype)) in asked.into_iter().enumerate() {
        let mut query = Message::query(i as u16, Name::from_text(name).unwrap(), qtype);
        written.push(query.emit().unwrap());
        query.edns = Some(Edns::new(4096));
        written.push(query.emit().unwrap());
    }
    let corpus: Vec<&[u8]> = written.iter().map(Vec::as_slice).collect();
    let inputs = Inputs {
        corpus: &corpus,
        tokens: &[
            b"\xc0\x0c",
            b"\x00\x29",
            b"\x00\xff",
            b"\x00\xfc",
            b"\x80",
            b"\x28",
            b"\x00",
        ],
        alphabet: b"\x00\x01\x03\x0c\x29\x3f\xc0\xffaw.",
    };
    fuzz_bytes("dns answers", 0xD45_0006, &inputs, |input, _| {
        for transport in [Transport::Udp, Transport::Tcp] {
            let Response::Send(bytes) = respond(&zone, input, transport) else {
                // Nothing is sent only without a header, or to a response.
                assert!(input.len() < 12 || input[2] & 0x80 != 0);
                continue;
            };
            let reply = Message::parse(&bytes).expect("an answer sent reads back");
            assert!(reply.header.response);
            assert_eq!(reply.header.id.to_be_bytes(), input[..2]);
            assert!(!reply.header.recursion_available);
            if transport == Transport::Udp {
                assert!(bytes.len() <= 1232, "{}", bytes.len());
                let offered = reply.edns.is_some();
                assert!(offered || bytes.len() <= 512, "{}", bytes.len());
            }
        }
    });
}

// ---------------------------------------------------------------------
// SMTP (chapter 10) and the Maildir it delivers into.

const SMTP_COMMANDS: &[&[u8]] = &[
    b"EHLO client.example.org",
    b"HELO [192.0.2.1]",
    b"MAIL FROM:<alice@example.org> SIZE=1024 BODY=8BITMIME",
    b"MAIL FROM:<>",
    b"mail from: <\"john \\\"x\\\" smith\"@[IPv6:2001:db8::1]>  size=0010 ",
    b"RCPT TO:<@relay.test,@[127.0.0.1]:bob@example.test>",
    b"RCPT TO:<Postmaster>",
    b"RCPT TO:<bob@example.test> NOTIFY=NEVER",
    b"DATA",
    b"RSET",
    b"VRFY alice",
    b"EXPN staff",
    b"HELP MAIL",
    b"NOOP ignored",
    b"QUIT",
    b"STARTTLS",
    b"MAIL FROM:alice@example.org",
];

const SMTP_TOKENS: &[&[u8]] = &[
    b"MAIL FROM:",
    b"RCPT TO:",
    b"<",
    b">",
    b"<>",
    b"@",
    b"\"",
    b"\\",
    b"[IPv6:",
    b"]",
    b" SIZE=",
    b" BODY=",
    b"18446744073709551616",
    b"=",
    b",@",
    b":",
];

#[test]
fn fuzz_smtp_commands() {
    let inputs = Inputs {
        corpus: SMTP_COMMANDS,
        tokens: SMTP_TOKENS,
        alphabet: b"ABDEFHILMOPRSTVYZabefilmort <>@.:[]\"\\=-,0123456789",
    };
    fuzz_bytes("smtp commands", 0x5A7B_0001, &inputs, |input, _| {
        match parse_smtp_command(input) {
            // What parses is written, in its canonical form, as one clean
            // line within the limit, which parses the same. (Not always
            // shorter than the line read: std writes `[IPv6:::ffff:1.2.3.4]`
            // for `[IPv6:::ffff:102:304]`, as RFC 5952 §5 recommends.)
            Ok(command) => {
                let written = command.to_string();
                assert!(
                    written.bytes().all(|b| (b' '..=b'~').contains(&b)),
                    "{written:?}"
                );
                assert!(written.len() <= MAX_COMMAND_LINE_LEN - 2, "{written:?}");
                assert_eq!(
                    parse_smtp_command(written.as_bytes()),
                    Ok(command),
                    "{written:?}"
                );
            }
            // An error is a reply a server can send: a known code, a status
            // of the same class, one line that a client reads back.
            Err(error) => {
                let code = error.reply_code();
                assert!([500, 501, 502, 504, 552, 555].contains(&code), "{error:?}");
                assert_eq!(u16::from(error.status().class), code / 100, "{error:?}");
                let reply = format!("{}\r\n", error.reply());
                assert!(reply.len() <= 512, "{reply:?}");
                let mut reader = LineReader::new(reply.as_bytes(), 510, Endings::Crlf);
                let read = read_reply(&mut reader, Style::Strict).unwrap();
                assert_eq!(read.code, code);
                assert_eq!(
                    parse_enhanced_code(&read.lines[0]).map(|(status, _)| status),
                    Some(error.status())
                );
            }
        }
    });
}

#[test]
fn smtp_commands_give_the_same_answers_however_the_lines_are_cut() {
    // A batch of pipelined commands (RFC 2920), read through the line
    // reader in pieces of any size: each line parses as it does alone.
    let inputs = Inputs {
        corpus: SMTP_COMMANDS,
        tokens: SMTP_TOKENS,
        alphabet: b"ABDEFHILMOPRSTabe <>@.:\"=0123456789",
    };
    fuzz_bytes(
        "smtp pipelined commands",
        0x5A7B_0002,
        &inputs,
        |input, rng| {
            let lines: Vec<&[u8]> = (0..rng.below(6) + 1)
                .map(|_| match rng.one_in(2) {
                    true => *rng.pick(SMTP_COMMANDS),
                    false => input,
                })
                .filter(|line| !line.contains(&b'\n') && !line.contains(&b'\r'))
                .collect();
            let mut batch = Vec::new();
            for line in &lines {
                batch.extend_from_slice(line);
                batch.extend_from_slice(b"\r\n");
            }
            let max_len = MAX_MAIL_LINE_LEN - 2;
            let mut reader = LineReader::new(trickle(rng, &batch), max_len, Endings::Crlf);
            for line in &lines {
                let read = match reader.read_line() {
                    Ok(Some(read)) => read,
                    // A line too long for the reader is one the parser refuses too.
                    Err(_) => {
                        assert!(parse_smtp_command(line).is_err());
                        return;
                    }
                    Ok(None) => panic!("a line went missing"),
                };
                assert_eq!(read, *line);
                assert_eq!(parse_smtp_command(read), parse_smtp_command(line));
            }
        },
    );
}

#[test]
fn fuzz_smtp_paths() {
    let inputs = Inputs {
        corpus: &[
            b"<alice@example.test> SIZE=1",
            b"<>",
            b"<Postmaster>",
            b"<\"a \\\"b\\\" c\"@[IPv6:::ffff:192.0.2.1]>",
            b"<@a.test,@[127.0.0.1]:b@c.test>",
            b"bob@example.test",
        ],
        tokens: SMTP_TOKENS,
        alphabet: b"abz09 <>@.:[]\"\\,-",
    };
    fuzz_bytes("smtp paths", 0x5A7B_0003, &inputs, |input, _| {
        let text = text(input);
        // What parses is written as a path that parses to the same, and
        // what follows it is the end of the input.
        if let Ok((path, rest)) = parse_reverse_path(&text) {
            assert!(text.ends_with(rest));
            let written = path.to_string();
            assert!(written.len() <= MAX_PATH_LEN, "{written:?}");
            assert_eq!(parse_reverse_path(&written), Ok((path, "")));
        }
        if let Ok((path, rest)) = parse_forward_path(&text) {
            assert!(text.ends_with(rest));
            assert_eq!(parse_forward_path(&path.to_string()), Ok((path, "")));
        }
        if let Ok(mailbox) = parse_mailbox(&text) {
            let written = mailbox.to_string();
            assert!(!written.contains(['\r', '\n']), "{written:?}");
            assert_eq!(parse_mailbox(&written), Ok(mailbox));
        }
    });
}

#[test]
fn smtp_mailboxes_written_are_read_back() {
    // Local parts of any printable bytes, quoted and escaped as needed.
    run("smtp mailbox round trip", 0x5A7B_0004, |rng, input| {
        let local: String = text(&rng.bytes(20, b"az09.!#~ \"\\@<>,:()"));
        let mut quoted = String::from("\"");
        for c in local.chars() {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        let domain = match rng.below(3) {
            0 => format!("[{}]", Ipv4Addr::from(rng.next_u64() as u32)),
            1 => format!(
                "[IPv6:{}]",
                Ipv6Addr::from(u128::from(rng.next_u64()) << rng.below(65))
            ),
            _ => (0..rng.below(3) + 1)
                .map(|_| format!("a{}z", text(&rng.bytes(8, b"ab-09"))))
                .collect::<Vec<_>>()
                .join("."),
        };
        let path = format!("<{quoted}@{domain}> SIZE=1");
        input.extend(path.as_bytes());
        let (parsed, rest) = parse_reverse_path(&path).unwrap();
        assert_eq!(rest, " SIZE=1");
        let line = format!("MAIL FROM:{parsed}");
        let command = parse_smtp_command(line.as_bytes()).unwrap();
        assert_eq!(command.to_string(), line);
    });
}

#[test]
fn smtp_replies_written_are_read_back() {
    // The server's writer against the client's reader, strict style:
    // lines of any printable text, some starting with digits or the code.
    run("smtp reply round trip", 0x5A7B_0005, |rng, wire| {
        let code = rng.between(200, 599) as u16;
        let reply = Reply {
            code,
            lines: (0..rng.below(6) + 1)
                .map(|_| match rng.below(4) {
                    0 => format!("{code}{}", text(&rng.bytes(6, b" -ab"))),
                    _ => text(&rng.bytes(40, b"az 09-.\"<>")),
                })
                .collect(),
        };
        wire.extend(format!("{}\r\n", format_smtp_reply(&reply)).into_bytes());
        let mut reader = LineReader::new(trickle(rng, wire), 510, Endings::Crlf);
        assert_eq!(read_reply(&mut reader, Style::Strict).unwrap(), reply);
    });
}

#[test]
fn fuzz_enhanced_codes() {
    let inputs = Inputs {
        corpus: &[b"5.1.1 No such user", b"2.0.0", b"4.999.0 x", b"5.5.4 "],
        tokens: &[b".", b"999", b"1000", b" "],
        alphabet: b"0123456789. x",
    };
    fuzz_bytes("smtp enhanced codes", 0x5A7B_0006, &inputs, |input, _| {
        let text = text(input);
        if let Some((status, rest)) = parse_enhanced_code(&text) {
            assert!([2, 4, 5].contains(&status.class));
            assert!(status.subject <= 999 && status.detail <= 999);
            let written = format!("{status} {rest}");
            assert_eq!(parse_enhanced_code(&written), Some((status, rest)));
        }
    });
    run(
        "smtp enhanced code round trip",
        0x5A7B_0007,
        |rng, input| {
            let status = EnhancedCode::new(
                *rng.pick(&[2, 4, 5]),
                rng.below(1000) as u16,
                rng.below(1000) as u16,
            );
            let written = format!("{status} text");
            input.extend(written.as_bytes());
            assert_eq!(parse_enhanced_code(&written), Some((status, "text")));
        },
    );
}

/// Checks that `sent` is whole SMTP replies, as a strict client reads
/// them (RFC 5321 §4.2.1: the code on every line), each line within 512
/// octets, and every reply but the greeting, EHLO's and HELO's, and 354
/// with an enhanced status code of its class (RFC 2034 §3).
fn assert_whole_smtp_replies(sent: &[u8]) {
    let Some(body) = sent.strip_suffix(b"\r\n") else {
        assert!(sent.is_empty(), "{}", escaped(sent));
        return;
    };
    let mut parser = ReplyParser::new(Style::Strict);
    let mut complete = None;
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(!line.contains(&b'\r'), "{}", escaped(sent));
        assert!(line.len() + 2 <= 512, "{}", escaped(sent));
        complete = match parser.push_line(line) {
            Ok(reply) => reply,
            Err(error) => panic!("{error:?} in {}", escaped(sent)),
        };
    }
    let reply = complete.unwrap_or_else(|| panic!("an unfinished reply: {}", escaped(sent)));
    let first = &reply.lines[0];
    let greets = reply.code == 220 || (reply.code == 250 && first.contains(" greets "));
    if !greets && reply.code != 354 {
        let (status, _) = parse_enhanced_code(first)
            .unwrap_or_else(|| panic!("no enhanced code: {}", escaped(sent)));
        assert_eq!(
            u16::from(status.class),
            reply.code / 100,
            "{}",
            escaped(sent)
        );
    }
}

#[test]
fn fuzz_smtp_sessions() {
    use netlessons::smtp::session::{Action, Config, Outcome, SmtpSession, MAX_RECIPIENTS};
    use netlessons::wire::line::LineError;
    use netlessons::wire::session::{Next, Session};
    let inputs = Inputs {
        corpus: &[
            b"EHLO c\nMAIL FROM:<a@b.test>\nRCPT TO:<alice@example.test>\nDATA\nQUIT",
            b"HELO c\nMAIL FROM:<> SIZE=99999\nRCPT TO:<bob@elsewhere.test>\nDATA\nRSET",
            b"RCPT TO:<Postmaster>\nMAIL FROM:<a@b>\nEHLO x\nVRFY bob\nHELP\nNOOP",
        ],
        tokens: &[
            b"\n",
            b"EHLO c\nMAIL FROM:<a@b.test>\n",
            b"RCPT TO:<alice@example.test>\n",
            b"RCPT TO:<",
            b"MAIL FROM:<",
            b"@example.test>",
            b" SIZE=",
            b"DATA\n",
            b"\r",
            b" ",
        ],
        alphabet: b"ACDEFHILMOPRSTUVYZabcelst <>@.:=0123456789\n",
    };
    let config = std::sync::Arc::new(
        Config::new("example.test", ["alice", "bob", "postmaster"]).with_max_message_len(1000),
    );
    fuzz_bytes("smtp sessions", 0x5A7B_0008, &inputs, |input, rng| {
        let now = std::time::Instant::now();
        let mut session = SmtpSession::new(config.clone(), "192.0.2.1".parse().unwrap());
        assert_whole_smtp_replies(&session.greeting(now).send);
        for line in input.split(|&b| b == b'\n') {
            let mut output = match rng.below(20) {
                0 => session.on_bad_line(LineError::TooLong { limit: 536 }, now),
                1 => session.on_bad_line(LineError::BareLf, now),
                _ => session.on_line(line, now),
            };
            assert_whole_smtp_replies(&output.send);
            if let Next::Act(Action::Receive(envelope)) = output.next {
                assert!(output.send.starts_with(b"354 "));
                assert!((1..=MAX_RECIPIENTS).contains(&envelope.recipients.len()));
                for recipient in &envelope.recipients {
                    assert!(config.users.contains(&recipient.user), "{recipient:?}");
                }
                let outcome = match rng.below(4) {
                    0 => Outcome::Stored { id: "X".into() },
                    1 => Outcome::TooLarge,
                    2 => Outcome::NotStored {
                        copies_left: rng.below(3),
                    },
                    _ => Outcome::TimedOut,
                };
                output = session.finish(outcome);
                assert_whole_smtp_replies(&output.send);
            }
            match output.next {
                Next::Read => {}
                Next::Close => return,
                Next::Act(action) => panic!("{action:?} after {}", escaped(line)),
            }
        }
        let output = session.on_timeout(now);
        assert_whole_smtp_replies(&output.send);
        assert_eq!(output.next, Next::Close);
    });
}

#[test]
fn fuzz_maildir_names() {
    let inputs = Inputs {
        corpus: &[
            b"1764585600.M042137P4242Q7.mail:2,S",
            b"1764585600.M5P10V3I7.dovecot,S=120:2,RS",
            b"1764585601.12345_1.old",
            b"mail.example.com",
        ],
        tokens: &[b":", b"/", b".", b"M", b"Q", b"18446744073709551616", b"\\"],
        alphabet: b"0123456789.MPQ:/,=ab",
    };
    fuzz_bytes("maildir names", 0x3A11_0001, &inputs, |input, rng| {
        let text = text(input);
        let (name, info) = split_info(&text);
        assert!(!name.contains(':'));
        assert_eq!(info.is_some(), text.contains(':'));
        let _ = delivery_order(&text);
        // Any host name makes a name fit for a POP3 unique id (RFC 1939
        // §7), with no '/' to make a path and no ':' to start the flags.
        let host = safe_host_name(&text);
        assert!(host
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b':'));
        let name = format_unique_name(rng.next_u64(), rng.below(1_000_000) as u32, 1, 2, &text);
        assert!(!name.is_empty() && name.len() <= 70, "{name}");
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b':'));
        assert_eq!(split_info(&name), (name.as_str(), None));
    });
    // Names made later sort later: by seconds, microseconds, then count.
    run("maildir delivery order", 0x3A11_0002, |rng, input| {
        let seconds = rng.between(0, 1 << 40);
        let micros = rng.below(1_000_000) as u32;
        let count = rng.next_u64() >> 1;
        let earlier = format_unique_name(seconds, micros, 7, count, "host");
        input.extend(earlier.as_bytes());
        let later = match rng.below(3) {
            0 => format_unique_name(seconds + 1, 0, 1, 0, "a"),
            1 if micros < 999_999 => format_unique_name(seconds, micros + 1, 1, 0, "a"),
            _ => format_unique_name(seconds, micros, 1, count + 1, "a"),
        };
        assert!(
            delivery_order(&earlier) < delivery_order(&later),
            "{earlier} {later}"
        );
    });
}

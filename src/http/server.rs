//! The HTTP server: one connection, many requests, in order.
//!
//! The accept loop ([`crate::serve`]) hands each connection to
//! [`HttpHandler`], which reads requests from it one after the other
//! (HTTP/1.1 keeps connections open by default, RFC 9112 §9.3) and asks an
//! [`App`] to answer each: the static file server of this chapter, or the
//! REST API of the next. The app sees a whole [`Request`] and returns a
//! [`Response`]; everything about the wire is here:
//!
//! - limits: the head ([`super::head`]), the body ([`Limits::max_body`]), and
//!   time: a client gets [`Limits::head_timeout`] to send a whole head, so
//!   one that sends a byte a second cannot hold a thread for ever;
//! - `Expect: 100-continue`, answered before a body is read (RFC 9110 §10.1.1);
//! - pipelining: requests that arrive together are answered in order, and
//!   their responses written together;
//! - when to close: `Connection: close`, HTTP/1.0 without keep-alive, or an
//!   error after which the next request cannot be found.
//! - memory: a connection borrows its receive and output buffers from a
//!   [`BufferPool`] only while it has a request to answer, so an idle
//!   keep-alive connection costs its thread's stack and little else.

use super::body::{request_body, BodyLength};
use super::conn::{is_timeout, read_head, BodyReader, ReadError, RECV_BUFFER_LEN};
use super::date::format_http_date;
use super::head::{parse_request_head, Method, RequestHead, Version};
use super::headers::Headers;
use super::reason_phrase;
use crate::deadline::{Pace, TimedStream};
use crate::serve::Handler;
use crate::wire::buffer::RecvBuf;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The size of the buffer file bodies are copied through. std's `io::copy`
/// uses 8 KiB, a `File` into a `TcpStream` included (`strace -c` shows
/// `read` and `sendto` pairs, no `sendfile`). Measured on a 100 MB file (`wrk -t2 -c4`, 2 cores): 8 KiB
/// gave 2.43 GB/s, 64 KiB 2.60 GB/s (1.07 times), 256 KiB 2.93 GB/s (1.2
/// times) at four times the memory per connection; nginx with `sendfile`
/// gave 1.88 GB/s on the same machine. Bodies up to this size go out in one
/// write with the head.
pub const FILE_BUFFER_LEN: usize = 64 * 1024;

/// A request, read whole: the head and the body.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line and header fields.
    pub head: RequestHead,
    /// The body (empty for most GET requests).
    pub body: Vec<u8>,
    /// Who sent it.
    pub peer: SocketAddr,
}

/// What a response carries after its head.
#[derive(Debug)]
pub enum Body {
    /// Nothing.
    Empty,
    /// Bytes in memory.
    Bytes(Vec<u8>),

    /// `len` bytes of an open file, from `start`: streamed, never read whole.
    File {
        /// The file, open for reading.
        file: File,
        /// Where to start.
        start: u64,
        /// How many bytes to send.
        len: u64,
    },
    /// `len` bytes from `start` of bytes shared with others (a small file
    /// kept in memory, [`super::cache`]).
    Shared {
        /// All the bytes.
        bytes: Arc<[u8]>,
        /// Where to start.
        start: usize,
        /// How many bytes to send.
        len: usize,
    },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File { len, .. } => *len,
            Body::Shared { len, .. } => *len as u64,
        }
    }
}

/// A response for the server to send.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header fields; the server adds Date, Server, Content-Length and
    /// Connection itself.
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

impl Response {
    /// A response with no body and no fields.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Headers::new(),
            body: Body::Empty,
        }
    }

    /// A response with a body of the given type.
    pub fn with_body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        let mut headers = Headers::new();
        headers.append("Content-Type", content_type);
        Response {
            status,
            headers,
            body: Body::Bytes(body.into()),
        }
    }

    /// A short plain-text error page: `404 Not Found: no such file`.
    pub fn error(status: u16, detail: &str) -> Response {
        let text = match detail {
            "" => format!("{status} {}\n", reason_phrase(status)),
            _ => format!("{status} {}: {detail}\n", reason_phrase(status)),
        };
        Response::with_body(status, "text/plain; charset=utf-8", text)
    }

    /// Adds a header field and returns the response (for chaining).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.append(name, value);
        self
    }
}

// ANCHOR: app
/// What answers requests: the static file server, the REST API, or a closure.
pub trait App: Send + Sync + 'static {
    /// The response to one request.
    fn respond(&self, request: &Request) -> Response;

    /// The response for an error the server found before the app saw the
    /// request (400, 408, 413, 431, 503...). The default is a line of text;
    /// an API that promises JSON everywhere gives JSON here too.
    fn error(&self, status: u16, detail: &str) -> Response {
        Response::error(status, detail)
    }
}
// ANCHOR_END: app

impl<F> App for F
where
    F: Fn(&Request) -> Response + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> Response {
        self(request)
    }
}

/// How much a client may send, and how slowly.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body read; a larger one gets 413.
    pub max_body: u64,
    /// How long a client has to send a whole head, once it has started.
    pub head_timeout: Duration,
    /// How long a client has to send a whole body.
    pub body_timeout: Duration,
    /// How long a response may take to send, before the pace below counts
    /// (see [`Pace`]).
    pub send_grace: Duration,
    /// The slowest a client may read a response, in bytes a second, once
    /// the grace is over. A client that reads more slowly is cut off.
    pub min_send_rate: u64,
}

impl Default for Limits {
    /// 1 MiB of body (the JSON of chapter 07 is far smaller; a file upload
    /// server would raise it); 10 s for a head and 60 s for a body, far more
    /// than any honest client needs and too short to be worth a slow attack.
    /// (How long an idle keep-alive connection waits for its next request
    /// is the server's read timeout, [`crate::serve::Config::read_timeout`].)
    ///
    /// A response gets 30 s, then one more second for every 8 KiB the
    /// system accepts from it after those 30 s (and one for the write under
    /// way; what it accepts before may only sit in its buffers): a
    /// line of 80 kbit/s keeps up, and a client that reads nothing, or a
    /// few bytes now and then to hold a thread (a "slow read" attack), is
    /// cut off soon after 30 s: at 43 s on loopback, where the system still
    /// takes in about 100 KB after the 30 s, each 8 KiB worth a second.
    fn default() -> Limits {
        Limits {
            max_body: 1024 * 1024,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            send_grace: Duration::from_secs(30),
            min_send_rate: 8 * 1024,
        }
    }
}

impl Limits {
    /// The pace a response must keep.
    fn pace(&self) -> Pace {
        Pace::new(self.send_grace, self.min_send_rate)
    }
}

/// Serves HTTP on the accept loop with an [`App`].
#[derive(Debug, Clone)]
pub struct HttpHandler<A> {
    app: A,
    limits: Limits,
    buffers: Arc<BufferPool>,
}

impl<A: App> HttpHandler<A> {
    /// A handler for `app` with the default limits.
    pub fn new(app: A) -> HttpHandler<A> {
        HttpHandler::with_limits(app, Limits::default())
    }

    /// A handler for `app` with the given limits.
    pub fn with_limits(app: A, limits: Limits) -> HttpHandler<A> {
        HttpHandler {
            app,
            limits,
            buffers: Arc::default(),
        }
    }

    /// The buffers this handler's connections share (to see how many are
    /// in use).
    pub fn buffer_pool(&self) -> Arc<BufferPool> {
        Arc::clone(&self.buffers)
    }
}

impl<A: App> Handler for HttpHandler<A> {
    fn handle(&self, stream: &TcpStream, peer: SocketAddr) -> io::Result<()> {
        serve_connection(stream, peer, &self.app, &self.limits, &self.buffers)
    }

    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        let response = self
            .app
            .error(503, "too many connections, try again later")
            .header("Retry-After", "1");
        let mut out = Vec::new();
        let mut pace = self.limits.pace();
        write_response(stream, &mut out, &mut pace, response, false, false)?;
        stream.write_all(&out)
    }
}

/// Answers requests on one connection until it should close.
///
/// An idle connection holds no buffer: it waits for the first bytes of its
/// next request with none ([`await_request`]), borrows a pair from the
/// pool to answer what arrived, and gives the pair back once everything
/// received has been answered. Ten thousand idle keep-alive connections
/// then cost ten thousand threads' stacks, and the buffers of the few
/// requests under way (chapter 12 measures it).
fn serve_connection(
    stream: &TcpStream,
    peer: SocketAddr,
    app: &impl App,
    limits: &Limits,
    pool: &BufferPool,
) -> io::Result<()> {
    let mut timed = TimedStream::new(stream);
    // Both learn the socket's own timeouts the first time they need them,
    // and keep them for the connection's next requests.
    let mut pace = limits.pace();
    let mut nodelay = false;
    loop {
        let Some((mut buf, mut out)) = await_request(&mut timed, pool)? else {
            return Ok(()); // closed, or idle too long
        };
        let result = answer_requests(
            peer,
            app,
            limits,
            &mut buf,
            &mut out,
            &mut pace,
            &mut nodelay,
        );
        pool.give(buf.into_storage(), out);
        match result? {
            Next::Idle => {}
            Next::Close => return Ok(()),
        }
    }
}

/// How many bytes of a request an idle connection reads before it takes a
/// buffer: the first read goes into an array this long on the stack, then
/// into a receive buffer from the pool. Most request heads fit (`curl`'s
/// are under 100 bytes, a browser's a few hundred without cookies); a
/// longer one takes one more `recv` for the rest. 1 KiB keeps the frame
/// that holds it shallower than the frames under `App::respond`, so it
/// touches no page of stack they do not already touch.
pub const FIRST_READ_LEN: usize = 1024;

/// Waits, idle, for the first bytes of the next request without holding a
/// buffer, then borrows a pair from `pool` and puts those bytes in the
/// receive buffer. `None`: the client closed, or stayed idle past the
/// socket's read timeout ([`crate::serve::Config::read_timeout`]).
///
/// Kept out of line, so that its array is on the stack only while it waits:
/// inlined, the array would make the caller's frame, and so every frame of
/// the request path under it, 1 KiB deeper.
#[inline(never)]
fn await_request<'t, 's>(
    timed: &'t mut TimedStream<'s>,
    pool: &BufferPool,
) -> io::Result<Option<(RecvBuf<&'t mut TimedStream<'s>>, Vec<u8>)>> {
    timed.set_deadline(None);
    let mut first = [0; FIRST_READ_LEN];
    let n = loop {
        match timed.read(&mut first) {
            Ok(0) => return Ok(None),
            Ok(n) => break n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if is_timeout(&error) => return Ok(None),
            Err(error) => return Err(error),
        }
    };
    let (storage, out) = pool.take();
    let mut buf = RecvBuf::with_storage(timed, storage);
    buf.extend_from_slice(&first[..n]);
    Ok(Some((buf, out)))
}

/// What a connection does once the requests that arrived are answered.
enum Next {
    /// Waits for the next request.
    Idle,
    /// Closes.
    Close,
}

/// The most buffer pairs a pool keeps for later, once they are given
/// back. A pair is lent to a connection only while it has a request to
/// read or a response to write, so the pairs in use at one moment are as
/// many as the requests being answered at that moment: a few per core,
/// more while some wait on a slow client or disk. 64 spare pairs cover a
/// burst of that many at once, and cost at most 10 MiB (a 32 KiB receive
/// buffer and an output buffer of up to 128 KiB each, if every page of
/// them was written to); a pair given back beyond them is freed.
pub const MAX_SPARE_BUFFERS: usize = 64;

/// A receive buffer's space, and an output buffer.
type Buffers = (Box<[u8]>, Vec<u8>);

/// The buffers a server's connections read requests into and write
/// responses from, shared by all of them.
///
/// A new buffer costs an allocation, and a buffer of zeroes (what a
/// receive buffer starts as) costs writing every page of it, whereas one
/// given back can be lent again as it is: its old bytes are overwritten
/// before they are read. One lock taken and released to lend a pair, and
/// one to take it back, is far less than either.
#[derive(Debug, Default)]
pub struct BufferPool {
    spare: Mutex<Vec<Buffers>>,
    lent: AtomicUsize,
}

impl BufferPool {
    /// How many buffer pairs connections hold now.
    pub fn lent(&self) -> usize {
        self.lent.load(Ordering::Relaxed)
    }

    /// How many buffer pairs wait, given back, for the next request.
    pub fn spare(&self) -> usize {
        self.lock().len()
    }

    /// Lends a pair: a spare one, or a new one.
    fn take(&self) -> Buffers {
        self.lent.fetch_add(1, Ordering::Relaxed);
        let spare = self.lock().pop();
        spare.unwrap_or_else(|| {
            (
                vec![0; RECV_BUFFER_LEN].into_boxed_slice(),
                Vec::with_capacity(FILE_BUFFER_LEN),
            )
        })
    }

    /// Takes a lent pair back, to lend again (or frees it, past
    /// [`MAX_SPARE_BUFFERS`]).
    fn give(&self, storage: Box<[u8]>, mut out: Vec<u8>) {
        self.lent.fetch_sub(1, Ordering::Relaxed);
        out.clear();
        // A response that grew the output buffer far past its usual size
        // leaves a buffer not worth keeping.
        if out.capacity() > 2 * FILE_BUFFER_LEN {
            return;
        }
        let mut spare = self.lock();
        if spare.len() < MAX_SPARE_BUFFERS {
            spare.push((storage, out));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Buffers>> {
        // The list stays whole even if a thread panicked holding the lock.
        self.spare.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ANCHOR: answer_requests
/// The requests that have arrived on a connection, answered in turn, until
/// none is left in the buffer (the connection is idle) or the connection
/// must close.
fn answer_requests(
    peer: SocketAddr,
    app: &impl App,
    limits: &Limits,
    buf: &mut RecvBuf<&mut TimedStream<'_>>,
    out: &mut Vec<u8>,
    pace: &mut Pace,
    nodelay: &mut bool,
) -> io::Result<Next> {
    let stream = buf.get_ref().get_ref();
    loop {
        buf.get_mut()
            .set_deadline(Some(Instant::now() + limits.head_timeout));
        let head = match read_head(buf, parse_request_head) {
            Ok(Some(head)) => head,
            Ok(None) => return stream_write(stream, out, pace).map(|()| Next::Close),
            Err(error) => return fail(stream, out, pace, app, &error).map(|()| Next::Close),
        };
        if let Err(detail) = check_host(&head) {
            return refuse(stream, out, pace, app.error(400, detail)).map(|()| Next::Close);
        }
        buf.get_mut()
            .set_deadline(Some(Instant::now() + limits.body_timeout));
        let body = match read_request_body(buf, &head, limits, out, stream, pace) {
            Ok(body) => body,
            Err(error) => return fail(stream, out, pace, app, &error).map(|()| Next::Close),
        };
        let keep_alive = wants_keep_alive(&head);
        let head_only = head.method == Method::Head;
        let request = Request { head, body, peer };
        let mut response = app.respond(&request);
        if request.head.version == Version::Http10 && keep_alive {
            response.headers.set("Connection", "keep-alive");
        }
        pace.restart(stream)?;
        write_response(stream, out, pace, response, head_only, keep_alive)?;
        if !keep_alive {
            stream_write(stream, out, pace)?;
            return Ok(Next::Close);
        }
        if !*nodelay {
            // The connection stays open for more: from now on a small
            // response must not wait for the client's acknowledgement of
            // the last one (Nagle's algorithm), as nginx does too.
            stream.set_nodelay(true)?;
            *nodelay = true;
        }
        // Nothing more has arrived: send what is ready, and go idle.
        if buf.data().is_empty() {
            stream_write(stream, out, pace)?;
            return Ok(Next::Idle);
        }
        // Requests wait behind this one (pipelined): their answers join
        // this one in `out`, unless it grows large: a client that
        // pipelines a thousand requests and reads nothing must not make
        // us keep a thousand answers.
        if out.len() >= FILE_BUFFER_LEN {
            stream_write(stream, out, pace)?;
        }
    }
}
// ANCHOR_END: answer_requests

/// Reads the body the head announces, within the limits. A client that
/// sent `Expect: 100-continue` waits for our go-ahead before sending it.
fn read_request_body<R: Read>(
    buf: &mut RecvBuf<R>,
    head: &RequestHead,
    limits: &Limits,
    out: &mut Vec<u8>,
    stream: &TcpStream,
    pace: &mut Pace,
) -> Result<Vec<u8>, ReadError> {
    let length = request_body(head).map_err(ReadError::Body)?;
    if let BodyLength::Fixed(len) = length {
        if len > limits.max_body {
            return Err(ReadError::TooLarge);
        }
    }
    if length != BodyLength::Empty
        && head.version == Version::Http11
        && head.headers.has_token("expect", "100-continue")
    {
        out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        stream_write(stream, out, pace)?;
    }
    let limit = usize::try_from(limits.max_body).unwrap_or(usize::MAX);
    BodyReader::new(buf, length).read_to_limit(limit)
}

/// HTTP/1.1 keeps the connection unless asked to close; HTTP/1.0 closes
/// it unless asked to keep it (RFC 9112 §9.3).
fn wants_keep_alive(head: &RequestHead) -> bool {
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means the
    // framing cannot be trusted: answer, then close.
    if head.version == Version::Http10 && head.headers.get("transfer-encoding").is_some() {
        return false;
    }
    match head.version {
        Version::Http11 => !head.headers.has_token("connection", "close"),
        Version::Http10 => head.headers.has_token("connection", "keep-alive"),
    }
}

/// RFC 9112 §3.2: an HTTP/1.1 request carries exactly one `Host` field
/// (a server that hosts several sites needs it to know which is meant),
/// and no request may carry two.
fn check_host(head: &RequestHead) -> Result<(), &'static str> {
    match (head.headers.get_all("host").count(), head.version) {
        (0, Version::Http11) => Err("an HTTP/1.1 request needs a Host header field"),
        (0 | 1, _) => Ok(()),
        _ => Err("more than one Host header field"),
    }
}

/// Answers a request that could not be read (if it can be answered), then
/// closes: after a malformed request, where the next one starts is unknown.
fn fail(
    stream: &TcpStream,
    out: &mut Vec<u8>,
    pace: &mut Pace,
    app: &impl App,
    error: &ReadError,
) -> io::Result<()> {
    match error.status() {
        Some(status) => refuse(stream, out, pace, app.error(status, &error.to_string())),
        None => stream_write(stream, out, pace), // the client is gone or went silent
    }
}

/// Sends an error response that closes the connection, and closes it.
fn refuse(
    stream: &TcpStream,
    out: &mut Vec<u8>,
    pace: &mut Pace,
    response: Response,
) -> io::Result<()> {
    pace.restart(stream)?;
    write_response(stream, out, pace, response, false, false)?;
    stream_write(stream, out, pace)?;
    linger(stream);
    Ok(())
}

/// Closes our side, then reads and discards what the client still sends
/// for a moment. Closing a socket with unread bytes in it makes the system
/// send a reset (RST), and a reset can destroy our error response before
/// the client reads it; nginx calls this "lingering close". (The SMTP
/// server closes this way too.)
pub(crate) fn linger(stream: &TcpStream) {
    const LINGER: Duration = Duration::from_millis(500);
    const MAX_DISCARD: usize = 1024 * 1024;
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let deadline = Instant::now() + LINGER;
    let mut discarded = 0;
    let mut sink = [0; 8192];
    while Instant::now() < deadline && discarded < MAX_DISCARD {
        match (&*stream).read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => discarded += n,
        }
    }
}

fn stream_write(stream: &TcpStream, out: &mut Vec<u8>, pace: &mut Pace) -> io::Result<()> {
    if !out.is_empty() {
        pace.write_all(stream, out)?;
        out.clear();
    }
    Ok(())
}

/// Appends the status line and header fields, adding the fields every
/// response needs: Date, Server, Content-Length, and Connection: close.
/// Everything is written straight into `out`, with no string made on the
/// way: a short response's head is most of the work of answering it.
fn write_head(out: &mut Vec<u8>, response: &mut Response, close: bool) {
    let status = response.status;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    with_date(|date| {
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(b"\r\n");
    });
    out.extend_from_slice(b"Server: netlessons\r\n");
    // 1xx and 204 never carry Content-Length (RFC 9110 §8.6); for a 304 it
    // would describe the body not sent, so we leave it out there too.
    if !matches!(status, 100..=199 | 204 | 304) && response.headers.get("content-length").is_none()
    {
        let _ = write!(out, "Content-Length: {}\r\n", response.body.len());
    }
    if close {
        response.headers.set("Connection", "close");
    }
    for (name, value) in response.headers.iter() {
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(part);
        }
    }
    out.extend_from_slice(b"\r\n");
}

// ANCHOR: write_response
/// Writes a response: the head, then the body unless the request was HEAD.
/// Small bodies join the head in `out`; a large file is streamed through a
/// buffer, never read whole.
fn write_response(
    stream: &TcpStream,
    out: &mut Vec<u8>,
    pace: &mut Pace,
    mut response: Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    write_head(out, &mut response, !keep_alive);
    if head_only || matches!(response.status, 204 | 304) {
        return Ok(());
    }
    match response.body {
        Body::Empty => Ok(()),
        Body::Bytes(bytes) => {
            out.extend_from_slice(&bytes);
            Ok(())
        }
        Body::Shared { bytes, start, len } => {
            let part = start
                .checked_add(len)
                .and_then(|end| bytes.get(start..end))
                .ok_or(io::ErrorKind::InvalidInput)?;
            out.extend_from_slice(part);
            Ok(())
        }
        Body::File {
            mut file,
            start,
            len,
        } => {
            if start > 0 {
                file.seek(SeekFrom::Start(start))?;
            }
            // Read straight into the output buffer, after the head, and
            // stop at `len` without a last read to find end-of-file.
            let mut left = len;
            while left > 0 {
                if out.len() >= FILE_BUFFER_LEN {
                    stream_write(stream, out, pace)?;
                }
                let filled = out.len();
                let room = (FILE_BUFFER_LEN.max(filled + 1) - filled) as u64;
                out.resize(filled + left.min(room) as usize, 0);
                let n = match file.read(&mut out[filled..]) {
                    Ok(n) => n,
                    Err(error) => {
                        out.truncate(filled);
                        return Err(error);
                    }
                };
                out.truncate(filled + n);
                if n == 0 {
                    // The file shrank while we sent it: the length we
                    // announced cannot be met, so the connection must end.
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                left -= n as u64;
            }
            Ok(())
        }
    }
}
// ANCHOR_END: write_response

/// Runs `f` with the current time as an HTTP date, formatted at most once a
/// second per thread: a busy server answers thousands of requests a second,
/// and they all share the same `Date`.
fn with_date(f: impl FnOnce(&str)) {
    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != secs {
            *cache = (secs, format_http_date(now));
        }
        f(&cache.1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head as it goes out, with the Date field's value replaced by
    /// `DATE` (it changes every second).
    fn head_of(mut response: Response, close: bool) -> String {
        let mut out = Vec::new();
        write_head(&mut out, &mut response, close);
        let text = String::from_utf8(out).unwrap();
        let start = text.find("Date: ").unwrap() + "Date: ".len();
        let end = start + text[start..].find("\r\n").unwrap();
        format!("{}DATE{}", &text[..start], &text[end..])
    }

    #[test]
    fn a_head_has_the_status_line_the_fields_the_server_adds_and_the_apps() {
        let table = [
            (
                Response::with_body(200, "text/plain", "hello"),
                false,
                "HTTP/1.1 200 OK\r\nDate: DATE\r\nServer: netlessons\r\n\
                 Content-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
            ),
            (
                Response::error(404, "no such file"),
                true,
                "HTTP/1.1 404 Not Found\r\nDate: DATE\r\nServer: netlessons\r\n\
                 Content-Length: 28\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Connection: close\r\n\r\n",
            ),
            // RFC 9110 §8.6: no Content-Length on a 304 or a 204.
            (
                Response::empty(304).header("ETag", "\"1-2\""),
                false,
                "HTTP/1.1 304 Not Modified\r\nDate: DATE\r\nServer: netlessons\r\n\
                 ETag: \"1-2\"\r\n\r\n",
            ),
            (
                Response::empty(204),
                false,
                "HTTP/1.1 204 No Content\r\nDate: DATE\r\nServer: netlessons\r\n\r\n",
            ),
        ];
        for (response, close, expected) in table {
            assert_eq!(head_of(response, close), expected);
        }
    }
}

//! An HTTP/1.1 client over plain TCP: the I/O around [`super::request`]
//! (what to send) and [`super::conn`] (how to read what comes back).
//!
//! One request, seen from the client:
//!
//! 1. check the URL (`http://` only) and write the request bytes, refusing
//!    a header that would break them, all before connecting;
//! 2. take the idle connection to that host and port if there is one that
//!    the server has not closed, or open a new one;
//! 3. send the request in one write, and read response heads until a final
//!    one (interim `1xx` responses such as `100 Continue` are skipped);
//! 4. read the body as the head says: `Content-Length`, chunked, or until
//!    the server closes; none at all for HEAD, 1xx, 204 and 304;
//! 5. keep the connection for the next request unless the server said
//!    `Connection: close`, spoke HTTP/1.0, or ended the body by closing;
//! 6. if the response is a redirect, do it all again at the `Location`,
//!    at most [`MAX_REDIRECTS`] times.
//!
//! Every wait has the timeout of [`Options::timeout`], and every body kept
//! in memory the limit of [`Options::max_body_len`]: a server can make the
//! client fail, but not hang forever or run out of memory.

use super::body::{response_body, BodyLength};
use super::conn::{is_timeout, read_head, BodyReader, ReadError, RECV_BUFFER_LEN};
use super::head::{parse_response_head, Method, ResponseHead, Version};
use super::headers::Headers;
use super::request::{
    encode_location, encode_request, form_urlencode, is_idempotent, redirect_method, RequestError,
};
use crate::tcp::connect;
use crate::transcript::{Side, Tee, Transcript};
use crate::url::{Host, Url, UrlError};
use crate::wire::buffer::RecvBuf;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The largest body [`Client::request`] keeps in memory: 16 MiB. A web
/// page, an API answer or an image fits many times over; a server that
/// sends more (or sends forever) gets an error instead of all our memory.
/// For larger downloads, [`Client::request_to_writer`] streams the body
/// to a file with a fixed buffer.
pub const MAX_BODY_LEN: usize = 16 * 1024 * 1024;

/// How many redirects in a row are followed: 5, as RFC 2068 once advised
/// and as browsers still roughly do. A real site needs one or two; more is
/// a misconfiguration, and it must end somewhere.
pub const MAX_REDIRECTS: usize = 5;

/// How long any one connect, read or write may wait, by default. Long
/// enough for a slow server across the world, short enough that a server
/// that accepts and says nothing does not hang a program.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How many interim (1xx) responses may come before the final one. A
/// server sends one `100 Continue` or a couple of `103 Early Hints`; a
/// stream of them would keep the client reading forever.
pub const MAX_INTERIM_RESPONSES: usize = 10;

/// How many idle connections the client keeps, one per host and port. Each
/// holds a socket and a receive buffer of [`RECV_BUFFER_LEN`] bytes.
pub const MAX_IDLE_CONNECTIONS: usize = 16;

/// How long a kept connection must have been idle before the client checks,
/// as it takes it again, that the server has not closed it: 100 ms.
///
/// Servers close idle connections after seconds (Apache after 5, nginx after
/// 75), so one that was idle for less was not closed for being idle. The
/// check costs three system calls, which on loopback is a large part of a
/// request: a program that sends requests back to back skips it. A close
/// inside this window is still caught after the fact: a GET (or any
/// idempotent request) that gets no answer on a kept connection is sent
/// again on a new one.
pub const IDLE_CHECK_AFTER: Duration = Duration::from_millis(100);

/// A connection: the socket, watched by the transcript, under the receive
/// buffer that the head and body readers share.
type Connection = RecvBuf<Tee<TcpStream>>;

/// How a [`Client`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest wait for a connection, or for any one read or write.
    /// It is not a limit on the whole request: a server that sends one
    /// byte every few seconds keeps it going.
    pub timeout: Duration,
    /// The largest body kept in memory by [`Client::request`].
    pub max_body_len: usize,
    /// How many redirects in a row are followed.
    pub max_redirects: usize,
    /// Where the conversation is shown, as `C:` and `S:` lines.
    pub transcript: Transcript,
}

impl Default for Options {
    /// [`DEFAULT_TIMEOUT`], [`MAX_BODY_LEN`], [`MAX_REDIRECTS`], and no transcript.
    fn default() -> Options {
        Options {
            timeout: DEFAULT_TIMEOUT,
            max_body_len: MAX_BODY_LEN,
            max_redirects: MAX_REDIRECTS,
            transcript: Transcript::silent(),
        }
    }
}

/// A final response, after any redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The server's protocol version.
    pub version: Version,
    /// The status code: 200, 404...
    pub status: u16,
    /// The reason phrase, for people: `OK`, `Not Found`.
    pub reason: String,
    /// The header fields.
    pub headers: Headers,
    /// The body (empty when streamed by [`Client::request_to_writer`]).
    pub body: Vec<u8>,
    /// The trailer fields of a chunked body (usually none).
    pub trailers: Headers,
    /// The URL that gave this response: the last one, after redirects.
    pub url: Url,
}

impl Response {
    fn from_head(head: ResponseHead, url: &Url) -> Response {
        Response {
            version: head.version,
            status: head.status,
            reason: head.reason,
            headers: head.headers,
            body: Vec::new(),
            trailers: Headers::new(),
            url: url.clone(),
        }
    }
}

/// What went wrong, in words for the person who ran the request.
#[derive(Debug)]
pub enum ClientError {
    /// The URL could not be parsed.
    BadUrl(UrlError),
    /// An `https://` URL: TLS is not in std.
    Https,
    /// A scheme other than `http` (`ftp:`, `mailto:`).
    UnsupportedScheme(String),
    /// The request cannot be written (a header with CR/LF...); nothing was sent.
    Request(RequestError),
    /// No connection could be opened.
    Connect {
        /// `host:port`.
        to: String,
        /// Why.
        error: io::Error,
    },
    /// A read or write waited longer than the timeout.
    Timeout(Duration),
    /// The server closed the connection before sending any response.
    NoResponse,
    /// The server closed the connection in the middle of its response.
    Truncated,
    /// The connection failed.
    Io(io::Error),
    /// The response is not valid HTTP.
    BadResponse(String),
    /// The body is larger than the limit.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// More redirects in a row than the limit.
    TooManyRedirects {
        /// The limit.
        limit: usize,
    },
    /// A redirect back to a URL already asked for in this chain.
    RedirectLoop {
        /// The URL asked for twice.
        url: String,
    },
    /// A `Location` that is not a valid URL.
    BadRedirect {
        /// The header's value.
        location: String,
        /// What is wrong with it.
        error: UrlError,
    },
    /// Writing the streamed body failed (a full disk, a closed pipe).
    Write(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::BadUrl(error) => write!(f, "invalid URL: {error}"),
            ClientError::Https => f.write_str(
                "https:// needs TLS (encryption and certificate checks), which Rust's \
                 standard library does not have, so this client speaks http:// only; \
                 chapter 13 explains what TLS takes (use curl for https)",
            ),
            ClientError::UnsupportedScheme(scheme) => {
                write!(f, "{scheme}: URLs are not HTTP; this client speaks http:// only")
            }
            ClientError::Request(error) => write!(f, "request not sent: {error}"),
            ClientError::Connect { to, error } => {
                write!(f, "could not connect to {to}: {error} (is a server listening there?)")
            }
            ClientError::Timeout(timeout) => write!(
                f,
                "no answer from the server within {} s: it accepted the connection but \
                 stopped sending (raise the timeout if it is just slow)",
                timeout.as_secs_f64()
            ),
            ClientError::NoResponse => f.write_str(
                "the server closed the connection without answering (is it an HTTP server?)",
            ),
            ClientError::Truncated => f.write_str(
                "the server closed the connection in the middle of its response: \
                 what arrived is incomplete",
            ),
            ClientError::Io(error) => write!(f, "the connection failed: {error}"),
            ClientError::BadResponse(why) => {
                write!(f, "the server's response is not valid HTTP: {why}")
            }
            ClientError::BodyTooLarge { limit } => write!(
                f,
                "the response body is larger than the limit of {limit} bytes \
                 (raise Options::max_body_len, or stream it to a file)"
            ),
            ClientError::TooManyRedirects { limit } => write!(
                f,
                "more than {limit} redirects in a row: the server keeps sending the client elsewhere"
            ),
            ClientError::RedirectLoop { url } => write!(
                f,
                "redirect loop: the server sent the client back to {url}, which it had already asked for"
            ),
            ClientError::BadRedirect { location, error } => {
                write!(f, "the server redirected to {location:?}, which is not a valid URL: {error}")
            }
            ClientError::Write(error) => write!(f, "could not write the body: {error}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::BadUrl(error) | ClientError::BadRedirect { error, .. } => Some(error),
            ClientError::Request(error) => Some(error),
            ClientError::Connect { error, .. }
            | ClientError::Io(error)
            | ClientError::Write(error) => Some(error),
            _ => None,
        }
    }
}

/// Turns a reader's error into the client's words. `TooLarge` is mapped
/// where the limit is known.
fn from_read_error(error: ReadError, timeout: Duration) -> ClientError {
    match error {
        ReadError::Io(error) if is_timeout(&error) => ClientError::Timeout(timeout),
        ReadError::Io(error) => ClientError::Io(error),
        ReadError::Truncated => ClientError::Truncated,
        other => ClientError::BadResponse(other.to_string()),
    }
}

/// `BodyReader`'s `Read` wraps its `ReadError` in an `io::Error`; this
/// takes it back out, to keep the client's words.
fn from_body_io_error(error: io::Error, timeout: Duration) -> ClientError {
    let kind = error.kind();
    if !error.get_ref().is_some_and(|inner| inner.is::<ReadError>()) {
        return from_read_error(ReadError::Io(error), timeout);
    }
    match error
        .into_inner()
        .map(|inner| inner.downcast::<ReadError>())
    {
        Some(Ok(read_error)) => from_read_error(*read_error, timeout),
        _ => ClientError::Io(io::Error::from(kind)),
    }
}

/// What a body handler does with the final response's body: keep it in
/// memory, or stream it somewhere.
type BodyHandler<'a> =
    dyn FnMut(&Response, &mut BodyReader<'_, Tee<TcpStream>>) -> Result<Vec<u8>, ClientError> + 'a;

/// An HTTP/1.1 client that keeps connections open between requests.
#[derive(Default)]
pub struct Client {
    options: Options,
    /// Idle connections, at most one per (host, port), and since when.
    idle: HashMap<(String, u16), (Connection, Instant)>,
    connections_opened: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .field("idle", &self.idle.keys().collect::<Vec<_>>())
            .field("connections_opened", &self.connections_opened)
            .finish()
    }
}

impl Client {
    /// A client with the default [`Options`].
    pub fn new() -> Client {
        Client::default()
    }

    /// A client with these options.
    pub fn with_options(options: Options) -> Client {
        Client {
            options,
            ..Client::default()
        }
    }

    /// Its options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// How many TCP connections it has opened so far: with keep-alive,
    /// fewer than the requests it sent.
    pub fn connections_opened(&self) -> usize {
        self.connections_opened
    }

    /// `GET url`: the resource.
    pub fn get(&mut self, url: &str) -> Result<Response, ClientError> {
        self.request(Method::Get, url, &Headers::new(), b"")
    }

    /// `HEAD url`: the head a GET would bring, without the body.
    pub fn head(&mut self, url: &str) -> Result<Response, ClientError> {
        self.request(Method::Head, url, &Headers::new(), b"")
    }

    /// `POST url` with `fields` as an HTML form would send them
    /// (`application/x-www-form-urlencoded`).
    pub fn post_form(
        &mut self,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Response, ClientError> {
        let mut headers = Headers::new();
        headers.append("Content-Type", "application/x-www-form-urlencoded");
        let body = form_urlencode(fields);
        self.request(Method::Post, url, &headers, body.as_bytes())
    }

    /// Sends any request, follows redirects, and returns the final
    /// response with its body in memory (up to [`Options::max_body_len`]).
    pub fn request(
        &mut self,
        method: Method,
        url: &str,
        headers: &Headers,
        body: &[u8],
    ) -> Result<Response, ClientError> {
        let (limit, timeout) = (self.options.max_body_len, self.options.timeout);
        self.follow(method, url, headers, body, &mut |_, reader| {
            reader.read_to_limit(limit).map_err(|error| match error {
                ReadError::TooLarge => ClientError::BodyTooLarge { limit },
                other => from_read_error(other, timeout),
            })
        })
    }

    /// Like [`request`](Self::request), but streams the final body into
    /// the writer that `open` returns once the response's head is known
    /// (so a caller can size a progress bar, or not create a file for an
    /// error). Memory stays bounded whatever the body's size; the body in
    /// the returned [`Response`] is empty.
    pub fn request_to_writer<W: Write>(
        &mut self,
        method: Method,
        url: &str,
        headers: &Headers,
        body: &[u8],
        open: impl FnOnce(&Response) -> io::Result<W>,
    ) -> Result<Response, ClientError> {
        let timeout = self.options.timeout;
        let mut open = Some(open);
        self.follow(method, url, headers, body, &mut |response, reader| {
            let open = open
                .take()
                .ok_or_else(|| ClientError::Io(io::Error::other("the body was delivered twice")))?;
            let mut out = open(response).map_err(ClientError::Write)?;
            let mut piece = [0; 16 * 1024];
            loop {
                let n = reader
                    .read(&mut piece)
                    .map_err(|error| from_body_io_error(error, timeout))?;
                if n == 0 {
                    break;
                }
                out.write_all(&piece[..n]).map_err(ClientError::Write)?;
            }
            out.flush().map_err(ClientError::Write)?;
            Ok(Vec::new())
        })
    }

    // ANCHOR: follow
    /// Sends the request, then follows redirects until a final response.
    fn follow(
        &mut self,
        method: Method,
        url: &str,
        headers: &Headers,
        body: &[u8],
        deliver: &mut BodyHandler<'_>,
    ) -> Result<Response, ClientError> {
        let mut url = http_url(Url::parse(url).map_err(ClientError::BadUrl)?)?;
        let (mut method, mut headers, mut body) = (method, headers.clone(), body);
        // Every (method, URL) asked for in this chain, to notice a loop.
        let mut asked = vec![(method.clone(), url.request_target(), endpoint(&url)?)];
        let timeout = self.options.timeout;
        let mut redirects = 0;
        loop {
            let response =
                self.exchange(&method, &url, &headers, body, &mut |response, reader| {
                    if redirect_to_follow(response, &method).is_some() {
                        // Read the redirect's body (a short note for people) and
                        // throw it away, so the connection can carry the next request.
                        reader
                            .drain(MAX_BODY_LEN as u64)
                            .map_err(|error| from_read_error(error, timeout))?;
                        Ok(Vec::new())
                    } else {
                        deliver(response, reader)
                    }
                })?;
            let Some((next_method, location)) = redirect_to_follow(&response, &method) else {
                return Ok(response);
            };
            if redirects == self.options.max_redirects {
                return Err(ClientError::TooManyRedirects {
                    limit: self.options.max_redirects,
                });
            }
            // RFC 9110 §10.2.2: Location may be relative to the URL asked for.
            // A raw space or UTF-8 in it is encoded first, as curl does.
            let next =
                url.join(&encode_location(location))
                    .map_err(|error| ClientError::BadRedirect {
                        location: location.to_string(),
                        error,
                    })?;
            let next = http_url(next)?;
            let target = (next_method.clone(), next.request_target(), endpoint(&next)?);
            if asked.contains(&target) {
                return Err(ClientError::RedirectLoop {
                    url: next.to_string(),
                });
            }
            asked.push(target);
            self.options.transcript.note(format!(
                "{} {}: following Location {location} with {next_method}",
                response.status, response.reason
            ));
            if next_method != method {
                // The body was for the old method; its description goes with it.
                body = b"";
                headers.remove("content-type");
            }
            if endpoint(&next)? != endpoint(&url)? {
                // Credentials meant for one server are not sent to another.
                headers.remove("authorization");
                headers.remove("cookie");
            }
            (method, url) = (next_method, next);
            redirects += 1;
        }
    }
    // ANCHOR_END: follow

    // ANCHOR: exchange
    /// One request and its response, on a kept connection or a new one.
    fn exchange(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &Headers,
        body: &[u8],
        deliver: &mut BodyHandler<'_>,
    ) -> Result<Response, ClientError> {
        // Everything that can be refused is refused before connecting.
        let request = encode_request(method, url, headers, body).map_err(ClientError::Request)?;
        let host = url
            .host()
            .ok_or(RequestError::NoHost)
            .map_err(ClientError::Request)?;
        let key = endpoint(url)?;
        let (mut conn, reused) = match self.take_idle(&key) {
            Some(conn) => (conn, true),
            None => (self.open(host, key.1)?, false),
        };
        let head = match send_and_read_head(&mut conn, &request, self.options.timeout) {
            // The server may close a kept connection just as we send on it.
            // If nothing came back, the request was not processed: sending
            // it again is safe, if sending it twice would be (RFC 9112 §9.3.1).
            Err(ClientError::NoResponse) if reused && is_idempotent(method) => {
                self.options
                    .transcript
                    .note("the server had closed the kept connection: sending again on a new one");
                conn = self.open(host, key.1)?;
                send_and_read_head(&mut conn, &request, self.options.timeout)?
            }
            other => other?,
        };
        let length = response_body(method, &head)
            .map_err(|error| ClientError::BadResponse(error.to_string()))?;
        let mut response = Response::from_head(head, url);
        let mut reader = BodyReader::new(&mut conn, length);
        response.body = deliver(&response, &mut reader)?;
        if let Some(trailers) = reader.trailers() {
            response.trailers = trailers.clone();
        }
        // A body need not end with a line break; the next message starts a new line.
        conn.get_mut().finish_lines();
        // Bytes after the body that nobody asked for mean the server and the
        // client disagree on where messages end: never reuse such a connection.
        if keeps_alive(&response, length, headers) && conn.data().is_empty() {
            self.keep_idle(key, conn);
        }
        Ok(response)
    }
    // ANCHOR_END: exchange

    /// Opens a new connection to `host` and `port`, watched by the transcript.
    fn open(&mut self, host: &Host, port: u16) -> Result<Connection, ClientError> {
        let timeout = self.options.timeout;
        let to = format!("{host}:{port}");
        // An address is used as it is; a name is looked up (chapter 01).
        let stream = match host.ip() {
            Some(ip) => connect(SocketAddr::new(ip, port), timeout),
            None => connect((host.to_string().as_str(), port), timeout),
        }
        .map_err(|error| ClientError::Connect { to, error })?;
        // The request goes in one write, so Nagle's algorithm has nothing to
        // gather; turning it off saves a wait on some request patterns.
        stream.set_nodelay(true).map_err(ClientError::Io)?;
        if let Ok(peer) = stream.peer_addr() {
            self.options.transcript.note(format!("connected to {peer}"));
        }
        self.connections_opened += 1;
        let tee = self.options.transcript.tee(stream, Side::Client);
        Ok(RecvBuf::new(tee, RECV_BUFFER_LEN))
    }

    /// The idle connection to `key`, unless the server has closed it since
    /// (looked at only after [`IDLE_CHECK_AFTER`] of quiet).
    fn take_idle(&mut self, key: &(String, u16)) -> Option<Connection> {
        let (conn, idle_since) = self.idle.remove(key)?;
        let long_idle = idle_since.elapsed() >= IDLE_CHECK_AFTER;
        if long_idle && closed_by_peer(conn.get_ref().get_ref()) {
            self.options.transcript.note(format!(
                "the server closed the kept connection to {}:{} while it was idle",
                key.0, key.1
            ));
            return None;
        }
        self.options.transcript.note("reusing the kept connection");
        Some(conn)
    }

    fn keep_idle(&mut self, key: (String, u16), conn: Connection) {
        if self.idle.len() < MAX_IDLE_CONNECTIONS || self.idle.contains_key(&key) {
            self.idle.insert(key, (conn, Instant::now()));
        }
    }
}

// ANCHOR: send_and_read_head
/// Sends `request` and reads heads until the final one.
///
/// `NoResponse` means that nothing at all came back (the connection was
/// closed or reset first): the one case in which the request may be sent
/// again on a new connection.
fn send_and_read_head(
    conn: &mut Connection,
    request: &[u8],
    timeout: Duration,
) -> Result<ResponseHead, ClientError> {
    let sent = conn.get_mut().write_all(request);
    conn.get_mut().finish_lines();
    if let Err(error) = sent {
        return Err(match is_timeout(&error) {
            true => ClientError::Timeout(timeout),
            false => ClientError::NoResponse,
        });
    }
    for interim in 0..=MAX_INTERIM_RESPONSES {
        // Closed or reset before a byte of an answer (an interim response
        // is an answer too: the server has the request).
        let first = interim == 0;
        let head = match read_head(conn, parse_response_head) {
            Ok(Some(head)) => head,
            Ok(None) if first => return Err(ClientError::NoResponse),
            Ok(None) => return Err(ClientError::Truncated),
            Err(ReadError::Io(error)) if !is_timeout(&error) && first && conn.data().is_empty() => {
                return Err(ClientError::NoResponse)
            }
            Err(error) => return Err(from_read_error(error, timeout)),
        };
        match head.status {
            // 101 Switching Protocols answers an Upgrade, which we never send.
            101 => {
                return Err(ClientError::BadResponse(
                    "101 Switching Protocols, but the client asked for no upgrade".into(),
                ))
            }
            // 100 Continue, 103 Early Hints...: a word before the answer (RFC 9110 §15.2).
            100..=199 => continue,
            _ => return Ok(head),
        }
    }
    Err(ClientError::BadResponse(format!(
        "more than {MAX_INTERIM_RESPONSES} interim (1xx) responses before the final one"
    )))
}
// ANCHOR_END: send_and_read_head

/// The method and `Location` of the next request, if `response` is a
/// redirect this client follows.
fn redirect_to_follow<'r>(response: &'r Response, method: &Method) -> Option<(Method, &'r str)> {
    let next_method = redirect_method(response.status, method)?;
    let location = response.headers.get("location")?;
    Some((next_method, location))
}

// ANCHOR: keeps_alive
/// Whether the connection can carry another request after this response
/// (RFC 9112 §9.3).
fn keeps_alive(response: &Response, length: BodyLength, request_headers: &Headers) -> bool {
    // A body that ended with the connection leaves no connection.
    if length == BodyLength::UntilClose || request_headers.has_token("connection", "close") {
        return false;
    }
    let close = response.headers.has_token("connection", "close");
    match response.version {
        // HTTP/1.1: persistent unless either side says close.
        Version::Http11 => !close,
        // HTTP/1.0: closed after each response unless the server says keep-alive.
        Version::Http10 => response.headers.has_token("connection", "keep-alive") && !close,
    }
}
// ANCHOR_END: keeps_alive

/// The URL, if this client can fetch it.
fn http_url(url: Url) -> Result<Url, ClientError> {
    match url.scheme() {
        "http" => Ok(url),
        "https" => Err(ClientError::Https),
        other => Err(ClientError::UnsupportedScheme(other.to_string())),
    }
}

/// Which connection a URL needs: its host, as written in a URL, and port.
fn endpoint(url: &Url) -> Result<(String, u16), ClientError> {
    let host = url
        .host()
        .ok_or(ClientError::Request(RequestError::NoHost))?;
    // `http` always has a default port, so this never falls back.
    Ok((host.to_string(), url.port_or_default().unwrap_or(80)))
}

// ANCHOR: closed_by_peer
/// Whether the server has closed an idle connection (or sent something
/// nobody asked for, which makes it unusable too).
///
/// A peek that does not wait: "would block" means nothing has arrived, so
/// the connection is open and quiet, as an idle one should be; 0 bytes
/// means the server's FIN arrived. Servers close idle connections after a
/// while (nginx after 75 seconds, Apache after 5).
fn closed_by_peer(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let quiet = matches!(
        stream.peek(&mut [0]),
        Err(error) if error.kind() == io::ErrorKind::WouldBlock
    );
    !quiet || stream.set_nonblocking(false).is_err()
}
// ANCHOR_END: closed_by_peer

#[cfg(test)]
mod tests {
    use super::*;

    fn response(version: Version, headers: &[(&str, &str)]) -> Response {
        let mut fields = Headers::new();
        for (name, value) in headers {
            fields.append(*name, *value);
        }
        Response {
            version,
            status: 200,
            reason: "OK".into(),
            headers: fields,
            body: Vec::new(),
            trailers: Headers::new(),
            url: Url::parse("http://h/").unwrap(),
        }
    }

    #[test]
    fn which_responses_leave_the_connection_open() {
        use BodyLength::{Fixed, UntilClose};
        let none = Headers::new();
        let table = [
            (Version::Http11, &[][..], Fixed(1), true),
            (
                Version::Http11,
                &[("Connection", "close")][..],
                Fixed(1),
                false,
            ),
            (Version::Http11, &[][..], UntilClose, false),
            (Version::Http10, &[][..], Fixed(1), false),
            (
                Version::Http10,
                &[("Connection", "Keep-Alive")][..],
                Fixed(1),
                true,
            ),
        ];
        for (version, headers, length, open) in table {
            let response = response(version, headers);
            assert_eq!(
                keeps_alive(&response, length, &none),
                open,
                "{version} {headers:?}"
            );
        }
    }

    #[test]
    fn only_http_urls_are_fetched() {
        let url = |text| http_url(Url::parse(text).unwrap());
        assert!(url("http://h/").is_ok());
        assert!(matches!(url("https://h/"), Err(ClientError::Https)));
        assert!(matches!(url("ftp://h/"), Err(ClientError::UnsupportedScheme(s)) if s == "ftp"));
    }

    #[test]
    fn the_https_error_says_why_and_where_to_read_more() {
        let message = ClientError::Https.to_string();
        assert!(
            message.contains("TLS") && message.contains("chapter 13"),
            "{message}"
        );
    }
}

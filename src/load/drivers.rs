//! The protocols a run can drive, each through the crate's own client or
//! parser: HTTP, the echo server, SMTP, POP3, FTP and DNS.
//!
//! A driver is a [`Target`] that opens [`Session`]s; one request is one
//! exchange of the protocol:
//!
//! | driver | one request |
//! | --- | --- |
//! | [`HttpTarget`] | `GET` the URL, read the whole response (RFC 9112) |
//! | [`EchoTarget`] | write N bytes, read the same N bytes back |
//! | [`SmtpTarget`] | one mail transaction: `MAIL`, `RCPT`, `DATA` (RFC 5321) |
//! | [`Pop3Target`] | one `RETR` of a message of the maildrop (RFC 1939) |
//! | [`FtpTarget`] | one `RETR` of a file, over a new data connection (RFC 959) |
//! | [`DnsTarget`] | one query over UDP, and its answer (RFC 1035) |
//!
//! What comes back is read and thrown away into a buffer that is reused
//! (or into a writer that keeps nothing), so a server that sends without
//! end cannot make the client grow; and each request has a deadline, so it
//! cannot make the client wait for ever either.

use super::run::{LoadError, Session, Target, DEFAULT_TIMEOUT};
use crate::dns::resolver::{check_reply, make_query, random_id, QueryOptions};
use crate::dns::{Message as DnsMessage, Name, Rcode, RecordType};
use crate::ftp::client::{FtpClient, FtpError, Options as FtpOptions};
use crate::http::body::{response_body, BodyLength};
use crate::http::chunked::ChunkedDecoder;
use crate::http::head::{parse_response_head, Method, MAX_HEAD_LEN};
use crate::http::headers::Headers;
use crate::http::request::encode_request;
use crate::pop3::client::{Options as Pop3Options, Pop3Client, Pop3Error};
use crate::smtp::address::Mailbox;
use crate::smtp::client::{Options as SmtpOptions, SmtpClient, SmtpError};
use crate::smtp::message::Message as MailMessage;
use crate::url::{LoginUrl, Url};
use crate::wire::Status;
use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The buffer an HTTP response is read into, head and body, reused for
/// every request: 64 KiB, so that a 4 KiB answer arrives in one `read`,
/// and a large one in few. It holds the largest head the crate's parser
/// accepts ([`MAX_HEAD_LEN`]) with room to spare.
pub const HTTP_BUFFER_LEN: usize = 64 * 1024;

/// The largest datagram a DNS answer can be (RFC 1035 §4.2.1 allows 512;
/// EDNS up to 64 KiB).
const DNS_BUFFER_LEN: usize = 65_535;

/// The first address `addr` resolves to, looked up once for the whole run
/// (a lookup per connection would be measured too).
fn resolve(addr: &str) -> Result<SocketAddr, LoadError> {
    let lookup = addr.to_socket_addrs().map_err(|error| LoadError::Connect {
        to: addr.to_string(),
        error,
    })?;
    lookup.into_iter().next().ok_or_else(|| LoadError::Connect {
        to: addr.to_string(),
        error: io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address"),
    })
}

/// A TCP connection to `addr` with `timeout` on every read and write, and
/// Nagle's algorithm off: every write is a whole request.
fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, LoadError> {
    let stream = crate::tcp::connect(addr, timeout).map_err(|error| LoadError::Connect {
        to: addr.to_string(),
        error,
    })?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Fails with [`LoadError::TimedOut`] once `deadline` is past.
fn check_deadline(deadline: Instant) -> Result<(), LoadError> {
    match Instant::now() > deadline {
        true => Err(LoadError::TimedOut),
        false => Ok(()),
    }
}

// ANCHOR: http
/// `GET` one URL, again and again, over kept connections (or one per
/// request, with `close`).
#[derive(Debug, Clone)]
pub struct HttpTarget {
    url: String,
    addr: SocketAddr,
    /// The whole request, made once: each request is one `write`.
    request: Vec<u8>,
    close: bool,
    timeout: Duration,
}

impl HttpTarget {
    /// The target for `url` (`http://` only), with [`DEFAULT_TIMEOUT`].
    /// With `close`, every request has a connection of its own, opened
    /// and closed within its time, and asks `Connection: close`.
    pub fn new(url: &str, close: bool) -> Result<HttpTarget, LoadError> {
        let parsed =
            Url::parse(url).map_err(|error| LoadError::Protocol(format!("{url}: {error}")))?;
        if parsed.scheme() != "http" {
            return Err(LoadError::Protocol(format!("{url}: only http:// URLs")));
        }
        let (Some(host), Some(port)) = (parsed.host(), parsed.port_or_default()) else {
            return Err(LoadError::Protocol(format!("{url}: no host")));
        };
        let addr = match host.ip() {
            Some(ip) => SocketAddr::new(ip, port),
            None => resolve(&format!("{host}:{port}"))?,
        };
        let mut headers = Headers::new();
        if close {
            headers.append("Connection", "close");
        }
        let request = encode_request(&Method::Get, &parsed, &headers, b"")
            .map_err(|error| LoadError::Protocol(format!("{url}: {error}")))?;
        Ok(HttpTarget {
            url: url.to_string(),
            addr,
            request,
            close,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same, with `timeout` for each request.
    pub fn with_timeout(mut self, timeout: Duration) -> HttpTarget {
        self.timeout = timeout;
        self
    }
}

impl Target for HttpTarget {
    fn describe(&self) -> String {
        match self.close {
            true => format!("{} (a connection per request)", self.url),
            false => self.url.clone(),
        }
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        // With --close the connection is opened by each request, so that
        // its time is counted; otherwise once, here.
        let stream = match self.close {
            true => None,
            false => Some(connect(self.addr, self.timeout)?),
        };
        Ok(Box::new(HttpSession {
            target: self.clone(),
            stream,
            buf: vec![0; HTTP_BUFFER_LEN].into_boxed_slice(),
            chunk: Vec::new(),
        }))
    }
}

/// One connection of an [`HttpTarget`].
struct HttpSession {
    target: HttpTarget,
    stream: Option<TcpStream>,
    buf: Box<[u8]>,
    /// Where a chunked body's data goes, emptied after each read.
    chunk: Vec<u8>,
}

impl Session for HttpSession {
    fn request(&mut self) -> Result<(), LoadError> {
        let deadline = Instant::now() + self.target.timeout;
        let mut stream = match self.stream.take() {
            Some(stream) => stream,
            None => connect(self.target.addr, self.target.timeout)?,
        };
        stream.write_all(&self.target.request)?;
        let keep = self.read_response(&mut stream, deadline)?;
        if keep && !self.target.close {
            self.stream = Some(stream);
        }
        Ok(())
    }
}

impl HttpSession {
    /// Reads one whole response, and says whether the connection may carry
    /// the next request.
    fn read_response(
        &mut self,
        stream: &mut TcpStream,
        deadline: Instant,
    ) -> Result<bool, LoadError> {
        let buf = &mut self.buf[..];
        let mut filled = 0;
        // The head: read until the crate's parser has all of it.
        let (head, used) = loop {
            match parse_response_head(&buf[..filled]) {
                Ok(Status::Complete(parsed)) => break parsed,
                Ok(Status::Partial) if filled >= MAX_HEAD_LEN => {
                    return Err(LoadError::Protocol("the response head is too large".into()))
                }
                Ok(Status::Partial) => {}
                Err(error) => return Err(LoadError::Protocol(error.to_string())),
            }
            filled += read_some(stream, &mut buf[filled..], deadline)?;
        };
        if head.status >= 400 {
            return Err(LoadError::Refused(format!(
                "{} {}",
                head.status, head.reason
            )));
        }
        let length = response_body(&Method::Get, &head)
            .map_err(|error| LoadError::Protocol(error.to_string()))?;
        let early = &buf[used..filled];
        let keep = !head.headers.has_token("connection", "close");
        match length {
            BodyLength::Empty => no_more(early.len() as u64)?,
            BodyLength::Fixed(len) => {
                let mut left = no_more_than(len, early.len() as u64)?;
                while left > 0 {
                    let read = read_some(stream, buf, deadline)? as u64;
                    left = no_more_than(left, read)?;
                }
            }
            BodyLength::Chunked => {
                let mut decoder = ChunkedDecoder::default();
                let mut input = early.len();
                buf.copy_within(used..filled, 0);
                loop {
                    self.chunk.clear();
                    let taken = decoder
                        .decode(&buf[..input], &mut self.chunk)
                        .map_err(|error| LoadError::Protocol(error.to_string()))?;
                    if decoder.is_done() {
                        no_more((input - taken) as u64)?;
                        break;
                    }
                    input = read_some(stream, buf, deadline)?;
                }
            }
            BodyLength::UntilClose => loop {
                match stream.read(buf) {
                    Ok(0) => return Ok(false),
                    Ok(_) => check_deadline(deadline)?,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error.into()),
                }
            },
        }
        Ok(keep)
    }
}

/// Reads what has come, at least one byte, within `deadline`.
fn read_some(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<usize, LoadError> {
    loop {
        match stream.read(buf) {
            Ok(0) => {
                return Err(LoadError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection before the end of the answer",
                )))
            }
            Ok(read) => {
                check_deadline(deadline)?;
                return Ok(read);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// What is left of a body of `left` bytes once `read` more arrived.
/// The client never sends a request before the last answer is in, so a
/// byte past the body is one the server should not have sent.
fn no_more_than(left: u64, read: u64) -> Result<u64, LoadError> {
    left.checked_sub(read)
        .ok_or_else(|| LoadError::Protocol("more bytes than the response's length".into()))
}

/// Fails if `extra` bytes came after the end of the answer.
fn no_more(extra: u64) -> Result<(), LoadError> {
    no_more_than(0, extra).map(|_| ())
}
// ANCHOR_END: http

/// Writes `size` bytes to an echo server and reads them back.
#[derive(Debug, Clone)]
pub struct EchoTarget {
    addr: SocketAddr,
    payload: Vec<u8>,
    timeout: Duration,
}

impl EchoTarget {
    /// The target for the echo server at `addr`, `size` bytes a request.
    /// The bytes are a line (letters, then a newline), so that an echo
    /// server that works by lines echoes them too.
    pub fn new(addr: &str, size: usize, timeout: Duration) -> Result<EchoTarget, LoadError> {
        let mut payload: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
        if let Some(last) = payload.last_mut() {
            *last = b'\n';
        }
        Ok(EchoTarget {
            addr: resolve(addr)?,
            payload,
            timeout,
        })
    }
}

impl Target for EchoTarget {
    fn describe(&self) -> String {
        format!("tcp {} ({} bytes echoed)", self.addr, self.payload.len())
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        Ok(Box::new(EchoSession {
            stream: connect(self.addr, self.timeout)?,
            payload: self.payload.clone(),
            back: vec![0; self.payload.len()],
            timeout: self.timeout,
        }))
    }
}

struct EchoSession {
    stream: TcpStream,
    payload: Vec<u8>,
    back: Vec<u8>,
    /// The longest one echo may take, all of it.
    timeout: Duration,
}

/// How many bytes are written at a time.
pub const ECHO_CHUNK_LEN: usize = 16 * 1024;

/// The most bytes on their way, written and not yet echoed. Writing a
/// large payload whole before reading would stall: the echo fills the
/// client's receive buffer, the server stops reading, and the client's
/// write waits for ever. 128 KiB fits in the socket buffers of the two
/// sides at their smallest on Linux. Nor does the client wait for each
/// chunk's echo before writing the next: the echo's last short segment
/// may sit 40 ms in the server's Nagle buffer waiting for a delayed
/// ACK, once a chunk; with the window, only once a request.
pub const ECHO_WINDOW: usize = 128 * 1024;

impl Session for EchoSession {
    /// The payload out and back, all of it within one timeout: a server
    /// that echoes a byte at a time, each just inside the socket's
    /// timeout, still ends as a timeout.
    fn request(&mut self) -> Result<(), LoadError> {
        let deadline = Instant::now() + self.timeout;
        let total = self.payload.len();
        let (mut written, mut echoed) = (0, 0);
        while echoed < total {
            let chunk_end = (written + ECHO_CHUNK_LEN).min(total);
            if written < total && chunk_end - echoed <= ECHO_WINDOW {
                self.stream.write_all(&self.payload[written..chunk_end])?;
                written = chunk_end;
                check_deadline(deadline)?;
                continue;
            }
            match self.stream.read(&mut self.back[echoed..written]) {
                Ok(0) => {
                    return Err(LoadError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the server closed the connection after {echoed} of the \
                             {total} bytes echoed"
                        ),
                    )))
                }
                Ok(read) => echoed += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
            check_deadline(deadline)?;
        }
        match self.back == self.payload {
            true => Ok(()),
            false => Err(LoadError::Protocol(
                "the echo differs from what was sent".into(),
            )),
        }
    }
}

/// The error of a mail or file client, sorted: the server said no, the
/// time ran out, the connection failed, or something else.
fn client_error(refused: bool, timed_out: bool, error: impl std::fmt::Display) -> LoadError {
    match (refused, timed_out) {
        (true, _) => LoadError::Refused(error.to_string()),
        (_, true) => LoadError::TimedOut,
        _ => LoadError::Protocol(error.to_string()),
    }
}

fn smtp_error(error: SmtpError) -> LoadError {
    match error {
        SmtpError::Connect { to, error } => LoadError::Connect { to, error },
        SmtpError::Io(error) => LoadError::from_io(error),
        other => {
            let refused = matches!(other, SmtpError::Refused { .. } | SmtpError::NoRecipient(_));
            let timed_out = matches!(other, SmtpError::Timeout(_));
            client_error(refused, timed_out, other)
        }
    }
}

fn pop3_error(error: Pop3Error) -> LoadError {
    match error {
        Pop3Error::Connect { to, error } => LoadError::Connect { to, error },
        Pop3Error::Io(error) | Pop3Error::Local(error) => LoadError::from_io(error),
        other => {
            let refused = matches!(other, Pop3Error::Refused { .. });
            let timed_out = matches!(other, Pop3Error::Timeout(_));
            client_error(refused, timed_out, other)
        }
    }
}

fn ftp_error(error: FtpError) -> LoadError {
    match error {
        FtpError::Connect { to, error } => LoadError::Connect { to, error },
        FtpError::Io(error) | FtpError::Local(error) => LoadError::from_io(error),
        other => {
            let refused = matches!(other, FtpError::Refused { .. });
            let timed_out = matches!(other, FtpError::Timeout(_));
            client_error(refused, timed_out, other)
        }
    }
}

/// A writer that keeps nothing, and refuses more once `deadline` is
/// past: a download that goes on for ever ends as a timeout.
struct DiscardUntil(Instant);

impl Write for DiscardUntil {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Instant::now() > self.0 {
            true => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the answer took too long",
            )),
            false => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Sends one message a request, one mail transaction each, over kept
/// connections.
#[derive(Debug, Clone)]
pub struct SmtpTarget {
    addr: SocketAddr,
    from: Mailbox,
    to: Mailbox,
    message: MailMessage,
    timeout: Duration,
}

impl SmtpTarget {
    /// The target for the SMTP server at `addr`: messages from `from` to
    /// `to`, with a body of about `size` bytes.
    pub fn new(
        addr: &str,
        from: Mailbox,
        to: Mailbox,
        size: usize,
        timeout: Duration,
    ) -> Result<SmtpTarget, LoadError> {
        let mut text = format!("From: <{from}>\r\nTo: <{to}>\r\nSubject: load\r\n\r\n");
        // Lines of 76 letters and CR LF, as mail is written.
        let mut body = 0;
        while body < size {
            let line = (size - body).clamp(1, 78);
            text.push_str(&"x".repeat(line.saturating_sub(2)));
            text.push_str("\r\n");
            body += line.max(2);
        }
        Ok(SmtpTarget {
            addr: resolve(addr)?,
            from,
            to,
            message: MailMessage::from_bytes(text.into_bytes()),
            timeout,
        })
    }
}

impl Target for SmtpTarget {
    fn describe(&self) -> String {
        format!("smtp {} ({} to {})", self.addr, self.from, self.to)
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        let options = SmtpOptions {
            timeout: self.timeout,
            ..SmtpOptions::default()
        };
        let client = SmtpClient::connect(self.addr, options).map_err(smtp_error)?;
        Ok(Box::new(SmtpSession {
            client,
            target: self.clone(),
        }))
    }
}

struct SmtpSession {
    client: SmtpClient,
    target: SmtpTarget,
}

impl Session for SmtpSession {
    fn request(&mut self) -> Result<(), LoadError> {
        let target = &self.target;
        let to = std::slice::from_ref(&target.to);
        let report = self
            .client
            .send(&target.from, to, &target.message)
            .map_err(smtp_error)?;
        let refused = report.refused().next().map(|refused| refused.to_string());
        match refused {
            Some(refused) => Err(LoadError::Refused(refused)),
            None => Ok(()),
        }
    }
}

/// A login URL's address, user and password, or why it has none.
fn login(
    url: &str,
    scheme: &'static str,
) -> Result<(SocketAddr, String, String, String), LoadError> {
    let parsed = LoginUrl::parse(url, scheme)
        .map_err(|error| LoadError::Protocol(format!("{url}: {error}")))?;
    let (Some(user), Some(password)) = (parsed.user.clone(), parsed.password.clone()) else {
        return Err(LoadError::Protocol(format!(
            "{url}: the URL needs a user and a password: {scheme}://USER:PASS@HOST/"
        )));
    };
    Ok((
        resolve(&parsed.addr)?,
        user,
        password,
        parsed.segments.join("/"),
    ))
}

/// What a login URL's user name and password may hold to give each
/// connection a login of its own: its number, from 1.
pub const CONNECTION_NUMBER: &str = "{n}";

/// One `RETR` a request, of each message of the maildrop in turn, over a
/// kept session.
///
/// A POP3 server gives a maildrop to one session at a time (RFC 1939 §8):
/// a second connection with the same login gets `-ERR [IN-USE]`. For more
/// connections than one, write [`CONNECTION_NUMBER`] in the user name (and
/// the password, if they differ too): `pop3://user{n}:secret{n}@host/`
/// with eight connections logs in as `user1` to `user8`.
#[derive(Debug, Clone)]
pub struct Pop3Target {
    url: String,
    addr: SocketAddr,
    user: String,
    password: String,
    timeout: Duration,
    numbers: Numbers,
}

impl Pop3Target {
    /// The target for `pop3://USER:PASS@HOST:PORT/`, where USER and PASS
    /// may hold [`CONNECTION_NUMBER`].
    pub fn new(url: &str, timeout: Duration) -> Result<Pop3Target, LoadError> {
        // `{` and `}` may not appear raw in a URL's userinfo (RFC 3986
        // §3.2.1); percent-encoded they come out of the parse as written.
        let encoded = url.replace(CONNECTION_NUMBER, "%7Bn%7D");
        let (addr, user, password, _) = login(&encoded, "pop3")?;
        Ok(Pop3Target {
            url: format!("pop3://{user}:****@{addr}/"),
            addr,
            user,
            password,
            timeout,
            numbers: Numbers::default(),
        })
    }
}

/// The connection numbers in use, for [`CONNECTION_NUMBER`]. Each session
/// holds the smallest number free, so that connection k logs in as user k,
/// and one opened again after a failure takes back the number (and the
/// maildrop) that the failed one gave up.
#[derive(Debug, Clone, Default)]
struct Numbers(Arc<Mutex<BTreeSet<usize>>>);

impl Numbers {
    fn take(&self) -> Number {
        let mut used = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Of the first len + 1 numbers, at least one is free.
        let n = (1..=used.len() + 1)
            .find(|n| !used.contains(n))
            .unwrap_or(used.len() + 1);
        used.insert(n);
        Number {
            n,
            numbers: self.clone(),
        }
    }
}

/// A connection number, given back when the session that holds it ends.
#[derive(Debug)]
struct Number {
    n: usize,
    numbers: Numbers,
}

impl Drop for Number {
    fn drop(&mut self) {
        let mut used = self
            .numbers
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        used.remove(&self.n);
    }
}

impl Target for Pop3Target {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        let options = Pop3Options {
            timeout: self.timeout,
            ..Pop3Options::default()
        };
        let number = self.numbers.take();
        let n = number.n.to_string();
        let user = self.user.replace(CONNECTION_NUMBER, &n);
        let password = self.password.replace(CONNECTION_NUMBER, &n);
        let mut client = Pop3Client::connect(self.addr, options).map_err(pop3_error)?;
        client.login(&user, &password).map_err(pop3_error)?;
        let messages: Vec<_> = client
            .list()
            .map_err(pop3_error)?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if messages.is_empty() {
            return Err(LoadError::Refused(
                "the maildrop is empty: nothing to RETR".into(),
            ));
        }
        Ok(Box::new(Pop3Session {
            client,
            messages,
            next: 0,
            timeout: self.timeout,
            _number: number,
        }))
    }
}

struct Pop3Session {
    client: Pop3Client<TcpStream>,
    messages: Vec<crate::pop3::command::MessageNumber>,
    next: usize,
    timeout: Duration,
    /// Held while the session lives: its login's maildrop is taken.
    _number: Number,
}

impl Session for Pop3Session {
    fn request(&mut self) -> Result<(), LoadError> {
        let message = self.messages[self.next % self.messages.len()];
        self.next = self.next.wrapping_add(1);
        let sink = DiscardUntil(Instant::now() + self.timeout);
        self.client.retr(message, sink).map_err(pop3_error)?;
        Ok(())
    }
}

/// One `RETR` of a file a request, on a kept control connection.
#[derive(Debug, Clone)]
pub struct FtpTarget {
    url: String,
    addr: SocketAddr,
    user: String,
    password: String,
    path: String,
    timeout: Duration,
}

impl FtpTarget {
    /// The target for `ftp://USER:PASS@HOST:PORT/PATH`.
    pub fn new(url: &str, timeout: Duration) -> Result<FtpTarget, LoadError> {
        let (addr, user, password, path) = login(url, "ftp")?;
        if path.is_empty() {
            return Err(LoadError::Protocol(format!(
                "{url}: the URL must name a file to RETR"
            )));
        }
        Ok(FtpTarget {
            url: format!("ftp://{user}:****@{addr}/{path}"),
            addr,
            user,
            password,
            path,
            timeout,
        })
    }
}

impl Target for FtpTarget {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        let options = FtpOptions {
            timeout: self.timeout,
            ..FtpOptions::default()
        };
        let mut client = FtpClient::connect(self.addr, options).map_err(ftp_error)?;
        client
            .login(&self.user, &self.password)
            .map_err(ftp_error)?;
        client.type_binary().map_err(ftp_error)?;
        Ok(Box::new(FtpSession {
            client,
            path: self.path.clone(),
            timeout: self.timeout,
        }))
    }
}

struct FtpSession {
    client: FtpClient,
    path: String,
    timeout: Duration,
}

impl Session for FtpSession {
    fn request(&mut self) -> Result<(), LoadError> {
        let sink = DiscardUntil(Instant::now() + self.timeout);
        self.client
            .retr(&self.path, sink, None)
            .map_err(ftp_error)?;
        Ok(())
    }
}

/// One UDP query a request, from a socket of its own per connection.
#[derive(Debug, Clone)]
pub struct DnsTarget {
    server: SocketAddr,
    name: Name,
    qtype: RecordType,
    timeout: Duration,
}

impl DnsTarget {
    /// The target for the DNS server at `addr`, asking for `name`'s
    /// records of type `qtype`.
    pub fn new(
        addr: &str,
        name: Name,
        qtype: RecordType,
        timeout: Duration,
    ) -> Result<DnsTarget, LoadError> {
        Ok(DnsTarget {
            server: resolve(addr)?,
            name,
            qtype,
            timeout,
        })
    }
}

impl Target for DnsTarget {
    fn describe(&self) -> String {
        format!("dns {} ({} {})", self.server, self.name, self.qtype)
    }

    fn open(&self) -> Result<Box<dyn Session>, LoadError> {
        let local: IpAddr = match self.server {
            SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
            SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
        };
        let socket = UdpSocket::bind((local, 0))?;
        socket.set_write_timeout(Some(self.timeout))?;
        socket.set_read_timeout(Some(self.timeout))?;
        Ok(Box::new(DnsSession {
            socket,
            target: self.clone(),
            id: random_id(),
            buf: vec![0; DNS_BUFFER_LEN],
            read_timeout: self.timeout,
        }))
    }
}

struct DnsSession {
    socket: UdpSocket,
    target: DnsTarget,
    /// The ID of the next query: a new one each time, so that a late answer
    /// to a query that timed out is not taken for the answer to this one.
    id: u16,
    buf: Vec<u8>,
    /// The socket's read timeout now. It is set only when a wait needs
    /// another: setting it for every query was a third system call beside
    /// the send and the receive.
    read_timeout: Duration,
}

impl DnsSession {
    /// Makes the next receive wait at most `wait`.
    fn wait_at_most(&mut self, wait: Duration) -> io::Result<()> {
        if wait != self.read_timeout {
            self.socket.set_read_timeout(Some(wait))?;
            self.read_timeout = wait;
        }
        Ok(())
    }
}

impl Session for DnsSession {
    fn request(&mut self) -> Result<(), LoadError> {
        let target = &self.target;
        self.id = self.id.wrapping_add(1);
        // A plain RFC 1035 query, as `dig +noedns` and most load tools send.
        let options = QueryOptions {
            edns: None,
            ..QueryOptions::default()
        };
        let query: DnsMessage = make_query(self.id, &target.name, target.qtype, &options);
        let bytes = query
            .emit()
            .map_err(|error| LoadError::Protocol(error.to_string()))?;
        let (server, timeout) = (target.server, target.timeout);
        let deadline = Instant::now() + timeout;
        self.socket.send_to(&bytes, server)?;
        // The first wait is the whole timeout, which the socket usually has
        // already; only a wait after a stray datagram is shorter.
        let mut wait = timeout;
        loop {
            if wait.is_zero() {
                return Err(LoadError::TimedOut);
            }
            self.wait_at_most(wait)?;
            let received = self.socket.recv_from(&mut self.buf);
            wait = deadline.saturating_duration_since(Instant::now());
            let (len, from) = match received {
                Ok(received) => received,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error.into()),
            };
            // Not the answer to this query (a late one, or not from the
            // server): wait on, within this request's time.
            let Ok(reply) = check_reply(&query, server, from, &self.buf[..len]) else {
                continue;
            };
            return match reply.header.rcode {
                Rcode::NOERROR | Rcode::NXDOMAIN => Ok(()),
                rcode => Err(LoadError::Refused(format!("response code {rcode}"))),
            };
        }
    }
}

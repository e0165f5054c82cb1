//! The one accept loop: every TCP server in this crate runs on it.
//!
//! A server does the same few things whatever protocol it speaks:
//!
//! 1. bind a listening socket (port 0 lets the system pick a free port, which
//!    is how every test and the tour avoid clashes) and report the address;
//! 2. accept connections, and serve each one on its own thread, so that a
//!    slow client only ever holds up itself;
//! 3. refuse politely when too many connections are live: the protocol's
//!    "busy" reply (HTTP 503, FTP and SMTP 421) instead of a silent hang;
//! 4. give every connection a read and a write timeout, so that a client that
//!    connects and says nothing, or stops reading, frees its thread;
//! 5. stop cleanly when asked: no new connections, live ones get a grace
//!    period to finish, then are closed, and every thread is joined;
//! 6. keep a handler's failure to its own connection: an error or a panic
//!    ends that connection only, and is told as one line on stderr
//!    ([`Config::report`]), so that a bug shows itself.
//!
//! ```text
//!   client                      worker A                    worker B
//!     |  SYN / SYN-ACK / ACK       |                           |
//!     |--------------------------->| accept() -> stream        | (idle)
//!     |                            | no idle worker left?      |
//!     |                            |   spawn one (B)  -------->| accept() blocks
//!     |<------- protocol --------->| handler.handle(stream)    |
//!     |                            | done: accept() again      |
//! ```
//!
//! ## Why workers accept for themselves
//!
//! A thread per connection is the simplest model there is: the handler is
//! plain blocking code that reads, thinks and writes. Its cost is the
//! thread itself. Creating one (a `clone` system call, a stack mapped and
//! later unmapped) costs tens of microseconds, which is as much as a whole
//! short request; and handing a connection from an accepting thread to a
//! worker costs a wake-up and a switch between threads.
//!
//! So there is no accepting thread. Idle workers wait in `accept` on the
//! shared listener (the kernel wakes one of them per connection), serve the
//! connection they got, and go back to `accept`. A worker that takes the
//! last idle place first spawns a new worker, so that someone is always
//! waiting for the next client. A worker that finishes while
//! [`MAX_IDLE_WORKERS`] others are already idle exits, so a burst does not
//! leave its threads behind. It is still one connection per thread at a
//! time, and the handler cannot tell the difference. This is the
//! "leader/followers" pattern, and Apache's prefork model with threads.
//!
//! The cap on live connections is [`Config::max_connections`]: each live
//! connection costs a thread and its stack ([`WORKER_STACK_SIZE`] of
//! address space, a few pages of it touched) and one file descriptor.
//! Chapter 12 measures how many a machine holds, and what stops it: the
//! limit on open files, and the memory maps each thread needs. When the
//! server cannot accept or cannot make a thread, it says so on stderr,
//! once a minute at most ([`starved_advice`]).

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How many workers may wait idle in `accept`. One more, done with its
/// connection, exits instead. Enough to absorb a burst of short
/// connections from dozens of clients without making threads, few enough
/// that an idle server holds little.
pub const MAX_IDLE_WORKERS: usize = 64;

/// How long to pause after `accept` fails for want of resources (file
/// descriptors, memory): long enough for a connection or two to end.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(10);

// ANCHOR: stack
/// The stack of each connection's thread. A thread std spawns gets 2 MiB
/// of address space; only the pages a thread touches cost memory, but ten
/// thousand threads reserve 20 GiB. Measured by running every server's
/// tests (HTTP, REST, FTP, SMTP, POP3, DNS over TCP, echo) in a debug
/// build, whose frames are the largest: with 16 KiB the FTP server's
/// thread overflowed its stack, with 32 KiB every test passed. This is
/// four times that. (A release build of the HTTP server touches 8 KiB of
/// it per connection, two pages.)
pub const WORKER_STACK_SIZE: usize = 128 * 1024;

/// How many memory maps each thread costs: its stack and the guard page
/// below it, and the stack std gives its signal handler (to report a stack
/// overflow) with its own guard page. A process may have at most
/// `vm.max_map_count` maps (65530 by default on Linux), so at most about
/// 16 000 threads. Past that, std cannot map a new thread's signal stack,
/// and it aborts the whole process: measured with 16 332 threads here.
pub const MAPS_PER_THREAD: u64 = 4;
// ANCHOR_END: stack

/// Maps left for everything else a server maps: its program and libraries,
/// malloc's arenas, files. A running 06 server has about 100.
const OTHER_MAPS: u64 = 1000;

/// Lowers a cap of `max_connections` to what `max_map_count` (the
/// system's `vm.max_map_count`, if known) lets a server make threads for,
/// counting the idle workers too; with the line that says so.
pub fn fit_max_connections(
    max_connections: usize,
    max_map_count: Option<u64>,
) -> (usize, Option<String>) {
    let Some(maps) = max_map_count else {
        return (max_connections, None);
    };
    let threads = maps.saturating_sub(OTHER_MAPS) / MAPS_PER_THREAD;
    let ceiling = usize::try_from(threads)
        .unwrap_or(usize::MAX)
        .saturating_sub(MAX_IDLE_WORKERS + 2);
    if max_connections <= ceiling {
        return (max_connections, None);
    }
    let said = format!(
        "--max-connections {max_connections} is more threads than this system can map \
(vm.max_map_count {maps}, {MAPS_PER_THREAD} maps a thread): serving at most {ceiling} \
connections, and the next get the busy reply"
    );
    (ceiling, Some(said))
}

/// The system's `vm.max_map_count`, where there is one (Linux).
fn max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How often, at most, the server says on stderr that it cannot accept
/// or cannot make a thread: it fails that way many times a second while
/// the cause lasts, and one line says all there is to say.
pub const STARVED_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// How long a "busy" reply may take to write before the connection is
/// dropped: the worker that writes it should get back to `accept` soon.
const BUSY_WRITE_TIMEOUT: Duration = Duration::from_millis(100);

/// A protocol's side of a server: what to do with one connection.
///
/// `handle` runs on a worker thread and borrows the stream; when it
/// returns, the connection is closed. An `Err` ends that connection only:
/// the server goes on.
///
/// The stream is lent, not given, because the accept loop keeps the one
/// handle on the socket it needs to close the connection at shutdown; a
/// second handle (`try_clone`) would cost a second file descriptor for
/// every connection. std implements `Read` and `Write` for `&TcpStream`,
/// so a handler reads and writes through the reference as through the
/// stream itself (`let mut stream = stream;`, or `BufReader::new(stream)`).
pub trait Handler: Send + Sync + 'static {
    /// Serves one connection until it ends.
    fn handle(&self, stream: &TcpStream, peer: SocketAddr) -> io::Result<()>;

    /// Tells a client that the server is full, before its connection is
    /// closed: `503 Service Unavailable`, `421 Too many connections`.
    /// It must only write a short reply.
    /// The default says nothing and just closes.
    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        let _ = stream;
        Ok(())
    }
}

/// Any function from a stream to a result is a handler with no busy reply.
impl<F> Handler for F
where
    F: Fn(&TcpStream, SocketAddr) -> io::Result<()> + Send + Sync + 'static,
{
    fn handle(&self, stream: &TcpStream, peer: SocketAddr) -> io::Result<()> {
        self(stream, peer)
    }
}

/// How a server treats its connections.
#[derive(Debug, Clone)]
pub struct Config {
    /// The most connections served at once; the next one gets the busy reply.
    pub max_connections: usize,
    /// How long a read may wait for the client to send something. A client
    /// that stays silent longer loses its connection.
    pub read_timeout: Duration,
    /// How long a write may wait for the client to make room (a client that
    /// stops reading fills its receive window, then our send buffer).
    pub write_timeout: Duration,
    /// How long [`ServerHandle::shutdown`] lets live connections finish
    /// before it closes them.
    pub shutdown_grace: Duration,
    /// The stack size of each connection's thread ([`WORKER_STACK_SIZE`]).
    pub stack_size: usize,
    /// Told of every connection whose handler failed or panicked
    /// ([`report_to_stderr`] unless set; tests that fail connections on
    /// purpose may pass [`report_nothing`]).
    pub report: Reporter,
}

impl Default for Config {
    /// 1024 connections, 30 s to read or write, 5 s of grace at shutdown,
    /// [`WORKER_STACK_SIZE`] of stack a connection.
    ///
    /// 1024 threads fit in the memory of any machine this runs on and are
    /// more than a few cores can keep busy; 30 s is how long a
    /// person at a terminal may pause (the line protocols set their own
    /// idle limits, e.g. SMTP's 5 minutes, when they need longer).
    fn default() -> Config {
        Config {
            max_connections: 1024,
            read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(5),
            stack_size: WORKER_STACK_SIZE,
            report: report_to_stderr,
        }
    }
}

// ANCHOR: report
/// Where a connection that ended badly is told of: a plain function, so
/// that a [`Config`] stays a value that can be copied and printed.
pub type Reporter = fn(peer: SocketAddr, failure: &Failure);

/// Why a connection ended badly.
#[derive(Debug)]
pub enum Failure {
    /// The handler returned this error.
    Error(io::Error),
    /// The handler panicked, with this message.
    Panic(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Error(error) => write!(f, "ended with an error: {error}"),
            Failure::Panic(message) => write!(f, "the handler panicked: {message}"),
        }
    }
}

/// The default [`Reporter`]: one line on stderr, with the peer's address,
/// so that a bug in a handler shows itself instead of closing connections
/// in silence: `connection from 127.0.0.1:50312: ended with an error: ...`
pub fn report_to_stderr(peer: SocketAddr, failure: &Failure) {
    eprintln!("connection from {peer}: {failure}");
}

/// A [`Reporter`] that says nothing.
pub fn report_nothing(_peer: SocketAddr, _failure: &Failure) {}

/// Whether `error` only says that the client went away: it reset the
/// connection, or closed it in the middle of a message. That is the
/// client's choice, not the server's failure, and a busy server sees it
/// all day; every other error is reported.
pub fn is_ordinary_ending(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotConnected
    )
}
// ANCHOR_END: report

/// A bound, listening server that has not started accepting yet.
///
/// Binding and serving are two steps so that a caller (a test, the tour)
/// can learn the address before any client connects: bind first, then
/// connect, and no test ever needs to sleep while a server starts.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    config: Config,
}

impl Server {
    /// Binds `addr` (`"127.0.0.1:0"` for any free port) with the default config.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Server> {
        Server::bind_with(addr, Config::default())
    }

    /// Binds `addr` with the given config.
    pub fn bind_with(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            config,
        })
    }

    /// A server on a listener bound elsewhere, with the default config.
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            config: Config::default(),
        }
    }

    /// The address the server listens on, with the real port if 0 was asked.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Starts serving on background threads and returns at once.
    ///
    /// A cap higher than the threads the system can map is lowered to fit
    /// ([`fit_max_connections`]), and stderr told: a client over the cap
    /// gets the busy reply, where one thread too many would abort the
    /// process.
    pub fn spawn(mut self, handler: impl Handler) -> io::Result<ServerHandle> {
        let addr = self.listener.local_addr()?;
        let (cap, said) = fit_max_connections(self.config.max_connections, max_map_count());
        if let Some(said) = said {
            let _ = writeln!(io::stderr().lock(), "{said}");
        }
        self.config.max_connections = cap;
        let shared = Arc::new(Shared {
            listener: self.listener,
            handler: Box::new(handler),
            config: self.config,
            stopping: AtomicBool::new(false),
            idle: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            exited: AtomicUsize::new(0),
            workers: Mutex::new(Vec::new()),
            last_starved: Mutex::new(None),
            changed: Condvar::new(),
            changed_lock: Mutex::new(()),
        });
        spawn_worker(&shared)?;
        Ok(ServerHandle { addr, shared })
    }

    /// Serves until the process is killed (for the examples' `serve`
    /// subcommand): the calling thread only waits.
    pub fn run(self, handler: impl Handler) -> io::Result<()> {
        let _handle = self.spawn(handler)?;
        loop {
            thread::park();
        }
    }
}

/// A running server. Dropping it shuts the server down.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections are being served right now.
    pub fn live_connections(&self) -> usize {
        self.shared.live.load(Ordering::SeqCst)
    }

    /// How many worker threads exist (busy or idle).
    pub fn worker_threads(&self) -> usize {
        let mut workers = self.shared.lock_workers();
        workers.retain(|worker| !worker.thread.is_finished());
        workers.len()
    }

    /// Stops the server: accepts no more connections, lets live ones run
    /// for the grace period, closes those still open, and joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let shared = &self.shared;
        if shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        let deadline = Instant::now() + shared.config.shutdown_grace;
        // Idle workers are blocked in `accept`, which std cannot interrupt;
        // wake each the way any client would, by connecting. A woken worker
        // sees `stopping` and exits.
        while shared.idle.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            for _ in 0..shared.idle.load(Ordering::SeqCst) {
                let _ =
                    TcpStream::connect_timeout(&wake_address(self.addr), Duration::from_secs(1));
            }
            shared.wait_for_change(Duration::from_millis(50));
        }
        // Let live connections finish, for the grace period. (A wake-up
        // that comes between the check and the wait is missed, so the wait
        // is short and the check made again.)
        while shared.live.load(Ordering::SeqCst) > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            shared.wait_for_change(left.min(Duration::from_millis(50)));
        }
        // Past the grace period: shutting a socket down makes the handler's
        // blocked read return end-of-file at once, and its writes fail.
        let workers = std::mem::take(&mut *shared.lock_workers());
        for worker in &workers {
            if let Some(stream) = &*lock(&worker.connection) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        for worker in workers {
            let _ = worker.thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the workers share. The counters are atomics, so that a connection
/// costs no lock that every other worker also wants.
struct Shared {
    listener: TcpListener,
    handler: Box<dyn Handler>,
    config: Config,
    stopping: AtomicBool,
    /// Workers waiting in `accept` (or about to).
    idle: AtomicUsize,
    /// Connections being served.
    live: AtomicUsize,
    /// Workers that exited and whose handles are still in `workers`: a
    /// finished thread keeps its stack until its handle is dropped.
    exited: AtomicUsize,
    /// Every worker that may still be running.
    workers: Mutex<Vec<Worker>>,
    /// When the server last said it was starved (see [`starved_advice`]).
    last_starved: Mutex<Option<Instant>>,
    /// Signalled, while stopping, when a connection ends or a worker exits.
    changed: Condvar,
    changed_lock: Mutex<()>,
}

/// A worker thread, and a share of the connection it serves (to close it
/// at shutdown).
struct Worker {
    thread: JoinHandle<()>,
    connection: Slot,
}

/// Where a worker puts the connection it serves, so that `stop` can shut
/// it down. The worker and the slot share one `TcpStream` (one file
/// descriptor); the socket is closed when the worker, done, has taken it
/// out of the slot and dropped its own share.
type Slot = Arc<Mutex<Option<Arc<TcpStream>>>>;

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish()
    }
}

/// Locks a mutex even if a thread panicked while holding it: the locks here
/// guard plain bookkeeping that a panic cannot leave half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn lock_workers(&self) -> MutexGuard<'_, Vec<Worker>> {
        lock(&self.workers)
    }

    /// Wakes `stop`, if it is waiting (nobody else waits).
    fn notify_change(&self) {
        if self.stopping.load(Ordering::SeqCst) {
            let _guard = lock(&self.changed_lock);
            self.changed.notify_all();
        }
    }

    fn wait_for_change(&self, timeout: Duration) {
        let guard = lock(&self.changed_lock);
        let _ = self.changed.wait_timeout(guard, timeout);
    }
}

/// Starts a worker, counted as idle from the start so that nobody else
/// spawns one for the same gap.
fn spawn_worker(shared: &Arc<Shared>) -> io::Result<()> {
    let connection: Slot = Arc::new(Mutex::new(None));
    let worker_shared = Arc::clone(shared);
    let slot = Arc::clone(&connection);
    if !count_as_idle(shared) {
        return Ok(()); // stopping: no new workers
    }
    let spawned = thread::Builder::new()
        .name("connection".into())
        .stack_size(shared.config.stack_size)
        .spawn(move || worker(&worker_shared, &slot));
    match spawned {
        Ok(thread) => {
            let mut workers = shared.lock_workers();
            workers.retain(|worker| !worker.thread.is_finished());
            workers.push(Worker { thread, connection });
            Ok(())
        }
        Err(error) => {
            shared.idle.fetch_sub(1, Ordering::SeqCst);
            Err(error)
        }
    }
}

// ANCHOR: worker
/// A worker: accept a connection, serve it, and again, until there are
/// enough idle workers without it or the server stops.
fn worker(shared: &Arc<Shared>, slot: &Mutex<Option<Arc<TcpStream>>>) {
    loop {
        let accepted = shared.listener.accept();
        let was_idle = shared.idle.fetch_sub(1, Ordering::SeqCst);
        if shared.stopping.load(Ordering::SeqCst) {
            shared.notify_change();
            return;
        }
        match accepted {
            Ok((stream, peer)) => {
                // We were the last one waiting: make sure someone waits for
                // the next client while we serve this one. (If no thread can
                // be made, this client is served, and we accept again after.)
                if was_idle == 1 {
                    if let Err(error) = spawn_worker(shared) {
                        tell_starved(shared, &Starved::Thread(error));
                    }
                }
                match admit(shared, &stream) {
                    true => {
                        let stream = Arc::new(stream);
                        *lock(slot) = Some(Arc::clone(&stream));
                        serve(shared, &stream, peer);
                        // Out of the slot, and dropped: the socket closes.
                        *lock(slot) = None;
                        drop(stream);
                        shared.live.fetch_sub(1, Ordering::SeqCst);
                        shared.notify_change();
                        forget_exited_workers(shared);
                    }
                    false => refuse(shared, stream),
                }
            }
            Err(error) => pause_after(shared, error),
        }
        // Enough others wait already: this thread is not needed.
        if shared.idle.load(Ordering::SeqCst) >= MAX_IDLE_WORKERS {
            shared.exited.fetch_add(1, Ordering::SeqCst);
            return;
        }
        if !count_as_idle(shared) {
            return;
        }
    }
}

/// Drops the handles of workers that have exited, which frees their
/// stacks; without it a quiet server that once had a burst of clients
/// would keep a thousand dead threads' stacks mapped.
fn forget_exited_workers(shared: &Shared) {
    if shared.exited.load(Ordering::SeqCst) == 0 {
        return;
    }
    let mut workers = shared.lock_workers();
    let before = workers.len();
    workers.retain(|worker| !worker.thread.is_finished());
    let forgotten = before - workers.len();
    // Threads that ended as the server stops are not counted in `exited`.
    let _ = shared
        .exited
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            Some(n.saturating_sub(forgotten))
        });
}

/// Counts one more idle worker, unless the server is stopping.
///
/// `stop` sets `stopping` and then reads `idle`; this adds to `idle` and
/// then reads `stopping`. With sequentially consistent atomics at least one
/// of the two sees the other's write: either `stop` sees this worker and
/// wakes it, or this worker sees `stopping` and does not wait at all. No
/// worker can be left blocked in `accept` after `stop`.
fn count_as_idle(shared: &Shared) -> bool {
    shared.idle.fetch_add(1, Ordering::SeqCst);
    if shared.stopping.load(Ordering::SeqCst) {
        shared.idle.fetch_sub(1, Ordering::SeqCst);
        shared.notify_change();
        return false;
    }
    true
}
// ANCHOR_END: worker

// ANCHOR: admit
/// Counts a new connection in, with its timeouts set; `false` if the
/// server is full (or the connection is already gone).
fn admit(shared: &Shared, stream: &TcpStream) -> bool {
    let config = &shared.config;
    if shared.live.fetch_add(1, Ordering::SeqCst) >= config.max_connections {
        shared.live.fetch_sub(1, Ordering::SeqCst);
        return false;
    }
    let ready = stream.set_read_timeout(Some(config.read_timeout)).is_ok()
        && stream.set_write_timeout(Some(config.write_timeout)).is_ok();
    if !ready {
        shared.live.fetch_sub(1, Ordering::SeqCst);
    }
    ready
}

/// Tells a client over the cap that the server is busy, then closes.
fn refuse(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(BUSY_WRITE_TIMEOUT));
    let _ = shared.handler.busy(&mut stream);
    let _ = stream.flush();
    // Send our FIN after the reply, so the client reads the reply, then
    // end-of-file, and knows the server closed on purpose.
    let _ = stream.shutdown(Shutdown::Write);
}
// ANCHOR_END: admit

/// Runs the handler. A handler that fails or panics ends its own
/// connection, never the server: the panic is caught here, and the failure
/// reported.
fn serve(shared: &Shared, stream: &TcpStream, peer: SocketAddr) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shared.handler.handle(stream, peer)
    }));
    let failure = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(error)) if is_ordinary_ending(&error) => return,
        Ok(Err(error)) => Failure::Error(error),
        Err(payload) => Failure::Panic(panic_message(payload.as_ref())),
    };
    (shared.config.report)(peer, &failure);
}

/// The text a panic was given: `panic!("...")` carries a `&str` or a
/// `String`; anything else has no words to show.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// After `accept` fails: a connection reset before we took it is nothing;
/// anything else (out of file descriptors, out of memory) will not go away
/// at once, so say so and pause rather than spin.
fn pause_after(shared: &Shared, error: io::Error) {
    if !matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        tell_starved(shared, &Starved::Accept(error));
        thread::sleep(ACCEPT_ERROR_PAUSE);
    }
}

// ANCHOR: starved
/// What keeps a server from taking more connections, though it is under
/// its cap: the clients wait in the listen queue, and time out there.
#[derive(Debug)]
pub enum Starved {
    /// `accept` failed: out of file descriptors (`EMFILE`, `ENFILE`) or
    /// of memory.
    Accept(io::Error),
    /// No thread could be made for the next connection: out of memory,
    /// of the system's thread limit, or of memory maps (each thread maps
    /// its stack and guard pages; `vm.max_map_count`).
    Thread(io::Error),
}

/// The line the server prints when it is [`Starved`], with what to do:
///
/// ```text
/// cannot accept connections: Too many open files (os error 24); each connection
/// takes a file descriptor: raise the limit (`ulimit -n`, in the shell that starts
/// the server) or lower --max-connections (now 20000) to fit under it; clients
/// wait meanwhile
/// ```
pub fn starved_advice(starved: &Starved, max_connections: usize) -> String {
    match starved {
        Starved::Accept(error) if matches!(error.raw_os_error(), Some(23 | 24)) => format!(
            "cannot accept connections: {error}; each connection takes a file descriptor: \
raise the limit (`ulimit -n`, in the shell that starts the server) or lower \
--max-connections (now {max_connections}) to fit under it; clients wait meanwhile"
        ),
        Starved::Accept(error) => {
            format!("cannot accept connections: {error}; clients wait until a connection ends")
        }
        Starved::Thread(error) => format!(
            "cannot start a thread for the next connection: {error}; each connection takes \
a thread: lower --max-connections (now {max_connections}), or raise the system's limits \
(memory, `ulimit -u`, vm.max_map_count); clients wait until a connection ends"
        ),
    }
}

/// Whether to say it again, `since_last` after it was last said (`None`:
/// never said yet).
pub fn starved_report_due(since_last: Option<Duration>) -> bool {
    since_last.is_none_or(|since| since >= STARVED_REPORT_INTERVAL)
}

/// Prints [`starved_advice`] on stderr, at most once per
/// [`STARVED_REPORT_INTERVAL`].
fn tell_starved(shared: &Shared, starved: &Starved) {
    let now = Instant::now();
    let mut last = lock(&shared.last_starved);
    if starved_report_due(last.map(|last| now.saturating_duration_since(last))) {
        *last = Some(now);
        drop(last);
        let mut stderr = io::stderr().lock();
        let _ = writeln!(
            stderr,
            "{}",
            starved_advice(starved, shared.config.max_connections)
        );
    }
}
// ANCHOR_END: starved

/// Where to connect (or send a datagram) to wake a server's blocked
/// thread: a wildcard address such as 0.0.0.0 is not something one can
/// connect or send to, so loopback instead.
pub fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

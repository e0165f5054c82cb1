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
//!    period to finish, then are closed, and every thread is joined.
//!
//! ```text
//!   client                 accept thread                 worker thread
//!     |  SYN / SYN-ACK / ACK     |                              |
//!     |------------------------->| accept() -> stream           |
//!     |                          | set timeouts, count it       |
//!     |                          |-- hand over the stream ----->|
//!     |                          | accept() again               | handler.handle(stream)
//!     |<--------------------------------- protocol ------------>|
//!     |                          |                              | done: wait for the next
//! ```
//!
//! ## Why a cache of idle threads
//!
//! A thread per connection is the simplest model there is: the handler is
//! plain blocking code that reads, thinks and writes. Its cost is the
//! thread itself. Creating one (a `clone` system call, a stack mapped and
//! later unmapped) costs tens of microseconds, which is as much as a whole
//! short request. A server that spawns a thread for every connection spends
//! much of its time making threads when clients connect, ask one thing and
//! leave (HTTP with `Connection: close`, for one).
//!
//! So a worker that finishes a connection does not exit: it waits, idle, for
//! the next one, and the accept loop hands each new connection to an idle
//! worker if there is one, and spawns a new worker only when there is not.
//! It is still one connection per thread at a time, and the handler cannot
//! tell the difference. Idle workers exit after [`IDLE_WORKER_TIMEOUT`], so a
//! burst does not leave hundreds of threads behind. This is what Apache's
//! "worker" model and Java's cached thread pool do.
//!
//! The cap on live connections is [`Config::max_connections`]: each live
//! connection costs a thread and its stack (2 MiB of address space reserved
//! for a thread std spawns, a few pages of it touched), and past some thousands of threads a machine spends
//! its time switching between them. Chapter 12 measures where that is.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a worker thread with nothing to do waits for a new connection
/// before it exits. Long enough to carry a busy server from one burst of
/// connections to the next, short enough that an idle server holds few threads.
pub const IDLE_WORKER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to pause after `accept` fails for want of resources (file
/// descriptors, memory): long enough for a connection or two to end.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// How long a "busy" reply may take to write before the connection is
/// dropped: the accept loop writes it itself, so it must never wait long.
const BUSY_WRITE_TIMEOUT: Duration = Duration::from_millis(100);

/// A protocol's side of a server: what to do with one connection.
///
/// `handle` runs on a worker thread and owns the stream; when it returns,
/// the connection is closed. An `Err` ends that connection only: the server
/// goes on.
pub trait Handler: Send + Sync + 'static {
    /// Serves one connection until it ends.
    fn handle(&self, stream: TcpStream, peer: SocketAddr) -> io::Result<()>;

    /// Tells a client that the server is full, before its connection is
    /// closed: `503 Service Unavailable`, `421 Too many connections`.
    /// Runs on the accept thread, so it must only write a short reply.
    /// The default says nothing and just closes.
    fn busy(&self, stream: &mut TcpStream) -> io::Result<()> {
        let _ = stream;
        Ok(())
    }
}

/// Any function from a stream to a result is a handler with no busy reply.
impl<F> Handler for F
where
    F: Fn(TcpStream, SocketAddr) -> io::Result<()> + Send + Sync + 'static,
{
    fn handle(&self, stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
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
}

impl Default for Config {
    /// 1024 connections, 30 s to read or write, 5 s of grace at shutdown.
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
        }
    }
}

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

    /// Starts serving on a background thread and returns at once.
    pub fn spawn(self, handler: impl Handler) -> io::Result<ServerHandle> {
        let addr = self.listener.local_addr()?;
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            config: self.config,
            stopping: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            wake_worker: Condvar::new(),
            connection_ended: Condvar::new(),
        });
        let listener = self.listener;
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("accept {addr}"))
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(ServerHandle {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    /// Serves on the calling thread until the process is killed (for the
    /// examples' `serve` subcommand).
    pub fn run(self, handler: impl Handler) -> io::Result<()> {
        let mut handle = self.spawn(handler)?;
        match handle.accept_thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| io::Error::other("the accept loop panicked")),
            None => Ok(()),
        }
    }
}

/// A running server. Dropping it shuts the server down.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections are being served right now.
    pub fn live_connections(&self) -> usize {
        self.shared.lock().live.len()
    }

    /// How many worker threads exist (busy or idle).
    pub fn worker_threads(&self) -> usize {
        self.shared.lock().workers.len()
    }

    /// Stops the server: accepts no more connections, lets live ones run
    /// for the grace period, closes those still open, and joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // `accept` blocks and std offers no way to interrupt it, so we wake it
        // the way any client would: by connecting. The loop sees the flag and
        // returns. If the connection fails, the listener is already gone.
        let _ = TcpStream::connect_timeout(&wake_address(self.addr), Duration::from_secs(1));
        let _ = accept_thread.join();

        let deadline = Instant::now() + self.shared.config.shutdown_grace;
        let mut state = self.shared.lock();
        while !state.live.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .shared
                .connection_ended
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        // Past the grace period: shutting a socket down makes the handler's
        // blocked read return end-of-file at once, and its writes fail.
        for stream in state.live.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers = std::mem::take(&mut state.workers);
        drop(state);
        self.shared.wake_worker.notify_all();
        for worker in workers {
            let _ = worker.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the accept thread and the workers share.
struct Shared {
    handler: Box<dyn Handler>,
    config: Config,
    stopping: AtomicBool,
    state: Mutex<State>,
    /// Signalled when a connection is queued for an idle worker, or at shutdown.
    wake_worker: Condvar,
    /// Signalled when a connection ends (shutdown waits on it).
    connection_ended: Condvar,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held while a handler runs, so a poisoned lock
        // only means a bookkeeping step panicked; its data is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The bookkeeping, all under one lock so that handing a connection to an
/// idle worker can never race with that worker deciding to exit.
#[derive(Default)]
struct State {
    /// Connections accepted but not yet picked up by an idle worker.
    queue: VecDeque<Job>,
    /// Workers waiting for a connection. Invariant: `queue.len() <= idle`,
    /// so every queued connection has a worker that will take it.
    idle: usize,
    /// A handle on every live connection, to close them at shutdown.
    live: HashMap<u64, TcpStream>,
    /// The number the next connection gets in `live`.
    next_id: u64,
    /// Every worker thread that may still be running.
    workers: Vec<JoinHandle<()>>,
}

/// One accepted connection, on its way to a worker.
struct Job {
    stream: TcpStream,
    peer: SocketAddr,
    /// Its key in [`State::live`].
    id: u64,
}

// ANCHOR: accept_loop
fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        match accepted {
            Ok((stream, peer)) => admit(stream, peer, shared),
            // A connection reset before we could accept it: the next one
            // is fine.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) => {}
            // Anything else (out of file descriptors, out of memory) will
            // not go away at once: pause, so the loop does not spin, and
            // try again. It must not end the server.
            Err(_) => thread::sleep(ACCEPT_ERROR_PAUSE),
        }
    }
}
// ANCHOR_END: accept_loop

// ANCHOR: admit
/// Decides what happens to one freshly accepted connection.
fn admit(mut stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let config = &shared.config;
    if stream.set_read_timeout(Some(config.read_timeout)).is_err()
        || stream
            .set_write_timeout(Some(config.write_timeout))
            .is_err()
    {
        return; // The connection is already gone.
    }
    // A second handle on the socket, kept to close it at shutdown.
    let Ok(handle) = stream.try_clone() else {
        return;
    };
    let mut state = shared.lock();
    if state.live.len() >= config.max_connections {
        drop(state);
        let _ = stream.set_write_timeout(Some(BUSY_WRITE_TIMEOUT));
        let _ = shared.handler.busy(&mut stream);
        let _ = stream.flush();
        // Send our FIN after the reply, so the client reads the reply, then
        // end-of-file, and knows the server closed on purpose.
        let _ = stream.shutdown(Shutdown::Write);
        return;
    }
    let id = state.next_id;
    state.next_id += 1;
    state.live.insert(id, handle);
    let job = Job { stream, peer, id };
    if state.idle > state.queue.len() {
        // An idle worker is waiting: hand the connection over.
        state.queue.push_back(job);
        drop(state);
        shared.wake_worker.notify_one();
        return;
    }
    // Every worker is busy: make a new one (outside the lock, since making
    // a thread takes a while and workers need the lock to finish).
    state.workers.retain(|worker| !worker.is_finished());
    drop(state);
    let worker_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("connection".into())
        .spawn(move || worker(worker_shared, job));
    let mut state = shared.lock();
    match spawned {
        Ok(worker) => state.workers.push(worker),
        // No thread could be made (the system is out of them): this
        // connection cannot be served, but the next one may be.
        Err(_) => {
            state.live.remove(&id);
        }
    }
}
// ANCHOR_END: admit

// ANCHOR: worker
/// A worker: serves the connection it was made for, then waits for more.
fn worker(shared: Arc<Shared>, first: Job) {
    let mut job = Some(first);
    while let Some(Job { stream, peer, id }) = job.take() {
        // A handler that fails or panics ends its own connection, never the
        // server: the panic is caught so that the bookkeeping below runs.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = shared.handler.handle(stream, peer);
        }));
        shared.lock().live.remove(&id);
        shared.connection_ended.notify_all();
        job = next_job(&shared);
    }
}

/// Waits, idle, for the accept loop to queue a connection. `None` when none
/// came within [`IDLE_WORKER_TIMEOUT`], or the server is stopping: the worker exits.
fn next_job(shared: &Shared) -> Option<Job> {
    let deadline = Instant::now() + IDLE_WORKER_TIMEOUT;
    let mut state = shared.lock();
    state.idle += 1;
    loop {
        if let Some(job) = state.queue.pop_front() {
            state.idle -= 1;
            return Some(job);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || shared.stopping.load(Ordering::SeqCst) {
            state.idle -= 1;
            return None;
        }
        state = shared
            .wake_worker
            .wait_timeout(state, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}
// ANCHOR_END: worker

/// Where to connect to wake our own accept loop: a wildcard address such as
/// 0.0.0.0 is not something one can connect to, so use loopback instead.
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

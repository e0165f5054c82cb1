//! Network weather: a loopback proxy that makes TCP behave like a real network.
//!
//! On loopback, a 5-byte write usually arrives as one 5-byte read, which
//! hides a whole class of bugs: code that takes one `read` for one message
//! works on a laptop and fails across the internet. This proxy sits between
//! a client and a server and changes how the bytes are cut, without
//! changing the bytes:
//!
//! - `split`: every byte is sent on its own (with Nagle's algorithm off, so
//!   each byte really is its own segment and its own read);
//! - `merge`: bytes are held for a moment and sent in one write, so two
//!   messages arrive in one read;
//! - `delay`: each forwarded write waits first;
//! - `reset_after`: after that many bytes from the client, both connections
//!   are reset (RST), as when a client vanishes or a cable is pulled;
//!
//! and half-closes are passed on: when one side shuts down writing, the
//! proxy does the same towards the other.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How the proxy treats the bytes it forwards.
#[derive(Debug, Clone, Copy, Default)]
pub struct Weather {
    /// Forward one byte per write.
    pub split: bool,
    /// Gather what arrives within this long, then forward it in one write.
    pub merge: Option<Duration>,
    /// Wait this long before each forwarded write.
    pub delay: Option<Duration>,
    /// Reset both connections once this many bytes came from the client.
    pub reset_after: Option<usize>,
}

impl Weather {
    /// One byte at a time.
    pub fn split() -> Weather {
        Weather {
            split: true,
            ..Weather::default()
        }
    }

    /// Writes gathered for 5 ms and sent together.
    pub fn merge() -> Weather {
        Weather {
            merge: Some(Duration::from_millis(5)),
            ..Weather::default()
        }
    }

    /// Every kind of weather that keeps the connection up, for tests that
    /// must pass whatever the network does.
    pub fn all() -> Vec<(&'static str, Weather)> {
        vec![
            ("clear", Weather::default()),
            ("split", Weather::split()),
            ("merge", Weather::merge()),
            (
                "delay",
                Weather {
                    delay: Some(Duration::from_millis(1)),
                    ..Weather::default()
                },
            ),
        ]
    }
}

/// A running proxy. Connect to [`addr`](ChaosProxy::addr) instead of the server.
pub struct ChaosProxy {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl ChaosProxy {
    /// Starts a proxy on 127.0.0.1 (any port) in front of `target`.
    pub fn start(target: SocketAddr, weather: Weather) -> io::Result<ChaosProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let accept_thread = thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                connect_pumps(client, server, weather);
            }
        });
        Ok(ChaosProxy {
            addr,
            stopping,
            accept_thread: Some(accept_thread),
        })
    }

    /// Where clients should connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

fn connect_pumps(client: TcpStream, server: TcpStream, weather: Weather) {
    for stream in [&client, &server] {
        let _ = stream.set_nodelay(true);
    }
    let (Ok(client_writer), Ok(server_writer)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // Client to server may reset; server to client just carries the replies.
    let link = Arc::new(Link {
        client: client.try_clone().ok(),
        server: server.try_clone().ok(),
        resetting: AtomicBool::new(false),
    });
    let replies = Weather {
        reset_after: None,
        ..weather
    };
    let link2 = Arc::clone(&link);
    thread::spawn(move || pump(client, server_writer, weather, &link));
    thread::spawn(move || pump(server, client_writer, replies, &link2));
}

/// Both ends of one proxied connection, to reset them together.
struct Link {
    client: Option<TcpStream>,
    server: Option<TcpStream>,
    /// Set once a reset began: the pumps must not send FIN first.
    resetting: AtomicBool,
}

/// Forwards `from` to `to` in the given weather until `from` ends.
fn pump(mut from: TcpStream, mut to: TcpStream, weather: Weather, link: &Link) {
    let mut buf = vec![0; 64 * 1024];
    let mut forwarded = 0usize;
    loop {
        let mut n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(window) = weather.merge {
            // Gather whatever else arrives within the window.
            let _ = from.set_read_timeout(Some(window));
            while n < buf.len() {
                match from.read(&mut buf[n..]) {
                    Ok(0) | Err(_) => break,
                    Ok(more) => n += more,
                }
            }
            let _ = from.set_read_timeout(None);
        }
        if let Some(limit) = weather.reset_after {
            if forwarded + n >= limit {
                let keep = limit - forwarded;
                let _ = to.write_all(&buf[..keep]);
                link.resetting.store(true, Ordering::SeqCst);
                for stream in [&link.client, &link.server].into_iter().flatten() {
                    reset(stream);
                }
                return;
            }
        }
        if let Some(delay) = weather.delay {
            thread::sleep(delay);
        }
        let written = if weather.split {
            buf[..n]
                .iter()
                .try_for_each(|byte| to.write_all(std::slice::from_ref(byte)))
        } else {
            to.write_all(&buf[..n])
        };
        if written.is_err() {
            break;
        }
        forwarded += n;
    }
    // Pass the half-close on: the other side sees end-of-file, as it would
    // without the proxy. After a reset there is nothing to pass on.
    if !link.resetting.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Closes `stream` with a reset (RST) instead of the orderly FIN: the peer's
/// next read or write fails with "connection reset".
///
/// A socket sends RST on close when its SO_LINGER option is on with a time
/// of zero. std does not expose SO_LINGER yet (`TcpStream::set_linger` is
/// unstable), so this test helper asks the system directly.
#[cfg(target_os = "linux")]
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;

    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open for as long as `stream` lives, and the
    // option value is a valid `struct linger` of the size we pass.
    unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &linger,
            std::mem::size_of::<Linger>() as u32,
        );
    }
    // Shutting down does not close the descriptor (other clones hold it), so
    // the RST is sent when the last clone is dropped; shutdown(Read) makes
    // the pump threads on it stop now.
    let _ = stream.shutdown(Shutdown::Read);
}

#[cfg(not(target_os = "linux"))]
fn reset(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}

/// Sends `bytes` through a proxy in the given weather, then half-closes;
/// returns the receiving end, where a test reads them back as a peer would.
pub fn deliver(bytes: &'static [u8], weather: Weather) -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
    let proxy = ChaosProxy::start(listener.local_addr().expect("local address"), weather)
        .expect("start the proxy");
    let mut sender = TcpStream::connect(proxy.addr()).expect("connect to the proxy");
    let (receiver, _) = listener.accept().expect("accept from the proxy");
    thread::spawn(move || {
        let _keep_proxy = proxy;
        let _ = sender.write_all(bytes);
        let _ = sender.shutdown(Shutdown::Write);
        // Wait for the receiver to finish, so the proxy lives until then.
        let _ = sender.read(&mut [0]);
    });
    receiver
}

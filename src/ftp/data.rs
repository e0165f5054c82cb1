//! The client's data connections: connecting to the port a passive server
//! opened, or listening for an active server to connect.
//!
//! [`super::client`] decides which, and sends the commands; this file
//! holds the sockets.
//!
//! # Passive: connect to the control connection's peer
//!
//! A `229` reply carries a port and no address (RFC 2428 §3): the client
//! connects to the host it already talks to. A `227` reply carries an
//! address too, and this client takes only its port from it, as curl has
//! done by default since 7.74.0 (CVE-2020-8284) and python's `ftplib`
//! since 3.9.3 (bpo-43285), both in 2020-2021. Two reasons:
//!
//! - a server behind NAT knows only its private address and sends it
//!   (`227 Entering Passive Mode (10,0,0,5,195,140)`): the client cannot
//!   reach it, and the server's public address is the one the control
//!   connection already goes to;
//! - a hostile server can name *another* host, on the client's side of a
//!   firewall, and turn the client into a port scanner of its own network
//!   (the mirror of the bounce attack of RFC 2577 §3).
//!
//! # Active: accept with a time limit
//!
//! In active mode the client listens, on the address its control
//! connection uses (the one the server can reach), on a port the system
//! picks. The order keeps it simple: the client sends `RETR`, reads the
//! `150`, and only then calls `accept`. By then the server has usually
//! connected (vsftpd connects on `RETR`, then says `150`; pyftpdlib
//! connects as soon as `EPRT` arrives), and nothing waited for it: the
//! system completes a connection into the listener's backlog before
//! `accept` is called. A server that answers `550` never connects, and
//! the client never waits for it.
//!
//! Still, a server may say `150` and never connect, and std's `accept` has
//! no timeout. So the listener is non-blocking, and [`DataListener::accept`]
//! tries, then sleeps [`ACCEPT_POLL`], until the timeout: a few wake-ups in
//! the usual case, where the connection is already waiting; no thread.
//! The connection accepted must come from the server's address: anyone
//! else who found the port could otherwise feed the client a file.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// How long [`DataListener::accept`] sleeps between two tries. It is the
/// most delay the poll adds once the server has connected, small next to
/// any transfer; and 200 wake-ups a second while waiting cost no CPU that
/// shows in `top`.
pub const ACCEPT_POLL: Duration = Duration::from_millis(5);

/// Why a data connection could not be opened.
#[derive(Debug)]
pub enum DataError {
    /// Connecting to the server's data port failed.
    Connect {
        /// Where the client tried to connect.
        to: SocketAddr,
        /// Why.
        error: io::Error,
    },
    /// Listening for the server (active mode) failed.
    Listen(io::Error),
    /// The server did not connect to the client's port in time.
    AcceptTimeout {
        /// Where the client listened.
        on: SocketAddr,
        /// How long it waited.
        waited: Duration,
    },
    /// A connection came from another host than the server.
    UnexpectedPeer {
        /// Who connected.
        from: SocketAddr,
        /// The server's address, the one expected.
        expected: IpAddr,
    },
    /// Accepting failed for another reason.
    Accept(io::Error),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Connect { to, error } => write!(
                f,
                "could not open the data connection to {to}: {error} \
                 (a firewall between client and server? try active mode)"
            ),
            DataError::Listen(error) => {
                write!(f, "could not listen for the data connection: {error}")
            }
            DataError::AcceptTimeout { on, waited } => write!(
                f,
                "the server did not connect to {on} within {} s \
                 (a firewall or NAT on the client's side? try passive mode)",
                waited.as_secs_f64()
            ),
            DataError::UnexpectedPeer { from, expected } => write!(
                f,
                "refused a data connection from {from}: only the server, {expected}, may connect"
            ),
            DataError::Accept(error) => {
                write!(f, "could not accept the data connection: {error}")
            }
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Connect { error, .. }
            | DataError::Listen(error)
            | DataError::Accept(error) => Some(error),
            _ => None,
        }
    }
}

/// Connects to a passive server's data port, and gives the connection the
/// timeout of every other wait.
pub fn connect_passive(to: SocketAddr, timeout: Duration) -> Result<TcpStream, DataError> {
    let connect = || -> io::Result<TcpStream> {
        let stream = TcpStream::connect_timeout(&to, timeout)?;
        set_timeouts(&stream, timeout)?;
        Ok(stream)
    };
    connect().map_err(|error| DataError::Connect { to, error })
}

/// A client's listener for one active-mode data connection.
#[derive(Debug)]
pub struct DataListener {
    listener: TcpListener,
    addr: SocketAddr,
}

impl DataListener {
    /// Listens on `ip` (the control connection's local address), on a port
    /// the system picks.
    pub fn bind(ip: IpAddr) -> Result<DataListener, DataError> {
        let bind = || -> io::Result<DataListener> {
            let listener = TcpListener::bind(SocketAddr::new(ip, 0))?;
            listener.set_nonblocking(true)?;
            let addr = listener.local_addr()?;
            Ok(DataListener { listener, addr })
        };
        bind().map_err(DataError::Listen)
    }

    /// The address to send in `EPRT` or `PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits at most `timeout` for the server, at `server`, to connect.
    pub fn accept(&self, server: IpAddr, timeout: Duration) -> Result<TcpStream, DataError> {
        let started = Instant::now();
        loop {
            match self.listener.accept() {
                Ok((stream, from)) => {
                    if from.ip() != server {
                        // Dropped: closed at once. The server may still come.
                        drop(stream);
                        return Err(DataError::UnexpectedPeer {
                            from,
                            expected: server,
                        });
                    }
                    let ready = || -> io::Result<TcpStream> {
                        // Whether an accepted socket inherits non-blocking
                        // mode differs between systems: say it.
                        stream.set_nonblocking(false)?;
                        set_timeouts(&stream, timeout)?;
                        Ok(stream)
                    };
                    return ready().map_err(DataError::Accept);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    if started.elapsed() >= timeout {
                        return Err(DataError::AcceptTimeout {
                            on: self.addr,
                            waited: timeout,
                        });
                    }
                    thread::sleep(ACCEPT_POLL);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(DataError::Accept(error)),
            }
        }
    }
}

/// A read or write on a data connection waits at most `timeout`.
fn set_timeouts(stream: &TcpStream, timeout: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn a_server_that_never_connects_times_out() {
        let listener = DataListener::bind(LOOPBACK).unwrap();
        let error = listener
            .accept(LOOPBACK, Duration::from_millis(30))
            .unwrap_err();
        assert!(matches!(error, DataError::AcceptTimeout { .. }), "{error}");
        assert!(error.to_string().starts_with(&format!(
            "the server did not connect to {} within 0.03 s",
            listener.addr()
        )));
    }

    #[test]
    fn a_connection_from_another_host_is_refused() {
        let listener = DataListener::bind(LOOPBACK).unwrap();
        let _stranger = TcpStream::connect(listener.addr()).unwrap();
        let server = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        let error = listener.accept(server, Duration::from_secs(5)).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("only the server, 192.0.2.7, may connect"),
            "{error}"
        );
    }

    #[test]
    fn the_server_connecting_first_is_accepted() {
        let listener = DataListener::bind(LOOPBACK).unwrap();
        let server = TcpStream::connect(listener.addr()).unwrap();
        let accepted = listener.accept(LOOPBACK, Duration::from_secs(5)).unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), server.local_addr().unwrap());
    }
}

//! Exercise 08: find the data port in a passive-mode reply.
//!
//! Before a transfer, a client in passive mode asks the server for a port
//! to connect to, and must read the answer out of the reply's text. Write
//! the two functions below. Each gets the text of the reply *after* its
//! code and space: for `227 Entering Passive Mode (127,0,0,1,195,140).` it
//! gets `Entering Passive Mode (127,0,0,1,195,140).`
//!
//! - `parse_pasv_reply`, for the 227 reply to `PASV` (RFC 959 §4.1.2):
//!   six numbers `h1,h2,h3,h4,p1,p2`, each from 0 to 255; the address is
//!   `h1.h2.h3.h4`, the port `p1 * 256 + p2`. RFC 1123 §4.1.2.6 warns that
//!   the words around the numbers vary, and that the parentheses may be
//!   missing: a client must scan the text for the numbers.
//! - `parse_epsv_reply`, for the 229 reply to `EPSV` (RFC 2428 §3): a port
//!   between three delimiters and one more, in parentheses, `(|||6446|)`.
//!   The delimiter is usually `|`, but may be any character from ASCII 33
//!   to 126, the same four times.
//!
//! Anything else is an error: return any `AddressError` (the tests only
//! check that it is one). The numbers come from the network: no input may
//! panic, not even `99999999999999999999999` where a byte should be.
//!
//! Run the tests:          cargo test --test ex08
//! See the reference pass: cargo test --test ex08 --features solutions

use std::net::SocketAddrV4;

// ---- Your code: replace the todo!()s -------------------------------------

#[cfg(not(feature = "solutions"))]
use netlessons::ftp::address::AddressError;

/// The address in the text of a 227 reply.
#[cfg(not(feature = "solutions"))]
fn parse_pasv_reply(text: &str) -> Result<SocketAddrV4, AddressError> {
    let _ = text;
    todo!(
        "Hint: split the text into runs of digits and commas (anything else ends a run), \
         and try each run in turn: drop commas at its ends, then it must be exactly six \
         numbers. Parse each number digit by digit and stop as soon as it passes 255, so \
         that no length of digits can overflow. Then Ipv4Addr::new(h1, h2, h3, h4) and \
         u16::from_be_bytes([p1, p2])."
    )
}

/// The port in the text of a 229 reply.
#[cfg(not(feature = "solutions"))]
fn parse_epsv_reply(text: &str) -> Result<u16, AddressError> {
    let _ = text;
    todo!(
        "Hint: for each '(' in the text, take the character after it as the delimiter \
         (only if it is in b'!'..=b'~'), split what follows at it, and expect three empty \
         fields, the port, then a field that starts with ')'. The port is digits only, at \
         most 65535: check as you add each digit."
    )
}

#[cfg(feature = "solutions")]
use netlessons::ftp::address::{parse_epsv_reply, parse_pasv_reply};

// ---- Tests: run them, don't change them -----------------------------------

use netlessons::ftp::server::FtpHandler;
use netlessons::ftp::session::Users;
use netlessons::serve::Server;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};

fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> Option<SocketAddrV4> {
    Some(SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), port))
}

#[test]
fn a_pasv_reply_gives_an_address_and_a_port() {
    // RFC 959 §4.1.2: port = p1 * 256 + p2.
    let table = [
        (
            "Entering Passive Mode (127,0,0,1,195,140).",
            v4(127, 0, 0, 1, 195 * 256 + 140),
        ),
        (
            "Entering Passive Mode (192,0,2,7,0,21)",
            v4(192, 0, 2, 7, 21),
        ),
        ("Entering Passive Mode (0,0,0,0,0,0)", v4(0, 0, 0, 0, 0)),
        (
            "Entering Passive Mode (255,255,255,255,255,255)",
            v4(255, 255, 255, 255, 65535),
        ),
    ];
    for (text, expected) in table {
        assert_eq!(parse_pasv_reply(text).ok(), expected, "{text:?}");
    }
}

#[test]
fn a_pasv_reply_is_scanned_whatever_its_words() {
    // RFC 1123 §4.1.2.6: the text varies, the parentheses may be missing.
    let table = [
        ("Entering Passive Mode 10,0,0,5,4,1", v4(10, 0, 0, 5, 1025)),
        ("=127,0,0,1,195,140", v4(127, 0, 0, 1, 50060)),
        ("Passive mode on (10,0,0,5,4,1) ok", v4(10, 0, 0, 5, 1025)),
        // A number before the address is not part of it.
        ("Mode 2 on 10,0,0,5,4,1.", v4(10, 0, 0, 5, 1025)),
    ];
    for (text, expected) in table {
        assert_eq!(parse_pasv_reply(text).ok(), expected, "{text:?}");
    }
}

#[test]
fn a_malformed_pasv_reply_is_an_error() {
    let table = [
        ("", "empty"),
        ("Entering Passive Mode", "no numbers"),
        ("Entering Passive Mode (127,0,0,1,195)", "five numbers"),
        (
            "Entering Passive Mode (127,0,0,1,195,140,7)",
            "seven numbers",
        ),
        (
            "Entering Passive Mode (127,0,0,256,195,140)",
            "256 is not a byte",
        ),
        (
            "Entering Passive Mode (127,0,0,1,195,99999999999999999999999)",
            "overflows any integer",
        ),
        ("Entering Passive Mode (127,0,0,1,,140)", "an empty number"),
        (
            "Entering Passive Mode (127,0,0,1,-1,140)",
            "a negative number",
        ),
        ("Entering Passive Mode (a,b,c,d,e,f)", "letters"),
        (
            "Entering Passive Mode (127.0.0.1:50060)",
            "not the RFC's form",
        ),
    ];
    for (text, why) in table {
        assert!(
            parse_pasv_reply(text).is_err(),
            "{text:?} ({why}) is not an address"
        );
    }
}

#[test]
fn an_epsv_reply_gives_a_port() {
    let table = [
        ("Entering Extended Passive Mode (|||50060|)", 50060),
        ("Entering Extended Passive Mode (|||6446|).", 6446),
        ("Entering Extended Passive Mode (|||0|)", 0),
        ("Entering Extended Passive Mode (|||65535|)", 65535),
        // RFC 2428 §3: any delimiter from ASCII 33 to 126.
        ("Entering Extended Passive Mode (!!!6446!)", 6446),
        ("ok (###21#) and more words", 21),
    ];
    for (text, port) in table {
        assert_eq!(parse_epsv_reply(text).ok(), Some(port), "{text:?}");
    }
}

#[test]
fn a_malformed_epsv_reply_is_an_error() {
    let table = [
        ("", "empty"),
        ("Entering Extended Passive Mode", "no port"),
        ("Entering Extended Passive Mode |||6446|", "no parentheses"),
        (
            "Entering Extended Passive Mode (|||6446|",
            "no closing parenthesis",
        ),
        (
            "Entering Extended Passive Mode (||6446|)",
            "two delimiters first, not three",
        ),
        (
            "Entering Extended Passive Mode (|||6446#)",
            "two delimiters",
        ),
        ("Entering Extended Passive Mode (|||65536|)", "past 65535"),
        (
            "Entering Extended Passive Mode (|||99999999999999999999|)",
            "overflows any integer",
        ),
        ("Entering Extended Passive Mode (|||)", "an empty port"),
        ("Entering Extended Passive Mode (|||-1|)", "a negative port"),
        (
            "Entering Extended Passive Mode (||| 6446|)",
            "a space in the port",
        ),
        (
            "Entering Extended Passive Mode (   6446 )",
            "a space is no delimiter",
        ),
        (
            "Entering Extended Passive Mode (|1|127.0.0.1|6446|)",
            "a 229 names no address",
        ),
    ];
    for (text, why) in table {
        assert!(
            parse_epsv_reply(text).is_err(),
            "{text:?} ({why}) is not a port"
        );
    }
}

/// Sends `line` on the control connection and returns the reply's line.
fn ask(control: &mut BufReader<TcpStream>, line: &str) -> String {
    control
        .get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .unwrap();
    read_reply(control)
}

fn read_reply(control: &mut BufReader<TcpStream>) -> String {
    let mut reply = String::new();
    control.read_line(&mut reply).unwrap();
    reply.trim_end().to_string()
}

#[test]
fn your_parsers_find_the_port_of_a_real_server() {
    // The crate's FTP server on loopback, serving one file. Your parsers
    // read its PASV and EPSV replies; connecting to the port they find,
    // and receiving the file there, proves them right.
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("notes.txt"), "two connections\n").unwrap();
    let users = Users::new().with_user("alice", "secret");
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(FtpHandler::new(root.path(), users).unwrap())
        .unwrap();
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    let mut control = BufReader::new(stream);
    assert!(read_reply(&mut control).starts_with("220"));
    assert!(ask(&mut control, "USER alice").starts_with("331"));
    assert!(ask(&mut control, "PASS secret").starts_with("230"));
    // Image type: the bytes as they are (the default, ASCII, would send
    // the file's LF line ends as CR LF).
    assert!(ask(&mut control, "TYPE I").starts_with("200"));
    for verb in ["PASV", "EPSV"] {
        let reply = ask(&mut control, verb);
        let text = &reply[4..];
        let port = match verb {
            "PASV" => parse_pasv_reply(text).map(|addr| addr.port()),
            _ => parse_epsv_reply(text),
        };
        let port = port.unwrap_or_else(|error| panic!("{reply:?}: {error}"));
        let mut data = TcpStream::connect(SocketAddr::new(server.local_addr().ip(), port))
            .unwrap_or_else(|error| panic!("{reply:?}: nobody listens on port {port}: {error}"));
        assert!(ask(&mut control, "RETR notes.txt").starts_with("150"));
        let mut file = String::new();
        data.read_to_string(&mut file).unwrap();
        assert_eq!(file, "two connections\n", "after {verb}");
        assert!(read_reply(&mut control).starts_with("226"));
    }
    assert!(ask(&mut control, "QUIT").starts_with("221"));
    server.shutdown();
}

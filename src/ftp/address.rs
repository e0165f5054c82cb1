//! Where the data connection goes: the addresses of `PORT`, `PASV`,
//! `EPRT` and `EPSV`, and the rule that keeps `PORT` from being an attack.
//!
//! # PORT and PASV: six numbers (RFC 959 §4.1.2, §5.3.2)
//!
//! The original commands write an IPv4 address and a port as six decimal
//! numbers, one per byte, the port's high byte first:
//!
//! ```text
//! <host-port>   ::= <host-number>,<port-number>
//! <host-number> ::= <number>,<number>,<number>,<number>
//! <port-number> ::= <number>,<number>
//! <number>      ::= any decimal integer 1 through 255
//!
//! PORT 127,0,0,1,195,140                       127.0.0.1, port 195 * 256 + 140 = 50060
//! 227 Entering Passive Mode (127,0,0,1,195,140)
//! ```
//!
//! (RFC 959 says 1 through 255, but a zero byte is common in both
//! addresses and ports, and every server accepts it: so 0 to 255 here.)
//! The wording of the 227 reply is not fixed: RFC 1123 §4.1.2.6 warns that
//! servers leave out the parentheses or change the text, so a client must
//! scan the text for the numbers, as [`parse_pasv_reply`] does.
//!
//! # EPRT and EPSV: any address family (RFC 2428)
//!
//! Six bytes cannot hold an IPv6 address, so RFC 2428 adds two commands
//! that write the address as text, between delimiters:
//!
//! ```text
//! EPRT <d><net-prt><d><net-addr><d><tcp-port><d>        (§2)
//! EPRT |1|132.235.1.2|6275|                             1 = IPv4
//! EPRT |2|1080::8:800:200C:417A|5282|                   2 = IPv6
//!
//! 229 Entering Extended Passive Mode (|||6446|)         (§3)
//! ```
//!
//! The delimiter `<d>` is `|` unless the sender chose another character
//! from ASCII 33 to 126. The EPSV reply carries the port alone: the client
//! connects to the address it already uses for the control connection,
//! which is also what makes EPSV work through NAT.
//!
//! # The bounce attack (RFC 2577 §3)
//!
//! `PORT` lets a client name *any* address: an attacker can make the server
//! connect to a third machine, a mail server behind a firewall say, and
//! send it the bytes of a file uploaded earlier. [`check_port_target`] is
//! the rule every server applies before it connects: the address must be
//! the client's own, and the port must not be a well-known one.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

/// The lowest port a data connection may be opened to. RFC 2577 §3: below
/// 1024 are the well-known services (SMTP on 25, the FTP control port
/// itself), which a bounced connection could feed with forged commands.
pub const MIN_DATA_PORT: u16 = 1024;

/// The network protocol of `EPRT` and `EPSV`, numbered as in RFC 2428 §2
/// (the address family numbers of IANA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkProtocol {
    /// `1`: IPv4.
    Ipv4,
    /// `2`: IPv6.
    Ipv6,
}

impl NetworkProtocol {
    /// The number that names it on the wire.
    pub fn number(self) -> u8 {
        match self {
            NetworkProtocol::Ipv4 => 1,
            NetworkProtocol::Ipv6 => 2,
        }
    }

    /// The protocol of an address.
    pub fn of(ip: IpAddr) -> NetworkProtocol {
        match ip {
            IpAddr::V4(_) => NetworkProtocol::Ipv4,
            IpAddr::V6(_) => NetworkProtocol::Ipv6,
        }
    }

    /// The protocol named by `text`: `1` or `2`. Any other number is a
    /// protocol this crate does not speak (522); anything else is no number.
    pub fn parse(text: &str) -> Result<NetworkProtocol, AddressError> {
        match text {
            "1" => Ok(NetworkProtocol::Ipv4),
            "2" => Ok(NetworkProtocol::Ipv6),
            _ if is_digits(text) => Err(AddressError::UnsupportedProtocol),
            _ => Err(AddressError::BadProtocol),
        }
    }
}

/// Why a text is not the address it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressError {
    /// Not six numbers separated by commas.
    NotSixNumbers,
    /// One of the six numbers is larger than 255.
    NumberTooLarge,
    /// A 227 reply with no six numbers anywhere in its text.
    NoPassiveAddress,
    /// The first character of an EPRT argument cannot be a delimiter.
    BadDelimiter,
    /// Not `<d>proto<d>address<d>port<d>` with one delimiter throughout.
    NotThreeFields,
    /// The protocol field is not a number.
    BadProtocol,
    /// A protocol number other than 1 (IPv4) and 2 (IPv6).
    UnsupportedProtocol,
    /// The address is not an IP address of the protocol named.
    BadIpAddress,
    /// The port is not a number from 0 to 65535.
    BadPort,
    /// A 229 reply with no `(|||port|)` in its text.
    NoExtendedPassivePort,
}

impl AddressError {
    /// The reply code a server answers a command with this error:
    /// 522 for a protocol it does not speak (RFC 2428 §2), else 501.
    pub fn reply_code(self) -> u16 {
        match self {
            AddressError::UnsupportedProtocol => 522,
            _ => 501,
        }
    }
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressError::NotSixNumbers => {
                "expected six numbers separated by commas: h1,h2,h3,h4,p1,p2"
            }
            AddressError::NumberTooLarge => "each of the six numbers must be from 0 to 255",
            AddressError::NoPassiveAddress => "no h1,h2,h3,h4,p1,p2 in the 227 reply",
            AddressError::BadDelimiter => {
                "the argument must start with a delimiter such as | (ASCII 33 to 126)"
            }
            AddressError::NotThreeFields => "expected |protocol|address|port|",
            AddressError::BadProtocol => "the protocol must be 1 (IPv4) or 2 (IPv6)",
            // The words RFC 2428 §2 asks for, with the list to use instead.
            AddressError::UnsupportedProtocol => "Network protocol not supported, use (1,2)",
            AddressError::BadIpAddress => "not an IP address of the protocol given",
            AddressError::BadPort => "the port must be a number from 0 to 65535",
            AddressError::NoExtendedPassivePort => "no (|||port|) in the 229 reply",
        })
    }
}

impl std::error::Error for AddressError {}

// ANCHOR: host_port
/// Parses the argument of `PORT`: `h1,h2,h3,h4,p1,p2`, exactly six
/// numbers from 0 to 255, nothing around them. (RFC 959 calls this a
/// `<host-port>`; a URL's `host:port` is [`crate::url::parse_host_port`].)
pub fn parse_host_port_numbers(text: &str) -> Result<SocketAddrV4, AddressError> {
    let mut bytes = [0u8; 6];
    let mut numbers = text.split(',');
    for byte in bytes.iter_mut() {
        *byte = parse_byte(numbers.next().ok_or(AddressError::NotSixNumbers)?)?;
    }
    if numbers.next().is_some() {
        return Err(AddressError::NotSixNumbers);
    }
    let [h1, h2, h3, h4, p1, p2] = bytes;
    let port = u16::from_be_bytes([p1, p2]);
    Ok(SocketAddrV4::new(Ipv4Addr::new(h1, h2, h3, h4), port))
}

/// Formats an address as `PORT` and the 227 reply write it:
/// `127,0,0,1,195,140`.
pub fn format_host_port_numbers(address: SocketAddrV4) -> String {
    let [h1, h2, h3, h4] = address.ip().octets();
    let [p1, p2] = address.port().to_be_bytes();
    format!("{h1},{h2},{h3},{h4},{p1},{p2}")
}

/// One number of `h1,...,p2`: decimal digits only, at most 255. Digits
/// are added one at a time and the loop stops past 255, so no number of
/// digits (`99999999999999999999`) can overflow.
fn parse_byte(text: &str) -> Result<u8, AddressError> {
    if !is_digits(text) {
        return Err(AddressError::NotSixNumbers);
    }
    let mut value: u16 = 0;
    for digit in text.bytes() {
        value = value * 10 + u16::from(digit - b'0');
        if value > 255 {
            return Err(AddressError::NumberTooLarge);
        }
    }
    Ok(value as u8)
}
// ANCHOR_END: host_port

/// Whether `text` is one or more ASCII digits.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

// ANCHOR: pasv_reply
/// Finds the address in the text of a 227 reply (without its code):
/// `Entering Passive Mode (127,0,0,1,195,140).`
///
/// RFC 1123 §4.1.2.6: the wording varies and the parentheses may be
/// missing, so the text is scanned: the address is the first run of
/// digits and commas (commas at its ends are punctuation) that is six
/// numbers. Each run is tried once, so the scan takes linear time.
pub fn parse_pasv_reply(text: &str) -> Result<SocketAddrV4, AddressError> {
    text.split(|c: char| !c.is_ascii_digit() && c != ',')
        .map(|run| run.trim_matches(','))
        .find_map(|run| parse_host_port_numbers(run).ok())
        .ok_or(AddressError::NoPassiveAddress)
}

/// The text of a 227 reply for `address`, without the code:
/// `Entering Passive Mode (127,0,0,1,195,140)`, the wording of RFC 959 §4.2.2.
pub fn format_pasv_reply(address: SocketAddrV4) -> String {
    format!(
        "Entering Passive Mode ({})",
        format_host_port_numbers(address)
    )
}
// ANCHOR_END: pasv_reply

// ANCHOR: eprt
/// Parses the argument of `EPRT` (RFC 2428 §2): `|1|132.235.1.2|6275|` or
/// `|2|1080::8:800:200C:417A|5282|`, with any delimiter from ASCII 33 to 126.
pub fn parse_eprt(text: &str) -> Result<SocketAddr, AddressError> {
    let delimiter = delimiter_at_start(text)?;
    // "", protocol, address, port, "": four delimiters, nothing outside them.
    let mut fields = text.split(delimiter);
    let (Some(""), Some(protocol), Some(address), Some(port), Some(""), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(AddressError::NotThreeFields);
    };
    let protocol = NetworkProtocol::parse(protocol)?;
    let ip: IpAddr = address.parse().map_err(|_| AddressError::BadIpAddress)?;
    if NetworkProtocol::of(ip) != protocol {
        return Err(AddressError::BadIpAddress);
    }
    Ok(SocketAddr::new(ip, parse_port(port)?))
}

/// Formats an address as the argument of `EPRT`: `|1|127.0.0.1|50060|`.
pub fn format_eprt(address: SocketAddr) -> String {
    let protocol = NetworkProtocol::of(address.ip()).number();
    format!("|{protocol}|{}|{}|", address.ip(), address.port())
}

/// The delimiter that starts `text`: one character from ASCII 33 to 126
/// (printable, not a space), as RFC 2428 §2 requires.
fn delimiter_at_start(text: &str) -> Result<char, AddressError> {
    match text.bytes().next() {
        Some(byte @ 33..=126) => Ok(char::from(byte)),
        _ => Err(AddressError::BadDelimiter),
    }
}

/// A TCP port in decimal: digits only, at most 65535, with the same
/// overflow-proof loop as [`parse_byte`].
fn parse_port(text: &str) -> Result<u16, AddressError> {
    if !is_digits(text) {
        return Err(AddressError::BadPort);
    }
    let mut value: u32 = 0;
    for digit in text.bytes() {
        value = value * 10 + u32::from(digit - b'0');
        if value > u32::from(u16::MAX) {
            return Err(AddressError::BadPort);
        }
    }
    Ok(value as u16)
}
// ANCHOR_END: eprt

// ANCHOR: epsv_reply
/// Finds the port in the text of a 229 reply (without its code):
/// `Entering Extended Passive Mode (|||6446|)` (RFC 2428 §3). The
/// delimiter may be any character from ASCII 33 to 126, the same four times.
pub fn parse_epsv_reply(text: &str) -> Result<u16, AddressError> {
    for (open, _) in text.match_indices('(') {
        let inside = &text[open + 1..];
        let Ok(delimiter) = delimiter_at_start(inside) else {
            continue;
        };
        let mut fields = inside.split(delimiter);
        // "", "", "", port, then ")" and whatever text follows it.
        if let (Some(""), Some(""), Some(""), Some(port), Some(after)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) {
            if after.starts_with(')') {
                if let Ok(port) = parse_port(port) {
                    return Ok(port);
                }
            }
        }
    }
    Err(AddressError::NoExtendedPassivePort)
}

/// The text of a 229 reply for `port`, without the code:
/// `Entering Extended Passive Mode (|||6446|)`.
pub fn format_epsv_reply(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}
// ANCHOR_END: epsv_reply

/// Why a server refuses to open a data connection to the address of a
/// `PORT` or `EPRT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRefusal {
    /// The address is not the one the control connection comes from: the
    /// bounce attack.
    OtherHost,
    /// The port is below [`MIN_DATA_PORT`]: a well-known service.
    PrivilegedPort,
}

impl PortRefusal {
    /// The reply code: 504, "Command not implemented for that parameter".
    ///
    /// RFC 2577 §3 suggests 504 for a port below 1024. For another host it
    /// names no code; vsftpd answers both with `500 Illegal PORT command.`,
    /// but 500 means "command unrecognized", and this command was
    /// understood: it is its parameter that is refused, so 504 for both.
    pub fn reply_code(self) -> u16 {
        504
    }
}

impl fmt::Display for PortRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortRefusal::OtherHost => {
                "data connections go only to the address the commands come from"
            }
            PortRefusal::PrivilegedPort => "data connections go only to ports from 1024 up",
        })
    }
}

impl std::error::Error for PortRefusal {}

// ANCHOR: check_port_target
/// The rule of RFC 2577 §3 for `PORT` and `EPRT`: the server connects
/// only to the client's own address (`client`, the peer of the control
/// connection), and never to a port below [`MIN_DATA_PORT`].
pub fn check_port_target(requested: SocketAddr, client: SocketAddr) -> Result<(), PortRefusal> {
    // A dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d, while
    // its PORT says a.b.c.d: the same host, so compare canonical forms.
    if requested.ip().to_canonical() != client.ip().to_canonical() {
        return Err(PortRefusal::OtherHost);
    }
    if requested.port() < MIN_DATA_PORT {
        return Err(PortRefusal::PrivilegedPort);
    }
    Ok(())
}
// ANCHOR_END: check_port_target

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn socket_v6(ip: Ipv6Addr, port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V6(ip), port)
    }

    fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), port)
    }

    #[test]
    fn host_port_table() {
        use AddressError::*;
        let table: &[(&str, Result<SocketAddrV4, AddressError>)] = &[
            ("127,0,0,1,195,140", Ok(v4(127, 0, 0, 1, 50060))),
            ("10,1,2,3,0,21", Ok(v4(10, 1, 2, 3, 21))),
            ("255,255,255,255,255,255", Ok(v4(255, 255, 255, 255, 65535))),
            // Leading zeros are still the number.
            ("127,000,000,001,4,001", Ok(v4(127, 0, 0, 1, 1025))),
            ("127,0,0,1,256,0", Err(NumberTooLarge)),
            // Far too large for any integer type: refused, no overflow.
            ("99999999999999999999,0,0,1,4,1", Err(NumberTooLarge)),
            ("127,0,0,1,4", Err(NotSixNumbers)),
            ("127,0,0,1,4,1,9", Err(NotSixNumbers)),
            ("127,0,0,1,4,", Err(NotSixNumbers)),
            ("127,0,0,1,4,-1", Err(NotSixNumbers)),
            ("127, 0,0,1,4,1", Err(NotSixNumbers)),
            (" 127,0,0,1,4,1", Err(NotSixNumbers)),
            ("127.0.0.1:1025", Err(NotSixNumbers)),
            ("+1,0,0,1,4,1", Err(NotSixNumbers)),
            ("", Err(NotSixNumbers)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_host_port_numbers(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn host_ports_written_are_read_back() {
        for address in [
            v4(0, 0, 0, 0, 0),
            v4(127, 0, 0, 1, 50060),
            v4(1, 2, 3, 4, 65535),
        ] {
            let text = format_host_port_numbers(address);
            assert_eq!(parse_host_port_numbers(&text), Ok(address), "{text}");
            assert_eq!(parse_pasv_reply(&format_pasv_reply(address)), Ok(address));
        }
        assert_eq!(
            format_host_port_numbers(v4(127, 0, 0, 1, 50060)),
            "127,0,0,1,195,140"
        );
    }

    #[test]
    fn a_prefix_of_host_port_numbers_is_six_numbers_or_refused() {
        let text = "127,0,0,1,195,140";
        for end in 0..text.len() {
            // A prefix that ends in a digit is six numbers only if it has
            // five commas; "127,0,0,1,195,14" is a real, other address.
            let expected_ok = text[..end].matches(',').count() == 5 && !text[..end].ends_with(',');
            assert_eq!(
                parse_host_port_numbers(&text[..end]).is_ok(),
                expected_ok,
                "{end}"
            );
        }
    }

    #[test]
    fn pasv_reply_texts_of_real_servers() {
        // RFC 1123 §4.1.2.6: scan for the numbers, whatever is around them.
        let expected = Ok(v4(192, 168, 1, 2, 50060));
        for text in [
            "Entering Passive Mode (192,168,1,2,195,140)",
            "Entering Passive Mode (192,168,1,2,195,140).",
            "Entering Passive Mode 192,168,1,2,195,140",
            "=192,168,1,2,195,140",
            "192,168,1,2,195,140",
            // Digits before the address are not the address.
            "Entering Passive Mode v2 (192,168,1,2,195,140)",
            "Mode 1, then (192,168,1,2,195,140)",
            "Entering Passive Mode,192,168,1,2,195,140,",
        ] {
            assert_eq!(parse_pasv_reply(text), expected, "{text:?}");
        }
        for text in [
            "",
            "Entering Passive Mode",
            "Entering Passive Mode (192,168,1,2,195)",
            "Entering Passive Mode (192,168,1,2,195,140,7)",
            "Entering Passive Mode (192,168,1,2,195,1400)",
        ] {
            assert_eq!(
                parse_pasv_reply(text),
                Err(AddressError::NoPassiveAddress),
                "{text:?}"
            );
        }
    }

    #[test]
    fn eprt_table() {
        use AddressError::*;
        let rfc_v6: Ipv6Addr = "1080::8:800:200C:417A".parse().unwrap();
        let table: &[(&str, Result<SocketAddr, AddressError>)] = &[
            // RFC 2428 §2's two examples.
            ("|1|132.235.1.2|6275|", Ok(v4(132, 235, 1, 2, 6275).into())),
            (
                "|2|1080::8:800:200C:417A|5282|",
                Ok(socket_v6(rfc_v6, 5282)),
            ),
            // Any delimiter from 33 to 126.
            ("!1!127.0.0.1!50060!", Ok(v4(127, 0, 0, 1, 50060).into())),
            ("~2~::1~1025~", Ok(socket_v6(Ipv6Addr::LOCALHOST, 1025))),
            (" 1 127.0.0.1 50060 ", Err(BadDelimiter)),
            ("\u{7f}1\u{7f}127.0.0.1\u{7f}50060\u{7f}", Err(BadDelimiter)),
            ("", Err(BadDelimiter)),
            ("|1|127.0.0.1|50060", Err(NotThreeFields)),
            ("|1|127.0.0.1|50060|x", Err(NotThreeFields)),
            ("|1|127.0.0.1|50060||", Err(NotThreeFields)),
            ("|1|127.0.0.1!50060!", Err(NotThreeFields)),
            // RFC 2428 §2: a protocol the server does not speak is 522.
            ("|3|127.0.0.1|50060|", Err(UnsupportedProtocol)),
            (
                "|99999999999999999999|127.0.0.1|50060|",
                Err(UnsupportedProtocol),
            ),
            ("|x|127.0.0.1|50060|", Err(BadProtocol)),
            ("||127.0.0.1|50060|", Err(BadProtocol)),
            // The protocol and the address must agree.
            ("|2|127.0.0.1|50060|", Err(BadIpAddress)),
            ("|1|::1|50060|", Err(BadIpAddress)),
            ("|1|localhost|50060|", Err(BadIpAddress)),
            ("|1|127.0.0.1|65536|", Err(BadPort)),
            ("|1|127.0.0.1|99999999999999999999|", Err(BadPort)),
            ("|1|127.0.0.1||", Err(BadPort)),
            ("|1|127.0.0.1|+80|", Err(BadPort)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_eprt(text), *expected, "{text:?}");
        }
        assert_eq!(UnsupportedProtocol.reply_code(), 522);
        assert_eq!(BadPort.reply_code(), 501);
    }

    #[test]
    fn eprt_addresses_written_are_read_back() {
        for address in [
            SocketAddr::from(v4(132, 235, 1, 2, 6275)),
            socket_v6("1080::8:800:200C:417A".parse().unwrap(), 5282),
            socket_v6("::ffff:127.0.0.1".parse().unwrap(), 0),
        ] {
            let text = format_eprt(address);
            assert_eq!(parse_eprt(&text), Ok(address), "{text}");
        }
        assert_eq!(
            format_eprt(v4(132, 235, 1, 2, 6275).into()),
            "|1|132.235.1.2|6275|"
        );
    }

    #[test]
    fn epsv_reply_table() {
        let table: &[(&str, Result<u16, AddressError>)] = &[
            ("Entering Extended Passive Mode (|||6446|)", Ok(6446)),
            ("Entering Extended Passive Mode (|||6446|).", Ok(6446)),
            ("Entering Extended Passive Mode (!!!6446!)", Ok(6446)),
            ("EPSV ok (see below) (|||6446|)", Ok(6446)),
            ("(|||65535|)", Ok(65535)),
            ("(|||65536|)", Err(AddressError::NoExtendedPassivePort)),
            (
                "(|||99999999999999999999|)",
                Err(AddressError::NoExtendedPassivePort),
            ),
            ("(||6446|)", Err(AddressError::NoExtendedPassivePort)),
            ("(|||6446)", Err(AddressError::NoExtendedPassivePort)),
            (
                "(|1|127.0.0.1|6446|)",
                Err(AddressError::NoExtendedPassivePort),
            ),
            ("(   6446 )", Err(AddressError::NoExtendedPassivePort)),
            (
                "Entering Extended Passive Mode",
                Err(AddressError::NoExtendedPassivePort),
            ),
            ("", Err(AddressError::NoExtendedPassivePort)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_epsv_reply(text), *expected, "{text:?}");
        }
        for port in [0, 21, 6446, 65535] {
            assert_eq!(parse_epsv_reply(&format_epsv_reply(port)), Ok(port));
        }
        assert_eq!(
            format_epsv_reply(6446),
            "Entering Extended Passive Mode (|||6446|)"
        );
    }

    #[test]
    fn port_targets_other_than_the_client_are_refused() {
        // RFC 2577 §3: no data connection to a third host, nor to a
        // well-known port of the client.
        let client: SocketAddr = "192.0.2.7:40000".parse().unwrap();
        let table: &[(&str, Result<(), PortRefusal>)] = &[
            ("192.0.2.7:50060", Ok(())),
            ("192.0.2.7:1024", Ok(())),
            ("192.0.2.7:1023", Err(PortRefusal::PrivilegedPort)),
            ("192.0.2.7:25", Err(PortRefusal::PrivilegedPort)),
            ("192.0.2.8:50060", Err(PortRefusal::OtherHost)),
            ("10.0.0.1:25", Err(PortRefusal::OtherHost)),
            ("[::1]:50060", Err(PortRefusal::OtherHost)),
            // The same host seen through a dual-stack socket.
            ("[::ffff:192.0.2.7]:50060", Ok(())),
        ];
        for (requested, expected) in table {
            let requested: SocketAddr = requested.parse().unwrap();
            assert_eq!(
                check_port_target(requested, client),
                *expected,
                "{requested}"
            );
        }
        let mapped_client: SocketAddr = "[::ffff:192.0.2.7]:40000".parse().unwrap();
        let requested = SocketAddr::from(v4(192, 0, 2, 7, 50060));
        assert_eq!(check_port_target(requested, mapped_client), Ok(()));
        assert_eq!(PortRefusal::OtherHost.reply_code(), 504);
        assert_eq!(PortRefusal::PrivilegedPort.reply_code(), 504);
    }
}

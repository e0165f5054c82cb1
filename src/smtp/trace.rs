//! What the server does to a message before it stores it: the two trace
//! header fields it puts in front (RFC 5321 §4.4), and the line ends it
//! stores ([`UnixLines`](crate::maildir::UnixLines), in the Maildir module
//! since the POP3 client stores messages the same way).
//!
//! # Trace fields
//!
//! Every server that takes a message adds a `Received:` field at the top,
//! saying who handed it over and when, so that the path of a message can
//! be read back from its header, newest hop first. The server that
//! delivers it into a mailbox also adds `Return-Path:`, the reverse-path
//! of `MAIL FROM` (where a bounce would go), which otherwise exists only
//! in the envelope and is lost at delivery (RFC 5321 §4.4):
//!
//! ```text
//! Return-Path: <alice@example.org>
//! Received: from client.example.org ([192.0.2.7])
//!         by mail.example.test with ESMTP id 1764585600.M042137P4242Q7
//!         for <bob@example.test>; Tue, 01 Dec 2026 11:14:16 +0000
//! ```
//!
//! The grammar of §4.4, in part: `Received: "from" Extended-Domain "by"
//! Domain ["with" Protocol] ["id" String] ["for" Forward-path] ";" date`,
//! where `Extended-Domain` is the name the client gave in EHLO followed by
//! its address, as seen by the server, in parentheses. The client's name
//! is whatever it said, true or not; the address is what the connection
//! came from. Long fields are folded (RFC 5322 §2.2.3): a line break
//! followed by white space continues the field.
//!
//! # Line ends
//!
//! On the wire every line of a message ends with CR LF. In a Maildir, by
//! the custom of Unix mail software (mutt, Dovecot, and this crate's POP3
//! server, which sends them as CR LF again), lines end with LF alone. So
//! [`UnixLines`](crate::maildir::UnixLines) writes each CR LF as LF. A CR or LF that is not part of a
//! CR LF pair is kept as it came; a stored bare LF then reads back as an
//! ordinary line end, which is how every reader of the file sees it
//! anyway (RFC 5322 §2.3 forbids bare CR and LF in a message, so only a
//! broken sender makes them).

use super::address::{Domain, ForwardPath, ReversePath};
use std::net::IpAddr;

/// The trace fields of one stored copy, each line ended by LF as the rest
/// of the stored message is: `Return-Path`, then `Received` (RFC 5321
/// §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace<'a> {
    /// The reverse-path of `MAIL FROM`.
    pub from: &'a ReversePath,
    /// The name the client gave in EHLO or HELO.
    pub client_name: &'a str,
    /// The address the connection came from.
    pub client_address: IpAddr,
    /// This server's name.
    pub server: &'a str,
    /// `ESMTP` after EHLO, `SMTP` after HELO (RFC 5321 §4.4 and the
    /// registry of RFC 3848).
    pub protocol: &'a str,
    /// The transaction's id, as the `250` after the message gives it.
    pub id: &'a str,
    /// The recipient this copy is for.
    pub recipient: &'a ForwardPath,
    /// The date, as [`format_date`](super::message::format_date) writes it.
    pub date: &'a str,
}

// ANCHOR: to_header
impl Trace<'_> {
    /// The two fields, folded, with LF line ends.
    pub fn to_header(&self) -> String {
        let address = match self.client_address {
            IpAddr::V4(address) => Domain::Ipv4(address),
            IpAddr::V6(address) => Domain::Ipv6(address),
        };
        format!(
            "Return-Path: {}\nReceived: from {} ({address})\n\tby {} with {} id {}\n\tfor {}; {}\n",
            self.from,
            self.client_name,
            self.server,
            self.protocol,
            self.id,
            self.recipient,
            self.date
        )
    }
}
// ANCHOR_END: to_header

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::parse_mailbox;

    #[test]
    fn the_trace_fields_of_one_copy() {
        let from = ReversePath::Mailbox(parse_mailbox("alice@example.org").unwrap());
        let recipient = ForwardPath::Mailbox(parse_mailbox("bob@example.test").unwrap());
        let trace = Trace {
            from: &from,
            client_name: "client.example.org",
            client_address: "192.0.2.7".parse().unwrap(),
            server: "mail.example.test",
            protocol: "ESMTP",
            id: "1764585600.M042137P4242Q7",
            recipient: &recipient,
            date: "Tue, 01 Dec 2026 11:14:16 +0000",
        };
        assert_eq!(
            trace.to_header(),
            "Return-Path: <alice@example.org>\n\
             Received: from client.example.org ([192.0.2.7])\n\
             \tby mail.example.test with ESMTP id 1764585600.M042137P4242Q7\n\
             \tfor <bob@example.test>; Tue, 01 Dec 2026 11:14:16 +0000\n"
        );
        let bounce = ReversePath::Null;
        let v6 = Trace {
            from: &bounce,
            client_address: "::1".parse().unwrap(),
            recipient: &ForwardPath::Postmaster,
            ..trace
        };
        let header = v6.to_header();
        assert!(header.starts_with("Return-Path: <>\n"), "{header}");
        assert!(header.contains("([IPv6:::1])"), "{header}");
        assert!(header.contains("for <Postmaster>;"), "{header}");
    }
}

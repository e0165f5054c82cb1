//! A message shown to a person: in dig's layout, and as a hex dump with
//! every field named.
//!
//! [`dig_layout`] prints what `dig` prints: the header's opcode, status,
//! ID and flags, the four counts, the OPT pseudo-section, then each
//! section's records one a line. [`hex_dump`] prints the bytes themselves,
//! each field on its own line with its offset, so that a reader can see
//! where the header ends, how a name is spelt out label by label, and what
//! a compression pointer (RFC 1035 §4.1.4) points to:
//!
//! ```text
//! 000c  03 77 77 77              label "www"
//! ...
//! 002d  c0 0c                    pointer to 000c: www.example.test.
//! ```
//!
//! Both are pure: bytes or a [`Message`] in, text out.

use super::message::{Message, HEADER_LEN};
use super::name::Name;
use super::record::Record;
use super::resolver::Step;
use super::types::{Class, Opcode, Rcode, RecordType};
use std::fmt::Write as _;

/// How many bytes one line of the dump shows.
const BYTES_PER_LINE: usize = 8;

/// The message as dig shows it, one line per item, without a final newline.
pub fn dig_layout(message: &Message) -> String {
    let header = &message.header;
    let mut out = String::new();
    let _ = writeln!(
        out,
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
        header.opcode, header.rcode, header.id
    );
    let flags: Vec<&str> = [
        (header.response, "qr"),
        (header.authoritative, "aa"),
        (header.truncated, "tc"),
        (header.recursion_desired, "rd"),
        (header.recursion_available, "ra"),
        (header.authentic_data, "ad"),
        (header.checking_disabled, "cd"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|&(_, name)| name)
    .collect();
    // dig counts the OPT record in ADDITIONAL, as the header does.
    let additional = message.additional.len() + usize::from(message.edns.is_some());
    let _ = writeln!(
        out,
        ";; flags: {}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        flags.join(" "),
        message.questions.len(),
        message.answers.len(),
        message.authority.len(),
        additional
    );
    if let Some(edns) = &message.edns {
        let flags = if edns.dnssec_ok { " do" } else { "" };
        let _ = write!(
            out,
            "\n;; OPT PSEUDOSECTION:\n; EDNS: version: {}, flags:{flags}; udp: {}\n",
            edns.version, edns.udp_payload_size
        );
    }
    // dig leaves no blank line between the OPT pseudo-section and the question.
    if message.edns.is_none() {
        out.push('\n');
    }
    out.push_str(";; QUESTION SECTION:\n");
    for question in &message.questions {
        let _ = writeln!(
            out,
            ";{}\t\t{}\t{}",
            question.name, question.qclass, question.qtype
        );
    }
    let sections = [
        ("ANSWER", &message.answers),
        ("AUTHORITY", &message.authority),
        ("ADDITIONAL", &message.additional),
    ];
    for (title, records) in sections {
        if records.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n;; {title} SECTION:");
        for record in records {
            let _ = writeln!(out, "{record}");
        }
    }
    out.trim_end().to_string()
}

/// One step as `dig +trace` shows it: the records the server gave (its
/// answer, or the NS records of its referral, and their glue), then who
/// was asked and what that meant.
pub fn trace_step(step: &Step) -> String {
    let reply = &step.reply;
    let records = reply
        .answers
        .iter()
        .chain(&reply.authority)
        .chain(&reply.additional);
    let mut lines: Vec<String> = records.map(ToString::to_string).collect();
    lines.push(format!(";; {step}"));
    lines.join("\n")
}

/// The header's second pair of bytes, in words: `qr aa rd, opcode QUERY,
/// rcode NOERROR` (the rcode's low four bits: the rest is in OPT).
fn flags_text(high: u8, low: u8) -> String {
    let names = [
        (high & 0x80 != 0, "qr"),
        (high & 0x04 != 0, "aa"),
        (high & 0x02 != 0, "tc"),
        (high & 0x01 != 0, "rd"),
        (low & 0x80 != 0, "ra"),
        (low & 0x20 != 0, "ad"),
        (low & 0x10 != 0, "cd"),
    ];
    let set: Vec<&str> = names
        .iter()
        .filter(|(set, _)| *set)
        .map(|&(_, name)| name)
        .collect();
    let opcode = Opcode::new(high >> 3 & 0x0F).map_or_else(String::new, |op| op.to_string());
    let rcode = Rcode::new(u16::from(low & 0x0F)).map_or_else(String::new, |rc| rc.to_string());
    let set = if set.is_empty() {
        "no flags".to_string()
    } else {
        set.join(" ")
    };
    format!("flags {set}, opcode {opcode}, rcode {rcode}")
}

/// The bytes of a message, a field a line: `offset  bytes  field`. A
/// message that does not parse is shown sixteen bytes a line, after the
/// reason, since its fields cannot be named with any trust.
pub fn hex_dump(bytes: &[u8]) -> String {
    let message = match Message::parse(bytes) {
        Ok(message) => message,
        Err(error) => {
            let mut dump = Dump::default();
            dump.raw(
                bytes,
                0,
                bytes.len(),
                &format!("not a DNS message: {error}"),
            );
            return dump.finish();
        }
    };
    let mut dump = Dump::default();
    let u16_at = |at: usize| -> u16 {
        match bytes.get(at..at + 2) {
            Some(&[high, low]) => u16::from_be_bytes([high, low]),
            _ => 0,
        }
    };
    dump.line(bytes, 0, 2, &format!("ID {}", u16_at(0)));
    dump.line(bytes, 2, 2, &flags_text(bytes[2], bytes[3]));
    for (i, count) in ["QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT"]
        .iter()
        .enumerate()
    {
        let at = 4 + 2 * i;
        dump.line(bytes, at, 2, &format!("{count} {}", u16_at(at)));
    }
    let mut at = HEADER_LEN;
    for _ in &message.questions {
        dump.heading("question");
        at = dump.name(bytes, at);
        dump.line(bytes, at, 2, &format!("QTYPE {}", RecordType(u16_at(at))));
        dump.line(
            bytes,
            at + 2,
            2,
            &format!("QCLASS {}", Class(u16_at(at + 2))),
        );
        at += 4;
    }
    // The records in the order they are written; the OPT record, which the
    // parsed message keeps apart, is known by its type.
    let mut records = message
        .answers
        .iter()
        .chain(&message.authority)
        .chain(&message.additional);
    let sections = [
        ("answer", message.answers.len()),
        ("authority", message.authority.len()),
        (
            "additional",
            message.additional.len() + usize::from(message.edns.is_some()),
        ),
    ];
    for (section, count) in sections {
        for _ in 0..count {
            dump.heading(section);
            at = dump.name(bytes, at);
            let rtype = RecordType(u16_at(at));
            let rdlength = usize::from(u16_at(at + 8));
            dump.line(bytes, at, 2, &format!("TYPE {rtype}"));
            if rtype == RecordType::OPT {
                let size = u16_at(at + 2);
                dump.line(bytes, at + 2, 2, &format!("UDP payload size {size}"));
                dump.line(bytes, at + 4, 4, "extended rcode, version, flags");
                dump.line(bytes, at + 8, 2, &format!("RDLENGTH {rdlength}"));
                dump.raw(bytes, at + 10, rdlength, "options");
            } else {
                let record: Option<&Record> = records.next();
                let ttl = match bytes.get(at + 4..at + 8) {
                    Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
                    _ => 0,
                };
                dump.line(
                    bytes,
                    at + 2,
                    2,
                    &format!("CLASS {}", Class(u16_at(at + 2))),
                );
                dump.line(bytes, at + 4, 4, &format!("TTL {ttl}"));
                dump.line(bytes, at + 8, 2, &format!("RDLENGTH {rdlength}"));
                let data = record.map_or_else(String::new, |record| record.data.to_string());
                dump.raw(bytes, at + 10, rdlength, &format!("RDATA {data}"));
            }
            at += 10 + rdlength;
        }
    }
    dump.finish()
}

/// The dump being written.
#[derive(Default)]
struct Dump {
    out: String,
}

impl Dump {
    /// One line: `len` bytes from `at`, and what they are.
    fn line(&mut self, bytes: &[u8], at: usize, len: usize, field: &str) {
        let shown: Vec<String> = bytes
            .get(at..at + len)
            .unwrap_or_default()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let line = format!(
            "{at:04x}  {:<width$}  {field}",
            shown.join(" "),
            width = BYTES_PER_LINE * 3 - 1
        );
        self.out.push_str(line.trim_end());
        self.out.push('\n');
    }

    /// `len` bytes from `at`, [`BYTES_PER_LINE`] a line, `field` on the first.
    fn raw(&mut self, bytes: &[u8], at: usize, len: usize, field: &str) {
        if len == 0 {
            self.line(bytes, at, 0, &format!("{field} (none)"));
            return;
        }
        for start in (at..at + len).step_by(BYTES_PER_LINE) {
            let this = BYTES_PER_LINE.min(at + len - start);
            let field = if start == at { field } else { "" };
            self.line(bytes, start, this, field);
        }
    }

    /// A line naming the part of the message that follows.
    fn heading(&mut self, section: &str) {
        let _ = writeln!(self.out, "      ; {section}");
    }

    /// The name at `at`, a label or a pointer a line; returns where it
    /// ends. Only called on a message that parsed, so the name is valid.
    fn name(&mut self, bytes: &[u8], mut at: usize) -> usize {
        let start = at;
        loop {
            let Some(&length) = bytes.get(at) else {
                return at;
            };
            if length == 0 {
                let name =
                    Name::read(bytes, start).map_or_else(|_| String::new(), |n| n.0.to_string());
                self.line(bytes, at, 1, &format!("end of name: {name}"));
                return at + 1;
            }
            if length >> 6 == 0b11 {
                let low = bytes.get(at + 1).copied().unwrap_or(0);
                let target = usize::from(u16::from_be_bytes([length & 0x3F, low]));
                let name =
                    Name::read(bytes, start).map_or_else(|_| String::new(), |n| n.0.to_string());
                let pointer = format!("pointer to {target:04x}: {name}");
                self.line(bytes, at, 2, &pointer);
                return at + 2;
            }
            let len = 1 + usize::from(length);
            let label = bytes.get(at + 1..at + len).unwrap_or_default();
            let text = format!("label \"{}\"", label.escape_ascii());
            self.raw(bytes, at, len, &text);
            at += len;
        }
    }

    fn finish(self) -> String {
        self.out.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::record::RecordData;

    fn www_answer() -> Message {
        let name = Name::from_text("www.example.test.").unwrap();
        let mut message = Message::query(0x1234, name.clone(), RecordType::A);
        message.header.response = true;
        message.header.authoritative = true;
        message.answers.push(Record {
            name,
            class: Class::IN,
            ttl: 3600,
            data: RecordData::A([192, 0, 2, 80].into()),
        });
        message
    }

    #[test]
    fn the_dump_names_every_field_and_follows_the_pointer() {
        let dump = hex_dump(&www_answer().emit().unwrap());
        let expected = [
            "0000  12 34                    ID 4660",
            "0002  85 00                    flags qr aa rd, opcode QUERY, rcode NOERROR",
            "0004  00 01                    QDCOUNT 1",
            "0006  00 01                    ANCOUNT 1",
            "0008  00 00                    NSCOUNT 0",
            "000a  00 00                    ARCOUNT 0",
            "      ; question",
            "000c  03 77 77 77              label \"www\"",
            "0010  07 65 78 61 6d 70 6c 65  label \"example\"",
            "0018  04 74 65 73 74           label \"test\"",
            "001d  00                       end of name: www.example.test.",
            "001e  00 01                    QTYPE A",
            "0020  00 01                    QCLASS IN",
            "      ; answer",
            "0022  c0 0c                    pointer to 000c: www.example.test.",
            "0024  00 01                    TYPE A",
            "0026  00 01                    CLASS IN",
            "0028  00 00 0e 10              TTL 3600",
            "002c  00 04                    RDLENGTH 4",
            "002e  c0 00 02 50              RDATA 192.0.2.80",
        ];
        assert_eq!(dump.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn a_long_label_goes_on_over_several_lines() {
        let name = Name::from_text("abcdefghijkl.test.").unwrap();
        let dump = hex_dump(&Message::query(1, name, RecordType::A).emit().unwrap());
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(
            lines[7],
            "000c  0c 61 62 63 64 65 66 67  label \"abcdefghijkl\""
        );
        assert_eq!(lines[8], "0014  68 69 6a 6b 6c");
    }

    #[test]
    fn bytes_that_are_not_a_message_are_dumped_raw_with_the_reason() {
        let truncated = crate::dns::MessageError::Truncated;
        assert_eq!(
            hex_dump(&[0x12, 0x34, 0x01]),
            format!("0000  12 34 01                 not a DNS message: {truncated}")
        );
    }

    #[test]
    fn dig_layout_shows_the_header_and_each_section_that_has_records() {
        let expected = "\
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660
;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0

;; QUESTION SECTION:
;www.example.test.\t\tIN\tA

;; ANSWER SECTION:
www.example.test.\t3600\tIN\tA\t192.0.2.80";
        assert_eq!(dig_layout(&www_answer()), expected);
    }
}

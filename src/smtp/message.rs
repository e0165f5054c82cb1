//! The message a client sends after `DATA`: a header block, a blank line,
//! the body (RFC 5322 §2.1).
//!
//! A person who sends mail from the command line types a body, and maybe
//! a subject; the message must still carry the fields RFC 5322 §3.6 asks
//! of every message. So, when the text given has no header block of its
//! own, [`compose`] writes one in front of it:
//!
//! ```text
//! From: alice@example.org                              §3.6.2: who wrote it
//! To: bob@example.test, carol@example.test             §3.6.3: for whom
//! Subject: Lunch                                       §3.6.5, if given
//! Date: Tue, 01 Dec 2026 10:15:00 +0000                §3.6.1, §3.3: when
//! Message-ID: <1796120100.000000.4242.0.9f86d081884c7d65@example.org>
//!                                                      §3.6.4: which one
//! (blank line)
//! the body, as given
//! ```
//!
//! # Whether the text has a header block
//!
//! The text has one if it *starts* with lines that are all header fields,
//! then a blank line: each line is `Name: value`, where the name is one or
//! more printable ASCII characters other than `:` and space (RFC 5322
//! §3.6.8, `field-name = 1*ftext`), or a folded line that starts with a
//! space or a tab and continues the field above (§2.2.3). A whole block
//! and the blank line after it are asked for, not just a first line, so
//! that a body that starts `Note: the meeting moved` and goes on in prose,
//! or is the one line `https://example.test/`, is a body, and gets headers
//! of its own. (RFC 5322 allows a message of fields and no blank line, but
//! one typed on a command line has a body.) The rule cannot be sure: a
//! text that starts `Re: lunch`, then a blank line, then prose, reads as a
//! field `Re` and a body, as it would to any mail reader. A text with its own header block is sent as it
//! is: its author chose its fields, and a subject given beside it is an
//! error ([`MessageError::SubjectWithHeaders`]) rather than a field that
//! silently goes missing.
//!
//! # The date
//!
//! RFC 5322 §3.3 writes `Tue, 01 Dec 2026 10:15:00 +0000`: the format of
//! HTTP dates ([`crate::http::date`]) with a numeric zone. `std` cannot
//! read the machine's time zone, so the date is always in UTC, `+0000`,
//! which is as correct as any other zone.
//!
//! # The Message-ID
//!
//! `<left@right>` (§3.6.4), where the right side is the sender's domain
//! and the left side must make the whole unique for ever. It is built from
//! the time in microseconds, the process id, a counter of the messages
//! this process has made, and 64 random bits ([`format_message_id`]): the
//! time and the process id keep two processes of one machine apart, the
//! counter two messages of one process in the same microsecond, and the
//! random bits two machines that send for the same domain with the same
//! process id at the same moment. The pure function takes them all as
//! arguments; [`new_message_id`](super::client::new_message_id) gathers
//! them.
//!
//! # Text that is not ASCII
//!
//! A body with bytes above 127 is declared as MIME text in UTF-8 (RFC 2045
//! §4, §5, §6): `MIME-Version: 1.0`, `Content-Type: text/plain;
//! charset=utf-8` and `Content-Transfer-Encoding: 8bit`, and it travels
//! only to a server that announces `8BITMIME` (RFC 6152; see the client).
//! A body that is not UTF-8 has no charset this module could name: it is
//! refused ([`MessageError::NotUtf8`]), and its author can give it a header
//! block that says what it is. A subject that is not ASCII is written as
//! RFC 2047 encoded words (`=?utf-8?Q?Gr=C3=BC=C3=9Fe?=`), since UTF-8 in
//! a header field itself (RFC 6532) needs SMTPUTF8, which is not used.
//!
//! Left out: attachments and multipart bodies (RFC 2046), quoted-printable
//! or base64 bodies for 7-bit servers, display names (`Alice
//! <alice@example.org>`), and `Cc`/`Bcc`: recipients given to the client
//! are all in `To`.
//!
//! # Safety of the fields
//!
//! A header value with a CR or LF in it would end its field early, and what
//! follows would be a field of its own: a subject of `hi\r\nBcc: everyone`
//! adds a header the sender never meant ("header injection"). So a subject
//! with CR, LF or NUL is refused ([`MessageError::LineBreakInField`]);
//! addresses are [`Mailbox`]es, which cannot hold them. Every line of the
//! message, given or built, is at most [`MAX_LINE_LEN`] octets.

use super::address::{Domain, Mailbox};
use crate::http::date::format_http_date;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest line of a message, without its CR LF: RFC 5322 §2.1.1
/// ("MUST be no more than 998 characters"), which RFC 5321 §4.5.3.1.6
/// repeats for SMTP's text lines (1000 with the CR LF).
pub const MAX_LINE_LEN: usize = 998;

/// Where a field built here is folded onto a next line: RFC 5322 §2.1.1
/// asks for lines of at most 78 characters, for readers on terminals.
const FOLD_AT: usize = 78;

/// The longest RFC 2047 encoded word, `=?utf-8?Q?...?=` included (§2:
/// 75 characters, so that a word fits a folded line of 78).
pub const MAX_ENCODED_WORD_LEN: usize = 75;

/// What the sender gives besides the text: the fields [`compose`] writes
/// when the text has no header block of its own.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    /// The author: the `From` field, and the domain of the Message-ID.
    pub from: &'a Mailbox,
    /// The recipients: the `To` field (left out when empty).
    pub to: &'a [Mailbox],
    /// The `Subject` field, if any.
    pub subject: Option<&'a str>,
    /// When it was written: the `Date` field.
    pub date: SystemTime,
    /// The `Message-ID`, with its angle brackets ([`format_message_id`]).
    pub message_id: &'a str,
}

/// A message ready to travel after `DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    bytes: Vec<u8>,
    eight_bit: bool,
}

impl Message {
    /// A message of `bytes` exactly as they are (the caller checked them).
    pub fn from_bytes(bytes: Vec<u8>) -> Message {
        let eight_bit = !bytes.is_ascii();
        Message { bytes, eight_bit }
    }

    /// The bytes, line ends as given: bare LFs become CR LF on the wire
    /// ([`crate::wire::dot::DotEncoder`]).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether any byte is above 127, so that it needs `BODY=8BITMIME`.
    pub fn is_eight_bit(&self) -> bool {
        self.eight_bit
    }

    /// Its size as `SIZE=` counts it (RFC 1870 §3): every line ended by CR
    /// LF, before dot-stuffing.
    pub fn wire_len(&self) -> u64 {
        let mut len = self.bytes.len() as u64;
        let mut previous = 0;
        for &byte in &self.bytes {
            if byte == b'\n' && previous != b'\r' {
                len += 1;
            }
            previous = byte;
        }
        len
    }
}

/// Why a message cannot be composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// A field's value holds CR, LF or NUL, which would start a field of
    /// its own: the field's name.
    LineBreakInField(&'static str),
    /// A line longer than [`MAX_LINE_LEN`]: its number, from 1.
    LineTooLong {
        /// Which line, counted from 1.
        line: usize,
    },
    /// The text is not ASCII and not UTF-8 either: no charset can be named.
    NotUtf8,
    /// A subject was given, but the text has its own header block.
    SubjectWithHeaders,
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::LineBreakInField(field) => write!(
                f,
                "the {field} holds a line break, which would start a header field of its own"
            ),
            MessageError::LineTooLong { line } => write!(
                f,
                "line {line} of the message is longer than {MAX_LINE_LEN} octets, \
                 which mail cannot carry"
            ),
            MessageError::NotUtf8 => f.write_str(
                "the text is neither ASCII nor UTF-8: give it a header block with \
                 its own Content-Type",
            ),
            MessageError::SubjectWithHeaders => f.write_str(
                "the text has its own header block: put the Subject there, not beside it",
            ),
        }
    }
}

impl std::error::Error for MessageError {}

// ANCHOR: compose
/// The message for `text`: `text` as it is if it has a header block of
/// its own, else the fields of `draft`, a blank line and `text`.
pub fn compose(draft: &Draft<'_>, text: &[u8]) -> Result<Message, MessageError> {
    check_line_lengths(text)?;
    if has_header_block(text) {
        if draft.subject.is_some() {
            return Err(MessageError::SubjectWithHeaders);
        }
        return Ok(Message::from_bytes(text.to_vec()));
    }
    let eight_bit = !text.is_ascii();
    if eight_bit && std::str::from_utf8(text).is_err() {
        return Err(MessageError::NotUtf8);
    }
    let mut header = String::new();
    field(&mut header, "From", &draft.from.to_string());
    if !draft.to.is_empty() {
        let to: Vec<String> = draft.to.iter().map(Mailbox::to_string).collect();
        header.push_str(&address_list("To", &to));
    }
    if let Some(subject) = draft.subject {
        if subject.contains(['\r', '\n', '\0']) {
            return Err(MessageError::LineBreakInField("Subject"));
        }
        header.push_str(&subject_field(subject));
    }
    field(&mut header, "Date", &format_date(draft.date));
    if draft.message_id.contains(['\r', '\n', '\0']) {
        return Err(MessageError::LineBreakInField("Message-ID"));
    }
    field(&mut header, "Message-ID", draft.message_id);
    if eight_bit {
        field(&mut header, "MIME-Version", "1.0");
        field(&mut header, "Content-Type", "text/plain; charset=utf-8");
        field(&mut header, "Content-Transfer-Encoding", "8bit");
    }
    header.push_str("\r\n");
    let mut bytes = header.into_bytes();
    bytes.extend_from_slice(text);
    check_line_lengths(&bytes)?;
    Ok(Message { bytes, eight_bit })
}
// ANCHOR_END: compose

/// Appends `Name: value` and its CR LF.
fn field(header: &mut String, name: &str, value: &str) {
    header.push_str(name);
    header.push_str(": ");
    header.push_str(value);
    header.push_str("\r\n");
}

/// `To: a, b, c`, folded before an address that would pass [`FOLD_AT`].
fn address_list(name: &str, addresses: &[String]) -> String {
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for (i, address) in addresses.iter().enumerate() {
        let separator = if i == 0 { "" } else { "," };
        out.push_str(separator);
        line_len += separator.len();
        if i > 0 && line_len + 1 + address.len() > FOLD_AT {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(address);
        line_len += 1 + address.len();
    }
    out.push_str("\r\n");
    out
}

/// The Subject field: the text as it is if it is ASCII, else RFC 2047
/// encoded words, one a line.
fn subject_field(subject: &str) -> String {
    if subject.is_ascii() {
        return format!("Subject: {subject}\r\n");
    }
    let words = encoded_words(subject);
    format!("Subject: {}\r\n", words.join("\r\n "))
}

// ANCHOR: encoded_words
/// `text` as RFC 2047 "Q" encoded words of at most
/// [`MAX_ENCODED_WORD_LEN`] characters, each holding whole characters
/// (§5: a word must not split one): letters, digits and `!*+-/` as they
/// are, a space as `_`, every other byte as `=XX`.
pub fn encoded_words(text: &str) -> Vec<String> {
    const START: &str = "=?utf-8?Q?";
    const END: &str = "?=";
    let room = MAX_ENCODED_WORD_LEN - START.len() - END.len();
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let mut encoded = String::new();
        let mut utf8 = [0; 4];
        for &byte in c.encode_utf8(&mut utf8).as_bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                    encoded.push(char::from(byte))
                }
                b' ' => encoded.push('_'),
                _ => encoded.push_str(&format!("={byte:02X}")),
            }
        }
        if word.len() + encoded.len() > room {
            words.push(format!("{START}{word}{END}"));
            word.clear();
        }
        word.push_str(&encoded);
    }
    words.push(format!("{START}{word}{END}"));
    words
}
// ANCHOR_END: encoded_words

// ANCHOR: has_header_block
/// Whether `text` starts with a header block (see the module docs): lines
/// that are all fields or folded lines, then a blank line.
pub fn has_header_block(text: &[u8]) -> bool {
    let mut fields = 0;
    let mut lines = text.split(|&byte| byte == b'\n').peekable();
    while let Some(line) = lines.next() {
        // The last piece had no LF after it: not a whole line.
        let ended = lines.peek().is_some();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match line.first() {
            // The blank line that ends the header block.
            None => return fields > 0 && ended,
            // A folded line continues the field above it: not a first line.
            Some(b' ' | b'\t') if fields > 0 => {}
            _ if is_field_line(line) => fields += 1,
            _ => return false,
        }
    }
    false
}

/// Whether `line` is `name: value`, the name one or more printable ASCII
/// characters other than `:` (RFC 5322 §3.6.8).
fn is_field_line(line: &[u8]) -> bool {
    match line.iter().position(|&byte| byte == b':') {
        Some(colon) if colon > 0 => line[..colon]
            .iter()
            .all(|&byte| matches!(byte, b'!'..=b'~')),
        _ => false,
    }
}
// ANCHOR_END: has_header_block

/// Refuses a line longer than [`MAX_LINE_LEN`], its CR LF (or LF) aside.
fn check_line_lengths(text: &[u8]) -> Result<(), MessageError> {
    for (number, line) in text.split(|&byte| byte == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE_LEN {
            return Err(MessageError::LineTooLong { line: number + 1 });
        }
    }
    Ok(())
}

// ANCHOR: format_date
/// `time` as RFC 5322 §3.3 writes it, in UTC: `Tue, 01 Dec 2026 10:15:00
/// +0000`. HTTP's dates are the same but for the zone, written `GMT`
/// there (an obsolete zone of RFC 5322 §4.3), so they are reused.
pub fn format_date(time: SystemTime) -> String {
    let http = format_http_date(time);
    let without_zone = http.strip_suffix(" GMT").unwrap_or(&http);
    format!("{without_zone} +0000")
}
// ANCHOR_END: format_date

// ANCHOR: format_message_id
/// A Message-ID (RFC 5322 §3.6.4): `<SECONDS.MICROS.PID.COUNT.RANDOM@domain>`,
/// `RANDOM` in hexadecimal, `domain` the sender's (an address literal as
/// `[192.0.2.1]`, which the grammar's `no-fold-literal` allows). See the
/// module docs for why these parts make it unique.
pub fn format_message_id(
    time: SystemTime,
    pid: u32,
    count: u64,
    random: u64,
    domain: &Domain,
) -> String {
    // A clock set before 1970 gives 0: the other parts still differ.
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "<{}.{:06}.{pid}.{count}.{random:016x}@{domain}>",
        since.as_secs(),
        since.subsec_micros()
    )
}
// ANCHOR_END: format_message_id

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::parse_mailbox;
    use std::time::Duration;

    /// Tue, 01 Dec 2026 10:15:00 UTC.
    fn december() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_796_120_100)
    }

    fn mailbox(text: &str) -> Mailbox {
        parse_mailbox(text).unwrap()
    }

    const ID: &str = "<1796120100.000000.4242.0.00000000000000ff@example.org>";

    /// The message for `text`, from alice to `to`, with `subject`.
    fn composed(to: &[&str], subject: Option<&str>, text: &[u8]) -> Result<Message, MessageError> {
        let from = mailbox("alice@example.org");
        let to: Vec<Mailbox> = to.iter().map(|to| mailbox(to)).collect();
        let draft = Draft {
            from: &from,
            to: &to,
            subject,
            date: december(),
            message_id: ID,
        };
        compose(&draft, text)
    }

    fn text(message: &Message) -> String {
        String::from_utf8_lossy(message.bytes()).into_owned()
    }

    #[test]
    fn a_body_alone_gets_the_fields_every_message_needs() {
        let message =
            composed(&["bob@example.test"], Some("Lunch"), b"See you at noon.\n").unwrap();
        assert_eq!(
            text(&message),
            "From: alice@example.org\r\n\
             To: bob@example.test\r\n\
             Subject: Lunch\r\n\
             Date: Tue, 01 Dec 2026 10:15:00 +0000\r\n\
             Message-ID: <1796120100.000000.4242.0.00000000000000ff@example.org>\r\n\
             \r\n\
             See you at noon.\n"
        );
        assert!(!message.is_eight_bit());
    }

    #[test]
    fn fields_built_for_each_kind_of_draft() {
        let head = "From: alice@example.org\r\n";
        let tail = "Date: Tue, 01 Dec 2026 10:15:00 +0000\r\n\
                    Message-ID: <1796120100.000000.4242.0.00000000000000ff@example.org>\r\n";
        let twelve: Vec<String> = (1..=12).map(|n| format!("user{n}@example.test")).collect();
        let twelve: Vec<&str> = twelve.iter().map(String::as_str).collect();
        type Case<'a> = (&'a [&'a str], Option<&'a str>, &'a [u8], String);
        let table: Vec<Case> = vec![
            // No subject: no Subject field.
            (
                &["b@x.test"],
                None,
                b"hi",
                format!("{head}To: b@x.test\r\n{tail}\r\nhi"),
            ),
            // No recipient given: no To field (RFC 5322 §3.6.3 allows it).
            (&[], None, b"hi", format!("{head}{tail}\r\nhi")),
            // Two recipients, one To field.
            (
                &["b@x.test", "c@y.test"],
                None,
                b"",
                format!("{head}To: b@x.test, c@y.test\r\n{tail}\r\n"),
            ),
            // A quoted local part stays quoted.
            (
                &["\"john smith\"@x.test"],
                None,
                b"",
                format!("{head}To: \"john smith\"@x.test\r\n{tail}\r\n"),
            ),
            // Many recipients: folded under 78 characters a line (§2.1.1).
            (
                &twelve,
                None,
                b"",
                format!(
                    "{head}To: user1@example.test, user2@example.test, user3@example.test,\r\n \
                     user4@example.test, user5@example.test, user6@example.test,\r\n \
                     user7@example.test, user8@example.test, user9@example.test,\r\n \
                     user10@example.test, user11@example.test, user12@example.test\r\n{tail}\r\n"
                ),
            ),
            // A subject that is not ASCII: RFC 2047 encoded words.
            (
                &[],
                Some("Grüße"),
                b"",
                format!("{head}Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n{tail}\r\n"),
            ),
            // A body that is not ASCII: declared as UTF-8 text (RFC 2045).
            (
                &[],
                None,
                "café\n".as_bytes(),
                format!(
                    "{head}{tail}MIME-Version: 1.0\r\n\
                     Content-Type: text/plain; charset=utf-8\r\n\
                     Content-Transfer-Encoding: 8bit\r\n\r\ncafé\n"
                ),
            ),
        ];
        for (to, subject, body, expected) in table {
            let message = composed(to, subject, body).unwrap();
            assert_eq!(text(&message), expected, "{to:?} {subject:?}");
            for line in text(&message).split("\r\n") {
                assert!(line.len() <= FOLD_AT, "{line:?}");
            }
        }
    }

    #[test]
    fn an_eight_bit_body_is_marked_so() {
        let message = composed(&[], None, "café".as_bytes()).unwrap();
        assert!(message.is_eight_bit());
        let given = Message::from_bytes("Subject: x\r\n\r\ncafé".as_bytes().to_vec());
        assert!(given.is_eight_bit());
    }

    #[test]
    fn a_text_with_its_own_header_block_is_sent_as_it_is() {
        let table: &[&[u8]] = &[
            b"Subject: mine\r\nFrom: me@home.test\r\n\r\nbody\r\n",
            b"Subject: mine\n\nbody with LF ends\n",
            // A folded field (RFC 5322 §2.2.3).
            b"Subject: a long\r\n  subject\r\nX-Tag:v\r\n\r\nbody",
            // Fields, a blank line, and no body.
            b"Subject: only\r\n\r\n",
        ];
        for &given in table {
            assert!(
                has_header_block(given),
                "{:?}",
                String::from_utf8_lossy(given)
            );
            let message = composed(&["bob@example.test"], None, given).unwrap();
            assert_eq!(message.bytes(), given);
        }
    }

    #[test]
    fn a_text_that_only_looks_like_headers_is_a_body() {
        let table = [
            "",
            "Hello Bob,\n\nlunch?\n",
            // A first line like a field, then prose: a body.
            "Note: the meeting moved.\nIt is at noon now.\n",
            "Subject: x\r\nno colon here\r\n\r\n",
            // A space in the name: not a field name (RFC 5322 §3.6.8).
            "Dear Bob: hello\n\n",
            ": no name\n\n",
            // A folded line with no field above it.
            " Subject: x\n\n",
            "\nSubject: after a blank line\n",
            // Lines like fields with no blank line after them.
            "https://example.test/\n",
            "https://example.test/",
            "Subject: only\r\n",
            "Subject: only",
            // The blank line of a text that ends in it is not a line.
            "Subject: x\n",
        ];
        for given in table {
            assert!(!has_header_block(given.as_bytes()), "{given:?}");
        }
    }

    #[test]
    fn a_subject_beside_a_header_block_is_refused() {
        let error = composed(&[], Some("x"), b"Subject: mine\r\n\r\nbody").unwrap_err();
        assert_eq!(error, MessageError::SubjectWithHeaders);
        assert_eq!(
            error.to_string(),
            "the text has its own header block: put the Subject there, not beside it"
        );
    }

    #[test]
    fn a_line_break_in_the_subject_is_refused() {
        // Header injection: the rest would be a field of its own.
        for subject in [
            "hi\r\nBcc: everyone@example.test",
            "hi\nBcc: x",
            "hi\rx",
            "a\0b",
        ] {
            let error = composed(&[], Some(subject), b"body").unwrap_err();
            assert_eq!(
                error,
                MessageError::LineBreakInField("Subject"),
                "{subject:?}"
            );
            assert_eq!(
                error.to_string(),
                "the Subject holds a line break, which would start a header field of its own"
            );
        }
    }

    #[test]
    fn lines_past_998_octets_are_refused() {
        // RFC 5322 §2.1.1; the line's CR LF does not count.
        let longest = format!("{}\r\nnext\n", "x".repeat(MAX_LINE_LEN));
        assert!(composed(&[], None, longest.as_bytes()).is_ok());
        let too_long = format!("first\n{}\r\n", "x".repeat(MAX_LINE_LEN + 1));
        let error = composed(&[], None, too_long.as_bytes()).unwrap_err();
        assert_eq!(error, MessageError::LineTooLong { line: 2 });
        assert_eq!(
            error.to_string(),
            "line 2 of the message is longer than 998 octets, which mail cannot carry"
        );
        // And a subject too long for its line.
        let subject = "s".repeat(MAX_LINE_LEN);
        assert_eq!(
            composed(&[], Some(&subject), b""),
            Err(MessageError::LineTooLong { line: 2 })
        );
    }

    #[test]
    fn a_body_that_is_not_utf8_is_refused() {
        let error = composed(&[], None, b"caf\xe9\n").unwrap_err();
        assert_eq!(error, MessageError::NotUtf8);
        // With its own header block, its author said what it is.
        let given = b"Content-Type: text/plain; charset=latin1\n\ncaf\xe9\n";
        assert_eq!(composed(&[], None, given).unwrap().bytes(), given);
    }

    #[test]
    fn long_subjects_that_are_not_ascii_are_cut_between_characters() {
        let subject = "é".repeat(30);
        let words = encoded_words(&subject);
        assert_eq!(words.len(), 3);
        for word in &words {
            assert!(word.len() <= MAX_ENCODED_WORD_LEN, "{word}");
            assert!(word.starts_with("=?utf-8?Q?") && word.ends_with("?="));
            // Whole characters: each =C3 has its =A9.
            assert_eq!(word.matches("=C3").count(), word.matches("=A9").count());
        }
        assert_eq!(words.concat().matches("=C3=A9").count(), 30);
        assert_eq!(
            encoded_words("a b=c?_é"),
            ["=?utf-8?Q?a_b=3Dc=3F=5F=C3=A9?="]
        );
    }

    #[test]
    fn dates_are_written_as_rfc_5322_asks() {
        let table = [
            (UNIX_EPOCH, "Thu, 01 Jan 1970 00:00:00 +0000"),
            (december(), "Tue, 01 Dec 2026 10:15:00 +0000"),
            (
                UNIX_EPOCH + Duration::from_secs(951_782_400),
                "Tue, 29 Feb 2000 00:00:00 +0000",
            ),
        ];
        for (time, expected) in table {
            assert_eq!(format_date(time), expected);
        }
    }

    #[test]
    fn message_ids_hold_every_part_that_keeps_them_unique() {
        let time = december() + Duration::from_micros(42);
        let table = [
            (
                Domain::Name("example.org".into()),
                "<1796120100.000042.7.3.00000000deadbeef@example.org>",
            ),
            (
                Domain::Ipv4([192, 0, 2, 1].into()),
                "<1796120100.000042.7.3.00000000deadbeef@[192.0.2.1]>",
            ),
        ];
        for (domain, expected) in table {
            assert_eq!(
                format_message_id(time, 7, 3, 0xdead_beef, &domain),
                expected
            );
        }
    }

    #[test]
    fn the_size_counts_crlf_line_ends() {
        // RFC 1870 §3: the size as sent, CR LF ends, before stuffing.
        let table: &[(&[u8], u64)] = &[
            (b"", 0),
            (b"a\r\nb\r\n", 6),
            (b"a\nb\n", 6),
            (b"a\r\n.b\n", 7),
            (b"\n\n", 4),
        ];
        for &(bytes, expected) in table {
            assert_eq!(Message::from_bytes(bytes.to_vec()).wire_len(), expected);
        }
    }
}

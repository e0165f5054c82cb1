//! Mailbox addresses, as SMTP carries them in `MAIL FROM:<…>` and
//! `RCPT TO:<…>` (RFC 5321 §4.1.2).
//!
//! An address travels in a *path*, between angle brackets:
//!
//! ```text
//! Path           = "<" [ A-d-l ":" ] Mailbox ">"
//! Mailbox        = Local-part "@" ( Domain / address-literal )
//! Local-part     = Dot-string / Quoted-string
//!
//! <alice@example.test>
//! <"john smith"@example.test>         a quoted local part may hold spaces
//! <root@[127.0.0.1]>                  an address literal (§4.1.3)
//! <root@[IPv6:::1]>
//! <@relay.example,@hop.example:bob@example.test>     a source route
//! <>                                  the null reverse-path (MAIL only)
//! <Postmaster>                        RCPT only: every server has one
//! ```
//!
//! The **source route** (`@relay,@hop:`) is a relic of RFC 821, when a
//! sender chose the hosts a message went through. RFC 5321 §4.1.2 and
//! appendix C say a server must accept it and should ignore it, delivering
//! to the mailbox at the end; so it is checked for syntax and dropped.
//!
//! The **local part** is kept as its meaning, without quotes or
//! backslashes: `"alice"` and `alice` are the same mailbox, and
//! [`Mailbox`]'s `Display` writes the simplest form, quoting only a local
//! part that needs it (RFC 5321 §4.1.2 asks senders to do so).
//!
//! # What is refused
//!
//! - **No angle brackets**: `MAIL FROM:alice@example.test`. Many servers
//!   take this bare form, since old clients sent it; this one does not.
//!   The brackets are what end the address and start the parameters
//!   (`<"a b"@c> SIZE=10`), every client in use sends them, and a server
//!   that guesses where an address ends is one more place for two programs
//!   to disagree about a message (the lesson of SMTP smuggling). The error
//!   says how to write it.
//! - **CR, LF and other control bytes**, which would end the command line
//!   early (a CR LF in an address smuggles a second command), and bytes
//!   that are not ASCII: internationalised addresses need SMTPUTF8
//!   (RFC 6531), which is not offered.
//! - **Spaces** outside a quoted local part: `<alice @example.test>`.
//! - What passes the limits of §4.5.3.1: a local part over 64 octets, a
//!   domain over 255, a path over 256 (counting its brackets).
//!
//! [`parse_mailbox`] reads the bare `local@domain` a person types, for a
//! client's command line: it refuses CR and LF too, so that what a user
//! gives never reaches the wire as two commands.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART_LEN: usize = 64;

/// The longest domain, in octets (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN_LEN: usize = 255;

/// The longest path, with its angle brackets and any source route
/// (RFC 5321 §4.5.3.1.3).
pub const MAX_PATH_LEN: usize = 256;

/// The longest label of a domain name, between two dots (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// Why an address or a path is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressError {
    /// The address is not between `<` and `>`.
    NoAngleBrackets,
    /// A `<` with no `>` to close it.
    Unclosed,
    /// The path is longer than [`MAX_PATH_LEN`].
    PathTooLong,
    /// `<>`, where a recipient is needed.
    NullPath,
    /// A local part with no `@domain` after it.
    NoDomain,
    /// The local part is neither a dot-string nor a quoted string.
    BadLocalPart,
    /// The local part is longer than [`MAX_LOCAL_PART_LEN`].
    LocalPartTooLong,
    /// The domain is not a domain name: labels of letters, digits and
    /// hyphens, separated by dots.
    BadDomain,
    /// The domain is longer than [`MAX_DOMAIN_LEN`].
    DomainTooLong,
    /// Between `[` and `]` is neither an IPv4 address nor `IPv6:` and an
    /// IPv6 address.
    BadAddressLiteral,
    /// The source route before the `:` is not `@domain,@domain`.
    BadSourceRoute,
    /// The address holds CR, LF or another control byte.
    ForbiddenByte,
    /// The address holds a byte that is not ASCII.
    NotAscii,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AddressError::*;
        f.write_str(match self {
            NoAngleBrackets => "the address must be in angle brackets, as <user@example.com>",
            Unclosed => "the address has no closing '>'",
            PathTooLong => "the address is longer than 256 octets",
            NullPath => "a recipient cannot be the null address <>",
            NoDomain => "the address has no @domain",
            BadLocalPart => "the part before the @ is not a valid local part",
            LocalPartTooLong => "the part before the @ is longer than 64 octets",
            BadDomain => "the domain is not a valid domain name",
            DomainTooLong => "the domain is longer than 255 octets",
            BadAddressLiteral => "the address literal is not [IPv4] or [IPv6:address]",
            BadSourceRoute => "the source route is not @domain,@domain:",
            ForbiddenByte => "the address holds CR, LF or another control byte",
            NotAscii => "the address is not ASCII (SMTPUTF8 is not offered)",
        })
    }
}

impl std::error::Error for AddressError {}

/// The part after the `@`: a name, or an address literal (RFC 5321 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    /// `example.test`, as sent (domains compare without regard to case).
    Name(String),
    /// `[192.0.2.1]`.
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`.
    Ipv6(Ipv6Addr),
}

impl Domain {
    /// Whether this is the domain `name`, in any case: `Example.TEST` is
    /// `example.test`. An address literal is no name.
    pub fn is(&self, name: &str) -> bool {
        matches!(self, Domain::Name(own) if own.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::Name(name) => f.write_str(name),
            Domain::Ipv4(address) => write!(f, "[{address}]"),
            Domain::Ipv6(address) => write!(f, "[IPv6:{address}]"),
        }
    }
}

/// A mailbox: `local-part@domain`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    local_part: String,
    domain: Domain,
}

impl Mailbox {
    /// The local part, unquoted: `john smith` for `"john smith"@…`. The
    /// server that owns the domain decides what it means; this crate's
    /// compares it without regard to case, as most do.
    pub fn local_part(&self) -> &str {
        &self.local_part
    }

    /// The domain.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }
}

impl std::str::FromStr for Mailbox {
    type Err = AddressError;

    /// [`parse_mailbox`]: `"bob@example.test".parse::<Mailbox>()`.
    fn from_str(text: &str) -> Result<Mailbox, AddressError> {
        parse_mailbox(text)
    }
}

impl fmt::Display for Mailbox {
    /// `alice@example.test`, or `"john smith"@example.test`: the local
    /// part quoted only when it must be (RFC 5321 §4.1.2).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_dot_string(&self.local_part) {
            f.write_str(&self.local_part)?;
        } else {
            f.write_str("\"")?;
            for c in self.local_part.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")?;
        }
        write!(f, "@{}", self.domain)
    }
}

/// The reverse-path of `MAIL FROM:` (RFC 5321 §4.1.1.2): who to tell if
/// the message cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`: nobody. Bounces and other automatic replies carry it, so that
    /// two systems never bounce messages to each other forever (§4.5.5).
    Null,
    /// `<alice@example.test>`.
    Mailbox(Mailbox),
}

impl fmt::Display for ReversePath {
    /// The path with its brackets: `<>`, `<alice@example.test>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(mailbox) => write!(f, "<{mailbox}>"),
        }
    }
}

/// The forward-path of `RCPT TO:` (RFC 5321 §4.1.1.3): a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardPath {
    /// `<Postmaster>`, with no domain: the person who runs this server,
    /// whom every SMTP server must accept mail for (§4.5.1).
    Postmaster,
    /// `<bob@example.test>`.
    Mailbox(Mailbox),
}

impl fmt::Display for ForwardPath {
    /// The path with its brackets: `<Postmaster>`, `<bob@example.test>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardPath::Postmaster => f.write_str("<Postmaster>"),
            ForwardPath::Mailbox(mailbox) => write!(f, "<{mailbox}>"),
        }
    }
}

// ANCHOR: parse_path
/// The reverse-path at the start of `text` (after `MAIL FROM:`), and the
/// text after its `>`: `<alice@example.test> SIZE=10` is
/// `(alice@example.test, " SIZE=10")`.
pub fn parse_reverse_path(text: &str) -> Result<(ReversePath, &str), AddressError> {
    let (inner, rest) = split_path(text)?;
    if inner.is_empty() {
        return Ok((ReversePath::Null, rest));
    }
    Ok((ReversePath::Mailbox(parse_routed_mailbox(inner)?), rest))
}

/// The forward-path at the start of `text` (after `RCPT TO:`), and the
/// text after its `>`.
pub fn parse_forward_path(text: &str) -> Result<(ForwardPath, &str), AddressError> {
    let (inner, rest) = split_path(text)?;
    if inner.is_empty() {
        return Err(AddressError::NullPath);
    }
    // RFC 5321 §4.1.1.3: "<Postmaster>", in any case (an ABNF string).
    if inner.eq_ignore_ascii_case("Postmaster") {
        return Ok((ForwardPath::Postmaster, rest));
    }
    Ok((ForwardPath::Mailbox(parse_routed_mailbox(inner)?), rest))
}

/// A bare mailbox, `local@domain`, the whole of `text`: what a person
/// types for a client to send to.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, AddressError> {
    check_bytes(text)?;
    let (local_part, domain) = split_mailbox(text)?;
    Ok(Mailbox {
        local_part,
        domain: parse_domain(domain)?,
    })
}

/// What is between the brackets of the path at the start of `text`, and
/// what follows the `>`. A `>` inside a quoted local part does not close.
fn split_path(text: &str) -> Result<(&str, &str), AddressError> {
    let Some(after_open) = text.strip_prefix('<') else {
        return Err(AddressError::NoAngleBrackets);
    };
    let mut in_quotes = false;
    let mut escaped = false;
    for (at, byte) in after_open.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_quotes => escaped = true,
            b'"' => in_quotes = !in_quotes,
            b'>' if !in_quotes => {
                // "<" + inner + ">"
                if at + 2 > MAX_PATH_LEN {
                    return Err(AddressError::PathTooLong);
                }
                let inner = &after_open[..at];
                check_bytes(inner)?;
                return Ok((inner, &after_open[at + 1..]));
            }
            _ => {}
        }
    }
    if text.len() > MAX_PATH_LEN {
        return Err(AddressError::PathTooLong);
    }
    Err(AddressError::Unclosed)
}

/// `[ A-d-l ":" ] Mailbox`: the mailbox, its source route checked and
/// dropped (RFC 5321 §4.1.2 and appendix C).
fn parse_routed_mailbox(inner: &str) -> Result<Mailbox, AddressError> {
    let mailbox = if inner.starts_with('@') {
        skip_source_route(inner)?
    } else {
        inner
    };
    let (local_part, domain) = split_mailbox(mailbox)?;
    Ok(Mailbox {
        local_part,
        domain: parse_domain(domain)?,
    })
}

/// `A-d-l ":"`, where `A-d-l = At-domain *( "," At-domain )` and
/// `At-domain = "@" Domain`: what follows the route's colon.
fn skip_source_route(mut text: &str) -> Result<&str, AddressError> {
    loop {
        let Some(after_at) = text.strip_prefix('@') else {
            return Err(AddressError::BadSourceRoute);
        };
        // A domain ends at ',' or ':', except inside an address literal,
        // whose IPv6 form holds colons.
        let end = if after_at.starts_with('[') {
            after_at.find(']').map(|close| close + 1)
        } else {
            after_at.find([',', ':'])
        };
        let Some(end) = end else {
            return Err(AddressError::BadSourceRoute);
        };
        parse_domain(&after_at[..end]).map_err(|_| AddressError::BadSourceRoute)?;
        match after_at.as_bytes().get(end) {
            Some(b',') => text = &after_at[end + 1..],
            Some(b':') => return Ok(&after_at[end + 1..]),
            _ => return Err(AddressError::BadSourceRoute),
        }
    }
}
// ANCHOR_END: parse_path

// ANCHOR: parse_mailbox
/// `Local-part "@" Domain`: the local part, unquoted, and the domain's text.
fn split_mailbox(text: &str) -> Result<(String, &str), AddressError> {
    let (local_part, sent_len, rest) = if text.starts_with('"') {
        let (local_part, sent_len) = unquote(text)?;
        (local_part, sent_len, &text[sent_len..])
    } else {
        let end = text.find('@').unwrap_or(text.len());
        let dot_string = &text[..end];
        if !is_dot_string(dot_string) {
            return Err(AddressError::BadLocalPart);
        }
        (dot_string.to_string(), end, &text[end..])
    };
    // The limit is on the local part as sent, quotes and all.
    if sent_len > MAX_LOCAL_PART_LEN {
        return Err(AddressError::LocalPartTooLong);
    }
    match rest.strip_prefix('@') {
        Some(domain) => Ok((local_part, domain)),
        None if rest.is_empty() => Err(AddressError::NoDomain),
        None => Err(AddressError::BadLocalPart),
    }
}

/// The quoted string at the start of `text`, unquoted, and how many bytes
/// it took:
///
/// ```text
/// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
/// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
/// qtextSMTP      = %d32-33 / %d35-91 / %d93-126    printable and space, but " and \
/// quoted-pairSMTP = %d92 %d32-126                  a backslash and any printable
/// ```
fn unquote(text: &str) -> Result<(String, usize), AddressError> {
    let mut local_part = String::new();
    let mut bytes = text.bytes().enumerate().skip(1);
    while let Some((at, byte)) = bytes.next() {
        match byte {
            b'"' => return Ok((local_part, at + 1)),
            b'\\' => match bytes.next() {
                Some((_, quoted @ b' '..=b'~')) => local_part.push(char::from(quoted)),
                _ => return Err(AddressError::BadLocalPart),
            },
            b' '..=b'~' => local_part.push(char::from(byte)),
            _ => return Err(AddressError::BadLocalPart),
        }
    }
    Err(AddressError::BadLocalPart)
}

/// `Dot-string = Atom *("." Atom)`, where an atom is one or more of
/// letters, digits and ``!#$%&'*+-/=?^_`{|}~`` (RFC 5321 §4.1.2).
fn is_dot_string(text: &str) -> bool {
    let is_atext =
        |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte);
    text.split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// `Domain / address-literal` (RFC 5321 §4.1.2, §4.1.3):
///
/// ```text
/// Domain         = sub-domain *("." sub-domain)
/// sub-domain     = Let-dig [Ldh-str]        letters, digits, inner hyphens
/// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal ) "]"
/// IPv6-address-literal = "IPv6:" IPv6-addr
/// ```
pub fn parse_domain(text: &str) -> Result<Domain, AddressError> {
    if text.len() > MAX_DOMAIN_LEN {
        return Err(AddressError::DomainTooLong);
    }
    if let Some(literal) = text.strip_prefix('[') {
        let literal = literal
            .strip_suffix(']')
            .ok_or(AddressError::BadAddressLiteral)?;
        return parse_address_literal(literal);
    }
    let is_label = |label: &str| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_LABEL_LEN
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if text.split('.').all(is_label) {
        Ok(Domain::Name(text.to_string()))
    } else {
        Err(AddressError::BadDomain)
    }
}

/// What is between the brackets of an address literal. (A general literal,
/// `[tag:content]` of §4.1.3, names no protocol anyone uses: refused.)
fn parse_address_literal(literal: &str) -> Result<Domain, AddressError> {
    let tag = literal.get(..5);
    if tag.is_some_and(|tag| tag.eq_ignore_ascii_case("IPv6:")) {
        return literal[5..]
            .parse()
            .map(Domain::Ipv6)
            .map_err(|_| AddressError::BadAddressLiteral);
    }
    literal
        .parse()
        .map(Domain::Ipv4)
        .map_err(|_| AddressError::BadAddressLiteral)
}
// ANCHOR_END: parse_mailbox

/// Refuses control bytes (CR and LF first of all) and bytes that are not ASCII.
fn check_bytes(text: &str) -> Result<(), AddressError> {
    for byte in text.bytes() {
        if byte.is_ascii_control() {
            return Err(AddressError::ForbiddenByte);
        }
        if !byte.is_ascii() {
            return Err(AddressError::NotAscii);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(local_part: &str, domain: Domain) -> Mailbox {
        Mailbox {
            local_part: local_part.to_string(),
            domain,
        }
    }

    fn name(domain: &str) -> Domain {
        Domain::Name(domain.to_string())
    }

    #[test]
    fn paths_and_the_mailboxes_in_them() {
        let table = [
            (
                "<alice@example.test>",
                mailbox("alice", name("example.test")),
            ),
            (
                "<Alice.B+tag@Example.TEST>",
                mailbox("Alice.B+tag", name("Example.TEST")),
            ),
            (
                "<a!#$%&'*+-/=?^_`{|}~z@x>",
                mailbox("a!#$%&'*+-/=?^_`{|}~z", name("x")),
            ),
            // Quoted local parts: spaces, '@' and '>' inside, escapes.
            (
                "<\"john smith\"@example.test>",
                mailbox("john smith", name("example.test")),
            ),
            (
                "<\"a@b>c\"@example.test>",
                mailbox("a@b>c", name("example.test")),
            ),
            (
                "<\"say \\\"hi\\\"\"@x.test>",
                mailbox("say \"hi\"", name("x.test")),
            ),
            (
                "<\"back\\\\slash\"@x.test>",
                mailbox("back\\slash", name("x.test")),
            ),
            ("<\"\"@x.test>", mailbox("", name("x.test"))),
            (
                "<\"alice\"@example.test>",
                mailbox("alice", name("example.test")),
            ),
            // Address literals (§4.1.3).
            (
                "<root@[127.0.0.1]>",
                mailbox("root", Domain::Ipv4(Ipv4Addr::LOCALHOST)),
            ),
            (
                "<root@[IPv6:::1]>",
                mailbox("root", Domain::Ipv6(Ipv6Addr::LOCALHOST)),
            ),
            (
                "<root@[ipv6:2001:DB8::1]>",
                mailbox("root", Domain::Ipv6("2001:db8::1".parse().unwrap())),
            ),
            // A source route is checked, then dropped (§4.1.2, appendix C).
            (
                "<@relay.test:bob@example.test>",
                mailbox("bob", name("example.test")),
            ),
            (
                "<@a.test,@b.test,@[IPv6:::1]:bob@example.test>",
                mailbox("bob", name("example.test")),
            ),
            // Digits and hyphens in labels.
            (
                "<x@3com.example-1.test>",
                mailbox("x", name("3com.example-1.test")),
            ),
        ];
        for (path, expected) in table {
            let expected_mailbox = expected.clone();
            assert_eq!(
                parse_reverse_path(path),
                Ok((ReversePath::Mailbox(expected), "")),
                "{path}"
            );
            assert_eq!(
                parse_forward_path(path),
                Ok((ForwardPath::Mailbox(expected_mailbox), "")),
                "{path}"
            );
        }
    }

    #[test]
    fn the_null_path_and_postmaster() {
        assert_eq!(parse_reverse_path("<>"), Ok((ReversePath::Null, "")));
        assert_eq!(parse_forward_path("<>"), Err(AddressError::NullPath));
        for path in ["<Postmaster>", "<postmaster>", "<POSTMASTER>"] {
            assert_eq!(
                parse_forward_path(path),
                Ok((ForwardPath::Postmaster, "")),
                "{path}"
            );
        }
        // Postmaster with a domain is an ordinary mailbox; without one, in
        // MAIL, it is no address at all.
        assert_eq!(
            parse_forward_path("<postmaster@example.test>"),
            Ok((
                ForwardPath::Mailbox(mailbox("postmaster", name("example.test"))),
                ""
            ))
        );
        assert_eq!(
            parse_reverse_path("<Postmaster>"),
            Err(AddressError::NoDomain)
        );
    }

    #[test]
    fn what_follows_the_path_is_returned() {
        assert_eq!(
            parse_reverse_path("<a@b> SIZE=10 BODY=8BITMIME"),
            Ok((
                ReversePath::Mailbox(mailbox("a", name("b"))),
                " SIZE=10 BODY=8BITMIME"
            ))
        );
        assert_eq!(parse_reverse_path("<>x"), Ok((ReversePath::Null, "x")));
    }

    #[test]
    fn bad_paths_and_why() {
        use AddressError::*;
        let long_local = format!("<{}@x.test>", "a".repeat(65));
        let long_label = format!("<a@{}.test>", "a".repeat(64));
        let long_domain = format!("<a@{}>", ["abcdefghi"; 26].join("."));
        let long_path = format!("<@{}:a@b>", ["abcdefghi"; 26].join("."));
        let table: Vec<(&str, AddressError)> = vec![
            // The bare form many servers take: refused (see the module docs).
            ("alice@example.test", NoAngleBrackets),
            ("", NoAngleBrackets),
            (" <a@b>", NoAngleBrackets),
            ("<alice@example.test", Unclosed),
            ("<\"a>b\"@c", Unclosed),
            ("<alice>", NoDomain),
            ("<alice@>", BadDomain),
            ("<@example.test>", BadSourceRoute),
            ("<alice @example.test>", BadLocalPart),
            ("< alice@example.test>", BadLocalPart),
            ("<alice@ example.test>", BadDomain),
            ("<alice@example.test >", BadDomain),
            ("<a..b@x>", BadLocalPart),
            ("<.a@x>", BadLocalPart),
            ("<a.@x>", BadLocalPart),
            ("<a(b)@x>", BadLocalPart),
            ("<\"unclosed@x>", Unclosed),
            ("<\"a\"b@x>", BadLocalPart),
            ("<\"a\\\"@x>", Unclosed),
            ("<\"tab\there\"@x>", ForbiddenByte),
            ("<a@b@c>", BadDomain),
            ("<a@-x.test>", BadDomain),
            ("<a@x-.test>", BadDomain),
            ("<a@x..test>", BadDomain),
            ("<a@x.test.>", BadDomain),
            ("<a@under_score.test>", BadDomain),
            ("<a@[127.0.0.256]>", BadAddressLiteral),
            ("<a@[::1]>", BadAddressLiteral),
            ("<a@[IPv6:127.0.0.1]>", BadAddressLiteral),
            ("<a@[tag:content]>", BadAddressLiteral),
            ("<a@[127.0.0.1>", BadAddressLiteral),
            ("<@relay.test,bob@example.test>", BadSourceRoute),
            ("<@relay.test;bob@example.test>", BadSourceRoute),
            ("<@-bad:bob@example.test>", BadSourceRoute),
            ("<@[IPv6:::1:bob@example.test>", BadSourceRoute),
            ("<a\r\n@b>", ForbiddenByte),
            ("<a@b\r\nRCPT TO:<c@d>>", ForbiddenByte),
            ("<a\0@b>", ForbiddenByte),
            ("<josé@example.test>", NotAscii),
            (&long_local, LocalPartTooLong),
            (&long_label, BadDomain),
            // The path's limit comes first: a domain over 255 octets makes
            // a path over 256 (parse_mailbox sees DomainTooLong).
            (&long_domain, PathTooLong),
            (&long_path, PathTooLong),
        ];
        for (path, error) in table {
            let parsed = parse_reverse_path(path).map(|_| ());
            assert_eq!(parsed, Err(error), "{path:?}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        // 64 octets of local part, 255 of domain, 256 of path are allowed;
        // one more is refused.
        let local = "a".repeat(MAX_LOCAL_PART_LEN);
        assert!(parse_mailbox(&format!("{local}@x.test")).is_ok());
        let quoted = format!("\"{}\"", "a".repeat(MAX_LOCAL_PART_LEN - 2));
        assert!(parse_mailbox(&format!("{quoted}@x.test")).is_ok());
        let quoted = format!("\"{}\"", "a".repeat(MAX_LOCAL_PART_LEN - 1));
        let too_long = parse_mailbox(&format!("{quoted}@x.test"));
        assert_eq!(too_long, Err(AddressError::LocalPartTooLong));

        let label = "a".repeat(MAX_LABEL_LEN);
        let domain = format!("{label}.{label}.{label}.{label}");
        assert_eq!(domain.len(), MAX_DOMAIN_LEN);
        assert!(parse_mailbox(&format!("a@{domain}")).is_ok());
        let too_long = parse_mailbox(&format!("a@b{domain}"));
        assert_eq!(too_long, Err(AddressError::DomainTooLong));

        let domain = format!("{label}.{label}.{}", "b".repeat(61));
        let path = format!("<{local}@{domain}>");
        assert_eq!(path.len(), MAX_PATH_LEN);
        assert!(parse_reverse_path(&path).is_ok(), "{path}");
        let path = format!("<{local}@b{domain}>");
        assert_eq!(parse_reverse_path(&path), Err(AddressError::PathTooLong));
    }

    #[test]
    fn a_typed_address_with_a_line_break_is_refused() {
        // What a client checks before anything reaches the wire.
        for text in [
            "bob@example.test\r\nRCPT TO:<eve@evil.test>",
            "bob@x\n",
            "bob\r@x",
        ] {
            assert_eq!(
                parse_mailbox(text),
                Err(AddressError::ForbiddenByte),
                "{text:?}"
            );
        }
        assert_eq!(parse_mailbox("<bob@x>"), Err(AddressError::BadLocalPart));
        assert_eq!(
            parse_mailbox("bob@example.test"),
            Ok(mailbox("bob", name("example.test")))
        );
        assert_eq!(
            "bob@example.test".parse(),
            Ok(mailbox("bob", name("example.test")))
        );
    }

    #[test]
    fn mailboxes_are_written_in_their_simplest_form_and_read_back() {
        let table = [
            ("alice@example.test", "alice@example.test"),
            ("\"alice\"@example.test", "alice@example.test"),
            ("\"a\\lice\"@example.test", "alice@example.test"),
            ("\"john smith\"@example.test", "\"john smith\"@example.test"),
            ("\"say \\\"hi\\\"\"@x", "\"say \\\"hi\\\"\"@x"),
            ("\"a\\\\b\"@x", "\"a\\\\b\"@x"),
            ("\"\"@x", "\"\"@x"),
            ("\"a..b\"@x", "\"a..b\"@x"),
            ("root@[127.0.0.1]", "root@[127.0.0.1]"),
            ("root@[ipv6:0:0::1]", "root@[IPv6:::1]"),
            (
                "root@[IPv6:::ffff:192.0.2.1]",
                "root@[IPv6:::ffff:192.0.2.1]",
            ),
        ];
        for (text, written) in table {
            let parsed = parse_mailbox(text).unwrap();
            assert_eq!(parsed.to_string(), written, "{text}");
            assert_eq!(parse_mailbox(written), Ok(parsed), "{written}");
        }
        let path = parse_forward_path("<@relay.test:\"a b\"@x.test>")
            .unwrap()
            .0;
        assert_eq!(path.to_string(), "<\"a b\"@x.test>");
        assert_eq!(ForwardPath::Postmaster.to_string(), "<Postmaster>");
        assert_eq!(ReversePath::Null.to_string(), "<>");
    }

    #[test]
    fn domains_compare_without_regard_to_case() {
        let mailbox = parse_mailbox("bob@Example.TEST").unwrap();
        assert!(mailbox.domain().is("example.test"));
        assert!(!mailbox.domain().is("example.test.evil"));
        assert!(!Domain::Ipv4(Ipv4Addr::LOCALHOST).is("127.0.0.1"));
    }

    #[test]
    fn every_prefix_of_a_path_is_an_answer() {
        for path in [
            "<@a.test,@[IPv6:::1]:\"john \\\"x\\\" smith\"@[IPv6:2001:db8::1]> SIZE=1",
            "<alice@example.test>",
        ] {
            for end in 0..=path.len() {
                let prefix = &path[..end];
                if let Ok((parsed, _)) = parse_reverse_path(prefix) {
                    let written = parsed.to_string();
                    assert_eq!(parse_reverse_path(&written), Ok((parsed, "")), "{prefix:?}");
                }
                let _ = parse_forward_path(prefix);
                let _ = parse_mailbox(prefix);
            }
        }
    }
}

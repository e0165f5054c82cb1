//! The server's side of one SMTP connection, as a pure state machine.
//!
//! RFC 5321 §4.1.4 orders the commands, and §3.3 describes the mail
//! transaction they build; the states here are its steps:
//!
//! ```text
//!         connect
//!            │  220 mail.example.test ESMTP
//!            v
//!      ┌───────────┐  EHLO or HELO (any time: it resets, as RSET)
//!      │ Connected │──────────────────────────────┐
//!      └───────────┘                              v
//!                     RSET, a DATA done     ┌─────────┐
//!           ┌──────────────────────────────>│  Ready  │<──┐
//!           │                               └────┬────┘   │
//!           │                    MAIL FROM:<a@b> │ 250    │ RSET
//!           │                                    v        │
//!           │                              ┌──────────┐   │
//!           │                              │ MailFrom │───┤
//!           │                              └────┬─────┘   │
//!           │                  RCPT TO:<c@d>    │ 250     │
//!           │                  (again: up to 100)v        │
//!           │                              ┌────────────┐ │
//!           │                              │ Recipients │─┘
//!           │                              └────┬───────┘
//!           │                        DATA       │ 354, and the I/O part
//!           │                                   v reads the message
//!           │                              ┌──────────┐
//!           └──────────────────────────────│   Data   │ 250, 451 or 552
//!                                          └──────────┘
//! ```
//!
//! NOOP, VRFY, HELP, RSET and QUIT are allowed in every state; a command
//! out of its order gets `503 5.5.1` (RFC 5321 §4.1.4) and changes
//! nothing. Every reply but the greeting and the answers to EHLO and HELO
//! carries an enhanced status code (RFC 2034 §3, RFC 3463).
//!
//! # Who mail is for
//!
//! [`Config`] names the domains this server takes mail for and the users
//! who have a mailbox. `RCPT TO:<user@domain>` with one of each is
//! accepted (the local part compared without regard to case, as most
//! servers do); a user unknown in one of our domains gets `550 5.1.1`,
//! and any other domain `550 5.7.1`: the server relays for nobody (an
//! open relay is how spam is sent). A recipient is refused at `RCPT`,
//! never accepted and bounced later: a bounce goes to the reverse-path,
//! which a spammer forges, so a server that bounces sends spam to
//! innocent people ("backscatter").
//!
//! `postmaster` (as `<Postmaster>`, or `postmaster@` one of our domains)
//! is someone every SMTP server must take mail for (RFC 5321 §4.5.1: the
//! address to which people report that a server misbehaves). So it is
//! always a mailbox here, `MAILDIR_ROOT/postmaster`, whether or not a user
//! of that name was configured: the mail waits there, whole, for whoever
//! runs the server (a `--user postmaster` reads it over POP3).
//!
//! # Limits
//!
//! A transaction takes up to [`MAX_RECIPIENTS`] recipients, and
//! `452 4.5.3` after that, which tells the client to send the rest in
//! another transaction (RFC 5321 §4.5.3.1.10). A message larger than
//! [`Config::max_message_len`] is refused with `552 5.3.4`: at `MAIL` if
//! its `SIZE=` says so (RFC 1870 §6), else after the dot, once the I/O
//! part has read it to its end. After [`MAX_ERRORS`] refused commands the
//! session says `421` and closes.
//!
//! # Pipelining
//!
//! A client that saw `PIPELINING` (RFC 2920) sends `MAIL`, its `RCPT`s
//! and `DATA` in one write, and reads the replies after. Nothing here
//! needs to know: the session answers one line at a time, in order, and
//! the loop that drives it reads each line from what has arrived.
//!
//! # The message
//!
//! `DATA` in `Recipients` answers `354` and asks the I/O part, with
//! [`Action::Receive`], to read the message and store one copy per
//! recipient. [`SmtpSession::finish`] hears how that went, and only an
//! [`Outcome::Stored`] (every copy durable) is answered `250` (RFC 5321
//! §6.1: with it the server takes the responsibility for the message).
//! The I/O part's side, in a few lines:
//!
//! ```
//! use netlessons::smtp::session::{Action, Config, Outcome, SmtpSession};
//! use netlessons::wire::session::{Next, Session};
//! use std::sync::Arc;
//! use std::time::Instant;
//!
//! let config = Arc::new(Config::new("example.test", ["alice"]));
//! let mut session = SmtpSession::new(config, "192.0.2.7".parse().unwrap());
//! let now = Instant::now();
//! session.on_line(b"EHLO client.example.org", now);
//! session.on_line(b"MAIL FROM:<carol@example.org>", now);
//! let output = session.on_line(b"RCPT TO:<alice@example.test>", now);
//! assert_eq!(output.send, b"250 2.1.5 recipient <alice@example.test> OK\r\n");
//! let output = session.on_line(b"DATA", now);
//! assert_eq!(output.send, b"354 end data with <CR><LF>.<CR><LF>\r\n");
//! let Next::Act(Action::Receive(envelope)) = output.next else {
//!     panic!("DATA asks for the message");
//! };
//! assert_eq!(envelope.recipients[0].user, "alice");
//! // The I/O part reads the message, stores a copy, and says how it went.
//! let output = session.finish(Outcome::Stored { id: "1764585600.M1P7Q1".into() });
//! assert_eq!(output.send, b"250 2.0.0 Ok: queued as 1764585600.M1P7Q1\r\n");
//! ```

use super::address::{ForwardPath, ReversePath};
use super::command::{parse_command, Command, MAX_MAIL_LINE_LEN};
use super::reply::{self, EnhancedCode};
use crate::wire::line::LineError;
use crate::wire::session::{Next, Output, Session};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The mailbox every SMTP server must have (RFC 5321 §4.5.1), added to
/// the configured users if none of them has the name.
pub const POSTMASTER: &str = "postmaster";

/// The most recipients of one transaction: 100, the least RFC 5321
/// §4.5.3.1.8 lets a server take. Past it, `452 4.5.3`, and the client
/// sends the others in a second transaction. Each recipient costs an open
/// file while the message is read (a copy is written for each), so the
/// least the RFC allows is also the kindest to the server.
pub const MAX_RECIPIENTS: usize = 100;

/// Refused commands (500, 501, 503, a 550 for an unknown recipient...)
/// before the session closes with `421`: a client that keeps sending what
/// is not SMTP (an HTTP request, random bytes) is lost, and should not keep
/// a thread, and one that tries name after name to learn who has a mailbox
/// here learns little. (A 452 for one recipient too many is no error.) Twenty, as
/// Postfix's `smtpd_hard_error_limit`, leaves a person at a terminal
/// plenty of typing mistakes.
pub const MAX_ERRORS: u32 = 20;

/// How long a client may stay silent between two commands: 5 minutes, the
/// least RFC 5321 §4.5.3.2.7 allows a server to wait. The I/O part makes
/// it the socket's read timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The longest command line the I/O part reads, without its CR LF: the
/// longest MAIL line (RFC 1870 §3); [`parse_command`] refuses the other
/// commands past 510.
pub const MAX_LINE_LEN: usize = MAX_MAIL_LINE_LEN - 2;

/// The commands HELP lists.
const COMMANDS: &str = "EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT";

/// 4.7.0: a security or policy reason, here too many errors (RFC 3463 §3.8).
const POLICY: EnhancedCode = EnhancedCode::new(4, 7, 0);

/// What the server accepts mail for, shared by all its sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The server's own name: in the greeting, EHLO's reply and `Received`.
    pub domain: String,
    /// The domains it takes mail for: its own name and any added with
    /// [`with_domain`](Config::with_domain).
    pub domains: Vec<String>,
    /// The users who have a mailbox, by the name of their mailbox.
    pub users: Vec<String>,
    /// The largest message, in octets as sent (line ends as CR LF, after
    /// unstuffing): EHLO's `SIZE`.
    pub max_message_len: u64,
}

impl Config {
    /// Mail for `users` at `domain`, messages of up to
    /// [`crate::maildir::MAX_MESSAGE_LEN`].
    pub fn new<I, S>(domain: impl Into<String>, users: I) -> Config
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let domain = domain.into();
        let mut users: Vec<String> = users.into_iter().map(Into::into).collect();
        // RFC 5321 §4.5.1: every server takes mail for postmaster.
        if !users
            .iter()
            .any(|user| user.eq_ignore_ascii_case(POSTMASTER))
        {
            users.push(POSTMASTER.to_string());
        }
        Config {
            domains: vec![domain.clone()],
            domain,
            users,
            max_message_len: crate::maildir::MAX_MESSAGE_LEN,
        }
    }

    /// Takes mail for `domain` too (`example.test` and `mail.example.test`).
    pub fn with_domain(mut self, domain: impl Into<String>) -> Config {
        self.domains.push(domain.into());
        self
    }

    /// Takes messages of up to `len` octets.
    pub fn with_max_message_len(mut self, len: u64) -> Config {
        self.max_message_len = len;
        self
    }

    // ANCHOR: recipient
    /// The user whose mailbox `path` names, or why there is none.
    pub fn recipient(&self, path: &ForwardPath) -> Result<&str, Refusal> {
        let local_part = match path {
            ForwardPath::Postmaster => POSTMASTER,
            ForwardPath::Mailbox(mailbox) => {
                let domain = mailbox.domain();
                if !self.domains.iter().any(|ours| domain.is(ours)) {
                    return Err(Refusal::NotOurDomain);
                }
                mailbox.local_part()
            }
        };
        self.users
            .iter()
            .find(|user| user.eq_ignore_ascii_case(local_part))
            .map(String::as_str)
            .ok_or(Refusal::NoSuchUser)
    }
    // ANCHOR_END: recipient
}

/// Why a recipient is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The domain is not one of ours: relaying refused (550 5.7.1).
    NotOurDomain,
    /// Our domain, but nobody of that name (550 5.1.1).
    NoSuchUser,
}

/// One copy to store: whose mailbox, and the address the client gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The user, as [`Config::users`] names them (their mailbox's name).
    pub user: String,
    /// The forward-path as the client sent it, for `Received: ... for`.
    pub path: ForwardPath,
}

/// A mail transaction in progress (RFC 5321 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The reverse-path of MAIL.
    pub from: ReversePath,
    /// One per mailbox: a second RCPT for the same user is accepted and
    /// stores no second copy.
    pub recipients: Vec<Recipient>,
    /// RCPT commands accepted, duplicates included: what the limit counts.
    pub accepted: usize,
}

/// The states of the diagram in the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Greeted, waiting for EHLO or HELO.
    Connected,
    /// The client said hello; no transaction.
    Ready,
    /// After MAIL: a sender, no recipient yet.
    MailFrom(Transaction),
    /// One or more recipients accepted.
    Recipients(Transaction),
    /// After DATA's 354: the I/O part is reading the message.
    Data,
}

/// The I/O the session asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The `354` has gone out: read the message (dot-stuffed, up to
    /// `envelope.max_len` octets), store one copy per recipient, each with
    /// its trace fields, and say how it went with an [`Outcome`].
    Receive(Envelope),
}

/// What the I/O part needs to store a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sender, for `Return-Path`.
    pub from: ReversePath,
    /// One copy each.
    pub recipients: Vec<Recipient>,
    /// The name the client gave in EHLO or HELO.
    pub client_name: String,
    /// The address the connection came from.
    pub client_address: IpAddr,
    /// `ESMTP` after EHLO, `SMTP` after HELO, for `Received: ... with`.
    pub protocol: &'static str,
    /// The largest message taken, in octets as sent.
    pub max_len: u64,
}

/// How [`Action::Receive`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every copy is in its Maildir's `new/`, durably. `id` names the
    /// transaction.
    Stored {
        /// The transaction's id, as in the `Received` fields.
        id: String,
    },
    /// The message was larger than `max_len`; it was read to its end, and
    /// nothing was stored.
    TooLarge,
    /// A copy could not be written or made durable. Every copy is removed
    /// again, but `copies_left` could not be (they are in `new/`: a
    /// recipient may get the message twice when the client tries again).
    NotStored {
        /// Copies in `new/` that could not be removed.
        copies_left: usize,
    },
    /// The message did not arrive within its deadline.
    TimedOut,
}

/// One connection's SMTP session.
#[derive(Debug)]
pub struct SmtpSession {
    config: Arc<Config>,
    client_address: IpAddr,
    state: State,
    /// The name given in the last EHLO or HELO, and whether it was EHLO.
    hello: Option<(String, bool)>,
    errors: u32,
}

/// `code status text`, then read on.
fn reply(code: u16, status: EnhancedCode, text: &str) -> Output<Action> {
    Output::reply(reply::with_status(code, status, text))
}

/// 503 5.5.1: a command out of its order (RFC 5321 §4.1.4).
const BAD_SEQUENCE: EnhancedCode = EnhancedCode::INVALID_COMMAND;

impl SmtpSession {
    /// A session for a client at `client_address`, taking mail as `config`
    /// says.
    pub fn new(config: Arc<Config>, client_address: IpAddr) -> SmtpSession {
        SmtpSession {
            config,
            client_address,
            state: State::Connected,
            hello: None,
            errors: 0,
        }
    }

    /// The state, as the module docs name it.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state with no transaction: `Ready` after a hello, else
    /// `Connected` (RSET does not greet, RFC 5321 §4.1.1.5).
    fn no_transaction(&self) -> State {
        match self.hello {
            Some(_) => State::Ready,
            None => State::Connected,
        }
    }

    /// A refusal, counted.
    fn refuse(&mut self, code: u16, status: EnhancedCode, text: &str) -> Output<Action> {
        self.refuse_with(reply::with_status(code, status, text))
    }

    /// Sends the refusal `reply`; the [`MAX_ERRORS`]th closes instead.
    fn refuse_with(&mut self, reply: String) -> Output<Action> {
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            return Output::close(reply::with_status(
                reply::SERVICE_NOT_AVAILABLE,
                POLICY,
                &format!("{} too many errors; closing connection", self.config.domain),
            ));
        }
        Output::reply(reply)
    }

    // ANCHOR: command
    fn command(&mut self, command: Command) -> Output<Action> {
        match command {
            Command::Ehlo(name) => self.hello(name, true),
            Command::Helo(name) => self.hello(name, false),
            Command::Mail { from, parameters } => self.mail(from, parameters.size),
            Command::Rcpt { to } => self.rcpt(to),
            Command::Data => self.data(),
            Command::Rset => {
                self.state = self.no_transaction();
                reply(reply::OK, EnhancedCode::OK, "OK")
            }
            Command::Noop => reply(reply::OK, EnhancedCode::OK, "OK"),
            // RFC 5321 §3.5.3: a server that does not tell strangers who
            // its users are answers 252, "cannot verify, but try".
            Command::Vrfy(_) => reply(
                reply::CANNOT_VERIFY,
                EnhancedCode::OK,
                "cannot verify the user, but will take mail for them and try",
            ),
            Command::Expn(_) => self.refuse(
                reply::NOT_IMPLEMENTED,
                EnhancedCode::INVALID_COMMAND,
                "EXPN is not offered here",
            ),
            Command::Help(_) => reply(
                reply::HELP_MESSAGE,
                EnhancedCode::OK,
                &format!("commands: {COMMANDS}; see RFC 5321"),
            ),
            Command::Quit => Output::close(reply::with_status(
                reply::CLOSING,
                EnhancedCode::OK,
                &format!("{} closing connection", self.config.domain),
            )),
        }
    }
    // ANCHOR_END: command

    /// EHLO and HELO: greet, and forget any transaction (RFC 5321 §4.1.4:
    /// as RSET does).
    fn hello(&mut self, name: String, extended: bool) -> Output<Action> {
        let domain = &self.config.domain;
        let greeting = format!("greets {name}");
        let text = match extended {
            true => {
                let size = format!("SIZE {}", self.config.max_message_len);
                reply::ehlo_reply(
                    domain,
                    &greeting,
                    &[
                        &size,
                        "8BITMIME",
                        "PIPELINING",
                        "ENHANCEDSTATUSCODES",
                        "HELP",
                    ],
                )
            }
            false => reply::one_line(reply::OK, &format!("{domain} {greeting}")),
        };
        self.hello = Some((name, extended));
        self.state = State::Ready;
        Output::reply(text)
    }

    // ANCHOR: mail
    fn mail(&mut self, from: ReversePath, size: Option<u64>) -> Output<Action> {
        match self.state {
            State::Connected => {
                return self.refuse(reply::BAD_SEQUENCE, BAD_SEQUENCE, "send EHLO or HELO first")
            }
            State::MailFrom(_) | State::Recipients(_) | State::Data => {
                return self.refuse(
                    reply::BAD_SEQUENCE,
                    BAD_SEQUENCE,
                    "a transaction is open: finish it, or send RSET",
                )
            }
            State::Ready => {}
        }
        // RFC 1870 §6.1: a declared size past the limit is refused now,
        // before the client sends a byte of the message.
        let limit = self.config.max_message_len;
        if size.is_some_and(|size| size > limit) {
            return self.refuse(
                reply::EXCEEDED_STORAGE,
                EnhancedCode::MESSAGE_TOO_BIG,
                &format!("the message is larger than the {limit} octets this server takes"),
            );
        }
        let text = format!("sender {from} OK");
        self.state = State::MailFrom(Transaction {
            from,
            recipients: Vec::new(),
            accepted: 0,
        });
        reply(reply::OK, EnhancedCode::SENDER_OK, &text)
    }
    // ANCHOR_END: mail

    // ANCHOR: rcpt
    fn rcpt(&mut self, to: ForwardPath) -> Output<Action> {
        let mut transaction = match std::mem::replace(&mut self.state, State::Data) {
            State::MailFrom(transaction) | State::Recipients(transaction) => transaction,
            other => {
                self.state = other;
                return self.refuse(reply::BAD_SEQUENCE, BAD_SEQUENCE, "send MAIL first");
            }
        };
        let output = self.add_recipient(&mut transaction, to);
        self.state = match transaction.accepted {
            0 => State::MailFrom(transaction),
            _ => State::Recipients(transaction),
        };
        output
    }

    fn add_recipient(&mut self, transaction: &mut Transaction, to: ForwardPath) -> Output<Action> {
        if transaction.accepted >= MAX_RECIPIENTS {
            // Temporary (4xx), not 552: RFC 5321 §4.5.3.1.10.
            return reply(
                reply::INSUFFICIENT_STORAGE,
                EnhancedCode::TOO_MANY_RECIPIENTS.in_class(4),
                &format!("too many recipients: {MAX_RECIPIENTS} at most; send the rest in another transaction"),
            );
        }
        let user = match self.config.recipient(&to) {
            Ok(user) => user.to_string(),
            Err(Refusal::NotOurDomain) => {
                return self.refuse(
                    reply::MAILBOX_UNAVAILABLE,
                    EnhancedCode::NOT_AUTHORIZED,
                    &format!(
                        "{to}: relaying denied; this server takes mail for its own domains only"
                    ),
                )
            }
            Err(Refusal::NoSuchUser) => {
                return self.refuse(
                    reply::MAILBOX_UNAVAILABLE,
                    EnhancedCode::BAD_DESTINATION_MAILBOX,
                    &format!("{to}: no such user here"),
                )
            }
        };
        let text = format!("recipient {to} OK");
        transaction.accepted += 1;
        if !transaction
            .recipients
            .iter()
            .any(|known| known.user == user)
        {
            transaction.recipients.push(Recipient { user, path: to });
        }
        reply(reply::OK, EnhancedCode::DESTINATION_OK, &text)
    }
    // ANCHOR_END: rcpt

    // ANCHOR: data
    fn data(&mut self) -> Output<Action> {
        let transaction = match std::mem::replace(&mut self.state, State::Data) {
            State::Recipients(transaction) => transaction,
            // RFC 5321 §3.3: MAIL, but every RCPT refused: 554 "no valid
            // recipients"; no MAIL at all: 503.
            State::MailFrom(transaction) => {
                self.state = State::MailFrom(transaction);
                return self.refuse(
                    reply::TRANSACTION_FAILED,
                    EnhancedCode::INVALID_COMMAND,
                    "no valid recipients",
                );
            }
            other => {
                self.state = other;
                return self.refuse(
                    reply::BAD_SEQUENCE,
                    BAD_SEQUENCE,
                    "send MAIL and RCPT first",
                );
            }
        };
        let (client_name, extended) = self.hello.clone().unwrap_or_default();
        let envelope = Envelope {
            from: transaction.from,
            recipients: transaction.recipients,
            client_name,
            client_address: self.client_address,
            protocol: if extended { "ESMTP" } else { "SMTP" },
            max_len: self.config.max_message_len,
        };
        Output::reply(reply::one_line(
            reply::START_MAIL_INPUT,
            "end data with <CR><LF>.<CR><LF>",
        ))
        .then(Next::Act(Action::Receive(envelope)))
    }
    // ANCHOR_END: data

    // ANCHOR: finish
    /// How the [`Action::Receive`] went: the reply to the message. Whatever
    /// it is, the transaction is over (RFC 5321 §4.1.1.4).
    pub fn finish(&mut self, outcome: Outcome) -> Output<Action> {
        if self.state != State::Data {
            return Output::close(reply::with_status(
                reply::LOCAL_ERROR,
                EnhancedCode::SYSTEM_ERROR,
                "internal error: no message was being read",
            ));
        }
        self.state = self.no_transaction();
        match outcome {
            Outcome::Stored { id } => {
                reply(reply::OK, EnhancedCode::OK, &format!("Ok: queued as {id}"))
            }
            Outcome::TooLarge => reply(
                reply::EXCEEDED_STORAGE,
                EnhancedCode::MESSAGE_TOO_BIG,
                &format!(
                    "the message is larger than the {} octets this server takes",
                    self.config.max_message_len
                ),
            ),
            Outcome::NotStored { copies_left: 0 } => reply(
                reply::LOCAL_ERROR,
                EnhancedCode::SYSTEM_ERROR,
                "the message could not be stored; try again later",
            ),
            Outcome::NotStored { copies_left } => reply(
                reply::LOCAL_ERROR,
                EnhancedCode::SYSTEM_ERROR,
                &format!(
                    "the message could not be stored for every recipient, and {copies_left} \
                     copies could not be taken back; try again later (some may get it twice)"
                ),
            ),
            Outcome::TimedOut => Output::close(reply::with_status(
                reply::SERVICE_NOT_AVAILABLE,
                EnhancedCode::BAD_CONNECTION,
                &format!(
                    "{} the message took too long; closing connection",
                    self.config.domain
                ),
            )),
        }
    }
    // ANCHOR_END: finish
}

impl Session for SmtpSession {
    type Action = Action;

    /// `220 mail.example.test ESMTP` (RFC 5321 §4.3.1; no enhanced code,
    /// RFC 2034 §3).
    fn greeting(&mut self, _now: Instant) -> Output<Action> {
        Output::reply(reply::one_line(
            reply::SERVICE_READY,
            &format!("{} ESMTP", self.config.domain),
        ))
    }

    fn on_line(&mut self, line: &[u8], _now: Instant) -> Output<Action> {
        if self.state == State::Data {
            // The I/O part reads the message itself; a line here is a
            // defect of the loop, not of the client.
            return Output::close(reply::with_status(
                reply::LOCAL_ERROR,
                EnhancedCode::SYSTEM_ERROR,
                "internal error: a command during the message",
            ));
        }
        match parse_command(line) {
            Ok(command) => self.command(command),
            Err(error) => self.refuse_with(error.reply()),
        }
    }

    /// A line past [`MAX_LINE_LEN`], or ended by a bare LF (RFC 5321
    /// §2.3.8 allows only CR LF): `500 5.5.2`, and the next line is read.
    fn on_bad_line(&mut self, error: LineError, _now: Instant) -> Output<Action> {
        let text = match error {
            LineError::TooLong { .. } => {
                "line too long: 512 octets at most (538 for MAIL with SIZE=)".to_string()
            }
            LineError::BareLf => error.to_string(),
        };
        self.refuse(reply::SYNTAX_ERROR, EnhancedCode::SYNTAX_ERROR, &text)
    }

    /// Silent for [`IDLE_TIMEOUT`], or a command line that took as long:
    /// `421 4.4.2` and close (RFC 5321 §4.5.3.2.7, §3.8).
    fn on_timeout(&mut self, _now: Instant) -> Output<Action> {
        Output::close(reply::with_status(
            reply::SERVICE_NOT_AVAILABLE,
            EnhancedCode::BAD_CONNECTION,
            &format!(
                "{} idle for too long; closing connection",
                self.config.domain
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::parse_mailbox;

    fn config() -> Config {
        Config::new("mail.example.test", ["alice", "bob"])
            .with_domain("example.test")
            .with_max_message_len(1000)
    }

    fn session() -> SmtpSession {
        SmtpSession::new(Arc::new(config()), "192.0.2.7".parse().unwrap())
    }

    /// The text the session sends for `line`, and what it does next.
    fn send(session: &mut SmtpSession, line: &str) -> (String, Next<Action>) {
        let output = session.on_line(line.as_bytes(), Instant::now());
        (String::from_utf8(output.send).unwrap(), output.next)
    }

    fn text(session: &mut SmtpSession, line: &str) -> String {
        send(session, line).0
    }

    fn path(address: &str) -> ForwardPath {
        ForwardPath::Mailbox(parse_mailbox(address).unwrap())
    }

    #[test]
    fn a_whole_session_as_bytes() {
        let mut session = session();
        let greeting = session.greeting(Instant::now());
        assert_eq!(greeting.send, b"220 mail.example.test ESMTP\r\n");
        let table = [
            (
                "EHLO client.example.org",
                "250-mail.example.test greets client.example.org\r\n\
                 250-SIZE 1000\r\n250-8BITMIME\r\n250-PIPELINING\r\n\
                 250-ENHANCEDSTATUSCODES\r\n250 HELP\r\n",
            ),
            (
                "MAIL FROM:<carol@example.org> SIZE=300",
                "250 2.1.0 sender <carol@example.org> OK\r\n",
            ),
            (
                "RCPT TO:<alice@example.test>",
                "250 2.1.5 recipient <alice@example.test> OK\r\n",
            ),
            (
                "RCPT TO:<Bob@MAIL.example.test>",
                "250 2.1.5 recipient <Bob@MAIL.example.test> OK\r\n",
            ),
            (
                "RCPT TO:<mallory@example.test>",
                "550 5.1.1 <mallory@example.test>: no such user here\r\n",
            ),
            (
                "RCPT TO:<victim@elsewhere.test>",
                "550 5.7.1 <victim@elsewhere.test>: relaying denied; \
                 this server takes mail for its own domains only\r\n",
            ),
            ("NOOP", "250 2.0.0 OK\r\n"),
            (
                "VRFY alice",
                "252 2.0.0 cannot verify the user, but will take mail for them and try\r\n",
            ),
            (
                "HELP",
                "214 2.0.0 commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT; \
                 see RFC 5321\r\n",
            ),
            ("EXPN staff", "502 5.5.1 EXPN is not offered here\r\n"),
        ];
        for (line, expected) in table {
            assert_eq!(text(&mut session, line), expected, "{line}");
        }
        let (sent, next) = send(&mut session, "DATA");
        assert_eq!(sent, "354 end data with <CR><LF>.<CR><LF>\r\n");
        let Next::Act(Action::Receive(envelope)) = next else {
            panic!("DATA asks to receive: {next:?}");
        };
        assert_eq!(
            envelope,
            Envelope {
                from: ReversePath::Mailbox(parse_mailbox("carol@example.org").unwrap()),
                recipients: vec![
                    Recipient {
                        user: "alice".into(),
                        path: path("alice@example.test"),
                    },
                    Recipient {
                        user: "bob".into(),
                        path: path("Bob@MAIL.example.test"),
                    },
                ],
                client_name: "client.example.org".into(),
                client_address: "192.0.2.7".parse().unwrap(),
                protocol: "ESMTP",
                max_len: 1000,
            }
        );
        assert_eq!(session.state(), &State::Data);
        let output = session.finish(Outcome::Stored { id: "ID7".into() });
        assert_eq!(output, Output::reply("250 2.0.0 Ok: queued as ID7"));
        assert_eq!(session.state(), &State::Ready);
        assert_eq!(
            session.on_line(b"QUIT", Instant::now()),
            Output::close("221 2.0.0 mail.example.test closing connection")
        );
    }

    #[test]
    fn commands_out_of_order_get_503_and_change_nothing() {
        // RFC 5321 §4.1.4, and §3.3 for DATA after refused recipients.
        let table: &[(&[&str], &str, &str)] = &[
            (
                &[],
                "MAIL FROM:<a@b.test>",
                "503 5.5.1 send EHLO or HELO first",
            ),
            (
                &[],
                "RCPT TO:<alice@example.test>",
                "503 5.5.1 send MAIL first",
            ),
            (&[], "DATA", "503 5.5.1 send MAIL and RCPT first"),
            (
                &["HELO c"],
                "RCPT TO:<alice@example.test>",
                "503 5.5.1 send MAIL first",
            ),
            (&["HELO c"], "DATA", "503 5.5.1 send MAIL and RCPT first"),
            (
                &["HELO c", "MAIL FROM:<>"],
                "MAIL FROM:<>",
                "503 5.5.1 a transaction is open: finish it, or send RSET",
            ),
            (
                &["HELO c", "MAIL FROM:<>", "RCPT TO:<x@elsewhere.test>"],
                "DATA",
                "554 5.5.1 no valid recipients",
            ),
            (
                &["HELO c", "MAIL FROM:<>", "RSET"],
                "RCPT TO:<alice@example.test>",
                "503 5.5.1 send MAIL first",
            ),
            (
                &[
                    "HELO c",
                    "MAIL FROM:<>",
                    "RCPT TO:<alice@example.test>",
                    "EHLO c",
                ],
                "DATA",
                "503 5.5.1 send MAIL and RCPT first",
            ),
            (
                &["RSET"],
                "MAIL FROM:<>",
                "503 5.5.1 send EHLO or HELO first",
            ),
        ];
        for (before, line, expected) in table {
            let mut session = session();
            for earlier in *before {
                text(&mut session, earlier);
            }
            let state = session.state().clone();
            assert_eq!(
                text(&mut session, line),
                format!("{expected}\r\n"),
                "{before:?} {line}"
            );
            assert_eq!(session.state(), &state, "{before:?} {line}");
        }
    }

    #[test]
    fn helo_is_answered_in_one_line_and_received_says_smtp() {
        let mut session = session();
        assert_eq!(
            text(&mut session, "HELO old"),
            "250 mail.example.test greets old\r\n"
        );
        text(&mut session, "MAIL FROM:<>");
        text(&mut session, "RCPT TO:<alice@example.test>");
        let (_, next) = send(&mut session, "DATA");
        let Next::Act(Action::Receive(envelope)) = next else {
            panic!("{next:?}");
        };
        assert_eq!(envelope.protocol, "SMTP");
        assert_eq!(envelope.from, ReversePath::Null);
    }

    #[test]
    fn a_declared_size_over_the_limit_is_refused_at_mail() {
        // RFC 1870 §6.1.
        let mut session = session();
        text(&mut session, "EHLO c");
        assert_eq!(
            text(&mut session, "MAIL FROM:<a@b.test> SIZE=1001"),
            "552 5.3.4 the message is larger than the 1000 octets this server takes\r\n"
        );
        assert_eq!(session.state(), &State::Ready);
        assert_eq!(
            text(&mut session, "MAIL FROM:<a@b.test> SIZE=1000"),
            "250 2.1.0 sender <a@b.test> OK\r\n"
        );
    }

    #[test]
    fn postmaster_is_always_a_mailbox() {
        // RFC 5321 §4.5.1: <Postmaster>, and postmaster@ our domains, are
        // taken whether or not a user of that name was configured.
        let without = config();
        for to in ["<Postmaster>", "<postmaster@example.test>"] {
            let path = crate::smtp::address::parse_forward_path(to).unwrap().0;
            assert_eq!(without.recipient(&path), Ok("postmaster"), "{to}");
        }
        let with = Config::new("example.test", ["alice", "postmaster"]);
        for to in ["<Postmaster>", "<PostMaster@Example.Test>"] {
            let path = crate::smtp::address::parse_forward_path(to).unwrap().0;
            assert_eq!(with.recipient(&path), Ok("postmaster"), "{to}");
        }
        let elsewhere = path("postmaster@elsewhere.test");
        assert_eq!(with.recipient(&elsewhere), Err(Refusal::NotOurDomain));
        // An address literal is no domain of ours, even our own address.
        assert_eq!(
            with.recipient(&path("alice@[127.0.0.1]")),
            Err(Refusal::NotOurDomain)
        );
    }

    #[test]
    fn a_second_rcpt_for_the_same_mailbox_stores_one_copy() {
        let mut session = session();
        text(&mut session, "EHLO c");
        text(&mut session, "MAIL FROM:<>");
        for to in [
            "alice@example.test",
            "ALICE@example.test",
            "alice@mail.example.test",
        ] {
            assert!(text(&mut session, &format!("RCPT TO:<{to}>")).starts_with("250 2.1.5 "));
        }
        let (_, next) = send(&mut session, "DATA");
        let Next::Act(Action::Receive(envelope)) = next else {
            panic!("{next:?}");
        };
        assert_eq!(envelope.recipients.len(), 1);
        assert_eq!(envelope.recipients[0].path, path("alice@example.test"));
    }

    #[test]
    fn past_100_recipients_the_rest_get_452() {
        // RFC 5321 §4.5.3.1.8 and §4.5.3.1.10: temporary, try them later.
        let mut session = session();
        text(&mut session, "EHLO c");
        text(&mut session, "MAIL FROM:<>");
        let mut accepted = 0;
        for n in 0..1000 {
            let to = if n % 2 == 0 { "alice" } else { "bob" };
            let reply = text(&mut session, &format!("RCPT TO:<{to}@example.test>"));
            if reply.starts_with("250 2.1.5 ") {
                accepted += 1;
            } else {
                assert_eq!(
                    reply,
                    "452 4.5.3 too many recipients: 100 at most; \
                     send the rest in another transaction\r\n"
                );
            }
        }
        assert_eq!(accepted, MAX_RECIPIENTS);
        // The 452s are no errors: the session is still open.
        let (sent, next) = send(&mut session, "DATA");
        assert!(sent.starts_with("354 "), "{sent}");
        assert!(matches!(next, Next::Act(_)));
    }

    #[test]
    fn every_outcome_of_the_message_has_its_reply_and_ends_the_transaction() {
        let table = [
            (
                Outcome::Stored { id: "X1".into() },
                "250 2.0.0 Ok: queued as X1",
                Next::Read,
            ),
            (
                Outcome::TooLarge,
                "552 5.3.4 the message is larger than the 1000 octets this server takes",
                Next::Read,
            ),
            (
                Outcome::NotStored { copies_left: 0 },
                "451 4.3.0 the message could not be stored; try again later",
                Next::Read,
            ),
            (
                Outcome::NotStored { copies_left: 1 },
                "451 4.3.0 the message could not be stored for every recipient, and 1 copies \
                 could not be taken back; try again later (some may get it twice)",
                Next::Read,
            ),
            (
                Outcome::TimedOut,
                "421 4.4.2 mail.example.test the message took too long; closing connection",
                Next::Close,
            ),
        ];
        for (outcome, reply, next) in table {
            let mut session = session();
            text(&mut session, "EHLO c");
            text(&mut session, "MAIL FROM:<>");
            text(&mut session, "RCPT TO:<alice@example.test>");
            send(&mut session, "DATA");
            let output = session.finish(outcome.clone());
            assert_eq!(
                String::from_utf8(output.send).unwrap(),
                format!("{reply}\r\n")
            );
            assert_eq!(output.next, next, "{outcome:?}");
            assert_eq!(session.state(), &State::Ready, "{outcome:?}");
        }
        // No message was being read: a defect, which closes.
        let output = session().finish(Outcome::TooLarge);
        assert_eq!(output.next, Next::Close);
    }

    #[test]
    fn bad_lines_and_silence() {
        let mut session = session();
        let now = Instant::now();
        let long = session.on_bad_line(
            LineError::TooLong {
                limit: MAX_LINE_LEN,
            },
            now,
        );
        assert_eq!(
            long,
            Output::reply("500 5.5.2 line too long: 512 octets at most (538 for MAIL with SIZE=)")
        );
        let bare = session.on_bad_line(LineError::BareLf, now);
        assert_eq!(
            bare,
            Output::reply("500 5.5.2 line ended with LF alone; CR LF is required")
        );
        assert_eq!(
            session.on_timeout(now),
            Output::close("421 4.4.2 mail.example.test idle for too long; closing connection")
        );
    }

    #[test]
    fn syntax_errors_have_the_replies_of_the_parser() {
        let mut session = session();
        text(&mut session, "EHLO c");
        let table = [
            ("XYZZ", "500 5.5.1 unknown command \"XYZZ\""),
            (
                "MAIL FROM:alice@example.org",
                "501 5.1.7 sender: the address must be in angle brackets, as <user@example.com>",
            ),
            ("STARTTLS", "502 5.5.1 STARTTLS is not implemented here"),
        ];
        for (line, reply) in table {
            assert_eq!(text(&mut session, line), format!("{reply}\r\n"), "{line}");
        }
    }

    #[test]
    fn after_20_refused_commands_the_session_closes() {
        let mut session = session();
        for _ in 1..MAX_ERRORS {
            let (sent, next) = send(&mut session, "GET / HTTP/1.1");
            assert!(sent.starts_with("500 5.5.1 "), "{sent}");
            assert_eq!(next, Next::Read);
        }
        assert_eq!(
            session.on_line(b"GET / HTTP/1.1", Instant::now()),
            Output::close("421 4.7.0 mail.example.test too many errors; closing connection")
        );
    }
}

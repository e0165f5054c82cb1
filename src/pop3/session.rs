//! The server's side of one POP3 connection, as a pure state machine.
//!
//! RFC 1939 names three states, and the session is in one of them:
//!
//! ```text
//!             connect
//!                │   +OK POP3 server ready
//!                v
//!        ┌───────────────┐  USER alice / +OK
//!        │ AUTHORIZATION │  PASS wrong / (a delay) -ERR [AUTH] ...
//!        └───────┬───────┘
//!                │  PASS right, and the maildrop locked:
//!                │  +OK maildrop has 2 messages (320 octets)
//!                v
//!        ┌───────────────┐  STAT LIST UIDL RETR TOP DELE RSET NOOP
//!        │  TRANSACTION  │  (DELE only marks: nothing is removed yet)
//!        └───────┬───────┘
//!                │  QUIT
//!                v
//!        ┌───────────────┐  the marked messages are removed,
//!        │    UPDATE     │  +OK, and the connection closes
//!        └───────────────┘
//! ```
//!
//! Only `QUIT` in TRANSACTION changes the mailbox (§6). A client that
//! vanishes, or stays silent past the idle limit, leaves it as it was: its
//! `DELE`s are forgotten, which is what makes a dropped connection safe.
//!
//! The maildrop is read once, when the login succeeds: the message numbers
//! (1, 2, 3, …) and sizes given then hold for the whole session, and mail
//! delivered during it shows in the next one (§5 asks numbers to stay put).
//!
//! Like chapter 09's FTP session, this one does no I/O. It asks for it
//! with an [`Action`] (wait, open and lock the maildrop, open a message,
//! send it, remove messages) and hears how it went through
//! [`Pop3Session::finish`]. Every rule is tested by sending it lines.
//!
//! Replies carry the response codes of RFC 2449 §8 and RFC 3206, in
//! brackets after `-ERR`, so that a client can tell "wrong password"
//! (`[AUTH]`) from "someone else has the mailbox open" (`[IN-USE]`) and
//! from "the server failed" (`[SYS/TEMP]`) without reading the words.

use super::command::{parse_command, Command, MessageNumber};
use crate::accounts::{Accounts, Password};
use crate::wire::line::LineError;
use crate::wire::session::{Next, Output, Session};
use std::time::{Duration, Instant};

/// How long a failed login waits before its `-ERR`: one second, as in
/// chapter 09. A person hardly notices; a guesser gets one try a second
/// per connection, and an unknown name waits as long as a wrong password.
pub const LOGIN_FAILURE_DELAY: Duration = Duration::from_secs(1);

/// Failed logins before the connection is closed: as chapter 09's.
pub const MAX_LOGIN_FAILURES: u32 = 3;

/// How long a client may stay silent: ten minutes, the least RFC 1939 §3
/// allows for the "autologout" timer (a person reading mail between
/// commands must not be logged out). The I/O part sets it as the socket's
/// read timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The longest unique id RFC 1939 §7 allows: 70 characters, each of
/// `0x21` to `0x7E`.
pub const MAX_UID_LEN: usize = 70;

/// One message of the maildrop, as the I/O part found it at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its unique id for `UIDL` (RFC 1939 §7): the same in every session,
    /// never given to another message; 1 to [`MAX_UID_LEN`] printable
    /// characters ([`is_valid_uid`]).
    pub uid: String,
    /// Its size in octets as `RETR` sends it (line ends as CR LF, before
    /// byte-stuffing): what `STAT` and `LIST` count (§5).
    pub size: u64,
}

/// Whether `uid` may be sent as a unique id (RFC 1939 §7).
pub fn is_valid_uid(uid: &str) -> bool {
    (1..=MAX_UID_LEN).contains(&uid.len()) && uid.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The states of RFC 1939 §3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Before a login: `USER` and `PASS` (§4).
    Authorization {
        /// The name of the last `USER`, known or not, until its `PASS`.
        user: Option<String>,
    },
    /// Logged in, the maildrop locked (§5).
    Transaction {
        /// Whose maildrop.
        user: String,
    },
    /// After `QUIT` in TRANSACTION: the marked messages are going (§6).
    Update,
}

/// The I/O the session asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answer [`Outcome::Waited`] at this instant (a failed login).
    Delay(Instant),
    /// Open and lock `user`'s maildrop, and list it:
    /// [`Outcome::Opened`], [`Outcome::InUse`] or [`Outcome::Failed`].
    Open {
        /// Whose maildrop.
        user: String,
    },
    /// Open a message to send it: [`Outcome::MessageOpened`] or
    /// [`Outcome::Failed`], before any of it is sent.
    OpenMessage {
        /// The message's unique id, as in the listing.
        uid: String,
        /// `None` for `RETR`, the whole message; `Some(n)` for `TOP`: the
        /// header, the blank line, and `n` lines of the body.
        body_lines: Option<u64>,
    },
    /// Send the opened message: its lines with CR LF ends, byte-stuffed,
    /// then `.` CR LF (RFC 1939 §3). [`Outcome::Sent`], or
    /// [`Outcome::Failed`] if it could not be read to its end.
    Send,
    /// Remove these messages (none, maybe), for `QUIT` (§6), and release
    /// the maildrop's lock: [`Outcome::Removed`].
    Remove {
        /// Their unique ids.
        uids: Vec<String>,
    },
}

/// How an [`Action`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The delay is over.
    Waited,
    /// The maildrop is locked for this session; here are its messages,
    /// in the order they are to be numbered.
    Opened(Vec<Message>),
    /// Another session holds the maildrop's lock.
    InUse,
    /// The message is open, ready to send.
    MessageOpened,
    /// The message went out, ended by its `.` line.
    Sent,
    /// Of the messages to remove, `failed` could not be.
    Removed {
        /// How many are still there.
        failed: usize,
    },
    /// The I/O failed (a file unreadable, the disk in trouble).
    Failed,
}

/// What the session waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    LoginFailure,
    Open { user: String },
    OpenMessage { size: u64, body_lines: Option<u64> },
    Send,
    Remove { left: usize },
}

/// One connection's POP3 session.
#[derive(Debug)]
pub struct Pop3Session {
    accounts: Accounts,
    state: State,
    /// The maildrop as listed at login, and which messages are marked.
    messages: Vec<(Message, bool)>,
    login_failures: u32,
    pending: Option<Pending>,
}

/// `+OK text`, then read on.
fn ok(text: impl std::fmt::Display) -> Output<Action> {
    Output::reply(format!("+OK {text}"))
}

/// `-ERR text`, then read on.
fn err(text: impl std::fmt::Display) -> Output<Action> {
    Output::reply(format!("-ERR {text}"))
}

fn act(action: Action) -> Output<Action> {
    Output {
        send: Vec::new(),
        next: Next::Act(action),
    }
}

/// A multi-line response: `+OK first`, each line (byte-stuffed), `.`.
fn multi_line<I, S>(first: &str, lines: I) -> Output<Action>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut text = format!("+OK {first}\r\n");
    for line in lines {
        let line = line.as_ref();
        if line.starts_with('.') {
            text.push('.');
        }
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push('.');
    Output::reply(text)
}

/// CAPA's list (RFC 2449 §6): what a client may rely on.
const CAPABILITIES: &[&str] = &[
    "USER",
    "UIDL",
    "TOP",
    "RESP-CODES",
    "AUTH-RESP-CODE",
    "PIPELINING",
    "IMPLEMENTATION netlessons",
];

/// The one answer to a failed login, whatever failed (RFC 3206 §4).
const LOGIN_FAILED: &str = "[AUTH] invalid user name or password";

impl Pop3Session {
    /// A session whose logins `accounts` decides.
    pub fn new(accounts: Accounts) -> Pop3Session {
        Pop3Session {
            accounts,
            state: State::Authorization { user: None },
            messages: Vec::new(),
            login_failures: 0,
            pending: None,
        }
    }

    /// The state, as RFC 1939 names it.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The messages not marked deleted: how many, and their octets.
    fn totals(&self) -> (usize, u64) {
        self.live().fold((0, 0), |(count, octets), (_, message)| {
            (count + 1, octets.saturating_add(message.size))
        })
    }

    /// The messages not marked deleted, with their numbers.
    fn live(&self) -> impl Iterator<Item = (usize, &Message)> {
        self.messages
            .iter()
            .enumerate()
            .filter(|(_, (_, deleted))| !deleted)
            .map(|(index, (message, _))| (index + 1, message))
    }

    /// Message `number`, if it exists and is not marked deleted.
    fn message(&self, number: MessageNumber) -> Result<&Message, Output<Action>> {
        let index = usize::try_from(number).ok().and_then(|n| n.checked_sub(1));
        match index.and_then(|index| self.messages.get(index)) {
            Some((message, false)) => Ok(message),
            Some((_, true)) => Err(err(format!("message {number} is deleted"))),
            None => Err(err(format!("no message {number}"))),
        }
    }

    // ANCHOR: on_line
    fn command(&mut self, line: &[u8], now: Instant) -> Output<Action> {
        if self.pending.is_some() {
            return err("wait for the answer to the last command");
        }
        let command = match parse_command(line) {
            Ok(command) => command,
            Err(error) => return err(error),
        };
        match (&self.state, command) {
            (_, Command::Capa) => capabilities(),
            (_, Command::Noop) => ok("nothing done"),
            (State::Authorization { .. }, Command::User(name)) => {
                // The same +OK for every name (RFC 1939 §7 allows telling
                // unknown names apart, and a guesser would thank us).
                self.state = State::Authorization { user: Some(name) };
                ok("send your password")
            }
            (State::Authorization { user }, Command::Pass(password)) => {
                let user = user.clone();
                self.pass(user, &password, now)
            }
            (State::Authorization { .. }, Command::Quit) => Output::close("+OK goodbye"),
            (State::Authorization { .. }, Command::Apop | Command::NotOffered(_)) => {
                err("not offered here: log in with USER and PASS")
            }
            (State::Authorization { .. }, _) => err("log in first, with USER and PASS"),
            (State::Transaction { .. }, command) => self.transaction(command),
            (State::Update, _) => err("the session is ending"),
        }
    }
    // ANCHOR_END: on_line

    // ANCHOR: pass
    /// PASS: the maildrop opened, or the one failure after the one delay.
    fn pass(&mut self, user: Option<String>, password: &Password, now: Instant) -> Output<Action> {
        self.state = State::Authorization { user: None };
        let Some(user) = user else {
            return err("send USER first");
        };
        if !self.accounts.check(&user, password) {
            self.login_failures += 1;
            self.pending = Some(Pending::LoginFailure);
            return act(Action::Delay(now + LOGIN_FAILURE_DELAY));
        }
        self.pending = Some(Pending::Open { user: user.clone() });
        act(Action::Open { user })
    }
    // ANCHOR_END: pass

    // ANCHOR: transaction
    /// A command in TRANSACTION (RFC 1939 §5).
    fn transaction(&mut self, command: Command) -> Output<Action> {
        match command {
            Command::Stat => {
                let (count, octets) = self.totals();
                ok(format!("{count} {octets}"))
            }
            Command::List(None) => {
                let (count, octets) = self.totals();
                let lines: Vec<String> = self
                    .live()
                    .map(|(number, message)| format!("{number} {}", message.size))
                    .collect();
                multi_line(&format!("{count} messages ({octets} octets)"), lines)
            }
            Command::List(Some(number)) => match self.message(number) {
                Ok(message) => ok(format!("{number} {}", message.size)),
                Err(output) => output,
            },
            Command::Uidl(None) => {
                let lines: Vec<String> = self
                    .live()
                    .map(|(number, message)| format!("{number} {}", message.uid))
                    .collect();
                multi_line("unique-id listing follows", lines)
            }
            Command::Uidl(Some(number)) => match self.message(number) {
                Ok(message) => ok(format!("{number} {}", message.uid)),
                Err(output) => output,
            },
            Command::Retr(number) => self.open_message(number, None),
            Command::Top { message, lines } => self.open_message(message, Some(lines)),
            Command::Dele(number) => {
                if let Err(output) = self.message(number) {
                    return output;
                }
                // `message` found it, so the index is in range.
                if let Some(entry) = self.messages.get_mut(number as usize - 1) {
                    entry.1 = true;
                }
                ok(format!("message {number} deleted"))
            }
            Command::Rset => {
                for entry in &mut self.messages {
                    entry.1 = false;
                }
                let (count, octets) = self.totals();
                ok(format!("maildrop has {count} messages ({octets} octets)"))
            }
            Command::Quit => self.quit(),
            Command::User(_) | Command::Pass(_) | Command::Apop | Command::NotOffered(_) => {
                err("already logged in")
            }
            Command::Capa => capabilities(),
            Command::Noop => ok("nothing done"),
        }
    }
    // ANCHOR_END: transaction

    fn open_message(&mut self, number: MessageNumber, body_lines: Option<u64>) -> Output<Action> {
        let message = match self.message(number) {
            Ok(message) => message.clone(),
            Err(output) => return output,
        };
        self.pending = Some(Pending::OpenMessage {
            size: message.size,
            body_lines,
        });
        act(Action::OpenMessage {
            uid: message.uid,
            body_lines,
        })
    }

    // ANCHOR: quit
    /// QUIT in TRANSACTION: into UPDATE, and the marked messages go (§6).
    fn quit(&mut self) -> Output<Action> {
        self.state = State::Update;
        let uids: Vec<String> = self
            .messages
            .iter()
            .filter(|(_, deleted)| *deleted)
            .map(|(message, _)| message.uid.clone())
            .collect();
        let left = self.messages.len() - uids.len();
        // Even with nothing to remove, the I/O part has the maildrop to
        // let go of before the goodbye, so that a client that reconnects
        // at once finds it free.
        self.pending = Some(Pending::Remove { left });
        act(Action::Remove { uids })
    }
    // ANCHOR_END: quit

    // ANCHOR: finish
    /// How the last [`Action`] went: what to send, and what next.
    pub fn finish(&mut self, outcome: Outcome) -> Output<Action> {
        let Some(pending) = self.pending.take() else {
            return Output::close("-ERR [SYS/PERM] internal error: no action was asked for");
        };
        match (pending, outcome) {
            (Pending::LoginFailure, _) if self.login_failures >= MAX_LOGIN_FAILURES => {
                Output::close(format!("-ERR {LOGIN_FAILED}; closing"))
            }
            (Pending::LoginFailure, _) => err(LOGIN_FAILED),
            (Pending::Open { user }, Outcome::Opened(messages)) => {
                self.messages = messages.into_iter().map(|m| (m, false)).collect();
                self.state = State::Transaction { user };
                self.login_failures = 0;
                let (count, octets) = self.totals();
                ok(format!("maildrop has {count} messages ({octets} octets)"))
            }
            // RFC 2449 §8.1.2: the maildrop is locked by another session.
            (Pending::Open { .. }, Outcome::InUse) => {
                err("[IN-USE] the maildrop is open in another session")
            }
            (Pending::Open { .. }, _) => err("[SYS/TEMP] the maildrop cannot be opened"),
            (Pending::OpenMessage { size, body_lines }, Outcome::MessageOpened) => {
                self.pending = Some(Pending::Send);
                let text = match body_lines {
                    None => format!("+OK {size} octets"),
                    Some(_) => "+OK top of message follows".to_string(),
                };
                Output::reply(text).then(Next::Act(Action::Send))
            }
            (Pending::OpenMessage { .. }, _) => err("[SYS/TEMP] the message cannot be read"),
            (Pending::Send, Outcome::Sent) => Output {
                send: Vec::new(),
                next: Next::Read,
            },
            // Part of the message has gone out, and no reply can follow
            // it: ending it with `.` would pass a cut message off as
            // whole. Closing tells the client it is not.
            (Pending::Send, _) => Output {
                send: Vec::new(),
                next: Next::Close,
            },
            (Pending::Remove { left }, Outcome::Removed { failed: 0 }) => {
                Output::close(signing_off(left))
            }
            (Pending::Remove { .. }, Outcome::Removed { failed }) => Output::close(format!(
                "-ERR [SYS/TEMP] {failed} deleted messages could not be removed"
            )),
            (Pending::Remove { .. }, _) => {
                Output::close("-ERR [SYS/TEMP] the deleted messages could not be removed")
            }
        }
    }
    // ANCHOR_END: finish
}

/// QUIT's answer once the mailbox is as the client left it.
fn signing_off(left: usize) -> String {
    format!("+OK goodbye ({left} messages left)")
}

/// CAPA's answer.
fn capabilities() -> Output<Action> {
    multi_line("Capability list follows", CAPABILITIES)
}

impl Session for Pop3Session {
    type Action = Action;

    /// The greeting (RFC 1939 §4).
    fn greeting(&mut self, _now: Instant) -> Output<Action> {
        ok("netlessons POP3 server ready")
    }

    fn on_line(&mut self, line: &[u8], now: Instant) -> Output<Action> {
        self.command(line, now)
    }

    /// A line longer than [`MAX_COMMAND_LINE_LEN`](super::command::MAX_COMMAND_LINE_LEN).
    fn on_bad_line(&mut self, error: LineError, _now: Instant) -> Output<Action> {
        err(error)
    }

    /// Silent too long: RFC 1939 §3 says to close "without removing any
    /// messages or sending any response".
    fn on_timeout(&mut self, _now: Instant) -> Output<Action> {
        Output {
            send: Vec::new(),
            next: Next::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new().with_user("alice", "secret")
    }

    fn mailbox() -> Vec<Message> {
        vec![
            Message {
                uid: "1733050000.M1P100Q1.host".into(),
                size: 120,
            },
            Message {
                uid: "1733050001.M2P100Q2.host".into(),
                size: 200,
            },
        ]
    }

    /// The text a session sends for `line`, and what it does next.
    fn send(session: &mut Pop3Session, line: &str) -> (String, Next<Action>) {
        let output = session.on_line(line.as_bytes(), Instant::now());
        (String::from_utf8(output.send).unwrap(), output.next)
    }

    fn text(session: &mut Pop3Session, line: &str) -> String {
        send(session, line).0
    }

    fn logged_in() -> Pop3Session {
        let mut session = Pop3Session::new(accounts());
        text(&mut session, "USER alice");
        let (_, next) = send(&mut session, "PASS secret");
        assert_eq!(
            next,
            Next::Act(Action::Open {
                user: "alice".into()
            })
        );
        let output = session.finish(Outcome::Opened(mailbox()));
        assert_eq!(
            String::from_utf8(output.send).unwrap(),
            "+OK maildrop has 2 messages (320 octets)\r\n"
        );
        session
    }

    #[test]
    fn a_whole_session_as_bytes() {
        let mut session = logged_in();
        let table = [
            ("STAT", "+OK 2 320\r\n"),
            (
                "LIST",
                "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n",
            ),
            ("LIST 2", "+OK 2 200\r\n"),
            (
                "UIDL",
                "+OK unique-id listing follows\r\n\
                 1 1733050000.M1P100Q1.host\r\n2 1733050001.M2P100Q2.host\r\n.\r\n",
            ),
            ("DELE 1", "+OK message 1 deleted\r\n"),
            ("STAT", "+OK 1 200\r\n"),
            ("LIST", "+OK 1 messages (200 octets)\r\n2 200\r\n.\r\n"),
            ("LIST 1", "-ERR message 1 is deleted\r\n"),
            ("DELE 1", "-ERR message 1 is deleted\r\n"),
            ("RETR 1", "-ERR message 1 is deleted\r\n"),
            ("RETR 3", "-ERR no message 3\r\n"),
            ("RSET", "+OK maildrop has 2 messages (320 octets)\r\n"),
            ("NOOP", "+OK nothing done\r\n"),
            ("USER bob", "-ERR already logged in\r\n"),
        ];
        for (line, expected) in table {
            assert_eq!(text(&mut session, line), expected, "{line}");
        }
    }

    #[test]
    fn retr_opens_then_sends_with_the_size_in_the_first_line() {
        let mut session = logged_in();
        let (sent, next) = send(&mut session, "RETR 2");
        assert_eq!(sent, "");
        assert_eq!(
            next,
            Next::Act(Action::OpenMessage {
                uid: "1733050001.M2P100Q2.host".into(),
                body_lines: None
            })
        );
        let output = session.finish(Outcome::MessageOpened);
        assert_eq!(output.send, b"+OK 200 octets\r\n");
        assert_eq!(output.next, Next::Act(Action::Send));
        let output = session.finish(Outcome::Sent);
        assert_eq!(output.next, Next::Read);
        assert_eq!(text(&mut session, "STAT"), "+OK 2 320\r\n");
    }

    #[test]
    fn top_asks_for_the_header_and_some_lines() {
        let mut session = logged_in();
        let (_, next) = send(&mut session, "TOP 1 3");
        assert_eq!(
            next,
            Next::Act(Action::OpenMessage {
                uid: "1733050000.M1P100Q1.host".into(),
                body_lines: Some(3)
            })
        );
        let output = session.finish(Outcome::MessageOpened);
        assert_eq!(output.send, b"+OK top of message follows\r\n");
    }

    #[test]
    fn a_message_that_cannot_be_read_is_an_error_before_any_of_it() {
        let mut session = logged_in();
        send(&mut session, "RETR 1");
        let output = session.finish(Outcome::Failed);
        assert_eq!(
            output.send,
            b"-ERR [SYS/TEMP] the message cannot be read\r\n"
        );
        assert_eq!(output.next, Next::Read);
    }

    #[test]
    fn a_message_cut_off_while_sent_closes_the_connection() {
        let mut session = logged_in();
        send(&mut session, "RETR 1");
        session.finish(Outcome::MessageOpened);
        let output = session.finish(Outcome::Failed);
        assert_eq!(output.send, b"");
        assert_eq!(output.next, Next::Close);
    }

    #[test]
    fn quit_removes_only_the_marked_messages() {
        let mut session = logged_in();
        text(&mut session, "DELE 2");
        let (sent, next) = send(&mut session, "QUIT");
        assert_eq!(sent, "");
        assert_eq!(
            next,
            Next::Act(Action::Remove {
                uids: vec!["1733050001.M2P100Q2.host".into()]
            })
        );
        assert_eq!(session.state(), &State::Update);
        let output = session.finish(Outcome::Removed { failed: 0 });
        assert_eq!(output.send, b"+OK goodbye (1 messages left)\r\n");
        assert_eq!(output.next, Next::Close);
    }

    #[test]
    fn quit_with_nothing_marked_removes_nothing() {
        let mut session = logged_in();
        let (sent, next) = send(&mut session, "QUIT");
        assert_eq!(sent, "");
        assert_eq!(next, Next::Act(Action::Remove { uids: vec![] }));
        let output = session.finish(Outcome::Removed { failed: 0 });
        assert_eq!(output.send, b"+OK goodbye (2 messages left)\r\n");
        assert_eq!(output.next, Next::Close);
    }

    #[test]
    fn rset_saves_the_marked_messages() {
        let mut session = logged_in();
        text(&mut session, "DELE 1");
        text(&mut session, "DELE 2");
        text(&mut session, "RSET");
        let (_, next) = send(&mut session, "QUIT");
        assert_eq!(next, Next::Act(Action::Remove { uids: vec![] }));
    }

    #[test]
    fn messages_that_could_not_be_removed_are_reported() {
        let mut session = logged_in();
        text(&mut session, "DELE 1");
        send(&mut session, "QUIT");
        let output = session.finish(Outcome::Removed { failed: 1 });
        assert_eq!(
            output.send,
            b"-ERR [SYS/TEMP] 1 deleted messages could not be removed\r\n"
        );
        assert_eq!(output.next, Next::Close);
    }

    #[test]
    fn a_silent_client_is_closed_without_a_word_and_nothing_removed() {
        let mut session = logged_in();
        text(&mut session, "DELE 1");
        let output = session.on_timeout(Instant::now());
        assert_eq!(output.send, b"");
        assert_eq!(output.next, Next::Close);
        // No Remove was asked for: the DELE is forgotten.
    }

    #[test]
    fn a_wrong_password_and_an_unknown_user_wait_and_get_one_answer() {
        let now = Instant::now();
        for (user, password) in [("alice", "wrong"), ("mallory", "secret")] {
            let mut session = Pop3Session::new(accounts());
            assert_eq!(
                text(&mut session, &format!("USER {user}")),
                "+OK send your password\r\n"
            );
            let output = session.on_line(format!("PASS {password}").as_bytes(), now);
            assert_eq!(output.send, b"");
            assert_eq!(
                output.next,
                Next::Act(Action::Delay(now + LOGIN_FAILURE_DELAY))
            );
            let output = session.finish(Outcome::Waited);
            assert_eq!(
                output.send, b"-ERR [AUTH] invalid user name or password\r\n",
                "{user}"
            );
            assert_eq!(output.next, Next::Read);
            assert!(matches!(
                session.state(),
                State::Authorization { user: None }
            ));
        }
    }

    #[test]
    fn the_third_failed_login_closes() {
        let mut session = Pop3Session::new(accounts());
        for attempt in 1..=MAX_LOGIN_FAILURES {
            text(&mut session, "USER alice");
            send(&mut session, "PASS wrong");
            let output = session.finish(Outcome::Waited);
            let closes = output.next == Next::Close;
            assert_eq!(closes, attempt == MAX_LOGIN_FAILURES, "attempt {attempt}");
        }
    }

    #[test]
    fn a_locked_maildrop_is_in_use() {
        let mut session = Pop3Session::new(accounts());
        text(&mut session, "USER alice");
        send(&mut session, "PASS secret");
        let output = session.finish(Outcome::InUse);
        assert_eq!(
            output.send,
            b"-ERR [IN-USE] the maildrop is open in another session\r\n"
        );
        assert!(matches!(session.state(), State::Authorization { .. }));
        assert_eq!(
            text(&mut session, "STAT"),
            "-ERR log in first, with USER and PASS\r\n"
        );
    }

    #[test]
    fn commands_out_of_their_state() {
        let mut session = Pop3Session::new(accounts());
        let table = [
            ("STAT", "-ERR log in first, with USER and PASS\r\n"),
            ("RETR 1", "-ERR log in first, with USER and PASS\r\n"),
            ("PASS secret", "-ERR send USER first\r\n"),
            (
                "APOP alice 0123",
                "-ERR not offered here: log in with USER and PASS\r\n",
            ),
            ("XYZZY", "-ERR unknown command\r\n"),
            ("RETR 0", "-ERR a message number is 1 or more\r\n"),
        ];
        for (line, expected) in table {
            assert_eq!(text(&mut session, line), expected, "{line}");
        }
    }

    #[test]
    fn capa_and_noop_answer_in_every_state() {
        let mut session = Pop3Session::new(accounts());
        let capa = text(&mut session, "CAPA");
        assert!(capa.starts_with("+OK Capability list follows\r\nUSER\r\nUIDL\r\nTOP\r\n"));
        assert!(capa.ends_with("\r\n.\r\n"), "{capa}");
        let mut session = logged_in();
        assert_eq!(text(&mut session, "CAPA"), capa);
        assert_eq!(text(&mut session, "NOOP"), "+OK nothing done\r\n");
    }

    #[test]
    fn a_command_while_an_action_is_pending_waits() {
        let mut session = logged_in();
        send(&mut session, "RETR 1");
        assert_eq!(
            text(&mut session, "STAT"),
            "-ERR wait for the answer to the last command\r\n"
        );
    }

    #[test]
    fn a_number_too_big_for_any_message_is_no_message() {
        let mut session = logged_in();
        assert_eq!(
            text(&mut session, "LIST 4294967295"),
            "-ERR no message 4294967295\r\n"
        );
        assert_eq!(
            text(&mut session, "DELE 4294967295"),
            "-ERR no message 4294967295\r\n"
        );
    }

    #[test]
    fn totals_do_not_overflow() {
        let mut session = Pop3Session::new(accounts());
        text(&mut session, "USER alice");
        send(&mut session, "PASS secret");
        let huge = |uid: &str| Message {
            uid: uid.into(),
            size: u64::MAX,
        };
        session.finish(Outcome::Opened(vec![huge("a"), huge("b")]));
        assert_eq!(
            text(&mut session, "STAT"),
            format!("+OK 2 {}\r\n", u64::MAX)
        );
    }

    #[test]
    fn unique_ids_are_checked_as_rfc_1939_says() {
        let long = "x".repeat(MAX_UID_LEN);
        let too_long = "x".repeat(MAX_UID_LEN + 1);
        let table = [
            ("1733050000.M1P100Q1.host", true),
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("", false),
            ("has space", false),
            ("tab\there", false),
            ("caf\u{e9}", false),
        ];
        for (uid, expected) in table {
            assert_eq!(is_valid_uid(uid), expected, "{uid:?}");
        }
    }
}

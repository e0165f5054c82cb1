//! Chapter 10: SMTP, a server that delivers into Maildirs and a client
//! that sends to it.
//!
//! ```text
//! cargo run --example 10-smtp                                     # the demo
//! cargo run --example 10-smtp -- serve --port 2525 --domain example.test \
//!     --maildir-root DIR --user alice:secret --user bob:hunter2
//! cargo run --example 10-smtp -- send --server 127.0.0.1:2525 --from me@home.test \
//!     --to alice@example.test --subject hello < body.txt
//! ```

use netlessons::cli::{example_main, serve_until_killed, unknown_command, Args, UsageError};
use netlessons::maildir::check_user_name;
use netlessons::smtp::address::Mailbox;
use netlessons::smtp::client::{new_message_id, Options, SmtpClient};
use netlessons::smtp::message::{compose, Draft, MessageError};
use netlessons::smtp::server::SmtpHandler;
use netlessons::transcript::Transcript;
use std::error::Error;
use std::io::Read;
use std::process::ExitCode;
use std::time::SystemTime;

const USAGE: &str = "\
usage: 10-smtp
           run the chapter's demo: SMTP in, Maildir, POP3 out
       10-smtp serve --domain D --maildir-root DIR --user NAME:PASS [--user NAME:PASS]...
                     [--discard] [--host H] [--port P] [--max-connections N]
           take mail for NAME@D, for each user, into the Maildir DIR/NAME, on
           H (default 127.0.0.1), port P (default 0: any free port), to at
           most N clients at once (default 1024); every other recipient is
           refused, and postmaster@D is always taken. The passwords are chapter 11's (this
           server asks for none). --discard accepts every message and keeps
           none, to measure the protocol alone
       10-smtp send --server HOST:PORT --from ADDRESS --to ADDRESS [--to ADDRESS]...
                    [--subject S] [--trace] < BODY
           send standard input as a message: if it has no header block of
           its own, one is made (From, To, Subject, Date, Message-ID).
           Prints each recipient's result; exits 1 if any was refused.
           --trace shows the conversation on stderr";

fn main() -> ExitCode {
    example_main(
        "10-smtp",
        USAGE,
        &["discard", "trace"],
        |command, args| match command {
            "serve" => serve(args).map(|()| ExitCode::SUCCESS),
            "send" => send(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&[
        "domain",
        "maildir-root",
        "user",
        "discard",
        "host",
        "port",
        "max-connections",
    ])?;
    if let [extra, ..] = args.positional() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    let domain = args
        .value("domain")
        .ok_or_else(|| UsageError("serve needs --domain D: whose mail it takes".into()))?;
    let root = args.value("maildir-root").ok_or_else(|| {
        UsageError("serve needs --maildir-root DIR: where the Maildirs go".into())
    })?;
    let accounts = args.accounts()?;
    if accounts.is_empty() {
        return Err(UsageError("serve needs --user NAME:PASS: whose mail to take".into()).into());
    }
    for name in accounts.names() {
        check_user_name(name).map_err(|why| UsageError(format!("--user {name}: {why}")))?;
    }
    let mut handler = SmtpHandler::new(domain, root, accounts.names())?;
    if args.flag("discard") {
        handler = handler.discard();
    }
    serve_until_killed(args, handler)
}

/// The largest message `send` reads from standard input: the server's
/// default limit, 32 MiB.
const MAX_INPUT_LEN: u64 = netlessons::maildir::MAX_MESSAGE_LEN;

// ANCHOR: send
/// Sends standard input, and prints what became of each recipient.
fn send(args: &Args) -> Result<ExitCode, Box<dyn Error>> {
    args.only(&["server", "from", "to", "subject", "trace"])?;
    let server = args
        .value("server")
        .ok_or_else(|| UsageError("send needs --server HOST:PORT".into()))?;
    let address = |text: &str| -> Result<Mailbox, UsageError> {
        text.parse()
            .map_err(|error| UsageError(format!("{text:?} is not a mail address: {error}")))
    };
    let from = address(
        args.value("from")
            .ok_or_else(|| UsageError("send needs --from ADDRESS".into()))?,
    )?;
    let to = args
        .values("to")
        .into_iter()
        .map(address)
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err(UsageError("send needs at least one --to ADDRESS".into()).into());
    }
    let mut body = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_LEN + 1)
        .read_to_end(&mut body)?;
    if body.len() as u64 > MAX_INPUT_LEN {
        return Err(format!("the message is larger than {MAX_INPUT_LEN} bytes").into());
    }
    let message_id = new_message_id(from.domain());
    let draft = Draft {
        from: &from,
        to: &to,
        subject: args.value("subject"),
        date: SystemTime::now(),
        message_id: &message_id,
    };
    let message = compose(&draft, &body).map_err(|error| -> Box<dyn Error> {
        match error {
            // A fault of the command line, not of the text on stdin.
            MessageError::LineBreakInField(_) | MessageError::SubjectWithHeaders => {
                UsageError(error.to_string()).into()
            }
            _ => error.into(),
        }
    })?;
    let options = Options {
        transcript: match args.flag("trace") {
            true => Transcript::stderr(),
            false => Transcript::silent(),
        },
        ..Options::default()
    };
    let mut client = SmtpClient::connect(server, options)?;
    let report = client.send(&from, &to, &message)?;
    client.quit()?;
    for recipient in &report.recipients {
        println!("{recipient}");
    }
    let all_accepted = report.refused().next().is_none();
    Ok(match all_accepted {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}
// ANCHOR_END: send

//! Chapter 11: POP3, a server over the Maildirs of chapter 10 and a client
//! that fetches from it.
//!
//! ```text
//! cargo run --example 11-pop3                                          # the demo
//! cargo run --example 11-pop3 -- serve --port 1110 --maildir-root DIR --user alice:secret
//! cargo run --example 11-pop3 -- fetch pop3://alice:secret@127.0.0.1:1110/ --keep
//! ```

use netlessons::accounts::Accounts;
use netlessons::cli::{example_main, serve_until_killed, unknown_command, Args, UsageError};
use netlessons::http::date::format_asctime_date;
use netlessons::maildir::{check_user_name, Maildir};
use netlessons::pop3::client::{Options, Pop3Client};
use netlessons::pop3::message::{append_mbox_message, unix_lines};
use netlessons::pop3::server::Pop3Handler;
use netlessons::transcript::Transcript;
use netlessons::url::{LoginUrl, LoginUrlError};
use std::error::Error;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::SystemTime;

const USAGE: &str = "\
usage: 11-pop3
           run the chapter's demo: SMTP in, Maildir, POP3 out
       11-pop3 serve --maildir-root DIR --user NAME:PASS [--user NAME:PASS]...
                     [--host H] [--port P] [--max-connections N]
           serve each user's Maildir, DIR/NAME, over POP3 on H (default
           127.0.0.1), port P (default 0: any free port), to at most N
           clients at once (default 1024)
       11-pop3 fetch pop3://USER:PASS@HOST[:PORT]/ [--to-maildir DIR] [--keep] [--trace]
           download every message of the mailbox (port 110 by default).
           With --to-maildir: into DIR, a Maildir (made if missing), then
           delete them from the server, unless --keep. Without --to-maildir:
           to standard output as an mbox file, deleting nothing, since a
           program cannot know that bytes written there are safe. A message
           too large to keep (64 MiB) is named and left on the server.
           --trace shows the conversation on stderr, the password as ****";

fn main() -> ExitCode {
    example_main(
        "11-pop3",
        USAGE,
        &["keep", "trace"],
        |command, args| match command {
            "serve" => serve(args),
            "fetch" => fetch(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["maildir-root", "user", "host", "port", "max-connections"])?;
    if let [extra, ..] = args.positional() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    let root = args.value("maildir-root").ok_or_else(|| {
        UsageError("serve needs --maildir-root DIR: where the Maildirs are".into())
    })?;
    let accounts = mail_users(args)?;
    serve_until_killed(args, Pop3Handler::new(root, accounts))
}

/// The `--user NAME:PASS` logins, at least one, each name fit to be a
/// Maildir folder's name.
fn mail_users(args: &Args) -> Result<Accounts, UsageError> {
    let accounts = args.accounts()?;
    if accounts.is_empty() {
        return Err(UsageError(
            "serve needs --user NAME:PASS: whose mail to serve".into(),
        ));
    }
    for name in accounts.names() {
        check_user_name(name).map_err(|why| UsageError(format!("--user {name}: {why}")))?;
    }
    Ok(accounts)
}

// ANCHOR: fetch
/// Downloads every message, and deletes them from the server only once
/// they are all safe in a local Maildir.
fn fetch(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&["to-maildir", "keep", "trace"])?;
    let [url] = args.positional() else {
        return Err(UsageError("fetch takes one pop3:// URL".into()).into());
    };
    let url = LoginUrl::parse(url, "pop3").map_err(|error| match error {
        LoginUrlError::Scheme { .. } => UsageError(format!("{url:?} is not a pop3:// URL")),
        other => UsageError(format!("{url}: {other}")),
    })?;
    let (Some(user), Some(password)) = (&url.user, &url.password) else {
        return Err(UsageError(
            "the URL needs a user and a password: pop3://USER:PASS@HOST/".into(),
        )
        .into());
    };
    let transcript = match args.flag("trace") {
        true => Transcript::stderr(),
        false => Transcript::silent(),
    };
    let options = Options {
        transcript,
        ..Options::default()
    };
    // The local Maildir takes any message the client accepts: with a
    // lower limit of its own, a message between the two would be fetched
    // and refused on every run, and the mailbox never emptied.
    let max_message_len = options.max_message_len;
    let mut client = Pop3Client::connect(&url.addr, options)?;
    client.login(user, password)?;
    let listing = client.list()?;
    let maildir = match args.value("to-maildir") {
        Some(dir) => Some(
            Maildir::create(dir)
                .map_err(|error| format!("{dir}: {error}"))?
                .with_limit(max_message_len),
        ),
        None => None,
    };
    let mut octets = 0;
    let mut fetched = Vec::new();
    for &(number, size) in &listing {
        // Too large to keep, by the size LIST gave: say so, and leave it on
        // the server, so that one message does not stop the others coming.
        if size > max_message_len {
            let _ = writeln!(
                io::stderr().lock(),
                "message {number} ({size} octets) is larger than {max_message_len} bytes: \
                 left on the server"
            );
            continue;
        }
        let mut message = Vec::new();
        octets += client.retr(number, &mut message)?;
        fetched.push(number);
        let message = unix_lines(&message);
        match &maildir {
            // `deliver` returns once the message is on disk (fsync, rename,
            // fsync): only then may the server forget it.
            Some(maildir) => {
                maildir.deliver(&message[..])?;
            }
            None => {
                let mut mbox = Vec::new();
                append_mbox_message(&mut mbox, &message, &format_asctime_date(SystemTime::now()));
                io::stdout().write_all(&mbox)?;
            }
        }
    }
    io::stdout().flush()?;
    let delete = maildir.is_some() && !args.flag("keep");
    if delete {
        for &number in &fetched {
            client.dele(number)?;
        }
    }
    // The deletions happen at QUIT (RFC 1939 §6): a -ERR here is an error.
    client.quit()?;
    let verb = if delete {
        "fetched and deleted"
    } else {
        "fetched"
    };
    let mut stderr = io::stderr().lock();
    let _ = writeln!(
        stderr,
        "{verb} {} messages ({octets} octets)",
        fetched.len()
    );
    Ok(())
}
// ANCHOR_END: fetch

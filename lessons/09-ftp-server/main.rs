//! Chapter 09: an FTP server.
//!
//! ```text
//! cargo run --example 09-ftp-server                                   # the demo
//! cargo run --example 09-ftp-server -- serve --port 2121 --root DIR --user alice:secret
//! cargo run --example 09-ftp-server -- serve --root DIR --anonymous   # read-only, for anyone
//! ```

use netlessons::cli::{example_main, serve_until_killed, unknown_command, Args, UsageError};
use netlessons::ftp::server::FtpHandler;
use netlessons::ftp::session::Users;
use std::error::Error;
use std::process::ExitCode;

const USAGE: &str = "\
usage: 09-ftp-server
           run the chapter's demo
       09-ftp-server serve --root DIR [--user NAME:PASS]... [--anonymous]
                           [--host H] [--port P] [--max-connections N]
           serve the files under DIR over FTP on H (default 127.0.0.1),
           port P (default 0: any free port), to at most N clients at once
           (default 1024; the next get 421). Each --user adds a login that
           may read and write; --anonymous lets the user `anonymous` log in
           with any password, read-only. At least one of the two is needed:
           a server nobody can log in to serves nothing";

fn main() -> ExitCode {
    example_main(
        "09-ftp-server",
        USAGE,
        &["anonymous"],
        |command, args| match command {
            "serve" => serve(args),
            other => Err(unknown_command(other)),
        },
    )
}

fn serve(args: &Args) -> Result<(), Box<dyn Error>> {
    args.only(&[
        "root",
        "user",
        "anonymous",
        "host",
        "port",
        "max-connections",
    ])?;
    if let [extra, ..] = args.positional() {
        return Err(UsageError(format!("serve takes no argument {extra:?}")).into());
    }
    let root = args
        .value("root")
        .ok_or_else(|| UsageError("serve needs --root DIR: the directory to serve".into()))?;
    let users = users(args)?;
    // Check the root before binding: a server that cannot serve it must
    // not say it is listening.
    let handler = FtpHandler::new(root, users)
        .map_err(|error| format!("cannot serve --root {root}: {error}"))?;
    serve_until_killed(args, handler)
}

/// The logins of `--user NAME:PASS` (any number) and `--anonymous`.
fn users(args: &Args) -> Result<Users, UsageError> {
    let accounts = args.accounts()?;
    if accounts.is_empty() && !args.flag("anonymous") {
        return Err(UsageError(
            "serve needs --user NAME:PASS or --anonymous: otherwise nobody could log in".into(),
        ));
    }
    let users = Users::from_accounts(accounts);
    Ok(match args.flag("anonymous") {
        true => users.with_anonymous(),
        false => users,
    })
}

//! The command line shared by every chapter's example.
//!
//! Every example takes the same shape of arguments, so that scripts and
//! real tools can drive any of them the same way:
//!
//! ```text
//! cargo run --example 02-tcp                      # the chapter's demo
//! cargo run --example 02-tcp -- serve --port 7007 # its server, until killed
//! cargo run --example 02-tcp -- client 127.0.0.1:7007
//! ```
//!
//! `serve` binds `--host` (default 127.0.0.1) and `--port` (default 0: the
//! system picks one), prints one line `listening on ADDR` and serves until
//! killed. Chapters add their own options in the same `--name value` style.

use crate::accounts::Accounts;
use crate::tour;
use crate::transcript::Transcript;
use std::error::Error;
use std::fmt;
use std::io::Write as _;
use std::process::{ExitCode, Termination};

/// What went wrong with the command line, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The arguments after the subcommand: `--name value` options, `--flag`s
/// and plain positional words, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    options: Vec<(String, Option<String>)>,
    positional: Vec<String>,
    /// An option that wants a value came last, or before another option,
    /// with none: an error that [`Args::only`] reports, once it has ruled
    /// out a misspelt name.
    missing_value: Option<String>,
}

impl Args {
    /// Splits `args` into options and positional words. `flags` names the
    /// options that take no value (`--verbose`); every other `--name`
    /// takes the next word as its value, unless that word is an option
    /// itself (`--root --user alice:secret`, from a shell variable that was
    /// empty): a value that starts with `--` is written `--name=--value`.
    /// One left without a value is reported by [`Args::only`]: a `--frob`
    /// at the end is more likely a misspelt flag than an option missing
    /// its value.
    pub fn parse<I>(args: I, flags: &[&str]) -> Args
    where
        I: IntoIterator<Item = String>,
    {
        let mut parsed = Args::default();
        let mut args = args.into_iter().peekable();
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                parsed.positional.push(arg);
                continue;
            };
            if let Some((name, value)) = name.split_once('=') {
                parsed
                    .options
                    .push((name.to_string(), Some(value.to_string())));
            } else if flags.contains(&name) || name == "help" {
                parsed.options.push((name.to_string(), None));
            } else {
                let value = args.next_if(|next| !next.starts_with("--"));
                if value.is_none() && parsed.missing_value.is_none() {
                    parsed.missing_value = Some(name.to_string());
                }
                parsed.options.push((name.to_string(), value));
            }
        }
        parsed
    }

    /// The last value given for `--name`, if any.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(option, _)| option == name)
            .and_then(|(_, value)| value.as_deref())
    }

    /// Every value given for `--name`, in order (for options that repeat).
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(option, _)| option == name)
            .filter_map(|(_, value)| value.as_deref())
            .collect()
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(option, _)| option == name)
    }

    /// The value of `--name` parsed as a `T`, or `default` when absent.
    pub fn parsed<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, UsageError> {
        match self.value(name) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| UsageError(format!("--{name}: cannot understand {text:?}"))),
        }
    }

    /// The positional words, in order.
    pub fn positional(&self) -> &[String] {
        &self.positional
    }

    /// The address `serve` binds: `--host` (default 127.0.0.1) and `--port`
    /// (default 0, any free port), as `host:port`.
    pub fn bind_address(&self) -> Result<String, UsageError> {
        let host = self.value("host").unwrap_or("127.0.0.1");
        let port: u16 = self.parsed("port", 0)?;
        // An IPv6 literal needs brackets before a port can follow it.
        Ok(if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        })
    }

    /// The logins given as `--user NAME:PASSWORD`, any number of them
    /// (none is not an error here: the caller says whether it needs one).
    pub fn accounts(&self) -> Result<Accounts, UsageError> {
        let mut accounts = Accounts::new();
        for user in self.values("user") {
            match user.split_once(':') {
                Some((name, password)) if !name.is_empty() => {
                    accounts = accounts.with_user(name, password);
                }
                _ => {
                    return Err(UsageError(format!(
                        "--user {user:?}: write it NAME:PASSWORD, as in --user alice:secret"
                    )))
                }
            }
        }
        Ok(accounts)
    }

    /// Refuses any option not in `known`, so that a typo is not silently
    /// ignored, and then an option left without its value.
    pub fn only(&self, known: &[&str]) -> Result<(), UsageError> {
        let unknown = self
            .options
            .iter()
            .find(|(name, _)| !known.contains(&name.as_str()) && name != "help");
        match (unknown, &self.missing_value) {
            (Some((name, _)), _) => Err(UsageError(format!("unknown option --{name}"))),
            (None, Some(name)) => Err(UsageError(format!("--{name} needs a value"))),
            (None, None) => Ok(()),
        }
    }
}

/// What a chapter example's command returns: by default nothing, or an
/// [`ExitCode`] when success comes in more than one kind (`ping` exits 1
/// when no reply came back, with nothing else wrong); or the error that
/// stopped it.
pub type CommandResult<T = ()> = Result<T, Box<dyn Error>>;

// ANCHOR: example_main
/// The `main` of a chapter's example (`chapter` is its name, `"02-tcp"`).
///
/// With no command it runs the chapter's demo, as the tour does; `--help`
/// prints `usage`; any other first word is a command, handed to `run` with
/// the arguments after it (`flags` names the options that take no value).
/// A command that succeeds exits with the status it returns (0 for `()`).
/// An error is printed as `02-tcp: what went wrong`; a mistake in the
/// command line also prints the usage and exits with status 2, any other
/// failure with 1.
pub fn example_main<T: Termination>(
    chapter: &str,
    usage: &str,
    flags: &[&str],
    run: impl FnOnce(&str, &Args) -> CommandResult<T>,
) -> ExitCode {
    let mut words = std::env::args().skip(1);
    let command = words.next();
    let args = Args::parse(words, flags);
    let result = match command.as_deref() {
        Some("--help" | "-h" | "help") => print_usage(usage),
        _ if args.flag("help") => print_usage(usage),
        None => run_demo(chapter),
        Some(command) => run(command, &args).map(Termination::report),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // `eprintln!` panics when standard error is a closed pipe
            // (`... 2>&1 | head -1`); the exit status must still tell.
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{chapter}: {error}");
            if error.is::<UsageError>() {
                let _ = writeln!(stderr, "{usage}");
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: example_main

/// Prints the usage; a closed standard output (`--help | head -1`) is not
/// an error worth a panic.
fn print_usage(usage: &str) -> CommandResult<ExitCode> {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{usage}");
    Ok(ExitCode::SUCCESS)
}

// ANCHOR: serve_until_killed
/// The `serve` command of every chapter's example: binds `--host` and
/// `--port`, serves at most `--max-connections` clients at once, prints
/// one line `listening on ADDR` (scripts read it to learn the port), and
/// serves until the process is killed.
pub fn serve_until_killed(args: &Args, handler: impl crate::serve::Handler) -> CommandResult {
    use crate::serve::{Config, Server};
    use std::io::Write;
    let config = Config {
        max_connections: args.parsed("max-connections", Config::default().max_connections)?,
        ..Config::default()
    };
    let addr = args.bind_address()?;
    let server = Server::bind_with(&addr, config).map_err(|error| cannot_listen(&addr, error))?;
    println!("listening on {}", server.local_addr()?);
    // Make sure the line leaves now, even when stdout is a pipe.
    std::io::stdout().flush()?;
    server.run(handler)?;
    Ok(())
}
// ANCHOR_END: serve_until_killed

/// The error of a `serve` that could not bind `addr`, with what to do
/// about the usual causes: `Address already in use (os error 98)` alone
/// does not say which address, nor that another port will do.
pub fn cannot_listen(addr: &str, error: std::io::Error) -> Box<dyn Error> {
    use std::io::ErrorKind;
    let advice = match error.kind() {
        ErrorKind::AddrInUse => {
            "; another program is listening there: choose another --port, or --port 0 for any free one"
        }
        ErrorKind::PermissionDenied => {
            "; ports below 1024 need privileges: choose a --port of 1024 or more"
        }
        ErrorKind::AddrNotAvailable => "; no interface of this machine has that --host address",
        _ => "",
    };
    format!("cannot listen on {addr}: {error}{advice}").into()
}

/// Runs the demo of `chapter` (`"02-tcp"`) on standard output.
fn run_demo(chapter: &str) -> CommandResult<ExitCode> {
    let found = tour::find(chapter).ok_or_else(|| format!("no chapter {chapter} in the tour"))?;
    tour::run(found, &Transcript::stdout()).map_err(|error| error as Box<dyn Error>)?;
    Ok(ExitCode::SUCCESS)
}

/// The error for a command the example does not have.
pub fn unknown_command(command: &str) -> Box<dyn Error> {
    UsageError(format!("unknown command {command:?}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &str, flags: &[&str]) -> Args {
        Args::parse(words.split_whitespace().map(String::from), flags)
    }

    #[test]
    fn options_take_the_next_word_flags_do_not() {
        let args = parse("--port 7007 --verbose 127.0.0.1:7", &["verbose"]);
        assert_eq!(args.value("port"), Some("7007"));
        assert!(args.flag("verbose"));
        assert_eq!(args.positional(), ["127.0.0.1:7"]);
    }

    #[test]
    fn an_option_may_be_written_with_an_equals_sign() {
        assert_eq!(parse("--port=80", &[]).value("port"), Some("80"));
    }

    #[test]
    fn an_option_without_its_value_is_an_error() {
        assert_eq!(
            parse("--port", &[]).only(&["port"]),
            Err(UsageError("--port needs a value".into()))
        );
    }

    #[test]
    fn an_option_followed_by_another_has_no_value() {
        // `--maildir-root $M --user alice:secret` with $M empty: the user
        // is not the directory, and the message names what is missing.
        let args = parse("--maildir-root --user alice:secret", &[]);
        assert_eq!(
            args.only(&["maildir-root", "user"]),
            Err(UsageError("--maildir-root needs a value".into()))
        );
        assert_eq!(args.value("user"), Some("alice:secret"));
        // A value that does start with dashes can still be given with `=`.
        let args = parse("--subject=--x--", &[]);
        assert_eq!(args.value("subject"), Some("--x--"));
    }

    #[test]
    fn an_unknown_option_last_is_unknown_not_missing_its_value() {
        // `serve --frob`: a misspelt flag, not an option without its value.
        assert_eq!(
            parse("--port 80 --frob", &[]).only(&["port"]),
            Err(UsageError("unknown option --frob".into()))
        );
    }

    #[test]
    fn the_bind_address_defaults_to_loopback_and_any_port() {
        let table = [
            ("", "127.0.0.1:0"),
            ("--port 7007", "127.0.0.1:7007"),
            ("--host ::1 --port 80", "[::1]:80"),
            ("--host 0.0.0.0", "0.0.0.0:0"),
        ];
        for (words, expected) in table {
            assert_eq!(parse(words, &[]).bind_address().unwrap(), expected);
        }
        assert!(parse("--port 70000", &[]).bind_address().is_err());
    }

    #[test]
    fn a_taken_port_is_named_with_what_to_do() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let error = std::net::TcpListener::bind(&addr).unwrap_err();
        let message = cannot_listen(&addr, error).to_string();
        assert!(
            message.starts_with(&format!("cannot listen on {addr}: ")),
            "{message}"
        );
        assert!(message.ends_with("choose another --port, or --port 0 for any free one"));
    }

    #[test]
    fn users_are_name_colon_password() {
        let args = parse("--user alice:secret --user bob:a:b", &[]);
        let accounts = args.accounts().unwrap();
        assert_eq!(accounts.names().collect::<Vec<_>>(), ["alice", "bob"]);
        let bob = crate::accounts::Password::new("a:b");
        assert!(
            accounts.check("bob", &bob),
            "the password is all after the first colon"
        );
        for bad in ["--user alice", "--user :secret"] {
            let error = parse(bad, &[]).accounts().unwrap_err();
            assert!(error.0.contains("NAME:PASSWORD"), "{bad}: {error}");
        }
        assert!(parse("", &[]).accounts().unwrap().is_empty());
    }

    #[test]
    fn unknown_options_are_refused() {
        let args = parse("--prot 80", &[]);
        assert_eq!(
            args.only(&["port"]),
            Err(UsageError("unknown option --prot".into()))
        );
    }
}

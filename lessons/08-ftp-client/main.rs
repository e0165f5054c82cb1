//! Chapter 08: an FTP client, with the two connections of FTP.
//!
//! ```text
//! cargo run --example 08-ftp-client                                   # the demo
//! cargo run --example 08-ftp-client -- ftp://alice:secret@127.0.0.1:2121/ ls
//! cargo run --example 08-ftp-client -- ftp://alice:secret@127.0.0.1:2121/ get notes.txt --trace
//! ```

use netlessons::cli::{example_main, Args, CommandResult, UsageError};
use netlessons::ftp::client::{FtpClient, FtpError, Options};
use netlessons::ftp::listing::Kind;
use netlessons::transcript::Transcript;
use netlessons::url::{LoginUrl, LoginUrlError};
use std::error::Error;
use std::fs::{self, File};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: 08-ftp-client
           run the chapter's demo
       08-ftp-client ftp://[USER[:PASSWORD]@]HOST[:PORT][/DIR] COMMAND [--active] [--trace]
           log in to the FTP server at HOST (port 21 by default) as USER, or
           as anonymous when the URL names no user; change to DIR if the URL
           has one (`%20` and the like are decoded); then one COMMAND:
             ls [PATH]               list a directory: type, size and name
             get REMOTE [LOCAL]      download REMOTE into LOCAL (by default its
                                     last name, in the current directory);
                                     --resume continues a partial LOCAL (REST)
             put LOCAL [REMOTE]      upload LOCAL as REMOTE (by default its name)
             rm PATH                 delete a file
             mkdir PATH              make a directory
             rmdir PATH              remove an empty directory
             mv FROM TO              rename
             size PATH               a file's size in bytes
           --active   active mode: the server connects to the client for the
                      data (the default is passive: the client connects)
           --trace    the control connection on stderr, as C: and S: lines,
                      the password shown as ****
           a progress bar goes to stderr for get and put when it is a terminal;
           a refusal prints the server's code and text, and exits with 1";

fn main() -> ExitCode {
    example_main(
        "08-ftp-client",
        USAGE,
        &["active", "resume", "trace"],
        client,
    )
}

/// The server, the user and the directory an `ftp://` URL names.
struct Target {
    /// `host:port`, ready to connect to.
    addr: String,
    user: String,
    password: String,
    /// The URL's path, one decoded segment per `CWD` (RFC 1738 §3.2.2).
    directories: Vec<String>,
}

// ANCHOR: target
/// Reads an `ftp://` URL (RFC 1738 §3.2) with the crate's [`LoginUrl`],
/// which decodes the user name, the password and each segment of the path
/// after the URL has been split, so that a `%2F` or a `%40` in them is
/// data, not a delimiter.
fn parse_target(text: &str) -> Result<Target, UsageError> {
    let url = LoginUrl::parse(text, "ftp").map_err(|error| match error {
        LoginUrlError::Scheme { .. } => UsageError(format!(
            "{text:?} is not an ftp:// URL (the first word is the server's URL)"
        )),
        other => UsageError(format!("{text}: {other}")),
    })?;
    let (user, password) = match url.user {
        // RFC 1738 §3.2.1: no user name means anonymous, with an e-mail
        // address as the password, by custom; "anonymous@" is the one
        // python's ftplib sends.
        None => ("anonymous".to_string(), "anonymous@".to_string()),
        Some(user) => (user, url.password.unwrap_or_default()),
    };
    Ok(Target {
        addr: url.addr,
        user,
        password,
        directories: url.segments,
    })
}
// ANCHOR_END: target

/// What the command line asks the server for.
enum Verb {
    Ls(String),
    Get { remote: String, local: String },
    Put { local: String, remote: String },
    Rm(String),
    Mkdir(String),
    Rmdir(String),
    Mv(String, String),
    Size(String),
}

/// The commands, for an error message.
const COMMANDS: &str = "ls, get, put, rm, mkdir, rmdir, mv or size";

fn parse_verb(words: &[String]) -> Result<Verb, UsageError> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let last_name = |path: &str| -> Result<String, UsageError> {
        match path.rsplit('/').next() {
            Some(name) if !name.is_empty() && name != "." && name != ".." => Ok(name.to_string()),
            _ => Err(UsageError(format!(
                "{path:?} names no file: give a name to save it as"
            ))),
        }
    };
    Ok(match words.as_slice() {
        ["ls"] => Verb::Ls(String::new()),
        ["ls", path] => Verb::Ls(path.to_string()),
        ["get", remote] => Verb::Get {
            remote: remote.to_string(),
            local: last_name(remote)?,
        },
        ["get", remote, local] => Verb::Get {
            remote: remote.to_string(),
            local: local.to_string(),
        },
        ["put", local] => Verb::Put {
            local: local.to_string(),
            remote: last_name(local)?,
        },
        ["put", local, remote] => Verb::Put {
            local: local.to_string(),
            remote: remote.to_string(),
        },
        ["rm", path] => Verb::Rm(path.to_string()),
        ["mkdir", path] => Verb::Mkdir(path.to_string()),
        ["rmdir", path] => Verb::Rmdir(path.to_string()),
        ["mv", from, to] => Verb::Mv(from.to_string(), to.to_string()),
        ["size", path] => Verb::Size(path.to_string()),
        [] => return Err(UsageError(format!("after the URL, a command: {COMMANDS}"))),
        [verb, ..] => {
            let takes = match *verb {
                "ls" => "ls [PATH]",
                "get" => "get REMOTE [LOCAL]",
                "put" => "put LOCAL [REMOTE]",
                "rm" | "mkdir" | "rmdir" | "size" => "one PATH",
                "mv" => "mv FROM TO",
                _ => return Err(UsageError(format!("unknown command {verb:?}: {COMMANDS}"))),
            };
            return Err(UsageError(format!("{verb} takes {takes}")));
        }
    })
}

/// One session: connect, log in, change to the URL's directory, run the
/// command, quit.
fn client(url: &str, args: &Args) -> CommandResult {
    args.only(&["active", "resume", "trace"])?;
    let target = parse_target(url)?;
    let verb = parse_verb(args.positional())?;
    if args.flag("resume") && !matches!(verb, Verb::Get { .. }) {
        return Err(UsageError("--resume is for get only".into()).into());
    }
    let options = Options {
        passive: !args.flag("active"),
        transcript: match args.flag("trace") {
            true => Transcript::stderr(),
            false => Transcript::silent(),
        },
        ..Options::default()
    };
    let mut ftp = FtpClient::connect(target.addr.as_str(), options)?;
    ftp.login(&target.user, &target.password)?;
    for directory in &target.directories {
        ftp.cwd(directory)?;
    }
    if std::io::stderr().is_terminal() {
        match &verb {
            Verb::Get { .. } => ftp.on_progress(ProgressBar::new(None).into_callback()),
            // The client knows the size of what it sends: the local file's.
            Verb::Put { local, .. } => {
                let size = fs::metadata(local).ok().map(|meta| meta.len());
                ftp.on_progress(ProgressBar::new(size).into_callback());
            }
            _ => {}
        }
    }
    run(&mut ftp, verb, args.flag("resume"))?;
    ftp.quit()?;
    Ok(())
}

fn run(ftp: &mut FtpClient, verb: Verb, resume: bool) -> Result<(), Box<dyn Error>> {
    match verb {
        Verb::Ls(path) => {
            for entry in ftp.list(&path)? {
                let kind = match entry.kind {
                    Some(Kind::Dir) => 'd',
                    Some(Kind::File) => '-',
                    Some(Kind::Symlink) => 'l',
                    None => '?',
                };
                let size = entry.size.map_or(String::new(), |size| size.to_string());
                // The name is the server's: a control character in it
                // (an escape sequence for the terminal) is shown escaped.
                let name = match entry.name.chars().any(char::is_control) {
                    true => format!("{:?}", entry.name),
                    false => entry.name,
                };
                println!("{kind} {size:>12} {name}");
            }
        }
        Verb::Get { remote, local } => get(ftp, &remote, &local, resume)?,
        Verb::Put { local, remote } => {
            let file = File::open(&local).map_err(|error| format!("{local}: {error}"))?;
            let sent = ftp.stor(&remote, file)?;
            end_progress();
            println!("{local} -> {remote}: {sent} bytes");
        }
        Verb::Rm(path) => ftp.delete(&path)?,
        Verb::Mkdir(path) => println!("{}", ftp.mkdir(&path)?),
        Verb::Rmdir(path) => ftp.rmdir(&path)?,
        Verb::Mv(from, to) => ftp.rename(&from, &to)?,
        Verb::Size(path) => println!("{}", ftp.size(&path)?),
    }
    Ok(())
}

// ANCHOR: resume
/// Downloads `remote` into `local`; with `resume`, keeps what `local`
/// already holds and asks for the rest (`REST` with its length).
fn get(ftp: &mut FtpClient, remote: &str, local: &str, resume: bool) -> CommandResult {
    let have = match resume {
        true => fs::metadata(local).map_or(0, |meta| meta.len()),
        false => 0,
    };
    if have > 0 {
        // A server without SIZE still resumes: it just cannot be checked.
        match ftp.size(remote) {
            Ok(size) if size == have => {
                println!("{local}: already complete, {size} bytes");
                return Ok(());
            }
            Ok(size) if size < have => {
                return Err(format!(
                    "{local} holds {have} bytes, more than the {size} of {remote}: \
                     not the same file? (remove it, or get without --resume)"
                )
                .into())
            }
            Ok(_) => {}
            Err(error @ FtpError::Refused { .. }) if error.code() != Some(550) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let mut file = LocalFile {
        path: local,
        append: have > 0,
        file: None,
    };
    let received = ftp.retr(remote, &mut file, (have > 0).then_some(have))?;
    // An empty file never saw a write: it is made now.
    file.open().map_err(|error| format!("{local}: {error}"))?;
    end_progress();
    match have > 0 {
        true => println!("{remote} -> {local}: {received} bytes, after the {have} already there"),
        false => println!("{remote} -> {local}: {received} bytes"),
    }
    Ok(())
}
// ANCHOR_END: resume

/// The file a download goes into, opened at its first write: a server
/// that refuses the download (550) leaves no empty file behind. A download
/// cut off halfway leaves what arrived, for `--resume` to continue.
struct LocalFile<'a> {
    path: &'a str,
    /// Keep what the file holds (resuming), rather than truncate it.
    append: bool,
    file: Option<File>,
}

impl LocalFile<'_> {
    fn open(&mut self) -> io::Result<&mut File> {
        let file = match self.file.take() {
            Some(file) => file,
            None if self.append => File::options().append(true).open(self.path)?,
            None => File::create(self.path)?,
        };
        Ok(self.file.insert(file))
    }
}

impl Write for LocalFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.open()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// A progress bar on stderr, redrawn in place at most ten times a second:
/// `[#####     ]  50%  1.0 of 2.0 MB  3.1 MB/s`.
struct ProgressBar {
    started: Instant,
    drawn: Option<Instant>,
    /// The size, when the caller knows it better than the client does.
    size: Option<u64>,
}

impl ProgressBar {
    fn new(size: Option<u64>) -> ProgressBar {
        ProgressBar {
            started: Instant::now(),
            drawn: None,
            size,
        }
    }

    fn into_callback(mut self) -> impl FnMut(u64, Option<u64>) {
        move |done, total| self.update(done, total)
    }

    fn update(&mut self, done: u64, total: Option<u64>) {
        let total = total.or(self.size);
        let finished = total == Some(done);
        if !finished
            && self
                .drawn
                .is_some_and(|at| at.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.drawn = Some(Instant::now());
        const WIDTH: u64 = 30;
        let mb = |bytes: u64| bytes as f64 / 1e6;
        let rate = mb(done) / self.started.elapsed().as_secs_f64().max(1e-3);
        let line = match total {
            Some(total) if total > 0 => {
                let done = done.min(total);
                format!(
                    "[{:<width$}] {:3}%  {:.1} of {:.1} MB  {rate:.1} MB/s",
                    "#".repeat((done * WIDTH / total) as usize),
                    done * 100 / total,
                    mb(done),
                    mb(total),
                    width = WIDTH as usize
                )
            }
            _ => format!("{:.1} MB  {rate:.1} MB/s", mb(done)),
        };
        eprint!("\r{line}");
    }
}

/// Ends the progress bar's line, if one was drawn.
fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
}

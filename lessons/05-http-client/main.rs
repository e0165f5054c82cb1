//! Chapter 05: an HTTP client, used like a small curl.
//!
//! ```text
//! cargo run --example 05-http-client                                  # the demo
//! cargo run --example 05-http-client -- -i http://127.0.0.1:8000/     # head and body
//! cargo run --example 05-http-client -- client -i http://127.0.0.1:8000/  # the same
//! cargo run --example 05-http-client -- -d name=Ada http://127.0.0.1:8000/form
//! cargo run --example 05-http-client -- -o big.iso http://127.0.0.1:8000/big.iso
//! ```

use netlessons::cli::UsageError;
use netlessons::http::client::{Client, Options, Response, DEFAULT_TIMEOUT};
use netlessons::http::request::form_urlencode;
use netlessons::http::{Headers, Method};
use netlessons::tour;
use netlessons::transcript::Transcript;
use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: 05-http-client                            run the chapter's demo
       05-http-client [client] [OPTIONS] URL     fetch an http:// URL and print its body

The word client is optional: `05-http-client -i URL` (as curl -i URL) and
`05-http-client client -i URL` (as every chapter's client command) do the same.

options:
  -i                  show the response's head (status line and headers) before the body
  -I                  send HEAD instead of GET, and show the head only
  -X METHOD           the request method (default: GET, or POST when -d is given)
  -d NAME=VALUE       a form field, sent as application/x-www-form-urlencoded
                      in a POST (repeat it for several fields)
  -H 'NAME: VALUE'    a request header (repeat it for several)
  -o FILE             write the body to FILE, streamed, instead of standard output;
                      a progress bar goes to stderr when it is a terminal
  --trace             show the conversation as C:/S: lines (the body is part of it)
  --fail              exit with status 22 if the status is 400 or more (as curl -f)
  --timeout SECONDS   the longest wait to connect, and for each read (default: 30)
  -h, --help          this text

Redirects are followed (at most 5). A body printed to standard output is
kept in memory first, up to 16 MiB; -o has no limit.
Exit status: 0 done, 1 the request failed, 2 bad arguments, 22 see --fail.";

/// What the command line asked for.
struct Request {
    url: String,
    method: Option<Method>,
    form: Vec<(String, String)>,
    headers: Headers,
    show_head: bool,
    head_only: bool,
    output: Option<String>,
    trace: bool,
    fail: bool,
    timeout: Duration,
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return report(demo());
    }
    // Every chapter's example runs its client as `-- client ...`; this one
    // is nothing but a client, so the word may also be left out, as in curl.
    if args[0] == "client" {
        args.remove(0);
    }
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        // A closed standard output (`--help | head -1`) is not worth a panic.
        let _ = writeln!(io::stdout(), "{USAGE}");
        return ExitCode::SUCCESS;
    }
    match parse(args) {
        Ok(request) => match fetch(&request) {
            Ok(status) if request.fail && status >= 400 => {
                eprintln!("05-http-client: the server answered {status}");
                ExitCode::from(22)
            }
            result => report(result.map(|_| ())),
        },
        Err(error) => {
            eprintln!("05-http-client: {error}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn report(result: Result<(), Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("05-http-client: {error}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), Box<dyn Error>> {
    let chapter = tour::find("05").ok_or("chapter 05 is missing from the tour")?;
    tour::run(chapter, &Transcript::stdout()).map_err(|error| error as Box<dyn Error>)
}

/// Reads curl-style arguments: short flags that take the next word as
/// their value (`-X POST`), and a single URL.
fn parse(args: Vec<String>) -> Result<Request, UsageError> {
    let mut request = Request {
        url: String::new(),
        method: None,
        form: Vec::new(),
        headers: Headers::new(),
        show_head: false,
        head_only: false,
        output: None,
        trace: false,
        fail: false,
        timeout: DEFAULT_TIMEOUT,
    };
    let mut urls = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| UsageError(format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "-i" => request.show_head = true,
            "-I" => request.head_only = true,
            "--trace" => request.trace = true,
            "--fail" => request.fail = true,
            "-X" => request.method = Some(method(&value()?)?),
            "-o" => request.output = Some(value()?),
            "-d" => {
                let field = value()?;
                let (name, value) = field
                    .split_once('=')
                    .ok_or_else(|| UsageError(format!("-d {field:?}: write it as NAME=VALUE")))?;
                request.form.push((name.to_string(), value.to_string()));
            }
            "-H" => {
                let header = value()?;
                let (name, value) = header.split_once(':').ok_or_else(|| {
                    UsageError(format!("-H {header:?}: write it as 'Name: value'"))
                })?;
                request.headers.append(name.trim(), value.trim());
            }
            "--timeout" => {
                let text = value()?;
                let seconds: f64 = text
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
                    .ok_or_else(|| {
                        UsageError(format!("--timeout {text:?}: a number of seconds"))
                    })?;
                request.timeout = Duration::from_secs_f64(seconds);
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(UsageError(format!("unknown option {flag}")))
            }
            _ => urls.push(arg),
        }
    }
    request.url = match <[String; 1]>::try_from(urls) {
        Ok([url]) => url,
        Err(_) => return Err(UsageError("give exactly one URL".into())),
    };
    Ok(request)
}

/// A method named on the command line; `Method`'s own parser is for the
/// wire, so this is the small table of names a person types.
fn method(name: &str) -> Result<Method, UsageError> {
    if name.is_empty() {
        return Err(UsageError("-X needs a method name".into()));
    }
    // A person may type `-X post`; methods on the wire are upper case. Any
    // other name is sent as written; the client refuses non-tokens.
    Ok(match Method::from_token(&name.to_ascii_uppercase()) {
        Method::Other(_) => Method::Other(name.to_string()),
        known => known,
    })
}

/// Sends the request, prints what was asked for, and returns the status.
fn fetch(request: &Request) -> Result<u16, Box<dyn Error>> {
    let transcript = match request.trace {
        true => Transcript::stdout(),
        false => Transcript::silent(),
    };
    let mut client = Client::with_options(Options {
        timeout: request.timeout,
        transcript,
        ..Options::default()
    });
    let mut headers = request.headers.clone();
    let (method, body) = if request.head_only {
        (Method::Head, String::new())
    } else if request.form.is_empty() {
        (request.method.clone().unwrap_or(Method::Get), String::new())
    } else {
        let fields: Vec<(&str, &str)> = request
            .form
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        if headers.get("content-type").is_none() {
            headers.append("Content-Type", "application/x-www-form-urlencoded");
        }
        let method = request.method.clone().unwrap_or(Method::Post);
        (method, form_urlencode(&fields))
    };
    let response = send(request, &mut client, method, &headers, &body)?;
    finish(request, response)
}

fn send(
    request: &Request,
    client: &mut Client,
    method: Method,
    headers: &Headers,
    body: &str,
) -> Result<Response, Box<dyn Error>> {
    let Some(path) = &request.output else {
        return Ok(client.request(method, &request.url, headers, body.as_bytes())?);
    };
    let fail = request.fail;
    let response =
        client.request_to_writer(method, &request.url, headers, body.as_bytes(), |response| {
            // With --fail, an error page is not worth a file (curl does the same).
            if fail && response.status >= 400 {
                return Ok(Box::new(io::sink()) as Box<dyn Write>);
            }
            let file = BufWriter::new(File::create(path)?);
            let total = response
                .headers
                .get("content-length")
                .and_then(|length| length.parse().ok());
            Ok(
                match io::stderr().is_terminal() && total.is_none_or(|total| total >= PROGRESS_FROM)
                {
                    true => Box::new(Progress::new(file, total)) as Box<dyn Write>,
                    false => Box::new(file),
                },
            )
        })?;
    Ok(response)
}

/// Prints the head (with -i or -I) and the body (unless it went to a file
/// or is already in the trace), and returns the status.
fn finish(request: &Request, response: Response) -> Result<u16, Box<dyn Error>> {
    let mut stdout = io::stdout().lock();
    if request.show_head || request.head_only {
        write!(
            stdout,
            "{} {} {}\r\n",
            response.version, response.status, response.reason
        )?;
        for (name, value) in response.headers.iter() {
            write!(stdout, "{name}: {value}\r\n")?;
        }
        write!(stdout, "\r\n")?;
    }
    let body_shown = request.trace || request.output.is_some();
    // With --fail, an error page is not printed (curl does the same).
    let error_page = request.fail && response.status >= 400;
    if !(body_shown || error_page) {
        stdout.write_all(&response.body)?;
    }
    stdout.flush()?;
    Ok(response.status)
}

/// Bodies smaller than this download too fast for a progress bar to help.
const PROGRESS_FROM: u64 = 1024 * 1024;

/// A writer that draws a progress bar on stderr as bytes pass through it.
struct Progress<W> {
    inner: W,
    total: Option<u64>,
    done: u64,
    started: Instant,
    drawn: Instant,
}

impl<W: Write> Progress<W> {
    fn new(inner: W, total: Option<u64>) -> Progress<W> {
        let now = Instant::now();
        Progress {
            inner,
            total,
            done: 0,
            started: now,
            drawn: now,
        }
    }

    /// One line, redrawn in place (`\r`): `[#####     ]  50%  1.0 of 2.0 MB  3.1 MB/s`.
    fn draw(&self) {
        const WIDTH: u64 = 30;
        let mb = |bytes: u64| bytes as f64 / 1e6;
        let rate = mb(self.done) / self.started.elapsed().as_secs_f64().max(1e-3);
        let line = match self.total {
            Some(total) if total > 0 => {
                let filled = (self.done.min(total) * WIDTH / total) as usize;
                format!(
                    "[{:<width$}] {:3}%  {:.1} of {:.1} MB  {rate:.1} MB/s",
                    "#".repeat(filled),
                    self.done.min(total) * 100 / total,
                    mb(self.done),
                    mb(total),
                    width = WIDTH as usize
                )
            }
            _ => format!("{:.1} MB  {rate:.1} MB/s", mb(self.done)),
        };
        eprint!("\r{line}");
    }
}

impl<W: Write> Write for Progress<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        // Ten redraws a second: more would only cost time.
        if self.drawn.elapsed() >= Duration::from_millis(100) {
            self.draw();
            self.drawn = Instant::now();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W> Drop for Progress<W> {
    fn drop(&mut self) {
        // The last state, and the line break that ends the bar.
        let mb = self.done as f64 / 1e6;
        eprintln!(
            "\r{mb:.1} MB in {:.1} s{:40}",
            self.started.elapsed().as_secs_f64(),
            ""
        );
    }
}

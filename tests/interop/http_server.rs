//! Chapter 06's static file server against real clients: curl, wget,
//! python3's urllib and http.client, and a headless Chromium.
//!
//! Most tests start the server in this process, on a free port; the ones
//! marked `the_example_…` start `06-http-server serve` as a learner would.

use super::{python, require, run, ExampleServer};
use netlessons::http::files::StaticFiles;
use netlessons::http::server::HttpHandler;
use netlessons::serve::{Server, ServerHandle};
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// How long Chromium may take to load one page before the test fails.
/// It starts in a second or two; a minute is for a busy CI machine.
const CHROMIUM_TIMEOUT_SECS: &str = "60";

/// A file name that is also HTML: the listing must show it as text.
/// (A name cannot hold '/', so there is no closing tag.)
const HTML_NAME: &str = "<b>bold & 'more'.txt";

/// A tempdir to serve: a text file, an HTML page, a 1 MB file, a folder,
/// and a file whose name is markup.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("hello.txt"), "hello from a file\n").unwrap();
    fs::write(
        dir.path().join("page.html"),
        "<!DOCTYPE html>\n<html><head><title>Chapter six</title></head>\n\
         <body><p id=\"greeting\">served by netlessons</p></body></html>\n",
    )
    .unwrap();
    fs::write(dir.path().join("big.bin"), big_body()).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub").join("inner.txt"), "inside\n").unwrap();
    fs::write(dir.path().join(HTML_NAME), "x").unwrap();
    dir
}

/// 1 MB of bytes that are not all alike, so a misplaced piece shows.
fn big_body() -> Vec<u8> {
    (0..1_000_000u32).map(|i| (i % 251) as u8).collect()
}

/// The crate's file server, in this process, serving a fresh [`site`].
struct Site {
    // The server goes first: it is shut down before the files are removed.
    server: ServerHandle,
    dir: tempfile::TempDir,
}

impl Site {
    fn start() -> Site {
        let dir = site();
        let files = StaticFiles::new(dir.path()).unwrap();
        let server = Server::bind("127.0.0.1:0")
            .unwrap()
            .spawn(HttpHandler::new(files))
            .unwrap();
        Site { server, dir }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.local_addr())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs curl with `args` and returns its standard output as text.
fn curl(args: &[&str]) -> String {
    String::from_utf8(run("curl", args, b"").stdout).unwrap()
}

#[test]
fn curl_gets_a_file_with_its_status_and_type() {
    let site = Site::start();
    let out = curl(&[
        "-s",
        "-w",
        "%{http_code} %{content_type}",
        &site.url("/hello.txt"),
    ]);
    assert_eq!(out, "hello from a file\n200 text/plain; charset=utf-8");
}

#[test]
fn curl_downloads_a_large_file_whole() {
    let site = Site::start();
    let out = site.path("download.bin");
    curl(&["-s", "-o", out.to_str().unwrap(), &site.url("/big.bin")]);
    assert_eq!(fs::read(&out).unwrap(), big_body());
}

#[test]
fn curl_head_gets_the_fields_and_no_body() {
    let site = Site::start();
    // -I sends HEAD and prints the response head only; -s keeps it quiet.
    let head = curl(&["-s", "-I", &site.url("/big.bin")]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Length: 1000000\r\n"), "{head}");
    assert!(head.contains("\r\nAccept-Ranges: bytes\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "a body after the head: {head}");
}

#[test]
fn curl_resumes_a_download_with_a_range() {
    let site = Site::start();
    let out = site.path("partial.bin");
    // What a broken download left: the first 300 000 bytes.
    fs::write(&out, &big_body()[..300_000]).unwrap();
    // -C - : ask for the rest, from the size of the file already there.
    let code = curl(&[
        "-s",
        "-C",
        "-",
        "-o",
        out.to_str().unwrap(),
        "-w",
        "%{http_code}",
        &site.url("/big.bin"),
    ]);
    assert_eq!(code, "206");
    assert_eq!(fs::read(&out).unwrap(), big_body());
}

#[test]
fn curl_over_http_1_0_gets_the_file_and_a_closed_connection() {
    let site = Site::start();
    let out = curl(&["-s", "-i", "--http1.0", &site.url("/hello.txt")]);
    assert!(out.contains(" 200 OK\r\n"), "{out}");
    // HTTP/1.0 without Keep-Alive: the server says it will close.
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nhello from a file\n"), "{out}");
}

#[test]
fn the_example_serves_curl_two_files_on_one_connection() {
    let dir = site();
    let server = ExampleServer::start(
        "06-http-server",
        &["--root", dir.path().to_str().unwrap(), "--port", "0"],
    );
    let first = format!("http://{}/hello.txt", server.addr);
    let second = format!("http://{}/sub/inner.txt", server.addr);
    // %{num_connects}: the connections curl opened for that URL.
    let output = run(
        "curl",
        &["-s", "-v", "-w", "[%{num_connects}]\n", &first, &second],
        b"",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stdout, "hello from a file\n[1]\ninside\n[0]\n");
    // curl 7 and 8 say "Re-using existing connection"; later ones "Reusing".
    assert!(
        stderr.contains("Re-using existing") || stderr.contains("Reusing existing"),
        "curl did not reuse the connection:\n{stderr}"
    );
}

#[test]
fn curl_posting_a_form_gets_405_and_the_allowed_methods() {
    let site = Site::start();
    let out = curl(&["-s", "-i", "-d", "a=b", &site.url("/hello.txt")]);
    assert!(
        out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{out}"
    );
    assert!(out.contains("\r\nAllow: GET, HEAD\r\n"), "{out}");
}

#[test]
fn curl_cannot_climb_out_of_the_root() {
    let site = Site::start();
    // --path-as-is: curl sends the dots as typed instead of resolving them.
    for path in [
        "/../../../etc/passwd",
        "/sub/../../hello.txt",
        "/%2e%2e/etc/passwd",
    ] {
        let code = curl(&[
            "-s",
            "--path-as-is",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &site.url(path),
        ]);
        assert!(code == "403" || code == "404", "{path}: {code}");
    }
}

#[test]
fn curl_with_if_modified_since_gets_304_for_a_current_copy() {
    let site = Site::start();
    let head = curl(&["-s", "-I", &site.url("/hello.txt")]);
    let modified = head
        .lines()
        .find_map(|line| line.strip_prefix("Last-Modified: "))
        .unwrap_or_else(|| panic!("no Last-Modified in {head}"))
        .trim();
    // -z DATE sends If-Modified-Since: DATE.
    let current = curl(&[
        "-s",
        "-z",
        modified,
        "-w",
        "%{http_code}",
        &site.url("/hello.txt"),
    ]);
    assert_eq!(current, "304");
    let old = "Sat, 01 Jan 2000 00:00:00 GMT";
    let stale = curl(&[
        "-s",
        "-z",
        old,
        "-w",
        "%{http_code}",
        &site.url("/hello.txt"),
    ]);
    assert_eq!(stale, "hello from a file\n200");
}

#[test]
fn curl_revalidating_with_the_saved_etag_gets_304() {
    let site = Site::start();
    let tags = tempfile::tempdir().unwrap();
    let saved = tags.path().join("etag");
    let saved = saved.to_str().unwrap();
    // --etag-save keeps the ETag; --etag-compare sends it as If-None-Match.
    let first = curl(&["-s", "--etag-save", saved, &site.url("/hello.txt")]);
    assert_eq!(first, "hello from a file\n");
    let tag = fs::read_to_string(saved).unwrap();
    assert!(tag.contains('"'), "no ETag saved: {tag:?}");
    let again = curl(&[
        "-s",
        "--etag-compare",
        saved,
        "-w",
        "%{http_code}",
        &site.url("/hello.txt"),
    ]);
    assert_eq!(again, "304");
}

#[test]
fn python_urllib_gets_a_file_and_an_http_error_for_a_404() {
    let site = Site::start();
    let program = r#"
import sys, urllib.request, urllib.error
with urllib.request.urlopen(sys.argv[1]) as response:
    print(response.status, response.headers["Content-Type"], repr(response.read()))
try:
    urllib.request.urlopen(sys.argv[2])
    print("no error")
except urllib.error.HTTPError as error:
    print("HTTPError", error.code)
"#;
    let out = python(
        program,
        &[&site.url("/hello.txt"), &site.url("/missing.txt")],
    );
    assert_eq!(
        out,
        "200 text/plain; charset=utf-8 b'hello from a file\\n'\nHTTPError 404\n"
    );
}

#[test]
fn python_http_client_sends_head_then_get_on_one_connection() {
    let site = Site::start();
    // auto_open = 0: if the server closed the connection, the second
    // request fails instead of quietly opening a new one.
    let program = r#"
import sys, http.client
conn = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
conn.request("HEAD", "/big.bin")
head = conn.getresponse()
head.read()
local = conn.sock.getsockname()
conn.auto_open = 0
conn.request("GET", "/big.bin")
get = conn.getresponse()
body = get.read()
same = conn.sock is not None and conn.sock.getsockname() == local
print(head.status, head.getheader("Content-Length"), get.status, len(body), same)
"#;
    let addr = site.server.local_addr();
    let out = python(program, &["127.0.0.1", &addr.port().to_string()]);
    assert_eq!(out, "200 1000000 200 1000000 True\n");
}

#[test]
fn the_example_serves_wget_a_file() {
    let dir = site();
    let server = ExampleServer::start(
        "06-http-server",
        &["--root", dir.path().to_str().unwrap(), "--port", "0"],
    );
    let url = format!("http://{}/hello.txt", server.addr);
    let output = run("wget", &["-q", "-O", "-", &url], b"");
    assert_eq!(output.stdout, b"hello from a file\n");
}

#[test]
fn wget_continues_a_partial_download() {
    let site = Site::start();
    let downloads = tempfile::tempdir().unwrap();
    let out = downloads.path().join("big.bin");
    fs::write(&out, &big_body()[..123_456]).unwrap();
    // -c: continue the file of the same name in -P's folder, with a Range.
    run(
        "wget",
        &[
            "-q",
            "-c",
            "-P",
            downloads.path().to_str().unwrap(),
            &site.url("/big.bin"),
        ],
        b"",
    );
    assert_eq!(fs::read(&out).unwrap(), big_body());
}

/// Chromium's launcher: Debian calls it `chromium`, Ubuntu `chromium-browser`.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("this test needs `chromium`, which is not installed (.ci/run installs it)")
        })
}

/// The DOM of `url` once headless Chromium has loaded it, serialized as HTML.
/// `timeout` kills Chromium (and its helper processes) if it hangs.
fn chromium_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(require("timeout"))
        .args(["-k", "5", CHROMIUM_TIMEOUT_SECS])
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot start chromium: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(
        output.status.code(),
        Some(124),
        "chromium did not finish loading {url} in {CHROMIUM_TIMEOUT_SECS} s:\n{stderr}"
    );
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}\n{stderr}",
        output.status
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn chromium_shows_the_listing_with_names_as_text() {
    let site = Site::start();
    let dom = chromium_dom(&site.url("/"));
    assert!(dom.contains("<title>Index of /</title>"), "{dom}");
    for name in ["hello.txt", "page.html", "big.bin", "sub/"] {
        assert!(dom.contains(&format!(">{name}</a>")), "{name} in {dom}");
    }
    // The markup in a name is text: serialized back escaped, and no <b>
    // element was made of it.
    let shown = HTML_NAME
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(dom.contains(&format!(">{shown}</a>")), "{shown} in {dom}");
    assert!(!dom.contains("<b>"), "a name became markup: {dom}");
}

#[test]
fn chromium_renders_an_html_file() {
    let site = Site::start();
    let dom = chromium_dom(&site.url("/page.html"));
    assert!(dom.contains("<title>Chapter six</title>"), "{dom}");
    assert!(
        dom.contains("<p id=\"greeting\">served by netlessons</p>"),
        "{dom}"
    );
}

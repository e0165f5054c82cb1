//! Exercise 06: turn a request target into a file under the root, safely.
//!
//! Write `resolve` below. It gets the server's root (already canonical: no
//! symbolic links in it) and the request target exactly as the client sent
//! it (`/docs/a%20b.txt?x=1`), and returns the path of the file to serve,
//! or the status code that refuses the request:
//!
//! - 400 when the target is not a path (it does not start with `/`);
//! - 403 when it tries to leave the root: a `..` segment, spelled plainly
//!   or percent-encoded, a segment that decodes to `/`, `\` or NUL, or a
//!   symbolic link inside the root that points outside it;
//! - 404 when it names nothing.
//!
//! Run the tests:          cargo test --test ex06
//! See the reference pass: cargo test --test ex06 --features solutions

use std::path::{Path, PathBuf};

// ---- Your code: replace the todo!() -------------------------------------

/// The file that `target` names under `root`, or the status that refuses it.
#[cfg(not(feature = "solutions"))]
fn resolve(root: &Path, target: &str) -> Result<PathBuf, u16> {
    let _ = (root, target);
    todo!(
        "Hint: drop the query (after '?'), split the path on '/', and percent-decode each \
         segment on its own (netlessons::url::percent_decode). Skip empty and '.' segments; \
         refuse '..' and segments holding '/', '\\\\' or NUL. Then walk down from the root, one \
         segment at a time: fs::symlink_metadata tells a link, and fs::canonicalize where it \
         really leads; it must still start with the root."
    )
}

#[cfg(feature = "solutions")]
use netlessons::http::files::resolve;

// ---- Tests: run them, don't change them ---------------------------------

use netlessons::http::server::{HttpHandler, Request, Response};
use netlessons::serve::Server;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use tempfile::TempDir;

/// A root with a file, a file with a space in its name, a subdirectory,
/// and (on Unix) a link to a file inside and a link to a directory outside.
fn site() -> (TempDir, TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = fs::canonicalize(root.path()).unwrap();
    fs::write(r.join("hello.txt"), "hello\n").unwrap();
    fs::create_dir(r.join("docs")).unwrap();
    fs::write(r.join("docs/a b.txt"), "spaced\n").unwrap();
    fs::write(outside.path().join("secret.txt"), "secret\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(r.join("hello.txt"), r.join("alias.txt")).unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("escape")).unwrap();
    }
    (root, outside, r)
}

#[test]
fn a_plain_path_names_its_file() {
    let (_root, _outside, r) = site();
    assert_eq!(resolve(&r, "/hello.txt"), Ok(r.join("hello.txt")));
}

#[test]
fn segments_are_decoded_and_the_query_dropped() {
    let (_root, _outside, r) = site();
    assert_eq!(
        resolve(&r, "/docs/a%20b.txt?x=1"),
        Ok(r.join("docs/a b.txt"))
    );
    assert_eq!(
        resolve(&r, "/docs//./a%20b.txt"),
        Ok(r.join("docs/a b.txt"))
    );
}

#[test]
fn a_missing_file_is_404() {
    let (_root, _outside, r) = site();
    assert_eq!(resolve(&r, "/nothing.txt"), Err(404));
}

#[test]
fn dot_dot_in_any_spelling_is_403() {
    let (_root, _outside, r) = site();
    for target in ["/../secret.txt", "/docs/../../x", "/%2e%2e/x", "/.%2E/x"] {
        assert_eq!(resolve(&r, target), Err(403), "{target}");
    }
}

#[test]
fn a_slash_backslash_or_nul_hidden_in_a_segment_is_403() {
    let (_root, _outside, r) = site();
    for target in ["/docs%2f..%2f..%2fx", "/..%5cx", "/hello.txt%00.png"] {
        assert_eq!(resolve(&r, target), Err(403), "{target}");
    }
}

#[test]
fn a_target_that_is_not_a_path_is_400() {
    let (_root, _outside, r) = site();
    assert_eq!(resolve(&r, "*"), Err(400));
    assert_eq!(resolve(&r, "hello.txt"), Err(400));
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_root_is_403_and_one_inside_is_followed() {
    let (_root, _outside, r) = site();
    assert_eq!(resolve(&r, "/escape/secret.txt"), Err(403));
    assert!(resolve(&r, "/alias.txt").is_ok());
}

#[test]
fn a_server_built_on_it_refuses_the_attack_over_the_network() {
    let (_root, _outside, r) = site();
    let served = r.clone();
    let app = move |request: &Request| match resolve(&served, &request.head.target) {
        Ok(path) => match fs::read(path) {
            Ok(bytes) => Response::with_body(200, "text/plain", bytes),
            Err(_) => Response::error(404, ""),
        },
        Err(status) => Response::error(status, ""),
    };
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(HttpHandler::new(app))
        .unwrap();
    let ask = |target: &str| {
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    };
    assert!(ask("/hello.txt").starts_with("HTTP/1.1 200 "));
    let attack = ask("/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
    assert!(attack.starts_with("HTTP/1.1 403 "), "{attack}");
}

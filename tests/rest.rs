//! The notes API over real loopback connections: every route and status
//! code, many clients at once, the file that survives a restart, and the
//! same conversation through every kind of network weather.
//!
//! The requests are written by hand, byte for byte, so that each test
//! shows exactly what a client sends.

mod support;

use netlessons::http::body::response_body;
use netlessons::http::conn::{read_head, BodyReader, RECV_BUFFER_LEN};
use netlessons::http::head::{parse_response_head, Method, RequestHead, ResponseHead};
use netlessons::http::server::{App, HttpHandler, Request};
use netlessons::http::{Headers, Version};
use netlessons::json::{parse, Value};
use netlessons::rest::persist::temp_path;
use netlessons::rest::{LoadError, NotesApi, MAX_COLLECTION_JSON, MAX_TEXT_LEN};
use netlessons::serve::{Server, ServerHandle};
use netlessons::wire::buffer::RecvBuf;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use support::chaos::{ChaosProxy, Weather};

const TIMEOUT: Duration = Duration::from_secs(10);
const JSON: &str = "application/json";

// ---------------------------------------------------------------------
// A tiny client: one keep-alive connection, requests written by hand

/// A response, read whole.
struct Reply {
    head: ResponseHead,
    body: String,
}

impl Reply {
    fn status(&self) -> u16 {
        self.head.status
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name)
    }

    /// The body, parsed as JSON (the test fails if it is not).
    fn json(&self) -> Value {
        parse(self.body.as_bytes())
            .unwrap_or_else(|error| panic!("body {:?} is not JSON: {error}", self.body))
    }

    /// The `error` member of a JSON error body.
    fn error(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some(JSON),
            "an error is JSON too"
        );
        let value = self.json();
        let message = value.get("error").and_then(Value::as_str);
        message
            .unwrap_or_else(|| panic!("no error in {}", self.body))
            .to_string()
    }
}

struct Client {
    stream: TcpStream,
    buf: RecvBuf<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let reader = stream.try_clone().unwrap();
        Client {
            stream,
            buf: RecvBuf::new(reader, RECV_BUFFER_LEN),
        }
    }

    /// Sends a request with a body of type `content_type` (none if `None`).
    fn send(
        &mut self,
        method: &str,
        target: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let fields: Vec<(&str, &str)> = content_type
            .map(|content_type| ("Content-Type", content_type))
            .into_iter()
            .collect();
        self.send_with(method, target, &fields, body)
    }

    /// Sends a request with these header fields (and Host, and the body's
    /// Content-Length).
    fn send_with(
        &mut self,
        method: &str,
        target: &str,
        fields: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: test\r\n");
        for (name, value) in fields {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        self.stream.write_all(request.as_bytes()).unwrap();
        let head = read_head(&mut self.buf, parse_response_head)
            .unwrap()
            .expect("a response");
        let asked = if method == "HEAD" {
            Method::Head
        } else {
            Method::Get
        };
        let length = response_body(&asked, &head).unwrap();
        let body = BodyReader::new(&mut self.buf, length)
            .read_to_limit(64 * 1024 * 1024)
            .unwrap();
        Reply {
            head,
            body: String::from_utf8(body).unwrap(),
        }
    }

    fn get(&mut self, target: &str) -> Reply {
        self.send("GET", target, None, "")
    }

    fn post(&mut self, body: &str) -> Reply {
        self.send("POST", "/notes", Some(JSON), body)
    }

    fn delete(&mut self, target: &str) -> Reply {
        self.send("DELETE", target, None, "")
    }
}

fn server(api: NotesApi) -> ServerHandle {
    Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(HttpHandler::new(api))
        .unwrap()
}

/// A server in memory, and a client connected to it.
fn fresh() -> (ServerHandle, Client) {
    let server = server(NotesApi::in_memory());
    let client = Client::connect(server.local_addr());
    (server, client)
}

fn json(text: &str) -> Value {
    parse(text.as_bytes()).unwrap()
}

// ---------------------------------------------------------------------
// The collection: GET and POST /notes

#[test]
fn an_empty_collection_is_an_empty_array() {
    let (_server, mut client) = fresh();
    let reply = client.get("/notes");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.header("content-type"), Some(JSON));
    assert_eq!(reply.json(), json("[]"));
}

#[test]
fn post_creates_a_note_with_201_and_its_location() {
    // RFC 9110 §15.3.2: 201, with Location naming the new resource.
    let (_server, mut client) = fresh();
    let reply = client.post(r#"{"text":"buy milk"}"#);
    assert_eq!(reply.status(), 201);
    assert_eq!(reply.header("location"), Some("/notes/1"));
    assert_eq!(reply.header("content-type"), Some(JSON));
    assert_eq!(
        reply.json(),
        json(r#"{"id":1,"text":"buy milk","done":false}"#)
    );
}

#[test]
fn post_keeps_done_when_given() {
    let (_server, mut client) = fresh();
    let reply = client.post(r#"{"done":true,"text":"call"}"#);
    assert_eq!(reply.json(), json(r#"{"id":1,"text":"call","done":true}"#));
}

#[test]
fn the_location_of_a_new_note_is_where_get_finds_it() {
    let (_server, mut client) = fresh();
    let created = client.post(r#"{"text":"a"}"#);
    let location = created.header("location").unwrap().to_string();
    let fetched = client.get(&location);
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.json(), created.json());
}

#[test]
fn get_lists_every_note_in_the_order_they_were_made() {
    let (_server, mut client) = fresh();
    for text in ["one", "two", "three"] {
        client.post(&format!(r#"{{"text":"{text}"}}"#));
    }
    let texts: Vec<String> = client
        .get("/notes")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|note| {
            note.get("text")
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
}

#[test]
fn text_with_escapes_and_unicode_comes_back_the_same() {
    let (_server, mut client) = fresh();
    let text = "line 1\nline 2\t\"quoted\" \\ é 😀 \u{1}";
    let body = Value::object([("text", text.into())]).to_string();
    let created = client.post(&body);
    let fetched = client.get("/notes/1").json();
    assert_eq!(created.json(), fetched);
    assert_eq!(fetched.get("text").and_then(Value::as_str), Some(text));
}

// ---------------------------------------------------------------------
// One note: GET, PUT, PATCH, DELETE /notes/{id}

#[test]
fn get_a_note_that_does_not_exist_is_404_with_a_json_error() {
    let (_server, mut client) = fresh();
    let reply = client.get("/notes/7");
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.error(), "no note with id 7");
}

#[test]
fn put_replaces_the_whole_note_and_done_defaults_to_false() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"old","done":true}"#);
    let reply = client.send("PUT", "/notes/1", Some(JSON), r#"{"text":"new"}"#);
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.json(), json(r#"{"id":1,"text":"new","done":false}"#));
    assert_eq!(client.get("/notes/1").json(), reply.json());
}

#[test]
fn put_to_a_note_that_does_not_exist_is_404_and_creates_nothing() {
    // Ids are the server's to give: PUT does not create (see the lesson).
    let (_server, mut client) = fresh();
    let reply = client.send("PUT", "/notes/5", Some(JSON), r#"{"text":"mine"}"#);
    assert_eq!(reply.status(), 404);
    assert_eq!(client.get("/notes").json(), json("[]"));
}

#[test]
fn put_may_send_back_the_note_it_got_but_not_change_its_id() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let same = client.send(
        "PUT",
        "/notes/1",
        Some(JSON),
        r#"{"id":1,"text":"b","done":true}"#,
    );
    assert_eq!(same.status(), 200);
    let other = client.send("PUT", "/notes/1", Some(JSON), r#"{"id":2,"text":"c"}"#);
    assert_eq!(other.status(), 422);
    assert_eq!(client.get("/notes/1").json().get("text"), Some(&"b".into()));
}

#[test]
fn patch_as_a_merge_patch_changes_only_what_it_names() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"keep me"}"#);
    let reply = client.send(
        "PATCH",
        "/notes/1",
        Some("application/merge-patch+json"),
        r#"{"done":true}"#,
    );
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.json(),
        json(r#"{"id":1,"text":"keep me","done":true}"#)
    );
}

#[test]
fn patch_as_plain_json_is_accepted_too() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"old"}"#);
    let reply = client.send("PATCH", "/notes/1", Some(JSON), r#"{"text":"new"}"#);
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.json(), json(r#"{"id":1,"text":"new","done":false}"#));
}

#[test]
fn patch_that_removes_a_field_with_null_is_422_and_changes_nothing() {
    // RFC 7396 §1: null means "remove"; a note cannot lose its text.
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"stay"}"#);
    let reply = client.send("PATCH", "/notes/1", Some(JSON), r#"{"text":null}"#);
    assert_eq!(reply.status(), 422);
    assert_eq!(
        client.get("/notes/1").json().get("text"),
        Some(&"stay".into())
    );
}

#[test]
fn patch_to_a_note_that_does_not_exist_is_404() {
    let (_server, mut client) = fresh();
    let reply = client.send("PATCH", "/notes/3", Some(JSON), r#"{"done":true}"#);
    assert_eq!(reply.status(), 404);
}

#[test]
fn delete_is_204_without_a_body_then_404() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let first = client.delete("/notes/1");
    assert_eq!(first.status(), 204);
    assert_eq!(first.body, "");
    assert_eq!(
        first.header("content-length"),
        None,
        "RFC 9110 §8.6: none on a 204"
    );
    // DELETE is idempotent (the state is the same after one or two), but
    // the second response says there was nothing left to delete.
    assert_eq!(client.delete("/notes/1").status(), 404);
    assert_eq!(client.get("/notes/1").status(), 404);
}

#[test]
fn a_deleted_id_is_never_given_to_a_new_note() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    client.post(r#"{"text":"b"}"#);
    client.delete("/notes/2");
    let reply = client.post(r#"{"text":"c"}"#);
    assert_eq!(reply.header("location"), Some("/notes/3"));
}

#[test]
fn head_is_get_without_the_body() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let get = client.get("/notes/1");
    let head = client.send("HEAD", "/notes/1", None, "");
    assert_eq!(head.status(), 200);
    assert_eq!(head.body, "");
    assert_eq!(head.header("content-type"), Some(JSON));
    assert_eq!(head.header("content-length"), get.header("content-length"));
}

// ---------------------------------------------------------------------
// Methods and paths that are not served

#[test]
fn a_method_the_collection_does_not_support_is_405_with_allow() {
    let (_server, mut client) = fresh();
    for method in ["PUT", "PATCH", "DELETE", "BREW"] {
        let reply = client.send(method, "/notes", None, "");
        assert_eq!(reply.status(), 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
        assert!(reply.error().contains(method));
    }
}

#[test]
fn post_to_a_note_is_405_with_allow() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let reply = client.send("POST", "/notes/1", Some(JSON), r#"{"text":"b"}"#);
    assert_eq!(reply.status(), 405);
    assert_eq!(
        reply.header("allow"),
        Some("GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
    );
}

#[test]
fn options_says_which_methods_a_uri_supports() {
    let (_server, mut client) = fresh();
    let reply = client.send("OPTIONS", "/notes/1", None, "");
    assert_eq!(reply.status(), 204);
    assert_eq!(
        reply.header("allow"),
        Some("GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
    );
    assert_eq!(
        reply.header("accept-patch"),
        Some("application/merge-patch+json, application/json")
    );
}

#[test]
fn an_unknown_path_is_404_with_a_json_error() {
    let (_server, mut client) = fresh();
    let reply = client.get("/todos");
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.error(), "no resource at /todos");
}

#[test]
fn an_id_that_is_not_a_positive_integer_names_no_note() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    for target in [
        "/notes/0",
        "/notes/01",
        "/notes/-1",
        "/notes/one",
        "/notes/1.0",
        "/notes/",
        "/notes/99999999999999999999",
    ] {
        assert_eq!(client.get(target).status(), 404, "{target}");
    }
}

// ---------------------------------------------------------------------
// Bodies that are not what the API takes: 415, 400, 422

#[test]
fn a_body_that_is_not_json_is_400_with_the_byte_where_it_goes_wrong() {
    let (_server, mut client) = fresh();
    let reply = client.post(r#"{"text": "a",}"#);
    assert_eq!(reply.status(), 400);
    let body = reply.json();
    assert_eq!(body.get("at").and_then(Value::as_i64), Some(13));
    assert_eq!(
        reply.error(),
        "invalid JSON: expected a key (a string in double quotes)"
    );
}

#[test]
fn an_empty_body_is_400_not_json() {
    let (_server, mut client) = fresh();
    let reply = client.post("");
    assert_eq!(reply.status(), 400);
    assert_eq!(reply.json().get("at").and_then(Value::as_i64), Some(0));
}

#[test]
fn a_body_that_is_not_json_creates_nothing() {
    let (_server, mut client) = fresh();
    client.post("{");
    client.post(r#"{"text":"a"} extra"#);
    assert_eq!(client.get("/notes").json(), json("[]"));
}

#[test]
fn a_body_of_another_type_is_415() {
    let (_server, mut client) = fresh();
    let table = [
        (Some("text/plain"), "not text/plain"),
        (
            Some("multipart/form-data; boundary=x"),
            "not multipart/form-data; boundary=x",
        ),
        (
            Some("application/json; charset=iso-8859-1"),
            "not application/json; charset=iso-8859-1",
        ),
        (
            Some("application/x-www-form-urlencoded; charset=iso-8859-1"),
            "not application/x-www-form-urlencoded; charset=iso-8859-1",
        ),
        (None, "and has no Content-Type"),
    ];
    for (content_type, sent) in table {
        let reply = client.send("POST", "/notes", content_type, r#"{"text":"a"}"#);
        assert_eq!(reply.status(), 415, "{content_type:?}");
        // A POST takes two types, and says so in words and in Accept-Post.
        assert_eq!(
            reply.error(),
            format!(
                "the body must be application/json or application/x-www-form-urlencoded, {sent}"
            )
        );
        assert_eq!(
            reply.header("accept-post"),
            Some("application/json, application/x-www-form-urlencoded")
        );
    }
    assert_eq!(client.get("/notes").json(), json("[]"));
}

#[test]
fn a_body_with_two_content_types_is_400_and_changes_nothing() {
    // Content-Type names one type (RFC 9110 §8.3). Two lines of it make the
    // body ambiguous: a server that read the first and a proxy that read
    // the last would disagree about what was sent. Refuse, do not guess.
    let (_server, mut client) = fresh();
    let two = [
        ("Content-Type", "application/json"),
        ("Content-Type", "text/plain"),
    ];
    for method in ["POST", "PUT", "PATCH"] {
        let target = if method == "POST" {
            "/notes"
        } else {
            "/notes/1"
        };
        let reply = client.send_with(method, target, &two, r#"{"text":"a"}"#);
        assert_eq!(reply.status(), 400, "{method}");
        assert_eq!(
            reply.error(),
            "the request has 2 Content-Type fields; a body has one type",
            "{method}"
        );
    }
    assert_eq!(client.get("/notes").json(), json("[]"));
}

#[test]
fn a_put_takes_json_only_and_its_415_says_so() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let reply = client.send("PUT", "/notes/1", Some(FORM), "text=b");
    assert_eq!(reply.status(), 415);
    assert_eq!(
        reply.error(),
        "the body must be application/json, not application/x-www-form-urlencoded"
    );
    assert_eq!(reply.header("accept-post"), None);
}

#[test]
fn a_json_type_with_charset_utf8_is_accepted() {
    let (_server, mut client) = fresh();
    let reply = client.send(
        "POST",
        "/notes",
        Some("application/json; charset=UTF-8"),
        r#"{"text":"a"}"#,
    );
    assert_eq!(reply.status(), 201);
}

#[test]
fn a_merge_patch_is_only_for_patch() {
    let (_server, mut client) = fresh();
    let reply = client.send(
        "POST",
        "/notes",
        Some("application/merge-patch+json"),
        r#"{"text":"a"}"#,
    );
    assert_eq!(reply.status(), 415);
}

#[test]
fn a_patch_of_another_type_is_415_and_says_what_it_accepts() {
    // RFC 5789 §3.1: Accept-Patch on a 415 to a PATCH.
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"a"}"#);
    let reply = client.send(
        "PATCH",
        "/notes/1",
        Some("application/json-patch+json"),
        "[]",
    );
    assert_eq!(reply.status(), 415);
    assert!(reply.header("accept-patch").is_some());
}

#[test]
fn json_that_is_not_a_note_is_422_with_the_reason() {
    let (_server, mut client) = fresh();
    let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(MAX_TEXT_LEN + 1));
    let table = [
        ("[]", "a note must be a JSON object"),
        ("{}", "\"text\" is missing"),
        (r#"{"text":42}"#, "\"text\" must be a string"),
        (r#"{"text":""}"#, "\"text\" must not be empty"),
        (&long, "\"text\" is 1001 bytes long; the most is 1000"),
        (
            r#"{"text":"a","done":"no"}"#,
            "\"done\" must be true or false",
        ),
        (r#"{"text":"a","id":9}"#, "\"id\" is assigned by the server"),
        (
            r#"{"text":"a","colour":"red"}"#,
            "unknown field \"colour\" (a note has \"text\" and \"done\")",
        ),
    ];
    for (body, expected) in table {
        let reply = client.post(body);
        assert_eq!(reply.status(), 422, "{body}");
        assert_eq!(reply.error(), expected, "{body}");
    }
    assert_eq!(client.get("/notes").json(), json("[]"));
}

/// A `POST /notes` request as the HTTP server would hand it to the app.
fn post_request(body: &str) -> Request {
    let mut headers = Headers::new();
    headers.append("Content-Type", JSON);
    Request {
        head: RequestHead {
            method: Method::Post,
            target: "/notes".into(),
            version: Version::Http11,
            headers,
        },
        body: body.as_bytes().to_vec(),
        peer: "127.0.0.1:1".parse().unwrap(),
    }
}

#[test]
fn near_the_size_limit_a_change_that_would_grow_the_list_is_507_and_changes_nothing() {
    // Filling a megabyte over HTTP is slow in a debug build: fill it by
    // calling the app directly, then ask over the wire for more.
    let api = Arc::new(NotesApi::in_memory());
    assert_eq!(api.respond(&post_request(r#"{"text":"x"}"#)).status, 201);
    // 500 control characters: 500 bytes of text, but 3000 of JSON
    // (\u0001 each), and the limit counts the JSON.
    let escaped = r#"{"text":""#.to_string() + &"\\u0001".repeat(500) + r#""}"#;
    let mut made = 0;
    while api.respond(&post_request(&escaped)).status == 201 {
        made += 1;
    }
    assert!(
        made < MAX_COLLECTION_JSON / 3000,
        "{made} notes: escapes must count at their escaped size"
    );
    let shared = Arc::clone(&api);
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .spawn(HttpHandler::new(move |request: &Request| {
            shared.respond(request)
        }))
        .unwrap();
    let mut client = Client::connect(server.local_addr());
    let list = client.get("/notes").body;
    assert!(
        list.len() <= MAX_COLLECTION_JSON + 1,
        "the JSON and its newline"
    );

    let reply = client.post(&escaped);
    assert_eq!(reply.status(), 507);
    assert!(reply.error().contains("bytes as JSON"), "{}", reply.error());
    // A longer text for note 1 would grow the list too: refused as well.
    let longer = r#"{"text":""#.to_string() + &"\\u0001".repeat(MAX_TEXT_LEN) + r#""}"#;
    assert_eq!(
        client.send("PUT", "/notes/1", Some(JSON), &longer).status(),
        507
    );
    assert_eq!(
        client
            .send("PATCH", "/notes/1", Some(JSON), &longer)
            .status(),
        507
    );
    assert_eq!(client.get("/notes").body, list, "nothing changed");

    // Making room makes room.
    assert_eq!(client.delete("/notes/2").status(), 204);
    assert_eq!(client.post(&escaped).status(), 201);
}

// ---------------------------------------------------------------------
// Many clients at once

#[test]
fn twenty_clients_posting_fifty_notes_each_get_a_thousand_distinct_ids() {
    let (server, mut client) = fresh();
    let addr = server.local_addr();
    let threads: Vec<_> = (0..20)
        .map(|thread| {
            thread::spawn(move || {
                let mut client = Client::connect(addr);
                (0..50)
                    .map(|i| {
                        let reply = client.post(&format!(r#"{{"text":"{thread}-{i}"}}"#));
                        assert_eq!(reply.status(), 201);
                        reply.json().get("id").and_then(Value::as_i64).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids,
        (1..=1000).collect::<Vec<_>>(),
        "1000 distinct ids, none skipped"
    );
    let listed = client.get("/notes").json();
    assert_eq!(listed.as_array().unwrap().len(), 1000);
}

// ---------------------------------------------------------------------
// The file: saved before acknowledged, read back at start

fn notes_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.json");
    (dir, path)
}

fn texts_in(client: &mut Client) -> Vec<String> {
    client
        .get("/notes")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|note| {
            note.get("text")
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn every_change_survives_a_restart() {
    let (_dir, path) = notes_file();
    {
        let server = server(NotesApi::open(&path).unwrap());
        let mut client = Client::connect(server.local_addr());
        client.post(r#"{"text":"one"}"#);
        client.post(r#"{"text":"two"}"#);
        client.post(r#"{"text":"three"}"#);
        client.send(
            "PATCH",
            "/notes/1",
            Some(JSON),
            r#"{"text":"one, changed"}"#,
        );
        client.delete("/notes/2");
    } // the server and client are dropped: everything in memory is gone
    let server = server(NotesApi::open(&path).unwrap());
    let mut client = Client::connect(server.local_addr());
    assert_eq!(texts_in(&mut client), ["one, changed", "three"]);
}

#[test]
fn ids_are_not_reused_after_a_restart() {
    let (_dir, path) = notes_file();
    {
        let server = server(NotesApi::open(&path).unwrap());
        let mut client = Client::connect(server.local_addr());
        client.post(r#"{"text":"a"}"#);
        client.post(r#"{"text":"b"}"#);
        client.delete("/notes/2");
    }
    let server = server(NotesApi::open(&path).unwrap());
    let mut client = Client::connect(server.local_addr());
    assert_eq!(
        client.post(r#"{"text":"c"}"#).header("location"),
        Some("/notes/3")
    );
}

#[test]
fn the_file_holds_the_change_by_the_time_the_201_arrives() {
    let (_dir, path) = notes_file();
    let server = server(NotesApi::open(&path).unwrap());
    let mut client = Client::connect(server.local_addr());
    client.post(r#"{"text":"on disk"}"#);
    let file = json(&std::fs::read_to_string(&path).unwrap());
    let notes = file.get("notes").and_then(Value::as_array).unwrap();
    assert_eq!(notes[0].get("text"), Some(&"on disk".into()));
}

#[test]
fn a_leftover_temporary_file_from_a_crash_is_ignored() {
    let (_dir, path) = notes_file();
    {
        let server = server(NotesApi::open(&path).unwrap());
        Client::connect(server.local_addr()).post(r#"{"text":"saved"}"#);
    }
    // A crash between writing the temporary file and renaming it leaves
    // half a file behind, and the real file as it was.
    let temp = temp_path(&path).unwrap();
    std::fs::write(&temp, br#"{"next_id": 9, "notes": [{"id": 1, "te"#).unwrap();
    let server = server(NotesApi::open(&path).unwrap());
    let mut client = Client::connect(server.local_addr());
    assert_eq!(texts_in(&mut client), ["saved"]);
    // The next save writes over the leftover and renames it away.
    client.post(r#"{"text":"next"}"#);
    assert!(!temp.exists());
}

#[test]
fn a_corrupt_file_stops_the_server_from_starting_and_is_left_alone() {
    let (_dir, path) = notes_file();
    let garbage = br#"{"next_id": 2, "notes": [{"id": 1, "text": "half"#;
    std::fs::write(&path, garbage).unwrap();
    let error = NotesApi::open(&path).unwrap_err();
    assert!(matches!(error, LoadError::Json(..)), "{error}");
    assert!(error.to_string().contains("will not start"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage, "never overwritten");
}

#[test]
fn a_json_file_that_is_not_notes_stops_the_server_from_starting() {
    let (_dir, path) = notes_file();
    std::fs::write(&path, br#"{"next_id": 2, "notes": [{"id": 1, "text": 5}]}"#).unwrap();
    let error = NotesApi::open(&path).unwrap_err();
    assert!(matches!(error, LoadError::Invalid(..)), "{error}");
}

#[test]
fn a_missing_file_is_a_first_start_and_is_created_at_once() {
    let (_dir, path) = notes_file();
    let api = NotesApi::open(&path).unwrap();
    assert!(api.is_empty());
    assert!(
        path.is_file(),
        "created at start, so a bad directory shows at once"
    );
}

#[test]
fn a_directory_that_does_not_exist_stops_the_server_from_starting() {
    let (dir, _) = notes_file();
    let path = dir.path().join("no such dir").join("notes.json");
    assert!(matches!(NotesApi::open(&path), Err(LoadError::Io(..))));
}

#[test]
fn a_change_that_cannot_be_saved_is_500_and_not_made() {
    let (dir, _) = notes_file();
    let sub = dir.path().join("data");
    std::fs::create_dir(&sub).unwrap();
    let path = sub.join("notes.json");
    let server = server(NotesApi::open(&path).unwrap());
    let mut client = Client::connect(server.local_addr());
    client.post(r#"{"text":"kept"}"#);
    // The disk goes away under the server (as a full disk or a lost
    // mount would): saving fails from now on.
    std::fs::remove_dir_all(&sub).unwrap();
    let reply = client.post(r#"{"text":"lost"}"#);
    assert_eq!(reply.status(), 500);
    assert_eq!(client.delete("/notes/1").status(), 500);
    assert_eq!(
        texts_in(&mut client),
        ["kept"],
        "memory matches what was acknowledged"
    );
    assert!(!Path::new(&path).exists());
}

// ---------------------------------------------------------------------
// Through the chaos proxy

#[test]
fn a_post_and_a_get_work_in_every_weather() {
    for (name, weather) in Weather::all() {
        let server = server(NotesApi::in_memory());
        let proxy = ChaosProxy::start(server.local_addr(), weather).unwrap();
        let mut client = Client::connect(proxy.addr());
        let created = client.post(r#"{"text":"through the storm"}"#);
        assert_eq!(created.status(), 201, "{name}");
        assert_eq!(client.get("/notes/1").json(), created.json(), "{name}");
        assert_eq!(client.post("{oops").status(), 400, "{name}");
        let posted = client.send_with("POST", "/notes", &[FORM_TYPE, BROWSER], "text=a+b");
        assert_eq!(posted.status(), 303, "{name}");
        assert!(client.get("/").body.contains(">a b</li>"), "{name}");
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    // Two requests in one write: the server must not lose the second.
    let (_server, mut client) = fresh();
    let body = r#"{"text":"a"}"#;
    let request = format!(
        "POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: {JSON}\r\nContent-Length: {}\r\n\r\n{body}\
         GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n",
        body.len()
    );
    client.stream.write_all(request.as_bytes()).unwrap();
    for expected in [201, 200] {
        let head = read_head(&mut client.buf, parse_response_head)
            .unwrap()
            .unwrap();
        assert_eq!(head.status, expected);
        let length = response_body(&Method::Get, &head).unwrap();
        BodyReader::new(&mut client.buf, length)
            .read_to_limit(1024)
            .unwrap();
    }
}

#[test]
fn errors_found_before_the_api_are_json_too() {
    let server = server(NotesApi::in_memory());
    let table = [
        // Too large a body (413), a malformed head (400), no Host (400).
        "POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n",
        "GET /notes HTTP/1.1\r\nHost : t\r\n\r\n",
        "GET /notes HTTP/1.1\r\n\r\n",
    ];
    for request in table {
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut buf = RecvBuf::new(stream, RECV_BUFFER_LEN);
        let head = read_head(&mut buf, parse_response_head).unwrap().unwrap();
        let length = response_body(&Method::Get, &head).unwrap();
        let body = BodyReader::new(&mut buf, length)
            .read_to_limit(4096)
            .unwrap();
        assert!(
            matches!(head.status, 400 | 413),
            "{request:?}: {}",
            head.status
        );
        assert_eq!(
            head.headers.get("content-type"),
            Some("application/json"),
            "{request:?}"
        );
        let json = parse(&body).unwrap();
        assert!(
            json.get("error").and_then(Value::as_str).is_some(),
            "{request:?}"
        );
    }
}

// ---------------------------------------------------------------------
// A browser: the page, the form, and POST/redirect/GET

const FORM: &str = "application/x-www-form-urlencoded";
const FORM_TYPE: (&str, &str) = ("Content-Type", FORM);
const PAGE: &str = "text/html; charset=utf-8";

/// What Chromium (156) sends when it loads a page or submits a form.
const BROWSER: (&str, &str) = (
    "Accept",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,\
     image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
);

/// What curl and python's `requests` send.
const ANY: (&str, &str) = ("Accept", "*/*");

#[test]
fn the_root_is_a_page_with_a_form_that_posts_to_the_notes() {
    let (_server, mut client) = fresh();
    // Whatever the client accepts: `/` has one representation.
    for accept in [ANY, BROWSER, ("Accept", JSON)] {
        let reply = client.send_with("GET", "/", &[accept], "");
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.header("content-type"), Some(PAGE));
        assert_eq!(reply.header("vary"), None);
        assert!(
            reply.body.starts_with("<!DOCTYPE html>\n"),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains("<p>No notes yet.</p>"),
            "{}",
            reply.body
        );
        assert!(
            reply
                .body
                .contains("<form method=\"post\" action=\"/notes\">"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains(" name=\"text\" "), "{}", reply.body);
    }
}

#[test]
fn a_form_post_from_a_program_is_201_with_the_json_note() {
    // curl -d, python's requests.post(url, data=...): Accept: */*.
    let (_server, mut client) = fresh();
    let reply = client.send_with(
        "POST",
        "/notes",
        &[FORM_TYPE, ANY],
        "text=fish+%26+chips%21",
    );
    assert_eq!(reply.status(), 201);
    assert_eq!(reply.header("location"), Some("/notes/1"));
    assert_eq!(reply.header("vary"), Some("Accept"));
    assert_eq!(
        reply.json(),
        json(r#"{"id":1,"text":"fish & chips!","done":false}"#)
    );
    // No Accept at all is the same, and a form may say done=true.
    let reply = client.send("POST", "/notes", Some(FORM), "done=true&text=call");
    assert_eq!(reply.status(), 201);
    assert_eq!(reply.json(), json(r#"{"id":2,"text":"call","done":true}"#));
}

#[test]
fn a_form_post_from_a_browser_is_303_to_the_page_which_lists_the_note_escaped() {
    let (_server, mut client) = fresh();
    let text = "<script>alert('hi')</script> & more";
    let body = netlessons::http::request::form_urlencode(&[("text", text)]);
    let reply = client.send_with(
        "POST",
        "/notes",
        &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            ),
            BROWSER,
        ],
        &body,
    );
    // RFC 9110 §15.4.4: 303, and the browser GETs the Location.
    assert_eq!(reply.status(), 303);
    assert_eq!(reply.header("location"), Some("/"));
    assert_eq!(reply.header("vary"), Some("Accept"));
    assert_eq!(reply.header("content-type"), Some(PAGE));
    assert!(reply.body.contains("<a href=\"/\">"), "{}", reply.body);

    let page = client.send_with("GET", "/", &[BROWSER], "");
    assert!(
        page.body.contains(
            "<li id=\"note-1\">&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; more</li>"
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>"), "{}", page.body);
    // The JSON has the text as it was typed.
    assert_eq!(
        client
            .get("/notes/1")
            .json()
            .get("text")
            .and_then(Value::as_str),
        Some(text)
    );
}

#[test]
fn a_json_post_gets_201_even_from_a_client_that_prefers_html() {
    // The JSON path is the API's: only forms are answered with a redirect.
    let (_server, mut client) = fresh();
    let reply = client.send_with(
        "POST",
        "/notes",
        &[("Content-Type", JSON), BROWSER],
        r#"{"text":"a"}"#,
    );
    assert_eq!(reply.status(), 201);
    assert_eq!(reply.header("location"), Some("/notes/1"));
}

#[test]
fn get_notes_is_the_page_only_for_a_client_that_prefers_html() {
    let (_server, mut client) = fresh();
    client.post(r#"{"text":"buy milk"}"#);
    let table: [(&[(&str, &str)], &str); 6] = [
        (&[], JSON),
        (&[ANY], JSON),
        (&[("Accept", JSON)], JSON),
        (&[("Accept", "text/html;q=0.5, application/json")], JSON),
        (&[BROWSER], PAGE),
        (
            &[
                ("Accept", "text/html"),
                ("Accept", "application/json;q=0.1"),
            ],
            PAGE,
        ),
    ];
    for (fields, expected) in table {
        let reply = client.send_with("GET", "/notes", fields, "");
        assert_eq!(reply.status(), 200, "{fields:?}");
        assert_eq!(reply.header("content-type"), Some(expected), "{fields:?}");
        // The answer depends on Accept: a cache must know (RFC 9110 §12.5.5).
        assert_eq!(reply.header("vary"), Some("Accept"), "{fields:?}");
        let shown = if expected == JSON {
            "\"buy milk\""
        } else {
            ">buy milk</li>"
        };
        assert!(reply.body.contains(shown), "{fields:?}: {}", reply.body);
    }
}

#[test]
fn a_form_that_is_not_a_note_is_400_or_422_and_creates_nothing() {
    let (_server, mut client) = fresh();
    let table = [
        (
            "text=%FF",
            400,
            "invalid form: the field at byte 5 is not UTF-8 text",
        ),
        (
            "text=100%",
            400,
            "invalid form: the '%' at byte 8 is not followed by two hex digits",
        ),
        ("", 422, "\"text\" is missing"),
        ("text=+", 422, "\"text\" must not be empty"),
        ("text=a&text=b", 422, "\"text\" is given twice"),
        ("text=a&done=on", 422, "\"done\" must be true or false"),
        (
            "txt=a",
            422,
            "unknown field \"txt\" (a note has \"text\" and \"done\")",
        ),
    ];
    for (body, status, message) in table {
        let reply = client.send_with("POST", "/notes", &[FORM_TYPE, BROWSER], body);
        assert_eq!(reply.status(), status, "{body:?}");
        assert_eq!(reply.error(), message, "{body:?}");
    }
    let too_many = vec!["text=a"; 17].join("&");
    let reply = client.send("POST", "/notes", Some(FORM), &too_many);
    assert_eq!(reply.status(), 400);
    assert_eq!(reply.error(), "invalid form: more than 16 fields");
    assert_eq!(client.get("/notes").json(), json("[]"));
}

#[test]
fn the_page_is_read_only_and_says_what_it_allows() {
    let (_server, mut client) = fresh();
    let head = client.send("HEAD", "/", None, "");
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("content-type"), Some(PAGE));
    assert_eq!(head.body, "");
    let options = client.send("OPTIONS", "/", None, "");
    assert_eq!(options.status(), 204);
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));
    let post = client.send("POST", "/", Some(FORM), "text=a");
    assert_eq!(post.status(), 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(post.error(), "POST is not allowed on /");
    let options = client.send("OPTIONS", "/notes", None, "");
    assert_eq!(
        options.header("accept-post"),
        Some("application/json, application/x-www-form-urlencoded")
    );
}

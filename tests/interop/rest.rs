//! Chapter 07's notes API against real clients: curl and python's
//! urllib, and a server killed with SIGKILL that must keep every note it
//! acknowledged.

use super::{python, run, ExampleServer};

/// Runs curl with `args` against the API and returns what it printed.
fn curl(args: &[&str]) -> String {
    let mut all = vec!["--silent", "--show-error", "--max-time", "10"];
    all.extend_from_slice(args);
    String::from_utf8(run("curl", &all, b"").stdout).unwrap()
}

fn url(server: &ExampleServer, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

#[test]
fn curl_creates_a_note_and_sees_201_and_its_location() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let output = curl(&[
        "-i",
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"text":"from curl"}"#,
        &url(&server, "/notes"),
    ]);
    assert!(output.starts_with("HTTP/1.1 201 Created\r\n"), "{output}");
    assert!(output.contains("\r\nLocation: /notes/1\r\n"), "{output}");
    assert!(
        output.contains("\r\nContent-Type: application/json\r\n"),
        "{output}"
    );
    assert!(
        output.ends_with("\r\n\r\n{\"id\":1,\"text\":\"from curl\",\"done\":false}\n"),
        "{output}"
    );
}

#[test]
fn curl_patches_lists_and_deletes() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let json = "Content-Type: application/json";
    curl(&["-H", json, "-d", r#"{"text":"a"}"#, &url(&server, "/notes")]);
    let patched = curl(&[
        "-X",
        "PATCH",
        "-H",
        "Content-Type: application/merge-patch+json",
        "-d",
        r#"{"done":true}"#,
        &url(&server, "/notes/1"),
    ]);
    assert_eq!(patched, "{\"id\":1,\"text\":\"a\",\"done\":true}\n");
    let listed = curl(&[&url(&server, "/notes")]);
    assert_eq!(listed, "[{\"id\":1,\"text\":\"a\",\"done\":true}]\n");
    let code = |method: &str| {
        curl(&[
            "-X",
            method,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url(&server, "/notes/1"),
        ])
    };
    assert_eq!(code("DELETE"), "204");
    assert_eq!(code("DELETE"), "404");
}

#[test]
fn curl_sees_400_with_the_offset_for_bad_json() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let output = curl(&[
        "-w",
        " %{http_code}",
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"text": 'single quotes'}"#,
        &url(&server, "/notes"),
    ]);
    assert_eq!(
        output,
        "{\"error\":\"invalid JSON: expected a value (a string, a number, an object, \
         an array, true, false or null)\",\"at\":9}\n 400"
    );
}

/// A python client with urllib and json: what a script written against
/// the API in a few minutes would do.
const PYTHON_CLIENT: &str = r#"
import json, sys, urllib.request, urllib.error
base = "http://" + sys.argv[1]

def call(method, path, body=None, content_type="application/json"):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, response.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read().decode())

status, headers, note = call("POST", "/notes", {"text": "caf\u00e9 \U0001F600"})
print(status, headers["Location"], note["text"] == "caf\u00e9 \U0001F600")
status, _, note = call("PUT", "/notes/1", {"text": "replaced", "done": True})
print(status, note)
status, _, notes = call("GET", "/notes")
print(status, notes)
status, _, error = call("GET", "/notes/2")
print(status, error)
status, headers, error = call("PATCH", "/notes", {"done": True})
print(status, headers["Allow"])
status, _, error = call("POST", "/notes", {"text": ""})
print(status, error)
"#;

#[test]
fn python_urllib_drives_the_api() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let output = python(PYTHON_CLIENT, &[&server.addr]);
    assert_eq!(
        output,
        "201 /notes/1 True\n\
         200 {'id': 1, 'text': 'replaced', 'done': True}\n\
         200 [{'id': 1, 'text': 'replaced', 'done': True}]\n\
         404 {'error': 'no note with id 2'}\n\
         405 GET, HEAD, POST, OPTIONS\n\
         422 {'error': '\"text\" must not be empty'}\n"
    );
}

#[test]
fn notes_acknowledged_before_a_kill_9_are_there_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("notes.json");
    let data = data.to_str().unwrap();
    let json = "Content-Type: application/json";
    {
        let server = ExampleServer::start("07-rest-api", &["--port", "0", "--data", data]);
        for i in 1..=20 {
            let body = format!(r#"{{"text":"note {i}"}}"#);
            let code = curl(&[
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                json,
                "-d",
                &body,
                &url(&server, "/notes"),
            ]);
            assert_eq!(code, "201");
        }
        curl(&["-X", "DELETE", &url(&server, "/notes/20")]);
        // Dropping the server sends SIGKILL: no chance to flush or clean up.
    }
    let server = ExampleServer::start("07-rest-api", &["--port", "0", "--data", data]);
    let listed = curl(&[&url(&server, "/notes")]);
    let texts: Vec<String> = (1..20).map(|i| format!("\"text\":\"note {i}\"")).collect();
    for text in &texts {
        assert!(
            listed.contains(text.as_str()),
            "{text} is missing from {listed}"
        );
    }
    assert!(!listed.contains("note 20"), "{listed}");
    // And the next id is 21: ids are never reused, even across a kill.
    let output = curl(&[
        "-i",
        "-H",
        json,
        "-d",
        r#"{"text":"after"}"#,
        &url(&server, "/notes"),
    ]);
    assert!(output.contains("\r\nLocation: /notes/21\r\n"), "{output}");
}

#[test]
fn a_corrupt_data_file_stops_the_example_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("notes.json");
    std::fs::write(&data, "{\"next_id\": 2, \"notes\": [").unwrap();
    let output = std::process::Command::new(super::example_path("07-rest-api"))
        .args(["serve", "--port", "0", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(output.stdout, b"", "it must not say it is listening");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not valid JSON (unexpected end of input at byte 25)"),
        "{stderr}"
    );
}

#[test]
fn the_example_client_drives_the_example_server() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let base = format!("http://{}", server.addr);
    let client = |words: &[&str]| {
        let output = std::process::Command::new(super::example_path("07-rest-api"))
            .arg("client")
            .args(["--url", &base])
            .args(words)
            .output()
            .unwrap();
        assert!(output.status.success(), "{words:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(client(&["add", "from the example"]).starts_with("201 Created\n"));
    let listed = client(&["list"]);
    assert!(
        listed.starts_with("200 OK\n") && listed.contains("\"from the example\""),
        "{listed}"
    );
    assert!(client(&["done", "1"]).contains("\"done\": true"));
    assert_eq!(client(&["delete", "1"]), "204 No Content\n");
    assert!(client(&["get", "1"]).starts_with("404 Not Found\n"));
}

//! Chapter 07's notes API against real clients: curl, python's urllib
//! and `requests`, a real browser (headless Chromium driven by Selenium)
//! filling in the page's form, and a server killed with SIGKILL that must
//! keep every note it acknowledged.

use super::{python, require, run, ExampleServer};

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

/// Fails, naming the module, unless python3 can import `module`.
fn require_python_module(module: &str) {
    let status = std::process::Command::new(require("python3"))
        .args(["-c", &format!("import {module}")])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "this test needs the python module `{module}`, which is not installed \
         (`pip install {module}`; .ci/run installs it)"
    );
}

#[test]
fn curl_posts_a_form_and_gets_the_json_note_or_with_accept_html_the_page() {
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    // -d sends Content-Type: application/x-www-form-urlencoded, Accept: */*.
    let created = curl(&["-i", "-d", "text=milk", &url(&server, "/notes")]);
    assert!(created.starts_with("HTTP/1.1 201 Created\r\n"), "{created}");
    assert!(created.contains("\r\nLocation: /notes/1\r\n"), "{created}");
    assert!(
        created.ends_with("\r\n\r\n{\"id\":1,\"text\":\"milk\",\"done\":false}\n"),
        "{created}"
    );
    // As a browser would ask: 303 to the page; -L follows it with a GET.
    let redirected = curl(&[
        "-i",
        "-H",
        "Accept: text/html",
        "--data-urlencode",
        "text=bread & <butter>",
        &url(&server, "/notes"),
    ]);
    assert!(
        redirected.starts_with("HTTP/1.1 303 See Other\r\n"),
        "{redirected}"
    );
    assert!(redirected.contains("\r\nLocation: /\r\n"), "{redirected}");
    let page = curl(&[
        "-L",
        "-H",
        "Accept: text/html",
        "-d",
        "text=jam",
        &url(&server, "/notes"),
    ]);
    assert!(
        page.contains("<li id=\"note-2\">bread &amp; &lt;butter&gt;</li>"),
        "{page}"
    );
    assert!(page.contains("<li id=\"note-3\">jam</li>"), "{page}");
}

/// A script of the kind every web tutorial starts with: `requests.post`
/// with `data=`, which sends a form.
const PYTHON_REQUESTS: &str = r#"
import sys, requests
base = "http://" + sys.argv[1]

response = requests.post(base + "/notes", data={"text": "fish & chips, 1+1=2"}, timeout=10)
print(response.request.headers["Content-Type"], response.request.headers["Accept"])
print(response.status_code, response.headers["Location"], response.headers["Content-Type"])
print(response.json())
response = requests.post(base + "/notes", data={"text": "caf\u00e9", "done": "true"}, timeout=10)
print(response.status_code, response.json())
response = requests.post(base + "/notes", data={"text": ""}, timeout=10)
print(response.status_code, response.json())
print(requests.get(base + "/notes", timeout=10).json())
# Asking for HTML, as a browser does: 303, and requests follows it with a GET.
response = requests.post(base + "/notes", data={"text": "third"},
                         headers={"Accept": "text/html"}, timeout=10)
print([r.status_code for r in response.history], response.status_code, response.url,
      response.headers["Content-Type"], '<li id="note-3">third</li>' in response.text)
"#;

#[test]
fn python_requests_posts_a_form_and_gets_the_note() {
    require_python_module("requests");
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let output = python(PYTHON_REQUESTS, &[&server.addr]);
    assert_eq!(
        output,
        format!(
            "application/x-www-form-urlencoded */*\n\
             201 /notes/1 application/json\n\
             {{'id': 1, 'text': 'fish & chips, 1+1=2', 'done': False}}\n\
             201 {{'id': 2, 'text': 'café', 'done': True}}\n\
             422 {{'error': '\"text\" must not be empty'}}\n\
             [{{'id': 1, 'text': 'fish & chips, 1+1=2', 'done': False}}, \
             {{'id': 2, 'text': 'café', 'done': True}}]\n\
             [303] 200 http://{}/ text/html; charset=utf-8 True\n",
            server.addr
        )
    );
}

/// Headless Chromium, driven by Selenium through Debian's chromedriver:
/// open the page, type a note, submit the form, and read the page the
/// redirect leads to; then reload it, which must not post the form again.
///
/// The driver is given by path, so Selenium Manager never runs and
/// nothing is downloaded (and SE_OFFLINE forbids it, should it run).
const SELENIUM_BROWSER: &str = r#"
import os, sys, tempfile
os.environ["SE_OFFLINE"] = "true"
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, chromium, chromedriver = sys.argv[1:4]
with tempfile.TemporaryDirectory() as profile:
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--user-data-dir=" + profile]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        driver.set_page_load_timeout(20)
        driver.get(base + "/")
        print(driver.title, "|", driver.find_element(By.TAG_NAME, "p").text)
        driver.find_element(By.NAME, "text").send_keys("<b>milk</b> & honey")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The redirect leads back to "/": wait for the note, not for the URL.
        note = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "note-1"))
        print(driver.current_url, "|", note.text, "|", len(driver.find_elements(By.TAG_NAME, "b")))
        driver.refresh()
        print(len(driver.find_elements(By.TAG_NAME, "li")))
    finally:
        driver.quit()
"#;

#[test]
fn chromium_adds_a_note_through_the_form_and_sees_it_listed() {
    require_python_module("selenium");
    let chromium = require("chromium");
    let chromedriver = require("chromedriver");
    let server = ExampleServer::start("07-rest-api", &["--port", "0"]);
    let base = format!("http://{}", server.addr);
    // `timeout` ends a browser that hangs (and its helpers, with -k).
    let output = run(
        "timeout",
        &[
            "-k",
            "5",
            "90",
            require("python3").to_str().unwrap(),
            "-c",
            SELENIUM_BROWSER,
            &base,
            chromium.to_str().unwrap(),
            chromedriver.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "Notes | No notes yet.\n\
             {base}/ | <b>milk</b> & honey | 0\n\
             1\n"
        )
    );
    // The server holds one note, as typed: the reload did not post again.
    assert_eq!(
        curl(&[&url(&server, "/notes")]),
        "[{\"id\":1,\"text\":\"<b>milk</b> & honey\",\"done\":false}]\n"
    );
}

//! The lessons quote the source and the output of the demos; these tests
//! keep the quotes true.
//!
//! - Every listing, a code block after the comment
//!   `<!-- listing: src/FILE:ANCHOR -->`, holds what that file marks with
//!   `// ANCHOR: ANCHOR` and `// ANCHOR_END: ANCHOR` today, so that a lesson
//!   shows its code wherever it is read and the code shown is the code that
//!   runs. `UPDATE_LISTINGS=1 cargo test --test lessons` rewrites them.
//! - Every block of output introduced by the comment
//!   `<!-- output: cargo run --example NN-topic -->` is what that demo prints
//!   today, with port numbers and times (which change on every run) left out
//!   of the comparison.

mod support;

use netlessons::tour;
use netlessons::transcript::Transcript;
use std::fs;
use std::path::{Path, PathBuf};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons")
}

/// Every Markdown file under lessons/, with its text.
fn lesson_files() -> Vec<(PathBuf, String)> {
    let files = support::markdown::markdown_files(&lessons_dir());
    let read = |path: PathBuf| {
        let text = fs::read_to_string(&path).unwrap();
        (path, text)
    };
    files.into_iter().map(read).collect()
}

/// The command that rewrites every listing from the source it names.
const UPDATE_COMMAND: &str = "UPDATE_LISTINGS=1 cargo test --test lessons";

/// The comment that introduces a listing: the code block after it is the
/// named part of a source file, copied in so that the lesson shows its code
/// wherever it is read (a repository page, an editor, the built book).
const LISTING: &str = "<!-- listing: ";

/// One listing in a lesson: where its code block starts and ends (byte
/// offsets of the code, between the fence lines), and what it quotes.
struct Listing {
    code: std::ops::Range<usize>,
    /// A path from the repository's root, and the anchor in that file
    /// (none: the whole file).
    file: String,
    anchor: Option<String>,
}

/// Every listing in `text`; panics, naming `path`, on a malformed one.
fn listings(path: &Path, text: &str) -> Vec<Listing> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices(LISTING) {
        let rest = &text[start + LISTING.len()..];
        let close = rest.find(" -->\n").unwrap_or_else(|| {
            panic!(
                "{}: a listing comment must end with ` -->` on its line",
                path.display()
            )
        });
        let target = &rest[..close];
        let after = start + LISTING.len() + close + " -->\n".len();
        let fence_end = text[after..]
            .starts_with("```")
            .then(|| text[after..].find('\n'))
            .flatten()
            .unwrap_or_else(|| {
                panic!(
                    "{}: `{LISTING}{target} -->` must be followed by a ``` line",
                    path.display()
                )
            });
        let code_start = after + fence_end + 1;
        // The block ends at a line that is only the fence: a "/// ```" in
        // a doc comment of the code is not one.
        let mut code_len = None;
        let mut offset = 0;
        for line in text[code_start..].split_inclusive('\n') {
            if line.trim_end() == "```" {
                code_len = Some(offset);
                break;
            }
            offset += line.len();
        }
        let code_len = code_len.unwrap_or_else(|| {
            panic!(
                "{}: the listing of {target} has no closing ```",
                path.display()
            )
        });
        let (file, anchor) = match target.split_once(':') {
            Some((file, anchor)) => (file, Some(anchor.to_string())),
            None => (target, None),
        };
        found.push(Listing {
            code: code_start..code_start + code_len,
            file: file.to_string(),
            anchor,
        });
    }
    found
}

/// The part of `source` between `// ANCHOR: name` and `// ANCHOR_END: name`
/// (the whole file with no anchor), without the marker lines of other
/// anchors inside it, and with the indentation its lines share taken off.
fn anchored(source: &str, anchor: Option<&str>) -> Option<String> {
    let is_marker = |line: &str| line.contains("ANCHOR: ") || line.contains("ANCHOR_END: ");
    let lines: Vec<&str> = match anchor {
        None => source.lines().collect(),
        Some(anchor) => {
            let begin = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            let mut lines = source.lines();
            lines
                .by_ref()
                .find(|line| line.trim_end().ends_with(&begin))?;
            let inside: Vec<&str> = lines
                .by_ref()
                .take_while(|line| !line.trim_end().ends_with(&end))
                .collect();
            inside
        }
    };
    let lines: Vec<&str> = lines.into_iter().filter(|line| !is_marker(line)).collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        out.push_str(line.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    Some(out)
}

/// What the listing should hold, read from the source it names.
fn expected_code(lesson: &Path, listing: &Listing) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = match &listing.anchor {
        Some(anchor) => format!("{}:{anchor}", listing.file),
        None => listing.file.clone(),
    };
    let source = fs::read_to_string(root.join(&listing.file))
        .unwrap_or_else(|error| panic!("{}: listing {name}: {error}", lesson.display()));
    anchored(&source, listing.anchor.as_deref()).unwrap_or_else(|| {
        let anchor = listing.anchor.as_deref().unwrap_or_default();
        panic!(
            "{}: listing {name}: the file has no `// ANCHOR: {anchor}` ... `// ANCHOR_END: {anchor}`",
            lesson.display()
        )
    })
}

/// Turns mdBook's `{{#include ../../src/FILE:ANCHOR}}` inside a code block
/// into a listing comment over the same block, so that the rewrite below
/// fills it in. (The include showed no code on a repository page.)
fn includes_to_listings(lesson: &Path, text: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let dir = lesson.parent().unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let include = lines.get(i + 1).and_then(|line| {
            line.trim_end()
                .strip_prefix("{{#include ")
                .and_then(|rest| rest.strip_suffix("}}"))
        });
        match include {
            Some(target) if lines[i].starts_with("```") => {
                let (file, anchor) = match target.trim().rsplit_once(':') {
                    Some((file, anchor)) => (file, Some(anchor)),
                    None => (target.trim(), None),
                };
                let source = dir.join(file).canonicalize().unwrap_or_else(|error| {
                    panic!("{}: {{{{#include {target}}}}}: {error}", lesson.display())
                });
                let from_root = source.strip_prefix(&root).unwrap().to_string_lossy();
                let name = match anchor {
                    Some(anchor) => format!("{from_root}:{anchor}"),
                    None => from_root.into_owned(),
                };
                out.push_str(&format!("{LISTING}{name} -->\n"));
                out.push_str(lines[i]);
                out.push_str("```\n"); // the closing fence: the rewrite fills in the code
                i += 3;
            }
            _ => {
                out.push_str(lines[i]);
                i += 1;
            }
        }
    }
    out
}

#[test]
fn every_listing_is_the_source_it_names() {
    let update = std::env::var_os("UPDATE_LISTINGS").is_some();
    let mut checked = 0;
    let mut stale = Vec::new();
    for (path, original) in lesson_files() {
        let text = if update {
            includes_to_listings(&path, &original)
        } else {
            original.clone()
        };
        let mut rewritten = String::new();
        let mut copied = 0;
        for listing in listings(&path, &text) {
            let expected = expected_code(&path, &listing);
            if text[listing.code.clone()] != expected {
                let lesson = path
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap_or(&path);
                stale.push(format!("{}: {}", lesson.display(), listing.file));
            }
            rewritten.push_str(&text[copied..listing.code.start]);
            rewritten.push_str(&expected);
            copied = listing.code.end;
            checked += 1;
        }
        rewritten.push_str(&text[copied..]);
        // Only a lesson that changed: rewriting the others would make them
        // newer than the examples, which tests/examples.rs then takes for
        // programs built before the last change.
        if update && rewritten != original {
            fs::write(&path, rewritten).unwrap();
        }
    }
    assert!(checked > 0, "no lesson shows any source");
    assert!(
        update || stale.is_empty(),
        "these listings differ from the source they name (rewrite them with `{UPDATE_COMMAND}`):\n{}",
        stale.join("\n")
    );
}

#[test]
fn no_lesson_hides_its_code_behind_an_include() {
    if std::env::var_os("UPDATE_LISTINGS").is_some() {
        return; // the other test is rewriting them
    }
    for (path, text) in lesson_files() {
        assert!(
            !text.contains("{{#include"),
            "{}: an {{{{#include}}}} shows no code outside the built book; \
             `{UPDATE_COMMAND}` turns it into a listing",
            path.display()
        );
    }
}

#[test]
fn an_anchor_is_cut_out_without_markers_or_shared_indentation() {
    let source = "fn outer() {\n    // ANCHOR: inner\n    let a = 1;\n    // ANCHOR: nested\n    if a > 0 {\n        b();\n    }\n    // ANCHOR_END: nested\n    // ANCHOR_END: inner\n}\n";
    assert_eq!(
        anchored(source, Some("inner")).as_deref(),
        Some("let a = 1;\nif a > 0 {\n    b();\n}\n")
    );
    assert_eq!(anchored(source, Some("missing")), None);
}

/// Leaves out of a transcript what changes from run to run: the port after
/// `127.0.0.1:` or `]:`, the two port numbers after `127,0,0,1,` (FTP's
/// `PASV` replies and `PORT` commands), the port after FTP's `(|||` and
/// `127.0.0.1|` (`EPSV` replies and `EPRT` commands), any number right
/// before `ms` or `µs`, the value of an HTTP `Date:` header (the time
/// the response was sent), a mail date (`Tue, 01 Dec 2026 11:14:16 +0000`)
/// and a Maildir unique name or mail id (`1764585600.M042137P4242Q7`, and
/// the host name after it: the time, the process and the machine),
/// the size of a POP3 message ([`without_pop3_size`]), which holds
/// such a name, and a DNS query's random ID ([`without_dns_id`]).
fn normalize(text: &str) -> String {
    let text: Vec<String> = text
        .lines()
        .map(|line| match line.find("Date: ") {
            Some(at) if line[at..].ends_with(" GMT") => format!("{}Date: DATE", &line[..at]),
            _ => line.to_string(),
        })
        .map(|line| {
            line.split(' ')
                .map(|word| match is_unique_name(word) {
                    true => "UNIQUE",
                    false => word,
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|line| without_mail_date(&line))
        .map(|line| without_pop3_size(&line))
        .map(|line| without_dns_id(&line))
        .collect();
    normalize_numbers(&text.join("\n"))
}

/// `line` with the size of a POP3 message as `SIZE`: in `+OK 455 octets`
/// and `(455 octets)`, and after the message count or number in `STAT`'s
/// `+OK 1 455` and a listing's `1 455`. A message delivered by SMTP holds
/// a mail id with the process id in it, so its size has a digit more or
/// less from one run to the next.
fn without_pop3_size(line: &str) -> String {
    let is_number = |word: &str| !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
    let mut words: Vec<&str> = line.split(' ').collect();
    for i in 0..words.len() {
        let before_octets = words
            .get(i + 1)
            .is_some_and(|next| next.starts_with("octets"));
        let bare = words[i].trim_start_matches('(');
        if before_octets && is_number(bare) {
            words[i] = if words[i].starts_with('(') {
                "(SIZE"
            } else {
                "SIZE"
            };
        }
    }
    let scan = match words.as_slice() {
        ["S:", "+OK", count, size] | ["S:", count, size] => is_number(count) && is_number(size),
        _ => false,
    };
    if scan {
        let last = words.len() - 1;
        words[last] = "SIZE";
    }
    words.join(" ")
}

/// `line` with a DNS message's ID, which the resolver picks at random, as
/// `ID`: after `id: ` in dig's header line, and in the hex dump's first
/// line, `0000  f5 b9    ID 62905`, bytes and number.
fn without_dns_id(line: &str) -> String {
    if let Some((before, id)) = line.split_once(", id: ") {
        if line.starts_with(";; ->>HEADER<<- ") && id.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{before}, id: ID");
        }
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["0000", high, low, "ID", id]
            if [high, low].iter().all(|b| b.len() == 2)
                && id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            "0000 ID".to_string()
        }
        _ => line.to_string(),
    }
}

/// Whether `word` is a Maildir name or a mail id: digits, `.M`, digits,
/// `P`, digits, `Q`, digits, and anything after that.
fn is_unique_name(word: &str) -> bool {
    let digits_then = |text: &str, letter: char| -> Option<usize> {
        let end = text.find(|c: char| !c.is_ascii_digit())?;
        (end > 0 && text[end..].starts_with(letter)).then_some(end + letter.len_utf8())
    };
    let word = word.trim_end_matches([',', ';']);
    let Some(after_seconds) = digits_then(word, '.') else {
        return false;
    };
    let rest = &word[after_seconds..];
    let Some(rest) = rest.strip_prefix('M') else {
        return false;
    };
    let steps = ['P', 'Q'];
    let mut rest = rest;
    for letter in steps {
        match digits_then(rest, letter) {
            Some(at) => rest = &rest[at..],
            None => return false,
        }
    }
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// `line` with a mail date (`Tue, 01 Dec 2026 11:14:16 +0000`) as `DATE`.
fn without_mail_date(line: &str) -> String {
    const DAYS: [&str; 7] = [
        "Mon, ", "Tue, ", "Wed, ", "Thu, ", "Fri, ", "Sat, ", "Sun, ",
    ];
    for day in DAYS {
        if let Some(at) = line.find(day) {
            if line[at..].ends_with(" +0000") {
                return format!("{}DATE", &line[..at]);
            }
        }
    }
    line.to_string()
}

fn normalize_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        // FTP names its data ports in its own forms: `(127,0,0,1,195,140)`
        // in a 227 reply and in PORT, `(|||50060|)` in a 229 reply,
        // `|1|127.0.0.1|50060|` in EPRT.
        let after_address = [
            "127.0.0.1:",
            "127.0.0.2:",
            "127.0.0.3:",
            "127.0.0.4:",
            "]:",
            "127,0,0,1,",
            "127,0,0,1,PORT,",
            "(|||",
            "127.0.0.1|",
        ]
        .iter()
        .any(|before| out.ends_with(before));
        if c.is_ascii_digit() || (c == '.' && out.ends_with(|d: char| d.is_ascii_digit())) {
            let len = rest
                .find(|d: char| !(d.is_ascii_digit() || d == '.'))
                .unwrap_or(rest.len());
            let number = &rest[..len];
            let unit = rest[len..].trim_start_matches(' ');
            if after_address {
                out.push_str("PORT");
            } else if unit.starts_with("ms") || unit.starts_with("µs") {
                out.push('T');
            } else {
                out.push_str(number);
            }
            rest = &rest[len..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn normalize_leaves_out_ports_and_times() {
    assert_eq!(
        normalize("listening on 127.0.0.1:41234\nrtt 0.123 ms, 3 ms\n"),
        "listening on 127.0.0.1:PORT\nrtt T ms, T ms"
    );
    assert_eq!(
        normalize("[::1]:80 sent 5 bytes"),
        "[::1]:PORT sent 5 bytes"
    );
    assert_eq!(
        normalize("250 2.0.0 Ok: queued as 1764585600.M042137P4242Q7\nS: 1 1764585600.M042137P4242Q7.mail.example.test"),
        "250 2.0.0 Ok: queued as UNIQUE\nS: 1 UNIQUE"
    );
    assert_eq!(
        normalize("\tfor <alice@example.test>; Tue, 01 Dec 2026 11:14:16 +0000\nDate: Tue, 01 Dec 2026 11:14:16 +0000"),
        "\tfor <alice@example.test>; DATE\nDate: DATE"
    );
    assert_eq!(
        normalize("S: +OK maildrop has 1 messages (455 octets)\nS: +OK 1 455\nS: 1 455\nS: +OK 455 octets\nS: 250 2.0.0 Ok"),
        "S: +OK maildrop has 1 messages (SIZE octets)\nS: +OK 1 SIZE\nS: 1 SIZE\nS: +OK SIZE octets\nS: 250 2.0.0 Ok"
    );
    assert_eq!(
        normalize("227 Entering Passive Mode (127,0,0,1,195,140)"),
        "227 Entering Passive Mode (127,0,0,1,PORT,PORT)"
    );
    assert_eq!(
        normalize("229 Entering Extended Passive Mode (|||50060|)\nEPRT |1|127.0.0.1|41234|"),
        "229 Entering Extended Passive Mode (|||PORT|)\nEPRT |1|127.0.0.1|PORT|"
    );
    assert_eq!(
        normalize(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 62905\n0000  f5 b9                    ID 62905\n0004  00 01  QDCOUNT 1\nasked 127.0.0.3:39362 (test.)"),
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ID\n0000 ID\n0004  00 01  QDCOUNT 1\nasked 127.0.0.3:PORT (test.)"
    );
}

#[test]
fn quoted_output_is_what_the_demo_prints_today() {
    const MARKER: &str = "<!-- output: cargo run --example ";
    let mut checked = 0;
    for (path, text) in lesson_files() {
        for (start, _) in text.match_indices(MARKER) {
            let rest = &text[start + MARKER.len()..];
            let name = rest[..rest.find(" -->").unwrap()].trim();
            let chapter =
                tour::find(name).unwrap_or_else(|| panic!("{}: no chapter {name}", path.display()));
            let block = rest
                .split_once("```text\n")
                .and_then(|(_, block)| block.split_once("\n```"))
                .map(|(block, _)| block)
                .unwrap_or_else(|| panic!("{}: no ```text block after the marker", path.display()));
            let transcript = Transcript::memory();
            tour::run(chapter, &transcript)
                .unwrap_or_else(|error| panic!("demo {name} failed: {error}"));
            assert_eq!(
                normalize(block),
                normalize(&transcript.contents()).trim_end(),
                "{}: the quoted output of {name} differs from what it prints today",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no lesson quotes a demo's output");
}

//! The lessons quote the source and the output of the demos; these tests
//! keep the quotes true.
//!
//! - Every `{{#include ../../src/FILE:ANCHOR}}` (mdBook's syntax) names a
//!   file that exists and an anchor that it marks with `// ANCHOR: name`
//!   and `// ANCHOR_END: name`.
//! - Every block of output introduced by the comment
//!   `<!-- output: cargo run --example NN-topic -->` is what that demo prints
//!   today, with port numbers and times (which change on every run) left out
//!   of the comparison.

use netlessons::tour;
use netlessons::transcript::Transcript;
use std::fs;
use std::path::{Path, PathBuf};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons")
}

/// Every Markdown file under lessons/, with its text.
fn lesson_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![lessons_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                let text = fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let mut checked = 0;
    for (path, text) in lesson_files() {
        for (start, _) in text.match_indices("{{#include ") {
            let rest = &text[start + "{{#include ".len()..];
            let end = rest.find("}}").expect("an unclosed {{#include");
            let target = rest[..end].trim();
            let (file, anchor) = match target.rsplit_once(':') {
                Some((file, anchor)) if !anchor.is_empty() => (file, Some(anchor)),
                _ => (target, None),
            };
            let source_path = path.parent().unwrap().join(file);
            let source = fs::read_to_string(&source_path).unwrap_or_else(|error| {
                panic!("{}: {{{{#include {target}}}}}: {error}", path.display())
            });
            if let Some(anchor) = anchor {
                for marker in [format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}")] {
                    assert!(
                        source
                            .lines()
                            .any(|line| line.trim_end().ends_with(&marker)),
                        "{}: {} has no `// {marker}`",
                        path.display(),
                        file
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no lesson includes any source");
}

/// Leaves out of a transcript what changes from run to run: the port after
/// `127.0.0.1:` or `]:`, any number right before `ms` or `µs`, and the value
/// of an HTTP `Date:` header (the time the response was sent).
fn normalize(text: &str) -> String {
    let text: Vec<String> = text
        .lines()
        .map(|line| match line.find("Date: ") {
            Some(at) if line[at..].ends_with(" GMT") => format!("{}Date: DATE", &line[..at]),
            _ => line.to_string(),
        })
        .collect();
    normalize_numbers(&text.join("\n"))
}

fn normalize_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after_address = out.ends_with("127.0.0.1:") || out.ends_with("]:");
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

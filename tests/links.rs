//! Every relative link in the README and the lessons leads to a file that
//! exists: a learner who follows one on the repository page, in an editor
//! or in the built book must not land nowhere. A link to a folder counts as
//! broken, since the built book has no page for a folder: link its
//! `README.md`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file under lessons/.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    files.extend(support::markdown::markdown_files(&root().join("lessons")));
    files
}

/// The targets of the `[text](target)` links of `text`, leaving out code
/// blocks and `inline code`, where brackets are code and not links.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        // Drop inline code: every other piece between backquotes.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            targets.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    targets
}

/// Whether `target` leaves the repository (a web address, mail) or stays
/// on the page (`#section`): neither is a file to check.
fn is_external(target: &str) -> bool {
    target.starts_with('#') || target.contains("://") || target.starts_with("mailto:")
}

#[test]
fn every_relative_link_leads_to_a_file() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = fs::read_to_string(&file).unwrap();
        for target in link_targets(&text) {
            if is_external(&target) {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            let resolved = file.parent().unwrap().join(path);
            checked += 1;
            if !resolved.is_file() {
                let file = file.strip_prefix(root()).unwrap().display();
                broken.push(format!("{file}: ({target})"));
            }
        }
    }
    assert!(checked > 0, "no relative link found: is the reader broken?");
    assert!(
        broken.is_empty(),
        "links to nothing (or to a folder):\n{}",
        broken.join("\n")
    );
}

#[test]
fn links_are_found_in_prose_but_not_in_code() {
    let text = "See [02](../02-tcp/README.md) and `[a](b)`.\n```\n[c](d)\n```\n";
    assert_eq!(link_targets(text), ["../02-tcp/README.md"]);
}

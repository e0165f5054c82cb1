//! A chapter is registered in several places, and a chapter registered in
//! some of them only is half there: the tour runs it but `cargo run
//! --example` does not know it, or its exercise never runs in CI. These
//! tests hold every place to the list in `tour::CHAPTERS`:
//!
//! | place | what it must hold for chapter `NN-topic` |
//! | --- | --- |
//! | `Cargo.toml` | `[[example]]` `NN-topic` at `lessons/NN-topic/main.rs` |
//! | `Cargo.toml` | `[[test]]` `exNN` at `lessons/NN-topic/exercise.rs`, `test = false` |
//! | `lessons/NN-topic/` | `README.md` (the lesson), `main.rs`, `exercise.rs` |
//! | `lessons/SUMMARY.md` | a link to `NN-topic/README.md` |
//! | `README.md` | a row of the chapter table linking `lessons/NN-topic/README.md` |
//!
//! and the other way round: every example but the tour, and every lesson
//! folder with a `main.rs`, is a chapter of the tour.

use netlessons::tour::CHAPTERS;
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(file: &str) -> String {
    fs::read_to_string(root().join(file)).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// One `[[kind]]` table of Cargo.toml: its `key = "value"` lines.
#[derive(Debug)]
struct Target {
    kind: String,
    fields: Vec<(String, String)>,
}

impl Target {
    fn get(&self, key: &str) -> Option<&str> {
        let found = self.fields.iter().find(|(k, _)| k == key);
        found.map(|(_, value)| value.as_str())
    }
}

/// The `[[example]]` and `[[test]]` tables of Cargo.toml. (A reader of the
/// little TOML this file uses: `[[kind]]` headers and `key = value` lines.)
fn targets() -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    let mut in_target = false;
    for line in read("Cargo.toml").lines() {
        let line = line.trim();
        if let Some(kind) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            targets.push(Target {
                kind: kind.to_string(),
                fields: Vec::new(),
            });
            in_target = true;
        } else if line.starts_with('[') {
            in_target = false;
        } else if let (true, Some((key, value))) = (in_target, line.split_once('=')) {
            let value = value.trim().trim_matches('"').to_string();
            let target = targets.last_mut().expect("a field follows a header");
            target.fields.push((key.trim().to_string(), value));
        }
    }
    targets
}

fn target<'a>(targets: &'a [Target], kind: &str, name: &str) -> Option<&'a Target> {
    targets
        .iter()
        .find(|target| target.kind == kind && target.get("name") == Some(name))
}

#[test]
fn every_chapter_has_its_example_and_its_exercise_in_cargo_toml() {
    let targets = targets();
    for chapter in CHAPTERS {
        let name = chapter.name();
        let example = target(&targets, "example", &name)
            .unwrap_or_else(|| panic!("Cargo.toml has no [[example]] named {name:?}"));
        assert_eq!(
            example.get("path"),
            Some(format!("lessons/{name}/main.rs").as_str()),
            "the path of example {name}"
        );
        let exercise = chapter.exercise();
        let test = target(&targets, "test", &exercise)
            .unwrap_or_else(|| panic!("Cargo.toml has no [[test]] named {exercise:?}"));
        assert_eq!(
            test.get("path"),
            Some(format!("lessons/{name}/exercise.rs").as_str()),
            "the path of test {exercise}"
        );
        // An exercise fails until the learner writes it: not in `cargo test`.
        assert_eq!(
            test.get("test"),
            Some("false"),
            "{exercise} needs test = false"
        );
    }
}

#[test]
fn every_chapter_has_a_lesson_folder_with_its_three_files() {
    for chapter in CHAPTERS {
        for file in ["README.md", "main.rs", "exercise.rs"] {
            let path = root().join("lessons").join(chapter.name()).join(file);
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }
}

#[test]
fn every_chapter_is_in_the_summary_and_the_readme_table() {
    let summary = read("lessons/SUMMARY.md");
    let readme = read("README.md");
    for chapter in CHAPTERS {
        let name = chapter.name();
        let link = format!("]({name}/README.md)");
        assert!(
            summary.contains(&link),
            "lessons/SUMMARY.md does not link {name}/README.md"
        );
        let row = format!("](lessons/{name}/README.md) |");
        let in_table = readme
            .lines()
            .any(|line| line.starts_with("| [") && line.contains(&row));
        assert!(in_table, "README.md's chapter table has no row for {name}");
    }
}

#[test]
fn every_example_and_lesson_folder_is_a_chapter_of_the_tour() {
    let known = |name: &str| CHAPTERS.iter().any(|chapter| chapter.name() == name);
    for target in targets().iter().filter(|target| target.kind == "example") {
        let name = target.get("name").unwrap_or_default();
        assert!(
            name == "tour" || known(name),
            "example {name:?} is not in tour::CHAPTERS"
        );
    }
    for entry in fs::read_dir(root().join("lessons")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.join("main.rs").is_file() {
            assert!(
                known(&name),
                "lessons/{name}/ has a main.rs but is not in tour::CHAPTERS"
            );
        }
    }
}

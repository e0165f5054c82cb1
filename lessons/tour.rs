//! The tour: every chapter's demo, in order, on 127.0.0.1.
//!
//! ```text
//! cargo run --example tour                  # every chapter
//! cargo run --example tour -- 02            # one chapter (by number or name)
//! cargo run --example tour -- --list        # the chapters
//! cargo run --example tour -- --exercises   # which exercises are solved
//! ```
//!
//! It exits with status 1 if any demo failed, so scripts can rely on it.

use netlessons::tour::{self, Chapter, CHAPTERS};
use netlessons::transcript::Transcript;
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--help" | "-h") => {
            println!("usage: tour [CHAPTER...] | --list | --exercises");
            ExitCode::SUCCESS
        }
        Some("--list") => {
            for chapter in CHAPTERS {
                println!("{:<16} {}", chapter.name(), chapter.title);
            }
            ExitCode::SUCCESS
        }
        Some("--exercises") => exercises(),
        _ => run_chapters(&args),
    }
}

fn run_chapters(wanted: &[String]) -> ExitCode {
    let mut chosen: Vec<&Chapter> = Vec::new();
    for name in wanted {
        match tour::find(name) {
            Some(chapter) => chosen.push(chapter),
            None => {
                eprintln!("tour: no chapter {name:?} (try --list)");
                return ExitCode::from(2);
            }
        }
    }
    if chosen.is_empty() {
        chosen = CHAPTERS.iter().collect();
    }
    let transcript = Transcript::stdout();
    let mut failed = Vec::new();
    for chapter in chosen {
        if let Err(error) = tour::run(chapter, &transcript) {
            eprintln!("tour: chapter {} failed: {error}", chapter.name());
            failed.push(chapter.name());
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "tour: {} chapter(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
        ExitCode::FAILURE
    }
}

/// Runs each exercise's tests as the learner would (`cargo test --test exNN`)
/// and prints a table: solved or not, and which one to try next.
fn exercises() -> ExitCode {
    // `cargo run` tells the program which cargo started it.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut next = None;
    println!("exercise  chapter          status");
    for chapter in CHAPTERS {
        let exercise = chapter.exercise();
        let output = Command::new(&cargo)
            .args(["test", "--quiet", "--test", &exercise])
            .stdin(Stdio::null())
            .output();
        let verdict = match output {
            Ok(output) if output.status.success() => "solved",
            Ok(output) => {
                next.get_or_insert(exercise.clone());
                // A compile error is not a failing test: say which it is.
                if String::from_utf8_lossy(&output.stderr).contains("could not compile") {
                    "does not compile"
                } else {
                    "not yet"
                }
            }
            Err(error) => {
                eprintln!("tour: could not run {cargo}: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("{exercise:<9} {:<16} {verdict}", chapter.name());
    }
    match next {
        Some(exercise) => println!("\nnext: cargo test --test {exercise}"),
        None => println!("\nevery exercise is solved"),
    }
    ExitCode::SUCCESS
}

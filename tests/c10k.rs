//! The C10K tool of chapter 12 against the chapter 06 server, in small:
//! a few held connections, each served, and the table that says so.

use netlessons::http::files::StaticFiles;
use netlessons::http::server::HttpHandler;
use netlessons::load::c10k::{run, Plan, Target};
use netlessons::serve::{Config, Server, ServerHandle};

fn file_server(config: Config) -> (ServerHandle, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("4k.bin"), vec![b'x'; 4096]).unwrap();
    let files = StaticFiles::new(root.path()).unwrap();
    let server = Server::bind_with("127.0.0.1:0", config)
        .unwrap()
        .spawn(HttpHandler::new(files))
        .unwrap();
    (server, root)
}

/// The table, for a plan against `server` (this process is the server's).
fn table(server: &ServerHandle, holds: &[usize]) -> String {
    let plan = Plan {
        target: Target::parse(&format!("http://{}/4k.bin", server.local_addr())).unwrap(),
        pid: std::process::id(),
        holds: holds.to_vec(),
        probes: 5,
    };
    let mut out = Vec::new();
    run(&plan, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The words of the row whose first word is `held`.
fn row(table: &str, held: &str) -> Vec<String> {
    let line = table
        .lines()
        .find(|line| line.split_whitespace().next() == Some(held))
        .unwrap_or_else(|| panic!("no row for {held} in:\n{table}"));
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn each_count_is_held_served_and_still_alive_at_the_end() {
    let (server, _root) = file_server(Config::default());
    let table = table(&server, &[5, 12]);
    assert!(table.contains("KiB/conn"), "{table}");
    for held in ["5", "12"] {
        let words = row(&table, held);
        // The last column: every held connection answered the check.
        assert_eq!(words.last().map(String::as_str), Some(held), "{table}");
        assert!(!table.contains("failed"), "{table}");
    }
    assert!(server.live_connections() <= 12);
}

#[test]
fn a_server_at_its_cap_stops_the_curve_and_says_why() {
    let config = Config {
        max_connections: 8,
        ..Config::default()
    };
    let (server, _root) = file_server(config);
    let table = table(&server, &[4, 12]);
    let stop = table
        .lines()
        .find(|line| line.starts_with("stopped at "))
        .unwrap_or_else(|| panic!("no stop line in:\n{table}"));
    assert!(
        stop.ends_with("the server answered 503 Service Unavailable"),
        "{stop}"
    );
    assert!(stop.contains(" held of 12"), "{stop}");
}

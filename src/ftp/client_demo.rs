//! Chapter 08's demo: the FTP client against the crate's own FTP server
//! (chapter 09's), both on 127.0.0.1.
//!
//! The server serves a directory made for the demo in the system's
//! temporary directory, removed at the end, to one user. The transcript
//! shows the client's control connection, `C:` and `S:`, and one `data:`
//! line for each data connection: who connected to whom, and how many
//! bytes went which way. The server's side is not shown: it is the same
//! conversation, seen from the other end.

use crate::demo::{expect, DemoResult, TempDir};
use crate::ftp::client::{FtpClient, FtpError, Options};
use crate::ftp::listing::Kind;
use crate::ftp::server::FtpHandler;
use crate::ftp::session::Users;
use crate::serve::Server;
use crate::transcript::Transcript;
use std::time::Duration;

/// How long the demo's client waits for any step: far more than loopback needs.
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

/// The file the demo uploads, downloads and compares.
const NOTES: &[u8] = b"FTP keeps two connections:\n\
one for the commands, one for the bytes.\n";

// ANCHOR: demo
/// Runs the demo, printing into `transcript`.
pub fn demo(transcript: &Transcript) -> DemoResult {
    let root = TempDir::new("08")?;
    let users = Users::new().with_user("alice", "secret");
    let server = Server::bind("127.0.0.1:0")?.spawn(FtpHandler::new(root.path(), users)?)?;
    transcript.note(format!(
        "an FTP server (chapter 09's) on {} serves an empty directory to alice;",
        server.local_addr()
    ));
    transcript.note("C: and S: are the control connection, data: a data connection");
    transcript.say("");

    let options = Options {
        timeout: DEMO_TIMEOUT,
        transcript: transcript.clone(),
        ..Options::default()
    };
    let mut client = FtpClient::connect(server.local_addr(), options)?;
    client.login("alice", "secret")?;
    let cwd = client.pwd()?;
    expect(cwd == "/", "the session starts at the root, /")?;
    transcript.say("");

    transcript.note("put: TYPE I once, EPSV for a data port, STOR, the bytes, then 226");
    let sent = client.stor("notes.txt", NOTES)?;
    expect(sent == NOTES.len() as u64, "STOR sends every byte")?;
    transcript.say("");

    transcript.note("ls: FEAT lists MLST, so MLSD, a listing made for programs");
    let entries = client.list("")?;
    for entry in &entries {
        let kind = match entry.kind {
            Some(Kind::File) => "file",
            Some(Kind::Dir) => "dir",
            Some(Kind::Symlink) => "symlink",
            None => "other",
        };
        let size = entry.size.map_or("?".to_string(), |size| size.to_string());
        transcript.note(format!("entry: {:?}, {kind}, {size} bytes", entry.name));
    }
    expect(
        entries.len() == 1
            && entries[0].name == "notes.txt"
            && entries[0].size == Some(NOTES.len() as u64),
        "the listing holds notes.txt alone, with its size",
    )?;
    transcript.say("");

    transcript.note("get: the file comes back on a new data connection");
    let mut back = Vec::new();
    client.retr("notes.txt", &mut back, None)?;
    expect(back == NOTES, "the file comes back byte for byte")?;
    transcript.note(format!(
        "the {} bytes are the ones sent, byte for byte",
        back.len()
    ));
    let size = client.size("notes.txt")?;
    expect(size == NOTES.len() as u64, "SIZE gives the file's length")?;
    transcript.say("");

    transcript.note("rename: RNFR, 350 (\"send the new name\"), RNTO");
    client.rename("notes.txt", "old-notes.txt")?;
    transcript.say("");

    transcript.note("active mode: the client listens, EPRT says where, the server connects");
    client.set_passive(false);
    let mut again = Vec::new();
    client.retr("old-notes.txt", &mut again, None)?;
    expect(again == NOTES, "the active download is the same file")?;
    client.set_passive(true);
    transcript.say("");

    transcript.note("delete, then ask for the file again: a refusal, 550, is an error value");
    client.delete("old-notes.txt")?;
    match client.size("old-notes.txt") {
        Err(error @ FtpError::Refused { .. }) if error.code() == Some(550) => {
            transcript.note(format!("FtpError::Refused: {error}"));
        }
        other => expect(
            false,
            &format!("SIZE of a deleted file is 550, not {other:?}"),
        )?,
    }
    client.quit()?;
    expect(
        std::fs::read_dir(root.path())?.next().is_none(),
        "the directory is empty again",
    )?;
    server.shutdown();
    Ok(())
}
// ANCHOR_END: demo

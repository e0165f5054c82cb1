//! The Maildir of chapters 10 and 11 against a real Maildir reader and
//! writer: python's `mailbox.Maildir`, which follows the same
//! specification as mutt and Dovecot.

use crate::python;
use netlessons::maildir::{Folder, Maildir};

/// Prints, for each message python finds, its key, flags and bytes (in
/// hex); then has python deliver a message of its own and mark it seen.
const READ_AND_WRITE: &str = r#"
import mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
for key in sorted(box.keys()):
    message = box.get_message(key)
    print(key, message.get_subdir(), message.get_flags() or "-", box.get_bytes(key).hex())
mine = mailbox.MaildirMessage(b"Subject: from python\n\nhello\n")
mine.set_subdir("cur")
mine.set_flags("S")
print("added", box.add(mine))
"#;

#[test]
fn python_mailbox_reads_what_we_deliver_and_we_list_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = Maildir::create(dir.path().join("alice")).unwrap();
    let first = b"Subject: one\r\n\r\n.a line with a dot\r\n".to_vec();
    let second = b"Subject: two\r\n\r\nbody\r\n".to_vec();
    let mut expected = [
        (maildir.deliver(&first[..]).unwrap(), first),
        (maildir.deliver(&second[..]).unwrap(), second),
    ];
    expected.sort();

    let root = maildir.path().to_str().unwrap();
    let output = python(READ_AND_WRITE, &[root]);
    let mut lines: Vec<&str> = output.lines().collect();
    let added = lines.pop().unwrap().strip_prefix("added ").unwrap();
    let found: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    let wanted: Vec<String> = expected
        .iter()
        .map(|(name, bytes)| {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{name} new - {hex}")
        })
        .collect();
    assert_eq!(found, wanted);

    // Python's own message, in cur/ with the seen flag: listed after ours.
    let listed = maildir.list().unwrap();
    assert_eq!(listed.len(), 3);
    let theirs = &listed[2];
    assert_eq!(theirs.name, added);
    assert_eq!(theirs.folder, Folder::Cur);
    assert_eq!(theirs.flags(), Some("S"));
    assert_eq!(theirs.size, b"Subject: from python\n\nhello\n".len() as u64);
    maildir.delete(added).unwrap();
    assert_eq!(maildir.list().unwrap().len(), 2);
}

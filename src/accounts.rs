//! User names and passwords, as the FTP, SMTP and POP3 servers check them.
//!
//! Each of those servers asks for a name and a password in plain text
//! (FTP's `USER`/`PASS`, POP3's `USER`/`PASS`, SMTP's `AUTH PLAIN`), and
//! each must answer a wrong password and an unknown name the same way:
//! otherwise its answers tell a guesser which names to try passwords on.
//! The rule has three parts, and this module holds the two that are about
//! the check itself:
//!
//! - one answer for both: [`Accounts::check`] says only yes or no, never
//!   "no such user";
//! - no timing difference: the password is compared in time that does not
//!   depend on where it first differs ([`same_secret`]), and an unknown
//!   name is compared against a password all the same;
//! - the same delay after every failure, which each server's session adds
//!   (a guesser then gets one try a second per connection).
//!
//! Passwords live in memory as the command line gave them. A real server
//! keeps only a slow salted hash (argon2, scrypt, bcrypt) so that a stolen
//! file of them is of little use; std has no such hash, and writing one is
//! not this course's subject.

use std::fmt;

/// A password, which `{:?}` does not show: a value printed for debugging,
/// or in a failed test, must not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password, as a client sends it or a user was given it.
    pub fn new(password: impl Into<String>) -> Password {
        Password(password.into())
    }

    /// The password itself, to send or to check it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

/// The users who may log in, and their passwords. `{:?}` shows the names
/// but never a password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accounts {
    users: Vec<(String, Password)>,
}

impl Accounts {
    /// Nobody: every login fails.
    pub fn new() -> Accounts {
        Accounts::default()
    }

    /// Adds a user (a second `with_user` of the same name replaces the
    /// first's password).
    pub fn with_user(mut self, name: impl Into<String>, password: impl Into<String>) -> Accounts {
        let name = name.into();
        self.users.retain(|(known, _)| *known != name);
        self.users.push((name, Password::new(password)));
        self
    }

    /// Whether there is no user at all.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The names, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.users.iter().map(|(name, _)| name.as_str())
    }

    // ANCHOR: check
    /// Whether `password` is the password of `name`. Names are compared
    /// exactly (`Alice` is not `alice`: Unix user names are case-sensitive,
    /// and so are these). An unknown name is checked against a password
    /// that matches nothing, so that it costs the time a known one does.
    pub fn check(&self, name: &str, password: &Password) -> bool {
        let known = self.users.iter().find(|(known, _)| known == name);
        let (found, expected) = match known {
            Some((_, expected)) => (true, expected.expose()),
            None => (false, ""),
        };
        same_secret(expected.as_bytes(), password.expose().as_bytes()) && found
    }
    // ANCHOR_END: check
}

// ANCHOR: same_secret
/// Whether two secrets are equal, in a time that depends on their lengths
/// but not on their bytes.
///
/// `a == b` stops at the first byte that differs, so the time it takes
/// tells a patient attacker, one measurement at a time, how many leading
/// bytes of a guess were right. Over a network that difference is tiny
/// next to the noise, but it can be averaged out, and the fix costs one
/// loop: look at every byte, and combine the differences with `|`.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let longest = a.len().max(b.len());
    let mut difference = u8::from(a.len() != b.len());
    for i in 0..longest {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        difference |= x ^ y;
    }
    difference == 0
}
// ANCHOR_END: same_secret

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new()
            .with_user("alice", "secret")
            .with_user("bob", "hunter2")
    }

    #[test]
    fn the_right_password_of_a_known_user_is_the_only_way_in() {
        let table = [
            ("alice", "secret", true),
            ("bob", "hunter2", true),
            ("alice", "hunter2", false),
            ("alice", "secret ", false),
            ("alice", "secre", false),
            ("alice", "", false),
            ("Alice", "secret", false),
            ("carol", "secret", false),
            ("carol", "", false),
            ("", "", false),
        ];
        for (name, password, expected) in table {
            let found = accounts().check(name, &Password::new(password));
            assert_eq!(found, expected, "{name:?} {password:?}");
        }
    }

    #[test]
    fn a_user_added_twice_keeps_the_last_password() {
        let accounts = accounts().with_user("alice", "changed");
        assert!(accounts.check("alice", &Password::new("changed")));
        assert!(!accounts.check("alice", &Password::new("secret")));
        assert_eq!(accounts.names().collect::<Vec<_>>(), ["bob", "alice"]);
    }

    #[test]
    fn secrets_are_equal_only_when_every_byte_is() {
        let table: [(&[u8], &[u8], bool); 6] = [
            (b"", b"", true),
            (b"abc", b"abc", true),
            (b"abc", b"abd", false),
            (b"abc", b"ab", false),
            (b"ab", b"abc", false),
            // A shorter secret padded with zeros is still not the same.
            (b"ab\0", b"ab", false),
        ];
        for (a, b, expected) in table {
            assert_eq!(same_secret(a, b), expected, "{a:?} {b:?}");
        }
    }

    #[test]
    fn debug_shows_names_but_no_password() {
        let shown = format!("{:?}", accounts());
        assert!(shown.contains("alice"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

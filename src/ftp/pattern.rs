//! Name patterns in a listing's argument: what `mget *.txt` sends.
//!
//! RFC 959 gives `LIST` and `NLST` a path and says nothing of patterns,
//! but the classic `ftp` client expands `mget *.txt` by asking the server
//! for `NLST *.txt`, and then fetches each name it gets back. Servers
//! answer that the way a Unix shell would expand the pattern (vsftpd and
//! ProFTPD do), and so does this one, within the last name of the path:
//!
//! | argument | lists |
//! | --- | --- |
//! | `*.txt` | the names in this directory that end in `.txt` |
//! | `sub/?.log` | `sub/a.log`, `sub/b.log`: one character, then `.log` |
//! | `.*` | the names that start with a dot, which `*` alone leaves out |
//! | `*/notes.txt` | nothing: a pattern counts only in the last name |
//!
//! `*` stands for any run of characters, none included, and `?` for any one
//! character; every other character stands for itself (there are no
//! `[...]` classes and no `\` escapes, which real file names rarely need
//! and which would make the rule longer to state than to use). A name that
//! exists is always that name first: `NLST *.txt` lists a file called
//! `*.txt` if there is one, as `ls '*.txt'` would. The I/O part decides
//! that, since only the file system knows.
//!
//! `NLST` shows each match under the directory part of the argument as the
//! client wrote it (`sub/a.log` for `sub/?.log`), so that each name it
//! sends back is one the client can `RETR` from where it is.

/// A pattern in the last name of a listing's argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// The last name, wildcards and all: `*.txt`.
    pub pattern: String,
    /// What came before it, as the client wrote it: `sub/`, `/pub/`, or
    /// empty. `NLST` puts it before each name it sends.
    pub directory: String,
}

impl NamePattern {
    /// The pattern in the last name of `argument`, if that name holds a
    /// `*` or a `?`.
    pub fn in_argument(argument: &str) -> Option<NamePattern> {
        let (directory, last) = match argument.rfind('/') {
            Some(slash) => argument.split_at(slash + 1),
            None => ("", argument),
        };
        last.contains(['*', '?']).then(|| NamePattern {
            pattern: last.to_string(),
            directory: directory.to_string(),
        })
    }

    /// Whether `name` matches the pattern. As in a shell, a name that
    /// starts with `.` matches only a pattern that starts with `.`, so that
    /// `*` does not sweep up hidden files.
    pub fn matches(&self, name: &str) -> bool {
        if name.starts_with('.') && !self.pattern.starts_with('.') {
            return false;
        }
        wildcard_match(&self.pattern, name)
    }
}

/// Whether `name` matches `pattern`, `*` and `?` being wildcards.
///
/// One pass over the name, remembering only the last `*` seen: when a
/// character does not match, that star takes one more character of the
/// name and matching goes on after it. Going back to an earlier star could
/// never help (the later one can take whatever the earlier one would have),
/// so the work is at most the two lengths multiplied, and names are short.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // The position just after the last star, and the name position it is
    // matched up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                p += 1;
                star = Some((p, n));
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((after_star, taken)) => {
                    p = after_star;
                    n = taken + 1;
                    star = Some((after_star, n));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> NamePattern {
        NamePattern::in_argument(text).expect("a pattern")
    }

    #[test]
    fn a_pattern_is_found_in_the_last_name_only() {
        let table = [
            ("*.txt", Some(("", "*.txt"))),
            ("sub/?.log", Some(("sub/", "?.log"))),
            ("/pub/a*", Some(("/pub/", "a*"))),
            ("sub/../x*", Some(("sub/../", "x*"))),
            ("*/notes.txt", None),
            ("notes.txt", None),
            ("sub/", None),
            ("", None),
        ];
        for (argument, expected) in table {
            let found = NamePattern::in_argument(argument);
            let found = found
                .as_ref()
                .map(|p| (p.directory.as_str(), p.pattern.as_str()));
            assert_eq!(found, expected, "{argument:?}");
        }
    }

    #[test]
    fn names_against_patterns() {
        let table = [
            ("*.txt", "a.txt", true),
            ("*.txt", ".txt", false),
            ("*.txt", "a.txt.gz", false),
            ("*.txt", "notes.TXT", false),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("?.txt", ".txt", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("a*b", "ab", true),
            ("*", "anything at all", true),
            ("*", ".hidden", false),
            (".*", ".hidden", true),
            (".*", "shown", false),
            ("**", "x", true),
            ("*?", "", false),
            ("*x", "xxxxxxxxxxxxxxxxxxxxxxxxxy", false),
            ("caf?", "café", true),
            ("*é", "café", true),
            ("a?c", "a€c", true),
        ];
        for (text, name, expected) in table {
            let found = pattern(text).matches(name);
            assert_eq!(found, expected, "{text:?} against {name:?}");
        }
    }

    #[test]
    fn many_stars_against_a_long_name_stay_quick() {
        // The classic worst case for a matcher that goes back to every
        // star: it would try every way to share the name among them.
        let text = format!("{}b", "a*".repeat(50));
        let name = "a".repeat(200);
        assert!(!pattern(&text).matches(&name));
    }
}

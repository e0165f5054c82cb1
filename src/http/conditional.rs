//! Conditional requests: "send it only if it changed" (RFC 9110 §13).
//!
//! A browser that has a copy of a file asks again with the validators it
//! was given, and gets `304 Not Modified`, with no body, if its copy is
//! still good:
//!
//! ```text
//! C: GET /logo.png HTTP/1.1
//! C: If-None-Match: "65920080.0-1b"
//! C: If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT
//!
//! S: HTTP/1.1 304 Not Modified
//! S: ETag: "65920080.0-1b"
//! ```
//!
//! ```text
//! If-None-Match = "*" / #entity-tag                     (RFC 9110 §13.1.2)
//! entity-tag    = [ "W/" ] DQUOTE *etagc DQUOTE         (RFC 9110 §8.8.3)
//! ```
//!
//! When a request carries several conditions, RFC 9110 §13.2.2 says which
//! wins: `If-Match`, else `If-Unmodified-Since`; then `If-None-Match`, else
//! `If-Modified-Since`; then `If-Range`. So an `If-None-Match` that does not
//! match means "send it" even when `If-Modified-Since` says the copy is
//! current: the tag is the finer test.
//!
//! The tag of a file is made of its modification time, to the nanosecond,
//! and its size ([`file_etag`]). It is *strong*, which claims that the same
//! tag means the same bytes: only a strong tag lets a client resume a
//! download with `If-Range` (§13.1.5 compares strongly). The claim holds
//! as long as every change moves the modification time; a change within
//! one tick of the file system's clock (a few milliseconds) that keeps the
//! size would go unseen, so a file changed in the last second gets a weak
//! tag (`W/"…"`) until the second has passed, as Apache does.

use super::head::Method;
use super::headers::Headers;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the conditions of a request decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Answer as usual; honour a `Range` header only if `range` is true
    /// (an `If-Range` that does not match asks for the whole file).
    Proceed {
        /// The `Range` header, if any, may be served.
        range: bool,
    },
    /// `304 Not Modified`: the client's copy is current.
    NotModified,
    /// `412 Precondition Failed`: `If-Match` or `If-Unmodified-Since`
    /// does not hold (or `If-None-Match` matched a method other than GET
    /// and HEAD).
    Failed,
}

/// The validators of what is served: its entity tag and modification time.
#[derive(Debug, Clone, Copy)]
pub struct Validators<'a> {
    /// The entity tag, quotes included: `"1a-2b"` or `W/"1a-2b"`.
    pub etag: Option<&'a str>,
    /// The modification time, in whole seconds (what an HTTP date holds).
    pub last_modified: Option<SystemTime>,
}

/// The entity tag of a file of `len` bytes last modified at `modified`:
/// `"SECONDS.NANOS-LEN"` in hex, weak if the file changed less than a
/// second before `now` (see the module docs).
pub fn file_etag(len: u64, modified: SystemTime, now: SystemTime) -> String {
    let since = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
    let tag = format!(
        "\"{:x}.{:x}-{len:x}\"",
        since.as_secs(),
        since.subsec_nanos()
    );
    let settled = now
        .duration_since(modified)
        .is_ok_and(|age| age >= Duration::from_secs(1));
    match settled {
        true => tag,
        false => format!("W/{tag}"),
    }
}

// ANCHOR: evaluate
/// Decides how to answer a request's conditions (RFC 9110 §13.2.2), for a
/// representation with `validators`, at `now`.
pub fn evaluate(
    method: &Method,
    headers: &Headers,
    validators: &Validators<'_>,
    now: SystemTime,
) -> Condition {
    let etag = validators.etag;
    let modified = validators.last_modified;
    // A date later than our clock comes from a wrong clock, and is ignored:
    // RFC 2616 §14.25 called it invalid (RFC 9110 §13.1.3 no longer says so).
    let date = |name: &str| {
        headers
            .get(name)
            .and_then(super::date::parse_http_date)
            .filter(|date| *date <= now)
    };
    // Steps 1 and 2: the client's copy must still be current.
    if headers.get("if-match").is_some() {
        if !list_matches(headers, "if-match", etag, strong_match) {
            return Condition::Failed;
        }
    } else if let (Some(since), Some(modified)) = (date("if-unmodified-since"), modified) {
        if modified > since {
            return Condition::Failed;
        }
    }
    // Steps 3 and 4: send it only if the client's copy is not current.
    let safe = matches!(method, Method::Get | Method::Head);
    if headers.get("if-none-match").is_some() {
        if list_matches(headers, "if-none-match", etag, weak_match) {
            return match safe {
                true => Condition::NotModified,
                false => Condition::Failed,
            };
        }
    } else if let (true, Some(since), Some(modified)) = (safe, date("if-modified-since"), modified)
    {
        if modified <= since {
            return Condition::NotModified;
        }
    }
    // Step 5: a range, only of the representation the client has.
    let range = match headers.get("if-range").map(str::trim) {
        None => true,
        Some(tag) if tag.starts_with('"') || tag.starts_with("W/") => {
            etag.is_some_and(|etag| strong_match(tag, etag))
        }
        // A date validates only if it is exactly the modification time,
        // and that is at least a second old: strong (§8.8.2.2, §13.1.5).
        Some(text) => match (super::date::parse_http_date(text), modified) {
            (Some(date), Some(modified)) => {
                date == modified
                    && now
                        .duration_since(modified)
                        .is_ok_and(|age| age >= Duration::from_secs(1))
            }
            _ => false,
        },
    };
    Condition::Proceed { range }
}
// ANCHOR_END: evaluate

/// Whether the list in the `name` fields (`*`, or entity tags) matches
/// `etag` by `compare`. A list that does not parse matches nothing.
fn list_matches(
    headers: &Headers,
    name: &str,
    etag: Option<&str>,
    compare: fn(&str, &str) -> bool,
) -> bool {
    let Some(etag) = etag else {
        return false; // nothing to compare with (and "*" needs a current file)
    };
    headers.get_all(name).any(|value| {
        if value.trim() == "*" {
            return true;
        }
        entity_tags(value).is_some_and(|tags| tags.iter().any(|tag| compare(tag, etag)))
    })
}

/// The entity tags of a comma-separated list, or `None` if it does not
/// parse. A tag may hold a comma, so the list is read tag by tag rather
/// than split.
fn entity_tags(mut list: &str) -> Option<Vec<&str>> {
    let mut tags = Vec::new();
    loop {
        list = list.trim_start_matches([' ', '\t', ',']);
        if list.is_empty() {
            return Some(tags);
        }
        let opaque_at = if list.starts_with("W/") { 2 } else { 0 };
        let rest = list[opaque_at..].strip_prefix('"')?;
        let close = rest.find('"')?;
        let end = opaque_at + 1 + close + 1;
        tags.push(&list[..end]);
        list = &list[end..];
        if !(list.is_empty() || list.starts_with([' ', '\t', ','])) {
            return None;
        }
    }
}

/// Strong comparison (§8.8.3.2): neither is weak, and the quoted parts
/// are the same.
fn strong_match(a: &str, b: &str) -> bool {
    !a.starts_with("W/") && !b.starts_with("W/") && a == b
}

/// Weak comparison: the quoted parts are the same, weak or not.
fn weak_match(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::date::format_http_date;
    use Condition::*;

    const TAG: &str = "\"5f.1-6\"";

    #[test]
    fn the_conditions_and_which_wins() {
        let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now = modified + Duration::from_secs(100);
        let at = format_http_date(modified);
        let before = format_http_date(modified - Duration::from_secs(1));
        let future = format_http_date(now + Duration::from_secs(3600));
        let validators = Validators {
            etag: Some(TAG),
            last_modified: Some(modified),
        };
        let whole = Proceed { range: true };
        let table: Vec<(Vec<(&str, &str)>, Condition)> = vec![
            (vec![], whole),
            // If-None-Match: weak comparison, "*" for any current file.
            (vec![("If-None-Match", TAG)], NotModified),
            (vec![("If-None-Match", "W/\"5f.1-6\"")], NotModified),
            (vec![("If-None-Match", "\"a\", \"5f.1-6\"")], NotModified),
            (vec![("If-None-Match", "\"a\"")], whole),
            (vec![("If-None-Match", "*")], NotModified),
            (vec![("If-None-Match", "\"a,b\"")], whole), // one tag, with a comma
            (vec![("If-None-Match", "garbage")], whole),
            // §13.2.2: If-None-Match wins over If-Modified-Since.
            (
                vec![("If-None-Match", "\"a\""), ("If-Modified-Since", &at)],
                whole,
            ),
            (
                vec![("If-None-Match", TAG), ("If-Modified-Since", &before)],
                NotModified,
            ),
            // If-Modified-Since alone; a date in the future is ignored.
            (vec![("If-Modified-Since", &at)], NotModified),
            (vec![("If-Modified-Since", &before)], whole),
            (vec![("If-Modified-Since", &future)], whole),
            (vec![("If-Modified-Since", "not a date")], whole),
            // If-Match: strong comparison.
            (vec![("If-Match", TAG)], whole),
            (vec![("If-Match", "*")], whole),
            (vec![("If-Match", "\"a\"")], Failed),
            (vec![("If-Match", "W/\"5f.1-6\"")], Failed),
            // If-Unmodified-Since, unless If-Match is there.
            (vec![("If-Unmodified-Since", &at)], whole),
            (vec![("If-Unmodified-Since", &before)], Failed),
            (
                vec![("If-Match", TAG), ("If-Unmodified-Since", &before)],
                whole,
            ),
            // If-Match first, then If-None-Match.
            (vec![("If-Match", TAG), ("If-None-Match", TAG)], NotModified),
            (vec![("If-Match", "\"a\""), ("If-None-Match", TAG)], Failed),
            // If-Range: strong tag, or exactly the date.
            (vec![("If-Range", TAG)], whole),
            (vec![("If-Range", "\"a\"")], Proceed { range: false }),
            (vec![("If-Range", "W/\"5f.1-6\"")], Proceed { range: false }),
            (vec![("If-Range", &at)], whole),
            (vec![("If-Range", &before)], Proceed { range: false }),
            (vec![("If-Range", "junk")], Proceed { range: false }),
            // A failed If-None-Match on a range request: 304, no range.
            (vec![("If-None-Match", TAG), ("If-Range", TAG)], NotModified),
        ];
        for (fields, expected) in table {
            let mut headers = Headers::new();
            for (name, value) in &fields {
                headers.append(*name, *value);
            }
            assert_eq!(
                evaluate(&Method::Get, &headers, &validators, now),
                expected,
                "{fields:?}"
            );
        }
    }

    #[test]
    fn if_none_match_on_an_unsafe_method_fails() {
        let mut headers = Headers::new();
        headers.append("If-None-Match", "*");
        let validators = Validators {
            etag: Some(TAG),
            last_modified: None,
        };
        let now = SystemTime::now();
        assert_eq!(evaluate(&Method::Put, &headers, &validators, now), Failed);
        assert_eq!(
            evaluate(&Method::Head, &headers, &validators, now),
            NotModified
        );
    }

    #[test]
    fn without_a_tag_nothing_matches_but_a_missing_if_match_fails() {
        let none = Validators {
            etag: None,
            last_modified: None,
        };
        let now = SystemTime::now();
        let mut headers = Headers::new();
        headers.append("If-None-Match", "*");
        let whole = Proceed { range: true };
        assert_eq!(evaluate(&Method::Get, &headers, &none, now), whole);
        let mut headers = Headers::new();
        headers.append("If-Match", "*");
        assert_eq!(evaluate(&Method::Get, &headers, &none, now), Failed);
    }

    #[test]
    fn a_file_changed_in_the_last_second_has_a_weak_tag() {
        let modified = UNIX_EPOCH + Duration::new(0x5f, 1);
        let table = [
            (Duration::from_secs(5), "\"5f.1-6\""),
            (Duration::from_secs(1), "\"5f.1-6\""),
            (Duration::from_millis(999), "W/\"5f.1-6\""),
        ];
        for (age, tag) in table {
            assert_eq!(file_etag(6, modified, modified + age), tag, "{age:?}");
        }
        // A modification time in the future (a clock set back): weak.
        assert_eq!(file_etag(6, modified, UNIX_EPOCH), "W/\"5f.1-6\"");
    }

    #[test]
    fn entity_tag_lists() {
        let table: [(&str, Option<Vec<&str>>); 6] = [
            ("\"a\"", Some(vec!["\"a\""])),
            ("\"a\", W/\"b\"", Some(vec!["\"a\"", "W/\"b\""])),
            ("  ,\"a,b\" ,", Some(vec!["\"a,b\""])),
            ("", Some(vec![])),
            ("a", None),
            ("\"a\"b", None),
        ];
        for (list, expected) in table {
            assert_eq!(entity_tags(list), expected, "{list:?}");
        }
        assert_eq!(entity_tags("\"open"), None);
    }
}

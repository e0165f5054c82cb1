//! From a request target to a path under the server's root, safely.
//!
//! The request target is text chosen by the client. A static file server
//! turns it into a path on disk, and that is where the classic attack comes
//! in: `GET /../../etc/passwd`. Every spelling of it must be refused:
//!
//! ```text
//! /../etc/passwd          dot-dot segments
//! /%2e%2e/etc/passwd      the same, percent-encoded
//! /a%2f..%2f..%2fetc      a slash hidden in one segment
//! /a%00.txt               a NUL, which ends a path for the C library below std
//! //etc/passwd            an empty segment: an absolute path after joining
//! ```
//!
//! So the target is split into segments first, and each segment is decoded
//! on its own (RFC 3986 §2.4: decode after splitting). A decoded segment
//! that is `..`, or that holds a `/`, a `\` or a NUL, is refused; `.` and
//! empty segments are dropped. What is left can only name something below
//! the root. Symbolic links are the one way out that text cannot show: the
//! I/O part ([`super::files`]) resolves the real path and checks it too.

use crate::url::percent_decode;
use std::fmt;

/// Why a request target cannot name a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// The target is not a path (`*`, `example.com:443`), or has a `#`
    /// (a fragment is for the browser, never sent in a request).
    NotAPath,
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    BadEncoding,
    /// A segment is `..`: it would climb above the root.
    DotDot,
    /// A segment decodes to a `/`, `\` or NUL byte.
    BadSegment,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotAPath => "the request target is not a path",
            PathError::BadEncoding => "a path segment is not valid percent-encoded UTF-8",
            PathError::DotDot => "'..' is not allowed in a path",
            PathError::BadSegment => "a path segment holds a forbidden character",
        })
    }
}

impl std::error::Error for PathError {}

/// A request target, taken apart: the decoded path segments, the query,
/// and whether the path ended with `/` (a directory, by convention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePath {
    /// The decoded segments, none of them empty, `.` or `..`.
    pub segments: Vec<String>,
    /// The query, still encoded, without its `?`.
    pub query: Option<String>,
    /// The path as sent ended with `/`.
    pub trailing_slash: bool,
}

// ANCHOR: safe_path
/// Turns a request target (`/docs/a%20b.txt?x=1`) into decoded segments
/// that cannot leave the root.
pub fn safe_path(target: &str) -> Result<SafePath, PathError> {
    // absolute-form (RFC 9112 §3.2.2), sent to proxies: keep only the path.
    // Only a target that starts with the scheme is one: a "://" later on
    // (in a query, say) is part of the path or query.
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let target = match ["http://", "https://"]
        .iter()
        .find(|s| lower.starts_with(*s))
    {
        Some(scheme) => {
            let rest = &target[scheme.len()..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => target,
    };
    if !target.starts_with('/') || target.contains('#') {
        return Err(PathError::NotAPath);
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (target, None),
    };
    let mut segments = Vec::new();
    for raw in path.split('/') {
        let decoded = percent_decode(raw).map_err(|_| PathError::BadEncoding)?;
        let segment = String::from_utf8(decoded).map_err(|_| PathError::BadEncoding)?;
        match classify_segment(&segment)? {
            Segment::Same => continue,
            Segment::Parent => return Err(PathError::DotDot),
            Segment::Name(_) => segments.push(segment),
        }
    }
    Ok(SafePath {
        segments,
        query,
        trailing_slash: path.ends_with('/'),
    })
}

/// What one path segment, already decoded, means to a path kept under a
/// root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// `""` or `.`: the same directory, so nothing to add.
    Same,
    /// `..`: the parent. HTTP refuses it; FTP, whose clients send
    /// `CWD ..`, climbs one level, never above the root.
    Parent,
    /// A name, safe to join to a path on disk.
    Name(&'a str),
}

/// The one rule for a segment, shared by HTTP targets and FTP paths: a
/// segment that holds a `/`, a `\` or a NUL is refused, for it would be
/// more than one name to the file system below (or end the name early).
pub fn classify_segment(segment: &str) -> Result<Segment<'_>, PathError> {
    match segment {
        "" | "." => Ok(Segment::Same),
        ".." => Ok(Segment::Parent),
        _ if segment.contains(['/', '\\', '\0']) => Err(PathError::BadSegment),
        _ => Ok(Segment::Name(segment)),
    }
}
// ANCHOR_END: safe_path

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(target: &str) -> Result<Vec<String>, PathError> {
        safe_path(target).map(|path| path.segments)
    }

    #[test]
    fn good_paths() {
        let table: [(&str, &[&str]); 8] = [
            ("/", &[]),
            ("/index.html", &["index.html"]),
            ("/docs/a%20b.txt", &["docs", "a b.txt"]),
            ("/docs//./x", &["docs", "x"]),
            ("/caf%C3%A9", &["café"]),
            ("/q?x=1&y=../..", &["q"]),
            ("/a.txt?next=http://h/sub/", &["a.txt"]),
            ("http://example.com/abs/form", &["abs", "form"]),
        ];
        for (target, expected) in table {
            assert_eq!(
                segments(target),
                Ok(expected.iter().map(|s| s.to_string()).collect()),
                "{target}"
            );
        }
    }

    #[test]
    fn every_way_out_is_refused() {
        let table = [
            ("/../etc/passwd", PathError::DotDot),
            ("/a/../../etc/passwd", PathError::DotDot),
            ("/%2e%2e/etc/passwd", PathError::DotDot),
            ("/%2E%2E/etc/passwd", PathError::DotDot),
            ("/.%2e/etc/passwd", PathError::DotDot),
            ("/a%2f..%2f..%2fetc", PathError::BadSegment),
            ("/a%5c..%5cetc", PathError::BadSegment),
            ("/a%00.txt", PathError::BadSegment),
            ("/%ff", PathError::BadEncoding),
            ("/%zz", PathError::BadEncoding),
            ("/a%2", PathError::BadEncoding),
            ("/a#frag", PathError::NotAPath),
            ("*", PathError::NotAPath),
            ("example.com:443", PathError::NotAPath),
            ("foo://x/a.txt", PathError::NotAPath),
        ];
        for (target, error) in table {
            assert_eq!(segments(target), Err(error), "{target}");
        }
    }

    #[test]
    fn segments_are_classified_once_for_every_protocol() {
        let table = [
            ("", Ok(Segment::Same)),
            (".", Ok(Segment::Same)),
            ("..", Ok(Segment::Parent)),
            ("...", Ok(Segment::Name("..."))),
            ("a b.txt", Ok(Segment::Name("a b.txt"))),
            ("a/b", Err(PathError::BadSegment)),
            ("a\\b", Err(PathError::BadSegment)),
            ("a\0b", Err(PathError::BadSegment)),
        ];
        for (segment, expected) in table {
            assert_eq!(classify_segment(segment), expected, "{segment:?}");
        }
    }

    #[test]
    fn the_query_and_the_trailing_slash_are_kept() {
        let path = safe_path("/docs/?sort=name").unwrap();
        assert_eq!(path.query.as_deref(), Some("sort=name"));
        assert!(path.trailing_slash);
        assert!(!safe_path("/docs").unwrap().trailing_slash);
    }
}

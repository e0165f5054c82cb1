//! Reference resolution (RFC 3986 §5.2): what a link in a page points to.
//!
//! A page at `http://example.com/docs/guide.html` may link to
//! `../img/logo.png`, `/index.html`, `?page=2` or `#install`. Each is a
//! *relative reference*: it says only what differs from the page's own URL,
//! the *base*. Resolving it fills in the rest, part by part, and then
//! removes the `.` and `..` segments, as a shell does with `cd ../img`.

use super::parse::{parse_reference, Reference};
use super::{Url, UrlError, MAX_URL_LEN};

impl Url {
    // ANCHOR: join
    /// Resolves `reference` against this URL, the base (§5.2.2, "strict").
    ///
    /// ```
    /// use netlessons::url::Url;
    /// let base = Url::parse("http://example.com/docs/guide.html").unwrap();
    /// let logo = base.join("../img/logo.png").unwrap();
    /// assert_eq!(logo.to_string(), "http://example.com/img/logo.png");
    /// ```
    pub fn join(&self, reference: &str) -> Result<Url, UrlError> {
        let Reference {
            scheme,
            authority,
            path,
            query,
            fragment,
        } = parse_reference(reference)?;
        // Which parts come from the reference and which from the base
        // depends on the first part the reference has. The fragment always
        // comes from the reference, never from the base.
        let mut target = match (scheme, authority) {
            // "g:h": a reference with a scheme is a URL of its own.
            (Some(scheme), authority) => Url {
                scheme,
                authority,
                path: remove_dot_segments(&path),
                query,
                fragment,
            },
            // "//g": a new authority, the base's scheme.
            (None, Some(authority)) => Url {
                scheme: self.scheme.clone(),
                authority: Some(authority),
                path: remove_dot_segments(&path),
                query,
                fragment,
            },
            // "" or "?y": the base's path, and its query unless a new one is given.
            (None, None) if path.is_empty() => Url {
                query: query.or_else(|| self.query.clone()),
                fragment,
                ..self.clone()
            },
            // "/g": the base's authority, a new absolute path.
            (None, None) if path.starts_with('/') => Url {
                path: remove_dot_segments(&path),
                query,
                fragment,
                ..self.clone()
            },
            // "g" or "../g": relative to the base's directory.
            (None, None) => Url {
                path: remove_dot_segments(&self.merge(&path)),
                query,
                fragment,
                ..self.clone()
            },
        };

        // Without an authority, a path starting with "//" would be read
        // back as one ("foo:" + "//x" is "foo://x"). "/." in front changes
        // nothing about the path and keeps parse and Display inverses.
        if target.authority.is_none() && target.path.starts_with("//") {
            target.path.insert_str(0, "/.");
        }
        // Resolving can make a URL longer than either input; keep the bound.
        if target.to_string().len() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        Ok(target)
    }
    // ANCHOR_END: join

    /// Merges a relative path with the base's path (§5.2.3): everything up
    /// to the base's last `/`, then the reference.
    fn merge(&self, reference_path: &str) -> String {
        if self.authority.is_some() && self.path.is_empty() {
            return format!("/{reference_path}");
        }
        match self.path.rfind('/') {
            Some(slash) => format!("{}{reference_path}", &self.path[..=slash]),
            None => reference_path.to_string(),
        }
    }
}

// ANCHOR: remove_dot_segments
/// Removes the `.` and `..` segments of a path (§5.2.4), so that
/// `/a/b/../c/./d` becomes `/a/c/d`. `..` never climbs above the root:
/// `/../etc` becomes `/etc`.
///
/// The RFC's algorithm moves segments from an input buffer to an output
/// buffer; the rules are quoted at each step.
pub fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    while !input.is_empty() {
        // A. If the input buffer begins with a prefix of "../" or "./",
        //    then remove that prefix from the input buffer;
        if let Some(rest) = input
            .strip_prefix("../")
            .or_else(|| input.strip_prefix("./"))
        {
            input = rest;
        }
        // B. if the input buffer begins with a prefix of "/./" or "/.",
        //    where "." is a complete path segment, then replace that
        //    prefix with "/" in the input buffer;
        else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        }
        // C. if the input buffer begins with a prefix of "/../" or "/..",
        //    where ".." is a complete path segment, then replace that
        //    prefix with "/" in the input buffer and remove the last
        //    segment and its preceding "/" (if any) from the output buffer;
        else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." { "/" } else { &input[3..] };
            let last_slash = output.rfind('/').unwrap_or(0);
            output.truncate(last_slash);
        }
        // D. if the input buffer consists only of "." or "..", then remove
        //    that from the input buffer;
        else if input == "." || input == ".." {
            input = "";
        }
        // E. move the first path segment in the input buffer to the end of
        //    the output buffer, including the initial "/" character (if
        //    any) and any subsequent characters up to, but not including,
        //    the next "/".
        else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| start + i);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    output
}
// ANCHOR_END: remove_dot_segments

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_removed() {
        // The two worked examples of RFC 3986 §5.2.4, then edge cases.
        let table = [
            ("/a/b/c/./../../g", "/a/g"),
            ("mid/content=5/../6", "mid/6"),
            ("/../etc/passwd", "/etc/passwd"),
            ("/a/..", "/"),
            ("/a/.", "/a/"),
            ("..", ""),
            ("/a//b/../c", "/a//c"),
            ("", ""),
        ];
        for (input, expected) in table {
            assert_eq!(remove_dot_segments(input), expected, "{input}");
        }
    }

    #[test]
    fn a_result_without_authority_never_starts_with_two_slashes() {
        let base = Url::parse("foo:/").unwrap();
        let joined = base.join(".//x").unwrap();
        assert_eq!(joined.path(), "/.//x");
        assert_eq!(Url::parse(&joined.to_string()), Ok(joined));
    }
}

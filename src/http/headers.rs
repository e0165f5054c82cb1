//! Header fields: an ordered list of names and values.
//!
//! Field names are case-insensitive (RFC 9110 §5.1): `content-length` and
//! `Content-Length` are the same field. A name may appear more than once,
//! and for most fields that means one list: `Accept: a` and `Accept: b` are
//! `Accept: a, b` (§5.3). So the fields are kept in order, as received, and
//! looked up without regard to case.

use std::fmt;

/// Header fields in the order they were received or added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// No fields.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// How many field lines there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds a field line at the end, keeping any others of the same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Sets a field, replacing every earlier line of the same name.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Removes every line of the field `name`.
    pub fn remove(&mut self, name: &str) {
        self.fields
            .retain(|(field, _)| !field.eq_ignore_ascii_case(name));
    }

    /// The value of the first line of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The values of every line of field `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether field `name`, read as a comma-separated list over all its
    /// lines, holds `token` (case-insensitive): `Connection: keep-alive, Upgrade`
    /// has `upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|value| value.split(','))
            .any(|element| element.trim().eq_ignore_ascii_case(token))
    }

    /// Every field line, as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Adds `more` to the last field's value, after a space (what a client
    /// does with obsolete line folding, RFC 9112 §5.2). Neither end of the
    /// value gets a space: whitespace there is never part of a value.
    pub(crate) fn continue_last(&mut self, more: &str) {
        if let Some((_, value)) = self.fields.last_mut() {
            if !value.is_empty() && !more.is_empty() {
                value.push(' ');
            }
            value.push_str(more);
        }
    }
}

impl fmt::Display for Headers {
    /// The fields as they travel: `Name: value` CR LF for each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.fields {
            write!(f, "{name}: {value}\r\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        let mut headers = Headers::new();
        headers.append("Content-Type", "text/plain");
        assert_eq!(headers.get("content-type"), Some("text/plain"));
        headers.set("CONTENT-TYPE", "text/html");
        assert_eq!(headers.len(), 1);
        assert_eq!(headers.get("Content-Type"), Some("text/html"));
    }

    #[test]
    fn tokens_are_found_across_lines_and_commas() {
        let mut headers = Headers::new();
        headers.append("Connection", "keep-alive");
        headers.append("connection", " Upgrade , TE");
        assert!(headers.has_token("Connection", "upgrade"));
        assert!(headers.has_token("Connection", "te"));
        assert!(!headers.has_token("Connection", "close"));
    }

    #[test]
    fn display_is_the_wire_form() {
        let mut headers = Headers::new();
        headers.append("Host", "example.com");
        headers.append("Accept", "*/*");
        assert_eq!(headers.to_string(), "Host: example.com\r\nAccept: */*\r\n");
    }
}

//! The URLs of the services one logs in to: `ftp://`, `pop3://`, `smtp://`.
//!
//! ```text
//!   pop3://alice:s%40cret@mail.example.test:1110/
//!          \___/ \______/ \_______________/ \__/
//!          user  password       host        port
//! ```
//!
//! RFC 1738 §3.1 gives these URLs their common form, and RFC 2384 (POP),
//! RFC 1738 §3.2 (FTP) and the SMTP URL of curl follow it: the user and
//! password in the userinfo, then the host and port, then a path whose
//! meaning is the service's. The user, the password and each segment of
//! the path are percent-decoded *after* the URL is split (RFC 3986 §2.4),
//! so that `%40` in a password is an `@` of the password, and `%2F` in a
//! segment a `/` of a name, not a delimiter.

use super::{default_port, percent_decode, Url, UrlError};
use std::fmt;

/// A parsed service URL: where to connect, as whom, and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginUrl {
    /// `host:port`, ready to connect to (an IPv6 host in brackets).
    pub addr: String,
    /// The user, decoded; `None` if the URL names none.
    pub user: Option<String>,
    /// The password, decoded; `None` if the URL gives none.
    pub password: Option<String>,
    /// The path's segments, each decoded; empty ones left out.
    pub segments: Vec<String>,
}

/// Why a text is not a service URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginUrlError {
    /// Not a URL at all.
    Url(UrlError),
    /// A URL of another scheme.
    Scheme {
        /// The scheme wanted.
        expected: &'static str,
    },
    /// No host to connect to.
    NoHost,
    /// A `?query` or `#fragment`, which these URLs do not have.
    QueryOrFragment,
    /// A part that is not UTF-8 once decoded.
    NotUtf8(String),
}

impl fmt::Display for LoginUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginUrlError::Url(error) => error.fmt(f),
            LoginUrlError::Scheme { expected } => write!(f, "not a {expected}:// URL"),
            LoginUrlError::NoHost => f.write_str("no host"),
            LoginUrlError::QueryOrFragment => f.write_str("a ?query or #fragment is not allowed"),
            LoginUrlError::NotUtf8(part) => write!(f, "{part:?} is not UTF-8 once decoded"),
        }
    }
}

impl std::error::Error for LoginUrlError {}

impl LoginUrl {
    /// Parses `text` as a URL of `scheme` (`"ftp"`, `"pop3"`, `"smtp"`),
    /// whose port defaults to the scheme's ([`default_port`]).
    pub fn parse(text: &str, scheme: &'static str) -> Result<LoginUrl, LoginUrlError> {
        let url = Url::parse(text).map_err(LoginUrlError::Url)?;
        if !url.scheme().eq_ignore_ascii_case(scheme) {
            return Err(LoginUrlError::Scheme { expected: scheme });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(LoginUrlError::QueryOrFragment);
        }
        let host = url.host().filter(|host| !host.to_string().is_empty());
        let host = host.ok_or(LoginUrlError::NoHost)?;
        let port = url.port().or_else(|| default_port(scheme)).unwrap_or(0);
        let user = url.username().map(decode).transpose()?;
        let password = url.password().map(decode).transpose()?;
        let segments = url
            .path()
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(LoginUrl {
            addr: format!("{host}:{port}"),
            user: user.filter(|user| !user.is_empty()),
            password,
            segments,
        })
    }
}

/// One part of the URL, percent-decoded into text.
fn decode(encoded: &str) -> Result<String, LoginUrlError> {
    let bytes = percent_decode(encoded).map_err(LoginUrlError::Url)?;
    String::from_utf8(bytes).map_err(|_| LoginUrlError::NotUtf8(encoded.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(
        addr: &str,
        user: Option<&str>,
        password: Option<&str>,
        segments: &[&str],
    ) -> LoginUrl {
        LoginUrl {
            addr: addr.into(),
            user: user.map(String::from),
            password: password.map(String::from),
            segments: segments.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn service_urls_and_what_they_name() {
        let table = [
            (
                "pop3://alice:secret@127.0.0.1:1110/",
                "pop3",
                login("127.0.0.1:1110", Some("alice"), Some("secret"), &[]),
            ),
            (
                "pop3://alice@mail.example.test",
                "pop3",
                login("mail.example.test:110", Some("alice"), None, &[]),
            ),
            (
                "POP3://a%40b:s%3Acret%40x@[::1]:1110",
                "pop3",
                login("[::1]:1110", Some("a@b"), Some("s:cret@x"), &[]),
            ),
            (
                "ftp://127.0.0.1:2121/pub/my%20docs/",
                "ftp",
                login("127.0.0.1:2121", None, None, &["pub", "my docs"]),
            ),
            (
                "ftp://@host/a%2Fb",
                "ftp",
                login("host:21", None, None, &["a/b"]),
            ),
            (
                "smtp://127.0.0.1:2525",
                "smtp",
                login("127.0.0.1:2525", None, None, &[]),
            ),
        ];
        for (text, scheme, expected) in table {
            assert_eq!(LoginUrl::parse(text, scheme), Ok(expected), "{text}");
        }
    }

    #[test]
    fn texts_that_are_not_service_urls() {
        let table = [
            ("127.0.0.1:1110", "pop3"),
            ("http://127.0.0.1/", "pop3"),
            ("pop3:///", "pop3"),
            ("pop3://127.0.0.1/?x", "pop3"),
            ("pop3://127.0.0.1/#x", "pop3"),
            ("pop3://%ff@127.0.0.1/", "pop3"),
            ("pop3://a%zz@127.0.0.1/", "pop3"),
        ];
        for (text, scheme) in table {
            assert!(LoginUrl::parse(text, scheme).is_err(), "{text}");
        }
    }
}

//! Content types by file extension: what the browser is told a file is.
//!
//! A server sends `Content-Type` so that the client knows how to show the
//! bytes (RFC 9110 §8.3): HTML is rendered, PNG decoded, text shown as
//! text. The type comes from the file's extension, as every static server
//! does; a file with no known extension is `application/octet-stream`
//! ("bytes: save them, do not run them").

// ANCHOR: content_type
/// The media type for a file name, by its extension (case-insensitive).
pub fn content_type(file_name: &str) -> &'static str {
    let extension = match file_name.rsplit_once('.') {
        Some((_, extension)) => extension.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "txt" | "md" | "rs" | "toml" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "mp4" => "video/mp4",
        "gz" => "application/gzip",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}
// ANCHOR_END: content_type

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_table() {
        let table = [
            ("index.html", "text/html; charset=utf-8"),
            ("INDEX.HTM", "text/html; charset=utf-8"),
            ("notes.txt", "text/plain; charset=utf-8"),
            ("logo.png", "image/png"),
            ("archive.tar.gz", "application/gzip"),
            ("Makefile", "application/octet-stream"),
            (".hidden", "application/octet-stream"),
            ("weird.", "application/octet-stream"),
        ];
        for (name, expected) in table {
            assert_eq!(content_type(name), expected, "{name}");
        }
    }
}

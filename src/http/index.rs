//! The HTML page listing a directory.
//!
//! File names are chosen by whoever wrote the files, so they are data, not
//! HTML: a file named `<script>alert(1)</script>.txt` must show as that
//! text, not run. Each name is HTML-escaped for display and percent-encoded
//! for the link.

use crate::url::{percent_encode, Component};

/// One entry of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file's name.
    pub name: String,
    /// Whether it is a directory (listed with a trailing `/`).
    pub is_dir: bool,
    /// Its size in bytes (files only).
    pub size: u64,
}

/// Escapes text for an HTML element or a double-quoted attribute.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

// ANCHOR: render_index
/// The listing page of directory `title` (the path shown to the reader),
/// directories first, then files, each sorted by name.
pub fn render_index(title: &str, entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    let title = html_escape(title);
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body><h1>Index of {title}</h1>\n<ul>\n"
    );
    if title != "/" {
        page.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for entry in sorted {
        let slash = if entry.is_dir { "/" } else { "" };
        // Percent-encoded for the URL, then escaped for the attribute
        // (a path may keep '&' and '\'', which HTML reads specially).
        let href = html_escape(&percent_encode(
            entry.name.as_bytes(),
            Component::PathSegment,
        ));
        let size = if entry.is_dir {
            String::new()
        } else {
            format!(" ({} bytes)", entry.size)
        };
        page.push_str(&format!(
            "<li><a href=\"{href}{slash}\">{}{slash}</a>{size}</li>\n",
            html_escape(&entry.name)
        ));
    }
    page.push_str("</ul>\n</body></html>\n");
    page
}
// ANCHOR_END: render_index

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_links_encoded() {
        let entries = [Entry {
            name: "<b>&\"x y\".txt".into(),
            is_dir: false,
            size: 3,
        }];
        let page = render_index("/", &entries);
        assert!(page.contains("&lt;b&gt;&amp;&quot;x y&quot;.txt"), "{page}");
        let href = page
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            href.starts_with("%3Cb%3E") && href.contains("%20"),
            "{href}"
        );
        assert!(!page.contains("<b>"));
    }

    #[test]
    fn directories_come_first() {
        let entries = [
            Entry {
                name: "b.txt".into(),
                is_dir: false,
                size: 1,
            },
            Entry {
                name: "a".into(),
                is_dir: true,
                size: 0,
            },
            Entry {
                name: "a.txt".into(),
                is_dir: false,
                size: 1,
            },
        ];
        let page = render_index("/x/", &entries);
        let a_dir = page.find("a/</a>").unwrap();
        let a_txt = page.find("a.txt").unwrap();
        let b_txt = page.find("b.txt").unwrap();
        assert!(a_dir < a_txt && a_txt < b_txt);
    }
}

//! The notes as an HTML page, for a browser: the list, and a form that
//! adds a note.
//!
//! The same resource as `GET /notes`, in another representation
//! ([`super::negotiate`] chooses which). A note's text was written by a
//! client, so on the page it is data, not markup: every note is
//! HTML-escaped, and a note `<script>alert(1)</script>` shows as that text
//! and runs nothing.
//!
//! The form is the plainest HTML can do: `method="post"` sends the fields
//! as `application/x-www-form-urlencoded` (decoded by [`super::form`]) to
//! `/notes`, and the server answers `303 See Other` back to `/`. An HTML
//! form can only GET or POST, so changing or deleting a note stays with
//! the JSON API.
//!
//! The file is pure: notes in, text out.

use super::store::{Notes, MAX_TEXT_LEN};
use crate::http::index::html_escape;

/// The media type of the page, with its charset: the `<meta charset>`
/// says the same, for a page saved to a file.
pub const HTML: &str = "text/html; charset=utf-8";

// ANCHOR: max_page_notes
/// The most notes the page shows: the newest ones.
///
/// The page is built whole in memory, once per client that asks, like the
/// JSON list that [`MAX_COLLECTION_JSON`](super::store::MAX_COLLECTION_JSON) bounds; but escaping for HTML
/// makes some texts longer than JSON does: `&` and `'` take five bytes
/// (`&amp;`, `&#39;`) where JSON writes one, so a page of every note
/// could be five times the size of the largest list. The most a page of
/// 100 notes of [`MAX_TEXT_LEN`] bytes can take is 600 KB (all `"`, six
/// bytes each as `&quot;`), under the list's 1 MiB, so the memory the
/// server may need per connection is what it was without the page. 100
/// is also about what a person reads on one page.
pub const MAX_PAGE_NOTES: usize = 100;
// ANCHOR_END: max_page_notes

// ANCHOR: render_page
/// The page that lists `notes`, oldest first (the newest
/// [`MAX_PAGE_NOTES`] of them), with a form for a new one.
pub fn render_page(notes: &Notes) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n\
         <html lang=\"en\">\n\
         <head>\n\
         <meta charset=\"utf-8\">\n\
         <title>Notes</title>\n\
         </head>\n\
         <body>\n\
         <h1>Notes</h1>\n",
    );
    if notes.is_empty() {
        page.push_str("<p>No notes yet.</p>\n");
    } else {
        let hidden = notes.len().saturating_sub(MAX_PAGE_NOTES);
        if hidden > 0 {
            page.push_str(&format!(
                "<p>The {MAX_PAGE_NOTES} newest of {} notes.</p>\n",
                notes.len()
            ));
        }
        page.push_str("<ul>\n");
        for note in notes.iter().skip(hidden) {
            let text = html_escape(&note.text);
            // A done note is struck through: <s> is "no longer accurate".
            let text = if note.done {
                format!("<s>{text}</s>")
            } else {
                text
            };
            page.push_str(&format!("<li id=\"note-{}\">{text}</li>\n", note.id));
        }
        page.push_str("</ul>\n");
    }
    // `required` and `maxlength` save a round trip for the common mistakes;
    // the server checks again, since any client can send anything.
    // (maxlength counts UTF-16 units, MAX_TEXT_LEN bytes: the server decides.)
    page.push_str(&format!(
        "<form method=\"post\" action=\"/notes\">\n\
         <label for=\"text\">New note</label>\n\
         <input id=\"text\" name=\"text\" required maxlength=\"{MAX_TEXT_LEN}\">\n\
         <button type=\"submit\">Add</button>\n\
         </form>\n\
         </body>\n\
         </html>\n"
    ));
    page
}
// ANCHOR_END: render_page

/// The body of the `303 See Other` that answers a form: RFC 9110 §15.4.4
/// asks for "a short hypertext note with a hyperlink" to the Location, for
/// a client that does not follow redirects.
pub fn see_other_page(location: &str) -> String {
    let location = html_escape(location);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Note added</title></head>\n\
         <body><p>Note added. <a href=\"{location}\">See the notes</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::{Draft, MAX_COLLECTION_JSON};

    fn notes(texts: &[(&str, bool)]) -> Notes {
        let mut notes = Notes::new();
        for &(text, done) in texts {
            notes
                .create(Draft {
                    text: text.into(),
                    done,
                })
                .unwrap();
        }
        notes
    }

    #[test]
    fn an_empty_list_says_so_and_still_has_the_form() {
        let page = render_page(&Notes::new());
        assert!(
            page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"),
            "{page}"
        );
        assert!(page.contains("<p>No notes yet.</p>\n"), "{page}");
        assert!(!page.contains("<ul>"), "{page}");
        assert!(
            page.contains("<form method=\"post\" action=\"/notes\">\n"),
            "{page}"
        );
        assert!(page.contains("<input id=\"text\" name=\"text\" required maxlength=\"1000\">"));
        assert!(page.contains("<button type=\"submit\">Add</button>"));
        assert!(page.ends_with("</form>\n</body>\n</html>\n"), "{page}");
    }

    #[test]
    fn notes_are_listed_in_order_and_done_ones_struck_through() {
        let page = render_page(&notes(&[("buy milk", false), ("call", true)]));
        assert!(
            page.contains(
                "<ul>\n<li id=\"note-1\">buy milk</li>\n<li id=\"note-2\"><s>call</s></li>\n</ul>\n"
            ),
            "{page}"
        );
    }

    #[test]
    fn a_notes_text_is_escaped_never_markup() {
        let page = render_page(&notes(&[("<script>alert('x & y')</script>", false)]));
        assert!(
            page.contains(
                "<li id=\"note-1\">&lt;script&gt;alert(&#39;x &amp; y&#39;)&lt;/script&gt;</li>"
            ),
            "{page}"
        );
        assert!(!page.contains("<script>"), "{page}");
    }

    #[test]
    fn only_the_newest_notes_are_shown_and_the_page_says_so() {
        let texts: Vec<String> = (1..=MAX_PAGE_NOTES + 1).map(|i| format!("n{i}")).collect();
        let all: Vec<(&str, bool)> = texts.iter().map(|text| (text.as_str(), false)).collect();
        let page = render_page(&notes(&all));
        assert!(page.contains("<p>The 100 newest of 101 notes.</p>\n<ul>\n<li id=\"note-2\">"));
        assert!(!page.contains("id=\"note-1\""), "{page}");
        assert!(
            page.contains("<li id=\"note-101\">n101</li>\n</ul>"),
            "{page}"
        );
        let exactly = render_page(&notes(&all[..MAX_PAGE_NOTES]));
        assert!(!exactly.contains(" newest of "), "{exactly}");
    }

    #[test]
    fn the_largest_page_is_smaller_than_the_largest_list() {
        // The text that grows most when escaped, as long as a text may be.
        let worst = "\"".repeat(MAX_TEXT_LEN);
        let page = render_page(&notes(&vec![(worst.as_str(), true); MAX_PAGE_NOTES]));
        assert!(page.len() < MAX_COLLECTION_JSON, "{} bytes", page.len());
    }

    #[test]
    fn the_see_other_page_links_to_the_location() {
        let page = see_other_page("/");
        assert!(page.contains("<a href=\"/\">See the notes</a>"), "{page}");
    }
}

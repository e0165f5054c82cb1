//! Content negotiation: which representation a client would rather have
//! (RFC 9110 §12.5.1).
//!
//! One resource may have several representations: the list of notes is a
//! JSON array for a program and an HTML page for a person. A client says
//! which it wants in the `Accept` header, as media ranges, each with a
//! *weight* from 0 to 1 (`q`, 1 when not given):
//!
//! ```text
//! Accept      = #( media-range [ weight ] )
//! media-range = ( "*/*" / ( type "/*" ) / ( type "/" subtype ) ) parameters
//! parameters  = *( OWS ";" OWS [ parameter ] )                   (RFC 9110 §5.6.6)
//! weight      = OWS ";" OWS "q=" qvalue
//! qvalue      = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//!
//! Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8   (a browser)
//! Accept: */*                                                                (curl, python requests)
//! ```
//!
//! A type's weight is the weight of the **most specific** range that
//! matches it: `text/html` before `text/*` before `*/*`. So for the browser
//! above, `text/html` weighs 1 and `application/json` 0.8 (only `*/*`
//! matches it): HTML wins. For `*/*`, both weigh 1, and the server's own
//! order breaks the tie; but when two types weigh the same and the client
//! named one of them precisely (w3m's `text/html, text/*;q=0.5, image/*,
//! application/*` names `text/html`, and `application/json` only through
//! `application/*`), the one named wins. A weight of 0 means "not
//! acceptable".
//!
//! Simplifications, each harmless here: a range's parameters other than
//! `q` are not compared (neither representation of this API has any that
//! varies: JSON has none, and the page is always UTF-8), and a quoted
//! parameter value holding a comma, which no client sends in `Accept`,
//! spoils only the range it is in. A range that does not parse is left
//! out, as if it were not there.
//!
//! The file is pure: header values in, a choice out.

use crate::http::head::is_token;

/// A weight, in thousandths: 0 (not acceptable) to 1000 (`q=1`, the
/// default). Three decimals are all that `qvalue` allows, so this is exact.
pub type Quality = u16;

// ANCHOR: choose
/// The representation to send, among `offered` (media types as
/// `type/subtype`, the server's favourite first), for a request whose
/// `Accept` is `accept`; `None` if the client accepts none of them.
///
/// No `Accept` at all means any type will do (§12.5.1): the first offered.
/// Between two types of the same weight, the one the client named more
/// precisely wins (`text/html` itself over `application/*`): the client
/// took the trouble to name it. Ties that remain (both matched by `*/*`)
/// go to the earlier offered type.
///
/// ```
/// use netlessons::rest::negotiate::choose;
/// let offered = ["application/json", "text/html"];
/// assert_eq!(choose(Some("text/html,*/*;q=0.8"), &offered), Some("text/html"));
/// assert_eq!(choose(Some("*/*"), &offered), Some("application/json"));
/// assert_eq!(choose(None, &offered), Some("application/json"));
/// assert_eq!(choose(Some("image/png"), &offered), None);
/// ```
pub fn choose<'a>(accept: Option<&str>, offered: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = accept else {
        return offered.first().copied();
    };
    // (media type, (weight, specificity)) of the best offer so far.
    let mut best: Option<(&str, (Quality, u8))> = None;
    for &media_type in offered {
        let Some((specificity, q)) = weigh(accept, media_type) else {
            continue;
        };
        // Strictly greater: on a tie the earlier offer stays.
        if q > 0 && best.is_none_or(|(_, best)| (q, specificity) > best) {
            best = Some((media_type, (q, specificity)));
        }
    }
    best.map(|(media_type, _)| media_type)
}
// ANCHOR_END: choose

// ANCHOR: quality
/// The weight `accept` gives `media_type` (`type/subtype`): the weight of
/// the most specific range that matches it, or 0 if none does. Among
/// ranges equally specific, the first counts.
pub fn quality(accept: &str, media_type: &str) -> Quality {
    weigh(accept, media_type).map_or(0, |(_, q)| q)
}

/// The specificity (0 for `*/*`, 1 for `type/*`, 2 for `type/subtype`) and
/// the weight of the most specific range of `accept` that matches
/// `media_type`, if one does.
fn weigh(accept: &str, media_type: &str) -> Option<(u8, Quality)> {
    let (wanted_type, wanted_subtype) = media_type.split_once('/').unwrap_or((media_type, ""));
    // (specificity, weight) of the best match so far.
    let mut best: Option<(u8, Quality)> = None;
    for range in accept.split(',').filter_map(parse_range) {
        let specificity = match (range.type_, range.subtype) {
            ("*", "*") => 0,
            (type_, "*") if type_.eq_ignore_ascii_case(wanted_type) => 1,
            (type_, subtype)
                if type_.eq_ignore_ascii_case(wanted_type)
                    && subtype.eq_ignore_ascii_case(wanted_subtype) =>
            {
                2
            }
            _ => continue,
        };
        if best.is_none_or(|(best_specificity, _)| specificity > best_specificity) {
            best = Some((specificity, range.q));
        }
    }
    best
}
// ANCHOR_END: quality

/// One element of `Accept`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range<'a> {
    type_: &'a str,
    subtype: &'a str,
    q: Quality,
}

/// `text/html;level=1;q=0.5` as a range, or `None` if it is not one.
fn parse_range(element: &str) -> Option<Range<'_>> {
    let mut parts = element.split(';');
    let essence = parts.next()?.trim();
    let (type_, subtype) = essence.split_once('/')?;
    // `*/html` names nothing: only a whole type may have a wildcard subtype.
    if !is_token(type_.as_bytes())
        || !is_token(subtype.as_bytes())
        || (type_ == "*" && subtype != "*")
    {
        return None;
    }
    let mut q = 1000;
    for parameter in parts {
        // `parameters = *( OWS ";" OWS [ parameter ] )` (RFC 9110 §5.6.6):
        // `text/html;` and `;;` hold empty ones, which say nothing.
        if parameter.trim().is_empty() {
            continue;
        }
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
            // The weight ends the range; anything after it is an extension
            // from RFC 7231 that nobody sends.
            break;
        }
    }
    Some(Range { type_, subtype, q })
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in
/// thousandths. `0.5` is 500; `1.5`, `.5`, `0.1234` and `-1` are not qvalues.
fn parse_qvalue(text: &str) -> Option<Quality> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    // "5" is 500 thousandths, "05" 50, "005" 5: pad to three digits.
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |sum, digit| sum * 10 + Quality::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = "application/json";
    const HTML: &str = "text/html";

    #[test]
    fn qvalues_are_read_in_thousandths() {
        let table = [
            ("1", Some(1000)),
            ("1.", Some(1000)),
            ("1.000", Some(1000)),
            ("0", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.005", Some(5)),
            ("0.999", Some(999)),
            ("1.001", None),
            ("1.5", None),
            ("0.1234", None),
            (".5", None),
            ("2", None),
            ("-1", None),
            ("0.x", None),
            ("", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_qvalue(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_most_specific_matching_range_gives_the_weight() {
        // RFC 9110 §12.5.1's example of precedence, with our two types.
        let table = [
            ("text/html", HTML, 1000),
            ("text/html", JSON, 0),
            ("TEXT/HTML", HTML, 1000),
            ("text/*;q=0.3, text/html;q=0.7", HTML, 700),
            ("text/html;q=0.7, text/*;q=0.3", HTML, 700),
            ("text/*;q=0.3, */*;q=0.5", HTML, 300),
            ("*/*;q=0.5", JSON, 500),
            ("text/html;q=0, */*", HTML, 0),
            ("application/json ; q=0.9", JSON, 900),
            ("text/html;level=1;q=0.2", HTML, 200),
            // Empty parameters are allowed (RFC 9110 §5.6.6), and say nothing.
            ("text/html;", HTML, 1000),
            ("text/html;;q=0.5", HTML, 500),
            ("text/html ; ; q=0.5 ;", HTML, 500),
            // Equally specific: the first counts.
            ("text/html;q=0.4, text/html;q=0.9", HTML, 400),
            // Ranges that do not parse are left out.
            ("*/html, */*;q=0.1", HTML, 100),
            ("text/html;q=2, */*;q=0.1", HTML, 100),
            ("text/html;q, */*;q=0.1", HTML, 100),
            ("text, */*;q=0.1", HTML, 100),
            ("", HTML, 0),
            (",,", HTML, 0),
        ];
        for (accept, media_type, expected) in table {
            assert_eq!(
                quality(accept, media_type),
                expected,
                "{media_type} in {accept:?}"
            );
        }
    }

    #[test]
    fn the_client_chooses_and_true_ties_go_to_the_servers_order() {
        let offered = [JSON, HTML];
        // What Chromium 156 sends to load a page or submit a form.
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,\
                        image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,\
                        application/signed-exchange;v=b3;q=0.7";
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let table = [
            (None, Some(JSON)),
            (Some("*/*"), Some(JSON)),
            (Some(chromium), Some(HTML)),
            (Some(firefox), Some(HTML)),
            (Some("application/json"), Some(JSON)),
            (Some("text/html;q=0.9, application/json;q=0.8"), Some(HTML)),
            (Some("text/html, application/json"), Some(JSON)),
            // w3m: the same weight, but text/html named and JSON only by
            // a wildcard: the page.
            (
                Some("text/html, text/*;q=0.5, image/*, application/*"),
                Some(HTML),
            ),
            (Some("application/*, text/html"), Some(HTML)),
            (Some("text/*, application/json"), Some(JSON)),
            (Some("text/*"), Some(HTML)),
            (Some("*/*, application/json;q=0"), Some(HTML)),
            (Some("image/png"), None),
            (Some("*/*;q=0"), None),
            (Some(""), None),
        ];
        for (accept, expected) in table {
            assert_eq!(choose(accept, &offered), expected, "{accept:?}");
        }
    }
}

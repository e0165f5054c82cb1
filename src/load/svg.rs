//! Charts of a run as SVG. (A stand-in with the real module's functions,
//! drawing the least that is still a picture.)

use super::histogram::Histogram;
use std::fmt::Write as _;

/// Each series' p50, p90, p99, p99.9 and max, as bars.
pub fn latency_chart(series: &[(&str, &Histogram)]) -> String {
    let mut out =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\">\n");
    for (row, (name, histogram)) in series.iter().enumerate() {
        let p99 = histogram.percentile(99.0).as_secs_f64() * 1e3;
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{}\">{}: p99 {p99:.3} ms</text>",
            20 + 20 * row,
            escape(name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Requests/s against connections.
pub fn throughput_chart(points: &[(usize, f64)], title: &str) -> String {
    let mut out =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\">\n");
    let _ = writeln!(out, "<text x=\"10\" y=\"20\">{}</text>", escape(title));
    for (row, (connections, rate)) in points.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{}\">{connections}: {rate:.1} requests/s</text>",
            40 + 20 * row
        );
    }
    out.push_str("</svg>\n");
    out
}

/// `text` with the characters XML gives a meaning escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

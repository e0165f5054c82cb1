//! Chapter 12's charts read by a real XML parser: python3's
//! `xml.dom.minidom` refuses any document that is not well-formed (an
//! unescaped `&`, a control character, a tag left open).

use super::run;
use netlessons::load::histogram::Histogram;
use netlessons::load::svg::{latency_chart, throughput_chart};
use std::time::Duration;

/// Parses `svg` and prints the root's name, its `viewBox`, how many
/// polylines and circles it holds, and the text of its `<title>`.
const PARSE: &str = r#"
import sys, xml.dom.minidom
svg = xml.dom.minidom.parse(sys.stdin).documentElement
title = svg.getElementsByTagName("title")[0].firstChild.data
print(svg.tagName, svg.getAttribute("viewBox"),
      len(svg.getElementsByTagName("polyline")),
      len(svg.getElementsByTagName("circle")), title, sep=" | ")
"#;

fn parse(svg: &str) -> String {
    String::from_utf8(run("python3", &["-c", PARSE], svg.as_bytes()).stdout).unwrap()
}

#[test]
fn python_parses_a_latency_chart_with_awkward_names() {
    let mut fast = Histogram::new();
    let mut huge = Histogram::new();
    for micros in [80, 95, 120, 4_000] {
        fast.record(Duration::from_micros(micros));
    }
    huge.record(Duration::MAX);
    let empty = Histogram::new();
    let svg = latency_chart(&[
        ("a & b <c> \"d\" 'e'", &fast),
        ("bell\u{7} escape\u{1b}[0m", &huge),
        ("empty", &empty),
    ]);
    assert_eq!(
        parse(&svg),
        "svg | 0 0 800 480 | 3 | 0 | Latency by percentile\n"
    );
}

#[test]
fn python_parses_a_throughput_chart() {
    let points = [(1, 9_800.0), (4, 31_000.0), (16, f64::NAN), (64, 48_211.3)];
    let svg = throughput_chart(&points, "HTTP & <keep-alive>");
    assert_eq!(
        parse(&svg),
        "svg | 0 0 800 480 | 1 | 4 | HTTP & <keep-alive>\n"
    );
}

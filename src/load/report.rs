//! What a run found, and its report in words.
//!
//! ```text
//! http://127.0.0.1:8080/4k.bin: 64 connections, closed loop, 10 s
//! requests: 482113
//! errors: 0
//! requests/s: 48211.3
//! p50: 1.2 ms
//! ...
//! ```
//!
//! Scripts read the report: every one has a line `requests/s: N`, a line
//! `errors: N`, and the lines `p50:`, `p90:`, `p99:`, `p99.9:` and `max:`,
//! each with a duration. The text bar chart of the histogram under them
//! is for people.

use super::histogram::{bucket_bounds, Histogram};
use super::schedule::Pacing;
use std::fmt::Write as _;
use std::time::Duration;

/// The most rows of the text bar chart: enough to see the shape of the
/// latencies (a second hump, a long tail), few enough to fit a terminal.
pub const MAX_CHART_ROWS: usize = 16;

/// How many characters the longest bar of the chart is.
pub const BAR_WIDTH: usize = 40;

/// The percentiles every report shows, with the label of their line.
pub const PERCENTILES: [(&str, f64); 4] =
    [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9)];

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// What was measured: a URL, or `tcp 127.0.0.1:7`.
    pub target: String,
    /// How many connections at once.
    pub connections: usize,
    /// Closed or open loop.
    pub pacing: Pacing,
    /// Requests answered as expected in the measured time.
    pub requests: u64,
    /// Requests that failed (refused, reset, timed out, a wrong answer),
    /// and connections that could not be opened.
    pub errors: u64,
    /// The first error seen, in words, to say what the errors were.
    pub first_error: Option<String>,
    /// How long was measured (the warm-up not included).
    pub elapsed: Duration,
    /// The latency of every request answered.
    pub latencies: Histogram,
}

impl Summary {
    /// Requests answered per second of measured time.
    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    /// Why the run measured nothing, if it did not: not one request
    /// succeeded inside the measured time. A report of zeros is not a
    /// figure, and a script must not take it for one: the command exits 1
    /// with this sentence.
    pub fn failure(&self) -> Option<String> {
        if self.requests > 0 {
            return None;
        }
        Some(match &self.first_error {
            Some(error) => format!("no request succeeded: {error}"),
            // Every request still waiting when the run ended: a silent
            // server, or a timeout longer than the run.
            None => format!(
                "no request was answered within the run's {}",
                format_duration(self.elapsed)
            ),
        })
    }

    /// The report in words: the lines of the contract, then a bar chart
    /// of the latencies.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let pacing = match self.pacing {
            Pacing::Closed => "closed loop".to_string(),
            Pacing::Open { rate } => format!("open loop at {rate} requests/s"),
        };
        let _ = writeln!(
            out,
            "{}: {}, {pacing}, {}",
            self.target,
            connections_phrase(self.connections),
            format_duration(self.elapsed)
        );
        let _ = writeln!(out, "requests: {}", self.requests);
        let _ = writeln!(out, "errors: {}", self.errors);
        if let Some(error) = &self.first_error {
            let _ = writeln!(out, "first error: {error}");
        }
        let _ = writeln!(out, "requests/s: {:.1}", self.requests_per_second());
        for (label, p) in PERCENTILES {
            let value = self.latencies.percentile(p);
            let _ = writeln!(out, "{label}: {}", format_duration(value));
        }
        let _ = writeln!(out, "max: {}", format_duration(self.latencies.max()));
        out.push_str(&bar_chart(&self.latencies));
        out
    }
}

/// `count` connections in words: "1 connection", "64 connections".
pub fn connections_phrase(count: usize) -> String {
    match count {
        1 => "1 connection".to_string(),
        _ => format!("{count} connections"),
    }
}

/// A duration as a person reads it, to two or three figures: `850 ns`,
/// `182 µs`, `3.4 ms`, `1.5 s`.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    let (value, unit) = match nanos {
        0..=999 => return format!("{nanos} ns"),
        1_000..=999_999 => (nanos as f64 / 1e3, "µs"),
        1_000_000..=999_999_999 => (nanos as f64 / 1e6, "ms"),
        _ => (nanos as f64 / 1e9, "s"),
    };
    // One decimal below 10 (3.4 ms), none above (182 µs): finer would be
    // noise, since a bucket is 3 % wide. 9.96 rounds up to 10, not 10.0.
    if value < 9.95 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// A text bar chart of the histogram: at most [`MAX_CHART_ROWS`] rows,
/// each a range of latencies, a bar and how many requests fell in it.
/// Nothing for an empty histogram.
///
/// ```text
///   98 µs - 130 µs  |########                                |   1730  17.3%
/// ```
pub fn bar_chart(histogram: &Histogram) -> String {
    let rows = chart_rows(histogram);
    let total = histogram.count();
    let tallest = rows.iter().map(|row| row.2).max().unwrap_or(0);
    let mut out = String::new();
    for (low, high, count) in rows {
        // Rounded up, so that a row with any request shows a mark.
        let width = (count as u128 * BAR_WIDTH as u128).div_ceil(tallest.max(1) as u128) as usize;
        let percent = 100.0 * count as f64 / total.max(1) as f64;
        let range = format!(
            "{} - {}",
            format_duration(Duration::from_nanos(low)),
            format_duration(Duration::from_nanos(high))
        );
        let _ = writeln!(
            out,
            "{range:>21}  |{:<BAR_WIDTH$}| {count:>8} {percent:>5.1}%",
            "#".repeat(width)
        );
    }
    out
}

/// The rows of the chart, `(lowest, highest, count)` in nanoseconds: the
/// buckets from the first that holds a value to the last, cut into at
/// most [`MAX_CHART_ROWS`] runs of as many buckets each. Since buckets
/// widen with their values, so do the rows: the tail gets as much room
/// as the bulk.
pub fn chart_rows(histogram: &Histogram) -> Vec<(u64, u64, u64)> {
    let counts = histogram.counts();
    let (Some(first), Some(last)) = (
        counts.iter().position(|&count| count > 0),
        counts.iter().rposition(|&count| count > 0),
    ) else {
        return Vec::new();
    };
    let span = last - first + 1;
    let per_row = span.div_ceil(MAX_CHART_ROWS);
    (first..=last)
        .step_by(per_row)
        .map(|start| {
            let end = (start + per_row - 1).min(last);
            let count = counts[start..=end].iter().sum();
            (bucket_bounds(start).0, bucket_bounds(end).1, count)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(latencies: Histogram) -> Summary {
        Summary {
            target: "http://127.0.0.1:8080/4k.bin".into(),
            connections: 4,
            pacing: Pacing::Closed,
            requests: latencies.count(),
            errors: 2,
            first_error: Some("connection reset".into()),
            elapsed: Duration::from_secs(2),
            latencies,
        }
    }

    /// 1000 requests: 900 of 100 µs, 90 of 1 ms, 9 of 10 ms, one of 50 ms.
    fn known() -> Histogram {
        let mut histogram = Histogram::new();
        for (count, micros) in [(900, 100), (90, 1_000), (9, 10_000), (1, 50_000)] {
            for _ in 0..count {
                histogram.record(Duration::from_micros(micros));
            }
        }
        histogram
    }

    #[test]
    fn a_run_with_no_request_answered_is_a_failure_that_says_why() {
        let mut run = summary(Histogram::new());
        run.elapsed = Duration::from_millis(500);
        run.errors = 0;
        run.first_error = None;
        assert_eq!(
            run.failure().as_deref(),
            Some("no request was answered within the run's 500 ms")
        );
        run.errors = 3;
        run.first_error = Some("refused: 404 Not Found".into());
        assert_eq!(
            run.failure().as_deref(),
            Some("no request succeeded: refused: 404 Not Found")
        );
        run.requests = 1;
        assert_eq!(run.failure(), None);
    }

    #[test]
    fn durations_read_as_a_person_would_write_them() {
        let table = [
            (Duration::from_nanos(850), "850 ns"),
            (Duration::from_nanos(1_500), "1.5 µs"),
            (Duration::from_micros(182), "182 µs"),
            (Duration::from_micros(3_400), "3.4 ms"),
            (Duration::from_micros(9_990), "10 ms"),
            (Duration::from_millis(250), "250 ms"),
            (Duration::from_millis(1_500), "1.5 s"),
            (Duration::from_secs(12), "12 s"),
        ];
        for (duration, expected) in table {
            assert_eq!(format_duration(duration), expected, "{duration:?}");
        }
    }

    #[test]
    fn the_report_has_every_line_scripts_read() {
        let report = summary(known()).report();
        let lines: Vec<&str> = report.lines().collect();
        let expected = [
            "http://127.0.0.1:8080/4k.bin: 4 connections, closed loop, 2.0 s",
            "requests: 1000",
            "errors: 2",
            "first error: connection reset",
            "requests/s: 500.0",
            // The top of each value's bucket (3 % wide at most).
            "p50: 100 µs",
            "p90: 100 µs",
            "p99: 1.0 ms",
            "p99.9: 10 ms",
            "max: 50 ms",
        ];
        assert_eq!(lines[..expected.len()], expected, "{report}");
    }

    #[test]
    fn the_chart_shows_the_bulk_and_the_tail() {
        let chart = bar_chart(&known());
        let rows: Vec<&str> = chart.lines().collect();
        assert!(rows.len() <= MAX_CHART_ROWS, "{chart}");
        // The first row holds the 900, with the longest bar; the last the
        // one slow request, with a mark still.
        let full = format!("|{}|", "#".repeat(BAR_WIDTH));
        assert!(
            rows[0].contains(&full) && rows[0].contains("900  90.0%"),
            "{chart}"
        );
        let last = rows.last().unwrap();
        assert!(last.contains("|#") && last.ends_with("1   0.1%"), "{chart}");
        assert!(last.contains("50 ms"), "{chart}");
        let total: u64 = chart_rows(&known()).iter().map(|row| row.2).sum();
        assert_eq!(total, 1000);
    }

    #[test]
    fn an_empty_run_reports_zeros_and_no_chart() {
        let mut empty = summary(Histogram::new());
        empty.elapsed = Duration::ZERO;
        let report = empty.report();
        assert!(report.contains("requests/s: 0.0\n"), "{report}");
        assert!(report.contains("p99: 0 ns\n"), "{report}");
        assert!(report.ends_with("max: 0 ns\n"), "{report}");
    }

    #[test]
    fn an_open_loop_says_its_rate() {
        let mut open = summary(known());
        open.pacing = Pacing::Open { rate: 2000.0 };
        assert!(open.report().starts_with(
            "http://127.0.0.1:8080/4k.bin: 4 connections, open loop at 2000 requests/s, 2.0 s\n"
        ));
    }

    #[test]
    fn one_connection_is_said_in_the_singular() {
        let mut one = summary(known());
        one.connections = 1;
        assert!(one
            .report()
            .starts_with("http://127.0.0.1:8080/4k.bin: 1 connection, closed loop, 2.0 s\n"));
        assert_eq!(connections_phrase(1), "1 connection");
        assert_eq!(connections_phrase(64), "64 connections");
    }
}

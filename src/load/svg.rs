//! Charts of a run, as SVG text: the latency by percentile, and the
//! requests per second against the number of connections.
//!
//! # What a percentile spectrum shows
//!
//! A mean is one number for a whole run, and it hides the requests a user
//! remembers. Take 990 answers in 1 ms and 10 in 500 ms: the mean is 6 ms,
//! which no request took, and nothing in it says that one user in a hundred
//! waited half a second. A page that makes 100 requests meets one of the
//! slow ones on nearly two loads in three (1 - 0.99^100 = 63 %).
//!
//! The *percentile spectrum* draws every percentile at once: for each `p`,
//! the latency that `p` % of the requests stayed at or under. The x axis is
//! not linear in `p`, since what matters is the tail: each step of the
//! axis is ten times fewer requests (90 %, 99 %, 99.9 %, 99.99 %), that is
//! `log10(1 / (1 - p))`, as HdrHistogram's plots draw it. A flat line is a
//! server that treats every request alike; a line that rises at 99 % is a
//! server where one request in a hundred waits (on a lock, a full queue, a
//! collector, a disk), and the chart shows how far to the right that begins
//! and how high it climbs. Two runs drawn together (closed loop against
//! open loop, 16 connections against 64) show where they part.
//!
//! ```text
//!  latency
//!     |                                   _/   the tail: 1 in 1000
//!     |                               __/
//!     |___________________________----         the bulk: the median
//!     +-------+-------+-------+-------+----
//!     0      50      90      99     99.9   percentile (%)
//! ```
//!
//! # The text
//!
//! The functions here are pure: they take figures and return the text of
//! an SVG 1.1 document (a `viewBox`, a width and height, one `<polyline>`
//! per series, text in a sans-serif font), and write no file. The same
//! figures give the same bytes. A name given by the user is escaped (`&`,
//! `<`, `>`, quotes) and characters XML cannot hold are replaced, and no
//! coordinate is ever `NaN` or infinite: an empty histogram, a single point,
//! zeros and values near `u64::MAX` all give a chart a browser opens.

use super::histogram::Histogram;
use std::fmt::Write;

/// The width of a chart, in SVG user units (pixels at 100 %).
const WIDTH: f64 = 800.0;
/// The height of a chart.
const HEIGHT: f64 = 480.0;
/// Room left of the plot for the latency labels and the axis title.
const LEFT: f64 = 90.0;
/// Room right of the plot, so that the last x label is not cut.
const RIGHT: f64 = 40.0;
/// Room above the plot for the title.
const TOP: f64 = 50.0;
/// Room below the plot for the x labels and the axis title.
const BOTTOM: f64 = 60.0;
/// The plot's width.
const PLOT_WIDTH: f64 = WIDTH - LEFT - RIGHT;
/// The plot's height.
const PLOT_HEIGHT: f64 = HEIGHT - TOP - BOTTOM;

/// How far the percentile axis reaches, in powers of ten: 5 is 99.999 %,
/// where the maximum is drawn. Beyond the 99.99th percentile a run of a
/// million requests has fewer than 100 values, so the axis stops there and
/// the last point is the maximum itself.
const DECADES: f64 = 5.0;

/// Points per power of ten along the percentile axis: 20 (a point every
/// 4 pixels) draws the steps of a histogram's buckets smoothly enough.
const POINTS_PER_DECADE: u32 = 20;

/// The percentile ticks: the median, then one nine more at each step.
const PERCENTILE_TICKS: &[(f64, &str)] = &[
    (0.0, "0"),
    (50.0, "50"),
    (90.0, "90"),
    (99.0, "99"),
    (99.9, "99.9"),
    (99.99, "99.99"),
    (100.0, "100"),
];

/// The room an x axis label takes (four digits at 14 units): a label of
/// connections closer than this to the last one is left out.
const TICK_LABEL_WIDTH: f64 = 30.0;

/// The room a figure above a point takes (six digits at 12 units, one
/// line high): a figure closer than this to the last one is left out, and
/// its point drawn alone.
const FIGURE_WIDTH: f64 = 42.0;
/// See [`FIGURE_WIDTH`].
const FIGURE_HEIGHT: f64 = 16.0;

/// Legend rows drawn at most: 16 fit in the plot's height; more series
/// are summed up in one last row ("and 3 more").
const MAX_LEGEND_ROWS: usize = 16;

/// Characters of a name kept in a legend or a title: a longer name is cut,
/// so that the legend stays inside the chart.
const MAX_NAME_CHARS: usize = 60;

/// Series colours, told apart also by readers with the commonest colour
/// blindness (the Okabe-Ito palette's darker half, then some).
const COLOURS: &[&str] = &[
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999",
];

/// The largest value an axis is scaled to. Figures above it (or infinite)
/// are drawn at the top: a tick of 1e300 still has room to be multiplied
/// by the few steps of an axis without becoming infinite.
const MAX_AXIS_VALUE: f64 = 1e300;

// ANCHOR: nice_ticks
/// Round ticks for an axis from 0 to at least `max`: 0, then steps of 1, 2
/// or 5 times a power of ten, three to five of them, the last at or above
/// `max`. `max` of 0, below 0 or not a number gives `[0, 1]`.
///
/// ```
/// use netlessons::load::svg::nice_ticks;
/// assert_eq!(nice_ticks(7.0), [0.0, 2.0, 4.0, 6.0, 8.0]);
/// assert_eq!(nice_ticks(1.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
/// ```
pub fn nice_ticks(max: f64) -> Vec<f64> {
    // Nothing to scale to: an axis from 0 to 1.
    let max = axis_value(max);
    let max = if max == 0.0 { 1.0 } else { max };
    let (mantissa, exponent) = nice_step(max);
    let mut ticks = vec![0.0];
    // Five steps reach `max` (the step is at least a fifth of it); the
    // bound of ten is there for a rounding error, not for any input.
    for i in 1u32..=10 {
        // i * mantissa is exact, and scaling it by a power of ten rounds
        // once: 3.0 * 0.2 would give 0.6000000000000001.
        let tick = scaled(f64::from(i) * mantissa, exponent);
        ticks.push(tick);
        if tick >= max {
            break;
        }
    }
    ticks
}
// ANCHOR_END: nice_ticks

/// The step of [`nice_ticks`]: 1, 2 or 5, and the power of ten it is
/// multiplied by, for a `max` above 0: at most five steps reach it, and at
/// least three.
fn nice_step(max: f64) -> (f64, i32) {
    let raw = max / 5.0;
    let mut exponent = raw.log10().floor() as i32;
    // log10 can be a hair off at a power of ten: take the exponent down one
    // if the power it names is above the raw step.
    if scaled(1.0, exponent) > raw {
        exponent -= 1;
    }
    for mantissa in [1.0, 2.0, 5.0] {
        if scaled(mantissa, exponent) >= raw {
            return (mantissa, exponent);
        }
    }
    (1.0, exponent + 1)
}

/// `value * 10^exponent`, rounded once: the nearest f64 to the decimal
/// number, as Rust reads `6e-1`. (`10f64.powi(299)` multiplies 299 times
/// and is off by a few units in the last place, so ticks near the top of
/// the range would not be round.)
fn scaled(value: f64, exponent: i32) -> f64 {
    // `value` is a whole number and Display writes it as digits alone, so
    // the text is always a valid float: the 0 is never taken.
    format!("{value}e{exponent}").parse().unwrap_or(0.0)
}

/// A figure made safe to scale an axis to: 0 for `NaN` and negatives,
/// [`MAX_AXIS_VALUE`] for infinity and above.
fn axis_value(value: f64) -> f64 {
    if value.is_nan() || value <= 0.0 {
        0.0
    } else {
        value.min(MAX_AXIS_VALUE)
    }
}

/// How many decimals the labels of ticks `step` apart need: none for a
/// step of 1 or more, one for 0.2, two for 0.05.
fn decimals(step: f64) -> usize {
    if step >= 1.0 || step <= 0.0 {
        return 0;
    }
    // The epsilon keeps log10(0.01) = -1.9999999999999996 at 2.
    ((-step.log10()) - 1e-9).ceil().clamp(0.0, 17.0) as usize
}

/// A number as a label: `decimals` places, or scientific notation for one
/// too long to read (above 10^15).
fn number_label(value: f64, decimals: usize) -> String {
    if value.abs() >= 1e15 {
        format!("{value:e}")
    } else {
        format!("{value:.decimals$}")
    }
}

// ANCHOR: latency_chart
/// A percentile spectrum of one or more runs: the latency (y, from 0) that
/// each percentile (x, `log10(1 / (1 - p))`) of the requests stayed under,
/// one line per `(name, histogram)` with the name in the legend. The unit
/// of the y axis (µs, ms or s) follows the largest latency.
pub fn latency_chart(series: &[(&str, &Histogram)]) -> String {
    let largest = series
        .iter()
        .map(|(_, histogram)| histogram.max().as_nanos() as f64)
        .fold(0.0, f64::max);
    let (unit, nanos_per_unit) = time_unit(largest);
    let ticks = nice_ticks(largest / nanos_per_unit);
    let top = ticks[ticks.len() - 1] * nanos_per_unit;
    let y_of = |nanos: f64| y_position(nanos / top);

    let mut chart = Chart::new("Latency by percentile");
    chart.y_axis(&ticks, &format!("latency ({unit})"));
    for &(p, label) in PERCENTILE_TICKS {
        chart.x_tick(percentile_x(p), label);
    }
    chart.x_title("percentile (%), each step ten times fewer requests");
    if series.is_empty() {
        chart.no_data();
    }
    let mut legend = Vec::new();
    for (index, (name, histogram)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let points: Vec<(f64, f64)> = spectrum(histogram)
            .into_iter()
            .map(|(p, nanos)| (percentile_x(p), y_of(nanos)))
            .collect();
        chart.polyline(&points, colour);
        legend.push((describe(name, histogram), colour));
    }
    chart.legend(&legend);
    chart.finish()
}
// ANCHOR_END: latency_chart

/// The points of a spectrum: `(percentile, latency in ns)`, from p0 (the
/// fastest) along the log axis to p100 (the slowest).
fn spectrum(histogram: &Histogram) -> Vec<(f64, f64)> {
    let last = DECADES as u32 * POINTS_PER_DECADE;
    (0..=last)
        .map(|i| {
            let p = if i == last {
                100.0
            } else {
                let decades = f64::from(i) / f64::from(POINTS_PER_DECADE);
                100.0 * (1.0 - 10f64.powf(-decades))
            };
            (p, histogram.percentile(p).as_nanos() as f64)
        })
        .collect()
}

/// A series' legend text: its name and how many requests it holds.
fn describe(name: &str, histogram: &Histogram) -> String {
    let count = histogram.count();
    let noun = if count == 1 { "request" } else { "requests" };
    format!("{} ({count} {noun})", cut(name))
}

/// The unit latencies up to `largest_nanos` read best in, and its size.
fn time_unit(largest_nanos: f64) -> (&'static str, f64) {
    if largest_nanos < 1e6 {
        ("µs", 1e3)
    } else if largest_nanos < 1e9 {
        ("ms", 1e6)
    } else {
        ("s", 1e9)
    }
}

/// Where percentile `p` lies across the plot, from 0 (p0) to 1 (p100 and
/// everything past [`DECADES`] nines).
fn percentile_x(p: f64) -> f64 {
    let remaining = 1.0 - p.clamp(0.0, 100.0) / 100.0;
    if remaining <= 10f64.powf(-DECADES) {
        return 1.0;
    }
    (-remaining.log10() / DECADES).clamp(0.0, 1.0)
}

/// Where a fraction of the y axis lies, 0 at the bottom and 1 at the top;
/// anything not between (or not a number) is drawn at the nearer edge.
fn y_position(fraction: f64) -> f64 {
    if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    }
}

// ANCHOR: throughput_chart
/// Requests per second (y, from 0) against connections (x), one point per
/// `(connections, requests/s)` joined by a line and labelled with its
/// figure, under `title`. The x axis is a log2 scale when the connections
/// span more than 8 times (1, 4, 16, 64 are then evenly spaced), linear
/// otherwise.
pub fn throughput_chart(points: &[(usize, f64)], title: &str) -> String {
    let mut points: Vec<(usize, f64)> = points
        .iter()
        .map(|&(connections, rate)| (connections, axis_value(rate)))
        .collect();
    // Sorted by connections, so the line runs left to right; a stable sort
    // keeps the order of equal counts, and so the output, as given.
    points.sort_by_key(|&(connections, _)| connections);

    let fewest = points.first().map_or(1, |&(connections, _)| connections);
    let most = points.last().map_or(1, |&(connections, _)| connections);
    let log = fewest >= 1 && most / fewest > 8;
    let position = |connections: usize| -> f64 {
        let scale = |c: usize| if log { (c as f64).log2() } else { c as f64 };
        let span = scale(most) - scale(fewest);
        if span > 0.0 {
            (scale(connections) - scale(fewest)) / span
        } else {
            0.5
        }
    };
    // The points keep 4 % of the width from each edge of the plot, so a
    // point and its label are not drawn on the axis.
    let x_of = |connections: usize| 0.04 + 0.92 * position(connections);

    let largest = points.iter().map(|&(_, rate)| rate).fold(0.0, f64::max);
    let ticks = nice_ticks(largest);
    let top = ticks[ticks.len() - 1];

    let mut chart = Chart::new(title);
    chart.y_axis(&ticks, "requests/s");
    let mut last_label: Option<f64> = None;
    for &(connections, _) in &points {
        let x = x_of(connections);
        // A label closer than that to the last one would overlap it.
        if last_label.is_some_and(|last| (x - last) * PLOT_WIDTH < TICK_LABEL_WIDTH) {
            continue;
        }
        chart.x_tick(x, &connections.to_string());
        last_label = Some(x);
    }
    let scale = if log { " (log2 scale)" } else { "" };
    chart.x_title(&format!("connections{scale}"));
    if points.is_empty() {
        chart.no_data();
    }
    let colour = COLOURS[0];
    let at: Vec<(f64, f64)> = points
        .iter()
        .map(|&(connections, rate)| (x_of(connections), y_position(rate / top)))
        .collect();
    chart.polyline(&at, colour);
    let mut last_figure: Option<(f64, f64)> = None;
    for (&(x, y), &(_, rate)) in at.iter().zip(&points) {
        // A figure is written where it does not overlap the last one.
        let overlaps = last_figure.is_some_and(|(last_x, last_y)| {
            (x - last_x).abs() * PLOT_WIDTH < FIGURE_WIDTH
                && (y - last_y).abs() * PLOT_HEIGHT < FIGURE_HEIGHT
        });
        let figure = number_label(rate.round(), 0);
        chart.point(x, y, colour, (!overlaps).then_some(figure.as_str()));
        if !overlaps {
            last_figure = Some((x, y));
        }
    }
    chart.finish()
}
// ANCHOR_END: throughput_chart

/// `name` cut to [`MAX_NAME_CHARS`] characters (an ellipsis says so).
fn cut(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(MAX_NAME_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `text` made safe inside an XML element or attribute: the five
/// characters with a meaning escaped, and control characters, which XML
/// 1.0 cannot hold at all (not even escaped), replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let printable: String = text
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect();
    // The five characters with a meaning are escaped as for HTML, whose
    // escapes XML reads the same.
    crate::http::index::html_escape(&printable)
}

/// A coordinate as SVG text: one decimal, and 0 for anything not finite
/// (which the callers never pass: this is the last guard, not the rule).
fn coordinate(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1}")
    } else {
        "0.0".to_string()
    }
}

/// An SVG document being written: the frame, axes and text shared by both
/// charts. Positions given to its methods are fractions of the plot (0 to
/// 1 across and up), turned into user units here.
struct Chart {
    out: String,
}

impl Chart {
    /// The document's opening, a white background and the title.
    fn new(title: &str) -> Chart {
        let mut chart = Chart { out: String::new() };
        let title = escape(&cut(title));
        chart.push(format_args!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
             width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"14\">\n\
             <title>{title}</title>\n\
             <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n\
             <text x=\"{}\" y=\"30\" text-anchor=\"middle\" font-size=\"18\">{title}</text>\n",
            LEFT + PLOT_WIDTH / 2.0
        ));
        chart
    }

    /// Appends formatted text. Writing to a String cannot fail.
    fn push(&mut self, text: std::fmt::Arguments<'_>) {
        let _ = self.out.write_fmt(text);
    }

    /// The x coordinate of a fraction across the plot.
    fn x(fraction: f64) -> String {
        coordinate(LEFT + fraction * PLOT_WIDTH)
    }

    /// The y coordinate of a fraction up the plot.
    fn y(fraction: f64) -> String {
        coordinate(TOP + (1.0 - fraction) * PLOT_HEIGHT)
    }

    /// The y axis: a grid line and a label at each tick (the last tick is
    /// the top of the plot), and the axis title written upwards. The axis
    /// line itself is drawn by [`Chart::x_title`], over the grid.
    fn y_axis(&mut self, ticks: &[f64], title: &str) {
        let top = ticks[ticks.len() - 1];
        let places = decimals(ticks.get(1).copied().unwrap_or(1.0));
        for &tick in ticks {
            let y = Chart::y(tick / top);
            let label = number_label(tick, places);
            self.push(format_args!(
                "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#dddddd\"/>\n\
                 <text x=\"{}\" y=\"{y}\" dy=\"5\" text-anchor=\"end\">{label}</text>\n",
                LEFT + PLOT_WIDTH,
                LEFT - 8.0
            ));
        }
        let middle = TOP + PLOT_HEIGHT / 2.0;
        self.push(format_args!(
            "<text x=\"22\" y=\"{middle}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 22 {middle})\">{}</text>\n",
            escape(title)
        ));
    }

    /// A tick on the x axis at `fraction` across, with its label below.
    fn x_tick(&mut self, fraction: f64, label: &str) {
        let x = Chart::x(fraction);
        let bottom = TOP + PLOT_HEIGHT;
        self.push(format_args!(
            "<line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"#eeeeee\"/>\n\
             <line x1=\"{x}\" y1=\"{bottom}\" x2=\"{x}\" y2=\"{}\" stroke=\"black\"/>\n\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            bottom + 5.0,
            bottom + 22.0,
            escape(label)
        ));
    }

    /// Both axis lines, drawn after every grid line so that none covers
    /// them, and the x axis title under the labels.
    fn x_title(&mut self, title: &str) {
        let bottom = TOP + PLOT_HEIGHT;
        self.push(format_args!(
            "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
             <line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            LEFT + PLOT_WIDTH,
            LEFT + PLOT_WIDTH / 2.0,
            bottom + 48.0,
            escape(title)
        ));
    }

    /// "no data", in the middle of an empty plot.
    fn no_data(&mut self) {
        self.push(format_args!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#777777\">no data</text>\n",
            Chart::x(0.5),
            Chart::y(0.5)
        ));
    }

    /// A line through `points` (fractions across and up).
    fn polyline(&mut self, points: &[(f64, f64)], colour: &str) {
        if points.is_empty() {
            return;
        }
        let mut list = String::new();
        for (i, &(x, y)) in points.iter().enumerate() {
            let gap = if i == 0 { "" } else { " " };
            let _ = write!(list, "{gap}{},{}", Chart::x(x), Chart::y(y));
        }
        self.push(format_args!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" \
             stroke-linejoin=\"round\" points=\"{list}\"/>\n"
        ));
    }

    /// A dot at a point, with `label` (if any) above it.
    fn point(&mut self, x: f64, y: f64, colour: &str, label: Option<&str>) {
        let (cx, cy) = (Chart::x(x), Chart::y(y));
        self.push(format_args!(
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"4\" fill=\"{colour}\"/>\n"
        ));
        if let Some(label) = label {
            self.push(format_args!(
                "<text x=\"{cx}\" y=\"{cy}\" dy=\"-10\" text-anchor=\"middle\" \
                 font-size=\"12\">{}</text>\n",
                escape(label)
            ));
        }
    }

    /// A box in the plot's top left corner naming each line's colour.
    fn legend(&mut self, entries: &[(String, &str)]) {
        if entries.is_empty() {
            return;
        }
        let shown = if entries.len() > MAX_LEGEND_ROWS {
            &entries[..MAX_LEGEND_ROWS - 1]
        } else {
            entries
        };
        let more = entries.len() - shown.len();
        let rows = shown.len() + usize::from(more > 0);
        let longest = shown
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        // A character of a 13-unit sans-serif font is about 6.8 units
        // wide on average; 7 leaves room for a wider font.
        let width = 48.0 + 7.0 * longest.max(12) as f64;
        let (left, top) = (LEFT + 12.0, TOP + 10.0);
        self.push(format_args!(
            "<rect x=\"{left}\" y=\"{top}\" width=\"{width}\" height=\"{}\" \
             fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbbbbb\"/>\n",
            10.0 + 20.0 * rows as f64
        ));
        for (row, (name, colour)) in shown.iter().enumerate() {
            let y = top + 20.0 + 20.0 * row as f64;
            self.push(format_args!(
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" \
                 stroke-width=\"3\"/>\n\
                 <text x=\"{}\" y=\"{y}\" font-size=\"13\">{}</text>\n",
                left + 8.0,
                y - 5.0,
                left + 32.0,
                y - 5.0,
                left + 40.0,
                escape(name)
            ));
        }
        if more > 0 {
            self.push(format_args!(
                "<text x=\"{}\" y=\"{}\" font-size=\"13\">and {more} more</text>\n",
                left + 40.0,
                top + 20.0 + 20.0 * shown.len() as f64
            ));
        }
    }

    /// The closing tag, and the text.
    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A histogram of `values` in microseconds.
    fn micros(values: &[u64]) -> Histogram {
        let mut histogram = Histogram::new();
        for &value in values {
            histogram.record(Duration::from_micros(value));
        }
        histogram
    }

    /// Every number in the chart's attributes and text is finite.
    fn assert_finite(svg: &str) {
        for bad in ["NaN", "inf", "Infinity"] {
            assert!(!svg.contains(bad), "{bad} in:\n{svg}");
        }
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    #[test]
    fn nice_ticks_are_round_and_reach_the_maximum() {
        let cases: &[(f64, &[f64])] = &[
            (1.0, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            (7.0, &[0.0, 2.0, 4.0, 6.0, 8.0]),
            (10.0, &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
            (11.0, &[0.0, 5.0, 10.0, 15.0]),
            (
                48_211.3,
                &[0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0],
            ),
            (0.37, &[0.0, 0.1, 0.2, 0.3, 0.4]),
            (0.003, &[0.0, 0.001, 0.002, 0.003]),
            (1e9, &[0.0, 2e8, 4e8, 6e8, 8e8, 1e9]),
            // Nothing to scale to: one step of 0.2... up to 1.
            (0.0, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            (-5.0, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            (f64::NAN, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            // Too large to scale: the axis stops at 1e300.
            (f64::INFINITY, &[0.0, 2e299, 4e299, 6e299, 8e299, 1e300]),
            (f64::MAX, &[0.0, 2e299, 4e299, 6e299, 8e299, 1e300]),
        ];
        for &(max, expected) in cases {
            assert_eq!(nice_ticks(max), expected, "nice_ticks({max})");
        }
    }

    #[test]
    fn nice_ticks_take_three_to_five_steps_for_any_maximum() {
        let mut max = 1e-6;
        while max < 1e18 {
            let ticks = nice_ticks(max);
            let last = ticks[ticks.len() - 1];
            assert!(last >= max, "{max}: {ticks:?}");
            assert!((4..=6).contains(&ticks.len()), "{max}: {ticks:?}");
            max *= 1.37;
        }
    }

    #[test]
    fn a_latency_chart_is_an_svg_with_one_polyline_per_series() {
        let fast = micros(&[100, 120, 130, 150, 900]);
        let slow = micros(&[300, 400, 2000, 2500]);
        let svg = latency_chart(&[("closed loop", &fast), ("open loop", &slow)]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("viewBox=\"0 0 800 480\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(count(&svg, "<polyline"), 2);
        assert!(svg.contains(">closed loop (5 requests)</text>"));
        assert!(svg.contains(">open loop (4 requests)</text>"));
        assert_finite(&svg);
    }

    #[test]
    fn the_percentile_axis_is_labelled_with_its_nines() {
        let svg = latency_chart(&[("run", &micros(&[10, 20, 30]))]);
        for label in ["50", "90", "99", "99.9", "99.99", "100"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        assert!(svg.contains(">percentile (%), each step ten times fewer requests</text>"));
    }

    #[test]
    fn the_latency_unit_follows_the_largest_value() {
        let cases: &[(u64, &str, &str)] = &[
            (800, "latency (µs)", ">800</text>"),
            (3_200, "latency (ms)", ">4</text>"),
            (2_500_000, "latency (s)", ">2.5</text>"),
        ];
        for &(max_micros, unit, top_label) in cases {
            let svg = latency_chart(&[("run", &micros(&[1, max_micros]))]);
            assert!(svg.contains(unit), "{max_micros} µs: {unit}");
            assert!(svg.contains(top_label), "{max_micros} µs: {top_label}");
        }
    }

    #[test]
    fn legend_names_and_the_title_are_escaped() {
        let run = micros(&[5]);
        let svg = latency_chart(&[("<a & \"b\" 'c'>", &run)]);
        assert!(svg.contains("&lt;a &amp; &quot;b&quot; &#39;c&#39;&gt; (1 request)"));
        assert!(!svg.contains("<a "));
        let svg = throughput_chart(&[(1, 10.0)], "nginx & <us>");
        assert!(svg.contains("<title>nginx &amp; &lt;us&gt;</title>"));
    }

    #[test]
    fn characters_xml_cannot_hold_are_replaced() {
        assert_eq!(escape("a\u{0}b\u{1b}[1m\tc"), "a\u{fffd}b\u{fffd}[1m c");
    }

    #[test]
    fn a_long_name_is_cut() {
        let name = "x".repeat(500);
        let svg = latency_chart(&[(&name, &micros(&[5]))]);
        assert!(svg.contains(&format!("{}… (1 request)", "x".repeat(59))));
        assert!(!svg.contains(&"x".repeat(60)));
    }

    #[test]
    fn an_empty_histogram_draws_a_flat_line_at_zero() {
        let empty = Histogram::new();
        let svg = latency_chart(&[("nothing", &empty)]);
        assert_eq!(count(&svg, "<polyline"), 1);
        assert!(svg.contains(">nothing (0 requests)</text>"));
        assert!(svg.contains("latency (µs)"));
        assert_finite(&svg);
    }

    #[test]
    fn no_series_is_a_chart_that_says_no_data() {
        let svg = latency_chart(&[]);
        assert_eq!(count(&svg, "<polyline"), 0);
        assert!(svg.contains(">no data</text>"));
        assert_finite(&svg);
    }

    #[test]
    fn all_zero_latencies_are_drawn_at_zero() {
        let mut zeros = Histogram::new();
        for _ in 0..10 {
            zeros.record(Duration::ZERO);
        }
        let svg = latency_chart(&[("zeros", &zeros)]);
        // The bottom of the plot is y = 50 + 370 = 420.
        assert!(svg.contains("points=\"90.0,420.0 "));
        assert_finite(&svg);
    }

    #[test]
    fn huge_latencies_stay_finite() {
        let mut huge = Histogram::new();
        huge.record(Duration::MAX);
        huge.record_nanos(u64::MAX);
        huge.record_nanos(1);
        let svg = latency_chart(&[("stuck", &huge)]);
        assert!(svg.contains("latency (s)"));
        assert!(svg.contains(">20000000000</text>"));
        assert_finite(&svg);
    }

    #[test]
    fn the_axes_are_drawn_over_the_grid() {
        // The grid line of the "0" tick lies on the y axis: drawn after
        // it, it greys the axis out.
        let svg = latency_chart(&[("run", &micros(&[5]))]);
        let y_axis = svg
            .find("<line x1=\"90\" y1=\"50\" x2=\"90\" y2=\"420\" stroke=\"black\"/>")
            .expect("the y axis");
        let last_grid = svg.rfind("stroke=\"#eeeeee\"").expect("a grid line");
        assert!(y_axis > last_grid, "the y axis is under the grid");
    }

    #[test]
    fn the_maximum_is_the_last_point_at_the_right_edge() {
        let svg = latency_chart(&[("run", &micros(&[100, 100, 100, 1000]))]);
        // p100 = 1000 µs, the top tick: x = 90 + 670, y = 50.
        assert!(svg.contains(" 760.0,50.0\"/>"), "{svg}");
    }

    #[test]
    fn the_same_figures_give_the_same_bytes() {
        let run = micros(&[1, 2, 3, 50, 700]);
        let series = [("a", &run), ("b", &run)];
        assert_eq!(latency_chart(&series), latency_chart(&series));
        let points = [(64, 1000.5), (1, 10.0), (16, 300.0)];
        assert_eq!(
            throughput_chart(&points, "t"),
            throughput_chart(&points, "t")
        );
    }

    #[test]
    fn a_throughput_chart_joins_its_points_in_order_of_connections() {
        let svg = throughput_chart(&[(16, 30_000.0), (1, 4_000.0), (4, 15_000.0)], "http");
        assert!(svg.starts_with("<svg "));
        assert_eq!(count(&svg, "<polyline"), 1);
        assert_eq!(count(&svg, "<circle"), 3);
        for label in [
            ">1</text>",
            ">4</text>",
            ">16</text>",
            ">30000</text>",
            ">4000</text>",
        ] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(svg.contains(">connections (log2 scale)</text>"));
        assert!(svg.contains(">requests/s</text>"));
        // Left to right: 1, 4 and 16 connections evenly spaced on log2.
        assert!(
            svg.contains("points=\"116.8,370.7 425.0,235.0 733.2,50.0\""),
            "{svg}"
        );
    }

    #[test]
    fn figures_that_would_overlap_are_left_out() {
        // 40 points in 670 px: each one is drawn, but a figure above a
        // point only where it has room.
        let points: Vec<(usize, f64)> = (1..=40).map(|c| (c * 3, 1000.0 + c as f64)).collect();
        let svg = throughput_chart(&points, "dense");
        assert_eq!(count(&svg, "<circle"), 40);
        let figures = count(&svg, "font-size=\"12\"");
        assert!((2..40).contains(&figures), "{figures} figures");
        assert!(
            svg.contains(">1003</text>"),
            "the first point has its figure"
        );
    }

    #[test]
    fn connections_within_eight_times_are_on_a_linear_scale() {
        let svg = throughput_chart(&[(1, 1.0), (2, 2.0), (8, 3.0)], "t");
        assert!(svg.contains(">connections</text>"));
        assert!(!svg.contains("log2"));
    }

    #[test]
    fn one_point_is_drawn_in_the_middle() {
        let svg = throughput_chart(&[(64, 48_211.3)], "one");
        assert_eq!(count(&svg, "<circle"), 1);
        assert!(svg.contains("<circle cx=\"425.0\""), "{svg}");
        assert!(svg.contains(">48211</text>"));
        assert_finite(&svg);
    }

    #[test]
    fn no_points_is_a_chart_that_says_no_data() {
        let svg = throughput_chart(&[], "none");
        assert!(svg.contains(">no data</text>"));
        assert_eq!(count(&svg, "<circle"), 0);
        assert_finite(&svg);
    }

    #[test]
    fn zero_and_broken_rates_stay_finite() {
        let points = [
            (0, 0.0),
            (1, f64::NAN),
            (2, -3.0),
            (4, f64::INFINITY),
            (usize::MAX, f64::MAX),
        ];
        let svg = throughput_chart(&points, "broken");
        assert_eq!(count(&svg, "<circle"), 5);
        assert_finite(&svg);
        let svg = throughput_chart(&[(0, 0.0), (0, 0.0)], "zeros");
        assert_finite(&svg);
    }
}

//! A latency histogram: millions of timings in a few kilobytes, and their
//! percentiles.
//!
//! A load generator times every request. Keeping each timing would cost
//! memory in proportion to the run (a million requests, 8 MB), and sorting
//! them at the end would take a while; what one wants to know is a few
//! percentiles (p50, p99, p99.9) and the maximum. So timings are counted in
//! *buckets* instead, and a percentile is read off the counts.
//!
//! The buckets are narrow for small values and wide for large ones, so that
//! every value is known to within the same *relative* error. Each power of
//! two is cut into [`SUB_BUCKETS`] equal parts (values below
//! `2 * SUB_BUCKETS` nanoseconds each have a bucket of their own):
//!
//! ```text
//!  bucket      values (ns)        width
//!  0..=63      0..=63             1
//!  64..=95     64..=127           2     (64-65, 66-67, ... 126-127)
//!  96..=127    128..=255          4
//!  128..=159   256..=511          8
//!  ...
//!  1888..=1919 2^63..=2^64-1      2^58
//! ```
//!
//! A bucket is at most 1/32 of its lowest value wide, so a reported
//! percentile is at most about 3 % above the true one, and never below it:
//! a percentile is reported as the *top* of its bucket (a latency is a
//! promise, "99 % of requests took at most this"), but never above the
//! largest value recorded. 1920 counters of 8 bytes cover every `u64` of
//! nanoseconds, 584 years; one histogram is 15 KiB, one per connection
//! costs nothing, and histograms merge by adding their counts.
//!
//! This is the idea of HdrHistogram (Gil Tene), cut down to what a course
//! needs.

use std::time::Duration;

/// How many buckets each power of two is cut into: 32, for a relative
/// error under 1/32 (3.1 %), which is finer than the noise of any run on a
/// shared machine, with few enough buckets to print.
pub const SUB_BUCKETS: u64 = 32;

/// log2 of [`SUB_BUCKETS`].
const SUB_BITS: u32 = SUB_BUCKETS.trailing_zeros();

/// How many buckets cover every `u64`: 64 exact ones below 64, then 32 for
/// each of the 58 powers of two from 2^6 to 2^63.
pub const BUCKETS: usize = (2 * SUB_BUCKETS + (63 - SUB_BITS as u64) * SUB_BUCKETS) as usize;

/// Counts of nanosecond values in buckets of bounded relative width.
#[derive(Clone, PartialEq, Eq)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    count: u64,
    /// Sum of every value, for the mean; a u128 of nanoseconds cannot
    /// overflow in any run (2^64 values of 2^64 ns each).
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("min", &self.min())
            .field("max", &self.max())
            .finish()
    }
}

// ANCHOR: bucket_of
/// The bucket a value falls in.
pub fn bucket_of(value: u64) -> usize {
    if value < 2 * SUB_BUCKETS {
        return value as usize;
    }
    // The value's highest set bit is bit `top`; the bucket keeps the
    // SUB_BITS + 1 bits from there down, which lie in 32..=63.
    let top = 63 - value.leading_zeros();
    let shift = top - SUB_BITS;
    (shift as u64 * SUB_BUCKETS + (value >> shift)) as usize
}
// ANCHOR_END: bucket_of

/// The lowest and the highest value of bucket `index` (both inclusive).
///
/// # Panics
/// If `index` is not below [`BUCKETS`].
pub fn bucket_bounds(index: usize) -> (u64, u64) {
    assert!(index < BUCKETS, "bucket {index} of {BUCKETS}");
    let index = index as u64;
    if index < 2 * SUB_BUCKETS {
        return (index, index);
    }
    let shift = index / SUB_BUCKETS - 1;
    let mantissa = index % SUB_BUCKETS + SUB_BUCKETS;
    let low = mantissa << shift;
    // The top bucket's high end is u64::MAX: add the width minus one, which
    // cannot overflow, rather than compute the next bucket's start.
    (low, low + ((1u64 << shift) - 1))
}

/// Duration as whole nanoseconds, or `u64::MAX` for one too long to say so.
fn nanos(value: Duration) -> u64 {
    u64::try_from(value.as_nanos()).unwrap_or(u64::MAX)
}

// ANCHOR: rank
/// The value of rank `rank` (1 is the smallest), read off bucket counts:
/// the top of the bucket where the running total of counts first reaches
/// `rank`. `None` if there are fewer than `rank` values, or `rank` is 0.
pub fn value_at_rank(counts: &[u64], rank: u64) -> Option<u64> {
    if rank == 0 {
        return None;
    }
    let mut seen: u64 = 0;
    for (index, &count) in counts.iter().enumerate() {
        seen = seen.saturating_add(count);
        if seen >= rank {
            return Some(bucket_bounds(index).1);
        }
    }
    None
}

/// The rank of percentile `p` among `count` values: the smallest rank with
/// at least `p` % of the values at or below it (nearest-rank definition),
/// at least 1. p99 of 1000 values is rank 990; p100 is the last.
pub fn percentile_rank(p: f64, count: u64) -> u64 {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
    // f64 holds every count a run can reach exactly (up to 2^53), but not
    // every p: 99.9 % of 1000 comes out a hair above 999, so a rounding
    // error that small is not a rank more.
    let exact = p * count as f64 / 100.0;
    let rank = (exact - exact * 1e-12).ceil() as u64;
    rank.clamp(1, count.max(1))
}
// ANCHOR_END: rank

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: Box::new([0; BUCKETS]),
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Counts one value.
    pub fn record(&mut self, value: Duration) {
        self.record_nanos(nanos(value));
    }

    // ANCHOR: record
    /// Counts one value given in nanoseconds.
    pub fn record_nanos(&mut self, value: u64) {
        let bucket = &mut self.counts[bucket_of(value)];
        *bucket = bucket.saturating_add(1);
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(u128::from(value));
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Adds every count of `other` to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine = mine.saturating_add(*theirs);
        }
        self.count = self.count.saturating_add(other.count);
        self.sum = self.sum.saturating_add(other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
    // ANCHOR_END: record

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest value recorded (zero if none).
    pub fn min(&self) -> Duration {
        match self.count {
            0 => Duration::ZERO,
            _ => Duration::from_nanos(self.min),
        }
    }

    /// The largest value recorded (zero if none).
    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.max)
    }

    /// The mean of the values recorded (zero if none).
    pub fn mean(&self) -> Duration {
        match self.count {
            0 => Duration::ZERO,
            n => Duration::from_nanos(u64::try_from(self.sum / u128::from(n)).unwrap_or(u64::MAX)),
        }
    }

    /// The value that `p` % of the values are at or below (`p` from 0 to
    /// 100), to within one bucket: the top of its bucket, but never more
    /// than the largest value recorded. Zero if the histogram is empty.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = percentile_rank(p, self.count);
        let value = value_at_rank(&self.counts[..], rank).unwrap_or(self.max);
        Duration::from_nanos(value.clamp(self.min, self.max))
    }

    /// The buckets that hold values, in order: `(lowest, highest, count)`,
    /// the values in nanoseconds.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(index, &count)| {
                let (low, high) = bucket_bounds(index);
                (low, high, count)
            })
    }

    /// The bucket counts, indexed as [`bucket_of`] says.
    pub fn counts(&self) -> &[u64] {
        &self.counts[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_table_of_the_module_doc() {
        let cases: &[(u64, usize)] = &[
            (0, 0),
            (63, 63),
            (64, 64),
            (65, 64),
            (66, 65),
            (127, 95),
            (128, 96),
            (255, 127),
            (256, 128),
            (1 << 63, 1888),
            (u64::MAX, 1919),
        ];
        for &(value, bucket) in cases {
            assert_eq!(bucket_of(value), bucket, "value {value}");
        }
        assert_eq!(BUCKETS, 1920);
    }

    #[test]
    fn every_bucket_starts_where_the_last_one_ended() {
        let mut next = 0u64;
        for index in 0..BUCKETS {
            let (low, high) = bucket_bounds(index);
            assert_eq!(low, next, "bucket {index}");
            assert!(high >= low);
            assert_eq!(bucket_of(low), index);
            assert_eq!(bucket_of(high), index);
            next = high.wrapping_add(1);
        }
        assert_eq!(next, 0, "the last bucket ends at u64::MAX");
    }

    #[test]
    fn a_bucket_is_at_most_a_thirty_second_of_its_values_wide() {
        for index in 64..BUCKETS {
            let (low, high) = bucket_bounds(index);
            assert!((high - low + 1) * SUB_BUCKETS <= low, "bucket {index}");
        }
    }

    /// The nearest-rank percentile of a sorted list: what the histogram
    /// approximates.
    fn exact_percentile(sorted: &[u64], p: f64) -> u64 {
        sorted[percentile_rank(p, sorted.len() as u64) as usize - 1]
    }

    #[test]
    fn percentiles_are_within_one_bucket_of_a_sorted_list() {
        // A spread of latencies: a fast bulk, a slow tail, a few outliers.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut values = Vec::new();
        for i in 0..20_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = match i % 100 {
                0 => 5_000_000 + state % 50_000_000,
                1..=9 => 200_000 + state % 800_000,
                _ => 20_000 + state % 30_000,
            };
            values.push(value);
        }
        let mut histogram = Histogram::new();
        for &value in &values {
            histogram.record_nanos(value);
        }
        values.sort_unstable();
        for p in [0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0] {
            let exact = exact_percentile(&values, p);
            let reported = histogram.percentile(p).as_nanos() as u64;
            assert!(reported >= exact, "p{p}: {reported} < {exact}");
            assert!(
                reported - exact <= exact / SUB_BUCKETS,
                "p{p}: {reported} is more than a bucket above {exact}"
            );
        }
        assert_eq!(
            histogram.percentile(100.0).as_nanos() as u64,
            values[values.len() - 1]
        );
        assert_eq!(histogram.min().as_nanos() as u64, values[0]);
    }

    #[test]
    fn exact_values_below_sixty_four_nanoseconds() {
        let mut histogram = Histogram::new();
        for value in 1..=10 {
            histogram.record_nanos(value);
        }
        assert_eq!(histogram.percentile(50.0), Duration::from_nanos(5));
        assert_eq!(histogram.percentile(90.0), Duration::from_nanos(9));
        assert_eq!(histogram.percentile(91.0), Duration::from_nanos(10));
        assert_eq!(histogram.mean(), Duration::from_nanos(5));
    }

    #[test]
    fn a_percentile_is_never_above_the_largest_value() {
        let mut histogram = Histogram::new();
        histogram.record(Duration::from_nanos(1000)); // bucket 992..=1007
        assert_eq!(histogram.percentile(99.0), Duration::from_nanos(1000));
    }

    #[test]
    fn an_empty_histogram_reports_zero() {
        let histogram = Histogram::new();
        assert_eq!(histogram.percentile(99.0), Duration::ZERO);
        assert_eq!(histogram.min(), Duration::ZERO);
        assert_eq!(histogram.max(), Duration::ZERO);
        assert_eq!(histogram.mean(), Duration::ZERO);
        assert_eq!(histogram.buckets().count(), 0);
    }

    #[test]
    fn merged_histograms_are_one_histogram_of_both() {
        let mut all = Histogram::new();
        let mut odd = Histogram::new();
        let mut even = Histogram::new();
        for value in 0..5000u64 {
            let value = value * 997;
            all.record_nanos(value);
            if value % 2 == 0 { &mut even } else { &mut odd }.record_nanos(value);
        }
        odd.merge(&even);
        assert_eq!(odd, all);
    }

    #[test]
    fn huge_values_are_counted_not_lost() {
        let mut histogram = Histogram::new();
        histogram.record(Duration::MAX);
        histogram.record_nanos(u64::MAX);
        assert_eq!(histogram.count(), 2);
        assert_eq!(histogram.max(), Duration::from_nanos(u64::MAX));
        assert_eq!(histogram.percentile(50.0), Duration::from_nanos(u64::MAX));
    }

    #[test]
    fn percentile_ranks_follow_the_nearest_rank_rule() {
        let cases: &[(f64, u64, u64)] = &[
            (50.0, 10, 5),
            (99.0, 1000, 990),
            (99.9, 1000, 999),
            (100.0, 7, 7),
            (0.0, 7, 1),
            (150.0, 7, 7),
            (-3.0, 7, 1),
            (f64::NAN, 7, 1),
            (50.0, 0, 1),
        ];
        for &(p, count, rank) in cases {
            assert_eq!(percentile_rank(p, count), rank, "p{p} of {count}");
        }
    }

    #[test]
    fn the_value_at_a_rank_is_the_top_of_its_bucket() {
        let mut counts = vec![0u64; BUCKETS];
        counts[bucket_of(100)] = 3; // bucket 100..=101
        counts[bucket_of(5000)] = 1; // bucket 4992..=5119
        assert_eq!(value_at_rank(&counts, 1), Some(101));
        assert_eq!(value_at_rank(&counts, 3), Some(101));
        assert_eq!(value_at_rank(&counts, 4), Some(5119));
        assert_eq!(value_at_rank(&counts, 5), None);
        assert_eq!(value_at_rank(&counts, 0), None);
    }
}

//! Exercise 12: read a percentile off a histogram's bucket counts.
//!
//! The load generator does not keep every latency: it counts them in
//! buckets (`src/load/histogram.rs`), narrow for small values and wide for
//! large ones, each at most 1/32 of its lowest value wide:
//!
//! ```text
//!  bucket      values (ns)        width
//!  0..=63      0..=63             1      (bucket i holds the value i alone)
//!  64..=95     64..=127           2      (64-65, 66-67, ... 126-127)
//!  96..=127    128..=255          4
//!  ...
//!  1888..=1919 2^63..=2^64-1      2^58
//! ```
//!
//! `bucket_bounds(index)` gives a bucket's lowest and highest value (both
//! inclusive), and `bucket_of(value)` the bucket a value falls in. You
//! write the two steps that turn counts into "p99 = 4.1 ms":
//!
//! 1. `percentile_rank(p, count)`: which value, counting from the smallest
//!    (rank 1), is percentile `p` of `count` values. The *nearest-rank*
//!    rule: the smallest rank with at least `p` % of the values at or
//!    below it, that is `ceil(p / 100 * count)`, but at least 1 and at most
//!    `count`. p50 of 10 values is rank 5; p99 of 1000 is rank 990; p100
//!    is the last, p0 the first. A `p` below 0 (or not a number) counts as
//!    0, above 100 as 100.
//! 2. `value_at_rank(counts, rank)`: the value of that rank. Walk the
//!    buckets adding up their counts; the value of rank `rank` is in the
//!    first bucket where the running total reaches `rank`, and the answer
//!    is that bucket's *highest* value (a latency is a promise: "99 % took
//!    at most this"). `None` for rank 0 or a rank past the last value.
//!
//! Run the tests:          cargo test --test ex12
//! See the reference pass: cargo test --test ex12 --features solutions

use netlessons::load::histogram::bucket_bounds;

// ---- Your code: replace the todo!() -------------------------------------

/// The rank (1 is the smallest) of percentile `p` among `count` values.
#[cfg(not(feature = "solutions"))]
fn percentile_rank(p: f64, count: u64) -> u64 {
    let _ = (p, count);
    todo!(
        "Hint: clamp p to 0..=100 first (f64::clamp; a NaN becomes 0 with is_nan), then \
         take (p * count as f64 / 100.0).ceil() as u64, and clamp that to 1..=count.max(1). \
         Beware: f64 is binary, so 99.9 / 100.0 * 1000.0 is 999.0000000000001 and \
         1.1 * 7000.0 / 100.0 is 77.00000000000001, whose ceil is one rank too many: take a \
         tiny fraction off first (exact - exact * 1e-12)."
    )
}

/// The highest value of the bucket that holds the value of rank `rank`.
#[cfg(not(feature = "solutions"))]
fn value_at_rank(counts: &[u64], rank: u64) -> Option<u64> {
    let _ = (counts, rank);
    todo!(
        "Hint: rank 0 is None. Then for (index, &count) in counts.iter().enumerate(), add \
         count to a running total (saturating_add: counts near u64::MAX must not overflow); \
         once the total is >= rank, return Some(bucket_bounds(index).1). After the loop: None."
    )
}

#[cfg(feature = "solutions")]
use netlessons::load::histogram::{percentile_rank, value_at_rank};

// ---- Tests: run them, don't change them ---------------------------------

use netlessons::load::histogram::{bucket_of, BUCKETS};

/// The counts of a histogram of `values` (in nanoseconds).
fn counts_of(values: &[u64]) -> Vec<u64> {
    let mut counts = vec![0u64; BUCKETS];
    for &value in values {
        counts[bucket_of(value)] += 1;
    }
    counts
}

/// Percentile `p` of `values` as the two functions read it off counts.
fn percentile(values: &[u64], p: f64) -> Option<u64> {
    value_at_rank(&counts_of(values), percentile_rank(p, values.len() as u64))
}

#[test]
fn percentiles_of_small_values_are_exact() {
    // Below 64 ns every value has a bucket of its own.
    let values = [7, 3, 9, 1, 5, 10, 2, 8, 4, 6];
    let cases: &[(f64, u64)] = &[(10.0, 1), (50.0, 5), (90.0, 9), (91.0, 10), (100.0, 10)];
    for &(p, expected) in cases {
        assert_eq!(percentile(&values, p), Some(expected), "p{p} of 1..=10");
    }
}

#[test]
fn percentiles_are_the_nearest_rank_of_a_sorted_list() {
    // 500 latencies from 1 µs to about 2 ms, in no order.
    let values: Vec<u64> = (0..500u64)
        .map(|i| 1_000 + (i * 7919) % 2_000_000)
        .collect();
    let mut sorted = values.clone();
    sorted.sort_unstable();
    // The nearest rank: ceil(p % of 500), counted from 1.
    let ranks: &[(f64, u64)] = &[
        (1.0, 5),
        (25.0, 125),
        (50.0, 250),
        (75.0, 375),
        (90.0, 450),
        (99.0, 495),
        (99.9, 500),
        (100.0, 500),
    ];
    for &(p, rank) in ranks {
        let exact = sorted[rank as usize - 1];
        let top_of_its_bucket = bucket_bounds(bucket_of(exact)).1;
        assert_eq!(percentile_rank(p, 500), rank, "the rank of p{p}");
        assert_eq!(percentile(&values, p), Some(top_of_its_bucket), "p{p}");
    }
}

#[test]
fn the_rank_is_the_nearest_rank_rounded_up() {
    let cases: &[(f64, u64, u64)] = &[
        (50.0, 10, 5),
        (50.0, 11, 6),
        (99.0, 1000, 990),
        (90.0, 10, 9),
        (25.0, 3, 1),
        (34.0, 3, 2),
        (1.0, 200, 2),
    ];
    for &(p, count, rank) in cases {
        assert_eq!(percentile_rank(p, count), rank, "p{p} of {count}");
    }
}

#[test]
fn a_rounding_error_is_not_one_rank_more() {
    // In f64, 99.9 / 100 * 1000 is 999.0000000000001 and 1.1 * 7000 / 100
    // is 77.00000000000001: a hair above, not a rank more.
    let cases: &[(f64, u64, u64)] = &[
        (99.9, 1000, 999),
        (1.1, 7000, 77),
        (99.99, 10_000, 9999),
        (99.9, 1_000_000, 999_000),
        (0.1, 1000, 1),
    ];
    for &(p, count, rank) in cases {
        assert_eq!(percentile_rank(p, count), rank, "p{p} of {count}");
    }
}

#[test]
fn p0_is_the_first_value_and_p100_the_last() {
    assert_eq!(percentile_rank(0.0, 7), 1);
    assert_eq!(percentile_rank(100.0, 7), 7);
    let values = [300, 20, 4000];
    assert_eq!(percentile(&values, 0.0), Some(20));
    assert_eq!(
        percentile(&values, 100.0),
        Some(bucket_bounds(bucket_of(4000)).1)
    );
}

#[test]
fn a_percentile_outside_0_to_100_is_clamped() {
    let cases: &[(f64, u64, u64)] = &[
        (150.0, 7, 7),
        (-3.0, 7, 1),
        (f64::NAN, 7, 1),
        (f64::INFINITY, 7, 7),
    ];
    for &(p, count, rank) in cases {
        assert_eq!(percentile_rank(p, count), rank, "p{p} of {count}");
    }
}

#[test]
fn an_empty_histogram_has_no_percentile() {
    // The rank is still 1 (there is no rank 0), but no value has it.
    assert_eq!(percentile_rank(50.0, 0), 1);
    assert_eq!(percentile(&[], 50.0), None);
    assert_eq!(value_at_rank(&[], 1), None);
}

#[test]
fn rank_0_and_ranks_past_the_end_have_no_value() {
    let counts = counts_of(&[5, 6, 7]);
    assert_eq!(value_at_rank(&counts, 0), None);
    assert_eq!(value_at_rank(&counts, 3), Some(7));
    assert_eq!(value_at_rank(&counts, 4), None);
}

#[test]
fn the_value_is_the_top_of_its_bucket() {
    // 100 is in bucket 100..=101, 5000 in 4992..=5119.
    let counts = counts_of(&[100, 100, 100, 5000]);
    assert_eq!(value_at_rank(&counts, 1), Some(101));
    assert_eq!(value_at_rank(&counts, 3), Some(101));
    assert_eq!(value_at_rank(&counts, 4), Some(5119));
}

#[test]
fn every_bucket_edge_reads_back_as_the_top_of_its_bucket() {
    for index in 0..BUCKETS {
        let (low, high) = bucket_bounds(index);
        for value in [low, high] {
            let counts = counts_of(&[value]);
            assert_eq!(value_at_rank(&counts, 1), Some(high), "the value {value}");
        }
    }
    // One value in each bucket: rank r is the top of bucket r - 1.
    let all = vec![1u64; BUCKETS];
    for rank in 1..=BUCKETS as u64 {
        let top = bucket_bounds(rank as usize - 1).1;
        assert_eq!(value_at_rank(&all, rank), Some(top), "rank {rank}");
    }
}

#[test]
fn counts_near_u64_max_do_not_overflow() {
    // A running total past u64::MAX would panic in a debug build.
    let mut counts = vec![0u64; BUCKETS];
    counts[1] = u64::MAX - 1;
    counts[2] = 5;
    assert_eq!(value_at_rank(&counts, u64::MAX - 1), Some(1));
    assert_eq!(value_at_rank(&counts, u64::MAX), Some(2));
}

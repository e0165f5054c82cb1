//! Exercise 03: the statistics at the end of a ping run.
//!
//! A pinger sent `transmitted` pings, numbered `0..transmitted`, and
//! received `replies`, in the order they arrived. Over UDP that list may
//! hold two copies of one reply (the network duplicated it), and even a
//! reply to a number that was never sent. Write `summarize`, which turns it
//! into the summary `ping` prints:
//!
//! ```text
//! 4 packets transmitted, 3 received, 25% packet loss
//! rtt min 0.061 ms, avg 0.083 ms, max 0.102 ms, mdev 0.017 ms
//! ```
//!
//! The rules:
//!
//! - each sequence number counts once: the first reply to it is
//!   `received`, every later copy is one of the `duplicates`, and its time
//!   is left out of the statistics;
//! - a reply whose number is not below `transmitted` does not count at all;
//! - `rtt` is `None` if nothing was received; otherwise the minimum, mean,
//!   maximum and standard deviation (`stddev`, which `ping` prints as
//!   `mdev`) of the counted times.
//!
//! Run the tests with `cargo test --test ex03`. They fail until you write
//! the function; `cargo test --test ex03 --features solutions` runs them
//! against the crate's own `netlessons::udp::summarize`, to compare.

use netlessons::udp::ping::Reply;
use std::time::Duration;

// ---- Your code: replace the todo!() ----

// What each reply in `replies` holds:
//
//     pub struct Reply {
//         pub seq: u32,      // the sequence number of the ping it answers
//         pub rtt: Duration, // from sending that ping to receiving this reply
//     }
//
// The types you fill in (the lesson's section "The statistics" shows them
// with their docs; `src/udp/ping.rs` holds the reference right below them):
//
//     pub struct PingStats {
//         pub transmitted: u32,
//         pub received: u32,
//         pub duplicates: u32,
//         pub rtt: Option<RttStats>,
//     }
//
//     pub struct RttStats {
//         pub min: Duration,
//         pub avg: Duration,
//         pub max: Duration,
//         pub stddev: Duration,
//     }
#[cfg(not(feature = "solutions"))]
#[allow(unused_imports)] // Until you use them.
use netlessons::udp::ping::{PingStats, RttStats};

#[cfg(not(feature = "solutions"))]
#[allow(unused_variables)] // Until you write it.
fn summarize(transmitted: u32, replies: &[Reply]) -> PingStats {
    todo!(
        "Hint: keep one `bool` per ping sent (`vec![false; transmitted as usize]`) and \
         `get_mut(seq)` it for each reply: `None` means never sent, `true` a duplicate. \
         Collect the counted `rtt`s, then min, max, and avg = sum / count. \
         stddev = sqrt(mean of squares - square of mean); do that in f64 nanoseconds."
    )
}

#[cfg(feature = "solutions")]
use netlessons::udp::ping::summarize;

// ---- Tests ----

fn us(micros: u64) -> Duration {
    Duration::from_micros(micros)
}

fn reply(seq: u32, micros: u64) -> Reply {
    Reply {
        seq,
        rtt: us(micros),
    }
}

#[test]
fn every_ping_answered_is_no_loss() {
    let stats = summarize(3, &[reply(0, 50), reply(1, 60), reply(2, 70)]);
    assert_eq!((stats.transmitted, stats.received), (3, 3));
    assert_eq!(stats.duplicates, 0);
    assert_eq!(stats.loss_percent(), 0.0);
}

#[test]
fn one_lost_of_four_is_a_quarter() {
    // Replies may come in any order: UDP does not keep it.
    let stats = summarize(4, &[reply(3, 86), reply(0, 61), reply(1, 102)]);
    assert_eq!(
        stats.to_string(),
        "4 packets transmitted, 3 received, 25% packet loss\n\
         rtt min 0.061 ms, avg 0.083 ms, max 0.102 ms, mdev 0.017 ms"
    );
}

#[test]
fn a_duplicate_is_counted_once() {
    let stats = summarize(2, &[reply(0, 10), reply(0, 10), reply(0, 10)]);
    assert_eq!((stats.received, stats.duplicates), (1, 2));
    assert_eq!(stats.lost(), 1);
}

#[test]
fn only_the_first_copy_is_timed() {
    // The second copy of seq 1 came much later; it says nothing about the
    // network's speed, only that it duplicated a datagram.
    let stats = summarize(2, &[reply(0, 100), reply(1, 300), reply(1, 90_000)]);
    let rtt = stats.rtt.expect("two replies were received");
    assert_eq!((rtt.min, rtt.avg, rtt.max), (us(100), us(200), us(300)));
}

#[test]
fn a_reply_to_a_ping_never_sent_does_not_count() {
    let stats = summarize(2, &[reply(2, 10), reply(7, 10), reply(u32::MAX, 10)]);
    assert_eq!((stats.received, stats.duplicates), (0, 0));
    assert_eq!(stats.rtt, None);
    assert_eq!(stats.loss_percent(), 100.0);
}

#[test]
fn nothing_sent_is_nothing_lost() {
    // No division by zero, and no panic, for an empty run.
    let stats = summarize(0, &[]);
    assert_eq!((stats.transmitted, stats.received, stats.rtt), (0, 0, None));
    assert_eq!(stats.loss_percent(), 0.0);
}

#[test]
fn stddev_is_how_far_the_times_stray_from_their_mean() {
    // 100 µs and 300 µs: both are 100 µs from the mean of 200 µs.
    // Four equal times do not stray at all.
    let table = [
        (vec![reply(0, 100), reply(1, 300)], us(100)),
        (
            vec![reply(0, 40), reply(1, 40), reply(2, 40), reply(3, 40)],
            us(0),
        ),
    ];
    for (replies, stddev) in table {
        let rtt = summarize(4, &replies).rtt.expect("replies were received");
        let error = rtt.stddev.abs_diff(stddev);
        assert!(error <= Duration::from_nanos(1), "{replies:?}: {rtt:?}");
    }
}

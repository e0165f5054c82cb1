//! The times of files: the reply to `MDTM`, and the `modify` fact of
//! `MLSD` and `MLST` (RFC 3659 §2.3).
//!
//! FTP writes a time as fourteen digits, always in UTC, with an optional
//! fraction of a second:
//!
//! ```text
//! time-val = 14DIGIT [ "." 1*DIGIT ]        YYYYMMDDHHMMSS[.sss]
//!
//! C: MDTM notes.txt
//! S: 213 19980615100045.014                 1998-06-15 10:00:45.014 UTC
//! ```
//!
//! The digits are a date and a time of day, so turning them into a
//! `SystemTime` needs a calendar; std has none, and this crate already has
//! one, in [`crate::http::date`]: both formats use it.
//!
//! A time is written to the second, as vsftpd writes it; the
//! fraction, when a peer sends one, is read to the nanosecond. The year has
//! four digits, so the times that can be written run from 0000-01-01
//! 00:00:00 to 9999-12-31 23:59:59; a file time outside is written as the
//! nearer end.

use crate::http::date::{civil_from_days, days_from_civil};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 0000-01-01 00:00:00 UTC, in seconds from 1970: the first time with a
/// four-digit year.
const FIRST_SECOND: i64 = -62_167_219_200;

/// 9999-12-31 23:59:59 UTC, in seconds from 1970: the last time with a
/// four-digit year.
const LAST_SECOND: i64 = 253_402_300_799;

/// Seconds in a day, for the arithmetic below.
const DAY: i64 = 86_400;

/// Why a text is not an FTP time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not fourteen characters before the optional `.fraction`.
    WrongLength,
    /// A character that is not a digit (signs and spaces included).
    NotDigits,
    /// A month from 1 to 12 and a day that month has are needed.
    BadDate,
    /// The hour is above 23, the minute above 59 or the second above 60.
    BadTimeOfDay,
    /// A time after 9999-12-31 23:59:59 (a leap second then), or one
    /// this system's clock cannot hold.
    OutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::WrongLength => "a time is 14 digits, YYYYMMDDHHMMSS, then maybe .fraction",
            TimeError::NotDigits => "a time is written with digits only: YYYYMMDDHHMMSS",
            TimeError::BadDate => "no such date (the month is 01 to 12, the day one it has)",
            TimeError::BadTimeOfDay => "no such time of day (HH 00-23, MM 00-59, SS 00-60)",
            TimeError::OutOfRange => "the time is outside what this system can represent",
        })
    }
}

impl std::error::Error for TimeError {}

// ANCHOR: format_time
/// Formats `time` as FTP writes it: `19980615100045`, in UTC, to the
/// second (a fraction is dropped: the time is rounded down).
pub fn format_time(time: SystemTime) -> String {
    let seconds = seconds_from_epoch(time).clamp(FIRST_SECOND, LAST_SECOND);
    let (year, month, day) = civil_from_days(seconds.div_euclid(DAY));
    let in_day = seconds.rem_euclid(DAY);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// Whole seconds from 1970 to `time`, rounded down (towards the past, also
/// for a time before 1970); saturating at the ends of an `i64`.
fn seconds_from_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = before.as_secs() + u64::from(before.subsec_nanos() > 0);
            i64::try_from(whole).map_or(i64::MIN, |whole| -whole)
        }
    }
}
// ANCHOR_END: format_time

// ANCHOR: parse_time
/// Parses a time as `MDTM` and `MLSD` write it: `19980615100045` or
/// `19980615100045.014` (RFC 3659 §2.3), in UTC.
pub fn parse_time(text: &str) -> Result<SystemTime, TimeError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if whole.len() != 14 {
        return Err(TimeError::WrongLength);
    }
    // Fourteen digits: each field below is at most 9999, so no overflow.
    let field = |at: usize, len: usize| digits_value(&whole.as_bytes()[at..at + len]);
    let (year, month, day) = (field(0, 4)?, field(4, 2)?, field(6, 2)?);
    let (hour, minute, second) = (field(8, 2)?, field(10, 2)?, field(12, 2)?);
    let nanos = match fraction {
        Some(fraction) => fraction_nanos(fraction)?,
        None => 0,
    };
    let days = days_from_date(year, month, day)?;
    // A leap second (60) is allowed (RFC 3659 §2.3): it counts as the
    // first second of the next minute.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::BadTimeOfDay);
    }
    let seconds = days * DAY + i64::from(hour * 3600 + minute * 60 + second);
    if seconds > LAST_SECOND {
        return Err(TimeError::OutOfRange);
    }
    system_time(seconds, nanos).ok_or(TimeError::OutOfRange)
}

/// The value of a run of ASCII digits (at most nine here), or `NotDigits`.
fn digits_value(digits: &[u8]) -> Result<u32, TimeError> {
    digits.iter().try_fold(0, |value, &digit| match digit {
        b'0'..=b'9' => Ok(value * 10 + u32::from(digit - b'0')),
        _ => Err(TimeError::NotDigits),
    })
}

/// The days from 1970 to a date, if the date exists: converted to days
/// and back, a date that does not exist (February 30) comes back another.
fn days_from_date(year: u32, month: u32, day: u32) -> Result<i64, TimeError> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(TimeError::BadDate);
    }
    let days = days_from_civil(i64::from(year), month, day);
    match civil_from_days(days) == (i64::from(year), month, day) {
        true => Ok(days),
        false => Err(TimeError::BadDate),
    }
}

/// The nanoseconds of `.fraction`: one digit or more, of which the first
/// nine count (a nanosecond is as fine as `SystemTime` goes).
fn fraction_nanos(fraction: &str) -> Result<u32, TimeError> {
    if fraction.is_empty() {
        return Err(TimeError::WrongLength);
    }
    let (kept, rest) = fraction.as_bytes().split_at(fraction.len().min(9));
    if !rest.iter().all(u8::is_ascii_digit) {
        return Err(TimeError::NotDigits);
    }
    // At most nine digits: below 10^9, which a u32 holds.
    let mut nanos = digits_value(kept)?;
    for _ in kept.len()..9 {
        nanos *= 10;
    }
    Ok(nanos)
}

/// 1970 plus `seconds` (negative: before 1970) plus `nanos`, if this
/// system's `SystemTime` reaches that far.
fn system_time(seconds: i64, nanos: u32) -> Option<SystemTime> {
    let whole = match u64::try_from(seconds) {
        Ok(after) => UNIX_EPOCH.checked_add(Duration::from_secs(after))?,
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))?,
    };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}
// ANCHOR_END: parse_time

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> SystemTime {
        system_time(seconds, nanos).unwrap()
    }

    #[test]
    fn time_table() {
        use TimeError::*;
        let table: &[(&str, Result<SystemTime, TimeError>)] = &[
            // The example reply of RFC 3659's MDTM (§3), to the millisecond.
            ("19980615100045.014", Ok(at(897_904_845, 14_000_000))),
            ("19980615100045", Ok(at(897_904_845, 0))),
            ("19700101000000", Ok(UNIX_EPOCH)),
            ("20000229000000", Ok(at(951_782_400, 0))),
            ("19691231235959", Ok(at(-1, 0))),
            ("00000101000000", Ok(at(FIRST_SECOND, 0))),
            ("99991231235959", Ok(at(LAST_SECOND, 0))),
            (
                "19980615100045.1234567899",
                Ok(at(897_904_845, 123_456_789)),
            ),
            // A leap second is the next minute's first second.
            ("19981231235960", Ok(at(915_148_800, 0))),
            ("99991231235960", Err(OutOfRange)),
            ("1998061510004", Err(WrongLength)),
            ("199806151000450", Err(WrongLength)),
            ("19980615100045.", Err(WrongLength)),
            ("", Err(WrongLength)),
            ("1998-06-15T10Z", Err(NotDigits)),
            ("+9980615100045", Err(NotDigits)),
            ("19980615100045.01x", Err(NotDigits)),
            ("19980615100045.014.5", Err(NotDigits)),
            ("19981315100045", Err(BadDate)),
            ("19980015100045", Err(BadDate)),
            ("19980600100045", Err(BadDate)),
            ("19980230100045", Err(BadDate)),
            ("19000229000000", Err(BadDate)),
            ("19980615240000", Err(BadTimeOfDay)),
            ("19980615106000", Err(BadTimeOfDay)),
            ("19980615100061", Err(BadTimeOfDay)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_time(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn format_table() {
        let table = [
            (at(897_904_845, 14_000_000), "19980615100045"),
            (UNIX_EPOCH, "19700101000000"),
            (at(951_782_400, 0), "20000229000000"),
            // Before 1970, rounded down: towards the past.
            (at(-1, 500_000_000), "19691231235959"),
            (at(-1, 0), "19691231235959"),
            (at(FIRST_SECOND, 0), "00000101000000"),
            (at(LAST_SECOND, 999_999_999), "99991231235959"),
            // Outside four-digit years: the nearer end.
            (at(LAST_SECOND + 1, 0), "99991231235959"),
            (at(FIRST_SECOND - 1, 0), "00000101000000"),
        ];
        for (time, text) in table {
            assert_eq!(format_time(time), text, "{time:?}");
        }
    }

    #[test]
    fn days_from_year_0_to_9999_round_trip() {
        // From 0000-01-01 to 9999-12-31, every 997th day.
        for day in (FIRST_SECOND / DAY..=LAST_SECOND / DAY).step_by(997) {
            let time = at(day * DAY + 45_296, 0);
            let text = format_time(time);
            assert_eq!(parse_time(&text), Ok(time), "{text}");
        }
    }

    #[test]
    fn every_prefix_of_a_time_is_refused() {
        let text = "19980615100045";
        for end in 0..text.len() {
            assert_eq!(
                parse_time(&text[..end]),
                Err(TimeError::WrongLength),
                "{end}"
            );
        }
    }
}

//! HTTP dates: `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
//!
//! `Date`, `Last-Modified` and `If-Modified-Since` carry a time in one fixed
//! format, always in GMT:
//!
//! ```text
//! IMF-fixdate  = day-name "," SP date1 SP time-of-day SP GMT
//!              ; Sun, 06 Nov 1994 08:49:37 GMT
//! ```
//!
//! A recipient must also accept two obsolete formats that old clients send:
//!
//! ```text
//! rfc850-date  = Sunday, 06-Nov-94 08:49:37 GMT
//! asctime-date = Sun Nov  6 08:49:37 1994
//! ```
//!
//! std has no calendar, so the conversion between seconds since 1970 and a
//! date is done here, with the "days from civil" algorithm: count days in
//! 400-year eras (each exactly 146 097 days), starting the year in March so
//! that the leap day falls at its end.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
pub(crate) const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// ANCHOR: civil
/// The date (year, month 1-12, day 1-31) of a day counted from 1970-01-01.
/// (Crate-wide: FTP's `MDTM` times use the same calendar.)
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The number of days from 1970-01-01 to a date: the inverse of [`civil_from_days`].
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
// ANCHOR_END: civil

/// The last second an HTTP date can show, 9999-12-31 23:59:59: the year
/// has four digits.
const LAST_SECOND: u64 = 253_402_300_799;

/// The fields of a date as the formats below write them: the day of the
/// week, the day, the month, the year and the time of day (h, m, s).
/// Times before 1970 are taken as 1970, and times after 9999 as its last
/// second.
fn fields(time: SystemTime) -> (&'static str, u32, &'static str, i64, [i64; 3]) {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let secs = i64::try_from(secs.min(LAST_SECOND)).unwrap_or_default();
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let clock = [in_day / 3600, in_day % 3600 / 60, in_day % 60];
    let weekday = DAY_NAMES[days.rem_euclid(7) as usize];
    (weekday, day, MONTH_NAMES[(month - 1) as usize], year, clock)
}

/// Formats `time` as an IMF-fixdate. Times before 1970 are shown as 1970,
/// and times after 9999 as its last second.
pub fn format_http_date(time: SystemTime) -> String {
    let (weekday, day, month, year, [h, m, s]) = fields(time);
    format!("{weekday}, {day:02} {month} {year:04} {h:02}:{m:02}:{s:02} GMT")
}

/// Formats `time` in the third, oldest form that [`parse_http_date`] reads,
/// C's `asctime`: `Sun Nov  6 08:49:37 1994` (RFC 9110 §5.6.7), the day
/// padded with a space. HTTP no longer sends it, but the `From ` line that
/// starts each message of an mbox file still has it (chapter 11).
pub fn format_asctime_date(time: SystemTime) -> String {
    let (weekday, day, month, year, [h, m, s]) = fields(time);
    format!("{weekday} {month} {day:>2} {h:02}:{m:02}:{s:02} {year:04}")
}

/// Parses a date in any of the three formats; `None` if it is none of them
/// (RFC 9110 §13.1.3: an invalid If-Modified-Since is ignored).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    // The year is `4DIGIT` (`2DIGIT` in rfc850-date): digits only, so it
    // is at most 9999 whatever was sent, and the arithmetic below cannot
    // overflow. "Sun Nov  6 08:49:37 99999999999999" is simply no date.
    let (year, month, day, time) = match words.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [_, day, month, year, time, "GMT"] => (digits(year, 4)?, *month, day.parse().ok()?, *time),
        // Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: §5.6.7 says
        // a year that looks more than 50 years ahead is in the past).
        [_, date, time, "GMT"] => {
            let mut parts = date.split('-');
            let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
            let year = digits(year, 2)?;
            let year = if year < 70 { 2000 + year } else { 1900 + year };
            (year, month, day.parse().ok()?, *time)
        }
        // Sun Nov  6 08:49:37 1994
        [_, month, day, time, year] => (digits(year, 4)?, *month, day.parse().ok()?, *time),
        _ => return None,
    };
    let month = MONTH_NAMES.iter().position(|&name| name == month)? as u32 + 1;
    let mut hms = time.split(':').map(|part| part.parse::<u64>().ok());
    let (hours, minutes, seconds) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some()
        || !(1..=31).contains(&day)
        || hours > 23
        || minutes > 59
        || seconds > 60
    {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let secs = days * 86_400 + hours * 3600 + minutes * 60 + seconds;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The value of `text` if it is exactly `count` ASCII digits: no sign, no
/// space, and so never more than `10^count - 1`.
fn digits(text: &str, count: usize) -> Option<i64> {
    if text.len() != count || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asctime_form_is_read_back_as_the_same_time() {
        // RFC 9110 §5.6.7's own example.
        let time = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(format_asctime_date(time), "Sun Nov  6 08:49:37 1994");
        assert_eq!(parse_http_date(&format_asctime_date(time)), Some(time));
        let later = UNIX_EPOCH + Duration::from_secs(1_764_585_600 + 9 * 86_400);
        assert_eq!(format_asctime_date(later), "Wed Dec 10 10:40:00 2025");
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_three_formats_of_rfc_9110() {
        // RFC 9110 §5.6.7's example, in each format.
        let expected = Some(at(784_111_777));
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(text), expected, "{text}");
        }
        assert_eq!(
            format_http_date(at(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn format_table() {
        let table = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_709_251_199, "Thu, 29 Feb 2024 23:59:59 GMT"),
            (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"),
        ];
        for (secs, text) in table {
            assert_eq!(format_http_date(at(secs)), text);
            assert_eq!(parse_http_date(text), Some(at(secs)), "{text}");
        }
    }

    #[test]
    fn every_day_for_a_thousand_years_round_trips() {
        for days in (-1_000..365_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn nonsense_is_none() {
        for text in [
            "",
            "yesterday",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }

    #[test]
    fn absurd_years_are_none_not_an_overflow() {
        // Each of these once overflowed an i64 or a u64 on its way to a
        // number of seconds, which panics a debug build. RFC 9110 §5.6.7
        // writes the year with four digits (two in rfc850-date), and an
        // unparseable If-Modified-Since is ignored (§13.1.3).
        for text in [
            "Sun Nov  6 08:49:37 99999999999999",
            "Sun Nov  6 08:49:37 9223372036854775807",
            "Sun Nov  6 08:49:37 -9223372036854775808",
            "Sun Nov  6 08:49:37 +1994",
            "Sun Nov  6 08:49:37 19940",
            "Sunday, 06-Nov-9223372036854775807 08:49:37 GMT",
            "Sunday, 06-Nov--9223372036854775808 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06-Nov-+9 08:49:37 GMT",
            "Sun, 06 Nov -994 08:49:37 GMT",
            "Sun, 06 Nov +994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }

    #[test]
    fn times_after_9999_are_written_as_its_last_second() {
        // An HTTP date has four digits for the year; a file dated in the
        // year 10000 once got "Sat, 01 Jan 10000 00:00:00 GMT", which no
        // recipient can parse.
        for secs in [253_402_300_800, i64::MAX as u64] {
            assert_eq!(format_http_date(at(secs)), "Fri, 31 Dec 9999 23:59:59 GMT");
        }
    }

    #[test]
    fn the_last_four_digit_year_still_parses() {
        assert_eq!(
            parse_http_date("Fri Dec 31 23:59:59 9999"),
            Some(at(253_402_300_799))
        );
    }
}

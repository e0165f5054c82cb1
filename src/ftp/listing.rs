//! Directory listings: what `LIST`, `NLST`, `MLSD` and `MLST` send.
//!
//! FTP has three ways to list a directory, from three decades.
//!
//! `LIST` (RFC 959 §4.1.3) sends "a list of files", in a form the RFC
//! leaves to the server, for a human to read. Nearly every server sends
//! what Unix `ls -l` prints, and clients (curl, lftp, browsers, file
//! managers) parse that form, since it is the one they meet:
//!
//! ```text
//! -rw-r--r--    1 ftp      ftp          1024 Dec 01 08:15 notes.txt
//! drwxr-xr-x    1 ftp      ftp          4096 Jan 05  2025 old photos
//! ```
//!
//! The time column has two forms. A time in the six months before now
//! shows the hour and minute but no year; an older time, or one in the
//! future, shows the year but no time of day (`ls`'s rule, which vsftpd
//! and pyftpdlib follow). So a client that reads a listing knows the
//! minute of a recent change and only the day of an old one
//! ([`ListTime`]). Windows servers (IIS) send an MS-DOS form instead:
//!
//! ```text
//! 12-01-26  08:15AM       <DIR>          photos
//! 12-01-26  08:15AM                 1024 notes.txt
//! ```
//!
//! `NLST` (RFC 959 §4.1.3) sends the names alone, one per line: what
//! `mget *` needs.
//!
//! `MLSD` and `MLST` (RFC 3659 §7) send one line per entry in a form
//! defined for programs: facts, a space, the name.
//!
//! ```text
//! entry = [ facts ] SP pathname           ; RFC 3659 §7.2
//! facts = 1*( fact ";" )
//! fact  = factname "=" value              ; factname is case-insensitive
//!
//! type=file;size=1024;modify=20261201081500;perm=r;UNIX.mode=0644; notes.txt
//! ```
//!
//! The time (`modify`, §2.3) is in UTC to the second, with the year; the
//! name is everything after the first space, spaces and semicolons
//! included. A client that can use `MLSD` should.
//!
//! Every listing line ends with CR LF on the data connection. The
//! functions here format and parse one line, without its line end; the
//! I/O part writes `\r\n` after each line, and reads lines with
//! [`wire::line`](crate::wire::line), which bounds their length. Lines
//! written with CR LF are the same bytes whatever `TYPE` is set
//! ([`ToNetwork`](super::ascii::ToNetwork) leaves a CR LF alone), and
//! RFC 3659 §7.2 sends `MLSD` as binary in any case. Times are shown in
//! UTC (vsftpd's default too).
//!
//! The parsers take `&str`, and a listing is bytes in no declared
//! encoding (RFC 2640 asks for UTF-8; old servers send Latin-1). The
//! caller turns each line into text with `String::from_utf8_lossy`:
//! a name that is not UTF-8 then shows `U+FFFD` where its bad bytes were,
//! which is enough to show it, though not to ask for that file by name.

use crate::http::date::{civil_from_days, days_from_civil, MONTH_NAMES};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest listing line accepted or written, line end excluded: room
/// for a name of `PATH_MAX` (4096 bytes on Linux, the longest a symbolic
/// link's target can be, which `LIST` may show after the name) twice over,
/// with the columns. RFC 3659 §7.2 sets no maximum and asks clients to
/// expect "arbitrarily long lines"; no real listing line comes near this
/// one, and past it a line is refused, so that a hostile server cannot
/// make a client build a huge entry.
pub const MAX_LIST_LINE_LEN: usize = 8 * 1024;

/// How far back `LIST` shows the time of day instead of the year: half of
/// an average Gregorian year (365.2425 days), the figure GNU `ls` uses.
pub const SIX_MONTHS: i64 = 15_778_476;

/// How far in the future a time without a year may fall and still be
/// taken for this year, when a client works out the year: a server's
/// clock, or its time zone, may be a day ahead of the client's.
pub const FUTURE_SLACK: i64 = 24 * 60 * 60;

/// The last second a listing can show, 9999-12-31 23:59:59: both the
/// `ls` form and the MLSx `modify` fact have four digits for the year.
const LAST_SECOND: i64 = 253_402_300_799;

/// The MLSx `perm` letters (RFC 3659 §7.5.5), each a command the user may
/// use on the entry: `a` APPE, `c` create files in a directory, `d`
/// delete, `e` enter (CWD), `f` rename (RNFR), `l` list, `m` make
/// directories, `p` purge a directory's contents, `r` retrieve (RETR),
/// `w` store (STOR).
pub const PERM_LETTERS: &str = "acdeflmprw";

/// What kind of thing a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
}

/// One entry of a directory, as a server lists it.
///
/// The server's I/O part builds it from the file system's metadata; the
/// formatters below turn it into a listing line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name, without a path. It must not be empty nor hold CR, LF or
    /// NUL to be listed (see [`ListError::UnlistableName`]).
    pub name: String,
    /// File, directory or symbolic link.
    pub kind: Kind,
    /// The size in bytes.
    pub size: u64,
    /// When the entry was last changed.
    pub modified: SystemTime,
    /// The Unix permission bits (`0o644`); bits above `0o7777` (the file
    /// type of `st_mode`) are ignored.
    pub permissions: u32,
}

/// Why a listing line could not be written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListError {
    /// The line is longer than [`MAX_LIST_LINE_LEN`].
    TooLong,
    /// The name is empty or holds CR, LF or NUL, so it cannot be one line.
    UnlistableName,
    /// A `perm` letter that RFC 3659 does not define (see [`PERM_LETTERS`]).
    UnknownPermLetter(char),
    /// The line has no `ls -l` date column, nor the MS-DOS form.
    NotAnEntry,
    /// A device, pipe or socket (`ls` type letter `c`, `b`, `p`, `s`…).
    UnsupportedType(char),
    /// The permission column is not ten letters such as `-rw-r--r--`.
    BadPermissions,
    /// The size is not a number of bytes, or does not fit in 64 bits.
    BadSize,
    /// The date or time is not a real one (month 13, day 32, 25:00).
    BadDate,
    /// Nothing follows the date, or the facts: the entry has no name.
    MissingName,
    /// An MLSx line without the space that separates facts from the name.
    MissingSpace,
    /// An MLSx fact without its `=`.
    BadFact,
    /// The MLSx `modify` fact is not a time such as `20261201081500`.
    BadModify,
    /// The MLSx `UNIX.mode` fact is not an octal mode such as `0644`.
    BadMode,
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::TooLong => write!(f, "listing line longer than {MAX_LIST_LINE_LEN} bytes"),
            ListError::UnlistableName => f.write_str(
                "file name is empty or holds CR, LF or NUL, which would break the listing's lines",
            ),
            ListError::UnknownPermLetter(letter) => {
                write!(
                    f,
                    "{letter:?} is not an MLSx perm letter (one of {PERM_LETTERS})"
                )
            }
            ListError::NotAnEntry => f.write_str(
                "not a listing line (expected `-rw-r--r-- 1 owner group 1024 Dec 01 08:15 name` \
                 or `12-01-26  08:15AM 1024 name`)",
            ),
            ListError::UnsupportedType(letter) => write!(
                f,
                "entry of type {letter:?} is not a file, a directory nor a symbolic link"
            ),
            ListError::BadPermissions => {
                f.write_str("malformed permissions (expected ten letters such as -rw-r--r--)")
            }
            ListError::BadSize => f.write_str("size is not a number of bytes that fits in 64 bits"),
            ListError::BadDate => f.write_str("no such date or time in the listing line"),
            ListError::MissingName => f.write_str("listing line without a file name"),
            ListError::MissingSpace => f.write_str(
                "MLSx line without the space before the name (expected `type=file;size=1; name`)",
            ),
            ListError::BadFact => f.write_str("MLSx fact without `=` (expected name=value;)"),
            ListError::BadModify => {
                f.write_str("MLSx modify fact is not a time (expected YYYYMMDDHHMMSS)")
            }
            ListError::BadMode => {
                f.write_str("MLSx UNIX.mode fact is not an octal mode such as 0644")
            }
        }
    }
}

impl std::error::Error for ListError {}

// ---------------------------------------------------------------------
// The server's side: entries into lines.

// ANCHOR: format_list_line
/// The `LIST` line of `entry`, as `ls -l` prints it, without its line end:
///
/// ```text
/// -rw-r--r--    1 ftp      ftp          1024 Dec 01 08:15 notes.txt
/// ```
///
/// The time column shows the hour and minute if `entry` changed in the
/// [`SIX_MONTHS`] before `now`, and the year otherwise (older, or in the
/// future). Owner and group are always `ftp`: the server's user names are
/// none of the client's business. The link count is always 1. A symbolic
/// link is listed without its target, which is a path on the server's
/// disk, perhaps outside the directory tree the client may see.
///
/// A name that is empty or holds CR, LF or NUL is refused rather than
/// escaped: a line end in it would cut the listing line in two, so that
/// the client reads a made-up entry; and an escaped name is a name that
/// does not exist, which the client would then ask for in vain. The
/// server leaves such an entry out of the listing.
pub fn format_list_line(entry: &DirEntry, now: SystemTime) -> Result<String, ListError> {
    check_name(&entry.name)?;
    let when = listed_seconds(entry.modified);
    let now = listed_seconds(now);
    let t = Civil::from_seconds(when);
    let month = MONTH_NAMES[t.month as usize - 1];
    let recent = now - SIX_MONTHS < when && when <= now;
    let time = match recent {
        true => format!("{month} {:02} {:02}:{:02}", t.day, t.hour, t.minute),
        false => format!("{month} {:02}  {:04}", t.day, t.year),
    };
    // Columns as vsftpd prints them: link count in 4, owner and group
    // in 8 each, size right-aligned in 8 (wider when it needs more).
    let line = format!(
        "{}    1 ftp      ftp      {:>8} {time} {}",
        mode_string(entry.kind, entry.permissions),
        entry.size,
        entry.name
    );
    check_length(line)
}
// ANCHOR_END: format_list_line

/// The `NLST` line of `entry`: its name alone (RFC 959 §4.1.3), refused
/// as [`format_list_line`] refuses it.
pub fn format_nlst_line(entry: &DirEntry) -> Result<String, ListError> {
    check_name(&entry.name)?;
    check_length(entry.name.clone())
}

// ANCHOR: format_mlsx_line
/// The `MLSD` line of `entry` (and, after one space, the `MLST` one),
/// without its line end (RFC 3659 §7):
///
/// ```text
/// type=file;size=1024;modify=20261201081500;perm=r;UNIX.mode=0644; notes.txt
/// ```
///
/// `perm` is what the server lets this user do with the entry, in the
/// letters of [`PERM_LETTERS`]: `r` alone for a read-only file, `el` for
/// a directory one may enter and list. A directory has no `size`
/// (§7.5.7: it applies to files); a symbolic link has the type
/// `OS.unix=symlink` and no target, for the reason [`format_list_line`]
/// gives. Names are refused as [`format_list_line`] refuses them.
pub fn format_mlsx_line(entry: &DirEntry, perm: &str) -> Result<String, ListError> {
    check_name(&entry.name)?;
    if let Some(letter) = perm.chars().find(|&c| !PERM_LETTERS.contains(c)) {
        return Err(ListError::UnknownPermLetter(letter));
    }
    let t = Civil::from_seconds(listed_seconds(entry.modified));
    let mut line = match entry.kind {
        Kind::File => format!("type=file;size={};", entry.size),
        Kind::Dir => "type=dir;".to_string(),
        Kind::Symlink => format!("type=OS.unix=symlink;size={};", entry.size),
    };
    line.push_str(&format!(
        "modify={:04}{:02}{:02}{:02}{:02}{:02};perm={perm};UNIX.mode={:04o}; {}",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        entry.permissions & 0o7777,
        entry.name
    ));
    check_length(line)
}
// ANCHOR_END: format_mlsx_line

/// Refuses a name that cannot be one listing line.
fn check_name(name: &str) -> Result<(), ListError> {
    match name.is_empty() || name.contains(['\r', '\n', '\0']) {
        true => Err(ListError::UnlistableName),
        false => Ok(()),
    }
}

/// Refuses a line longer than a client accepts.
fn check_length(line: String) -> Result<String, ListError> {
    match line.len() > MAX_LIST_LINE_LEN {
        true => Err(ListError::TooLong),
        false => Ok(line),
    }
}

/// `-rw-r--r--`: the type letter, then read, write and execute for the
/// owner, the group and others. Set-user-ID and set-group-ID show as `s`
/// in place of the `x` (`S` without it), the sticky bit as `t` (`T`).
fn mode_string(kind: Kind, mode: u32) -> String {
    let mut text = String::with_capacity(10);
    text.push(match kind {
        Kind::File => '-',
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
    });
    for (shift, special, letter) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = mode >> shift;
        text.push(if bits & 0o4 != 0 { 'r' } else { '-' });
        text.push(if bits & 0o2 != 0 { 'w' } else { '-' });
        text.push(match (mode & special != 0, bits & 0o1 != 0) {
            (false, true) => 'x',
            (false, false) => '-',
            (true, true) => letter,
            (true, false) => letter.to_ascii_uppercase(),
        });
    }
    text
}

// ---------------------------------------------------------------------
// Dates: seconds since 1970 and the calendar, by http::date's arithmetic.

/// A moment in UTC, split into the fields a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    /// A date and time from its fields, as yet unchecked.
    fn new(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Civil {
        Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    /// The UTC date and time `secs` seconds after 1970 began.
    fn from_seconds(secs: i64) -> Civil {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let in_day = secs.rem_euclid(86_400) as u32;
        Civil {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day % 3600 / 60,
            second: in_day % 60,
        }
    }

    /// Seconds since 1970 of this date and time, or `None` if there is no
    /// such date (February 30) or time (24:00). The year comes from at
    /// most four digits, so none of this can overflow.
    fn to_seconds(self) -> Option<i64> {
        let Civil {
            year, month, day, ..
        } = self;
        if !(1..=12).contains(&month) || day == 0 || day > 31 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        // A day past the month's end lands in the next month.
        if civil_from_days(days) != (year, month, day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        let in_day = i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        Some(days * 86_400 + in_day)
    }
}

/// `time` in whole seconds since 1970, held within the years a listing
/// can show (1970 to 9999).
fn listed_seconds(time: SystemTime) -> i64 {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    i64::try_from(secs).unwrap_or(LAST_SECOND).min(LAST_SECOND)
}

/// The moment `secs` seconds from 1970 (before it, if negative).
fn system_time(secs: i64, nanos: u32) -> Option<SystemTime> {
    let offset = Duration::new(secs.unsigned_abs(), 0);
    let whole = match secs >= 0 {
        true => UNIX_EPOCH.checked_add(offset)?,
        false => UNIX_EPOCH.checked_sub(offset)?,
    };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}

// ---------------------------------------------------------------------
// The client's side: `LIST` lines into entries.

/// The time column of a `LIST` line, which says less than a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListTime {
    /// `Dec 01 08:15`: a time in the six months before the listing, whose
    /// year the reader must work out ([`ListTime::resolve`]).
    NoYear {
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
        /// 0 to 23.
        hour: u32,
        /// 0 to 59.
        minute: u32,
    },
    /// `Jan 05  2025`: an older (or future) time, known only to the day.
    NoTime {
        /// The year, four digits.
        year: i64,
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
    },
    /// `12-01-26  08:15AM`: the MS-DOS form, known to the minute.
    Minute {
        /// The year, two-digit ones read as 1970 to 2069.
        year: i64,
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
        /// 0 to 23.
        hour: u32,
        /// 0 to 59.
        minute: u32,
    },
}

impl ListTime {
    /// The moment this column stands for, in UTC, given the time `now` at
    /// which the listing was read: the start of the day for
    /// [`NoTime`](ListTime::NoTime), and for [`NoYear`](ListTime::NoYear)
    /// the date in this year, or last year if this year's would be more
    /// than [`FUTURE_SLACK`] ahead of `now` (a listing in January shows
    /// December's files without a year). `None` if there is no such date
    /// (February 29 in a year that has none).
    pub fn resolve(&self, now: SystemTime) -> Option<SystemTime> {
        let (year, month, day, hour, minute) = self.fields();
        let at = |year| Civil::new(year, month, day, hour, minute, 0).to_seconds();
        let secs = match year {
            Some(year) => at(year)?,
            None => {
                let now = listed_seconds(now);
                let this_year = Civil::from_seconds(now).year;
                match at(this_year) {
                    Some(secs) if secs <= now + FUTURE_SLACK => secs,
                    _ => at(this_year - 1)?,
                }
            }
        };
        system_time(secs, 0)
    }

    /// The year if the line gave one, then month, day, hour and minute
    /// (midnight if the line gave no time).
    fn fields(&self) -> (Option<i64>, u32, u32, u32, u32) {
        match *self {
            ListTime::NoYear {
                month,
                day,
                hour,
                minute,
            } => (None, month, day, hour, minute),
            ListTime::NoTime { year, month, day } => (Some(year), month, day, 0, 0),
            ListTime::Minute {
                year,
                month,
                day,
                hour,
                minute,
            } => (Some(year), month, day, hour, minute),
        }
    }
}

/// One entry read from a `LIST` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The name, exactly as listed (spaces included).
    pub name: String,
    /// File, directory or symbolic link.
    pub kind: Kind,
    /// The size in bytes (0 for a directory in the MS-DOS form).
    pub size: u64,
    /// When it was last changed, as far as the line says.
    pub time: ListTime,
    /// The permission bits (`0o644`); the MS-DOS form has none.
    pub permissions: Option<u32>,
    /// A symbolic link's target, when the line shows `name -> target`.
    pub link_target: Option<String>,
}

/// The most words before the name that the date column is looked for in:
/// mode, link count, owner, group, size, month, day, time, and two spare.
const MAX_LIST_WORDS: usize = 10;

// ANCHOR: parse_list_line
/// Reads one `LIST` line, in the `ls -l` form or the MS-DOS form.
///
/// `Ok(None)` is a line that holds no entry: the `total 12` line that
/// `ls` prints first, or an empty one. A line end at the end of `line`
/// is ignored. A symbolic link listed as `name -> target` is split at the
/// first ` -> `, so a link whose own name holds ` -> ` is misread: the
/// form cannot tell them apart (MLSx can).
pub fn parse_list_line(line: &str) -> Result<Option<ListEntry>, ListError> {
    let line = without_line_end(line);
    if line.len() > MAX_LIST_LINE_LEN {
        return Err(ListError::TooLong);
    }
    let words = words(line, MAX_LIST_WORDS);
    match words.as_slice() {
        [] | [("total", _), _] => Ok(None),
        [(first, _), ..] if first.starts_with(|c: char| c.is_ascii_digit()) => {
            parse_dos_line(line, &words).map(Some)
        }
        _ => parse_unix_line(line, &words).map(Some),
    }
}
// ANCHOR_END: parse_list_line

/// `line` without one CR LF or LF at its end.
fn without_line_end(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// The first `max` words of `line`, separated by runs of spaces, each with
/// the byte offset just past its end.
fn words(line: &str, max: usize) -> Vec<(&str, usize)> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while found.len() < max {
        while at < bytes.len() && bytes[at] == b' ' {
            at += 1;
        }
        if at == bytes.len() {
            break;
        }
        let start = at;
        while at < bytes.len() && bytes[at] != b' ' {
            at += 1;
        }
        // Cut at spaces, which are ASCII: always a char boundary.
        found.push((&line[start..at], at));
    }
    found
}

/// `-rw-r--r-- 1 owner group 1024 Dec 01 08:15 name` (the group is
/// missing in some servers' lines, so the date is found by its shape).
fn parse_unix_line(line: &str, words: &[(&str, usize)]) -> Result<ListEntry, ListError> {
    let (date_at, time) = (2..words.len())
        .find_map(|i| {
            let size_and_date = words.get(i - 1..i + 3)?;
            let [(size, _), (month, _), (day, _), (time, _)] = size_and_date else {
                return None;
            };
            if !is_digits(size) {
                return None;
            }
            Some(unix_date(month, day, time)?.map(|time| (i, time)))
        })
        .ok_or(ListError::NotAnEntry)??;
    let (kind, permissions) = parse_mode(words[0].0)?;
    let size = parse_u64(words[date_at - 1].0).ok_or(ListError::BadSize)?;
    // The name starts one space after the time column, and keeps any
    // further spaces: `ls` writes exactly one.
    let name_at = words[date_at + 2].1 + 1;
    let name = line.get(name_at..).filter(|name| !name.is_empty());
    let name = name.ok_or(ListError::MissingName)?;
    let (name, link_target) = match (kind, name.split_once(" -> ")) {
        (Kind::Symlink, Some((name, target))) => (name, Some(target.to_string())),
        _ => (name, None),
    };
    Ok(ListEntry {
        name: name.to_string(),
        kind,
        size,
        time,
        permissions: Some(permissions),
        link_target,
    })
}

/// `Dec 01 08:15` or `Jan 05  2025`; `None` if these words are not a date
/// at all, `Some(Err)` if they are one that does not exist.
fn unix_date(month: &str, day: &str, time: &str) -> Option<Result<ListTime, ListError>> {
    let month = MONTH_NAMES.iter().position(|&name| name == month)? as u32 + 1;
    if !is_digits(day) || day.len() > 2 {
        return None;
    }
    let day = day.parse().ok()?;
    let time = match time.split_once(':') {
        Some((hour, minute)) => ListTime::NoYear {
            month,
            day,
            hour: two_digits(hour)?,
            minute: two_digits(minute)?,
        },
        None if time.len() == 4 && is_digits(time) => ListTime::NoTime {
            year: time.parse().ok()?,
            month,
            day,
        },
        None => return None,
    };
    Some(check_time(time))
}

/// `time` if it names a real date and time. Without a year, February 29
/// may be right (some years have one), so a leap year stands in.
fn check_time(time: ListTime) -> Result<ListTime, ListError> {
    let (year, month, day, hour, minute) = time.fields();
    let civil = Civil::new(year.unwrap_or(2000), month, day, hour, minute, 0);
    civil.to_seconds().map(|_| time).ok_or(ListError::BadDate)
}

/// The kind and permission bits of `-rw-r--r--` (see [`mode_string`]). A
/// final `+`, `.` or `@` (an ACL, a security context, extended
/// attributes) is allowed and ignored.
fn parse_mode(word: &str) -> Result<(Kind, u32), ListError> {
    let bytes = word.as_bytes();
    let kind = match bytes.first() {
        Some(b'-') => Kind::File,
        Some(b'd') => Kind::Dir,
        Some(b'l') => Kind::Symlink,
        Some(&letter @ (b'b' | b'c' | b'p' | b's' | b'D')) => {
            return Err(ListError::UnsupportedType(char::from(letter)));
        }
        _ => return Err(ListError::BadPermissions),
    };
    let letters = match bytes {
        [_, letters @ .., b'+' | b'.' | b'@'] if letters.len() == 9 => letters,
        [_, letters @ ..] if letters.len() == 9 => letters,
        _ => return Err(ListError::BadPermissions),
    };
    let mut mode = 0;
    let specials = [(0o4000, b's'), (0o2000, b's'), (0o1000, b't')];
    for (group, (triplet, (special, letter))) in letters.chunks(3).zip(specials).enumerate() {
        let shift = 6 - 3 * group as u32;
        let read = match triplet[0] {
            b'r' => 0o4,
            b'-' => 0,
            _ => return Err(ListError::BadPermissions),
        };
        let write = match triplet[1] {
            b'w' => 0o2,
            b'-' => 0,
            _ => return Err(ListError::BadPermissions),
        };
        let (execute, extra) = match triplet[2] {
            b'x' => (0o1, 0),
            b'-' => (0, 0),
            x if x == letter => (0o1, special),
            x if x == letter.to_ascii_uppercase() => (0, special),
            _ => return Err(ListError::BadPermissions),
        };
        mode |= ((read | write | execute) << shift) | extra;
    }
    Ok((kind, mode))
}

/// `12-01-26  08:15AM  <DIR>  name` or `12-01-26  08:15AM  1024  name`
/// (IIS; `MM-DD-YY`, or `MM-DD-YYYY`, and a 12-hour or 24-hour clock).
fn parse_dos_line(line: &str, words: &[(&str, usize)]) -> Result<ListEntry, ListError> {
    let [(date, _), (time, _), (size, size_end), ..] = words else {
        return Err(ListError::NotAnEntry);
    };
    let time = dos_time(date, time).ok_or(ListError::NotAnEntry)?;
    let time = check_time(time)?;
    let (kind, size) = match *size {
        "<DIR>" => (Kind::Dir, 0),
        size if is_digits(size) => (Kind::File, parse_u64(size).ok_or(ListError::BadSize)?),
        _ => return Err(ListError::NotAnEntry),
    };
    // The name starts after the spaces that follow the size column.
    let name = line[*size_end..].trim_start_matches(' ');
    if name.is_empty() {
        return Err(ListError::MissingName);
    }
    Ok(ListEntry {
        name: name.to_string(),
        kind,
        size,
        time,
        permissions: None,
        link_target: None,
    })
}

/// The date and time of the MS-DOS form; `None` if they are not one.
fn dos_time(date: &str, time: &str) -> Option<ListTime> {
    let mut parts = date.split('-');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_digits(year) {
        return None;
    }
    let year = match year.len() {
        // Two digits: 70 to 99 are 1970 to 1999, the rest 2000 to 2069.
        2 => year
            .parse::<i64>()
            .ok()
            .map(|y| if y < 70 { 2000 + y } else { 1900 + y })?,
        4 => year.parse().ok()?,
        _ => return None,
    };
    // A 12-hour clock ends in AM or PM (is it after noon?).
    let (clock, after_noon) = if let Some(clock) = time.strip_suffix("AM") {
        (clock, Some(false))
    } else if let Some(clock) = time.strip_suffix("PM") {
        (clock, Some(true))
    } else {
        (time, None)
    };
    let (hour, minute) = clock.split_once(':')?;
    let (hour, minute) = (two_digits(hour)?, two_digits(minute)?);
    let hour = match after_noon {
        None => hour,
        // 12:30AM is half past midnight, 12:30PM half past noon.
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    Some(ListTime::Minute {
        year,
        month: two_digits(month)?,
        day: two_digits(day)?,
        hour,
        minute,
    })
}

/// Whether `text` is one or more ASCII digits (no sign, no space).
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The value of one or two digits.
fn two_digits(text: &str) -> Option<u32> {
    match text.len() <= 2 && is_digits(text) {
        true => text.parse().ok(),
        false => None,
    }
}

/// The value of a decimal number of bytes; `None` if it is not digits, or
/// does not fit in a `u64` (the parse checks for overflow).
fn parse_u64(text: &str) -> Option<u64> {
    match is_digits(text) {
        true => text.parse().ok(),
        false => None,
    }
}

// ---------------------------------------------------------------------
// The client's side: MLSx lines into entries.

/// The `type` fact of an MLSx entry (RFC 3659 §7.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlsxType {
    /// `file`.
    File,
    /// `dir`: a directory inside the one listed.
    Dir,
    /// `cdir`: the directory listed itself (`.`).
    CurrentDir,
    /// `pdir`: its parent (`..`).
    ParentDir,
    /// `OS.unix=symlink`, or `OS.unix=slink` (with `:target` on some servers).
    Symlink,
    /// Any other type, as sent (`OS.unix=blockdev`).
    Other(String),
}

/// One entry read from an `MLSD` line (or an `MLST` one, less its leading
/// space). A fact the line did not carry is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsxEntry {
    /// The name, exactly as sent: everything after the first space.
    pub name: String,
    /// The `type` fact.
    pub kind: Option<MlsxType>,
    /// The `size` fact, in bytes.
    pub size: Option<u64>,
    /// The `modify` fact, in UTC (fractions of a second kept to the
    /// nanosecond).
    pub modified: Option<SystemTime>,
    /// The `perm` fact's letters, as sent (see [`PERM_LETTERS`]).
    pub perm: Option<String>,
    /// The `UNIX.mode` fact: the permission bits.
    pub mode: Option<u32>,
}

// ANCHOR: parse_mlsx_line
/// Reads one `MLSD` line: `fact=value;fact=value; name`.
///
/// Fact names are case-insensitive (RFC 3659 §7.5), and facts this
/// parser does not know (`unique`, `lang`, `UNIX.owner`…) are skipped: a
/// server may send any facts, in any order (§7.2). The name is everything
/// after the first space, kept exactly, spaces and semicolons included:
/// "the set of facts must not contain any spaces" (§7.2). A line end at
/// the end of `line` is ignored. An `MLST` reply line starts with one
/// more space (`250-` then ` type=file; name`): the caller removes it.
pub fn parse_mlsx_line(line: &str) -> Result<MlsxEntry, ListError> {
    let line = without_line_end(line);
    if line.len() > MAX_LIST_LINE_LEN {
        return Err(ListError::TooLong);
    }
    let (facts, name) = line.split_once(' ').ok_or(ListError::MissingSpace)?;
    if name.is_empty() {
        return Err(ListError::MissingName);
    }
    let mut entry = MlsxEntry {
        name: name.to_string(),
        kind: None,
        size: None,
        modified: None,
        perm: None,
        mode: None,
    };
    for fact in facts.split(';').filter(|fact| !fact.is_empty()) {
        let (fact, value) = fact.split_once('=').ok_or(ListError::BadFact)?;
        let is = |known: &str| fact.eq_ignore_ascii_case(known);
        if is("type") {
            entry.kind = Some(mlsx_type(value));
        } else if is("size") {
            entry.size = Some(parse_u64(value).ok_or(ListError::BadSize)?);
        } else if is("modify") {
            entry.modified = Some(parse_mlsx_time(value).ok_or(ListError::BadModify)?);
        } else if is("perm") {
            entry.perm = Some(value.to_string());
        } else if is("UNIX.mode") {
            entry.mode = Some(parse_unix_mode(value).ok_or(ListError::BadMode)?);
        }
    }
    Ok(entry)
}
// ANCHOR_END: parse_mlsx_line

/// The value of a `type` fact (case-insensitive).
fn mlsx_type(value: &str) -> MlsxType {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "file" => MlsxType::File,
        "dir" => MlsxType::Dir,
        "cdir" => MlsxType::CurrentDir,
        "pdir" => MlsxType::ParentDir,
        "os.unix=symlink" => MlsxType::Symlink,
        other if other == "os.unix=slink" || other.starts_with("os.unix=slink:") => {
            MlsxType::Symlink
        }
        _ => MlsxType::Other(value.to_string()),
    }
}

/// `YYYYMMDDHHMMSS`, then perhaps `.` and a fraction of a second (RFC 3659
/// §2.3), in UTC; `None` if it is not a real time.
fn parse_mlsx_time(value: &str) -> Option<SystemTime> {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (value, None),
    };
    if whole.len() != 14 || !is_digits(whole) {
        return None;
    }
    // Fourteen digits, each field at most four: no overflow below.
    let field = |range: std::ops::Range<usize>| whole[range].parse::<u32>().ok();
    let civil = Civil {
        year: i64::from(field(0..4)?),
        month: field(4..6)?,
        day: field(6..8)?,
        hour: field(8..10)?,
        minute: field(10..12)?,
        second: field(12..14)?,
    };
    let nanos = match fraction {
        None => 0,
        Some(digits) if is_digits(digits) => {
            // The first nine digits are nanoseconds; finer ones are dropped.
            let kept = &digits[..digits.len().min(9)];
            let scale = 10u32.pow(9 - kept.len() as u32);
            kept.parse::<u32>().ok()? * scale
        }
        Some(_) => return None,
    };
    system_time(civil.to_seconds()?, nanos)
}

/// An octal mode of one to four digits (`644`, `0644`, `4755`).
fn parse_unix_mode(value: &str) -> Option<u32> {
    let octal =
        !value.is_empty() && value.len() <= 4 && value.bytes().all(|b| b"01234567".contains(&b));
    match octal {
        true => u32::from_str_radix(value, 8).ok(),
        false => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 09:00:00 UTC: "now" in these tests.
    const NOW: u64 = 1_796_115_600;
    /// 2026-12-01 08:15:00 UTC.
    const DEC_01_0815: u64 = 1_796_112_900;
    /// 2025-01-05 00:00:00 UTC.
    const JAN_05_2025: u64 = 1_736_035_200;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn file(name: &str, size: u64, modified: u64, permissions: u32) -> DirEntry {
        DirEntry {
            name: name.to_string(),
            kind: Kind::File,
            size,
            modified: at(modified),
            permissions,
        }
    }

    fn with_kind(kind: Kind, entry: DirEntry) -> DirEntry {
        DirEntry { kind, ..entry }
    }

    #[test]
    fn list_lines_are_written_as_ls_l_prints_them() {
        let table = [
            (
                file("notes.txt", 1024, DEC_01_0815, 0o644),
                "-rw-r--r--    1 ftp      ftp          1024 Dec 01 08:15 notes.txt",
            ),
            // Older than six months: the year instead of the time.
            (
                file("old.txt", 7, JAN_05_2025, 0o600),
                "-rw-------    1 ftp      ftp             7 Jan 05  2025 old.txt",
            ),
            // In the future: the year too (`ls` says "check this date").
            (
                file("later", 0, NOW + 3600, 0o644),
                "-rw-r--r--    1 ftp      ftp             0 Dec 01  2026 later",
            ),
            (
                with_kind(Kind::Dir, file("old photos", 4096, DEC_01_0815, 0o40755)),
                "drwxr-xr-x    1 ftp      ftp          4096 Dec 01 08:15 old photos",
            ),
            // A link without its target: a path on the server's disk.
            (
                with_kind(Kind::Symlink, file("latest", 9, DEC_01_0815, 0o777)),
                "lrwxrwxrwx    1 ftp      ftp             9 Dec 01 08:15 latest",
            ),
            // Set-user-ID, set-group-ID without x, sticky.
            (
                file("odd", 1, DEC_01_0815, 0o7745),
                "-rwsr-Sr-t    1 ftp      ftp             1 Dec 01 08:15 odd",
            ),
            // A size wider than its column pushes the rest along.
            (
                file("big.iso", 12_345_678_901, DEC_01_0815, 0o644),
                "-rw-r--r--    1 ftp      ftp      12345678901 Dec 01 08:15 big.iso",
            ),
        ];
        for (entry, line) in table {
            assert_eq!(format_list_line(&entry, at(NOW)).as_deref(), Ok(line));
        }
    }

    #[test]
    fn the_time_of_day_is_shown_for_six_months_back_and_not_a_second_more() {
        let line = |modified| format_list_line(&file("f", 0, modified, 0o644), at(NOW)).unwrap();
        let six_months_ago = NOW - SIX_MONTHS as u64;
        // 2026-06-01 18:05:24 is six months before 2026-12-01 09:00:00.
        assert!(line(six_months_ago + 1).ends_with(" Jun 01 18:05 f"));
        assert!(line(six_months_ago).ends_with(" Jun 01  2026 f"));
        assert!(line(NOW).ends_with(" Dec 01 09:00 f"));
        assert!(line(NOW + 1).ends_with(" Dec 01  2026 f"));
    }

    #[test]
    fn names_that_would_break_a_line_are_refused() {
        // A name with a line end would make the client read two entries,
        // one of them made up by whoever named the file.
        for name in [
            "",
            "a\r\n-rw-r--r-- 1 x x 1 Jan 01 2000 fake",
            "a\nb",
            "a\rb",
            "nul\0",
        ] {
            let entry = file(name, 0, NOW, 0o644);
            let refused = Err(ListError::UnlistableName);
            assert_eq!(format_list_line(&entry, at(NOW)), refused, "{name:?}");
            assert_eq!(format_nlst_line(&entry), refused, "{name:?}");
            assert_eq!(format_mlsx_line(&entry, "r"), refused, "{name:?}");
        }
    }

    #[test]
    fn a_name_too_long_for_a_client_is_refused() {
        let entry = file(&"x".repeat(MAX_LIST_LINE_LEN), 0, NOW, 0o644);
        assert_eq!(format_list_line(&entry, at(NOW)), Err(ListError::TooLong));
        assert_eq!(format_mlsx_line(&entry, ""), Err(ListError::TooLong));
    }

    #[test]
    fn nlst_lines_are_the_names() {
        let entry = file("a b;c.txt", 3, NOW, 0o644);
        assert_eq!(format_nlst_line(&entry).as_deref(), Ok("a b;c.txt"));
    }

    #[test]
    fn mlsx_lines_are_written_as_rfc_3659_shows_them() {
        let table = [
            (
                file("notes.txt", 1024, DEC_01_0815, 0o100644),
                "r",
                "type=file;size=1024;modify=20261201081500;perm=r;UNIX.mode=0644; notes.txt",
            ),
            // A directory has no size fact (RFC 3659 §7.5.7).
            (
                with_kind(Kind::Dir, file("my dir;x", 4096, JAN_05_2025, 0o755)),
                "elcmp",
                "type=dir;modify=20250105000000;perm=elcmp;UNIX.mode=0755; my dir;x",
            ),
            (
                with_kind(Kind::Symlink, file("latest", 9, DEC_01_0815, 0o777)),
                "",
                "type=OS.unix=symlink;size=9;modify=20261201081500;perm=;UNIX.mode=0777; latest",
            ),
        ];
        for (entry, perm, line) in table {
            assert_eq!(format_mlsx_line(&entry, perm).as_deref(), Ok(line));
        }
    }

    #[test]
    fn perm_letters_outside_rfc_3659_are_refused() {
        let entry = file("f", 0, NOW, 0o644);
        assert_eq!(
            format_mlsx_line(&entry, "rx"),
            Err(ListError::UnknownPermLetter('x'))
        );
        assert_eq!(
            format_mlsx_line(&entry, "r; evil"),
            Err(ListError::UnknownPermLetter(';'))
        );
    }

    fn no_year(month: u32, day: u32, hour: u32, minute: u32) -> ListTime {
        ListTime::NoYear {
            month,
            day,
            hour,
            minute,
        }
    }

    fn listed(name: &str, kind: Kind, size: u64, time: ListTime, mode: Option<u32>) -> ListEntry {
        ListEntry {
            name: name.to_string(),
            kind,
            size,
            time,
            permissions: mode,
            link_target: None,
        }
    }

    #[test]
    fn list_lines_of_real_servers_are_read() {
        let jan_05_2025 = ListTime::NoTime {
            year: 2025,
            month: 1,
            day: 5,
        };
        let table = [
            // vsftpd.
            (
                "-rw-r--r--    1 ftp      ftp          1024 Dec 01 08:15 notes.txt",
                listed(
                    "notes.txt",
                    Kind::File,
                    1024,
                    no_year(12, 1, 8, 15),
                    Some(0o644),
                ),
            ),
            // GNU ls: the day padded with a space, the year form.
            (
                "drwxr-xr-x 2 alice staff 4096 Jan  5  2025 old photos",
                listed("old photos", Kind::Dir, 4096, jan_05_2025, Some(0o755)),
            ),
            // No group column; an ACL marker after the mode; a CR LF end.
            (
                "-rw-r-----+ 1 alice 5 Dec 1 08:15  two  spaces \r\n",
                listed(
                    " two  spaces ",
                    Kind::File,
                    5,
                    no_year(12, 1, 8, 15),
                    Some(0o640),
                ),
            ),
            // A name that looks like the columns.
            (
                "-rw-r--r-- 1 ftp ftp 3 Dec 01 08:15 1 Dec 01 08:15 x",
                listed(
                    "1 Dec 01 08:15 x",
                    Kind::File,
                    3,
                    no_year(12, 1, 8, 15),
                    Some(0o644),
                ),
            ),
            // IIS, 12-hour clock.
            (
                "12-01-26  08:15AM       <DIR>          photos",
                listed("photos", Kind::Dir, 0, dos(2026, 12, 1, 8, 15), None),
            ),
            (
                "12-01-26  12:05PM                 1024 notes 2.txt",
                listed(
                    "notes 2.txt",
                    Kind::File,
                    1024,
                    dos(2026, 12, 1, 12, 5),
                    None,
                ),
            ),
            (
                "01-05-1999  12:30AM  7 old",
                listed("old", Kind::File, 7, dos(1999, 1, 5, 0, 30), None),
            ),
        ];
        for (line, entry) in table {
            assert_eq!(parse_list_line(line), Ok(Some(entry)), "{line:?}");
        }
    }

    fn dos(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> ListTime {
        ListTime::Minute {
            year,
            month,
            day,
            hour,
            minute,
        }
    }

    #[test]
    fn a_symbolic_link_shows_its_target_after_an_arrow() {
        let line = "lrwxrwxrwx 1 ftp ftp 11 Dec 01 08:15 latest -> v2/a -> b";
        let entry = parse_list_line(line).unwrap().unwrap();
        assert_eq!((entry.name.as_str(), entry.kind), ("latest", Kind::Symlink));
        assert_eq!(entry.link_target.as_deref(), Some("v2/a -> b"));
        // Only a link's name is split: a file may be called "a -> b".
        let line = "-rw-r--r-- 1 ftp ftp 1 Dec 01 08:15 a -> b";
        let entry = parse_list_line(line).unwrap().unwrap();
        assert_eq!((entry.name.as_str(), entry.link_target), ("a -> b", None));
    }

    #[test]
    fn lines_without_an_entry_are_skipped() {
        for line in ["total 12", "total 0\r\n", "", "   ", "\r\n"] {
            assert_eq!(parse_list_line(line), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn bad_list_lines_are_refused_with_a_reason() {
        use ListError::*;
        let table = [
            ("hello world", NotAnEntry),
            ("-rw-r--r-- 1 ftp ftp 1024 Dec 01", NotAnEntry),
            ("-rw-r--r-- 1 ftp ftp 1024 Dec 01 08:15", MissingName),
            ("-rw-r--r-- 1 ftp ftp 1024 Dec 01 08:15 ", MissingName),
            (
                "-rw-r--r-- 1 ftp ftp 18446744073709551616 Dec 01 08:15 big",
                BadSize,
            ),
            ("-rw-r--r-- 1 ftp ftp 1 Feb 30 08:15 x", BadDate),
            ("-rw-r--r-- 1 ftp ftp 1 Feb 29  2025 x", BadDate),
            ("-rw-r--r-- 1 ftp ftp 1 Dec 01 24:00 x", BadDate),
            ("-rw-r--r-- 1 ftp ftp 1 Dec 32 08:15 x", BadDate),
            (
                "crw-r--r-- 1 root root 5 Dec 01 08:15 tty",
                UnsupportedType('c'),
            ),
            (
                "prw-r--r-- 1 root root 0 Dec 01 08:15 fifo",
                UnsupportedType('p'),
            ),
            ("-rw-r--r 1 ftp ftp 1 Dec 01 08:15 short", BadPermissions),
            ("-rwxq-x--- 1 ftp ftp 1 Dec 01 08:15 q", BadPermissions),
            ("?rw-r--r-- 1 ftp ftp 1 Dec 01 08:15 q", BadPermissions),
            ("12-01-26  08:15AM", NotAnEntry),
            ("12-01-26  08:15AM  <DIR>", MissingName),
            ("12-01-26  13:15PM  <DIR> x", NotAnEntry),
            ("13-01-26  08:15AM  <DIR> x", BadDate),
            ("12-01-26  08:15AM  99999999999999999999 x", BadSize),
        ];
        for (line, error) in table {
            assert_eq!(parse_list_line(line), Err(error), "{line:?}");
        }
        let long = format!(
            "-rw-r--r-- 1 ftp ftp 1 Dec 01 08:15 {}",
            "x".repeat(MAX_LIST_LINE_LEN)
        );
        assert_eq!(parse_list_line(&long), Err(TooLong));
    }

    #[test]
    fn a_time_without_a_year_is_placed_in_the_six_months_before_now() {
        let now = at(NOW); // 2026-12-01 09:00
        let resolve = |time: ListTime| time.resolve(now);
        assert_eq!(resolve(no_year(12, 1, 8, 15)), Some(at(DEC_01_0815)));
        // Christmas, seen in early December, was last year's.
        let christmas_2025 = at(1_766_664_000); // 2025-12-25 12:00
        assert_eq!(resolve(no_year(12, 25, 12, 0)), Some(christmas_2025));
        // A server a few hours ahead still counts as this year.
        assert_eq!(resolve(no_year(12, 1, 20, 0)), Some(at(NOW + 11 * 3600)));
        // Seen in January 2026, December was 2025.
        let jan_2026 = at(1_767_225_600 + 86_400 * 10); // 2026-01-11 00:00
        assert_eq!(
            no_year(12, 1, 8, 15).resolve(jan_2026),
            Some(at(DEC_01_0815 - 365 * 86_400))
        );
        // February 29 falls in the last year that had one, or nowhere.
        let mar_2025 = at(1_740_787_200); // 2025-03-01 00:00
        assert_eq!(
            no_year(2, 29, 12, 0).resolve(mar_2025),
            Some(at(1_709_208_000))
        );
        assert_eq!(no_year(2, 29, 12, 0).resolve(at(NOW)), None);
    }

    #[test]
    fn list_lines_written_are_read_back_to_the_minute_or_to_the_day() {
        let recent = file("a b -> c", 1024, DEC_01_0815 + 59, 0o4755);
        let old = with_kind(Kind::Dir, file(" old ", 4096, JAN_05_2025 + 3661, 0o700));
        for (entry, expected_time) in [
            // Recent: the seconds are lost, the minute is kept.
            (&recent, at(DEC_01_0815)),
            // Old: the year form has no time of day; midnight is read.
            (&old, at(JAN_05_2025)),
        ] {
            let line = format_list_line(entry, at(NOW)).unwrap();
            let read = parse_list_line(&line).unwrap().unwrap();
            assert_eq!(read.name, entry.name);
            assert_eq!((read.kind, read.size), (entry.kind, entry.size));
            assert_eq!(read.permissions, Some(entry.permissions));
            assert_eq!(read.time.resolve(at(NOW)), Some(expected_time), "{line}");
        }
    }

    #[test]
    fn mlsx_lines_of_real_servers_are_read() {
        let line = "Type=file;Size=1024;Modify=20261201081500.25;Perm=adfrw;UNIX.owner=0;\
                    unique=801g4804045; my notes; v2.txt";
        let entry = parse_mlsx_line(line).unwrap();
        assert_eq!(entry.name, "my notes; v2.txt");
        assert_eq!(entry.kind, Some(MlsxType::File));
        assert_eq!(entry.size, Some(1024));
        let quarter = Duration::from_millis(250);
        assert_eq!(entry.modified, Some(at(DEC_01_0815) + quarter));
        assert_eq!(entry.perm.as_deref(), Some("adfrw"));
        assert_eq!(entry.mode, None);

        let types = [
            ("type=cdir; /pub", MlsxType::CurrentDir),
            ("type=pdir; ..", MlsxType::ParentDir),
            ("TYPE=DIR; x", MlsxType::Dir),
            ("type=OS.unix=slink:/etc/x; x", MlsxType::Symlink),
            ("type=OS.unix=symlink; x", MlsxType::Symlink),
            (
                "type=OS.unix=blockdev; x",
                MlsxType::Other("OS.unix=blockdev".into()),
            ),
        ];
        for (line, kind) in types {
            assert_eq!(parse_mlsx_line(line).unwrap().kind, Some(kind), "{line}");
        }
        // No facts at all, and a name that starts with a space.
        let bare = parse_mlsx_line("  name\r\n").unwrap();
        assert_eq!((bare.name.as_str(), bare.kind), (" name", None));
    }

    #[test]
    fn bad_mlsx_lines_are_refused_with_a_reason() {
        use ListError::*;
        let table = [
            ("type=file;size=1", MissingSpace),
            ("type=file; ", MissingName),
            ("type;size=1; x", BadFact),
            ("size=18446744073709551616; x", BadSize),
            ("size=-1; x", BadSize),
            ("size=+1; x", BadSize),
            ("modify=2026120108150; x", BadModify),
            ("modify=20261301081500; x", BadModify),
            ("modify=20260229081500; x", BadModify),
            ("modify=20261201081500.; x", BadModify),
            ("modify=20261201081500.x; x", BadModify),
            ("UNIX.mode=0o644; x", BadMode),
            ("UNIX.mode=99999; x", BadMode),
        ];
        for (line, error) in table {
            assert_eq!(parse_mlsx_line(line), Err(error), "{line:?}");
        }
    }

    #[test]
    fn mlsx_lines_written_are_read_back_whole() {
        let table = [
            (
                file("a b;c d", 1024, DEC_01_0815 + 59, 0o100644),
                "adfrw",
                Some(MlsxType::File),
            ),
            (
                with_kind(Kind::Dir, file(" d", 0, JAN_05_2025, 0o755)),
                "el",
                Some(MlsxType::Dir),
            ),
            (
                with_kind(Kind::Symlink, file("l", 3, 0, 0o777)),
                "",
                Some(MlsxType::Symlink),
            ),
        ];
        for (entry, perm, kind) in table {
            let line = format_mlsx_line(&entry, perm).unwrap();
            let read = parse_mlsx_line(&line).unwrap();
            let size = (entry.kind != Kind::Dir).then_some(entry.size);
            let expected = MlsxEntry {
                name: entry.name.clone(),
                kind,
                size,
                modified: Some(entry.modified),
                perm: Some(perm.to_string()),
                mode: Some(entry.permissions & 0o7777),
            };
            assert_eq!(read, expected, "{line}");
        }
    }

    #[test]
    fn times_outside_1970_to_9999_are_written_at_the_nearest_end() {
        let early = DirEntry {
            modified: UNIX_EPOCH - Duration::from_secs(1),
            ..file("e", 0, 0, 0)
        };
        let late = file("l", 0, LAST_SECOND as u64 + 10 * 365 * 86_400, 0);
        assert!(format_mlsx_line(&early, "")
            .unwrap()
            .contains("modify=19700101000000;"));
        assert!(format_mlsx_line(&late, "")
            .unwrap()
            .contains("modify=99991231235959;"));
        assert!(format_list_line(&late, at(NOW))
            .unwrap()
            .contains("Dec 31  9999 l"));
    }

    #[test]
    fn every_error_says_what_is_wrong() {
        assert_eq!(
            ListError::BadSize.to_string(),
            "size is not a number of bytes that fits in 64 bits"
        );
        assert_eq!(
            ListError::UnknownPermLetter('x').to_string(),
            "'x' is not an MLSx perm letter (one of acdeflmprw)"
        );
    }
}

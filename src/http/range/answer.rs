//! The decision: how to answer a `Range` header (RFC 9110 §14.2), and the
//! reference solution of chapter 06's exercise.

use super::RangeAnswer;

/// Decides how to answer `Range: header` for a file of `len` bytes.
pub fn answer_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Whole; // no Range, or a unit we do not know
    };
    if spec.contains(',') {
        return RangeAnswer::Whole; // several ranges: we may send it all
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole; // malformed: ignored, as §14.2 allows
    };
    // Digits only (str::parse would take "+5"); a number too large for
    // u64 is past the end of any file, so it saturates.
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().unwrap_or(u64::MAX))
    };
    match (number(first), number(last), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (None, Some(suffix), _) if first.is_empty() => match suffix {
            0 => RangeAnswer::Unsatisfiable,
            _ if len == 0 => RangeAnswer::Unsatisfiable,
            _ => RangeAnswer::Partial {
                start: len.saturating_sub(suffix),
                end: len - 1,
            },
        },
        // bytes=A- or bytes=A-B.
        (Some(start), last_pos, open) if open || last_pos.is_some() => {
            if start >= len {
                return RangeAnswer::Unsatisfiable;
            }
            let end = last_pos.map_or(len - 1, |last| last.min(len - 1));
            if end < start {
                return RangeAnswer::Whole; // "bytes=5-2" is invalid: ignore it
            }
            RangeAnswer::Partial { start, end }
        }
        _ => RangeAnswer::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeAnswer::*;

    #[test]
    fn answer_range_table() {
        let table = [
            (None, Whole),
            (Some("bytes=0-499"), Partial { start: 0, end: 499 }),
            (
                Some("bytes=500-"),
                Partial {
                    start: 500,
                    end: 999,
                },
            ),
            (
                Some("bytes=-100"),
                Partial {
                    start: 900,
                    end: 999,
                },
            ),
            (Some("bytes=-5000"), Partial { start: 0, end: 999 }),
            (
                Some("bytes=900-5000"),
                Partial {
                    start: 900,
                    end: 999,
                },
            ),
            (
                Some("bytes=999-999"),
                Partial {
                    start: 999,
                    end: 999,
                },
            ),
            (Some("bytes=1000-"), Unsatisfiable),
            (Some("bytes=-0"), Unsatisfiable),
            (Some("bytes=5-2"), Whole),
            (Some("bytes=0-1,5-6"), Whole),
            (Some("items=0-5"), Whole),
            (Some("bytes=x-y"), Whole),
            (Some("bytes=--5"), Whole),
            (Some("bytes=99999999999999999999999-"), Unsatisfiable),
            (
                Some("bytes=0-99999999999999999999999"),
                Partial { start: 0, end: 999 },
            ),
        ];
        for (header, expected) in table {
            assert_eq!(answer_range(header, 1000), expected, "{header:?}");
        }
    }

    #[test]
    fn an_empty_file_has_no_satisfiable_range() {
        assert_eq!(answer_range(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(answer_range(Some("bytes=-1"), 0), Unsatisfiable);
    }
}

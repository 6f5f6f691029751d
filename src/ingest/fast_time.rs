//! The common timestamp texts parsed on their bytes: `YYYY-MM-DD[T ]HH:MM:SS[.f…]` with
//! `Z`, `±HH:MM` or (in a fixed-offset `--tz`) nothing. Anything else, or anything out of
//! range, returns `None` and is left to the general parser (`zone::parse_instant`), which
//! decides and words the refusal: the two agree on every text this one accepts (tested
//! against each other in `tests/it/fast_time.rs`).

/// UTC microseconds of `text`, or `None` for the general parser to decide. `naive` is the
/// offset (seconds east) that a text without one is read in, when `--tz` is a fixed one.
pub fn instant(text: &[u8], naive: Option<i32>) -> Option<i64> {
    if text.len() < 19 || text[4] != b'-' || text[7] != b'-' || text[13] != b':' || text[16] != b':'
    {
        return None;
    }
    if text[10] != b'T' && text[10] != b' ' {
        return None;
    }
    let year = digits(&text[0..4])?;
    let (month, day) = (digits(&text[5..7])?, digits(&text[8..10])?);
    let (hour, minute, second) = (
        digits(&text[11..13])?,
        digits(&text[14..16])?,
        digits(&text[17..19])?,
    );
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &text[19..];
    let mut micros = 0i64;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        micros = fraction_micros(&fraction[..n]);
        rest = &fraction[n..];
    }
    let offset = match rest {
        [] => naive?,
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = (h * 3600 + m * 60) as i32;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - i64::from(offset);
    let at = seconds * 1_000_000 + micros;
    in_range(at).then_some(at)
}

/// The digits after a decimal point (ASCII digits only) as microseconds: the first six,
/// padded with zeros (`.5` is 500,000 µs), any further ones cut off.
pub(crate) fn fraction_micros(digits: &[u8]) -> i64 {
    let mut micros = 0i64;
    for b in digits.iter().take(6) {
        micros = micros * 10 + i64::from(b - b'0');
    }
    for _ in digits.len()..6 {
        micros *= 10;
    }
    micros
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Log times the tool accepts, in UTC microseconds: [1970-01-01, 2100-01-01). A web log
/// cannot hold anything outside; such a value is a clock or export error, and counting it
/// would put a 1969 "first exposure" in front of a regulator.
pub const EARLIEST_MICROS: i64 = 0;
pub const LATEST_MICROS: i64 = 4_102_444_800_000_000;

pub fn in_range(micros: i64) -> bool {
    (EARLIEST_MICROS..LATEST_MICROS).contains(&micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_498_111_500_000_000; // 2017-06-22T06:05:00Z

    #[test]
    fn common_forms() {
        assert_eq!(instant(b"2017-06-22T06:05:00Z", None), Some(T));
        assert_eq!(instant(b"2017-06-22T15:05:00+09:00", None), Some(T));
        assert_eq!(
            instant(b"2017-06-22 15:05:00.123456789+09:00", None),
            Some(T + 123_456)
        );
        assert_eq!(
            instant(b"2017-06-22T06:05:00.5", Some(0)),
            Some(T + 500_000)
        );
        assert_eq!(instant(b"2017-06-22T15:05:00", Some(9 * 3600)), Some(T));
        assert_eq!(instant(b"2017-06-22T15:05:00", None), None);
        assert_eq!(instant(b"2017-02-29T00:00:00Z", None), None);
        assert_eq!(
            instant(b"2016-02-29T00:00:00Z", None),
            Some(1_456_704_000_000_000)
        );
        assert_eq!(instant(b"1969-12-31T23:59:59Z", None), None);
        assert_eq!(instant(b"2017-06-22T06:05:60Z", None), None);
        assert_eq!(instant(b" 2017-06-22T06:05:00Z", None), None);
        assert_eq!(instant(b"2017-06-22T06:05:00+0900", None), None);
    }
}

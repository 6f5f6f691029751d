//! Vendors' timestamps, to UTC microseconds, and the resolution they were logged at.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

/// How a format writes its request time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeText {
    /// `date` and `time` columns joined with a space: `2017-06-22 06:05:00`, UTC (W3C).
    DateSpaceTime,
    /// RFC 3339 / ISO 8601 with an offset, any fraction of a second.
    Rfc3339,
    /// Common log format: `22/Jun/2017:15:05:00 +0900` (brackets allowed).
    Clf,
    /// A strftime pattern with an offset, or naive and then UTC.
    Strftime(String),
    /// Unix time in seconds, whole or with a decimal fraction (`1498111500.123`).
    UnixSeconds,
    /// Unix time in milliseconds, microseconds or nanoseconds (a whole number).
    UnixMillis,
    UnixMicros,
    UnixNanos,
    /// A number whose magnitude says its unit (seconds, ms, µs or ns), or RFC 3339 text:
    /// Cloudflare's `unix`, `unixnano` and `rfc3339` timestamp formats.
    Any,
}

/// A parsed time: UTC microseconds, and the resolution its text shows (µs).
pub fn parse(text: &str, kind: &TimeText) -> Option<(i64, i64)> {
    let text = text.trim();
    match kind {
        TimeText::DateSpaceTime => {
            let (date, time) = text.split_once(' ')?;
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
            let time = NaiveTime::parse_from_str(time, "%H:%M:%S%.f").ok()?;
            let micros = date.and_time(time).and_utc().timestamp_micros();
            Some((micros, fraction_resolution(text)))
        }
        TimeText::Rfc3339 => {
            let at = DateTime::parse_from_rfc3339(text).ok()?;
            Some((at.timestamp_micros(), fraction_resolution(text)))
        }
        TimeText::Clf => {
            let text = text.trim_start_matches('[').trim_end_matches(']');
            let at = DateTime::parse_from_str(text, "%d/%b/%Y:%H:%M:%S %z").ok()?;
            Some((at.timestamp_micros(), 1_000_000))
        }
        TimeText::Strftime(pattern) => {
            let text = text.trim_start_matches('[').trim_end_matches(']');
            let micros = match DateTime::parse_from_str(text, pattern) {
                Ok(at) => at.timestamp_micros(),
                Err(_) => NaiveDateTime::parse_from_str(text, pattern)
                    .ok()?
                    .and_utc()
                    .timestamp_micros(),
            };
            let resolution = if pattern.contains("%f") || pattern.contains("%.f") {
                fraction_resolution(text)
            } else {
                1_000_000
            };
            Some((micros, resolution))
        }
        TimeText::UnixSeconds => unix_decimal(text),
        TimeText::UnixMillis => whole(text, 1_000),
        TimeText::UnixMicros => whole(text, 1),
        TimeText::UnixNanos => whole(text, -1_000),
        TimeText::Any => {
            if text.contains(['-', 'T']) {
                return parse(text, &TimeText::Rfc3339);
            }
            if text.contains('.') {
                return unix_decimal(text);
            }
            // By magnitude: seconds have 10 digits from 2001 to 2286.
            match text.len() {
                0..=11 => whole(text, 1_000_000),
                12..=14 => whole(text, 1_000),
                15..=17 => whole(text, 1),
                _ => whole(text, -1_000),
            }
        }
    }
}

/// A whole number of units of `micros` µs each (negative: 1/-micros µs each, floored).
fn whole(text: &str, micros: i64) -> Option<(i64, i64)> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    if micros > 0 {
        Some((n.checked_mul(micros)?, micros))
    } else {
        Some((n.div_euclid(-micros), 1))
    }
}

/// `1498111500.123`: seconds and a decimal fraction; the resolution is its last digit.
fn unix_decimal(text: &str) -> Option<(i64, i64)> {
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
    if seconds.is_empty() || !seconds.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = seconds.parse().ok()?;
    let digits = fraction.len().min(6);
    let micros = crate::ingest::fraction_micros(fraction.as_bytes());
    let resolution = 10i64.pow((6 - digits) as u32);
    Some((
        seconds.checked_mul(1_000_000)?.checked_add(micros)?,
        resolution,
    ))
}

/// The resolution shown by the digits after the seconds' decimal point (`.123`: 1 ms).
fn fraction_resolution(text: &str) -> i64 {
    let Some(dot) = text.rfind(['.', ',']) else {
        return 1_000_000;
    };
    let digits = text[dot + 1..]
        .bytes()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        1_000_000
    } else {
        10i64.pow(6 - digits.min(6) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_498_111_500_000_000; // 2017-06-22T06:05:00Z

    #[test]
    fn each_vendor_form() {
        assert_eq!(
            parse("2017-06-22 06:05:00", &TimeText::DateSpaceTime),
            Some((T, 1_000_000))
        );
        assert_eq!(
            parse("2017-06-22T15:05:00.250+09:00", &TimeText::Rfc3339),
            Some((T + 250_000, 1_000))
        );
        assert_eq!(
            parse("[22/Jun/2017:15:05:00 +0900]", &TimeText::Clf),
            Some((T, 1_000_000))
        );
        assert_eq!(
            parse("1498111500.123", &TimeText::UnixSeconds),
            Some((T + 123_000, 1_000))
        );
        assert_eq!(parse("1498111500", &TimeText::Any), Some((T, 1_000_000)));
        assert_eq!(
            parse("1498111500123456789", &TimeText::Any),
            Some((T + 123_456, 1))
        );
        assert_eq!(
            parse("2017-06-22T06:05:00Z", &TimeText::Any),
            Some((T, 1_000_000))
        );
        assert_eq!(
            parse(
                "2017-06-22 06:05:00",
                &TimeText::Strftime("%Y-%m-%d %H:%M:%S".into())
            ),
            Some((T, 1_000_000))
        );
        assert_eq!(parse("22/Jun/2017", &TimeText::Clf), None);
        assert_eq!(parse("-", &TimeText::UnixSeconds), None);
    }
}

//! `--tz`: an IANA zone or a fixed offset. It reads naive timestamps and writes every
//! output time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Named(chrono_tz::UTC)
    }
}

impl FromStr for Zone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with(['+', '-']) {
            return parse_offset(s)
                .map(Zone::Fixed)
                .ok_or_else(|| format!("{s:?} is not a fixed offset like +09:00"));
        }
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::default());
        }
        s.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
            format!("{s:?} is not an IANA time zone (e.g. Asia/Tokyo) or an offset (e.g. +09:00)")
        })
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Named(tz) => write!(f, "{}", tz.name()),
            Zone::Fixed(offset) => write!(f, "{offset}"),
        }
    }
}

impl Zone {
    /// The instant a naive local time denotes in this zone. An ambiguous time (DST fall-back)
    /// takes the earlier instant; a non-existent one (spring-forward gap) is None.
    pub fn from_local(&self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(offset) => offset
                .from_local_datetime(&naive)
                .single()
                .map(|d| d.with_timezone(&Utc)),
            Zone::Named(tz) => match tz.from_local_datetime(&naive) {
                LocalResult::Single(d) => Some(d.with_timezone(&Utc)),
                LocalResult::Ambiguous(early, _) => Some(early.with_timezone(&Utc)),
                LocalResult::None => None,
            },
        }
    }

    /// RFC 3339 in this zone, with fractional seconds only when present (the one writer:
    /// `time_text::push_rfc3339`).
    pub fn format(&self, instant: DateTime<Utc>) -> String {
        self.format_micros(instant.timestamp_micros())
    }

    /// The offset in force in this zone at the UTC time `utc`.
    pub fn offset_at(&self, utc: &NaiveDateTime) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => tz.offset_from_utc_datetime(utc).fix(),
        }
    }

    /// `instant` on this zone's clock, with the offset in force then.
    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset_at(&instant.naive_utc()))
    }

    /// Formats microseconds since the epoch.
    pub fn format_micros(&self, micros: i64) -> String {
        if DateTime::<Utc>::from_timestamp_micros(micros).is_none() {
            return micros.to_string();
        }
        let mut text = String::with_capacity(32);
        super::time_text::push_rfc3339(&mut text, micros, self);
        text
    }
}

/// The polars time zone for an IANA zone (chrono-tz and polars share the same names).
pub fn polars_zone(tz: &chrono_tz::Tz) -> polars::prelude::TimeZone {
    polars::prelude::TimeZone::from_chrono(tz)
}

/// Parses a timestamp the contract accepts: RFC 3339 with offset, or a naive
/// `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY-MM-DDTHH:MM:SS[.fff]` taken in `zone`.
pub fn parse_instant(text: &str, zone: &Zone) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return zone.from_local(naive);
        }
    }
    None
}

/// Parses a log timestamp: with `pattern` (`--ts-format`, strftime as chrono reads it,
/// e.g. `%d/%b/%Y:%H:%M:%S %z`) by that pattern only, the instant taken from its offset when
/// the pattern has one (`%z`, `%:z`) and in `zone` otherwise; without, as `parse_instant`.
pub fn parse_log_time(text: &str, zone: &Zone, pattern: Option<&str>) -> Option<DateTime<Utc>> {
    let Some(pattern) = pattern else {
        return parse_instant(text, zone);
    };
    let text = text.trim();
    if pattern_has_offset(pattern) {
        DateTime::parse_from_str(text, pattern)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    } else {
        NaiveDateTime::parse_from_str(text, pattern)
            .ok()
            .and_then(|naive| zone.from_local(naive))
    }
}

fn pattern_has_offset(pattern: &str) -> bool {
    ["%z", "%:z", "%::z", "%#z"]
        .iter()
        .any(|offset| pattern.contains(offset))
}

/// Checks a `--ts-format` pattern: it must be valid strftime and name at least a date and
/// an hour, or no row could be read by it.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(pattern).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "{pattern:?} is not a strftime pattern (e.g. \"%d/%b/%Y:%H:%M:%S %z\")"
        ));
    }
    let has = |codes: &[&str]| codes.iter().any(|c| pattern.contains(c));
    if !has(&["%Y", "%y", "%G", "%F", "%D", "%x", "%c", "%s"])
        || !has(&["%H", "%I", "%k", "%l", "%T", "%R", "%X", "%c", "%s"])
    {
        return Err(format!(
            "{pattern:?} has no date or no hour: a timestamp pattern needs both (e.g. \"%d/%b/%Y:%H:%M:%S %z\")"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zones_and_offsets() {
        assert_eq!(
            "Asia/Tokyo".parse::<Zone>().unwrap().to_string(),
            "Asia/Tokyo"
        );
        assert_eq!("+09:00".parse::<Zone>().unwrap().to_string(), "+09:00");
        assert_eq!("-0530".parse::<Zone>().unwrap().to_string(), "-05:30");
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("+25:00".parse::<Zone>().is_err());
    }

    #[test]
    fn reads_naive_times_in_the_zone() {
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap();
        let a = parse_instant("2017-06-22 10:00:00", &tokyo).unwrap();
        let b = parse_instant("2017-06-22T01:00:00Z", &tokyo).unwrap();
        assert_eq!(a, b);
        assert_eq!(tokyo.format(a), "2017-06-22T10:00:00+09:00");
        let c = parse_instant("2017-06-22T10:00:00.250+09:00", &Zone::default()).unwrap();
        assert_eq!(Zone::default().format(c), "2017-06-22T01:00:00.250+00:00");
        assert!(parse_instant("22/06/2017", &tokyo).is_none());
    }

    #[test]
    fn reads_times_by_a_pattern() {
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap();
        let clf = Some("%d/%b/%Y:%H:%M:%S %z");
        let a = parse_log_time("22/Jun/2017:10:00:00 +0900", &Zone::default(), clf).unwrap();
        assert_eq!(a, parse_instant("2017-06-22T01:00:00Z", &tokyo).unwrap());
        // Without an offset in the pattern the zone decides.
        let b = parse_log_time("2017/06/22 10.00.00", &tokyo, Some("%Y/%m/%d %H.%M.%S")).unwrap();
        assert_eq!(a, b);
        // A pattern is the only form accepted: RFC 3339 no longer parses.
        assert!(parse_log_time("2017-06-22T01:00:00Z", &tokyo, clf).is_none());
        assert!(check_pattern("%d/%b/%Y:%H:%M:%S %z").is_ok());
        assert!(check_pattern("%Y-%m-%d").is_err());
        assert!(check_pattern("%Q").is_err());
    }
}

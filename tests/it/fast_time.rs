//! The fast timestamp parser against the general one: every text the fast one accepts, the
//! general one reads as the same instant; valid timestamps, mutated, are read by both as
//! the instant an independent oracle (chrono, called here) gives, or refused, never as
//! another instant; the common forms are accepted (so the fast path is the one taken);
//! and a log whose times need the general parser reads the same.

use pii_audit::ingest::fast_time::instant;
use pii_audit::ingest::{fixed_offset, parse_instant, Zone};
use proptest::prelude::*;

fn general(text: &str, zone: &Zone) -> Option<i64> {
    parse_instant(text, zone)
        .map(|d| d.timestamp_micros())
        .filter(|m| pii_audit::ingest::time_in_range(*m))
}

/// A timestamp-like text from parts, valid or not.
fn text() -> impl Strategy<Value = String> {
    let number = |max: u32, width: usize| (0..=max).prop_map(move |n| format!("{n:0width$}"));
    (
        prop_oneof![
            number(2110, 4),
            Just("1969".to_string()),
            Just("2100".to_string())
        ],
        number(13, 2),
        number(32, 2),
        prop_oneof![Just("T"), Just(" "), Just("t"), Just("_")],
        number(24, 2),
        number(60, 2),
        number(61, 2),
        prop_oneof![
            Just(String::new()),
            Just(".".to_string()),
            "\\.[0-9]{1,12}".prop_map(|s| s),
        ],
        prop_oneof![
            Just(String::new()),
            Just("Z".to_string()),
            Just("z".to_string()),
            "[+-](0[0-9]|1[0-9]|2[0-5]):[0-6][0-9]".prop_map(|s| s),
            "[+-][0-2][0-9][0-5][0-9]".prop_map(|s| s),
            Just(" ".to_string()),
        ],
    )
        .prop_map(|(y, mo, d, sep, h, mi, s, frac, tail)| {
            format!("{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{tail}")
        })
}

fn zone() -> impl Strategy<Value = Zone> {
    prop_oneof![
        Just("UTC"),
        Just("+09:00"),
        Just("-03:30"),
        Just("Asia/Tokyo"),
        Just("Europe/Berlin")
    ]
    .prop_map(|z| z.parse::<Zone>().expect("a zone"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn what_the_fast_parser_accepts_the_general_one_reads_alike(text in text(), zone in zone()) {
        if let Some(fast) = instant(text.as_bytes(), fixed_offset(&zone)) {
            prop_assert_eq!(Some(fast), general(&text, &zone), "{}", text);
        }
    }

    #[test]
    fn mutated_timestamps_read_as_the_oracle_says_or_not_at_all(
        (micros, offset, text) in valid_timestamp(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let zone: Zone = format_offset(offset).parse().expect("a fixed offset");
        // Unmutated, both read the instant it was written from.
        prop_assert_eq!(instant(text.as_bytes(), Some(offset)), Some(micros), "{}", text);
        prop_assert_eq!(general(&text, &zone), Some(micros), "{}", text);
        let mut bytes = text.into_bytes();
        for m in &mutations {
            m.apply(&mut bytes);
        }
        let mutated = String::from_utf8(bytes).expect("mutations keep ASCII");
        let expected = oracle(&mutated, offset);
        if let Some(fast) = instant(mutated.as_bytes(), Some(offset)) {
            prop_assert_eq!(Some(fast), expected, "fast parser on {:?}", mutated);
        }
        if let Some(read) = general(&mutated, &zone) {
            prop_assert_eq!(Some(read), expected, "general parser on {:?}", mutated);
        }
    }
}

/// Offsets (seconds east) the mutated timestamps are written at and read in.
const OFFSETS: [i32; 6] = [
    0,
    9 * 3600,
    -(3 * 3600 + 30 * 60),
    5 * 3600 + 45 * 60,
    -12 * 3600,
    14 * 3600,
];

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An instant in the accepted range, the offset it is written at, and its text in one of
/// the forms the contract reads: `T` or space, 0, 3, 6 or 9 fraction digits, `Z`, `±HH:MM`
/// or naive (read at the offset).
fn valid_timestamp() -> impl Strategy<Value = (i64, i32, String)> {
    let range = pii_audit::ingest::EARLIEST_MICROS..pii_audit::ingest::LATEST_MICROS;
    (
        range,
        0..OFFSETS.len(),
        0..5usize,
        prop_oneof![Just(0usize), Just(3), Just(6), Just(9)],
    )
        .prop_map(|(micros, o, form, digits)| {
            let offset = if form == 0 { 0 } else { OFFSETS[o] };
            let utc = chrono::DateTime::from_timestamp_micros(micros).expect("in range");
            let local = utc.naive_utc() + chrono::Duration::seconds(i64::from(offset));
            let separator = if form == 2 || form == 4 { " " } else { "T" };
            let mut text = local
                .format(&format!("%Y-%m-%d{separator}%H:%M:%S"))
                .to_string();
            let nanos = format!("{:09}", utc.timestamp_subsec_nanos());
            if digits > 0 {
                text.push('.');
                text.push_str(&nanos[..digits]);
            }
            match form {
                0 => text.push('Z'),
                1 | 2 => text.push_str(&format_offset(offset)),
                _ => {}
            }
            // A fraction cut short reads as the instant it then names.
            let kept = nanos[..digits].parse::<i64>().unwrap_or(0) * 10i64.pow(9 - digits as u32);
            let micros = micros - i64::from(utc.timestamp_subsec_micros()) + kept / 1000;
            (micros, offset, text)
        })
}

/// One edit of a timestamp's bytes, as a typo, a bad export or a truncation makes them.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Swap(usize),
    Truncate(usize),
    /// A digit one up or down (wrapping): a date or time that may no longer exist.
    Nudge(usize, bool),
}

/// The bytes a mutation puts in: what timestamps are made of, and a few that they are not.
const ALPHABET: &[u8] = b"0123456789-:T tZz+.,/x";

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0..40usize;
    let byte = (0..ALPHABET.len()).prop_map(|i| ALPHABET[i]);
    prop_oneof![
        3 => (at.clone(), byte.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        1 => at.clone().prop_map(Mutation::Delete),
        1 => (at.clone(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => at.clone().prop_map(Mutation::Swap),
        1 => at.clone().prop_map(Mutation::Truncate),
        3 => (at, any::<bool>()).prop_map(|(i, up)| Mutation::Nudge(i, up)),
    ]
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let len = bytes.len().max(1);
        match *self {
            Mutation::Replace(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            Mutation::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Swap(i) if bytes.len() > 1 => bytes.swap(i % (len - 1), i % (len - 1) + 1),
            Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            Mutation::Nudge(i, up) if !bytes.is_empty() => {
                let b = &mut bytes[i % len];
                if b.is_ascii_digit() {
                    let d = *b - b'0';
                    *b = b'0' + if up { (d + 1) % 10 } else { (d + 9) % 10 };
                }
            }
            _ => {}
        }
    }
}

/// What the contract says `text` names, read at `offset` when it has none: chrono's RFC
/// 3339 parser, then its naive forms, then the accepted range. Written here, apart from
/// the tool's parsers, from the contract's words.
fn oracle(text: &str, offset: i32) -> Option<i64> {
    let text = text.trim();
    let aware = chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.timestamp_micros());
    let naive = || {
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
            .map(|n| n.and_utc().timestamp_micros() - i64::from(offset) * 1_000_000)
    };
    aware.or_else(naive).filter(|m| {
        (pii_audit::ingest::EARLIEST_MICROS..pii_audit::ingest::LATEST_MICROS).contains(m)
    })
}

/// The property has teeth: of many mutations of one valid time, some are still read (a
/// digit nudged inside its range) and some refused, and the oracle tells them apart.
#[test]
fn mutations_are_both_read_and_refused() {
    let text = "2017-06-22T10:00:00.250+09:00";
    let (mut read, mut refused) = (0, 0);
    for i in 0..text.len() {
        for up in [true, false] {
            let mut bytes = text.as_bytes().to_vec();
            Mutation::Nudge(i, up).apply(&mut bytes);
            let mutated = String::from_utf8(bytes).unwrap();
            let expected = oracle(&mutated, 0);
            if let Some(fast) = instant(mutated.as_bytes(), Some(0)) {
                assert_eq!(Some(fast), expected, "{mutated}");
            }
            match expected {
                Some(_) => read += 1,
                None => refused += 1,
            }
        }
    }
    assert!(read > 20 && refused > 3, "read {read}, refused {refused}");
}

#[test]
fn the_common_forms_take_the_fast_path() {
    let utc = "UTC".parse::<Zone>().unwrap();
    let tokyo = "+09:00".parse::<Zone>().unwrap();
    for (text, zone) in [
        ("2017-06-22T09:41:00+09:00", &utc),
        ("2017-06-22T00:41:00Z", &utc),
        ("2017-06-22T09:41:00.026+09:00", &utc),
        ("2017-06-22 09:41:00.026123+09:00", &utc),
        ("2017-06-22T00:41:00.5", &utc),
        ("2017-06-22 09:41:00", &tokyo),
        ("2017-06-21T23:41:00-01:00", &utc),
    ] {
        let fast = instant(text.as_bytes(), fixed_offset(zone));
        assert!(fast.is_some(), "{text}");
        assert_eq!(fast, general(text, zone), "{text}");
    }
}

/// The odd rows of `rows` (UTC instant, _, owner, viewer) as a Parquet log with native
/// timestamps.
fn write_native(rows: &[(&str, &str, &str, &str)], path: &std::path::Path) {
    use polars::prelude::*;
    let odd = || rows.iter().skip(1).step_by(2);
    let micros: Vec<i64> = odd()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(r.0)
                .unwrap()
                .timestamp_micros()
        })
        .collect();
    let mut native = DataFrame::new(
        micros.len(),
        vec![
            Column::new("ts".into(), micros)
                .cast(&DataType::Datetime(
                    TimeUnit::Microseconds,
                    Some(TimeZone::UTC),
                ))
                .unwrap(),
            Column::new("path".into(), vec!["/my/"; odd().count()]),
            Column::new("owner_id".into(), odd().map(|r| r.2).collect::<Vec<_>>()),
            Column::new("viewer_id".into(), odd().map(|r| r.3).collect::<Vec<_>>()),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut native)
        .unwrap();
}

/// The same eight responses written three ways give the same report: RFC 3339 text in
/// one CSV (the fast path), naive Berlin times around both 2017 transitions read with
/// `--tz Europe/Berlin` (the general path: gap and fold rules), and half as native
/// timestamps in Parquet beside half as text in CSV (mixed across files).
#[test]
fn text_naive_and_native_times_read_alike() {
    // UTC instants: around the spring gap (2017-03-26 01:00Z) and the autumn fold
    // (2017-10-29 01:00Z); each also written as the Berlin wall time it shows.
    let rows = [
        ("2017-03-26T00:59:59Z", "2017-03-26 01:59:59", "a", "v1"),
        ("2017-03-26T01:00:00Z", "2017-03-26 03:00:00", "a", "v2"),
        (
            "2017-03-26T01:30:00.250Z",
            "2017-03-26 03:30:00.250",
            "b",
            "v1",
        ),
        ("2017-06-22T06:05:00Z", "2017-06-22 08:05:00", "b", "v3"),
        ("2017-10-28T23:59:00Z", "2017-10-29 01:59:00", "a", "v4"),
        ("2017-10-29T01:00:00Z", "2017-10-29 02:00:00", "c", "v1"),
        ("2017-10-29T02:30:00Z", "2017-10-29 03:30:00", "c", "v2"),
        ("2017-12-31T23:00:00Z", "2018-01-01 00:00:00", "b", "v5"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inv = crate::write(d, "inv.yaml", crate::INVENTORY);
    let csv = |name: &str, take: &dyn Fn(usize) -> bool, naive: bool| {
        let mut text = String::from("ts,path,owner_id,viewer_id\n");
        for (i, (utc, local, owner, viewer)) in rows.iter().enumerate() {
            if take(i) {
                let ts = if naive { local } else { utc };
                text.push_str(&format!("{ts},/my/,{owner},{viewer}\n"));
            }
        }
        crate::write(d, name, &text)
    };
    let all_text = csv("text.csv", &|_| true, false);
    // The fold: 02:00 wall time happens twice; the first (CEST) is 00:00Z, not our 01:00Z,
    // so that row is written with its offset even in the naive file.
    let mut naive_text = std::fs::read_to_string(csv("naive.csv", &|_| true, true)).unwrap();
    naive_text = naive_text.replace("2017-10-29 02:00:00,", "2017-10-29T02:00:00+01:00,");
    let naive = crate::write(d, "naive.csv", &naive_text);
    let half_text = csv("half.csv", &|i| i % 2 == 0, false);
    let parquet = d.join("half.parquet");
    write_native(&rows, &parquet);
    let report = |logs: &[&std::path::Path], tz: &str| {
        let mut command = crate::pii();
        command
            .args(["report", "timeline", "--tz", "UTC", "-i"])
            .arg(&inv)
            .arg("-e");
        for log in logs {
            command.arg(log);
        }
        let out = crate::stdout_of(&mut command);
        let mut berlin = crate::pii();
        berlin
            .args(["report", "users", "--tz", tz, "-i"])
            .arg(&inv)
            .arg("-e");
        for log in logs {
            berlin.arg(log);
        }
        (out, crate::stdout_of(&mut berlin))
    };
    let text = report(&[&all_text], "UTC");
    assert!(text.0.lines().count() > 2, "{}", text.0);
    assert_eq!(report(&[&half_text, &parquet], "UTC"), text);
    // Naive times need --tz for both reports; the timeline is printed in UTC either way.
    let mut timeline = crate::pii();
    timeline
        .args(["report", "timeline", "--tz", "Europe/Berlin", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&naive);
    let mut utc_timeline = crate::pii();
    utc_timeline
        .args(["report", "timeline", "--tz", "Europe/Berlin", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&all_text);
    assert_eq!(
        crate::stdout_of(&mut timeline),
        crate::stdout_of(&mut utc_timeline)
    );
    // And to the millisecond: first and last exposure of every user.
    assert_eq!(
        report(&[&naive], "Europe/Berlin").1,
        report(&[&all_text], "Europe/Berlin").1
    );
}

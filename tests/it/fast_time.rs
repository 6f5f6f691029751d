//! The fast timestamp parser against the general one: every text the fast one accepts, the
//! general one reads as the same instant; the common forms are accepted (so the fast path
//! is the one taken); and a log whose times need the general parser reads the same.

use pii_audit::exposure::fast_time::instant;
use pii_audit::exposure::{fixed_offset, parse_instant, Zone};
use proptest::prelude::*;

fn general(text: &str, zone: &Zone) -> Option<i64> {
    parse_instant(text, zone)
        .map(|d| d.timestamp_micros())
        .filter(|m| pii_audit::exposure::time_in_range(*m))
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
    fn any_bytes_too(bytes in proptest::collection::vec(any::<u8>(), 0..40), zone in zone()) {
        if let Some(fast) = instant(&bytes, fixed_offset(&zone)) {
            let text = String::from_utf8(bytes).expect("accepted text is ASCII");
            prop_assert_eq!(Some(fast), general(&text, &zone));
        }
    }
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

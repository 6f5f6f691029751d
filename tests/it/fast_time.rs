//! The fast timestamp parser against the general one: every text the fast one accepts, the
//! general one reads as the same instant; the common forms are accepted (so the fast path
//! is the one taken); and a log whose times need the general parser reads the same.

use pii_audit::exposure::fast_time::instant;
use pii_audit::exposure::{parse_instant, Zone};
use proptest::prelude::*;

/// The offset `parse_text_timestamps` gives the fast parser for naive times in `zone`.
fn naive_offset(zone: &Zone) -> Option<i32> {
    match zone {
        Zone::Fixed(offset) => Some(offset.local_minus_utc()),
        Zone::Named(tz) if *tz == chrono_tz::UTC => Some(0),
        Zone::Named(_) => None,
    }
}

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
        if let Some(fast) = instant(text.as_bytes(), naive_offset(&zone)) {
            prop_assert_eq!(Some(fast), general(&text, &zone), "{}", text);
        }
    }

    #[test]
    fn any_bytes_too(bytes in proptest::collection::vec(any::<u8>(), 0..40), zone in zone()) {
        if let Some(fast) = instant(&bytes, naive_offset(&zone)) {
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
        let fast = instant(text.as_bytes(), naive_offset(zone));
        assert!(fast.is_some(), "{text}");
        assert_eq!(fast, general(text, zone), "{text}");
    }
}

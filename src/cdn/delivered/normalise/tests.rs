//! `normalise`'s tests, in a file of their own to keep `normalise.rs` under 700 lines.

use super::*;

#[test]
fn cookies_by_name() {
    assert_eq!(cookie("a=1; session=u-7; b=2", "session"), Some("u-7"));
    assert_eq!(cookie("sessionx=1;session=\"q\"", "session"), Some("q"));
    assert_eq!(cookie("theme=dark;%20session=u-9", "session"), Some("u-9"));
    assert_eq!(cookie("a=1", "session"), None);
    assert_eq!(cookie("session=", "session"), None);
    assert_eq!(cookie("Session=u-1", "session"), None);
    assert_eq!(
        cookie_in("theme%3Ddark%3B+session%3Du-3", "session", Decode::UrlPlus),
        Some("u-3".into())
    );
    assert_eq!(
        cookie_in("theme=dark;+session=u-4", "session", Decode::UrlPlus),
        Some("u-4".into())
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("0.082", 1_000_000), Some(82_000));
    assert_eq!(parse_duration("15", 1_000), Some(15_000));
    assert_eq!(parse_duration("12345", 1), Some(12_345));
    assert_eq!(parse_duration("x", 1), None);
    assert_eq!(parse_duration("", 1), None);
}

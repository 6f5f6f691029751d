//! Numbers in words, as the warnings about the figures (`alerts`) and the reports to the
//! regulator (`crate::regulator`) write them: 9,094; 1 person, 9,094 people.

/// 9,094
pub(crate) fn count(n: u64) -> String {
    indicatif::HumanCount(n).to_string()
}

/// "1 person", "9,094 people" (English texts only).
pub(crate) fn persons(n: u64) -> String {
    match n {
        1 => "1 person".to_string(),
        n => format!("{} people", count(n)),
    }
}

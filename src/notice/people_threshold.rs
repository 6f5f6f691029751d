//! The APPI's people rule: over 1,000 people a leak is reportable (PPC Enforcement Rules
//! Art. 7(iv)). Shared by the warnings about the figures (`alerts`) and the report to the
//! regulator (`crate::regulator`), which decide by it and say so in their own words.

use crate::audit::Summary;

/// Over this many people a leak is reportable (Rules Art. 7(iv); 100 for public bodies,
/// Art. 43, which the report to the regulator is not for).
pub const PEOPLE_THRESHOLD: u64 = 1_000;

/// Rule (iv) as far as the figures decide it. The rule covers leaks that may have
/// occurred, so people possibly exposed count, and the blind spots' owners not counted
/// (pages the inventory does not cover) may carry the count over: never "not met" then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleVerdict {
    /// Over 1,000 confirmed.
    Required,
    /// Over 1,000 with the people possibly exposed.
    RequiredWithPossible,
    /// 1,000 or fewer as counted, over 1,000 with the blind spots' owners not counted.
    OfficerToDecide,
    /// 1,000 or fewer, even with the blind spots' owners.
    NotMet,
}

/// Rule (iv) on `s`.
pub fn people_verdict(s: &Summary) -> PeopleVerdict {
    let total = s.users_exposed;
    let confirmed = total - s.possible.map_or(0, |(_, only)| only);
    if confirmed > PEOPLE_THRESHOLD {
        PeopleVerdict::Required
    } else if total > PEOPLE_THRESHOLD {
        PeopleVerdict::RequiredWithPossible
    } else if total + s.blind_spots.owners_not_counted > PEOPLE_THRESHOLD {
        PeopleVerdict::OfficerToDecide
    } else {
        PeopleVerdict::NotMet
    }
}

//! Column names shared by the readers, the audit, the reports and the screens: typed once
//! here, so a report column and the code that reads it cannot drift apart.

/// Whose page a response carried (the log's and the reports' user).
pub const OWNER_ID: &str = "owner_id";
/// Who was served the response (empty: an unidentified visitor).
pub const VIEWER_ID: &str = "viewer_id";
/// A user, in the registered table and the users report.
pub const USER_ID: &str = "user_id";
/// An inventory page.
pub const PAGE_ID: &str = "page_id";
/// An inventory field.
pub const FIELD_ID: &str = "field_id";
/// Responses that showed a user's fields to someone else.
pub const EXPOSURES: &str = "exposures";
/// How many different people saw them.
pub const DISTINCT_VIEWERS: &str = "distinct_viewers";
/// The fields someone else saw.
pub const EXPOSED_FIELDS: &str = "exposed_fields";
/// The fields the user's exposed pages render and the user has on file.
pub const POTENTIAL_FIELDS: &str = "potential_fields";
/// The notice tier as a number, 0 first (`audit::Tier::rank`).
pub const TIER_RANK: &str = "tier_rank";
/// The first exposure's time.
pub const FIRST_EXPOSED: &str = "first_exposed";
/// The last exposure's time.
pub const LAST_EXPOSED: &str = "last_exposed";
/// A CDN log's cache result (HIT, MISS, ...).
pub const CACHE_STATUS: &str = "cache_status";
/// The time of the origin response a cached one came from.
pub const ORIGIN_TS: &str = "origin_ts";
/// How many users had a field or page exposed.
pub const USERS_EXPOSED: &str = "users_exposed";
/// An aggregated row's first response.
pub const FIRST_TS: &str = "first_ts";
/// An aggregated row's last response.
pub const LAST_TS: &str = "last_ts";
/// How many responses an aggregated row stands for.
pub const REQUESTS: &str = "requests";
/// The route suggested for an unmapped path (its ids and hashes as parameters).
pub const SUGGESTED_ROUTE: &str = "suggested_route";

/// The exposure log's flag of a possible exposure (a candidate owner of an ambiguous
/// response), and the users report's counts of them.
pub const POSSIBLE: &str = "possible";
pub const POSSIBLE_EXPOSURES: &str = "possible_exposures";
pub const POSSIBLE_VIEWERS: &str = "possible_viewers";
/// The fields seen in confirmed exposures (`exposed_fields` also counts possible ones).
pub const CONFIRMED_FIELDS: &str = "confirmed_fields";

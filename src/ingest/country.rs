//! The registered table's optional `country` column: where each user lives, as an ISO
//! 3166-1 alpha-2 code, so that a GDPR notification can count people per member state.

use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::{row_location, Format};
use crate::error::InputError;
use crate::frame::names::OWNER_ID;
use crate::frame::OrBug;

/// The column's name in the registered table.
pub const COUNTRY: &str = "country";

/// The officially assigned ISO 3166-1 alpha-2 codes, in order.
const ISO_3166_ALPHA_2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` is an officially assigned ISO 3166-1 alpha-2 code (upper case): a
/// binary search over the list, whose codes sit every 3 bytes.
pub fn is_country_code(code: &str) -> bool {
    if code.len() != 2 || !code.is_ascii() {
        return false;
    }
    let at = |i: usize| &ISO_3166_ALPHA_2[i * 3..i * 3 + 2];
    let (mut low, mut high) = (0, ISO_3166_ALPHA_2.len().div_ceil(3));
    while low < high {
        let middle = (low + high) / 2;
        match at(middle).cmp(code) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// `owner_id` and `country` (upper case; null for an empty cell), from the table's text
/// columns `df`. A cell that is not a code is refused by row and column; the value is not
/// quoted, since where someone lives is personal.
pub(super) fn countries(df: &DataFrame, path: &Path, format: Format) -> Result<DataFrame> {
    let cells = df.column(COUNTRY).or_bug()?.str().or_bug()?;
    let mut codes: Vec<Option<String>> = Vec::with_capacity(cells.len());
    for (row, cell) in cells.iter().enumerate() {
        let code = cell.map(|c| c.trim().to_ascii_uppercase());
        match code {
            None => codes.push(None),
            Some(c) if c.is_empty() => codes.push(None),
            Some(c) if is_country_code(&c) => codes.push(Some(c)),
            Some(_) => {
                return Err(InputError::at(
                    row_location(path, format, row, COUNTRY),
                    "not an ISO 3166-1 alpha-2 country code (two letters, such as DE or FR; leave the cell empty when unknown)",
                )
                .into())
            }
        }
    }
    DataFrame::new(
        df.height(),
        vec![
            df.column(OWNER_ID).or_bug()?.clone(),
            Column::new(COUNTRY.into(), codes),
        ],
    )
    .or_bug()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_assigned_codes_only() {
        for code in ["DE", "FR", "JP", "GR", "AD", "ZW"] {
            assert!(is_country_code(code), "{code}");
        }
        // EL is the EU's abbreviation for Greece, UK the United Kingdom's: not ISO codes.
        for code in ["EL", "UK", "XX", "de", "DEU", "D", ""] {
            assert!(!is_country_code(code), "{code}");
        }
    }
}

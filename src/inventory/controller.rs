//! The optional `controller:` block: who reports the incident (the business's legal name,
//! address, representative, contact, sector, data protection officer, EU representative,
//! and where an APPI report is filed). Each line is text, or text per language.

use indexmap::IndexMap;

use super::localised::{localised, At, Localised, LocalisedDoc};
use crate::error::{InputError, InputResult};

/// One line of the `controller:` block. Reports print every line their law asks for, or a
/// blank for the officer where the inventory leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControllerLine {
    /// The business's registered name (not the service's).
    LegalName,
    Address,
    /// The representative (代表者): the person who legally represents the business.
    Representative,
    /// Who the authority contacts about the report: a person, a phone number, an address.
    Contact,
    /// The line of business (業種).
    Sector,
    /// The data protection officer (GDPR Art. 37), with contact details.
    Dpo,
    /// The representative in the Union (GDPR Art. 27) of a controller not established there.
    EuRepresentative,
    /// Where an APPI report goes: the PPC, or the minister it delegated the power to.
    FilingRoute,
}

impl ControllerLine {
    pub const ALL: [ControllerLine; 8] = [
        ControllerLine::LegalName,
        ControllerLine::Address,
        ControllerLine::Representative,
        ControllerLine::Contact,
        ControllerLine::Sector,
        ControllerLine::Dpo,
        ControllerLine::EuRepresentative,
        ControllerLine::FilingRoute,
    ];

    /// As the inventory writes it.
    pub fn key(self) -> &'static str {
        match self {
            ControllerLine::LegalName => "legal_name",
            ControllerLine::Address => "address",
            ControllerLine::Representative => "representative",
            ControllerLine::Contact => "contact",
            ControllerLine::Sector => "sector",
            ControllerLine::Dpo => "dpo",
            ControllerLine::EuRepresentative => "eu_representative",
            ControllerLine::FilingRoute => "filing_route",
        }
    }

    fn parse(key: &str) -> Option<ControllerLine> {
        ControllerLine::ALL.into_iter().find(|l| l.key() == key)
    }
}

/// The block as written: line key → text.
pub(super) type ControllerDoc = IndexMap<String, LocalisedDoc>;

/// The `controller:` block: the lines given, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Controller {
    pub lines: Vec<(ControllerLine, Localised)>,
}

impl Controller {
    /// The text of `line`, when the inventory gives it.
    pub fn get(&self, line: ControllerLine) -> Option<&Localised> {
        self.lines.iter().find(|(l, _)| *l == line).map(|(_, t)| t)
    }
}

/// Reads the block: every key known, none empty.
pub(super) fn controller(doc: &ControllerDoc, at: &At) -> InputResult<Controller> {
    let mut lines = Vec::with_capacity(doc.len());
    for (key, text) in doc {
        let path = format!("controller.{key}");
        let Some(line) = ControllerLine::parse(key) else {
            let known: Vec<&str> = ControllerLine::ALL.iter().map(|l| l.key()).collect();
            return Err(InputError::at(
                (at.key)(&path),
                format!(
                    "unknown key {key:?} in controller; known: {}",
                    known.join(", ")
                ),
            ));
        };
        let text = localised(
            text,
            &path,
            at,
            "empty: leave the line out, and the report marks it for the officer to complete",
        )?;
        lines.push((line, text));
    }
    Ok(Controller { lines })
}

#[cfg(test)]
mod tests {
    use crate::inventory::{ControllerLine, Inventory, Lang};

    const BASE: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name}\npages:\n  - id: my\n    route: /my/\n    fields: [name]\n";

    fn err(text: &str) -> String {
        Inventory::parse(text, "inv.yaml").unwrap_err().to_string()
    }

    #[test]
    fn reads_each_line_as_text_or_text_per_language() {
        let text = format!(
            "{BASE}controller:\n  legal_name: {{en: Example K.K., ja: 株式会社エグザンプル}}\n  dpo: dpo@example.com\n"
        );
        let inv = Inventory::parse(&text, "inv.yaml").unwrap();
        let legal = inv.controller.get(ControllerLine::LegalName).unwrap();
        assert_eq!(legal.in_lang(Lang::Ja), Some("株式会社エグザンプル"));
        assert_eq!(legal.in_lang(Lang::En), Some("Example K.K."));
        let dpo = inv.controller.get(ControllerLine::Dpo).unwrap();
        assert_eq!(dpo.in_lang(Lang::Ja), Some("dpo@example.com"));
        assert!(inv.controller.get(ControllerLine::Address).is_none());
    }

    #[test]
    fn an_unknown_key_an_unknown_language_or_an_empty_line_is_refused_where_written() {
        let unknown = format!("{BASE}controller:\n  legal_name: X\n  ceo: Someone\n");
        let e = err(&unknown);
        assert!(
            e.starts_with("inv.yaml:10:3: controller.ceo: unknown key \"ceo\" in controller; known: legal_name,"),
            "{e}"
        );
        let language = format!("{BASE}controller:\n  address: {{en: X, fr: Y}}\n");
        let e = err(&language);
        assert!(
            e.starts_with("inv.yaml:9:20: controller.address.fr: unknown language \"fr\""),
            "{e}"
        );
        let empty = format!("{BASE}controller:\n  sector: \"\"\n");
        assert!(err(&empty).starts_with("inv.yaml:9:11: controller.sector: empty"));
    }
}

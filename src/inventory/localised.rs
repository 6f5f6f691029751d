//! Text the inventory gives once for every language, or per language (`{en: …, ja: …}`):
//! page titles, the `controller:` block's lines, the incident's categories of people and
//! whom else it was told to.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::Lang;
use crate::error::{InputError, InputResult, Location};

/// As written: one text, or one per language code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum LocalisedDoc {
    One(String),
    PerLang(IndexMap<String, String>),
}

/// Text for every language and per language; empty when the inventory gives none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localised {
    pub any: Option<String>,
    pub by_lang: Vec<(Lang, String)>,
}

impl Localised {
    /// The text in `lang`: that language's, else the one for every language, else the
    /// English one; none when the inventory gives none.
    pub fn in_lang(&self, lang: Lang) -> Option<&str> {
        let of = |wanted: Lang| {
            self.by_lang
                .iter()
                .find(|(l, _)| *l == wanted)
                .map(|(_, t)| t.as_str())
        };
        of(lang).or(self.any.as_deref()).or_else(|| of(Lang::En))
    }

    pub fn is_empty(&self) -> bool {
        self.any.is_none() && self.by_lang.is_empty()
    }
}

/// Where keys and values of the document are, for errors.
pub(super) struct At<'a> {
    pub key: &'a dyn Fn(&str) -> Location,
    pub value: &'a dyn Fn(&str) -> Location,
}

/// Reads `doc`, written at `key`: no empty text (`empty` says what to write instead), and
/// per language only the languages letters and reports exist in.
pub(super) fn localised(
    doc: &LocalisedDoc,
    key: &str,
    at: &At,
    empty: &str,
) -> InputResult<Localised> {
    match doc {
        LocalisedDoc::One(text) if text.trim().is_empty() => {
            Err(InputError::at((at.value)(key), empty))
        }
        LocalisedDoc::One(text) => Ok(Localised {
            any: Some(text.clone()),
            by_lang: Vec::new(),
        }),
        LocalisedDoc::PerLang(texts) => {
            let mut by_lang = Vec::with_capacity(texts.len());
            for (code, text) in texts {
                let key = format!("{key}.{code}");
                let lang = Lang::ALL
                    .into_iter()
                    .find(|l| l.code() == code)
                    .ok_or_else(|| {
                        InputError::at(
                            (at.key)(&key),
                            format!(
                                "unknown language {code:?}; letters and reports exist in en and ja"
                            ),
                        )
                    })?;
                if text.trim().is_empty() {
                    return Err(InputError::at((at.value)(&key), empty));
                }
                by_lang.push((lang, text.clone()));
            }
            Ok(Localised { any: None, by_lang })
        }
    }
}

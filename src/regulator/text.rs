//! Words, numbers and times in the report's language. Japanese times read as a Japanese
//! form asks for them (2017年6月22日 9時00分), without the ISO notation or fractions of a
//! second; English ones are RFC 3339 to the second.

use chrono::{DateTime, Datelike, FixedOffset, SubsecRound, Timelike, Utc};

use crate::ingest::Zone;
use crate::inventory::{Jurisdiction, Lang, Localised};
use crate::notice::words::{count, persons};

/// Words in the report's language and its law's vocabulary, and times in the audit's zone.
pub(super) struct Text {
    pub lang: Lang,
    pub zone: Zone,
    pub law: Jurisdiction,
}

impl Text {
    /// `en` or `ja`, by the report's language. The texts both reports share are written
    /// in the APPI's words; a GDPR report says the GDPR's: the controller (管理者) for the
    /// business (事業者), and in Japanese the data subject (データ主体, the PPC's
    /// translation) for the person concerned (本人), and others (他の者) for 本人以外.
    pub fn pick(&self, en: &str, ja: &str) -> String {
        match (self.lang, self.law) {
            (Lang::En, Jurisdiction::Appi) => en.to_string(),
            (Lang::Ja, Jurisdiction::Appi) => ja.to_string(),
            (Lang::En, Jurisdiction::Gdpr) => en.replace("the business", "the controller"),
            (Lang::Ja, Jurisdiction::Gdpr) => ja
                .replace("事業者", "管理者")
                .replace("本人以外", "他の者")
                .replace("本人", "データ主体"),
        }
    }

    /// `en` or `ja` as written, without the GDPR's vocabulary: for a text that carries the
    /// inventory's words (a field's label may well say 本人).
    pub fn raw(&self, en: &str, ja: &str) -> String {
        match self.lang {
            Lang::En => en.to_string(),
            Lang::Ja => ja.to_string(),
        }
    }

    /// Each (en, ja) pair in the report's language: a table's header.
    pub fn picks(&self, pairs: &[(&str, &str)]) -> Vec<String> {
        pairs.iter().map(|(en, ja)| self.pick(en, ja)).collect()
    }

    /// A time, to the second.
    pub fn time(&self, t: DateTime<Utc>) -> String {
        let t = t.trunc_subsecs(0);
        match self.lang {
            Lang::En => self.zone.format(t),
            Lang::Ja => japanese(self.zone.local(t), !self.in_japan_time(t)),
        }
    }

    /// A time given in microseconds since the epoch, to the second.
    pub fn micros(&self, m: i64) -> String {
        match DateTime::<Utc>::from_timestamp_micros(m) {
            Some(t) => self.time(t),
            None => m.to_string(),
        }
    }

    /// Whether `t` on the report's clock is Japan time (UTC+9), which Japanese times then
    /// leave unsaid.
    fn in_japan_time(&self, t: DateTime<Utc>) -> bool {
        self.zone.local(t).offset().local_minus_utc() == 9 * 3600
    }

    /// A text of the inventory in the report's language (`None` when not given).
    pub fn localised(&self, text: &Localised) -> Option<String> {
        text.in_lang(self.lang).map(str::to_string)
    }

    /// A number of people: "1 person", "9,094 people"; in Japanese "9,094人".
    pub fn people(&self, n: u64) -> String {
        match self.lang {
            Lang::En => persons(n),
            Lang::Ja => format!("{}人", count(n)),
        }
    }

    /// A list joined in the report's language: "A, B, C" or 「A、B、C」.
    pub fn list(&self, items: &[String]) -> String {
        items.join(&self.pick(", ", "、"))
    }
}

/// 2017年6月22日 9時00分, with the seconds when there are any, and the offset when it is
/// not Japan time.
fn japanese(t: DateTime<FixedOffset>, with_offset: bool) -> String {
    let mut out = format!(
        "{}年{}月{}日 {}時{:02}分",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    );
    if t.second() != 0 {
        out.push_str(&format!("{:02}秒", t.second()));
    }
    if with_offset {
        out.push_str(&format!("（UTC{}）", t.offset()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn japanese_times_read_as_a_japanese_form_writes_them() {
        let tokyo = Text {
            lang: Lang::Ja,
            zone: "Asia/Tokyo".parse().unwrap(),
            law: Jurisdiction::Appi,
        };
        assert_eq!(
            tokyo.time(at("2017-06-22T09:00:00+09:00")),
            "2017年6月22日 9時00分"
        );
        assert_eq!(
            tokyo.micros(at("2017-06-22T14:59:49.755+09:00").timestamp_micros()),
            "2017年6月22日 14時59分49秒"
        );
        let berlin = Text {
            lang: Lang::Ja,
            zone: "Europe/Berlin".parse().unwrap(),
            law: Jurisdiction::Gdpr,
        };
        assert_eq!(
            berlin.time(at("2017-06-22T09:00:00+09:00")),
            "2017年6月22日 2時00分（UTC+02:00）"
        );
        let english = Text {
            lang: Lang::En,
            zone: "Asia/Tokyo".parse().unwrap(),
            law: Jurisdiction::Appi,
        };
        assert_eq!(
            english.micros(at("2017-06-22T14:59:49.755+09:00").timestamp_micros()),
            "2017-06-22T14:59:49+09:00"
        );
    }
}

#[cfg(test)]
mod vocabulary {
    use super::*;

    #[test]
    fn a_gdpr_report_speaks_of_the_controller_and_the_data_subject() {
        let t = |lang, law| Text {
            lang,
            zone: Zone::default(),
            law,
        };
        let (en, ja) = (
            "stated by the business",
            "事業者の記録による本人以外への表示と本人の数",
        );
        assert_eq!(t(Lang::En, Jurisdiction::Appi).pick(en, ja), en);
        assert_eq!(
            t(Lang::En, Jurisdiction::Gdpr).pick(en, ja),
            "stated by the controller"
        );
        assert_eq!(t(Lang::Ja, Jurisdiction::Appi).pick(en, ja), ja);
        assert_eq!(
            t(Lang::Ja, Jurisdiction::Gdpr).pick(en, ja),
            "管理者の記録による他の者への表示とデータ主体の数"
        );
    }
}

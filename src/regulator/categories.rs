//! Categories of personal data as a report names them: an exposed field's fideslang
//! category taken to its second level (`user.contact.email` → `user.contact`), named in
//! English by fideslang and in Japanese by this table, so that no category code appears
//! in a Japanese report.

use crate::inventory::{fideslang_name, fideslang_replacement, Lang};

/// Second-level fideslang categories (current and deprecated keys) in Japanese.
const JAPANESE: [(&str, &str); 31] = [
    ("user.account", "アカウント情報"),
    ("user.authorization", "認証情報"),
    ("user.behavior", "行動履歴"),
    ("user.biometric", "生体情報"),
    ("user.biometrics", "生体情報"),
    ("user.children", "子どもに関する情報"),
    ("user.childrens", "子どもに関する情報"),
    ("user.contact", "連絡先"),
    ("user.content", "利用者が作成・保存した内容"),
    ("user.criminal_history", "犯罪歴"),
    ("user.demographic", "属性情報"),
    ("user.device", "端末情報"),
    ("user.financial", "金融に関する情報"),
    ("user.government_id", "公的な番号・身分証明書の情報"),
    ("user.health", "健康・医療に関する情報"),
    ("user.health_and_medical", "健康・医療に関する情報"),
    ("user.job_title", "職業に関する情報"),
    ("user.location", "位置情報"),
    ("user.name", "氏名"),
    ("user.payment", "決済に関する情報"),
    ("user.privacy_preferences", "プライバシー設定"),
    ("user.professional_information", "職業に関する情報"),
    ("user.sensor", "端末情報"),
    ("user.settings", "設定"),
    ("user.social", "交流に関する情報"),
    ("user.social_activity", "交流に関する情報"),
    ("user.telemetry", "端末情報"),
    ("user.unique_id", "利用者ID"),
    ("user.user_sensor", "端末情報"),
    ("user.workplace", "職業に関する情報"),
    ("user", "利用者に関する情報"),
];

/// The category a report groups `category` under: its first two levels.
pub(super) fn group(category: &str) -> String {
    category.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// `group`'s name in `lang`: fideslang's in English (the key when fideslang does not know
/// it), the table's in Japanese ("その他" for a category outside it, "分類なし" for none).
pub(super) fn name(group: &str, lang: Lang) -> String {
    match lang {
        Lang::En if group.is_empty() => "no category".to_string(),
        Lang::En => fideslang_name(group)
            .or_else(|| fideslang_replacement(group).and_then(fideslang_name))
            .map_or_else(|| group.to_string(), str::to_string),
        Lang::Ja if group.is_empty() => "分類なし".to_string(),
        Lang::Ja => JAPANESE
            .iter()
            .find(|(key, _)| *key == group)
            .map_or("その他", |(_, name)| name)
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_grouped_and_named_in_both_languages() {
        assert_eq!(group("user.contact.address.city"), "user.contact");
        assert_eq!(group("user.name"), "user.name");
        assert_eq!(name("user.contact", Lang::En), "Contact Data");
        assert_eq!(name("user.contact", Lang::Ja), "連絡先");
        assert_eq!(name("user.financial", Lang::Ja), "金融に関する情報");
        assert_eq!(name("system.operations", Lang::Ja), "その他");
        assert_eq!(name("system.operations", Lang::En), "Operations Data");
        assert_eq!(name("custom.thing", Lang::En), "custom.thing");
        // Every second-level user category fideslang knows has a Japanese name.
        for (key, _) in
            crate::inventory::fideslang_categories().filter(|(k, _)| k.starts_with("user"))
        {
            assert_ne!(name(&group(key), Lang::Ja), "その他", "{key}");
        }
    }
}

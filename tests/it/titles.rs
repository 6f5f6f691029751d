//! Pages named as a person knows them: letters use a page's title in their language
//! (falling back to the English title, then to the route), and a bad title is refused.

use crate::{pii, write};

/// `check` on the bundled sample for its first user, in `lang`.
fn sample_letter(lang: &str) -> String {
    crate::stdout_of(
        pii()
            .args(["check", "u00000001", "--lang", lang])
            .args(crate::sample_args()),
    )
}

#[test]
fn letters_name_pages_by_their_title_in_the_letter_s_language() {
    let en = sample_letter("en");
    assert!(
        en.contains("- on the page Delivery address (/jp/mypage/delivery_address/): Full name, Postal address and Phone number"),
        "{en}"
    );
    let ja = sample_letter("ja");
    assert!(
        ja.contains("- ページ お届け先住所（/jp/mypage/delivery_address/）：氏名、住所、電話番号"),
        "{ja}"
    );
    // Japanese labels for every field: no English label left in the Japanese letter.
    assert!(
        !ja.contains("Full name") && !ja.contains("Postal address"),
        "{ja}"
    );
}

#[test]
fn a_title_falls_back_to_english_then_to_the_route_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "log.csv",
        "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/my/,a,v\n2017-01-01T00:00:00Z,/other/,a,v\n",
    );
    let inventory = |titles: &str| {
        format!(
            "version: 1\nfields:\n  name: {{label: Name, category: user.name}}\npages:\n  - id: home\n    route: /my/\n{titles}    fields: [name]\n  - id: other\n    route: /other/\n    fields: [name]\n"
        )
    };
    let letter = |text: &str, lang: &str| {
        let inv = write(dir.path(), "inv.yaml", text);
        pii()
            .args(["check", "a", "--lang", lang, "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&log)
            .output()
            .unwrap()
    };
    // Only an English title: the Japanese letter uses it; the untitled page, its route.
    let out = letter(&inventory("    title: {en: Home}\n"), "ja");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ページ Home（/my/）"), "{text}");
    assert!(text.contains("ページ /other/："), "{text}");
    // One title for every language.
    let out = letter(&inventory("    title: Start\n"), "en");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("on the page Start (/my/)"), "{text}");
    for (titles, words) in [
        ("    title: {fr: Accueil}\n", "pages[0].title.fr"),
        ("    title: {en: \"\"}\n", "empty title"),
        ("    title: \"  \"\n", "empty title"),
    ] {
        let out = letter(&inventory(titles), "en");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(words), "{words:?} not in {stderr}");
    }
}

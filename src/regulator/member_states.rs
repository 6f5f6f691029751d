//! The states where the GDPR applies (the EU's 27 and, through the EEA Agreement, Iceland,
//! Liechtenstein and Norway), each with its supervisory authority: a notification of a
//! controller not established in the Union goes to each authority where affected people
//! live (EDPB Guidelines 9/2022, para. 73).

/// A member state: ISO 3166-1 alpha-2 code, its name in English and Japanese, and its
/// supervisory authority (by its own name, which the Japanese report keeps too). Germany
/// has one authority per Land beside the federal one.
pub(super) struct MemberState {
    pub code: &'static str,
    pub en: &'static str,
    pub ja: &'static str,
    pub authority: &'static str,
    pub authority_ja: &'static str,
}

const fn state(
    code: &'static str,
    en: &'static str,
    ja: &'static str,
    authority: &'static str,
) -> MemberState {
    MemberState {
        code,
        en,
        ja,
        authority,
        authority_ja: authority,
    }
}

pub(super) const MEMBER_STATES: [MemberState; 30] = [
    state("AT", "Austria", "オーストリア", "Österreichische Datenschutzbehörde"),
    state("BE", "Belgium", "ベルギー", "Autorité de protection des données / Gegevensbeschermingsautoriteit"),
    state("BG", "Bulgaria", "ブルガリア", "Commission for Personal Data Protection"),
    state("HR", "Croatia", "クロアチア", "Agencija za zaštitu osobnih podataka (AZOP)"),
    state("CY", "Cyprus", "キプロス", "Commissioner for Personal Data Protection"),
    state("CZ", "Czechia", "チェコ", "Úřad pro ochranu osobních údajů"),
    state("DK", "Denmark", "デンマーク", "Datatilsynet"),
    state("EE", "Estonia", "エストニア", "Andmekaitse Inspektsioon"),
    state("FI", "Finland", "フィンランド", "Tietosuojavaltuutetun toimisto"),
    state("FR", "France", "フランス", "Commission nationale de l'informatique et des libertés (CNIL)"),
    MemberState {
        code: "DE",
        en: "Germany",
        ja: "ドイツ",
        authority: "the data protection authority of the Land concerned, or the Federal Commissioner (BfDI)",
        authority_ja: "関係する州のデータ保護監督機関、又は連邦データ保護・情報自由監察官（BfDI）",
    },
    state("GR", "Greece", "ギリシャ", "Hellenic Data Protection Authority"),
    state("HU", "Hungary", "ハンガリー", "Nemzeti Adatvédelmi és Információszabadság Hatóság (NAIH)"),
    state("IE", "Ireland", "アイルランド", "Data Protection Commission"),
    state("IT", "Italy", "イタリア", "Garante per la protezione dei dati personali"),
    state("LV", "Latvia", "ラトビア", "Datu valsts inspekcija"),
    state("LT", "Lithuania", "リトアニア", "Valstybinė duomenų apsaugos inspekcija"),
    state("LU", "Luxembourg", "ルクセンブルク", "Commission nationale pour la protection des données (CNPD)"),
    state("MT", "Malta", "マルタ", "Information and Data Protection Commissioner"),
    state("NL", "Netherlands", "オランダ", "Autoriteit Persoonsgegevens"),
    state("PL", "Poland", "ポーランド", "Urząd Ochrony Danych Osobowych (UODO)"),
    state("PT", "Portugal", "ポルトガル", "Comissão Nacional de Proteção de Dados (CNPD)"),
    state("RO", "Romania", "ルーマニア", "Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal (ANSPDCP)"),
    state("SK", "Slovakia", "スロバキア", "Úrad na ochranu osobných údajov"),
    state("SI", "Slovenia", "スロベニア", "Informacijski pooblaščenec"),
    state("ES", "Spain", "スペイン", "Agencia Española de Protección de Datos (AEPD)"),
    state("SE", "Sweden", "スウェーデン", "Integritetsskyddsmyndigheten (IMY)"),
    state("IS", "Iceland", "アイスランド", "Persónuvernd"),
    state("LI", "Liechtenstein", "リヒテンシュタイン", "Datenschutzstelle"),
    state("NO", "Norway", "ノルウェー", "Datatilsynet"),
];

/// The member state with ISO code `code`, if it is one.
pub(super) fn member_state(code: &str) -> Option<&'static MemberState> {
    MEMBER_STATES.iter().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::country::is_country_code;

    #[test]
    fn every_member_state_is_an_iso_code_once() {
        for (i, s) in MEMBER_STATES.iter().enumerate() {
            assert!(is_country_code(s.code), "{}", s.code);
            assert!(
                MEMBER_STATES[..i].iter().all(|t| t.code != s.code),
                "{}",
                s.code
            );
        }
        assert!(member_state("GR").is_some() && member_state("EL").is_none());
        assert!(member_state("JP").is_none() && member_state("GB").is_none());
    }
}

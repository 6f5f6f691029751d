//! The figures both reports give: the incident's times and how each was established, the
//! exposures and the pages, the fields with their marks, the people (confirmed, possibly,
//! and the blind spots' owners apart), and the assumptions and method behind them.

use super::facts::{Facts, FieldFacts};
use super::text::Text;
use super::{Block, Chart};
use crate::inventory::{AppiMark, GdprMark};
use crate::notice::words::count;

/// Which law's marks a fields table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marks {
    Appi,
    Gdpr,
}

/// When the incident started, was discovered and was contained, and how each was
/// established: stated by the business (the inventory), or read off the log; a warning
/// when the exposures reach the edge of the log window; blanks for what is not stated.
pub(super) fn times(facts: &Facts, t: &Text, aware: (&str, &str)) -> Vec<Block> {
    let stated = || t.pick("stated by the business", "事業者の記録による");
    let between = facts.summary.exposed_between;
    let mut rows = Vec::new();
    let mut blanks = Vec::new();
    let row = |what: String, time: String, how: String| vec![what, time, how];
    let from_log = facts
        .summary
        .cache_window
        .as_ref()
        .and_then(|w| Some((w.total.personal.first?, w.start_in_log()?)));
    match facts.incident.started_at {
        Some(at) => rows.push(row(t.pick("Started", "発生日時"), t.time(at), stated())),
        None => {
            let (time, how) = match from_log {
                Some((first, seen)) => (t.micros(first), started_from_log(seen, t)),
                None => (
                    between.map_or_else(|| "–".to_string(), |(f, _)| t.micros(f)),
                    t.pick(
                        "not stated: the first exposure in the log",
                        "記載なし：ログ上の最初の表示",
                    ),
                ),
            };
            rows.push(row(t.pick("Started", "発生日時"), time, how));
            blanks.push(Block::Blank(t.pick(
                "when the incident started (the change that caused it), and how that was established",
                "発生日時（原因となった変更の日時）とその確認方法",
            )));
        }
    }
    rows.push(match facts.incident.discovered_at {
        Some(at) => row(t.pick(aware.0, aware.1), t.time(at), stated()),
        None => row(
            t.pick(aware.0, aware.1),
            "–".to_string(),
            t.pick("not stated", "記載なし"),
        ),
    });
    match (facts.incident.contained_at, between) {
        (Some(at), _) => rows.push(row(t.pick("Contained", "収束日時"), t.time(at), stated())),
        (None, last) => {
            rows.push(row(
                t.pick("Contained", "収束日時"),
                last.map_or_else(|| "–".to_string(), |(_, l)| t.micros(l)),
                t.pick(
                    "not stated: the last exposure in the log",
                    "記載なし：ログ上の最後の表示",
                ),
            ));
            blanks.push(Block::Blank(t.pick(
                "when the incident was contained (the pages no longer served to others), and how that was established",
                "収束日時（本人以外への表示が止まった日時）とその確認方法",
            )));
        }
    }
    let mut out = vec![Block::Table {
        header: t.picks(&[("", ""), ("Time", "日時"), ("How established", "確認方法")]),
        rows,
    }];
    out.extend(window_edges(facts, t));
    out.extend(window_cache(facts, t));
    out.extend(blanks);
    out
}

/// How the start read off a CDN log was established: the first page with personal data
/// served from the cache, and whether the log shows what came before it.
fn started_from_log(seen: bool, t: &Text) -> String {
    let how = t.pick(
        "not stated: from the CDN log, the first page with personal data served from the cache (before the change such pages were only rendered for their owner)",
        "記載なし：CDNログ上で個人データを含むページが最初にキャッシュから配信された時刻（原因となった変更の前は、本人に向けてのみ生成されていた）",
    );
    match seen {
        true => how,
        false => how + &t.pick(
            "; the log does not show what came before it, so the incident may have started earlier",
            "。ログにはそれ以前の状況が含まれておらず、実際の発生はこれより前であったおそれがある",
        ),
    }
}

/// A warning when the CDN log shows pages with personal data served from the cache
/// outside the log window: how many, on which cache nodes, and the window the log shows.
fn window_cache(facts: &Facts, t: &Text) -> Option<Block> {
    let window = facts.summary.cache_window.as_ref()?;
    let (from, to) = window.suggested()?;
    let o = &window.outside;
    if o.responses() == 0 {
        return None;
    }
    let nodes = t.list(&o.nodes);
    let (on_en, on_ja) = match o.nodes.is_empty() {
        true => (String::new(), String::new()),
        false => (
            format!(", by the cache nodes {nodes}"),
            format!("。配信ノード：{nodes}"),
        ),
    };
    Some(Block::Text(t.pick(
        &format!(
            "Pages with personal data were served from the cache {} times outside the log window ({} before its start, {} after its end; {} of them to someone other than the person concerned){on_en}. The CDN log shows such pages served from the cache from {} to {}: the figures below cover the log window only, and may leave out people the incident reached.",
            count(o.responses()),
            count(o.before),
            count(o.after),
            count(o.to_others),
            t.micros(from),
            t.micros(to)
        ),
        &format!(
            "調査に用いたログの期間外に、個人データを含むページがキャッシュから{}回配信されている（期間の始まりより前に{}回、終わり以降に{}回。うち本人以外への配信{}回{on_ja}）。CDNログでは、このような配信は{}から{}までの間にある。以下の数値はログの期間のものであり、影響を受けた本人の一部が含まれていないおそれがある。",
            count(o.responses()),
            count(o.before),
            count(o.after),
            count(o.to_others),
            t.micros(from),
            t.micros(to)
        ),
    )))
}

/// A warning for each bound of the log window the exposures reach within a minute.
fn window_edges(facts: &Facts, t: &Text) -> Option<Block> {
    let edges = facts.summary.window_edges();
    let mut parts = Vec::new();
    if let Some((from, first)) = edges.from {
        parts.push(t.pick(
            &format!(
                "The first exposure ({}) lies within a minute of the start of the log window ({}): the incident may have begun earlier.",
                t.micros(first),
                t.micros(from)
            ),
            &format!(
                "本人以外への最初の表示（{}）は、調査に用いたログの期間の始まり（{}）から1分以内にある。事態はそれより前に始まっていたおそれがある。",
                t.micros(first),
                t.micros(from)
            ),
        ));
    }
    if let Some((to, last)) = edges.to {
        parts.push(t.pick(
            &format!(
                "The last exposure ({}) lies within a minute of the end of the log window ({}): the incident may have gone on after it.",
                t.micros(last),
                t.micros(to)
            ),
            &format!(
                "本人以外への最後の表示（{}）は、調査に用いたログの期間の終わり（{}）の1分前以降にある。事態はその後も続いていたおそれがある。",
                t.micros(last),
                t.micros(to)
            ),
        ));
    }
    if parts.is_empty() {
        return None;
    }
    parts.push(t.pick(
        "The window may cut the incident short: the figures below cover the window only.",
        "ログの期間が事態の一部しか含んでいないおそれがあり、以下の数値はその期間のものである。",
    ));
    Some(Block::Text(parts.join(&t.pick(" ", ""))))
}

/// The exposures: first and last, and how many times someone's data was shown to others.
pub(super) fn exposure_facts(facts: &Facts, t: &Text) -> Block {
    let mut out = Vec::new();
    if let Some((first, last)) = facts.summary.exposed_between {
        out.push((
            t.pick("First exposure", "本人以外への最初の表示"),
            t.micros(first),
        ));
        out.push((
            t.pick("Last exposure", "本人以外への最後の表示"),
            t.micros(last),
        ));
    }
    out.push((
        t.pick(
            "Times a person's data was shown to someone else",
            "本人以外に個人データが表示された延べ回数",
        ),
        t.pick(
            &count(facts.summary.exposures),
            &format!("{}回", count(facts.summary.exposures)),
        ),
    ));
    if let Some((possible, _)) = facts.summary.possible {
        out.push((
            t.pick(
                "of which possible (the CDN's records cannot tell whose page it was)",
                "うち表示のおそれにとどまるもの（CDNの記録では誰のページか特定できない）",
            ),
            t.pick(&count(possible), &format!("{}回", count(possible))),
        ));
    }
    Block::Facts(out)
}

/// The pages shown to someone other than their owner.
pub(super) fn pages(facts: &Facts, t: &Text) -> Block {
    Block::Table {
        header: t.picks(&[
            ("Page", "ページ"),
            ("Route", "URL"),
            ("Times shown to others", "本人以外への延べ表示回数"),
            ("People whose page it was", "表示された本人の数（人）"),
        ]),
        rows: facts
            .pages
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.route.clone(),
                    count(p.exposures),
                    count(p.owners_exposed),
                ]
            })
            .collect(),
    }
}

/// Exposures per minute, when the log keeps the minute (its figures: the annex).
pub(super) fn minutes_chart(facts: &Facts, t: &Text) -> Option<Block> {
    let minutes = facts.minutes.clone()?;
    let first = minutes.first()?.0;
    let last = minutes.last()?.0 + 60_000_000;
    let span = (
        facts.window.0.unwrap_or(first).min(first),
        facts.window.1.unwrap_or(last).max(last),
    );
    Some(Block::Chart(Chart::ExposuresPerMinute {
        title: t.pick(
            "Exposures per minute (figures in the annex)",
            "1分ごとの延べ表示回数（数値は別紙）",
        ),
        minutes,
        span,
        zone: t.zone,
    }))
}

/// The exposed fields: label, category, marks, the people by tier (the chart's figures),
/// those for whom it was only viewable, and the records.
pub(super) fn fields_table(facts: &Facts, t: &Text, marks: Marks) -> Block {
    let header = t.picks(&[
        ("Field", "項目"),
        ("Category", "分類"),
        match marks {
            Marks::Appi => ("PPC Rules Art. 7", "規則第7条"),
            Marks::Gdpr => ("GDPR Art. 9, 10", "GDPR第9条・第10条"),
        },
        ("People", "本人の数（人）"),
        ("of whom: direct-notice tier", "うち優先通知"),
        ("of whom: notice tier", "うちその他の通知"),
        (
            "Shown only to themselves (not counted)",
            "本人のみに表示（計上しない）",
        ),
        ("Records (times shown)", "延べ表示回数"),
    ]);
    let rows = facts
        .exposed_fields()
        .map(|f| {
            vec![
                f.label.clone(),
                super::categories::name(&super::categories::group(&f.category), t.lang),
                match marks {
                    Marks::Appi => appi_marks(f, t),
                    Marks::Gdpr => gdpr_marks(&f.gdpr, t),
                },
                count(f.reach.exposed()),
                count(f.reach.exposed_direct),
                count(f.reach.exposed_notice),
                count(f.reach.viewable_only),
                count(f.records),
            ]
        })
        .collect();
    Block::Table { header, rows }
}

/// The rule a mark triggers, in words: "rule (ii): financial damage", 第2号（財産的被害のおそれ）.
pub(super) fn appi_mark_name(mark: AppiMark, t: &Text) -> String {
    match mark {
        AppiMark::Sensitive => t.pick(
            "rule (i): sensitive personal information",
            "第1号（要配慮個人情報）",
        ),
        AppiMark::FinancialDamage => t.pick(
            "rule (ii): possible financial damage",
            "第2号（財産的被害のおそれ）",
        ),
    }
}

fn appi_marks(f: &FieldFacts, t: &Text) -> String {
    if f.appi.is_empty() {
        return "–".to_string();
    }
    let names: Vec<String> = f.appi.iter().map(|m| appi_mark_name(*m, t)).collect();
    t.list(&names)
}

/// "special category (Art. 9)", 特別な種類の個人データ（第9条）; a dash for none.
pub(super) fn gdpr_marks(marks: &[GdprMark], t: &Text) -> String {
    if marks.is_empty() {
        return "–".to_string();
    }
    let names: Vec<String> = marks
        .iter()
        .map(|m| match m {
            GdprMark::Special => t.pick(
                "special category (Art. 9)",
                "特別な種類の個人データ（第9条）",
            ),
            GdprMark::Criminal => t.pick(
                "criminal convictions and offences (Art. 10)",
                "有罪判決及び犯罪に関する個人データ（第10条）",
            ),
        })
        .collect();
    t.list(&names)
}

/// People per exposed field, by tier.
pub(super) fn fields_chart(facts: &Facts, t: &Text) -> Block {
    Block::Chart(Chart::PeopleByField {
        title: t.pick(
            "People per field, by tier (figures in the table above)",
            "項目ごとの本人の数（数値は上の表）",
        ),
        series: [
            t.pick("direct-notice tier", "優先通知"),
            t.pick("notice tier", "その他の通知"),
            t.pick(
                "shown only to themselves (not counted)",
                "本人のみに表示（計上しない）",
            ),
        ],
        fields: facts
            .exposed_fields()
            .map(|f| (f.label.clone(), f.reach))
            .collect(),
    })
}

/// How many people: confirmed, possibly, the blind spots' owners apart, what the count can
/// therefore be, and the tiers.
pub(super) fn people(facts: &Facts, t: &Text) -> Vec<Block> {
    let s = &facts.summary;
    let b = s.blind_spots;
    let mut out = vec![(
        t.pick(
            "People whose data someone else saw (confirmed)",
            "本人以外に個人データが表示された本人の数（確定）",
        ),
        t.people(facts.people_confirmed()),
    )];
    if let Some(only) = facts.people_only_possibly() {
        out.push((
            t.pick(
                "People whose data may have been shown (the CDN's records cannot tell whose page it was)",
                "表示されたおそれがある本人の数（CDNの記録では誰のページか特定できない）",
            ),
            t.people(only),
        ));
    }
    out.push((
        t.pick(
            "Blind spots: times pages the inventory does not cover were shown to someone other than their owner",
            "表示項目を確認していないページが本人以外に表示された延べ回数",
        ),
        t.pick(
            &count(s.unmapped_cross_user),
            &format!("{}回", count(s.unmapped_cross_user)),
        ),
    ));
    if b.owners > 0 {
        out.extend([
            (
                t.pick(
                    "People whose such pages were shown (which of their data is not known)",
                    "そのページの本人の数（表示された項目は不明）",
                ),
                t.people(b.owners),
            ),
            (
                t.pick("of whom not counted above", "うち上記に含まれない本人の数"),
                t.people(b.owners_not_counted),
            ),
        ]);
    }
    out.extend([
        (
            t.pick(
                "with a field marked for direct notice seen (direct-notice tier)",
                "優先して通知すべき項目が表示された本人の数",
            ),
            t.people(s.users_direct_tier),
        ),
        (
            t.pick(
                "with other fields seen (notice tier)",
                "その他の項目のみが表示された本人の数",
            ),
            t.people(s.users_notice_tier),
        ),
        (
            t.pick(
                "whose pages were served in the window but to no one else (not counted)",
                "対象期間にページが配信されたが本人以外には表示されていない本人の数（計上しない）",
            ),
            t.people(s.users_potential_tier),
        ),
    ]);
    let mut blocks = vec![Block::Facts(out)];
    blocks.extend(range(facts, t));
    blocks
}

/// What the number of people therefore is: at least the confirmed, at most every figure
/// together (said only when the figures differ).
fn range(facts: &Facts, t: &Text) -> Option<Block> {
    let low = facts.people_confirmed();
    let possibly = facts.people_only_possibly().unwrap_or(0);
    let blind = facts.summary.blind_spots.owners_not_counted;
    if possibly + blind == 0 {
        return None;
    }
    let high = count(low + possibly + blind);
    let low = count(low);
    let (with_en, with_ja) = match (possibly > 0, blind > 0) {
        (true, true) => (
            "with the people possibly shown and the blind spots' owners not counted above",
            "表示されたおそれがある本人と、表示項目を確認していないページの本人（上記に含まれない者）を含めると",
        ),
        (true, false) => (
            "with the people possibly shown",
            "表示されたおそれがある本人を含めると",
        ),
        _ => (
            "with the blind spots' owners not counted above",
            "表示項目を確認していないページの本人（上記に含まれない者）を含めると",
        ),
    };
    let mut text = t.pick(
        &format!("The number of people concerned is at least {low} (confirmed) and may be up to {high} {with_en}."),
        &format!("本人の数は、確定分の{low}人以上であり、{with_ja}最大{high}人となる。"),
    );
    if blind > 0 {
        text.push_str(&t.pick(
            " Which data of the blind spots' owners was seen is not known until those pages are examined.",
            "表示項目を確認していないページの本人について、どの項目が表示されたかは、当該ページの確認を終えるまで分からない。",
        ));
    }
    Some(Block::Text(text))
}

/// The assumptions behind the figures (the registered-fields table) and the method.
pub(super) fn assumptions(facts: &Facts, t: &Text) -> Block {
    let mut out = match &facts.registered {
        None => vec![(
            t.pick("Assumption", "前提"),
            t.pick(
                "no table of which fields each person has registered: everyone is assumed to have every field",
                "本人ごとの登録項目の一覧がないため、全員が全項目を登録しているものとみなした",
            ),
        )],
        Some((file, without_column, empty)) => vec![
            (
                t.pick("Registered-fields table", "本人ごとの登録項目の一覧"),
                file.clone(),
            ),
            (
                t.pick(
                    "People absent from it (assumed to have every field)",
                    "一覧にない本人の数（全項目を登録しているものとみなした）",
                ),
                t.people(facts.summary.users_assumed_registered),
            ),
            (
                t.pick(
                    "Fields it has no column for (assumed registered)",
                    "一覧に列のない項目（登録しているものとみなした）",
                ),
                match without_column.is_empty() {
                    true => t.pick("none", "なし"),
                    false => t.list(without_column),
                },
            ),
            (
                t.pick(
                    "Empty cells (assumed registered)",
                    "空欄の数（登録しているものとみなした）",
                ),
                count(*empty as u64),
            ),
        ],
    };
    out.push((
        t.pick("Method", "算出方法"),
        t.pick(
            "every time, within the window, a page showing a person's registered fields was served to someone other than that person counts; pages the inventory does not cover are counted apart (blind spots)",
            "対象期間に、本人が登録している項目を表示するページが本人以外に表示された回数をすべて数えた。表示項目を確認していないページは別に数えた",
        ),
    ));
    Block::Facts(out)
}

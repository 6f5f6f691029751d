//! The text of a drill-down's detail, as lines: what the view draws, and what the model
//! counts to know how far a user's detail scrolls. Below both, so neither reaches into the
//! other.

use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::audit::Tier;
use crate::frame::names::{
    DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, PAGE_ID, POSSIBLE_EXPOSURES, REQUESTS,
};
use crate::tui::data::{Seen, UserDetail};
use crate::tui::style::{tier_style, tier_text_style};

/// The mark of how a field was seen: ● seen by someone else, ◐ possibly seen (the log
/// cannot tell whether the response that may have shown it carried this user's page),
/// ○ only potentially viewable.
/// (`None`: a field listed without a user, `- `).
pub fn field_line(field: &crate::inventory::Field, seen: Option<Seen>) -> Line<'static> {
    let mark = match seen {
        Some(Seen::Confirmed) => "● ",
        Some(Seen::Possibly) => "◐ ",
        Some(Seen::Potentially) => "○ ",
        None => "- ",
    };
    let mut spans = vec![
        Span::raw(format!("  {mark}")),
        Span::styled(field.label.clone(), Style::new().bold()),
        Span::raw(format!("  {}  {}", field.id, field.category)),
    ];
    if field.direct_notice {
        spans.push(Span::styled("  [direct notice]", tier_style(Tier::Direct)));
    }
    Line::from(spans)
}

/// The user detail as lines: figures, fields (seen vs only potential), pages, and the
/// plain-words text `pii-audit check` prints.
/// A user's detail as drawn: its lines, wrapped.
pub fn user_paragraph(user: &UserDetail) -> Paragraph<'static> {
    Paragraph::new(user_lines(user)).wrap(Wrap { trim: false })
}

/// The furthest a paragraph may scroll in an area `width` wide and `rows` high: its last
/// line at the bottom, never past it.
pub fn scroll_end(paragraph: &Paragraph, width: u16, rows: usize) -> usize {
    paragraph.line_count(width).saturating_sub(rows)
}

pub fn user_lines(user: &UserDetail) -> Vec<Line<'static>> {
    let figures = match &user.possible {
        None => format!(
            "exposures {} · distinct viewers {} · first {} · last {}",
            user.exposures,
            user.distinct_viewers,
            or_dash(&user.first_exposed),
            or_dash(&user.last_exposed)
        ),
        Some((exposures, viewers)) => format!(
            "confirmed exposures {} · viewers {} · possible exposures {} · viewers {} · first {} · last {}",
            user.exposures,
            user.distinct_viewers,
            exposures,
            viewers,
            or_dash(&user.first_exposed),
            or_dash(&user.last_exposed)
        ),
    };
    let legend = match &user.possible {
        None => "Seen by someone else (●) and only potentially viewable (○):",
        Some(_) => "Seen by someone else (●), possibly seen (◐: the log cannot tell whose page was served) and only potentially viewable (○):",
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("User {}  ", user.user_id), Style::new().bold()),
            Span::styled(format!("tier {}", user.tier), tier_text_style(&user.tier)),
        ]),
        Line::from(figures),
        Line::from(""),
        Line::from(legend.italic()),
    ];
    let mut fields: Vec<&(crate::inventory::Field, Seen)> = user.fields.iter().collect();
    fields.sort_by_key(|(_, seen)| *seen);
    lines.extend(fields.iter().map(|(f, seen)| field_line(f, Some(*seen))));
    lines.push(Line::from(""));
    lines.push(Line::from("Pages that showed their data:".italic()));
    let pages = &user.pages;
    let possible = pages.column(POSSIBLE_EXPOSURES).is_some();
    for row in 0..pages.len() {
        // The same counts as the header: confirmed exposures, and possible ones apart.
        let mut line = format!(
            "  {:<14} requests {:>4} · exposures {:>4} · viewers {:>4}",
            pages.cell(row, PAGE_ID),
            pages.cell(row, REQUESTS),
            pages.cell(row, EXPOSURES),
            pages.cell(row, DISTINCT_VIEWERS),
        );
        if possible {
            line.push_str(&format!(
                " · possible {:>4}",
                pages.cell(row, POSSIBLE_EXPOSURES)
            ));
        }
        lines.push(Line::from(line));
        lines.push(Line::from(format!(
            "    seen by others: {}",
            or_dash(pages.cell(row, EXPOSED_FIELDS))
        )));
        // With a relations table: whose kind of page it was (a label, never a person's id).
        let via = pages.cell(row, "via");
        if !via.is_empty() {
            lines.push(Line::from(format!("    on: {via}")));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "What the user would be told (pii-audit check):".italic(),
    ));
    lines.extend(
        user.text
            .lines()
            .map(|l| Line::from(crate::text::escape(l).into_owned())),
    );
    lines
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "–"
    } else {
        text
    }
}

//! The overlays: inventory forms, the field picker, questions, the save preview, help.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, overlay};
use crate::tui::edit::{Confirm, Form, InputKind, Picker, SavePreview};
use crate::tui::keymap::{
    footer, label, prompt_keys, CONFIRM_KEYS, FORM_KEYS, KEYMAP, PICK_KEYS, SAVE_KEYS,
};
use crate::tui::model::Model;
use crate::tui::vocab::Action;

pub(super) fn draw_form(form: &Form, frame: &mut Frame, area: Rect) {
    let completions = form.completions(4);
    let mut lines: Vec<Line> = form
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let focused = i == form.focus;
            let mut spans = vec![
                Span::styled(
                    format!("{}{:<14}", if focused { "▸ " } else { "  " }, input.label),
                    Style::new().bold(),
                ),
                Span::raw(input.value.clone()),
            ];
            if focused {
                spans.push(Span::styled("█", Style::new().dim()));
                if input.kind == InputKind::Toggle {
                    spans.push(Span::raw("  (Space toggles)").dim());
                }
            }
            Line::from(spans)
        })
        .collect();
    if !completions.is_empty() {
        lines.push(Line::from(format!("  categories: {}", completions.join("  "))).dim());
    }
    lines.push(Line::from(""));
    lines.push(match (&form.error, &form.warning) {
        (Some(error), _) => Line::styled(format!("✗ {error}"), Style::new().fg(Color::Red)),
        (None, Some(warning)) => {
            Line::styled(format!("! {warning}"), Style::new().fg(Color::Yellow))
        }
        (None, None) => Line::styled("✓ valid: Enter applies", Style::new().fg(Color::Green)),
    });
    lines.push(Line::from(footer(FORM_KEYS)).dim());
    // Room for the error line to wrap once.
    let height = lines.len() as u16 + 3;
    let inner = overlay(frame, area, area.width.min(90), height, form.title());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub(super) fn draw_picker(picker: &Picker, frame: &mut Frame, area: Rect) {
    let rows = (area.height as usize).saturating_sub(4).max(1);
    let offset = picker.selected.saturating_sub(rows.saturating_sub(2));
    let mut lines: Vec<Line> = picker
        .fields
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows.saturating_sub(1))
        .map(|(i, (field, on))| {
            let line = Line::from(format!(
                "[{}] {:<20} {}{}",
                if *on { "x" } else { " " },
                field.id,
                field.label,
                if field.direct_notice {
                    "  (direct notice)"
                } else {
                    ""
                }
            ));
            if i == picker.selected {
                line.reversed()
            } else {
                line
            }
        })
        .collect();
    lines.push(Line::from(footer(PICK_KEYS)).dim());
    let height = (lines.len() as u16 + 2).min(area.height);
    let title = format!("fields of page {}", picker.page);
    let inner = overlay(frame, area, area.width.min(80), height, title);
    frame.render_widget(Paragraph::new(lines), inner);
}

pub(super) fn draw_confirm(model: &Model, question: &Confirm, frame: &mut Frame, area: Rect) {
    let text = match question {
        Confirm::DeletePage(page) => format!("Delete page {page} from the inventory?"),
        Confirm::Quit => {
            let source = model
                .editor
                .as_ref()
                .map(|e| e.source())
                .unwrap_or_default();
            format!("The inventory has edits not saved to {source}. Quit anyway?")
        }
    };
    let lines = vec![
        Line::from(text),
        Line::from(""),
        Line::from(footer(CONFIRM_KEYS)).dim(),
    ];
    let inner = overlay(frame, area, area.width.min(70), 7, "confirm".into());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub(super) fn draw_save(model: &Model, preview: &SavePreview, frame: &mut Frame, area: Rect) {
    let source = model
        .editor
        .as_ref()
        .map(|e| e.source())
        .unwrap_or_default();
    let mut lines = vec![Line::from(format!(
        "Write {source} (the previous version is kept as {source}.bak):"
    ))];
    if preview.comments.lines > 0 {
        lines.push(Line::styled(
            format!(
                "! its {} comment line(s) will be dropped (YAML comments cannot be kept); c {} each page's preceding comment into its note ({} found)",
                preview.comments.lines,
                if preview.move_comments { "no longer moves" } else { "moves" },
                preview.comments.pages.len()
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    if preview.diff.is_empty() {
        lines.push(Line::from(
            "no change: the file already holds this inventory",
        ));
    }
    let removed_comments = preview
        .diff
        .iter()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .filter(|l| l[1..].trim_start().starts_with('#'))
        .count();
    if removed_comments > 0 && preview.comments.lines == 0 {
        lines.push(Line::from(format!(
            "removes {removed_comments} comment line(s): the comment directly above each deleted page or field goes with it"
        )));
    }
    let room = (area.height as usize).saturating_sub(lines.len() + 4);
    lines.extend(
        preview
            .diff
            .iter()
            .skip(preview.scroll)
            .take(room)
            .map(|l| {
                let style = if l.starts_with('+') && !l.starts_with("+++") {
                    Style::new().fg(Color::Green)
                } else if l.starts_with('-') && !l.starts_with("---") {
                    Style::new().fg(Color::Red)
                } else {
                    Style::new()
                };
                Line::styled(l.clone(), style)
            }),
    );
    lines.push(Line::from(footer(SAVE_KEYS)).dim());
    let height = (lines.len() as u16 + 2).min(area.height);
    let inner = overlay(frame, area, area.width, height, "save the inventory".into());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub(super) fn draw_help(frame: &mut Frame, area: Rect) {
    let line = |label: &str, help: &str| {
        Line::from(vec![
            Span::styled(format!(" {label:<11}"), Style::new().bold()),
            Span::raw(help.to_string()),
        ])
    };
    let keys: Vec<Line> = KEYMAP.iter().map(|b| line(b.label, b.help)).collect();
    let prompt_keys = prompt_keys();
    // The prompt keys close the right column; the bottom border says which they are (a
    // heading line of their own would not fit 80x24).
    let prompt_labels: Vec<&str> = prompt_keys.iter().map(|(label, _)| *label).collect();
    let prompts = format!(
        " {}: in the {}, {}, {} and {} prompts ",
        prompt_labels.join(", "),
        label(Action::StartFilter),
        label(Action::StartExport),
        label(Action::StartNotices),
        label(Action::StartRegulator)
    );
    let prompt = prompt_keys
        .into_iter()
        .map(|(label, help)| line(label, help).italic());
    // Two columns so the whole map fits on an 80x24 terminal.
    let mut all = keys;
    all.extend(prompt);
    let half = all.len().div_ceil(2);
    let right: Vec<Line> = all.split_off(half);
    let left = all;
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let box_area = centered(area, area.width.min(100), height);
    frame.render_widget(Clear, box_area);
    let block = Block::bordered()
        .title(" keys · any key closes ")
        .title_bottom(Line::from(prompts).italic());
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let [a, b] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), a);
    frame.render_widget(Paragraph::new(right), b);
}

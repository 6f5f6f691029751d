//! A tab's top layer: the breadcrumb, drill-down headers, the user detail and the table
//! (only its visible rows and columns).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::tui::data::Grid;
use crate::tui::detail::{field_line, scroll_end, user_paragraph};
use crate::tui::model::{Layer, LayerKind, Mode, Model, TableView};
use crate::tui::style::tier_text_style;

/// The widest a column is drawn before its cells are cut (lists of fields can be long).
const MAX_COLUMN: usize = 42;

pub(super) fn draw_stack(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(layer) = model.top() else {
        return;
    };
    let [crumbs, header, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(layer.header_height() as u16),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_crumbs(model, layer, frame, crumbs);
    match &layer.kind {
        LayerKind::Page(page) => {
            let mut lines = vec![Line::from(vec![
                Span::styled(format!("{} ", page.page_id), Style::new().bold()),
                Span::raw(page.route.clone()),
            ])];
            if let Some(note) = &page.note {
                lines.push(Line::from(note.clone()).dim());
            } else {
                lines.push(Line::from(""));
            }
            for field in page.fields.iter().take(4) {
                lines.push(field_line(field, None));
            }
            lines.push(Line::from("most-exposed users:".italic()));
            frame.render_widget(Paragraph::new(lines), header);
        }
        LayerKind::Field(detail) => {
            let lines = vec![
                field_line(&detail.field, None),
                Line::from(format!(
                    "users whose {} was seen by someone else, in notice-priority order:",
                    detail.field.label
                ))
                .italic(),
                Line::from(""),
            ];
            frame.render_widget(Paragraph::new(lines), header);
        }
        _ => {}
    }
    match (&layer.kind, &layer.table) {
        (LayerKind::User(user), _) => {
            let detail = user_paragraph(user);
            let end = scroll_end(&detail, rest.width, rest.height as usize);
            let scroll = layer.scroll.min(end);
            frame.render_widget(detail.scroll((scroll as u16, 0)), rest);
        }
        (LayerKind::Pending(_), _) => {
            frame.render_widget(Paragraph::new("loading…").dim(), rest);
        }
        (_, Some(table)) => draw_table(table, *model.mode() == Mode::Sort, frame, rest),
        _ => {}
    }
}

fn draw_crumbs(model: &Model, layer: &Layer, frame: &mut Frame, area: Rect) {
    let mut parts = vec![model.tab.title().to_string()];
    parts.extend(
        model
            .stack()
            .iter()
            .map(Layer::crumb)
            .filter(|c| !c.is_empty()),
    );
    let mut spans = vec![Span::styled(parts.join(" › "), Style::new().bold())];
    if let Some(table) = &layer.table {
        let position = if table.rows.is_empty() {
            "no rows".to_string()
        } else {
            format!("row {} of {}", table.selected + 1, table.rows.len())
        };
        spans.push(Span::raw(format!("   {position}")).dim());
        let hidden = hidden_columns(table, area.width);
        if !hidden.is_empty() {
            spans.push(Span::raw(format!("   {hidden} (h/l)")).dim());
        }
    }
    frame.render_widget(Line::from(spans), area);
}

/// The columns that fit from `first`, with their widths. Short columns (ids, counts,
/// tiers) get their full width; long ones (field lists, times) share what is left, so that
/// the counts stay on screen at 80 columns.
fn visible_columns(grid: &Grid, first: usize, width: usize) -> Vec<(usize, usize)> {
    const SHORT: usize = 20;
    let shown = first..grid.columns.len();
    let short: usize = shown
        .clone()
        .map(|c| grid.widths[c])
        .filter(|&w| w <= SHORT)
        .map(|w| w.max(3) + 1)
        .sum();
    let long = shown.clone().filter(|&c| grid.widths[c] > SHORT).count();
    let share = width
        .saturating_sub(short)
        .checked_div(long)
        .map_or(MAX_COLUMN, |w| w.saturating_sub(1).clamp(12, MAX_COLUMN));
    let mut out = Vec::new();
    let mut used = 0;
    for c in shown {
        if used >= width {
            break;
        }
        let want = grid.widths[c].clamp(3, share.max(SHORT));
        let want = if grid.widths[c] > SHORT {
            want.min(share)
        } else {
            want
        };
        let w = want.min(width - used);
        out.push((c, w));
        used += w + 1;
    }
    out
}

/// The text cut to `width` characters, with "…" when something was cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn draw_table(table: &TableView, numbered: bool, frame: &mut Frame, area: Rect) {
    let grid = &table.grid;
    let columns = visible_columns(grid, table.first_column, area.width as usize);
    let header = Row::new(columns.iter().map(|&(c, _)| {
        let name = &grid.columns[c];
        if numbered {
            Cell::from(format!("{} {name}", (c + 1) % 10)).style(Style::new().fg(Color::Cyan))
        } else {
            Cell::from(name.clone())
        }
    }))
    .style(Style::new().bold().underlined());
    let page = (area.height as usize).saturating_sub(1);
    let tier = grid.column("tier");
    let rows = table
        .rows
        .iter()
        .enumerate()
        .skip(table.offset)
        .take(page)
        .map(|(i, &r)| {
            let cells = columns.iter().map(|&(c, width)| {
                let text = grid.rows[r][c].as_str();
                // ratatui drops control characters; escaped, they show, as on the CLI.
                let cell = Cell::from(fit(&crate::text::escape(text), width));
                if Some(c) == tier {
                    cell.style(tier_text_style(text))
                } else {
                    cell
                }
            });
            let row = Row::new(cells);
            if i == table.selected {
                row.style(Style::new().reversed())
            } else {
                row
            }
        });
    let widths = columns.iter().map(|&(_, w)| Constraint::Length(w as u16));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

/// "← 2 more columns   3 more columns →" when the table is wider than the screen.
fn hidden_columns(table: &TableView, width: u16) -> String {
    let grid = &table.grid;
    let shown = visible_columns(grid, table.first_column, width as usize)
        .last()
        .map_or(0, |&(c, _)| c + 1);
    let mut text = String::new();
    if table.first_column > 0 {
        text = format!("← {} more columns", table.first_column);
    }
    if shown < grid.columns.len() {
        text.push_str(&format!("   {} more columns →", grid.columns.len() - shown));
    }
    text
}

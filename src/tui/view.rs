//! Drawing: `view(&Model, &mut Frame)` renders from state and never changes it. Only the
//! rows that fit on screen are turned into widgets.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Axis, Block, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table, Tabs, Wrap,
};
use ratatui::Frame;

use super::action::{
    footer, hints, prompt_keys, CONFIRM_KEYS, FORM_KEYS, KEYMAP, PICK_KEYS, SAVE_KEYS,
};
use super::data::{AuditData, Grid, Stage, UserDetail};
use super::edit::{Confirm, Form, InputKind, Picker, SavePreview};
use super::model::{Layer, LayerKind, Load, Mode, Model, Tab, TableView};

/// The widest a column is drawn before its cells are cut (lists of fields can be long).
const MAX_COLUMN: usize = 42;

/// How a tier looks: colour marks it, and the word itself is always there too.
pub fn tier_style(tier: &str) -> Style {
    match tier {
        "direct" => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        "notice" => Style::new().fg(Color::Yellow),
        _ => Style::new(),
    }
}

pub fn view(model: &Model, frame: &mut Frame) {
    let [title, tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_title(model, frame, title);
    draw_tabs(model, frame, tabs);
    match &model.load {
        Load::Running { stage } => draw_loading(*stage, frame, body),
        Load::Failed(e) => draw_failure(&format!("{e:#}"), frame, body),
        Load::Ready(data) => match model.tab {
            Tab::Overview => draw_overview(data, model, frame, body),
            _ => draw_stack(model, frame, body),
        },
    }
    draw_status(model, frame, status);
    match model.mode() {
        Mode::Help => draw_help(frame, body),
        Mode::Form(form) => draw_form(form, frame, body),
        Mode::Pick(picker) => draw_picker(picker, frame, body),
        Mode::Confirm(question) => draw_confirm(model, question, frame, body),
        Mode::Save(preview) => draw_save(model, preview, frame, body),
        _ => {}
    }
}

/// A bordered overlay in the middle of `area`, cleared; returns its inside.
fn overlay(frame: &mut Frame, area: Rect, width: u16, height: u16, title: String) -> Rect {
    let box_area = centered(area, width, height);
    frame.render_widget(Clear, box_area);
    let block = Block::bordered().title(format!(" {title} "));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    inner
}

fn draw_form(form: &Form, frame: &mut Frame, area: Rect) {
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

fn draw_picker(picker: &Picker, frame: &mut Frame, area: Rect) {
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

fn draw_confirm(model: &Model, question: &Confirm, frame: &mut Frame, area: Rect) {
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

fn draw_save(model: &Model, preview: &SavePreview, frame: &mut Frame, area: Rect) {
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

fn draw_title(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::styled(" pii-audit ", Style::new().reversed().bold())];
    if model.title.sample {
        spans.push(Span::styled(
            " SAMPLE ",
            Style::new().fg(Color::Black).bg(Color::Cyan),
        ));
    }
    if model.editor.as_ref().is_some_and(|e| e.dirty()) {
        spans.push(Span::styled(
            " inventory edited (w saves) ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    spans.push(Span::raw(format!(" {}", model.title.text)));
    frame.render_widget(Line::from(spans), area);
}

fn draw_tabs(model: &Model, frame: &mut Frame, area: Rect) {
    let titles = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, tab)| format!("{} {}", i + 1, tab.title()));
    let tabs = Tabs::new(titles)
        .select(model.tab.index())
        .highlight_style(Style::new().reversed().bold())
        .divider("│")
        .padding(" ", " ");
    frame.render_widget(tabs, area);
}

fn draw_loading(stage: Stage, frame: &mut Frame, area: Rect) {
    let current = Stage::ALL.iter().position(|&s| s == stage).unwrap_or(0);
    let mut lines = vec![Line::from("Loading the audit…".bold()), Line::from("")];
    for (i, s) in Stage::ALL.iter().enumerate() {
        let (mark, style) = match i.cmp(&current) {
            std::cmp::Ordering::Less => ("✓", Style::new().fg(Color::Green)),
            std::cmp::Ordering::Equal => ("▸", Style::new().bold()),
            std::cmp::Ordering::Greater => ("·", Style::new().dim()),
        };
        lines.push(Line::styled(format!("  {mark} {}", s.name()), style));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("q quits").dim());
    let block = Block::bordered().title(" loading ");
    frame.render_widget(Paragraph::new(lines).block(block), centered(area, 40, 10));
}

fn draw_failure(message: &str, frame: &mut Frame, area: Rect) {
    let text = Text::from(vec![
        Line::styled("The inputs could not be loaded:", Style::new().bold()),
        Line::from(""),
        Line::styled(format!("error: {message}"), Style::new().fg(Color::Red)),
        Line::from(""),
        Line::from("q quits (the error is printed again on exit)").dim(),
    ]);
    let block = Block::bordered().title(" error ");
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        area,
    );
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// The headline figures with the words the officer reads, in the contract's order.
fn headline(data: &AuditData) -> Vec<(&'static str, u64)> {
    let s = &data.summary;
    let mut figures = vec![
        ("users potentially affected", s.users_potentially_affected),
        (
            "users: direct-notice fields viewable",
            s.users_direct_fields_viewable,
        ),
        ("users with a confirmed exposure", s.users_exposed),
    ];
    if let Some(only) = s.users_exposed_only_via_related {
        figures.push(("  of them only on someone else's page", only));
    }
    figures.extend([
        ("users in the direct tier", s.users_direct_tier),
        ("exposures", s.exposures),
        ("unmapped rows served cross-user", s.unmapped_cross_user),
    ]);
    figures
}

fn draw_overview(data: &AuditData, model: &Model, frame: &mut Frame, area: Rect) {
    let unpacked = model.title.unpacked.as_deref();
    let note_lines = (data.assumptions.len() + data.warnings.len()) as u16
        + 2
        + u16::from(model.last_change.is_some());
    // The deadlines, when the inventory has an incident, come before the chart.
    let deadline_lines = match data.deadlines.len() {
        0 => 0,
        n => n as u16 + 2,
    };
    let [top, deadlines, chart, notes] = Layout::vertical([
        Constraint::Length(headline(data).len() as u16 + 2),
        Constraint::Length(deadline_lines),
        Constraint::Min(if deadline_lines == 0 { 5 } else { 0 }),
        Constraint::Length(note_lines.min(8)),
    ])
    .areas(area);
    draw_deadlines(data, frame, deadlines);
    let [figures, side] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);

    let width = headline(data)
        .iter()
        .map(|(_, v)| v.to_string().len())
        .max()
        .unwrap_or(1);
    let lines: Vec<Line> = headline(data)
        .into_iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!(" {value:>width$} "), Style::new().bold()),
                Span::raw(label),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" headline figures ")),
        figures,
    );

    let s = &data.summary;
    let side_lines = vec![
        Line::from(vec![
            Span::styled("direct ", tier_style("direct")),
            Span::raw(s.users_direct_tier.to_string()),
            Span::raw("  "),
            Span::styled("notice ", tier_style("notice")),
            Span::raw(s.users_notice_tier.to_string()),
            Span::raw("  potential "),
            Span::raw(s.users_potential_tier.to_string()),
        ]),
        Line::from(format!("from {}", data.window.0)),
        Line::from(format!("to   {}", data.window.1)),
        Line::from(format!("zone {}", data.zone)),
        Line::from(format!(
            "rows {} · cross-user {}",
            s.rows_in_window, s.rows_cross_user
        )),
        Line::from(format!("unmapped rows {}", s.rows_unmapped)),
    ];
    frame.render_widget(
        Paragraph::new(side_lines).block(Block::bordered().title(" tiers · window ")),
        side,
    );

    draw_chart(data, frame, chart);

    let mut notes_lines: Vec<Line> = data
        .assumptions
        .iter()
        .map(|(name, value)| {
            // The bundled sample is unpacked to a temporary folder; name it as bundled.
            let value = match unpacked {
                Some(dir) => value.replace(dir, "(bundled) sample-data"),
                None => value.clone(),
            };
            Line::from(format!("{}: {value}", name.replace('_', " ")))
        })
        .collect();
    if let Some(change) = &model.last_change {
        notes_lines.insert(
            0,
            Line::styled(
                format!("last inventory edit: {change}"),
                Style::new().bold(),
            ),
        );
    }
    notes_lines.extend(
        data.warnings
            .iter()
            .map(|w| Line::styled(format!("warning: {w}"), Style::new().fg(Color::Yellow))),
    );
    frame.render_widget(
        Paragraph::new(notes_lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(if data.warnings.is_empty() {
                " conservative assumptions used "
            } else {
                " conservative assumptions used · warnings "
            })),
        notes,
    );
}

/// Time left, duty and due time of each deadline (README "Deadlines").
fn draw_deadlines(data: &AuditData, frame: &mut Frame, area: Rect) {
    if data.deadlines.is_empty() {
        return;
    }
    let now = (data.clock)();
    let rows = data.deadlines.iter().map(|d| {
        let left = d.left_text(now);
        let style = if left.starts_with("overdue") {
            tier_style("direct")
        } else {
            Style::new()
        };
        Row::new([
            Cell::from(left).style(style),
            Cell::from(d.short),
            Cell::from(d.due_text(&data.zone)),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(24),
            Constraint::Length(27),
            Constraint::Fill(1),
        ],
    )
    .block(Block::bordered().title(" deadlines · time left "));
    frame.render_widget(table, area);
}

fn short_time(text: &str) -> String {
    // RFC 3339: the HH:MM part is what fits under a chart.
    text.get(11..16).unwrap_or(text).to_string()
}

fn draw_chart(data: &AuditData, frame: &mut Frame, area: Rect) {
    let block = Block::bordered().title(" exposures per minute ");
    if data.chart.is_empty() {
        frame.render_widget(
            Paragraph::new("no traffic in the window").block(block),
            area,
        );
        return;
    }
    let x_max = data.chart.last().map_or(1.0, |p| p.0).max(1.0);
    let y_max = data.chart.iter().map(|p| p.1).fold(1.0, f64::max);
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Bar)
        .style(Style::new().fg(Color::Red))
        .data(&data.chart);
    let chart = Chart::new(vec![dataset])
        .block(block)
        .x_axis(Axis::default().bounds([0.0, x_max]).labels([
            short_time(&data.chart_span.0),
            short_time(&data.chart_span.1),
        ]))
        .y_axis(
            Axis::default()
                .bounds([0.0, y_max])
                .labels(["0".to_string(), format!("{y_max}")]),
        );
    frame.render_widget(chart, area);
}

fn draw_stack(model: &Model, frame: &mut Frame, area: Rect) {
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
            let lines = user_lines(user);
            let scroll = layer.scroll.min(lines.len().saturating_sub(1));
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .scroll((scroll as u16, 0)),
                rest,
            );
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

fn field_line(field: &crate::inventory::Field, seen: Option<bool>) -> Line<'static> {
    let mark = match seen {
        Some(true) => "● ",
        Some(false) => "○ ",
        None => "- ",
    };
    let mut spans = vec![
        Span::raw(format!("  {mark}")),
        Span::styled(field.label.clone(), Style::new().bold()),
        Span::raw(format!("  {}  {}", field.id, field.category)),
    ];
    if field.direct_notice {
        spans.push(Span::styled("  [direct notice]", tier_style("direct")));
    }
    Line::from(spans)
}

/// The user detail as lines: figures, fields (seen vs only potential), pages, and the
/// plain-words text `pii-audit check` prints.
pub fn user_lines(user: &UserDetail) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("User {}  ", user.user_id), Style::new().bold()),
            Span::styled(format!("tier {}", user.tier), tier_style(&user.tier)),
        ]),
        Line::from(format!(
            "exposures {} · distinct viewers {} · first {} · last {}",
            user.exposures,
            user.distinct_viewers,
            or_dash(&user.first_exposed),
            or_dash(&user.last_exposed)
        )),
        Line::from(""),
        Line::from("Seen by someone else (●) and only potentially viewable (○):".italic()),
    ];
    let mut fields: Vec<&(crate::inventory::Field, bool)> = user.fields.iter().collect();
    fields.sort_by_key(|(_, seen)| !*seen);
    lines.extend(fields.iter().map(|(f, seen)| field_line(f, Some(*seen))));
    lines.push(Line::from(""));
    lines.push(Line::from("Pages that showed their data:".italic()));
    let pages = &user.pages;
    for row in 0..pages.len() {
        lines.push(Line::from(format!(
            "  {:<14} requests {:>4} · exposures {:>4} · viewers {:>4}",
            pages.cell(row, "page_id"),
            pages.cell(row, "requests"),
            pages.cell(row, "exposures"),
            pages.cell(row, "distinct_viewers"),
        )));
        lines.push(Line::from(format!(
            "    seen by others: {}",
            or_dash(pages.cell(row, "exposed_fields"))
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
    lines.extend(user.text.lines().map(|l| Line::from(l.to_string())));
    lines
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "–"
    } else {
        text
    }
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
                let cell = Cell::from(fit(text, width));
                if Some(c) == tier {
                    cell.style(tier_style(text))
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

fn draw_status(model: &Model, frame: &mut Frame, area: Rect) {
    let line = match model.mode() {
        Mode::Filter => {
            let text = match model.top().map(|l| &l.kind) {
                Some(LayerKind::Filter(text)) => text.clone(),
                _ => String::new(),
            };
            Line::from(vec![
                Span::styled("/", Style::new().bold()),
                Span::raw(text),
                Span::styled("█", Style::new().dim()),
                Span::raw("   Enter keeps · Esc cancels").dim(),
            ])
        }
        Mode::Export(name) => Line::from(vec![
            Span::styled("export to: ", Style::new().bold()),
            Span::raw(name.clone()),
            Span::styled("█", Style::new().dim()),
            Span::raw("   Enter writes (0600) · Esc cancels").dim(),
        ]),
        Mode::Notices(dir) => Line::from(vec![
            Span::styled("notices for this view to folder: ", Style::new().bold()),
            Span::raw(dir.clone()),
            Span::styled("█", Style::new().dim()),
            Span::raw("   Enter writes (0600) · Esc cancels").dim(),
        ]),
        Mode::Sort => Line::from(vec![
            Span::styled("sort by column: ", Style::new().bold()),
            Span::raw("press its number (shown in the header) · any other key cancels"),
        ]),
        _ => match &model.status {
            Some((message, true)) => Line::styled(message.clone(), Style::new().fg(Color::Red)),
            Some((message, false)) => Line::from(message.clone()),
            None => {
                let mut spans = Vec::new();
                for (key, hint) in hints() {
                    spans.push(Span::styled(format!(" {key}"), Style::new().bold()));
                    spans.push(Span::raw(format!(" {hint} ")));
                }
                Line::from(spans)
            }
        },
    };
    frame.render_widget(line, area);
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let line = |label: &str, help: &str| {
        Line::from(vec![
            Span::styled(format!(" {label:<11}"), Style::new().bold()),
            Span::raw(help.to_string()),
        ])
    };
    let keys: Vec<Line> = KEYMAP.iter().map(|b| line(b.label, b.help)).collect();
    let mut prompt = vec![Line::from(" in the /, e and n prompts:").italic()];
    prompt.extend(
        prompt_keys()
            .into_iter()
            .map(|(label, help)| line(label, help)),
    );
    // Two columns so the whole map fits on an 80x24 terminal.
    let mut all = keys;
    all.extend(prompt);
    let half = all.len().div_ceil(2);
    let right: Vec<Line> = all.split_off(half);
    let left = all;
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let box_area = centered(area, area.width.min(100), height);
    frame.render_widget(Clear, box_area);
    let block = Block::bordered().title(" keys · any key closes ");
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let [a, b] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), a);
    frame.render_widget(Paragraph::new(right), b);
}

//! The overview: headline figures, tiers and window, deadlines, the chart, assumptions.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::audit::Tier;
use crate::frame::names::EXPOSURES;
use crate::inventory::Jurisdiction;
use crate::notice::alerts::{self, Alert};
use crate::tui::data::{AuditData, ChartPoint};
use crate::tui::model::Model;
use crate::tui::style::{alarm_style, tier_style};

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
    // A log whose clock or caches cannot tell whose page a response was: the people only
    // possibly exposed are counted in the figure above (nobody who may have been shown
    // drops out) and shown apart, as are the possible exposures.
    if let Some((possible_exposures, only_possibly)) = s.possible {
        figures.push(("  of them only possibly exposed", only_possibly));
        figures.push(("users in the direct tier", s.users_direct_tier));
        figures.push((EXPOSURES, s.exposures));
        figures.push(("  of them possible", possible_exposures));
        figures.push(("unmapped rows served cross-user", s.unmapped_cross_user));
        return figures;
    }
    figures.extend([
        ("users in the direct tier", s.users_direct_tier),
        (EXPOSURES, s.exposures),
        ("unmapped rows served cross-user", s.unmapped_cross_user),
    ]);
    figures
}

/// The lines of `figure`'s warning (README "Report to the regulator"): blind spots go under
/// the headline figures, the window's edges beside the window.
fn alert_lines(data: &AuditData, figure: &str) -> Vec<Line<'static>> {
    let appi = data
        .deadlines
        .iter()
        .any(|d| d.jurisdiction == Jurisdiction::Appi);
    alerts::alerts(&data.summary, &data.zone, appi)
        .into_iter()
        .filter(|a: &Alert| a.figure == figure)
        .flat_map(|a| a.short)
        .map(|line| {
            // A node's name comes from the log: escaped, as every cell of the views is.
            let line = crate::text::escape(&line);
            Line::styled(format!(" ! {line}"), Style::new().fg(Color::Yellow).bold())
        })
        .collect()
}

pub(super) fn draw_overview(data: &AuditData, model: &Model, frame: &mut Frame, area: Rect) {
    let note_lines = (data.assumptions.len() + data.warnings.len()) as u16
        + 2
        + u16::from(model.last_change.is_some());
    // The deadlines, when the inventory has an incident, come before the chart.
    let deadline_lines = match data.deadlines.len() {
        0 => 0,
        n => n as u16 + 2,
    };
    let figure_lines = headline(data).len() + alert_lines(data, alerts::BLIND_SPOTS).len();
    let side_lines = 6
        + detected_window(data).len()
        + alert_lines(data, alerts::WINDOW_EDGE).len()
        + alert_lines(data, alerts::WINDOW_CACHE).len();
    let [top, deadlines, chart, notes] = Layout::vertical([
        Constraint::Length(figure_lines.max(side_lines) as u16 + 2),
        Constraint::Length(deadline_lines),
        Constraint::Min(if deadline_lines == 0 { 5 } else { 0 }),
        Constraint::Length(note_lines.min(8)),
    ])
    .areas(area);
    draw_deadlines(data, frame, deadlines);
    let [figures, side] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    draw_figures(data, frame, figures);
    draw_tiers_and_window(data, frame, side);
    draw_chart(data, frame, chart);
    draw_notes(data, model, frame, notes);
}

fn draw_figures(data: &AuditData, frame: &mut Frame, area: Rect) {
    let width = headline(data)
        .iter()
        .map(|(_, v)| v.to_string().len())
        .max()
        .unwrap_or(1);
    let mut lines: Vec<Line> = headline(data)
        .into_iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!(" {value:>width$} "), Style::new().bold()),
                Span::raw(label),
            ])
        })
        .collect();
    lines.extend(alert_lines(data, alerts::BLIND_SPOTS));
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" headline figures ")),
        area,
    );
}

fn draw_tiers_and_window(data: &AuditData, frame: &mut Frame, area: Rect) {
    let s = &data.summary;
    let mut side_lines = vec![
        Line::from(vec![
            Span::styled("direct ", tier_style(Tier::Direct)),
            Span::raw(s.users_direct_tier.to_string()),
            Span::raw("  "),
            Span::styled("notice ", tier_style(Tier::Notice)),
            Span::raw(s.users_notice_tier.to_string()),
            Span::raw("  potential "),
            Span::raw(s.users_potential_tier.to_string()),
        ]),
        Line::from(format!("from {}", data.window.0)),
        Line::from(format!("to   {}", data.window.1)),
    ];
    side_lines.extend(detected_window(data));
    side_lines.extend([
        Line::from(format!("zone {}", data.zone)),
        Line::from(format!(
            "rows {} · cross-user {}",
            s.rows_in_window, s.rows_cross_user
        )),
        Line::from(format!("unmapped rows {}", s.rows_unmapped)),
    ]);
    side_lines.extend(alert_lines(data, alerts::WINDOW_EDGE));
    side_lines.extend(alert_lines(data, alerts::WINDOW_CACHE));
    frame.render_widget(
        Paragraph::new(side_lines).block(Block::bordered().title(" tiers · window ")),
        area,
    );
}

/// From a CDN log: the window it suggests (its first and last cached personal response,
/// widened by its resolution), beside the one given; a bound the log does not show is
/// marked `≤` (the leak may have begun earlier) or `≥` (it may have gone on later).
fn detected_window(data: &AuditData) -> Vec<Line<'static>> {
    let Some(window) = &data.summary.cache_window else {
        return Vec::new();
    };
    let style = Style::new().fg(Color::Cyan);
    let Some((from, to)) = window.suggested() else {
        return vec![Line::styled("log: no personal page cached", style)];
    };
    let mark = |seen: Option<bool>, unseen: char| match seen {
        Some(false) => unseen,
        _ => ' ',
    };
    vec![
        Line::styled(
            format!(
                "log {}{}",
                mark(window.start_in_log(), '≤'),
                data.zone.format_micros(from)
            ),
            style,
        ),
        Line::styled(
            format!(
                "    {}{}",
                mark(window.end_in_log(), '≥'),
                data.zone.format_micros(to)
            ),
            style,
        ),
    ]
}

/// The last edit's change, the conservative assumptions, and the loading warnings.
fn draw_notes(data: &AuditData, model: &Model, frame: &mut Frame, area: Rect) {
    let unpacked = model.title.unpacked.as_deref();
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
        area,
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
            alarm_style()
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

/// Exposures per minute in red; from a CDN log, its cached personal responses to others
/// outside the window in yellow, and the window's bounds as white lines.
fn draw_chart(data: &AuditData, frame: &mut Frame, area: Rect) {
    let chart = &data.chart;
    let title = match chart.outside.is_empty() {
        true => " exposures per minute ",
        false => " exposures per minute · outside the window: cached personal pages to others · │ window ",
    };
    let block = Block::bordered().title(title);
    if chart.is_empty() {
        frame.render_widget(
            Paragraph::new("no traffic in the window").block(block),
            area,
        );
        return;
    }
    let points = chart.exposures.iter().chain(&chart.outside);
    let x_max = points.clone().map(|p| p.0).fold(1.0, f64::max);
    let y_max = points.map(|p| p.1).fold(1.0, f64::max);
    let marks: Vec<[ChartPoint; 2]> = chart
        .marks
        .iter()
        .map(|&x| [(x, 0.0), (x, y_max)])
        .collect();
    let mut datasets = vec![Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Bar)
        .style(Style::new().fg(Color::Red))
        .data(&chart.exposures)];
    if !chart.outside.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Bar)
                .style(Style::new().fg(Color::Yellow))
                .data(&chart.outside),
        );
    }
    for mark in &marks {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(Color::White))
                .data(mark),
        );
    }
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([0.0, x_max])
                .labels([short_time(&chart.span.0), short_time(&chart.span.1)]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, y_max])
                .labels(["0".to_string(), format!("{y_max}")]),
        );
    frame.render_widget(chart, area);
}

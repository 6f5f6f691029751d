//! Drawing: `view(&Model, &mut Frame)` renders from state and never changes it. Only the
//! rows that fit on screen are turned into widgets. The overview, the tables and the
//! overlays are drawn by the modules of the same names.

mod overlay;
mod overview;
mod table;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Tabs, Wrap};
use ratatui::Frame;

use super::data::Stage;
use super::keymap::{hints, label, prompt_hint, FILTER_KEYS, SORT_HINT, WRITE_PROMPT_KEYS};
use super::model::{LayerKind, Load, Mode, Model};
use super::vocab::Action;
use super::vocab::Tab;

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
            Tab::Overview => overview::draw_overview(data, model, frame, body),
            _ => table::draw_stack(model, frame, body),
        },
    }
    draw_status(model, frame, status);
    match model.mode() {
        Mode::Help => overlay::draw_help(frame, body),
        Mode::Form(form) => overlay::draw_form(form, frame, body),
        Mode::Pick(picker) => overlay::draw_picker(picker, frame, body),
        Mode::Confirm(question) => overlay::draw_confirm(model, question, frame, body),
        Mode::Save(preview) => overlay::draw_save(model, preview, frame, body),
        _ => {}
    }
    if !model.colour {
        without_colour(frame);
    }
}

/// Drops every colour from the drawn frame, keeping bold, dim and reversed video.
fn without_colour(frame: &mut Frame) {
    for cell in frame.buffer_mut().content.iter_mut() {
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
        cell.underline_color = Color::Reset;
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
            format!(
                " inventory edited ({} saves) ",
                label(Action::SaveInventory)
            ),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    spans.push(Span::raw(format!(" {}", model.title.text)));
    frame.render_widget(Line::from(spans), area);
}

fn draw_tabs(model: &Model, frame: &mut Frame, area: Rect) {
    let titles = Tab::ALL.map(|tab| format!("{} {}", tab.number(), tab.title()));
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
    lines.push(Line::from(format!("{} quits", label(Action::Quit))).dim());
    let block = Block::bordered().title(" loading ");
    frame.render_widget(Paragraph::new(lines).block(block), centered(area, 40, 10));
}

fn draw_failure(message: &str, frame: &mut Frame, area: Rect) {
    let text = Text::from(vec![
        Line::styled("The inputs could not be loaded:", Style::new().bold()),
        Line::from(""),
        Line::styled(format!("error: {message}"), Style::new().fg(Color::Red)),
        Line::from(""),
        Line::from(format!(
            "{} quits (the error is printed again on exit)",
            label(Action::Quit)
        ))
        .dim(),
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
                Span::raw(format!("   {}", prompt_hint(FILTER_KEYS))).dim(),
            ])
        }
        Mode::Export(name) => Line::from(vec![
            Span::styled("export to: ", Style::new().bold()),
            Span::raw(name.clone()),
            Span::styled("█", Style::new().dim()),
            Span::raw(format!("   {}", prompt_hint(WRITE_PROMPT_KEYS))).dim(),
        ]),
        Mode::Notices(dir) => Line::from(vec![
            Span::styled("notices for this view to folder: ", Style::new().bold()),
            Span::raw(dir.clone()),
            Span::styled("█", Style::new().dim()),
            Span::raw(format!("   {}", prompt_hint(WRITE_PROMPT_KEYS))).dim(),
        ]),
        Mode::Regulator(dir) => Line::from(vec![
            Span::styled("reports to the regulator to folder: ", Style::new().bold()),
            Span::raw(dir.clone()),
            Span::styled("█", Style::new().dim()),
            Span::raw(format!("   {}", prompt_hint(WRITE_PROMPT_KEYS))).dim(),
        ]),
        Mode::Sort => Line::from(vec![
            Span::styled("sort by column: ", Style::new().bold()),
            Span::raw(SORT_HINT),
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

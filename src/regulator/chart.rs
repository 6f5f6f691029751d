//! The report's charts, drawn as SVG by plotters. Each series has a colour of its own, so
//! a reader (or a test) finds a chart's bars by their fill; the legend is HTML beside the
//! drawing. Text is laid out by the viewer: plotters is built without font files.

use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use crate::audit::FieldReach;
use crate::ingest::Zone;

/// Bars of exposures per minute.
pub const EXPOSURE: RGBColor = RGBColor(0x1F, 0x5F, 0xA8);
/// People per field: direct tier, notice tier, viewable only.
pub const TIERS: [RGBColor; 3] = [
    RGBColor(0xC0, 0x39, 0x2B),
    RGBColor(0xE6, 0x7E, 0x22),
    RGBColor(0xBD, 0xC3, 0xC7),
];
/// A deadline's bar, from discovery to when it is due.
pub const DEADLINE: RGBColor = RGBColor(0x27, 0x79, 0x5E);
/// The line at "now".
pub const NOW: RGBColor = RGBColor(0x8E, 0x24, 0xAA);

const WIDTH: u32 = 880;
const MICROS_PER_MINUTE: i64 = 60_000_000;

/// A chart as SVG, with its legend: (colour as `#RRGGBB`, series name).
#[derive(Debug, Clone)]
pub struct Drawn {
    pub svg: String,
    pub legend: Vec<(String, String)>,
}

/// `#RRGGBB`, as plotters writes a fill.
pub fn hex(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

/// Draws `chart`.
pub fn draw(chart: &Chart) -> Result<Drawn> {
    match chart {
        Chart::ExposuresPerMinute {
            minutes,
            span,
            zone,
            ..
        } => per_minute(minutes, *span, zone),
        Chart::PeopleByField { series, fields, .. } => by_field(series, fields),
        Chart::Deadlines {
            discovered,
            deadlines,
            now,
            now_label,
            zone,
            ..
        } => timeline(*discovered, deadlines, *now, now_label, zone),
    }
}

fn failed<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// "10:05" within a day, "06-22 10:05" over several.
fn clock(zone: &Zone, micros: i64, several_days: bool) -> String {
    let text = zone.format_micros(micros);
    match several_days {
        true => text.get(5..16).unwrap_or(&text).replace('T', " "),
        false => text.get(11..16).unwrap_or(&text).to_string(),
    }
}

/// The size of a row's label, in pixels.
const ROW_LABEL_SIZE: f64 = 13.0;
/// The size of the axes' labels, in pixels.
const AXIS_LABEL_SIZE: f64 = 14.0;
/// The widest a row label may be: half the chart (a longer one is cut with "…").
const MAX_LABEL_WIDTH: f64 = WIDTH as f64 / 2.0;

/// Whether `c` is drawn wide (CJK ideographs, kana, hangul, full-width forms): twice a
/// narrow character.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// How wide `text` is drawn at `size` pixels, at most: the browser lays the text out
/// (plotters has no fonts), so a narrow character is taken as 0.6 em, more than Latin
/// sans-serif letters take, and a wide one as twice that.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if is_wide(c) { 1.2 } else { 0.6 })
        .sum::<f64>()
        * size
}

/// `label`, cut with "…" where it would be wider than the room for labels.
fn fitted(label: &str) -> String {
    if text_width(label, ROW_LABEL_SIZE) <= MAX_LABEL_WIDTH {
        return label.to_string();
    }
    let mut out = String::new();
    for c in label.chars() {
        if text_width(&format!("{out}{c}…"), ROW_LABEL_SIZE) > MAX_LABEL_WIDTH {
            break;
        }
        out.push(c);
    }
    out + "…"
}

/// Room for the longest row label (after `fitted`), at least 60 pixels.
fn label_width(labels: &[String]) -> u32 {
    labels
        .iter()
        .map(|l| text_width(l, ROW_LABEL_SIZE).ceil() as u32)
        .max()
        .unwrap_or(0)
        .max(60)
}

/// Room right of the plot for half an x-axis label centred on the last tick.
fn right_margin(widest_x_label: &str) -> u32 {
    (text_width(widest_x_label, AXIS_LABEL_SIZE) / 2.0).ceil() as u32 + 6
}

/// The style of a row's label, drawn right-aligned left of its bar.
fn row_label_style() -> TextStyle<'static> {
    ("sans-serif", ROW_LABEL_SIZE)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center))
}

/// One bar per minute with exposures, over the whole span.
fn per_minute(minutes: &[(i64, u64)], span: (i64, i64), zone: &Zone) -> Result<Drawn> {
    let start = span.0.div_euclid(MICROS_PER_MINUTE);
    let end = (span.1 + MICROS_PER_MINUTE - 1).div_euclid(MICROS_PER_MINUTE);
    let n = (end - start).max(1);
    let several_days = span.1 - span.0 > 24 * 60 * MICROS_PER_MINUTE;
    let top = minutes.iter().map(|m| m.1).max().unwrap_or(0).max(1);
    let y_top = top + top / 10 + 1;
    let widest_x = clock(zone, span.1, several_days);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .margin_right(right_margin(&widest_x).max(14))
            .x_label_area_size(28)
            .y_label_area_size(text_width(&y_top.to_string(), AXIS_LABEL_SIZE).ceil() as u32 + 16)
            .build_cartesian_2d(0i64..n, 0u64..y_top)
            .map_err(failed)?;
        let label = |m: &i64| clock(zone, (start + m) * MICROS_PER_MINUTE, several_days);
        chart
            .configure_mesh()
            .label_style(("sans-serif", AXIS_LABEL_SIZE))
            .disable_x_mesh()
            .x_labels(8)
            .y_labels(5)
            .x_label_formatter(&label)
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(minutes.iter().filter(|m| m.1 > 0).map(|&(t, v)| {
                let x = t.div_euclid(MICROS_PER_MINUTE) - start;
                Rectangle::new([(x, 0), (x + 1, v)], EXPOSURE.filled())
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(Drawn {
        svg,
        legend: Vec::new(),
    })
}

/// One horizontal bar per field, stacked by tier, the first field at the top.
fn by_field(series: &[String; 3], fields: &[(String, FieldReach)]) -> Result<Drawn> {
    let n = fields.len().max(1);
    let top = fields
        .iter()
        .map(|(_, r)| r.exposed() + r.viewable_only)
        .max()
        .unwrap_or(0)
        .max(1);
    let labels: Vec<String> = fields.iter().map(|(l, _)| fitted(l)).collect();
    let label_width = label_width(&labels);
    let height = 60 + 28 * n as u32;
    let x_top = top + top / 10 + 1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .margin_right(right_margin(&x_top.to_string()).max(14))
            .x_label_area_size(28)
            .y_label_area_size(label_width + 8)
            .build_cartesian_2d(0u64..x_top, 0f64..n as f64)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", AXIS_LABEL_SIZE))
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(6)
            .draw()
            .map_err(failed)?;
        for (i, ((_, reach), label)) in fields.iter().zip(&labels).enumerate() {
            let row = (n - i) as f64;
            let parts = [
                reach.exposed_direct,
                reach.exposed_notice,
                reach.viewable_only,
            ];
            let mut from = 0;
            for (part, color) in parts.iter().zip(TIERS) {
                if *part > 0 {
                    chart
                        .draw_series([Rectangle::new(
                            [(from, row - 0.8), (from + part, row - 0.2)],
                            color.filled(),
                        )])
                        .map_err(failed)?;
                }
                from += part;
            }
            let (x, y) = chart.backend_coord(&(0, row - 0.5));
            root.draw(&Text::new(label.clone(), (x - 6, y), row_label_style()))
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(Drawn {
        svg,
        legend: TIERS
            .iter()
            .zip(series)
            .map(|(c, name)| (hex(*c), name.clone()))
            .collect(),
    })
}

/// One bar per dated deadline from discovery to when it is due, and a line at now.
fn timeline(
    discovered: DateTime<Utc>,
    deadlines: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
    now_label: &str,
    zone: &Zone,
) -> Result<Drawn> {
    let seconds = |t: DateTime<Utc>| t.timestamp();
    let first = seconds(discovered).min(seconds(now));
    let last = deadlines
        .iter()
        .map(|(_, t)| seconds(*t))
        .chain([seconds(now), seconds(discovered) + 3600])
        .max()
        .unwrap_or(first);
    let pad = ((last - first) / 20).max(60);
    let (from, to) = (first - pad, last + pad);
    let n = deadlines.len().max(1);
    let labels: Vec<String> = deadlines.iter().map(|(l, _)| fitted(l)).collect();
    let label_width = label_width(&labels);
    let several_days = to - from > 24 * 3600;
    let widest_x = clock(zone, to * 1_000_000, several_days);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH, 86 + 34 * n as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        // Room above the plot for the "now" label.
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .margin_top(30)
            .margin_right(right_margin(&widest_x).max(14))
            .x_label_area_size(28)
            .y_label_area_size(label_width + 8)
            .build_cartesian_2d(from..to, 0f64..n as f64)
            .map_err(failed)?;
        let label = |s: &i64| clock(zone, s * 1_000_000, several_days);
        chart
            .configure_mesh()
            .label_style(("sans-serif", AXIS_LABEL_SIZE))
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(6)
            .x_label_formatter(&label)
            .draw()
            .map_err(failed)?;
        for (i, ((_, due), name)) in deadlines.iter().zip(&labels).enumerate() {
            let row = (n - i) as f64;
            chart
                .draw_series([Rectangle::new(
                    [
                        (seconds(discovered), row - 0.75),
                        (seconds(*due), row - 0.25),
                    ],
                    DEADLINE.filled(),
                )])
                .map_err(failed)?;
            let (x, y) = chart.backend_coord(&(from, row - 0.5));
            root.draw(&Text::new(name.clone(), (x - 6, y), row_label_style()))
                .map_err(failed)?;
        }
        let at = seconds(now);
        chart
            .draw_series([PathElement::new(
                vec![(at, 0.0), (at, n as f64)],
                NOW.stroke_width(2),
            )])
            .map_err(failed)?;
        let (x, y) = chart.backend_coord(&(at, n as f64));
        // Centred above the line, or kept inside the drawing near an edge.
        let half = (text_width(now_label, 12.0) / 2.0).ceil() as i32;
        let (x, h) = if x - half < 2 {
            (x.max(2), HPos::Left)
        } else if x + half > WIDTH as i32 - 2 {
            (x.min(WIDTH as i32 - 2), HPos::Right)
        } else {
            (x, HPos::Center)
        };
        let above = ("sans-serif", 12)
            .into_font()
            .color(&NOW)
            .pos(Pos::new(h, VPos::Bottom));
        root.draw(&Text::new(now_label.to_string(), (x, y - 2), above))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(Drawn {
        svg,
        legend: vec![(hex(NOW), now_label.to_string())],
    })
}

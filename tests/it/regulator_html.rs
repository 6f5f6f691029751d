//! `report regulator` as HTML: one self-contained page whose charts plot the reports'
//! figures, whose chart labels stay inside their drawings, and which a browser with a CJK
//! font draws without a missing glyph (headless Chromium; `.ci/run` installs it and
//! `fonts-noto-cjk`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pii_audit::regulator::chart;
use scraper::{ElementRef, Html, Selector};

use crate::{first_tool_present, fixture, pii, sample_args, stdout_of};

/// The bundled sample's report as HTML, and the sample's own reports as CSV.
fn sample_report(dir: &Path, jurisdiction: &str, lang: &str) -> PathBuf {
    let file = dir.join(format!("{jurisdiction}-{lang}.html"));
    let mut command = pii();
    command
        .args(["report", "regulator"])
        .args(sample_args())
        .args(["--jurisdiction", jurisdiction, "--lang", lang])
        .args(["--as-of", "2017-06-23T12:00:00+09:00", "-o"])
        .arg(&file);
    stdout_of(&mut command);
    file
}

fn sample_csv(kind: &str) -> Vec<BTreeMap<String, String>> {
    let mut command = pii();
    command
        .args(["report", kind])
        .args(sample_args())
        .args(["--format", "csv"]);
    let text = stdout_of(&mut command);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn select<'a>(root: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    root.select(&Selector::parse(css).unwrap()).collect()
}

fn attr(e: &ElementRef, name: &str) -> f64 {
    e.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap()
}

/// The bars of `color` in `svg`: (x, y, width, height), in drawing order.
fn bars(svg: ElementRef, color: plotters::style::RGBColor) -> Vec<(f64, f64, f64, f64)> {
    let fill = chart::hex(color);
    select(svg, "rect")
        .into_iter()
        .filter(|r| r.value().attr("fill") == Some(fill.as_str()))
        .map(|r| {
            (
                attr(&r, "x"),
                attr(&r, "y"),
                attr(&r, "width"),
                attr(&r, "height"),
            )
        })
        .collect()
}

/// `pixels` is `value` times one scale for every pair, give or take a pixel of rounding.
fn proportional(pairs: &[(f64, u64)]) {
    let (top_px, top) = pairs
        .iter()
        .copied()
        .max_by_key(|p| p.1)
        .expect("some bars");
    let scale = top_px / top as f64;
    for &(px, value) in pairs {
        assert!(
            (px - value as f64 * scale).abs() <= 1.0,
            "{px} px for {value}: scale {scale} from {top} at {top_px} px"
        );
    }
}

fn figure<'a>(page: &'a Html, name: &str) -> ElementRef<'a> {
    let found = select(
        page.root_element(),
        &format!("figure.chart[data-chart={name:?}]"),
    );
    assert_eq!(found.len(), 1, "one {name} chart");
    let svgs = select(found[0], "svg");
    assert_eq!(svgs.len(), 1, "{name} is drawn as one <svg>");
    svgs[0]
}

#[test]
fn the_html_is_self_contained_and_its_charts_plot_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = sample_report(dir.path(), "appi", "en");
    let text = std::fs::read_to_string(&file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let page = Html::parse_document(&text);
    let root = page.root_element();
    // Nothing fetched, nothing run: no script, no link, no src or href, no CSS url().
    assert!(select(root, "script, link, iframe, object, embed, img").is_empty());
    for e in select(root, "*") {
        for (name, _) in e.value().attrs() {
            assert!(
                !matches!(name, "src" | "href" | "xlink:href" | "srcset" | "action")
                    && !name.starts_with("on"),
                "<{}> has {name}",
                e.value().name()
            );
        }
    }
    assert!(!text.contains("url(") && !text.contains("@import"));

    // Exposures per minute: one bar per minute with exposures, heights in proportion.
    let minutes: Vec<u64> = sample_csv("timeline")
        .iter()
        .map(|r| r["exposures"].parse().unwrap())
        .filter(|&n| n > 0)
        .collect();
    let drawn = bars(figure(&page, "exposures-per-minute"), chart::EXPOSURE);
    assert_eq!(drawn.len(), minutes.len());
    assert!(drawn.windows(2).all(|w| w[0].0 < w[1].0), "in minute order");
    let heights: Vec<(f64, u64)> = drawn.iter().map(|b| b.3).zip(minutes).collect();
    proportional(&heights);

    // People per field: per row, the direct and notice bars make users_exposed and all
    // three users_potential, on one scale.
    let fields: Vec<(u64, u64)> = sample_csv("fields")
        .iter()
        .map(|r| {
            (
                r["users_exposed"].parse().unwrap(),
                r["users_potential"].parse().unwrap(),
            )
        })
        .filter(|f| f.0 > 0)
        .collect();
    let svg = figure(&page, "people-by-field");
    let mut rows: BTreeMap<i64, [f64; 3]> = BTreeMap::new();
    for (tier, color) in chart::TIERS.into_iter().enumerate() {
        for (_, y, width, _) in bars(svg, color) {
            rows.entry(y as i64).or_default()[tier] += width;
        }
    }
    assert_eq!(rows.len(), fields.len(), "one row per exposed field");
    let mut pairs = Vec::new();
    for (widths, (exposed, potential)) in rows.values().zip(&fields) {
        pairs.push((widths[0] + widths[1], *exposed));
        pairs.push((widths[0] + widths[1] + widths[2], *potential));
    }
    proportional(&pairs);

    // Deadlines: a bar for each dated APPI deadline (preliminary, final) and a line at now.
    let svg = figure(&page, "deadlines");
    assert_eq!(bars(svg, chart::DEADLINE).len(), 2);
    let now = chart::hex(chart::NOW);
    assert_eq!(
        select(svg, "polyline")
            .iter()
            .filter(|p| p.value().attr("stroke") == Some(now.as_str()))
            .count(),
        1
    );
    // Blanks for the officer are marked: the sample has no controller: block (6 lines of
    // the form), no started_at or contained_at (2), and items 1, 4 to 9 each have one (7).
    assert_eq!(select(root, "div.blank").len(), 15);
    // The bank account is not marked (Q&A 14-8): rule (ii) is the officer's to decide.
    assert!(text.contains("No rule is met by the data alone"));
    let words: String = root.text().collect();
    assert!(words.contains("the PPC's Q&A 14-8 (on pseudonymised information)"));
    // Every chart's figures are in a table too: the annex lists the minutes drawn.
    let annex = select(root, "section")
        .into_iter()
        .find(|s| s.text().any(|t| t == "Annex: exposures per minute"))
        .expect("an annex");
    assert_eq!(select(annex, "tbody tr").len(), drawn.len());
}

/// The filed fixture's report as HTML (tests/it/regulator.rs works its figures out).
fn filed_report(dir: &Path, jurisdiction: &str, lang: &str) -> PathBuf {
    let file = dir.join(format!("filed-{jurisdiction}-{lang}.html"));
    let mut command = pii();
    command
        .args(["report", "regulator", "-i"])
        .arg(fixture("regulator/filed/inventory.yaml"))
        .arg("-e")
        .arg(fixture("regulator/filed/log.csv"))
        .arg("-r")
        .arg(fixture("regulator/filed/registered.csv"))
        .args([
            "--from",
            "2017-06-22T10:00:00+09:00",
            "--to",
            "2017-06-22T11:00:00+09:00",
        ])
        .args(["--tz", "Asia/Tokyo", "--as-of", "2017-06-23T10:00:00+09:00"])
        .args(["--jurisdiction", jurisdiction, "--lang", lang, "-o"])
        .arg(&file);
    stdout_of(&mut command);
    file
}

/// The Japanese reports the rendering checks run on: the sample's and the filed one's,
/// under both laws.
fn japanese_reports(dir: &Path) -> Vec<PathBuf> {
    vec![
        sample_report(dir, "appi", "ja"),
        sample_report(dir, "gdpr", "ja"),
        filed_report(dir, "appi", "ja"),
        filed_report(dir, "gdpr", "ja"),
    ]
}

/// How wide `text` may be drawn at `size` pixels: every character counted, a wide one
/// (CJK, kana, full-width forms) twice a narrow one, a narrow one at 0.6 em.
fn estimated_width(text: &str, size: f64) -> f64 {
    let wide = |c: char| {
        matches!(c as u32,
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
    };
    text.chars()
        .map(|c| if wide(c) { 1.2 } else { 0.6 })
        .sum::<f64>()
        * size
}

#[test]
fn every_chart_label_lies_inside_its_drawing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut labels, mut japanese) = (0, 0);
    for file in japanese_reports(dir.path()) {
        let page = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
        for svg in select(page.root_element(), "figure.chart svg") {
            let view: Vec<f64> = svg
                .value()
                .attr("viewBox")
                .expect("a view box")
                .split(' ')
                .map(|n| n.parse().unwrap())
                .collect();
            let (width, height) = (view[2], view[3]);
            for text in select(svg, "text") {
                let label: String = text.text().collect();
                let size = attr(&text, "font-size");
                let (x, y) = (attr(&text, "x"), attr(&text, "y"));
                let w = estimated_width(&label, size);
                let (left, right) = match text.value().attr("text-anchor") {
                    Some("end") => (x - w, x),
                    Some("middle") => (x - w / 2.0, x + w / 2.0),
                    _ => (x, x + w),
                };
                // plotters writes a label's vertical anchor as dy: its top (0.76em), its
                // centre (0.5ex), or else the baseline.
                let top = match text.value().attr("dy") {
                    Some("0.76em") => y,
                    Some("0.5ex") => y - size / 2.0,
                    _ => y - size,
                };
                assert!(
                    left >= 0.0 && right <= width && top >= 0.0 && top + size <= height,
                    "{}: {label:?} at {left:.0}..{right:.0} x {top:.0}..{:.0}, outside 0..{width} x 0..{height}",
                    file.display(),
                    top + size
                );
                labels += 1;
                if estimated_width(&label, 1.0) > 0.6 * label.chars().count() as f64 {
                    japanese += 1;
                }
            }
        }
    }
    // The check saw the charts' labels, the Japanese row labels among them.
    assert!(
        labels > 60 && japanese >= 10,
        "{labels} labels, {japanese} in Japanese"
    );
}

/// Checks run in the browser on a copy of a report: each chart label's box as laid out
/// (getBBox) against its drawing's view box, and each character of the page drawn in the
/// page's fonts against a character no font has (U+F0000, private use): the same pixels
/// mean the browser drew the missing-glyph box. A control (U+F0001) must come out
/// missing and "A" not, or the check could not tell.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const out = [];
  let labels = 0;
  for (const svg of document.querySelectorAll('figure.chart svg')) {
    const v = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      labels++;
      if (b.x < v.x - 0.5 || b.y < v.y - 0.5 || b.x + b.width > v.x + v.width + 0.5
          || b.y + b.height > v.y + v.height + 0.5)
        out.push('OUTSIDE ' + t.textContent.trim() + ' '
          + [b.x, b.y, b.width, b.height, v.width, v.height].map(Math.round).join(' '));
    }
  }
  out.push('LABELS ' + labels);
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (c, family) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = '40px ' + family;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(c, 4, 4);
    return ctx.getImageData(0, 0, 64, 64).data.join(',');
  };
  let text = document.body.innerText;
  for (const t of document.querySelectorAll('svg text')) text += t.textContent.trim();
  const chars = [...new Set([...text])].filter(c => c.codePointAt(0) > 0x7F && !/\s/.test(c));
  for (const family of [getComputedStyle(document.body).fontFamily, 'sans-serif']) {
    const missing = draw('\u{F0000}', family);
    const blank = draw(' ', family);
    const control = draw('\u{F0001}', family) === missing && draw('A', family) !== missing;
    out.push('CONTROL ' + (control ? 'ok' : 'blind') + ' ' + family);
    for (const c of chars) {
      const drawn = draw(c, family);
      if (drawn === missing || drawn === blank)
        out.push('MISSING ' + c + ' U+' + c.codePointAt(0).toString(16) + ' ' + family);
    }
  }
  out.push('CHARS ' + chars.length);
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
});
</script>"#;

/// Headless Chromium under any of its packaged names, when installed (under CI=true it
/// must be: `first_tool_present` fails naming them all).
fn chromium() -> Option<&'static str> {
    first_tool_present(
        &[
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ],
        "--version",
    )
}

fn chromium_command(chromium: &str, profile: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args([
            "--no-first-run",
            "--disable-extensions",
            "--window-size=1000,4000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// The probe's lines for `report`, rendered by `chromium`.
fn probe(chromium: &str, report: &Path, profile: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(report).unwrap();
    let copy = report.with_extension("probe.html");
    std::fs::write(&copy, html.replace("</body>", &format!("{PROBE}\n</body>"))).unwrap();
    let out = chromium_command(chromium, profile)
        .args(["--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("file://{}", copy.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let found = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no probe output: {}", String::from_utf8_lossy(&out.stderr)));
    found.lines().map(str::to_string).collect()
}

#[test]
fn chromium_draws_every_japanese_character_and_keeps_chart_labels_inside() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    for report in japanese_reports(dir.path()) {
        let lines = probe(chromium, &report, &profile);
        let name = report.display();
        let value = |prefix: &str| -> usize {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(prefix))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{name}: no {prefix}in {lines:?}"))
        };
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("CONTROL ok")).count(),
            2,
            "{name}: the missing-glyph check cannot tell: {lines:?}"
        );
        let (chars, labels) = (value("CHARS "), value("LABELS "));
        assert!(
            chars > 100 && labels > 10,
            "{name}: {chars} characters, {labels} labels"
        );
        let missing: Vec<&String> = lines.iter().filter(|l| l.starts_with("MISSING")).collect();
        assert!(
            missing.is_empty(),
            "{name}: drawn as missing glyphs (is fonts-noto-cjk installed?): {missing:?}"
        );
        let outside: Vec<&String> = lines.iter().filter(|l| l.starts_with("OUTSIDE")).collect();
        assert!(
            outside.is_empty(),
            "{name}: chart labels outside their drawing: {outside:?}"
        );
    }
}

#[test]
fn chromium_renders_the_html_to_a_page_that_is_not_blank() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (jurisdiction, lang) in [("appi", "en"), ("gdpr", "ja")] {
        let html = sample_report(dir.path(), jurisdiction, lang);
        let png = dir.path().join(format!("{jurisdiction}-{lang}.png"));
        let out = chromium_command(chromium, &dir.path().join("profile"))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html.display()))
            .output()
            .unwrap();
        assert!(png.exists(), "{}", String::from_utf8_lossy(&out.stderr));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let channels = info.color_type.samples();
        let rgb: Vec<&[u8]> = pixels[..info.buffer_size()]
            .chunks(channels)
            .map(|p| &p[..3])
            .collect();
        let ink = rgb.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
        let blue = [0x1F_u8, 0x5F, 0xA8];
        let bars = rgb.iter().filter(|p| **p == blue).count();
        assert!(
            ink * 50 > rgb.len() && bars > 200,
            "{jurisdiction}-{lang}: {ink} dark pixels and {bars} chart-blue ones of {}",
            rgb.len()
        );
    }
}

//! Per-key latency of the TUI on a real-size audit: each key is `update` plus a full draw
//! of the screen (what the person waits for), on the users table of a generated incident.
//!
//!   cargo bench --bench tui_keys -- DATA_DIR [FROM TO TZ]
//!
//! DATA_DIR is a folder made by `pii-audit generate` (inventory.yaml, exposure.parquet,
//! registered.csv). Prints the time to data and, per kind of key, the median and worst
//! latency in milliseconds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops on any failure

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pii_audit::inventory::document::{Document, Edit};
use pii_audit::inventory::Inventory;
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tui::data::compute;
use pii_audit::tui::model::{Model, Title};
use pii_audit::tui::view::view;
use pii_audit::tui::vocab::{Action, Tab};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench tui_keys -- DATA_DIR [FROM TO TZ]");
        std::process::exit(2);
    };
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let input = load::Options {
        registered: Some(dir.join("registered.csv")),
        from: Some(arg(1, "2017-06-22T09:00:00+09:00")),
        to: Some(arg(2, "2017-06-22T15:00:00+09:00")),
        tz: arg(3, "Asia/Tokyo"),
        ..load::Options::new(dir.join("inventory.yaml"), &dir.join("exposure.parquet"))
    };
    let started = Instant::now();
    let mut inputs = Inputs::load_quiet(&input).expect("inputs load");
    let read = started.elapsed();
    let mut stages = vec![("reading log", read)];
    let mut last = (None, Instant::now());
    let (data, _session) = compute(&inputs, &mut |stage| {
        if let Some(previous) = last.0.replace(stage) {
            stages.push((previous.name(), last.1.elapsed()));
        }
        last.1 = Instant::now();
    })
    .expect("audit runs");
    if let Some(stage) = last.0 {
        stages.push((stage.name(), last.1.elapsed()));
    }
    let to_data = started.elapsed();
    drop(_session);

    // An inventory edit: the first page gains the first field it does not render. The
    // worker's recompute: the edited inventory is parsed, matched against the distinct
    // paths in memory, and every view's report is computed again.
    let source = inputs.inventory.source.clone();
    let text = std::fs::read_to_string(&source).expect("inventory");
    let document = Document::parse(&text, &source).expect("inventory parses");
    let page = document.pages().remove(0);
    let field = document
        .fields()
        .into_iter()
        .find(|f| !page.fields.contains(&f.id))
        .expect("a field the first page does not render");
    let mut fields = page.fields.clone();
    fields.push(field.id.clone());
    let edited = document
        .apply(&Edit::SetPageFields {
            page: page.id.clone(),
            fields,
        })
        .expect("edit applies");
    let mut recomputes = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        inputs.inventory =
            Inventory::parse(&edited.to_yaml().expect("yaml"), &source).expect("valid");
        let (again, _session) = compute(&inputs, &mut |_| {}).expect("audit runs");
        recomputes.push(t.elapsed());
        drop(again);
    }
    recomputes.sort();
    let users = data.users.len();
    let title = Title {
        text: "bench".into(),
        sample: false,
        unpacked: None,
    };
    let (w, h) = (160, 48);
    let mut model = Model::loaded(title, (w, h), data);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    let mut press = |model: &mut Model, actions: &[Action]| -> Duration {
        let t = Instant::now();
        for &a in actions {
            model.update(a);
        }
        terminal.draw(|f| view(model, f)).expect("draw");
        t.elapsed()
    };
    press(&mut model, &[Action::GoTab(Tab::Users)]);

    let mut sort = Vec::new();
    for column in 0..9 {
        for _ in 0..3 {
            sort.push(press(
                &mut model,
                &[Action::StartSort, Action::SortBy(column)],
            ));
        }
    }
    press(&mut model, &[Action::Back]);

    let mut filter = Vec::new();
    for _ in 0..5 {
        press(&mut model, &[Action::StartFilter]);
        for c in "u000012".chars() {
            filter.push(press(&mut model, &[Action::Type(c)]));
        }
        for _ in 0..7 {
            filter.push(press(&mut model, &[Action::Erase]));
        }
        press(&mut model, &[Action::Cancel]);
    }

    let mut moves = Vec::new();
    for _ in 0..200 {
        moves.push(press(&mut model, &[Action::Down]));
    }
    moves.push(press(&mut model, &[Action::Bottom]));
    moves.push(press(&mut model, &[Action::Top]));

    println!(
        "data: {}  users: {users}  time to data (load + audit + grids): {:.2} s",
        dir.display(),
        to_data.as_secs_f64()
    );
    let split: Vec<String> = stages
        .iter()
        .map(|(name, d)| format!("{name} {:.2} s", d.as_secs_f64()))
        .collect();
    println!("  stages: {}", split.join(", "));
    println!(
        "recompute after an edit (page {} gains {}), median of 3: {:.2} s",
        page.id,
        field.id,
        recomputes[1].as_secs_f64()
    );
    println!("key latency (update + full draw at {w}x{h}), median / worst:");
    for (name, times) in [
        ("sort (s + column)", &mut sort),
        ("filter (one keystroke)", &mut filter),
        ("move (j, G, g)", &mut moves),
    ] {
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {name:<24} {:>7.2} ms / {:>7.2} ms  ({} keys)",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            times.len()
        );
    }
}

//! Blind spots by route: `report unmapped` and the Unmapped view give one row per
//! suggested route, its paths summed; `--by path` and Enter give the paths.

use std::collections::HashMap;

use pii_audit::load::Inputs;
use pii_audit::tui::data::compute;
use pii_audit::tui::model::{LayerKind, Mode, Model, Title};
use pii_audit::tui::vocab::{Action, Tab};

use crate::pii;
use crate::tui::apply;

/// `report unmapped` on the bundled sample, as CSV rows split into cells.
fn sample_unmapped(extra: &[&str]) -> Vec<Vec<String>> {
    crate::stdout_of(
        pii()
            .args(["report", "unmapped", "--format", "csv"])
            .args(crate::sample_args())
            .args(extra),
    )
    .lines()
    .map(|l| l.split(',').map(str::to_string).collect())
    .collect()
}

#[test]
fn the_sample_s_transaction_ids_are_one_blind_spot() {
    let by_route = sample_unmapped(&[]);
    assert_eq!(
        by_route[0],
        [
            "suggested_route",
            "paths",
            "requests",
            "cross_user",
            "owners_cross_user"
        ]
    );
    let by_path = sample_unmapped(&["--by", "path"]);
    assert_eq!(
        by_path[0],
        ["path", "requests", "cross_user", "suggested_route"]
    );
    // Summed by hand from the per-path rows: paths, requests and cross-user requests.
    let mut sums: HashMap<&str, (u64, u64, u64)> = HashMap::new();
    for row in &by_path[1..] {
        let entry = sums.entry(row[3].as_str()).or_default();
        entry.0 += 1;
        entry.1 += row[1].parse::<u64>().unwrap();
        entry.2 += row[2].parse::<u64>().unwrap();
    }
    assert_eq!(
        by_route.len() - 1,
        sums.len(),
        "one row per suggested route"
    );
    for row in &by_route[1..] {
        let (paths, requests, cross) = sums[row[0].as_str()];
        assert_eq!(row[1].parse::<u64>().unwrap(), paths, "{row:?}");
        assert_eq!(row[2].parse::<u64>().unwrap(), requests, "{row:?}");
        assert_eq!(row[3].parse::<u64>().unwrap(), cross, "{row:?}");
        let owners = row[4].parse::<u64>().unwrap();
        assert!(owners <= cross && (cross == 0) == (owners == 0), "{row:?}");
    }
    let transaction = by_route
        .iter()
        .find(|r| r[0] == "/jp/transaction/{id}")
        .expect("a row for the transaction pages");
    // Hundreds of transaction ids (329 in the leak window), one row.
    assert!(
        transaction[1].parse::<u64>().unwrap() > 300,
        "{transaction:?}"
    );
    assert!(by_route.len() < 10, "{} routes", by_route.len() - 1);
}

#[test]
fn enter_on_a_route_opens_its_paths_and_a_adds_its_page() {
    let sample = pii_audit::tui::sample::unpack().unwrap();
    let inputs = Inputs::load_quiet(&sample.input).unwrap();
    let (data, session) = compute(&inputs, &mut |_| {}).unwrap();
    let title = Title {
        text: "sample".into(),
        sample: true,
        unpacked: None,
    };
    let mut model = Model::loaded(title, (120, 40), data);
    apply(&mut model, &session, &[Action::GoTab(Tab::Unmapped)]);
    let table = model.top().unwrap().table.as_ref().unwrap();
    let at = table
        .rows
        .iter()
        .position(|&r| table.grid.cell(r, "suggested_route") == "/jp/transaction/{id}")
        .expect("the transaction route is listed");
    let paths: usize = table.grid.cell(table.rows[at], "paths").parse().unwrap();
    for _ in 0..at {
        apply(&mut model, &session, &[Action::Down]);
    }
    apply(&mut model, &session, &[Action::AddPage]);
    let Mode::Form(form) = model.mode() else {
        panic!("a opens the add-page form");
    };
    assert_eq!(form.inputs[1].value, "/jp/transaction/{id}");
    apply(&mut model, &session, &[Action::Cancel, Action::Open]);
    let layer = model.top().unwrap();
    assert!(matches!(&layer.kind, LayerKind::Route(r) if r == "/jp/transaction/{id}"));
    let table = layer.table.as_ref().unwrap();
    assert_eq!(table.rows.len(), paths);
    assert!(table
        .rows
        .iter()
        .all(|&r| table.grid.cell(r, "path").starts_with("/jp/transaction/m")));
    apply(&mut model, &session, &[Action::Back]);
    assert_eq!(model.stack().len(), 1);
}

#[test]
fn by_belongs_to_the_unmapped_report() {
    let sample = crate::fixture("../../sample-data");
    crate::bad(
        pii()
            .args(["report", "users", "--by", "path", "-i"])
            .arg(sample.join("inventory.yaml"))
            .arg("-e")
            .arg(sample.join("exposure.csv"))
            .assert(),
        &["--by"],
    );
}

#[test]
fn the_sample_shows_its_deadlines_on_the_first_screen() {
    let sample = pii_audit::tui::sample::unpack().unwrap();
    let inputs = Inputs::load_quiet(&sample.input).unwrap();
    let (data, _) = compute(&inputs, &mut |_| {}).unwrap();
    let title = Title {
        text: "sample".into(),
        sample: true,
        unpacked: None,
    };
    let model = Model::loaded(title, (120, 40), data);
    let screen = crate::tui::screen(&model);
    // APPI's final report: 30 days from 22 June 2017 15:05 JST, day one counted.
    assert!(screen.contains("2017-07-21"), "{screen}");
}

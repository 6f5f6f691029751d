//! The TUI without a terminal: a model built from the contract's worked example, actions
//! applied as a person would press keys, and the real screen rendered to a `TestBackend`
//! and snapshotted. Expected rows are the worked example's, by hand: u2 (direct, 3
//! exposures, 3 viewers), u1 (direct, 1, 1), u3 (potential, 0, 0).

use std::path::PathBuf;

use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tui::data::{compute, Seen, Session};
use pii_audit::tui::model::{LayerKind, Mode, Model, Title};
use pii_audit::tui::view::view;
use pii_audit::tui::vocab::{Action, Tab};
use pii_audit::tui::worker::answer;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Relative paths (tests run from the package root) keep snapshots machine-independent.
fn worked_input() -> load::Options {
    let dir = PathBuf::from("tests/fixtures/worked");
    load::Options {
        inventory: dir.join("inventory.yaml"),
        log: vec![dir.join("log.csv").display().to_string()],
        registered: Some(dir.join("registered.csv")),
        relations: None,
        from: Some("2017-06-22T10:00:00+09:00".into()),
        to: Some("2017-06-22T11:00:00+09:00".into()),
        tz: "Asia/Tokyo".into(),
        derive: None,
        columns: Vec::new(),
        ts_format: None,
        streaming: Default::default(),
    }
}

fn title() -> Title {
    Title {
        text: "worked example (tests/fixtures/worked)".into(),
        sample: false,
        unpacked: None,
    }
}

/// Applies actions; any request for the worker is answered at once, as the worker would.
pub fn apply(model: &mut Model, session: &Session, actions: &[Action]) {
    for &action in actions {
        if let Some(request) = model.update(action) {
            model.receive(answer(session, &request));
        }
    }
}

pub fn screen(model: &Model) -> String {
    let (w, h) = model.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| view(model, frame)).unwrap();
    terminal.backend().to_string()
}

/// Runs `test` with the worked example loaded into an 80x24 model.
fn with_model(test: impl FnOnce(&mut Model, &Session)) {
    let inputs = Inputs::load_quiet(&worked_input()).unwrap();
    let (data, session) = compute(&inputs, &mut |_| {}).unwrap();
    let mut model = Model::loaded(title(), (80, 24), data);
    model.status = None; // the load time differs per run
    test(&mut model, &session);
}

/// The user ids of the current table, in screen order.
fn user_ids(model: &Model) -> Vec<String> {
    let table = model.top().unwrap().table.as_ref().unwrap();
    table
        .rows
        .iter()
        .map(|&r| table.grid.cell(r, "user_id").to_string())
        .collect()
}

fn selected(model: &Model) -> usize {
    model.top().unwrap().table.as_ref().unwrap().selected
}

#[test]
fn every_view_snapshot() {
    with_model(|model, session| {
        insta::assert_snapshot!("overview", screen(model));
        for (tab, name) in [
            (Tab::Users, "users"),
            (Tab::Pages, "pages"),
            (Tab::Fields, "fields"),
            (Tab::Unmapped, "unmapped"),
            (Tab::Inventory, "inventory"),
        ] {
            apply(model, session, &[Action::GoTab(tab)]);
            insta::assert_snapshot!(name, screen(model));
        }
    });
}

#[test]
fn help_overlay_is_the_key_map() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users), Action::Help]);
        let text = screen(model);
        for binding in pii_audit::tui::keymap::KEYMAP {
            assert!(text.contains(binding.help), "help lacks {:?}", binding.help);
        }
        insta::assert_snapshot!("help", text);
        apply(model, session, &[Action::Cancel]);
        assert_eq!(model.mode(), &Mode::Normal);
    });
}

/// The screen's rows between the breadcrumb and the status bar (the user detail's area).
fn detail_rows(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_string()).collect()
}

#[test]
fn user_detail_scrolls_to_its_last_line_and_back() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users), Action::Open]);
        let top = screen(model);
        // G: the letter's last line sits at the bottom of the detail, not past it.
        apply(model, session, &[Action::Bottom]);
        let end = model.top().unwrap().scroll;
        assert!(end > 0, "the detail is longer than the screen");
        let bottom = screen(model);
        let LayerKind::User(user) = &model.top().unwrap().kind else {
            panic!("the user detail is open");
        };
        let last = pii_audit::tui::detail::user_lines(user)
            .last()
            .map(|l| l.to_string())
            .unwrap();
        let rows = detail_rows(&bottom);
        // The status bar takes the last row; the detail's last line is on the row above.
        let at = rows
            .iter()
            .rposition(|r| !last.trim().is_empty() && r.contains(last.trim()))
            .expect("the last line is on screen");
        assert_eq!(
            at,
            rows.len() - 2,
            "the last line sits above the status bar:\n{bottom}"
        );
        // G again stays; k and PgUp move up at once.
        apply(model, session, &[Action::Bottom]);
        assert_eq!(model.top().unwrap().scroll, end);
        apply(model, session, &[Action::Up]);
        assert_eq!(model.top().unwrap().scroll, end - 1);
        apply(
            model,
            session,
            &[Action::PageUp, Action::PageUp, Action::PageUp],
        );
        assert_eq!(model.top().unwrap().scroll, 0);
        assert_eq!(screen(model), top);
    });
}

#[test]
fn user_detail_shows_fields_pages_and_check_text() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users), Action::Open]);
        let LayerKind::User(user) = &model.top().unwrap().kind else {
            panic!("Enter on u2 opens the user detail");
        };
        assert_eq!(user.user_id, "u2");
        assert_eq!(user.exposures, "3");
        assert_eq!(user.distinct_viewers, "3");
        // u2 is absent from the registered table: card and email both count, both seen.
        let seen: Vec<(&str, Seen)> = user
            .fields
            .iter()
            .map(|(f, seen)| (f.id.as_str(), *seen))
            .collect();
        assert_eq!(
            seen,
            [("email", Seen::Confirmed), ("card_last4", Seen::Confirmed)]
        );
        let text = screen(model);
        assert!(text.contains("Dear user u2,"), "the letter preview");
        insta::assert_snapshot!("user_detail", text);
        apply(model, session, &[Action::Back]);
        assert_eq!(model.stack().len(), 1);
    });
}

#[test]
fn page_and_field_drill_downs() {
    with_model(|model, session| {
        // Pages in inventory order: mypage, mypage_tab, card, mail, item. `mail` is row 4.
        apply(
            model,
            session,
            &[
                Action::GoTab(Tab::Pages),
                Action::Down,
                Action::Down,
                Action::Down,
                Action::Open,
            ],
        );
        assert_eq!(user_ids(model), ["u2"]);
        insta::assert_snapshot!("page_detail", screen(model));
        // From the page's users into a user, and back twice.
        apply(model, session, &[Action::Open]);
        assert!(matches!(model.top().unwrap().kind, LayerKind::User(_)));
        apply(model, session, &[Action::Back, Action::Back]);
        assert_eq!(model.stack().len(), 1);

        // Fields in inventory order: name, email, card_last4. name was exposed for u1 only.
        apply(model, session, &[Action::GoTab(Tab::Fields), Action::Open]);
        assert_eq!(user_ids(model), ["u1"]);
        insta::assert_snapshot!("field_detail", screen(model));
    });
}

#[test]
fn tabs_cycle_both_ways() {
    with_model(|model, session| {
        assert_eq!(model.tab, Tab::Overview);
        apply(model, session, &[Action::PrevTab]);
        assert_eq!(model.tab, Tab::Inventory);
        apply(model, session, &[Action::NextTab, Action::NextTab]);
        assert_eq!(model.tab, Tab::Users);
        apply(model, session, &[Action::GoTab(Tab::Unmapped)]);
        assert_eq!(model.tab, Tab::Unmapped);
    });
}

#[test]
fn selection_moves_and_clamps() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users)]);
        assert_eq!(selected(model), 0);
        apply(model, session, &[Action::Down, Action::Down, Action::Down]);
        assert_eq!(
            selected(model),
            2,
            "three users: the cursor stops on the last"
        );
        apply(model, session, &[Action::Top]);
        assert_eq!(selected(model), 0);
        apply(model, session, &[Action::Bottom]);
        assert_eq!(selected(model), 2);
        apply(model, session, &[Action::PageUp]);
        assert_eq!(selected(model), 0);
        apply(model, session, &[Action::Scroll(3)]);
        assert_eq!(selected(model), 2);
    });
}

#[test]
fn sort_pushes_a_view_reverses_and_pops() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users)]);
        assert_eq!(user_ids(model), ["u2", "u1", "u3"]);
        // Column 1 is user_id (text): ascending first.
        apply(model, session, &[Action::StartSort]);
        assert_eq!(model.mode(), &Mode::Sort);
        apply(model, session, &[Action::SortBy(0)]);
        assert_eq!(user_ids(model), ["u1", "u2", "u3"]);
        assert_eq!(model.stack().len(), 2);
        // Again: reversed, still one sort view.
        apply(model, session, &[Action::StartSort, Action::SortBy(0)]);
        assert_eq!(user_ids(model), ["u3", "u2", "u1"]);
        assert_eq!(model.stack().len(), 2);
        // Column 5 is exposures (a count): largest first.
        apply(model, session, &[Action::StartSort, Action::SortBy(4)]);
        assert_eq!(user_ids(model), ["u2", "u1", "u3"]);
        // A column that does not exist says so and changes nothing.
        apply(model, session, &[Action::StartSort, Action::SortBy(9)]);
        assert!(model
            .status
            .as_ref()
            .is_some_and(|(m, _)| m.contains("no column 10")));
        apply(model, session, &[Action::Back]);
        assert_eq!(model.stack().len(), 1);
        assert_eq!(user_ids(model), ["u2", "u1", "u3"]);
    });
}

#[test]
fn filter_is_incremental_and_stacks() {
    with_model(|model, session| {
        apply(
            model,
            session,
            &[Action::GoTab(Tab::Users), Action::StartFilter],
        );
        assert_eq!(model.mode(), &Mode::Filter);
        apply(model, session, &[Action::Type('d'), Action::Type('i')]);
        // "di" matches the tier "direct" of u2 and u1.
        assert_eq!(user_ids(model), ["u2", "u1"]);
        apply(model, session, &[Action::Type('R')]);
        assert_eq!(user_ids(model), ["u2", "u1"], "case-insensitive");
        apply(
            model,
            session,
            &[Action::Erase, Action::Erase, Action::Erase],
        );
        apply(model, session, &[Action::Type('u'), Action::Type('3')]);
        assert_eq!(user_ids(model), ["u3"]);
        insta::assert_snapshot!("filter_active", screen(model));
        apply(model, session, &[Action::Submit]);
        assert_eq!(model.mode(), &Mode::Normal);
        assert_eq!(model.stack().len(), 2);
        assert!(model.top().unwrap().crumb().contains("1 of 3 rows match"));
        // A filter on top of the filter, then Esc pops them one at a time.
        apply(
            model,
            session,
            &[Action::StartFilter, Action::Type('x'), Action::Submit],
        );
        assert_eq!(model.stack().len(), 3);
        assert!(user_ids(model).is_empty());
        apply(model, session, &[Action::Back]);
        assert_eq!(user_ids(model), ["u3"]);
        apply(model, session, &[Action::Back]);
        assert_eq!(user_ids(model), ["u2", "u1", "u3"]);
        // Esc while typing cancels; an empty filter leaves no view behind.
        apply(
            model,
            session,
            &[Action::StartFilter, Action::Type('u'), Action::Cancel],
        );
        assert_eq!(model.stack().len(), 1);
        apply(model, session, &[Action::StartFilter, Action::Submit]);
        assert_eq!(model.stack().len(), 1);
    });
}

#[test]
fn export_writes_the_current_view_owner_only() {
    with_model(|model, session| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("direct.csv");
        apply(
            model,
            session,
            &[Action::GoTab(Tab::Users), Action::StartFilter],
        );
        apply(
            model,
            session,
            &"direct".chars().map(Action::Type).collect::<Vec<_>>(),
        );
        apply(model, session, &[Action::Submit, Action::StartExport]);
        assert_eq!(model.mode(), &Mode::Export("users.csv".into()));
        let mut typing = vec![Action::Erase; "users.csv".len()];
        typing.extend(file.display().to_string().chars().map(Action::Type));
        typing.push(Action::Submit);
        apply(model, session, &typing);
        let written = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines[0], "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages");
        assert!(lines[1].starts_with("u2,direct,card_last4;email,card_last4;email,3,3,"));
        assert!(lines[2].starts_with("u1,direct,name,name,1,1,"));
        assert_eq!(lines.len(), 3, "only the filtered view is exported");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(model
            .status
            .as_ref()
            .is_some_and(|(m, err)| !err && m.contains("wrote 2 rows")));
    });
}

#[test]
fn loading_screen_names_the_stage_and_q_quits() {
    use pii_audit::tui::data::{Reply, Stage};
    let mut model = Model::new(title(), (80, 24));
    model.receive(Reply::Stage(Stage::Joining));
    let text = screen(&model);
    assert!(text.contains("✓ reading log"));
    assert!(text.contains("✓ matching routes"));
    assert!(text.contains("▸ joining"));
    assert!(text.contains("· aggregating"));
    insta::assert_snapshot!("loading", text);
    model.update(Action::Quit);
    assert!(model.quit);
}

#[test]
fn a_load_error_is_shown_and_kept_for_the_exit_status() {
    use pii_audit::tui::data::Reply;
    use pii_audit::tui::model::Load;
    let mut input = worked_input();
    input.inventory = PathBuf::from("tests/fixtures/worked/missing.yaml");
    let error = Inputs::load_quiet(&input).err().unwrap();
    let mut model = Model::new(title(), (80, 24));
    model.receive(Reply::Failed(error));
    let text = screen(&model);
    assert!(text.contains("missing.yaml"));
    let Load::Failed(e) = model.load else {
        panic!("the model keeps the error");
    };
    assert!(
        e.downcast_ref::<pii_audit::error::InputError>().is_some(),
        "bad input: exit 2"
    );
}

#[test]
fn resize_keeps_the_cursor_on_screen() {
    with_model(|model, session| {
        apply(model, session, &[Action::GoTab(Tab::Users), Action::Bottom]);
        apply(model, session, &[Action::Resize(60, 7)]);
        // 7 rows leave 2 for the table: the cursor (row 3) stays visible.
        let table = model.top().unwrap().table.as_ref().unwrap();
        assert_eq!(model.page_rows(), 2);
        assert!(table.offset <= table.selected && table.selected < table.offset + 2);
        let text = screen(model);
        assert!(text.contains("u3"));
    });
}

#[test]
fn readme_key_table_is_the_key_map() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for binding in pii_audit::tui::keymap::KEYMAP {
        if binding.label.len() == 1 && binding.label.as_bytes()[0].is_ascii_digit() {
            continue; // the six view keys share one line: `1` … `6`
        }
        let row = format!("| `{}` | {} |", binding.label, binding.help);
        assert!(readme.contains(&row), "README lacks the key row {row:?}");
    }
}

/// The colours of every cell of the model's screen.
fn colours(model: &Model) -> Vec<ratatui::style::Color> {
    let (w, h) = model.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| view(model, frame)).unwrap();
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .flat_map(|cell| [cell.fg, cell.bg])
        .collect()
}

#[test]
fn without_colour_every_frame_is_drawn_in_the_default_colours() {
    use ratatui::style::Color;
    with_model(|model, session| {
        for tab in [Tab::Overview, Tab::Users, Tab::Pages, Tab::Fields] {
            apply(model, session, &[Action::GoTab(tab)]);
            model.colour = true;
            let text = screen(model);
            if matches!(tab, Tab::Overview | Tab::Users) {
                // Tiers are coloured there.
                assert!(
                    colours(model).iter().any(|c| *c != Color::Reset),
                    "{tab:?} has colour by default"
                );
            }
            model.colour = false;
            assert!(
                colours(model).iter().all(|c| *c == Color::Reset),
                "{tab:?} drawn with a colour"
            );
            // The same words either way: nothing is told by colour alone.
            assert_eq!(screen(model), text);
        }
    });
}

//! The notices in the TUI: the deadlines on the overview with the time left, `n` on the
//! Users view, `R` on the overview (the reports to the regulator).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tui::data::{compute, Session};
use pii_audit::tui::model::{Mode, Model, Title};
use pii_audit::tui::vocab::{Action, Tab};

/// Two days after the incident began: 24 June 2017, 18:00 in Tokyo.
fn two_days_in() -> DateTime<Utc> {
    crate::deadlines::utc("2017-06-24T09:00:00Z")
}

use crate::notices::{letter_names, read, U6_EN, WINDOW};
use crate::tui::{apply, screen};

/// The notices fixture (relative paths keep the snapshot machine-independent).
fn with_model(test: impl FnOnce(&mut Model, &Session)) {
    let dir = PathBuf::from("tests/fixtures/notices");
    let input = load::Options {
        registered: Some(dir.join("registered.csv")),
        from: Some(WINDOW[1].into()),
        to: Some(WINDOW[3].into()),
        tz: "Asia/Tokyo".into(),
        ..load::Options::new(dir.join("inventory.yaml"), &dir.join("log.csv"))
    };
    let inputs = Inputs::load_quiet(&input).unwrap();
    let (mut data, session) = compute(&inputs, &mut |_| {}).unwrap();
    data.clock = two_days_in;
    let title = Title {
        text: "notices fixture (tests/fixtures/notices)".into(),
        sample: false,
        unpacked: None,
    };
    let mut model = Model::loaded(title, (80, 24), data);
    model.status = None;
    test(&mut model, &session);
}

#[test]
fn overview_shows_the_deadlines_with_time_left() {
    with_model(|model, _| {
        let text = screen(model);
        // 72 h from 22 June 18:00 JST end 25 June 18:00 JST: one day left. The APPI final
        // report is due 21 July 23:59:59 JST: 27 days, 5 h 59 min 59 s left.
        for line in [
            "1d 00h 00m left          GDPR: supervisory authority 2017-06-25T18:00:00+09:00│",
            "as soon as possible      GDPR: data subjects         no fixed time",
            "27d 05h 59m left         APPI: final report          2017-07-21T23:59:59+09:00│",
        ] {
            assert!(text.contains(line), "overview lacks {line:?}:\n{text}");
        }
        insta::assert_snapshot!("overview_deadlines", text);
    });
}

#[test]
fn capital_r_on_the_overview_writes_the_reports_to_the_regulator() {
    with_model(|model, session| {
        let dir = tempfile::tempdir().unwrap();
        // Elsewhere it says where the key works.
        apply(
            model,
            session,
            &[Action::GoTab(Tab::Users), Action::StartRegulator],
        );
        assert_eq!(model.mode(), &Mode::Normal);
        assert!(model
            .status
            .as_ref()
            .is_some_and(|(m, _)| m
                .contains("R writes the reports to the regulator from the Overview view (1)")));
        apply(
            model,
            session,
            &[Action::GoTab(Tab::Overview), Action::StartRegulator],
        );
        assert_eq!(model.mode(), &Mode::Regulator("regulator".into()));
        let folder = dir.path().join("reports");
        let mut actions = vec![Action::Erase; "regulator".len()];
        actions.extend(folder.to_str().unwrap().chars().map(Action::Type));
        actions.push(Action::Submit);
        apply(model, session, &actions);
        let status = model.status.clone().map(|(m, _)| m).unwrap_or_default();
        assert!(
            status.starts_with("wrote regulator-gdpr.md, regulator-gdpr.html, regulator-appi.md, regulator-appi.html")
                || status.starts_with("wrote regulator-appi.md, regulator-appi.html, regulator-gdpr.md, regulator-gdpr.html"),
            "{status}"
        );
        let appi = std::fs::read_to_string(folder.join("regulator-appi.md")).unwrap();
        assert!(
            appi.contains("| (iv) | more than 1,000 people | not met: 3 people, not over 1,000 |"),
            "{appi}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    });
}

fn write_notices(model: &mut Model, session: &Session, dir: &Path) -> String {
    let mut actions = vec![Action::StartNotices];
    actions.extend(std::iter::repeat_n(Action::Erase, "notices".len()));
    actions.extend(dir.to_str().unwrap().chars().map(Action::Type));
    actions.push(Action::Submit);
    apply(model, session, &actions);
    model.status.clone().map(|(m, _)| m).unwrap_or_default()
}

#[test]
fn n_writes_the_notices_of_the_filtered_view() {
    with_model(|model, session| {
        let dir = tempfile::tempdir().unwrap();
        // Filter the Users view to "card": u2 (direct) and u6 (notice) match.
        apply(
            model,
            session,
            &[Action::GoTab(Tab::Users), Action::StartFilter],
        );
        apply(
            model,
            session,
            &"card".chars().map(Action::Type).collect::<Vec<_>>(),
        );
        apply(model, session, &[Action::Submit]);
        let filtered = dir.path().join("card");
        let status = write_notices(model, session, &filtered);
        assert!(
            status.starts_with("wrote 2 letters (direct 1, notice 1)"),
            "{status}"
        );
        assert_eq!(letter_names(&filtered), ["u2.md", "u6.md"]);
        assert_eq!(read(&filtered.join("letters/u6.md")), U6_EN);

        // The whole view: u3 is potential only and gets no letter; the status says so.
        apply(model, session, &[Action::Back]);
        let all = dir.path().join("all");
        let status = write_notices(model, session, &all);
        assert!(
            status.contains("1 potential-tier users of this view get no letter"),
            "{status}"
        );
        assert_eq!(letter_names(&all), ["u1.md", "u2.md", "u6.md"]);

        // A folder that is not empty is refused, in red, and nothing changes.
        let status = write_notices(model, session, &all);
        assert!(status.contains("not empty"), "{status}");
        assert!(model.status.as_ref().is_some_and(|(_, failed)| *failed));
    });
}

//! Maintaining the inventory: the canonical form round-trips, each TUI edit (and its undo
//! and redo) changes the document and the figures as worked out by hand on the contract's
//! worked example, a failed save leaves the file whole, and the CLI's `fmt` and
//! `--suggest`.
//!
//! Worked example before any edit (by hand, see CONTRACT.md): u2 direct (card_last4,
//! email; 3 exposures, 3 viewers), u1 direct (name; 1, 1), u3 potential (name); exposures
//! 4; one unmapped cross-user row (`/search?q=x`, u2's page seen by u4).

use crate::pii;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use pii_audit::inventory::document::{comments, Document};
use pii_audit::inventory::Inventory;
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tui::data::{compute, Reply, Request};
use pii_audit::tui::model::{Mode, Model, Title};
use pii_audit::tui::vocab::{Action, Tab};
use pii_audit::tui::worker::answer;

use crate::fixture;

/// The fields and pages of an inventory, as comparable values.
fn model_of(inventory: &Inventory) -> String {
    let pages: Vec<String> = inventory
        .pages
        .iter()
        .map(|p| {
            format!(
                "{} {} {:?} {:?} {:?}",
                p.id, p.route_text, p.fields, p.related, p.note
            )
        })
        .collect();
    // Templates remember their line in the file (for error messages): compare the rest.
    let n = &inventory.notice;
    let templates: Vec<String> = n
        .templates
        .iter()
        .map(|t| format!("{:?} {:?} {}", t.lang, t.text, t.key))
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{pages:?}\n{:?}\n{:?} {:?} {:?} {templates:?} {:?}",
        inventory.name,
        inventory.controller,
        inventory.fields,
        inventory.relations,
        inventory.incident,
        n.lang,
        n.sender,
        n.contact,
        n.labels
    )
}

#[test]
fn canonical_form_round_trips_every_key() {
    for path in [
        PathBuf::from("inventory/mercari-2017.yaml"),
        fixture("edit/every-key.yaml"),
        fixture("notices/inventory.yaml"),
    ] {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let loaded = Inventory::parse(&text, &source).unwrap();
        let saved = Document::parse(&text, &source).unwrap().to_yaml().unwrap();
        let reloaded = Inventory::parse(&saved, &source).unwrap();
        assert_eq!(model_of(&loaded), model_of(&reloaded), "{source}");
        let again = Document::parse(&saved, &source).unwrap().to_yaml().unwrap();
        assert_eq!(saved, again, "{source}: saving twice gives the same bytes");
    }
}

#[test]
fn comments_are_found_in_the_canonical_layout_too() {
    // serde_yaml writes page items at the left margin, their field lists indented.
    let text = "version: 1\npages:\n# first\n- id: a\n  route: /a\n  fields:\n  # not a page\n  - x\n# second\n- id: b\n  route: /b\n";
    let found = comments(text);
    assert_eq!(found.lines, 3);
    assert_eq!(
        found.pages,
        [(0, "first".to_string()), (1, "second".to_string())]
    );
}

#[test]
fn comments_are_found_with_the_page_they_precede() {
    let text = std::fs::read_to_string(fixture("edit/every-key.yaml")).unwrap();
    let found = comments(&text);
    // The file's first line, and the one above `- id: mypage`; the `#` inside the quoted
    // label is not a comment.
    assert_eq!(found.lines, 2);
    assert_eq!(found.pages, [(0, "The landing page.".to_string())]);
    let moved = Document::parse(&text, "x")
        .unwrap()
        .with_comments_as_notes(&found);
    let mypage = moved.page("mypage").unwrap();
    assert_eq!(
        mypage.note.as_deref(),
        Some("Two lines\nof note.\nThe landing page.")
    );
}

/// The worked example with its inventory copied into a temporary folder (edits are saved
/// there), driven like the TUI: requests are answered as the worker would.
struct Harness {
    _dir: tempfile::TempDir,
    inventory: PathBuf,
    inputs: Inputs,
    model: Model,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let inventory = dir.path().join("inventory.yaml");
        std::fs::copy(fixture("worked/inventory.yaml"), &inventory).unwrap();
        let input = load::Options {
            inventory: inventory.clone(),
            log: vec![fixture("worked/log.csv").display().to_string()],
            registered: Some(fixture("worked/registered.csv")),
            relations: None,
            from: Some("2017-06-22T10:00:00+09:00".into()),
            to: Some("2017-06-22T11:00:00+09:00".into()),
            tz: "Asia/Tokyo".into(),
            derive: None,
            columns: Vec::new(),
            ts_format: None,
            streaming: Default::default(),
        };
        let inputs = Inputs::load_quiet(&input).unwrap();
        let (data, _) = compute(&inputs, &mut |_| {}).unwrap();
        let title = Title {
            text: "worked example (edit)".into(),
            sample: false,
            unpacked: None,
        };
        let mut model = Model::loaded(title, (80, 24), data);
        model.status = None;
        Harness {
            _dir: dir,
            inventory,
            inputs,
            model,
        }
    }

    fn press(&mut self, actions: &[Action]) {
        for &action in actions {
            if let Some(request) = self.model.update(action) {
                self.serve(request);
            }
        }
    }

    fn type_text(&mut self, text: &str) {
        let actions: Vec<Action> = text.chars().map(Action::Type).collect();
        self.press(&actions);
    }

    fn clear_input(&mut self) {
        self.press(&[Action::Erase; 40]);
    }

    fn serve(&mut self, request: Request) {
        match request {
            Request::Recompute(text) => {
                let source = self.inputs.inventory.source.clone();
                self.inputs.inventory = Inventory::parse(&text, &source).unwrap();
                let (data, _) = compute(&self.inputs, &mut |_| {}).unwrap();
                self.model.receive(Reply::Loaded(Box::new(data)));
            }
            other => {
                let (_, session) = compute(&self.inputs, &mut |_| {}).unwrap();
                self.model.receive(answer(&session, &other));
            }
        }
    }

    fn summary(&self) -> (u64, u64, u64, u64) {
        let s = &self.model.data().unwrap().summary;
        (
            s.users_potentially_affected,
            s.users_exposed,
            s.exposures,
            s.unmapped_cross_user,
        )
    }

    /// The users report as the Users view holds it: (user, tier, exposed, exposures, viewers).
    fn users(&self) -> Vec<String> {
        let grid = &self.model.data().unwrap().users;
        (0..grid.len())
            .map(|r| {
                format!(
                    "{} {} {} {} {}",
                    grid.cell(r, "user_id"),
                    grid.cell(r, "tier"),
                    grid.cell(r, "exposed_fields"),
                    grid.cell(r, "exposures"),
                    grid.cell(r, "distinct_viewers")
                )
            })
            .collect()
    }

    fn page_ids(&self) -> Vec<String> {
        let editor = self.model.editor.as_ref().unwrap();
        editor.current().pages().into_iter().map(|p| p.id).collect()
    }

    fn screen(&self) -> String {
        crate::tui::screen(&self.model)
    }

    /// Moves the Inventory view's cursor to a page (inventory order: mypage, mypage_tab,
    /// card, mail, item).
    fn select_page(&mut self, index: usize) {
        self.press(&[Action::GoTab(Tab::Inventory), Action::Top]);
        self.press(&vec![Action::Down; index]);
    }
}

const BEFORE: (u64, u64, u64, u64) = (3, 2, 4, 1);

#[test]
fn mapping_an_unmapped_path_counts_its_rows() {
    let mut h = Harness::new();
    assert_eq!(h.summary(), BEFORE);
    // From the blind spot: Unmapped's only row is /search, suggested route /search.
    h.press(&[Action::GoTab(Tab::Unmapped), Action::AddPage]);
    let Mode::Form(form) = h.model.mode() else {
        panic!("a opens the add-page form");
    };
    assert_eq!(
        form.inputs[0].value, "search",
        "id from the suggested route"
    );
    assert_eq!(form.inputs[1].value, "/search");
    h.press(&[Action::Down, Action::Down]);
    h.type_text("name");
    h.press(&[Action::Submit]);
    assert_eq!(h.model.mode(), &Mode::Normal);
    // The /search row (u2's page, seen by u4) now discloses u2's name: one more exposure,
    // one more viewer for u2, no unmapped cross-user row left; u2 was already exposed.
    assert_eq!(h.summary(), (3, 2, 5, 0));
    assert_eq!(
        h.users(),
        [
            "u2 direct card_last4;email;name 4 4",
            "u1 direct name 1 1",
            "u3 potential  0 0"
        ]
    );
    assert_eq!(
        h.model.last_change.as_deref(),
        Some("recomputed: +1 exposures, -1 unmapped cross-user rows, 1 unmapped paths now mapped")
    );
    assert!(h.page_ids().contains(&"search".to_string()));
    // Undo and redo move the figures back and forth.
    h.press(&[Action::Undo]);
    assert_eq!(h.summary(), BEFORE);
    assert!(!h.page_ids().contains(&"search".to_string()));
    h.press(&[Action::Redo]);
    assert_eq!(h.summary(), (3, 2, 5, 0));
    h.press(&[Action::Redo]);
    assert!(h
        .model
        .status
        .as_ref()
        .is_some_and(|(m, _)| m.contains("nothing to undo or redo")));
}

#[test]
fn a_page_gains_and_loses_fields_through_the_picker() {
    let mut h = Harness::new();
    // item (/items/{id}/) renders nothing; u2's item page was served to u4.
    h.select_page(4);
    h.press(&[Action::EditFields]);
    let Mode::Pick(picker) = h.model.mode() else {
        panic!("f opens the field picker");
    };
    assert_eq!(picker.page, "item");
    assert!(picker.fields.iter().all(|(_, on)| !on));
    // Fields in inventory order: name, email, card_last4. Tick name.
    h.press(&[Action::Toggle, Action::Submit]);
    assert_eq!(
        h.model
            .editor
            .as_ref()
            .unwrap()
            .current()
            .page("item")
            .unwrap()
            .fields,
        ["name"]
    );
    // u2's name is now seen by u4: one more exposure, one more viewer.
    assert_eq!(h.summary(), (3, 2, 5, 1));
    assert_eq!(h.users()[0], "u2 direct card_last4;email;name 4 4");
    // And off again.
    h.select_page(4);
    h.press(&[Action::EditFields, Action::Toggle, Action::Submit]);
    assert_eq!(h.summary(), BEFORE);
}

#[test]
fn deleting_a_page_drops_its_exposures() {
    let mut h = Harness::new();
    h.select_page(2); // card
    h.press(&[Action::DeletePage]);
    assert!(matches!(h.model.mode(), Mode::Confirm(_)));
    h.press(&[Action::Submit]);
    assert_eq!(h.page_ids(), ["mypage", "mypage_tab", "mail", "item"]);
    // /my/card now falls to mypage_tab (/my/{tab}/, renders name): u2's card row (seen by
    // u1) discloses u2's name instead of the card, and u1's card row (seen by u3), which
    // disclosed nothing (u1 has no card), now discloses u1's name. Exposures 4 -> 5.
    assert_eq!(h.summary(), (3, 2, 5, 1));
    assert_eq!(
        h.users(),
        [
            "u2 direct email;name 3 3",
            "u1 direct name 2 1",
            "u3 potential  0 0"
        ]
    );
}

#[test]
fn route_and_note_edits_and_field_definitions() {
    let mut h = Harness::new();
    // A malformed route is refused as typed, with the loader's message.
    h.select_page(4); // item
    h.press(&[Action::EditRoute]);
    h.clear_input();
    h.type_text("/items/{id");
    let Mode::Form(form) = h.model.mode() else {
        panic!("r opens the route form");
    };
    let error = form.error.clone().unwrap();
    assert!(
        error.starts_with("pages[4].route: malformed route"),
        "{error}"
    );
    insta::assert_snapshot!("route_form_error", h.screen());
    h.press(&[Action::Submit]);
    assert!(
        matches!(h.model.mode(), Mode::Form(_)),
        "an invalid edit cannot be applied"
    );
    // The same route pattern as another page is refused too.
    h.clear_input();
    h.type_text("/my/{x}/");
    let Mode::Form(form) = h.model.mode() else {
        panic!()
    };
    assert!(form.error.as_ref().unwrap().contains("same route pattern"));
    h.clear_input();
    h.type_text("/products/{id}/");
    h.press(&[Action::Submit]);
    let document = h.model.editor.as_ref().unwrap().current().clone();
    assert_eq!(document.page("item").unwrap().route, "/products/{id}/");
    // /items/42/ is unmapped now (u2's page seen by u4): 2 unmapped cross-user rows.
    assert_eq!(h.summary(), (3, 2, 4, 2));

    h.select_page(4);
    h.press(&[Action::EditNote]);
    h.type_text("public product page");
    h.press(&[Action::Submit]);
    let note = h
        .model
        .editor
        .as_ref()
        .unwrap()
        .current()
        .page("item")
        .unwrap()
        .note;
    assert_eq!(note.as_deref(), Some("public product page"));

    // A field definition: id, label, category with completion, direct_notice.
    h.press(&[Action::GoTab(Tab::Inventory), Action::AddFieldDef]);
    h.type_text("phone");
    h.press(&[Action::Down]);
    h.type_text("Phone number");
    h.press(&[Action::Down]);
    h.clear_input();
    h.type_text("user.contact.ph");
    h.press(&[Action::Complete]);
    let Mode::Form(form) = h.model.mode() else {
        panic!()
    };
    assert_eq!(form.inputs[2].value, "user.contact.phone_number");
    h.press(&[Action::Down, Action::Type(' ')]);
    insta::assert_snapshot!("field_form", h.screen());
    h.press(&[Action::Submit]);
    let fields = h.model.editor.as_ref().unwrap().current().fields();
    let phone = fields.iter().find(|f| f.id == "phone").unwrap();
    assert_eq!(
        (
            phone.label.as_str(),
            phone.category.as_str(),
            phone.direct_notice
        ),
        ("Phone number", "user.contact.phone_number", true)
    );
    // A duplicate id is refused.
    h.press(&[Action::AddFieldDef]);
    h.type_text("email");
    let Mode::Form(form) = h.model.mode() else {
        panic!()
    };
    assert!(form.error.as_ref().unwrap().contains("already declared"));
    h.press(&[Action::Cancel]);
    // An unused field can be deleted from the picker (x on its line); a used one cannot.
    h.select_page(0);
    h.press(&[Action::EditFields, Action::DeleteFieldDef]);
    assert!(h
        .model
        .status
        .as_ref()
        .is_some_and(|(m, err)| *err && m.contains("rendered by mypage")));
    h.press(&[Action::Cancel, Action::EditFields]);
    h.press(&[
        Action::Down,
        Action::Down,
        Action::Down,
        Action::DeleteFieldDef,
    ]);
    let ids: Vec<String> = h
        .model
        .editor
        .as_ref()
        .unwrap()
        .current()
        .fields()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, ["name", "email", "card_last4"]);
}

#[test]
fn save_shows_the_diff_writes_atomically_and_keeps_a_backup() {
    let mut h = Harness::new();
    let original = std::fs::read_to_string(&h.inventory).unwrap();
    h.select_page(4);
    h.press(&[Action::EditFields, Action::Toggle, Action::Submit]);
    assert!(h.screen().contains("inventory edited (w saves)"));
    h.press(&[Action::SaveInventory]);
    let Mode::Save(preview) = h.model.mode() else {
        panic!("w opens the save preview");
    };
    // The edit is spliced into the file as written: its comment and its flow lists stay,
    // and the diff is the one changed line.
    assert_eq!(preview.comments.lines, 0, "no comment is dropped");
    assert_eq!(
        preview.text,
        original.replace(
            "  - id: item\n    route: /items/{id}/\n    fields: []\n",
            "  - id: item\n    route: /items/{id}/\n    fields: [name]\n"
        )
    );
    let changed: Vec<&String> = preview
        .diff
        .iter()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    assert_eq!(changed, ["-    fields: []", "+    fields: [name]"]);
    // The temporary folder's name is random: mask it (same length, same wrapping).
    let dir = h._dir.path().display().to_string();
    let masked = h.screen().replace(&dir, &"X".repeat(dir.len()));
    insta::assert_snapshot!("save_preview", masked);
    h.press(&[Action::Submit]);
    let saved = std::fs::read_to_string(&h.inventory).unwrap();
    let backup = std::fs::read_to_string(format!("{}.bak", h.inventory.display())).unwrap();
    assert_eq!(backup, original);
    let reloaded = Inventory::parse(&saved, "saved").unwrap();
    let item = reloaded.pages.iter().find(|p| p.id == "item").unwrap();
    assert_eq!(item.fields, [0], "item now renders name");
    assert!(!h.screen().contains("inventory edited"));
    // Quitting with nothing unsaved does not ask.
    h.press(&[Action::Quit]);
    assert!(h.model.quit);
}

#[test]
fn quitting_with_unsaved_edits_asks_first() {
    let mut h = Harness::new();
    h.select_page(4);
    h.press(&[
        Action::EditFields,
        Action::Toggle,
        Action::Submit,
        Action::Quit,
    ]);
    assert!(matches!(h.model.mode(), Mode::Confirm(_)));
    assert!(!h.model.quit);
    h.press(&[Action::Cancel]);
    assert!(!h.model.quit);
    h.press(&[Action::Quit, Action::Submit]);
    assert!(h.model.quit);
}

#[test]
fn a_failed_save_leaves_the_file_whole_and_says_why() {
    let mut h = Harness::new();
    let original = std::fs::read_to_string(&h.inventory).unwrap();
    // The backup cannot be written: FILE.bak is a folder that is not empty. (A read-only
    // folder does not stop root, which CI runs as.)
    let blocker = PathBuf::from(format!("{}.bak", h.inventory.display()));
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "x").unwrap();
    h.select_page(4);
    h.press(&[Action::EditFields, Action::Toggle, Action::Submit]);
    h.press(&[Action::SaveInventory, Action::Submit]);
    let (message, error) = h.model.status.clone().unwrap();
    assert!(error, "{message}");
    assert!(
        message.contains("unchanged") && message.contains(".bak"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&h.inventory).unwrap(), original);
    assert!(
        h.model.editor.as_ref().unwrap().dirty(),
        "the edit is still unsaved"
    );
}

/// Whether the tests run as root (CI does), for whom a read-only folder is no obstacle.
fn running_as_root() -> bool {
    Std::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_refuses_the_save_and_leaves_the_file_whole() {
    use std::os::unix::fs::PermissionsExt;
    // Root writes anywhere, so as root (CI) the binary runs as `nobody` (setpriv): the
    // refusal is checked on every machine, never skipped.
    let mut cmd = if running_as_root() {
        if !crate::tool_present("setpriv", "--version") {
            return;
        }
        let mut cmd = Std::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("pii-audit"));
        cmd
    } else {
        Std::new(assert_cmd::cargo::cargo_bin("pii-audit"))
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inv.yaml");
    // Valid, and not in the canonical form, so `fmt` has something to write.
    std::fs::write(&file, crate::INVENTORY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = cmd.args(["inventory", "fmt"]).arg(&file).output().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the save went through: {stderr}");
    assert!(stderr.contains("cannot"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), crate::INVENTORY);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the inventory is in the folder");
}

fn copy_to(dir: &Path, from: &Path) -> PathBuf {
    let to = dir.join(from.file_name().unwrap());
    std::fs::copy(from, &to).unwrap();
    to
}

#[test]
fn fmt_refuses_to_drop_comments_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_to(dir.path(), &fixture("edit/every-key.yaml"));
    let before = std::fs::read_to_string(&file).unwrap();
    pii()
        .args(["inventory", "fmt"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("2 comment line(s)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    pii()
        .args(["inventory", "fmt", "--comments-to-notes"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains("rewritten in canonical form"));
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.contains("The landing page."));
    assert_eq!(
        std::fs::read_to_string(format!("{}.bak", file.display())).unwrap(),
        before
    );
    // The canonical form is a fixed point.
    pii()
        .args(["inventory", "fmt"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains("already in canonical form"));
}

#[test]
fn check_suggest_prints_pages_to_paste() {
    let out = pii()
        .args(["inventory", "check"])
        .arg(fixture("worked/inventory.yaml"))
        .arg("-e")
        .arg(fixture("worked/log.csv"))
        .arg("--suggest")
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let yaml = &text[text.find("# 1 suggested pages").unwrap()..];
    assert!(yaml.contains("  - id: search\n    route: /search\n    fields: []\n"));
    assert!(yaml.contains("from 1 unmapped requests (1 cross-user) on 1 paths"));
    // Pasted under `pages:`, it loads.
    let inventory = std::fs::read_to_string(fixture("worked/inventory.yaml")).unwrap();
    let body: String = yaml.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let pasted = format!("{inventory}{body}");
    let loaded = Inventory::parse(&pasted, "pasted").unwrap();
    assert!(loaded.pages.iter().any(|p| p.id == "search"));
}

#[test]
fn a_save_killed_between_write_and_rename_leaves_the_old_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_to(dir.path(), &fixture("edit/every-key.yaml"));
    let before = std::fs::read_to_string(&file).unwrap();
    // The debug build aborts (no unwinding, no cleanup) after writing the new text to a
    // temporary file and before renaming it over the inventory.
    let out = pii()
        .env("PII_AUDIT_FORCE_KILL", "atomic-rename:every-key.yaml")
        .args(["inventory", "fmt", "--drop-comments"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the process was killed");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "the old file is whole"
    );
    let again = Inventory::parse(&std::fs::read_to_string(&file).unwrap(), "after kill");
    assert!(again.is_ok());
    // The backup, written before, is whole too.
    assert_eq!(
        std::fs::read_to_string(format!("{}.bak", file.display())).unwrap(),
        before
    );
}

//! Edits that keep the inventory as written: each edit kind's diff on a file with
//! comments and mixed styles (golden, reviewed), and random edit sequences that always read
//! back as the edited document.

use proptest::prelude::*;

use pii_audit::inventory::document::{comments, diff, Document, Edit};
use pii_audit::inventory::splice::splice;

fn styles() -> String {
    std::fs::read_to_string(crate::fixture("edit/styles.yaml")).unwrap()
}

/// The edit spliced into `text`, checked to read back as the document `Document::apply`
/// makes; its diff.
fn spliced_diff(text: &str, edit: &Edit) -> String {
    let spliced = splice(text, edit).expect("the layout is one the splicer knows");
    let expected = Document::parse(text, "styles.yaml")
        .unwrap()
        .apply(edit)
        .unwrap();
    let read = Document::parse(&spliced, "styles.yaml").unwrap();
    assert_eq!(read.to_yaml().unwrap(), expected.to_yaml().unwrap());
    diff(text, &spliced, "styles.yaml")
}

#[test]
fn golden_diffs_for_each_edit_kind() {
    let text = styles();
    let pages = |fields: &[&str]| fields.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    let cases = [
        (
            "add_page",
            Edit::AddPage {
                id: "coupon".into(),
                route: "/my/coupon/{id}".into(),
                fields: pages(&["name", "email"]),
                note: Some("Coupons: with the owner's name".into()),
            },
        ),
        (
            "delete_page",
            Edit::DeletePage {
                page: "mail".into(),
            },
        ),
        (
            "rename_route",
            Edit::SetRoute {
                page: "mail".into(),
                route: "/my/mail/{*rest}".into(),
            },
        ),
        (
            "change_fields_flow",
            Edit::SetPageFields {
                page: "mypage".into(),
                fields: pages(&["name", "email"]),
            },
        ),
        (
            "change_fields_block",
            Edit::SetPageFields {
                page: "mail".into(),
                fields: pages(&["email", "card"]),
            },
        ),
        (
            "change_note",
            Edit::SetNote {
                page: "mail".into(),
                note: Some("Shows the address\nin full, with a second line.".into()),
            },
        ),
        (
            "add_note",
            Edit::SetNote {
                page: "mypage".into(),
                note: Some("The landing page.".into()),
            },
        ),
        (
            "add_field",
            Edit::AddField {
                id: "phone".into(),
                label: "Phone number".into(),
                category: "user.contact.phone_number".into(),
                direct_notice: false,
            },
        ),
        (
            "delete_field",
            Edit::DeleteField {
                field: "spare".into(),
            },
        ),
    ];
    for (name, edit) in cases {
        insta::assert_snapshot!(name, spliced_diff(&text, &edit));
    }
}

/// An edit chosen by `pick` among those that make sense for `document` now.
fn edit_for(document: &Document, pick: (u8, usize, usize, String)) -> Edit {
    let (kind, a, b, text) = pick;
    let pages = document.pages();
    let fields: Vec<String> = document.fields().into_iter().map(|f| f.id).collect();
    let page = pages[a % pages.len()].id.clone();
    let subset: Vec<String> = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| b >> (i % 16) & 1 == 1)
        .map(|(_, f)| f.clone())
        .collect();
    match kind % 7 {
        0 => Edit::AddPage {
            id: format!("p{a}_{b}"),
            route: format!("/new/{a}/{b}/{{id}}"),
            fields: subset,
            note: (!text.is_empty()).then_some(text),
        },
        1 if pages.len() > 1 => Edit::DeletePage { page },
        2 => Edit::SetRoute {
            page,
            route: format!("/moved/{a}/{}", b % 7),
        },
        3 => Edit::SetPageFields {
            page,
            fields: subset,
        },
        4 => Edit::SetNote {
            page,
            note: (!text.is_empty()).then_some(text),
        },
        5 => Edit::AddField {
            id: format!("f{a}_{b}"),
            label: text,
            category: "user.name".into(),
            direct_notice: b % 2 == 0,
        },
        _ => Edit::SetNote { page, note: None },
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        ..crate::fuzz::config("fuzz/regressions/splice.txt")
    })]
    #[test]
    fn random_edit_sequences_read_back_as_the_edited_document(
        base in prop::sample::select(vec!["styles", "sample"]),
        picks in prop::collection::vec(
            (any::<u8>(), any::<usize>(), any::<usize>(), "[a-zA-Z0-9 :#'\\-\\n\"]{0,24}"),
            1..12,
        ),
    ) {
        let mut text = match base {
            "styles" => styles(),
            _ => std::fs::read_to_string(crate::fixture("../../sample-data/inventory.yaml")).unwrap(),
        };
        let mut document = Document::parse(&text, "inv.yaml").unwrap();
        for pick in picks {
            let edit = edit_for(&document, pick);
            let Ok(next) = document.apply(&edit) else { continue };
            if next.validate("inv.yaml").is_err() {
                continue;
            }
            let spliced = splice(&text, &edit);
            prop_assert!(spliced.is_some(), "{:?} declined on\n{}", edit, text);
            let spliced = spliced.unwrap();
            let read = Document::parse(&spliced, "inv.yaml");
            prop_assert!(read.is_ok(), "{:?} made unreadable YAML:\n{}", edit, spliced);
            prop_assert_eq!(read.unwrap().to_yaml().unwrap(), next.to_yaml().unwrap(), "{:?}", edit);
            // Comments go only with what an edit deletes.
            let deletes = matches!(edit, Edit::DeletePage { .. } | Edit::DeleteField { .. });
            if !deletes {
                prop_assert!(comments(&spliced).lines >= comments(&text).lines, "{:?} lost a comment", edit);
            }
            text = spliced;
            document = next;
        }
    }
}

#[test]
fn a_trailing_comment_and_odd_notes_survive() {
    let text = styles();
    // The card page's list carries a comment at the end of its line: kept.
    let edit = Edit::SetPageFields {
        page: "card".into(),
        fields: vec![],
    };
    let diff = spliced_diff(&text, &edit);
    assert!(
        diff.contains("+    fields: []   # the last four digits only"),
        "{diff}"
    );
    // A note that is one newline (as a block scalar it would need a header line).
    for note in ["\n", "#", "- a", "a: b", "'quoted'", "yes"] {
        let edit = Edit::SetNote {
            page: "mypage".into(),
            note: Some(note.into()),
        };
        spliced_diff(&text, &edit);
    }
}

#[test]
fn the_save_preview_says_a_deleted_page_takes_its_comment_along() {
    use pii_audit::load::Inputs;
    use pii_audit::tui::data::compute;
    use pii_audit::tui::edit::Editor;
    use pii_audit::tui::model::{Mode, Model, Title};
    use pii_audit::tui::vocab::Action;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("styles.yaml");
    std::fs::write(&file, styles()).unwrap();
    let mut editor = Editor::open(file).unwrap();
    editor
        .apply(&Edit::DeletePage {
            page: "mail".into(),
        })
        .unwrap();
    let preview = editor.preview(false).unwrap();
    assert_eq!(preview.comments.lines, 0, "the file's layout is kept");
    assert!(preview
        .diff
        .iter()
        .any(|l| l == "-  # Mail settings, listed block style."));
    // On screen: the overlay says the comment goes with the page.
    let options = pii_audit::load::Options::new(
        crate::fixture("worked/inventory.yaml"),
        &crate::fixture("worked/log.csv"),
    );
    let inputs = Inputs::load_quiet(&options).unwrap();
    let (data, _) = compute(&inputs, &mut |_| {}).unwrap();
    let title = Title {
        text: "styles".into(),
        sample: false,
        unpacked: None,
    };
    let mut model = Model::loaded(title, (120, 40), data);
    model.editor = Some(editor);
    model.update(Action::SaveInventory);
    assert!(matches!(model.mode(), Mode::Save(_)));
    let screen = crate::tui::screen(&model);
    assert!(
        screen.contains("removes 1 comment line(s): the comment directly above each deleted"),
        "{screen}"
    );
}

#[test]
fn a_comment_inside_a_block_list_is_kept() {
    let text = styles().replace(
        "      - email\n      - name\n",
        "      - email\n      # the name is shown in the greeting\n      - name\n",
    );
    let edit = Edit::SetPageFields {
        page: "mail".into(),
        fields: vec!["email".into()],
    };
    let diff = spliced_diff(&text, &edit);
    let spliced = splice(&text, &edit).unwrap();
    assert!(
        spliced.contains("      - email\n      # the name is shown in the greeting\n    note:"),
        "{diff}"
    );
}

/// The saved regression `cc 3e9c9728…`, by hand: a note written as `"\" #\n"` holds an
/// escaped quote, so its ` #` is inside the scalar, not a comment. Removing the note takes
/// no comment along, and replacing it leaves nothing of the old value behind.
#[test]
fn an_escaped_quote_in_a_note_is_not_a_comment() {
    let text = styles();
    let quoted = splice(
        &text,
        &Edit::SetNote {
            page: "mail".into(),
            note: Some("\" #\n".into()),
        },
    )
    .unwrap();
    assert_eq!(
        quoted,
        text.replace(
            "    note: Shows the address in full.\n",
            "    note: \"\\\" #\\n\"\n"
        )
    );
    assert_eq!(comments(&text).lines, 6);
    assert_eq!(comments(&quoted).lines, 6, "the note's ` #` is no comment");

    let removed = Edit::SetNote {
        page: "mail".into(),
        note: None,
    };
    spliced_diff(&quoted, &removed);
    let expected = "\
# An inventory as a team keeps it in git: comments, blank lines, flow and block
# styles, quoted values. Edits must leave all of it as it is.
version: 1
name: Styles

fields:
  name: {label: Full name, category: user.name, direct_notice: true}
  email: {label: Email address, category: user.contact.email}
  card:
    label: \"Card: last 4 digits\"
    category: user.financial.credit_card
  spare:
    label: Not rendered yet

pages:
  # The landing page.
  - id: mypage
    route: /my/
    fields: [name]
  # Mail settings, listed block style.
  - id: mail
    route: '/my/email/{*rest}'
    fields:
      - email
      - name

  - id: card
    route: /my/card/
    fields: [card]   # the last four digits only
# Kept at the end.
";
    assert_eq!(splice(&quoted, &removed).unwrap(), expected);
    assert_eq!(comments(expected).lines, 6);

    // Replaced, the old value goes whole (not `"Plain." #\n"`).
    let plain = Edit::SetNote {
        page: "mail".into(),
        note: Some("Plain.".into()),
    };
    spliced_diff(&quoted, &plain);
    assert_eq!(
        splice(&quoted, &plain).unwrap(),
        text.replace("Shows the address in full.", "\"Plain.\"")
    );
}

#[test]
fn a_comment_on_a_removed_note_stays() {
    let text = styles().replace(
        "    note: Shows the address in full.\n",
        "    note: \"Shows \\\"the\\\" address\"  # checked with legal\n",
    );
    let edit = Edit::SetNote {
        page: "mail".into(),
        note: None,
    };
    spliced_diff(&text, &edit);
    assert_eq!(
        splice(&text, &edit).unwrap(),
        styles().replace(
            "    note: Shows the address in full.\n",
            "    # checked with legal\n"
        )
    );
    assert_eq!(comments(&text).lines, 7);
    assert_eq!(comments(&splice(&text, &edit).unwrap()).lines, 7);
}

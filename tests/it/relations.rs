//! Issue 9: pages that show a related person's fields (the buyer on the seller's transaction
//! page). One fixture, tests/fixtures/relations, covers every case the issue lists; its
//! figures are worked out by hand here.
//!
//! Inventory: `mypage` `/my/` [name, address]; `deal` `/transaction/{id}/` [nickname] and,
//! through `buyer_of_seller`, the buyer's [name, address]. name and address are direct-notice.
//! Registered: b2 has no address on file (everyone else: everything).
//!
//! ```text
//! relations (relation buyer_of_seller)      log (UTC, 2017-06-22)
//! s1 -> b1                                  R1 10:00 /transaction/m1/        s1 seen by v1
//! s1 -> b2                                  R2 10:01 /transaction/m1/        s1 seen by s1 (own view)
//! s1 -> b5                                  R3 10:02 /transaction/m2/        s2 seen by v2
//! s1 -> b5 on /transaction/m1/ only         R4 10:03 /transaction/m3         s2 seen by v3
//! s2 -> b3 on /transaction/m3/ only         R5 10:04 /transaction/m4/        s3 seen by v4
//! s3 -> b4 valid [10:00, 10:30)             R6 10:30 /transaction/m4/        s3 seen by v5
//!                                           R7 10:05 /my/                    b5 seen by v1
//!                                           R8 10:06 /transaction/m1/?ref=x  s1 seen by b1
//! ```
//!
//! - b1 (only via a seller's page): R1 exposes name+address to v1; R2 is the seller's own
//!   view (potential only); on R8 b1 is the viewer (not an exposure of b1). 1 exposure, 1 viewer.
//! - b2 (unregistered address): R1 and R8 expose name only. 2 exposures, viewers v1, b1.
//! - b3 (one transaction path): only R4 (/transaction/m3); R3 is another transaction. 1, 1.
//! - b4 (validity): R5 at 10:04 is inside [10:00, 10:30); R6 at 10:30 is not. 1, 1.
//! - b5 (own page and via a relation): R1 (linked twice, counted once), R8, and own R7. 3
//!   exposures; viewers v1 (R1 and R7, merged) and b1: 2. via `buyer_of_seller;own`.
//! - Sellers: s1 R1, R8 (2, v1 b1); s2 R3, R4 (2, v2 v3); s3 R5, R6 (2, v4 v5); nickname only:
//!   notice tier.
//!
//! Order: direct (b5 2 viewers 3 exposures, b2 2/2, then b1 b3 b4 at 1/1), notice (s1 s2 s3).

use crate::pii;
use predicates::prelude::*;

use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tables::{render, Format};

use crate::{fixture, write};

fn args() -> load::Options {
    load::Options {
        registered: Some(fixture("relations/registered.csv")),
        relations: Some(fixture("relations/relations.csv")),
        ..load::Options::new(
            fixture("relations/inventory.yaml"),
            &fixture("relations/log.csv"),
        )
    }
}

fn csv(report: &pii_audit::audit::Report) -> String {
    let zone = "UTC".parse().unwrap();
    String::from_utf8(render(&report.df, Format::Csv, &zone).unwrap()).unwrap()
}

/// The users report on the fixture, worked out above.
const USERS: &str = "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages,via\n\
     b5,direct,address;name,address;name,3,2,2017-06-22T10:00:00+00:00,2017-06-22T10:06:00+00:00,deal;mypage,buyer_of_seller;own\n\
     b2,direct,name,name,2,2,2017-06-22T10:00:00+00:00,2017-06-22T10:06:00+00:00,deal,buyer_of_seller\n\
     b1,direct,address;name,address;name,1,1,2017-06-22T10:00:00+00:00,2017-06-22T10:00:00+00:00,deal,buyer_of_seller\n\
     b3,direct,address;name,address;name,1,1,2017-06-22T10:03:00+00:00,2017-06-22T10:03:00+00:00,deal,buyer_of_seller\n\
     b4,direct,address;name,address;name,1,1,2017-06-22T10:04:00+00:00,2017-06-22T10:04:00+00:00,deal,buyer_of_seller\n\
     s1,notice,nickname,nickname,2,2,2017-06-22T10:00:00+00:00,2017-06-22T10:06:00+00:00,deal,own\n\
     s2,notice,nickname,nickname,2,2,2017-06-22T10:02:00+00:00,2017-06-22T10:03:00+00:00,deal,own\n\
     s3,notice,nickname,nickname,2,2,2017-06-22T10:04:00+00:00,2017-06-22T10:30:00+00:00,deal,own\n";

#[test]
fn users_via_related_pages() {
    let inputs = Inputs::load_quiet(&args()).unwrap();
    let audit = inputs.audit().unwrap();
    assert_eq!(csv(&audit.users().unwrap()), USERS);
}

/// Every id of the fixture made 24 bytes long, too long for polars to hold inside a view
/// (such ids are looked up by their text, not their view).
fn long(id: &str) -> String {
    format!("{id}-has-a-long-account-id")
}

/// A CSV fixture file with each cell that is a user id passed through `rename`.
fn renamed(name: &str, rename: impl Fn(&str) -> String) -> String {
    let ids = [
        "s1", "s2", "s3", "b1", "b2", "b3", "b4", "b5", "v1", "v2", "v3", "v4", "v5",
    ];
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    text.lines()
        .map(|line| {
            let cells: Vec<String> = line
                .split(',')
                .map(|cell| match ids.contains(&cell) {
                    true => rename(cell),
                    false => cell.to_string(),
                })
                .collect();
            cells.join(",") + "\n"
        })
        .collect()
}

/// The fixture's relations with long ids, cell by cell (empty cells as written).
fn long_relations() -> Vec<Vec<String>> {
    renamed("relations/relations.csv", long)
        .lines()
        .skip(1)
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The users report on the fixture's log and registered table with long ids, and the
/// relations table `relations`.
fn users_with_long_ids(dir: &std::path::Path, relations: std::path::PathBuf) -> String {
    let log = write(dir, "log.csv", &renamed("relations/log.csv", long));
    let registered = write(
        dir,
        "registered.csv",
        &renamed("relations/registered.csv", long),
    );
    let inputs = Inputs::load_quiet(&load::Options {
        registered: Some(registered),
        relations: Some(relations),
        ..load::Options::new(fixture("relations/inventory.yaml"), &log)
    })
    .unwrap();
    csv(&inputs.audit().unwrap().users().unwrap())
}

/// `USERS` with the long ids.
fn long_users() -> String {
    let mut users = String::new();
    for line in USERS.lines() {
        let (id, rest) = line.split_once(',').unwrap();
        let id = match id {
            "user_id" => id.to_string(),
            id => long(id),
        };
        users += &format!("{id},{rest}\n");
    }
    users
}

#[test]
fn long_ids_a_relation_linked_once_and_empty_json_paths_give_the_same_figures() {
    // The fixture again, three ways at once: ids longer than 12 bytes; the relations table as
    // NDJSON, where a relation for every path has `"path": ""` (empty text), but s1 -> b1's
    // `null`; and without the second s1 -> b5 relation (tied to /transaction/m1/), so that
    // no (owner, related person) pair repeats. b5 is still reached once per row on R1 and
    // R8: the figures are the fixture's, with the long ids.
    let dir = tempfile::tempdir().unwrap();
    let relations: String = long_relations()
        .iter()
        .filter(|cell| cell[3] != "/transaction/m1/")
        .map(|cell| {
            let time = |t: &str| match t {
                "" => "null".to_string(),
                t => format!("{t:?}"),
            };
            let path = match cell[3].as_str() {
                "" if cell[2] == long("b1") => "null".to_string(),
                path => format!("{path:?}"),
            };
            format!(
                "{{\"relation\": {:?}, \"owner_id\": {:?}, \"related_id\": {:?}, \"path\": {path}, \"from\": {}, \"to\": {}}}\n",
                cell[0], cell[1], cell[2], time(&cell[4]), time(&cell[5])
            )
        })
        .collect();
    assert_eq!(relations.lines().count(), 5, "{relations}");
    assert!(relations.contains("\"path\": \"\""), "{relations}");
    assert!(relations.contains("\"path\": null"), "{relations}");
    let relations = write(dir.path(), "relations.ndjson", &relations);
    assert_eq!(users_with_long_ids(dir.path(), relations), long_users());
}

#[test]
fn long_ids_repeated_pairs_and_parquet_row_groups_give_the_same_figures() {
    // The fixture's six relations with long ids, s1 -> b5 twice (a pair that repeats, looked
    // up by the text of long ids), written to Parquet in row groups of two rows with `""`
    // for every path and no null: the table is read in three chunks, which the cores'
    // halves of the table cross. The path-tied s1 -> b5 goes last, so that the two b5 are
    // in different row groups (different dictionaries: equal text, different views). The
    // figures are the fixture's, with the long ids.
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut cells = long_relations();
    let tied_b5 = cells.remove(3);
    assert_eq!(
        (tied_b5[2].as_str(), tied_b5[3].as_str()),
        (long("b5").as_str(), "/transaction/m1/")
    );
    cells.push(tied_b5);
    let column = |i: usize| cells.iter().map(|c| c[i].clone()).collect::<Vec<_>>();
    let time = |i: usize| -> Vec<Option<String>> {
        let text = column(i);
        text.into_iter()
            .map(|t| Some(t).filter(|t| !t.is_empty()))
            .collect()
    };
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let mut df = df!(
        "relation" => column(0),
        "owner_id" => column(1),
        "related_id" => column(2),
        "path" => column(3),
        "from" => time(4),
        "to" => time(5),
    )
    .unwrap()
    .lazy()
    .with_columns(["from", "to"].map(|bound| {
        col(bound)
            .str()
            .to_datetime(
                Some(TimeUnit::Microseconds),
                Some(TimeZone::UTC),
                StrptimeOptions::default(),
                lit("raise"),
            )
            .cast(utc.clone())
    }))
    .collect()
    .unwrap();
    assert_eq!(df.height(), 6);
    assert!(column(3).iter().any(String::is_empty));
    let path = dir.path().join("relations.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(2))
        .finish(&mut df)
        .unwrap();
    let inventory =
        pii_audit::inventory::Inventory::load(&fixture("relations/inventory.yaml")).unwrap();
    let table =
        pii_audit::ingest::Relations::read(&path, &inventory, &"UTC".parse().unwrap()).unwrap();
    let owners = table
        .df
        .column("owner_id")
        .unwrap()
        .as_materialized_series();
    assert_eq!(owners.n_chunks(), 3, "one chunk per row group");
    assert_eq!(users_with_long_ids(dir.path(), path), long_users());
}

#[test]
fn summary_counts_users_exposed_only_through_someone_elses_page() {
    let inputs = Inputs::load_quiet(&args()).unwrap();
    let audit = inputs.audit().unwrap();
    let s = audit.summary().unwrap();
    // b1..b5 and s1..s3; b1..b4 never on their own page.
    assert_eq!(s.users_potentially_affected, 8);
    assert_eq!(s.users_direct_fields_viewable, 5);
    assert_eq!(s.users_exposed, 8);
    assert_eq!(s.users_exposed_only_via_related, Some(4));
    assert_eq!(s.users_direct_tier, 5);
    assert_eq!(s.users_notice_tier, 3);
    // Rows that exposed anyone: every row but R2 (the seller's own view).
    assert_eq!(s.exposures, 7);
    assert_eq!(s.rows_in_window, 8);
    assert_eq!(s.rows_cross_user, 7);
    let text = csv(&audit.summary_report().unwrap());
    assert!(text.contains("\nusers_exposed,8\nusers_exposed_only_via_related_pages,4\n"));
    assert!(text.contains("\nrelations_table,"), "{text}");
}

#[test]
fn fields_pages_and_timeline_with_relations() {
    let inputs = Inputs::load_quiet(&args()).unwrap();
    let audit = inputs.audit().unwrap();
    // Field exposures count each (row, person) once: name b1 R1, b2 R1 R8, b3 R4, b4 R5,
    // b5 R1 R7 R8 = 8; address as name without b2 = 6; nickname two rows per seller = 6.
    assert_eq!(
        csv(&audit.fields().unwrap()),
        "field_id,label,category,direct_notice,users_exposed,users_potential,exposures\n\
         name,Full name,user.name,true,5,5,8\n\
         address,Postal address,user.contact.address,true,4,4,6\n\
         nickname,Nickname,user.account.username,false,3,3,6\n"
    );
    // deal: 7 requests, 6 exposing rows (all but R2), 3 owners exposed, viewers v1..v5, b1.
    assert_eq!(
        csv(&audit.pages().unwrap()),
        "page_id,route,requests,exposures,owners_exposed,viewers,fields\n\
         mypage,/my/,1,1,1,1,address;name\n\
         deal,/transaction/{id}/,7,6,3,6,nickname\n"
    );
    let timeline = csv(&audit.timeline().unwrap());
    assert!(
        timeline.contains("2017-06-22T10:01:00+00:00,1,0,0\n"),
        "{timeline}"
    );
    assert!(
        timeline.contains("2017-06-22T10:30:00+00:00,1,1,1\n"),
        "{timeline}"
    );
}

#[test]
fn without_the_relations_table_only_owners_count() {
    let inputs = Inputs::load_quiet(&load::Options {
        relations: None,
        ..args()
    })
    .unwrap();
    let audit = inputs.audit().unwrap();
    // b5 own R7 only; the sellers as before; no `via` column.
    assert_eq!(
        csv(&audit.users().unwrap()),
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n\
         b5,direct,address;name,address;name,1,1,2017-06-22T10:05:00+00:00,2017-06-22T10:05:00+00:00,mypage\n\
         s1,notice,nickname,nickname,2,2,2017-06-22T10:00:00+00:00,2017-06-22T10:06:00+00:00,deal\n\
         s2,notice,nickname,nickname,2,2,2017-06-22T10:02:00+00:00,2017-06-22T10:03:00+00:00,deal\n\
         s3,notice,nickname,nickname,2,2,2017-06-22T10:04:00+00:00,2017-06-22T10:30:00+00:00,deal\n"
    );
    assert_eq!(
        audit.summary().unwrap().users_exposed_only_via_related,
        None
    );
}

#[test]
fn user_pages_say_through_which_relation() {
    let inputs = Inputs::load_quiet(&args()).unwrap();
    let audit = inputs.audit().unwrap();
    let pages = audit.user_pages("b5").unwrap();
    let zone = "UTC".parse().unwrap();
    let text = String::from_utf8(
        render(
            &pages.select(["page_id", "exposures", "via"]).unwrap(),
            Format::Csv,
            &zone,
        )
        .unwrap(),
    )
    .unwrap();
    // deal: R1 and R8 as the buyer; mypage: R7, their own.
    assert_eq!(
        text,
        "page_id,exposures,via\n\
         deal,2,Buyer shown on the seller's transaction page\n\
         mypage,1,own page\n"
    );
}

fn report_with(relations: &std::path::Path, tz: &str) -> assert_cmd::assert::Assert {
    pii()
        .args(["report", "users", "--format", "csv", "--tz", tz, "-i"])
        .arg(fixture("relations/inventory.yaml"))
        .arg("-e")
        .arg(fixture("relations/log.csv"))
        .arg("--relations")
        .arg(relations)
        .assert()
}

#[test]
fn bad_relations_tables_name_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = "relation,owner_id,related_id,path,from,to\n";
    let cases = [
        (
            "unknown.csv",
            format!("{header}buyer_of_seller,s1,b1,,,\nfriend_of,s1,b2,,,\n"),
            "unknown.csv:3: row 2: relation: the relation shaped `aaaaaa_aa` is not declared under `relations`",
        ),
        (
            "empty.csv",
            format!("{header}buyer_of_seller,s1,,,,\n"),
            "empty.csv:2: row 1: related_id: empty related_id",
        ),
        (
            "time.csv",
            format!("{header}buyer_of_seller,s1,b1,,yesterday,\n"),
            "time.csv:2: row 1: from: unparsable time shaped `aaaaaaaaa`",
        ),
        (
            "order.csv",
            format!("{header}buyer_of_seller,s1,b1,,2017-06-22T11:00:00Z,2017-06-22T10:00:00Z\n"),
            "order.csv:2: row 1: to: `to` must be later than `from`",
        ),
        (
            "columns.csv",
            "relation,owner,related_id\nbuyer_of_seller,s1,b1\n".to_string(),
            "columns.csv: owner_id: missing required column `owner_id`",
        ),
    ];
    for (name, text, message) in cases {
        let file = write(dir.path(), name, &text);
        report_with(&file, "UTC")
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn naive_validity_times_are_read_in_tz() {
    let dir = tempfile::tempdir().unwrap();
    // [19:00, 19:30) in Tokyo is [10:00, 10:30) UTC: b4 is exposed on R5 (10:04 UTC) only.
    let file = write(
        dir.path(),
        "tokyo.csv",
        "relation,owner_id,related_id,from,to\nbuyer_of_seller,s3,b4,2017-06-22 19:00:00,2017-06-22 19:30:00\n",
    );
    report_with(&file, "Asia/Tokyo")
        .success()
        .stdout(predicate::str::contains(
            "b4,direct,address;name,address;name,1,1,2017-06-22T19:04:00+09:00,2017-06-22T19:04:00+09:00,deal,buyer_of_seller",
        ));
}

/// The TUI's user detail and the letter say through whose kind of page (the relation's
/// label), never the other person's id.
#[test]
fn user_detail_and_letter_name_the_kind_of_page_not_the_person() {
    use pii_audit::tui::data::{compute, Reply, Request};
    use pii_audit::tui::worker::answer;
    let inputs = Inputs::load_quiet(&args()).unwrap();
    let (data, session) = compute(&inputs, &mut |_| {}).unwrap();
    // Overview: users exposed only on someone else's page (b1..b4).
    assert_eq!(data.summary.users_exposed_only_via_related, Some(4));
    let Reply::User(b1) = answer(&session, &Request::User("b1".into())) else {
        panic!("b1 has a detail");
    };
    let lines: Vec<String> = pii_audit::tui::detail::user_lines(&b1)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = lines.join("\n");
    assert!(
        text.contains("    on: Buyer shown on the seller's transaction page"),
        "{text}"
    );
    assert!(text.contains(
        "- on another user's page /transaction/…/ (Buyer shown on the seller's transaction page): Full name and Postal address"
    ), "{text}");
    assert!(
        !text.contains("s1"),
        "the seller's id must not appear:\n{text}"
    );

    // b5: their own page and the seller's, each with what it showed.
    let letter = pii_audit::notice::check_text(&session.audit, "b5").unwrap();
    assert!(letter.contains("- on the page /my/: Full name and Postal address\n"));
    assert!(letter.contains(
        "- on another user's page /transaction/…/ (Buyer shown on the seller's transaction page): Full name and Postal address\n"
    ));
    assert!(letter.contains("shown 3 times, to 2 different visitors"));
    // The seller's letter is about their own page and their own nickname only.
    let letter = pii_audit::notice::check_text(&session.audit, "s1").unwrap();
    assert!(
        letter.contains("- on the page /transaction/…/: Nickname\n"),
        "{letter}"
    );
    assert!(!letter.contains("b1") && !letter.contains("Buyer"));
}

#[test]
fn generate_writes_a_relations_table_deterministically_without_changing_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, relations: &str| {
        let out = dir.path().join(name);
        pii()
            .args(["generate", "--users", "40", "--rows", "800", "--seed", "5"])
            .args(["--log-format", "csv", "--relations", relations, "--out-dir"])
            .arg(&out)
            .assert()
            .success();
        out
    };
    let (a, b, plain) = (run("a", "300"), run("b", "300"), run("plain", "0"));
    let read = |dir: &std::path::Path, name: &str| std::fs::read(dir.join(name)).unwrap();
    assert_eq!(read(&a, "relations.csv"), read(&b, "relations.csv"));
    assert_eq!(read(&a, "exposure.csv"), read(&plain, "exposure.csv"));
    assert!(!plain.join("relations.csv").exists());
    let relations = String::from_utf8(read(&a, "relations.csv")).unwrap();
    assert_eq!(relations.lines().count(), 301);
    // The generated incident loads and reports through the relation.
    pii()
        .args(["report", "summary", "--format", "csv", "-i"])
        .arg(a.join("inventory.yaml"))
        .arg("-e")
        .arg(a.join("exposure.csv"))
        .arg("--relations")
        .arg(a.join("relations.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "users_exposed_only_via_related_pages,",
        ));
}

/// The notice list says, like `report users`, whether a user was seen on their own page or
/// through a related person's.
#[test]
fn the_notice_list_has_via() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notices");
    pii()
        .args(["notices", "--tz", "UTC", "-i"])
        .arg(fixture("relations/inventory.yaml"))
        .arg("-e")
        .arg(fixture("relations/log.csv"))
        .arg("-r")
        .arg(fixture("relations/registered.csv"))
        .arg("--relations")
        .arg(fixture("relations/relations.csv"))
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .success();
    let list = std::fs::read_to_string(out.join("notice-list.csv")).unwrap();
    assert_eq!(
        list.lines().next().unwrap(),
        "user_id,tier,reason,via,exposed_fields,exposed_labels,exposures,distinct_viewers,first_exposed,last_exposed,letter"
    );
    use polars::prelude::*;
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(out.join("notice-list.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let column = |name: &str| -> Vec<String> {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    };
    let via: Vec<(String, String)> = column("user_id").into_iter().zip(column("via")).collect();
    let expected = [
        ("b5", "buyer_of_seller;own"),
        ("b2", "buyer_of_seller"),
        ("b1", "buyer_of_seller"),
        ("b3", "buyer_of_seller"),
        ("b4", "buyer_of_seller"),
        ("s1", "own"),
        ("s2", "own"),
        ("s3", "own"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(u, v)| (u.to_string(), v.to_string()))
        .collect();
    assert_eq!(via, expected, "{list}");
}

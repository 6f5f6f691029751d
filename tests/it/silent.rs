//! Nothing silent: input the tool cannot read faithfully is refused by name (file, row,
//! column), never read as a guess. Each case here was once read quietly.

use std::path::Path;

use polars::prelude::*;

use crate::{bad, pii, report_with, write, INVENTORY};

/// The one-row log of `crate::LOG` with a second row whose path is `path` (CSV cell text).
fn csv_with_path(path: &str) -> String {
    format!(
        "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/my/,a,v\n2017-01-01T00:00:01Z,{path},a,v\n"
    )
}

#[test]
fn an_empty_csv_path_is_refused_by_row_not_read_as_the_home_page() {
    let dir = tempfile::tempdir().unwrap();
    // With a `/` route in the inventory, an empty path read as `/` would be an exposure.
    let inventory = format!("{INVENTORY}  - id: root\n    route: /\n    fields: [name]\n");
    bad(
        report_with(
            dir.path(),
            &inventory,
            "log.csv",
            csv_with_path("").as_bytes(),
        ),
        &["log.csv:3: row 2: path", "empty path"],
    );
    bad(
        report_with(
            dir.path(),
            &inventory,
            "log.csv",
            csv_with_path("\"\"").as_bytes(),
        ),
        &["log.csv:3: row 2: path", "empty path"],
    );
}

#[test]
fn an_empty_ndjson_path_is_refused_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = "{\"ts\":\"2017-01-01T00:00:00Z\",\"path\":\"/my/\",\"owner_id\":\"a\",\"viewer_id\":\"v\"}\n\
               {\"ts\":\"2017-01-01T00:00:01Z\",\"path\":\"\",\"owner_id\":\"a\",\"viewer_id\":\"v\"}\n";
    bad(
        report_with(dir.path(), INVENTORY, "log.ndjson", log.as_bytes()),
        &["log.ndjson:2: row 2: path", "empty path"],
    );
    let absent =
        "{\"ts\":\"2017-01-01T00:00:00Z\",\"path\":null,\"owner_id\":\"a\",\"viewer_id\":\"v\"}\n";
    bad(
        report_with(dir.path(), INVENTORY, "log.ndjson", absent.as_bytes()),
        &["log.ndjson:1: row 1: path", "empty path"],
    );
}

#[test]
fn a_missing_parquet_path_is_refused_whole_and_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let log = dir.path().join("log.parquet");
    // Three rows, the third with no path.
    crate::parquet_log(
        &log,
        &[Some(0), Some(1_000_000), Some(2_000_000)],
        &[Some("/my/"), Some("/my/"), None],
        &["a", "a", "a"],
        &["v", "w", "x"],
    );
    for streaming in ["--streaming=off", "--streaming=on"] {
        bad(
            pii()
                .args(["report", "users", streaming, "-i"])
                .arg(&inv)
                .arg("-e")
                .arg(&log)
                .assert(),
            &["log.parquet: row 3: path", "empty path"],
        );
    }
    // Outside the window the row is never counted, so it is not refused.
    pii()
        .args(["report", "users", "--to", "1970-01-01T00:00:02Z", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .assert()
        .success();
}

#[test]
fn an_empty_path_in_an_aggregated_or_a_cdn_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let aggregated = "path,owner_id,viewer_id,requests,first_ts,last_ts\n\
                      /my/,a,v,2,2017-01-01T00:00:00Z,2017-01-01T00:00:05Z\n\
                      ,a,w,1,2017-01-01T00:00:00Z,2017-01-01T00:00:00Z\n";
    bad(
        report_with(dir.path(), INVENTORY, "agg.csv", aggregated.as_bytes()),
        &["agg.csv:3: row 2: path", "empty path"],
    );
    let cdn = write(
        dir.path(),
        "cdn.csv",
        "ts,path,viewer_id,cache_status\n2017-01-01T00:00:00Z,/my/,a,MISS\n2017-01-01T00:00:01Z,,b,HIT\n",
    );
    bad(
        pii()
            .args(["derive-owners", "-e"])
            .arg(&cdn)
            .arg("-o")
            .arg(dir.path().join("out.csv"))
            .assert(),
        &["cdn.csv:3: row 2: path", "empty path"],
    );
}

#[test]
fn a_log_folder_refuses_a_file_it_cannot_read_and_counts_the_markers_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let folder = dir.path().join("logs");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "a.csv", crate::LOG);
    // Markers and hidden files, as Spark and Hadoop leave them: skipped, and counted.
    write(&folder, "_SUCCESS", "");
    write(&folder, ".a.csv.crc", "crc");
    write(&folder, "part-00000.csv.crc", "crc");
    pii()
        .args(["report", "users", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&folder)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "note: left out 3 marker or hidden file(s) of the log folder",
        ));
    // Any other file is named, never skipped: an extensionless Spark part, .json, .txt,
    // a compression pii-audit does not read.
    for name in ["part-00001", "more.json", "notes.txt", "b.csv.zst"] {
        let other = write(&folder, name, crate::LOG);
        bad(
            pii()
                .args(["report", "users", "-i"])
                .arg(&inv)
                .arg("-e")
                .arg(&folder)
                .assert(),
            &[name, "not a log file pii-audit reads"],
        );
        std::fs::remove_file(other).unwrap();
    }
}

#[test]
fn a_derived_log_neutralises_a_viewer_id_that_reads_as_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    // Viewer ids come from cookies and headers: an attacker chooses them.
    let cdn = write(
        dir.path(),
        "cdn.csv",
        "ts,path,viewer_id,cache_status\n\
         2017-01-01T00:00:00Z,/my/,\"=HYPERLINK(\"\"http://x\"\")\",MISS\n\
         2017-01-01T00:00:01Z,/my/,@SUM(1),HIT\n",
    );
    let out = dir.path().join("derived.csv");
    pii()
        .args(["derive-owners", "-e"])
        .arg(&cdn)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'@SUM(1)"), "{text}");
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "a live formula in {line:?}"
            );
        }
    }
}

#[test]
fn letters_of_ids_differing_only_in_case_are_two_files_on_any_disk() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(
        dir.path(),
        "log.csv",
        "ts,path,owner_id,viewer_id\n\
         2017-01-01T00:00:00Z,/my/,U1,v\n\
         2017-01-01T00:00:01Z,/my/,u1,v\n\
         2017-01-01T00:00:02Z,/my/,b,v\n",
    );
    let out = dir.path().join("out");
    pii()
        .args(["notices", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .arg("--out-dir")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("3 letters"));
    let mut names: Vec<String> = std::fs::read_dir(out.join("letters"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["U1~1.md", "b.md", "u1~2.md"]);
    // Distinct under case folding, as a case-insensitive disk compares them.
    let folded: std::collections::HashSet<String> =
        names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(folded.len(), names.len());
    let list = std::fs::read_to_string(out.join("notice-list.csv")).unwrap();
    assert!(list.contains("letters/U1~1.md"), "{list}");
    assert!(list.contains("letters/u1~2.md"), "{list}");
    let u1 = std::fs::read_to_string(out.join("letters/u1~2.md")).unwrap();
    assert!(u1.contains("u1"), "{u1}");
}

#[test]
fn counts_past_two_to_the_32_do_not_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    // Two aggregated rows of 3,000,000,000 responses each: 6,000,000,000 exposures.
    let log = write(
        dir.path(),
        "agg.csv",
        "path,owner_id,viewer_id,requests,first_ts,last_ts\n\
         /my/,a,v,3000000000,2017-01-01T00:00:00Z,2017-01-01T05:00:00Z\n\
         /my/,a,w,3000000000,2017-01-01T00:00:00Z,2017-01-01T05:00:00Z\n",
    );
    let report = |kind: &str| -> String {
        crate::stdout_of(
            pii()
                .args(["report", kind, "--format", "csv", "-i"])
                .arg(&inv)
                .arg("-e")
                .arg(&log),
        )
    };
    let users = report("users");
    let row = users.lines().nth(1).unwrap();
    assert!(
        row.starts_with("a,direct,name,name,6000000000,2,"),
        "{users}"
    );
    let summary = report("summary");
    assert!(summary.contains("\nexposures,6000000000\n"), "{summary}");
    assert!(
        summary.contains("\nrows_in_window,6000000000\n"),
        "{summary}"
    );
    let pages = report("pages");
    assert!(pages.contains(",6000000000,6000000000,"), "{pages}");
    let fields = report("fields");
    assert!(fields.contains(",6000000000"), "{fields}");
}

/// A relations table in Parquet whose `from` bounds are naive datetimes, read in Berlin.
fn relations_with_naive_from(file: &Path, from: &[i64]) {
    let n = from.len();
    let from = Series::new("from".into(), from)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("relation".into(), vec!["buyer_of_seller"; n]),
            Column::new("owner_id".into(), vec!["s1"; n]),
            Column::new("related_id".into(), vec!["b1"; n]),
            from.into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(file).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn a_naive_parquet_bound_in_a_clock_gap_is_refused_like_the_same_text() {
    use pii_audit::inventory::Inventory;
    let dir = tempfile::tempdir().unwrap();
    let inventory = Inventory::load(&crate::fixture("relations/inventory.yaml")).unwrap();
    let berlin = "Europe/Berlin".parse().unwrap();
    // 2021-03-28 02:30 did not happen in Berlin (01:59:59 CET was followed by 03:00 CEST).
    let gap = 1_616_898_600_000_000; // 2021-03-28T02:30:00 as a naive time
    let fine = 1_616_891_400_000_000; // 2021-03-28T00:30:00
    let file = dir.path().join("relations.parquet");
    relations_with_naive_from(&file, &[fine, gap]);
    let err = pii_audit::ingest::Relations::read(&file, &inventory, &berlin).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("relations.parquet: row 2: from"), "{text}");
    assert!(text.contains("does not exist in --tz"), "{text}");
    // The same time as text is refused too, as before.
    let csv = write(
        dir.path(),
        "relations.csv",
        "relation,owner_id,related_id,from\nbuyer_of_seller,s1,b1,2021-03-28 02:30:00\n",
    );
    assert!(pii_audit::ingest::Relations::read(&csv, &inventory, &berlin).is_err());
    // A time that happened reads.
    relations_with_naive_from(&file, &[fine]);
    assert!(pii_audit::ingest::Relations::read(&file, &inventory, &berlin).is_ok());
}

#[test]
fn the_fideslang_taxonomy_is_current_and_deprecated_keys_name_their_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "inv.yaml",
        "version: 1\nfields:\n  \
         mail: {label: Mailing address, category: user.contact.address.mailing_address}\n  \
         health: {label: Condition, category: user.health.condition}\n  \
         finger: {label: Fingerprint, category: user.biometric.fingerprint}\n  \
         made_up: {label: X, category: user.not_a_category}\n\
         pages:\n  - id: home\n    route: /my/\n    fields: [mail, health, finger, made_up]\n",
    );
    let out = pii()
        .args(["inventory", "check", "-i"])
        .arg(&inv)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("mailing_address\" is"), "{text}");
    assert!(!text.contains("user.health.condition\" is"), "{text}");
    assert!(
        text.contains(
            "field finger: \"user.biometric.fingerprint\" is deprecated in fideslang 3.2: use \"user.biometrics.fingerprint\""
        ),
        "{text}"
    );
    assert!(
        text.contains("field made_up: \"user.not_a_category\" is not a fideslang data category"),
        "{text}"
    );
}

#[test]
fn inventory_check_takes_dash_i_like_every_other_command() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    for args in [vec!["-i"], vec![]] {
        pii()
            .args(["inventory", "check"])
            .args(&args)
            .arg(&inv)
            .assert()
            .success()
            .stdout(predicates::str::contains("valid inventory"));
    }
    bad(pii().args(["inventory", "check"]).assert(), &["INVENTORY"]);
}

#[test]
fn streaming_with_relations_says_why_in_todays_words() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(dir.path(), "log.csv", crate::LOG);
    let out = pii()
        .args(["report", "users", "--streaming=on", "--relations"])
        .arg(crate::fixture("relations/relations.csv"))
        .arg("-i")
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--streaming is a reader for plain Parquet logs"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("one row per (path, owner, viewer)"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_file_is_named_without_quoting_its_cells() {
    let dir = tempfile::tempdir().unwrap();
    // An unterminated quote: the reader's own message quotes the cell.
    let log = "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/my/,a,v\n2017-01-01T00:00:00Z,/my/,\"SECRET-Hanako,v\n";
    let out = report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    bad(out, &["log.csv", "is not a readable CSV file"]);
    assert!(!stderr.contains("SECRET"), "a cell quoted in: {stderr}");
    let ndjson = "{\"ts\":\"2017-01-01T00:00:00Z\",\"path\":\"/my/\",\"owner_id\":\"SECRET-Taro\",\"viewer_id\":\n";
    let out = report_with(dir.path(), INVENTORY, "log.ndjson", ndjson.as_bytes());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    bad(out, &["log.ndjson", "is not a readable NDJSON file"]);
    assert!(!stderr.contains("SECRET"), "a cell quoted in: {stderr}");
}

#[test]
fn a_letter_from_a_frame_missing_a_column_is_an_error_not_zero() {
    use pii_audit::load::Inputs;
    use pii_audit::notice::Letters;
    let options = pii_audit::load::Options::new(
        crate::fixture("notices/inventory.yaml"),
        &crate::fixture("notices/log.csv"),
    );
    let inputs = Inputs::load_quiet(&options).unwrap();
    let audit = inputs.audit().unwrap();
    let users = audit.users_frame().unwrap();
    let letters = Letters::new(&inputs.inventory).unwrap();
    let lang = Default::default();
    assert!(letters.facts(&audit, &users, 0, lang).is_ok());
    for column in [
        "exposures",
        "distinct_viewers",
        "exposed_fields",
        "first_exposed",
    ] {
        let without = users.drop(column).unwrap();
        let err = letters.facts(&audit, &without, 0, lang).unwrap_err();
        assert!(err.to_string().contains(&format!("`{column}`")), "{err}");
    }
    // A column of the wrong type is refused too: exposures as text.
    let mut mistyped = users.clone();
    let text = mistyped
        .column("exposures")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    mistyped.with_column(text).unwrap();
    assert!(letters.facts(&audit, &mistyped, 0, lang).is_err());
}

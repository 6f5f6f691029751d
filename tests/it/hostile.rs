//! Bad, big and hostile input, as a person (or an attacker) would hand it to the real
//! binary: every case of the bad-input matrix exits 2 naming the file (and row, line or
//! column), never panics; CSV exports cannot carry a spreadsheet formula; a failed write
//! leaves the previous file whole; a panic restores the terminal and shows no data.

use crate::{pii, report_with, report_with_registered, INVENTORY};
use std::path::Path;
use std::process::Command as Std;
use std::time::{Duration, Instant};

use crate::{fixture, write};

pub const HEADER: &str = "ts,path,owner_id,viewer_id\n";

/// Exit 2, a one-line `error:` with `words`, no panic, and nothing longer than a screenful.
fn refused(assert: assert_cmd::assert::Assert, words: &[&str]) {
    let out = assert.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "{stderr}"
    );
    assert!(stderr.len() < 2_000, "an error of {} bytes", stderr.len());
    for w in words {
        assert!(stderr.contains(w), "{w:?} not in: {stderr}");
    }
}

fn stdout(assert: assert_cmd::assert::Assert) -> String {
    let out = assert.success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn non_utf8_bytes_in_a_csv_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let log = [
        HEADER.as_bytes(),
        b"2017-01-01T00:00:00Z,/my/,a,v\n2017-01-01T00:00:01Z,/my/\xff\xfe,a,v\n",
    ]
    .concat();
    refused(
        report_with(dir.path(), INVENTORY, "log.csv", &log),
        &["log.csv:3:26", "not UTF-8"],
    );
    refused(
        report_with_registered(dir.path(), b"user_id,name\nb\xc3(,true\n"),
        &["reg.csv:2:2", "not UTF-8"],
    );
    let inv = dir.path().join("inv.yaml");
    std::fs::write(&inv, b"version: 1\nname: caf\xe9\n").unwrap();
    refused(
        pii().args(["inventory", "check"]).arg(&inv).assert(),
        &["inv.yaml:2:10", "not UTF-8"],
    );
}

#[test]
fn a_10_mb_single_line_is_refused_briefly_and_a_10_mb_cell_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // No newline at all: the whole file is one header of unknown columns.
    let line = "x".repeat(10 * 1024 * 1024);
    refused(
        report_with(dir.path(), INVENTORY, "log.csv", line.as_bytes()),
        &["log.csv", "missing required column `ts`", "1 column in all"],
    );
    // A valid row whose path is 10 MB: an unmapped path, not a crash.
    let log = format!("{HEADER}2017-01-01T00:00:00Z,/{line},a,v\n");
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let path = write(dir.path(), "big.csv", &log);
    let summary = stdout(
        pii()
            .args(["report", "summary", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&path)
            .assert(),
    );
    assert!(summary.contains("rows_unmapped,1\n"), "{}", &summary[..300]);
}

#[test]
fn a_csv_with_a_byte_order_mark_is_read_like_one_without() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "2017-01-01T00:00:00Z,/my/,a,v\n";
    let plain = stdout(report_with(
        dir.path(),
        INVENTORY,
        "plain.csv",
        format!("{HEADER}{rows}").as_bytes(),
    ));
    let bom = stdout(report_with(
        dir.path(),
        INVENTORY,
        "bom.csv",
        format!("\u{feff}{HEADER}{rows}").as_bytes(),
    ));
    assert_eq!(bom, plain);
    assert!(plain.contains("\na,direct,name"), "{plain}");
}

#[test]
fn a_repeated_column_that_is_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = "ts,path,owner_id,viewer_id,path\n2017-01-01T00:00:00Z,/my/,a,v,/other/\n";
    refused(
        report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()),
        &[
            "log.csv: path",
            "names column `path` twice (columns 2 and 5)",
        ],
    );
    // A repeated column the tool does not read is ignored, like any other extra column.
    let log = "ts,path,owner_id,viewer_id,note,note\n2017-01-01T00:00:00Z,/my/,a,v,x,y\n";
    report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()).success();
    refused(
        report_with_registered(dir.path(), b"user_id,name,name\na,true,false\n"),
        &["reg.csv: name", "twice (columns 2 and 3)"],
    );
}

#[test]
fn mixed_offsets_in_one_file_are_one_timeline() {
    // The same instant written three ways, and one second later in a fourth.
    let dir = tempfile::tempdir().unwrap();
    let log = format!(
        "{HEADER}2017-06-22T01:00:00Z,/my/,a,v1\n2017-06-22T10:00:00+09:00,/my/,a,v2\n2017-06-21T21:00:00-04:00,/my/,a,v3\n2017-06-22 10:00:01,/my/,a,v4\n"
    );
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let path = write(dir.path(), "log.csv", &log);
    let out = stdout(
        pii()
            .args(["report", "users", "--tz", "Asia/Tokyo", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&path)
            .assert(),
    );
    assert!(
        out.contains(
            "a,direct,name,name,4,4,2017-06-22T10:00:00+09:00,2017-06-22T10:00:01+09:00,home"
        ),
        "{out}"
    );
    let timeline = stdout(
        pii()
            .args(["report", "timeline", "--tz", "+09:00", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&path)
            .assert(),
    );
    assert!(
        timeline.contains("2017-06-22T10:00:00+09:00,4,4,1"),
        "{timeline}"
    );
}

#[test]
fn timestamps_before_1970_or_from_2100_are_refused_with_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let ok = "2017-01-01T00:00:00Z,/my/,a,v\n";
    for (bad, shown) in [
        // Shown as the instant read, in UTC (the cell itself is never quoted).
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00"),
        ("2100-01-01T00:00:00Z", "2100-01-01T00:00:00+00:00"),
        ("9999-12-31 23:59:59", "9999-12-31T23:59:59+00:00"),
    ] {
        let log = format!("{HEADER}{ok}{bad},/my/,a,v\n");
        refused(
            report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()),
            &[
                "log.csv:3: row 2: ts",
                shown,
                "outside 1970-01-01 to 2100-01-01",
            ],
        );
    }
    // The edges themselves are inside.
    let log = format!("{HEADER}1970-01-01T00:00:00Z,/my/,a,v\n2099-12-31T23:59:59.999Z,/my/,b,v\n");
    report_with(dir.path(), INVENTORY, "log.csv", log.as_bytes()).success();
}

#[test]
fn native_timestamps_out_of_range_are_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.parquet");
    crate::parquet_log(
        &log,
        &[Some(1_500_000_000_000_000), Some(-86_400_000_000)],
        &[Some("/my/"), Some("/my/")],
        &["a", "b"],
        &["v", "v"],
    );
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    refused(
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&log)
            .assert(),
        &["log.parquet: row 2: ts", "1969-12-31", "outside 1970-01-01"],
    );
}

#[test]
fn zero_byte_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["log.csv", "log.ndjson", "log.parquet", "log.csv.gz"] {
        refused(
            report_with(dir.path(), INVENTORY, name, b""),
            &[name, "empty"],
        );
    }
    let empty = write(dir.path(), "empty.yaml", "");
    refused(
        pii().args(["inventory", "check"]).arg(&empty).assert(),
        &["empty.yaml", "the inventory is empty"],
    );
    refused(
        report_with_registered(dir.path(), b""),
        &["reg.csv", "empty"],
    );
}

#[test]
fn a_directory_given_as_a_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("logs.csv");
    std::fs::create_dir(&folder).unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let run = |args: &[&std::ffi::OsStr]| pii().args(args).assert();
    refused(
        run(&[
            "report".as_ref(),
            "users".as_ref(),
            "-i".as_ref(),
            inv.as_os_str(),
            "-e".as_ref(),
            folder.as_os_str(),
        ]),
        &["logs.csv", "the folder holds no log file"],
    );
    refused(
        run(&[
            "report".as_ref(),
            "users".as_ref(),
            "-i".as_ref(),
            dir.path().as_os_str(),
            "-e".as_ref(),
            folder.as_os_str(),
        ]),
        &["is a directory, expected an inventory"],
    );
    let log = write(
        dir.path(),
        "ok.csv",
        &format!("{HEADER}2017-01-01T00:00:00Z,/my/,a,v\n"),
    );
    refused(
        run(&[
            "report".as_ref(),
            "users".as_ref(),
            "-i".as_ref(),
            inv.as_os_str(),
            "-e".as_ref(),
            log.as_os_str(),
            "-r".as_ref(),
            folder.as_os_str(),
        ]),
        &["logs.csv", "is a directory"],
    );
    // `-o` naming a folder: nothing is written into it.
    refused(
        run(&[
            "report".as_ref(),
            "users".as_ref(),
            "-i".as_ref(),
            inv.as_os_str(),
            "-e".as_ref(),
            log.as_os_str(),
            "-o".as_ref(),
            folder.as_os_str(),
        ]),
        &["logs.csv", "is a directory"],
    );
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}

#[test]
fn a_glob_matching_nothing_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    // A folder matched by the glob is not a file either.
    std::fs::create_dir(dir.path().join("2017-06-22.csv")).unwrap();
    let pattern = dir.path().join("2017-*.csv");
    refused(
        pii()
            .args(["report", "users", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&pattern)
            .assert(),
        &["2017-*.csv", "the pattern matches no file"],
    );
}

/// An inventory whose aliases multiply: one long field list referenced by many pages.
fn quadratic_bomb(list: usize, pages: usize) -> String {
    let items = vec!["q"; list].join(", ");
    let mut doc = format!(
        "version: 1\nfields: {{}}\npages:\n  - {{id: a, route: /a, fields: &f [{items}]}}\n"
    );
    for i in 0..pages {
        doc.push_str(&format!("  - {{id: p{i}, route: /p{i}, fields: *f}}\n"));
    }
    doc
}

#[test]
fn a_yaml_bomb_is_refused_before_it_expands() {
    let dir = tempfile::tempdir().unwrap();
    // Billion laughs: nine levels of nine aliases each.
    let mut laughs =
        String::from("version: 1\nname: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        laughs.push_str(&format!("notice: &a{i} [{refs}]\n"));
    }
    // Quadratic: 30,000 items times 30,000 pages would be 900 million strings.
    let quadratic = quadratic_bomb(30_000, 30_000);
    let deep = format!(
        "version: 1\nname: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for (name, text, words) in [
        (
            "laughs.yaml",
            laughs.as_str(),
            &["laughs.yaml:", "YAML bomb"][..],
        ),
        (
            "quadratic.yaml",
            &quadratic,
            &["quadratic.yaml:", "YAML bomb"][..],
        ),
        (
            "deep.yaml",
            &deep,
            &["deep.yaml:2:", "nested deeper than 32 levels"][..],
        ),
    ] {
        let path = write(dir.path(), name, text);
        let started = Instant::now();
        refused(
            pii().args(["inventory", "check"]).arg(&path).assert(),
            words,
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: {:?}",
            started.elapsed()
        );
    }
    // A few aliases, as a person might write them, are fine.
    let reuse = "version: 1\nfields:\n  name: {category: user.name}\n  email: {category: user.contact.email}\npages:\n  - {id: a, route: /a, fields: &both [name, email]}\n  - {id: b, route: /b, fields: *both}\n";
    let path = write(dir.path(), "reuse.yaml", reuse);
    pii()
        .args(["inventory", "check"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn an_inventory_of_10000_pages_loads_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("version: 1\nfields:\n  name: {label: Name, category: user.name}\n  email: {label: Email, category: user.contact.email}\npages:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "  - id: page_{i}\n    route: /section{}/{{id}}/page{i}/\n    fields: [name, email]\n    note: page number {i}\n",
            i % 50
        ));
    }
    let path = write(dir.path(), "big.yaml", &text);
    // The library call alone (the process start is not the inventory's cost).
    let started = Instant::now();
    let inventory = pii_audit::inventory::Inventory::load(&path).unwrap();
    let took = started.elapsed();
    assert_eq!(inventory.pages.len(), 10_000);
    assert_eq!(inventory.match_path("/section7/42/page9957"), Some(9957));
    // Release: 0.2 s (README); tests run unoptimised dependencies, about 1 s here.
    let limit = if cfg!(debug_assertions) { 10.0 } else { 1.0 };
    assert!(took.as_secs_f64() < limit, "{took:?}");
    let out = stdout(pii().args(["inventory", "check"]).arg(&path).assert());
    assert!(out.contains("2 fields, 10000 pages"), "{out}");
}

#[test]
fn csv_exports_neutralise_formulas_and_json_keeps_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!(
        "{HEADER}2017-01-01T00:00:00Z,/my/,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",v\n2017-01-01T00:00:01Z,/my/,+1234,v\n2017-01-01T00:00:02Z,/my/,-5,v\n2017-01-01T00:00:03Z,/my/,@SUM(A1),v\n2017-01-01T00:00:04Z,/my/,\"\tcmd\",v\n2017-01-01T00:00:05Z,/my/,\"\rcmd\",v\n2017-01-01T00:00:06Z,/my/,plain-id,v\n"
    );
    let csv = stdout(report_with(
        dir.path(),
        INVENTORY,
        "log.csv",
        log.as_bytes(),
    ));
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(",direct,").map_or(l, |(id, _)| id))
        .collect();
    for expected in [
        "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"",
        "'+1234",
        "'-5",
        "'@SUM(A1)",
        "'\tcmd",
        "plain-id",
    ] {
        assert!(ids.contains(&expected), "{expected:?} not in {ids:?}");
    }
    assert!(csv.contains("\"'\rcmd\""), "{csv:?}");
    // Counts are numbers, not text: never quoted.
    assert!(csv.contains(",1,1,2017-01-01T00:00:02+00:00"), "{csv}");
    let inv = dir.path().join("inv.yaml");
    let path = dir.path().join("log.csv");
    let json = stdout(
        pii()
            .args(["report", "users", "--format", "json", "-i"])
            .arg(&inv)
            .arg("-e")
            .arg(&path)
            .assert(),
    );
    assert!(
        json.contains(r#""user_id":"=HYPERLINK(\"http://evil\",\"x\")""#),
        "{json}"
    );
    // The notice list is a CSV too.
    let out = dir.path().join("notices");
    pii()
        .args(["notices", "--out-dir"])
        .arg(&out)
        .arg("-i")
        .arg(&inv)
        .arg("-e")
        .arg(&path)
        .assert()
        .success();
    let list = std::fs::read_to_string(out.join("notice-list.csv")).unwrap();
    assert!(list.contains("\n'@SUM(A1),direct,"), "{list}");
    assert!(list.contains("\n'-5,direct,"), "{list}");
    assert!(!list.contains("\n=") && !list.contains("\n@"), "{list}");
}

#[test]
fn a_local_file_named_like_a_url_is_read_locally() {
    // `https://shop.example/log.csv` relative to the current folder is a local file here;
    // it must never become a web request (polars would fetch a URL).
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("https:").join("shop.example");
    std::fs::create_dir_all(&folder).unwrap();
    write(
        &folder,
        "log.csv",
        &format!("{HEADER}2017-01-01T00:00:00Z,/my/,a,v\n"),
    );
    write(dir.path(), "inv.yaml", INVENTORY);
    let out = stdout(
        pii()
            .current_dir(dir.path())
            .args([
                "report",
                "users",
                "-i",
                "inv.yaml",
                "-e",
                "https://shop.example/log.csv",
            ])
            .assert(),
    );
    assert!(out.contains("\na,direct,name"), "{out}");
}

/// The paths a strace of file calls shows written to: opened for writing or created,
/// made, renamed or removed (a failed call included: it was tried).
fn written_paths(calls: &str) -> Vec<String> {
    let writes = ["O_WRONLY", "O_RDWR", "O_CREAT"];
    let changes = ["mkdir", "rename", "unlink", "creat("];
    calls
        .lines()
        .filter(|l| {
            let open = l.contains("open");
            (open && writes.iter().any(|w| l.contains(w)))
                || (!open && changes.iter().any(|c| l.contains(c)))
        })
        .flat_map(|l| l.split('"').skip(1).step_by(2).map(String::from))
        .collect()
}

/// Every batch command, every report kind in every format, with its outputs in `dir`.
fn every_batch_command(dir: &Path) -> Vec<Vec<String>> {
    let path = |p: &Path| p.display().to_string();
    let inv = path(&fixture("notices/inventory.yaml"));
    let input: Vec<String> = vec![
        "-i".into(),
        inv.clone(),
        "-e".into(),
        path(&fixture("notices/log.csv")),
        "-r".into(),
        path(&fixture("notices/registered.csv")),
    ];
    let cdn = write(
        dir,
        "cdn.csv",
        "ts,path,viewer_id,cache_status\n2017-01-01T00:00:00Z,/my/,a,MISS\n2017-01-01T00:00:01Z,/my/,b,HIT\n",
    );
    let fmt = write(dir, "fmt.yaml", &std::fs::read_to_string(&inv).unwrap());
    let out = |name: &str| path(&dir.join(name));
    let mut runs: Vec<Vec<String>> = Vec::new();
    let with_input = |args: &[&str]| -> Vec<String> {
        let mut run: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        run.extend(input.iter().cloned());
        run
    };
    // Every batch command, every report kind in every format.
    for kind in pii_audit::cli::TABLE_REPORTS.map(|kind| kind.name()) {
        for format in ["table", "csv", "json", "ndjson"] {
            runs.push(with_input(&["report", kind, "--format", format]));
        }
        let file = out(&format!("{kind}.parquet"));
        runs.push(with_input(&[
            "report", kind, "--format", "parquet", "-o", &file,
        ]));
    }
    runs.push(with_input(&["check", "u2"]));
    runs.push(with_input(&["notices", "--out-dir", &out("n")]));
    runs.push(vec!["inventory".into(), "check".into(), inv.clone()]);
    runs.push(vec![
        "inventory".into(),
        "check".into(),
        inv.clone(),
        "-e".into(),
        path(&fixture("notices/log.csv")),
        "--suggest".into(),
    ]);
    runs.push(vec![
        "inventory".into(),
        "fmt".into(),
        path(&fmt),
        "--drop-comments".into(),
    ]);
    runs.push(vec![
        "derive-owners".into(),
        "-e".into(),
        path(&cdn),
        "-o".into(),
        out("derived.parquet"),
    ]);
    // When the CDN log's caches served personal pages, to standard output and to a file.
    let window = |extra: &[String]| -> Vec<String> {
        let mut run: Vec<String> = ["report", "window", "-i", &inv, "-e", &path(&cdn)]
            .map(String::from)
            .to_vec();
        run.push("--derive-owners".into());
        run.extend(extra.iter().cloned());
        run
    };
    runs.push(window(&["--format".into(), "csv".into()]));
    runs.push(window(
        &["--format", "parquet", "-o", &out("window.parquet")].map(String::from),
    ));
    let generated = out("generated");
    runs.push(
        [
            "generate",
            "--users",
            "20",
            "--rows",
            "200",
            "--cdn",
            "--relations",
            "10",
            "--out-dir",
            &generated,
        ]
        .map(String::from)
        .to_vec(),
    );
    runs
}

#[test]
fn no_command_opens_a_network_socket_or_writes_outside_its_output() {
    // strace records every socket the process and its threads open, and every file they
    // open to write, make, rename or remove: the outputs named, and nothing else (no cache,
    // no log file, no history).
    if !crate::tool_present("strace", "-V") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pii-audit");
    for args in every_batch_command(dir.path()) {
        let trace = dir.path().join("trace");
        let mut cmd = Std::new("strace");
        cmd.args(["-f", "-e", "trace=socket,connect,%file", "-o"])
            .arg(&trace)
            .arg(&bin)
            .args(&args);
        let result = cmd.output().unwrap();
        assert!(
            result.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let calls = std::fs::read_to_string(&trace).unwrap();
        assert!(
            !calls.contains("AF_INET"),
            "{args:?} opened a network socket:\n{calls}"
        );
        let folder = dir.path().display().to_string();
        let written = written_paths(&calls);
        // The trace sees the writes it should: a command with an output wrote there.
        let writes = ["-o", "--out-dir", "fmt"]
            .iter()
            .any(|a| args.iter().any(|x| x == a));
        assert_eq!(
            writes,
            written.iter().any(|p| p.starts_with(&folder)),
            "{args:?}: {written:?}"
        );
        let outside: Vec<&String> = written
            .iter()
            .filter(|p| !p.starts_with(&folder) && *p != "/dev/null" && *p != "/dev/tty")
            .collect();
        assert!(
            outside.is_empty(),
            "{args:?} wrote outside its output: {outside:?}"
        );
    }
}

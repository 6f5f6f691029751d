//! Bad, big and hostile input, as a person (or an attacker) would hand it to the real
//! binary: every case of the bad-input matrix exits 2 naming the file (and row, line or
//! column), never panics; CSV exports cannot carry a spreadsheet formula; a failed write
//! leaves the previous file whole; a panic restores the terminal and shows no data.

use crate::{pii, report_with, report_with_registered, INVENTORY};
use std::path::Path;
use std::process::Command as Std;
use std::time::{Duration, Instant};

use crate::{fixture, write};

const HEADER: &str = "ts,path,owner_id,viewer_id\n";

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
        &["log.csv", "missing required column `ts`", "xxxx…"],
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
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("2100-01-01T00:00:00Z", "2100-01-01T00:00:00Z"),
        ("9999-12-31 23:59:59", "9999-12-31 23:59:59"),
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
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let ts = Series::new(
        "ts".into(),
        [Some(1_500_000_000_000_000i64), Some(-86_400_000_000)],
    )
    .cast(&DataType::Datetime(
        TimeUnit::Microseconds,
        Some(TimeZone::UTC),
    ))
    .unwrap();
    let mut df = DataFrame::new(
        2,
        vec![
            ts.into(),
            Column::new("path".into(), ["/my/", "/my/"]),
            Column::new("owner_id".into(), ["a", "b"]),
            Column::new("viewer_id".into(), ["v", "v"]),
        ],
    )
    .unwrap();
    let log = dir.path().join("log.parquet");
    ParquetWriter::new(std::fs::File::create(&log).unwrap())
        .finish(&mut df)
        .unwrap();
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

/// Runs `script` as root in a mount namespace of its own (the mounts vanish with it);
/// None when this machine does not allow that (not root, no unshare).
fn in_own_mounts(script: &str) -> Option<std::process::Output> {
    let probe = Std::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!(
            "skipped: cannot mount a tmpfs here ({})",
            String::from_utf8_lossy(&probe.stderr).trim()
        );
        return None;
    }
    Some(
        Std::new("unshare")
            .args(["-m", "sh", "-c", script])
            .output()
            .unwrap(),
    )
}

fn report_to(out: &Path) -> String {
    format!(
        "{} report users -i {} -e {} -o {}",
        assert_cmd::cargo::cargo_bin("pii-audit").display(),
        fixture("worked/inventory.yaml").display(),
        fixture("worked/log.csv").display(),
        out.display()
    )
}

#[test]
fn a_full_disk_leaves_the_previous_export_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("tiny");
    std::fs::create_dir(&mnt).unwrap();
    let out = mnt.join("users.csv");
    let keep = dir.path().join("kept.csv");
    // A 16 KiB tmpfs: the previous export (1 KiB) fits, then a filler takes the rest.
    let script = format!(
        "set -e; mount -t tmpfs -o size=16k tmpfs {mnt}; printf 'previous export\\n' > {out}; \
         head -c 1048576 /dev/zero > {mnt}/filler 2>/dev/null || true; \
         status=0; {report} 2> {mnt}/../stderr || status=$?; \
         cp {out} {keep}; ls -a {mnt} > {mnt}/../listing; exit $status",
        mnt = mnt.display(),
        out = out.display(),
        keep = keep.display(),
        report = report_to(&out)
    );
    let Some(output) = in_own_mounts(&script) else {
        return;
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot write "), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("left as it was"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "previous export\n");
    let listing = std::fs::read_to_string(dir.path().join("listing")).unwrap();
    assert!(
        !listing.contains(".pii-audit-"),
        "temporary file left: {listing}"
    );
}

#[test]
fn a_read_only_folder_leaves_the_previous_export_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("ro");
    std::fs::create_dir(&mnt).unwrap();
    let out = mnt.join("users.csv");
    let keep = dir.path().join("kept.csv");
    // Root ignores permission bits, so the folder is made read-only by its mount.
    let script = format!(
        "set -e; mount -t tmpfs -o size=64k tmpfs {mnt}; printf 'previous export\\n' > {out}; \
         mount -o remount,ro {mnt}; status=0; {report} 2> {mnt}/../stderr || status=$?; \
         cp {out} {keep}; exit $status",
        mnt = mnt.display(),
        out = out.display(),
        keep = keep.display(),
        report = report_to(&out)
    );
    let Some(output) = in_own_mounts(&script) else {
        return;
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot create a temporary file in"),
        "{stderr}"
    );
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "previous export\n");
}

#[test]
fn letters_on_a_full_disk_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("tiny");
    std::fs::create_dir(&mnt).unwrap();
    let notices = mnt.join("notices");
    let script = format!(
        "set -e; mount -t tmpfs -o size=16k tmpfs {mnt}; head -c 1048576 /dev/zero > {mnt}/filler 2>/dev/null || true; \
         status=0; {bin} notices --out-dir {notices} -i {inv} -e {log} 2> {mnt}/../stderr || status=$?; \
         find {mnt} -name '.pii-audit-*' > {mnt}/../leftovers; exit $status",
        mnt = mnt.display(),
        notices = notices.display(),
        bin = assert_cmd::cargo::cargo_bin("pii-audit").display(),
        inv = fixture("notices/inventory.yaml").display(),
        log = fixture("notices/log.csv").display(),
    );
    let Some(output) = in_own_mounts(&script) else {
        return;
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("leftovers")).unwrap(),
        ""
    );
}

#[test]
fn a_panic_prints_a_short_message_and_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!("{HEADER}2017-01-01T00:00:00Z,/my/,secret-owner-4711,secret-viewer\n");
    let inv = write(dir.path(), "inv.yaml", INVENTORY);
    let path = write(dir.path(), "log.csv", &log);
    let out = pii()
        .env("PII_AUDIT_FORCE_PANIC", "report")
        .args(["report", "users", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&path)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("internal error"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A tmux server of our own, killed when dropped.
struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Std::new("tmux")
            .arg("-L")
            .arg(&self.0)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// The TUI on the bundled sample, panicking at `place`; returns the screen afterwards,
/// the exit status and the terminal's mode (`stty -a`).
fn tui_panic(place: &str) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    let stty = dir.path().join("stty");
    let command = format!(
        "cd {dir} && PII_AUDIT_FORCE_PANIC={place} {bin}; echo $? > {status}.tmp; stty -a > {stty}; mv {status}.tmp {status}; sleep 60",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_pii-audit"),
        status = status.display(),
        stty = stty.display(),
    );
    let tmux = Tmux(format!("pii-audit-panic-{place}-{}", std::process::id()));
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "p",
        "-x",
        "100",
        "-y",
        "30",
        "sh",
        "-c",
        &command,
    ]);
    let started = Instant::now();
    while !status.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the TUI did not end after a panic at {place}; the screen shows:\n{}",
            tmux.run(&["capture-pane", "-p", "-t", "p"])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let screen = tmux.run(&["capture-pane", "-p", "-J", "-t", "p"]);
    let modes = tmux.run(&[
        "display",
        "-p",
        "-t",
        "p",
        "alternate=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}",
    ]);
    (
        screen,
        std::fs::read_to_string(&status).unwrap().trim().to_string(),
        std::fs::read_to_string(&stty).unwrap() + &modes,
    )
}

#[test]
fn a_panic_in_the_tui_restores_the_terminal_and_shows_no_data() {
    // On the UI thread once the figures are on screen, and on the loading thread.
    for place in ["tui", "tui-worker"] {
        let (screen, status, modes) = tui_panic(place);
        assert_eq!(status, "1", "{place}: {screen}");
        assert!(screen.contains("internal error"), "{place}: {screen}");
        assert!(
            screen.contains("no input data is shown"),
            "{place}: {screen}"
        );
        // The sample's user ids are u00000001…; its first rows would show them.
        assert!(!screen.contains("u0000"), "{place}: {screen}");
        assert!(!screen.contains("panicked"), "{place}: {screen}");
        // Cooked mode, echo, the main screen, a visible cursor and no mouse capture.
        for mode in [" icanon", " echo ", "alternate=0", "cursor=1", "mouse=0"] {
            assert!(modes.contains(mode), "{place}: {mode} not in {modes}");
        }
    }
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

#[test]
fn no_command_opens_a_network_socket() {
    // strace records every socket the process and its threads open.
    if Std::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pii-audit");
    let input = |cmd: &mut Std| {
        cmd.arg("-i")
            .arg(fixture("notices/inventory.yaml"))
            .arg("-e")
            .arg(fixture("notices/log.csv"))
            .arg("-r")
            .arg(fixture("notices/registered.csv"));
    };
    let runs: Vec<Vec<String>> = vec![
        vec!["report".into(), "summary".into()],
        vec![
            "report".into(),
            "users".into(),
            "--format".into(),
            "parquet".into(),
            "-o".into(),
            dir.path().join("u.parquet").display().to_string(),
        ],
        vec!["check".into(), "u2".into()],
        vec![
            "notices".into(),
            "--out-dir".into(),
            dir.path().join("n").display().to_string(),
        ],
    ];
    for args in runs {
        let trace = dir.path().join("trace");
        let mut cmd = Std::new("strace");
        cmd.args(["-f", "-e", "trace=socket,connect", "-o"])
            .arg(&trace)
            .arg(&bin)
            .args(&args);
        input(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls = std::fs::read_to_string(&trace).unwrap();
        assert!(
            !calls.contains("AF_INET"),
            "{args:?} opened a network socket:\n{calls}"
        );
    }
}

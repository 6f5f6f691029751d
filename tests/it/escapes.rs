//! Hostile text cannot drive the officer's terminal: ids and paths from the log that hold
//! ESC, BEL, CR, NUL or BiDi overrides come out as visible escapes (`\e`, `\a`, `\r`, `\0`,
//! `\u{202e}`) in every output meant for a terminal (`--format table`, `inventory check`,
//! `check`, warnings, errors), and byte for byte in CSV and JSON.

use std::path::{Path, PathBuf};

use crate::{pii, write, INVENTORY};

/// A terminal title change (OSC 0), a bell and a screen clear, in one owner id.
pub const RETITLE_AND_CLEAR: &str = "\u{1b}]0;PWNED\u{07}\u{1b}[2Jowner";
/// The same, as the table shows it.
pub const RETITLE_AND_CLEAR_SHOWN: &str = "\\e]0;PWNED\\a\\e[2Jowner";
/// An owner id that a right-to-left override shows reversed, with every BiDi control.
const BIDI_OWNER: &str = "u\u{202e}fdp.exe\u{2066}a\u{2067}b\u{2068}c\u{2069}\u{200e}\u{200f}";
const BIDI_OWNER_SHOWN: &str =
    "u\\u{202e}fdp.exe\\u{2066}a\\u{2067}b\\u{2068}c\\u{2069}\\u{200e}\\u{200f}";
/// An unmapped path with a carriage return (which would overwrite the line) and a NUL.
const CR_NUL_PATH: &str = "/x/\rfake\u{0}end";
const CR_NUL_PATH_SHOWN: &str = "/x/\\rfake\\0end";

/// A log whose owners and an unmapped path carry the hostile text above.
pub fn hostile_log(dir: &Path) -> (PathBuf, PathBuf) {
    let inv = write(dir, "inv.yaml", INVENTORY);
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let log = format!(
        "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/my/,{},v\n2017-01-01T00:00:01Z,{},{},v\n\
         2017-01-01T00:00:02Z,/my/,{},w\n",
        quoted(RETITLE_AND_CLEAR),
        quoted(CR_NUL_PATH),
        quoted(RETITLE_AND_CLEAR),
        quoted(BIDI_OWNER),
    );
    (inv, write(dir, "log.csv", &log))
}

/// No byte that a terminal acts on, and no BiDi control.
fn assert_inert(text: &str) {
    let found: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && pii_audit::text::needs_escape(c))
        .collect();
    assert!(found.is_empty(), "raw {found:?} in:\n{text}");
}

fn report(inv: &Path, log: &Path, kind: &str, format: &str) -> std::process::Output {
    pii()
        .args(["report", kind, "--format", format, "-i"])
        .arg(inv)
        .arg("-e")
        .arg(log)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn table_output_shows_control_characters_and_bidi_overrides_as_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = hostile_log(dir.path());
    let users = report(&inv, &log, "users", "table");
    assert!(users.status.success(), "{}", text(&users.stderr));
    let shown = text(&users.stdout);
    assert_inert(&shown);
    assert!(shown.contains(RETITLE_AND_CLEAR_SHOWN), "{shown}");
    assert!(shown.contains(BIDI_OWNER_SHOWN), "{shown}");
    let unmapped = report(&inv, &log, "unmapped", "table");
    let shown = text(&unmapped.stdout);
    assert_inert(&shown);
    assert!(shown.contains(CR_NUL_PATH_SHOWN), "{shown}");
    // The file export keeps the bytes.
    let export = dir.path().join("users.csv");
    pii()
        .args(["report", "users", "-o"])
        .arg(&export)
        .arg("-i")
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .assert()
        .success();
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(exported.contains(RETITLE_AND_CLEAR) && exported.contains(BIDI_OWNER));
}

#[test]
fn csv_and_json_keep_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = hostile_log(dir.path());
    let csv = text(&report(&inv, &log, "users", "csv").stdout);
    assert!(csv.contains(RETITLE_AND_CLEAR), "{csv:?}");
    let unmapped = text(&report(&inv, &log, "unmapped", "csv").stdout);
    assert!(unmapped.contains(CR_NUL_PATH), "{unmapped:?}");
    let json = text(&report(&inv, &log, "users", "json").stdout);
    // JSON writes the same characters in its own escapes (`\u001b`), as any JSON reader reads them.
    assert!(
        json.contains(r#""user_id":"\u001b]0;PWNED\u0007\u001b[2Jowner""#),
        "{json}"
    );
}

#[test]
fn inventory_check_with_a_log_escapes_paths_and_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = hostile_log(dir.path());
    let out = pii()
        .args(["inventory", "check", "--suggest"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_inert(&shown);
    assert!(shown.contains(CR_NUL_PATH_SHOWN), "{shown}");
}

#[test]
fn check_escapes_the_user_id_it_was_given_and_the_letter() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = hostile_log(dir.path());
    let out = pii()
        .args(["check", RETITLE_AND_CLEAR, "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_inert(&shown);
    assert!(shown.contains(RETITLE_AND_CLEAR_SHOWN), "{shown}");
    assert_inert(&text(&out.stderr));
}

#[test]
fn warnings_notes_and_errors_escape_the_names_they_echo() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = hostile_log(dir.path());
    // A registered table with an unknown column named with controls: a warning names it.
    let reg = write(
        dir.path(),
        "reg.csv",
        &format!("user_id,\"x\u{1b}[2J\u{202e}y\"\n{}\n", "\"u\",true"),
    );
    let out = pii()
        .args(["report", "users", "--format", "csv", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(&log)
        .arg("-r")
        .arg(&reg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_inert(&stderr);
    assert!(stderr.contains("x\\e[2J\\u{202e}y"), "{stderr}");
    // An error naming a file whose name holds controls.
    let out = pii()
        .args(["report", "users", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(dir.path().join("gone\u{1b}]0;T\u{07}.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_inert(&stderr);
    assert!(stderr.contains("gone\\e]0;T\\a.csv"), "{stderr}");
}

//! Failures the user did not cause: a full disk or a read-only folder leaves the previous
//! export whole, letters on a full disk fail clearly, and a panic (in a command or in the
//! TUI) prints a short message, no row of data, and restores the terminal.

use std::path::Path;
use std::process::Command as Std;
use std::time::{Duration, Instant};

use crate::hostile::HEADER;
use crate::{fixture, pii, write, INVENTORY};

/// Runs `script` as root in a mount namespace of its own (the mounts vanish with it);
/// None when this machine does not allow that (not root, no unshare).
fn in_own_mounts(script: &str) -> Option<std::process::Output> {
    let probe = Std::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"])
        .output();
    let why = match &probe {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(e) => Some(format!("unshare: {e}")),
    };
    if let Some(why) = why {
        // CI runs as root with util-linux (.ci/run): there the check must run.
        crate::available(
            &format!("a tmpfs mounted in a namespace of its own (unshare -m, as root: {why})"),
            false,
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
/// the exit status and the terminal's mode (`stty -a`); `None` without tmux
/// (`crate::tool_present`).
fn tui_panic(place: &str) -> Option<(String, String, String)> {
    if !crate::tool_present("tmux", "-V") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    let stty = dir.path().join("stty");
    let command = format!(
        "cd {dir} && PII_AUDIT_FORCE_PANIC={place} {bin}; echo $? > {status}.tmp; stty -a > {stty}; mv {status}.tmp {status}; sleep 60",
        dir = dir.path().display(),
        bin = assert_cmd::cargo::cargo_bin("pii-audit").display(),
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
    Some((
        screen,
        std::fs::read_to_string(&status).unwrap().trim().to_string(),
        std::fs::read_to_string(&stty).unwrap() + &modes,
    ))
}

#[test]
fn a_panic_in_the_tui_restores_the_terminal_and_shows_no_data() {
    // On the UI thread once the figures are on screen, and on the loading thread.
    for place in ["tui", "tui-worker"] {
        let Some((screen, status, modes)) = tui_panic(place) else {
            return;
        };
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

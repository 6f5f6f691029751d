//! End to end: the real binary in a real terminal (tmux), driven by keys as a person would,
//! with the screen read back after each step. `.ci/run` installs tmux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Waits until the screen shows every one of `words`; panics with the screen if not.
    fn wait_for(&self, words: &[&str]) -> String {
        self.wait_for_without(words, &[])
    }

    /// Waits until the screen shows every one of `words` and none of `gone` (the terminal
    /// is read while it paints, so a screen can still hold part of the previous frame);
    /// panics with the screen after 60 s.
    fn wait_for_without(&self, words: &[&str], gone: &[&str]) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            // A line longer than the pane wraps: a phrase may continue on the next line.
            let unwrapped = screen.replace('\n', "");
            let shown = |w: &&str| screen.contains(*w) || unwrapped.contains(*w);
            if words.iter().all(shown) && !gone.iter().any(|g| screen.contains(g)) {
                return screen;
            }
            if started.elapsed() > Duration::from_secs(60) {
                panic!("waited 60 s for {words:?} without {gone:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// A 100x30 session running `command` under `sh -c`, on a server of its own; `None`
    /// without tmux (`crate::tool_present`: a skip on a developer's machine, a failure
    /// under CI=true).
    fn start(name: &str, command: &str) -> Option<Tmux> {
        if !crate::tool_present("tmux", "-V") {
            return None;
        }
        let tmux = Tmux {
            socket: format!("pii-audit-{name}-{}", std::process::id()),
        };
        tmux.tmux(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            command,
        ]);
        Some(tmux)
    }

    /// Presses q and returns the exit status the command wrote to `status`.
    fn quit(&self, status: &Path) -> String {
        self.keys(&["q"]);
        let started = Instant::now();
        // The shell creates the file, then writes the status and its newline: a file read
        // in between is empty (seen on a loaded machine).
        let written = || std::fs::read_to_string(status).is_ok_and(|s| s.ends_with('\n'));
        while !written() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "q did not quit; the screen shows:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(status).unwrap().trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

#[test]
fn sample_incident_from_first_screen_to_quit() {
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    // From an empty folder: the sample is embedded in the binary.
    let command = format!(
        "cd {} && {} ; echo $? > {}",
        dir.path().display(),
        assert_cmd::cargo::cargo_bin("pii-audit").display(),
        status.display()
    );
    let Some(tmux) = Tmux::start("e2e", &command) else {
        return;
    };
    // The sample's headline figures (README: 1814 potentially affected, 638 exposed).
    // The screen is read while the terminal paints it: wait for every part of it.
    tmux.wait_for(&[
        "SAMPLE",
        "headline figures",
        "1814",
        "638",
        "exposures per minute",
    ]);

    tmux.keys(&["Tab"]);
    tmux.wait_for(&["Users", "user_id", "u00000001", "direct"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["page_id", "route", "mypage"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["field_id", "users_exposed", "Full name"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["suggested_route", "/jp/"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["direct_notice_fields", "note"]);
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["headline figures"]);

    tmux.keys(&["2", "/"]);
    tmux.keys(&["-l", "u00000042"]);
    // The filter hides other users.
    tmux.wait_for_without(&["/u00000042", "rows match", "u00000042"], &["u00000001"]);
    tmux.keys(&["Enter", "?"]);
    tmux.wait_for(&["keys · any key closes", "filter on any visible text"]);
    tmux.keys(&["Escape"]);
    assert_eq!(tmux.quit(&status), "0");
}

/// `pii-audit tui` on the sample's log and registered table in its leak window, with
/// `inventory` (a copy the test may edit); the exit status goes to `status`.
fn sample_tui_command(inventory: &Path, status: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    format!(
        "{} tui -i {} -e {} -r {} --from 2017-06-22T09:00:00+09:00 --to 2017-06-22T15:00:00+09:00 --tz Asia/Tokyo; echo $? > {}",
        assert_cmd::cargo::cargo_bin("pii-audit").display(),
        inventory.display(),
        root.join("sample-data/exposure.csv").display(),
        root.join("sample-data/registered.csv").display(),
        status.display()
    )
}

#[test]
fn edit_the_inventory_see_the_figures_change_and_save() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inventory.yaml");
    std::fs::copy(root.join("sample-data/inventory.yaml"), &inventory).unwrap();
    let status = dir.path().join("status");
    let command = sample_tui_command(&inventory, &status);
    let Some(tmux) = Tmux::start("e2e-edit", &command) else {
        return;
    };
    let before = tmux.wait_for(&["headline figures", "181 users in the direct tier"]);
    assert!(!before.contains("last inventory edit"));

    // Inventory view, first page (mypage): tick `name`, the first field, and apply.
    tmux.keys(&["6"]);
    tmux.wait_for(&["direct_notice_fields", "mypage"]);
    tmux.keys(&["f"]);
    tmux.wait_for(&["fields of page mypage", "[ ] name"]);
    tmux.keys(&["Space"]);
    tmux.wait_for(&["[x] name"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["recomputed:", "inventory edited (w saves)"]);
    tmux.keys(&["1"]);
    // mypage now shows the name, a direct-notice field: the direct tier grows.
    tmux.wait_for_without(
        &["last inventory edit", "users in the direct tier"],
        &["181 users in the direct tier"],
    );

    tmux.keys(&["w"]);
    // The edit is spliced into the file: no comment is dropped, one line changes.
    let preview = tmux.wait_for(&["save the inventory", "+    fields: [name, points_balance"]);
    assert!(!preview.contains("will be dropped"), "{preview}");
    tmux.keys(&["y"]);
    tmux.wait_for(&["saved", ".bak"]);
    let saved = std::fs::read_to_string(&inventory).unwrap();
    let loaded = pii_audit::inventory::Inventory::parse(&saved, "saved").unwrap();
    let mypage = loaded.pages.iter().find(|p| p.id == "mypage").unwrap();
    let name = loaded.field_index("name").unwrap();
    assert!(
        mypage.fields.contains(&name),
        "the file on disk holds the edit"
    );
    assert!(Path::new(&format!("{}.bak", inventory.display())).exists());

    assert_eq!(tmux.quit(&status), "0");
}

#[test]
fn long_commands_show_progress_on_a_terminal_and_nothing_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let worked = super::fixture("worked");
    let out = dir.path().join("users.csv");
    let args = format!(
        "report users -i {} -e {} -r {} -o {}",
        worked.join("inventory.yaml").display(),
        worked.join("log.csv").display(),
        worked.join("registered.csv").display(),
        out.display()
    );
    let bin = assert_cmd::cargo::cargo_bin("pii-audit");
    let status = dir.path().join("status");
    let command = format!(
        "{} {args}; echo $? > {}; sleep 30",
        bin.display(),
        status.display()
    );
    let Some(tmux) = Tmux::start("progress", &command) else {
        return;
    };
    // The last line says what was done: rows read and their rate, paths matched, the file.
    let screen = tmux.wait_for(&[
        "done in",
        "rows/s",
        "routes looked up for",
        "wrote 3 rows to",
    ]);
    assert!(screen.contains("read 11 rows in"), "{screen}");
    // In a pipe (here: captured by the test) standard error holds the notes only.
    let piped = std::process::Command::new(bin)
        .args(args.split(' '))
        .output()
        .unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(stderr.lines().all(|l| l.starts_with("note: ")), "{stderr}");
    assert!(!stderr.contains("rows/s"), "{stderr}");
}

/// The sample in tmux with `env`; the screen with its escape codes once the headline shows
/// (`None` without tmux).
fn sample_screen_with_escapes(name: &str, env: &str, flags: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    let command = format!(
        "cd {} && {env} {} {flags}; echo $? > {}",
        dir.path().display(),
        assert_cmd::cargo::cargo_bin("pii-audit").display(),
        status.display()
    );
    let tmux = Tmux::start(name, &command)?;
    tmux.wait_for(&["SAMPLE", "headline figures", "1814", "exposures per minute"]);
    // The Users view has the tier column, drawn in colour when colour is on.
    tmux.keys(&["2"]);
    tmux.wait_for(&["user_id", "direct"]);
    let screen = tmux.tmux(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    assert_eq!(tmux.quit(&status), "0");
    Some(screen)
}

/// Whether an SGR escape sequence sets a colour (30-37, 38, 40-47, 48, 90-97, 100-107).
fn sets_a_colour(screen: &str) -> bool {
    screen.split("\x1b[").skip(1).any(|sequence| {
        let Some(end) = sequence.find('m') else {
            return false;
        };
        sequence[..end].split(';').any(|code| {
            matches!(
                code.parse::<u32>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        })
    })
}

#[test]
fn no_color_draws_the_tui_without_colour_codes() {
    let Some(coloured) = sample_screen_with_escapes("colour", "", "") else {
        return;
    };
    assert!(
        sets_a_colour(&coloured),
        "colour on by default:\n{coloured}"
    );
    for (name, env, flags) in [
        ("nocolor", "NO_COLOR=1", ""),
        ("never", "", "--color never"),
    ] {
        let Some(plain) = sample_screen_with_escapes(name, env, flags) else {
            return;
        };
        assert!(
            !sets_a_colour(&plain),
            "{name}: a colour code in:\n{plain:?}"
        );
        assert!(plain.contains("direct"), "the tier is still spelled out");
    }
}

/// `git diff` of `file` in the repository `dir`, as a person would run it.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_page_added_in_the_tui_is_the_only_change_git_shows() {
    if !crate::tool_present("git", "--version") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // The sample's inventory has header comments and flow-style field lists.
    let inventory = dir.path().join("inventory.yaml");
    std::fs::copy(root.join("sample-data/inventory.yaml"), &inventory).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "inventory.yaml"]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "inventory",
        ],
    );
    let status = dir.path().join("status");
    let command = sample_tui_command(&inventory, &status);
    let Some(tmux) = Tmux::start("e2e-add", &command) else {
        return;
    };
    tmux.wait_for(&["headline figures"]);
    // Unmapped, filtered to the coupon page's route; `a` adds a page for it.
    tmux.keys(&["5"]);
    tmux.wait_for(&["suggested_route", "/jp/transaction/{id}"]);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "coupon"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["/jp/mypage/coupon", "1 of"]);
    tmux.keys(&["a"]);
    tmux.wait_for(&["route", "/jp/mypage/coupon"]);
    tmux.keys(&["Down", "Down"]);
    tmux.keys(&["-l", "name,address"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["recomputed:", "inventory edited (w saves)"]);
    tmux.keys(&["w"]);
    tmux.wait_for(&["save the inventory", "+    fields: [name, address]"]);
    tmux.keys(&["y"]);
    tmux.wait_for(&["saved", ".bak"]);
    assert_eq!(tmux.quit(&status), "0");
    // Only the new block: four added lines at the end of `pages:`, nothing removed.
    let numstat = git(dir.path(), &["diff", "--numstat", "--", "inventory.yaml"]);
    assert_eq!(
        numstat.split_whitespace().take(2).collect::<Vec<_>>(),
        ["3", "0"],
        "{numstat}"
    );
    let diff = git(dir.path(), &["diff", "-U0", "--", "inventory.yaml"]);
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        added,
        [
            "+  - id: jp_mypage_coupon",
            "+    route: /jp/mypage/coupon",
            "+    fields: [name, address]",
        ],
        "{diff}"
    );
}

/// A log whose owner id holds a title change (OSC 0), a bell and a screen clear, through
/// `report users --format table` in a real terminal: the pane shows the escapes, its title
/// is the one it had, and the line printed before the report is still on the screen.
#[test]
fn a_hostile_log_in_a_table_neither_retitles_nor_clears_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, log) = super::escapes::hostile_log(dir.path());
    let command = format!(
        "printf '\\033]2;KEEP-TITLE\\033\\\\'; echo BEFORE-LINE; \
         {} report users --format table -i {} -e {}; echo AFTER-LINE; sleep 60",
        assert_cmd::cargo::cargo_bin("pii-audit").display(),
        inv.display(),
        log.display()
    );
    let Some(tmux) = Tmux::start("hostile", &command) else {
        return;
    };
    let screen = tmux.wait_for(&["AFTER-LINE"]);
    assert!(
        screen.contains("BEFORE-LINE"),
        "the screen was cleared:\n{screen}"
    );
    assert!(
        screen.contains(super::escapes::RETITLE_AND_CLEAR_SHOWN),
        "{screen}"
    );
    let title = tmux.tmux(&["display-message", "-p", "-t", "e2e", "#{pane_title}"]);
    assert_eq!(title.trim(), "KEEP-TITLE");
}

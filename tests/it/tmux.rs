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
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if words.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if started.elapsed() > Duration::from_secs(60) {
                panic!("waited 60 s for {words:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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
        env!("CARGO_BIN_EXE_pii-audit"),
        status.display()
    );
    let tmux = Tmux {
        socket: format!("pii-audit-e2e-{}", std::process::id()),
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
        &command,
    ]);
    // The sample's headline figures (README: 1814 potentially affected, 638 exposed).
    let overview = tmux.wait_for(&["SAMPLE", "headline figures", "1814", "638"]);
    assert!(overview.contains("exposures per minute"));

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
    let filtered = tmux.wait_for(&["/u00000042", "rows match", "u00000042"]);
    assert!(
        !filtered.contains("u00000001"),
        "the filter hides other users"
    );
    tmux.keys(&["Enter", "?"]);
    tmux.wait_for(&["keys · any key closes", "filter on any visible text"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    let started = Instant::now();
    while !Path::new(&status).exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "q did not quit; the screen shows:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "0");
}

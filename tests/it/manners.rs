//! Command-line manners: `--version` names polars, completions and the man page are made
//! from the same clap definitions as `--help` (the binary's output compared with what
//! `clap_complete` and `clap_mangen` make here, from the library's `Cli`, not with the
//! function the binary calls), and `--color`/`NO_COLOR` turn colour off.

use clap::CommandFactory;
use pii_audit::cli::{Cli, ColorWhen};

use crate::pii;

#[test]
fn version_names_the_polars_it_was_built_with() {
    pii().arg("--version").assert().success().stdout(format!(
        "pii-audit {} (polars {})\n",
        env!("CARGO_PKG_VERSION"),
        polars::VERSION
    ));
}

/// Every subcommand of the clap definition, nested ones as `inventory check`.
fn subcommands() -> Vec<String> {
    let cli = Cli::command();
    let mut names = Vec::new();
    for sub in cli.get_subcommands() {
        names.push(sub.get_name().to_string());
        for nested in sub.get_subcommands() {
            names.push(nested.get_name().to_string());
        }
    }
    names
}

#[test]
fn completions_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = pii().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let parsed: clap_complete::Shell = shell.parse().unwrap();
        let mut expected = Vec::new();
        clap_complete::generate(parsed, &mut Cli::command(), "pii-audit", &mut expected);
        assert_eq!(out.stdout, expected, "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for name in subcommands() {
            assert!(text.contains(&name), "{shell} completions lack {name}");
        }
        // fish writes `-l inventory`, the others `--inventory`.
        for flag in ["inventory", "log", "registered", "color"] {
            assert!(text.contains(flag), "{shell} completions lack --{flag}");
        }
    }
    crate::bad(pii().args(["completions", "tcsh"]).assert(), &["tcsh"]);
}

#[test]
fn the_man_page_comes_from_the_clap_definitions() {
    let out = pii().arg("man").output().unwrap();
    assert!(out.status.success());
    let mut expected = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut expected)
        .unwrap();
    assert_eq!(out.stdout, expected);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH pii-audit"),
        "roff"
    );
    let help = String::from_utf8(pii().arg("--help").output().unwrap().stdout).unwrap();
    let about = help.lines().next().unwrap();
    // roff escapes hyphens; compare the words.
    let words: String = about
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        page.replace("\\-", "-").contains(&words),
        "{words:?} not in the page"
    );
    let page = page.replace("\\-", "-");
    // The page lists the top-level commands (`inventory check` is under `inventory`).
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        assert!(page.contains(name), "the man page lacks {name}");
    }
    assert!(page.contains("color"));
}

#[test]
fn no_color_and_the_color_flag_decide_together() {
    let set = Some(std::ffi::OsStr::new("1"));
    let empty = Some(std::ffi::OsStr::new(""));
    assert!(ColorWhen::Auto.colour(None));
    assert!(!ColorWhen::Auto.colour(set));
    // no-color.org: an empty NO_COLOR does not count.
    assert!(ColorWhen::Auto.colour(empty));
    assert!(ColorWhen::Always.colour(set));
    assert!(!ColorWhen::Never.colour(None));
}

/// `rust-version` in Cargo.toml is no older than any dependency's own: the oldest
/// toolchain that can build the tool (cargo refuses an older one by this field). Read for
/// the host's platform, offline: the dependencies of other platforms (Android's, Windows')
/// are not downloaded on a fresh machine, and are not what builds here.
#[test]
fn rust_version_is_at_least_every_dependency_s() {
    let root = env!("CARGO_MANIFEST_DIR");
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    let rustc = String::from_utf8(rustc.stdout).unwrap();
    let host = rustc
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host");
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", host])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let ours = env!("CARGO_PKG_RUST_VERSION");
    assert!(!ours.is_empty(), "Cargo.toml has no rust-version");
    // Every "rust_version":"X.Y[.Z]" in the metadata (ours included).
    let mut highest = ("", vec![0]);
    for part in text.split("\"rust_version\":\"").skip(1) {
        let v = part.split('"').next().unwrap();
        if version(v) > highest.1 {
            highest = (v, version(v));
        }
    }
    assert!(
        version(ours) >= highest.1,
        "rust-version {ours} is older than a dependency's {}",
        highest.0
    );
}

/// ARCHITECTURE.md names every folder and top-level file of `src/` (as `src/NAME/` or
/// `src/NAME.rs`), so the map cannot fall behind the tree.
#[test]
fn architecture_names_every_room_of_src() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let named = if path.is_dir() {
            format!("src/{name}/")
        } else {
            format!("src/{name}")
        };
        if !map.contains(&format!("`{named}`")) {
            missing.push(named);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name {missing:?}"
    );
}

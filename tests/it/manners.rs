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

//! The docs cannot drift from the machine: the state diagram in both READMEs and in
//! `docs/state-diagram.{txt,mmd,dot}` is what `src/diagram.rs` generates from it.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use wx_auth::diagram;

fn read(path: &str) -> String {
    fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_readmes_show_the_generated_state_diagram() {
    for readme in ["README.md", "README.zh-CN.md"] {
        let text = read(readme);
        assert!(
            text.contains(&diagram::block()),
            "{readme}: the state diagram differs from the machine's; run `make docs`"
        );
    }
}

#[test]
fn the_diagram_files_are_generated() {
    for (file, generated) in [
        ("docs/state-diagram.txt", diagram::text()),
        ("docs/state-diagram.mmd", diagram::mermaid()),
        ("docs/state-diagram.dot", diagram::dot()),
    ] {
        assert_eq!(read(file), generated, "{file} is stale; run `make docs`");
    }
}

#[test]
fn the_diagram_has_every_state_and_the_arrows_the_machine_allows() {
    let text = diagram::text();
    for kind in [
        "anonymous",
        "privacy-agreed",
        "profile-granted",
        "logged-in",
        "logged-out",
    ] {
        assert!(text.lines().any(|l| l == kind), "{kind} missing");
    }
    let edges = diagram::edges();
    let has = |from: &str, via: &str, to: &str| {
        edges
            .iter()
            .any(|e| e.from.as_str() == from && e.via.contains(via) && e.to.as_str() == to)
    };
    assert!(has("anonymous", "agreePrivacy()", "privacy-agreed"));
    assert!(
        !has("anonymous", "login()", "logged-in"),
        "login needs the agreement"
    );
    assert!(
        !has("anonymous", "setProfile()", "profile-granted"),
        "so does setProfile"
    );
    assert!(has("logged-in", "unbind()", "privacy-agreed"));
    assert!(!has("privacy-agreed", "unbind()", "privacy-agreed"));
    assert!(has("logged-out", "login()", "logged-in"));
}

#[test]
fn the_versions_agree() {
    let version = env!("CARGO_PKG_VERSION");
    let package: serde_json::Value = serde_json::from_str(&read("package.json")).unwrap();
    assert_eq!(package["version"], version, "package.json and Cargo.toml");
    let changelog = read("CHANGELOG.md");
    let released = changelog
        .lines()
        .find(|l| l.starts_with("## [") && !l.starts_with("## [Unreleased]"))
        .unwrap_or_default();
    assert!(
        released.starts_with(&format!("## [{version}] - ")),
        "the CHANGELOG's newest release is {released:?}, the crate {version}"
    );
}

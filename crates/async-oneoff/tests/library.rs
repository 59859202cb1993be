//! What a library gets from oneoff does not depend on features other crates turn on: a small
//! library crate (`tests/fixtures/spawning-library`) is built into a binary
//! (`tests/fixtures/spawning-app`) twice, once as it is and once with oneoff's `tokio` feature
//! turned on by the binary, as any other dependency of a real program might. The library's
//! recommended pattern (a named runner type, the neutral `oneoff::spawn`) behaves the same in
//! both builds; the pattern the docs warn against (the default runner in a library) does not.
//!
//! Each build is a real `cargo build` of a separate workspace, pinned to this repository's
//! `Cargo.lock`, in a target directory kept under `target/` so that reruns are incremental.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use oneoff_workloads::watchdog;

/// A cold build of smol and tokio in debug mode takes about a minute on two cores.
const LIMIT: Duration = Duration::from_secs(900);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes the two fixture crates into `dir` as their own workspace, with absolute paths to
/// this repository's crates and its lock file.
fn write_fixture(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let oneoff = workspace_root().join("crates/async-oneoff");
    for name in ["spawning-library", "spawning-app"] {
        fs::create_dir_all(dir.join(name).join("src")).unwrap();
    }
    fs::copy(
        fixtures.join("spawning-library/src/lib.rs"),
        dir.join("spawning-library/src/lib.rs"),
    )
    .unwrap();
    fs::copy(
        fixtures.join("spawning-app/src/main.rs"),
        dir.join("spawning-app/src/main.rs"),
    )
    .unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"spawning-library\", \"spawning-app\"]\n",
    )
    .unwrap();
    fs::write(
        dir.join("spawning-library/Cargo.toml"),
        format!(
            "[package]\nname = \"spawning-library\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nasync-oneoff = {{ path = {oneoff:?}, default-features = false, features = [\"smol\"] }}\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("spawning-app/Cargo.toml"),
        format!(
            "[package]\nname = \"spawning-app\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nspawning-library = {{ path = \"../spawning-library\" }}\n\
             async-oneoff = {{ path = {oneoff:?}, default-features = false, features = [\"smol\"] }}\n\n\
             [features]\nextra = [\"async-oneoff/tokio\"]\n"
        ),
    )
    .unwrap();
    fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Builds and runs the app, with or without the feature `extra`, and returns what it printed.
fn run_app(dir: &Path, extra: bool) -> String {
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["run", "--quiet", "--package", "spawning-app"])
        .args(extra.then_some("--features=extra"))
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target/fixture-library"),
        );
    let output = cargo.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "the fixture app failed (extra: {extra}): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the app prints UTF-8")
}

#[test]
fn a_library_behaves_the_same_whatever_features_others_turn_on() {
    let (alone, with_tokio) = watchdog("library fixture", LIMIT, || {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write_fixture(dir.path());
        (run_app(dir.path(), false), run_app(dir.path(), true))
    });
    let line = |output: &str, prefix: &str| -> String {
        output
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in {output:?}"))
            .to_owned()
    };
    // The recommended pattern: the same answer in both builds.
    assert_eq!(line(&alone, "named runner:"), "named runner: 14");
    assert_eq!(line(&with_tokio, "named runner:"), "named runner: 14");
    // The default runner in a library moves with the features: smol alone, tokio once
    // another crate turns tokio on, where smol's spawn finds no smol run.
    assert_eq!(line(&alone, "default runner:"), "default runner: 14");
    let moved = line(&with_tokio, "default runner:");
    assert!(
        moved.starts_with("default runner: error: smol cannot run the future here"),
        "{moved}"
    );
}

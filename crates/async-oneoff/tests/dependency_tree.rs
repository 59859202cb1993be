//! What `async-oneoff` brings into a user's build, as `cargo tree` resolves it for a crate that
//! depends on it: with its default features no proc-macro crate (no syn, quote or
//! proc-macro2 in every user's build) and tokio with `rt` alone (what detection needs); with
//! the `tokio` feature, tokio with only what the backend itself needs (no `net`, so no mio or
//! socket2: a user who wants `tokio::net` turns it on).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The packages of the facade's tree (`name vX.Y.Z (...)`) with their enabled features, for
/// the feature arguments given, normal and build dependencies only (what a dependent builds).
fn tree(features: &[&str]) -> BTreeSet<(String, BTreeSet<String>)> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--quiet", "--offline", "--package", "async-oneoff"])
        .args(["--edges", "normal,build", "--prefix", "none"])
        .args(["--format", "{p}|{f}"])
        .args(features)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    let packages: BTreeSet<_> = stdout
        .lines()
        .filter_map(|line| line.split_once('|'))
        .map(|(package, features)| {
            let package = package.trim_end_matches(" (*)").to_owned();
            let features = features.trim_end_matches(" (*)");
            let features = features.split(',').filter(|f| !f.is_empty());
            (package, features.map(str::to_owned).collect())
        })
        .collect();
    assert!(
        packages.iter().any(|(p, _)| p.starts_with("async-oneoff ")),
        "cargo tree listed no async-oneoff:\n{stdout}"
    );
    packages
}

/// The features tokio has in `tree`, or `None` when tokio is not in it.
fn tokio_features(tree: &BTreeSet<(String, BTreeSet<String>)>) -> Option<BTreeSet<String>> {
    let mut tokio = tree.iter().filter(|(p, _)| p.starts_with("tokio v"));
    tokio.next().map(|(_, features)| features.clone())
}

fn proc_macros(tree: &BTreeSet<(String, BTreeSet<String>)>) -> Vec<&str> {
    let macros = tree.iter().filter(|(p, _)| p.contains("(proc-macro)"));
    macros.map(|(p, _)| p.as_str()).collect()
}

fn set(features: &[&str]) -> BTreeSet<String> {
    features.iter().map(|f| (*f).to_owned()).collect()
}

#[test]
fn the_default_tree_has_no_proc_macro_and_tokio_with_rt_alone() {
    let tree = tree(&[]);
    assert_eq!(
        proc_macros(&tree),
        Vec::<&str>::new(),
        "the default features pull in a proc-macro crate (every user then builds syn): \
         write the impls by hand or put the crate behind a feature"
    );
    assert_eq!(tokio_features(&tree), Some(set(&["rt"])), "{tree:#?}");
}

#[test]
fn the_tokio_backend_turns_on_what_it_needs_and_no_more() {
    let tree = tree(&["--no-default-features", "--features", "tokio"]);
    assert_eq!(proc_macros(&tree), Vec::<&str>::new());
    let expected = set(&["rt", "rt-multi-thread", "time"]);
    assert_eq!(tokio_features(&tree), Some(expected), "{tree:#?}");
    let net = tree
        .iter()
        .filter(|(p, _)| p.starts_with("mio ") || p.starts_with("socket2 "));
    assert_eq!(
        net.count(),
        0,
        "the tokio feature builds tokio's network stack: {tree:#?}"
    );
}

#[test]
fn the_macros_feature_is_where_the_proc_macros_are() {
    let tree = tree(&["--features", "macros"]);
    let macros = proc_macros(&tree);
    assert!(
        macros.iter().any(|p| p.starts_with("async-oneoff-macros ")),
        "the attributes' crate is missing from the macros feature's tree: {macros:?}"
    );
}

//! `cargo xtask backends`: the cargo feature of every backend the facade knows, one a line, in
//! the facade's priority order, so that scripts (`.ci/run`) loop over the facade's own list
//! instead of keeping one of their own.

use oneoff::Backend;

/// The distinct features of [`Backend::ALL`] (tokio's two flavours share one), in order.
pub(crate) fn features() -> Vec<&'static str> {
    let mut features: Vec<&'static str> = Vec::new();
    for backend in Backend::ALL {
        if !features.contains(&backend.feature()) {
            features.push(backend.feature());
        }
    }
    features
}

/// Prints [`features`], one a line.
pub(crate) fn run() {
    for feature in features() {
        println!("{feature}");
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::workspace;

    /// xtask sees every backend only when its dependency on the facade turns on every backend
    /// feature: cargo has no "every feature of a dependency", so xtask/Cargo.toml names them,
    /// and this test keeps that list equal to the facade's.
    #[test]
    fn xtask_sees_every_backend_of_the_facade() {
        let path = workspace::root().join("crates/async-oneoff/Cargo.toml");
        let manifest: toml::Table = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let facade = manifest["features"]
            .as_table()
            .expect("the facade has features");
        // A backend feature turns on its backend crate, `dep:async-oneoff-<backend>`; the
        // attributes' crate is not a backend.
        let mut backends: Vec<&str> = facade
            .iter()
            .filter(|(_, enables)| {
                enables.as_array().is_some_and(|list| {
                    list.iter().any(|item| {
                        item.as_str().is_some_and(|i| {
                            i.starts_with("dep:async-oneoff-") && i != "dep:async-oneoff-macros"
                        })
                    })
                })
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let mut seen = features();
        backends.sort_unstable();
        seen.sort_unstable();
        assert_eq!(
            seen, backends,
            "xtask/Cargo.toml must turn on every backend feature of the facade"
        );
    }

    #[test]
    fn each_feature_is_listed_once() {
        let listed = features();
        let mut distinct = listed.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(listed.len(), distinct.len(), "{listed:?}");
        assert!(
            listed.contains(&"tokio"),
            "tokio and tokio-mt share one feature"
        );
    }
}

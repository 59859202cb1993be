//! The measurement binary in each configuration a user builds: built through cargo once per
//! distinct set of features, each executable copied to a path of its own right after its build
//! (cargo keeps one `target/<profile>/oneoff-probe`, which the next build overwrites).
//!
//! The configurations: `default` (the facade's default features; the baseline row runs in
//! it), one per backend feature (the defaults plus that feature: what a user with that one
//! feature gets, plus [`REACH`]; the cold rows, warm rows and the matrix of that backend run
//! in it), and `all-features` (every backend and every detector: the warm figures beside
//! them).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use oneoff::Backend;
use serde::Serialize;

use super::settings::ProbeProfile;
use crate::cmd::Cmd;
use crate::workspace;

/// The facade's features that each backend's build adds to the backend's own: `portal` (the
/// warm portal round trip) and `tokio-compat` (the matrix's compatible `tokio::time::sleep`,
/// the calls in `TokioCompat`). Neither brings a crate the probe does not build anyway (tokio
/// and async-executor come with the matrix's cases), nor code on the paths the cold and plain
/// warm figures time.
const REACH: &str = "portal,tokio-compat";

/// A configuration of the measurement binary: which of the facade's features it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Config {
    /// The facade's default features.
    Default,
    /// The defaults plus one backend's feature, and [`REACH`].
    Feature(&'static str),
    /// Every feature of the facade.
    All,
}

impl Config {
    /// The configuration `backend` is measured in.
    pub(crate) fn of(backend: Backend) -> Config {
        Config::Feature(backend.feature())
    }

    /// Its name in reports and in the path of its executable.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Config::Default => "default",
            Config::Feature(feature) => feature,
            Config::All => "all-features",
        }
    }

    /// The cargo flags that select it.
    fn cargo_flags(self) -> Vec<String> {
        match self {
            Config::Default => Vec::new(),
            Config::Feature(feature) => vec!["--features".into(), format!("{feature},{REACH}")],
            Config::All => vec!["--all-features".into()],
        }
    }
}

/// One build, as the report records it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Build {
    /// `default`, a backend feature, or `all-features`.
    pub(crate) config: String,
    /// The cargo flags it was built with, after `cargo build --package oneoff-probe`.
    pub(crate) cargo_flags: String,
    /// Where its executable was copied to.
    pub(crate) executable: PathBuf,
}

/// The built binaries, one per configuration.
#[derive(Debug)]
pub(crate) struct Probes {
    paths: BTreeMap<Config, PathBuf>,
    /// cargo's target directory.
    pub(crate) target: PathBuf,
}

impl Probes {
    /// Builds every configuration that `backends` need, plus `default` and `all-features`
    /// (cargo makes each a no-op when it is fresh).
    pub(crate) fn build(
        root: &Path,
        profile: ProbeProfile,
        backends: &[Backend],
    ) -> anyhow::Result<Probes> {
        let mut configs = vec![Config::Default];
        configs.extend(backends.iter().map(|backend| Config::of(*backend)));
        configs.push(Config::All);
        configs.dedup();
        let mut paths = BTreeMap::new();
        let mut target = None;
        for config in configs {
            if paths.contains_key(&config) {
                continue;
            }
            let built = build(root, profile, config)?;
            // The executable is `<target>/<profile directory>/oneoff-probe`.
            let target = target.get_or_insert_with(|| {
                built
                    .parent()
                    .and_then(Path::parent)
                    .map_or_else(workspace::target_dir, Path::to_owned)
            });
            let kept = target
                .join("oneoff/probes")
                .join(profile_name(profile))
                .join(config.name())
                .join(built.file_name().context("an executable has a file name")?);
            let folder = kept.parent().expect("a file in a folder");
            fs::create_dir_all(folder)
                .with_context(|| format!("could not create {}", folder.display()))?;
            // Copied, not linked: the next build replaces cargo's file under the same name.
            fs::copy(&built, &kept).with_context(|| {
                format!("could not copy {} to {}", built.display(), kept.display())
            })?;
            paths.insert(config, kept);
        }
        Ok(Probes {
            paths,
            target: target.unwrap_or_else(workspace::target_dir),
        })
    }

    /// The binary of `config`, which was built.
    pub(crate) fn path(&self, config: Config) -> &Path {
        self.paths
            .get(&config)
            .unwrap_or_else(|| panic!("the {} probe was not built", config.name()))
    }

    /// Every build, as the report records it.
    pub(crate) fn builds(&self) -> Vec<Build> {
        self.paths
            .iter()
            .map(|(config, path)| Build {
                config: config.name().to_owned(),
                cargo_flags: config.cargo_flags().join(" "),
                executable: path.clone(),
            })
            .collect()
    }

    /// `LD_LIBRARY_PATH` as the user had it, without what `cargo run` added for xtask (the
    /// target folders and the toolchain's libraries). Measured children get this one: with
    /// cargo's entries the dynamic loader searches four more folders for each library at every
    /// start, which added about 10% to a cold sample (against hyperfine's figure in a plain
    /// shell).
    pub(crate) fn users_library_path(&self) -> Option<OsString> {
        let inherited = std::env::var_os("LD_LIBRARY_PATH")?;
        let toolchain =
            std::env::var_os("RUSTUP_HOME").map(|home| PathBuf::from(home).join("toolchains"));
        let kept: Vec<PathBuf> = std::env::split_paths(&inherited)
            .filter(|dir| {
                !dir.starts_with(&self.target) && !dir.starts_with(workspace::root().join("target"))
            })
            .filter(|dir| {
                !toolchain
                    .as_ref()
                    .is_some_and(|toolchains| dir.starts_with(toolchains))
            })
            .filter(|dir| !dir.components().any(|part| part.as_os_str() == "rustlib"))
            .collect();
        if kept.is_empty() {
            None
        } else {
            std::env::join_paths(kept).ok()
        }
    }
}

fn profile_name(profile: ProbeProfile) -> &'static str {
    match profile {
        ProbeProfile::Release => "release",
        ProbeProfile::Dev => "dev",
    }
}

/// Builds `config` and returns the path cargo gave its executable.
fn build(root: &Path, profile: ProbeProfile, config: Config) -> anyhow::Result<PathBuf> {
    let ran = Cmd::new(workspace::cargo())
        .args([
            "build",
            "--profile",
            profile_name(profile),
            "--package",
            "oneoff-probe",
            "--message-format=json-render-diagnostics",
        ])
        .args(config.cargo_flags())
        .dir(root)
        .show_stderr()
        .timeout(Duration::from_secs(3600))
        .run()?;
    if !ran.success() {
        bail!(
            "building the measurement binary ({}) failed: {}",
            config.name(),
            ran.failure()
        );
    }
    // The executable's path comes from cargo itself, so CARGO_TARGET_DIR and friends hold.
    ran.lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line.text).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == "oneoff-probe")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .context("cargo built oneoff-probe but named no executable")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe has a feature of the same name for every feature of the facade, forwarding to
    /// it, so that every configuration can be built.
    #[test]
    fn the_probe_forwards_every_feature_of_the_facade() {
        let features = |crate_dir: &str| -> toml::Table {
            let path = workspace::root().join(crate_dir).join("Cargo.toml");
            let manifest: toml::Table = toml::from_str(&fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            manifest["features"].as_table().cloned().unwrap_or_default()
        };
        let facade = features("crates/async-oneoff");
        let probe = features("crates/oneoff-probe");
        for name in facade.keys() {
            let wanted = format!("async-oneoff/{name}");
            let forwards = probe
                .get(name)
                .and_then(toml::Value::as_array)
                .is_some_and(|list| list.iter().any(|item| item.as_str() == Some(&wanted)));
            assert!(
                forwards,
                "crates/oneoff-probe/Cargo.toml needs `{name} = [\"{wanted}\"]` under [features]"
            );
        }
    }

    #[test]
    fn each_backend_is_measured_with_its_own_feature_and_the_reach() {
        for backend in Backend::ALL {
            let flags = Config::of(*backend).cargo_flags();
            assert_eq!(flags[0], "--features");
            let features: Vec<&str> = flags[1].split(',').collect();
            assert_eq!(
                features,
                [backend.feature(), "portal", "tokio-compat"],
                "{}",
                backend.name()
            );
        }
        assert_eq!(Config::All.name(), "all-features");
    }
}

//! The measurement binary in each build a user makes, and how its processes are started.
//!
//! The builds: the facade's default features (the baseline rows'), one per backend feature (the
//! defaults plus that feature: what a user with that one feature gets; cargo finds the default
//! backend's the same as the defaults' and builds it once), and `all-backends`, whose one
//! binary, `oneoff-probe-reach`, times the portal and `TokioCompat` (they need each backend's
//! runner type). Each is built through cargo in a profile without debug
//! info and copied to a path of its own right after its build (cargo keeps one
//! `oneoff-probe`, which the next build overwrites). Every measured child is started the same
//! way: in the user's environment rather than the one cargo made for xtask, under a time limit.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use oneoff::Backend;
use oneoff_probe::Request;
use serde::{Deserialize, Serialize};

use super::settings::{ProbeProfile, Settings};
use crate::cmd::{Cmd, Ran};
use crate::workspace;

/// The Python reference script, run with `python3 -c`.
const REFERENCE_PY: &str = include_str!("reference.py");

/// A build of the measurement binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ProbeBuild {
    /// The facade's default features.
    Default,
    /// The facade's defaults plus a backend's feature (tokio's two flavours share one).
    Feature(&'static str),
    /// Every backend: the portal and `TokioCompat`.
    AllBackends,
}

impl ProbeBuild {
    /// The build `backend` is measured in.
    pub(crate) fn of(backend: Backend) -> ProbeBuild {
        ProbeBuild::Feature(backend.feature())
    }

    /// Its name in reports and in the path of its executable.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ProbeBuild::Default => "default",
            ProbeBuild::Feature(feature) => feature,
            ProbeBuild::AllBackends => "all-backends",
        }
    }

    /// The cargo flags that select it.
    fn cargo_flags(self) -> String {
        match self {
            ProbeBuild::Default => "--bin oneoff-probe".to_owned(),
            ProbeBuild::Feature(feature) => {
                format!("--bin oneoff-probe --features async-oneoff/{feature}")
            }
            ProbeBuild::AllBackends => {
                "--bin oneoff-probe-reach --features all-backends".to_owned()
            }
        }
    }
}

/// A build by its name.
impl Serialize for ProbeBuild {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.name())
    }
}

/// One build, as the report records it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Built {
    pub(crate) build: ProbeBuild,
    /// The cargo flags after `cargo build --package oneoff-probe`.
    pub(crate) cargo_flags: String,
    /// Where its executable was copied to.
    pub(crate) executable: PathBuf,
    /// The executable's size.
    pub(crate) bytes: u64,
}

/// Builds every build that `backends` need, announcing each as "n of N", and returns them.
pub(crate) fn build(profile: ProbeProfile, backends: &[Backend]) -> anyhow::Result<Vec<Built>> {
    let mut builds = vec![ProbeBuild::Default];
    builds.extend(backends.iter().map(|backend| ProbeBuild::of(*backend)));
    builds.push(ProbeBuild::AllBackends);
    builds.sort_unstable();
    builds.dedup();
    let root = workspace::root();
    let mut built = Vec::new();
    for (index, build) in builds.iter().enumerate() {
        eprintln!(
            "compare: building the measurement binary {} of {} ({}){}",
            index + 1,
            builds.len(),
            build.name(),
            if index == 0 {
                ": the first build compiles every dependency, a few minutes"
            } else {
                ""
            }
        );
        built.push(build_one(&root, profile, *build)?);
    }
    Ok(built)
}

/// The profile's name, and the cargo flags that define it: for `release`, a profile `probe`
/// that inherits it without debug info (quicker to build, a tenth of the disk), in a folder of
/// its own (`target/probe`), so that a probe build neither rebuilds nor overwrites the user's
/// `target/release`; `dev` as the user has it, so that it shares the test builds' dependencies.
fn profile_flags(profile: ProbeProfile) -> (&'static str, Vec<&'static str>) {
    match profile {
        ProbeProfile::Release => (
            "probe",
            vec![
                "--config",
                "profile.probe.inherits=\"release\"",
                "--config",
                "profile.probe.debug=false",
            ],
        ),
        ProbeProfile::Dev => ("dev", Vec::new()),
    }
}

/// Builds `build` and copies its executable to `target/oneoff/probes/<profile>/<build>/`.
fn build_one(root: &Path, profile: ProbeProfile, build: ProbeBuild) -> anyhow::Result<Built> {
    let (profile_name, config) = profile_flags(profile);
    let ran = Cmd::new(workspace::cargo())
        .args(config)
        .args([
            "build",
            "--profile",
            profile_name,
            "--package",
            "oneoff-probe",
        ])
        .args(["--message-format=json-render-diagnostics"])
        .args(build.cargo_flags().split_whitespace())
        .dir(root)
        .show_stderr()
        .timeout(Duration::from_secs(3600))
        .run()?;
    if !ran.success() {
        bail!(
            "building the measurement binary ({}) failed: {}",
            build.name(),
            ran.failure()
        );
    }
    // The executable's path comes from cargo itself, so CARGO_TARGET_DIR and friends hold.
    let cargo_made = ran
        .lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line.text).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["kind"][0] == "bin")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .context("cargo built oneoff-probe but named no executable")?;
    // `<target>/<profile>/oneoff-probe`.
    let target = cargo_made
        .parent()
        .and_then(Path::parent)
        .context("a target folder")?;
    let executable = target
        .join("oneoff/probes")
        .join(profile_name)
        .join(build.name())
        .join(
            cargo_made
                .file_name()
                .context("an executable has a file name")?,
        );
    let folder = executable.parent().expect("a file in a folder");
    fs::create_dir_all(folder).with_context(|| format!("could not create {}", folder.display()))?;
    // Copied, not linked: the next build replaces cargo's file under the same name.
    fs::copy(&cargo_made, &executable).with_context(|| {
        format!(
            "could not copy {} to {}",
            cargo_made.display(),
            executable.display()
        )
    })?;
    Ok(Built {
        build,
        cargo_flags: build.cargo_flags(),
        bytes: fs::metadata(&executable)?.len(),
        executable,
    })
}

/// A python3 found on PATH.
#[derive(Debug)]
pub(crate) struct Python {
    /// The interpreter itself (not a launcher such as a pyenv shim, whose own start-up would
    /// be counted as Python's).
    pub(crate) executable: PathBuf,
    /// Its version.
    pub(crate) version: String,
}

/// The python3 on PATH, or a note saying why there is none.
pub(crate) fn find_python() -> Result<Python, String> {
    let asked = Cmd::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.version.split()[0])",
        ])
        .timeout(Duration::from_secs(30))
        .read();
    match asked {
        Ok(answer) => match answer.lines().collect::<Vec<_>>()[..] {
            [executable, version] => Ok(Python {
                executable: executable.into(),
                version: version.into(),
            }),
            _ => Err(format!(
                "python3 answered {answer:?}; the reference rows are left out"
            )),
        },
        Err(err) => Err(format!(
            "python3 could not be run ({}); the Python reference rows are left out",
            err.root_cause()
        )),
    }
}

/// How every measured child is started: the probe's builds, the user's `LD_LIBRARY_PATH`, the
/// settings, Python, and the progress bar that each finished child moves on.
pub(crate) struct Launcher<'a> {
    executables: BTreeMap<ProbeBuild, PathBuf>,
    library_path: Option<OsString>,
    pub(crate) python: Option<&'a Python>,
    pub(crate) settings: &'a Settings,
    pub(crate) progress: ProgressBar,
}

impl<'a> Launcher<'a> {
    pub(crate) fn new(
        built: &[Built],
        python: Option<&'a Python>,
        settings: &'a Settings,
        progress: ProgressBar,
    ) -> Self {
        let executables = built
            .iter()
            .map(|b| (b.build, b.executable.clone()))
            .collect();
        let target = built
            .first()
            .and_then(|b| b.executable.ancestors().nth(5))
            .map_or_else(workspace::target_dir, Path::to_owned);
        Launcher {
            executables,
            library_path: users_library_path(&target),
            python,
            settings,
            progress,
        }
    }

    /// A probe process of `build` asked for `request`, with `timeout`.
    pub(crate) fn probe(&self, build: ProbeBuild, request: &Request, timeout: Duration) -> Cmd {
        let executable = self
            .executables
            .get(&build)
            .unwrap_or_else(|| panic!("the {} build of the probe was not made", build.name()));
        self.measured(executable)
            .args(request.args())
            .timeout(timeout)
    }

    /// The Python reference script in `mode`, with its arguments.
    pub(crate) fn python(&self, mode: &str, args: &[&str]) -> Cmd {
        let python = self.python.expect("python rows exist only with python");
        self.measured(&python.executable)
            .args(["-c", REFERENCE_PY, mode])
            .args(args)
            .timeout(self.child_timeout())
    }

    /// The time limit of a cold sample or a warm round.
    pub(crate) fn child_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.child_timeout_s)
    }

    /// Runs `cmd` and moves the progress bar on.
    pub(crate) fn run(&self, cmd: Cmd) -> anyhow::Result<Ran> {
        let ran = cmd.run();
        self.progress.inc(1);
        ran
    }

    /// A measured child: `program` in the user's environment, not the one cargo made for xtask.
    fn measured(&self, program: &Path) -> Cmd {
        Cmd::new(program).env("LD_LIBRARY_PATH", self.library_path.as_deref())
    }
}

/// The child's report: its last line of stdout, as JSON.
pub(crate) fn parse_last<T: for<'de> Deserialize<'de>>(ran: &Ran) -> Result<T, String> {
    let line = ran.last_line().unwrap_or_default();
    serde_json::from_str(line).map_err(|err| format!("unreadable report {line:?}: {err}"))
}

/// `LD_LIBRARY_PATH` as the user had it, without what `cargo run` added for xtask (the target
/// folders and the toolchain's libraries). With cargo's entries the dynamic loader searches four
/// more folders for each library at every start, which added about 10% to a cold sample
/// (against hyperfine's figure in a plain shell).
fn users_library_path(target: &Path) -> Option<OsString> {
    let inherited = std::env::var_os("LD_LIBRARY_PATH")?;
    let toolchains =
        std::env::var_os("RUSTUP_HOME").map(|home| PathBuf::from(home).join("toolchains"));
    let kept: Vec<PathBuf> = std::env::split_paths(&inherited)
        .filter(|dir| {
            !dir.starts_with(target) && !dir.starts_with(workspace::root().join("target"))
        })
        .filter(|dir| {
            !toolchains
                .as_ref()
                .is_some_and(|toolchains| dir.starts_with(toolchains))
        })
        .filter(|dir| !dir.components().any(|part| part.as_os_str() == "rustlib"))
        .collect();
    std::env::join_paths(kept)
        .ok()
        .filter(|path| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_is_built_with_its_own_feature_of_the_facade() {
        for backend in Backend::ALL {
            let flags = ProbeBuild::of(*backend).cargo_flags();
            let feature = format!("--features async-oneoff/{}", backend.feature());
            assert_eq!(flags, format!("--bin oneoff-probe {feature}"));
        }
        let all = ProbeBuild::AllBackends.cargo_flags();
        assert_eq!(all, "--bin oneoff-probe-reach --features all-backends");
    }
}

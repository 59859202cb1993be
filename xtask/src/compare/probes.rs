//! The measurement binaries and how their processes are started: the probe with the facade's
//! defaults (the baselines') and with each backend feature added, each copied to a path of its
//! own (the next build overwrites cargo's); the bench targets of the warm figures, every backend
//! in one build; all in one cargo profile, so that the runtimes compile once. Every measured
//! child starts in the user's environment, not the one cargo made for xtask, under a time limit.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use oneoff_probe::Request;
use serde::{Deserialize, Serialize};

use super::settings::{ProbeProfile, Settings, Variant};
use crate::cmd::{Cmd, Ran};
use crate::workspace;
use oneoff_probe::BackendName;

/// The Python reference script, run with `python3 -c`.
const REFERENCE_PY: &str = include_str!("reference.py");

/// A build of a measurement binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Build {
    /// The probe with the facade's default features.
    Default,
    /// The probe with the facade's defaults plus a backend's feature (tokio's two flavours
    /// share one).
    Feature(&'static str),
    /// A bench target of `oneoff-benches` (`benches/benches/<target>.rs`), every backend.
    Bench(&'static str),
}

impl Build {
    /// The probe build `backend` is measured in.
    pub(crate) fn of(backend: BackendName) -> Build {
        Build::Feature(backend.feature())
    }

    /// Its name in reports and in the path of its executable.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Build::Default => "default",
            Build::Feature(name) | Build::Bench(name) => name,
        }
    }
}

/// A build by its name.
impl Serialize for Build {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.name())
    }
}

/// One build, as the report records it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Built {
    pub(crate) build: Build,
    /// The cargo command that built it.
    pub(crate) cargo: String,
    /// Its executable.
    pub(crate) executable: PathBuf,
    /// The executable's size.
    pub(crate) bytes: u64,
}

/// Builds the probe for `backends` and the bench targets of the warm figures.
pub(crate) fn build(profile: ProbeProfile, backends: &[BackendName]) -> anyhow::Result<Vec<Built>> {
    let mut probes = vec![Build::Default];
    probes.extend(backends.iter().map(|backend| Build::of(*backend)));
    probes.sort_unstable();
    probes.dedup();
    let benches = Variant::bench_targets();
    let steps = probes.len() + 1;
    let mut built = Vec::new();
    for (step, build) in (1..).zip(probes) {
        let mut args = vec![
            "build",
            "--package",
            "oneoff-probe",
            "--bin",
            "oneoff-probe",
        ];
        let feature;
        if let Build::Feature(name) = build {
            feature = format!("async-oneoff/{name}");
            args.extend(["--features", &feature]);
        }
        announce(step, steps, &format!("the probe ({})", build.name()));
        let cargo_made = executable(&cargo(profile, &args)?, "oneoff-probe")?;
        let kept = keep(profile, build, &cargo_made)?;
        built.push(Built::new(profile, build, &args, kept)?);
    }
    let mut args = vec!["bench", "--no-run", "--package", "oneoff-benches"];
    args.extend(benches.iter().flat_map(|bench| ["--bench", bench]));
    let what = format!("the benches ({})", benches.join(", "));
    announce(steps, steps, &what);
    let ran = cargo(profile, &args)?;
    for bench in benches {
        let executable = executable(&ran, bench)?;
        built.push(Built::new(profile, Build::Bench(bench), &args, executable)?);
    }
    Ok(built)
}

impl Built {
    /// `build`, made by cargo with `args` in `profile`, at `executable`.
    fn new(
        profile: ProbeProfile,
        build: Build,
        args: &[&str],
        executable: PathBuf,
    ) -> anyhow::Result<Built> {
        Ok(Built {
            build,
            cargo: shown(profile, args),
            bytes: fs::metadata(&executable)?.len(),
            executable,
        })
    }
}

fn announce(step: usize, steps: usize, what: &str) {
    let first = if step == 1 {
        ": the first build compiles every dependency, a minute or more"
    } else {
        ""
    };
    eprintln!("compare: building {step} of {steps}, {what}{first}");
}

/// The cargo command of `args` in `profile`, as the report shows it.
fn shown(profile: ProbeProfile, args: &[&str]) -> String {
    format!(
        "cargo {} --profile {}",
        args.join(" "),
        profile.cargo_name()
    )
}

/// Runs cargo with `args` in `profile`, its progress shown; fails when the build does.
fn cargo(profile: ProbeProfile, args: &[&str]) -> anyhow::Result<Ran> {
    let ran = Cmd::new(workspace::cargo())
        .args(args)
        .args(["--profile", profile.cargo_name()])
        .args(["--message-format=json-render-diagnostics"])
        .dir(&workspace::root())
        .show_stderr()
        .timeout(Duration::from_secs(3600))
        .run()?;
    if !ran.success() {
        bail!("`{}` failed: {}", shown(profile, args), ran.failure());
    }
    Ok(ran)
}

/// The executable of the target `name`, as cargo reported it (so CARGO_TARGET_DIR holds).
fn executable(ran: &Ran, name: &str) -> anyhow::Result<PathBuf> {
    ran.lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == name)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .with_context(|| format!("cargo built {name} but named no executable"))
}

/// Copies a probe's executable to `<target>/oneoff/probes/<profile>/<build>/`, beside it first
/// and renamed over it, so that a run beside this one executing the old file keeps it.
fn keep(profile: ProbeProfile, build: Build, cargo_made: &Path) -> anyhow::Result<PathBuf> {
    // `<target>/<profile>/oneoff-probe`.
    let target = cargo_made.ancestors().nth(2).context("a target folder")?;
    let executable = target
        .join("oneoff/probes")
        .join(profile.cargo_name())
        .join(build.name())
        .join(cargo_made.file_name().context("a file name")?);
    let folder = executable.parent().expect("a file in a folder");
    fs::create_dir_all(folder).with_context(|| format!("could not create {}", folder.display()))?;
    let beside = folder.join(format!(".oneoff-probe.{}", std::process::id()));
    fs::copy(cargo_made, &beside)
        .and_then(|_| fs::rename(&beside, &executable))
        .with_context(|| {
            let (from, to) = (cargo_made.display(), executable.display());
            format!("could not copy {from} to {to}")
        })?;
    Ok(executable)
}

/// A python3 found on PATH.
#[derive(Debug, Serialize)]
pub(crate) struct Python {
    /// The interpreter itself, not a launcher (a pyenv shim) whose start-up would count.
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

/// How every measured child is started, and the progress bar each finished child moves on.
pub(crate) struct Launcher<'a> {
    built: &'a [Built],
    library_path: Option<OsString>,
    /// Where the benches write their figures: a fresh folder of this run's own, removed at its
    /// end, so that neither a user's `cargo bench` results nor another run's are read.
    pub(crate) criterion: tempfile::TempDir,
    pub(crate) python: Option<&'a Python>,
    pub(crate) settings: &'a Settings,
    pub(crate) progress: ProgressBar,
}

impl<'a> Launcher<'a> {
    pub(crate) fn new(
        built: &'a [Built],
        python: Option<&'a Python>,
        settings: &'a Settings,
        progress: ProgressBar,
    ) -> anyhow::Result<Self> {
        // The default probe's `<target>/oneoff/probes/<profile>/default/oneoff-probe`.
        let oneoff = built
            .first()
            .and_then(|b| b.executable.ancestors().nth(4))
            .context("no probe was built")?;
        let target = oneoff.parent().expect("oneoff sits in the target folder");
        let criterion = tempfile::Builder::new()
            .prefix("criterion-")
            .tempdir_in(oneoff)
            .with_context(|| format!("could not create a folder in {}", oneoff.display()))?;
        Ok(Launcher {
            built,
            library_path: users_library_path(target),
            criterion,
            python,
            settings,
            progress,
        })
    }

    /// A probe process of `build` asked for `request`, with `timeout`.
    pub(crate) fn probe(&self, build: Build, request: &Request, timeout: Duration) -> Cmd {
        self.measured(build).args([request.arg()]).timeout(timeout)
    }

    /// The executable of `build`, in the user's environment, not the one cargo made for xtask.
    pub(crate) fn measured(&self, build: Build) -> Cmd {
        let built = self
            .built
            .iter()
            .find(|built| built.build == build)
            .unwrap_or_else(|| panic!("the {} build was not made", build.name()));
        self.in_users_environment(&built.executable)
    }

    /// The Python reference script in `mode`, with its arguments.
    pub(crate) fn python(&self, mode: &str, args: &[&str]) -> Cmd {
        let python = self.python.expect("python rows exist only with python");
        self.in_users_environment(&python.executable)
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

    fn in_users_environment(&self, program: &Path) -> Cmd {
        Cmd::new(program).env("LD_LIBRARY_PATH", self.library_path.as_deref())
    }
}

/// The report of a child that succeeded: its last line of stdout, as JSON.
pub(crate) fn report<T: for<'de> Deserialize<'de>>(ran: &Ran) -> Result<T, String> {
    if !ran.success() {
        return Err(format!("the process failed ({})", ran.failure()));
    }
    parse_last(ran)
}

/// The child's report: its last line of stdout (where the probe and the Python reference put
/// it), as JSON.
pub(crate) fn parse_last<T: for<'de> Deserialize<'de>>(ran: &Ran) -> Result<T, String> {
    let line = ran.lines.last().map_or("", String::as_str);
    serde_json::from_str(line).map_err(|err| format!("unreadable report {line:?}: {err}"))
}

/// `LD_LIBRARY_PATH` as the user had it, without what `cargo run` added for xtask (the target
/// folders and the toolchain's libraries), which the loader would search at every start.
fn users_library_path(target: &Path) -> Option<OsString> {
    let inherited = std::env::var_os("LD_LIBRARY_PATH")?;
    let toolchains =
        std::env::var_os("RUSTUP_HOME").map(|home| PathBuf::from(home).join("toolchains"));
    let added = [target.to_owned(), workspace::root().join("target")];
    let kept: Vec<PathBuf> = std::env::split_paths(&inherited)
        .filter(|dir| {
            !added
                .iter()
                .chain(&toolchains)
                .any(|folder| dir.starts_with(folder))
        })
        .filter(|dir| !dir.components().any(|part| part.as_os_str() == "rustlib"))
        .collect();
    std::env::join_paths(kept)
        .ok()
        .filter(|path| !path.is_empty())
}

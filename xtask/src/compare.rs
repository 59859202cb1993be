//! `cargo xtask compare`: the same `work(arg)` on every backend, each cold sample a fresh
//! process, with results, start-up latency, per-call cost, footprint, timer accuracy and the
//! reactor compatibility matrix side by side, and Python's `asyncio` as a reference.
//!
//! The measuring is done by the `oneoff-probe` binary (built here once, in release mode);
//! this module plans the runs, checks each one, and writes the report. `docs/compare.md` says
//! how to read it.

mod chart;
mod measure;
mod render;
mod report;
mod settings;

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use oneoff::Backend;

use self::settings::{ProbeProfile, Settings};
use crate::cmd::Cmd;
use crate::environment;
use crate::workspace;

/// Flags of `cargo xtask compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Backends to compare, comma-separated [default: all of them]
    #[arg(long, value_name = "NAMES", value_delimiter = ',', value_parser = parse_backend)]
    backends: Vec<Backend>,
    /// Cold samples (fresh processes) per backend, 1 to 2000 [default: 200, 15 with --quick]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=2000))]
    samples: Option<u32>,
    /// The argument of work(arg); the expected result is arg * 100
    #[arg(long, default_value_t = 100)]
    arg: u64,
    /// The delay work(arg) awaits, such as 1ms, 250us or 0s; at most 1s
    #[arg(long, default_value = "1ms", value_parser = parse_delay)]
    delay: Duration,
    /// What to print on stdout; both files are written either way
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A rough pass in a few seconds: fewer samples and shorter warm repetitions
    #[arg(long)]
    quick: bool,
    /// Where to write compare.json, compare.md and compare.svg [default: target/oneoff]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The cargo profile of the measurement binary; `dev` builds quicker (the tests use it),
    /// but its figures are not representative
    #[arg(long, value_enum, value_name = "PROFILE", default_value_t = ProbeProfile::Release)]
    probe_profile: ProbeProfile,
}

/// What `compare` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Tables for the terminal.
    Table,
    /// The JSON report, as written to compare.json.
    Json,
    /// The Markdown report, as written to compare.md.
    Md,
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    name.parse::<Backend>().map_err(|err| err.to_string())
}

fn parse_delay(text: &str) -> Result<Duration, String> {
    let delay = humantime::parse_duration(text).map_err(|err| format!("{err} (try 1ms)"))?;
    if delay > Duration::from_secs(1) {
        return Err(format!(
            "{text} is longer than 1s: every sample waits it, so compare would take hours"
        ));
    }
    Ok(delay)
}

impl Args {
    fn settings(&self) -> Settings {
        let mut backends: Vec<Backend> = Vec::new();
        let wanted = if self.backends.is_empty() {
            Backend::ALL
        } else {
            &self.backends
        };
        for backend in wanted {
            if !backends.contains(backend) {
                backends.push(*backend);
            }
        }
        let samples = self.samples.unwrap_or(if self.quick { 15 } else { 200 });
        Settings {
            backends: backends.iter().map(|b| b.name().to_owned()).collect(),
            samples,
            python_samples: (samples / 4).clamp(1, 50),
            discarded_rounds: 1,
            warm_reps: if self.quick { 5 } else { 11 },
            warm_target_us: if self.quick { 2_000 } else { 10_000 },
            arg: self.arg,
            delay_ns: u64::try_from(self.delay.as_nanos()).expect("at most one second"),
            quick: self.quick,
            child_timeout_s: 20,
            cell_timeout_s: 5,
            probe_profile: self.probe_profile,
            priority: "unchanged".into(),
        }
    }
}

/// Runs the comparison; the exit code is a failure when any backend failed.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let began = Instant::now();
    let mut settings = args.settings();
    let root = workspace::root();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("target/oneoff"));
    let environment = environment::gather(&root)?;
    let probe = build_probe(&root, settings.probe_profile)?;
    let library_path = users_library_path(&probe);
    let python = measure::find_python();
    settings.priority = raise_priority();
    let measured = measure::all(&probe, library_path.as_deref(), python.as_ref(), &settings)?;
    let report = report::Report::new(environment, settings, python, measured);

    fs::create_dir_all(&out_dir)
        .with_context(|| format!("could not create {}", out_dir.display()))?;
    let json = serde_json::to_string_pretty(&report)? + "\n";
    let markdown = render::markdown(&report);
    for (name, text) in [("compare.json", &json), ("compare.md", &markdown)] {
        let path = out_dir.join(name);
        fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))?;
    }
    chart::write(&report, &out_dir.join("compare.svg"))?;
    match args.format {
        Format::Table => print!("{}", render::terminal(&report)),
        Format::Json => print!("{json}"),
        Format::Md => print!("{markdown}"),
    }
    eprintln!(
        "compare took {:.1} s; wrote {}, compare.md and compare.svg",
        began.elapsed().as_secs_f64(),
        out_dir.join("compare.json").display()
    );
    if report.failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for failure in &report.failures {
            eprintln!("error: {failure}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// The nice value the measured children start with, where the OS lets us raise it.
const NICE: i32 = -10;

/// Raises this thread's scheduling priority, which the children it starts inherit, and says
/// what it is now (the report records it). On a shared machine, other people's builds
/// otherwise take the CPU from a cold sample at random moments and move the medians from one
/// run to the next; at a higher priority the children get the CPU first whenever they are
/// runnable (cache and memory contention remain). Without the permission (not root, no
/// CAP_SYS_NICE) nothing changes. On an idle machine it changes nothing either.
fn raise_priority() -> String {
    match rustix::process::setpriority_process(None, NICE) {
        Ok(()) => format!("nice {NICE}"),
        Err(err) => format!("unchanged (raising it was refused: {err})"),
    }
}

/// `LD_LIBRARY_PATH` as the user had it, without what `cargo run` added for xtask (the target
/// folders and the toolchain's libraries). Measured children get this one: with cargo's
/// entries the dynamic loader searches four more folders for each library at every start,
/// which added about 10% to a cold sample (against hyperfine's figure in a plain shell).
fn users_library_path(probe: &std::path::Path) -> Option<std::ffi::OsString> {
    let inherited = std::env::var_os("LD_LIBRARY_PATH")?;
    // The probe is `<target>/<profile>/oneoff-probe`.
    let target = probe.parent()?.parent()?;
    let toolchain =
        std::env::var_os("RUSTUP_HOME").map(|home| PathBuf::from(home).join("toolchains"));
    let kept: Vec<PathBuf> = std::env::split_paths(&inherited)
        .filter(|dir| {
            !dir.starts_with(target) && !dir.starts_with(workspace::root().join("target"))
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

/// Builds the measurement binary (once per run; cargo makes it a no-op when it is fresh) and
/// returns its path.
fn build_probe(root: &std::path::Path, profile: ProbeProfile) -> anyhow::Result<PathBuf> {
    let cargo = workspace::cargo();
    let profile = match profile {
        ProbeProfile::Release => "release",
        ProbeProfile::Dev => "dev",
    };
    let ran = Cmd::new(cargo)
        .args([
            "build",
            "--profile",
            profile,
            "--package",
            "oneoff-probe",
            "--message-format=json-render-diagnostics",
        ])
        .dir(root)
        .show_stderr()
        .timeout(Duration::from_secs(3600))
        .run()?;
    if !ran.success() {
        bail!("building the measurement binary failed: {}", ran.failure());
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

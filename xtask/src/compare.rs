//! `cargo xtask compare`: the same `work(arg)` and `fetch(arg)` (one TCP round trip to a
//! loopback server it starts) on every backend, each cold sample a fresh process, with results,
//! start-up latency, per-call cost, footprint, timer accuracy, the I/O drivers and the reactor
//! compatibility matrix side by side, and Python's `asyncio` as a reference.
//!
//! The measuring is done by the `oneoff-probe` binary (built here once, in release mode);
//! this module plans the runs, checks each one, and writes the report. `docs/compare.md` says
//! how to read it.

mod chart;
mod children;
mod cold;
mod matrix;
mod measure;
mod probes;
mod render;
mod report;
mod settings;
mod text;
mod warm;

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use oneoff::Backend;

use self::measure::Stages;
use self::probes::Probes;
use self::settings::{ProbeProfile, Settings};
use crate::environment;
use crate::workspace;

/// The time budget of a default run, in cold samples: the Rust rows (the baseline and each
/// backend, on each workload) share this many, each row between [`MIN_SAMPLES`] and
/// [`MAX_SAMPLES`], so that more backends cost fewer samples each rather than a longer run
/// (docs/compare.md).
const COLD_SAMPLES: u32 = 1600;
/// The fewest default cold samples of a Rust row: below it, the 95% interval of a paired
/// difference grows past the gaps between the lighter backends (docs/compare.md).
const MIN_SAMPLES: u32 = 100;
/// The most default cold samples of a Rust row.
const MAX_SAMPLES: u32 = 200;
/// The most cold samples of a Python row (a quarter of the Rust rows' otherwise): a Python
/// process takes 30-40 times longer to start, and its rows are a reference.
const MAX_PYTHON_SAMPLES: u32 = 30;
/// Cold samples per row with `--quick`.
const QUICK_SAMPLES: u32 = 15;
/// The most calls in one timed batch of a warm `fetch` process. A loopback round trip takes
/// tens of µs, so a batch of ~5 ms holds about a hundred; the cap only bounds the connections
/// the loopback server is asked for.
const WARM_FETCH_MAX_CALLS: u64 = 500;

/// Flags of `cargo xtask compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Backends to compare, comma-separated [default: all of them]
    #[arg(long, value_name = "NAMES", value_delimiter = ',', value_parser = parse_backend)]
    backends: Vec<Backend>,
    /// Cold samples (fresh processes) per row, 1 to 2000 [default: 1600 shared by the baseline
    /// and the backends on both workloads, 100 to 200 a row (100 with every backend); 15 with
    /// --quick]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=2000))]
    samples: Option<u32>,
    /// The argument of work(arg) and fetch(arg); the expected result is arg * 100
    #[arg(long, default_value_t = 100)]
    arg: u64,
    /// The delay work(arg) awaits, such as 1ms, 250us or 0s; at most 1s
    #[arg(long, default_value = "1ms", value_parser = parse_delay)]
    delay: Duration,
    /// What to print on stdout; both files are written either way
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A rough pass in a few seconds: fewer samples and shorter warm rounds
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
    /// The backends asked for, each once, in the order given (or `Backend::ALL`).
    fn backends(&self) -> Vec<Backend> {
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
        backends
    }

    fn settings(&self) -> Settings {
        let backends = self.backends();
        // The baseline and each backend, once per workload.
        let rust_rows = 2 * (backends.len() as u32 + 1);
        let samples = self.samples.unwrap_or(if self.quick {
            QUICK_SAMPLES
        } else {
            default_samples(rust_rows)
        });
        Settings {
            backends: backends.iter().map(|b| b.name().to_owned()).collect(),
            samples,
            python_samples: (samples / 4).clamp(1, MAX_PYTHON_SAMPLES),
            discarded_rounds: 1,
            warm_rounds: if self.quick { 3 } else { 5 },
            warm_reps: if self.quick { 2 } else { 3 },
            warm_target_us: if self.quick { 2_000 } else { 5_000 },
            warm_fetch_max_calls: WARM_FETCH_MAX_CALLS,
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

/// Cold samples per Rust row by default: [`COLD_SAMPLES`] shared by `rust_rows`, each row
/// between [`MIN_SAMPLES`] and [`MAX_SAMPLES`].
fn default_samples(rust_rows: u32) -> u32 {
    (COLD_SAMPLES / rust_rows.max(1)).clamp(MIN_SAMPLES, MAX_SAMPLES)
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
    let mut took = Stages::default();
    let probes = measure::timed(&mut took.build_s, || {
        Probes::build(&root, settings.probe_profile, &args.backends())
    })?;
    let library_path = probes.users_library_path();
    let python = children::find_python();
    settings.priority = raise_priority();
    let measured = measure::all(
        &probes,
        library_path.as_deref(),
        python.as_ref(),
        &settings,
        took,
    )?;
    let report = report::Report::new(environment, settings, probes.builds(), python, measured);

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
    let took = &report.took;
    eprintln!(
        "compare took {:.1} s (build {:.1} s, cold {:.1} s, warm {:.1} s, matrix {:.1} s); wrote {}, \
         compare.md and compare.svg",
        began.elapsed().as_secs_f64(),
        took.build_s,
        took.cold_s,
        took.warm_s,
        took.matrix_s,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_rows_take_fewer_samples_each_down_to_a_floor() {
        assert_eq!(default_samples(7), 200);
        assert_eq!(default_samples(8), 200);
        assert_eq!(default_samples(13), 123);
        assert!(13 * default_samples(13) <= COLD_SAMPLES);
        assert_eq!(default_samples(30), MIN_SAMPLES);
    }

    /// The flags of `compare` alone.
    #[derive(Debug, clap::Parser)]
    struct Flags {
        #[command(flatten)]
        args: Args,
    }

    fn settings(flags: &[&str]) -> Settings {
        let words = std::iter::once("compare").chain(flags.iter().copied());
        <Flags as clap::Parser>::try_parse_from(words)
            .expect("valid flags")
            .args
            .settings()
    }

    #[test]
    fn every_backend_on_both_workloads_takes_the_floor() {
        let settings = settings(&[]);
        assert_eq!(settings.backends.len(), Backend::ALL.len());
        // The baseline and each backend, on work and on fetch.
        let rows = 2 * (Backend::ALL.len() as u32 + 1);
        assert_eq!(settings.samples, default_samples(rows));
        assert_eq!(settings.samples, MIN_SAMPLES, "{rows} rows");
        assert_eq!(settings.python_samples, MIN_SAMPLES / 4);
        assert_eq!(self::settings(&["--quick"]).samples, QUICK_SAMPLES);
        // Two backends: six rows share the budget, up to the ceiling.
        assert_eq!(
            self::settings(&["--backends", "tokio,smol"]).samples,
            MAX_SAMPLES
        );
    }
}

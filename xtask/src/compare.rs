//! `cargo xtask compare`: the same `work(arg)` and `fetch(arg)` (one TCP round trip to a
//! loopback server) on every backend, with Python's `asyncio` as a reference, and first of all a
//! verdict: for each situation a user is in, the backend this run recommends.
//!
//! The `oneoff-probe` binary (one build per backend) measures the cold samples and the matrix,
//! the benches measure the warm figures; this module plans the runs, checks each one and writes
//! the report. `docs/compare.md` says how to read it.

mod chart;
mod cold;
mod matrix;
mod probes;
mod render;
mod report;
mod settings;
mod spread;
mod text;
mod verdict;
mod warm;

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use oneoff_probe::{Drivers, Request};
use oneoff_workloads::fetch::LoopbackServer;

use self::probes::{Build, Built, Launcher, Python, parse_last};
use self::report::{Measured, Report, ServerUse, Stages};
use self::settings::{ProbeProfile, Settings};
use crate::backends::{self, BackendName};
use crate::{environment, workspace};

/// The cold samples that the Rust rows of a default run share, each row between
/// [`MIN_SAMPLES`] and [`MAX_SAMPLES`]: more backends cost fewer samples each, not a longer run.
const COLD_SAMPLES: u32 = 1600;
/// The fewest default cold samples of a Rust row: below it, the 95% interval of a paired
/// difference grows past the gaps between the lighter backends.
const MIN_SAMPLES: u32 = 100;
/// The most default cold samples of a Rust row.
const MAX_SAMPLES: u32 = 200;
/// The most cold samples of a Python row (otherwise a quarter of the Rust rows'): its process
/// starts 30-40 times slower, and it is a reference.
const MAX_PYTHON_SAMPLES: u32 = 30;
/// Cold samples per row with `--quick`.
const QUICK_SAMPLES: u32 = 15;
/// How long the loopback server answers at most: far past any run that does not hang.
const SERVER_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Flags of `cargo xtask compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct CompareArgs {
    /// Backends to compare, comma-separated [default: all of them]
    #[arg(long, value_name = "NAMES", value_delimiter = ',', value_parser = backends::parse)]
    backends: Vec<BackendName>,
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
    /// A rough pass in a few seconds: fewer samples and shorter benchmarks
    #[arg(long)]
    quick: bool,
    /// Where to write compare.json, compare.md and compare.svg [default: target/oneoff]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The cargo profile of the measurement binaries; `dev` builds quicker (the tests use it),
    /// but its figures are not representative
    #[arg(long, value_enum, value_name = "PROFILE", default_value_t = ProbeProfile::Release)]
    probe_profile: ProbeProfile,
}

/// What `compare` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// The verdict and the tables, for the terminal.
    Table,
    /// The JSON report, as written to compare.json.
    Json,
    /// The Markdown report, as written to compare.md.
    Md,
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

impl CompareArgs {
    /// The backends asked for, each once, in the order given (or the whole list).
    fn backends(&self) -> Vec<BackendName> {
        let wanted = if self.backends.is_empty() {
            BackendName::ALL
        } else {
            &self.backends
        };
        backends::each_once(wanted.iter().copied())
    }

    /// The settings of a run of `backends` whose children run at `priority`.
    fn settings(&self, backends: Vec<BackendName>, priority: String) -> Settings {
        let rust_rows = 2 * (backends.len() as u32 + 1);
        let samples = self.samples.unwrap_or(if self.quick {
            QUICK_SAMPLES
        } else {
            (COLD_SAMPLES / rust_rows).clamp(MIN_SAMPLES, MAX_SAMPLES)
        });
        Settings {
            backends,
            samples,
            python_samples: (samples / 4).clamp(1, MAX_PYTHON_SAMPLES),
            discarded_rounds: 1,
            bench_warm_up_ms: if self.quick { 30 } else { 200 },
            bench_measurement_ms: if self.quick { 60 } else { 500 },
            bench_samples: if self.quick { 10 } else { 20 },
            python_warm_rounds: if self.quick { 3 } else { 5 },
            python_warm_reps: if self.quick { 2 } else { 3 },
            python_warm_target_us: if self.quick { 2_000 } else { 5_000 },
            arg: self.arg,
            delay_ns: u64::try_from(self.delay.as_nanos()).expect("at most one second"),
            quick: self.quick,
            child_timeout_s: 20,
            cell_timeout_s: 5,
            probe_profile: self.probe_profile,
            priority,
        }
    }
}

/// Runs the comparison; the exit code is a failure when any backend failed.
pub(crate) fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let began = Instant::now();
    let root = workspace::root();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("target/oneoff"));
    let environment = environment::gather(&root)?;
    let backends = args.backends();
    let mut took = Stages::default();
    let builds = timed(&mut took.build_s, || {
        probes::build(args.probe_profile, &backends)
    })?;
    let python = probes::find_python();
    let settings = args.settings(backends, raise_priority());
    let measured = measure(&builds, python.as_ref().ok(), &settings, took)?;
    let report = Report::new(environment, settings, builds, python, measured);

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
    for failure in &report.failures {
        eprintln!("error: {failure}");
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs every measurement: cold samples, warm figures, the matrix, the drivers, with a loopback
/// server for the `fetch` processes, bounded in connections and lifetime.
fn measure(
    builds: &[Built],
    python: Option<&Python>,
    settings: &Settings,
    mut took: Stages,
) -> anyhow::Result<Measured> {
    let backends = &settings.backends;
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:<40} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let launch = Launcher::new(builds, python, settings, progress)?;
    let mut cold_rows = cold::rows(backends, python.is_some());
    let (cold_all, cold_fetches) = cold::processes(&cold_rows, &launch);
    let (matrix_all, matrix_fetches) = matrix::processes(backends);
    let total = cold_all + warm::processes(&launch) + matrix_all + 1;
    launch.progress.set_length(total);
    let max_connections = cold_fetches + matrix_fetches;
    let server = LoopbackServer::start(max_connections, SERVER_LIFETIME)
        .context("could not start the loopback server for fetch(arg) on 127.0.0.1")?;

    launch.progress.set_message("cold start, fresh processes");
    timed(&mut took.cold_s, || {
        cold::measure(&launch, &mut cold_rows, server.addr())
    })?;
    launch.progress.set_message("warm, the benches");
    let warm = timed(&mut took.warm_s, || warm::measure(&launch, backends))?;
    launch.progress.set_message("reactor compatibility");
    let matrix = timed(&mut took.matrix_s, || {
        matrix::measure(&launch, backends, server.addr())
    })?;
    let asked = launch.probe(Build::Default, &Request::Drivers, launch.child_timeout());
    let mut drivers: Drivers = parse_last(&launch.run(asked)?).unwrap_or_default();
    drivers.retain(|name, _| backends.iter().any(|b| b.name() == name));
    launch.progress.finish_and_clear();
    Ok(Measured {
        cold: cold::summarise(&cold_rows, oneoff_workloads::answer(settings.arg)),
        warm,
        matrix,
        drivers,
        took,
        server: ServerUse {
            max_connections,
            lifetime_s: SERVER_LIFETIME.as_secs(),
            served: server.stop(),
        },
    })
}

/// Runs `stage`, writing how long it took, in seconds to the millisecond, into `seconds`.
fn timed<T>(seconds: &mut f64, stage: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = stage();
    *seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    result
}

/// The nice value the measured children start with, where the OS lets us raise it.
const NICE: i32 = -10;

/// Raises this thread's scheduling priority, which its children inherit, so that other work on
/// a shared machine takes the CPU from a cold sample less often; says what it is now. Without
/// the permission (not root, no CAP_SYS_NICE) nothing changes.
fn raise_priority() -> String {
    match rustix::process::setpriority_process(None, NICE) {
        Ok(()) => format!("nice {NICE}"),
        Err(err) => format!("unchanged (raising it was refused: {err})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags of `compare` alone.
    #[derive(Debug, clap::Parser)]
    struct Flags {
        #[command(flatten)]
        args: CompareArgs,
    }

    fn settings(flags: &[&str]) -> Settings {
        let words = std::iter::once("compare").chain(flags.iter().copied());
        let args = <Flags as clap::Parser>::try_parse_from(words)
            .expect("valid flags")
            .args;
        args.settings(args.backends(), String::new())
    }

    #[test]
    fn every_backend_on_both_workloads_takes_the_floor_of_samples() {
        let all = settings(&[]);
        assert_eq!(all.backends, BackendName::ALL);
        assert_eq!(
            all.samples,
            MIN_SAMPLES,
            "{} rows",
            2 * (BackendName::ALL.len() + 1)
        );
        assert_eq!(all.python_samples, MIN_SAMPLES / 4);
        assert_eq!(settings(&["--quick"]).samples, QUICK_SAMPLES);
        // Two backends: six rows share the budget, up to the ceiling.
        let two = settings(&["--backends", "tokio,smol,tokio"]);
        assert_eq!(two.samples, MAX_SAMPLES);
        assert_eq!(two.backends.len(), 2, "each backend once");
    }
}

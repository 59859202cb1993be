//! The record of a benchmark run that `cargo xtask bench-report` pairs figures by.
//!
//! Criterion keeps one `new/estimates.json` per benchmark and overwrites it whenever that
//! benchmark runs again, so after a filtered rerun the figures of a oneoff variant and of its
//! direct twin can come from two different runs. Each group therefore writes, while
//! benchmarking (not in `cargo test --benches`), one file
//! `<criterion>/oneoff-runs/<run>-<group>.json`: the run (process) id, the order seed, the
//! order the benchmarks ran in, the identical twins, and, for every benchmark criterion really
//! ran, the modification time of the `estimates.json` it wrote. `bench-report` reads a figure
//! as belonging to a run only when its file still has that time.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Names the shape of the run records.
const SCHEMA: &str = "oneoff-bench-run/1";

/// The environment variable that fixes the order seed: the same seed gives the same order.
pub const SEED_ENV: &str = "ONEOFF_BENCH_SEED";

/// What one bench process shares between its groups.
#[derive(Debug)]
pub(crate) struct Session {
    /// The order seed.
    pub(crate) seed: u64,
    /// This process's run: its start (Unix milliseconds) and pid.
    pub(crate) run: String,
    /// Criterion's output directory, when this process is benchmarking (not testing or
    /// listing): only then are records written.
    pub(crate) criterion: Option<PathBuf>,
    /// Where the benches run, when they do.
    pub(crate) host: Option<Host>,
}

impl Session {
    /// The session of this process, made at its first use.
    pub(crate) fn get() -> &'static Session {
        static SESSION: OnceLock<Session> = OnceLock::new();
        SESSION.get_or_init(|| {
            let now = unix_ns(SystemTime::now());
            let seed = match std::env::var(SEED_ENV) {
                Ok(text) => text.trim().parse().unwrap_or_else(|_| {
                    eprintln!("{SEED_ENV}={text:?} is not a number: unset it or give a u64");
                    std::process::exit(2)
                }),
                Err(_) => now,
            };
            let criterion = benchmarking().then(criterion_directory);
            if criterion.is_some() {
                eprintln!(
                    "oneoff-benches: order seed {seed} ({SEED_ENV}={seed} repeats this order)"
                );
            }
            Session {
                seed,
                run: format!("{}-{}", now / 1_000_000, std::process::id()),
                host: criterion.is_some().then(Host::here),
                criterion,
            }
        })
    }

    /// When criterion last wrote the estimates of benchmark `id`, if it has.
    pub(crate) fn estimates_written(&self, id: &str) -> Option<u64> {
        let path = self.criterion.as_ref()?.join(id).join("new/estimates.json");
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        Some(unix_ns(modified))
    }

    /// Writes `record` beside criterion's output; a record that cannot be written is reported
    /// and skipped (bench-report then treats its figures as unpaired).
    pub(crate) fn write(&self, record: &Record) {
        let Some(criterion) = &self.criterion else {
            return;
        };
        let folder = criterion.join("oneoff-runs");
        let path = folder.join(format!("{}-{}.json", record.run, record.group));
        let written = std::fs::create_dir_all(&folder).and_then(|()| {
            let text = serde_json::to_string_pretty(record).expect("a record is plain data");
            std::fs::write(&path, text + "\n")
        });
        if let Err(err) = written {
            eprintln!("oneoff-benches: could not write {}: {err}", path.display());
        }
    }
}

/// One group's run: written by the benches while they run, read by `bench-report`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) schema: String,
    pub(crate) run: String,
    pub(crate) group: String,
    pub(crate) seed: u64,
    /// Whether the quick mode was on (`ONEOFF_BENCH_QUICK`).
    pub(crate) quick: bool,
    pub(crate) started_unix_ns: u64,
    pub(crate) finished_unix_ns: u64,
    /// Every benchmark id of the group, in the order they ran (or were skipped by a filter).
    pub(crate) order: Vec<String>,
    /// The benchmarks criterion really ran, each with the time of the estimates it wrote.
    pub(crate) measured: Vec<MeasuredBench>,
    /// Pairs of ids that are the same call measured twice.
    pub(crate) twins: Vec<[String; 2]>,
    /// The machine and revision it ran on (absent in records written before hosts were).
    #[serde(default)]
    pub(crate) host: Option<Host>,
}

/// The machine and the code behind a run's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Host {
    /// The CPU model, as the OS names it.
    pub(crate) cpu: String,
    /// Cores available to the bench process.
    pub(crate) cores: usize,
    /// The git revision, `-dirty` with uncommitted changes.
    pub(crate) revision: String,
}

impl Host {
    /// This machine, and the revision of the checkout the benches run in.
    fn here() -> Host {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_owned())
        });
        let git = |args: &[&str]| {
            let output = Command::new("git").args(args).output().ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        };
        let changes = git(&["status", "--porcelain", "--untracked-files=no"]);
        let revision = match (git(&["rev-parse", "--short=12", "HEAD"]), changes) {
            (Some(revision), Some(changes)) if changes.is_empty() => revision,
            (Some(revision), Some(_)) => format!("{revision}-dirty"),
            _ => "unknown".to_owned(),
        };
        Host {
            cpu: cpu.unwrap_or_else(|| "unknown".to_owned()),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            revision,
        }
    }
}

impl Record {
    /// A record of `group` that starts now.
    pub(crate) fn new(session: &Session, group: &str, quick: bool) -> Record {
        Record {
            schema: SCHEMA.to_owned(),
            run: session.run.clone(),
            group: group.to_owned(),
            seed: session.seed,
            quick,
            started_unix_ns: unix_ns(SystemTime::now()),
            finished_unix_ns: 0,
            order: Vec::new(),
            measured: Vec::new(),
            twins: Vec::new(),
            host: session.host.clone(),
        }
    }
}

/// A benchmark criterion ran, and when it wrote its estimates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MeasuredBench {
    pub(crate) id: String,
    pub(crate) estimates_mtime_ns: u64,
}

pub(crate) fn unix_ns(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

/// Whether criterion measures in this process, by its own rule: `cargo bench` passes
/// `--bench`; `--test`, `--list` and `--profile-time` do not measure.
fn benchmarking() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|arg| arg == "--bench")
        && !args
            .iter()
            .any(|arg| arg == "--test" || arg == "--list" || arg.starts_with("--profile-time"))
}

/// Criterion's output directory, found as criterion finds it: `CRITERION_HOME`, else
/// `criterion` in the target directory (`CARGO_TARGET_DIR`, else `cargo metadata`'s), else
/// `target/criterion`.
pub(crate) fn criterion_directory() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let output = Command::new(std::env::var_os("CARGO")?)
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .output()
                .ok()?;
            let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
            metadata["target_directory"].as_str().map(PathBuf::from)
        });
    target.map_or_else(
        || PathBuf::from("target/criterion"),
        |t| t.join("criterion"),
    )
}

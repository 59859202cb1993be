//! What one `compare` run measures and how, resolved from the flags, and who its rows measure:
//! the part of the run that every stage reads and the report records.

use serde::{Deserialize, Serialize};

use oneoff_probe::BackendName;

/// The cargo profile the measurement binaries (the probe's and the benches') are built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProbeProfile {
    /// Optimised, as users ship, without debug info (cargo's profile `probe`, in
    /// `.cargo/config.toml`): the only profile whose figures mean something.
    Release,
    /// Unoptimised: quick to build, for checking that compare works.
    Dev,
}

impl ProbeProfile {
    /// Its name on cargo's command line.
    pub(crate) fn cargo_name(self) -> &'static str {
        match self {
            ProbeProfile::Release => "probe",
            ProbeProfile::Dev => "dev",
        }
    }
}

/// A warm call: one of the benches' benchmarks (`<group>/<backend>/<variant>`, criterion's id),
/// or the same call in Python's reference, whose report names it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Variant {
    /// A fresh runtime per call on a future that yields once, `yield1/<backend>/oneshot`
    /// (Python: `asyncio.run`).
    OneShotYield,
    /// A kept runner, `yield1/<backend>/reused` (Python: `asyncio.Runner`).
    ReusedYield,
    /// A ready future sent from another thread to a `BlockingPortal`, its output handed back,
    /// `portal/<backend>/call` (Python: `run_coroutine_threadsafe` to a loop on another thread).
    PortalCall,
    /// A ready future, one-shot, `compat/<backend>/oneshot`: the plain twin of the next.
    OneShotReady,
    /// The same in `TokioCompat`, `compat/<backend>/compat-oneshot`.
    CompatOneShotReady,
    /// A ready future on a kept runner, `compat/<backend>/reused`: the plain twin of the next.
    ReusedReady,
    /// The same on a kept `TokioCompat` runner, `compat/<backend>/compat-reused`.
    CompatReusedReady,
}

impl Variant {
    /// Every variant, in the order of the tables.
    pub(crate) const ALL: [Variant; 7] = [
        Variant::OneShotYield,
        Variant::ReusedYield,
        Variant::PortalCall,
        Variant::OneShotReady,
        Variant::CompatOneShotReady,
        Variant::ReusedReady,
        Variant::CompatReusedReady,
    ];

    /// The bench target (`benches/benches/<target>.rs`), its criterion group and the variant's
    /// part of the id.
    pub(crate) fn bench(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Variant::OneShotYield => ("yield", "yield1", "oneshot"),
            Variant::ReusedYield => ("yield", "yield1", "reused"),
            Variant::PortalCall => ("portal", "portal", "call"),
            Variant::OneShotReady => ("portal", "compat", "oneshot"),
            Variant::CompatOneShotReady => ("portal", "compat", "compat-oneshot"),
            Variant::ReusedReady => ("portal", "compat", "reused"),
            Variant::CompatReusedReady => ("portal", "compat", "compat-reused"),
        }
    }

    /// The bench targets of [`Variant::ALL`], each once: what compare builds and runs.
    pub(crate) fn bench_targets() -> Vec<&'static str> {
        let mut targets: Vec<&str> = Variant::ALL.iter().map(|v| v.bench().0).collect();
        targets.dedup();
        targets
    }

    /// Its title in the report's tables.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Variant::OneShotYield => "one-shot",
            Variant::ReusedYield => "reused runner",
            Variant::PortalCall => "portal call",
            Variant::OneShotReady => "one-shot, ready",
            Variant::CompatOneShotReady => "one-shot, ready, in TokioCompat",
            Variant::ReusedReady => "reused runner, ready",
            Variant::CompatReusedReady => "reused runner, ready, in TokioCompat",
        }
    }
}

/// What a row runs: the two workloads of `oneoff-workloads`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Workload {
    /// `work(arg)`: two lines around an awaited delay.
    Work,
    /// `fetch(arg)`: one TCP round trip to the loopback server that `compare` starts.
    Fetch,
}

/// What a row measures: the probe without async code, a backend, or Python; compare.json names
/// its kind: `baseline`, `backend`, `python-baseline` or `python`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The probe with no async code: for `work`, the same two lines around a thread sleep;
    /// for `fetch`, the same round trip with blocking `std::net`.
    Baseline,
    /// A backend of the facade, in its own build.
    Backend(BackendName),
    /// Python with no asyncio: Python's own baseline.
    PythonPlain,
    /// Python's `asyncio.run` (warm: asyncio, `run` and `Runner`).
    PythonRun,
    /// Python's `asyncio.Runner`, used for one call.
    PythonRunner,
}

impl Subject {
    /// The row's name in the report (a backend's rows of both workloads share its name).
    pub(crate) fn name(self, workload: Workload) -> &'static str {
        match (self, workload) {
            (Subject::Baseline, Workload::Work) => "baseline (no async)",
            (Subject::Baseline, Workload::Fetch) => "baseline (std::net)",
            (Subject::Backend(backend), _) => backend.name(),
            (Subject::PythonPlain, _) => "python (no asyncio)",
            (Subject::PythonRun, _) => "python asyncio.run",
            (Subject::PythonRunner, _) => "python asyncio.Runner",
        }
    }

    /// The row every row of this subject is measured against: Rust's baseline or Python's.
    pub(crate) fn baseline(self) -> Subject {
        match self {
            Subject::Baseline | Subject::Backend(_) => Subject::Baseline,
            _ => Subject::PythonPlain,
        }
    }

    /// The backend, for a backend's row.
    pub(crate) fn backend(self) -> Option<BackendName> {
        match self {
            Subject::Backend(backend) => Some(backend),
            _ => None,
        }
    }

    /// Whether it is a reference row, Python's: those never fail the command.
    pub(crate) fn is_python(self) -> bool {
        !matches!(self, Subject::Baseline | Subject::Backend(_))
    }
}

/// A subject by its kind.
impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(match self {
            Subject::Baseline => "baseline",
            Subject::Backend(_) => "backend",
            Subject::PythonPlain => "python-baseline",
            Subject::PythonRun | Subject::PythonRunner => "python",
        })
    }
}

/// How much to measure, resolved from the flags.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Settings {
    /// The backends, in the order given (or the whole list), each once.
    pub(crate) backends: Vec<BackendName>,
    /// Cold samples per Rust row, after the discarded warm-up round.
    pub(crate) samples: u32,
    /// Cold samples per Python row (a Python process takes ten times longer to start).
    pub(crate) python_samples: u32,
    /// Rounds of cold samples run first and discarded (page cache, CPU frequency).
    pub(crate) discarded_rounds: u32,
    /// The benches' warm-up time per benchmark, in milliseconds (criterion's `--warm-up-time`).
    pub(crate) bench_warm_up_ms: u64,
    /// The benches' measurement time per benchmark, in milliseconds.
    pub(crate) bench_measurement_ms: u64,
    /// The benches' samples per benchmark: a warm figure is their median, its spread their
    /// range.
    pub(crate) bench_samples: u32,
    /// Python's warm rounds, each a process: its figure is their median, its spread their range.
    pub(crate) python_warm_rounds: u32,
    /// Timed batches of calls in each warm Python process; the process reports their median.
    pub(crate) python_warm_reps: u32,
    /// How long one batch of a warm Python process takes, in microseconds.
    pub(crate) python_warm_target_us: u64,
    /// The argument of work(arg) and fetch(arg).
    pub(crate) arg: u64,
    /// The delay work(arg) awaits, in nanoseconds.
    pub(crate) delay_ns: u64,
    /// Whether this is a `--quick` pass.
    pub(crate) quick: bool,
    /// The time limit of one cold or warm child process, in seconds.
    pub(crate) child_timeout_s: u64,
    /// The time limit of one matrix cell, in seconds; a cell still running then is `hung`.
    pub(crate) cell_timeout_s: u64,
    /// The cargo profile of the measurement binaries.
    pub(crate) probe_profile: ProbeProfile,
    /// The scheduling priority the measured children ran at.
    pub(crate) priority: String,
}

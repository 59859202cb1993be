//! What one `compare` run measures and how, resolved from the flags, and who its rows measure:
//! the part of the run that every stage reads and the report records.

use oneoff::Backend;
use oneoff_workloads::fetch::Stack;
use serde::{Serialize, Serializer};

/// The cargo profile the measurement binary is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProbeProfile {
    /// Optimised, as users ship, without debug info: the only profile whose figures mean
    /// something.
    Release,
    /// Unoptimised: quick to build, for checking that compare works.
    Dev,
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

/// What a row measures: the probe without async code, a backend, or Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The probe with no async code: for `work`, the same two lines around a thread sleep;
    /// for `fetch`, the same round trip with blocking `std::net`.
    Baseline,
    /// A backend of the facade, in its own build.
    Backend(Backend),
    /// Python with no asyncio: Python's own baseline.
    PythonPlain,
    /// Python's `asyncio.run` (warm: asyncio, `run` and `Runner`).
    PythonRun,
    /// Python's `asyncio.Runner`, used for one call.
    PythonRunner,
}

/// The kinds of rows; reference rows (Python) never fail the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// The Rust process that runs no async code.
    Baseline,
    /// A oneoff backend.
    Backend,
    /// The Python process that runs no asyncio.
    PythonBaseline,
    /// Python's asyncio.
    Python,
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

    pub(crate) fn kind(self) -> Kind {
        match self {
            Subject::Baseline => Kind::Baseline,
            Subject::Backend(_) => Kind::Backend,
            Subject::PythonPlain => Kind::PythonBaseline,
            Subject::PythonRun | Subject::PythonRunner => Kind::Python,
        }
    }

    /// For `fetch`, the network stack it runs on: the backend's own, or `std::net`.
    pub(crate) fn stack(self, workload: Workload) -> Option<&'static str> {
        match (self, workload) {
            (_, Workload::Work) => None,
            (Subject::Backend(backend), _) => Some(Stack::native(backend.name()).name()),
            _ => Some("std::net"),
        }
    }

    /// The backend, for a backend's row.
    pub(crate) fn backend(self) -> Option<Backend> {
        match self {
            Subject::Backend(backend) => Some(backend),
            _ => None,
        }
    }

    pub(crate) fn is_python(self) -> bool {
        matches!(self.kind(), Kind::Python | Kind::PythonBaseline)
    }
}

/// How much to measure, resolved from the flags.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Settings {
    /// The backends, in the order given (or `Backend::ALL`), each once.
    #[serde(serialize_with = "names")]
    pub(crate) backends: Vec<Backend>,
    /// Cold samples per Rust row, after the discarded warm-up round.
    pub(crate) samples: u32,
    /// Cold samples per Python row (a Python process takes ten times longer to start).
    pub(crate) python_samples: u32,
    /// Rounds of cold samples run first and discarded (page cache, CPU frequency).
    pub(crate) discarded_rounds: u32,
    /// Warm rounds: each starts one process per warm row; a row's figure is the median over
    /// its rounds, its spread their range.
    pub(crate) warm_rounds: u32,
    /// Timed batches of calls in each warm process, per variant; the process reports their
    /// median.
    pub(crate) warm_reps: u32,
    /// How long one batch takes, in microseconds.
    pub(crate) warm_target_us: u64,
    /// The most calls in one batch of a warm `fetch` process, so that the loopback server's
    /// bound on connections can be computed before the run.
    pub(crate) warm_fetch_max_calls: u64,
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
    /// The cargo profile of the measurement binary.
    pub(crate) probe_profile: ProbeProfile,
    /// The scheduling priority the measured children ran at.
    pub(crate) priority: String,
}

/// Backends by their names, as reports show them.
pub(crate) fn names<S: Serializer>(backends: &[Backend], out: S) -> Result<S::Ok, S::Error> {
    out.collect_seq(backends.iter().map(|backend| backend.name()))
}

/// A backend by its name, as reports show it.
pub(crate) fn name<S: Serializer>(backend: &Backend, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(backend.name())
}

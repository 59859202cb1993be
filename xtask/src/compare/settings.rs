//! What one `compare` run measures and how, resolved from the flags: the part of the run that
//! every stage reads and the report records.

use oneoff::Backend;
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

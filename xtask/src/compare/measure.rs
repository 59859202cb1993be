//! Running the measurements, in three stages: cold samples (one fresh process each,
//! interleaved across rows), warm per-call figures (rounds interleaved across rows and
//! builds), and the reactor compatibility matrix; each child under a timeout, each result
//! checked. A loopback server answers the `fetch` rows for the whole run, bounded in
//! connections and lifetime, and stopped at its end.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use oneoff::Backend;
use oneoff_workloads::fetch::LoopbackServer;
use serde::Serialize;

use super::children::{Children, Python};
use super::cold::{self, ColdRow, Subject};
use super::matrix::{self, MatrixRow};
use super::probes::Probes;
use super::settings::{Settings, Workload};
use super::warm::{self, WarmRow};

/// How long the loopback server answers at most: far past any run (a default one takes about
/// a minute), so that only a hung `compare` outlives it.
const SERVER_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Everything measured.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) cold: Vec<ColdRow>,
    pub(crate) warm: Vec<WarmRow>,
    pub(crate) matrix: Vec<MatrixRow>,
    pub(crate) took: Stages,
    pub(crate) server: ServerUse,
}

/// The loopback server's bounds and what it served.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct ServerUse {
    /// The most connections it would accept: what the planned `fetch` samples, warm batches
    /// and matrix cells can make at most.
    pub(crate) max_connections: u64,
    /// How long it would answer at most, in seconds.
    pub(crate) lifetime_s: u64,
    /// The connections it served.
    pub(crate) served: u64,
}

/// How long each stage took, in seconds, so that the time budget can be checked.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct Stages {
    /// Building (or finding fresh) the measurement binary in every configuration.
    pub(crate) build_s: f64,
    pub(crate) cold_s: f64,
    pub(crate) warm_s: f64,
    pub(crate) matrix_s: f64,
}

/// Runs every measurement the settings ask for.
pub(crate) fn all(
    probes: &Probes,
    library_path: Option<&OsStr>,
    python: Result<&Python, &String>,
    settings: &Settings,
    mut took: Stages,
) -> anyhow::Result<Measured> {
    let backends: Vec<Backend> = settings
        .backends
        .iter()
        .map(|name| name.parse().expect("the flags were checked"))
        .collect();
    let python = python.ok();
    let cold_subjects = cold_subjects(&backends, python.is_some());
    let warm_subjects = warm::subjects(&backends, python.is_some());
    let total = cold::children(settings, &cold_subjects)
        + warm::children(settings, &warm_subjects)
        + matrix::children(&backends);
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg:<28} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let mut server_use = ServerUse {
        max_connections: cold::fetch_connections(settings, &cold_subjects)
            + warm::fetch_connections(settings, &warm_subjects)
            + matrix::fetch_connections(&backends),
        lifetime_s: SERVER_LIFETIME.as_secs(),
        served: 0,
    };
    let server = LoopbackServer::start(server_use.max_connections, SERVER_LIFETIME)
        .context("could not start the loopback server for fetch(arg) on 127.0.0.1")?;
    let children = Children {
        probes,
        fetch: server.addr(),
        library_path,
        python,
        settings,
        progress: &progress,
    };

    progress.set_message("cold start, fresh processes");
    let cold = timed(&mut took.cold_s, || {
        cold::measure(&children, &cold_subjects)
    })?;
    progress.set_message("warm, per call");
    let warm = timed(&mut took.warm_s, || {
        warm::measure(&children, &warm_subjects)
    })?;
    progress.set_message("reactor compatibility");
    let matrix = timed(&mut took.matrix_s, || matrix::measure(&children, &backends))?;
    progress.finish_and_clear();
    server_use.served = server.stop();
    Ok(Measured {
        cold,
        warm,
        matrix,
        took,
        server: server_use,
    })
}

/// The cold rows: the baseline and each backend on `work`, Python's when it is there, then
/// the baseline and each backend on `fetch`.
pub(crate) fn cold_subjects(backends: &[Backend], python: bool) -> Vec<Subject> {
    let mut subjects = vec![Subject::Baseline(Workload::Work)];
    subjects.extend(
        backends
            .iter()
            .map(|b| Subject::Backend(*b, Workload::Work)),
    );
    if python {
        subjects.extend([
            Subject::PythonPlain,
            Subject::PythonRun,
            Subject::PythonRunner,
        ]);
    }
    subjects.push(Subject::Baseline(Workload::Fetch));
    subjects.extend(
        backends
            .iter()
            .map(|b| Subject::Backend(*b, Workload::Fetch)),
    );
    subjects
}

/// Runs `stage`, writing how long it took into `seconds`.
pub(crate) fn timed<T>(seconds: &mut f64, stage: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = stage();
    *seconds = round_ms(started.elapsed());
    result
}

/// Seconds to the millisecond, as the report shows them.
pub(crate) fn round_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0).round() / 1000.0
}

//! Running the measurements, in three stages: cold samples (one fresh process each,
//! interleaved across rows), warm per-call figures (rounds interleaved across rows and
//! builds), and the reactor compatibility matrix; each child under a timeout, each result
//! checked.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use oneoff::Backend;
use serde::Serialize;

use super::children::{Children, Python};
use super::cold::{self, ColdRow, Subject};
use super::matrix::{self, MatrixRow};
use super::probes::Probes;
use super::settings::Settings;
use super::warm::{self, WarmRow};

/// Everything measured.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) cold: Vec<ColdRow>,
    pub(crate) warm: Vec<WarmRow>,
    pub(crate) matrix: Vec<MatrixRow>,
    pub(crate) took: Stages,
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
    let mut cold_subjects = vec![Subject::Baseline];
    cold_subjects.extend(backends.iter().map(|b| Subject::Backend(*b)));
    if python.is_some() {
        cold_subjects.extend([
            Subject::PythonPlain,
            Subject::PythonRun,
            Subject::PythonRunner,
        ]);
    }
    let warm_subjects = warm::subjects(&backends, python.is_some());
    let total = cold::children(settings, &cold_subjects)
        + warm::children(settings, &warm_subjects)
        + matrix::children(&backends);
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg:<28} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let children = Children {
        probes,
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
    Ok(Measured {
        cold,
        warm,
        matrix,
        took,
    })
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

//! The report, as `compare.json` holds it: the verdict, every figure with its spread, every
//! failure, the environment and settings. The tables and the chart are drawn from it.

use oneoff_probe::{Case, Drivers, Outcome};
use serde::Serialize;

use super::cold::ColdSummary;
use super::matrix::MatrixRow;
use super::probes::{Built, Python};
use super::settings::{Settings, Variant, Workload};
use super::spread::Figure;
use super::verdict::{Answer, Candidate, Situation};
use super::warm::WarmRow;
use crate::environment::Environment;

/// Names the shape of `compare.json`, so that scripts can tell when it changes.
pub(crate) const SCHEMA: &str = "oneoff-compare/6";

/// The whole report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) schema: &'static str,
    /// False when any backend failed (the command then exits non-zero).
    pub(crate) ok: bool,
    /// For each situation, the backend this run recommends and the figures it rests on.
    pub(crate) verdict: Vec<Answer>,
    pub(crate) environment: Environment,
    pub(crate) settings: Settings,
    /// The measurement binary's builds.
    pub(crate) builds: Vec<Built>,
    /// How long each stage of the run took.
    pub(crate) took: Stages,
    /// Results and cold start-up, per subject and workload, each workload's baseline first.
    pub(crate) cold: Vec<ColdSummary>,
    /// Warm per-call cost.
    pub(crate) warm: Vec<WarmRow>,
    /// The reactor compatibility matrix.
    pub(crate) matrix: Matrix,
    /// The I/O driver each backend of the run that picks one (compio, monoio) starts on.
    pub(crate) drivers: Drivers,
    /// The loopback server that `fetch(arg)` connected to.
    pub(crate) fetch_server: ServerUse,
    /// The python3 of the reference rows; absent without one (the notes say why).
    pub(crate) python: Option<Python>,
    /// One line per failed backend; empty when all went well.
    pub(crate) failures: Vec<String>,
    /// Things worth knowing that are not failures (a missing python3, a failed reference row).
    pub(crate) notes: Vec<String>,
}

/// How long each stage took, in seconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct Stages {
    pub(crate) build_s: f64,
    pub(crate) cold_s: f64,
    pub(crate) warm_s: f64,
    pub(crate) matrix_s: f64,
}

/// The loopback server's bounds and what it served.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct ServerUse {
    /// The most connections it would accept: one per planned `fetch` process.
    pub(crate) max_connections: u64,
    /// How long it would answer at most, in seconds.
    pub(crate) lifetime_s: u64,
    /// The connections it served.
    pub(crate) served: u64,
}

/// The matrix: `rows[i].cells[j]` is backend `i` on case `j`.
#[derive(Debug, Serialize)]
pub(crate) struct Matrix {
    pub(crate) cases: [Case; 9],
    pub(crate) rows: Vec<MatrixRow>,
}

/// What a run measured, before it is summarised.
pub(crate) struct Measured {
    pub(crate) cold: Vec<ColdSummary>,
    pub(crate) warm: Vec<WarmRow>,
    pub(crate) matrix: Vec<MatrixRow>,
    pub(crate) drivers: Drivers,
    pub(crate) took: Stages,
    pub(crate) server: ServerUse,
}

impl Report {
    /// The report of a run, its verdict decided from its figures.
    pub(crate) fn new(
        environment: Environment,
        settings: Settings,
        builds: Vec<Built>,
        python: Result<Python, String>,
        measured: Measured,
    ) -> Self {
        let Measured {
            cold,
            warm,
            matrix,
            drivers,
            took,
            server,
        } = measured;
        let (failures, mut notes) = failures(&cold, &warm);
        notes.extend(python.as_ref().err().cloned());
        let verdict = Situation::ALL
            .iter()
            .map(|situation| {
                Answer::decide(*situation, candidates(*situation, &cold, &warm, &matrix))
            })
            .collect();
        Report {
            schema: SCHEMA,
            ok: failures.is_empty(),
            verdict,
            environment,
            settings,
            builds,
            took,
            cold,
            warm,
            matrix: Matrix {
                cases: Case::ALL,
                rows: matrix,
            },
            drivers,
            fetch_server: server,
            python: python.ok(),
            failures,
            notes,
        }
    }
}

/// One line per failed row: backends' and baselines' as failures, Python's as notes.
fn failures(cold: &[ColdSummary], warm: &[WarmRow]) -> (Vec<String>, Vec<String>) {
    let (mut failures, mut notes) = (Vec::new(), Vec::new());
    let cold_rows = cold
        .iter()
        .map(|row| (row.name, row.subject, "cold run", &row.error));
    let warm_rows = warm
        .iter()
        .map(|row| (row.name, row.subject, "warm run", &row.error));
    for (name, subject, what, error) in cold_rows.chain(warm_rows) {
        let Some(error) = error else { continue };
        if subject.is_python() {
            notes.push(format!("reference row {name}: {what}: {error}"));
        } else {
            failures.push(format!("{name}: {what}: {error}"));
        }
    }
    (failures, notes)
}

/// The candidates of `situation`: every backend that this run measured for it.
fn candidates(
    situation: Situation,
    cold: &[ColdSummary],
    warm: &[WarmRow],
    matrix: &[MatrixRow],
) -> Vec<Candidate> {
    let backends = |workload| {
        cold.iter().filter(move |row| {
            row.subject.backend().is_some() && row.ok && row.workload == workload
        })
    };
    let warm_figure = |variant| {
        warm.iter()
            .filter(|row| row.subject.backend().is_some())
            .filter_map(move |row| Some(from_figure(row.name, row.per_call_ns.get(&variant)?)))
            .collect()
    };
    match situation {
        Situation::OneCall => backends(Workload::Work)
            .filter_map(above_baseline)
            .collect(),
        // The backends whose matrix row runs a fetch on `tokio::net`, by their own fetch.
        Situation::NeedsTokio => backends(Workload::Fetch)
            .filter(|row| {
                let cells = matrix
                    .iter()
                    .find(|cells| Some(cells.backend) == row.subject.backend());
                cells.is_some_and(|cells| *cells.cell(Case::TokioFetch) == Outcome::Ok)
            })
            .filter_map(above_baseline)
            .collect(),
        Situation::SmallestFootprint => backends(Workload::Work)
            .filter_map(|row| {
                let (rss, above) = (row.peak_rss_kib?, row.rss_above_baseline_kib? as f64);
                let base = rss.median as f64 - above;
                let (low, high) = (rss.p10 as f64 - base, rss.p90 as f64 - base);
                Some(Candidate::new(row.name, above, low, high))
            })
            .collect(),
        Situation::ManyCalls => warm_figure(Variant::ReusedYield),
        Situation::SharedAcrossThreads => warm_figure(Variant::PortalCall),
    }
}

/// A cold row's start to its first line over its baseline, with that median's interval.
fn above_baseline(row: &ColdSummary) -> Option<Candidate> {
    let median = row.first_line_above_baseline_ns? as f64;
    let [low, high] = row
        .first_line_above_baseline_ci_ns
        .map_or([median; 2], |ci| ci.map(|ns| ns as f64));
    Some(Candidate::new(row.name, median, low, high))
}

fn from_figure(name: &str, figure: &Figure) -> Candidate {
    Candidate {
        unsteady: figure.unsteady,
        ..Candidate::new(name, figure.median, figure.min, figure.max)
    }
}

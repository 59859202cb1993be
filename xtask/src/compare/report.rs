//! The report: the verdict, every figure summarised with its spread, every failure named, with
//! the environment and settings beside them. This is what `compare.json` holds; the tables,
//! `compare.md` and the chart are drawn from it.

use std::collections::BTreeMap;

use oneoff_probe::{Calls, Case, Outcome, Variant};
use serde::Serialize;

use super::cold::ColdSummary;
use super::matrix::MatrixRow;
use super::probes::{Built, Python};
use super::settings::Kind;
use super::settings::{Settings, Workload};
use super::spread::Figure;
use super::verdict::{Answer, Candidate, Situation};
use super::warm::WarmSummary;
use crate::environment::Environment;

/// Names the shape of `compare.json`, so that scripts can tell when it changes (3: the `fetch`
/// rows, each row's `workload`, the drivers and the loopback server; 4: the portal's round
/// trip and the calls in `TokioCompat`; 5: the verdict, every warm figure with its rounds and
/// spread, warm rows by `calls` and `build` instead of `config`, cells as typed outcomes, cold
/// spreads with their 10th percentile, no "every detector" rows).
pub(crate) const SCHEMA: &str = "oneoff-compare/5";

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
    /// Results and cold start-up, one row per subject and workload, each workload's baseline
    /// first.
    pub(crate) cold: Vec<ColdSummary>,
    /// Warm per-call cost.
    pub(crate) warm: Vec<WarmSummary>,
    /// The reactor compatibility matrix.
    pub(crate) matrix: Matrix,
    /// The I/O driver each backend that picks one (compio, monoio) ran on.
    pub(crate) drivers: BTreeMap<&'static str, String>,
    /// The loopback server that `fetch(arg)` connected to.
    pub(crate) fetch_server: ServerUse,
    pub(crate) python: PythonSummary,
    /// One line per failed backend; empty when all went well.
    pub(crate) failures: Vec<String>,
    /// Things worth knowing that are not failures (a missing python3, a failed reference row).
    pub(crate) notes: Vec<String>,
}

/// How long each stage took, in seconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct Stages {
    /// Building (or finding fresh) the measurement binary in every build.
    pub(crate) build_s: f64,
    pub(crate) cold_s: f64,
    pub(crate) warm_s: f64,
    pub(crate) matrix_s: f64,
}

/// The loopback server's bounds and what it served.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct ServerUse {
    /// The most connections it would accept: what the planned `fetch` processes can make.
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

/// Whether the Python reference ran, and with what.
#[derive(Debug, Serialize)]
pub(crate) struct PythonSummary {
    pub(crate) available: bool,
    pub(crate) executable: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) note: Option<String>,
}

/// What a run measured, before it is summarised.
pub(crate) struct Measured {
    pub(crate) cold: Vec<ColdSummary>,
    pub(crate) warm: Vec<WarmSummary>,
    pub(crate) matrix: Vec<MatrixRow>,
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
            took,
            server,
        } = measured;
        let (failures, mut notes) = failures(&cold, &warm);
        let python = match python {
            Ok(python) => PythonSummary {
                available: true,
                executable: Some(python.executable.display().to_string()),
                version: Some(python.version),
                note: None,
            },
            Err(note) => {
                notes.push(note.clone());
                PythonSummary {
                    available: false,
                    executable: None,
                    version: None,
                    note: Some(note),
                }
            }
        };
        let verdict = Situation::ALL
            .iter()
            .map(|situation| {
                Answer::decide(*situation, candidates(*situation, &cold, &warm, &matrix))
            })
            .collect();
        let drivers = warm
            .iter()
            .filter_map(|row| Some((row.name, row.driver.clone()?)))
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
            python,
            failures,
            notes,
        }
    }
}

/// One line per failed row: backends' and baselines' as failures, Python's as notes.
fn failures(cold: &[ColdSummary], warm: &[WarmSummary]) -> (Vec<String>, Vec<String>) {
    let (mut failures, mut notes) = (Vec::new(), Vec::new());
    let cold_rows = cold
        .iter()
        .map(|row| (row.name, row.kind, "cold run".to_owned(), &row.error));
    let warm_rows = warm.iter().map(|row| {
        let what = format!("warm run ({:?})", row.calls).to_lowercase();
        (row.name, row.kind, what, &row.error)
    });
    for (name, kind, what, error) in cold_rows.chain(warm_rows) {
        let Some(error) = error else { continue };
        match kind {
            Kind::Backend | Kind::Baseline => failures.push(format!("{name}: {what}: {error}")),
            Kind::Python | Kind::PythonBaseline => {
                notes.push(format!("reference row {name}: {what}: {error}"));
            }
        }
    }
    (failures, notes)
}

/// The candidates of `situation`: every backend that this run measured for it.
fn candidates(
    situation: Situation,
    cold: &[ColdSummary],
    warm: &[WarmSummary],
    matrix: &[MatrixRow],
) -> Vec<Candidate> {
    let backends = cold
        .iter()
        .filter(|row| row.kind == Kind::Backend && row.ok && row.workload == Workload::Work);
    let warm_figure = |calls, variant| {
        warm.iter()
            .filter(move |row| row.kind == Kind::Backend && row.calls == calls)
            .filter_map(move |row| Some((row, row.per_call_ns.get(&variant)?)))
    };
    match situation {
        Situation::OneCall => backends
            .filter_map(|row| {
                let median = row.first_line_above_baseline_ns? as f64;
                let [low, high] = row
                    .first_line_above_baseline_ci_ns
                    .map_or([median; 2], |ci| ci.map(|ns| ns as f64));
                Some(Candidate {
                    name: row.name.to_owned(),
                    median,
                    low,
                    high,
                    unsteady: false,
                })
            })
            .collect(),
        Situation::SmallestFootprint => backends
            .filter_map(|row| {
                let (rss, above) = (row.peak_rss_kib?, row.rss_above_baseline_kib? as f64);
                let base = rss.median as f64 - above;
                let (low, high) = (rss.p10 as f64 - base, rss.p90 as f64 - base);
                Some(Candidate {
                    name: row.name.to_owned(),
                    median: above,
                    low,
                    high,
                    unsteady: false,
                })
            })
            .collect(),
        Situation::ManyCalls => warm_figure(Calls::Work, Variant::ReusedYield)
            .map(|(row, figure)| from_figure(row.name.to_owned(), figure))
            .collect(),
        Situation::SharedAcrossThreads => warm_figure(Calls::Reach, Variant::PortalCall)
            .map(|(row, figure)| from_figure(row.name.to_owned(), figure))
            .collect(),
        // tokio's own I/O, natively: the backends whose matrix row runs a fetch on
        // `tokio::net`, by their fetch on a kept runner (on `tokio::net`, their own stack).
        Situation::NeedsTokio => warm_figure(Calls::Fetch, Variant::ReusedFetch)
            .filter(|(row, _)| {
                let backend = row.subject.backend();
                let cells = matrix.iter().find(|cells| Some(cells.backend) == backend);
                cells.is_some_and(|cells| *cells.cell(Case::TokioFetch) == Outcome::Ok)
            })
            .map(|(row, figure)| from_figure(row.name.to_owned(), figure))
            .collect(),
    }
}

fn from_figure(name: String, figure: &Figure) -> Candidate {
    Candidate {
        name,
        median: figure.median,
        low: figure.min,
        high: figure.max,
        unsteady: figure.unsteady,
    }
}

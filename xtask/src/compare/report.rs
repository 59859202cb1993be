//! The report: every figure summarised (median and p90, sample counts), every failure named,
//! with the environment and settings beside them. This is what `compare.json` holds; the
//! tables and `compare.md` are rendered from it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use oneoff_workloads::stats;
use serde::Serialize;

use super::children::{Kind, Python};
use super::cold::{ColdRow, ColdSample};
use super::matrix::{CASES, MatrixRow};
use super::measure::{Measured, ServerUse, Stages};
use super::probes::Build;
use super::settings::{Settings, Workload};
use super::warm::{CompatAdded, WarmFigures, WarmRow};
use crate::environment::Environment;

/// Names the shape of `compare.json`, so that scripts can tell when it changes (3: the `fetch`
/// rows, each row's `workload`, the drivers and the loopback server; 4: the portal's round
/// trip and the calls in `TokioCompat` among the warm figures, and the matrix's compatible
/// `tokio::time::sleep`).
const SCHEMA: &str = "oneoff-compare/4";

/// The whole report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) schema: &'static str,
    /// False when any backend failed (the command then exits non-zero).
    pub(crate) ok: bool,
    pub(crate) environment: Environment,
    pub(crate) settings: Settings,
    /// The measurement binary's builds, one per configuration.
    pub(crate) builds: Vec<Build>,
    /// How long each stage of the run took.
    pub(crate) took: Stages,
    /// Results and cold start-up, one row per subject and workload, each workload's baseline
    /// first.
    pub(crate) cold: Vec<ColdSummary>,
    /// Warm per-call cost.
    pub(crate) warm: Vec<WarmSummary>,
    /// The reactor compatibility matrix.
    pub(crate) matrix: Matrix,
    /// The I/O driver each backend that picks one (compio, monoio) ran on, as its warm
    /// processes' runners reported it: `io_uring`, or the fallback (`polling`, `legacy`).
    pub(crate) drivers: BTreeMap<String, String>,
    /// The loopback server that `fetch(arg)` connected to.
    pub(crate) fetch_server: ServerUse,
    pub(crate) python: PythonSummary,
    /// One line per failed backend; empty when all went well.
    pub(crate) failures: Vec<String>,
    /// Things worth knowing that are not failures (a missing python3, a failed reference row).
    pub(crate) notes: Vec<String>,
}

/// The median and 90th percentile of a set of samples, in nanoseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Spread {
    pub(crate) median: u64,
    pub(crate) p90: u64,
}

/// One cold row: is the result right, and what did start-up, teardown and the footprint cost.
#[derive(Debug, Serialize)]
pub(crate) struct ColdSummary {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) workload: Workload,
    /// `fetch`: the network stack it ran on (the backend's own, or `std::net`).
    pub(crate) stack: Option<&'static str>,
    /// Whether every sample passed its check.
    pub(crate) ok: bool,
    /// The first failed check, when one failed.
    pub(crate) error: Option<String>,
    /// What work(arg) and fetch(arg) must return: arg * 100.
    pub(crate) expected_result: u64,
    /// Kept samples, each a fresh process.
    pub(crate) samples: usize,
    /// Process start to the first line: `work`'s first line, `fetch`'s answer received. What
    /// the user feels.
    pub(crate) first_line_ns: Option<Spread>,
    /// The median over rounds of this row's first line minus its baseline's in the same round
    /// (Rust rows: the Rust baseline of the same workload; Python rows: Python without
    /// asyncio).
    pub(crate) first_line_above_baseline_ns: Option<i64>,
    /// The 95% confidence interval of that median (`stats::median_interval`), absent under 6
    /// pairs.
    pub(crate) first_line_above_baseline_ci_ns: Option<[i64; 2]>,
    /// Process start to process exit: what hyperfine or `time` measure.
    pub(crate) process_ns: Option<Spread>,
    /// Runner construction to the future's first poll, inside the process.
    pub(crate) construct_to_first_poll_ns: Option<Spread>,
    /// The work's completion to the return of the one-shot call (teardown).
    pub(crate) teardown_ns: Option<Spread>,
    /// `work`: how long the delay really took.
    pub(crate) timer_ns: Option<Spread>,
    /// `fetch`: from the first poll (the baseline: the connect) to the answer received.
    pub(crate) round_trip_ns: Option<Spread>,
    /// OS threads at the end of the work, inside the call (median).
    pub(crate) threads_during: Option<u64>,
    /// OS threads after the call returned (median).
    pub(crate) threads_after: Option<u64>,
    /// Peak RSS of the whole process, KiB (median).
    pub(crate) peak_rss_kib: Option<u64>,
    /// Peak RSS minus its baseline's, KiB.
    pub(crate) rss_above_baseline_kib: Option<i64>,
}

/// One warm row, ns per call.
#[derive(Debug, Serialize)]
pub(crate) struct WarmSummary {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) workload: Workload,
    /// `fetch`: the network stack it ran on.
    pub(crate) stack: Option<&'static str>,
    /// The probe build it ran in: the backend's feature (with the facade's defaults) or
    /// `all-features`; absent for Python.
    pub(crate) config: Option<&'static str>,
    pub(crate) ok: bool,
    pub(crate) error: Option<String>,
    /// Rounds behind the medians, each a fresh process.
    pub(crate) rounds: usize,
    /// The medians over the rounds, absent when the row failed.
    pub(crate) per_call_ns: Option<WarmFigures>,
    /// What `TokioCompat` added to the ready calls (each round's difference, paired within
    /// its process; the median over rounds), where the row timed them.
    pub(crate) tokio_compat_added_ns: Option<CompatAdded>,
    /// The I/O driver of its runners, for compio and monoio (two, comma-separated, if its
    /// rounds disagreed).
    pub(crate) driver: Option<String>,
}

impl WarmSummary {
    fn new(row: &WarmRow) -> Self {
        WarmSummary {
            name: row.subject.name(),
            kind: row.subject.kind(),
            workload: row.subject.workload(),
            stack: row.subject.stack(),
            config: row.subject.config().map(|config| config.name()),
            ok: row.error.is_none(),
            error: row.error.clone(),
            rounds: row.rounds.len(),
            per_call_ns: if row.error.is_none() {
                row.median()
            } else {
                None
            },
            tokio_compat_added_ns: if row.error.is_none() {
                row.compat_added()
            } else {
                None
            },
            driver: (!row.drivers.is_empty()).then(|| row.drivers.join(", ")),
        }
    }

    /// Whether it ran with every feature of the facade, so every detector, on.
    pub(crate) fn every_detector(&self) -> bool {
        self.config == Some(super::probes::Config::All.name())
    }
}

/// The matrix: `rows[i].cells[j]` is backend `i` on case `j`.
#[derive(Debug, Serialize)]
pub(crate) struct Matrix {
    pub(crate) cases: Vec<Case>,
    pub(crate) rows: Vec<MatrixRow>,
}

/// A column of the matrix.
#[derive(Debug, Serialize)]
pub(crate) struct Case {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    /// The title in the terminal.
    pub(crate) short: &'static str,
}

/// Whether the Python reference ran, and with what.
#[derive(Debug, Serialize)]
pub(crate) struct PythonSummary {
    pub(crate) available: bool,
    pub(crate) executable: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) note: Option<String>,
}

impl PythonSummary {
    fn new(python: Result<Python, String>) -> Self {
        match python {
            Ok(python) => PythonSummary {
                available: true,
                executable: Some(python.executable.display().to_string()),
                version: Some(python.version),
                note: None,
            },
            Err(note) => PythonSummary {
                available: false,
                executable: None,
                version: None,
                note: Some(note),
            },
        }
    }
}

impl Report {
    /// Summarises the measurements.
    pub(crate) fn new(
        environment: Environment,
        settings: Settings,
        builds: Vec<Build>,
        python: Result<Python, String>,
        measured: Measured,
    ) -> Self {
        let expected = settings.arg.saturating_mul(100);
        let mut cold: Vec<ColdSummary> = measured
            .cold
            .iter()
            .map(|row| summarise(row, expected))
            .collect();
        relate_to_baselines(&mut cold, &measured.cold);
        let warm: Vec<WarmSummary> = measured.warm.iter().map(WarmSummary::new).collect();

        let mut failures = Vec::new();
        let mut notes = Vec::new();
        let mut failed = |name: &str, kind: Kind, what: &str, error: &str| {
            let line = format!("{name}: {what}: {error}");
            if kind == Kind::Backend || kind == Kind::Baseline {
                failures.push(line);
            } else {
                notes.push(format!("reference row {line}"));
            }
        };
        for row in &cold {
            if let Some(error) = &row.error {
                failed(&row.name, row.kind, "cold run", error);
            }
        }
        for row in &warm {
            if let Some(error) = &row.error {
                let build = row.config.map_or(String::new(), |c| format!(" ({c})"));
                failed(&row.name, row.kind, &format!("warm run{build}"), error);
            }
        }
        let python = PythonSummary::new(python);
        notes.extend(python.note.clone());
        Report {
            schema: SCHEMA,
            ok: failures.is_empty(),
            environment,
            settings,
            builds,
            took: measured.took,
            cold,
            drivers: drivers(&warm),
            warm,
            matrix: Matrix {
                cases: CASES
                    .iter()
                    .map(|(id, title, short)| Case { id, title, short })
                    .collect(),
                rows: measured.matrix,
            },
            fetch_server: measured.server,
            python,
            failures,
            notes,
        }
    }
}

/// Each backend's driver, from its warm rows (all of them, in case they disagree).
fn drivers(warm: &[WarmSummary]) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for row in warm {
        for driver in row.driver.iter().flat_map(|drivers| drivers.split(", ")) {
            let known = seen.entry(row.name.clone()).or_default();
            if !known.contains(&driver) {
                known.push(driver);
            }
        }
    }
    seen.into_iter()
        .map(|(backend, drivers)| (backend, drivers.join(", ")))
        .collect()
}

fn summarise(row: &ColdRow, expected: u64) -> ColdSummary {
    let ok = row.error.is_none();
    // A failed row shows its message, not figures from the samples before the failure.
    let samples = if ok { &row.samples[..] } else { &[] };
    let ns = |duration: std::time::Duration| u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
    let all = |pick: &dyn Fn(&ColdSample) -> Option<u64>| -> Vec<u64> {
        samples.iter().filter_map(pick).collect()
    };
    ColdSummary {
        name: row.subject.name(),
        kind: row.subject.kind(),
        workload: row.subject.workload(),
        stack: row.subject.stack(),
        ok,
        error: row.error.clone(),
        expected_result: expected,
        samples: row.samples.len(),
        first_line_ns: spread(all(&|s| Some(ns(s.first_line)))),
        first_line_above_baseline_ns: None,
        first_line_above_baseline_ci_ns: None,
        process_ns: spread(all(&|s| Some(ns(s.process)))),
        construct_to_first_poll_ns: spread(all(&|s| s.inside.construct_to_first_poll_ns)),
        teardown_ns: spread(all(&|s| s.inside.teardown_ns)),
        timer_ns: spread(all(&|s| s.inside.timer_ns)),
        round_trip_ns: spread(all(&|s| s.inside.round_trip_ns)),
        threads_during: spread(all(&|s| s.inside.threads_during)).map(|s| s.median),
        threads_after: spread(all(&|s| s.inside.threads_after)).map(|s| s.median),
        peak_rss_kib: spread(all(&|s| s.inside.peak_rss_kib)).map(|s| s.median),
        rss_above_baseline_kib: None,
    }
}

/// Fills in the differences to each row's baseline (of the same kind and workload). The
/// first-line difference is the median of paired differences (this row's sample minus the
/// baseline's sample of the same round), which a change of the machine's load during the run
/// moves far less than a difference of medians would; beside it, that median's 95% interval.
fn relate_to_baselines(rows: &mut [ColdSummary], measured: &[ColdRow]) {
    let baseline = |kind: Kind, workload: Workload| {
        let index = rows
            .iter()
            .position(|row| row.kind == kind && row.workload == workload && row.ok)?;
        let by_round: HashMap<u32, Duration> = measured[index]
            .samples
            .iter()
            .map(|sample| (sample.round, sample.first_line))
            .collect();
        Some((by_round, rows[index].peak_rss_kib))
    };
    let bases = [
        (Kind::Baseline, Workload::Work),
        (Kind::Baseline, Workload::Fetch),
        (Kind::PythonBaseline, Workload::Work),
    ]
    .map(|(kind, workload)| ((kind, workload), baseline(kind, workload)));
    for (row, samples) in rows.iter_mut().zip(measured) {
        let kind = match row.kind {
            Kind::Baseline | Kind::Backend => Kind::Baseline,
            Kind::PythonBaseline | Kind::Python => Kind::PythonBaseline,
        };
        let Some((_, Some((first_lines, rss)))) =
            bases.iter().find(|(of, _)| *of == (kind, row.workload))
        else {
            continue;
        };
        if row.ok {
            let mut paired: Vec<i64> = samples
                .samples
                .iter()
                .filter_map(|sample| {
                    let base = first_lines.get(&sample.round)?;
                    Some(signed_ns(sample.first_line) - signed_ns(*base))
                })
                .collect();
            row.first_line_above_baseline_ns = stats::median(&mut paired);
            row.first_line_above_baseline_ci_ns =
                stats::median_interval(&mut paired).map(|(low, high)| [low, high]);
        }
        row.rss_above_baseline_kib = row
            .peak_rss_kib
            .zip(*rss)
            .and_then(|(own, base)| Some(i64::try_from(own).ok()? - i64::try_from(base).ok()?));
    }
}

fn signed_ns(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

/// Median and p90 by nearest rank (`oneoff_workloads::stats`); `None` for no samples.
pub(crate) fn spread(mut values: Vec<u64>) -> Option<Spread> {
    Some(Spread {
        median: stats::median(&mut values)?,
        p90: stats::percentile(&mut values, 90)?,
    })
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_is_median_and_p90() {
        let s = spread((1..=10).rev().collect()).unwrap();
        assert_eq!((s.median, s.p90), (5, 9));
        assert!(spread(Vec::new()).is_none());
    }
}

//! Warm per-call figures, measured in rounds: each round starts one process per row, in an
//! order shuffled every round (seeded), like the cold samples, so that drift of the machine
//! spreads over every row alike. Each process times its calls in a few batches and reports their
//! median; a row's figure is the median over its rounds, with their range as its spread.
//!
//! The rows: `work`'s calls on each backend in its own build; the portal's round trip and the
//! ready calls with and without `TokioCompat` on each backend in the `all-backends` build;
//! Python's asyncio (with `run_coroutine_threadsafe`'s round trip); `fetch(arg)` on each
//! backend's own stack in its own build, and with blocking `std::net`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use oneoff::Backend;
use oneoff_probe::{Calls, Request, Variant, WarmReport};
use serde::Serialize;

use super::probes::{Launcher, ProbeBuild, parse_last};
use super::settings::Workload;
use super::settings::{Kind, Subject};
use super::spread::Figure;
use crate::cmd::Cmd;

/// Seeds the shuffled order of the warm rounds.
const SCHEDULE_SEED: u64 = 0x3a7e;

/// One warm row: the report of each round, or the failure that stopped it.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) subject: Subject,
    pub(crate) calls: Calls,
    pub(crate) rounds: Vec<WarmReport>,
    pub(crate) error: Option<String>,
}

impl Row {
    fn new(subject: Subject, calls: Calls) -> Row {
        Row {
            subject,
            calls,
            rounds: Vec::new(),
            error: None,
        }
    }

    /// The build it runs in (`None` for Python).
    fn build(&self) -> Option<ProbeBuild> {
        match (self.subject, self.calls) {
            (Subject::Backend(_), Calls::Reach) => Some(ProbeBuild::AllBackends),
            (Subject::Backend(backend), _) => Some(ProbeBuild::of(backend)),
            (Subject::Baseline, _) => Some(ProbeBuild::Default),
            _ => None,
        }
    }

    fn workload(&self) -> Workload {
        match self.calls {
            Calls::Fetch => Workload::Fetch,
            Calls::Work | Calls::Reach => Workload::Work,
        }
    }
}

/// The warm rows: each backend's `work` in its own build, then its reach in the all-backends
/// build; Python; the `fetch` baseline, then each backend's `fetch` in its own build.
pub(crate) fn rows(backends: &[Backend], python: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for calls in [Calls::Work, Calls::Reach] {
        rows.extend(
            backends
                .iter()
                .map(|b| Row::new(Subject::Backend(*b), calls)),
        );
    }
    if python {
        rows.push(Row::new(Subject::PythonRun, Calls::Work));
    }
    rows.push(Row::new(Subject::Baseline, Calls::Fetch));
    rows.extend(
        backends
            .iter()
            .map(|b| Row::new(Subject::Backend(*b), Calls::Fetch)),
    );
    rows
}

/// How many processes [`measure`] starts for `rows`, and the most connections their `fetch`
/// processes make: per variant, one checked call, at most twice the batch cap while it sizes
/// its batch, then its timed batches.
pub(crate) fn processes(rows: &[Row], launch: &Launcher<'_>) -> (u64, u64) {
    let s = launch.settings;
    let per_variant = 1 + (2 + u64::from(s.warm_reps)) * s.warm_fetch_max_calls.max(1);
    let fetch_variants: u64 = rows
        .iter()
        .filter(|row| row.calls == Calls::Fetch)
        .map(|row| {
            if row.subject == Subject::Baseline {
                1
            } else {
                2
            }
        })
        .sum();
    let rounds = u64::from(s.warm_rounds);
    (
        rounds * rows.len() as u64,
        rounds * fetch_variants * per_variant,
    )
}

/// Every round of every row; a row stops at its first failed round.
pub(crate) fn measure(
    launch: &Launcher<'_>,
    rows: &mut [Row],
    fetch: SocketAddr,
) -> anyhow::Result<()> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut schedule = fastrand::Rng::with_seed(SCHEDULE_SEED);
    for _ in 0..launch.settings.warm_rounds {
        schedule.shuffle(&mut order);
        for index in &order {
            let row = &mut rows[*index];
            if row.error.is_some() {
                continue;
            }
            let ran = launch.run(command(launch, row, fetch))?;
            let reported = if ran.success() {
                parse_last::<WarmReport>(&ran)
            } else {
                Err(format!("the process failed ({})", ran.failure()))
            };
            match reported {
                Ok(report) => row.rounds.push(report),
                Err(error) => row.error = Some(error),
            }
        }
    }
    Ok(())
}

/// The command of one round of `row`.
fn command(launch: &Launcher<'_>, row: &Row, fetch: SocketAddr) -> Cmd {
    let s = launch.settings;
    let Some(build) = row.build() else {
        let (reps, target) = (s.warm_reps.to_string(), s.warm_target_us.to_string());
        return launch.python("warm", &["0", "0", &reps, &target]);
    };
    let request = Request::Warm {
        backend: row.subject.backend(),
        calls: row.calls,
        reps: s.warm_reps,
        target_us: s.warm_target_us,
        max_calls: if row.calls == Calls::Fetch {
            s.warm_fetch_max_calls
        } else {
            1 << 30
        },
        fetch: (row.calls == Calls::Fetch).then_some(fetch),
        arg: s.arg,
    };
    launch.probe(build, &request, launch.child_timeout())
}

/// One warm row summarised, ns per call.
#[derive(Debug, Serialize)]
pub(crate) struct WarmSummary {
    #[serde(skip)]
    pub(crate) subject: Subject,
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) workload: Workload,
    /// What its processes timed: `work` (a backend's own build), `reach` (the `all-backends`
    /// build: the portal and `TokioCompat`), `fetch`.
    pub(crate) calls: Calls,
    /// `fetch`: the network stack it ran on.
    pub(crate) stack: Option<&'static str>,
    /// The probe build it ran in; absent for Python.
    pub(crate) build: Option<ProbeBuild>,
    pub(crate) ok: bool,
    pub(crate) error: Option<String>,
    /// Rounds behind the figures, each a fresh process.
    pub(crate) rounds: usize,
    /// Each variant's median over the rounds and its spread; empty when the row failed.
    pub(crate) per_call_ns: BTreeMap<Variant, Figure>,
    /// What `TokioCompat` added to a ready call: each round's compatible figure minus the plain
    /// one (timed moments apart in the same process), over the rounds.
    pub(crate) tokio_compat_added_ns: BTreeMap<Variant, Figure>,
    /// The I/O driver of its runners, for compio and monoio (two, comma-separated, if its
    /// rounds disagreed).
    pub(crate) driver: Option<String>,
}

/// Every row summarised.
pub(crate) fn summarise(rows: &[Row]) -> Vec<WarmSummary> {
    rows.iter().map(summary).collect()
}

fn summary(row: &Row) -> WarmSummary {
    let ok = row.error.is_none();
    let over_rounds = |value: &dyn Fn(&WarmReport) -> Option<f64>| {
        Figure::of(row.rounds.iter().filter_map(value).collect()).filter(|_| ok)
    };
    let mut per_call_ns = BTreeMap::new();
    let variants = row.rounds.iter().flat_map(|round| round.ns_per_call.keys());
    for variant in variants.copied().collect::<std::collections::BTreeSet<_>>() {
        per_call_ns.extend(
            over_rounds(&|round| round.ns_per_call.get(&variant).copied()).map(|f| (variant, f)),
        );
    }
    let mut tokio_compat_added_ns = BTreeMap::new();
    for (compat, plain) in [
        (Variant::CompatOneShotReady, Variant::OneShotReady),
        (Variant::CompatReusedReady, Variant::ReusedReady),
    ] {
        let added = |round: &WarmReport| {
            Some(round.ns_per_call.get(&compat)? - round.ns_per_call.get(&plain)?)
        };
        tokio_compat_added_ns.extend(over_rounds(&added).map(|f| (compat, f)));
    }
    let mut drivers: Vec<&str> = row
        .rounds
        .iter()
        .filter_map(|r| r.driver.as_deref())
        .collect();
    drivers.dedup();
    WarmSummary {
        subject: row.subject,
        name: row.subject.name(row.workload()),
        kind: row.subject.kind(),
        workload: row.workload(),
        calls: row.calls,
        stack: row.subject.stack(row.workload()),
        build: row.build(),
        ok,
        error: row.error.clone(),
        rounds: row.rounds.len(),
        per_call_ns,
        tokio_compat_added_ns,
        driver: (!drivers.is_empty()).then(|| drivers.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(pairs: &[(Variant, f64)]) -> WarmReport {
        WarmReport {
            ns_per_call: pairs.iter().copied().collect(),
            driver: None,
        }
    }

    #[test]
    fn a_figure_is_the_median_of_its_rounds_with_their_range() {
        let mut row = Row::new(Subject::PythonRun, Calls::Work);
        row.rounds = [30.0, 10.0, 20.0, 40.0]
            .map(|ns| round(&[(Variant::ReusedReady, ns)]))
            .to_vec();
        let summary = summary(&row);
        let figure = &summary.per_call_ns[&Variant::ReusedReady];
        assert_eq!((figure.median, figure.min, figure.max), (20.0, 10.0, 40.0));
        assert!(figure.unsteady, "40 is more than 1.5 times 10");
        assert_eq!(figure.rounds, [30.0, 10.0, 20.0, 40.0]);
        row.error = Some("failed".into());
        assert!(
            super::summary(&row).per_call_ns.is_empty(),
            "a failed row has no figures"
        );
    }

    #[test]
    fn compat_adds_the_median_of_paired_differences() {
        let pair = |plain: f64, compat: f64| {
            round(&[
                (Variant::ReusedReady, plain),
                (Variant::CompatReusedReady, compat),
            ])
        };
        let mut row = Row::new(Subject::Backend(Backend::ALL[0]), Calls::Reach);
        // The rounds' differences are 30, 5 and 10: their median is 10, where the difference of
        // the two medians (130 - 100) would be 30.
        row.rounds = vec![pair(100.0, 130.0), pair(90.0, 95.0), pair(140.0, 150.0)];
        let added = &summary(&row).tokio_compat_added_ns;
        assert_eq!(added[&Variant::CompatReusedReady].median, 10.0);
        assert_eq!(
            added.len(),
            1,
            "no one-shot figures, no one-shot difference"
        );
    }

    #[test]
    fn every_backend_has_a_work_a_reach_and_a_fetch_row() {
        let rows = rows(Backend::ALL, true);
        assert_eq!(rows.len(), 3 * Backend::ALL.len() + 2);
        let reach: Vec<_> = rows
            .iter()
            .filter(|row| row.calls == Calls::Reach)
            .collect();
        assert!(
            reach
                .iter()
                .all(|row| row.build() == Some(ProbeBuild::AllBackends))
        );
        let baseline = rows
            .iter()
            .find(|row| row.subject == Subject::Baseline)
            .unwrap();
        assert_eq!(
            (baseline.calls, baseline.build()),
            (Calls::Fetch, Some(ProbeBuild::Default))
        );
    }
}

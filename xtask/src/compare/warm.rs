//! Warm per-call figures: `work`'s calls on each backend in its own build (with, after them,
//! the portal's round trip and the calls in `TokioCompat`) and in the all-features build, and
//! Python's asyncio (with `run_coroutine_threadsafe`'s round trip); `fetch(arg)` on each
//! backend's own stack in its own build, and with blocking `std::net`. Measured in rounds: each round starts one process
//! per subject, in an order shuffled every round (seeded), like the cold samples, so that
//! drift of the machine spreads over every row alike; each process times its calls in a few
//! batches and reports their median, and a row's figure is the median over its rounds.

use oneoff::Backend;
use oneoff_workloads::fetch::Stack;
use oneoff_workloads::stats;
use serde::{Deserialize, Serialize};

use super::children::{Children, Kind, parse_last};
use super::probes::Config;
use super::settings::{Settings, Workload};
use crate::cmd::Cmd;

/// Seeds the shuffled order of the warm rounds.
const SCHEDULE_SEED: u64 = 0x3a7e;

/// What one warm row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WarmSubject {
    /// `work`'s calls on a backend, in one of the probe's builds.
    Backend(Backend, Config),
    /// Python's asyncio.
    Python,
    /// `fetch(arg)` on a backend's own network stack, in its own build.
    Fetch(Backend),
    /// `fetch(arg)` with blocking `std::net`, in the default build.
    FetchBaseline,
}

impl WarmSubject {
    /// The row's name in the report.
    pub(crate) fn name(self) -> String {
        match self {
            WarmSubject::Backend(backend, _) | WarmSubject::Fetch(backend) => {
                backend.name().to_owned()
            }
            WarmSubject::Python => "python asyncio".to_owned(),
            WarmSubject::FetchBaseline => "baseline (std::net)".to_owned(),
        }
    }

    /// The probe build it runs in (`None` for Python).
    pub(crate) fn config(self) -> Option<Config> {
        match self {
            WarmSubject::Backend(_, config) => Some(config),
            WarmSubject::Fetch(backend) => Some(Config::of(backend)),
            WarmSubject::FetchBaseline => Some(Config::Default),
            WarmSubject::Python => None,
        }
    }

    /// What kind of row it is.
    pub(crate) fn kind(self) -> Kind {
        match self {
            WarmSubject::Backend(..) | WarmSubject::Fetch(_) => Kind::Backend,
            WarmSubject::Python => Kind::Python,
            WarmSubject::FetchBaseline => Kind::Baseline,
        }
    }

    /// For `fetch`, the network stack it runs on: the backend's own, or `std::net`.
    pub(crate) fn stack(self) -> Option<&'static str> {
        match self {
            WarmSubject::Fetch(backend) => Some(Stack::native(backend.name()).name()),
            WarmSubject::FetchBaseline => Some("std::net"),
            WarmSubject::Backend(..) | WarmSubject::Python => None,
        }
    }

    /// What it runs.
    pub(crate) fn workload(self) -> Workload {
        match self {
            WarmSubject::Backend(..) | WarmSubject::Python => Workload::Work,
            WarmSubject::Fetch(_) | WarmSubject::FetchBaseline => Workload::Fetch,
        }
    }
}

/// Nanoseconds per call of each variant a row has: one process's medians, or a row's median
/// over its rounds. `work` rows have the first four, and in a backend's own build the portal's
/// round trip and the ready calls in `TokioCompat` (Python's: `run_coroutine_threadsafe`'s
/// round trip as its portal call); `fetch` rows the one-shot and reused fetch, the `std::net`
/// baseline the blocking one.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct WarmFigures {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) one_shot_ready_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) one_shot_yield_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reused_ready_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reused_yield_ns: Option<f64>,
    /// A ready future sent from another thread to a `BlockingPortal` (Python: to an event
    /// loop running on another thread), its output handed back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) portal_call_ns: Option<f64>,
    /// `one_shot_ready_ns` in `TokioCompat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) compat_one_shot_ready_ns: Option<f64>,
    /// `reused_ready_ns` in `TokioCompat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) compat_reused_ready_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) one_shot_fetch_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reused_fetch_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) blocking_fetch_ns: Option<f64>,
}

/// What a warm process reports: its figures, and the I/O driver of its runner where the
/// backend picks one (compio, monoio).
#[derive(Debug, Deserialize)]
struct Reported {
    #[serde(flatten)]
    figures: WarmFigures,
    driver: Option<String>,
}

/// One warm row: the figures of each round, or the failure that stopped it.
#[derive(Debug)]
pub(crate) struct WarmRow {
    pub(crate) subject: WarmSubject,
    pub(crate) rounds: Vec<WarmFigures>,
    /// The I/O drivers its runners reported, each once (one, unless the machine changed).
    pub(crate) drivers: Vec<String>,
    pub(crate) error: Option<String>,
}

/// What `TokioCompat` added to a ready call, ns per call: the median over rounds of each
/// process's compatible figure minus its plain one (both timed in the same process, moments
/// apart).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct CompatAdded {
    pub(crate) one_shot_ready_ns: f64,
    pub(crate) reused_ready_ns: f64,
}

impl WarmRow {
    /// The median over the rounds of each variant the rounds have; `None` without rounds.
    pub(crate) fn median(&self) -> Option<WarmFigures> {
        if self.rounds.is_empty() {
            return None;
        }
        let of = |pick: fn(&WarmFigures) -> Option<f64>| self.median_of(pick);
        Some(WarmFigures {
            one_shot_ready_ns: of(|f| f.one_shot_ready_ns),
            one_shot_yield_ns: of(|f| f.one_shot_yield_ns),
            reused_ready_ns: of(|f| f.reused_ready_ns),
            reused_yield_ns: of(|f| f.reused_yield_ns),
            portal_call_ns: of(|f| f.portal_call_ns),
            compat_one_shot_ready_ns: of(|f| f.compat_one_shot_ready_ns),
            compat_reused_ready_ns: of(|f| f.compat_reused_ready_ns),
            one_shot_fetch_ns: of(|f| f.one_shot_fetch_ns),
            reused_fetch_ns: of(|f| f.reused_fetch_ns),
            blocking_fetch_ns: of(|f| f.blocking_fetch_ns),
        })
    }

    /// What `TokioCompat` added, paired within each round; `None` where the rounds have no
    /// compatible figures.
    pub(crate) fn compat_added(&self) -> Option<CompatAdded> {
        let added = |compat: Option<f64>, plain: Option<f64>| Some(compat? - plain?);
        Some(CompatAdded {
            one_shot_ready_ns: self
                .median_of(|f| added(f.compat_one_shot_ready_ns, f.one_shot_ready_ns))?,
            reused_ready_ns: self
                .median_of(|f| added(f.compat_reused_ready_ns, f.reused_ready_ns))?,
        })
    }

    /// The median over the rounds that have it of `pick`.
    fn median_of(&self, pick: impl Fn(&WarmFigures) -> Option<f64>) -> Option<f64> {
        let mut values: Vec<f64> = self.rounds.iter().filter_map(pick).collect();
        stats::median(&mut values)
    }
}

/// The warm rows: each backend's `work` in its own build, then in the all-features build;
/// Python; the `fetch` baseline, then each backend's `fetch` in its own build (the
/// nested-call check that the all-features build adds costs nanoseconds, lost in a round trip
/// of tens of microseconds).
pub(crate) fn subjects(backends: &[Backend], python: bool) -> Vec<WarmSubject> {
    let mut subjects = Vec::new();
    for backend in backends {
        subjects.push(WarmSubject::Backend(*backend, Config::of(*backend)));
        subjects.push(WarmSubject::Backend(*backend, Config::All));
    }
    if python {
        subjects.push(WarmSubject::Python);
    }
    subjects.push(WarmSubject::FetchBaseline);
    subjects.extend(backends.iter().map(|backend| WarmSubject::Fetch(*backend)));
    subjects
}

/// How many child processes [`measure`] starts for `subjects`.
pub(crate) fn children(settings: &Settings, subjects: &[WarmSubject]) -> u64 {
    u64::from(settings.warm_rounds) * subjects.len() as u64
}

/// The most connections the `fetch` rows among `subjects` make: per process, each variant
/// makes one checked call, then at most twice the batch cap while it sizes its batch, then
/// its timed batches.
pub(crate) fn fetch_connections(settings: &Settings, subjects: &[WarmSubject]) -> u64 {
    let per_variant =
        1 + (2 + u64::from(settings.warm_reps)) * settings.warm_fetch_max_calls.max(1);
    let variants: u64 = subjects
        .iter()
        .map(|subject| match subject {
            WarmSubject::Fetch(_) => 2,
            WarmSubject::FetchBaseline => 1,
            WarmSubject::Backend(..) | WarmSubject::Python => 0,
        })
        .sum();
    u64::from(settings.warm_rounds) * variants * per_variant
}

/// Every round of every subject; a row stops at its first failed round.
pub(crate) fn measure(
    children: &Children<'_>,
    subjects: &[WarmSubject],
) -> anyhow::Result<Vec<WarmRow>> {
    let mut rows: Vec<WarmRow> = subjects
        .iter()
        .map(|subject| WarmRow {
            subject: *subject,
            rounds: Vec::new(),
            drivers: Vec::new(),
            error: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut schedule = fastrand::Rng::with_seed(SCHEDULE_SEED);
    for _ in 0..children.settings.warm_rounds {
        schedule.shuffle(&mut order);
        for index in &order {
            let row = &mut rows[*index];
            if row.error.is_some() {
                continue;
            }
            let ran = command(children, row.subject)
                .timeout(children.child_timeout())
                .run()?;
            children.progress.inc(1);
            let reported = if ran.success() {
                parse_last::<Reported>(&ran)
            } else {
                Err(format!("the process failed ({})", ran.failure()))
            };
            match reported {
                Ok(reported) => {
                    row.rounds.push(reported.figures);
                    if let Some(driver) = reported.driver
                        && !row.drivers.contains(&driver)
                    {
                        row.drivers.push(driver);
                    }
                }
                Err(error) => row.error = Some(error),
            }
        }
    }
    Ok(rows)
}

/// The command of one round of `subject`.
fn command(children: &Children<'_>, subject: WarmSubject) -> Cmd {
    let settings = children.settings;
    let reps = settings.warm_reps.to_string();
    let target = settings.warm_target_us.to_string();
    let probe = |backend: &str| {
        let config = subject.config().expect("a probe subject has a build");
        children
            .measured(children.probes.path(config))
            .args(["warm", "--backend", backend])
            .args(["--reps", &reps, "--target-us", &target])
    };
    let fetch = |cmd: Cmd| {
        cmd.args(["--fetch", &children.fetch.to_string()])
            .args(["--arg", &settings.arg.to_string()])
            .args(["--max-calls", &settings.warm_fetch_max_calls.to_string()])
    };
    match subject {
        // The portal and the compatible calls in the backend's own build only: what every
        // detector adds to a call shows in the plain figures of both builds already.
        WarmSubject::Backend(backend, Config::All) => probe(backend.name()),
        WarmSubject::Backend(backend, _) => probe(backend.name()).args(["--portal", "--compat"]),
        WarmSubject::Fetch(backend) => fetch(probe(backend.name())),
        WarmSubject::FetchBaseline => fetch(probe("baseline")),
        WarmSubject::Python => children.python("warm", &["0", "0", &reps, &target]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(ns: f64) -> WarmFigures {
        WarmFigures {
            one_shot_ready_ns: Some(ns),
            one_shot_yield_ns: Some(ns * 2.0),
            reused_ready_ns: Some(ns * 3.0),
            reused_yield_ns: Some(ns * 4.0),
            ..WarmFigures::default()
        }
    }

    #[test]
    fn a_row_is_the_median_of_its_rounds() {
        let row = WarmRow {
            subject: WarmSubject::Python,
            rounds: vec![figures(30.0), figures(10.0), figures(20.0), figures(40.0)],
            drivers: Vec::new(),
            error: None,
        };
        let median = row.median().unwrap();
        assert_eq!(
            median.one_shot_ready_ns,
            Some(20.0),
            "the lower middle of four"
        );
        assert_eq!(median.reused_yield_ns, Some(80.0));
        assert_eq!(median.one_shot_fetch_ns, None, "a work row has no fetch");
        let empty = WarmRow {
            rounds: Vec::new(),
            ..row
        };
        assert!(empty.median().is_none());
    }

    #[test]
    fn compat_adds_the_median_of_paired_differences() {
        let round = |plain: f64, compat: f64| WarmFigures {
            one_shot_ready_ns: Some(plain),
            reused_ready_ns: Some(plain / 2.0),
            compat_one_shot_ready_ns: Some(compat),
            compat_reused_ready_ns: Some(compat / 2.0),
            ..WarmFigures::default()
        };
        // The rounds' differences are 30, 5 and 10: their median is 10, where the
        // difference of the two medians (130 - 100) would be 30.
        let row = WarmRow {
            subject: WarmSubject::Python,
            rounds: vec![round(100.0, 130.0), round(90.0, 95.0), round(140.0, 150.0)],
            drivers: Vec::new(),
            error: None,
        };
        let added = row.compat_added().unwrap();
        assert_eq!(added.one_shot_ready_ns, 10.0);
        assert_eq!(added.reused_ready_ns, 5.0);
        let plain = WarmRow {
            rounds: vec![figures(10.0)],
            ..row
        };
        assert_eq!(
            plain.compat_added(),
            None,
            "no compatible figures, nothing added"
        );
    }

    #[test]
    fn a_fetch_report_reads_with_its_driver() {
        let reported: Reported = serde_json::from_str(
            r#"{"one_shot_fetch_ns":null,"reused_fetch_ns":7.5,"blocking_fetch_ns":null,"reps":3,"driver":"io_uring"}"#,
        )
        .unwrap();
        assert_eq!(reported.figures.reused_fetch_ns, Some(7.5));
        assert_eq!(reported.figures.one_shot_ready_ns, None);
        assert_eq!(reported.driver.as_deref(), Some("io_uring"));
        // Only the figures a row has are written out.
        let written = serde_json::to_string(&reported.figures).unwrap();
        assert_eq!(written, r#"{"reused_fetch_ns":7.5}"#);
    }

    #[test]
    fn every_backend_is_measured_in_two_builds_and_fetches_in_one() {
        let subjects = subjects(Backend::ALL, true);
        assert_eq!(subjects.len(), 3 * Backend::ALL.len() + 2);
        assert_eq!(
            subjects[1],
            WarmSubject::Backend(Backend::ALL[0], Config::All)
        );
        let fetches: Vec<_> = subjects
            .iter()
            .filter(|subject| subject.workload() == Workload::Fetch)
            .collect();
        assert_eq!(
            fetches.len(),
            Backend::ALL.len() + 1,
            "and the std::net baseline"
        );
    }
}

//! Warm per-call figures: each backend in its own build and in the all-features build, and
//! Python's asyncio, measured in rounds. Each round starts one process per subject, in an
//! order shuffled every round (seeded), like the cold samples, so that drift of the machine
//! spreads over every row alike; each process times its calls in a few batches and reports
//! their median, and a row's figure is the median over its rounds.

use oneoff::Backend;
use oneoff_workloads::stats;
use serde::{Deserialize, Serialize};

use super::children::{Children, Kind, parse_last};
use super::probes::Config;
use super::settings::Settings;
use crate::cmd::Cmd;

/// Seeds the shuffled order of the warm rounds.
const SCHEDULE_SEED: u64 = 0x3a7e;

/// What one warm row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WarmSubject {
    /// A backend, in one of the probe's builds.
    Backend(Backend, Config),
    /// Python's asyncio.
    Python,
}

impl WarmSubject {
    /// The row's name in the report.
    pub(crate) fn name(self) -> String {
        match self {
            WarmSubject::Backend(backend, _) => backend.name().to_owned(),
            WarmSubject::Python => "python asyncio".to_owned(),
        }
    }

    /// The probe build it runs in (`None` for Python).
    pub(crate) fn config(self) -> Option<Config> {
        match self {
            WarmSubject::Backend(_, config) => Some(config),
            WarmSubject::Python => None,
        }
    }

    /// What kind of row it is.
    pub(crate) fn kind(self) -> Kind {
        match self {
            WarmSubject::Backend(..) => Kind::Backend,
            WarmSubject::Python => Kind::Python,
        }
    }
}

/// Nanoseconds per call of each variant: one process's medians, or a row's median over its
/// rounds.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub(crate) struct WarmFigures {
    pub(crate) one_shot_ready_ns: f64,
    pub(crate) one_shot_yield_ns: f64,
    pub(crate) reused_ready_ns: f64,
    pub(crate) reused_yield_ns: f64,
}

/// One warm row: the figures of each round, or the failure that stopped it.
#[derive(Debug)]
pub(crate) struct WarmRow {
    pub(crate) subject: WarmSubject,
    pub(crate) rounds: Vec<WarmFigures>,
    pub(crate) error: Option<String>,
}

impl WarmRow {
    /// The median over the rounds of each variant; `None` without rounds.
    pub(crate) fn median(&self) -> Option<WarmFigures> {
        let of = |pick: fn(&WarmFigures) -> f64| {
            let mut values: Vec<f64> = self.rounds.iter().map(pick).collect();
            stats::median(&mut values)
        };
        Some(WarmFigures {
            one_shot_ready_ns: of(|f| f.one_shot_ready_ns)?,
            one_shot_yield_ns: of(|f| f.one_shot_yield_ns)?,
            reused_ready_ns: of(|f| f.reused_ready_ns)?,
            reused_yield_ns: of(|f| f.reused_yield_ns)?,
        })
    }
}

/// The warm rows: each backend in its own build, then in the all-features build, then
/// Python.
pub(crate) fn subjects(backends: &[Backend], python: bool) -> Vec<WarmSubject> {
    let mut subjects = Vec::new();
    for backend in backends {
        subjects.push(WarmSubject::Backend(*backend, Config::of(*backend)));
        subjects.push(WarmSubject::Backend(*backend, Config::All));
    }
    if python {
        subjects.push(WarmSubject::Python);
    }
    subjects
}

/// How many child processes [`measure`] starts for `subjects`.
pub(crate) fn children(settings: &Settings, subjects: &[WarmSubject]) -> u64 {
    u64::from(settings.warm_rounds) * subjects.len() as u64
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
            let figures = if ran.success() {
                parse_last::<WarmFigures>(&ran)
            } else {
                Err(format!("the process failed ({})", ran.failure()))
            };
            match figures {
                Ok(figures) => row.rounds.push(figures),
                Err(error) => row.error = Some(error),
            }
        }
    }
    Ok(rows)
}

/// The command of one round of `subject`.
fn command(children: &Children<'_>, subject: WarmSubject) -> Cmd {
    let reps = children.settings.warm_reps.to_string();
    let target = children.settings.warm_target_us.to_string();
    match subject {
        WarmSubject::Backend(backend, config) => children
            .measured(children.probes.path(config))
            .args(["warm", "--backend", backend.name()])
            .args(["--reps", &reps, "--target-us", &target]),
        WarmSubject::Python => children.python("warm", &["0", "0", &reps, &target]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(ns: f64) -> WarmFigures {
        WarmFigures {
            one_shot_ready_ns: ns,
            one_shot_yield_ns: ns * 2.0,
            reused_ready_ns: ns * 3.0,
            reused_yield_ns: ns * 4.0,
        }
    }

    #[test]
    fn a_row_is_the_median_of_its_rounds() {
        let row = WarmRow {
            subject: WarmSubject::Python,
            rounds: vec![figures(30.0), figures(10.0), figures(20.0), figures(40.0)],
            error: None,
        };
        let median = row.median().unwrap();
        assert_eq!(median.one_shot_ready_ns, 20.0, "the lower middle of four");
        assert_eq!(median.reused_yield_ns, 80.0);
        let empty = WarmRow {
            rounds: Vec::new(),
            ..row
        };
        assert!(empty.median().is_none());
    }

    #[test]
    fn every_backend_is_measured_in_two_builds() {
        let subjects = subjects(Backend::ALL, true);
        assert_eq!(subjects.len(), 2 * Backend::ALL.len() + 1);
        assert_eq!(
            subjects[1],
            WarmSubject::Backend(Backend::ALL[0], Config::All)
        );
    }
}

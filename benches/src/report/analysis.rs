//! The overhead target, judged pair by pair, and the noise of each group.
//!
//! The target: the nested-call check costs at most its detectors (each measured alone in
//! `overhead.rs`), and the rest of a oneoff call (its time minus the check) is at most ×1.05,
//! or at most 1 ns, over the direct call, in at least 90% of the pairs of an order-shuffled
//! run, each exception listed. A pair counts only when both of its figures come from one
//! recorded run; the others are stale and listed apart. A group is noisy when two identical
//! twins (the same call measured twice) differ by more than ×1.02 and more than 1 ns.

use std::collections::BTreeMap;

use oneoff::Backend;

use super::read::{CriterionFigure, Estimate, Figures};
use crate::record::Record;

/// The rest of a oneoff call may cost at most this ratio of its direct twin...
pub(crate) const MAX_RATIO: f64 = 1.05;
/// ... or at most this many nanoseconds more.
pub(crate) const MAX_GAP_NS: f64 = 1.0;
/// The share of pairs that must meet it.
pub(crate) const MIN_SHARE: f64 = 0.90;
/// Two identical twins agree when within this ratio of each other ...
pub(crate) const TWIN_RATIO: f64 = 1.02;
/// ... or within this many nanoseconds.
pub(crate) const TWIN_GAP_NS: f64 = 1.0;

/// Each oneoff variant and the direct variant it is divided by.
pub(crate) const PAIRS: &[(&str, &str)] =
    &[("oneshot", "direct-oneshot"), ("reused", "direct-reused")];

/// The nested-call check, measured alone: `<workload>/<backend>/<variant>`.
pub(crate) const CHECK: [&str; 3] = ["overhead", "oneoff-core", "enter"];
/// Each detector of the check, measured alone, is `overhead/detector/<name>`.
pub(crate) const DETECTOR: [&str; 2] = ["overhead", "detector"];

/// Workloads in the order the report shows them; others follow by name.
const WORKLOADS: &[&str] = &["ready", "yield1", "yield10", "xthread", "work", "spawn"];

/// A oneoff variant beside its direct twin.
#[derive(Debug)]
pub(crate) struct FigurePair<'a> {
    pub(crate) workload: &'a str,
    pub(crate) backend: &'a str,
    pub(crate) variant: &'a str,
    pub(crate) oneoff: &'a CriterionFigure,
    pub(crate) direct: &'a CriterionFigure,
}

impl<'a> FigurePair<'a> {
    /// `<workload>/<backend>/<oneoff variant>` beside `<workload>/<backend>/<direct variant>`,
    /// when both were measured.
    pub(crate) fn find(
        figures: &'a Figures,
        workload: &'a str,
        backend: &'a str,
        (variant, direct): (&'a str, &str),
    ) -> Option<FigurePair<'a>> {
        let get = |v: &str| figures.get(&key(workload, backend, v));
        Some(FigurePair {
            workload,
            backend,
            variant,
            oneoff: get(variant)?,
            direct: get(direct)?,
        })
    }

    /// The run both figures come from, when it is one recorded run.
    pub(crate) fn run(&self) -> Option<&str> {
        let run = self.oneoff.run.as_deref()?;
        (self.direct.run.as_deref() == Some(run)).then_some(run)
    }

    /// `<workload>/<backend>/<variant>` of the oneoff side.
    pub(crate) fn id(&self) -> String {
        format!("{}/{}/{}", self.workload, self.backend, self.variant)
    }

    /// The rest of the oneoff call over the direct call, with `check` ns taken off.
    pub(crate) fn ratio(&self, check: f64) -> f64 {
        (self.oneoff.time.point_estimate - check) / self.direct.time.point_estimate
    }

    /// The rest of the oneoff call minus the direct call, in ns.
    pub(crate) fn gap(&self, check: f64) -> f64 {
        self.oneoff.time.point_estimate - check - self.direct.time.point_estimate
    }

    /// The target at criterion's point estimates.
    pub(crate) fn holds(&self, check: f64) -> bool {
        self.ratio(check) <= MAX_RATIO || self.gap(check) <= MAX_GAP_NS
    }

    /// The target at the favourable ends of both 95% intervals: when even this fails, the
    /// failure is not noise of the measurement.
    pub(crate) fn may_hold(&self, check: f64) -> bool {
        let oneoff = self.oneoff.time.confidence_interval.lower_bound - check;
        let direct = self.direct.time.confidence_interval.upper_bound;
        oneoff <= direct * MAX_RATIO || oneoff - direct <= MAX_GAP_NS
    }
}

/// Two figures of the same call in one group.
#[derive(Debug)]
pub(crate) struct Twin {
    pub(crate) ids: [String; 2],
    pub(crate) times: [f64; 2],
}

impl Twin {
    /// The larger over the smaller.
    pub(crate) fn spread(&self) -> f64 {
        let [a, b] = self.times;
        a.max(b) / a.min(b)
    }

    /// Whether the two disagree beyond the bound.
    pub(crate) fn disagree(&self) -> bool {
        let [a, b] = self.times;
        self.spread() > TWIN_RATIO && (a - b).abs() > TWIN_GAP_NS
    }
}

/// The check and its detectors, each measured alone.
#[derive(Debug)]
pub(crate) struct Check {
    /// `overhead/oneoff-core/enter`, when measured.
    pub(crate) cost: Option<Estimate>,
    /// `overhead/detector/<name>`, by name.
    pub(crate) detectors: Vec<(String, Estimate)>,
}

impl Check {
    /// What a oneoff call's check costs, in ns: 0 when it was not measured.
    pub(crate) fn ns(&self) -> f64 {
        self.cost.map_or(0.0, |cost| cost.point_estimate)
    }

    /// The detectors' total, when any was measured.
    pub(crate) fn detectors_ns(&self) -> Option<f64> {
        (!self.detectors.is_empty())
            .then(|| self.detectors.iter().map(|(_, e)| e.point_estimate).sum())
    }

    /// Whether the check costs at most its detectors (within the target's tolerance);
    /// `None` when either side was not measured.
    pub(crate) fn within_detectors(&self) -> Option<bool> {
        let cost = self.cost?.point_estimate;
        let detectors = self.detectors_ns()?;
        Some(cost <= detectors * MAX_RATIO || cost - detectors <= MAX_GAP_NS)
    }
}

/// Everything the report says.
#[derive(Debug)]
pub(crate) struct Analysis<'a> {
    /// Workloads with oneoff/direct pairs, in report order.
    pub(crate) paired: Vec<&'a str>,
    /// The other workloads (`overhead`).
    pub(crate) other: Vec<&'a str>,
    /// Pairs whose two figures come from one recorded run: the ones the target counts.
    pub(crate) fresh: Vec<FigurePair<'a>>,
    /// Pairs whose figures come from two runs, or from no recorded run.
    pub(crate) stale: Vec<FigurePair<'a>>,
    pub(crate) check: Check,
    /// Identical twins by workload, both figures from one run.
    pub(crate) twins: BTreeMap<&'a str, Vec<Twin>>,
    /// The recorded runs the fresh pairs come from.
    pub(crate) runs: Vec<&'a Record>,
}

impl<'a> Analysis<'a> {
    /// Pairs, twins and the check from `figures` and `runs`.
    pub(crate) fn new(figures: &'a Figures, runs: &'a [Record]) -> Self {
        let workloads = ordered(figures.keys().map(|(w, _, _)| w.as_str()), WORKLOADS);
        let (paired, other): (Vec<&str>, Vec<&str>) = workloads.into_iter().partition(|w| {
            figures
                .keys()
                .any(|(fw, _, v)| fw == w && PAIRS.iter().any(|(_, direct)| v == direct))
        });
        let (mut fresh, mut stale) = (Vec::new(), Vec::new());
        for &workload in &paired {
            for backend in backends_of(figures, workload) {
                for &variants in PAIRS {
                    if let Some(pair) = FigurePair::find(figures, workload, backend, variants) {
                        if pair.run().is_some() {
                            fresh.push(pair);
                        } else {
                            stale.push(pair);
                        }
                    }
                }
            }
        }
        let used: Vec<&str> = fresh.iter().filter_map(FigurePair::run).collect();
        let runs: Vec<&Record> = runs
            .iter()
            .filter(|record| used.contains(&record.run.as_str()))
            .collect();
        Analysis {
            twins: twins(figures, &runs),
            check: check(figures),
            paired,
            other,
            fresh,
            stale,
            runs,
        }
    }

    /// The fresh pairs that meet the target.
    pub(crate) fn meeting(&self) -> usize {
        let check = self.check.ns();
        self.fresh.iter().filter(|pair| pair.holds(check)).count()
    }

    /// The share of fresh pairs that meet the target; `None` without fresh pairs.
    pub(crate) fn share(&self) -> Option<f64> {
        (!self.fresh.is_empty()).then(|| self.meeting() as f64 / self.fresh.len() as f64)
    }

    /// Whether at least [`MIN_SHARE`] of the pairs meet the target and the check costs at
    /// most its detectors (where both were measured).
    pub(crate) fn target_met(&self) -> bool {
        self.share().is_some_and(|share| share >= MIN_SHARE)
            && self.check.within_detectors() != Some(false)
    }

    /// The fresh pairs that miss the target.
    pub(crate) fn exceptions(&self) -> Vec<&FigurePair<'a>> {
        let check = self.check.ns();
        self.fresh
            .iter()
            .filter(|pair| !pair.holds(check))
            .collect()
    }

    /// Whether any run behind the fresh pairs was a quick one.
    pub(crate) fn quick(&self) -> bool {
        self.runs.iter().any(|run| run.quick)
    }

    /// Whether `workload`'s identical twins disagree; `None` when it has none.
    pub(crate) fn noisy(&self, workload: &str) -> Option<bool> {
        let twins = self.twins.get(workload)?;
        Some(twins.iter().any(Twin::disagree))
    }

    /// The backends measured in `workload`, in the facade's order.
    pub(crate) fn backends(&self, figures: &'a Figures, workload: &str) -> Vec<&'a str> {
        backends_of(figures, workload)
    }
}

fn key(workload: &str, backend: &str, variant: &str) -> (String, String, String) {
    (workload.to_owned(), backend.to_owned(), variant.to_owned())
}

/// Every identical twin the runs declare whose two figures both come from that run.
fn twins<'a>(figures: &Figures, runs: &[&'a Record]) -> BTreeMap<&'a str, Vec<Twin>> {
    let mut found: BTreeMap<&'a str, Vec<Twin>> = BTreeMap::new();
    for record in runs {
        for ids in &record.twins {
            let figure = |id: &String| {
                let mut parts = id.splitn(3, '/');
                let (w, b, v) = (parts.next()?, parts.next()?, parts.next()?);
                figures
                    .get(&key(w, b, v))
                    .filter(|figure| figure.run.as_deref() == Some(record.run.as_str()))
            };
            if let (Some(a), Some(b)) = (figure(&ids[0]), figure(&ids[1])) {
                found.entry(record.group.as_str()).or_default().push(Twin {
                    ids: ids.clone(),
                    times: [a.time.point_estimate, b.time.point_estimate],
                });
            }
        }
    }
    found
}

fn check(figures: &Figures) -> Check {
    let [workload, backend, variant] = CHECK;
    let [dw, db] = DETECTOR;
    Check {
        cost: figures
            .get(&key(workload, backend, variant))
            .map(|f| f.time),
        detectors: figures
            .iter()
            .filter(|((w, b, _), _)| w == dw && b == db)
            .map(|((_, _, name), figure)| (name.clone(), figure.time))
            .collect(),
    }
}

/// The backends measured in `workload` (the floor's `none` aside), in the facade's order.
fn backends_of<'a>(figures: &'a Figures, workload: &str) -> Vec<&'a str> {
    let order: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
    ordered(
        figures
            .keys()
            .filter(|(w, b, _)| w == workload && b != "none")
            .map(|(_, b, _)| b.as_str()),
        &order,
    )
}

/// The distinct `names`, those in `order` first and in its order, the rest by name.
fn ordered<'a>(names: impl Iterator<Item = &'a str>, order: &[&str]) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.collect();
    names.sort_by_key(|name| {
        (
            order
                .iter()
                .position(|known| known == name)
                .unwrap_or(order.len()),
            *name,
        )
    });
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::super::read::Interval;
    use super::*;

    fn figure(point: f64, run: Option<&str>) -> CriterionFigure {
        CriterionFigure {
            time: Estimate {
                point_estimate: point,
                confidence_interval: Interval {
                    lower_bound: point * 0.99,
                    upper_bound: point * 1.01,
                },
            },
            written_ns: 0,
            run: run.map(str::to_owned),
        }
    }

    fn pair<'a>(oneoff: &'a CriterionFigure, direct: &'a CriterionFigure) -> FigurePair<'a> {
        FigurePair {
            workload: "ready",
            backend: "b",
            variant: "oneshot",
            oneoff,
            direct,
        }
    }

    #[test]
    fn the_rest_after_the_check_is_ratio_or_one_nanosecond() {
        let run = Some("r");
        let (o, d) = (figure(104.0, run), figure(100.0, run));
        assert!(pair(&o, &d).holds(0.0));
        let (o, d) = (figure(2.9, run), figure(2.0, run));
        assert!(pair(&o, &d).holds(0.0), "within 1 ns");
        let (o, d) = (figure(120.0, run), figure(100.0, run));
        assert!(!pair(&o, &d).holds(0.0));
        assert!(!pair(&o, &d).may_hold(0.0));
        assert!(pair(&o, &d).holds(16.0), "the check is taken off first");
        let (o, d) = (figure(106.0, run), figure(100.0, run));
        assert!(pair(&o, &d).may_hold(0.0), "intervals overlap the target");
    }

    #[test]
    fn a_pair_is_fresh_only_within_one_recorded_run() {
        let (a, b, none) = (
            figure(1.0, Some("a")),
            figure(1.0, Some("b")),
            figure(1.0, None),
        );
        let also_a = figure(2.0, Some("a"));
        assert_eq!(pair(&a, &also_a).run(), Some("a"));
        assert_eq!(pair(&a, &b).run(), None);
        assert_eq!(pair(&none, &none).run(), None);
    }

    #[test]
    fn twins_disagree_beyond_two_percent_and_one_nanosecond() {
        let twin = |a, b| Twin {
            ids: ["x".into(), "y".into()],
            times: [a, b],
        };
        assert!(!twin(100.0, 101.5).disagree());
        assert!(twin(100.0, 103.0).disagree());
        assert!(!twin(10.0, 10.9).disagree(), "within 1 ns");
    }

    #[test]
    fn stale_pairs_are_left_out_of_the_share() {
        let mut figures = Figures::new();
        let mut put = |b: &str, v: &str, f: CriterionFigure| {
            figures.insert(key("ready", b, v), f);
        };
        put("smol", "oneshot", figure(100.0, Some("r")));
        put("smol", "direct-oneshot", figure(100.0, Some("r")));
        put("smol", "reused", figure(200.0, Some("r")));
        put("smol", "direct-reused", figure(100.0, Some("r")));
        put("tokio", "oneshot", figure(300.0, Some("r")));
        put("tokio", "direct-oneshot", figure(100.0, None));
        let runs = [Record {
            schema: "oneoff-bench-run/1".into(),
            run: "r".into(),
            group: "ready".into(),
            seed: 1,
            quick: false,
            started_unix_ns: 0,
            finished_unix_ns: 1,
            order: Vec::new(),
            measured: Vec::new(),
            twins: Vec::new(),
            host: None,
        }];
        let analysis = Analysis::new(&figures, &runs);
        assert_eq!(analysis.fresh.len(), 2);
        assert_eq!(analysis.stale.len(), 1);
        assert_eq!(analysis.share(), Some(0.5));
        assert!(!analysis.target_met());
        assert_eq!(analysis.exceptions()[0].id(), "ready/smol/reused");
        assert_eq!(analysis.runs.len(), 1);
    }
}

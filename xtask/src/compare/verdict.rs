//! The answer first: for each situation a user is in, the backend this run recommends and the
//! figure that decides it. Candidates whose spread overlaps the best one's are named as within
//! noise of it, not ranked.

use serde::Serialize;

use super::spread::overlap;
use super::text::{per_call, us};

/// A situation a user is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Situation {
    /// One call from a cold process: a CLI that runs one future and exits.
    OneCall,
    /// Many calls from one thread, on a kept runner.
    ManyCalls,
    /// The future needs tokio (its I/O, timers or `tokio::spawn`).
    NeedsTokio,
    /// Several threads share one async world: a `BlockingPortal`.
    SharedAcrossThreads,
    /// The smallest footprint.
    SmallestFootprint,
}

impl Situation {
    /// Every situation, in the order the verdict answers them.
    pub(crate) const ALL: [Situation; 5] = [
        Situation::OneCall,
        Situation::ManyCalls,
        Situation::NeedsTokio,
        Situation::SharedAcrossThreads,
        Situation::SmallestFootprint,
    ];

    /// What the chart's panel shows, in a line.
    pub(crate) fn axis(self) -> &'static str {
        self.texts().2
    }

    /// The situation as a user would put it, the figure that decides it (and the spread beside
    /// it), what the chart's panel shows, and the figure's unit.
    fn texts(self) -> (&'static str, &'static str, &'static str, Unit) {
        match self {
            Situation::OneCall => (
                "one call from a cold process",
                "work(arg) started in a fresh process, over the no-async baseline: the median of \
                 paired differences, with its 95% interval",
                "start to first line of work(arg) in a fresh process, over the no-async baseline \
                 (line: 95% interval of the median)",
                Unit::Microseconds,
            ),
            Situation::ManyCalls => (
                "many calls",
                "a kept runner's call of a future that yields once, ns per call (the benches' \
                 yield1/<backend>/reused): the median over its samples, with their range",
                "a kept runner's call, future yields once (line: fastest to slowest sample)",
                Unit::Nanoseconds,
            ),
            Situation::NeedsTokio => (
                "the future needs tokio",
                "fetch(arg) on tokio::net started in a fresh process, over the std::net baseline, \
                 on each backend that runs tokio's I/O natively (the matrix): the median of paired \
                 differences, with its 95% interval. Elsewhere TokioCompat runs it, at the cost \
                 in the table of TokioCompat",
                "fetch(arg) on tokio::net in a fresh process, over the std::net baseline (line: \
                 95% interval of the median)",
                Unit::Microseconds,
            ),
            Situation::SharedAcrossThreads => (
                "several threads share one async world",
                "a BlockingPortal's round trip from another thread, ns per call (the benches' \
                 portal/<backend>/call): the median over its samples, with their range",
                "a BlockingPortal call from another thread (line: fastest to slowest sample)",
                Unit::Nanoseconds,
            ),
            Situation::SmallestFootprint => (
                "the smallest footprint",
                "peak memory of a one-call process over the no-async baseline, KiB: the median, \
                 with the 10th and 90th percentiles (binary size: cargo xtask footprint)",
                "peak memory of a one-call process over the no-async baseline (line: 10th to 90th percentile)",
                Unit::Kibibytes,
            ),
        }
    }
}

/// What a candidate's figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Unit {
    /// Nanoseconds, shown as µs.
    Microseconds,
    /// Nanoseconds.
    Nanoseconds,
    /// KiB.
    Kibibytes,
}

impl Unit {
    /// The unit's name on a chart's axis.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Unit::Microseconds => "µs",
            Unit::Nanoseconds => "ns per call",
            Unit::Kibibytes => "KiB",
        }
    }

    /// `value` in this unit, for a reader.
    pub(crate) fn show(self, value: f64) -> String {
        let sign = if value < 0.0 { "-" } else { "" };
        match self {
            Unit::Microseconds => format!("{sign}{} µs", us(value.abs().round() as u64)),
            Unit::Nanoseconds => format!("{sign}{} ns", per_call(value.abs())),
            Unit::Kibibytes => format!("{sign}{:.0} KiB", value.abs()),
        }
    }
}

/// One way to do it, with its figure and that figure's spread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Candidate {
    /// The backend, or `<backend> in TokioCompat`.
    pub(crate) name: String,
    pub(crate) median: f64,
    /// The low end of its spread.
    pub(crate) low: f64,
    /// The high end of its spread.
    pub(crate) high: f64,
    /// Its rounds disagree by more than `spread::UNSTEADY`.
    pub(crate) unsteady: bool,
}

impl Candidate {
    /// `name` with its `median` and the spread from `low` to `high`, steady.
    pub(crate) fn new(name: &str, median: f64, low: f64, high: f64) -> Candidate {
        Candidate {
            name: name.to_owned(),
            median,
            low,
            high,
            unsteady: false,
        }
    }
}

/// The verdict for one situation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Answer {
    pub(crate) situation: Situation,
    pub(crate) question: &'static str,
    /// What decides it.
    pub(crate) figure: &'static str,
    pub(crate) unit: Unit,
    /// The recommended way: the lowest median. `None` when nothing was measured.
    pub(crate) pick: Option<String>,
    /// The candidates whose spread overlaps the pick's: not ranked against it.
    pub(crate) within_noise: Vec<String>,
    /// Every candidate, lowest median first.
    pub(crate) candidates: Vec<Candidate>,
}

impl Answer {
    /// Decides `situation` among `candidates`: the lowest median, and what overlaps its spread.
    pub(crate) fn decide(situation: Situation, mut candidates: Vec<Candidate>) -> Answer {
        let (question, figure, _, unit) = situation.texts();
        candidates.sort_by(|a, b| a.median.total_cmp(&b.median));
        let best = candidates.first();
        let within_noise = best.map_or_else(Vec::new, |best| {
            candidates[1..]
                .iter()
                .filter(|c| overlap((best.low, best.high), (c.low, c.high)))
                .map(|c| c.name.clone())
                .collect()
        });
        Answer {
            situation,
            question,
            figure,
            unit,
            pick: best.map(|best| best.name.clone()),
            within_noise,
            candidates,
        }
    }

    /// The answer in a sentence: the pick, its figure and spread, what is within noise of it,
    /// and the next best.
    pub(crate) fn sentence(&self) -> String {
        let Some(best) = self.candidates.first() else {
            return "not measured in this run".to_owned();
        };
        let show = |value| self.unit.show(value);
        let mut said = format!(
            "{} ({}, spread {} to {}{})",
            best.name,
            show(best.median),
            show(best.low),
            show(best.high),
            if best.unsteady {
                ", unsteady: read it as a rough figure"
            } else {
                ""
            }
        );
        if !self.within_noise.is_empty() {
            said.push_str(&format!(
                "; within noise of it, not ranked: {}",
                self.within_noise.join(", ")
            ));
        }
        let next = self.candidates[1..]
            .iter()
            .find(|c| !self.within_noise.contains(&c.name));
        if let Some(next) = next {
            said.push_str(&format!("; next: {} ({})", next.name, show(next.median)));
        }
        said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two backends inside each other's spread are not ranked: the one with the lower median is
    /// named, and the other as within noise of it, never as second.
    #[test]
    fn candidates_within_each_others_spread_are_not_ranked() {
        let answer = Answer::decide(
            Situation::ManyCalls,
            vec![
                Candidate::new("smol", 31.0, 28.0, 40.0),
                Candidate::new("futures-lite", 30.0, 25.0, 33.0),
                Candidate::new("tokio", 150.0, 140.0, 160.0),
            ],
        );
        assert_eq!(answer.pick.as_deref(), Some("futures-lite"));
        assert_eq!(answer.within_noise, ["smol"]);
        let sentence = answer.sentence();
        assert!(
            sentence.contains("within noise of it, not ranked: smol"),
            "{sentence}"
        );
        assert!(sentence.contains("next: tokio (150 ns)"), "{sentence}");
        assert!(!sentence.contains("next: smol"), "{sentence}");
    }

    #[test]
    fn a_clear_winner_is_ranked_and_an_unsteady_one_says_so() {
        let mut fast = Candidate::new("tokio", 6_000.0, 5_000.0, 20_000.0);
        fast.unsteady = true;
        let answer = Answer::decide(
            Situation::OneCall,
            vec![Candidate::new("smol", 80_000.0, 70_000.0, 90_000.0), fast],
        );
        assert_eq!(answer.pick.as_deref(), Some("tokio"));
        assert!(answer.within_noise.is_empty());
        let sentence = answer.sentence();
        assert!(
            sentence.starts_with("tokio (6.00 µs, spread 5.00 µs to 20.0 µs, unsteady"),
            "{sentence}"
        );
        assert!(sentence.ends_with("next: smol (80.0 µs)"), "{sentence}");
    }

    #[test]
    fn nothing_measured_is_said() {
        let answer = Answer::decide(Situation::SmallestFootprint, Vec::new());
        assert_eq!(answer.pick, None);
        assert_eq!(answer.sentence(), "not measured in this run");
    }
}

//! Cold samples: a fresh process per sample, rows interleaved round by round, each sample
//! checked before it counts, each row summarised beside its baseline.

use std::time::Duration;

use oneoff_probe::{ColdReport, Request};
use oneoff_workloads::{DONE, STARTED, answer, stats};
use serde::Serialize;

use super::probes::{Build, Launcher, report};
use super::settings::{Subject, Workload};
use super::spread::Spread;
use crate::cmd::Ran;
use oneoff_probe::BackendName;

/// Seeds the shuffled order of the cold samples: the same flags give the same schedule.
const SCHEDULE_SEED: u64 = 0x5eed;

/// One checked cold sample.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Its round: the baseline's sample of the same round ran moments apart, under the same load.
    pub(crate) round: u32,
    /// From just before the process started to the arrival of its first line.
    pub(crate) first_line: Duration,
    /// From just before the process started to its exit.
    pub(crate) process: Duration,
    /// What the process saw inside.
    pub(crate) inside: ColdReport,
}

/// All the samples of one cold row, or the first failure that stopped it.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) subject: Subject,
    pub(crate) workload: Workload,
    pub(crate) samples: Vec<Sample>,
    pub(crate) error: Option<String>,
}

/// The cold rows: the baseline, each backend and Python's (`work` only), on each workload.
pub(crate) fn rows(backends: &[BackendName], python: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for workload in [Workload::Work, Workload::Fetch] {
        let mut subjects = vec![Subject::Baseline];
        subjects.extend(backends.iter().map(|backend| Subject::Backend(*backend)));
        if python && workload == Workload::Work {
            subjects.extend([
                Subject::PythonPlain,
                Subject::PythonRun,
                Subject::PythonRunner,
            ]);
        }
        rows.extend(subjects.into_iter().map(|subject| Row {
            subject,
            workload,
            samples: Vec::new(),
            error: None,
        }));
    }
    rows
}

/// How many processes [`measure`] starts for `rows`, and how many of them fetch.
pub(crate) fn processes(rows: &[Row], launch: &Launcher<'_>) -> (u64, u64) {
    let s = launch.settings;
    let count = |row: &Row| {
        let samples = if row.subject.is_python() {
            s.python_samples
        } else {
            s.samples
        };
        u64::from(s.discarded_rounds + samples)
    };
    let all = rows.iter().map(count).sum();
    let fetches = rows
        .iter()
        .filter(|row| row.workload == Workload::Fetch)
        .map(count)
        .sum();
    (all, fetches)
}

/// Cold samples of every row: each round starts one process per row, so that the machine's
/// drift spreads over all rows alike, in a seeded order shuffled every round, so that no row
/// always follows the same one. The first rounds are discarded; a row stops at its first failed
/// sample.
pub(crate) fn measure(
    launch: &Launcher<'_>,
    rows: &mut [Row],
    fetch: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let s = launch.settings;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut schedule = fastrand::Rng::with_seed(SCHEDULE_SEED);
    for round in 0..s.discarded_rounds + s.samples {
        let kept = round >= s.discarded_rounds;
        let python_round = !kept || spread(round - s.discarded_rounds, s.samples, s.python_samples);
        schedule.shuffle(&mut order);
        for index in &order {
            let row = &mut rows[*index];
            if row.error.is_some() || (row.subject.is_python() && !python_round) {
                continue;
            }
            let ran = launch.run(command(launch, row, fetch))?;
            match check(&ran, row.workload, s.arg) {
                Ok(sample) if kept => row.samples.push(Sample { round, ..sample }),
                Ok(_) => {}
                Err(error) => row.error = Some(error),
            }
        }
    }
    Ok(())
}

/// The command of one cold sample of `row`.
fn command(launch: &Launcher<'_>, row: &Row, fetch: std::net::SocketAddr) -> crate::cmd::Cmd {
    let s = launch.settings;
    let python_mode = match row.subject {
        Subject::PythonPlain => "cold-plain",
        Subject::PythonRun => "cold-run",
        Subject::PythonRunner => "cold-runner",
        Subject::Baseline | Subject::Backend(_) => {
            let request = Request::Cold {
                backend: row.subject.backend(),
                arg: s.arg,
                delay_ns: s.delay_ns,
                fetch: (row.workload == Workload::Fetch).then_some(fetch),
            };
            let build = row.subject.backend().map_or(Build::Default, Build::of);
            return launch.probe(build, &request, launch.child_timeout());
        }
    };
    launch.python(python_mode, &[&s.arg.to_string(), &s.delay_ns.to_string()])
}

/// Whether kept round `round` (counted from 0) of `rounds` is one of the `wanted` rounds
/// spread evenly over them.
fn spread(round: u32, rounds: u32, wanted: u32) -> bool {
    let share = |r: u32| u64::from(r) * u64::from(wanted) / u64::from(rounds);
    share(round + 1) > share(round)
}

/// Checks one cold sample: the process succeeded, printed its workload's lines (`work`'s two in
/// order, `fetch`'s answer) then its report, and the workload returned arg * 100.
pub(crate) fn check(ran: &Ran, workload: Workload, arg: u64) -> Result<Sample, String> {
    let expected = answer(arg);
    let inside: ColdReport = report(ran)?;
    let printed = &ran.lines[..ran.lines.len() - 1];
    let answer = expected.to_string();
    let (wanted, name, order): (Vec<&str>, _, _) = match workload {
        Workload::Work => (vec![STARTED, DONE], "work", " in that order"),
        Workload::Fetch => (vec![&answer], "fetch", ""),
    };
    if printed != wanted {
        return Err(format!(
            "{name}({arg}) printed {printed:?}, expected {wanted:?}{order}"
        ));
    }
    if inside.result != expected {
        return Err(format!(
            "{name}({arg}) returned {}, expected {expected}",
            inside.result
        ));
    }
    Ok(Sample {
        round: 0,
        first_line: ran.first_line.expect("the work printed a line"),
        process: ran.wall,
        inside,
    })
}

/// One cold row summarised: is the result right, and what start-up, teardown and the footprint
/// cost.
#[derive(Debug, Serialize)]
pub(crate) struct ColdSummary {
    pub(crate) name: &'static str,
    #[serde(rename = "kind")]
    pub(crate) subject: Subject,
    pub(crate) workload: Workload,
    /// `fetch`: the network stack it ran on (the backend's own, or `std::net`).
    pub(crate) stack: Option<String>,
    /// Whether every sample passed its check.
    pub(crate) ok: bool,
    /// The first failed check, when one failed.
    pub(crate) error: Option<String>,
    /// What work(arg) and fetch(arg) must return: arg * 100.
    pub(crate) expected_result: u64,
    /// Kept samples, each a fresh process.
    pub(crate) samples: usize,
    /// Process start to the first line: `work`'s first line, `fetch`'s answer received.
    pub(crate) first_line_ns: Option<Spread>,
    /// The median of this row's first line minus its baseline's in the same round (Rust rows:
    /// the Rust baseline of the same workload; Python rows: Python without asyncio).
    pub(crate) first_line_above_baseline_ns: Option<i64>,
    /// The 95% confidence interval of that median (`stats::median_interval`), absent under 6
    /// pairs.
    pub(crate) first_line_above_baseline_ci_ns: Option<[i64; 2]>,
    /// Process start to process exit.
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
    /// Peak RSS of the whole process, KiB.
    pub(crate) peak_rss_kib: Option<Spread>,
    /// The median peak RSS minus its baseline's, KiB.
    pub(crate) rss_above_baseline_kib: Option<i64>,
}

/// Every row summarised beside its baseline (the same workload's, Rust's or Python's).
pub(crate) fn summarise(rows: &[Row], expected: u64) -> Vec<ColdSummary> {
    let base_of = |row: &Row| {
        rows.iter().find(|base| {
            base.error.is_none()
                && base.workload == row.workload
                && base.subject == row.subject.baseline()
        })
    };
    rows.iter()
        .map(|row| summary(row, base_of(row), expected))
        .collect()
}

fn summary(row: &Row, base: Option<&Row>, expected: u64) -> ColdSummary {
    let ok = row.error.is_none();
    // A failed row shows its message, not figures from the samples before the failure.
    let samples = if ok { &row.samples[..] } else { &[] };
    let mut paired = base.map_or_else(Vec::new, |base| paired(samples, &base.samples));
    let rss = |samples: &[Sample]| {
        let median = over(samples, |s| s.inside.peak_rss_kib)?.median;
        i64::try_from(median).ok()
    };
    ColdSummary {
        name: row.subject.name(row.workload),
        subject: row.subject,
        workload: row.workload,
        stack: samples.iter().find_map(|s| s.inside.stack.clone()),
        ok,
        error: row.error.clone(),
        expected_result: expected,
        samples: row.samples.len(),
        first_line_ns: over(samples, |s| Some(nanos(s.first_line))),
        first_line_above_baseline_ns: stats::median(&mut paired),
        first_line_above_baseline_ci_ns: stats::median_interval(&mut paired)
            .map(|(low, high)| [low, high]),
        process_ns: over(samples, |s| Some(nanos(s.process))),
        construct_to_first_poll_ns: over(samples, |s| s.inside.construct_to_first_poll_ns),
        teardown_ns: over(samples, |s| s.inside.teardown_ns),
        timer_ns: over(samples, |s| s.inside.timer_ns),
        round_trip_ns: over(samples, |s| s.inside.round_trip_ns),
        threads_during: over(samples, |s| s.inside.threads_during).map(|s| s.median),
        threads_after: over(samples, |s| s.inside.threads_after).map(|s| s.median),
        peak_rss_kib: over(samples, |s| s.inside.peak_rss_kib),
        rss_above_baseline_kib: base.and_then(|base| Some(rss(samples)? - rss(&base.samples)?)),
    }
}

/// The spread of what `pick` reads of each sample.
fn over(samples: &[Sample], pick: impl Fn(&Sample) -> Option<u64>) -> Option<Spread> {
    Spread::of(samples.iter().filter_map(pick).collect())
}

/// Each sample's first line minus the baseline's of the same round: a change of the machine's
/// load during the run moves their median far less than it moves a difference of medians.
fn paired(samples: &[Sample], base: &[Sample]) -> Vec<i64> {
    let signed = |s: &Sample| i64::try_from(s.first_line.as_nanos()).unwrap_or(i64::MAX);
    samples
        .iter()
        .filter_map(|s| {
            let same_round = base.binary_search_by_key(&s.round, |b| b.round).ok()?;
            Some(signed(s) - signed(&base[same_round]))
        })
        .collect()
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::sh;

    const REPORT: &str = r#"{"result":10000,"construct_to_first_poll_ns":5,"timer_ns":7,"teardown_ns":3,"threads_during":2,"threads_after":1,"peak_rss_kib":3000}"#;

    const FETCHED: &str =
        r#"{"result":10000,"construct_to_first_poll_ns":5,"round_trip_ns":40000,"teardown_ns":3}"#;

    #[test]
    fn accepts_a_good_sample() {
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{REPORT}'"));
        let sample = check(&ran, Workload::Work, 100).unwrap();
        assert_eq!(sample.inside.teardown_ns, Some(3));
        assert_eq!(sample.inside.timer_ns, Some(7));
    }

    #[test]
    fn rejects_a_wrong_result_lines_out_of_order_and_a_crash() {
        let report = REPORT.replace("10000", "9999");
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{report}'"));
        let err = check(&ran, Workload::Work, 100).unwrap_err();
        assert_eq!(err, "work(100) returned 9999, expected 10000");
        let ran = sh(&format!("echo '{DONE}'; echo '{STARTED}'; echo '{REPORT}'"));
        let err = check(&ran, Workload::Work, 100).unwrap_err();
        assert!(err.contains("in that order"), "{err}");
        let ran = sh(&format!(
            "echo '{STARTED}'; echo 'error: runtime refused' >&2; exit 1"
        ));
        let err = check(&ran, Workload::Work, 100).unwrap_err();
        assert_eq!(
            err,
            "the process failed (exit status: 1: error: runtime refused)"
        );
    }

    #[test]
    fn a_fetch_sample_is_its_answer_line_and_the_same_result() {
        let ran = sh(&format!("echo 10000; echo '{FETCHED}'"));
        let sample = check(&ran, Workload::Fetch, 100).unwrap();
        assert_eq!(sample.inside.round_trip_ns, Some(40_000));
        assert_eq!(Some(sample.first_line), ran.first_line);
        let ran = sh(&format!("echo 10001; echo '{FETCHED}'"));
        let err = check(&ran, Workload::Fetch, 100).unwrap_err();
        assert_eq!(err, r#"fetch(100) printed ["10001"], expected ["10000"]"#);
        let ran = sh(&format!(
            "echo 10000; echo '{}'",
            FETCHED.replace("10000", "700")
        ));
        let err = check(&ran, Workload::Fetch, 100).unwrap_err();
        assert_eq!(err, "fetch(100) returned 700, expected 10000");
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{REPORT}'"));
        assert!(
            check(&ran, Workload::Fetch, 100).is_err(),
            "work's lines are not a fetch's"
        );
    }

    #[test]
    fn spreads_python_rounds_evenly() {
        let picked: Vec<u32> = (0..20).filter(|r| spread(*r, 20, 4)).collect();
        assert_eq!(picked, [4, 9, 14, 19]);
        assert_eq!((0..200).filter(|r| spread(*r, 200, 40)).count(), 40);
        assert_eq!((0..15).filter(|r| spread(*r, 15, 15)).count(), 15);
    }

    #[test]
    fn a_row_is_paired_with_its_baseline_round_by_round() {
        let sample = |round, us| Sample {
            round,
            first_line: Duration::from_micros(us),
            process: Duration::from_micros(us * 2),
            inside: ColdReport {
                result: 700,
                peak_rss_kib: Some(1000 + us),
                ..ColdReport::default()
            },
        };
        let mut rows = rows(&[BackendName::ALL[0]], false);
        // The baseline drifts from 100 to 300 µs; the backend is 10 µs above it in each round.
        rows[0].samples = (0..9).map(|r| sample(r, 100 + 25 * u64::from(r))).collect();
        rows[1].samples = (0..9).map(|r| sample(r, 110 + 25 * u64::from(r))).collect();
        let summaries = summarise(&rows, 700);
        assert_eq!(summaries[1].first_line_above_baseline_ns, Some(10_000));
        assert_eq!(
            summaries[1].first_line_above_baseline_ci_ns,
            Some([10_000, 10_000])
        );
        assert_eq!(summaries[1].rss_above_baseline_kib, Some(10));
        assert_eq!(summaries[0].first_line_above_baseline_ns, Some(0));
    }
}

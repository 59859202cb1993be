//! Cold samples: one fresh process per sample, a one-shot run of `work(arg)` or `fetch(arg)`
//! in it, rows interleaved round by round, each sample checked before its figures count.

use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::fetch::Stack;
use oneoff_workloads::{DONE, STARTED};
use serde::Deserialize;

use super::children::{Children, Kind};
use super::probes::Config;
use super::settings::{Settings, Workload};
use crate::cmd::{Cmd, Ran};

/// Seeds the shuffled order of the cold samples, so that the same flags give the same
/// schedule.
const SCHEDULE_SEED: u64 = 0x5eed;

/// What a cold row runs in each of its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The probe with no async code: for `work`, the same two lines around a thread sleep;
    /// for `fetch`, the same round trip with blocking `std::net`.
    Baseline(Workload),
    /// The probe with one one-shot run on a backend (`fetch` on the backend's own stack).
    Backend(Backend, Workload),
    /// Python with no asyncio: Python's own baseline.
    PythonPlain,
    /// Python's `asyncio.run`.
    PythonRun,
    /// Python's `asyncio.Runner`, used for one call.
    PythonRunner,
}

impl Subject {
    /// The row's name in the report (a backend's rows of both workloads share its name).
    pub(crate) fn name(self) -> String {
        match self {
            Subject::Baseline(Workload::Work) => "baseline (no async)".into(),
            Subject::Baseline(Workload::Fetch) => "baseline (std::net)".into(),
            Subject::Backend(backend, _) => backend.name().into(),
            Subject::PythonPlain => "python (no asyncio)".into(),
            Subject::PythonRun => "python asyncio.run".into(),
            Subject::PythonRunner => "python asyncio.Runner".into(),
        }
    }

    /// What kind of row it is.
    pub(crate) fn kind(self) -> Kind {
        match self {
            Subject::Baseline(_) => Kind::Baseline,
            Subject::Backend(..) => Kind::Backend,
            Subject::PythonPlain => Kind::PythonBaseline,
            Subject::PythonRun | Subject::PythonRunner => Kind::Python,
        }
    }

    /// What it runs; Python runs `work` only.
    pub(crate) fn workload(self) -> Workload {
        match self {
            Subject::Baseline(workload) | Subject::Backend(_, workload) => workload,
            Subject::PythonPlain | Subject::PythonRun | Subject::PythonRunner => Workload::Work,
        }
    }

    /// For `fetch`, the network stack it runs on: the backend's own, or `std::net`.
    pub(crate) fn stack(self) -> Option<&'static str> {
        match self {
            Subject::Baseline(Workload::Fetch) => Some("std::net"),
            Subject::Backend(backend, Workload::Fetch) => {
                Some(Stack::native(backend.name()).name())
            }
            _ => None,
        }
    }

    pub(crate) fn is_python(self) -> bool {
        matches!(self.kind(), Kind::Python | Kind::PythonBaseline)
    }
}

/// What the probe (or the Python reference) reports at the end of a cold sample.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Inside {
    pub(crate) result: u64,
    pub(crate) construct_to_first_poll_ns: Option<u64>,
    /// `work`: how long the delay took.
    pub(crate) timer_ns: Option<u64>,
    /// `fetch`: from the first poll (the baseline: the connect) to the answer received.
    pub(crate) round_trip_ns: Option<u64>,
    pub(crate) teardown_ns: Option<u64>,
    pub(crate) threads_during: Option<u64>,
    pub(crate) threads_after: Option<u64>,
    pub(crate) peak_rss_kib: Option<u64>,
}

/// One checked cold sample.
#[derive(Debug, Clone)]
pub(crate) struct ColdSample {
    /// The round it was taken in: the baseline's sample of the same round was taken moments
    /// apart, under the same load.
    pub(crate) round: u32,
    /// From just before the process was started to the arrival of its first line: `work`'s
    /// "Coroutine has started", `fetch`'s answer.
    pub(crate) first_line: Duration,
    /// From just before the process was started to its exit: the whole process.
    pub(crate) process: Duration,
    /// What the process saw inside.
    pub(crate) inside: Inside,
}

/// All the samples of one cold row, or the first failure that stopped it.
#[derive(Debug)]
pub(crate) struct ColdRow {
    pub(crate) subject: Subject,
    pub(crate) samples: Vec<ColdSample>,
    pub(crate) error: Option<String>,
}

/// How many child processes [`measure`] starts for `subjects`.
pub(crate) fn children(settings: &Settings, subjects: &[Subject]) -> u64 {
    let python_rows = subjects.iter().filter(|s| s.is_python()).count() as u64;
    let rust_rows = subjects.len() as u64 - python_rows;
    u64::from(settings.discarded_rounds + settings.samples) * rust_rows
        + u64::from(settings.discarded_rounds + settings.python_samples) * python_rows
}

/// The connections the `fetch` rows among `subjects` make: one per sample.
pub(crate) fn fetch_connections(settings: &Settings, subjects: &[Subject]) -> u64 {
    let rows = subjects
        .iter()
        .filter(|subject| subject.workload() == Workload::Fetch)
        .count();
    u64::from(settings.discarded_rounds + settings.samples) * rows as u64
}

/// Cold samples of every subject, interleaved: each round starts one process per row, so
/// that drift of the machine (another build, frequency changes) spreads over all rows alike,
/// in an order shuffled every round, so that no row always follows the same one (a fixed or
/// merely rotated order put the baseline right after the Python processes in every Python
/// round, which made it look 60 µs slower than futures-lite). The shuffle is seeded: the same
/// flags give the same schedule. The first rounds are discarded. A row stops at its first
/// failed sample.
pub(crate) fn measure(
    children: &Children<'_>,
    subjects: &[Subject],
) -> anyhow::Result<Vec<ColdRow>> {
    let settings = children.settings;
    let mut rows: Vec<ColdRow> = subjects
        .iter()
        .map(|subject| ColdRow {
            subject: *subject,
            samples: Vec::new(),
            error: None,
        })
        .collect();
    let expected = settings.arg.saturating_mul(100);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut schedule = fastrand::Rng::with_seed(SCHEDULE_SEED);
    for round in 0..settings.discarded_rounds + settings.samples {
        let kept = round >= settings.discarded_rounds;
        let python_round = !kept
            || spread(
                round - settings.discarded_rounds,
                settings.samples,
                settings.python_samples,
            );
        schedule.shuffle(&mut order);
        for index in &order {
            let row = &mut rows[*index];
            if row.error.is_some() || (row.subject.is_python() && !python_round) {
                continue;
            }
            let ran = command(children, row.subject).run()?;
            children.progress.inc(1);
            match check(&ran, row.subject.workload(), settings.arg, expected) {
                Ok(sample) if kept => row.samples.push(ColdSample { round, ..sample }),
                Ok(_) => {}
                Err(error) => row.error = Some(error),
            }
        }
    }
    Ok(rows)
}

/// The command of one cold sample of `subject`.
fn command(children: &Children<'_>, subject: Subject) -> Cmd {
    let arg = children.settings.arg.to_string();
    let delay = children.settings.delay_ns.to_string();
    let (cmd, workload) = match subject {
        Subject::Baseline(workload) => (
            children
                .measured(children.probes.path(Config::Default))
                .args(["cold", "--backend", "baseline"]),
            workload,
        ),
        Subject::Backend(backend, workload) => (
            children
                .measured(children.probes.path(Config::of(backend)))
                .args(["cold", "--backend", backend.name()]),
            workload,
        ),
        Subject::PythonPlain | Subject::PythonRun | Subject::PythonRunner => {
            let mode = match subject {
                Subject::PythonPlain => "cold-plain",
                Subject::PythonRun => "cold-run",
                _ => "cold-runner",
            };
            return children
                .python(mode, &[&arg, &delay])
                .timeout(children.child_timeout());
        }
    };
    let cmd = match workload {
        Workload::Work => cmd.args(["--delay-ns", &delay]),
        Workload::Fetch => cmd.args(["--fetch", &children.fetch.to_string()]),
    };
    cmd.args(["--arg", &arg]).timeout(children.child_timeout())
}

/// Whether kept round `round` (counted from 0) of `rounds` is one of the `wanted` rounds
/// spread evenly over them.
fn spread(round: u32, rounds: u32, wanted: u32) -> bool {
    let share = |r: u32| u64::from(r) * u64::from(wanted) / u64::from(rounds);
    share(round + 1) > share(round)
}

/// Checks one cold sample: the process succeeded, printed the lines of its workload and then
/// its report, and the workload returned arg * 100. `work` prints its two lines in order;
/// `fetch` prints the answer it received.
pub(crate) fn check(
    ran: &Ran,
    workload: Workload,
    arg: u64,
    expected: u64,
) -> Result<ColdSample, String> {
    if !ran.success() {
        return Err(format!("the process failed ({})", ran.failure()));
    }
    let Some((report, work)) = ran.lines.split_last() else {
        return Err("the process printed nothing".into());
    };
    let printed: Vec<&str> = work.iter().map(|line| line.text.as_str()).collect();
    let answer = expected.to_string();
    let (wanted, name): (Vec<&str>, &str) = match workload {
        Workload::Work => (vec![STARTED, DONE], "work"),
        Workload::Fetch => (vec![&answer], "fetch"),
    };
    if printed != wanted {
        let order = if wanted.len() > 1 {
            " in that order"
        } else {
            ""
        };
        return Err(format!(
            "{name}({arg}) printed {printed:?}, expected {wanted:?}{order}"
        ));
    }
    let inside: Inside = serde_json::from_str(&report.text)
        .map_err(|err| format!("unreadable report {:?}: {err}", report.text))?;
    if inside.result != expected {
        return Err(format!(
            "{name}({arg}) returned {}, expected {expected}",
            inside.result
        ));
    }
    Ok(ColdSample {
        round: 0,
        first_line: work[0].at,
        process: ran.wall,
        inside,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Ran {
        Cmd::new("sh").args(["-c", script]).run().unwrap()
    }

    const REPORT: &str = r#"{"result":10000,"construct_to_first_poll_ns":5,"timer_ns":7,"round_trip_ns":null,"teardown_ns":3,"threads_during":2,"threads_after":1,"peak_rss_kib":3000}"#;

    const FETCHED: &str = r#"{"result":10000,"construct_to_first_poll_ns":5,"timer_ns":null,"round_trip_ns":40000,"teardown_ns":3,"threads_during":2,"threads_after":1,"peak_rss_kib":3000}"#;

    #[test]
    fn accepts_a_good_sample() {
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{REPORT}'"));
        let sample = check(&ran, Workload::Work, 100, 10_000).unwrap();
        assert_eq!(sample.inside.teardown_ns, Some(3));
        assert_eq!(sample.inside.timer_ns, Some(7));
    }

    #[test]
    fn rejects_a_wrong_result() {
        let report = REPORT.replace("10000", "9999");
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{report}'"));
        assert_eq!(
            check(&ran, Workload::Work, 100, 10_000).unwrap_err(),
            "work(100) returned 9999, expected 10000"
        );
    }

    #[test]
    fn rejects_lines_out_of_order() {
        let ran = sh(&format!("echo '{DONE}'; echo '{STARTED}'; echo '{REPORT}'"));
        let err = check(&ran, Workload::Work, 100, 10_000).unwrap_err();
        assert!(err.contains("in that order"), "{err}");
    }

    #[test]
    fn reports_a_crash_with_its_message() {
        let ran = sh(&format!(
            "echo '{STARTED}'; echo 'error: runtime refused' >&2; exit 1"
        ));
        assert_eq!(
            check(&ran, Workload::Work, 100, 10_000).unwrap_err(),
            "the process failed (exit status: 1: error: runtime refused)"
        );
    }

    #[test]
    fn a_fetch_sample_is_its_answer_line_and_the_same_result() {
        let ran = sh(&format!("echo 10000; echo '{FETCHED}'"));
        let sample = check(&ran, Workload::Fetch, 100, 10_000).unwrap();
        assert_eq!(sample.inside.round_trip_ns, Some(40_000));
        assert_eq!(sample.first_line, ran.lines[0].at);
        // The answer printed must be the one expected, and so must the one reported.
        let ran = sh(&format!("echo 10001; echo '{FETCHED}'"));
        let err = check(&ran, Workload::Fetch, 100, 10_000).unwrap_err();
        assert_eq!(err, r#"fetch(100) printed ["10001"], expected ["10000"]"#);
        let ran = sh(&format!(
            "echo 10000; echo '{}'",
            FETCHED.replace("10000", "700")
        ));
        let err = check(&ran, Workload::Fetch, 100, 10_000).unwrap_err();
        assert_eq!(err, "fetch(100) returned 700, expected 10000");
        // work's lines are not a fetch's.
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{REPORT}'"));
        assert!(check(&ran, Workload::Fetch, 100, 10_000).is_err());
    }

    #[test]
    fn spreads_python_rounds_evenly() {
        let picked: Vec<u32> = (0..20).filter(|r| spread(*r, 20, 4)).collect();
        assert_eq!(picked, [4, 9, 14, 19]);
        assert_eq!((0..200).filter(|r| spread(*r, 200, 40)).count(), 40);
        assert_eq!((0..15).filter(|r| spread(*r, 15, 15)).count(), 15);
    }
}

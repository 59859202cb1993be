//! Cold samples: one fresh process per sample, a one-shot run of `work(arg)` in it, rows
//! interleaved round by round, each sample checked before its figures count.

use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::{DONE, STARTED};
use serde::Deserialize;

use super::children::{Children, Kind};
use super::probes::Config;
use super::settings::Settings;
use crate::cmd::{Cmd, Ran};

/// Seeds the shuffled order of the cold samples, so that the same flags give the same
/// schedule.
const SCHEDULE_SEED: u64 = 0x5eed;

/// What a cold row runs in each of its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The probe with no async code: the same two lines around a thread sleep.
    Baseline,
    /// The probe with one one-shot run on a backend.
    Backend(Backend),
    /// Python with no asyncio: Python's own baseline.
    PythonPlain,
    /// Python's `asyncio.run`.
    PythonRun,
    /// Python's `asyncio.Runner`, used for one call.
    PythonRunner,
}

impl Subject {
    /// The row's name in the report.
    pub(crate) fn name(self) -> String {
        match self {
            Subject::Baseline => "baseline (no async)".into(),
            Subject::Backend(backend) => backend.name().into(),
            Subject::PythonPlain => "python (no asyncio)".into(),
            Subject::PythonRun => "python asyncio.run".into(),
            Subject::PythonRunner => "python asyncio.Runner".into(),
        }
    }

    /// What kind of row it is.
    pub(crate) fn kind(self) -> Kind {
        match self {
            Subject::Baseline => Kind::Baseline,
            Subject::Backend(_) => Kind::Backend,
            Subject::PythonPlain => Kind::PythonBaseline,
            Subject::PythonRun | Subject::PythonRunner => Kind::Python,
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
    pub(crate) timer_ns: u64,
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
    /// From just before the process was started to the arrival of its first line of work.
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
            match check(&ran, settings.arg, expected) {
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
    let cmd = match subject {
        Subject::Baseline => children
            .measured(children.probes.path(Config::Default))
            .args(["cold", "--backend", "baseline"]),
        Subject::Backend(backend) => children
            .measured(children.probes.path(Config::of(backend)))
            .args(["cold", "--backend", backend.name()]),
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
    cmd.args(["--arg", &arg, "--delay-ns", &delay])
        .timeout(children.child_timeout())
}

/// Whether kept round `round` (counted from 0) of `rounds` is one of the `wanted` rounds
/// spread evenly over them.
fn spread(round: u32, rounds: u32, wanted: u32) -> bool {
    let share = |r: u32| u64::from(r) * u64::from(wanted) / u64::from(rounds);
    share(round + 1) > share(round)
}

/// Checks one cold sample: the process succeeded, printed the work's two lines in order and
/// then its report, and work(arg) returned arg * 100.
pub(crate) fn check(ran: &Ran, arg: u64, expected: u64) -> Result<ColdSample, String> {
    if !ran.success() {
        return Err(format!("the process failed ({})", ran.failure()));
    }
    let Some((report, work)) = ran.lines.split_last() else {
        return Err("the process printed nothing".into());
    };
    let printed: Vec<&str> = work.iter().map(|line| line.text.as_str()).collect();
    if printed != [STARTED, DONE] {
        return Err(format!(
            "the work printed {printed:?}, expected {:?} in that order",
            [STARTED, DONE]
        ));
    }
    let inside: Inside = serde_json::from_str(&report.text)
        .map_err(|err| format!("unreadable report {:?}: {err}", report.text))?;
    if inside.result != expected {
        return Err(format!(
            "work({arg}) returned {}, expected {expected}",
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

    const REPORT: &str = r#"{"result":10000,"construct_to_first_poll_ns":5,"timer_ns":7,"teardown_ns":3,"threads_during":2,"threads_after":1,"peak_rss_kib":3000}"#;

    #[test]
    fn accepts_a_good_sample() {
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{REPORT}'"));
        let sample = check(&ran, 100, 10_000).unwrap();
        assert_eq!(sample.inside.teardown_ns, Some(3));
    }

    #[test]
    fn rejects_a_wrong_result() {
        let report = REPORT.replace("10000", "9999");
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{report}'"));
        assert_eq!(
            check(&ran, 100, 10_000).unwrap_err(),
            "work(100) returned 9999, expected 10000"
        );
    }

    #[test]
    fn rejects_lines_out_of_order() {
        let ran = sh(&format!("echo '{DONE}'; echo '{STARTED}'; echo '{REPORT}'"));
        let err = check(&ran, 100, 10_000).unwrap_err();
        assert!(err.contains("in that order"), "{err}");
    }

    #[test]
    fn reports_a_crash_with_its_message() {
        let ran = sh(&format!(
            "echo '{STARTED}'; echo 'error: runtime refused' >&2; exit 1"
        ));
        assert_eq!(
            check(&ran, 100, 10_000).unwrap_err(),
            "the process failed (exit status: 1: error: runtime refused)"
        );
    }

    #[test]
    fn spreads_python_rounds_evenly() {
        let picked: Vec<u32> = (0..20).filter(|r| spread(*r, 20, 4)).collect();
        assert_eq!(picked, [4, 9, 14, 19]);
        assert_eq!((0..200).filter(|r| spread(*r, 200, 40)).count(), 40);
        assert_eq!((0..15).filter(|r| spread(*r, 15, 15)).count(), 15);
    }
}

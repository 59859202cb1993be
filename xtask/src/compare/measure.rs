//! Running the measurements: cold samples (one fresh process each, interleaved across rows),
//! warm per-call figures, and the reactor compatibility matrix, each child under a timeout,
//! each result checked.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use oneoff::Backend;
use oneoff_workloads::{DONE, STARTED};
use serde::{Deserialize, Serialize};

use super::probes::{Config, Probes};
use super::settings::Settings;
use crate::cmd::{Cmd, Ran};

/// The Python reference script, run with `python3 -c`.
const REFERENCE_PY: &str = include_str!("reference.py");

/// The matrix's cases: the probe's `--case` value and the column title.
pub(crate) const CASES: &[(&str, &str)] = &[
    ("neutral", "runtime-neutral future"),
    ("tokio-sleep", "tokio::time::sleep"),
    ("async-io-timer", "async-io timer"),
    ("spawn", "spawn from inside"),
    ("nested-in-tokio", "one-shot inside tokio current-thread"),
];

/// Seeds the shuffled order of the cold samples, so that the same flags give the same
/// schedule.
const SCHEDULE_SEED: u64 = 0x5eed;

/// A python3 found on PATH.
#[derive(Debug)]
pub(crate) struct Python {
    /// The interpreter itself (not a launcher such as a pyenv shim, whose own start-up would
    /// be counted as Python's).
    pub(crate) executable: PathBuf,
    /// Its version.
    pub(crate) version: String,
}

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

    fn is_python(self) -> bool {
        matches!(self.kind(), Kind::Python | Kind::PythonBaseline)
    }
}

/// The kinds of rows; reference rows (baselines, Python) never fail the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// The Rust process that runs no async code.
    Baseline,
    /// A oneoff backend.
    Backend,
    /// The Python process that runs no asyncio.
    PythonBaseline,
    /// Python's asyncio.
    Python,
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

/// Median nanoseconds per call, as the probe and the Python reference report them.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct WarmFigures {
    pub(crate) one_shot_ready_ns: f64,
    pub(crate) one_shot_yield_ns: f64,
    pub(crate) reused_ready_ns: f64,
    pub(crate) reused_yield_ns: f64,
    pub(crate) reps: usize,
}

/// The warm figures of one row, or why there are none.
#[derive(Debug)]
pub(crate) struct WarmRow {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) figures: Result<WarmFigures, String>,
}

/// One backend's row of the matrix, its cells in the order of [`CASES`].
#[derive(Debug, Serialize)]
pub(crate) struct MatrixRow {
    /// The backend.
    pub(crate) backend: String,
    /// `ok`, `n/a`, `panic: <first line>`, `error: <message>` or `hung`, one per case.
    pub(crate) cells: Vec<String>,
}

/// Everything measured.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) cold: Vec<ColdRow>,
    pub(crate) warm: Vec<WarmRow>,
    pub(crate) matrix: Vec<MatrixRow>,
}

/// The python3 on PATH, or a note saying why there is none.
pub(crate) fn find_python() -> Result<Python, String> {
    let asked = Cmd::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.version.split()[0])",
        ])
        .timeout(Duration::from_secs(30))
        .read();
    match asked {
        Ok(answer) => match answer.lines().collect::<Vec<_>>()[..] {
            [executable, version] => Ok(Python {
                executable: executable.into(),
                version: version.into(),
            }),
            _ => Err(format!(
                "python3 answered {answer:?}; the reference rows are left out"
            )),
        },
        Err(err) => Err(format!(
            "python3 could not be run ({}); the Python reference rows are left out",
            err.root_cause()
        )),
    }
}

/// Runs every measurement the settings ask for.
pub(crate) fn all(
    probes: &Probes,
    library_path: Option<&OsStr>,
    python: Result<&Python, &String>,
    settings: &Settings,
) -> anyhow::Result<Measured> {
    let backends: Vec<Backend> = settings
        .backends
        .iter()
        .map(|name| name.parse().expect("the flags were checked"))
        .collect();
    let mut subjects = vec![Subject::Baseline];
    subjects.extend(backends.iter().map(|b| Subject::Backend(*b)));
    let python = python.ok();
    if python.is_some() {
        subjects.extend([
            Subject::PythonPlain,
            Subject::PythonRun,
            Subject::PythonRunner,
        ]);
    }
    let rounds = settings.discarded_rounds + settings.samples;
    let python_rows = subjects.iter().filter(|s| s.is_python()).count() as u64;
    let rust_rows = subjects.len() as u64 - python_rows;
    let total = u64::from(rounds) * rust_rows
        + u64::from(settings.discarded_rounds + settings.python_samples) * python_rows
        + backends.len() as u64 * (1 + CASES.len() as u64)
        + u64::from(python.is_some());
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg:<28} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let runner = Runner {
        probes,
        library_path,
        python,
        settings,
        progress: &progress,
    };
    progress.set_message("cold start, fresh processes");
    let cold = runner.cold(&subjects)?;
    progress.set_message("warm, per call");
    let mut warm = Vec::new();
    for backend in &backends {
        warm.push(runner.warm(Some(*backend))?);
    }
    if python.is_some() {
        warm.push(runner.warm(None)?);
    }
    progress.set_message("reactor compatibility");
    let mut matrix = Vec::new();
    for backend in &backends {
        matrix.push(runner.matrix_row(*backend)?);
    }
    progress.finish_and_clear();
    Ok(Measured { cold, warm, matrix })
}

/// The measuring, with what every run needs.
struct Runner<'a> {
    probes: &'a Probes,
    /// `LD_LIBRARY_PATH` for the measured children (`None`: unset).
    library_path: Option<&'a OsStr>,
    python: Option<&'a Python>,
    settings: &'a Settings,
    progress: &'a ProgressBar,
}

impl Runner<'_> {
    /// A measured child: `program` in the user's environment, not the one cargo made for xtask.
    fn measured(&self, program: &Path) -> Cmd {
        Cmd::new(program).env("LD_LIBRARY_PATH", self.library_path)
    }

    fn child_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.child_timeout_s)
    }

    /// The command of one cold sample of `subject`.
    fn cold_cmd(&self, subject: Subject) -> Cmd {
        let arg = self.settings.arg.to_string();
        let delay = self.settings.delay_ns.to_string();
        let cmd = match subject {
            Subject::Baseline => self.measured(self.probes.path(Config::Default)).args([
                "cold",
                "--backend",
                "baseline",
            ]),
            Subject::Backend(backend) => self
                .measured(self.probes.path(Config::of(backend)))
                .args(["cold", "--backend", backend.name()]),
            Subject::PythonPlain | Subject::PythonRun | Subject::PythonRunner => {
                let mode = match subject {
                    Subject::PythonPlain => "cold-plain",
                    Subject::PythonRun => "cold-run",
                    _ => "cold-runner",
                };
                let python = self.python.expect("python rows exist only with python");
                return self
                    .measured(&python.executable)
                    .args(["-c", REFERENCE_PY, mode, &arg, &delay])
                    .timeout(self.child_timeout());
            }
        };
        cmd.args(["--arg", &arg, "--delay-ns", &delay])
            .timeout(self.child_timeout())
    }

    /// Cold samples of every subject, interleaved: each round starts one process per row, so
    /// that drift of the machine (another build, frequency changes) spreads over all rows
    /// alike, in an order shuffled every round, so that no row always follows the same one (a
    /// fixed or merely rotated order put the baseline right after the Python processes in
    /// every Python round, which made it look 60 µs slower than futures-lite). The shuffle is
    /// seeded: the same flags give the same schedule. The first rounds are discarded. A row
    /// stops at its first failed sample.
    fn cold(&self, subjects: &[Subject]) -> anyhow::Result<Vec<ColdRow>> {
        let settings = self.settings;
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
                let ran = self.cold_cmd(row.subject).run()?;
                self.progress.inc(1);
                match check_cold(&ran, settings.arg, expected) {
                    Ok(sample) if kept => row.samples.push(ColdSample { round, ..sample }),
                    Ok(_) => {}
                    Err(error) => row.error = Some(error),
                }
            }
        }
        Ok(rows)
    }

    /// Warm figures of a backend, or of Python's asyncio with `None`.
    fn warm(&self, backend: Option<Backend>) -> anyhow::Result<WarmRow> {
        let reps = self.settings.warm_reps.to_string();
        let target = self.settings.warm_target_us.to_string();
        let (name, kind, cmd) = match backend {
            Some(backend) => (
                backend.name().to_owned(),
                Kind::Backend,
                self.measured(self.probes.path(Config::of(backend))).args([
                    "warm",
                    "--backend",
                    backend.name(),
                    "--reps",
                    &reps,
                    "--target-us",
                    &target,
                ]),
            ),
            None => (
                "python asyncio".to_owned(),
                Kind::Python,
                self.measured(&self.python.expect("asked only with python").executable)
                    .args(["-c", REFERENCE_PY, "warm", "0", "0", &reps, &target]),
            ),
        };
        let ran = cmd.timeout(Duration::from_secs(300)).run()?;
        self.progress.inc(1);
        let figures = if ran.success() {
            parse_last(&ran)
        } else {
            Err(format!("the process failed ({})", ran.failure()))
        };
        Ok(WarmRow {
            name,
            kind,
            figures,
        })
    }

    /// The matrix row of `backend`: each case in its own process under the cell timeout.
    fn matrix_row(&self, backend: Backend) -> anyhow::Result<MatrixRow> {
        let mut cells = Vec::new();
        for (case, _) in CASES {
            let ran = self
                .measured(self.probes.path(Config::of(backend)))
                .args(["cell", "--backend", backend.name(), "--case", case])
                .timeout(Duration::from_secs(self.settings.cell_timeout_s))
                .run()?;
            self.progress.inc(1);
            cells.push(cell_outcome(&ran));
        }
        Ok(MatrixRow {
            backend: backend.name().to_owned(),
            cells,
        })
    }
}

/// Whether kept round `round` (counted from 0) of `rounds` is one of the `wanted` rounds
/// spread evenly over them.
fn spread(round: u32, rounds: u32, wanted: u32) -> bool {
    let share = |r: u32| u64::from(r) * u64::from(wanted) / u64::from(rounds);
    share(round + 1) > share(round)
}

/// Checks one cold sample: the process succeeded, printed the work's two lines in order and
/// then its report, and work(arg) returned arg * 100.
pub(crate) fn check_cold(ran: &Ran, arg: u64, expected: u64) -> Result<ColdSample, String> {
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

fn parse_last<T: for<'de> Deserialize<'de>>(ran: &Ran) -> Result<T, String> {
    let line = ran.last_line().unwrap_or_default();
    serde_json::from_str(line).map_err(|err| format!("unreadable report {line:?}: {err}"))
}

/// A matrix cell from its process: its own verdict, `hung` when it ran out of time, or an
/// error when it died without one.
fn cell_outcome(ran: &Ran) -> String {
    #[derive(Deserialize)]
    struct Cell {
        cell: String,
    }
    if ran.status.is_none() {
        return "hung".into();
    }
    match parse_last::<Cell>(ran) {
        Ok(cell) => cell.cell,
        Err(_) => format!(
            "error: the process died without a verdict ({})",
            ran.failure()
        ),
    }
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
        let sample = check_cold(&ran, 100, 10_000).unwrap();
        assert_eq!(sample.inside.teardown_ns, Some(3));
    }

    #[test]
    fn rejects_a_wrong_result() {
        let report = REPORT.replace("10000", "9999");
        let ran = sh(&format!("echo '{STARTED}'; echo '{DONE}'; echo '{report}'"));
        assert_eq!(
            check_cold(&ran, 100, 10_000).unwrap_err(),
            "work(100) returned 9999, expected 10000"
        );
    }

    #[test]
    fn rejects_lines_out_of_order() {
        let ran = sh(&format!("echo '{DONE}'; echo '{STARTED}'; echo '{REPORT}'"));
        let err = check_cold(&ran, 100, 10_000).unwrap_err();
        assert!(err.contains("in that order"), "{err}");
    }

    #[test]
    fn reports_a_crash_with_its_message() {
        let ran = sh(&format!(
            "echo '{STARTED}'; echo 'error: runtime refused' >&2; exit 1"
        ));
        assert_eq!(
            check_cold(&ran, 100, 10_000).unwrap_err(),
            "the process failed (exit status: 1: error: runtime refused)"
        );
    }

    #[test]
    fn cells_read_verdicts_and_deaths() {
        assert_eq!(cell_outcome(&sh(r#"echo '{"cell":"ok"}'"#)), "ok");
        let died = cell_outcome(&sh("echo 'fatal runtime error' >&2; exit 134"));
        assert!(died.starts_with("error: the process died"), "{died}");
        let hung = Cmd::new("sleep")
            .args(["30"])
            .timeout(Duration::from_millis(20))
            .run()
            .unwrap();
        assert_eq!(cell_outcome(&hung), "hung");
    }

    #[test]
    fn spreads_python_rounds_evenly() {
        let picked: Vec<u32> = (0..20).filter(|r| spread(*r, 20, 4)).collect();
        assert_eq!(picked, [4, 9, 14, 19]);
        assert_eq!((0..200).filter(|r| spread(*r, 200, 40)).count(), 40);
        assert_eq!((0..15).filter(|r| spread(*r, 15, 15)).count(), 15);
    }
}

//! One cold sample: a one-shot run of `work_with` in a process that has done nothing else.

use std::cell::RefCell;
use std::io::{self, Write};
use std::str::FromStr;
use std::thread;
use std::time::{Duration, Instant};

use oneoff::Backend;
use oneoff_workloads::{DONE, STARTED, work_with};
use serde::Serialize;

use crate::proc_status::{peak_rss_kib, threads};

/// What a cold sample runs: a backend, or nothing async at all.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject {
    Baseline,
    Backend(Backend),
}

impl FromStr for Subject {
    type Err = oneoff::UnknownBackend;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == "baseline" {
            return Ok(Subject::Baseline);
        }
        name.parse().map(Subject::Backend)
    }
}

/// What a cold sample saw inside the process; durations in nanoseconds.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// What `work(arg)` returned.
    result: u64,
    /// From the one-shot call to the future's first poll: the runtime's own start-up
    /// (absent for the baseline, which starts no runtime).
    construct_to_first_poll_ns: Option<u64>,
    /// How long the awaited delay really took: from the first line written to the second
    /// line begun.
    timer_ns: u64,
    /// From the work's completion to the return of the one-shot call: teardown.
    teardown_ns: Option<u64>,
    /// OS threads alive at the end of the work, inside the call.
    threads_during: Option<u64>,
    /// OS threads alive after the call returned.
    threads_after: Option<u64>,
    /// Peak resident set size of the whole process, in KiB.
    peak_rss_kib: Option<u64>,
}

/// Runs the sample and reports; fails only when the backend's run fails.
pub(crate) fn run(subject: Subject, arg: u64, delay_ns: u64) -> Result<Report, oneoff::Error> {
    let delay = Duration::from_nanos(delay_ns);
    let stamps = Stamps::default();
    let (result, construct_to_first_poll, teardown, threads_during) = match subject {
        Subject::Baseline => {
            let mut out = Stamped(&stamps);
            line(&mut out, STARTED);
            thread::sleep(delay);
            line(&mut out, DONE);
            (arg.saturating_mul(100), None, None, threads())
        }
        Subject::Backend(backend) => {
            let mut first_poll = None;
            let mut done = None;
            let mut threads_during = None;
            let called = Instant::now();
            let result = backend.run(async {
                first_poll = Some(Instant::now());
                let result = work_with(arg, delay, Stamped(&stamps)).await;
                // Read before the clock stops: reading /proc takes tens of µs, which would
                // otherwise count as teardown.
                threads_during = threads();
                done = Some(Instant::now());
                result
            })?;
            let returned = Instant::now();
            let first_poll = first_poll.expect("the future ran, so it was polled");
            let done = done.expect("the future completed");
            (
                result,
                Some(nanos(first_poll - called)),
                Some(nanos(returned - done)),
                threads_during,
            )
        }
    };
    Ok(Report {
        result,
        construct_to_first_poll_ns: construct_to_first_poll,
        timer_ns: stamps.timer().map_or(0, nanos),
        teardown_ns: teardown,
        threads_during,
        threads_after: threads(),
        peak_rss_kib: peak_rss_kib(),
    })
}

fn line(out: &mut impl Write, text: &str) {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .expect("stdout takes the work's lines");
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// When each line of the work began to be written and when it was flushed out.
#[derive(Debug, Default)]
struct Stamps {
    begun: RefCell<Vec<Instant>>,
    flushed: RefCell<Vec<Instant>>,
}

impl Stamps {
    /// From the first line out to the second line begun: the delay as the work lived it.
    fn timer(&self) -> Option<Duration> {
        let flushed = *self.flushed.borrow().first()?;
        let begun = *self.begun.borrow().get(1)?;
        Some(begun.saturating_duration_since(flushed))
    }
}

/// Stdout that stamps the lines going through it.
struct Stamped<'a>(&'a Stamps);

impl Write for Stamped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A line begins with the first write after a flush.
        if self.0.begun.borrow().len() == self.0.flushed.borrow().len() {
            self.0.begun.borrow_mut().push(Instant::now());
        }
        io::stdout().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush()?;
        self.0.flushed.borrow_mut().push(Instant::now());
        Ok(())
    }
}

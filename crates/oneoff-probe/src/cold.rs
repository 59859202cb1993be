//! One cold sample: a one-shot run of one workload in a process that has done nothing else.
//! `work(arg)` writes its two lines as it goes; `fetch(arg)` writes the answer it received as
//! one line the moment it has it. The parent stamps the arrival of the first line.

use std::cell::RefCell;
use std::error::Error;
use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::str::FromStr;
use std::thread;
use std::time::{Duration, Instant};

use oneoff::Backend;
use oneoff_workloads::fetch::fetch_std;
use oneoff_workloads::{DONE, STARTED, work_with};
use serde::Serialize;

use crate::fetch;
use crate::proc_status::{peak_rss_kib, threads};

/// What a sample runs: a backend, or nothing async at all.
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

/// The work of a sample.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Workload {
    /// `work(arg)`: two lines around a delay (the baseline sleeps the thread instead).
    Work { delay: Duration },
    /// `fetch(arg)` from the loopback server at `addr`, on the backend's own network stack
    /// (the baseline uses blocking `std::net`).
    Fetch { addr: SocketAddr },
}

/// What a cold sample saw inside the process; durations in nanoseconds.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// What the workload returned.
    result: u64,
    /// From the one-shot call to the future's first poll: the runtime's own start-up
    /// (absent for the baseline, which starts no runtime).
    construct_to_first_poll_ns: Option<u64>,
    /// `work`: how long the awaited delay really took, from the first line written to the
    /// second line begun.
    timer_ns: Option<u64>,
    /// `fetch`: from the first poll (the baseline: from the connect) to the answer received.
    round_trip_ns: Option<u64>,
    /// From the work's completion to the return of the one-shot call: teardown.
    teardown_ns: Option<u64>,
    /// OS threads alive at the end of the work, inside the call.
    threads_during: Option<u64>,
    /// OS threads alive after the call returned.
    threads_after: Option<u64>,
    /// Peak resident set size of the whole process, in KiB.
    peak_rss_kib: Option<u64>,
}

/// Runs the sample and reports; fails when the backend's run fails or the round trip does.
pub(crate) fn run(
    subject: Subject,
    arg: u64,
    workload: Workload,
) -> Result<Report, Box<dyn Error>> {
    let stamps = Stamps::default();
    let mut report = Report {
        result: 0,
        construct_to_first_poll_ns: None,
        timer_ns: None,
        round_trip_ns: None,
        teardown_ns: None,
        threads_during: None,
        threads_after: None,
        peak_rss_kib: None,
    };
    match (subject, workload) {
        (Subject::Baseline, Workload::Work { delay }) => {
            let mut out = Stamped(&stamps);
            line(&mut out, STARTED);
            thread::sleep(delay);
            line(&mut out, DONE);
            report.result = arg.saturating_mul(100);
            report.threads_during = threads();
        }
        (Subject::Baseline, Workload::Fetch { addr }) => {
            let connect = Instant::now();
            let answer = fetch::checked(Ok(fetch_std(addr, arg)), addr, arg)?;
            line(&mut Stamped(&stamps), &answer.to_string());
            report.result = answer;
            report.round_trip_ns = stamps.first_begun(connect).map(nanos);
            report.threads_during = threads();
        }
        (Subject::Backend(backend), Workload::Work { delay }) => {
            let ran = one_shot(backend, work_with(arg, delay, Stamped(&stamps)))?;
            ran.fill(&mut report);
            report.result = ran.output;
        }
        (Subject::Backend(backend), Workload::Fetch { addr }) => {
            let ran = one_shot(backend, async {
                let fetched = fetch::native(backend, addr, arg).await;
                // Written the moment it is received, so that the parent stamps its arrival.
                if let Ok(answer) = &fetched {
                    line(&mut Stamped(&stamps), &answer.to_string());
                }
                fetched
            })?;
            ran.fill(&mut report);
            report.round_trip_ns = stamps.first_begun(ran.first_poll).map(nanos);
            report.result = fetch::checked(Ok(ran.output), addr, arg)?;
        }
    }
    if let Workload::Work { .. } = workload {
        report.timer_ns = stamps.timer().map(nanos);
    }
    report.threads_after = threads();
    report.peak_rss_kib = peak_rss_kib();
    Ok(report)
}

/// A one-shot run, with the moments that the figures are measured between.
struct OneShot<T> {
    output: T,
    called: Instant,
    first_poll: Instant,
    done: Instant,
    returned: Instant,
    threads_during: Option<u64>,
}

impl<T> OneShot<T> {
    /// Writes runtime start, teardown and the threads during the call into `report`.
    fn fill(&self, report: &mut Report) {
        report.construct_to_first_poll_ns = Some(nanos(self.first_poll - self.called));
        report.teardown_ns = Some(nanos(self.returned - self.done));
        report.threads_during = self.threads_during;
    }
}

/// Runs `future` one-shot on `backend`, stamping the call, the first poll, the end of the
/// future and the return.
fn one_shot<F: Future>(backend: Backend, future: F) -> Result<OneShot<F::Output>, oneoff::Error> {
    let mut first_poll = None;
    let mut done = None;
    let mut threads_during = None;
    let called = Instant::now();
    let output = backend.run(async {
        first_poll = Some(Instant::now());
        let output = future.await;
        // Read before the clock stops: reading /proc takes tens of µs, which would otherwise
        // count as teardown.
        threads_during = threads();
        done = Some(Instant::now());
        output
    })?;
    let returned = Instant::now();
    Ok(OneShot {
        output,
        called,
        first_poll: first_poll.expect("the future ran, so it was polled"),
        done: done.expect("the future completed"),
        returned,
        threads_during,
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

    /// From `since` to the first line begun: for `fetch`, the answer's arrival.
    fn first_begun(&self, since: Instant) -> Option<Duration> {
        let begun = *self.begun.borrow().first()?;
        Some(begun.saturating_duration_since(since))
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

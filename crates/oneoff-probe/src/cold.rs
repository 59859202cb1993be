//! One cold sample: a one-shot run of one workload in a process that has done nothing else,
//! writing its lines as it goes (`fetch`: the answer, the moment it has it), so that the parent
//! stamps the first one's arrival.

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use oneoff::Backend;
use oneoff_probe::ColdReport;
use oneoff_workloads::fetch::fetch_std;
use oneoff_workloads::{DONE, STARTED, answer, work_with};

use crate::Failed;

/// Runs `work(arg)` with `delay_ns`, or `fetch(arg)` from `fetch`, on `backend` or (without
/// one) as the baseline, and reports.
pub(crate) fn run(
    backend: Option<Backend>,
    arg: u64,
    delay_ns: u64,
    fetch: Option<SocketAddr>,
) -> Result<ColdReport, Failed> {
    let mut report = ColdReport::default();
    let mut out = Stamped::default();
    match (backend, fetch) {
        (None, None) => {
            line(&mut out, STARTED);
            thread::sleep(Duration::from_nanos(delay_ns));
            line(&mut out, DONE);
            report.result = answer(arg);
            report.timer_ns = out.timer().map(nanos);
            report.threads_during = proc_status("Threads:");
        }
        (None, Some(addr)) => {
            let connect = Instant::now();
            let answer = fetch_std(addr, arg).map_err(|err| failed_fetch(addr, arg, err))?;
            report.round_trip_ns = Some(nanos(connect.elapsed()));
            line(&mut io::stdout(), &answer.to_string());
            report.result = answer;
            report.stack = Some("std::net".to_owned());
            report.threads_during = proc_status("Threads:");
        }
        (Some(backend), None) => {
            let work = work_with(arg, Duration::from_nanos(delay_ns), &mut out);
            (report.result, _) = one_shot(backend, &mut report, work)?;
            report.timer_ns = out.timer().map(nanos);
        }
        (Some(backend), Some(addr)) => {
            let stack = oneoff_workloads::fetch::Stack::native(backend.info().io());
            let ((fetched, answered), first_poll) = one_shot(backend, &mut report, async {
                let fetched = oneoff_workloads::fetch::fetch_on(stack, addr, arg).await;
                let answered = Instant::now();
                if let Ok(answer) = &fetched {
                    line(&mut io::stdout(), &answer.to_string());
                }
                (fetched, answered)
            })?;
            report.round_trip_ns = Some(nanos(answered - first_poll));
            report.result = fetched.map_err(|err| failed_fetch(addr, arg, err))?;
            report.stack = Some(stack.name().to_owned());
        }
    }
    report.threads_after = proc_status("Threads:");
    report.peak_rss_kib = proc_status("VmHWM:");
    Ok(report)
}

/// Runs `future` one-shot on `backend`, writing runtime start, teardown and the threads during
/// the call into `report`; returns the output and the first poll's moment.
fn one_shot<F: Future>(
    backend: Backend,
    report: &mut ColdReport,
    future: F,
) -> Result<(F::Output, Instant), oneoff::Error> {
    let (mut first_poll, mut done) = (None, None);
    let called = Instant::now();
    let output = backend.run(async {
        first_poll = Some(Instant::now());
        let output = future.await;
        // Before the clock stops: reading /proc takes tens of µs, not teardown's.
        report.threads_during = proc_status("Threads:");
        done = Some(Instant::now());
        output
    })?;
    let returned = Instant::now();
    let first_poll = first_poll.expect("the future ran, so it was polled");
    report.construct_to_first_poll_ns = Some(nanos(first_poll - called));
    report.teardown_ns = Some(nanos(returned - done.expect("the future completed")));
    Ok((output, first_poll))
}

/// Why `fetch(arg)` from `addr` gave no answer, in one line (the parent checks the answers).
fn failed_fetch(addr: SocketAddr, arg: u64, err: io::Error) -> String {
    format!("fetch({arg}) from {addr} failed: {err}")
}

/// A number from `/proc/self/status` (Linux): `Threads:` or `VmHWM:` (peak RSS, KiB);
/// elsewhere `None` rather than a guess.
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|line| line.strip_prefix(field))?;
    line.split_whitespace().next()?.parse().ok()
}

fn line(out: &mut impl Write, text: &str) {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .expect("stdout takes the work's lines");
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Stdout that stamps the work's lines going through it: when each began to be written and
/// when it was flushed out.
#[derive(Debug, Default)]
struct Stamped {
    begun: Vec<Instant>,
    flushed: Vec<Instant>,
}

impl Stamped {
    /// From the first line out to the second line begun: the delay as the work lived it.
    fn timer(&self) -> Option<Duration> {
        let (flushed, begun) = (self.flushed.first()?, self.begun.get(1)?);
        Some(begun.saturating_duration_since(*flushed))
    }
}

impl Write for Stamped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A line begins with the first write after a flush.
        if self.begun.len() == self.flushed.len() {
            self.begun.push(Instant::now());
        }
        io::stdout().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush()?;
        self.flushed.push(Instant::now());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        assert!(super::proc_status("Threads:").unwrap() >= 1);
        assert!(super::proc_status("VmHWM:").unwrap() > 0);
    }
}

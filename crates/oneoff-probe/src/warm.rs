//! Per-call cost in a warm process: the one-shot form (a fresh runtime per call) against a
//! reused runner, on `work`'s futures (ready at once, yields once) or on `fetch(arg)`, with
//! the I/O driver of the runner where the backend has a choice of one; on request, the
//! portal's round trip and the calls in `TokioCompat` after them ([`crate::reach`]).

use std::error::Error;
use std::future;
use std::hint::black_box;
use std::net::SocketAddr;

use oneoff::{AnyRunner, Backend};
use oneoff_workloads::fetch::fetch_std;
use oneoff_workloads::yield_times;
use serde::Serialize;

use crate::batches::{Batches, ns_per_call};
use crate::cold::Subject;
use crate::fetch;
use crate::reach::{self, Reach, Wanted};

/// Median nanoseconds per call of each of `work`'s variants.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    one_shot_ready_ns: f64,
    one_shot_yield_ns: f64,
    reused_ready_ns: f64,
    reused_yield_ns: f64,
    /// Timed batches behind each median.
    reps: usize,
    /// The runner's I/O driver, for a backend that picks one (compio, monoio).
    driver: Option<&'static str>,
    /// The portal's round trip and the calls in `TokioCompat`, where asked for.
    #[serde(flatten)]
    reach: Reach,
}

/// Median nanoseconds per call of `fetch(arg)`.
#[derive(Debug, Serialize)]
pub(crate) struct FetchReport {
    /// A one-shot run per call, on the backend's own stack.
    one_shot_fetch_ns: Option<f64>,
    /// A kept runner's `block_on` per call.
    reused_fetch_ns: Option<f64>,
    /// The baseline: blocking `std::net`, no runtime.
    blocking_fetch_ns: Option<f64>,
    reps: usize,
    driver: Option<&'static str>,
}

/// Measures `work`'s four variants on `backend`: the one-shot ones first, with no runner
/// alive, then the reused ones on a runner made for them (a runner kept during the one-shot
/// calls would have its threads and memory share the machine with them: tokio-mt's idle
/// workers); then, with that runner gone, what `wanted` asks.
pub(crate) fn run(
    backend: Backend,
    batches: Batches,
    wanted: Wanted,
) -> Result<Report, Box<dyn Error>> {
    // A failing call fails the whole measurement: check each variant once before timing it.
    backend.run(future::ready(()))?;
    backend.run(yield_times(1))?;
    let one_shot_ready_ns = ns_per_call(batches, || {
        black_box(backend.run(future::ready(black_box(1_u64))).ok());
    });
    let one_shot_yield_ns = ns_per_call(batches, || {
        black_box(backend.run(yield_times(black_box(1))).ok());
    });
    // The runner lives in this block only: it is torn down before `reach` measures.
    let (reused_ready_ns, reused_yield_ns, driver) = {
        let runner = backend.runner()?;
        runner.block_on(future::ready(()))?;
        runner.block_on(yield_times(1))?;
        let ready = ns_per_call(batches, || {
            black_box(runner.block_on(future::ready(black_box(1_u64))).ok());
        });
        let yields = ns_per_call(batches, || {
            black_box(runner.block_on(yield_times(black_box(1))).ok());
        });
        (ready, yields, driver(&runner))
    };
    Ok(Report {
        one_shot_ready_ns,
        one_shot_yield_ns,
        reused_ready_ns,
        reused_yield_ns,
        reps: batches.reps,
        driver,
        reach: reach::measure(backend, batches, wanted)?,
    })
}

/// Measures `fetch(arg)` from `addr`: on a backend, one-shot first (no runner alive), then on
/// a kept runner; for the baseline, the blocking `std::net` call. Every answer is checked; the
/// first wrong or failed one fails the measurement.
pub(crate) fn run_fetch(
    subject: Subject,
    addr: SocketAddr,
    arg: u64,
    batches: Batches,
) -> Result<FetchReport, Box<dyn Error>> {
    let mut failed: Option<String> = None;
    let mut report = FetchReport {
        one_shot_fetch_ns: None,
        reused_fetch_ns: None,
        blocking_fetch_ns: None,
        reps: batches.reps,
        driver: None,
    };
    match subject {
        Subject::Baseline => {
            let call = || fetch::checked(Ok(fetch_std(addr, arg)), addr, arg);
            call()?;
            report.blocking_fetch_ns = Some(ns_per_call(batches, || note(&mut failed, call())));
        }
        Subject::Backend(backend) => {
            let one_shot =
                || fetch::checked(backend.run(fetch::native(backend, addr, arg)), addr, arg);
            one_shot()?;
            report.one_shot_fetch_ns = Some(ns_per_call(batches, || note(&mut failed, one_shot())));
            let runner = backend.runner()?;
            let reused = || {
                fetch::checked(
                    runner.block_on(fetch::native(backend, addr, arg)),
                    addr,
                    arg,
                )
            };
            reused()?;
            report.reused_fetch_ns = Some(ns_per_call(batches, || note(&mut failed, reused())));
            report.driver = driver(&runner);
        }
    }
    match failed {
        Some(failure) => Err(failure.into()),
        None => Ok(report),
    }
}

/// Keeps the first failure of a timed call.
fn note(failed: &mut Option<String>, outcome: Result<u64, String>) {
    if let Err(failure) = black_box(outcome) {
        failed.get_or_insert(failure);
    }
}

/// The I/O driver `runner` uses, for the backends that pick one when they start: compio
/// (io_uring or polling) and monoio (io_uring or legacy).
fn driver(runner: &AnyRunner) -> Option<&'static str> {
    match runner {
        #[cfg(feature = "compio")]
        AnyRunner::Compio(runner) => Some(runner.driver()),
        #[cfg(feature = "monoio")]
        AnyRunner::Monoio(runner) => Some(runner.driver()),
        _ => None,
    }
}

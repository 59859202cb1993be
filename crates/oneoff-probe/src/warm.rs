//! Per-call cost in a warm process: the one-shot form (a fresh runtime per call) against a
//! reused runner, on a future that is ready at once and on one that yields once.

use std::future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use oneoff::Backend;
use oneoff_workloads::{stats, yield_times};
use serde::Serialize;

/// Median nanoseconds per call of each variant.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    one_shot_ready_ns: f64,
    one_shot_yield_ns: f64,
    reused_ready_ns: f64,
    reused_yield_ns: f64,
    /// Timed batches behind each median.
    reps: usize,
}

/// Measures the four variants on `backend`: the one-shot ones first, with no runner alive,
/// then the reused ones on a runner made for them (a runner kept during the one-shot calls
/// would have its threads and memory share the machine with them: tokio-mt's idle workers).
pub(crate) fn run(backend: Backend, reps: usize, target_us: u64) -> Result<Report, oneoff::Error> {
    let target = Duration::from_micros(target_us);
    // A failing call fails the whole measurement: check each variant once before timing it.
    backend.run(future::ready(()))?;
    backend.run(yield_times(1))?;
    let one_shot_ready_ns = ns_per_call(reps, target, || {
        black_box(backend.run(future::ready(black_box(1_u64))).ok());
    });
    let one_shot_yield_ns = ns_per_call(reps, target, || {
        black_box(backend.run(yield_times(black_box(1))).ok());
    });
    let runner = backend.runner()?;
    runner.block_on(future::ready(()))?;
    runner.block_on(yield_times(1))?;
    let reused_ready_ns = ns_per_call(reps, target, || {
        black_box(runner.block_on(future::ready(black_box(1_u64))).ok());
    });
    let reused_yield_ns = ns_per_call(reps, target, || {
        black_box(runner.block_on(yield_times(black_box(1))).ok());
    });
    Ok(Report {
        one_shot_ready_ns,
        one_shot_yield_ns,
        reused_ready_ns,
        reused_yield_ns,
        reps,
    })
}

/// The median over `reps` repetitions of the time per call, each repetition a batch of calls
/// sized to take about `target` (the median of the batches' times, by
/// `oneoff_workloads::stats`, divided by the batch size).
fn ns_per_call(reps: usize, target: Duration, mut call: impl FnMut()) -> f64 {
    // Warm up and size the batch: double it until one batch takes a tenth of the target.
    let mut batch: u64 = 1;
    let per_call = loop {
        let started = Instant::now();
        for _ in 0..batch {
            call();
        }
        let took = started.elapsed();
        if took >= target / 10 || batch >= 1 << 30 {
            break took.as_secs_f64() / batch as f64;
        }
        batch *= 2;
    };
    let batch = ((target.as_secs_f64() / per_call).ceil() as u64).max(1);
    let mut batches: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let started = Instant::now();
            for _ in 0..batch {
                call();
            }
            started.elapsed()
        })
        .collect();
    let median = stats::median(&mut batches).expect("at least one repetition");
    median.as_nanos() as f64 / batch as f64
}

//! Timing a call in a warm process: batches of calls sized to a target duration, and the
//! median batch per call, the one way every warm figure of the probe is taken.

use std::time::{Duration, Instant};

use oneoff_workloads::stats;

/// How long one batch takes, and how many batches each variant times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batches {
    /// Timed batches per variant; the median is reported.
    pub(crate) reps: usize,
    /// How long one batch should take.
    pub(crate) target: Duration,
    /// The most calls in one batch (the loopback server serves a bounded number).
    pub(crate) max_calls: u64,
}

/// The median over `reps` repetitions of the time per call, each repetition a batch of calls
/// sized to take about `target`, at most `max_calls` (the median of the batches' times, by
/// `oneoff_workloads::stats`, divided by the batch size).
pub(crate) fn ns_per_call(batches: Batches, mut call: impl FnMut()) -> f64 {
    let Batches {
        reps,
        target,
        max_calls,
    } = batches;
    let max_calls = max_calls.max(1);
    // Warm up and size the batch: double it until one batch takes a tenth of the target.
    let mut batch: u64 = 1;
    let per_call = loop {
        let started = Instant::now();
        for _ in 0..batch {
            call();
        }
        let took = started.elapsed();
        if took >= target / 10 || batch >= max_calls {
            break took.as_secs_f64() / batch as f64;
        }
        batch = (batch * 2).min(max_calls);
    };
    let batch = ((target.as_secs_f64() / per_call).ceil() as u64).clamp(1, max_calls);
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

//! The one way a warm call is timed, in the probe's processes (`cargo xtask compare`): batches of
//! calls sized to a target duration, and the median batch's time per call.

use std::time::{Duration, Instant};

use crate::stats;

/// How long one batch takes, and how many batches a call is timed in.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::timing::Batches;
///
/// let quick = Batches { reps: 3, target: Duration::from_micros(200), max_calls: 1_000 };
/// let ns = quick.ns_per_call(|| { std::hint::black_box(1 + 1); });
/// assert!(ns > 0.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Batches {
    /// Timed batches; the median is reported.
    pub reps: u32,
    /// How long one batch should take.
    pub target: Duration,
    /// The most calls in one batch (a call that connects to a bounded server counts them).
    pub max_calls: u64,
}

impl Batches {
    /// The median over the batches of the time per call, in nanoseconds: warms `call` up and
    /// sizes the batch (doubling it until one takes a tenth of the target), then times `reps`
    /// batches of about `target` each.
    pub fn ns_per_call(self, mut call: impl FnMut()) -> f64 {
        let max_calls = self.max_calls.max(1);
        let mut batch: u64 = 1;
        let per_call = loop {
            let started = Instant::now();
            (0..batch).for_each(|_| call());
            let took = started.elapsed();
            if took >= self.target / 10 || batch >= max_calls {
                break took.as_secs_f64() / batch as f64;
            }
            batch = (batch * 2).min(max_calls);
        };
        let batch = ((self.target.as_secs_f64() / per_call).ceil() as u64).clamp(1, max_calls);
        let mut times: Vec<Duration> = (0..self.reps.max(1))
            .map(|_| {
                let started = Instant::now();
                (0..batch).for_each(|_| call());
                started.elapsed()
            })
            .collect();
        let median = stats::median(&mut times).expect("at least one batch");
        median.as_nanos() as f64 / batch as f64
    }
}

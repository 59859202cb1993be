//! What every oneoff bench file shares: the criterion configuration (full or quick), the floor,
//! and each backend's direct call, so that every workload is measured with the same variants.
//!
//! A workload is benchmarked in one criterion group named after it, with ids
//! `<workload>/<backend>/<variant>`:
//!
//! - `<workload>/none/floor`: the workload's future polled once with
//!   [`Waker::noop`](std::task::Waker::noop), kept opaque with [`black_box`], the cost of the
//!   future with no runtime at all;
//! - `<workload>/<backend>/oneshot`: [`OneOffRunner::run`](oneoff::OneOffRunner::run), a fresh
//!   runtime every iteration;
//! - `<workload>/<backend>/direct-oneshot`: the same, written against the runtime's own API;
//! - `<workload>/<backend>/reused`: [`OneOffRunner::block_on`](oneoff::OneOffRunner::block_on)
//!   on a runner kept while that benchmark runs;
//! - `<workload>/<backend>/direct-reused`: the same, on a runtime kept by hand.
//!
//! Within a group the benchmarks run in a shuffled order ([`Plan`]): the floor first, then
//! each oneoff/direct pair at a random place with its halves in a random order, from a seed
//! that is printed, recorded and repeatable with `ONEOFF_BENCH_SEED`. While benchmarking,
//! each group records its run beside criterion's output (see the `record` module), so that
//! `cargo xtask bench-report` divides a oneoff figure only by a direct figure of the same run.
//! Backends whose two direct calls are the same call (`pollster`, `async-std`) give an
//! identical twin per group, which bench-report reads as the group's noise.
//!
//! # Examples
//!
//! ```
//! use oneoff_benches::{Backend, DirectFuturesLite};
//!
//! assert_eq!(DirectFuturesLite::direct_oneshot(async { 7 }), 7);
//! let kept = DirectFuturesLite::keep();
//! assert_eq!(DirectFuturesLite::direct_reused(&kept, async { 8 }), 8);
//! ```
//!
//! ## Feature flags
//!
//! None. Set `ONEOFF_BENCH_QUICK=1` for the quick mode (see [`criterion()`]) and
//! `ONEOFF_BENCH_SEED=<u64>` to repeat an order.

mod direct;
mod plan;
mod record;

use std::future::Future;
use std::hint::black_box;
use std::task::Poll;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};

pub use direct::{
    Backend, DirectAsyncStd, DirectFuturesLite, DirectPollster, DirectSmol, DirectTokio,
    DirectTokioMultiThread, EachTwin, for_each_twin,
};
pub use plan::Plan;
pub use record::SEED_ENV;

/// The environment variable that selects the quick mode: set to anything but `0` or nothing.
pub const QUICK_ENV: &str = "ONEOFF_BENCH_QUICK";

/// The criterion configuration of every bench file: full by default, quick when
/// [`QUICK_ENV`] is set. Command-line flags (`--warm-up-time`, `--measurement-time`, ...)
/// still override both.
///
/// The full mode keeps a whole `cargo bench` (about 150 benchmarks) within 15 minutes on a
/// 2-core machine: 0.5 s of warm-up and 3 s of measurement each instead of criterion's 3 s and
/// 5 s, and 20 000 bootstrap resamples instead of 100 000 (the analysis, single-threaded here,
/// otherwise takes about a second per benchmark). The quick mode (0.2 s and 0.5 s, 20 samples)
/// is for a first look and finishes within 3 minutes; its figures are noisier.
///
/// # Examples
///
/// ```no_run
/// // In a bench file, this is the `config` of `criterion_group!`.
/// let mut criterion = oneoff_benches::criterion();
/// criterion.bench_function("example/none/floor", |b| b.iter(|| 1 + 1));
/// ```
pub fn criterion() -> Criterion {
    let criterion = Criterion::default();
    if quick() {
        criterion
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500))
            .sample_size(20)
            .nresamples(20_000)
    } else {
        criterion
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .nresamples(20_000)
    }
}

/// One poll of `future` with [`Waker::noop`]: the floor under every `block_on`.
///
/// The future is passed through [`black_box`] so that the compiler cannot see through it, as
/// it cannot in the runtimes' `block_on`. For a workload that completes at its first poll
/// (`ready`, `work` with a zero delay) this is the whole work; for one that waits (`yield1`,
/// `xthread`) it is the work of its first poll, a lower bound.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
///
/// assert_eq!(oneoff_benches::floor(async { 1 }), Poll::Ready(1));
/// ```
pub fn floor<F: Future>(future: F) -> Poll<F::Output> {
    oneoff_workloads::poll_once(black_box(future))
}

/// Benchmarks the floor of `make`'s future as `<workload>/none/floor` in `group`.
pub fn bench_floor<Fut: Future>(group: &mut BenchmarkGroup<'_, WallTime>, make: &impl Fn() -> Fut) {
    group.bench_function(BenchmarkId::new("none", "floor"), |b| {
        b.iter(|| floor(make()))
    });
}

/// Whether the quick mode is on: [`QUICK_ENV`] set to anything but `0` or nothing.
pub(crate) fn quick() -> bool {
    std::env::var_os(QUICK_ENV).is_some_and(|value| !value.is_empty() && value != "0")
}

/// Benchmarks one workload on every backend: a group named `workload` holding the floor and
/// the four variants of each backend and flavour, in a shuffled order (see [`Plan`]).
///
/// # Examples
///
/// ```no_run
/// let mut criterion = oneoff_benches::criterion();
/// oneoff_benches::bench_workload(&mut criterion, "ready", &|| async { 1 });
/// ```
pub fn bench_workload<Fut: Future>(c: &mut Criterion, workload: &str, make: &impl Fn() -> Fut) {
    let mut plan = Plan::new(workload);
    plan.floor(make);
    plan.every_backend(make);
    plan.run(c);
}

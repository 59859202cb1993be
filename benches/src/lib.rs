//! What every oneoff bench file shares: the criterion configuration (full or quick), the floor,
//! and each backend's direct call, so that every workload is measured with the same variants.
//!
//! A workload is benchmarked in one criterion group named after it, with ids
//! `<workload>/<backend>/<variant>`:
//!
//! - `<workload>/none/floor`: the workload's future polled once with
//!   [`Waker::noop`](std::task::Waker::noop), kept opaque with
//!   [`black_box`](std::hint::black_box), the cost of the future with no runtime at all;
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
//! use oneoff::FuturesLite;
//! use oneoff_benches::Direct;
//!
//! assert_eq!(FuturesLite::direct_oneshot(async { 7 }), 7);
//! let kept = FuturesLite::keep();
//! assert_eq!(FuturesLite::direct_reused(&kept, async { 8 }), 8);
//! ```
//!
//! After `cargo bench`, [`write_report`] (the `bench-report` binary, run by `cargo xtask
//! bench-report`) reads criterion's estimates and the run records and writes
//! `target/oneoff/bench.md`: each oneoff figure divided by its direct twin of the same run, and
//! the overhead target judged over them.
//!
//! ## Feature flags
//!
//! None. Set `ONEOFF_BENCH_QUICK=1` for the quick mode (see [`criterion()`]) and
//! `ONEOFF_BENCH_SEED=<u64>` to repeat an order.

mod config;
mod direct;
mod plan;
mod record;
mod report;

use std::future::Future;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};

pub use config::{QUICK_ENV, criterion};
pub use direct::{Direct, EachBackend, EachRunner, floor, for_each_backend, for_each_runner};
pub use plan::Plan;
pub use record::SEED_ENV;
pub use report::write_report;

/// Benchmarks the floor of `make`'s future as `<workload>/none/floor` in `group`.
pub fn bench_floor<Fut: Future>(group: &mut BenchmarkGroup<'_, WallTime>, make: &impl Fn() -> Fut) {
    group.bench_function(BenchmarkId::new("none", "floor"), |b| {
        b.iter(|| floor(make()))
    });
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

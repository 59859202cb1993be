//! What every oneoff bench file shares: the criterion configuration (full or quick), the floor,
//! and each backend's direct call, so that every workload is measured with the same variants.
//!
//! A workload is benchmarked in one criterion group named after it, with ids
//! `<workload>/<backend>/<variant>`:
//!
//! - `<workload>/none/floor`: the workload's future polled once with [`Waker::noop`], kept
//!   opaque with [`black_box`], the cost of the future with no runtime at all;
//! - `<workload>/<backend>/oneshot`: [`OneOffRunner::run`], a fresh runtime every iteration;
//! - `<workload>/<backend>/direct-oneshot`: the same, written against the runtime's own API;
//! - `<workload>/<backend>/reused`: [`OneOffRunner::block_on`] on a runner kept for the group;
//! - `<workload>/<backend>/direct-reused`: the same, on a runtime kept by hand.
//!
//! `cargo xtask bench-report` reads criterion's estimates by these ids and divides each oneoff
//! variant by its direct twin.
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
//! None. Set `ONEOFF_BENCH_QUICK=1` for the quick mode (see [`criterion()`]).

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use oneoff::OneOffRunner;
use parking::Parker;

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
    let quick = std::env::var_os(QUICK_ENV).is_some_and(|value| !value.is_empty() && value != "0");
    let criterion = Criterion::default();
    if quick {
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

/// A oneoff backend beside the same calls written against its runtime's own API, with no
/// oneoff code in between: the baseline that oneoff's overhead is measured against.
///
/// # Examples
///
/// ```
/// use oneoff_benches::{Backend, DirectPollster};
///
/// assert_eq!(DirectPollster::direct_oneshot(async { 1 }), 1);
/// ```
pub trait Backend {
    /// The oneoff runner of this backend.
    type Runner: OneOffRunner;

    /// What the reused direct form keeps between calls: a runtime, an executor, a parker.
    type Kept;

    /// Starts what [`direct_reused`](Self::direct_reused) runs on.
    fn keep() -> Self::Kept;

    /// The one-shot call: a fresh runtime for this future, torn down before returning.
    fn direct_oneshot<F: Future>(future: F) -> F::Output;

    /// The reused call: this future on the kept runtime.
    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output;
}

/// tokio's current-thread runtime with I/O and timers, as [`oneoff::Tokio`] builds it.
#[derive(Debug)]
pub struct DirectTokio;

impl Backend for DirectTokio {
    type Runner = oneoff::Tokio;
    type Kept = tokio::runtime::Runtime;

    fn keep() -> Self::Kept {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio current-thread runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// tokio's multi-thread runtime with I/O and timers, as [`oneoff::TokioMultiThread`] builds it.
#[derive(Debug)]
pub struct DirectTokioMultiThread;

impl Backend for DirectTokioMultiThread {
    type Runner = oneoff::TokioMultiThread;
    type Kept = tokio::runtime::Runtime;

    fn keep() -> Self::Kept {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio multi-thread runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// `smol::block_on(executor.run(future))`, as [`oneoff::Smol`] runs it.
#[derive(Debug)]
pub struct DirectSmol;

impl Backend for DirectSmol {
    type Runner = oneoff::Smol;
    type Kept = smol::Executor<'static>;

    fn keep() -> Self::Kept {
        smol::Executor::new()
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        smol::block_on(smol::Executor::new().run(future))
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        smol::block_on(kept.run(future))
    }
}

/// `futures_lite::future::block_on` for one shot; a kept parker and waker polled in a loop for
/// reuse, as [`oneoff::FuturesLite`] does.
#[derive(Debug)]
pub struct DirectFuturesLite;

impl Backend for DirectFuturesLite {
    type Runner = oneoff::FuturesLite;
    type Kept = (Parker, Waker);

    fn keep() -> Self::Kept {
        let parker = Parker::new();
        let waker = Waker::from(parker.unparker());
        (parker, waker)
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }

    fn direct_reused<F: Future>((parker, waker): &Self::Kept, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            parker.park();
        }
    }
}

/// `pollster::block_on`, which keeps nothing: both forms are the same call.
#[derive(Debug)]
pub struct DirectPollster;

impl Backend for DirectPollster {
    type Runner = oneoff::Pollster;
    type Kept = ();

    fn keep() -> Self::Kept {}

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        pollster::block_on(future)
    }

    fn direct_reused<F: Future>((): &Self::Kept, future: F) -> F::Output {
        pollster::block_on(future)
    }
}

/// `async_std::task::block_on` on the global runtime: both forms are the same call.
#[derive(Debug)]
pub struct DirectAsyncStd;

impl Backend for DirectAsyncStd {
    type Runner = oneoff::AsyncStd;
    type Kept = ();

    fn keep() -> Self::Kept {}

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn direct_reused<F: Future>((): &Self::Kept, future: F) -> F::Output {
        async_std::task::block_on(future)
    }
}

/// tokio's `LocalRuntime` with I/O and timers, as [`oneoff::TokioLocal`] builds it.
#[derive(Debug)]
pub struct DirectTokioLocal;

impl Backend for DirectTokioLocal {
    type Runner = oneoff::TokioLocal;
    type Kept = tokio::runtime::LocalRuntime;

    fn keep() -> Self::Kept {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(tokio::runtime::LocalOptions::default())
            .expect("tokio local runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// `futures::executor::block_on` for one shot, a kept `LocalPool`'s `run_until` for reuse, as
/// [`oneoff::FuturesExecutor`] does.
#[derive(Debug)]
pub struct DirectFuturesExecutor;

impl Backend for DirectFuturesExecutor {
    type Runner = oneoff::FuturesExecutor;
    type Kept = RefCell<futures_executor::LocalPool>;

    fn keep() -> Self::Kept {
        RefCell::new(futures_executor::LocalPool::new())
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        futures_executor::block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.borrow_mut().run_until(future)
    }
}

/// compio's runtime, as [`oneoff::Compio`] builds it.
#[derive(Debug)]
pub struct DirectCompio;

impl Backend for DirectCompio {
    type Runner = oneoff::Compio;
    type Kept = compio::runtime::Runtime;

    fn keep() -> Self::Kept {
        compio::runtime::Runtime::new().expect("compio runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// monoio's runtime with its timer, io_uring or legacy, as [`oneoff::Monoio`] builds it.
#[derive(Debug)]
pub struct DirectMonoio;

impl Backend for DirectMonoio {
    type Runner = oneoff::Monoio;
    type Kept = RefCell<
        monoio::FusionRuntime<
            monoio::time::TimeDriver<monoio::IoUringDriver>,
            monoio::time::TimeDriver<monoio::LegacyDriver>,
        >,
    >;

    fn keep() -> Self::Kept {
        let runtime = monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
            .enable_timer()
            .build()
            .expect("monoio runtime");
        RefCell::new(runtime)
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().borrow_mut().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Kept, future: F) -> F::Output {
        kept.borrow_mut().block_on(future)
    }
}

/// Benchmarks the four variants of backend `B` on the futures `make` builds, in `group`:
/// `oneshot` beside `direct-oneshot`, then `reused` beside `direct-reused`.
///
/// Each kept runtime lives only while its own variant runs, so that no idle runtime's threads
/// share the machine with another variant.
///
/// # Panics
///
/// When a oneoff call fails (a runtime that cannot start, a nested call): a bench that does
/// not measure what it says must not report a figure.
pub fn bench_backend<B: Backend, Fut: Future>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    make: &impl Fn() -> Fut,
) {
    let name = B::Runner::NAME;
    group.bench_function(BenchmarkId::new(name, "oneshot"), |b| {
        b.iter(|| B::Runner::run(black_box(make())).expect("oneoff one-shot run"))
    });
    group.bench_function(BenchmarkId::new(name, "direct-oneshot"), |b| {
        b.iter(|| B::direct_oneshot(black_box(make())))
    });
    {
        let runner = B::Runner::new().expect("oneoff runner");
        group.bench_function(BenchmarkId::new(name, "reused"), |b| {
            b.iter(|| {
                runner
                    .block_on(black_box(make()))
                    .expect("oneoff reused run")
            })
        });
    }
    {
        let kept = B::keep();
        group.bench_function(BenchmarkId::new(name, "direct-reused"), |b| {
            b.iter(|| B::direct_reused(&kept, black_box(make())))
        });
    }
}

/// Benchmarks the floor of `make`'s future as `<workload>/none/floor` in `group`.
pub fn bench_floor<Fut: Future>(group: &mut BenchmarkGroup<'_, WallTime>, make: &impl Fn() -> Fut) {
    group.bench_function(BenchmarkId::new("none", "floor"), |b| {
        b.iter(|| floor(make()))
    });
}

/// Benchmarks one workload on every backend: a group named `workload` holding the floor and
/// the four variants of each backend and flavour.
///
/// # Examples
///
/// ```no_run
/// let mut criterion = oneoff_benches::criterion();
/// oneoff_benches::bench_workload(&mut criterion, "ready", &|| async { 1 });
/// ```
pub fn bench_workload<Fut: Future>(c: &mut Criterion, workload: &str, make: &impl Fn() -> Fut) {
    let mut group = c.benchmark_group(workload);
    bench_floor(&mut group, make);
    bench_backend::<DirectTokio, _>(&mut group, make);
    bench_backend::<DirectTokioMultiThread, _>(&mut group, make);
    bench_backend::<DirectSmol, _>(&mut group, make);
    bench_backend::<DirectFuturesLite, _>(&mut group, make);
    bench_backend::<DirectPollster, _>(&mut group, make);
    bench_backend::<DirectTokioLocal, _>(&mut group, make);
    bench_backend::<DirectFuturesExecutor, _>(&mut group, make);
    bench_backend::<DirectCompio, _>(&mut group, make);
    bench_backend::<DirectMonoio, _>(&mut group, make);
    bench_backend::<DirectAsyncStd, _>(&mut group, make);
    group.finish();
}

//! `overhead`: the pieces of code that oneoff adds in front of a runtime's `block_on`, each
//! alone, so that a gap between a oneoff variant and its direct twin can be attributed.
//!
//! Every oneoff entry point first calls `oneoff_core::enter`: a thread-local flag, then (with
//! `async-oneoff-core`'s `detect-*` features, all on in this workspace) one probe per foreign runtime.
//! The ids name the crate whose code is measured.

use std::cell::Cell;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use oneoff::FuturesLite;
use oneoff_benches::Direct;
use oneoff_core::{BackendInfo, Escape, NativeIo};

thread_local! {
    /// A replica of `async-oneoff-core`'s own mark of a run in progress.
    static RUNNING: Cell<Option<&'static BackendInfo>> = const { Cell::new(None) };
}

/// The identity the bench's own marks carry.
static BENCH: BackendInfo = BackendInfo::new("bench", Escape::Await, NativeIo::None);

/// A replica of `oneoff_core::enter` with `#[inline]`, to measure what inlining it across the
/// crate boundary would save: the two foreign probes stay calls into tokio and async-std.
#[inline]
fn enter_inlined(backend: &'static BackendInfo) -> Option<EnteredReplica> {
    if RUNNING.get().is_some()
        || tokio::runtime::Handle::try_current().is_ok()
        || async_std::task::try_current().is_some()
    {
        return None;
    }
    RUNNING.set(Some(backend));
    Some(EnteredReplica)
}

/// The replica's guard, clearing the mark like `oneoff_core::Entered`.
struct EnteredReplica;

impl Drop for EnteredReplica {
    #[inline]
    fn drop(&mut self) {
        RUNNING.set(None);
    }
}

fn overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("overhead");
    oneoff_benches::bench_floor(&mut group, &|| async { 1_u64 });
    group.bench_function(BenchmarkId::new("oneoff-core", "enter"), |b| {
        b.iter(|| oneoff_core::enter(black_box(&BENCH)).expect("not nested"))
    });
    group.bench_function(BenchmarkId::new("oneoff-core", "current_context"), |b| {
        b.iter(oneoff_core::current_context)
    });
    // The check's detectors, each alone (`overhead/detector/<name>`): bench-report holds the
    // check (`overhead/oneoff-core/enter`) to at most their sum.
    group.bench_function(BenchmarkId::new("detector", "oneoff-flag"), |b| {
        b.iter(|| {
            // What `enter` does with its own flag alone: read it, set it, clear it on drop.
            if RUNNING.get().is_none() {
                RUNNING.set(Some(black_box(&BENCH)));
            }
            RUNNING.set(None);
        })
    });
    group.bench_function(BenchmarkId::new("replica", "enter-inlined"), |b| {
        b.iter(|| enter_inlined(black_box(&BENCH)).expect("not nested"))
    });
    group.bench_function(BenchmarkId::new("detector", "tokio"), |b| {
        b.iter(|| tokio::runtime::Handle::try_current().is_ok())
    });
    group.bench_function(BenchmarkId::new("detector", "async-std"), |b| {
        b.iter(|| async_std::task::try_current().is_some())
    });
    group.bench_function(BenchmarkId::new("detector", "futures-executor"), |b| {
        b.iter(|| futures_executor::enter().is_err())
    });
    // Where a tokio handle is set but tokio runs no scheduler on the thread, the check also
    // reads tokio's budget by spending it: in the worst case (no budget, under
    // `Runtime::enter`) 256 steps.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio current-thread runtime");
    {
        let _entered = runtime.enter();
        group.bench_function(
            BenchmarkId::new("oneoff-core", "current_context-under-enter"),
            |b| b.iter(oneoff_core::current_context),
        );
    }
    group.bench_function(
        BenchmarkId::new("oneoff-core", "current_context-in-block_on"),
        |b| b.iter(|| runtime.block_on(async { oneoff_core::current_context() })),
    );
    // In a `spawn_blocking` closure, where oneoff tells users to call it: a blocking thread is
    // recognised by its budget once, at its first check, and remembered. Timed inside the
    // closure, on the blocking pool's thread.
    group.bench_function(
        BenchmarkId::new("oneoff-core", "current_context-in-spawn_blocking"),
        |b| {
            b.iter_custom(|iters| {
                let checks = runtime.spawn_blocking(move || {
                    let started = std::time::Instant::now();
                    for _ in 0..iters {
                        black_box(oneoff_core::current_context());
                    }
                    started.elapsed()
                });
                runtime.block_on(checks).expect("the checks ran")
            })
        },
    );
    // The same ready future on a kept futures-lite runner three ways: through `block_on` (the
    // nested-call check, then the backend), the check followed by the same loop written by
    // hand, and the loop alone. `enter-then-by-hand` beside `block_on` shows that oneoff costs
    // nothing besides the check; `by-hand` beside it, what the check costs in place.
    let ready = || async { 1_u64 };
    let runner = FuturesLite::new().expect("futures-lite runner");
    group.bench_function(BenchmarkId::new("futures-lite", "block_on"), |b| {
        b.iter(|| runner.block_on(black_box(ready())).expect("not nested"))
    });
    let kept = FuturesLite::keep();
    group.bench_function(
        BenchmarkId::new("futures-lite", "enter-then-by-hand"),
        |b| {
            b.iter(|| {
                let _entered = oneoff_core::enter(black_box(&BENCH)).expect("not nested");
                FuturesLite::direct_reused(&kept, black_box(ready()))
            })
        },
    );
    group.bench_function(BenchmarkId::new("futures-lite", "by-hand"), |b| {
        b.iter(|| FuturesLite::direct_reused(&kept, black_box(ready())))
    });
    // Debug mode: off, `block_on` above already pays its whole cost (one look at the
    // process-wide options); on, every poll is timed.
    let debug = oneoff_core::Options::<FuturesLite>::new()
        .debug(true)
        .runner()
        .expect("futures-lite runner");
    group.bench_function(
        BenchmarkId::new("futures-lite", "block_on-debug-mode"),
        |b| b.iter(|| debug.block_on(black_box(ready())).expect("not nested")),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = overhead
}
criterion_main!(benches);

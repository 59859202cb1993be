//! `spawn`: the future spawns one task that returns at once and awaits it, on the backends
//! that can spawn (tokio's two flavours, smol through `oneoff_smol::spawn`, async-std): the
//! cost of a task's allocation, scheduling and join on top of a run.
//!
//! The floor is one poll of the spawned body alone: no backend-free way to spawn exists.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use oneoff::{OneOffRunner, Smol};
use oneoff_benches::{DirectAsyncStd, DirectTokio, DirectTokioMultiThread, bench_backend};

/// The spawned task's body.
async fn body() -> u64 {
    1
}

fn spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn");
    oneoff_benches::bench_floor(&mut group, &body);
    let on_tokio = || async { tokio::spawn(body()).await.expect("spawned tokio task") };
    bench_backend::<DirectTokio, _>(&mut group, &on_tokio);
    bench_backend::<DirectTokioMultiThread, _>(&mut group, &on_tokio);
    smol(&mut group);
    bench_backend::<DirectAsyncStd, _>(&mut group, &|| async_std::task::spawn(body()));
    group.finish();
}

/// smol's direct form spawns on the executor it holds, where oneoff finds the executor of the
/// run in progress through `oneoff_smol::spawn`: the two futures differ, so this backend is
/// written out instead of going through `bench_backend`.
fn smol(group: &mut BenchmarkGroup<'_, WallTime>) {
    let through_oneoff = || async {
        oneoff_smol::spawn(body())
            .expect("inside a oneoff smol run")
            .await
    };
    group.bench_function(BenchmarkId::new(Smol::NAME, "oneshot"), |b| {
        b.iter(|| Smol::run(black_box(through_oneoff())).expect("oneoff one-shot run"))
    });
    group.bench_function(BenchmarkId::new(Smol::NAME, "direct-oneshot"), |b| {
        b.iter(|| {
            let executor = smol::Executor::new();
            smol::block_on(executor.run(black_box(async { executor.spawn(body()).await })))
        })
    });
    {
        let runner = Smol::new().expect("oneoff runner");
        group.bench_function(BenchmarkId::new(Smol::NAME, "reused"), |b| {
            b.iter(|| {
                runner
                    .block_on(black_box(through_oneoff()))
                    .expect("oneoff reused run")
            })
        });
    }
    {
        let executor = smol::Executor::new();
        group.bench_function(BenchmarkId::new(Smol::NAME, "direct-reused"), |b| {
            b.iter(|| {
                smol::block_on(executor.run(black_box(async { executor.spawn(body()).await })))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = spawn
}
criterion_main!(benches);

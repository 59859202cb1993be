//! `spawn`: the future spawns one task that returns at once and awaits it, on the backends
//! that can spawn (tokio's two flavours, smol through `oneoff::smol_spawn`, async-std): the
//! cost of a task's allocation, scheduling and join on top of a run.
//!
//! The floor is one poll of the spawned body alone: no backend-free way to spawn exists.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff::{AsyncStd, OneOffRunner, Smol, Tokio, TokioMultiThread};
use oneoff_benches::Plan;

/// The spawned task's body.
async fn body() -> u64 {
    1
}

fn spawn(c: &mut Criterion) {
    let on_tokio = || async { tokio::spawn(body()).await.expect("spawned tokio task") };
    let on_async_std = || async_std::task::spawn(body());
    let mut plan = Plan::new("spawn");
    plan.floor(&body);
    plan.backend::<Tokio, _>(&on_tokio);
    plan.backend::<TokioMultiThread, _>(&on_tokio);
    smol(&mut plan);
    plan.backend::<AsyncStd, _>(&on_async_std);
    plan.run(c);
}

/// smol's direct form spawns on the executor it holds, where oneoff finds the executor of the
/// run in progress through `oneoff::smol_spawn`: the two futures differ, so this backend's
/// pairs are written out instead of going through `Plan::backend`.
fn smol(plan: &mut Plan<'_>) {
    let through_oneoff = || async {
        oneoff::smol_spawn(body())
            .expect("inside a oneoff smol run")
            .await
    };
    plan.pair_of(
        Smol::NAME,
        ("oneshot", move |b: &mut criterion::Bencher<'_>| {
            b.iter(|| Smol::run(black_box(through_oneoff())).expect("oneoff one-shot run"))
        }),
        ("direct-oneshot", |b: &mut criterion::Bencher<'_>| {
            b.iter(|| {
                let executor = smol::Executor::new();
                smol::block_on(executor.run(black_box(async { executor.spawn(body()).await })))
            })
        }),
    );
    // Each kept runtime is made when its own benchmark starts and dropped when it ends.
    let mut runner = None;
    let mut executor = None;
    plan.pair_of(
        Smol::NAME,
        ("reused", move |b: &mut criterion::Bencher<'_>| {
            let runner = runner.get_or_insert_with(|| Smol::new().expect("oneoff runner"));
            b.iter(|| {
                runner
                    .block_on(black_box(through_oneoff()))
                    .expect("oneoff reused run")
            })
        }),
        ("direct-reused", move |b: &mut criterion::Bencher<'_>| {
            let executor = executor.get_or_insert_with(smol::Executor::new);
            b.iter(|| {
                smol::block_on(executor.run(black_box(async { executor.spawn(body()).await })))
            })
        }),
    );
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = spawn
}
criterion_main!(benches);

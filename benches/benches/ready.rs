//! `ready`: an async block that returns at once, so every figure is the pure cost of a run's
//! path through the runtime (start-up and teardown for `oneshot`), with nothing to wait for.

use criterion::{Criterion, criterion_group, criterion_main};

fn ready(c: &mut Criterion) {
    oneoff_benches::bench_workload(c, "ready", &|| async { 1_u64 });
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = ready
}
criterion_main!(benches);

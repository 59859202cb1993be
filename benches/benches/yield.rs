//! `yield1` and `yield10`: a future that wakes itself and returns `Pending` once (ten times)
//! before it completes, the cost of a runtime's self-wake path with no I/O and no other thread.

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff_workloads::yield_times;

fn yield1(c: &mut Criterion) {
    oneoff_benches::bench_workload(c, "yield1", &|| yield_times(1));
}

fn yield10(c: &mut Criterion) {
    oneoff_benches::bench_workload(c, "yield10", &|| yield_times(10));
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = yield1, yield10
}
criterion_main!(benches);

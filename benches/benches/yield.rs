//! `yield1` and `yield10`: a future that wakes itself and returns `Pending` once (ten times)
//! before it completes, the cost of a runtime's self-wake path with no I/O and no other thread.

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff_workloads::yield_times;

fn yields(c: &mut Criterion) {
    // One closure for both groups, so that the benches are compiled once for both (a closure
    // per group doubled this file's build).
    for (group, times) in [("yield1", 1), ("yield10", 10)] {
        oneoff_benches::bench_workload(c, group, &move || yield_times(times));
    }
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = yields
}
criterion_main!(benches);

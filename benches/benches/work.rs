//! `work`: the shared `work_with(arg)` coroutine with a zero delay, writing its two lines to
//! `io::sink()`: the classic example's path (two writes, an `async-io` timer that is due at its
//! first poll) without the second of waiting.

use std::io;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff_workloads::work_with;

fn work(c: &mut Criterion) {
    oneoff_benches::bench_workload(c, "work", &|| work_with(100, Duration::ZERO, io::sink()));
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = work
}
criterion_main!(benches);

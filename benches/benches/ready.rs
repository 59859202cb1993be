//! Placeholder: the ready workload's floor (filled by the benchmark issue).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn ready(c: &mut Criterion) {
    c.bench_function("ready/none/floor", |b| {
        b.iter(|| oneoff_workloads::poll_once(black_box(async { 1 })))
    });
}

criterion_group!(benches, ready);
criterion_main!(benches);

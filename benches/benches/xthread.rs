//! `xthread`: a future woken once from a helper thread that lives for the whole process, the
//! cost of parking the calling thread and being unparked from another one.

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff_workloads::woken_from_thread;

fn xthread(c: &mut Criterion) {
    oneoff_benches::bench_workload(c, "xthread", &woken_from_thread);
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = xthread
}
criterion_main!(benches);

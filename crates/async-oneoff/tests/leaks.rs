//! No leaks under load: many one-shot runs in one process leave the OS thread count and the
//! resident memory where they started, on every backend.
//!
//! CI runs 2,000 runs per backend; `ONEOFF_LEAK_RUNS=100000 cargo test --all-features -p async-oneoff
//! --test leaks` runs the full count. The backends run one after another in one test, because
//! the thread count and memory are the whole process's and tests in one binary run in parallel.
#![cfg(target_os = "linux")]

use std::io;
use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::{watchdog, woken_from_thread, work_with, yield_times};

mod common;
use common::{settled_threads, status};

/// Runs that start every lazily started global thread before the baseline is taken.
const WARM_UP: u64 = 300;
/// Resident memory a backend may add over its runs: allocator caches, not leaks. Over CI's
/// 2,000 runs it catches a leak of about 2 KiB per run or more; over the full 100,000 runs, one
/// of about 42 bytes per run.
const RSS_ALLOWANCE_KIB: u64 = 4 * 1024;

fn one_run(backend: Backend, i: u64) {
    let result = backend
        .run(async move {
            yield_times(1).await;
            woken_from_thread().await;
            work_with(i, Duration::ZERO, io::sink()).await
        })
        .unwrap();
    assert_eq!(result, i * 100);
}

#[test]
fn one_shot_runs_leak_no_threads_and_no_memory() {
    let runs: u64 = std::env::var("ONEOFF_LEAK_RUNS")
        .ok()
        .map(|n| n.parse().expect("ONEOFF_LEAK_RUNS must be a whole number"))
        .unwrap_or(2_000);
    assert!(runs > 0, "ONEOFF_LEAK_RUNS must be at least 1");
    watchdog("leaks", Duration::from_secs(1800), move || {
        for &backend in Backend::ALL {
            (0..WARM_UP).for_each(|i| one_run(backend, i));
            let (threads, rss) = (settled_threads(), status("VmRSS:"));
            (0..runs).for_each(|i| one_run(backend, i));
            let (threads_after, rss_after) = (settled_threads(), status("VmRSS:"));
            println!(
                "{backend}: {runs} runs, threads {threads} -> {threads_after}, RSS {rss} -> {rss_after} KiB"
            );
            assert_eq!(
                threads_after, threads,
                "{backend}: {runs} runs changed the thread count"
            );
            assert!(
                rss_after <= rss + RSS_ALLOWANCE_KIB,
                "{backend}: {runs} runs grew RSS from {rss} to {rss_after} KiB"
            );
        }
    });
}

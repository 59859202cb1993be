//! No leaks under load on the portal: many calls through one portal, and many portals opened
//! and closed, leave the OS thread count and the resident memory where they started, on every
//! backend that hosts it (plain, and in `TokioCompat` with that feature).
//!
//! CI runs 5,000 calls per backend; `ONEOFF_LEAK_RUNS=100000 cargo test --release -p async-oneoff
//! --all-features --test portal_leaks` runs the full count. Everything runs in one test, one
//! backend after another, because the thread count and memory are the whole process's; this
//! file is its own test binary so that no other test shares the process.
#![cfg(all(target_os = "linux", feature = "portal"))]

use std::io;
use std::time::Duration;

use oneoff::{BlockingPortal, OneOffRunner};
use oneoff_workloads::{watchdog, woken_from_thread, work_with, yield_times};

mod common;
use common::{settled_threads, status};

/// Calls that start every lazily started global thread before the baseline is taken.
const WARM_UP: u64 = 300;
/// Portals opened, used and closed per backend, after the calls.
const PORTALS: u64 = 50;
/// Resident memory a backend may add over its calls: allocator caches, not leaks. Over CI's
/// 5,000 calls it catches a leak of about 800 bytes per call or more; over the full 100,000,
/// one of about 42 bytes per call.
const RSS_ALLOWANCE_KIB: u64 = 4 * 1024;

fn one_call<R: OneOffRunner>(portal: &BlockingPortal<R>, i: u64) {
    let result = portal
        .call(async move {
            yield_times(1).await;
            woken_from_thread().await;
            work_with(i, Duration::ZERO, io::sink()).await
        })
        .unwrap();
    assert_eq!(result, i * 100);
}

/// `calls` calls through one portal, then `PORTALS` portals opened and closed: the thread
/// count and RSS before and after, printed and checked.
fn no_growth<R: OneOffRunner + 'static>(calls: u64) {
    let portal = BlockingPortal::<R>::new().unwrap();
    (0..WARM_UP).for_each(|i| one_call(&portal, i));
    let (threads, rss) = (settled_threads(), status("VmRSS:"));
    (0..calls).for_each(|i| one_call(&portal, i));
    let (threads_after, rss_after) = (settled_threads(), status("VmRSS:"));
    portal.close().unwrap();
    let threads_closed = settled_threads();
    for i in 0..PORTALS {
        let portal = BlockingPortal::<R>::new().unwrap();
        one_call(&portal, i);
        portal.close().unwrap();
    }
    let (threads_cycled, rss_cycled) = (settled_threads(), status("VmRSS:"));
    let name = std::any::type_name::<R>();
    println!(
        "{name}: {calls} calls, threads {threads} -> {threads_after}, RSS {rss} -> {rss_after} KiB; \
         {PORTALS} portals opened and closed: threads {threads_closed} -> {threads_cycled}, RSS -> {rss_cycled} KiB"
    );
    assert_eq!(
        threads_after, threads,
        "{name}: {calls} calls changed the thread count"
    );
    assert!(
        rss_after <= rss + RSS_ALLOWANCE_KIB,
        "{name}: {calls} calls grew RSS from {rss} to {rss_after} KiB"
    );
    assert_eq!(
        threads_closed, threads_cycled,
        "{name}: opening and closing {PORTALS} portals changed the thread count"
    );
    assert!(
        rss_cycled <= rss_after + RSS_ALLOWANCE_KIB,
        "{name}: {PORTALS} portals grew RSS from {rss_after} to {rss_cycled} KiB"
    );
}

macro_rules! each_host {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Runs `no_growth` for every hosting backend, plain and in `TokioCompat`.
        fn every_host(calls: u64) {
            $(
                #[cfg(feature = $feature)]
                no_growth::<$runner>(calls);
                #[cfg(all(feature = $feature, feature = "tokio-compat"))]
                no_growth::<oneoff::TokioCompat<$runner>>(calls);
            )*
        }
    };
}

oneoff::for_each_backend!(each_host);

#[test]
fn calls_and_portals_leak_no_threads_and_no_memory() {
    let calls: u64 = std::env::var("ONEOFF_LEAK_RUNS")
        .ok()
        .map(|n| n.parse().expect("ONEOFF_LEAK_RUNS must be a whole number"))
        .unwrap_or(5_000);
    assert!(calls > 0, "ONEOFF_LEAK_RUNS must be at least 1");
    watchdog("portal leaks", Duration::from_secs(1800), move || {
        every_host(calls)
    });
}

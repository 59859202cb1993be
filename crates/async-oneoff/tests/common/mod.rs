//! Helpers that several of the facade's test binaries share.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

/// A two-worker multi-thread tokio runtime and a current-thread one, as users build them.
pub(crate) fn tokio_runtimes() -> [tokio::runtime::Runtime; 2] {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    [current, multi]
}

/// A future that is never idle: it wakes itself and yields, for ever.
pub(crate) async fn busy() {
    loop {
        futures_lite::future::yield_now().await;
    }
}

/// One field of `/proc/self/status`, as a number (`Threads:`, `VmRSS:` in KiB).
pub(crate) fn status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// The process's thread count once it holds still: a thread that was just joined may still be
/// counted for a moment (the kernel wakes the joiner before it takes the thread off the count),
/// so the count is read until three reads 5 ms apart agree, for at most a second.
pub(crate) fn settled_threads() -> u64 {
    let mut last = status("Threads:");
    let mut same = 0;
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        let now = status("Threads:");
        same = if now == last { same + 1 } else { 0 };
        last = now;
        if same == 2 {
            break;
        }
    }
    last
}

/// For each backend of the list, a module named after it with one test per case, each
/// `cases::<case>::<R>` of the calling file under the watchdog (its `LIMIT`), on the backends
/// that can spawn (elsewhere the test passes at once). Called as
/// `oneoff::for_each_backend!(@with [common::spawning_cases] case_one, case_two,)`.
#[allow(unused_macros)]
macro_rules! spawning_cases {
    ($cases:tt $($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            $crate::common::spawning_cases!(@cases $runner: $cases);
        }
    )*};
    (@cases $runner:ty: ($($case:ident,)*)) => {$(
        #[test]
        fn $case() {
            if <$runner>::CAN_SPAWN {
                let name = concat!(module_path!(), "::", stringify!($case));
                watchdog(name, LIMIT, cases::$case::<$runner>);
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use spawning_cases;

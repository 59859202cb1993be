//! How a task spawned with `oneoff::spawn` and the run's own future share the run, on every
//! backend that can spawn: the task runs while the future keeps yielding, and a task that never
//! stops waking itself starves neither the future nor its timeout (tokio's
//! `complete_block_on_under_load`). Both broke on monoio, whose scheduler runs a task that woke
//! itself again before anything else.

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use oneoff::{Error, OneOffRunner};
use oneoff_workloads::watchdog;

mod common;

const LIMIT: Duration = Duration::from_secs(60);

/// How long a case waits for what the bug made never happen (a spawned task's first poll) or
/// happen after 8 s (a timeout of 300 ms beside a busy task on monoio).
const BOUND: Duration = Duration::from_secs(5);

mod cases {
    use super::*;

    pub(crate) fn a_task_runs_while_the_future_yields<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let task_ran = Arc::clone(&ran);
        let waited = runner.block_on(async move {
            oneoff::spawn(async move { task_ran.store(true, Ordering::SeqCst) })
                .unwrap()
                .detach();
            let start = Instant::now();
            let mut yields = 0_u64;
            while !ran.load(Ordering::SeqCst) && start.elapsed() < BOUND {
                futures_lite::future::yield_now().await;
                yields += 1;
            }
            (ran.load(Ordering::SeqCst), yields)
        });
        let (ran, yields) = waited.unwrap();
        assert!(
            ran,
            "{}: the spawned task never ran in {yields} yields of the future",
            R::NAME
        );
    }

    pub(crate) fn a_busy_task_starves_neither_the_future_nor_its_timeout<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let start = Instant::now();
        let timed_out = runner.block_on_timeout(
            async {
                oneoff::spawn(common::busy()).unwrap().detach();
                pending::<()>().await
            },
            Duration::from_millis(300),
        );
        let elapsed = start.elapsed();
        assert!(
            matches!(timed_out, Err(Error::Timeout { .. })),
            "{}: {timed_out:?}",
            R::NAME
        );
        assert!(
            elapsed < BOUND,
            "{}: a timeout of 300 ms beside a busy task returned after {elapsed:?}",
            R::NAME
        );
        // The busy task is still on the runner: a future that waits for a timer completes.
        let start = Instant::now();
        let timer = async {
            async_io::Timer::after(Duration::from_millis(10)).await;
            7
        };
        assert_eq!(
            runner.block_on_timeout(timer, BOUND).unwrap(),
            7,
            "{}",
            R::NAME
        );
        assert!(start.elapsed() < BOUND, "{}", R::NAME);
    }
}

// Every case for each backend that can spawn, each under the watchdog.
oneoff::for_each_backend!(@with [common::spawning_cases]
    a_task_runs_while_the_future_yields,
    a_busy_task_starves_neither_the_future_nor_its_timeout,
);

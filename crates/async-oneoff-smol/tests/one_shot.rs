//! A one-shot run has no executor until its future spawns a task: the executor it then makes
//! drives the tasks, is this run's alone, and is dropped (cancelling them) when the run ends,
//! also when the run panics.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use oneoff_core::Error;
use oneoff_smol::{Smol, spawn};
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// Sets its flag when dropped: a task holding one was cancelled or finished.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A task that never ends, and the flag it sets when it is dropped.
fn forever() -> (Arc<AtomicBool>, impl Future<Output = ()> + Send + 'static) {
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = DropFlag(Arc::clone(&dropped));
    (dropped, async move {
        let _guard = guard;
        std::future::pending::<()>().await
    })
}

#[test]
fn tasks_spawned_by_tasks_run_and_the_executor_ends_with_the_run() {
    watchdog("smol one-shot tasks", LIMIT, || {
        let (dropped, task) = forever();
        let total = Smol::run(async move {
            spawn(task).unwrap().detach();
            // A task that spawns a task: both run on the run's one executor.
            let outer = spawn(async { spawn(async { 40 }).unwrap().await + 2 }).unwrap();
            smol::Timer::after(Duration::from_millis(1)).await;
            outer.await
        })
        .unwrap();
        assert_eq!(total, 42);
        assert!(
            dropped.load(Ordering::SeqCst),
            "a leftover task outlived the run"
        );
        assert!(
            matches!(spawn(async {}), Err(Error::Unsupported { .. })),
            "spawn still found the ended run's executor"
        );
    });
}

#[test]
fn each_one_shot_run_has_its_own_executor() {
    watchdog("smol one-shot executors", LIMIT, || {
        let polled = Arc::new(AtomicUsize::new(0));
        for run in 0..3 {
            let (dropped, task) = forever();
            let counter = Arc::clone(&polled);
            Smol::run(async move {
                spawn(async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    task.await
                })
                .unwrap()
                .detach();
                smol::future::yield_now().await;
            })
            .unwrap();
            assert!(
                dropped.load(Ordering::SeqCst),
                "run {run} left its task alive"
            );
            // Only this run's task ran: the earlier ones were dropped with their executors.
            assert_eq!(polled.load(Ordering::SeqCst), run + 1);
        }
    });
}

#[test]
fn a_panicking_run_drops_its_executor_and_the_next_run_starts_clean() {
    watchdog("smol one-shot panic", LIMIT, || {
        let (dropped, task) = forever();
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            Smol::run(async move {
                spawn(task).unwrap().detach();
                smol::future::yield_now().await;
                std::panic::panic_any(7_u8);
            })
        }));
        let payload = unwound.expect_err("the run's panic did not unwind");
        assert_eq!(payload.downcast_ref::<u8>(), Some(&7));
        assert!(
            dropped.load(Ordering::SeqCst),
            "the panicking run left its task alive"
        );
        assert!(matches!(spawn(async {}), Err(Error::Unsupported { .. })));
        // A run that spawns nothing after it, then one that does.
        assert_eq!(Smol::run(async { 1 }).unwrap(), 1);
        assert_eq!(
            Smol::run(async { spawn(async { 2 }).unwrap().await }).unwrap(),
            2
        );
    });
}

#[test]
fn a_runner_inside_a_one_shot_run_is_refused_and_spawn_keeps_to_the_run() {
    watchdog("smol one-shot and runner", LIMIT, || {
        let runner = Smol::new().unwrap();
        let answer = Smol::run(async {
            assert!(matches!(
                runner.block_on(async {}),
                Err(Error::Nested { .. })
            ));
            spawn(async { 5 }).unwrap().await
        })
        .unwrap();
        assert_eq!(answer, 5);
        // The runner's own runs spawn onto its executor, whose tasks outlive a run.
        let task = runner.block_on(async { spawn(async { 6 }) }).unwrap();
        assert_eq!(runner.block_on(task.unwrap()).unwrap(), 6);
    });
}

#[test]
fn a_runner_can_be_caught_unwinding_and_stays_usable() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    let runner = Smol::new().unwrap();
    unwind_safe(&runner);
    let unwound = catch_unwind(|| runner.block_on(async { std::panic::panic_any(3_i64) }));
    assert_eq!(unwound.unwrap_err().downcast_ref::<i64>(), Some(&3));
    let task = runner.block_on(async { spawn(async { 8 }) }).unwrap();
    assert_eq!(runner.block_on(task.unwrap()).unwrap(), 8);
}

/// A thread names the runner of its run in progress, and keeps the last kept runner's name
/// between runs: runs of two runners and a one-shot run, in turn on one thread, each spawn onto
/// their own executor, and dropping one runner cancels its tasks alone.
#[test]
fn runs_of_several_runners_on_one_thread_spawn_onto_their_own() {
    watchdog("smol runners in turn", LIMIT, || {
        let (a, b) = (Smol::new().unwrap(), Smol::new().unwrap());
        let (a_dropped, a_forever) = forever();
        let (b_dropped, b_forever) = forever();
        let first = a.block_on(async { spawn(async { 1 }) }).unwrap().unwrap();
        b.block_on(async { spawn(b_forever).unwrap().detach() })
            .unwrap();
        let one_shot = Smol::run(async { spawn(async { 10 }).unwrap().await }).unwrap();
        a.block_on(async { spawn(a_forever).unwrap().detach() })
            .unwrap();
        let second = a.block_on(async { spawn(async { 2 }) }).unwrap().unwrap();
        drop(b);
        assert!(b_dropped.load(Ordering::SeqCst), "b's task outlived b");
        assert!(!a_dropped.load(Ordering::SeqCst), "a's task went with b");
        assert_eq!(one_shot, 10);
        assert_eq!(a.block_on(async { first.await + second.await }).unwrap(), 3);
        drop(a);
        assert!(a_dropped.load(Ordering::SeqCst), "a's task outlived a");
    });
}

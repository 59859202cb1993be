//! `TokioCompat`'s own promises, on every backend wrapped in it (the conformance suite runs the
//! shared ones): the tokio tasks a one-shot run spawned are cancelled when it returns, and a
//! runner's when it is dropped; a run uses the calling code's tokio runtime where that
//! runtime's workers drive it and starts nothing then, and never waits on a current-thread
//! runtime that nobody drives (under its `Runtime::enter`); the tasks `R` still holds when a
//! runner is dropped are dropped inside tokio's context.
#![cfg(feature = "tokio-compat")]

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use oneoff::{OneOffRunner, TokioCompat};
use oneoff_workloads::watchdog;

mod common;
use common::tokio_runtimes;

/// How long a case may take. A run that waits on a runtime nobody drives never returns, so the
/// watchdog names it well before the other suites' minute.
const LIMIT: Duration = Duration::from_secs(20);

/// Sets its flag when dropped, and records whether tokio's context was there then.
struct Dropped {
    dropped: Arc<AtomicBool>,
    had_tokio: Arc<AtomicBool>,
}

impl Drop for Dropped {
    fn drop(&mut self) {
        let had_tokio = tokio::runtime::Handle::try_current().is_ok();
        self.had_tokio.store(had_tokio, Ordering::SeqCst);
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A guard to move into a task, and the flags it sets: (dropped, had tokio when dropped).
fn drop_guard() -> (Dropped, Arc<AtomicBool>, Arc<AtomicBool>) {
    let (dropped, had_tokio) = (Arc::default(), Arc::<AtomicBool>::default());
    let guard = Dropped {
        dropped: Arc::clone(&dropped),
        had_tokio: Arc::clone(&had_tokio),
    };
    (guard, dropped, had_tokio)
}

/// Asserts that a leftover task's guard was dropped, and inside tokio's context: at the runner's
/// drop, or, where an executor thread was polling the task at that moment (async-std), by that
/// thread right after its poll (waited for, 5 s at most).
fn dropped_inside_tokio(dropped: &AtomicBool, had_tokio: &AtomicBool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !dropped.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "a leftover task outlived its runner"
    );
    assert!(
        had_tokio.load(Ordering::SeqCst),
        "a leftover task was dropped outside tokio's context"
    );
}

/// A task spawned with `tokio::spawn` that never finishes, holding `guard`.
async fn leave_a_tokio_task(guard: Dropped) {
    drop(tokio::spawn(async move {
        let _guard = guard;
        pending::<()>().await
    }));
    tokio::task::yield_now().await;
}

mod cases {
    use super::*;

    pub(crate) fn one_shot_cancels_its_tokio_tasks<R: OneOffRunner>() {
        let (guard, dropped, _) = drop_guard();
        TokioCompat::<R>::run(leave_a_tokio_task(guard)).unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "a task the one-shot run spawned with tokio::spawn was still there after it returned"
        );
        // Also from a future that is ready at its first poll, before any thread drives tokio.
        let (guard, dropped, had_tokio) = drop_guard();
        TokioCompat::<R>::run(async move {
            drop(tokio::spawn(async move {
                let _guard = guard;
                pending::<()>().await
            }));
        })
        .unwrap();
        assert!(dropped.load(Ordering::SeqCst), "a ready run left its task");
        assert!(
            had_tokio.load(Ordering::SeqCst),
            "the task was dropped outside tokio"
        );
    }

    pub(crate) fn dropping_a_runner_cancels_its_tokio_tasks<R: OneOffRunner>() {
        let runner = TokioCompat::<R>::new().unwrap();
        let (guard, dropped, _) = drop_guard();
        runner.block_on(leave_a_tokio_task(guard)).unwrap();
        // The runner keeps its tasks between calls.
        assert_eq!(runner.block_on(async { 1 }).unwrap(), 1);
        if !R::PROVIDES_TOKIO {
            assert!(!dropped.load(Ordering::SeqCst), "the runner lost its task");
        }
        drop(runner);
        assert!(
            dropped.load(Ordering::SeqCst),
            "a task spawned with tokio::spawn outlived its runner"
        );
    }

    /// A leftover task that an executor thread is polling when the runner is dropped
    /// (async-std's, whose polls run beside the caller) is dropped by that thread after its
    /// poll: inside tokio's context too. Its first poll blocks its thread for 200 ms, so that
    /// the runner's drop falls in it.
    pub(crate) fn a_leftover_polled_at_the_runner_s_drop_is_dropped_inside_tokio<
        R: OneOffRunner,
    >() {
        if !R::CAN_SPAWN {
            return;
        }
        let runner = TokioCompat::<R>::new().unwrap();
        let (guard, dropped, had_tokio) = drop_guard();
        let polled = Arc::new(AtomicBool::new(false));
        let in_task = Arc::clone(&polled);
        runner
            .block_on(async move {
                let task = oneoff::spawn(async move {
                    let _guard = guard;
                    in_task.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(200));
                    pending::<()>().await
                });
                task.unwrap().detach();
                while !polled.load(Ordering::SeqCst) {
                    oneoff_workloads::yield_times(1).await;
                }
            })
            .unwrap();
        drop(runner);
        dropped_inside_tokio(&dropped, &had_tokio);
    }

    /// The tasks `R` holds when its runner is dropped (those it drops then) are dropped where
    /// tokio's context is set, so that their destructors may use tokio.
    pub(crate) fn leftover_tasks_are_dropped_inside_tokio<R: OneOffRunner>() {
        if !R::CAN_SPAWN {
            return;
        }
        let runner = TokioCompat::<R>::new().unwrap();
        let (guard, dropped, had_tokio) = drop_guard();
        runner
            .block_on(async move {
                let task = oneoff::spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
                task.unwrap().detach();
            })
            .unwrap();
        drop(runner);
        dropped_inside_tokio(&dropped, &had_tokio);
    }

    /// Under `Runtime::enter` of a current-thread runtime, which drives its timers only inside
    /// its own `block_on`: an error that says what to do, not a wait for ever on a timer that
    /// nobody drives (a tokio backend runs on a runtime of its own: not this case's).
    pub(crate) fn under_an_idle_current_thread_runtime<R: OneOffRunner>() {
        if R::PROVIDES_TOKIO {
            return;
        }
        let assert_refused = |result: Result<(), oneoff::Error>| {
            let err = result.unwrap_err();
            assert!(
                matches!(err, oneoff::Error::Unsupported { backend, .. } if backend == R::NAME),
                "{err:?}"
            );
            assert!(err.to_string().contains("Runtime::enter"), "{err}");
        };
        let [current, _] = tokio_runtimes();
        let entered = current.enter();
        // Made here, under the entered context, as a user would write it: bound to `current`.
        assert_refused(TokioCompat::<R>::run(tokio::time::sleep(
            Duration::from_millis(10),
        )));
        let runner = TokioCompat::<R>::new().unwrap();
        assert_refused(runner.block_on(tokio::time::sleep(Duration::from_millis(10))));
        assert_refused(runner.block_on_timeout(async {}, Duration::from_secs(30)));
        // Outside the guard the same runner runs tokio futures on a runtime of its own.
        drop(entered);
        let slept = runner.block_on(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            tokio::spawn(async { 2 }).await.unwrap()
        });
        assert_eq!(slept.unwrap(), 2);
    }

    /// Under a multi-thread runtime (its `Runtime::enter`, its `spawn_blocking` threads), the
    /// run uses that runtime: its tokio tasks join it and outlive the run.
    pub(crate) fn under_a_multi_thread_runtime<R: OneOffRunner + 'static>() {
        let [_, multi] = tokio_runtimes();
        let id = multi.handle().id();
        let in_run = || async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            tokio::runtime::Handle::current().id()
        };
        {
            let _entered = multi.enter();
            let one_shot = TokioCompat::<R>::run(in_run()).unwrap();
            let runner = TokioCompat::<R>::new().unwrap();
            let reused = runner.block_on(in_run()).unwrap();
            if R::PROVIDES_TOKIO {
                // The tokio backends run on their own runtime, as they do everywhere.
                assert_ne!(one_shot, id);
            } else {
                assert_eq!((one_shot, reused), (id, id));
                // The run's tokio task joined the program's runtime, which keeps it.
                let (guard, dropped, _) = drop_guard();
                TokioCompat::<R>::run(leave_a_tokio_task(guard)).unwrap();
                assert!(!dropped.load(Ordering::SeqCst));
            }
            // Made here, the same runner used outside any runtime starts one of its own.
            drop(_entered);
            let outside = runner.block_on(in_run()).unwrap();
            assert_ne!(outside, id);
        }
        let in_blocking = multi.block_on(async move {
            tokio::task::spawn_blocking(move || TokioCompat::<R>::run(in_run()).unwrap())
                .await
                .unwrap()
        });
        if !R::PROVIDES_TOKIO {
            assert_eq!(in_blocking, id);
        }
    }
}

/// The threads of this process that drive a compatible run's tokio runtime, by the name the
/// kernel keeps (the first 15 bytes of `COMPAT_THREAD`).
#[cfg(target_os = "linux")]
fn compat_threads() -> usize {
    let name = &oneoff::COMPAT_THREAD.as_bytes()[..15];
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.strip_suffix(b"\n") == Some(name))
        .count()
}

/// [`compat_threads`] once it reads `count`: a thread just joined may be counted a moment
/// longer.
#[cfg(target_os = "linux")]
fn assert_compat_threads(count: usize, when: &str) {
    for _ in 0..200 {
        if compat_threads() == count {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(compat_threads(), count, "{when}");
}

/// Set in a child process to the name of the one test it runs.
#[cfg(target_os = "linux")]
const CHILD: &str = "ONEOFF_COMPAT_CHILD";

/// Runs `case` in a child process of its own (this test binary again), where no other test
/// starts threads: the thread count is the whole process's.
#[cfg(target_os = "linux")]
fn in_a_child(test: &str, case: fn()) {
    if std::env::var(CHILD).is_ok_and(|name| name == test) {
        watchdog(test, LIMIT, case);
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--test-threads=1"])
        .env(CHILD, test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{test}: the child failed: {stdout}"
    );
    assert!(stdout.contains("1 passed"), "{test}: no test ran: {stdout}");
}

/// Which threads a compatible run starts: none under a multi-thread runtime, which drives the
/// run's tokio objects; elsewhere one while a one-shot run lasts, and one while a runner lives.
#[cfg(target_os = "linux")]
fn threads_started<R: OneOffRunner>() {
    let in_run = || async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        compat_threads()
    };
    let [_, multi] = tokio_runtimes();
    {
        let _entered = multi.enter();
        let runner = TokioCompat::<R>::new().unwrap();
        assert_eq!(runner.block_on(in_run()).unwrap(), 0);
        assert_eq!(TokioCompat::<R>::run(in_run()).unwrap(), 0);
        assert_compat_threads(0, "under a multi-thread runtime");
    }
    let expected = usize::from(!R::PROVIDES_TOKIO);
    assert_eq!(TokioCompat::<R>::run(in_run()).unwrap(), expected);
    assert_compat_threads(0, "after a one-shot run");
    let runner = TokioCompat::<R>::new().unwrap();
    assert_eq!(runner.block_on(in_run()).unwrap(), expected);
    drop(runner);
    assert_compat_threads(0, "after the runner was dropped");
}

macro_rules! each_backend {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            each_backend!(@cases $runner:
                one_shot_cancels_its_tokio_tasks,
                dropping_a_runner_cancels_its_tokio_tasks,
                leftover_tasks_are_dropped_inside_tokio,
                a_leftover_polled_at_the_runner_s_drop_is_dropped_inside_tokio,
                under_an_idle_current_thread_runtime,
                under_a_multi_thread_runtime,
            );

            #[cfg(target_os = "linux")]
            #[test]
            fn threads_started() {
                let test = concat!(stringify!($variant), "::threads_started");
                in_a_child(test, super::threads_started::<$runner>);
            }
        }
    )*};
    (@cases $runner:ty: $($case:ident,)*) => {$(
        #[test]
        fn $case() {
            let name = concat!(module_path!(), "::", stringify!($case));
            watchdog(name, LIMIT, cases::$case::<$runner>);
        }
    )*};
}

oneoff::for_each_backend!(each_backend);

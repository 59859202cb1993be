//! What happens to the tasks a future spawned and left behind when a one-shot run returns, and
//! to a panic inside such a task, on every backend that can spawn. `asyncio.run` cancels every
//! leftover task; oneoff does the same wherever the backend spawns onto the run's own runtime,
//! and these tests pin down what really happens where it cannot.
//!
//! The panic cases share one process-wide panic hook, so they live in this binary apart from
//! the conformance suite, in one test that runs them in turn. Items that only some backends'
//! cases use are named by their full paths there, so that every feature configuration builds
//! this file without unused imports.
#![cfg(any(
    feature = "tokio",
    feature = "smol",
    feature = "async-std",
    feature = "tokio-local",
    feature = "compio",
    feature = "monoio",
    feature = "futures-executor"
))]

use std::sync::Mutex;
use std::time::Duration;

use oneoff_core::panic_message;
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// What the cases of the backends that keep the tasks of a run (all but async-std) share; one
/// `cfg` for all of it.
#[cfg(any(
    feature = "tokio",
    feature = "smol",
    feature = "tokio-local",
    feature = "compio",
    feature = "monoio",
    feature = "futures-executor"
))]
mod kept {
    pub(crate) use std::sync::Arc;
    pub(crate) use std::sync::atomic::{AtomicBool, Ordering};

    /// Sets its flag when dropped: proof that a task was cancelled.
    pub(crate) struct DropFlag(pub(crate) Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A task body that never finishes on its own and flags its drop.
    pub(crate) fn forever() -> (Arc<AtomicBool>, impl Future<Output = ()> + Send + 'static) {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = DropFlag(Arc::clone(&dropped));
        (dropped, async move {
            let _guard = guard;
            std::future::pending::<()>().await
        })
    }
}
#[cfg(any(
    feature = "tokio",
    feature = "smol",
    feature = "tokio-local",
    feature = "compio",
    feature = "monoio",
    feature = "futures-executor"
))]
use kept::*;

#[cfg(feature = "tokio")]
#[test]
fn tokio_one_shot_cancels_leftover_tasks() {
    watchdog("tokio leftover", LIMIT, || {
        let (dropped, task) = forever();
        oneoff::Tokio::run(async move { drop(tokio::spawn(task)) }).unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the leftover task outlived the run"
        );
    });
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_multi_thread_one_shot_cancels_leftover_tasks() {
    watchdog("tokio-mt leftover", LIMIT, || {
        let (dropped, task) = forever();
        oneoff::TokioMultiThread::run(async move { drop(tokio::spawn(task)) }).unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the leftover task outlived the run"
        );
    });
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_runner_keeps_tasks_until_dropped() {
    watchdog("tokio runner leftover", LIMIT, || {
        let runner = oneoff::Tokio::new().unwrap();
        let (dropped, task) = forever();
        runner
            .block_on(async move { drop(tokio::spawn(task)) })
            .unwrap();
        assert!(
            !dropped.load(Ordering::SeqCst),
            "the kept runtime dropped a live task"
        );
        drop(runner);
        assert!(
            dropped.load(Ordering::SeqCst),
            "dropping the runner kept the task"
        );
    });
}

#[cfg(feature = "smol")]
#[test]
fn smol_one_shot_cancels_tasks_on_its_executor() {
    watchdog("smol leftover", LIMIT, || {
        let (dropped, task) = forever();
        oneoff::Smol::run(async move { oneoff::smol_spawn(task).unwrap().detach() }).unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the leftover task outlived the run"
        );
    });
}

#[cfg(feature = "smol")]
#[test]
fn smol_global_spawn_outlives_the_run() {
    watchdog("smol global leftover", LIMIT, || {
        let (dropped, guard) = {
            let flag = Arc::new(AtomicBool::new(false));
            (Arc::clone(&flag), DropFlag(flag))
        };
        let (release, released) = smol::channel::bounded::<()>(1);
        let (finished, finished_here) = std::sync::mpsc::channel();
        oneoff::Smol::run(async move {
            smol::spawn(async move {
                let _guard = guard;
                let _ = released.recv().await;
                finished.send(()).unwrap();
            })
            .detach()
        })
        .unwrap();
        assert!(
            !dropped.load(Ordering::SeqCst),
            "smol::spawn's task was cancelled"
        );
        release.try_send(()).unwrap();
        finished_here
            .recv_timeout(Duration::from_secs(10))
            .expect("the global task did not keep running after the run returned");
    });
}

#[cfg(feature = "async-std")]
#[test]
fn async_std_tasks_outlive_the_run() {
    watchdog("async-std leftover", LIMIT, || {
        let (release, released) = async_std::channel::bounded::<()>(1);
        let (finished, finished_here) = std::sync::mpsc::channel();
        oneoff::AsyncStd::run(async move {
            drop(async_std::task::spawn(async move {
                let _ = released.recv().await;
                finished.send(()).unwrap();
            }))
        })
        .unwrap();
        assert!(
            finished_here.try_recv().is_err(),
            "the task finished before it was released"
        );
        release.try_send(()).unwrap();
        finished_here
            .recv_timeout(Duration::from_secs(10))
            .expect("the async-std task did not keep running after the run returned");
    });
}

/// A one-shot run drops what its future left on the run's runtime with `oneoff::spawn`; a
/// runner keeps it until the runner is dropped. For the backends whose runtime is the run's
/// own, added with them (tokio's `LocalRuntime`, compio, monoio); futures-executor spawns only
/// onto a runner's `LocalPool`.
#[cfg(any(
    feature = "tokio-local",
    feature = "compio",
    feature = "futures-executor"
))]
fn one_shot_and_runner_cancel_leftovers<R: oneoff::OneOffRunner>(one_shot_spawns: bool) {
    if one_shot_spawns {
        let (dropped, task) = forever();
        R::run(async move { oneoff::spawn(task).unwrap().detach() }).unwrap();
        assert!(
            dropped.load(Ordering::SeqCst),
            "{}: the leftover task outlived the run",
            R::NAME
        );
    }
    let runner = R::new().unwrap();
    let (dropped, task) = forever();
    runner
        .block_on(async move { oneoff::spawn(task).unwrap().detach() })
        .unwrap();
    assert!(
        !dropped.load(Ordering::SeqCst),
        "{}: the kept runtime dropped a live task",
        R::NAME
    );
    drop(runner);
    assert!(
        dropped.load(Ordering::SeqCst),
        "{}: dropping the runner kept the task",
        R::NAME
    );
}

#[cfg(feature = "tokio-local")]
#[test]
fn tokio_local_cancels_leftover_tasks() {
    watchdog("tokio-local leftover", LIMIT, || {
        one_shot_and_runner_cancel_leftovers::<oneoff::TokioLocal>(true)
    });
}

#[cfg(feature = "compio")]
#[test]
fn compio_cancels_leftover_tasks() {
    watchdog("compio leftover", LIMIT, || {
        one_shot_and_runner_cancel_leftovers::<oneoff::Compio>(true)
    });
}

/// monoio keeps no list of its tasks: tearing a runtime down drops only the tasks queued to
/// run. A task left waiting is never dropped (its future leaks), one-shot or on a runner.
#[cfg(feature = "monoio")]
#[test]
fn monoio_leaks_leftover_tasks_that_wait() {
    use oneoff_workloads::yield_times;
    watchdog("monoio leftover", LIMIT, || {
        let (dropped, task) = forever();
        oneoff::Monoio::run(async move {
            oneoff::spawn(task).unwrap().detach();
            yield_times(3).await; // the task runs and waits, with nobody to wake it
        })
        .unwrap();
        assert!(
            !dropped.load(Ordering::SeqCst),
            "monoio dropped a waiting task"
        );
        let runner = oneoff::Monoio::new().unwrap();
        let (dropped, task) = forever();
        runner
            .block_on(async move {
                oneoff::spawn(task).unwrap().detach();
                yield_times(3).await;
            })
            .unwrap();
        drop(runner);
        assert!(
            !dropped.load(Ordering::SeqCst),
            "monoio dropped a waiting task"
        );
    });
}

#[cfg(feature = "futures-executor")]
#[test]
fn futures_executor_runner_cancels_leftover_tasks() {
    watchdog("futures-executor leftover", LIMIT, || {
        // A one-shot run is `futures::executor::block_on`: nothing to spawn onto.
        let refused = oneoff::FuturesExecutor::run(async { oneoff::spawn(async {}).map(drop) });
        assert!(matches!(
            refused.unwrap(),
            Err(oneoff::Error::Unsupported { .. })
        ));
        one_shot_and_runner_cancel_leftovers::<oneoff::FuturesExecutor>(false)
    });
}

/// Panic messages seen by the process's panic hook, which every backend's spawned-task panics
/// go through even when nobody awaits the task.
static REPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[cfg(feature = "tokio")]
fn reported(marker: &str) -> bool {
    REPORTED.lock().unwrap().iter().any(|m| m.contains(marker))
}

#[test]
fn panics_in_spawned_tasks_are_reported() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(info.payload());
        REPORTED.lock().unwrap().push(message);
        default_hook(info);
    }));

    watchdog("spawned panics", LIMIT, || {
        #[cfg(feature = "tokio")]
        {
            // Awaited: the JoinError says it panicked. Not awaited: the hook still reports it.
            let joined = oneoff::Tokio::run(async {
                tokio::spawn(async { panic!("tokio task boom") }).await
            })
            .unwrap();
            assert!(joined.unwrap_err().is_panic());
            assert!(reported("tokio task boom"));
            oneoff::TokioMultiThread::run(async {
                drop(tokio::spawn(async { panic!("tokio-mt detached boom") }));
                // Nobody awaits the task: the hook is the only one to hear of its panic.
                while !reported("tokio-mt detached boom") {
                    tokio::task::yield_now().await;
                }
            })
            .unwrap();
            assert!(reported("tokio-mt detached boom"));
        }
        #[cfg(feature = "smol")]
        {
            // Awaiting a panicked smol task re-raises its panic, which reaches the caller.
            let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                oneoff::Smol::run(async {
                    oneoff::smol_spawn(async { panic!("smol task boom") })
                        .unwrap()
                        .await
                })
            }))
            .unwrap_err();
            assert_eq!(panic_message(payload.as_ref()), "smol task boom");
            let err = oneoff::Smol::try_run(async {
                oneoff::smol_spawn(async { panic!("smol try boom") })
                    .unwrap()
                    .await
            })
            .unwrap_err();
            assert!(
                matches!(err, oneoff::Error::Panicked { ref message, .. } if message == "smol try boom")
            );
        }
        #[cfg(feature = "async-std")]
        {
            let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                oneoff::AsyncStd::run(async {
                    async_std::task::spawn(async { panic!("async-std task boom") }).await
                })
            }))
            .unwrap_err();
            assert_eq!(panic_message(payload.as_ref()), "async-std task boom");
        }
    });
}

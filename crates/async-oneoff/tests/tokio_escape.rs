//! The documented escape from `Error::Nested` inside tokio: `oneoff::block_in_place`, which
//! runs a future on the caller's own tokio runtime where blocking is possible (a multi-thread
//! runtime, a `spawn_blocking` thread, `Runtime::enter` of a multi-thread runtime) and says so
//! where it is not (async code of a current-thread runtime or of a `LocalSet`,
//! `Runtime::enter` of a current-thread runtime, no runtime at all).
#![cfg(feature = "tokio")]

use std::time::Duration;

use oneoff::{AsyncContext, Error, block_in_place};
use oneoff_workloads::watchdog;
use tokio::runtime::Builder;
use tokio::task::{LocalSet, spawn_local};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn works_in_a_multi_thread_task_and_block_on() {
    watchdog("block_in_place multi-thread", LIMIT, || {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let in_task = runtime.block_on(async {
            tokio::spawn(async {
                block_in_place(async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    7
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(in_task.unwrap(), 7);
        assert_eq!(
            runtime
                .block_on(async { block_in_place(async { 8 }) })
                .unwrap(),
            8
        );
        let in_blocking = runtime.block_on(async {
            tokio::task::spawn_blocking(|| block_in_place(async { 9 }))
                .await
                .unwrap()
        });
        assert_eq!(in_blocking.unwrap(), 9);
    });
}

#[test]
fn works_in_a_oneoff_multi_thread_run() {
    watchdog("block_in_place oneoff tokio-mt", LIMIT, || {
        let result = oneoff::TokioMultiThread::run(async {
            tokio::spawn(async { block_in_place(async { 10 }) })
                .await
                .unwrap()
        });
        assert_eq!(result.unwrap().unwrap(), 10);
    });
}

#[test]
fn works_in_spawn_blocking_of_a_current_thread_runtime() {
    watchdog("block_in_place spawn_blocking", LIMIT, || {
        let runtime = Builder::new_current_thread().enable_all().build().unwrap();
        let in_blocking = runtime.block_on(async {
            tokio::task::spawn_blocking(|| {
                block_in_place(async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    11
                })
            })
            .await
            .unwrap()
        });
        assert_eq!(in_blocking.unwrap(), 11);
    });
}

#[test]
fn under_runtime_enter_runs_on_a_multi_thread_runtime_and_refuses_on_a_current_thread_one() {
    // Short: the bug this pins made the current-thread call wait for ever.
    watchdog(
        "block_in_place under enter",
        Duration::from_secs(20),
        || {
            let multi = Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            {
                let _guard = multi.enter();
                // The workers drive the runtime's timer.
                block_in_place(tokio::time::sleep(Duration::from_millis(10))).unwrap();
            }
            let current = Builder::new_current_thread().enable_all().build().unwrap();
            let _guard = current.enter();
            // Nothing drives that runtime's timer outside its own `block_on`.
            let err = block_in_place(tokio::time::sleep(Duration::from_millis(10))).unwrap_err();
            assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
            assert!(
                err.to_string().contains("call that runtime's block_on"),
                "{err}"
            );
        },
    );
}

#[test]
fn refuses_in_a_local_set_on_a_multi_thread_runtime() {
    watchdog("block_in_place in a LocalSet", LIMIT, || {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let local = LocalSet::new();
        let (in_run_until, in_task) = runtime.block_on(local.run_until(async {
            let in_run_until = block_in_place(async { 1 });
            let in_task = spawn_local(async { block_in_place(async { 2 }) }).await;
            (in_run_until, in_task.unwrap())
        }));
        for refused in [in_run_until, in_task] {
            let err = refused.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Nested {
                        context: AsyncContext::TokioMultiThread,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    });
}

#[test]
fn the_future_counts_as_a_oneoff_run_and_spawns_onto_the_runtime() {
    watchdog("block_in_place marks its run", LIMIT, || {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (nested, spawned) = runtime.block_on(async {
            tokio::spawn(async {
                block_in_place(async {
                    let nested = oneoff::Tokio::run(async { 1 });
                    let spawned = oneoff::spawn(async { 20 }).unwrap().await;
                    (nested, spawned)
                })
                .unwrap()
            })
            .await
            .unwrap()
        });
        let err = nested.unwrap_err();
        assert!(
            matches!(err, Error::Nested { context: AsyncContext::Oneoff(run), .. }
                if run.name() == "oneoff::block_in_place"),
            "{err:?}"
        );
        assert_eq!(spawned.unwrap(), 20);
    });
}

#[test]
fn refuses_in_async_code_of_a_current_thread_runtime_and_outside_tokio() {
    watchdog("block_in_place current-thread", LIMIT, || {
        let runtime = Builder::new_current_thread().enable_all().build().unwrap();
        let err = runtime
            .block_on(async { block_in_place(async { 1 }) })
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Nested {
                    context: oneoff::AsyncContext::Tokio,
                    ..
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(".await the future instead"), "{message}");
        assert!(message.contains("tokio::task::spawn_blocking"), "{message}");

        let err = block_in_place(async { 1 }).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        assert!(err.to_string().contains("call Tokio::run instead"), "{err}");
    });
}

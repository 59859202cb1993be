//! The documented escape from `Error::Nested` inside tokio: `oneoff::block_in_place`, which
//! works where tokio can hand the thread's work elsewhere (a multi-thread runtime) and says so
//! where it cannot.
#![cfg(feature = "tokio")]

use std::time::Duration;

use oneoff::{Error, OneOffRunner, block_in_place};
use oneoff_workloads::watchdog;
use tokio::runtime::Builder;

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
fn refuses_on_a_current_thread_runtime_and_outside_tokio() {
    watchdog("block_in_place current-thread", LIMIT, || {
        let runtime = Builder::new_current_thread().enable_all().build().unwrap();
        let err = runtime
            .block_on(async { block_in_place(async { 1 }) })
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        assert!(
            err.to_string().contains(".await the future instead"),
            "{err}"
        );

        let err = block_in_place(async { 1 }).unwrap_err();
        assert!(err.to_string().contains("call Tokio::run instead"), "{err}");
    });
}

//! What the tokio runners owe beyond the conformance suite: a bounded teardown.
#![cfg(any(feature = "tokio", feature = "tokio-local"))]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use oneoff::OneOffRunner;
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// A one-shot run that leaves a `spawn_blocking` job running returns within the teardown
/// bound (one second), not when the job ends.
fn teardown_is_bounded<R: OneOffRunner>() {
    let started = Instant::now();
    R::run(async {
        let (running, job_started) = mpsc::channel();
        drop(tokio::task::spawn_blocking(move || {
            running.send(()).unwrap();
            thread::sleep(Duration::from_secs(10));
        }));
        // Waits until the job runs, so that teardown has a job to wait for.
        tokio::task::spawn_blocking(move || job_started.recv().unwrap())
            .await
            .unwrap();
    })
    .unwrap();
    let took = started.elapsed();
    // Generous: the bound is 1 s, and the bug waited for the job's 10 s.
    assert!(
        took < Duration::from_secs(6),
        "{}: a one-shot run waited {took:?} for a job it left behind",
        R::NAME
    );
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_teardown_is_bounded() {
    watchdog("tokio teardown", LIMIT, || {
        teardown_is_bounded::<oneoff::Tokio>();
        teardown_is_bounded::<oneoff::TokioMultiThread>();
    });
}

#[cfg(feature = "tokio-local")]
#[test]
fn tokio_local_teardown_is_bounded() {
    watchdog("tokio-local teardown", LIMIT, || {
        teardown_is_bounded::<oneoff::TokioLocal>();
    });
}

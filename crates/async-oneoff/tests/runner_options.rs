//! What a run does besides running the future: debug mode's slow-poll warnings (set by
//! `Options` or by `ONEOFF_DEBUG`), the bounded teardown of tokio's runtimes, and builders that
//! refuse bad options with an error. The warnings go through `log`, captured here by a logger
//! of this test binary.

use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use oneoff::OneOffRunner;
use oneoff_workloads::{watchdog, yield_times};

const LIMIT: Duration = Duration::from_secs(120);

/// Every `oneoff` log record of this process, as "LEVEL message".
static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "oneoff"
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            RECORDS.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

fn capture() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Trace);
}

/// The records that contain every one of `parts`.
fn records_with(parts: &[&str]) -> Vec<String> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|record| parts.iter().all(|part| record.contains(part)))
        .cloned()
        .collect()
}

/// A future that blocks its thread for `blocking` at its first poll, tagged so that the
/// records of parallel tests can be told apart.
async fn blocks_for(blocking: Duration) -> u32 {
    thread::sleep(blocking);
    yield_times(1).await;
    7
}

mod debug_mode {
    use super::*;

    /// On every backend: a poll that blocks 200 ms is reported, with the backend, the
    /// duration and this file as the caller; a future that only yields is not.
    fn warns_of_a_blocking_poll_only<R: OneOffRunner>() {
        capture();
        let options = oneoff_core::Options::<R>::new().debug(true);
        assert_eq!(
            options.run(blocks_for(Duration::from_millis(200))).unwrap(),
            7
        );
        let runner = options.clone().runner().unwrap();
        assert_eq!(
            runner
                .block_on(blocks_for(Duration::from_millis(200)))
                .unwrap(),
            7
        );
        let warnings = records_with(&[
            "WARN",
            &format!("a poll of the future on {} took", R::NAME),
            "more than 100ms",
            "tests/runner_options.rs",
        ]);
        assert!(warnings.len() >= 2, "{warnings:?}");

        // The default threshold, as users run it: a yield is nanoseconds, far from 100 ms even
        // on a loaded machine.
        let quiet = oneoff_core::Options::<R>::new().debug(true);
        let slow = [&format!("on {} took", R::NAME) as &str, "more than 100ms"];
        let before = records_with(&slow).len();
        quiet.run(yield_times(10_000)).unwrap();
        quiet
            .runner()
            .unwrap()
            .block_on(yield_times(10_000))
            .unwrap();
        let after = records_with(&slow).len();
        assert_eq!(before, after, "a yielding future was reported as slow");
    }

    macro_rules! each_backend {
        ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
            #[cfg(feature = $feature)]
            #[test]
            #[allow(non_snake_case)]
            fn $variant() {
                watchdog(concat!("debug mode on ", $name), LIMIT, warns_of_a_blocking_poll_only::<$runner>);
            }
        )*};
    }

    oneoff::for_each_backend!(each_backend);
}

/// `ONEOFF_DEBUG=1` turns debug mode on for every run, read once per process: this test runs
/// itself again as a child process with it set.
#[test]
fn oneoff_debug_in_the_environment_turns_debug_mode_on() {
    capture();
    if std::env::var_os("ONEOFF_DEBUG_CHILD").is_some() {
        assert_eq!(
            oneoff::run(blocks_for(Duration::from_millis(150))).unwrap(),
            7
        );
        let warnings = records_with(&["WARN", "a poll of the future on", "more than 100ms"]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "oneoff_debug_in_the_environment_turns_debug_mode_on",
        ])
        .env(oneoff::DEBUG_ENV, "1")
        .env("ONEOFF_DEBUG_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the child failed: {stdout}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test: {stdout}"
    );
}

#[cfg(feature = "tokio")]
mod tokio_teardown {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use oneoff::Error;

    use super::*;

    /// A `spawn_blocking` job that outlives the run: sets its flag when it finally ends.
    fn leave_a_job_behind(sleep: Duration) -> (Arc<AtomicBool>, impl Future<Output = ()>) {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        (finished, async move {
            drop(tokio::task::spawn_blocking(move || {
                thread::sleep(sleep);
                flag.store(true, Ordering::SeqCst);
            }));
        })
    }

    #[test]
    fn a_one_shot_run_returns_within_its_bound_and_reports_the_job() {
        capture();
        let (finished, future) = leave_a_job_behind(Duration::from_secs(5));
        watchdog("tokio teardown, default bound", LIMIT, move || {
            oneoff::Tokio::run(future).unwrap();
        });
        assert!(
            !finished.load(Ordering::SeqCst),
            "the run waited for the blocking job"
        );
        let reports = records_with(&["WARN", "tokio: teardown waited", "bound is 1s"]);
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("spawn_blocking job"), "{reports:?}");
    }

    #[test]
    fn the_bound_is_configurable_on_both_flavours() {
        capture();
        let (finished, future) = leave_a_job_behind(Duration::from_secs(5));
        let bound = Duration::from_millis(150);
        watchdog("tokio teardown, builder bound", LIMIT, move || {
            oneoff::Tokio::builder()
                .shutdown_timeout(bound)
                .run(future)
                .unwrap();
        });
        assert!(!finished.load(Ordering::SeqCst));
        let (finished_mt, future) = leave_a_job_behind(Duration::from_secs(5));
        watchdog("tokio-mt teardown, builder bound", LIMIT, move || {
            let runner = oneoff::TokioMultiThread::builder()
                .worker_threads(1)
                .shutdown_timeout(bound)
                .build()
                .unwrap();
            runner.block_on(future).unwrap();
        });
        assert!(!finished_mt.load(Ordering::SeqCst));
        assert_eq!(
            records_with(&["tokio: teardown", "bound is 150ms"]).len(),
            1
        );
        assert_eq!(
            records_with(&["tokio-mt: teardown", "bound is 150ms"]).len(),
            1
        );
    }

    #[test]
    fn a_run_without_leftovers_reports_nothing() {
        capture();
        watchdog("tokio teardown, nothing left", LIMIT, || {
            let runner = oneoff::Tokio::builder()
                .shutdown_timeout(Duration::from_millis(300))
                .build()
                .unwrap();
            let waited = runner
                .block_on(async { tokio::task::spawn_blocking(|| 3).await })
                .unwrap();
            assert_eq!(waited.unwrap(), 3);
        });
        assert!(records_with(&["bound is 300ms"]).is_empty());
    }

    #[test]
    fn bad_options_are_errors_not_panics() {
        let err = oneoff::TokioMultiThread::builder()
            .worker_threads(0)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidOption {
                    backend: "tokio-mt",
                    option: "worker_threads",
                    ..
                }
            ),
            "{err:?}"
        );
        for name in ["", "a\0b"] {
            let err = oneoff::Tokio::builder()
                .thread_name(name)
                .build()
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidOption {
                        option: "thread_name",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        let multi = tokio::runtime::Builder::new_multi_thread().build().unwrap();
        let err = oneoff::Tokio::from_handle(multi.handle().clone()).unwrap_err();
        assert!(
            err.to_string()
                .contains("adopt a current-thread runtime with Tokio")
        );
        let err = oneoff::Tokio::from_runtime(multi).unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidOption {
                option: "runtime",
                ..
            }
        ));
    }

    #[test]
    fn timeouts_work_without_tokio_s_time_driver() {
        watchdog("tokio without time", LIMIT, || {
            let runner = oneoff::Tokio::builder().enable_time(false).build().unwrap();
            let never = std::future::pending::<()>();
            let err = runner.block_on_timeout(never, Duration::from_millis(20));
            assert!(matches!(err, Err(Error::Timeout { .. })), "{err:?}");
        });
    }
}

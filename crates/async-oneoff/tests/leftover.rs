//! What happens to the tasks a future spawned and left behind when a one-shot run returns or a
//! runner is dropped, on every backend that can spawn. `asyncio.run` cancels every leftover
//! task and reports an exception raised while doing so; oneoff does the same for the tasks of
//! [`oneoff::spawn`] (and `oneoff::smol_spawn`) on every backend: their futures are dropped when
//! the run returns or the runner is dropped, a destructor's panic is reported (the panic hook,
//! then `log::error!` on target `oneoff`) while the run returns its result, and awaiting such a
//! task gives `Error::Cancelled`. Tasks spawned onto a runtime's global executor with its own
//! spawn (`smol::spawn`, `async_std::task::spawn`) are the runtime's: they run on.
//!
//! The cases are generic over the runner and instantiated for every backend whose feature is
//! on (CI runs this file with each backend alone); the panic cases share the process's panic
//! hook and logger, so they run in one test, one backend after the other.

use std::future::pending;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use oneoff::{Error, OneOffRunner, panic_message};
use oneoff_workloads::watchdog;

mod common;

const LIMIT: Duration = Duration::from_secs(60);

/// How long a leftover polled on another thread when its run ends (async-std's global
/// executor) may take to be dropped: it is dropped when that poll returns.
const POLL_ON_ANOTHER_THREAD: Duration = Duration::from_secs(10);

/// Says on its channel when it is dropped.
struct DropSignal(mpsc::Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// A task that never ends: it says when it has started, and its drop is heard on the returned
/// receiver.
fn forever() -> (
    smol::channel::Receiver<()>,
    mpsc::Receiver<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (started, started_here) = smol::channel::bounded(1);
    let (dropped, dropped_here) = mpsc::channel();
    let signal = DropSignal(dropped);
    let task = async move {
        let _signal = signal;
        started.send(()).await.unwrap();
        pending::<()>().await
    };
    (started_here, dropped_here, task)
}

/// Whether `R`'s tasks may be mid-poll on another thread when a run ends.
fn polled_elsewhere<R: OneOffRunner>() -> bool {
    R::NAME == "async-std"
}

/// Asserts that the task whose drop `dropped` hears was dropped by now.
fn assert_dropped<R: OneOffRunner>(dropped: &mpsc::Receiver<()>, when: &str) {
    let heard = if polled_elsewhere::<R>() {
        dropped.recv_timeout(POLL_ON_ANOTHER_THREAD).is_ok()
    } else {
        dropped.try_recv().is_ok()
    };
    assert!(heard, "{}: the leftover task outlived {when}", R::NAME);
}

/// Spawns a task that never ends inside a run of `block_on`, waits until it has started and
/// returns whether the backend could spawn there (`futures-executor` cannot in a one-shot run),
/// with the receiver of its drop.
fn leave_a_task<R: OneOffRunner>(
    block_on: impl FnOnce(std::pin::Pin<Box<dyn Future<Output = bool>>>) -> Result<bool, Error>,
) -> Option<mpsc::Receiver<()>> {
    let (started, dropped, task) = forever();
    let spawned = block_on(Box::pin(async move {
        match oneoff::spawn(task) {
            Ok(task) => task.detach(),
            Err(Error::Unsupported { .. }) => return false,
            Err(err) => panic!("{}: {err}", R::NAME),
        }
        started.recv().await.unwrap();
        true
    }));
    spawned.unwrap().then_some(dropped)
}

mod cases {
    use super::*;

    /// CPython's `test_asyncio_run_cancels_hanging_tasks`, tokio's `outstanding_tasks_dropped`.
    pub(crate) fn one_shot_cancels_leftovers<R: OneOffRunner>() {
        if let Some(dropped) = leave_a_task::<R>(|future| R::run(future)) {
            assert_dropped::<R>(&dropped, "its one-shot run");
        } else {
            assert_eq!(
                R::NAME,
                "futures-executor",
                "only a one-shot `block_on` cannot spawn"
            );
        }
    }

    /// A runner keeps its tasks from one `block_on` to the next and cancels them when dropped.
    pub(crate) fn runner_cancels_leftovers_when_dropped<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let dropped =
            leave_a_task::<R>(|future| runner.block_on(future)).expect("a runner can spawn");
        assert!(
            dropped.try_recv().is_err(),
            "{}: the runner dropped a live task",
            R::NAME
        );
        drop(runner);
        assert_dropped::<R>(&dropped, "its runner");
    }

    /// A task whose runtime is gone is cancelled: awaiting it gives `Error::Cancelled`, as
    /// `Task`'s docs promise, not a panic and not a hang.
    pub(crate) fn awaiting_a_task_whose_runtime_is_gone_is_cancelled<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let task = runner
            .block_on(async { oneoff::spawn(pending::<u8>()) })
            .unwrap()
            .unwrap();
        drop(runner);
        let joined = futures_lite::future::block_on(task);
        assert!(
            matches!(joined, Err(Error::Cancelled { backend }) if backend == R::NAME),
            "{}: {joined:?}",
            R::NAME
        );
        let one_shot = R::run(async { oneoff::spawn(pending::<u8>()) }).unwrap();
        if let Ok(task) = one_shot {
            let joined = futures_lite::future::block_on(task);
            assert!(
                matches!(joined, Err(Error::Cancelled { .. })),
                "{}: {joined:?}",
                R::NAME
            );
        }
    }
}

/// A leftover whose destructor panics (with `payload`), left by a one-shot run (by a runner's
/// run where a one-shot run cannot spawn): the run returns its result, the panic reaches the
/// panic hook, and oneoff logs that a task panicked while being dropped (CPython's
/// `test_asyncio_run_reports_hanging_tasks_errors`).
fn leftover_panic_is_reported<R: OneOffRunner>(panics: fn(), expected: &str, logs: bool) {
    /// Calls its function, which panics, when dropped.
    struct PanicsOnDrop(fn());

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            (self.0)();
        }
    }

    let leave = move || {
        let (started, started_here) = smol::channel::bounded(1);
        let guard = PanicsOnDrop(panics);
        async move {
            let spawned = oneoff::spawn(async move {
                let _guard = guard;
                started.send(()).await.unwrap();
                pending::<()>().await
            });
            spawned.unwrap().detach();
            started_here.recv().await.unwrap();
            42
        }
    };
    let one_shot_spawns = R::run(async { oneoff::spawn(async {}).is_ok() }).unwrap();
    let answer = if one_shot_spawns {
        R::run(leave()).unwrap()
    } else {
        let runner = R::new().unwrap();
        let answer = runner.block_on(leave()).unwrap();
        drop(runner);
        answer
    };
    assert_eq!(answer, 42, "{}", R::NAME);
    // On async-std, the drop and its report follow once the task's poll on its thread returns.
    let logged = LOGGED.lock().unwrap();
    let (logged, _) = LOGGED_CHANGED
        .wait_timeout_while(logged, POLL_ON_ANOTHER_THREAD, |logged| {
            logs && !logged.iter().any(|(target, message)| {
                target == "oneoff" && message.contains(R::NAME) && message.ends_with(expected)
            })
        })
        .unwrap();
    assert!(
        !logs
            || logged.iter().any(|(target, message)| target == "oneoff"
                && message.contains("panicked while being dropped")
                && message.ends_with(expected)),
        "{}: no report of the leftover's panic `{expected}`: {logged:?}",
        R::NAME
    );
    drop(logged);
    assert!(
        HOOKED
            .lock()
            .unwrap()
            .iter()
            .any(|message| message == expected),
        "{}: the panic hook did not see `{expected}`",
        R::NAME
    );
    LOGGED.lock().unwrap().clear();
    HOOKED.lock().unwrap().clear();
}

/// The `log` records of the process, as (target, message), and the signal of a new one.
static LOGGED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static LOGGED_CHANGED: Condvar = Condvar::new();

/// The messages of the panics the process's panic hook saw.
static HOOKED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let entry = (record.target().to_owned(), record.args().to_string());
        LOGGED.lock().unwrap().push(entry);
        LOGGED_CHANGED.notify_all();
    }

    fn flush(&self) {}
}

/// A panic payload that is not a string.
#[derive(Debug)]
struct PanicCode(#[allow(dead_code, reason = "only carried")] u32);

#[test]
fn leftover_panics_are_reported() {
    log::set_logger(&Logger).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        HOOKED.lock().unwrap().push(panic_message(info.payload()));
        default_hook(info);
    }));
    macro_rules! each_backend {
        ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
            #[cfg(feature = $feature)]
            if <$runner>::CAN_SPAWN {
                // `oneoff::spawn` is `tokio::spawn` there: tokio drops the leftovers and catches
                // their panics itself, with no log line of oneoff's.
                let logs = !matches!($name, "tokio" | "tokio-mt");
                watchdog(concat!($name, " leftover panics"), LIMIT, move || {
                    let boom = || panic!("leftover boom");
                    leftover_panic_is_reported::<$runner>(boom, "leftover boom", logs);
                    let code = || std::panic::panic_any(PanicCode(7));
                    leftover_panic_is_reported::<$runner>(code, "Box<dyn Any>", logs);
                });
            }
        )*};
    }
    oneoff::for_each_backend!(each_backend);
}

// Every case for each backend that can spawn, each under the watchdog.
oneoff::for_each_backend!(@with [common::spawning_cases]
    one_shot_cancels_leftovers,
    runner_cancels_leftovers_when_dropped,
    awaiting_a_task_whose_runtime_is_gone_is_cancelled,
);

#[cfg(feature = "smol")]
#[test]
fn smol_global_spawn_outlives_the_run() {
    watchdog("smol global leftover", LIMIT, || {
        let (release, released) = smol::channel::bounded::<()>(1);
        let (finished, finished_here) = mpsc::channel();
        oneoff::Smol::run(async move {
            smol::spawn(async move {
                let _ = released.recv().await;
                finished.send(()).unwrap();
            })
            .detach()
        })
        .unwrap();
        release.try_send(()).unwrap();
        finished_here
            .recv_timeout(Duration::from_secs(10))
            .expect("smol::spawn's task did not keep running after the run returned");
    });
}

#[cfg(feature = "async-std")]
#[test]
fn async_std_global_spawn_outlives_the_run() {
    watchdog("async-std global leftover", LIMIT, || {
        let (release, released) = async_std::channel::bounded::<()>(1);
        let (finished, finished_here) = mpsc::channel();
        oneoff::AsyncStd::run(async move {
            drop(async_std::task::spawn(async move {
                let _ = released.recv().await;
                finished.send(()).unwrap();
            }))
        })
        .unwrap();
        release.try_send(()).unwrap();
        finished_here
            .recv_timeout(Duration::from_secs(10))
            .expect("async_std::task::spawn's task did not keep running after the run returned");
    });
}

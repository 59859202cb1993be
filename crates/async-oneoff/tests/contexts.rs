//! Where a call is made, context by context: every row of "Where a call may block" in
//! `docs/promises.md` that the conformance suite does not already pin, on every backend and
//! flavour (and each in `TokioCompat`), instantiated from the facade's one list of backends as
//! the conformance suite is. Every case runs under a watchdog.
//!
//! CI runs this file with the facade's default features, with each backend alone (without a
//! tokio detector there: the cases pin what happens then) and with every feature.

use std::cell::RefCell;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::Duration;

use oneoff::{AsyncContext, Error, NativeIo, OneOffRunner, panic_message};
use tokio::runtime::{Builder, Handle, LocalRuntime};
use tokio::task::{LocalSet, coop::unconstrained, spawn_local};

mod common;
use common::tokio_runtimes;

/// How long any one case may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// Whether this build recognises tokio's contexts (`detect-tokio`).
const DETECT: bool = cfg!(feature = "detect-tokio");

/// A call's outcome, as a hook or a destructor reports it.
type CallOutcome = Result<u32, Error>;

fn context_of(result: CallOutcome) -> AsyncContext {
    match result {
        Err(Error::Nested { context, .. }) => context,
        other => panic!("expected Error::Nested, got {other:?}"),
    }
}

/// Whether `R` blocks with tokio's own `block_on` (the tokio backends, also in `TokioCompat`),
/// so that what tokio refuses is refused as `Error::Nested` beyond what the check recognises.
fn blocks_on_tokio<R: OneOffRunner>() -> bool {
    R::BACKEND.io() == NativeIo::Tokio
}

/// Whether `R` is `TokioCompat` around a backend that is not tokio: under a current-thread
/// runtime's `Runtime::enter` it refuses with `Error::Unsupported`, as nothing drives that
/// runtime while it blocks (`tests/compat.rs` pins the rest of its choice of runtime).
fn compat_on_another_backend<R: OneOffRunner>() -> bool {
    R::PROVIDES_TOKIO && !blocks_on_tokio::<R>()
}

/// `R::run(async { value })`.
fn call<R: OneOffRunner>(value: u32) -> CallOutcome {
    R::run(async move { value })
}

thread_local! {
    /// What a case runs when its thread's thread-locals are destroyed.
    static AT_EXIT: RefCell<Option<AtExit>> = const { RefCell::new(None) };
}

/// Runs its closure from the thread-local destructor of [`AT_EXIT`].
struct AtExit(Option<Box<dyn FnOnce()>>);

impl Drop for AtExit {
    fn drop(&mut self) {
        if let Some(at_exit) = self.0.take() {
            at_exit();
        }
    }
}

mod cases {
    use super::*;

    /// Inside `tokio::task::coop::unconstrained`, which runs code without the cooperative
    /// budget: where tokio runs its scheduler (a current-thread runtime, a multi-thread task)
    /// the call is recognised on every backend; in a multi-thread runtime's `block_on` only
    /// tokio's own refusal recognises it.
    pub(crate) fn in_unconstrained<R: OneOffRunner>() {
        let [current, multi] = tokio_runtimes();
        let in_current = current.block_on(unconstrained(async { call::<R>(1) }));
        let in_task = multi
            .block_on(async { tokio::spawn(unconstrained(async { call::<R>(2) })).await })
            .unwrap();
        let in_block_on = multi.block_on(unconstrained(async { call::<R>(3) }));
        if !DETECT {
            assert_eq!(in_current.unwrap(), 1);
            assert_eq!(in_task.unwrap(), 2);
            assert_eq!(in_block_on.unwrap(), 3);
            return;
        }
        assert_eq!(context_of(in_current), AsyncContext::Tokio);
        assert_eq!(context_of(in_task), AsyncContext::TokioMultiThread);
        if blocks_on_tokio::<R>() {
            assert_eq!(context_of(in_block_on), AsyncContext::TokioMultiThread);
        } else {
            // Not recognised: the call blocks the thread of that `block_on`, which polls
            // nothing else.
            assert_eq!(in_block_on.unwrap(), 3);
        }
    }

    /// In the destructor of a task that a multi-thread runtime drops as it shuts down: its
    /// worker drops it, so the call is in async code.
    pub(crate) fn in_multi_thread_shutdown<R: OneOffRunner + 'static>() {
        let expect = |outcome: CallOutcome| {
            if DETECT {
                assert_eq!(context_of(outcome), AsyncContext::TokioMultiThread);
            } else {
                assert_eq!(outcome.unwrap(), 7);
            }
        };
        let (report, reported) = mpsc::channel();
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let (started, polled) = mpsc::channel();
        let dropped = CallsOnDrop::<R>::new(report.clone());
        runtime.spawn(async move {
            let _dropped = dropped;
            started.send(()).unwrap();
            std::future::pending::<()>().await
        });
        polled.recv().unwrap();
        drop(runtime);
        expect(reported.recv_timeout(LIMIT).expect("the task was dropped"));

        // The same with a task that a `TokioMultiThread` one-shot run leaves behind.
        #[cfg(feature = "tokio")]
        {
            let dropped = CallsOnDrop::<R>::new(report);
            oneoff::TokioMultiThread::run(async move {
                let (started, polled) = mpsc::channel();
                tokio::spawn(async move {
                    let _dropped = dropped;
                    started.send(()).unwrap();
                    std::future::pending::<()>().await
                });
                tokio::task::spawn_blocking(move || polled.recv().unwrap())
                    .await
                    .unwrap();
            })
            .unwrap();
            expect(
                reported
                    .recv_timeout(LIMIT)
                    .expect("the leftover task was dropped"),
            );
        }
    }

    /// In an `on_thread_park` hook, which tokio runs on the thread that drives the runtime
    /// (a current-thread runtime's `block_on`, a multi-thread worker).
    pub(crate) fn in_on_thread_park<R: OneOffRunner + 'static>() {
        for multi in [false, true] {
            let (report, reported) = mpsc::channel();
            let report = Mutex::new(report);
            let once = AtomicBool::new(false);
            let hook = move || {
                if !once.swap(true, Ordering::SeqCst) {
                    let _ = report.lock().unwrap().send(call::<R>(4));
                }
            };
            let runtime = if multi {
                Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .on_thread_park(hook)
                    .build()
            } else {
                Builder::new_current_thread()
                    .enable_all()
                    .on_thread_park(hook)
                    .build()
            }
            .unwrap();
            runtime.block_on(async { tokio::time::sleep(Duration::from_millis(5)).await });
            let outcome = reported.recv_timeout(LIMIT).expect("the runtime parked");
            if !DETECT {
                assert_eq!(outcome.unwrap(), 4);
            } else if multi {
                assert_eq!(context_of(outcome), AsyncContext::TokioMultiThread);
            } else {
                assert_eq!(context_of(outcome), AsyncContext::Tokio);
            }
        }
    }

    /// In `tokio::task::block_in_place`, in a task of a multi-thread runtime: blocking is
    /// allowed there, so the future runs, one-shot and on a runner, a tokio timer included on
    /// the backends that give tokio's context.
    pub(crate) fn in_block_in_place<R: OneOffRunner + 'static>() {
        let [_, multi] = tokio_runtimes();
        let results = multi.block_on(async {
            tokio::spawn(async {
                tokio::task::block_in_place(|| {
                    let runner = R::new().unwrap();
                    (call::<R>(5), runner.block_on(async { 6 }))
                })
            })
            .await
        });
        let (one_shot, reused) = results.unwrap();
        assert_eq!((one_shot.unwrap(), reused.unwrap()), (5, 6));
        if R::PROVIDES_TOKIO {
            let slept = multi.block_on(async {
                tokio::spawn(async {
                    tokio::task::block_in_place(|| {
                        R::run(tokio::time::sleep(Duration::from_millis(1)))
                    })
                })
                .await
            });
            slept.unwrap().unwrap();
        }
    }

    /// Under `Runtime::enter`, either flavour: not async code, so the future runs (but in
    /// `TokioCompat` on another backend, which refuses a current-thread runtime's enter).
    pub(crate) fn under_runtime_enter<R: OneOffRunner>() {
        for runtime in tokio_runtimes() {
            let _entered = runtime.enter();
            let current_thread =
                Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread;
            if compat_on_another_backend::<R>() && current_thread {
                let err = call::<R>(7).unwrap_err();
                assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
                continue;
            }
            assert_eq!(call::<R>(7).unwrap(), 7);
            let runner = R::new().unwrap();
            let timed = runner.block_on(async {
                async_io::Timer::after(Duration::from_millis(1)).await;
                8
            });
            assert_eq!(timed.unwrap(), 8);
            if blocks_on_tokio::<R>() {
                // A tokio timer made inside the run is the run's own runtime's.
                let slept = R::run(async { tokio::time::sleep(Duration::from_millis(1)).await });
                slept.unwrap();
            }
        }
    }

    /// In a `LocalSet`, both its `run_until` future and a `spawn_local` task, on a
    /// current-thread runtime and on a multi-thread runtime's `block_on`.
    pub(crate) fn in_local_set<R: OneOffRunner + 'static>() {
        let [current, multi] = tokio_runtimes();
        for (runtime, context) in [
            (current, AsyncContext::Tokio),
            (multi, AsyncContext::TokioMultiThread),
        ] {
            let local = LocalSet::new();
            let (in_run_until, in_task) = runtime.block_on(local.run_until(async {
                let in_run_until = call::<R>(9);
                let in_task = spawn_local(async { call::<R>(10) }).await.unwrap();
                (in_run_until, in_task)
            }));
            if DETECT {
                assert_eq!(context_of(in_run_until), context);
                assert_eq!(context_of(in_task), context);
            } else {
                assert_eq!((in_run_until.unwrap(), in_task.unwrap()), (9, 10));
            }
        }
    }

    /// In tokio's `LocalRuntime`: its `block_on` and a `spawn_local` task.
    pub(crate) fn in_local_runtime<R: OneOffRunner + 'static>() {
        let runtime = LocalRuntime::new().unwrap();
        let (in_block_on, in_task) = runtime.block_on(async {
            let in_block_on = call::<R>(11);
            let in_task = spawn_local(async { call::<R>(12) }).await.unwrap();
            (in_block_on, in_task)
        });
        if DETECT {
            assert_eq!(context_of(in_block_on), AsyncContext::Tokio);
            assert_eq!(context_of(in_task), AsyncContext::Tokio);
        } else {
            assert_eq!((in_block_on.unwrap(), in_task.unwrap()), (11, 12));
        }
    }

    /// In `spawn_blocking` again and again: a thread found to be a blocking thread is
    /// remembered, and later calls on it run. A `LocalSet` that `Handle::block_on` drives
    /// inside `spawn_blocking` is async code: recognised where no call was made on that thread
    /// before; after one, only by tokio's refusal (the tokio backends).
    pub(crate) fn in_spawn_blocking_again<R: OneOffRunner + 'static>() {
        for runtime in tokio_runtimes() {
            runtime.block_on(async {
                for round in 0..3 {
                    let results = tokio::task::spawn_blocking(move || {
                        let runner = R::new().unwrap();
                        (call::<R>(round), runner.block_on(async move { round + 1 }))
                    })
                    .await
                    .unwrap();
                    assert_eq!((results.0.unwrap(), results.1.unwrap()), (round, round + 1));
                }
            });
        }
        for call_first in [false, true] {
            let [_, multi] = tokio_runtimes();
            let (first, in_local_set) = multi.block_on(async move {
                let handle = Handle::current();
                tokio::task::spawn_blocking(move || {
                    let first = call_first.then(|| call::<R>(13));
                    let local = LocalSet::new();
                    let in_local_set =
                        handle.block_on(local.run_until(async {
                            spawn_local(async { call::<R>(14) }).await.unwrap()
                        }));
                    (first, in_local_set)
                })
                .await
                .unwrap()
            });
            if let Some(first) = first {
                assert_eq!(first.unwrap(), 13);
            }
            if DETECT && (!call_first || blocks_on_tokio::<R>()) {
                assert_eq!(context_of(in_local_set), AsyncContext::TokioMultiThread);
            } else {
                assert_eq!(in_local_set.unwrap(), 14);
            }
        }
    }

    /// From a thread-local's destructor, as the thread ends: before the runtime's own
    /// thread-locals are destroyed, and after. Never a panic where oneoff's code can keep its
    /// promise: the output, or `Error::Unsupported` where tokio's thread-locals are gone.
    pub(crate) fn in_thread_local_destructor<R: OneOffRunner + 'static>() {
        for registered_first in [true, false] {
            let (report, reported) = mpsc::channel();
            thread::spawn(move || {
                let at_exit = move || {
                    let outcome = catch_unwind(|| call::<R>(15))
                        .map_err(|payload| panic_message(payload.as_ref()));
                    report.send(outcome).unwrap();
                };
                let register = move || {
                    let at_exit = AtExit(Some(Box::new(at_exit)));
                    AT_EXIT.with(|slot| *slot.borrow_mut() = Some(at_exit));
                };
                // Thread-locals are destroyed in the reverse order of their first use: one
                // registered before the runtime's is destroyed after them.
                if registered_first {
                    register();
                    assert_eq!(call::<R>(16).unwrap(), 16);
                } else {
                    assert_eq!(call::<R>(16).unwrap(), 16);
                    register();
                }
            })
            .join()
            .unwrap();
            let outcome = reported.recv_timeout(LIMIT).expect("the destructor ran");
            if !registered_first {
                assert_eq!(outcome.unwrap().unwrap(), 15);
            } else if blocks_on_tokio::<R>() {
                let err = outcome.unwrap().unwrap_err();
                assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
                assert!(err.to_string().contains("before the thread ends"), "{err}");
            } else if panics_in_a_thread_local_destructor::<R>() {
                let message = outcome.expect_err("a runtime whose own thread-local is gone");
                assert!(message.contains("destroyed") || message.contains("AccessError"));
            } else {
                assert_eq!(outcome.unwrap().unwrap(), 15);
            }
        }
    }

    /// A token made by the check outside async code, carried into async code and given to a
    /// backend's hook: the tokio backends ask tokio again and refuse; the others block the
    /// thread, as the runtime would without oneoff.
    pub(crate) fn with_a_carried_token<R: OneOffRunner>() {
        let [current, multi] = tokio_runtimes();
        for (runtime, context) in [
            (current, AsyncContext::Tokio),
            (multi, AsyncContext::TokioMultiThread),
        ] {
            let runner = R::new().unwrap();
            let entered = oneoff_core::enter(R::BACKEND).unwrap();
            let carried = runtime.block_on(async move { runner.drive(entered, async { 17 }) });
            if DETECT && blocks_on_tokio::<R>() {
                assert_eq!(context_of(carried), context);
            } else if compat_on_another_backend::<R>() && context == AsyncContext::Tokio {
                // `TokioCompat` looks for tokio's context before it blocks: a current-thread
                // runtime's, which nothing would drive, is refused.
                let err = carried.unwrap_err();
                assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
            } else {
                assert_eq!(carried.unwrap(), 17);
            }
            assert_eq!(oneoff::current_context(), None);
        }
    }
}

/// Calls `R::run` when dropped and reports the outcome.
struct CallsOnDrop<R: OneOffRunner> {
    report: mpsc::Sender<CallOutcome>,
    runner: std::marker::PhantomData<fn() -> R>,
}

impl<R: OneOffRunner> CallsOnDrop<R> {
    fn new(report: mpsc::Sender<CallOutcome>) -> Self {
        CallsOnDrop {
            report,
            runner: std::marker::PhantomData,
        }
    }
}

impl<R: OneOffRunner> Drop for CallsOnDrop<R> {
    fn drop(&mut self) {
        let _ = self.report.send(call::<R>(7));
    }
}

/// The backends whose own runtime still panics when called from a thread-local destructor
/// after its thread-locals are gone (each a runtime's own `block_on` or context, outside
/// oneoff's code): futures-executor's and async-std's `block_on`, and `TokioCompat`'s
/// `Handle::enter` on every backend that is not a tokio one. (smol's backend falls back to a
/// parker of its own there.)
fn panics_in_a_thread_local_destructor<R: OneOffRunner>() -> bool {
    R::PROVIDES_TOKIO || matches!(R::NAME, "futures-executor" | "async-std")
}

/// Instantiates every case for each backend of the list, each under the watchdog.
macro_rules! contexts {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            contexts!(@cases $runner);

            /// The same cases on the backend wrapped in `TokioCompat`.
            #[cfg(feature = "tokio-compat")]
            mod compat {
                use super::*;

                contexts!(@cases oneoff::TokioCompat<$runner>);
            }
        }
    )*};
    (@cases $runner:ty) => {
        contexts!(@each $runner:
            in_unconstrained,
            in_multi_thread_shutdown,
            in_on_thread_park,
            in_block_in_place,
            under_runtime_enter,
            in_local_set,
            in_local_runtime,
            in_spawn_blocking_again,
            in_thread_local_destructor,
            with_a_carried_token,
        );
    };
    (@each $runner:ty: $($case:ident,)*) => {$(
        #[test]
        fn $case() {
            let name = concat!(module_path!(), "::", stringify!($case));
            oneoff_workloads::watchdog(name, LIMIT, cases::$case::<$runner>);
        }
    )*};
}

oneoff::for_each_backend!(contexts);

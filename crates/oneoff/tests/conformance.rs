//! One conformance suite, run against every backend and flavour: each case is a generic
//! function over `OneOffRunner`, and `conformance!` instantiates all of them for a backend in
//! one line. Every case runs under a watchdog that fails it with its name instead of hanging.

use std::future::pending;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use oneoff::{AsyncContext, Backend, Error, OneOffRunner};
use oneoff_core::panic_message;
use oneoff_workloads::{DONE, STARTED, woken_from_thread, work_with, yield_times};

/// How long any one case may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// Sets its flag when dropped: proof that a future (or a task) was cancelled.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn flag() -> (Arc<AtomicBool>, DropFlag) {
    let flag = Arc::new(AtomicBool::new(false));
    (Arc::clone(&flag), DropFlag(flag))
}

fn unwrap_nested<T: std::fmt::Debug>(result: Result<T, Error>) -> (&'static str, AsyncContext) {
    match result {
        Err(Error::Nested { backend, context }) => (backend, context),
        other => panic!("expected Error::Nested, got {other:?}"),
    }
}

mod cases {
    use super::*;

    pub(crate) fn ready<R: OneOffRunner>() {
        assert_eq!(R::run(async { 42 }).unwrap(), 42);
        assert_eq!(R::new().unwrap().block_on(async { 43 }).unwrap(), 43);
    }

    pub(crate) fn work_returns_and_reports_in_order<R: OneOffRunner>() {
        let mut out = Vec::new();
        let result = R::run(work_with(100, Duration::from_millis(5), &mut out)).unwrap();
        assert_eq!(result, 10_000);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().collect::<Vec<_>>(), [STARTED, DONE]);
    }

    pub(crate) fn run_with_passes_the_argument<R: OneOffRunner>() {
        let result = R::run_with(|arg| work_with(arg, Duration::ZERO, io::sink()), 100);
        assert_eq!(result.unwrap(), 10_000);
    }

    pub(crate) fn yields_a_thousand_times<R: OneOffRunner>() {
        R::run(yield_times(1000)).unwrap();
    }

    pub(crate) fn woken_from_another_thread<R: OneOffRunner>() {
        R::run(woken_from_thread()).unwrap();
        let runner = R::new().unwrap();
        for _ in 0..100 {
            runner.block_on(woken_from_thread()).unwrap();
        }
    }

    pub(crate) fn runner_used_a_thousand_times<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let mut total = 0u64;
        for i in 0..1000u64 {
            total += runner
                .block_on(async move {
                    yield_times(1).await;
                    i
                })
                .unwrap();
        }
        assert_eq!(total, 999 * 1000 / 2);
    }

    pub(crate) fn panic_reaches_caller_with_its_message<R: OneOffRunner>() {
        let payload = catch_unwind(|| R::run(async { panic!("conformance boom {}", 42) }))
            .expect_err("the panic must unwind out of run");
        assert_eq!(panic_message(payload.as_ref()), "conformance boom 42");

        let err = R::try_run(async { panic!("conformance try boom") }).unwrap_err();
        assert!(
            matches!(&err, Error::Panicked { backend, message }
                if *backend == R::NAME && message == "conformance try boom"),
            "{err:?}"
        );
    }

    pub(crate) fn runner_survives_a_panic<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            runner.block_on(async {
                yield_times(3).await;
                panic!("conformance runner boom")
            })
        }))
        .expect_err("the panic must unwind out of block_on");
        assert_eq!(panic_message(payload.as_ref()), "conformance runner boom");
        assert!(matches!(
            runner.try_block_on(async { panic!("again") }),
            Err(Error::Panicked { .. })
        ));
        assert_eq!(runner.block_on(async { 5 }).unwrap(), 5);
        // Nothing of the panicked runs is left marked as running on this thread.
        assert_eq!(oneoff_core::current_context(), None);
        assert_eq!(R::run(async { 6 }).unwrap(), 6);
    }

    pub(crate) fn nested_in_itself_is_an_error<R: OneOffRunner>() {
        let (backend, context) = unwrap_nested(R::run(async { R::run(async { 1 }) }).unwrap());
        assert_eq!((backend, context), (R::NAME, AsyncContext::Oneoff(R::NAME)));

        let runner = R::new().unwrap();
        let inner = runner
            .block_on(async { runner.block_on(async { 1 }) })
            .unwrap();
        assert_eq!(unwrap_nested(inner).1, AsyncContext::Oneoff(R::NAME));
        let inner = runner
            .block_on(async { R::run_timeout(async { 1 }, Duration::from_secs(1)) })
            .unwrap();
        unwrap_nested(inner);
        // The runner still works after refusing.
        assert_eq!(runner.block_on(async { 2 }).unwrap(), 2);
    }

    pub(crate) fn nested_in_any_backend_is_an_error<R: OneOffRunner>() {
        for outer in Backend::ALL {
            let inner = outer.run(async { R::run(async { 1 }) }).unwrap();
            let (_, context) = unwrap_nested(inner);
            let message = Error::Nested {
                backend: R::NAME,
                context,
            }
            .to_string();
            assert!(message.contains(".await the future instead"), "{message}");
        }
    }

    pub(crate) fn nested_in_tokio_is_an_error<R: OneOffRunner>() {
        let current = ::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let inner = current.block_on(async { R::run(async { 1 }) });
        assert_eq!(unwrap_nested(inner).1, AsyncContext::Tokio);
        // A runner built inside the runtime may be dropped there without panicking.
        let inner = current.block_on(async {
            let runner = R::new().unwrap();
            let result = runner.block_on(async { 1 });
            drop(runner);
            result
        });
        assert_eq!(unwrap_nested(inner).1, AsyncContext::Tokio);

        let multi = ::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let inner = multi.block_on(async { R::run(async { 1 }) });
        assert_eq!(unwrap_nested(inner).1, AsyncContext::TokioMultiThread);
        let in_task = multi.block_on(async { ::tokio::spawn(async { R::run(async { 1 }) }).await });
        let (_, context) = unwrap_nested(in_task.unwrap());
        assert_eq!(context, AsyncContext::TokioMultiThread);
        let message = Error::Nested {
            backend: R::NAME,
            context,
        }
        .to_string();
        assert!(
            message.ends_with("call oneoff::block_in_place"),
            "{message}"
        );
    }

    pub(crate) fn nested_in_async_std_is_an_error<R: OneOffRunner>() {
        let inner = ::async_std::task::block_on(async { R::run(async { 1 }) });
        assert_eq!(unwrap_nested(inner).1, AsyncContext::AsyncStd);
        let in_task =
            ::async_std::task::block_on(::async_std::task::spawn(async { R::run(async { 1 }) }));
        assert_eq!(unwrap_nested(in_task).1, AsyncContext::AsyncStd);
    }

    pub(crate) fn nested_in_futures_executor_is_an_error<R: OneOffRunner>() {
        let inner = futures_executor::block_on(async { R::run(async { 1 }) });
        assert_eq!(unwrap_nested(inner).1, AsyncContext::FuturesExecutor);
    }

    pub(crate) fn timeout_cancels_the_future<R: OneOffRunner>() {
        let (dropped, guard) = flag();
        let err = R::run_timeout(
            async move {
                let _guard = guard;
                pending::<()>().await
            },
            Duration::from_millis(20),
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Timeout { backend, .. } if backend == R::NAME),
            "{err:?}"
        );
        assert!(
            dropped.load(Ordering::SeqCst),
            "the timed-out future was not dropped"
        );

        let runner = R::new().unwrap();
        let (dropped, guard) = flag();
        let err = runner
            .block_on_timeout(
                async move {
                    let _guard = guard;
                    loop {
                        yield_times(1).await;
                        async_io::Timer::after(Duration::from_millis(1)).await;
                    }
                },
                Duration::from_millis(20),
            )
            .unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        assert!(
            dropped.load(Ordering::SeqCst),
            "the timed-out future was not dropped"
        );
        // The runner stays usable, and a quick future beats its timeout.
        let quick = runner.block_on_timeout(
            work_with(3, Duration::from_millis(1), io::sink()),
            Duration::from_secs(30),
        );
        assert_eq!(quick.unwrap(), 300);
        assert_eq!(R::run_timeout(async { 9 }, Duration::ZERO).unwrap(), 9);
        assert_eq!(R::run_timeout(async { 9 }, Duration::MAX).unwrap(), 9);
    }

    pub(crate) fn sixteen_threads_at_once<R: OneOffRunner>() {
        let threads: Vec<_> = (0..16u64)
            .map(|i| {
                thread::spawn(move || {
                    (0..20)
                        .map(|_| {
                            R::run(work_with(i, Duration::from_millis(1), io::sink())).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            let results = thread.join().expect("a one-shot thread panicked");
            assert!(
                results.iter().all(|&r| r == i as u64 * 100),
                "thread {i}: {results:?}"
            );
        }
    }
}

/// Instantiates every case for one backend, each under the watchdog.
macro_rules! conformance {
    ($($feature:literal $module:ident => $runner:ty;)*) => {$(
        #[cfg(feature = $feature)]
        mod $module {
            use super::*;

            conformance!(@cases $runner, $module:
                ready,
                work_returns_and_reports_in_order,
                run_with_passes_the_argument,
                yields_a_thousand_times,
                woken_from_another_thread,
                runner_used_a_thousand_times,
                panic_reaches_caller_with_its_message,
                runner_survives_a_panic,
                nested_in_itself_is_an_error,
                nested_in_any_backend_is_an_error,
                timeout_cancels_the_future,
                sixteen_threads_at_once,
            );

            #[cfg(feature = "detect-tokio")]
            conformance!(@cases $runner, $module: nested_in_tokio_is_an_error,);
            #[cfg(feature = "detect-async-std")]
            conformance!(@cases $runner, $module: nested_in_async_std_is_an_error,);
            #[cfg(feature = "detect-futures-executor")]
            conformance!(@cases $runner, $module: nested_in_futures_executor_is_an_error,);
        }
    )*};
    (@cases $runner:ty, $module:ident: $($case:ident,)*) => {$(
        #[test]
        fn $case() {
            let name = concat!(stringify!($module), "::", stringify!($case));
            oneoff_workloads::watchdog(name, LIMIT, cases::$case::<$runner>);
        }
    )*};
}

conformance! {
    "tokio" tokio => oneoff::Tokio;
    "tokio" tokio_mt => oneoff::TokioMultiThread;
    "smol" smol => oneoff::Smol;
    "futures-lite" futures_lite => oneoff::FuturesLite;
    "pollster" pollster => oneoff::Pollster;
    "async-std" async_std => oneoff::AsyncStd;
}

//! One conformance suite, run against every backend and flavour: each case is a generic
//! function over `OneOffRunner`, and `oneoff::for_each_backend!(conformance)` instantiates all
//! of them for every backend whose feature is on, from the facade's one list of backends. Every
//! case runs under a watchdog that fails it with its name instead of hanging.
//!
//! CI runs this file with the facade's default features, with each backend feature alone and
//! with every feature, so each case is pinned in the configurations users build. Cases whose
//! outcome depends on a `detect-*` feature assert the outcome of both sides.

use std::cell::Cell;
use std::future::pending;
use std::io;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use oneoff::{AsyncContext, Backend, Error, OneOffRunner, panic_message};
use oneoff_workloads::{DONE, STARTED, woken_from_thread, work_with, yield_times};

mod common;
use common::{busy, tokio_runtimes};

/// How long any one case may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// How long a case lets a call that it expects to be stuck wait before its timeout cancels
/// it: long enough that nothing but a deadlock takes it.
const STUCK: Duration = Duration::from_millis(300);

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

fn assert_timeout<T: std::fmt::Debug>(result: Result<T, Error>, backend: &str) {
    assert!(
        matches!(&result, Err(Error::Timeout { backend: b, .. }) if *b == backend),
        "expected Error::Timeout from {backend}, got {result:?}"
    );
}

/// A future that blocks its thread for a while at every poll, then wakes itself, for ever.
async fn blocks_its_thread() {
    loop {
        thread::sleep(Duration::from_millis(15));
        futures_lite::future::yield_now().await;
    }
}

/// A panic payload that is not a string.
#[derive(Debug, PartialEq)]
struct PanicCode(u32);

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

    pub(crate) fn run_with_checks_before_calling_the_function<R: OneOffRunner>() {
        let called = Cell::new(false);
        let inner = R::run(async {
            R::run_with(
                |arg: u64| {
                    called.set(true);
                    async move { arg }
                },
                1,
            )
        })
        .unwrap();
        unwrap_nested(inner);
        assert!(!called.get(), "a nested run_with called the function");
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

    pub(crate) fn panic_reaches_caller_with_its_payload<R: OneOffRunner>() {
        let payload = catch_unwind(|| R::run(async { panic!("conformance boom {}", 42) }))
            .expect_err("the panic must unwind out of run");
        assert_eq!(panic_message(payload.as_ref()), "conformance boom 42");

        let err = R::try_run(async { panic!("conformance try boom") }).unwrap_err();
        assert!(
            matches!(&err, Error::Panicked { backend, message, .. }
                if *backend == R::NAME && message == "conformance try boom"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("the future panicked on {}: conformance try boom", R::NAME)
        );

        // A payload that is not a string keeps its value, and can be raised again.
        let err = R::try_run(async { std::panic::panic_any(PanicCode(7)) }).unwrap_err();
        assert!(
            matches!(&err, Error::Panicked { message, .. } if message == "Box<dyn Any>"),
            "{err:?}"
        );
        let again = catch_unwind(AssertUnwindSafe(|| resume_unwind(err.into_panic())))
            .expect_err("resume_unwind raises the payload again");
        assert_eq!(again.downcast_ref::<PanicCode>(), Some(&PanicCode(7)));
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
        assert_eq!(oneoff::current_context(), None);
        assert_eq!(R::run(async { 6 }).unwrap(), 6);
    }

    pub(crate) fn nested_in_itself_is_an_error<R: OneOffRunner>() {
        let (backend, context) = unwrap_nested(R::run(async { R::run(async { 1 }) }).unwrap());
        assert_eq!(
            (backend, context),
            (R::NAME, AsyncContext::Oneoff(R::BACKEND))
        );

        let runner = R::new().unwrap();
        let inner = runner
            .block_on(async { runner.block_on(async { 1 }) })
            .unwrap();
        assert_eq!(unwrap_nested(inner).1, AsyncContext::Oneoff(R::BACKEND));
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
            let err = inner.unwrap_err();
            assert!(
                matches!(err, Error::Nested { backend, context: AsyncContext::Oneoff(name) }
                    if backend == R::NAME && std::ptr::eq(name, outer.info())),
                "{err:?}"
            );
            let message = err.to_string();
            assert!(
                message.starts_with(&format!(
                    "cannot block on a future with {} from inside a oneoff run on {outer}",
                    R::NAME
                )),
                "{message}"
            );
            assert!(message.contains(".await the future instead"), "{message}");
        }
    }

    pub(crate) fn timeout_cancels_the_future<R: OneOffRunner>() {
        let (dropped, guard) = flag();
        let err = R::run_timeout(
            async move {
                let _guard = guard;
                pending::<()>().await
            },
            Duration::from_millis(20),
        );
        assert_timeout(err, R::NAME);
        assert!(
            dropped.load(Ordering::SeqCst),
            "the timed-out future was not dropped"
        );

        let runner = R::new().unwrap();
        let (dropped, guard) = flag();
        let err = runner.block_on_timeout(
            async move {
                let _guard = guard;
                loop {
                    yield_times(1).await;
                    async_io::Timer::after(Duration::from_millis(1)).await;
                }
            },
            Duration::from_millis(20),
        );
        assert_timeout(err, R::NAME);
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

    pub(crate) fn timeout_cancels_a_future_that_never_goes_idle<R: OneOffRunner>() {
        assert_timeout(R::run_timeout(busy(), Duration::from_millis(50)), R::NAME);
        let runner = R::new().unwrap();
        let (dropped, guard) = flag();
        let err = runner.block_on_timeout(
            async move {
                let _guard = guard;
                busy().await
            },
            Duration::from_millis(50),
        );
        assert_timeout(err, R::NAME);
        assert!(dropped.load(Ordering::SeqCst), "the busy future was kept");
        assert_eq!(runner.block_on(async { 1 }).unwrap(), 1);
    }

    pub(crate) fn timeout_cancels_a_future_that_blocks_its_thread<R: OneOffRunner>() {
        let runner = R::new().unwrap();
        let err = runner.block_on_timeout(blocks_its_thread(), Duration::from_millis(40));
        assert_timeout(err, R::NAME);
        assert_timeout(
            R::run_timeout(blocks_its_thread(), Duration::from_millis(40)),
            R::NAME,
        );
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

    /// One runner, used by four threads at the same time.
    pub(crate) fn shared_concurrently<R: OneOffRunner + Sync>() {
        let runner = R::new().unwrap();
        on_four_threads(|i| fifty_works(i, |arg| runner.block_on(short_work(arg)).unwrap()));
    }

    /// A runner that is `Send` but not `Sync`, shared by four threads one at a time.
    pub(crate) fn shared_one_at_a_time<R: OneOffRunner + Send>() {
        let runner = Mutex::new(R::new().unwrap());
        thread::scope(|scope| {
            for i in 0..4u64 {
                let runner = &runner;
                scope.spawn(move || {
                    for j in 0..50u64 {
                        let work = work_with(i + j, Duration::from_micros(200), io::sink());
                        let result = runner.lock().unwrap().block_on(work).unwrap();
                        assert_eq!(result, (i + j) * 100);
                    }
                });
            }
        });
    }

    /// A runner that stays on the thread that made it (`!Send`): four threads, a runner each,
    /// at the same time.
    #[allow(dead_code, reason = "unused in builds whose runners are all Send")]
    pub(crate) fn runner_per_thread<R: OneOffRunner>() {
        on_four_threads(|i| {
            let runner = R::new().unwrap();
            fifty_works(i, |arg| runner.block_on(short_work(arg)).unwrap())
        });
    }

    /// Runs `thread_sum(i)` on four threads `i` at the same time and checks that each returned
    /// the sum of [`fifty_works`]'s answers for its `i`.
    fn on_four_threads(thread_sum: impl Fn(u64) -> u64 + Sync) {
        thread::scope(|scope| {
            let thread_sum = &thread_sum;
            let threads: Vec<_> = (0..4u64)
                .map(|i| scope.spawn(move || thread_sum(i)))
                .collect();
            for (i, thread) in threads.into_iter().enumerate() {
                let expected: u64 = (0..50u64).map(|j| (i as u64 + j) * 100).sum();
                assert_eq!(thread.join().unwrap(), expected, "thread {i}");
            }
        });
    }

    /// Fifty calls `call(short_work(i + j))` for thread `i`, summed.
    fn fifty_works(i: u64, call: impl Fn(u64) -> u64) -> u64 {
        (0..50u64).map(|j| call(i + j)).sum()
    }

    /// `work_with(arg)` with a 200 µs delay and no output.
    fn short_work(arg: u64) -> impl Future<Output = u64> {
        work_with(arg, Duration::from_micros(200), io::sink())
    }

    pub(crate) fn spawn_onto_the_run<R: OneOffRunner>() {
        // Outside a run there is nothing to spawn onto.
        let outside = oneoff::spawn(async { 1 });
        assert!(
            matches!(outside, Err(Error::Unsupported { .. })),
            "{outside:?}"
        );

        let runner = R::new().unwrap();
        let inside = runner
            .block_on(async { oneoff::spawn(async { 21 }) })
            .unwrap();
        if !R::CAN_SPAWN {
            let err = inside.unwrap_err();
            assert!(
                matches!(err, Error::Unsupported { backend, .. } if backend == R::NAME),
                "{err:?}"
            );
            assert!(err.to_string().contains("no executor to spawn tasks onto"));
            return;
        }
        drop(inside);
        let doubled =
            runner.block_on(async { oneoff::spawn(async { 21 }).unwrap().await.unwrap() * 2 });
        assert_eq!(doubled.unwrap(), 42);
        // One-shot: the run's runtime, except where a one-shot run has no executor, which
        // must say so and point to a runner (futures-executor's `block_on`).
        let one_shot = R::run(async {
            match oneoff::spawn(async { 21 }) {
                Ok(task) => task.await.map(|n| n * 2),
                Err(err) => Err(err),
            }
        });
        match one_shot.unwrap() {
            Ok(n) => assert_eq!(n, 42),
            Err(err) => {
                assert!(
                    matches!(err, Error::Unsupported { backend, .. } if backend == R::NAME),
                    "{err:?}"
                );
                assert!(err.to_string().contains("runner"), "{err}");
            }
        }
        // A panicking task: its payload reaches whoever awaits it, as an error.
        let panicked = runner
            .block_on(async {
                oneoff::spawn(async { std::panic::panic_any(PanicCode(9)) })
                    .unwrap()
                    .await
            })
            .unwrap();
        let payload = panicked.unwrap_err().into_panic();
        assert_eq!(payload.downcast_ref::<PanicCode>(), Some(&PanicCode(9)));
        // A cancelled task is dropped.
        let (dropped, guard) = flag();
        runner
            .block_on(async move {
                let task = oneoff::spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                })
                .unwrap();
                yield_times(2).await;
                task.cancel();
                while !dropped.load(Ordering::SeqCst) {
                    yield_times(1).await;
                    async_io::Timer::after(Duration::from_millis(1)).await;
                }
            })
            .unwrap();
        // The runner still works after its task panicked.
        assert_eq!(runner.block_on(async { 3 }).unwrap(), 3);
    }

    /// In async code of a tokio runtime: an error with `detect-tokio`, pinned without it.
    pub(crate) fn in_tokio_async_code<R: OneOffRunner>() {
        let [current, multi] = tokio_runtimes();
        let in_block_on = current.block_on(async { R::run(async { 1 }) });
        let in_task = multi.block_on(async { tokio::spawn(async { R::run(async { 1 }) }).await });
        let in_task = in_task.unwrap();
        if cfg!(feature = "detect-tokio") {
            assert_eq!(unwrap_nested(in_block_on).1, AsyncContext::Tokio);
            let message = in_task.as_ref().unwrap_err().to_string();
            assert_eq!(unwrap_nested(in_task).1, AsyncContext::TokioMultiThread);
            assert!(message.contains("call oneoff::block_in_place"), "{message}");
            assert!(message.contains("tokio::task::spawn_blocking"), "{message}");
            // A runner built inside the runtime may be dropped there without panicking.
            let inner = current.block_on(async {
                let runner = R::new().unwrap();
                let result = runner.block_on(async { 1 });
                drop(runner);
                result
            });
            assert_eq!(unwrap_nested(inner).1, AsyncContext::Tokio);
        } else {
            // Not recognised: the call blocks the runtime's thread. A future that needs
            // nothing of tokio completes; one that needs the current-thread runtime's own
            // timer waits for the thread it blocks, until its timeout.
            assert_eq!(in_block_on.unwrap(), 1);
            assert_eq!(in_task.unwrap(), 1);
            let stuck = current.block_on(async {
                R::run_timeout(tokio::time::sleep(Duration::from_millis(1)), STUCK)
            });
            assert_timeout(stuck, R::NAME);
        }
    }

    /// In a `spawn_blocking` closure of either flavour blocking is allowed, so oneoff runs the
    /// future, also one that needs tokio's timer, one-shot and on a runner.
    pub(crate) fn in_spawn_blocking<R: OneOffRunner + 'static>() {
        for runtime in tokio_runtimes() {
            let results = runtime.block_on(async {
                tokio::task::spawn_blocking(|| {
                    let one_shot = R::run(async {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        1
                    });
                    let runner = R::new().unwrap();
                    let reused = runner.block_on(async {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        2
                    });
                    (one_shot.unwrap(), reused.unwrap())
                })
                .await
                .unwrap()
            });
            assert_eq!(results, (1, 2));
        }
    }

    /// In an async-std task: an error with `detect-async-std`, pinned without it.
    pub(crate) fn in_async_std_task<R: OneOffRunner>() {
        let in_block_on = async_std::task::block_on(async { R::run(async { 1 }) });
        let in_task =
            async_std::task::block_on(async_std::task::spawn(async { R::run(async { 1 }) }));
        if cfg!(feature = "detect-async-std") {
            assert_eq!(unwrap_nested(in_block_on).1, AsyncContext::AsyncStd);
            assert_eq!(unwrap_nested(in_task).1, AsyncContext::AsyncStd);
        } else {
            assert_eq!(in_block_on.unwrap(), 1);
            assert_eq!(in_task.unwrap(), 1);
        }
    }

    /// In a futures executor: an error with `detect-futures-executor`, pinned without it.
    pub(crate) fn in_futures_executor<R: OneOffRunner>() {
        let inner = futures_executor::block_on(async { R::run(async { 1 }) });
        if cfg!(feature = "detect-futures-executor") {
            assert_eq!(unwrap_nested(inner).1, AsyncContext::FuturesExecutor);
        } else {
            assert_eq!(inner.unwrap(), 1);
        }
    }

    /// Futures that need tokio's timer, `tokio::spawn` or tokio's I/O: they run on the backends
    /// that give tokio's context (the tokio ones, and every backend in `TokioCompat`); elsewhere
    /// every form of call returns `Error::NeedsTokio`, which names the way out, in place of
    /// tokio's "no reactor running" panic (`tests/needs_tokio.rs` checks that nothing is
    /// printed).
    pub(crate) fn tokio_futures<R: OneOffRunner>() {
        let sleep = || async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            tokio::spawn(async { 20 }).await.unwrap() + 1
        };
        if !R::PROVIDES_TOKIO {
            needs_tokio::<R, _, _>(sleep);
            return;
        }
        assert_eq!(R::run(sleep()).unwrap(), 21);
        let runner = R::new().unwrap();
        for _ in 0..3 {
            assert_eq!(runner.block_on(sleep()).unwrap(), 21);
        }
        let timed = runner.block_on_timeout(
            async { tokio::time::sleep(Duration::from_secs(3600)).await },
            Duration::from_millis(20),
        );
        assert_timeout(timed, R::NAME);
        // A loopback round trip on tokio's I/O driver.
        let echoed = R::run(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let address = listener.local_addr()?;
            let mut client = tokio::net::TcpStream::connect(address).await?;
            let (mut server, _) = listener.accept().await?;
            client.write_all(b"ping").await?;
            let mut buffer = [0; 4];
            server.read_exact(&mut buffer).await?;
            io::Result::Ok(buffer)
        });
        assert_eq!(&echoed.unwrap().unwrap(), b"ping");
        // Tasks spawned through oneoff keep tokio's context, on every backend that spawns
        // (`spawn_onto_the_run` pins which ones cannot).
        let spawned = R::run(async {
            match oneoff::spawn(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                2
            }) {
                Ok(task) => Some(task.await),
                Err(_) => None,
            }
        });
        if let Some(spawned) = spawned.unwrap() {
            assert_eq!(spawned.unwrap(), 2);
        }
    }

    /// What `tokio_futures` asserts on a backend that does not give tokio's context.
    fn needs_tokio<R: OneOffRunner, F: Future<Output = u32>, S: Fn() -> F>(sleep: S) {
        fn assert_needs_tokio<R: OneOffRunner, T: std::fmt::Debug>(result: Result<T, Error>) {
            let err = result.unwrap_err();
            assert!(
                matches!(err, Error::NeedsTokio { backend } if backend == R::NAME),
                "{err:?}"
            );
            let message = err.to_string();
            assert!(message.contains("oneoff::TokioCompat"), "{message}");
            assert!(message.contains("`tokio-compat` feature"), "{message}");
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let connect = || async move { tokio::net::TcpStream::connect(address).await.is_ok() };
        assert_needs_tokio::<R, _>(R::run(sleep()));
        assert_needs_tokio::<R, _>(R::run(connect()));
        assert_needs_tokio::<R, _>(R::try_run(sleep()));
        assert_needs_tokio::<R, _>(R::run_timeout(sleep(), Duration::from_secs(30)));
        assert_needs_tokio::<R, _>(R::run_with(|_| sleep(), ()));
        let runner = R::new().unwrap();
        assert_needs_tokio::<R, _>(runner.block_on(sleep()));
        assert_needs_tokio::<R, _>(runner.block_on(connect()));
        assert_needs_tokio::<R, _>(runner.try_block_on(sleep()));
        assert_needs_tokio::<R, _>(runner.block_on_timeout(connect(), Duration::from_secs(30)));
        // Other panics still unwind with their payload, and the runner is still usable.
        let payload = catch_unwind(AssertUnwindSafe(|| {
            runner.block_on(async { std::panic::panic_any(PanicCode(3)) })
        }))
        .expect_err("a panic that is not tokio's unwinds");
        assert_eq!(payload.downcast_ref::<PanicCode>(), Some(&PanicCode(3)));
        assert_eq!(runner.block_on(async { 4 }).unwrap(), 4);
        // A spawned task that needs tokio gives the same error to whoever awaits it.
        if R::CAN_SPAWN {
            let spawned = runner
                .block_on(async {
                    let task = oneoff::spawn(async {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    });
                    task.unwrap().await
                })
                .unwrap();
            assert_needs_tokio::<R, _>(spawned);
        }
    }

    /// On smol's global executor, which smol offers no way to recognise: the call runs, and a
    /// wait on another task of that executor deadlocks while its one thread is blocked.
    pub(crate) fn in_smol_global_executor<R: OneOffRunner>() {
        let (neutral, waits_on_global) = smol::block_on(smol::spawn(async {
            let neutral = R::run(async { 1 });
            let waits_on_global = R::run_timeout(smol::spawn(async { 2 }), STUCK);
            (neutral, waits_on_global)
        }));
        assert_eq!(neutral.unwrap(), 1);
        assert_timeout(waits_on_global, R::NAME);
    }
}

/// Picks, for a concrete runner type, the sharing case it supports: concurrent use when the
/// runner is `Sync`, one thread at a time when it is only `Send`, a runner per thread when it
/// stays on the thread that made it (called on `&&&Sharing<R>`, method resolution tries the
/// impl on `&&Sharing<R>`, then on `&Sharing<R>`, then on `Sharing<R>`).
struct Sharing<R>(PhantomData<R>);

#[allow(dead_code, reason = "unused in builds whose only runners are not Sync")]
trait Concurrently {
    fn shared_by_threads(&self);
}

impl<R: OneOffRunner + Sync> Concurrently for &&Sharing<R> {
    fn shared_by_threads(&self) {
        cases::shared_concurrently::<R>();
    }
}

#[allow(dead_code, reason = "unused in builds whose runners are all Sync")]
trait OneAtATime {
    fn shared_by_threads(&self);
}

impl<R: OneOffRunner + Send> OneAtATime for &Sharing<R> {
    fn shared_by_threads(&self) {
        cases::shared_one_at_a_time::<R>();
    }
}

#[allow(dead_code, reason = "unused in builds whose runners are all Send")]
trait PerThread {
    fn shared_by_threads(&self);
}

impl<R: OneOffRunner> PerThread for Sharing<R> {
    fn shared_by_threads(&self) {
        cases::runner_per_thread::<R>();
    }
}

/// Instantiates every case for each backend of the list, each under the watchdog.
macro_rules! conformance {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            conformance!(@suite $runner, $variant);

            /// The same suite on the backend wrapped in `TokioCompat`.
            #[cfg(feature = "tokio-compat")]
            mod compat {
                use super::*;

                conformance!(@suite oneoff::TokioCompat<$runner>, $variant);
            }
        }
    )*};
    (@suite $runner:ty, $variant:ident) => {
            conformance!(@cases $runner, $variant:
                ready,
                work_returns_and_reports_in_order,
                run_with_passes_the_argument,
                run_with_checks_before_calling_the_function,
                yields_a_thousand_times,
                woken_from_another_thread,
                runner_used_a_thousand_times,
                panic_reaches_caller_with_its_payload,
                runner_survives_a_panic,
                nested_in_itself_is_an_error,
                nested_in_any_backend_is_an_error,
                timeout_cancels_the_future,
                timeout_cancels_a_future_that_never_goes_idle,
                timeout_cancels_a_future_that_blocks_its_thread,
                sixteen_threads_at_once,
                spawn_onto_the_run,
                in_tokio_async_code,
                in_spawn_blocking,
                in_async_std_task,
                in_futures_executor,
                in_smol_global_executor,
                tokio_futures,
            );

            #[test]
            fn shared_by_threads() {
                let name = concat!(module_path!(), "::shared_by_threads");
                oneoff_workloads::watchdog(name, LIMIT, || {
                    (&&&Sharing::<$runner>(PhantomData)).shared_by_threads()
                });
            }
    };
    (@cases $runner:ty, $variant:ident: $($case:ident,)*) => {$(
        #[test]
        fn $case() {
            let name = concat!(module_path!(), "::", stringify!($case));
            oneoff_workloads::watchdog(name, LIMIT, cases::$case::<$runner>);
        }
    )*};
}

oneoff::for_each_backend!(conformance);

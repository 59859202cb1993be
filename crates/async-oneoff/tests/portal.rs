//! The promise suite on the portal: every case is a generic function over the runner that hosts
//! the portal, instantiated by `oneoff::for_each_backend!(portal_cases)` for every backend whose
//! feature is on (and, with `tokio-compat`, for each wrapped in `TokioCompat`), each under a
//! watchdog that names the case instead of hanging.
//!
//! CI runs this file with each backend feature plus `portal`, and with every feature. Cases
//! whose outcome depends on a `detect-*` feature assert both sides.
#![cfg(feature = "portal")]

use std::future::pending;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::Duration;

use oneoff::{AsyncContext, Backend, BlockingPortal, Error, OneOffRunner, panic_message};
use oneoff_workloads::{watchdog, woken_from_thread, work_with, yield_times};

mod common;
use common::{busy, tokio_runtimes};

/// How long any one case may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// Sends on its channel when dropped: proof, awaited by the test, that a future was cancelled.
struct DropSignal(Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

fn drop_signal() -> (Receiver<()>, DropSignal) {
    let (sender, receiver) = mpsc::channel();
    (receiver, DropSignal(sender))
}

/// A future that never completes and signals when it is dropped.
fn forever() -> (Receiver<()>, impl Future<Output = ()> + Send + 'static) {
    let (dropped, signal) = drop_signal();
    (dropped, async move {
        let _signal = signal;
        pending::<()>().await
    })
}

/// A panic payload that is not a string.
#[derive(Debug, PartialEq)]
struct PanicCode(u32);

fn unwrap_nested<T: std::fmt::Debug>(result: Result<T, Error>) -> AsyncContext {
    match result {
        Err(Error::Nested { context, .. }) => context,
        other => panic!("expected Error::Nested, got {other:?}"),
    }
}

fn unwrap_closed<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    match result {
        Err(Error::Closed { reason, .. }) => reason,
        other => panic!("expected Error::Closed, got {other:?}"),
    }
}

mod cases {
    use super::*;

    pub(crate) fn round_trip<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        assert_eq!(portal.call(async { 42 }).unwrap(), 42);
        let slept = portal.call(work_with(3, Duration::from_millis(1), io::sink()));
        assert_eq!(slept.unwrap(), 300);
        portal
            .call(async {
                yield_times(10).await;
                woken_from_thread().await
            })
            .unwrap();
        assert_eq!(portal.spawn(async { 7 }).unwrap().join().unwrap(), 7);
        // A task awaited from async code that runs elsewhere.
        let task = portal.spawn(async { 8 }).unwrap();
        assert_eq!(oneoff::run(task).unwrap().unwrap(), 8);
        // Clones talk to the same thread; the portal is Send + Sync.
        fn send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
        send_sync(&portal);
        let clone = portal.clone();
        assert_eq!(
            thread::spawn(move || clone.call(async { 9 }))
                .join()
                .unwrap()
                .unwrap(),
            9
        );
        assert!(format!("{portal:?}").contains(R::NAME));
        portal.close().unwrap();
    }

    /// Calls wait on the portal concurrently, on every backend: sixteen calls that each wait
    /// for all sixteen to have started can only finish together.
    pub(crate) fn sixteen_threads_at_once<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let gate = Arc::new(smol::lock::Barrier::new(16));
        let threads: Vec<_> = (0..16u64)
            .map(|i| {
                let (portal, gate) = (portal.clone(), Arc::clone(&gate));
                thread::spawn(move || {
                    let met = portal.call(async move { gate.wait().await.is_leader() });
                    let results: Vec<u64> = (0..50)
                        .map(|_| {
                            let work = work_with(i, Duration::from_micros(200), io::sink());
                            portal.call(work).unwrap()
                        })
                        .collect();
                    (met.unwrap(), results)
                })
            })
            .collect();
        let mut leaders = 0;
        for (i, thread) in threads.into_iter().enumerate() {
            let (leader, results) = thread.join().expect("a calling thread panicked");
            leaders += usize::from(leader);
            assert!(results.iter().all(|&r| r == i as u64 * 100), "thread {i}");
        }
        assert_eq!(leaders, 1, "the sixteen calls did not meet");
    }

    pub(crate) fn panic_reaches_the_caller<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let payload = catch_unwind(AssertUnwindSafe(|| {
            portal.call(async {
                yield_times(2).await;
                panic!("portal boom {}", 1)
            })
        }))
        .expect_err("the panic must unwind out of call");
        assert_eq!(panic_message(payload.as_ref()), "portal boom 1");

        let err = portal
            .try_call(async { std::panic::panic_any(PanicCode(3)) })
            .unwrap_err();
        assert!(
            matches!(&err, Error::Panicked { backend, .. } if *backend == R::NAME),
            "{err:?}"
        );
        assert_eq!(
            err.into_panic().downcast_ref::<PanicCode>(),
            Some(&PanicCode(3))
        );

        let err = portal
            .spawn(async { panic!("portal task boom") })
            .unwrap()
            .join()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the future panicked on {}: portal task boom", R::NAME)
        );
        // The portal stays usable, also for a panic under a timeout.
        let payload = catch_unwind(AssertUnwindSafe(|| {
            portal.call_timeout(async { panic!("timed boom") }, Duration::from_secs(30))
        }))
        .expect_err("call_timeout unwinds too");
        assert_eq!(panic_message(payload.as_ref()), "timed boom");
        assert_eq!(portal.call(async { 5 }).unwrap(), 5);
    }

    /// The portal's own thread may not wait for the portal; spawning and awaiting may.
    pub(crate) fn nested_on_its_own_thread<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let inner = portal.clone();
        let nested = portal.call(async move { inner.call(async { 1 }) }).unwrap();
        assert_eq!(unwrap_nested(nested), AsyncContext::Oneoff(R::BACKEND));
        let inner = portal.clone();
        let joined = portal
            .call(async move { inner.spawn(async { 2 }).unwrap().join() })
            .unwrap();
        unwrap_nested(joined);
        let inner = portal.clone();
        let timed = portal
            .call(async move { inner.call_timeout(async { 3 }, Duration::from_secs(1)) })
            .unwrap();
        unwrap_nested(timed);
        let inner = portal.clone();
        let awaited = portal
            .call(async move { inner.spawn(async { 4 }).unwrap().await })
            .unwrap();
        assert_eq!(awaited.unwrap(), 4);
        // Any other oneoff run on the calling thread refuses too.
        for outer in Backend::ALL {
            let inner = portal.clone();
            let nested = outer.run(async move { inner.call(async { 5 }) }).unwrap();
            assert_eq!(unwrap_nested(nested), AsyncContext::Oneoff(outer.info()));
        }
        assert_eq!(portal.call(async { 6 }).unwrap(), 6);
        // Dropping the last handle on the portal's own thread closes the portal without
        // waiting for the thread it runs on (which would never end).
        let (dropped, never) = forever();
        portal.spawn(never).unwrap().detach();
        let (go, gone) = mpsc::channel::<()>();
        let last = portal.clone();
        let dropping = async move {
            gone.recv().unwrap();
            drop(last);
        };
        portal.spawn(dropping).unwrap().detach();
        drop(portal);
        go.send(()).unwrap();
        dropped
            .recv()
            .expect("a call outlived the last handle, dropped on the portal's thread");
    }

    /// In tokio: an error in a current-thread runtime's async code (with `detect-tokio`),
    /// `block_in_place` in a multi-thread task, plain waiting in `spawn_blocking`.
    pub(crate) fn in_tokio<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let [current, multi] = tokio_runtimes();
        let in_current = current.block_on({
            let portal = portal.clone();
            async move { portal.call(async { 1 }) }
        });
        let in_task = multi.block_on({
            let portal = portal.clone();
            async move {
                tokio::spawn(async move {
                    let called = portal.call(async { 2 });
                    // Other tasks of the runtime kept running meanwhile (block_in_place).
                    tokio::task::yield_now().await;
                    called
                })
                .await
                .unwrap()
            }
        });
        assert_eq!(in_task.unwrap(), 2);
        if cfg!(feature = "detect-tokio") {
            assert_eq!(unwrap_nested(in_current), AsyncContext::Tokio);
            // From async code, spawn and await instead.
            let awaited = current.block_on({
                let portal = portal.clone();
                async move { portal.spawn(async { 3 }).unwrap().await }
            });
            assert_eq!(awaited.unwrap(), 3);
        } else {
            // Not recognised: the call blocks the runtime's thread until the portal answers.
            assert_eq!(in_current.unwrap(), 1);
        }
        for runtime in [current, multi] {
            let portal = portal.clone();
            let in_blocking = runtime.block_on(async move {
                tokio::task::spawn_blocking(move || portal.call(async { 4 }))
                    .await
                    .unwrap()
            });
            assert_eq!(in_blocking.unwrap(), 4);
        }
    }

    pub(crate) fn timeout_cancels_the_call<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let (dropped, never) = forever();
        let err = portal
            .call_timeout(never, Duration::from_millis(20))
            .unwrap_err();
        assert!(
            matches!(err, Error::Timeout { backend, .. } if backend == R::NAME),
            "{err:?}"
        );
        dropped
            .recv()
            .expect("the timed-out future was not dropped");

        // A future that never goes idle is cancelled too.
        let (dropped, signal) = drop_signal();
        let err = portal.call_timeout(
            async move {
                let _signal = signal;
                busy().await
            },
            Duration::from_millis(20),
        );
        assert!(matches!(err, Err(Error::Timeout { .. })), "{err:?}");
        dropped.recv().expect("the busy future was not dropped");

        let (dropped, never) = forever();
        let task = portal.spawn(never).unwrap();
        let err = task.join_timeout(Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        dropped.recv().expect("the timed-out task was not dropped");

        let (dropped, never) = forever();
        portal.spawn(never).unwrap().cancel();
        dropped.recv().expect("the cancelled task was not dropped");

        // A quick call beats its timeout, and the portal is still usable.
        let quick = portal.call_timeout(
            work_with(2, Duration::from_millis(1), io::sink()),
            Duration::from_secs(30),
        );
        assert_eq!(quick.unwrap(), 200);
    }

    /// `call_timeout` returns when its time is up even while another call blocks the portal's
    /// thread inside a poll.
    pub(crate) fn timeout_with_the_thread_stuck<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let (release, released) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        let stuck = portal
            .spawn(async move {
                started.send(()).unwrap();
                released.recv().unwrap();
            })
            .unwrap();
        has_started.recv().unwrap();
        let err = portal.call_timeout(async { 1 }, Duration::from_millis(20));
        assert!(matches!(err, Err(Error::Timeout { .. })), "{err:?}");
        release.send(()).unwrap();
        stuck.join().unwrap();
        assert_eq!(portal.call(async { 2 }).unwrap(), 2);
    }

    /// Closing cancels what is left; later calls get an error that says so.
    pub(crate) fn close_cancels_what_is_left<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let leftovers: Vec<_> = (0..3)
            .map(|_| {
                let (dropped, never) = forever();
                portal.spawn(never).unwrap().detach();
                dropped
            })
            .collect();
        let (dropped, never) = forever();
        let task = portal.spawn(never).unwrap();
        // A caller waiting on another thread when the portal closes.
        let (entered, has_entered) = mpsc::channel();
        let waiting = thread::spawn({
            let portal = portal.clone();
            move || {
                portal.call(async move {
                    entered.send(()).unwrap();
                    pending::<()>().await
                })
            }
        });
        has_entered.recv().unwrap();
        assert!(!portal.is_closed());

        portal.close().unwrap();
        assert!(portal.is_closed());
        for dropped in leftovers {
            dropped.recv().expect("a leftover call outlived the portal");
        }
        dropped.recv().unwrap();
        let during = unwrap_closed(task.join());
        assert_eq!(during, "the call was cancelled when the portal was closed");
        assert_eq!(unwrap_closed(waiting.join().unwrap()), during);

        let later = portal.call(async { 1 });
        let message = later.as_ref().unwrap_err().to_string();
        assert_eq!(unwrap_closed(later), "it was closed before this call");
        assert_eq!(
            message,
            format!(
                "the portal on {} is closed: it was closed before this call; open a new portal \
                 for later calls",
                R::NAME
            )
        );
        assert!(matches!(portal.spawn(async {}), Err(Error::Closed { .. })));
        // Closing again is harmless.
        portal.close().unwrap();

        // Dropping the last handle closes too.
        let portal = BlockingPortal::<R>::new().unwrap();
        let (dropped, never) = forever();
        let task = portal.spawn(never).unwrap();
        drop(portal);
        dropped.recv().expect("a call outlived the dropped portal");
        unwrap_closed(task.join());
    }

    /// A close that cannot end the thread in time says so, and the thread ends later.
    pub(crate) fn close_within_a_bound<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let (release, released) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        portal
            .spawn(async move {
                started.send(()).unwrap();
                released.recv().unwrap();
            })
            .unwrap()
            .detach();
        has_started.recv().unwrap();
        let err = portal.close_within(Duration::from_millis(20)).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        assert!(portal.is_closed());
        release.send(()).unwrap();
        portal.close().unwrap();
    }

    /// A call that blocks the portal's thread inside its poll, and a way to free it.
    fn stick<R: OneOffRunner + 'static>(
        portal: &BlockingPortal<R>,
    ) -> (oneoff::PortalTask<&'static str>, Sender<()>) {
        let (release, released) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        let task = portal
            .spawn(async move {
                started.send(()).unwrap();
                // Blocks the thread, not the task: nothing else on the portal runs meanwhile.
                let _ = released.recv();
                "freed"
            })
            .unwrap();
        has_started.recv().unwrap();
        (task, release)
    }

    /// Runs `wait` on a thread of its own and returns what it returned within `bound`, naming
    /// `what` when it is still blocked then.
    fn within<T: Send + 'static>(
        what: &str,
        bound: Duration,
        wait: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || sender.send(wait()));
        receiver
            .recv_timeout(bound)
            .unwrap_or_else(|_| panic!("{what} still blocked after {bound:?}"))
    }

    /// Closing with the portal's thread stuck in a call fails every waiter with `Closed` within
    /// the close's bound, the stuck call's own caller included; the calls queued behind it
    /// never run, also once the thread is freed.
    pub(crate) fn close_with_the_thread_stuck<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let (stuck, release) = stick(&portal);
        let ran = Arc::new(AtomicUsize::new(0));
        let counted = |ran: &Arc<AtomicUsize>| {
            let ran = Arc::clone(ran);
            async move { ran.fetch_add(1, Ordering::SeqCst) }
        };
        let queued = portal.spawn(counted(&ran)).unwrap();
        let awaited = portal.spawn(counted(&ran)).unwrap();
        let joiner = thread::spawn(move || queued.join());
        let awaiter = thread::spawn(move || oneoff::run(awaited).unwrap());
        let (calling, called) = mpsc::channel();
        let caller = thread::spawn({
            let (portal, work) = (portal.clone(), counted(&ran));
            move || {
                calling.send(()).unwrap();
                portal.call(work)
            }
        });
        called.recv().unwrap();

        let bound = Duration::from_millis(300);
        let err = portal.close_within(bound).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        // The thread is still stuck; the waiters are answered all the same.
        let closed = Duration::from_secs(10);
        let during = "the call was cancelled when the portal was closed";
        assert_eq!(
            unwrap_closed(within("join", closed, move || joiner.join().unwrap())),
            during
        );
        assert_eq!(
            unwrap_closed(within("await", closed, move || awaiter.join().unwrap())),
            during
        );
        // Sent before or after the close, depending on the caller thread's pace.
        unwrap_closed(within("call", closed, move || caller.join().unwrap()));
        assert_eq!(
            unwrap_closed(within("the stuck call", closed, move || stuck.join())),
            during
        );
        assert_eq!(
            unwrap_closed(portal.call(async { 1 })),
            "it was closed before this call"
        );

        release.send(()).unwrap();
        // Closing again waits for the freed thread, which drops what was queued unpolled.
        portal.close().unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            0,
            "a call queued before the close ran"
        );
    }

    /// Dropping the last handle with the portal's thread stuck answers every waiter with
    /// `Closed` at once, while the drop waits (up to `CLOSE_TIMEOUT`) for the thread; after a
    /// `close_within` that timed out, dropping does not wait for the thread again.
    pub(crate) fn drop_with_the_thread_stuck<R: OneOffRunner + 'static>() {
        let portal = BlockingPortal::<R>::new().unwrap();
        let (stuck, release) = stick(&portal);
        let queued = portal.spawn(async { 1 }).unwrap();
        let dropping = thread::spawn(move || drop(portal));
        let bound = oneoff::CLOSE_TIMEOUT;
        unwrap_closed(within("join", bound, move || queued.join()));
        unwrap_closed(within("the stuck call", bound, move || stuck.join()));
        release.send(()).unwrap();
        dropping.join().unwrap();

        let portal = BlockingPortal::<R>::new().unwrap();
        let (stuck, release) = stick(&portal);
        let err = portal.close_within(Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        // The bug waited the whole CLOSE_TIMEOUT (5 s) here a second time.
        within(
            "a drop after a timed-out close",
            Duration::from_secs(4),
            move || drop(portal),
        );
        unwrap_closed(stuck.join());
        release.send(()).unwrap();
    }

    /// A stress test of the portal's hand-made handshake between callers and the close (a
    /// call is refused or registered under the lock the close takes; its outcome is given
    /// once, by the call or by the close, whichever comes first): eight threads call, join and
    /// await calls in a loop while the test closes the portal after a number of calls that
    /// varies from round to round, 30 rounds. It catches a lost wake-up between a call's
    /// outcome and its waiter, blocked or awaiting (an outcome stored after the waiter was told
    /// hangs it within a round or two, and the watchdog names the case), a call sent during the
    /// close that is neither refused nor answered (a hang), an outcome mixed up between calls
    /// (a wrong value), an answer that is neither the output nor `Closed`, and a call that
    /// starts after `close` returned.
    pub(crate) fn close_races_the_callers<R: OneOffRunner + 'static>() {
        const THREADS: u64 = 8;
        const ROUNDS: u64 = 30;
        for round in 0..ROUNDS {
            let portal = BlockingPortal::<R>::new().unwrap();
            let started = Arc::new(AtomicUsize::new(0));
            let gate = Arc::new(std::sync::Barrier::new(THREADS as usize + 1));
            let callers: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let (portal, started) = (portal.clone(), Arc::clone(&started));
                    let gate = Arc::clone(&gate);
                    thread::spawn(move || {
                        gate.wait();
                        // Every call before the first `Closed` was answered with its output.
                        for i in 0.. {
                            let value = thread << 32 | i;
                            let started = Arc::clone(&started);
                            let work = async move {
                                started.fetch_add(1, Ordering::SeqCst);
                                yield_times((i % 3) as u32).await;
                                value
                            };
                            let outcome = match i % 3 {
                                0 => portal.call(work),
                                1 => portal.spawn(work).and_then(oneoff::PortalTask::join),
                                _ => portal.spawn(work).and_then(|task| oneoff::run(task)?),
                            };
                            match outcome {
                                Ok(output) => assert_eq!(output, value, "round {round}"),
                                Err(Error::Closed { .. }) => return i as usize,
                                Err(err) => panic!("round {round}, call {i}: {err:?}"),
                            }
                        }
                        unreachable!("the loop ends with the portal")
                    })
                })
                .collect();
            gate.wait();
            let close_after = (round * 7 % 50) as usize;
            while started.load(Ordering::SeqCst) < close_after {
                thread::yield_now();
            }
            portal.close().unwrap();
            let at_close = started.load(Ordering::SeqCst);
            let answered: usize = callers.into_iter().map(|c| c.join().unwrap()).sum();
            assert!(
                answered <= at_close,
                "round {round}: more outputs than calls"
            );
            assert_eq!(
                started.load(Ordering::SeqCst),
                at_close,
                "round {round}: a call started after close returned"
            );
        }
    }

    /// With `TokioCompat`, the portal runs tokio futures on any backend: tokio's timer, a
    /// loopback TCP round trip, and `tokio::spawn`.
    #[cfg(feature = "tokio-compat")]
    pub(crate) fn tokio_futures_through_compat<R: OneOffRunner + 'static>() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let portal = BlockingPortal::<oneoff::TokioCompat<R>>::new().unwrap();
        let slept = portal.call(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            1
        });
        assert_eq!(slept.unwrap(), 1);
        let echoed = portal.call(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let address = listener.local_addr()?;
            let server = tokio::spawn(async move {
                let (mut stream, _) = listener.accept().await?;
                let mut buffer = [0; 4];
                stream.read_exact(&mut buffer).await?;
                stream.write_all(&buffer).await?;
                io::Result::Ok(())
            });
            let mut client = tokio::net::TcpStream::connect(address).await?;
            client.write_all(b"ping").await?;
            let mut buffer = [0; 4];
            client.read_exact(&mut buffer).await?;
            server.await.unwrap()?;
            io::Result::Ok(buffer)
        });
        assert_eq!(&echoed.unwrap().unwrap(), b"ping");
    }
}

/// A runner whose runtime dies on demand: it drives like futures-lite, and panics at the first
/// poll after its switch is thrown, as a runtime with a bug would.
mod fragile {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    use oneoff::{Error, OneOffRunner};
    use oneoff_core::Entered;

    pub(crate) static KILL: AtomicBool = AtomicBool::new(false);

    pub(crate) struct Fragile;

    impl OneOffRunner for Fragile {
        const BACKEND: &'static oneoff::BackendInfo =
            &oneoff::BackendInfo::new("fragile", oneoff::Escape::Await, oneoff::NativeIo::None);

        fn new() -> Result<Self, Error> {
            Ok(Fragile)
        }

        fn drive<F: Future>(&self, _: Entered, future: F) -> Result<F::Output, Error> {
            let mut future = pin!(future);
            Ok(futures_lite::future::block_on(poll_fn(|cx| {
                assert!(!KILL.load(Ordering::SeqCst), "the fragile runtime died");
                future.as_mut().poll(cx)
            })))
        }

        fn drive_timeout<F: Future>(
            &self,
            entered: Entered,
            f: F,
            _: Instant,
        ) -> Result<Option<F::Output>, Error> {
            self.drive(entered, f).map(Some)
        }
    }

    /// A second runner whose `new` fails, and a third whose `new` panics.
    pub(crate) struct Refuses;

    impl OneOffRunner for Refuses {
        const BACKEND: &'static oneoff::BackendInfo =
            &oneoff::BackendInfo::new("refuses", oneoff::Escape::Await, oneoff::NativeIo::None);

        fn new() -> Result<Self, Error> {
            Err(Error::Start {
                backend: Self::NAME,
                source: std::io::Error::other("no runtime today"),
            })
        }

        fn drive<F: Future>(&self, _: Entered, _: F) -> Result<F::Output, Error> {
            unreachable!("never built")
        }

        fn drive_timeout<F: Future>(
            &self,
            _: Entered,
            _: F,
            _: Instant,
        ) -> Result<Option<F::Output>, Error> {
            unreachable!("never built")
        }
    }

    pub(crate) struct Panics;

    impl OneOffRunner for Panics {
        const BACKEND: &'static oneoff::BackendInfo =
            &oneoff::BackendInfo::new("panics", oneoff::Escape::Await, oneoff::NativeIo::None);

        fn new() -> Result<Self, Error> {
            panic!("no runtime at all")
        }

        fn drive<F: Future>(&self, _: Entered, _: F) -> Result<F::Output, Error> {
            unreachable!("never built")
        }

        fn drive_timeout<F: Future>(
            &self,
            _: Entered,
            _: F,
            _: Instant,
        ) -> Result<Option<F::Output>, Error> {
            unreachable!("never built")
        }
    }
}

/// If the portal's thread dies, every waiting and later call gets an error, never a hang.
#[test]
fn a_dead_thread_fails_every_call() {
    use std::sync::atomic::Ordering;

    watchdog("portal thread death", LIMIT, || {
        let portal = BlockingPortal::<fragile::Fragile>::new().unwrap();
        assert_eq!(portal.call(async { 1 }).unwrap(), 1);
        let waiting = portal.spawn(pending::<()>()).unwrap();
        fragile::KILL.store(true, Ordering::SeqCst);
        // The next poll of the runtime panics. A call sent now may still run in the poll in
        // progress, so calls are sent until one is refused.
        let died = "its thread ended with a panic of its runtime (printed above)";
        let refused = loop {
            match portal.spawn(async {}).map(|woke| woke.join()) {
                Ok(Ok(())) => continue,
                Ok(Err(err)) | Err(err) => break err,
            }
        };
        assert_eq!(unwrap_closed::<()>(Err(refused)), died);
        assert_eq!(unwrap_closed(waiting.join()), died);
        assert_eq!(unwrap_closed(portal.call(async { 2 })), died);
        assert!(portal.is_closed());
        portal.close().unwrap();
    });
}

#[test]
fn a_runner_that_cannot_start_is_an_error() {
    watchdog("portal start", LIMIT, || {
        let err = BlockingPortal::<fragile::Refuses>::new().unwrap_err();
        assert!(matches!(err, Error::Start { .. }), "{err:?}");
        let err = BlockingPortal::<fragile::Panics>::new().unwrap_err();
        assert!(
            matches!(&err, Error::Panicked { message, .. } if message == "no runtime at all"),
            "{err:?}"
        );
    });
}

/// Instantiates every case for each backend of the list, each under the watchdog, and again
/// for the backend wrapped in `TokioCompat`.
macro_rules! portal_cases {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            portal_cases!(@cases $runner, $variant);

            #[cfg(feature = "tokio-compat")]
            #[test]
            fn tokio_futures_through_compat() {
                let name = concat!(stringify!($variant), "::tokio_futures_through_compat");
                watchdog(name, LIMIT, cases::tokio_futures_through_compat::<$runner>);
            }

            #[cfg(feature = "tokio-compat")]
            mod compat {
                use super::*;

                portal_cases!(@cases oneoff::TokioCompat<$runner>, $variant);
            }
        }
    )*};
    (@cases $runner:ty, $variant:ident) => {
        portal_cases!(@each $runner, $variant:
            round_trip,
            sixteen_threads_at_once,
            panic_reaches_the_caller,
            nested_on_its_own_thread,
            in_tokio,
            timeout_cancels_the_call,
            timeout_with_the_thread_stuck,
            close_cancels_what_is_left,
            close_within_a_bound,
            close_with_the_thread_stuck,
            drop_with_the_thread_stuck,
            close_races_the_callers,
        );
    };
    (@each $runner:ty, $variant:ident: $($case:ident,)*) => {$(
        #[test]
        fn $case() {
            let name = concat!(module_path!(), "::", stringify!($case));
            watchdog(name, LIMIT, cases::$case::<$runner>);
        }
    )*};
}

oneoff::for_each_backend!(portal_cases);

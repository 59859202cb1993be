//! The workloads that oneoff's examples, tests, benches and `cargo xtask compare` all run, each
//! defined once so that every backend is measured on exactly the same work.
//!
//! Beside them, [`stats`] holds the one median and percentile that `cargo xtask compare`
//! summarises every figure with.
//!
//! The centre is [`work_with`], the classic one-off coroutine: it reports that it has started,
//! awaits a delay, reports that it is done and returns `arg * 100`. Its timer is `async-io`'s,
//! which runs under every backend (on a runtime without a reactor, `async-io` drives it from its
//! own thread), unlike `tokio::time::sleep`, which panics outside tokio.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use oneoff_workloads::work_with;
//!
//! let mut out = Vec::new();
//! let result = futures_lite::future::block_on(work_with(100, Duration::ZERO, &mut out));
//! assert_eq!(result, 10_000);
//! assert_eq!(String::from_utf8(out).unwrap(), "Coroutine has started\nCoroutine is done\n");
//! ```
//!
//! The second workload, [`fetch`], is one TCP round trip to a loopback server, written once per
//! network stack.
//!
//! ## Feature flags
//!
//! `fetch-tokio`, `fetch-async-io`, `fetch-async-std`, `fetch-compio`, `fetch-monoio`: the
//! [`fetch`] client on that network stack. The loopback server needs none.
//!
//! `matrix`: the reactor compatibility matrix's cases and outcomes, as data (what `cargo xtask
//! compare` reads); `matrix-run`: also the function that runs a case on a backend of the facade
//! (what compare's probe and `tests/matrix.rs` call).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod fetch;

#[cfg(feature = "matrix")]
#[cfg_attr(docsrs, doc(cfg(feature = "matrix")))]
pub mod matrix;

pub mod stats;

use std::future::Future;
use std::io::Write;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// The line [`work_with`] writes first.
pub const STARTED: &str = "Coroutine has started";

/// The line [`work_with`] writes last.
pub const DONE: &str = "Coroutine is done";

/// What `work(arg)` returns and the loopback server answers to `fetch(arg)`: `arg * 100`,
/// saturating, so that no argument makes it panic.
///
/// # Examples
///
/// ```
/// assert_eq!(oneoff_workloads::answer(7), 700);
/// assert_eq!(oneoff_workloads::answer(u64::MAX), u64::MAX);
/// ```
pub fn answer(arg: u64) -> u64 {
    arg.saturating_mul(100)
}

/// The classic one-off coroutine: writes [`STARTED`], awaits `delay`, writes [`DONE`] and
/// returns [`answer(arg)`](answer), `arg * 100`.
///
/// A zero `delay` still goes through the timer, which then completes at its first poll.
///
/// # Panics
///
/// When `out` fails to take a line, as `println!` does when stdout is gone.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::work_with;
///
/// let mut out = Vec::new();
/// let result = futures_lite::future::block_on(work_with(7, Duration::from_millis(1), &mut out));
/// assert_eq!(result, 700);
/// ```
pub async fn work_with<W: Write>(arg: u64, delay: Duration, mut out: W) -> u64 {
    report(&mut out, STARTED);
    async_io::Timer::after(delay).await;
    report(&mut out, DONE);
    answer(arg)
}

fn report<W: Write>(out: &mut W, line: &str) {
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .unwrap_or_else(|err| panic!("work could not write {line:?}: {err}"));
}

/// A future that returns `Pending` `times` times, waking itself each time, then `Ready(())`:
/// the cost of a runtime's wake-up path with no I/O at all.
///
/// # Examples
///
/// ```
/// use oneoff_workloads::yield_times;
///
/// futures_lite::future::block_on(yield_times(1000));
/// ```
pub fn yield_times(times: u32) -> YieldTimes {
    YieldTimes { remaining: times }
}

/// The future returned by [`yield_times`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldTimes {
    remaining: u32,
}

impl Future for YieldTimes {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A future that is woken once from another thread: at its first poll it hands its waker to a
/// helper thread that lives for the whole process, which wakes it; then it completes.
///
/// # Examples
///
/// ```
/// futures_lite::future::block_on(oneoff_workloads::woken_from_thread());
/// ```
pub fn woken_from_thread() -> WokenFromThread {
    WokenFromThread { woken: None }
}

/// The future returned by [`woken_from_thread`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WokenFromThread {
    woken: Option<Arc<AtomicBool>>,
}

impl Future for WokenFromThread {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(woken) = &self.woken
            && woken.load(Ordering::Acquire)
        {
            return Poll::Ready(());
        }
        // Hand over the current waker on every pending poll, so a runtime that changed the
        // waker between polls is still woken.
        let woken = Arc::clone(self.woken.get_or_insert_with(Default::default));
        waker_thread()
            .send((woken, cx.waker().clone()))
            .unwrap_or_else(|_| unreachable!("the waker thread never exits"));
        Poll::Pending
    }
}

/// The process-wide helper thread that wakes [`WokenFromThread`] futures.
fn waker_thread() -> &'static Sender<(Arc<AtomicBool>, Waker)> {
    static SENDER: OnceLock<Sender<(Arc<AtomicBool>, Waker)>> = OnceLock::new();
    SENDER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<(Arc<AtomicBool>, Waker)>();
        thread::Builder::new()
            .name("oneoff-waker".into())
            .spawn(move || {
                for (woken, waker) in receiver {
                    woken.store(true, Ordering::Release);
                    waker.wake();
                }
            })
            .expect("the operating system refused the oneoff-waker helper thread");
        sender
    })
}

/// Polls `future` once with [`Waker::noop`]: the floor under every `block_on`, the cost of a
/// poll with no runtime at all.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
///
/// assert_eq!(oneoff_workloads::poll_once(async { 3 }), Poll::Ready(3));
/// assert_eq!(oneoff_workloads::poll_once(std::future::pending::<u8>()), Poll::Pending);
/// ```
pub fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// Runs `case` on a thread of its own and returns its result, or panics with a message naming
/// `name` when it has not finished within `limit`: the guard around every test that could hang.
///
/// A panic inside `case` is passed on to the caller with its original payload.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::watchdog;
///
/// assert_eq!(watchdog("adds", Duration::from_secs(5), || 1 + 1), 2);
///
/// let hung = std::panic::catch_unwind(|| {
///     watchdog("sleeps", Duration::from_millis(10), || std::thread::sleep(Duration::from_secs(1)))
/// });
/// assert!(hung.is_err());
/// ```
pub fn watchdog<T, C>(name: &str, limit: Duration, case: C) -> T
where
    T: Send + 'static,
    C: FnOnce() -> T + Send + 'static,
{
    let (sender, receiver) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // The receiver is gone only when the watchdog already gave up.
            let _ = sender.send(case());
        })
        .unwrap_or_else(|err| panic!("{name}: could not start the watched thread: {err}"));
    match receiver.recv_timeout(limit) {
        Ok(value) => {
            let _ = worker.join();
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("{name} hung: no result after {limit:?} (watchdog)")
        }
        Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the watched thread sends before it returns"),
        },
    }
}

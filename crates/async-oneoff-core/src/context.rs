//! Knowing whether the calling thread already runs async code, so that a blocking call can
//! refuse with [`Error::Nested`] instead of panicking or deadlocking.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use crate::{BackendInfo, Error, Escape};

thread_local! {
    /// The backend of the oneoff run in progress on this thread, if any. A `const` thread-local
    /// of a type without a destructor: it is never destroyed, so it can be read and written
    /// from other thread-locals' destructors too.
    static RUNNING: Cell<Option<&'static BackendInfo>> = const { Cell::new(None) };
}

/// An async context that is running on the calling thread.
///
/// # Examples
///
/// ```
/// use oneoff_core::{AsyncContext, BackendInfo, Escape, NativeIo, current_context};
///
/// static DEMO: BackendInfo = BackendInfo::new("demo", Escape::Await, NativeIo::None);
///
/// assert_eq!(current_context(), None);
/// assert_eq!(AsyncContext::Oneoff(&DEMO).to_string(), "a oneoff run on demo");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsyncContext {
    /// A oneoff run on this backend.
    Oneoff(&'static BackendInfo),
    /// A tokio current-thread runtime driving this thread: its `block_on` or one of its tasks,
    /// a `LocalSet` or a `LocalRuntime` there, and its hooks (`on_thread_park`) and task
    /// destructors. Its `spawn_blocking` threads and code under `Runtime::enter` are not async
    /// contexts: blocking is allowed there.
    Tokio,
    /// A tokio multi-thread runtime driving this thread: a worker (running a task, a hook, or
    /// dropping tasks at shutdown), or its `block_on` (a `LocalSet` there included); not its
    /// `spawn_blocking` threads nor `tokio::task::block_in_place`.
    TokioMultiThread,
    /// An async-std task or `async_std::task::block_on`.
    AsyncStd,
    /// `futures::executor::block_on` or one of the `futures` executors.
    FuturesExecutor,
}

impl AsyncContext {
    /// What the user can do besides awaiting, appended to the nested-call message.
    pub(crate) fn escape_hint(self) -> &'static str {
        match self {
            AsyncContext::Oneoff(backend) => backend.escape(),
            AsyncContext::TokioMultiThread => Escape::BlockInPlace,
            AsyncContext::Tokio => Escape::SpawnBlocking,
            AsyncContext::AsyncStd | AsyncContext::FuturesExecutor => Escape::Await,
        }
        .hint()
    }
}

impl fmt::Display for AsyncContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsyncContext::Oneoff(backend) => write!(f, "a oneoff run on {backend}"),
            AsyncContext::Tokio => f.write_str("a running tokio current-thread runtime"),
            AsyncContext::TokioMultiThread => f.write_str("a running tokio multi-thread runtime"),
            AsyncContext::AsyncStd => f.write_str("an async-std task"),
            AsyncContext::FuturesExecutor => f.write_str("a futures executor"),
        }
    }
}

/// The async context running on the calling thread, if any: oneoff's own runs always, foreign
/// runtimes as far as this crate's `detect-*` features are enabled.
///
/// Nothing is printed and nothing panics, also where the thread's thread-locals are being
/// destroyed (a runtime whose own thread-locals are gone counts as not running).
///
/// # Examples
///
/// ```
/// use oneoff_core::{AsyncContext, BackendInfo, Escape, NativeIo, current_context, enter};
///
/// static DEMO: BackendInfo = BackendInfo::new("demo", Escape::Await, NativeIo::None);
///
/// let entered = enter(&DEMO).unwrap();
/// assert_eq!(current_context(), Some(AsyncContext::Oneoff(&DEMO)));
/// drop(entered);
/// assert_eq!(current_context(), None);
/// ```
#[inline]
pub fn current_context() -> Option<AsyncContext> {
    if let Some(backend) = RUNNING.get() {
        return Some(AsyncContext::Oneoff(backend));
    }
    #[cfg(feature = "detect-tokio")]
    if let Some(context) = tokio_context::context() {
        return Some(context);
    }
    #[cfg(feature = "detect-async-std")]
    if async_std::task::try_current().is_some() {
        return Some(AsyncContext::AsyncStd);
    }
    #[cfg(feature = "detect-futures-executor")]
    if futures_executor::enter().is_err() {
        return Some(AsyncContext::FuturesExecutor);
    }
    None
}

/// Whether tokio drives the calling thread, read with tokio's public API only, without side
/// effects, printing or panicking.
///
/// A tokio handle is set on every thread of a runtime, blocking ones included, so the handle
/// alone cannot tell a task from a `spawn_blocking` closure. What tokio itself decides (it
/// refuses to block where it "entered" the runtime) is public in two ways:
///
/// - `tokio::runtime::worker_index()` is `Some` exactly where tokio has entered the runtime and
///   runs its scheduler on this thread: a current-thread runtime's `block_on` (with its tasks,
///   its `LocalSet`s, a `LocalRuntime`) and everything a multi-thread worker does (its tasks,
///   `unconstrained` ones included, its `on_thread_park` hook, the tasks it drops at shutdown).
///   `block_in_place` leaves the runtime, `spawn_blocking` and `Runtime::enter` never enter it.
/// - Where tokio polls a future without a scheduler (a multi-thread runtime's `block_on`, any
///   `Handle::block_on`, and a `LocalSet` they drive), it gives every poll a cooperative
///   budget, and it runs `spawn_blocking` closures, `block_in_place` and code under
///   `Runtime::enter` without one. The budget is read by spending it: see [`budgeted`].
#[cfg(feature = "detect-tokio")]
mod tokio_context {
    use std::cell::Cell;
    use std::task::{Context, Poll, Waker};

    use tokio::runtime::{Handle, RuntimeFlavor};
    use tokio::task::coop::poll_proceed;

    use crate::{AsyncContext, BackendInfo, Error};

    thread_local! {
        /// Whether a tokio task polled on this thread was once found without a budget and
        /// without a scheduler: the thread is one of a runtime's blocking threads
        /// (`spawn_blocking`, `block_in_place`), and later checks in a task there skip the
        /// budget. A `const` thread-local without a destructor, as `RUNNING` is.
        static BLOCKING_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    /// The tokio runtime polling a future on this thread, if any.
    #[inline]
    pub(super) fn context() -> Option<AsyncContext> {
        // Only a thread with a handle reads further; one whose tokio thread-locals are already
        // destroyed has none (and no tokio runtime can run there).
        let handle = Handle::try_current().ok()?;
        with_handle(&handle)
    }

    /// [`context`] on a thread where tokio's `handle` is set.
    #[inline(never)]
    fn with_handle(handle: &Handle) -> Option<AsyncContext> {
        let context = flavour(handle);
        if tokio::runtime::worker_index().is_some() {
            return Some(context);
        }
        let in_task = tokio::task::try_id().is_some();
        if in_task && BLOCKING_THREAD.get() {
            return None;
        }
        if budgeted() {
            return Some(context);
        }
        if in_task {
            BLOCKING_THREAD.set(true);
        }
        None
    }

    /// What [`tokio_block_on`](super::tokio_block_on) checks before it lets tokio block: tokio's
    /// thread-locals are there, and tokio runs no scheduler on this thread.
    #[inline]
    pub(super) fn before_block_on(backend: &'static BackendInfo) -> Result<(), Error> {
        match Handle::try_current() {
            Ok(handle) if tokio::runtime::worker_index().is_some() => Err(Error::Nested {
                backend: backend.name(),
                context: flavour(&handle),
            }),
            Err(missing) if missing.is_thread_local_destroyed() => Err(Error::Unsupported {
                backend: backend.name(),
                reason: "this thread is ending and tokio's thread-local context is already \
                         destroyed (the call comes from a thread-local's destructor), so no \
                         tokio runtime can run here; make the call before the thread ends, or \
                         use a backend that keeps nothing in thread-locals (pollster)",
            }),
            _ => Ok(()),
        }
    }

    /// The context that tokio refused to block in: the runtime of the thread's handle.
    pub(super) fn refusing() -> AsyncContext {
        match Handle::try_current() {
            Ok(handle) => flavour(&handle),
            Err(_) => AsyncContext::Tokio,
        }
    }

    /// The context of a runtime of `handle`'s flavour.
    fn flavour(handle: &Handle) -> AsyncContext {
        match handle.runtime_flavor() {
            RuntimeFlavor::MultiThread => AsyncContext::TokioMultiThread,
            _ => AsyncContext::Tokio,
        }
    }

    /// Whether tokio gives the code running on this thread a cooperative budget.
    ///
    /// The budget is read with the public `tokio::task::coop::poll_proceed`: spending it either
    /// runs out (a budget is at most 255) or never does (no budget), and the first step's
    /// `RestoreOnPending` guard puts the budget back as it was. Run only where no scheduler
    /// runs on this thread, so that a budget run dry wakes the no-op waker at once instead of
    /// handing it to a scheduler. The cost is in the steps (all 256 where there is no budget),
    /// which is why a blocking thread is remembered.
    #[cold]
    fn budgeted() -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        match poll_proceed(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(first) => {
                // Each later step is marked as progress so that it stays spent; dropping
                // `first` then restores the budget to what it was before the first step.
                let runs_out = (0..=u8::MAX).any(|_| match poll_proceed(&mut cx) {
                    Poll::Pending => true,
                    Poll::Ready(step) => {
                        step.made_progress();
                        false
                    }
                });
                drop(first);
                runs_out
            }
        }
    }
}

/// Runs `future` with `block_on`, a tokio runtime's (or handle's) `block_on`, and returns tokio's
/// refusal to block on the calling thread as an error instead of tokio's panic: for the tokio
/// backends, so that what tokio itself decides backs the nested-call check.
///
/// - Where tokio's thread-locals are already destroyed (a call from another thread-local's
///   destructor), no tokio runtime can run: [`Error::Unsupported`].
/// - Where tokio runs its scheduler on this thread (see [`current_context`]): [`Error::Nested`],
///   before `block_on` is called. This is what a token made elsewhere and carried into async
///   code meets.
/// - Anywhere else tokio refuses (its "Cannot start a runtime from within a runtime", or
///   `tokio::task::block_in_place`'s "can call blocking only when running on the
///   multi-threaded runtime"), it does so before it polls the future: `future` is pinned here,
///   outside `block_on`, so it survives the refusal unpolled, is dropped, and the call returns
///   [`Error::Nested`]. This relies on unwinding (with `panic = "abort"` the refusal aborts the
///   process, as it would without oneoff), and the process's panic hook prints tokio's message
///   first. The check in front of every call recognises every context where tokio refuses but
///   these: code inside `tokio::task::coop::unconstrained` that a multi-thread runtime's
///   `block_on` polls, and a `LocalSet` that `Handle::block_on` drives on a blocking thread
///   where a oneoff call was made before (see `docs/promises.md`).
///
/// A panic of the future itself unwinds out of this call unchanged.
///
/// # Examples
///
/// ```
/// use oneoff_core::{BackendInfo, Error, Escape, NativeIo, tokio_block_on};
///
/// static DEMO: BackendInfo = BackendInfo::new("demo", Escape::Await, NativeIo::Tokio);
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let one = tokio_block_on(&DEMO, async { 1 }, |future| runtime.block_on(future));
/// assert_eq!(one.unwrap(), 1);
///
/// let other = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let nested = runtime.block_on(async {
///     tokio_block_on(&DEMO, async { 2 }, |future| other.block_on(future))
/// });
/// assert!(matches!(nested, Err(Error::Nested { .. })));
/// ```
#[cfg(feature = "detect-tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "detect-tokio")))]
pub fn tokio_block_on<F, B>(
    backend: &'static BackendInfo,
    future: F,
    block_on: B,
) -> Result<F::Output, Error>
where
    F: std::future::Future,
    B: FnOnce(std::pin::Pin<&mut dyn std::future::Future<Output = F::Output>>) -> F::Output,
{
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::pin::pin;

    tokio_context::before_block_on(backend)?;
    let polled = Cell::new(false);
    let mut future = pin!(future);
    let watched = std::future::poll_fn(|cx| {
        polled.set(true);
        future.as_mut().poll(cx)
    });
    let mut watched = pin!(watched);
    match catch_unwind(AssertUnwindSafe(|| block_on(watched.as_mut()))) {
        Ok(output) => Ok(output),
        Err(payload) if polled.get() => resume_unwind(payload),
        Err(_refused) => Err(Error::Nested {
            backend: backend.name(),
            context: tokio_context::refusing(),
        }),
    }
}

/// Marks the calling thread as running a oneoff run on `backend` until the returned token is
/// dropped, or returns [`Error::Nested`] when it already runs async code.
///
/// The token is the only way to call a backend's hooks
/// ([`OneOffRunner::drive`](crate::OneOffRunner::drive) and friends), so nothing reaches a
/// runtime's `block_on` without this check. Backends with extra blocking entry points call
/// it too.
///
/// # Examples
///
/// ```
/// use oneoff_core::{BackendInfo, Error, Escape, NativeIo, enter};
///
/// static DEMO: BackendInfo = BackendInfo::new("demo", Escape::Await, NativeIo::None);
///
/// let outer = enter(&DEMO).unwrap();
/// let inner = enter(&DEMO);
/// assert!(matches!(inner, Err(Error::Nested { backend: "demo", .. })));
/// drop(outer);
/// assert!(enter(&DEMO).is_ok());
/// ```
#[inline]
pub fn enter(backend: &'static BackendInfo) -> Result<Entered, Error> {
    if let Some(context) = current_context() {
        return Err(Error::Nested {
            backend: backend.name(),
            context,
        });
    }
    RUNNING.set(Some(backend));
    Ok(Entered {
        _not_send: PhantomData,
    })
}

/// Proof that the calling thread passed the nested-call check and is inside a oneoff run:
/// made only by [`enter`], taken by value by every backend hook, and ending the run's mark
/// when dropped, also when a panic unwinds through it.
#[must_use = "the thread counts as running async code only while the token lives"]
#[derive(Debug)]
pub struct Entered {
    /// The mark is per thread, so the token must stay on the thread that made it.
    _not_send: PhantomData<*const ()>,
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        RUNNING.set(None);
    }
}

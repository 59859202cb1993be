//! Knowing whether the calling thread already runs async code, so that a blocking call can
//! refuse with [`Error::Nested`] instead of panicking or deadlocking.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use crate::{BackendInfo, Error, Escape};

thread_local! {
    /// The backend of the oneoff run in progress on this thread, if any.
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
    /// A tokio current-thread runtime polling a future on this thread: its `block_on`, or one
    /// of its tasks. Its `spawn_blocking` threads and code under `Runtime::enter` are not
    /// async contexts: blocking is allowed there.
    Tokio,
    /// A tokio multi-thread runtime polling a future on this thread (a worker running a task,
    /// or its `block_on`); not its `spawn_blocking` threads nor `tokio::task::block_in_place`.
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
    // The handle is looked up here, on the hot path; only a thread with one reads the budget.
    #[cfg(feature = "detect-tokio")]
    if let Ok(handle) = tokio::runtime::Handle::try_current()
        && let Some(context) = tokio_context(&handle)
    {
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

/// The tokio runtime of `handle` (the calling thread's), if it is polling a future on this
/// thread.
///
/// A tokio handle is set on every thread of a runtime, blocking ones included, so the handle
/// alone cannot tell a task from a `spawn_blocking` closure. tokio's cooperative budget can:
/// tokio gives every poll it makes (of a task, or of `block_on`'s future) a budget, and runs
/// `spawn_blocking` closures, `block_in_place` and code under `Runtime::enter` without one.
/// The budget is read with the public `tokio::task::coop::poll_proceed`: spending it either
/// runs out (a budget is at most 255) or never does (no budget), and the first step's
/// `RestoreOnPending` guard puts the budget back as it was. Nothing is printed and nothing
/// panics. The one blind spot: a future wrapped in `tokio::task::coop::unconstrained` runs
/// without a budget, so it reads as a blocking context.
#[cfg(feature = "detect-tokio")]
#[cold]
fn tokio_context(handle: &tokio::runtime::Handle) -> Option<AsyncContext> {
    use std::task::{Context, Poll, Waker};
    use tokio::task::coop::poll_proceed;

    let mut cx = Context::from_waker(Waker::noop());
    let budgeted = match poll_proceed(&mut cx) {
        Poll::Pending => true,
        Poll::Ready(first) => {
            // Each later step is marked as progress so that it stays spent; dropping `first`
            // then restores the budget to what it was before the first step.
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
    };
    budgeted.then(|| match handle.runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => AsyncContext::TokioMultiThread,
        _ => AsyncContext::Tokio,
    })
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

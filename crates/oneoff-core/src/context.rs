//! Knowing whether the calling thread already runs async code, so that a blocking call can
//! refuse with [`Error::Nested`](crate::Error::Nested) instead of panicking or deadlocking.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use crate::Error;

thread_local! {
    /// The backend of the oneoff run in progress on this thread, if any.
    static RUNNING: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// An async context that is running on the calling thread.
///
/// # Examples
///
/// ```
/// use oneoff_core::{AsyncContext, current_context};
///
/// assert_eq!(current_context(), None);
/// assert_eq!(AsyncContext::Oneoff("smol").to_string(), "a oneoff run on smol");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsyncContext {
    /// A oneoff run on the named backend.
    Oneoff(&'static str),
    /// A tokio current-thread runtime: its `block_on`, one of its tasks, and also (tokio offers
    /// no way to tell them apart) its `spawn_blocking` threads and code under `Runtime::enter`.
    Tokio,
    /// A tokio multi-thread runtime, in the same places as [`AsyncContext::Tokio`].
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
            AsyncContext::TokioMultiThread | AsyncContext::Oneoff("tokio-mt") => {
                ", or, if this synchronous code must block (in a task, in spawn_blocking or \
                 under Runtime::enter), call oneoff::block_in_place"
            }
            _ => "",
        }
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
/// use oneoff_core::{AsyncContext, current_context, enter};
///
/// let entered = enter("demo").unwrap();
/// assert_eq!(current_context(), Some(AsyncContext::Oneoff("demo")));
/// drop(entered);
/// assert_eq!(current_context(), None);
/// ```
#[inline]
pub fn current_context() -> Option<AsyncContext> {
    if let Some(backend) = RUNNING.get() {
        return Some(AsyncContext::Oneoff(backend));
    }
    #[cfg(feature = "detect-tokio")]
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        return Some(match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => AsyncContext::TokioMultiThread,
            _ => AsyncContext::Tokio,
        });
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

/// Marks the calling thread as running a oneoff run on `backend` until the returned guard is
/// dropped, or returns [`Error::Nested`] when it already runs async code.
///
/// Every blocking method of [`OneOffRunner`](crate::OneOffRunner) calls this first; backends
/// with extra entry points call it too.
///
/// # Examples
///
/// ```
/// use oneoff_core::{Error, enter};
///
/// let outer = enter("demo").unwrap();
/// let inner = enter("demo");
/// assert!(matches!(inner, Err(Error::Nested { .. })));
/// drop(outer);
/// assert!(enter("demo").is_ok());
/// ```
#[inline]
pub fn enter(backend: &'static str) -> Result<Entered, Error> {
    if let Some(context) = current_context() {
        return Err(Error::Nested { backend, context });
    }
    RUNNING.set(Some(backend));
    Ok(Entered {
        _not_send: PhantomData,
    })
}

/// Proof that the calling thread is inside a oneoff run; dropping it ends the run's mark, also
/// when a panic unwinds through it.
#[must_use = "the thread counts as running async code only while the guard lives"]
#[derive(Debug)]
pub struct Entered {
    /// The mark is per thread, so the guard must stay on the thread that made it.
    _not_send: PhantomData<*const ()>,
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        RUNNING.set(None);
    }
}

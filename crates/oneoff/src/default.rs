//! The default runner, picked among the enabled backends by a fixed priority, and the
//! one-shot functions that use it.

use std::future::Future;
use std::time::Duration;

use crate::{Error, OneOffRunner};

/// Declares [`Runner`] once per priority rung, with one doc comment for all of them.
macro_rules! default_runner {
    ($($when:meta => $runner:ty,)*) => {$(
        /// The default reusable runner: the first enabled backend in the priority `tokio`
        /// (current-thread), `smol`, `futures-lite`, `pollster`, `async-std`.
        ///
        /// # Examples
        ///
        /// ```
        /// use oneoff::OneOffRunner;
        ///
        /// let runner = oneoff::Runner::new()?;
        /// assert_eq!(runner.block_on(async { 1 })? + runner.block_on(async { 2 })?, 3);
        /// # Ok::<(), oneoff::Error>(())
        /// ```
        #[cfg($when)]
        pub type Runner = $runner;
    )*};
}

default_runner! {
    feature = "tokio" => crate::Tokio,
    all(not(feature = "tokio"), feature = "smol") => crate::Smol,
    all(not(any(feature = "tokio", feature = "smol")), feature = "futures-lite") => crate::FuturesLite,
    all(
        not(any(feature = "tokio", feature = "smol", feature = "futures-lite")),
        feature = "pollster"
    ) => crate::Pollster,
    all(
        not(any(feature = "tokio", feature = "smol", feature = "futures-lite", feature = "pollster")),
        feature = "async-std"
    ) => crate::AsyncStd,
}

/// Runs `future` to completion on a fresh runtime of the default backend, like Python's
/// `asyncio.run`: see [`OneOffRunner::run`].
///
/// # Examples
///
/// ```
/// assert_eq!(oneoff::run(async { "done" })?, "done");
/// # Ok::<(), oneoff::Error>(())
/// ```
pub fn run<F: Future>(future: F) -> Result<F::Output, Error> {
    Runner::run(future)
}

/// Runs the async `function` with `arg` on a fresh runtime of the default backend: see
/// [`OneOffRunner::run_with`].
///
/// # Examples
///
/// ```
/// async fn work(arg: u64) -> u64 {
///     arg * 100
/// }
///
/// assert_eq!(oneoff::run_with(work, 100)?, 10_000);
/// # Ok::<(), oneoff::Error>(())
/// ```
pub fn run_with<A, Fut, Func>(function: Func, arg: A) -> Result<Fut::Output, Error>
where
    Func: FnOnce(A) -> Fut,
    Fut: Future,
{
    Runner::run_with(function, arg)
}

/// [`run`] that gives up after `timeout`, dropping the future: see
/// [`OneOffRunner::run_timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let never = std::future::pending::<()>();
/// let err = oneoff::run_timeout(never, Duration::from_millis(10)).unwrap_err();
/// assert!(matches!(err, oneoff::Error::Timeout { .. }));
/// ```
pub fn run_timeout<F: Future>(future: F, timeout: Duration) -> Result<F::Output, Error> {
    Runner::run_timeout(future, timeout)
}

/// [`run`] that returns a panic of the future as [`Error::Panicked`]: see
/// [`OneOffRunner::try_run`].
///
/// # Examples
///
/// ```
/// let err = oneoff::try_run(async { panic!("no answer") }).unwrap_err();
/// assert!(err.to_string().ends_with("no answer"));
/// ```
pub fn try_run<F: Future>(future: F) -> Result<F::Output, Error> {
    Runner::try_run(future)
}

//! The default runner, picked among the enabled backends by the priority of the backend list,
//! and the one-shot functions that use it.

use std::future::IntoFuture;
use std::time::Duration;

use crate::Error;

/// Declares [`Runner`] once per entry of the backend list: the entry whose feature is on and
/// comes before every other entry whose feature is on. Entries that share a feature with an
/// earlier one (`tokio-mt`) never win.
macro_rules! default_runner {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        default_runner!(@rung (priority!($($name)*)) [] $($feature $runner,)*);
    };
    (@rung ($priority:expr) [$($before:literal)*] $feature:literal $runner:ty, $($rest:tt)*) => {
        /// The default reusable runner: the first enabled backend in the priority of the
        /// backend list:
        #[doc = $priority]
        /// (`tokio-mt` shares the `tokio` feature and never wins). The runners that stay on
        /// their thread come after every one that does not, so turning one of them on moves it
        /// only where no other backend but `async-std` was on. It is meant for binaries:
        /// features that other crates turn on can move it, so a library names a runner type
        /// (`oneoff::Smol`) or uses [`spawn`](crate::spawn) instead.
        ///
        /// # Examples
        ///
        /// ```
        /// let runner = oneoff::Runner::new()?; // no trait import needed
        /// assert_eq!(runner.block_on(async { 1 })? + runner.block_on(async { 2 })?, 3);
        /// # Ok::<(), oneoff::Error>(())
        /// ```
        #[cfg(all(feature = $feature, not(any($(feature = $before),*))))]
        pub type Runner = $runner;

        default_runner!(@rung ($priority) [$($before)* $feature] $($rest)*);
    };
    (@rung ($priority:expr) [$($before:literal)*]) => {};
}

/// The names of the backend list, in its order, as one line of Markdown.
macro_rules! priority {
    ($first:literal $($name:literal)*) => {
        concat!("`", $first, "`" $(, ", `", $name, "`")*)
    };
}

crate::for_each_backend!(default_runner);

/// Ctrl-C handling and debug mode for runs and runners of the default backend, like
/// `asyncio.run(coro, debug=True)` and `asyncio.Runner`: see [`oneoff_core::Options`], and
/// `.on::<oneoff::Smol>()` for another backend.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // Debug mode: a poll that blocks its thread for longer than 10 ms is reported through `log`.
/// let options = oneoff::Options::new().slow_poll(Duration::from_millis(10));
/// assert_eq!(options.run(async { 6 * 7 })?, 42);
///
/// // A runner that keeps the options, for many calls:
/// let runner = oneoff::Options::new().debug(true).runner()?;
/// assert_eq!(runner.block_on(async { 1 })?, 1);
/// # Ok::<(), oneoff::Error>(())
/// ```
pub type Options = oneoff_core::Options<Runner>;

/// Runs `future` to completion on a fresh runtime of the default backend, like Python's
/// `asyncio.run`: see [`OneOffRunner::run`](crate::OneOffRunner::run).
///
/// # Examples
///
/// ```
/// assert_eq!(oneoff::run(async { "done" })?, "done");
/// # Ok::<(), oneoff::Error>(())
/// ```
#[track_caller]
pub fn run<F: IntoFuture>(future: F) -> Result<F::Output, Error> {
    Runner::run(future)
}

/// Runs the async `function` with `arg` on a fresh runtime of the default backend: see
/// [`OneOffRunner::run_with`](crate::OneOffRunner::run_with).
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
#[track_caller]
pub fn run_with<A, Fut, Func>(function: Func, arg: A) -> Result<Fut::Output, Error>
where
    Func: FnOnce(A) -> Fut,
    Fut: IntoFuture,
{
    Runner::run_with(function, arg)
}

/// [`run`] that gives up after `timeout`, dropping the future: see
/// [`OneOffRunner::run_timeout`](crate::OneOffRunner::run_timeout).
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
#[track_caller]
pub fn run_timeout<F: IntoFuture>(future: F, timeout: Duration) -> Result<F::Output, Error> {
    Runner::run_timeout(future, timeout)
}

/// [`run`] that returns a panic of the future as [`Error::Panicked`]: see
/// [`OneOffRunner::try_run`](crate::OneOffRunner::try_run).
///
/// # Examples
///
/// ```
/// let err = oneoff::try_run(async { panic!("no answer") }).unwrap_err();
/// assert!(err.to_string().ends_with("no answer"));
/// ```
#[track_caller]
pub fn try_run<F: IntoFuture>(future: F) -> Result<F::Output, Error> {
    Runner::try_run(future)
}

//! The method form of the entry points, `future.run()`, for those who reach for pollster's
//! `future.block_on()`.

use std::future::IntoFuture;
use std::time::Duration;

use crate::{Error, OneOffRunner, Runner};

/// Runs a future with a method call: `work(100).run()?` is `oneoff::run(work(100))?`, on the
/// default [`Runner`], and [`run_on`](Self::run_on) and [`run_in`](Self::run_in) pick the
/// backend or the kept runner. Implemented for everything [`IntoFuture`].
///
/// The methods keep the promises of the functions they stand for: a call from inside running
/// async code is [`Error::Nested`], a panic unwinds with its payload (or comes back as
/// [`Error::Panicked`] from [`try_run`](Self::try_run)), a timeout drops the future.
///
/// None of its methods is called `block_on`, so a file may import it beside pollster's
/// `FutureExt` (whose method is `block_on`) and call both.
///
/// # Examples
///
/// ```
/// use oneoff::RunExt;
///
/// async fn work(arg: u64) -> u64 {
///     arg * 100
/// }
///
/// // On the default runner, like `oneoff::run(work(1))`:
/// assert_eq!(work(1).run()?, 100);
///
/// // On a kept runner, like `runner.block_on(work(2))`:
/// let runner = oneoff::Runner::new()?;
/// assert_eq!(work(2).run_in(&runner)?, 200);
/// # Ok::<(), oneoff::Error>(())
/// ```
pub trait RunExt: IntoFuture + Sized {
    /// One-shot run on a fresh runtime of the default backend: [`run`](crate::run).
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff::RunExt;
    ///
    /// assert_eq!(async { 6 * 7 }.run()?, 42);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    #[track_caller]
    fn run(self) -> Result<Self::Output, Error> {
        Runner::run(self)
    }

    /// One-shot run on a fresh runtime of backend `R`: [`OneOffRunner::run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff::RunExt;
    ///
    /// assert_eq!(async { 6 * 7 }.run_on::<oneoff::Runner>()?, 42);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    #[track_caller]
    fn run_on<R: OneOffRunner>(self) -> Result<Self::Output, Error> {
        R::run(self)
    }

    /// Runs on `runner`'s kept runtime: [`OneOffRunner::block_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff::RunExt;
    ///
    /// let runner = oneoff::Options::new().debug(true).runner()?;
    /// assert_eq!(async { 1 }.run_in(&runner)? + async { 2 }.run_in(&runner)?, 3);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    #[track_caller]
    fn run_in<R: OneOffRunner>(self, runner: &R) -> Result<Self::Output, Error> {
        runner.block_on(self)
    }

    /// One-shot run on the default backend that gives up after `timeout`:
    /// [`run_timeout`](crate::run_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use oneoff::RunExt;
    ///
    /// let err = std::future::pending::<()>().run_timeout(Duration::from_millis(5));
    /// assert!(matches!(err, Err(oneoff::Error::Timeout { .. })));
    /// ```
    #[track_caller]
    fn run_timeout(self, timeout: Duration) -> Result<Self::Output, Error> {
        Runner::run_timeout(self, timeout)
    }

    /// One-shot run on the default backend that returns a panic as [`Error::Panicked`]:
    /// [`try_run`](crate::try_run).
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff::RunExt;
    ///
    /// let err = async { panic!("no answer") }.try_run().unwrap_err();
    /// assert!(err.is_panic());
    /// ```
    #[track_caller]
    fn try_run(self) -> Result<Self::Output, Error> {
        Runner::try_run(self)
    }
}

impl<F: IntoFuture> RunExt for F {}

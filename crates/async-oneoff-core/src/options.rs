//! What a run does besides running the future, on every backend: Ctrl-C handling and debug
//! mode, the parts of `asyncio.Runner`'s behaviour that need no backend's help. [`Options`]
//! sets them and starts runs or runners with them; [`Configured`] is a runner that keeps them.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::panic::Location;
use std::time::Duration;

use crate::config::{Config, DEFAULT_SLOW_POLL};
use crate::supervise::{self, Route};
use crate::{Entered, Error, OneOffRunner, Task};

/// Runs or runners of backend `R` with Ctrl-C handling or debug mode, the options of Python's
/// `asyncio.run(coro, debug=True)` and `asyncio.Runner`. Both are off by default (debug mode
/// is on when the environment variable [`DEBUG_ENV`](crate::DEBUG_ENV) is set).
///
/// - **Ctrl-C** (`ctrl_c`, with the `ctrl-c` feature; Unix): the first SIGINT during the run
///   drops the future, so its destructors run, and the call returns [`Error::Interrupted`]; a
///   second SIGINT while that happens ends the process as the default handler would (killed
///   by SIGINT: exit status 130 in a shell). Only a run on the main thread takes SIGINT, as
///   only asyncio's runner in the main thread does: one SIGINT cancels that run and no other,
///   and a run on another thread runs without Ctrl-C handling, SIGINT doing there what it
///   does without oneoff (by default, ending the process). After the run, SIGINT does exactly
///   what it did before: ends the process where it had the default disposition, runs the
///   handler installed earlier (through `signal-hook`, tokio's `signal`, `ctrlc`, or C code),
///   stays ignored where it was (`nohup`; a run then does not take it at all); and a handler
///   installed after the run (any of those) works as if no run had been. A handler the
///   process had also runs on the Ctrl-C that cancels the run, and a second Ctrl-C is left to
///   it. A handler installed while a run is in progress is installed on top of the run's and
///   stays SIGINT's handler afterwards. Elsewhere than Unix the call returns
///   [`Error::Unsupported`].
/// - **Debug mode** ([`debug`](Self::debug), [`slow_poll`](Self::slow_poll)): every poll of
///   the future is timed, and one that takes longer than the threshold (100 ms by default, as
///   in asyncio) is reported with a `log` warning (target `oneoff`) naming the backend, the
///   duration and the caller's source location: the sign of blocking code inside async code
///   (a `std::thread::sleep`, a blocking read, a contended sync mutex).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_core::{OneOffRunner, Options};
/// # struct Spin;
/// # impl OneOffRunner for Spin {
/// #     const BACKEND: &'static oneoff_core::BackendInfo = &oneoff_core::BackendInfo::new("spin", oneoff_core::Escape::Await, oneoff_core::NativeIo::None);
/// #     fn new() -> Result<Self, oneoff_core::Error> { Ok(Spin) }
/// #     fn drive<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F) -> Result<F::Output, oneoff_core::Error> {
/// #         Ok(futures_lite::future::block_on(f))
/// #     }
/// #     fn drive_timeout<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, oneoff_core::Error> {
/// #         Ok(Some(futures_lite::future::block_on(f)))
/// #     }
/// # }
///
/// // One-shot, with a poll that blocks for 20 ms reported (through `log`) as slow:
/// let options = Options::<Spin>::new().slow_poll(Duration::from_millis(10));
/// let answer = options.run(async {
///     std::thread::sleep(Duration::from_millis(20));
///     42
/// });
/// assert_eq!(answer.unwrap(), 42);
///
/// // A runner that keeps the options:
/// let runner = Options::<Spin>::new().debug(true).runner().unwrap();
/// assert_eq!(runner.block_on(async { 7 }).unwrap(), 7);
/// ```
pub struct Options<R> {
    config: Config,
    runner: PhantomData<fn() -> R>,
}

impl<R: OneOffRunner> Options<R> {
    /// No Ctrl-C handling; debug mode only if [`DEBUG_ENV`](crate::DEBUG_ENV) is set.
    pub fn new() -> Self {
        Options {
            config: Config::from_env().clone(),
            runner: PhantomData,
        }
    }

    /// The same options for backend `S` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// # use oneoff_core::{OneOffRunner, Options};
    /// # struct A; struct B;
    /// # impl OneOffRunner for A { const BACKEND: &'static oneoff_core::BackendInfo = &oneoff_core::BackendInfo::new("a", oneoff_core::Escape::Await, oneoff_core::NativeIo::None); fn new() -> Result<Self, oneoff_core::Error> { Ok(A) }
    /// #   fn drive<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F) -> Result<F::Output, oneoff_core::Error> { Ok(futures_lite::future::block_on(f)) }
    /// #   fn drive_timeout<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, oneoff_core::Error> { Ok(Some(futures_lite::future::block_on(f))) } }
    /// # impl OneOffRunner for B { const BACKEND: &'static oneoff_core::BackendInfo = &oneoff_core::BackendInfo::new("b", oneoff_core::Escape::Await, oneoff_core::NativeIo::None); fn new() -> Result<Self, oneoff_core::Error> { Ok(B) }
    /// #   fn drive<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F) -> Result<F::Output, oneoff_core::Error> { Ok(futures_lite::future::block_on(f)) }
    /// #   fn drive_timeout<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, oneoff_core::Error> { Ok(Some(futures_lite::future::block_on(f))) } }
    /// let on_b = Options::<A>::new().debug(true).on::<B>();
    /// assert_eq!(on_b.run(async { 1 }).unwrap(), 1);
    /// ```
    pub fn on<S: OneOffRunner>(self) -> Options<S> {
        Options {
            config: self.config,
            runner: PhantomData,
        }
    }

    /// Whether the first Ctrl-C (SIGINT) during a run on the main thread cancels it with
    /// [`Error::Interrupted`], a second one ending the process; a run on another thread runs
    /// without it (see [`Options`]). Unix; elsewhere the run returns [`Error::Unsupported`].
    #[cfg(feature = "ctrl-c")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ctrl-c")))]
    pub fn ctrl_c(mut self, enabled: bool) -> Self {
        self.config.ctrl_c = enabled;
        self
    }

    /// Debug mode with asyncio's threshold: a poll that takes longer than 100 ms is reported.
    pub fn debug(mut self, enabled: bool) -> Self {
        self.config.slow_poll = enabled.then_some(DEFAULT_SLOW_POLL);
        self
    }

    /// Debug mode with the given threshold: a poll that takes longer is reported.
    pub fn slow_poll(mut self, threshold: Duration) -> Self {
        self.config.slow_poll = Some(threshold);
        self
    }

    /// One-shot run with these options: see [`OneOffRunner::run`].
    #[track_caller]
    pub fn run<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        let entered = crate::enter(R::BACKEND)?;
        supervise::call::<R, _>(
            Route::Once,
            entered,
            future.into_future(),
            &self.config,
            Location::caller(),
        )
    }

    /// One-shot run with these options that gives up after `timeout`: see
    /// [`OneOffRunner::run_timeout`].
    #[track_caller]
    pub fn run_timeout<F: IntoFuture>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        let entered = crate::enter(R::BACKEND)?;
        let runner = R::new()?;
        let call = Route::until(&runner, timeout);
        let future = future.into_future();
        supervise::call::<R, _>(call, entered, future, &self.config, Location::caller())
    }

    /// Starts a runner of `R` that keeps these options: see [`OneOffRunner::new`].
    pub fn runner(self) -> Result<Configured<R>, Error> {
        Ok(self.wrap(R::new()?))
    }

    /// A runner built another way (a backend's own builder, an adopted runtime) with these
    /// options.
    pub fn wrap(self, runner: R) -> Configured<R> {
        Configured {
            runner,
            config: self.config,
        }
    }
}

impl<R: OneOffRunner> Default for Options<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> Clone for Options<R> {
    fn clone(&self) -> Self {
        Options {
            config: self.config.clone(),
            runner: PhantomData,
        }
    }
}

impl<R: OneOffRunner> fmt::Debug for Options<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("backend", &R::NAME)
            .field("ctrl_c", &self.config.ctrl_c)
            .field("slow_poll", &self.config.slow_poll)
            .finish()
    }
}

/// A runner of backend `R` that keeps [`Options`]: every `block_on` of it handles Ctrl-C or
/// runs in debug mode as they say. Made by [`Options::runner`] or [`Options::wrap`].
///
/// It is itself a [`OneOffRunner`]; its one-shot `run` (an associated function, with no
/// options to read) is `R`'s.
#[derive(Debug)]
pub struct Configured<R> {
    runner: R,
    config: Config,
}

impl<R: OneOffRunner> Configured<R> {
    /// [`OneOffRunner::block_on`] with the options, callable without importing the trait.
    ///
    /// # Examples
    ///
    /// ```
    /// # use oneoff_core::{OneOffRunner, Options};
    /// # struct Spin;
    /// # impl OneOffRunner for Spin { const BACKEND: &'static oneoff_core::BackendInfo = &oneoff_core::BackendInfo::new("spin", oneoff_core::Escape::Await, oneoff_core::NativeIo::None); fn new() -> Result<Self, oneoff_core::Error> { Ok(Spin) }
    /// #   fn drive<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F) -> Result<F::Output, oneoff_core::Error> { Ok(futures_lite::future::block_on(f)) }
    /// #   fn drive_timeout<F: std::future::Future>(&self, _: oneoff_core::Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, oneoff_core::Error> { Ok(Some(futures_lite::future::block_on(f))) } }
    /// let runner = Options::<Spin>::new().debug(true).runner()?;
    /// assert_eq!(runner.block_on(async { 1 })?, 1);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    pub fn block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        <Self as OneOffRunner>::block_on(self, future)
    }

    /// [`OneOffRunner::block_on_timeout`] with the options, callable without importing the
    /// trait.
    #[track_caller]
    pub fn block_on_timeout<F: IntoFuture>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        <Self as OneOffRunner>::block_on_timeout(self, future, timeout)
    }

    /// [`OneOffRunner::try_block_on`] with the options, callable without importing the trait.
    #[track_caller]
    pub fn try_block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        <Self as OneOffRunner>::try_block_on(self, future)
    }
}

impl<R> Configured<R> {
    /// The runner inside.
    pub fn get_ref(&self) -> &R {
        &self.runner
    }

    /// The runner inside, without the options.
    pub fn into_inner(self) -> R {
        self.runner
    }
}

impl<R: OneOffRunner> OneOffRunner for Configured<R> {
    const BACKEND: &'static crate::BackendInfo = R::BACKEND;
    const CAN_SPAWN: bool = R::CAN_SPAWN;
    const PROVIDES_TOKIO: bool = R::PROVIDES_TOKIO;

    fn new() -> Result<Self, Error> {
        Options::new().runner()
    }

    fn drive<F: Future>(&self, entered: Entered, future: F) -> Result<F::Output, Error> {
        self.runner.drive(entered, future)
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: std::time::Instant,
    ) -> Result<Option<F::Output>, Error> {
        self.runner.drive_timeout(entered, future, deadline)
    }

    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        R::drive_once(entered, future)
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        R::spawn(future)
    }

    #[track_caller]
    fn block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        let entered = crate::enter(Self::BACKEND)?;
        let call = Route::Kept(&self.runner);
        let future = future.into_future();
        supervise::call::<R, _>(call, entered, future, &self.config, Location::caller())
    }

    #[track_caller]
    fn block_on_timeout<F: IntoFuture>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        let entered = crate::enter(Self::BACKEND)?;
        let call = Route::until(&self.runner, timeout);
        let future = future.into_future();
        supervise::call::<R, _>(call, entered, future, &self.config, Location::caller())
    }

    #[track_caller]
    fn try_block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        let location = Location::caller();
        supervise::catching(Self::NAME, || {
            let entered = crate::enter(Self::BACKEND)?;
            let call = Route::Kept(&self.runner);
            let future = future.into_future();
            supervise::call::<R, _>(call, entered, future, &self.config, location)
        })
    }
}

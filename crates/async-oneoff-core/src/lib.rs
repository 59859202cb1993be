//! The trait every oneoff backend implements: run one future to completion from synchronous code.
//!
//! Python answers "I am in sync code and need the result of one coroutine" with `asyncio.run`
//! (a fresh event loop per call) and `asyncio.Runner` (one loop kept for many calls). This crate
//! gives Rust the same two lifecycles as one trait, [`OneOffRunner`], with one error type,
//! [`Error`], and one promise on every backend: a call made from inside a running async context
//! returns [`Error::Nested`] instead of panicking or deadlocking, a timeout drops the future,
//! and a panic in the future reaches the caller with its original payload.
//!
//! Users normally depend on the `oneoff` facade crate, which picks a backend with cargo
//! features; backend crates (`async-oneoff-tokio`, `async-oneoff-smol`, ...) implement this trait.
//!
//! # Examples
//!
//! A backend implements three small methods; everything users call is provided. The methods a
//! backend implements take an [`Entered`] token, which only [`enter`] makes, so that no caller
//! reaches a runtime's `block_on` without the nested-call check:
//!
//! ```
//! use std::future::Future;
//! use std::time::Instant;
//! use oneoff_core::{BackendInfo, Entered, Error, Escape, NativeIo, OneOffRunner};
//!
//! /// Polls on the calling thread, parking it between wake-ups (like `pollster`).
//! struct Spin;
//!
//! /// Its identity: its name, nowhere to block instead of awaiting, no I/O of its own.
//! static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
//!
//! impl OneOffRunner for Spin {
//!     const BACKEND: &'static BackendInfo = &SPIN;
//!     fn new() -> Result<Self, Error> {
//!         Ok(Spin)
//!     }
//!     fn drive<F: Future>(&self, _: Entered, future: F) -> Result<F::Output, Error> {
//!         Ok(futures_lite::future::block_on(future))
//!     }
//!     fn drive_timeout<F: Future>(
//!         &self,
//!         _: Entered,
//!         future: F,
//!         deadline: Instant,
//!     ) -> Result<Option<F::Output>, Error> {
//!         let timer = async_io::Timer::at(deadline);
//!         Ok(futures_lite::future::block_on(oneoff_core::until_deadline(future, deadline, timer)))
//!     }
//! }
//!
//! assert_eq!(Spin::run(async { 6 * 7 }).unwrap(), 42);
//! assert_eq!(Spin::run_with(|x: u64| async move { x * 100 }, 100).unwrap(), 10_000);
//! ```
//!
//! The hooks cannot be called without a token,
//!
//! ```compile_fail,E0061
//! use oneoff_core::OneOffRunner;
//!
//! fn skip_the_check<R: OneOffRunner>(runner: &R) -> u32 {
//!     runner.drive(async { 1 }) // error[E0061]: this method takes 2 arguments
//! }
//! ```
//!
//! and a token cannot be made but by [`enter`], which makes the check:
//!
//! ```compile_fail,E0451
//! let forged = oneoff_core::Entered { _not_send: std::marker::PhantomData };
//! // error[E0451]: field `_not_send` of struct `Entered` is private
//! ```
//!
//! A token says that the thread ran no async code *where it was made*. One made in
//! synchronous code and moved into a future that a runtime then polls on the same thread
//! carries that answer into async code: there the tokio backends ask tokio again before they
//! block (`tokio_block_on`, feature `detect-tokio`) and return [`Error::Nested`], and the
//! other backends block the thread, as their runtime would without oneoff.
//!
//! ## Feature flags
//!
//! Each feature lets [`Error::Nested`] recognise one more kind of running async context that is
//! not one of oneoff's own runs (those are always recognised):
//!
//! - `detect-tokio`: a tokio runtime driving this thread (its `block_on`, a task, a
//!   `LocalSet`, a worker's hooks and shutdown); its `spawn_blocking` threads, `block_in_place`
//!   and `Runtime::enter` are not async contexts, so oneoff runs futures there. Also gives
//!   backends `tokio_block_on`, which turns tokio's own refusal to block into
//!   [`Error::Nested`]. It needs only tokio's `rt` feature.
//! - `detect-async-std`: an async-std task or `async_std::task::block_on`.
//! - `detect-futures-executor`: `futures::executor::block_on` and its thread pools.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cached_parker;
mod config;
mod context;
mod ctrl_c;
mod error;
mod identity;
mod needs_tokio;
mod options;
mod supervise;
mod task;
mod timeout;

pub use cached_parker::{CacheWatch, ParkerCache, block_on_cached};
pub use config::{DEBUG_ENV, DEFAULT_SLOW_POLL};
#[cfg(feature = "detect-tokio")]
pub use context::tokio_block_on;
pub use context::{AsyncContext, Entered, current_context, enter};
pub use error::{Error, PanicPayload, panic_message};
pub use identity::{BackendInfo, Escape, NativeIo};
pub use options::{Configured, Options};
pub use task::{Body, Task, TaskHandle, TaskSet, poll_unwinding, report_drop_panic};
pub use timeout::until_deadline;

use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::time::{Duration, Instant};

use config::Config;
use supervise::Route;

/// Runs one future to completion from synchronous code, on one async runtime.
///
/// A value of an implementing type is a *reusable runner*, the analogue of Python's
/// `asyncio.Runner`: [`new`](Self::new) starts the runtime once, [`block_on`](Self::block_on)
/// runs one future after another on it, and dropping the value tears the runtime down. The
/// associated function [`run`](Self::run) is the *one-shot* form, the analogue of
/// `asyncio.run`: it starts a fresh runtime, runs one future and tears the runtime down before
/// it returns.
///
/// Promises every implementation keeps (the conformance suite in the `oneoff` crate checks them
/// on every backend, in every feature configuration):
///
/// - **Thread.** The future passed in is polled on the calling thread; it need not be `Send`.
///   What other threads a runtime starts is documented on each backend type.
/// - **Nesting.** Called on a thread that is already running async code (a oneoff run on any
///   backend, or a foreign runtime that a `detect-*` feature of this crate recognises), every
///   method returns [`Error::Nested`] before touching the future. Nothing panics or deadlocks.
/// - **Panics.** A panic in the future unwinds out of the call with its original payload
///   (use the `try_` forms to get [`Error::Panicked`], payload included, instead). The runner
///   stays usable.
/// - **Timeouts.** The `_timeout` forms return [`Error::Timeout`] once the time is up, after
///   dropping the future, also when the future never stops waking itself. Tasks the future
///   spawned onto a runtime that outlives the call keep running.
///
/// Backends implement [`new`](Self::new), [`drive`](Self::drive) and
/// [`drive_timeout`](Self::drive_timeout) (and may override [`drive_once`](Self::drive_once)
/// where the runtime has a cheaper one-shot path, and [`spawn`](Self::spawn) where it can
/// spawn). Those hooks take the [`Entered`] token that only [`enter`] makes, so callers go
/// through the provided methods, which make the nesting check and handle the errors in one
/// place.
pub trait OneOffRunner: Sized {
    /// The backend's identity: a `static` [`BackendInfo`] declared once in the backend's crate
    /// (a wrapper that keeps a backend's promises names that backend's). A run in progress is
    /// recorded as [`AsyncContext::Oneoff`] with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Entered, Error, Escape, NativeIo, OneOffRunner};
    ///
    /// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
    ///
    /// struct Spin;
    /// impl OneOffRunner for Spin {
    ///     const BACKEND: &'static BackendInfo = &SPIN;
    ///     fn new() -> Result<Self, Error> { Ok(Spin) }
    ///     fn drive<F: Future>(&self, _: Entered, f: F) -> Result<F::Output, Error> {
    ///         Ok(futures_lite::future::block_on(f))
    ///     }
    ///     fn drive_timeout<F: Future>(&self, _: Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, Error> {
    ///         Ok(Some(futures_lite::future::block_on(f)))
    ///     }
    /// }
    ///
    /// assert!(std::ptr::eq(Spin::BACKEND, &SPIN));
    /// assert_eq!(Spin::NAME, "spin");
    /// ```
    const BACKEND: &'static BackendInfo;

    /// The backend's name, as used on the command line, in reports, in benchmark ids and in
    /// errors: [`BACKEND`](Self::BACKEND)'s. Not to be overridden.
    const NAME: &'static str = Self::BACKEND.name();

    /// Whether [`spawn`](Self::spawn) can succeed inside a [`block_on`](Self::block_on) of a
    /// runner of this backend. `false` (the default) means it always returns
    /// [`Error::Unsupported`]; a backend that overrides `spawn` sets it to `true`.
    const CAN_SPAWN: bool = false;

    /// Whether the runtime itself gives the future tokio's context (tokio's reactor, timer and
    /// `tokio::spawn`): `true` on the tokio backends, `false` by default. A tokio
    /// compatibility wrapper adds nothing to a backend that says `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{BackendInfo, Entered, Error, Escape, NativeIo, OneOffRunner};
    ///
    /// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
    ///
    /// struct Spin;
    /// impl OneOffRunner for Spin {
    ///     const BACKEND: &'static BackendInfo = &SPIN;
    ///     fn new() -> Result<Self, Error> { Ok(Spin) }
    ///     fn drive<F: Future>(&self, _: Entered, f: F) -> Result<F::Output, Error> {
    ///         Ok(futures_lite::future::block_on(f))
    ///     }
    ///     fn drive_timeout<F: Future>(&self, _: Entered, f: F, _: std::time::Instant) -> Result<Option<F::Output>, Error> {
    ///         Ok(Some(futures_lite::future::block_on(f)))
    ///     }
    /// }
    ///
    /// assert!(!Spin::PROVIDES_TOKIO);
    /// ```
    const PROVIDES_TOKIO: bool = false;

    /// Starts the runtime that this runner keeps until it is dropped.
    ///
    /// Fails with [`Error::Start`] when the runtime cannot be built (for example when the
    /// operating system refuses a thread or an I/O driver).
    fn new() -> Result<Self, Error>;

    /// Runs `future` to completion on this runner's runtime, blocking the calling thread.
    ///
    /// For implementors: called by [`block_on`](Self::block_on) once the nesting check has
    /// passed, with its token; keep the token alive until the future is done. Return an error
    /// (such as [`Error::Nested`] where the runtime itself refuses to block here) only before
    /// the future was first polled, and then drop it unpolled.
    fn drive<F: Future>(&self, entered: Entered, future: F) -> Result<F::Output, Error>;

    /// Like [`drive`](Self::drive), but gives up once `deadline` has passed: then the future
    /// is dropped and `Ok(None)` is returned. A future that is ready at its first poll completes
    /// even with a deadline in the past.
    ///
    /// For implementors: called by the `_timeout` methods once the nesting check has passed;
    /// [`until_deadline`] with the backend's own timer keeps the promise for busy futures.
    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error>;

    /// Starts a fresh runtime, drives `future` on it and tears the runtime down.
    ///
    /// For implementors: called by [`run`](Self::run) once the nesting check has passed;
    /// override it where the runtime has a cheaper one-shot path than `new` then `drive`.
    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        Self::new()?.drive(entered, future)
    }

    /// Spawns `future` as a task onto this backend's runtime running the calling code (the
    /// `asyncio.create_task` analogue), to be awaited through the returned [`Task`].
    ///
    /// Returns [`Error::Unsupported`] where the backend cannot spawn (it polls one future and
    /// has no executor), or when no run of this backend is in progress on this thread.
    ///
    /// For implementors: the default refuses; backends with an executor override it.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        drop(future);
        Err(Error::Unsupported {
            backend: Self::NAME,
            reason: "this backend polls one future and has no executor to spawn tasks onto; \
                     await the futures together in place (futures_lite::future::zip), or use \
                     a backend that can spawn (tokio, smol)",
        })
    }

    /// One-shot run, like Python's `asyncio.run`: starts a fresh runtime, runs `future` to
    /// completion on the calling thread, tears the runtime down and returns the output.
    ///
    /// Tasks the future spawned on the fresh runtime are dropped with it, where the backend
    /// spawns onto it (see each backend's docs). Returns [`Error::Nested`] when called from
    /// inside a running async context, and [`Error::Start`] when the runtime cannot start.
    /// In debug mode ([`DEBUG_ENV`]) a slow poll of the future is reported. Like every method
    /// that takes a future, it takes anything [`IntoFuture`], and converts it only once the
    /// nesting check has passed.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// assert_eq!(Spin::run(async { 6 * 7 })?, 42);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[inline]
    #[track_caller]
    fn run<F: IntoFuture>(future: F) -> Result<F::Output, Error> {
        let entered = enter(Self::BACKEND)?;
        if Config::env_is_plain() {
            return supervise::plain(Route::<Self>::Once, entered, future.into_future());
        }
        let config = Config::from_env();
        let future = future.into_future();
        supervise::call::<Self, _>(Route::Once, entered, future, config, Location::caller())
    }

    /// One-shot run of an async function with its argument: `run_with(work, 100)` is
    /// `run(work(100))`, the classic `run_coroutine_helper(coro, *args)`. The nesting check
    /// comes first: a nested call returns [`Error::Nested`] without calling `function`.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// async fn work(arg: u64) -> u64 {
    ///     arg * 100
    /// }
    ///
    /// assert_eq!(Spin::run_with(work, 100)?, 10_000);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    fn run_with<A, Fut, Func>(function: Func, arg: A) -> Result<Fut::Output, Error>
    where
        Func: FnOnce(A) -> Fut,
        Fut: IntoFuture,
    {
        let entered = enter(Self::BACKEND)?;
        let config = Config::from_env();
        let future = function(arg).into_future();
        supervise::call::<Self, _>(Route::Once, entered, future, config, Location::caller())
    }

    /// One-shot run that gives up after `timeout` (counted from the call, start-up included):
    /// the future is dropped (cancelled) and [`Error::Timeout`] is returned.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// use std::time::Duration;
    /// use oneoff_core::Error;
    ///
    /// let never = std::future::pending::<()>();
    /// let err = Spin::run_timeout(never, Duration::from_millis(5)).unwrap_err();
    /// assert!(matches!(err, Error::Timeout { .. }));
    /// ```
    #[track_caller]
    fn run_timeout<F: IntoFuture>(future: F, timeout: Duration) -> Result<F::Output, Error> {
        let entered = enter(Self::BACKEND)?;
        let runner = Self::new()?;
        let call = Route::until(&runner, timeout);
        supervise::call::<Self, _>(
            call,
            entered,
            future.into_future(),
            Config::from_env(),
            Location::caller(),
        )
    }

    /// One-shot run that returns a panic of the future as [`Error::Panicked`], carrying the
    /// panic's message and payload, instead of unwinding.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// let err = Spin::try_run(async { panic!("no answer") }).unwrap_err();
    /// assert!(err.is_panic());
    /// assert_eq!(err.to_string(), "the future panicked on spin: no answer");
    /// ```
    #[track_caller]
    fn try_run<F: IntoFuture>(future: F) -> Result<F::Output, Error> {
        let location = Location::caller();
        supervise::catching(Self::NAME, || {
            let entered = enter(Self::BACKEND)?;
            let future = future.into_future();
            supervise::call::<Self, _>(Route::Once, entered, future, Config::from_env(), location)
        })
    }

    /// Runs `future` to completion on this runner's kept runtime, like `asyncio.Runner.run`.
    ///
    /// Returns [`Error::Nested`] when called from inside a running async context, including
    /// from inside another `block_on` of this same runner.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// let runner = Spin::new()?;
    /// assert_eq!(runner.block_on(async { 1 })? + runner.block_on(async { 2 })?, 3);
    ///
    /// let nested = runner.block_on(async { runner.block_on(async { 3 }) })?;
    /// assert!(matches!(nested, Err(oneoff_core::Error::Nested { .. })));
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[inline]
    #[track_caller]
    fn block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        let entered = enter(Self::BACKEND)?;
        if Config::env_is_plain() {
            return supervise::plain(Route::Kept(self), entered, future.into_future());
        }
        supervise::call::<Self, _>(
            Route::Kept(self),
            entered,
            future.into_future(),
            Config::from_env(),
            Location::caller(),
        )
    }

    /// [`block_on`](Self::block_on) that gives up after `timeout`: the future is dropped
    /// (cancelled) and [`Error::Timeout`] is returned. The runner stays usable; tasks the
    /// future spawned onto it keep their place there.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// use std::time::Duration;
    ///
    /// let runner = Spin::new()?;
    /// let never = std::future::pending::<()>();
    /// let err = runner.block_on_timeout(never, Duration::from_millis(5)).unwrap_err();
    /// assert!(matches!(err, oneoff_core::Error::Timeout { .. }));
    /// assert_eq!(runner.block_on(async { 4 })?, 4);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    fn block_on_timeout<F: IntoFuture>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        let entered = enter(Self::BACKEND)?;
        let call = Route::until(self, timeout);
        supervise::call::<Self, _>(
            call,
            entered,
            future.into_future(),
            Config::from_env(),
            Location::caller(),
        )
    }

    /// [`block_on`](Self::block_on) that returns a panic of the future as
    /// [`Error::Panicked`] instead of unwinding. The runner stays usable.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("doc_backend.md")]
    /// let runner = Spin::new()?;
    /// assert!(runner.try_block_on(async { panic!("oops") }).unwrap_err().is_panic());
    /// assert_eq!(runner.block_on(async { 3 })?, 3);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    fn try_block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        let location = Location::caller();
        supervise::catching(Self::NAME, || {
            let entered = enter(Self::BACKEND)?;
            let call = Route::Kept(self);
            let future = future.into_future();
            supervise::call::<Self, _>(call, entered, future, Config::from_env(), location)
        })
    }
}

/// Gives a backend's runner type the [`OneOffRunner`] methods as inherent methods, so that
/// users call `Runner::new()?.block_on(..)` without importing the trait (as with tokio's
/// `Runtime`). Each generated method's doc is one line that links to the trait method, whose
/// doc has the example: the examples are written once, on the trait.
///
/// A backend crate invokes it once per runner type; a generic type names its parameters
/// first, as in `inherent_methods!(impl<R: OneOffRunner> Wrapper<R>)`.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::time::Instant;
/// use oneoff_core::{BackendInfo, Entered, Error, Escape, NativeIo, OneOffRunner};
///
/// pub struct Spin;
///
/// static SPIN: BackendInfo = BackendInfo::new("spin", Escape::Await, NativeIo::None);
///
/// impl OneOffRunner for Spin {
///     const BACKEND: &'static BackendInfo = &SPIN;
///     fn new() -> Result<Self, Error> {
///         Ok(Spin)
///     }
///     fn drive<F: Future>(&self, _: Entered, future: F) -> Result<F::Output, Error> {
///         Ok(futures_lite::future::block_on(future))
///     }
///     fn drive_timeout<F: Future>(&self, _: Entered, f: F, _: Instant) -> Result<Option<F::Output>, Error> {
///         Ok(Some(futures_lite::future::block_on(f)))
///     }
/// }
///
/// oneoff_core::inherent_methods!(Spin);
///
/// /// A runner wrapped in something of the caller's.
/// pub struct Wrapper<R>(R);
///
/// impl<R: OneOffRunner> OneOffRunner for Wrapper<R> {
///     const BACKEND: &'static BackendInfo = R::BACKEND;
///     fn new() -> Result<Self, Error> {
///         R::new().map(Wrapper)
///     }
///     fn drive<F: Future>(&self, entered: Entered, future: F) -> Result<F::Output, Error> {
///         self.0.drive(entered, future)
///     }
///     fn drive_timeout<F: Future>(&self, entered: Entered, f: F, deadline: Instant) -> Result<Option<F::Output>, Error> {
///         self.0.drive_timeout(entered, f, deadline)
///     }
/// }
///
/// oneoff_core::inherent_methods!(impl<R: OneOffRunner> Wrapper<R>);
///
/// mod elsewhere {
///     // No `use oneoff_core::OneOffRunner` here.
///     pub fn two() -> u32 {
///         crate::Spin::new().unwrap().block_on(async { 2 }).unwrap()
///     }
///
///     pub fn three() -> u32 {
///         crate::Wrapper::<crate::Spin>::run(async { 3 }).unwrap()
///     }
/// }
///
/// fn main() {
///     assert_eq!(elsewhere::two() + elsewhere::three(), 5);
/// }
/// ```
#[macro_export]
macro_rules! inherent_methods {
    (@impl [$($generics:tt)*] $runner:ty) => {
        /// The [`OneOffRunner`](oneoff_core::OneOffRunner) methods, callable without importing
        /// the trait. Each links to the trait method, where its example is.
        impl<$($generics)*> $runner {
            /// Starts the runtime this runner keeps:
            /// [`OneOffRunner::new`](oneoff_core::OneOffRunner::new).
            pub fn new() -> ::std::result::Result<Self, $crate::Error> {
                <Self as $crate::OneOffRunner>::new()
            }

            /// One-shot run on a fresh runtime, like `asyncio.run`:
            /// [`OneOffRunner::run`](oneoff_core::OneOffRunner::run).
            #[inline]
            #[track_caller]
            pub fn run<F: ::std::future::IntoFuture>(
                future: F,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::run(future)
            }

            /// One-shot run of an async function with its argument:
            /// [`OneOffRunner::run_with`](oneoff_core::OneOffRunner::run_with).
            #[track_caller]
            pub fn run_with<A, Fut, Func>(
                function: Func,
                arg: A,
            ) -> ::std::result::Result<Fut::Output, $crate::Error>
            where
                Func: FnOnce(A) -> Fut,
                Fut: ::std::future::IntoFuture,
            {
                <Self as $crate::OneOffRunner>::run_with(function, arg)
            }

            /// One-shot run that gives up after `timeout`:
            /// [`OneOffRunner::run_timeout`](oneoff_core::OneOffRunner::run_timeout).
            #[track_caller]
            pub fn run_timeout<F: ::std::future::IntoFuture>(
                future: F,
                timeout: ::std::time::Duration,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::run_timeout(future, timeout)
            }

            /// One-shot run that returns a panic as an error:
            /// [`OneOffRunner::try_run`](oneoff_core::OneOffRunner::try_run).
            #[track_caller]
            pub fn try_run<F: ::std::future::IntoFuture>(
                future: F,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::try_run(future)
            }

            /// Runs `future` on the kept runtime, like `asyncio.Runner.run`:
            /// [`OneOffRunner::block_on`](oneoff_core::OneOffRunner::block_on).
            #[inline]
            #[track_caller]
            pub fn block_on<F: ::std::future::IntoFuture>(
                &self,
                future: F,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::block_on(self, future)
            }

            /// [`block_on`](Self::block_on) that gives up after `timeout`:
            /// [`OneOffRunner::block_on_timeout`](oneoff_core::OneOffRunner::block_on_timeout).
            #[track_caller]
            pub fn block_on_timeout<F: ::std::future::IntoFuture>(
                &self,
                future: F,
                timeout: ::std::time::Duration,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::block_on_timeout(self, future, timeout)
            }

            /// [`block_on`](Self::block_on) that returns a panic as an error:
            /// [`OneOffRunner::try_block_on`](oneoff_core::OneOffRunner::try_block_on).
            #[track_caller]
            pub fn try_block_on<F: ::std::future::IntoFuture>(
                &self,
                future: F,
            ) -> ::std::result::Result<F::Output, $crate::Error> {
                <Self as $crate::OneOffRunner>::try_block_on(self, future)
            }
        }
    };
    (impl<$($param:ident: $bound:path),+> $runner:ty) => {
        $crate::inherent_methods!(@impl [$($param: $bound),+] $runner);
    };
    ($runner:ty) => {
        $crate::inherent_methods!(@impl [] $runner);
    };
}

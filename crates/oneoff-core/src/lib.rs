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
//! features; backend crates (`oneoff-tokio`, `oneoff-smol`, ...) implement this trait.
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
//! use oneoff_core::{Entered, Error, OneOffRunner};
//!
//! /// Polls on the calling thread, parking it between wake-ups (like `pollster`).
//! struct Spin;
//!
//! impl OneOffRunner for Spin {
//!     const NAME: &'static str = "spin";
//!     fn new() -> Result<Self, Error> {
//!         Ok(Spin)
//!     }
//!     fn drive<F: Future>(&self, _: Entered, future: F) -> F::Output {
//!         futures_lite::future::block_on(future)
//!     }
//!     fn drive_timeout<F: Future>(&self, _: Entered, future: F, deadline: Instant) -> Option<F::Output> {
//!         let timer = async_io::Timer::at(deadline);
//!         futures_lite::future::block_on(oneoff_core::until_deadline(future, deadline, timer))
//!     }
//! }
//!
//! assert_eq!(Spin::run(async { 6 * 7 }).unwrap(), 42);
//! assert_eq!(Spin::run_with(|x: u64| async move { x * 100 }, 100).unwrap(), 10_000);
//! ```
//!
//! There is no way around the check: the hooks cannot be called without a token,
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
//! ## Feature flags
//!
//! Each feature lets [`Error::Nested`] recognise one more kind of running async context that is
//! not one of oneoff's own runs (those are always recognised):
//!
//! - `detect-tokio`: a tokio runtime polling a future on this thread (its `block_on` or a
//!   task); its `spawn_blocking` threads, `block_in_place` and `Runtime::enter` are not async
//!   contexts, so oneoff runs futures there. It needs only tokio's `rt` feature.
//! - `detect-async-std`: an async-std task or `async_std::task::block_on`.
//! - `detect-futures-executor`: `futures::executor::block_on` and its thread pools.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod context;
mod error;
mod task;
mod timeout;

pub use context::{AsyncContext, Entered, current_context, enter};
pub use error::{Error, PanicPayload, panic_message};
pub use task::{Task, TaskHandle};
pub use timeout::until_deadline;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

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
    /// The backend's name, as used on the command line, in reports and in benchmark ids.
    const NAME: &'static str;

    /// Whether the runtime itself gives the future tokio's context (tokio's reactor, timer and
    /// `tokio::spawn`): `true` on the tokio backends, `false` by default. A tokio
    /// compatibility wrapper adds nothing to a backend that says `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{Entered, Error, OneOffRunner};
    ///
    /// struct Spin;
    /// impl OneOffRunner for Spin {
    ///     const NAME: &'static str = "spin";
    ///     fn new() -> Result<Self, Error> { Ok(Spin) }
    ///     fn drive<F: Future>(&self, _: Entered, f: F) -> F::Output {
    ///         futures_lite::future::block_on(f)
    ///     }
    ///     fn drive_timeout<F: Future>(&self, _: Entered, f: F, _: std::time::Instant) -> Option<F::Output> {
    ///         Some(futures_lite::future::block_on(f))
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
    /// passed, with its token; keep the token alive until the future is done.
    fn drive<F: Future>(&self, entered: Entered, future: F) -> F::Output;

    /// Like [`drive`](Self::drive), but gives up once `deadline` has passed: then the future
    /// is dropped and `None` is returned. A future that is ready at its first poll completes
    /// even with a deadline in the past.
    ///
    /// For implementors: called by the `_timeout` methods once the nesting check has passed;
    /// [`until_deadline`] with the backend's own timer keeps the promise for busy futures.
    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Option<F::Output>;

    /// Starts a fresh runtime, drives `future` on it and tears the runtime down.
    ///
    /// For implementors: called by [`run`](Self::run) once the nesting check has passed;
    /// override it where the runtime has a cheaper one-shot path than `new` then `drive`.
    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(Self::new()?.drive(entered, future))
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
    fn run<F: Future>(future: F) -> Result<F::Output, Error> {
        Self::drive_once(enter(Self::NAME)?, future)
    }

    /// One-shot run of an async function with its argument: `run_with(work, 100)` is
    /// `run(work(100))`, the classic `run_coroutine_helper(coro, *args)`. The nesting check
    /// comes first: a nested call returns [`Error::Nested`] without calling `function`.
    fn run_with<A, Fut, Func>(function: Func, arg: A) -> Result<Fut::Output, Error>
    where
        Func: FnOnce(A) -> Fut,
        Fut: Future,
    {
        let entered = enter(Self::NAME)?;
        Self::drive_once(entered, function(arg))
    }

    /// One-shot run that gives up after `timeout` (counted from the call, start-up included):
    /// the future is dropped (cancelled) and [`Error::Timeout`] is returned.
    fn run_timeout<F: Future>(future: F, timeout: Duration) -> Result<F::Output, Error> {
        let entered = enter(Self::NAME)?;
        let deadline = Instant::now().checked_add(timeout);
        let runner = Self::new()?;
        drive_until(&runner, entered, future, deadline, timeout)
    }

    /// One-shot run that returns a panic of the future as [`Error::Panicked`], carrying the
    /// panic's message and payload, instead of unwinding.
    fn try_run<F: Future>(future: F) -> Result<F::Output, Error> {
        catch_unwind(AssertUnwindSafe(|| Self::run(future)))
            .unwrap_or_else(|payload| Err(Error::panicked(Self::NAME, payload)))
    }

    /// Runs `future` to completion on this runner's kept runtime, like `asyncio.Runner.run`.
    ///
    /// Returns [`Error::Nested`] when called from inside a running async context, including
    /// from inside another `block_on` of this same runner.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        Ok(self.drive(enter(Self::NAME)?, future))
    }

    /// [`block_on`](Self::block_on) that gives up after `timeout`: the future is dropped
    /// (cancelled) and [`Error::Timeout`] is returned. The runner stays usable; tasks the
    /// future spawned onto it keep their place there.
    fn block_on_timeout<F: Future>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        let entered = enter(Self::NAME)?;
        let deadline = Instant::now().checked_add(timeout);
        drive_until(self, entered, future, deadline, timeout)
    }

    /// [`block_on`](Self::block_on) that returns a panic of the future as
    /// [`Error::Panicked`] instead of unwinding. The runner stays usable.
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        catch_unwind(AssertUnwindSafe(|| self.block_on(future)))
            .unwrap_or_else(|payload| Err(Error::panicked(Self::NAME, payload)))
    }
}

/// Drives `future` on `runner` until `deadline`, or to completion when the deadline is too far
/// to represent.
fn drive_until<R: OneOffRunner, F: Future>(
    runner: &R,
    entered: Entered,
    future: F,
    deadline: Option<Instant>,
    timeout: Duration,
) -> Result<F::Output, Error> {
    match deadline {
        Some(deadline) => runner
            .drive_timeout(entered, future, deadline)
            .ok_or(Error::Timeout {
                backend: R::NAME,
                after: timeout,
            }),
        None => Ok(runner.drive(entered, future)),
    }
}

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
//! A backend implements three small methods; everything users call is provided:
//!
//! ```
//! use std::future::Future;
//! use std::time::Duration;
//! use oneoff_core::{Error, OneOffRunner};
//!
//! /// Polls on the calling thread, parking it between wake-ups (like `pollster`).
//! struct Spin;
//!
//! impl OneOffRunner for Spin {
//!     const NAME: &'static str = "spin";
//!     fn new() -> Result<Self, Error> {
//!         Ok(Spin)
//!     }
//!     fn drive<F: Future>(&self, future: F) -> F::Output {
//!         futures_lite::future::block_on(future)
//!     }
//!     fn drive_timeout<F: Future>(&self, future: F, timeout: Duration) -> Option<F::Output> {
//!         let deadline = async_io::Timer::after(timeout);
//!         futures_lite::future::block_on(oneoff_core::race_timer(future, deadline))
//!     }
//! }
//!
//! assert_eq!(Spin::run(async { 6 * 7 }).unwrap(), 42);
//! assert_eq!(Spin::run_with(|x: u64| async move { x * 100 }, 100).unwrap(), 10_000);
//! ```
//!
//! ## Feature flags
//!
//! Each feature lets [`Error::Nested`] recognise one more kind of running async context that is
//! not one of oneoff's own runs (those are always recognised):
//!
//! - `detect-tokio`: a tokio runtime (inside `block_on`, a task, or `Runtime::enter`).
//! - `detect-async-std`: an async-std task or `async_std::task::block_on`.
//! - `detect-futures-executor`: `futures::executor::block_on` and its thread pools.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod context;
mod error;
mod timeout;

pub use context::{AsyncContext, Entered, current_context, enter};
pub use error::{Error, panic_message};
pub use timeout::race_timer;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

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
/// on every backend):
///
/// - **Thread.** The future passed in is polled on the calling thread; it need not be `Send`.
///   What other threads a runtime starts is documented on each backend type.
/// - **Nesting.** Called on a thread that is already running async code (a oneoff run on any
///   backend, or a foreign runtime that a `detect-*` feature of this crate recognises), every
///   method returns [`Error::Nested`] before touching the future. Nothing panics or deadlocks.
/// - **Panics.** A panic in the future unwinds out of the call with its original payload
///   (use the `try_` forms to get [`Error::Panicked`] instead). The runner stays usable.
/// - **Timeouts.** The `_timeout` forms return [`Error::Timeout`] when the time is up, after
///   dropping the future, so nothing of it keeps running.
///
/// Backends implement [`new`](Self::new), [`drive`](Self::drive) and
/// [`drive_timeout`](Self::drive_timeout) (and may override [`drive_once`](Self::drive_once)
/// where the runtime has a cheaper one-shot path); callers use the provided methods, which add
/// the nesting check and the error handling in one place.
pub trait OneOffRunner: Sized {
    /// The backend's name, as used on the command line, in reports and in benchmark ids.
    const NAME: &'static str;

    /// Starts the runtime that this runner keeps until it is dropped.
    ///
    /// Fails with [`Error::Start`] when the runtime cannot be built (for example when the
    /// operating system refuses a thread or an I/O driver).
    fn new() -> Result<Self, Error>;

    /// Runs `future` to completion on this runner's runtime, blocking the calling thread.
    ///
    /// For implementors: this is called by [`block_on`](Self::block_on) after the nesting check
    /// has passed; call that instead.
    fn drive<F: Future>(&self, future: F) -> F::Output;

    /// Like [`drive`](Self::drive), but gives up once `timeout` has passed: then the future is
    /// dropped and `None` is returned. A future that is ready at its first poll completes even
    /// with a zero timeout.
    ///
    /// For implementors: called by the `_timeout` methods after the nesting check has passed.
    fn drive_timeout<F: Future>(&self, future: F, timeout: Duration) -> Option<F::Output>;

    /// Starts a fresh runtime, drives `future` on it and tears the runtime down.
    ///
    /// For implementors: called by [`run`](Self::run) after the nesting check has passed;
    /// override it where the runtime has a cheaper one-shot path than `new` then `drive`.
    fn drive_once<F: Future>(future: F) -> Result<F::Output, Error> {
        Ok(Self::new()?.drive(future))
    }

    /// One-shot run, like Python's `asyncio.run`: starts a fresh runtime, runs `future` to
    /// completion on the calling thread, tears the runtime down and returns the output.
    ///
    /// Tasks the future spawned on the fresh runtime are dropped with it, where the backend
    /// spawns onto it (see each backend's docs). Returns [`Error::Nested`] when called from
    /// inside a running async context, and [`Error::Start`] when the runtime cannot start.
    fn run<F: Future>(future: F) -> Result<F::Output, Error> {
        let _entered = enter(Self::NAME)?;
        Self::drive_once(future)
    }

    /// One-shot run of an async function with its argument: `run_with(work, 100)` is
    /// `run(work(100))`, the classic `run_coroutine_helper(coro, *args)`.
    fn run_with<A, Fut, Func>(function: Func, arg: A) -> Result<Fut::Output, Error>
    where
        Func: FnOnce(A) -> Fut,
        Fut: Future,
    {
        Self::run(function(arg))
    }

    /// One-shot run that gives up after `timeout`: the future is dropped (cancelled) and
    /// [`Error::Timeout`] is returned.
    fn run_timeout<F: Future>(future: F, timeout: Duration) -> Result<F::Output, Error> {
        let _entered = enter(Self::NAME)?;
        Self::new()?
            .drive_timeout(future, timeout)
            .ok_or(Error::Timeout {
                backend: Self::NAME,
                after: timeout,
            })
    }

    /// One-shot run that returns a panic of the future as [`Error::Panicked`], carrying the
    /// panic's message, instead of unwinding.
    fn try_run<F: Future>(future: F) -> Result<F::Output, Error> {
        catch_unwind(AssertUnwindSafe(|| Self::run(future))).unwrap_or_else(|payload| {
            Err(Error::Panicked {
                backend: Self::NAME,
                message: panic_message(payload.as_ref()),
            })
        })
    }

    /// Runs `future` to completion on this runner's kept runtime, like `asyncio.Runner.run`.
    ///
    /// Returns [`Error::Nested`] when called from inside a running async context, including
    /// from inside another `block_on` of this same runner.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        let _entered = enter(Self::NAME)?;
        Ok(self.drive(future))
    }

    /// [`block_on`](Self::block_on) that gives up after `timeout`: the future is dropped
    /// (cancelled) and [`Error::Timeout`] is returned. The runner stays usable.
    fn block_on_timeout<F: Future>(
        &self,
        future: F,
        timeout: Duration,
    ) -> Result<F::Output, Error> {
        let _entered = enter(Self::NAME)?;
        self.drive_timeout(future, timeout).ok_or(Error::Timeout {
            backend: Self::NAME,
            after: timeout,
        })
    }

    /// [`block_on`](Self::block_on) that returns a panic of the future as
    /// [`Error::Panicked`] instead of unwinding. The runner stays usable.
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        catch_unwind(AssertUnwindSafe(|| self.block_on(future))).unwrap_or_else(|payload| {
            Err(Error::Panicked {
                backend: Self::NAME,
                message: panic_message(payload.as_ref()),
            })
        })
    }
}

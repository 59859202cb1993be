//! oneoff backend for [async-std](https://docs.rs/async-std), kept for comparison only: its
//! upstream was discontinued in 2025 in favour of smol, so it is never a default.
//!
//! [`AsyncStd`] runs the future with `async_std::task::block_on`, on the calling thread. The
//! runtime is global to the process: it is started at the first call and never torn down, so a
//! one-shot run is cheap after the first, but nothing of it is per run. Tasks spawned with
//! `async_std::task::spawn` go to the global executor's threads and outlive the run; a one-shot
//! run cannot cancel them (unlike `asyncio.run`).
//!
//! # Examples
//!
//! ```
//! use oneoff_async_std::AsyncStd;
//! use oneoff_core::OneOffRunner;
//!
//! let answer = AsyncStd::run(async {
//!     async_std::task::sleep(std::time::Duration::from_millis(1)).await;
//!     42
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None. The crate enables `oneoff-core`'s `detect-async-std`, so that every oneoff backend
//! refuses to block inside an async-std task.

use std::future::Future;
use std::time::Duration;

use oneoff_core::{Error, OneOffRunner};

/// async-std's global runtime, driven by `async_std::task::block_on`.
///
/// Threads: the future runs on the calling thread. The first use starts async-std's global
/// executor and its `async-io` reactor thread, which live until the process exits; spawned tasks
/// run on the global executor's threads and are not cancelled when a run returns. The runner
/// itself keeps nothing, so [`new`](OneOffRunner::new) never fails.
///
/// # Examples
///
/// ```
/// use oneoff_async_std::AsyncStd;
/// use oneoff_core::OneOffRunner;
///
/// let runner = AsyncStd::new().unwrap();
/// assert_eq!(runner.block_on(async { 1 + 1 }).unwrap(), 2);
/// ```
#[derive(Debug, Default)]
pub struct AsyncStd;

impl OneOffRunner for AsyncStd {
    const NAME: &'static str = "async-std";

    fn new() -> Result<Self, Error> {
        Ok(AsyncStd)
    }

    fn drive<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn drive_timeout<F: Future>(&self, future: F, timeout: Duration) -> Option<F::Output> {
        async_std::task::block_on(async_std::future::timeout(timeout, future)).ok()
    }
}

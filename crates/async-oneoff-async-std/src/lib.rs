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
//! None. The crate enables `async-oneoff-core`'s `detect-async-std`, so that every oneoff backend
//! refuses to block inside an async-std task.

use std::future::Future;
use std::task::{Context, Poll};
use std::time::Instant;

use oneoff_core::{Entered, Error, OneOffRunner, Task, TaskHandle, until_deadline};

/// async-std's global runtime, driven by `async_std::task::block_on`.
///
/// Threads: the future runs on the calling thread. The first use starts async-std's global
/// executor and its `async-io` reactor thread, which live until the process exits; spawned tasks
/// run on the global executor's threads and are not cancelled when a run returns, nor when a
/// `_timeout` call gives up. The runner itself keeps nothing, so [`new`](OneOffRunner::new)
/// never fails.
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

/// async-std's identity: no escape besides awaiting, async-std's sockets and timers.
static ASYNC_STD: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "async-std",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::AsyncStd,
);

impl OneOffRunner for AsyncStd {
    const BACKEND: &'static oneoff_core::BackendInfo = &ASYNC_STD;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        Ok(AsyncStd)
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(async_std::task::block_on(future))
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timer = async_std::task::sleep(deadline.saturating_duration_since(Instant::now()));
        Ok(async_std::task::block_on(until_deadline(
            future, deadline, timer,
        )))
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if async_std::task::try_current().is_none() {
            return Err(Error::Unsupported {
                backend: Self::NAME,
                reason: "no async-std run or task runs the calling code; spawn from inside the \
                         future given to AsyncStd::run or Runner::block_on",
            });
        }
        Ok(Task::new(Spawned(Some(async_std::task::spawn(future)))))
    }
}

oneoff_core::inherent_methods!(AsyncStd, "oneoff_async_std::AsyncStd");

/// An async-std task as a oneoff task handle. async-std detaches a task whose handle is dropped
/// (as oneoff does) and re-raises its panic where it is awaited; a oneoff task reports it as
/// [`Error::Panicked`].
struct Spawned<T>(Option<async_std::task::JoinHandle<T>>);

impl<T: Send + 'static> TaskHandle<T> for Spawned<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        oneoff_core::poll_unwinding(AsyncStd::NAME, &mut self.0, cx)
    }

    fn cancel(mut self: Box<Self>) {
        if let Some(handle) = self.0.take() {
            // `cancel` is async; dropping its future would detach instead, so it is driven
            // here, in the background, by async-std's own executor.
            async_std::task::spawn(handle.cancel());
        }
    }
}

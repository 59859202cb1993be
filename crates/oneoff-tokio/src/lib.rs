//! oneoff backend for [tokio](https://tokio.rs): the runtime most of the ecosystem's I/O needs,
//! at the price of the most expensive start-up.
//!
//! [`Tokio`] is tokio's current-thread runtime with I/O and timers enabled: the future runs on
//! the calling thread and the runtime starts no thread of its own. [`TokioMultiThread`] is the
//! multi-thread runtime: one worker thread per core is started with it and joined when it is
//! torn down, which makes a one-shot run more than ten times dearer than on the current-thread
//! flavour. Both can run futures that need tokio's reactor or timer (`tokio::net`,
//! `tokio::time::sleep`), which no other backend can.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_tokio::Tokio;
//!
//! let answer = Tokio::run(async {
//!     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     42
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None: the crate always builds both flavours. It enables `oneoff-core`'s `detect-tokio`, so
//! that every oneoff backend refuses to block inside a running tokio runtime.

use std::future::Future;
use std::time::Duration;

use oneoff_core::{Error, OneOffRunner};
use tokio::runtime::{Builder, Handle, Runtime, RuntimeFlavor};

/// tokio's current-thread runtime, with I/O and timers enabled.
///
/// Threads: the future and every task it spawns run on the calling thread; the runtime starts
/// no thread (a `spawn_blocking` call starts blocking-pool threads, joined on teardown).
/// Spawned tasks progress only while a `block_on` is running, and are dropped (cancelled) when
/// the runner is dropped, so a one-shot run cancels whatever its future left behind, as
/// `asyncio.run` does.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_tokio::Tokio;
///
/// let runner = Tokio::new().unwrap();
/// for i in 0..3 {
///     assert_eq!(runner.block_on(async move { i * 2 }).unwrap(), i * 2);
/// }
/// ```
#[derive(Debug)]
pub struct Tokio {
    runtime: Kept,
}

/// tokio's multi-thread runtime, with I/O and timers enabled.
///
/// Threads: the future itself is polled on the calling thread; one worker thread per core is
/// started by [`new`](OneOffRunner::new) to run spawned tasks, and joined when the runner is
/// dropped. Spawned tasks keep running between `block_on` calls and are cancelled on teardown.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_tokio::TokioMultiThread;
///
/// let sum = TokioMultiThread::run(async {
///     let task = tokio::spawn(async { 40 });
///     task.await.unwrap() + 2
/// });
/// assert_eq!(sum.unwrap(), 42);
/// ```
#[derive(Debug)]
pub struct TokioMultiThread {
    runtime: Kept,
}

impl OneOffRunner for Tokio {
    const NAME: &'static str = "tokio";

    fn new() -> Result<Self, Error> {
        Kept::build(Builder::new_current_thread(), Self::NAME).map(|runtime| Self { runtime })
    }

    fn drive<F: Future>(&self, future: F) -> F::Output {
        self.runtime.get().block_on(future)
    }

    fn drive_timeout<F: Future>(&self, future: F, timeout: Duration) -> Option<F::Output> {
        self.runtime.get().block_on(with_timeout(future, timeout))
    }
}

impl OneOffRunner for TokioMultiThread {
    const NAME: &'static str = "tokio-mt";

    fn new() -> Result<Self, Error> {
        Kept::build(Builder::new_multi_thread(), Self::NAME).map(|runtime| Self { runtime })
    }

    fn drive<F: Future>(&self, future: F) -> F::Output {
        self.runtime.get().block_on(future)
    }

    fn drive_timeout<F: Future>(&self, future: F, timeout: Duration) -> Option<F::Output> {
        self.runtime.get().block_on(with_timeout(future, timeout))
    }
}

/// `tokio::time::timeout`, which drops the future when the time is up. Durations too long for
/// tokio's timer wheel mean "no timeout" rather than a panic.
async fn with_timeout<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    match tokio::time::Instant::now().checked_add(timeout) {
        Some(deadline) => tokio::time::timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}

/// A runtime that may be dropped anywhere: tokio panics when a runtime is dropped inside an
/// async context, so there it is shut down in the background instead.
#[derive(Debug)]
struct Kept(Option<Runtime>);

impl Kept {
    fn build(mut builder: Builder, backend: &'static str) -> Result<Self, Error> {
        builder
            .enable_all()
            .build()
            .map(|runtime| Kept(Some(runtime)))
            .map_err(|source| Error::Start { backend, source })
    }

    fn get(&self) -> &Runtime {
        self.0
            .as_ref()
            .expect("the runtime is only taken out on drop")
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take()
            && Handle::try_current().is_ok()
        {
            runtime.shutdown_background();
        }
    }
}

/// Runs `future` to completion from inside a task of a running tokio **multi-thread** runtime,
/// the documented escape from [`Error::Nested`] there: the worker thread is handed over to
/// `tokio::task::block_in_place` while the future is driven by the runtime's own handle.
///
/// On a current-thread runtime there is no other thread to hand the runtime's work to, so
/// blocking its only thread would deadlock every other task: this returns [`Error::Nested`]
/// there, with [`Error::Unsupported`], and likewise when no tokio runtime is running (call
/// [`Tokio::run`] instead).
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_tokio::{TokioMultiThread, block_in_place};
///
/// let outer = TokioMultiThread::run(async {
///     let task = tokio::spawn(async {
///         // Synchronous code deep inside a task that must have a result now:
///         block_in_place(async { 7 }).unwrap()
///     });
///     task.await.unwrap()
/// });
/// assert_eq!(outer.unwrap(), 7);
/// ```
pub fn block_in_place<F: Future>(future: F) -> Result<F::Output, Error> {
    const BACKEND: &str = "oneoff_tokio::block_in_place";
    let handle = Handle::try_current().map_err(|_| Error::Unsupported {
        backend: BACKEND,
        reason: "no tokio runtime is running on this thread; call Tokio::run instead",
    })?;
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
        return Err(Error::Unsupported {
            backend: BACKEND,
            reason: "a current-thread runtime has only this thread, and blocking it would \
                     deadlock its other tasks; .await the future instead",
        });
    }
    Ok(tokio::task::block_in_place(|| handle.block_on(future)))
}

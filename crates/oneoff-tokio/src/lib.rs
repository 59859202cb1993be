//! oneoff backend for [tokio](https://tokio.rs): the runtime most of the ecosystem's I/O needs,
//! at the price of the most expensive start-up.
//!
//! [`Tokio`] is tokio's current-thread runtime with I/O and timers enabled: the future runs on
//! the calling thread and the runtime starts no thread of its own. [`TokioMultiThread`] is the
//! multi-thread runtime: one worker thread per core is started with it and joined when it is
//! torn down, which makes a one-shot run more than ten times dearer than on the current-thread
//! flavour. Both can run futures that need tokio's reactor or timer (`tokio::net`,
//! `tokio::time::sleep`), which the other backends can only where a tokio runtime already
//! runs the calling code's thread (a `spawn_blocking` closure).
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
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use oneoff_core::{AsyncContext, Entered, Error, OneOffRunner, Task, TaskHandle, until_deadline};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

/// tokio's current-thread runtime, with I/O and timers enabled.
///
/// Threads: the future and every task it spawns run on the calling thread; the runtime starts
/// no thread (a `spawn_blocking` call starts blocking-pool threads, joined on teardown).
/// Spawned tasks (`tokio::spawn`, or `oneoff::spawn`) progress only while a `block_on` is
/// running, and are dropped (cancelled) when the runner is dropped, so a one-shot run cancels
/// whatever its future left behind, as `asyncio.run` does. Tasks left on a reused runner by a
/// `_timeout` call that gave up stay there until the runner is dropped.
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
/// dropped. Spawned tasks keep running between `block_on` calls (also after a `_timeout` call
/// gave up) and are cancelled on teardown.
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
    const PROVIDES_TOKIO: bool = true;

    fn new() -> Result<Self, Error> {
        Kept::build(Builder::new_current_thread(), Self::NAME).map(|runtime| Self { runtime })
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> F::Output {
        self.runtime.get().block_on(future)
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Option<F::Output> {
        self.runtime.get().block_on(with_deadline(future, deadline))
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on_current(Self::NAME, future)
    }
}

impl OneOffRunner for TokioMultiThread {
    const NAME: &'static str = "tokio-mt";
    const PROVIDES_TOKIO: bool = true;

    fn new() -> Result<Self, Error> {
        Kept::build(Builder::new_multi_thread(), Self::NAME).map(|runtime| Self { runtime })
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> F::Output {
        self.runtime.get().block_on(future)
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Option<F::Output> {
        self.runtime.get().block_on(with_deadline(future, deadline))
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on_current(Self::NAME, future)
    }
}

/// `future` until `deadline`, timed by tokio's timer (inside the runtime's `block_on`).
async fn with_deadline<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    let timer = tokio::time::sleep_until(deadline.into());
    until_deadline(future, deadline, timer).await
}

/// `tokio::spawn` onto the runtime running the calling code, as a oneoff [`Task`].
fn spawn_on_current<F>(backend: &'static str, future: F) -> Result<Task<F::Output>, Error>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = Handle::try_current().map_err(|_| Error::Unsupported {
        backend,
        reason: "no tokio runtime runs the calling code; spawn from inside the future given \
                 to oneoff::run or Runner::block_on",
    })?;
    Ok(Task::new(Joined {
        handle: handle.spawn(future),
        backend,
    }))
}

/// A tokio `JoinHandle` as a oneoff task handle: dropping it detaches the task, as tokio does.
struct Joined<T> {
    handle: JoinHandle<T>,
    backend: &'static str,
}

impl<T: Send> TaskHandle<T> for Joined<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        Pin::new(&mut self.handle).poll(cx).map(|joined| {
            joined.map_err(|err| match err.try_into_panic() {
                Ok(payload) => Error::panicked(self.backend, payload),
                Err(_) => Error::Cancelled {
                    backend: self.backend,
                },
            })
        })
    }

    fn cancel(self: Box<Self>) {
        self.handle.abort();
    }
}

/// A runtime that may be dropped anywhere: tokio panics when a runtime is dropped inside an
/// async context, so inside one it is shut down in the background instead.
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

/// Runs `future` to completion on the tokio runtime that runs the calling code, from
/// synchronous code that must block: the documented escape from [`Error::Nested`] on a
/// multi-thread runtime.
///
/// - In a task or the `block_on` of a **multi-thread** runtime, the worker's other tasks are
///   handed to another thread first (`tokio::task::block_in_place`), then the future is driven
///   with the runtime's own handle (`Handle::block_on`).
/// - In a `spawn_blocking` thread (either flavour) or under `Runtime::enter`, where blocking is
///   allowed, it is driven with the runtime's handle directly. (`oneoff::run` works there too,
///   on a fresh runtime.)
/// - In an async context of a **current-thread** runtime it returns [`Error::Nested`]: that
///   runtime has only this thread, and blocking it would stop every other task and timer.
///   Move the code into `tokio::task::spawn_blocking`, or `.await` the future.
/// - With no tokio runtime it returns [`Error::Unsupported`]: call `Tokio::run` instead.
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
    const BACKEND: &str = "oneoff::block_in_place";
    let handle = Handle::try_current().map_err(|_| Error::Unsupported {
        backend: BACKEND,
        reason: "no tokio runtime is running on this thread; call Tokio::run instead",
    })?;
    match oneoff_core::current_context() {
        Some(AsyncContext::TokioMultiThread | AsyncContext::Oneoff(TokioMultiThread::NAME)) => {
            Ok(tokio::task::block_in_place(|| handle.block_on(future)))
        }
        None => Ok(handle.block_on(future)),
        Some(context) => Err(Error::Nested {
            backend: BACKEND,
            context,
        }),
    }
}

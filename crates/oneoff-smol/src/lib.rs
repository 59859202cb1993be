//! oneoff backend for [smol](https://docs.rs/smol): a kept executor driven by the `async-io`
//! reactor on the calling thread, cheap to start and able to run I/O and timers of the smol
//! family.
//!
//! [`Smol`] owns an `async_executor::Executor` and runs each future with
//! `smol::block_on(executor.run(future))`: the calling thread drives the future, the tasks
//! spawned onto the executor with [`spawn`], and the `async-io` reactor. Dropping the runner
//! drops the tasks left on its executor, so a one-shot run cancels whatever its future spawned
//! with [`spawn`] (or `oneoff::spawn`), as `asyncio.run` does. Tasks spawned with
//! `smol::spawn` instead go to smol's global executor, run on its own threads and outlive the
//! run. The first `smol::block_on` of the process starts `async-io`'s driver thread
//! ("async-io"), which stays for the life of the process.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_smol::Smol;
//!
//! let answer = Smol::run(async {
//!     let task = oneoff_smol::spawn(async { 40 }).unwrap();
//!     smol::Timer::after(std::time::Duration::from_millis(1)).await;
//!     task.await + 2
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use oneoff_core::{Entered, Error, OneOffRunner, TaskHandle, until_deadline};
use smol::{Executor, Task, Timer};

scoped_tls::scoped_thread_local! {
    /// The executor of the oneoff smol run in progress on this thread.
    static EXECUTOR: Executor<'static>
}

/// A smol executor kept for the runner's life, driven by `smol::block_on`.
///
/// Threads: the future and the tasks spawned with [`spawn`] run on the calling thread, and only
/// while a `block_on` is running. `smol::block_on` starts `async-io`'s driver thread when the
/// first run of the process ends (it wakes that thread at the end of every run), and the thread
/// stays. Dropping the runner drops (cancels) the tasks still on its executor. Panics in the
/// future unwind through the call; the executor stays usable. The runner is `Sync`: several
/// threads may block on it at once, each driving the shared executor.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_smol::Smol;
///
/// let runner = Smol::new().unwrap();
/// // A task spawned in one run keeps its place on the executor for the next.
/// let task = runner.block_on(async { oneoff_smol::spawn(async { 7 }).unwrap() }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap(), 7);
/// ```
#[derive(Debug, Default)]
pub struct Smol {
    executor: Executor<'static>,
}

impl OneOffRunner for Smol {
    const NAME: &'static str = "smol";
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        Ok(Smol::default())
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> F::Output {
        EXECUTOR.set(&self.executor, || smol::block_on(self.executor.run(future)))
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Option<F::Output> {
        self.drive(
            entered,
            until_deadline(future, deadline, Timer::at(deadline)),
        )
    }

    fn spawn<F>(future: F) -> Result<oneoff_core::Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn(future).map(|task| oneoff_core::Task::new(Spawned(Some(task))))
    }
}

/// A smol task as a oneoff task handle. smol cancels a task when its handle is dropped, and
/// re-raises its panic where it is awaited; a oneoff task is detached when dropped and reports
/// a panic as [`Error::Panicked`].
struct Spawned<T>(Option<Task<T>>);

impl<T: Send> TaskHandle<T> for Spawned<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let task = self.0.as_mut().expect("polled only until it is ready");
        match catch_unwind(AssertUnwindSafe(|| Pin::new(task).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                self.0 = None;
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                self.0 = None;
                Poll::Ready(Err(Error::panicked(Smol::NAME, payload)))
            }
        }
    }

    fn cancel(mut self: Box<Self>) {
        // Dropping a smol task cancels it.
        drop(self.0.take());
    }
}

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.detach();
        }
    }
}

/// Spawns `future` onto the executor of the [`Smol`] run in progress on this thread, so that it
/// is cancelled with that runner (at the end of a one-shot run).
///
/// Returns [`Error::Unsupported`] when no oneoff smol run is in progress on this thread; use
/// `smol::spawn` there for a task on smol's global executor.
///
/// # Examples
///
/// ```
/// use oneoff_core::{Error, OneOffRunner};
/// use oneoff_smol::{Smol, spawn};
///
/// assert!(matches!(spawn(async {}), Err(Error::Unsupported { .. })));
/// let doubled = Smol::run(async { spawn(async { 21 * 2 }).unwrap().await });
/// assert_eq!(doubled.unwrap(), 42);
/// ```
pub fn spawn<T, F>(future: F) -> Result<Task<T>, Error>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    if !EXECUTOR.is_set() {
        return Err(Error::Unsupported {
            backend: Smol::NAME,
            reason: "oneoff_smol::spawn (oneoff::smol_spawn) was called outside a oneoff smol \
                     run; call it from the future given to Smol::run or Smol::block_on, or use \
                     smol::spawn",
        });
    }
    Ok(EXECUTOR.with(|executor| executor.spawn(future)))
}

//! oneoff backend for [async-std](https://docs.rs/async-std), kept for comparison only: its
//! upstream was discontinued in 2025 in favour of smol, so it is never a default.
//!
//! [`AsyncStd`] runs the future with `async_std::task::block_on`, on the calling thread. The
//! runtime is global to the process: it is started at the first call and never torn down, so a
//! one-shot run is cheap after the first. Tasks spawned with `oneoff::spawn` run on the global
//! executor's threads and belong to the runner whose run spawned them (also through other such
//! tasks): dropping the runner, and so the end of a one-shot run, cancels those left, as
//! `asyncio.run` does. Tasks spawned with `async_std::task::spawn` are async-std's: they outlive
//! the run.
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

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use oneoff_core::{Body, Entered, Error, OneOffRunner, Task, TaskSet, until_deadline};

thread_local! {
    /// The tasks of the runner whose run, or one of whose tasks, is polled on this thread: where
    /// [`OneOffRunner::spawn`] puts tasks.
    static CURRENT: RefCell<Option<Arc<TaskSet>>> = const { RefCell::new(None) };
}

/// async-std's global runtime, driven by `async_std::task::block_on`.
///
/// Threads: the future runs on the calling thread. The first use starts async-std's global
/// executor and its `async-io` reactor thread, which live until the process exits. Tasks
/// spawned with `oneoff::spawn` run on the global executor's threads; dropping the runner
/// cancels those left: each one's future is dropped at once, or, when it is being polled on its
/// thread at that moment, as soon as that poll returns. The runner keeps nothing else, so
/// [`new`](OneOffRunner::new) never fails.
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
pub struct AsyncStd {
    tasks: Arc<TaskSet>,
}

impl Drop for AsyncStd {
    fn drop(&mut self) {
        self.tasks.close();
    }
}

impl AsyncStd {
    /// Runs `future` on the calling thread, with the runner's tasks named in [`CURRENT`].
    fn run_here<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(InSet {
            tasks: Arc::clone(&self.tasks),
            future,
        })
    }
}

pin_project_lite::pin_project! {
    /// A future polled with `tasks` named in [`CURRENT`]: a run's future, and each task spawned
    /// through oneoff, so that the tasks it spawns join the same set.
    struct InSet<F> {
        tasks: Arc<TaskSet>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for InSet<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let tasks = Some(Arc::clone(this.tasks));
        let previous = CURRENT
            .try_with(|current| current.replace(tasks))
            .ok()
            .flatten();
        let _restore = Restore(previous);
        this.future.poll(cx)
    }
}

/// Puts back what [`CURRENT`] held before a poll, also when a panic unwinds.
struct Restore(Option<Arc<TaskSet>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}

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
        Ok(AsyncStd::default())
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(self.run_here(future))
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timer = async_std::task::sleep(deadline.saturating_duration_since(Instant::now()));
        Ok(self.run_here(until_deadline(future, deadline, timer)))
    }

    /// Spawns onto async-std's global executor, into the tasks of the runner whose run (or
    /// task) runs the calling code; from any other async-std task, as a task of no runner.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match CURRENT.try_with(|current| current.borrow().clone()) {
            Ok(Some(tasks)) => {
                let future = InSet {
                    tasks: Arc::clone(&tasks),
                    future,
                };
                tasks.spawn_with(Self::NAME, future, spawn_global)
            }
            _ if async_std::task::try_current().is_some() => {
                Task::spawn_with(Self::NAME, future, spawn_global)
            }
            _ => Err(Error::Unsupported {
                backend: Self::NAME,
                reason: "no async-std run or task runs the calling code; spawn from inside the \
                         future given to AsyncStd::run or Runner::block_on",
            }),
        }
    }
}

oneoff_core::inherent_methods!(AsyncStd);

/// Spawns a task's body onto async-std's global executor; the body is the oneoff task's handle,
/// so async-std's own, which would only detach it when dropped, is dropped.
fn spawn_global<F: Future + Send + 'static>(body: Body<F>) -> Result<(), Error>
where
    F::Output: Send,
{
    drop(async_std::task::spawn(body));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run whose future panics leaves no runner named in [`CURRENT`]: a spawn from plain
    /// code afterwards is refused, instead of joining the dropped runner's closed set.
    #[test]
    fn a_panicking_run_leaves_no_runner_behind() {
        let panicked = AsyncStd::try_run(async { std::panic::panic_any(7_u8) });
        assert!(panicked.unwrap_err().is_panic());
        let err = AsyncStd::spawn(async {}).map(drop).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    }
}

//! A spawned task's handle that is the same on every backend, so that library code can spawn
//! (the `asyncio.create_task` analogue) without naming a runtime.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Error;

/// A task spawned with [`OneOffRunner::spawn`](crate::OneOffRunner::spawn) (or the facade's
/// `oneoff::spawn`), on whichever backend runs the calling code.
///
/// Awaiting it gives the task's output, or [`Error::Panicked`] (with the original payload)
/// when the task panicked, or [`Error::Cancelled`] when it was cancelled. Dropping it detaches
/// the task, which keeps running on its runtime until that runtime is torn down, as with
/// tokio's `JoinHandle` and asyncio's tasks; [`cancel`](Self::cancel) stops it.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll};
/// use oneoff_core::{Error, Task, TaskHandle};
///
/// /// A task that has already finished, as a backend would wrap its join handle.
/// struct Finished(Option<u32>);
///
/// impl TaskHandle<u32> for Finished {
///     fn poll_join(&mut self, _: &mut Context<'_>) -> Poll<Result<u32, Error>> {
///         Poll::Ready(self.0.take().ok_or(Error::Cancelled { backend: "demo" }))
///     }
///     fn cancel(self: Box<Self>) {}
/// }
///
/// let task = Task::new(Finished(Some(7)));
/// assert_eq!(futures_lite::future::block_on(task).unwrap(), 7);
/// ```
#[must_use = "dropping a Task detaches it; .await it for its output"]
pub struct Task<T> {
    handle: Option<Box<dyn TaskHandle<T>>>,
}

/// What a backend implements to hand out a [`Task`]: its own join handle, adapted.
///
/// Dropping the handle must detach the task (leave it running), as tokio's `JoinHandle` does;
/// a backend whose handle cancels on drop detaches it in its adapter's `Drop`.
pub trait TaskHandle<T>: Send {
    /// Polls for the task's output: `Err(Error::Panicked)` when it panicked,
    /// `Err(Error::Cancelled)` when it was cancelled.
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>>;

    /// Cancels the task: it is not polled again and its future is dropped.
    fn cancel(self: Box<Self>);
}

impl<T> Task<T> {
    /// Wraps a backend's join handle.
    pub fn new(handle: impl TaskHandle<T> + 'static) -> Self {
        Task {
            handle: Some(Box::new(handle)),
        }
    }

    /// Lets the task run on without anyone awaiting it (the same as dropping the handle).
    pub fn detach(self) {
        drop(self);
    }

    /// Cancels the task: its future is dropped without being polled again.
    pub fn cancel(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.cancel();
        }
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .handle
            .as_mut()
            .expect("a oneoff Task polled after it completed");
        let output = handle.poll_join(cx);
        if output.is_ready() {
            self.handle = None;
        }
        output
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("finished", &self.handle.is_none())
            .finish()
    }
}

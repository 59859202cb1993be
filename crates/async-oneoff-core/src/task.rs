//! A spawned task's handle that is the same on every backend, so that library code can spawn
//! (the `asyncio.create_task` analogue) without naming a runtime.

use std::fmt;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};

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

    /// Spawns `future` through a runtime whose own tasks neither report a panic nor can be
    /// cancelled through their handle: `spawn` hands the runtime a [`Body`] that runs
    /// `future`, catches its panic for the returned task and stops when the task is cancelled.
    ///
    /// When the runtime drops the body before `future` is done (it was torn down), awaiting
    /// the task gives [`Error::Cancelled`]. An error from `spawn` is returned as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::{Error, Task};
    ///
    /// // A "runtime" that runs every task to completion at once.
    /// let task = Task::spawn_with("demo", async { 6 * 7 }, |body| {
    ///     futures_lite::future::block_on(body);
    ///     Ok(())
    /// });
    /// assert_eq!(futures_lite::future::block_on(task.unwrap()).unwrap(), 42);
    ///
    /// let panicked = Task::spawn_with("demo", async { panic!("task boom") }, |body| {
    ///     futures_lite::future::block_on(body);
    ///     Ok(())
    /// });
    /// let err = futures_lite::future::block_on(panicked.unwrap()).unwrap_err();
    /// assert_eq!(err.to_string(), "the future panicked on demo: task boom");
    ///
    /// // A runtime that is gone drops the body unpolled: the task reports the cancellation.
    /// let dropped = Task::spawn_with("demo", async { 1 }, |body| {
    ///     drop(body);
    ///     Ok(())
    /// });
    /// let err = futures_lite::future::block_on(dropped.unwrap()).unwrap_err();
    /// assert!(matches!(err, Error::Cancelled { backend: "demo" }));
    /// ```
    pub fn spawn_with<F>(
        backend: &'static str,
        future: F,
        spawn: impl FnOnce(Body<F>) -> Result<(), Error>,
    ) -> Result<Task<T>, Error>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let shared = TaskShared::new(backend, future);
        spawn(Body {
            shared: Arc::clone(&shared),
        })?;
        Ok(Task::new(Joiner(shared)))
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

/// A task's future as [`Task::spawn_with`] hands it to a runtime: it completes when the future
/// completes, panics or is cancelled through its [`Task`], and never unwinds into the runtime.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Body<F: Future> {
    shared: Arc<TaskShared<F>>,
}

/// What a [`Body`], its [`Task`]'s handle and the [`TaskSet`] it was spawned in share.
struct TaskShared<F: Future> {
    backend: &'static str,
    state: Mutex<TaskState<F::Output>>,
    /// The task's future until it finishes or is dropped, locked while the body polls it.
    future: Mutex<Option<Pin<Box<F>>>>,
}

/// Where a task is in its life, and who waits for it.
enum TaskState<T> {
    /// The body runs; it is woken when the task is cancelled, the joiner when it finishes.
    Running {
        body: Option<Waker>,
        joiner: Option<Waker>,
    },
    /// The task was cancelled through its handle: the body stops at its next poll.
    Cancelled,
    /// The body finished (or was dropped unfinished); the output waits to be joined.
    Finished(Result<T, Error>),
    /// The output was handed to the joiner.
    Joined,
}

/// Locks `mutex`. No code that can panic runs while a lock of this module is held (a future is
/// polled and dropped under `catch_unwind`), so none is ever poisoned; if one were, the value
/// in it is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<F: Future> TaskShared<F> {
    fn new(backend: &'static str, future: F) -> Arc<Self> {
        Arc::new(TaskShared {
            backend,
            state: Mutex::new(TaskState::Running {
                body: None,
                joiner: None,
            }),
            future: Mutex::new(Some(Box::pin(future))),
        })
    }

    /// Records the task's end, unless it already ended, and wakes whoever awaits it.
    fn finish(&self, output: Result<F::Output, Error>) {
        let mut state = lock(&self.state);
        if let TaskState::Running { joiner, .. } = &mut *state {
            let joiner = joiner.take();
            *state = TaskState::Finished(output);
            drop(state);
            if let Some(joiner) = joiner {
                joiner.wake();
            }
        }
    }

    /// Marks the task cancelled, unless it already ended, and wakes its body, which drops the
    /// future at its next poll, and whoever awaits it.
    fn cancel(&self) {
        let mut state = lock(&self.state);
        if let TaskState::Running { body, joiner } = &mut *state {
            let wakers = [body.take(), joiner.take()];
            *state = TaskState::Cancelled;
            drop(state);
            wakers.into_iter().flatten().for_each(Waker::wake);
        }
    }

    /// Drops the future, also one whose destructor panics (see [`report_drop_panic`]).
    fn drop_future(&self) {
        let future = lock(&self.future).take();
        if let Some(future) = future {
            report_drop_panic(self.backend, || drop(future));
        }
    }
}

impl<F: Future> Future for Body<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &*self.shared;
        let running = match &mut *lock(&shared.state) {
            TaskState::Running { body, .. } => {
                match body {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *body = Some(cx.waker().clone()),
                }
                true
            }
            _ => false,
        };
        if !running {
            shared.drop_future();
            return Poll::Ready(());
        }
        let mut slot = lock(&shared.future);
        // Empty once its task set dropped it.
        let Some(future) = slot.as_mut() else {
            return Poll::Ready(());
        };
        let output = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(Error::panicked(shared.backend, payload)),
        };
        drop(slot);
        shared.drop_future();
        shared.finish(output);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for Body<F> {
    fn drop(&mut self) {
        // Dropped before it finished: its runtime let it go.
        self.shared.drop_future();
        self.shared.finish(Err(Error::Cancelled {
            backend: self.shared.backend,
        }));
    }
}

/// Runs `drop`, which drops a spawned task's future, and reports a panic of the destructor
/// instead of letting it unwind: the caller (a run returning its result, a runtime tearing its
/// tasks down) goes on.
///
/// A runtime drops a task's future when the task is cancelled or left over at the end of its
/// run or runner, and the runtimes built on async-task (smol, compio, async-std) do it where a
/// panic aborts the process. So a backend drops its tasks' futures through this function, as
/// asyncio reports an "unhandled exception during asyncio.run() shutdown": the panic hook has
/// printed the panic as it prints any, and a `log::error!` (target `oneoff`) says that a task
/// panicked while being dropped.
///
/// # Examples
///
/// ```
/// struct Loud;
///
/// impl Drop for Loud {
///     fn drop(&mut self) {
///         panic!("boom in a destructor");
///     }
/// }
///
/// let left_over = Loud;
/// oneoff_core::report_drop_panic("demo", || drop(left_over));
/// // Still here: the panic was printed and logged, not propagated.
/// ```
pub fn report_drop_panic(backend: &'static str, drop: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(drop)) {
        log::error!(
            target: "oneoff",
            "a task on {backend} panicked while being dropped (cancelled, or left over when its \
             run or runner ended): {}",
            crate::panic_message(payload.as_ref())
        );
    }
}

impl<F: Future> fmt::Debug for Body<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("backend", &self.shared.backend)
            .finish_non_exhaustive()
    }
}

/// The handle side of a [`Body`].
struct Joiner<F: Future>(Arc<TaskShared<F>>);

impl<F: Future + Send> TaskHandle<F::Output> for Joiner<F>
where
    F::Output: Send,
{
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Error>> {
        let mut state = lock(&self.0.state);
        match &mut *state {
            TaskState::Running { joiner, .. } => {
                match joiner {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *joiner = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            TaskState::Finished(_) => match mem::replace(&mut *state, TaskState::Joined) {
                TaskState::Finished(output) => Poll::Ready(output),
                _ => unreachable!("matched as finished above"),
            },
            TaskState::Cancelled | TaskState::Joined => Poll::Ready(Err(Error::Cancelled {
                backend: self.0.backend,
            })),
        }
    }

    fn cancel(self: Box<Self>) {
        self.0.cancel();
    }
}

/// The unfinished tasks that a runner spawned through [`spawn_with`](Self::spawn_with), cancelled
/// together by [`close`](Self::close) when the runner is dropped: for a runtime that would let
/// them run on after the runner is gone (a global executor) or never drop them (one that keeps
/// no list of its tasks).
///
/// # Examples
///
/// ```
/// use oneoff_core::{Error, TaskSet};
///
/// let tasks = TaskSet::default();
/// let mut parked = Vec::new();
/// // A "runtime" that keeps its tasks without ever polling them.
/// let task = tasks.spawn_with("demo", std::future::pending::<u8>(), |body| {
///     parked.push(body);
///     Ok(())
/// });
/// tasks.close();
/// let err = futures_lite::future::block_on(task.unwrap()).unwrap_err();
/// assert!(matches!(err, Error::Cancelled { backend: "demo" }));
///
/// // A closed set starts nothing more.
/// let late = tasks.spawn_with("demo", async { 1 }, |_| unreachable!("not spawned"));
/// assert!(matches!(late, Err(Error::Cancelled { .. })));
/// ```
#[derive(Default)]
pub struct TaskSet {
    tasks: Mutex<Tasks>,
}

#[derive(Default)]
struct Tasks {
    /// The tasks spawned so far; those that have ended are swept out as the list grows.
    list: Vec<Weak<dyn Abort>>,
    closed: bool,
}

/// A task's future, dropped from outside its body.
trait Abort: Send + Sync {
    fn abort(&self);
}

impl<F> Abort for TaskShared<F>
where
    F: Future + Send,
    F::Output: Send,
{
    fn abort(&self) {
        // Taken here unless a body polls it on another thread right now; that body finds the
        // cancellation once its poll returns, and drops it then.
        let future = match self.future.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(_) => None,
        };
        // The body is woken too, so that its runtime lets the task go.
        self.cancel();
        if let Some(future) = future {
            report_drop_panic(self.backend, || drop(future));
        }
    }
}

impl TaskSet {
    /// [`Task::spawn_with`], with the task kept in this set until it ends. Returns
    /// [`Error::Cancelled`], without calling `spawn`, once the set is closed.
    pub fn spawn_with<F>(
        &self,
        backend: &'static str,
        future: F,
        spawn: impl FnOnce(Body<F>) -> Result<(), Error>,
    ) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = TaskShared::new(backend, future);
        {
            let mut tasks = lock(&self.tasks);
            if tasks.closed {
                return Err(Error::Cancelled { backend });
            }
            if tasks.list.len() == tasks.list.capacity() {
                tasks.list.retain(|task| task.strong_count() > 0);
                // At least twice the tasks alive, so that pruning stays amortized O(1) a spawn.
                let alive = tasks.list.len();
                tasks.list.reserve(alive.max(8));
            }
            let task: Arc<dyn Abort> = shared.clone();
            tasks.list.push(Arc::downgrade(&task));
        }
        spawn(Body {
            shared: Arc::clone(&shared),
        })?;
        Ok(Task::new(Joiner(shared)))
    }

    /// Cancels every task of the set that has not ended: its future is dropped now (with
    /// [`report_drop_panic`]), or, for one being polled on another thread at this moment, by
    /// its body as soon as that poll returns; awaiting it gives [`Error::Cancelled`]. Spawns
    /// into the set fail from then on.
    pub fn close(&self) {
        let tasks = {
            let mut tasks = lock(&self.tasks);
            tasks.closed = true;
            mem::take(&mut tasks.list)
        };
        for task in tasks.iter().filter_map(Weak::upgrade) {
            task.abort();
        }
    }
}

impl fmt::Debug for TaskSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tasks = lock(&self.tasks);
        f.debug_struct("TaskSet")
            .field("tasks", &tasks.list.len())
            .field("closed", &tasks.closed)
            .finish()
    }
}

/// Polls the join handle in `slot`, for a runtime whose handle re-raises its task's panic where
/// it is awaited (smol's, async-std's): the output as `Ok`, a panic as [`Error::Panicked`] with
/// its payload. Once either is returned the handle is taken out of `slot`, so a
/// [`TaskHandle`] built on it knows the task is over.
///
/// # Panics
///
/// When `slot` is empty: the handle was polled after it completed.
///
/// # Examples
///
/// ```
/// use std::future::{ready, Ready};
/// use std::task::{Context, Poll, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut slot: Option<Ready<u8>> = Some(ready(3));
/// let polled = oneoff_core::poll_unwinding("demo", &mut slot, &mut cx);
/// assert!(matches!(polled, Poll::Ready(Ok(3))));
/// assert!(slot.is_none());
/// ```
pub fn poll_unwinding<H: Future + Unpin>(
    backend: &'static str,
    slot: &mut Option<H>,
    cx: &mut Context<'_>,
) -> Poll<Result<H::Output, Error>> {
    let handle = slot
        .as_mut()
        .expect("a join handle polled after it completed");
    let output = match catch_unwind(AssertUnwindSafe(|| Pin::new(handle).poll(cx))) {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(payload) => Err(Error::panicked(backend, payload)),
    };
    *slot = None;
    Poll::Ready(output)
}

//! oneoff backend for [smol](https://docs.rs/smol): a kept executor driven by the `async-io`
//! reactor on the calling thread, cheap to start and able to run I/O and timers of the smol
//! family.
//!
//! Tasks spawned with [`spawn`] (or `oneoff::spawn`) go to the run's executor and are dropped
//! with it, at the end of a one-shot run as `asyncio.run` does. Tasks spawned with
//! `smol::spawn` go to smol's global executor, run on its own threads and outlive the run.
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

use std::cell::{Cell, RefCell};
use std::future::{Future, pending};
use std::mem;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use async_executor::FallibleTask;
use oneoff_core::{
    AsyncContext, CacheWatch, Entered, Error, OneOffRunner, ParkerCache, TaskHandle, until_deadline,
};
use smol::{Executor, Task, Timer};

thread_local! {
    /// The kept runner of this thread's smol run in progress (oneoff's core marks the run),
    /// where [`spawn`] puts tasks, or none in a one-shot run. Weak, so that it keeps no
    /// runner alive, and left in place after the run, so that a runner's next run on the
    /// thread costs no atomic operation.
    static KEPT: RefCell<Weak<Inner>> = const { RefCell::new(Weak::new()) };
    /// The runner that the first spawn of a one-shot run made: dropped with the tasks left on
    /// it when the run ends.
    static ONE_SHOT: RefCell<Option<Arc<Inner>>> = const { RefCell::new(None) };
}

/// A smol executor kept for the runner's life, driven by `smol::block_on`.
///
/// Threads: the future and the tasks spawned with [`spawn`] (or `oneoff::spawn`) run on the
/// calling thread, and only while a `block_on` is running. `smol::block_on` starts `async-io`'s
/// driver thread when the first run of the process ends, and the thread stays. Dropping the
/// runner drops (cancels) the tasks still on its executor at once: there is nothing to wait
/// for, so teardown needs no bound. Panics in the future unwind through the call; the executor
/// stays usable. The runner is `Sync`: several threads may block on it at once, each driving
/// the shared executor.
///
/// A run drives the executor (`Executor::run`, which allocates a queue) from its first wait
/// with a task spawned through oneoff alive, or at every wait for an adopted executor
/// ([`Smol::with_executor`]), which anyone may spawn onto. A run whose future spawns nothing
/// costs what `smol::block_on` of it costs, plus the nested-call check and a lock at each wait
/// (see `docs/benchmarks.md`).
///
/// # Examples
///
/// ```
/// use oneoff_smol::Smol;
///
/// let runner = Smol::new().unwrap();
/// // A task spawned in one run keeps its place on the executor for the next.
/// let task = runner.block_on(async { oneoff_smol::spawn(async { 7 }).unwrap() }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap(), 7);
/// ```
#[derive(Debug, Default)]
pub struct Smol {
    inner: Arc<Inner>,
}

/// A runner's executor, and what a run needs to know to decide whether to drive it.
#[derive(Debug, Default)]
struct Inner {
    executor: Arc<Executor<'static>>,
    /// Whether the executor came from [`Smol::with_executor`].
    adopted: bool,
    /// How many tasks spawned onto the executor through oneoff have not ended (see [`Counted`]).
    tasks: Arc<AtomicUsize>,
    /// The wakers of runs that waited while no task was alive: a [`spawn`] wakes them all, so
    /// that a task that one thread's run leaves is driven for a run on another thread that
    /// waits for it. A run that no longer waits so may stay listed; a wake it does not need
    /// costs it one poll.
    idle: Mutex<Vec<Waker>>,
}

/// How many wakers [`Inner::idle`] holds at most: at that many (threads that ran on the
/// runner, or runs nested in a raw `smol::block_on`, which makes a waker per call) the list is
/// emptied and its wakers woken, and each run that still waits lists itself again.
const IDLE_LIMIT: usize = 64;

impl Smol {
    /// Adopts an executor the program already has: runs drive it (so its tasks, also those
    /// other threads spawned, progress during `block_on`), [`spawn`] spawns onto it, and
    /// dropping the runner leaves it and its tasks alone. A one-shot
    /// [`run`](OneOffRunner::run) never uses it: that has its own executor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let executor = Arc::new(smol::Executor::new());
    /// let runner = oneoff_smol::Smol::with_executor(Arc::clone(&executor));
    /// let task = executor.spawn(async { 20 });
    /// assert_eq!(runner.block_on(async { task.await + 1 })?, 21);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    pub fn with_executor(executor: Arc<Executor<'static>>) -> Self {
        let inner = Inner {
            executor,
            adopted: true,
            ..Inner::default()
        };
        Smol {
            inner: Arc::new(inner),
        }
    }
}

impl Inner {
    /// Whether a run that waits must drive the executor. A run that finds no task alive was
    /// listed in `idle` before it looked, so that a spawn right after the look wakes it.
    fn must_drive(&self, waker: &Waker) -> bool {
        if self.adopted {
            return true;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let mut full = Vec::new();
        if !idle.iter().any(|listed| listed.will_wake(waker)) {
            if idle.len() == IDLE_LIMIT {
                full = mem::take(&mut *idle);
            }
            idle.push(waker.clone());
        }
        drop(idle);
        full.into_iter().for_each(Waker::wake);
        self.tasks.load(Ordering::SeqCst) > 0
    }

    /// Wakes the runs that waited while no task was alive, after a spawn.
    fn wake_idle(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let idle = mem::take(&mut *idle);
        idle.into_iter().for_each(Waker::wake);
    }
}

/// Runs `future` to completion on this thread, the executor of `kept` (or of the one-shot
/// run's runner, once its future spawns) driven beside it from the first wait at which
/// [`Inner::must_drive`] says so to the end of the run.
#[inline]
fn run<F: Future>(kept: Option<&Inner>, future: F) -> F::Output {
    block_on(Run {
        future,
        kept,
        tasks: None,
    })
}

pin_project_lite::pin_project! {
    /// The run's future: the user's future, and the executor's run future once it is driven.
    struct Run<'a, F> {
        #[pin]
        future: F,
        kept: Option<&'a Inner>,
        tasks: Option<Pin<Box<dyn Future<Output = ()>>>>,
    }
}

impl<F: Future> Future for Run<'_, F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        if this.tasks.is_none() {
            *this.tasks = executor_to_drive(*this.kept, cx.waker())
                .map(|executor| Box::pin(async move { executor.run(pending()).await }) as _);
        }
        if let Some(tasks) = this.tasks {
            let _ = tasks.as_mut().poll(cx);
        }
        Poll::Pending
    }
}

/// The executor that a run of `kept` (or, for `None`, of the one-shot runner its future made)
/// must drive from this wait on, if [`Inner::must_drive`] says so.
#[inline(never)]
fn executor_to_drive(kept: Option<&Inner>, waker: &Waker) -> Option<Arc<Executor<'static>>> {
    let one_shot = || {
        ONE_SHOT
            .try_with(|runner| runner.borrow().clone())
            .ok()
            .flatten()
    };
    match kept {
        Some(kept) => kept.must_drive(waker).then(|| Arc::clone(&kept.executor)),
        None => one_shot()
            .filter(|runner| runner.must_drive(waker))
            .map(|runner| Arc::clone(&runner.executor)),
    }
}

thread_local! {
    /// Where `smol::block_on`'s thread-local parker is (see [`oneoff_core::block_on_cached`]).
    static PARKER: Cell<ParkerCache> = const { Cell::new(ParkerCache::Unwatched) };
    static PARKER_WATCH: CacheWatch = const { CacheWatch(&PARKER) };
}

/// `smol::block_on`, or, in a call from a thread-local's destructor once smol's thread-local
/// parker may be gone, a parker of the call's own; `async-io`'s driver thread then drives the
/// reactor, as for any thread outside `smol::block_on`.
#[inline(always)]
fn block_on<T>(future: impl Future<Output = T>) -> T {
    // Pinned here and passed by reference: `smol::block_on` moves what it is given, and a
    // pointer moves without the stall of reloading a struct just stored field by field.
    let future = pin!(future);
    oneoff_core::block_on_cached(
        &PARKER,
        &PARKER_WATCH,
        |future| smol::block_on(future),
        future,
    )
}

/// smol's identity: no escape besides awaiting, async-io's sockets and timers.
static SMOL: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "smol",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::AsyncIo,
);

impl OneOffRunner for Smol {
    const BACKEND: &'static oneoff_core::BackendInfo = &SMOL;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        Ok(Smol::default())
    }

    #[inline(always)]
    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        let _ = KEPT.try_with(|kept| {
            if kept.borrow().as_ptr() != Arc::as_ptr(&self.inner) {
                kept.replace(Arc::downgrade(&self.inner));
            }
        });
        Ok(run(Some(&self.inner), future))
    }

    #[inline]
    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        let _ = KEPT.try_with(|kept| {
            if !kept.borrow().ptr_eq(&Weak::new()) {
                kept.replace(Weak::new());
            }
        });
        let ended = EndOfRun;
        let output = run(None, future);
        // The tasks the future left are dropped (cancelled) with their executor while the
        // thread still counts as running async code, also when a panic unwinds.
        drop(ended);
        drop(entered);
        Ok(output)
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timer = Timer::at(deadline);
        self.drive(entered, until_deadline(future, deadline, timer))
    }

    fn spawn<F>(future: F) -> Result<oneoff_core::Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = spawn(future)?;
        Ok(oneoff_core::Task::new(Spawned(Some(task.fallible()))))
    }
}

oneoff_core::inherent_methods!(Smol);

/// Drops a one-shot run's runner, if its future made one, when the run ends.
struct EndOfRun;

impl Drop for EndOfRun {
    #[inline]
    fn drop(&mut self) {
        // Taken out of the thread-local first: the tasks dropped with it may call `spawn`.
        let runner = ONE_SHOT.try_with(RefCell::take);
        drop(runner);
    }
}

/// A smol task as a oneoff task handle: detached when dropped, its panic reported as
/// [`Error::Panicked`] and its executor's end as [`Error::Cancelled`].
struct Spawned<T>(Option<FallibleTask<T>>);

impl<T: Send> TaskHandle<T> for Spawned<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let cancelled = Error::Cancelled {
            backend: Smol::NAME,
        };
        oneoff_core::poll_unwinding(Smol::NAME, &mut self.0, cx)
            .map(|joined| joined?.ok_or(cancelled))
    }

    fn cancel(mut self: Box<Self>) {
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

pin_project_lite::pin_project! {
    /// A task spawned through oneoff: counted in its runner's live tasks until its future is
    /// dropped, through [`oneoff_core::report_drop_panic`], since smol drops it where a panic
    /// would abort the process.
    struct Counted<F> {
        #[pin]
        future: Option<F>,
        alive: Arc<AtomicUsize>,
    }

    impl<F> PinnedDrop for Counted<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            oneoff_core::report_drop_panic(Smol::NAME, || this.future.set(None));
            this.alive.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future.as_pin_mut();
        future.expect("dropped only with its task").poll(cx)
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
    let outside = "oneoff_smol::spawn (oneoff::smol_spawn) was called outside a oneoff smol run; \
                   call it from the future given to Smol::run or Smol::block_on, or use \
                   smol::spawn";
    if oneoff_core::current_context() != Some(AsyncContext::Oneoff(Smol::BACKEND)) {
        return Err(Error::Unsupported {
            backend: Smol::NAME,
            reason: outside,
        });
    }
    let runner = KEPT.try_with(|kept| kept.borrow().upgrade()).map(|kept| {
        kept.or_else(|| {
            let one_shot = ONE_SHOT.try_with(|runner| {
                Arc::clone(runner.borrow_mut().get_or_insert_with(Arc::default))
            });
            one_shot.ok()
        })
    });
    let Ok(Some(runner)) = runner else {
        return Err(Error::Unsupported {
            backend: Smol::NAME,
            reason: "oneoff_smol::spawn (oneoff::smol_spawn) was called while this thread's \
                     thread-locals are being destroyed, where no run can be found to spawn \
                     onto; await the future in place instead",
        });
    };
    // Counted before the look at the idle runs, so that a run woken by it finds it.
    runner.tasks.fetch_add(1, Ordering::SeqCst);
    let alive = Arc::clone(&runner.tasks);
    let future = Some(future);
    let task = runner.executor.spawn(Counted { future, alive });
    runner.wake_idle();
    Ok(task)
}

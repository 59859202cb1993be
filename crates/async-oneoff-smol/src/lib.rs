//! oneoff backend for [smol](https://docs.rs/smol): a kept executor driven by the `async-io`
//! reactor on the calling thread, cheap to start and able to run I/O and timers of the smol
//! family.
//!
//! [`Smol`] owns an `async_executor::Executor` and runs each future with `smol::block_on`,
//! driving the executor beside it while the executor has tasks: the calling thread drives the
//! future, the tasks spawned onto the executor with [`spawn`], and the `async-io` reactor.
//! Dropping the runner drops the tasks left on its executor, and a one-shot run drops those its
//! future left (those spawned with [`spawn`] or `oneoff::spawn`), as `asyncio.run` does. Tasks
//! spawned with `smol::spawn` instead go to smol's global executor, run on its own threads and
//! outlive the run. The first `smol::block_on` of the process starts `async-io`'s driver thread
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

use std::cell::{Cell, RefCell};
use std::future::{Future, pending};
use std::mem;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use async_executor::FallibleTask;
use oneoff_core::{Entered, Error, OneOffRunner, TaskHandle, until_deadline};
use smol::{Executor, Task, Timer};

thread_local! {
    /// The run in progress on this thread: where [`spawn`] puts tasks.
    static CURRENT: RefCell<Current> = const { RefCell::new(Current::Outside) };
}

/// What [`CURRENT`] holds.
enum Current {
    /// No oneoff smol run is in progress on this thread.
    Outside,
    /// A one-shot run whose future has spawned nothing yet: its runner is made by its first
    /// spawn, so that a one-shot run allocates nothing unless its future spawns.
    OneShot,
    /// A run of this runner.
    Runner(Arc<Inner>),
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
/// A run drives the executor (`Executor::run`, which allocates a queue) from the first time it
/// waits while a task spawned through oneoff is alive, or at every wait for an adopted executor
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

/// A runner's state, found by the spawns of its runs through [`CURRENT`].
#[derive(Debug, Default)]
struct Inner {
    executor: Arc<Executor<'static>>,
    /// Whether the executor came from [`Smol::with_executor`].
    adopted: bool,
    /// How many tasks spawned onto the executor through oneoff have not ended (see [`Guarded`]).
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

/// Marks a run in [`CURRENT`] until dropped, also when a panic unwinds: dropping the mark drops
/// a one-shot run's runner, with the tasks the future left on it, as `asyncio.run` cancels
/// them. `try_with`: in a call from a thread-local's destructor, where `CURRENT` may be gone,
/// the run goes on without it (and [`spawn`] there says so).
struct Running;

impl Running {
    #[inline]
    fn enter(run: Current) -> Self {
        let _ = CURRENT.try_with(|current| current.replace(run));
        Running
    }
}

impl Drop for Running {
    #[inline]
    fn drop(&mut self) {
        // Dropped outside the borrow, where the tasks a last handle drops may call `spawn`.
        let run = CURRENT.try_with(|current| current.replace(Current::Outside));
        drop(run);
    }
}

/// Runs `future` to completion on this thread, with the executor of the runner named in
/// [`CURRENT`] driven beside it from the first wait at which [`Inner::must_drive`] says so to
/// the end of the run.
fn run<F: Future>(future: F) -> F::Output {
    block_on(Run {
        future,
        tasks: None,
    })
}

pin_project_lite::pin_project! {
    struct Run<F> {
        #[pin]
        future: F,
        tasks: Option<Pin<Box<dyn Future<Output = ()>>>>,
    }
}

impl<F: Future> Future for Run<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        if this.tasks.is_none() {
            let driving = CURRENT.try_with(|current| match &*current.borrow() {
                Current::Runner(runner) if runner.must_drive(cx.waker()) => {
                    let runner = Arc::clone(runner);
                    let tasks = async move { runner.executor.run(pending()).await };
                    Some(Box::pin(tasks) as Pin<Box<dyn Future<Output = ()>>>)
                }
                _ => None,
            });
            *this.tasks = driving.ok().flatten();
        }
        if let Some(tasks) = this.tasks {
            let _ = tasks.as_mut().poll(cx);
        }
        Poll::Pending
    }
}

thread_local! {
    /// Whether `smol::block_on` may be called on this thread (see [`block_on`]).
    static PARKER: Cell<Parker> = const { Cell::new(Parker::Unknown) };
    /// Made after `smol::block_on` made its thread-local parker, so destroyed before it:
    /// thread-locals are destroyed in the reverse order of their making (glibc's order, which
    /// std follows where it keeps the list itself).
    static PARKER_WATCH: ParkerWatch = const { ParkerWatch };
}

#[derive(Clone, Copy)]
enum Parker {
    /// No `smol::block_on` of oneoff's has returned on this thread yet.
    Unknown,
    /// `smol::block_on`'s parker lives as long as [`PARKER_WATCH`].
    Watched,
    /// The watch was destroyed: the thread's thread-locals are being destroyed.
    Gone,
}

struct ParkerWatch;

impl Drop for ParkerWatch {
    fn drop(&mut self) {
        PARKER.set(Parker::Gone);
    }
}

/// `smol::block_on`, or, in a call from a thread-local's destructor once smol's thread-local
/// parker may be gone (`smol::block_on` panics there), a parker of the call's own; `async-io`'s
/// driver thread then drives the reactor, as for any thread outside `smol::block_on`.
fn block_on<T>(future: impl Future<Output = T>) -> T {
    match PARKER.get() {
        Parker::Watched => smol::block_on(future),
        Parker::Unknown => {
            let output = smol::block_on(future);
            if PARKER_WATCH.try_with(|_| ()).is_ok() {
                PARKER.set(Parker::Watched);
            }
            output
        }
        Parker::Gone => {
            let (parker, unparker) = parking::pair();
            let waker = Waker::from(unparker);
            let mut future = pin!(future);
            let mut cx = Context::from_waker(&waker);
            loop {
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
                parker.park();
            }
        }
    }
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

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        let _running = Running::enter(Current::Runner(Arc::clone(&self.inner)));
        Ok(run(future))
    }

    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        let running = Running::enter(Current::OneShot);
        let output = run(future);
        // The tasks the future left are dropped while the thread still counts as running
        // async code.
        drop(running);
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

/// A smol task as a oneoff task handle. smol cancels a task when its handle is dropped,
/// re-raises its panic where it is awaited, and ends it without output when its executor is
/// dropped; a oneoff task is detached when dropped and reports a panic as [`Error::Panicked`],
/// the executor's end as [`Error::Cancelled`].
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
    /// dropped, which happens through [`oneoff_core::report_drop_panic`], since smol drops a
    /// task's future (when it ends, is cancelled, or its executor is dropped) where a panic of
    /// its destructor would abort the process.
    struct Guarded<F> {
        #[pin]
        future: Option<F>,
        alive: Arc<AtomicUsize>,
    }

    impl<F> PinnedDrop for Guarded<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            oneoff_core::report_drop_panic(Smol::NAME, || this.future.set(None));
            this.alive.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl<F: Future> Future for Guarded<F> {
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
    let runner = CURRENT.try_with(|current| {
        let mut current = current.borrow_mut();
        match &*current {
            Current::Runner(runner) => Some(Arc::clone(runner)),
            Current::OneShot => {
                let runner = Arc::new(Inner::default());
                *current = Current::Runner(Arc::clone(&runner));
                Some(runner)
            }
            Current::Outside => None,
        }
    });
    let reason = match runner {
        Ok(Some(runner)) => {
            // Counted before the look at the idle runs, so that a run woken by it finds it.
            runner.tasks.fetch_add(1, Ordering::SeqCst);
            let alive = Arc::clone(&runner.tasks);
            let future = Some(future);
            let task = runner.executor.spawn(Guarded { future, alive });
            runner.wake_idle();
            return Ok(task);
        }
        Ok(None) => {
            "oneoff_smol::spawn (oneoff::smol_spawn) was called outside a oneoff smol run; call \
             it from the future given to Smol::run or Smol::block_on, or use smol::spawn"
        }
        Err(_) => {
            "oneoff_smol::spawn (oneoff::smol_spawn) was called while this thread's \
             thread-locals are being destroyed, where no run can be found to spawn onto; await \
             the future in place instead"
        }
    };
    Err(Error::Unsupported {
        backend: Smol::NAME,
        reason,
    })
}

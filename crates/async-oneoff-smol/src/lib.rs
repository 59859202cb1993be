//! oneoff backend for [smol](https://docs.rs/smol): a kept executor driven by the `async-io`
//! reactor on the calling thread, cheap to start and able to run I/O and timers of the smol
//! family.
//!
//! [`Smol`] owns an `async_executor::Executor` and runs each future with `smol::block_on`,
//! driving the executor beside it once a task is on it: the calling thread drives the future,
//! the tasks spawned onto the executor with [`spawn`], and the `async-io` reactor. Dropping the
//! runner drops the tasks left on its executor. A one-shot run makes an executor at the first
//! [`spawn`] of its future and drops it when the run ends, so it cancels whatever its future
//! spawned with [`spawn`] (or `oneoff::spawn`), as `asyncio.run` does. Tasks spawned with
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

use std::cell::{Cell, RefCell};
use std::future::{Future, pending};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Instant;

use atomic_waker::AtomicWaker;
use oneoff_core::{Entered, Error, OneOffRunner, TaskHandle, until_deadline};
use smol::{Executor, Task, Timer};

thread_local! {
    /// The runner whose `block_on` is in progress on this thread, as the address of its state;
    /// 0 when none is. One word written and put back around each call, where a scoped
    /// thread-local naming the runner cost about 3 ns a call (`ready/smol/reused`).
    static RUNNING: Cell<usize> = const { Cell::new(0) };
    /// The runners that have run on this thread, where [`spawn`] finds the running one by its
    /// address. Weak: a dropped runner's executor and tasks go at once, and its entry at the
    /// next registration on this thread.
    static RUNNERS: RefCell<Vec<Weak<Inner>>> = const { RefCell::new(Vec::new()) };
    /// Whether a one-shot run is in progress on this thread, and whether it has an executor.
    static ONE_SHOT: Cell<OneShot> = const { Cell::new(OneShot::Idle) };
    /// The executor of the one-shot run in progress on this thread, made by its first
    /// [`spawn`] and dropped (cancelling its tasks) when the run ends.
    static ONE_SHOT_EXECUTOR: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
    /// The executor's run future of the run in progress on this thread, from the first poll
    /// that drives the executor to the end of the run. Kept here rather than in the run's
    /// future, so that the run's future has nothing to drop: a boxed field there cost about
    /// 3 ns at every pending poll of a run that never drives its executor.
    static TASKS: RefCell<Option<Tasks>> = const { RefCell::new(None) };
    /// Whether `TASKS` holds a future.
    static HAS_TASKS: Cell<bool> = const { Cell::new(false) };
}

/// An executor's run future: it runs the executor's tasks and never ends.
type Tasks = Pin<Box<dyn Future<Output = ()>>>;

/// Polls the executor's run future of the run in progress on this thread, made by `make` at
/// the run's first call.
#[cold]
#[inline(never)]
fn poll_tasks(cx: &mut Context<'_>, make: impl FnOnce() -> Option<Tasks>) {
    // Out of the slot while it is polled, so that nothing its tasks do can meet a borrow.
    let mut tasks = TASKS.take().or_else(make);
    if let Some(running) = tasks.as_mut() {
        let _ = running.as_mut().poll(cx);
        HAS_TASKS.set(true);
    }
    TASKS.set(tasks);
}

/// Drops the executor's run future of the run that ends on this thread, if it made one.
#[inline]
fn end_tasks() {
    if HAS_TASKS.get() {
        drop_tasks();
    }
}

/// The out-of-line part of [`end_tasks`], so that a run which never drove its executor ends
/// with one read of a thread-local.
#[cold]
#[inline(never)]
fn drop_tasks() {
    HAS_TASKS.set(false);
    let tasks = TASKS.take();
    drop(tasks);
}

/// The one-shot run on a thread: a run has no executor until its future spawns a task.
///
/// A one-shot run is this thread's alone, so it needs neither a runner nor the scoped
/// thread-local naming one: two writes of a byte mark it, and the executor is made only by a
/// [`spawn`] (`ready/smol/oneshot` in `cargo bench`, see `docs/benchmarks.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OneShot {
    Idle,
    Running,
    Spawned,
}

/// The mark of the one-shot run in progress; dropping it, also when a panic unwinds, ends the
/// run and drops its executor, cancelling the tasks left on it.
struct OneShotRun;

impl OneShotRun {
    #[inline]
    fn start() -> Self {
        ONE_SHOT.set(OneShot::Running);
        OneShotRun
    }
}

impl Drop for OneShotRun {
    #[inline]
    fn drop(&mut self) {
        if ONE_SHOT.replace(OneShot::Idle) == OneShot::Spawned {
            end_tasks();
            // Taken first, dropped after the borrow ends: a task's destructor may look at the
            // slot (through `spawn`) while the executor drops it.
            let executor = ONE_SHOT_EXECUTOR.take();
            drop(executor);
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of a one-shot run: `future`, with the run's executor driven beside it from
    /// the first task [`spawn`] put on it.
    struct OneShotFuture<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for OneShotFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if let Poll::Ready(output) = self.project().future.poll(cx) {
            return Poll::Ready(output);
        }
        if ONE_SHOT.get() == OneShot::Spawned {
            poll_tasks(cx, one_shot_tasks);
        }
        Poll::Pending
    }
}

/// The one-shot run's executor, run.
fn one_shot_tasks() -> Option<Tasks> {
    let executor = ONE_SHOT_EXECUTOR.with_borrow(Option::clone)?;
    Some(Box::pin(async move { executor.run(pending::<()>()).await }))
}

/// A smol executor kept for the runner's life, driven by `smol::block_on`.
///
/// Threads: the future and the tasks spawned with [`spawn`] (or `oneoff::spawn`) run on the
/// calling thread, and only while a `block_on` is running. `smol::block_on` starts `async-io`'s
/// driver thread when the first run of the process ends (it wakes that thread at the end of
/// every run), and the thread stays. Dropping the runner drops (cancels) the tasks still on its
/// executor at once: there is nothing to wait for, so teardown needs no bound. Panics in the
/// future unwind through the call; the executor stays usable. The runner is `Sync`: several
/// threads may block on it at once, each driving the shared executor.
///
/// A run whose future spawns nothing costs what `smol::block_on` of the same future costs,
/// plus the nested-call check and a few nanoseconds of bookkeeping (see `docs/benchmarks.md`):
/// the executor is driven (`Executor::run`, which allocates a queue per call) only once a
/// task was spawned onto it, or a second thread has run on the same runner, or the executor
/// was adopted with [`Smol::with_executor`]. A one-shot [`run`](OneOffRunner::run) makes no
/// runner at all: its executor is made by the first [`spawn`] of its future.
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

// As `async_executor::Executor`: a panic that unwinds through a run leaves the runner usable
// (its flags are atomics, its waker slot an `AtomicWaker`).
impl std::panic::UnwindSafe for Smol {}
impl std::panic::RefUnwindSafe for Smol {}

/// A runner's state, shared with the spawns of its runs through [`RUNNERS`].
#[derive(Debug, Default)]
struct Inner {
    executor: Kept,
    /// Set by the first task spawned onto the executor through oneoff.
    spawned: AtomicBool,
    /// The thread that ran on this runner first (see [`thread_mark`]); 0 before any run.
    owner: AtomicUsize,
    /// Set for good once a second thread runs on this runner: from then on every run drives
    /// the executor, as the owner's run might wait for a task that another thread's run left.
    shared: AtomicBool,
    /// The run that may be waiting without driving the executor (there is at most one: the
    /// owner's, while the runner is not shared), to be woken when it must start driving it.
    idle: AtomicWaker,
    /// The data pointer of the waker in `idle`, or 0 once it was taken: `smol::block_on` keeps
    /// one waker per thread, so the owner's runs register it once, not once per call.
    idle_data: AtomicUsize,
}

/// A number that tells threads apart, never given to two threads of the process: read from a
/// thread-local in a nanosecond, where `std::thread::current()` clones an `Arc`.
#[inline]
fn thread_mark() -> usize {
    thread_local! {
        static MARK: Cell<usize> = const { Cell::new(0) };
    }
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let mark = MARK.get();
    if mark != 0 {
        return mark;
    }
    let mark = NEXT.fetch_add(1, Ordering::Relaxed);
    MARK.set(mark);
    mark
}

/// Puts back the runner that ran before on this thread and drops the run's executor run
/// future, also when a panic unwinds.
struct Restore(usize);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        end_tasks();
        RUNNING.set(self.0);
    }
}

/// The executor, the runner's own or adopted.
#[derive(Debug)]
enum Kept {
    Own(Executor<'static>),
    Adopted(Arc<Executor<'static>>),
}

impl Default for Kept {
    fn default() -> Self {
        Kept::Own(Executor::new())
    }
}

impl Smol {
    /// Adopts an executor the program already has: runs drive it (so its tasks, also those
    /// other threads spawned, progress during `block_on`), [`spawn`] spawns onto it, and
    /// dropping the runner leaves it and its tasks alone. A one-shot
    /// [`run`](OneOffRunner::run) never uses it: that makes its own executor when its future
    /// spawns.
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
        Smol {
            inner: Arc::new(Inner {
                executor: Kept::Adopted(executor),
                ..Inner::default()
            }),
        }
    }

    /// Notes which thread runs now: the first becomes the owner; any other makes the runner
    /// shared, and wakes the owner's run if it waits without driving the executor. A thread's
    /// first run registers the runner in the thread's [`RUNNERS`].
    #[inline]
    fn note_thread(&self) {
        let inner = &*self.inner;
        let mark = thread_mark();
        let owner = inner.owner.load(Ordering::Relaxed);
        if owner == mark {
            return;
        }
        self.register();
        if owner == 0
            && inner
                .owner
                .compare_exchange(0, mark, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        if !inner.shared.load(Ordering::Relaxed) && !inner.shared.swap(true, Ordering::SeqCst) {
            inner.wake_idle();
        }
    }

    /// Makes this runner findable by [`spawn`] on the calling thread.
    #[cold]
    #[inline(never)]
    fn register(&self) {
        let address = Arc::as_ptr(&self.inner);
        RUNNERS.with_borrow_mut(|runners| {
            if !runners.iter().any(|runner| runner.as_ptr() == address) {
                runners.retain(|runner| runner.strong_count() > 0);
                runners.push(Arc::downgrade(&self.inner));
            }
        });
    }
}

impl Inner {
    #[inline]
    fn executor(&self) -> &Executor<'static> {
        match &self.executor {
            Kept::Own(executor) => executor,
            Kept::Adopted(executor) => executor,
        }
    }

    /// Whether a pending run may have to drive the executor: [`drives_tasks`](Self::drives_tasks)
    /// without its look at the executor's tasks, which takes a lock.
    #[inline]
    fn may_drive_tasks(&self) -> bool {
        matches!(self.executor, Kept::Adopted(_))
            || self.shared.load(Ordering::SeqCst)
            || self.spawned.load(Ordering::SeqCst)
    }

    /// Whether a pending run must drive the executor.
    #[inline]
    fn drives_tasks(&self) -> bool {
        matches!(self.executor, Kept::Adopted(_))
            || self.shared.load(Ordering::SeqCst)
            || (self.spawned.load(Ordering::SeqCst) && !self.executor().is_empty())
    }

    /// Wakes the run that waits without driving the executor, if one does.
    fn wake_idle(&self) {
        self.idle_data.store(0, Ordering::SeqCst);
        self.idle.wake();
    }

    /// Whether `waker` is the one registered to be woken when the executor must be driven.
    #[inline]
    fn is_idle_waker(&self, waker: &std::task::Waker) -> bool {
        self.idle_data.load(Ordering::SeqCst) == waker.data() as usize
    }

    /// Registers `waker` as the one to wake when the executor must be driven, unless it is
    /// the one registered already (the registered clone keeps its data alive, so equal data
    /// means the same waker). Returns whether it registered it now.
    #[inline]
    fn register_idle(&self, waker: &std::task::Waker) -> bool {
        if self.is_idle_waker(waker) {
            return false;
        }
        self.idle.register(waker);
        self.idle_data
            .store(waker.data() as usize, Ordering::SeqCst);
        true
    }

    /// The executor, run.
    fn tasks(self: Arc<Self>) -> Tasks {
        Box::pin(async move { self.executor().run(pending::<()>()).await })
    }
}

pin_project_lite::pin_project! {
    /// The future of a runner's run: `future`, with the executor's tasks driven beside it from
    /// the moment it must be. Written out rather than as an `async fn` around `poll_fn`, whose
    /// state machine cost 5 to 6 ns more a call (`ready/smol` in `cargo bench`: 40.0 ns
    /// before, 34.5 ns after, beside 22.7 ns for `smol::block_on`).
    struct DriveWithTasks<'a, F> {
        #[pin]
        future: F,
        runner: &'a Arc<Inner>,
    }
}

impl<F: Future> Future for DriveWithTasks<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        let runner: &Arc<Inner> = this.runner;
        // The common case, a run that waits without driving the executor and whose waker is
        // registered already, in a few reads inlined into `smol::block_on`'s loop; the rest
        // out of line.
        if HAS_TASKS.get() || runner.may_drive_tasks() || !runner.is_idle_waker(cx.waker()) {
            pending_with_tasks(runner, cx);
        }
        Poll::Pending
    }
}

/// A pending poll of a runner's run that drives the executor, or may have to: the first that
/// finds the waker unregistered, and every one once a task was spawned onto the runner, a second
/// thread ran on it, or its executor is adopted.
#[cold]
#[inline(never)]
fn pending_with_tasks(runner: &Arc<Inner>, cx: &mut Context<'_>) {
    // Whoever makes this run drive the executor (a spawn, another thread's run) changes what
    // `drives_tasks` reads first and then takes and wakes the registered waker, so the second
    // look is needed only right after a registration.
    if !HAS_TASKS.get()
        && !runner.drives_tasks()
        && (!runner.register_idle(cx.waker()) || !runner.drives_tasks())
    {
        return;
    }
    poll_tasks(cx, || Some(Arc::clone(runner).tasks()));
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

    #[inline]
    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        self.note_thread();
        let _restore = Restore(RUNNING.replace(Arc::as_ptr(&self.inner) as usize));
        Ok(smol::block_on(DriveWithTasks {
            future,
            runner: &self.inner,
        }))
    }

    #[inline]
    fn drive_once<F: Future>(_entered: Entered, future: F) -> Result<F::Output, Error> {
        let _run = OneShotRun::start();
        Ok(smol::block_on(OneShotFuture { future }))
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
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

oneoff_core::inherent_methods!(Smol, "oneoff_smol::Smol");

/// A smol task as a oneoff task handle. smol cancels a task when its handle is dropped, and
/// re-raises its panic where it is awaited; a oneoff task is detached when dropped and reports
/// a panic as [`Error::Panicked`].
struct Spawned<T>(Option<Task<T>>);

impl<T: Send> TaskHandle<T> for Spawned<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        oneoff_core::poll_unwinding(Smol::NAME, &mut self.0, cx)
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
    if let Some(runner) = running_runner() {
        let task = runner.executor().spawn(future);
        if !runner.spawned.load(Ordering::Relaxed) && !runner.spawned.swap(true, Ordering::SeqCst) {
            // A run waiting without driving the executor must start driving it.
            runner.wake_idle();
        }
        return Ok(task);
    }
    if ONE_SHOT.get() != OneShot::Idle {
        return Ok(spawn_one_shot(future));
    }
    Err(Error::Unsupported {
        backend: Smol::NAME,
        reason: "oneoff_smol::spawn (oneoff::smol_spawn) was called outside a oneoff smol run; \
                 call it from the future given to Smol::run or Smol::block_on, or use \
                 smol::spawn",
    })
}

/// The runner whose `block_on` is in progress on this thread, if one is.
fn running_runner() -> Option<Arc<Inner>> {
    let running = RUNNING.get();
    if running == 0 {
        return None;
    }
    RUNNERS.with_borrow(|runners| {
        runners
            .iter()
            .find(|runner| runner.as_ptr() as usize == running)
            .and_then(Weak::upgrade)
    })
}

/// Spawns onto the executor of the one-shot run in progress on this thread, making it first.
fn spawn_one_shot<T, F>(future: F) -> Task<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let executor = ONE_SHOT_EXECUTOR
        .with_borrow_mut(|slot| Arc::clone(slot.get_or_insert_with(|| Arc::new(Executor::new()))));
    ONE_SHOT.set(OneShot::Spawned);
    executor.spawn(future)
}

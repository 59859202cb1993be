//! oneoff backend for [monoio](https://docs.rs/monoio): ByteDance's thread-per-core runtime
//! on io_uring, with an epoll ("legacy") driver where io_uring is unavailable, whose I/O runs
//! only under monoio itself.
//!
//! [`Monoio`] keeps a monoio runtime with its timer enabled and runs each future with its
//! `block_on` on the calling thread: the future, the tasks spawned onto the runtime and the I/O
//! driver all run there, and nothing else is started. The driver is chosen when the runner is
//! made: io_uring where the kernel offers every operation monoio needs, the legacy driver
//! otherwise (or when `MONOIO_FORCE_LEGACY_DRIVER=1` is set); [`Monoio::driver`] says which one
//! runs. monoio's sockets, files and timers register with that driver, so they work only inside
//! a monoio runtime: a future that uses them fails on any other backend, as tokio's I/O does
//! outside tokio. Runtime-neutral futures, and `async-io`'s timers and sockets (driven by
//! `async-io`'s own thread), run here as everywhere; monoio's `sync` feature, which this crate
//! turns on, lets a waker from another thread reach the runtime.
//!
//! Tasks spawned with `oneoff::spawn` go to an executor of the runner's own
//! (`async_executor::LocalExecutor`), polled inside monoio's `block_on` beside the future: the
//! future and the tasks take turns, and dropping the runner (the end of a one-shot run) drops
//! every task left. monoio's own scheduler would run a task that wakes itself again before
//! anything else, starving the future and its timeout, and keeps no list of its tasks, so
//! that a task left waiting would never be dropped; tasks spawned with `monoio::spawn` keep
//! that scheduling.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_monoio::Monoio;
//!
//! let answer = Monoio::run(async {
//!     monoio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     42
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None.

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, pending};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

use async_executor::LocalExecutor;
use monoio::time::TimeDriver;
use monoio::{FusionDriver, FusionRuntime, IoUringDriver, LegacyDriver, RuntimeBuilder};
use oneoff_core::{Entered, Error, OneOffRunner, Task, until_deadline};

thread_local! {
    /// The executor of the runner whose run is in progress on this thread: where
    /// [`OneOffRunner::spawn`] puts tasks.
    static CURRENT: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// A monoio runtime on io_uring or on the legacy driver, with its timer.
type Runtime = FusionRuntime<TimeDriver<IoUringDriver>, TimeDriver<LegacyDriver>>;

/// monoio's runtime, kept for the runner's life.
///
/// Threads: the future, the tasks spawned onto the runtime (`monoio::spawn`, or
/// `oneoff::spawn`) and the I/O driver all run on the calling thread, only while a `block_on`
/// is running; nothing else is started. Dropping the runner drops (cancels) the tasks spawned
/// with `oneoff::spawn` that are left, so a one-shot run cancels them, as `asyncio.run` does;
/// of the tasks of `monoio::spawn`, monoio drops those queued to run and never drops one left
/// waiting. A panic in the future unwinds through the call with its payload and the runner
/// stays usable; a panic in a task spawned with `monoio::spawn` does the same (monoio does not
/// catch it), where one spawned with `oneoff::spawn` is reported by its [`Task`]. The runner is
/// neither `Send` nor `Sync`: a monoio runtime belongs to the thread that made it, so each
/// thread makes its own.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_monoio::Monoio;
///
/// let runner = Monoio::new().unwrap();
/// let task = runner.block_on(async { monoio::spawn(async { 7 }) }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap(), 7);
/// ```
///
/// The runtime stays on its thread:
///
/// ```compile_fail,E0277
/// use oneoff_core::OneOffRunner;
/// use oneoff_monoio::Monoio;
///
/// let runner = Monoio::new().unwrap();
/// std::thread::spawn(move || runner.block_on(async { 1 })); // error[E0277]: cannot be sent
/// ```
pub struct Monoio {
    /// The tasks spawned through oneoff; before the runtime, so that they are dropped first.
    tasks: Rc<LocalExecutor<'static>>,
    /// Borrowed mutably by one `block_on` at a time: `enter` refuses a nested call on this
    /// thread before the borrow, and the runner cannot be shared with another thread.
    runtime: RefCell<Runtime>,
}

impl Monoio {
    /// The I/O driver this runner's runtime uses: `"io_uring"`, or `"legacy"` (epoll) where
    /// the kernel lacks an io_uring operation monoio needs, io_uring is disabled, or
    /// `MONOIO_FORCE_LEGACY_DRIVER=1` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::OneOffRunner;
    /// use oneoff_monoio::Monoio;
    ///
    /// let driver = Monoio::new().unwrap().driver();
    /// assert!(["io_uring", "legacy"].contains(&driver), "{driver}");
    /// ```
    pub fn driver(&self) -> &'static str {
        match &*self.runtime.borrow() {
            FusionRuntime::Uring(_) => "io_uring",
            FusionRuntime::Legacy(_) => "legacy",
        }
    }

    /// Runs `future` on the runtime, with the runner's tasks polled beside it.
    fn run_here<F: Future>(&self, future: F) -> F::Output {
        let previous = CURRENT.try_with(|current| current.replace(Some(Rc::clone(&self.tasks))));
        let _restore = Restore(previous.ok().flatten());
        let tasks = &self.tasks;
        self.runtime.borrow_mut().block_on(WithTasks {
            future,
            tasks,
            running: None,
        })
    }
}

/// Puts back what [`CURRENT`] held before a run, also when a panic unwinds.
struct Restore(Option<Rc<LocalExecutor<'static>>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
    }
}

pin_project_lite::pin_project! {
    /// A run's future with the runner's tasks polled beside it, from the first wait at which
    /// any is alive: at each poll the future first, then up to 200 tasks (`LocalExecutor::run`
    /// yields after that many).
    struct WithTasks<'a, F> {
        #[pin]
        future: F,
        tasks: &'a LocalExecutor<'static>,
        running: Option<Pin<Box<dyn Future<Output = ()> + 'a>>>,
    }
}

impl<F: Future> Future for WithTasks<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        let tasks: &LocalExecutor<'static> = this.tasks;
        if this.running.is_none() && !tasks.is_empty() {
            *this.running = Some(Box::pin(tasks.run(pending())));
        }
        if let Some(running) = this.running {
            let _ = running.as_mut().poll(cx);
        }
        Poll::Pending
    }
}

impl fmt::Debug for Monoio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monoio")
            .field("driver", &self.driver())
            .finish()
    }
}

/// monoio's identity: no escape besides awaiting, monoio's own sockets and timers.
static MONOIO: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "monoio",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::Monoio,
);

impl OneOffRunner for Monoio {
    const BACKEND: &'static oneoff_core::BackendInfo = &MONOIO;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        let runtime = RuntimeBuilder::<FusionDriver>::new()
            .enable_timer()
            .build()
            .map_err(|source| Error::Start {
                backend: Self::NAME,
                source,
            })?;
        Ok(Monoio {
            tasks: Rc::default(),
            runtime: RefCell::new(runtime),
        })
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
        Ok(self.run_here(async {
            let timer = monoio::time::sleep_until(deadline.into());
            until_deadline(future, deadline, timer).await
        }))
    }

    /// Spawns onto the runner whose run is in progress on this thread, beside its future.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let Some(tasks) = CURRENT
            .try_with(|current| current.borrow().clone())
            .ok()
            .flatten()
        else {
            return Err(Error::Unsupported {
                backend: Self::NAME,
                reason: "no oneoff monoio run is in progress on this thread; spawn from inside \
                         the future given to Monoio::run or Runner::block_on",
            });
        };
        // The body reports a panic and is cancelled through the task; the executor's own
        // handle, which would cancel the task when dropped, is detached.
        Task::spawn_with(Self::NAME, future, |body| {
            tasks.spawn(body).detach();
            Ok(())
        })
    }
}

oneoff_core::inherent_methods!(Monoio);

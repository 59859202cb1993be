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
//! Teardown is bounded: a runtime waits at most [`DEFAULT_SHUTDOWN_TIMEOUT`] (or what its
//! [builder](TokioBuilder::shutdown_timeout) says) for `spawn_blocking` jobs that are still
//! running, then leaves them running on their threads and says so in a `log` warning (target
//! `oneoff`), where tokio alone would wait for them for ever.
//!
//! # Examples
//!
//! ```
//! use oneoff_tokio::Tokio;
//!
//! let answer = Tokio::run(async {
//!     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     42
//! });
//! assert_eq!(answer.unwrap(), 42);
//!
//! // With options, in the style of tokio's `Builder`:
//! let runner = oneoff_tokio::TokioMultiThread::builder()
//!     .worker_threads(2)
//!     .thread_name("app-worker")
//!     .build()
//!     .unwrap();
//! assert_eq!(runner.block_on(async { 7 }).unwrap(), 7);
//! ```
//!
//! ## Feature flags
//!
//! None: the crate always builds both flavours. It enables `async-oneoff-core`'s `detect-tokio`, so
//! that every oneoff backend refuses to block inside a running tokio runtime.
//!
//! Of tokio's features it turns on what it uses itself, `rt`, `rt-multi-thread` and `time`, so
//! that a program that needs no tokio I/O builds none (no `mio`, no `socket2`). A program that
//! uses more of tokio names it in its own dependency on tokio, and cargo builds one tokio with
//! every crate's features:
//!
//! ```toml
//! tokio = { version = "1", features = ["net", "io-util", "time", "fs", "sync", "macros"] }
//! ```
//!
//! `net` for `tokio::net` (its runtimes then start tokio's I/O driver, through
//! `Builder::enable_all`), `io-util` for `AsyncReadExt` and `AsyncWriteExt`, `time` for
//! `tokio::time` in the program's own code, `fs` for `tokio::fs` (which needs no driver: it
//! runs on the blocking pool), `sync` for tokio's channels and locks, `macros` for `select!`
//! and `#[tokio::main]`; `process` and `signal` also start the I/O driver.

use std::cell::Cell;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use oneoff_core::{
    AsyncContext, BackendInfo, Entered, Error, Escape, NativeIo, OneOffRunner, Task, TaskHandle,
    tokio_block_on, until_deadline,
};
use tokio::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use tokio::task::JoinHandle;

/// Why no tokio runtime can start or run on a thread whose thread-locals are being destroyed.
const ENDING_THREAD: &str = "this thread is ending and tokio's thread-local context is already \
                             destroyed (the call comes from a thread-local's destructor); make \
                             the call before the thread ends, or use a backend that keeps \
                             nothing in thread-locals (pollster)";

/// How long a runtime's teardown waits for `spawn_blocking` jobs (and, on the multi-thread
/// flavour, its workers) before it leaves them running and reports it.
///
/// One second: long enough for ordinary clean-up jobs, short enough that a stuck job (a
/// blocking read of stdin through `tokio::io::stdin`, a `spawn_blocking` nobody awaited) does
/// not hold a one-shot program up. `asyncio.run` bounds the same wait (its default executor's
/// shutdown) at 300 s.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// tokio's current-thread runtime, with I/O and timers enabled.
///
/// Threads: the future and every task it spawns run on the calling thread; the runtime starts
/// no thread (a `spawn_blocking` call starts blocking-pool threads, waited for on teardown up
/// to its bound). Spawned tasks (`tokio::spawn`, or `oneoff::spawn`) progress only while a
/// `block_on` is running, and are dropped (cancelled) when the runner is dropped, so a one-shot
/// run cancels whatever its future left behind, as `asyncio.run` does. Tasks left on a reused
/// runner by a `_timeout` call that gave up stay there until the runner is dropped.
///
/// Build one with options through [`Tokio::builder`], or adopt a runtime the program already
/// has with [`Tokio::from_runtime`] or [`Tokio::from_handle`].
///
/// # Examples
///
/// ```
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
/// Threads: the future itself is polled on the calling thread; one worker thread per core (or
/// as many as [`TokioBuilder::worker_threads`] says) is started by `new` to run spawned tasks,
/// and joined when the runner is dropped, up to its teardown bound. Spawned tasks keep running
/// between `block_on` calls (also after a `_timeout` call gave up) and are cancelled on
/// teardown.
///
/// # Examples
///
/// ```
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

/// The current-thread flavour's identity: code that must block goes to `spawn_blocking`.
static TOKIO: BackendInfo = BackendInfo::new("tokio", Escape::SpawnBlocking, NativeIo::Tokio);

/// The multi-thread flavour's identity: code that must block can also use
/// [`block_in_place`].
static TOKIO_MT: BackendInfo = BackendInfo::new("tokio-mt", Escape::BlockInPlace, NativeIo::Tokio);

/// What the two flavours have in common, so that each is declared once.
macro_rules! flavour {
    ($runner:ident, $backend:ident, $flavor:ident, $new_builder:ident, $path:literal) => {
        impl OneOffRunner for $runner {
            const BACKEND: &'static BackendInfo = &$backend;
            const CAN_SPAWN: bool = true;
            const PROVIDES_TOKIO: bool = true;

            fn new() -> Result<Self, Error> {
                TokioBuilder::<$runner>::new().build()
            }

            fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
                self.runtime.block_on(future)
            }

            fn drive_timeout<F: Future>(
                &self,
                _entered: Entered,
                future: F,
                deadline: Instant,
            ) -> Result<Option<F::Output>, Error> {
                self.runtime.block_on_until(future, deadline)
            }

            fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                spawn_on_current(Self::NAME, future)
            }
        }

        oneoff_core::inherent_methods!($runner);

        impl $runner {
            /// A builder with tokio's options (worker threads, thread names, drivers, thread
            /// start and stop hooks) and the teardown bound, in the style of tokio's `Builder`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let runner = ", $path, "::builder().thread_name(\"app\").build()?;")]
            /// assert_eq!(runner.block_on(async { 1 })?, 1);
            /// # Ok::<(), oneoff_core::Error>(())
            /// ```
            pub fn builder() -> TokioBuilder<$runner> {
                TokioBuilder::new()
            }

            /// Adopts a runtime the program already has: `block_on` runs futures on it, and
            /// dropping the runner shuts it down (with the teardown bound), as dropping the
            /// runtime would. A runtime of the other flavour is refused with
            /// [`Error::InvalidOption`].
            ///
            /// A one-shot [`run`](OneOffRunner::run) never uses it: that always starts a fresh
            /// runtime. Timeouts are timed by `futures-timer`'s thread, since the runtime may
            /// have no time driver.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let runtime = tokio::runtime::Builder::", stringify!($new_builder), "().enable_all().build().unwrap();")]
            #[doc = concat!("let runner = ", $path, "::from_runtime(runtime)?;")]
            /// assert_eq!(runner.block_on(async { 5 })?, 5);
            /// # Ok::<(), oneoff_core::Error>(())
            /// ```
            pub fn from_runtime(runtime: Runtime) -> Result<Self, Error> {
                check_flavour(runtime.handle(), RuntimeFlavor::$flavor, Self::NAME)?;
                Ok($runner {
                    runtime: Kept {
                        runtime: HeldRuntime::Owned(Some(runtime)),
                        timer: Timer::Thread,
                        shutdown: DEFAULT_SHUTDOWN_TIMEOUT,
                        backend: Self::BACKEND,
                    },
                })
            }

            /// Adopts a handle to a runtime that lives elsewhere: `block_on` runs futures with
            /// `Handle::block_on`, and dropping the runner leaves the runtime alone. A handle
            /// of the other flavour is refused with [`Error::InvalidOption`].
            ///
            /// On a current-thread runtime, tokio drives I/O and timers only inside
            /// `Runtime::block_on`: a future that needs them completes only while another
            /// thread is in that runtime's `block_on`. Timeouts still work (they are timed by
            /// `futures-timer`'s thread).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let runtime = tokio::runtime::Builder::", stringify!($new_builder), "().enable_all().build().unwrap();")]
            #[doc = concat!("let runner = ", $path, "::from_handle(runtime.handle().clone())?;")]
            /// assert_eq!(runner.block_on(async { 6 })?, 6);
            /// drop(runner); // the runtime lives on
            /// assert_eq!(runtime.block_on(async { 7 }), 7);
            /// # Ok::<(), oneoff_core::Error>(())
            /// ```
            pub fn from_handle(handle: Handle) -> Result<Self, Error> {
                check_flavour(&handle, RuntimeFlavor::$flavor, Self::NAME)?;
                Ok($runner {
                    runtime: Kept {
                        runtime: HeldRuntime::Adopted(handle),
                        timer: Timer::Thread,
                        shutdown: DEFAULT_SHUTDOWN_TIMEOUT,
                        backend: Self::BACKEND,
                    },
                })
            }
        }
    };
}

flavour!(
    Tokio,
    TOKIO,
    CurrentThread,
    new_current_thread,
    "oneoff_tokio::Tokio"
);
flavour!(
    TokioMultiThread,
    TOKIO_MT,
    MultiThread,
    new_multi_thread,
    "oneoff_tokio::TokioMultiThread"
);

fn check_flavour(
    handle: &Handle,
    wanted: RuntimeFlavor,
    backend: &'static str,
) -> Result<(), Error> {
    if handle.runtime_flavor() == wanted {
        return Ok(());
    }
    Err(Error::InvalidOption {
        backend,
        option: "runtime",
        reason: "the runtime is of the other flavour: adopt a current-thread runtime with \
                 Tokio and a multi-thread one with TokioMultiThread",
    })
}

/// A tokio runner with options, in the style of tokio's `Builder`: made by
/// [`Tokio::builder`] or [`TokioMultiThread::builder`], finished by `build` (or `run`, for one
/// run on a fresh runtime with these options). Invalid options are an
/// [`Error::InvalidOption`] from `build`, never a panic.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use oneoff_tokio::TokioMultiThread;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let counter = Arc::clone(&started);
/// let runner = TokioMultiThread::builder()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .on_thread_start(move || {
///         counter.fetch_add(1, Ordering::SeqCst);
///     })
///     .shutdown_timeout(Duration::from_millis(500))
///     .build()?;
/// let name = runner.block_on(async {
///     tokio::spawn(async { std::thread::current().name().map(str::to_owned) }).await
/// })?;
/// assert_eq!(name.unwrap().as_deref(), Some("app-worker"));
/// // The worker that ran the task ran the hook first.
/// assert!(started.load(Ordering::SeqCst) >= 1);
///
/// let err = TokioMultiThread::builder().worker_threads(0).build().unwrap_err();
/// assert!(err.to_string().contains("at least one worker thread"));
/// # Ok::<(), oneoff_core::Error>(())
/// ```
#[must_use = "a builder does nothing until build or run"]
pub struct TokioBuilder<R> {
    flavour: PhantomData<R>,
    worker_threads: Option<usize>,
    thread_name: Option<String>,
    io: bool,
    time: bool,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
    shutdown: Duration,
}

type Hook = Arc<dyn Fn() + Send + Sync + 'static>;

impl<R> TokioBuilder<R> {
    fn new() -> Self {
        TokioBuilder {
            flavour: PhantomData,
            worker_threads: None,
            thread_name: None,
            io: true,
            time: true,
            on_thread_start: None,
            on_thread_stop: None,
            shutdown: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }

    /// The name of the threads the runtime starts (workers and blocking pool); tokio's
    /// default is `tokio-runtime-worker`. An empty name, or one with a NUL byte, is refused.
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = Some(name.into());
        self
    }

    /// Whether tokio's I/O driver runs (on by default): `tokio::net` and the rest of tokio's
    /// I/O panic without it. The driver is in the build when tokio's `net` feature is (the
    /// crate that uses `tokio::net` turns it on).
    pub fn enable_io(mut self, enabled: bool) -> Self {
        self.io = enabled;
        self
    }

    /// Whether tokio's time driver runs (on by default): `tokio::time` panics without it.
    /// oneoff's own timeouts work either way (without it they are timed by `futures-timer`).
    /// With the I/O driver on it runs too: tokio's builder turns on the I/O driver, in a crate
    /// that does not enable tokio's `net` itself, only together with every other driver.
    pub fn enable_time(mut self, enabled: bool) -> Self {
        self.time = enabled;
        self
    }

    /// Runs `hook` on every thread the runtime starts, before anything else runs there.
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_start = Some(Arc::new(hook));
        self
    }

    /// Runs `hook` on every thread the runtime started, as it stops.
    pub fn on_thread_stop(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_stop = Some(Arc::new(hook));
        self
    }

    /// How long teardown waits for `spawn_blocking` jobs and workers before it leaves them
    /// running and reports it ([`DEFAULT_SHUTDOWN_TIMEOUT`] by default; zero waits for
    /// nothing).
    pub fn shutdown_timeout(mut self, bound: Duration) -> Self {
        self.shutdown = bound;
        self
    }

    /// The runtime these options describe.
    fn kept(self, mut builder: Builder, info: &'static BackendInfo) -> Result<Kept, Error> {
        let backend = info.name();
        // A multi-thread runtime enters its own context to start its workers, which panics
        // once tokio's thread-locals are destroyed.
        if Handle::try_current().is_err_and(|missing| missing.is_thread_local_destroyed()) {
            return Err(Error::Unsupported {
                backend,
                reason: ENDING_THREAD,
            });
        }
        if let Some(name) = &self.thread_name {
            let reason = if name.is_empty() {
                "an empty name leaves the runtime's threads nameless in debuggers and panic \
                 messages; give a name, or leave tokio's default"
            } else if name.contains('\0') {
                "a thread name cannot contain a NUL byte"
            } else {
                ""
            };
            if !reason.is_empty() {
                return Err(Error::InvalidOption {
                    backend,
                    option: "thread_name",
                    reason,
                });
            }
            builder.thread_name(name.clone());
        }
        if let Some(workers) = self.worker_threads {
            if workers == 0 {
                return Err(Error::InvalidOption {
                    backend,
                    option: "worker_threads",
                    reason: "a multi-thread runtime needs at least one worker thread; use Tokio \
                             for a runtime on the calling thread alone",
                });
            }
            builder.worker_threads(workers);
        }
        // This crate builds tokio without its I/O driver, which comes with the `net` feature of
        // the crate that uses `tokio::net`; only `enable_all` turns on whatever the build has.
        if self.io {
            builder.enable_all();
        } else if self.time {
            builder.enable_time();
        }
        if let Some(hook) = self.on_thread_start {
            builder.on_thread_start(move || hook());
        }
        if let Some(hook) = self.on_thread_stop {
            builder.on_thread_stop(move || hook());
        }
        let runtime = builder
            .build()
            .map_err(|source| Error::Start { backend, source })?;
        Ok(Kept {
            runtime: HeldRuntime::Owned(Some(runtime)),
            timer: if self.time {
                Timer::Tokio
            } else {
                Timer::Thread
            },
            shutdown: self.shutdown,
            backend: info,
        })
    }
}

impl TokioBuilder<Tokio> {
    /// Starts the runner.
    pub fn build(self) -> Result<Tokio, Error> {
        let runtime = self.kept(Builder::new_current_thread(), Tokio::BACKEND)?;
        Ok(Tokio { runtime })
    }

    /// One run on a fresh runtime with these options, torn down before it returns.
    ///
    /// # Examples
    ///
    /// ```
    /// let answer = oneoff_tokio::Tokio::builder().enable_io(false).run(async { 42 })?;
    /// assert_eq!(answer, 42);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    pub fn run<F: IntoFuture>(self, future: F) -> Result<F::Output, Error> {
        self.build()?.block_on(future)
    }
}

impl TokioBuilder<TokioMultiThread> {
    /// The number of worker threads (tokio's default: one per core); at least one.
    pub fn worker_threads(mut self, workers: usize) -> Self {
        self.worker_threads = Some(workers);
        self
    }

    /// Starts the runner and its workers.
    pub fn build(self) -> Result<TokioMultiThread, Error> {
        let runtime = self.kept(Builder::new_multi_thread(), TokioMultiThread::BACKEND)?;
        Ok(TokioMultiThread { runtime })
    }

    /// One run on a fresh runtime with these options, torn down before it returns.
    ///
    /// # Examples
    ///
    /// ```
    /// let sum = oneoff_tokio::TokioMultiThread::builder()
    ///     .worker_threads(1)
    ///     .run(async { tokio::spawn(async { 40 }).await.unwrap() + 2 })?;
    /// assert_eq!(sum, 42);
    /// # Ok::<(), oneoff_core::Error>(())
    /// ```
    #[track_caller]
    pub fn run<F: IntoFuture>(self, future: F) -> Result<F::Output, Error> {
        self.build()?.block_on(future)
    }
}

impl<R> fmt::Debug for TokioBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioBuilder")
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("io", &self.io)
            .field("time", &self.time)
            .field("on_thread_start", &self.on_thread_start.is_some())
            .field("on_thread_stop", &self.on_thread_stop.is_some())
            .field("shutdown_timeout", &self.shutdown)
            .finish()
    }
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

/// A runtime the runner owns or borrows, with what its calls need.
#[derive(Debug)]
struct Kept {
    runtime: HeldRuntime,
    timer: Timer,
    /// The teardown bound of an owned runtime.
    shutdown: Duration,
    backend: &'static BackendInfo,
}

/// The runtime a runner runs on, and whether the runner shuts it down.
#[derive(Debug)]
enum HeldRuntime {
    /// Built here or adopted with `from_runtime`: shut down on drop (taken out only then).
    Owned(Option<Runtime>),
    /// Adopted with `from_handle`: left alone on drop.
    Adopted(Handle),
}

/// What times the `_timeout` calls.
#[derive(Debug, Clone, Copy)]
enum Timer {
    /// tokio's own timer: the runtime was built here with its time driver.
    Tokio,
    /// `futures-timer`'s thread: the runtime may have no time driver.
    Thread,
}

impl Kept {
    /// Runs `future` on the runtime, or returns tokio's refusal to block here as an error.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        tokio_block_on(self.backend, future, |future| match &self.runtime {
            HeldRuntime::Owned(runtime) => runtime
                .as_ref()
                .expect("the runtime is only taken out on drop")
                .block_on(future),
            HeldRuntime::Adopted(handle) => handle.block_on(future),
        })
    }

    fn block_on_until<F: Future>(
        &self,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        match self.timer {
            Timer::Tokio => self.block_on(async {
                let timer = tokio::time::sleep_until(deadline.into());
                settled(until_deadline(future, deadline, timer).await).await
            }),
            Timer::Thread => {
                let timer =
                    futures_timer::Delay::new(deadline.saturating_duration_since(Instant::now()));
                self.block_on(async {
                    settled(until_deadline(future, deadline, timer).await).await
                })
            }
        }
    }
}

/// `output` of a `_timeout` call, once the runtime has run what dropping a timed-out future
/// woke: a current-thread runtime runs its tasks only inside `block_on`, so a task that owns
/// what the future was using (the connection task of an HTTP client, with its socket) would
/// otherwise keep it until the runner's next call. One `yield_now` lets the scheduler run every
/// task that is ready and poll its drivers once before the call returns.
async fn settled<T>(output: Option<T>) -> Option<T> {
    if output.is_none() {
        tokio::task::yield_now().await;
    }
    output
}

/// Teardown, bounded. tokio panics when a runtime is dropped inside an async context, so
/// where a tokio runtime runs the calling thread it is shut down in the background instead.
impl Drop for Kept {
    fn drop(&mut self) {
        let HeldRuntime::Owned(runtime) = &mut self.runtime else {
            return;
        };
        let Some(runtime) = runtime.take() else {
            return;
        };
        if Handle::try_current().is_ok() {
            runtime.shutdown_background();
            return;
        }
        let started = Instant::now();
        runtime.shutdown_timeout(self.shutdown);
        let waited = started.elapsed();
        if waited >= self.shutdown {
            log::warn!(
                target: "oneoff",
                "{}: teardown waited {waited:?} (its bound is {:?}) and left the blocking pool \
                 running: a spawn_blocking job (or tokio's blocking I/O, such as stdin) has not \
                 finished and goes on detached; await it in the future, or raise the bound with \
                 the builder's shutdown_timeout",
                self.backend,
                self.shutdown,
            );
        }
    }
}

/// The identity of a [`block_in_place`] call: it blocks on the caller's own tokio runtime.
static BLOCK_IN_PLACE: BackendInfo = BackendInfo::new(
    "oneoff::block_in_place",
    Escape::SpawnBlocking,
    NativeIo::Tokio,
);

/// Runs `future` to completion on the tokio runtime that runs the calling code, from
/// synchronous code that must block: the documented escape from [`Error::Nested`] on a
/// multi-thread runtime.
///
/// - In a task or the `block_on` of a **multi-thread** runtime, the worker's other tasks are
///   handed to another thread first (`tokio::task::block_in_place`), then the future is driven
///   with the runtime's own handle (`Handle::block_on`).
/// - In a `spawn_blocking` thread (either flavour), or under `Runtime::enter` of a
///   multi-thread runtime, where blocking is allowed, it is driven with the runtime's handle
///   directly. (`oneoff::run` works there too, on a fresh runtime.)
/// - Under `Runtime::enter` of a **current-thread** runtime it returns
///   [`Error::Unsupported`]: that runtime drives its timers and I/O only inside its own
///   `block_on`, which does not run there, so a future needing them would never complete. Call
///   the runtime's `block_on`, or `Tokio::run` for a fresh runtime.
/// - In an async context of a **current-thread** runtime it returns [`Error::Nested`]: that
///   runtime has only this thread, and blocking it would stop every other task and timer.
///   Move the code into `tokio::task::spawn_blocking`, or `.await` the future. So does a
///   `LocalSet` on a multi-thread runtime's `block_on` (where tokio refuses to block).
/// - With no tokio runtime it returns [`Error::Unsupported`]: call `Tokio::run` instead.
///
/// While the future runs, the thread counts as a oneoff run: a oneoff call inside it returns
/// [`Error::Nested`].
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
pub fn block_in_place<F: IntoFuture>(future: F) -> Result<F::Output, Error> {
    let backend = BLOCK_IN_PLACE.name();
    let handle = Handle::try_current().map_err(|missing| Error::Unsupported {
        backend,
        reason: if missing.is_thread_local_destroyed() {
            ENDING_THREAD
        } else {
            "no tokio runtime is running on this thread; call Tokio::run instead"
        },
    })?;
    let left = match oneoff_core::enter(&BLOCK_IN_PLACE) {
        Ok(entered) => return on_handle(&handle, entered, future),
        Err(Error::Nested {
            context: AsyncContext::TokioMultiThread,
            ..
        }) => leave_runtime(|| {
            let entered = oneoff_core::enter(&BLOCK_IN_PLACE)?;
            on_handle(&handle, entered, future)
        }),
        // The calling thread runs a `TokioMultiThread` run's own future (that runtime's
        // `block_on`), whose mark stays on for the future.
        Err(Error::Nested {
            context: AsyncContext::Oneoff(run),
            ..
        }) if std::ptr::eq(run, TokioMultiThread::BACKEND) => leave_runtime(|| {
            let future = future.into_future();
            tokio_block_on(&BLOCK_IN_PLACE, future, |future| handle.block_on(future))
        }),
        Err(err) => return Err(err),
    };
    left.unwrap_or(Err(Error::Nested {
        backend,
        context: AsyncContext::TokioMultiThread,
    }))
}

/// [`block_in_place`] where blocking is allowed: `future` on the runtime of `handle`.
fn on_handle<F: IntoFuture>(
    handle: &Handle,
    entered: Entered,
    future: F,
) -> Result<F::Output, Error> {
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread && tokio::task::try_id().is_none() {
        // Not in a task of the runtime (`spawn_blocking`), so under `Runtime::enter`.
        return Err(Error::Unsupported {
            backend: BLOCK_IN_PLACE.name(),
            reason: "under Runtime::enter of a current-thread runtime nothing drives its timers \
                     and I/O (only its own block_on does), so a future needing them would never \
                     complete; call that runtime's block_on, or Tokio::run for a fresh runtime",
        });
    }
    let future = future.into_future();
    let output = tokio_block_on(&BLOCK_IN_PLACE, future, |future| handle.block_on(future));
    drop(entered);
    output
}

/// `tokio::task::block_in_place(f)`, or `None` where tokio refuses it before calling `f` (a
/// `LocalSet` that a multi-thread runtime's `block_on` drives): `f` and what it owns are then
/// dropped uncalled. A panic inside `f` unwinds on.
fn leave_runtime<T>(f: impl FnOnce() -> T) -> Option<T> {
    let called = Cell::new(false);
    let left = catch_unwind(AssertUnwindSafe(|| {
        tokio::task::block_in_place(|| {
            called.set(true);
            f()
        })
    }));
    match left {
        Ok(output) => Some(output),
        Err(payload) if called.get() => resume_unwind(payload),
        Err(_refused) => None,
    }
}

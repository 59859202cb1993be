//! Tokio compatibility for every backend: a future that needs tokio's reactor, timer or
//! `tokio::spawn` runs on smol, futures-lite, pollster or async-std too, because tokio's context
//! is set on the calling thread around the run. The idea of smol-rs's `async-compat`, written
//! on tokio's public API (`Runtime`, `Handle::enter`, `Handle::try_current`) so that a runtime
//! that cannot start is an [`Error::Start`], not a panic, so that the context is entered once
//! per run instead of once per poll, and so that a run (or a runner) owns the tokio runtime its
//! tasks live on and cancels them when it ends, as the tokio backends do.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, EnterGuard, Handle, Runtime, RuntimeFlavor};

use oneoff_core::Entered;

use crate::{Error, OneOffRunner, Task};

/// The name of the threads that drive the tokio runtimes of compatible runs: one per
/// [`TokioCompat`] runner, and one for each one-shot run from the first time its future waits
/// until it returns.
pub const COMPAT_THREAD: &str = "oneoff-tokio-compat";

/// How long the end of a compatible run (or a runner's drop) waits for `spawn_blocking` jobs
/// still running on its tokio runtime before it leaves them on their threads: the tokio
/// backend's default bound.
const SHUTDOWN: Duration = Duration::from_secs(1);

/// Any backend `R`, with tokio's context around every run: futures that need tokio's reactor,
/// timer or `tokio::spawn` (`tokio::time::sleep`, `tokio::net`, reqwest, tonic, ...) run on it
/// as they would on the tokio backend.
///
/// It keeps `R`'s name, threads, spawn and promises, and adds one thing: during a run, tokio's
/// context is set on the calling thread (`Handle::enter`). Whose context:
///
/// - Where the calling code already has a tokio multi-thread runtime (its `spawn_blocking`
///   threads, `block_in_place`, `Runtime::enter`): that runtime's. Its workers drive the
///   future's tokio timers and I/O, tasks the future spawns with `tokio::spawn` join that
///   runtime (and outlive the run, as they would without oneoff), and nothing is started.
/// - Otherwise a tokio current-thread runtime of the run's own, driven by a thread of its own
///   named [`COMPAT_THREAD`]: a one-shot [`run`](OneOffRunner::run) builds one, starts its
///   thread the first time the future waits, and shuts it down before it returns, so that the
///   tasks the future spawned with `tokio::spawn` are cancelled (dropped) by then, as
///   `asyncio.run` and the tokio backends do; a runner starts one in
///   [`new`](OneOffRunner::new) (or at its first run that needs it) and keeps it for every
///   run, and dropping the runner cancels what is left on it. The future itself is still
///   polled by `R` on the calling thread.
///
/// A tokio current-thread runtime in the calling code drives its timers and I/O only inside
/// its own `block_on`. In its `spawn_blocking` threads (while its `block_on` waits for them) a
/// run gets a runtime of its own, as above. Under its `Runtime::enter`, where nothing need be
/// driving it while this thread blocks, every run returns [`Error::Unsupported`] instead of
/// waiting for ever: a tokio future made there (`tokio::time::sleep(d)` passed as it is)
/// belongs to that runtime, whichever context the run sets. Run such a future with that
/// runtime's `block_on`, or make the future and the call outside the enter guard.
///
/// On a backend that gives tokio's context itself ([`OneOffRunner::PROVIDES_TOKIO`]: `Tokio`,
/// `TokioMultiThread`, `TokioLocal`) it adds nothing: no runtime, no thread, no work per call.
/// Elsewhere a runner's call costs a `Handle::try_current` and a `Handle::enter` more than
/// `R`'s; a one-shot run also builds a tokio runtime, as a one-shot `Tokio::run` does, and
/// starts and joins a thread once its future waits (see `docs/choosing.md`): keep a runner for
/// repeated calls.
///
/// The nested-call check comes first, as on every runner: inside the async code of a tokio
/// runtime (or any oneoff run) every method returns [`Error::Nested`]. Tasks spawned with
/// [`spawn`](crate::spawn) (or this type's [`OneOffRunner::spawn`]) carry the tokio context
/// of the code that spawned them, so they may use tokio too, also on the executor threads of
/// async-std. When the runner is dropped, the tasks `R` still holds are dropped inside its
/// tokio context, so that their destructors may use tokio.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff::{OneOffRunner, TokioCompat};
///
/// type Runner = TokioCompat<oneoff::Runner>;
///
/// let slept = Runner::run(async {
///     tokio::time::sleep(Duration::from_millis(1)).await;
///     "slept on tokio's timer"
/// })?;
/// assert_eq!(slept, "slept on tokio's timer");
/// assert_eq!(Runner::NAME, oneoff::Runner::NAME);
///
/// // A runner keeps its tokio runtime, and the tasks spawned on it, between calls.
/// let runner = Runner::new()?;
/// let task = runner.block_on(async { tokio::spawn(async { 6 * 7 }) })?;
/// assert_eq!(runner.block_on(task)?.unwrap(), 42);
/// # Ok::<(), oneoff::Error>(())
/// ```
pub struct TokioCompat<R> {
    /// The wrapped runner; taken out only by `drop`, to drop it inside tokio's context.
    runner: Option<R>,
    /// The runner's own tokio runtime, once `new` or a run needed it.
    own: OnceLock<Driver>,
}

impl<R: OneOffRunner> TokioCompat<R> {
    /// The wrapped runner.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff::{OneOffRunner, TokioCompat};
    ///
    /// let runner = TokioCompat::<oneoff::Runner>::new()?;
    /// assert_eq!(runner.inner().block_on(async { 1 })?, 1);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn inner(&self) -> &R {
        self.runner
            .as_ref()
            .expect("the runner is taken out only when dropped")
    }

    /// Whose tokio context a run on this thread gets.
    fn context_here() -> Here {
        if R::PROVIDES_TOKIO {
            return Here::Provided;
        }
        let Ok(handle) = Handle::try_current() else {
            return Here::Own;
        };
        if handle.runtime_flavor() == RuntimeFlavor::MultiThread {
            Here::Callers
        } else if tokio::task::try_id().is_none() {
            // Outside its tasks (a `spawn_blocking` closure is one, which the runtime's
            // `block_on` awaits) the code is under its `Runtime::enter`: nothing need drive it.
            Here::Undriven
        } else {
            Here::Own
        }
    }

    /// The runner's own tokio runtime, started by the first call that asks.
    fn own(&self) -> Result<&Driver, Error> {
        if let Some(own) = self.own.get() {
            return Ok(own);
        }
        // Two threads that both get here start one each; the one that loses is shut down.
        let started = Driver::driven()?;
        Ok(self.own.get_or_init(|| started))
    }

    /// Tokio's context for a run of this runner on this thread, where the thread needs one.
    fn context(&self) -> Result<Option<EnterGuard<'_>>, Error> {
        match Self::context_here() {
            Here::Provided | Here::Callers => Ok(None),
            Here::Own => Ok(Some(self.own()?.handle.enter())),
            Here::Undriven => Err(undriven(R::NAME)),
        }
    }
}

/// Where a run gets tokio's context.
enum Here {
    /// From the wrapped runner (the tokio backends).
    Provided,
    /// From the calling code's multi-thread runtime, whose workers drive it.
    Callers,
    /// From a runtime of the run's (or the runner's) own.
    Own,
    /// Nowhere: the calling code is under `Runtime::enter` of a current-thread runtime.
    Undriven,
}

/// The error of a run under `Runtime::enter` of a tokio current-thread runtime.
fn undriven(backend: &'static str) -> Error {
    Error::Unsupported {
        backend,
        reason: "TokioCompat is called under Runtime::enter of a tokio current-thread runtime, \
                 which drives its timers and I/O only inside its own block_on: a tokio future \
                 made here would wait for ever; run it with that runtime's block_on, or make \
                 the future and the call outside the enter guard",
    }
}

oneoff_core::inherent_methods!(impl<R: OneOffRunner> TokioCompat<R>);

impl<R: OneOffRunner> OneOffRunner for TokioCompat<R> {
    /// The wrapped backend's identity (and so its name): compatibility changes what a run can
    /// poll, not the backend that runs it.
    const BACKEND: &'static oneoff_core::BackendInfo = R::BACKEND;
    const PROVIDES_TOKIO: bool = true;
    const CAN_SPAWN: bool = R::CAN_SPAWN;

    fn new() -> Result<Self, Error> {
        let compat = TokioCompat {
            runner: Some(R::new()?),
            own: OnceLock::new(),
        };
        if let Here::Own = Self::context_here() {
            compat.own()?;
        }
        Ok(compat)
    }

    fn drive<F: Future>(&self, entered: Entered, future: F) -> Result<F::Output, Error> {
        let _context = self.context()?;
        self.inner().drive(entered, future)
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let _context = self.context()?;
        self.inner().drive_timeout(entered, future, deadline)
    }

    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        match Self::context_here() {
            Here::Provided | Here::Callers => return R::drive_once(entered, future),
            Here::Undriven => return Err(undriven(R::NAME)),
            Here::Own => {}
        }
        let mut own = Driver::new()?;
        let handle = own.handle.clone();
        let output = {
            let _context = handle.enter();
            // The runtime's thread starts when the future first waits: one that is ready at
            // once (and may have spawned) never needs tokio's drivers to run.
            let own = &mut own;
            R::drive_once(entered, async move {
                let mut future = pin!(future);
                poll_fn(|cx| match future.as_mut().poll(cx) {
                    Poll::Ready(output) => Poll::Ready(Ok(output)),
                    Poll::Pending => own
                        .drive()
                        .map_or_else(|err| Poll::Ready(Err(err)), |()| Poll::Pending),
                })
                .await
            })
        };
        // Shut down before returning: what the run spawned on it is dropped by now.
        drop(own);
        output?
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        R::spawn(carry(future))
    }
}

/// `R`'s leftover tasks are dropped inside the runner's tokio context (as async-compat drops
/// its future), then its tokio runtime is shut down, cancelling the tasks left there.
impl<R> Drop for TokioCompat<R> {
    fn drop(&mut self) {
        let context = self.own.get().map(|own| own.handle.enter());
        drop(self.runner.take());
        drop(context);
    }
}

impl<R: fmt::Debug> fmt::Debug for TokioCompat<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioCompat")
            .field("runner", &self.runner)
            .field("own_runtime", &self.own.get().is_some())
            .finish()
    }
}

/// A tokio current-thread runtime with every driver this build of tokio has, driven by a thread
/// of its own once [`drive`](Self::drive) started it. Dropping it shuts the runtime down,
/// cancelling its tasks, and joins the thread.
struct Driver {
    handle: Handle,
    /// The runtime, until a thread drives it.
    runtime: Option<Runtime>,
    /// Once a thread drives the runtime: what stops it, and the thread.
    driven: Option<(Arc<Stop>, thread::JoinHandle<()>)>,
}

impl Driver {
    fn new() -> Result<Self, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(start_error)?;
        Ok(Driver {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            driven: None,
        })
    }

    /// A runtime driven from the start.
    fn driven() -> Result<Self, Error> {
        let mut driver = Driver::new()?;
        driver.drive()?;
        Ok(driver)
    }

    /// Starts the thread that drives the runtime, unless it runs already.
    fn drive(&mut self) -> Result<(), Error> {
        let Some(runtime) = self.runtime.take() else {
            return Ok(());
        };
        let stop = Arc::new(Stop::default());
        let stopped = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name(COMPAT_THREAD.to_owned())
            .spawn(move || {
                runtime.block_on(poll_fn(|cx| stopped.poll(cx)));
                runtime.shutdown_timeout(SHUTDOWN);
            })
            .map_err(start_error)?;
        self.driven = Some((stop, thread));
        Ok(())
    }
}

fn start_error(source: std::io::Error) -> Error {
    Error::Start {
        backend: "tokio-compat",
        source,
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(SHUTDOWN);
        }
        let Some((stop, thread)) = self.driven.take() else {
            return;
        };
        stop.set();
        // A runner dropped by a task of its own runtime is dropped on the driving thread,
        // which ends by itself once this returns.
        if thread.thread().id() != thread::current().id() {
            // The thread only runs the runtime, whose tasks' panics tokio keeps: it ends.
            let _ = thread.join();
        }
    }
}

/// Tells a driving thread to stop.
#[derive(Default)]
struct Stop(Mutex<Stopping>);

#[derive(Default)]
struct Stopping {
    stopped: bool,
    waker: Option<Waker>,
}

impl Stop {
    fn set(&self) {
        let waker = {
            let mut stopping = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            stopping.stopped = true;
            stopping.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut stopping = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if stopping.stopped {
            return Poll::Ready(());
        }
        stopping.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// `future` with the tokio context of the calling code, if it has one, set around every poll
/// and around its drop: a spawned task keeps the tokio context of the code that spawned it on
/// whichever thread the backend polls it, or drops it (a leftover's destructors may use tokio).
pub(crate) fn carry<F: Future>(future: F) -> Carried<F> {
    Carried {
        handle: Handle::try_current().ok(),
        future: Some(Box::pin(future)),
    }
}

/// What [`carry`] returns.
pub(crate) struct Carried<F> {
    handle: Option<Handle>,
    /// Boxed, so that the drop below can take it out of a pinned `Carried`.
    future: Option<Pin<Box<F>>>,
}

impl<F: Future> Future for Carried<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let _context = this.handle.as_ref().map(Handle::enter);
        let future = this
            .future
            .as_mut()
            .expect("not polled after it is dropped");
        future.as_mut().poll(cx)
    }
}

impl<F> Drop for Carried<F> {
    fn drop(&mut self) {
        let _context = self.handle.as_ref().map(Handle::enter);
        self.future = None;
    }
}

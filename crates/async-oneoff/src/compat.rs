//! Tokio compatibility for every backend: a future that needs tokio's reactor, timer or
//! `tokio::spawn` runs on smol, futures-lite, pollster or async-std too, because tokio's context
//! is set on the calling thread around the run. The same idea as smol-rs's `async-compat`,
//! written on tokio's public API (`Runtime`, `Handle::enter`, `Handle::try_current`) so that a
//! runtime that cannot start is an [`Error::Start`], not a panic, and so that the context is
//! entered once per run instead of once per poll.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::Instant;

use tokio::runtime::{Builder, EnterGuard, Handle};

use oneoff_core::Entered;

use crate::{Error, OneOffRunner, Task};

/// The name of the thread that drives the process-wide tokio runtime of compatible runs.
pub const COMPAT_THREAD: &str = "oneoff-tokio-compat";

/// Any backend `R`, with tokio's context around every run: futures that need tokio's reactor,
/// timer or `tokio::spawn` (`tokio::time::sleep`, `tokio::net`, reqwest, tonic, ...) run on it
/// as they would on the tokio backend.
///
/// It keeps `R`'s name, threads, spawn and promises, and adds one thing: during a run, tokio's
/// context is set on the calling thread (`Handle::enter`). Whose context:
///
/// - A tokio runtime's, where the calling code already has one (`spawn_blocking`,
///   `Runtime::enter`): that runtime drives the future's tokio timers and I/O, and nothing is
///   started.
/// - Otherwise a process-wide tokio current-thread runtime, started by the first such run (by
///   [`new`](OneOffRunner::new), or by the one-shot [`run`](OneOffRunner::run)) and never
///   stopped: its one thread, named [`COMPAT_THREAD`], drives tokio's timers and I/O and runs
///   the tasks the future spawns with `tokio::spawn`, for the life of the process. The future
///   itself is still polled by `R` on the calling thread.
///
/// On a backend that gives tokio's context itself ([`OneOffRunner::PROVIDES_TOKIO`]: `Tokio`,
/// `TokioMultiThread`) it adds nothing: no runtime, no thread, no work per call. Elsewhere a call
/// costs a `Handle::try_current` and a `Handle::enter` more than `R`'s (see `docs/choosing.md`
/// for the measured figure).
///
/// The nested-call check comes first, as on every runner: inside the async code of a tokio
/// runtime (or any oneoff run) every method returns [`Error::Nested`]. Tasks spawned with
/// [`spawn`](crate::spawn) (or this type's [`OneOffRunner::spawn`]) carry the tokio context
/// of the code that spawned them, so they may use tokio too, also on the executor threads of
/// async-std.
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
/// # Ok::<(), oneoff::Error>(())
/// ```
#[derive(Debug)]
pub struct TokioCompat<R>(R);

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
        &self.0
    }

    /// Tokio's context for a run of `R` on this thread: nothing where `R` or the calling code
    /// already has one, the process-wide runtime's otherwise.
    fn context() -> Option<EnterGuard<'static>> {
        if R::PROVIDES_TOKIO || Handle::try_current().is_ok() {
            return None;
        }
        // Started by `new` or `drive_once` before any run of this type.
        FALLBACK.get().map(Handle::enter)
    }
}

impl<R: OneOffRunner> OneOffRunner for TokioCompat<R> {
    /// The wrapped backend's name: compatibility changes what a run can poll, not the backend
    /// that runs it.
    const NAME: &'static str = R::NAME;
    const BACKEND: &'static oneoff_core::BackendInfo = R::BACKEND;
    const PROVIDES_TOKIO: bool = true;
    const CAN_SPAWN: bool = R::CAN_SPAWN;

    fn new() -> Result<Self, Error> {
        if !R::PROVIDES_TOKIO {
            fallback()?;
        }
        R::new().map(TokioCompat)
    }

    fn drive<F: Future>(&self, entered: Entered, future: F) -> Result<F::Output, Error> {
        let _context = Self::context();
        self.0.drive(entered, future)
    }

    fn drive_timeout<F: Future>(
        &self,
        entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let _context = Self::context();
        self.0.drive_timeout(entered, future, deadline)
    }

    fn drive_once<F: Future>(entered: Entered, future: F) -> Result<F::Output, Error> {
        if !R::PROVIDES_TOKIO {
            fallback()?;
        }
        let _context = Self::context();
        R::drive_once(entered, future)
    }

    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        R::spawn(carry(future))
    }
}

/// The process-wide tokio runtime's handle, once started.
static FALLBACK: OnceLock<Handle> = OnceLock::new();

/// Starts the process-wide tokio runtime once: a current-thread runtime with every driver that
/// this build of tokio has, driven for ever by a thread of its own.
fn fallback() -> Result<&'static Handle, Error> {
    if let Some(handle) = FALLBACK.get() {
        return Ok(handle);
    }
    static STARTING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = FALLBACK.get() {
        return Ok(handle);
    }
    let start = |source| Error::Start {
        backend: "tokio-compat",
        source,
    };
    let runtime = Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(start)?;
    let handle = runtime.handle().clone();
    thread::Builder::new()
        .name(COMPAT_THREAD.to_owned())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .map_err(start)?;
    Ok(FALLBACK.get_or_init(|| handle))
}

/// `future` with the tokio context of the calling code, if it has one, set around every poll:
/// a spawned task keeps the tokio context of the code that spawned it on whichever thread the
/// backend polls it.
pub(crate) fn carry<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let handle = Handle::try_current().ok();
    async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            let _context = handle.as_ref().map(Handle::enter);
            future.as_mut().poll(cx)
        })
        .await
    }
}

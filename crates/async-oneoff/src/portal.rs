//! A runner kept on a thread of its own and shared by any number of threads: synchronous code
//! anywhere calls into async code through it, like anyio's `BlockingPortal`, Python's
//! `asyncio.run_coroutine_threadsafe(coro, loop).result()` or the runtime thread behind
//! `reqwest::blocking`.

use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use async_executor::Executor;

use crate::{Error, OneOffRunner};

/// How long closing (or dropping the last handle to) a portal waits for its thread to cancel
/// what is left and end, unless [`BlockingPortal::close_within`] says otherwise.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The name of a portal's thread.
pub const PORTAL_THREAD: &str = "oneoff-portal";

/// A runner of backend `R` kept on a thread of its own, which any number of threads call into:
/// [`call`](Self::call) blocks the calling thread until a future's output, [`spawn`](Self::spawn)
/// returns a [`PortalTask`] that sync code can [`join`](PortalTask::join) and async code can
/// await. The analogue of anyio's `BlockingPortal`, and of the runtime thread that
/// `reqwest::blocking` keeps behind its synchronous API: write the library's code once, async,
/// and give it a synchronous API through a portal.
///
/// **Threads.** [`new`](Self::new) starts one thread, [`PORTAL_THREAD`], which builds the runner
/// with `R::new()` and keeps it running `R::block_on` until the portal closes. Every call is a
/// task of the portal's own executor (`async_executor`), polled on that thread inside `R`'s
/// run, so calls wait concurrently on every backend: one call waiting on I/O never holds up
/// another, also on `FuturesLite` and `Pollster`, which drive one future at a time. The backend
/// decides what the calls may use: tokio's reactor and timer on `Tokio` (and on any backend
/// through [`TokioCompat`]), `async-io`'s on smol's, `oneoff::spawn` where the backend can
/// spawn. What `R` itself starts is documented on `R`.
///
/// **Sharing.** The portal is `Send + Sync` and cheap to clone (an `Arc`): every clone talks to
/// the same thread.
///
/// **Closing.** [`close`](Self::close), or dropping the last clone, closes the portal at once:
/// every caller still waiting (in [`call`](Self::call), [`PortalTask::join`] or awaiting a
/// [`PortalTask`]) gets [`Error::Closed`] right away, also while the portal's thread is stuck in
/// a call that blocks it; calls queued and not yet started never run; the futures left are
/// dropped on the portal's thread at its next turn. Then it waits up to [`CLOSE_TIMEOUT`] (or
/// the bound given to [`close_within`](Self::close_within)) for the thread to end and joins it;
/// a thread still stuck then is detached, never waited for a second time. A call made after
/// the portal closed gets [`Error::Closed`] at once.
///
/// **Where a blocking call may wait** (the same check as every oneoff run, [`current_context`](
/// crate::current_context)):
///
/// | the calling code runs in | [`call`](Self::call), [`PortalTask::join`], [`close`](Self::close) |
/// |---|---|
/// | plain synchronous code, another thread's or a tokio `spawn_blocking` closure | waits |
/// | a task of a tokio multi-thread runtime (with `detect-tokio`) | waits inside `tokio::task::block_in_place`, so the worker's other tasks move to another thread |
/// | the portal's own thread, or any oneoff run | [`Error::Nested`] |
/// | the async code of a tokio current-thread runtime | [`Error::Nested`]: waiting would stall that runtime |
/// | an async-std task, a futures executor (with their `detect-*` features) | [`Error::Nested`] |
///
/// In async code, `portal.spawn(future)?.await` never blocks and works everywhere.
///
/// **Panics and failures.** A panic in a call's future unwinds out of [`call`](Self::call) with
/// its payload ([`try_call`](Self::try_call) and [`PortalTask`] give [`Error::Panicked`]); the
/// portal stays usable. If the portal's thread itself ends (its runtime panicked), every waiting
/// and later call gets [`Error::Closed`], never a hang.
///
/// # Examples
///
/// ```
/// use std::thread;
/// use oneoff::BlockingPortal;
///
/// let portal = BlockingPortal::<oneoff::Runner>::new()?;
/// let threads: Vec<_> = (0..4u64)
///     .map(|i| {
///         let portal = portal.clone();
///         thread::spawn(move || portal.call(async move { i * 10 }))
///     })
///     .collect();
/// let mut sum = 0;
/// for thread in threads {
///     sum += thread.join().unwrap()?;
/// }
/// assert_eq!(sum, 60);
/// portal.close()?;
/// # Ok::<(), oneoff::Error>(())
/// ```
///
// `TokioCompat` is in the build only with its feature; without it, the link goes to the feature
// list.
#[cfg_attr(feature = "tokio-compat", doc = "[`TokioCompat`]: crate::TokioCompat")]
#[cfg_attr(
    not(feature = "tokio-compat"),
    doc = "[`TokioCompat`]: crate#feature-flags"
)]
pub struct BlockingPortal<R> {
    inner: Arc<PortalThread>,
    _runner: PhantomData<fn() -> R>,
}

impl<R> Clone for BlockingPortal<R> {
    fn clone(&self) -> Self {
        BlockingPortal {
            inner: Arc::clone(&self.inner),
            _runner: PhantomData,
        }
    }
}

impl<R> fmt::Debug for BlockingPortal<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPortal")
            .field("backend", &self.inner.shared.backend)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<R: OneOffRunner + 'static> BlockingPortal<R> {
    /// Starts the portal's thread and `R`'s runner on it.
    ///
    /// Fails with [`Error::Start`] when the thread or the runner cannot start, and with
    /// [`Error::Panicked`] when `R::new` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// assert_eq!(portal.call(async { 1 + 1 })?, 2);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn new() -> Result<Self, Error> {
        let executor = Arc::new(Executor::new());
        let shared = Arc::new(PortalShared {
            backend: R::NAME,
            state: Mutex::new(PortalState {
                executor: Some(Arc::clone(&executor)),
                waker: None,
                calls: Calls::default(),
            }),
            closing: AtomicU8::new(OPEN),
            ended: Mutex::new(false),
            ended_signal: Condvar::new(),
        });
        let (ready, started) = mpsc::sync_channel(1);
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(PORTAL_THREAD.to_owned())
            .spawn(move || {
                // Dropped last, also when the runtime panics: closes the portal, then tells
                // whoever closes it that the thread is done.
                let _ended = Ended(&thread_shared);
                let runner = match R::new() {
                    Ok(runner) => runner,
                    Err(err) => {
                        let _ = ready.send(Err(err));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                drop(ready);
                // A fresh thread runs no async code, so the nested-call check passes.
                let _ = runner.block_on(serve(&thread_shared, executor));
            })
            .map_err(|source| Error::Start {
                backend: R::NAME,
                source,
            })?;
        match started.recv() {
            Ok(Ok(())) => Ok(BlockingPortal {
                inner: Arc::new(PortalThread {
                    shared,
                    thread: Mutex::new(Some(thread)),
                }),
                _runner: PhantomData,
            }),
            Ok(Err(err)) => {
                let _ = thread.join();
                Err(err)
            }
            Err(mpsc::RecvError) => Err(match thread.join() {
                Err(payload) => Error::panicked(R::NAME, payload),
                Ok(()) => unreachable!("the portal's thread reports its start before returning"),
            }),
        }
    }
}

impl<R> BlockingPortal<R> {
    /// Runs `future` on the portal's thread and blocks the calling thread until its output.
    ///
    /// A panic in the future unwinds out of this call with its original payload. Returns
    /// [`Error::Nested`] where the calling thread may not wait (see the table on
    /// [`BlockingPortal`]), before the future is sent, and [`Error::Closed`] when the portal
    /// closed before or during the call.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let lines = std::thread::spawn({
    ///     let portal = portal.clone();
    ///     move || portal.call(async { "from another thread" })
    /// });
    /// assert_eq!(lines.join().unwrap()?, "from another thread");
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn call<F>(&self, future: F) -> Result<F::Output, Error>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        self.try_call(future)
            .map_err(|err| match err.try_into_panic() {
                Ok(payload) => resume_unwind(payload),
                Err(err) => err,
            })
    }

    /// [`call`](Self::call) that returns a panic of the future as [`Error::Panicked`], payload
    /// included, instead of unwinding.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let err = portal.try_call(async { panic!("no answer") }).unwrap_err();
    /// assert!(err.is_panic());
    /// assert_eq!(portal.call(async { 1 })?, 1); // still usable
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn try_call<F>(&self, future: F) -> Result<F::Output, Error>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        let backend = self.inner.shared.backend;
        self.inner.shared.block(|| {
            let task = self.spawn(future.into_future())?;
            task.call
                .wait(None)
                .unwrap_or(Err(Error::Cancelled { backend }))
        })?
    }

    /// [`call`](Self::call) that gives up after `timeout`: the future is cancelled (dropped on
    /// the portal's thread at its next turn, which this call does not wait for) and
    /// [`Error::Timeout`] is returned. It returns on time even when the portal's thread is
    /// stuck in another call's poll.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let never = std::future::pending::<()>();
    /// let err = portal.call_timeout(never, Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, oneoff::Error::Timeout { .. }));
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn call_timeout<F>(&self, future: F, timeout: Duration) -> Result<F::Output, Error>
    where
        F: IntoFuture,
        F::IntoFuture: Send + 'static,
        F::Output: Send + 'static,
    {
        let outcome = self
            .inner
            .shared
            .block(|| self.spawn(future.into_future())?.join_until(timeout))?;
        outcome.map_err(|err| match err.try_into_panic() {
            Ok(payload) => resume_unwind(payload),
            Err(err) => err,
        })
    }

    /// Starts `future` on the portal's thread and returns at once with its [`PortalTask`], which
    /// sync code can [`join`](PortalTask::join) and async code can await. Never blocks, so it
    /// may be called anywhere, from async code and from the portal's own thread too.
    ///
    /// Returns [`Error::Closed`] when the portal is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let task = portal.spawn(async { 6 * 7 })?;
    /// assert_eq!(task.join()?, 42);
    ///
    /// // Awaited from async code that runs elsewhere:
    /// let task = portal.spawn(async { 1 })?;
    /// assert_eq!(oneoff::run(task)??, 1);
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn spawn<F>(&self, future: F) -> Result<PortalTask<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.inner.shared;
        let call = Arc::new(Call::default());
        let job = job(Arc::clone(shared), Arc::clone(&call), future);
        let mut state = shared.lock();
        let Some(executor) = &state.executor else {
            return Err(Error::Closed {
                backend: shared.backend,
                reason: shared.closing().later(),
            });
        };
        executor.spawn(job).detach();
        // Under the same lock as the spawn, so that a close either refuses the call or finds
        // it here.
        state.calls.push(Arc::downgrade(&call) as Weak<dyn Abandon>);
        drop(state);
        Ok(PortalTask {
            call,
            backend: shared.backend,
        })
    }

    /// Closes the portal, waiting up to [`CLOSE_TIMEOUT`] for its thread: see
    /// [`close_within`](Self::close_within).
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// portal.close()?;
    /// let err = portal.call(async { 1 }).unwrap_err();
    /// assert!(err.to_string().starts_with("the portal on"));
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn close(&self) -> Result<(), Error> {
        self.close_within(CLOSE_TIMEOUT)
    }

    /// Closes the portal for every clone: every caller still waiting gets [`Error::Closed`] at
    /// once, the calls still running or queued are cancelled (dropped on the portal's thread at
    /// its next turn; a queued call never starts), the runner is dropped, and the thread is
    /// joined, waiting at most `bound`.
    ///
    /// Returns [`Error::Timeout`] when the thread has not ended within `bound` (a call that
    /// blocks the thread inside a poll, a runtime slow to stop): it is then detached, to end on
    /// its own, and dropping the portal does not wait for it again. Where the calling thread may
    /// not wait (see the table on [`BlockingPortal`]) the portal is closed all the same and
    /// [`Error::Nested`] says that it was not waited for. Closing a closed portal waits up to
    /// `bound` for its thread again and returns `Ok` once it has ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let task = portal.spawn(std::future::pending::<()>())?;
    /// portal.close_within(Duration::from_secs(1))?;
    /// assert!(matches!(task.join(), Err(oneoff::Error::Closed { .. })));
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn close_within(&self, bound: Duration) -> Result<(), Error> {
        let shared = &self.inner.shared;
        shared.close(CLOSED);
        let ended = shared.block(|| shared.wait_ended(bound))?;
        // Taken either way: joined when the thread has ended, detached when it has not, so
        // that dropping the portal does not wait for it a second time.
        let thread = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if !ended {
            return Err(Error::Timeout {
                backend: shared.backend,
                after: bound,
            });
        }
        if let Some(thread) = thread {
            // The thread has finished its work; this waits only for its exit.
            let _ = thread.join();
        }
        Ok(())
    }

    /// Whether the portal is closed: closed by a handle, or its thread ended.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// assert!(!portal.is_closed());
    /// portal.close()?;
    /// assert!(portal.is_closed());
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.shared.closing() != Closing::Open
    }
}

/// What every clone of a portal shares: the portal's thread to join and the state it shares
/// with the handles; dropping the last clone closes the portal.
struct PortalThread {
    shared: Arc<PortalShared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for PortalThread {
    fn drop(&mut self) {
        let shared = &self.shared;
        shared.close(CLOSED);
        // No handle: an earlier close joined the thread, or detached it after waiting in vain.
        let Some(thread) = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return;
        };
        // Where the thread may not wait (async code, the portal's own thread), or when the
        // thread does not end in time, the portal's thread is detached and ends on its own.
        if let Ok(true) = shared.block(|| shared.wait_ended(CLOSE_TIMEOUT)) {
            let _ = thread.join();
        }
    }
}

/// What the portal's thread and its handles share.
struct PortalShared {
    backend: &'static str,
    state: Mutex<PortalState>,
    /// Why the portal closed, as a [`Closing`] code; read without the lock at each poll of a
    /// call (a closed portal starts no call) and by the calls dropped with the executor.
    closing: AtomicU8,
    ended: Mutex<bool>,
    ended_signal: Condvar,
}

/// What [`PortalShared`]'s lock guards.
struct PortalState {
    /// The executor the calls are spawned onto; taken out when the portal closes.
    executor: Option<Arc<Executor<'static>>>,
    /// The portal thread's wait for the close.
    waker: Option<Waker>,
    /// The calls whose callers may still wait, answered by the close itself: the portal's
    /// thread, which answers them otherwise, may be stuck in a call.
    calls: Calls,
}

/// The calls sent to a portal, as weak references: a call that finished and was joined (or
/// whose handle was dropped) is gone, and is pruned when the list fills up.
#[derive(Default)]
struct Calls(Vec<Weak<dyn Abandon>>);

impl Calls {
    fn push(&mut self, call: Weak<dyn Abandon>) {
        if self.0.len() == self.0.capacity() {
            self.0.retain(|call| call.strong_count() > 0);
            // At least twice the calls alive, so that pruning stays amortized O(1) a call.
            self.0.reserve(self.0.len().max(8));
        }
        self.0.push(call);
    }
}

/// A call whose caller the close answers with [`Error::Closed`] (unless it finished first).
trait Abandon: Send + Sync {
    fn abandon(&self, backend: &'static str, reason: &'static str);
}

const OPEN: u8 = 0;
const CLOSED: u8 = 1;
const DIED: u8 = 2;

/// Why a portal is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    Open,
    /// Closed by a handle: [`BlockingPortal::close`] or the last handle dropped.
    Closed,
    /// Its thread ended with a panic.
    Died,
}

impl Closing {
    /// The reason given to a call that was running or queued when the portal closed.
    fn during(self) -> &'static str {
        match self {
            Closing::Died => "its thread ended with a panic of its runtime (printed above)",
            _ => "the call was cancelled when the portal was closed",
        }
    }

    /// The reason given to a call made after the portal closed.
    fn later(self) -> &'static str {
        match self {
            Closing::Died => "its thread ended with a panic of its runtime (printed above)",
            _ => "it was closed before this call",
        }
    }
}

impl PortalShared {
    fn lock(&self) -> MutexGuard<'_, PortalState> {
        // Nothing panics while holding the lock; a poisoned one still holds valid state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn closing(&self) -> Closing {
        match self.closing.load(Ordering::Acquire) {
            OPEN => Closing::Open,
            CLOSED => Closing::Closed,
            _ => Closing::Died,
        }
    }

    /// Marks the portal closed (the first reason wins), so that no call is spawned or started
    /// any more, answers every caller still waiting with [`Error::Closed`], and wakes the
    /// portal's thread to drop the calls left. Returns the executor, for the portal's thread
    /// to drop outside the lock.
    fn close(&self, why: u8) -> Option<Arc<Executor<'static>>> {
        let mut state = self.lock();
        let _ = self
            .closing
            .compare_exchange(OPEN, why, Ordering::AcqRel, Ordering::Acquire);
        let executor = state.executor.take();
        let waker = state.waker.take();
        let calls = std::mem::take(&mut state.calls);
        drop(state);
        let reason = self.closing().during();
        for call in calls.0.iter().filter_map(Weak::upgrade) {
            call.abandon(self.backend, reason);
        }
        if let Some(waker) = waker {
            waker.wake();
        }
        executor
    }

    /// Resolves once the portal is closed.
    async fn closed(&self) {
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.executor.is_none() {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// [`block`] for this portal.
    fn block<T>(&self, wait: impl FnOnce() -> T) -> Result<T, Error> {
        block(self.backend, wait)
    }

    /// Waits up to `bound` for the portal's thread to finish; whether it did.
    fn wait_ended(&self, bound: Duration) -> bool {
        let ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        let (ended, _) = self
            .ended_signal
            .wait_timeout_while(ended, bound, |ended| !*ended)
            .unwrap_or_else(PoisonError::into_inner);
        *ended
    }
}

/// Runs `wait` where the calling thread may block: at once in plain synchronous code, inside
/// `tokio::task::block_in_place` in a task of a tokio multi-thread runtime (so that the worker's
/// other tasks move to another thread), and nowhere else: in any other async context (the
/// portal's own thread included, which runs a oneoff run) it returns [`Error::Nested`].
fn block<T>(backend: &'static str, wait: impl FnOnce() -> T) -> Result<T, Error> {
    match crate::current_context() {
        None => Ok(wait()),
        #[cfg(feature = "detect-tokio")]
        Some(crate::AsyncContext::TokioMultiThread) => Ok(tokio::task::block_in_place(wait)),
        Some(context) => Err(Error::Nested { backend, context }),
    }
}

/// The portal thread's run: the executor's calls, until the portal closes.
async fn serve(shared: &PortalShared, executor: Arc<Executor<'static>>) {
    // Dropped before `executor` (the parameter), also when the runtime panics: marks the
    // portal closed with the reason, so that the calls the executor drops carry it.
    let _closing = CloseOnExit(shared);
    executor.run(shared.closed()).await;
}

/// Closes the portal when the portal's run ends: closed by a handle, or its thread panicking.
struct CloseOnExit<'a>(&'a PortalShared);

impl Drop for CloseOnExit<'_> {
    fn drop(&mut self) {
        let why = if thread::panicking() { DIED } else { CLOSED };
        drop(self.0.close(why));
    }
}

/// Marks the portal's thread as ended, once everything on it has been dropped.
struct Ended<'a>(&'a PortalShared);

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        let why = if thread::panicking() { DIED } else { CLOSED };
        drop(self.0.close(why));
        *self.0.ended.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.0.ended_signal.notify_all();
    }
}

/// One call's rendezvous between the portal's thread, which runs it, and its [`PortalTask`].
struct Call<T> {
    state: Mutex<CallState<T>>,
    done: Condvar,
}

struct CallState<T> {
    /// The output, once the call finished; taken by whoever waits.
    outcome: Option<Result<T, Error>>,
    /// Set once `outcome` was, so that a taken outcome is not mistaken for a running call.
    finished: bool,
    /// Set by the task's handle to cancel the call.
    cancelled: bool,
    /// The async waiter on the handle, if any.
    waiter: Option<Waker>,
    /// The call's task on the portal's thread, woken to drop the future when cancelled.
    runner: Option<Waker>,
}

impl<T> Default for Call<T> {
    fn default() -> Self {
        Call {
            state: Mutex::new(CallState {
                outcome: None,
                finished: false,
                cancelled: false,
                waiter: None,
                runner: None,
            }),
            done: Condvar::new(),
        }
    }
}

impl<T: Send> Abandon for Call<T> {
    fn abandon(&self, backend: &'static str, reason: &'static str) {
        self.finish(Err(Error::Closed { backend, reason }));
    }
}

impl<T> Call<T> {
    fn lock(&self) -> MutexGuard<'_, CallState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores the outcome (the first one wins) and wakes whoever waits.
    fn finish(&self, outcome: Result<T, Error>) {
        let mut state = self.lock();
        if state.finished {
            return;
        }
        state.outcome = Some(outcome);
        state.finished = true;
        let waiter = state.waiter.take();
        drop(state);
        self.done.notify_all();
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Whether the handle cancelled the call; otherwise remembers `waker` to be told.
    fn cancelled(&self, waker: &Waker) -> bool {
        let mut state = self.lock();
        if !state.cancelled {
            match &mut state.runner {
                Some(runner) => runner.clone_from(waker),
                None => state.runner = Some(waker.clone()),
            }
        }
        state.cancelled
    }

    /// Asks the portal's thread to drop the call's future.
    fn cancel(&self) {
        let mut state = self.lock();
        state.cancelled = true;
        let runner = state.runner.take();
        drop(state);
        if let Some(runner) = runner {
            runner.wake();
        }
    }

    /// Blocks until the outcome, or until `deadline`: `None` then.
    fn wait(&self, deadline: Option<Instant>) -> Option<Result<T, Error>> {
        let mut state = self.lock();
        loop {
            if let Some(outcome) = state.outcome.take() {
                return Some(outcome);
            }
            state = match deadline {
                None => self
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.checked_duration_since(Instant::now())?;
                    let waited = self.done.wait_timeout(state, left);
                    waited.unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }
}

/// The task the portal's thread runs for one call: polls `future` (catching its panics) until
/// it completes or the call is cancelled, and hands over the outcome.
fn job<F>(
    shared: Arc<PortalShared>,
    call: Arc<Call<F::Output>>,
    future: F,
) -> impl Future<Output = ()> + Send + 'static
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let backend = shared.backend;
    // Made before the first poll, so that a call dropped unpolled (the portal closing right
    // after it was sent) is finished with an error too.
    let sender = Sender { shared, call };
    async move {
        let mut future = pin!(future);
        let outcome = poll_fn(|cx| {
            // Closed: the caller has its answer, and a call that has not started never does
            // (the executor may reach it before it notices the close).
            if sender.call.cancelled(cx.waker()) || sender.shared.closing() != Closing::Open {
                return Poll::Ready(None);
            }
            match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(output)) => Poll::Ready(Some(Ok(output))),
                Err(payload) => Poll::Ready(Some(Err(Error::panicked(backend, payload)))),
            }
        })
        .await;
        if let Some(outcome) = outcome {
            sender.call.finish(outcome);
        }
    }
}

/// The portal's side of a call: when dropped before the call finished (cancelled by its
/// handle, or by the portal closing), it tells the handle why.
struct Sender<T> {
    shared: Arc<PortalShared>,
    call: Arc<Call<T>>,
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let backend = self.shared.backend;
        let err = if self.call.lock().cancelled {
            Error::Cancelled { backend }
        } else {
            Error::Closed {
                backend,
                reason: self.shared.closing().during(),
            }
        };
        self.call.finish(Err(err));
    }
}

/// A call started with [`BlockingPortal::spawn`]: [`join`](Self::join) it from sync code, or
/// await it from async code, for its output; [`cancel`](Self::cancel) it; or drop it to let the
/// call run on without anyone waiting (as with [`Task`](crate::Task)).
///
/// Awaiting or joining it gives the output, [`Error::Panicked`] (with the payload) when the
/// future panicked, or [`Error::Closed`] when the portal closed first.
///
/// # Examples
///
/// ```
/// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
/// let tasks: Vec<_> = (1..=3).map(|i| portal.spawn(async move { i })).collect::<Result<_, _>>()?;
/// let total: i32 = tasks.into_iter().map(|task| task.join()).sum::<Result<i32, _>>()?;
/// assert_eq!(total, 6);
/// # Ok::<(), oneoff::Error>(())
/// ```
#[must_use = "dropping a PortalTask lets the call run on unobserved; join or await it for its output"]
pub struct PortalTask<T> {
    call: Arc<Call<T>>,
    backend: &'static str,
}

impl<T> PortalTask<T> {
    /// Blocks until the call's output. Returns [`Error::Nested`] where the calling thread may
    /// not wait (see the table on [`BlockingPortal`]); the call runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let task = portal.spawn(async { "done" })?;
    /// assert_eq!(task.join()?, "done");
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn join(self) -> Result<T, Error> {
        let backend = self.backend;
        let wait = || {
            self.call
                .wait(None)
                .unwrap_or(Err(Error::Cancelled { backend }))
        };
        block(self.backend, wait)?
    }

    /// [`join`](Self::join) that gives up after `timeout`: the call is cancelled and
    /// [`Error::Timeout`] is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let task = portal.spawn(std::future::pending::<()>())?;
    /// let err = task.join_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, oneoff::Error::Timeout { .. }));
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn join_timeout(self, timeout: Duration) -> Result<T, Error> {
        block(self.backend, || self.join_until(timeout))?
    }

    /// Waits up to `timeout` without the context check; cancels the call if it runs out.
    fn join_until(&self, timeout: Duration) -> Result<T, Error> {
        let deadline = Instant::now().checked_add(timeout);
        match self.call.wait(deadline) {
            Some(outcome) => outcome,
            None => {
                self.call.cancel();
                Err(Error::Timeout {
                    backend: self.backend,
                    after: timeout,
                })
            }
        }
    }

    /// Lets the call run on without anyone waiting for it (the same as dropping the handle);
    /// its output is dropped when it finishes.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let (sender, receiver) = std::sync::mpsc::channel();
    /// portal.spawn(async move { sender.send("ran").unwrap() })?.detach();
    /// assert_eq!(receiver.recv().unwrap(), "ran");
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn detach(self) {
        drop(self);
    }

    /// Cancels the call: its future is dropped on the portal's thread at its next turn.
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// portal.spawn(std::future::pending::<()>())?.cancel();
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn cancel(self) {
        self.call.cancel();
    }

    /// Whether the call has finished (its output is waiting to be taken).
    ///
    /// # Examples
    ///
    /// ```
    /// let portal = oneoff::BlockingPortal::<oneoff::Runner>::new()?;
    /// let task = portal.spawn(std::future::pending::<()>())?;
    /// assert!(!task.is_finished());
    /// # Ok::<(), oneoff::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.call.lock().finished
    }
}

impl<T> Future for PortalTask<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.call.lock();
        if let Some(outcome) = state.outcome.take() {
            return Poll::Ready(outcome);
        }
        if state.finished {
            return Poll::Ready(Err(Error::Cancelled {
                backend: self.backend,
            }));
        }
        match &mut state.waiter {
            Some(waiter) => waiter.clone_from(cx.waker()),
            None => state.waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for PortalTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalTask")
            .field("backend", &self.backend)
            .field("finished", &self.is_finished())
            .finish()
    }
}

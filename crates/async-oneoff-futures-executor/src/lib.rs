//! oneoff backend for [futures-executor](https://docs.rs/futures-executor): the `block_on` of
//! the `futures` crate, the most used after tokio's, with no reactor and no thread of its own.
//!
//! [`FuturesExecutor`] runs a one-shot future with `futures::executor::block_on`, which polls it
//! on the calling thread and parks the thread between wake-ups; it has no executor, so nothing
//! can be spawned in a one-shot run. A reused runner keeps a `futures::executor::LocalPool`:
//! each `block_on` is the pool's `run_until`, which also drives the tasks spawned onto the pool
//! with [`OneOffRunner::spawn`] (or `oneoff::spawn`), and dropping the runner drops them. Like
//! futures-lite and pollster it cannot drive I/O or timers itself: a future that needs a reactor
//! must bring one that runs on its own thread, as `async-io`'s timers do.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_futures_executor::FuturesExecutor;
//!
//! assert_eq!(FuturesExecutor::run(async { 42 }).unwrap(), 42);
//!
//! let runner = FuturesExecutor::new().unwrap();
//! let sum = runner.block_on(async {
//!     let task = FuturesExecutor::spawn(async { 40 }).unwrap();
//!     task.await.unwrap() + 2
//! });
//! assert_eq!(sum.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None. The crate enables `async-oneoff-core`'s `detect-futures-executor`, so that every oneoff
//! backend refuses to block inside a running futures executor.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_executor::{LocalPool, LocalSpawner};
use futures_task::{FutureObj, Spawn};
use oneoff_core::{Entered, Error, OneOffRunner, Task, until_deadline};

thread_local! {
    /// The id of the runner whose `block_on` runs on this thread, 0 when none does: one word
    /// written and put back around each call, where a scoped thread-local naming the runner's
    /// spawner cost about 2 ns a call (`ready/futures-executor/reused` in `cargo bench`).
    static RUNNING: Cell<u64> = const { Cell::new(0) };
    /// The spawners of the runners made on this thread, by id: a runner stays on the thread
    /// that made it, and leaves this list when it is dropped.
    static SPAWNERS: RefCell<Vec<(u64, LocalSpawner)>> = const { RefCell::new(Vec::new()) };
}

/// The next runner's id; ids are never reused.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Puts back the id of the runner that ran before, also when a panic unwinds.
struct Restore(u64);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        RUNNING.set(self.0);
    }
}

/// `futures::executor::block_on` for one-shot runs, a kept `LocalPool` for a reused runner.
///
/// Threads: the future and the tasks spawned onto the pool run on the calling thread, and only
/// while a `block_on` is running; nothing else is started. A timeout is timed by
/// `futures-timer`'s one global timer thread, started at the first timeout and kept for the
/// life of the process (the deadline is also checked after every poll). Dropping the runner
/// drops (cancels) the tasks still on its pool. Panics in the future unwind through the call;
/// the pool stays usable. The runner is neither `Send` nor `Sync`: a `LocalPool` stays on the
/// thread that made it (each thread makes its own; it costs an allocation).
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_futures_executor::FuturesExecutor;
///
/// let runner = FuturesExecutor::new().unwrap();
/// // A task spawned in one run keeps its place on the pool for the next.
/// let task = runner.block_on(async { FuturesExecutor::spawn(async { 7 }).unwrap() }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap().unwrap(), 7);
/// ```
///
/// The pool stays on its thread:
///
/// ```compile_fail,E0277
/// use oneoff_core::OneOffRunner;
/// use oneoff_futures_executor::FuturesExecutor;
///
/// let runner = FuturesExecutor::new().unwrap();
/// std::thread::spawn(move || runner.block_on(async { 1 })); // error[E0277]: cannot be sent
/// ```
#[derive(Debug)]
pub struct FuturesExecutor {
    /// Borrowed mutably by one `block_on` at a time: `enter` refuses a nested call on this
    /// thread before the borrow, and the runner cannot be shared with another thread.
    pool: RefCell<LocalPool>,
    /// Its key in this thread's `SPAWNERS`.
    id: u64,
}

impl FuturesExecutor {
    /// Runs `future` on the pool, with its spawner reachable by [`OneOffRunner::spawn`].
    #[inline]
    fn run_until<F: Future>(&self, future: F) -> F::Output {
        let _restore = Restore(RUNNING.replace(self.id));
        self.pool.borrow_mut().run_until(future)
    }
}

impl Drop for FuturesExecutor {
    fn drop(&mut self) {
        // `try_with`: a runner kept in another thread-local may drop after this one is gone.
        let _ = SPAWNERS.try_with(|spawners| {
            if let Ok(mut spawners) = spawners.try_borrow_mut() {
                spawners.retain(|(id, _)| *id != self.id);
            }
        });
    }
}

/// The spawner of the runner whose `block_on` runs on this thread, if one does.
fn running_spawner() -> Option<LocalSpawner> {
    let id = RUNNING.get();
    if id == 0 {
        return None;
    }
    SPAWNERS.with_borrow(|spawners| {
        spawners
            .iter()
            .find(|(key, _)| *key == id)
            .map(|(_, spawner)| spawner.clone())
    })
}

/// futures-executor's identity: no escape besides awaiting, no I/O of its own.
static FUTURES_EXECUTOR: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "futures-executor",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::None,
);

impl OneOffRunner for FuturesExecutor {
    const BACKEND: &'static oneoff_core::BackendInfo = &FUTURES_EXECUTOR;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        let pool = LocalPool::new();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        SPAWNERS.with_borrow_mut(|spawners| spawners.push((id, pool.spawner())));
        Ok(FuturesExecutor {
            pool: RefCell::new(pool),
            id,
        })
    }

    #[inline]
    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(self.run_until(future))
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        Ok(self.run_until(until_deadline(future, deadline, timer(deadline))))
    }

    #[inline]
    fn drive_once<F: Future>(_entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(futures_executor::block_on(future))
    }

    /// Spawns onto the `LocalPool` of the runner whose `block_on` runs the calling code.
    ///
    /// A one-shot run (`futures::executor::block_on`) has no executor: there it returns
    /// [`Error::Unsupported`], as it does outside any run.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let Some(spawner) = running_spawner() else {
            return Err(Error::Unsupported {
                backend: Self::NAME,
                reason: "a one-shot run (futures::executor::block_on) has no executor to spawn \
                         tasks onto; make a FuturesExecutor runner and spawn inside its \
                         block_on, which runs a LocalPool",
            });
        };
        Task::spawn_with(Self::NAME, future, |body| {
            spawner
                .spawn_obj(FutureObj::new(Box::new(body)))
                .map_err(|_| Error::Cancelled {
                    backend: Self::NAME,
                })
        })
    }
}

oneoff_core::inherent_methods!(FuturesExecutor);

/// `futures-timer`'s delay until `deadline`.
fn timer(deadline: Instant) -> futures_timer::Delay {
    futures_timer::Delay::new(deadline.saturating_duration_since(Instant::now()))
}

//! oneoff backend for tokio's [`LocalRuntime`]: tokio's current-thread runtime that also runs
//! `!Send` tasks (`tokio::task::spawn_local`) without a `LocalSet`, at the price of a runner
//! that stays on the thread that made it.
//!
//! [`TokioLocal`] builds a `LocalRuntime` with I/O and timers enabled (stable since tokio 1.51;
//! no `tokio_unstable` needed) and runs the future with its `block_on` on the calling thread.
//! It runs everything `oneoff::Tokio` runs (`tokio::net`, `tokio::time`, `tokio::spawn`), and
//! besides `tokio::task::spawn_local`, which panics on a plain current-thread runtime outside a
//! `LocalSet`. Tasks left on the runtime are dropped with it, so a one-shot run cancels them, as
//! `asyncio.run` does.
//!
//! Teardown is bounded as on `oneoff::Tokio`: a runtime waits at most one second for
//! `spawn_blocking` jobs that are still running, then leaves them running on their threads and
//! says so in a `log` warning (target `oneoff`), where tokio alone would wait for them for ever.
//!
//! # Examples
//!
//! ```
//! use std::rc::Rc;
//! use oneoff_core::OneOffRunner;
//! use oneoff_tokio_local::TokioLocal;
//!
//! let answer = TokioLocal::run(async {
//!     let not_send = Rc::new(40);
//!     let task = tokio::task::spawn_local(async move { *not_send + 1 });
//!     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     task.await.unwrap() + 1
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None. The crate enables `async-oneoff-core`'s `detect-tokio`, so that every oneoff backend refuses
//! to block inside a running tokio runtime.

use std::future::Future;
use std::time::{Duration, Instant};

use oneoff_core::{Entered, Error, OneOffRunner, Task, tokio_block_on, until_deadline};
use tokio::runtime::{Builder, Handle, LocalOptions, LocalRuntime};

/// How long teardown waits for `spawn_blocking` jobs before it leaves them running and reports
/// it: the same bound as `oneoff::Tokio`'s default (`oneoff::DEFAULT_SHUTDOWN_TIMEOUT`).
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// tokio's `LocalRuntime`, with I/O and timers enabled.
///
/// Threads: the future and every task it spawns (`tokio::spawn`, `tokio::task::spawn_local`,
/// `oneoff::spawn`) run on the calling thread, only while a `block_on` is running; the runtime
/// starts no thread (a `spawn_blocking` call starts blocking-pool threads, waited for on
/// teardown up to one second). Dropping the runner drops (cancels) the tasks left on it. Panics in the future unwind
/// through the call; the runtime stays usable. The runner is neither `Send` nor `Sync`: a
/// `LocalRuntime` is driven only by the thread that made it, so each thread makes its own.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_tokio_local::TokioLocal;
///
/// let runner = TokioLocal::new().unwrap();
/// let task = runner.block_on(async { tokio::task::spawn_local(async { 7 }) }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap().unwrap(), 7);
/// ```
///
/// The runtime stays on its thread:
///
/// ```compile_fail,E0277
/// use oneoff_core::OneOffRunner;
/// use oneoff_tokio_local::TokioLocal;
///
/// let runner = TokioLocal::new().unwrap();
/// std::thread::spawn(move || runner.block_on(async { 1 })); // error[E0277]: cannot be sent
/// ```
#[derive(Debug)]
pub struct TokioLocal {
    /// Taken out only on drop: tokio panics when a runtime is dropped inside an async
    /// context, so inside one it is shut down in the background instead.
    runtime: Option<LocalRuntime>,
}

impl TokioLocal {
    fn runtime(&self) -> &LocalRuntime {
        self.runtime
            .as_ref()
            .expect("the runtime is only taken out on drop")
    }
}

/// tokio-local's identity: code that must block goes to `spawn_blocking`; tokio's sockets and
/// timers.
static TOKIO_LOCAL: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "tokio-local",
    oneoff_core::Escape::SpawnBlocking,
    oneoff_core::NativeIo::Tokio,
);

impl OneOffRunner for TokioLocal {
    const BACKEND: &'static oneoff_core::BackendInfo = &TOKIO_LOCAL;
    const PROVIDES_TOKIO: bool = true;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
            .map_err(|source| Error::Start {
                backend: Self::NAME,
                source,
            })?;
        Ok(TokioLocal {
            runtime: Some(runtime),
        })
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        tokio_block_on(Self::BACKEND, future, |future| {
            self.runtime().block_on(future)
        })
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timed = async {
            let timer = tokio::time::sleep_until(deadline.into());
            let output = until_deadline(future, deadline, timer).await;
            // The runtime runs its tasks only inside `block_on`: one round for what dropping
            // a timed-out future woke (a connection task holding its socket), as on
            // `oneoff::Tokio`.
            if output.is_none() {
                tokio::task::yield_now().await;
            }
            output
        };
        tokio_block_on(Self::BACKEND, timed, |timed| self.runtime().block_on(timed))
    }

    /// `tokio::spawn` onto the runtime running the calling code.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = Handle::try_current().map_err(|_| Error::Unsupported {
            backend: Self::NAME,
            reason: "no tokio runtime runs the calling code; spawn from inside the future given \
                     to oneoff::run or Runner::block_on",
        })?;
        // The body reports a panic and stops when cancelled; tokio's own handle is detached.
        Task::spawn_with(Self::NAME, future, |body| {
            drop(handle.spawn(body));
            Ok(())
        })
    }
}

oneoff_core::inherent_methods!(TokioLocal);

/// Teardown, bounded. tokio panics when a runtime is dropped inside an async context, so where
/// a tokio runtime runs the calling thread it is shut down in the background instead.
impl Drop for TokioLocal {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if Handle::try_current().is_ok() {
            runtime.shutdown_background();
            return;
        }
        let started = Instant::now();
        runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
        let waited = started.elapsed();
        if waited >= SHUTDOWN_TIMEOUT {
            log::warn!(
                target: "oneoff",
                "{}: teardown waited {waited:?} (its bound is {SHUTDOWN_TIMEOUT:?}) and left the \
                 blocking pool running: a spawn_blocking job (or tokio's blocking I/O, such as \
                 stdin) has not finished and goes on detached; await it in the future",
                Self::NAME,
            );
        }
    }
}

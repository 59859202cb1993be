//! oneoff backend for [compio](https://docs.rs/compio): a completion-based, thread-per-core
//! runtime on io_uring (with a `polling` fallback), whose I/O runs only under compio itself.
//!
//! [`Compio`] keeps a `compio::runtime::Runtime` and runs each future with its `block_on` on
//! the calling thread: the future, the tasks spawned onto the runtime and its I/O driver all
//! run there, and nothing else is started. The driver is io_uring where the kernel offers every
//! operation compio needs, otherwise `polling` (epoll); [`Compio::driver`] says which one runs.
//! compio's sockets, files and timers submit their operations to that driver, so they work only
//! inside a compio runtime: a future that uses them fails on any other backend, as tokio's I/O
//! does outside tokio. Runtime-neutral futures, and `async-io`'s timers and sockets (driven by
//! `async-io`'s own thread), run here as everywhere.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_compio::Compio;
//!
//! let answer = Compio::run(async {
//!     compio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     42
//! });
//! assert_eq!(answer.unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None.

use std::future::Future;
use std::time::Instant;

use compio::driver::DriverType;
use compio::runtime::Runtime;
use oneoff_core::{Entered, Error, OneOffRunner, Task, until_deadline};

/// compio's runtime, kept for the runner's life.
///
/// Threads: the future, the tasks spawned onto the runtime (`compio::runtime::spawn`, or
/// `oneoff::spawn`) and the I/O driver all run on the calling thread, only while a `block_on`
/// is running; nothing else is started (`compio::runtime::spawn_blocking` starts a thread per
/// call). Dropping the runner drops (cancels) the tasks left on it, so a one-shot run cancels
/// them, as `asyncio.run` does. A panic in the future unwinds through the call with its
/// payload; compio then drops every task still queued on the runtime, and the runner stays
/// usable. The runner is neither `Send` nor `Sync`: a compio runtime belongs to the thread that
/// made it, so each thread makes its own.
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_compio::Compio;
///
/// let runner = Compio::new().unwrap();
/// let task = runner.block_on(async { compio::runtime::spawn(async { 7 }) }).unwrap();
/// assert_eq!(runner.block_on(task).unwrap().unwrap(), 7);
/// ```
///
/// The runtime stays on its thread:
///
/// ```compile_fail,E0277
/// use oneoff_core::OneOffRunner;
/// use oneoff_compio::Compio;
///
/// let runner = Compio::new().unwrap();
/// std::thread::spawn(move || runner.block_on(async { 1 })); // error[E0277]: cannot be sent
/// ```
#[derive(Debug)]
pub struct Compio {
    runtime: Runtime,
}

impl Compio {
    /// The I/O driver this runner's runtime uses: `"io_uring"`, or `"polling"` where the kernel
    /// lacks an io_uring operation compio needs (or io_uring is disabled).
    ///
    /// # Examples
    ///
    /// ```
    /// use oneoff_core::OneOffRunner;
    /// use oneoff_compio::Compio;
    ///
    /// let driver = Compio::new().unwrap().driver();
    /// assert!(["io_uring", "polling"].contains(&driver), "{driver}");
    /// ```
    pub fn driver(&self) -> &'static str {
        match self.runtime.driver_type() {
            DriverType::IoUring => "io_uring",
            DriverType::Poll => "polling",
            DriverType::IOCP => "iocp",
        }
    }
}

/// compio's identity: no escape besides awaiting, compio's own sockets and timers.
static COMPIO: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "compio",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::Compio,
);

impl OneOffRunner for Compio {
    const BACKEND: &'static oneoff_core::BackendInfo = &COMPIO;
    const CAN_SPAWN: bool = true;

    fn new() -> Result<Self, Error> {
        let runtime = Runtime::new().map_err(|source| Error::Start {
            backend: Self::NAME,
            source,
        })?;
        Ok(Compio { runtime })
    }

    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(self.runtime.block_on(future))
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timer = compio::time::sleep_until(deadline);
        Ok(self
            .runtime
            .block_on(until_deadline(future, deadline, timer)))
    }

    /// Spawns onto the compio runtime running the calling code.
    fn spawn<F>(future: F) -> Result<Task<F::Output>, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let spawned = Runtime::try_with_current(|runtime| {
            // The body reports a panic and stops when cancelled; compio's own handle, which
            // would cancel the task when dropped, is detached.
            Task::spawn_with(Self::NAME, future, |body| {
                runtime.spawn(body).detach();
                Ok(())
            })
        });
        spawned.unwrap_or_else(|_| {
            Err(Error::Unsupported {
                backend: Self::NAME,
                reason: "no compio runtime runs the calling code; spawn from inside the future \
                         given to Compio::run or Runner::block_on",
            })
        })
    }
}

oneoff_core::inherent_methods!(Compio);

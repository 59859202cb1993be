//! oneoff backend for [futures-lite](https://docs.rs/futures-lite): a `block_on` with a cached
//! parker, no reactor and no thread, the cheapest way to run a future that needs no runtime.
//!
//! [`FuturesLite`] polls the future on the calling thread and parks the thread between
//! wake-ups. A one-shot run uses `futures_lite::future::block_on`, which caches its parker per
//! thread (once that cache is destroyed, as the thread ends, a fresh parker instead); a reused
//! runner keeps its own parker and waker, and waits for a timeout with the parker's own deadline
//! (checked after every poll too), so no timer thread is needed. It cannot drive I/O or timers
//! itself (a future that needs a reactor must bring one that runs on its own thread, as
//! `async-io`'s timers do) and cannot spawn tasks.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_futures_lite::FuturesLite;
//!
//! assert_eq!(FuturesLite::run(async { 42 }).unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use oneoff_core::{CacheWatch, Entered, Error, OneOffRunner, ParkerCache};
use parking::Parker;

/// futures-lite's `block_on`, with a parker kept for the runner's life.
///
/// Threads: the future runs on the calling thread; nothing else is started. Panics unwind
/// through the call; the kept parker stays valid, so the runner stays usable. The runner is
/// `Send` but not `Sync`: one thread at a time blocks on it (share it behind a `Mutex`, or give
/// each thread its own: it costs nothing to make).
///
/// # Examples
///
/// ```
/// use oneoff_core::OneOffRunner;
/// use oneoff_futures_lite::FuturesLite;
///
/// let runner = FuturesLite::new().unwrap();
/// let total: u32 = (0..100).map(|i| runner.block_on(async move { i }).unwrap()).sum();
/// assert_eq!(total, 4950);
/// ```
#[derive(Debug)]
pub struct FuturesLite {
    parker: Parker,
    waker: Waker,
}

impl FuturesLite {
    /// A runner with a parker of its own.
    fn parked() -> Self {
        let parker = Parker::new();
        let waker = Waker::from(parker.unparker());
        FuturesLite { parker, waker }
    }

    /// Polls `future` until it completes or `deadline` passes, parking in between. The
    /// deadline is checked after every poll, not only when a wait times out: a future that
    /// wakes itself at once every time never lets the parker's wait time out.
    fn poll_until<F: Future>(&self, future: F, deadline: Option<Instant>) -> Option<F::Output> {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(&self.waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Some(output);
            }
            match deadline {
                None => self.parker.park(),
                Some(deadline) => {
                    if Instant::now() >= deadline {
                        return None;
                    }
                    self.parker.park_deadline(deadline);
                }
            }
        }
    }
}

/// futures-lite's identity: no escape besides awaiting, no I/O of its own.
static FUTURES_LITE: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "futures-lite",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::None,
);

impl OneOffRunner for FuturesLite {
    const BACKEND: &'static oneoff_core::BackendInfo = &FUTURES_LITE;

    fn new() -> Result<Self, Error> {
        Ok(FuturesLite::parked())
    }

    #[inline]
    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        match self.poll_until(future, None) {
            Some(output) => Ok(output),
            None => unreachable!("without a deadline only completion ends the loop"),
        }
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        Ok(self.poll_until(future, Some(deadline)))
    }

    #[inline]
    fn drive_once<F: Future>(_entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(oneoff_core::block_on_cached(
            &CACHE,
            &WATCH,
            |future| futures_lite::future::block_on(future),
            future,
        ))
    }
}

thread_local! {
    /// Where `futures_lite::future::block_on`'s thread-local parker is, as far as a one-shot
    /// run on this thread can tell (see [`oneoff_core::block_on_cached`]).
    static CACHE: Cell<ParkerCache> = const { Cell::new(ParkerCache::Unwatched) };
    static WATCH: CacheWatch = const { CacheWatch(&CACHE) };
}

oneoff_core::inherent_methods!(FuturesLite);

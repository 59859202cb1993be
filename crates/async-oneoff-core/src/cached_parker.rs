//! A runtime's `block_on` that caches its parker in a thread-local (futures-lite's, smol's)
//! panics when called from another thread-local's destructor once that cache is destroyed.
//! [`block_on_cached`] calls it while the cache lives, and polls on a parker of its own after.

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::thread::LocalKey;

/// What a backend knows of its runtime's cached parker on this thread: keep it in a `const`
/// thread-local of its own, which has no destructor and so is readable from any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkerCache {
    /// No run has returned on this thread yet: the cache may not be made.
    Unwatched,
    /// Made, and its [`CacheWatch`] made after it.
    Watched,
    /// Perhaps destroyed: the thread is ending, and its [`CacheWatch`] was destroyed.
    Destroyed,
}

/// Marks its [`ParkerCache`] destroyed when dropped. Declared as a thread-local that
/// [`block_on_cached`] first uses right after the runtime made its cache, so destroyed before
/// the cache: thread-locals are destroyed in the reverse order of their first use.
#[derive(Debug)]
pub struct CacheWatch(pub &'static LocalKey<Cell<ParkerCache>>);

impl Drop for CacheWatch {
    fn drop(&mut self) {
        self.0.set(ParkerCache::Destroyed);
    }
}

/// `block_on(future)` while the runtime's cached parker lives, as `cache` and `watch` (the
/// backend's two thread-locals) tell; in a thread-local's destructor after that, `future`
/// polled on a parker of the call's own.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use oneoff_core::{CacheWatch, ParkerCache, block_on_cached};
///
/// thread_local! {
///     static CACHE: Cell<ParkerCache> = const { Cell::new(ParkerCache::Unwatched) };
///     static WATCH: CacheWatch = const { CacheWatch(&CACHE) };
/// }
///
/// let answer = block_on_cached(
///     &CACHE,
///     &WATCH,
///     |future| futures_lite::future::block_on(future),
///     async { 42 },
/// );
/// assert_eq!(answer, 42);
/// assert_eq!(CACHE.get(), ParkerCache::Watched);
/// ```
#[inline(always)]
pub fn block_on_cached<F: Future>(
    cache: &'static LocalKey<Cell<ParkerCache>>,
    watch: &'static LocalKey<CacheWatch>,
    block_on: impl FnOnce(F) -> F::Output,
    future: F,
) -> F::Output {
    match cache.get() {
        ParkerCache::Watched => block_on(future),
        ParkerCache::Unwatched => {
            let output = block_on(future);
            watch_the_cache(cache, watch);
            output
        }
        ParkerCache::Destroyed => park_locally(pin!(future)),
    }
}

/// Makes `watch` just after the runtime's cache (out of line: once per thread).
#[cold]
fn watch_the_cache(
    cache: &'static LocalKey<Cell<ParkerCache>>,
    watch: &'static LocalKey<CacheWatch>,
) {
    if watch.try_with(|_| ()).is_ok() {
        cache.set(ParkerCache::Watched);
    }
}

/// Polls `future` to completion, parking this thread on a parker of its own between polls.
#[cold]
fn park_locally<F: Future>(mut future: Pin<&mut F>) -> F::Output {
    let (parker, unparker) = parking::pair();
    let waker = Waker::from(unparker);
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        parker.park();
    }
}

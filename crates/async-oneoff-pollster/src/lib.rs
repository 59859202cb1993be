//! oneoff backend for [pollster](https://docs.rs/pollster): the smallest possible `block_on`,
//! with no reactor, no timer and no state.
//!
//! [`Pollster`] polls the future on the calling thread and parks the thread between wake-ups.
//! It starts no thread and keeps nothing between runs, so a one-shot run and a reused runner
//! cost the same. It cannot drive I/O or timers itself: a future that needs a reactor must bring
//! one that runs on its own thread (as `async-io`'s timers do), and one that needs tokio's
//! reactor fails. It cannot spawn tasks.
//!
//! # Examples
//!
//! ```
//! use oneoff_core::OneOffRunner;
//! use oneoff_pollster::Pollster;
//!
//! assert_eq!(Pollster::run(async { 42 }).unwrap(), 42);
//! ```
//!
//! ## Feature flags
//!
//! None.

use std::future::Future;
use std::time::Instant;

use oneoff_core::{Entered, Error, OneOffRunner, until_deadline};

/// `pollster::block_on` behind the oneoff interface.
///
/// Threads: the future runs on the calling thread; pollster starts none. A timeout is timed by
/// `futures-timer`'s one global timer thread, started at the first timeout and kept for the
/// life of the process (the deadline is also checked after every poll, so a future that never
/// goes idle is cancelled too). Panics in the future unwind through the call; pollster keeps
/// no state that a panic could break.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_core::{Error, OneOffRunner};
/// use oneoff_pollster::Pollster;
///
/// let runner = Pollster::new().unwrap();
/// let never = std::future::pending::<()>();
/// let err = runner.block_on_timeout(never, Duration::from_millis(5)).unwrap_err();
/// assert!(matches!(err, Error::Timeout { .. }));
/// ```
#[derive(Debug, Default)]
pub struct Pollster;

/// pollster's identity: no escape besides awaiting, no I/O of its own.
static POLLSTER: oneoff_core::BackendInfo = oneoff_core::BackendInfo::new(
    "pollster",
    oneoff_core::Escape::Await,
    oneoff_core::NativeIo::None,
);

impl OneOffRunner for Pollster {
    const BACKEND: &'static oneoff_core::BackendInfo = &POLLSTER;

    fn new() -> Result<Self, Error> {
        Ok(Pollster)
    }

    #[inline]
    fn drive<F: Future>(&self, _entered: Entered, future: F) -> Result<F::Output, Error> {
        Ok(pollster::block_on(future))
    }

    fn drive_timeout<F: Future>(
        &self,
        _entered: Entered,
        future: F,
        deadline: Instant,
    ) -> Result<Option<F::Output>, Error> {
        let timer = futures_timer::Delay::new(deadline.saturating_duration_since(Instant::now()));
        Ok(pollster::block_on(until_deadline(future, deadline, timer)))
    }
}

oneoff_core::inherent_methods!(Pollster);

//! A future that needs tokio, run on a backend that is not tokio: [`Error::NeedsTokio`] in place
//! of tokio's panic, and no panic message on stderr.
//!
//! tokio cannot be asked beforehand whether a future will need it: the future finds out during
//! a poll, when `tokio::time::sleep`, `tokio::net` or `tokio::spawn` looks for the runtime of
//! the calling thread and panics with `panic!("{}", TryCurrentError)`, whose text is tokio's
//! `CONTEXT_MISSING_ERROR` (`tokio/src/util/error.rs`, unchanged since tokio 1.0, and the text
//! of `Handle::current`, the timer's and the I/O driver's lookups alike). So the poll of the
//! run's future is guarded: a panic with exactly that text becomes the run's
//! [`Error::NeedsTokio`], any other panic unwinds on with its payload. Before the unwind, the
//! process's panic hook would print tokio's message; a hook installed by the first guarded run
//! (wrapping whatever hook was set before it) stays quiet for that one panic, on a thread that
//! is polling a guarded future at that moment, and passes every other panic to the hook before
//! it. A hook set later by the program replaces it: the message is then printed, and the run
//! still returns the error. Built with `panic = "abort"`, nothing can be caught: no hook is
//! installed and tokio's panic ends the process as it would without oneoff.
//!
//! Tasks that an executor polls outside the run's future (on smol's, compio's, monoio's,
//! futures-executor's runners, on async-std's threads) are not guarded: their panic is printed
//! as every task's panic is, and awaiting the [`Task`](crate::Task) gives the same error
//! through [`Error::panicked`].
//!
//! [`Error::NeedsTokio`]: crate::Error::NeedsTokio
//! [`Error::panicked`]: crate::Error::panicked

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

/// tokio's panic message when no tokio runtime runs the calling code (`CONTEXT_MISSING_ERROR`).
const CONTEXT_MISSING: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";

thread_local! {
    /// Whether this thread is polling a guarded future: its tokio panic is returned, so the
    /// hook need not print it.
    static POLLING: Cell<bool> = const { Cell::new(false) };
}

/// Whether `payload` is tokio's panic for a missing runtime.
pub(crate) fn is_missing_tokio(payload: &(dyn Any + Send)) -> bool {
    match payload.downcast_ref::<String>() {
        Some(message) => message == CONTEXT_MISSING,
        None => payload.downcast_ref::<&str>() == Some(&CONTEXT_MISSING),
    }
}

pin_project_lite::pin_project! {
    /// The run's future, its tokio panic returned as [`MissingTokio`].
    pub(crate) struct Guarded<F> {
        #[pin]
        future: F,
    }
}

/// The guarded future's tokio panic, caught: the run's `Error::NeedsTokio`.
pub(crate) struct MissingTokio;

/// `future`, guarded for a run on a backend that does not give tokio's context.
#[inline]
pub(crate) fn guard<F: Future>(future: F) -> Guarded<F> {
    if cfg!(panic = "unwind") && !HOOK_INSTALLED.load(Ordering::Relaxed) {
        install_hook();
    }
    Guarded { future }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, MissingTokio>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        let outer = POLLING.replace(true);
        let polled = catch_unwind(AssertUnwindSafe(|| future.poll(cx)));
        POLLING.set(outer);
        match polled {
            Ok(polled) => polled.map(Ok),
            Err(payload) if is_missing_tokio(payload.as_ref()) => Poll::Ready(Err(MissingTokio)),
            Err(payload) => resume_unwind(payload),
        }
    }
}

/// Whether the quiet hook is the process's, or was: set once, never unset.
static HOOK_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Wraps the process's panic hook in one that does not print tokio's missing-runtime panic on
/// a thread that polls a guarded future.
#[cold]
fn install_hook() {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
    // std refuses to change the hook during a panic (a run from a destructor while unwinding):
    // that run goes without, and a later one installs it.
    if HOOK_INSTALLED.load(Ordering::Relaxed) || std::thread::panicking() {
        return;
    }
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !(POLLING.get() && is_missing_tokio(info.payload())) {
            previous(info);
        }
    }));
    HOOK_INSTALLED.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokio_s_exact_message_is_recognised() {
        let formatted: Box<dyn Any + Send> = Box::new(CONTEXT_MISSING.to_owned());
        let literal: Box<dyn Any + Send> = Box::new(CONTEXT_MISSING);
        assert!(is_missing_tokio(formatted.as_ref()));
        assert!(is_missing_tokio(literal.as_ref()));
        let longer: Box<dyn Any + Send> = Box::new(format!("{CONTEXT_MISSING}!"));
        let other: Box<dyn Any + Send> = Box::new(7_u32);
        assert!(!is_missing_tokio(longer.as_ref()));
        assert!(!is_missing_tokio(other.as_ref()));
    }

    /// The text is tokio's own, in the version this workspace locks.
    #[cfg(feature = "detect-tokio")]
    #[test]
    fn tokio_s_panic_outside_a_runtime_is_recognised() {
        let payload = catch_unwind(tokio::runtime::Handle::current).unwrap_err();
        assert!(is_missing_tokio(payload.as_ref()));
    }
}

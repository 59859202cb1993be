//! The one path every blocking call takes once the nested-call check has passed: straight to
//! the backend's hook when the run is plain, through the supervised future (debug mode's poll
//! timer, Ctrl-C) otherwise.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::needs_tokio;
use crate::{Entered, Error, OneOffRunner};

/// Which hook a call is routed to.
pub(crate) enum Route<'a, R> {
    /// A fresh runtime: [`OneOffRunner::drive_once`].
    Once,
    /// A kept runtime: [`OneOffRunner::drive`].
    Kept(&'a R),
    /// A kept runtime until a deadline: [`OneOffRunner::drive_timeout`]. A deadline too far to
    /// represent is no deadline.
    Until {
        runner: &'a R,
        deadline: Option<Instant>,
        timeout: Duration,
    },
}

impl<'a, R> Route<'a, R> {
    /// A call on `runner` that gives up `timeout` from now.
    pub(crate) fn until(runner: &'a R, timeout: Duration) -> Self {
        Route::Until {
            runner,
            deadline: Instant::now().checked_add(timeout),
            timeout,
        }
    }
}

/// Runs `future` as `call` says, with what `config` asks for around it.
pub(crate) fn call<R: OneOffRunner, F: Future>(
    call: Route<'_, R>,
    entered: Entered,
    future: F,
    config: &Config,
    location: &'static Location<'static>,
) -> Result<F::Output, Error> {
    if config.is_plain() {
        return plain(call, entered, future);
    }
    let interrupt = if config.ctrl_c {
        Some(crate::ctrl_c::Guard::arm(R::NAME)?)
    } else {
        None
    };
    let watched = supervised(
        future,
        config.slow_poll,
        R::NAME,
        location,
        interrupt.as_ref(),
    );
    // `interrupt` outlives the run (locals drop after the result is made), so that a second
    // Ctrl-C while the future's destructors run still ends the process; it is disarmed only
    // once the call is over.
    plain(call, entered, watched)?.map_err(|Interrupted| Error::Interrupted { backend: R::NAME })
}

/// Runs `future` with the hook `call` names, nothing around it but, on a backend that does not
/// give tokio's context, the guard that returns tokio's missing-runtime panic as
/// [`Error::NeedsTokio`].
#[inline]
pub(crate) fn plain<R: OneOffRunner, F: Future>(
    call: Route<'_, R>,
    entered: Entered,
    future: F,
) -> Result<F::Output, Error> {
    if R::PROVIDES_TOKIO {
        return hook(call, entered, future);
    }
    match hook(call, entered, needs_tokio::guard(future))? {
        Ok(output) => Ok(output),
        Err(needs_tokio::MissingTokio) => Err(Error::NeedsTokio { backend: R::NAME }),
    }
}

/// Runs `future` with the hook `call` names.
#[inline]
fn hook<R: OneOffRunner, F: Future>(
    call: Route<'_, R>,
    entered: Entered,
    future: F,
) -> Result<F::Output, Error> {
    match call {
        Route::Once => R::drive_once(entered, future),
        Route::Kept(runner) => runner.drive(entered, future),
        Route::Until {
            runner,
            deadline: Some(deadline),
            timeout,
        } => runner
            .drive_timeout(entered, future, deadline)?
            .ok_or(Error::Timeout {
                backend: R::NAME,
                after: timeout,
            }),
        Route::Until {
            runner,
            deadline: None,
            ..
        } => runner.drive(entered, future),
    }
}

/// `run`, returning a panic as [`Error::Panicked`].
pub(crate) fn catching<T>(
    backend: &'static str,
    run: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(run))
        .unwrap_or_else(|payload| Err(Error::panicked(backend, payload)))
}

/// The supervised future ended early: Ctrl-C.
struct Interrupted;

/// `future`, each poll timed when `slow_poll` is set, and dropped at once when `interrupt`
/// reports a Ctrl-C.
async fn supervised<F: Future>(
    future: F,
    slow_poll: Option<Duration>,
    backend: &'static str,
    location: &'static Location<'static>,
    interrupt: Option<&crate::ctrl_c::Guard>,
) -> Result<F::Output, Interrupted> {
    let mut future = pin!(Some(future));
    poll_fn(move |cx| {
        if interrupt.is_some_and(|guard| guard.interrupted(cx.waker())) {
            // Dropped here, inside the call, so that its destructors run before it returns.
            future.set(None);
            return Poll::Ready(Err(Interrupted));
        }
        let Some(inner) = future.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(Interrupted));
        };
        let Some(threshold) = slow_poll else {
            return inner.poll(cx).map(Ok);
        };
        let started = Instant::now();
        let polled = inner.poll(cx);
        let took = started.elapsed();
        if took > threshold {
            log::warn!(
                target: "oneoff",
                "a poll of the future on {backend} took {took:?}, more than {threshold:?}: \
                 something in it blocks its thread (a blocking call, a sync lock, heavy \
                 computation); called at {location}"
            );
        }
        polled.map(Ok)
    })
    .await
}

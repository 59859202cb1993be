//! The baselines beside every oneoff variant: the floor, and each backend's direct call (the
//! same one-shot and reused runs that oneoff makes, written against the runtime's own API with
//! no oneoff code in between), implemented on oneoff's runner types themselves. The backends
//! are the facade's one list; a backend of it without a twin here is benchmarked through
//! oneoff alone, with no direct rows.

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
use std::marker::PhantomData;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use oneoff::OneOffRunner;
use parking::Parker;

/// One poll of `future` with [`Waker::noop`]: the floor under every `block_on`.
///
/// The future is passed through [`black_box`] so that the compiler cannot see through it, as
/// it cannot in the runtimes' `block_on`. For a workload that completes at its first poll
/// (`ready`, `work` with a zero delay) this is the whole work; for one that waits (`yield1`,
/// `xthread`) it is the work of its first poll, a lower bound.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
///
/// assert_eq!(oneoff_benches::floor(async { 1 }), Poll::Ready(1));
/// ```
pub fn floor<F: Future>(future: F) -> Poll<F::Output> {
    oneoff_workloads::poll_once(black_box(future))
}

/// A oneoff backend's runner beside the same calls written against its runtime's own API,
/// with no oneoff code in between: the baseline that oneoff's overhead is measured against.
/// A runner of the facade's list that does not implement it has no direct rows (see
/// [`for_each_backend`]).
///
/// # Examples
///
/// ```
/// use oneoff_benches::Direct;
///
/// assert_eq!(oneoff::Pollster::direct_oneshot(async { 1 }), 1);
/// ```
pub trait Direct: OneOffRunner + 'static {
    /// What the reused direct form keeps between calls: a runtime, an executor, a parker.
    type Held;

    /// Starts what [`direct_reused`](Self::direct_reused) runs on.
    fn keep() -> Self::Held;

    /// The one-shot call: a fresh runtime for this future, torn down before returning.
    fn direct_oneshot<F: Future>(future: F) -> F::Output;

    /// The reused call: this future on the kept runtime.
    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output;

    /// Whether [`direct_oneshot`](Self::direct_oneshot) and
    /// [`direct_reused`](Self::direct_reused) are the same call (the backend keeps nothing):
    /// their two figures are then an identical twin, two measurements of the same code in the
    /// same group, which `cargo xtask bench-report` reads as the group's noise.
    const SAME_CALL_TWICE: bool = false;
}

/// tokio's current-thread runtime with I/O and timers, as oneoff builds it.
impl Direct for oneoff::Tokio {
    type Held = tokio::runtime::Runtime;

    fn keep() -> Self::Held {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio current-thread runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// tokio's multi-thread runtime with I/O and timers, as oneoff builds it.
impl Direct for oneoff::TokioMultiThread {
    type Held = tokio::runtime::Runtime;

    fn keep() -> Self::Held {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio multi-thread runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// `smol::block_on(future)`: what oneoff's smol backend does for a future that spawns nothing (it
/// drives its kept executor only once a task was spawned onto it). The `spawn` bench measures
/// the executor's path.
impl Direct for oneoff::Smol {
    type Held = ();

    fn keep() -> Self::Held {}

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        smol::block_on(future)
    }

    fn direct_reused<F: Future>((): &Self::Held, future: F) -> F::Output {
        smol::block_on(future)
    }
}

/// `futures_lite::future::block_on` for one shot; a kept parker and waker polled in a loop for
/// reuse, as oneoff does.
impl Direct for oneoff::FuturesLite {
    type Held = (Parker, Waker);

    fn keep() -> Self::Held {
        let parker = Parker::new();
        let waker = Waker::from(parker.unparker());
        (parker, waker)
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }

    fn direct_reused<F: Future>((parker, waker): &Self::Held, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            parker.park();
        }
    }
}

/// `pollster::block_on`, which keeps nothing: both forms are the same call.
impl Direct for oneoff::Pollster {
    type Held = ();
    const SAME_CALL_TWICE: bool = true;

    fn keep() -> Self::Held {}

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        pollster::block_on(future)
    }

    fn direct_reused<F: Future>((): &Self::Held, future: F) -> F::Output {
        pollster::block_on(future)
    }
}

/// `async_std::task::block_on` on the global runtime: both forms are the same call.
impl Direct for oneoff::AsyncStd {
    type Held = ();
    const SAME_CALL_TWICE: bool = true;

    fn keep() -> Self::Held {}

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn direct_reused<F: Future>((): &Self::Held, future: F) -> F::Output {
        async_std::task::block_on(future)
    }
}

/// tokio's `LocalRuntime` with I/O and timers, as oneoff builds it.
impl Direct for oneoff::TokioLocal {
    type Held = tokio::runtime::LocalRuntime;

    fn keep() -> Self::Held {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(tokio::runtime::LocalOptions::default())
            .expect("tokio local runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// `futures::executor::block_on` for one shot, a kept `LocalPool`'s `run_until` for reuse, as
/// oneoff does.
impl Direct for oneoff::FuturesExecutor {
    type Held = RefCell<futures_executor::LocalPool>;

    fn keep() -> Self::Held {
        RefCell::new(futures_executor::LocalPool::new())
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        futures_executor::block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.borrow_mut().run_until(future)
    }
}

/// compio's runtime, as oneoff builds it.
impl Direct for oneoff::Compio {
    type Held = compio::runtime::Runtime;

    fn keep() -> Self::Held {
        compio::runtime::Runtime::new().expect("compio runtime")
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.block_on(future)
    }
}

/// monoio's runtime with its timer, io_uring or legacy, as oneoff builds it.
impl Direct for oneoff::Monoio {
    type Held = RefCell<
        monoio::FusionRuntime<
            monoio::time::TimeDriver<monoio::IoUringDriver>,
            monoio::time::TimeDriver<monoio::LegacyDriver>,
        >,
    >;

    fn keep() -> Self::Held {
        let runtime = monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
            .enable_timer()
            .build()
            .expect("monoio runtime");
        RefCell::new(runtime)
    }

    fn direct_oneshot<F: Future>(future: F) -> F::Output {
        Self::keep().borrow_mut().block_on(future)
    }

    fn direct_reused<F: Future>(kept: &Self::Held, future: F) -> F::Output {
        kept.borrow_mut().block_on(future)
    }
}

/// Something done once per backend of the facade's list: see [`for_each_backend`].
pub trait EachBackend {
    /// Called with a backend that has a direct twin.
    fn twin<B: Direct>(&mut self);

    /// Called with a backend that has none.
    fn alone<B: OneOffRunner + 'static>(&mut self);
}

/// Something done once per backend of the facade's list, twin or not: see [`for_each_runner`].
pub trait EachRunner {
    /// Called with backend `B`.
    fn runner<B: OneOffRunner + 'static>(&mut self);
}

/// Picks [`EachBackend::twin`] for a runner that implements [`Direct`] and
/// [`EachBackend::alone`] for one that does not. Rust has no specialisation, so the choice is
/// made by method resolution on a concrete type: `(&PickTwin::<R>).visit(..)` finds
/// [`WithTwin`]'s `visit` on `&PickTwin<R>` itself when `R: Direct`, and only otherwise takes
/// one more borrow to reach [`WithoutTwin`]'s (autoref specialisation). It works because the
/// list's runners are concrete types; in a generic function it would always pick `alone`.
struct PickTwin<R>(PhantomData<R>);

/// The choice for a runner with a twin.
trait WithTwin {
    fn visit(&self, each: &mut impl EachBackend);
}

impl<R: Direct> WithTwin for PickTwin<R> {
    fn visit(&self, each: &mut impl EachBackend) {
        each.twin::<R>();
    }
}

/// The choice for a runner without one.
#[allow(
    dead_code,
    reason = "reached only for a backend of the list without a twin: none today (see the test)"
)]
trait WithoutTwin {
    fn visit(&self, each: &mut impl EachBackend);
}

impl<R: OneOffRunner + 'static> WithoutTwin for &PickTwin<R> {
    fn visit(&self, each: &mut impl EachBackend) {
        each.alone::<R>();
    }
}

/// `visit!(Runner, each)`: `each.twin::<Runner>()` or `each.alone::<Runner>()` (see [`PickTwin`]).
macro_rules! visit {
    ($runner:ty, $each:expr) => {
        (&PickTwin::<$runner>(PhantomData)).visit($each)
    };
}

macro_rules! backends {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Calls `each` with every backend's runner, in the order of `oneoff::Backend::ALL` (the
        /// facade's one list of backends): [`EachBackend::twin`] where the runner has a
        /// [`Direct`] twin, [`EachBackend::alone`] where it has none.
        ///
        /// # Examples
        ///
        /// ```
        /// use oneoff::OneOffRunner;
        /// use oneoff_benches::{Direct, EachBackend, for_each_backend};
        ///
        /// #[derive(Default)]
        /// struct Names(Vec<&'static str>, Vec<&'static str>);
        /// impl EachBackend for Names {
        ///     fn twin<B: Direct>(&mut self) {
        ///         self.0.push(B::NAME);
        ///     }
        ///     fn alone<B: OneOffRunner + 'static>(&mut self) {
        ///         self.1.push(B::NAME);
        ///     }
        /// }
        /// let mut names = Names::default();
        /// for_each_backend(&mut names);
        /// assert_eq!(names.0[0], "tokio");
        /// assert_eq!(names.0.len() + names.1.len(), oneoff::Backend::ALL.len());
        /// ```
        pub fn for_each_backend(each: &mut impl EachBackend) {
            $(visit!($runner, each);)*
        }

        /// Calls `each` with every backend's runner, in the order of `oneoff::Backend::ALL`.
        ///
        /// # Examples
        ///
        /// ```
        /// use oneoff::OneOffRunner;
        /// use oneoff_benches::{EachRunner, for_each_runner};
        ///
        /// struct Names(Vec<&'static str>);
        /// impl EachRunner for Names {
        ///     fn runner<B: OneOffRunner + 'static>(&mut self) {
        ///         self.0.push(B::NAME);
        ///     }
        /// }
        /// let mut names = Names(Vec::new());
        /// for_each_runner(&mut names);
        /// let listed: Vec<_> = oneoff::Backend::ALL.iter().map(|b| b.name()).collect();
        /// assert_eq!(names.0, listed);
        /// ```
        pub fn for_each_runner(each: &mut impl EachRunner) {
            $(each.runner::<$runner>();)*
        }
    };
}

oneoff::for_each_backend!(backends);

#[cfg(test)]
mod tests {
    use super::*;

    /// Which of the two methods each runner got.
    #[derive(Default)]
    struct Got {
        twin: Vec<&'static str>,
        alone: Vec<&'static str>,
    }

    impl EachBackend for Got {
        fn twin<B: Direct>(&mut self) {
            self.twin.push(B::NAME);
        }
        fn alone<B: OneOffRunner + 'static>(&mut self) {
            self.alone.push(B::NAME);
        }
    }

    #[test]
    fn a_runner_without_a_twin_is_visited_alone() {
        let mut got = Got::default();
        visit!(oneoff::Pollster, &mut got);
        // A runner of oneoff's that no `impl Direct` covers.
        visit!(oneoff::TokioCompat<oneoff::Pollster>, &mut got);
        assert_eq!(got.twin, ["pollster"]);
        assert_eq!(got.alone.len(), 1);
    }
}

//! The baselines beside every oneoff variant: the floor, and each backend's direct call (the
//! same one-shot and reused runs that oneoff makes, written against the runtime's own API with
//! no oneoff code in between), with the one list of them.

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
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

/// A oneoff backend beside the same calls written against its runtime's own API, with no
/// oneoff code in between: the baseline that oneoff's overhead is measured against.
///
/// # Examples
///
/// ```
/// use oneoff_benches::{Direct, DirectPollster};
///
/// assert_eq!(DirectPollster::direct_oneshot(async { 1 }), 1);
/// ```
pub trait Direct {
    /// The oneoff runner of this backend.
    type Runner: OneOffRunner;

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

/// tokio's current-thread runtime with I/O and timers, as [`oneoff::Tokio`] builds it.
#[derive(Debug)]
pub struct DirectTokio;

impl Direct for DirectTokio {
    type Runner = oneoff::Tokio;
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

/// tokio's multi-thread runtime with I/O and timers, as [`oneoff::TokioMultiThread`] builds it.
#[derive(Debug)]
pub struct DirectTokioMultiThread;

impl Direct for DirectTokioMultiThread {
    type Runner = oneoff::TokioMultiThread;
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

/// `smol::block_on(future)`: what [`oneoff::Smol`] does for a future that spawns nothing (it
/// drives its kept executor only once a task was spawned onto it). The `spawn` bench measures
/// the executor's path.
#[derive(Debug)]
pub struct DirectSmol;

impl Direct for DirectSmol {
    type Runner = oneoff::Smol;
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
/// reuse, as [`oneoff::FuturesLite`] does.
#[derive(Debug)]
pub struct DirectFuturesLite;

impl Direct for DirectFuturesLite {
    type Runner = oneoff::FuturesLite;
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
#[derive(Debug)]
pub struct DirectPollster;

impl Direct for DirectPollster {
    type Runner = oneoff::Pollster;
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
#[derive(Debug)]
pub struct DirectAsyncStd;

impl Direct for DirectAsyncStd {
    type Runner = oneoff::AsyncStd;
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

/// tokio's `LocalRuntime` with I/O and timers, as [`oneoff::TokioLocal`] builds it.
#[derive(Debug)]
pub struct DirectTokioLocal;

impl Direct for DirectTokioLocal {
    type Runner = oneoff::TokioLocal;
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
/// [`oneoff::FuturesExecutor`] does.
#[derive(Debug)]
pub struct DirectFuturesExecutor;

impl Direct for DirectFuturesExecutor {
    type Runner = oneoff::FuturesExecutor;
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

/// compio's runtime, as [`oneoff::Compio`] builds it.
#[derive(Debug)]
pub struct DirectCompio;

impl Direct for DirectCompio {
    type Runner = oneoff::Compio;
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

/// monoio's runtime with its timer, io_uring or legacy, as [`oneoff::Monoio`] builds it.
#[derive(Debug)]
pub struct DirectMonoio;

impl Direct for DirectMonoio {
    type Runner = oneoff::Monoio;
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

/// Something done once per backend with its direct twin: see [`for_each_twin`].
pub trait EachTwin {
    /// Called with backend `B`.
    fn twin<B: Direct>(&mut self);
}

/// Calls `each` with every backend's direct twin, in the order of `oneoff::Backend::ALL`: the
/// one list of twins, one line per backend (a test checks it against `Backend::ALL`, so a new
/// backend of the facade fails it until its twin is written here).
///
/// # Examples
///
/// ```
/// use oneoff_benches::{Direct, EachTwin, for_each_twin};
///
/// struct Names(Vec<&'static str>);
/// impl EachTwin for Names {
///     fn twin<B: Direct>(&mut self) {
///         self.0.push(<B::Runner as oneoff::OneOffRunner>::NAME);
///     }
/// }
/// let mut names = Names(Vec::new());
/// for_each_twin(&mut names);
/// assert_eq!(names.0[0], "tokio");
/// ```
pub fn for_each_twin(each: &mut impl EachTwin) {
    each.twin::<DirectTokio>();
    each.twin::<DirectTokioMultiThread>();
    each.twin::<DirectSmol>();
    each.twin::<DirectFuturesLite>();
    each.twin::<DirectPollster>();
    each.twin::<DirectTokioLocal>();
    each.twin::<DirectFuturesExecutor>();
    each.twin::<DirectCompio>();
    each.twin::<DirectMonoio>();
    each.twin::<DirectAsyncStd>();
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Names(Vec<&'static str>);

    impl EachTwin for Names {
        fn twin<B: Direct>(&mut self) {
            self.0.push(B::Runner::NAME);
        }
    }

    #[test]
    fn every_backend_of_the_facade_has_its_twin() {
        let mut names = Names(Vec::new());
        for_each_twin(&mut names);
        let facade: Vec<&str> = oneoff::Backend::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(
            names.0, facade,
            "benches/src/direct.rs: for_each_twin must list a twin for every Backend::ALL"
        );
    }
}

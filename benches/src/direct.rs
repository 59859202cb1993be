//! The baselines beside every oneoff variant: the floor, and each backend's direct call (the
//! same one-shot and reused runs that oneoff makes, written against the runtime's own API with
//! no oneoff code in between), implemented on oneoff's runner types themselves, so that the
//! facade's one list of backends is the list of twins.

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

/// A oneoff backend's runner beside the same calls written against its runtime's own API,
/// with no oneoff code in between: the baseline that oneoff's overhead is measured against.
/// Every runner of the facade's list implements it (a new backend's benches do not compile
/// until its twin is written here).
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

/// Something done once per backend with its direct twin: see [`for_each_twin`].
pub trait EachTwin {
    /// Called with backend `B`.
    fn twin<B: Direct>(&mut self);
}

macro_rules! twins {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Calls `each` with every backend's runner, in the order of `oneoff::Backend::ALL`: the
        /// facade's one list of backends.
        ///
        /// # Examples
        ///
        /// ```
        /// use oneoff_benches::{Direct, EachTwin, for_each_twin};
        ///
        /// struct Names(Vec<&'static str>);
        /// impl EachTwin for Names {
        ///     fn twin<B: Direct>(&mut self) {
        ///         self.0.push(B::NAME);
        ///     }
        /// }
        /// let mut names = Names(Vec::new());
        /// for_each_twin(&mut names);
        /// assert_eq!(names.0[0], "tokio");
        /// ```
        pub fn for_each_twin(each: &mut impl EachTwin) {
            $(each.twin::<$runner>();)*
        }
    };
}

oneoff::for_each_backend!(twins);

//! Beyond a call on the calling thread: the portal's round trip (a ready future sent from this
//! thread to a `BlockingPortal` of the backend, run on the portal's thread, its output handed
//! back) and what tokio compatibility adds to a call (the ready future one-shot and on a kept
//! runner, in `TokioCompat`). A portal and a compatible runner need the runner's type, not
//! just the backend's name: [`measure`] finds it once, from oneoff's one list of backends.

use std::error::Error;
#[cfg(any(feature = "portal", feature = "tokio-compat"))]
use std::{future, hint::black_box};

use oneoff::{Backend, OneOffRunner};
use serde::Serialize;

use crate::batches::Batches;
#[cfg(any(feature = "portal", feature = "tokio-compat"))]
use crate::batches::ns_per_call;

/// What to time beyond the plain calls.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Wanted {
    /// `BlockingPortal::call` from this thread (needs the `portal` feature).
    pub(crate) portal: bool,
    /// The ready calls in `TokioCompat` (needs the `tokio-compat` feature).
    pub(crate) compat: bool,
}

/// Median nanoseconds per call of what was wanted; the rest is left out of the report.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Reach {
    #[serde(skip_serializing_if = "Option::is_none")]
    portal_call_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compat_one_shot_ready_ns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compat_reused_ready_ns: Option<f64>,
}

macro_rules! by_type {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        /// Times what `wanted` asks on `backend`, with its runner's type.
        pub(crate) fn measure(
            backend: Backend,
            batches: Batches,
            wanted: Wanted,
        ) -> Result<Reach, Box<dyn Error>> {
            match backend {
                $(#[cfg(feature = $feature)] Backend::$variant => {
                    measure_on::<$runner>(backend, batches, wanted)
                })*
                other => Err(format!("this build of the probe lacks the backend {other}").into()),
            }
        }
    };
}

oneoff::for_each_backend!(by_type);

/// The portal first, while no tokio compatibility thread exists (once started, it lives as
/// long as the process), then the compatible calls.
fn measure_on<R: OneOffRunner + 'static>(
    backend: Backend,
    batches: Batches,
    wanted: Wanted,
) -> Result<Reach, Box<dyn Error>> {
    let mut reach = Reach::default();
    if wanted.portal {
        reach.portal_call_ns = Some(portal::<R>(batches)?);
    }
    if wanted.compat {
        let (one_shot, reused) = compat::<R>(backend, batches)?;
        reach.compat_one_shot_ready_ns = Some(one_shot);
        reach.compat_reused_ready_ns = Some(reused);
    }
    Ok(reach)
}

/// `portal.call` of a ready future from this thread (not the portal's), per call. The portal
/// is closed, and its thread joined, before this returns (on an error, by its drop).
#[cfg(feature = "portal")]
fn portal<R: OneOffRunner + 'static>(batches: Batches) -> Result<f64, Box<dyn Error>> {
    let portal = oneoff::BlockingPortal::<R>::new()?;
    let answer = portal.call(future::ready(7_u64))?;
    if answer != 7 {
        return Err(format!("the portal answered {answer}, expected 7").into());
    }
    let ns = ns_per_call(batches, || {
        black_box(portal.call(future::ready(black_box(1_u64))).ok());
    });
    portal.close()?;
    Ok(ns)
}

#[cfg(not(feature = "portal"))]
#[allow(
    clippy::extra_unused_type_parameters,
    reason = "called as with the feature, which needs the runner's type"
)]
fn portal<R>(_: Batches) -> Result<f64, Box<dyn Error>> {
    Err("this build of the probe lacks the `portal` feature".into())
}

/// The ready future one-shot and on a kept runner, in `TokioCompat`, per call. The one-shot
/// call goes through `Backend`, as the plain one-shot call does, so that the two differ by
/// compatibility alone; the kept runner is `TokioCompat<R>` itself (`AnyRunner` has no
/// compatible variant), which skips the one match the plain reused call dispatches through.
#[cfg(feature = "tokio-compat")]
fn compat<R: OneOffRunner>(
    backend: Backend,
    batches: Batches,
) -> Result<(f64, f64), Box<dyn Error>> {
    backend.run_tokio_compat(future::ready(()))?;
    let one_shot = ns_per_call(batches, || {
        black_box(
            backend
                .run_tokio_compat(future::ready(black_box(1_u64)))
                .ok(),
        );
    });
    let runner = oneoff::TokioCompat::<R>::new()?;
    runner.block_on(future::ready(()))?;
    let reused = ns_per_call(batches, || {
        black_box(runner.block_on(future::ready(black_box(1_u64))).ok());
    });
    Ok((one_shot, reused))
}

#[cfg(not(feature = "tokio-compat"))]
#[allow(
    clippy::extra_unused_type_parameters,
    reason = "called as with the feature, which needs the runner's type"
)]
fn compat<R>(_: Backend, _: Batches) -> Result<(f64, f64), Box<dyn Error>> {
    Err("this build of the probe lacks the `tokio-compat` feature".into())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const QUICK: Batches = Batches {
        reps: 1,
        target: Duration::from_micros(200),
        max_calls: 1_000,
    };

    #[test]
    fn nothing_wanted_nothing_timed() {
        let reach = measure(Backend::ALL[0], QUICK, Wanted::default()).unwrap();
        assert_eq!(serde_json::to_string(&reach).unwrap(), "{}");
    }

    #[cfg(all(feature = "portal", feature = "tokio-compat"))]
    #[test]
    fn every_backend_times_its_portal_and_its_compatible_calls() {
        use oneoff_workloads::watchdog;

        let wanted = Wanted {
            portal: true,
            compat: true,
        };
        for backend in Backend::ALL {
            let backend = *backend;
            let reach = watchdog(backend.name(), Duration::from_secs(60), move || {
                measure(backend, QUICK, wanted).map_err(|err| err.to_string())
            })
            .unwrap_or_else(|err| panic!("{}: {err}", backend.name()));
            for ns in [
                reach.portal_call_ns,
                reach.compat_one_shot_ready_ns,
                reach.compat_reused_ready_ns,
            ] {
                assert!(
                    ns.is_some_and(|ns| ns > 0.0),
                    "{}: {reach:?}",
                    backend.name()
                );
            }
        }
    }
}

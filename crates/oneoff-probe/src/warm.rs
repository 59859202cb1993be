//! Per-call cost in a warm process, each variant timed in batches of calls sized to a target
//! duration and reported as the median batch per call: `work`'s futures one-shot (a fresh
//! runtime per call) and on a kept runner; `fetch(arg)` likewise, or the baseline's blocking
//! call; or, in the `all-backends` build, the portal's round trip and the ready calls with and
//! without `TokioCompat`, which need the backend's runner type.

use std::future;
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oneoff::Backend;
#[cfg(feature = "all-backends")]
use oneoff::{AnyRunner, OneOffRunner};
use oneoff_probe::{Calls, Variant, WarmReport};
use oneoff_workloads::fetch::fetch_std;
use oneoff_workloads::{stats, yield_times};

use crate::{Failed, checked, native_fetch};

/// How long one batch takes, and how many batches each variant times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batches {
    /// Timed batches per variant; the median is reported.
    pub(crate) reps: u32,
    /// How long one batch should take.
    pub(crate) target: Duration,
    /// The most calls in one batch.
    pub(crate) max_calls: u64,
}

/// The median over the batches of the time per call: warm up and size the batch (doubling it
/// until one takes a tenth of the target), then time `reps` batches of about `target` each.
fn ns_per_call(batches: Batches, mut call: impl FnMut()) -> f64 {
    let max_calls = batches.max_calls.max(1);
    let mut batch: u64 = 1;
    let per_call = loop {
        let started = Instant::now();
        (0..batch).for_each(|_| call());
        let took = started.elapsed();
        if took >= batches.target / 10 || batch >= max_calls {
            break took.as_secs_f64() / batch as f64;
        }
        batch = (batch * 2).min(max_calls);
    };
    let batch = ((batches.target.as_secs_f64() / per_call).ceil() as u64).clamp(1, max_calls);
    let mut times: Vec<Duration> = (0..batches.reps.max(1))
        .map(|_| {
            let started = Instant::now();
            (0..batch).for_each(|_| call());
            started.elapsed()
        })
        .collect();
    let median = stats::median(&mut times).expect("at least one batch");
    median.as_nanos() as f64 / batch as f64
}

/// Times `calls` on `backend` (without one, the baseline's blocking fetch); `fetch` is the
/// loopback server and the argument of `fetch(arg)`.
pub(crate) fn run(
    backend: Option<Backend>,
    calls: Calls,
    batches: Batches,
    fetch: Option<(SocketAddr, u64)>,
) -> Result<WarmReport, Failed> {
    let mut report = WarmReport::default();
    match (backend, calls, fetch) {
        (Some(backend), Calls::Work, _) => work(backend, batches, &mut report)?,
        (Some(backend), Calls::Reach, _) => reach(backend, batches, &mut report)?,
        (backend, Calls::Fetch, Some((addr, arg))) => {
            fetch_calls(backend, addr, arg, batches, &mut report)?;
        }
        (_, Calls::Fetch, None) => return Err("--calls fetch needs --fetch ADDR".into()),
        (None, _, _) => return Err("the baseline has only a fetch to time: give --backend".into()),
    }
    Ok(report)
}

/// `work`'s four variants: the one-shot ones first, with no runner alive, then the reused ones
/// on a runner made for them (a runner kept during the one-shot calls would share the machine
/// with them: tokio-mt's idle workers). Each variant is called once, checked, before it is timed.
fn work(backend: Backend, batches: Batches, report: &mut WarmReport) -> Result<(), Failed> {
    backend.run(future::ready(()))?;
    backend.run(yield_times(1))?;
    let mut time = |variant, call: &mut dyn FnMut()| {
        report
            .ns_per_call
            .insert(variant, ns_per_call(batches, call));
    };
    time(Variant::OneShotReady, &mut || {
        black_box(backend.run(future::ready(black_box(1_u64))).ok());
    });
    time(Variant::OneShotYield, &mut || {
        black_box(backend.run(yield_times(black_box(1))).ok());
    });
    let runner = backend.runner()?;
    runner.block_on(future::ready(()))?;
    runner.block_on(yield_times(1))?;
    time(Variant::ReusedReady, &mut || {
        black_box(runner.block_on(future::ready(black_box(1_u64))).ok());
    });
    time(Variant::ReusedYield, &mut || {
        black_box(runner.block_on(yield_times(black_box(1))).ok());
    });
    Ok(())
}

/// `fetch(arg)` from `addr`: on a backend, one-shot first (no runner alive), then on a kept
/// runner; for the baseline, the blocking `std::net` call. Every answer is checked, timed or
/// not; the first wrong one fails the measurement.
fn fetch_calls(
    backend: Option<Backend>,
    addr: SocketAddr,
    arg: u64,
    batches: Batches,
    report: &mut WarmReport,
) -> Result<(), Failed> {
    let mut failed: Option<String> = None;
    let mut time = |variant, call: &dyn Fn() -> Result<u64, String>| -> Result<(), Failed> {
        call()?;
        let ns = ns_per_call(batches, || {
            if let Err(failure) = black_box(call()) {
                failed.get_or_insert(failure);
            }
        });
        report.ns_per_call.insert(variant, ns);
        Ok(())
    };
    match backend {
        None => time(Variant::BlockingFetch, &|| {
            checked(Ok(fetch_std(addr, arg)), addr, arg)
        })?,
        Some(backend) => {
            time(Variant::OneShotFetch, &|| {
                checked(backend.run(native_fetch(backend, addr, arg)), addr, arg)
            })?;
            let runner = backend.runner()?;
            time(Variant::ReusedFetch, &|| {
                checked(runner.block_on(native_fetch(backend, addr, arg)), addr, arg)
            })?;
        }
    }
    match failed {
        Some(failure) => Err(failure.into()),
        None => Ok(()),
    }
}

/// The I/O driver `runner` uses, for the backends that pick one when they start: compio
/// (io_uring or polling) and monoio (io_uring or legacy). Only the `all-backends` build can
/// name their runner types, so its `reach` process is the one that reports it.
#[cfg(feature = "all-backends")]
fn driver(runner: &AnyRunner) -> Option<String> {
    match runner {
        AnyRunner::Compio(runner) => Some(runner.driver().to_owned()),
        AnyRunner::Monoio(runner) => Some(runner.driver().to_owned()),
        _ => None,
    }
}

/// The portal and the ready calls with and without `TokioCompat`, with `backend`'s runner type.
#[cfg(feature = "all-backends")]
fn reach(backend: Backend, batches: Batches, report: &mut WarmReport) -> Result<(), Failed> {
    macro_rules! by_type {
        ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
            match backend {
                $(Backend::$variant => reach_on::<$runner>(backend, batches, report),)*
                other => Err(format!("this build of the probe lacks the backend {other}").into()),
            }
        };
    }
    oneoff::for_each_backend!(by_type)
}

#[cfg(not(feature = "all-backends"))]
fn reach(_: Backend, _: Batches, _: &mut WarmReport) -> Result<(), Failed> {
    Err("--calls reach needs the probe's all-backends build".into())
}

/// The portal first, while no tokio compatibility thread exists (once started, it lives as long
/// as the process); then each ready call plain and in `TokioCompat`, timed moments apart, so
/// that the parent can pair them. The one-shot calls go through `Backend`, both; the kept
/// compatible runner is `TokioCompat<R>` itself (`AnyRunner` has no compatible variant), which
/// skips the one match that the plain reused call dispatches through.
#[cfg(feature = "all-backends")]
fn reach_on<R: OneOffRunner + 'static>(
    backend: Backend,
    batches: Batches,
    report: &mut WarmReport,
) -> Result<(), Failed> {
    let mut time = |variant, call: &mut dyn FnMut()| {
        report
            .ns_per_call
            .insert(variant, ns_per_call(batches, call));
    };
    let portal = oneoff::BlockingPortal::<R>::new()?;
    let answer = portal.call(future::ready(7_u64))?;
    if answer != 7 {
        return Err(format!("the portal answered {answer}, expected 7").into());
    }
    time(Variant::PortalCall, &mut || {
        black_box(portal.call(future::ready(black_box(1_u64))).ok());
    });
    portal.close()?;
    backend.run_tokio_compat(future::ready(()))?;
    time(Variant::OneShotReady, &mut || {
        black_box(backend.run(future::ready(black_box(1_u64))).ok());
    });
    time(Variant::CompatOneShotReady, &mut || {
        black_box(
            backend
                .run_tokio_compat(future::ready(black_box(1_u64)))
                .ok(),
        );
    });
    let runner = backend.runner()?;
    let compat = oneoff::TokioCompat::<R>::new()?;
    compat.block_on(future::ready(()))?;
    time(Variant::ReusedReady, &mut || {
        black_box(runner.block_on(future::ready(black_box(1_u64))).ok());
    });
    time(Variant::CompatReusedReady, &mut || {
        black_box(compat.block_on(future::ready(black_box(1_u64))).ok());
    });
    report.driver = driver(&runner);
    Ok(())
}

#[cfg(test)]
mod tests {
    use oneoff_workloads::watchdog;

    use super::*;

    const QUICK: Batches = Batches {
        reps: 1,
        target: Duration::from_micros(200),
        max_calls: 1_000,
    };

    /// Every backend of the build reports the variants its calls promise, each a positive time.
    #[test]
    fn every_backend_reports_what_its_calls_promise() {
        let mut calls = vec![Calls::Work];
        if cfg!(feature = "all-backends") {
            calls.push(Calls::Reach);
        }
        for backend in Backend::ALL {
            for calls in &calls {
                let (backend, calls) = (*backend, *calls);
                let name = format!("{backend} {calls:?}");
                let report = watchdog(&name, Duration::from_secs(60), move || {
                    run(Some(backend), calls, QUICK, None).map_err(|err| err.to_string())
                })
                .unwrap_or_else(|err| panic!("{name}: {err}"));
                let timed: Vec<Variant> = report.ns_per_call.keys().copied().collect();
                let mut promised = calls.variants().to_vec();
                promised.sort_unstable();
                assert_eq!(timed, promised, "{name}");
                assert!(report.ns_per_call.values().all(|ns| *ns > 0.0), "{name}");
            }
        }
    }

    #[test]
    fn the_baseline_times_only_a_fetch() {
        let err = run(None, Calls::Work, QUICK, None).unwrap_err();
        assert!(err.to_string().contains("only a fetch"), "{err}");
    }
}

//! Per-call cost in a warm process, each variant timed by `oneoff_workloads::timing`: `work`'s
//! futures one-shot (a fresh runtime per call) and on a kept runner; `fetch(arg)` likewise, or
//! the baseline's blocking call. The portal and `TokioCompat` are the `oneoff-probe-reach`
//! binary's (`src/bin/reach.rs`): they need the backend's runner type.

use std::future;
use std::hint::black_box;
use std::net::SocketAddr;

use oneoff::Backend;
use oneoff_probe::{Calls, Variant, WarmReport};
use oneoff_workloads::fetch::fetch_std;
use oneoff_workloads::timing::Batches;
use oneoff_workloads::yield_times;

use crate::{Failed, checked, native_fetch};

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
        (_, Calls::Reach, _) => {
            return Err("--calls reach is the oneoff-probe-reach binary's (all-backends)".into());
        }
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
            .insert(variant, batches.ns_per_call(call));
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
        let ns = batches.ns_per_call(|| {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
        for backend in Backend::ALL.iter().copied() {
            let report = watchdog(backend.name(), Duration::from_secs(60), move || {
                run(Some(backend), Calls::Work, QUICK, None).map_err(|err| err.to_string())
            })
            .unwrap_or_else(|err| panic!("{backend}: {err}"));
            let timed: Vec<Variant> = report.ns_per_call.keys().copied().collect();
            let mut promised = Calls::Work.variants().to_vec();
            promised.sort_unstable();
            assert_eq!(timed, promised, "{backend}");
            assert!(report.ns_per_call.values().all(|ns| *ns > 0.0), "{backend}");
        }
    }

    #[test]
    fn the_baseline_times_only_a_fetch() {
        let err = run(None, Calls::Work, QUICK, None).unwrap_err();
        assert!(err.to_string().contains("only a fetch"), "{err}");
    }
}

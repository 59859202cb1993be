//! `oneoff-probe-reach`: the warm calls that need a backend's runner type, which only a build
//! with every backend can name (`--features all-backends`): the portal's round trip (a ready
//! future sent from this thread to a `BlockingPortal` of the backend, its output handed back)
//! and the ready calls one-shot and on a kept runner, each plain and in `TokioCompat`, timed
//! moments apart so that `cargo xtask compare` can pair them. It takes the probe's
//! `warm --calls reach` request and ends its stdout with a `WarmReport`, with the I/O driver of
//! the backend's runner (compio, monoio).
//!
//! A binary of its own, so that the all-backends build compiles this and not the rest of the
//! probe for every backend.

use std::future;
use std::hint::black_box;
use std::process::ExitCode;

use oneoff::{AnyRunner, Backend, OneOffRunner};
use oneoff_probe::{Calls, Request, Variant, WarmReport};
use oneoff_workloads::timing::Batches;

type Failed = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let request = Request::parse(std::env::args_os().skip(1)).unwrap_or_else(|err| err.exit());
    let measured = match request {
        Request::Warm {
            backend: Some(backend),
            calls: Calls::Reach,
            reps,
            target_us,
            ..
        } => {
            let target = std::time::Duration::from_micros(target_us);
            let batches = Batches {
                reps,
                target,
                max_calls: 1 << 30,
            };
            reach(backend, batches)
        }
        other => Err(format!(
            "oneoff-probe-reach takes `warm --calls reach --backend NAME`, not {other:?}"
        )
        .into()),
    };
    match measured.and_then(|report| Ok(serde_json::to_string(&report)?)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Times the calls on `backend`, with its runner's type from oneoff's one list of backends.
fn reach(backend: Backend, batches: Batches) -> Result<WarmReport, Failed> {
    macro_rules! by_type {
        ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
            match backend {
                $(Backend::$variant => reach_on::<$runner>(backend, batches),)*
                other => Err(format!("this build lacks the backend {other}").into()),
            }
        };
    }
    oneoff::for_each_backend!(by_type)
}

/// The portal first, while no tokio compatibility thread exists (once started, it lives as long
/// as the process); then each ready call plain and in `TokioCompat`. The one-shot calls go
/// through `Backend`, both; the kept compatible runner is `TokioCompat<R>` itself (`AnyRunner`
/// has no compatible variant), which skips the one match that the plain reused call dispatches
/// through.
fn reach_on<R: OneOffRunner + 'static>(
    backend: Backend,
    batches: Batches,
) -> Result<WarmReport, Failed> {
    let mut report = WarmReport::default();
    let mut time = |variant, call: &mut dyn FnMut()| {
        report
            .ns_per_call
            .insert(variant, batches.ns_per_call(call));
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
    // The I/O driver the backend picked when its runner started: compio (io_uring or polling),
    // monoio (io_uring or legacy).
    report.driver = match &runner {
        AnyRunner::Compio(runner) => Some(runner.driver().to_owned()),
        AnyRunner::Monoio(runner) => Some(runner.driver().to_owned()),
        _ => None,
    };
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use oneoff_workloads::watchdog;

    use super::*;

    /// Every backend reports the variants of `Calls::Reach`, each a positive time.
    #[test]
    fn every_backend_times_its_portal_and_its_compatible_calls() {
        let quick = Batches {
            reps: 1,
            target: Duration::from_micros(200),
            max_calls: 1_000,
        };
        let mut promised = Calls::Reach.variants().to_vec();
        promised.sort_unstable();
        for backend in Backend::ALL.iter().copied() {
            let report = watchdog(backend.name(), Duration::from_secs(60), move || {
                reach(backend, quick).map_err(|err| err.to_string())
            })
            .unwrap_or_else(|err| panic!("{backend}: {err}"));
            let timed: Vec<Variant> = report.ns_per_call.keys().copied().collect();
            assert_eq!(timed, promised, "{backend}");
            assert!(report.ns_per_call.values().all(|ns| *ns > 0.0), "{backend}");
        }
    }
}

//! The reactor compatibility matrix, pinned: every case on every backend of the list gives the
//! outcome that `docs/choosing.md` shows under "What each can run", derived from what the
//! backend declares (`PROVIDES_TOKIO`, `CAN_SPAWN`) so that a new backend needs no line here.
//! `cargo xtask compare` runs the same cases ([`run`]), each cell in a process of its own; here
//! each runs under the watchdog.

use std::time::Duration;

use oneoff::{Backend, OneOffRunner};
use oneoff_workloads::fetch::LoopbackServer;
use oneoff_workloads::matrix::{Case, Outcome, run};
use oneoff_workloads::watchdog;

/// How long any one cell may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// The label (`Outcome::label`) of `case` on `R`: tokio's timer and sockets need tokio's
/// context, which oneoff says with `Error::NeedsTokio` on a backend that does not give it; a
/// backend that polls one future cannot spawn; a one-shot call inside a running tokio
/// current-thread runtime is refused as nested on every backend; everything else runs.
fn expected<R: OneOffRunner>(case: Case) -> &'static str {
    match case {
        Case::TokioSleep | Case::TokioFetch if !R::PROVIDES_TOKIO => "error: needs tokio",
        Case::Spawn if !R::CAN_SPAWN => "n/a",
        Case::NestedInTokio => "error: nested",
        _ => "ok",
    }
}

/// Every case on `backend` (whose runner type is `R`), against [`expected`].
fn row<R: OneOffRunner>(backend: Backend) {
    let fetches = Case::ALL.len() as u64;
    let server = LoopbackServer::start(fetches, LIMIT).expect("a loopback server");
    let addr = server.addr();
    let got: Vec<Outcome> = Case::ALL
        .iter()
        .map(|case| {
            let (case, name) = (*case, format!("{case:?} on {backend}"));
            watchdog(&name, LIMIT, move || run(backend, case, addr))
        })
        .collect();
    let labels: Vec<&str> = got.iter().map(Outcome::label).collect();
    let wanted: Vec<&str> = Case::ALL.iter().map(|case| expected::<R>(*case)).collect();
    assert_eq!(labels, wanted, "{backend}: {got:?}");
}

/// A row per backend of the list.
macro_rules! matrix_rows {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[test]
        #[allow(non_snake_case)]
        fn $variant() {
            row::<$runner>(Backend::$variant);
        }
    )*};
}

oneoff::for_each_backend!(matrix_rows);

//! One cell of the matrix: a case run on one backend, with the [`Outcome`] a user would meet.
//! The `fetch` cases use a network stack that is not the backend's choice: `tokio::net`, which
//! needs tokio's reactor, and `async-io`'s, which drives its own.

use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Duration;

use oneoff::Backend;

use super::{ANSWER, Case, Outcome};
use crate::fetch::{fetch_async_io, fetch_tokio};
use crate::{answer, woken_from_thread, yield_times};

/// Runs `case` on `backend` and says how it went; the `fetch` cases connect to `server`. A
/// panic of the case is caught and named ([`Outcome::panicked`]); a hang is the caller's to
/// bound (compare runs each cell in a process with a time limit, the tests under a watchdog).
///
/// # Examples
///
/// ```
/// use oneoff_workloads::matrix::{Case, Outcome, run};
///
/// let nowhere = "127.0.0.1:9".parse().unwrap();
/// let backend = oneoff::Backend::ALL[0];
/// assert_eq!(run(backend, Case::Neutral, nowhere), Outcome::Ok);
/// ```
pub fn run(backend: Backend, case: Case, server: SocketAddr) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| attempt(backend, case, server))) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let message = oneoff::panic_message(payload.as_ref());
            Outcome::panicked(message.lines().next().unwrap_or_default())
        }
    }
}

/// The outcome of a case's result.
fn outcome(result: Result<u64, oneoff::Error>) -> Outcome {
    match result {
        Ok(ANSWER) => Outcome::Ok,
        Ok(other) => Outcome::WrongResult(other),
        Err(err @ oneoff::Error::Nested { .. }) => Outcome::Nested(err.to_string()),
        Err(err @ oneoff::Error::NeedsTokio { .. }) => Outcome::NeedsTokio(err.to_string()),
        Err(err) => Outcome::Error(err.to_string()),
    }
}

fn attempt(backend: Backend, case: Case, server: SocketAddr) -> Outcome {
    let short = Duration::from_millis(1);
    match case {
        Case::Neutral => outcome(backend.run(neutral())),
        Case::TokioSleep => outcome(backend.run(async {
            tokio::time::sleep(short).await;
            ANSWER
        })),
        Case::TokioSleepCompat => outcome(backend.run_tokio_compat(async move {
            tokio::time::sleep(short).await;
            ANSWER
        })),
        Case::AsyncIoTimer => outcome(backend.run(async {
            async_io::Timer::after(short).await;
            ANSWER
        })),
        Case::Spawn => spawn(backend),
        Case::NestedInTokio => match current_thread() {
            Ok(runtime) => outcome(runtime.block_on(async { backend.run(async { ANSWER }) })),
            Err(failed) => failed,
        },
        Case::InSpawnBlocking => match current_thread() {
            // `spawn_blocking` is called inside the runtime: outside it, tokio panics.
            Ok(runtime) => match runtime.block_on(async move {
                tokio::task::spawn_blocking(move || backend.run(neutral())).await
            }) {
                Ok(result) => outcome(result),
                // Reported like any other panic of the case.
                Err(join) if join.is_panic() => resume_unwind(join.into_panic()),
                Err(join) => Outcome::Error(join.to_string()),
            },
            Err(failed) => failed,
        },
        Case::TokioFetch | Case::AsyncIoFetch => fetch(backend, case, server),
    }
}

/// `fetch(ANSWER)` on the case's network stack; the right answer counts as `ANSWER`.
fn fetch(backend: Backend, case: Case, addr: SocketAddr) -> Outcome {
    let fetched = backend.run(async move {
        match case {
            Case::TokioFetch => fetch_tokio(addr, ANSWER).await,
            _ => fetch_async_io(addr, ANSWER).await,
        }
    });
    match fetched {
        Ok(Ok(got)) if got == answer(ANSWER) => Outcome::Ok,
        Ok(Ok(got)) => Outcome::WrongResult(got),
        Ok(Err(err)) => Outcome::Io(err.to_string()),
        Err(err) => outcome(Err(err)),
    }
}

/// A future that needs no runtime: yields, then is woken from another thread.
async fn neutral() -> u64 {
    yield_times(3).await;
    woken_from_thread().await;
    ANSWER
}

/// A tokio current-thread runtime with I/O and timers, as `#[tokio::test]` builds it.
fn current_thread() -> Result<tokio::runtime::Runtime, Outcome> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Outcome::Error(format!("could not start tokio: {err}")))
}

/// Spawns a task returning half the answer with `oneoff::spawn` and doubles it, on a runner (a
/// backend may spawn only onto a kept executor).
fn spawn(backend: Backend) -> Outcome {
    let runner = match backend.runner() {
        Ok(runner) => runner,
        Err(err) => return outcome(Err(err)),
    };
    let spawned = runner.block_on(async {
        match oneoff::spawn(async move { ANSWER / 2 }) {
            Ok(task) => task.await.map(|half| half * 2),
            Err(err) => Err(err),
        }
    });
    match spawned {
        Ok(Err(oneoff::Error::Unsupported { .. })) => Outcome::NotApplicable,
        Ok(inner) => outcome(inner),
        Err(err) => outcome(Err(err)),
    }
}

//! One cell of the reactor compatibility matrix: a future that needs something of a runtime,
//! run on one backend, with the outcome a user would meet (`ok`, `panic: ...`, `error: ...`).
//! The parent runs each cell in its own process under a timeout and calls a silent deadlock
//! `hung`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::{woken_from_thread, yield_times};
use serde::Serialize;

/// The cases, in the order of the matrix's columns.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Case {
    /// A future that needs no runtime: it yields and is woken from another thread.
    Neutral,
    /// `tokio::time::sleep`, which needs tokio's timer.
    TokioSleep,
    /// An `async-io` timer, which brings its own reactor thread where none is running.
    AsyncIoTimer,
    /// Spawning a task from inside the future, with the backend's own spawn.
    Spawn,
    /// A one-shot call made from inside a running tokio current-thread runtime.
    NestedInTokio,
}

/// The outcome of one cell.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// `ok`, `n/a`, `panic: <first line>` or `error: <message>`.
    cell: String,
}

/// What every case's future returns when it went well.
const ANSWER: u64 = 42;

/// Runs `case` on `backend` and says how it went.
pub(crate) fn run(backend: Backend, case: Case) -> Report {
    let outcome = catch_unwind(AssertUnwindSafe(|| attempt(backend, case)));
    let cell = match outcome {
        Ok(Attempt::Done(ANSWER)) => "ok".to_owned(),
        Ok(Attempt::Done(other)) => format!("error: returned {other}, expected {ANSWER}"),
        Ok(Attempt::Failed(message)) => format!("error: {message}"),
        Ok(Attempt::NotApplicable) => "n/a".to_owned(),
        Err(payload) => {
            let message = oneoff::panic_message(payload.as_ref());
            format!("panic: {}", message.lines().next().unwrap_or_default())
        }
    };
    Report { cell }
}

enum Attempt {
    Done(u64),
    Failed(String),
    NotApplicable,
}

impl<E: std::fmt::Display> From<Result<u64, E>> for Attempt {
    fn from(result: Result<u64, E>) -> Self {
        match result {
            Ok(value) => Attempt::Done(value),
            Err(err) => Attempt::Failed(err.to_string()),
        }
    }
}

fn attempt(backend: Backend, case: Case) -> Attempt {
    let short = Duration::from_millis(1);
    match case {
        Case::Neutral => backend
            .run(async {
                yield_times(3).await;
                woken_from_thread().await;
                ANSWER
            })
            .into(),
        Case::TokioSleep => backend
            .run(async {
                tokio::time::sleep(short).await;
                ANSWER
            })
            .into(),
        Case::AsyncIoTimer => backend
            .run(async {
                async_io::Timer::after(short).await;
                ANSWER
            })
            .into(),
        Case::Spawn => spawn(backend),
        Case::NestedInTokio => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => return Attempt::Failed(format!("could not start tokio: {err}")),
            };
            runtime
                .block_on(async { backend.run(async { ANSWER }) })
                .into()
        }
    }
}

/// Spawns a task from inside the future with the backend's own spawn, where it has one.
fn spawn(backend: Backend) -> Attempt {
    let half = ANSWER / 2;
    match backend {
        Backend::Tokio | Backend::TokioMultiThread => {
            match backend.run(async { tokio::spawn(async move { half }).await }) {
                Ok(Ok(value)) => Attempt::Done(value * 2),
                Ok(Err(join)) => Attempt::Failed(join.to_string()),
                Err(err) => Attempt::Failed(err.to_string()),
            }
        }
        Backend::Smol => match backend.run(async {
            match oneoff::smol_spawn(async move { half }) {
                Ok(task) => Ok(task.await * 2),
                Err(err) => Err(err),
            }
        }) {
            Ok(inner) => inner.into(),
            Err(err) => Attempt::Failed(err.to_string()),
        },
        Backend::AsyncStd => backend
            .run(async { async_std::task::spawn(async move { half }).await * 2 })
            .into(),
        _ => Attempt::NotApplicable,
    }
}

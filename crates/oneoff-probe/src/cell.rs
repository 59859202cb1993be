//! One cell of the reactor compatibility matrix: a future that needs something of a runtime,
//! run on one backend, with the outcome a user would meet (`ok`, `panic: ...`, `error: ...`).
//! The parent runs each cell in its own process under a timeout and calls a silent deadlock
//! `hung`.
//!
//! The two `fetch` cases run `fetch(arg)` against the parent's loopback server on a network
//! stack that is not the backend's choice: `tokio::net`, whose sockets need tokio's reactor,
//! and `async-io`'s, which drives its own where no runtime does.
//!
//! One case runs `tokio::time::sleep` again, in `Backend::run_tokio_compat`: the same future
//! that is `Error::NeedsTokio` on the backends that are not tokio runs there too.
//!
//! Each outcome comes in two lengths: the full message (the first line of a panic, the whole
//! error) for the Markdown and JSON reports, and a short label such as `error: nested` or
//! `error: needs tokio` that keeps the terminal's table narrow.

use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Duration;

use oneoff::Backend;
use oneoff_workloads::fetch::{answer, fetch_async_io, fetch_tokio};
use oneoff_workloads::{woken_from_thread, yield_times};
use serde::Serialize;

/// The cases, in the order of the matrix's columns.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Case {
    /// A future that needs no runtime: it yields and is woken from another thread.
    Neutral,
    /// `tokio::time::sleep`, which needs tokio's timer.
    TokioSleep,
    /// `tokio::time::sleep` in `Backend::run_tokio_compat`, which sets tokio's context around
    /// the run (needs the `tokio-compat` feature).
    TokioSleepCompat,
    /// An `async-io` timer, which brings its own reactor thread where none is running.
    AsyncIoTimer,
    /// Spawning a task from inside the future, with the backend's own spawn.
    Spawn,
    /// A one-shot call made from inside a running tokio current-thread runtime.
    NestedInTokio,
    /// A one-shot call of the neutral future from a `spawn_blocking` thread of a tokio
    /// current-thread runtime, where tokio tells users to put blocking code.
    InSpawnBlocking,
    /// `fetch(arg)` on `tokio::net`, whose sockets register with tokio's reactor.
    TokioFetch,
    /// `fetch(arg)` on `async-io`'s `Async<TcpStream>`.
    AsyncIoFetch,
}

/// The outcome of one cell.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// `ok`, `n/a`, `panic: <first line>` or `error: <message>`.
    cell: String,
    /// The same in a few words: `ok`, `n/a`, `panic: no reactor`, `error: nested`, ...
    short: String,
}

/// What every case's future returns when it went well.
const ANSWER: u64 = 42;

/// Runs `case` on `backend` and says how it went; the `fetch` cases connect to `server`.
pub(crate) fn run(backend: Backend, case: Case, server: Option<SocketAddr>) -> Report {
    let outcome = catch_unwind(AssertUnwindSafe(|| attempt(backend, case, server)));
    let (cell, short) = match outcome {
        Ok(Attempt::Done(ANSWER)) => ("ok".to_owned(), "ok"),
        Ok(Attempt::Done(other)) => (
            format!("error: returned {other}, expected {ANSWER}"),
            "error: wrong result",
        ),
        Ok(Attempt::Failed { message, short }) => (format!("error: {message}"), short),
        Ok(Attempt::NotApplicable) => ("n/a".to_owned(), "n/a"),
        Err(payload) => {
            let message = oneoff::panic_message(payload.as_ref());
            let first = message.lines().next().unwrap_or_default();
            (format!("panic: {first}"), short_panic(first))
        }
    };
    Report {
        cell,
        short: short.to_owned(),
    }
}

enum Attempt {
    Done(u64),
    Failed {
        message: String,
        short: &'static str,
    },
    NotApplicable,
}

impl From<Result<u64, oneoff::Error>> for Attempt {
    fn from(result: Result<u64, oneoff::Error>) -> Self {
        match result {
            Ok(value) => Attempt::Done(value),
            Err(err) => Attempt::Failed {
                short: short_error(&err),
                message: err.to_string(),
            },
        }
    }
}

/// The short label of an error oneoff returned.
fn short_error(err: &oneoff::Error) -> &'static str {
    match err {
        oneoff::Error::Nested { .. } => "error: nested",
        oneoff::Error::Timeout { .. } => "error: timeout",
        oneoff::Error::Unsupported { .. } => "error: unsupported",
        oneoff::Error::Start { .. } => "error: no start",
        oneoff::Error::NeedsTokio { .. } => "error: needs tokio",
        _ => "error",
    }
}

/// The short label of a panic, from the first line of its message.
fn short_panic(first_line: &str) -> &'static str {
    if first_line.contains("no reactor running") {
        "panic: no reactor"
    } else if first_line.contains("runtime from within a runtime") {
        "panic: nested runtime"
    } else {
        "panic"
    }
}

fn attempt(backend: Backend, case: Case, server: Option<SocketAddr>) -> Attempt {
    let short = Duration::from_millis(1);
    match case {
        Case::Neutral => backend.run(neutral()).into(),
        Case::TokioSleep => backend
            .run(async {
                tokio::time::sleep(short).await;
                ANSWER
            })
            .into(),
        Case::TokioSleepCompat => sleep_compat(backend, short),
        Case::AsyncIoTimer => backend
            .run(async {
                async_io::Timer::after(short).await;
                ANSWER
            })
            .into(),
        Case::Spawn => spawn(backend),
        Case::NestedInTokio => match current_thread() {
            Ok(runtime) => runtime
                .block_on(async { backend.run(async { ANSWER }) })
                .into(),
            Err(failed) => failed,
        },
        Case::InSpawnBlocking => match current_thread() {
            Ok(runtime) => {
                // `spawn_blocking` is called inside the runtime: outside it, tokio panics.
                let blocking = runtime.block_on(async move {
                    tokio::task::spawn_blocking(move || backend.run(neutral())).await
                });
                match blocking {
                    Ok(result) => result.into(),
                    // Reported like any other panic of the case.
                    Err(join) if join.is_panic() => resume_unwind(join.into_panic()),
                    Err(join) => Attempt::Failed {
                        message: join.to_string(),
                        short: "error: join",
                    },
                }
            }
            Err(failed) => failed,
        },
        Case::TokioFetch | Case::AsyncIoFetch => match server {
            Some(addr) => fetch(backend, case, addr),
            None => Attempt::Failed {
                message: "the fetch cases need the loopback server's address (--fetch ADDR)".into(),
                short: "error: no server",
            },
        },
    }
}

/// `fetch(ANSWER)` on the case's network stack; its answer, `ANSWER * 100`, counts as the
/// case's `ANSWER`.
fn fetch(backend: Backend, case: Case, addr: SocketAddr) -> Attempt {
    let fetched = backend.run(async move {
        match case {
            Case::TokioFetch => fetch_tokio(addr, ANSWER).await,
            _ => fetch_async_io(addr, ANSWER).await,
        }
    });
    match fetched {
        Ok(Ok(got)) if got == answer(ANSWER) => Attempt::Done(ANSWER),
        Ok(Ok(got)) => Attempt::Done(got),
        Ok(Err(err)) => Attempt::Failed {
            message: format!("the round trip failed: {err}"),
            short: "error: io",
        },
        Err(err) => Err(err).into(),
    }
}

/// `tokio::time::sleep(delay)` on `backend` with tokio compatibility.
#[cfg(feature = "tokio-compat")]
fn sleep_compat(backend: Backend, delay: Duration) -> Attempt {
    backend
        .run_tokio_compat(async move {
            tokio::time::sleep(delay).await;
            ANSWER
        })
        .into()
}

#[cfg(not(feature = "tokio-compat"))]
fn sleep_compat(_: Backend, _: Duration) -> Attempt {
    Attempt::Failed {
        message: "this build of the probe lacks the `tokio-compat` feature".into(),
        short: "error: no compat",
    }
}

/// A future that needs no runtime: yields, then is woken from another thread.
async fn neutral() -> u64 {
    yield_times(3).await;
    woken_from_thread().await;
    ANSWER
}

/// A tokio current-thread runtime with I/O and timers, as `#[tokio::main(flavor =
/// "current_thread")]` and `#[tokio::test]` build it.
fn current_thread() -> Result<tokio::runtime::Runtime, Attempt> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Attempt::Failed {
            message: format!("could not start tokio: {err}"),
            short: "error: no start",
        })
}

/// Spawns a task from inside the future with the backend's own spawn, where it has one and
/// this build enables it.
fn spawn(backend: Backend) -> Attempt {
    // On a runner, so that a backend that spawns only onto a kept executor (futures-executor's
    // `LocalPool`) shows it; the spawned task returns half the answer, the future doubles it.
    let runner = match backend.runner() {
        Ok(runner) => runner,
        Err(err) => return Err(err).into(),
    };
    let outcome = runner.block_on(async {
        match oneoff::spawn(async move { ANSWER / 2 }) {
            Ok(task) => task.await.map(|half| half * 2),
            Err(err) => Err(err),
        }
    });
    match outcome {
        Ok(Err(oneoff::Error::Unsupported { .. })) => Attempt::NotApplicable,
        Ok(inner) => inner.into(),
        Err(err) => Err(err).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oneoff_workloads::watchdog;

    #[test]
    fn short_labels_name_the_kind() {
        assert_eq!(
            short_panic(
                "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
            ),
            "panic: no reactor"
        );
        assert_eq!(short_panic("index out of bounds"), "panic");
    }

    #[test]
    fn a_fetch_case_without_a_server_says_so() {
        let report = run(Backend::ALL[0], Case::AsyncIoFetch, None);
        assert_eq!(report.short, "error: no server");
    }

    /// `case` reads `ok` on every backend of this build, each under a watchdog.
    fn ok_on_every_backend(case: Case, server: Option<SocketAddr>) {
        for backend in Backend::ALL {
            let backend = *backend;
            let report = watchdog(backend.name(), Duration::from_secs(60), move || {
                run(backend, case, server)
            });
            assert_eq!(
                (report.cell.as_str(), report.short.as_str()),
                ("ok", "ok"),
                "{case:?} on {}",
                backend.name()
            );
        }
    }

    #[test]
    fn async_io_fetch_runs_on_every_backend() {
        let server = oneoff_workloads::fetch::LoopbackServer::start(100, Duration::from_secs(60))
            .expect("a loopback server");
        ok_on_every_backend(Case::AsyncIoFetch, Some(server.addr()));
    }

    #[cfg(feature = "tokio-compat")]
    #[test]
    fn tokio_sleep_with_compat_runs_on_every_backend() {
        ok_on_every_backend(Case::TokioSleepCompat, None);
    }

    #[test]
    fn every_build_runs_the_neutral_case() {
        ok_on_every_backend(Case::Neutral, None);
    }
}

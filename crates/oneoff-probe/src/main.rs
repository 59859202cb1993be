//! The measurement binary of `cargo xtask compare`: one process runs one measurement of one
//! backend and ends its standard output with one JSON line that says what it saw.
//!
//! `cargo xtask compare` builds this binary once per backend feature, in release mode, and
//! starts it as a fresh process for every cold sample, so that each sample pays what a user's
//! program pays: process start, runtime start, the work, teardown. Its arguments are a
//! [`Request`] and its last line a report of the `oneoff_probe` library, which the parent reads
//! with the same types:
//!
//! - `cold`: one one-shot run of the shared `work_with(arg, delay)` (or `fetch(arg)` with
//!   `--fetch ADDR`, on the backend's own network stack), writing the work's lines to stdout as
//!   it goes (the parent stamps the first line's arrival), then a `ColdReport`. Without
//!   `--backend`, the baseline: the same lines around a thread sleep, or the same round trip on
//!   blocking `std::net`, and no async code.
//! - `warm`: nanoseconds per call in one process (`warm.rs`), a `WarmReport`.
//! - `cell`: one cell of the reactor compatibility matrix (`cell.rs`), an `Outcome`.
//!
//! # Examples
//!
//! ```text
//! $ oneoff-probe cold --backend smol --arg 100 --delay-ns 1000000
//! Coroutine has started
//! Coroutine is done
//! {"result":10000,"construct_to_first_poll_ns":2210,"timer_ns":1064311,...}
//! ```
//!
//! ## Feature flags
//!
//! `all-backends` (see the library). Every build has the facade's defaults, `portal` and
//! `tokio-compat`, tokio and async-io for the matrix's cases, and every network
//! stack's `fetch`, so that the builds share their dependencies and differ by the backend's
//! feature alone.

mod cell;
mod cold;
mod warm;

use std::process::ExitCode;

use oneoff_probe::Request;

fn main() -> ExitCode {
    let request = Request::parse(std::env::args_os().skip(1)).unwrap_or_else(|err| err.exit());
    let reported = match request {
        Request::Cold {
            backend,
            arg,
            delay_ns,
            fetch,
        } => cold::run(backend, arg, delay_ns, fetch).and_then(|report| emit(&report)),
        Request::Warm {
            backend,
            calls,
            reps,
            target_us,
            max_calls,
            fetch,
            arg,
        } => {
            let batches = oneoff_workloads::timing::Batches {
                reps,
                target: std::time::Duration::from_micros(target_us),
                max_calls,
            };
            warm::run(backend, calls, batches, fetch.map(|addr| (addr, arg)))
                .and_then(|report| emit(&report))
        }
        Request::Cell {
            backend,
            case,
            fetch,
        } => emit(&cell::run(backend, case, fetch)),
    };
    match reported {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A failed measurement, in one line.
type Failed = Box<dyn std::error::Error>;

/// Writes the report as the last line of stdout.
fn emit<T: serde::Serialize>(report: &T) -> Result<(), Failed> {
    println!("{}", serde_json::to_string(report)?);
    Ok(())
}

/// The answer of one `fetch(arg)` call if it is the right one, else why not, in one line.
fn checked(
    outcome: Result<std::io::Result<u64>, oneoff::Error>,
    addr: std::net::SocketAddr,
    arg: u64,
) -> Result<u64, String> {
    let expected = oneoff_workloads::fetch::answer(arg);
    match outcome {
        Ok(Ok(got)) if got == expected => Ok(got),
        Ok(Ok(got)) => Err(format!("fetch({arg}) returned {got}, expected {expected}")),
        Ok(Err(err)) => Err(format!("fetch({arg}) from {addr} failed: {err}")),
        Err(err) => Err(err.to_string()),
    }
}

/// `fetch(arg)` from `addr` on `backend`'s own network stack.
async fn native_fetch(
    backend: oneoff::Backend,
    addr: std::net::SocketAddr,
    arg: u64,
) -> std::io::Result<u64> {
    use oneoff_workloads::fetch::{Stack, fetch_on};
    fetch_on(Stack::native(backend.name()), addr, arg).await
}

/// A number from `/proc/self/status` (Linux): `Threads:` or `VmHWM:` (peak RSS, KiB);
/// elsewhere `None` rather than a guess.
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|line| line.strip_prefix(field))?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use oneoff::Backend;
    use oneoff_workloads::fetch::LoopbackServer;
    use oneoff_workloads::watchdog;

    use super::*;

    #[test]
    fn every_backend_of_the_build_fetches_on_its_own_stack() {
        let server = LoopbackServer::start(100, Duration::from_secs(60)).unwrap();
        let addr = server.addr();
        let fetched = watchdog("native fetch", Duration::from_secs(60), move || {
            let fetch = |backend: &Backend| backend.run(native_fetch(*backend, addr, 3));
            let checked = |backend| checked(fetch(backend), addr, 3);
            Backend::ALL.iter().map(checked).collect::<Vec<_>>()
        });
        assert!(
            fetched.iter().all(|answer| *answer == Ok(300)),
            "{fetched:?}"
        );
        assert_eq!(server.stop(), Backend::ALL.len() as u64);
    }

    #[test]
    fn a_wrong_or_failed_answer_is_one_line() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let wrong = checked(Ok(Ok(301)), addr, 3).unwrap_err();
        assert_eq!(wrong, "fetch(3) returned 301, expected 300");
        let refused = checked(
            Ok(Err(std::io::ErrorKind::ConnectionRefused.into())),
            addr,
            3,
        );
        assert!(
            refused
                .unwrap_err()
                .starts_with("fetch(3) from 127.0.0.1:9 failed")
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        assert!(proc_status("Threads:").unwrap() >= 1);
        assert!(proc_status("VmHWM:").unwrap() > 0);
    }
}

//! The measurement binary of `cargo xtask compare`: one process runs one measurement of one
//! backend and ends its standard output with one JSON line that says what it saw.
//!
//! `cargo xtask compare` builds this binary once per backend feature, in the `probe` profile
//! (release without debug info), and starts it as a fresh process for every cold sample, so
//! that each sample pays what a user's program pays: process start, runtime start, the work,
//! teardown. Its one argument is a [`Request`] as JSON and its last line a report of the
//! `oneoff_probe` library, which the parent reads with the same types:
//!
//! - `cold`: one one-shot run of the shared `work_with(arg, delay)` (or `fetch(arg)` from the
//!   loopback server at `fetch`, on the backend's own network stack), writing the work's lines to
//!   stdout as it goes (the parent stamps the first line's arrival), then a `ColdReport`. Without
//!   a backend, the baseline: the same lines around a thread sleep, or the same round trip on
//!   blocking `std::net`, and no async code.
//! - `cell`: one cell of the reactor compatibility matrix (`cell.rs`), an `Outcome`.
//! - `drivers`: the I/O driver compio's and monoio's runtimes start on, `Drivers`.
//!
//! # Examples
//!
//! ```text
//! $ oneoff-probe '{"cold":{"backend":"smol","arg":100,"delay_ns":1000000,"fetch":null}}'
//! Coroutine has started
//! Coroutine is done
//! {"result":10000,"construct_to_first_poll_ns":2210,"timer_ns":1064311,...}
//! ```
//!
//! ## Feature flags
//!
//! `measure` (see the library), and the facade's backend features, one a build. Every build has
//! the facade's defaults and `tokio-compat`, tokio and async-io for the matrix's cases, and every
//! network stack's `fetch`, so that the builds share their dependencies and differ by the
//! backend's feature alone.

mod cell;
mod cold;

use std::process::ExitCode;

use oneoff_probe::{Drivers, Request};

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_default();
    let request = match Request::parse(&arg) {
        Ok(request) => request,
        Err(err) => {
            eprintln!(
                "error: {err}: oneoff-probe takes one request in JSON, such as \
                 {{\"cold\":{{\"backend\":\"smol\",\"arg\":100,\"delay_ns\":0,\"fetch\":null}}}}"
            );
            return ExitCode::from(2);
        }
    };
    let reported = match request {
        Request::Cold {
            backend,
            arg,
            delay_ns,
            fetch,
        } => backend
            .map(|backend| backend.enabled())
            .transpose()
            .map_err(Failed::from)
            .and_then(|backend| cold::run(backend, arg, delay_ns, fetch))
            .and_then(|report| emit(&report)),
        Request::Cell {
            backend,
            case,
            fetch,
        } => match backend.enabled() {
            Ok(backend) => emit(&cell::run(backend, case, fetch)),
            Err(err) => Err(err.into()),
        },
        Request::Drivers => drivers().and_then(|drivers| emit(&drivers)),
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

/// The drivers compio's and monoio's runtimes start on, each built as its oneoff backend builds
/// it (`compio::runtime::Runtime::new()`; monoio's fusion driver with its timer), asked of the
/// runtimes themselves so that every build can answer, whichever backend it has.
fn drivers() -> Result<Drivers, Failed> {
    let compio = match compio::runtime::Runtime::new()?.driver_type() {
        compio::driver::DriverType::IoUring => "io_uring",
        compio::driver::DriverType::Poll => "polling",
        compio::driver::DriverType::IOCP => "iocp",
    };
    let monoio = monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
        .enable_timer()
        .build()?;
    let monoio = match monoio {
        monoio::FusionRuntime::Uring(_) => "io_uring",
        monoio::FusionRuntime::Legacy(_) => "legacy",
    };
    Ok([("compio", compio), ("monoio", monoio)]
        .map(|(name, driver)| (name.to_owned(), driver.to_owned()))
        .into())
}

/// The answer of one `fetch(arg)` call if it is the right one, else why not, in one line.
fn checked(
    outcome: std::io::Result<u64>,
    addr: std::net::SocketAddr,
    arg: u64,
) -> Result<u64, String> {
    let expected = oneoff_workloads::fetch::answer(arg);
    match outcome {
        Ok(got) if got == expected => Ok(got),
        Ok(got) => Err(format!("fetch({arg}) returned {got}, expected {expected}")),
        Err(err) => Err(format!("fetch({arg}) from {addr} failed: {err}")),
    }
}

/// The network stack `backend`'s users would write `fetch` with: its runtime's own.
fn native_stack(backend: oneoff::Backend) -> oneoff_workloads::fetch::Stack {
    oneoff_workloads::fetch::Stack::native(backend.info().io())
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

    use super::*;

    #[test]
    fn a_wrong_or_failed_answer_is_one_line() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let wrong = checked(Ok(301), addr, 3).unwrap_err();
        assert_eq!(wrong, "fetch(3) returned 301, expected 300");
        let refused = checked(Err(std::io::ErrorKind::ConnectionRefused.into()), addr, 3);
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

    #[test]
    fn both_drivers_are_named() {
        let drivers = drivers().unwrap();
        assert!(["io_uring", "polling"].contains(&drivers["compio"].as_str()));
        assert!(["io_uring", "legacy"].contains(&drivers["monoio"].as_str()));
    }
}

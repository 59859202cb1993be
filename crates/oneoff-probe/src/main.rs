//! The measurement binary of `cargo xtask compare`: one process runs one measurement of one
//! backend and ends its standard output with one JSON line that says what it saw.
//!
//! Its one argument is a [`Request`] as JSON; its last line a report of the `oneoff_probe`
//! library, which the parent reads with the same types:
//!
//! - `cold`: one one-shot run of `work_with(arg, delay)` (or `fetch(arg)` from the loopback
//!   server, on the backend's own network stack), writing the work's lines as it goes (the parent
//!   stamps the first line's arrival), then a `ColdReport`. Without a backend, the baseline: the
//!   same lines around a thread sleep, or the same round trip on blocking `std::net`.
//! - `cell`: one cell of the reactor compatibility matrix (`oneoff_workloads::matrix::run`), an
//!   `Outcome`.
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
//! `measure` (see the library), and one backend feature of the facade a build, which `cargo
//! xtask compare` picks.

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
            Ok(backend) => emit(&oneoff_workloads::matrix::run(backend, case, fetch)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_drivers_are_named() {
        let drivers = drivers().unwrap();
        assert!(["io_uring", "polling"].contains(&drivers["compio"].as_str()));
        assert!(["io_uring", "legacy"].contains(&drivers["monoio"].as_str()));
    }
}

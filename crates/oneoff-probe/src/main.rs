//! The measurement binary of `cargo xtask compare`: one process runs one measurement of one
//! backend and ends its standard output with one JSON line that says what it saw.
//!
//! `cargo xtask compare` builds this binary once, in release mode, and starts it as a fresh
//! process for every cold sample, so that each sample pays what a user's program pays: process
//! start, runtime start, the work, teardown. The subcommands are the kinds of measurement:
//!
//! - `cold`: one one-shot run of the shared `work_with(arg, delay)` on a fresh runtime, writing
//!   its two lines to stdout as it goes (the parent stamps the first line's arrival), then the
//!   in-process figures: runner construction to first poll, the timer's real duration,
//!   completion to return (teardown), threads during and after, peak RSS. With `--backend
//!   baseline` it writes the same lines around a plain thread sleep and runs no async code.
//!   With `--fetch ADDR` the work is `fetch(arg)` from the loopback server at `ADDR` instead,
//!   on the backend's own network stack (the baseline: blocking `std::net`): it writes the
//!   answer as one line the moment it arrives, and reports the round trip in place of the timer.
//! - `warm`: nanoseconds per call in one process, one-shot and reused, on a ready future and on
//!   one that yields once, or with `--fetch ADDR` on `fetch(arg)`; with the I/O driver of the
//!   runner, for compio and monoio. With `--portal`, also the round trip of a ready future
//!   through a `BlockingPortal` of the backend, called from the probe's main thread; with
//!   `--compat`, also the ready calls in `TokioCompat`.
//! - `cell`: one cell of the reactor compatibility matrix; the parent runs it under a timeout.
//!   Its report carries the outcome twice: in full and as a short label for the terminal.
//!
//! The last stdout line is the contract with the parent (and with the Python reference script
//! in `xtask/src/compare/reference.py`, which writes the same fields); all durations are
//! nanoseconds.
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
//! One per feature of the `oneoff` facade, of the same name, each turning on the facade's:
//! the backends (`tokio`, `smol`, `futures-lite`, `pollster`, `async-std`, `tokio-local`,
//! `futures-executor`, `compio`, `monoio`), `ctrl-c`, `tokio-compat`, `portal` and the
//! `detect-*` features (`warm --portal` needs `portal`; `warm --compat` and the matrix's
//! compatible case need `tokio-compat`). A backend with a network stack of its own
//! (`async-std`, `compio`, `monoio`) also turns on that stack's `fetch` in `oneoff-workloads`;
//! `tokio::net` and `async-io`'s are in every build. With no flags the probe has the facade's
//! default features; `cargo xtask compare` builds it once with each backend's feature (plus
//! the defaults, `portal` and `tokio-compat`), and once with `--all-features` (every backend,
//! every detector). A backend whose feature is off is refused by name.

mod batches;
mod cell;
mod cold;
mod fetch;
mod proc_status;
mod reach;
mod warm;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oneoff::Backend;

use crate::batches::Batches;
use crate::cold::{Subject, Workload};
use crate::reach::Wanted;

/// One measurement of one backend; the last line of stdout is JSON.
#[derive(Debug, Parser)]
#[command(name = "oneoff-probe")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One cold one-shot run of work(arg), or fetch(arg), with its in-process figures.
    Cold {
        /// A backend name, or `baseline` for a process that runs no async code.
        #[arg(long)]
        backend: Subject,
        /// The argument of work(arg) or fetch(arg).
        #[arg(long, default_value_t = 100)]
        arg: u64,
        /// The delay work awaits, in nanoseconds.
        #[arg(long, default_value_t = 0)]
        delay_ns: u64,
        /// Run fetch(arg) from the loopback server at this address instead of work(arg).
        #[arg(long, value_name = "ADDR")]
        fetch: Option<SocketAddr>,
    },
    /// Nanoseconds per call, one-shot and reused: work's ready and yield-once futures, or
    /// fetch(arg).
    Warm {
        /// The backend to measure; `baseline` (blocking std::net) only with --fetch.
        #[arg(long)]
        backend: Subject,
        /// Repetitions; the median is reported.
        #[arg(long, default_value_t = 11)]
        reps: usize,
        /// How long one repetition should take, in microseconds.
        #[arg(long, default_value_t = 10_000)]
        target_us: u64,
        /// The most calls in one repetition.
        #[arg(long, default_value_t = 1 << 30)]
        max_calls: u64,
        /// Time fetch(arg) from the loopback server at this address instead of work's futures.
        #[arg(long, value_name = "ADDR")]
        fetch: Option<SocketAddr>,
        /// The argument of fetch(arg).
        #[arg(long, default_value_t = 100)]
        arg: u64,
        /// Also time portal.call of a ready future from this thread to a BlockingPortal of the
        /// backend (needs the `portal` feature).
        #[arg(long, conflicts_with = "fetch")]
        portal: bool,
        /// Also time the ready calls, one-shot and reused, in TokioCompat (needs the
        /// `tokio-compat` feature).
        #[arg(long, conflicts_with = "fetch")]
        compat: bool,
    },
    /// One cell of the reactor compatibility matrix.
    Cell {
        /// The backend to run the case on.
        #[arg(long)]
        backend: Backend,
        /// The case.
        #[arg(long, value_enum)]
        case: cell::Case,
        /// The loopback server the fetch cases connect to.
        #[arg(long, value_name = "ADDR")]
        fetch: Option<SocketAddr>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Cold {
            backend,
            arg,
            delay_ns,
            fetch,
        } => {
            let workload = match fetch {
                Some(addr) => Workload::Fetch { addr },
                None => Workload::Work {
                    delay: Duration::from_nanos(delay_ns),
                },
            };
            emit(&cold::run(backend, arg, workload)?);
        }
        Command::Warm {
            backend,
            reps,
            target_us,
            max_calls,
            fetch,
            arg,
            portal,
            compat,
        } => {
            let batches = Batches {
                reps,
                target: Duration::from_micros(target_us),
                max_calls,
            };
            let wanted = Wanted { portal, compat };
            match (fetch, backend) {
                (Some(addr), subject) => emit(&warm::run_fetch(subject, addr, arg, batches)?),
                (None, Subject::Backend(backend)) => emit(&warm::run(backend, batches, wanted)?),
                (None, Subject::Baseline) => {
                    return Err("the baseline has only a fetch to time: give --fetch ADDR".into());
                }
            }
        }
        Command::Cell {
            backend,
            case,
            fetch,
        } => emit(&cell::run(backend, case, fetch)),
    }
    Ok(())
}

/// Writes the report as the last line of stdout.
fn emit<T: serde::Serialize>(report: &T) {
    let line = serde_json::to_string(report).expect("probe reports are plain data");
    println!("{line}");
}

//! What `cargo xtask compare` and its measurement binary, `oneoff-probe`, say to each other: the
//! [`Request`] a probe process is started with (its arguments) and the one JSON line it ends its
//! standard output with ([`ColdReport`], [`WarmReport`], or a matrix cell's [`Outcome`]). Both
//! sides use these types, so the protocol is written once and no label is matched as a string.
//! The binary's measuring code is in `src/main.rs` and beside it; `docs/compare.md` says what
//! each figure means.
//!
//! # Examples
//!
//! ```
//! use oneoff_probe::{Case, Request};
//!
//! let request = Request::Cell {
//!     backend: oneoff::Backend::ALL[0],
//!     case: Case::TokioSleep,
//!     fetch: "127.0.0.1:9".parse().unwrap(),
//! };
//! assert_eq!(Request::parse(request.args()).unwrap(), request);
//! ```
//!
//! ## Feature flags
//!
//! `all-backends`: every backend of the facade in one build, the build in which `compare` times
//! the portal and `TokioCompat` ([`Calls::Reach`]: they need each backend's runner type). The
//! other builds pick their backend with cargo's `--features async-oneoff/<feature>`, so that
//! no list of backends is kept here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use clap::{Parser, Subcommand, ValueEnum};
use oneoff::Backend;
use serde::{Deserialize, Serialize};

/// One measurement of one backend: what a probe process is asked to do.
///
/// # Examples
///
/// ```
/// use oneoff_probe::{Calls, Request};
///
/// let baseline = Request::Cold { backend: None, arg: 7, delay_ns: 0, fetch: None };
/// assert_eq!(baseline.args(), ["cold", "--arg", "7", "--delay-ns", "0"]);
/// let first = oneoff::Backend::ALL[0].name();
/// let warm = Request::parse(["warm", "--calls", "work", "--backend", first]).unwrap();
/// assert!(matches!(warm, Request::Warm { calls: Calls::Work, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Request {
    /// One cold one-shot run of work(arg), or fetch(arg), with its in-process figures.
    Cold {
        /// The backend; without it, the baseline: no async code at all.
        #[arg(long)]
        backend: Option<Backend>,
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
    /// Nanoseconds per call in one process, each figure the median of a few timed batches.
    Warm {
        /// The backend; without it, the baseline (blocking std::net), only with `--calls fetch`.
        #[arg(long)]
        backend: Option<Backend>,
        /// Which calls to time.
        #[arg(long, value_enum)]
        calls: Calls,
        /// Timed batches per variant; the median is reported.
        #[arg(long, default_value_t = 3)]
        reps: u32,
        /// How long one batch should take, in microseconds.
        #[arg(long, default_value_t = 5_000)]
        target_us: u64,
        /// The most calls in one batch (the loopback server serves a bounded number).
        #[arg(long, default_value_t = 1 << 30)]
        max_calls: u64,
        /// The loopback server of `--calls fetch`.
        #[arg(long, value_name = "ADDR")]
        fetch: Option<SocketAddr>,
        /// The argument of fetch(arg).
        #[arg(long, default_value_t = 100)]
        arg: u64,
    },
    /// One cell of the reactor compatibility matrix.
    Cell {
        /// The backend to run the case on.
        #[arg(long)]
        backend: Backend,
        /// The case.
        #[arg(long, value_enum)]
        case: Case,
        /// The loopback server the fetch cases connect to.
        #[arg(long, value_name = "ADDR")]
        fetch: SocketAddr,
    },
}

#[derive(Parser)]
#[command(name = "oneoff-probe")]
struct Cli {
    #[command(subcommand)]
    request: Request,
}

impl Request {
    /// The request from a probe's arguments (without the program's name).
    ///
    /// # Errors
    ///
    /// clap's error for arguments that are not a request.
    pub fn parse<I, T>(args: I) -> Result<Request, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args = std::iter::once("oneoff-probe".into()).chain(args.into_iter().map(Into::into));
        Cli::try_parse_from(args).map(|cli| cli.request)
    }

    /// The arguments that [`Request::parse`] reads back as this request.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut flag = |name: &str, value: &dyn fmt::Display| {
            args.extend([format!("--{name}"), value.to_string()]);
        };
        let subcommand = match self {
            Request::Cold {
                backend,
                arg,
                delay_ns,
                fetch,
            } => {
                backend.iter().for_each(|b| flag("backend", b));
                flag("arg", arg);
                flag("delay-ns", delay_ns);
                fetch.iter().for_each(|addr| flag("fetch", addr));
                "cold"
            }
            Request::Warm {
                backend,
                calls,
                reps,
                target_us,
                max_calls,
                fetch,
                arg,
            } => {
                flag("calls", &name(calls));
                backend.iter().for_each(|b| flag("backend", b));
                flag("reps", reps);
                flag("target-us", target_us);
                flag("max-calls", max_calls);
                fetch.iter().for_each(|addr| flag("fetch", addr));
                flag("arg", arg);
                "warm"
            }
            Request::Cell {
                backend,
                case,
                fetch,
            } => {
                flag("backend", backend);
                flag("case", &name(case));
                flag("fetch", fetch);
                "cell"
            }
        };
        args.insert(0, subcommand.to_owned());
        args
    }
}

/// A value's name on the command line (the same in JSON: kebab-case).
fn name(value: &impl ValueEnum) -> String {
    let possible = value.to_possible_value().expect("no value is skipped");
    possible.get_name().to_owned()
}

/// The calls a warm process times.
///
/// # Examples
///
/// ```
/// use oneoff_probe::{Calls, Variant};
///
/// assert!(Calls::Work.variants().contains(&Variant::ReusedYield));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Calls {
    /// `work`'s futures, one-shot and reused: ready at once, and yielding once.
    Work,
    /// The portal's round trip and the ready calls with and without `TokioCompat` (needs the
    /// `all-backends` build).
    Reach,
    /// `fetch(arg)`, one-shot and reused, on the backend's own stack; the baseline's blocking
    /// call.
    Fetch,
}

impl Calls {
    /// The variants a process of these calls reports (a backend's; the baseline's fetch reports
    /// [`Variant::BlockingFetch`] alone).
    pub fn variants(self) -> &'static [Variant] {
        match self {
            Calls::Work => &[
                Variant::OneShotReady,
                Variant::OneShotYield,
                Variant::ReusedReady,
                Variant::ReusedYield,
            ],
            Calls::Reach => &[
                Variant::PortalCall,
                Variant::OneShotReady,
                Variant::CompatOneShotReady,
                Variant::ReusedReady,
                Variant::CompatReusedReady,
            ],
            Calls::Fetch => &[Variant::OneShotFetch, Variant::ReusedFetch],
        }
    }
}

/// What a cold process saw inside; durations in nanoseconds, `None` where a figure does not
/// apply (the baseline starts no runtime) or the OS does not say (threads and RSS off Linux).
///
/// # Examples
///
/// ```
/// let report: oneoff_probe::ColdReport = serde_json::from_str(r#"{"result":700}"#).unwrap();
/// assert_eq!((report.result, report.teardown_ns), (700, None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColdReport {
    /// What the workload returned.
    pub result: u64,
    /// From the one-shot call to the future's first poll: the runtime's own start-up.
    pub construct_to_first_poll_ns: Option<u64>,
    /// `work`: how long the awaited delay really took.
    pub timer_ns: Option<u64>,
    /// `fetch`: from the first poll (the baseline: from the connect) to the answer received.
    pub round_trip_ns: Option<u64>,
    /// From the work's completion to the return of the one-shot call: teardown.
    pub teardown_ns: Option<u64>,
    /// OS threads alive at the end of the work, inside the call.
    pub threads_during: Option<u64>,
    /// OS threads alive after the call returned.
    pub threads_after: Option<u64>,
    /// Peak resident set size of the whole process, in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// A call timed warm.
///
/// # Examples
///
/// ```
/// use oneoff_probe::Variant;
///
/// assert_eq!(serde_json::to_string(&Variant::PortalCall).unwrap(), r#""portal_call""#);
/// assert_eq!(Variant::PortalCall.title(), "portal call");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// A fresh runtime per call, on a ready future (Python: `asyncio.run`).
    OneShotReady,
    /// A fresh runtime per call, on a future that yields once.
    OneShotYield,
    /// A kept runner, on a ready future (Python: `asyncio.Runner`).
    ReusedReady,
    /// A kept runner, on a future that yields once.
    ReusedYield,
    /// A ready future sent from another thread to a `BlockingPortal`, its output handed back
    /// (Python: `run_coroutine_threadsafe` to a loop on another thread).
    PortalCall,
    /// [`Variant::OneShotReady`] in `TokioCompat`.
    CompatOneShotReady,
    /// [`Variant::ReusedReady`] on a kept `TokioCompat` runner.
    CompatReusedReady,
    /// `fetch(arg)` with a fresh runtime per call.
    OneShotFetch,
    /// `fetch(arg)` on a kept runner.
    ReusedFetch,
    /// `fetch(arg)` with blocking `std::net`, no runtime: the baseline.
    BlockingFetch,
}

impl Variant {
    /// Its title in the report's tables.
    pub fn title(self) -> &'static str {
        match self {
            Variant::OneShotReady => "one-shot, ready",
            Variant::OneShotYield => "one-shot, yields once",
            Variant::ReusedReady => "reused runner, ready",
            Variant::ReusedYield => "reused runner, yields once",
            Variant::PortalCall => "portal call",
            Variant::CompatOneShotReady => "one-shot, ready, in TokioCompat",
            Variant::CompatReusedReady => "reused runner, ready, in TokioCompat",
            Variant::OneShotFetch => "one-shot",
            Variant::ReusedFetch => "reused runner",
            Variant::BlockingFetch => "blocking std::net",
        }
    }
}

/// What a warm process reports: nanoseconds per call of each variant it timed, and the I/O
/// driver of its runner where the backend picks one (compio, monoio).
///
/// # Examples
///
/// ```
/// use oneoff_probe::{Variant, WarmReport};
///
/// let report: WarmReport =
///     serde_json::from_str(r#"{"ns_per_call":{"reused_ready":7.5},"driver":null}"#).unwrap();
/// assert_eq!(report.ns_per_call[&Variant::ReusedReady], 7.5);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WarmReport {
    /// The median batch's nanoseconds per call, by variant.
    pub ns_per_call: BTreeMap<Variant, f64>,
    /// `io_uring`, or the fallback the runner started on.
    pub driver: Option<String>,
}

/// A case of the reactor compatibility matrix, in the order of its columns: a future that needs
/// something of a runtime.
///
/// # Examples
///
/// ```
/// use oneoff_probe::Case;
///
/// assert_eq!(Case::ALL[0], Case::Neutral);
/// assert_eq!(serde_json::to_string(&Case::TokioFetch).unwrap(), r#""tokio-fetch""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// A future that needs no runtime: it yields and is woken from another thread.
    Neutral,
    /// `tokio::time::sleep`, which needs tokio's timer.
    TokioSleep,
    /// `tokio::time::sleep` in `Backend::run_tokio_compat`.
    TokioSleepCompat,
    /// An `async-io` timer, which brings its own reactor thread where none is running.
    AsyncIoTimer,
    /// Spawning a task from inside the future, with `oneoff::spawn`.
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

impl Case {
    /// Every case, in the order of the matrix's columns.
    pub const ALL: [Case; 9] = [
        Case::Neutral,
        Case::TokioSleep,
        Case::TokioSleepCompat,
        Case::AsyncIoTimer,
        Case::Spawn,
        Case::NestedInTokio,
        Case::InSpawnBlocking,
        Case::TokioFetch,
        Case::AsyncIoFetch,
    ];

    /// Its column title in Markdown.
    pub fn title(self) -> &'static str {
        match self {
            Case::Neutral => "runtime-neutral future",
            Case::TokioSleep => "tokio::time::sleep",
            Case::TokioSleepCompat => "tokio::time::sleep with compat",
            Case::AsyncIoTimer => "async-io timer",
            Case::Spawn => "spawn from inside, with oneoff::spawn",
            Case::NestedInTokio => "one-shot inside tokio current-thread",
            Case::InSpawnBlocking => "inside spawn_blocking",
            Case::TokioFetch => "fetch on tokio::net",
            Case::AsyncIoFetch => "fetch on async-io",
        }
    }

    /// Its column title in the terminal, whose ten columns must fit in 120 (short words wrap).
    pub fn short(self) -> &'static str {
        match self {
            Case::Neutral => "neutral future",
            Case::TokioSleep => "tokio sleep",
            Case::TokioSleepCompat => "tokio sleep, compat",
            Case::AsyncIoTimer => "async-io timer",
            Case::Spawn => "spawn inside",
            Case::NestedInTokio => "nested in tokio",
            Case::InSpawnBlocking => "in spawn_blocking",
            Case::TokioFetch => "tokio::net fetch",
            Case::AsyncIoFetch => "async-io fetch",
        }
    }
}

/// How a matrix cell went, as a user would meet it. [`Outcome::Hung`] and [`Outcome::Died`] are
/// the parent's word for a cell process that gave no verdict.
///
/// # Examples
///
/// ```
/// use oneoff_probe::Outcome;
///
/// let panicked = Outcome::NoReactor("there is no reactor running".into());
/// assert_eq!(panicked.label(), "panic: no reactor");
/// assert_eq!(panicked.to_string(), "panic: there is no reactor running");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "message", rename_all = "kebab-case")]
pub enum Outcome {
    /// The future ran and returned the right value.
    Ok,
    /// The backend cannot spawn (`oneoff::spawn` returned `Unsupported`).
    NotApplicable,
    /// oneoff returned `Error::Nested`, with its message.
    Nested(String),
    /// oneoff returned `Error::NeedsTokio`, with its message.
    NeedsTokio(String),
    /// oneoff returned another error, with its message.
    Error(String),
    /// The future returned this instead of the case's answer.
    WrongResult(u64),
    /// A fetch's round trip failed, with the I/O error.
    Io(String),
    /// tokio's "there is no reactor running" panic, its first line.
    NoReactor(String),
    /// tokio's "Cannot start a runtime from within a runtime" panic, its first line.
    NestedRuntime(String),
    /// Another panic, its first line.
    Panic(String),
    /// No answer within the cell's time limit: a deadlock or a hang.
    Hung,
    /// The process ended without a verdict, with how.
    Died(String),
}

impl Outcome {
    /// A panic's outcome from the first line of its message.
    pub fn panicked(first_line: &str) -> Outcome {
        let line = first_line.to_owned();
        if first_line.contains("no reactor running") {
            Outcome::NoReactor(line)
        } else if first_line.contains("runtime from within a runtime") {
            Outcome::NestedRuntime(line)
        } else {
            Outcome::Panic(line)
        }
    }

    /// A few words for the terminal's table.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotApplicable => "n/a",
            Outcome::Nested(_) => "error: nested",
            Outcome::NeedsTokio(_) => "error: needs tokio",
            Outcome::Error(_) => "error",
            Outcome::WrongResult(_) => "error: wrong result",
            Outcome::Io(_) => "error: io",
            Outcome::NoReactor(_) => "panic: no reactor",
            Outcome::NestedRuntime(_) => "panic: nested runtime",
            Outcome::Panic(_) => "panic",
            Outcome::Hung => "hung",
            Outcome::Died(_) => "error: died",
        }
    }

    /// What [`Outcome::label`] means, for the legend under the terminal's table.
    pub fn meaning(&self) -> &'static str {
        match self {
            Outcome::Ok => "the future ran and returned the right value",
            Outcome::NotApplicable => {
                "the backend cannot spawn (oneoff::spawn returns Unsupported)"
            }
            Outcome::Nested(_) => {
                "oneoff returned Error::Nested: it refused to block inside running async code"
            }
            Outcome::NeedsTokio(_) => {
                "oneoff returned Error::NeedsTokio: the future needs tokio's reactor or timer \
                 (run it in TokioCompat)"
            }
            Outcome::Error(_) => "oneoff returned another error (compare.md has its message)",
            Outcome::WrongResult(_) => "the future returned a wrong value",
            Outcome::Io(_) => "the fetch's round trip to the loopback server failed",
            Outcome::NoReactor(_) => {
                "tokio panicked: \"there is no reactor running, must be called from the context \
                 of a Tokio 1.x runtime\""
            }
            Outcome::NestedRuntime(_) => {
                "tokio panicked: \"Cannot start a runtime from within a runtime\""
            }
            Outcome::Panic(_) => "the future panicked (compare.md has the message)",
            Outcome::Hung => "no answer within the cell timeout: a deadlock or a hang",
            Outcome::Died(_) => "the process died without a verdict",
        }
    }
}

/// The outcome in full: the message of an error or a panic as the user meets it.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok | Outcome::NotApplicable | Outcome::Hung => f.write_str(self.label()),
            Outcome::Nested(message) | Outcome::NeedsTokio(message) | Outcome::Error(message) => {
                write!(f, "error: {message}")
            }
            Outcome::WrongResult(got) => write!(f, "error: returned {got}, expected 42"),
            Outcome::Io(message) => write!(f, "error: the round trip failed: {message}"),
            Outcome::NoReactor(line) | Outcome::NestedRuntime(line) | Outcome::Panic(line) => {
                write!(f, "panic: {line}")
            }
            Outcome::Died(how) => write!(f, "error: the process died without a verdict ({how})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_reads_back_from_its_arguments() {
        let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let mut requests = vec![Request::Cold {
            backend: None,
            arg: 1,
            delay_ns: 2,
            fetch: Some(addr),
        }];
        for backend in Backend::ALL {
            requests.push(Request::Cold {
                backend: Some(*backend),
                arg: 3,
                delay_ns: 1_000_000,
                fetch: None,
            });
            for calls in [Calls::Work, Calls::Reach, Calls::Fetch] {
                requests.push(Request::Warm {
                    backend: Some(*backend),
                    calls,
                    reps: 2,
                    target_us: 5,
                    max_calls: 9,
                    fetch: Some(addr),
                    arg: 4,
                });
            }
            for case in Case::ALL {
                requests.push(Request::Cell {
                    backend: *backend,
                    case,
                    fetch: addr,
                });
            }
        }
        for request in requests {
            assert_eq!(Request::parse(request.args()).unwrap(), request);
        }
    }

    #[test]
    fn names_on_the_command_line_are_the_names_in_json() {
        for case in Case::ALL {
            assert_eq!(
                serde_json::to_string(&case).unwrap(),
                format!("\"{}\"", name(&case))
            );
        }
        for calls in [Calls::Work, Calls::Reach, Calls::Fetch] {
            assert_eq!(
                serde_json::to_string(&calls).unwrap(),
                format!("\"{}\"", name(&calls))
            );
        }
    }

    #[test]
    fn outcomes_read_back_and_name_panics() {
        let outcomes = [
            Outcome::Ok,
            Outcome::Hung,
            Outcome::WrongResult(7),
            Outcome::panicked("Cannot start a runtime from within a runtime"),
            Outcome::panicked("index out of bounds"),
        ];
        for outcome in outcomes {
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome);
        }
        assert_eq!(
            Outcome::panicked("index out of bounds").label(),
            "panic",
            "an unknown panic is a plain panic"
        );
    }
}

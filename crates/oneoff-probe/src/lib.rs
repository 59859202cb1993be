//! What `cargo xtask compare` and its measurement binary, `oneoff-probe`, say to each other: the
//! [`Request`] a probe process is started with (its one argument, as JSON) and the JSON line it
//! ends its stdout with ([`ColdReport`], a matrix cell's [`Outcome`], or [`Drivers`]), one set of
//! types for both sides. A [`BackendName`] names any backend of oneoff's one list, so that xtask
//! names them without compiling their runtimes.
//!
//! # Examples
//!
//! ```
//! use oneoff_probe::{BackendName, Case, Request};
//!
//! let request = Request::Cell {
//!     backend: BackendName::ALL[0],
//!     case: Case::TokioSleep,
//!     fetch: "127.0.0.1:9".parse().unwrap(),
//! };
//! assert_eq!(Request::parse(&request.arg()).unwrap(), request);
//! ```
//!
//! ## Feature flags
//!
//! `measure` (default): what the binary measures with. xtask depends on the library alone;
//! compare builds the binary once per backend with `--features async-oneoff/<backend feature>`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A backend of oneoff's one list (`oneoff::for_each_backend!`), enabled in this build or not.
///
/// # Examples
///
/// ```
/// use oneoff_probe::BackendName;
///
/// let tokio_mt = BackendName::named("tokio-mt").unwrap();
/// assert_eq!((tokio_mt.name(), tokio_mt.feature()), ("tokio-mt", "tokio"));
/// assert_eq!(serde_json::to_string(&tokio_mt).unwrap(), r#""tokio-mt""#);
/// assert!(BackendName::named("tokyo").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BackendName {
    name: &'static str,
    feature: &'static str,
}

macro_rules! listed {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {
        impl BackendName {
            /// Every backend oneoff knows, in the list's order (the default priority).
            pub const ALL: &'static [BackendName] =
                &[$(BackendName { name: $name, feature: $feature },)*];
        }
    };
}

oneoff::for_each_backend!(listed);

impl BackendName {
    /// The backend called `name`, if the list has one.
    pub fn named(name: &str) -> Option<BackendName> {
        BackendName::ALL.iter().copied().find(|b| b.name == name)
    }

    /// Its name, as in `oneoff::Backend::name`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The facade's cargo feature that enables it (tokio's two flavours share one).
    pub fn feature(self) -> &'static str {
        self.feature
    }

    /// The backend in this build.
    ///
    /// # Errors
    ///
    /// When the build does not enable it: the error names the feature to turn on.
    pub fn enabled(self) -> Result<oneoff::Backend, oneoff::UnknownBackend> {
        self.name.parse()
    }
}

impl fmt::Display for BackendName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A backend by its name.
impl Serialize for BackendName {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for BackendName {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        let name = String::deserialize(input)?;
        BackendName::named(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown backend `{name}`")))
    }
}

/// One measurement: what a probe process is asked to do.
///
/// # Examples
///
/// ```
/// use oneoff_probe::Request;
///
/// let baseline = Request::Cold { backend: None, arg: 7, delay_ns: 0, fetch: None };
/// assert_eq!(baseline.arg(), r#"{"cold":{"backend":null,"arg":7,"delay_ns":0,"fetch":null}}"#);
/// assert!(Request::parse(r#"{"warm":{}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// One cold one-shot run of `work(arg)`, or of `fetch(arg)` from the loopback server at
    /// `fetch`, on `backend` (without one, the baseline: no async code): a [`ColdReport`].
    Cold {
        /// The backend; without it, the baseline.
        backend: Option<BackendName>,
        /// The argument of `work(arg)` or `fetch(arg)`.
        arg: u64,
        /// The delay `work` awaits, in nanoseconds.
        delay_ns: u64,
        /// Run `fetch(arg)` from the loopback server at this address instead of `work(arg)`.
        fetch: Option<SocketAddr>,
    },
    /// One cell of the reactor compatibility matrix: an [`Outcome`].
    Cell {
        /// The backend to run the case on.
        backend: BackendName,
        /// The case.
        case: Case,
        /// The loopback server of the fetch cases.
        fetch: SocketAddr,
    },
    /// The I/O driver each runtime that picks one starts on: [`Drivers`].
    Drivers,
}

impl Request {
    /// The request from a probe's argument.
    ///
    /// # Errors
    ///
    /// serde's error for an argument that is not a request.
    pub fn parse(arg: &str) -> serde_json::Result<Request> {
        serde_json::from_str(arg)
    }

    /// The argument that [`Request::parse`] reads back as this request.
    pub fn arg(&self) -> String {
        serde_json::to_string(self).expect("a request is plain data")
    }
}

/// What a cold process saw inside, in nanoseconds; `None` where a figure does not apply or the
/// OS does not say.
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
    /// `fetch`: the network stack the round trip ran on (`std::net` for the baseline).
    pub stack: Option<String>,
}

/// The I/O driver each runtime that picks one at start-up (compio, monoio) starts on, by the
/// backend's name.
///
/// # Examples
///
/// ```
/// let drivers: oneoff_probe::Drivers = serde_json::from_str(r#"{"monoio":"legacy"}"#).unwrap();
/// assert_eq!(drivers["monoio"], "legacy");
/// ```
pub type Drivers = BTreeMap<String, String>;

/// A case of the reactor compatibility matrix: a future that needs something of a runtime.
///
/// # Examples
///
/// ```
/// use oneoff_probe::Case;
///
/// assert_eq!(Case::ALL[0], Case::Neutral);
/// assert_eq!(serde_json::to_string(&Case::TokioFetch).unwrap(), r#""tokio-fetch""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Its column titles: in full for Markdown, and short for the terminal, where ten columns
    /// share 120.
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            Case::Neutral => ("runtime-neutral future", "neutral future"),
            Case::TokioSleep => ("tokio::time::sleep", "tokio sleep"),
            Case::TokioSleepCompat => ("tokio::time::sleep with compat", "tokio sleep, compat"),
            Case::AsyncIoTimer => ("async-io timer", "async-io timer"),
            Case::Spawn => ("spawn from inside, with oneoff::spawn", "spawn inside"),
            Case::NestedInTokio => ("one-shot inside tokio current-thread", "nested in tokio"),
            Case::InSpawnBlocking => ("inside spawn_blocking", "in spawn_blocking"),
            Case::TokioFetch => ("fetch on tokio::net", "tokio::net fetch"),
            Case::AsyncIoFetch => ("fetch on async-io", "async-io fetch"),
        }
    }
}

/// How a matrix cell went, as a user would meet it; [`Outcome::Hung`] and [`Outcome::Died`] are
/// the parent's, for a process that gave no verdict.
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
    fn panics_are_named_by_their_first_line() {
        let nested = Outcome::panicked("Cannot start a runtime from within a runtime");
        assert_eq!(nested.label(), "panic: nested runtime");
        let other = Outcome::panicked("index out of bounds");
        assert_eq!(other.label(), "panic", "an unknown panic is a plain panic");
        let json = serde_json::to_string(&other).unwrap();
        assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), other);
    }

    #[test]
    fn an_unknown_backend_is_refused_by_name() {
        let cell = r#"{"cell":{"backend":"tokyo","case":"neutral","fetch":"127.0.0.1:9"}}"#;
        let err = Request::parse(cell).unwrap_err();
        assert!(err.to_string().contains("unknown backend `tokyo`"), "{err}");
    }
}

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

/// The matrix's cases and a cell's outcome, defined beside the code that runs them (and the
/// tests that pin them) in `oneoff-workloads`.
pub use oneoff_workloads::matrix::{Case, Outcome};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_backend_is_refused_by_name() {
        let cell = r#"{"cell":{"backend":"tokyo","case":"neutral","fetch":"127.0.0.1:9"}}"#;
        let err = Request::parse(cell).unwrap_err();
        assert!(err.to_string().contains("unknown backend `tokyo`"), "{err}");
    }
}

//! The reactor compatibility matrix: a [`Case`] is a future that needs something of a runtime,
//! an [`Outcome`] how it went on one backend, as a user would meet it. `cargo xtask compare`
//! runs every cell in a process of its own (its probe calls `run`, feature `matrix-run`);
//! `tests/matrix.rs` pins every backend's row to the table of `docs/choosing.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "matrix-run")]
mod run;

/// What every case's future returns when it went well.
const ANSWER: u64 = 42;

#[cfg(feature = "matrix-run")]
#[cfg_attr(docsrs, doc(cfg(feature = "matrix-run")))]
pub use run::run;

/// A case of the reactor compatibility matrix: a future that needs something of a runtime.
///
/// # Examples
///
/// ```
/// use oneoff_workloads::matrix::Case;
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
/// use oneoff_workloads::matrix::Outcome;
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
            Outcome::WrongResult(got) => write!(f, "error: returned {got}, expected {ANSWER}"),
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
}

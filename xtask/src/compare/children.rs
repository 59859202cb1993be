//! Starting the measured children: every cold sample, warm round and matrix cell is a child
//! process of one of the probe's builds (or of Python), started the same way, in the user's
//! environment rather than the one cargo made for xtask, each under a time limit.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use super::probes::Probes;
use super::settings::Settings;
use crate::cmd::{Cmd, Ran};

/// The Python reference script, run with `python3 -c`.
pub(crate) const REFERENCE_PY: &str = include_str!("reference.py");

/// A python3 found on PATH.
#[derive(Debug)]
pub(crate) struct Python {
    /// The interpreter itself (not a launcher such as a pyenv shim, whose own start-up would
    /// be counted as Python's).
    pub(crate) executable: PathBuf,
    /// Its version.
    pub(crate) version: String,
}

/// The kinds of rows; reference rows (baselines, Python) never fail the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// The Rust process that runs no async code.
    Baseline,
    /// A oneoff backend.
    Backend,
    /// The Python process that runs no asyncio.
    PythonBaseline,
    /// Python's asyncio.
    Python,
}

/// What every child needs: the binaries, the environment, the settings, the loopback server,
/// and the progress bar each finished child moves on.
pub(crate) struct Children<'a> {
    pub(crate) probes: &'a Probes,
    /// The address of the loopback server that `fetch(arg)` connects to.
    pub(crate) fetch: SocketAddr,
    /// `LD_LIBRARY_PATH` for the measured children (`None`: unset).
    pub(crate) library_path: Option<&'a OsStr>,
    pub(crate) python: Option<&'a Python>,
    pub(crate) settings: &'a Settings,
    pub(crate) progress: &'a ProgressBar,
}

impl Children<'_> {
    /// A measured child: `program` in the user's environment, not the one cargo made for xtask.
    pub(crate) fn measured(&self, program: &Path) -> Cmd {
        Cmd::new(program).env("LD_LIBRARY_PATH", self.library_path)
    }

    /// The Python reference script in `mode`, with its arguments.
    pub(crate) fn python(&self, mode: &str, args: &[&str]) -> Cmd {
        let python = self.python.expect("python rows exist only with python");
        self.measured(&python.executable)
            .args(["-c", REFERENCE_PY, mode])
            .args(args)
    }

    /// The time limit of a cold sample or a warm round.
    pub(crate) fn child_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.child_timeout_s)
    }
}

/// The python3 on PATH, or a note saying why there is none.
pub(crate) fn find_python() -> Result<Python, String> {
    let asked = Cmd::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.version.split()[0])",
        ])
        .timeout(Duration::from_secs(30))
        .read();
    match asked {
        Ok(answer) => match answer.lines().collect::<Vec<_>>()[..] {
            [executable, version] => Ok(Python {
                executable: executable.into(),
                version: version.into(),
            }),
            _ => Err(format!(
                "python3 answered {answer:?}; the reference rows are left out"
            )),
        },
        Err(err) => Err(format!(
            "python3 could not be run ({}); the Python reference rows are left out",
            err.root_cause()
        )),
    }
}

/// The child's report: its last line of stdout, as JSON.
pub(crate) fn parse_last<T: for<'de> Deserialize<'de>>(ran: &Ran) -> Result<T, String> {
    let line = ran.last_line().unwrap_or_default();
    serde_json::from_str(line).map_err(|err| format!("unreadable report {line:?}: {err}"))
}

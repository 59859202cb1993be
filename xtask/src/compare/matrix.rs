//! The reactor compatibility matrix: each backend, in its own build, running futures that
//! need something of a runtime; each cell its own process under the cell timeout. One column
//! runs `tokio::time::sleep` again with tokio compatibility (`Backend::run_tokio_compat`). Two
//! run `fetch(arg)` against the loopback server on a network stack other than the backend's
//! own: `tokio::net`, whose sockets work only under tokio, and `async-io`'s, which work
//! everywhere.

use std::time::Duration;

use oneoff::Backend;
use serde::{Deserialize, Serialize};

use super::children::{Children, parse_last};
use super::probes::Config;
use crate::cmd::Ran;

/// The matrix's cases: the probe's `--case` value, the column title, and a shorter one for
/// the terminal, whose ten columns must fit in 120 (short words wrap, long ones are cut).
pub(crate) const CASES: &[(&str, &str, &str)] = &[
    ("neutral", "runtime-neutral future", "neutral future"),
    ("tokio-sleep", "tokio::time::sleep", "tokio sleep"),
    (
        "tokio-sleep-compat",
        "tokio::time::sleep with compat",
        "tokio sleep, compat",
    ),
    ("async-io-timer", "async-io timer", "async-io timer"),
    (
        "spawn",
        "spawn from inside, with oneoff::spawn",
        "spawn inside",
    ),
    (
        "nested-in-tokio",
        "one-shot inside tokio current-thread",
        "nested in tokio",
    ),
    (
        "in-spawn-blocking",
        "inside spawn_blocking",
        "in spawn_blocking",
    ),
    ("tokio-fetch", "fetch on tokio::net", "tokio::net fetch"),
    ("async-io-fetch", "fetch on async-io", "async-io fetch"),
];

/// One backend's row of the matrix, its cells in the order of [`CASES`].
#[derive(Debug, Serialize)]
pub(crate) struct MatrixRow {
    /// The backend.
    pub(crate) backend: String,
    /// `ok`, `n/a`, `panic: <first line>`, `error: <message>` or `hung`, one per case.
    pub(crate) cells: Vec<String>,
    /// The same cells in a few words (`error: nested`, `panic: no reactor`), for the terminal.
    pub(crate) short: Vec<String>,
}

/// How many child processes [`measure`] starts for `backends`.
pub(crate) fn children(backends: &[Backend]) -> u64 {
    backends.len() as u64 * CASES.len() as u64
}

/// The most connections the matrix makes: one per `fetch` cell (its id ends in `-fetch`).
pub(crate) fn fetch_connections(backends: &[Backend]) -> u64 {
    let cases = CASES
        .iter()
        .filter(|(id, ..)| id.ends_with("-fetch"))
        .count();
    backends.len() as u64 * cases as u64
}

/// The matrix rows of `backends`.
pub(crate) fn measure(
    children: &Children<'_>,
    backends: &[Backend],
) -> anyhow::Result<Vec<MatrixRow>> {
    backends
        .iter()
        .map(|backend| row(children, *backend))
        .collect()
}

/// The matrix row of `backend`: each case in its own process under the cell timeout.
fn row(children: &Children<'_>, backend: Backend) -> anyhow::Result<MatrixRow> {
    let mut cells = Vec::new();
    let mut short = Vec::new();
    for (case, ..) in CASES {
        let ran = children
            .measured(children.probes.path(Config::of(backend)))
            .args(["cell", "--backend", backend.name(), "--case", case])
            .args(["--fetch", &children.fetch.to_string()])
            .timeout(Duration::from_secs(children.settings.cell_timeout_s))
            .run()?;
        children.progress.inc(1);
        let cell = outcome(&ran);
        cells.push(cell.cell);
        short.push(cell.short);
    }
    Ok(MatrixRow {
        backend: backend.name().to_owned(),
        cells,
        short,
    })
}

/// A cell's outcome, in full and in short.
#[derive(Debug, PartialEq, Eq, Deserialize)]
struct Cell {
    cell: String,
    short: String,
}

/// A matrix cell from its process: its own verdict, `hung` when it ran out of time, or an
/// error when it died without one.
fn outcome(ran: &Ran) -> Cell {
    if ran.status.is_none() {
        return Cell {
            cell: "hung".into(),
            short: "hung".into(),
        };
    }
    parse_last::<Cell>(ran).unwrap_or_else(|_| Cell {
        cell: format!(
            "error: the process died without a verdict ({})",
            ran.failure()
        ),
        short: "error: died".into(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cmd::Cmd;

    fn sh(script: &str) -> Ran {
        Cmd::new("sh").args(["-c", script]).run().unwrap()
    }

    #[test]
    fn cells_read_verdicts_and_deaths() {
        let ok = outcome(&sh(r#"echo '{"cell":"ok","short":"ok"}'"#));
        assert_eq!((ok.cell.as_str(), ok.short.as_str()), ("ok", "ok"));
        let died = outcome(&sh("echo 'fatal runtime error' >&2; exit 134"));
        assert!(died.cell.starts_with("error: the process died"), "{died:?}");
        assert_eq!(died.short, "error: died");
        let hung = Cmd::new("sleep")
            .args(["30"])
            .timeout(Duration::from_millis(20))
            .run()
            .unwrap();
        assert_eq!(outcome(&hung).cell, "hung");
    }
}

//! The reactor compatibility matrix: each backend in its own build on each `oneoff_probe::Case`,
//! each cell a process under the cell timeout.

use std::net::SocketAddr;
use std::time::Duration;

use oneoff_probe::{Case, Outcome, Request};
use serde::Serialize;

use super::probes::{Build, Launcher, parse_last};
use crate::cmd::Ran;
use oneoff_probe::BackendName;

/// One backend's row of the matrix, its cells in the order of [`Case::ALL`].
#[derive(Debug, Serialize)]
pub(crate) struct MatrixRow {
    pub(crate) backend: BackendName,
    pub(crate) cells: Vec<Outcome>,
}

impl MatrixRow {
    /// The outcome of `case`.
    pub(crate) fn cell(&self, case: Case) -> &Outcome {
        let column = Case::ALL
            .iter()
            .position(|c| *c == case)
            .expect("a case of the matrix");
        &self.cells[column]
    }
}

/// How many processes [`measure`] starts for `backends`, and how many of them fetch.
pub(crate) fn processes(backends: &[BackendName]) -> (u64, u64) {
    let fetches = [Case::TokioFetch, Case::AsyncIoFetch].len();
    let rows = backends.len() as u64;
    (rows * Case::ALL.len() as u64, rows * fetches as u64)
}

/// The matrix rows of `backends`.
pub(crate) fn measure(
    launch: &Launcher<'_>,
    backends: &[BackendName],
    fetch: SocketAddr,
) -> anyhow::Result<Vec<MatrixRow>> {
    let timeout = Duration::from_secs(launch.settings.cell_timeout_s);
    let mut rows = Vec::new();
    for backend in backends {
        let mut cells = Vec::new();
        for case in Case::ALL {
            let request = Request::Cell {
                backend: *backend,
                case,
                fetch,
            };
            let ran = launch.run(launch.probe(Build::of(*backend), &request, timeout))?;
            cells.push(outcome(&ran));
        }
        rows.push(MatrixRow {
            backend: *backend,
            cells,
        });
    }
    Ok(rows)
}

/// A cell's outcome from its process: its own verdict, `hung` when it ran out of time, or
/// `died` when it ended without one.
fn outcome(ran: &Ran) -> Outcome {
    if ran.status.is_none() {
        return Outcome::Hung;
    }
    parse_last::<Outcome>(ran).unwrap_or_else(|_| Outcome::Died(ran.failure()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{Cmd, sh};

    #[test]
    fn cells_read_verdicts_and_deaths() {
        assert_eq!(outcome(&sh(r#"echo '{"outcome":"ok"}'"#)), Outcome::Ok);
        let died = outcome(&sh("echo 'fatal runtime error' >&2; exit 134"));
        assert_eq!(
            died,
            Outcome::Died("exit status: 134: fatal runtime error".into())
        );
        let hung = Cmd::new("sleep")
            .args(["30"])
            .timeout(Duration::from_millis(20))
            .run()
            .unwrap();
        assert_eq!(outcome(&hung), Outcome::Hung);
    }
}

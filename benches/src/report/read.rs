//! Reading what `cargo bench` left: criterion's estimates (`<criterion>/**/new/`) and the run
//! records the benches write beside them (`<criterion>/oneoff-runs/*.json`, `record::Record`,
//! the one type for writing and reading them), joined so that each figure knows the run it came
//! from.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context as _;
use serde::Deserialize;

use crate::record::Record;

/// One of criterion's estimates, in nanoseconds.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct Estimate {
    pub(crate) point_estimate: f64,
    pub(crate) confidence_interval: Interval,
}

/// A 95% confidence interval, in nanoseconds.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct Interval {
    pub(crate) lower_bound: f64,
    pub(crate) upper_bound: f64,
}

/// One benchmark's figure and the run that wrote it.
#[derive(Debug, Clone)]
pub(crate) struct CriterionFigure {
    /// Criterion's median time per iteration.
    pub(crate) time: Estimate,
    /// When criterion wrote it, in Unix nanoseconds.
    pub(crate) written_ns: u64,
    /// The recorded run whose benchmark wrote exactly this file; `None` when no record
    /// names it (a run before records existed, or a record since lost).
    pub(crate) run: Option<String>,
}

/// Figures by `(workload, backend, variant)`.
pub(crate) type Figures = BTreeMap<(String, String, String), CriterionFigure>;

/// Everything read.
#[derive(Debug)]
pub(crate) struct Read {
    pub(crate) figures: Figures,
    pub(crate) runs: Vec<Record>,
}

/// Reads every figure under `criterion` and every run record, and gives each figure its run.
pub(crate) fn read(criterion: &Path) -> anyhow::Result<Read> {
    let runs = read_runs(&criterion.join("oneoff-runs"))?;
    let by_file: HashMap<(&str, u64), &str> = runs
        .iter()
        .flat_map(|record| {
            record.measured.iter().map(|measured| {
                (
                    (measured.id.as_str(), measured.estimates_mtime_ns),
                    record.run.as_str(),
                )
            })
        })
        .collect();
    let mut figures = Figures::new();
    for dir in new_dirs(criterion)? {
        let id: BenchmarkJson = read_json(&dir.join("benchmark.json"))?;
        let estimates_path = dir.join("estimates.json");
        let estimates: EstimatesJson = read_json(&estimates_path)?;
        let modified = fs::metadata(&estimates_path)?.modified()?;
        let written_ns = modified.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        });
        let mut parts = id.full_id.splitn(3, '/').map(str::to_owned);
        let (Some(workload), Some(backend), Some(variant)) =
            (parts.next(), parts.next(), parts.next())
        else {
            eprintln!(
                "skipping {}: not <workload>/<backend>/<variant>",
                id.full_id
            );
            continue;
        };
        let run = by_file
            .get(&(id.full_id.as_str(), written_ns))
            .map(|run| (*run).to_owned());
        figures.insert(
            (workload, backend, variant),
            CriterionFigure {
                time: estimates.median,
                written_ns,
                run,
            },
        );
    }
    Ok(Read { figures, runs })
}

/// One benchmark's id, from criterion's `benchmark.json`.
#[derive(Debug, Deserialize)]
struct BenchmarkJson {
    full_id: String,
}

/// The part of criterion's `estimates.json` the report uses.
#[derive(Debug, Deserialize)]
struct EstimatesJson {
    median: Estimate,
}

/// Every `new` folder under `criterion` that holds a `benchmark.json`.
fn new_dirs(criterion: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut dirs = vec![criterion.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", dir.display())),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
        if dir.file_name().is_some_and(|name| name == "new") && dir.join("benchmark.json").is_file()
        {
            found.push(dir);
        }
    }
    Ok(found)
}

/// Every run record in `folder`, oldest first; none when it does not exist.
fn read_runs(folder: &Path) -> anyhow::Result<Vec<Record>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", folder.display())),
    };
    let mut runs = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            runs.push(read_json::<Record>(&path)?);
        }
    }
    runs.sort_by_key(|record| record.started_unix_ns);
    Ok(runs)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes one benchmark's `new/` files as criterion does, and returns its estimates' time.
    fn criterion_writes(root: &Path, id: &str, median: f64) -> u64 {
        let dir = root.join(id).join("new");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("benchmark.json"),
            format!(r#"{{"full_id":"{id}"}}"#),
        )
        .unwrap();
        let estimate = format!(
            r#"{{"point_estimate":{median},"confidence_interval":{{"lower_bound":{median},"upper_bound":{median}}}}}"#
        );
        fs::write(
            dir.join("estimates.json"),
            format!(r#"{{"median":{estimate}}}"#),
        )
        .unwrap();
        let modified = fs::metadata(dir.join("estimates.json"))
            .unwrap()
            .modified()
            .unwrap();
        u64::try_from(modified.duration_since(UNIX_EPOCH).unwrap().as_nanos()).unwrap()
    }

    #[test]
    fn a_figure_belongs_to_the_run_that_wrote_exactly_its_file() {
        let root = tempfile::tempdir().unwrap();
        let oneoff = criterion_writes(root.path(), "ready/smol/oneshot", 10.0);
        let direct = criterion_writes(root.path(), "ready/smol/direct-oneshot", 9.0);
        fs::create_dir_all(root.path().join("oneoff-runs")).unwrap();
        // The run recorded both files, but the direct one with a time it no longer has: it
        // was written again since, by a run with no record.
        let record = format!(
            r#"{{"schema":"oneoff-bench-run/1","run":"r1","group":"ready","seed":3,"quick":false,
               "started_unix_ns":1,"finished_unix_ns":2,"order":[],
               "measured":[{{"id":"ready/smol/oneshot","estimates_mtime_ns":{oneoff}}},
                           {{"id":"ready/smol/direct-oneshot","estimates_mtime_ns":{}}}],
               "twins":[]}}"#,
            direct - 1
        );
        fs::write(root.path().join("oneoff-runs/r1-ready.json"), record).unwrap();
        let read = read(root.path()).unwrap();
        let figure = |variant: &str| {
            read.figures[&("ready".into(), "smol".into(), variant.to_owned())].clone()
        };
        assert_eq!(figure("oneshot").run.as_deref(), Some("r1"));
        assert_eq!(figure("oneshot").time.point_estimate, 10.0);
        assert_eq!(figure("direct-oneshot").run, None);
        assert_eq!(read.runs.len(), 1);
    }
}

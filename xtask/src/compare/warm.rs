//! Warm per-call figures, from the benches' own benchmarks (`benches/benches/yield.rs` and
//! `portal.rs`), one process per bench target: each figure is the median of a benchmark's
//! samples, their range its spread. Beside them, Python's reference, in rounds of processes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::probes::{Build, Launcher, report};
use super::settings::{Subject, Variant, Workload};
use super::spread::Figure;
use oneoff_probe::BackendName;

/// The calls in `TokioCompat` and their plain twins, timed in the same process.
const COMPAT: [(Variant, Variant); 2] = [
    (Variant::CompatOneShotReady, Variant::OneShotReady),
    (Variant::CompatReusedReady, Variant::ReusedReady),
];

/// One warm row, ns per call.
#[derive(Debug, Serialize)]
pub(crate) struct WarmRow {
    pub(crate) name: &'static str,
    #[serde(rename = "kind")]
    pub(crate) subject: Subject,
    /// Whether every figure a row needs was measured.
    pub(crate) ok: bool,
    pub(crate) error: Option<String>,
    /// Each call's median over its samples, and its spread.
    pub(crate) per_call_ns: BTreeMap<Variant, Figure>,
    /// What `TokioCompat` added to a ready call, on the backends that do not provide tokio.
    pub(crate) tokio_compat_added_ns: BTreeMap<Variant, Figure>,
}

/// How many processes [`measure`] starts: one per bench target, and Python's rounds.
pub(crate) fn processes(launch: &Launcher<'_>) -> u64 {
    let python = launch
        .python
        .map_or(0, |_| launch.settings.python_warm_rounds);
    Variant::bench_targets().len() as u64 + u64::from(python)
}

/// Every warm row: each backend's from the benches, then Python's.
pub(crate) fn measure(
    launch: &Launcher<'_>,
    backends: &[BackendName],
) -> anyhow::Result<Vec<WarmRow>> {
    let failed = run_benches(launch, backends)?;
    let mut rows: Vec<WarmRow> = backends
        .iter()
        .map(|backend| from_benches(launch.criterion.path(), *backend, &failed))
        .collect();
    if launch.python.is_some() {
        rows.push(python(launch)?);
    }
    Ok(rows)
}

/// Criterion's filter: exactly the benchmarks of `backends` that the report reads.
fn filter(backends: &[BackendName]) -> String {
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    let ids: Vec<String> = Variant::ALL
        .iter()
        .map(|variant| {
            let (_, group, id) = variant.bench();
            format!("{group}/({})/{id}", names.join("|"))
        })
        .collect();
    format!("^({})$", ids.join("|"))
}

/// Runs each bench target once on `backends`, into this run's own criterion folder; returns
/// the failure of each target that failed.
fn run_benches(
    launch: &Launcher<'_>,
    backends: &[BackendName],
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let s = launch.settings;
    let seconds = |ms: u64| format!("{:.3}", Duration::from_millis(ms).as_secs_f64());
    let mut failed = BTreeMap::new();
    for target in Variant::bench_targets() {
        let progress = launch.progress.clone();
        let cmd = launch
            .measured(Build::Bench(target))
            .args(["--bench", "--noplot", "--nresamples", "1000"])
            .args(["--warm-up-time", &seconds(s.bench_warm_up_ms)])
            .args(["--measurement-time", &seconds(s.bench_measurement_ms)])
            .args(["--sample-size", &s.bench_samples.to_string()])
            .args([filter(backends)])
            .env("CRITERION_HOME", Some(launch.criterion.path().as_os_str()))
            .timeout(Duration::from_secs(1800))
            .each_line(move |line| {
                if let Some(id) = line.split_whitespace().next().filter(|w| w.contains('/')) {
                    progress.set_message(format!("warm, the benches: {id}"));
                }
            });
        let ran = launch.run(cmd)?;
        if !ran.success() {
            failed.insert(target, ran.failure());
        }
    }
    Ok(failed)
}

/// A backend's row from the benches' samples; a figure it needs that is missing fails it.
fn from_benches(
    criterion: &Path,
    backend: BackendName,
    failed: &BTreeMap<&str, String>,
) -> WarmRow {
    let mut per_call_ns = BTreeMap::new();
    let mut error = None;
    for variant in Variant::ALL {
        match samples(criterion, variant, backend).and_then(Figure::of) {
            Some(figure) => {
                per_call_ns.insert(variant, figure);
            }
            // The compatible calls and their twins exist only where the backend lacks tokio.
            None if COMPAT
                .iter()
                .any(|pair| variant == pair.0 || variant == pair.1) => {}
            None => {
                let (target, group, id) = variant.bench();
                let why = failed.get(target).map_or("", String::as_str);
                error.get_or_insert(format!(
                    "the benches measured no {group}/{backend}/{id} {why}"
                ));
            }
        }
    }
    let tokio_compat_added_ns = COMPAT
        .iter()
        .filter_map(|(compat, plain)| {
            let added = per_call_ns.get(compat)?.minus(per_call_ns.get(plain)?);
            Some((*compat, added))
        })
        .collect();
    WarmRow {
        name: backend.name(),
        subject: Subject::Backend(backend),
        ok: error.is_none(),
        error: error.map(|e| e.trim_end().to_owned()),
        per_call_ns,
        tokio_compat_added_ns,
    }
}

/// What criterion keeps of a benchmark's samples.
#[derive(Deserialize)]
struct Samples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// The ns per call of each sample of `variant` on `backend`, from criterion's `sample.json`.
fn samples(criterion: &Path, variant: Variant, backend: BackendName) -> Option<Vec<f64>> {
    let (_, group, id) = variant.bench();
    let path = criterion.join(group).join(backend.name()).join(id);
    let text = fs::read_to_string(path.join("new/sample.json")).ok()?;
    let samples: Samples = serde_json::from_str(&text).ok()?;
    let per_call = samples.times.iter().zip(&samples.iters);
    Some(per_call.map(|(time, iters)| time / iters).collect())
}

/// Python's row: rounds of the reference script's `warm` mode, each a process that reports the
/// median of its batches; a figure is the median of the rounds, with their range.
fn python(launch: &Launcher<'_>) -> anyhow::Result<WarmRow> {
    let s = launch.settings;
    let (reps, target) = (
        s.python_warm_reps.to_string(),
        s.python_warm_target_us.to_string(),
    );
    let mut rounds: Vec<BTreeMap<Variant, f64>> = Vec::new();
    let mut error = None;
    for _ in 0..s.python_warm_rounds {
        let ran = launch.run(launch.python("warm", &["0", "0", &reps, &target]))?;
        match report(&ran) {
            Ok(round) => rounds.push(round),
            Err(failure) => {
                error = Some(failure);
                rounds.clear();
                break;
            }
        }
    }
    let per_call_ns = Variant::ALL
        .iter()
        .filter_map(|v| {
            let figure = Figure::of(rounds.iter().filter_map(|r| r.get(v).copied()).collect())?;
            Some((*v, figure))
        })
        .collect();
    Ok(WarmRow {
        name: Subject::PythonRun.name(Workload::Work),
        subject: Subject::PythonRun,
        ok: error.is_none(),
        error,
        per_call_ns,
        tokio_compat_added_ns: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_takes_exactly_the_benchmarks_the_report_reads() {
        let two = [BackendName::ALL[0], BackendName::ALL[2]];
        let (first, third) = (two[0].name(), two[1].name());
        let filter = filter(&two);
        assert!(filter.starts_with(&format!("^(yield1/({first}|{third})/oneshot|")));
        assert!(filter.contains(&format!("|portal/({first}|{third})/call|")));
        assert!(filter.ends_with(&format!("|compat/({first}|{third})/compat-reused)$")));
        assert_eq!(Variant::bench_targets(), ["yield", "portal"]);
    }

    #[test]
    fn a_row_reads_criterion_samples_and_compat_adds_the_difference() {
        let criterion = tempfile::tempdir().unwrap();
        let backend = BackendName::ALL[3];
        let write = |group: &str, id: &str, times: &str| {
            let dir = criterion.path().join(group).join(backend.name()).join(id);
            fs::create_dir_all(dir.join("new")).unwrap();
            let json =
                format!(r#"{{"sampling_mode":"Linear","iters":[10,20,30],"times":{times}}}"#);
            fs::write(dir.join("new/sample.json"), json).unwrap();
        };
        write("yield1", "oneshot", "[100,200,300]");
        write("yield1", "reused", "[50,200,150]");
        write("portal", "call", "[1000,2000,3000]");
        write("compat", "reused", "[60,120,180]");
        write("compat", "compat-reused", "[80,160,240]");
        let row = from_benches(criterion.path(), backend, &BTreeMap::new());
        assert!(row.ok, "{:?}", row.error);
        let reused = &row.per_call_ns[&Variant::ReusedYield];
        assert_eq!((reused.median, reused.min, reused.max), (5.0, 5.0, 10.0));
        assert!(reused.unsteady, "10 is more than 1.5 times 5");
        assert_eq!(
            row.tokio_compat_added_ns[&Variant::CompatReusedReady].median,
            2.0
        );
        assert!(
            !row.tokio_compat_added_ns
                .contains_key(&Variant::CompatOneShotReady)
        );
        // A figure every row needs, missing: the row fails and says which, and why.
        fs::remove_dir_all(criterion.path().join("portal")).unwrap();
        let failed = BTreeMap::from([("portal", "exit status: 101".to_owned())]);
        let row = from_benches(criterion.path(), backend, &failed);
        let error = row.error.unwrap();
        assert!(error.contains(&format!("portal/{backend}/call")), "{error}");
        assert!(error.ends_with("exit status: 101"), "{error}");
    }
}

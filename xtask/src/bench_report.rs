//! `cargo xtask bench-report`: turns criterion's estimates from `cargo bench` into
//! `target/oneoff/bench.md`, one table per workload with each oneoff variant divided by its
//! direct twin, and a list of every case where oneoff's overhead target does not hold.
//!
//! The benchmark ids are `<workload>/<backend>/<variant>` (see the `oneoff-benches` crate):
//! `oneshot` is compared with `direct-oneshot`, `reused` with `direct-reused`, and
//! `<workload>/none/floor` is the floor. Figures are criterion's own estimates, never
//! recomputed: the median of the per-iteration times of its samples, with its 95% confidence
//! interval. The median, not the slope criterion prints as `time:`, because on a shared machine
//! a burst of load from another process skews the slope through its longest samples (one
//! measured case read ×0.31 by slope and ×1.02 by median), while the median ignores a minority
//! of slow samples.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use serde::Deserialize;

use crate::environment;
use crate::workspace;

/// The overhead target: a oneoff variant may cost at most this ratio of its direct twin...
const MAX_RATIO: f64 = 1.05;
/// ... or at most this many nanoseconds more.
const MAX_GAP_NS: f64 = 1.0;

/// Workloads and backends in the order the report shows them; others follow by name.
const WORKLOADS: &[&str] = &["ready", "yield1", "yield10", "xthread", "work", "spawn"];
const BACKENDS: &[&str] = &[
    "tokio",
    "tokio-mt",
    "smol",
    "futures-lite",
    "pollster",
    "async-std",
];

/// Each oneoff variant and the direct variant it is divided by.
const PAIRS: &[(&str, &str)] = &[("oneshot", "direct-oneshot"), ("reused", "direct-reused")];

/// Reads `target/criterion` and writes `target/oneoff/bench.md`.
pub(crate) fn run() -> anyhow::Result<()> {
    let target = workspace::target_dir();
    let criterion = target.join("criterion");
    let results = read_estimates(&criterion)?;
    if results.is_empty() {
        bail!(
            "no criterion estimates under {}: run `cargo bench -p oneoff-benches` first",
            criterion.display()
        );
    }
    let report = render(&results, &Host::detect(&criterion, &results));
    let out = target.join("oneoff").join("bench.md");
    fs::create_dir_all(out.parent().expect("a file in a directory"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    fs::write(&out, &report.markdown).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote {} ({} benchmarks; overhead target holds in {} of {} cases)",
        out.display(),
        results.len(),
        report.cases - report.failures,
        report.cases,
    );
    Ok(())
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

/// One of criterion's estimates, in nanoseconds.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// One benchmark's figure and when criterion wrote it.
#[derive(Debug, Clone, Copy)]
struct Measured {
    time: Estimate,
    written: SystemTime,
}

/// Benchmark figures by `(workload, backend, variant)`.
type Results = BTreeMap<(String, String, String), Measured>;

/// Every `new/estimates.json` under `criterion`, by its benchmark id.
fn read_estimates(criterion: &Path) -> anyhow::Result<Results> {
    let mut results = Results::new();
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
            let id: BenchmarkJson = read_json(&dir.join("benchmark.json"))?;
            let estimates_path = dir.join("estimates.json");
            let estimates: EstimatesJson = read_json(&estimates_path)?;
            let written = fs::metadata(&estimates_path)?.modified()?;
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
            results.insert(
                (workload, backend, variant),
                Measured {
                    time: estimates.median,
                    written,
                },
            );
        }
    }
    Ok(results)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

/// Where and when the figures were measured.
#[derive(Debug)]
struct Host {
    cpu: String,
    cores: usize,
    revision: String,
    first: SystemTime,
    last: SystemTime,
    source: PathBuf,
}

impl Host {
    fn detect(criterion: &Path, results: &Results) -> Host {
        // The same record of machine and revision that `compare` puts beside its figures.
        let (cpu, cores, revision) = match environment::gather(&workspace::root()) {
            Ok(env) => (env.cpu, env.cores, env.git_revision),
            Err(err) => (format!("unknown ({err:#})"), 0, "unknown".to_owned()),
        };
        let times = results.values().map(|m| m.written);
        Host {
            cpu,
            cores,
            revision,
            first: times.clone().min().unwrap_or(UNIX_EPOCH),
            last: times.max().unwrap_or(UNIX_EPOCH),
            source: criterion.to_path_buf(),
        }
    }
}

/// The rendered report and the tally of the overhead target.
#[derive(Debug)]
struct Report {
    markdown: String,
    cases: usize,
    failures: usize,
}

/// One oneoff variant beside its direct twin.
#[derive(Debug)]
struct Case<'a> {
    workload: &'a str,
    backend: &'a str,
    variant: &'a str,
    oneoff: Estimate,
    direct: Estimate,
}

impl Case<'_> {
    fn ratio(&self) -> f64 {
        self.oneoff.point_estimate / self.direct.point_estimate
    }

    fn gap(&self) -> f64 {
        self.oneoff.point_estimate - self.direct.point_estimate
    }

    /// The target at criterion's point estimates.
    fn holds(&self) -> bool {
        self.ratio() <= MAX_RATIO || self.gap() <= MAX_GAP_NS
    }

    /// The target at the most favourable ends of both 95% intervals: when even this fails,
    /// the failure is not noise of the measurement.
    fn may_hold(&self) -> bool {
        let oneoff = self.oneoff.confidence_interval.lower_bound;
        let direct = self.direct.confidence_interval.upper_bound;
        oneoff <= direct * MAX_RATIO || oneoff - direct <= MAX_GAP_NS
    }
}

fn render(results: &Results, host: &Host) -> Report {
    let get = |workload: &str, backend: &str, variant: &str| {
        results
            .get(&(workload.to_owned(), backend.to_owned(), variant.to_owned()))
            .map(|m| m.time)
    };
    let workloads = ordered(results.keys().map(|(w, _, _)| w.as_str()), WORKLOADS);
    let (paired, other): (Vec<&str>, Vec<&str>) = workloads.into_iter().partition(|workload| {
        results
            .keys()
            .any(|(w, _, v)| w == workload && PAIRS.iter().any(|(_, direct)| v == direct))
    });

    let mut cases = Vec::new();
    for &workload in &paired {
        for backend in backends_of(results, workload) {
            for &(variant, direct) in PAIRS {
                if let (Some(oneoff), Some(direct)) = (
                    get(workload, backend, variant),
                    get(workload, backend, direct),
                ) {
                    cases.push(Case {
                        workload,
                        backend,
                        variant,
                        oneoff,
                        direct,
                    });
                }
            }
        }
    }
    let failures: Vec<&Case<'_>> = cases.iter().filter(|case| !case.holds()).collect();

    let mut md = String::new();
    let _ = writeln!(md, "# oneoff benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench-report` from criterion's estimates in `{}`, measured \
         between {} and {} on {} ({} cores) at revision {}.\n",
        host.source.display(),
        utc(host.first),
        utc(host.last),
        host.cpu,
        host.cores,
        host.revision,
    );
    let _ = writeln!(
        md,
        "Each figure is criterion's estimate of the median time per iteration (robust to \
         bursts of load from other processes; criterion's console prints the slope). `oneshot` starts a fresh runtime every iteration through \
         oneoff; `reused` runs on a runner kept for the benchmark; each is divided by the same \
         call written against the runtime's own API (`direct`). The floor is the workload's \
         future polled once with `Waker::noop()`.\n"
    );

    let _ = writeln!(md, "## Overhead target\n");
    let _ = writeln!(
        md,
        "oneoff may cost at most ×{MAX_RATIO} of the direct call, or at most {MAX_GAP_NS} ns \
         more. It holds in **{} of {}** cases.\n",
        cases.len() - failures.len(),
        cases.len(),
    );
    let enter = get("overhead", "oneoff-core", "enter").map(|e| e.point_estimate);
    if !failures.is_empty() {
        let _ = writeln!(
            md,
            "Where it fails. \"noise?\" means the target still holds at the favourable ends of \
             both 95% confidence intervals, so a rerun may pass. \"gap/enter\" is the gap in \
             units of `overhead/oneoff-core/enter`, the nested-call check every oneoff call \
             makes first{}: near 1, the check is the gap.\n",
            enter.map_or_else(String::new, |enter| format!(" ({})", ns(enter))),
        );
        let _ = writeln!(
            md,
            "| benchmark | oneoff | direct | ratio | gap | gap/enter | |\n\
             |---|---:|---:|---:|---:|---:|---|"
        );
        for case in &failures {
            let _ = writeln!(
                md,
                "| `{}/{}/{}` | {} | {} | ×{:.2} | {} | {} | {} |",
                case.workload,
                case.backend,
                case.variant,
                ns(case.oneoff.point_estimate),
                ns(case.direct.point_estimate),
                case.ratio(),
                signed_ns(case.gap()),
                enter.map_or_else(
                    || "–".to_owned(),
                    |enter| format!("{:.1}", case.gap() / enter)
                ),
                if case.may_hold() { "noise?" } else { "fails" },
            );
        }
        md.push('\n');
    }

    for &workload in &paired {
        let _ = writeln!(md, "## `{workload}`\n");
        match get(workload, "none", "floor") {
            Some(floor) => {
                let _ = writeln!(md, "Floor: {}.\n", with_interval(floor));
            }
            None => {
                let _ = writeln!(md, "Floor: not measured.\n");
            }
        }
        let _ = writeln!(
            md,
            "| backend | oneshot | direct | oneshot/direct | reused | direct | reused/direct |\n\
             |---|---:|---:|---:|---:|---:|---:|"
        );
        for backend in backends_of(results, workload) {
            let mut row = format!("| {backend} |");
            for &(variant, direct) in PAIRS {
                let oneoff = get(workload, backend, variant);
                let direct = get(workload, backend, direct);
                let ratio = match (oneoff, direct) {
                    (Some(o), Some(d)) => {
                        let case = Case {
                            workload,
                            backend,
                            variant,
                            oneoff: o,
                            direct: d,
                        };
                        let mark = if case.holds() { "" } else { " ✗" };
                        format!("×{:.3}{mark}", case.ratio())
                    }
                    _ => "–".to_owned(),
                };
                let _ = write!(
                    row,
                    " {} | {} | {} |",
                    opt_ns(oneoff),
                    opt_ns(direct),
                    ratio
                );
            }
            let _ = writeln!(md, "{row}");
        }
        md.push('\n');
    }

    for &workload in &other {
        let _ = writeln!(md, "## `{workload}`\n");
        let _ = writeln!(md, "| benchmark | time | 95% interval |\n|---|---:|---:|");
        for ((w, backend, variant), measured) in results {
            if w == workload {
                let interval = measured.time.confidence_interval;
                let _ = writeln!(
                    md,
                    "| `{w}/{backend}/{variant}` | {} | {} – {} |",
                    ns(measured.time.point_estimate),
                    ns(interval.lower_bound),
                    ns(interval.upper_bound),
                );
            }
        }
        md.push('\n');
    }

    Report {
        markdown: md,
        cases: cases.len(),
        failures: failures.len(),
    }
}

/// The backends measured in `workload` (the floor's `none` aside), in report order.
fn backends_of<'a>(results: &'a Results, workload: &str) -> Vec<&'a str> {
    ordered(
        results
            .keys()
            .filter(|(w, b, _)| w == workload && b != "none")
            .map(|(_, b, _)| b.as_str()),
        BACKENDS,
    )
}

/// The distinct `names`, those in `order` first and in its order, the rest by name.
fn ordered<'a>(names: impl Iterator<Item = &'a str>, order: &[&str]) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.collect();
    names.sort_by_key(|name| {
        (
            order
                .iter()
                .position(|known| known == name)
                .unwrap_or(order.len()),
            *name,
        )
    });
    names.dedup();
    names
}

/// A time in nanoseconds with three significant digits and a fitting unit.
fn ns(value: f64) -> String {
    let (value, unit) = match value.abs() {
        v if v < 1e3 => (value, "ns"),
        v if v < 1e6 => (value / 1e3, "µs"),
        v if v < 1e9 => (value / 1e6, "ms"),
        _ => (value / 1e9, "s"),
    };
    let decimals = match value.abs() {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {unit}")
}

fn signed_ns(value: f64) -> String {
    if value < 0.0 {
        format!("−{}", ns(-value))
    } else {
        format!("+{}", ns(value))
    }
}

fn opt_ns(estimate: Option<Estimate>) -> String {
    estimate.map_or_else(|| "–".to_owned(), |e| ns(e.point_estimate))
}

fn with_interval(estimate: Estimate) -> String {
    format!(
        "{} (95% interval {} – {})",
        ns(estimate.point_estimate),
        ns(estimate.confidence_interval.lower_bound),
        ns(estimate.confidence_interval.upper_bound),
    )
}

/// `time` as `YYYY-MM-DD HH:MM UTC` (the civil-from-days algorithm of Howard Hinnant's
/// `chrono`-compatible date algorithms, to need no date crate for one line).
fn utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (hour, minute) = (secs % 86_400 / 3_600, secs % 3_600 / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        let leap_day = UNIX_EPOCH + std::time::Duration::from_secs(1_709_210_096);
        assert_eq!(utc(leap_day), "2024-02-29 12:34 UTC");
    }

    #[test]
    fn times_read_in_fitting_units() {
        assert_eq!(ns(0.9123), "0.91 ns");
        assert_eq!(ns(12.34), "12.3 ns");
        assert_eq!(ns(10_021.4), "10.0 µs");
        assert_eq!(ns(191_497.0), "191 µs");
    }

    #[test]
    fn target_is_ratio_or_one_nanosecond() {
        let at = |point: f64| Estimate {
            point_estimate: point,
            confidence_interval: Interval {
                lower_bound: point * 0.99,
                upper_bound: point * 1.01,
            },
        };
        let case = |oneoff, direct| Case {
            workload: "ready",
            backend: "b",
            variant: "oneshot",
            oneoff: at(oneoff),
            direct: at(direct),
        };
        assert!(case(104.0, 100.0).holds());
        assert!(case(2.9, 2.0).holds(), "within 1 ns");
        assert!(!case(120.0, 100.0).holds());
        assert!(!case(120.0, 100.0).may_hold());
        assert!(
            case(106.0, 100.0).may_hold(),
            "intervals overlap the target"
        );
    }
}

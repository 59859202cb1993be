//! `bench-report` (run by `cargo xtask bench-report`): turns criterion's estimates from
//! `cargo bench` into `target/oneoff/bench.md`, one table per workload with each oneoff variant divided by its
//! direct twin, and the overhead target judged over every pair measured in one run.
//!
//! The benchmark ids are `<workload>/<backend>/<variant>` (see the `oneoff-benches` crate):
//! `oneshot` is compared with `direct-oneshot`, `reused` with `direct-reused`, and
//! `<workload>/none/floor` is the floor. Figures are criterion's own estimates, never
//! recomputed: the median of the per-iteration times of its samples, with its 95% confidence
//! interval. The median, not the slope criterion prints as `time:`, because on a shared machine
//! a burst of load from another process skews the slope through its longest samples (one
//! measured case read ×0.31 by slope and ×1.02 by median), while the median ignores a minority
//! of slow samples. A oneoff figure is divided only by a direct figure of the same recorded
//! run (`read.rs`); the target and the noise are judged in `analysis.rs`.

mod analysis;
mod read;
mod render;

use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};

use self::analysis::Analysis;
use crate::record::criterion_directory;

/// Reads criterion's output and the run records beside it, writes `bench.md` into the target
/// directory's `oneoff` folder, and returns a summary: the share of pairs that meet the
/// overhead target and the exceptions.
///
/// # Errors
///
/// When there are no estimates (`cargo bench` has not run), or a file cannot be read or
/// written.
///
/// # Examples
///
/// ```no_run
/// // After `cargo bench -p oneoff-benches`:
/// println!("{}", oneoff_benches::write_report()?);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn write_report() -> anyhow::Result<String> {
    let criterion = criterion_directory();
    let read = read::read(&criterion)?;
    if read.figures.is_empty() {
        bail!(
            "no criterion estimates under {}: run `cargo bench -p oneoff-benches` first",
            criterion.display()
        );
    }
    let analysis = Analysis::new(&read.figures, &read.runs);
    let markdown = render::markdown(&read.figures, &analysis, &criterion.display().to_string());
    let target = criterion.parent().unwrap_or(Path::new("."));
    let out = target.join("oneoff").join("bench.md");
    fs::create_dir_all(out.parent().expect("a file in a directory"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    fs::write(&out, markdown).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(format!(
        "wrote {} ({} benchmarks); {}",
        out.display(),
        read.figures.len(),
        render::summary(&analysis)
    ))
}

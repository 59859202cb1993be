//! `cargo xtask bench-report`: turns criterion's estimates from `cargo bench` into
//! `target/oneoff/bench.md`, one table per workload with each oneoff variant divided by its
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

use anyhow::{Context as _, bail};

use self::analysis::Analysis;
use self::render::Host;
use crate::environment;
use crate::workspace;

/// Reads criterion's output and writes `target/oneoff/bench.md`.
pub(crate) fn run() -> anyhow::Result<()> {
    let target = workspace::target_dir();
    let criterion = read::criterion_dir(&target);
    let read = read::read(&criterion)?;
    if read.figures.is_empty() {
        bail!(
            "no criterion estimates under {}: run `cargo bench -p oneoff-benches` first",
            criterion.display()
        );
    }
    let analysis = Analysis::new(&read.figures, &read.runs);
    // The same record of machine and revision that `compare` puts beside its figures.
    let host = match environment::gather(&workspace::root()) {
        Ok(env) => Host {
            cpu: env.cpu,
            cores: env.cores,
            revision: env.git_revision,
            source: criterion.display().to_string(),
        },
        Err(err) => Host {
            cpu: format!("unknown ({err:#})"),
            cores: 0,
            revision: "unknown".to_owned(),
            source: criterion.display().to_string(),
        },
    };
    let markdown = render::markdown(&read.figures, &analysis, &host);
    let out = target.join("oneoff").join("bench.md");
    fs::create_dir_all(out.parent().expect("a file in a directory"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    fs::write(&out, markdown).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote {} ({} benchmarks); {}",
        out.display(),
        read.figures.len(),
        render::summary(&analysis)
    );
    Ok(())
}

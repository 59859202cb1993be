//! `bench.md`: the target and its exceptions first, then one table per workload, then the
//! groups without pairs (`overhead`).

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::analysis::{
    Analysis, CHECK, DETECTOR, FigurePair, MAX_GAP_NS, MAX_RATIO, MIN_SHARE, PAIRS, TWIN_GAP_NS,
    TWIN_RATIO,
};
use super::read::{Estimate, Figures};

/// The whole report.
pub(crate) fn markdown(figures: &Figures, analysis: &Analysis<'_>, source: &str) -> String {
    let mut md = String::new();
    header(&mut md, analysis, source);
    target(&mut md, analysis);
    exceptions(&mut md, analysis);
    stale(&mut md, analysis);
    for &workload in &analysis.paired {
        workload_table(&mut md, figures, analysis, workload);
    }
    for &workload in &analysis.other {
        other_table(&mut md, figures, workload);
    }
    md
}

/// The one-paragraph summary printed on stdout.
pub(crate) fn summary(analysis: &Analysis<'_>) -> String {
    let mut out = target_sentence(analysis);
    for pair in analysis.exceptions() {
        let check = analysis.check.ns();
        let _ = write!(
            out,
            "\n  {}: ×{:.3}, {} after the check",
            pair.id(),
            pair.ratio(check),
            signed_ns(pair.gap(check))
        );
    }
    if !analysis.stale.is_empty() {
        let count = analysis.stale.len();
        let _ = write!(
            out,
            "\n  {count} {} left out: the two figures are not from one recorded run",
            if count == 1 { "pair" } else { "pairs" }
        );
    }
    out
}

fn header(md: &mut String, analysis: &Analysis<'_>, source: &str) {
    let _ = writeln!(md, "# oneoff benchmarks\n");
    // The newest run that recorded where it ran.
    let host = analysis.runs.iter().rev().find_map(|run| run.host.as_ref());
    let measured = host.map_or("on a machine its runs did not record".to_owned(), |host| {
        format!(
            "measured on {} ({} cores) at revision {}",
            host.cpu, host.cores, host.revision
        )
    });
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench-report` from criterion's estimates in `{source}`, \
         {measured}. Each figure is criterion's estimate of the median time per \
         iteration (robust to bursts of load from other processes; criterion's console prints \
         the slope). `oneshot` starts a fresh runtime every iteration through oneoff; `reused` \
         runs on a runner kept while it runs; each is divided by the same call written against \
         the runtime's own API (`direct`). The floor is the workload's future polled once with \
         `Waker::noop()`.\n",
    );
    if analysis.runs.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "Runs behind the paired figures (each group's benchmarks in an order shuffled from the \
         seed; `ONEOFF_BENCH_SEED=<seed>` repeats it):\n\n\
         | run | started | group | seed | mode |\n|---|---|---|---:|---|"
    );
    for run in &analysis.runs {
        let _ = writeln!(
            md,
            "| `{}` | {} | `{}` | {} | {} |",
            run.run,
            utc(UNIX_EPOCH + Duration::from_nanos(run.started_unix_ns)),
            run.group,
            run.seed,
            if run.quick { "quick" } else { "full" },
        );
    }
    md.push('\n');
}

/// The target's sentence: the share of pairs meeting it, and whether that is enough.
fn target_sentence(analysis: &Analysis<'_>) -> String {
    let pct = MIN_SHARE * 100.0;
    match analysis.share() {
        None => "no pair of figures comes from one recorded run: run `cargo bench -p \
                 oneoff-benches` to measure the target"
            .to_owned(),
        Some(share) => format!(
            "the rest of a oneoff call is at most ×{MAX_RATIO} or {MAX_GAP_NS} ns over the direct \
             call in {} of {} pairs ({:.0}%): target (at least {pct:.0}%{}) {}{}",
            analysis.meeting(),
            analysis.fresh.len(),
            share * 100.0,
            match analysis.check.within_detectors() {
                Some(_) => ", and the check at most its detectors",
                None => "",
            },
            if analysis.target_met() {
                "met"
            } else {
                "missed"
            },
            if analysis.quick() {
                " (in a quick run, not a full one)"
            } else {
                ""
            },
        ),
    }
}

fn target(md: &mut String, analysis: &Analysis<'_>) {
    let _ = writeln!(md, "## Overhead target\n");
    let check = &analysis.check;
    let check_id = CHECK.join("/");
    let detectors = format!("{}/*", DETECTOR.join("/"));
    let _ = writeln!(
        md,
        "The nested-call check costs at most its detectors (each measured alone in \
         `overhead.rs`), and the rest of a oneoff call (its time minus the check) is at most \
         ×{MAX_RATIO} or {MAX_GAP_NS} ns over the direct call, in at least {:.0}% of the pairs \
         of an order-shuffled full run.\n",
        MIN_SHARE * 100.0
    );
    let check_line = match (check.cost, check.detectors_ns()) {
        (Some(cost), Some(sum)) => {
            let each: Vec<String> = check
                .detectors
                .iter()
                .map(|(name, e)| format!("{name} {}", ns(e.point_estimate)))
                .collect();
            format!(
                "The check (`{check_id}`) costs {}; its detectors (`{detectors}`) {} together \
                 ({}): {}.",
                ns(cost.point_estimate),
                ns(sum),
                each.join(", "),
                if check.within_detectors() == Some(true) {
                    "holds"
                } else {
                    "**fails**"
                }
            )
        }
        (Some(cost), None) => format!(
            "The check (`{check_id}`) costs {}; its detectors were not measured (no \
             `{detectors}` benchmarks), so that half of the target is not judged.",
            ns(cost.point_estimate)
        ),
        (None, _) => format!(
            "The check (`{check_id}`) was not measured: the rest below is the whole oneoff call."
        ),
    };
    let _ = writeln!(md, "{check_line}\n");
    let mut sentence = target_sentence(analysis);
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let _ = writeln!(md, "{sentence}.\n");
}

fn exceptions(md: &mut String, analysis: &Analysis<'_>) {
    let exceptions = analysis.exceptions();
    if exceptions.is_empty() {
        return;
    }
    let check = analysis.check.ns();
    let _ = writeln!(
        md,
        "The exceptions. \"rest\" is the oneoff figure minus the check ({}). \"noise?\" means \
         the target still holds at the favourable ends of both 95% confidence intervals. \
         \"group\" says whether the group's identical twins agreed within ×{TWIN_RATIO} or \
         {TWIN_GAP_NS} ns.\n\n\
         | benchmark | oneoff | rest | direct | rest/direct | gap | | group |\n\
         |---|---:|---:|---:|---:|---:|---|---|",
        ns(check)
    );
    for pair in exceptions {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | ×{:.2} | {} | {} | {} |",
            pair.id(),
            ns(pair.oneoff.time.point_estimate),
            ns(pair.oneoff.time.point_estimate - check),
            ns(pair.direct.time.point_estimate),
            pair.ratio(check),
            signed_ns(pair.gap(check)),
            if pair.may_hold(check) {
                "noise?"
            } else {
                "fails"
            },
            noise_word(analysis.noisy(pair.workload)),
        );
    }
    md.push('\n');
}

fn noise_word(noisy: Option<bool>) -> &'static str {
    match noisy {
        Some(true) => "**noisy**",
        Some(false) => "quiet",
        None => "no twin",
    }
}

fn stale(md: &mut String, analysis: &Analysis<'_>) {
    if analysis.stale.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "## Pairs left out\n\nTheir two figures are not from one recorded run (a filtered rerun \
         replaced one of them, or they predate the run records), so they are not divided:\n\n\
         | benchmark | oneoff written | direct written |\n|---|---|---|"
    );
    let written = |pair_side: u64| utc(UNIX_EPOCH + Duration::from_nanos(pair_side));
    for pair in &analysis.stale {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} |",
            pair.id(),
            written(pair.oneoff.written_ns),
            written(pair.direct.written_ns),
        );
    }
    md.push('\n');
}

fn workload_table(md: &mut String, figures: &Figures, analysis: &Analysis<'_>, workload: &str) {
    let get = |backend: &str, variant: &str| {
        figures.get(&(workload.to_owned(), backend.to_owned(), variant.to_owned()))
    };
    let _ = writeln!(md, "## `{workload}`\n");
    match get("none", "floor") {
        Some(floor) => {
            let _ = writeln!(md, "Floor: {}.", with_interval(floor.time));
        }
        None => {
            let _ = writeln!(md, "Floor: not measured.");
        }
    }
    let twins: Vec<String> = analysis
        .twins
        .get(workload)
        .into_iter()
        .flatten()
        .map(|twin| {
            format!(
                "`{}` and `{}` ×{:.3}",
                twin.ids[0],
                twin.ids[1],
                twin.spread()
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "Identical twins: {}: {}.\n",
        if twins.is_empty() {
            "none measured in one run".to_owned()
        } else {
            twins.join(", ")
        },
        noise_word(analysis.noisy(workload)),
    );
    let _ = writeln!(
        md,
        "| backend | oneshot | direct | oneshot/direct | reused | direct | reused/direct |\n\
         |---|---:|---:|---:|---:|---:|---:|"
    );
    let check = analysis.check.ns();
    for backend in analysis.backends(figures, workload) {
        let mut row = format!("| {backend} |");
        for &variants in PAIRS {
            let (oneoff, direct) = (get(backend, variants.0), get(backend, variants.1));
            let ratio = match FigurePair::find(figures, workload, backend, variants) {
                Some(pair) => {
                    let mark = match (pair.run(), pair.holds(check)) {
                        (None, _) => " (stale)",
                        (Some(_), true) => "",
                        (Some(_), false) => " ✗",
                    };
                    let raw = pair.oneoff.time.point_estimate / pair.direct.time.point_estimate;
                    format!("×{raw:.3}{mark}")
                }
                None => "–".to_owned(),
            };
            let time = |f: Option<&super::read::CriterionFigure>| {
                f.map_or("–".into(), |f| ns(f.time.point_estimate))
            };
            let _ = write!(row, " {} | {} | {} |", time(oneoff), time(direct), ratio);
        }
        let _ = writeln!(md, "{row}");
    }
    md.push('\n');
}

fn other_table(md: &mut String, figures: &Figures, workload: &str) {
    let _ = writeln!(md, "## `{workload}`\n");
    let _ = writeln!(md, "| benchmark | time | 95% interval |\n|---|---:|---:|");
    for ((w, backend, variant), figure) in figures {
        if w == workload {
            let interval = figure.time.confidence_interval;
            let _ = writeln!(
                md,
                "| `{w}/{backend}/{variant}` | {} | {} – {} |",
                ns(figure.time.point_estimate),
                ns(interval.lower_bound),
                ns(interval.upper_bound),
            );
        }
    }
    md.push('\n');
}

/// A time in nanoseconds with three significant digits and a fitting unit.
pub(crate) fn ns(value: f64) -> String {
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

fn with_interval(estimate: Estimate) -> String {
    format!(
        "{} (95% interval {} – {})",
        ns(estimate.point_estimate),
        ns(estimate.confidence_interval.lower_bound),
        ns(estimate.confidence_interval.upper_bound),
    )
}

/// `time` as RFC 3339 to the second, in UTC.
fn utc(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_fitting_units() {
        assert_eq!(ns(0.9123), "0.91 ns");
        assert_eq!(ns(12.34), "12.3 ns");
        assert_eq!(ns(10_021.4), "10.0 µs");
        assert_eq!(ns(191_497.0), "191 µs");
    }
}

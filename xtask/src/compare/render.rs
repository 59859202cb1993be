//! The report as text: for the terminal, and as Markdown for `compare.md`. Both show the verdict
//! first, then the same tables from the same rows; the terminal's fit in
//! [`WIDTH`](super::text::WIDTH) columns (cells wrap, the matrix shows short labels explained
//! under it), the Markdown keeps every message whole.

use oneoff_probe::{Calls, Case, Variant};

use super::cold::ColdSummary;
use super::report::Report;
use super::settings::Kind;
use super::settings::{ProbeProfile, Workload};
use super::spread::{Figure, Spread, UNSTEADY};
use super::text::{Style, duration, optional, paragraph, per_call, sign, us};
use super::warm::WarmSummary;

/// The report for a terminal.
pub(crate) fn terminal(report: &Report) -> String {
    render(report, Style::Terminal)
}

/// The report as a Markdown page.
pub(crate) fn markdown(report: &Report) -> String {
    render(report, Style::Markdown)
}

fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    title(&mut out, report, style);
    verdict(&mut out, report, style);
    cold(&mut out, report, style, Workload::Work);
    warm(&mut out, report, style);
    reach(&mut out, report, style);
    footprint(&mut out, report, style);
    cold(&mut out, report, style, Workload::Fetch);
    fetch_warm(&mut out, report, style);
    matrix(&mut out, report, style);
    environment(&mut out, report, style);
    notes(&mut out, report, style);
    out
}

fn title(w: &mut String, report: &Report, style: Style) {
    let (s, env) = (&report.settings, &report.environment);
    let title = format!(
        "oneoff compare: work({}) with a {} delay and fetch({}), on {} ({} cores), git {}",
        s.arg,
        duration(s.delay_ns),
        s.arg,
        env.host,
        env.cores,
        env.git_revision
    );
    match style {
        Style::Terminal => paragraph(w, &title, "", ""),
        Style::Markdown => w.push_str(&format!("# {title}\n\n`{}`, {}\n", env.command, env.date)),
    }
    if s.probe_profile != ProbeProfile::Release {
        w.push('\n');
        let warning = "WARNING: the measurement binary was built without optimisations \
                       (--probe-profile dev): these figures are not representative";
        paragraph(w, warning, "", "");
    }
}

/// The verdict: for each situation, the pick, its figure and what is within noise of it.
fn verdict(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        "Verdict of this run: for each situation, the backend with the lowest figure; backends \
         whose spreads overlap its spread are within noise of it and not ranked",
    );
    for answer in &report.verdict {
        style.item(w, &format!("{}: {}", answer.question, answer.sentence()));
    }
    let spread = format!(
        "Spreads: warm figures are the median over {} rounds, each a fresh process, with the \
         fastest and slowest round; ! marks an unsteady figure, whose slowest round took more \
         than {UNSTEADY} times its fastest. Cold figures are the median over the samples with the \
         90th percentile; \"vs baseline\" has a 95% interval in compare.json.",
        report.settings.warm_rounds
    );
    w.push('\n');
    paragraph(w, &spread, "", "");
}

/// The cold rows of `workload`.
fn cold_rows(report: &Report, workload: Workload) -> impl Iterator<Item = &ColdSummary> {
    report
        .cold
        .iter()
        .filter(move |row| row.workload == workload)
}

/// Results and cold start-up of `workload`. `fetch`'s table has its in-process round trip
/// where `work`'s has runtime start (the same call in both); `compare.json` has both for both.
fn cold(w: &mut String, report: &Report, style: Style, workload: Workload) {
    let s = &report.settings;
    let heading = match workload {
        Workload::Work => format!(
            "work({}), results and cold start-up: µs, median (p90), each sample a fresh process \
             ({} samples per row{}, after {} discarded round)",
            s.arg,
            s.samples,
            if report.python.available {
                format!(", {} for Python", s.python_samples)
            } else {
                String::new()
            },
            s.discarded_rounds
        ),
        Workload::Fetch => format!(
            "fetch({}), results and cold start-up: one TCP round trip to a loopback server, each \
             backend on its own network stack (below), the baseline on blocking std::net; µs, \
             median (p90), each sample a fresh process ({} samples per row, interleaved with \
             work's)",
            s.arg, s.samples
        ),
    };
    style.heading(w, &heading);
    type Pick = fn(&ColdSummary) -> Option<Spread>;
    let (first_line, inside, inside_title): (_, Pick, _) = match workload {
        Workload::Work => (
            "start → first line",
            |row| row.construct_to_first_poll_ns,
            "runtime start",
        ),
        Workload::Fetch => ("start → answer", |row| row.round_trip_ns, "round trip"),
    };
    let header = [
        "row",
        "result",
        "n",
        first_line,
        "vs baseline",
        "whole process",
        inside_title,
        "teardown",
    ];
    let rows = cold_rows(report, workload).map(|row| {
        vec![
            row.name.to_owned(),
            match &row.error {
                None => format!("ok: {}", row.expected_result),
                Some(error) => format!("FAILED: {error}"),
            },
            row.samples.to_string(),
            spread_us(row.first_line_ns),
            row.first_line_above_baseline_ns
                .map_or("-".into(), |ns| match ns {
                    0 => "0".into(),
                    _ => format!("{}{}", sign(ns), us(ns.unsigned_abs())),
                }),
            spread_us(row.process_ns),
            spread_us(inside(row)),
            spread_us(row.teardown_ns),
        ]
    });
    style.table(w, &header, rows.collect());
}

/// The warm rows of `calls` (Python's with `work`'s).
fn warm_rows(report: &Report, calls: Calls) -> impl Iterator<Item = &WarmSummary> {
    report.warm.iter().filter(move |row| row.calls == calls)
}

/// Per-call cost of `work`, warm, each backend in its own build.
fn warm(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    style.heading(
        w,
        &format!(
            "work, per call, warm: ns per call, median (fastest–slowest round) over {} rounds, \
             each round a fresh process per row, rows interleaved; in each, the median of {} \
             batches of ~{} µs. Each backend in its own build: the facade's defaults plus its \
             feature",
            s.warm_rounds, s.warm_reps, s.warm_target_us
        ),
    );
    let variants = oneoff_probe::Calls::Work.variants();
    let mut header = vec!["row"];
    header.extend(variants.iter().map(|variant| variant.title()));
    let rows = warm_rows(report, Calls::Work).map(|row| {
        let mut cells = vec![row.name.to_owned()];
        match &row.error {
            None => cells.extend(
                variants
                    .iter()
                    .map(|v| figure_cell(row.per_call_ns.get(v), per_call)),
            ),
            Some(error) => cells.push(format!("FAILED: {error}")),
        }
        cells
    });
    style.table(w, &header, rows.collect());
}

/// The portal's round trip and what tokio compatibility adds to a call, each backend in the
/// all-backends build, beside Python's `run_coroutine_threadsafe`.
fn reach(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "work, from another thread and with tokio compatibility, warm: ns per call, median \
             (fastest–slowest round) over {} rounds, each backend in the all-backends build (its \
             runner's type is needed). Portal call: a ready future sent from the process's main \
             thread to a BlockingPortal of the backend, its output handed back (Python: \
             asyncio.run_coroutine_threadsafe(ready(), loop).result() to a loop on another \
             thread). TokioCompat: the ready calls in `TokioCompat<backend>`, and what that added \
             to the same call without it, timed moments apart in the same process",
            report.settings.warm_rounds
        ),
    );
    let header = [
        "row",
        "portal call",
        "one-shot, ready, in TokioCompat",
        "added",
        "reused runner, ready, in TokioCompat",
        "added",
    ];
    let python = report.warm.iter().filter(|row| row.kind == Kind::Python);
    let rows = warm_rows(report, Calls::Reach).chain(python).map(|row| {
        let mut cells = vec![row.name.to_owned()];
        if let Some(error) = &row.error {
            cells.push(format!("FAILED: {error}"));
            return cells;
        }
        let (figures, added) = (&row.per_call_ns, &row.tokio_compat_added_ns);
        cells.push(figure_cell(figures.get(&Variant::PortalCall), per_call));
        for compat in [Variant::CompatOneShotReady, Variant::CompatReusedReady] {
            cells.push(figure_cell(figures.get(&compat), per_call));
            cells.push(figure_cell(added.get(&compat), |ns| {
                format!("{}{}", if ns < 0.0 { "-" } else { "+" }, per_call(ns.abs()))
            }));
        }
        cells
    });
    style.table(w, &header, rows.collect());
}

/// Footprint and timer of `work`.
fn footprint(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "work, footprint and timer: threads, peak RSS (KiB, median), and how long the {} delay \
             took (µs, median (p90))",
            duration(report.settings.delay_ns)
        ),
    );
    let header = [
        "row",
        "threads during",
        "threads after",
        "peak RSS",
        "above baseline",
        "delay took",
    ];
    let rows = cold_rows(report, Workload::Work).map(|row| {
        vec![
            row.name.to_owned(),
            optional(row.threads_during),
            optional(row.threads_after),
            optional(row.peak_rss_kib.map(|rss| rss.median)),
            row.rss_above_baseline_kib.map_or("-".into(), |kib| {
                format!("{}{}", sign(kib), kib.unsigned_abs())
            }),
            spread_us(row.timer_ns),
        ]
    });
    style.table(w, &header, rows.collect());
}

/// Per-call cost of `fetch`, warm: one-shot and on a kept runner, beside blocking `std::net`.
fn fetch_warm(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "fetch, per call, warm: µs per call, median (fastest–slowest round) over {} rounds, \
             each backend in its own build; the baseline makes the same round trip with blocking \
             std::net",
            report.settings.warm_rounds
        ),
    );
    let header = ["row", "stack", "one-shot", "reused runner"];
    let as_us = |ns: f64| us(ns.round() as u64);
    let rows = warm_rows(report, Calls::Fetch).map(|row| {
        let stack = row.stack.unwrap_or("-");
        let mut cells = vec![
            row.name.to_owned(),
            match report.drivers.get(row.name) {
                Some(driver) => format!("{stack} ({driver})"),
                None => stack.to_owned(),
            },
        ];
        if let Some(error) = &row.error {
            cells.push(format!("FAILED: {error}"));
            return cells;
        }
        // The baseline's blocking call stands in both columns, as the floor of each.
        let blocking = row.per_call_ns.get(&Variant::BlockingFetch);
        for variant in [Variant::OneShotFetch, Variant::ReusedFetch] {
            cells.push(figure_cell(
                row.per_call_ns.get(&variant).or(blocking),
                as_us,
            ));
        }
        cells
    });
    style.table(w, &header, rows.collect());
}

/// The reactor compatibility matrix: full messages in Markdown, short labels in the terminal
/// with a legend under the table.
fn matrix(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "Reactor compatibility: each backend in its own build (the facade's defaults plus its \
             feature), each cell its own process, `hung` after {} s",
            report.settings.cell_timeout_s
        ),
    );
    let mut header = vec!["backend"];
    header.extend(Case::ALL.iter().map(|case| match style {
        Style::Terminal => case.short(),
        Style::Markdown => case.title(),
    }));
    let rows = report.matrix.rows.iter().map(|row| {
        let mut cells = vec![row.backend.name().to_owned()];
        cells.extend(row.cells.iter().map(|cell| match style {
            Style::Terminal => cell.label().to_owned(),
            Style::Markdown => cell.to_string(),
        }));
        cells
    });
    style.table(w, &header, rows.collect());
    if style == Style::Terminal {
        let mut used: Vec<_> = report
            .matrix
            .rows
            .iter()
            .flat_map(|row| &row.cells)
            .collect();
        used.sort_by_key(|cell| cell.label());
        used.dedup_by_key(|cell| cell.label());
        for cell in used {
            paragraph(
                w,
                cell.meaning(),
                &format!("  {:<22} ", cell.label()),
                &" ".repeat(25),
            );
        }
        paragraph(
            w,
            "full titles and messages: compare.md and compare.json",
            "  ",
            "  ",
        );
    }
}

/// Where and on what the figures were measured.
fn environment(w: &mut String, report: &Report, style: Style) {
    let env = &report.environment;
    style.heading(w, "Environment");
    let python = match (&report.python.version, &report.python.executable) {
        (Some(version), Some(executable)) => format!("{version} ({executable})"),
        _ => "absent".to_owned(),
    };
    let crates: Vec<String> = env
        .crates
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    let builds: Vec<String> = report
        .builds
        .iter()
        .map(|built| match built.cargo_flags.as_str() {
            "" => format!("{} ({} KiB)", built.build.name(), built.bytes / 1024),
            flags => format!(
                "{} ({flags}, {} KiB)",
                built.build.name(),
                built.bytes / 1024
            ),
        })
        .collect();
    let drivers: Vec<String> = report
        .drivers
        .iter()
        .map(|(backend, driver)| format!("{backend}: {driver}"))
        .collect();
    let drivers = if drivers.is_empty() {
        "none measured (only compio and monoio pick one)".to_owned()
    } else {
        drivers.join(", ")
    };
    for (key, value) in [
        ("host", env.host.clone()),
        ("cpu", format!("{} ({} cores)", env.cpu, env.cores)),
        ("os", env.os.clone()),
        ("rustc", env.rustc.clone()),
        ("crates", crates.join(", ")),
        ("python", python),
        ("probes", builds.join(", ")),
        ("drivers", drivers),
        ("priority", report.settings.priority.clone()),
        ("git", env.git_revision.clone()),
        ("date", env.date.clone()),
        ("command", env.command.clone()),
    ] {
        style.entry(w, key, &value);
    }
}

/// Failures and notes, when there are any.
fn notes(w: &mut String, report: &Report, style: Style) {
    if report.notes.is_empty() && report.failures.is_empty() {
        return;
    }
    style.heading(w, "Notes");
    let failures = report.failures.iter().map(|f| format!("FAILED {f}"));
    for line in failures.chain(report.notes.iter().cloned()) {
        style.item(w, &line);
    }
}

fn spread_us(spread: Option<Spread>) -> String {
    spread.map_or("-".into(), |s| format!("{} ({})", us(s.median), us(s.p90)))
}

/// A warm figure, `median (fastest–slowest)`, with `!` when it is unsteady.
fn figure_cell(figure: Option<&Figure>, show: impl Fn(f64) -> String) -> String {
    figure.map_or("-".into(), |f| {
        let mark = if f.unsteady { " !" } else { "" };
        format!("{}{mark} ({}–{})", show(f.median), show(f.min), show(f.max))
    })
}

#[cfg(test)]
mod tests;

//! The report as text, for the terminal and as Markdown (`compare.md`): the verdict first, then
//! the same tables from the same rows; the terminal's matrix shows short labels, explained
//! under it.

use oneoff_probe::Case;

use super::cold::ColdSummary;
use super::report::Report;
use super::settings::{ProbeProfile, Variant, Workload};
use super::spread::{Figure, Spread, UNSTEADY};
use super::text::{Style, duration, optional, paragraph, per_call, sign, us};

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
        "Spreads: warm figures are the median over the benches' {} samples of each benchmark \
         (Python's: over {} rounds, each a fresh process), with the fastest and slowest; ! marks \
         an unsteady figure, whose slowest sample took more than {UNSTEADY} times its fastest. \
         Cold figures are the median over the samples with the 90th percentile; \"vs baseline\" \
         has a 95% interval in compare.json.",
        report.settings.bench_samples, report.settings.python_warm_rounds
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

/// Results and cold start-up of `workload`; `fetch`'s table has its round trip where `work`'s
/// has runtime start.
fn cold(w: &mut String, report: &Report, style: Style, workload: Workload) {
    let s = &report.settings;
    let heading = match workload {
        Workload::Work => format!(
            "work({}), results and cold start-up: µs, median (p90), each sample a fresh process \
             ({} samples per row{}, after {} discarded round)",
            s.arg,
            s.samples,
            if report.python.is_some() {
                format!(", {} for Python", s.python_samples)
            } else {
                String::new()
            },
            s.discarded_rounds
        ),
        Workload::Fetch => format!(
            "fetch({}), results and cold start-up: one TCP round trip to a loopback server, each \
             backend on its own network stack (in brackets, with the I/O driver where the runtime \
             picks one), the baseline on blocking std::net; µs, median (p90), each sample a fresh \
             process ({} samples per row, interleaved with work's)",
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
        let driver = row
            .subject
            .backend()
            .and_then(|backend| report.drivers.get(backend.name()));
        let stack = row.stack.as_ref().map(|stack| match driver {
            Some(driver) => format!(" ({stack}, {driver})"),
            None => format!(" ({stack})"),
        });
        vec![
            format!("{}{}", row.name, stack.unwrap_or_default()),
            match &row.error {
                None => format!("ok: {}", row.expected_result),
                Some(error) => format!("FAILED: {error}"),
            },
            row.samples.to_string(),
            spread_us(row.first_line_ns),
            row.first_line_above_baseline_ns
                .map_or("-".into(), |ns| match ns {
                    0 => "0".into(),
                    _ => format!("{}{}", sign(ns as f64), us(ns.unsigned_abs())),
                }),
            spread_us(row.process_ns),
            spread_us(inside(row)),
            spread_us(row.teardown_ns),
        ]
    });
    style.table(w, &header, rows.collect());
}

/// The warm figures of `variants`, a row per backend and Python's, with what `TokioCompat`
/// added after each variant that has it.
fn warm_table(w: &mut String, report: &Report, style: Style, variants: &[Variant]) {
    let has_added = |v: &Variant| {
        report
            .warm
            .iter()
            .any(|r| r.tokio_compat_added_ns.contains_key(v))
    };
    let columns: Vec<(Variant, bool)> = variants
        .iter()
        .flat_map(|v| [(*v, false), (*v, true)])
        .filter(|(v, is_added)| !is_added || has_added(v))
        .collect();
    let mut header = vec!["row"];
    header.extend(
        columns
            .iter()
            .map(|(v, is_added)| if *is_added { "added" } else { v.title() }),
    );
    let rows = report.warm.iter().map(|row| {
        let mut cells = vec![row.name.to_owned()];
        if let Some(error) = &row.error {
            cells.push(format!("FAILED: {error}"));
            return cells;
        }
        cells.extend(columns.iter().map(|(variant, is_added)| match is_added {
            false => figure_cell(row.per_call_ns.get(variant), per_call),
            true => figure_cell(row.tokio_compat_added_ns.get(variant), |ns| {
                format!("{}{}", sign(ns), per_call(ns.abs()))
            }),
        }));
        cells
    });
    style.table(w, &header, rows.collect());
}

/// Per-call cost, warm: the benches' `yield1` figures, beside Python's.
fn warm(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    style.heading(
        w,
        &format!(
            "per call, warm, a future that yields once: ns per call, median (fastest–slowest \
             sample), measured by the benches (`yield1/<backend>/oneshot` and `reused`), every \
             backend in one build of the benches, each benchmark {} samples after {} ms of \
             warm-up; Python: asyncio.run and asyncio.Runner, over {} rounds",
            s.bench_samples, s.bench_warm_up_ms, s.python_warm_rounds
        ),
    );
    let variants = [Variant::OneShotYield, Variant::ReusedYield];
    warm_table(w, report, style, &variants);
}

/// The portal's round trip and what tokio compatibility adds to a call, beside Python's.
fn reach(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        "from another thread and with tokio compatibility, warm: ns per call, median \
         (fastest–slowest sample), measured by the benches (`portal/<backend>/call` and the \
         `compat` group). Portal call: a ready future sent from the bench's thread to a BlockingPortal of \
         the backend, its output handed back (Python: asyncio.run_coroutine_threadsafe(ready(), \
         loop).result() to a loop on another thread). TokioCompat: the ready calls in \
         `TokioCompat<backend>`, and what that added to the same call without it, on the \
         backends that do not provide tokio",
    );
    let variants = [
        Variant::PortalCall,
        Variant::CompatOneShotReady,
        Variant::CompatReusedReady,
    ];
    warm_table(w, report, style, &variants);
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
            row.rss_above_baseline_kib
                .map_or("-".into(), |kib| format!("{kib:+}")),
            spread_us(row.timer_ns),
        ]
    });
    style.table(w, &header, rows.collect());
}

/// The reactor compatibility matrix: full messages in Markdown, short labels and a legend in
/// the terminal.
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
        Style::Terminal => case.titles().1,
        Style::Markdown => case.titles().0,
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
    let python = report
        .python
        .as_ref()
        .map_or("absent".to_owned(), |python| {
            format!("{} ({})", python.version, python.executable.display())
        });
    let crates: Vec<String> = env
        .crates
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    let builds: Vec<String> = report
        .builds
        .iter()
        .map(|built| format!("{} ({} KiB)", built.build.name(), built.bytes / 1024))
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
        ("builds", builds.join(", ")),
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

//! The report as tables: for the terminal, and as Markdown for `compare.md`. Both show the
//! same tables from the same rows; only the borders differ.

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets};

use super::report::{ColdSummary, Report, Spread};
use super::settings::ProbeProfile;

/// The report for a terminal.
pub(crate) fn terminal(report: &Report) -> String {
    render(report, Style::Terminal)
}

/// The report as a Markdown page.
pub(crate) fn markdown(report: &Report) -> String {
    render(report, Style::Markdown)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Terminal,
    Markdown,
}

impl Style {
    fn table(self, header: Vec<String>) -> Table {
        let mut table = Table::new();
        match self {
            Style::Terminal => table
                .load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic),
            Style::Markdown => table.load_style(presets::ASCII_MARKDOWN),
        };
        table.set_header(header);
        table
    }

    fn heading(self, out: &mut String, text: &str) {
        match self {
            Style::Terminal => writeln!(out, "\n{text}"),
            Style::Markdown => writeln!(out, "\n## {text}\n"),
        }
        .expect("writing to a String");
    }
}

fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    title(&mut out, report, style);
    cold(&mut out, report, style);
    warm(&mut out, report, style);
    footprint(&mut out, report, style);
    matrix(&mut out, report, style);
    environment(&mut out, report, style);
    notes(&mut out, report, style);
    out
}

fn title(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    let env = &report.environment;
    let title = format!(
        "oneoff compare: work({}) with a {} delay, on {} ({} cores), git {}",
        s.arg,
        duration(s.delay_ns),
        env.host,
        env.cores,
        env.git_revision
    );
    match style {
        Style::Terminal => writeln!(w, "{title}"),
        Style::Markdown => writeln!(w, "# {title}\n\n`{}`, {}", env.command, env.date),
    }
    .expect("writing to a String");
    if s.probe_profile != ProbeProfile::Release {
        writeln!(
            w,
            "\nWARNING: the measurement binary was built without optimisations \
             (--probe-profile dev): these figures are not representative"
        )
        .expect("writing to a String");
    }
}

/// Results and cold start-up.
fn cold(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    style.heading(
        w,
        &format!(
            "Results and cold start-up: µs, median (p90), each sample a fresh process \
             ({} samples per row{}, after {} discarded round)",
            s.samples,
            if report.python.available {
                format!(", {} for Python", s.python_samples)
            } else {
                String::new()
            },
            s.discarded_rounds
        ),
    );
    let mut table = style.table(headers(&[
        "row",
        "result",
        "n",
        "start → first line",
        "vs baseline",
        "whole process",
        "runtime start",
        "teardown",
    ]));
    for row in &report.cold {
        table.add_row(vec![
            row.name.clone(),
            result(row),
            row.samples.to_string(),
            spread_us(row.first_line_ns),
            row.first_line_above_baseline_ns
                .map_or("-".into(), |ns| match ns {
                    0 => "0".into(),
                    _ => format!("{}{}", sign(ns), us(ns.unsigned_abs())),
                }),
            spread_us(row.process_ns),
            spread_us(row.construct_to_first_poll_ns),
            spread_us(row.teardown_ns),
        ]);
    }
    writeln!(w, "{table}").expect("writing to a String");
}

/// Per-call cost, warm.
fn warm(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "Per call, warm: ns per call, median of {} repetitions in one process",
            report.settings.warm_reps
        ),
    );
    let mut table = style.table(headers(&[
        "row",
        "one-shot, ready",
        "one-shot, yields once",
        "reused runner, ready",
        "reused runner, yields once",
    ]));
    for row in &report.warm {
        let mut cells = vec![row.name.clone()];
        match (&row.per_call_ns, &row.error) {
            (Some(f), _) => cells.extend(
                [
                    f.one_shot_ready_ns,
                    f.one_shot_yield_ns,
                    f.reused_ready_ns,
                    f.reused_yield_ns,
                ]
                .map(per_call),
            ),
            (None, error) => cells.push(format!("FAILED: {}", error.as_deref().unwrap_or("?"))),
        }
        table.add_row(cells);
    }
    writeln!(w, "{table}").expect("writing to a String");
}

/// Footprint and timer.
fn footprint(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "Footprint and timer: threads, peak RSS (KiB), and how long the {} delay took (µs, median (p90))",
            duration(report.settings.delay_ns)
        ),
    );
    let mut table = style.table(headers(&[
        "row",
        "threads during",
        "threads after",
        "peak RSS",
        "above baseline",
        "delay took",
    ]));
    for row in &report.cold {
        table.add_row(vec![
            row.name.clone(),
            optional(row.threads_during),
            optional(row.threads_after),
            optional(row.peak_rss_kib),
            row.rss_above_baseline_kib.map_or("-".into(), |kib| {
                format!("{}{}", sign(kib), kib.unsigned_abs())
            }),
            spread_us(row.timer_ns),
        ]);
    }
    writeln!(w, "{table}").expect("writing to a String");
}

/// The reactor compatibility matrix.
fn matrix(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "Reactor compatibility: each cell its own process, `hung` after {} s",
            report.settings.cell_timeout_s
        ),
    );
    let mut header = vec!["backend".to_owned()];
    header.extend(report.matrix.cases.iter().map(|case| case.title.to_owned()));
    let mut table = style.table(header);
    for row in &report.matrix.rows {
        let mut cells = vec![row.backend.clone()];
        cells.extend(row.cells.iter().cloned());
        table.add_row(cells);
    }
    writeln!(w, "{table}").expect("writing to a String");
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
    for (key, value) in [
        ("host", env.host.clone()),
        ("cpu", format!("{} ({} cores)", env.cpu, env.cores)),
        ("os", env.os.clone()),
        ("rustc", env.rustc.clone()),
        ("crates", crates.join(", ")),
        ("python", python),
        ("priority", report.settings.priority.clone()),
        ("git", env.git_revision.clone()),
        ("date", env.date.clone()),
        ("command", env.command.clone()),
    ] {
        match style {
            Style::Terminal => writeln!(w, "  {key:<8} {value}"),
            Style::Markdown => writeln!(w, "- **{key}**: {value}"),
        }
        .expect("writing to a String");
    }
}

/// Failures and notes, when there are any.
fn notes(w: &mut String, report: &Report, style: Style) {
    if report.notes.is_empty() && report.failures.is_empty() {
        return;
    }
    style.heading(w, "Notes");
    for line in report
        .failures
        .iter()
        .map(|f| format!("FAILED {f}"))
        .chain(report.notes.iter().cloned())
    {
        match style {
            Style::Terminal => writeln!(w, "  {line}"),
            Style::Markdown => writeln!(w, "- {line}"),
        }
        .expect("writing to a String");
    }
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn result(row: &ColdSummary) -> String {
    match &row.error {
        None => format!("ok: {}", row.expected_result),
        Some(error) => format!("FAILED: {error}"),
    }
}

fn sign(value: i64) -> &'static str {
    if value < 0 { "-" } else { "+" }
}

fn optional(value: Option<u64>) -> String {
    value.map_or("-".into(), |v| v.to_string())
}

/// Nanoseconds as microseconds with about three significant digits.
fn us(ns: u64) -> String {
    let us = ns as f64 / 1000.0;
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

fn spread_us(spread: Option<Spread>) -> String {
    spread.map_or("-".into(), |s| format!("{} ({})", us(s.median), us(s.p90)))
}

fn per_call(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

fn duration(ns: u64) -> String {
    humantime::format_duration(std::time::Duration::from_nanos(ns)).to_string()
}

#[cfg(test)]
mod tests {
    use super::us;

    #[test]
    fn microseconds_keep_three_digits() {
        assert_eq!(us(1_234_567), "1235");
        assert_eq!(us(12_345), "12.3");
        assert_eq!(us(1_234), "1.23");
    }
}

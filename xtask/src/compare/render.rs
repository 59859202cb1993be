//! The report as tables: for the terminal, and as Markdown for `compare.md`. Both show the
//! same tables from the same rows; the terminal's fit in [`WIDTH`](super::text::WIDTH) columns (cells wrap, the
//! matrix shows short labels explained under it), the Markdown keeps every message whole.

use std::fmt::Write;

use super::report::{ColdSummary, Report, Spread, WarmSummary};
use super::settings::{ProbeProfile, Workload};
use super::text::{Style, duration, headers, optional, paragraph, per_call, sign, us};

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
    let s = &report.settings;
    let env = &report.environment;
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
        Style::Markdown => {
            writeln!(w, "# {title}\n\n`{}`, {}", env.command, env.date)
                .expect("writing to a String");
        }
    }
    if s.probe_profile != ProbeProfile::Release {
        w.push('\n');
        paragraph(
            w,
            "WARNING: the measurement binary was built without optimisations \
             (--probe-profile dev): these figures are not representative",
            "",
            "",
        );
    }
}

/// The cold rows of `workload`.
fn cold_rows(report: &Report, workload: Workload) -> impl Iterator<Item = &ColdSummary> {
    report
        .cold
        .iter()
        .filter(move |row| row.workload == workload)
}

/// Results and cold start-up of `workload`. `fetch`'s table has its in-process round trip
/// where `work`'s has runtime start (the same call in both, before either workload begins);
/// `compare.json` has both for both.
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
    let (first_line, inside, inside_title): (_, fn(&ColdSummary) -> Option<Spread>, _) =
        match workload {
            Workload::Work => (
                "start → first line",
                |row| row.construct_to_first_poll_ns,
                "runtime start",
            ),
            Workload::Fetch => ("start → answer", |row| row.round_trip_ns, "round trip"),
        };
    let header = headers(&[
        "row",
        "result",
        "n",
        first_line,
        "vs baseline",
        "whole process",
        inside_title,
        "teardown",
    ]);
    let rows = cold_rows(report, workload).map(|row| {
        vec![
            row.name.clone(),
            result(row),
            row.samples.to_string(),
            spread_us(row.first_line_ns),
            above_baseline(row),
            spread_us(row.process_ns),
            spread_us(inside(row)),
            spread_us(row.teardown_ns),
        ]
    });
    style.table(w, header, rows.collect());
}

/// The paired difference to the baseline, signed.
fn above_baseline(row: &ColdSummary) -> String {
    row.first_line_above_baseline_ns
        .map_or("-".into(), |ns| match ns {
            0 => "0".into(),
            _ => format!("{}{}", sign(ns), us(ns.unsigned_abs())),
        })
}

/// Per-call cost of `work`, warm: each backend in its own build and with every detector,
/// side by side.
fn warm(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    style.heading(
        w,
        &format!(
            "work, per call, warm: ns per call, median over {} rounds (each round a fresh process per row, \
             rows interleaved; in each, the median of {} batches of ~{} µs). Default features: the \
             facade's defaults plus the backend's feature; every detector: all of its features",
            s.warm_rounds, s.warm_reps, s.warm_target_us
        ),
    );
    let header = headers(&[
        "row",
        "build",
        "one-shot, ready",
        "one-shot, yields once",
        "reused runner, ready",
        "reused runner, yields once",
    ]);
    let rows = warm_rows(report, Workload::Work).map(|row| {
        let build = match row.config {
            None => "-",
            Some(_) if row.every_detector() => "every detector",
            Some(_) => "default features",
        };
        let mut cells = vec![row.name.clone(), build.to_owned()];
        cells.extend(warm_cells(row));
        cells
    });
    style.table(w, header, rows.collect());
}

/// The portal's round trip and what tokio compatibility adds to a call, each backend in its
/// own build, beside Python's `run_coroutine_threadsafe`.
fn reach(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "work, from another thread and with tokio compatibility, warm: ns per call, median \
             over {} rounds, each backend in its own build (the processes of the rows \
             \"default features\" above). Portal call: a ready future sent from the process's \
             main thread to a BlockingPortal of the backend, its output handed back (Python: \
             asyncio.run_coroutine_threadsafe(ready(), loop).result() to a loop running on \
             another thread). TokioCompat: the ready calls above, in TokioCompat<backend>, and \
             what that added (the median over rounds of each process's difference)",
            report.settings.warm_rounds
        ),
    );
    let header = headers(&[
        "row",
        "portal call",
        "one-shot, ready, in TokioCompat",
        "added",
        "reused runner, ready, in TokioCompat",
        "added",
    ]);
    let rows = warm_rows(report, Workload::Work)
        .filter(|row| !row.every_detector())
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            match (&row.per_call_ns, &row.error) {
                (Some(f), _) => {
                    let added = row.tokio_compat_added_ns;
                    cells.extend([
                        per_call_cell(f.portal_call_ns),
                        per_call_cell(f.compat_one_shot_ready_ns),
                        added_cell(added.map(|a| a.one_shot_ready_ns)),
                        per_call_cell(f.compat_reused_ready_ns),
                        added_cell(added.map(|a| a.reused_ready_ns)),
                    ]);
                }
                (None, error) => cells.push(failed(error)),
            }
            cells
        });
    style.table(w, header, rows.collect());
}

/// A signed difference in ns per call.
fn added_cell(ns: Option<f64>) -> String {
    ns.map_or("-".into(), |ns| {
        let sign = if ns < 0.0 { "-" } else { "+" };
        format!("{sign}{}", per_call(ns.abs()))
    })
}

/// The warm rows of `workload`.
fn warm_rows(report: &Report, workload: Workload) -> impl Iterator<Item = &WarmSummary> {
    report
        .warm
        .iter()
        .filter(move |row| row.workload == workload)
}

fn warm_cells(row: &WarmSummary) -> Vec<String> {
    match (&row.per_call_ns, &row.error) {
        (Some(f), _) => [
            f.one_shot_ready_ns,
            f.one_shot_yield_ns,
            f.reused_ready_ns,
            f.reused_yield_ns,
        ]
        .map(per_call_cell)
        .to_vec(),
        (None, error) => vec![failed(error)],
    }
}

fn failed(error: &Option<String>) -> String {
    format!("FAILED: {}", error.as_deref().unwrap_or("?"))
}

fn per_call_cell(ns: Option<f64>) -> String {
    ns.map_or("-".into(), per_call)
}

/// Footprint and timer of `work`.
fn footprint(w: &mut String, report: &Report, style: Style) {
    style.heading(
        w,
        &format!(
            "work, footprint and timer: threads, peak RSS (KiB), and how long the {} delay took (µs, median (p90))",
            duration(report.settings.delay_ns)
        ),
    );
    let header = headers(&[
        "row",
        "threads during",
        "threads after",
        "peak RSS",
        "above baseline",
        "delay took",
    ]);
    let rows = cold_rows(report, Workload::Work).map(|row| {
        vec![
            row.name.clone(),
            optional(row.threads_during),
            optional(row.threads_after),
            optional(row.peak_rss_kib),
            row.rss_above_baseline_kib.map_or("-".into(), |kib| {
                format!("{}{}", sign(kib), kib.unsigned_abs())
            }),
            spread_us(row.timer_ns),
        ]
    });
    style.table(w, header, rows.collect());
}

/// Per-call cost of `fetch`, warm: one-shot and on a kept runner, beside blocking `std::net`.
fn fetch_warm(w: &mut String, report: &Report, style: Style) {
    let s = &report.settings;
    style.heading(
        w,
        &format!(
            "fetch, per call, warm: µs per call, median over {} rounds, each backend in its own \
             build; the baseline makes the same round trip with blocking std::net",
            s.warm_rounds
        ),
    );
    let header = headers(&["row", "stack", "one-shot", "reused runner"]);
    let rows = warm_rows(report, Workload::Fetch).map(|row| {
        let stack = row.stack.unwrap_or("-");
        let mut cells = vec![
            row.name.clone(),
            match &row.driver {
                Some(driver) => format!("{stack} ({driver})"),
                None => stack.to_owned(),
            },
        ];
        match (&row.per_call_ns, &row.error) {
            (Some(f), _) => {
                // The baseline's blocking call stands in both columns, as the floor of each.
                let one_shot = f.one_shot_fetch_ns.or(f.blocking_fetch_ns);
                let reused = f.reused_fetch_ns.or(f.blocking_fetch_ns);
                cells.extend([one_shot, reused].map(|ns| ns.map_or("-".into(), ns_as_us)));
            }
            (None, error) => cells.push(failed(error)),
        }
        cells
    });
    style.table(w, header, rows.collect());
}

/// Nanoseconds as microseconds with about three significant digits.
fn ns_as_us(ns: f64) -> String {
    us(ns.round() as u64)
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
    let mut header = vec!["backend".to_owned()];
    header.extend(report.matrix.cases.iter().map(|case| match style {
        Style::Terminal => case.short.to_owned(),
        Style::Markdown => case.title.to_owned(),
    }));
    let rows = report.matrix.rows.iter().map(|row| {
        let mut cells = vec![row.backend.clone()];
        match style {
            Style::Terminal => cells.extend(row.short.iter().cloned()),
            Style::Markdown => cells.extend(row.cells.iter().cloned()),
        }
        cells
    });
    style.table(w, header, rows.collect());
    if style == Style::Terminal {
        let mut used: Vec<&str> = report
            .matrix
            .rows
            .iter()
            .flat_map(|row| row.short.iter().map(String::as_str))
            .collect();
        used.sort_unstable();
        used.dedup();
        for label in used {
            paragraph(
                w,
                &legend(label),
                &format!("  {label:<22} "),
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

/// What a short matrix label means.
fn legend(label: &str) -> String {
    match label {
        "ok" => "the future ran and returned the right value".into(),
        "n/a" => "the backend cannot spawn (oneoff::spawn returns Unsupported)".into(),
        "hung" => "no answer within the cell timeout: a deadlock or a hang".into(),
        "error: nested" => {
            "oneoff returned Error::Nested: it refused to block inside running async code".into()
        }
        "panic: no reactor" => {
            "tokio panicked: \"there is no reactor running, must be called from the context of a \
             Tokio 1.x runtime\""
                .into()
        }
        "panic: nested runtime" => {
            "tokio panicked: \"Cannot start a runtime from within a runtime\"".into()
        }
        "error: died" => "the process died without a verdict".into(),
        "error: io" => "the fetch's round trip to the loopback server failed".into(),
        "error: no server" => "the cell was not given the loopback server's address".into(),
        other => match other.split_once(": ") {
            Some(("error", what)) => format!("oneoff returned an error ({what})"),
            _ if other.starts_with("panic") => "the future panicked".into(),
            _ => "see compare.md".into(),
        },
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
        .map(|build| match build.cargo_flags.as_str() {
            "" => build.config.clone(),
            flags => format!("{} ({flags})", build.config),
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
    for line in report
        .failures
        .iter()
        .map(|f| format!("FAILED {f}"))
        .chain(report.notes.iter().cloned())
    {
        style.item(w, &line);
    }
}

fn result(row: &ColdSummary) -> String {
    match &row.error {
        None => format!("ok: {}", row.expected_result),
        Some(error) => format!("FAILED: {error}"),
    }
}

fn spread_us(spread: Option<Spread>) -> String {
    spread.map_or("-".into(), |s| format!("{} ({})", us(s.median), us(s.p90)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::Duration;

    use oneoff::Backend;

    use super::*;
    use crate::compare::children::Python;
    use crate::compare::cold::{ColdRow, ColdSample, Inside};
    use crate::compare::matrix::{CASES, MatrixRow};
    use crate::compare::measure::{self, Measured, ServerUse, Stages};
    use crate::compare::probes::{Build, Config};
    use crate::compare::settings::Settings;
    use crate::compare::warm::{WarmFigures, WarmRow};
    use crate::environment::Environment;

    /// A message as long as the real ones, to fill cells and notes.
    const LONG: &str = "cannot block on a future with futures-lite from inside a running tokio \
        current-thread runtime: blocking here would panic or deadlock; .await the future instead";

    /// A report with every kind of row and the longest texts compare produces: every backend on
    /// both workloads, Python, a failed cold row of each workload, a failed warm row of each,
    /// full error messages in every matrix cell, labels the legend does not know, drivers, a
    /// long command line and notes.
    fn worst_case() -> Report {
        let backends = Backend::ALL;
        let inside = Inside {
            result: 10_000,
            construct_to_first_poll_ns: Some(123_456_789),
            timer_ns: Some(1_234_567_890),
            round_trip_ns: Some(1_234_567_890),
            teardown_ns: Some(98_765_432),
            threads_during: Some(12),
            threads_after: Some(11),
            peak_rss_kib: Some(123_456_789),
        };
        let sample = |round| ColdSample {
            round,
            first_line: Duration::from_micros(123_456_789),
            process: Duration::from_micros(987_654_321),
            inside: inside.clone(),
        };
        let subjects = measure::cold_subjects(backends, true);
        let cold: Vec<ColdRow> = subjects
            .iter()
            .enumerate()
            .map(|(index, subject)| ColdRow {
                subject: *subject,
                samples: (0..200).map(sample).collect(),
                error: (index == 2 || index + 1 == subjects.len())
                    .then(|| format!("the process failed (exit status: 101: {LONG})")),
            })
            .collect();
        let figures = WarmFigures {
            one_shot_ready_ns: Some(123_456_789.0),
            one_shot_yield_ns: Some(123_456_789.0),
            reused_ready_ns: Some(0.7),
            reused_yield_ns: Some(1_234.5),
            portal_call_ns: Some(123_456_789.0),
            // The widest differences to the plain calls, either way.
            compat_one_shot_ready_ns: Some(0.7),
            compat_reused_ready_ns: Some(123_456_789.0),
            one_shot_fetch_ns: Some(123_456_789.0),
            reused_fetch_ns: Some(123_456_789.0),
            blocking_fetch_ns: Some(123_456_789.0),
        };
        let mut warm: Vec<WarmRow> = crate::compare::warm::subjects(backends, true)
            .into_iter()
            .map(|subject| WarmRow {
                subject,
                rounds: vec![figures; 5],
                // Disagreeing rounds: the longest a driver cell gets.
                drivers: match subject.name().as_str() {
                    "compio" | "monoio" => vec!["io_uring".into(), "legacy".into()],
                    _ => Vec::new(),
                },
                error: None,
            })
            .collect();
        warm[3].error = Some(LONG.to_owned());
        warm.last_mut().expect("warm rows").error = Some(LONG.to_owned());
        let matrix = backends
            .iter()
            .map(|backend| MatrixRow {
                backend: backend.name().to_owned(),
                cells: CASES.iter().map(|_| format!("error: {LONG}")).collect(),
                short: CASES
                    .iter()
                    .enumerate()
                    .map(|(i, _)| {
                        [
                            "error: nested",
                            "panic: no reactor",
                            "error: wrong result",
                            "panic",
                            "hung",
                            "n/a",
                            "error: no server",
                            "error: io",
                        ][i % 8]
                            .to_owned()
                    })
                    .collect(),
            })
            .collect();
        let settings = Settings {
            backends: backends.iter().map(|b| b.name().to_owned()).collect(),
            samples: 2000,
            python_samples: 500,
            discarded_rounds: 1,
            warm_rounds: 5,
            warm_reps: 3,
            warm_target_us: 5_000,
            warm_fetch_max_calls: 500,
            arg: u64::MAX,
            delay_ns: 999_999_999,
            quick: false,
            child_timeout_s: 20,
            cell_timeout_s: 5,
            probe_profile: ProbeProfile::Dev,
            priority: "unchanged (raising it was refused: Permission denied (os error 13))".into(),
        };
        let environment = Environment {
            host: "a-rather-long-host-name.example.invalid".into(),
            cpu: "AMD EPYC 7763 64-Core Processor".into(),
            cores: 128,
            os: "Debian GNU/Linux 12 (bookworm), kernel 6.18.44-fc-v657, x86_64".into(),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            crates: [
                "tokio",
                "smol",
                "async-std",
                "async-executor",
                "async-io",
                "futures-lite",
            ]
            .iter()
            .map(|name| ((*name).to_owned(), "1.54.1, 2.6.0".to_owned()))
            .collect::<BTreeMap<_, _>>(),
            git_revision: "066ca8fdb6cd-dirty".into(),
            date: "2026-11-27T03:11:29Z".into(),
            command: format!(
                "cargo xtask compare --out /tmp/{} --backends {}",
                "d".repeat(150),
                settings.backends.join(",")
            ),
        };
        let builds = [
            Config::Default,
            Config::Feature("futures-lite"),
            Config::All,
        ]
        .into_iter()
        .map(|config| Build {
            config: config.name().to_owned(),
            cargo_flags: "--features futures-lite".into(),
            executable: PathBuf::from("target/oneoff/probes/release").join(config.name()),
        })
        .collect();
        let python = Ok(Python {
            executable: PathBuf::from(format!(
                "/root/.pyenv/versions/3.11.7/{}/python3",
                "p".repeat(140)
            )),
            version: "3.11.7".into(),
        });
        let measured = Measured {
            cold,
            warm,
            matrix,
            took: Stages::default(),
            server: ServerUse::default(),
        };
        Report::new(environment, settings, builds, python, measured)
    }

    #[test]
    fn the_terminal_report_fits_120_columns() {
        let report = worst_case();
        assert!(!report.failures.is_empty(), "the failures are rendered too");
        let text = terminal(&report);
        for line in text.lines() {
            assert!(
                line.chars().count() <= crate::compare::text::WIDTH,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        // Nothing was left out to make it fit: the full messages are wrapped, not dropped.
        assert!(text.contains("error: nested"), "{text}");
        assert!(text.contains("\nfetch, per call, warm"), "{text}");
        assert!(
            text.contains("round trip to the loopback server failed"),
            "{text}"
        );
        assert!(text.contains("deadlock"), "{text}");
        assert!(
            text.contains("full titles and messages: compare.md"),
            "{text}"
        );
    }

    /// The matrix as the terminal shows it with every backend: cells wrap between words, so
    /// that no title, backend name or label is cut.
    #[test]
    fn the_terminal_matrix_keeps_every_word_whole() {
        let mut report = worst_case();
        let labels = [
            "ok",
            "panic: no reactor",
            "ok",
            "ok",
            "n/a",
            "error: nested",
            "ok",
            "panic: no reactor",
            "ok",
        ];
        assert_eq!(labels.len(), CASES.len());
        for row in &mut report.matrix.rows {
            row.short = labels.map(str::to_owned).to_vec();
        }
        let mut text = String::new();
        matrix(&mut text, &report, Style::Terminal);
        let words = CASES
            .iter()
            .map(|(_, _, short)| *short)
            .chain(Backend::ALL.iter().map(|backend| backend.name()))
            .chain(labels)
            .flat_map(str::split_whitespace);
        for word in words {
            assert!(text.contains(word), "{word} was cut:\n{text}");
        }
        assert!(
            text.lines().all(|line| line.chars().count() <= 120),
            "{text}"
        );
    }

    #[test]
    fn markdown_keeps_every_message_whole() {
        let markdown = markdown(&worst_case());
        assert!(markdown.contains(&format!("error: {LONG}")), "{markdown}");
        assert!(
            markdown.contains("- **drivers**: compio: io_uring, legacy, monoio: io_uring, legacy"),
            "{markdown}"
        );
    }
}

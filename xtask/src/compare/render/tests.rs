//! The report as a user reads it: the terminal's fits in 120 columns with the longest texts
//! compare produces, the Markdown keeps every message whole, and the verdict neither ranks
//! backends that lie within each other's spread nor shows an unsteady figure as clean.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use oneoff_probe::{ColdReport, Outcome};

use super::*;
use crate::compare::cold::{self, Sample};
use crate::compare::matrix::MatrixRow;
use crate::compare::probes::{Build, Built, Python};
use crate::compare::report::{Measured, ServerUse, Stages};
use crate::compare::settings::{Settings, Subject};
use crate::compare::warm::WarmRow;
use crate::environment::Environment;
use oneoff_probe::BackendName;

/// A message as long as the real ones, to fill cells and notes.
const LONG: &str = "cannot block on a future with futures-lite from inside a running tokio \
    current-thread runtime: blocking here would panic or deadlock; .await the future instead";

/// The warm rows of every backend and Python: `ns(backend's index, sample)` nanoseconds in every
/// sample of every variant (Python's row is the last index).
fn warm_rows(ns: impl Fn(usize, usize) -> f64) -> Vec<WarmRow> {
    let rows = BackendName::ALL
        .iter()
        .map(|b| (b.name(), Subject::Backend(*b)));
    let python = ("python asyncio.run", Subject::PythonRun);
    let rows = rows
        .chain([python])
        .enumerate()
        .map(|(index, (name, subject))| {
            let figure = || Figure::of((0..5).map(|sample| ns(index, sample)).collect()).unwrap();
            let per_call_ns: BTreeMap<Variant, Figure> =
                Variant::ALL.iter().map(|v| (*v, figure())).collect();
            let added = per_call_ns[&Variant::CompatReusedReady].minus(&figure());
            WarmRow {
                name,
                subject,
                ok: true,
                error: None,
                per_call_ns,
                tokio_compat_added_ns: BTreeMap::from([(Variant::CompatReusedReady, added)]),
            }
        });
    rows.collect()
}

/// A report with every kind of row and the longest texts compare produces: every backend on
/// both workloads, Python, failed rows, full error messages in every matrix cell, drivers, a
/// long command line and notes; warm figures of `ns(backend, round)`.
fn report(ns: impl Fn(usize, usize) -> f64) -> Report {
    let inside = ColdReport {
        result: 10_000,
        construct_to_first_poll_ns: Some(123_456_789),
        timer_ns: Some(1_234_567_890),
        round_trip_ns: Some(1_234_567_890),
        teardown_ns: Some(98_765_432),
        threads_during: Some(12),
        threads_after: Some(11),
        peak_rss_kib: Some(123_456_789),
        stack: None,
    };
    let mut cold_rows = cold::rows(BackendName::ALL, true);
    let last = cold_rows.len() - 1;
    for (index, row) in cold_rows.iter_mut().enumerate() {
        // A fetch row's stack, as its probe reports it.
        let stack = match row.subject.backend().map(BackendName::name) {
            None => "std::net",
            Some("tokio" | "tokio-mt" | "tokio-local") => "tokio::net",
            Some("async-std") => "async_std::net",
            Some("compio") => "compio::net",
            Some("monoio") => "monoio::net",
            Some(_) => "async-io",
        };
        let inside = ColdReport {
            stack: (row.workload == Workload::Fetch).then(|| stack.to_owned()),
            ..inside.clone()
        };
        row.samples = (0..200)
            .map(|round| Sample {
                round,
                first_line: Duration::from_micros(123_456_789 + 10 * index as u64),
                process: Duration::from_micros(987_654_321),
                inside: inside.clone(),
            })
            .collect();
        if index == 2 || index == last {
            row.error = Some(format!("the process failed (exit status: 101: {LONG})"));
        }
    }
    let mut warm_rows = warm_rows(ns);
    warm_rows[3].error = Some(LONG.to_owned());
    warm_rows[3].ok = false;
    let cells = |i: usize| match i % 6 {
        0 => Outcome::Nested(LONG.into()),
        1 => Outcome::NoReactor("there is no reactor running".into()),
        2 => Outcome::WrongResult(7),
        3 => Outcome::Panic(LONG.into()),
        4 => Outcome::Hung,
        _ => Outcome::Io(LONG.into()),
    };
    let matrix = BackendName::ALL
        .iter()
        .map(|backend| MatrixRow {
            backend: *backend,
            cells: (0..9).map(cells).collect(),
        })
        .collect();
    let settings = settings();
    let environment = environment();
    let builds = [
        Build::Default,
        Build::Feature("futures-executor"),
        Build::Bench("portal"),
    ]
    .map(|build| Built {
        build,
        cargo: "cargo build --features async-oneoff/futures-executor".into(),
        executable: PathBuf::from("target/oneoff/probes/probe").join(build.name()),
        bytes: 12_345_678,
    })
    .to_vec();
    let python = Ok(Python {
        executable: PathBuf::from(format!(
            "/root/.pyenv/versions/3.11.7/{}/python3",
            "p".repeat(140)
        )),
        version: "3.11.7".into(),
    });
    let drivers = ["compio", "monoio"].map(|name| (name.to_owned(), "io_uring".to_owned()));
    let measured = Measured {
        cold: cold::summarise(&cold_rows, 10_000),
        warm: warm_rows,
        matrix,
        drivers: drivers.into(),
        took: Stages::default(),
        server: ServerUse::default(),
    };
    Report::new(environment, settings, builds, python, measured)
}

/// The settings of a run with every backend and the longest texts.
fn settings() -> Settings {
    Settings {
        backends: BackendName::ALL.to_vec(),
        samples: 2000,
        python_samples: 500,
        discarded_rounds: 1,
        bench_warm_up_ms: 200,
        bench_measurement_ms: 500,
        bench_samples: 20,
        python_warm_rounds: 5,
        python_warm_reps: 3,
        python_warm_target_us: 5_000,
        arg: u64::MAX,
        delay_ns: 999_999_999,
        quick: false,
        child_timeout_s: 20,
        cell_timeout_s: 5,
        probe_profile: ProbeProfile::Dev,
        priority: "unchanged (raising it was refused: Permission denied (os error 13))".into(),
    }
}

/// An environment with the longest texts.
fn environment() -> Environment {
    Environment {
        host: "a-rather-long-host-name.example.invalid".into(),
        cpu: "AMD EPYC 7763 64-Core Processor".into(),
        cores: 128,
        os: "Debian GNU/Linux 12 (bookworm), kernel 6.18.44-fc-v657, x86_64".into(),
        rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
        crates: ["tokio", "smol", "async-std", "async-executor", "async-io"]
            .iter()
            .map(|name| ((*name).to_owned(), "1.54.1, 2.6.0".to_owned()))
            .collect::<BTreeMap<_, _>>(),
        git_revision: "066ca8fdb6cd-dirty".into(),
        date: "2026-11-27T03:11:29Z".into(),
        command: format!(
            "cargo xtask compare --out /tmp/{} --backends tokio",
            "d".repeat(150)
        ),
    }
}

/// The widest figures either way, steady.
fn worst_case() -> Report {
    report(|_, round| if round % 2 == 0 { 123_456_789.0 } else { 0.7 })
}

#[test]
fn the_terminal_report_fits_120_columns() {
    let report = worst_case();
    assert!(!report.failures.is_empty(), "the failures are rendered too");
    let text = terminal(&report);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    // Nothing was left out to make it fit: the full messages are wrapped, not dropped.
    for part in [
        "Verdict of this run",
        "many calls:",
        "error: nested",
        "\nper call, warm",
        "│ monoio (monoio::net, ┆",
        "round trip to the loopback server failed",
        "deadlock",
        "full titles and messages: compare.md",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

#[test]
fn markdown_keeps_every_message_whole() {
    let markdown = markdown(&worst_case());
    assert!(markdown.contains(&format!("error: {LONG}")), "{markdown}");
    assert!(
        markdown.contains("- **drivers**: compio: io_uring, monoio: io_uring"),
        "{markdown}"
    );
    assert!(markdown.starts_with("# oneoff compare"), "{markdown}");
    assert!(markdown.contains("\n## Verdict of this run"), "{markdown}");
}

/// The verdict's line of `question` in the terminal report.
fn verdict_line(text: &str, question: &str) -> String {
    let start = text
        .find(&format!("  {question}:"))
        .unwrap_or_else(|| panic!("no {question} in:\n{text}"));
    // An item's continuation lines are indented by four.
    let lines: Vec<&str> = text[start..].lines().collect();
    let more = lines[1..]
        .iter()
        .take_while(|line| line.starts_with("    "));
    std::iter::once(lines[0])
        .chain(more.copied())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two backends whose samples lie within each other's spread: the verdict names the one with the
/// lower median and the other as within noise of it, never as the next best.
#[test]
fn the_verdict_does_not_rank_backends_within_each_others_spread() {
    // Backend 0 and 1 alternate 30/34 and 31/33 ns: each inside the other's range. The others
    // are far behind, 100 ns and more.
    let report = report(|backend, sample| match backend {
        0 => [30.0, 34.0][sample % 2],
        1 => [33.0, 31.0][sample % 2],
        other => 100.0 * other as f64 + sample as f64,
    });
    let (first, second) = (BackendName::ALL[0].name(), BackendName::ALL[1].name());
    let line = verdict_line(&terminal(&report), "many calls");
    assert!(
        line.starts_with(&format!("many calls: {first} (30.0 ns")),
        "{line}"
    );
    assert!(
        line.contains(&format!("within noise of it, not ranked: {second}")),
        "{line}"
    );
    assert!(
        !line.contains(&format!("next: {second}")),
        "{second} was ranked: {line}"
    );
    assert!(
        line.contains(&format!("next: {} (202 ns)", BackendName::ALL[2].name())),
        "{line}"
    );
}

/// A figure whose samples disagree by more than the stated factor is marked in the tables and
/// in the JSON, not shown as clean.
#[test]
fn an_unsteady_figure_is_marked() {
    // tokio-mt's one-shot call read 1,455,995 ns in one run and 142,012 ns in the next.
    let report = report(|backend, sample| match (backend, sample) {
        (0, 1) => 1_455_995.0,
        (0, _) => 142_012.0,
        (other, sample) => 10.0 + other as f64 + sample as f64 / 10.0,
    });
    assert!(report.warm[0].per_call_ns[&Variant::ReusedYield].unsteady);
    let json = serde_json::to_value(&report).unwrap();
    let first = &json["warm"][0]["per_call_ns"]["reused_yield"];
    assert_eq!(first["unsteady"], true, "{first}");
    assert_eq!(first["samples"].as_array().unwrap().len(), 5, "{first}");
    let text = terminal(&report);
    assert!(text.contains("142012 ! (142012–1455995)"), "{text}");
    assert!(!report.warm[1].per_call_ns[&Variant::ReusedYield].unsteady);
    assert!(text.contains("11.2 (11.0–11.4)"), "{text}");
}

//! `cargo xtask compare` end to end: a quick run on three backends (futures-lite, tokio and
//! monoio: `async-io`'s sockets, tokio's, and a runtime's own on a backend that picks its I/O
//! driver) writes a report of the right shape with the right results for both workloads, the
//! benches' per-call figures, the portal's round trip and tokio compatibility (beside Python's
//! reference where python3 is), and bad flags are refused with one clear line.
//!
//! Timings are never asserted: they depend on the machine. Every run of the xtask binary is
//! under a watchdog, so a hang fails the test by name instead of stalling the suite.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use oneoff_probe::{BackendName, Outcome};
use oneoff_workloads::watchdog;
use serde_json::Value;

/// Runs `cargo xtask` with `args` and returns what it did.
fn xtask(case: &str, limit: Duration, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(args);
    watchdog(case, limit, move || {
        command
            .output()
            .expect("the xtask binary that cargo built starts")
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A usage error: non-zero exit and exactly one line on stderr, which contains `wanted`.
fn assert_refused(output: &Output, wanted: &[&str]) {
    let stderr = stderr(output);
    assert!(!output.status.success(), "accepted; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr:?}");
    for part in wanted {
        assert!(stderr.contains(part), "{part:?} missing from {stderr:?}");
    }
}

#[test]
fn unknown_backend_lists_the_valid_ones() {
    let output = xtask(
        "unknown backend",
        Duration::from_secs(60),
        &["compare", "--backends", "tokio,tokyo"],
    );
    let valid: Vec<&str> = BackendName::ALL.iter().map(|b| b.name()).collect();
    assert_refused(&output, &["unknown backend `tokyo`", &valid.join(", ")]);
}

#[test]
fn backends_prints_each_feature_once() {
    let output = xtask("backends", Duration::from_secs(60), &["backends"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = String::from_utf8(output.stdout).expect("UTF-8");
    let mut expected: Vec<&str> = Vec::new();
    for backend in BackendName::ALL {
        if !expected.contains(&backend.feature()) {
            expected.push(backend.feature());
        }
    }
    assert_eq!(listed.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn zero_or_absurd_samples_are_refused() {
    for samples in ["0", "1000000", "many"] {
        let output = xtask(
            "bad --samples",
            Duration::from_secs(60),
            &["compare", "--samples", samples],
        );
        assert_refused(&output, &["--samples", samples]);
    }
}

#[test]
fn bad_delay_and_format_are_refused() {
    let output = xtask(
        "bad --delay",
        Duration::from_secs(60),
        &["compare", "--delay", "1h"],
    );
    assert_refused(&output, &["--delay", "longer than 1s"]);
    let output = xtask(
        "bad --format",
        Duration::from_secs(60),
        &["compare", "--format", "xml"],
    );
    assert_refused(&output, &["--format", "xml"]);
}

/// The field at `path` (dot-separated), which must exist.
fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(value, |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key],
        })
}

fn row<'a>(rows: &'a Value, name: &str, key: &str) -> &'a Value {
    rows.as_array()
        .expect("rows are an array")
        .iter()
        .find(|row| row[key] == name)
        .unwrap_or_else(|| panic!("no row {name} in {rows}"))
}

/// The rows of `workload` (`work` or `fetch`) named `name`.
fn rows_of<'a>(rows: &'a Value, name: &str, workload: &str) -> Vec<&'a Value> {
    rows.as_array()
        .expect("rows are an array")
        .iter()
        .filter(|row| row["name"] == name && row["workload"] == workload)
        .collect()
}

/// The one row of `workload` named `name`.
fn row_of<'a>(rows: &'a Value, name: &str, workload: &str) -> &'a Value {
    match rows_of(rows, name, workload)[..] {
        [row] => row,
        ref found => panic!("{} {workload} rows named {name} in {rows}", found.len()),
    }
}

/// A measured spread: both figures present, and a median above zero (a zero would mean the
/// clock was read twice at the same instant, or the figure was never filled in).
fn assert_spread(row: &Value, field: &str) {
    let median = row[field]["median"].as_u64();
    let p10 = row[field]["p10"].as_u64();
    let p90 = row[field]["p90"].as_u64();
    assert!(
        matches!((p10, median, p90), (Some(low), Some(m), Some(high)) if 0 < m && low <= m && m <= high),
        "{field} of {} is not a measured spread: {}",
        row["name"],
        row[field]
    );
}

#[test]
fn quick_run_on_three_backends_writes_a_checked_report() {
    let out = tempfile::tempdir().expect("a temporary directory");
    let out_dir = out.path().to_str().expect("a UTF-8 temporary path");
    // The first run builds the measurement binary, so the limit is a build's, not a run's.
    let output = xtask(
        "compare --quick",
        Duration::from_secs(1200),
        &[
            "compare",
            "--quick",
            "--backends",
            "futures-lite,tokio,monoio",
            "--arg",
            "7",
            "--format",
            "json",
            "--probe-profile",
            "dev",
            "--out",
            out_dir,
        ],
    );
    assert!(
        output.status.success(),
        "compare failed: {}",
        stderr(&output)
    );

    let written = std::fs::read_to_string(Path::new(out_dir).join("compare.json"))
        .expect("compare.json is written");
    let report: Value = serde_json::from_str(&written).expect("compare.json is JSON");
    let printed: Value = serde_json::from_slice(&output.stdout).expect("--format json prints JSON");
    assert_eq!(printed, report, "stdout and compare.json differ");

    assert_eq!(report["schema"], "oneoff-compare/6");
    assert_eq!(report["ok"], true);
    assert_eq!(report["failures"], serde_json::json!([]));
    for key in [
        "host",
        "cpu",
        "os",
        "rustc",
        "git_revision",
        "date",
        "command",
    ] {
        let value = at(&report, &format!("environment.{key}"));
        assert!(
            value.as_str().is_some_and(|v| !v.is_empty()),
            "environment.{key}: {value}"
        );
    }
    assert!(at(&report, "environment.cores").as_u64().unwrap() >= 1);
    for name in [
        "tokio",
        "futures-lite",
        "smol",
        "pollster",
        "async-std",
        "async-io",
    ] {
        assert!(
            at(&report, "environment.crates")[name].is_string(),
            "no version of {name}"
        );
    }
    assert!(
        at(&report, "environment.command")
            .as_str()
            .unwrap()
            .starts_with("cargo xtask compare --quick")
    );
    assert_eq!(
        at(&report, "settings.backends"),
        &serde_json::json!(["futures-lite", "tokio", "monoio"])
    );
    assert_eq!(at(&report, "settings.quick"), true);
    let samples = at(&report, "settings.samples").as_u64().unwrap();

    // Results and cold start-up of work(7): the baseline and every backend, every sample
    // checked.
    let cold = &report["cold"];
    let backends = ["futures-lite", "tokio", "monoio"];
    for name in ["baseline (no async)"].iter().chain(&backends) {
        let row = row_of(cold, name, "work");
        assert_eq!(row["ok"], true, "{name}: {}", row["error"]);
        assert_eq!(row["expected_result"], 700, "work(7) returns 700");
        assert_eq!(row["samples"].as_u64(), Some(samples), "{name}");
        for field in ["first_line_ns", "process_ns", "timer_ns"] {
            assert_spread(row, field);
        }
        assert!(row["round_trip_ns"].is_null(), "work has no round trip");
        assert!(row["threads_during"].as_u64().unwrap() >= 1);
        assert_spread(row, "peak_rss_kib");
        assert!(row["first_line_above_baseline_ns"].is_i64());
    }
    for name in backends {
        let row = row_of(cold, name, "work");
        assert_eq!(row["kind"], "backend");
        assert_spread(row, "construct_to_first_poll_ns");
        assert_spread(row, "teardown_ns");
    }
    let baseline = row_of(cold, "baseline (no async)", "work");
    assert_eq!(baseline["kind"], "baseline");
    assert!(baseline["construct_to_first_poll_ns"].is_null());

    // Results and cold start-up of fetch(7): the same round trip on blocking std::net and on
    // each backend's own stack, every answer checked, each row paired with its own baseline.
    let stacks = [
        ("baseline (std::net)", "std::net"),
        ("futures-lite", "async-io"),
        ("tokio", "tokio::net"),
        ("monoio", "monoio::net"),
    ];
    for (name, stack) in stacks {
        let row = row_of(cold, name, "fetch");
        assert_eq!(row["ok"], true, "{name}: {}", row["error"]);
        assert_eq!(row["expected_result"], 700, "fetch(7) answers 700");
        assert_eq!(row["samples"].as_u64(), Some(samples), "{name}");
        assert_eq!(row["stack"], stack, "{name}");
        for field in ["first_line_ns", "process_ns", "round_trip_ns"] {
            assert_spread(row, field);
        }
        assert!(row["timer_ns"].is_null(), "fetch has no timer");
        // The answer arrives before the process ends.
        assert!(
            row["first_line_ns"]["median"].as_u64() < row["process_ns"]["median"].as_u64(),
            "{name}: {row}"
        );
        let median = row["first_line_above_baseline_ns"].as_i64().unwrap();
        let interval = row["first_line_above_baseline_ci_ns"].as_array().unwrap();
        let (low, high) = (interval[0].as_i64().unwrap(), interval[1].as_i64().unwrap());
        assert!(
            low <= median && median <= high,
            "{name}: {median} outside {interval:?}"
        );
    }
    let fetch_baseline = row_of(cold, "baseline (std::net)", "fetch");
    assert_eq!(fetch_baseline["kind"], "baseline");
    assert_eq!(fetch_baseline["first_line_above_baseline_ns"], 0);
    for name in backends {
        let row = row_of(cold, name, "fetch");
        assert_spread(row, "construct_to_first_poll_ns");
        assert_spread(row, "teardown_ns");
    }

    // Warm per-call figures, from the benches: every backend's calls and portal, and on the
    // backends that do not provide tokio the calls in TokioCompat and what it added; each
    // figure with its samples, median, range and steadiness.
    let bench_samples = at(&report, "settings.bench_samples").as_u64().unwrap();
    let warm = &report["warm"];
    for name in backends {
        let row = row(warm, name, "name");
        assert_eq!(row["ok"], true, "{name}: {}", row["error"]);
        let per_call = row["per_call_ns"].as_object().unwrap();
        let mut present: Vec<&str> = per_call.keys().map(String::as_str).collect();
        present.sort_unstable();
        let mut wanted = vec!["one_shot_yield", "portal_call", "reused_yield"];
        if name != "tokio" {
            wanted.extend(["compat_one_shot_ready", "compat_reused_ready"]);
            wanted.extend(["one_shot_ready", "reused_ready"]);
        }
        wanted.sort_unstable();
        assert_eq!(present, wanted, "{name}");
        for (field, figure) in per_call {
            let [min, median, max] = ["min", "median", "max"].map(|k| figure[k].as_f64().unwrap());
            assert!(
                0.0 < min && min <= median && median <= max,
                "{name} {field}: {figure}"
            );
            let samples = figure["samples"].as_array().unwrap().len() as u64;
            assert_eq!(samples, bench_samples, "{name} {field}");
            assert_eq!(
                figure["unsteady"],
                max > 1.5 * min,
                "{name} {field}: {figure}"
            );
        }
        // A round trip through another thread costs more than a call on this one.
        let portal = per_call["portal_call"]["median"].as_f64();
        assert!(
            portal > per_call["reused_yield"]["median"].as_f64(),
            "{name}"
        );
        let added = row["tokio_compat_added_ns"].as_object().unwrap();
        assert_eq!(
            added.len(),
            if name == "tokio" { 0 } else { 2 },
            "{name}: {added:?}"
        );
    }

    // The drivers: monoio's, asked of its runtime; none for the backends with no choice.
    let drivers = report["drivers"].as_object().unwrap();
    assert_eq!(
        drivers.keys().collect::<Vec<_>>(),
        ["monoio"],
        "{drivers:?}"
    );
    let driver = drivers["monoio"].as_str().unwrap();
    assert!(["io_uring", "legacy"].contains(&driver), "{driver}");

    // The loopback server: bounded, and it served every fetch sample (the discarded round's
    // too) within its bound.
    let server = &report["fetch_server"];
    let served = server["served"].as_u64().unwrap();
    let fetch_samples = 4 * (samples + at(&report, "settings.discarded_rounds").as_u64().unwrap());
    assert!(served >= fetch_samples, "{server}");
    assert!(
        served <= server["max_connections"].as_u64().unwrap(),
        "{server}"
    );
    assert!(server["lifetime_s"].as_u64().unwrap() > 0);

    // Every build the run needed: the probe's, and the benches' targets.
    let builds: Vec<&str> = report["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|build| build["build"].as_str().unwrap())
        .collect();
    assert_eq!(
        builds,
        [
            "default",
            "futures-lite",
            "monoio",
            "tokio",
            "yield",
            "portal"
        ]
    );

    // The matrix: every cell filled, and the cells whose outcome is known.
    let cases: Vec<&str> = report["matrix"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case.as_str().unwrap())
        .collect();
    assert_eq!(
        cases,
        [
            "neutral",
            "tokio-sleep",
            "tokio-sleep-compat",
            "async-io-timer",
            "spawn",
            "nested-in-tokio",
            "in-spawn-blocking",
            "tokio-fetch",
            "async-io-fetch"
        ]
    );
    // Each cell is a typed outcome, read with the probe's own type.
    let outcome = |backend: &str, case: &str| -> Outcome {
        let column = cases.iter().position(|c| *c == case).unwrap();
        let cell = &row(&report["matrix"]["rows"], backend, "backend")["cells"][column];
        serde_json::from_value(cell.clone()).unwrap_or_else(|err| panic!("{cell}: {err}"))
    };
    let cell = |backend: &str, case: &str| outcome(backend, case).to_string();
    let short = |backend: &str, case: &str| outcome(backend, case).label();
    for backend in backends {
        assert_eq!(cell(backend, "neutral"), "ok");
        // With compatibility, tokio's timer works on every backend.
        assert_eq!(cell(backend, "tokio-sleep-compat"), "ok", "{backend}");
        assert_eq!(short(backend, "tokio-sleep-compat"), "ok", "{backend}");
        assert_eq!(cell(backend, "async-io-timer"), "ok");
        // async-io's sockets work under every backend.
        assert_eq!(cell(backend, "async-io-fetch"), "ok", "{backend}");
        // Each backend runs in its own build, with the facade's defaults and so detect-tokio:
        // the nested call is refused, not run and not a panic.
        let nested = cell(backend, "nested-in-tokio");
        assert!(
            nested.starts_with(&format!(
                "error: cannot block on a future with {backend} from inside a running tokio current-thread runtime"
            )),
            "{nested}"
        );
        assert_eq!(short(backend, "nested-in-tokio"), "error: nested");
        // In a spawn_blocking thread the promise still holds: a result or Error::Nested, never
        // a panic or a hang.
        let blocking = short(backend, "in-spawn-blocking");
        assert!(
            blocking == "ok" || blocking == "error: nested",
            "{backend} inside spawn_blocking: {}",
            cell(backend, "in-spawn-blocking")
        );
    }
    assert_eq!(cell("tokio", "tokio-sleep"), "ok");
    assert_eq!(cell("tokio", "spawn"), "ok");
    assert_eq!(cell("futures-lite", "spawn"), "n/a");
    // A tokio future elsewhere is an error that names the way out, not tokio's panic.
    let needs_tokio = "error: the future needs a tokio runtime";
    assert!(
        cell("futures-lite", "tokio-sleep").starts_with(needs_tokio),
        "{}",
        cell("futures-lite", "tokio-sleep")
    );
    assert_eq!(short("futures-lite", "tokio-sleep"), "error: needs tokio");
    // tokio's sockets work only under tokio: the matrix says so where the fetch rows cannot.
    assert_eq!(cell("tokio", "tokio-fetch"), "ok");
    for backend in ["futures-lite", "monoio"] {
        assert!(
            cell(backend, "tokio-fetch").starts_with(needs_tokio),
            "{backend}: {}",
            cell(backend, "tokio-fetch")
        );
        assert_eq!(short(backend, "tokio-fetch"), "error: needs tokio");
    }

    // Python's reference rows are there exactly when python3 is.
    let python = !report["python"].is_null();
    let python_rows = cold
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == "python")
        .count();
    assert_eq!(python_rows, if python { 2 } else { 0 });
    if !python {
        let notes = report["notes"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.as_str().unwrap().contains("python3")),
            "{notes:?}"
        );
    }
    // And so is the warm reference: asyncio's calls and run_coroutine_threadsafe's round trip.
    let python_warm: Vec<&Value> = warm
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["kind"] == "python")
        .collect();
    assert_eq!(python_warm.len(), usize::from(python), "{warm}");
    if let [row] = python_warm[..] {
        let per_call = row["per_call_ns"].as_object().unwrap();
        let present: Vec<&String> = per_call.keys().collect();
        assert_eq!(
            present,
            ["one_shot_yield", "portal_call", "reused_yield"],
            "{row}"
        );
    }

    let markdown = std::fs::read_to_string(Path::new(out_dir).join("compare.md"))
        .expect("compare.md is written");
    assert!(markdown.starts_with("# oneoff compare"), "{markdown}");
    assert!(markdown.contains("| futures-lite"), "{markdown}");
    assert!(
        markdown.contains("## fetch(7), results and cold start-up"),
        "{markdown}"
    );
    assert!(markdown.contains("| baseline (std::net)"), "{markdown}");
    assert!(
        markdown.contains("## from another thread and with tokio compatibility"),
        "{markdown}"
    );
    assert!(
        markdown.contains("tokio::time::sleep with compat"),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!("- **drivers**: monoio: {driver}\n")),
        "{markdown}"
    );

    // The verdict: every situation answered from this run's figures, its pick one of the
    // backends measured, in compare.json, at the top of compare.md and on the terminal.
    let verdict = report["verdict"].as_array().unwrap();
    let situations: Vec<&str> = verdict
        .iter()
        .map(|a| a["situation"].as_str().unwrap())
        .collect();
    assert_eq!(
        situations,
        [
            "one-call",
            "many-calls",
            "needs-tokio",
            "shared-across-threads",
            "smallest-footprint"
        ]
    );
    for answer in verdict {
        let pick = answer["pick"]
            .as_str()
            .unwrap_or_else(|| panic!("no pick: {answer}"));
        let candidates = answer["candidates"].as_array().unwrap();
        assert_eq!(candidates[0]["name"], pick, "{answer}");
        let named = |name: &str| pick == name || pick == format!("{name} in TokioCompat");
        assert!(backends.iter().any(|b| named(b)), "{answer}");
        assert!(
            candidates
                .iter()
                .all(|c| c["low"].as_f64() <= c["median"].as_f64()),
            "{answer}"
        );
    }
    assert!(markdown.contains("\n## Verdict of this run"), "{markdown}");
    assert!(
        markdown.find("Verdict") < markdown.find("## work("),
        "the verdict comes first"
    );

    // The chart: one panel per situation, each with a bar for every candidate.
    let chart = std::fs::read_to_string(Path::new(out_dir).join("compare.svg"))
        .expect("compare.svg is written");
    assert!(chart.starts_with("<svg"), "{chart}");
    for answer in verdict {
        let question = answer["question"].as_str().unwrap();
        assert!(
            chart.contains(question),
            "no panel for {question} in compare.svg"
        );
        for candidate in answer["candidates"].as_array().unwrap() {
            let name = candidate["name"].as_str().unwrap();
            assert!(
                chart.lines().any(|line| line.trim() == name),
                "no bar for {name} in {question}"
            );
        }
    }
}

/// What a user sees on the terminal: the verdict first, then the tables, within 120 columns.
#[test]
fn the_terminal_report_opens_with_the_verdict() {
    let out = tempfile::tempdir().expect("a temporary directory");
    let out_dir = out.path().to_str().expect("a UTF-8 temporary path");
    let output = xtask(
        "compare --quick, terminal",
        Duration::from_secs(1200),
        &[
            "compare",
            "--quick",
            "--samples",
            "3",
            "--backends",
            "futures-lite,smol",
            "--probe-profile",
            "dev",
            "--out",
            out_dir,
        ],
    );
    assert!(
        output.status.success(),
        "compare failed: {}",
        stderr(&output)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let verdict = text.find("Verdict of this run").expect("a verdict");
    assert!(
        verdict < text.find("results and cold start-up").unwrap(),
        "{text}"
    );
    for question in [
        "one call from a cold process:",
        "many calls:",
        "several threads share one async world:",
    ] {
        assert!(text.contains(question), "{question} missing:\n{text}");
    }
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}

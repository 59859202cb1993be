//! `compare.svg`: the report's figures on one log-scale chart, so that the orders of magnitude
//! between backends show at a glance. Drawn with plotters' SVG backend, which writes text as
//! SVG `<text>` and needs no font files.

use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;

use super::report::{ColdSummary, Report};
use super::settings::Workload;

/// The figures drawn for each subject, with their colours: `work`'s in warm hues (the
/// portal's round trip in purple), `fetch`'s in cool ones.
const SERIES: [(&str, RGBColor); 7] = [
    (
        "runtime start-up in a fresh process (construction to first poll)",
        RGBColor(214, 96, 77),
    ),
    (
        "one-shot call, warm (fresh runtime per call)",
        RGBColor(244, 165, 60),
    ),
    ("reused runner, warm (one call)", RGBColor(140, 81, 10)),
    (
        "portal round trip, warm (a ready future from another thread; Python: \
         run_coroutine_threadsafe)",
        RGBColor(118, 42, 131),
    ),
    (
        "fetch round trip in a fresh process (first poll to answer)",
        RGBColor(33, 102, 172),
    ),
    (
        "fetch, one-shot call, warm (std::net: one blocking call)",
        RGBColor(103, 169, 207),
    ),
    ("fetch, reused runner, warm", RGBColor(90, 174, 97)),
];

/// One subject's bars, in nanoseconds; `None` where the report has no figure.
struct Row {
    name: String,
    values: [Option<f64>; SERIES.len()],
}

/// The rows the chart shows: every backend, Python's `asyncio` as the reference, and the
/// `std::net` baseline of `fetch`.
fn rows(report: &Report) -> Vec<Row> {
    let mut rows: Vec<Row> = report
        .warm
        .iter()
        // The figures a user of that one backend gets, not those with every detector on.
        .filter(|warm| warm.workload == Workload::Work && !warm.every_detector())
        .filter_map(|warm| {
            let figures = warm.per_call_ns.as_ref()?;
            // Python's warm row covers both lifecycles; its cold start-up is asyncio.run's.
            let cold_name = if warm.name.starts_with("python") {
                "python asyncio.run"
            } else {
                warm.name.as_str()
            };
            let start_up = cold(report, cold_name, Workload::Work)
                .and_then(|cold| cold.construct_to_first_poll_ns);
            let [round_trip, one_shot, reused] = fetch_values(report, &warm.name);
            Some(Row {
                name: warm.name.clone(),
                values: [
                    start_up.map(|spread| spread.median as f64),
                    figures.one_shot_ready_ns,
                    figures.reused_ready_ns,
                    figures.portal_call_ns,
                    round_trip,
                    one_shot,
                    reused,
                ],
            })
        })
        .collect();
    let baseline = "baseline (std::net)";
    let [round_trip, blocking, _] = fetch_values(report, baseline);
    if round_trip.or(blocking).is_some() {
        rows.push(Row {
            name: baseline.to_owned(),
            values: [None, None, None, None, round_trip, blocking, None],
        });
    }
    rows
}

/// The cold row of `name` on `workload`.
fn cold<'a>(report: &'a Report, name: &str, workload: Workload) -> Option<&'a ColdSummary> {
    report
        .cold
        .iter()
        .find(|cold| cold.name == name && cold.workload == workload)
}

/// `fetch`'s figures of the row `name`: the cold round trip, then the warm one-shot call (the
/// baseline's blocking call) and the reused runner's.
fn fetch_values(report: &Report, name: &str) -> [Option<f64>; 3] {
    let round_trip = cold(report, name, Workload::Fetch)
        .and_then(|cold| cold.round_trip_ns)
        .map(|spread| spread.median as f64);
    let warm = report
        .warm
        .iter()
        .find(|warm| warm.name == name && warm.workload == Workload::Fetch)
        .and_then(|warm| warm.per_call_ns);
    [
        round_trip,
        warm.and_then(|f| f.one_shot_fetch_ns.or(f.blocking_fetch_ns)),
        warm.and_then(|f| f.reused_fetch_ns),
    ]
}

/// The right end of the time axis: a power of ten past the longest bar, with room for its label.
fn x_end(rows: &[Row]) -> f64 {
    let longest = rows
        .iter()
        .flat_map(|row| row.values.iter().flatten())
        .fold(1.0f64, |a, &b| a.max(b));
    10f64.powi(longest.log10().ceil() as i32 + 1)
}

/// Human units for a time in nanoseconds.
fn label(ns: f64) -> String {
    match ns {
        ns if ns >= 1e9 => format!("{:.1} s", ns / 1e9),
        ns if ns >= 1e6 => format!("{:.1} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.1} µs", ns / 1e3),
        ns => format!("{ns:.0} ns"),
    }
}

/// Writes the chart to `path`: one group of bars per subject, first row at the top, and the
/// legend in a strip of its own below the plot, so that it never covers a bar.
pub(crate) fn write(report: &Report, path: &Path) -> anyhow::Result<()> {
    let rows = rows(report);
    let draw = |err| anyhow!("could not draw {}: {err}", path.display());
    // Each group: one line for the name, then one per series.
    let slot = SERIES.len() as f64 + 1.0;
    let legend_height = 26 * SERIES.len() as u32 + 10;
    let height = 90 + rows.len() as u32 * 20 * (SERIES.len() as u32 + 1) + legend_height;
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    root.fill(&WHITE).map_err(draw)?;
    let (plot, legend) = root.split_vertically(height - legend_height);

    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "oneoff: running one future from sync code, medians of `cargo xtask compare` \
                 ({}, {} cores)",
                report.environment.cpu, report.environment.cores
            ),
            ("sans-serif", 17),
        )
        .margin(14)
        .margin_right(40)
        .x_label_area_size(40)
        .y_label_area_size(10)
        .build_cartesian_2d(
            (1f64..x_end(&rows)).log_scale(),
            0f64..rows.len() as f64 * slot,
        )
        .map_err(draw)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("time (log scale)")
        .x_label_formatter(&|ns| label(*ns))
        .draw()
        .map_err(draw)?;

    let name_style = ("sans-serif", 14).into_font().style(FontStyle::Bold);
    for (index, row) in rows.iter().enumerate() {
        // y grows upwards: the first row's group is the highest.
        let base = (rows.len() - 1 - index) as f64 * slot;
        chart
            .draw_series(std::iter::once(Text::new(
                row.name.clone(),
                (1.1, base + slot - 0.05),
                name_style.clone(),
            )))
            .map_err(draw)?;
        for (series, (_, colour)) in SERIES.iter().enumerate() {
            let Some(value) = row.values[series] else {
                continue;
            };
            let top = base + slot - 1.0 - series as f64;
            let bottom = top - 0.85;
            chart
                .draw_series([Rectangle::new(
                    [(1.0, bottom), (value.max(1.0), top)],
                    colour.filled(),
                )])
                .map_err(draw)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label(value),
                    (value.max(1.0) * 1.2, top - 0.1),
                    ("sans-serif", 12),
                )))
                .map_err(draw)?;
        }
    }

    draw_legend(&legend).map_err(draw)?;
    root.present().map_err(draw)?;
    Ok(())
}

/// The legend: a swatch and the title of each series, one a line.
fn draw_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (series, (title, colour)) in SERIES.iter().enumerate() {
        let y = 8 + 26 * series as i32;
        legend.draw(&Rectangle::new([(70, y), (88, y + 14)], colour.filled()))?;
        legend.draw(&Text::new(*title, (96, y), ("sans-serif", 14)))?;
    }
    Ok(())
}

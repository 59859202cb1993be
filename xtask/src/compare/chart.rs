//! `compare.svg`: what the verdict rests on, a panel per situation: each candidate's median as a
//! bar with its spread as a line, the pick dark green, what is within noise of it light green,
//! the others grey. Plotters' SVG backend needs no font files.

use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::report::Report;
use super::verdict::{Answer, Candidate};

const WIDTH: u32 = 960;
/// Where the bars start: the candidates' names end here.
const BARS: i32 = 250;
/// Room right of the bars for a value and a mark.
const RIGHT: i32 = 150;
const ROW: i32 = 22;
const PICK: RGBColor = RGBColor(27, 120, 55);
const NOISE: RGBColor = RGBColor(127, 191, 123);
const OTHER: RGBColor = RGBColor(189, 189, 189);
const INK: RGBColor = RGBColor(40, 40, 40);

fn panel_height(answer: &Answer) -> i32 {
    56 + ROW * answer.candidates.len().max(1) as i32 + 14
}

/// Writes the chart to `path`.
pub(crate) fn write(report: &Report, path: &Path) -> anyhow::Result<()> {
    let draw = |err| anyhow!("could not draw {}: {err}", path.display());
    let height = 60 + report.verdict.iter().map(panel_height).sum::<i32>() + 40;
    let root = SVGBackend::new(path, (WIDTH, height as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(draw)?;
    let env = &report.environment;
    let title = format!(
        "oneoff: which backend, measured by `cargo xtask compare` ({}, {} cores, git {})",
        env.cpu, env.cores, env.git_revision
    );
    root.draw(&Text::new(
        title,
        (20, 16),
        ("sans-serif", 18).into_font().style(FontStyle::Bold),
    ))
    .map_err(draw)?;
    let mut top = 60;
    for (index, answer) in report.verdict.iter().enumerate() {
        panel(&root, index + 1, answer, top).map_err(draw)?;
        top += panel_height(answer);
    }
    let legend = "bar: the median; line: its spread; dark green: the verdict's pick; light green: \
                  within noise of it, not ranked; grey: clearly behind; ! unsteady rounds";
    root.draw(&Text::new(
        legend,
        (20, top + 10),
        ("sans-serif", 13).into_font().color(&INK),
    ))
    .map_err(draw)?;
    root.present().map_err(draw)?;
    Ok(())
}

/// One situation's panel, from `top` down.
fn panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    number: usize,
    answer: &Answer,
    top: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let pick = answer.pick.as_deref().unwrap_or("not measured");
    let heading = format!("{number}. {}: {pick}", answer.question);
    root.draw(&Text::new(
        heading,
        (20, top),
        ("sans-serif", 16).into_font().style(FontStyle::Bold),
    ))?;
    let axis = format!("{}, {}", answer.situation.axis(), answer.unit.name());
    root.draw(&Text::new(
        axis,
        (20, top + 22),
        ("sans-serif", 12).into_font().color(&INK),
    ))?;
    let candidates = &answer.candidates;
    let low = candidates
        .iter()
        .map(|c| c.low.min(0.0))
        .fold(0.0, f64::min);
    let high = candidates
        .iter()
        .map(|c| c.high.max(c.median))
        .fold(0.0, f64::max);
    let span = (high - low).max(f64::MIN_POSITIVE);
    let room = f64::from(WIDTH as i32 - BARS - RIGHT);
    let x = |value: f64| BARS + ((value - low) / span * room).round() as i32;
    let value_style = ("sans-serif", 12)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (row, candidate) in candidates.iter().enumerate() {
        let colour = if Some(candidate.name.as_str()) == answer.pick.as_deref() {
            PICK
        } else if answer.within_noise.contains(&candidate.name) {
            NOISE
        } else {
            OTHER
        };
        let y = top + 50 + ROW * row as i32;
        let label = format!(
            "{}{}",
            answer.unit.show(candidate.median),
            if candidate.unsteady { " !" } else { "" }
        );
        bar(root, candidate, y, colour, &label, &x)?;
    }
    if candidates.is_empty() {
        root.draw(&Text::new(
            "not measured in this run",
            (BARS, top + 56),
            value_style,
        ))?;
    }
    Ok(())
}

/// One candidate's row at `y`: its name, its median as a bar from zero, its spread as a line
/// with end ticks, and `label` after them; `x` maps a value to its column.
fn bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    candidate: &Candidate,
    y: i32,
    colour: RGBColor,
    label: &str,
    x: &dyn Fn(f64) -> i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let middle = y + ROW / 2 - 2;
    let font = |size| ("sans-serif", size).into_font().color(&INK);
    let name = font(13).pos(Pos::new(HPos::Right, VPos::Center));
    root.draw(&Text::new(candidate.name.clone(), (BARS - 8, middle), name))?;
    let (zero, end) = (x(0.0), x(candidate.median));
    let (left, right) = (zero.min(end), zero.max(end).max(zero.min(end) + 1));
    root.draw(&Rectangle::new(
        [(left, y + 2), (right, y + ROW - 6)],
        colour.filled(),
    ))?;
    let (from, to) = (x(candidate.low), x(candidate.high));
    let line = |points| PathElement::new(points, INK.stroke_width(2));
    root.draw(&line(vec![(from, middle), (to, middle)]))?;
    for tick in [from, to] {
        root.draw(&line(vec![(tick, middle - 5), (tick, middle + 5)]))?;
    }
    let value = font(12).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw(&Text::new(
        label.to_owned(),
        (to.max(end) + 8, middle),
        value,
    ))?;
    Ok(())
}

//! Tables, headings and lists for a terminal (no line wider than [`WIDTH`], cells wrapped
//! between words) or as Markdown (every message whole), and the tables' number formats.

use std::fmt::Write;

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

/// No line of the terminal report is wider than this many columns.
pub(crate) const WIDTH: usize = 120;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Terminal,
    Markdown,
}

impl Style {
    /// Writes a table of `header` and `rows`; in the terminal, in the [`column_widths`].
    pub(crate) fn table(self, out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
        let header: Vec<String> = header.iter().map(|title| (*title).to_owned()).collect();
        let mut table = Table::new();
        match self {
            Style::Markdown => {
                table.load_style(presets::ASCII_MARKDOWN).set_header(header);
            }
            Style::Terminal => {
                let (widths, fitted) = column_widths(&header, &rows);
                let header: Vec<String> = header
                    .iter()
                    .zip(&widths)
                    .map(|(title, width)| textwrap::fill(title, options(*width)))
                    .collect();
                table
                    .load_style(presets::UTF8_FULL_CONDENSED)
                    .set_header(header);
                if fitted {
                    table
                        .set_content_arrangement(ContentArrangement::Dynamic)
                        .set_width(WIDTH as u16)
                        .set_constraints(widths.iter().map(|width| {
                            // comfy-table's fixed width counts the padding, one each side.
                            let width = u16::try_from(width + 2).unwrap_or(u16::MAX);
                            ColumnConstraint::Absolute(Width::Fixed(width))
                        }));
                }
            }
        }
        for row in rows {
            table.add_row(row);
        }
        writeln!(out, "{table}").expect("writing to a String");
    }

    pub(crate) fn heading(self, out: &mut String, text: &str) {
        match self {
            Style::Terminal => {
                out.push('\n');
                paragraph(out, text, "", "");
            }
            Style::Markdown => writeln!(out, "\n## {text}\n").expect("writing to a String"),
        }
    }

    /// A `key: value` line of a list.
    pub(crate) fn entry(self, out: &mut String, key: &str, value: &str) {
        match self {
            Style::Terminal => paragraph(out, value, &format!("  {key:<8} "), &" ".repeat(11)),
            Style::Markdown => writeln!(out, "- **{key}**: {value}").expect("writing to a String"),
        }
    }

    /// An item of a list.
    pub(crate) fn item(self, out: &mut String, text: &str) {
        match self {
            Style::Terminal => paragraph(out, text, "  ", "    "),
            Style::Markdown => writeln!(out, "- {text}").expect("writing to a String"),
        }
    }
}

/// Each column's width in the terminal, and whether it had to be fitted into [`WIDTH`]: then
/// each starts as wide as its longest word, and the room left goes, a step at a time, to the
/// column whose tallest cell loses a line for the fewest characters.
fn column_widths(header: &[String], rows: &[Vec<String>]) -> (Vec<usize>, bool) {
    let chars = |text: &str| text.chars().count();
    let column = |index: usize| rows.iter().filter_map(move |row| row.get(index));
    let mut widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(index, title)| {
            let cells = column(index).flat_map(|cell| cell.split_whitespace());
            let words = title.split_whitespace().chain(cells);
            words.map(chars).max().unwrap_or(0)
        })
        .collect();
    let natural: Vec<usize> = widths
        .iter()
        .enumerate()
        .map(|(index, word)| {
            column(index)
                .map(|cell| chars(cell))
                .fold(*word, usize::max)
        })
        .collect();
    // Three columns of border and padding per column, one more at the end.
    let room = WIDTH.saturating_sub(3 * header.len() + 1);
    if natural.iter().sum::<usize>() <= room {
        return (natural, false);
    }
    let tallest = |index: usize, width: usize| {
        let lines = column(index).map(|cell| textwrap::wrap(cell, options(width)).len());
        lines.max().unwrap_or(1)
    };
    let mut left = room.saturating_sub(widths.iter().sum());
    while let Some((index, extra)) = (0..widths.len())
        .filter_map(|index| {
            let now = tallest(index, widths[index]);
            (1..=left)
                .find(|extra| tallest(index, widths[index] + extra) < now)
                .map(|extra| (index, extra))
        })
        .min_by_key(|(_, extra)| *extra)
    {
        widths[index] += extra;
        left -= extra;
    }
    (widths, true)
}

/// Writes `text` wrapped at [`WIDTH`] columns, its first line after `first`, the others after
/// `rest`; a word longer than a line is cut.
pub(crate) fn paragraph(out: &mut String, text: &str, first: &str, rest: &str) {
    let options = options(WIDTH).initial_indent(first).subsequent_indent(rest);
    writeln!(out, "{}", textwrap::fill(text, options)).expect("writing to a String");
}

/// Lines of at most `width` columns, broken between words only (not at hyphens), a word longer
/// than a line cut.
fn options(width: usize) -> textwrap::Options<'static> {
    textwrap::Options::new(width).word_splitter(textwrap::WordSplitter::NoHyphenation)
}

pub(crate) fn sign(value: f64) -> &'static str {
    if value < 0.0 { "-" } else { "+" }
}

pub(crate) fn optional(value: Option<u64>) -> String {
    value.map_or("-".into(), |v| v.to_string())
}

/// Nanoseconds as microseconds with about three significant digits.
pub(crate) fn us(ns: u64) -> String {
    let us = ns as f64 / 1000.0;
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

pub(crate) fn per_call(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

pub(crate) fn duration(ns: u64) -> String {
    humantime::format_duration(std::time::Duration::from_nanos(ns)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_keep_three_digits() {
        assert_eq!(us(1_234_567), "1235");
        assert_eq!(us(12_345), "12.3");
        assert_eq!(us(1_234), "1.23");
    }

    #[test]
    fn fitted_columns_keep_words_whole_and_spend_room_where_it_saves_lines() {
        let header = ["label", "message"].map(str::to_owned);
        let message = "word ".repeat(60);
        let rows = vec![vec![
            "panic: no reactor".to_owned(),
            message.trim().to_owned(),
        ]];
        let (widths, fitted) = column_widths(&header, &rows);
        assert!(fitted);
        assert_eq!(widths[0], 17, "a line saved for the label is the cheapest");
        assert!(widths[1] > 17, "the message has the rest: {widths:?}");
        assert!(widths.iter().map(|width| width + 3).sum::<usize>() < WIDTH);
        // A table that fits keeps its natural widths.
        let rows = vec![vec!["ok".to_owned(), "short".to_owned()]];
        assert_eq!(column_widths(&header, &rows), (vec![5, 7], false));
    }
}

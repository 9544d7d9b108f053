//! A matched row's values made the model's cells: placed into their columns, values run
//! together split apart, values lost into the label recovered, doubtful ones flagged.

use super::{counts_only, found_values, left_to_right, recovered, ObservedRow, ReadCell};
use crate::geometry::PixelBox;
use crate::grid::GridCell;
use crate::model::{Cell, Doubt, Status};
use crate::ocr::{Reading, Symbol};
use crate::template::{RowSpec, ValueKind, REVIEW_COLS, REVIEW_ROWS};
use crate::value::{parse, parse_read, to_json, Parsed};

fn make_cell(
    row: &'static str,
    col: &'static str,
    kind: ValueKind,
    c: &ReadCell,
    page: usize,
) -> Cell {
    let text = c.reading.text.clone();
    let (value, confidence) = match parse_read(&text, kind) {
        Parsed::Empty => (None, c.reading.confidence),
        // Values run together that were not split apart: their digits joined are no
        // printed number.
        Parsed::Number(d) if runs_together(&text) => (to_json(&d), c.reading.confidence.min(0.5)),
        Parsed::Number(d) => (to_json(&d), c.reading.confidence),
        // Kept, but never as a sure read.
        Parsed::Doubtful(d) => (to_json(&d), c.reading.confidence.min(0.5)),
        Parsed::Unreadable => (None, 0.0),
    };
    Cell {
        row,
        col,
        value,
        text,
        confidence,
        page,
        bbox: c.grid.bbox,
        status: Status::Ok,
        symbols: c.reading.symbols.clone(),
        doubt: None,
        from_text_layer: c.reading.from_text_layer,
        basis: None,
    }
}

/// The values of a row that should hold `n`: where fewer were found, a cell read as
/// values run together (a rule between two cells lost) counts as those values, each
/// in its share of the cell, as long as that makes no more than `n`.
///
/// A cell as wide as two that reads as no printed number (a leading 0, as in "010") is
/// two values with the lost rule between them read as a 1 (in a row of counts, which
/// have no point, also as a point): it is cut there.
pub(super) fn split_run_together(values: &[&ReadCell], n: usize, counts: bool) -> Vec<ReadCell> {
    let mut out: Vec<ReadCell> = values.iter().map(|c| (*c).clone()).collect();
    let mut widths: Vec<i32> = out.iter().map(|c| c.grid.bbox.width()).collect();
    widths.sort_unstable();
    let usual_width = widths.get(widths.len() / 2).copied().unwrap_or(0);
    let mut i = 0;
    while i < out.len() && out.len() < n {
        let symbols = &symbols_of(&out[i].reading);
        // A part without a digit is a speck between the values, not one of them.
        let mut parts: Vec<&[Symbol]> = symbols
            .split(|s| s.text.trim().is_empty())
            .filter(|p| p.iter().any(|s| s.text.chars().any(|c| c.is_ascii_digit())))
            .collect();
        if parts.len() < 2 && out[i].grid.bbox.width() * 2 >= usual_width * 3 {
            if let Some(at) = lost_rule(symbols, counts) {
                parts = vec![&symbols[..at], &symbols[at + 1..]];
            }
        }
        if parts.len() < 2 || out.len() + parts.len() - 1 > n {
            i += 1;
            continue;
        }
        let b = out[i].grid.bbox;
        let k = parts.len() as i32;
        let pieces: Vec<ReadCell> = parts
            .iter()
            .enumerate()
            .map(|(j, symbols)| {
                let j = j as i32;
                let x0 = b.x0 + b.width() * j / k;
                let x1 = b.x0 + b.width() * (j + 1) / k;
                ReadCell {
                    grid: GridCell {
                        bbox: PixelBox::from_corners(x0, b.y0, x1, b.y1),
                        ..out[i].grid.clone()
                    },
                    kind: out[i].kind,
                    reading: Reading::from_symbols(symbols.to_vec()),
                }
            })
            .collect();
        let taken = pieces.len();
        out.splice(i..=i, pieces);
        i += taken;
    }
    out
}

/// The reading's symbols; for a cell read as text, which has none, its characters
/// at the reading's confidence.
fn symbols_of(reading: &Reading) -> Vec<Symbol> {
    if !reading.symbols.is_empty() {
        return reading.symbols.clone();
    }
    (reading.text.chars())
        .map(|ch| Symbol {
            text: ch.to_string(),
            confidence: reading.confidence,
            alternatives: Vec::new(),
        })
        .collect()
}

/// Where a lost rule was read as a 1 in `symbols` that no printed number reads as
/// (a leading 0 and more after it): the rule-like symbol nearest the middle. Among
/// `counts`, a point is rule-like too.
fn lost_rule(symbols: &[Symbol], counts: bool) -> Option<usize> {
    let text: String = symbols.iter().map(|s| s.text.as_str()).collect();
    if symbols.len() < 3 || !text.starts_with('0') {
        return None;
    }
    let rule_like =
        |s: &Symbol| matches!(s.text.as_str(), "1" | "|" | "l" | "I") || (counts && s.text == ".");
    (1..symbols.len() - 1)
        .filter(|&k| rule_like(&symbols[k]))
        .min_by_key(|&k| (2 * k).abs_diff(symbols.len() - 1))
}

/// Whether a value cell's text holds more than one value (the reader's gap between them).
pub fn runs_together(text: &str) -> bool {
    text.trim().contains(char::is_whitespace)
}

pub(super) fn row_cells(o: &ObservedRow, all: &[ObservedRow], row: &'static RowSpec) -> Vec<Cell> {
    let n = row.cols.len();
    let page = o.table.page;
    let (lost, split) = found_values(o, n, counts_only(row));
    let values = left_to_right(&lost, &split);
    let (chosen, guessed): (Vec<(usize, &ReadCell)>, bool) =
        if let Some(centres) = column_centres(o, all, n) {
            (place_by_position(&values, &centres), false)
        } else if values.len() >= n {
            // Extra value cells on the left of an applicant row are misread labels.
            let skip = if n == 7 { values.len() - n } else { 0 };
            let kept = values.iter().skip(skip).take(n).copied().enumerate();
            (kept.collect(), false)
        } else {
            // A value lost into its label cell (the rule between them not found) is the
            // first one: the others keep their places from the right.
            let skip = n - values.len();
            let kept = values.iter().copied().enumerate();
            (kept.map(|(k, c)| (k + skip, c)).collect(), true)
        };
    chosen
        .into_iter()
        .map(|(k, c)| {
            let cell = make_cell(row.id, row.cols[k].0, row.cols[k].1, c, page);
            let from_label = lost.iter().any(|l| std::ptr::eq(l, c));
            if guessed || from_label {
                guessed_column(cell)
            } else {
                cell
            }
        })
        .collect()
}

/// The values at the end of a label cell that took in the first value cells of its
/// row (the rule between them lost): numbers set apart from the label's words (or all
/// of it, the faint label not read), at most `missing`, each in a value cell's width
/// at the label cell's right end. They were read as text, so they are never sure.
pub(super) fn values_in_label(
    label: &ReadCell,
    missing: usize,
    values: &[ReadCell],
) -> Vec<ReadCell> {
    let is_number = |w: &&str| matches!(parse(w, ValueKind::Amount), Parsed::Number(_));
    // The value sits level with one line of a wrapped label, at that line's end.
    let found: Vec<&str> = (label.reading.text.lines())
        .flat_map(|line| {
            let words: Vec<&str> = (line.split_whitespace())
                .map(|w| w.trim_end_matches(['，', ',', '。', '、', '；', ';']))
                .collect();
            let k = words.iter().rev().take_while(|w| is_number(w)).count();
            words[words.len() - k..].to_vec()
        })
        .collect();
    let numbers = found.len().min(missing);
    if numbers == 0 {
        return Vec::new();
    }
    let mut widths: Vec<i32> = values.iter().map(|c| c.grid.bbox.width()).collect();
    widths.sort_unstable();
    let b = label.grid.bbox;
    let width = widths
        .get(widths.len() / 2)
        .copied()
        .unwrap_or(b.width() / 4);
    let width = width.min(b.width() / (numbers as i32 + 1));
    found[found.len() - numbers..]
        .iter()
        .enumerate()
        .map(|(j, w)| {
            let x0 = b.x1 - width * (numbers - j) as i32;
            recovered(label, PixelBox::from_corners(x0, b.y0, x0 + width, b.y1), w)
        })
        .collect()
}

/// A cell whose column was inferred from the order of the values left in its row, some
/// lost: if the lost one was not where assumed, every value after it is a column off,
/// and only a sum down the column can tell. Never a sure read before one does.
fn guessed_column(mut cell: Cell) -> Cell {
    cell.doubt = Some(Doubt::ColumnByOrder);
    cell
}

/// Where the `n` value columns of `o`'s table lie at `o`'s height: the centres of the
/// value cells of the nearest row on the page that shows exactly `n`, all read as
/// numbers. The nearest, because a warped scan shifts the columns down the page.
///
/// A table of no such row (a table's last row carried onto the next page, short of
/// a value whose rules broke) takes the columns of the last such row before it, where
/// each of its values stands over exactly one of them: the page was scanned where
/// the one before was.
fn column_centres(o: &ObservedRow, all: &[ObservedRow], n: usize) -> Option<Vec<i32>> {
    let y = o.mid_y();
    let full = |r: &&ObservedRow| r.values.len() == n && r.all_numbers();
    let centres =
        |r: &ObservedRow| -> Vec<i32> { r.values.iter().map(|c| c.grid.bbox.center().0).collect() };
    let same_table = (all.iter())
        .filter(|r| std::ptr::eq(r.table, o.table))
        .filter(full)
        .min_by_key(|r| (r.mid_y() - y).abs());
    if let Some(r) = same_table {
        return Some(centres(r));
    }
    let before = (all.iter())
        .take_while(|r| !std::ptr::eq(r.table, o.table))
        .filter(full)
        .last()
        .map(centres)?;
    let over_one = |c: &&ReadCell| {
        let b = c.grid.bbox;
        before.iter().filter(|&&x| b.x0 <= x && x <= b.x1).count() == 1
    };
    (!o.values.is_empty() && o.values.iter().all(over_one)).then_some(before)
}

/// Each cell to the column whose centre it covers, or failing that the nearest
/// within half a column. A cell covering several centres is two values run together
/// and is left out; of two cells on one column the one nearer its centre stays.
fn place_by_position<'a>(cells: &[&'a ReadCell], centres: &[i32]) -> Vec<(usize, &'a ReadCell)> {
    let half_gap = centres
        .windows(2)
        .map(|w| (w[1] - w[0]).abs() / 2)
        .min()
        .unwrap_or(i32::MAX);
    let mut slots: Vec<Option<(i32, &ReadCell)>> = vec![None; centres.len()];
    for &c in cells {
        let b = c.grid.bbox;
        let covered: Vec<usize> = (0..centres.len())
            .filter(|&k| b.x0 <= centres[k] && centres[k] <= b.x1)
            .collect();
        let (k, dist) = match covered[..] {
            [k] => (k, (b.center().0 - centres[k]).abs()),
            [] => {
                let Some((k, d)) = centres
                    .iter()
                    .map(|&x| (b.center().0 - x).abs())
                    .enumerate()
                    .min_by_key(|&(_, d)| d)
                else {
                    continue;
                };
                if d >= half_gap {
                    continue;
                }
                // Outside its column's centre: weaker than any cell covering it.
                (k, d + half_gap)
            }
            _ => continue,
        };
        if slots[k].is_none_or(|(d, _)| dist < d) {
            slots[k] = Some((dist, c));
        }
    }
    slots
        .into_iter()
        .enumerate()
        .filter_map(|(k, s)| s.map(|(_, c)| (k, c)))
        .collect()
}

pub(super) fn review_cells(o: &ObservedRow) -> Vec<Cell> {
    let n = REVIEW_ROWS.len() * REVIEW_COLS.len();
    let (lost, split) = found_values(o, n, true);
    let values = left_to_right(&lost, &split);
    let short = values.len() < n;
    let slots = if short {
        review_slots(o, &values, n)
    } else {
        (0..n).collect()
    };
    values
        .iter()
        .zip(slots)
        .map(|(c, k)| {
            let cell = make_cell(
                REVIEW_ROWS[k / 5],
                REVIEW_COLS[k % 5],
                ValueKind::Count,
                c,
                o.table.page,
            );
            if short || lost.iter().any(|l| std::ptr::eq(l, *c)) {
                guessed_column(cell)
            } else {
                cell
            }
        })
        .collect()
}

/// The columns of a review row that lost values: the fifteen columns share the row's
/// width about equally, so each value's place across the row tells its column, as
/// long as that keeps them in order. Otherwise, in order from the left.
///
/// The row's width is that of every cell reaching into it: a value lost into a
/// heading cell above (the rule between them faded) still widens it.
fn review_slots(o: &ObservedRow, values: &[&ReadCell], n: usize) -> Vec<usize> {
    let in_order: Vec<usize> = (0..values.len().min(n)).collect();
    let Some(row) = values.first().map(|c| c.grid.row) else {
        return in_order;
    };
    let reaching = (o.table.cells.iter())
        .filter(|c| c.grid.row <= row && row < c.grid.row + c.grid.row_span)
        .map(|c| c.grid.bbox);
    let (x0, x1) = reaching.fold((i32::MAX, i32::MIN), |(a, b), r| (a.min(r.x0), b.max(r.x1)));
    if x1 <= x0 {
        return in_order;
    }
    let slots: Vec<usize> = (values.iter())
        .map(|c| ((c.grid.bbox.center().0 - x0) as i64 * n as i64 / (x1 - x0) as i64) as usize)
        .map(|k| k.min(n - 1))
        .collect();
    if slots.windows(2).all(|w| w[0] < w[1]) {
        slots
    } else {
        in_order
    }
}

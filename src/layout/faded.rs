//! Cells joined where a rule between them faded away, cut back apart before they are
//! read: labels stacked in one cell, a label or a value and the value beside it in one,
//! a column's heading and the value under it.

use crate::crop::CellInk;
use crate::geometry::PixelBox;
use crate::grid::{GridCell, TableGrid};
use crate::ocr::ReadKind;

/// A label cell over several rows that each hold their own run of values is several
/// labels whose dividing rules faded away: cut it into one piece per such row, each
/// read alone. A heading that groups rows is not cut: a row's innermost label stands
/// between it and the values. A text cell among the values over a run of them is a
/// column's heading joined to its value: the value's row is cut off, read by its
/// ink's shape. `None` when no cell needs cutting.
pub fn split_stacked_labels(
    grid: &TableGrid,
    kinds: &[ReadKind],
) -> Option<(TableGrid, Vec<ReadKind>)> {
    let mut bands: Vec<Option<(i32, i32, i32)>> = vec![None; grid.n_rows];
    let mut counts = vec![0usize; grid.n_rows];
    for (c, _) in grid
        .cells
        .iter()
        .zip(kinds)
        .filter(|(c, &k)| k == ReadKind::Number && c.row_span == 1)
    {
        counts[c.row] += 1;
        let b = &mut bands[c.row];
        let (x0, y0, y1) = b.unwrap_or((i32::MAX, i32::MAX, i32::MIN));
        *b = Some((x0.min(c.bbox.x0), y0.min(c.bbox.y0), y1.max(c.bbox.y1)));
    }
    // A row's own run: nearly as many values as the fullest row under the same label
    // (not of the whole grid: a longer table's row ruled into it sets no measure here).
    let own_run = |r: usize, span: &std::ops::Range<usize>| {
        let full = counts[span.clone()].iter().copied().max().unwrap_or(0);
        counts[r] >= 2 && counts[r] * 4 >= full * 3
    };
    let texts: Vec<&GridCell> = grid
        .cells
        .iter()
        .zip(kinds)
        .filter(|(_, &k)| k == ReadKind::Text)
        .map(|(c, _)| c)
        .collect();
    let covers = |c: &GridCell, r: usize| c.row <= r && r < c.row + c.row_span;
    let is_leaf = |cell: &GridCell, r: usize, first_value_x: i32| {
        !texts
            .iter()
            .any(|o| covers(o, r) && o.col > cell.col && o.bbox.center().0 < first_value_x)
    };
    let mut cells = Vec::with_capacity(grid.cells.len());
    let mut out_kinds = Vec::with_capacity(kinds.len());
    let mut split_any = false;
    for (cell, &kind) in grid.cells.iter().zip(kinds) {
        let span = cell.row..cell.row + cell.row_span;
        let last = span.end - 1;
        // Pieces as (first row, rows, top, bottom).
        let pieces: Vec<(usize, usize, i32, i32)> = if kind != ReadKind::Text || span.len() < 2 {
            Vec::new()
        } else if let Some((_, y0, _)) =
            (bands[last]).filter(|&(x0, _, _)| x0 < cell.bbox.center().0 && own_run(last, &span))
        {
            // A heading over a column of values holds the value of the row under it
            // where the rule between them faded (总计 over its 8): that row is cut off.
            vec![
                (cell.row, span.len() - 1, cell.bbox.y0, y0),
                (last, 1, y0, cell.bbox.y1),
            ]
        } else {
            let rows: Vec<_> = span
                .clone()
                .filter(|&r| own_run(r, &span))
                .filter_map(|r| bands[r].map(|(x0, y0, y1)| (r, x0, y0, y1)))
                .filter(|&(r, x0, _, _)| x0 >= cell.bbox.center().0 && is_leaf(cell, r, x0))
                .map(|(r, _, y0, y1)| (r, 1, y0, y1))
                .collect();
            if rows.len() < 2 {
                Vec::new()
            } else {
                rows
            }
        };
        if pieces.is_empty() {
            cells.push(cell.clone());
            out_kinds.push(kind);
            continue;
        }
        split_any = true;
        for (row, row_span, y0, y1) in pieces {
            cells.push(GridCell {
                row,
                row_span,
                bbox: PixelBox::from_corners(cell.bbox.x0, y0, cell.bbox.x1, y1),
                ..cell.clone()
            });
            out_kinds.push(ReadKind::Text);
        }
    }
    split_any.then(|| {
        (
            TableGrid {
                cells,
                ..grid.clone()
            },
            out_kinds,
        )
    })
}

/// Rows and cells joined where a rule between them faded, cut apart: the grid and
/// its cells' ink, `analyze` giving the ink of a box. `None` when nothing needs
/// cutting. Rows first (`split_rows`), then cells (`split_columns`).
pub fn split_at_faded_rules(
    grid: &TableGrid,
    inks: &[CellInk],
    analyze: impl Fn(PixelBox) -> CellInk,
) -> Option<(TableGrid, Vec<CellInk>)> {
    let mut rows: Option<(TableGrid, Vec<CellInk>)> = None;
    // Each cut leaves two rows of the table's height, which are not cut again.
    for _ in 0..grid.n_rows {
        let (g, i) = rows
            .as_ref()
            .map_or((grid, inks), |(g, i)| (g, i.as_slice()));
        match split_rows(g, i, &analyze) {
            Some(cut) => rows = Some(cut),
            None => break,
        }
    }
    let (grid, inks) = rows
        .as_ref()
        .map_or((grid, inks), |(g, i)| (g, i.as_slice()));
    split_columns(grid, inks, &analyze).or(rows)
}

/// A row about twice as tall as the table's rows, holding no number, whose every cell's
/// ink lies clear above or below its middle, and a number there, is two rows whose
/// rule faded: a value row and the heading under or over it, which taken together
/// read as a heading and are lost. Cut at the middle, where two rows of one height
/// met.
fn split_rows(
    grid: &TableGrid,
    inks: &[CellInk],
    analyze: impl Fn(PixelBox) -> CellInk,
) -> Option<(TableGrid, Vec<CellInk>)> {
    let mut heights: Vec<i32> = (grid.cells.iter())
        .filter(|c| c.row_span == 1)
        .map(|c| c.bbox.height())
        .collect();
    heights.sort_unstable();
    let row_height = *heights.get(heights.len() / 2)?;
    let cut = (0..grid.n_rows).find_map(|r| {
        let in_row: Vec<usize> = (0..grid.cells.len())
            .filter(|&i| grid.cells[i].row == r && grid.cells[i].row_span == 1)
            .collect();
        let first = grid.cells.get(*in_row.first()?)?;
        // Two rows' height: a header of characters set one a line is taller still.
        let h = first.bbox.height() * 10;
        let tall = (row_height * 17..=row_height * 24).contains(&h);
        let numbers = in_row.iter().any(|&i| inks[i].numeric_shape);
        if !tall || numbers {
            return None;
        }
        let y = (first.bbox.y0 + first.bbox.y1) / 2;
        let halves: Vec<(CellInk, CellInk)> = (in_row.iter())
            .map(|&i| {
                let b = grid.cells[i].bbox;
                let clear = inks[i].glyph_height / 4;
                let above = analyze(PixelBox::from_corners(b.x0, b.y0, b.x1, y));
                let below = analyze(PixelBox::from_corners(b.x0, y, b.x1, b.y1));
                // Nothing of the ink crosses the middle.
                let apart = above.content.is_none_or(|a| a.y1 + clear <= y)
                    && below.content.is_none_or(|c| c.y0 >= y + clear);
                apart.then_some((above, below))
            })
            .collect::<Option<_>>()?;
        let inked_above = halves.iter().any(|(a, _)| a.content.is_some());
        let inked_below = halves.iter().any(|(_, b)| b.content.is_some());
        let number = halves
            .iter()
            .any(|(a, b)| a.numeric_shape || b.numeric_shape);
        (number && inked_above && inked_below).then_some((r, in_row, halves, y))
    })?;
    let (row, in_row, halves, y) = cut;
    let mut out: Vec<(GridCell, CellInk)> = Vec::with_capacity(grid.cells.len() + in_row.len());
    for (i, (cell, ink)) in grid.cells.iter().zip(inks).enumerate() {
        if let Some(k) = in_row.iter().position(|&j| j == i) {
            let (above, below) = &halves[k];
            let b = cell.bbox;
            let upper = PixelBox::from_corners(b.x0, b.y0, b.x1, y);
            let lower = PixelBox::from_corners(b.x0, y, b.x1, b.y1);
            out.push((
                GridCell {
                    bbox: upper,
                    ..cell.clone()
                },
                above.clone(),
            ));
            let moved = GridCell {
                row: row + 1,
                bbox: lower,
                ..cell.clone()
            };
            out.push((moved, below.clone()));
            continue;
        }
        // Cells below move down a row; cells over several rows take in the new one.
        let mut moved = cell.clone();
        if cell.row > row {
            moved.row += 1;
        } else if cell.row + cell.row_span > row {
            moved.row_span += 1;
        }
        out.push((moved, ink.clone()));
    }
    // Reading order: by row, then column.
    out.sort_by_key(|(c, _)| (c.row, c.col));
    let (cells, out_inks) = out.into_iter().unzip();
    Some((
        TableGrid {
            n_rows: grid.n_rows + 1,
            cells,
            ..grid.clone()
        },
        out_inks,
    ))
}

/// A cell across several columns holding a label or a number and, across a column
/// rule of the table's other rows, a number, is two cells of a row whose rule faded
/// (a heading spans those columns too, but is no number at its right). Cut it at that
/// rule.
fn split_columns(
    grid: &TableGrid,
    inks: &[CellInk],
    analyze: impl Fn(PixelBox) -> CellInk,
) -> Option<(TableGrid, Vec<CellInk>)> {
    let mut cells = Vec::with_capacity(grid.cells.len());
    let mut out_inks = Vec::with_capacity(inks.len());
    let mut split_any = false;
    for (cell, ink) in grid.cells.iter().zip(inks) {
        match cut_before_value(grid, cell, ink, &analyze) {
            Some(pieces) => {
                split_any = true;
                for (piece, ink) in pieces {
                    cells.push(piece);
                    out_inks.push(ink);
                }
            }
            None => {
                cells.push(cell.clone());
                out_inks.push(ink.clone());
            }
        }
    }
    split_any.then(|| {
        (
            TableGrid {
                cells,
                ..grid.clone()
            },
            out_inks,
        )
    })
}

/// `cell` cut into what stands before a value and the value, with their ink, where
/// it holds both.
fn cut_before_value(
    grid: &TableGrid,
    cell: &GridCell,
    ink: &CellInk,
    analyze: impl Fn(PixelBox) -> CellInk,
) -> Option<[(GridCell, CellInk); 2]> {
    let whole = ink
        .content
        .filter(|_| cell.col_span >= 2 && cell.row_span == 1)?;
    let b = &cell.bbox;
    (cell.col + 1..cell.col + cell.col_span).find_map(|col| {
        // Where the rule runs in the nearest row that has it: a cell there starts or
        // ends at it.
        let rule_at = |o: &GridCell| {
            (o.col == col)
                .then_some(o.bbox.x0)
                .or((o.col + o.col_span == col).then_some(o.bbox.x1))
        };
        let (_, x) = (grid.cells.iter())
            .filter_map(|o| Some((o.row.abs_diff(cell.row), rule_at(o)?)))
            .min_by_key(|&(rows_away, _)| rows_away)?;
        let before = analyze(PixelBox::from_corners(b.x0, b.y0, x, b.y1));
        let value = analyze(PixelBox::from_corners(x, b.y0, b.x1, b.y1));
        let (l, v) = (before.content?, value.content?);
        // Nothing of the ink crosses the rule's place: a line of text across it
        // (a heading) is one cell.
        let clear = ink.glyph_height / 2;
        let apart = l.x1 + clear <= x && v.x0 >= x + clear;
        // Both pieces are of the text the whole cell holds: what the whole counts as
        // dust beside its glyphs (a rule's sliver, specks) is no value.
        let of_whole = whole.x0 <= l.x0 && v.x1 <= whole.x1;
        // Digits are about as tall as a label's characters or the digits before them:
        // a taller stroke is what is left of the faded rule, a flat one of a rule
        // across, neither a digit.
        let (h, before_h) = (value.glyph_height, before.glyph_height);
        let digits = value.numeric_shape && h * 4 <= before_h * 5 && h * 2 >= before_h;
        (apart && of_whole && digits).then(|| {
            let piece = |col, col_span, x0, x1| GridCell {
                col,
                col_span,
                bbox: PixelBox::from_corners(x0, b.y0, x1, b.y1),
                ..cell.clone()
            };
            let value_span = cell.col + cell.col_span - col;
            [
                (piece(cell.col, col - cell.col, b.x0, x), before),
                (piece(col, value_span, x, b.x1), value),
            ]
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mark of ink: its corners `x0, y0, x1, y1`, and whether it is a digit.
    type Mark = ((i32, i32, i32, i32), bool);

    /// Ink made of marks: a region's ink is the marks whose centre lies in it.
    fn ink_of(marks: &[Mark], region: PixelBox) -> CellInk {
        let inside: Vec<_> = (marks.iter())
            .map(|&((x0, y0, x1, y1), digit)| (PixelBox::from_corners(x0, y0, x1, y1), digit))
            .filter(|(b, _)| {
                let (x, y) = b.center();
                region.contains_point(x, y)
            })
            .collect();
        let content = (inside.iter().map(|(b, _)| *b)).reduce(|a, b| a.union(&b));
        let numeric = !inside.is_empty() && inside.iter().all(|&(_, digit)| digit);
        CellInk::summary(content, numeric)
    }

    fn cell(row: usize, col: usize, col_span: usize, (x0, x1): (i32, i32)) -> GridCell {
        let y0 = row as i32 * 40;
        GridCell {
            row,
            col,
            row_span: 1,
            col_span,
            bbox: PixelBox::from_corners(x0, y0, x1, y0 + 40),
        }
    }

    /// A two-column table: row 0 ruled (label, value), row 1 one cell across both
    /// holding `marks`.
    fn split_row_with(marks: &[Mark]) -> Option<(TableGrid, Vec<CellInk>)> {
        split_row_seen_whole_as(marks, |ink| ink)
    }

    /// [`split_row_with`], where the analysis of the whole row-1 cell gives `whole`
    /// of its ink.
    fn split_row_seen_whole_as(
        marks: &[Mark],
        whole: impl Fn(CellInk) -> CellInk,
    ) -> Option<(TableGrid, Vec<CellInk>)> {
        let cells = vec![
            cell(0, 0, 1, (0, 200)),
            cell(0, 1, 1, (200, 400)),
            cell(1, 0, 2, (0, 400)),
        ];
        let grid = TableGrid {
            bbox: PixelBox::from_corners(0, 0, 400, 80),
            n_rows: 2,
            n_cols: 2,
            cells,
        };
        let mut inks: Vec<CellInk> = grid.cells.iter().map(|c| ink_of(marks, c.bbox)).collect();
        inks[2] = whole(inks[2].clone());
        split_at_faded_rules(&grid, &inks, |b| ink_of(marks, b))
    }

    #[test]
    fn a_label_and_a_number_across_a_faded_rule_are_cut_at_the_rule() {
        let label = ((50, 50, 150, 70), false);
        let value = ((290, 52, 310, 68), true);
        let (grid, inks) = split_row_with(&[label, value]).expect("the row cut");
        let row: Vec<_> = (grid.cells.iter().zip(&inks))
            .filter(|(c, _)| c.row == 1)
            .map(|(c, ink)| (c.col, c.col_span, c.bbox.x0, c.bbox.x1, ink.numeric_shape))
            .collect();
        assert_eq!(row, [(0, 1, 0, 200, false), (1, 1, 200, 400, true)]);
    }

    #[test]
    fn two_numbers_across_a_faded_rule_are_cut_and_one_number_is_not() {
        let (left, right) = (((90, 52, 110, 68), true), ((290, 52, 310, 68), true));
        let (grid, inks) = split_row_with(&[left, right]).expect("the row cut");
        let digits =
            (grid.cells.iter().zip(&inks)).filter(|(c, ink)| c.row == 1 && ink.numeric_shape);
        assert_eq!(digits.count(), 2);
        // One number centred across both columns: the value of a wide cell.
        assert!(split_row_with(&[((185, 52, 215, 68), true)]).is_none());
    }

    #[test]
    fn a_heading_a_stroke_or_text_across_the_rule_is_not_cut() {
        // A heading: text, no number, right of the rule.
        assert!(split_row_with(&[((150, 50, 300, 70), false)]).is_none());
        assert!(
            split_row_with(&[((50, 50, 150, 70), false), ((250, 50, 350, 70), false)]).is_none()
        );
        // A number whose ink reaches across the rule's place.
        assert!(
            split_row_with(&[((50, 50, 150, 70), false), ((195, 52, 260, 68), true)]).is_none()
        );
        // What is left of the rule beside a number: taller than any glyph.
        assert!(
            split_row_with(&[((50, 50, 150, 70), false), ((290, 42, 310, 78), true)]).is_none()
        );
        // A sliver of a rule across the cell, beside a number: flatter than a digit.
        let sliver = [((90, 52, 110, 68), true), ((250, 64, 350, 68), true)];
        assert!(split_row_with(&sliver).is_none());
        // A mark the whole cell counted as dust beside its number is no value.
        let specks = [((90, 52, 110, 68), true), ((290, 52, 310, 68), true)];
        let number_alone =
            |_| CellInk::summary(Some(PixelBox::from_corners(90, 52, 110, 68)), true);
        assert!(split_row_seen_whole_as(&specks, number_alone).is_none());
    }

    /// Row 0 (label, value) and row 2 of one height, row 1 of `row_1_height`, each
    /// two cells, holding `marks`: the cells of the grid cut apart, by row.
    fn rows_cut_with(row_1_height: i32, marks: &[Mark]) -> Option<Vec<(usize, i32, i32)>> {
        let row = |r: usize, y0: i32, y1: i32| {
            [(0, 200), (200, 400)].map(|(x0, x1)| GridCell {
                row: r,
                col: x0 as usize / 200,
                row_span: 1,
                col_span: 1,
                bbox: PixelBox::from_corners(x0, y0, x1, y1),
            })
        };
        let end = 40 + row_1_height;
        let cells: Vec<GridCell> = [row(0, 0, 40), row(1, 40, end), row(2, end, end + 40)].concat();
        let grid = TableGrid {
            bbox: PixelBox::from_corners(0, 0, 400, end + 40),
            n_rows: 3,
            n_cols: 2,
            cells,
        };
        let inks: Vec<CellInk> = grid.cells.iter().map(|c| ink_of(marks, c.bbox)).collect();
        let (cut, cut_inks) = split_at_faded_rules(&grid, &inks, |b| ink_of(marks, b))?;
        assert_eq!(cut.n_rows, 4);
        assert_eq!(cut_inks.len(), cut.cells.len());
        Some(
            (cut.cells.iter())
                .map(|c| (c.row, c.bbox.y0, c.bbox.y1))
                .collect(),
        )
    }

    #[test]
    fn a_value_row_and_a_heading_joined_by_a_faded_rule_are_cut_at_the_middle() {
        let label = ((50, 46, 150, 60), false);
        let value = ((290, 46, 310, 60), true);
        let heading = ((220, 100, 380, 114), false);
        let rows = rows_cut_with(80, &[label, value, heading]).expect("the row cut");
        let spans = [(0, 0, 40), (1, 40, 80), (2, 80, 120), (3, 120, 160)];
        let expected: Vec<_> = spans.iter().flat_map(|&s| [s, s]).collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_tall_row_of_text_across_its_middle_or_without_a_number_is_not_cut() {
        let (value, heading) = (((290, 46, 310, 60), true), ((220, 100, 380, 114), false));
        assert!(rows_cut_with(80, &[((50, 46, 150, 60), false), value, heading]).is_some());
        // A label wrapped over the middle.
        let wrapped = ((50, 50, 150, 110), false);
        assert!(rows_cut_with(80, &[wrapped, value, heading]).is_none());
        // No number on either side.
        let lines = [((50, 46, 150, 60), false), ((220, 100, 380, 114), false)];
        assert!(rows_cut_with(80, &lines).is_none());
        // Four rows' height: a header set one character a line.
        let deep = [value, ((220, 150, 380, 164), false)];
        assert!(rows_cut_with(160, &deep).is_none());
    }
}

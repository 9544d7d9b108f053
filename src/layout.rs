//! Layout: decides which cells hold values, then maps the rows of every table found
//! onto the model's tables, templates, rows and columns.
//!
//! Rows are matched in order against the format's known row sequence (table
//! `active_disclosure`, then `applications`, then the fifteen-number row of
//! `reviews_litigation`) by dynamic programming over label similarity, so one garbled
//! label, a missing row or an extra header row does not derail the rest. Each template
//! pairing (2019/2021 for the first two tables) is tried and the best-scoring kept.

use crate::crop::CellInk;
use crate::geometry::PixelBox;
use crate::grid::{GridCell, TableGrid};
use crate::labels::{self, best_similarity};
use crate::model::{Doubt, Table};
use crate::ocr::{ReadKind, Reading};
use crate::template::{self, RowSpec, TableSpec, Template, ValueKind};
use crate::value::{parse, Parsed};
use std::collections::HashMap;

/// Decides per cell whether it holds a value (read as a number) or a label. A cell
/// shaped like a number is a value. So is one whose digits ran together into a
/// blob, found by its place: in a value column (most of its one-column cells shaped
/// like numbers) and a row whose other values are. An empty cell is a value there too.
pub fn assign_kinds(grid: &TableGrid, inks: &[CellInk]) -> Vec<ReadKind> {
    let mut votes = vec![(0usize, 0usize); grid.n_cols];
    for (cell, ink) in grid.cells.iter().zip(inks) {
        if cell.col_span == 1 && ink.content.is_some() {
            votes[cell.col].1 += 1;
            if ink.numeric_shape {
                votes[cell.col].0 += 1;
            }
        }
    }
    let value_col: Vec<bool> = votes
        .iter()
        .map(|&(n, all)| all > 0 && n * 2 >= all)
        .collect();
    let mut row_votes = vec![(0usize, 0usize); grid.n_rows];
    for (cell, ink) in grid.cells.iter().zip(inks) {
        if value_col[cell.col] && ink.content.is_some() {
            row_votes[cell.row].1 += 1;
            if ink.numeric_shape {
                row_votes[cell.row].0 += 1;
            }
        }
    }
    // Where a row's numbers start: an empty cell after that is a value printed empty.
    let mut first_number = vec![usize::MAX; grid.n_rows];
    for (cell, ink) in grid.cells.iter().zip(inks) {
        if ink.numeric_shape {
            first_number[cell.row] = first_number[cell.row].min(cell.col);
        }
    }
    grid.cells
        .iter()
        .zip(inks)
        .map(|(cell, ink)| {
            let (n, all) = row_votes[cell.row];
            let row_numeric = all > 0 && n * 2 > all;
            // Digits run together still make one short line, a label does not.
            let number_sized = ink.content.is_none_or(|c| {
                c.width() <= 4 * ink.glyph_height && c.height() * 2 <= ink.glyph_height * 3
            });
            let by_place =
                (value_col[cell.col] && number_sized && (ink.content.is_none() || row_numeric))
                    || (ink.content.is_none() && cell.col > first_number[cell.row]);
            if ink.numeric_shape || by_place {
                ReadKind::Number
            } else {
                ReadKind::Text
            }
        })
        .collect()
}

/// A cell after reading.
#[derive(Clone, Debug)]
pub struct ReadCell {
    pub grid: GridCell,
    pub kind: ReadKind,
    /// Empty cells carry an empty reading.
    pub reading: Reading,
}

/// A table after reading, on its page.
#[derive(Clone, Debug)]
pub struct ReadTable {
    pub page: usize,
    pub bbox: PixelBox,
    pub n_cols: usize,
    pub n_rows: usize,
    pub cells: Vec<ReadCell>,
}

/// One printed row: its innermost label and its value cells, left to right.
struct ObservedRow<'a> {
    table: &'a ReadTable,
    leaf: String,
    /// The cell the leaf was read from.
    label: Option<&'a ReadCell>,
    /// The cells right of the label: values, and text where a value stands (a number
    /// misread as text, which must surface as unreadable rather than vanish).
    values: Vec<&'a ReadCell>,
    /// Text cells among the values that reach down into this row from above: a column
    /// heading whose rule to the value below it faded.
    heads: Vec<&'a ReadCell>,
}

impl ObservedRow<'_> {
    fn mid_y(&self) -> i32 {
        let ys: Vec<i32> = self.values.iter().map(|c| c.grid.bbox.center().1).collect();
        ys.iter().sum::<i32>() / ys.len().max(1) as i32
    }

    /// Whether every cell of the row was read as a number.
    fn all_numbers(&self) -> bool {
        self.values.iter().all(|c| c.kind == ReadKind::Number)
    }
}

fn observed_rows(tables: &[ReadTable]) -> Vec<ObservedRow<'_>> {
    let mut out = Vec::new();
    let row_labels = template::row_labels();
    for t in tables {
        for r in 0..t.n_rows {
            let in_row: Vec<&ReadCell> = t.cells.iter().filter(|c| c.grid.row == r).collect();
            let first_number_from = |col: usize| {
                (in_row.iter())
                    .filter(|c| c.kind == ReadKind::Number && c.grid.col >= col)
                    .map(|c| c.grid.col)
                    .min()
                    .unwrap_or(usize::MAX)
            };
            // Numbers stand right of their row's label: one left of it is its numbering
            // (一、) cut off by a stray rule and read as a digit. A label is one row
            // high with numbers after it (not a column's heading reaching down).
            let first_number = first_number_from(0);
            let label_end = (in_row.iter())
                .filter(|c| c.kind == ReadKind::Text && c.grid.row_span == 1)
                .filter(|c| c.grid.col > first_number)
                .map(|c| (c, c.grid.col + c.grid.col_span))
                .filter(|&(_, end)| first_number_from(end) != usize::MAX)
                .filter(|(c, _)| labels::names_a_label(&c.reading.text, &row_labels))
                .map(|(_, end)| end)
                .max();
            let first_value_col = first_number_from(label_end.unwrap_or(0));
            let mut values: Vec<&ReadCell> = in_row
                .into_iter()
                .filter(|c| c.grid.col >= first_value_col)
                .filter(|c| {
                    c.kind == ReadKind::Number
                        || (c.grid.row_span == 1 && !c.reading.text.trim().is_empty())
                })
                .collect();
            values.sort_by_key(|c| c.grid.col);
            let label = t
                .cells
                .iter()
                .filter(|c| {
                    c.kind == ReadKind::Text
                        && c.grid.row <= r
                        && r < c.grid.row + c.grid.row_span
                        && c.grid.col < first_value_col
                        && !c.reading.text.is_empty()
                })
                .max_by_key(|c| c.grid.col)
                .filter(|c| {
                    let labels = (t.cells.iter())
                        .filter(|o| o.kind == ReadKind::Text && !o.reading.text.is_empty());
                    !heads_a_group(&c.grid, labels.map(|o| &o.grid))
                });
            let heads = (t.cells.iter())
                .filter(|c| {
                    c.kind == ReadKind::Text
                        && c.grid.row_span > 1
                        && c.grid.row + c.grid.row_span == r + 1
                        && c.grid.col >= first_value_col
                })
                .collect();
            out.push(ObservedRow {
                table: t,
                leaf: label.map(|c| c.reading.text.clone()).unwrap_or_default(),
                label,
                values,
                heads,
            });
        }
    }
    out
}

/// Whether label `c` heads a group of rows: it spans several, and one of them has
/// a label of its own further right (`labels`: the text cells that hold one). Such a
/// heading ("三、本年度办理结果") is no row's name; a row of the group whose own label
/// was lost is unnamed, not it.
pub fn heads_a_group<'a>(c: &GridCell, mut labels: impl Iterator<Item = &'a GridCell>) -> bool {
    let rows = c.row..c.row + c.row_span;
    c.row_span > 1 && labels.any(|o| rows.contains(&o.row) && o.col >= c.col + c.col_span)
}

#[derive(Clone, Copy)]
enum Expected {
    Row(&'static TableSpec, &'static RowSpec),
    Reviews,
}

/// Breaks ties between template pairings only: far below any one row's score.
const SAME_VERSION_BONUS: f32 = 1e-3;
/// Matches weaker than this are not the row, whatever the order says.
const MIN_SIMILARITY: f32 = 0.45;
/// Each match must beat this to be worth taking; keeps noise rows unmatched.
const MATCH_COST: f32 = 0.3;

fn score(o: &ObservedRow, e: Expected) -> f32 {
    match e {
        Expected::Reviews => {
            // Values run together where a column rule was lost count as they were
            // printed, as review_cells will place them.
            let (lost, split) = found_values(o, 15, true);
            let found = lost.len() + split.len();
            let by_count = match found {
                15 => 1.0,
                13..=17 => 0.6,
                _ => 0.0,
            };
            // A header row carried over a page break (its first cells empty, the rest
            // "维持 纠正 …") counts fifteen cells too, but few of them are numbers.
            let numbers = o
                .values
                .iter()
                .filter(|c| c.kind == ReadKind::Number)
                .count();
            by_count * numbers as f32 / o.values.len().max(1) as f32
        }
        Expected::Row(_, spec) => {
            if o.values.is_empty() || o.leaf.is_empty() {
                return 0.0;
            }
            let sim = best_similarity(&o.leaf, spec.labels);
            sim * if fits(o, spec) { 1.0 } else { 0.8 }
        }
    }
}

/// Whether `o` holds as many values as `row` has columns, counting values run together
/// as they will be split; an applicant row may show more (labels misread as values).
fn fits(o: &ObservedRow, row: &RowSpec) -> bool {
    let n = row.cols.len();
    let found = match o.values.len() {
        m if m >= n => m,
        _ => {
            let (lost, split) = found_values(o, n, counts_only(row));
            lost.len() + split.len()
        }
    };
    found == n || (n == 7 && found > 7)
}

/// The values of `o` in a row of `n` (of `counts` only): those lost into its label
/// cell or into a heading above, and the rest with values run together split apart.
fn found_values(o: &ObservedRow, n: usize, counts: bool) -> (Vec<ReadCell>, Vec<ReadCell>) {
    let split = split_run_together(&o.values, n, counts);
    let mut lost = match o.label {
        Some(label) if split.len() < n => values_in_label(label, n - split.len(), &split),
        _ => Vec::new(),
    };
    for head in &o.heads {
        if split.len() + lost.len() >= n {
            break;
        }
        lost.extend(value_at_foot(head, &split));
    }
    (lost, split)
}

/// The value printed under a column heading when the rule between them faded: the
/// last line of the heading cell, when it is a number (a sliver of the rule beside it
/// left out), set level with the row's other values.
fn value_at_foot(head: &ReadCell, values: &[ReadCell]) -> Option<ReadCell> {
    let last = head.reading.text.lines().last()?;
    let word = last.trim().trim_start_matches(['[', '|']);
    if !matches!(parse(word, ValueKind::Amount), Parsed::Number(_)) {
        return None;
    }
    let b = head.grid.bbox;
    let y0 = values.iter().map(|c| c.grid.bbox.y0).min()?.max(b.y0);
    Some(recovered(
        head,
        PixelBox::from_corners(b.x0, y0, b.x1, b.y1),
        word,
    ))
}

/// A value found inside the text cell `from`, standing at `bbox`: read as text, at
/// that reading's confidence and with no symbols of its own.
fn recovered(from: &ReadCell, bbox: PixelBox, text: &str) -> ReadCell {
    ReadCell {
        grid: GridCell {
            bbox,
            ..from.grid.clone()
        },
        kind: ReadKind::Number,
        reading: Reading {
            text: text.to_string(),
            confidence: from.reading.confidence,
            symbols: Vec::new(),
            from_text_layer: from.reading.from_text_layer,
        },
    }
}

/// Recovered and read values together, in their order across the row.
fn left_to_right<'a>(lost: &'a [ReadCell], split: &'a [ReadCell]) -> Vec<&'a ReadCell> {
    let mut values: Vec<&ReadCell> = lost.iter().chain(split).collect();
    values.sort_by_key(|c| c.grid.bbox.center().0);
    values
}

/// Whether every column of `row` is a count.
fn counts_only(row: &RowSpec) -> bool {
    row.cols.iter().all(|c| c.1 == ValueKind::Count)
}

/// Order-preserving best matching of observed to expected rows.
fn align(obs: &[ObservedRow], exp: &[Expected]) -> (f32, Vec<(usize, usize)>) {
    let (n, m) = (obs.len(), exp.len());
    let mut dp = vec![vec![0f32; m + 1]; n + 1];
    let mut s = vec![vec![0f32; m]; n];
    for i in 0..n {
        for j in 0..m {
            s[i][j] = score(&obs[i], exp[j]);
        }
    }
    for i in 1..=n {
        for j in 1..=m {
            let mut best = dp[i - 1][j].max(dp[i][j - 1]);
            if s[i - 1][j - 1] >= MIN_SIMILARITY {
                best = best.max(dp[i - 1][j - 1] + s[i - 1][j - 1] - MATCH_COST);
            }
            dp[i][j] = best;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        if dp[i][j] == dp[i - 1][j] {
            i -= 1;
        } else if dp[i][j] == dp[i][j - 1] {
            j -= 1;
        } else {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        }
    }
    pairs.reverse();
    (dp[n][m], pairs)
}

/// The matched pairs, plus rows placed by order: between two matched rows, when as
/// many printed rows with the right number of values remain unmatched as the format
/// has rows there, they are those rows, in order (a stamp or pen mark over labels).
fn fill_by_order(
    obs: &[ObservedRow],
    exp: &[Expected],
    pairs: &[(usize, usize)],
) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    for (k, &(oi, ei)) in pairs.iter().enumerate() {
        out.push((oi, ei, false));
        let Some(&(oj, ej)) = pairs.get(k + 1) else {
            break;
        };
        let slots: Vec<usize> = (ei + 1..ej).collect();
        let fits = |o: usize, e: usize| match exp[e] {
            Expected::Row(_, spec) => fits(&obs[o], spec),
            Expected::Reviews => false,
        };
        // A row that fits none of the slots is a stray (a heading's stroke read as a
        // digit), not a printed row of values.
        let rows: Vec<usize> = (oi + 1..oj)
            .filter(|&o| slots.iter().any(|&e| fits(o, e)))
            .collect();
        if !slots.is_empty()
            && rows.len() == slots.len()
            && rows.iter().zip(&slots).all(|(&o, &e)| fits(o, e))
        {
            out.extend(rows.into_iter().zip(slots).map(|(o, e)| (o, e, true)));
        }
    }
    out
}

/// The model's tables from the tables read, with the template of each.
pub fn map_tables(tables: &[ReadTable]) -> Vec<Table> {
    map_tables_for_year(tables, None)
}

/// [`map_tables`] for a report on `year`, in the versions of the format it can use.
pub fn map_tables_for_year(tables: &[ReadTable], year: Option<i32>) -> Vec<Table> {
    map_naming_unread(tables, year).tables
}

/// What mapping made of the tables read.
pub struct Mapping {
    pub tables: Vec<Table>,
    /// The label cells left unread ([`labels::unread`]) whose rows could not be named
    /// by their place (see `named_by_place`), by page and box: they must be read and
    /// the tables mapped again.
    pub unnamed: Vec<(usize, PixelBox)>,
}

/// [`map_tables_for_year`], rows with labels left unread named by their place.
pub fn map_naming_unread(tables: &[ReadTable], year: Option<i32>) -> Mapping {
    let obs = observed_rows(tables);
    struct Best {
        score: f32,
        exp: Vec<Expected>,
        pairs: Vec<(usize, usize)>,
    }
    let mut best: Option<Best> = None;
    let possible = |t: &&TableSpec| t.template.possible_for(year);
    for active in template::active_specs().into_iter().filter(possible) {
        for apps in template::application_specs().into_iter().filter(possible) {
            let exp: Vec<Expected> = active
                .rows()
                .map(|r| Expected::Row(active, r))
                .chain(apps.rows().map(|r| Expected::Row(apps, r)))
                .chain([Expected::Reviews])
                .collect();
            let (mut score, pairs) = align(&obs, &exp);
            // When the rows that tell the versions apart were not seen, a report is
            // more likely printed in one version than in a mix of both.
            if active.template == apps.template {
                score += SAME_VERSION_BONUS;
            }
            if best.as_ref().is_none_or(|b| score > b.score + 1e-6) {
                best = Some(Best { score, exp, pairs });
            }
        }
    }
    let unread_label = |o: &ObservedRow| {
        (o.label)
            .filter(|_| labels::is_unread(&o.leaf))
            .map(|c| (o.table.page, c.grid.bbox))
    };
    let Some(Best { exp, pairs, .. }) = best else {
        return Mapping {
            tables: Vec::new(),
            unnamed: obs.iter().filter_map(unread_label).collect(),
        };
    };
    let mut out: Vec<Table> = Vec::new();
    let mut placed = fill_by_order(&obs, &exp, &pairs);
    seat_beside_neighbours(&obs, &exp, &mut placed);
    let placed_at: HashMap<usize, (usize, bool)> = placed
        .iter()
        .map(|&(oi, ei, by_order)| (oi, (ei, by_order)))
        .collect();
    let ambiguous = ambiguous_labels(&obs, &exp, &placed);
    let named = |oi: usize| {
        placed_at
            .get(&oi)
            .is_some_and(|&(ei, _)| named_by_place(&obs, &placed_at, &ambiguous, oi, ei))
    };
    let unnamed = (obs.iter().enumerate())
        .filter(|(oi, _)| !named(*oi))
        .filter_map(|(_, o)| unread_label(o))
        .collect();
    // Formatting every row's match costs on each mapping; only when it is shown.
    if log::log_enabled!(log::Level::Debug) {
        for (i, o) in obs.iter().enumerate() {
            let row = placed.iter().find(|p| p.0 == i).map(|p| match exp[p.1] {
                Expected::Row(spec, row) => format!("{}.{}", spec.id, row.id),
                Expected::Reviews => "reviews_litigation".into(),
            });
            log::debug!(
                "row {i} {:?} ({} values) -> {row:?}{} {:?}",
                o.leaf,
                o.values.len(),
                if ambiguous.contains(&i) {
                    " (label ambiguous)"
                } else {
                    ""
                },
                o.values
                    .iter()
                    .map(|c| c.reading.text.as_str())
                    .collect::<Vec<_>>()
            );
        }
    }
    for (oi, ei, by_order) in placed {
        let o = &obs[oi];
        let (table_id, tpl, cells) = match exp[ei] {
            Expected::Reviews => (
                "reviews_litigation",
                reviews_template(&out),
                review_cells(o),
            ),
            Expected::Row(spec, row) => (spec.id, spec.template, row_cells(o, &obs, row)),
        };
        let table = match out.iter_mut().find(|t| t.id == table_id) {
            Some(t) => t,
            None => {
                out.push(Table {
                    id: table_id,
                    template: tpl.as_str(),
                    page: o.table.page,
                    bbox: o.table.bbox,
                    cells: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        let doubt = if named(oi) {
            None
        } else if by_order {
            Some(Doubt::RowByOrder)
        } else if ambiguous.contains(&oi) {
            Some(Doubt::RowLabelAmbiguous)
        } else {
            None
        };
        table.cells.extend(cells.into_iter().map(|mut c| {
            c.doubt = c.doubt.or(doubt);
            c
        }));
    }
    Mapping {
        tables: out,
        unnamed,
    }
}

/// The review table is the same in both formats; it follows the applications table's.
fn reviews_template(found: &[Table]) -> Template {
    match found
        .iter()
        .find(|t| t.id == "applications")
        .map(|t| t.template)
    {
        Some("2019") => Template::Y2019,
        _ => Template::Y2021,
    }
}

mod by_place;
mod faded;
mod row_cells;
#[cfg(test)]
mod tests;

use by_place::{ambiguous_labels, named_by_place, seat_beside_neighbours};
pub use faded::{split_at_faded_rules, split_stacked_labels};
pub use row_cells::runs_together;
use row_cells::{review_cells, row_cells, split_run_together, values_in_label};

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
use crate::model::{Cell, Doubt, Status, Table};
use crate::ocr::{ReadKind, Reading, Symbol};
use crate::template::{self, RowSpec, TableSpec, Template, ValueKind, REVIEW_COLS, REVIEW_ROWS};
use crate::value::{parse, parse_read, to_json, Parsed};
use std::collections::{HashMap, HashSet};

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
    /// by their place (see [`named_by_place`]), by page and box: they must be read and
    /// the tables mapped again.
    pub unnamed: Vec<(usize, PixelBox)>,
}

/// Whether the row `oi`, its label left unread and placed at `ei` by order (or read
/// but naming no one row: in `ambiguous`), is named by its place: each way, the rows
/// beside it up to the first whose label names it alone are placed at the rows beside
/// `ei`, each by order with its label unread or by an ambiguous label. The format
/// prints its rows in one order, so such a row is as sure as if read; where a read
/// label was no help (a stain, a row split in two), it is not.
fn named_by_place(
    obs: &[ObservedRow],
    placed: &HashMap<usize, (usize, bool)>,
    ambiguous: &HashSet<usize>,
    oi: usize,
    ei: usize,
) -> bool {
    let needs_its_place = |o: usize| labels::is_unread(&obs[o].leaf) || ambiguous.contains(&o);
    let reaches_a_naming_label = |step: isize| {
        let (mut o, mut e) = (oi as isize, ei as isize);
        loop {
            (o, e) = (o + step, e + step);
            let (Ok(ou), Ok(eu)) = (usize::try_from(o), usize::try_from(e)) else {
                return false;
            };
            match placed.get(&ou) {
                Some(&(at, by_order)) if at == eu => {
                    if !by_order && !ambiguous.contains(&ou) {
                        return true;
                    }
                    if !needs_its_place(ou) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    };
    needs_its_place(oi) && reaches_a_naming_label(-1) && reaches_a_naming_label(1)
}

/// How far under the similarity of a row's label to its own row another row's may
/// come and still fit as well: the one or two characters that tell rows apart
/// ("本年新收" and "上年结转" before the same "政府信息公开申请数量") are the
/// ones OCR drops when a stray rule cuts the label.
const AMBIGUOUS_WITHIN: f32 = 0.05;

/// The rows of the format that `placed[k]`, placed by its label, fits as well as the
/// one it was put at: of its table, taken by no row (`taken`), and where the order of
/// the rows placed before and after it allows.
fn rivals(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &[(usize, usize, bool)],
    taken: &HashSet<usize>,
    k: usize,
) -> Vec<usize> {
    let (oi, ei, by_order) = placed[k];
    let Expected::Row(spec, _) = exp[ei] else {
        return Vec::new();
    };
    if by_order {
        return Vec::new();
    }
    let after = k.checked_sub(1).map_or(0, |p| placed[p].1 + 1);
    let before = placed.get(k + 1).map_or(exp.len(), |p| p.1);
    let own = score(&obs[oi], exp[ei]);
    (after..before)
        .filter(|&ej| {
            ej != ei
                && !taken.contains(&ej)
                && matches!(exp[ej], Expected::Row(s, _) if s.id == spec.id)
                && score(&obs[oi], exp[ej]) >= own - AMBIGUOUS_WITHIN
        })
        .collect()
}

/// Each row placed by a label that fits as well a free row right beside where a
/// neighbour was placed (the next printed row placed at the row after the rival, or the
/// previous at the one before it), its own place beside neither, moved there: the
/// format prints its rows in one order, so that is where it stands.
fn seat_beside_neighbours(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &mut [(usize, usize, bool)],
) {
    for k in 0..placed.len() {
        let taken: HashSet<usize> = placed.iter().map(|p| p.1).collect();
        let beside = |placed: &[(usize, usize, bool)], e: usize| {
            let (oi, _, _) = placed[k];
            let prev = k.checked_sub(1).map(|p| placed[p]);
            let next = placed.get(k + 1);
            prev.is_some_and(|p| p.0 + 1 == oi && p.1 + 1 == e)
                || next.is_some_and(|n| n.0 == oi + 1 && n.1 == e + 1)
        };
        if beside(placed, placed[k].1) {
            continue;
        }
        if let Some(ej) =
            (rivals(obs, exp, placed, &taken, k).into_iter()).find(|&ej| beside(placed, ej))
        {
            placed[k].1 = ej;
        }
    }
}

/// The rows of `placed` (by observed row) placed by a label that names no one row: its
/// cell stands beside another row of values too (the rules between the labels lost),
/// or it fits as well another row of the same table ([`rivals`]).
fn ambiguous_labels(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &[(usize, usize, bool)],
) -> HashSet<usize> {
    let taken: HashSet<usize> = placed.iter().map(|p| p.1).collect();
    let shares_its_label = |oi: usize| {
        let label = obs[oi].label;
        (obs.iter().enumerate()).any(|(oj, o)| {
            oj != oi
                && !o.values.is_empty()
                && o.label.zip(label).is_some_and(|(a, b)| std::ptr::eq(a, b))
        })
    };
    (0..placed.len())
        .filter(|&k| !placed[k].2 && matches!(exp[placed[k].1], Expected::Row(..)))
        .filter(|&k| {
            shares_its_label(placed[k].0) || !rivals(obs, exp, placed, &taken, k).is_empty()
        })
        .map(|k| placed[k].0)
        .collect()
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
fn split_run_together(values: &[&ReadCell], n: usize, counts: bool) -> Vec<ReadCell> {
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

fn row_cells(o: &ObservedRow, all: &[ObservedRow], row: &'static RowSpec) -> Vec<Cell> {
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
fn values_in_label(label: &ReadCell, missing: usize, values: &[ReadCell]) -> Vec<ReadCell> {
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

fn review_cells(o: &ObservedRow) -> Vec<Cell> {
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

mod faded;
#[cfg(test)]
mod tests;

pub use faded::{split_at_faded_rules, split_stacked_labels};

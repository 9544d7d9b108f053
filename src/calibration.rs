//! Calibration: turns a cell's read confidence and what the checks say about it into a
//! probability that its value is right.
//!
//! OCR's own confidence is not a probability, and the same score means different
//! things for a cell that a holding sum confirms and for one no sum covers. So each
//! kind of [`Evidence`] has its own monotone map from a [`score`] (the read confidence,
//! for most) to probability, fitted by isotonic regression on synthetic reports
//! (`models/calibration/fit.py`) and shipped as data in
//! `models/calibration/calibration.json`.

use crate::checks::{CellRef, Identity};
use crate::layout::runs_together;
use crate::model::{Cell, Check, Doubt, Status, Table};
use crate::repair::RepairOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// What the format's arithmetic says about a cell, once repair is done.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// Every evaluated identity it is in holds.
    Confirmed,
    /// No evaluated identity covers it (a table without sums, or a sum with an
    /// unreadable member).
    Unchecked,
    /// An identity it is in fails.
    Failed,
    /// Its row or column was inferred from order, not read: a row shifted whole keeps
    /// its sums, so holding checks say little about it.
    Placed,
    /// Repair changed or filled its value.
    Repaired,
    /// Taken from a PDF's text layer: exactly what is printed, so no map applies.
    Printed,
}

/// Per evidence, the knots `(score, probability)` of a monotone map, in increasing
/// order of score. The default maps nothing: scores stand.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Calibration {
    pub maps: HashMap<Evidence, Vec<(f32, f32)>>,
}

impl Calibration {
    /// The calibration shipped in `models/calibration/calibration.json`.
    pub fn bundled() -> &'static Calibration {
        static BUNDLED: OnceLock<Calibration> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            serde_json::from_str(include_str!("../models/calibration/calibration.json"))
                .expect("the bundled calibration is valid JSON of the right shape")
        })
    }

    /// The probability that a cell with `score` is right, given `evidence`: linear
    /// between knots, flat beyond the ends. Without a map for the evidence the score
    /// stands.
    pub fn probability(&self, evidence: Evidence, score: f32) -> f32 {
        let Some(knots) = self.maps.get(&evidence).filter(|k| !k.is_empty()) else {
            return score;
        };
        let i = knots.partition_point(|k| k.0 <= score);
        if i == 0 {
            return knots[0].1;
        }
        if i == knots.len() {
            return knots[i - 1].1;
        }
        let ((x0, y0), (x1, y1)) = (knots[i - 1], knots[i]);
        y0 + (y1 - y0) * (score - x0) / (x1 - x0)
    }
}

/// What the map for `evidence` takes for `cell` of `table`. For a placed cell, its own
/// read says nothing about whether the guess of its place was right, and how well its
/// table and its row read do: on a table read surely throughout, a place guessed from
/// order is nearly always right, unless its row holds text where a number belongs
/// (a label run into the values) or values run together. So a placed cell is scored
/// by the smaller of the share of its table's cells read surely and the share of its
/// row's cells that hold one number; every other cell by its read confidence.
pub fn score(evidence: Evidence, cell: &Cell, table: &Table) -> f32 {
    match evidence {
        Evidence::Placed => {}
        Evidence::Failed => return cell.confidence_in_place(),
        _ => return cell.confidence,
    }
    // Sure by the bar repair sets for reads that may determine another cell.
    let bar = RepairOptions::default().sure_read;
    let table_sure = share(table.cells.iter(), |c| c.confidence_in_place() >= bar);
    let row: Vec<&Cell> = table.cells.iter().filter(|c| c.row == cell.row).collect();
    let row_numbers = share(row.iter().copied(), |c| {
        (c.value.is_some() && !runs_together(&c.text)) || c.text.trim().is_empty()
    });
    // A run of values as long as the format's row is the row's shape; one value
    // alone could be any stray mark read as a digit where the row should be. A label
    // that fits two rows leaves the place a toss between them, however well the table
    // reads: a row put one place off keeps its own sum.
    let shape = if row.len() > 1 && cell.doubt != Some(Doubt::RowLabelAmbiguous) {
        1.0
    } else {
        NO_EVIDENCE_OF_PLACE
    };
    table_sure.min(row_numbers).min(shape)
}

/// A placed cell with nothing for its place (a lone value, a label fitting two rows)
/// is scored as such: the placed map's lowest probability, far under the review bar.
const NO_EVIDENCE_OF_PLACE: f32 = 0.0;

/// The share of `cells` that are `good`; 0 of none.
fn share<'a>(cells: impl Iterator<Item = &'a Cell>, good: impl Fn(&Cell) -> bool) -> f32 {
    let (n, k) = cells.fold((0, 0), |(n, k), c| (n + 1, k + usize::from(good(c))));
    k as f32 / n.max(1) as f32
}

/// What the evaluated identities say of one cell.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    /// One of them fails.
    pub failed: bool,
    /// One of them holds.
    pub held: bool,
    /// One that also sums cells of other rows holds: a sum down the cell's column,
    /// which a value put in the wrong column would break.
    pub held_across_rows: bool,
}

/// What the identities say of each cell that some evaluated one covers.
pub fn evidence_by_cell(results: &[(Identity, Check)]) -> HashMap<CellRef, Sums> {
    let mut out: HashMap<CellRef, Sums> = HashMap::new();
    for (id, check) in results {
        let first_row = id.cells().next().map(|r| r.1);
        let across_rows = id.cells().any(|r| Some(r.1) != first_row);
        for r in id.cells() {
            let sums = out.entry(*r).or_default();
            sums.failed |= !check.ok;
            sums.held |= check.ok;
            sums.held_across_rows |= check.ok && across_rows;
        }
    }
    out
}

/// The evidence for `cell` of table `table`: a repair says most, then a text layer, a
/// failed sum, a guessed place (unless a sum down its column confirms a guessed
/// column), and last what the holding sums say.
pub fn evidence_of(table: &'static str, cell: &Cell, by_cell: &HashMap<CellRef, Sums>) -> Evidence {
    if cell.status == Status::Repaired {
        return Evidence::Repaired;
    }
    if cell.from_text_layer {
        return Evidence::Printed;
    }
    let sums = by_cell
        .get(&(table, cell.row, cell.col))
        .copied()
        .unwrap_or_default();
    match cell.doubt {
        _ if sums.failed => Evidence::Failed,
        Some(Doubt::ColumnByOrder) if sums.held_across_rows => Evidence::Confirmed,
        Some(_) => Evidence::Placed,
        None if sums.held => Evidence::Confirmed,
        None => Evidence::Unchecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibration() -> Calibration {
        Calibration {
            maps: HashMap::from([(
                Evidence::Unchecked,
                vec![(0.2, 0.1), (0.6, 0.5), (0.9, 0.95)],
            )]),
        }
    }

    #[test]
    fn probability_is_linear_between_knots_and_flat_beyond() {
        let c = calibration();
        let p = |x| c.probability(Evidence::Unchecked, x);
        assert_eq!(p(0.0), 0.1);
        assert!((p(0.4) - 0.3).abs() < 1e-6);
        assert_eq!(p(0.6), 0.5);
        assert_eq!(p(1.0), 0.95);
        // No map for the evidence: the read confidence stands.
        assert_eq!(c.probability(Evidence::Failed, 0.42), 0.42);
    }

    fn cell(col: &'static str, status: Status, doubt: Option<Doubt>) -> Cell {
        Cell {
            page: 1,
            status,
            doubt,
            ..Cell::new("r", col, None, String::new())
        }
    }

    #[test]
    fn a_placed_cell_is_scored_by_how_surely_its_table_read() {
        let mut cells: Vec<Cell> = ["a", "b", "c", "d"]
            .map(|c| cell(c, Status::Ok, None))
            .into();
        cells[0].confidence = 0.5;
        let table = Table {
            id: "t",
            template: "2021",
            page: 1,
            bbox: Default::default(),
            cells,
        };
        assert_eq!(score(Evidence::Placed, &table.cells[0], &table), 0.75);
        assert_eq!(score(Evidence::Confirmed, &table.cells[0], &table), 0.5);
        // Text where a number belongs, and two values run together: half the row
        // holds one number each.
        let mut table = table;
        table.cells[1].text = "需".into();
        table.cells[2].value = Some(serde_json::Number::from(164));
        table.cells[2].text = "1   64".into();
        assert_eq!(score(Evidence::Placed, &table.cells[0], &table), 0.5);
        // A label that fits two rows says nothing of which one the row is.
        table.cells[3].doubt = Some(Doubt::RowLabelAmbiguous);
        assert_eq!(score(Evidence::Placed, &table.cells[3], &table), 0.0);
        // A row of one value has no shape to tell it from a stray mark.
        table.cells.truncate(1);
        assert_eq!(score(Evidence::Placed, &table.cells[0], &table), 0.0);
        assert!(
            Calibration::bundled().probability(Evidence::Placed, 0.0) < crate::review::REVIEW_BELOW
        );
    }

    #[test]
    fn a_failed_identity_outweighs_a_holding_one_and_a_guessed_place() {
        let id = |lhs: &'static str, rhs: &'static str| Identity {
            rule: String::new(),
            lhs: vec![("t", "r", lhs)],
            rhs: vec![("t", "r", rhs)],
            what: "",
        };
        let check = |ok| Check {
            rule: String::new(),
            ok,
            detail: String::new(),
        };
        let results = vec![(id("a", "b"), check(true)), (id("b", "c"), check(false))];
        let by_cell = evidence_by_cell(&results);
        let of = |c: Cell| evidence_of("t", &c, &by_cell);
        let (row, column) = (Some(Doubt::RowByOrder), Some(Doubt::ColumnByOrder));
        assert_eq!(of(cell("a", Status::Ok, None)), Evidence::Confirmed);
        assert_eq!(of(cell("a", Status::Ok, row)), Evidence::Placed);
        // A sum along its own row says nothing of which column a value stands in.
        assert_eq!(of(cell("a", Status::Ok, column)), Evidence::Placed);
        assert_eq!(of(cell("b", Status::Ok, row)), Evidence::Failed);
        assert_eq!(of(cell("x", Status::Ok, None)), Evidence::Unchecked);
        assert_eq!(of(cell("b", Status::Repaired, None)), Evidence::Repaired);
        let mut printed = cell("b", Status::Ok, None);
        printed.from_text_layer = true;
        assert_eq!(of(printed), Evidence::Printed);
    }

    #[test]
    fn a_holding_sum_down_its_column_confirms_a_guessed_column_not_a_guessed_row() {
        let down = Identity {
            rule: String::new(),
            lhs: vec![("t", "total", "a")],
            rhs: vec![("t", "r", "a"), ("t", "s", "a")],
            what: "",
        };
        let check = |ok| Check {
            rule: String::new(),
            ok,
            detail: String::new(),
        };
        let of = |ok, doubt| {
            let by_cell = evidence_by_cell(&[(down.clone(), check(ok))]);
            evidence_of("t", &cell("a", Status::Ok, Some(doubt)), &by_cell)
        };
        assert_eq!(of(true, Doubt::ColumnByOrder), Evidence::Confirmed);
        assert_eq!(of(true, Doubt::RowByOrder), Evidence::Placed);
        assert_eq!(of(false, Doubt::ColumnByOrder), Evidence::Failed);
        // Confirmed, it is scored by its read; failing, by its read held at a guess's.
        let mut c = cell("a", Status::Ok, Some(Doubt::ColumnByOrder));
        c.confidence = 0.99;
        let table = Table {
            id: "t",
            template: "2021",
            page: 1,
            bbox: Default::default(),
            cells: vec![c.clone()],
        };
        assert_eq!(score(Evidence::Confirmed, &c, &table), 0.99);
        assert_eq!(score(Evidence::Failed, &c, &table), 0.5);
    }

    #[test]
    fn bundled_calibration_loads_and_is_monotone() {
        for knots in Calibration::bundled().maps.values() {
            assert!(knots
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
            assert!(knots.iter().all(|k| (0.0..=1.0).contains(&k.1)));
        }
    }
}

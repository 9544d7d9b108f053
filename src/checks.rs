//! Checks: the arithmetic the format itself states (勾稽关系), evaluated over a
//! document's tables. Repair uses the same identities as constraints.

use crate::geometry::PixelBox;
use crate::model::{Cell, Check, Table};
use crate::template::{self, APPLICANT_COLS, REVIEW_COLS, REVIEW_ROWS};
use crate::value::as_integer;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One identity: `total` must equal the sum of `parts`, each a (table, row, col).
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    pub rule: String,
    pub lhs: Vec<CellRef>,
    pub rhs: Vec<CellRef>,
    /// How a failure reads to a person, e.g. "row total".
    pub what: &'static str,
}

pub type CellRef = (&'static str, &'static str, &'static str);

impl Identity {
    /// Every cell the identity sums, both sides.
    pub fn cells(&self) -> impl Iterator<Item = &CellRef> {
        self.lhs.iter().chain(&self.rhs)
    }
}

/// Rows of `applications` summed by `results_total`, in printed order.
const RESULT_ROWS: &[&str] = &[
    "disclosed",
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_files",
    "withheld_query_matter",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_repeated",
    "not_processed_publication",
    "not_processed_mass_repeated",
    "not_processed_confirmation",
    "other_no_correction",
    "other_unpaid_fee",
    "other_other",
    "other",
];

/// The identities that apply to the rows present in `tables`.
pub fn identities(tables: &[Table]) -> Vec<Identity> {
    let present = |t: &str, r: &str| {
        tables
            .iter()
            .any(|x| x.id == t && x.cells.iter().any(|c| c.row == r))
    };
    let mut out = Vec::new();
    let apps = "applications";
    let app_rows: Vec<&'static str> = ["new_received", "carried_over"]
        .into_iter()
        .chain(RESULT_ROWS.iter().copied())
        .chain(["results_total", "carried_forward"])
        .filter(|r| present(apps, r))
        .collect();
    let applicants: Vec<&'static str> = APPLICANT_COLS
        .iter()
        .map(|c| c.0)
        .filter(|c| *c != "total")
        .collect();
    for &row in &app_rows {
        out.push(Identity {
            rule: format!("applications.row_total.{row}"),
            lhs: vec![(apps, row, "total")],
            rhs: applicants.iter().map(|c| (apps, row, *c)).collect(),
            what: "row total",
        });
    }
    let results: Vec<&'static str> = RESULT_ROWS
        .iter()
        .copied()
        .filter(|r| present(apps, r))
        .collect();
    for &(col, _) in APPLICANT_COLS {
        if present(apps, "results_total") && !results.is_empty() {
            out.push(Identity {
                rule: format!("applications.col_total.{col}"),
                lhs: vec![(apps, "results_total", col)],
                rhs: results.iter().map(|r| (apps, *r, col)).collect(),
                what: "results total",
            });
        }
        if [
            "new_received",
            "carried_over",
            "results_total",
            "carried_forward",
        ]
        .iter()
        .all(|r| present(apps, r))
        {
            out.push(Identity {
                rule: format!("applications.balance.{col}"),
                lhs: vec![(apps, "new_received", col), (apps, "carried_over", col)],
                rhs: vec![(apps, "results_total", col), (apps, "carried_forward", col)],
                what: "new + carried over vs results + carried forward",
            });
        }
    }
    let rev = "reviews_litigation";
    for &row in REVIEW_ROWS {
        if present(rev, row) {
            out.push(Identity {
                rule: format!("reviews_litigation.row_total.{row}"),
                lhs: vec![(rev, row, "total")],
                rhs: REVIEW_COLS[..4].iter().map(|c| (rev, row, *c)).collect(),
                what: "row total",
            });
        }
    }
    out
}

/// The cells that identity `rule` sums in a report of either version (empty for a rule
/// there is no such identity): what a stored check's name stands for.
pub fn cells_of_rule(rule: &str) -> &'static [CellRef] {
    static BY_RULE: OnceLock<HashMap<String, Vec<CellRef>>> = OnceLock::new();
    let by_rule = BY_RULE.get_or_init(|| {
        let mut by_rule: HashMap<String, Vec<CellRef>> = HashMap::new();
        for version in ["2019", "2021"] {
            let tables: Vec<Table> = ["active_disclosure", "applications", "reviews_litigation"]
                .into_iter()
                .map(|id| Table {
                    id,
                    template: version,
                    page: 0,
                    bbox: PixelBox::default(),
                    cells: template::expected_cells(id, version)
                        .into_iter()
                        .map(|(row, col)| Cell::new(row, col, None, String::new()))
                        .collect(),
                })
                .collect();
            for id in identities(&tables) {
                let cells = by_rule.entry(id.rule.clone()).or_default();
                for c in id.cells() {
                    if !cells.contains(c) {
                        cells.push(*c);
                    }
                }
            }
        }
        by_rule
    });
    by_rule.get(rule).map_or(&[], Vec::as_slice)
}

/// Whether identity `rule` sums the cell `table`.`row`.`col`.
pub fn rule_covers(rule: &str, table: &str, row: &str, col: &str) -> bool {
    cells_of_rule(rule)
        .iter()
        .any(|c| (c.0, c.1, c.2) == (table, row, col))
}

/// The integer value of a cell: `None` if the cell is missing or not an integer.
pub fn integer_of(tables: &[Table], (t, r, c): CellRef) -> Option<i64> {
    tables
        .iter()
        .filter(|x| x.id == t)
        .flat_map(|x| x.cells.iter())
        .find(|x| x.row == r && x.col == c)
        .and_then(integer_value)
}

/// A cell's integer; a printed-empty cell counts as 0, as the format's sums treat it.
pub fn integer_value(cell: &Cell) -> Option<i64> {
    match &cell.value {
        None if cell.text.trim().is_empty() => Some(0),
        None => None,
        Some(n) => as_integer(n),
    }
}

/// The value `cell` would need for `id` to hold, its other cells as read: what a
/// misread there would have to have been. `None` when another cell has no integer.
pub fn value_that_holds(tables: &[Table], id: &Identity, cell: &CellRef) -> Option<i64> {
    let sum = |side: &[CellRef]| {
        (side.iter().filter(|r| *r != cell))
            .map(|r| integer_of(tables, *r))
            .sum::<Option<i64>>()
    };
    let (l, r) = (sum(&id.lhs)?, sum(&id.rhs)?);
    Some(if id.lhs.contains(cell) { r - l } else { l - r })
}

/// Evaluates one identity; `None` when one of its cells has no integer value.
pub fn evaluate(tables: &[Table], id: &Identity) -> Option<Check> {
    let lhs: Option<Vec<i64>> = id.lhs.iter().map(|r| integer_of(tables, *r)).collect();
    let rhs: Option<Vec<i64>> = id.rhs.iter().map(|r| integer_of(tables, *r)).collect();
    let (lhs, rhs) = (lhs?, rhs?);
    let (l, r): (i64, i64) = (lhs.iter().sum(), rhs.iter().sum());
    let join = |v: &[i64]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    let ok = l == r;
    let detail = if ok {
        format!("{} = {}", join(&lhs), join(&rhs))
    } else {
        format!("{} {} ≠ {} (= {r})", id.what, join(&lhs), join(&rhs))
    };
    Some(Check {
        rule: id.rule.clone(),
        ok,
        detail,
    })
}

/// Every identity that can be evaluated, with its outcome.
pub fn run(tables: &[Table]) -> Vec<(Identity, Check)> {
    identities(tables)
        .into_iter()
        .filter_map(|id| evaluate(tables, &id).map(|c| (id, c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_name_gives_back_the_cells_it_sums() {
        let row = cells_of_rule("applications.row_total.disclosed");
        assert_eq!(row.len(), 7);
        assert!(row.contains(&("applications", "disclosed", "total")));
        // The results total sums the rows of both versions' 其他处理.
        let col = cells_of_rule("applications.col_total.total");
        assert!(col.contains(&("applications", "other", "total")));
        assert!(col.contains(&("applications", "other_other", "total")));
        assert_eq!(cells_of_rule("applications.balance.total").len(), 4);
        assert_eq!(
            cells_of_rule("reviews_litigation.row_total.litigation_direct").len(),
            5
        );
        assert!(cells_of_rule("cross_year.carried_over.total").is_empty());
    }
}

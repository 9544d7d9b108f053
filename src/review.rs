//! Review: evaluates the format's checks and queues every doubtful cell, with a reason
//! a person understands.

use crate::checks;
use crate::model::{Document, ReviewItem, Status};

/// Options for [`check_and_flag`].
#[derive(Clone, Debug)]
pub struct ReviewOptions {
    /// Cells read with less confidence go to review. Until calibration (issue 3) fixes
    /// it from data, 0.80 keeps Tesseract's sure reads and queues its hesitant ones.
    pub review_below: f32,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        ReviewOptions { review_below: 0.80 }
    }
}

/// Fills `checks` and `review`, and marks queued cells `review`.
pub fn check_and_flag(doc: &mut Document, opts: &ReviewOptions) {
    let results = checks::run(&doc.tables);
    let mut queue: Vec<ReviewItem> = Vec::new();
    for t in &mut doc.tables {
        for c in &mut t.cells {
            let reason = if c.status == Status::Repaired {
                let to = c.value.as_ref().map_or(String::new(), |v| v.to_string());
                Some(match c.text.trim() {
                    "" => format!("filled in as {to}: the table's sums need it"),
                    read => format!("OCR read \"{read}\"; repaired to {to} so the sums hold"),
                })
            } else if c.value.is_none() && !c.text.trim().is_empty() {
                Some(format!("OCR read \"{}\", which is not a number", c.text))
            } else if c.confidence < opts.review_below {
                Some(format!(
                    "low OCR confidence {:.2} for \"{}\"",
                    c.confidence, c.text
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                if c.status != Status::Repaired {
                    c.status = Status::Review;
                }
                queue.push(ReviewItem {
                    table: t.id,
                    row: c.row,
                    col: c.col,
                    reason,
                });
            }
        }
    }
    for (id, check) in &results {
        if check.ok {
            continue;
        }
        for &(table, row, col) in id.lhs.iter().chain(&id.rhs) {
            if queue
                .iter()
                .any(|q| q.table == table && q.row == row && q.col == col)
            {
                continue;
            }
            if let Some(c) = doc
                .tables
                .iter_mut()
                .filter(|t| t.id == table)
                .flat_map(|t| t.cells.iter_mut())
                .find(|c| c.row == row && c.col == col)
            {
                c.status = Status::Review;
                queue.push(ReviewItem {
                    table,
                    row: c.row,
                    col: c.col,
                    reason: format!("check {} failed: {}", check.rule, check.detail),
                });
            }
        }
    }
    doc.checks = results.into_iter().map(|(_, c)| c).collect();
    doc.review = queue;
}

//! Review: evaluates the format's checks and queues every doubtful cell, with a reason
//! a person understands.

use crate::checks::{self, CellRef, Identity};
use crate::model::{Check, Document, ReviewItem, Status};

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
            } else if let Some(doubt) = c.doubt.filter(|_| c.confidence < opts.review_below) {
                Some(doubt.to_string())
            } else if c.confidence < opts.review_below && c.text.trim().is_empty() {
                Some("looks empty, but the format prints 0 for none: a faint 0 may be lost".into())
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
    let failed: Vec<&(Identity, Check)> = results.iter().filter(|(_, c)| !c.ok).collect();
    let in_failed = |r: &CellRef, except: &str| {
        failed
            .iter()
            .any(|(o, _)| o.rule != except && o.cells().any(|x| x == r))
    };
    for (id, check) in &failed {
        let cells: Vec<&CellRef> = id.cells().collect();
        // A misread fails every sum it is in: where failed sums cross, the crossing is
        // the suspect, and the rest of a long column need not be read again. A sum
        // failing alone (a printed inconsistency, or a misread no other sum covers)
        // queues every cell of it.
        let crossing: Vec<&CellRef> = cells
            .iter()
            .copied()
            .filter(|r| in_failed(r, &id.rule))
            .collect();
        let suspects = if crossing.is_empty() { cells } else { crossing };
        for &(table, row, col) in suspects {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::PixelBox;
    use crate::model::{Cell, ReportFields, Source, Table};

    fn cell_at(
        row: &'static str,
        col: &'static str,
        value: Option<i64>,
        text: &str,
        confidence: f32,
    ) -> Cell {
        Cell {
            row,
            col,
            value: value.map(serde_json::Number::from),
            text: text.to_string(),
            confidence,
            page: 1,
            bbox: PixelBox::default(),
            status: Status::Ok,
            symbols: Vec::new(),
            doubt: None,
        }
    }

    fn cell(col: &'static str, value: Option<i64>, text: &str, confidence: f32) -> Cell {
        cell_at("administrative_review", col, value, text, confidence)
    }

    /// Checks and flags a one-table document.
    fn flagged(id: &'static str, cells: Vec<Cell>) -> Document {
        let mut doc = Document {
            model: "m",
            model_version: 1,
            source: Source {
                file: "a.pdf".into(),
                sha256: String::new(),
                pages: 1,
                dpi: vec![300],
            },
            report: ReportFields::default(),
            preamble: String::new(),
            sections: Vec::new(),
            tables: vec![Table {
                id,
                template: "2021",
                page: 1,
                bbox: PixelBox::default(),
                cells,
            }],
            checks: Vec::new(),
            review: Vec::new(),
        };
        check_and_flag(&mut doc, &ReviewOptions::default());
        doc
    }

    #[test]
    fn repaired_empty_and_unbalanced_cells_are_queued_with_their_reasons() {
        let mut repaired = cell("upheld", Some(4), "9", 0.9);
        repaired.status = Status::Repaired;
        let cells = vec![
            repaired,
            cell("corrected", None, "", 0.6),
            cell("other", Some(0), "0", 0.99),
            cell("pending", Some(0), "0", 0.99),
            cell("total", Some(5), "5", 0.99),
        ];
        let doc = flagged("reviews_litigation", cells);
        let reasons: Vec<(&str, &str)> = doc
            .review
            .iter()
            .map(|r| (r.col, r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons[0],
            ("upheld", "OCR read \"9\"; repaired to 4 so the sums hold")
        );
        assert!(reasons[1].0 == "corrected" && reasons[1].1.contains("faint 0"));
        // 5 ≠ 4 + 0 + 0 + 0: the rest of the row is queued for the failed check.
        let failed: Vec<&str> = reasons[2..].iter().map(|r| r.0).collect();
        assert_eq!(failed, ["total", "other", "pending"]);
        assert!(!doc.checks[0].ok);
        let status = |col: &str| {
            doc.tables[0]
                .cells
                .iter()
                .find(|c| c.col == col)
                .unwrap()
                .status
        };
        assert_eq!(status("upheld"), Status::Repaired);
        assert_eq!(status("other"), Status::Review);
    }

    #[test]
    fn where_failed_sums_cross_only_the_crossing_is_queued() {
        use crate::template::APPLICANT_COLS;
        // 1 in disclosed/natural_person read as 7: its row and its column fail.
        let rows: [(&str, [i64; 7]); 3] = [
            ("disclosed", [7, 0, 0, 0, 0, 0, 1]),
            ("partially_disclosed", [0, 1, 0, 0, 0, 0, 1]),
            ("results_total", [1, 1, 0, 0, 0, 0, 2]),
        ];
        let cells = rows
            .iter()
            .flat_map(|(row, v)| {
                APPLICANT_COLS
                    .iter()
                    .zip(v)
                    .map(|((col, _), n)| cell_at(row, col, Some(*n), &n.to_string(), 0.99))
            })
            .collect();
        let doc = flagged("applications", cells);
        let queued: Vec<(&str, &str)> = doc.review.iter().map(|r| (r.row, r.col)).collect();
        assert_eq!(queued, [("disclosed", "natural_person")]);
        assert_eq!(doc.checks.iter().filter(|c| !c.ok).count(), 2);
    }
}

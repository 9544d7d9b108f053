//! Review: evaluates the format's checks and queues every doubtful cell, with a reason
//! a person understands.

use crate::calibration::{self, Calibration, Evidence};
use crate::checks::{self, CellRef, Identity};
use crate::model::{Check, ConfidenceBasis, Document, ReviewItem, Status};
use crate::repair::{self, RepairOptions};
use crate::template;

/// Options for [`check_and_flag`].
#[derive(Clone, Debug)]
pub struct ReviewOptions {
    /// Cells whose calibrated confidence is lower go to review.
    pub review_below: f32,
    /// Maps read confidences to probabilities; the bundled one was fitted on
    /// synthetic reports that the benchmark never saw.
    pub calibration: Calibration,
    /// Keep each cell's calibration score and evidence in the output, the inputs that
    /// `models/calibration/fit.py` fits on; off, as the model has no such fields.
    pub explain_confidence: bool,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        ReviewOptions {
            review_below: REVIEW_BELOW,
            calibration: Calibration::bundled().clone(),
            explain_confidence: false,
        }
    }
}

/// The default of [`ReviewOptions::review_below`]: on synthetic reports held out from
/// the fit, the lowest threshold that lets no more wrong cells through than any higher
/// one (4 at 0.95, 3 at 0.96, 1 from 0.97 up), flagging under 2% of typical cells.
pub const REVIEW_BELOW: f32 = 0.97;

/// Calibrates every cell's confidence, fills `checks` and `review`, and marks queued
/// cells `review`.
pub fn check_and_flag(doc: &mut Document, opts: &ReviewOptions) {
    let results = checks::run(&doc.tables);
    let evidence = calibration::evidence_by_cell(&results);
    let mut queue: Vec<ReviewItem> = Vec::new();
    for t in &mut doc.tables {
        // Scored on the reads as they came, before any cell's confidence is calibrated.
        let scores: Vec<(Evidence, f32)> = t
            .cells
            .iter()
            .map(|c| {
                let e = calibration::evidence_of(t.id, c, &evidence);
                (e, calibration::score(e, c, t))
            })
            .collect();
        for (c, (e, score)) in t.cells.iter_mut().zip(scores) {
            c.confidence = opts.calibration.probability(e, score);
            c.basis = opts
                .explain_confidence
                .then_some(ConfidenceBasis { score, evidence: e });
            let reason = if c.status == Status::Repaired {
                let to = c.value.as_ref().map_or(String::new(), |v| v.to_string());
                Some(match c.text.trim() {
                    "" => format!("filled in as {to}: the table's sums need it"),
                    read => format!("OCR read \"{read}\"; repaired to {to} so the sums hold"),
                })
            } else if c.value.is_none() && !c.text.trim().is_empty() {
                Some(format!("OCR read \"{}\", which is not a number", c.text))
            } else if let Some(doubt) = c
                .doubt
                .filter(|_| e == Evidence::Placed && c.confidence < opts.review_below)
            {
                Some(doubt.reason().to_string())
            } else if c.confidence < opts.review_below && c.text.trim().is_empty() {
                Some("looks empty, but the format prints 0 for none: a faint 0 may be lost".into())
            } else if c.confidence < opts.review_below {
                Some(format!(
                    "only {:.2} likely that \"{}\" was read right",
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
        // the suspect, and the rest of a long column need not be read again — if a
        // count there can make this sum hold: where it would take a negative one, the
        // crossing is not all that is wrong here (a printed inconsistency in the same
        // column as a misread). A sum failing alone (a printed inconsistency, or a
        // misread no other sum covers) queues every cell of it.
        let crossing: Vec<&CellRef> = (cells.iter().copied())
            .filter(|r| in_failed(r, &id.rule))
            .filter(|r| checks::value_that_holds(&doc.tables, id, r).is_some_and(|v| v >= 0))
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
                // What else the reader saw there helps a person judge which cell is off.
                let also: Vec<String> = repair::candidates(c, &RepairOptions::default())
                    .iter()
                    .skip(1)
                    .map(|(v, _)| v.to_string())
                    .collect();
                let also = if also.is_empty() {
                    String::new()
                } else {
                    format!("; OCR also read {}", also.join(" or "))
                };
                queue.push(ReviewItem {
                    table,
                    row: c.row,
                    col: c.col,
                    reason: format!("check {} failed: {}{also}", check.rule, check.detail),
                });
            }
        }
    }
    queue.extend(missing_cells(doc));
    doc.checks = results.into_iter().map(|(_, c)| c).collect();
    doc.review = queue;
}

/// The cells the format prints in each found table that were not read: a value lost to
/// faint ink or a broken rule is a wrong number too, and only a person can fill it.
fn missing_cells(doc: &Document) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for t in &doc.tables {
        let has = |row: &str, col: &str| t.cells.iter().any(|c| c.row == row && c.col == col);
        for (row, col) in template::expected_cells(t.id, t.template) {
            if has(row, col) {
                continue;
            }
            let reason = if t.cells.iter().any(|c| c.row == row) {
                "the format prints a value here, but none was found in this row".to_string()
            } else {
                format!(
                    "row {row} of the {} format was not found in this table",
                    t.template
                )
            };
            out.push(ReviewItem {
                table: t.id,
                row,
                col,
                reason,
            });
        }
    }
    out
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
            confidence,
            page: 1,
            ..Cell::new(
                row,
                col,
                value.map(serde_json::Number::from),
                text.to_string(),
            )
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
        // Read confidences stand, so the cases do not hang on the fitted calibration.
        let opts = ReviewOptions {
            calibration: Calibration::default(),
            ..ReviewOptions::default()
        };
        check_and_flag(&mut doc, &opts);
        doc
    }

    /// The queued items about cells that were read, leaving out the cells the format
    /// prints that these partial tables lack.
    fn of_read_cells(doc: &Document) -> impl Iterator<Item = &ReviewItem> {
        doc.review.iter().filter(|r| {
            doc.tables[0]
                .cells
                .iter()
                .any(|c| c.row == r.row && c.col == r.col)
        })
    }

    #[test]
    fn cells_the_format_prints_but_were_not_read_are_queued() {
        let cells = vec![
            cell("upheld", Some(0), "0", 0.99),
            cell("corrected", Some(0), "0", 0.99),
            cell("other", Some(0), "0", 0.99),
            cell("total", Some(0), "0", 0.99),
        ];
        let doc = flagged("reviews_litigation", cells);
        let missing: Vec<(&str, &str)> = doc
            .review
            .iter()
            .filter(|r| r.reason.contains("found"))
            .map(|r| (r.row, r.col))
            .collect();
        assert_eq!(missing.len(), 1 + 2 * 5);
        assert_eq!(missing[0], ("administrative_review", "pending"));
        assert!(doc.review[0].reason.contains("none was found in this row"));
        assert!(doc.review[1]
            .reason
            .starts_with("row litigation_direct of the 2021 format"));
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
        let reasons: Vec<(&str, &str)> = of_read_cells(&doc)
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

    /// The applications rows `rows`, every cell read surely.
    fn applications(rows: &[(&'static str, [i64; 7])]) -> Vec<Cell> {
        use crate::template::APPLICANT_COLS;
        (rows.iter())
            .flat_map(|(row, v)| {
                (APPLICANT_COLS.iter().zip(v))
                    .map(|((col, _), n)| cell_at(row, col, Some(*n), &n.to_string(), 0.99))
            })
            .collect()
    }

    #[test]
    fn a_printed_inconsistency_is_queued_though_a_misread_crosses_its_sum() {
        // disclosed/natural_person printed 1 against a total of 0; other/natural_person
        // misread 0 as 2, which fails its row and the same column. Only a negative count
        // at the crossing could make the column hold, so the column is queued whole.
        let doc = flagged(
            "applications",
            applications(&[
                ("disclosed", [1, 0, 0, 0, 0, 0, 1]),
                ("other", [2, 0, 0, 0, 0, 0, 0]),
                ("results_total", [0, 0, 0, 0, 0, 0, 0]),
            ]),
        );
        let queued: Vec<(&str, &str)> = of_read_cells(&doc).map(|r| (r.row, r.col)).collect();
        assert!(
            queued.contains(&("disclosed", "natural_person")),
            "{queued:?}"
        );
        assert!(queued.contains(&("other", "natural_person")), "{queued:?}");
    }

    #[test]
    fn where_failed_sums_cross_only_the_crossing_is_queued() {
        // 1 in disclosed/natural_person read as 7: its row and its column fail.
        let mut cells = applications(&[
            ("disclosed", [7, 0, 0, 0, 0, 0, 1]),
            ("partially_disclosed", [0, 1, 0, 0, 0, 0, 1]),
            ("results_total", [1, 1, 0, 0, 0, 0, 2]),
        ]);
        // The reader's second thought at the misread digit.
        cells[0].symbols = vec![crate::ocr::Symbol {
            text: "7".into(),
            confidence: 0.8,
            alternatives: vec![("1".into(), 0.15)],
        }];
        let doc = flagged("applications", cells);
        let queued: Vec<(&str, &str, &str)> = of_read_cells(&doc)
            .map(|r| (r.row, r.col, r.reason.as_str()))
            .collect();
        assert_eq!(queued.len(), 1);
        assert_eq!((queued[0].0, queued[0].1), ("disclosed", "natural_person"));
        assert!(
            queued[0].2.ends_with("; OCR also read 1"),
            "{}",
            queued[0].2
        );
        assert_eq!(doc.checks.iter().filter(|c| !c.ok).count(), 2);
    }
}

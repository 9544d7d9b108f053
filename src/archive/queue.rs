//! Review queue: the archive's doubtful cells, most consequential first, with what a
//! reviewer needs to judge each one — labels, what OCR read, the proposed value, the
//! failing checks written out and the image crops — and the cells of one document for
//! its page view.

use super::{png_crop, Archive};
use crate::checks::rule_covers;
use crate::error::{Error, Result};
use crate::geometry::PixelBox;
use crate::orient::QuarterTurns;
use crate::rasterize::{load_pages, PdfRasterizer};
use crate::template;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One cell of one archived document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CellKey {
    pub document: i64,
    pub table: String,
    pub row: String,
    pub col: String,
}

impl std::fmt::Display for CellKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "document {} {}.{}", self.document, self.table, self.row)?;
        if !self.col.is_empty() {
            write!(f, ".{}", self.col)?;
        }
        Ok(())
    }
}

/// A check as stored, for display.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckView {
    pub rule: String,
    pub ok: bool,
    pub detail: String,
}

/// What to list; `None` fields do not filter.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QueueFilter {
    pub organization: Option<String>,
    pub year: Option<i64>,
    pub table: Option<String>,
    /// A [`reason_kind`].
    pub reason: Option<String>,
    /// Cells another reviewer holds open are left out for this one.
    pub reviewer: Option<String>,
}

/// One doubtful cell, ready to show.
#[derive(Clone, Debug, Serialize)]
pub struct QueueItem {
    #[serde(flatten)]
    pub key: CellKey,
    pub path: String,
    pub organization: Option<String>,
    pub year: Option<i64>,
    pub row_label: &'static str,
    pub col_label: &'static str,
    /// What OCR read.
    pub text: String,
    /// The value the archive holds now: what a reviewer accepts with Enter.
    pub value: Option<String>,
    pub confidence: f64,
    pub status: String,
    pub reason: String,
    pub reason_kind: &'static str,
    /// The failed checks this cell is in.
    pub failing: Vec<CheckView>,
    pub version: i64,
    pub page: i64,
    pub has_row_image: bool,
}

/// A page of the queue and how many items match in all.
#[derive(Debug, Serialize)]
pub struct Queue {
    pub total: usize,
    pub items: Vec<QueueItem>,
}

/// What the queue's filters can take, from what the queue holds.
#[derive(Debug, Serialize)]
pub struct FilterChoices {
    pub organizations: Vec<String>,
    pub years: Vec<i64>,
    pub tables: Vec<String>,
    pub reasons: Vec<&'static str>,
}

/// A review reason's kind, for filtering: the reason texts are written by
/// [`crate::review`] for people, and their openings tell the kinds apart.
pub fn reason_kind(reason: &str) -> &'static str {
    if reason.starts_with("check ") {
        "failed check"
    } else if reason.starts_with("filled in as") || reason.contains("; repaired to") {
        "repaired"
    } else if reason.contains("which is not a number") {
        "not a number"
    } else if reason.starts_with("looks empty") {
        "maybe empty"
    } else if reason.starts_with("only ") {
        "low confidence"
    } else {
        "layout"
    }
}

const REASON_KINDS: [&str; 6] = [
    "failed check",
    "repaired",
    "not a number",
    "maybe empty",
    "low confidence",
    "layout",
];

/// The queue under `filter`: cells in failed checks first, then the least confident,
/// at most `limit` of them; `now_unix` decides which claims still hold.
pub fn queue(a: &Archive, filter: &QueueFilter, limit: usize, now_unix: i64) -> Result<Queue> {
    let mut items = a.rows(
        "SELECT r.document, r.table_id, r.row_id, r.col_id, r.reason, c.value, c.text,
             c.confidence, c.status, c.version, c.page, d.path, d.organization, d.year,
             EXISTS (SELECT 1 FROM row_images i WHERE i.document = r.document
                 AND i.table_id = r.table_id AND i.row_id = r.row_id)
         FROM review_items r
         JOIN cells c ON c.document = r.document AND c.table_id = r.table_id
             AND c.row_id = r.row_id AND c.col_id = r.col_id
         JOIN documents d ON d.id = r.document
         LEFT JOIN claims k ON k.document = r.document AND k.table_id = r.table_id
             AND k.row_id = r.row_id AND k.col_id = r.col_id
         WHERE (?1 IS NULL OR d.organization = ?1) AND (?2 IS NULL OR d.year = ?2)
             AND (?3 IS NULL OR r.table_id = ?3)
             AND (k.reviewer IS NULL OR k.reviewer = ?4 OR k.until_unix <= ?5)
         ORDER BY d.path, r.document, r.rowid",
        params![
            filter.organization,
            filter.year,
            filter.table,
            filter.reviewer.as_deref().unwrap_or(""),
            now_unix
        ],
        |r| {
            let key = CellKey {
                document: r.get(0)?,
                table: r.get(1)?,
                row: r.get(2)?,
                col: r.get(3)?,
            };
            let reason: String = r.get(4)?;
            Ok(QueueItem {
                row_label: template::row_label(&key.table, &key.row),
                col_label: template::col_label(&key.col),
                reason_kind: reason_kind(&reason),
                reason,
                key,
                value: r.get(5)?,
                text: r.get(6)?,
                confidence: r.get(7)?,
                status: r.get(8)?,
                version: r.get(9)?,
                page: r.get(10)?,
                path: r.get(11)?,
                organization: r.get(12)?,
                year: r.get(13)?,
                has_row_image: r.get(14)?,
                failing: Vec::new(),
            })
        },
    )?;
    if let Some(kind) = &filter.reason {
        items.retain(|i| i.reason_kind == kind);
    }
    let mut failed: HashMap<i64, Vec<CheckView>> = HashMap::new();
    for item in &mut items {
        let doc = item.key.document;
        if let std::collections::hash_map::Entry::Vacant(e) = failed.entry(doc) {
            e.insert(failed_checks(a, doc)?);
        }
        let k = &item.key;
        item.failing = failed[&doc]
            .iter()
            .filter(|c| rule_covers(&c.rule, &k.table, &k.row, &k.col))
            .cloned()
            .collect();
    }
    // Stable: within equal keys the document's own order (path, then printed order).
    items.sort_by(|x, y| {
        x.failing
            .is_empty()
            .cmp(&y.failing.is_empty())
            .then(x.confidence.total_cmp(&y.confidence))
    });
    let total = items.len();
    items.truncate(limit);
    Ok(Queue { total, items })
}

fn failed_checks(a: &Archive, doc: i64) -> Result<Vec<CheckView>> {
    a.rows(
        "SELECT rule, ok, detail FROM checks WHERE document = ?1 AND ok = 0 ORDER BY rowid",
        [doc],
        check_view,
    )
}

pub(crate) fn check_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckView> {
    Ok(CheckView {
        rule: r.get(0)?,
        ok: r.get(1)?,
        detail: r.get(2)?,
    })
}

/// The checks of `table` in document `doc` (rules are named after their table).
pub fn table_checks(a: &Archive, doc: i64, table: &str) -> Result<Vec<CheckView>> {
    a.rows(
        "SELECT rule, ok, detail FROM checks WHERE document = ?1 AND rule LIKE ?2 || '.%'
         ORDER BY rowid",
        params![doc, table],
        check_view,
    )
}

/// What the queue can be filtered by.
pub fn filter_choices(a: &Archive) -> Result<FilterChoices> {
    let strings = |sql: &str| a.rows(sql, [], |r| r.get::<_, String>(0));
    Ok(FilterChoices {
        organizations: strings(
            "SELECT DISTINCT organization FROM documents d JOIN review_items r
             ON r.document = d.id WHERE organization IS NOT NULL ORDER BY 1",
        )?,
        years: a.rows(
            "SELECT DISTINCT year FROM documents d JOIN review_items r
             ON r.document = d.id WHERE year IS NOT NULL ORDER BY 1",
            [],
            |r| r.get(0),
        )?,
        tables: strings("SELECT DISTINCT table_id FROM review_items ORDER BY 1")?,
        reasons: REASON_KINDS.to_vec(),
    })
}

/// A cell of a document's page view.
#[derive(Clone, Debug, Serialize)]
pub struct ViewCell {
    #[serde(flatten)]
    pub key: CellKey,
    pub row_label: &'static str,
    pub col_label: &'static str,
    pub value: Option<String>,
    pub text: String,
    pub status: String,
    pub confidence: f64,
    pub version: i64,
    pub page: i64,
    /// `x0, y0, x1, y1` in the page's pixels at its `dpi`.
    pub bbox: [i32; 4],
    pub queued: bool,
}

/// One document as its page view shows it.
#[derive(Debug, Serialize)]
pub struct DocumentView {
    pub id: i64,
    pub path: String,
    pub organization: Option<String>,
    pub year: Option<i64>,
    pub pages: i64,
    /// The dpi of each page, which the cells' boxes are in.
    pub dpi: Vec<u32>,
    pub cells: Vec<ViewCell>,
    pub checks: Vec<CheckView>,
}

/// Document `doc` with every cell's box and status; `None` when there is no such
/// converted document.
pub fn document_view(a: &Archive, doc: i64) -> Result<Option<DocumentView>> {
    let head = a
        .conn()
        .query_row(
            "SELECT path, organization, year, pages, document_json FROM documents
             WHERE id = ?1 AND status = 'done'",
            [doc],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()
        .map_err(|e| a.err(e))?;
    let Some((path, organization, year, pages, json)) = head else {
        return Ok(None);
    };
    let dpi = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| serde_json::from_value(v["source"]["dpi"].clone()).ok())
        .unwrap_or_default();
    let cells = a.rows(
        "SELECT c.table_id, c.row_id, c.col_id, c.value, c.text, c.status, c.confidence,
             c.version, c.page, c.x0, c.y0, c.x1, c.y1, r.reason IS NOT NULL
         FROM cells c LEFT JOIN review_items r ON r.document = c.document
             AND r.table_id = c.table_id AND r.row_id = c.row_id AND r.col_id = c.col_id
         WHERE c.document = ?1 ORDER BY c.rowid",
        [doc],
        |r| {
            let key = CellKey {
                document: doc,
                table: r.get(0)?,
                row: r.get(1)?,
                col: r.get(2)?,
            };
            Ok(ViewCell {
                row_label: template::row_label(&key.table, &key.row),
                col_label: template::col_label(&key.col),
                key,
                value: r.get(3)?,
                text: r.get(4)?,
                status: r.get(5)?,
                confidence: r.get(6)?,
                version: r.get(7)?,
                page: r.get(8)?,
                bbox: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                queued: r.get(13)?,
            })
        },
    )?;
    let checks = a.rows(
        "SELECT rule, ok, detail FROM checks WHERE document = ?1 ORDER BY rowid",
        [doc],
        check_view,
    )?;
    Ok(Some(DocumentView {
        id: doc,
        path,
        organization,
        year,
        pages,
        dpi,
        cells,
        checks,
    }))
}

/// The PNG crop of the row of `key` that batch kept for review, the way the row
/// reads, with its box on the page as the file holds it.
pub fn row_image(a: &Archive, key: &CellKey) -> Result<Option<(PixelBox, Vec<u8>)>> {
    Ok(row_crop(a, key)?.map(|c| (c.bbox, c.png)))
}

/// A row's crop as the archive keeps it.
struct RowCrop {
    bbox: PixelBox,
    png: Vec<u8>,
    turns: QuarterTurns,
}

fn row_crop(a: &Archive, key: &CellKey) -> Result<Option<RowCrop>> {
    a.conn()
        .query_row(
            "SELECT x0, y0, x1, y1, png, turns FROM row_images
             WHERE document = ?1 AND table_id = ?2 AND row_id = ?3",
            params![key.document, key.table, key.row],
            |r| {
                Ok(RowCrop {
                    bbox: PixelBox::from_corners(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                    png: r.get(4)?,
                    turns: QuarterTurns::clockwise(r.get(5)?),
                })
            },
        )
        .optional()
        .map_err(|e| a.err(e))
}

/// A PNG of the cell of `key` with a margin around it, cut from its row's crop.
pub fn cell_image(a: &Archive, key: &CellKey) -> Result<Option<Vec<u8>>> {
    let Some(RowCrop {
        bbox: row_box,
        png,
        turns,
    }) = row_crop(a, key)?
    else {
        return Ok(None);
    };
    let cell: Option<PixelBox> = a
        .conn()
        .query_row(
            "SELECT x0, y0, x1, y1 FROM cells WHERE document = ?1 AND table_id = ?2
             AND row_id = ?3 AND col_id = ?4",
            params![key.document, key.table, key.row, key.col],
            |r| {
                Ok(PixelBox::from_corners(
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            },
        )
        .optional()
        .map_err(|e| a.err(e))?;
    let Some(cell) = cell else {
        return Ok(None);
    };
    let image_err = |reason: String| Error::Image {
        path: a.path().to_path_buf(),
        reason,
    };
    let row = image::load_from_memory(&png)
        .map_err(|e| image_err(format!("row image of {key}: {e}")))?
        .to_luma8();
    // Half the cell's height around it: enough to see the rules and the neighbours'
    // edges, which tell a stray mark from a digit.
    let in_row = PixelBox::from_corners(
        cell.x0 - row_box.x0,
        cell.y0 - row_box.y0,
        cell.x1 - row_box.x0,
        cell.y1 - row_box.y0,
    );
    // The crop reads turned from the file's page: the cell too. Turning the file's
    // page into the crop is undoing the turns that take the crop back to it.
    let (w, h) = (row_box.width() as u32, row_box.height() as u32);
    let in_row = turns.inverse().unturn_box(in_row, w, h);
    let crop = png_crop(&row, in_row, in_row.height() / 2)
        .map_err(|e| image_err(format!("cannot encode a cell crop: {e}")))?;
    Ok(crop.map(|(_, png)| png))
}

/// Where page `page` of document `doc` comes from: its file and the dpi its cells'
/// boxes are in; `None` when there is no such document or page. The archive keeps no
/// pages (they would make it tens of times larger): the view renders them again.
pub fn page_source(a: &Archive, doc: i64, page: usize) -> Result<Option<(PathBuf, u32)>> {
    let Some(view) = document_view(a, doc)? else {
        return Ok(None);
    };
    Ok(view
        .dpi
        .get(page.wrapping_sub(1))
        .map(|&dpi| (PathBuf::from(view.path), dpi)))
}

/// Page `page` of the file at `path`, at `dpi`, as a JPEG, the other pages left
/// undecoded; `password` opens an encrypted PDF. A file moved since the batch run is an
/// error that names it.
pub fn render_page(
    path: &Path,
    page: usize,
    dpi: u32,
    pdf: &dyn PdfRasterizer,
    password: Option<&str>,
) -> Result<Vec<u8>> {
    let (_, pages) = load_pages(
        path,
        pdf,
        &crate::rasterize::LoadOptions {
            dpi,
            // A scan finer than the page was read at is shrunk to it as it was then.
            max_scan_dpi: dpi,
            only_page: Some(page),
            password: password.map(String::from),
            ..Default::default()
        },
    )?;
    let p = pages
        .into_iter()
        .find(|p| p.number == page)
        .ok_or_else(|| Error::NoPages {
            path: path.to_path_buf(),
        })?;
    let mut out = Vec::new();
    // Quality 80: the scan's own noise is coarser than the loss, at a tenth of a PNG.
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&p.gray)
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            reason: format!("cannot encode page {page}: {e}"),
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_kinds_follow_the_reasons_review_writes() {
        assert_eq!(
            reason_kind("check applications.row_total.disclosed failed: row total 3 ≠ 1+1"),
            "failed check"
        );
        assert_eq!(
            reason_kind("OCR read \"8\"; repaired to 3 so the sums hold"),
            "repaired"
        );
        assert_eq!(
            reason_kind("filled in as 0: the table's sums need it"),
            "repaired"
        );
        assert_eq!(
            reason_kind("OCR read \"a\", which is not a number"),
            "not a number"
        );
        assert_eq!(
            reason_kind("only 0.41 likely that \"7\" was read right"),
            "low confidence"
        );
        assert!(REASON_KINDS.contains(&reason_kind("the row's label was not read")));
    }
}

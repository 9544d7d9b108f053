//! Stages 4 and 5: reading the cells of a page's tables — which to read, how, and
//! which to leave to mapping — and mapping them into the model's tables.

use super::{Engine, PreparedPage, SURE_LINE};
use crate::crop::{self, CellInk};
use crate::error::Result;
use crate::geometry::PixelBox;
use crate::grid::GridCell;
use crate::layout::{self, ReadCell, ReadTable};
use crate::model::Table;
use crate::ocr::{ReadKind, Reading, TextReader};
use crate::{labels, template};
use std::collections::{HashMap, HashSet};

/// Which text cells mapping never reads, so need no OCR: headings, text in rows that
/// hold no number (column heads, the table's note), and labels that head a group of
/// rows (`layout::heads_a_group`: a row is named by its own label). The group labels
/// are the tallest, set one character a line.
pub(super) fn unread_text(cells: &[GridCell], kinds: &[ReadKind], inks: &[CellInk]) -> Vec<bool> {
    let valued_rows: HashSet<usize> = cells
        .iter()
        .zip(kinds)
        .filter(|(_, &k)| k == ReadKind::Number)
        .flat_map(|(c, _)| c.row..c.row + c.row_span)
        .collect();
    let headings: Vec<bool> = cells
        .iter()
        .zip(kinds)
        .map(|(c, &k)| {
            k == ReadKind::Text && !(c.row..c.row + c.row_span).any(|r| valued_rows.contains(&r))
        })
        .collect();
    // The labels mapping will see: inked text that is read.
    let labels = || {
        (cells.iter().zip(kinds).zip(inks).zip(&headings))
            .filter(|(((_, &k), ink), &heading)| {
                k == ReadKind::Text && ink.content.is_some() && !heading
            })
            .map(|(((c, _), _), _)| c)
    };
    (cells.iter().zip(kinds).zip(&headings))
        .map(|((c, &k), &heading)| {
            heading || (k == ReadKind::Text && layout::heads_a_group(c, labels()))
        })
        .collect()
}

/// What a text cell is to the row it names, which decides how it is read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum LabelRole {
    /// No row's label: a heading, or a value read as text.
    None,
    /// A row's label: its row holds numbers, all of them right of it, and no cell of
    /// that row alone stands left of it (only headings of groups of rows may).
    Label,
    /// The label of a row holding an applications row's every value, each in a cell
    /// of its own: nothing of the row can have run into such a label, so its opening
    /// is enough to name it. A row short of values may have lost one into its label
    /// (a faded rule), read from the label's lines (`layout::values_in_label`).
    LabelOfFullRow,
}

/// The [`LabelRole`] of each cell.
pub(super) fn label_roles(cells: &[GridCell], kinds: &[ReadKind]) -> Vec<LabelRole> {
    let full = template::APPLICANT_COLS.len();
    let numbers_at = |rows: std::ops::Range<usize>| {
        (cells.iter().zip(kinds))
            .filter(|(c, &k)| k == ReadKind::Number && rows.contains(&c.row))
            .map(|(c, _)| c.col)
            .collect::<Vec<_>>()
    };
    (cells.iter().zip(kinds))
        .map(|(c, &k)| {
            let rows = c.row..c.row + c.row_span;
            let numbers = numbers_at(rows.clone());
            let first =
                !(cells.iter()).any(|o| o.row_span == 1 && rows.contains(&o.row) && o.col < c.col);
            let names_them =
                first && !numbers.is_empty() && numbers.iter().all(|&n| n >= c.col + c.col_span);
            match (
                k == ReadKind::Text && names_them,
                c.row_span == 1 && numbers.len() == full,
            ) {
                (false, _) => LabelRole::None,
                (true, false) => LabelRole::Label,
                (true, true) => LabelRole::LabelOfFullRow,
            }
        })
        .collect()
}

/// Which labels of full rows ([`LabelRole::LabelOfFullRow`]) are left unread at
/// first: every other one in a run of such rows, never the run's first or last.
/// Mapping names such a row by its place between the two rows beside it, whose labels
/// are read ([`layout::map_naming_unread`]); where it cannot, the label is read after
/// all. With each unread label between two read ones, rows printed in another order
/// than the format's always put a read label out of place, so they are noticed: two
/// unread side by side could swap unseen.
pub(super) fn labels_named_by_place(
    cells: &[GridCell],
    roles: &[LabelRole],
    inks: &[CellInk],
) -> Vec<bool> {
    let candidate = |(c, (&role, ink)): (&GridCell, (&LabelRole, &CellInk))| {
        (role == LabelRole::LabelOfFullRow && ink.content.is_some()).then_some(c.row)
    };
    let rows: HashSet<usize> = (cells.iter().zip(roles.iter().zip(inks)))
        .filter_map(candidate)
        .collect();
    let runs_from = |row: usize| (0..=row).rev().take_while(|r| rows.contains(r)).count();
    (cells.iter().zip(roles.iter().zip(inks)))
        .map(|cell| {
            candidate(cell).is_some_and(|row| rows.contains(&(row + 1)) && runs_from(row) % 2 == 0)
        })
        .collect()
}

impl Engine<'_> {
    /// Reads one table cell. A label on one line is read as a line, which spares
    /// Tesseract a block's layout analysis (most of a short label's time); where that
    /// reading is unsure — values run into the label where a rule was lost read as
    /// noise on a line — it is read again as a block.
    ///
    /// A label of a full row ([`LabelRole::LabelOfFullRow`]) running on past its
    /// opening (a wrapped label, a long line: [`CellInk::opening`]) is read by its
    /// opening alone when that reads surely, marked as read in part
    /// ([`labels::UNREAD_REST`]): OCR's time goes by the characters read, and a row of
    /// the applications table is named by its first six or so.
    pub(super) fn read_cell(
        &self,
        page: &PreparedPage,
        ink: &CellInk,
        bbox: PixelBox,
        kind: ReadKind,
        role: LabelRole,
        reader: &mut dyn TextReader,
    ) -> Result<Reading> {
        let scanned_text = kind == ReadKind::Text && page.text_layer.is_none();
        let opening = ink
            .opening_only()
            .filter(|_| role == LabelRole::LabelOfFullRow && scanned_text);
        if let Some(opening) = opening {
            let line =
                self.read_region(page, &page.erased, &opening, bbox, ReadKind::Line, reader)?;
            // Tesseract is unsure of many an opening that it reads right: of a
            // numbering's "1." most of all. A reading that names a label is kept.
            let in_part = line.map(|r| Reading {
                text: format!("{}{}", r.text, labels::UNREAD_REST),
                ..r
            });
            let names_a_label =
                |r: &Reading| labels::names_a_label(&r.text, &template::label_variants());
            if let Some(r) = in_part.filter(|r| r.confidence >= SURE_LINE || names_a_label(r)) {
                return Ok(r);
            }
        }
        let one_line = ink
            .content
            .is_some_and(|c| c.height() * 2 < ink.glyph_height * 3);
        if scanned_text && one_line {
            let line = self.read_region(page, &page.erased, ink, bbox, ReadKind::Line, reader)?;
            log::trace!(
                "line read {:?}",
                line.as_ref().map(|r| (&r.text, r.confidence))
            );
            if let Some(r) = line.filter(|r| r.confidence >= SURE_LINE) {
                return Ok(r);
            }
        }
        let block = self
            .read_region(page, &page.erased, ink, bbox, kind, reader)?
            .unwrap_or_default();
        // A faint scan breaks each glyph into strokes, the median of which is short:
        // a label's one line then looks two lines tall, and a block's layout analysis
        // can find no text in it. Read as a line, it is found. Not so a value cell
        // read as text: values run together (a lost rule) read as a line are noise.
        if block.text.trim().is_empty() && scanned_text && !one_line && role != LabelRole::None {
            let line = self.read_region(page, &page.erased, ink, bbox, ReadKind::Line, reader)?;
            log::trace!(
                "label read as a line after an empty block read: {:?}",
                line.as_ref().map(|r| &r.text)
            );
            return Ok(line.unwrap_or(block));
        }
        Ok(block)
    }

    /// The ink of the cell at `bbox`, as it is read.
    pub(super) fn cell_ink(&self, page: &PreparedPage, bbox: PixelBox) -> CellInk {
        crop::analyze(&page.erased, &page.ink, bbox, page.dpi, &self.options.crop)
    }

    /// Stage 4: reads the cells of the page's tables. On a scan, some labels of rows
    /// holding all their values are left unread ([`labels::unread`]): the rows beside
    /// them name them by their place, and [`Engine::map`] reads those it cannot name.
    pub fn read_tables(
        &self,
        page: &PreparedPage,
        reader: &mut dyn TextReader,
    ) -> Result<Vec<ReadTable>> {
        let mut out = Vec::new();
        for t in &page.tables {
            let analyze = |c: &GridCell| self.cell_ink(page, c.bbox);
            let inks: Vec<CellInk> = t.cells.iter().map(analyze).collect();
            let joined = layout::split_at_faded_rules(t, &inks, |b| self.cell_ink(page, b));
            let (t, inks) = match &joined {
                Some((grid, cut)) => (grid, cut.clone()),
                None => (t, inks),
            };
            let kinds = layout::assign_kinds(t, &inks);
            let split = layout::split_stacked_labels(t, &kinds);
            let (t, inks, kinds) = match &split {
                Some((grid, kinds)) => {
                    // Only the cut pieces are new; the other cells keep their ink.
                    let before: HashMap<&GridCell, &CellInk> = t.cells.iter().zip(&inks).collect();
                    let inks: Vec<CellInk> = grid
                        .cells
                        .iter()
                        .map(|c| before.get(c).map_or_else(|| analyze(c), |&i| i.clone()))
                        .collect();
                    // A piece shaped as a number was a value: two values stacked in one
                    // cell where a row rule faded in a value column read as text whole.
                    let kinds = (kinds.iter().zip(&inks))
                        .map(|(&k, ink)| {
                            if ink.numeric_shape {
                                ReadKind::Number
                            } else {
                                k
                            }
                        })
                        .collect();
                    (grid, inks, kinds)
                }
                None => (t, inks, kinds),
            };
            let unread = unread_text(&t.cells, &kinds, &inks);
            let roles = label_roles(&t.cells, &kinds);
            let by_place = match page.text_layer {
                // A text layer costs nothing to read.
                Some(_) => vec![false; t.cells.len()],
                None => labels_named_by_place(&t.cells, &roles, &inks),
            };
            let mut cells = Vec::with_capacity(t.cells.len());
            for (((((cell, ink), kind), unread), role), by_place) in (t.cells.iter().zip(&inks))
                .zip(kinds)
                .zip(unread)
                .zip(roles)
                .zip(by_place)
            {
                // A text layer costs nothing to read, so its headings are kept.
                let reading = if unread && page.text_layer.is_none() {
                    Reading::default()
                } else if by_place {
                    Reading {
                        text: labels::unread(),
                        ..Reading::default()
                    }
                } else if ink.content.is_none() {
                    // A text layer is sure of an empty cell. On a scan a faint 0 can
                    // vanish in binarization, and the format prints 0 for none: an
                    // empty value cell is rare (11 of the bench's 11,964) and about as
                    // often a lost 0, so it is never a sure read.
                    Reading {
                        text: String::new(),
                        confidence: if page.text_layer.is_some() { 1.0 } else { 0.6 },
                        symbols: Vec::new(),
                        from_text_layer: page.text_layer.is_some(),
                    }
                } else {
                    self.read_cell(page, ink, cell.bbox, kind, role, reader)?
                };
                log::debug!(
                    "page {} cell r{} c{} span {}x{} at {:?} {:?} numeric_shape={} text={:?}",
                    page.number,
                    cell.row,
                    cell.col,
                    cell.row_span,
                    cell.col_span,
                    cell.bbox,
                    kind,
                    ink.numeric_shape,
                    reading.text
                );
                cells.push(ReadCell {
                    grid: cell.clone(),
                    kind,
                    reading,
                });
            }
            out.push(ReadTable {
                page: page.number,
                bbox: t.bbox,
                n_cols: t.n_cols,
                n_rows: t.n_rows,
                cells,
            });
        }
        Ok(out)
    }

    /// Stage 5: the model's tables from the tables read, in the versions of the format
    /// a report on `year` can use. Where a row whose label was left unread cannot be
    /// named by its place, its label is read and the tables mapped again.
    pub fn map(
        &self,
        pages: &[PreparedPage],
        read: &mut [ReadTable],
        year: Option<i32>,
        reader: &mut dyn TextReader,
    ) -> Result<Vec<Table>> {
        loop {
            let mapping = layout::map_naming_unread(read, year);
            if mapping.unnamed.is_empty() {
                return Ok(mapping.tables);
            }
            log::debug!(
                "{} rows left unread not named by their place; their labels are read",
                mapping.unnamed.len()
            );
            let mut read_one = false;
            for t in read.iter_mut() {
                let Some(page) = pages.iter().find(|p| p.number == t.page) else {
                    continue;
                };
                for c in (t.cells.iter_mut())
                    .filter(|c| mapping.unnamed.contains(&(t.page, c.grid.bbox)))
                {
                    let ink = self.cell_ink(page, c.grid.bbox);
                    let role = LabelRole::LabelOfFullRow;
                    c.reading = self.read_cell(page, &ink, c.grid.bbox, c.kind, role, reader)?;
                    read_one |= !labels::is_unread(&c.reading.text);
                }
            }
            // Each round reads a label left unread, so the rounds end.
            if !read_one {
                return Ok(mapping.tables);
            }
        }
    }
}

//! Engine: runs the stages in order — rasterize, normalize, grid, OCR, map, fields,
//! checks — one method per stage plus [`Engine::convert`], the one-call shortcut.

use crate::crop::{self, CellInk, CropOptions};
use crate::error::Result;
use crate::geometry::PixelBox;
use crate::grid::{self, GridCell, GridOptions, Rules, TableGrid};
use crate::layout::{self, ReadCell, ReadTable};
use crate::model::{Document, ReportFields, Source, Table, MODEL_NAME, MODEL_VERSION};
use crate::normalize::{self, InkMask, NormalizeOptions};
use crate::ocr::{ReadKind, Reading, RememberingReader, TextReader};
use crate::organization::TitleOrganization;
use crate::orient::QuarterTurns;
use crate::places::Places;
use crate::prose::{self, Prose};
use crate::rasterize::{self, LoadOptions, PageImage, PdfRasterizer, TextChar};
use crate::repair::{self, RepairOptions};
use crate::review::{self, ReviewOptions};
use crate::template::{self, Template};
use crate::{fields, labels};
use image::GrayImage;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Every stage's options; each stage's defaults say why they are what they are.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// Resolution, limits and password for loading inputs.
    pub load: LoadOptions,
    pub normalize: NormalizeOptions,
    pub grid: GridOptions,
    pub crop: CropOptions,
    pub repair: RepairOptions,
    pub review: ReviewOptions,
    /// Skip the prose (preamble and sections): off, since half of a report is prose
    /// that researchers quote and search; on saves the time of reading it.
    pub tables_only: bool,
}

/// A page after normalization and grid detection.
pub struct PreparedPage {
    pub number: usize,
    pub dpi: u32,
    /// Deskewed grayscale.
    pub gray: GrayImage,
    /// `gray` with the rules painted out, what cells are read from.
    pub erased: GrayImage,
    pub ink: InkMask,
    pub rules: Rules,
    pub tables: Vec<TableGrid>,
    pub text_layer: Option<Vec<TextChar>>,
    pub skew_deg: f32,
    /// How the page as rasterized was turned to be read (see [`Engine::read_turned_pages`]).
    pub turns: QuarterTurns,
}

#[cfg(test)]
impl PreparedPage {
    /// Page 1 of `gray`, straight, its ink where darker than mid-gray, no rules or
    /// tables found: a test's page, with no binarization to tune.
    pub(crate) fn plain(gray: GrayImage, dpi: u32) -> PreparedPage {
        PreparedPage {
            number: 1,
            dpi,
            ink: InkMask::from_gray_threshold(&gray, 128),
            erased: gray.clone(),
            gray,
            rules: Rules::default(),
            tables: Vec::new(),
            text_layer: None,
            skew_deg: 0.0,
            turns: QuarterTurns::NONE,
        }
    }
}

/// Everything a conversion saw: the document, and the pages and tables behind it
/// for debugging output. A file with no report table still has its pages here. Its
/// boxes are on the pages as read (a page scanned turned is read turned);
/// [`Conversion::into_document`] puts them on the pages as rasterized.
pub struct Conversion {
    pub document: Document,
    pub pages: Vec<PreparedPage>,
    pub read: Vec<ReadTable>,
    pub path: std::path::PathBuf,
}

impl Conversion {
    /// The document, with what was found, whatever was found: a file with no table of
    /// the format gives one without tables (and [`Warning::NoReportTables`]), never
    /// tables made up.
    pub fn into_document(self) -> Document {
        let mut document = self.document;
        turned::boxes_as_rasterized(&mut document, &self.pages);
        document
    }

    /// What about the whole document a person should know.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if self.document.tables.is_empty() {
            out.push(Warning::NoReportTables);
        }
        out.extend(
            self.read
                .iter()
                .filter(|t| holds_values(t) && !holds_mapped_cell(t, &self.document.tables))
                .map(|t| Warning::UnmappedTable {
                    page: t.page,
                    bbox: (self.pages.iter().find(|p| p.number == t.page))
                        .map_or(t.bbox, |p| p.box_as_rasterized(t.bbox)),
                    rows: t.n_rows,
                    cols: t.n_cols,
                }),
        );
        out
    }
}

/// Whether a cell of `tables` lies in the table read `t` (both on the page as read).
fn holds_mapped_cell(t: &ReadTable, tables: &[Table]) -> bool {
    tables.iter().flat_map(|d| &d.cells).any(|c| {
        let (x, y) = c.bbox.center();
        c.page == t.page && t.bbox.contains_point(x, y)
    })
}

/// Whether a table read holds rows of numbers: two rows or more with two values or
/// more. Header rows cut off at a page's foot, a seal's ring, or a bold title whose
/// strokes read as rules (a digit or two read off them) hold no such rows.
fn holds_values(t: &ReadTable) -> bool {
    (0..t.n_rows).filter(|&r| values_in_row(t, r) >= 2).count() >= 2
}

/// How many cells of row `r` of `t` read as a number.
fn values_in_row(t: &ReadTable, r: usize) -> usize {
    (t.cells.iter())
        .filter(|c| c.grid.row == r && c.kind == ReadKind::Number)
        .filter(|c| !c.reading.text.trim().is_empty())
        .count()
}

/// Something about a whole document that a person should know; the document is
/// written all the same.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// No table of the format was found: the document has none (is it a report?).
    NoReportTables,
    /// A ruled table of values matched to none of the format's, left out of the model.
    UnmappedTable {
        page: usize,
        bbox: PixelBox,
        rows: usize,
        cols: usize,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::NoReportTables => write!(
                f,
                "no report tables found (is this a 政府信息公开工作年度报告?); written without tables"
            ),
            Warning::UnmappedTable { page, bbox, rows, cols } => write!(
                f,
                "page {page}: a table of {rows} rows × {cols} columns with values at {},{},{},{} matched none of the format's tables; left out",
                bbox.x0, bbox.y0, bbox.x1, bbox.y1
            ),
        }
    }
}

pub struct Engine<'a> {
    pdf: &'a dyn PdfRasterizer,
    pub options: EngineOptions,
}

/// Which text cells mapping never reads, so need no OCR: headings, text in rows that
/// hold no number (column heads, the table's note), and labels that head a group of
/// rows (`layout::heads_a_group`: a row is named by its own label). The group labels
/// are the tallest, set one character a line.
fn unread_text(cells: &[GridCell], kinds: &[ReadKind], inks: &[CellInk]) -> Vec<bool> {
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
enum LabelRole {
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
fn label_roles(cells: &[GridCell], kinds: &[ReadKind]) -> Vec<LabelRole> {
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
fn labels_named_by_place(cells: &[GridCell], roles: &[LabelRole], inks: &[CellInk]) -> Vec<bool> {
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

/// Widest a line that may hold a report's date is, in heights of the line: a date
/// with the body's name before it, "XX局 二〇二四年三月十八日", is some sixteen.
const DATE_LINE_EMS: i32 = 20;

/// Tesseract's mean confidence above which a label read as one line is kept.
const SURE_LINE: f32 = 0.75;

/// Time spent in each stage of one conversion, logged at debug level: where a
/// document's seconds go, without a profiler.
struct StageClock<'p> {
    path: &'p Path,
    last: std::time::Instant,
}

impl<'p> StageClock<'p> {
    fn start(path: &'p Path) -> Self {
        StageClock {
            path,
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        log::debug!(
            "{}: {stage} {:.0} ms",
            self.path.display(),
            (now - self.last).as_secs_f64() * 1000.0
        );
        self.last = now;
    }
}

impl<'a> Engine<'a> {
    pub fn new(pdf: &'a dyn PdfRasterizer, options: EngineOptions) -> Self {
        Engine { pdf, options }
    }

    /// Stage 1: the file's pages as images, and its bytes.
    pub fn rasterize(&self, path: &Path) -> Result<(Vec<u8>, Vec<PageImage>)> {
        rasterize::load_pages(path, self.pdf, &self.options.load)
    }

    /// Stages 2 and 3: straighten the page, find its tables, erase the rules.
    pub fn prepare(&self, page: PageImage) -> PreparedPage {
        let o = &self.options;
        // A text layer's coordinates belong to the unrotated render; such pages are
        // straight by construction.
        let norm = if page.text_layer.is_some() {
            normalize::binarize(page.gray, page.dpi, 0.0, &o.normalize)
        } else {
            normalize::normalize(page.gray, page.dpi, &o.normalize)
        };
        self.prepare_normalized(page.number, page.dpi, page.text_layer, norm)
    }

    /// Stage 3 on a page already straightened: find its tables, erase the rules.
    fn prepare_normalized(
        &self,
        number: usize,
        dpi: u32,
        text_layer: Option<Vec<TextChar>>,
        norm: normalize::NormalizedPage,
    ) -> PreparedPage {
        let o = &self.options;
        log::debug!(
            "page {number}: {}×{} px at {dpi} dpi, skew {:.2}°",
            norm.gray.width(),
            norm.gray.height(),
            norm.skew_deg
        );
        let (tables, rules) = grid::detect_tables(&norm, dpi, &o.grid);
        let mut erased = norm.gray.clone();
        // Blur spreads a rule a pixel or two beyond what binarization called ink.
        grid::erase_rules(&mut erased, &rules, (dpi as i32 / 100).max(2));
        PreparedPage {
            number,
            dpi,
            gray: norm.gray,
            erased,
            ink: norm.ink,
            rules,
            tables,
            text_layer,
            skew_deg: norm.skew_deg,
            turns: QuarterTurns::NONE,
        }
    }

    /// Reads a region as text or number: from the text layer when the page has one,
    /// else by OCR of the cleaned crop. `None` when the region holds no ink.
    fn read_region(
        &self,
        page: &PreparedPage,
        source: &GrayImage,
        ink: &CellInk,
        region: PixelBox,
        kind: ReadKind,
        reader: &mut dyn TextReader,
    ) -> Result<Option<Reading>> {
        if let Some(chars) = &page.text_layer {
            let text = text_in(chars, region);
            return Ok((!text.is_empty()).then(|| Reading {
                text,
                confidence: 1.0,
                symbols: Vec::new(),
                from_text_layer: true,
            }));
        }
        match crop::render(source, ink, page.dpi, kind, &self.options.crop) {
            Some((img, dpi)) => reader.read(&img, dpi, kind).map(Some),
            None => Ok(None),
        }
    }

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
    fn read_cell(
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
    fn cell_ink(&self, page: &PreparedPage, bbox: PixelBox) -> CellInk {
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

    /// Reads each of `lines` as `kind` (text or a line of prose), the other where that
    /// finds nothing: a reading for every line, in order.
    fn read_lines(
        &self,
        page: &PreparedPage,
        lines: &[PixelBox],
        kind: ReadKind,
        reader: &mut dyn TextReader,
    ) -> Result<Vec<Reading>> {
        let other = if kind == ReadKind::Line {
            ReadKind::Text
        } else {
            ReadKind::Line
        };
        let mut out = Vec::new();
        for l in lines {
            let region = PixelBox::from_corners(l.x0 - 4, l.y0 - 4, l.x1 + 4, l.y1 + 4);
            // Outside tables nothing was a rule; the untouched page keeps every stroke.
            let ink = crop::analyze(
                &page.gray,
                &page.ink,
                region,
                page.dpi,
                &CropOptions {
                    inset_in: 0.0,
                    ..self.options.crop.clone()
                },
            );
            // One reading a line, empty where there was no ink, so callers can pair
            // them with their lines.
            let mut r = self
                .read_region(page, &page.gray, &ink, region, kind, reader)?
                .unwrap_or_default();
            if r.text.trim().is_empty() && ink.content.is_some() {
                r = self
                    .read_region(page, &page.gray, &ink, region, other, reader)?
                    .unwrap_or_default();
            }
            out.push(Reading {
                text: r.text.chars().filter(|c| !c.is_whitespace()).collect(),
                ..r
            });
        }
        Ok(out)
    }

    /// The title: the first tall lines of `area` on `page`, read until one ends it
    /// (报告), with each character's alternatives.
    fn read_title(
        &self,
        page: &PreparedPage,
        area: PixelBox,
        reader: &mut dyn TextReader,
    ) -> Result<(String, Vec<crate::ocr::Symbol>)> {
        let lines = fields::text_lines(&page.ink, area, page.dpi);
        let mut title = String::new();
        let mut symbols = Vec::new();
        for line in fields::title_lines(&lines) {
            for r in self.read_lines(page, &[line], ReadKind::Title, reader)? {
                title += &r.text;
                symbols.extend(r.symbols);
            }
            if title.contains("报告") {
                break;
            }
        }
        Ok((title, symbols))
    }

    /// Stage 6: title, organization and year, read above the report's first table;
    /// with the organization as read, for the prose to confirm
    /// ([`Engine::confirm_organization`]).
    pub fn report_fields(
        &self,
        pages: &[PreparedPage],
        tables: &[Table],
        reader: &mut dyn TextReader,
    ) -> Result<(ReportFields, Option<TitleOrganization>)> {
        let mut f = ReportFields::default();
        let mut org = None;
        if let Some(first) = pages.first() {
            let (w, h) = (first.gray.width() as i32, first.gray.height() as i32);
            let top = tables
                .iter()
                .filter(|t| t.page == first.number)
                .map(|t| t.bbox.y0)
                .min()
                .unwrap_or(h);
            let (title, symbols) =
                self.read_title(first, PixelBox::from_corners(0, 0, w, top), reader)?;
            log::debug!("title read as {title:?}");
            log::trace!("title symbols {symbols:?}");
            let (read_org, year) = fields::parse_title(&title);
            org = (read_org.as_ref())
                .map(|o| TitleOrganization::from_title(o, &symbols, Places::bundled()));
            f.organization = org.as_ref().map(|o| o.name.clone());
            f.year = year;
            f.title = (!title.is_empty()).then(|| {
                fields::tidy_title(&title, read_org.as_deref(), f.organization.as_deref())
            });
        }
        Ok((f, org))
    }

    /// The organization read in the title, confirmed by the prose that names it again
    /// ([`TitleOrganization::confirmed_by`]), in the fields and the title.
    fn confirm_organization(report: &mut ReportFields, read: &TitleOrganization, prose: &Prose) {
        let confirmed = read.confirmed_by(&prose.text());
        if confirmed != read.name {
            log::debug!(
                "organization {:?} read {confirmed:?} in the prose",
                read.name
            );
            report.title = (report.title.as_deref())
                .map(|t| fields::tidy_title(t, Some(&read.name), Some(&confirmed)));
            report.organization = Some(confirmed);
        }
    }

    /// The date in the last lines under the last table: where the report's date is
    /// when its prose is not read.
    pub fn date_under_tables(
        &self,
        pages: &[PreparedPage],
        tables: &[Table],
        year: Option<i32>,
        reader: &mut dyn TextReader,
    ) -> Result<Option<String>> {
        let Some(last) = pages.last() else {
            return Ok(None);
        };
        let (w, h) = (last.gray.width() as i32, last.gray.height() as i32);
        let below = tables
            .iter()
            .filter(|t| t.page == last.number)
            .flat_map(|t| {
                t.cells
                    .iter()
                    .filter(|c| c.page == last.number)
                    .map(|c| c.bbox.y1)
            })
            .max()
            .unwrap_or(0);
        let area = PixelBox::from_corners(0, below, w, h);
        // A line of prose is no date line: a date is ten characters or so.
        let lines = (fields::closing_lines(&last.ink, area, last.dpi).into_iter())
            .filter(|l| l.width() <= DATE_LINE_EMS * l.height());
        // From the bottom up, as far as the first line that dates the report: the date
        // closes the report, so the lines above it (the organization) are seldom read.
        let (mut closing, mut doubtful) = (prose::Prose::default(), prose::Prose::default());
        for line in lines.rev().take(3) {
            for r in self.read_lines(last, &[line], ReadKind::Text, reader)? {
                // Read again below only where it may be a date: one misread (a seal
                // over it), not the body's name read surely above it.
                let may_date = fields::looks_dated(&r.text) || r.confidence < SURE_LINE;
                let read = prose::Line {
                    page: last.number,
                    bbox: line,
                    text: r.text,
                };
                if may_date {
                    doubtful.closing.insert(0, read.clone());
                }
                closing.closing.insert(0, read);
            }
            if let Some(date) = closing.published(year) {
                return Ok(Some(date));
            }
        }
        // Read again as the prose's closing lines are: from the print alone.
        self.reread_for_date(pages, &mut doubtful, year, reader)?;
        Ok(doubtful.published(year))
    }

    /// Stage 7: the prose outside the tables, line by line in reading order — from the
    /// text layer where the page has one, else read by OCR — made into the preamble,
    /// the sections and the closing lines.
    pub fn read_prose(
        &self,
        pages: &[PreparedPage],
        tables: &[Table],
        year: Option<i32>,
        reader: &mut dyn TextReader,
    ) -> Result<Prose> {
        let mut lines = Vec::new();
        for page in pages {
            // The cells of the grids that hold the report's tables are not prose. Other
            // grids are not tables: a seal's ring can make rules enough for one. Where
            // the rules of two tables set close together run on, the gap between them
            // becomes one wide cell around the heading there: a line in a cell as wide
            // as its table is kept if it reads as a heading.
            let mapped: Vec<(i32, i32)> = tables
                .iter()
                .flat_map(|t| t.cells.iter())
                .filter(|c| c.page == page.number)
                .map(|c| c.bbox.center())
                .collect();
            // A born-digital page has no seal among its rules: every grid is a table.
            let report_grids: Vec<&TableGrid> = if page.text_layer.is_some() {
                page.tables.iter().collect()
            } else {
                report_grids(page, &mapped)
            };
            let cells = |wide: bool| -> Vec<PixelBox> {
                report_grids
                    .iter()
                    .flat_map(|t| {
                        t.cells
                            .iter()
                            .filter(move |c| !wide || c.bbox.width() * 10 >= t.bbox.width() * 8)
                            .map(|c| c.bbox)
                    })
                    .collect()
            };
            let (narrow, wide): (Vec<PixelBox>, Vec<PixelBox>) = {
                let wide = cells(true);
                (
                    cells(false)
                        .into_iter()
                        .filter(|c| !wide.contains(c))
                        .collect(),
                    wide,
                )
            };
            let inside =
                |b: &PixelBox, area: &[PixelBox]| prose::outside(vec![*b], area).is_empty();
            let read: Vec<(PixelBox, String)> = match &page.text_layer {
                Some(chars) => prose::text_layer_lines(chars, &narrow),
                None => {
                    let whole = PixelBox::from_corners(
                        0,
                        0,
                        page.gray.width() as i32,
                        page.gray.height() as i32,
                    );
                    let boxes =
                        prose::outside(fields::text_lines(&page.ink, whole, page.dpi), &narrow);
                    let reads = self.read_lines(page, &boxes, ReadKind::Line, reader)?;
                    boxes
                        .into_iter()
                        .zip(reads.into_iter().map(|r| r.text))
                        .collect()
                }
            };
            for (bbox, text) in read {
                if inside(&bbox, &wide) && !prose::is_heading(&text) {
                    continue;
                }
                lines.push(prose::Line {
                    page: page.number,
                    bbox,
                    text,
                });
            }
        }
        for l in &lines {
            log::debug!("prose line p{} {:?}: {}", l.page, l.bbox, l.text);
        }
        let mut prose = prose::assemble(&lines);
        self.reread_for_date(pages, &mut prose, year, reader)?;
        Ok(prose)
    }

    /// When the closing lines give no date, they are read again from the print alone,
    /// and failing that with its lighter strokes too: on yellowed paper the print is
    /// gray as well, and the thin strokes of 二〇二二 go first. Only a reading that
    /// finds the date replaces the first re-read.
    fn reread_for_date(
        &self,
        pages: &[PreparedPage],
        prose: &mut prose::Prose,
        year: Option<i32>,
        reader: &mut dyn TextReader,
    ) -> Result<()> {
        if prose.published(year).is_some() {
            return Ok(());
        }
        let printed = prose.closing.clone();
        let first = self.reread_closing(pages, &printed, reader, 0.4)?;
        if !first.is_empty() {
            prose.closing = first;
        }
        if prose.published(year).is_none() {
            let second = self.reread_closing(pages, &printed, reader, 0.8)?;
            let first = std::mem::replace(&mut prose.closing, second);
            if prose.published(year).is_none() {
                prose.closing = first;
            }
        }
        Ok(())
    }

    /// The closing lines read again from their darkest ink only (see
    /// [`fields::keep_darkest`] for `share`): a seal stamped over the body's name and
    /// the date joins them into one block of noise, and is paler than the print under it.
    fn reread_closing(
        &self,
        pages: &[PreparedPage],
        closing: &[prose::Line],
        reader: &mut dyn TextReader,
        share: f32,
    ) -> Result<Vec<prose::Line>> {
        let mut again = Vec::new();
        for l in closing.iter() {
            let Some(page) = pages
                .iter()
                .find(|p| p.number == l.page && p.text_layer.is_none())
            else {
                continue;
            };
            let Some((_, crop)) = crop::cut(&page.gray, l.bbox, (page.dpi / 20) as i32) else {
                continue;
            };
            let read = reader.read(
                &fields::keep_darkest(&crop, share),
                page.dpi,
                ReadKind::Text,
            )?;
            log::debug!("closing re-read: {:?}", read.text);
            for text in read.text.lines().filter(|t| !t.trim().is_empty()) {
                again.push(prose::Line {
                    page: l.page,
                    bbox: l.bbox,
                    text: text.chars().filter(|c| !c.is_whitespace()).collect(),
                });
            }
        }
        Ok(again)
    }

    /// Every stage, one file; see [`Conversion::into_document`] for the document alone.
    pub fn convert(&self, path: &Path, reader: &mut dyn TextReader) -> Result<Conversion> {
        let mut remembering = RememberingReader::new(reader);
        let reader: &mut dyn TextReader = &mut remembering;
        let mut clock = StageClock::start(path);
        let (bytes, images) = self.rasterize(path)?;
        clock.lap("rasterize");
        let mut pages: Vec<PreparedPage> = images.into_iter().map(|p| self.prepare(p)).collect();
        clock.lap("normalize+grid");
        let mut read = Vec::new();
        for p in &pages {
            read.extend(self.read_tables(p, reader)?);
        }
        clock.lap("read cells");
        let tables = self.map(&pages, &mut read, None, reader)?;
        let mut tables = self.read_turned_pages(&mut pages, &mut read, tables, reader)?;
        clock.lap("map+turned pages");
        let (mut report, mut title_org) = if tables.is_empty() {
            (ReportFields::default(), None)
        } else {
            self.report_fields(&pages, &tables, reader)?
        };
        if !tables.is_empty()
            && report.year.is_none()
            && self.read_turned_title_page(&mut pages, &mut read, &tables, reader)?
        {
            tables = self.map(&pages, &mut read, None, reader)?;
            (report, title_org) = self.report_fields(&pages, &tables, reader)?;
        }
        if !tables.is_empty()
            && !self.options.tables_only
            && self.read_turned_prose_pages(&mut pages, &mut read, &tables, reader)?
        {
            tables = self.map(&pages, &mut read, None, reader)?;
        }
        // The year is read above the tables, after them: a version the report's year
        // rules out is mapped again without it.
        let impossible =
            |t: &Table| Template::parse(t.template).is_some_and(|v| !v.possible_for(report.year));
        if tables.iter().any(impossible) {
            tables = self.map(&pages, &mut read, report.year, reader)?;
        }
        clock.lap("fields");
        report.template = tables
            .iter()
            .find(|t| t.id == "applications")
            .or(tables.first())
            .map(|t| t.template.to_string());
        let prose = if self.options.tables_only {
            Prose::default()
        } else {
            self.read_prose(&pages, &tables, report.year, reader)?
        };
        if let Some(read) = &title_org {
            Self::confirm_organization(&mut report, read, &prose);
        }
        // The date closes the prose; where the prose has none (or was not read), it
        // is looked for under the last table — read only then, not twice.
        report.published = match prose.published(report.year) {
            Some(date) => Some(date),
            None if !tables.is_empty() => {
                match self.date_under_tables(&pages, &tables, report.year, reader)? {
                    Some(date) => Some(date),
                    None => self.date_on_turned_last_page(
                        &mut pages,
                        &mut read,
                        &tables,
                        report.year,
                        reader,
                    )?,
                }
            }
            None => None,
        };
        let mut document = Document {
            model: MODEL_NAME,
            model_version: MODEL_VERSION,
            source: Source {
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: format!("{:x}", Sha256::digest(&bytes)),
                pages: pages.len(),
                dpi: pages.iter().map(|p| p.dpi).collect(),
            },
            report,
            preamble: prose.preamble,
            sections: prose.sections,
            tables,
            checks: Vec::new(),
            review: Vec::new(),
        };
        clock.lap("prose+date");
        repair::repair(&mut document.tables, &self.options.repair);
        review::check_and_flag(&mut document, &self.options.review);
        clock.lap("repair+review");
        Ok(Conversion {
            document,
            pages,
            read,
            path: path.to_path_buf(),
        })
    }
}

/// The grids of `page` that hold a report table: those holding a mapped cell (at
/// `mapped`) or shaped as a table, and the grids touching them — a table's header is
/// often a grid of its own, set right above its body.
fn report_grids<'p>(page: &'p PreparedPage, mapped: &[(i32, i32)]) -> Vec<&'p TableGrid> {
    let pad = (page.dpi / 20) as i32;
    let mut is_report: Vec<bool> = page
        .tables
        .iter()
        .map(|t| {
            // Three columns or more across half the page are a table on their own
            // account (a seal's ring is two inches at most): a table's header set at
            // the foot of a page, its body on the next.
            let table_shaped = t.n_cols >= 3 && t.bbox.width() * 2 >= page.gray.width() as i32;
            table_shaped || mapped.iter().any(|&(x, y)| t.bbox.contains_point(x, y))
        })
        .collect();
    loop {
        let mut grew = false;
        for i in 0..page.tables.len() {
            if is_report[i] {
                continue;
            }
            let near = page.tables[i].bbox.inset(-pad, -pad);
            let touches = page.tables.iter().zip(&is_report).any(|(t, &r)| {
                r && near.x0 < t.bbox.x1
                    && t.bbox.x0 < near.x1
                    && near.y0 < t.bbox.y1
                    && t.bbox.y0 < near.y1
            });
            if touches {
                is_report[i] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    page.tables
        .iter()
        .zip(is_report)
        .filter(|(_, r)| *r)
        .map(|(t, _)| t)
        .collect()
}

/// The text-layer characters whose centres fall in `region`, in reading order.
fn text_in(chars: &[TextChar], region: PixelBox) -> String {
    let mut inside: Vec<&TextChar> = chars
        .iter()
        .filter(|c| {
            let (x, y) = c.bbox.center();
            region.contains_point(x, y)
        })
        .collect();
    if inside.is_empty() {
        return String::new();
    }
    let line_h = inside
        .iter()
        .map(|c| c.bbox.height())
        .max()
        .unwrap_or(1)
        .max(1);
    // Group into lines by centre height, then read each line left to right.
    let mut lines: Vec<Vec<&TextChar>> = Vec::new();
    inside.sort_by_key(|c| c.bbox.center().1);
    for c in inside {
        match lines.last_mut() {
            Some(l) if (c.bbox.center().1 - l[0].bbox.center().1).abs() < line_h / 2 => l.push(c),
            _ => lines.push(vec![c]),
        }
    }
    lines
        .into_iter()
        .map(|mut l| {
            l.sort_by_key(|c| c.bbox.x0);
            l.into_iter().map(|c| c.ch).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

mod prose_pages;
mod turned;
pub use turned::boxes_as_rasterized;

#[cfg(test)]
mod tests;

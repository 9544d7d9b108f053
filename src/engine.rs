//! Engine: runs the stages in order — rasterize, normalize, grid, OCR, map, fields,
//! checks — one method per stage plus [`Engine::convert`], the one-call shortcut.
//! The stages that read are in their own files: the tables' cells (`cells`), the text
//! around them (`text`), pages scanned turned (`turned`, `prose_pages`).

use crate::crop::{self, CellInk, CropOptions};
use crate::error::Result;
use crate::geometry::PixelBox;
use crate::grid::{self, GridOptions, Rules, TableGrid};
use crate::layout::ReadTable;
use crate::model::{Document, ReportFields, Source, Table, MODEL_NAME, MODEL_VERSION};
use crate::normalize::{self, InkMask, NormalizeOptions};
use crate::ocr::{ReadKind, Reading, RememberingReader, TextReader};
use crate::orient::QuarterTurns;
use crate::prose::Prose;
use crate::rasterize::{self, LoadOptions, PageImage, PdfRasterizer, TextChar};
use crate::repair::{self, RepairOptions};
use crate::review::{self, ReviewOptions};
use crate::template::Template;
use image::GrayImage;
use sha2::{Digest, Sha256};
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
    observer: Option<StageObserver<'a>>,
}

/// Told the file and the stage each time a conversion enters one: what a progress
/// display shows while one long document converts. Called from the converting thread.
pub type StageObserver<'a> = &'a (dyn Fn(&Path, &'static str) + Sync);

/// Tesseract's mean confidence above which a line's reading is sure: a label read as
/// one line is kept, a closing line not read again for a date.
const SURE_LINE: f32 = 0.75;

/// The stages of one conversion: each one's time logged at debug level (where a
/// document's seconds go, without a profiler), each one entered told to the observer.
struct StageClock<'p> {
    path: &'p Path,
    stage: &'static str,
    started: std::time::Instant,
    observer: Option<StageObserver<'p>>,
}

impl<'p> StageClock<'p> {
    fn start(path: &'p Path, stage: &'static str, observer: Option<StageObserver<'p>>) -> Self {
        if let Some(tell) = observer {
            tell(path, stage);
        }
        StageClock {
            path,
            stage,
            started: std::time::Instant::now(),
            observer,
        }
    }

    /// Ends the current stage and enters `stage`.
    fn next(&mut self, stage: &'static str) {
        *self = StageClock::start(self.path, stage, self.observer.take());
    }
}

impl Drop for StageClock<'_> {
    fn drop(&mut self) {
        log::debug!(
            "{}: {} {:.0} ms",
            self.path.display(),
            self.stage,
            self.started.elapsed().as_secs_f64() * 1000.0
        );
    }
}

impl<'a> Engine<'a> {
    pub fn new(pdf: &'a dyn PdfRasterizer, options: EngineOptions) -> Self {
        Engine {
            pdf,
            options,
            observer: None,
        }
    }

    /// The same engine, telling `observer` each stage a conversion enters.
    pub fn observed(self, observer: StageObserver<'a>) -> Self {
        Engine {
            observer: Some(observer),
            ..self
        }
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

    /// Every stage, one file; see [`Conversion::into_document`] for the document alone.
    pub fn convert(&self, path: &Path, reader: &mut dyn TextReader) -> Result<Conversion> {
        let mut remembering = RememberingReader::new(reader);
        let reader: &mut dyn TextReader = &mut remembering;
        let mut clock = StageClock::start(path, "rasterize", self.observer);
        let (bytes, images) = self.rasterize(path)?;
        clock.next("normalize+grid");
        let mut pages: Vec<PreparedPage> = images.into_iter().map(|p| self.prepare(p)).collect();
        clock.next("read cells");
        let mut read = Vec::new();
        for p in &pages {
            read.extend(self.read_tables(p, reader)?);
        }
        clock.next("map+turned pages");
        let tables = self.map(&pages, &mut read, None, reader)?;
        let mut tables = self.read_turned_pages(&mut pages, &mut read, tables, reader)?;
        clock.next("fields");
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
        clock.next(if self.options.tables_only {
            "date"
        } else {
            "prose+date"
        });
        report.template = tables
            .iter()
            .find(|t| t.id == "applications")
            .or(tables.first())
            .map(|t| t.template.to_string());
        let prose = if self.options.tables_only {
            Prose::default()
        } else {
            let mut prose = self.read_prose(&pages, &tables, report.year, reader)?;
            prose.add_parts_of_tables(tables.iter().map(|t| t.id));
            prose
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
        clock.next("repair+review");
        repair::repair(&mut document.tables, &self.options.repair);
        review::check_and_flag(&mut document, &self.options.review);
        drop(clock);
        Ok(Conversion {
            document,
            pages,
            read,
            path: path.to_path_buf(),
        })
    }
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

mod cells;
mod prose_pages;
mod text;
mod turned;
pub use turned::boxes_as_rasterized;

#[cfg(test)]
mod tests;

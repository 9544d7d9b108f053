//! Turned pages: a scanned page whose ruled table looks turned is read again upside
//! down and on either side, and kept the way its labels read as the format's.

use super::{holds_values, values_in_row};
use super::{Engine, PreparedPage};
use crate::crop;
use crate::error::Result;
use crate::fields;
use crate::geometry::PixelBox;
use crate::grid::Segment;
use crate::labels;
use crate::layout::ReadTable;
use crate::model::{Document, Table};
use crate::normalize;
use crate::ocr::{ReadKind, TextReader};
use crate::orient::QuarterTurns;
use crate::rasterize::PageImage;
use crate::template;

impl PreparedPage {
    /// `b`, a box on this page as read, on the page as rasterized.
    pub fn box_as_rasterized(&self, b: PixelBox) -> PixelBox {
        (self.turns).unturn_box(b, self.gray.width(), self.gray.height())
    }
}

/// Document boxes on the pages as rasterized: the boxes of tables and cells on pages
/// read turned are turned back.
pub fn boxes_as_rasterized(document: &mut Document, pages: &[PreparedPage]) {
    for page in pages.iter().filter(|p| !p.turns.is_none()) {
        for t in &mut document.tables {
            if t.page == page.number {
                t.bbox = page.box_as_rasterized(t.bbox);
            }
            for c in t.cells.iter_mut().filter(|c| c.page == page.number) {
                c.bbox = page.box_as_rasterized(c.bbox);
            }
        }
    }
}

/// Whether `page` may be a page of prose scanned turned: scanned, not read turned
/// yet, and holding no cell of `tables` (whose labels would have told).
pub(super) fn may_be_turned_prose(page: &PreparedPage, tables: &[Table]) -> bool {
    page.text_layer.is_none() && page.turns.is_none() && cells_on(tables, page.number) == 0
}

/// Cells of `tables` on page `number`.
fn cells_on(tables: &[Table], number: usize) -> usize {
    (tables.iter().flat_map(|t| &t.cells))
        .filter(|c| c.page == number)
        .count()
}

/// Whether the rules of `page` run down more than across, twice over: a page of
/// tables on its side, whose tables may not be found at all (its skew, measured on
/// rows of ink, is off when its text lines run down). A table's rows make more rule
/// across than its columns make down, also in a tall table.
fn rules_run_down(page: &PreparedPage) -> bool {
    let length = |rules: &[Segment]| rules.iter().map(|r| r.end - r.start).sum::<i32>();
    let (down, across) = (length(&page.rules.vertical), length(&page.rules.horizontal));
    log::debug!(
        "page {}: rules {down} px down, {across} px across",
        page.number
    );
    down > 2 * across && down > page.gray.height() as i32
}

/// Whether the rows of `t` holding no number (its headings), two or more, all lie
/// below a row of values: a table upside down. The format heads each table above its
/// values, and a table's rows carried onto a page start with values, not headings.
fn headed_below(t: &ReadTable) -> bool {
    let headings: Vec<usize> = (0..t.n_rows)
        .filter(|&r| values_in_row(t, r) == 0)
        .collect();
    let last_values = (0..t.n_rows).rev().find(|&r| values_in_row(t, r) >= 2);
    match (last_values, headings.first()) {
        (Some(values), Some(&heading)) => headings.len() >= 2 && values < heading,
        _ => false,
    }
}

/// `read` with the tables of page `number` replaced by `page_tables`, in page order.
fn with_page_tables(
    read: &[ReadTable],
    number: usize,
    page_tables: Vec<ReadTable>,
) -> Vec<ReadTable> {
    let mut out: Vec<ReadTable> = read.iter().filter(|t| t.page != number).cloned().collect();
    let at = out
        .iter()
        .position(|t| t.page > number)
        .unwrap_or(out.len());
    out.splice(at..at, page_tables);
    out
}

/// Labels read to judge which way a page reads: enough that one misread label does
/// not decide, few enough that judging a way costs a fraction of reading the page
/// that way (its digits, turned, read as text: seconds a page).
const LABEL_SAMPLE: usize = 8;

/// Whether a page whose sample of labels names `named` of the format reads the right
/// way: a quarter of them is more than a page read the wrong way ever names (its
/// glyphs turned read as no label), and some wide cells of a page read right hold a
/// heading or a label run into its values.
fn reads_well(named: usize) -> bool {
    4 * named >= LABEL_SAMPLE
}

impl Engine<'_> {
    /// `page` prepared again, turned. Turned a half, it stays as straight as it was
    /// made as read and is not straightened again: each turn blurs thin strokes (a 1
    /// lost). Turned a quarter, it is: on its side, its skew was measured off by a
    /// tenth or two of a degree, enough to break long rules (measured on the turned
    /// bench both ways).
    pub(super) fn prepare_turned(&self, page: &PreparedPage, turns: QuarterTurns) -> PreparedPage {
        let gray = turns.turn(&page.gray);
        let mut turned = if turns == QuarterTurns::clockwise(2) {
            let o = &self.options.normalize;
            let norm = normalize::binarize(gray, page.dpi, page.skew_deg, o);
            self.prepare_normalized(page.number, page.dpi, None, norm)
        } else {
            self.prepare(PageImage {
                number: page.number,
                gray,
                dpi: page.dpi,
                text_layer: None,
            })
        };
        turned.turns = turns;
        turned
    }

    /// `turned` kept in place of `page`, the page it was turned from, its tables read
    /// again into `read`. Whether it holds a table.
    pub(super) fn keep_turned(
        &self,
        page: &mut PreparedPage,
        turned: PreparedPage,
        read: &mut Vec<ReadTable>,
        reader: &mut dyn TextReader,
    ) -> Result<bool> {
        log::info!(
            "page {} was scanned turned; read turned {}° clockwise",
            turned.number,
            turned.turns.degrees()
        );
        let tables = self.read_tables(&turned, reader)?;
        let holds_tables = !tables.is_empty();
        *read = with_page_tables(read, turned.number, tables);
        *page = turned;
        Ok(holds_tables)
    }

    /// A ruled table of `page` that looks turned, on a page where no text cell reads
    /// as a label of the format: three rows and three columns or more, and rows of
    /// values (a table upside down: its digits still read as digits, and a table of
    /// digits alone, as table 4's row, can even map, wrongly and surely), its headings
    /// under its values ([`headed_below`]: table 4 upside down) or text
    /// running down its cells (a table on its side, or a header cut off at a page's
    /// foot whose narrow columns' headings are printed downwards: the judging of
    /// [`Engine::read_turned_pages`] then tells). A page of the report's own tables
    /// reads some labels.
    fn turned_table<'r>(
        &self,
        page: &PreparedPage,
        read: &'r [ReadTable],
    ) -> Option<&'r ReadTable> {
        let variants = template::label_variants();
        let names_a_label = |t: &ReadTable| {
            (t.cells.iter()).any(|c| labels::names_a_label(&c.reading.text, &variants))
        };
        let on_page = || read.iter().filter(|t| t.page == page.number);
        if on_page().any(names_a_label) {
            return None;
        }
        on_page()
            .filter(|t| t.n_rows >= 3 && t.n_cols >= 3)
            .find(|t| holds_values(t) || headed_below(t) || self.text_runs_down(page, t))
    }

    /// Whether most lines of text in `t` run down: of the cells whose ink is twice as
    /// long one way as the other (a line of glyphs, not a glyph: a digit on its side
    /// is wide), most are tall.
    fn text_runs_down(&self, page: &PreparedPage, t: &ReadTable) -> bool {
        let lines: Vec<bool> = (t.cells.iter())
            .map(|c| self.cell_ink(page, c.grid.bbox))
            .filter(|ink| !ink.numeric_shape)
            .filter_map(|ink| ink.content)
            .filter(|c| c.height().max(c.width()) >= 2 * c.height().min(c.width()))
            .map(|c| c.height() > c.width())
            .collect();
        2 * lines.iter().filter(|&&down| down).count() > lines.len()
    }

    /// How many of the [`LABEL_SAMPLE`] widest text cells of the page's tables read
    /// as a label of the format.
    fn labels_of_the_format(
        &self,
        page: &PreparedPage,
        reader: &mut dyn TextReader,
    ) -> Result<usize> {
        let mut text: Vec<(PixelBox, crop::CellInk)> = (page.tables.iter())
            .flat_map(|t| &t.cells)
            .map(|c| (c.bbox, self.cell_ink(page, c.bbox)))
            .filter(|(_, ink)| ink.content.is_some() && !ink.numeric_shape)
            .collect();
        text.sort_by_key(|(_, ink)| std::cmp::Reverse(ink.content.map_or(0, |c| c.width())));
        let variants = template::label_variants();
        let mut named = 0;
        for (bbox, ink) in text.iter().take(LABEL_SAMPLE) {
            // One line, as a line: a block's layout analysis of a line read the
            // wrong way costs ten times more and tells no more.
            let (line, rest) = match ink.opening_only() {
                Some(first) => (first, Some(labels::UNREAD_REST)),
                None => (ink.clone(), None),
            };
            let reading =
                self.read_region(page, &page.erased, &line, *bbox, ReadKind::Line, reader)?;
            let text: String =
                reading.map_or(String::new(), |r| r.text.chars().chain(rest).collect());
            named += usize::from(labels::names_a_label(&text, &variants));
        }
        Ok(named)
    }

    /// Stage 6b, where the title gave no year: a scanned first page holding no cell of
    /// the format (a title page of prose) is read turned each way until its title
    /// reads as one, a report's with its year, and then kept turned, its tables read
    /// again. Whether it was.
    pub fn read_turned_title_page(
        &self,
        pages: &mut [PreparedPage],
        read: &mut Vec<ReadTable>,
        tables: &[Table],
        reader: &mut dyn TextReader,
    ) -> Result<bool> {
        let Some(first) = pages.first_mut() else {
            return Ok(false);
        };
        if !may_be_turned_prose(first, tables) {
            return Ok(false);
        }
        let found = self.turned_until(first, read, reader, |engine, page, reader| {
            let whole =
                PixelBox::from_corners(0, 0, page.gray.width() as i32, page.gray.height() as i32);
            let (title, _) = engine.read_title(page, whole, reader)?;
            log::debug!(
                "page {} turned {}° clockwise: title {title:?}",
                page.number,
                page.turns.degrees()
            );
            Ok((title.contains("报告") && fields::parse_title(&title).1.is_some()).then_some(()))
        })?;
        Ok(found.is_some())
    }

    /// `page` turned each way until `finds` finds what it looks for on it, then kept
    /// turned ([`Engine::keep_turned`]): what was found.
    pub(super) fn turned_until<T>(
        &self,
        page: &mut PreparedPage,
        read: &mut Vec<ReadTable>,
        reader: &mut dyn TextReader,
        mut finds: impl FnMut(&Self, &PreparedPage, &mut dyn TextReader) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        for turns in QuarterTurns::TRIED {
            let turned = self.prepare_turned(page, turns);
            if let Some(found) = finds(self, &turned, reader)? {
                self.keep_turned(page, turned, read, reader)?;
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Stage 4b: each scanned page with a table that `Engine::turned_table` finds, or
    /// with no cell of the format and rules that run down, is judged as it stands and
    /// turned each way by a sample of its labels; the best way is read in full and
    /// kept where the document then maps as many cells with values or more. `tables`
    /// is the mapping of `read` as it stands; the mapping after is returned.
    pub fn read_turned_pages(
        &self,
        pages: &mut [PreparedPage],
        read: &mut Vec<ReadTable>,
        mut tables: Vec<Table>,
        reader: &mut dyn TextReader,
    ) -> Result<Vec<Table>> {
        for i in 0..pages.len() {
            let number = pages[i].number;
            // A text layer is laid out the way it reads.
            let scan = pages[i].text_layer.is_none() && pages[i].turns.is_none();
            if !scan {
                continue;
            }
            let on_its_side = cells_on(&tables, number) == 0 && rules_run_down(&pages[i]);
            match self.turned_table(&pages[i], read) {
                Some(t) => log::debug!(
                    "page {number}: a table of {}×{} at {:?} looks turned",
                    t.n_rows,
                    t.n_cols,
                    t.bbox
                ),
                None if on_its_side => {
                    log::debug!("page {number}: no cell of the format, its rules run down")
                }
                None => continue,
            }
            // Reading a page the wrong way costs ten times reading it right (its
            // digits read as text), so each way is judged by a few labels first and
            // only the best read in full.
            let mut best = (self.labels_of_the_format(&pages[i], reader)?, None);
            log::debug!(
                "page {number} as read: {} of {LABEL_SAMPLE} labels of the format",
                best.0
            );
            for turns in QuarterTurns::TRIED {
                // A page that reads well as it is, or turned one way, is not turned
                // further.
                if reads_well(best.0) {
                    break;
                }
                let page = self.prepare_turned(&pages[i], turns);
                let named = self.labels_of_the_format(&page, reader)?;
                log::debug!(
                    "page {number} turned {}° clockwise: {named} of {LABEL_SAMPLE} labels of the format",
                    turns.degrees()
                );
                if named > best.0 {
                    best = (named, Some(page));
                }
            }
            let Some(page) = best.1 else {
                continue;
            };
            let mut trial = with_page_tables(read, number, self.read_tables(&page, reader)?);
            let as_read = std::mem::replace(&mut pages[i], page);
            let trial_tables = self.map(pages, &mut trial, None, reader)?;
            // Cells with a value, not cells: a page upside down still maps its rows by
            // their place, its headings read as noise where values should be.
            let mapped = |t: &[Table]| {
                (t.iter().flat_map(|t| &t.cells))
                    .filter(|c| c.value.is_some())
                    .count()
            };
            log::debug!(
                "page {number} turned maps {} cells, as read {}",
                mapped(&trial_tables),
                mapped(&tables)
            );
            // Its labels already chose this way; the values need only not disagree.
            if mapped(&trial_tables) >= mapped(&tables) {
                log::info!(
                    "page {number} was scanned turned; read turned {}° clockwise",
                    pages[i].turns.degrees()
                );
                *read = trial;
                tables = trial_tables;
            } else {
                pages[i] = as_read;
            }
        }
        Ok(tables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::grid::GridCell;
    use crate::layout::ReadCell;
    use crate::normalize::NormalizeOptions;
    use crate::ocr::Reading;
    use crate::rasterize::NoPdf;

    /// A table of rows given top to bottom, each as its cells' texts: digits are values,
    /// anything else a heading.
    fn table(rows: &[&[&str]]) -> ReadTable {
        let cells = (rows.iter().enumerate())
            .flat_map(|(row, texts)| {
                texts.iter().enumerate().map(move |(col, text)| ReadCell {
                    grid: GridCell {
                        row,
                        col,
                        row_span: 1,
                        col_span: 1,
                        bbox: PixelBox::from_corners(
                            col as i32 * 50,
                            row as i32 * 40,
                            (col as i32 + 1) * 50,
                            (row as i32 + 1) * 40,
                        ),
                    },
                    kind: if text.chars().all(|c| c.is_ascii_digit()) {
                        ReadKind::Number
                    } else {
                        ReadKind::Text
                    },
                    reading: Reading {
                        text: text.to_string(),
                        ..Reading::default()
                    },
                })
            })
            .collect();
        ReadTable {
            page: 1,
            bbox: PixelBox::from_corners(0, 0, 200, rows.len() as i32 * 40),
            n_cols: 4,
            n_rows: rows.len(),
            cells,
        }
    }

    /// A page of ruled lines tilted by `angle` degrees, prepared as if already
    /// straightened, so any further straightening shows.
    fn tilted_page(engine: &Engine, angle: f32) -> PreparedPage {
        let mut img = image::GrayImage::from_pixel(900, 1200, image::Luma([245]));
        for y in (100..1100).step_by(60) {
            let rule = imageproc::rect::Rect::at(100, y).of_size(700, 3);
            imageproc::drawing::draw_filled_rect_mut(&mut img, rule, image::Luma([30]));
        }
        let tilted = normalize::rotate_about_center(&img, angle.to_radians(), 245);
        let opts = NormalizeOptions::default();
        let norm = normalize::binarize(tilted, 150, 0.0, &opts);
        engine.prepare_normalized(1, 150, None, norm)
    }

    #[test]
    fn a_page_turned_a_half_is_not_straightened_again_a_quarter_is() {
        let engine = Engine::new(&NoPdf, EngineOptions::default());
        let page = tilted_page(&engine, 0.8);
        let half = QuarterTurns::clockwise(2);
        let turned = engine.prepare_turned(&page, half);
        assert!(
            turned.gray == half.turn(&page.gray),
            "the half turn was resampled"
        );
        let quarter = QuarterTurns::clockwise(1);
        let turned = engine.prepare_turned(&page, quarter);
        assert!(
            turned.gray != quarter.turn(&page.gray),
            "the quarter turn was not straightened"
        );
    }

    #[test]
    fn a_table_headed_under_its_values_is_upside_down() {
        let values: &[&str] = &["0", "0", "0", "0"];
        let heads: &[&str] = &["果维", "计总", "议复", "讼诉"];
        assert!(headed_below(&table(&[values, heads, heads])));
        // As printed: headings first. Rows carried onto a page: values alone.
        assert!(!headed_below(&table(&[heads, heads, values])));
        assert!(!headed_below(&table(&[values, values, values])));
        // One heading under values is a table's next part beginning.
        assert!(!headed_below(&table(&[values, values, heads])));
        assert!(!headed_below(&table(&[heads, values, heads, heads])));
    }
}

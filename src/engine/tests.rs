//! Engine tests with a fake reader: how a table cell is read, not what Tesseract says.

use super::cells::{label_roles, labels_named_by_place, unread_text, LabelRole};
use super::text::report_grids;
use super::*;
use crate::crop::{self, CropOptions};
use crate::grid::{GridCell, TableGrid};
use crate::layout::ReadCell;
use crate::normalize::InkMask;
use crate::rasterize::NoPdf;
use crate::{labels, prose, template};
use image::Luma;
use imageproc::drawing::draw_filled_rect_mut;
use imageproc::rect::Rect;

/// Answers each kind with its name, or `line_text` for a line, at a set confidence,
/// and remembers what it was asked.
struct FakeReader {
    line_confidence: f32,
    line_text: Option<&'static str>,
    /// What a block read finds: its kind's name where `None`.
    block_text: Option<&'static str>,
    asked: Vec<ReadKind>,
}

impl FakeReader {
    /// Reads lines at 0.9, every kind as its name.
    fn sure_of_lines() -> Self {
        FakeReader {
            line_confidence: 0.9,
            line_text: None,
            block_text: None,
            asked: Vec::new(),
        }
    }
}

impl TextReader for FakeReader {
    fn read(&mut self, _: &GrayImage, _: u32, kind: ReadKind) -> Result<Reading> {
        self.asked.push(kind);
        let confidence = if kind == ReadKind::Line {
            self.line_confidence
        } else {
            0.9
        };
        let text = match (self.line_text, self.block_text) {
            (Some(text), _) if kind == ReadKind::Line => text.to_string(),
            (_, Some(text)) if kind == ReadKind::Text => text.to_string(),
            _ => format!("{kind:?}"),
        };
        Ok(Reading {
            text,
            confidence,
            symbols: Vec::new(),
            from_text_layer: false,
        })
    }
}

/// A page with one cell holding `lines` lines of six glyphs.
fn page_and_cell(lines: i32) -> (PreparedPage, CellInk, PixelBox) {
    page_and_cell_of(lines, 6)
}

/// A page with one cell holding `lines` lines of `glyphs` glyphs each.
fn page_and_cell_of(lines: i32, glyphs: i32) -> (PreparedPage, CellInk, PixelBox) {
    let mut gray = GrayImage::from_pixel(600, 300, Luma([255]));
    for l in 0..lines {
        for g in 0..glyphs {
            let rect = Rect::at(40 + g * 40, 40 + l * 50).of_size(30, 30);
            draw_filled_rect_mut(&mut gray, rect, Luma([0]));
        }
    }
    let page = PreparedPage::plain(gray, 300);
    let bbox = PixelBox::from_corners(20, 20, 580, 60 + lines * 50);
    let cell = crop::analyze(&page.gray, &page.ink, bbox, 300, &CropOptions::default());
    (page, cell, bbox)
}

fn read(lines: i32, line_confidence: f32) -> (Reading, Vec<ReadKind>) {
    read_with(lines, line_confidence, LabelRole::Label)
}

fn read_with(lines: i32, line_confidence: f32, role: LabelRole) -> (Reading, Vec<ReadKind>) {
    read_cell_of(page_and_cell(lines), line_confidence, None, role)
}

fn read_cell_of(
    page_and_cell: (PreparedPage, CellInk, PixelBox),
    line_confidence: f32,
    line_text: Option<&'static str>,
    role: LabelRole,
) -> (Reading, Vec<ReadKind>) {
    let mut reader = FakeReader {
        line_confidence,
        line_text,
        block_text: None,
        asked: Vec::new(),
    };
    let r = read_cell_with(page_and_cell, role, &mut reader);
    (r, reader.asked)
}

fn read_cell_with(
    (page, cell, bbox): (PreparedPage, CellInk, PixelBox),
    role: LabelRole,
    reader: &mut FakeReader,
) -> Reading {
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    engine
        .read_cell(&page, &cell, bbox, ReadKind::Text, role, reader)
        .unwrap()
}

#[test]
fn a_label_a_block_read_finds_nothing_in_is_read_as_a_line_and_a_value_is_not() {
    let reader = || FakeReader {
        line_confidence: 0.9,
        line_text: Some("规章"),
        block_text: Some(""),
        asked: Vec::new(),
    };
    let mut label = reader();
    let r = read_cell_with(page_and_cell(2), LabelRole::Label, &mut label);
    assert_eq!(label.asked, [ReadKind::Text, ReadKind::Line]);
    assert_eq!(r.text, "规章");
    let mut value = reader();
    let r = read_cell_with(page_and_cell(2), LabelRole::None, &mut value);
    assert_eq!(value.asked, [ReadKind::Text]);
    assert_eq!(r.text, "");
}

#[test]
fn a_label_on_one_line_is_read_as_a_line_when_that_is_sure() {
    let (r, asked) = read(1, 0.9);
    assert_eq!(asked, [ReadKind::Line]);
    assert_eq!(r.text, "Line");
}

#[test]
fn an_unsure_line_reading_is_read_again_as_a_block() {
    let (r, asked) = read(1, 0.5);
    assert_eq!(asked, [ReadKind::Line, ReadKind::Text]);
    assert_eq!(r.text, "Text");
}

#[test]
fn a_label_over_two_lines_is_read_as_a_block() {
    let (r, asked) = read(2, 0.9);
    assert_eq!(asked, [ReadKind::Text]);
    assert_eq!(r.text, "Text");
}

#[test]
fn a_wrapped_label_that_its_first_line_names_is_read_by_that_line_alone() {
    let (r, asked) = read_with(3, 0.9, LabelRole::LabelOfFullRow);
    assert_eq!(asked, [ReadKind::Line]);
    assert_eq!(r.text, format!("Line{}", labels::UNREAD_REST));
    // Unsure of the line, the whole label is read.
    let (r, asked) = read_with(3, 0.5, LabelRole::LabelOfFullRow);
    assert_eq!(asked, [ReadKind::Line, ReadKind::Text]);
    assert_eq!(r.text, "Text");
}

#[test]
fn a_long_line_that_its_opening_names_is_read_by_that_opening_alone() {
    let long = || page_and_cell_of(1, 12);
    let (_, cell, _) = long();
    let opening = cell.opening.unwrap();
    assert!(opening.width() < cell.content.unwrap().width() * 3 / 4);
    let (r, asked) = read_cell_of(long(), 0.9, None, LabelRole::LabelOfFullRow);
    assert_eq!(asked, [ReadKind::Line]);
    assert_eq!(r.text, format!("Line{}", labels::UNREAD_REST));
    // Where no opening names the row, the whole line is read.
    let (r, asked) = read_cell_of(long(), 0.9, None, LabelRole::Label);
    assert_eq!(asked, [ReadKind::Line]);
    assert_eq!(r.text, "Line");
}

#[test]
fn an_unsure_opening_is_kept_where_it_names_a_label() {
    let long = || page_and_cell_of(1, 12);
    let (r, asked) = read_cell_of(long(), 0.6, Some("1信访举报投"), LabelRole::LabelOfFullRow);
    assert_eq!(asked, [ReadKind::Line]);
    assert_eq!(r.text, format!("1信访举报投{}", labels::UNREAD_REST));
    // Unsure and naming none, the whole line is read, and then the block.
    let (r, asked) = read_cell_of(long(), 0.6, Some("全相下必"), LabelRole::LabelOfFullRow);
    assert_eq!(asked, [ReadKind::Line, ReadKind::Line, ReadKind::Text]);
    assert_eq!(r.text, "Text");
}

#[test]
fn labels_are_the_text_left_of_a_row_s_numbers_and_full_rows_are_named_by_an_opening() {
    let full = template::APPLICANT_COLS.len();
    let cell = |row, col| GridCell {
        row,
        col,
        row_span: 1,
        col_span: 1,
        bbox: PixelBox::from_corners(0, 0, 10, 10),
    };
    // Row 0: a label and every value; row 1: a label whose row lost a value into it.
    let mut cells = vec![cell(0, 0)];
    cells.extend((1..=full).map(|c| cell(0, c)));
    cells.push(cell(1, 0));
    cells.extend((2..=full).map(|c| cell(1, c)));
    let kinds: Vec<ReadKind> = (cells.iter())
        .map(|c| {
            if c.col == 0 {
                ReadKind::Text
            } else {
                ReadKind::Number
            }
        })
        .collect();
    let roles = label_roles(&cells, &kinds);
    assert_eq!(roles[0], LabelRole::LabelOfFullRow);
    assert_eq!(roles[full + 1], LabelRole::Label);
    assert!(roles[1..=full].iter().all(|&r| r == LabelRole::None));
    let full_rows = roles.iter().filter(|&&r| r == LabelRole::LabelOfFullRow);
    assert_eq!(full_rows.count(), 1);
}

fn grid_cell(row: usize, col: usize, row_span: usize) -> GridCell {
    GridCell {
        row,
        col,
        row_span,
        col_span: 1,
        bbox: PixelBox::from_corners(0, 0, 10, 10),
    }
}

#[test]
fn headings_and_group_labels_go_unread_and_a_row_s_own_label_is_read() {
    // Row 0: the table's note over two heading rows and a column head; rows 2–3: a
    // group label over two rows of a label and a number each.
    let cells = [
        grid_cell(0, 0, 2),
        grid_cell(0, 1, 1),
        grid_cell(1, 1, 1),
        grid_cell(2, 0, 2),
        grid_cell(2, 1, 1),
        grid_cell(2, 2, 1),
        grid_cell(3, 1, 1),
        grid_cell(3, 2, 1),
    ];
    use ReadKind::{Number as N, Text as T};
    let kinds = [T, T, T, T, T, N, T, N];
    let inked = vec![CellInk::summary(Some(PixelBox::from_corners(1, 1, 9, 9)), false); 8];
    assert_eq!(
        unread_text(&cells, &kinds, &inked),
        [true, true, true, true, false, false, false, false]
    );
    // Without the rows' own labels the tall cell is the rows' only name, and is read.
    let mut blank = inked.clone();
    blank[4] = CellInk::summary(None, false);
    blank[6] = CellInk::summary(None, false);
    assert!(!unread_text(&cells, &kinds, &blank)[3]);
}

#[test]
fn a_column_head_whose_foot_holds_a_value_is_read() {
    // A head over two heading rows whose rule above the values faded: it reaches into
    // the row of numbers, and only headings stand right of it. Its foot's value is
    // recovered from its reading, so it must be read.
    let cells = [grid_cell(0, 0, 3), grid_cell(0, 1, 2), grid_cell(2, 1, 1)];
    use ReadKind::{Number as N, Text as T};
    let kinds = [T, T, N];
    let inked = vec![CellInk::summary(Some(PixelBox::from_corners(1, 1, 9, 9)), false); 3];
    assert_eq!(unread_text(&cells, &kinds, &inked), [false, true, false]);
}

/// Reads the date only when the gray strokes of its numerals survive in the crop.
struct DateReader {
    reads: usize,
}

impl TextReader for DateReader {
    fn read(&mut self, image: &GrayImage, _: u32, _: ReadKind) -> Result<Reading> {
        self.reads += 1;
        let gray_strokes = image.pixels().any(|p| (100..=170).contains(&p.0[0]));
        Ok(fairly_sure(if gray_strokes {
            "二〇二二年一月十九日"
        } else {
            "二二年月十九"
        }))
    }
}

/// A reading of ink of `text`, fairly sure of it.
fn fairly_sure(text: &str) -> Reading {
    Reading {
        text: text.into(),
        confidence: 0.9,
        symbols: Vec::new(),
        from_text_layer: false,
    }
}

#[test]
fn a_date_lost_from_the_print_alone_is_read_again_with_its_lighter_strokes() {
    // Yellowed paper (200), black strokes, and the gray thin ones a date's numerals
    // fade to: the print alone keeps only the black.
    let mut gray = GrayImage::from_pixel(600, 200, Luma([200]));
    draw_filled_rect_mut(&mut gray, Rect::at(40, 50).of_size(100, 30), Luma([0]));
    draw_filled_rect_mut(&mut gray, Rect::at(160, 60).of_size(200, 6), Luma([150]));
    let closing = PixelBox::from_corners(20, 40, 400, 100);
    let mut reader = DateReader { reads: 0 };
    let date = date_read_again(gray, closing, "区站玛基年示月干九日", 2021, &mut reader);
    assert_eq!(date.as_deref(), Some("2022-01-19"));
    assert_eq!(reader.reads, 2);
}

/// The published date of a report on `year` whose one closing line, at `bbox` on a
/// page of `gray`, was read `text`, after [`Engine::reread_for_date`].
fn date_read_again(
    gray: GrayImage,
    bbox: PixelBox,
    text: &str,
    year: i32,
    reader: &mut dyn TextReader,
) -> Option<String> {
    let (mut page, _, _) = page_and_cell(1);
    page.gray = gray;
    let closing = vec![prose::Line {
        page: 1,
        bbox,
        text: text.into(),
    }];
    let mut prose = prose::Prose {
        preamble: String::new(),
        sections: Vec::new(),
        closing,
    };
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    engine
        .reread_for_date(&[page], &mut prose, Some(year), reader)
        .unwrap();
    prose.published(Some(year))
}

/// Reads a date's closing 日 only when the crop holds it: a second run of inked columns.
struct LastGlyphReader;

impl TextReader for LastGlyphReader {
    fn read(&mut self, image: &GrayImage, _: u32, _: ReadKind) -> Result<Reading> {
        let inked: Vec<bool> = (0..image.width())
            .map(|x| (0..image.height()).any(|y| image.get_pixel(x, y).0[0] < 128))
            .collect();
        let runs = inked.windows(2).filter(|w| !w[0] && w[1]).count() + usize::from(inked[0]);
        Ok(fairly_sure(if runs >= 2 {
            "2025年3月3日"
        } else {
            "2025年3月3"
        }))
    }
}

#[test]
fn a_dates_last_character_joined_to_a_seal_is_read_again_from_beside_the_line() {
    // The line's box ends where the 日 touching a seal's ring begins (the ring is one
    // stroke with it, too tall to join the line): its re-read must look past the box.
    let mut gray = GrayImage::from_pixel(600, 200, Luma([255]));
    draw_filled_rect_mut(&mut gray, Rect::at(100, 80).of_size(190, 30), Luma([0]));
    draw_filled_rect_mut(&mut gray, Rect::at(310, 80).of_size(24, 30), Luma([0]));
    let line = PixelBox::from_corners(100, 80, 290, 110);
    let date = date_read_again(gray, line, "2025年3月3", 2024, &mut LastGlyphReader);
    assert_eq!(date.as_deref(), Some("2025-03-03"));
}

/// Answers each reading with the next of its lines, in the order asked, sure of all
/// but those `unsure`, and remembers how wide each image read was.
struct ScriptedReader {
    answers: Vec<&'static str>,
    unsure: Vec<usize>,
    reads: usize,
    widths: Vec<u32>,
}

impl ScriptedReader {
    fn new(answers: Vec<&'static str>) -> Self {
        ScriptedReader {
            answers,
            unsure: Vec::new(),
            reads: 0,
            widths: Vec::new(),
        }
    }
}

impl TextReader for ScriptedReader {
    fn read(&mut self, image: &GrayImage, _: u32, _: ReadKind) -> Result<Reading> {
        self.widths.push(image.width());
        let text = self.answers.get(self.reads).copied().unwrap_or_default();
        let sure = !self.unsure.contains(&self.reads);
        self.reads += 1;
        Ok(Reading {
            text: text.into(),
            confidence: if sure { 0.9 } else { 0.4 },
            symbols: Vec::new(),
            from_text_layer: false,
        })
    }
}

#[test]
fn the_date_under_the_tables_is_read_from_the_bottom_line_up() {
    let (page, _, _) = page_and_cell(3);
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    let date = |answers| {
        let mut reader = ScriptedReader::new(answers);
        let date = engine
            .date_under_tables(std::slice::from_ref(&page), &[], Some(2021), &mut reader)
            .unwrap();
        (date, reader.reads)
    };
    // The closing's last line dates it: the lines above are not read.
    let (found, reads) = date(vec!["2022年1月19日", "某某县审计局"]);
    assert_eq!((found.as_deref(), reads), (Some("2022-01-19"), 1));
    // A line under the date (a page number) costs one more reading.
    let (found, reads) = date(vec!["-3-", "二〇二二年一月十九日"]);
    assert_eq!((found.as_deref(), reads), (Some("2022-01-19"), 2));
    // No date: the last three lines are read, no more.
    let (found, reads) = date(vec!["第三页", "某某县审计局", "无其他需要报告的事项。"]);
    assert_eq!((found, reads), (None, 3));
}

#[test]
fn a_date_misread_under_the_tables_is_read_again_and_a_line_of_prose_never() {
    // At 300 dpi, glyphs 30 px high 40 apart: a line of prose 25 glyphs long, the
    // body's name (8) and the date (10) under it.
    let mut gray = GrayImage::from_pixel(1200, 600, Luma([255]));
    for (y, glyphs) in [(100, 25), (300, 8), (400, 10)] {
        for g in 0..glyphs {
            let rect = Rect::at(100 + g * 40, y).of_size(30, 30);
            draw_filled_rect_mut(&mut gray, rect, Luma([0]));
        }
    }
    let (mut page, _, _) = page_and_cell(1);
    page.ink = InkMask::from_gray_threshold(&gray, 128);
    (page.gray, page.erased) = (gray.clone(), gray);
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    // The date under a seal reads as one unsure character; read again, as itself.
    let mut reader = ScriptedReader::new(vec!["有", "某某县审计局", "二〇二二年一月十九日"]);
    reader.unsure = vec![0];
    let date = engine
        .date_under_tables(std::slice::from_ref(&page), &[], Some(2021), &mut reader)
        .unwrap();
    assert_eq!((date.as_deref(), reader.reads), (Some("2022-01-19"), 3));
    // The line of prose, 1000 px long, was not among them.
    assert!(
        reader.widths.iter().all(|&w| w < 800),
        "{:?}",
        reader.widths
    );
}

#[test]
fn labels_left_unread_are_every_other_one_in_a_run_never_its_ends() {
    let (page, inked, _) = page_and_cell(1);
    let blank = PixelBox::from_corners(450, 200, 590, 290);
    let empty = crop::analyze(&page.gray, &page.ink, blank, 300, &CropOptions::default());
    assert!(empty.content.is_none());
    let label = |row| GridCell {
        row,
        col: 0,
        row_span: 1,
        col_span: 1,
        bbox: PixelBox::from_corners(0, 0, 10, 10),
    };
    // Runs of rows named by an opening: 0–3, 5–7 (row 4's label is empty), 9–10.
    let cells: Vec<GridCell> = (0..=10).map(label).collect();
    let named: Vec<LabelRole> = (0..=10)
        .map(|r| match r {
            8 => LabelRole::Label,
            _ => LabelRole::LabelOfFullRow,
        })
        .collect();
    let inks: Vec<CellInk> = (0..=10)
        .map(|r| if r == 4 { empty.clone() } else { inked.clone() })
        .collect();
    let unread = labels_named_by_place(&cells, &named, &inks);
    let rows: Vec<usize> = (0..=10).filter(|&r| unread[r]).collect();
    assert_eq!(rows, [1, 6]);
}

#[test]
fn a_label_left_unread_that_its_place_cannot_name_is_read_and_mapped_again() {
    let (page, _, inked) = page_and_cell(1);
    let text = |t: &str| Reading {
        text: t.to_string(),
        confidence: 0.95,
        symbols: Vec::new(),
        from_text_layer: false,
    };
    let at = |row: usize, col: usize| {
        PixelBox::from_corners(
            col as i32 * 100,
            1000 + row as i32 * 40,
            col as i32 * 100 + 100,
            1040 + row as i32 * 40,
        )
    };
    let mut cells = Vec::new();
    for (r, spec) in template::APPLICATIONS_2021.rows().enumerate() {
        let (label, bbox) = match r {
            5 => (labels::unread(), inked),
            6 => ("瀑@#".to_string(), at(r, 0)),
            _ => (spec.labels[0].to_string(), at(r, 0)),
        };
        let grid = |col, bbox| GridCell {
            row: r,
            col,
            row_span: 1,
            col_span: 1,
            bbox,
        };
        cells.push(ReadCell {
            grid: grid(0, bbox),
            kind: ReadKind::Text,
            reading: text(&label),
        });
        cells.extend((1..=7).map(|c| ReadCell {
            grid: grid(c, at(r, c)),
            kind: ReadKind::Number,
            reading: text("1"),
        }));
    }
    let n_rows = template::APPLICATIONS_2021.rows().count();
    let mut read = vec![ReadTable {
        page: page.number,
        bbox: PixelBox::from_corners(0, 1000, 800, 1000 + n_rows as i32 * 40),
        n_cols: 8,
        n_rows,
        cells,
    }];
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    let mut reader = FakeReader::sure_of_lines();
    let tables = engine
        .map(std::slice::from_ref(&page), &mut read, None, &mut reader)
        .unwrap();
    assert_eq!(reader.asked, [ReadKind::Line]);
    assert_eq!(read[0].cells[5 * 8].reading.text, "Line");
    // Read as no label of the format, the row is placed by order, and doubted.
    let total = (tables[0].cells.iter())
        .find(|c| c.row == "withheld_prohibited_by_law" && c.col == "total")
        .expect("placed by order");
    assert_eq!(total.doubt, Some(crate::model::Doubt::RowByOrder));
}

#[test]
fn values_stacked_in_a_cell_whose_row_rule_faded_are_read_as_numbers() {
    // Two rows, each a label and three values; the first value column lost the rule
    // between the rows, so its cell spans both, its two digits one over the other.
    let mut gray = GrayImage::from_pixel(700, 300, Luma([255]));
    let ink = |g: &mut GrayImage, x, y, w, h| {
        draw_filled_rect_mut(g, Rect::at(x, y).of_size(w, h), Luma([0]))
    };
    for y in [110, 150] {
        ink(&mut gray, 120, y, 200, 20);
        for x in [425, 485, 545] {
            ink(&mut gray, x, y, 10, 20);
        }
    }
    let cell = |row, col, row_span, x0, x1| GridCell {
        row,
        col,
        row_span,
        col_span: 1,
        bbox: PixelBox::from_corners(
            x0,
            100 + row as i32 * 40,
            x1,
            140 + (row + row_span - 1) as i32 * 40,
        ),
    };
    let cells = vec![
        cell(0, 0, 1, 100, 400),
        cell(0, 1, 2, 400, 460),
        cell(0, 2, 1, 460, 520),
        cell(0, 3, 1, 520, 580),
        cell(1, 0, 1, 100, 400),
        cell(1, 2, 1, 460, 520),
        cell(1, 3, 1, 520, 580),
    ];
    let mut page = PreparedPage::plain(gray, 150);
    page.tables = vec![TableGrid {
        bbox: PixelBox::from_corners(100, 100, 580, 180),
        n_rows: 2,
        n_cols: 4,
        cells,
    }];
    let engine = Engine::new(&NoPdf, EngineOptions::default());
    let mut reader = FakeReader::sure_of_lines();
    let read = engine.read_tables(&page, &mut reader).unwrap();
    let first_values: Vec<(usize, ReadKind)> = (read[0].cells.iter())
        .filter(|c| c.grid.col == 1)
        .map(|c| (c.grid.row, c.kind))
        .collect();
    assert_eq!(first_values, [(0, ReadKind::Number), (1, ReadKind::Number)]);
}

#[test]
fn report_grids_are_those_mapped_those_shaped_as_tables_and_their_neighbours() {
    let grid = |x0, y0, x1, y1, n_cols| TableGrid {
        bbox: PixelBox::from_corners(x0, y0, x1, y1),
        n_rows: 1,
        n_cols,
        cells: Vec::new(),
    };
    let mut page = PreparedPage::plain(GrayImage::new(1000, 1400), 100);
    page.tables = vec![
        grid(100, 100, 900, 300, 2),   // 0: holds a mapped cell
        grid(100, 302, 900, 400, 5),   // 1: touches 0
        grid(100, 900, 900, 1000, 6),  // 2: a header at the page's foot
        grid(600, 1100, 800, 1300, 3), // 3: a seal's ring, narrow
        grid(100, 1100, 700, 1200, 2), // 4: wide, but two columns, touches 3 only
    ];
    let picked: Vec<PixelBox> = report_grids(&page, &[(500, 200)])
        .into_iter()
        .map(|t| t.bbox)
        .collect();
    let want: Vec<PixelBox> = [0, 1, 2].iter().map(|&i| page.tables[i].bbox).collect();
    assert_eq!(picked, want);
}

#[test]
fn the_observer_is_told_each_stage_in_order_and_where_a_file_fails() {
    let dir = crate::scratch::fresh_dir("engine-stages");
    let blank = dir.join("blank.png");
    GrayImage::from_pixel(850, 1100, Luma([255]))
        .save(&blank)
        .unwrap();
    let notes = dir.join("notes.png");
    std::fs::write(&notes, "not an image").unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let tell = |path: &Path, stage: &'static str| {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        seen.lock().unwrap().push(format!("{file} {stage}"));
    };
    let engine = Engine::new(&NoPdf, EngineOptions::default()).observed(&tell);
    let mut reader = FakeReader::sure_of_lines();
    engine.convert(&blank, &mut reader).unwrap();
    assert!(engine.convert(&notes, &mut reader).is_err());
    let stages = [
        "rasterize",
        "normalize+grid",
        "read cells",
        "map+turned pages",
        "fields",
        "prose+date",
        "repair+review",
    ];
    let mut expected: Vec<String> = stages.iter().map(|s| format!("blank.png {s}")).collect();
    expected.push("notes.png rasterize".into());
    assert_eq!(*seen.lock().unwrap(), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

//! Stages 6 and 7: the text outside the tables — the title (organization and year),
//! the prose, and the date that closes the report.

use super::{Engine, PreparedPage, SURE_LINE};
use crate::crop::{self, CropOptions};
use crate::error::Result;
use crate::fields;
use crate::geometry::PixelBox;
use crate::grid::TableGrid;
use crate::model::{ReportFields, Table};
use crate::ocr::{ReadKind, Reading, TextReader};
use crate::organization::TitleOrganization;
use crate::places::Places;
use crate::prose::{self, Prose};

/// Widest a line that may hold a report's date is, in heights of the line: a date
/// with the body's name before it, "XX局 二〇二四年三月十八日", is some sixteen.
const DATE_LINE_EMS: i32 = 20;

impl Engine<'_> {
    /// Reads each of `lines` as `kind` (text or a line of prose), the other where that
    /// finds nothing: a reading for every line, in order.
    pub(super) fn read_lines(
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
    pub(super) fn read_title(
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
    /// (`Engine::confirm_organization`).
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
    pub(super) fn confirm_organization(
        report: &mut ReportFields,
        read: &TitleOrganization,
        prose: &Prose,
    ) {
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
    pub(super) fn reread_for_date(
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
            // A character a seal's ring runs into is one stroke with the ring, too tall
            // to join the line: the 日 closing a date stamped over. A character's width
            // more on each side brings it back.
            let wider = l.bbox.inset(-l.bbox.height(), 0);
            let Some((_, crop)) = crop::cut(&page.gray, wider, (page.dpi / 20) as i32) else {
                continue;
            };
            let read = reader.read(
                &fields::keep_darkest(&crop, share),
                page.dpi,
                ReadKind::Text,
            )?;
            log::debug!(
                "closing re-read at {:?}, share {share}: {:?}",
                l.bbox,
                read.text
            );
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
}

/// The grids of `page` that hold a report table: those holding a mapped cell (at
/// `mapped`) or shaped as a table, and the grids touching them — a table's header is
/// often a grid of its own, set right above its body.
pub(super) fn report_grids<'p>(
    page: &'p PreparedPage,
    mapped: &[(i32, i32)],
) -> Vec<&'p TableGrid> {
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

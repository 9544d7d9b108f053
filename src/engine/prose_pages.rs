//! Pages of prose scanned turned: a page holding no cell of the report's tables has no
//! labels to judge its way by, so it is judged by its words — read the right way, half
//! of a report's prose is characters of the format's own words; read turned, noise.

use super::turned::may_be_turned_prose;
use super::{Engine, PreparedPage};
use crate::error::Result;
use crate::fields;
use crate::geometry::PixelBox;
use crate::layout::ReadTable;
use crate::model::Table;
use crate::ocr::{ReadKind, TextReader};
use crate::orient::QuarterTurns;
use crate::{prose, template};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Share of a page's sampled prose in characters of the format's words at which it
/// reads the right way. On the bench the prose of reports read right has 0.48–0.6 of
/// its characters in them; lines read upside down 0.12–0.41.
const READS_RIGHT: f32 = 0.45;

/// Lines read to judge a page: its widest, a hundred characters or so.
const PROSE_SAMPLE: usize = 4;

/// How many times more glyphs of lines running down than across make a page on its
/// side: on the bench, pages read the right way find at most 0.6 times as many down
/// (columns of digits), pages on their side 2.9 times or more.
const SIDEWAYS: i32 = 2;

/// Fewest Chinese characters a sample must hold to judge by: fewer is a page of
/// figures or a few words, which say nothing of its way.
const MIN_CHARACTERS: usize = 20;

/// The characters of the format's labels, column heads and section headings.
fn format_characters() -> &'static HashSet<char> {
    static CHARS: OnceLock<HashSet<char>> = OnceLock::new();
    CHARS.get_or_init(|| {
        let headings = prose::HEADINGS.iter().map(|h| h.1);
        (template::label_variants().into_iter())
            .chain(headings)
            .flat_map(str::chars)
            .filter(|&c| is_chinese(c))
            .collect()
    })
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Share of the Chinese characters of `text` that are the format's
/// ([`format_characters`]), with how many Chinese characters it holds.
fn format_share(text: &str) -> (f32, usize) {
    let chinese: Vec<char> = text.chars().filter(|&c| is_chinese(c)).collect();
    let known = chinese
        .iter()
        .filter(|c| format_characters().contains(c))
        .count();
    (known as f32 / chinese.len().max(1) as f32, chinese.len())
}

impl Engine<'_> {
    /// How the prose of `page` reads as it stands: the [`format_share`] of its widest
    /// lines outside its grids; 0 where its ink makes lines far longer run down than
    /// across (a page on its side); `None` where its lines hold too few characters to
    /// tell ([`MIN_CHARACTERS`]: a page closing with a name and a date).
    fn prose_share(&self, page: &PreparedPage, reader: &mut dyn TextReader) -> Result<Option<f32>> {
        let (w, h) = (page.gray.width() as i32, page.gray.height() as i32);
        let cells: Vec<PixelBox> = (page.tables.iter())
            .flat_map(|t| t.cells.iter().map(|c| c.bbox))
            .collect();
        let whole = PixelBox::from_corners(0, 0, w, h);
        let mut lines = prose::outside(fields::text_lines(&page.ink, whole, page.dpi), &cells);
        lines.sort_by_key(|l| std::cmp::Reverse(l.width()));
        let sample = &lines[..lines.len().min(PROSE_SAMPLE)];
        let read = self.read_lines(page, sample, ReadKind::Line, reader)?;
        let text: String = read.into_iter().map(|r| r.text).collect();
        let (share, characters) = format_share(&text);
        log::debug!("page {}: {text}", page.number);
        let share = (characters >= MIN_CHARACTERS).then_some(share);
        if share.is_some_and(|s| s >= READS_RIGHT) {
            return Ok(share);
        }
        // Only a page that reads badly is looked at down: it takes a pass over the page.
        let down = fields::text_lines(
            &page.ink.transposed(),
            PixelBox::from_corners(0, 0, h, w),
            page.dpi,
        );
        // A glyph is about as wide as its line is tall.
        let glyphs = |lines: &[PixelBox]| -> i32 {
            lines.iter().map(|l| l.width() / l.height().max(1)).sum()
        };
        let sideways = glyphs(&down) > SIDEWAYS * glyphs(&lines).max(MIN_CHARACTERS as i32);
        log::debug!(
            "page {}: lines of {} glyphs run down, of {} across",
            page.number,
            glyphs(&down),
            glyphs(&lines)
        );
        Ok(if sideways { Some(0.0) } else { share })
    }

    /// Stage 6c, when the prose is read: each scanned page holding no cell of `tables`
    /// whose prose reads as noise (`READS_RIGHT`) is judged turned each way, and
    /// kept the way that reads right, its tables read again. Whether a page turned
    /// holds a table, to be mapped again.
    pub fn read_turned_prose_pages(
        &self,
        pages: &mut [PreparedPage],
        read: &mut Vec<ReadTable>,
        tables: &[Table],
        reader: &mut dyn TextReader,
    ) -> Result<bool> {
        let mut tables_turned = false;
        for page in pages.iter_mut() {
            let number = page.number;
            if !may_be_turned_prose(page, tables) {
                continue;
            }
            let Some(as_read) = self.prose_share(page, reader)? else {
                continue;
            };
            log::debug!("page {number}: prose {as_read:.2} in the format's characters");
            if as_read >= READS_RIGHT {
                continue;
            }
            let mut best = (as_read, None);
            for turns in QuarterTurns::TRIED {
                let turned = self.prepare_turned(page, turns);
                let share = self.prose_share(&turned, reader)?.unwrap_or(0.0);
                log::debug!(
                    "page {number} turned {}° clockwise: prose {share:.2} in the format's characters",
                    turns.degrees()
                );
                if share > best.0 {
                    best = (share, Some(turned));
                }
            }
            if let (share, Some(turned)) = best {
                if share >= READS_RIGHT {
                    tables_turned |= self.keep_turned(page, turned, read, reader)?;
                }
            }
        }
        Ok(tables_turned)
    }

    /// Where no date was found: a scanned last page holding no cell of `tables` and no
    /// prose that reads right (its closing lines, too few to judge as prose) is read
    /// turned each way until the lines at its foot give the date, and then kept turned.
    pub fn date_on_turned_last_page(
        &self,
        pages: &mut [PreparedPage],
        read: &mut Vec<ReadTable>,
        tables: &[Table],
        year: Option<i32>,
        reader: &mut dyn TextReader,
    ) -> Result<Option<String>> {
        let Some(last) = pages.last_mut() else {
            return Ok(None);
        };
        // A page whose prose reads right has no date to find turned.
        if !may_be_turned_prose(last, tables)
            || self
                .prose_share(last, reader)?
                .is_some_and(|s| s >= READS_RIGHT)
        {
            return Ok(None);
        }
        log::debug!(
            "page {}: no date; read turned each way for one",
            last.number
        );
        self.turned_until(last, read, reader, |engine, page, reader| {
            engine.date_under_tables(std::slice::from_ref(page), &[], year, reader)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::ocr::Reading;
    use crate::rasterize::NoPdf;
    use image::{GrayImage, Luma};
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    /// Reads every line as `text`, counting the reads.
    struct Says(&'static str, usize);

    impl TextReader for Says {
        fn read(&mut self, _: &GrayImage, _: u32, _: ReadKind) -> Result<Reading> {
            self.1 += 1;
            Ok(Reading {
                text: self.0.to_string(),
                confidence: 0.9,
                ..Reading::default()
            })
        }
    }

    /// A 150 dpi page of twelve lines of twenty glyphs (two strokes each), running
    /// across or, on its side, down.
    fn page_of_prose(down: bool) -> PreparedPage {
        let mut gray = GrayImage::from_pixel(1240, 1750, Luma([250]));
        for line in 0..12 {
            for glyph in 0..20 {
                let (along, across) = (150 + glyph * 32, 150 + line * 50);
                for stroke in [0, 14] {
                    let (x, y) = if down {
                        (across, along)
                    } else {
                        (along, across)
                    };
                    let (w, h) = if down { (26, 10) } else { (10, 26) };
                    let (x, y) = if down {
                        (x, y + stroke)
                    } else {
                        (x + stroke, y)
                    };
                    draw_filled_rect_mut(&mut gray, Rect::at(x, y).of_size(w, h), Luma([20]));
                }
            }
        }
        PreparedPage::plain(gray, 150)
    }

    #[test]
    fn a_page_whose_lines_run_down_is_on_its_side() {
        let engine = Engine::new(&NoPdf, EngineOptions::default());
        let mut reader = Says("政府信息公开工作年度报告", 0);
        let share = engine
            .prose_share(&page_of_prose(true), &mut reader)
            .unwrap();
        assert_eq!(share, Some(0.0));
        let share = engine
            .prose_share(&page_of_prose(false), &mut reader)
            .unwrap();
        assert!(share.unwrap() >= READS_RIGHT);
        // Too little read to tell.
        let mut reader = Says("二〇二四年", 0);
        let share = engine
            .prose_share(&page_of_prose(false), &mut reader)
            .unwrap();
        assert_eq!(share, None);
    }

    #[test]
    fn prose_read_right_is_half_the_format_s_characters_noise_is_not() {
        let right = "本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息，依申请公开工作规范";
        let noise = "本糙海彩痢未六等里申姜演间导基况肯枉表奔阔关前轩将潍日首山坎重逢鹏";
        assert!(
            format_share(right).0 >= READS_RIGHT,
            "{:?}",
            format_share(right)
        );
        assert!(
            format_share(noise).0 < READS_RIGHT,
            "{:?}",
            format_share(noise)
        );
        assert_eq!(format_share("2023年3月5日 0 0 1").1, 3);
    }
}

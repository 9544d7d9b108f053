//! Faint rules: whether the gray page shows a thin dark line where the lattice expects
//! a rule that binarization lost (a faded stretch, a junction that broke off), and the
//! column rules faded out over whole rows.

use super::{Rules, Run, Segment};
use crate::normalize::{InkMask, NormalizedPage};
use image::GrayImage;

/// A stretch where a rule may run: across position `pos`, from `from` to `to` along it.
#[derive(Clone, Copy, Debug)]
pub struct Stretch {
    pub vertical: bool,
    pub pos: f32,
    pub from: f32,
    pub to: f32,
}

impl Stretch {
    /// A stretch across `pos`, from `from` to `to` along it.
    pub fn new(vertical: bool, pos: f32, from: f32, to: f32) -> Self {
        Stretch {
            vertical,
            pos,
            from,
            to,
        }
    }
}

/// How much darker than the paper on both sides a thin line must be, in gray levels:
/// a rule faded to a tenth of its ink still shows 12.
const MIN_DIP: f32 = 12.0;

/// Share of the stretch along which the line must show. A glyph's stroke is at most
/// an em long and a cell is padded around its text, so strokes fall well short.
const MIN_COVER: f32 = 0.85;

/// Most of a faint rule is too light to be ink in the text mask; a line dark enough to
/// be ink along most of its length would have been found as a rule, so it is a glyph's
/// stroke (申's spans nearly all of a tightly set row).
const MAX_INK_SHARE: f32 = 0.5;

/// Whether the gray page shows a thin, faint line darker than the paper on both sides
/// along nearly all of `s`. Text and noise have no thin line running the cell's length.
pub fn shows_line(gray: &GrayImage, ink: &InkMask, s: Stretch, dpi: u32) -> bool {
    let reach = ((dpi as f32 * 0.04) as i32).max(4);
    let centre = ((dpi as f32 * 0.01) as i32).max(2);
    // Averaging a few pixels along evens out noise and JPEG blocks.
    let smooth = ((dpi as f32 * 0.01) as i32).max(1);
    // The rules crossing at either end darken every offset alike; keep clear of them.
    let trim = ((dpi as f32 * 0.02) as i32).max(3);
    let (from, to) = (s.from.round() as i32 + trim, s.to.round() as i32 - trim);
    if to - from < 2 * smooth + 2 {
        return false;
    }
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    let inked = (from..to)
        .filter(|&t| {
            (-centre..=centre).any(|k| {
                let across = s.pos.round() as i32 + k;
                let (x, y) = if s.vertical { (across, t) } else { (t, across) };
                x >= 0 && y >= 0 && x < w && y < h && ink.get(x as u32, y as u32)
            })
        })
        .count();
    // Checked first: it is cheap, and rejects the glyph strokes of every text cell.
    if inked as f32 > MAX_INK_SHARE * (to - from) as f32 {
        return false;
    }
    let across0 = s.pos.round() as i32 - reach;
    // levels[k][t]: the page at offset k across, position t along (paper where off it).
    let levels: Vec<Vec<f32>> = (0..=2 * reach)
        .map(|k| {
            (from..to)
                .map(|t| {
                    let (x, y) = if s.vertical {
                        (across0 + k, t)
                    } else {
                        (t, across0 + k)
                    };
                    if x >= 0 && y >= 0 && x < w && y < h {
                        gray.get_pixel(x as u32, y as u32).0[0] as f32
                    } else {
                        255.0
                    }
                })
                .collect()
        })
        .collect();
    let n = (to - from) as usize;
    let sm = smooth as usize;
    let mut shown = 0usize;
    let mut judged = 0usize;
    for t in sm..n - sm {
        let at = |k: i32| {
            let row = &levels[(k + reach) as usize];
            row[t - sm..=t + sm].iter().sum::<f32>() / (2 * sm + 1) as f32
        };
        let side = |ks: std::ops::RangeInclusive<i32>| {
            let count = ks.clone().count() as f32;
            ks.map(at).sum::<f32>() / count
        };
        let line = (-centre..=centre).map(at).fold(f32::MAX, f32::min);
        let paper = side(-reach..=-reach / 2).min(side(reach / 2..=reach));
        judged += 1;
        if paper - line >= MIN_DIP {
            shown += 1;
        }
    }
    judged > 0 && shown as f32 >= MIN_COVER * judged as f32
}

/// Column rules faded out over whole rows: where a column rule found elsewhere runs on
/// between two row rules through a row with no rule found there, and the gray page
/// shows a faint line along it. Bands are cut at rows no column rule crosses (a heading
/// across the table), so such a row would otherwise be cut off as a table of its own,
/// its label and value one cell.
pub(super) fn faded_columns(
    rules: &Rules,
    page: &NormalizedPage,
    dpi: u32,
    tol: f32,
) -> Vec<Segment> {
    let mut xs: Vec<f32> = rules.vertical.iter().map(Segment::mid_pos).collect();
    xs.sort_by(f32::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() <= tol);
    let ruled = |x: f32, top: f32, bottom: f32| {
        rules.vertical.iter().any(|v| {
            let overlap = (v.end as f32).min(bottom) - (v.start as f32).max(top);
            (v.pos_at((top + bottom) / 2.0) - x).abs() <= tol && overlap >= (bottom - top) / 2.0
        })
    };
    let mut found = Vec::new();
    for &x in &xs {
        let mut ys: Vec<f32> = (rules.horizontal.iter())
            .filter(|h| x > h.start as f32 + tol && x < h.end as f32 - tol)
            .map(|h| h.pos_at(x))
            .collect();
        ys.sort_by(f32::total_cmp);
        ys.dedup_by(|a, b| (*a - *b).abs() <= tol);
        for row in ys.windows(2) {
            let (top, bottom) = (row[0], row[1]);
            if ruled(x, top, bottom) {
                continue;
            }
            // A warped page moves a column a few pixels from row to row.
            let at = darkest_column(&page.gray, x, top, bottom, tol);
            if !shows_line(
                &page.gray,
                &page.ink,
                Stretch::new(true, at, top, bottom),
                dpi,
            ) {
                continue;
            }
            found.push(Segment::fit(vec![Run {
                pos: at.round() as i32,
                start: top.round() as i32,
                end: bottom.round() as i32,
            }]));
        }
    }
    found
}

/// The column within `reach` of `x` darkest on average from `top` to `bottom`.
fn darkest_column(gray: &GrayImage, x: f32, top: f32, bottom: f32, reach: f32) -> f32 {
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    let (y0, y1) = ((top.round() as i32).max(0), (bottom.round() as i32).min(h));
    let x0 = (x - reach).round() as i32;
    (x0.max(0)..=((x + reach).round() as i32).min(w - 1))
        .min_by_key(|&cx| {
            (y0..y1)
                .map(|y| gray.get_pixel(cx as u32, y as u32).0[0] as u32)
                .sum::<u32>()
        })
        .map_or(x, |cx| cx as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn mask(g: &GrayImage) -> InkMask {
        InkMask::from_gray_threshold(g, 128)
    }

    fn page_with_vertical_line(x: u32, darkness: u8) -> GrayImage {
        let mut g = GrayImage::from_pixel(200, 200, Luma([230]));
        for y in 20..180 {
            for dx in 0..2 {
                g.put_pixel(x + dx, y, Luma([230 - darkness]));
            }
        }
        g
    }

    #[test]
    fn a_faint_line_shows_and_blank_paper_does_not() {
        let g = page_with_vertical_line(100, 20);
        let on = Stretch {
            vertical: true,
            pos: 100.5,
            from: 20.0,
            to: 180.0,
        };
        assert!(shows_line(&g, &mask(&g), on, 300));
        let off = Stretch { pos: 60.0, ..on };
        assert!(!shows_line(&g, &mask(&g), off, 300));
    }

    #[test]
    fn a_glyph_stroke_is_not_a_line() {
        // A glyph's full-height stroke: two thirds of its padded cell.
        let mut g = GrayImage::from_pixel(200, 200, Luma([230]));
        for y in 47..153 {
            g.put_pixel(100, y, Luma([20]));
            g.put_pixel(101, y, Luma([20]));
        }
        let s = Stretch {
            vertical: true,
            pos: 100.5,
            from: 20.0,
            to: 180.0,
        };
        assert!(!shows_line(&g, &mask(&g), s, 300));
    }

    #[test]
    fn a_dark_stroke_filling_a_tight_row_is_not_a_faint_line() {
        // 申's stroke in a row set solid: nearly the whole stretch, and black.
        let g = page_with_vertical_line(100, 210);
        let s = Stretch {
            vertical: true,
            pos: 100.5,
            from: 15.0,
            to: 185.0,
        };
        assert!(!shows_line(&g, &mask(&g), s, 300));
    }
}

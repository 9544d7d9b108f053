//! Crop: what ink a cell holds (specks dropped), whether it is shaped like a number,
//! and the padded, scaled image of it that OCR reads.

use crate::blobs::{self, Blob};
use crate::geometry::PixelBox;
use crate::normalize::InkMask;
use crate::ocr::ReadKind;
use crate::union_find::UnionFind;
use image::{GrayImage, Luma};

/// Options for [`analyze`] and [`render`].
#[derive(Clone, Debug)]
pub struct CropOptions {
    /// Kept clear of each cell edge: half a rule plus the blur around it.
    pub inset_in: f32,
    /// Ink blobs smaller than this are dust, not strokes (a 9 pt digit is ~0.09 in tall).
    pub speck_in: f32,
    /// Ink all smaller than this is dust even alone in its cell: the least mark that
    /// means something there, a hyphen or a 6 pt digit, is larger.
    pub min_mark_in: f32,
    /// Glyph height OCR sees after scaling: Tesseract's LSTM reads best near 30–40 px.
    pub target_glyph_px: f32,
    /// White border around the crop: Tesseract needs quiet space around the text.
    pub pad_px: u32,
}

impl Default for CropOptions {
    fn default() -> Self {
        CropOptions {
            inset_in: 0.012,
            speck_in: 0.018,
            min_mark_in: 0.035,
            target_glyph_px: 36.0,
            pad_px: 12,
        }
    }
}

/// The ink found inside one cell.
#[derive(Clone, Debug, Default)]
pub struct CellInk {
    /// Dust to whiten: small marks away from the text.
    dust: Vec<Blob>,
    /// Box around the kept ink, in page pixels; `None` when the cell is empty.
    pub content: Option<PixelBox>,
    /// Whether the ink has the shape of a printed number: one row of narrow glyphs
    /// of equal height and at most a point or minus sign besides.
    pub numeric_shape: bool,
    /// Typical glyph height, in page pixels.
    pub glyph_height: i32,
    /// The box of the text's opening where more follows it: the first line of text
    /// that wraps, and of a line running past [`OPENING_EMS`] glyphs only those. A
    /// label of the format is named by its first few characters, and OCR's time goes
    /// by the characters read.
    pub opening: Option<PixelBox>,
}

/// Glyphs of a long line that [`CellInk::opening`] keeps: a numbering such as "(二)"
/// and six or so characters, which tell every two labels of one table apart.
pub const OPENING_EMS: i32 = 8;

impl CellInk {
    /// The same ink cut to its opening, when more follows it.
    pub fn opening_only(&self) -> Option<CellInk> {
        Some(CellInk {
            content: Some(self.opening?),
            opening: None,
            ..self.clone()
        })
    }

    /// Ink with only a box and a shape verdict, for tests of later stages.
    pub fn summary(content: Option<PixelBox>, numeric_shape: bool) -> Self {
        CellInk {
            content,
            numeric_shape,
            glyph_height: content.map_or(0, |c| c.height()),
            ..Default::default()
        }
    }
}

/// A mark this many times smaller than the cell's tallest glyph is no glyph: a
/// digit's point or sign, or dust. A Chinese dot stroke is about a quarter of its
/// character, a decimal point a fifth of a digit.
const GLYPH_TO_DUST: i32 = 3;

/// Finds the ink of `region` (rules already erased from `erased`).
pub fn analyze(
    erased: &GrayImage,
    ink: &InkMask,
    region: PixelBox,
    dpi: u32,
    opts: &CropOptions,
) -> CellInk {
    let inset = ((dpi as f32 * opts.inset_in).round() as i32).max(1);
    let r = region
        .inset(inset, inset)
        .clamp_to(erased.width(), erased.height());
    if r.is_empty() {
        return CellInk::default();
    }
    let blobs = blobs_in(erased, ink, r);
    let speck = (dpi as f32 * opts.speck_in).max(2.0) as i32;
    // What is left of a rule after erasing: a thin sliver along a cell edge, within a
    // speck of it (a rule's place is known only to a few pixels).
    let (remnants, blobs): (Vec<Blob>, Vec<Blob>) = blobs.into_iter().partition(|b| {
        let (w, h) = (b.bbox.width(), b.bbox.height());
        let along_x = h <= 2 && w >= 4 * h;
        let along_y = w <= 2 && h >= 4 * w;
        let near_top_or_bottom = b.bbox.y0 <= r.y0 + speck || b.bbox.y1 >= r.y1 - speck;
        let near_side = b.bbox.x0 <= r.x0 + speck || b.bbox.x1 >= r.x1 - speck;
        (along_x && near_top_or_bottom) || (along_y && near_side)
    });
    let size = |b: &Blob| b.bbox.width().max(b.bbox.height());
    // Height, not width: glyphs run together make a long blob but no taller one.
    let stacks = stacks_of(&blobs, (speck / 2).max(1));
    let tallest = stacks.iter().map(|s| s.height()).max().unwrap_or(0);
    // Noisy scans strew dots of a few pixels over a cell: away from its glyphs they
    // are dust however dark, or a "0" with a scatter of dots would look like text.
    let glyph_size = speck.max(tallest / GLYPH_TO_DUST);
    // The text's band is set by its glyphs' bodies, stacks at least half as tall as
    // the tallest, so a dense speck above or below the line is no glyph.
    let is_body =
        |s: &PixelBox| s.width().max(s.height()) >= glyph_size && s.height() * 2 >= tallest;
    let band = stacks
        .iter()
        .filter(|s| is_body(s))
        .fold(PixelBox::default(), |a, s| a.union(s));
    // Within the band's rows, pieces join the text from the bodies outwards while
    // they stand close to a piece already in: a glyph built of small strokes (兴, 二)
    // at a line's end is reached stroke by stroke, a speck a digit's width off is not.
    let on_line = |b: &Blob| {
        let cy = b.bbox.center().1;
        size(b) >= speck && cy >= band.y0 && cy <= band.y1
    };
    let close = (tallest / GLYPH_TO_DUST).max(1);
    let mut in_text: Vec<bool> = stacks.iter().map(is_body).collect();
    loop {
        let grown: Vec<usize> = (0..blobs.len())
            .filter(|&i| !in_text[i] && on_line(&blobs[i]))
            .filter(|&i| {
                (0..blobs.len())
                    .any(|j| in_text[j] && blobs[i].bbox.distance_to(&blobs[j].bbox) <= close)
            })
            .collect();
        if grown.is_empty() {
            break;
        }
        for i in grown {
            in_text[i] = true;
        }
    }
    let (mut major, mut minor) = (Vec::new(), Vec::new());
    for (b, text) in blobs.into_iter().zip(in_text) {
        if text {
            major.push(b);
        } else {
            minor.push(b);
        }
    }
    if major.is_empty() {
        return CellInk::default();
    }
    let core = major
        .iter()
        .fold(PixelBox::default(), |a, b| a.union(&b.bbox));
    if core.width().max(core.height()) < (dpi as f32 * opts.min_mark_in) as i32 {
        return CellInk::default();
    }
    // Small marks inside the text's band are its points and signs; outside, dust.
    let (kept_minor, mut dust): (Vec<Blob>, Vec<Blob>) = minor.into_iter().partition(|b| {
        let (cx, cy) = b.bbox.center();
        cx >= core.x0 - speck && cx <= core.x1 + speck && cy >= core.y0 && cy <= core.y1
    });
    let mut heights: Vec<i32> = major.iter().map(|b| b.bbox.height()).collect();
    heights.sort_unstable();
    let glyph_height = heights[heights.len() / 2].max(tallest * 2 / 3);
    dust.extend(remnants);
    let numeric_shape = is_numeric_shape(&major, &kept_minor, core);
    let bands = line_bands(&major, tallest);
    // Down to halfway to the second line: the first line's low strokes and points
    // stay in, the second line's tops stay out.
    let bottom = match bands.as_slice() {
        [first, second, ..] => (first.1 + second.0) / 2,
        _ => i32::MAX,
    };
    let first_line: Vec<PixelBox> = (major.iter().chain(&kept_minor))
        .map(|b| b.bbox)
        .filter(|b| b.center().1 < bottom)
        .collect();
    let opening = line_opening(&first_line, OPENING_EMS * glyph_height).or_else(|| {
        (bands.len() > 1).then(|| {
            first_line
                .iter()
                .fold(PixelBox::default(), |a, b| a.union(b))
        })
    });
    CellInk {
        content: Some(core),
        dust,
        numeric_shape,
        glyph_height,
        opening,
    }
}

/// The box of a line's `pieces` up to the first gap between them at least `width`
/// from the line's start; `None` when the line has no such gap. A gap falls between
/// glyphs, so no glyph is cut in two (a glyph of strokes apart, 川, may be).
fn line_opening(pieces: &[PixelBox], width: i32) -> Option<PixelBox> {
    let mut by_x = pieces.to_vec();
    by_x.sort_unstable_by_key(|b| b.x0);
    let start = by_x.first()?.x0;
    let mut opening = by_x[0];
    for piece in &by_x[1..] {
        if piece.x0 > opening.x1 && opening.x1 - start >= width {
            return Some(opening);
        }
        opening = opening.union(piece);
    }
    None
}

fn is_numeric_shape(major: &[Blob], minor: &[Blob], core: PixelBox) -> bool {
    let tallest = major.iter().map(|b| b.bbox.height()).max().unwrap_or(0);
    if tallest == 0 || (core.height() > tallest * 3 / 2 && lines(major, tallest) > 1) {
        return false;
    }
    let tall: Vec<&Blob> = major
        .iter()
        .filter(|b| b.bbox.height() * 4 >= tallest * 3)
        .collect();
    let short_major = major.len() - tall.len();
    // Digits are at most 4/5 as wide as tall; blur adds a pixel or so on every side,
    // which matters for the 10 px digits of a 150 dpi scan.
    let narrow = tall
        .iter()
        .all(|b| b.bbox.width() * 5 <= b.bbox.height() * 4 + 10);
    narrow && short_major + minor.len() <= 2
}

/// For each blob, the box of its stack: the pieces one over the other with at most
/// `gap` pixels between them. A faded digit breaks across its thinnest stroke into
/// short pieces, which together are one glyph; a speck as tall as one is not.
fn stacks_of(blobs: &[Blob], gap: i32) -> Vec<PixelBox> {
    let mut stacks = UnionFind::new(blobs.len());
    for (i, a) in blobs.iter().enumerate() {
        for (j, b) in blobs.iter().enumerate().skip(i + 1) {
            let overlap = a.bbox.x1.min(b.bbox.x1) - a.bbox.x0.max(b.bbox.x0);
            let narrower = a.bbox.width().min(b.bbox.width());
            let apart = (b.bbox.y0 - a.bbox.y1).max(a.bbox.y0 - b.bbox.y1);
            if overlap * 2 >= narrower && apart <= gap {
                stacks.union(i, j);
            }
        }
    }
    let roots: Vec<usize> = (0..blobs.len()).map(|i| stacks.find(i)).collect();
    let mut extent: Vec<Option<PixelBox>> = vec![None; blobs.len()];
    for (b, &root) in blobs.iter().zip(&roots) {
        extent[root] = Some(extent[root].map_or(b.bbox, |e| e.union(&b.bbox)));
    }
    roots
        .iter()
        .map(|&root| extent[root].unwrap_or_default())
        .collect()
}

/// Lines of text: bands of rows holding ink, split by blank rows, at least 3/5 as tall
/// as the tallest glyph. A digit faded across its waist leaves a short band over a
/// tall one, which is one line, not two.
fn lines(major: &[Blob], tallest: i32) -> usize {
    line_bands(major, tallest).len()
}

/// The rows `(y0, y1)` of each line found by [`lines`], top to bottom.
fn line_bands(major: &[Blob], tallest: i32) -> Vec<(i32, i32)> {
    let mut spans: Vec<(i32, i32)> = major.iter().map(|b| (b.bbox.y0, b.bbox.y1)).collect();
    spans.sort_unstable();
    let mut bands: Vec<(i32, i32)> = Vec::new();
    for (y0, y1) in spans {
        match bands.last_mut() {
            Some(band) if y0 <= band.1 => band.1 = band.1.max(y1),
            _ => bands.push((y0, y1)),
        }
    }
    bands.retain(|(y0, y1)| (y1 - y0) * 5 >= tallest * 3);
    bands
}

/// Blobs of ink in `r`, ignoring pixels the rule eraser whitened.
fn blobs_in(erased: &GrayImage, ink: &InkMask, r: PixelBox) -> Vec<Blob> {
    let r = r.clamp_to(ink.width, ink.height);
    let (x0, x1, width) = (r.x0 as usize, r.x1 as usize, erased.width() as usize);
    blobs::find_marked(r, |y, row| {
        let gray = &erased.as_raw()[y as usize * width..][x0..x1];
        for ((marked, &inked), &gray) in row.iter_mut().zip(&ink.row(y)[x0..x1]).zip(gray) {
            *marked = inked & (gray < 255);
        }
    })
}

/// `area` of `img` widened by `margin` on every side and kept inside the image, with
/// the box it covers; `None` when none of it is inside.
pub fn cut(img: &GrayImage, area: PixelBox, margin: i32) -> Option<(PixelBox, GrayImage)> {
    let b = area
        .inset(-margin, -margin)
        .clamp_to(img.width(), img.height());
    if b.is_empty() {
        return None;
    }
    let crop = image::imageops::crop_imm(
        img,
        b.x0 as u32,
        b.y0 as u32,
        b.width() as u32,
        b.height() as u32,
    )
    .to_image();
    Some((b, crop))
}

/// The image OCR reads: the text's box with dust whitened (faint strokes kept as they
/// are, for OCR to judge), padded, scaled so glyphs are about `target_glyph_px` tall.
/// Returns the image and its effective dpi.
pub fn render(
    erased: &GrayImage,
    cell: &CellInk,
    dpi: u32,
    kind: ReadKind,
    opts: &CropOptions,
) -> Option<(GrayImage, u32)> {
    let (b, mut crop) = cut(erased, cell.content?, 2)?;
    for blob in &cell.dust {
        for &(x, y) in &blob.pixels {
            if b.contains_point(x as i32, y as i32) {
                crop.put_pixel(x - b.x0 as u32, y - b.y0 as u32, Luma([255]));
            }
        }
    }
    let glyph = match kind {
        // Digits are ~70% of the em; aim the em, not the digit, at the target.
        ReadKind::Number => cell.glyph_height as f32 / 0.72,
        ReadKind::Text | ReadKind::Title | ReadKind::Line => cell.glyph_height as f32,
    }
    .max(4.0);
    let scale = (opts.target_glyph_px / glyph).clamp(0.5, 4.0);
    let scaled = if (scale - 1.0).abs() < 0.1 {
        crop
    } else {
        let (nw, nh) = (
            ((crop.width() as f32 * scale).round() as u32).max(1),
            ((crop.height() as f32 * scale).round() as u32).max(1),
        );
        image::imageops::resize(&crop, nw, nh, image::imageops::FilterType::CatmullRom)
    };
    let pad = opts.pad_px;
    let mut out = GrayImage::from_pixel(
        scaled.width() + 2 * pad,
        scaled.height() + 2 * pad,
        Luma([255]),
    );
    image::imageops::replace(&mut out, &scaled, pad as i64, pad as i64);
    Some((out, (dpi as f32 * scale).round() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    fn page_with(draw: impl Fn(&mut GrayImage)) -> (GrayImage, InkMask) {
        let mut g = GrayImage::from_pixel(300, 100, Luma([255]));
        draw(&mut g);
        let ink = InkMask::from_gray_threshold(&g, 128);
        (g, ink)
    }

    /// The ink of a whole 300×100 test page at 300 dpi.
    fn whole_page_ink(draw: impl Fn(&mut GrayImage)) -> (GrayImage, CellInk) {
        let (g, ink) = page_with(draw);
        let frame = PixelBox::from_corners(0, 0, 300, 100);
        let cell = analyze(&g, &ink, frame, 300, &CropOptions::default());
        (g, cell)
    }

    #[test]
    fn empty_cell_with_dust_has_no_content() {
        let (_, cell) =
            whole_page_ink(|g| draw_filled_rect_mut(g, Rect::at(50, 50).of_size(2, 2), Luma([0])));
        assert!(cell.content.is_none());
        // Past the speck size (5 px at 300 dpi), yet alone it is no mark.
        let (_, cell) =
            whole_page_ink(|g| draw_filled_rect_mut(g, Rect::at(50, 50).of_size(7, 7), Luma([0])));
        assert!(cell.content.is_none());
    }

    #[test]
    fn a_digit_faded_into_pieces_is_one_glyph_and_a_speck_above_it_is_dust() {
        // A 5 broken across its waist, the bottom piece the heavier, and a dense speck
        // above the line that is as tall as a third of the lower piece.
        let (_, cell) = whole_page_ink(|g| {
            draw_filled_rect_mut(g, Rect::at(140, 40).of_size(14, 9), Luma([0]));
            draw_filled_rect_mut(g, Rect::at(140, 51).of_size(14, 17), Luma([0]));
            draw_filled_rect_mut(g, Rect::at(130, 15).of_size(7, 7), Luma([0]));
        });
        assert_eq!(cell.content, Some(PixelBox::from_corners(140, 40, 154, 68)));
        assert!(cell.numeric_shape);
    }

    #[test]
    fn dots_scattered_around_a_digit_are_dust() {
        // At 300 dpi a speck is 5 px: these 6 px dots pass it, yet beside a 30 px digit
        // and away from its line they are no glyphs.
        let (_, cell) = whole_page_ink(|g| {
            draw_filled_rect_mut(g, Rect::at(140, 35).of_size(14, 30), Luma([0]));
            // A dense dot a third of the digit tall, above its line: no glyph's body.
            draw_filled_rect_mut(g, Rect::at(170, 12).of_size(10, 10), Luma([0]));
            for (x, y) in [(20, 10), (60, 80), (250, 20), (280, 85)] {
                draw_filled_rect_mut(g, Rect::at(x, y).of_size(6, 6), Luma([0]));
            }
        });
        assert_eq!(cell.content, Some(PixelBox::from_corners(140, 35, 154, 65)));
        assert!(cell.numeric_shape);
    }

    #[test]
    fn narrow_glyphs_in_a_row_look_numeric_square_ones_do_not() {
        let (_, cell) = whole_page_ink(|g| {
            for i in 0..3 {
                draw_filled_rect_mut(g, Rect::at(100 + i * 20, 30).of_size(14, 30), Luma([0]));
            }
        });
        assert!(cell.numeric_shape);
        let (_, cell) = whole_page_ink(|g| {
            for i in 0..3 {
                draw_filled_rect_mut(g, Rect::at(60 + i * 40, 30).of_size(32, 32), Luma([0]));
            }
        });
        assert!(!cell.numeric_shape);
    }

    #[test]
    fn the_opening_is_the_first_line_cut_between_glyphs_after_eight() {
        // Glyphs 30 px tall, 40 px apart: the first line of two is the opening; a line
        // of twelve is cut at its first gap 8 × 30 px on from its start, one of six is
        // not cut.
        let mut img = GrayImage::from_pixel(600, 140, Luma([255]));
        for (y, n) in [(20, 6), (70, 12)] {
            for g in 0..n {
                draw_filled_rect_mut(
                    &mut img,
                    Rect::at(20 + g * 40, y).of_size(30, 30),
                    Luma([0]),
                );
            }
        }
        let ink = InkMask::from_gray_threshold(&img, 128);
        let opening_of = |y0, y1| {
            let region = PixelBox::from_corners(5, y0, 595, y1);
            analyze(&img, &ink, region, 300, &CropOptions::default()).opening
        };
        assert_eq!(
            opening_of(5, 135),
            Some(PixelBox::from_corners(20, 20, 250, 50))
        );
        assert_eq!(opening_of(5, 60), None);
        // The seventh glyph ends at 290, 270 px on; the sixth 230 px on.
        assert_eq!(
            opening_of(60, 135),
            Some(PixelBox::from_corners(20, 70, 290, 100))
        );
        let two = analyze(
            &img,
            &ink,
            PixelBox::from_corners(5, 5, 595, 135),
            300,
            &CropOptions::default(),
        );
        let first = two.opening_only().unwrap();
        assert_eq!((first.content, first.opening), (two.opening, None));
    }

    #[test]
    fn render_pads_and_scales_to_target() {
        let (g, cell) = whole_page_ink(|g| {
            draw_filled_rect_mut(g, Rect::at(100, 40).of_size(9, 18), Luma([0]))
        });
        let opts = CropOptions::default();
        let (img, dpi) = render(&g, &cell, 300, ReadKind::Number, &opts).unwrap();
        assert!(dpi > 300);
        assert!(img.height() > 18 + 2 * opts.pad_px);
        assert_eq!(img.get_pixel(0, 0).0[0], 255);
    }
}

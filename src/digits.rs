//! Digits: reads printed numbers with a small neural network trained on rendered and
//! degraded digits (`models/digits/`), where general OCR stumbles on single faded
//! glyphs. A number is cut into glyphs by its connected ink; a point and a minus are
//! told by shape and place, each digit by the network, which also gives the
//! alternatives and probabilities that repair and calibration use.

use crate::blobs;
use crate::geometry::PixelBox;
use crate::ocr::{Reading, Symbol};
use image::GrayImage;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Side of the square a glyph is resampled into.
pub const SIDE: usize = 16;
/// Inputs of the network: the resampled glyph and its aspect ratio.
pub const N_FEATURES: usize = SIDE * SIDE + 1;
pub const N_CLASSES: usize = 10;

/// A one-hidden-layer network: `softmax(w2 · relu(w1 · x + b1) + b2)`, row-major.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DigitModel {
    pub hidden: usize,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
}

impl DigitModel {
    /// The model trained by `examples/train_digits.rs`, built into the binary.
    pub fn bundled() -> &'static DigitModel {
        static MODEL: OnceLock<DigitModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            serde_json::from_str(include_str!("../models/digits/model.json"))
                .expect("bundled digit model is valid JSON")
        })
    }

    /// The hidden layer's activations, for training.
    pub fn hidden_layer(&self, x: &[f32]) -> Vec<f32> {
        (0..self.hidden)
            .map(|j| {
                let row = &self.w1[j * N_FEATURES..(j + 1) * N_FEATURES];
                (row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>() + self.b1[j]).max(0.0)
            })
            .collect()
    }

    /// Class probabilities for one glyph's features.
    pub fn probabilities(&self, x: &[f32]) -> [f32; N_CLASSES] {
        let h = self.hidden_layer(x);
        let mut logits = [0f32; N_CLASSES];
        for (k, l) in logits.iter_mut().enumerate() {
            let row = &self.w2[k * self.hidden..(k + 1) * self.hidden];
            *l = row.iter().zip(&h).map(|(w, v)| w * v).sum::<f32>() + self.b2[k];
        }
        softmax(&mut logits);
        logits
    }
}

pub fn softmax(v: &mut [f32]) {
    let max = v.iter().cloned().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlyphKind {
    Digit,
    Point,
    Minus,
}

/// One glyph of a number, left to right.
#[derive(Clone, Debug)]
pub struct Glyph {
    pub bbox: PixelBox,
    pub kind: GlyphKind,
    /// The network's input, for digits.
    pub features: Vec<f32>,
}

/// Cuts a number's image (dark ink on white, as `crop::render` makes it) into glyphs.
pub fn segment(img: &GrayImage) -> Vec<Glyph> {
    let mut levels: Vec<u8> = img.pixels().map(|p| p.0[0]).collect();
    levels.sort_unstable();
    let Some(&darkest) = levels.first() else {
        return Vec::new();
    };
    // Most of a crop is paper (its padding at least): a high percentile is its tone.
    let paper = levels[levels.len() * 9 / 10];
    if paper < darkest + 40 {
        return Vec::new();
    }
    // Nearer the ink than the paper: faint strokes stay joined, blur halos stay out.
    let threshold = (paper as f32 - 0.40 * (paper as f32 - darkest as f32)) as u8;
    let frame = PixelBox::from_corners(0, 0, img.width() as i32, img.height() as i32);
    let found: Vec<PixelBox> = blobs::find(frame, |x, y| img.get_pixel(x, y).0[0] < threshold)
        .into_iter()
        .filter(|b| b.pixels.len() >= 3)
        .map(|b| b.bbox)
        .collect();
    let line_h = found.iter().map(|b| b.height()).max().unwrap_or(0);
    if line_h < 4 {
        return Vec::new();
    }
    let hf = line_h as f32;
    let tall: Vec<&PixelBox> = found
        .iter()
        .filter(|b| b.height() as f32 >= 0.6 * hf)
        .collect();
    let top = tall.iter().map(|b| b.y0).min().unwrap_or(0) as f32;
    let bottom = tall.iter().map(|b| b.y1).max().unwrap_or(0) as f32;
    let mut marks: Vec<(PixelBox, GlyphKind)> = Vec::new();
    let mut pieces: Vec<PixelBox> = Vec::new();
    for b in &found {
        let (w, h) = (b.width() as f32, b.height() as f32);
        let cy = (b.y0 + b.y1) as f32 / 2.0;
        if h >= 0.55 * hf {
            pieces.push(*b);
        } else if w <= 0.45 * hf
            && h <= 0.45 * hf
            && w.min(h) >= 0.1 * hf
            && w <= 2.0 * h
            && h <= 2.0 * w
            && cy >= bottom - 0.35 * hf
        {
            marks.push((*b, GlyphKind::Point));
        } else if w >= 1.2 * h && h <= 0.35 * hf && cy > top + 0.25 * hf && cy < bottom - 0.2 * hf {
            marks.push((*b, GlyphKind::Minus));
        } else if h >= 0.3 * hf {
            // Part of a digit whose stroke broke where the ink faded.
            pieces.push(*b);
        }
    }
    pieces.sort_by_key(|b| b.x0);
    let mut groups: Vec<PixelBox> = Vec::new();
    for p in pieces {
        if let Some(g) = groups.last_mut() {
            let overlap = (g.x1.min(p.x1) - g.x0.max(p.x0)) as f32;
            let joined = g.union(&p);
            // Pieces narrower together than one digit are one: digits stand at least
            // 0.7 of their height apart, and a thin-stroked 0 whose top and bottom
            // faded falls into two whole-height sides.
            if overlap >= 0.5 * g.width().min(p.width()) as f32
                || joined.width() as f32 <= 0.62 * hf
            {
                *g = joined;
                continue;
            }
        }
        groups.push(p);
    }
    let mut glyphs: Vec<Glyph> = Vec::new();
    // A group of partial pieces that stayed short is dust or a stray stroke.
    for g in groups.into_iter().filter(|g| g.height() as f32 >= 0.6 * hf) {
        for part in split_wide(img, g, hf, threshold) {
            glyphs.push(Glyph {
                bbox: part,
                kind: GlyphKind::Digit,
                features: features(img, part),
            });
        }
    }
    // A decimal point stands between digits and a minus before them; a mark anywhere
    // else is dust.
    let first_digit = glyphs.iter().map(|g| g.bbox.x0).min();
    let last_digit = glyphs.iter().map(|g| g.bbox.x1).max();
    let inside = |b: &PixelBox| {
        first_digit.is_some_and(|f| b.x0 > f) && last_digit.is_some_and(|l| b.x1 < l)
    };
    let mut points: Vec<PixelBox> = marks
        .iter()
        .filter(|(b, k)| *k == GlyphKind::Point && inside(b))
        .map(|m| m.0)
        .collect();
    // Of several candidate points, the most point-like (largest, squarest) is the one.
    points.sort_by_key(|b| std::cmp::Reverse(b.width().min(b.height())));
    points.truncate(1);
    let minus = marks
        .iter()
        .filter(|(b, k)| *k == GlyphKind::Minus && first_digit.is_some_and(|f| b.x1 <= f))
        .map(|m| m.0)
        .min_by_key(|b| b.x0);
    glyphs.extend(points.into_iter().map(|bbox| Glyph {
        bbox,
        kind: GlyphKind::Point,
        features: Vec::new(),
    }));
    glyphs.extend(minus.into_iter().map(|bbox| Glyph {
        bbox,
        kind: GlyphKind::Minus,
        features: Vec::new(),
    }));
    glyphs.sort_by_key(|g| g.bbox.x0);
    glyphs
}

/// Digits that blur ran together: cut at the faintest columns near even spacing.
fn split_wide(img: &GrayImage, g: PixelBox, line_h: f32, threshold: u8) -> Vec<PixelBox> {
    let w = g.width() as f32;
    if w <= 0.95 * line_h {
        return vec![g];
    }
    let k = ((w / (0.66 * line_h)).round() as i32).clamp(2, 8);
    let column_ink = |x: i32| -> u32 {
        (g.y0..g.y1)
            .map(|y| (img.get_pixel(x as u32, y as u32).0[0] < threshold) as u32)
            .sum()
    };
    let step = w / k as f32;
    let mut cuts = vec![g.x0];
    for i in 1..k {
        let target = g.x0 as f32 + i as f32 * step;
        let reach = (step * 0.25).max(1.0);
        let (lo, hi) = ((target - reach) as i32, (target + reach) as i32);
        let best = (lo..=hi)
            .filter(|x| *x > g.x0 && *x < g.x1)
            .min_by_key(|x| (column_ink(*x), (*x - target as i32).abs()));
        cuts.push(best.unwrap_or(target as i32));
    }
    cuts.push(g.x1);
    cuts.windows(2)
        .map(|c| PixelBox::from_corners(c[0], g.y0, c[1], g.y1))
        .filter(|b| b.width() > 0)
        .collect()
}

/// The network's input: the glyph's ink, scaled to fit a `SIDE`² square with its
/// aspect kept (area averaging), contrast-stretched, plus its width/height ratio.
pub fn features(img: &GrayImage, b: PixelBox) -> Vec<f32> {
    let b = b.clamp_to(img.width(), img.height());
    let (w, h) = (b.width().max(1) as usize, b.height().max(1) as usize);
    let mut ink: Vec<f32> = Vec::with_capacity(w * h);
    for y in b.y0..b.y0 + h as i32 {
        for x in b.x0..b.x0 + w as i32 {
            ink.push(255.0 - img.get_pixel(x as u32, y as u32).0[0] as f32);
        }
    }
    let max = ink.iter().cloned().fold(1.0f32, f32::max);
    ink.iter_mut().for_each(|v| *v /= max);
    let scale = SIDE as f32 / w.max(h) as f32;
    let (ow, oh) = (
        (w as f32 * scale).round().max(1.0) as usize,
        (h as f32 * scale).round().max(1.0) as usize,
    );
    let resized = resample(&ink, w, h, ow.min(SIDE), oh.min(SIDE));
    let (ox, oy) = ((SIDE - ow.min(SIDE)) / 2, (SIDE - oh.min(SIDE)) / 2);
    let mut out = vec![0f32; N_FEATURES];
    for y in 0..oh.min(SIDE) {
        for x in 0..ow.min(SIDE) {
            out[(y + oy) * SIDE + x + ox] = resized[y * ow.min(SIDE) + x];
        }
    }
    out[SIDE * SIDE] = (w as f32 / h as f32).min(2.0);
    out
}

/// Area-averaging resample of a `w`×`h` grid to `ow`×`oh`.
fn resample(src: &[f32], w: usize, h: usize, ow: usize, oh: usize) -> Vec<f32> {
    let axis = |n: usize, on: usize| -> Vec<Vec<(usize, f32)>> {
        let ratio = n as f32 / on as f32;
        (0..on)
            .map(|o| {
                let (a, b) = (o as f32 * ratio, (o + 1) as f32 * ratio);
                let mut taps = Vec::new();
                let mut i = a.floor() as usize;
                while (i as f32) < b && i < n {
                    let cover = (b.min(i as f32 + 1.0) - a.max(i as f32)).max(0.0);
                    if cover > 0.0 {
                        taps.push((i, cover / (b - a)));
                    }
                    i += 1;
                }
                taps
            })
            .collect()
    };
    let (xt, yt) = (axis(w, ow), axis(h, oh));
    let mut out = vec![0f32; ow * oh];
    for (oy, ys) in yt.iter().enumerate() {
        for (ox, xs) in xt.iter().enumerate() {
            let mut v = 0.0;
            for &(y, wy) in ys {
                for &(x, wx) in xs {
                    v += src[y * w + x] * wy * wx;
                }
            }
            out[oy * ow + ox] = v;
        }
    }
    out
}

/// Probability a point or minus sign was told right by its shape alone; such marks
/// are rare and distinctive, but dust can mimic a point.
const MARK_CONFIDENCE: f32 = 0.9;

/// Digits further apart than this many line heights are two values that ran together
/// where a faint rule between two cells was lost: within one number, digits stand
/// under half a line height apart, even across a thousands comma.
const VALUE_GAP: f32 = 2.0;

/// Reads a number's image with `model`. Two values run together come out separated by
/// a space symbol, which the value parser ignores and the layout can split on.
pub fn read_number(model: &DigitModel, img: &GrayImage) -> Reading {
    let glyphs = segment(img);
    let line_h = glyphs.iter().map(|g| g.bbox.height()).max().unwrap_or(0) as f32;
    let glyphs = join_split_digits(model, img, glyphs, line_h);
    let mut symbols = Vec::new();
    let mut last_x1: Option<i32> = None;
    for g in glyphs {
        if last_x1.is_some_and(|x1| (g.bbox.x0 - x1) as f32 > VALUE_GAP * line_h) {
            symbols.push(Symbol {
                text: " ".into(),
                confidence: 1.0,
                alternatives: Vec::new(),
            });
        }
        last_x1 = Some(g.bbox.x1);
        let symbol = match g.kind {
            GlyphKind::Point => mark(".", "0"),
            GlyphKind::Minus => mark("-", ""),
            GlyphKind::Digit => {
                let p = model.probabilities(&g.features);
                let mut ranked: Vec<(usize, f32)> = p.iter().cloned().enumerate().collect();
                ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                Symbol {
                    text: ranked[0].0.to_string(),
                    confidence: ranked[0].1,
                    alternatives: ranked[1..]
                        .iter()
                        .filter(|r| r.1 >= 0.01)
                        .map(|r| (r.0.to_string(), r.1))
                        .collect(),
                }
            }
        };
        symbols.push(symbol);
    }
    Reading::from_symbols(symbols)
}

/// Two neighbouring glyphs that together are no wider than a blurred digit are one
/// digit when the network is surer of them as one than of each alone. Shape alone
/// cannot tell the two faded sides of a 0 from a tight "11"; the network can.
const ONE_DIGIT_WIDTH: f32 = 0.85;

fn join_split_digits(
    model: &DigitModel,
    img: &GrayImage,
    glyphs: Vec<Glyph>,
    line_h: f32,
) -> Vec<Glyph> {
    let best = |features: &[f32]| {
        model
            .probabilities(features)
            .into_iter()
            .fold(0f32, f32::max)
    };
    let mut out: Vec<Glyph> = Vec::with_capacity(glyphs.len());
    for g in glyphs {
        if let Some(prev) = out.last_mut() {
            let joined = prev.bbox.union(&g.bbox);
            if prev.kind == GlyphKind::Digit
                && g.kind == GlyphKind::Digit
                && joined.width() as f32 <= ONE_DIGIT_WIDTH * line_h
            {
                let features_joined = features(img, joined);
                if best(&features_joined) > best(&prev.features) * best(&g.features) {
                    prev.bbox = joined;
                    prev.features = features_joined;
                    continue;
                }
            }
        }
        out.push(g);
    }
    out
}

fn mark(text: &str, alternative: &str) -> Symbol {
    Symbol {
        text: text.to_string(),
        confidence: MARK_CONFIDENCE,
        alternatives: vec![(alternative.to_string(), 1.0 - MARK_CONFIDENCE)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    /// Three bars of digit height, a point at the baseline and a minus in front.
    fn drawn_number() -> GrayImage {
        let mut img = GrayImage::from_pixel(200, 60, Luma([255]));
        draw_filled_rect_mut(&mut img, Rect::at(10, 28).of_size(14, 4), Luma([0]));
        for x in [40, 70, 120] {
            draw_filled_rect_mut(&mut img, Rect::at(x, 12).of_size(16, 30), Luma([0]));
        }
        draw_filled_rect_mut(&mut img, Rect::at(100, 37).of_size(5, 5), Luma([0]));
        img
    }

    #[test]
    fn glyphs_points_and_minus_are_found_in_order() {
        let kinds: Vec<GlyphKind> = segment(&drawn_number()).iter().map(|g| g.kind).collect();
        use GlyphKind::*;
        assert_eq!(kinds, [Minus, Digit, Digit, Point, Digit]);
    }

    #[test]
    fn run_together_digits_are_split() {
        let mut img = GrayImage::from_pixel(200, 60, Luma([255]));
        // Two digit-sized shapes joined by a thin bridge at mid-height.
        draw_filled_rect_mut(&mut img, Rect::at(40, 12).of_size(18, 30), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(58, 26).of_size(4, 2), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(62, 12).of_size(18, 30), Luma([0]));
        let digits = segment(&img)
            .into_iter()
            .filter(|g| g.kind == GlyphKind::Digit)
            .count();
        assert_eq!(digits, 2);
    }

    #[test]
    fn zero_whose_top_and_bottom_faded_is_one_glyph() {
        let mut img = GrayImage::from_pixel(120, 60, Luma([255]));
        // Two whole-height thin sides, close enough together to be one digit.
        draw_filled_rect_mut(&mut img, Rect::at(40, 12).of_size(3, 30), Luma([0]));
        draw_filled_rect_mut(&mut img, Rect::at(54, 12).of_size(3, 30), Luma([0]));
        let digits: Vec<PixelBox> = segment(&img)
            .into_iter()
            .filter(|g| g.kind == GlyphKind::Digit)
            .map(|g| g.bbox)
            .collect();
        assert_eq!(digits, [PixelBox::from_corners(40, 12, 57, 42)]);
    }

    #[test]
    fn a_zero_faded_into_two_wide_sides_reads_as_one_digit() {
        // A serif 0 (rendered from Noto Serif CJK, blurred) whose thin top and bottom
        // faded away: its two sides together are wider than shape alone joins.
        let img = image::load_from_memory(include_bytes!(
            "../fixtures/digits/zero-faded-top-and-bottom.png"
        ))
        .expect("fixture is a PNG")
        .to_luma8();
        let digits = segment(&img)
            .into_iter()
            .filter(|g| g.kind == GlyphKind::Digit)
            .count();
        assert_eq!(digits, 2, "shape alone keeps the sides apart");
        assert_eq!(read_number(DigitModel::bundled(), &img).text, "0");
    }

    #[test]
    fn values_far_apart_are_read_with_a_space_between() {
        let mut img = GrayImage::from_pixel(300, 60, Luma([255]));
        for x in [20, 42, 200] {
            draw_filled_rect_mut(&mut img, Rect::at(x, 12).of_size(14, 30), Luma([0]));
        }
        let r = read_number(DigitModel::bundled(), &img);
        let gaps: Vec<usize> = r
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| s.text == " ")
            .map(|(i, _)| i)
            .collect();
        assert_eq!((r.symbols.len(), gaps), (4, vec![2]));
    }

    #[test]
    fn features_fill_the_square_and_keep_aspect() {
        let img = drawn_number();
        let f = features(&img, PixelBox::from_corners(40, 12, 56, 42));
        assert_eq!(f.len(), N_FEATURES);
        assert!((f[SIDE * SIDE] - 16.0 / 30.0).abs() < 1e-6);
        // Centred: the middle column is ink, the outer columns are not.
        assert!(f[8 * SIDE + 8] > 0.9 && f[8 * SIDE] == 0.0);
    }

    #[test]
    fn blank_image_reads_as_nothing() {
        let r = read_number(
            DigitModel::bundled(),
            &GrayImage::from_pixel(40, 40, Luma([255])),
        );
        assert_eq!(r.text, "");
    }
}

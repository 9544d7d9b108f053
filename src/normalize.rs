//! Normalize: colour to gray without the red seal, adaptive binarization (Sauvola via
//! integral images; a gray scan's seal made paper first, [`crate::seal`]), deskew from
//! the page's long ruling lines and text lines.

use crate::seal;
use crate::simd::avx2_or_portable;
use image::{DynamicImage, GrayImage};

/// A binary image: `true` where there is ink.
#[derive(Clone)]
pub struct InkMask {
    pub width: u32,
    pub height: u32,
    data: Vec<bool>,
}

impl InkMask {
    pub fn new(width: u32, height: u32) -> Self {
        InkMask {
            width,
            height,
            data: vec![false; width as usize * height as usize],
        }
    }

    #[inline]
    pub fn get(&self, x: u32, y: u32) -> bool {
        self.data[y as usize * self.width as usize + x as usize]
    }

    #[inline]
    pub fn set(&mut self, x: u32, y: u32, ink: bool) {
        self.data[y as usize * self.width as usize + x as usize] = ink;
    }

    pub fn row(&self, y: u32) -> &[bool] {
        let w = self.width as usize;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }

    /// The mask with rows and columns swapped, so vertical lines become horizontal.
    pub fn transposed(&self) -> InkMask {
        let mut t = InkMask::new(self.height, self.width);
        for y in 0..self.height {
            for (x, &v) in self.row(y).iter().enumerate() {
                if v {
                    t.set(y, x as u32, true);
                }
            }
        }
        t
    }

    /// Draws ink from a gray image: pixels darker than `threshold`.
    pub fn from_gray_threshold(gray: &GrayImage, threshold: u8) -> InkMask {
        InkMask {
            width: gray.width(),
            height: gray.height(),
            data: gray.pixels().map(|p| p.0[0] < threshold).collect(),
        }
    }
}

/// Options for [`normalize`].
#[derive(Clone, Debug)]
pub struct NormalizeOptions {
    /// Sauvola window side as a fraction of an inch: 0.1 in spans a few strokes of
    /// 9–12 pt text, big enough to see both ink and paper around a stroke.
    pub window_in: f32,
    /// Sauvola's k for text: 0.2 is the value its authors found robust on scans.
    pub k: f32,
    /// Sauvola's k for finding rules: faded 1 px rules on a 150 dpi photocopy are only
    /// a little darker than the paper; dust that this lets in never forms long runs.
    pub rule_k: f32,
    /// Largest skew searched, in degrees: scanners and phone photos stay within it.
    pub max_skew_deg: f32,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            window_in: 0.1,
            k: 0.2,
            rule_k: 0.06,
            max_skew_deg: 6.0,
        }
    }
}

/// A page after normalization.
pub struct NormalizedPage {
    pub gray: GrayImage,
    pub ink: InkMask,
    /// A more sensitive mask, for finding faint rules.
    pub rule_ink: InkMask,
    /// The skew found and removed, in degrees (positive: content was turned clockwise).
    pub skew_deg: f32,
}

/// Colour to gray, dropping the red of seals so they hide neither lines nor digits.
pub fn to_gray(img: &DynamicImage) -> GrayImage {
    if let DynamicImage::ImageLuma8(g) = img {
        return g.clone();
    }
    let rgb = img.to_rgb8();
    let mut out = GrayImage::new(rgb.width(), rgb.height());
    for (o, p) in out.pixels_mut().zip(rgb.pixels()) {
        let [r, g, b] = p.0;
        o.0[0] = luma_without_seal(r, g, b);
    }
    out
}

/// The gray of one colour pixel, with a seal's red taken for paper.
#[inline(always)]
pub fn luma_without_seal(r: u8, g: u8, b: u8) -> u8 {
    let (r, g, b) = (r as i32, g as i32, b as i32);
    // A seal's red is far above its green and blue; black ink under it stays dark
    // in all three, so only the seal goes. Its fringe, where the red thins into the
    // paper, is less red but still bright in red: left in, its outline reads as ink
    // that strings the closing lines together.
    let redness = r - g.max(b);
    let seal = (redness > 60) | ((redness > 25) & (r > 140));
    // Both sides worked out, one kept: no branch, so a row of pixels vectorizes.
    let luma = ((r * 299 + g * 587 + b * 114) as u32 / 1000) as u8;
    if seal {
        255
    } else {
        luma
    }
}

/// Binarizes, estimates the skew, and turns the page straight.
pub fn normalize(gray: GrayImage, dpi: u32, opts: &NormalizeOptions) -> NormalizedPage {
    // The skew search looks at the ink of every few pixels only, so only every few
    // rows are binarized for it; most scans are turned a little, and their masks are
    // made once, after turning, instead of once before and again after.
    let step = skew_sample_step(gray.width());
    let [sampled] = sauvola_masks_every(&gray, window_px(dpi, opts), [opts.k], step);
    let skew = estimate_skew(&sampled, opts.max_skew_deg);
    drop(sampled);
    if skew.abs() < 0.05 {
        return binarize(gray, dpi, skew, opts);
    }
    let gray = rotate_about_center(&gray, (-skew).to_radians(), 255);
    binarize(gray, dpi, skew, opts)
}

/// Both masks of an already straight page.
pub fn binarize(
    mut gray: GrayImage,
    dpi: u32,
    skew_deg: f32,
    opts: &NormalizeOptions,
) -> NormalizedPage {
    let window = window_px(dpi, opts);
    let [ink, rule_ink] = sauvola_masks(&gray, window, [opts.k, opts.rule_k]);
    // A gray scan keeps its seals, which a colour scan's gray leaves out: where one is
    // found and made paper, the page is binarized again.
    let seals = seal::find(&gray, &rule_ink, dpi);
    let [ink, rule_ink] = if !seals.is_empty() && seal::erase(&mut gray, &seals, dpi) {
        sauvola_masks(&gray, window, [opts.k, opts.rule_k])
    } else {
        [ink, rule_ink]
    };
    NormalizedPage {
        gray,
        ink,
        rule_ink,
        skew_deg,
    }
}

avx2_or_portable! {
    /// The page turned clockwise by `theta` radians about its centre, bilinear, with
    /// `paper` where the turned page has no source. The same pixels as imageproc's
    /// `rotate_about_center` (same mapping and float arithmetic, same truncation), which
    /// spends most of its time on bounds checks and generic pixel access: here only the
    /// page's edge takes the checked path.
    pub fn rotate_about_center(gray: &GrayImage, theta: f32, paper: u8) -> GrayImage
        = rotate_portable;
}

/// [`rotate_about_center`] for any x86-64 (or other) processor.
#[inline(always)]
fn rotate_portable(gray: &GrayImage, theta: f32, paper: u8) -> GrayImage {
    let (w, h) = gray.dimensions();
    let [t0, t1, t2, t3, t4, t5] = source_of_turned(w, h, theta);
    let src = gray.as_raw();
    let (wu, wi, hi) = (w as usize, w as i64, h as i64);
    let (last_x, last_y) = ((w - 1) as f32, (h - 1) as f32);
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= wi || y >= hi {
            paper as f32
        } else {
            src[(y * wi + x) as usize] as f32
        }
    };
    let mut out = GrayImage::new(w, h);
    // A row's source points first, each step over the whole row so that it compiles
    // to vector instructions. A small turn keeps a run of neighbours on the same two
    // source rows, one column apart each: such a run is blended from two slices, with
    // no load of its own per pixel. Per pixel, the arithmetic is the same as one at a
    // time.
    let (mut sx, mut sy) = (vec![0f32; wu], vec![0f32; wu]);
    for (y, row) in out.chunks_mut(wu).enumerate() {
        let (row_x, row_y) = (t1 * y as f32, t4 * y as f32);
        for x in 0..wu {
            let xf = x as f32;
            (sx[x], sy[x]) = (t0 * xf + row_x + t2, t3 * xf + row_y + t5);
        }
        let inside =
            |x: usize| (sx[x] >= 0.0) & (sy[x] >= 0.0) & (sx[x] < last_x) & (sy[x] < last_y);
        let mut x = 0;
        while x < wu {
            if !inside(x) {
                // The page's edge: sources outside it are paper.
                let (l, t) = (sx[x].floor() as i64, sy[x].floor() as i64);
                let (rw, bw) = (sx[x] - l as f32, sy[x] - t as f32);
                let upper = blend(at(l, t), at(l + 1, t), rw);
                let lower = blend(at(l, t + 1), at(l + 1, t + 1), rw);
                row[x] = to_byte(blend(upper, lower, bw));
                x += 1;
                continue;
            }
            // Inside, non-negative, so truncation is the floor. The run goes on while
            // each source point's floor is one column on, in the same row: compared
            // as floats, which spares a conversion a pixel.
            let (left, top) = (sx[x] as i32, sy[x] as i32);
            let (shift, top_f) = (left - x as i32, top as f32);
            let on_run = |e: usize| {
                let left_f = (shift + e as i32) as f32;
                inside(e)
                    & (sx[e] >= left_f)
                    & (sx[e] < left_f + 1.0)
                    & (sy[e] >= top_f)
                    & (sy[e] < top_f + 1.0)
            };
            let end = (x + 1..wu).find(|&e| !on_run(e)).unwrap_or(wu);
            let n = end - x;
            let first = top as usize * wu + left as usize;
            let (upper, lower) = (
                &src[first..first + n + 1],
                &src[first + wu..first + wu + n + 1],
            );
            let (sx, sy) = (&sx[x..end], &sy[x..end]);
            for (k, o) in row[x..end].iter_mut().enumerate() {
                let (rw, bw) = (sx[k] - (left + k as i32) as f32, sy[k] - top_f);
                let up = blend(upper[k] as f32, upper[k + 1] as f32, rw);
                let down = blend(lower[k] as f32, lower[k + 1] as f32, rw);
                *o = to_byte(blend(up, down, bw));
            }
            x = end;
        }
    }
    out
}

/// A weighted mean of bytes, truncated as imageproc's `Clamp` truncates; it can pass
/// 255 only by rounding, where it is held at 255 as `Clamp` holds it. Never negative.
/// Truncated in float arithmetic: a cast to an integer checks its range a pixel at a
/// time, three times a pixel, which was most of a turn's time.
fn blend(a: f32, b: f32, weight_b: f32) -> f32 {
    let v = ((1.0 - weight_b) * a + weight_b * b).min(255.0);
    // Adding 2²³ leaves no bits below the units: `v` rounded to the nearest integer,
    // one down where that was up.
    let nearest = (v + TWO_POW_23) - TWO_POW_23;
    nearest - if nearest > v { 1.0 } else { 0.0 }
}

const TWO_POW_23: f32 = 8_388_608.0;

/// A byte's value held as a whole float, without a checked cast: above 2²³ a float's
/// lowest mantissa bits are its units.
fn to_byte(v: f32) -> u8 {
    ((v + TWO_POW_23).to_bits() & 0xff) as u8
}

/// The affine map from a pixel of the page turned by `theta` about its centre back to
/// the source, `[a, b, c, d, e, f]` for `(a·x + b·y + c, d·x + e·y + f)`: the inverse of
/// translate(centre) · rotate(theta) · translate(−centre), multiplied out in
/// imageproc's order so the turned pixels are its pixels.
fn source_of_turned(w: u32, h: u32, theta: f32) -> [f32; 6] {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (s, c) = theta.sin_cos();
    let mul = |a: [f32; 9], b: [f32; 9]| -> [f32; 9] {
        std::array::from_fn(|i| {
            let (r, k) = (i / 3 * 3, i % 3);
            a[r] * b[k] + a[r + 1] * b[3 + k] + a[r + 2] * b[6 + k]
        })
    };
    let to_centre = [1.0, 0.0, cx, 0.0, 1.0, cy, 0.0, 0.0, 1.0];
    let unturn = [c, s, 0.0, -s, c, 0.0, 0.0, 0.0, 1.0];
    let from_centre = [1.0, 0.0, -cx, 0.0, 1.0, -cy, 0.0, 0.0, 1.0];
    let m = mul(to_centre, mul(unturn, from_centre));
    [m[0], m[1], m[2], m[3], m[4], m[5]]
}

fn window_px(dpi: u32, opts: &NormalizeOptions) -> u32 {
    ((dpi as f32 * opts.window_in) as u32).max(7) | 1
}

/// Sauvola thresholding: a pixel is ink when darker than `m·(1 + k·(s/128 − 1))` over
/// its window.
pub fn sauvola(gray: &GrayImage, window: u32, k: f32) -> InkMask {
    let [mask] = sauvola_masks(gray, window, [k]);
    mask
}

/// The widest Sauvola window: its sum of squares then fits 31 bits, which
/// [`sauvola_masks_every`] relies on, and 181 px is still 0.1 in at 1800 dpi.
const MAX_WINDOW: u32 = 181;

/// One Sauvola mask per `k`, from one pass over the page (a window wider than 181 px
/// is taken as 181). Window sums come from running column sums over the rows in the
/// window and a prefix sum along each row: the same integers full-page integral images
/// give, in memory for a few rows rather than two 64-bit images of the page (140 MB at
/// 300 dpi, the largest allocation of a conversion).
pub fn sauvola_masks<const N: usize>(gray: &GrayImage, window: u32, ks: [f32; N]) -> [InkMask; N] {
    sauvola_masks_every(gray, window, ks, 1)
}

avx2_or_portable! {
    /// [`sauvola_masks`] decided only on rows whose `y` is a multiple of `step`
    /// (elsewhere no ink), with the same full-resolution window sums.
    fn sauvola_masks_every[const N: usize](
        gray: &GrayImage,
        window: u32,
        ks: [f32; N],
        step: usize,
    ) -> [InkMask; N] = sauvola_masks_portable;
}

/// [`sauvola_masks_every`] for any processor.
#[inline(always)]
fn sauvola_masks_portable<const N: usize>(
    gray: &GrayImage,
    window: u32,
    ks: [f32; N],
    step: usize,
) -> [InkMask; N] {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let raw = gray.as_raw();
    let r = (window.min(MAX_WINDOW) / 2) as usize;
    let mut masks = ks.map(|_| InkMask::new(w as u32, h as u32));
    // A column's sums over a window's rows, and a row's prefix sums of those, are kept
    // in 32 bits, wrapping: only differences of prefix sums are used, a window's sums,
    // and those fit 31 bits (`MAX_WINDOW`), so they come out exact.
    let (mut col_sum, mut col_sq) = (vec![0u32; w], vec![0u32; w]);
    let (mut row_sum, mut row_sq) = (vec![0u32; w + 1], vec![0u32; w + 1]);
    // The means and deviations of the windows wholly on the page, one row at a time.
    let middle_width = w.saturating_sub(2 * r);
    let (mut mean, mut deviation) = (vec![0f32; middle_width], vec![0f32; middle_width]);
    let add_row = |y: usize, col_sum: &mut [u32], col_sq: &mut [u32]| {
        let pixels = &raw[y * w..(y + 1) * w];
        for ((s, q), &p) in col_sum.iter_mut().zip(col_sq.iter_mut()).zip(pixels) {
            *s += p as u32;
            *q += p as u32 * p as u32;
        }
    };
    let remove_row = |y: usize, col_sum: &mut [u32], col_sq: &mut [u32]| {
        let pixels = &raw[y * w..(y + 1) * w];
        for ((s, q), &p) in col_sum.iter_mut().zip(col_sq.iter_mut()).zip(pixels) {
            *s -= p as u32;
            *q -= p as u32 * p as u32;
        }
    };
    for y in 0..r.min(h) {
        add_row(y, &mut col_sum, &mut col_sq);
    }
    for y in 0..h {
        // The window's rows are y0..y1; keep the column sums over exactly those.
        if y + r < h {
            add_row(y + r, &mut col_sum, &mut col_sq);
        }
        if y > r {
            remove_row(y - r - 1, &mut col_sum, &mut col_sq);
        }
        if !y.is_multiple_of(step) {
            continue;
        }
        let rows = ((y + r + 1).min(h) - y.saturating_sub(r)) as u32;
        for x in 0..w {
            row_sum[x + 1] = row_sum[x].wrapping_add(col_sum[x]);
            row_sq[x + 1] = row_sq[x].wrapping_add(col_sq[x]);
        }
        let line = &raw[y * w..(y + 1) * w];
        let decide_at = |x: usize| {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = row_sum[x1].wrapping_sub(row_sum[x0]);
            let sq = row_sq[x1].wrapping_sub(row_sq[x0]);
            let ink = sauvola_ink(line[x], sum, sq, rows * (x1 - x0) as u32, ks);
            for (mask, ink) in masks.iter_mut().zip(ink) {
                mask.data[y * w + x] = ink;
            }
        };
        if w <= 2 * r {
            (0..w).for_each(decide_at);
            continue;
        }
        // Where the window lies wholly on the page, its sums are two slices apart and
        // its size is the same for every pixel: simple loops over the row that compile
        // to vector instructions, which the page's edges, one window wide, need not.
        (0..r).chain(w - r..w).for_each(decide_at);
        let middle = r..w - r;
        let n = (rows * (2 * r + 1) as u32) as f32;
        let sums = row_sum[2 * r + 1..].iter().zip(&row_sum[..w - 2 * r]);
        let sqs = row_sq[2 * r + 1..].iter().zip(&row_sq[..w - 2 * r]);
        let stats = mean.iter_mut().zip(deviation.iter_mut());
        for ((m, d), ((&s1, &s0), (&q1, &q0))) in stats.zip(sums.zip(sqs)) {
            (*m, *d) = mean_and_deviation(s1.wrapping_sub(s0), q1.wrapping_sub(q0), n);
        }
        for (mask, k) in masks.iter_mut().zip(ks) {
            let out = &mut mask.data[y * w + middle.start..y * w + middle.end];
            let windows = line[middle.clone()].iter().zip(&mean).zip(&deviation);
            for (o, ((&p, &m), &d)) in out.iter_mut().zip(windows) {
                *o = is_ink(p as f32, m, d, k);
            }
        }
    }
    masks
}

/// Whether a pixel of gray `p` is ink for each `k`, given its window's sum, sum of
/// squares and size. Paper-white pixels never are.
#[inline(always)]
fn sauvola_ink<const N: usize>(p: u8, sum: u32, sq: u32, count: u32, ks: [f32; N]) -> [bool; N] {
    let (mean, deviation) = mean_and_deviation(sum, sq, count as f32);
    ks.map(|k| is_ink(p as f32, mean, deviation, k))
}

/// A window's mean and standard deviation from its sum, sum of squares and size.
#[inline(always)]
fn mean_and_deviation(sum: u32, sq: u32, n: f32) -> (f32, f32) {
    // A window's sums fit 31 bits (`MAX_WINDOW`): as i32 they convert in one vector
    // instruction, to the same floats.
    let mean = sum as i32 as f32 / n;
    (mean, (sq as i32 as f32 / n - mean * mean).max(0.0).sqrt())
}

/// Sauvola's test, with paper-white never ink.
#[inline(always)]
fn is_ink(v: f32, mean: f32, deviation: f32, k: f32) -> bool {
    (v < 250.0) & (v < mean * (1.0 + k * (deviation / 128.0 - 1.0)))
}

/// Every how many pixels (across and down) the skew search looks for ink: about 800
/// px across is enough to resolve 0.05°, and keeps the search cheap.
fn skew_sample_step(width: u32) -> usize {
    (width / 800).max(1) as usize
}

/// Finds the angle that makes the rows of ink sharpest: ruling lines and text lines
/// both pile into few rows when the page is straight. Coarse search, then fine.
pub fn estimate_skew(ink: &InkMask, max_deg: f32) -> f32 {
    let step = skew_sample_step(ink.width) as u32;
    let mut points: Vec<(f32, f32)> = Vec::new();
    let mut y = 0;
    while y < ink.height {
        let row = ink.row(y);
        let mut x = 0;
        while x < ink.width {
            if row[x as usize] {
                points.push(((x / step) as f32, (y / step) as f32));
            }
            x += step;
        }
        y += step;
    }
    if points.len() < 100 {
        return 0.0;
    }
    let height = (ink.height / step) as usize + (ink.width / step) as usize + 4;
    let mut hist = vec![0u32; height * 2];
    let mut score = |deg: f32| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        hist.iter_mut().for_each(|h| *h = 0);
        let off = height as f32;
        for &(x, y) in &points {
            let yy = (y * c - x * s + off) as usize;
            if yy < hist.len() {
                hist[yy] += 1;
            }
        }
        hist.iter().map(|&h| (h as f64) * (h as f64)).sum()
    };
    let mut best = (0.0f32, score(0.0));
    let mut a = -max_deg;
    while a <= max_deg {
        let s = score(a);
        if s > best.1 {
            best = (a, s);
        }
        a += 0.25;
    }
    let center = best.0;
    let mut a = center - 0.3;
    while a <= center + 0.3 {
        let s = score(a);
        if s > best.1 {
            best = (a, s);
        }
        a += 0.02;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::draw_filled_rect_mut;
    use imageproc::rect::Rect;

    fn ruled_page(angle_deg: f32) -> GrayImage {
        let mut img = GrayImage::from_pixel(1200, 900, Luma([250]));
        for i in 0..12 {
            draw_filled_rect_mut(
                &mut img,
                Rect::at(100, 100 + i * 60).of_size(1000, 3),
                Luma([20]),
            );
        }
        imageproc::geometric_transformations::rotate_about_center(
            &img,
            angle_deg.to_radians(),
            imageproc::geometric_transformations::Interpolation::Bilinear,
            imageproc::geometric_transformations::Border::Constant(Luma([250])),
        )
    }

    #[test]
    fn skew_of_ruled_page_is_found() {
        for angle in [-4.0f32, -1.3, 0.0, 0.7, 2.5] {
            let page = ruled_page(angle);
            let ink = sauvola(&page, 31, 0.2);
            let found = estimate_skew(&ink, 6.0);
            assert!((found - angle).abs() < 0.1, "angle {angle} found {found}");
        }
    }

    #[test]
    fn sauvola_marks_dark_strokes_on_uneven_paper() {
        // Paper darkens from left to right; a stroke on each side must be found,
        // the paper itself must not.
        let mut img = GrayImage::from_fn(400, 100, |x, _| Luma([240 - (x / 4) as u8]));
        draw_filled_rect_mut(&mut img, Rect::at(20, 40).of_size(30, 4), Luma([60]));
        draw_filled_rect_mut(&mut img, Rect::at(350, 40).of_size(30, 4), Luma([40]));
        let ink = sauvola(&img, 31, 0.2);
        assert!(ink.get(30, 41) && ink.get(360, 41));
        assert!(!ink.get(30, 10) && !ink.get(360, 80));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, rng_seed: proptest::test_runner::RngSeed::Fixed(20261123), ..Default::default() })]
        /// The rolling window sums give exactly the masks a window summed pixel by pixel
        /// gives, at the page's edges too, compiled for this processor or for any.
        #[test]
        fn rolling_sums_equal_direct_window_sums(
            pixels in proptest::collection::vec(0u8..=255, 43 * 17),
            window in 3u32..15,
        ) {
            // 43 px: a window's middle run is longer than two vectors of eight.
            let img = GrayImage::from_raw(43, 17, pixels).unwrap();
            let [a, b] = sauvola_masks(&img, window, [0.2, 0.05]);
            let [pa, pb] = sauvola_masks_portable(&img, window, [0.2, 0.05], 1);
            proptest::prop_assert!(a.data == pa.data && b.data == pb.data);
            let r = (window / 2) as i64;
            for y in 0..17i64 {
                for x in 0..43i64 {
                    let (mut s, mut q, mut n) = (0u64, 0u64, 0u64);
                    for yy in (y - r).max(0)..(y + r + 1).min(17) {
                        for xx in (x - r).max(0)..(x + r + 1).min(43) {
                            let v = img.get_pixel(xx as u32, yy as u32).0[0] as u64;
                            s += v;
                            q += v * v;
                            n += 1;
                        }
                    }
                    let v = img.get_pixel(x as u32, y as u32).0[0] as f32;
                    let mean = s as f32 / n as f32;
                    let var = (q as f32 / n as f32 - mean * mean).max(0.0);
                    for (mask, k) in [(&a, 0.2f32), (&b, 0.05)] {
                        let t = mean * (1.0 + k * (var.sqrt() / 128.0 - 1.0));
                        proptest::prop_assert_eq!(mask.get(x as u32, y as u32), v < 250.0 && v < t);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, rng_seed: proptest::test_runner::RngSeed::Fixed(20261123), ..Default::default() })]
        /// Turning a page gives the very pixels imageproc's rotation gives, edges
        /// included, compiled for this processor or for any.
        #[test]
        fn rotation_matches_imageproc(
            pixels in proptest::collection::vec(0u8..=255, 150 * 31),
            width in proptest::sample::select(vec![31u32, 64, 150]),
            deg in -6.0f32..6.0,
        ) {
            // Narrow pages are all edge; wider ones have runs of pixels wholly inside.
            let height = pixels.len() as u32 / width;
            let pixels = pixels[..(width * height) as usize].to_vec();
            let img = GrayImage::from_raw(width, height, pixels).unwrap();
            let ours = rotate_about_center(&img, deg.to_radians(), 255);
            let portable = rotate_portable(&img, deg.to_radians(), 255);
            proptest::prop_assert_eq!(ours.as_raw(), portable.as_raw());
            let theirs = imageproc::geometric_transformations::rotate_about_center(
                &img,
                deg.to_radians(),
                imageproc::geometric_transformations::Interpolation::Bilinear,
                imageproc::geometric_transformations::Border::Constant(Luma([255])),
            );
            proptest::prop_assert_eq!(ours.as_raw(), theirs.as_raw());
        }

        /// Deciding only every few rows gives the full mask's answer on those rows.
        #[test]
        fn sampled_masks_agree_with_full_ones(
            pixels in proptest::collection::vec(0u8..=255, 23 * 17),
            window in 3u32..15,
            step in 1usize..4,
        ) {
            let img = GrayImage::from_raw(23, 17, pixels).unwrap();
            let [full] = sauvola_masks(&img, window, [0.2]);
            let [sampled] = sauvola_masks_every(&img, window, [0.2], step);
            for y in 0..17 {
                for x in 0..23 {
                    let decided = (y as usize).is_multiple_of(step);
                    proptest::prop_assert_eq!(sampled.get(x, y), decided && full.get(x, y));
                }
            }
        }
    }

    #[test]
    fn red_seal_is_dropped_but_black_ink_kept() {
        let mut rgb = image::RgbImage::from_pixel(4, 1, image::Rgb([255, 255, 255]));
        rgb.put_pixel(0, 0, image::Rgb([220, 40, 40]));
        rgb.put_pixel(1, 0, image::Rgb([20, 20, 20]));
        let g = to_gray(&DynamicImage::ImageRgb8(rgb));
        assert_eq!(g.get_pixel(0, 0).0[0], 255);
        assert!(g.get_pixel(1, 0).0[0] < 30);
    }
}

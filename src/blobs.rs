//! Blobs: 8-connected components of ink in a rectangle, shared by cell cropping and
//! digit segmentation, and their boxes alone over wide areas (lines of text, seals).

use crate::geometry::PixelBox;
use crate::normalize::InkMask;
use crate::union_find::UnionFind;

/// One connected blob of ink.
#[derive(Clone, Debug)]
pub struct Blob {
    pub bbox: PixelBox,
    /// Its pixels, in the same coordinates as `bbox`.
    pub pixels: Vec<(u32, u32)>,
}

/// The blobs of `area`, where `is_ink(x, y)` says which pixels are ink; coordinates
/// are those of `area`'s frame.
pub fn find(area: PixelBox, is_ink: impl Fn(u32, u32) -> bool) -> Vec<Blob> {
    find_marked(area, |y, row| {
        for (x, ink) in (area.x0 as u32..).zip(row) {
            *ink = is_ink(x, y);
        }
    })
}

/// [`find`] with `area`'s ink marked a row at a time: `mark(y, row)` sets `row`, as
/// wide as `area`, to the ink of the frame's row `y`. Marking whole rows from slices
/// compiles to vector code where a test a pixel does not.
pub fn find_marked(area: PixelBox, mark: impl Fn(u32, &mut [bool])) -> Vec<Blob> {
    if area.is_empty() {
        return Vec::new();
    }
    let (w, h) = (area.width() as usize, area.height() as usize);
    // Ink not yet taken into a blob: each pixel is cleared as its blob reaches it.
    let mut ink = vec![false; w * h];
    for (y, row) in (area.y0 as u32..).zip(ink.chunks_exact_mut(w)) {
        mark(y, row);
    }
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for sy in 0..h {
        let mut from = 0;
        while let Some(sx) = next_ink(&ink[sy * w..(sy + 1) * w], from) {
            from = sx + 1;
            ink[sy * w + sx] = false;
            stack.push((sx, sy));
            let mut pixels = Vec::new();
            let (mut x0, mut y0, mut x1, mut y1) = (sx, sy, sx, sy);
            while let Some((x, y)) = stack.pop() {
                pixels.push((area.x0 as u32 + x as u32, area.y0 as u32 + y as u32));
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                        if ink[ny * w + nx] {
                            ink[ny * w + nx] = false;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            blobs.push(Blob {
                bbox: PixelBox::from_corners(
                    area.x0 + x0 as i32,
                    area.y0 + y0 as i32,
                    area.x0 + x1 as i32 + 1,
                    area.y0 + y1 as i32 + 1,
                ),
                pixels,
            });
        }
    }
    blobs
}

/// The first ink of `row` from `from` on. Most of a page is paper, passed over a
/// vector's width at a time (a check of a whole stretch compiles to vector code; a
/// search for the first ink, which stops early, does not).
fn next_ink(row: &[bool], from: usize) -> Option<usize> {
    const STRETCH: usize = 32;
    let mut x = from;
    while let Some(stretch) = row.get(x..x + STRETCH) {
        if stretch.iter().fold(false, |any, &ink| any | ink) {
            break;
        }
        x += STRETCH;
    }
    (x..row.len()).find(|&x| row[x])
}

/// The box and pixel count of each blob of `ink` within `area`, in [`find`]'s order:
/// its blobs without their pixels, joined from runs of ink instead of pixel by pixel,
/// which over a whole page is several times faster.
pub fn boxes(area: PixelBox, ink: &InkMask) -> Vec<(PixelBox, usize)> {
    let area = area.clamp_to(ink.width, ink.height);
    if area.is_empty() {
        return Vec::new();
    }
    // Runs (y, x0, x1), row by row; `row_start[k]` is where row k's runs begin.
    let mut runs: Vec<(i32, i32, i32)> = Vec::new();
    let mut row_start = Vec::with_capacity(area.height() as usize + 1);
    for y in area.y0..area.y1 {
        row_start.push(runs.len());
        let row = &ink.row(y as u32)[area.x0 as usize..area.x1 as usize];
        let mut x = 0;
        while let Some(start) = next_ink(row, x) {
            x = start + row[start..].iter().take_while(|&&ink| ink).count();
            runs.push((y, area.x0 + start as i32, area.x0 + x as i32));
        }
    }
    row_start.push(runs.len());
    let mut groups = UnionFind::new(runs.len());
    for k in 1..row_start.len() - 1 {
        let above = row_start[k - 1]..row_start[k];
        let mut a = above.start;
        for r in row_start[k]..row_start[k + 1] {
            let (_, x0, x1) = runs[r];
            // Runs above ending left of this one's diagonal neighbour never touch it
            // nor any run after it.
            while a < above.end && runs[a].2 < x0 {
                a += 1;
            }
            let mut b = a;
            while b < above.end && runs[b].1 <= x1 {
                groups.union(r, b);
                b += 1;
            }
        }
    }
    // A group is named by its first run, which holds its first pixel.
    let mut at_root: Vec<Option<usize>> = vec![None; runs.len()];
    let mut out: Vec<(PixelBox, usize)> = Vec::new();
    for (r, &(y, x0, x1)) in runs.iter().enumerate() {
        let root = groups.find(r);
        let run = PixelBox::from_corners(x0, y, x1, y + 1);
        match at_root[root] {
            Some(i) => {
                out[i].0 = out[i].0.union(&run);
                out[i].1 += (x1 - x0) as usize;
            }
            None => {
                at_root[root] = Some(out.len());
                out.push((run, (x1 - x0) as usize));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]
        /// Rows wider than the stretches of paper passed over at once, inked
        /// sparsely to densely, so that stretches are skipped and runs end in them.
        #[test]
        fn boxes_are_the_blobs_boxes(
            cells in proptest::collection::vec(0u8..100, 100 * 9),
            density in 1u8..60,
            x0 in 0i32..40,
            y0 in 0i32..3,
        ) {
            let mut ink = InkMask::new(100, 9);
            for (i, &c) in cells.iter().enumerate() {
                ink.set(i as u32 % 100, i as u32 / 100, c < density);
            }
            let area = PixelBox::from_corners(x0, y0, 100, 9);
            let want: Vec<(PixelBox, usize)> = find(area, |x, y| ink.get(x, y))
                .into_iter()
                .map(|b| (b.bbox, b.pixels.len()))
                .collect();
            prop_assert_eq!(boxes(area, &ink), want);
        }
    }

    #[test]
    fn diagonal_pixels_join_separate_ones_do_not() {
        let ink = [(1, 1), (2, 2), (3, 3), (7, 1)];
        let blobs = find(PixelBox::from_corners(0, 0, 10, 5), |x, y| {
            ink.contains(&(x, y))
        });
        assert_eq!(blobs.len(), 2);
        assert_eq!(blobs[0].bbox, PixelBox::from_corners(1, 1, 4, 4));
        assert_eq!(blobs[0].pixels.len(), 3);
    }
}

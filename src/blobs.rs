//! Blobs: 8-connected components of ink in a rectangle, shared by cell cropping and
//! digit segmentation.

use crate::geometry::PixelBox;

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
    if area.is_empty() {
        return Vec::new();
    }
    let (w, h) = (area.width() as usize, area.height() as usize);
    let at = |x: usize, y: usize| is_ink(area.x0 as u32 + x as u32, area.y0 as u32 + y as u32);
    let mut seen = vec![false; w * h];
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for sy in 0..h {
        for sx in 0..w {
            if seen[sy * w + sx] || !at(sx, sy) {
                continue;
            }
            seen[sy * w + sx] = true;
            stack.push((sx, sy));
            let mut pixels = Vec::new();
            let (mut x0, mut y0, mut x1, mut y1) = (sx, sy, sx, sy);
            while let Some((x, y)) = stack.pop() {
                pixels.push((area.x0 as u32 + x as u32, area.y0 as u32 + y as u32));
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                        if !seen[ny * w + nx] && at(nx, ny) {
                            seen[ny * w + nx] = true;
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

#[cfg(test)]
mod tests {
    use super::*;

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

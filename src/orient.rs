//! Orientation: pages scanned sideways or upside down, turned to be read and their
//! boxes turned back, so what a report gives is on the page as the file holds it.

use crate::geometry::PixelBox;
use image::GrayImage;

/// Clockwise quarter turns that take a page as rasterized to the page as read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuarterTurns(u8);

impl QuarterTurns {
    /// The page as the file holds it.
    pub const NONE: QuarterTurns = QuarterTurns(0);
    /// The turns tried on a page whose tables read as no table of the format, most
    /// likely first: a sheet fed upside down, then either way sideways.
    pub const TRIED: [QuarterTurns; 3] = [QuarterTurns(2), QuarterTurns(1), QuarterTurns(3)];

    /// `n` clockwise quarter turns (a whole number of turns is none).
    pub const fn clockwise(n: u8) -> Self {
        QuarterTurns(n % 4)
    }

    /// How many clockwise quarter turns, 0 to 3.
    pub fn count(self) -> u8 {
        self.0
    }

    pub fn degrees(self) -> u32 {
        90 * self.0 as u32
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// The turns that undo these.
    pub fn inverse(self) -> Self {
        QuarterTurns::clockwise(4 - self.0)
    }

    /// `image` turned.
    pub fn turn(self, image: &GrayImage) -> GrayImage {
        match self.0 {
            1 => image::imageops::rotate90(image),
            2 => image::imageops::rotate180(image),
            3 => image::imageops::rotate270(image),
            _ => image.clone(),
        }
    }

    /// The box `b` of a page read after these turns, `read_width` × `read_height`
    /// pixels, on the page as rasterized.
    pub fn unturn_box(self, b: PixelBox, read_width: u32, read_height: u32) -> PixelBox {
        let (mut b, mut w, mut h) = (b, read_width as i32, read_height as i32);
        for _ in 0..self.0 {
            // A clockwise turn takes (x, y) of a page `h` high to (h − y, x), so a
            // point (u, v) read came from (v, w − u), `w` being the read width.
            b = PixelBox::from_corners(b.y0, w - b.x1, b.y1, w - b.x0);
            (w, h) = (h, w);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The box of the dark pixels of `img`.
    fn dark_box(img: &GrayImage) -> PixelBox {
        let dark: Vec<(i32, i32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] == 0)
            .map(|(x, y, _)| (x as i32, y as i32))
            .collect();
        let x0 = dark.iter().map(|p| p.0).min().unwrap();
        let y0 = dark.iter().map(|p| p.1).min().unwrap();
        let x1 = dark.iter().map(|p| p.0).max().unwrap() + 1;
        let y1 = dark.iter().map(|p| p.1).max().unwrap() + 1;
        PixelBox::from_corners(x0, y0, x1, y1)
    }

    #[test]
    fn one_clockwise_turn_takes_the_top_left_to_the_top_right() {
        let mut page = GrayImage::from_pixel(4, 6, image::Luma([255]));
        page.put_pixel(0, 0, image::Luma([0]));
        let read = QuarterTurns::clockwise(1).turn(&page);
        assert_eq!(read.dimensions(), (6, 4));
        assert_eq!(read.get_pixel(5, 0)[0], 0);
        assert_eq!(QuarterTurns::clockwise(5), QuarterTurns::clockwise(1));
        assert_eq!(
            QuarterTurns::clockwise(1).inverse(),
            QuarterTurns::clockwise(3)
        );
        assert_eq!(QuarterTurns::NONE.inverse(), QuarterTurns::NONE);
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            rng_seed: proptest::test_runner::RngSeed::Fixed(7),
            ..ProptestConfig::default()
        })]

        /// A box drawn on a page, found on the turned page and turned back, is where
        /// it was drawn; turning by the inverse gives the page back.
        #[test]
        fn boxes_turn_back_to_where_they_were(
            w in 2u32..40, h in 2u32..40, n in 0u8..4,
            fx0 in 0.0f64..1.0, fy0 in 0.0f64..1.0, fx1 in 0.0f64..1.0, fy1 in 0.0f64..1.0,
        ) {
            let (x0, x1) = ((fx0 * w as f64) as u32, (fx1 * w as f64) as u32);
            let (y0, y1) = ((fy0 * h as f64) as u32, (fy1 * h as f64) as u32);
            let drawn = PixelBox::from_corners(x0 as i32, y0 as i32, x1.max(x0 + 1) as i32,
                y1.max(y0 + 1) as i32).clamp_to(w, h);
            let mut page = GrayImage::from_pixel(w, h, image::Luma([255]));
            for y in drawn.y0..drawn.y1 {
                for x in drawn.x0..drawn.x1 {
                    page.put_pixel(x as u32, y as u32, image::Luma([0]));
                }
            }
            let turns = QuarterTurns::clockwise(n);
            let read = turns.turn(&page);
            let (rw, rh) = read.dimensions();
            prop_assert_eq!(turns.unturn_box(dark_box(&read), rw, rh), drawn);
            prop_assert_eq!(turns.inverse().turn(&read), page);
        }
    }
}

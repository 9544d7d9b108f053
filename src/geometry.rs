//! Pixel boxes: the crate's one coordinate convention (`x0,y0` top-left inclusive,
//! `x1,y1` bottom-right exclusive, in pixels of a page image at its own dpi).

use serde::{Serialize, Serializer};

/// A rectangle on a page image, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PixelBox {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PixelBox {
    /// Builds a box from its left, top, right and bottom edges, in that order.
    pub fn from_corners(x0: i32, y0: i32, x1: i32, y1: i32) -> Self {
        PixelBox {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
        }
    }

    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }

    pub fn is_empty(&self) -> bool {
        self.width() <= 0 || self.height() <= 0
    }

    pub fn center(&self) -> (i32, i32) {
        ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
    }

    pub fn contains_point(&self, x: i32, y: i32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }

    /// Shrinks the box by `dx` on the left and right and `dy` on top and bottom.
    pub fn inset(&self, dx: i32, dy: i32) -> Self {
        PixelBox {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            x1: self.x1 - dx,
            y1: self.y1 - dy,
        }
    }

    pub fn union(&self, other: &PixelBox) -> Self {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        PixelBox {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// Pixels between the two boxes where they come nearest (the larger of the gaps
    /// across and down), 0 where they touch or overlap.
    pub fn distance_to(&self, other: &PixelBox) -> i32 {
        let dx = (other.x0 - self.x1).max(self.x0 - other.x1).max(0);
        let dy = (other.y0 - self.y1).max(self.y0 - other.y1).max(0);
        dx.max(dy)
    }

    /// Keeps the box inside an image of the given size.
    pub fn clamp_to(&self, width: u32, height: u32) -> Self {
        let (w, h) = (width as i32, height as i32);
        PixelBox {
            x0: self.x0.clamp(0, w),
            y0: self.y0.clamp(0, h),
            x1: self.x1.clamp(0, w),
            y1: self.y1.clamp(0, h),
        }
    }
}

impl Serialize for PixelBox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.x0, self.y0, self.x1, self.y1].serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_normalized_and_serialized_in_order() {
        let b = PixelBox::from_corners(10, 20, 4, 2);
        assert_eq!((b.x0, b.y0, b.x1, b.y1), (4, 2, 10, 20));
        assert_eq!(serde_json::to_string(&b).unwrap(), "[4,2,10,20]");
    }

    #[test]
    fn union_covers_both_and_ignores_empty() {
        let a = PixelBox::from_corners(0, 0, 10, 10);
        let b = PixelBox::from_corners(5, 5, 20, 20);
        assert_eq!(a.union(&b), PixelBox::from_corners(0, 0, 20, 20));
        assert_eq!(PixelBox::default().union(&b), b);
    }

    #[test]
    fn distance_is_the_widest_gap_and_zero_on_overlap() {
        let a = PixelBox::from_corners(0, 0, 10, 10);
        assert_eq!(a.distance_to(&PixelBox::from_corners(13, 2, 20, 8)), 3);
        assert_eq!(a.distance_to(&PixelBox::from_corners(14, 16, 20, 20)), 6);
        assert_eq!(a.distance_to(&PixelBox::from_corners(5, 5, 20, 20)), 0);
    }
}

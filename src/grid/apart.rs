//! Cells apart: whether two neighbouring lattice cells with no rule found between
//! them are still two cells, because the page shows a value beside its neighbour
//! with a clear channel between them.

use super::faint::Stretch;
use super::px;
use crate::crop::{self, CropOptions};
use crate::geometry::PixelBox;
use crate::normalize::NormalizedPage;

/// Two neighbouring lattice cells with no rule found between them: `before` is left
/// of (or above) `after`, and `stretch` is where the rule would run.
pub(super) struct Boundary {
    pub stretch: Stretch,
    pub before: PixelBox,
    pub after: PixelBox,
}

/// Whether a number stands after `b` (right of it, or below), something printed
/// stands before it (a label, or across a row boundary a number), and a clear channel
/// runs between them. The format prints a value
/// alone in its cell, padded off the rules, and never sets a number across a rule's
/// place; such a pair had a rule between them that the scan lost. An empty cell
/// before the number proves nothing: a value centred in a spanning cell has one.
pub(super) fn value_apart(page: &NormalizedPage, b: &Boundary, dpi: u32) -> bool {
    let opts = CropOptions::default();
    // Rules are not erased yet: ink is looked for well inside the cells, and the
    // channel is a cell's padding wide on each side of the boundary.
    let reach = px(dpi, 0.02).max(3);
    let read =
        |r: PixelBox| crop::analyze(&page.gray, &page.ink, r.inset(reach, reach), dpi, &opts);
    let before = read(b.before);
    // Stacked characters of a label written down a narrow column have clear channels
    // between them too: across a row boundary both sides must be numbers.
    let before_fits = if b.stretch.vertical {
        before.content.is_some()
    } else {
        before.numeric_shape
    };
    if !before_fits || !read(b.after).numeric_shape {
        return false;
    }
    let pos = b.stretch.pos.round() as i32;
    let both = b
        .before
        .union(&b.after)
        .inset(reach, reach)
        .clamp_to(page.ink.width, page.ink.height);
    !crate::blobs::find(both, |x, y| page.ink.get(x, y))
        .iter()
        .any(|blob| {
            let (lo, hi, along) = if b.stretch.vertical {
                (blob.bbox.x0, blob.bbox.x1, blob.bbox.height())
            } else {
                (blob.bbox.y0, blob.bbox.y1, blob.bbox.width())
            };
            // Left alone: the rules bounding both cells, which cross the channel, and
            // what is left of the faded rule itself, a sliver on its line.
            let crossing_rule = along <= 3;
            let remnant = hi - lo <= 3 && ((lo + hi) / 2 - pos).abs() <= 2;
            !crossing_rule && !remnant && lo < pos + reach && hi > pos - reach
        })
}

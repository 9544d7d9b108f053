//! Cells apart: whether two neighbouring lattice cells with no rule found between
//! them are still two cells, because the page shows a value beside its neighbour
//! with a clear channel between them.

use super::faint::Stretch;
use super::px;
use crate::crop::{self, CropOptions};
use crate::geometry::PixelBox;
use crate::normalize::NormalizedPage;

/// Two neighbouring lattice cells with no rule found between them: `before` is left
/// of (or above) `after`, and `stretch` is where the rule would run. `after_to_rule`
/// is `after` carried on to the next rule found: a value centred in a cell that spans
/// lattice columns may sit past the next lattice line, out of `after`.
pub(super) struct Boundary {
    pub stretch: Stretch,
    pub before: PixelBox,
    pub after: PixelBox,
    pub after_to_rule: PixelBox,
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
    if !before_fits {
        return false;
    }
    let blobs_in = |r: PixelBox| {
        let r = r.clamp_to(page.ink.width, page.ink.height);
        crate::blobs::boxes(r, &page.ink)
    };
    // Where a blob lies across the boundary's direction: from, to, and its extent along.
    let across = |(blob, _): &(PixelBox, usize)| {
        if b.stretch.vertical {
            (blob.x0, blob.x1, blob.height())
        } else {
            (blob.y0, blob.y1, blob.width())
        }
    };
    // The value is looked for in the next lattice cell, else on to the next rule when
    // that cell is a blank sliver (two lattice lines close together) or a glyph sits
    // well across the lattice line after it (a value centred in a cell spanning
    // lattice columns): not just any number farther on, which may lie past a second
    // lost rule, nor a rule's remnant on that line read as a 1.
    let blank = || {
        let along_only = if b.stretch.vertical {
            b.after.inset(0, reach)
        } else {
            b.after.inset(reach, 0)
        };
        blobs_in(along_only).is_empty()
    };
    let centred_across = |a: PixelBox| {
        let line = if b.stretch.vertical {
            b.after.x1
        } else {
            b.after.y1
        };
        blobs_in(a.inset(reach, reach)).iter().any(|blob| {
            let (lo, hi, _) = across(blob);
            lo < line - reach && hi > line + reach
        })
    };
    let farther = b.after_to_rule;
    let after = if read(b.after).numeric_shape {
        b.after
    } else if farther != b.after
        && (blank() || centred_across(farther))
        && read(farther).numeric_shape
    {
        farther
    } else {
        return false;
    };
    let pos = b.stretch.pos.round() as i32;
    !blobs_in(b.before.union(&after).inset(reach, reach))
        .iter()
        .any(|blob| {
            let (lo, hi, along) = across(blob);
            // Left alone: the rules bounding both cells, which cross the channel, and
            // what is left of the faded rule itself, a sliver on its line.
            let crossing_rule = along <= 3;
            let remnant = hi - lo <= 3 && ((lo + hi) / 2 - pos).abs() <= 2;
            !crossing_rule && !remnant && lo < pos + reach && hi > pos - reach
        })
}

//! Seals on gray scans: a round seal found by its ring in a page's ink, and its ink,
//! paler than the print it is stamped over, made paper — what
//! [`crate::normalize::luma_without_seal`] does with a colour scan's red.

use crate::blobs;
use crate::geometry::PixelBox;
use crate::normalize::InkMask;
use image::GrayImage;

/// A seal's outline, the ellipse inscribed in `bbox`, and its ink's gray.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seal {
    pub bbox: PixelBox,
    /// The median gray of its ring.
    pub gray: u8,
}

/// How far `(x, y)` lies from the centre of the ellipse inscribed in `bbox`, in radii:
/// 1 on the ellipse.
fn radius_at(bbox: PixelBox, x: i32, y: i32) -> f32 {
    let (rx, ry) = (bbox.width() as f32 / 2.0, bbox.height() as f32 / 2.0);
    let dx = (x as f32 + 0.5 - bbox.x0 as f32) / rx - 1.0;
    let dy = (y as f32 + 0.5 - bbox.y0 as f32) / ry - 1.0;
    (dx * dx + dy * dy).sqrt()
}

/// Sides a seal's ring may have, in inches: official round seals are 38–45 mm across
/// (1.5–1.8 in), oval ones down to 30 mm high; a scan's ring can be ragged or clipped.
const SIDE_IN: (f32, f32) = (1.0, 2.4);

/// How far from its radius a ring's ink lies, in radii: a ring is a thin even line.
/// Around the box's inscribed ellipse the ring is looked for from `FROM.0` to `FROM.1`
/// radii: a glyph touching the ring widens the box a little.
const RING_WIDTH: f32 = 0.04;
const FROM: (f32, f32) = (0.8, 1.2);

/// Share of the ring's way round that must show ink: a ring fades or breaks in places,
/// and glyphs stamped over it hide some.
const RING_COVERED: f32 = 0.85;

/// Just outside the ring, in radii, and the most of the way round it that may show
/// ink: a seal has paper around it but where lines of text run out of it or pass by;
/// a grid's rules and a paragraph's characters go on all round.
const AROUND: (f32, f32) = (1.2, 1.4);
const AROUND_COVERED: f32 = 0.5;

/// Share of a sector's area, on the ring or around it, that must be ink for the sector
/// to show ink: specks of a noisy scan's paper are a few pixels each.
const SECTOR_INKED: f32 = 0.05;

/// The seals of a page whose ring is one blob of `mask` — the sensitive mask that
/// finds faint rules: a seal's ink is often pale and patchy, and the text mask breaks
/// its ring. A line of text running out of the ring widens the blob's box; a round
/// ring is then looked for along it.
pub fn find(gray: &GrayImage, mask: &InkMask, dpi: u32) -> Vec<Seal> {
    let (lo, hi) = (
        (SIDE_IN.0 * dpi as f32) as i32,
        (SIDE_IN.1 * dpi as f32) as i32,
    );
    let page = PixelBox::from_corners(0, 0, mask.width as i32, mask.height as i32);
    blobs::boxes(page, mask)
        .into_iter()
        .map(|(bbox, _)| bbox)
        .filter(|b| {
            (lo..=hi).contains(&b.width().min(b.height())) && b.width().max(b.height()) <= 2 * hi
        })
        .filter_map(|b| ring_in(b, mask))
        .filter_map(|bbox| {
            let mut ring: Vec<u8> = (bbox.y0..bbox.y1)
                .flat_map(|y| (bbox.x0..bbox.x1).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let r = radius_at(bbox, x, y);
                    (r - 1.0).abs() <= RING_WIDTH && mask.get(x as u32, y as u32)
                })
                .map(|(x, y)| gray.get_pixel(x as u32, y as u32).0[0])
                .collect();
            quantile(&mut ring, 0.5).map(|gray| Seal { bbox, gray })
        })
        .collect()
}

/// The ring within `blob`'s box: the ellipse inscribed in the box, or a circle as
/// high (or wide) as the box slid along its length, whichever is covered best, if
/// that one is shaped as a ring.
fn ring_in(blob: PixelBox, mask: &InkMask) -> Option<PixelBox> {
    let side = blob.width().min(blob.height());
    let slack = blob.width().max(blob.height()) - side;
    let step = (side / 20).max(1);
    let circles = (0..=slack).step_by(step as usize).map(|d| {
        if blob.width() > blob.height() {
            PixelBox::from_corners(blob.x0 + d, blob.y0, blob.x0 + d + side, blob.y1)
        } else {
            PixelBox::from_corners(blob.x0, blob.y0 + d, blob.x1, blob.y0 + d + side)
        }
    });
    let ellipse = (blob.width().max(blob.height()) * 5 <= side * 8).then_some(blob);
    (ellipse.into_iter().chain(circles))
        .filter_map(|b| ring_shape(b, mask))
        .inspect(|(ring, on, around)| log::debug!("ring {ring:?}: {on:.2} on, {around:.2} around"))
        .filter(|&(_, on, around)| on >= RING_COVERED && around <= AROUND_COVERED)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(ring, _, _)| ring)
}

/// The ring in `bbox`: the ellipse inscribed in it shrunk or grown to where most ink
/// lies, with how much of the way round that ellipse shows ink of `mask`, on it and
/// just outside it ([`AROUND`]); `None` unless most ink near the box's ellipse lies at
/// one radius, as a ring's thin line does (the rules of a grid or a paragraph's
/// strokes lie at every radius).
fn ring_shape(bbox: PixelBox, mask: &InkMask) -> Option<(PixelBox, f32, f32)> {
    const BINS: usize = 40;
    const SECTORS: usize = 72;
    let reach = |side: i32| (side as f32 * (AROUND.1 - 1.0) / 2.0) as i32;
    let square = bbox
        .inset(-reach(bbox.width()), -reach(bbox.height()))
        .clamp_to(mask.width, mask.height);
    let inked = || {
        (square.y0..square.y1)
            .flat_map(|y| (square.x0..square.x1).map(move |x| (x, y)))
            .filter(|&(x, y)| mask.get(x as u32, y as u32))
    };
    let bin_width = (FROM.1 - FROM.0) / BINS as f32;
    let mut bins = [0usize; BINS];
    for (x, y) in inked() {
        let r = radius_at(bbox, x, y);
        if (FROM.0..FROM.1).contains(&r) {
            bins[((r - FROM.0) / bin_width) as usize % BINS] += 1;
        }
    }
    let window = (2.0 * RING_WIDTH / bin_width) as usize;
    let in_window = |k: usize| bins[k..k + window].iter().sum::<usize>();
    let densest = (0..=BINS - window).max_by_key(|&k| in_window(k))?;
    if in_window(densest) * 2 < bins.iter().sum::<usize>() {
        return None;
    }
    let scale = FROM.0 + (densest as f32 + window as f32 / 2.0) * bin_width;
    let (cx, cy) = bbox.center();
    let (rx, ry) = (
        (bbox.width() as f32 * scale / 2.0) as i32,
        (bbox.height() as f32 * scale / 2.0) as i32,
    );
    let ring = PixelBox::from_corners(cx - rx, cy - ry, cx + rx, cy + ry);
    let (mut on, mut around) = ([0usize; SECTORS], [0usize; SECTORS]);
    for (x, y) in inked() {
        let r = radius_at(ring, x, y);
        let sectors = if (r - 1.0).abs() <= RING_WIDTH {
            &mut on
        } else if (AROUND.0..=AROUND.1).contains(&r) {
            &mut around
        } else {
            continue;
        };
        let angle = ((y - cy) as f32).atan2((x - cx) as f32);
        let k = ((angle / std::f32::consts::TAU + 0.5) * SECTORS as f32) as usize;
        sectors[k.min(SECTORS - 1)] += 1;
    }
    // A sector shows ink when some of its area is ink, not a speck or two of noise.
    let radius = (rx + ry) as f32 / 2.0;
    let covered = |counts: &[usize; SECTORS], (from, to): (f32, f32)| {
        let area = (to - from) * radius * std::f32::consts::TAU * radius * (from + to)
            / 2.0
            / SECTORS as f32;
        let least = (SECTOR_INKED * area).max(1.0) as usize;
        counts.iter().filter(|&&n| n >= least).count() as f32 / SECTORS as f32
    };
    Some((
        ring,
        covered(&on, (1.0 - RING_WIDTH, 1.0 + RING_WIDTH)),
        covered(&around, AROUND),
    ))
}

/// Fewest gray levels a seal's ink must be paler than the print for the two to be told
/// apart: a stroke's edge is paler than its middle by about as much.
const PALER_BY: u32 = 30;

/// Where a seal's ink is made paper, in radii of its ring: past the ring's outer edge,
/// with room for a ring fitted a little off its ink.
const ERASED_WITHIN: f32 = 1.0 + 3.0 * RING_WIDTH;

/// The print's darkest strokes, which pale ink joined to them is kept with: darker than
/// this share (percent) of the way from the print's gray to the seal's.
const DARKEST_PRINT: u32 = 30;

/// How far along pale ink from the print's darkest strokes that ink is kept as print,
/// in inches: on gray copies of the bench's scans, 0.025 in kept more dates than
/// keeping none or 0.05 in (which keeps more of the seal where it touches the print).
const JOINED_IN: f32 = 0.025;

/// Makes paper of each seal's ink, paler than the print stamped under it. Within the
/// ring, the print's gray is that of the darkest few pixels, the paper's the median.
/// Ink darker than halfway from the print to the seal is print (ink over ink is
/// darker than either, so print under the seal stays), and so is paler ink joined to
/// the print's darkest strokes within `JOINED_IN`: a serif face's thin strokes are
/// as pale as the seal on a scan, but they run from thick ones. Returns whether any
/// pixel changed. A seal as dark as the print is left: nothing in the gray tells them
/// apart.
pub fn erase(gray: &mut GrayImage, seals: &[Seal], dpi: u32) -> bool {
    let reach = (JOINED_IN * dpi as f32).round() as u32;
    let mut changed = false;
    for seal in seals {
        changed |= erase_one(gray, seal, reach);
    }
    changed
}

fn erase_one(gray: &mut GrayImage, seal: &Seal, reach: u32) -> bool {
    let b = seal.bbox;
    let margin = |side: i32| (side as f32 * (ERASED_WITHIN - 1.0) / 2.0).ceil() as i32;
    let square = b
        .inset(-margin(b.width()), -margin(b.height()))
        .clamp_to(gray.width(), gray.height());
    if square.is_empty() {
        return false;
    }
    let (x0, y0, w) = (square.x0, square.y0, square.width() as usize);
    let local = image::imageops::crop_imm(
        gray,
        x0 as u32,
        y0 as u32,
        square.width() as u32,
        square.height() as u32,
    )
    .to_image();
    let pixels = local.as_raw();
    let at = |i: usize| (x0 + (i % w) as i32, y0 + (i / w) as i32);
    let in_disc: Vec<bool> = (0..pixels.len())
        .map(|i| {
            let (x, y) = at(i);
            radius_at(b, x, y) <= ERASED_WITHIN
        })
        .collect();
    let mut values: Vec<u8> = (pixels.iter().zip(&in_disc))
        .filter(|(_, &inside)| inside)
        .map(|(&v, _)| v)
        .collect();
    let (Some(print), Some(paper)) = (quantile(&mut values, 0.02), quantile(&mut values, 0.5))
    else {
        return false;
    };
    log::debug!(
        "seal {b:?}: gray {}, print {print}, paper {paper}",
        seal.gray
    );
    let (print, own) = (print as u32, seal.gray as u32);
    if own < print + PALER_BY {
        return false;
    }
    let darkest = (print + (own - print) * DARKEST_PRINT / 100) as u8;
    let cut = ((print + own) / 2) as u8;
    let kept = joined(pixels, w, &in_disc, |v| v <= darkest, |v| v < paper, reach);
    let mut changed = false;
    for (i, &v) in pixels.iter().enumerate() {
        if in_disc[i] && !kept[i] && v > cut && v < paper {
            let (x, y) = at(i);
            gray.put_pixel(x as u32, y as u32, image::Luma([paper]));
            changed = true;
        }
    }
    changed
}

/// Which of the `width`-wide row-major `pixels` inside `inside` lie within `reach`
/// 8-connected steps of a `seed` pixel, stepping through `passable` ones only.
fn joined(
    pixels: &[u8],
    width: usize,
    inside: &[bool],
    seed: impl Fn(u8) -> bool,
    passable: impl Fn(u8) -> bool,
    reach: u32,
) -> Vec<bool> {
    let height = pixels.len() / width;
    let mut steps = vec![u32::MAX; pixels.len()];
    let mut queue = std::collections::VecDeque::new();
    for i in (0..pixels.len()).filter(|&i| inside[i] && seed(pixels[i])) {
        steps[i] = 0;
        queue.push_back(i);
    }
    while let Some(i) = queue.pop_front() {
        if steps[i] >= reach {
            continue;
        }
        let (x, y) = (i % width, i / width);
        for ny in y.saturating_sub(1)..(y + 2).min(height) {
            for nx in x.saturating_sub(1)..(x + 2).min(width) {
                let j = ny * width + nx;
                if steps[j] == u32::MAX && inside[j] && passable(pixels[j]) {
                    steps[j] = steps[i] + 1;
                    queue.push_back(j);
                }
            }
        }
    }
    steps.into_iter().map(|s| s != u32::MAX).collect()
}

/// The value `q` (0…1) of the way up `values`.
fn quantile(values: &mut [u8], q: f32) -> Option<u8> {
    if values.is_empty() {
        return None;
    }
    let k = ((values.len() - 1) as f32 * q) as usize;
    Some(*values.select_nth_unstable(k).1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A 100 dpi page of paper 240 with a ring of gray `seal` (1.6 in across) over two
    /// dark bars of print (gray 60) crossing it, and a bar of print elsewhere.
    fn stamped_page(seal: u8) -> GrayImage {
        let mut page = GrayImage::from_pixel(400, 400, Luma([240]));
        let (cx, cy, r) = (200.0f32, 200.0f32, 80.0f32);
        for y in 0..400u32 {
            for x in 0..400u32 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let on_ring = (d - r).abs() <= 2.0;
                let on_star = d < 20.0;
                let print = ((190..196).contains(&y) || (215..221).contains(&y))
                    && (140..290).contains(&x)
                    || ((40..46).contains(&y) && (40..300).contains(&x));
                let v = match (print, on_ring || on_star) {
                    (true, true) => 40,
                    (true, false) => 60,
                    (false, true) => seal,
                    (false, false) => 240,
                };
                page.put_pixel(x, y, Luma([v]));
            }
        }
        page
    }

    fn ink_of(gray: &GrayImage) -> InkMask {
        InkMask::from_gray_threshold(gray, 200)
    }

    #[test]
    fn a_pale_ring_is_found_and_made_paper_and_the_print_under_it_kept() {
        let mut page = stamped_page(170);
        let ink = ink_of(&page);
        let seals = find(&page, &ink, 100);
        assert_eq!(seals.len(), 1);
        assert_eq!(seals[0].gray, 170);
        let b = seals[0].bbox;
        assert!((b.x0 - 120).abs() <= 3 && (b.y1 - 280).abs() <= 3, "{b:?}");
        assert!(erase(&mut page, &seals, 100));
        // The ring and the star are paper but near the print crossing them; the print stays.
        assert_eq!(page.get_pixel(200, 121).0[0], 240);
        assert_eq!(page.get_pixel(200, 182).0[0], 240);
        assert_eq!(page.get_pixel(200, 197).0[0], 170);
        assert_eq!(page.get_pixel(150, 192).0[0], 60);
        assert_eq!(page.get_pixel(279, 193).0[0], 40);
    }

    #[test]
    fn a_ring_a_line_of_print_runs_out_of_is_found_round() {
        let mut page = stamped_page(170);
        for y in 230..236 {
            for x in 200..370 {
                page.put_pixel(x, y, Luma([60]));
            }
        }
        let seals = find(&page, &ink_of(&page), 100);
        assert_eq!(seals.len(), 1);
        let b = seals[0].bbox;
        assert!((b.x0 - 120).abs() <= 3 && (b.x1 - 280).abs() <= 3, "{b:?}");
    }

    #[test]
    fn a_seal_as_dark_as_the_print_is_left() {
        let mut page = stamped_page(80);
        let before = page.clone();
        let ink = ink_of(&page);
        let seals = find(&page, &ink, 100);
        assert_eq!(seals.len(), 1);
        assert!(!erase(&mut page, &seals, 100));
        assert_eq!(page, before);
    }

    #[test]
    fn a_grid_and_a_block_of_print_are_no_seals() {
        let mut page = GrayImage::from_pixel(400, 400, Luma([240]));
        for y in 0..400u32 {
            for x in 0..400u32 {
                let on = |a: u32, b: u32| {
                    (20..=180).contains(&a) && (20..=182).contains(&b) && (b - 20) % 40 < 2
                };
                let rule = on(x, y) || on(y, x);
                let block = (220..380).contains(&x) && (220..380).contains(&y);
                if rule || block {
                    page.put_pixel(x, y, Luma([60]));
                }
            }
        }
        assert!(find(&page, &ink_of(&page), 100).is_empty());
    }
}

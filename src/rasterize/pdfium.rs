//! PDFs through the pdfium shared library: where pdfium is found, pages rendered
//! straight to gray, and the text layer of born-digital pages.

use super::MIN_TEXT_LAYER_CHARS;
use super::{shrunk_toward, Limits, LoadOptions, PageImage, PdfRasterizer, TextChar};
use crate::error::{Error, Result};
use crate::geometry::PixelBox;
use crate::normalize::luma_without_seal;
use image::GrayImage;
use std::path::{Path, PathBuf};

/// PDFs through the pdfium shared library.
pub struct PdfiumRasterizer {
    pdfium: pdfium_render::prelude::Pdfium,
}

/// Where the set-up script puts pdfium, relative to the project root.
pub const BUNDLED_PDFIUM: &str = ".nianbao/lib/libpdfium.so";

impl PdfiumRasterizer {
    /// Loads pdfium from `explicit`, else `$NIANBAO_PDFIUM`, else the set-up script's copy
    /// (beside the working directory or the executable), else the system library.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        use pdfium_render::prelude::Pdfium;
        let mut tried: Vec<PathBuf> = Vec::new();
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(p) = explicit {
            candidates.push(p.to_path_buf());
        } else {
            if let Some(p) = std::env::var_os("NIANBAO_PDFIUM") {
                candidates.push(PathBuf::from(p));
            }
            candidates.push(PathBuf::from(BUNDLED_PDFIUM));
            if let Ok(exe) = std::env::current_exe() {
                // target/{debug,release}/nianbao → project root is three levels up.
                for up in exe.ancestors().skip(1).take(4) {
                    candidates.push(up.join(BUNDLED_PDFIUM));
                }
            }
        }
        for c in &candidates {
            if c.is_file() {
                match Pdfium::bind_to_library(c) {
                    Ok(b) => {
                        return Ok(Self {
                            pdfium: Pdfium::new(b),
                        })
                    }
                    Err(e) => log::warn!("{}: cannot load pdfium: {e}", c.display()),
                }
            }
            tried.push(c.clone());
        }
        if explicit.is_none() {
            if let Ok(b) = Pdfium::bind_to_system_library() {
                return Ok(Self {
                    pdfium: Pdfium::new(b),
                });
            }
        }
        let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        Err(Error::PdfiumUnavailable {
            reason: format!(
                "tried {} and the system library; run scripts/setup.sh or pass --pdfium PATH",
                list.join(", ")
            ),
        })
    }
}

impl PdfRasterizer for PdfiumRasterizer {
    fn pdf_pages(&self, bytes: &[u8], path: &Path, opts: &LoadOptions) -> Result<Vec<PageImage>> {
        use pdfium_render::prelude::*;
        let pdf_err = |e: PdfiumError| Error::Pdf {
            path: path.to_path_buf(),
            reason: pdf_reason(&e),
        };
        let doc = self
            .pdfium
            .load_pdf_from_byte_slice(bytes, opts.password.as_deref())
            .map_err(|e| match e {
                PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
                    Error::Encrypted {
                        path: path.to_path_buf(),
                        given: opts.password.is_some(),
                    }
                }
                e => pdf_err(e),
            })?;
        opts.check_page_count(path, doc.pages().len() as usize)?;
        let dpi = opts.dpi;
        let mut pages = Vec::new();
        for (index, page) in doc.pages().iter().enumerate() {
            if !opts.wants(index + 1) {
                continue;
            }
            let (w_pt, h_pt) = (page.width().value, page.height().value);
            if !(w_pt > 1.0 && h_pt > 1.0) {
                return Err(Error::Pdf {
                    path: path.to_path_buf(),
                    reason: format!("page {} has no size", index + 1),
                });
            }
            let px = |pt: f32| (pt as f64 / 72.0 * dpi as f64).round() as u64;
            opts.limits
                .check_page(path, index + 1, px(w_pt), px(h_pt))?;
            let text_chars = page
                .text()
                .map(|t| {
                    t.chars()
                        .iter()
                        .filter(|c| c.unicode_char().is_some_and(|ch| !ch.is_whitespace()))
                        .count()
                })
                .unwrap_or(0);
            let scanned = if text_chars < MIN_TEXT_LAYER_CHARS {
                single_page_image(&page, w_pt, h_pt, &opts.limits)
            } else {
                None
            };
            let (gray, page_dpi, text_layer) = match scanned {
                Some((img, native_dpi)) => {
                    let (img, dpi) = shrunk_toward(img, native_dpi, opts.max_scan_dpi);
                    (img, dpi, None)
                }
                None => {
                    let width_px = (w_pt / 72.0 * dpi as f32).round() as i32;
                    let config = PdfRenderConfig::new()
                        .set_target_width(width_px)
                        .render_form_data(false);
                    let img = page
                        .render_with_config(&config)
                        .and_then(|b| bitmap_gray(&b))
                        .map_err(pdf_err)?;
                    let layer = (text_chars >= MIN_TEXT_LAYER_CHARS)
                        .then(|| text_layer(&page, h_pt, img.width() as f32 / w_pt))
                        .transpose()
                        .map_err(pdf_err)?;
                    (img, dpi, layer)
                }
            };
            pages.push(PageImage {
                number: index + 1,
                gray,
                dpi: page_dpi,
                text_layer,
            });
        }
        Ok(pages)
    }
}

/// What pdfium's error means to a person: its own names say little ("FormatError").
fn pdf_reason(e: &pdfium_render::prelude::PdfiumError) -> String {
    use pdfium_render::prelude::{PdfiumError, PdfiumInternalError};
    match e {
        PdfiumError::PdfiumLibraryInternalError(internal) => match internal {
            PdfiumInternalError::FormatError => {
                "damaged or truncated: its structure cannot be parsed".into()
            }
            PdfiumInternalError::FileError => "the file cannot be read".into(),
            PdfiumInternalError::SecurityError => "its security handler is not supported".into(),
            PdfiumInternalError::PageError => "a page cannot be loaded".into(),
            other => format!("pdfium failed ({other:?})"),
        },
        other => other.to_string(),
    }
}

/// A scanner's page is one image covering the page: take it at its own resolution,
/// so no resampling blurs the strokes.
fn single_page_image(
    page: &pdfium_render::prelude::PdfPage,
    w_pt: f32,
    h_pt: f32,
    limits: &Limits,
) -> Option<(GrayImage, u32)> {
    use pdfium_render::prelude::*;
    let objects = page.objects();
    if objects.len() != 1 {
        return None;
    }
    let object = objects.get(0).ok()?;
    let image_object = object.as_image_object()?;
    let bounds = object.bounds().ok()?;
    let covered = (bounds.width().value * bounds.height().value) / (w_pt * h_pt);
    if covered < 0.9 {
        return None;
    }
    // An image stated larger than a page may be is not decoded here; the page is
    // rendered at the set resolution instead, within the limit checked above.
    let (w, h) = (image_object.width().ok()?, image_object.height().ok()?);
    if (w.max(0) as u64).saturating_mul(h.max(0) as u64) > limits.max_page_pixels {
        return None;
    }
    let raw = bitmap_gray(&image_object.get_raw_bitmap().ok()?).ok()?;
    let dpi = (raw.width() as f32 / (w_pt / 72.0)).round() as u32;
    // Landscape-stored images on portrait pages would need the page matrix; render those.
    let same_aspect = ((raw.width() as f32 / raw.height() as f32) - (w_pt / h_pt)).abs() < 0.05;
    (same_aspect && (50..=1200).contains(&dpi)).then_some((raw, dpi))
}

/// A pdfium bitmap straight to gray: its BGR rows read once, not converted to RGBA
/// and RGB first (two whole-page copies, a tenth of a scan's conversion time).
fn bitmap_gray(
    bitmap: &pdfium_render::prelude::PdfBitmap,
) -> Result<GrayImage, pdfium_render::prelude::PdfiumError> {
    use pdfium_render::prelude::{PdfBitmapFormat, PdfiumError};
    let (w, h) = (
        bitmap.width().max(0) as usize,
        bitmap.height().max(0) as usize,
    );
    let bytes = bitmap.as_raw_bytes();
    let stride = bytes.len().checked_div(h).unwrap_or(0);
    #[allow(deprecated)] // BGRx: pdfium still reports it for some images
    let channels = match bitmap.format()? {
        PdfBitmapFormat::Gray => 1,
        PdfBitmapFormat::BGR => 3,
        PdfBitmapFormat::BGRA | PdfBitmapFormat::BGRx => 4,
    };
    if stride < w * channels {
        return Err(PdfiumError::ImageError);
    }
    let mut gray = vec![0u8; w * h];
    for (out, row) in gray.chunks_exact_mut(w).zip(bytes.chunks_exact(stride)) {
        match channels {
            1 => out.copy_from_slice(&row[..w]),
            3 => bgr_row_to_gray(&row[..w * 3], out),
            _ => bgrx_row_to_gray(&row[..w * 4], out),
        }
    }
    GrayImage::from_raw(w as u32, h as u32, gray).ok_or(PdfiumError::ImageError)
}

crate::simd::avx2_or_portable! {
    /// A row of BGRx pixels to gray without the seal ([`luma_without_seal`]).
    fn bgrx_row_to_gray(row: &[u8], out: &mut [u8]) = bgrx_row_to_gray_portable;
}

crate::simd::avx2_or_portable! {
    /// A row of BGR pixels (as pdfium decodes a scan's JPEG) to gray without the seal.
    fn bgr_row_to_gray(row: &[u8], out: &mut [u8]) = bgr_row_to_gray_portable;
}

/// [`bgrx_row_to_gray`] with each pixel taken as one little-endian word: shifts and
/// masks of words, unlike picking bytes out of every fourth, compile to vector
/// instructions.
#[inline(always)]
fn bgrx_row_to_gray_portable(row: &[u8], out: &mut [u8]) {
    for (o, p) in out.iter_mut().zip(row.chunks_exact(4)) {
        *o = word_gray(u32::from_le_bytes([p[0], p[1], p[2], p[3]]));
    }
}

/// [`bgr_row_to_gray`] a vector's width of pixels at a time, each pixel loaded as one
/// word as [`bgrx_row_to_gray_portable`] does, its three bytes and the next pixel's
/// first: the compiler gathers words, not single bytes, and the arithmetic runs on
/// whole vectors. The last pixels go one at a time, as the last has no byte after it.
#[inline(always)]
fn bgr_row_to_gray_portable(row: &[u8], out: &mut [u8]) {
    const LANES: usize = 16;
    let mut x = 0;
    while 3 * (x + LANES) < row.len() {
        let p = &row[3 * x..3 * (x + LANES) + 1];
        for (i, o) in out[x..x + LANES].iter_mut().enumerate() {
            let at = 3 * i;
            *o = word_gray(u32::from_le_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]]));
        }
        x += LANES;
    }
    for (o, p) in out[x..].iter_mut().zip(row[3 * x..].chunks_exact(3)) {
        *o = luma_without_seal(p[2], p[1], p[0]);
    }
}

/// The gray of a pixel held as a little-endian word, blue in its low byte; its top
/// byte is not looked at.
#[inline(always)]
fn word_gray(word: u32) -> u8 {
    let (b, g, r) = (word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff);
    luma_without_seal(r as u8, g as u8, b as u8)
}

fn text_layer(
    page: &pdfium_render::prelude::PdfPage,
    h_pt: f32,
    px_per_pt: f32,
) -> Result<Vec<TextChar>, pdfium_render::prelude::PdfiumError> {
    let text = page.text()?;
    let mut out = Vec::new();
    for c in text.chars().iter() {
        let Some(ch) = c.unicode_char() else { continue };
        if ch.is_whitespace() || ch.is_control() {
            continue;
        }
        let Ok(r) = c.loose_bounds() else { continue };
        let to_px = |v: f32| (v * px_per_pt).round() as i32;
        out.push(TextChar {
            ch,
            bbox: PixelBox::from_corners(
                to_px(r.left().value),
                to_px(h_pt - r.top().value),
                to_px(r.right().value),
                to_px(h_pt - r.bottom().value),
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::prop_assert_eq;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(20261124), ..Default::default() })]
        /// Rows of BGR and BGRx pixels come out as each pixel's gray one at a time,
        /// built for this processor or for any: rows short of one vector, of several,
        /// and remainders of every length.
        #[test]
        fn rows_are_each_pixels_gray(bytes in proptest::collection::vec(0u8..=255, 0..4 * 70)) {
            type RowToGray = fn(&[u8], &mut [u8]);
            let builds: [(usize, RowToGray, RowToGray); 2] = [
                (3, bgr_row_to_gray, bgr_row_to_gray_portable),
                (4, bgrx_row_to_gray, bgrx_row_to_gray_portable),
            ];
            for (size, fast, portable) in builds {
                let row = &bytes[..bytes.len() / size * size];
                let expected: Vec<u8> = (row.chunks_exact(size))
                    .map(|p| luma_without_seal(p[2], p[1], p[0]))
                    .collect();
                for build in [fast, portable] {
                    let mut out = vec![0; expected.len()];
                    build(row, &mut out);
                    prop_assert_eq!(&out, &expected);
                }
            }
        }
    }
}

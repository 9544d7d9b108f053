//! Rasterize: turns an input file (PDF, PNG, JPEG, TIFF) into grayscale page images
//! at a known dpi, plus the text layer of born-digital PDF pages.

use crate::error::{Error, Result};
use crate::geometry::PixelBox;
use crate::normalize::to_gray;
use image::{DynamicImage, GrayImage};
use std::io::Cursor;
use std::path::Path;

/// One page, ready for the later stages.
pub struct PageImage {
    /// 1-based page number.
    pub number: usize,
    pub gray: GrayImage,
    pub dpi: u32,
    /// Characters of a born-digital page's text layer, in this image's pixels.
    pub text_layer: Option<Vec<TextChar>>,
}

/// One character of a PDF text layer.
#[derive(Clone, Debug)]
pub struct TextChar {
    pub ch: char,
    pub bbox: PixelBox,
}

/// How inputs are loaded: the resolution PDFs are rendered at, the limits that guard
/// against inputs too large to hold, and a PDF's password.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Resolution for rendering PDF pages that are not a single scanned image: 300 dpi
    /// is what archives scan at and what Tesseract's models read best.
    pub dpi: u32,
    pub limits: Limits,
    /// Opens encrypted PDFs; none by default, as reports are published open.
    pub password: Option<String>,
    /// Only this page (numbered from 1), the others skipped undecoded: the review's
    /// page view shows one page of a report that may run to forty. All by default.
    pub only_page: Option<usize>,
    /// Scanned pages finer than this are read shrunk toward it ([`shrunk_toward`]):
    /// 300 dpi draws the format's smallest print (9 pt) several pixels a stroke, and
    /// 600 dpi scans read as they are took twice as long and as much memory again, for
    /// no more cells right (`bench/fine.sh`).
    pub max_scan_dpi: u32,
}

impl LoadOptions {
    fn wants(&self, page: usize) -> bool {
        self.only_page.is_none_or(|only| only == page)
    }

    /// The page-count limit guards the work of reading every page; one page asked
    /// (a report converted with a raised `--max-pages`, shown a page at a time) is one
    /// page's work whatever the count.
    fn check_page_count(&self, path: &Path, pages: usize) -> Result<()> {
        match self.only_page {
            Some(_) => Ok(()),
            None => self.limits.check_pages(path, pages),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            dpi: 300,
            limits: Limits::default(),
            password: None,
            only_page: None,
            max_scan_dpi: 300,
        }
    }
}

/// Sizes past which an input is refused before it is decoded, each with an option
/// to raise it. A decompression bomb states its size in a few bytes; these turn it
/// into an error instead of an allocation the machine cannot make.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Pixels of one page: 150 million holds an A3 page at 600 dpi (70 M) or A4 at
    /// 1200 dpi (140 M), while its colour decode (450 MB) still fits beside a worker.
    pub max_page_pixels: u64,
    /// Pages of one document: a year's report runs to 5–40 pages; 500 lets a bound
    /// volume of them through and stops a runaway page tree.
    pub max_pages: usize,
    /// Bytes of one input file: the file is read whole; 512 MiB is ten times the
    /// largest scanned report seen and a fraction of a worker's memory.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_page_pixels: 150_000_000,
            max_pages: 500,
            max_file_bytes: 512 << 20,
        }
    }
}

impl Limits {
    fn check_page(&self, path: &Path, page: usize, width: u64, height: u64) -> Result<()> {
        let pixels = width.saturating_mul(height);
        if pixels > self.max_page_pixels {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                what: format!(
                    "page {page} is {width} × {height} pixels ({} million), over the limit of {} million",
                    pixels / 1_000_000,
                    self.max_page_pixels / 1_000_000
                ),
                option: "--max-page-pixels",
            });
        }
        Ok(())
    }

    fn check_pages(&self, path: &Path, pages: usize) -> Result<()> {
        if pages > self.max_pages {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                what: format!("{pages} pages, over the limit of {}", self.max_pages),
                option: "--max-pages",
            });
        }
        Ok(())
    }
}

/// The PDF side of rasterizing, behind a trait so later stages test without pdfium.
pub trait PdfRasterizer: Sync {
    fn pdf_pages(&self, bytes: &[u8], path: &Path, opts: &LoadOptions) -> Result<Vec<PageImage>>;
}

/// Pages with fewer text-layer characters than this are treated as scans: a scanner's
/// PDF may carry a stray invisible character or two, a real text page has hundreds.
const MIN_TEXT_LAYER_CHARS: usize = 20;

/// Reads any supported input file into page images, with its bytes.
pub fn load_pages(
    path: &Path,
    pdf: &dyn PdfRasterizer,
    opts: &LoadOptions,
) -> Result<(Vec<u8>, Vec<PageImage>)> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if size > opts.limits.max_file_bytes {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            what: format!(
                "{} MiB, over the limit of {} MiB",
                size >> 20,
                opts.limits.max_file_bytes >> 20
            ),
            option: "--max-file-mb",
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let pages = pages_from_bytes(&bytes, path, pdf, opts)?;
    Ok((bytes, pages))
}

/// The pages of a file already read; `path` names it in errors.
pub fn pages_from_bytes(
    bytes: &[u8],
    path: &Path,
    pdf: &dyn PdfRasterizer,
    opts: &LoadOptions,
) -> Result<Vec<PageImage>> {
    if bytes.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let pages = match sniff(bytes) {
        Some(Format::Pdf) => pdf.pdf_pages(bytes, path, opts)?,
        Some(Format::Tiff) => tiff_pages(bytes, path, opts)?,
        Some(Format::Png | Format::Jpeg) if !opts.wants(1) => Vec::new(),
        Some(format @ (Format::Png | Format::Jpeg)) => {
            let img = single_image(bytes, path, format, &opts.limits)?;
            let (gray, dpi) = image_as_read(&img, opts);
            vec![PageImage {
                number: 1,
                gray,
                dpi,
                text_layer: None,
            }]
        }
        None => {
            return Err(Error::UnknownFormat {
                path: path.to_path_buf(),
            })
        }
    };
    if pages.is_empty() {
        return Err(Error::NoPages {
            path: path.to_path_buf(),
        });
    }
    Ok(pages)
}

/// A PNG or JPEG, its size checked from its header before its pixels are decoded.
fn single_image(
    bytes: &[u8],
    path: &Path,
    format: Format,
    limits: &Limits,
) -> Result<DynamicImage> {
    let format = match format {
        Format::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    };
    let reader = || image::ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|e| image_error(path, e))?;
    limits.check_page(path, 1, w as u64, h as u64)?;
    let mut reader = reader();
    // The decoder's own cap, for what the header does not tell (a PNG's chunks).
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_page_pixels.saturating_mul(8));
    reader.limits(decoder_limits);
    reader.decode().map_err(|e| image_error(path, e))
}

enum Format {
    Pdf,
    Png,
    Jpeg,
    Tiff,
}

/// Whether `head`, a file's first bytes (1024 suffice), starts a file this tool reads.
pub fn is_supported(head: &[u8]) -> bool {
    sniff(head).is_some()
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    // A PDF may carry junk before its header; the format allows 1024 bytes of it.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Some(Format::Pdf)
    } else if bytes.starts_with(b"\x89PNG") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(Format::Tiff)
    } else {
        None
    }
}

fn image_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Image {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A scan at `dpi` shrunk by the whole factor that brings it nearest `max_dpi`, when
/// that is 2 or more (600 dpi to 300, 1200 to 300, 450 to 225; 400 stays): each pixel
/// the mean of its block, so thin strokes fade to gray instead of breaking. A whole
/// factor keeps the page's dpi whole and its blocks aligned; the few pixels past the
/// last whole block at the right and foot are margin.
pub fn shrunk_toward(gray: GrayImage, dpi: u32, max_dpi: u32) -> (GrayImage, u32) {
    let k = (dpi as f32 / max_dpi.max(1) as f32).round() as u32;
    let (w, h) = (gray.width() / k.max(1), gray.height() / k.max(1));
    if k < 2 || w == 0 || h == 0 {
        return (gray, dpi);
    }
    let (k_us, w_us) = (k as usize, w as usize);
    let mut columns = vec![0u32; w_us * k_us];
    let mut out = Vec::with_capacity(w_us * h as usize);
    let area = k * k;
    // Down each column first, a block's rows a row at a time (in memory order), then
    // across each block of k columns.
    for rows in gray.as_raw().chunks_exact(gray.width() as usize * k_us) {
        columns.fill(0);
        for row in rows.chunks_exact(gray.width() as usize) {
            for (c, &v) in columns.iter_mut().zip(row) {
                *c += v as u32;
            }
        }
        out.extend(
            (columns.chunks_exact(k_us))
                .map(|block| ((block.iter().sum::<u32>() + area / 2) / area) as u8),
        );
    }
    let gray = GrayImage::from_raw(w, h, out).expect("w × h pixels");
    (gray, (dpi + k / 2) / k)
}

/// An image file's page as it is read: gray, at its dpi ([`guess_dpi`]) or shrunk
/// toward the most ([`shrunk_toward`]).
fn image_as_read(img: &DynamicImage, opts: &LoadOptions) -> (GrayImage, u32) {
    let dpi = guess_dpi(img.width(), img.height(), opts.dpi);
    shrunk_toward(to_gray(img), dpi, opts.max_scan_dpi)
}

/// Image files rarely carry a trustworthy dpi; an A4 page's pixel width tells it.
fn guess_dpi(width: u32, height: u32, fallback: u32) -> u32 {
    let short_side_px = width.min(height) as f64;
    // A4 short side is 8.27 in; accept only page-like images.
    let dpi = short_side_px / 8.27;
    if (70.0..=1200.0).contains(&dpi) {
        dpi.round() as u32
    } else {
        fallback
    }
}

fn tiff_pages(bytes: &[u8], path: &Path, opts: &LoadOptions) -> Result<Vec<PageImage>> {
    let mut decoder =
        tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(|e| image_error(path, e))?;
    let mut pages = Vec::new();
    for number in 1.. {
        let (w, h) = decoder.dimensions().map_err(|e| image_error(path, e))?;
        opts.limits.check_page(path, number, w as u64, h as u64)?;
        opts.check_page_count(path, number)?;
        if opts.wants(number) {
            let img = tiff_page(&mut decoder, path, w, h)?;
            let (gray, dpi) = image_as_read(&img, opts);
            pages.push(PageImage {
                number,
                gray,
                dpi,
                text_layer: None,
            });
        }
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(|e| image_error(path, e))?;
    }
    Ok(pages)
}

/// The pixels of the TIFF page the decoder is at, `w` × `h`: gray of 1 bit (a bilevel
/// scan, Group 4 fax-compressed as archives keep them), 8 or 16 bits, RGB or RGBA of 8.
/// The decoder turns WhiteIsZero pages to BlackIsZero.
fn tiff_page(
    decoder: &mut tiff::decoder::Decoder<Cursor<&[u8]>>,
    path: &Path,
    w: u32,
    h: u32,
) -> Result<DynamicImage> {
    use tiff::decoder::DecodingResult;
    use tiff::ColorType;
    let color = decoder.colortype().map_err(|e| image_error(path, e))?;
    let data = decoder.read_image().map_err(|e| image_error(path, e))?;
    let gray = |buf: Vec<u8>| GrayImage::from_raw(w, h, buf).map(DynamicImage::ImageLuma8);
    match (color, data) {
        (ColorType::Gray(1), DecodingResult::U8(packed)) => gray(unpack_bits(&packed, w, h)),
        (ColorType::Gray(8), DecodingResult::U8(buf)) => gray(buf),
        (ColorType::Gray(16), DecodingResult::U16(buf)) => {
            gray(buf.iter().map(|&v| (v >> 8) as u8).collect())
        }
        (ColorType::RGB(8), DecodingResult::U8(buf)) => {
            image::RgbImage::from_raw(w, h, buf).map(DynamicImage::ImageRgb8)
        }
        (ColorType::RGBA(8), DecodingResult::U8(buf)) => {
            image::RgbaImage::from_raw(w, h, buf).map(DynamicImage::ImageRgba8)
        }
        (other, _) => {
            return Err(image_error(
                path,
                format!("unsupported TIFF colour type {other:?}"),
            ))
        }
    }
    .ok_or_else(|| image_error(path, "TIFF page data is shorter than its size"))
}

/// A bilevel page's rows, 8 pixels a byte from the high bit and each row starting on a
/// byte, as gray: a set bit white, a clear one black. Short data is left short, for the
/// caller to refuse.
fn unpack_bits(packed: &[u8], w: u32, h: u32) -> Vec<u8> {
    let stride = (w as usize).div_ceil(8);
    (packed.chunks_exact(stride).take(h as usize))
        .flat_map(|row| (0..w as usize).map(move |x| (row[x / 8] >> (7 - x % 8)) & 1))
        .map(|bit| bit * 255)
        .collect()
}

/// A rasterizer for tests that need no PDF: every PDF is an error.
#[cfg(test)]
pub(crate) struct NoPdf;

#[cfg(test)]
impl PdfRasterizer for NoPdf {
    fn pdf_pages(&self, _: &[u8], path: &Path, _: &LoadOptions) -> Result<Vec<PageImage>> {
        Err(Error::Pdf {
            path: path.to_path_buf(),
            reason: "no pdf in this test".into(),
        })
    }
}

mod pdfium;
pub use pdfium::{PdfiumRasterizer, BUNDLED_PDFIUM};

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn scans_finer_than_the_most_are_shrunk_by_a_whole_factor() {
        let ramp = GrayImage::from_fn(5, 4, |x, y| image::Luma([(x * 40 + y * 10) as u8]));
        let (half, dpi) = shrunk_toward(ramp.clone(), 600, 300);
        assert_eq!((half.dimensions(), dpi), ((2, 2), 300));
        // Each pixel the rounded mean of its block; the fifth column is margin.
        assert_eq!(half.as_raw(), &[25, 105, 45, 125]);
        let (quarter, dpi) = shrunk_toward(ramp.clone(), 1200, 300);
        assert_eq!((quarter.dimensions(), dpi), ((1, 1), 300));
        assert_eq!(shrunk_toward(ramp.clone(), 400, 300).1, 400);
        assert_eq!(shrunk_toward(ramp, 450, 300).1, 225);
    }

    #[test]
    fn bilevel_rows_unpack_from_the_high_bit_each_on_its_own_byte() {
        // 10 pixels a row: two bytes, the second's last 6 bits padding.
        let packed = [0b1011_0000, 0b0100_0000, 0b0000_0000, 0b1100_0000];
        let px = unpack_bits(&packed, 10, 2);
        let row = |y: usize| px[y * 10..(y + 1) * 10].to_vec();
        assert_eq!(row(0), [255, 0, 255, 255, 0, 0, 0, 0, 0, 255]);
        assert_eq!(row(1), [0, 0, 0, 0, 0, 0, 0, 0, 255, 255]);
    }

    #[test]
    fn sixteen_bit_gray_tiff_pages_keep_their_high_byte() {
        let mut bytes = Vec::new();
        tiff::encoder::TiffEncoder::new(std::io::Cursor::new(&mut bytes))
            .unwrap()
            .write_image::<tiff::encoder::colortype::Gray16>(3, 1, &[0xffff, 0x1234, 0x00ff])
            .unwrap();
        let pages = tiff_pages(&bytes, Path::new("x.tif"), &LoadOptions::default()).unwrap();
        assert_eq!(pages[0].gray.as_raw(), &[255, 0x12, 0]);
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let p = crate::scratch::fresh_dir(&format!("raster-{name}")).join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn unknown_bytes_name_the_file() {
        let p = temp_file("notes.txt", b"hello, not an image");
        let err = load_pages(&p, &NoPdf, &LoadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(err, Error::UnknownFormat { .. }));
        assert!(err.to_string().contains("notes.txt"));
    }

    #[test]
    fn png_page_gets_dpi_from_a4_width() {
        let img = GrayImage::from_pixel(1240, 1754, image::Luma([255]));
        let mut buf = Vec::new();
        img.write_to(&mut Cursor::new(&mut buf), image::ImageFormat::Png)
            .unwrap();
        let p = temp_file("page.png", &buf);
        let (_, pages) = load_pages(&p, &NoPdf, &LoadOptions::default()).unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].dpi, 150);
    }

    #[test]
    fn truncated_png_is_an_image_error() {
        let p = temp_file("broken.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        let err = load_pages(&p, &NoPdf, &LoadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(err, Error::Image { .. }), "{err}");
    }
}

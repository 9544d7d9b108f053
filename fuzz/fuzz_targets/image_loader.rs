//! Fuzzes the image side of loading (PNG, JPEG, TIFF, and the format sniffing before
//! it): any bytes give pages or a typed error, never a panic or a huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::error::{Error, Result};
use nianbao::rasterize::{pages_from_bytes, Limits, LoadOptions, PageImage, PdfRasterizer};
use std::path::Path;

struct NoPdf;

impl PdfRasterizer for NoPdf {
    fn pdf_pages(&self, _: &[u8], path: &Path, _: &LoadOptions) -> Result<Vec<PageImage>> {
        Err(Error::Pdf {
            path: path.to_path_buf(),
            reason: "PDFs are the pdf_loader target's".into(),
        })
    }
}

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast; the limit checks themselves are under test.
    let opts = LoadOptions {
        limits: Limits {
            max_page_pixels: 4_000_000,
            max_pages: 8,
            max_file_bytes: 1 << 20,
        },
        ..LoadOptions::default()
    };
    let _ = pages_from_bytes(data, Path::new("fuzz-input"), &NoPdf, &opts);
});

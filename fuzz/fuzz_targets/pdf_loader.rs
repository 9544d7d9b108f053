//! Fuzzes PDF loading through pdfium: any bytes give pages or a typed error. Needs
//! libpdfium.so (`scripts/setup.sh` puts it in `.nianbao/lib`, or set NIANBAO_PDFIUM).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::rasterize::{Limits, LoadOptions, PdfRasterizer, PdfiumRasterizer};
use std::path::Path;
use std::sync::OnceLock;

fn pdfium() -> &'static PdfiumRasterizer {
    static PDFIUM: OnceLock<PdfiumRasterizer> = OnceLock::new();
    PDFIUM.get_or_init(|| PdfiumRasterizer::load(None).expect("libpdfium.so for the fuzz run"))
}

fuzz_target!(|data: &[u8]| {
    // Rendered at 36 dpi with small limits: what is under test is parsing and the
    // limit checks, not rendering speed.
    let opts = LoadOptions {
        dpi: 36,
        limits: Limits {
            max_page_pixels: 2_000_000,
            max_pages: 4,
            max_file_bytes: 1 << 20,
        },
        password: None,
    };
    let _ = pdfium().pdf_pages(data, Path::new("fuzz-input.pdf"), &opts);
});

//! Fuzzes binarization and table-grid detection on arbitrary small pages: the bytes
//! give the size and the pixels.
#![no_main]

use image::GrayImage;
use libfuzzer_sys::fuzz_target;
use nianbao::grid::{detect_tables, GridOptions};
use nianbao::normalize::{normalize, NormalizeOptions};

fuzz_target!(|data: &[u8]| {
    let [w, h, dpi, rest @ ..] = data else {
        return;
    };
    let (w, h) = (8 + u32::from(*w) * 2, 8 + u32::from(*h) * 2);
    // 50 to 305 dpi, the range the loaders give: windows and rule lengths scale with it.
    let dpi = 50 + u32::from(*dpi);
    let pixels: Vec<u8> = if rest.is_empty() {
        vec![255; (w * h) as usize]
    } else {
        rest.iter().copied().cycle().take((w * h) as usize).collect()
    };
    let gray = GrayImage::from_raw(w, h, pixels).expect("w * h pixels");
    let page = normalize(gray, dpi, &NormalizeOptions::default());
    let _ = detect_tables(&page, dpi, &GridOptions::default());
});

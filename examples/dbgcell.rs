use nianbao::rasterize::PdfiumRasterizer;
use nianbao::{Engine, EngineOptions};
use std::path::Path;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let pdf = PdfiumRasterizer::load(None).unwrap();
    let eng = Engine::new(&pdf, EngineOptions::default());
    let (_, pages) = eng.rasterize(Path::new(&a[1])).unwrap();
    let pn: usize = a[2].parse().unwrap();
    let v: Vec<i32> = a[3].split(',').map(|s| s.parse().unwrap()).collect();
    let page = eng.prepare(pages.into_iter().nth(pn - 1).unwrap());
    let mut img = image::GrayImage::new((v[2] - v[0]) as u32, ((v[3] - v[1]) * 3) as u32);
    for y in v[1]..v[3] {
        for x in v[0]..v[2] {
            let (ix, iy) = ((x - v[0]) as u32, (y - v[1]) as u32);
            img.put_pixel(ix, iy, *page.gray.get_pixel(x as u32, y as u32));
            img.put_pixel(
                ix,
                iy + (v[3] - v[1]) as u32,
                *page.erased.get_pixel(x as u32, y as u32),
            );
            let k = if page.ink.get(x as u32, y as u32) {
                0
            } else {
                255
            };
            img.put_pixel(ix, iy + 2 * (v[3] - v[1]) as u32, image::Luma([k]));
        }
    }
    let img = image::imageops::resize(
        &img,
        img.width() * 3,
        img.height() * 3,
        image::imageops::FilterType::Nearest,
    );
    img.save(&a[4]).unwrap();
    if a.len() > 5 {
        let w: Vec<i32> = a[5].split(',').map(|s| s.parse().unwrap()).collect();
        let ink = nianbao::crop::analyze(
            &page.erased,
            &page.ink,
            nianbao::geometry::PixelBox::from_corners(w[0], w[1], w[2], w[3]),
            page.dpi,
            &Default::default(),
        );
        println!(
            "box {:?} content={:?} gh={} num={}",
            w, ink.content, ink.glyph_height, ink.numeric_shape
        );
    }
    for t in &page.tables {
        for c in &t.cells {
            if c.bbox.x0 < v[2] && c.bbox.x1 > v[0] && c.bbox.y0 < v[3] && c.bbox.y1 > v[1] {
                let ink = nianbao::crop::analyze(
                    &page.erased,
                    &page.ink,
                    c.bbox,
                    page.dpi,
                    &Default::default(),
                );
                println!(
                    "r{} c{} {:?} content={:?} gh={} num={}",
                    c.row, c.col, c.bbox, ink.content, ink.glyph_height, ink.numeric_shape
                );
            }
        }
    }
}
#[allow(dead_code)]
fn _x() {}

//! Criterion benches of the hot stages on a real scanned page (fixtures/sample-scan.pdf,
//! page 1): binarize and deskew, the masks and the deskew's rotation alone, grid detection, one number cell by the digit reader,
//! one label cell by Tesseract. Needs scripts/setup.sh (pdfium, chi_sim). Run with
//! `cargo bench --bench stages`; compare stages in one run, not across machines.

use criterion::{criterion_group, criterion_main, Criterion};
use nianbao::crop::{self, CellInk, CropOptions};
use nianbao::digits::{read_number, DigitModel};
use nianbao::grid::{detect_tables, GridOptions};
use nianbao::normalize::{binarize, normalize, rotate_about_center, NormalizeOptions};
use nianbao::ocr::{find_tessdata, ReadKind, TesseractReader, TextReader};
use nianbao::rasterize::{load_pages, LoadOptions, PdfiumRasterizer};
use nianbao::{Engine, EngineOptions};
use std::path::Path;

fn stages(c: &mut Criterion) {
    let pdf = PdfiumRasterizer::load(None).expect("pdfium: run scripts/setup.sh");
    let scan = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-scan.pdf");
    let (_, pages) = load_pages(&scan, &pdf, &LoadOptions::default()).expect("the fixture loads");
    let page = pages.into_iter().next().expect("a first page");
    let dpi = page.dpi;

    c.bench_function("rasterize sample-scan.pdf (3 pages)", |b| {
        b.iter(|| load_pages(&scan, &pdf, &LoadOptions::default()).unwrap())
    });
    let norm_opts = NormalizeOptions::default();
    c.bench_function("binarize + deskew (page 1)", |b| {
        b.iter(|| normalize(page.gray.clone(), dpi, &norm_opts))
    });
    c.bench_function("Sauvola masks, no deskew (page 1)", |b| {
        b.iter(|| binarize(page.gray.clone(), dpi, 0.0, &norm_opts))
    });
    c.bench_function("deskew rotation 0.5° (page 1)", |b| {
        b.iter(|| rotate_about_center(&page.gray, 0.5f32.to_radians(), 255))
    });
    let norm = normalize(page.gray.clone(), dpi, &norm_opts);
    c.bench_function("grid (page 1)", |b| {
        b.iter(|| detect_tables(&norm, dpi, &GridOptions::default()))
    });

    let engine = Engine::new(&pdf, EngineOptions::default());
    let prepared = engine.prepare(page);
    let opts = CropOptions::default();
    let cells: Vec<CellInk> = prepared
        .tables
        .iter()
        .flat_map(|t| &t.cells)
        .map(|cell| crop::analyze(&prepared.erased, &prepared.ink, cell.bbox, dpi, &opts))
        .filter(|ink| ink.content.is_some())
        .collect();
    let render = |ink: &CellInk, kind| crop::render(&prepared.erased, ink, dpi, kind, &opts);
    let number = cells
        .iter()
        .find(|i| i.numeric_shape)
        .expect("a number cell");
    let label = cells
        .iter()
        .filter(|i| !i.numeric_shape)
        .max_by_key(|i| i.content.map_or(0, |b| b.width()))
        .expect("a label cell");
    let (digits_img, _) = render(number, ReadKind::Number).unwrap();
    let model = DigitModel::bundled();
    c.bench_function("number cell, digit reader", |b| {
        b.iter(|| read_number(model, &digits_img))
    });
    let (label_img, label_dpi) = render(label, ReadKind::Text).unwrap();
    let tessdata = find_tessdata(Path::new("models")).expect("chi_sim: run scripts/setup.sh");
    let mut reader = TesseractReader::new(&tessdata).unwrap();
    c.bench_function("widest label cell, Tesseract chi_sim", |b| {
        b.iter(|| reader.read(&label_img, label_dpi, ReadKind::Text).unwrap())
    });
}

criterion_group! {
    name = benches;
    // Few samples: a stage takes up to a second, and ratios in one run are what count.
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);

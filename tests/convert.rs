//! Integration tests: fixtures converted with the real pdfium and Tesseract, cell
//! values checked against truth, and the command's handling of bad input.

mod support;

use nianbao::eval::same_value;
use nianbao::model::Document;
use nianbao::ocr::{find_tessdata, TesseractReader};
use nianbao::orient::QuarterTurns;
use nianbao::rasterize::{load_pages, Limits, LoadOptions, PageImage, PdfiumRasterizer};
use nianbao::{Engine, EngineOptions};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;
use support::{assert_succeeded, fixture, nianbao, temp_dir};
use tiff::encoder::{colortype::Gray8, Rational, TiffEncoder};
use tiff::tags::ResolutionUnit;

/// pdfium binds once per process; every test shares it.
fn pdfium() -> &'static PdfiumRasterizer {
    static PDF: OnceLock<PdfiumRasterizer> = OnceLock::new();
    PDF.get_or_init(|| PdfiumRasterizer::load(None).expect("pdfium: run scripts/setup.sh"))
}

fn convert(name: &str) -> Document {
    convert_file(&fixture(name))
}

fn convert_file(path: &Path) -> Document {
    let tessdata = find_tessdata(Path::new("models")).expect("chi_sim data: run scripts/setup.sh");
    let mut reader = TesseractReader::new(&tessdata).expect("tesseract starts");
    let engine = Engine::new(pdfium(), EngineOptions::default());
    engine
        .convert(path, &mut reader)
        .map(|c| c.into_document())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts that at least `percent`% of the truth's cells were read right.
fn assert_cells_right(doc: &Document, truth_name: &str, percent: usize) {
    let (right, total, wrong) = score(doc, truth_name);
    assert!(
        right * 100 >= total * percent,
        "{right}/{total} right; wrong: {wrong:#?}"
    );
}

/// (cells right, cells in truth, the wrong ones).
fn score(doc: &Document, truth_name: &str) -> (usize, usize, Vec<String>) {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(truth_name)).unwrap()).unwrap();
    let out: Value = serde_json::to_value(doc).unwrap();
    let (mut right, mut total, mut wrong) = (0, 0, Vec::new());
    for t in truth["tables"].as_array().unwrap() {
        for c in t["cells"].as_array().unwrap() {
            total += 1;
            let got = out["tables"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["id"] == t["id"])
                .flat_map(|o| o["cells"].as_array().unwrap())
                .find(|o| o["row"] == c["row"] && o["col"] == c["col"]);
            match got {
                Some(g) if same_value(&g["value"], &c["value"]) => right += 1,
                g => wrong.push(format!(
                    "{}.{}.{}: got {} want {}",
                    t["id"],
                    c["row"],
                    c["col"],
                    g.map_or("missing".into(), |g| g["value"].to_string()),
                    c["value"]
                )),
            }
        }
    }
    (right, total, wrong)
}

#[test]
fn born_digital_pdf_is_exact() {
    let doc = convert("digital.pdf");
    let (right, total, wrong) = score(&doc, "digital.truth.json");
    assert_eq!(right, total, "wrong cells: {wrong:#?}");
    assert_eq!(
        doc.report.organization.as_deref(),
        Some("盐池县机关事务服务中心")
    );
    assert_eq!(doc.report.year, Some(2021));
    assert_eq!(doc.report.template.as_deref(), Some("2021"));
    assert!(doc
        .tables
        .iter()
        .all(|t| t.cells.iter().all(|c| c.confidence == 1.0)));
}

#[test]
fn typical_scan_reads_its_cells() {
    let doc = convert("sample-scan.pdf");
    assert_cells_right(&doc, "sample-scan.truth.json", 95);
    assert_eq!(doc.source.pages, 3);
    assert!(
        doc.source.dpi.iter().all(|&d| d > 100),
        "scans are read at their own resolution"
    );
    for t in &doc.tables {
        for c in &t.cells {
            assert!(c.bbox.x1 > c.bbox.x0 && c.bbox.y1 > c.bbox.y0 && c.page >= 1);
        }
    }
}

#[test]
fn hard_scan_reads_half_of_cells_at_least() {
    let doc = convert("hard.pdf");
    assert_cells_right(&doc, "hard.truth.json", 50);
}

/// A gray scan keeps its red seal as gray ink over the date; the seal is found by its
/// ring and made paper, and the date read.
#[test]
fn a_gray_seal_over_the_closing_lines_leaves_the_date_and_cells() {
    let doc = convert("gray-seal.pdf");
    assert_eq!(doc.report.published.as_deref(), Some("2025-03-01"));
    assert_cells_right(&doc, "sample-scan.truth.json", 95);
}

#[test]
fn multipage_tiff_is_one_report() {
    let doc = convert("digital-150dpi.tif");
    assert_eq!(doc.source.pages, 3);
    assert_eq!(doc.source.dpi, vec![150, 150, 150]);
    assert_cells_right(&doc, "digital.truth.json", 95);
}

/// A bilevel TIFF, Group 4 fax-compressed as archives keep their scans.
#[test]
fn bilevel_group4_tiff_is_read() {
    let doc = convert("digital-150dpi-g4.tif");
    assert_eq!(doc.source.pages, 3);
    assert_cells_right(&doc, "digital.truth.json", 95);
}

/// A 600 dpi scan is read shrunk to 300 dpi, as sure of its cells as at 150, its boxes
/// on the pages as read.
#[test]
fn a_fine_scan_is_read_at_300_dpi() {
    let (_, pages) = load_pages(
        &fixture("digital-150dpi.tif"),
        pdfium(),
        &LoadOptions::default(),
    )
    .unwrap();
    let path = temp_dir("fine").join("600dpi.tif");
    let mut tiff = TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    for page in &pages {
        let (w, h) = (page.gray.width() * 4, page.gray.height() * 4);
        let fine = image::imageops::resize(&page.gray, w, h, image::imageops::Nearest);
        let mut image = tiff.new_image::<Gray8>(w, h).unwrap();
        image.resolution(ResolutionUnit::Inch, Rational { n: 600, d: 1 });
        image.write_data(fine.as_raw()).unwrap();
    }
    drop(tiff);
    let doc = convert_file(&path);
    assert_eq!(doc.source.dpi, vec![300, 300, 300]);
    let (right, total, wrong) = score(&doc, "digital.truth.json");
    assert_eq!(right, total, "wrong cells: {wrong:#?}");
    let page = (pages[0].gray.width() * 2) as i32;
    assert!(doc.tables.iter().all(|t| t.bbox.x1 <= page));
}

/// A page loaded alone (the review's page view) is that page as a whole load gives it,
/// for a scanned PDF, a PDF with a text layer and a multi-page TIFF, also from a file
/// with more pages than `--max-pages` allows to convert; past the last page there is
/// none.
#[test]
fn one_page_loads_alone_as_in_the_whole_file() {
    let one_page_limit = || Limits {
        max_pages: 1,
        ..Limits::default()
    };
    for name in ["sample-scan.pdf", "digital.pdf", "digital-150dpi.tif"] {
        let (_, all) = load_pages(&fixture(name), pdfium(), &LoadOptions::default()).unwrap();
        assert!(all.len() > 1, "{name}: one page tests nothing");
        let whole_over_limit = LoadOptions {
            limits: one_page_limit(),
            ..LoadOptions::default()
        };
        let refused = load_pages(&fixture(name), pdfium(), &whole_over_limit);
        assert!(
            refused.is_err_and(|e| e.to_string().contains("--max-pages")),
            "{name}"
        );
        for n in 1..=all.len() + 1 {
            let opts = LoadOptions {
                only_page: Some(n),
                limits: one_page_limit(),
                ..LoadOptions::default()
            };
            match load_pages(&fixture(name), pdfium(), &opts) {
                Ok((_, alone)) => {
                    let want = &all[n - 1];
                    assert_eq!(alone.len(), 1, "{name} page {n}");
                    let got = &alone[0];
                    assert_eq!((got.number, got.dpi), (want.number, want.dpi), "{name}");
                    assert!(got.gray == want.gray, "{name} page {n}: other pixels");
                }
                Err(e) => assert!(n > all.len(), "{name} page {n}: {e}"),
            }
        }
    }
}

/// Pages fed into a scanner on their side or upside down, the title page too, are read
/// turned back, their boxes given on the pages as the file holds them.
/// How `turned_tiff` turns the pages of `digital-150dpi.tif`, whose page 1 holds the
/// title and prose, page 2 tables 2 and 3, page 3 the end of table 3 and table 4.
const SCANNED: [QuarterTurns; 3] = [
    QuarterTurns::clockwise(3),
    QuarterTurns::clockwise(1),
    QuarterTurns::clockwise(2),
];

/// `digital-150dpi.tif` with its pages turned as [`SCANNED`], in a folder `name`, and
/// the upright pages.
fn turned_tiff(name: &str) -> (std::path::PathBuf, Vec<PageImage>) {
    let (_, upright_pages) = load_pages(
        &fixture("digital-150dpi.tif"),
        pdfium(),
        &LoadOptions::default(),
    )
    .unwrap();
    let path = temp_dir(name).join("turned.tif");
    let mut tiff = TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
    for (page, turns) in upright_pages.iter().zip(SCANNED) {
        let gray = turns.turn(&page.gray);
        let mut image = tiff
            .new_image::<Gray8>(gray.width(), gray.height())
            .unwrap();
        image.resolution(ResolutionUnit::Inch, Rational { n: 150, d: 1 });
        image.write_data(gray.as_raw()).unwrap();
    }
    drop(tiff);
    (path, upright_pages)
}

#[test]
fn pages_scanned_turned_are_read() {
    let (path, upright_pages) = turned_tiff("turned");
    let scanned = SCANNED;
    let turned = convert_file(&path);
    let (right, total, wrong) = score(&turned, "digital.truth.json");
    assert_eq!(right, total, "wrong cells: {wrong:#?}");
    let upright = convert("digital-150dpi.tif");
    assert_eq!(turned.report.organization, upright.report.organization);
    assert_eq!(turned.report.year, Some(2021));
    for t in &upright.tables {
        for u in &t.cells {
            let c = (turned.tables.iter())
                .filter(|o| o.id == t.id)
                .flat_map(|o| &o.cells)
                .find(|c| c.row == u.row && c.col == u.col)
                .unwrap_or_else(|| panic!("{}.{}.{} missing", t.id, u.row, u.col));
            let page = &upright_pages[u.page - 1].gray;
            let want =
                (scanned[u.page - 1].inverse()).unturn_box(u.bbox, page.width(), page.height());
            let near = |a: i32, b: i32| (a - b).abs() <= 3;
            assert!(
                c.page == u.page
                    && near(c.bbox.x0, want.x0)
                    && near(c.bbox.y0, want.y0)
                    && near(c.bbox.x1, want.x1)
                    && near(c.bbox.y1, want.y1),
                "{}.{}.{}: page {} {:?}, want page {} {want:?}",
                t.id,
                u.row,
                u.col,
                c.page,
                c.bbox,
                u.page
            );
        }
    }
}

/// The review crop of a row on a page scanned on its side holds the whole row, label
/// to last value, and only that row, and shows it the way it reads: its box is on the
/// page as the file holds it (where rows run down), its image runs across, and so does
/// a cell's image cut from it.
#[test]
fn review_rows_of_a_page_scanned_on_its_side_are_cut_whole() {
    let (path, _) = turned_tiff("turned-review");
    let db = path.with_file_name("turned.sqlite");
    // Every cell queued, so every row of the page has its crop.
    let out = nianbao()
        .args(["batch", "--quiet", "--review-below", "1.01", "--db"])
        .arg(&db)
        .arg(&path)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let boxes = |sql: &str| -> Vec<(String, String, [i32; 4])> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
            ))
        });
        rows.unwrap().map(Result::unwrap).collect()
    };
    // Page 2 is turned a quarter clockwise: its rows run down the file's page.
    let crops = boxes("SELECT table_id, row_id, x0, y0, x1, y1 FROM row_images WHERE page = 2");
    let cells = boxes("SELECT table_id, row_id, x0, y0, x1, y1 FROM cells WHERE page = 2");
    assert!(crops.len() > 5, "{} row crops tests little", crops.len());
    let margin = 150 / 10;
    for (table, row, [x0, y0, x1, y1]) in &crops {
        let own: Vec<_> = cells
            .iter()
            .filter(|c| (&c.0, &c.1) == (table, row))
            .collect();
        for (_, _, [cx0, cy0, cx1, cy1]) in &own {
            assert!(
                x0 <= cx0 && y0 <= cy0 && cx1 <= x1 && cy1 <= y1,
                "{table}.{row}: crop {:?} misses a cell {:?}",
                [x0, y0, x1, y1],
                [cx0, cy0, cx1, cy1]
            );
        }
        let across = own.iter().map(|c| c.2[2] - c.2[0]).max().unwrap_or(0);
        assert!(
            x1 - x0 <= across + 2 * margin + 2 && y1 - y0 > x1 - x0,
            "{table}.{row}: crop {:?} is not one row running down (cells {across} px across)",
            [x0, y0, x1, y1]
        );
    }
    let png: Vec<u8> = conn
        .query_row(
            "SELECT png FROM row_images WHERE page = 2 AND table_id = 'applications' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let row = image::load_from_memory(&png).unwrap();
    assert!(row.width() > row.height(), "the row's image runs across");
    drop(conn);
    // A value's image, as the review page shows it.
    let server = support::ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);
    let cell = server.get("/img/cell/1/applications/new_received/total");
    assert_eq!(cell.status, 200, "{}", String::from_utf8_lossy(&cell.body));
    let cell = image::load_from_memory(&cell.body).unwrap();
    assert!(
        cell.width() > cell.height(),
        "{}×{}",
        cell.width(),
        cell.height()
    );
}

#[test]
fn bad_files_fail_alone_and_by_name() {
    let dir = std::env::temp_dir().join(format!("nianbao-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let corrupt = dir.join("corrupt.pdf");
    std::fs::write(&corrupt, b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage").unwrap();
    let text = dir.join("notes.pdf");
    std::fs::write(&text, b"just some notes").unwrap();
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(1240, 1754, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let out = dir.join("out");
    let run = nianbao()
        .arg("convert")
        .arg(&corrupt)
        .arg(fixture("digital.pdf"))
        .arg(&text)
        .arg(&blank)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    for name in ["corrupt.pdf", "notes.pdf", "blank.png"] {
        assert!(
            stderr.lines().any(|l| l.contains(name)),
            "no line names {name}: {stderr}"
        );
    }
    // Not a terminal (a log file): plain lines, no progress bar's control codes.
    assert!(
        stderr.lines().all(|l| l.starts_with("nianbao: ")) && !stderr.contains(['\r', '\x1b']),
        "{stderr:?}"
    );
    assert!(stderr.contains("no report tables"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("digital.json")).unwrap()).unwrap();
    assert_eq!(written["model"], "gov-info-annual-report");
    assert!(!out.join("corrupt.json").exists());
}

/// Two reports filed as `report.pdf` in folders of their years are written apart,
/// each by its folder's name, not one over the other.
#[test]
fn a_folder_is_walked_and_inputs_sharing_a_name_are_written_apart() {
    let dir = temp_dir("same-names");
    for year in ["2021", "2022"] {
        std::fs::create_dir_all(dir.join(year)).unwrap();
        std::fs::copy(fixture("digital.pdf"), dir.join(year).join("report.pdf")).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a report").unwrap();
    let out = temp_dir("same-names-out");
    let run = nianbao()
        .arg("convert")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_succeeded(&run);
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["2021-report.json", "2022-report.json"]);

    let empty = temp_dir("empty-folder");
    let run = nianbao().arg("convert").arg(&empty).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no PDF, PNG, JPEG or TIFF files"));
}

#[test]
fn single_input_goes_to_stdout_and_usage_errors_exit_2() {
    let run = nianbao()
        .args(["convert", "fixtures/digital.pdf"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["report"]["year"], 2021);
    assert_eq!(doc["source"]["file"], "digital.pdf");
    assert_eq!(
        nianbao().args(["convert"]).output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        nianbao()
            .args(["convert", "x.pdf", "--dpi", "5"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn debug_overlay_is_written_per_page() {
    let dir = std::env::temp_dir().join(format!("nianbao-debug-{}", std::process::id()));
    let run = nianbao()
        .args(["convert", "fixtures/digital.pdf", "--debug-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    for p in 1..=3 {
        let img = image::open(dir.join(format!("digital-p{p}.png"))).unwrap();
        assert!(img.width() > 1000);
    }
}

#[test]
fn eval_scores_converted_documents_against_their_truth() {
    let dir = temp_dir("eval");
    let (cases, outputs) = (dir.join("cases"), dir.join("out"));
    for case in ["digital", "not-converted"] {
        std::fs::create_dir_all(cases.join(case)).unwrap();
        std::fs::copy(
            fixture("digital.truth.json"),
            cases.join(case).join("truth.json"),
        )
        .unwrap();
    }
    std::fs::create_dir_all(&outputs).unwrap();
    let converted = nianbao()
        .args(["convert", "-q"])
        .arg(fixture("digital.pdf"))
        .output()
        .unwrap();
    assert_succeeded(&converted);
    std::fs::write(outputs.join("digital.json"), &converted.stdout).unwrap();

    let scores = dir.join("scores.json");
    let run = nianbao()
        .args(["eval", "--cases"])
        .arg(&cases)
        .arg("--outputs")
        .arg(&outputs)
        .arg("--json")
        .arg(&scores)
        .output()
        .unwrap();
    assert_succeeded(&run);
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(table.contains("| digital | 2 | 50.0% | 50.0% |"), "{table}");
    let e: Value = serde_json::from_str(&std::fs::read_to_string(&scores).unwrap()).unwrap();
    let cells = e["per_case"]["digital"]["cells"].as_u64().unwrap();
    assert!(cells > 100, "{e}");
    assert_eq!(e["per_case"]["digital"]["wrong"], 0);
    assert_eq!(e["per_case"]["not-converted"]["wrong"], cells);
    assert_eq!(e["overall"]["missing"], cells);
    assert_eq!(e["overall"]["wrong_trusted"], 0);

    let missing = nianbao()
        .args(["eval", "--cases", "no-such-dir", "--outputs"])
        .arg(&outputs)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-dir"));
}

/// Leptonica's function `name`, found in this process (loaded with Tesseract).
fn leptonica_fn(name: &std::ffi::CStr) -> usize {
    let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) } as usize;
    assert_ne!(f, 0, "{name:?} not found: is Leptonica loaded?");
    f
}

#[test]
fn tesseracts_word_images_are_stored_not_deflated() {
    // Tesseract PNG-encodes each word it reads through Leptonica's pixWriteMem, which
    // nianbao overrides (ocr::word_images). A blank image deflates to almost nothing;
    // stored, it keeps each byte, and reads back as it was.
    let tessdata = find_tessdata(Path::new("models")).expect("chi_sim data: run scripts/setup.sh");
    let _reader = TesseractReader::new(&tessdata).expect("tesseract starts");
    type Pix = *mut std::ffi::c_void;
    type PixCreate = unsafe extern "C" fn(i32, i32, i32) -> Pix;
    type PixDestroy = unsafe extern "C" fn(*mut Pix);
    type WriteMem = unsafe extern "C" fn(*mut *mut u8, *mut usize, Pix, i32) -> i32;
    type ReadMem = unsafe extern "C" fn(*const u8, usize) -> Pix;
    type Width = unsafe extern "C" fn(Pix) -> i32;
    const IFF_PNG: i32 = 3;
    let (w, h) = (300, 200);
    unsafe {
        let create: PixCreate = std::mem::transmute(leptonica_fn(c"pixCreate"));
        let destroy: PixDestroy = std::mem::transmute(leptonica_fn(c"pixDestroy"));
        let write: WriteMem = std::mem::transmute(leptonica_fn(c"pixWriteMem"));
        let read: ReadMem = std::mem::transmute(leptonica_fn(c"pixReadMem"));
        let width: Width = std::mem::transmute(leptonica_fn(c"pixGetWidth"));
        let mut pix = create(w, h, 8);
        assert!(!pix.is_null());
        let (mut data, mut size) = (std::ptr::null_mut(), 0usize);
        assert_eq!(write(&mut data, &mut size, pix, IFF_PNG), 0);
        assert!(
            size > (w * h) as usize,
            "an image of {size} bytes was deflated"
        );
        let mut back = read(data, size);
        assert!(!back.is_null(), "Leptonica cannot read what it wrote");
        assert_eq!(width(back), w);
        libc::free(data.cast());
        destroy(&mut pix);
        destroy(&mut back);
    }
}

//! Bad input of many kinds, made here, run through `convert` and `batch` beside good
//! files: each bad one gets a line naming it, the good ones are converted in the same
//! run, nothing panics, and the exit status is the documented 1.

mod support;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use support::{fixture, nianbao, temp_dir};

/// A PDF from object bodies (numbered from 1, the first the catalog), with a correct
/// cross-reference table.
fn pdf(objects: &[&str], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// A one-page PDF drawing `content` on a page of `width` × `height` points.
fn one_page_pdf(
    content: &str,
    width: u32,
    height: u32,
    trailer_extra: &str,
    extra: &[&str],
) -> Vec<u8> {
    let page = format!(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
    );
    let stream = format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    );
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page.as_str(),
        stream.as_str(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    objects.extend_from_slice(extra);
    pdf(&objects, trailer_extra)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header states `width` × `height` over a few bytes of data: a
/// decompression bomb's promise.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc32(&ihdr).to_be_bytes());
    // One tiny compressed chunk: a real bomb's data is small, only its stated size is not.
    let idat = [
        b"IDAT".as_slice(),
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ]
    .concat();
    out.extend(8u32.to_be_bytes());
    out.extend(&idat);
    out.extend(crc32(&idat).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(b"IEND");
    out.extend(crc32(b"IEND").to_be_bytes());
    out
}

/// Pseudo-random bytes, the same every run.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A ruled 4 × 4 table of numbers that is no table of the report format.
fn budget_table() -> String {
    let mut s = String::from("1 w\n");
    for r in 0..=4 {
        s += &format!("72 {} m 472 {} l S\n", 700 - r * 40, 700 - r * 40);
    }
    for c in 0..=4 {
        s += &format!("{} 700 m {} 540 l S\n", 72 + c * 100, 72 + c * 100);
    }
    for r in 0..4 {
        for c in 0..4 {
            let v = 1000 + 37 * (r * 4 + c);
            s += &format!(
                "BT /F1 12 Tf {} {} Td ({v}) Tj ET\n",
                100 + c * 100,
                675 - r * 40
            );
        }
    }
    s
}

/// Every kind of bad input, by file name, each with a word its error line must hold.
fn bad_inputs(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let digital = std::fs::read(fixture("digital.pdf")).unwrap();
    let word_doc = [
        b"PK\x03\x04".as_slice(),
        b"\x14\x00\x06\x00word/document.xml",
        &noise(2000),
    ]
    .concat();
    let encrypt = "<< /Filter /Standard /V 1 /R 2 /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> \
                   /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> /P -44 >>";
    let id = "/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ";
    let mut png = Vec::new();
    image::GrayImage::from_pixel(400, 300, image::Luma([200]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut jpeg = Vec::new();
    image::GrayImage::from_pixel(400, 300, image::Luma([200]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let rotated = image::open(fixture("digital-150dpi.tif"))
        .unwrap()
        .rotate90();
    let files: Vec<(&str, Vec<u8>, &'static str)> = vec![
        ("zero-byte.pdf", Vec::new(), "empty file"),
        (
            "truncated.pdf",
            digital[..digital.len() / 3].to_vec(),
            "PDF",
        ),
        (
            "encrypted.pdf",
            one_page_pdf("", 595, 842, id, &[encrypt]),
            "password",
        ),
        (
            "no-pages.pdf",
            pdf(
                &[
                    "<< /Type /Catalog /Pages 2 0 R >>",
                    "<< /Type /Pages /Kids [] /Count 0 >>",
                ],
                "",
            ),
            "no pages",
        ),
        (
            "huge-page.pdf",
            one_page_pdf("", 14400, 14400, "", &[]),
            "--max-page-pixels",
        ),
        (
            "bomb.png",
            png_header_only(30_000, 40_000),
            "--max-page-pixels",
        ),
        ("truncated.png", png[..png.len() / 2].to_vec(), "image"),
        // The JPEG decoder fills what is cut off: a page of gray, with no tables.
        (
            "truncated.jpg",
            jpeg[..jpeg.len() / 3].to_vec(),
            "no report tables",
        ),
        (
            "junk.tif",
            [b"II*\0".as_slice(), &noise(500)].concat(),
            "image",
        ),
        ("random.png", noise(5000), "not a PDF"),
        ("word.pdf", word_doc, "not a PDF"),
        (
            "notes.pdf",
            b"minutes of the meeting, not a PDF at all\n".to_vec(),
            "not a PDF",
        ),
        (
            "header-only.pdf",
            b"%PDF-1.7\n".to_vec(),
            "damaged or truncated",
        ),
        (
            "oversized.pdf",
            [b"%PDF-1.4\n".as_slice(), &vec![b' '; 3 << 20]].concat(),
            "--max-file-mb",
        ),
        (
            "meeting-notes.pdf",
            one_page_pdf("BT /F1 24 Tf 72 700 Td (Minutes) Tj ET", 595, 842, "", &[]),
            "no report tables",
        ),
        (
            "budget.pdf",
            one_page_pdf(&budget_table(), 595, 842, "", &[]),
            "none of the format",
        ),
    ];
    let mut out: Vec<(PathBuf, &'static str)> = files
        .into_iter()
        .map(|(name, bytes, word)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            (p, word)
        })
        .collect();
    let photo = dir.join("rotated-photo.png");
    rotated.save(&photo).unwrap();
    out.push((photo, "no report tables"));
    out
}

/// Every bad file has a line of `stderr` naming it and saying `word`.
fn assert_named(stderr: &str, bad: &[(PathBuf, &str)]) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (path, word) in bad {
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&*name) && l.contains(word)),
            "no line names {name} with \"{word}\":\n{stderr}"
        );
    }
}

#[test]
fn every_kind_of_bad_input_fails_alone_with_its_reason_and_the_good_files_convert() {
    let dir = temp_dir("hostile");
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    let bad = bad_inputs(&inputs);
    assert!(bad.len() >= 15, "{} kinds", bad.len());
    for good in ["digital.pdf", "sample-scan.pdf"] {
        std::fs::copy(fixture(good), inputs.join(good)).unwrap();
    }
    let limits = ["--max-file-mb", "2"];

    let out = dir.join("out");
    let mut convert = nianbao();
    convert
        .arg("convert")
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .args(limits);
    convert.args(bad.iter().map(|(p, _)| p));
    convert
        .arg(inputs.join("digital.pdf"))
        .arg(inputs.join("sample-scan.pdf"));
    convert.arg(inputs.join("missing.pdf"));
    let run = convert.output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_named(&stderr, &bad);
    assert!(
        stderr.lines().any(|l| l.contains("missing.pdf")),
        "{stderr}"
    );
    for good in ["digital", "sample-scan"] {
        let doc: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{good}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(doc["tables"].as_array().unwrap().len(), 3, "{good}");
    }
    // Documents without report tables are written, with no tables made up.
    let notes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meeting-notes.json")).unwrap())
            .unwrap();
    assert_eq!(notes["tables"].as_array().unwrap().len(), 0);
    assert!(!out.join("encrypted.json").exists());

    let db = dir.join("archive.sqlite");
    let run = nianbao()
        .arg("batch")
        .arg(&inputs)
        .arg("--db")
        .arg(&db)
        .arg("--quiet")
        .args(limits)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_named(&stderr, &bad);
    let conn = Connection::open(&db).unwrap();
    let done_with_tables: i64 = conn
        .query_row(
            "SELECT count(DISTINCT document) FROM cells JOIN documents d ON d.id = document
             WHERE d.status = 'done'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(done_with_tables, 2, "{stderr}");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn a_wrong_password_is_told_from_none_and_a_raised_limit_lets_a_file_through() {
    let dir = temp_dir("hostile-options");
    let bad = bad_inputs(&dir);
    let path_of = |name: &str| {
        bad.iter()
            .find(|(p, _)| p.ends_with(name))
            .unwrap()
            .0
            .clone()
    };
    // A wrong password is told apart from none.
    let run = nianbao()
        .args(["convert", "--quiet", "--password", "guess"])
        .arg(path_of("encrypted.pdf"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr.contains("does not open it"), "{stderr}");
    // Under a raised limit, the oversized file fails for what it is, not its size.
    let run = nianbao()
        .args(["convert", "--quiet", "--max-file-mb", "4"])
        .arg(path_of("oversized.pdf"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        !stderr.contains("--max-file-mb") && stderr.contains("oversized.pdf"),
        "{stderr}"
    );
}

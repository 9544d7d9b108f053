//! Debug overlay: a PNG per page showing the rules found, every cell box (blue for
//! labels, green for values, red for values queued for review) and the values read.

use crate::engine::PreparedPage;
use crate::layout::ReadTable;
use crate::model::{Document, Status};
use crate::ocr::ReadKind;
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect;

const RULE: Rgb<u8> = Rgb([255, 160, 0]);
const LABEL: Rgb<u8> = Rgb([40, 90, 230]);
const VALUE: Rgb<u8> = Rgb([0, 170, 60]);
const DOUBT: Rgb<u8> = Rgb([230, 0, 0]);

/// Draws one page's overlay.
pub fn overlay(page: &PreparedPage, read: &[ReadTable], doc: &Document) -> RgbImage {
    let mut img = RgbImage::from_fn(page.gray.width(), page.gray.height(), |x, y| {
        // Fade the scan so the overlay stands out.
        let v = 128 + page.gray.get_pixel(x, y).0[0] / 2;
        Rgb([v, v, v])
    });
    for s in page.rules.horizontal.iter() {
        let y = s.mid_pos().round() as i32;
        draw_filled_rect_mut(
            &mut img,
            Rect::at(s.start, y - 1).of_size(s.length().max(1) as u32, 3),
            RULE,
        );
    }
    for s in page.rules.vertical.iter() {
        let x = s.mid_pos().round() as i32;
        draw_filled_rect_mut(
            &mut img,
            Rect::at(x - 1, s.start).of_size(3, s.length().max(1) as u32),
            RULE,
        );
    }
    let scale = (page.dpi / 100).max(1);
    for t in read.iter().filter(|t| t.page == page.number) {
        for c in &t.cells {
            let b = c.grid.bbox.inset(3, 3);
            if b.is_empty() {
                continue;
            }
            let doubtful =
                doc.tables.iter().flat_map(|t| t.cells.iter()).any(|m| {
                    m.page == page.number && m.bbox == c.grid.bbox && m.status != Status::Ok
                });
            let color = match (c.kind, doubtful) {
                (ReadKind::Text | ReadKind::Title | ReadKind::Line, _) => LABEL,
                (ReadKind::Number, false) => VALUE,
                (ReadKind::Number, true) => DOUBT,
            };
            draw_hollow_rect_mut(
                &mut img,
                Rect::at(b.x0, b.y0).of_size(b.width() as u32, b.height() as u32),
                color,
            );
            if c.kind == ReadKind::Number {
                draw_digits(&mut img, b.x0 + 3, b.y0 + 3, &c.reading.text, scale, color);
            }
        }
    }
    img
}

/// 3×5 bitmaps of the characters a value can hold, one row of bits per line.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        _ => [7, 1, 2, 0, 2], // a question mark for anything else
    }
}

fn draw_digits(img: &mut RgbImage, x: i32, y: i32, text: &str, scale: u32, color: Rgb<u8>) {
    let s = scale as i32;
    for (i, c) in text.chars().filter(|c| !c.is_whitespace()).enumerate() {
        let g = glyph(c);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) != 0 {
                    let px = x + (i as i32 * 4 + col) * s;
                    let py = y + row as i32 * s;
                    draw_filled_rect_mut(img, Rect::at(px, py).of_size(scale, scale), color);
                }
            }
        }
    }
}

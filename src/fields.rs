//! Report fields: finds the title and closing-date lines of a page and parses the
//! organization, year and published date out of what was read there.

use crate::geometry::PixelBox;
use crate::normalize::InkMask;
use image::GrayImage;

/// Text lines of `region` as boxes, top to bottom. Lines are built from blobs of ink,
/// not raw rows, so scanner dust (specks) and scanner edges (blobs taller than an inch
/// or as wide as the page) never make or widen a line.
pub fn text_lines(ink: &InkMask, region: PixelBox, dpi: u32) -> Vec<PixelBox> {
    lines_of_strokes(ink, region, dpi, dpi as i32)
}

/// [`text_lines`] of a report's closing (the body's name and the date), where no stroke
/// taller than a large character (0.4 in) joins a line: what is left of a seal's ring
/// on a bilevel or gray scan, arcs as tall as two or three lines, would join the name,
/// the date and the seal's own text into one block, too tall to be a line. Elsewhere
/// such strokes (a table's rules) rightly keep a table's header out of the prose.
pub fn closing_lines(ink: &InkMask, region: PixelBox, dpi: u32) -> Vec<PixelBox> {
    lines_of_strokes(ink, region, dpi, (dpi as f32 * 0.4) as i32)
}

fn lines_of_strokes(ink: &InkMask, region: PixelBox, dpi: u32, tallest: i32) -> Vec<PixelBox> {
    let r = region.clamp_to(ink.width, ink.height);
    // Scanner shadows hug the page edge; text keeps to the margins' inside.
    let margin = r.width() * 6 / 100;
    let r = PixelBox::from_corners(r.x0 + margin, r.y0, r.x1 - margin, r.y1);
    if r.is_empty() {
        return Vec::new();
    }
    // Most strokes of a 9 pt character are 0.04 in or longer, noise clumps are not;
    // the line box needs only the larger strokes.
    let speck = ((dpi as f32) * 0.04).max(2.0) as i32;
    let mut strokes: Vec<PixelBox> = crate::blobs::boxes(r, ink)
        .into_iter()
        .map(|(b, _)| b)
        .filter(|b| b.width().max(b.height()) >= speck)
        .filter(|b| b.height() <= tallest && b.width() * 10 < r.width() * 6)
        .collect();
    strokes.sort_by_key(|b| b.y0);
    // Within a line some character spans every row; between lines of body text set
    // solid the gap can be as small as a few pixels.
    let gap = ((dpi as f32) * 0.01) as i32;
    // Characters of a line stand closer than a third of an inch (two characters of
    // body text); further off is something else beside it — a seal stamped at the
    // right, whose own marks would join every line they pass into one.
    let reach = dpi as i32 / 3;
    let mut lines: Vec<(PixelBox, Vec<PixelBox>)> = Vec::new();
    for s in strokes {
        let near = |l: &PixelBox| {
            s.y0 - l.y1 <= gap && l.y0 - s.y1 <= gap && (s.x0 - l.x1).max(l.x0 - s.x1) <= reach
        };
        let mut joined: Option<usize> = None;
        let mut k = 0;
        while k < lines.len() {
            if !near(&lines[k].0) {
                k += 1;
                continue;
            }
            match joined {
                None => {
                    lines[k].0 = lines[k].0.union(&s);
                    lines[k].1.push(s);
                    joined = Some(k);
                    k += 1;
                }
                Some(j) => {
                    // The stroke bridges two pieces of one line.
                    let (b, members) = lines.remove(k);
                    lines[j].0 = lines[j].0.union(&b);
                    lines[j].1.extend(members);
                }
            }
        }
        if joined.is_none() {
            lines.push((s, vec![s]));
        }
    }
    // A block taller than an inch is not lines with marks over them but a table's
    // header, its text joined by what is left of its rules: no line at all.
    let mut lines: Vec<(PixelBox, usize)> = lines
        .into_iter()
        .filter(|(l, _)| l.height() <= dpi as i32)
        .flat_map(|(l, members)| cores_of_line(l, &members, dpi))
        .collect();
    lines.sort_by_key(|(l, _)| (l.y0, l.x0));
    let min_h = ((dpi as f32) * 0.05) as i32;
    // Text has a blob or more per character (characters are about as wide as the line
    // is tall); stray marks and noise strung across the page have far fewer.
    lines
        .into_iter()
        .filter(|(l, n)| *n >= 3 && *n * 2 * l.height() as usize >= l.width() as usize)
        .filter(|(l, _)| l.height() >= min_h)
        .map(|(l, _)| l)
        .collect()
}

/// A line taller than a large character (0.3 in) cut to its rows of text: runs of the
/// rows that at least two fifths as many strokes cross as the busiest row, each as tall
/// as the strokes centred in it and as wide as those crossing it. Marks stamped over a
/// line (the bits of a seal on a bilevel scan, a blot, a star) join it from above or
/// below, or join two lines, but are a stroke or two in any row where the line's
/// characters are one or more each. Each line comes with its strokes' count.
fn cores_of_line(line: PixelBox, strokes: &[PixelBox], dpi: u32) -> Vec<(PixelBox, usize)> {
    if line.height() as f32 <= dpi as f32 * 0.3 {
        return vec![(line, strokes.len())];
    }
    let crossing: Vec<usize> = (line.y0..line.y1)
        .map(|y| strokes.iter().filter(|s| s.y0 <= y && y < s.y1).count())
        .collect();
    let busiest = crossing.iter().copied().max().unwrap_or(0);
    // A row or two between a character's strokes is no gap between lines.
    let within = ((dpi as f32) * 0.02) as i32;
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for (y, c) in (line.y0..).zip(&crossing) {
        if *c * 5 < busiest * 2 {
            continue;
        }
        match runs.last_mut() {
            Some(run) if y - run.1 <= within => run.1 = y + 1,
            _ => runs.push((y, y + 1)),
        }
    }
    runs.into_iter()
        .filter_map(|(top, bottom)| {
            let centred = |s: &&PixelBox| (top..bottom).contains(&((s.y0 + s.y1) / 2));
            // A character a mark ran into is one stroke with it, centred elsewhere:
            // what covers half the run's rows widens the line, but does not heighten it.
            let across = |s: &&PixelBox| (s.y1.min(bottom) - s.y0.max(top)) * 2 >= bottom - top;
            let mut core = strokes.iter().filter(centred);
            let first = *core.next()?;
            let (tall, n) = core.fold((first, 1), |(b, n), s| (b.union(s), n + 1));
            let (x0, x1) = (strokes.iter().filter(across))
                .fold((tall.x0, tall.x1), |(x0, x1), s| {
                    (x0.min(s.x0), x1.max(s.x1))
                });
            Some((PixelBox::from_corners(x0, tall.y0, x1, tall.y1), n))
        })
        .collect()
}

/// `img` with everything paler than its print made paper: a seal stamped over a line
/// (on a gray scan its red is already gray) is paler than the ink of the text under
/// it. Print is the darkest few percent of the crop; paper its median; the cut lies
/// `share` of the way from print to paper.
pub fn keep_darkest(img: &GrayImage, share: f32) -> GrayImage {
    let mut values: Vec<u8> = img.pixels().map(|p| p.0[0]).collect();
    if values.is_empty() {
        return img.clone();
    }
    values.sort_unstable();
    let print = values[values.len() / 50] as i32;
    let paper = values[values.len() / 2] as i32;
    let cut = print + ((paper - print) as f32 * share) as i32;
    let mut out = img.clone();
    for p in out.pixels_mut() {
        if p.0[0] as i32 > cut {
            p.0[0] = 255;
        }
    }
    out
}

/// Lines that may hold the title: the first of the top lines set in the title's size
/// (the largest there), and up to two more right under it in nearly the same size
/// (a long title wraps). A smaller line above it is a header or a stray mark.
pub fn title_lines(lines: &[PixelBox]) -> Vec<PixelBox> {
    let top = &lines[..lines.len().min(4)];
    let Some(tallest) = top.iter().map(|l| l.height()).max() else {
        return Vec::new();
    };
    let start = top
        .iter()
        .position(|l| l.height() * 4 >= tallest * 3)
        .unwrap_or(0);
    let lines = &lines[start..];
    let first = lines[0];
    let mut out = vec![first];
    for pair in lines.windows(2).take(2) {
        let (above, l) = (pair[0], pair[1]);
        let close = l.y0 - above.y1 <= 2 * above.height();
        if !close || l.height() * 10 < first.height() * 8 {
            break;
        }
        out.push(l);
    }
    out
}

/// Organization and year from a title such as `某某局2021年度政府信息公开工作年度报告`.
pub fn parse_title(title: &str) -> (Option<String>, Option<i32>) {
    // Names and years hold no ASCII punctuation; in OCR it is a speck read as a stop.
    let t: String = title
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
        .collect();
    let chars: Vec<char> = t.chars().collect();
    for i in 0..chars.len() {
        if chars[i] != '年' || i < 4 {
            continue;
        }
        let year_text: String = chars[i - 4..i].iter().collect();
        let Some(year) = cn_number(&year_text).filter(|y| (2000..=2100).contains(y)) else {
            continue;
        };
        let before: String = chars[..i - 4].iter().collect();
        let org = if before.trim().is_empty() {
            let after: String = chars[i + 1..].iter().collect();
            let after = after.trim_start_matches('度');
            after.split("政府信息公开").next().unwrap_or("").to_string()
        } else {
            before
        };
        let org = org.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
        return ((!org.is_empty()).then_some(org), Some(year as i32));
    }
    let org = t
        .split("政府信息公开")
        .next()
        .filter(|s| !s.is_empty() && *s != t)
        .map(str::to_string);
    (org, None)
}

/// How the national format ends a report's title.
const TITLE_END: &str = "政府信息公开工作年度报告";

/// The title as printed, as far as the read can tell: the organization as restored
/// (`org`, where OCR read `read_org`), and the format's fixed ending where the read
/// has it with a character or two wrong (年席报千) or lost off the end (年度报). An
/// ending in other words (工作报告, 年度 after the year) is kept.
pub fn tidy_title(title: &str, read_org: Option<&str>, org: Option<&str>) -> String {
    let mut t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    if let (Some(read), Some(org)) = (read_org, org) {
        if let Some(rest) = t.strip_prefix(read) {
            t = format!("{org}{rest}");
        }
    }
    let chars: Vec<char> = t.chars().collect();
    let Some(year_end) = (4..chars.len())
        .find(|&i| chars[i] == '年' && chars[i - 4..i].iter().all(|c| c.is_ascii_digit()))
    else {
        return t;
    };
    let mut head: String = chars[..=year_end].iter().collect();
    let mut rest: String = chars[year_end + 1..].iter().collect();
    if let Some(r) = rest.strip_prefix('度') {
        head.push('度');
        rest = r.to_string();
    }
    let (n, want) = (rest.chars().count(), TITLE_END.chars().count());
    let misread = n == want && crate::labels::similarity(&rest, TITLE_END) >= 0.75;
    let cut_short = n < want && n + 2 >= want && TITLE_END.starts_with(rest.as_str());
    if misread || cut_short {
        head + TITLE_END
    } else {
        t
    }
}

mod date;
use date::cn_number;
pub use date::{looks_dated, parse_date};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dust_makes_no_line_text_does() {
        let mut ink = InkMask::new(1200, 400);
        // Dust: a dot every 100 px in every 7th row, over the whole page.
        for y in (0..400).step_by(7) {
            for x in (0..1200).step_by(100) {
                ink.set(x, y, true);
            }
        }
        // A line of text: dense strokes from y 200 to 240.
        for y in 200..240 {
            for x in (300..900).filter(|x| x % 6 < 3) {
                ink.set(x, y, true);
            }
        }
        let lines = text_lines(&ink, PixelBox::from_corners(0, 0, 1200, 400), 300);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!((lines[0].y0 - 200).abs() <= 2 && (lines[0].y1 - 240).abs() <= 2);
    }

    #[test]
    fn an_arc_of_a_seal_joins_no_closing_lines() {
        // Two lines of glyphs (300 dpi, 40 px tall, 60 px apart) and, at their right,
        // an arc of a seal's ring 0.8 in tall, its middle beside the second line.
        let mut ink = InkMask::new(2000, 400);
        glyph_rows(&mut ink, 300..900, &[(100, 140), (200, 240)]);
        for y in 80..330 {
            for x in 905..910 {
                ink.set(x + (y - 80) / 30, y, true);
            }
        }
        let region = PixelBox::from_corners(0, 0, 2000, 400);
        let lines = text_lines(&ink, region, 300);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().any(|l| l.y0 <= 80 && l.x1 > 900), "{lines:?}");
        let lines = closing_lines(&ink, region, 300);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!((lines[1].y0 - 200).abs() <= 2 && lines[1].x1 <= 900);
    }

    #[test]
    fn marks_over_lines_are_cut_off_at_the_rows_of_text() {
        // A seal's text over the line's left end, reaching 50 px above it, and a star
        // between it and the next line, touching both (300 dpi).
        let mut ink = InkMask::new(2000, 400);
        glyph_rows(&mut ink, 300..900, &[(100, 140), (160, 200)]);
        for (x0, y0) in [(310, 50), (360, 60)] {
            for y in y0..y0 + 60 {
                for x in x0..x0 + 6 {
                    ink.set(x, y, true);
                }
            }
        }
        for y in 135..165 {
            for x in 600 - (y - 135)..600 + (y - 135) {
                ink.set(x, y, true);
            }
        }
        let lines = text_lines(&ink, PixelBox::from_corners(0, 0, 2000, 400), 300);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let (first, second) = (lines[0], lines[1]);
        assert!(
            (first.y0 - 100).abs() <= 2 && (first.y1 - 140).abs() <= 2,
            "{first:?}"
        );
        assert!(
            (second.y0 - 160).abs() <= 2 && (second.y1 - 200).abs() <= 2,
            "{second:?}"
        );
    }

    /// Rows of glyphs from `xs`, each made of short bars like the strokes of 三.
    fn glyph_rows(ink: &mut InkMask, xs: std::ops::Range<u32>, rows: &[(u32, u32)]) {
        for &(y0, y1) in rows {
            for y in (y0..y1).filter(|y| y % 5 < 3) {
                for x in xs.clone().filter(|x| x % 50 < 40) {
                    ink.set(x, y, true);
                }
            }
        }
    }

    #[test]
    fn title_starts_at_the_first_line_in_title_size() {
        let line = |y0, h| PixelBox::from_corners(100, y0, 900, y0 + h);
        let (header, org, year, body) = (line(50, 20), line(200, 60), line(280, 60), line(400, 30));
        assert_eq!(title_lines(&[header, org, year, body]), vec![org, year]);
    }

    #[test]
    fn title_gives_organization_and_year() {
        let (org, year) = parse_title("和田地区机关事务管理局2021年度政府信息公开工作报告");
        assert_eq!(org.as_deref(), Some("和田地区机关事务管理局"));
        assert_eq!(year, Some(2021));
        let (org, year) = parse_title("殷都区人民政府办公室 2021 年政府信息公开工作年度报告");
        assert_eq!(org.as_deref(), Some("殷都区人民政府办公室"));
        assert_eq!(year, Some(2021));
        let (org, year) = parse_title("临兴区城市管理局2021.年政府信息公开工作年度报告");
        assert_eq!(org.as_deref(), Some("临兴区城市管理局"));
        assert_eq!(year, Some(2021));
        let (org, year) = parse_title("2020年盐池县机关事务服务中心政府信息公开工作年度报告");
        assert_eq!(org.as_deref(), Some("盐池县机关事务服务中心"));
        assert_eq!(year, Some(2020));
    }

    #[test]
    fn a_misread_title_end_is_mended_and_the_organization_confirmed() {
        let end = "2023年政府信息公开工作年度报告";
        assert_eq!(
            tidy_title("泰兴区人社局2023年政府信息公开工作年席报千", None, None),
            format!("泰兴区人社局{end}")
        );
        assert_eq!(
            tidy_title("河化区审计局2022年政府信息公开工作年度报", None, None),
            "河化区审计局2022年政府信息公开工作年度报告"
        );
        assert_eq!(
            tidy_title(
                "笑都区人民政府2023年政府信息公开工作年度报告",
                Some("笑都区人民政府"),
                Some("殷都区人民政府")
            ),
            format!("殷都区人民政府{end}")
        );
        assert_eq!(
            tidy_title("某局2023年度政府信息公开工作报告", None, None),
            "某局2023年度政府信息公开工作报告",
            "another wording stays"
        );
    }
}

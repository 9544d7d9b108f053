//! Report fields: finds the title and closing-date lines of a page and parses the
//! organization, year and published date out of what was read there.

use crate::geometry::PixelBox;
use crate::normalize::InkMask;

/// Text lines of `region` as boxes, top to bottom, from the rows that carry ink.
/// Ink spanning nearly the whole width densely is a scanner edge, not text.
pub fn text_lines(ink: &InkMask, region: PixelBox, dpi: u32) -> Vec<PixelBox> {
    let r = region.clamp_to(ink.width, ink.height);
    if r.is_empty() {
        return Vec::new();
    }
    // Scanner shadows hug the page edge; text keeps to the margins' inside.
    let margin = (r.width() as f32 * 0.06) as i32;
    let (x0, x1) = (r.x0 + margin, r.x1 - margin);
    // A row through text crosses many strokes; scanner dust leaves a few dots a row.
    let min_ink = ((dpi as f32) * 0.01).max(0.02 * (x1 - x0) as f32).max(2.0) as usize;
    let rows: Vec<Option<(i32, i32)>> = (r.y0..r.y1)
        .map(|y| {
            let row = ink.row(y as u32);
            let xs: Vec<i32> = (x0..x1).filter(|&x| row[x as usize]).collect();
            let dense = xs.len() as f32 > 0.6 * (x1 - x0) as f32;
            (xs.len() >= min_ink && !dense).then(|| (xs[0], xs[xs.len() - 1] + 1))
        })
        .collect();
    let gap = ((dpi as f32) * 0.03) as i32;
    let mut lines: Vec<PixelBox> = Vec::new();
    let mut last_ink_row = i32::MIN;
    for (i, row) in rows.iter().enumerate() {
        let y = r.y0 + i as i32;
        let Some((a, b)) = *row else { continue };
        match lines.last_mut() {
            Some(l) if y - last_ink_row <= gap => {
                *l = l.union(&PixelBox::from_corners(a, y, b, y + 1))
            }
            _ => lines.push(PixelBox::from_corners(a, y, b, y + 1)),
        }
        last_ink_row = y;
    }
    let min_h = ((dpi as f32) * 0.05) as i32;
    lines.retain(|l| l.height() >= min_h && l.height() <= dpi as i32);
    lines
}

/// Lines that may hold the title: the first, and up to two more right under it set
/// in nearly the same size (a long title wraps).
pub fn title_lines(lines: &[PixelBox]) -> Vec<PixelBox> {
    let Some(first) = lines.first() else {
        return Vec::new();
    };
    let mut out = vec![*first];
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
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
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

/// The last date in `text` as `YYYY-MM-DD`, Arabic or Chinese numerals.
pub fn parse_date(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = None;
    let mut rest = t.as_str();
    while let Some(y_at) = rest.find('年') {
        let head = &rest[..y_at];
        let tail = &rest[y_at + '年'.len_utf8()..];
        let year_text: String = head
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let date = (|| {
            let year = cn_number(&year_text).filter(|y| (2000..=2100).contains(y))?;
            let (m, after_m) = tail.split_once('月')?;
            let (d, _) = after_m.split_once('日')?;
            let month = cn_number(m).filter(|m| (1..=12).contains(m))?;
            let day = cn_number(d).filter(|d| (1..=31).contains(d))?;
            Some(format!("{year:04}-{month:02}-{day:02}"))
        })();
        if date.is_some() {
            found = date;
        }
        rest = tail;
    }
    found
}

/// `2021`, `二〇二一`, `十二`, `二十九`, `3` → numbers; OCR's O and o count as zero.
fn cn_number(s: &str) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '0'..='9' => c as u32 - '0' as u32,
            '〇' | '零' | 'O' | 'o' | 'О' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    if s.is_empty() || s.chars().count() > 4 {
        return None;
    }
    if let Some((tens, units)) = s.split_once('十') {
        let t = if tens.is_empty() {
            1
        } else {
            digit(tens.chars().next()?)?
        };
        let u = if units.is_empty() {
            0
        } else {
            digit(units.chars().next()?)?
        };
        return Some(t * 10 + u);
    }
    s.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + digit(c)?))
}

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
    fn title_gives_organization_and_year() {
        let (org, year) = parse_title("和田地区机关事务管理局2021年度政府信息公开工作报告");
        assert_eq!(org.as_deref(), Some("和田地区机关事务管理局"));
        assert_eq!(year, Some(2021));
        let (org, year) = parse_title("殷都区人民政府办公室 2021 年政府信息公开工作年度报告");
        assert_eq!(org.as_deref(), Some("殷都区人民政府办公室"));
        assert_eq!(year, Some(2021));
        let (org, year) = parse_title("2020年盐池县机关事务服务中心政府信息公开工作年度报告");
        assert_eq!(org.as_deref(), Some("盐池县机关事务服务中心"));
        assert_eq!(year, Some(2020));
    }

    #[test]
    fn dates_in_both_numeral_styles() {
        assert_eq!(
            parse_date("殷都区人民政府办公室\n2022年1月19日").as_deref(),
            Some("2022-01-19")
        );
        assert_eq!(
            parse_date("二〇二二年一月十九日").as_deref(),
            Some("2022-01-19")
        );
        assert_eq!(
            parse_date("二O二三年十二月三十一日").as_deref(),
            Some("2023-12-31")
        );
        assert_eq!(parse_date("无其他需要报告的事项。"), None);
    }
}

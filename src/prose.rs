//! Prose: the report's text outside its tables — the preamble, the six numbered
//! sections with their paragraphs, and the closing organization and date set apart —
//! assembled from the page's text lines in reading order, however they were read (OCR
//! or a born-digital page's text layer).

use crate::fields::parse_date;
use crate::geometry::PixelBox;
use crate::labels::{best_similarity, normalize};
use crate::model::Section;
use crate::rasterize::TextChar;

/// One line of text on a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub page: usize,
    pub bbox: PixelBox,
    pub text: String,
}

/// The six parts of the national format, numbered as printed.
pub const HEADINGS: [(&str, &str); 6] = [
    ("一", "总体情况"),
    ("二", "主动公开政府信息情况"),
    ("三", "收到和处理政府信息公开申请情况"),
    ("四", "政府信息公开行政复议、行政诉讼情况"),
    ("五", "存在的主要问题及改进情况"),
    ("六", "其他需要报告的事项"),
];

/// The part of the format each table is printed in (an index into [`HEADINGS`]).
const PARTS_OF_TABLES: [(&str, usize); 3] = [
    ("active_disclosure", 1),
    ("applications", 2),
    ("reviews_litigation", 3),
];

/// What the prose of a report holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prose {
    pub preamble: String,
    pub sections: Vec<Section>,
    /// The lines after the last section's text: the issuing body and the date.
    pub closing: Vec<Line>,
}

impl Prose {
    /// All its text, one part a line: the preamble, each section's heading and
    /// paragraphs, the closing lines.
    pub fn text(&self) -> String {
        let sections = (self.sections.iter()).flat_map(|s| [s.heading.as_str(), s.text.as_str()]);
        let closing = self.closing.iter().map(|l| l.text.as_str());
        (std::iter::once(self.preamble.as_str()))
            .chain(sections)
            .chain(closing)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Adds, with no text, each part that holds one of `tables` (by id) but whose
    /// heading was not read: the table shows the report has the part, whose heading,
    /// set right above the table, a stain or the table's rules can hide.
    pub fn add_parts_of_tables<'a>(&mut self, tables: impl IntoIterator<Item = &'a str>) {
        for id in tables {
            let Some(&(_, part)) = PARTS_OF_TABLES.iter().find(|(t, _)| *t == id) else {
                continue;
            };
            let (number, heading) = HEADINGS[part];
            if self.sections.iter().any(|s| s.number == number) {
                continue;
            }
            let part_of = |s: &Section| HEADINGS.iter().position(|(n, _)| *n == s.number);
            let at = (self.sections.iter())
                .position(|s| part_of(s).is_some_and(|p| p > part))
                .unwrap_or(self.sections.len());
            self.sections.insert(
                at,
                Section {
                    number: number.to_string(),
                    heading: heading.to_string(),
                    text: String::new(),
                },
            );
        }
    }

    /// The date the report was issued, from its closing lines; `report_year` as
    /// [`parse_date`] takes it.
    pub fn published(&self, report_year: Option<i32>) -> Option<String> {
        let text: Vec<&str> = self.closing.iter().map(|l| l.text.as_str()).collect();
        parse_date(&text.join("\n"), report_year)
    }
}

/// `lines` without those inside any of `exclude` (table regions, a little widened, so
/// a table's caption rule or a cell's text never counts as prose).
pub fn outside(lines: Vec<PixelBox>, exclude: &[PixelBox]) -> Vec<PixelBox> {
    lines
        .into_iter()
        .filter(|l| {
            let (x, y) = l.center();
            !exclude.iter().any(|t| t.contains_point(x, y))
        })
        .collect()
}

/// The text layer's lines outside `exclude`, top to bottom, each left to right.
pub fn text_layer_lines(chars: &[TextChar], exclude: &[PixelBox]) -> Vec<(PixelBox, String)> {
    let mut inside: Vec<&TextChar> = chars
        .iter()
        .filter(|c| {
            let (x, y) = c.bbox.center();
            !exclude.iter().any(|t| t.contains_point(x, y)) && !c.ch.is_control()
        })
        .collect();
    inside.sort_by_key(|c| (c.bbox.center().1, c.bbox.x0));
    let mut lines: Vec<Vec<&TextChar>> = Vec::new();
    for c in inside {
        // A character belongs to the line it overlaps by half its height or the
        // line's: a bold heading's characters sit higher or lower than the rest.
        let joins = |l: &Vec<&TextChar>| {
            let b = band(l);
            let overlap = c.bbox.y1.min(b.y1) - c.bbox.y0.max(b.y0);
            overlap * 2 >= c.bbox.height().min(b.height())
        };
        match lines.last_mut() {
            Some(l) if joins(l) => l.push(c),
            _ => lines.push(vec![c]),
        }
    }
    lines
        .into_iter()
        .map(|mut l| {
            l.sort_by_key(|c| c.bbox.x0);
            let text: String = l.iter().map(|c| c.ch).collect();
            (band(&l), text.trim().to_string())
        })
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

fn band(chars: &[&TextChar]) -> PixelBox {
    chars
        .iter()
        .filter(|c| !c.ch.is_whitespace())
        .fold(PixelBox::default(), |b, c| b.union(&c.bbox))
}

/// Page numbers and running marks (a short line of digits and dashes only), and the
/// captions the format prints over its first table's parts (第二十条第（一）项) where no
/// rule boxes them in.
fn is_page_furniture(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = t.chars().count();
    let page_number = n > 0
        && n <= 8
        && t.chars()
            .all(|c| c.is_ascii_digit() || "-—－_/第页共".contains(c));
    let caption = t.starts_with("第二十条") && n <= 12;
    page_number || caption
}

/// Whether `text` reads as one of the six parts' headings.
pub fn is_heading(text: &str) -> bool {
    heading_of(text).is_some()
}

/// Which of the six parts `text` heads, and how surely (0…1). A number printed in
/// front (`三、`) must agree with the heading; without one the words alone must match
/// closely (seed 002 prints 收到和处理政府信息公开申请情况 without its 三、).
fn heading_of(text: &str) -> Option<(usize, f32)> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // (一) opens a part's own subsections, some named like a part (（一）主动公开政府
    // 信息情况 under 一、总体情况).
    if t.starts_with(['(', '（']) {
        return None;
    }
    let number = HEADINGS.iter().position(|(n, _)| {
        t.starts_with(n) && t[n.len()..].starts_with(['、', '.', '．', '，', ','])
    });
    let (best, score) = HEADINGS
        .iter()
        .enumerate()
        .map(|(i, (_, h))| (i, best_similarity(&t, &[h])))
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    // Headings are short lines: a paragraph that merely mentions one is longer.
    let words = normalize(&t).chars().count();
    let heading_len = HEADINGS[best].1.chars().count();
    if words > heading_len + 4 {
        return None;
    }
    match number {
        Some(n) if n == best && score >= 0.5 => Some((best, score)),
        None if score >= 0.8 => Some((best, score)),
        _ => None,
    }
}

/// The geometry of body text: its left and right margins and line height, from
/// `full` lines that run margin to margin.
#[derive(Clone)]
struct Margins {
    left: i32,
    right: i32,
    line: i32,
    full: usize,
}

fn margins(lines: &[&Line]) -> Margins {
    let widest = lines.iter().map(|l| l.bbox.width()).max().unwrap_or(0);
    // Full lines run margin to margin; a paragraph's first and last lines do not.
    let mut full: Vec<&&Line> = lines
        .iter()
        .filter(|l| l.bbox.width() * 10 >= widest * 9)
        .collect();
    full.sort_by_key(|l| l.bbox.x0);
    let mut heights: Vec<i32> = lines.iter().map(|l| l.bbox.height()).collect();
    heights.sort_unstable();
    Margins {
        left: full.get(full.len() / 2).map_or(0, |l| l.bbox.x0),
        right: full.iter().map(|l| l.bbox.x1).max().unwrap_or(0),
        line: heights.get(heights.len() / 2).copied().unwrap_or(1).max(1),
        full: full.len(),
    }
}

/// Most lines a title wraps onto.
const TITLE_LINES: usize = 3;

/// Builds the prose from every page's lines, in reading order. Lines of a paragraph are
/// joined without a break (CJK text has no spaces); a paragraph starts where a line is
/// indented or the line before it stopped short of the right margin.
pub fn assemble(lines: &[Line]) -> Prose {
    let lines: Vec<&Line> = lines
        .iter()
        .filter(|l| !is_page_furniture(&l.text))
        .collect();
    let mut pages: Vec<usize> = lines.iter().map(|l| l.page).collect();
    pages.dedup();
    // A page's own margins where it has body text enough to show them (scans shift a
    // little from page to page); else the whole report's.
    let everywhere = margins(&lines);
    let page_margins: Vec<(usize, Margins)> = pages
        .iter()
        .map(|&p| {
            let on: Vec<&Line> = lines.iter().copied().filter(|l| l.page == p).collect();
            let m = margins(&on);
            (p, if m.full >= 5 { m } else { everywhere.clone() })
        })
        .collect();
    let margins_of = |p: usize| {
        page_margins
            .iter()
            .find(|m| m.0 == p)
            .map_or(&everywhere, |m| &m.1)
    };

    // The title: the first page's opening lines set larger than its body text.
    let mut start = 0;
    if let Some(first) = lines.first() {
        let m = margins_of(first.page);
        while start < lines.len()
            && lines[start].page == first.page
            && lines[start].bbox.height() * 4 >= m.line * 5
        {
            start += 1;
        }
        // A text layer's line boxes are the font's, so a title set a size or two
        // above the body can be no taller than its lines, and a title's last line of a
        // few characters (度报告) can read shorter than the rest: the title is then
        // the opening lines up to the one that ends it (…年度报告), before any heading.
        let ends_title = |l: &&Line| l.text.trim_end().ends_with("报告");
        if !lines[..start].last().is_some_and(ends_title) {
            let end = (lines.iter().take(TITLE_LINES))
                .take_while(|l| l.page == first.page && heading_of(&l.text).is_none())
                .position(ends_title)
                .map_or(0, |k| k + 1);
            start = start.max(end);
        }
    }

    // Heading lines, in the format's order; a wrapped heading takes the next line too.
    let mut heads: Vec<(usize, usize, usize)> = Vec::new(); // (line, lines taken, part)
    let mut next_part = 0;
    let mut i = start;
    while i < lines.len() {
        let here = (heading_of(&lines[i].text).filter(|(p, _)| *p >= next_part)).or_else(|| {
            (next_part == 0 && garbled_first_heading(&lines[i].text)).then_some((0, 0.0))
        });
        // A wrapped heading's first line is a heading's start on its own: the last line
        // of a paragraph (展。) must not join the heading under it.
        let joined = lines.get(i + 1).and_then(|n| {
            heading_of(&format!("{}{}", lines[i].text, n.text))
                .filter(|(p, _)| *p >= next_part)
                .filter(|(p, _)| best_similarity(&lines[i].text, &[HEADINGS[*p].1]) >= 0.5)
        });
        let pick = match (here, joined) {
            (Some(h), Some(j)) if j.0 == h.0 && j.1 > h.1 + 0.1 => Some((j.0, 2)),
            (Some(h), _) => Some((h.0, 1)),
            (None, Some(j)) if j.1 >= 0.9 => Some((j.0, 2)),
            _ => None,
        };
        match pick {
            Some((part, taken)) => {
                heads.push((i, taken, part));
                next_part = part + 1;
                i += taken;
            }
            None => i += 1,
        }
    }

    let body_end = lines.len();
    let mut prose = Prose::default();
    let first_head = heads.first().map_or(body_end, |h| h.0);
    prose.preamble = paragraphs(&lines[start..first_head], &margins_of);
    for (k, &(at, taken, part)) in heads.iter().enumerate() {
        let end = heads.get(k + 1).map_or(body_end, |h| h.0);
        let mut body = &lines[(at + taken).min(end)..end];
        if k + 1 == heads.len() {
            // The closing: the issuing body and the date, set right, after the text.
            let mut cut = body.len();
            while cut > 0 {
                let l = body[cut - 1];
                let m = margins_of(l.page);
                let right_set = l.bbox.x0 > m.left + (m.right - m.left) / 3;
                if right_set || parse_date(&l.text, None).is_some() {
                    cut -= 1;
                } else {
                    break;
                }
            }
            prose.closing = body[cut..].iter().map(|l| (*l).clone()).collect();
            body = &body[..cut];
        }
        let printed: String = lines[at..at + taken]
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        let (number, canonical) = HEADINGS[part];
        // A heading read with a character or two wrong is the format's; one printed in
        // other words (其他需要报告事项, without 的) keeps them.
        let words = without_number(&printed);
        let same_length = words.chars().count() == canonical.chars().count();
        let garbled = part == 0 && heading_of(&printed).is_none();
        let heading = if garbled || (same_length && best_similarity(&words, &[canonical]) >= 0.8) {
            canonical.to_string()
        } else {
            words
        };
        prose.sections.push(Section {
            number: number.to_string(),
            heading,
            text: paragraphs(body, &margins_of),
        });
    }
    prose
}

/// Whether `text`, read where no part's heading has been found yet, is the first
/// part's heading misread: a short line sharing two characters or more with 总体情况
/// (总体精况, 尊情况). The first part always comes first and is always so named, and a
/// stain that garbles its heading would otherwise put its whole text in the preamble.
fn garbled_first_heading(text: &str) -> bool {
    let words = normalize(&without_number(text));
    let shared = (HEADINGS[0].1.chars())
        .filter(|&c| words.contains(c))
        .count();
    !text.trim_start().starts_with(['(', '（'])
        && (2..=HEADINGS[0].1.chars().count() + 2).contains(&words.chars().count())
        && shared >= 2
}

/// A heading as printed, without its number (三、, or what OCR made of it: 人六、, 入、)
/// and spaces.
fn without_number(text: &str) -> String {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let cut = t
        .char_indices()
        .take(4)
        .find(|(_, c)| matches!(c, '、' | '.' | '．' | '，' | ','))
        .map_or(0, |(i, c)| i + c.len_utf8());
    t[cut..].to_string()
}

/// `lines` as paragraphs, one a line of the result.
fn paragraphs<'a>(lines: &[&'a Line], margins_of: &dyn Fn(usize) -> &'a Margins) -> String
where
    Margins: 'a,
{
    let mut out = String::new();
    let mut prev: Option<&Line> = None;
    for l in lines {
        let m = margins_of(l.page);
        let indented = l.bbox.x0 >= m.left + m.line;
        let after_short = prev.is_some_and(|p| {
            let pm = margins_of(p.page);
            p.bbox.x1 <= pm.right - pm.line * 3 / 2
        });
        if prev.is_some() && (indented || after_short) {
            out.push('\n');
        }
        out.push_str(l.text.trim());
        prev = Some(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line `chars` characters long, indented by `indent`, on a page whose text runs
    /// from x = 100 to 1100 in 40-pixel characters.
    fn line(page: usize, y: i32, indent: i32, text: &str) -> Line {
        let n = text.chars().count() as i32;
        let x0 = 100 + indent * 40;
        Line {
            page,
            bbox: PixelBox::from_corners(x0, y, (x0 + n * 40).min(1100), y + 40),
            text: text.to_string(),
        }
    }

    /// A line that runs to the right margin (a paragraph's first when indented).
    fn full_from(page: usize, y: i32, indent: i32, text: &str) -> Line {
        Line {
            page,
            bbox: PixelBox::from_corners(100 + indent * 40, y, 1100, y + 40),
            text: text.to_string(),
        }
    }

    fn full(page: usize, y: i32, text: &str) -> Line {
        full_from(page, y, 0, text)
    }

    /// A title's line at the top of page 1, set taller than the body.
    fn tall_title(text: &str) -> Line {
        Line {
            bbox: PixelBox::from_corners(200, 100, 1000, 170),
            ..full(1, 100, text)
        }
    }

    #[test]
    fn a_part_whose_table_was_found_is_there_though_its_heading_was_not_read() {
        let section = |number: &str, heading: &str, text: &str| Section {
            number: number.into(),
            heading: heading.into(),
            text: text.into(),
        };
        let mut prose = Prose {
            sections: vec![
                section("一", "总体情况", "全年发布信息。"),
                section("二", "主动公开政府信息情况", ""),
                section("五", "存在的主要问题及改进情况", "公开不够及时。"),
            ],
            ..Prose::default()
        };
        prose.add_parts_of_tables(["active_disclosure", "applications", "reviews_litigation"]);
        let parts: Vec<(&str, &str, &str)> = (prose.sections.iter())
            .map(|s| (s.number.as_str(), s.heading.as_str(), s.text.as_str()))
            .collect();
        assert_eq!(
            parts,
            [
                ("一", "总体情况", "全年发布信息。"),
                ("二", "主动公开政府信息情况", ""),
                ("三", "收到和处理政府信息公开申请情况", ""),
                ("四", "政府信息公开行政复议、行政诉讼情况", ""),
                ("五", "存在的主要问题及改进情况", "公开不够及时。"),
            ]
        );
        let mut none = Prose::default();
        none.add_parts_of_tables(["applications"]);
        assert_eq!(none.sections.len(), 1);
        assert_eq!(none.sections[0].number, "三");
    }

    #[test]
    fn a_misread_first_heading_still_opens_the_first_part() {
        let lines = vec![
            tall_title("某某县人民政府2021年政府信息公开工作年"),
            line(1, 180, 8, "度报告"),
            line(1, 240, 2, "根据条例编制本报告。"),
            line(1, 300, 0, "总体精况"),
            full(1, 360, "全年发布信息一百条。"),
            line(1, 420, 0, "二、主动公开政府信息情况"),
        ];
        let p = assemble(&lines);
        assert_eq!(p.preamble, "根据条例编制本报告。");
        assert_eq!(p.sections[0].number, "一");
        assert_eq!(p.sections[0].heading, "总体情况");
        assert_eq!(p.sections[0].text, "全年发布信息一百条。");
        let mut other = lines.clone();
        other[3].text = "联系方式".into();
        let p = assemble(&other);
        assert_eq!(
            p.sections[0].number, "二",
            "a short line of other words is no heading"
        );
    }

    #[test]
    fn a_title_no_taller_than_the_body_ends_at_its_report() {
        let lines = vec![
            full(1, 100, "某某县人民政府办公室2021年政府信息公开工"),
            line(1, 160, 10, "作年度报告"),
            line(1, 220, 2, "根据条例编制本报告。"),
            line(1, 280, 0, "一、总体情况"),
            full(1, 340, "全年发布信息一百条。"),
        ];
        let p = assemble(&lines);
        assert_eq!(p.preamble, "根据条例编制本报告。");
        assert_eq!(p.sections[0].text, "全年发布信息一百条。");
        let untitled = assemble(&lines[2..]);
        assert_eq!(
            untitled.preamble, "根据条例编制本报告。",
            "a preamble is no title"
        );
    }

    #[test]
    fn headings_paragraphs_and_the_closing() {
        let lines = vec![
            tall_title("某某县人民政府2021年政府信息公开工作年度报告"),
            line(1, 200, 2, "根据条例编制本报告。"),
            line(1, 260, 0, "一、总体情况"),
            line(1, 320, 2, "(一)主动公开情况"),
            full_from(1, 380, 2, "全年发布信息一百条，"),
            full(1, 440, "内容涉及各个领域，回应社会关切，做到应公开尽公开，"),
            line(1, 500, 0, "一年来成效明显。"),
            line(1, 560, 0, "二、主动公开政府信息情况"),
            line(1, 900, 0, "收到和处理政府信息公开"),
            line(1, 960, 0, "申请情况"),
            line(1, 2000, 12, "- 1 -"),
            line(2, 100, 0, "四、政府信息公开行政复议、行政诉讼情况"),
            line(2, 400, 0, "五、存在的主要问题及改进情况"),
            full_from(2, 460, 2, "问题是公开不够及时，"),
            full(
                2,
                520,
                "下一步将改进。改进的措施包括健全制度、加强培训和监督",
            ),
            line(2, 580, 0, "展。"),
            line(2, 640, 0, "六、其他需要报告事项"),
            line(2, 700, 2, "无其他需要报告的事项。"),
            line(2, 800, 14, "某某县人民政府"),
            line(2, 860, 14, "2022年1月19日"),
        ];
        let p = assemble(&lines);
        assert_eq!(p.preamble, "根据条例编制本报告。");
        let numbers: Vec<&str> = p.sections.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(numbers, ["一", "二", "三", "四", "五", "六"]);
        assert_eq!(p.sections[2].heading, "收到和处理政府信息公开申请情况");
        assert_eq!(p.sections[3].heading, "政府信息公开行政复议、行政诉讼情况");
        assert_eq!(
            p.sections[0].text,
            "(一)主动公开情况\n全年发布信息一百条，内容涉及各个领域，回应社会关切，做到应公开尽公开，一年来成效明显。"
        );
        assert_eq!(p.sections[1].text, "");
        assert_eq!(p.sections[3].text, "", "the page number is not text");
        assert!(p.sections[4]
            .text
            .starts_with("问题是公开不够及时，下一步将改进。"));
        assert_eq!(
            p.sections[5].heading, "其他需要报告事项",
            "printed words kept"
        );
        assert_eq!(p.sections[5].text, "无其他需要报告的事项。");
        let closing: Vec<&str> = p.closing.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(closing, ["某某县人民政府", "2022年1月19日"]);
        assert_eq!(p.published(None).as_deref(), Some("2022-01-19"));
    }

    #[test]
    fn a_paragraph_that_mentions_a_heading_is_not_one() {
        assert_eq!(
            heading_of("三、收到和处理政府信息公开申请情况"),
            Some((2, 1.0))
        );
        assert!(
            heading_of("三、收到和处理政府信息公开申请情况，全年共收到申请八件，均已答复")
                .is_none()
        );
        assert!(
            heading_of("二、总体情况").is_none(),
            "the number must agree"
        );
        assert!(heading_of("总体情况").is_some_and(|h| h.0 == 0));
        assert!(
            heading_of("(一)主动公开政府信息情况").is_none(),
            "a subsection"
        );
        assert!(is_page_furniture("- 3 -") && !is_page_furniture("无。"));
        assert!(is_page_furniture("第二十条第（一）项"));
        assert_eq!(
            without_number("人六、其他需要报告的事项"),
            "其他需要报告的事项"
        );
        assert_eq!(
            without_number("收到和处理政府信息公开申请情况"),
            "收到和处理政府信息公开申请情况"
        );
    }

    #[test]
    fn text_layer_characters_become_lines_outside_tables() {
        let ch = |ch, x, y| TextChar {
            ch,
            bbox: PixelBox::from_corners(x, y, x + 20, y + 24),
        };
        let chars = vec![
            ch('乙', 130, 112),
            ch('甲', 100, 100),
            ch('丙', 100, 150),
            ch('表', 100, 400),
        ];
        let table = [PixelBox::from_corners(50, 380, 500, 450)];
        let lines = text_layer_lines(&chars, &table);
        let texts: Vec<&str> = lines.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(texts, ["甲乙", "丙"]);
    }
}

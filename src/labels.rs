//! Labels: normalizes printed or OCR'd labels and scores how alike two are, tolerant of
//! OCR noise, numbering, bracket widths, punctuation and line breaks.

/// Drops numbering such as `一、`, `（三）`, `2.` at the start, then everything that
/// is not a letter or ideograph, and folds full-width forms to half-width.
pub fn normalize(label: &str) -> String {
    let folded: String = label.chars().map(fold_width).collect();
    let stripped = strip_numbering(&folded);
    stripped.chars().filter(|c| is_word_char(*c)).collect()
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '〔' | '【' => '[',
        '〕' | '】' => ']',
        _ => c,
    }
}

fn is_word_char(c: char) -> bool {
    // Digits go too: they are numbering (1. 2. …) in every label of the format.
    c.is_alphabetic() && !matches!(c, '〇')
}

const NUMERALS: &str = "一二三四五六七八九十";

fn strip_numbering(s: &str) -> &str {
    let mut rest = s.trim_start();
    loop {
        let before = rest;
        let t = rest.trim_start_matches(['(', '[']);
        let num_end = t
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || NUMERALS.contains(*c)))
            .map(|(i, _)| i)
            .unwrap_or(t.len());
        if num_end > 0 {
            let after = &t[num_end..];
            if let Some(c) = after.chars().next() {
                if matches!(c, ')' | ']' | '、' | '.' | '．' | ',' | '，') {
                    rest = after[c.len_utf8()..].trim_start();
                }
            }
        }
        if rest == before {
            return rest;
        }
    }
}

/// Dice similarity over the longest common subsequence of characters, 0…1.
pub fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut prev = vec![0u16; b.len() + 1];
    let mut cur = vec![0u16; b.len() + 1];
    for &ca in &a {
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    2.0 * prev[b.len()] as f32 / (a.len() + b.len()) as f32
}

/// Ends a label of which only the first line was read: the rest is there, unread.
pub const UNREAD_REST: char = '…';

/// A label left unread on purpose: none of it read, all of it there. Mapping names its
/// row by its place between rows named by their labels, or asks for it to be read.
pub fn unread() -> String {
    UNREAD_REST.to_string()
}

/// Whether `text` is a label left unread ([`unread`]).
pub fn is_unread(text: &str) -> bool {
    text.strip_prefix(UNREAD_REST) == Some("")
}

/// Best similarity of an observed label to any of a row's printed variants; a label
/// read in part (ending in [`UNREAD_REST`]) is compared with as much of each variant,
/// and two characters more for what OCR dropped or merged.
pub fn best_similarity(observed: &str, variants: &[&str]) -> f32 {
    let o = normalize(observed);
    let in_part = observed.ends_with(UNREAD_REST);
    variants
        .iter()
        .map(|v| {
            let v = normalize(v);
            if in_part {
                similarity(
                    &o,
                    &v.chars().take(o.chars().count() + 2).collect::<String>(),
                )
            } else {
                similarity(&o, &v)
            }
        })
        .fold(0.0, f32::max)
}

/// Similarity to a format label above which a label is taken as named: what a row
/// label read with a character or two wrong keeps, and a line of glyphs read the wrong
/// way round, or of noise, never reaches.
const NAMED: f32 = 0.6;

/// Whether `text` reads as one of the format's labels (`variants`).
pub fn names_a_label(text: &str, variants: &[&str]) -> bool {
    best_similarity(text, variants) >= NAMED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_brackets_and_breaks_are_ignored() {
        assert_eq!(normalize("（三）不予公开"), "不予公开");
        assert_eq!(normalize("(三)不予公开"), "不予公开");
        assert_eq!(
            normalize("一、本年新收政府信息\n公开申请数量"),
            "本年新收政府信息公开申请数量"
        );
        assert_eq!(
            normalize("2.其他法律行政法\n规禁止公开"),
            "其他法律行政法规禁止公开"
        );
        assert_eq!(normalize("3.危及“三安全一稳定”"), "危及三安全一稳定");
    }

    #[test]
    fn both_names_of_normative_documents_match() {
        assert!(best_similarity("行政规范性文件", &["规范性文件"]) > 0.8);
        assert!(best_similarity("规范性文件", &["行政规范性文件"]) > 0.8);
    }

    /// Garbles found in the OCR text of the scan behind seed 001.
    #[test]
    fn ocr_garbled_labels_still_match_their_row() {
        let cases = [
            (
                "(二) 菩部分公开(区分处理的,只计这一情形,不计其他情形)",
                "部分公开区分处理的只计这一情形不计其他情形",
            ),
            ("(三) 不予公", "不予公开"),
            ("(四)无法提 供", "无法提供"),
            ("(六) 其他处 理", "其他处理"),
            (
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信 息公开申请",
                "申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",
            ),
            ("三、本年度办理 结果", "本年度办理结果"),
            (
                "结果维持 结果纠正 其他组 甘州姓田 は果 尚未审结",
                "结果维持结果纠正其他结果尚未审结",
            ),
        ];
        for (garbled, label) in cases {
            let s = best_similarity(garbled, &[label]);
            assert!(s >= 0.7, "{garbled} vs {label}: {s}");
        }
    }

    #[test]
    fn different_rows_stay_apart() {
        assert!(best_similarity("属于国家秘密", &["属于行政查询事项"]) < 0.6);
        // A wrapped label read by its first line names its row, not its sibling.
        let first = format!("1.申请人无正当理由逾{UNREAD_REST}");
        let own = "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请";
        let sibling = "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请";
        assert!(best_similarity(&first, &[own]) > 0.8);
        assert!(best_similarity(&first, &[sibling]) < 0.5);
        assert!(best_similarity("1.申请人无正当理由逾", &[own]) < 0.5);
        assert!(best_similarity("行政处罚", &["行政强制"]) <= 0.5);
    }
}

//! The report's date as printed under its closing lines, in Arabic or Chinese
//! numerals, read through the misreadings a seal stamped over it makes.

/// Whether `text` holds some part of a date as these reports print one: a digit, 〇,
/// 年, 月 or 日. A date misread beyond parsing mostly keeps one of them.
pub fn looks_dated(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_digit() || "年月日〇".contains(c))
}

/// The last date in `text` as `YYYY-MM-DD`, Arabic or Chinese numerals.
///
/// `report_year` is the year the report covers; the regulation has it published in the
/// next one (every bench truth is), so a year read with one numeral lost, misread or
/// blotted (二二二年, 二〇二站年, 三O三一年) is taken as that year when it is one
/// numeral's change away from it — never from nothing.
pub fn parse_date(text: &str, report_year: Option<i32>) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    iso_date(&t).or_else(|| cn_date(&t, report_year))
}

/// The last date written with digits and dashes, slashes or dots (2022-01-19).
fn iso_date(t: &str) -> Option<String> {
    let chars: Vec<char> = t.chars().collect();
    let mut found = None;
    for start in 0..chars.len() {
        if start > 0 && chars[start - 1].is_ascii_digit() {
            continue;
        }
        let rest: String = chars[start..].iter().take(10).collect();
        let parts: Vec<&str> = rest.split(['-', '/', '.']).collect();
        if parts.len() < 3 || parts[0].len() != 4 {
            continue;
        }
        let num = |s: &str| -> Option<u32> {
            let d: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
            (!d.is_empty() && d.len() <= 2 || d.len() == 4).then(|| d.parse().ok())?
        };
        let (Some(y), Some(m), Some(d)) = (num(parts[0]), num(parts[1]), num(parts[2])) else {
            continue;
        };
        if (2000..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) {
            found = Some(format!("{y:04}-{m:02}-{d:02}"));
        }
    }
    found
}

/// Month and day from what follows 年 up to 日: 1月19日, or with a character misread
/// among them (3月3上日, 2蝇9日 or 2日9上日 where 月 was lost, [月20日 where 1 was read
/// a bracket): two runs of numerals.
fn month_day(tail: &str) -> Option<(u32, u32)> {
    let is_numeral = |c: char| c == '十' || cn_number(&c.to_string()).is_some();
    // The last 日 close after 年: 月 misread as 日 (2日9上日) leaves one before it.
    let near: String = tail.chars().take(8).collect();
    let md = match near.rfind('日') {
        Some(at) => &near[..at],
        // 日 itself misread (16记, 16巨): taken only as the text's last character,
        // right after the day's numerals.
        None if tail.chars().count() <= 6 => {
            let mut back = tail.chars().rev();
            let (last, day_end) = (back.next()?, back.next()?);
            (!is_numeral(last) && is_numeral(day_end))
                .then(|| &tail[..tail.len() - last.len_utf8()])?
        }
        None => return None,
    };
    // A 1 on its own is often read as a bar or a bracket (2024年[月20日), and 八
    // after a numeral as 人 (十人日).
    let mut read = String::new();
    for c in md.chars() {
        read.push(match c {
            _ if "|[]lI丨".contains(c) => '1',
            '人' if read.chars().next_back().is_some_and(is_numeral) => '八',
            _ => c,
        });
    }
    let md = read;
    let runs: Vec<String> = md
        .split(|c: char| !is_numeral(c))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    let [m, d] = runs.as_slice() else {
        return None;
    };
    // A day's 十 with a mark after it was 十 and a numeral (十人日: 十八 or 十 alone).
    if d.ends_with('十') && !md.ends_with('十') {
        return None;
    }
    let month = cn_number(m).filter(|m| (1..=12).contains(m))?;
    let day = cn_number(d).filter(|d| (1..=31).contains(d))?;
    Some((month, day))
}

/// The last date written 2022年1月19日 (or in Chinese numerals).
fn cn_date(t: &str, report_year: Option<i32>) -> Option<String> {
    let mut found = None;
    let mut rest = t;
    while let Some(y_at) = rest.find('年') {
        let head = &rest[..y_at];
        let tail = &rest[y_at + '年'.len_utf8()..];
        let date = (|| {
            // A report on a year is published after it, within the next year or two (a
            // late one): a year read outside that is a misread (二〇二五 read 二〇〇二
            // under a seal's star), and may still be the expected one near enough.
            let plausible =
                |y: &u32| report_year.is_none_or(|r| (r..=r + 2).contains(&(*y as i32)));
            let year = (read_year(head).filter(plausible))
                .or_else(|| near_year(head, report_year? + 1))?;
            let (month, day) = month_day(tail)?;
            Some(format!("{year:04}-{month:02}-{day:02}"))
        })();
        if date.is_some() {
            found = date;
        }
        rest = tail;
    }
    found
}

/// The year ending `head`: its last four numerals, a seal's mark read among them
/// (二人〇二五) passed over, at most two such.
fn read_year(head: &str) -> Option<u32> {
    let year_text: String = head
        .chars()
        .rev()
        .take(6)
        .filter(|c| cn_number(&c.to_string()).is_some())
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    cn_number(&year_text).filter(|y| (2000..=2100).contains(y))
}

/// `expected` when the end of `head` reads as it, written in either numerals, give or
/// take one numeral lost, added or blotted (a blot read as several marks is one); 二
/// and 三 or 一, which a stroke more or less turns into each other, count half.
fn near_year(head: &str, expected: i32) -> Option<u32> {
    let arabic: Vec<char> = format!("{expected:04}").chars().collect();
    let chinese: Vec<char> = arabic
        .iter()
        .map(|&d| {
            "〇一二三四五六七八九"
                .chars()
                .nth(d as usize - '0' as usize)
                .unwrap_or(d)
        })
        .collect();
    // A blot read as two marks or more (二@@二四) is still one blot.
    let mut end: Vec<char> = head.chars().rev().take(6).collect::<Vec<_>>();
    end.dedup_by(|a, b| cn_number(&a.to_string()).is_none() && cn_number(&b.to_string()).is_none());
    let end: Vec<char> = end.into_iter().rev().collect();
    let best = [arabic, chinese]
        .iter()
        .map(|want| suffix_distance(&end, want))
        .fold(f32::INFINITY, f32::min);
    (best <= 1.0).then_some(expected as u32)
}

/// Edit distance between `want` and the best-matching end of `read` (what comes
/// before that end is free): the cost of reading `want` as the year's last characters.
fn suffix_distance(read: &[char], want: &[char]) -> f32 {
    let sub = |a: char, b: char| -> f32 {
        let (x, y) = (cn_number(&a.to_string()), cn_number(&b.to_string()));
        match (x, y) {
            _ if a == b => 0.0,
            (Some(x), Some(y)) if x == y => 0.0,
            (Some(x), Some(y)) if [(1, 2), (2, 3)].contains(&(x.min(y), x.max(y))) => 0.5,
            _ => 1.0,
        }
    };
    // Aligned backwards from the end of both: d[i][j] = cost of the last i of `read`
    // against the last j of `want`.
    let (n, m) = (read.len(), want.len());
    let mut d = vec![vec![0.0f32; m + 1]; n + 1];
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j as f32;
    }
    for i in 1..=n {
        d[i][0] = i as f32;
        for j in 1..=m {
            let (a, b) = (read[n - i], want[m - j]);
            d[i][j] = (d[i - 1][j - 1] + sub(a, b))
                .min(d[i - 1][j] + 1.0)
                .min(d[i][j - 1] + 1.0);
        }
    }
    (0..=n).map(|i| d[i][m]).fold(f32::INFINITY, f32::min)
}

/// `2021`, `二〇二一`, `十二`, `二十九`, `3` → numbers; OCR's O and o count as zero.
pub(super) fn cn_number(s: &str) -> Option<u32> {
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
    fn dates_in_both_numeral_styles() {
        assert_eq!(
            parse_date("殷都区人民政府办公室\n2022年1月19日", None).as_deref(),
            Some("2022-01-19")
        );
        assert_eq!(
            parse_date("二〇二二年一月十九日", None).as_deref(),
            Some("2022-01-19")
        );
        assert_eq!(
            parse_date("二O二三年十二月三十一日", None).as_deref(),
            Some("2023-12-31")
        );
        assert_eq!(parse_date("无其他需要报告的事项。", None), None);
        assert_eq!(
            parse_date("2022-01-19", None).as_deref(),
            Some("2022-01-19")
        );
        assert_eq!(
            parse_date("二人〇二五年三月三日", None).as_deref(),
            Some("2025-03-03")
        );
        assert_eq!(
            parse_date("发布日期：2024/1/16", None).as_deref(),
            Some("2024-01-16")
        );
        assert_eq!(parse_date("电话0991-1234567", None), None);
    }

    #[test]
    fn a_year_one_numeral_off_the_next_one_is_taken_only_with_the_report_year() {
        let cases = [
            (
                "阿合奇县人民政府二二二年一月十九日",
                2021,
                Some("2022-01-19"),
            ),
            (
                "西阳市科学技术局二〇二站年三月三日",
                2024,
                Some("2025-03-03"),
            ),
            ("三O三一年三月八日", 2020, Some("2021-03-08")),
            ("和田地区民政局2024年1月16记", 2023, Some("2024-01-16")),
            // A seal's star over 〇, read as two marks.
            ("二@@二四年二归十八日", 2023, Some("2024-02-18")),
            // Two numerals off, or nothing of a year read: no date.
            ("二〇站站年三月三日", 2024, None),
            ("区站玛基年示月干九日", 2021, None),
            // A year read whole stands, even against the report's, up to two years
            // on; one before the report's own is a misread, the next year's or none.
            ("二〇二三年一月五日", 2021, Some("2023-01-05")),
            ("二〇〇二年三月一日", 2024, None),
            ("二〇二〇年一月五日", 2021, Some("2022-01-05")),
            // A 1 read as a bar or a bracket.
            ("2024 年[月 20日", 2023, Some("2024-01-20")),
            // 年 misread: what else a mark over it hid is not known (2021第5月1日
            // was 2021年3月1日).
            ("2021第5月1日", 2020, None),
            // 八 read 人; a day's 十 and a mark: 十 alone or 十 and a numeral misread.
            ("二8二四年2有十人日", 2023, Some("2024-02-18")),
            ("二〇二四年二月十上日", 2023, None),
            // A misread 日 counts only at the very end.
            ("2024年1月16记录在案", 2023, None),
        ];
        for (text, year, want) in cases {
            assert_eq!(parse_date(text, Some(year)).as_deref(), want, "{text}");
        }
        assert_eq!(parse_date("二二二年一月十九日", None), None);
    }
}

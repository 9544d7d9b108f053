//! Place names: restores the names of administrative divisions that open an
//! organization's name (河南省安阳市殷都区…) when OCR misread a character of them but
//! kept the right one among its alternatives.
//!
//! Titles are set large and bold, in faces the `chi_sim` model saw little of; rare
//! characters of place names (殷 read as 笑 or 股) are its typical misses. A name is
//! restored only when every character of a known name is either what was read or one
//! of Tesseract's alternatives for that character, and a name that was read as printed
//! is never touched: the image has to offer the correction.

use crate::ocr::Symbol;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Known names grouped by length in characters.
pub struct Places {
    by_len: HashMap<usize, Vec<Vec<char>>>,
}

impl Places {
    /// The names in `models/places/names.txt` (built by `scripts/fit_places.sh`),
    /// built into the binary.
    pub fn bundled() -> &'static Places {
        static PLACES: OnceLock<Places> = OnceLock::new();
        PLACES.get_or_init(|| Places::from_lines(include_str!("../models/places/names.txt")))
    }

    /// One name per line; blank lines are skipped.
    pub fn from_lines(text: &str) -> Places {
        let mut by_len: HashMap<usize, Vec<Vec<char>>> = HashMap::new();
        for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let chars: Vec<char> = name.chars().collect();
            by_len.entry(chars.len()).or_default().push(chars);
        }
        Places { by_len }
    }

    /// `read` with the place names at its start restored: names are matched one after
    /// the other from the first character (province, prefecture, county), and matching
    /// stops at the first stretch that is no known name.
    pub fn restore(&self, read: &[Symbol]) -> String {
        let chars: Vec<char> = read.iter().flat_map(|s| s.text.chars()).collect();
        // Alternatives are per symbol; a symbol of several characters cannot be
        // lined up with a name's characters.
        if chars.len() != read.len() {
            return chars.into_iter().collect();
        }
        let mut out = chars.clone();
        let mut at = 0;
        while let Some((len, name)) = self.best_at(&read[at..]) {
            out[at..at + len].copy_from_slice(&name);
            at += len;
        }
        out.into_iter().collect()
    }

    /// The known name that `read` starts with: the longest read exactly, else the
    /// longest reached through alternatives, the fewest and surest substitutions
    /// among names of one length.
    fn best_at(&self, read: &[Symbol]) -> Option<(usize, Vec<char>)> {
        let mut lens: Vec<usize> = self.by_len.keys().copied().collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        let lens: Vec<usize> = lens.into_iter().filter(|&l| l <= read.len()).collect();
        let mut reached = None;
        for &len in &lens {
            let best = self.by_len[&len]
                .iter()
                .filter_map(|name| substitution_cost(&read[..len], name).map(|c| (c, name)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((0.0, name)) => return Some((len, name.clone())),
                Some((_, name)) if reached.is_none() => reached = Some((len, name.clone())),
                _ => {}
            }
        }
        reached
    }
}

/// The symbols of `line` that read `part` (an organization cut out of a title), one
/// a character: punctuation and spaces, which titles lose when parsed, are skipped in
/// `line`. `None` where `part` is not found there, or a symbol holds several
/// characters and cannot be lined up with a name's.
pub fn symbols_of(part: &str, line: &[Symbol]) -> Option<Vec<Symbol>> {
    let kept: Vec<&Symbol> = line
        .iter()
        .filter(|s| {
            !s.text
                .chars()
                .all(|c| c.is_whitespace() || c.is_ascii_punctuation())
        })
        .collect();
    if kept.iter().any(|s| s.text.chars().count() != 1) {
        return None;
    }
    let joined: String = kept.iter().map(|s| s.text.as_str()).collect();
    let start = joined[..joined.find(part)?].chars().count();
    let read = &kept[start..start + part.chars().count()];
    Some(read.iter().map(|s| (*s).clone()).collect())
}

/// A character read at least this surely is never replaced: a place the list lacks (a
/// district created since, a name in an example) must survive being read right.
const SURE_READ: f32 = 0.95;

/// How much `name` departs from what was read, if every character of it was read or
/// offered: the sum, over the substituted characters, of how much surer Tesseract was
/// of its reading than of the name's character. `None` when a character of the name
/// was never seen, when it would replace a sure read, or when more than one character
/// in three would change (a name made mostly of second choices is a guess).
fn substitution_cost(read: &[Symbol], name: &[char]) -> Option<f32> {
    let mut cost = 0.0;
    let mut changed = 0;
    for (s, &c) in read.iter().zip(name) {
        if s.text.chars().eq([c]) {
            continue;
        }
        if s.confidence >= SURE_READ {
            return None;
        }
        let alt = s.alternatives.iter().find(|(t, _)| t.chars().eq([c]))?;
        changed += 1;
        cost += (s.confidence - alt.1).max(0.0) + 1.0;
    }
    (changed * 3 <= name.len()).then_some(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(text: &str, confidence: f32, alternatives: &[(&str, f32)]) -> Symbol {
        Symbol {
            text: text.to_string(),
            confidence,
            alternatives: alternatives
                .iter()
                .map(|(t, p)| (t.to_string(), *p))
                .collect(),
        }
    }

    fn plain(text: &str) -> Vec<Symbol> {
        text.chars()
            .map(|c| sym(&c.to_string(), 0.9, &[]))
            .collect()
    }

    fn places() -> Places {
        Places::from_lines("河南省\n安阳市\n殷都区\n盐池县\n新都区\n")
    }

    #[test]
    fn a_misread_character_is_restored_from_its_alternatives() {
        let mut read = vec![sym("笑", 0.6, &[("殷", 0.3), ("花", 0.2)])];
        read.extend(plain("都区人民政府办公室"));
        assert_eq!(places().restore(&read), "殷都区人民政府办公室");
    }

    #[test]
    fn names_are_restored_one_after_another() {
        let mut read = plain("河南省安阳市");
        read.push(sym("股", 0.5, &[("殷", 0.4)]));
        read.extend(plain("都区"));
        assert_eq!(places().restore(&read), "河南省安阳市殷都区");
    }

    #[test]
    fn without_the_name_among_the_alternatives_nothing_changes() {
        let mut read = vec![sym("笑", 0.6, &[("花", 0.2)])];
        read.extend(plain("都区人民政府"));
        assert_eq!(places().restore(&read), "笑都区人民政府");
        // A made-up place, read right, stays as read.
        assert_eq!(
            places().restore(&plain("明泉市市场监督管理局")),
            "明泉市市场监督管理局"
        );
    }

    #[test]
    fn a_sure_read_of_an_unlisted_place_is_kept() {
        let mut read = vec![sym("华", 0.99, &[("新", 0.0)])];
        read.extend(plain("都区人民政府"));
        assert_eq!(places().restore(&read), "华都区人民政府");
    }

    #[test]
    fn a_name_read_exactly_beats_one_reached_through_alternatives() {
        let mut read = vec![sym("新", 0.7, &[("殷", 0.6)])];
        read.extend(plain("都区"));
        assert_eq!(places().restore(&read), "新都区");
    }

    #[test]
    fn an_organization_is_found_in_its_title_line() {
        let mut line = plain("2021年");
        line.push(sym("笑", 0.6, &[("殷", 0.3)]));
        line.extend(plain("都区人民政府. 政府信息公开"));
        let read = symbols_of("笑都区人民政府", &line).unwrap();
        assert_eq!(places().restore(&read), "殷都区人民政府");
        assert_eq!(symbols_of("殷都区人民政府", &line), None);
        assert_eq!(symbols_of("别处", &line), None);
    }

    #[test]
    fn the_bundled_list_knows_counties_and_districts() {
        let p = Places::bundled();
        let mut read = vec![sym("笑", 0.6, &[("殷", 0.3)])];
        read.extend(plain("都区"));
        assert_eq!(p.restore(&read), "殷都区");
        assert_eq!(p.restore(&plain("盐池县")), "盐池县");
    }
}

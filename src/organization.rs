//! The organization's name: read in the title, its place names restored
//! ([`crate::places`]), and its other characters checked against the prose, which
//! names the body again (the preamble's "现发布《…年度报告》", the signature).
//!
//! A title is set large in display faces the `chi_sim` model saw little of, and
//! one character of a name read wrong (明泉 read 明凡, 机关 read 宙关) spoils the
//! field users sort an archive by. The body text, in the common song face, is read
//! differently: where it holds the name with that one character otherwise, in the
//! same surroundings, the title's reading gives way — on two such places, or on one
//! where the title's character was read unsurely.

use crate::ocr::Symbol;
use crate::places::{symbols_of, Places};
use std::collections::{HashMap, HashSet};

/// Characters on either side of one in question, together, that a stretch of the
/// prose must repeat exactly to speak for it: four make coincidence unlikely in
/// names of six to twenty characters while leaving room for the prose to have
/// misread other characters of the name.
const CONTEXT: usize = 4;

/// A title character read at least this surely gives way only to two places in the
/// prose; below it, one is enough. Tesseract's misreads of title faces lie at 0.6–0.8
/// on the bench, its right readings mostly above 0.95.
const SURE_TITLE: f32 = 0.9;

/// An organization as read in a title, with how surely each of its characters was read.
#[derive(Clone, Debug, PartialEq)]
pub struct TitleOrganization {
    pub name: String,
    /// Per character of `name`: Tesseract's confidence, 1 for a character a known
    /// place name restored or one whose reading could not be found in the title line.
    sureness: Vec<f32>,
}

impl TitleOrganization {
    /// `read`, cut out of the title read as `line`, with its place names restored.
    pub fn from_title(read: &str, line: &[Symbol], places: &Places) -> TitleOrganization {
        let symbols = symbols_of(read, line);
        let name = match &symbols {
            Some(s) => places.restore(s),
            None => read.to_string(),
        };
        let sureness = match symbols {
            Some(s) => (name.chars().zip(&s))
                .map(|(c, s)| {
                    if s.text.chars().eq([c]) {
                        s.confidence
                    } else {
                        1.0
                    }
                })
                .collect(),
            None => vec![1.0; name.chars().count()],
        };
        TitleOrganization { name, sureness }
    }

    /// The name with each character the prose gives otherwise replaced: where no
    /// stretch of `prose` repeating the `CONTEXT` characters around it holds the
    /// title's, and either two such stretches hold another, or the title's reading was
    /// unsure (`SURE_TITLE`) and the prose holds the whole name with that other —
    /// in more places than any third reading.
    pub fn confirmed_by(&self, prose: &str) -> String {
        let name: Vec<char> = self.name.chars().collect();
        let prose: Vec<char> = prose.chars().collect();
        if name.len() <= CONTEXT {
            return self.name.clone();
        }
        let mut out = name.clone();
        for (i, read) in name.iter().enumerate() {
            let near = read_elsewhere(&name, i, CONTEXT + 1, &prose);
            if near.contains_key(read) {
                continue;
            }
            let whole = read_elsewhere(&name, i, name.len(), &prose);
            let unsure = self.sureness[i] < SURE_TITLE;
            let mut backed: Vec<(usize, char)> = (near.iter())
                .filter(|(c, at)| at.len() >= 2 || (unsure && whole.contains_key(c)))
                .map(|(&c, at)| (at.len(), c))
                .collect();
            backed.sort_unstable_by(|a, b| b.cmp(a));
            // Where the prose reads the character two ways as often, it is no surer
            // than the title.
            match backed[..] {
                [(n, c), (m, _), ..] if n > m => out[i] = c,
                [(_, c)] => out[i] = c,
                _ => {}
            }
        }
        out.into_iter().collect()
    }
}

/// What `prose` holds in place of `name[i]` where it repeats a stretch of `name`
/// `width` characters long around `i` in every other character: each character
/// (punctuation aside) with the places in `prose` that hold it.
fn read_elsewhere(
    name: &[char],
    i: usize,
    width: usize,
    prose: &[char],
) -> HashMap<char, HashSet<usize>> {
    let mut found: HashMap<char, HashSet<usize>> = HashMap::new();
    for start in i.saturating_sub(width - 1)..=i.min(name.len() - width) {
        let (pattern, at) = (&name[start..start + width], i - start);
        for (p, stretch) in prose.windows(width).enumerate() {
            let repeats =
                (stretch.iter().zip(pattern).enumerate()).all(|(k, (a, b))| k == at || a == b);
            if repeats && stretch[at].is_alphanumeric() {
                found.entry(stretch[at]).or_default().insert(p + at);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, unsure: &[(usize, f32)]) -> Vec<Symbol> {
        (text.chars().enumerate())
            .map(|(i, c)| Symbol {
                text: c.to_string(),
                confidence: unsure.iter().find(|u| u.0 == i).map_or(0.99, |u| u.1),
                alternatives: Vec::new(),
            })
            .collect()
    }

    fn org(text: &str, unsure: &[(usize, f32)]) -> TitleOrganization {
        let line = read(&format!("{text}2024年政府信息公开工作年度报告"), unsure);
        TitleOrganization::from_title(text, &line, &Places::from_lines("盐池县\n"))
    }

    #[test]
    fn an_unsure_character_gives_way_to_the_prose() {
        let o = org("明凡市市场监督管理局", &[(1, 0.62)]);
        let prose = "2024年，明泉市市场监督管理局坚持以习近平新时代中国特色社会主义思想为指导";
        assert_eq!(o.confirmed_by(prose), "明泉市市场监督管理局");
    }

    #[test]
    fn a_sure_character_gives_way_to_two_places_only() {
        let o = org("盐池县宙关事务服务中心", &[(3, 0.95)]);
        let once = "现发布《盐池具机关事务服务中心2021年政府信息公开工作年度报告》";
        assert_eq!(o.confirmed_by(once), "盐池县宙关事务服务中心");
        let twice = format!("{once}\n修订了《机关事务服务中心政务信息公开工作制度》");
        // 县 stays: the prose's 具 never stands among four characters read alike.
        assert_eq!(o.confirmed_by(&twice), "盐池县机关事务服务中心");
    }

    #[test]
    fn a_character_the_prose_reads_two_ways_as_often_stays() {
        let o = org("明凡市市场监督管理局", &[(1, 0.62)]);
        let prose = "2024年，明泉市市场监督管理局坚持\n明朱市市场监督管理局";
        assert_eq!(o.confirmed_by(prose), "明凡市市场监督管理局");
    }

    #[test]
    fn a_character_the_prose_also_reads_stays() {
        let o = org("明凡市市场监督管理局", &[(1, 0.62)]);
        let prose = "明泉市市场监督管理局\n本报告由明凡市市场监督管理局编制";
        assert_eq!(o.confirmed_by(prose), "明凡市市场监督管理局");
    }

    #[test]
    fn a_body_one_character_apart_changes_no_sure_reading() {
        let o = org("安阳市财政局", &[]);
        let prose = "在安阳市人民政府的领导下，会同安阳市民政局";
        assert_eq!(o.confirmed_by(prose), "安阳市财政局");
    }

    #[test]
    fn a_name_shorter_than_the_context_is_kept() {
        let o = org("某某局", &[(1, 0.5)]);
        assert_eq!(o.confirmed_by("某甲局的工作"), "某某局");
    }
}

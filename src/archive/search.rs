//! Search: full-text search over the archive's prose (SQLite FTS5 with the trigram
//! tokenizer), each hit with its document, section and a snippet around the match.

use super::Archive;
use crate::error::Result;
use rusqlite::params;

/// One section that holds the phrase.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub path: String,
    pub organization: Option<String>,
    pub year: Option<i64>,
    pub number: String,
    pub heading: String,
    /// The text around the first match, the match between `mark.0` and `mark.1`.
    pub snippet: String,
}

/// Sections holding `phrase` exactly, best matches first, at most `limit`. The match
/// is marked with `mark` on either side in the snippet.
pub fn search(a: &Archive, phrase: &str, limit: usize, mark: (&str, &str)) -> Result<Vec<Hit>> {
    let phrase = phrase.trim();
    if phrase.chars().count() >= 3 {
        // A quoted FTS5 string is one phrase: no operator inside it is obeyed.
        let quoted = format!("\"{}\"", phrase.replace('"', "\"\""));
        return a.rows(
            "SELECT d.path, d.organization, d.year, s.number, s.heading,
                 snippet(sections_fts, 1, ?2, ?3, '…', 24)
             FROM sections_fts JOIN sections s ON s.rowid = sections_fts.rowid
             JOIN documents d ON d.id = s.document
             WHERE sections_fts MATCH ?1 ORDER BY rank LIMIT ?4",
            params![quoted, mark.0, mark.1, limit as i64],
            hit,
        );
    }
    // Trigrams index nothing shorter than three characters: a scan finds those.
    let hits = a.rows(
        "SELECT d.path, d.organization, d.year, s.number, s.heading, s.text
         FROM sections s JOIN documents d ON d.id = s.document
         WHERE instr(s.text, ?1) > 0 ORDER BY d.path, s.rowid LIMIT ?2",
        params![phrase, limit as i64],
        hit,
    )?;
    Ok(hits
        .into_iter()
        .map(|h| Hit {
            snippet: around(&h.snippet, phrase, mark),
            ..h
        })
        .collect())
}

fn hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<Hit> {
    Ok(Hit {
        path: r.get(0)?,
        organization: r.get(1)?,
        year: r.get(2)?,
        number: r.get(3)?,
        heading: r.get(4)?,
        snippet: r.get(5)?,
    })
}

/// Up to 24 characters either side of the first `phrase` in `text`, the phrase marked.
fn around(text: &str, phrase: &str, mark: (&str, &str)) -> String {
    let Some(at) = text.find(phrase) else {
        return String::new();
    };
    let before: String = text[..at]
        .chars()
        .rev()
        .take(24)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[at + phrase.len()..].chars().take(24).collect();
    format!("…{before}{}{phrase}{}{after}…", mark.0, mark.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_phrases_are_marked_in_context() {
        assert_eq!(around("甲乙丙丁", "乙丙", ("[", "]")), "…甲[乙丙]丁…");
        assert_eq!(around("甲乙丙丁", "戊", ("[", "]")), "");
    }
}

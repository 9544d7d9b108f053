//! Export: the archive's converted documents as the spec's JSON (a file each, or one a
//! line), as long-form CSV (a cell a row) or as an XLSX workbook (a sheet per table, a
//! row per report). Values come from the archive's cells, so a correction made in
//! review wins over what OCR read, with the status `verified` that marks it.

use super::report::cross_year_checks;
use super::Archive;
use crate::error::{Error, Result};
use crate::model::Check;
use rusqlite::params;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output formats of `nianbao export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
    Xlsx,
}

/// A converted document of the archive.
pub struct ArchivedDocument {
    pub id: i64,
    pub sha256: String,
    pub path: String,
    pub organization: Option<String>,
    pub year: Option<i64>,
    pub template: Option<String>,
}

/// A cell as the archive holds it now (after any review).
pub struct ArchivedCell {
    pub table: String,
    pub row: String,
    pub col: String,
    pub value: Option<String>,
    pub status: String,
    pub confidence: f64,
}

/// The converted documents, in path order (then content hash, for copies).
pub fn documents(a: &Archive) -> Result<Vec<ArchivedDocument>> {
    a.rows(
        "SELECT id, sha256, path, organization, year, template FROM documents
         WHERE status = 'done' ORDER BY path, sha256",
        [],
        |r| {
            Ok(ArchivedDocument {
                id: r.get(0)?,
                sha256: r.get(1)?,
                path: r.get(2)?,
                organization: r.get(3)?,
                year: r.get(4)?,
                template: r.get(5)?,
            })
        },
    )
}

/// The cells of document `id`, in the order the document lists them.
pub fn cells(a: &Archive, id: i64) -> Result<Vec<ArchivedCell>> {
    a.rows(
        "SELECT table_id, row_id, col_id, value, status, confidence FROM cells
         WHERE document = ?1 ORDER BY rowid",
        [id],
        |r| {
            Ok(ArchivedCell {
                table: r.get(0)?,
                row: r.get(1)?,
                col: r.get(2)?,
                value: r.get(3)?,
                status: r.get(4)?,
                confidence: r.get(5)?,
            })
        },
    )
}

/// Document `id` as the spec's JSON: what convert wrote, with the archive's statuses,
/// reviewed values, checks and queue, and the checks across years appended.
pub fn document_json(a: &Archive, id: i64, cross_year: &[Check]) -> Result<Value> {
    let text: String = a
        .conn()
        .query_row(
            "SELECT document_json FROM documents WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .map_err(|e| a.err(e))?;
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| Error::Export {
        path: a.path().to_path_buf(),
        reason: format!("document {id} holds invalid JSON: {e}"),
    })?;
    // The archive's cells, checks and queue are the truth once a reviewer acted: a
    // correction, a flag its check cleared or raised.
    let now: HashMap<(String, String, String), ArchivedCell> = cells(a, id)?
        .into_iter()
        .map(|c| ((c.table.clone(), c.row.clone(), c.col.clone()), c))
        .collect();
    if let Some(tables) = doc["tables"].as_array_mut() {
        for t in tables {
            let table = t["id"].as_str().unwrap_or_default().to_string();
            for c in t["cells"].as_array_mut().into_iter().flatten() {
                let key = (
                    table.clone(),
                    c["row"].as_str().unwrap_or_default().to_string(),
                    c["col"].as_str().unwrap_or_default().to_string(),
                );
                let Some(r) = now.get(&key) else { continue };
                c["status"] = Value::from(r.status.as_str());
                if r.status == "verified" {
                    c["value"] = json_value(r.value.as_deref());
                    c["confidence"] = Value::from(1.0);
                }
            }
        }
    }
    let checks = a.rows(
        "SELECT rule, ok, detail FROM checks WHERE document = ?1 ORDER BY rowid",
        [id],
        |r| {
            Ok(Check {
                rule: r.get(0)?,
                ok: r.get(1)?,
                detail: r.get(2)?,
            })
        },
    )?;
    doc["checks"] = Value::Array(
        checks
            .iter()
            .chain(cross_year)
            .filter_map(|c| serde_json::to_value(c).ok())
            .collect(),
    );
    doc["review"] = Value::Array(a.rows(
        "SELECT table_id, row_id, col_id, reason FROM review_items WHERE document = ?1
         ORDER BY rowid",
        [id],
        |r| {
            Ok(serde_json::json!({
                "table": r.get::<_, String>(0)?,
                "row": r.get::<_, String>(1)?,
                "col": r.get::<_, String>(2)?,
                "reason": r.get::<_, String>(3)?,
            }))
        },
    )?);
    Ok(doc)
}

/// A stored value as the JSON number it was printed as, exactly.
fn json_value(v: Option<&str>) -> Value {
    v.and_then(|s| serde_json::from_str::<serde_json::Number>(s).ok())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Writes the archive in `format` to `out` (a folder for JSON, a file otherwise; `None`
/// is stdout where the format allows it). Returns how many documents were written.
pub fn export(a: &Archive, format: Format, out: Option<&Path>) -> Result<usize> {
    let docs = documents(a)?;
    let mut cross: HashMap<i64, Vec<Check>> = HashMap::new();
    for (doc, check) in cross_year_checks(a)? {
        cross.entry(doc).or_default().push(check);
    }
    let none: Vec<Check> = Vec::new();
    let checks_of = |id: i64| cross.get(&id).unwrap_or(&none);
    match format {
        Format::Json => {
            let dir = out.ok_or_else(|| Error::Export {
                path: a.path().to_path_buf(),
                reason: "JSON export writes a file per document: give -o DIR".into(),
            })?;
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            let names = file_names(&docs);
            for (d, name) in docs.iter().zip(names) {
                let json = document_json(a, d.id, checks_of(d.id))?;
                let file = dir.join(name);
                let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
                std::fs::write(&file, text).map_err(|e| Error::io(&file, e))?;
            }
        }
        Format::Jsonl => {
            let mut w = sink(out)?;
            for d in &docs {
                let json = document_json(a, d.id, checks_of(d.id))?;
                let line = serde_json::to_string(&json).unwrap_or_default();
                writeln!(w.1, "{line}").map_err(|e| Error::io(&w.0, e))?;
            }
            w.1.flush().map_err(|e| Error::io(&w.0, e))?;
        }
        Format::Csv => {
            let mut w = sink(out)?;
            write_csv(a, &docs, &mut w.1).map_err(|e| Error::io(&w.0, e))?;
        }
        Format::Xlsx => {
            let file = out.ok_or_else(|| Error::Export {
                path: a.path().to_path_buf(),
                reason: "XLSX export needs -o FILE.xlsx".into(),
            })?;
            super::xlsx::write(a, &docs, &cross, file)?;
        }
    }
    Ok(docs.len())
}

/// `<stem>.json` per document; a stem shared by several documents gets each one's
/// short content hash so none overwrites another.
fn file_names(docs: &[ArchivedDocument]) -> Vec<String> {
    let stem = |d: &ArchivedDocument| {
        Path::new(&d.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| d.sha256[..12].to_string())
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for d in docs {
        *count.entry(stem(d)).or_default() += 1;
    }
    docs.iter()
        .map(|d| {
            let s = stem(d);
            if count[&s] > 1 {
                format!("{s}-{}.json", &d.sha256[..12])
            } else {
                format!("{s}.json")
            }
        })
        .collect()
}

const CSV_HEADER: [&str; 9] = [
    "document",
    "organization",
    "year",
    "table",
    "row",
    "col",
    "value",
    "status",
    "confidence",
];

fn write_csv(a: &Archive, docs: &[ArchivedDocument], w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{}", CSV_HEADER.join(","))?;
    for d in docs {
        let cells = cells(a, d.id).map_err(std::io::Error::other)?;
        for c in cells {
            let fields = [
                d.path.clone(),
                d.organization.clone().unwrap_or_default(),
                d.year.map(|y| y.to_string()).unwrap_or_default(),
                c.table,
                c.row,
                c.col,
                c.value.unwrap_or_default(),
                c.status,
                format!("{:.3}", c.confidence),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            writeln!(w, "{}", line.join(","))?;
        }
    }
    w.flush()
}

/// RFC 4180 quoting: a field with a comma, quote or line break is quoted, its quotes
/// doubled.
fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// A named writer: `out`, or stdout when `None`.
fn sink(out: Option<&Path>) -> Result<(PathBuf, Box<dyn Write>)> {
    match out {
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|e| Error::io(p, e))?;
            Ok((p.to_path_buf(), Box::new(std::io::BufWriter::new(f))))
        }
        None => Ok((
            PathBuf::from("<stdout>"),
            Box::new(std::io::BufWriter::new(std::io::stdout())),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_field("殷都区"), "殷都区");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"7\""), "\"say \"\"7\"\"\"");
    }

    #[test]
    fn stored_values_stay_exact_numbers() {
        assert_eq!(json_value(Some("879.127651")).to_string(), "879.127651");
        assert_eq!(json_value(Some("12")), Value::from(12));
        assert_eq!(json_value(None), Value::Null);
    }
}

//! XLSX export: a sheet per table with a row per report and a column per cell, values
//! as numbers; cells a reviewer verified are shaded, cells still awaiting review are
//! shaded differently, and a `checks` sheet lists every failed check.

use super::export::{cells, ArchivedDocument};
use super::Archive;
use crate::error::{Error, Result};
use crate::model::Check;
use rust_xlsxwriter::{Color, Format, Workbook, Worksheet, XlsxError};
use std::collections::HashMap;
use std::path::Path;

/// A report's cells of one table: `row.col` → (value, status).
type TableValues = HashMap<String, (Option<String>, String)>;

/// The first columns of every table sheet, before its cells.
const LEAD: [&str; 4] = ["document", "organization", "year", "template"];

pub fn write(
    a: &Archive,
    docs: &[ArchivedDocument],
    cross_year: &HashMap<i64, Vec<Check>>,
    file: &Path,
) -> Result<()> {
    let err = |e: XlsxError| Error::Export {
        path: file.to_path_buf(),
        reason: e.to_string(),
    };
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let verified = Format::new().set_background_color(Color::RGB(0xC6EFCE));
    let doubtful = Format::new().set_background_color(Color::RGB(0xFFEB9C));
    // Sheets and their columns in the order the documents first show them, so a 2019
    // and a 2021 report share one sheet with the union of their rows.
    let mut sheets: Vec<(String, Vec<String>)> = Vec::new();
    let mut rows: Vec<HashMap<String, TableValues>> = Vec::new();
    for d in docs {
        let mut by_table: HashMap<String, TableValues> = HashMap::new();
        for c in cells(a, d.id)? {
            let key = format!("{}.{}", c.row, c.col);
            let at = match sheets.iter().position(|(t, _)| *t == c.table) {
                Some(i) => i,
                None => {
                    sheets.push((c.table.clone(), Vec::new()));
                    sheets.len() - 1
                }
            };
            if !sheets[at].1.contains(&key) {
                sheets[at].1.push(key.clone());
            }
            by_table
                .entry(c.table)
                .or_default()
                .insert(key, (c.value, c.status));
        }
        rows.push(by_table);
    }
    for (table, columns) in &sheets {
        let ws = book.add_worksheet();
        ws.set_name(table).map_err(err)?;
        for (i, h) in LEAD
            .iter()
            .map(|s| s.to_string())
            .chain(columns.iter().cloned())
            .enumerate()
        {
            ws.write_with_format(0, i as u16, h, &bold).map_err(err)?;
        }
        let mut r = 1u32;
        for (d, by_table) in docs.iter().zip(&rows) {
            let Some(values) = by_table.get(table) else {
                continue;
            };
            write_lead(ws, r, d).map_err(err)?;
            for (j, key) in columns.iter().enumerate() {
                let Some((value, status)) = values.get(key) else {
                    continue;
                };
                let col = (LEAD.len() + j) as u16;
                let format = match status.as_str() {
                    "verified" => Some(&verified),
                    "review" | "repaired" => Some(&doubtful),
                    _ => None,
                };
                write_value(ws, r, col, value.as_deref(), format).map_err(err)?;
            }
            r += 1;
        }
        ws.set_freeze_panes(1, LEAD.len() as u16).map_err(err)?;
    }
    let ws = book.add_worksheet();
    ws.set_name("checks").map_err(err)?;
    for (i, h) in ["document", "organization", "year", "rule", "detail"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, i as u16, *h, &bold).map_err(err)?;
    }
    let mut r = 1u32;
    for d in docs {
        let failed = stored_failed_checks(a, d.id)?;
        let cross = cross_year
            .get(&d.id)
            .into_iter()
            .flatten()
            .filter(|c| !c.ok);
        for (rule, detail) in failed
            .into_iter()
            .chain(cross.map(|c| (c.rule.clone(), c.detail.clone())))
        {
            ws.write(r, 0, &d.path).map_err(err)?;
            ws.write(r, 1, d.organization.as_deref().unwrap_or(""))
                .map_err(err)?;
            if let Some(y) = d.year {
                ws.write(r, 2, y as f64).map_err(err)?;
            }
            ws.write(r, 3, rule).map_err(err)?;
            ws.write(r, 4, detail).map_err(err)?;
            r += 1;
        }
    }
    book.save(file).map_err(err)
}

fn write_lead(
    ws: &mut Worksheet,
    r: u32,
    d: &ArchivedDocument,
) -> std::result::Result<(), XlsxError> {
    ws.write(r, 0, &d.path)?;
    ws.write(r, 1, d.organization.as_deref().unwrap_or(""))?;
    if let Some(y) = d.year {
        ws.write(r, 2, y as f64)?;
    }
    ws.write(r, 3, d.template.as_deref().unwrap_or(""))?;
    Ok(())
}

/// A number where the value is one; a cell printed empty stays blank (shaded if its
/// status calls for it).
fn write_value(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    value: Option<&str>,
    format: Option<&Format>,
) -> std::result::Result<(), XlsxError> {
    match (value.and_then(|v| v.parse::<f64>().ok()), format) {
        (Some(n), Some(f)) => ws.write_number_with_format(r, c, n, f).map(|_| ()),
        (Some(n), None) => ws.write_number(r, c, n).map(|_| ()),
        (None, Some(f)) => ws.write_blank(r, c, f).map(|_| ()),
        (None, None) => Ok(()),
    }
}

fn stored_failed_checks(a: &Archive, id: i64) -> Result<Vec<(String, String)>> {
    a.rows(
        "SELECT rule, detail FROM checks WHERE document = ?1 AND ok = 0 ORDER BY rowid",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

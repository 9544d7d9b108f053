//! Report: a short summary of an archive (documents by status, years, templates,
//! failed checks, cells awaiting review) and the check across years that only an
//! archive can make (spec rule 5: this year's `carried_over` is last year's
//! `carried_forward`, for one body).

use super::Archive;
use crate::error::Result;
use crate::model::Check;
use std::fmt::Write;

/// Rule 5 for every pair of documents of one organization in consecutive years, as
/// (document of the later year, check), one check per column both tables print.
pub fn cross_year_checks(a: &Archive) -> Result<Vec<(i64, Check)>> {
    a.rows(
        "SELECT cur.id, cur.year, c.col_id, c.value, p.value
             FROM documents cur
             JOIN documents prev ON prev.organization = cur.organization
                 AND prev.year = cur.year - 1 AND prev.status = 'done'
             JOIN cells c ON c.document = cur.id AND c.table_id = 'applications'
                 AND c.row_id = 'carried_over'
             JOIN cells p ON p.document = prev.id AND p.table_id = 'applications'
                 AND p.row_id = 'carried_forward' AND p.col_id = c.col_id
             WHERE cur.status = 'done'
             ORDER BY cur.id, prev.id, c.rowid",
        [],
        |r| {
            let (id, year, col): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (now, before): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "empty".into());
            let ok = now == before;
            let detail = format!(
                "{year} carried_over {} {} {} carried_forward {}",
                show(&now),
                if ok { "=" } else { "≠" },
                year - 1,
                show(&before)
            );
            Ok((
                id,
                Check {
                    rule: format!("cross_year.carried_over.{col}"),
                    ok,
                    detail,
                },
            ))
        },
    )
}

/// The archive summary `nianbao report` prints.
pub fn summary(a: &Archive) -> Result<String> {
    let mut out = String::new();
    let _ = writeln!(out, "archive {}", a.path().display());
    let groups: [(&str, &str); 4] = [
        ("documents by status", "SELECT status, count(*) FROM documents GROUP BY status ORDER BY status"),
        ("documents by year", "SELECT coalesce(CAST(year AS TEXT), 'unknown'), count(*) FROM documents WHERE status = 'done' GROUP BY year ORDER BY year"),
        ("documents by template", "SELECT coalesce(template, 'unknown'), count(*) FROM documents WHERE status = 'done' GROUP BY template ORDER BY template"),
        ("failed checks by rule", "SELECT rule, count(*) FROM checks WHERE ok = 0 GROUP BY rule ORDER BY count(*) DESC, rule"),
    ];
    for (title, sql) in groups {
        let rows = counts(a, sql)?;
        let _ = writeln!(out, "{title}:");
        if rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for (k, n) in rows {
            let _ = writeln!(out, "  {k:<40} {n:>8}");
        }
    }
    let awaiting = counts(
        a,
        "SELECT 'cells awaiting review', count(*) FROM review_items r
         LEFT JOIN cells c ON c.document = r.document AND c.table_id = r.table_id
             AND c.row_id = r.row_id AND c.col_id = r.col_id
         WHERE c.status IS NULL OR c.status != 'verified'",
    )?;
    for (k, n) in awaiting {
        let _ = writeln!(out, "{k}: {n}");
    }
    let cross = cross_year_checks(a)?;
    let failed: Vec<&(i64, Check)> = cross.iter().filter(|(_, c)| !c.ok).collect();
    let _ = writeln!(
        out,
        "checks across years (rule 5): {} made, {} failed",
        cross.len(),
        failed.len()
    );
    for (id, c) in failed {
        let (path, org): (String, Option<String>) = a
            .conn()
            .query_row(
                "SELECT path, organization FROM documents WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| a.err(e))?;
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            path,
            org.unwrap_or_default(),
            c.detail
        );
    }
    let errors = counts(
        a,
        "SELECT path || ': ' || coalesce(error, ''), 1 FROM documents WHERE status = 'failed' ORDER BY path",
    )?;
    if !errors.is_empty() {
        let _ = writeln!(out, "failed documents:");
        for (e, _) in errors {
            let _ = writeln!(out, "  {e}");
        }
    }
    Ok(out)
}

fn counts(a: &Archive, sql: &str) -> Result<Vec<(String, i64)>> {
    a.rows(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
}

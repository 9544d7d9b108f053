//! Merge: combines archives written by separate shards into one. A document is copied
//! with everything it owns unless the target already holds its content converted; a
//! failure is replaced by a success from another archive, never the other way round.
//! Review decisions travel with their document; open claims do not.

use super::schema::SCHEMA_VERSION;
use super::{version_error, Archive, ReadOnly};
use crate::error::{Error, Result};
use rusqlite::params;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

const DOCUMENT_COLUMNS: &str = "sha256, path, size, pages, status, error, started_at, \
    finished_at, convert_ms, organization, year, template, title, published, document_json";

/// The tables a document owns, with their columns after `document`.
const OWNED: [(&str, &str); 5] = [
    (
        "cells",
        "table_id, row_id, col_id, value, text, confidence, status, page, x0, y0, x1, y1, version",
    ),
    ("checks", "rule, ok, detail"),
    ("review_items", "table_id, row_id, col_id, reason"),
    (
        "row_images",
        "table_id, row_id, page, x0, y0, x1, y1, png, turns",
    ),
    ("sections", "number, heading, text"),
];

const AUDIT_COLUMNS: &str = "table_id, row_id, col_id, action, reviewer, at, old_value, \
    new_value, old_status, new_status, old_reason, version";

/// What a merge did, counted in documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub copied: usize,
    pub replaced_failures: usize,
    pub already_there: usize,
}

/// Copies every document of `input` into `target`, in one transaction. The input is
/// only read: a shard's archive on a read-only share merges, and one of an earlier
/// schema is merged from a migrated copy beside the target, the input left as it was.
pub fn merge_into(target: &mut Archive, input: &Path) -> Result<Merged> {
    let source = ReadOnly::connect(input)?;
    let copy = match source.version.cmp(&SCHEMA_VERSION) {
        Ordering::Equal => None,
        Ordering::Greater => return Err(version_error(input, source.version)),
        Ordering::Less => Some(MigratedCopy::make(&source, input, target.path())?),
    };
    let uri = copy.as_ref().map_or(source.uri.clone(), |c| c.uri.clone());
    drop(source);
    let err = |e| Error::archive(input, e);
    let conn = &mut target.conn;
    conn.execute("ATTACH DATABASE ?1 AS src", [uri])
        .map_err(err)?;
    let result = (|| -> rusqlite::Result<Merged> {
        let tx = conn.transaction()?;
        let mut merged = Merged::default();
        // Audit rows keep their ids shifted past the target's, so the `cause` links
        // between a document's decisions still point at the right rows.
        let audit_offset: i64 =
            tx.query_row("SELECT coalesce(max(id), 0) FROM main.audit", [], |r| {
                r.get(0)
            })?;
        let docs: Vec<(i64, String, String)> = {
            let mut stmt =
                tx.prepare("SELECT id, sha256, status FROM src.documents ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (old, sha, status) in docs {
            let here: Option<String> = tx
                .query_row(
                    "SELECT status FROM main.documents WHERE sha256 = ?1",
                    [&sha],
                    |r| r.get(0),
                )
                .ok();
            match here.as_deref() {
                Some("done") => {
                    merged.already_there += 1;
                    continue;
                }
                Some(_) if status != "done" => {
                    merged.already_there += 1;
                    continue;
                }
                Some(_) => {
                    tx.execute("DELETE FROM main.documents WHERE sha256 = ?1", [&sha])?;
                    merged.replaced_failures += 1;
                }
                None => merged.copied += 1,
            }
            tx.execute(
                &format!(
                    "INSERT INTO main.documents ({DOCUMENT_COLUMNS})
                     SELECT {DOCUMENT_COLUMNS} FROM src.documents WHERE id = ?1"
                ),
                [old],
            )?;
            let new = tx.last_insert_rowid();
            for (table, columns) in OWNED {
                tx.execute(
                    &format!(
                        "INSERT INTO main.{table} (document, {columns})
                         SELECT ?1, {columns} FROM src.{table} WHERE document = ?2 ORDER BY rowid"
                    ),
                    params![new, old],
                )?;
            }
            tx.execute(
                &format!(
                    "INSERT INTO main.audit (id, document, {AUDIT_COLUMNS}, cause)
                     SELECT id + ?1, ?2, {AUDIT_COLUMNS}, cause + ?1 FROM src.audit
                     WHERE document = ?3 ORDER BY id"
                ),
                params![audit_offset, new, old],
            )?;
        }
        tx.commit()?;
        Ok(merged)
    })();
    let detached = conn.execute("DETACH DATABASE src", []);
    let merged = result.map_err(err)?;
    detached.map_err(err)?;
    drop(copy);
    Ok(merged)
}

/// An input archive of an earlier schema, copied beside the target and migrated to
/// this build's schema so its columns line up; removed when dropped.
struct MigratedCopy {
    path: PathBuf,
    uri: String,
}

impl MigratedCopy {
    fn make(source: &ReadOnly, input: &Path, target: &Path) -> Result<MigratedCopy> {
        let mut name = target.as_os_str().to_owned();
        name.push(format!(".merging-{}", std::process::id()));
        let copy = MigratedCopy {
            uri: super::file_uri(Path::new(&name)),
            path: PathBuf::from(name),
        };
        copy.remove();
        // VACUUM INTO copies what the input holds, its write-ahead log included,
        // through a read-only connection.
        source
            .conn
            .execute("VACUUM INTO ?1", [copy.path.to_string_lossy()])
            .map_err(|e| Error::archive(input, e))?;
        drop(Archive::open(&copy.path)?);
        Ok(copy)
    }

    /// Removes the copy and the files SQLite keeps beside it; absent ones are fine.
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

impl Drop for MigratedCopy {
    fn drop(&mut self) {
        self.remove();
    }
}

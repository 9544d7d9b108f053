//! Archive: the SQLite file a batch run fills — one row per document keyed by its
//! content hash, its cells, checks, review items and the row images the review queue
//! shows — written one document per transaction so a run killed at any moment loses
//! nothing it had committed and never holds half a document.

pub mod decide;
pub mod export;
pub mod ingest;
pub mod lock;
pub mod merge;
pub mod queue;
pub mod report;
pub mod schema;
pub mod search;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::geometry::PixelBox;
use crate::model::Document;
use crate::orient::QuarterTurns;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An open archive.
pub struct Archive {
    conn: Connection,
    path: PathBuf,
    /// Held by a run that fills the archive, for as long as it is open.
    _run_lock: Option<lock::RunLock>,
}

pub(crate) fn version_error(path: &Path, found: u32) -> Error {
    Error::ArchiveVersion {
        path: path.to_path_buf(),
        found,
        supported: schema::SCHEMA_VERSION,
    }
}

/// The `file:` URI of `path`: the characters URIs reserve are escaped, and an
/// absolute path is given an empty authority (`file:///…`), or a path starting `//`
/// would be read as naming a host.
fn file_uri(path: &Path) -> String {
    let path = path.to_string_lossy();
    let mut out = String::from(if path.starts_with('/') {
        "file://"
    } else {
        "file:"
    });
    for c in path.chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// A read-only connection to an archive file, whatever its schema version.
pub(crate) struct ReadOnly {
    pub conn: Connection,
    /// The `file:` URI it was opened by, for attaching it read-only to another archive.
    pub uri: String,
    pub version: u32,
}

impl ReadOnly {
    pub(crate) fn connect(path: &Path) -> Result<ReadOnly> {
        use rusqlite::OpenFlags;
        let read = |uri: String| -> rusqlite::Result<ReadOnly> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
            let conn = Connection::open_with_flags(&uri, flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok(ReadOnly { conn, uri, version })
        };
        match read(format!("{}?mode=ro", file_uri(path))) {
            // Reading a WAL archive needs its shared-memory file, which a read-only
            // folder cannot get. Without one no process is writing it (a writer makes
            // one), so it is read as the unchanging file it is.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
                read(format!("{}?immutable=1", file_uri(path)))
            }
            other => other,
        }
        .map_err(|e| Error::archive(path, e))
    }
}

/// What the archive holds for a content hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Done,
    Failed,
}

/// A crop of one table row, what a reviewer sees around a flagged cell.
#[derive(Clone, Debug)]
pub struct RowImage {
    pub table: &'static str,
    pub row: &'static str,
    pub page: usize,
    /// On the page as the file holds it, as the cells' boxes are.
    pub bbox: PixelBox,
    /// The crop, turned the way the row reads (a page scanned on its side).
    pub png: Vec<u8>,
    /// The turns from the page as the file holds it to `png`.
    pub turns: QuarterTurns,
}

/// One input's outcome, ready to be committed.
pub struct Record {
    pub sha256: String,
    pub path: PathBuf,
    pub size: u64,
    /// Seconds since the Unix epoch when its conversion started.
    pub started_unix: i64,
    pub convert_ms: u64,
    pub outcome: std::result::Result<Converted, String>,
}

/// A converted document and its review crops.
pub struct Converted {
    pub document: Document,
    pub row_images: Vec<RowImage>,
    /// The conversion's warnings, as a person reads them.
    pub warnings: Vec<String>,
}

/// What committing a record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Inserted,
    /// A failure recorded earlier was replaced.
    Replaced,
    /// The same content was already done (two paths, one file): nothing written.
    AlreadyDone,
}

impl Archive {
    /// Opens `path`, creating it when missing, in WAL mode (readers never block the
    /// writer, and a crash leaves the last committed state) and migrated to this
    /// build's schema. Others may write it at the same time (the review server does).
    pub fn open(path: &Path) -> Result<Archive> {
        Self::open_writable(path, None)
    }

    /// Opens `path` as [`Archive::open`] does, for a run that fills it (`batch`,
    /// `merge`): a second such run on the same archive is refused while this one has it.
    pub fn open_for_run(path: &Path) -> Result<Archive> {
        let lock = lock::RunLock::acquire(path)?;
        Self::open_writable(path, Some(lock))
    }

    fn open_writable(path: &Path, run_lock: Option<lock::RunLock>) -> Result<Archive> {
        // SQLite falls back to reading a file it may not write and fails later, vaguely
        // ("unable to open database file"); asking the system first names the cause.
        if path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::archive_io(path, e))?;
        }
        let err = |e| Error::archive(path, e);
        let mut conn = Connection::open(path).map_err(err)?;
        // A second process on the archive (a review server, a report) waits for the
        // writer's short transactions instead of failing at once.
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // NORMAL in WAL mode: a power cut may drop the last commits but never
        // corrupts; a resumed run converts what was dropped again.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        if let Err(found) = schema::migrate(&mut conn).map_err(err)? {
            return Err(version_error(path, found));
        }
        Ok(Archive {
            conn,
            path: path.to_path_buf(),
            _run_lock: run_lock,
        })
    }

    /// Opens an existing archive only to read it, which works where it cannot be
    /// written: a read-only share, a file without write permission, a disc.
    pub fn open_read_only(path: &Path) -> Result<Archive> {
        let ReadOnly { conn, version, .. } = ReadOnly::connect(path)?;
        if version != schema::SCHEMA_VERSION {
            return Err(version_error(path, version));
        }
        Ok(Archive {
            conn,
            path: path.to_path_buf(),
            _run_lock: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The rows `sql` selects with `params`, each turned into a `T` by `row`.
    pub(crate) fn rows<T, P, F>(&self, sql: &str, params: P, row: F) -> Result<Vec<T>>
    where
        P: rusqlite::Params,
        F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params, row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, cause: rusqlite::Error) -> Error {
        Error::archive(&self.path, cause)
    }

    /// Every content hash the archive holds, with whether it converted.
    pub fn stored(&self) -> Result<HashMap<String, Stored>> {
        let rows = self.rows("SELECT sha256, status FROM documents", [], |r| {
            let stored = if r.get::<_, String>(1)? == "done" {
                Stored::Done
            } else {
                Stored::Failed
            };
            Ok((r.get::<_, String>(0)?, stored))
        })?;
        Ok(rows.into_iter().collect())
    }

    /// Commits `rec` in one transaction: the document row and all it owns, or nothing.
    pub fn save(&mut self, rec: &Record) -> Result<Saved> {
        let path = self.path.clone();
        let err = |e| Error::archive(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT status FROM documents WHERE sha256 = ?1",
                [&rec.sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let saved = match before.as_deref() {
            Some("done") => return Ok(Saved::AlreadyDone),
            Some(_) => {
                tx.execute("DELETE FROM documents WHERE sha256 = ?1", [&rec.sha256])
                    .map_err(err)?;
                Saved::Replaced
            }
            None => Saved::Inserted,
        };
        insert(&tx, rec).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(saved)
    }
}

fn insert(tx: &rusqlite::Transaction, rec: &Record) -> rusqlite::Result<()> {
    let finished = rec.started_unix + (rec.convert_ms / 1000) as i64;
    let (status, error, doc) = match &rec.outcome {
        Ok(c) => ("done", None, Some(&c.document)),
        Err(e) => ("failed", Some(e.as_str()), None),
    };
    let json = doc
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.execute(
        "INSERT INTO documents (sha256, path, size, pages, status, error, started_at,
             finished_at, convert_ms, organization, year, template, title, published,
             document_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
             strftime('%Y-%m-%dT%H:%M:%SZ', ?7, 'unixepoch'),
             strftime('%Y-%m-%dT%H:%M:%SZ', ?8, 'unixepoch'),
             ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            rec.sha256,
            rec.path.to_string_lossy(),
            rec.size as i64,
            doc.map(|d| d.source.pages as i64),
            status,
            error,
            rec.started_unix,
            finished,
            rec.convert_ms as i64,
            doc.and_then(|d| d.report.organization.clone()),
            doc.and_then(|d| d.report.year),
            doc.and_then(|d| d.report.template.clone()),
            doc.and_then(|d| d.report.title.clone()),
            doc.and_then(|d| d.report.published.clone()),
            json,
        ],
    )?;
    let id = tx.last_insert_rowid();
    let Ok(converted) = &rec.outcome else {
        return Ok(());
    };
    let doc = &converted.document;
    let mut cell = tx.prepare(
        "INSERT INTO cells (document, table_id, row_id, col_id, value, text, confidence,
             status, page, x0, y0, x1, y1)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for t in &doc.tables {
        for c in &t.cells {
            let b = c.bbox;
            cell.execute(params![
                id,
                t.id,
                c.row,
                c.col,
                c.value.as_ref().map(|v| v.to_string()),
                c.text,
                c.confidence as f64,
                status_name(c.status),
                c.page as i64,
                b.x0,
                b.y0,
                b.x1,
                b.y1
            ])?;
        }
    }
    let mut check =
        tx.prepare("INSERT INTO checks (document, rule, ok, detail) VALUES (?1, ?2, ?3, ?4)")?;
    for c in &doc.checks {
        check.execute(params![id, c.rule, c.ok, c.detail])?;
    }
    let mut item = tx.prepare(
        "INSERT INTO review_items (document, table_id, row_id, col_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for r in &doc.review {
        item.execute(params![id, r.table, r.row, r.col, r.reason])?;
    }
    let mut section = tx.prepare(
        "INSERT INTO sections (document, number, heading, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in &doc.sections {
        section.execute(params![id, s.number, s.heading, s.text])?;
    }
    let mut image = tx.prepare(
        "INSERT INTO row_images (document, table_id, row_id, page, x0, y0, x1, y1, png, turns)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for i in &converted.row_images {
        let b = i.bbox;
        image.execute(params![
            id,
            i.table,
            i.row,
            i.page as i64,
            b.x0,
            b.y0,
            b.x1,
            b.y1,
            i.png,
            i.turns.count()
        ])?;
    }
    Ok(())
}

/// `area` of `img` widened by `margin` on every side and kept inside the image, as a
/// PNG with the box it covers; `None` when none of it is inside.
pub(crate) fn png_crop(
    img: &image::GrayImage,
    area: PixelBox,
    margin: i32,
) -> std::result::Result<Option<(PixelBox, Vec<u8>)>, image::ImageError> {
    let Some((b, crop)) = crate::crop::cut(img, area, margin) else {
        return Ok(None);
    };
    let mut png = Vec::new();
    crop.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(Some((b, png)))
}

/// The status as the JSON writes it.
fn status_name(s: crate::model::Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_open_read_only_by_any_path_a_shell_accepts() {
        let dir = crate::scratch::fresh_dir("uri");
        let path = dir.join("2021 #1?%.sqlite");
        Archive::open(&path).expect("created");
        // `//tmp/…` is `/tmp/…` to the file system; as a URI it would name a host.
        let doubled = PathBuf::from(format!("/{}", path.display()));
        for p in [&path, &doubled] {
            let a = Archive::open_read_only(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(a.stored().unwrap().len(), 0);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

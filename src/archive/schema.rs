//! Archive schema: the migrations that build it, applied in order and recorded in
//! SQLite's `user_version`, so an archive made by any earlier release opens in this one.

use rusqlite::Connection;

/// Each entry takes the schema from version `i` to `i + 1`. Append, never edit: an
/// archive at version `i` has already run the first `i`.
const MIGRATIONS: &[&str] = &[
    // 1: documents with their cells, checks, review items and the row images the
    // review queue shows.
    "CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        pages INTEGER,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        error TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        convert_ms INTEGER NOT NULL,
        organization TEXT,
        year INTEGER,
        template TEXT,
        title TEXT,
        published TEXT,
        document_json TEXT
    );
    CREATE INDEX documents_by_org_year ON documents (organization, year);
    CREATE TABLE cells (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        table_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col_id TEXT NOT NULL,
        value TEXT,
        text TEXT NOT NULL,
        confidence REAL NOT NULL,
        status TEXT NOT NULL,
        page INTEGER NOT NULL,
        x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (document, table_id, row_id, col_id)
    );
    CREATE TABLE checks (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX checks_by_document ON checks (document);
    CREATE TABLE review_items (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        table_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col_id TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX review_items_by_document ON review_items (document);
    CREATE TABLE row_images (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        table_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        page INTEGER NOT NULL,
        x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
        png BLOB NOT NULL,
        PRIMARY KEY (document, table_id, row_id)
    );",
    // 2: the review queue's decisions (who changed what, when, from what), and the
    // cells reviewers hold open so two of them never work on one cell.
    "CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        table_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accept', 'correct', 'clear', 'flag', 'undo')),
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        old_value TEXT,
        new_value TEXT,
        old_status TEXT NOT NULL,
        new_status TEXT NOT NULL,
        old_reason TEXT,
        version INTEGER NOT NULL,
        cause INTEGER REFERENCES audit (id)
    );
    CREATE INDEX audit_by_cell ON audit (document, table_id, row_id, col_id);
    CREATE INDEX audit_by_cause ON audit (cause);
    CREATE TABLE claims (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        table_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        col_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        until_unix INTEGER NOT NULL,
        PRIMARY KEY (document, table_id, row_id, col_id)
    );",
    // 3: the prose, with a full-text index (trigrams: Chinese has no spaces to split
    // words at), filled for documents converted before.
    "CREATE TABLE sections (
        document INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        heading TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX sections_by_document ON sections (document);
    CREATE VIRTUAL TABLE sections_fts USING fts5 (
        heading, text, content = 'sections', tokenize = 'trigram'
    );
    CREATE TRIGGER sections_indexed AFTER INSERT ON sections BEGIN
        INSERT INTO sections_fts (rowid, heading, text)
            VALUES (new.rowid, new.heading, new.text);
    END;
    CREATE TRIGGER sections_unindexed AFTER DELETE ON sections BEGIN
        INSERT INTO sections_fts (sections_fts, rowid, heading, text)
            VALUES ('delete', old.rowid, old.heading, old.text);
    END;
    INSERT INTO sections (document, number, heading, text)
        SELECT d.id, json_extract(s.value, '$.number'), json_extract(s.value, '$.heading'),
            json_extract(s.value, '$.text')
        FROM documents d, json_each(d.document_json, '$.sections') s
        WHERE d.status = 'done';",
    // 4: a row's crop on a page scanned turned is kept the way the row reads: the
    // clockwise quarter turns from the page as the file holds it to the crop.
    "ALTER TABLE row_images ADD COLUMN turns INTEGER NOT NULL DEFAULT 0;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The archive's version before migrating, or `Err(version)` when it is newer than this
/// build knows (a newer release made it; writing to it could lose its data).
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<u32, u32>> {
    let tx = conn.transaction()?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Ok(Err(found));
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(Ok(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_archive_gets_every_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Ok(0));
        assert_eq!(migrate(&mut conn).unwrap(), Ok(SCHEMA_VERSION));
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // With the full-text index's own shadow tables.
        assert_eq!(tables, 13);
    }

    #[test]
    fn an_archive_from_a_newer_release_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Err(SCHEMA_VERSION + 1));
    }
}

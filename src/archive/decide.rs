//! Review decisions: claims that keep two reviewers off one cell, decisions saved only
//! against the version the reviewer saw (a conflicting save is refused, never
//! silently applied), an audit row for every change, and after each decision the
//! table's checks evaluated again — a corrected total clears the flags its sum now
//! vouches for, and a sum it breaks flags the cells in it. Undo reverses a decision
//! with everything it set off.

use super::queue::{table_checks, CellKey, CheckView};
use super::Archive;
use crate::checks::{self, rule_covers, CellRef};
use crate::error::Error;
use crate::model::{Cell, Check, Table};
use crate::template::{self, CellSpec, Template, ValueKind};
use crate::value::{self, Parsed};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How long a claim holds unless renewed: a reviewer who opened a cell and walked
/// away frees it for others after two minutes, longer than any one cell takes.
pub const CLAIM_SECONDS: i64 = 120;

/// Why a review request was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// The request itself is wrong (a value that is no number of the cell's kind).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// Someone else holds or changed the cell.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Archive(#[from] Error),
    /// An SQLite error inside a transaction; returned as `Archive`, which names the
    /// file, by every public function.
    #[error("archive error: {0}")]
    Sql(#[from] rusqlite::Error),
}

type Outcome<T> = std::result::Result<T, DecisionError>;

/// A reviewer's value for a cell, given against the version they saw.
#[derive(Clone, Debug, Deserialize)]
pub struct Decision {
    #[serde(flatten)]
    pub key: CellKey,
    /// As typed: digits (a decimal for amounts); empty for a cell printed empty.
    pub value: String,
    pub version: i64,
    pub reviewer: String,
}

/// What a decision (or its undoing) left behind.
#[derive(Debug, Serialize)]
pub struct Decided {
    /// The audit row of the decision: what `undo` takes.
    pub audit: i64,
    pub value: Option<String>,
    pub status: String,
    pub version: i64,
    /// The checks the cell is in, as they stand now.
    pub checks: Vec<CheckView>,
    /// Other cells whose flags the decision cleared, or raised.
    pub cleared: Vec<CellKey>,
    pub flagged: Vec<CellKey>,
}

/// One row of the audit table.
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub key: CellKey,
    pub action: String,
    pub reviewer: String,
    pub at: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub old_status: String,
    pub new_status: String,
    /// The review item the change removed, put back by an undo.
    pub old_reason: Option<String>,
    /// The cell's version after the change.
    pub version: i64,
    pub cause: Option<i64>,
}

/// Runs `f` in one transaction of `a`, naming the archive in any SQLite error.
fn in_tx<T>(a: &mut Archive, f: impl FnOnce(&Connection) -> Outcome<T>) -> Outcome<T> {
    let path = a.path.clone();
    let name = |e: DecisionError| match e {
        DecisionError::Sql(cause) => DecisionError::Archive(Error::archive(&path, cause)),
        e => e,
    };
    let tx = a.conn.transaction().map_err(|e| name(e.into()))?;
    let out = f(&tx).map_err(name)?;
    tx.commit().map_err(|e| name(e.into()))?;
    Ok(out)
}

fn check_reviewer(reviewer: &str) -> Outcome<()> {
    let n = reviewer.trim().chars().count();
    if n == 0 || n > 64 {
        return Err(DecisionError::Invalid(
            "a reviewer name of 1 to 64 characters is required".into(),
        ));
    }
    Ok(())
}

/// Holds `key` for `reviewer` until `now_unix` + [`CLAIM_SECONDS`]; refused while
/// another reviewer's claim on it holds.
pub fn claim(a: &mut Archive, key: &CellKey, reviewer: &str, now_unix: i64) -> Outcome<()> {
    check_reviewer(reviewer)?;
    in_tx(a, |tx| {
        spec_of(key)?;
        current(tx, key)?;
        if let Some(other) = holder(tx, key, reviewer, now_unix)? {
            return Err(DecisionError::Conflict(format!(
                "{other} is reviewing this cell"
            )));
        }
        tx.execute(
            "INSERT OR REPLACE INTO claims (document, table_id, row_id, col_id, reviewer,
                 until_unix) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                key.document,
                key.table,
                key.row,
                key.col,
                reviewer,
                now_unix + CLAIM_SECONDS
            ],
        )?;
        Ok(())
    })
}

/// Saves `d`: the cell becomes `verified` with the value given, if nobody changed it
/// since version `d.version` and nobody else holds it.
pub fn decide(a: &mut Archive, d: &Decision, now_unix: i64) -> Outcome<Decided> {
    check_reviewer(&d.reviewer)?;
    let spec = spec_of(&d.key)?;
    let new = parse_value(spec, &d.value).map_err(DecisionError::Invalid)?;
    let (audit, cleared, flagged) = in_tx(a, |tx| {
        let before = current(tx, &d.key)?;
        if let Some(other) = holder(tx, &d.key, &d.reviewer, now_unix)? {
            return Err(DecisionError::Conflict(format!(
                "{other} is reviewing this cell; not saved"
            )));
        }
        if before.version != d.version {
            return Err(DecisionError::Conflict(last_change(tx, &d.key, &before)?));
        }
        let action = if new == before.value {
            "accept"
        } else {
            "correct"
        };
        let old_reason = unqueue(tx, &d.key)?;
        let version = set_cell(tx, &d.key, new.as_deref(), "verified")?;
        let audit = write_audit(
            tx,
            &Change {
                key: &d.key,
                action,
                reviewer: &d.reviewer,
                old: &before,
                new_value: new.as_deref(),
                new_status: "verified",
                old_reason: old_reason.as_deref(),
                version,
                cause: None,
            },
        )?;
        tx.execute(
            "DELETE FROM claims WHERE document = ?1 AND table_id = ?2 AND row_id = ?3
             AND col_id = ?4",
            params![d.key.document, d.key.table, d.key.row, d.key.col],
        )?;
        let (cleared, flagged) = follow(tx, spec, &d.key, audit, &d.reviewer)?;
        Ok((audit, cleared, flagged))
    })?;
    decided(a, &d.key, audit, cleared, flagged)
}

/// Puts the cell of audit row `e` back as it was before it, queue item included.
fn revert(tx: &Connection, e: &AuditEntry, reviewer: &str) -> Outcome<()> {
    let now = current(tx, &e.key)?;
    let raised = unqueue(tx, &e.key)?;
    if let Some(reason) = &e.old_reason {
        queue(tx, &e.key, reason)?;
    }
    let version = set_cell(tx, &e.key, e.old_value.as_deref(), &e.old_status)?;
    write_audit(
        tx,
        &Change {
            key: &e.key,
            action: "undo",
            reviewer,
            old: &now,
            new_value: e.old_value.as_deref(),
            new_status: &e.old_status,
            old_reason: raised.as_deref(),
            version,
            cause: Some(e.id),
        },
    )?;
    Ok(())
}

/// Reverses decision `audit` and the flags it cleared or raised, if the cell has not
/// changed since.
pub fn undo(a: &mut Archive, audit: i64, reviewer: &str) -> Outcome<Decided> {
    check_reviewer(reviewer)?;
    let key = in_tx(a, |tx| {
        let entry = entry(tx, audit)?
            .ok_or_else(|| DecisionError::NotFound(format!("no decision {audit}")))?;
        if !matches!(entry.action.as_str(), "accept" | "correct") {
            return Err(DecisionError::Invalid(format!(
                "{audit} is a {}, not a decision: only decisions are undone",
                entry.action
            )));
        }
        let undone: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit WHERE action = 'undo' AND cause = ?1)",
            [audit],
            |r| r.get(0),
        )?;
        if undone {
            return Err(DecisionError::Conflict(format!(
                "decision {audit} was already undone"
            )));
        }
        let consequences: Vec<AuditEntry> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE cause = ?1
                 AND action IN ('clear', 'flag') ORDER BY id DESC"
            ))?;
            let rows = stmt.query_map([audit], audit_entry)?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        // The decision itself must still stand as it left the cell; a flag it set off
        // that someone has since acted on stays as they left it.
        let now = current(tx, &entry.key)?;
        if now.version != entry.version {
            return Err(DecisionError::Conflict(format!(
                "{}; undo refused",
                last_change(tx, &entry.key, &now)?
            )));
        }
        for e in &consequences {
            if current(tx, &e.key)?.version == e.version {
                revert(tx, e, reviewer)?;
            }
        }
        revert(tx, &entry, reviewer)?;
        store_checks(tx, entry.key.document)?;
        Ok(entry.key)
    })?;
    decided(a, &key, audit, Vec::new(), Vec::new())
}

fn decided(
    a: &mut Archive,
    key: &CellKey,
    audit: i64,
    cleared: Vec<CellKey>,
    flagged: Vec<CellKey>,
) -> Outcome<Decided> {
    let now = in_tx(a, |tx| current(tx, key))?;
    Ok(Decided {
        audit,
        value: now.value,
        status: now.status,
        version: now.version,
        checks: table_checks(a, key.document, &key.table)?
            .into_iter()
            .filter(|c| rule_covers(&c.rule, &key.table, &key.row, &key.col))
            .collect(),
        cleared,
        flagged,
    })
}

/// The audit trail, newest first; of one document when `doc` is given.
pub fn audit_trail(a: &Archive, doc: Option<i64>) -> crate::Result<Vec<AuditEntry>> {
    a.rows(
        &format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE ?1 IS NULL OR document = ?1 ORDER BY id DESC"
        ),
        [doc],
        audit_entry,
    )
}

const AUDIT_COLUMNS: &str = "id, document, table_id, row_id, col_id, action, reviewer, at, \
    old_value, new_value, old_status, new_status, old_reason, version, cause";

fn audit_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        key: CellKey {
            document: r.get(1)?,
            table: r.get(2)?,
            row: r.get(3)?,
            col: r.get(4)?,
        },
        action: r.get(5)?,
        reviewer: r.get(6)?,
        at: r.get(7)?,
        old_value: r.get(8)?,
        new_value: r.get(9)?,
        old_status: r.get(10)?,
        new_status: r.get(11)?,
        old_reason: r.get(12)?,
        version: r.get(13)?,
        cause: r.get(14)?,
    })
}

fn entry(tx: &Connection, id: i64) -> Outcome<Option<AuditEntry>> {
    Ok(tx
        .query_row(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE id = ?1"),
            [id],
            audit_entry,
        )
        .optional()?)
}

/// A reviewer's text as the value to store: `None` for empty, else canonical digits.
/// A count is a non-negative integer (but 本年增/减, a change, may be negative); an
/// amount a non-negative decimal.
pub fn parse_value(spec: CellSpec, typed: &str) -> std::result::Result<Option<String>, String> {
    let t = typed.trim();
    let what = match spec.kind {
        ValueKind::Count => "a whole number",
        ValueKind::Amount => "a decimal number",
    };
    if t.chars().count() > 24
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || c == '.' || c == '-')
    {
        return Err(format!("\"{typed}\" is not {what}"));
    }
    let digits = match value::parse(t, spec.kind) {
        Parsed::Empty => return Ok(None),
        Parsed::Number(d) | Parsed::Doubtful(d) => d,
        Parsed::Unreadable => return Err(format!("\"{typed}\" is not {what}")),
    };
    if digits.starts_with('-') && spec.col != "change" {
        return Err(format!("\"{typed}\": {what} here cannot be negative"));
    }
    Ok(Some(digits))
}

fn spec_of(key: &CellKey) -> Outcome<CellSpec> {
    template::cell_spec(&key.table, &key.row, &key.col).ok_or_else(|| {
        DecisionError::NotFound(format!(
            "no cell {}.{}.{} in the report model",
            key.table, key.row, key.col
        ))
    })
}

/// A cell as stored now.
struct Stored {
    value: Option<String>,
    status: String,
    version: i64,
}

fn current(tx: &Connection, key: &CellKey) -> Outcome<Stored> {
    tx.query_row(
        "SELECT value, status, version FROM cells WHERE document = ?1 AND table_id = ?2
         AND row_id = ?3 AND col_id = ?4",
        params![key.document, key.table, key.row, key.col],
        |r| {
            Ok(Stored {
                value: r.get(0)?,
                status: r.get(1)?,
                version: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| {
        DecisionError::NotFound(format!(
            "document {} has no cell {}.{}.{}",
            key.document, key.table, key.row, key.col
        ))
    })
}

/// Another reviewer whose claim on `key` still holds.
fn holder(tx: &Connection, key: &CellKey, reviewer: &str, now: i64) -> Outcome<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT reviewer FROM claims WHERE document = ?1 AND table_id = ?2
             AND row_id = ?3 AND col_id = ?4 AND reviewer != ?5 AND until_unix > ?6",
            params![key.document, key.table, key.row, key.col, reviewer, now],
            |r| r.get(0),
        )
        .optional()?)
}

/// Why a save against an old version is refused, naming who changed the cell.
fn last_change(tx: &Connection, key: &CellKey, now: &Stored) -> Outcome<String> {
    let by: Option<(String, String)> = tx
        .query_row(
            "SELECT reviewer, at FROM audit WHERE document = ?1 AND table_id = ?2
             AND row_id = ?3 AND col_id = ?4 ORDER BY id DESC LIMIT 1",
            params![key.document, key.table, key.row, key.col],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let value = now.value.as_deref().unwrap_or("empty");
    Ok(match by {
        Some((who, at)) => format!(
            "changed by {who} at {at} since you opened it: now {value} ({}); not saved",
            now.status
        ),
        None => format!("changed since you opened it: now {value}; not saved"),
    })
}

/// Sets a cell's value and status, returning its new version.
fn set_cell(tx: &Connection, key: &CellKey, value: Option<&str>, status: &str) -> Outcome<i64> {
    Ok(tx.query_row(
        "UPDATE cells SET value = ?5, status = ?6, version = version + 1
         WHERE document = ?1 AND table_id = ?2 AND row_id = ?3 AND col_id = ?4
         RETURNING version",
        params![key.document, key.table, key.row, key.col, value, status],
        |r| r.get(0),
    )?)
}

/// Takes `key` out of the queue, returning the reason it was there for.
fn unqueue(tx: &Connection, key: &CellKey) -> Outcome<Option<String>> {
    Ok(tx
        .query_row(
            "DELETE FROM review_items WHERE document = ?1 AND table_id = ?2 AND row_id = ?3
             AND col_id = ?4 RETURNING reason",
            params![key.document, key.table, key.row, key.col],
            |r| r.get(0),
        )
        .optional()?)
}

fn queue(tx: &Connection, key: &CellKey, reason: &str) -> Outcome<()> {
    tx.execute(
        "INSERT INTO review_items (document, table_id, row_id, col_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![key.document, key.table, key.row, key.col, reason],
    )?;
    Ok(())
}

/// One change to a cell, as the audit records it.
struct Change<'a> {
    key: &'a CellKey,
    action: &'a str,
    reviewer: &'a str,
    old: &'a Stored,
    new_value: Option<&'a str>,
    new_status: &'a str,
    /// The review item the change removed, put back by an undo.
    old_reason: Option<&'a str>,
    version: i64,
    cause: Option<i64>,
}

fn write_audit(tx: &Connection, c: &Change) -> Outcome<i64> {
    tx.execute(
        "INSERT INTO audit (document, table_id, row_id, col_id, action, reviewer, old_value,
             new_value, old_status, new_status, old_reason, version, cause)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            c.key.document,
            c.key.table,
            c.key.row,
            c.key.col,
            c.action,
            c.reviewer,
            c.old.value,
            c.new_value,
            c.old.status,
            c.new_status,
            c.old_reason,
            c.version,
            c.cause
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The document's tables as the model has them, from the archive's cells.
fn tables_of(tx: &Connection, doc: i64) -> Outcome<Vec<Table>> {
    let version: Option<String> =
        tx.query_row("SELECT template FROM documents WHERE id = ?1", [doc], |r| {
            r.get(0)
        })?;
    let version = version
        .as_deref()
        .and_then(Template::parse)
        .map_or("", Template::as_str);
    let mut stmt = tx.prepare_cached(
        "SELECT table_id, row_id, col_id, value, text FROM cells WHERE document = ?1
         ORDER BY rowid",
    )?;
    let rows = stmt.query_map([doc], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut tables: Vec<Table> = Vec::new();
    for row in rows {
        let (table, row, col, value, text) = row?;
        let Some(spec) = template::cell_spec(&table, &row, &col) else {
            continue;
        };
        let cell = Cell::new(
            spec.row,
            spec.col,
            value.as_deref().and_then(value::to_json),
            text,
        );
        match tables.iter_mut().find(|t| t.id == spec.table) {
            Some(t) => t.cells.push(cell),
            None => tables.push(Table {
                id: spec.table,
                template: version,
                page: 0,
                bbox: Default::default(),
                cells: vec![cell],
            }),
        }
    }
    Ok(tables)
}

/// Evaluates the document's checks again and stores them in place (a check that
/// could not be evaluated before, for want of a number, is added).
fn store_checks(tx: &Connection, doc: i64) -> Outcome<Vec<(checks::Identity, Check)>> {
    let results = checks::run(&tables_of(tx, doc)?);
    for (_, c) in &results {
        let updated = tx.execute(
            "UPDATE checks SET ok = ?3, detail = ?4 WHERE document = ?1 AND rule = ?2",
            params![doc, c.rule, c.ok, c.detail],
        )?;
        if updated == 0 {
            tx.execute(
                "INSERT INTO checks (document, rule, ok, detail) VALUES (?1, ?2, ?3, ?4)",
                params![doc, c.rule, c.ok, c.detail],
            )?;
        }
    }
    Ok(results)
}

/// After a decision on `key`: the checks again, then the flags they settle. A queued
/// cell whose every check now holds, one of them through the decided cell, leaves the
/// queue (the verified value vouches for the sum); a check the decision leaves failing
/// queues its cells that nobody verified.
fn follow(
    tx: &Connection,
    spec: CellSpec,
    key: &CellKey,
    cause: i64,
    reviewer: &str,
) -> Outcome<(Vec<CellKey>, Vec<CellKey>)> {
    let results = store_checks(tx, key.document)?;
    let decided: CellRef = (spec.table, spec.row, spec.col);
    let touching = || {
        results
            .iter()
            .filter(move |(id, _)| id.cells().any(|c| *c == decided))
    };
    let all_hold = |c: &CellRef| {
        results
            .iter()
            .filter(|(id, _)| id.cells().any(|x| x == c))
            .all(|(_, check)| check.ok)
    };
    let to_clear: BTreeSet<CellRef> = touching()
        .filter(|(_, check)| check.ok)
        .flat_map(|(id, _)| id.cells().copied())
        .filter(|c| *c != decided && all_hold(c))
        .collect();
    let to_flag: BTreeSet<(CellRef, String)> = touching()
        .filter(|(_, check)| !check.ok)
        .flat_map(|(id, check)| {
            let reason = format!("check {} failed: {}", check.rule, check.detail);
            id.cells().map(move |c| (*c, reason.clone()))
        })
        .collect();
    let key_of = |c: &CellRef| CellKey {
        document: key.document,
        table: c.0.to_string(),
        row: c.1.to_string(),
        col: c.2.to_string(),
    };
    let mut cleared = Vec::new();
    for c in &to_clear {
        let k = key_of(c);
        let Ok(before) = current(tx, &k) else {
            continue;
        };
        if before.status != "review" {
            continue;
        }
        let Some(reason) = unqueue(tx, &k)? else {
            continue;
        };
        let version = set_cell(tx, &k, before.value.as_deref(), "ok")?;
        let change = Change {
            key: &k,
            action: "clear",
            reviewer,
            old: &before,
            new_value: before.value.as_deref(),
            new_status: "ok",
            old_reason: Some(&reason),
            version,
            cause: Some(cause),
        };
        write_audit(tx, &change)?;
        cleared.push(k);
    }
    let mut flagged = Vec::new();
    for (c, reason) in &to_flag {
        let k = key_of(c);
        if flagged.contains(&k) {
            continue;
        }
        let Ok(before) = current(tx, &k) else {
            continue;
        };
        let queued: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM review_items WHERE document = ?1 AND table_id = ?2
             AND row_id = ?3 AND col_id = ?4)",
            params![k.document, k.table, k.row, k.col],
            |r| r.get(0),
        )?;
        if queued || before.status == "verified" {
            continue;
        }
        queue(tx, &k, reason)?;
        let status = if before.status == "ok" {
            "review"
        } else {
            before.status.as_str()
        };
        let version = set_cell(tx, &k, before.value.as_deref(), status)?;
        let change = Change {
            key: &k,
            action: "flag",
            reviewer,
            old: &before,
            new_value: before.value.as_deref(),
            new_status: status,
            old_reason: None,
            version,
            cause: Some(cause),
        };
        write_audit(tx, &change)?;
        flagged.push(k);
    }
    Ok((cleared, flagged))
}

//! The server's rows as pulled (`synced_rows`, one set per scope, with cursors),
//! and the optimistic layer over them (`overlay`) that still-unconfirmed
//! commands produce. The UI reads the two together ([`select`]); local effects
//! read and write through a [`View`].
//!
//! Invariant: `synced_rows` changes only by applying pulled pages, so its
//! checksum can be compared with the server's; optimistic effects go to
//! `overlay`, which every rebase recomputes from scratch.

use houqin_shared::sync::{Change, Cursor, ScopeChanges, row_hash};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::outbox::{to_i64, to_u64};
use super::plan::{self, Checksum};
use crate::store::StoreError;

/// Which rows the UI asks for; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFilter {
    /// e.g. `user:0190…`
    pub scope: Option<String>,
    /// e.g. `notification`, `profile`
    pub entity: Option<String>,
}

/// The canonical JSON of a row's data: `serde_json`'s output for a `Value`,
/// whose maps are sorted by key. The checksum is computed over this text on
/// both sides.
pub(crate) fn canonical(data: &Value) -> Result<String, StoreError> {
    serde_json::to_string(data).map_err(|source| StoreError::EncodeJson {
        what: "a synced row",
        source,
    })
}

/// Every cursor, for the next pull.
pub(crate) fn cursors(conn: &Connection) -> Result<Vec<Cursor>, StoreError> {
    let mut stmt = conn.prepare("SELECT scope, version FROM cursors ORDER BY scope")?;
    let rows = stmt.query_map([], |row| {
        Ok(Cursor {
            scope: row.get(0)?,
            version: to_u64(row.get(1)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn cursor(conn: &Connection, scope: &str) -> Result<Option<u64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT version FROM cursors WHERE scope = ?1",
            params![scope],
            |row| row.get::<_, i64>(0),
        )
        .optional()?
        .map(to_u64))
}

fn set_cursor(conn: &Connection, scope: &str, version: u64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO cursors (scope, version) VALUES (?1, ?2)
         ON CONFLICT (scope) DO UPDATE SET version = excluded.version",
        params![scope, to_i64(version)],
    )?;
    Ok(())
}

/// The scope's checksum as this device holds it: the wrapping sum of its rows' hashes.
pub(crate) fn checksum(conn: &Connection, scope: &str) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare("SELECT hash FROM synced_rows WHERE scope = ?1")?;
    let hashes = stmt.query_map(params![scope], |row| row.get::<_, i64>(0))?;
    let mut sum = 0u64;
    for hash in hashes {
        sum = sum.wrapping_add(u64::from_ne_bytes(hash?.to_ne_bytes()));
    }
    Ok(sum)
}

/// Applies one scope's page to the mirror and moves its cursor. Answers what
/// the checksum said; on a mismatch the cursor is set to 0 so the next pull
/// re-snapshots the scope.
pub(crate) fn apply_scope(conn: &Connection, page: &ScopeChanges) -> Result<Checksum, StoreError> {
    let stored = cursor(conn, &page.scope)?;
    let plan = plan::plan_scope(stored, page.reset, page.version);
    if plan.drop_rows_first {
        conn.execute(
            "DELETE FROM synced_rows WHERE scope = ?1",
            params![page.scope],
        )?;
    }
    for change in &page.changes {
        apply_change(conn, &page.scope, change)?;
    }
    set_cursor(conn, &page.scope, plan.cursor)?;
    let verdict = plan::checksum(page.checksum, checksum(conn, &page.scope)?);
    if let Checksum::Differs { expected, local } = verdict {
        tracing::warn!(scope = %page.scope, expected, local, "checksum differs; the scope will be re-read");
        set_cursor(conn, &page.scope, 0)?;
    }
    Ok(verdict)
}

fn apply_change(conn: &Connection, scope: &str, change: &Change) -> Result<(), StoreError> {
    let id = change.id.to_string();
    match &change.data {
        None => {
            conn.execute(
                "DELETE FROM synced_rows WHERE scope = ?1 AND entity = ?2 AND id = ?3",
                params![scope, change.entity, id],
            )?;
        }
        Some(data) => {
            let json = canonical(data)?;
            let hash = row_hash(&change.entity, change.id, &json);
            conn.execute(
                "INSERT INTO synced_rows (scope, entity, id, version, data, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (scope, entity, id) DO UPDATE SET
                     version = excluded.version, data = excluded.data, hash = excluded.hash",
                params![
                    scope,
                    change.entity,
                    id,
                    to_i64(change.version),
                    json,
                    i64::from_ne_bytes(hash.to_ne_bytes())
                ],
            )?;
        }
    }
    Ok(())
}

/// Forgets a scope the session may no longer read: its rows and its cursor.
pub(crate) fn drop_scope(conn: &Connection, scope: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM synced_rows WHERE scope = ?1", params![scope])?;
    conn.execute("DELETE FROM cursors WHERE scope = ?1", params![scope])?;
    Ok(())
}

/// Clears the optimistic layer; a rebase then re-applies the live commands.
pub(crate) fn clear_overlay(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("DELETE FROM overlay", [])?;
    Ok(())
}

/// The rows the UI sees (the overlay over the mirror), ordered by entity and id.
/// A row held in several scopes appears once.
pub(crate) fn select(
    conn: &Connection,
    filter: &RowFilter,
) -> Result<Vec<(String, Uuid, Value)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity, id, data FROM (
             SELECT o.entity, o.id, o.data FROM overlay o
              WHERE o.data IS NOT NULL
                AND (?2 IS NULL OR o.entity = ?2)
                AND (?1 IS NULL OR o.scope = ?1 OR EXISTS (
                     SELECT 1 FROM synced_rows r
                      WHERE r.scope = ?1 AND r.entity = o.entity AND r.id = o.id))
             UNION ALL
             SELECT r.entity, r.id, r.data FROM synced_rows r
              WHERE (?1 IS NULL OR r.scope = ?1)
                AND (?2 IS NULL OR r.entity = ?2)
                AND NOT EXISTS (
                     SELECT 1 FROM overlay o WHERE o.entity = r.entity AND o.id = r.id)
              GROUP BY r.entity, r.id
         ) ORDER BY entity, id",
    )?;
    let rows = stmt.query_map(params![filter.scope, filter.entity], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (entity, id, data) = row?;
        out.push((
            entity,
            Uuid::parse_str(&id).map_err(|e| StoreError::decode("row id", e))?,
            serde_json::from_str(&data).map_err(|e| StoreError::decode("row data", e))?,
        ));
    }
    Ok(out)
}

/// The optimistic view as a command's local effect sees it: reads go through
/// the overlay to the mirror, writes go to the overlay only.
pub(crate) struct View<'c> {
    conn: &'c Connection,
}

impl<'c> View<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        Self { conn }
    }

    /// The row `entity/id` in `scope`, as the UI sees it now.
    pub fn get(&self, scope: &str, entity: &str, id: Uuid) -> Result<Option<Value>, StoreError> {
        let id_text = id.to_string();
        let overlaid: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT data FROM overlay WHERE entity = ?1 AND id = ?2",
                params![entity, id_text],
                |row| row.get(0),
            )
            .optional()?;
        let data = match overlaid {
            // Deleted locally.
            Some(None) => return Ok(None),
            Some(Some(data)) => Some(data),
            None => self
                .conn
                .query_row(
                    "SELECT data FROM synced_rows WHERE scope = ?1 AND entity = ?2 AND id = ?3",
                    params![scope, entity, id_text],
                    |row| row.get(0),
                )
                .optional()?,
        };
        data.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::decode("row data", e)))
            .transpose()
    }

    /// Every `entity` row in `scope`, as the UI sees it now.
    pub fn list(&self, scope: &str, entity: &str) -> Result<Vec<(Uuid, Value)>, StoreError> {
        let filter = RowFilter {
            scope: Some(scope.to_owned()),
            entity: Some(entity.to_owned()),
        };
        Ok(select(self.conn, &filter)?
            .into_iter()
            .map(|(_, id, data)| (id, data))
            .collect())
    }

    /// Sets the row's optimistic state.
    pub fn put(&self, scope: &str, entity: &str, id: Uuid, data: &Value) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO overlay (entity, id, scope, data) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (entity, id) DO UPDATE SET scope = excluded.scope, data = excluded.data",
            params![entity, id.to_string(), scope, canonical(data)?],
        )?;
        Ok(())
    }
}

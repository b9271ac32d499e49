//! The outbox: commands queued on this device, in `seq` order, until the server
//! has answered and (for accepted ones) a pull shows their effect.
//!
//! Invariant: an entry leaves the outbox only when it is accepted and pulled
//! (pruned) or rejected and dismissed by the user — never on a reset, a
//! migration or a failed sync (invariant 1).

use chrono::{DateTime, Utc};
use houqin_shared::ids::{CommandId, UserId};
use houqin_shared::sync::{CommandEnvelope, CommandOutcome, Outcome};
use houqin_shared::{ApiErrorBody, ErrorCode};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::plan::{self, EntryState, Queued};
use crate::store::StoreError;

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub seq: u64,
    pub command_id: CommandId,
    pub user_id: UserId,
    pub name: String,
    pub payload: Value,
    pub schema_version: u32,
    pub created_at: DateTime<Utc>,
    pub state: EntryState,
    /// Why the server rejected it.
    pub rejection: Option<ApiErrorBody>,
}

impl Entry {
    pub fn envelope(&self) -> CommandEnvelope {
        CommandEnvelope {
            command_id: self.command_id,
            seq: self.seq,
            user_id: self.user_id,
            name: self.name.clone(),
            payload: self.payload.clone(),
            schema_version: self.schema_version,
            created_at: self.created_at,
        }
    }
}

/// A command to queue.
#[derive(Debug)]
pub(crate) struct NewEntry<'a> {
    pub command_id: CommandId,
    pub user_id: UserId,
    pub name: &'a str,
    pub payload: &'a Value,
    pub schema_version: u32,
    pub created_at: DateTime<Utc>,
}

/// Hands out the next seq and queues the command under it. Call inside the
/// transaction that also applies the command's local effect.
pub(crate) fn append(conn: &Connection, new: &NewEntry<'_>) -> Result<u64, StoreError> {
    let seq: i64 = conn.query_row(
        "UPDATE sync_client SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
        [],
        |row| row.get(0),
    )?;
    let payload = serde_json::to_string(new.payload).map_err(|source| StoreError::EncodeJson {
        what: "a command payload",
        source,
    })?;
    conn.execute(
        "INSERT INTO outbox (seq, command_id, user_id, name, payload, schema_version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            seq,
            new.command_id.0.to_string(),
            new.user_id.0.to_string(),
            new.name,
            payload,
            new.schema_version,
            new.created_at.to_rfc3339(),
        ],
    )?;
    Ok(to_u64(seq))
}

const COLUMNS: &str = "seq, command_id, user_id, name, payload, schema_version, created_at,
                       state, reject_code, reject_message, reject_field";

/// Entries with `seq` in `range`, in order.
pub(crate) fn range(
    conn: &Connection,
    range: &std::ops::RangeInclusive<u64>,
) -> Result<Vec<Entry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq");
    collect(
        conn,
        &sql,
        params![to_i64(*range.start()), to_i64(*range.end())],
    )
}

/// The entries a rebase re-applies, in `seq` order.
pub(crate) fn live(conn: &Connection) -> Result<Vec<Entry>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM outbox WHERE state IN ('pending', 'accepted') ORDER BY seq");
    let entries = collect(conn, &sql, [])?;
    debug_assert!(entries.iter().all(|e| plan::reapplies(e.state)));
    Ok(entries)
}

/// Every entry, newest first: what the UI lists.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Entry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY seq DESC");
    collect(conn, &sql, [])
}

/// The planner's view of the whole outbox (seq, state, payload size), in order.
pub(crate) fn queue(conn: &Connection) -> Result<Vec<Queued>, StoreError> {
    let mut stmt = conn.prepare("SELECT seq, state, length(payload) FROM outbox ORDER BY seq")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, state, bytes) = row?;
        out.push(Queued {
            seq: to_u64(seq),
            state: parse_state(&state)?,
            bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
        });
    }
    Ok(out)
}

/// What became of recording one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A pending entry is now accepted or rejected.
    Answered,
    /// Already answered, or already gone (pruned, dismissed): nothing to do.
    Known,
    /// The outbox holds a different command under this seq: the server and
    /// this device disagree about the client's history. Left pending and logged.
    Mismatch,
}

/// Records the server's answer for one command.
pub(crate) fn record(conn: &Connection, outcome: &CommandOutcome) -> Result<Recorded, StoreError> {
    let seq = to_i64(outcome.seq);
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT command_id, state FROM outbox WHERE seq = ?1",
            params![seq],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((command_id, state)) = found else {
        return Ok(Recorded::Known);
    };
    if command_id != outcome.command_id.0.to_string() {
        tracing::error!(
            seq = outcome.seq,
            local = %command_id,
            server = %outcome.command_id,
            "the server's outcome is for another command under this seq"
        );
        return Ok(Recorded::Mismatch);
    }
    if parse_state(&state)? != EntryState::Pending {
        return Ok(Recorded::Known);
    }
    match &outcome.outcome {
        Outcome::Accepted => {
            conn.execute(
                "UPDATE outbox SET state = 'accepted' WHERE seq = ?1",
                params![seq],
            )?;
        }
        Outcome::Rejected {
            code,
            message,
            field,
        } => {
            tracing::info!(seq = outcome.seq, ?code, "command rejected");
            conn.execute(
                "UPDATE outbox SET state = 'rejected', reject_code = ?2, reject_message = ?3,
                     reject_field = ?4
                 WHERE seq = ?1",
                params![seq, code_text(*code), message, field],
            )?;
        }
    }
    Ok(Recorded::Answered)
}

/// Remembers the server's `last_applied_seq` (it only grows).
pub(crate) fn note_last_applied(conn: &Connection, seq: u64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sync_client SET last_applied_seq = max(last_applied_seq, ?1) WHERE id = 1",
        params![to_i64(seq)],
    )?;
    Ok(())
}

/// Drops accepted entries a complete pull has shown the effect of.
pub(crate) fn prune(conn: &Connection, pulled_last_applied: u64) -> Result<usize, StoreError> {
    let mut prunable = Vec::new();
    for entry in queue(conn)? {
        if plan::prunable(entry, pulled_last_applied) {
            prunable.push(entry.seq);
        }
    }
    let mut stmt = conn.prepare("DELETE FROM outbox WHERE seq = ?1")?;
    for seq in &prunable {
        stmt.execute(params![to_i64(*seq)])?;
    }
    Ok(prunable.len())
}

/// Forgets a rejected entry the user has seen. Answers whether there was one.
pub(crate) fn dismiss(conn: &Connection, seq: u64) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM outbox WHERE seq = ?1 AND state = 'rejected'",
        params![to_i64(seq)],
    )?;
    Ok(n == 1)
}

/// The `acked` a pull sends (see [`plan::acked`]).
pub(crate) fn acked(conn: &Connection) -> Result<u64, StoreError> {
    let (oldest_pending, last_seq): (Option<i64>, i64) = conn.query_row(
        "SELECT (SELECT min(seq) FROM outbox WHERE state = 'pending'), last_seq
         FROM sync_client WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(plan::acked(oldest_pending.map(to_u64), to_u64(last_seq)))
}

/// (pending, rejected) counts.
pub(crate) fn counts(conn: &Connection) -> Result<(u32, u32), StoreError> {
    let (pending, rejected): (i64, i64) = conn.query_row(
        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'rejected'), 0)
         FROM outbox",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok((count(pending), count(rejected)))
}

/// When the last complete sync finished.
pub(crate) fn last_synced_at(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = conn.query_row(
        "SELECT last_synced_at FROM sync_client WHERE id = 1",
        [],
        |row| row.get(0),
    )?;
    text.map(|t| parse_time(&t)).transpose()
}

pub(crate) fn set_last_synced_at(conn: &Connection, at: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sync_client SET last_synced_at = ?1 WHERE id = 1",
        params![at.to_rfc3339()],
    )?;
    Ok(())
}

fn collect(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Entry>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let raw = stmt.query_map(params, RawEntry::from_row)?;
    let mut out = Vec::new();
    for row in raw {
        out.push(row?.decode()?);
    }
    Ok(out)
}

struct RawEntry {
    seq: i64,
    command_id: String,
    user_id: String,
    name: String,
    payload: String,
    schema_version: u32,
    created_at: String,
    state: String,
    reject_code: Option<String>,
    reject_message: Option<String>,
    reject_field: Option<String>,
}

impl RawEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seq: row.get(0)?,
            command_id: row.get(1)?,
            user_id: row.get(2)?,
            name: row.get(3)?,
            payload: row.get(4)?,
            schema_version: row.get(5)?,
            created_at: row.get(6)?,
            state: row.get(7)?,
            reject_code: row.get(8)?,
            reject_message: row.get(9)?,
            reject_field: row.get(10)?,
        })
    }

    fn decode(self) -> Result<Entry, StoreError> {
        let uuid =
            |s: &str| uuid::Uuid::parse_str(s).map_err(|e| StoreError::decode("outbox id", e));
        let state = parse_state(&self.state)?;
        let rejection = (state == EntryState::Rejected).then(|| ApiErrorBody {
            code: parse_code(self.reject_code.as_deref().unwrap_or_default()),
            message: self.reject_message.unwrap_or_default(),
            field: self.reject_field,
            request_id: None,
        });
        Ok(Entry {
            seq: to_u64(self.seq),
            command_id: CommandId(uuid(&self.command_id)?),
            user_id: UserId(uuid(&self.user_id)?),
            name: self.name,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| StoreError::decode("command payload", e))?,
            schema_version: self.schema_version,
            created_at: parse_time(&self.created_at)?,
            state,
            rejection,
        })
    }
}

fn parse_state(text: &str) -> Result<EntryState, StoreError> {
    match text {
        "pending" => Ok(EntryState::Pending),
        "accepted" => Ok(EntryState::Accepted),
        "rejected" => Ok(EntryState::Rejected),
        other => Err(StoreError::decode(
            "outbox state",
            format!("unknown state {other:?}"),
        )),
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::decode("timestamp", e))
}

/// The wire name of an error code (`"conflict"`), as stored.
fn code_text(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(Value::String(s)) => s,
        _ => "unknown".to_owned(),
    }
}

/// Unknown codes (from a newer server) read back as `ErrorCode::Unknown`.
fn parse_code(text: &str) -> ErrorCode {
    serde_json::from_value(Value::String(text.to_owned())).unwrap_or(ErrorCode::Unknown)
}

/// Seqs are positive and far below `i64::MAX`; SQLite stores them as i64.
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

//! The local SQLite store: one file per install, `data_dir/houqin.sqlite`.
//!
//! Invariant: the schema only grows through [`MIGRATIONS`], append-only. The
//! version applied is SQLite's `user_version` header field, written in the same
//! transaction as the migration, so a crash mid-migration leaves the previous
//! version intact and the migration runs again at the next open.
//!
//! Invariant: `synchronous=FULL` — once a write returns it survives power loss
//! (the outbox, when it lands here, relies on this: a command accepted into it is
//! never lost).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use houqin_shared::accounts::Me;
use houqin_shared::ids::SessionId;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::session::{StoredSession, Tokens};

/// The database file inside the app's data directory.
pub const FILE_NAME: &str = "houqin.sqlite";

/// Schema migrations; entry `i` takes the schema from version `i` to `i + 1`.
/// Never edit or reorder a landed entry: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the install's identity and the signed-in session.
    r"
    CREATE TABLE device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL
    ) STRICT;

    -- At most one session: one install has one signed-in user at a time.
    -- The tokens sit in the app's private data directory; moving them into
    -- the OS keystore (Keychain, Android Keystore, Secret Service) is a later step.
    CREATE TABLE session (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        session_id TEXT NOT NULL,
        user_json TEXT NOT NULL,
        access_token TEXT NOT NULL,
        access_expires_at TEXT NOT NULL,
        refresh_token TEXT NOT NULL,
        refresh_expires_at TEXT NOT NULL
    ) STRICT;
    ",
    // 2: the client half of the sync protocol (DESIGN.md, "Offline-first sync").
    r"
    -- One row: the seq counter and what the server last said. The counter lives
    -- here, not in MAX(outbox.seq), because finished entries are deleted and
    -- seqs must never be handed out twice.
    CREATE TABLE sync_client (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL,
        last_applied_seq INTEGER NOT NULL,
        last_synced_at TEXT
    ) STRICT;
    INSERT INTO sync_client (id, last_seq, last_applied_seq) VALUES (1, 0, 0);

    -- Commands waiting for the server, or answered and not yet cleared:
    -- accepted ones until a pull shows their effect, rejected ones until the
    -- user dismisses them.
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        command_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'accepted', 'rejected')),
        reject_code TEXT,
        reject_message TEXT,
        reject_field TEXT
    ) STRICT;

    -- The server's rows, exactly as pulled: the mirror the checksums cover.
    -- `hash` is `row_hash(entity, id, data)`, kept so a checksum is one SUM away.
    CREATE TABLE synced_rows (
        scope TEXT NOT NULL,
        entity TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        hash INTEGER NOT NULL,
        PRIMARY KEY (scope, entity, id)
    ) STRICT;
    CREATE INDEX synced_rows_by_entity ON synced_rows (entity, id);

    -- Per scope: the version applied up to (0 = take a fresh snapshot next pull).
    CREATE TABLE cursors (
        scope TEXT PRIMARY KEY,
        version INTEGER NOT NULL
    ) STRICT;

    -- The optimistic layer: rows as the still-unconfirmed commands would leave
    -- them. Recomputed from scratch at every rebase; `data` NULL = deleted locally.
    -- What the UI reads is this over synced_rows.
    CREATE TABLE overlay (
        entity TEXT NOT NULL,
        id TEXT NOT NULL,
        scope TEXT NOT NULL,
        data TEXT,
        PRIMARY KEY (entity, id)
    ) STRICT;
    ",
    // 3: photos and other attachments, named by the SHA-256 of their bytes.
    r"
    -- Queued for upload ('pending'), on the server ('uploaded', kept as the
    -- local copy), or refused by it ('rejected', with its reason as JSON).
    -- The bytes live here, not in loose files: they commit with the row.
    CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'uploaded', 'rejected')),
        rejection TEXT,
        created_at TEXT NOT NULL
    ) STRICT;
    ",
    // 4: the device's pay-code key (Ed25519 secret, base64url). Its public
    // half goes to the server at each login; the secret never leaves here.
    r"
    CREATE TABLE pay_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret TEXT NOT NULL
    ) STRICT;
    ",
    // 5: the offline kiosk (DESIGN.md, "Offline kiosk"; `kiosk.rs`).
    r"
    -- The server's clock as learned at each pull (offset from this device's)
    -- and when the hotlist was last brought fully up to date (device clock).
    CREATE TABLE server_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offset_ms INTEGER NOT NULL,
        hotlist_synced_at TEXT
    ) STRICT;

    -- The kiosk's gapless sale numbers: never handed out twice.
    CREATE TABLE kiosk_counter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL
    ) STRICT;
    INSERT INTO kiosk_counter (id, last_seq) VALUES (1, 0);

    -- Every sale this kiosk made offline, committed with the outbox entry
    -- that settles it. `payer` is `card:<UID>` or `user:<id>` (pay codes).
    CREATE TABLE kiosk_sales (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        command_id TEXT NOT NULL UNIQUE,
        window_id TEXT NOT NULL,
        payer TEXT NOT NULL,
        amount INTEGER NOT NULL,
        day TEXT NOT NULL,
        sold_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX kiosk_sales_by_payer ON kiosk_sales (payer, day);

    -- Pay codes accepted offline here, kept for the freshness window (and
    -- across restarts): a code is taken once.
    CREATE TABLE used_pay_codes (
        session_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        nonce INTEGER NOT NULL,
        used_at TEXT NOT NULL,
        PRIMARY KEY (session_id, at, nonce)
    ) STRICT;
    ",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the local database failed")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot encode the signed-in user for storage")]
    Encode(#[source] serde_json::Error),
    #[error("the local database has schema version {found}; this app knows up to {supported}")]
    TooNew { found: i64, supported: i64 },
    #[error("cannot encode {what} for storage")]
    EncodeJson {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("a stored {what} does not decode")]
    Decode {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    pub(crate) fn decode(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Decode {
            what,
            source: source.into(),
        }
    }
}

/// The open database. Not `Sync`: the engine keeps it behind a mutex and holds
/// that only for short, synchronous statements.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    device_id: String,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let mut conn = Connection::open(data_dir.join(FILE_NAME))?;
        // journal_mode answers with a row, so it is read rather than executed.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        migrate(&mut conn)?;
        let device_id = ensure_device_id(&mut conn)?;
        Ok(Self { conn, device_id })
    }

    /// This install's pay-code key, made on first use and kept for good.
    pub(crate) fn pay_key(&mut self) -> Result<houqin_shared::paycode::SigningKey, StoreError> {
        use houqin_shared::paycode;
        let existing: Option<String> = self
            .conn
            .query_row("SELECT secret FROM pay_key WHERE id = 1", [], |row| {
                row.get(0)
            })
            .optional()?;
        if let Some(key) = existing.as_deref().and_then(paycode::decode_secret) {
            return Ok(key);
        }
        let secret: [u8; 32] = rand::random();
        let key = paycode::signing_key(&secret);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO pay_key (id, secret) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET secret = excluded.secret",
                params![paycode::encode_secret(&key)],
            )?;
            Ok(())
        })?;
        Ok(key)
    }

    /// This install's id (UUIDv7), made at the first open and kept for good.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The connection, for reads that need no transaction.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one write transaction (taken at once: `BEGIN IMMEDIATE`), and
    /// commits if it succeeds. An error rolls everything in it back.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// The stored session, if any.
    ///
    /// A row that no longer decodes (a `Me` from an incompatible app version) is
    /// dropped: the user signs in again rather than being stuck on an error.
    pub fn session(&self) -> Result<Option<StoredSession>, StoreError> {
        let row = session_row(&self.conn)?;
        let Some(row) = row else { return Ok(None) };
        match row.decode() {
            Ok(session) => Ok(Some(session)),
            Err(error) => {
                tracing::warn!(%error, "dropping a stored session that no longer decodes");
                self.conn.execute("DELETE FROM session", [])?;
                Ok(None)
            }
        }
    }

    /// Stores `session` as the signed-in session, replacing any other.
    pub fn save_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        let row = SessionRow::encode(session)?;
        self.conn.execute(
            "INSERT OR REPLACE INTO session
                 (id, session_id, user_json, access_token, access_expires_at,
                  refresh_token, refresh_expires_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                row.session_id,
                row.user_json,
                row.access_token,
                row.access_expires_at,
                row.refresh_token,
                row.refresh_expires_at
            ],
        )?;
        Ok(())
    }

    /// Replaces the session only if the stored one is still `expected` (the
    /// session a refresh started from). Returns whether it did: a sign-out or
    /// another sign-in in the meantime wins, and the refreshed tokens are dropped.
    pub fn replace_session_if(
        &self,
        expected: SessionId,
        session: &StoredSession,
    ) -> Result<bool, StoreError> {
        let row = SessionRow::encode(session)?;
        let changed = self.conn.execute(
            "UPDATE session SET session_id = ?1, user_json = ?2, access_token = ?3,
                 access_expires_at = ?4, refresh_token = ?5, refresh_expires_at = ?6
             WHERE id = 1 AND session_id = ?7",
            params![
                row.session_id,
                row.user_json,
                row.access_token,
                row.access_expires_at,
                row.refresh_token,
                row.refresh_expires_at,
                expected.0.to_string()
            ],
        )?;
        Ok(changed == 1)
    }

    /// Forgets the session if it is still `expected`; returns whether it did.
    pub fn clear_session_if(&self, expected: SessionId) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "DELETE FROM session WHERE id = 1 AND session_id = ?1",
            params![expected.0.to_string()],
        )?;
        Ok(changed == 1)
    }

    /// Forgets the session, whichever it is, and returns it.
    pub fn take_session(&mut self) -> Result<Option<StoredSession>, StoreError> {
        let tx = self.conn.transaction()?;
        let session = session_row(&tx)?;
        tx.execute("DELETE FROM session", [])?;
        tx.commit()?;
        Ok(session.and_then(|row| row.decode().ok()))
    }
}

/// The schema version this build of the app writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = schema_version();
    loop {
        let tx = conn.transaction()?;
        let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if found > supported {
            // An older app on a newer database: writing would corrupt it.
            return Err(StoreError::TooNew { found, supported });
        }
        let Some(sql) = usize::try_from(found).ok().and_then(|i| MIGRATIONS.get(i)) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        // PRAGMA does not take parameters; `found + 1` is an integer we computed.
        tx.execute_batch(&format!("PRAGMA user_version = {}", found + 1))?;
        tx.commit()?;
        tracing::info!(version = found + 1, "local database migrated");
    }
}

fn ensure_device_id(conn: &mut Connection) -> Result<String, StoreError> {
    let tx = conn.transaction()?;
    let existing: Option<String> = tx
        .query_row("SELECT device_id FROM device WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    let id = match existing {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO device (id, device_id) VALUES (1, ?1)",
                params![id],
            )?;
            id
        }
    };
    tx.commit()?;
    Ok(id)
}

fn session_row(conn: &Connection) -> Result<Option<SessionRow>, rusqlite::Error> {
    conn.query_row(
        "SELECT session_id, user_json, access_token, access_expires_at,
                refresh_token, refresh_expires_at
         FROM session WHERE id = 1",
        [],
        |row| {
            Ok(SessionRow {
                session_id: row.get(0)?,
                user_json: row.get(1)?,
                access_token: row.get(2)?,
                access_expires_at: row.get(3)?,
                refresh_token: row.get(4)?,
                refresh_expires_at: row.get(5)?,
            })
        },
    )
    .optional()
}

/// A `session` row as SQLite holds it.
struct SessionRow {
    session_id: String,
    user_json: String,
    access_token: String,
    access_expires_at: String,
    refresh_token: String,
    refresh_expires_at: String,
}

#[derive(Debug, thiserror::Error)]
enum DecodeError {
    #[error("bad session id")]
    SessionId(#[source] uuid::Error),
    #[error("bad user")]
    User(#[source] serde_json::Error),
    #[error("bad timestamp")]
    Time(#[source] chrono::ParseError),
}

impl SessionRow {
    fn encode(session: &StoredSession) -> Result<Self, StoreError> {
        let user_json = serde_json::to_string(&session.user).map_err(StoreError::Encode)?;
        Ok(Self {
            session_id: session.session_id.0.to_string(),
            user_json,
            access_token: session.tokens.access_token.clone(),
            access_expires_at: session.tokens.access_expires_at.to_rfc3339(),
            refresh_token: session.tokens.refresh_token.clone(),
            refresh_expires_at: session.tokens.refresh_expires_at.to_rfc3339(),
        })
    }

    fn decode(self) -> Result<StoredSession, DecodeError> {
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(DecodeError::Time)
        };
        let user: Me = serde_json::from_str(&self.user_json).map_err(DecodeError::User)?;
        Ok(StoredSession {
            session_id: SessionId(
                uuid::Uuid::parse_str(&self.session_id).map_err(DecodeError::SessionId)?,
            ),
            user,
            tokens: Tokens {
                access_token: self.access_token,
                access_expires_at: time(&self.access_expires_at)?,
                refresh_token: self.refresh_token,
                refresh_expires_at: time(&self.refresh_expires_at)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::sample_session;

    #[test]
    fn first_open_migrates_and_makes_a_device_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema_version());
        let id = uuid::Uuid::parse_str(store.device_id()).unwrap();
        assert_eq!(id.get_version_num(), 7);
        let sync: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous must be FULL");
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn reopening_keeps_the_device_id_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path()).unwrap().device_id().to_owned();
        let second = Store::open(dir.path()).unwrap().device_id().to_owned();
        assert_eq!(first, second);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", schema_version() + 1))
            .unwrap();
        drop(conn);
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    }

    #[test]
    fn session_round_trips_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.session().unwrap(), None);
        let session = sample_session();
        store.save_session(&session).unwrap();
        assert_eq!(store.session().unwrap(), Some(session.clone()));

        let mut refreshed = session.clone();
        refreshed.tokens.access_token = "new-access".into();
        assert!(
            store
                .replace_session_if(session.session_id, &refreshed)
                .unwrap()
        );
        assert_eq!(store.session().unwrap(), Some(refreshed.clone()));
        assert!(
            !store
                .replace_session_if(SessionId::new(), &session)
                .unwrap()
        );
        assert!(!store.clear_session_if(SessionId::new()).unwrap());

        assert_eq!(store.take_session().unwrap(), Some(refreshed));
        assert_eq!(store.session().unwrap(), None);
        assert!(
            !store
                .replace_session_if(session.session_id, &session)
                .unwrap()
        );
    }

    #[test]
    fn an_undecodable_session_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.save_session(&sample_session()).unwrap();
        store
            .conn
            .execute("UPDATE session SET user_json = '{\"old\":true}'", [])
            .unwrap();
        assert_eq!(store.session().unwrap(), None);
        let rows: i64 = store
            .conn
            .query_row("SELECT count(*) FROM session", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }
}

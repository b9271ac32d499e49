//! The database handle: one code path for an embedded SQLite file and PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::migration::Migrator;

/// A connection pool plus, on SQLite, the single-writer lock.
///
/// SQLite allows one writer at a time; several pooled writers just spin on
/// `SQLITE_BUSY` and grow the WAL. Every write transaction goes through
/// [`Db::write`], which serialises writers on SQLite and is free on PostgreSQL.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    write_lock: Option<Arc<Mutex<()>>>,
}

/// A write transaction; the SQLite writer lock is held until it is dropped.
pub struct WriteTx {
    pub tx: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        let sqlite = url.starts_with("sqlite:");
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(if sqlite { 4 } else { 16 });
        if sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    // Nothing once accepted is ever lost: fsync every commit.
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("journal_size_limit", "67108864")
            });
        }
        let conn = Database::connect(opts).await?;
        Migrator::up(&conn, None).await?;
        Ok(Db {
            conn,
            write_lock: sqlite.then(|| Arc::new(Mutex::new(()))),
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Begins a write transaction (serialised with other writers on SQLite).
    ///
    /// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at the
    /// start, so a transaction that reads and then writes never finds its
    /// snapshot overtaken by another connection's commit (which SQLite
    /// answers with an immediate "database is locked", whatever the busy
    /// timeout) — e.g. a rollback still being finished by a connection the
    /// previous writer dropped.
    pub async fn write(&self) -> Result<WriteTx, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = if guard.is_some() {
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Liveness of the database, for `/ready`.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Flushes the SQLite WAL into the main file (called periodically and at shutdown).
    pub async fn checkpoint(&self) -> Result<(), DbErr> {
        if self.write_lock.is_some() {
            self.conn
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }
}

//! The server half of the sync protocol (`docs/sync-protocol.md`).
//!
//! - `commands`: the one `Command` trait every service implements; the same
//!   handler serves REST writes (`execute`) and pushed offline writes (`push`).
//! - `changes`: rows a transaction changed, per scope; `commit` bumps each
//!   scope's version in that transaction (commit-ordered, gap-free per scope).
//! - `scopes`: which scopes a session may read, and each scope's full contents.
//! - `routes`: `POST /sync/push`, `GET /sync/pull`.
//!
//! Invariant: a synced row changes only inside a transaction that also calls
//! `changes::commit` for it; data reaches clients only by pull.

pub mod changes;
pub mod commands;
pub mod events;
pub mod retention;
pub mod routes;
pub mod scopes;

use std::sync::Arc;

use tokio::sync::broadcast;

/// The channel NOTIFY carries pokes on between processes sharing one PostgreSQL.
pub const PG_CHANNEL: &str = "houqin_sync";

/// Pokes: the scopes a committed transaction changed, for the event streams.
///
/// On SQLite (one process) a writer sends them after commit. On PostgreSQL the
/// writer's transaction NOTIFYs (delivered only if it commits) and every
/// process's listener forwards them here, its own included.
#[derive(Clone)]
pub struct Pokes {
    tx: Arc<broadcast::Sender<Arc<Vec<String>>>>,
    via_database: bool,
}

impl Pokes {
    pub fn new(via_database: bool) -> Self {
        Pokes {
            tx: Arc::new(broadcast::channel(1024).0),
            via_database,
        }
    }

    /// After a commit: pokes the scopes (a no-op when the database carries them).
    pub fn send(&self, scopes: Vec<String>) {
        if !self.via_database {
            self.forward(scopes);
        }
    }

    fn forward(&self, scopes: Vec<String>) {
        if !scopes.is_empty() {
            // No subscriber is fine: clients also pull on a timer.
            let _ = self.tx.send(Arc::new(scopes));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<String>>> {
        self.tx.subscribe()
    }

    /// Forwards NOTIFYs from PostgreSQL until the process ends, reconnecting
    /// with backoff (pokes missed meanwhile are covered by clients' timed pulls).
    /// The returned receiver fires once the first LISTEN is in place.
    pub fn listen_postgres(&self, url: String) -> tokio::sync::oneshot::Receiver<()> {
        let pokes = self.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let mut ready_tx = Some(ready_tx);
        tokio::spawn(async move {
            let mut delay = std::time::Duration::from_millis(200);
            loop {
                match sea_orm::sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if listener.listen(PG_CHANNEL).await.is_ok() {
                            delay = std::time::Duration::from_millis(200);
                            if let Some(tx) = ready_tx.take() {
                                let _ = tx.send(());
                            }
                            // Something may have changed while we were not listening.
                            while let Ok(n) = listener.recv().await {
                                if let Ok(scopes) = serde_json::from_str::<Vec<String>>(n.payload())
                                {
                                    pokes.forward(scopes);
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot LISTEN for sync pokes; retrying"),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
            }
        });
        ready_rx
    }
}

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
pub mod routes;
pub mod scopes;

use std::sync::Arc;

use tokio::sync::broadcast;

/// In-process pokes: the scopes a committed transaction changed. (Across
/// processes on PostgreSQL they will ride LISTEN/NOTIFY.)
#[derive(Clone)]
pub struct Pokes(Arc<broadcast::Sender<Arc<Vec<String>>>>);

impl Default for Pokes {
    fn default() -> Self {
        Pokes(Arc::new(broadcast::channel(1024).0))
    }
}

impl Pokes {
    pub fn send(&self, scopes: Vec<String>) {
        if !scopes.is_empty() {
            // No subscriber is fine: clients also pull on a timer.
            let _ = self.0.send(Arc::new(scopes));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<String>>> {
        self.0.subscribe()
    }
}

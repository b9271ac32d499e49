//! Houqin's backend: the source of truth for every campus logistics service.
//!
//! `router(state)` builds the application; `serve(listener, state, shutdown)` runs
//! it until `shutdown` resolves. Tests bind 127.0.0.1:0 and call `serve`.

pub mod accounts;
pub mod api;
pub mod attachments;
pub mod audit;
pub mod authz;
pub mod config;
pub mod db;
pub mod dining;
pub mod directory;
pub mod entities;
pub mod error;
pub mod export;
pub mod extract;
pub mod http;
pub mod ledger;
pub mod migration;
pub mod notifications;
pub mod payments;
pub mod repairs;
pub mod seed;
pub mod state;
pub mod sync;
pub mod testkit;
pub mod throttle;

use std::future::Future;
use std::net::SocketAddr;

pub use api::router;
pub use config::Config;
pub use state::AppState;

/// Serves the app on `listener` until `shutdown` resolves, then finishes the
/// requests in flight and checkpoints the SQLite WAL.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let db = state.db.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    if let Err(e) = db.checkpoint().await {
        tracing::warn!(error = %e, "WAL checkpoint at shutdown failed; SQLite replays the WAL at next start");
    }
    Ok(())
}

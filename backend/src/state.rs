//! The state every handler receives.

use std::sync::Arc;

use axum::extract::FromRef;
use houqin_shared::clock::Clock;

use crate::accounts::limiter::LoginLimiter;
use crate::accounts::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<TokenKeys>,
    pub limiter: Arc<LoginLimiter>,
    /// Anonymous repair reports per client address.
    pub public_reports: Arc<crate::throttle::Throttle>,
    pub pokes: crate::sync::Pokes,
}

impl AppState {
    /// Connects to the database (migrating it) and loads the shared signing key.
    pub async fn new(config: Config, clock: Arc<dyn Clock>) -> Result<AppState, sea_orm::DbErr> {
        let db = Db::connect(&config.database_url).await?;
        let keys = TokenKeys::load_or_create(&db, clock.as_ref()).await?;
        let limiter = LoginLimiter::new(config.login_limits.clone());
        let postgres = db.backend() == sea_orm::DbBackend::Postgres;
        let pokes = crate::sync::Pokes::new(postgres);
        if postgres {
            // Serve only once pokes from other processes can reach this one's clients.
            let ready = pokes.listen_postgres(config.database_url.clone());
            if tokio::time::timeout(std::time::Duration::from_secs(10), ready)
                .await
                .is_err()
            {
                tracing::warn!(
                    "not yet listening for sync pokes; clients still pull on their timers"
                );
            }
        }
        let public_reports = crate::throttle::Throttle::new(
            config.public_reports_per_hour,
            chrono::Duration::hours(1),
        );
        Ok(AppState {
            db,
            public_reports: Arc::new(public_reports),
            config: Arc::new(config),
            clock,
            keys: Arc::new(keys),
            limiter: Arc::new(limiter),
            pokes,
        })
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

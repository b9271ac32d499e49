//! Houqin's native engine: what the app does on the device, behind the UI.
//!
//! The Tauri shell holds one [`Engine`] and its commands are thin wrappers over
//! its methods, so everything here runs — and is tested — without a window.
//!
//! Modules:
//! - [`store`]: the local SQLite database (versioned migrations, WAL,
//!   `synchronous=FULL`), including the sync tables (outbox, mirror, overlay).
//! - [`session`]: the signed-in session, restored after a restart.
//! - [`client`]: HTTP to the backend's REST API, sync endpoints included, over
//!   a [`client::Transport`] (reqwest in the app; the sync simulation carries
//!   the bytes to a backend in the same process, with faults).
//! - [`sync`]: the client half of the sync protocol (DESIGN.md, "Offline-first
//!   sync"): [`Engine::enqueue`], [`Engine::sync_once`], [`Engine::run_sync_loop`],
//!   and what the UI reads ([`Engine::status`], [`Engine::pending`], [`Engine::rows`]).
//!
//! Errors leave the engine as [`houqin_shared::ApiErrorBody`], the same shape the
//! server answers, so the UI handles one error type whether it talks to the
//! engine or to the server.
//!
//! The PC/SC NFC reader for kiosks is desktop-only and will live in the shell
//! (`src-tauri`, behind `#[cfg(desktop)]`) or in a desktop-only module here.

pub mod client;
mod error;
pub mod kiosk;
pub mod session;
pub mod store;
pub mod sync;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use houqin_shared::accounts::{LoginRequest, Me, RefreshRequest};
use houqin_shared::clock::Clock;
use houqin_shared::ids::ClientId;
use houqin_shared::{ApiErrorBody, ErrorCode};
use serde_json::Value;
use tracing::instrument;

pub use error::OpenError;
pub use sync::{
    ActionState, Attachment, PendingAction, RowFilter, SyncReport, SyncSchedule, SyncStatus,
    Upload, UploadState,
};

use client::{ApiMethod, ApiPath, ApiRequest, ClientError, RequestBody, ServerClient};
use error::EngineError;
use session::{SessionInfo, StoredSession};
use store::Store;

/// Where the engine keeps its data and which server it talks to.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The app's private data directory; the database is `houqin.sqlite` in it.
    pub data_dir: PathBuf,
    /// The backend's base URL, e.g. `https://houqin.example.edu.cn`.
    pub server_url: String,
    /// This device's clock: timestamps shown to people (when a command was
    /// queued, when the last sync finished), never ordering.
    pub clock: Arc<dyn Clock>,
}

impl EngineConfig {
    /// A config on the system clock.
    pub fn new(data_dir: impl Into<PathBuf>, server_url: impl Into<String>) -> Self {
        Self {
            data_dir: data_dir.into(),
            server_url: server_url.into(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// The real clock.
// FIXME: the backend has the same type (backend/src/state.rs); it could live in
// houqin_shared::clock beside `FakeClock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// The engine: one per app process, shared by every command.
#[derive(Debug)]
pub struct Engine {
    store: Mutex<Store>,
    client: ServerClient,
    device_id: String,
    /// The device id as the sync protocol's client id.
    client_id: ClientId,
    clock: Arc<dyn Clock>,
    sync: sync::SyncRuntime,
    /// Held while a token refresh is in flight. Refresh tokens are single-use:
    /// two concurrent refreshes with the same one would make the server refuse
    /// the second and sign the user out.
    refreshing: tokio::sync::Mutex<()>,
}

impl Engine {
    /// Opens or creates the local store in `config.data_dir`; talks to
    /// `config.server_url` over HTTP.
    pub fn open(config: EngineConfig) -> Result<Self, OpenError> {
        let client = ServerClient::new(&config.server_url)?;
        Self::open_with(config, client)
    }

    /// Like [`Engine::open`], with the bytes carried by `transport` instead of
    /// HTTP (`config.server_url` is then only logged): a backend in the same
    /// process, a network with faults. Used by the sync simulation.
    pub fn open_with_transport(
        config: EngineConfig,
        transport: Arc<dyn client::Transport>,
    ) -> Result<Self, OpenError> {
        Self::open_with(config, ServerClient::over(transport))
    }

    fn open_with(config: EngineConfig, client: ServerClient) -> Result<Self, OpenError> {
        let store = Store::open(&config.data_dir)?;
        let device_id = store.device_id().to_owned();
        let client_id = device_id
            .parse::<ClientId>()
            .map_err(|e| store::StoreError::decode("device id", e))?;
        tracing::info!(data_dir = %config.data_dir.display(), server = %config.server_url, "engine open");
        Ok(Self {
            store: Mutex::new(store),
            client,
            // Seeded per device: devices that failed together retry apart.
            sync: sync::SyncRuntime::new(houqin_shared::sync::fnv1a(device_id.as_bytes())),
            device_id,
            client_id,
            clock: config.clock,
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// This install's id, sent with every login and refresh.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Signs in and keeps the session. `req.device_id` is replaced by this
    /// install's id. On failure the previous session, if any, is left as it was.
    #[instrument(skip_all)]
    pub async fn login(&self, req: LoginRequest) -> Result<Me, ApiErrorBody> {
        self.login_inner(req).await.map_err(|e| e.into_api("login"))
    }

    /// The signed-in user as last stored, with or without a network.
    pub fn current_user(&self) -> Result<Option<Me>, ApiErrorBody> {
        self.session()
            .map(|s| s.map(|s| s.user))
            .map_err(|e| e.into_api("current_user"))
    }

    /// When the session's tokens expire, by the server's clock. No tokens.
    pub fn session_info(&self) -> Result<Option<SessionInfo>, ApiErrorBody> {
        self.session()
            .map(|s| s.map(|s| s.info()))
            .map_err(|e| e.into_api("session_info"))
    }

    /// Signs out: the session is forgotten locally first, so signing out works
    /// offline; telling the server is best effort (unreached, the server-side
    /// session ends when its refresh token expires).
    #[instrument(skip_all)]
    pub async fn logout(&self) -> Result<(), ApiErrorBody> {
        let taken = self
            .lock_store()
            .take_session()
            .map_err(|e| EngineError::from(e).into_api("logout"))?;
        let Some(session) = taken else { return Ok(()) };
        if let Err(error) = self.revoke_on_server(&session).await {
            tracing::info!(session_id = %session.session_id, error = %error::Chain(&error), "server not told of logout");
        }
        Ok(())
    }

    /// Ends `session` on the server. The server wants a live access token for
    /// that, so an expired one is refreshed first (the new tokens are not kept).
    async fn revoke_on_server(&self, session: &StoredSession) -> Result<(), EngineError> {
        match self.client.logout(&session.tokens.access_token).await {
            Err(ClientError::Refused(refusal)) if refusal.code == ErrorCode::SessionExpired => {
                let req = RefreshRequest {
                    refresh_token: session.tokens.refresh_token.clone(),
                    device_id: Some(self.device_id.clone()),
                };
                let fresh = self.client.refresh(&req).await?;
                Ok(self.client.logout(&fresh.access_token).await?)
            }
            other => Ok(other?),
        }
    }

    /// An authenticated call to `{server_url}/api/v1{path}`, answering the JSON
    /// body (`Value::Null` for 204). An expired access token is refreshed once
    /// and the call retried; a refresh the server refuses ends the session.
    #[instrument(skip_all, fields(%method, %path))]
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ApiErrorBody> {
        self.call_inner(method, path, body.as_ref())
            .await
            .map_err(|e| e.into_api("call"))
    }

    async fn login_inner(&self, mut req: LoginRequest) -> Result<Me, EngineError> {
        req.device_id = Some(self.device_id.clone());
        // The pay-code key's public half rides with every login.
        let key = self.lock_store().pay_key()?;
        req.device_public_key = Some(houqin_shared::paycode::encode_public_key(&key));
        req.validate()?;
        let response = self.client.login(&req).await?;
        let session = StoredSession::from(response);
        self.lock_store().save_session(&session)?;
        tracing::info!(session_id = %session.session_id, user_id = %session.user.id, "signed in");
        // A new session can send what is queued (a previous user's commands too).
        self.sync.poke();
        Ok(session.user)
    }

    /// A fresh QR pay code for the signed-in user, signed with this device's
    /// key (works offline: nothing leaves the device). Shown for
    /// [`houqin_shared::paycode::ROTATE_SECS`], then replaced.
    pub fn pay_code(&self) -> Result<String, ApiErrorBody> {
        let make = || -> Result<String, EngineError> {
            let mut store = self.lock_store();
            let session = store.session()?.ok_or(EngineError::SignedOut)?;
            let key = store.pay_key()?;
            let code = houqin_shared::paycode::PayCode {
                session: session.session_id,
                at: self.clock.now().timestamp(),
                nonce: rand::random(),
            };
            Ok(code.sign(&key))
        };
        make().map_err(|e| e.into_api("pay_code"))
    }

    async fn call_inner(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, EngineError> {
        let method = ApiMethod::parse(method)?;
        let path = ApiPath::parse(path)?;
        let path = &path;
        self.with_token(|token| async move {
            let request = ApiRequest {
                method,
                path,
                body: body.map(RequestBody::Json),
                query: &[],
                bearer: Some(&token),
            };
            self.client.send(request).await
        })
        .await
    }

    /// Runs `send` with the session's access token; if the server says it has
    /// expired, refreshes it once and runs `send` again.
    async fn with_token<T, F, Fut>(&self, send: F) -> Result<T, EngineError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let session = self.session()?.ok_or(EngineError::SignedOut)?;
        match send(session.tokens.access_token.clone()).await {
            Err(ClientError::Refused(refusal)) if refusal.code == ErrorCode::SessionExpired => {
                let fresh = self.refresh(&session).await?;
                Ok(send(fresh.tokens.access_token).await?)
            }
            other => Ok(other?),
        }
    }

    /// Exchanges the refresh token of `stale` for new tokens, unless another
    /// call already did while this one waited.
    #[instrument(skip_all, fields(session_id = %stale.session_id))]
    async fn refresh(&self, stale: &StoredSession) -> Result<StoredSession, EngineError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.session()?.ok_or(EngineError::SignedOut)?;
        if current.session_id != stale.session_id
            || current.tokens.access_token != stale.tokens.access_token
        {
            return Ok(current);
        }
        let req = RefreshRequest {
            refresh_token: current.tokens.refresh_token.clone(),
            device_id: Some(self.device_id.clone()),
        };
        // If the app dies between the server rotating the token and the save
        // below, the stored refresh token is spent and the user signs in again.
        match self.client.refresh(&req).await {
            Ok(response) => {
                let fresh = StoredSession::from(response);
                if self
                    .lock_store()
                    .replace_session_if(current.session_id, &fresh)?
                {
                    tracing::debug!("access token refreshed");
                    Ok(fresh)
                } else {
                    // Signed out (or in as someone else) while refreshing: that wins.
                    Err(EngineError::SignedOut)
                }
            }
            Err(ClientError::Refused(refusal)) if session::refusal_ends_session(refusal.code) => {
                self.lock_store().clear_session_if(current.session_id)?;
                tracing::info!(code = ?refusal.code, "refresh refused; session forgotten");
                Err(ClientError::Refused(refusal).into())
            }
            // Offline or a failing server: keep the session and try again next call.
            Err(other) => Err(other.into()),
        }
    }

    fn session(&self) -> Result<Option<StoredSession>, EngineError> {
        Ok(self.lock_store().session()?)
    }

    fn lock_store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (each
        // statement or transaction is atomic), so the store is still usable.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing listens on port 1 of the loopback: connections are refused at once.
    const NOWHERE: &str = "http://127.0.0.1:1";

    fn engine(dir: &std::path::Path) -> Engine {
        Engine::open(EngineConfig::new(dir, NOWHERE)).unwrap()
    }

    fn credentials() -> LoginRequest {
        LoginRequest {
            username: "student".into(),
            password: "demo".into(),
            device_id: None,
            device_public_key: None,
        }
    }

    #[tokio::test]
    async fn login_offline_is_unavailable_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        let err = engine.login(credentials()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert_eq!(engine.current_user().unwrap(), None);
    }

    #[tokio::test]
    async fn login_checks_its_shape_before_the_network() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        let err = engine
            .login(LoginRequest {
                password: String::new(),
                ..credentials()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(err.field.as_deref(), Some("password"));
    }

    #[tokio::test]
    async fn calls_are_checked_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        let err = engine.call("GET", "/../admin", None).await.unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            (ErrorCode::Validation, Some("path"))
        );
        let err = engine.call("TRACE", "/me", None).await.unwrap_err();
        assert_eq!(
            (err.code, err.field.as_deref()),
            (ErrorCode::Validation, Some("method"))
        );
        let err = engine.call("GET", "/me", None).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Unauthenticated);
    }

    #[tokio::test]
    async fn offline_calls_keep_the_session_and_offline_logout_forgets_it() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        let session = session::tests::sample_session();
        engine.lock_store().save_session(&session).unwrap();

        let err = engine.call("GET", "/me", None).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert_eq!(engine.current_user().unwrap(), Some(session.user.clone()));
        assert_eq!(engine.session_info().unwrap(), Some(session.info()));

        engine.logout().await.unwrap();
        assert_eq!(engine.current_user().unwrap(), None);
        // Logging out twice is harmless.
        engine.logout().await.unwrap();
    }

    #[test]
    fn a_write_and_its_effect_are_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path());
        let session = session::tests::sample_session();
        engine.lock_store().save_session(&session).unwrap();
        let scope = houqin_shared::sync::scope::user(session.user.id.0);
        let note = uuid::Uuid::now_v7();
        {
            let store = engine.lock_store();
            store
                .conn()
                .execute(
                    "INSERT INTO synced_rows (scope, entity, id, version, data, hash)
                     VALUES (?1, 'notification', ?2, 1, '{\"read_at\":null}', 0)",
                    rusqlite::params![scope, note.to_string()],
                )
                .unwrap();
            // The optimistic effect fails half-way (as a full disk would).
            store
                .conn()
                .execute_batch(
                    "CREATE TRIGGER no_room BEFORE INSERT ON overlay
                     BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
                )
                .unwrap();
        }
        let mark_read =
            || engine.enqueue("notifications.mark_read", serde_json::json!({"ids": []}));
        let err = mark_read().unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert_eq!(
            engine.pending().unwrap(),
            vec![],
            "no outbox entry without its effect"
        );

        // Refused before anything is written, too.
        let err = engine
            .enqueue("accounts.set_lang", serde_json::json!({"lang": "tlh"}))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);

        engine
            .lock_store()
            .conn()
            .execute_batch("DROP TRIGGER no_room")
            .unwrap();
        mark_read().unwrap();
        let queued = engine.pending().unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].seq, 1, "the failed write used no seq");
        let rows = engine.rows(&RowFilter::default()).unwrap();
        assert!(!rows[0]["read_at"].is_null(), "{rows:?}");
        assert_eq!(engine.status().unwrap().pending, 1);
    }

    #[test]
    fn the_engine_is_shareable_between_commands() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Engine>();
    }
}

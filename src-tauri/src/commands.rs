//! The IPC commands the UI invokes. Thin: each is one engine call.
//!
//! Contract with `app/src/api/tauri.rs` (argument names are the JSON keys):
//! - `login {req: LoginRequest}` → `Me`
//! - `logout {}` → `null`
//! - `current_user {}` → `Me | null`
//! - `api_call {method, path, body?}` → the JSON body (`null` for 204)
//! - `enqueue {name, payload}` → the command id; answers at once, online or not
//! - `sync_now {}` → `SyncReport` (push, then pull until done)
//! - `sync_status {}` → `SyncStatus {online, syncing, pending, rejected, last_error?, last_synced_at?}`
//! - `pending_actions {}` → `PendingAction[]` (newest first, rejected ones with `reason`)
//! - `dismiss_rejected {seq}` → whether a rejected command was cleared
//! - `synced_rows {filter: {scope?, entity?}}` → the rows as the UI should show them
//!
//! Every command fails with an `ApiErrorBody` (`{code, message, field?, request_id?}`).

use std::sync::Arc;

use houqin_engine::{Engine, PendingAction, RowFilter, SyncReport, SyncStatus};
use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{LoginRequest, Me};
use houqin_shared::ids::CommandId;
use serde_json::Value;
use tauri::State;

/// The engine as the shell holds it: shared with the sync loop.
type EngineState<'a> = State<'a, Arc<Engine>>;

#[tauri::command]
pub async fn login(engine: EngineState<'_>, req: LoginRequest) -> Result<Me, ApiErrorBody> {
    engine.login(req).await
}

#[tauri::command]
pub async fn logout(engine: EngineState<'_>) -> Result<(), ApiErrorBody> {
    engine.logout().await
}

#[tauri::command]
pub async fn current_user(engine: EngineState<'_>) -> Result<Option<Me>, ApiErrorBody> {
    engine.current_user()
}

/// An authenticated call to `/api/v1{path}`. The engine refuses a `path` that
/// does not start with `/` or contains `..` or `://` (code `validation`, field `path`).
#[tauri::command]
pub async fn api_call(
    engine: EngineState<'_>,
    method: String,
    path: String,
    body: Option<Value>,
) -> Result<Value, ApiErrorBody> {
    engine.call(&method, &path, body).await
}

/// Queues a command (`notifications.mark_read`, `accounts.set_lang`, …) and
/// applies its effect locally; the sync loop sends it.
#[tauri::command]
pub async fn enqueue(
    engine: EngineState<'_>,
    name: String,
    payload: Value,
) -> Result<CommandId, ApiErrorBody> {
    engine.enqueue(&name, payload)
}

/// Syncs now (the user's "retry" or pull-to-refresh), whatever the backoff.
#[tauri::command]
pub async fn sync_now(engine: EngineState<'_>) -> Result<SyncReport, ApiErrorBody> {
    engine.sync_once().await
}

#[tauri::command]
pub async fn sync_status(engine: EngineState<'_>) -> Result<SyncStatus, ApiErrorBody> {
    engine.status()
}

#[tauri::command]
pub async fn pending_actions(engine: EngineState<'_>) -> Result<Vec<PendingAction>, ApiErrorBody> {
    engine.pending()
}

#[tauri::command]
pub async fn dismiss_rejected(engine: EngineState<'_>, seq: u64) -> Result<bool, ApiErrorBody> {
    engine.dismiss_rejected(seq)
}

#[tauri::command]
pub async fn synced_rows(
    engine: EngineState<'_>,
    filter: RowFilter,
) -> Result<Vec<Value>, ApiErrorBody> {
    engine.rows(&filter)
}

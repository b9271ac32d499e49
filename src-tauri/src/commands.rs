//! The IPC commands the UI invokes. Thin: each is one engine call.
//!
//! Contract with `app/src/api/tauri.rs` (argument names are the JSON keys):
//! - `login {req: LoginRequest}` → `Me`
//! - `logout {}` → `null`
//! - `current_user {}` → `Me | null`
//! - `api_call {method, path, body?}` → the JSON body (`null` for 204)
//!
//! Every command fails with an `ApiErrorBody` (`{code, message, field?, request_id?}`).

use houqin_engine::Engine;
use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{LoginRequest, Me};
use serde_json::Value;
use tauri::State;

#[tauri::command]
pub async fn login(engine: State<'_, Engine>, req: LoginRequest) -> Result<Me, ApiErrorBody> {
    engine.login(req).await
}

#[tauri::command]
pub async fn logout(engine: State<'_, Engine>) -> Result<(), ApiErrorBody> {
    engine.logout().await
}

#[tauri::command]
pub async fn current_user(engine: State<'_, Engine>) -> Result<Option<Me>, ApiErrorBody> {
    engine.current_user()
}

/// An authenticated call to `/api/v1{path}`. The engine refuses a `path` that
/// does not start with `/` or contains `..` or `://` (code `validation`, field `path`).
#[tauri::command]
pub async fn api_call(
    engine: State<'_, Engine>,
    method: String,
    path: String,
    body: Option<Value>,
) -> Result<Value, ApiErrorBody> {
    engine.call(&method, &path, body).await
}

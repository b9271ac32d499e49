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
//! - `add_photo {data}` (base64) → `{sha256, uploaded}`: kept for upload, sent now if it can be
//! - `photo {sha256}` → a `data:` URL of the photo (kept on the device once seen)
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

/// Keeps a photo (base64) for upload and tries to send it at once; answers
/// its hash and whether the server has it (a write that names the photo
/// through the API needs it there; a queued command does not).
#[tauri::command]
pub async fn add_photo(engine: EngineState<'_>, data: String) -> Result<Value, ApiErrorBody> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|_| invalid("photo", "not base64".to_owned()))?;
    let attachment = engine.add_attachment(&bytes)?;
    // Offline is fine: the photo waits in the upload queue.
    let _ = engine.sync_once().await;
    let uploaded = engine.uploads()?.iter().any(|u| {
        u.attachment.sha256 == attachment.sha256 && u.state == houqin_engine::UploadState::Uploaded
    });
    Ok(serde_json::json!({ "sha256": attachment.sha256, "uploaded": uploaded }))
}

/// A photo as a `data:` URL: from this device when kept, else from the server.
#[tauri::command]
pub async fn photo(engine: EngineState<'_>, sha256: String) -> Result<String, ApiErrorBody> {
    use base64::Engine as _;
    let hash = houqin_shared::attachments::ContentHash::parse(&sha256)
        .map_err(|e| invalid("sha256", e.message))?;
    let (mime, bytes) = engine.photo(&hash).await?;
    Ok(format!(
        "data:{};base64,{}",
        mime.mime(),
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

fn invalid(field: &str, message: String) -> ApiErrorBody {
    ApiErrorBody {
        code: houqin_shared::ErrorCode::Validation,
        message,
        field: Some(field.to_owned()),
        request_id: None,
    }
}

/// A fresh QR pay code for the signed-in user (signed on this device; works offline).
#[tauri::command]
pub async fn pay_code(engine: EngineState<'_>) -> Result<String, ApiErrorBody> {
    engine.pay_code()
}

/// Charges at the kiosk: through the server when it answers, and offline
/// (hotlist, caps, sale queued for settlement before the answer) when it
/// does not. A decline is an answer; only bad input or a broken store errs.
#[tauri::command]
pub async fn kiosk_charge(
    engine: EngineState<'_>,
    charge: houqin_shared::payments::Charge,
) -> Result<houqin_shared::payments::ChargeOutcome, ApiErrorBody> {
    engine.kiosk_charge(charge).await
}

/// What the kiosk may still sell offline (the indicator on the sale screen).
#[tauri::command]
pub async fn offline_allowance(
    engine: EngineState<'_>,
) -> Result<houqin_shared::kiosk::OfflineAllowance, ApiErrorBody> {
    engine.offline_allowance()
}

/// Waits (up to `wait_secs`, at most 60) for a card on the kiosk's reader,
/// reads it and has the SAM authenticate it; answers its id in hex. Readers:
/// `HOUQIN_CARD_READER` and `HOUQIN_SAM_READER` (parts of the PC/SC reader
/// names; by default the first and second slot of a vpcd reader). Errors
/// carry the card error's code in `field` (`card_removed`, `wrong_mac`, …).
/// Phones have no reader: they pay by QR code.
#[tauri::command]
pub async fn read_card(wait_secs: u64) -> Result<String, ApiErrorBody> {
    #[cfg(desktop)]
    {
        desktop_read_card(wait_secs).await
    }
    #[cfg(not(desktop))]
    {
        let _ = wait_secs;
        Err(ApiErrorBody {
            code: houqin_shared::ErrorCode::Validation,
            message: "this device has no card reader".to_owned(),
            field: Some("no_reader".to_owned()),
            request_id: None,
        })
    }
}

#[cfg(desktop)]
async fn desktop_read_card(wait_secs: u64) -> Result<String, ApiErrorBody> {
    let wait = std::time::Duration::from_secs(wait_secs.clamp(1, 60));
    let read = tokio::task::spawn_blocking(move || {
        let card_reader =
            std::env::var("HOUQIN_CARD_READER").unwrap_or_else(|_| "Virtual PCD 00 00".to_owned());
        let sam_reader =
            std::env::var("HOUQIN_SAM_READER").unwrap_or_else(|_| "Virtual PCD 00 01".to_owned());
        let kiosk = houqin_card::Kiosk::open(&card_reader, &sam_reader)?;
        kiosk.wait_for_card(wait)?;
        kiosk.read()
    })
    .await;
    match read {
        Ok(Ok(card)) => Ok(card.uid_hex()),
        Ok(Err(e)) => {
            tracing::info!(code = e.code(), error = %e, "card not read");
            Err(ApiErrorBody {
                code: houqin_shared::ErrorCode::Validation,
                message: e.to_string(),
                field: Some(e.code().to_owned()),
                request_id: None,
            })
        }
        Err(e) => Err(ApiErrorBody {
            code: houqin_shared::ErrorCode::Internal,
            message: format!("the card reader task failed: {e}"),
            field: None,
            request_id: None,
        }),
    }
}

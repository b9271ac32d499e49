//! The browser host: HTTP to `/api/v1` on the same origin, with the token
//! pair in `localStorage`.
//!
//! An access token that has expired (401 `session_expired`) is refreshed once
//! with `POST /auth/refresh` and the call retried. A refresh the server refuses
//! ends the session: the stored pair is dropped and the caller sees
//! `session_expired`. A refresh that cannot reach the server keeps the pair,
//! so the next call can try again.
//!
//! The web app has no outbox: its sync state is only whether the server can
//! be reached — the last exchange got an answer and the browser says it is
//! online. A failed exchange counts as offline until one succeeds.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::lock::Mutex;
use houqin_shared::accounts::{LoginRequest, LoginResponse, Me, RefreshRequest};
use houqin_shared::{ApiErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{ApiError, Method, SyncStatus, decode, encode, local, sync_changed};

const API_BASE: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredSession {
    access_token: String,
    refresh_token: String,
    /// Names the session in pay codes (absent in sessions stored before).
    #[serde(default)]
    session_id: Option<String>,
}

fn load_session() -> Option<StoredSession> {
    serde_json::from_str(&local::get(local::SESSION)?).ok()
}

fn store_session(session: &StoredSession) {
    if let Ok(json) = serde_json::to_string(session) {
        local::set(local::SESSION, &json);
    }
}

fn clear_session() {
    local::remove(local::SESSION);
}

/// Refresh tokens are single-use: two calls that find the access token expired
/// at the same moment must not both spend it.
static REFRESH_LOCK: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

pub(super) async fn login(mut req: LoginRequest) -> Result<Me, ApiError> {
    req.device_id.get_or_insert_with(local::device_id);
    if let Some(key) = local::pay_key() {
        req.device_public_key = Some(houqin_shared::paycode::encode_public_key(&key));
    }
    let answer: LoginResponse =
        decode(send(Method::Post, "/auth/login", Some(encode(&req)?), None).await?)?;
    store_session(&StoredSession {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        session_id: Some(answer.session_id.to_string()),
    });
    Ok(answer.user)
}

/// A fresh pay code signed with this browser's key (kept in `localStorage`).
pub(super) fn pay_code() -> Result<String, ApiError> {
    let not_available = || {
        ApiError::from_code(
            ErrorCode::Unauthenticated,
            "sign in again on this device to use pay codes",
        )
    };
    let session = load_session().ok_or_else(not_available)?;
    let session_id = session
        .session_id
        .and_then(|s| s.parse().ok())
        .ok_or_else(not_available)?;
    let key = local::pay_key().ok_or_else(not_available)?;
    let mut nonce = [0u8; 4];
    local::random_bytes(&mut nonce);
    let code = houqin_shared::paycode::PayCode {
        session: houqin_shared::ids::SessionId(session_id),
        at: (js_sys::Date::now() / 1000.0) as i64,
        nonce: u32::from_le_bytes(nonce),
    };
    Ok(code.sign(&key))
}

pub(super) async fn logout() -> Result<(), ApiError> {
    if load_session().is_none() {
        return Ok(());
    }
    // Through `call`, so an expired access token is refreshed and the server
    // can still revoke the refresh token.
    let result = call(Method::Post, "/auth/logout", None).await.map(|_| ());
    clear_session();
    result
}

pub(super) async fn current_user() -> Result<Option<Me>, ApiError> {
    if load_session().is_none() {
        return Ok(None);
    }
    decode(call(Method::Get, "/me", None).await?)
}

/// An authenticated call, refreshing the access token once if it expired.
pub(super) async fn call(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    let Some(session) = load_session() else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let first = send(method, path, body.clone(), Some(&session.access_token)).await;
    let result = match first {
        Err(e) if e.code() == Some(ErrorCode::SessionExpired) => {
            refresh(&session.access_token).await?;
            let Some(session) = load_session() else {
                return Err(ApiError::from_code(
                    ErrorCode::SessionExpired,
                    "session ended",
                ));
            };
            send(method, path, body, Some(&session.access_token)).await
        }
        other => other,
    };
    if let Err(e) = &result
        && e.ends_session()
    {
        clear_session();
    }
    result
}

async fn refresh(stale_access_token: &str) -> Result<(), ApiError> {
    let _guard = REFRESH_LOCK.lock().await;
    let Some(current) = load_session() else {
        return Err(ApiError::from_code(
            ErrorCode::SessionExpired,
            "session ended",
        ));
    };
    if current.access_token != stale_access_token {
        // Another call (or another tab) refreshed while this one waited.
        return Ok(());
    }
    let req = RefreshRequest {
        refresh_token: current.refresh_token,
        device_id: Some(local::device_id()),
    };
    match send(Method::Post, "/auth/refresh", Some(encode(&req)?), None).await {
        Ok(value) => {
            let answer: LoginResponse = decode(value)?;
            store_session(&StoredSession {
                access_token: answer.access_token,
                refresh_token: answer.refresh_token,
                session_id: Some(answer.session_id.to_string()),
            });
            Ok(())
        }
        // Nobody refused the token: keep it for the next try.
        Err(e) if e.is_unreachable() || e.code() == Some(ErrorCode::Internal) => Err(e),
        Err(e) => {
            clear_session();
            Err(ApiError::Server(ApiErrorBody {
                code: ErrorCode::SessionExpired,
                message: "the session could not be refreshed".to_owned(),
                field: None,
                request_id: e.request_id().map(str::to_owned),
            }))
        }
    }
}

/// Whether the last exchange with the server got an answer from it.
static REACHED: AtomicBool = AtomicBool::new(true);

fn note_reached(reached: bool) {
    if REACHED.swap(reached, Ordering::Relaxed) != reached {
        sync_changed();
    }
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

pub(super) fn sync_status() -> SyncStatus {
    let online = REACHED.load(Ordering::Relaxed) && browser_online();
    SyncStatus {
        online,
        syncing: false,
        live: false,
        pending: 0,
        rejected: 0,
        uploads_pending: 0,
        last_error: (!online).then(|| ApiErrorBody {
            code: ErrorCode::Unavailable,
            message: "the server cannot be reached".to_owned(),
            field: None,
            request_id: None,
        }),
        last_synced_at: None,
    }
}

/// A call that needs no session (a public page, e.g. a tag's report form).
pub(super) async fn call_public(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    send(method, path, body, None).await
}

/// Asks the server whether it is up (no session needed), which records
/// whether it can be reached.
pub(super) async fn probe() -> Result<(), ApiError> {
    send(Method::Get, "/health", None, None).await.map(drop)
}

/// One HTTP exchange. JSON in, JSON out; an empty success body is `null`.
async fn send(
    method: Method,
    path: &str,
    body: Option<Value>,
    bearer: Option<&str>,
) -> Result<Value, ApiError> {
    let result = exchange(method, path, body, bearer).await;
    note_reached(!result.as_ref().is_err_and(ApiError::is_unreachable));
    result
}

async fn exchange(
    method: Method,
    path: &str,
    body: Option<Value>,
    bearer: Option<&str>,
) -> Result<Value, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let headers = web_sys::Headers::new().map_err(js_error)?;
    headers
        .set("Accept", "application/json")
        .map_err(js_error)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(js_error)?;
        init.set_body(&JsValue::from_str(&body.to_string()));
    }
    if let Some(token) = bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    init.set_headers(&headers);

    let url = format!("{API_BASE}{path}");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        // fetch rejects only when no HTTP answer came back.
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(js_error)?;
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .unwrap_or_default();
    interpret(status, &text)
}

/// An authenticated fetch whose body is not JSON (photos, uploads, exports):
/// the access token is refreshed once if it expired. Answers the response
/// when it is a success, the server's error otherwise.
async fn raw(
    method: Method,
    path: &str,
    body: Option<&[u8]>,
) -> Result<web_sys::Response, ApiError> {
    let token = |s: Option<StoredSession>| {
        s.map(|s| s.access_token)
            .ok_or_else(|| ApiError::from_code(ErrorCode::Unauthenticated, "not signed in"))
    };
    let first = token(load_session())?;
    let response = raw_once(method, path, body, &first).await?;
    let response = if response.status() == 401 {
        refresh(&first).await?;
        raw_once(method, path, body, &token(load_session())?).await?
    } else {
        response
    };
    if response.ok() {
        return Ok(response);
    }
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(|_| ApiError::Network)?
        .as_string()
        .unwrap_or_default();
    Err(interpret(response.status(), &text)
        .err()
        .unwrap_or_else(|| ApiError::Decode(format!("status {}", response.status()))))
}

async fn raw_once(
    method: Method,
    path: &str,
    body: Option<&[u8]>,
    token: &str,
) -> Result<web_sys::Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let headers = web_sys::Headers::new().map_err(js_error)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(js_error)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    if let Some(bytes) = body {
        headers
            .set("Content-Type", "application/octet-stream")
            .map_err(js_error)?;
        init.set_body(&js_sys::Uint8Array::from(bytes).into());
    }
    init.set_headers(&headers);
    let url = format!("{API_BASE}{path}");
    let result = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await;
    note_reached(result.is_ok());
    result
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(js_error)
}

async fn blob_of(response: web_sys::Response) -> Result<web_sys::Blob, ApiError> {
    JsFuture::from(response.blob().map_err(js_error)?)
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(js_error)
}

/// Fetches a file with the session's token and hands it to the browser as a
/// download named `filename`.
pub(super) async fn download(path: &str, filename: &str) -> Result<(), ApiError> {
    let blob = blob_of(raw(Method::Get, path, None).await?).await?;
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = window.document().ok_or(ApiError::Network)?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_error)?
        .dyn_into()
        .map_err(|e: web_sys::Element| js_error(e.into()))?;
    link.set_href(&href);
    link.set_download(filename);
    link.click();
    web_sys::Url::revoke_object_url(&href).map_err(js_error)?;
    Ok(())
}

/// A photo by its hash, as an object URL for an `<img>` (kept for the page's life).
pub(super) async fn photo_url(hash: &str) -> Result<String, ApiError> {
    let blob = blob_of(raw(Method::Get, &format!("/attachments/{hash}"), None).await?).await?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// Uploads a photo in chunks, resuming where the server's copy ends (the
/// same photo uploaded before is not sent again).
pub(super) async fn upload(
    declare: &houqin_shared::attachments::DeclareAttachment,
    bytes: &[u8],
) -> Result<(), ApiError> {
    use houqin_shared::attachments::{AttachmentStatus, CHUNK_BYTES};
    let mut status: AttachmentStatus =
        decode(call(Method::Post, "/attachments", Some(encode(declare)?)).await?)?;
    while !status.complete {
        let from = usize::try_from(status.received)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let to = (from + CHUNK_BYTES).min(bytes.len());
        let path = format!("/attachments/{}/chunks/{from}", declare.sha256);
        let response = raw(Method::Put, &path, Some(&bytes[from..to])).await?;
        let text = JsFuture::from(response.text().map_err(js_error)?)
            .await
            .map_err(|_| ApiError::Network)?
            .as_string()
            .unwrap_or_default();
        let next: AttachmentStatus = decode(interpret(200, &text)?)?;
        if next.received <= status.received && !next.complete {
            return Err(ApiError::Decode("the upload made no progress".to_owned()));
        }
        status = next;
    }
    Ok(())
}

fn js_error(value: JsValue) -> ApiError {
    ApiError::Decode(format!("{value:?}"))
}

/// Turns a status and body into a value or an error.
fn interpret(status: u16, text: &str) -> Result<Value, ApiError> {
    if (200..300).contains(&status) {
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        return serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()));
    }
    if let Ok(body) = serde_json::from_str::<ApiErrorBody>(text) {
        return Err(ApiError::Server(body));
    }
    // Not our server's error shape: a proxy or a server that is starting.
    let code = match status {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        502..=504 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    };
    Err(ApiError::from_code(code, &format!("HTTP {status}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_success_is_null() {
        assert_eq!(interpret(204, ""), Ok(Value::Null));
        assert_eq!(
            interpret(200, r#"{"a":1}"#),
            Ok(serde_json::json!({"a": 1}))
        );
        assert!(matches!(interpret(200, "<html>"), Err(ApiError::Decode(_))));
    }

    #[test]
    fn server_errors_keep_their_body() {
        let err = interpret(
            401,
            r#"{"code":"session_expired","message":"expired","request_id":"r1"}"#,
        )
        .expect_err("an error");
        assert_eq!(err.code(), Some(ErrorCode::SessionExpired));
        assert_eq!(err.request_id(), Some("r1"));
        let err = interpret(
            422,
            r#"{"code":"validation","message":"m","field":"new_password"}"#,
        )
        .expect_err("an error");
        assert_eq!(err.field(), Some("new_password"));
    }

    #[test]
    fn foreign_errors_map_by_status() {
        assert!(
            interpret(502, "Bad Gateway")
                .expect_err("an error")
                .is_unreachable()
        );
        assert_eq!(
            interpret(401, "").expect_err("an error").code(),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(
            interpret(500, "oops").expect_err("an error").code(),
            Some(ErrorCode::Internal)
        );
    }

    #[test]
    fn stored_session_shape() {
        let s: StoredSession =
            serde_json::from_str(r#"{"access_token":"a","refresh_token":"r"}"#).expect("valid");
        assert_eq!(s.access_token, "a");
    }
}

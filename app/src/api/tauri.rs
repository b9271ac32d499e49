//! The Tauri host: commands over IPC to the native side, which keeps the
//! tokens (the UI never sees them) and talks to the backend.
//!
//! The contract with `src-tauri` (every command takes one JSON object):
//!
//! | command       | args                                   | answer        |
//! |---------------|----------------------------------------|---------------|
//! | `login`       | `{"req": LoginRequest}`                | `Me`          |
//! | `logout`      | `{}`                                   | `null`        |
//! | `current_user`| `{}`                                   | `Me \| null`  |
//! | `api_call`    | `{"method", "path", "body": json\|null}` | json        |
//!
//! `path` is under `/api/v1` (e.g. `/me/lang`); `method` is `GET`, `POST`,
//! `PUT` or `DELETE`. Every command rejects with an `ApiErrorBody`; a network
//! failure is code `unavailable`.

use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{LoginRequest, Me};
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{ApiError, Method, decode, encode};

const BRIDGE: &str = "__TAURI_INTERNALS__";

fn bridge() -> Option<JsValue> {
    let window = web_sys::window()?;
    let bridge = js_sys::Reflect::get(&window, &JsValue::from_str(BRIDGE)).ok()?;
    (!bridge.is_undefined() && !bridge.is_null()).then_some(bridge)
}

/// Whether the page runs inside the Tauri app.
pub(super) fn available() -> bool {
    bridge().is_some()
}

pub(super) async fn login(req: LoginRequest) -> Result<Me, ApiError> {
    decode(invoke("login", json!({ "req": encode(&req)? })).await?)
}

pub(super) async fn logout() -> Result<(), ApiError> {
    decode(invoke("logout", json!({})).await?)
}

pub(super) async fn current_user() -> Result<Option<Me>, ApiError> {
    decode(invoke("current_user", json!({})).await?)
}

pub(super) async fn api_call(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    let args = json!({ "method": method.as_str(), "path": path, "body": body });
    invoke("api_call", args).await
}

/// `window.__TAURI_INTERNALS__.invoke(cmd, args)`, which returns a Promise.
async fn invoke(command: &str, args: Value) -> Result<Value, ApiError> {
    let bridge = bridge().ok_or(ApiError::Network)?;
    let invoke: js_sys::Function = js_sys::Reflect::get(&bridge, &JsValue::from_str("invoke"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| ApiError::Decode("the Tauri bridge has no invoke".to_owned()))?;
    let js_args = js_sys::JSON::parse(&args.to_string()).map_err(|e| rejection(&e))?;
    let promise: js_sys::Promise = invoke
        .call2(&bridge, &JsValue::from_str(command), &js_args)
        .map_err(|e| rejection(&e))?
        .dyn_into()
        .map_err(|_| ApiError::Decode("invoke did not return a Promise".to_owned()))?;
    match JsFuture::from(promise).await {
        Ok(value) => to_json(&value),
        Err(e) => Err(rejection(&e)),
    }
}

fn to_json(value: &JsValue) -> Result<Value, ApiError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| ApiError::Decode(format!("{e:?}")))?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// The native side rejects with an `ApiErrorBody`; Tauri itself rejects with a
/// string (e.g. an unknown command), which is not ours to interpret.
fn rejection(error: &JsValue) -> ApiError {
    let text = match error.as_string() {
        Some(text) => text,
        None => match to_json(error) {
            Ok(json) => json.to_string(),
            Err(e) => return e,
        },
    };
    parse_rejection(&text)
}

fn parse_rejection(text: &str) -> ApiError {
    match serde_json::from_str::<ApiErrorBody>(text) {
        Ok(body) => ApiError::Server(body),
        Err(_) => ApiError::Decode(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use houqin_shared::ErrorCode;

    use super::*;

    #[test]
    fn rejections_are_error_bodies() {
        let e = parse_rejection(r#"{"code":"unavailable","message":"offline"}"#);
        assert!(e.is_unreachable());
        let e = parse_rejection(r#"{"code":"session_expired","message":"m"}"#);
        assert_eq!(e.code(), Some(ErrorCode::SessionExpired));
        assert!(matches!(
            parse_rejection("command not found"),
            ApiError::Decode(_)
        ));
    }
}

//! The app's only door to the outside world: typed async functions over the
//! `houqin_shared` DTOs, behind a host chosen once at start-up.
//!
//! - In a browser (the web app served by the backend) calls go over HTTP to
//!   `/api/v1` on the same origin; this module keeps the token pair in
//!   `localStorage` and refreshes it ([`browser`]).
//! - Inside the Tauri app they go over IPC to the native side, which keeps the
//!   tokens; the UI never sees them ([`tauri`]).
//!
//! Components never build URLs or name commands: they call these functions.

mod browser;
mod local;
mod tauri;

use std::sync::OnceLock;

use houqin_shared::accounts::{ChangePasswordRequest, Lang, LoginRequest, Me, SetLangRequest};
use houqin_shared::notifications::{MarkRead, NotificationList};
use houqin_shared::{ApiErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use local::{last_username, saved_lang, store_lang};

/// Why a call failed, as the UI needs to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached at all (offline, DNS, connection refused).
    #[error("the server cannot be reached")]
    Network,
    /// The server (or the native side) answered with a structured error.
    #[error("the server refused the request ({:?}): {}", .0.code, .0.message)]
    Server(ApiErrorBody),
    /// An answer arrived but was not what this app version expects.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server(body) => Some(body.code),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    /// The session is gone: the user must sign in again.
    pub fn ends_session(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::SessionExpired | ErrorCode::Unauthenticated)
        )
    }

    /// Nobody answered: the network is down or the server is not ready. The
    /// Tauri host reports its network failures as code `unavailable`.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Network) || self.code() == Some(ErrorCode::Unavailable)
    }

    /// The request field the server blamed, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Server(body) => body.field.as_deref(),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    /// The id to quote when reporting a server failure.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Server(body) => body.request_id.as_deref(),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    fn from_code(code: ErrorCode, message: &str) -> ApiError {
        ApiError::Server(ApiErrorBody {
            code,
            message: message.to_owned(),
            field: None,
            request_id: None,
        })
    }
}

/// Where calls go; decided once, from whether the Tauri bridge is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Browser,
    Tauri,
}

static HOST: OnceLock<Host> = OnceLock::new();

fn host() -> Host {
    *HOST.get_or_init(|| {
        if tauri::available() {
            Host::Tauri
        } else {
            Host::Browser
        }
    })
}

/// HTTP methods of the REST API (and of the Tauri `api_call` command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::Decode(e.to_string()))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Decode(e.to_string()))
}

/// An authenticated call to `path` under `/api/v1`.
async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<T, ApiError> {
    let value = match host() {
        Host::Browser => browser::call(method, path, body).await?,
        Host::Tauri => tauri::api_call(method, path, body).await?,
    };
    decode(value)
}

/// Signs in; the session is kept by the host. Remembers the username so the
/// login form can offer it again.
pub async fn login(req: LoginRequest) -> Result<Me, ApiError> {
    let username = req.username.clone();
    let me = match host() {
        Host::Browser => browser::login(req).await?,
        Host::Tauri => tauri::login(req).await?,
    };
    local::store_last_username(&username);
    Ok(me)
}

/// Ends the session on the server and forgets it here. The local session is
/// forgotten even when the server cannot be told.
pub async fn logout() -> Result<(), ApiError> {
    match host() {
        Host::Browser => browser::logout().await,
        Host::Tauri => tauri::logout().await,
    }
}

/// The signed-in user when a session survives from an earlier visit.
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    match host() {
        Host::Browser => browser::current_user().await,
        Host::Tauri => tauri::current_user().await,
    }
}

pub async fn set_lang(lang: Lang) -> Result<(), ApiError> {
    call(
        Method::Put,
        "/me/lang",
        Some(encode(&SetLangRequest { lang })?),
    )
    .await
}

pub async fn change_password(req: ChangePasswordRequest) -> Result<(), ApiError> {
    call(Method::Post, "/me/password", Some(encode(&req)?)).await
}

pub async fn notifications() -> Result<NotificationList, ApiError> {
    call(Method::Get, "/notifications", None).await
}

pub async fn mark_read(req: MarkRead) -> Result<(), ApiError> {
    call(Method::Post, "/notifications/read", Some(encode(&req)?)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ErrorCode) -> ApiError {
        ApiError::from_code(code, "x")
    }

    #[test]
    fn classifies_errors() {
        assert!(server(ErrorCode::SessionExpired).ends_session());
        assert!(server(ErrorCode::Unauthenticated).ends_session());
        assert!(!server(ErrorCode::InvalidCredentials).ends_session());
        assert!(!ApiError::Network.ends_session());
        assert!(ApiError::Network.is_unreachable());
        assert!(server(ErrorCode::Unavailable).is_unreachable());
        assert!(!server(ErrorCode::Internal).is_unreachable());
        assert!(!ApiError::Decode("x".into()).is_unreachable());
    }

    #[test]
    fn unit_answers_decode_from_null() {
        let unit: Result<(), ApiError> = decode(Value::Null);
        assert_eq!(unit, Ok(()));
        let me: Result<Option<Me>, ApiError> = decode(Value::Null);
        assert_eq!(me, Ok(None));
    }
}

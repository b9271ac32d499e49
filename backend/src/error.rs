//! The one error type at the HTTP boundary.
//!
//! Invariant: internal details are logged once, here, with the request id; the
//! response carries only the code, a public message and the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use houqin_shared::error::FieldError;
use houqin_shared::{ApiErrorBody, ErrorCode};

tokio::task_local! {
    /// The id of the request being served, set by the request-context middleware.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("malformed request: {message}")]
    Malformed {
        message: String,
        field: Option<String>,
    },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("locked out for {retry_after_secs}s")]
    LockedOut { retry_after_secs: i64 },
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: i64 },
    #[error("account disabled")]
    AccountDisabled,
    #[error("forbidden")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {message}")]
    Conflict {
        message: String,
        field: Option<String>,
    },
    #[error("database unavailable")]
    Unavailable(#[source] sea_orm::DbErr),
    #[error("database error")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Validation {
            field: e.field,
            message: e.message,
        }
    }
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation { .. } => ErrorCode::Validation,
            ApiError::Malformed { .. } => ErrorCode::MalformedRequest,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::SessionExpired => ErrorCode::SessionExpired,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::LockedOut { .. } => ErrorCode::LockedOut,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::AccountDisabled => ErrorCode::AccountDisabled,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict { .. } => ErrorCode::Conflict,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Db(_) | ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the caller is told. Internal errors say nothing about their cause.
    fn public(&self) -> (String, Option<String>) {
        match self {
            ApiError::Validation { field, message } => (message.clone(), Some(field.clone())),
            ApiError::Malformed { message, field } => (message.clone(), field.clone()),
            ApiError::Conflict { message, field } => (message.clone(), field.clone()),
            ApiError::LockedOut { retry_after_secs } => (
                format!("too many failed logins; try again in {retry_after_secs} seconds"),
                None,
            ),
            ApiError::RateLimited { retry_after_secs } => (
                format!("too many requests from here; try again in {retry_after_secs} seconds"),
                None,
            ),
            ApiError::NotFound(what) => (format!("{what} not found"), None),
            ApiError::Db(_) | ApiError::Internal(_) => (
                "internal error; quote the request id when reporting it".into(),
                None,
            ),
            ApiError::Unavailable(_) => ("the service is temporarily unavailable".into(), None),
            other => (other.to_string(), None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let request_id = current_request_id();
        match &self {
            ApiError::Db(_) | ApiError::Internal(_) | ApiError::Unavailable(_) => {
                tracing::error!(request_id = request_id.as_deref(), error = ?self, "request failed");
            }
            _ => {
                tracing::debug!(request_id = request_id.as_deref(), code = ?code, "request refused")
            }
        }
        let (message, field) = self.public();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiErrorBody {
            code,
            message,
            field,
            request_id,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::LockedOut { retry_after_secs } | ApiError::RateLimited { retry_after_secs } =
            self
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

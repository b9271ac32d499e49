//! The wire error: every failed API call answers `{code, message, field?, request_id?}`.

use serde::{Deserialize, Serialize};

/// A machine-readable error code the UI matches on to choose its own wording.
///
/// Older apps must survive newer servers, so unknown codes deserialize to
/// [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter is malformed or fails a rule; `field` names it.
    Validation,
    /// The JSON could not be parsed, or has the wrong shape.
    MalformedRequest,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// No valid session: missing, malformed or unknown token.
    Unauthenticated,
    /// The access token has expired; refresh it or log in again.
    SessionExpired,
    /// Username or password is wrong.
    InvalidCredentials,
    /// Too many failed logins; try again later.
    LockedOut,
    /// Too many requests of this kind from here; try again later
    /// (`Retry-After` says when).
    RateLimited,
    /// The account has been deactivated.
    AccountDisabled,
    /// Authenticated, but the role or scope does not allow this.
    Forbidden,
    /// The thing does not exist (or is not visible to the caller).
    NotFound,
    /// The request conflicts with current state (e.g. a duplicate username).
    Conflict,
    /// The server failed; the response carries a request id to report.
    Internal,
    /// The server is not ready (e.g. its database is unreachable).
    Unavailable,
    /// A code this app version does not know yet.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation => 422,
            Self::MalformedRequest => 400,
            Self::PayloadTooLarge => 413,
            Self::Unauthenticated | Self::SessionExpired | Self::InvalidCredentials => 401,
            Self::AccountDisabled | Self::Forbidden => 403,
            Self::LockedOut | Self::RateLimited => 429,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Internal | Self::Unknown => 500,
            Self::Unavailable => 503,
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    /// A plain English message for logs and developers; the UI words its own.
    pub message: String,
    /// The request field at fault, as a dotted path (`password`, `rows.3.username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Quote this when reporting an internal error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// A rule broken by one field, produced by the validation rules in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_survive() {
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"code":"something_new","message":"x"}"#).unwrap();
        assert_eq!(body.code, ErrorCode::Unknown);
        assert_eq!(body.field, None);
    }

    #[test]
    fn codes_are_snake_case_on_the_wire() {
        let json = serde_json::to_string(&ErrorCode::SessionExpired).unwrap();
        assert_eq!(json, r#""session_expired""#);
        assert_eq!(ErrorCode::Validation.http_status(), 422);
    }
}

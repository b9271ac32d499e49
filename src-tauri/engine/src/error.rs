//! The engine's internal error, and its one conversion to the wire error the UI sees.

use houqin_shared::error::FieldError;
use houqin_shared::{ApiErrorBody, ErrorCode};

use crate::client::ClientError;
use crate::store::StoreError;

/// Why [`crate::Engine::open`] failed. Start-up only: the shell reports it and exits.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the local store")]
    Store(#[from] StoreError),
    #[error("cannot set up the connection to the server")]
    Client(#[from] ClientError),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum EngineError {
    #[error("the local store failed")]
    Store(#[from] StoreError),
    #[error("talking to the server failed")]
    Server(#[from] ClientError),
    #[error("invalid request")]
    Invalid(#[source] FieldError),
    #[error("no one is signed in")]
    SignedOut,
    /// The server wants commands from `expected` on, and this device no longer
    /// has them (the server lost state it had confirmed, e.g. a restore).
    #[error("the server expects seq {expected}, which this device no longer has")]
    OutOfStep { expected: u64 },
}

impl From<FieldError> for EngineError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e)
    }
}

impl EngineError {
    /// Logs the failure once, with its whole cause chain, and answers the
    /// public error: the server's own body when it refused, a plain message otherwise.
    pub(crate) fn into_api(self, operation: &'static str) -> ApiErrorBody {
        let body = self.to_body();
        let chain = Chain(&self);
        match body.code {
            // Out of step needs a person: as loud as an internal failure.
            _ if matches!(self, Self::OutOfStep { .. }) => {
                tracing::error!(operation, error = %chain, "engine call failed")
            }
            ErrorCode::Internal => tracing::error!(operation, error = %chain, "engine call failed"),
            ErrorCode::Unavailable => {
                tracing::info!(operation, error = %chain, "server unavailable")
            }
            _ => tracing::debug!(operation, error = %chain, code = ?body.code, "request refused"),
        }
        body
    }

    fn to_body(&self) -> ApiErrorBody {
        let plain = |code, message: &str| ApiErrorBody {
            code,
            message: message.to_owned(),
            field: None,
            request_id: None,
        };
        match self {
            Self::Server(ClientError::Refused(body)) => body.clone(),
            Self::Server(ClientError::Unreachable(_)) => plain(
                ErrorCode::Unavailable,
                "The server cannot be reached. Check the network connection and try again.",
            ),
            Self::Server(ClientError::Undecodable {
                status: 502..=504, ..
            }) => plain(
                ErrorCode::Unavailable,
                "The server is not available right now. Try again in a moment.",
            ),
            Self::Server(ClientError::Undecodable { .. }) => plain(
                ErrorCode::Internal,
                "The server sent an answer this app cannot read.",
            ),
            Self::Server(ClientError::Build(_) | ClientError::Encode(_)) => plain(
                ErrorCode::Internal,
                "The app could not prepare the request.",
            ),
            Self::Store(_) => plain(
                ErrorCode::Internal,
                "The app's local data could not be read or saved.",
            ),
            Self::Invalid(e) => ApiErrorBody {
                code: ErrorCode::Validation,
                message: e.message.clone(),
                field: Some(e.field.clone()),
                request_id: None,
            },
            Self::SignedOut => plain(
                ErrorCode::Unauthenticated,
                "Not signed in. Sign in and try again.",
            ),
            Self::OutOfStep { .. } => plain(
                ErrorCode::Conflict,
                "This device and the server disagree about which changes were sent. \
                 Contact the service desk; nothing on this device has been lost.",
            ),
        }
    }
}

/// Displays an error and its sources: `a: b: c`.
pub(crate) struct Chain<'a>(pub(crate) &'a dyn std::error::Error);

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn undecodable(status: u16) -> EngineError {
        let source = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
        EngineError::Server(ClientError::Undecodable { status, source })
    }

    #[test]
    fn public_errors() {
        let refused = ApiErrorBody {
            code: ErrorCode::InvalidCredentials,
            message: "wrong username or password".into(),
            field: None,
            request_id: Some("req-1".into()),
        };
        let cases = [
            (
                EngineError::Server(ClientError::Refused(refused.clone())),
                ErrorCode::InvalidCredentials,
                None,
            ),
            (undecodable(200), ErrorCode::Internal, None),
            (undecodable(500), ErrorCode::Internal, None),
            (undecodable(503), ErrorCode::Unavailable, None),
            (
                EngineError::Invalid(FieldError::new("path", "must start with '/'")),
                ErrorCode::Validation,
                Some("path"),
            ),
            (EngineError::SignedOut, ErrorCode::Unauthenticated, None),
            (
                EngineError::OutOfStep { expected: 3 },
                ErrorCode::Conflict,
                None,
            ),
        ];
        for (error, code, field) in cases {
            let body = error.into_api("test");
            assert_eq!(body.code, code, "{body:?}");
            assert_eq!(body.field.as_deref(), field);
            assert!(!body.message.is_empty());
        }
        // A refusal passes through exactly as the server sent it.
        assert_eq!(
            EngineError::Server(ClientError::Refused(refused.clone())).into_api("test"),
            refused
        );
    }

    #[test]
    fn the_chain_keeps_the_cause() {
        let text = Chain(&undecodable(200)).to_string();
        assert!(
            text.starts_with("talking to the server failed: the server answered 200"),
            "{text}"
        );
        assert!(text.contains("expected value"), "{text}");
    }
}

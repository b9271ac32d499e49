//! The signed-in session as the engine keeps it: who, and the tokens that prove it.

use chrono::{DateTime, Utc};
use houqin_shared::ErrorCode;
use houqin_shared::accounts::{LoginResponse, Me};
use houqin_shared::ids::{SessionId, UserId};
use serde::{Deserialize, Serialize};

/// A session stored in the local database: restored after an app restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub session_id: SessionId,
    pub user: Me,
    pub tokens: Tokens,
}

impl From<LoginResponse> for StoredSession {
    fn from(r: LoginResponse) -> Self {
        Self {
            session_id: r.session_id,
            user: r.user,
            tokens: Tokens {
                access_token: r.access_token,
                access_expires_at: r.access_expires_at,
                refresh_token: r.refresh_token,
                refresh_expires_at: r.refresh_expires_at,
            },
        }
    }
}

impl StoredSession {
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            session_id: self.session_id,
            user_id: self.user.id,
            access_expires_at: self.tokens.access_expires_at,
            refresh_expires_at: self.tokens.refresh_expires_at,
        }
    }
}

/// The bearer tokens. Secrets: `Debug` shows only that they are there.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    /// By the server's clock; the engine does not act on it (device clocks drift)
    /// and refreshes when the server answers `session_expired`.
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"<redacted>")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

/// What may be shown about the session: no tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Whether the server's refusal of a refresh means the session is over, so the
/// engine forgets it and the UI asks the user to sign in. Anything else (the
/// server failing, being unavailable) keeps the session for the next attempt.
pub fn refusal_ends_session(code: ErrorCode) -> bool {
    match code {
        ErrorCode::Unauthenticated
        | ErrorCode::SessionExpired
        | ErrorCode::InvalidCredentials
        | ErrorCode::AccountDisabled
        | ErrorCode::Forbidden
        // The stored refresh token is malformed: it will never work.
        | ErrorCode::Validation => true,
        ErrorCode::MalformedRequest
        | ErrorCode::PayloadTooLarge
        | ErrorCode::LockedOut
        | ErrorCode::RateLimited
        | ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::Internal
        | ErrorCode::Unavailable
        | ErrorCode::Unknown => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use houqin_shared::accounts::{Lang, Role};
    use houqin_shared::ids::CampusId;

    pub(crate) fn sample_session() -> StoredSession {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        StoredSession {
            session_id: SessionId::new(),
            user: Me {
                id: UserId::new(),
                username: "student".into(),
                display_name: "张三".into(),
                roles: vec![Role::Student],
                scopes: vec![],
                lang: Lang::ZhCn,
                campus_id: CampusId::new(),
            },
            tokens: Tokens {
                access_token: "access-secret".into(),
                access_expires_at: at("2026-03-01T08:15:00Z"),
                refresh_token: "refresh-secret".into(),
                refresh_expires_at: at("2026-03-31T08:00:00Z"),
            },
        }
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let text = format!("{:?}", sample_session());
        assert!(!text.contains("access-secret"), "{text}");
        assert!(!text.contains("refresh-secret"), "{text}");
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn which_refusals_end_the_session() {
        let cases = [
            (ErrorCode::Unauthenticated, true),
            (ErrorCode::SessionExpired, true),
            (ErrorCode::InvalidCredentials, true),
            (ErrorCode::AccountDisabled, true),
            (ErrorCode::Forbidden, true),
            (ErrorCode::Validation, true),
            (ErrorCode::Internal, false),
            (ErrorCode::Unavailable, false),
            (ErrorCode::LockedOut, false),
            (ErrorCode::RateLimited, false),
            (ErrorCode::MalformedRequest, false),
            (ErrorCode::Unknown, false),
        ];
        for (code, ends) in cases {
            assert_eq!(refusal_ends_session(code), ends, "{code:?}");
        }
    }
}

//! The audit log of security-relevant actions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AuditId, UserId};

macro_rules! actions {
    ($($variant:ident = $s:literal),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum AuditAction { $(#[serde(rename = $s)] $variant),* }
        impl AuditAction {
            pub fn as_str(self) -> &'static str { match self { $(AuditAction::$variant => $s),* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(AuditAction::$variant),)* _ => None } }
        }
    };
}

actions! {
    LoginSucceeded = "login_succeeded",
    LoginFailed = "login_failed",
    LoginLockedOut = "login_locked_out",
    Logout = "logout",
    PasswordChanged = "password_changed",
    UserCreated = "user_created",
    UsersImported = "users_imported",
    RolesChanged = "roles_changed",
    UserDeactivated = "user_deactivated",
    UserReactivated = "user_reactivated",
    DirectoryChanged = "directory_changed",
    CardIssued = "card_issued",
    CardReportedLost = "card_reported_lost",
    CardUnfrozen = "card_unfrozen",
    CardReplaced = "card_replaced",
    PaymentPinSet = "payment_pin_set",
    PaymentPinLocked = "payment_pin_locked",
    WalletLimitsChanged = "wallet_limits_changed",
    PaymentRefunded = "payment_refunded",
    SettlementMade = "settlement_made",
    KioskPolicyChanged = "kiosk_policy_changed",
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// Who did it; `None` when unknown (a failed login for a missing user).
    pub actor: Option<UserId>,
    pub actor_username: Option<String>,
    /// What it was done to, e.g. `user:…` or `building:…`.
    pub target: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

//! The campus-card ledger's language (DESIGN.md, "Payments: the contract"):
//! double-entry accounts and immutable transfers with TigerBeetle's
//! semantics, amounts in integer fen.
//!
//! Every transfer moves `amount` from its debit account to its credit
//! account. An account keeps four sums — debits and credits, posted and
//! pending — and the sum of all accounts' debits equals the sum of all their
//! credits, always. A credit-normal account (a wallet, a merchant) has
//! balance `credits − debits`; one flagged [`AccountKind::debits_capped`] may
//! not be debited beyond its credits plus its `credit_limit`.
//!
//! A transfer id is made by the client and is the idempotency key: the same
//! id again returns the first outcome (`exists`); the same id with other
//! fields is an error. Two-phase transfers: `pending` reserves the amount;
//! a later transfer with `pending_id` posts (all or part of) it or voids it;
//! an unresolved pending transfer expires after its timeout. Transfers in a
//! `linked` chain succeed or fail together.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{AccountId, TransferId, UserId};

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A student's (or staff member's) money: credit-normal, no overdraft
    /// beyond its credit limit.
    Wallet,
    /// A person's meal subsidy, spent before the wallet on eligible sales.
    Subsidy,
    /// What a person owes after an offline overspend: debit-normal, never
    /// collected beyond what is owed.
    OfflineReceivable,
    /// A window's or kiosk's takings since the last sweep.
    MerchantTill,
    /// A merchant's settled takings: tills are swept into it.
    Merchant,
    /// Money arriving from the payment gateway (campus-wide; debit-normal, unbounded).
    TopUpClearing,
    /// Subsidies granted by the university (campus-wide; debit-normal, unbounded).
    SubsidyFund,
    /// Balances paid back out to people (campus-wide).
    Refunds,
}

impl AccountKind {
    pub const ALL: [AccountKind; 8] = [
        Self::Wallet,
        Self::Subsidy,
        Self::OfflineReceivable,
        Self::MerchantTill,
        Self::Merchant,
        Self::TopUpClearing,
        Self::SubsidyFund,
        Self::Refunds,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Wallet => "wallet",
            Self::Subsidy => "subsidy",
            Self::OfflineReceivable => "offline_receivable",
            Self::MerchantTill => "merchant_till",
            Self::Merchant => "merchant",
            Self::TopUpClearing => "top_up_clearing",
            Self::SubsidyFund => "subsidy_fund",
            Self::Refunds => "refunds",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// Debits may not exceed credits plus the credit limit.
    pub fn debits_capped(self) -> bool {
        matches!(
            self,
            Self::Wallet | Self::Subsidy | Self::MerchantTill | Self::Merchant
        )
    }

    /// Credits may not exceed debits (what is owed cannot be over-collected).
    pub fn credits_capped(self) -> bool {
        matches!(self, Self::OfflineReceivable)
    }

    /// One per campus rather than one per person or merchant.
    pub fn campus_wide(self) -> bool {
        matches!(
            self,
            Self::TopUpClearing | Self::SubsidyFund | Self::Refunds
        )
    }
}

/// Why money moved: for statements, reports and the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferCode {
    TopUp,
    Sale,
    /// The subsidy part of a sale.
    SubsidySale,
    SubsidyGrant,
    Refund,
    Sweep,
    /// An offline sale's shortfall, booked to the person's receivable.
    Receivable,
    /// A receivable paid off from the wallet.
    Collection,
    Withdrawal,
    /// A reversing entry made by a manager.
    Correction,
}

impl TransferCode {
    pub const ALL: [TransferCode; 10] = [
        Self::TopUp,
        Self::Sale,
        Self::SubsidySale,
        Self::SubsidyGrant,
        Self::Refund,
        Self::Sweep,
        Self::Receivable,
        Self::Collection,
        Self::Withdrawal,
        Self::Correction,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::TopUp => "top_up",
            Self::Sale => "sale",
            Self::SubsidySale => "subsidy_sale",
            Self::SubsidyGrant => "subsidy_grant",
            Self::Refund => "refund",
            Self::Sweep => "sweep",
            Self::Receivable => "receivable",
            Self::Collection => "collection",
            Self::Withdrawal => "withdrawal",
            Self::Correction => "correction",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// Single-phase, or one step of a two-phase transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Posted at once.
    Single,
    /// Reserves the amount until posted, voided or expired.
    Pending,
    /// Posts a pending transfer (`pending_id`), all or part of it.
    Post,
    /// Releases a pending transfer (`pending_id`).
    Void,
}

impl Phase {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Pending => "pending",
            Self::Post => "post",
            Self::Void => "void",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        [Self::Single, Self::Pending, Self::Post, Self::Void]
            .into_iter()
            .find(|p| p.slug() == slug)
    }
}

/// The longest a hold may stay pending.
pub const MAX_PENDING_TIMEOUT_SECS: u32 = 7 * 24 * 3600;
/// The largest single transfer: ¥100,000.
pub const MAX_TRANSFER_FEN: i64 = 10_000_000;
/// A transfer's reference (an order, a sale, a top-up), at most this long.
pub const MAX_REFERENCE_LEN: usize = 64;

/// One transfer to make. For `post` and `void`, the accounts must be the
/// pending transfer's; a `post` amount of 0 posts the whole pending amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTransfer {
    pub id: TransferId,
    pub debit_account_id: AccountId,
    pub credit_account_id: AccountId,
    /// Fen; positive (0 only for a `post` of the whole pending amount, or a `void`).
    pub amount: i64,
    pub phase: Phase,
    /// The pending transfer a `post` or `void` resolves.
    #[serde(default)]
    pub pending_id: Option<TransferId>,
    /// Seconds a `pending` transfer waits before it expires.
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    pub code: TransferCode,
    /// This transfer and the next succeed or fail together.
    #[serde(default)]
    pub linked: bool,
    /// What it is for: an order, a sale, a top-up (shown on statements).
    #[serde(default)]
    pub reference: Option<String>,
}

impl NewTransfer {
    /// A single-phase transfer.
    pub fn single(
        id: TransferId,
        debit: AccountId,
        credit: AccountId,
        amount: i64,
        code: TransferCode,
    ) -> Self {
        Self {
            id,
            debit_account_id: debit,
            credit_account_id: credit,
            amount,
            phase: Phase::Single,
            pending_id: None,
            timeout_secs: None,
            code,
            linked: false,
            reference: None,
        }
    }

    /// The rules that need no stored state.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.debit_account_id == self.credit_account_id {
            return Err(FieldError::new(
                "credit_account_id",
                "must differ from the debit account",
            ));
        }
        let zero_ok = matches!(self.phase, Phase::Post | Phase::Void);
        if self.amount < 0 || (self.amount == 0 && !zero_ok) {
            return Err(FieldError::new(
                "amount",
                "must be a positive number of fen",
            ));
        }
        if self.amount > MAX_TRANSFER_FEN {
            return Err(FieldError::new(
                "amount",
                format!("must be at most {MAX_TRANSFER_FEN} fen"),
            ));
        }
        match (self.phase, self.pending_id) {
            (Phase::Post | Phase::Void, None) => {
                return Err(FieldError::new("pending_id", "is required to post or void"));
            }
            (Phase::Single | Phase::Pending, Some(_)) => {
                return Err(FieldError::new(
                    "pending_id",
                    "is only for posting or voiding",
                ));
            }
            _ => {}
        }
        match (self.phase, self.timeout_secs) {
            (Phase::Pending, Some(t)) if t == 0 || t > MAX_PENDING_TIMEOUT_SECS => {
                return Err(FieldError::new(
                    "timeout_secs",
                    format!("must be between 1 and {MAX_PENDING_TIMEOUT_SECS}"),
                ));
            }
            (Phase::Pending, _) => {}
            (_, Some(_)) => {
                return Err(FieldError::new(
                    "timeout_secs",
                    "is only for pending transfers",
                ));
            }
            _ => {}
        }
        if let Some(r) = &self.reference
            && (r.is_empty() || r.chars().count() > MAX_REFERENCE_LEN)
        {
            return Err(FieldError::new(
                "reference",
                format!("must be 1 to {MAX_REFERENCE_LEN} characters"),
            ));
        }
        Ok(())
    }
}

/// Why a transfer was not made. Codes are stable: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferError {
    /// A rule that needs no stored state (see the message's field).
    Invalid,
    /// Another transfer of its linked chain failed; this one was not made.
    LinkedEventFailed,
    /// The last transfer of a request is `linked` to nothing.
    LinkedChainOpen,
    /// The same id was used with different fields.
    ExistsWithDifferentFields,
    AccountNotFound,
    /// The account is frozen (closed, or blocked by a manager).
    AccountFrozen,
    /// The debit would exceed the account's credits plus its credit limit:
    /// not enough money.
    ExceedsCredits,
    /// The credit would exceed the account's debits (over-collecting a receivable).
    ExceedsDebits,
    PendingNotFound,
    /// The pending transfer was already posted or voided.
    PendingAlreadyResolved,
    PendingExpired,
    /// A post for more than was reserved.
    ExceedsPendingAmount,
    /// A post or void naming other accounts than its pending transfer.
    PendingAccountsDiffer,
}

impl TransferError {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::LinkedEventFailed => "linked_event_failed",
            Self::LinkedChainOpen => "linked_chain_open",
            Self::ExistsWithDifferentFields => "exists_with_different_fields",
            Self::AccountNotFound => "account_not_found",
            Self::AccountFrozen => "account_frozen",
            Self::ExceedsCredits => "exceeds_credits",
            Self::ExceedsDebits => "exceeds_debits",
            Self::PendingNotFound => "pending_not_found",
            Self::PendingAlreadyResolved => "pending_already_resolved",
            Self::PendingExpired => "pending_expired",
            Self::ExceedsPendingAmount => "exceeds_pending_amount",
            Self::PendingAccountsDiffer => "pending_accounts_differ",
        }
    }
}

/// The outcome of one transfer of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum TransferResult {
    Created,
    /// Made before with these same fields: nothing changed now.
    Exists,
    Failed {
        error: TransferError,
    },
}

impl TransferResult {
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Created | Self::Exists)
    }
}

/// An account as stored: its four sums and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    pub kind: AccountKind,
    pub owner_id: Option<UserId>,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    /// How far a debit-capped account may go below zero (0: not at all).
    pub credit_limit: i64,
    pub frozen: bool,
}

impl Account {
    /// `credits − debits`, posted: what a wallet holds.
    pub fn balance(&self) -> i64 {
        self.credits_posted - self.debits_posted
    }

    /// What may still be spent: the balance less holds, plus the credit limit.
    pub fn available(&self) -> i64 {
        self.balance() - self.debits_pending + self.credit_limit
    }
}

/// A transfer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub id: TransferId,
    pub debit_account_id: AccountId,
    pub credit_account_id: AccountId,
    pub amount: i64,
    pub phase: Phase,
    pub pending_id: Option<TransferId>,
    pub code: TransferCode,
    pub reference: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One disagreement the audit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditDifference {
    /// `None` for the books as a whole.
    pub account_id: Option<AccountId>,
    /// `debits_posted`, `credits_pending`, … or `books_posted`, `books_pending`.
    pub field: String,
    pub stored: i64,
    pub computed: i64,
}

/// The audit: every account's stored sums recomputed from its transfers, and
/// the books as a whole (debits equal credits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditReport {
    pub accounts: u64,
    pub transfers: u64,
    pub total_debits_posted: i64,
    pub total_credits_posted: i64,
    pub differences: Vec<AuditDifference>,
}

impl AuditReport {
    pub fn balanced(&self) -> bool {
        self.differences.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(phase: Phase) -> NewTransfer {
        NewTransfer {
            phase,
            ..NewTransfer::single(
                TransferId::new(),
                AccountId::new(),
                AccountId::new(),
                100,
                TransferCode::Sale,
            )
        }
    }

    #[test]
    fn transfers_are_checked_before_any_state() {
        assert_eq!(t(Phase::Single).validate(), Ok(()));
        let field = |n: NewTransfer| n.validate().unwrap_err().field;
        let a = AccountId::new();
        assert_eq!(
            field(NewTransfer {
                debit_account_id: a,
                credit_account_id: a,
                ..t(Phase::Single)
            }),
            "credit_account_id"
        );
        for amount in [0, -1, MAX_TRANSFER_FEN + 1] {
            assert_eq!(
                field(NewTransfer {
                    amount,
                    ..t(Phase::Single)
                }),
                "amount"
            );
        }
        assert_eq!(field(t(Phase::Post)), "pending_id");
        let pending = TransferId::new();
        assert_eq!(
            NewTransfer {
                amount: 0,
                pending_id: Some(pending),
                ..t(Phase::Post)
            }
            .validate(),
            Ok(())
        );
        assert_eq!(
            field(NewTransfer {
                pending_id: Some(pending),
                ..t(Phase::Single)
            }),
            "pending_id"
        );
        assert_eq!(
            field(NewTransfer {
                timeout_secs: Some(60),
                ..t(Phase::Single)
            }),
            "timeout_secs"
        );
        for timeout in [0, MAX_PENDING_TIMEOUT_SECS + 1] {
            assert_eq!(
                field(NewTransfer {
                    timeout_secs: Some(timeout),
                    ..t(Phase::Pending)
                }),
                "timeout_secs"
            );
        }
        for reference in [String::new(), "x".repeat(MAX_REFERENCE_LEN + 1)] {
            assert_eq!(
                field(NewTransfer {
                    reference: Some(reference),
                    ..t(Phase::Single)
                }),
                "reference"
            );
        }
    }

    #[test]
    fn slugs_round_trip() {
        for k in AccountKind::ALL {
            assert_eq!(AccountKind::from_slug(k.slug()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.slug());
        }
        for c in TransferCode::ALL {
            assert_eq!(TransferCode::from_slug(c.slug()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.slug());
        }
        for p in [Phase::Single, Phase::Pending, Phase::Post, Phase::Void] {
            assert_eq!(Phase::from_slug(p.slug()), Some(p));
        }
        assert_eq!(
            serde_json::to_value(TransferResult::Failed {
                error: TransferError::ExceedsCredits
            })
            .unwrap(),
            serde_json::json!({"result": "failed", "error": "exceeds_credits"})
        );
        assert_eq!(
            serde_json::to_value(TransferError::PendingAlreadyResolved).unwrap(),
            TransferError::PendingAlreadyResolved.slug()
        );
    }

    #[test]
    fn balances() {
        let a = Account {
            id: AccountId::new(),
            kind: AccountKind::Wallet,
            owner_id: None,
            debits_posted: 300,
            credits_posted: 1000,
            debits_pending: 200,
            credits_pending: 0,
            credit_limit: 50,
            frozen: false,
        };
        assert_eq!(a.balance(), 700);
        assert_eq!(a.available(), 550);
        assert!(AccountKind::Wallet.debits_capped());
        assert!(!AccountKind::TopUpClearing.debits_capped());
        assert!(AccountKind::OfflineReceivable.credits_capped());
        assert!(AccountKind::Refunds.campus_wide());
    }
}

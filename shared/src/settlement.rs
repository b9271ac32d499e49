//! What the canteen office sees of the money: each canteen's day settled
//! (its windows' tills swept into the canteen's merchant account) and the
//! reconciliation report that checks the sales against the ledger and lists
//! everything offline sales left to look at.
//!
//! A day's figures are by the time a sale reached the ledger: an offline
//! sale made on Monday and settled on Tuesday counts on Tuesday (its
//! `sold_at` is in the exceptions and exports), so each till movement
//! belongs to exactly one day and a settled day never changes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::ids::{CanteenId, UserId, WindowId};
use crate::text::LocalName;

/// `POST /payments/settlements`: settle one canteen's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettleDay {
    pub canteen_id: CanteenId,
    /// A campus day that has ended.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
}

impl SettleDay {
    /// `today` is the campus day now: only days that have ended settle.
    pub fn validate(&self, today: NaiveDate) -> Result<(), FieldError> {
        if self.day >= today {
            return Err(FieldError::new(
                "day",
                "can be settled once it has ended (campus time)",
            ));
        }
        Ok(())
    }
}

/// A canteen's settled day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    pub id: Uuid,
    pub canteen_id: CanteenId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub sales: u32,
    /// Fen sold.
    pub gross: i64,
    /// Fen refunded.
    pub refunded: i64,
    /// Fen moved from the windows' tills into the canteen's merchant account.
    pub swept: i64,
    pub settled_by: UserId,
    pub settled_at: DateTime<Utc>,
}

/// One window's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowDay {
    pub window_id: WindowId,
    pub name: LocalName,
    pub sales: u32,
    /// Fen, every sale (online and offline).
    pub gross: i64,
    pub from_subsidy: i64,
    pub offline_sales: u32,
    pub offline_amount: i64,
    /// Of the offline amount, what the payers' money did not cover (owed).
    pub receivable: i64,
    pub refunds: u32,
    pub refunded: i64,
    /// `gross - refunded`, from the sales and refunds.
    pub net: i64,
    /// The same from the ledger: what the till took in that day, less refunds.
    pub ledger_net: i64,
    /// Sales and ledger agree.
    pub matches: bool,
    /// The till's balance now (what is not swept yet).
    pub till_balance: i64,
}

/// One canteen's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CanteenDay {
    pub canteen_id: CanteenId,
    pub name: LocalName,
    pub windows: Vec<WindowDay>,
    pub gross: i64,
    pub refunded: i64,
    pub net: i64,
    pub matches: bool,
    pub settlement: Option<Settlement>,
}

/// Something offline selling left to look at (`exception` kinds in the
/// server's `payments::offline`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineException {
    pub id: Uuid,
    /// `seq_gap`, `seq_reused`, `unknown_payer`, `shortfall`,
    /// `hot_card_sold`, `code_reused`, `code_stale`.
    pub kind: String,
    pub kiosk_id: Option<Uuid>,
    pub sale_id: Option<Uuid>,
    pub window_id: Option<WindowId>,
    pub user_id: Option<UserId>,
    pub amount: i64,
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// `GET /payments/reconciliation?day=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reconciliation {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub canteens: Vec<CanteenDay>,
    /// Offline exceptions recorded that day.
    pub exceptions: Vec<OfflineException>,
    /// People who owe from offline overspends now, and how much in all.
    pub owing_accounts: u32,
    pub owed: i64,
    /// The ledger's books balance (every account's sums equal its transfers).
    pub books_balance: bool,
    pub audit_differences: u32,
    /// Every window's sales agree with its ledger.
    pub matches: bool,
}

/// The campus's offline policy as managers set it (`PUT /payments/kiosk-policy`).
pub fn check_policy(p: &crate::kiosk::KioskPolicy) -> Result<(), FieldError> {
    use crate::kiosk::MAX_OFFLINE_SALE;
    if !(0..=MAX_OFFLINE_SALE).contains(&p.per_sale) {
        return Err(FieldError::new(
            "per_sale",
            format!("must be between 0 and {MAX_OFFLINE_SALE} fen"),
        ));
    }
    if !(p.per_sale..=1_000_000).contains(&p.per_card_day) {
        return Err(FieldError::new(
            "per_card_day",
            "must be at least the per-sale cap and at most 1,000,000 fen",
        ));
    }
    if !(p.per_sale..=100_000_000).contains(&p.per_kiosk) {
        return Err(FieldError::new(
            "per_kiosk",
            "must be at least the per-sale cap and at most 100,000,000 fen",
        ));
    }
    if !(600..=7 * 24 * 3600).contains(&p.max_hotlist_age_secs) {
        return Err(FieldError::new(
            "max_hotlist_age_secs",
            "must be between 10 minutes and 7 days",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kiosk::KioskPolicy;

    #[test]
    fn only_ended_days_settle() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let s = |d| SettleDay {
            canteen_id: CanteenId::new(),
            day: d,
        };
        assert!(s(today.pred_opt().unwrap()).validate(today).is_ok());
        assert_eq!(s(today).validate(today).unwrap_err().field, "day");
        assert_eq!(
            s(today.succ_opt().unwrap())
                .validate(today)
                .unwrap_err()
                .field,
            "day"
        );
    }

    #[test]
    fn policies_are_checked() {
        assert!(check_policy(&KioskPolicy::default()).is_ok());
        let p = |per_sale, per_card_day, per_kiosk, age| KioskPolicy {
            per_sale,
            per_card_day,
            per_kiosk,
            max_hotlist_age_secs: age,
        };
        assert!(check_policy(&p(0, 0, 0, 600)).is_ok(), "offline sales off");
        assert_eq!(
            check_policy(&p(-1, 0, 0, 600)).unwrap_err().field,
            "per_sale"
        );
        assert_eq!(
            check_policy(&p(2000, 1000, 5000, 600)).unwrap_err().field,
            "per_card_day"
        );
        assert_eq!(
            check_policy(&p(2000, 5000, 1000, 600)).unwrap_err().field,
            "per_kiosk"
        );
        assert_eq!(
            check_policy(&p(2000, 5000, 5000, 10)).unwrap_err().field,
            "max_hotlist_age_secs"
        );
    }
}

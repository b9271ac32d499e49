//! The offline kiosk (DESIGN.md, "Payments: the contract", offline kiosk):
//! what a kiosk syncs so it can keep selling with the server out of reach,
//! the checks it makes alone, and the sale it queues for settlement.
//!
//! A cashier's device pulls the campus's `kiosk:{campus}` scope: the
//! hotlist (cards that must be refused, people who must not pay offline),
//! the public halves of signed-in phones' pay-code keys, and the offline
//! policy (caps). The scope's version is the hotlist version. Offline, a
//! sale is approved only when every check here passes; it is committed to
//! the kiosk's outbox (SQLite `synchronous=FULL`) before the kiosk beeps,
//! and settled exactly once on reconnection ([`OfflineSale`]). Settlement
//! never refuses a sale that was served: what the payer's money cannot
//! cover is booked to their `offline_receivable` account, and they are
//! hot-listed until a top-up pays it.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::FieldError;
use crate::ids::{CardId, SessionId, TransferId, UserId, WindowId};
use crate::payments::{Payer, check_card_uid};
use crate::sync::NamedCommand;

/// Default cap on one offline sale: ¥20 (the default no-PIN amount; a PIN
/// cannot be checked offline).
pub const DEFAULT_PER_SALE: i64 = 2_000;
/// Default cap on one card's (or one person's pay codes') offline sales at
/// one kiosk in one campus day: ¥50.
pub const DEFAULT_PER_CARD_DAY: i64 = 5_000;
/// Default cap on a kiosk's offline sales not yet settled: ¥3,000.
pub const DEFAULT_PER_KIOSK: i64 = 300_000;
/// Default age after which a kiosk's hotlist is too old to sell offline: 24 h.
pub const DEFAULT_MAX_HOTLIST_AGE_SECS: i64 = 24 * 3600;
/// Hard ceiling of any offline sale, whatever the policy says: ¥200.
pub const MAX_OFFLINE_SALE: i64 = 20_000;

/// A campus's offline policy (the `kiosk_policy` row of `kiosk:{campus}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskPolicy {
    /// Fen, one sale.
    pub per_sale: i64,
    /// Fen, one payer at one kiosk in one campus day.
    pub per_card_day: i64,
    /// Fen, a kiosk's sales not yet settled.
    pub per_kiosk: i64,
    /// A hotlist older than this (since the kiosk's last pull) stops offline sales.
    pub max_hotlist_age_secs: i64,
}

impl Default for KioskPolicy {
    fn default() -> Self {
        Self {
            per_sale: DEFAULT_PER_SALE,
            per_card_day: DEFAULT_PER_CARD_DAY,
            per_kiosk: DEFAULT_PER_KIOSK,
            max_hotlist_age_secs: DEFAULT_MAX_HOTLIST_AGE_SECS,
        }
    }
}

/// Why a card is on the hotlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HotReason {
    /// Reported lost or frozen.
    Frozen,
    /// Replaced by a new card.
    Replaced,
    /// The owner owes money from an offline overspend.
    Owed,
    /// The owner's account is frozen by the card office.
    AccountFrozen,
}

/// A hot-listed card (`hot_card` row; its id is [`hot_card_id`] of the uid,
/// so a kiosk finds it by the chip's id alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HotCard {
    pub card_id: CardId,
    pub uid: String,
    pub reason: HotReason,
}

/// A person who must not pay offline by QR code (`hot_payer` row, id = the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HotPayer {
    pub user_id: UserId,
    pub reason: HotReason,
}

/// The public half of a signed-in device's pay-code key (`pay_key` row, id =
/// the session), so a kiosk checks codes offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayKey {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub public_key: String,
}

/// The row id of a card's hotlist entry: derived from its chip id, the same
/// on server and kiosk.
pub fn hot_card_id(uid: &str) -> Uuid {
    let digest = Sha256::digest(format!("houqin hot card|{}", uid.to_ascii_uppercase()));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // RFC 9562 version 8 (custom) and the RFC variant.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// A sale a kiosk made with the server out of reach, settled on
/// reconnection. Pushed through the kiosk's outbox (never a REST call), so it
/// arrives once, in order, with the kiosk's client id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineSale {
    /// The sale id (made when the payer tapped): also the id of an online
    /// attempt that may have reached the server, which absorbs the duplicate.
    pub id: TransferId,
    pub window_id: WindowId,
    pub payer: Payer,
    /// Fen.
    pub amount: i64,
    /// Gapless per kiosk, from 1: a gap is flagged for reconciliation.
    pub kiosk_seq: u64,
    /// The server's time as the kiosk reckoned it (its clock plus the offset
    /// learned at its last sync).
    pub at: DateTime<Utc>,
    /// The hotlist (scope) version the kiosk checked against.
    pub hotlist_version: u64,
}

impl NamedCommand for OfflineSale {
    const NAME: &'static str = "payments.offline_sale";
}

impl OfflineSale {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_OFFLINE_SALE).contains(&self.amount) {
            return Err(FieldError::new(
                "amount",
                format!("must be between 1 and {MAX_OFFLINE_SALE} fen"),
            ));
        }
        if self.kiosk_seq == 0 {
            return Err(FieldError::new("kiosk_seq", "starts at 1"));
        }
        match &self.payer {
            Payer::Card { uid } => {
                check_card_uid(uid).map_err(|e| FieldError::new("payer.uid", e.message))?;
            }
            Payer::Qr { code } => {
                crate::paycode::PayCode::parse(code)?;
            }
        }
        Ok(())
    }
}

/// What a kiosk shows of its ability to sell offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineAllowance {
    /// The server answered the last attempt.
    pub online: bool,
    /// The kiosk holds a hotlist and policy (it synced at least once).
    pub ready: bool,
    pub policy: KioskPolicy,
    /// Fen of offline sales not yet settled.
    pub outstanding: i64,
    /// Fen this kiosk may still sell offline.
    pub remaining: i64,
    /// Offline sales not yet settled.
    pub pending_sales: u32,
    pub hotlist_version: u64,
    /// When the hotlist was last brought up to date (device clock).
    pub hotlist_synced_at: Option<DateTime<Utc>>,
    /// The hotlist is too old to sell offline.
    pub stale: bool,
}

/// The campus day (China Standard Time, no daylight saving) of an instant.
pub fn campus_day(at: DateTime<Utc>) -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&cst).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_card_ids_are_stable_and_case_blind() {
        let a = hot_card_id("04a1b2c3d4e5f6");
        assert_eq!(a, hot_card_id("04A1B2C3D4E5F6"));
        assert_ne!(a, hot_card_id("04A1B2C3D4E5F7"));
        assert_eq!(a.get_version_num(), 8);
        // Pinned (computed independently): kiosks and servers of different
        // versions must agree on it.
        assert_eq!(
            hot_card_id("deadbeef").to_string(),
            "552d05e0-21f2-868d-8fe4-69c483616177"
        );
    }

    #[test]
    fn offline_sales_are_checked() {
        let sale = |amount, kiosk_seq, uid: &str| OfflineSale {
            id: TransferId::new(),
            window_id: WindowId::new(),
            payer: Payer::Card { uid: uid.into() },
            amount,
            kiosk_seq,
            at: Utc::now(),
            hotlist_version: 3,
        };
        assert!(sale(1200, 1, "04A1B2C3").validate().is_ok());
        assert_eq!(
            sale(0, 1, "04A1B2C3").validate().unwrap_err().field,
            "amount"
        );
        assert_eq!(
            sale(MAX_OFFLINE_SALE + 1, 1, "04A1B2C3")
                .validate()
                .unwrap_err()
                .field,
            "amount"
        );
        assert_eq!(
            sale(100, 0, "04A1B2C3").validate().unwrap_err().field,
            "kiosk_seq"
        );
        assert_eq!(
            sale(100, 1, "xyz").validate().unwrap_err().field,
            "payer.uid"
        );
        let qr = OfflineSale {
            payer: Payer::Qr {
                code: "HQ1:nope".into(),
            },
            ..sale(100, 1, "04A1B2C3")
        };
        assert_eq!(qr.validate().unwrap_err().field, "payer.code");
    }

    #[test]
    fn the_campus_day_turns_at_midnight_in_china() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            campus_day(at("2026-12-01T15:59:59Z")),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            campus_day(at("2026-12-01T16:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
    }
}

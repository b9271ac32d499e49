//! Campus card and payments: wallets, cards, charges at a window, top-ups
//! (DESIGN.md, "Payments: the contract"). The money itself moves in the
//! ledger (`crate::ledger`); this is what people and kiosks see and ask.
//!
//! The card is account-based: it proves who pays, the balance lives in the
//! ledger. A frozen or lost card is refused at the kiosk, while the owner's
//! QR pay code keeps working.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{CardId, TransferId, UserId, WindowId};
use crate::ledger::{MAX_TRANSFER_FEN, Transfer};
use crate::sync::NamedCommand;

/// Default daily spending limit of a new wallet: ¥300.
pub const DEFAULT_DAILY_LIMIT: i64 = 30_000;
/// Default amount payable without a PIN: ¥20.
pub const DEFAULT_NO_PIN_LIMIT: i64 = 2_000;
/// Highest daily limit a student may set: ¥2,000.
pub const MAX_DAILY_LIMIT: i64 = 200_000;
/// Wrong PINs in a row before the PIN locks.
pub const PIN_MAX_FAILURES: u32 = 3;
/// How long a locked PIN stays locked.
pub const PIN_LOCK_MINUTES: i64 = 30;
/// Largest single top-up: ¥1,000.
pub const MAX_TOP_UP: i64 = 100_000;

/// A campus card's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    Active,
    /// Reported lost (or frozen by its owner or a manager): refused at every kiosk.
    Frozen,
    /// Replaced by a new card: refused for good.
    Replaced,
}

impl CardStatus {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Frozen => "frozen",
            Self::Replaced => "replaced",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [Self::Active, Self::Frozen, Self::Replaced]
            .into_iter()
            .find(|c| c.slug() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    pub id: CardId,
    pub user_id: UserId,
    /// The chip's id, as the reader reports it (hex).
    pub uid: String,
    pub status: CardStatus,
    pub issued_at: DateTime<Utc>,
}

/// What a person sees of their money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wallet {
    pub user_id: UserId,
    /// Fen.
    pub balance: i64,
    /// What may be spent now: the balance less holds (orders not yet picked up).
    pub available: i64,
    pub subsidy: i64,
    /// Owed after an offline overspend; blocks offline payment until paid.
    pub owed: i64,
    pub daily_limit: i64,
    pub spent_today: i64,
    pub no_pin_limit: i64,
    pub pin_set: bool,
    pub pin_locked_until: Option<DateTime<Utc>>,
    pub cards: Vec<Card>,
}

/// A person's money as it syncs to their devices (the `wallet` row of
/// `user:{id}`), so the app shows the last known balance offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletSummary {
    pub user_id: UserId,
    pub balance: i64,
    pub available: i64,
    pub subsidy: i64,
    pub owed: i64,
    pub updated_at: DateTime<Utc>,
}

/// `PUT /wallet/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletSettings {
    /// Fen per day, 1 to [`MAX_DAILY_LIMIT`].
    pub daily_limit: i64,
    /// Fen payable without a PIN, 0 to the daily limit.
    pub no_pin_limit: i64,
}

impl WalletSettings {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_DAILY_LIMIT).contains(&self.daily_limit) {
            return Err(FieldError::new(
                "daily_limit",
                format!("must be between 1 and {MAX_DAILY_LIMIT} fen"),
            ));
        }
        if !(0..=self.daily_limit).contains(&self.no_pin_limit) {
            return Err(FieldError::new(
                "no_pin_limit",
                "must be between 0 and the daily limit",
            ));
        }
        Ok(())
    }
}

/// A payment PIN: exactly six digits, not all the same, not a straight run.
pub fn check_pin(pin: &str) -> Result<(), FieldError> {
    let digits: Vec<u32> = pin.chars().filter_map(|c| c.to_digit(10)).collect();
    if pin.chars().count() != 6 || digits.len() != 6 {
        return Err(FieldError::new("pin", "must be exactly 6 digits"));
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| w[1] == w[0] + 1);
    let down = digits.windows(2).all(|w| w[0] == w[1] + 1);
    if same || up || down {
        return Err(FieldError::new(
            "pin",
            "is too easy to guess (all the same or a straight run)",
        ));
    }
    Ok(())
}

/// `PUT /wallet/pin`: the account password confirms it is really the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPin {
    pub password: String,
    pub pin: String,
}

/// `POST /wallet/top-ups`: money in through the payment gateway. In the demo
/// the gateway is a local simulator that always pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUp {
    /// Made by the client: a retried top-up is paid once.
    pub id: TransferId,
    /// Fen, 1 to [`MAX_TOP_UP`].
    pub amount: i64,
}

impl TopUp {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_TOP_UP).contains(&self.amount) {
            return Err(FieldError::new(
                "amount",
                format!("must be between 1 and {MAX_TOP_UP} fen"),
            ));
        }
        Ok(())
    }
}

/// The card's id as read from the chip: 4 to 10 bytes, in hex.
pub fn check_card_uid(uid: &str) -> Result<String, FieldError> {
    let ok = (8..=20).contains(&uid.len())
        && uid.len().is_multiple_of(2)
        && uid.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(uid.to_ascii_uppercase())
    } else {
        Err(FieldError::new(
            "uid",
            "must be the card's 4 to 10 byte id in hex",
        ))
    }
}

/// `POST /cards`: personalise a card for a person (managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueCard {
    pub id: CardId,
    pub user_id: UserId,
    pub uid: String,
}

/// `POST /cards/{id}/replace`: a new card for a lost or broken one; the old
/// one is refused for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplaceCard {
    pub new_id: CardId,
    pub uid: String,
}

/// The owner reports their card lost: frozen at once. A synced command, so
/// it works offline (shown frozen at once on the device, lands at the next sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportCardLost {
    pub card_id: CardId,
}

impl NamedCommand for ReportCardLost {
    const NAME: &'static str = "cards.report_lost";
}

/// How a payer is identified at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Payer {
    /// A card tapped on the reader (already authenticated by the kiosk).
    Card { uid: String },
    /// A QR pay code scanned from the payer's phone (`crate::paycode`).
    Qr { code: String },
}

/// `POST /payments/charges`: a sale at a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Charge {
    /// Made by the kiosk: a retried sale is charged once.
    pub id: TransferId,
    pub window_id: WindowId,
    pub payer: Payer,
    /// Fen.
    pub amount: i64,
    /// Asked for above the payer's no-PIN limit.
    #[serde(default)]
    pub pin: Option<String>,
}

impl Charge {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_TRANSFER_FEN).contains(&self.amount) {
            return Err(FieldError::new(
                "amount",
                format!("must be between 1 and {MAX_TRANSFER_FEN} fen"),
            ));
        }
        match &self.payer {
            Payer::Card { uid } => {
                check_card_uid(uid).map_err(|e| FieldError::new("payer.uid", e.message))?;
            }
            Payer::Qr { code } => {
                crate::paycode::PayCode::parse(code)?;
            }
        }
        if let Some(pin) = &self.pin
            && (pin.is_empty() || pin.len() > 6 || !pin.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FieldError::new("pin", "must be 6 digits"));
        }
        Ok(())
    }
}

/// Why a charge was declined: the kiosk shows it in the cashier's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decline {
    UnknownCard,
    CardFrozen,
    CardReplaced,
    /// The person's account is frozen (by a manager).
    AccountFrozen,
    InsufficientFunds,
    DailyLimit,
    PinRequired,
    WrongPin,
    /// Too many wrong PINs: try again later.
    PinLocked,
    /// A pay code whose signature is not its device's.
    CodeInvalid,
    /// A pay code too old (or too far ahead): the phone shows a fresh one.
    CodeExpired,
    /// A pay code already used once.
    CodeUsed,
    /// Offline: the kiosk never received the hotlist and policy.
    OfflineUnavailable,
    /// Offline: the hotlist is too old to trust (the kiosk has not synced for too long).
    HotlistStale,
    /// Offline: more than one offline sale may be.
    OfflineSaleCap,
    /// Offline: this card (or person) reached today's offline cap at this kiosk.
    OfflineCardCap,
    /// Offline: the kiosk reached its cap of sales not yet settled.
    OfflineKioskCap,
    /// Offline: the payer owes money from an earlier offline overspend.
    OfflineBlocked,
}

/// The answer to a charge: approved, or declined with the reason. A decline
/// moves no money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeOutcome {
    pub id: TransferId,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline: Option<Decline>,
    pub amount: i64,
    /// Paid from the subsidy, then the wallet.
    pub from_subsidy: i64,
    pub from_wallet: i64,
    /// The payer's balance after the sale (for the receipt).
    pub balance_after: Option<i64>,
    /// The payer's display name (for the cashier to check).
    pub payer_name: Option<String>,
    /// Wrong PINs left before the PIN locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_tries_left: Option<u32>,
    pub at: DateTime<Utc>,
    /// Approved by the kiosk alone, with the server out of reach: queued for
    /// settlement (`crate::kiosk`).
    #[serde(default)]
    pub offline: bool,
}

/// `GET /payments/shift`: what a cashier took since the shift began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftSummary {
    pub cashier_id: UserId,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub sales: u32,
    /// Fen, all sales.
    pub total: i64,
    /// Of which paid from subsidies.
    pub from_subsidy: i64,
    /// Refunds made at this cashier's windows in the shift.
    #[serde(default)]
    pub refunds: u32,
    #[serde(default)]
    pub refunded: i64,
    pub windows: Vec<WindowTakings>,
}

/// A supervisor's approval at a cashier's kiosk: their own credentials,
/// typed in front of the cashier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisorApproval {
    pub username: String,
    pub password: String,
}

/// `POST /payments/refunds`: money back for (part of) a sale, approved by a
/// supervisor of the sale's canteen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refund {
    /// Made by the kiosk: a retried refund is paid once.
    pub id: TransferId,
    pub sale_id: TransferId,
    /// Fen, at most what the sale has left to refund.
    pub amount: i64,
    /// Needed unless the caller is a supervisor of the canteen.
    #[serde(default)]
    pub supervisor: Option<SupervisorApproval>,
}

impl Refund {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_TRANSFER_FEN).contains(&self.amount) {
            return Err(FieldError::new(
                "amount",
                format!("must be between 1 and {MAX_TRANSFER_FEN} fen"),
            ));
        }
        if let Some(s) = &self.supervisor {
            if s.username.trim().is_empty() || s.username.len() > 64 {
                return Err(FieldError::new("supervisor.username", "is required"));
            }
            if s.password.is_empty() || s.password.len() > 128 {
                return Err(FieldError::new("supervisor.password", "is required"));
            }
        }
        Ok(())
    }
}

/// The answer to a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundOutcome {
    pub id: TransferId,
    pub sale_id: TransferId,
    pub amount: i64,
    /// All refunds of the sale so far, this one included.
    pub refunded: i64,
    pub approved_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowTakings {
    pub window_id: WindowId,
    pub sales: u32,
    pub total: i64,
}

/// `GET /wallet/transfers`: one page of a person's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub items: Vec<StatementLine>,
    /// Pass as `before` for the next (older) page.
    pub next: Option<TransferId>,
}

/// A transfer as its owner sees it: signed from their side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementLine {
    pub transfer: Transfer,
    /// Fen into (positive) or out of (negative) the person's money.
    pub signed_amount: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        for ok in ["204851", "090909", "135790"] {
            assert_eq!(check_pin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "111111",
            "123456",
            "987654",
            "１２３４５６",
        ] {
            assert_eq!(check_pin(bad).unwrap_err().field, "pin", "{bad}");
        }
    }

    #[test]
    fn card_uids() {
        assert_eq!(
            check_card_uid("04a1b2c3d4e5f6"),
            Ok("04A1B2C3D4E5F6".into())
        );
        assert_eq!(check_card_uid("DEADBEEF"), Ok("DEADBEEF".into()));
        for bad in ["", "abc", "DEADBEE", "DEADBEEFG0", &"AB".repeat(11)] {
            assert!(check_card_uid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_and_requests() {
        let s = |daily_limit, no_pin_limit| WalletSettings {
            daily_limit,
            no_pin_limit,
        };
        assert!(
            s(DEFAULT_DAILY_LIMIT, DEFAULT_NO_PIN_LIMIT)
                .validate()
                .is_ok()
        );
        assert_eq!(s(0, 0).validate().unwrap_err().field, "daily_limit");
        assert_eq!(
            s(MAX_DAILY_LIMIT + 1, 0).validate().unwrap_err().field,
            "daily_limit"
        );
        assert_eq!(s(1000, 1001).validate().unwrap_err().field, "no_pin_limit");
        assert_eq!(s(1000, -1).validate().unwrap_err().field, "no_pin_limit");

        let top_up = |amount| TopUp {
            id: TransferId::new(),
            amount,
        };
        assert!(top_up(100).validate().is_ok());
        assert_eq!(top_up(0).validate().unwrap_err().field, "amount");
        assert_eq!(
            top_up(MAX_TOP_UP + 1).validate().unwrap_err().field,
            "amount"
        );

        let charge = |amount, uid: &str, pin: Option<&str>| Charge {
            id: TransferId::new(),
            window_id: WindowId::new(),
            payer: Payer::Card { uid: uid.into() },
            amount,
            pin: pin.map(str::to_owned),
        };
        assert!(charge(1200, "04A1B2C3", None).validate().is_ok());
        assert!(charge(1200, "04A1B2C3", Some("204851")).validate().is_ok());
        assert_eq!(
            charge(0, "04A1B2C3", None).validate().unwrap_err().field,
            "amount"
        );
        assert_eq!(
            charge(5, "zz", None).validate().unwrap_err().field,
            "payer.uid"
        );
        assert_eq!(
            charge(5, "04A1B2C3", Some("12ab"))
                .validate()
                .unwrap_err()
                .field,
            "pin"
        );
        let json = serde_json::to_value(charge(5, "04A1B2C3", None)).unwrap();
        assert_eq!(
            json["payer"],
            serde_json::json!({"method": "card", "uid": "04A1B2C3"})
        );
    }
}

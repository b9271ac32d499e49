//! The sync protocol: commands pushed from a durable outbox, changes pulled by
//! cursor per scope. See `docs/sync-protocol.md` for the sequence and invariants.
//!
//! A *client* is one install of the app on one device. Its commands carry a
//! gapless `seq`; the server applies them in `seq` order, exactly once, and
//! remembers each outcome. Rows reach clients only by pull, per *scope*
//! (`user:{id}`, `zone:{id}`, `campus:{id}`, …) — the server decides which scopes
//! a session may read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiErrorBody, ErrorCode};
use crate::ids::{ClientId, CommandId, UserId};

/// The schema version of commands and changes this build speaks. The server
/// also accepts the previous version (upcasting it).
pub const SCHEMA_VERSION: u32 = 1;
/// The most commands one push may carry.
pub const PUSH_MAX_COMMANDS: usize = 500;
/// The most changes one pull page carries (across scopes).
pub const PULL_MAX_CHANGES: u32 = 5_000;

/// `POST /sync/events/ticket`: opens this session's event stream
/// (`GET /sync/events?ticket=…`) for a minute. Not an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventTicket {
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
}

/// The data of a `poke` event: these of the caller's scopes changed; pull them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Poke {
    pub scopes: Vec<String>,
}

// ---- The engine's state, as the UI shows it --------------------------------
//
// The engine (native) answers these over IPC; the UI (wasm) decodes them.
// Fields added later carry `#[serde(default)]`, so an older app or engine on
// the other side still decodes.

/// What is known about reaching the server and what waits for it: small and calm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// The server answered the last attempt (false until it first does).
    pub online: bool,
    /// A sync is running now.
    pub syncing: bool,
    /// The server's live event stream is open: changes arrive within moments.
    #[serde(default)]
    pub live: bool,
    /// Commands waiting for the server.
    pub pending: u32,
    /// Commands the server refused, kept until the user dismisses them.
    pub rejected: u32,
    /// Photos waiting to be uploaded.
    #[serde(default)]
    pub uploads_pending: u32,
    /// Why the last attempt failed; `None` after a success (or before any).
    #[serde(default)]
    pub last_error: Option<ApiErrorBody>,
    /// When the last complete sync finished, by this device's clock.
    #[serde(default)]
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Waiting to be sent, or sent and not yet answered.
    Pending,
    /// Done; leaves the list once the next pull shows its effect.
    Accepted,
    /// Refused by the server; `reason` says why.
    Rejected,
    /// A state this app version does not know yet.
    #[serde(other)]
    Unknown,
}

impl ActionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Pending => "pending",
            ActionState::Accepted => "accepted",
            ActionState::Rejected => "rejected",
            ActionState::Unknown => "unknown",
        }
    }
}

/// One command queued on this device that the server has not confirmed
/// yet, or has refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAction {
    /// Names the action for dismissing a rejection.
    pub seq: u64,
    pub command_id: CommandId,
    /// The command's name, e.g. `notifications.mark_read`.
    pub name: String,
    /// By this device's clock.
    pub created_at: DateTime<Utc>,
    pub state: ActionState,
    /// The server's reason, for a refused command.
    #[serde(default)]
    pub reason: Option<ApiErrorBody>,
}

/// A command's wire name, e.g. `notifications.mark_read`: the payload type
/// implements this so server, engine and UI spell it the same way.
pub trait NamedCommand {
    const NAME: &'static str;
}

impl NamedCommand for crate::notifications::MarkRead {
    const NAME: &'static str = "notifications.mark_read";
}

impl NamedCommand for crate::accounts::SetLangRequest {
    const NAME: &'static str = "accounts.set_lang";
}

/// One domain intent, as queued in a client's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandEnvelope {
    /// Globally unique, made on the device (UUIDv7); a second fence against replays.
    pub command_id: CommandId,
    /// Gapless per client, starting at 1.
    pub seq: u64,
    /// Who did it. Shared devices change users; permission is checked per command.
    pub user_id: UserId,
    /// The command's name, e.g. `notifications.mark_read`.
    pub name: String,
    /// The command's own fields.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub schema_version: u32,
    /// The device's clock when queued: shown to people, never used for ordering.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub client_id: ClientId,
    /// In `seq` order; the first must be at most the server's `last_applied_seq + 1`.
    pub commands: Vec<CommandEnvelope>,
}

/// What became of one command. A rejection is final and still advances the
/// client's `last_applied_seq`, so the queue never wedges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Rejected {
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandOutcome {
    pub command_id: CommandId,
    pub seq: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// The highest `seq` the server has applied for this client.
    pub last_applied_seq: u64,
    /// One per pushed command at or below `last_applied_seq` (stored outcomes for replays).
    pub outcomes: Vec<CommandOutcome>,
    /// Set when the push skipped ahead: send from this `seq`.
    pub expected_seq: Option<u64>,
}

/// A cursor: the scope and the version the client has applied up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cursor {
    pub scope: String,
    pub version: u64,
}

impl Cursor {
    /// `scope@version`, the query-string form.
    pub fn encode(&self) -> String {
        format!("{}@{}", self.scope, self.version)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (scope, version) = s.rsplit_once('@')?;
        if scope.is_empty() || scope.len() > 80 {
            return None;
        }
        Some(Cursor {
            scope: scope.to_string(),
            version: version.parse().ok()?,
        })
    }
}

/// The latest state of one row in a scope; `data: None` means it was deleted
/// (or left the scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub entity: String,
    pub id: Uuid,
    pub version: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeChanges {
    pub scope: String,
    /// The client must drop its rows of this scope before applying `changes`
    /// (its cursor was older than the retained log, or it had none). It keeps its outbox.
    pub reset: bool,
    pub changes: Vec<Change>,
    /// The cursor to store once `changes` are applied.
    pub version: u64,
    /// When this page reaches the scope's current version: the order-independent
    /// checksum of all its rows ([`row_hash`] summed), to compare with the client's.
    pub checksum: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub scopes: Vec<ScopeChanges>,
    /// Scopes the session may no longer read: the client deletes their rows.
    pub dropped: Vec<String>,
    pub last_applied_seq: u64,
    /// Outcomes of this client's commands with `seq` after the `acked` it sent.
    pub outcomes: Vec<CommandOutcome>,
    /// More pages are waiting: pull again with the new cursors.
    pub more: bool,
    /// The server's clock, for device-side freshness checks (QR codes, caps).
    pub server_time: DateTime<Utc>,
}

/// FNV-1a, 64-bit: tiny, stable across platforms and versions.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The hash of one row, from its entity, id and canonical JSON (`serde_json`'s
/// sorted-key output). A scope's checksum is the wrapping sum of its rows' hashes,
/// so server and client can each keep it incrementally in any order.
pub fn row_hash(entity: &str, id: Uuid, data_json: &str) -> u64 {
    let mut bytes = Vec::with_capacity(entity.len() + 17 + data_json.len());
    bytes.extend_from_slice(entity.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(id.as_bytes());
    bytes.extend_from_slice(data_json.as_bytes());
    fnv1a(&bytes)
}

/// Entity names of synced rows, one spelling for server and engine.
pub mod entity {
    /// `shared::accounts::Me`, in `user:{id}`.
    pub const PROFILE: &str = "profile";
    /// `shared::notifications::Notification`, in `user:{id}`.
    pub const NOTIFICATION: &str = "notification";
    /// `shared::directory::Building`, in `zone:{id}`.
    pub const BUILDING: &str = "building";
    /// `shared::payments::Card`, in its owner's `user:{id}`.
    pub const CARD: &str = "card";
    /// `shared::payments::WalletSummary`, in its owner's `user:{id}`.
    pub const WALLET: &str = "wallet";
    /// `shared::kiosk::HotCard`, in `kiosk:{campus}` (id: `kiosk::hot_card_id`).
    pub const HOT_CARD: &str = "hot_card";
    /// `shared::kiosk::HotPayer`, in `kiosk:{campus}` (id: the user).
    pub const HOT_PAYER: &str = "hot_payer";
    /// `shared::kiosk::PayKey`, in `kiosk:{campus}` (id: the session).
    pub const PAY_KEY: &str = "pay_key";
    /// `shared::kiosk::KioskPolicy`, in `kiosk:{campus}` (id: the campus).
    pub const KIOSK_POLICY: &str = "kiosk_policy";
    /// `shared::dining::MenuDish`, in `menu:{campus}`.
    pub const DISH: &str = "dish";
    /// `shared::dining::Portions`, in `menu:{campus}` (id: `dining::portions_id`).
    pub const PORTIONS: &str = "portions";
    /// `shared::dining::SlotLoad`, in `menu:{campus}` (id: `dining::slot_id`).
    pub const SLOT: &str = "slot";
    /// `shared::dining::Order`, in its owner's `user:{id}` and its canteen's `queue:{canteen}`.
    pub const ORDER: &str = "order";
    /// `shared::repairs::WorkOrder`, in its reporter's and assignee's
    /// `user:{id}` and its building's `zone:{id}`.
    pub const WORK_ORDER: &str = "work_order";
    /// `shared::repairs::Part`, in `repairs:{campus}`.
    pub const PART: &str = "part";
    /// `shared::repairs::TechnicianProfile`, in `repairs:{campus}` (id: the user).
    pub const TECHNICIAN: &str = "technician";
}

/// Scope names, built in one place so server and client agree.
pub mod scope {
    use uuid::Uuid;

    pub fn user(id: Uuid) -> String {
        format!("user:{id}")
    }

    pub fn zone(id: Uuid) -> String {
        format!("zone:{id}")
    }

    pub fn campus(id: Uuid) -> String {
        format!("campus:{id}")
    }

    /// A campus's menus: every canteen's dishes, portions left and pickup
    /// slots' bookings (a campus has a handful of canteens).
    pub fn menu(campus: Uuid) -> String {
        format!("menu:{campus}")
    }

    /// A canteen's window queues, for its staff.
    pub fn queue(canteen: Uuid) -> String {
        format!("queue:{canteen}")
    }

    /// What a campus's kiosks need to sell offline: hotlist, pay keys, policy.
    /// A campus's repairs store and technicians (technicians, supervisors, managers).
    pub fn repairs(campus: Uuid) -> String {
        format!("repairs:{campus}")
    }

    pub fn kiosk(campus: Uuid) -> String {
        format!("kiosk:{campus}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = Cursor {
            scope: "user:0190".into(),
            version: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("user:x@-1"), None);
        assert_eq!(Cursor::decode("@1"), None);
        assert_eq!(Cursor::decode("no-version"), None);
    }

    #[test]
    fn checksums_do_not_depend_on_order() {
        let a = row_hash("n", Uuid::nil(), r#"{"a":1}"#);
        let b = row_hash("n", Uuid::max(), r#"{"a":1}"#);
        assert_ne!(a, b);
        assert_eq!(a.wrapping_add(b), b.wrapping_add(a));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            fnv1a(b"a"),
            0xaf63_dc4c_8601_ec8c,
            "the published FNV-1a test vector"
        );
    }

    #[test]
    fn outcomes_are_tagged() {
        let o = CommandOutcome {
            command_id: CommandId(Uuid::nil()),
            seq: 3,
            outcome: Outcome::Accepted,
        };
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["status"], "accepted");
        let r = Outcome::Rejected {
            code: ErrorCode::Conflict,
            message: "taken".into(),
            field: None,
        };
        assert_eq!(serde_json::to_value(&r).unwrap()["code"], "conflict");
    }
}

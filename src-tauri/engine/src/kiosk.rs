//! The kiosk's side of payments: charge online when the server answers,
//! and sell offline when it does not (DESIGN.md, "Offline kiosk";
//! `houqin_shared::kiosk`).
//!
//! Offline, a sale is approved only when the kiosk holds a fresh enough
//! hotlist and policy (the `kiosk:{campus}` scope), the payer is not on it,
//! a pay code's signature is a synced key's, the code is fresh by the
//! server's clock as last learned and was never used here, and the amount
//! fits the per-sale, per-card-per-day and per-kiosk caps. The sale, its
//! number in the kiosk's gapless sequence, the used code and the outbox
//! entry that settles it commit in one SQLite transaction
//! (`synchronous=FULL`) before the answer — the beep — comes back.
//!
//! Invariant: an approved offline sale is durable before it is approved;
//! a declined one writes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use houqin_shared::ids::{CommandId, UserId};
use houqin_shared::kiosk::{
    HotCard, HotPayer, KioskPolicy, OfflineAllowance, OfflineSale, PayKey, campus_day, hot_card_id,
};
use houqin_shared::paycode::PayCode;
use houqin_shared::payments::{Charge, ChargeOutcome, Decline, Payer, check_card_uid};
use houqin_shared::sync::entity::{HOT_CARD, HOT_PAYER, KIOSK_POLICY, PAY_KEY};
use houqin_shared::sync::{NamedCommand, SCHEMA_VERSION, scope};
use houqin_shared::{ApiErrorBody, ErrorCode};
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

use crate::Engine;
use crate::error::EngineError;
use crate::store::StoreError;
use crate::sync::{mirror::View, outbox};

/// How long the kiosk waits for the server before selling offline.
pub const ONLINE_WAIT: Duration = Duration::from_secs(3);

/// Records the server's clock and, once a pull is complete, that the
/// hotlist is up to date. Inside the pull page's transaction.
pub(crate) fn note_server_time(
    conn: &Connection,
    server_time: DateTime<Utc>,
    device_now: DateTime<Utc>,
    complete: bool,
) -> Result<(), StoreError> {
    let offset_ms = (server_time - device_now).num_milliseconds();
    conn.execute(
        "INSERT INTO server_clock (id, offset_ms, hotlist_synced_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET offset_ms = excluded.offset_ms,
             hotlist_synced_at = COALESCE(excluded.hotlist_synced_at, server_clock.hotlist_synced_at)",
        params![offset_ms, complete.then(|| device_now.to_rfc3339())],
    )?;
    Ok(())
}

struct Clock {
    offset_ms: i64,
    hotlist_synced_at: Option<DateTime<Utc>>,
}

fn server_clock(conn: &Connection) -> Result<Clock, StoreError> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT offset_ms, hotlist_synced_at FROM server_clock WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (offset_ms, synced) = row.unwrap_or((0, None));
    let hotlist_synced_at = synced
        .map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::decode("hotlist time", e))
        })
        .transpose()?;
    Ok(Clock {
        offset_ms,
        hotlist_synced_at,
    })
}

fn row<T: DeserializeOwned>(
    view: &View<'_>,
    scope: &str,
    entity: &str,
    id: uuid::Uuid,
) -> Result<Option<T>, StoreError> {
    view.get(scope, entity, id)?
        .map(|v| serde_json::from_value(v).map_err(|e| StoreError::decode("kiosk row", e)))
        .transpose()
}

fn hotlist_version(conn: &Connection, scope: &str) -> Result<u64, StoreError> {
    let v: Option<i64> = conn
        .query_row(
            "SELECT version FROM cursors WHERE scope = ?1",
            params![scope],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
}

/// Fen and count of offline sales whose settlement has not been answered.
fn outstanding(conn: &Connection) -> Result<(i64, u32), StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(k.amount), 0), COUNT(*) FROM kiosk_sales k
         JOIN outbox o ON o.command_id = k.command_id WHERE o.state = 'pending'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

struct Decided {
    sale: OfflineSale,
    payer_key: String,
    code: Option<PayCode>,
}

/// The kiosk's own checks, read-only; `Err(decline)` writes nothing.
fn decide(
    conn: &Connection,
    campus: uuid::Uuid,
    charge: &Charge,
    device_now: DateTime<Utc>,
) -> Result<Result<Decided, Decline>, StoreError> {
    let view = View::new(conn);
    let kiosk = scope::kiosk(campus);
    let Some(policy) = row::<KioskPolicy>(&view, &kiosk, KIOSK_POLICY, campus)? else {
        return Ok(Err(Decline::OfflineUnavailable));
    };
    let clock = server_clock(conn)?;
    let fresh = clock
        .hotlist_synced_at
        .is_some_and(|t| (device_now - t).num_seconds() <= policy.max_hotlist_age_secs);
    if !fresh {
        return Ok(Err(Decline::HotlistStale));
    }
    if charge.amount > policy.per_sale {
        return Ok(Err(Decline::OfflineSaleCap));
    }
    let server_now = device_now + chrono::Duration::milliseconds(clock.offset_ms);
    let (payer_key, code) = match &charge.payer {
        Payer::Card { uid } => {
            let uid = check_card_uid(uid).map_err(|e| StoreError::decode("card uid", e.message))?;
            if let Some(hot) = row::<HotCard>(&view, &kiosk, HOT_CARD, hot_card_id(&uid))? {
                return Ok(Err(match hot.reason {
                    houqin_shared::kiosk::HotReason::Replaced => Decline::CardReplaced,
                    houqin_shared::kiosk::HotReason::Frozen => Decline::CardFrozen,
                    houqin_shared::kiosk::HotReason::AccountFrozen => Decline::AccountFrozen,
                    houqin_shared::kiosk::HotReason::Owed => Decline::OfflineBlocked,
                }));
            }
            (format!("card:{uid}"), None)
        }
        Payer::Qr { code } => {
            let Ok((pc, sig)) = PayCode::parse(code) else {
                return Ok(Err(Decline::CodeInvalid));
            };
            let Some(key) = row::<PayKey>(&view, &kiosk, PAY_KEY, pc.session.0)? else {
                return Ok(Err(Decline::CodeInvalid));
            };
            if !pc.verify(&sig, &key.public_key) {
                return Ok(Err(Decline::CodeInvalid));
            }
            if !pc.fresh(server_now.timestamp()) {
                return Ok(Err(Decline::CodeExpired));
            }
            let used: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM used_pay_codes
                 WHERE session_id = ?1 AND at = ?2 AND nonce = ?3)",
                params![pc.session.0.to_string(), pc.at, pc.nonce],
                |r| r.get(0),
            )?;
            if used {
                return Ok(Err(Decline::CodeUsed));
            }
            if row::<HotPayer>(&view, &kiosk, HOT_PAYER, key.user_id.0)?.is_some() {
                return Ok(Err(Decline::OfflineBlocked));
            }
            (format!("user:{}", key.user_id), Some(pc))
        }
    };
    let day = campus_day(server_now).to_string();
    let today: i64 = conn.query_row(
        "SELECT COALESCE(SUM(amount), 0) FROM kiosk_sales WHERE payer = ?1 AND day = ?2",
        params![payer_key, day],
        |r| r.get(0),
    )?;
    if today + charge.amount > policy.per_card_day {
        return Ok(Err(Decline::OfflineCardCap));
    }
    let (pending, _) = outstanding(conn)?;
    if pending + charge.amount > policy.per_kiosk {
        return Ok(Err(Decline::OfflineKioskCap));
    }
    let last: i64 = conn.query_row("SELECT last_seq FROM kiosk_counter WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    Ok(Ok(Decided {
        sale: OfflineSale {
            id: charge.id,
            window_id: charge.window_id,
            payer: charge.payer.clone(),
            amount: charge.amount,
            kiosk_seq: u64::try_from(last + 1).unwrap_or(1),
            at: server_now,
            hotlist_version: hotlist_version(conn, &kiosk)?,
        },
        payer_key,
        code,
    }))
}

fn outcome(charge: &Charge, at: DateTime<Utc>, decline: Option<Decline>) -> ChargeOutcome {
    ChargeOutcome {
        id: charge.id,
        approved: decline.is_none(),
        decline,
        amount: charge.amount,
        from_subsidy: 0,
        from_wallet: 0,
        balance_after: None,
        payer_name: None,
        pin_tries_left: None,
        at,
        offline: true,
    }
}

impl Engine {
    /// Charges at the kiosk: through the server when it answers (within
    /// [`ONLINE_WAIT`]), and by the kiosk alone when it does not. A sale
    /// tried online first keeps its id offline, so a request that reached
    /// the server after all is settled once.
    pub async fn kiosk_charge(&self, charge: Charge) -> Result<ChargeOutcome, ApiErrorBody> {
        charge
            .validate()
            .map_err(|e| EngineError::from(e).into_api("kiosk_charge"))?;
        if !self.sync.known_offline() {
            let body = serde_json::to_value(&charge).ok();
            let online =
                tokio::time::timeout(ONLINE_WAIT, self.call("POST", "/payments/charges", body))
                    .await;
            match online {
                Ok(Ok(value)) => {
                    self.sync.mark_reachable();
                    return serde_json::from_value(value).map_err(|e| ApiErrorBody {
                        code: ErrorCode::Internal,
                        message: format!("the server's answer does not decode: {e}"),
                        field: None,
                        request_id: None,
                    });
                }
                Ok(Err(e)) if e.code != ErrorCode::Unavailable => return Err(e),
                Ok(Err(e)) => self.sync.mark_unreachable(e),
                Err(_) => self.sync.mark_unreachable(ApiErrorBody {
                    code: ErrorCode::Unavailable,
                    message: "the server did not answer in time".into(),
                    field: None,
                    request_id: None,
                }),
            }
        }
        self.offline_charge(&charge)
    }

    /// Decides a sale with the server out of reach (see the module docs).
    pub fn offline_charge(&self, charge: &Charge) -> Result<ChargeOutcome, ApiErrorBody> {
        self.offline_inner(charge)
            .map_err(|e| e.into_api("offline_charge"))
    }

    fn offline_inner(&self, charge: &Charge) -> Result<ChargeOutcome, EngineError> {
        charge.validate()?;
        let device_now = self.clock.now();
        let mut store = self.lock_store();
        let session = store.session()?.ok_or(EngineError::SignedOut)?;
        let campus = session.user.campus_id.0;
        let user_id: UserId = session.user.id;
        let decided = store.write(|tx| {
            // The same sale again (the answer was lost on its way to the
            // screen): approved once, answered again.
            let before: Option<(i64, String)> = tx
                .query_row(
                    "SELECT amount, sold_at FROM kiosk_sales WHERE id = ?1",
                    params![charge.id.0.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((amount, sold_at)) = before {
                if amount != charge.amount {
                    return Ok(Err(None));
                }
                let at = DateTime::parse_from_rfc3339(&sold_at)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::decode("sale time", e))?;
                return Ok(Ok(at));
            }
            let decided = match decide(tx, campus, charge, device_now)? {
                Ok(d) => d,
                Err(decline) => return Ok(Err(Some(decline))),
            };
            let sale = &decided.sale;
            let payload = serde_json::to_value(sale).map_err(|source| StoreError::EncodeJson {
                what: "an offline sale",
                source,
            })?;
            let command_id = CommandId::new();
            outbox::append(
                tx,
                &outbox::NewEntry {
                    command_id,
                    user_id,
                    name: OfflineSale::NAME,
                    payload: &payload,
                    schema_version: SCHEMA_VERSION,
                    created_at: device_now,
                },
            )?;
            tx.execute(
                "UPDATE kiosk_counter SET last_seq = ?1 WHERE id = 1",
                params![i64::try_from(sale.kiosk_seq).unwrap_or(i64::MAX)],
            )?;
            tx.execute(
                "INSERT INTO kiosk_sales (id, seq, command_id, window_id, payer, amount, day, sold_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    sale.id.0.to_string(),
                    i64::try_from(sale.kiosk_seq).unwrap_or(i64::MAX),
                    command_id.0.to_string(),
                    sale.window_id.0.to_string(),
                    decided.payer_key,
                    sale.amount,
                    campus_day(sale.at).to_string(),
                    sale.at.to_rfc3339(),
                ],
            )?;
            if let Some(pc) = &decided.code {
                tx.execute(
                    "INSERT INTO used_pay_codes (session_id, at, nonce, used_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        pc.session.0.to_string(),
                        pc.at,
                        pc.nonce,
                        device_now.to_rfc3339()
                    ],
                )?;
                // Codes older than the freshness window can never pass again.
                tx.execute(
                    "DELETE FROM used_pay_codes WHERE at < ?1",
                    params![sale.at.timestamp() - 2 * houqin_shared::paycode::FRESH_SECS],
                )?;
            }
            Ok(Ok(sale.at))
        })?;
        drop(store);
        match decided {
            Ok(at) => {
                tracing::info!(sale = %charge.id, amount = charge.amount, "sold offline");
                self.sync.poke();
                Ok(outcome(charge, at, None))
            }
            Err(Some(decline)) => {
                tracing::info!(sale = %charge.id, ?decline, "offline sale declined");
                Ok(outcome(charge, device_now, Some(decline)))
            }
            Err(None) => Err(EngineError::Invalid(houqin_shared::error::FieldError::new(
                "id",
                "this sale id was used for another sale",
            ))),
        }
    }

    /// What the kiosk may still sell offline, for the indicator.
    pub fn offline_allowance(&self) -> Result<OfflineAllowance, ApiErrorBody> {
        let read = || -> Result<OfflineAllowance, EngineError> {
            let store = self.lock_store();
            let session = store.session()?.ok_or(EngineError::SignedOut)?;
            let campus = session.user.campus_id.0;
            let conn = store.conn();
            let kiosk = scope::kiosk(campus);
            let view = View::new(conn);
            let policy = row::<KioskPolicy>(&view, &kiosk, KIOSK_POLICY, campus)?;
            let clock = server_clock(conn)?;
            let (outstanding, pending_sales) = outstanding(conn)?;
            let ready = policy.is_some();
            let policy = policy.unwrap_or_default();
            let now = self.clock.now();
            let stale = clock
                .hotlist_synced_at
                .is_none_or(|t| (now - t).num_seconds() > policy.max_hotlist_age_secs);
            Ok(OfflineAllowance {
                online: !self.sync.known_offline(),
                ready,
                policy,
                outstanding,
                remaining: if ready && !stale {
                    (policy.per_kiosk - outstanding).max(0)
                } else {
                    0
                },
                pending_sales,
                hotlist_version: hotlist_version(conn, &kiosk)?,
                hotlist_synced_at: clock.hotlist_synced_at,
                stale,
            })
        };
        read().map_err(|e| e.into_api("offline_allowance"))
    }
}

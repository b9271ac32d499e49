//! The server half of the offline kiosk (`houqin_shared::kiosk`): what the
//! `kiosk:{campus}` scope holds (hotlist, pay keys, policy), and the
//! settlement of a sale a kiosk made offline.
//!
//! Settlement never refuses a sale that was served. Subsidy first, then the
//! wallet as far as it goes, and the rest from the payer's
//! `offline_receivable` account, as one linked chain into the window's till;
//! a shortfall blocks the payer for offline payment (their cards and pay
//! codes go on the hotlist) until a top-up pays it, and tells the campus's
//! managers. Anything reconciliation must see — a gap or a reused number in
//! a kiosk's sequence, a payer not found, a card hot-listed when it was
//! sold, a pay code used twice — is written to `offline_exceptions`.
//!
//! Invariant: an offline sale is settled once: its id is the key (a second
//! upload of the same sale changes nothing; another sale under the same id
//! is refused), and an online attempt that reached the server under the
//! same id absorbs it.

use chrono::{DateTime, Duration, Utc};
use houqin_shared::accounts::{Role, Scope};
use houqin_shared::error::FieldError;
use houqin_shared::ids::{AccountId, CardId, SessionId, UserId};
use houqin_shared::kiosk::{
    HotCard, HotPayer, HotReason, KioskPolicy, OfflineSale, PayKey, hot_card_id,
};
use houqin_shared::ledger::{AccountKind, TransferCode, TransferError};
use houqin_shared::paycode::PayCode;
use houqin_shared::payments::{CardStatus, Payer, check_card_uid};
use houqin_shared::services::Service;
use houqin_shared::sync::entity::{HOT_CARD, HOT_PAYER, KIOSK_POLICY, PAY_KEY};
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{
    canteen_windows, cards, kiosk_policies, kiosk_sequences, offline_exceptions, offline_sales,
    pay_code_uses, sales, sessions, user_roles, wallets,
};
use crate::error::{ApiError, ApiResult};
use crate::ledger;
use crate::notifications::{self, NewNotification};
use crate::sync::changes::Changes;
use crate::sync::commands::{Command, Ctx};

/// Offline sales older than this (by the kiosk's reckoning) are booked at
/// the edge of it: a kiosk clock far off must not move money into the past.
const MAX_BACKDATE_DAYS: i64 = 30;

/// What reconciliation is told about, one kind per row of `offline_exceptions`.
pub mod exception {
    /// A kiosk's sequence skipped numbers: sales may be missing.
    pub const SEQ_GAP: &str = "seq_gap";
    /// A kiosk sent a number it had used before, for another sale.
    pub const SEQ_REUSED: &str = "seq_reused";
    /// No card or pay key matched: the sale is recorded, no money moved.
    pub const UNKNOWN_PAYER: &str = "unknown_payer";
    /// The payer's money did not cover the sale: booked to their receivable.
    pub const SHORTFALL: &str = "shortfall";
    /// The card was frozen or replaced (the kiosk's hotlist was older).
    pub const HOT_CARD_SOLD: &str = "hot_card_sold";
    /// The pay code had been used before (online or at another kiosk).
    pub const CODE_REUSED: &str = "code_reused";
    /// The pay code's time was far from the sale's.
    pub const CODE_STALE: &str = "code_stale";
}

/// Who may read a campus's kiosk scope.
pub fn reads_kiosk_scope(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Cashier | Role::Supervisor))
}

pub async fn policy(conn: &impl ConnectionTrait, campus_id: Uuid) -> Result<KioskPolicy, DbErr> {
    Ok(kiosk_policies::Entity::find_by_id(campus_id)
        .one(conn)
        .await?
        .map(|p| KioskPolicy {
            per_sale: p.per_sale,
            per_card_day: p.per_card_day,
            per_kiosk: p.per_kiosk,
            max_hotlist_age_secs: p.max_hotlist_age_secs,
        })
        .unwrap_or_default())
}

fn hot_reason(status: &str, blocked: bool) -> Option<HotReason> {
    match CardStatus::from_slug(status) {
        Some(CardStatus::Frozen) => Some(HotReason::Frozen),
        Some(CardStatus::Replaced) => Some(HotReason::Replaced),
        _ if blocked => Some(HotReason::Owed),
        _ => None,
    }
}

fn hot_card(c: &cards::Model, reason: HotReason) -> HotCard {
    HotCard {
        card_id: CardId(c.id),
        uid: c.uid.clone(),
        reason,
    }
}

fn pay_key(s: &sessions::Model) -> Option<PayKey> {
    Some(PayKey {
        session_id: SessionId(s.id),
        user_id: UserId(s.user_id),
        public_key: s.device_public_key.clone()?,
    })
}

/// Everything `kiosk:{campus}` holds now (its first snapshot).
pub async fn materialize(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let json = |v: &dyn erased::Json| v.to_json();
    let mut rows = vec![(
        KIOSK_POLICY,
        campus_id,
        json(&policy(conn, campus_id).await?),
    )];
    let blocked: Vec<Uuid> = wallets::Entity::find()
        .select_only()
        .column(wallets::Column::UserId)
        .filter(wallets::Column::CampusId.eq(campus_id))
        .filter(wallets::Column::OfflineBlocked.eq(true))
        .into_tuple()
        .all(conn)
        .await?;
    for user in &blocked {
        let row = HotPayer {
            user_id: UserId(*user),
            reason: HotReason::Owed,
        };
        rows.push((HOT_PAYER, *user, json(&row)));
    }
    let mut hot = cards::Entity::find()
        .filter(cards::Column::CampusId.eq(campus_id))
        .filter(cards::Column::Status.ne(CardStatus::Active.slug()))
        .all(conn)
        .await?;
    if !blocked.is_empty() {
        for chunk in blocked.chunks(500) {
            hot.extend(
                cards::Entity::find()
                    .filter(cards::Column::UserId.is_in(chunk.iter().copied()))
                    .filter(cards::Column::Status.eq(CardStatus::Active.slug()))
                    .all(conn)
                    .await?,
            );
        }
    }
    for c in hot {
        if let Some(reason) = hot_reason(&c.status, true) {
            rows.push((HOT_CARD, hot_card_id(&c.uid), json(&hot_card(&c, reason))));
        }
    }
    let keys = sessions::Entity::find()
        .filter(sessions::Column::CampusId.eq(campus_id))
        .filter(sessions::Column::DevicePublicKey.is_not_null())
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::RefreshExpiresAt.gt(now))
        .all(conn)
        .await?;
    for s in keys {
        if let Some(k) = pay_key(&s) {
            rows.push((PAY_KEY, s.id, json(&k)));
        }
    }
    Ok(rows)
}

/// Small helper so `materialize` can serialise rows of different types.
mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// Brings one person's hotlist rows up to date (their cards, and whether
/// they may pay offline by code), in the caller's transaction.
pub async fn refresh_person(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    campus_id: Uuid,
    user_id: Uuid,
) -> Result<(), DbErr> {
    let blocked = wallets::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .is_some_and(|w| w.offline_blocked);
    let kiosk = scope::kiosk(campus_id);
    for c in cards::Entity::find()
        .filter(cards::Column::UserId.eq(user_id))
        .all(conn)
        .await?
    {
        let id = hot_card_id(&c.uid);
        match hot_reason(&c.status, blocked) {
            Some(reason) => changes.put(kiosk.clone(), HOT_CARD, id, &hot_card(&c, reason)),
            None => changes.delete(kiosk.clone(), HOT_CARD, id),
        }
    }
    if blocked {
        let row = HotPayer {
            user_id: UserId(user_id),
            reason: HotReason::Owed,
        };
        changes.put(kiosk, HOT_PAYER, user_id, &row);
    } else {
        changes.delete(kiosk, HOT_PAYER, user_id);
    }
    Ok(())
}

/// A new session's pay key reaches the kiosks.
pub fn session_opened(changes: &mut Changes, s: &sessions::Model) {
    if let Some(k) = pay_key(s) {
        changes.put(scope::kiosk(s.campus_id), PAY_KEY, s.id, &k);
    }
}

/// Sessions signed out (or about to be): their pay keys leave the kiosks.
pub async fn sessions_closed(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), DbErr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        let keyed = sessions::Entity::find()
            .filter(sessions::Column::Id.is_in(chunk.iter().copied()))
            .filter(sessions::Column::DevicePublicKey.is_not_null())
            .all(conn)
            .await?;
        for s in keyed {
            changes.delete(scope::kiosk(s.campus_id), PAY_KEY, s.id);
        }
    }
    Ok(())
}

/// Housekeeping: the pay keys of sessions that expired leave the kiosks.
/// Answers how many, and the scopes that moved (to poke).
pub async fn prune_pay_keys(
    db: &crate::db::Db,
    now: DateTime<Utc>,
) -> Result<(u64, Vec<String>), DbErr> {
    let stale: Vec<(Uuid, Uuid)> = crate::entities::sync_rows::Entity::find()
        .select_only()
        .column(crate::entities::sync_rows::Column::RowId)
        .column(crate::entities::sync_rows::Column::CampusId)
        .filter(crate::entities::sync_rows::Column::Entity.eq(PAY_KEY))
        .filter(crate::entities::sync_rows::Column::Data.is_not_null())
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut pruned = 0;
    let mut moved = Vec::new();
    for chunk in stale.chunks(200) {
        let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
        let expired: Vec<(Uuid, Uuid)> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::Id)
            .column(sessions::Column::CampusId)
            .filter(sessions::Column::Id.is_in(ids))
            .filter(
                sea_orm::Condition::any()
                    .add(sessions::Column::RefreshExpiresAt.lte(now))
                    .add(sessions::Column::RevokedAt.is_not_null()),
            )
            .into_tuple()
            .all(&db.conn)
            .await?;
        if expired.is_empty() {
            continue;
        }
        let tx = db.write().await?;
        let mut by_campus: std::collections::BTreeMap<Uuid, Changes> = Default::default();
        for (id, campus) in &expired {
            by_campus
                .entry(*campus)
                .or_default()
                .delete(scope::kiosk(*campus), PAY_KEY, *id);
        }
        for (campus, changes) in by_campus {
            moved.extend(crate::sync::changes::commit(&*tx, campus, changes, now).await?);
        }
        tx.commit().await?;
        pruned += expired.len() as u64;
    }
    moved.sort();
    moved.dedup();
    Ok((pruned, moved))
}

/// Where an exception was seen: the sale, its campus and kiosk, and when.
struct Spot<'a> {
    sale: &'a OfflineSale,
    campus_id: Uuid,
    kiosk: Uuid,
    now: DateTime<Utc>,
}

async fn note(
    conn: &impl ConnectionTrait,
    spot: &Spot<'_>,
    kind: &str,
    user_id: Option<Uuid>,
    amount: i64,
    detail: String,
) -> Result<(), DbErr> {
    let Spot {
        sale,
        campus_id,
        kiosk,
        now,
    } = *spot;
    tracing::warn!(kind, sale = %sale.id, %kiosk, amount, %detail, "offline sale needs reconciliation");
    offline_exceptions::Entity::insert(offline_exceptions::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(campus_id),
        kind: Set(kind.into()),
        kiosk_id: Set(Some(kiosk)),
        sale_id: Set(Some(sale.id.0)),
        window_id: Set(Some(sale.window_id.0)),
        user_id: Set(user_id),
        amount: Set(amount),
        detail: Set(detail.chars().take(300).collect()),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Advances the kiosk's sequence; a gap or a number used again is noted.
async fn advance_sequence(ctx: &Ctx<'_>, spot: &Spot<'_>) -> Result<(), DbErr> {
    let (sale, kiosk, campus_id) = (spot.sale, spot.kiosk, spot.campus_id);
    kiosk_sequences::Entity::insert(kiosk_sequences::ActiveModel {
        kiosk_id: Set(kiosk),
        campus_id: Set(campus_id),
        last_seq: Set(0),
        updated_at: Set(ctx.now),
    })
    .on_conflict(
        OnConflict::column(kiosk_sequences::Column::KioskId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(ctx.tx)
    .await?;
    let mut q = kiosk_sequences::Entity::find_by_id(kiosk);
    if ctx.tx.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let last = q.one(ctx.tx).await?.map(|r| r.last_seq).unwrap_or(0);
    let seq = i64::try_from(sale.kiosk_seq).unwrap_or(i64::MAX);
    if seq <= last {
        note(
            ctx.tx,
            spot,
            exception::SEQ_REUSED,
            None,
            sale.amount,
            format!("number {seq} arrived after {last}"),
        )
        .await?;
        return Ok(());
    }
    if seq > last + 1 {
        note(
            ctx.tx,
            spot,
            exception::SEQ_GAP,
            None,
            0,
            format!("numbers {} to {} never arrived", last + 1, seq - 1),
        )
        .await?;
    }
    kiosk_sequences::Entity::update_many()
        .col_expr(kiosk_sequences::Column::LastSeq, Expr::value(seq))
        .col_expr(kiosk_sequences::Column::UpdatedAt, Expr::value(ctx.now))
        .filter(kiosk_sequences::Column::KioskId.eq(kiosk))
        .exec(ctx.tx)
        .await?;
    Ok(())
}

/// Who the sale's payer is: a person, and the card used if any.
struct Resolved {
    kind: &'static str,
    reference: String,
    user_id: Option<Uuid>,
    card_id: Option<Uuid>,
}

async fn resolve_payer(ctx: &Ctx<'_>, spot: &Spot<'_>) -> ApiResult<Resolved> {
    let (sale, campus_id) = (spot.sale, spot.campus_id);
    match &sale.payer {
        Payer::Card { uid } => {
            let uid =
                check_card_uid(uid).map_err(|e| ApiError::validation("payer.uid", e.message))?;
            let card = cards::Entity::find()
                .filter(cards::Column::CampusId.eq(campus_id))
                .filter(cards::Column::Uid.eq(&uid))
                .one(ctx.tx)
                .await?;
            if let Some(c) = &card
                && c.status != CardStatus::Active.slug()
            {
                note(
                    ctx.tx,
                    spot,
                    exception::HOT_CARD_SOLD,
                    Some(c.user_id),
                    sale.amount,
                    format!(
                        "card {uid} was {} (kiosk hotlist version {})",
                        c.status, sale.hotlist_version
                    ),
                )
                .await?;
            }
            Ok(Resolved {
                kind: "card",
                reference: uid,
                user_id: card.as_ref().map(|c| c.user_id),
                card_id: card.map(|c| c.id),
            })
        }
        Payer::Qr { code } => {
            let (pc, sig) = PayCode::parse(code)?;
            let session = sessions::Entity::find_by_id(pc.session.0)
                .filter(sessions::Column::CampusId.eq(campus_id))
                .one(ctx.tx)
                .await?;
            // A key signed out since still proves who made the code.
            let signer = session.and_then(|s| {
                let key = s.device_public_key.clone()?;
                pc.verify(&sig, &key).then_some(s.user_id)
            });
            if let Some(user) = signer {
                if !pc.fresh(sale.at.timestamp()) {
                    note(
                        ctx.tx,
                        spot,
                        exception::CODE_STALE,
                        Some(user),
                        sale.amount,
                        format!("code made at {}, sold at {}", pc.at, sale.at.timestamp()),
                    )
                    .await?;
                }
                let fresh = pay_code_uses::Entity::insert(pay_code_uses::ActiveModel {
                    session_id: Set(pc.session.0),
                    at: Set(pc.at),
                    nonce: Set(i64::from(pc.nonce)),
                    campus_id: Set(campus_id),
                    used_at: Set(ctx.now),
                })
                .on_conflict(
                    OnConflict::columns([
                        pay_code_uses::Column::SessionId,
                        pay_code_uses::Column::At,
                        pay_code_uses::Column::Nonce,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(ctx.tx)
                .await?;
                if fresh == 0 {
                    note(
                        ctx.tx,
                        spot,
                        exception::CODE_REUSED,
                        Some(user),
                        sale.amount,
                        "the pay code had been used before".into(),
                    )
                    .await?;
                }
            }
            Ok(Resolved {
                kind: "qr",
                reference: pc.session.0.to_string(),
                user_id: signer,
                card_id: None,
            })
        }
    }
}

/// Tells the campus's managers (and the payer) about a shortfall.
async fn alert_shortfall(ctx: &mut Ctx<'_>, user_id: Uuid, shortfall: i64) -> Result<(), DbErr> {
    let campus_id = ctx.actor.campus_id;
    let yuan = houqin_shared::Money::fen(shortfall).to_string();
    let managers: Vec<Uuid> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .filter(user_roles::Column::CampusId.eq(campus_id))
        .filter(user_roles::Column::Role.eq(Role::Manager.as_str()))
        .into_tuple()
        .all(ctx.tx)
        .await?;
    for manager in managers {
        notifications::post(
            ctx.tx,
            &mut ctx.changes,
            NewNotification {
                campus_id,
                user_id: manager,
                service: Some(Service::Payments),
                title: LocalName::new("离线消费出现欠款", "Offline sale left money owing"),
                body: LocalName::new(
                    format!("一笔离线消费超出余额 {yuan}，已记入欠款并暂停该账户的离线支付。"),
                    format!(
                        "An offline sale exceeded the payer's balance by {yuan}; it was booked as owed and the account is blocked for offline payment."
                    ),
                ),
                link: Some("/s/payments".into()),
                at: ctx.now,
            },
        )
        .await?;
    }
    notifications::post(
        ctx.tx,
        &mut ctx.changes,
        NewNotification {
            campus_id,
            user_id,
            service: Some(Service::Payments),
            title: LocalName::new("校园卡欠款待还", "Your campus card owes money"),
            body: LocalName::new(
                format!("断网期间的消费超出余额 {yuan}。充值后自动还清，离线支付随即恢复。"),
                format!(
                    "Payments made while kiosks were offline exceeded your balance by {yuan}. Top up to pay it; offline payment resumes at once."
                ),
            ),
            link: Some("/s/payments".into()),
            at: ctx.now,
        },
    )
    .await?;
    Ok(())
}

impl Command for OfflineSale {
    fn allowed(roles: &[Role]) -> bool {
        reads_kiosk_scope(roles)
    }

    fn validate(&self) -> Result<(), FieldError> {
        OfflineSale::validate(self)
    }

    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let Some(kiosk) = ctx.client else {
            return Err(ApiError::validation(
                "name",
                "offline sales arrive through a kiosk's sync push",
            ));
        };
        let campus_id = ctx.actor.campus_id;
        let now = ctx.now;
        let spot = Spot {
            sale: &self,
            campus_id,
            kiosk,
            now,
        };
        let window = canteen_windows::Entity::find_by_id(self.window_id.0)
            .filter(canteen_windows::Column::CampusId.eq(campus_id))
            .one(ctx.tx)
            .await?
            .ok_or_else(|| ApiError::validation("window_id", "no such window"))?;
        if !ctx
            .actor
            .scopes
            .contains(&Scope::Canteen(window.canteen_id))
        {
            return Err(ApiError::Forbidden);
        }
        if let Some(prev) = offline_sales::Entity::find_by_id(self.id.0)
            .one(ctx.tx)
            .await?
        {
            let same = prev.amount == self.amount
                && prev.window_id == window.id
                && prev.kiosk_id == kiosk
                && prev.kiosk_seq == i64::try_from(self.kiosk_seq).unwrap_or(-1);
            return if same {
                Ok(())
            } else {
                Err(ApiError::Conflict {
                    message: "this sale id was used for another sale".into(),
                    field: Some("id".into()),
                })
            };
        }
        advance_sequence(ctx, &spot).await?;
        let sold_at = self.at.clamp(now - Duration::days(MAX_BACKDATE_DAYS), now);
        let mut row = offline_sales::Model {
            id: self.id.0,
            campus_id,
            window_id: window.id,
            kiosk_id: kiosk,
            kiosk_seq: i64::try_from(self.kiosk_seq).unwrap_or(i64::MAX),
            cashier_id: ctx.actor.user_id,
            payer_kind: String::new(),
            payer_ref: String::new(),
            user_id: None,
            amount: self.amount,
            from_subsidy: 0,
            from_wallet: 0,
            from_receivable: 0,
            status: "booked".into(),
            hotlist_version: i64::try_from(self.hotlist_version).unwrap_or(i64::MAX),
            sold_at,
            settled_at: now,
        };
        if let Some(online) = sales::Entity::find_by_id(self.id.0).one(ctx.tx).await? {
            // The online attempt reached the server before the kiosk gave up on it.
            if online.amount != self.amount || online.window_id != window.id {
                return Err(ApiError::Conflict {
                    message: "this sale id was used for another sale".into(),
                    field: Some("id".into()),
                });
            }
            let who = resolve_payer(ctx, &spot).await?;
            row.payer_kind = who.kind.into();
            row.payer_ref = who.reference;
            row.user_id = Some(online.payer_id);
            row.status = "duplicate".into();
            offline_sales::Entity::insert(offline_sales::ActiveModel::from(row))
                .exec_without_returning(ctx.tx)
                .await?;
            return Ok(());
        }
        let who = resolve_payer(ctx, &spot).await?;
        row.payer_kind = who.kind.into();
        row.payer_ref = who.reference.clone();
        row.user_id = who.user_id;
        let Some(user_id) = who.user_id else {
            note(
                ctx.tx,
                &spot,
                exception::UNKNOWN_PAYER,
                None,
                self.amount,
                format!("no {} matches {}", who.kind, who.reference),
            )
            .await?;
            row.status = "unmatched".into();
            offline_sales::Entity::insert(offline_sales::ActiveModel::from(row))
                .exec_without_returning(ctx.tx)
                .await?;
            return Ok(());
        };

        super::ensure_wallet(ctx.tx, campus_id, user_id, now).await?;
        let mut lock = wallets::Entity::find_by_id(user_id);
        if ctx.tx.get_database_backend() == DbBackend::Postgres {
            lock = lock.lock_exclusive();
        }
        let w = lock
            .one(ctx.tx)
            .await?
            .ok_or(ApiError::NotFound("wallet"))?;
        let subsidy = ledger::account_dto(&super::account(ctx.tx, w.subsidy_account_id).await?);
        let money = ledger::account_dto(&super::account(ctx.tx, w.wallet_account_id).await?);
        let from_subsidy = subsidy.available().clamp(0, self.amount);
        let from_wallet = money.available().clamp(0, self.amount - from_subsidy);
        let mut shortfall = self.amount - from_subsidy - from_wallet;
        let till = ledger::open_account(
            ctx.tx,
            campus_id,
            AccountKind::MerchantTill,
            Some(window.id),
            now,
        )
        .await?;
        let reference = Some(format!("offline sale {} #{}", self.id, self.kiosk_seq));
        let parts = |subsidy_part: i64, wallet_part: i64, owed_part: i64| {
            ledger::chain(
                self.id,
                reference.clone(),
                [
                    (
                        AccountId(w.subsidy_account_id),
                        AccountId(till.id),
                        subsidy_part,
                        TransferCode::SubsidySale,
                    ),
                    (
                        AccountId(w.wallet_account_id),
                        AccountId(till.id),
                        wallet_part,
                        TransferCode::Sale,
                    ),
                    (
                        AccountId(w.receivable_account_id),
                        AccountId(till.id),
                        owed_part,
                        TransferCode::Receivable,
                    ),
                ],
            )
        };
        let results = ledger::create_transfers(
            ctx.tx,
            campus_id,
            now,
            &parts(from_subsidy, from_wallet, shortfall),
        )
        .await?;
        let (from_subsidy, from_wallet) = match ledger::chain_outcome(&results) {
            Ok(()) => (from_subsidy, from_wallet),
            Err(Some(TransferError::ExceedsCredits | TransferError::AccountFrozen)) => {
                // A frozen wallet or subsidy: the whole sale is owed.
                shortfall = self.amount;
                let again =
                    ledger::create_transfers(ctx.tx, campus_id, now, &parts(0, 0, shortfall))
                        .await?;
                ledger::chain_outcome(&again).map_err(|e| {
                    ApiError::Internal(format!(
                        "offline sale {} could not be booked: {:?}",
                        self.id,
                        e.map(TransferError::slug)
                    ))
                })?;
                (0, 0)
            }
            Err(None | Some(TransferError::ExistsWithDifferentFields)) => {
                return Err(ApiError::Conflict {
                    message: "this sale id was already used for a transfer".into(),
                    field: Some("id".into()),
                });
            }
            Err(Some(other)) => {
                return Err(ApiError::Internal(format!(
                    "offline sale refused by the ledger: {}",
                    other.slug()
                )));
            }
        };
        sales::Entity::insert(sales::ActiveModel {
            id: Set(self.id.0),
            campus_id: Set(campus_id),
            window_id: Set(window.id),
            payer_id: Set(user_id),
            card_id: Set(who.card_id),
            method: Set(who.kind.into()),
            amount: Set(self.amount),
            from_subsidy: Set(from_subsidy),
            from_wallet: Set(from_wallet),
            cashier_id: Set(ctx.actor.user_id),
            status: Set("approved".into()),
            created_at: Set(now),
        })
        .exec_without_returning(ctx.tx)
        .await?;
        row.from_subsidy = from_subsidy;
        row.from_wallet = from_wallet;
        row.from_receivable = shortfall;
        offline_sales::Entity::insert(offline_sales::ActiveModel::from(row))
            .exec_without_returning(ctx.tx)
            .await?;
        if shortfall > 0 {
            note(
                ctx.tx,
                &spot,
                exception::SHORTFALL,
                Some(user_id),
                shortfall,
                format!(
                    "sale of {} fen: {from_subsidy} from subsidy, {from_wallet} from the wallet",
                    self.amount
                ),
            )
            .await?;
            if !w.offline_blocked {
                wallets::Entity::update_many()
                    .col_expr(wallets::Column::OfflineBlocked, Expr::value(true))
                    .col_expr(wallets::Column::UpdatedAt, Expr::value(now))
                    .filter(wallets::Column::UserId.eq(user_id))
                    .exec(ctx.tx)
                    .await?;
            }
            refresh_person(ctx.tx, &mut ctx.changes, campus_id, user_id).await?;
            alert_shortfall(ctx, user_id, shortfall).await?;
        }
        super::sync_wallet(ctx.tx, &mut ctx.changes, &w).await?;
        Ok(())
    }
}

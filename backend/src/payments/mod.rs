//! Campus card and payments (DESIGN.md, "Payments: the contract";
//! `shared::payments`): wallets and their limits, cards and their lifecycle,
//! charges at a window, top-ups. Money moves only through [`crate::ledger`].
//!
//! A charge is checked in this order, and a decline moves no money: the
//! window is in the cashier's canteen; the sale id is new (a retry answers
//! the first outcome); the card is known and active; above the no-PIN limit,
//! the PIN (wrong tries count even though the charge fails; three lock it for
//! half an hour); the daily limit; then the ledger (subsidy first, then the
//! wallet, linked: both or neither), which refuses an overdraft.
//!
//! Invariant: a person's charges take turns (their wallet row is locked for
//! the charge on PostgreSQL; SQLite has one writer), so the daily limit
//! holds under concurrent taps; the ledger alone guarantees no overdraft.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use houqin_shared::accounts::{Role, Scope};
use houqin_shared::audit::AuditAction;
use houqin_shared::ids::{AccountId, CardId, TransferId, UserId, WindowId};
use houqin_shared::ledger::{
    AccountKind, AuditReport, NewTransfer, TransferCode, TransferError, TransferResult,
};
use houqin_shared::paycode::PayCode;
use houqin_shared::payments::{
    Card, CardStatus, Charge, ChargeOutcome, DEFAULT_DAILY_LIMIT, DEFAULT_NO_PIN_LIMIT, Decline,
    IssueCard, PIN_LOCK_MINUTES, PIN_MAX_FAILURES, Payer, Refund, RefundOutcome, ReplaceCard,
    ReportCardLost, SetPin, ShiftSummary, Statement, StatementLine, TopUp, Wallet, WalletSettings,
    WalletSummary, WindowTakings, check_card_uid, check_pin,
};
use houqin_shared::sync::entity::{CARD, WALLET};
use houqin_shared::sync::scope;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::accounts::Caller;
use crate::accounts::password;
use crate::audit::{self, AuditRecord};
use crate::authz::Principal;
use crate::entities::{
    canteen_windows, cards, ledger_accounts, ledger_transfers, pay_code_uses, refunds, sales,
    sessions, users, wallets,
};
use crate::error::{ApiError, ApiResult, current_request_id};
use crate::extract::{Json, Path, Query};
use crate::http::ClientAddr;
use crate::ledger;
use crate::state::AppState;
use crate::sync::changes::{self, Changes};
use crate::sync::commands::{self, Command, Ctx};
use houqin_shared::error::FieldError;

pub mod offline;
pub mod settlement;

/// China Standard Time: the day a daily limit counts (no daylight saving).
fn campus_day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let Some(cst) = FixedOffset::east_opt(8 * 3600) else {
        return now;
    };
    let local = now
        .with_timezone(&cst)
        .date_naive()
        .and_time(NaiveTime::MIN);
    cst.from_local_datetime(&local)
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

pub fn card_dto(c: &cards::Model) -> Card {
    Card {
        id: CardId(c.id),
        user_id: UserId(c.user_id),
        uid: c.uid.clone(),
        status: CardStatus::from_slug(&c.status).unwrap_or(CardStatus::Frozen),
        issued_at: c.issued_at,
    }
}

/// The person's wallet, opened (with its ledger accounts) on first use.
pub async fn ensure_wallet(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<wallets::Model, DbErr> {
    if let Some(w) = wallets::Entity::find_by_id(user_id).one(conn).await? {
        return Ok(w);
    }
    let wallet =
        ledger::open_account(conn, campus_id, AccountKind::Wallet, Some(user_id), now).await?;
    let subsidy =
        ledger::open_account(conn, campus_id, AccountKind::Subsidy, Some(user_id), now).await?;
    let owed = ledger::open_account(
        conn,
        campus_id,
        AccountKind::OfflineReceivable,
        Some(user_id),
        now,
    )
    .await?;
    wallets::Entity::insert(wallets::ActiveModel {
        user_id: Set(user_id),
        campus_id: Set(campus_id),
        wallet_account_id: Set(wallet.id),
        subsidy_account_id: Set(subsidy.id),
        receivable_account_id: Set(owed.id),
        daily_limit: Set(DEFAULT_DAILY_LIMIT),
        no_pin_limit: Set(DEFAULT_NO_PIN_LIMIT),
        pin_hash: Set(None),
        pin_failures: Set(0),
        pin_locked_until: Set(None),
        offline_blocked: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(wallets::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    wallets::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("wallet".into()))
}

async fn account(conn: &impl ConnectionTrait, id: Uuid) -> Result<ledger_accounts::Model, DbErr> {
    ledger_accounts::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("ledger account {id}")))
}

/// Fen spent at windows since the start of today (campus time).
async fn spent_today(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let amounts: Vec<i64> = sales::Entity::find()
        .select_only()
        .column(sales::Column::Amount)
        .filter(sales::Column::PayerId.eq(user_id))
        .filter(sales::Column::Status.eq("approved"))
        .filter(sales::Column::CreatedAt.gte(campus_day_start(now)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(amounts.into_iter().sum())
}

pub async fn summary(
    conn: &impl ConnectionTrait,
    w: &wallets::Model,
) -> Result<WalletSummary, DbErr> {
    let money_row = account(conn, w.wallet_account_id).await?;
    let money = ledger::account_dto(&money_row);
    let subsidy = ledger::account_dto(&account(conn, w.subsidy_account_id).await?);
    let owed = ledger::account_dto(&account(conn, w.receivable_account_id).await?);
    Ok(WalletSummary {
        user_id: UserId(w.user_id),
        balance: money.balance(),
        available: money.available(),
        subsidy: subsidy.available(),
        owed: -owed.balance(),
        updated_at: money_row.updated_at,
    })
}

async fn view(
    conn: &impl ConnectionTrait,
    w: &wallets::Model,
    now: DateTime<Utc>,
) -> Result<Wallet, DbErr> {
    let s = summary(conn, w).await?;
    let cards = cards::Entity::find()
        .filter(cards::Column::UserId.eq(w.user_id))
        .order_by_desc(cards::Column::IssuedAt)
        .all(conn)
        .await?;
    Ok(Wallet {
        user_id: s.user_id,
        balance: s.balance,
        available: s.available,
        subsidy: s.subsidy,
        owed: s.owed,
        daily_limit: w.daily_limit,
        spent_today: spent_today(conn, w.user_id, now).await?,
        no_pin_limit: w.no_pin_limit,
        pin_set: w.pin_hash.is_some(),
        pin_locked_until: w.pin_locked_until.filter(|t| *t > now),
        cards: cards.iter().map(card_dto).collect(),
    })
}

/// Syncs the person's balance to their devices with this transaction.
pub(crate) async fn sync_wallet(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    w: &wallets::Model,
) -> Result<(), DbErr> {
    let s = summary(conn, w).await?;
    changes.put(scope::user(w.user_id), WALLET, w.user_id, &s);
    Ok(())
}

fn caller(addr: &ClientAddr) -> Caller<'_> {
    Caller {
        addr: &addr.0,
        request_id: current_request_id(),
    }
}

/// The caller's wallet: balance, limits and cards.
#[utoipa::path(get, path = "/wallet", tag = "payments",
    responses((status = 200, body = Wallet), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn get_wallet(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Wallet>> {
    let now = state.clock.now();
    if let Some(w) = wallets::Entity::find_by_id(p.user_id)
        .one(&state.db.conn)
        .await?
    {
        return Ok(Json(view(&state.db.conn, &w, now).await?));
    }
    let tx = state.db.write().await?;
    let w = ensure_wallet(&*tx, p.campus_id, p.user_id, now).await?;
    let out = view(&*tx, &w, now).await?;
    tx.commit().await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// Only this kind of movement (`sale`, `top_up`, …).
    pub code: Option<String>,
    /// From this campus day on (`YYYY-MM-DD`, inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// Up to this campus day (inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// Older than this transfer (the previous page's `next`).
    pub before: Option<Uuid>,
    /// Lines per page, 1–100 (default 30).
    pub limit: Option<u64>,
}

/// The caller's statement, newest first.
#[utoipa::path(get, path = "/wallet/transfers", tag = "payments", params(StatementQuery),
    responses((status = 200, body = Statement), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn statement(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<StatementQuery>,
) -> ApiResult<Json<Statement>> {
    use ledger_transfers::Column as T;
    let limit = q.limit.unwrap_or(30);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 100"));
    }
    let code = match q.code.as_deref() {
        None => None,
        Some(c) => Some(
            TransferCode::from_slug(c)
                .ok_or_else(|| ApiError::validation("code", "is not a kind of movement"))?,
        ),
    };
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::validation("to", "must not be before `from`"));
    }
    let conn = &state.db.conn;
    let Some(w) = wallets::Entity::find_by_id(p.user_id).one(conn).await? else {
        return Ok(Json(Statement {
            items: Vec::new(),
            next: None,
        }));
    };
    let mine = [
        w.wallet_account_id,
        w.subsidy_account_id,
        w.receivable_account_id,
    ];
    let mut query = ledger_transfers::Entity::find()
        .filter(
            Condition::any()
                .add(T::DebitAccountId.is_in(mine))
                .add(T::CreditAccountId.is_in(mine)),
        )
        .filter(T::Phase.is_in(["single", "post"]));
    if let Some(c) = code {
        query = query.filter(T::Code.eq(c.slug()));
    }
    if let Some(from) = q.from {
        query = query.filter(T::CreatedAt.gte(settlement::day_bounds(from).0));
    }
    if let Some(to) = q.to {
        query = query.filter(T::CreatedAt.lt(settlement::day_bounds(to).1));
    }
    if let Some(before) = q.before {
        let Some(at) = ledger_transfers::Entity::find_by_id(before)
            .one(conn)
            .await?
            .map(|t| t.created_at)
        else {
            return Err(ApiError::validation("before", "is not a transfer of yours"));
        };
        query = query.filter(
            Condition::any().add(T::CreatedAt.lt(at)).add(
                Condition::all()
                    .add(T::CreatedAt.eq(at))
                    .add(T::Id.lt(before)),
            ),
        );
    }
    let rows = query
        .order_by_desc(T::CreatedAt)
        .order_by_desc(T::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > limit;
    let items: Vec<StatementLine> = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(100))
        .map(|t| {
            let inflow = if mine.contains(&t.credit_account_id) {
                t.amount
            } else {
                0
            };
            let outflow = if mine.contains(&t.debit_account_id) {
                t.amount
            } else {
                0
            };
            StatementLine {
                transfer: ledger::transfer_dto(t),
                signed_amount: inflow - outflow,
            }
        })
        .collect();
    let next = more.then(|| items.last().map(|l| l.transfer.id)).flatten();
    Ok(Json(Statement { items, next }))
}

/// Adds money through the payment gateway — here the local simulator, which
/// always pays (the UI says so). A retried top-up (same id) is paid once.
/// Money owed from an offline overspend is collected first.
#[utoipa::path(post, path = "/wallet/top-ups", tag = "payments", request_body = TopUp,
    responses((status = 200, body = Wallet), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the id was used for something else"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn top_up(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<TopUp>,
) -> ApiResult<Json<Wallet>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let w = ensure_wallet(&*tx, p.campus_id, p.user_id, now).await?;
    let clearing =
        ledger::open_account(&*tx, p.campus_id, AccountKind::TopUpClearing, None, now).await?;
    let transfer = NewTransfer {
        reference: Some("gateway simulator".into()),
        ..NewTransfer::single(
            req.id,
            AccountId(clearing.id),
            AccountId(w.wallet_account_id),
            req.amount,
            TransferCode::TopUp,
        )
    };
    let result = ledger::create_transfers(&tx, p.campus_id, now, &[transfer]).await?;
    match result[0] {
        TransferResult::Created => {}
        TransferResult::Exists => {
            // Paid before: answer as things stand.
            let out = view(&*tx, &w, now).await?;
            return Ok(Json(out));
        }
        TransferResult::Failed {
            error: TransferError::ExistsWithDifferentFields,
        } => {
            return Err(ApiError::Conflict {
                message: "this top-up id was used for another amount".into(),
                field: Some("id".into()),
            });
        }
        TransferResult::Failed {
            error: TransferError::AccountFrozen,
        } => {
            return Err(ApiError::Conflict {
                message: "the account is frozen; ask the card office".into(),
                field: None,
            });
        }
        TransferResult::Failed { error } => {
            return Err(ApiError::Internal(format!(
                "top-up refused: {}",
                error.slug()
            )));
        }
    }
    let mut changes = Changes::default();
    collect_owed(&tx, &mut changes, p.campus_id, &w, now).await?;
    sync_wallet(&*tx, &mut changes, &w).await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    let out = view(&*tx, &w, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(out))
}

/// Pays what an offline overspend left owing from the wallet, as far as it
/// goes; once nothing is owed, offline payment is allowed again.
async fn collect_owed(
    tx: &sea_orm::DatabaseTransaction,
    changes: &mut Changes,
    campus_id: Uuid,
    w: &wallets::Model,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let owed = -ledger::account_dto(&account(tx, w.receivable_account_id).await?).balance();
    let available = ledger::account_dto(&account(tx, w.wallet_account_id).await?).available();
    let pay = owed.min(available);
    if pay > 0 {
        let collection = NewTransfer::single(
            TransferId::new(),
            AccountId(w.wallet_account_id),
            AccountId(w.receivable_account_id),
            pay,
            TransferCode::Collection,
        );
        ledger::create_transfers(tx, campus_id, now, &[collection]).await?;
    }
    if owed - pay.max(0) == 0 && w.offline_blocked {
        wallets::Entity::update_many()
            .col_expr(wallets::Column::OfflineBlocked, Expr::value(false))
            .col_expr(wallets::Column::UpdatedAt, Expr::value(now))
            .filter(wallets::Column::UserId.eq(w.user_id))
            .exec(tx)
            .await?;
        offline::refresh_person(tx, changes, campus_id, w.user_id).await?;
    }
    Ok(())
}

/// Sets the caller's daily limit and the amount payable without a PIN.
#[utoipa::path(put, path = "/wallet/settings", tag = "payments", request_body = WalletSettings,
    responses((status = 200, body = Wallet), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<WalletSettings>,
) -> ApiResult<Json<Wallet>> {
    req.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let w = ensure_wallet(&*tx, p.campus_id, p.user_id, now).await?;
    wallets::Entity::update_many()
        .col_expr(wallets::Column::DailyLimit, Expr::value(req.daily_limit))
        .col_expr(wallets::Column::NoPinLimit, Expr::value(req.no_pin_limit))
        .col_expr(wallets::Column::UpdatedAt, Expr::value(now))
        .filter(wallets::Column::UserId.eq(w.user_id))
        .exec(&*tx)
        .await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::WalletLimitsChanged, caller(&addr), now)
            .target(format!("user:{}", p.user_id))
            .detail(format!(
                "daily limit {} fen, no PIN up to {} fen",
                req.daily_limit, req.no_pin_limit
            )),
    )
    .await?;
    let w = ensure_wallet(&*tx, p.campus_id, p.user_id, now).await?;
    let out = view(&*tx, &w, now).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// Sets (or changes) the caller's payment PIN; the account password confirms it.
#[utoipa::path(put, path = "/wallet/pin", tag = "payments", request_body = SetPin,
    responses((status = 204), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_pin(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<SetPin>,
) -> ApiResult<StatusCode> {
    check_pin(&req.pin)?;
    let user = users::Entity::find_by_id(p.user_id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !password::verify(req.password.clone(), user.password_hash.clone()).await? {
        return Err(ApiError::validation("password", "the password is wrong"));
    }
    let hash = password::hash(req.pin.clone()).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let w = ensure_wallet(&*tx, p.campus_id, p.user_id, now).await?;
    wallets::Entity::update_many()
        .col_expr(wallets::Column::PinHash, Expr::value(Some(hash)))
        .col_expr(wallets::Column::PinFailures, Expr::value(0))
        .col_expr(
            wallets::Column::PinLockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(wallets::Column::UpdatedAt, Expr::value(now))
        .filter(wallets::Column::UserId.eq(w.user_id))
        .exec(&*tx)
        .await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::PaymentPinSet, caller(&addr), now)
            .target(format!("user:{}", p.user_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

fn is_card_office(p: &Principal) -> bool {
    p.has_role(Role::Manager) || p.has_role(Role::Admin)
}

/// Personalises a card for a person (the card office).
#[utoipa::path(post, path = "/cards", tag = "payments", request_body = IssueCard,
    responses((status = 201, body = Card), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the chip is already someone's card"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn issue_card(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<IssueCard>,
) -> ApiResult<(StatusCode, Json<Card>)> {
    let uid = check_card_uid(&req.uid)?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let owner = users::Entity::find_by_id(req.user_id.0)
        .filter(users::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("user_id", "no such person on this campus"))?;
    let card = new_card(&tx, &p, req.id.0, owner.id, &uid, now).await?;
    ensure_wallet(&*tx, p.campus_id, owner.id, now).await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::CardIssued, caller(&addr), now)
            .target(format!("card:{}", card.id))
            .detail(format!("for user:{} chip {uid}", owner.id)),
    )
    .await?;
    let mut changes = Changes::default();
    changes.put(scope::user(owner.id), CARD, card.id, &card_dto(&card));
    offline::refresh_person(&*tx, &mut changes, p.campus_id, owner.id).await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok((StatusCode::CREATED, Json(card_dto(&card))))
}

async fn new_card(
    tx: &sea_orm::DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    owner: Uuid,
    uid: &str,
    now: DateTime<Utc>,
) -> ApiResult<cards::Model> {
    if cards::Entity::find_by_id(id).one(tx).await?.is_some() {
        return Err(ApiError::Conflict {
            message: "a card with this id exists".into(),
            field: Some("id".into()),
        });
    }
    let taken = cards::Entity::find()
        .filter(cards::Column::CampusId.eq(p.campus_id))
        .filter(cards::Column::Uid.eq(uid))
        .one(tx)
        .await?;
    if taken.is_some() {
        return Err(ApiError::Conflict {
            message: "this chip is already a card".into(),
            field: Some("uid".into()),
        });
    }
    let card = cards::Model {
        id,
        campus_id: p.campus_id,
        user_id: owner,
        uid: uid.to_string(),
        status: CardStatus::Active.slug().into(),
        issued_at: now,
        updated_at: now,
    };
    cards::Entity::insert(cards::ActiveModel::from(card.clone()))
        .exec_without_returning(tx)
        .await?;
    Ok(card)
}

/// A card of the caller's campus that the caller may act on: their own, or
/// any for the card office.
async fn my_card(
    conn: &impl ConnectionTrait,
    p: &Principal,
    id: Uuid,
    field: &str,
) -> ApiResult<cards::Model> {
    let card = cards::Entity::find_by_id(id)
        .filter(cards::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?;
    match card {
        Some(c) if c.user_id == p.user_id || is_card_office(p) => Ok(c),
        _ if field.is_empty() => Err(ApiError::NotFound("card")),
        _ => Err(ApiError::validation(field, "no such card of yours")),
    }
}

async fn set_card_status(
    tx: &sea_orm::DatabaseTransaction,
    changes: &mut Changes,
    card: &cards::Model,
    status: CardStatus,
    now: DateTime<Utc>,
) -> Result<cards::Model, DbErr> {
    cards::Entity::update_many()
        .col_expr(cards::Column::Status, Expr::value(status.slug()))
        .col_expr(cards::Column::UpdatedAt, Expr::value(now))
        .filter(cards::Column::Id.eq(card.id))
        .exec(tx)
        .await?;
    let card = cards::Model {
        status: status.slug().into(),
        updated_at: now,
        ..card.clone()
    };
    changes.put(scope::user(card.user_id), CARD, card.id, &card_dto(&card));
    offline::refresh_person(tx, changes, card.campus_id, card.user_id).await?;
    Ok(card)
}

impl Command for ReportCardLost {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Freezes the card at once. Reporting a frozen card again changes
    /// nothing; a replaced card stays replaced.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let card = my_card(ctx.tx, ctx.actor, self.card_id.0, "card_id").await?;
        if card.status == CardStatus::Active.slug() {
            set_card_status(ctx.tx, &mut ctx.changes, &card, CardStatus::Frozen, ctx.now).await?;
            audit::record(
                ctx.tx,
                AuditRecord::by(
                    ctx.actor,
                    AuditAction::CardReportedLost,
                    Caller {
                        addr: "",
                        request_id: current_request_id(),
                    },
                    ctx.now,
                )
                .target(format!("card:{}", card.id)),
            )
            .await?;
        }
        Ok(())
    }
}

/// Reports a card lost: frozen at once, refused at every kiosk. The same
/// command syncs from an offline phone.
#[utoipa::path(post, path = "/cards/report-lost", tag = "payments", request_body = ReportCardLost,
    responses((status = 204), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn report_lost(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<ReportCardLost>,
) -> ApiResult<StatusCode> {
    commands::execute(&state, &p, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unfreezes a card found again (its owner or the card office). A replaced
/// card cannot come back.
#[utoipa::path(post, path = "/cards/{id}/unfreeze", tag = "payments",
    params(("id" = Uuid, Path, description = "the card")),
    responses((status = 200, body = Card), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the card was replaced")))]
pub async fn unfreeze(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Card>> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let card = my_card(&*tx, &p, id, "").await?;
    if card.status == CardStatus::Replaced.slug() {
        return Err(ApiError::Conflict {
            message: "this card was replaced and cannot be used again".into(),
            field: None,
        });
    }
    let mut changes = Changes::default();
    let card = set_card_status(&tx, &mut changes, &card, CardStatus::Active, now).await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::CardUnfrozen, caller(&addr), now)
            .target(format!("card:{}", card.id)),
    )
    .await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(card_dto(&card)))
}

/// Replaces a card (the card office): the old one is refused for good, the
/// new chip pays from the same wallet.
#[utoipa::path(post, path = "/cards/{id}/replace", tag = "payments", request_body = ReplaceCard,
    params(("id" = Uuid, Path, description = "the card being replaced")),
    responses((status = 201, body = Card), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn replace_card(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<ReplaceCard>,
) -> ApiResult<(StatusCode, Json<Card>)> {
    let uid = check_card_uid(&req.uid)?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let old = my_card(&*tx, &p, id, "").await?;
    if old.status == CardStatus::Replaced.slug() {
        return Err(ApiError::Conflict {
            message: "this card was already replaced".into(),
            field: None,
        });
    }
    let mut changes = Changes::default();
    set_card_status(&tx, &mut changes, &old, CardStatus::Replaced, now).await?;
    let card = new_card(&tx, &p, req.new_id.0, old.user_id, &uid, now).await?;
    changes.put(scope::user(card.user_id), CARD, card.id, &card_dto(&card));
    offline::refresh_person(&*tx, &mut changes, p.campus_id, card.user_id).await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::CardReplaced, caller(&addr), now)
            .target(format!("card:{}", old.id))
            .detail(format!("by card:{} chip {uid}", card.id)),
    )
    .await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok((StatusCode::CREATED, Json(card_dto(&card))))
}

fn declined(req: &Charge, decline: Decline, now: DateTime<Utc>) -> ChargeOutcome {
    ChargeOutcome {
        id: req.id,
        approved: false,
        decline: Some(decline),
        amount: req.amount,
        from_subsidy: 0,
        from_wallet: 0,
        balance_after: None,
        payer_name: None,
        pin_tries_left: None,
        offline: false,
        at: now,
    }
}

/// Charges a payer at a window of the cashier's canteen: approved, or
/// declined with the reason (a decline is an answer, not an error, and moves
/// no money). The sale id makes a retry safe.
#[utoipa::path(post, path = "/payments/charges", tag = "payments", request_body = Charge,
    responses((status = 200, body = ChargeOutcome), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody, description = "not a window of the cashier's canteen"),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the sale id was used for another sale"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn charge(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<Charge>,
) -> ApiResult<Json<ChargeOutcome>> {
    req.validate()?;
    let now = state.clock.now();
    let conn = &state.db.conn;
    let window = canteen_windows::Entity::find_by_id(req.window_id.0)
        .filter(canteen_windows::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::validation("window_id", "no such window"))?;
    if !p.scopes.contains(&Scope::Canteen(window.canteen_id)) {
        return Err(ApiError::Forbidden);
    }
    if let Some(sale) = sales::Entity::find_by_id(req.id.0).one(conn).await? {
        return replay(conn, &req, &sale).await.map(Json);
    }
    // Who pays: the card's owner, or the pay code's signer.
    let (payer_id, card_id, code) = match &req.payer {
        Payer::Card { uid } => {
            let uid =
                check_card_uid(uid).map_err(|e| ApiError::validation("payer.uid", e.message))?;
            let Some(card) = cards::Entity::find()
                .filter(cards::Column::CampusId.eq(p.campus_id))
                .filter(cards::Column::Uid.eq(&uid))
                .one(conn)
                .await?
            else {
                return Ok(Json(declined(&req, Decline::UnknownCard, now)));
            };
            match CardStatus::from_slug(&card.status) {
                Some(CardStatus::Active) => {}
                Some(CardStatus::Replaced) => {
                    return Ok(Json(declined(&req, Decline::CardReplaced, now)));
                }
                _ => return Ok(Json(declined(&req, Decline::CardFrozen, now))),
            }
            (card.user_id, Some(card.id), None)
        }
        Payer::Qr { code } => {
            let (pc, sig) = PayCode::parse(code)?;
            let session = sessions::Entity::find_by_id(pc.session.0)
                .filter(sessions::Column::CampusId.eq(p.campus_id))
                .one(conn)
                .await?;
            let signer = session.filter(|s| s.revoked_at.is_none()).and_then(|s| {
                let key = s.device_public_key.clone()?;
                pc.verify(&sig, &key).then_some(s.user_id)
            });
            let Some(user_id) = signer else {
                return Ok(Json(declined(&req, Decline::CodeInvalid, now)));
            };
            if !pc.fresh(now.timestamp()) {
                return Ok(Json(declined(&req, Decline::CodeExpired, now)));
            }
            (user_id, None, Some(pc))
        }
    };
    let payer = users::Entity::find_by_id(payer_id).one(conn).await?;
    let payer_name = payer.as_ref().map(|u| u.display_name.clone());

    // The PIN, in a transaction of its own: a wrong try counts even though
    // the charge fails.
    // Opened on first use; most payers have one (no write needed).
    let w = match wallets::Entity::find_by_id(payer_id).one(conn).await? {
        Some(w) => w,
        None => {
            let tx = state.db.write().await?;
            let w = ensure_wallet(&*tx, p.campus_id, payer_id, now).await?;
            tx.commit().await?;
            w
        }
    };
    // A pay code comes from the owner's signed-in phone: no PIN at the window.
    if code.is_none()
        && req.amount > w.no_pin_limit
        && let Some(outcome) = check_charge_pin(&state, &addr, &p, &req, &w, now).await?
    {
        return Ok(Json(outcome));
    }

    let tx = state.db.write().await?;
    let mut lock = wallets::Entity::find_by_id(w.user_id);
    if tx.get_database_backend() == DbBackend::Postgres {
        // This person's charges take turns, so the daily limit holds.
        lock = lock.lock_exclusive();
    }
    let w = lock.one(&*tx).await?.ok_or(ApiError::NotFound("wallet"))?;
    if sales::Entity::find_by_id(req.id.0)
        .one(&*tx)
        .await?
        .is_some()
    {
        // The same sale raced itself; the first one won.
        drop(tx);
        let sale = sales::Entity::find_by_id(req.id.0)
            .one(conn)
            .await?
            .ok_or(ApiError::NotFound("sale"))?;
        return replay(conn, &req, &sale).await.map(Json);
    }
    if spent_today(&*tx, w.user_id, now).await? + req.amount > w.daily_limit {
        return Ok(Json(declined(&req, Decline::DailyLimit, now)));
    }
    if let Some(pc) = code {
        // Once only: the first sale to record this code keeps it.
        let fresh = pay_code_uses::Entity::insert(pay_code_uses::ActiveModel {
            session_id: Set(pc.session.0),
            at: Set(pc.at),
            nonce: Set(i64::from(pc.nonce)),
            campus_id: Set(p.campus_id),
            used_at: Set(now),
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
        .exec_without_returning(&*tx)
        .await?;
        if fresh == 0 {
            return Ok(Json(declined(&req, Decline::CodeUsed, now)));
        }
    }
    let subsidy = ledger::account_dto(&account(&*tx, w.subsidy_account_id).await?);
    let from_subsidy = subsidy.available().clamp(0, req.amount);
    let from_wallet = req.amount - from_subsidy;
    let till = ledger::open_account(
        &*tx,
        p.campus_id,
        AccountKind::MerchantTill,
        Some(window.id),
        now,
    )
    .await?;
    let reference = Some(format!("sale {}", req.id));
    let parts = ledger::chain(
        req.id,
        reference,
        [
            (
                AccountId(w.subsidy_account_id),
                AccountId(till.id),
                from_subsidy,
                TransferCode::SubsidySale,
            ),
            (
                AccountId(w.wallet_account_id),
                AccountId(till.id),
                from_wallet,
                TransferCode::Sale,
            ),
        ],
    );
    let results = ledger::create_transfers(&tx, p.campus_id, now, &parts).await?;
    match ledger::chain_outcome(&results) {
        Ok(()) => {}
        Err(Some(TransferError::ExceedsCredits)) => {
            return Ok(Json(declined(&req, Decline::InsufficientFunds, now)));
        }
        Err(Some(TransferError::AccountFrozen)) => {
            return Ok(Json(declined(&req, Decline::AccountFrozen, now)));
        }
        Err(None | Some(TransferError::ExistsWithDifferentFields)) => {
            return Err(ApiError::Conflict {
                message: "this sale id was already used for a transfer".into(),
                field: Some("id".into()),
            });
        }
        Err(Some(other)) => {
            return Err(ApiError::Internal(format!(
                "sale refused: {}",
                other.slug()
            )));
        }
    }
    sales::Entity::insert(sales::ActiveModel {
        id: Set(req.id.0),
        campus_id: Set(p.campus_id),
        window_id: Set(window.id),
        payer_id: Set(w.user_id),
        card_id: Set(card_id),
        method: Set(if code.is_some() { "qr" } else { "card" }.into()),
        amount: Set(req.amount),
        from_subsidy: Set(from_subsidy),
        from_wallet: Set(from_wallet),
        cashier_id: Set(p.user_id),
        status: Set("approved".into()),
        created_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await?;
    let mut changes = Changes::default();
    sync_wallet(&*tx, &mut changes, &w).await?;
    let balance_after = ledger::account_dto(&account(&*tx, w.wallet_account_id).await?).balance();
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(ChargeOutcome {
        id: req.id,
        approved: true,
        decline: None,
        amount: req.amount,
        from_subsidy,
        from_wallet,
        balance_after: Some(balance_after),
        payer_name,
        pin_tries_left: None,
        offline: false,
        at: now,
    }))
}

/// The stored outcome of a sale charged before, if the retry is the same sale.
async fn replay(
    conn: &impl ConnectionTrait,
    req: &Charge,
    sale: &sales::Model,
) -> ApiResult<ChargeOutcome> {
    let card_uid = match sale.card_id {
        Some(id) => cards::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| c.uid),
        None => None,
    };
    let same_payer = match &req.payer {
        Payer::Card { uid } => card_uid.is_some_and(|u| u.eq_ignore_ascii_case(uid)),
        Payer::Qr { .. } => sale.method == "qr",
    };
    let same = sale.amount == req.amount && sale.window_id == req.window_id.0 && same_payer;
    if !same {
        return Err(ApiError::Conflict {
            message: "this sale id was used for another sale".into(),
            field: Some("id".into()),
        });
    }
    let payer = users::Entity::find_by_id(sale.payer_id).one(conn).await?;
    Ok(ChargeOutcome {
        id: req.id,
        approved: sale.status == "approved",
        decline: None,
        amount: sale.amount,
        from_subsidy: sale.from_subsidy,
        from_wallet: sale.from_wallet,
        balance_after: None,
        payer_name: payer.map(|u| u.display_name),
        pin_tries_left: None,
        offline: false,
        at: sale.created_at,
    })
}

/// Checks the PIN for a charge above the no-PIN limit. `Some` is a decline.
async fn check_charge_pin(
    state: &AppState,
    addr: &ClientAddr,
    p: &Principal,
    req: &Charge,
    w: &wallets::Model,
    now: DateTime<Utc>,
) -> ApiResult<Option<ChargeOutcome>> {
    if w.pin_locked_until.is_some_and(|t| t > now) {
        return Ok(Some(declined(req, Decline::PinLocked, now)));
    }
    let (Some(pin), Some(hash)) = (req.pin.clone(), w.pin_hash.clone()) else {
        // No PIN given, or none set yet (one is set in the app first).
        return Ok(Some(declined(req, Decline::PinRequired, now)));
    };
    let right = password::verify(pin, hash).await?;
    let tx = state.db.write().await?;
    // Re-read under the writer: concurrent wrong tries all count.
    let current = wallets::Entity::find_by_id(w.user_id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("wallet"))?;
    if right {
        if current.pin_failures != 0 {
            wallets::Entity::update_many()
                .col_expr(wallets::Column::PinFailures, Expr::value(0))
                .filter(wallets::Column::UserId.eq(w.user_id))
                .exec(&*tx)
                .await?;
        }
        tx.commit().await?;
        return Ok(None);
    }
    let failures = u32::try_from(current.pin_failures).unwrap_or(0) + 1;
    let locks = failures >= PIN_MAX_FAILURES;
    let locked_until = locks.then(|| now + Duration::minutes(PIN_LOCK_MINUTES));
    wallets::Entity::update_many()
        .col_expr(
            wallets::Column::PinFailures,
            Expr::value(if locks {
                0
            } else {
                i32::try_from(failures).unwrap_or(0)
            }),
        )
        .col_expr(wallets::Column::PinLockedUntil, Expr::value(locked_until))
        .col_expr(wallets::Column::UpdatedAt, Expr::value(now))
        .filter(wallets::Column::UserId.eq(w.user_id))
        .exec(&*tx)
        .await?;
    if locks {
        audit::record(
            &*tx,
            AuditRecord::by(p, AuditAction::PaymentPinLocked, caller(addr), now)
                .target(format!("user:{}", w.user_id))
                .detail(format!("{PIN_MAX_FAILURES} wrong PINs at a window")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(ChargeOutcome {
        pin_tries_left: Some(PIN_MAX_FAILURES.saturating_sub(failures)),
        ..declined(
            req,
            if locks {
                Decline::PinLocked
            } else {
                Decline::WrongPin
            },
            now,
        )
    }))
}

/// Money back for (part of) a sale at a window of the caller's canteen,
/// approved by a supervisor of that canteen: the caller if they are one,
/// else the supervisor's own credentials typed at the kiosk. Back to the
/// wallet first, then the subsidy, as the sale took them. A retried refund
/// (same id) is paid once.
#[utoipa::path(post, path = "/payments/refunds", tag = "payments", request_body = Refund,
    responses((status = 200, body = RefundOutcome), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody, description = "not a window of the caller's canteen"),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the id was used for another refund, or the till cannot cover it"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    axum::Extension(addr): axum::Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<Refund>,
) -> ApiResult<Json<RefundOutcome>> {
    req.validate()?;
    let now = state.clock.now();
    let conn = &state.db.conn;
    if let Some(done) = refunds::Entity::find_by_id(req.id.0).one(conn).await? {
        return replay_refund(conn, &req, &done).await.map(Json);
    }
    let sale = sales::Entity::find_by_id(req.sale_id.0)
        .filter(sales::Column::CampusId.eq(p.campus_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::validation("sale_id", "no such sale"))?;
    let window = canteen_windows::Entity::find_by_id(sale.window_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("window"))?;
    if !p.scopes.contains(&Scope::Canteen(window.canteen_id)) {
        return Err(ApiError::Forbidden);
    }
    let approver = approve_refund(conn, &p, &req, window.canteen_id).await?;

    let tx = state.db.write().await?;
    let done = refunded(&*tx, sale.id).await?;
    let left = sale.amount - done;
    if req.amount > left {
        return Err(ApiError::validation(
            "amount",
            format!("at most {left} fen of this sale is left to refund"),
        ));
    }
    let w = wallets::Entity::find_by_id(sale.payer_id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("wallet"))?;
    let wallet_left = (sale.from_wallet - done).max(0);
    let to_wallet = req.amount.min(wallet_left);
    let to_subsidy = req.amount - to_wallet;
    let till = ledger::open_account(
        &*tx,
        p.campus_id,
        AccountKind::MerchantTill,
        Some(window.id),
        now,
    )
    .await?;
    let reference = Some(format!("refund of sale {}", sale.id));
    let parts = ledger::chain(
        req.id,
        reference,
        [
            (
                AccountId(till.id),
                AccountId(w.wallet_account_id),
                to_wallet,
                TransferCode::Refund,
            ),
            (
                AccountId(till.id),
                AccountId(w.subsidy_account_id),
                to_subsidy,
                TransferCode::Refund,
            ),
        ],
    );
    let results = ledger::create_transfers(&tx, p.campus_id, now, &parts).await?;
    match ledger::chain_outcome(&results) {
        Ok(()) => {}
        Err(Some(TransferError::ExceedsCredits)) => {
            return Err(ApiError::Conflict {
                message: "the window's till cannot cover this refund (it was settled); ask the canteen office".into(),
                field: None,
            });
        }
        Err(_) => {
            return Err(ApiError::Conflict {
                message: "this refund id was already used for a transfer".into(),
                field: Some("id".into()),
            });
        }
    }
    refunds::Entity::insert(refunds::ActiveModel {
        id: Set(req.id.0),
        campus_id: Set(p.campus_id),
        sale_id: Set(sale.id),
        window_id: Set(window.id),
        amount: Set(req.amount),
        cashier_id: Set(p.user_id),
        supervisor_id: Set(approver.id),
        created_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await?;
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::PaymentRefunded, caller(&addr), now)
            .target(format!("sale:{}", sale.id))
            .detail(format!(
                "{} fen, approved by {}",
                req.amount, approver.username
            )),
    )
    .await?;
    let mut changes = Changes::default();
    sync_wallet(&*tx, &mut changes, &w).await?;
    let moved = changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(RefundOutcome {
        id: req.id,
        sale_id: req.sale_id,
        amount: req.amount,
        refunded: done + req.amount,
        approved_by: approver.display_name,
        at: now,
    }))
}

/// The supervisor who approves: the caller, or the one whose credentials
/// came with the request; either must supervise `canteen`.
async fn approve_refund(
    conn: &impl ConnectionTrait,
    p: &Principal,
    req: &Refund,
    canteen: Uuid,
) -> ApiResult<users::Model> {
    if p.has_role(Role::Supervisor) {
        return users::Entity::find_by_id(p.user_id)
            .one(conn)
            .await?
            .ok_or(ApiError::Unauthenticated);
    }
    let Some(approval) = &req.supervisor else {
        return Err(ApiError::validation(
            "supervisor",
            "a supervisor of this canteen must approve a refund",
        ));
    };
    let user = users::Entity::find()
        .filter(users::Column::CampusId.eq(p.campus_id))
        .filter(users::Column::Username.eq(approval.username.trim()))
        .filter(users::Column::Active.eq(true))
        .one(conn)
        .await?;
    // The same work whether or not the username exists.
    let hash = user.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let right = password::verify(approval.password.clone(), hash).await?;
    let supervises = match &user {
        Some(u) if right => {
            let (roles, scopes) = crate::authz::roles_and_scopes(conn, u.id).await?;
            roles.contains(&Role::Supervisor) && scopes.contains(&Scope::Canteen(canteen))
        }
        _ => false,
    };
    match user {
        Some(u) if supervises => Ok(u),
        _ => Err(ApiError::validation(
            "supervisor.password",
            "these are not the credentials of a supervisor of this canteen",
        )),
    }
}

/// Fen refunded of a sale so far.
async fn refunded(conn: &impl ConnectionTrait, sale_id: Uuid) -> Result<i64, DbErr> {
    let amounts: Vec<i64> = refunds::Entity::find()
        .select_only()
        .column(refunds::Column::Amount)
        .filter(refunds::Column::SaleId.eq(sale_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(amounts.into_iter().sum())
}

async fn replay_refund(
    conn: &impl ConnectionTrait,
    req: &Refund,
    done: &refunds::Model,
) -> ApiResult<RefundOutcome> {
    if done.sale_id != req.sale_id.0 || done.amount != req.amount {
        return Err(ApiError::Conflict {
            message: "this refund id was used for another refund".into(),
            field: Some("id".into()),
        });
    }
    let total = refunded(conn, done.sale_id).await?;
    let approver = users::Entity::find_by_id(done.supervisor_id)
        .one(conn)
        .await?;
    Ok(RefundOutcome {
        id: req.id,
        sale_id: req.sale_id,
        amount: done.amount,
        refunded: total,
        approved_by: approver.map(|u| u.display_name).unwrap_or_default(),
        at: done.created_at,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftQuery {
    /// When the shift began (RFC 3339); default: the start of today, campus time.
    pub since: Option<DateTime<Utc>>,
}

/// The caller's sales since the shift began, in total and per window: the
/// end-of-shift summary a cashier hands over.
#[utoipa::path(get, path = "/payments/shift", tag = "payments", params(ShiftQuery),
    responses((status = 200, body = ShiftSummary), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn shift(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ShiftQuery>,
) -> ApiResult<Json<ShiftSummary>> {
    let now = state.clock.now();
    let since = q.since.unwrap_or_else(|| campus_day_start(now));
    if since > now || now - since > Duration::days(31) {
        return Err(ApiError::validation(
            "since",
            "must be in the last 31 days and not in the future",
        ));
    }
    let rows: Vec<(Uuid, i64, i64)> = sales::Entity::find()
        .select_only()
        .column(sales::Column::WindowId)
        .column(sales::Column::Amount)
        .column(sales::Column::FromSubsidy)
        .filter(sales::Column::CashierId.eq(p.user_id))
        .filter(sales::Column::Status.eq("approved"))
        .filter(sales::Column::CreatedAt.gte(since))
        .filter(sales::Column::CreatedAt.lte(now))
        .into_tuple()
        .all(&state.db.conn)
        .await?;
    let mut windows: Vec<WindowTakings> = Vec::new();
    for (window, amount, _) in &rows {
        match windows.iter_mut().find(|w| w.window_id.0 == *window) {
            Some(w) => {
                w.sales += 1;
                w.total += amount;
            }
            None => windows.push(WindowTakings {
                window_id: WindowId(*window),
                sales: 1,
                total: *amount,
            }),
        }
    }
    windows.sort_by_key(|w| w.window_id);
    let refunded: Vec<i64> = refunds::Entity::find()
        .select_only()
        .column(refunds::Column::Amount)
        .filter(refunds::Column::CashierId.eq(p.user_id))
        .filter(refunds::Column::CreatedAt.gte(since))
        .filter(refunds::Column::CreatedAt.lte(now))
        .into_tuple()
        .all(&state.db.conn)
        .await?;
    Ok(Json(ShiftSummary {
        refunds: u32::try_from(refunded.len()).unwrap_or(u32::MAX),
        refunded: refunded.iter().sum(),
        cashier_id: UserId(p.user_id),
        since,
        until: now,
        sales: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        total: rows.iter().map(|r| r.1).sum(),
        from_subsidy: rows.iter().map(|r| r.2).sum(),
        windows,
    }))
}

/// Recomputes every ledger account from its transfers and checks the books
/// balance (managers). Every difference is listed.
#[utoipa::path(get, path = "/payments/audit", tag = "payments",
    responses((status = 200, body = AuditReport), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody)))]
pub async fn ledger_audit(State(state): State<AppState>) -> ApiResult<Json<AuditReport>> {
    Ok(Json(ledger::audit(&state.db).await?))
}

/// The rows of `user:{id}` this module owns, for the scope's first snapshot.
pub async fn user_rows(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let mut rows = Vec::new();
    for c in cards::Entity::find()
        .filter(cards::Column::UserId.eq(user_id))
        .all(conn)
        .await?
    {
        rows.push((
            CARD,
            c.id,
            serde_json::to_value(card_dto(&c)).unwrap_or_default(),
        ));
    }
    if let Some(w) = wallets::Entity::find_by_id(user_id).one(conn).await? {
        let s = summary(conn, &w).await?;
        rows.push((WALLET, user_id, serde_json::to_value(s).unwrap_or_default()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_in_china() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        // 07:59 UTC on 1 Dec is 15:59 in Beijing: the day began at 16:00 UTC on 30 Nov.
        assert_eq!(
            campus_day_start(at("2026-12-01T07:59:00Z").unwrap()),
            at("2026-11-30T16:00:00Z").unwrap()
        );
        // 16:30 UTC is 00:30 the next day in Beijing.
        assert_eq!(
            campus_day_start(at("2026-12-01T16:30:00Z").unwrap()),
            at("2026-12-01T16:00:00Z").unwrap()
        );
    }
}

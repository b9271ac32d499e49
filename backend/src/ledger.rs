//! The campus-card ledger (DESIGN.md, "Payments: the contract";
//! `shared::ledger` for the semantics). Double-entry, immutable transfers,
//! client-made transfer ids as idempotency keys, two-phase holds, linked
//! chains, balance limits — and an audit that recomputes every sum.
//!
//! [`create_transfers`] runs inside the caller's write transaction (a
//! payment, an order, a top-up), so a service's own rows and its money move
//! together. Each linked chain runs in a savepoint: it is made whole or not
//! at all, and a refused chain leaves no trace.
//!
//! Concurrency: an account's sums change only by one conditional `UPDATE`
//! whose `WHERE` holds the limit (`debits + amount ≤ credits + credit_limit`),
//! so two payments racing for the last yuan cannot both pass — on PostgreSQL
//! the second waits for the first's row lock and re-checks; on SQLite writers
//! take turns. The two accounts of a transfer are updated in id order, so
//! transfers in opposite directions cannot deadlock.
//!
//! Invariant: the sum of all accounts' `debits_posted` equals the sum of
//! their `credits_posted` (and likewise pending), and each account's sums
//! equal what its transfers add up to. [`audit`] checks both.

use chrono::{DateTime, Utc};
use houqin_shared::ids::{AccountId, TransferId, UserId};
use houqin_shared::ledger::{
    Account, AccountKind, AuditDifference, AuditReport, NewTransfer, Phase, Transfer, TransferCode,
    TransferError, TransferResult,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{
    ledger_accounts as accounts, ledger_pending as pending, ledger_transfers as transfers,
};

/// The holder of a campus-wide account.
const CAMPUS: &str = "campus";

/// Pending-transfer states.
const PENDING: &str = "pending";
const POSTED: &str = "posted";
const VOIDED: &str = "voided";
const EXPIRED: &str = "expired";

pub fn account_dto(r: &accounts::Model) -> Account {
    Account {
        id: AccountId(r.id),
        kind: AccountKind::from_slug(&r.kind).unwrap_or(AccountKind::Wallet),
        owner_id: r.owner_id.map(UserId),
        debits_posted: r.debits_posted,
        credits_posted: r.credits_posted,
        debits_pending: r.debits_pending,
        credits_pending: r.credits_pending,
        credit_limit: r.credit_limit,
        frozen: r.frozen,
    }
}

pub fn transfer_dto(r: &transfers::Model) -> Transfer {
    Transfer {
        id: TransferId(r.id),
        debit_account_id: AccountId(r.debit_account_id),
        credit_account_id: AccountId(r.credit_account_id),
        amount: r.amount,
        phase: Phase::from_slug(&r.phase).unwrap_or(Phase::Single),
        pending_id: r.pending_id.map(TransferId),
        code: TransferCode::from_slug(&r.code).unwrap_or(TransferCode::Correction),
        reference: r.reference.clone(),
        created_at: r.created_at,
    }
}

/// The account of `kind` held by `holder` (a user's, a till's or merchant's
/// id; `None` for a campus-wide account), opened on first use. Safe when two
/// transactions open the same one at once.
pub async fn open_account(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    kind: AccountKind,
    holder: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<accounts::Model, DbErr> {
    let holder_key = holder.map_or_else(|| CAMPUS.to_string(), |h| h.to_string());
    let existing = || {
        accounts::Entity::find()
            .filter(accounts::Column::CampusId.eq(campus_id))
            .filter(accounts::Column::Kind.eq(kind.slug()))
            .filter(accounts::Column::Holder.eq(holder_key.clone()))
    };
    // Opened once; found every other time (one statement).
    if let Some(account) = existing().one(conn).await? {
        return Ok(account);
    }
    let owner = matches!(
        kind,
        AccountKind::Wallet | AccountKind::Subsidy | AccountKind::OfflineReceivable
    )
    .then_some(holder)
    .flatten();
    accounts::Entity::insert(accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(campus_id),
        kind: Set(kind.slug().to_string()),
        holder: Set(holder_key.clone()),
        owner_id: Set(owner),
        debits_posted: Set(0),
        credits_posted: Set(0),
        debits_pending: Set(0),
        credits_pending: Set(0),
        credit_limit: Set(0),
        frozen: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            accounts::Column::CampusId,
            accounts::Column::Kind,
            accounts::Column::Holder,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    existing()
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("ledger account {}", kind.slug())))
}

/// Freezes or unfreezes an account: a frozen account takes no new transfers
/// (posting or voiding what it already holds still works).
pub async fn set_frozen(
    conn: &impl ConnectionTrait,
    account: AccountId,
    frozen: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    accounts::Entity::update_many()
        .col_expr(accounts::Column::Frozen, Expr::value(frozen))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(now))
        .filter(accounts::Column::Id.eq(account.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// A linked chain of single-phase transfers (all made or none) from the
/// parts with a positive amount; the first takes `id`, the others fresh ids.
pub fn chain(
    id: TransferId,
    reference: Option<String>,
    parts: impl IntoIterator<Item = (AccountId, AccountId, i64, TransferCode)>,
) -> Vec<NewTransfer> {
    let mut out: Vec<NewTransfer> = Vec::new();
    for (debit, credit, amount, code) in parts {
        if amount > 0 {
            let tid = if out.is_empty() {
                id
            } else {
                TransferId::new()
            };
            out.push(NewTransfer {
                linked: true,
                reference: reference.clone(),
                ..NewTransfer::single(tid, debit, credit, amount, code)
            });
        }
    }
    if let Some(last) = out.last_mut() {
        last.linked = false;
    }
    out
}

/// How a chain fared: `Ok` when every transfer was made now; `Err(Some(e))`
/// with the error of the transfer that failed it; `Err(None)` when its ids
/// were already used (a transfer `exists`).
pub fn chain_outcome(results: &[TransferResult]) -> Result<(), Option<TransferError>> {
    let failed = results.iter().find_map(|r| match r {
        TransferResult::Failed {
            error: TransferError::LinkedEventFailed,
        } => None,
        TransferResult::Failed { error } => Some(*error),
        _ => None,
    });
    match failed {
        Some(error) => Err(Some(error)),
        None if results.iter().all(|r| *r == TransferResult::Created) => Ok(()),
        None => Err(None),
    }
}

/// Makes `batch`'s transfers in order, each linked chain all or nothing, in
/// the caller's transaction. Answers one result per transfer. Only database
/// failures are errors; every rule a transfer breaks is its result.
pub async fn create_transfers(
    tx: &DatabaseTransaction,
    campus_id: Uuid,
    now: DateTime<Utc>,
    batch: &[NewTransfer],
) -> Result<Vec<TransferResult>, DbErr> {
    let mut results = Vec::with_capacity(batch.len());
    let mut start = 0;
    while start < batch.len() {
        // A chain runs to the first transfer not linked to the next.
        let end = batch[start..]
            .iter()
            .position(|t| !t.linked)
            .map(|i| start + i + 1);
        let Some(end) = end else {
            // The last chain is open: none of it is made.
            let n = batch.len() - start;
            results.extend(std::iter::repeat_n(
                TransferResult::Failed {
                    error: TransferError::LinkedChainOpen,
                },
                n,
            ));
            break;
        };
        results.extend(create_chain(tx, campus_id, now, &batch[start..end]).await?);
        start = end;
    }
    Ok(results)
}

async fn create_chain(
    tx: &DatabaseTransaction,
    campus_id: Uuid,
    now: DateTime<Utc>,
    chain: &[NewTransfer],
) -> Result<Vec<TransferResult>, DbErr> {
    // Holds past their timeout are released first, for good, whatever the
    // chain's fate.
    for t in chain {
        if let Some(p) = t.pending_id {
            expire_one(tx, campus_id, p.0, now).await?;
        }
    }
    let savepoint = tx.begin().await?;
    let mut results = Vec::with_capacity(chain.len());
    for (i, t) in chain.iter().enumerate() {
        let result = create_one(&savepoint, campus_id, now, t).await?;
        if let TransferResult::Failed { error } = result {
            savepoint.rollback().await?;
            let mut out = vec![
                TransferResult::Failed {
                    error: TransferError::LinkedEventFailed
                };
                chain.len()
            ];
            out[i] = TransferResult::Failed { error };
            return Ok(out);
        }
        results.push(result);
    }
    savepoint.commit().await?;
    Ok(results)
}

fn failed(error: TransferError) -> Result<TransferResult, DbErr> {
    Ok(TransferResult::Failed { error })
}

async fn create_one(
    tx: &DatabaseTransaction,
    campus_id: Uuid,
    now: DateTime<Utc>,
    t: &NewTransfer,
) -> Result<TransferResult, DbErr> {
    if t.validate().is_err() {
        return failed(TransferError::Invalid);
    }
    if let Some(existing) = transfers::Entity::find_by_id(t.id.0).one(tx).await? {
        return Ok(
            if existing.campus_id == campus_id && same_fields(&existing, t) {
                TransferResult::Exists
            } else {
                TransferResult::Failed {
                    error: TransferError::ExistsWithDifferentFields,
                }
            },
        );
    }
    let found = accounts::Entity::find()
        .filter(accounts::Column::CampusId.eq(campus_id))
        .filter(accounts::Column::Id.is_in([t.debit_account_id.0, t.credit_account_id.0]))
        .all(tx)
        .await?;
    let get = |id: AccountId| found.iter().find(|a| a.id == id.0).cloned();
    let (Some(debit), Some(credit)) = (get(t.debit_account_id), get(t.credit_account_id)) else {
        return failed(TransferError::AccountNotFound);
    };

    let amount = match t.phase {
        Phase::Single | Phase::Pending => {
            if debit.frozen || credit.frozen {
                return failed(TransferError::AccountFrozen);
            }
            let pending = t.phase == Phase::Pending;
            for (account, side) in ordered(&debit, &credit) {
                if let Err(error) = add(tx, account, side, t.amount, pending, now).await? {
                    return failed(error);
                }
            }
            t.amount
        }
        Phase::Post | Phase::Void => {
            let Some(pending_id) = t.pending_id else {
                return failed(TransferError::Invalid);
            };
            match resolve(tx, campus_id, now, t, pending_id.0, &debit, &credit).await? {
                Ok(amount) => amount,
                Err(error) => return failed(error),
            }
        }
    };

    let inserted = transfers::Entity::insert(transfers::ActiveModel {
        id: Set(t.id.0),
        campus_id: Set(campus_id),
        debit_account_id: Set(t.debit_account_id.0),
        credit_account_id: Set(t.credit_account_id.0),
        amount: Set(amount),
        phase: Set(t.phase.slug().to_string()),
        pending_id: Set(t.pending_id.map(|p| p.0)),
        timeout_secs: Set(t.timeout_secs.map(|s| i32::try_from(s).unwrap_or(i32::MAX))),
        code: Set(t.code.slug().to_string()),
        linked: Set(t.linked),
        reference: Set(t.reference.clone()),
        created_at: Set(now),
    })
    .exec_without_returning(tx)
    .await;
    // The same id made by a concurrent request that committed first
    // (PostgreSQL) fails here: the caller's transaction is spoilt and the
    // request fails; its retry answers `exists`.
    inserted?;
    if t.phase == Phase::Pending {
        let expires_at = t
            .timeout_secs
            .map(|s| now + chrono::Duration::seconds(i64::from(s)));
        pending::Entity::insert(pending::ActiveModel {
            transfer_id: Set(t.id.0),
            campus_id: Set(campus_id),
            state: Set(PENDING.to_string()),
            expires_at: Set(expires_at),
            resolved_by: Set(None),
            resolved_at: Set(None),
        })
        .exec_without_returning(tx)
        .await?;
    }
    Ok(TransferResult::Created)
}

/// A transfer's stored fields equal the request's (the amount of a post of
/// "all of it" is the amount it posted).
fn same_fields(r: &transfers::Model, t: &NewTransfer) -> bool {
    r.debit_account_id == t.debit_account_id.0
        && r.credit_account_id == t.credit_account_id.0
        && (r.amount == t.amount || (t.amount == 0 && matches!(t.phase, Phase::Post | Phase::Void)))
        && r.phase == t.phase.slug()
        && r.pending_id == t.pending_id.map(|p| p.0)
        && r.timeout_secs.map(i64::from) == t.timeout_secs.map(i64::from)
        && r.code == t.code.slug()
        && r.linked == t.linked
        && r.reference == t.reference
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Debit,
    Credit,
}

/// The two sides of a transfer in account-id order (the lock order).
fn ordered<'a>(
    debit: &'a accounts::Model,
    credit: &'a accounts::Model,
) -> [(&'a accounts::Model, Side); 2] {
    if debit.id <= credit.id {
        [(debit, Side::Debit), (credit, Side::Credit)]
    } else {
        [(credit, Side::Credit), (debit, Side::Debit)]
    }
}

/// Adds `amount` to one side of an account (posted or pending), if the
/// account's limit allows — checked in the same statement that writes.
async fn add(
    tx: &DatabaseTransaction,
    account: &accounts::Model,
    side: Side,
    amount: i64,
    pending: bool,
    now: DateTime<Utc>,
) -> Result<Result<(), TransferError>, DbErr> {
    use accounts::Column as C;
    let kind = AccountKind::from_slug(&account.kind);
    let column = match (side, pending) {
        (Side::Debit, false) => C::DebitsPosted,
        (Side::Debit, true) => C::DebitsPending,
        (Side::Credit, false) => C::CreditsPosted,
        (Side::Credit, true) => C::CreditsPending,
    };
    let mut update = accounts::Entity::update_many()
        .col_expr(column, Expr::col(column).add(amount))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(account.id))
        .filter(C::Frozen.eq(false));
    let capped = match side {
        Side::Debit => kind.is_some_and(AccountKind::debits_capped),
        Side::Credit => kind.is_some_and(AccountKind::credits_capped),
    };
    if capped {
        let limit = match side {
            // debits_posted + debits_pending + amount ≤ credits_posted + credit_limit
            Side::Debit => Expr::col(C::DebitsPosted)
                .add(Expr::col(C::DebitsPending))
                .add(amount)
                .lte(Expr::col(C::CreditsPosted).add(Expr::col(C::CreditLimit))),
            // credits_posted + credits_pending + amount ≤ debits_posted
            Side::Credit => Expr::col(C::CreditsPosted)
                .add(Expr::col(C::CreditsPending))
                .add(amount)
                .lte(Expr::col(C::DebitsPosted)),
        };
        update = update.filter(limit);
    }
    if update.exec(tx).await?.rows_affected == 1 {
        return Ok(Ok(()));
    }
    // Why not: frozen meanwhile, or the limit.
    let now_frozen = accounts::Entity::find_by_id(account.id)
        .one(tx)
        .await?
        .is_none_or(|a| a.frozen);
    Ok(Err(if now_frozen {
        TransferError::AccountFrozen
    } else if side == Side::Debit {
        TransferError::ExceedsCredits
    } else {
        TransferError::ExceedsDebits
    }))
}

/// Posts or voids pending transfer `pending_id`; answers the amount posted
/// (0 for a void).
async fn resolve(
    tx: &DatabaseTransaction,
    campus_id: Uuid,
    now: DateTime<Utc>,
    t: &NewTransfer,
    pending_id: Uuid,
    debit: &accounts::Model,
    credit: &accounts::Model,
) -> Result<Result<i64, TransferError>, DbErr> {
    use accounts::Column as C;
    let Some(held) = transfers::Entity::find_by_id(pending_id)
        .filter(transfers::Column::CampusId.eq(campus_id))
        .filter(transfers::Column::Phase.eq(Phase::Pending.slug()))
        .one(tx)
        .await?
    else {
        return Ok(Err(TransferError::PendingNotFound));
    };
    if held.debit_account_id != debit.id || held.credit_account_id != credit.id {
        return Ok(Err(TransferError::PendingAccountsDiffer));
    }
    let mut state_query = pending::Entity::find_by_id(pending_id);
    if tx.get_database_backend() == DbBackend::Postgres {
        // Two resolutions of one hold take turns.
        state_query = state_query.lock_exclusive();
    }
    let Some(state) = state_query.one(tx).await? else {
        return Ok(Err(TransferError::PendingNotFound));
    };
    match state.state.as_str() {
        PENDING => {}
        EXPIRED => return Ok(Err(TransferError::PendingExpired)),
        _ => return Ok(Err(TransferError::PendingAlreadyResolved)),
    }
    let amount = match t.phase {
        Phase::Post if t.amount == 0 => held.amount,
        Phase::Post if t.amount > held.amount => {
            return Ok(Err(TransferError::ExceedsPendingAmount));
        }
        Phase::Post => t.amount,
        _ => 0,
    };
    // Release the hold and post what is posted: within what was reserved, so
    // no limit can be crossed.
    for (account, side) in ordered(debit, credit) {
        let (pending_col, posted_col) = match side {
            Side::Debit => (C::DebitsPending, C::DebitsPosted),
            Side::Credit => (C::CreditsPending, C::CreditsPosted),
        };
        accounts::Entity::update_many()
            .col_expr(pending_col, Expr::col(pending_col).sub(held.amount))
            .col_expr(posted_col, Expr::col(posted_col).add(amount))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(account.id))
            .exec(tx)
            .await?;
    }
    pending::Entity::update_many()
        .col_expr(
            pending::Column::State,
            Expr::value(if t.phase == Phase::Post {
                POSTED
            } else {
                VOIDED
            }),
        )
        .col_expr(pending::Column::ResolvedBy, Expr::value(Some(t.id.0)))
        .col_expr(pending::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(pending::Column::TransferId.eq(pending_id))
        .exec(tx)
        .await?;
    Ok(Ok(amount))
}

/// Expires pending transfer `id` if its time is up: the hold is released.
async fn expire_one(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use accounts::Column as C;
    let mut query = pending::Entity::find_by_id(id)
        .filter(pending::Column::CampusId.eq(campus_id))
        .filter(pending::Column::State.eq(PENDING))
        .filter(pending::Column::ExpiresAt.lte(now));
    if conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    if query.one(conn).await?.is_none() {
        return Ok(false);
    }
    let Some(held) = transfers::Entity::find_by_id(id).one(conn).await? else {
        return Ok(false);
    };
    let mut sides = [
        (held.debit_account_id, C::DebitsPending),
        (held.credit_account_id, C::CreditsPending),
    ];
    sides.sort_by_key(|(account, _)| *account);
    for (account, column) in sides {
        accounts::Entity::update_many()
            .col_expr(column, Expr::col(column).sub(held.amount))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(account))
            .exec(conn)
            .await?;
    }
    pending::Entity::update_many()
        .col_expr(pending::Column::State, Expr::value(EXPIRED))
        .col_expr(pending::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(pending::Column::TransferId.eq(id))
        .exec(conn)
        .await?;
    Ok(true)
}

/// Expires every hold whose time is up (housekeeping); returns how many.
pub async fn expire_due(db: &crate::db::Db, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let due: Vec<(Uuid, Uuid)> = pending::Entity::find()
        .select_only()
        .column(pending::Column::TransferId)
        .column(pending::Column::CampusId)
        .filter(pending::Column::State.eq(PENDING))
        .filter(pending::Column::ExpiresAt.lte(now))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut expired = 0;
    for (id, campus_id) in due {
        let tx = db.write().await?;
        if expire_one(&*tx, campus_id, id, now).await? {
            expired += 1;
        }
        tx.commit().await?;
    }
    Ok(expired)
}

/// Recomputes every account's four sums from the transfers and compares them
/// with the stored ones, and checks that debits equal credits over all
/// accounts. Reads one snapshot; reports every difference.
pub async fn audit(db: &crate::db::Db) -> Result<AuditReport, DbErr> {
    let tx = db.conn.begin().await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .await?;
    }
    let stored = accounts::Entity::find().all(&tx).await?;
    let sums = |sql: &'static str| {
        let tx = &tx;
        async move {
            let rows = tx
                .query_all_raw(Statement::from_string(tx.get_database_backend(), sql))
                .await?;
            let mut out = std::collections::HashMap::new();
            for row in rows {
                let id: Uuid = row.try_get("", "account_id")?;
                let total: i64 = row.try_get("", "total")?;
                out.insert(id, total);
            }
            Ok::<_, DbErr>(out)
        }
    };
    let debits_posted = sums(
        "SELECT debit_account_id AS account_id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_transfers
         WHERE phase IN ('single', 'post') GROUP BY debit_account_id",
    )
    .await?;
    let credits_posted = sums(
        "SELECT credit_account_id AS account_id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_transfers
         WHERE phase IN ('single', 'post') GROUP BY credit_account_id",
    )
    .await?;
    let debits_pending = sums(
        "SELECT t.debit_account_id AS account_id, CAST(SUM(t.amount) AS BIGINT) AS total
         FROM ledger_transfers t JOIN ledger_pending p ON p.transfer_id = t.id
         WHERE t.phase = 'pending' AND p.state = 'pending' GROUP BY t.debit_account_id",
    )
    .await?;
    let credits_pending = sums(
        "SELECT t.credit_account_id AS account_id, CAST(SUM(t.amount) AS BIGINT) AS total
         FROM ledger_transfers t JOIN ledger_pending p ON p.transfer_id = t.id
         WHERE t.phase = 'pending' AND p.state = 'pending' GROUP BY t.credit_account_id",
    )
    .await?;
    let transfers = transfers::Entity::find().count(&tx).await?;

    let mut differences = Vec::new();
    let mut totals = [0i64; 4];
    for a in &stored {
        let fields = [
            ("debits_posted", a.debits_posted, &debits_posted),
            ("credits_posted", a.credits_posted, &credits_posted),
            ("debits_pending", a.debits_pending, &debits_pending),
            ("credits_pending", a.credits_pending, &credits_pending),
        ];
        for (i, (field, stored, computed)) in fields.into_iter().enumerate() {
            totals[i] = totals[i].saturating_add(stored);
            let computed = computed.get(&a.id).copied().unwrap_or(0);
            if stored != computed {
                differences.push(AuditDifference {
                    account_id: Some(AccountId(a.id)),
                    field: field.to_string(),
                    stored,
                    computed,
                });
            }
        }
    }
    // Transfers naming an account that does not exist.
    for (field, map) in [
        ("debits_posted", &debits_posted),
        ("credits_posted", &credits_posted),
    ] {
        for (id, total) in map {
            if !stored.iter().any(|a| a.id == *id) {
                differences.push(AuditDifference {
                    account_id: Some(AccountId(*id)),
                    field: format!("{field} (no such account)"),
                    stored: 0,
                    computed: *total,
                });
            }
        }
    }
    for (field, debits, credits) in [
        ("books_posted", totals[0], totals[1]),
        ("books_pending", totals[2], totals[3]),
    ] {
        if debits != credits {
            differences.push(AuditDifference {
                account_id: None,
                field: field.to_string(),
                stored: debits,
                computed: credits,
            });
        }
    }
    tx.commit().await?;
    Ok(AuditReport {
        accounts: stored.len() as u64,
        transfers,
        total_debits_posted: totals[0],
        total_credits_posted: totals[1],
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_link_all_but_the_last_and_skip_empty_parts() {
        let (a, b, c) = (AccountId::new(), AccountId::new(), AccountId::new());
        let id = TransferId::new();
        let parts = chain(
            id,
            Some("sale".into()),
            [
                (a, c, 0, TransferCode::SubsidySale),
                (b, c, 300, TransferCode::Sale),
                (a, c, 200, TransferCode::Sale),
            ],
        );
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].id, id, "the first part takes the caller's id");
        assert_ne!(parts[1].id, id);
        assert!(parts[0].linked && !parts[1].linked);
        assert_eq!(chain(id, None, [(a, b, 0, TransferCode::Sale)]), vec![]);

        let failed = |error| TransferResult::Failed { error };
        assert_eq!(chain_outcome(&[TransferResult::Created; 2]), Ok(()));
        assert_eq!(
            chain_outcome(&[
                failed(TransferError::LinkedEventFailed),
                failed(TransferError::ExceedsCredits)
            ]),
            Err(Some(TransferError::ExceedsCredits))
        );
        assert_eq!(
            chain_outcome(&[TransferResult::Exists, TransferResult::Created]),
            Err(None)
        );
    }
}

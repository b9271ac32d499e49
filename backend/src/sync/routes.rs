//! `POST /sync/push` and `GET /sync/pull`.

use axum::extract::State;
use houqin_shared::ApiErrorBody;
use houqin_shared::ids::CommandId;
use houqin_shared::sync::*;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::changes::{self, Changes};
use super::commands::{Ctx, dispatch, upcast};
use super::scopes;
use crate::authz::{Principal, load_principal};
use crate::entities::{sessions, sync_clients, sync_outcomes, sync_rows, sync_scopes};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

type E = ApiErrorBody;

fn seq_u64(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

fn outcome_of(row: &sync_outcomes::Model) -> CommandOutcome {
    let outcome = if row.status == "accepted" {
        Outcome::Accepted
    } else {
        Outcome::Rejected {
            code: serde_json::from_value(serde_json::Value::String(
                row.code.clone().unwrap_or_default(),
            ))
            .unwrap_or(houqin_shared::ErrorCode::Unknown),
            message: row.message.clone().unwrap_or_default(),
            field: row.field.clone(),
        }
    };
    CommandOutcome {
        command_id: CommandId(row.id),
        seq: seq_u64(row.seq),
        outcome,
    }
}

/// The session must be the device's own: commands are pushed by the client that queued them.
async fn check_device(state: &AppState, p: &Principal, client: Uuid) -> ApiResult<()> {
    let session = sessions::Entity::find_by_id(p.session_id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if session.device_id.as_deref() != Some(client.to_string().as_str()) {
        return Err(ApiError::validation(
            "client_id",
            "sign in on this device first: the session belongs to another device",
        ));
    }
    Ok(())
}

fn validate_push(req: &PushRequest) -> ApiResult<()> {
    if req.commands.len() > PUSH_MAX_COMMANDS {
        return Err(ApiError::validation(
            "commands",
            format!("at most {PUSH_MAX_COMMANDS} commands per push"),
        ));
    }
    for (i, c) in req.commands.iter().enumerate() {
        if c.seq == 0 || c.seq > i64::MAX as u64 {
            return Err(ApiError::validation(
                format!("commands[{i}].seq"),
                "must be at least 1",
            ));
        }
        if i > 0 && c.seq != req.commands[i - 1].seq + 1 {
            return Err(ApiError::validation(
                format!("commands[{i}].seq"),
                "commands must be consecutive",
            ));
        }
    }
    Ok(())
}

/// Applies a client's queued commands in `seq` order, each exactly once.
#[utoipa::path(post, path = "/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 401, body = E), (status = 403, body = E),
        (status = 413, body = E), (status = 422, body = E), (status = 503, body = E)))]
pub async fn push(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    validate_push(&req)?;
    let client = req.client_id.0;
    check_device(&state, &p, client).await?;
    let now = state.clock.now();
    // One transaction for the whole batch (group commit: one fsync, not one per
    // command). Each command still runs in its own savepoint, and an
    // infrastructure error rolls the whole batch back, so nothing half-applies.
    let tx = state.db.write().await?;
    sync_clients::Entity::insert(sync_clients::ActiveModel {
        id: Set(client),
        campus_id: Set(p.campus_id),
        last_applied_seq: Set(0),
        created_at: Set(now),
        last_seen_at: Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(sync_clients::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    let mut query = sync_clients::Entity::find_by_id(client);
    if tx.get_database_backend() == DbBackend::Postgres {
        // Held to commit: two pushes from one client never interleave.
        query = query.lock_exclusive();
    }
    let row = query.one(&*tx).await?.ok_or(ApiError::NotFound("client"))?;
    if row.campus_id != p.campus_id {
        return Err(ApiError::Forbidden);
    }
    let start = seq_u64(row.last_applied_seq);
    let mut last = start;
    let mut outcomes = Vec::new();
    let mut expected_seq = None;
    let mut moved = Vec::new();
    for cmd in req.commands {
        if cmd.seq <= last {
            let stored = sync_outcomes::Entity::find()
                .filter(sync_outcomes::Column::ClientId.eq(client))
                .filter(sync_outcomes::Column::Seq.eq(cmd.seq as i64))
                .one(&*tx)
                .await?;
            outcomes.extend(stored.as_ref().map(outcome_of));
            continue;
        }
        if cmd.seq > last + 1 {
            expected_seq = Some(last + 1);
            break;
        }
        let (outcome, scopes) = apply_next(&state, &p, client, &tx, &cmd, now).await?;
        moved.extend(scopes);
        outcomes.push(outcome);
        last = cmd.seq;
    }
    if last != start {
        sync_clients::Entity::update_many()
            .col_expr(
                sync_clients::Column::LastAppliedSeq,
                sea_orm::sea_query::Expr::value(last as i64),
            )
            .col_expr(
                sync_clients::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(sync_clients::Column::Id.eq(client))
            .exec(&*tx)
            .await?;
    }
    tx.commit().await?;
    moved.sort();
    moved.dedup();
    state.pokes.send(moved);
    Ok(Json(PushResponse {
        last_applied_seq: last,
        outcomes,
        expected_seq,
    }))
}

/// Runs the client's next command and stores its outcome, in the push's
/// transaction. Returns the outcome and the scopes it changed.
async fn apply_next(
    state: &AppState,
    p: &Principal,
    client: Uuid,
    tx: &sea_orm::DatabaseTransaction,
    cmd: &CommandEnvelope,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<(CommandOutcome, Vec<String>)> {
    // A reused command id is refused (the second fence), finally; its outcome is
    // stored under a fresh id (the original's row keeps the id), found again by
    // (client, seq) like every other.
    let reused = sync_outcomes::Entity::find_by_id(cmd.command_id.0)
        .one(tx)
        .await?
        .is_some();
    let outcome_id = if reused {
        Uuid::now_v7()
    } else {
        cmd.command_id.0
    };
    let outcome = if cmd.name.is_empty() || cmd.name.len() > 64 {
        // Refused alone, so one bad entry never blocks the commands queued after it.
        Err(ApiError::validation("name", "must be 1 to 64 characters"))
    } else if reused {
        Err(ApiError::Conflict {
            message: "this command id was already used".into(),
            field: Some("command_id".into()),
        })
    } else {
        run_command(state, p, client, cmd, tx, now).await?
    };
    let (status, code, message, field) = match &outcome {
        Ok(_) => ("accepted", None, None, None),
        Err(e) => {
            let body = rejection(e);
            (
                "rejected",
                Some(
                    serde_json::to_value(body.code)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                ),
                Some(body.message),
                body.field,
            )
        }
    };
    let stored = sync_outcomes::Model {
        id: outcome_id,
        campus_id: p.campus_id,
        client_id: client,
        seq: cmd.seq as i64,
        user_id: cmd.user_id.0,
        name: cmd.name.chars().take(64).collect(),
        status: status.into(),
        code,
        message,
        field,
        applied_at: now,
    };
    sync_outcomes::Entity::insert(sync_outcomes::ActiveModel::from(stored.clone()))
        .exec_without_returning(tx)
        .await?;
    Ok((outcome_of(&stored), outcome.unwrap_or_default()))
}

/// The public form of a refusal, as stored and shown to the user.
fn rejection(e: &ApiError) -> ApiErrorBody {
    let (message, field) = match e {
        ApiError::Validation { field, message } => (message.clone(), Some(field.clone())),
        ApiError::Conflict { message, field } => (message.clone(), field.clone()),
        other => (other.to_string(), None),
    };
    ApiErrorBody {
        code: e.code(),
        message,
        field,
        request_id: None,
    }
}

/// Runs the command inside a savepoint: a business refusal rolls back what it
/// wrote; an infrastructure error aborts the push (nothing advances).
async fn run_command(
    state: &AppState,
    p: &Principal,
    client: Uuid,
    cmd: &CommandEnvelope,
    tx: &sea_orm::DatabaseTransaction,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Result<Vec<String>, ApiError>> {
    let actor = match acting_user(state, p, client, cmd).await {
        Ok(actor) => actor,
        Err(e @ (ApiError::Db(_) | ApiError::Internal(_))) => return Err(e),
        Err(e) => return Ok(Err(e)),
    };
    let payload = match upcast(&cmd.name, cmd.schema_version, cmd.payload.clone()) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let savepoint = tx.begin().await?;
    let mut ctx = Ctx {
        tx: &savepoint,
        actor: &actor,
        now,
        changes: Changes::default(),
        client: Some(client),
    };
    match dispatch(&cmd.name, payload, &mut ctx).await {
        Ok(()) => {
            let moved = changes::commit(
                &savepoint,
                actor.campus_id,
                std::mem::take(&mut ctx.changes),
                now,
            )
            .await?;
            savepoint.commit().await?;
            Ok(Ok(moved))
        }
        Err(e @ (ApiError::Db(_) | ApiError::Internal(_) | ApiError::Unavailable(_))) => Err(e),
        Err(e) => {
            savepoint.rollback().await?;
            Ok(Err(e))
        }
    }
}

/// The command's author: the pushing user, or a user who signed in on this device
/// earlier (shared kiosks and tablets change hands between shifts).
async fn acting_user(
    state: &AppState,
    p: &Principal,
    client: Uuid,
    cmd: &CommandEnvelope,
) -> ApiResult<Principal> {
    if cmd.user_id.0 == p.user_id {
        return Ok(p.clone());
    }
    let signed_in_here = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(cmd.user_id.0))
        .filter(sessions::Column::DeviceId.eq(client.to_string()))
        .one(&state.db.conn)
        .await?;
    let Some(session) = signed_in_here else {
        return Err(ApiError::Forbidden);
    };
    let actor = load_principal(state, cmd.user_id.0, session.id)
        .await
        .map_err(|e| match e {
            ApiError::Unauthenticated => ApiError::Forbidden,
            other => other,
        })?;
    if actor.campus_id != p.campus_id {
        return Err(ApiError::Forbidden);
    }
    Ok(actor)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// This install's id (the `device_id` it signed in with).
    pub client_id: Uuid,
    /// The highest `seq` whose outcome the client has recorded.
    pub acked: Option<u64>,
    /// `scope@version` pairs, comma-separated.
    pub cursors: Option<String>,
    /// Most changes in this page (1–5000, default 1000).
    pub limit: Option<u32>,
}

/// Changes after the client's cursors in every scope the session may read.
#[utoipa::path(get, path = "/sync/pull", tag = "sync", params(PullQuery),
    responses((status = 200, body = PullResponse), (status = 401, body = E), (status = 422, body = E)))]
pub async fn pull(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<PullQuery>,
) -> ApiResult<Json<PullResponse>> {
    let limit = q.limit.unwrap_or(1000);
    if limit == 0 || limit > PULL_MAX_CHANGES {
        return Err(ApiError::validation("limit", "must be between 1 and 5000"));
    }
    check_device(&state, &p, q.client_id).await?;
    let now = state.clock.now();
    let mut cursors = std::collections::BTreeMap::new();
    for (i, part) in q
        .cursors
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if i >= 1000 {
            return Err(ApiError::validation("cursors", "too many cursors"));
        }
        let c = Cursor::decode(part).ok_or_else(|| {
            ApiError::validation("cursors", format!("not scope@version: {part:?}"))
        })?;
        cursors.insert(c.scope, c.version);
    }
    let authorized = scopes::authorized(&p);
    let dropped: Vec<String> = cursors
        .keys()
        .filter(|s| !authorized.contains(s))
        .cloned()
        .collect();

    // One snapshot for every scope, so a page never mixes two moments.
    let tx = if state.db.backend() == DbBackend::Postgres {
        state
            .db
            .conn
            .begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await?
    } else {
        state.db.conn.begin().await?
    };
    let mut remaining = u64::from(limit);
    let mut out = Vec::new();
    let mut more = false;
    for scope in authorized {
        let cursor = cursors.get(&scope).copied().unwrap_or(0);
        let Some(meta) = sync_scopes::Entity::find_by_id(scope.clone())
            .one(&tx)
            .await?
        else {
            // Not materialized yet: nothing has ever changed in it since it was
            // first read, so its snapshot comes straight from the domain tables.
            out.push(snapshot(&tx, &scope, now).await?);
            continue;
        };
        let current = seq_u64(meta.version);
        let reset = cursor == 0 || cursor < seq_u64(meta.horizon) || cursor > current;
        let from = if reset { 0 } else { cursor };
        if remaining == 0 {
            more |= from < current;
            continue;
        }
        let mut query = sync_rows::Entity::find()
            .filter(sync_rows::Column::Scope.eq(&scope))
            .filter(sync_rows::Column::Version.gt(from as i64));
        if reset {
            query = query.filter(sync_rows::Column::Data.is_not_null());
        }
        let asked = remaining;
        let mut rows = query
            .order_by_asc(sync_rows::Column::Version)
            .limit(asked)
            .all(&tx)
            .await?;
        let horizon = seq_u64(meta.horizon);
        let full_page = (rows.len() as u64) == asked;
        let mut covered = rows.last().map(|r| seq_u64(r.version));
        if reset && full_page && covered.is_some_and(|v| v < horizon) {
            // A snapshot page must not end below the tombstone horizon: the next
            // pull would take that cursor for a stale one and reset again, forever.
            // So the first page of a reset runs at least to the horizon.
            let after = rows.last().map(|r| r.version).unwrap_or(0);
            let rest = sync_rows::Entity::find()
                .filter(sync_rows::Column::Scope.eq(&scope))
                .filter(sync_rows::Column::Data.is_not_null())
                .filter(sync_rows::Column::Version.gt(after))
                .filter(sync_rows::Column::Version.lte(horizon as i64))
                .order_by_asc(sync_rows::Column::Version)
                .all(&tx)
                .await?;
            rows.extend(rest);
            // Every live row up to the horizon is in this page; the pruned
            // tombstones below it need not be: the client dropped its rows.
            covered = Some(horizon);
        }
        remaining = remaining.saturating_sub(rows.len() as u64);
        let last_version = covered;
        let complete = !full_page || last_version == Some(current);
        let version = if complete {
            current
        } else {
            last_version.unwrap_or(from)
        };
        more |= !complete;
        out.push(ScopeChanges {
            scope,
            reset,
            changes: rows
                .into_iter()
                .map(|r| Change {
                    entity: r.entity,
                    id: r.row_id,
                    version: seq_u64(r.version),
                    data: r.data.as_deref().and_then(|d| serde_json::from_str(d).ok()),
                })
                .collect(),
            version,
            checksum: complete.then(|| u64::from_ne_bytes(meta.checksum.to_ne_bytes())),
        });
    }
    let client = sync_clients::Entity::find_by_id(q.client_id)
        .one(&tx)
        .await?;
    let last_applied_seq = client
        .as_ref()
        .map(|c| seq_u64(c.last_applied_seq))
        .unwrap_or(0);
    let outcomes = sync_outcomes::Entity::find()
        .filter(sync_outcomes::Column::ClientId.eq(q.client_id))
        .filter(sync_outcomes::Column::Seq.gt(q.acked.unwrap_or(0).min(i64::MAX as u64) as i64))
        .order_by_asc(sync_outcomes::Column::Seq)
        .limit(1000)
        .all(&tx)
        .await?;
    tx.commit().await?;
    Ok(Json(PullResponse {
        scopes: out,
        dropped,
        last_applied_seq,
        outcomes: outcomes.iter().map(outcome_of).collect(),
        more,
        server_time: state.clock.now(),
    }))
}

/// The full contents of a scope nobody has changed since it existed: version 0.
async fn snapshot(
    conn: &impl ConnectionTrait,
    scope: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<ScopeChanges> {
    let rows = scopes::materialize(conn, scope, now).await?;
    let mut checksum = 0u64;
    let changes = rows
        .into_iter()
        .map(|(entity, id, data)| {
            let json = serde_json::to_string(&data).unwrap_or_default();
            checksum = checksum.wrapping_add(row_hash(entity, id, &json));
            Change {
                entity: entity.to_string(),
                id,
                version: 0,
                data: Some(data),
            }
        })
        .collect();
    Ok(ScopeChanges {
        scope: scope.to_string(),
        reset: true,
        changes,
        version: 0,
        checksum: Some(checksum),
    })
}

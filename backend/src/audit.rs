//! The audit log of security-relevant actions: who, what, to what, when, from where.

use axum::extract::State;
use chrono::{DateTime, Utc};
use houqin_shared::audit::{AuditAction, AuditEntry};
use houqin_shared::ids::{AuditId, UserId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::accounts::Caller;
use crate::authz::Principal;
use crate::entities::audit_log;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub struct AuditRecord {
    pub campus_id: Option<Uuid>,
    pub action: AuditAction,
    pub actor_id: Option<Uuid>,
    pub actor_username: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

impl AuditRecord {
    /// An action by a signed-in user.
    pub fn by(p: &Principal, action: AuditAction, caller: Caller<'_>, at: DateTime<Utc>) -> Self {
        Self {
            campus_id: Some(p.campus_id),
            action,
            actor_id: Some(p.user_id),
            actor_username: Some(p.username.clone()),
            target: None,
            ip: Some(caller.addr.to_string()),
            request_id: caller.request_id,
            detail: None,
            at,
        }
    }

    pub fn target(mut self, target: String) -> Self {
        self.target = Some(target);
        self
    }

    pub fn detail(mut self, detail: String) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Writes one entry, in the caller's transaction so it commits with the action.
pub async fn record(conn: &impl ConnectionTrait, r: AuditRecord) -> Result<(), sea_orm::DbErr> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(r.campus_id),
        at: Set(r.at),
        action: Set(r.action.as_str().to_string()),
        actor_id: Set(r.actor_id),
        actor_username: Set(r.actor_username.map(|u| u.chars().take(64).collect())),
        target: Set(r.target),
        ip: Set(r.ip),
        request_id: Set(r.request_id),
        detail: Set(r.detail),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only actions by this user.
    pub actor: Option<Uuid>,
    /// Entries before this one (for paging back in time).
    pub before: Option<Uuid>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u32>,
}

/// The audit log of the caller's campus, newest first. Failed logins for unknown
/// usernames belong to no campus and are shown to every campus's managers.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 500"));
    }
    let mut query = audit_log::Entity::find().filter(
        sea_orm::Condition::any()
            .add(audit_log::Column::CampusId.eq(p.campus_id))
            .add(audit_log::Column::CampusId.is_null()),
    );
    if let Some(action) = q.action {
        query = query.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(actor) = q.actor {
        query = query.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(before) = q.before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(audit_log::Column::Id)
        .limit(u64::from(limit))
        .all(&state.db.conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditEntry {
                id: AuditId(r.id),
                at: r.at,
                action: AuditAction::parse(&r.action).unwrap_or(AuditAction::DirectoryChanged),
                actor: r.actor_id.map(UserId),
                actor_username: r.actor_username,
                target: r.target,
                ip: r.ip,
                request_id: r.request_id,
                detail: r.detail,
            })
            .collect(),
    ))
}

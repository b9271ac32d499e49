//! Per-user notifications: persisted, read/unread, in both languages so each
//! user reads them in theirs. Services post with [`post`] inside their transaction.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use houqin_shared::ids::NotificationId;
use houqin_shared::notifications::{MarkRead, Notification, NotificationList};
use houqin_shared::services::Service;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::notifications as rows;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::state::AppState;
use crate::sync::changes::Changes;
use crate::sync::commands::{self, Command, Ctx};
use crate::sync::scopes::NOTIFICATION;
use houqin_shared::accounts::Role;
use houqin_shared::error::FieldError;
use houqin_shared::sync::scope;

pub struct NewNotification {
    pub campus_id: Uuid,
    pub user_id: Uuid,
    pub service: Option<Service>,
    pub title: LocalName,
    pub body: LocalName,
    pub link: Option<String>,
    pub at: DateTime<Utc>,
}

/// The wire form of a stored notification.
pub fn dto(r: rows::Model) -> Notification {
    Notification {
        id: NotificationId(r.id),
        service: r.service.as_deref().and_then(Service::from_slug),
        title: LocalName::new(r.title_zh, r.title_en),
        body: LocalName::new(r.body_zh, r.body_en),
        link: r.link,
        created_at: r.created_at,
        read_at: r.read_at,
    }
}

/// Posts a notification in the caller's transaction; it syncs to the user's devices.
pub async fn post(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    n: NewNotification,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    let user_id = n.user_id;
    let model = rows::ActiveModel {
        id: Set(id),
        campus_id: Set(n.campus_id),
        user_id: Set(n.user_id),
        service: Set(n.service.map(|s| s.slug().to_string())),
        title_zh: Set(n.title.zh),
        title_en: Set(n.title.en),
        body_zh: Set(n.body.zh),
        body_en: Set(n.body.en),
        link: Set(n.link),
        created_at: Set(n.at),
        read_at: Set(None),
    };
    rows::Entity::insert(model)
        .exec_without_returning(conn)
        .await?;
    if let Some(row) = rows::Entity::find_by_id(id).one(conn).await? {
        changes.put(scope::user(user_id), NOTIFICATION, id, &dto(row));
    }
    Ok(id)
}

/// The caller's latest notifications (at most 100) and their unread count.
#[utoipa::path(get, path = "/notifications", tag = "notifications",
    responses((status = 200, body = NotificationList), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<NotificationList>> {
    let conn = &state.db.conn;
    let items = rows::Entity::find()
        .filter(rows::Column::UserId.eq(p.user_id))
        .order_by_desc(rows::Column::Id)
        .limit(100)
        .all(conn)
        .await?;
    let unread = rows::Entity::find()
        .filter(rows::Column::UserId.eq(p.user_id))
        .filter(rows::Column::ReadAt.is_null())
        .count(conn)
        .await?;
    Ok(Json(NotificationList {
        items: items.into_iter().map(dto).collect(),
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
    }))
}

/// Marks the caller's own notifications read; ids of other users' are ignored.
/// An empty list marks all of them. The same command syncs from offline devices.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", request_body = MarkRead,
    responses((status = 204), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<MarkRead>,
) -> ApiResult<StatusCode> {
    commands::execute(&state, &p, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl Command for MarkRead {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        MarkRead::validate(self)
    }

    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let mut find = rows::Entity::find()
            .filter(rows::Column::UserId.eq(ctx.actor.user_id))
            .filter(rows::Column::ReadAt.is_null());
        if !self.ids.is_empty() {
            find = find.filter(rows::Column::Id.is_in(self.ids.iter().map(|id| id.0)));
        }
        let unread = find.all(ctx.tx).await?;
        for row in unread {
            let id = row.id;
            let read = rows::Model {
                read_at: Some(ctx.now),
                ..row
            };
            rows::Entity::update_many()
                .col_expr(rows::Column::ReadAt, Expr::value(Some(ctx.now)))
                .filter(rows::Column::Id.eq(id))
                .exec(ctx.tx)
                .await?;
            ctx.changes
                .put(scope::user(ctx.actor.user_id), NOTIFICATION, id, &dto(read));
        }
        Ok(())
    }
}

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
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;

pub struct NewNotification {
    pub campus_id: Uuid,
    pub user_id: Uuid,
    pub service: Option<Service>,
    pub title: LocalName,
    pub body: LocalName,
    pub link: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn post(conn: &impl ConnectionTrait, n: NewNotification) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    rows::Entity::insert(rows::ActiveModel {
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
    })
    .exec_without_returning(conn)
    .await?;
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
        items: items
            .into_iter()
            .map(|r| Notification {
                id: NotificationId(r.id),
                service: r.service.as_deref().and_then(Service::from_slug),
                title: LocalName::new(r.title_zh, r.title_en),
                body: LocalName::new(r.body_zh, r.body_en),
                link: r.link,
                created_at: r.created_at,
                read_at: r.read_at,
            })
            .collect(),
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
    }))
}

/// Marks the caller's own notifications read; ids of other users' are ignored.
/// An empty list marks all of them.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", request_body = MarkRead,
    responses((status = 204), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<MarkRead>,
) -> ApiResult<StatusCode> {
    if req.ids.len() > 500 {
        return Err(ApiError::validation("ids", "at most 500 ids at a time"));
    }
    let tx = state.db.write().await?;
    let mut update = rows::Entity::update_many()
        .col_expr(rows::Column::ReadAt, Expr::value(Some(state.clock.now())))
        .filter(rows::Column::UserId.eq(p.user_id))
        .filter(rows::Column::ReadAt.is_null());
    if !req.ids.is_empty() {
        update = update.filter(rows::Column::Id.is_in(req.ids.iter().map(|id| id.0)));
    }
    update.exec(&*tx).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Takeout to a dorm: each takeout order makes a delivery task that the
//! campus's couriers see, claim (one of them: `UPDATE … WHERE status =
//! 'open'`) and mark delivered; the student is told. The parcels service
//! will grow around it.

use axum::extract::State;
use chrono::{DateTime, Utc};
use houqin_shared::dining::{Delivery, DeliveryStatus};
use houqin_shared::ids::{BuildingId, CanteenId, OrderId, UserId, WindowId};
use houqin_shared::services::Service;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{delivery_tasks, orders};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::notifications::{self, NewNotification};
use crate::state::AppState;
use crate::sync::changes::{self, Changes};

pub fn view(t: &delivery_tasks::Model) -> Delivery {
    Delivery {
        id: OrderId(t.id),
        canteen_id: CanteenId(t.canteen_id),
        window_id: WindowId(t.window_id),
        building_id: BuildingId(t.building_id),
        room: t.room.clone(),
        number: t.number.clone(),
        slot: t.slot,
        fee: t.fee,
        status: DeliveryStatus::from_slug(&t.status).unwrap_or(DeliveryStatus::Open),
        courier_id: t.courier_id.map(UserId),
    }
}

/// The delivery task of a takeout order, made with the order.
pub async fn open_for(
    conn: &impl ConnectionTrait,
    order: &orders::Model,
    fee: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (Some(building), Some(room)) = (order.takeout_building_id, order.takeout_room.clone())
    else {
        return Ok(());
    };
    delivery_tasks::Entity::insert(delivery_tasks::ActiveModel {
        id: Set(order.id),
        campus_id: Set(order.campus_id),
        canteen_id: Set(order.canteen_id),
        window_id: Set(order.window_id),
        building_id: Set(building),
        room: Set(room),
        number: Set(order.number.clone()),
        slot: Set(order.slot),
        fee: Set(fee),
        status: Set(DeliveryStatus::Open.slug().into()),
        courier_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A cancelled order's delivery is cancelled too (if nobody took it yet).
pub async fn cancel_for(
    conn: &impl ConnectionTrait,
    order: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    delivery_tasks::Entity::update_many()
        .col_expr(
            delivery_tasks::Column::Status,
            Expr::value(DeliveryStatus::Cancelled.slug()),
        )
        .col_expr(delivery_tasks::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_tasks::Column::Id.eq(order))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deliveries waiting for a courier, and the caller's own not yet delivered.
#[utoipa::path(get, path = "/deliveries", tag = "dining",
    responses((status = 200, body = Vec<Delivery>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody)))]
pub async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Delivery>>> {
    let rows = delivery_tasks::Entity::find()
        .filter(delivery_tasks::Column::CampusId.eq(p.campus_id))
        .filter(
            Condition::any()
                .add(delivery_tasks::Column::Status.eq(DeliveryStatus::Open.slug()))
                .add(
                    Condition::all()
                        .add(delivery_tasks::Column::Status.eq(DeliveryStatus::Claimed.slug()))
                        .add(delivery_tasks::Column::CourierId.eq(p.user_id)),
                ),
        )
        .order_by_asc(delivery_tasks::Column::Slot)
        .all(&state.db.conn)
        .await?;
    Ok(Json(rows.iter().map(view).collect()))
}

async fn step(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    from: DeliveryStatus,
    to: DeliveryStatus,
) -> ApiResult<Delivery> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let task = delivery_tasks::Entity::find_by_id(id)
        .filter(delivery_tasks::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("delivery"))?;
    let mut update = delivery_tasks::Entity::update_many()
        .col_expr(delivery_tasks::Column::Status, Expr::value(to.slug()))
        .col_expr(delivery_tasks::Column::UpdatedAt, Expr::value(now))
        .filter(delivery_tasks::Column::Id.eq(id))
        .filter(delivery_tasks::Column::Status.eq(from.slug()));
    if to == DeliveryStatus::Claimed {
        update = update.col_expr(
            delivery_tasks::Column::CourierId,
            Expr::value(Some(p.user_id)),
        );
    } else {
        update = update.filter(delivery_tasks::Column::CourierId.eq(p.user_id));
    }
    let moved = update.exec(&*tx).await?;
    if moved.rows_affected == 0 {
        return Err(ApiError::Conflict {
            message: match to {
                DeliveryStatus::Claimed => "another courier took this delivery".into(),
                _ => "this delivery is not yours to mark delivered".into(),
            },
            field: None,
        });
    }
    let mut changes = Changes::default();
    if to == DeliveryStatus::Delivered
        && let Some(user) = orders::Entity::find_by_id(id)
            .one(&*tx)
            .await?
            .and_then(|o| o.user_id)
    {
        notifications::post(
            &*tx,
            &mut changes,
            NewNotification {
                campus_id: p.campus_id,
                user_id: user,
                service: Some(Service::Dining),
                title: LocalName::new(
                    format!("{} 号外卖已送达", task.number),
                    format!("Takeout {} delivered", task.number),
                ),
                body: LocalName::new(
                    format!("已送到 {} 房间。", task.room),
                    format!("Left at room {}.", task.room),
                ),
                link: Some("/s/dining".into()),
                at: now,
            },
        )
        .await?;
    }
    let moved_scopes = changes::commit(&*tx, p.campus_id, changes, now).await?;
    let task = delivery_tasks::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("delivery"))?;
    tx.commit().await?;
    state.pokes.send(moved_scopes);
    Ok(view(&task))
}

/// Takes an open delivery (couriers); the first to claim it has it.
#[utoipa::path(post, path = "/deliveries/{id}/claim", tag = "dining",
    params(("id" = Uuid, Path, description = "the delivery (its order's id)")),
    responses((status = 200, body = Delivery), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "already claimed")))]
pub async fn claim(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Delivery>> {
    step(
        &state,
        &p,
        id,
        DeliveryStatus::Open,
        DeliveryStatus::Claimed,
    )
    .await
    .map(Json)
}

/// Marks the caller's delivery delivered; the student is told.
#[utoipa::path(post, path = "/deliveries/{id}/deliver", tag = "dining",
    params(("id" = Uuid, Path, description = "the delivery (its order's id)")),
    responses((status = 200, body = Delivery), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "not the caller's claimed delivery")))]
pub async fn deliver(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Delivery>> {
    step(
        &state,
        &p,
        id,
        DeliveryStatus::Claimed,
        DeliveryStatus::Delivered,
    )
    .await
    .map(Json)
}

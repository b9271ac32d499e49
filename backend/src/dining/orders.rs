//! Orders: placed ahead (a synced command, so offline too), paid by a
//! ledger hold, cancelled until cooking starts (hold voided, portion and
//! slot given back), moved along the window's one queue (cooking, ready —
//! the owner is told —, picked up: hold posted), and walk-in sales joining
//! the same queue.
//!
//! Invariant: an order's status changes only by `UPDATE … WHERE status =
//! <the status it moves from>`, so "cancel" and "start cooking" racing for
//! the same order are decided once: exactly one of them happens.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use houqin_shared::accounts::{Role, Scope};
use houqin_shared::calendar::MealPeriod;
use houqin_shared::dining::{
    AdvanceOrder, CancelOrder, LineRequest, MAX_DAYS_AHEAD, Order, OrderLine, OrderSource,
    OrderStatus, PlaceOrder, SLOT_MINUTES, TAKEOUT_FEE, Takeout, order_number, period_from_slug,
    period_slots, period_slug, portions_id, ready_estimate, slot_id, slot_start,
};
use houqin_shared::error::FieldError;
use houqin_shared::ids::{
    AccountId, BuildingId, CanteenId, DishId, OrderId, TransferId, UserId, WindowId,
};
use houqin_shared::kiosk::campus_day;
use houqin_shared::ledger::{
    AccountKind, NewTransfer, Phase, TransferCode, TransferError, TransferResult,
};
use houqin_shared::services::Service;
use houqin_shared::sync::entity::{ORDER, PORTIONS, SLOT};
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use super::{ensure_day, portions_view, slot_view, window_setup};
use crate::authz::Principal;
use crate::entities::{
    buildings, canteen_windows, dishes, order_counters, order_lines, orders, portions, slot_loads,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::ledger;
use crate::notifications::{self, NewNotification};
use crate::state::AppState;
use crate::sync::changes::Changes;
use crate::sync::commands::{self, Command, Ctx};

/// A hold outlives its pickup slot by this much, then expires (the money is
/// free again) if nobody picked the order up.
const HOLD_GRACE_HOURS: i64 = 3;

fn conflict(message: impl Into<String>, field: Option<String>) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        field,
    }
}

pub fn order_view(o: &orders::Model, lines: &[order_lines::Model]) -> Order {
    Order {
        id: OrderId(o.id),
        user_id: o.user_id.map(UserId),
        canteen_id: CanteenId(o.canteen_id),
        window_id: WindowId(o.window_id),
        source: if o.source == "walk_in" {
            OrderSource::WalkIn
        } else {
            OrderSource::App
        },
        day: NaiveDate::parse_from_str(&o.day, "%Y-%m-%d").unwrap_or_default(),
        period: period_from_slug(&o.period).unwrap_or(MealPeriod::Lunch),
        slot: o.slot,
        lines: lines
            .iter()
            .map(|l| OrderLine {
                dish_id: DishId(l.dish_id),
                name: LocalName::new(l.name_zh.clone(), l.name_en.clone()),
                quantity: u32::try_from(l.quantity).unwrap_or(0),
                price: l.price,
            })
            .collect(),
        total: o.total,
        takeout: o.takeout_building_id.map(|b| Takeout {
            building_id: BuildingId(b),
            room: o.takeout_room.clone().unwrap_or_default(),
        }),
        status: OrderStatus::from_slug(&o.status).unwrap_or(OrderStatus::Placed),
        number: o.number.clone(),
        ready_at: o.ready_at,
        placed_at: o.created_at,
        updated_at: o.updated_at,
    }
}

async fn lines_of(
    conn: &impl ConnectionTrait,
    order: Uuid,
) -> Result<Vec<order_lines::Model>, DbErr> {
    order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(order))
        .order_by_asc(order_lines::Column::Id)
        .all(conn)
        .await
}

/// The order's row in its owner's scope and its canteen's queue.
async fn publish(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    o: &orders::Model,
) -> Result<Order, DbErr> {
    let view = order_view(o, &lines_of(conn, o.id).await?);
    if let Some(user) = o.user_id {
        changes.put(scope::user(user), ORDER, o.id, &view);
    }
    changes.put(scope::queue(o.canteen_id), ORDER, o.id, &view);
    Ok(view)
}

/// Every order row a scope holds: a person's last 50, or a canteen's today.
pub async fn user_rows(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let list = orders::Entity::find()
        .filter(orders::Column::UserId.eq(user))
        .order_by_desc(orders::Column::CreatedAt)
        .limit(50)
        .all(conn)
        .await?;
    rows(conn, list).await
}

pub async fn queue_rows(
    conn: &impl ConnectionTrait,
    canteen: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let list = orders::Entity::find()
        .filter(orders::Column::CanteenId.eq(canteen))
        .filter(orders::Column::Day.eq(campus_day(now).to_string()))
        .all(conn)
        .await?;
    rows(conn, list).await
}

async fn rows(
    conn: &impl ConnectionTrait,
    list: Vec<orders::Model>,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let mut out = Vec::with_capacity(list.len());
    for o in list {
        let view = order_view(&o, &lines_of(conn, o.id).await?);
        out.push((ORDER, o.id, serde_json::to_value(view).unwrap_or_default()));
    }
    Ok(out)
}

/// The next number called at a window on a day.
async fn next_number(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    window: &canteen_windows::Model,
    day: &str,
) -> Result<String, DbErr> {
    order_counters::Entity::insert(order_counters::ActiveModel {
        window_id: Set(window.id),
        day: Set(day.to_owned()),
        campus_id: Set(campus_id),
        last: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            order_counters::Column::WindowId,
            order_counters::Column::Day,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    order_counters::Entity::update_many()
        .col_expr(
            order_counters::Column::Last,
            Expr::col(order_counters::Column::Last).add(1),
        )
        .filter(order_counters::Column::WindowId.eq(window.id))
        .filter(order_counters::Column::Day.eq(day))
        .exec(conn)
        .await?;
    let n = order_counters::Entity::find_by_id((window.id, day.to_owned()))
        .one(conn)
        .await?
        .map_or(1, |c| c.last);
    Ok(order_number(window.number, u32::try_from(n).unwrap_or(0)))
}

/// Takes `lines`' portions (each all or none; the caller's transaction
/// rolls back on a refusal) and answers the order's lines and its total.
/// `served`: the food was already sold at the window (a walk-in), so nothing
/// is refused — what is left goes down as far as it goes.
async fn take_portions(
    ctx: &mut Ctx<'_>,
    window: &canteen_windows::Model,
    day: NaiveDate,
    period: MealPeriod,
    lines: &[LineRequest],
    served: bool,
) -> ApiResult<(Vec<order_lines::Model>, i64)> {
    let mut out = Vec::new();
    let mut total = 0i64;
    for (i, line) in lines.iter().enumerate() {
        let field = || Some(format!("lines.{i}.dish_id"));
        let dish = dishes::Entity::find_by_id(line.dish_id.0)
            .filter(dishes::Column::WindowId.eq(window.id))
            .one(ctx.tx)
            .await?
            .ok_or_else(|| {
                ApiError::validation(format!("lines.{i}.dish_id"), "is not a dish of this window")
            })?;
        let id = portions_id(line.dish_id, day, period);
        let q = i32::try_from(line.quantity).unwrap_or(i32::MAX);
        let taken = portions::Entity::update_many()
            .col_expr(
                portions::Column::LeftCount,
                Expr::col(portions::Column::LeftCount).sub(q),
            )
            .col_expr(portions::Column::UpdatedAt, Expr::value(ctx.now))
            .filter(portions::Column::Id.eq(id))
            .filter(portions::Column::LeftCount.gte(q))
            .exec(ctx.tx)
            .await?;
        if served && taken.rows_affected == 0 {
            portions::Entity::update_many()
                .col_expr(portions::Column::LeftCount, Expr::value(0))
                .col_expr(portions::Column::UpdatedAt, Expr::value(ctx.now))
                .filter(portions::Column::Id.eq(id))
                .exec(ctx.tx)
                .await?;
        }
        let row = portions::Entity::find_by_id(id).one(ctx.tx).await?;
        match &row {
            None if !served => {
                return Err(conflict(
                    format!("{} is not served at this meal", dish.name_zh),
                    field(),
                ));
            }
            Some(row) if !served && taken.rows_affected == 0 => {
                return Err(conflict(
                    if row.left_count == 0 {
                        format!("{} is sold out", dish.name_zh)
                    } else {
                        format!(
                            "only {} portions of {} are left",
                            row.left_count, dish.name_zh
                        )
                    },
                    field(),
                ));
            }
            _ => {}
        }
        if let Some(row) = &row {
            ctx.changes.put(
                scope::menu(ctx.actor.campus_id),
                PORTIONS,
                id,
                &portions_view(row),
            );
        }
        total += dish.price_fen * i64::from(q);
        out.push(order_lines::Model {
            id: Uuid::now_v7(),
            campus_id: ctx.actor.campus_id,
            order_id: Uuid::nil(),
            dish_id: dish.id,
            name_zh: dish.name_zh,
            name_en: dish.name_en,
            quantity: q,
            price: dish.price_fen,
        });
    }
    Ok((out, total))
}

async fn insert_order(
    ctx: &mut Ctx<'_>,
    order: orders::Model,
    lines: Vec<order_lines::Model>,
) -> ApiResult<Order> {
    orders::Entity::insert(orders::ActiveModel::from(order.clone()))
        .exec_without_returning(ctx.tx)
        .await?;
    let rows: Vec<order_lines::ActiveModel> = lines
        .into_iter()
        .map(|l| {
            order_lines::ActiveModel::from(order_lines::Model {
                order_id: order.id,
                ..l
            })
        })
        .collect();
    order_lines::Entity::insert_many(rows)
        .exec_without_returning(ctx.tx)
        .await?;
    Ok(publish(ctx.tx, &mut ctx.changes, &order).await?)
}

impl Command for PlaceOrder {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        PlaceOrder::validate(self)
    }

    /// Takes the portions and a place in the slot, holds the money, numbers
    /// the order and queues it; any refusal (sold out, slot full, not enough
    /// money) takes nothing.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let campus_id = ctx.actor.campus_id;
        let now = ctx.now;
        if orders::Entity::find_by_id(self.id.0)
            .one(ctx.tx)
            .await?
            .is_some()
        {
            return Err(conflict("this order id was used before", Some("id".into())));
        }
        let window = canteen_windows::Entity::find_by_id(self.window_id.0)
            .filter(canteen_windows::Column::CampusId.eq(campus_id))
            .one(ctx.tx)
            .await?
            .ok_or_else(|| ApiError::validation("window_id", "no such window"))?;
        let today = campus_day(now);
        if self.day < today || self.day > today + Duration::days(MAX_DAYS_AHEAD) {
            return Err(ApiError::validation(
                "day",
                "orders are for today and tomorrow",
            ));
        }
        if !period_slots(self.day, self.period).contains(&self.slot) {
            return Err(ApiError::validation(
                "slot",
                "is not a pickup time of this meal",
            ));
        }
        if self.slot + Duration::minutes(SLOT_MINUTES) <= now {
            return Err(conflict("the pickup time has passed", Some("slot".into())));
        }
        if !super::calendar::calendar_of(ctx.tx, window.canteen_id)
            .await?
            .opens(self.day, self.period)
        {
            return Err(conflict(
                "the canteen is closed for this meal that day",
                Some("period".into()),
            ));
        }
        if let Some(t) = &self.takeout {
            let dorm = buildings::Entity::find_by_id(t.building_id.0)
                .filter(buildings::Column::CampusId.eq(campus_id))
                .one(ctx.tx)
                .await?;
            if dorm.is_none_or(|b| b.kind != "dorm") {
                return Err(ApiError::validation(
                    "takeout.building_id",
                    "is not a dorm on this campus",
                ));
            }
        }
        ensure_day(
            ctx.tx,
            &mut ctx.changes,
            campus_id,
            window.canteen_id,
            self.day,
            now,
        )
        .await?;
        let (lines, mut total) =
            take_portions(ctx, &window, self.day, self.period, &self.lines, false).await?;
        if self.takeout.is_some() {
            total += TAKEOUT_FEE;
        }

        let (capacity, prep) = window_setup(ctx.tx, window.id).await?;
        let sid = slot_id(WindowId(window.id), self.slot);
        slot_loads::Entity::insert(slot_loads::ActiveModel {
            id: Set(sid),
            campus_id: Set(campus_id),
            canteen_id: Set(window.canteen_id),
            window_id: Set(window.id),
            start: Set(self.slot),
            capacity: Set(i32::try_from(capacity).unwrap_or(i32::MAX)),
            booked: Set(0),
        })
        .on_conflict(
            OnConflict::column(slot_loads::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(ctx.tx)
        .await?;
        let placed = slot_loads::Entity::update_many()
            .col_expr(
                slot_loads::Column::Booked,
                Expr::col(slot_loads::Column::Booked).add(1),
            )
            .filter(slot_loads::Column::Id.eq(sid))
            .filter(
                Expr::col(slot_loads::Column::Booked).lt(Expr::col(slot_loads::Column::Capacity)),
            )
            .exec(ctx.tx)
            .await?;
        if placed.rows_affected == 0 {
            return Err(conflict(
                "this pickup time is full; choose another",
                Some("slot".into()),
            ));
        }
        if let Some(load) = slot_loads::Entity::find_by_id(sid).one(ctx.tx).await? {
            ctx.changes
                .put(scope::menu(campus_id), SLOT, sid, &slot_view(&load));
        }

        // The money, held until pickup.
        let w = crate::payments::ensure_wallet(ctx.tx, campus_id, ctx.actor.user_id, now).await?;
        let till = ledger::open_account(
            ctx.tx,
            campus_id,
            AccountKind::MerchantTill,
            Some(window.id),
            now,
        )
        .await?;
        let until =
            (self.slot + Duration::minutes(SLOT_MINUTES) + Duration::hours(HOLD_GRACE_HOURS) - now)
                .num_seconds();
        let hold = NewTransfer {
            phase: Phase::Pending,
            timeout_secs: Some(u32::try_from(Ord::max(until, 60)).unwrap_or(u32::MAX)),
            reference: Some(format!("order {}", self.id)),
            ..NewTransfer::single(
                TransferId(self.id.0),
                AccountId(w.wallet_account_id),
                AccountId(till.id),
                total,
                TransferCode::Sale,
            )
        };
        let held = ledger::create_transfers(ctx.tx, campus_id, now, &[hold]).await?;
        match held[0] {
            TransferResult::Created => {}
            TransferResult::Failed {
                error: TransferError::ExceedsCredits,
            } => {
                return Err(conflict(
                    "not enough money on the campus card; top up and order again",
                    None,
                ));
            }
            TransferResult::Failed {
                error: TransferError::AccountFrozen,
            } => {
                return Err(conflict("the campus card account is frozen", None));
            }
            other => {
                return Err(ApiError::Internal(format!("order hold refused: {other:?}")));
            }
        }

        let day = self.day.to_string();
        let number = next_number(ctx.tx, campus_id, &window, &day).await?;
        let ahead = orders::Entity::find()
            .filter(orders::Column::WindowId.eq(window.id))
            .filter(orders::Column::Day.eq(&day))
            .filter(orders::Column::Status.is_in(["placed", "cooking"]))
            .filter(orders::Column::Slot.lte(self.slot))
            .count(ctx.tx)
            .await?;
        let order = orders::Model {
            id: self.id.0,
            campus_id,
            canteen_id: window.canteen_id,
            window_id: window.id,
            user_id: Some(ctx.actor.user_id),
            source: "app".into(),
            day,
            period: period_slug(self.period).into(),
            slot: self.slot,
            total,
            takeout_building_id: self.takeout.as_ref().map(|t| t.building_id.0),
            takeout_room: self.takeout.as_ref().map(|t| t.room.trim().to_owned()),
            status: OrderStatus::Placed.slug().into(),
            number,
            ready_at: Some(ready_estimate(
                self.slot,
                now,
                u32::try_from(ahead).unwrap_or(u32::MAX),
                prep,
            )),
            created_at: now,
            updated_at: now,
            cooking_at: None,
            done_at: None,
        };
        let placed = order.clone();
        insert_order(ctx, order, lines).await?;
        super::deliveries::open_for(ctx.tx, &placed, TAKEOUT_FEE, now).await?;
        crate::payments::sync_wallet(ctx.tx, &mut ctx.changes, &w).await?;
        Ok(())
    }
}

/// Gives back what an order took: its portions and its place in the slot.
async fn give_back(ctx: &mut Ctx<'_>, o: &orders::Model) -> Result<(), DbErr> {
    let day = NaiveDate::parse_from_str(&o.day, "%Y-%m-%d").unwrap_or_default();
    let period = period_from_slug(&o.period).unwrap_or(MealPeriod::Lunch);
    for l in lines_of(ctx.tx, o.id).await? {
        let id = portions_id(DishId(l.dish_id), day, period);
        portions::Entity::update_many()
            .col_expr(
                portions::Column::LeftCount,
                Expr::col(portions::Column::LeftCount).add(l.quantity),
            )
            .col_expr(portions::Column::UpdatedAt, Expr::value(ctx.now))
            .filter(portions::Column::Id.eq(id))
            .exec(ctx.tx)
            .await?;
        if let Some(row) = portions::Entity::find_by_id(id).one(ctx.tx).await? {
            ctx.changes
                .put(scope::menu(o.campus_id), PORTIONS, id, &portions_view(&row));
        }
    }
    let sid = slot_id(WindowId(o.window_id), o.slot);
    slot_loads::Entity::update_many()
        .col_expr(
            slot_loads::Column::Booked,
            Expr::col(slot_loads::Column::Booked).sub(1),
        )
        .filter(slot_loads::Column::Id.eq(sid))
        .filter(slot_loads::Column::Booked.gt(0))
        .exec(ctx.tx)
        .await?;
    if let Some(load) = slot_loads::Entity::find_by_id(sid).one(ctx.tx).await? {
        ctx.changes
            .put(scope::menu(o.campus_id), SLOT, sid, &slot_view(&load));
    }
    Ok(())
}

/// Resolves an order's hold: posted at pickup, voided on cancel. A hold
/// that already expired is left as it is (its money is free again).
async fn resolve_hold(ctx: &Ctx<'_>, o: &orders::Model, phase: Phase) -> ApiResult<()> {
    let w =
        crate::payments::ensure_wallet(ctx.tx, o.campus_id, o.user_id.unwrap_or_default(), ctx.now)
            .await?;
    let till = ledger::open_account(
        ctx.tx,
        o.campus_id,
        AccountKind::MerchantTill,
        Some(o.window_id),
        ctx.now,
    )
    .await?;
    let t = NewTransfer {
        phase,
        pending_id: Some(TransferId(o.id)),
        reference: Some(format!("order {}", o.id)),
        ..NewTransfer::single(
            TransferId::new(),
            AccountId(w.wallet_account_id),
            AccountId(till.id),
            0,
            TransferCode::Sale,
        )
    };
    match ledger::create_transfers(ctx.tx, o.campus_id, ctx.now, &[t]).await?[0] {
        TransferResult::Created
        | TransferResult::Failed {
            error: TransferError::PendingExpired,
        } => Ok(()),
        other => Err(ApiError::Internal(format!(
            "order {} hold not resolved: {other:?}",
            o.id
        ))),
    }
}

impl Command for CancelOrder {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Cancels the caller's order until its window starts cooking it.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let o = orders::Entity::find_by_id(self.order_id.0)
            .filter(orders::Column::CampusId.eq(ctx.actor.campus_id))
            .one(ctx.tx)
            .await?
            .filter(|o| o.user_id == Some(ctx.actor.user_id))
            .ok_or_else(|| ApiError::validation("order_id", "no such order of yours"))?;
        if o.status == OrderStatus::Cancelled.slug() {
            return Ok(());
        }
        let moved = orders::Entity::update_many()
            .col_expr(
                orders::Column::Status,
                Expr::value(OrderStatus::Cancelled.slug()),
            )
            .col_expr(orders::Column::UpdatedAt, Expr::value(ctx.now))
            .col_expr(orders::Column::DoneAt, Expr::value(ctx.now))
            .filter(orders::Column::Id.eq(o.id))
            .filter(orders::Column::Status.eq(OrderStatus::Placed.slug()))
            .exec(ctx.tx)
            .await?;
        if moved.rows_affected == 0 {
            return Err(conflict(
                "the window has started cooking it; it can no longer be cancelled",
                Some("order_id".into()),
            ));
        }
        resolve_hold(ctx, &o, Phase::Void).await?;
        give_back(ctx, &o).await?;
        super::deliveries::cancel_for(ctx.tx, o.id, ctx.now).await?;
        let o = orders::Model {
            status: OrderStatus::Cancelled.slug().into(),
            updated_at: ctx.now,
            done_at: Some(ctx.now),
            ..o
        };
        publish(ctx.tx, &mut ctx.changes, &o).await?;
        if let Some(w) = crate::entities::wallets::Entity::find_by_id(ctx.actor.user_id)
            .one(ctx.tx)
            .await?
        {
            crate::payments::sync_wallet(ctx.tx, &mut ctx.changes, &w).await?;
        }
        Ok(())
    }
}

async fn order_of(conn: &impl ConnectionTrait, campus: Uuid, id: Uuid) -> ApiResult<orders::Model> {
    orders::Entity::find_by_id(id)
        .filter(orders::Column::CampusId.eq(campus))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("order"))
}

/// Places an order (the same command the app syncs offline).
#[utoipa::path(post, path = "/dining/orders", tag = "dining", request_body = PlaceOrder,
    responses((status = 201, body = Order), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "sold out, slot full, not enough money"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn place(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<PlaceOrder>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let id = req.id.0;
    commands::execute(&state, &p, req).await?;
    let o = order_of(&state.db.conn, p.campus_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(order_view(&o, &lines_of(&state.db.conn, id).await?)),
    ))
}

/// Cancels the caller's order (until cooking starts).
#[utoipa::path(post, path = "/dining/orders/{id}/cancel", tag = "dining",
    params(("id" = Uuid, Path, description = "the order")),
    responses((status = 200, body = Order), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "cooking has started"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Order>> {
    commands::execute(
        &state,
        &p,
        CancelOrder {
            order_id: OrderId(id),
        },
    )
    .await?;
    let o = order_of(&state.db.conn, p.campus_id, id).await?;
    Ok(Json(order_view(&o, &lines_of(&state.db.conn, id).await?)))
}

/// Moves an order one step along its window's queue (the canteen's staff):
/// cooking, ready (the owner is told), picked up (the hold is posted).
#[utoipa::path(post, path = "/dining/orders/{id}/advance", tag = "dining", request_body = AdvanceOrder,
    params(("id" = Uuid, Path, description = "the order")),
    responses((status = 200, body = Order), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the order is not where that step starts"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<AdvanceOrder>,
) -> ApiResult<Json<Order>> {
    let from = match req.to {
        OrderStatus::Cooking => OrderStatus::Placed,
        OrderStatus::Ready => OrderStatus::Cooking,
        OrderStatus::PickedUp => OrderStatus::Ready,
        OrderStatus::Placed | OrderStatus::Cancelled => {
            return Err(ApiError::validation(
                "to",
                "must be cooking, ready or picked_up",
            ));
        }
    };
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let o = order_of(&*tx, p.campus_id, id).await?;
    if !p.scopes.contains(&Scope::Canteen(o.canteen_id)) {
        return Err(ApiError::Forbidden);
    }
    let (_, prep) = window_setup(&*tx, o.window_id).await?;
    let mut update = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(req.to.slug()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now));
    let ready_at = match req.to {
        OrderStatus::Cooking => Some(now + Duration::minutes(i64::from(prep))),
        OrderStatus::Ready => Some(now),
        _ => o.ready_at,
    };
    update = update.col_expr(orders::Column::ReadyAt, Expr::value(ready_at));
    if req.to == OrderStatus::Cooking {
        update = update.col_expr(orders::Column::CookingAt, Expr::value(Some(now)));
    }
    if req.to == OrderStatus::PickedUp {
        update = update.col_expr(orders::Column::DoneAt, Expr::value(Some(now)));
    }
    let moved = update
        .filter(orders::Column::Id.eq(o.id))
        .filter(orders::Column::Status.eq(from.slug()))
        .exec(&*tx)
        .await?;
    if moved.rows_affected == 0 {
        return Err(conflict(
            format!("the order is {} now", o.status),
            Some("to".into()),
        ));
    }
    let actor = p.clone();
    let mut ctx = Ctx {
        tx: &tx,
        actor: &actor,
        now,
        changes: Changes::default(),
        client: None,
    };
    if req.to == OrderStatus::PickedUp && o.source == "app" {
        resolve_hold(&ctx, &o, Phase::Post).await?;
    }
    let o = orders::Model {
        status: req.to.slug().into(),
        updated_at: now,
        ready_at,
        ..o
    };
    let view = publish(&*tx, &mut ctx.changes, &o).await?;
    if req.to == OrderStatus::Ready
        && let Some(user) = o.user_id
    {
        let window = canteen_windows::Entity::find_by_id(o.window_id)
            .one(&*tx)
            .await?;
        let (zh, en) = window.map_or_else(Default::default, |w| (w.name_zh, w.name_en));
        notifications::post(
            &*tx,
            &mut ctx.changes,
            NewNotification {
                campus_id: o.campus_id,
                user_id: user,
                service: Some(Service::Dining),
                title: LocalName::new(
                    format!("{} 号餐已做好", o.number),
                    format!("Order {} is ready", o.number),
                ),
                body: LocalName::new(
                    format!("请到{zh}取餐，出示取餐码即可。"),
                    format!("Pick it up at {en}; show your pickup code."),
                ),
                link: Some("/s/dining".into()),
                at: now,
            },
        )
        .await?;
    }
    if req.to == OrderStatus::PickedUp
        && let Some(user) = o.user_id
        && let Some(w) = crate::entities::wallets::Entity::find_by_id(user)
            .one(&*tx)
            .await?
    {
        crate::payments::sync_wallet(&*tx, &mut ctx.changes, &w).await?;
    }
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, ctx.changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(view))
}

/// A sale made at the window (paid there), joining the window's queue.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WalkIn {
    /// Made by the kiosk.
    pub id: OrderId,
    pub window_id: WindowId,
    pub period: MealPeriod,
    pub lines: Vec<LineRequest>,
}

/// Queues a walk-in sale at the window (the canteen's staff), taking its
/// portions like an order; it is cooked in turn with the app's orders.
#[utoipa::path(post, path = "/dining/walk-ins", tag = "dining", request_body = WalkIn,
    responses((status = 201, body = Order), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "sold out"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn walk_in(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<WalkIn>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let check = PlaceOrder {
        id: req.id,
        window_id: req.window_id,
        day: campus_day(state.clock.now()),
        period: req.period,
        slot: slot_start(state.clock.now()),
        lines: req.lines.clone(),
        takeout: None,
    };
    check.validate()?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let window = canteen_windows::Entity::find_by_id(req.window_id.0)
        .filter(canteen_windows::Column::CampusId.eq(p.campus_id))
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::validation("window_id", "no such window"))?;
    if !p.scopes.contains(&Scope::Canteen(window.canteen_id)) {
        return Err(ApiError::Forbidden);
    }
    if let Some(existing) = orders::Entity::find_by_id(req.id.0).one(&*tx).await? {
        let view = order_view(&existing, &lines_of(&*tx, existing.id).await?);
        return Ok((StatusCode::OK, Json(view)));
    }
    let actor = p.clone();
    let mut ctx = Ctx {
        tx: &tx,
        actor: &actor,
        now,
        changes: Changes::default(),
        client: None,
    };
    let day = campus_day(now);
    ensure_day(
        &*tx,
        &mut ctx.changes,
        p.campus_id,
        window.canteen_id,
        day,
        now,
    )
    .await?;
    let (lines, total) =
        take_portions(&mut ctx, &window, day, req.period, &req.lines, true).await?;
    let (_, prep) = window_setup(&*tx, window.id).await?;
    let day_text = day.to_string();
    let number = next_number(&*tx, p.campus_id, &window, &day_text).await?;
    let ahead = orders::Entity::find()
        .filter(orders::Column::WindowId.eq(window.id))
        .filter(orders::Column::Day.eq(&day_text))
        .filter(orders::Column::Status.is_in(["placed", "cooking"]))
        .filter(orders::Column::Slot.lte(slot_start(now)))
        .count(&*tx)
        .await?;
    let order = orders::Model {
        id: req.id.0,
        campus_id: p.campus_id,
        canteen_id: window.canteen_id,
        window_id: window.id,
        user_id: None,
        source: "walk_in".into(),
        day: day_text,
        period: period_slug(req.period).into(),
        slot: slot_start(now),
        total,
        takeout_building_id: None,
        takeout_room: None,
        status: OrderStatus::Placed.slug().into(),
        number,
        ready_at: Some(ready_estimate(
            slot_start(now),
            now,
            u32::try_from(ahead).unwrap_or(u32::MAX),
            prep,
        )),
        created_at: now,
        updated_at: now,
        cooking_at: None,
        done_at: None,
    };
    let view = insert_order(&mut ctx, order, lines).await?;
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, ctx.changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok((StatusCode::CREATED, Json(view)))
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/dining/orders", tag = "dining",
    responses((status = 200, body = Vec<Order>), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn mine(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Order>>> {
    let conn = &state.db.conn;
    let list = orders::Entity::find()
        .filter(orders::Column::UserId.eq(p.user_id))
        .order_by_desc(orders::Column::CreatedAt)
        .limit(50)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for o in list {
        out.push(order_view(&o, &lines_of(conn, o.id).await?));
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only this window's orders.
    pub window_id: Option<Uuid>,
}

/// Today's queue at a canteen's windows (its staff): orders still open,
/// in slot order, then the ones done.
#[utoipa::path(get, path = "/dining/canteens/{id}/queue", tag = "dining",
    params(("id" = Uuid, Path, description = "the canteen"), QueueQuery),
    responses((status = 200, body = Vec<Order>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<Vec<Order>>> {
    if !p.scopes.contains(&Scope::Canteen(id)) {
        // Another canteen's queue is not this cashier's to see.
        return Err(ApiError::NotFound("canteen"));
    }
    let conn = &state.db.conn;
    let mut query = orders::Entity::find()
        .filter(orders::Column::CanteenId.eq(id))
        .filter(orders::Column::Day.eq(campus_day(state.clock.now()).to_string()));
    if let Some(w) = q.window_id {
        query = query.filter(orders::Column::WindowId.eq(w));
    }
    let list = query
        .order_by_asc(orders::Column::Slot)
        .order_by_asc(orders::Column::CreatedAt)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for o in list {
        out.push(order_view(&o, &lines_of(conn, o.id).await?));
    }
    out.sort_by_key(|o| !o.status.open());
    Ok(Json(out))
}

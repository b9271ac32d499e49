//! Repairs (`houqin_shared::repairs`): work orders from report to
//! acceptance. `jobs.rs` holds the synced commands (report with automatic
//! dispatch, technicians' steps, parts, claim, reassignment, the reporter's
//! verdict); `sla.rs` the housekeeping that escalates jobs at risk or late
//! and closes completed ones nobody reviewed. This file: how a work order
//! reads, where it syncs, and the REST reads.
//!
//! Where rows sync: a work order to its reporter's, its assignee's and its
//! followers' `user:{id}` and its building's `zone:{id}` (technicians and
//! supervisors of the zone: their queue and the claim pool) until it has
//! been closed for `ZONE_KEEPS_CLOSED_DAYS` (then `sla.rs` archives it out
//! of the zone's scope); the parts store and the
//! technicians' profiles to `repairs:{campus}` (technicians, supervisors,
//! managers), so a tablet can record parts offline.

pub mod dashboard;
pub mod jobs;
pub mod public;
pub mod sla;

use std::collections::HashMap;

use axum::extract::State;
use chrono::{DateTime, Utc};
use houqin_shared::accounts::Role;
use houqin_shared::ids::{BuildingId, UserId};
use houqin_shared::repairs::{
    AssetView, Category, Event, Part, PartUse, SlaTarget, Status, TechnicianProfile, Urgency,
    WorkOrder, default_sla,
};
use houqin_shared::services::Service;
use houqin_shared::sync::entity::{PART, WORK_ORDER};
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{
    assets, buildings, part_uses, parts, repair_settings, sla_targets, technician_profiles,
    user_roles, user_scopes, users, work_order_events, work_order_followers, work_orders,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::notifications::{self, NewNotification};
use crate::state::AppState;
use crate::sync::changes::Changes;

/// The campus-wide repairs scope: parts and technicians.
pub fn repairs_scope(campus: Uuid) -> String {
    scope::repairs(campus)
}

/// Whether a session reads `repairs:{campus}`.
pub fn reads_repairs_scope(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Technician | Role::Supervisor | Role::Manager))
}

/// `photos` columns hold JSON arrays of hashes.
fn hashes(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

pub(crate) fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// A name for a person, for histories and lists.
async fn names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, DbErr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Who follows a work order, in the order they started.
pub(crate) async fn followers(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(work_order_followers::Entity::find()
        .filter(work_order_followers::Column::WorkOrderId.eq(id))
        .order_by_asc(work_order_followers::Column::CreatedAt)
        .order_by_asc(work_order_followers::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|f| f.user_id)
        .collect())
}

/// Rows of `E` whose `column` is one of `ids`, fetched in chunks (bind
/// parameters are limited), in the order `order` gives within each chunk.
async fn rows_in<E>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    ids: &[Uuid],
    order: &[E::Column],
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let mut out = Vec::new();
    let mut wanted: Vec<Uuid> = ids.to_vec();
    wanted.sort();
    wanted.dedup();
    for chunk in wanted.chunks(500) {
        let mut find = E::find().filter(column.is_in(chunk.iter().copied()));
        for c in order {
            find = find.order_by_asc(*c);
        }
        out.extend(find.all(conn).await?);
    }
    Ok(out)
}

/// Rows grouped by a key (a work order's id), keeping their order.
fn grouped<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

/// Rows keyed by their own id.
fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, T> {
    rows.into_iter().map(|r| (id(&r), r)).collect()
}

/// A work order as everyone reads it: with its place, people, parts and history.
pub async fn view(conn: &impl ConnectionTrait, w: &work_orders::Model) -> Result<WorkOrder, DbErr> {
    views(conn, std::slice::from_ref(w))
        .await?
        .pop()
        .ok_or_else(|| DbErr::Custom("a work order without its view".into()))
}

/// Work orders as everyone reads them, in the order given: a handful of
/// queries for the whole list (places, history, parts, followers, names),
/// not a handful per work order.
pub async fn views(
    conn: &impl ConnectionTrait,
    list: &[work_orders::Model],
) -> Result<Vec<WorkOrder>, DbErr> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = list.iter().map(|w| w.id).collect();
    let building_ids: Vec<Uuid> = list.iter().filter_map(|w| w.building_id).collect();
    let asset_ids: Vec<Uuid> = list.iter().filter_map(|w| w.asset_id).collect();
    let buildings = by_id(
        rows_in::<buildings::Entity>(conn, buildings::Column::Id, &building_ids, &[]).await?,
        |b| b.id,
    );
    let assets = by_id(
        rows_in::<assets::Entity>(conn, assets::Column::Id, &asset_ids, &[]).await?,
        |a| a.id,
    );
    let events = grouped(
        rows_in::<work_order_events::Entity>(
            conn,
            work_order_events::Column::WorkOrderId,
            &ids,
            &[work_order_events::Column::At, work_order_events::Column::Id],
        )
        .await?,
        |e| e.work_order_id,
    );
    let uses = grouped(
        rows_in::<part_uses::Entity>(
            conn,
            part_uses::Column::WorkOrderId,
            &ids,
            &[part_uses::Column::CreatedAt, part_uses::Column::Id],
        )
        .await?,
        |u| u.work_order_id,
    );
    let part_ids: Vec<Uuid> = uses.values().flatten().map(|u| u.part_id).collect();
    let part_rows = by_id(
        rows_in::<parts::Entity>(conn, parts::Column::Id, &part_ids, &[]).await?,
        |p| p.id,
    );
    let mut following = grouped(
        rows_in::<work_order_followers::Entity>(
            conn,
            work_order_followers::Column::WorkOrderId,
            &ids,
            &[
                work_order_followers::Column::CreatedAt,
                work_order_followers::Column::Id,
            ],
        )
        .await?,
        |f| f.work_order_id,
    );
    let mut people_ids: Vec<Uuid> = list.iter().filter_map(|w| w.assignee_id).collect();
    people_ids.extend(events.values().flatten().filter_map(|e| e.actor_id));
    people_ids.sort();
    people_ids.dedup();
    let mut people = HashMap::new();
    for chunk in people_ids.chunks(500) {
        people.extend(names(conn, chunk.iter().copied()).await?);
    }
    Ok(list
        .iter()
        .map(|w| {
            let building = w.building_id.and_then(|b| buildings.get(&b));
            let asset = w.asset_id.and_then(|a| assets.get(&a));
            WorkOrder {
                id: w.id,
                number: w.number.clone(),
                category: Category::parse(&w.category).unwrap_or(Category::Other),
                urgency: Urgency::parse(&w.urgency).unwrap_or(Urgency::Normal),
                status: Status::parse(&w.status).unwrap_or(Status::Open),
                building_id: w.building_id.map(BuildingId),
                building_name: building
                    .map(|b| LocalName::new(b.name_zh.clone(), b.name_en.clone())),
                room: w.room.clone(),
                asset_id: w.asset_id,
                asset_code: asset.map(|a| a.code.clone()),
                zone_id: w.zone_id,
                description: w.description.clone(),
                photos: hashes(&w.photos),
                after_photos: hashes(&w.after_photos),
                reporter_id: w.reporter_id.map(UserId),
                assignee_id: w.assignee_id.map(UserId),
                assignee_name: w.assignee_id.and_then(|a| people.get(&a).cloned()),
                created_at: w.created_at,
                updated_at: w.updated_at,
                respond_by: w.respond_by,
                resolve_by: w.resolve_by,
                responded_at: w.responded_at,
                completed_at: w.completed_at,
                closed_at: w.closed_at,
                escalation: u8::try_from(w.escalation).unwrap_or(0),
                pause_reason: w.pause_reason.clone(),
                minutes: u32::try_from(w.minutes).unwrap_or(0),
                parts: uses
                    .get(&w.id)
                    .into_iter()
                    .flatten()
                    .map(|u| PartUse {
                        id: u.id,
                        part_id: u.part_id,
                        name: part_rows
                            .get(&u.part_id)
                            .map(|p| LocalName::new(p.name_zh.clone(), p.name_en.clone()))
                            .unwrap_or_else(|| LocalName::new("", "")),
                        quantity: u32::try_from(u.quantity).unwrap_or(0),
                        unit_cost: u.unit_cost,
                    })
                    .collect(),
                rating: w.rating.and_then(|r| u8::try_from(r).ok()),
                comment: w.comment.clone(),
                reopened: u32::try_from(w.reopened).unwrap_or(0),
                history: events
                    .get(&w.id)
                    .into_iter()
                    .flatten()
                    .map(|e| Event {
                        at: e.at,
                        actor_id: e.actor_id.map(UserId),
                        actor_name: e.actor_id.and_then(|a| people.get(&a).cloned()),
                        kind: e.kind.clone(),
                        note: e.note.clone(),
                    })
                    .collect(),
                followers: following
                    .remove(&w.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| UserId(f.user_id))
                    .collect(),
            }
        })
        .collect())
}

/// Writes the work order's current state to the scopes that hold it (its
/// reporter's, assignee's and followers' own, its zone's); `left` is a
/// former assignee or follower whose own scope it leaves.
pub async fn publish(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    w: &work_orders::Model,
    left: Option<Uuid>,
) -> Result<WorkOrder, DbErr> {
    let v = view(conn, w).await?;
    let mut scopes: Vec<String> = Vec::new();
    if let Some(r) = w.reporter_id {
        scopes.push(scope::user(r));
    }
    if let Some(a) = w.assignee_id {
        scopes.push(scope::user(a));
    }
    if let Some(z) = w.zone_id.filter(|_| w.archived_at.is_none()) {
        scopes.push(scope::zone(z));
    }
    for f in &v.followers {
        scopes.push(scope::user(f.0));
    }
    scopes.sort();
    scopes.dedup();
    for s in scopes {
        changes.put(s, WORK_ORDER, w.id, &v);
    }
    if let Some(old) = left
        && Some(old) != w.assignee_id
        && Some(old) != w.reporter_id
        && !v.followers.contains(&UserId(old))
    {
        changes.delete(scope::user(old), WORK_ORDER, w.id);
    }
    Ok(v)
}

pub fn part_dto(p: &parts::Model) -> Part {
    Part {
        id: p.id,
        code: p.code.clone(),
        name: LocalName::new(p.name_zh.clone(), p.name_en.clone()),
        unit: LocalName::new(p.unit_zh.clone(), p.unit_en.clone()),
        stock: p.stock,
        unit_cost: p.unit_cost,
    }
}

pub fn profile_dto(t: &technician_profiles::Model, name: String) -> TechnicianProfile {
    TechnicianProfile {
        user_id: UserId(t.id),
        display_name: name,
        skills: t.skills.split(',').filter_map(Category::parse).collect(),
        zones: t
            .zones
            .split(',')
            .filter_map(|z| Uuid::parse_str(z).ok())
            .collect(),
        shift_days: u8::try_from(t.shift_days).unwrap_or(0),
        shift_start: u16::try_from(t.shift_start).unwrap_or(0),
        shift_end: u16::try_from(t.shift_end).unwrap_or(0),
        active: t.active,
    }
}

/// The rows of `repairs:{campus}` now (its first snapshot).
pub async fn materialize(
    conn: &impl ConnectionTrait,
    campus: Uuid,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let mut rows = Vec::new();
    for p in parts::Entity::find()
        .filter(parts::Column::CampusId.eq(campus))
        .all(conn)
        .await?
    {
        rows.push((
            PART,
            p.id,
            serde_json::to_value(part_dto(&p)).unwrap_or_default(),
        ));
    }
    let techs = technician_profiles::Entity::find()
        .filter(technician_profiles::Column::CampusId.eq(campus))
        .all(conn)
        .await?;
    let people = names(conn, techs.iter().map(|t| t.id)).await?;
    for t in techs {
        let name = people.get(&t.id).cloned().unwrap_or_default();
        rows.push((
            houqin_shared::sync::entity::TECHNICIAN,
            t.id,
            serde_json::to_value(profile_dto(&t, name)).unwrap_or_default(),
        ));
    }
    Ok(rows)
}

/// The ids of the work orders `user` follows.
async fn followed_by(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<Uuid>, DbErr> {
    work_order_followers::Entity::find()
        .select_only()
        .column(work_order_followers::Column::WorkOrderId)
        .filter(work_order_followers::Column::UserId.eq(user))
        .into_tuple()
        .all(conn)
        .await
}

/// The work orders a user's own scope holds: reported by them, theirs to
/// do, or followed.
pub async fn user_rows(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let followed = followed_by(conn, user).await?;
    let list = work_orders::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(work_orders::Column::ReporterId.eq(user))
                .add(work_orders::Column::AssigneeId.eq(user))
                .add(work_orders::Column::Id.is_in(followed)),
        )
        .all(conn)
        .await?;
    snapshot(conn, &list).await
}

/// Work orders as a scope's snapshot rows.
async fn snapshot(
    conn: &impl ConnectionTrait,
    list: &[work_orders::Model],
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    Ok(views(conn, list)
        .await?
        .into_iter()
        .map(|v| {
            let id = v.id;
            (WORK_ORDER, id, serde_json::to_value(v).unwrap_or_default())
        })
        .collect())
}

/// The work orders of a zone's buildings (its technicians' queue and pool),
/// closed ones until they are archived.
pub async fn zone_rows(
    conn: &impl ConnectionTrait,
    zone: Uuid,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let list = work_orders::Entity::find()
        .filter(work_orders::Column::ZoneId.eq(zone))
        .filter(work_orders::Column::ArchivedAt.is_null())
        .all(conn)
        .await?;
    snapshot(conn, &list).await
}

/// The campus's target for a category and urgency (its own, else the default).
pub async fn target(
    conn: &impl ConnectionTrait,
    campus: Uuid,
    category: Category,
    urgency: Urgency,
) -> Result<SlaTarget, DbErr> {
    Ok(sla_targets::Entity::find()
        .filter(sla_targets::Column::CampusId.eq(campus))
        .filter(sla_targets::Column::Category.eq(category.slug()))
        .filter(sla_targets::Column::Urgency.eq(urgency.slug()))
        .one(conn)
        .await?
        .map(|t| SlaTarget {
            category,
            urgency,
            respond_minutes: u32::try_from(t.respond_minutes).unwrap_or(60),
            resolve_minutes: u32::try_from(t.resolve_minutes).unwrap_or(24 * 60),
        })
        .unwrap_or_else(|| default_sla(category, urgency)))
}

/// The days after which a completed job nobody reviewed closes by itself
/// (read only: the settings row is made by the first report's numbering).
pub(crate) async fn auto_accept_days(
    conn: &impl ConnectionTrait,
    campus: Uuid,
) -> Result<i64, DbErr> {
    Ok(repair_settings::Entity::find_by_id(campus)
        .one(conn)
        .await?
        .map_or(
            i64::from(houqin_shared::repairs::DEFAULT_AUTO_ACCEPT_DAYS),
            |s| i64::from(s.auto_accept_days),
        ))
}

/// The campus's settings row, made on first use (in a write transaction).
async fn settings(
    conn: &impl ConnectionTrait,
    campus: Uuid,
) -> Result<repair_settings::Model, DbErr> {
    repair_settings::Entity::insert(repair_settings::ActiveModel {
        id: Set(campus),
        campus_id: Set(campus),
        auto_accept_days: Set(
            i32::try_from(houqin_shared::repairs::DEFAULT_AUTO_ACCEPT_DAYS).unwrap_or(3),
        ),
        last_number: Set(0),
    })
    .on_conflict(
        OnConflict::column(repair_settings::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    repair_settings::Entity::find_by_id(campus)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("repair settings".into()))
}

/// The campus's next work order number, `R-000001` on (in the caller's transaction).
pub(crate) async fn next_number(
    conn: &impl ConnectionTrait,
    campus: Uuid,
) -> Result<String, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    settings(conn, campus).await?;
    repair_settings::Entity::update_many()
        .col_expr(
            repair_settings::Column::LastNumber,
            Expr::col(repair_settings::Column::LastNumber).add(1),
        )
        .filter(repair_settings::Column::Id.eq(campus))
        .exec(conn)
        .await?;
    let n = settings(conn, campus).await?.last_number;
    Ok(format!("R-{n:06}"))
}

/// The users of a campus with `role`, narrowed to those scoped to `zone` when given.
pub(crate) async fn people_with(
    conn: &impl ConnectionTrait,
    campus: Uuid,
    role: Role,
    zone: Option<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut ids: Vec<Uuid> = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .filter(user_roles::Column::CampusId.eq(campus))
        .filter(user_roles::Column::Role.eq(role.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    if let Some(z) = zone {
        let scoped: Vec<Uuid> = user_scopes::Entity::find()
            .select_only()
            .column(user_scopes::Column::UserId)
            .filter(user_scopes::Column::Kind.eq("zone"))
            .filter(user_scopes::Column::RefId.eq(z))
            .into_tuple()
            .all(conn)
            .await?;
        ids.retain(|u| scoped.contains(u));
    }
    Ok(ids)
}

/// Tells `user` about a work order (in the caller's transaction).
pub(crate) async fn tell(
    conn: &impl ConnectionTrait,
    changes: &mut Changes,
    w: &work_orders::Model,
    user: Uuid,
    title: LocalName,
    body: LocalName,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    notifications::post(
        conn,
        changes,
        NewNotification {
            campus_id: w.campus_id,
            user_id: user,
            service: Some(Service::Repairs),
            title,
            body,
            link: Some(format!("/repairs/{}", w.id)),
            at,
        },
    )
    .await
    .map(drop)
}

/// Records what happened (in the caller's transaction).
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    w: &work_orders::Model,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
    subject: Option<Uuid>,
    kind: &str,
    note: &str,
) -> Result<(), DbErr> {
    record_as(conn, Uuid::now_v7(), w, at, actor, subject, kind, note).await
}

/// [`record`] with the event's id given (a client's, so a retry finds it).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_as(
    conn: &impl ConnectionTrait,
    id: Uuid,
    w: &work_orders::Model,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
    subject: Option<Uuid>,
    kind: &str,
    note: &str,
) -> Result<(), DbErr> {
    work_order_events::Entity::insert(work_order_events::ActiveModel {
        id: Set(id),
        campus_id: Set(w.campus_id),
        work_order_id: Set(w.id),
        at: Set(at),
        actor_id: Set(actor),
        subject_id: Set(subject),
        kind: Set(kind.into()),
        note: Set(note.chars().take(1200).collect()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub(crate) async fn order_of(
    conn: &impl ConnectionTrait,
    campus: Uuid,
    id: Uuid,
) -> ApiResult<work_orders::Model> {
    work_orders::Entity::find_by_id(id)
        .filter(work_orders::Column::CampusId.eq(campus))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("work order"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `mine` (reported or followed by me; the default), `queue` (technicians: mine to
    /// do and the pool of my zones), `all` (supervisors: their zones;
    /// managers: the campus).
    pub view: Option<String>,
    /// Only this status.
    pub status: Option<String>,
}

/// Work orders, newest first (at most 500).
#[utoipa::path(get, path = "/repairs", tag = "repairs", params(ListQuery),
    responses((status = 200, body = Vec<WorkOrder>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<WorkOrder>>> {
    let conn = &state.db.conn;
    let zones: Vec<Uuid> = p
        .scopes
        .iter()
        .filter_map(|s| match s {
            houqin_shared::accounts::Scope::Zone(z) => Some(*z),
            _ => None,
        })
        .collect();
    let mut find =
        work_orders::Entity::find().filter(work_orders::Column::CampusId.eq(p.campus_id));
    find = match q.view.as_deref().unwrap_or("mine") {
        "mine" => find.filter(
            sea_orm::Condition::any()
                .add(work_orders::Column::ReporterId.eq(p.user_id))
                .add(work_orders::Column::Id.is_in(followed_by(conn, p.user_id).await?)),
        ),
        "queue" if p.has_role(Role::Technician) => find.filter(
            sea_orm::Condition::any()
                .add(work_orders::Column::AssigneeId.eq(p.user_id))
                .add(
                    sea_orm::Condition::all()
                        .add(work_orders::Column::Status.eq(Status::Open.slug()))
                        .add(work_orders::Column::ZoneId.is_in(zones.clone())),
                ),
        ),
        "all" if p.has_role(Role::Manager) || p.has_role(Role::Admin) => find,
        "all" if p.has_role(Role::Supervisor) => {
            find.filter(work_orders::Column::ZoneId.is_in(zones.clone()))
        }
        "queue" | "all" => return Err(ApiError::Forbidden),
        _ => return Err(ApiError::validation("view", "must be mine, queue or all")),
    };
    if let Some(s) = &q.status {
        let s = Status::parse(s).ok_or_else(|| ApiError::validation("status", "no such status"))?;
        find = find.filter(work_orders::Column::Status.eq(s.slug()));
    }
    let rows = find
        .order_by_desc(work_orders::Column::CreatedAt)
        .limit(500)
        .all(conn)
        .await?;
    Ok(Json(views(conn, &rows).await?))
}

/// Whether `p` may read this work order: its reporter, its assignee, the
/// technicians and supervisors of its zone, managers (and, checked apart,
/// its followers).
fn may_read(p: &Principal, w: &work_orders::Model) -> bool {
    let in_zone = w
        .zone_id
        .is_some_and(|z| p.scopes.contains(&houqin_shared::accounts::Scope::Zone(z)));
    w.reporter_id == Some(p.user_id)
        || w.assignee_id == Some(p.user_id)
        || p.has_role(Role::Manager)
        || p.has_role(Role::Admin)
        || ((p.has_role(Role::Technician) || p.has_role(Role::Supervisor)) && in_zone)
}

/// One work order with its history.
#[utoipa::path(get, path = "/repairs/{id}", tag = "repairs",
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<WorkOrder>> {
    let w = order_of(&state.db.conn, p.campus_id, id).await?;
    let v = view(&state.db.conn, &w).await?;
    if !may_read(&p, &w) && !v.followers.contains(&UserId(p.user_id)) {
        // Others' repairs are not theirs to know about.
        return Err(ApiError::NotFound("work order"));
    }
    Ok(Json(v))
}

/// The parts store.
#[utoipa::path(get, path = "/repairs/parts", tag = "repairs",
    responses((status = 200, body = Vec<Part>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody)))]
pub async fn list_parts(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Part>>> {
    Ok(Json(
        parts::Entity::find()
            .filter(parts::Column::CampusId.eq(p.campus_id))
            .order_by_asc(parts::Column::Code)
            .all(&state.db.conn)
            .await?
            .iter()
            .map(part_dto)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/repairs/assets/{code}", tag = "repairs",
    params(("code" = String, Path, description = "the asset's tag, HQ-…")),
    responses((status = 200, body = AssetView), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn asset(
    State(state): State<AppState>,
    p: Principal,
    Path(code): Path<String>,
) -> ApiResult<Json<AssetView>> {
    houqin_shared::repairs::check_asset_code(&code)?;
    let conn = &state.db.conn;
    let a = assets::Entity::find()
        .filter(assets::Column::CampusId.eq(p.campus_id))
        .filter(assets::Column::Code.eq(&code))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("asset"))?;
    let b = buildings::Entity::find_by_id(a.building_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("building"))?;
    let rows = work_orders::Entity::find()
        .filter(work_orders::Column::AssetId.eq(a.id))
        .order_by_desc(work_orders::Column::CreatedAt)
        .limit(20)
        .all(conn)
        .await?;
    let history = views(conn, &rows).await?;
    let open = history
        .iter()
        .filter(|v| !v.status.is_done())
        .cloned()
        .collect();
    Ok(Json(AssetView {
        id: a.id,
        code: a.code,
        category: Category::parse(&a.category).unwrap_or(Category::Other),
        name: LocalName::new(a.name_zh, a.name_en),
        building_id: BuildingId(b.id),
        building_name: LocalName::new(b.name_zh, b.name_en),
        room: a.room,
        open,
        history,
    }))
}

/// The campus's technicians as dispatch sees them.
#[utoipa::path(get, path = "/repairs/technicians", tag = "repairs",
    responses((status = 200, body = Vec<TechnicianProfile>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody)))]
pub async fn technicians(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<TechnicianProfile>>> {
    let conn = &state.db.conn;
    let techs = technician_profiles::Entity::find()
        .filter(technician_profiles::Column::CampusId.eq(p.campus_id))
        .all(conn)
        .await?;
    let people = names(conn, techs.iter().map(|t| t.id)).await?;
    let mut out: Vec<TechnicianProfile> = techs
        .iter()
        .map(|t| profile_dto(t, people.get(&t.id).cloned().unwrap_or_default()))
        .collect();
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(Json(out))
}

/// Sets what dispatch knows about a technician (managers): skills, zones, shift.
#[utoipa::path(put, path = "/repairs/technicians/{id}", tag = "repairs", request_body = TechnicianProfile,
    params(("id" = Uuid, Path, description = "the technician")),
    responses((status = 200, body = TechnicianProfile), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_technician(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<TechnicianProfile>,
) -> ApiResult<Json<TechnicianProfile>> {
    req.validate()?;
    if req.user_id.0 != id {
        return Err(ApiError::validation(
            "user_id",
            "must be the technician in the path",
        ));
    }
    let tx = state.db.write().await?;
    let techs = people_with(&*tx, p.campus_id, Role::Technician, None).await?;
    if !techs.contains(&id) {
        return Err(ApiError::NotFound("technician"));
    }
    for (i, z) in req.zones.iter().enumerate() {
        let ok = crate::entities::zones::Entity::find_by_id(*z)
            .filter(crate::entities::zones::Column::CampusId.eq(p.campus_id))
            .one(&*tx)
            .await?
            .is_some();
        if !ok {
            return Err(ApiError::validation(format!("zones.{i}"), "no such zone"));
        }
    }
    let row = technician_profiles::Model {
        id,
        campus_id: p.campus_id,
        skills: req
            .skills
            .iter()
            .map(|c| c.slug())
            .collect::<Vec<_>>()
            .join(","),
        zones: req
            .zones
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(","),
        shift_days: i16::from(req.shift_days),
        shift_start: i16::try_from(req.shift_start).unwrap_or(0),
        shift_end: i16::try_from(req.shift_end).unwrap_or(0),
        active: req.active,
    };
    technician_profiles::Entity::insert(technician_profiles::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::column(technician_profiles::Column::Id)
                .update_columns([
                    technician_profiles::Column::Skills,
                    technician_profiles::Column::Zones,
                    technician_profiles::Column::ShiftDays,
                    technician_profiles::Column::ShiftStart,
                    technician_profiles::Column::ShiftEnd,
                    technician_profiles::Column::Active,
                ])
                .to_owned(),
        )
        .exec_without_returning(&*tx)
        .await?;
    let name = names(&*tx, [id]).await?.remove(&id).unwrap_or_default();
    let dto = profile_dto(&row, name);
    let mut changes = Changes::default();
    changes.put(
        repairs_scope(p.campus_id),
        houqin_shared::sync::entity::TECHNICIAN,
        id,
        &dto,
    );
    let now = state.clock.now();
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(dto))
}

/// The campus's SLA targets, every category and urgency.
#[utoipa::path(get, path = "/repairs/sla", tag = "repairs",
    responses((status = 200, body = Vec<SlaTarget>), (status = 401, body = houqin_shared::ApiErrorBody)))]
pub async fn get_sla(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<SlaTarget>>> {
    let mut out = Vec::new();
    for c in Category::ALL {
        for u in Urgency::ALL {
            out.push(target(&state.db.conn, p.campus_id, *c, *u).await?);
        }
    }
    Ok(Json(out))
}

/// The body of `PUT /repairs/sla`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SetTargets {
    pub targets: Vec<SlaTarget>,
}

/// Sets SLA targets (managers); jobs reported afterwards use them.
#[utoipa::path(put, path = "/repairs/sla", tag = "repairs", request_body = SetTargets,
    responses((status = 200, body = Vec<SlaTarget>), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_sla(
    State(state): State<AppState>,
    p: Principal,
    Json(SetTargets { targets: req }): Json<SetTargets>,
) -> ApiResult<Json<Vec<SlaTarget>>> {
    if req.len() > Category::ALL.len() * Urgency::ALL.len() {
        return Err(ApiError::validation(
            "targets",
            "one per category and urgency at most",
        ));
    }
    for (i, t) in req.iter().enumerate() {
        t.validate()
            .map_err(|e| ApiError::validation(format!("targets.{i}.{}", e.field), e.message))?;
    }
    let tx = state.db.write().await?;
    for t in &req {
        sla_targets::Entity::insert(sla_targets::ActiveModel {
            id: Set(Uuid::now_v7()),
            campus_id: Set(p.campus_id),
            category: Set(t.category.slug().into()),
            urgency: Set(t.urgency.slug().into()),
            respond_minutes: Set(i32::try_from(t.respond_minutes).unwrap_or(i32::MAX)),
            resolve_minutes: Set(i32::try_from(t.resolve_minutes).unwrap_or(i32::MAX)),
        })
        .on_conflict(
            OnConflict::columns([
                sla_targets::Column::CampusId,
                sla_targets::Column::Category,
                sla_targets::Column::Urgency,
            ])
            .update_columns([
                sla_targets::Column::RespondMinutes,
                sla_targets::Column::ResolveMinutes,
            ])
            .to_owned(),
        )
        .exec_without_returning(&*tx)
        .await?;
    }
    tx.commit().await?;
    get_sla(State(state), p).await
}

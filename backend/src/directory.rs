//! The campus directory: read APIs for everyone signed in, edits for managers.
//!
//! Invariant: every query is narrowed to the caller's campus; a row of another
//! campus is "not found", never shown.

use axum::Extension;
use axum::extract::State;
use houqin_shared::ApiErrorBody;
use houqin_shared::audit::AuditAction;
use houqin_shared::directory::*;
use houqin_shared::ids::*;
use houqin_shared::money::Money;
use houqin_shared::text::LocalName;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::accounts::Caller;
use crate::audit::{self, AuditRecord};
use crate::authz::Principal;
use crate::db::WriteTx;
use crate::entities::CampusRow;
use crate::entities::*;
use crate::error::{ApiError, ApiResult, current_request_id};
use crate::extract::{Json, Path, Query};
use crate::http::ClientAddr;
use crate::state::AppState;
use crate::sync::changes::Changes;
use crate::sync::scopes::BUILDING;
use houqin_shared::sync::scope;

type E = ApiErrorBody;

pub fn limit(limit: Option<u32>) -> ApiResult<u32> {
    let limit = limit.unwrap_or(LIST_LIMIT_DEFAULT);
    if limit == 0 || limit > LIST_LIMIT_MAX {
        return Err(ApiError::validation("limit", "must be between 1 and 500"));
    }
    Ok(limit)
}

/// Keyset paging in id order: fetch one extra row to know whether there is more.
fn page<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_after = if more { items.last().map(&id) } else { None };
    Page { items, next_after }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows whose id is after this one.
    pub after: Option<Uuid>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BuildingQuery {
    pub kind: Option<BuildingKind>,
    pub after: Option<Uuid>,
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    pub kind: Option<ResourceKind>,
    pub after: Option<Uuid>,
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    pub kind: Option<DeviceKind>,
    pub building_id: Option<Uuid>,
    pub after: Option<Uuid>,
    pub limit: Option<u32>,
}

fn name(zh: String, en: String) -> LocalName {
    LocalName::new(zh, en)
}

fn zone(r: zones::Model) -> Zone {
    Zone {
        id: ZoneId(r.id),
        campus_id: CampusId(r.campus_id),
        name: name(r.name_zh, r.name_en),
    }
}

fn department(r: departments::Model) -> Department {
    Department {
        id: DepartmentId(r.id),
        campus_id: CampusId(r.campus_id),
        name: name(r.name_zh, r.name_en),
    }
}

fn bed(r: beds::Model) -> Bed {
    Bed {
        id: BedId(r.id),
        campus_id: CampusId(r.campus_id),
        room_id: RoomId(r.room_id),
        label: r.label,
    }
}

fn canteen(r: canteens::Model) -> Canteen {
    Canteen {
        id: CanteenId(r.id),
        campus_id: CampusId(r.campus_id),
        building_id: BuildingId(r.building_id),
        name: name(r.name_zh, r.name_en),
    }
}

fn window(r: canteen_windows::Model) -> CanteenWindow {
    CanteenWindow {
        id: WindowId(r.id),
        campus_id: CampusId(r.campus_id),
        canteen_id: CanteenId(r.canteen_id),
        number: r.number,
        name: name(r.name_zh, r.name_en),
    }
}

fn station(r: parcel_stations::Model) -> ParcelStation {
    ParcelStation {
        id: StationId(r.id),
        campus_id: CampusId(r.campus_id),
        building_id: BuildingId(r.building_id),
        name: name(r.name_zh, r.name_en),
    }
}

fn locker(r: lockers::Model) -> Locker {
    Locker {
        id: LockerId(r.id),
        campus_id: CampusId(r.campus_id),
        station_id: StationId(r.station_id),
        code: r.code,
        size: LockerSize::parse(&r.size).unwrap_or(LockerSize::Medium),
    }
}

pub fn building_dto(r: buildings::Model) -> Building {
    Building {
        id: BuildingId(r.id),
        campus_id: CampusId(r.campus_id),
        zone_id: r.zone_id.map(ZoneId),
        code: r.code,
        name: name(r.name_zh, r.name_en),
        kind: BuildingKind::parse(&r.kind).unwrap_or(BuildingKind::Other),
        floors: r.floors,
    }
}

fn room(r: rooms::Model) -> Room {
    Room {
        id: RoomId(r.id),
        campus_id: CampusId(r.campus_id),
        building_id: BuildingId(r.building_id),
        floor_id: FloorId(r.floor_id),
        number: r.number,
        kind: RoomKind::parse(&r.kind).unwrap_or(RoomKind::Public),
        capacity: r.capacity,
    }
}

fn resource(r: resources::Model) -> Resource {
    Resource {
        id: ResourceId(r.id),
        campus_id: CampusId(r.campus_id),
        building_id: r.building_id.map(BuildingId),
        kind: ResourceKind::parse(&r.kind).unwrap_or(ResourceKind::Venue),
        name: name(r.name_zh, r.name_en),
        capacity: r.capacity,
    }
}

fn device(r: devices::Model) -> Device {
    Device {
        id: DeviceId(r.id),
        campus_id: CampusId(r.campus_id),
        building_id: BuildingId(r.building_id),
        room_id: r.room_id.map(RoomId),
        kind: DeviceKind::parse(&r.kind).unwrap_or(DeviceKind::ElectricityMeter),
        serial: r.serial,
    }
}

/// The caller's campus (a list, so a federation can later show partner campuses).
#[utoipa::path(get, path = "/directory/campuses", tag = "directory", responses((status = 200, body = Vec<Campus>), (status = 401, body = E)))]
pub async fn campuses(State(s): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Campus>>> {
    let rows = campuses::Entity::find_by_id(p.campus_id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Campus {
                id: CampusId(r.id),
                code: r.code,
                name: name(r.name_zh, r.name_en),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/directory/zones", tag = "directory", responses((status = 200, body = Vec<Zone>), (status = 401, body = E)))]
pub async fn zones(State(s): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Zone>>> {
    let rows = zones::Entity::find()
        .filter(zones::Column::CampusId.eq(p.campus_id))
        .order_by_asc(zones::Column::Id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(zone).collect()))
}

#[utoipa::path(get, path = "/directory/departments", tag = "directory", responses((status = 200, body = Vec<Department>), (status = 401, body = E)))]
pub async fn departments(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<Department>>> {
    let rows = departments::Entity::find()
        .filter(departments::Column::CampusId.eq(p.campus_id))
        .order_by_asc(departments::Column::Id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(department).collect()))
}

#[utoipa::path(get, path = "/directory/buildings", tag = "directory", params(BuildingQuery),
    responses((status = 200, body = Page<Building>), (status = 401, body = E), (status = 422, body = E)))]
pub async fn list_buildings(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<BuildingQuery>,
) -> ApiResult<Json<Page<Building>>> {
    let limit = limit(q.limit)?;
    let mut query = buildings::Entity::find().filter(buildings::Column::CampusId.eq(p.campus_id));
    if let Some(kind) = q.kind {
        query = query.filter(buildings::Column::Kind.eq(kind.as_str()));
    }
    if let Some(after) = q.after {
        query = query.filter(buildings::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(buildings::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(&s.db.conn)
        .await?;
    Ok(Json(page(
        rows.into_iter().map(building_dto).collect(),
        limit,
        |b| b.id.0,
    )))
}

async fn own_building(s: &AppState, p: &Principal, id: Uuid) -> ApiResult<buildings::Model> {
    buildings::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .filter(|b| b.campus_id == p.campus_id)
        .ok_or(ApiError::NotFound("building"))
}

#[utoipa::path(get, path = "/directory/buildings/{id}", tag = "directory", params(("id" = Uuid, Path, description = "building id")),
    responses((status = 200, body = Building), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn get_building(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Building>> {
    Ok(Json(building_dto(own_building(&s, &p, id).await?)))
}

#[utoipa::path(get, path = "/directory/buildings/{id}/floors", tag = "directory", params(("id" = Uuid, Path, description = "building id")),
    responses((status = 200, body = Vec<Floor>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn floors(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Floor>>> {
    let b = own_building(&s, &p, id).await?;
    let rows = floors::Entity::find()
        .filter(floors::Column::BuildingId.eq(b.id))
        .order_by_asc(floors::Column::Level)
        .all(&s.db.conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Floor {
                id: FloorId(r.id),
                campus_id: CampusId(r.campus_id),
                building_id: BuildingId(r.building_id),
                level: r.level,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/directory/buildings/{id}/rooms", tag = "directory", params(("id" = Uuid, Path, description = "building id"), PageQuery),
    responses((status = 200, body = Page<Room>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn rooms(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Page<Room>>> {
    let limit = limit(q.limit)?;
    let b = own_building(&s, &p, id).await?;
    let mut query = rooms::Entity::find().filter(rooms::Column::BuildingId.eq(b.id));
    if let Some(after) = q.after {
        query = query.filter(rooms::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(rooms::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(&s.db.conn)
        .await?;
    Ok(Json(page(
        rows.into_iter().map(room).collect(),
        limit,
        |r| r.id.0,
    )))
}

#[utoipa::path(get, path = "/directory/rooms/{id}/beds", tag = "directory", params(("id" = Uuid, Path, description = "room id")),
    responses((status = 200, body = Vec<Bed>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn beds(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Bed>>> {
    let r = rooms::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .filter(|r| r.campus_id == p.campus_id)
        .ok_or(ApiError::NotFound("room"))?;
    let rows = beds::Entity::find()
        .filter(beds::Column::RoomId.eq(r.id))
        .order_by_asc(beds::Column::Label)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(bed).collect()))
}

#[utoipa::path(get, path = "/directory/canteens", tag = "directory", responses((status = 200, body = Vec<Canteen>), (status = 401, body = E)))]
pub async fn canteens(State(s): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Canteen>>> {
    let rows = canteens::Entity::find()
        .filter(canteens::Column::CampusId.eq(p.campus_id))
        .order_by_asc(canteens::Column::Id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(canteen).collect()))
}

async fn own_canteen(s: &AppState, p: &Principal, id: Uuid) -> ApiResult<canteens::Model> {
    canteens::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .filter(|c| c.campus_id == p.campus_id)
        .ok_or(ApiError::NotFound("canteen"))
}

#[utoipa::path(get, path = "/directory/canteens/{id}/windows", tag = "directory", params(("id" = Uuid, Path, description = "canteen id")),
    responses((status = 200, body = Vec<CanteenWindow>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn windows(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<CanteenWindow>>> {
    let c = own_canteen(&s, &p, id).await?;
    let rows = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CanteenId.eq(c.id))
        .order_by_asc(canteen_windows::Column::Number)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(window).collect()))
}

#[utoipa::path(get, path = "/directory/canteens/{id}/dishes", tag = "directory", params(("id" = Uuid, Path, description = "canteen id")),
    responses((status = 200, body = Vec<Dish>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn dishes(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Dish>>> {
    let c = own_canteen(&s, &p, id).await?;
    let rows = dishes::Entity::find()
        .filter(dishes::Column::CanteenId.eq(c.id))
        .order_by_asc(dishes::Column::Id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Dish {
                id: DishId(r.id),
                campus_id: CampusId(r.campus_id),
                canteen_id: CanteenId(r.canteen_id),
                window_id: WindowId(r.window_id),
                name: name(r.name_zh, r.name_en),
                price: Money(r.price_fen),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/directory/stations", tag = "directory", responses((status = 200, body = Vec<ParcelStation>), (status = 401, body = E)))]
pub async fn stations(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<ParcelStation>>> {
    let rows = parcel_stations::Entity::find()
        .filter(parcel_stations::Column::CampusId.eq(p.campus_id))
        .order_by_asc(parcel_stations::Column::Id)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(station).collect()))
}

#[utoipa::path(get, path = "/directory/stations/{id}/lockers", tag = "directory", params(("id" = Uuid, Path, description = "station id")),
    responses((status = 200, body = Vec<Locker>), (status = 401, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn lockers(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Locker>>> {
    let st = parcel_stations::Entity::find_by_id(id)
        .one(&s.db.conn)
        .await?
        .filter(|r| r.campus_id == p.campus_id)
        .ok_or(ApiError::NotFound("station"))?;
    let rows = lockers::Entity::find()
        .filter(lockers::Column::StationId.eq(st.id))
        .order_by_asc(lockers::Column::Code)
        .all(&s.db.conn)
        .await?;
    Ok(Json(rows.into_iter().map(locker).collect()))
}

#[utoipa::path(get, path = "/directory/resources", tag = "directory", params(ResourceQuery),
    responses((status = 200, body = Page<Resource>), (status = 401, body = E), (status = 422, body = E)))]
pub async fn list_resources(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<ResourceQuery>,
) -> ApiResult<Json<Page<Resource>>> {
    let limit = limit(q.limit)?;
    let mut query = resources::Entity::find().filter(resources::Column::CampusId.eq(p.campus_id));
    if let Some(kind) = q.kind {
        query = query.filter(resources::Column::Kind.eq(kind.as_str()));
    }
    if let Some(after) = q.after {
        query = query.filter(resources::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(resources::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(&s.db.conn)
        .await?;
    Ok(Json(page(
        rows.into_iter().map(resource).collect(),
        limit,
        |r| r.id.0,
    )))
}

#[utoipa::path(get, path = "/directory/devices", tag = "directory", params(DeviceQuery),
    responses((status = 200, body = Page<Device>), (status = 401, body = E), (status = 403, body = E), (status = 422, body = E)))]
pub async fn list_devices(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<DeviceQuery>,
) -> ApiResult<Json<Page<Device>>> {
    let limit = limit(q.limit)?;
    let mut query = devices::Entity::find().filter(devices::Column::CampusId.eq(p.campus_id));
    if let Some(kind) = q.kind {
        query = query.filter(devices::Column::Kind.eq(kind.as_str()));
    }
    if let Some(b) = q.building_id {
        query = query.filter(devices::Column::BuildingId.eq(b));
    }
    if let Some(after) = q.after {
        query = query.filter(devices::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(devices::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(&s.db.conn)
        .await?;
    Ok(Json(page(
        rows.into_iter().map(device).collect(),
        limit,
        |d| d.id.0,
    )))
}

/// Creates or updates one directory row of the caller's campus and audits it, in
/// the caller's transaction. A row of another campus is "not found", never touched.
async fn save<E>(
    tx: &WriteTx,
    edit: &Edit<'_>,
    id: Uuid,
    what: &'static str,
    model: E::ActiveModel,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
    E::Model: CampusRow + sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    match E::find_by_id(id).one(&**tx).await? {
        Some(row) if row.campus_id() != edit.p.campus_id => return Err(ApiError::NotFound(what)),
        Some(_) => {
            E::update(model).exec(&**tx).await?;
        }
        None => {
            E::insert(model).exec_without_returning(&**tx).await?;
        }
    }
    let caller = Caller {
        addr: &edit.addr.0,
        request_id: current_request_id(),
    };
    audit::record(
        &**tx,
        AuditRecord::by(edit.p, AuditAction::DirectoryChanged, caller, edit.now)
            .target(format!("{what}:{id}")),
    )
    .await?;
    E::find_by_id(id)
        .one(&**tx)
        .await?
        .ok_or(ApiError::NotFound(what))
}

/// Who is editing, from where, and when.
struct Edit<'a> {
    p: &'a Principal,
    addr: &'a ClientAddr,
    now: chrono::DateTime<chrono::Utc>,
}

impl<'a> Edit<'a> {
    fn new(s: &AppState, p: &'a Principal, addr: &'a ClientAddr) -> Self {
        Edit {
            p,
            addr,
            now: s.clock.now(),
        }
    }
}

/// The parent a row hangs off must be on the caller's campus; otherwise the field is wrong.
async fn parent<E>(
    tx: &WriteTx,
    p: &Principal,
    id: Uuid,
    field: &str,
    what: &str,
) -> ApiResult<E::Model>
where
    E: EntityTrait,
    E::Model: CampusRow,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    E::find_by_id(id)
        .one(&**tx)
        .await?
        .filter(|r| r.campus_id() == p.campus_id)
        .ok_or_else(|| ApiError::validation(field, format!("no such {what}")))
}

fn conflict(field: &str, message: &str) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        field: Some(field.into()),
    }
}

fn own_campus(p: &Principal, campus_id: CampusId) -> ApiResult<()> {
    if campus_id.0 != p.campus_id {
        return Err(ApiError::validation(
            "campus_id",
            "you can only edit your own campus",
        ));
    }
    Ok(())
}

/// Creates or updates a building of the caller's campus (the id is made by the client).
#[utoipa::path(put, path = "/directory/buildings/{id}", tag = "directory", request_body = PutBuilding, params(("id" = Uuid, Path, description = "building id")),
    responses((status = 200, body = Building), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_building(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutBuilding>,
) -> ApiResult<Json<Building>> {
    req.validate()?;
    own_campus(&p, req.campus_id)?;
    let tx = s.db.write().await?;
    if let Some(zone) = req.zone_id {
        parent::<zones::Entity>(&tx, &p, zone.0, "zone_id", "zone").await?;
    }
    let clash = buildings::Entity::find()
        .filter(buildings::Column::CampusId.eq(p.campus_id))
        .filter(buildings::Column::Code.eq(req.code.trim()))
        .filter(buildings::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict("code", "another building has this code"));
    }
    let model = buildings::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        zone_id: Set(req.zone_id.map(|z| z.0)),
        code: Set(req.code.trim().to_string()),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
        kind: Set(req.kind.as_str().to_string()),
        floors: Set(req.floors),
    };
    let before = buildings::Entity::find_by_id(id).one(&*tx).await?;
    let row =
        save::<buildings::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "building", model).await?;
    // Technicians' devices carry their zone's buildings: follow a move between zones.
    let mut changes = Changes::default();
    if let Some(old_zone) = before
        .and_then(|b| b.zone_id)
        .filter(|z| Some(*z) != row.zone_id)
    {
        changes.delete(scope::zone(old_zone), BUILDING, id);
    }
    if let Some(zone) = row.zone_id {
        changes.put(scope::zone(zone), BUILDING, id, &building_dto(row.clone()));
    }
    let now = s.clock.now();
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    s.pokes.send(moved);
    Ok(Json(building_dto(row)))
}

/// Creates or updates a room; its floor is created when the building has none at that level.
#[utoipa::path(put, path = "/directory/rooms/{id}", tag = "directory", request_body = PutRoom, params(("id" = Uuid, Path, description = "room id")),
    responses((status = 200, body = Room), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_room(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutRoom>,
) -> ApiResult<Json<Room>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let b =
        parent::<buildings::Entity>(&tx, &p, req.building_id.0, "building_id", "building").await?;
    let clash = rooms::Entity::find()
        .filter(rooms::Column::BuildingId.eq(b.id))
        .filter(rooms::Column::Number.eq(req.number.trim()))
        .filter(rooms::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict(
            "number",
            "the building already has a room with this number",
        ));
    }
    let existing_floor = floors::Entity::find()
        .filter(floors::Column::BuildingId.eq(b.id))
        .filter(floors::Column::Level.eq(req.level))
        .one(&*tx)
        .await?;
    let floor = match existing_floor {
        Some(f) => f.id,
        None => {
            let fid = Uuid::now_v7();
            floors::Entity::insert(floors::ActiveModel {
                id: Set(fid),
                campus_id: Set(p.campus_id),
                building_id: Set(b.id),
                level: Set(req.level),
            })
            .exec_without_returning(&*tx)
            .await?;
            fid
        }
    };
    let model = rooms::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        building_id: Set(b.id),
        floor_id: Set(floor),
        number: Set(req.number.trim().to_string()),
        kind: Set(req.kind.as_str().to_string()),
        capacity: Set(req.capacity),
    };
    let row = save::<rooms::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "room", model).await?;
    tx.commit().await?;
    Ok(Json(room(row)))
}

/// Creates or updates a bed in a room.
#[utoipa::path(put, path = "/directory/beds/{id}", tag = "directory", request_body = PutBed, params(("id" = Uuid, Path, description = "bed id")),
    responses((status = 200, body = Bed), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_bed(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutBed>,
) -> ApiResult<Json<Bed>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let r = parent::<rooms::Entity>(&tx, &p, req.room_id.0, "room_id", "room").await?;
    let clash = beds::Entity::find()
        .filter(beds::Column::RoomId.eq(r.id))
        .filter(beds::Column::Label.eq(req.label.trim()))
        .filter(beds::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict(
            "label",
            "the room already has a bed with this label",
        ));
    }
    let model = beds::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        room_id: Set(r.id),
        label: Set(req.label.trim().to_string()),
    };
    let row = save::<beds::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "bed", model).await?;
    tx.commit().await?;
    Ok(Json(bed(row)))
}

/// Creates or renames a maintenance zone.
#[utoipa::path(put, path = "/directory/zones/{id}", tag = "directory", request_body = PutNamed, params(("id" = Uuid, Path, description = "zone id")),
    responses((status = 200, body = Zone), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn put_zone(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutNamed>,
) -> ApiResult<Json<Zone>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let model = zones::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
    };
    let row = save::<zones::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "zone", model).await?;
    tx.commit().await?;
    Ok(Json(zone(row)))
}

/// Creates or renames a department.
#[utoipa::path(put, path = "/directory/departments/{id}", tag = "directory", request_body = PutNamed, params(("id" = Uuid, Path, description = "department id")),
    responses((status = 200, body = Department), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn put_department(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutNamed>,
) -> ApiResult<Json<Department>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let model = departments::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
    };
    let row = save::<departments::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "department", model)
        .await?;
    tx.commit().await?;
    Ok(Json(department(row)))
}

/// Creates or updates a canteen in a building.
#[utoipa::path(put, path = "/directory/canteens/{id}", tag = "directory", request_body = PutCanteen, params(("id" = Uuid, Path, description = "canteen id")),
    responses((status = 200, body = Canteen), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn put_canteen(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutCanteen>,
) -> ApiResult<Json<Canteen>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let b =
        parent::<buildings::Entity>(&tx, &p, req.building_id.0, "building_id", "building").await?;
    let model = canteens::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        building_id: Set(b.id),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
    };
    let r = save::<canteens::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "canteen", model).await?;
    tx.commit().await?;
    Ok(Json(canteen(r)))
}

/// Creates or updates a window of a canteen.
#[utoipa::path(put, path = "/directory/windows/{id}", tag = "directory", request_body = PutWindow, params(("id" = Uuid, Path, description = "window id")),
    responses((status = 200, body = CanteenWindow), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_window(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutWindow>,
) -> ApiResult<Json<CanteenWindow>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let c = parent::<canteens::Entity>(&tx, &p, req.canteen_id.0, "canteen_id", "canteen").await?;
    let clash = canteen_windows::Entity::find()
        .filter(canteen_windows::Column::CanteenId.eq(c.id))
        .filter(canteen_windows::Column::Number.eq(req.number))
        .filter(canteen_windows::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict(
            "number",
            "the canteen already has a window with this number",
        ));
    }
    let model = canteen_windows::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        canteen_id: Set(c.id),
        number: Set(req.number),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
    };
    let r = save::<canteen_windows::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "window", model)
        .await?;
    tx.commit().await?;
    Ok(Json(window(r)))
}

/// Creates or updates a parcel station in a building.
#[utoipa::path(put, path = "/directory/stations/{id}", tag = "directory", request_body = PutStation, params(("id" = Uuid, Path, description = "station id")),
    responses((status = 200, body = ParcelStation), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn put_station(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutStation>,
) -> ApiResult<Json<ParcelStation>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let b =
        parent::<buildings::Entity>(&tx, &p, req.building_id.0, "building_id", "building").await?;
    let model = parcel_stations::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        building_id: Set(b.id),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
    };
    let r = save::<parcel_stations::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "station", model)
        .await?;
    tx.commit().await?;
    Ok(Json(station(r)))
}

/// Creates or updates a locker compartment of a station.
#[utoipa::path(put, path = "/directory/lockers/{id}", tag = "directory", request_body = PutLocker, params(("id" = Uuid, Path, description = "locker id")),
    responses((status = 200, body = Locker), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_locker(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutLocker>,
) -> ApiResult<Json<Locker>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let st = parent::<parcel_stations::Entity>(&tx, &p, req.station_id.0, "station_id", "station")
        .await?;
    let clash = lockers::Entity::find()
        .filter(lockers::Column::StationId.eq(st.id))
        .filter(lockers::Column::Code.eq(req.code.trim()))
        .filter(lockers::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict(
            "code",
            "the station already has a locker with this code",
        ));
    }
    let model = lockers::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        station_id: Set(st.id),
        code: Set(req.code.trim().to_string()),
        size: Set(req.size.as_str().to_string()),
    };
    let r = save::<lockers::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "locker", model).await?;
    tx.commit().await?;
    Ok(Json(locker(r)))
}

/// Creates or updates a bookable resource.
#[utoipa::path(put, path = "/directory/resources/{id}", tag = "directory", request_body = PutResource, params(("id" = Uuid, Path, description = "resource id")),
    responses((status = 200, body = Resource), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E), (status = 422, body = E)))]
pub async fn put_resource(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutResource>,
) -> ApiResult<Json<Resource>> {
    req.validate()?;
    own_campus(&p, req.campus_id)?;
    let tx = s.db.write().await?;
    if let Some(b) = req.building_id {
        parent::<buildings::Entity>(&tx, &p, b.0, "building_id", "building").await?;
    }
    let model = resources::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        building_id: Set(req.building_id.map(|b| b.0)),
        kind: Set(req.kind.as_str().to_string()),
        name_zh: Set(req.name.zh.trim().to_string()),
        name_en: Set(req.name.en.trim().to_string()),
        capacity: Set(req.capacity),
    };
    let row =
        save::<resources::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "resource", model).await?;
    tx.commit().await?;
    Ok(Json(resource(row)))
}

/// Creates or updates a device (meter, lock, sensor…) and where it is installed.
#[utoipa::path(put, path = "/directory/devices/{id}", tag = "directory", request_body = PutDevice, params(("id" = Uuid, Path, description = "device id")),
    responses((status = 200, body = Device), (status = 401, body = E), (status = 403, body = E), (status = 404, body = E),
        (status = 409, body = E), (status = 422, body = E)))]
pub async fn put_device(
    State(s): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PutDevice>,
) -> ApiResult<Json<Device>> {
    req.validate()?;
    let tx = s.db.write().await?;
    let b =
        parent::<buildings::Entity>(&tx, &p, req.building_id.0, "building_id", "building").await?;
    if let Some(r) = req.room_id {
        let room =
            parent::<rooms::Entity>(&tx, &p, r.0, "room_id", "room in this building").await?;
        if room.building_id != b.id {
            return Err(ApiError::validation(
                "room_id",
                "no such room in this building",
            ));
        }
    }
    let clash = devices::Entity::find()
        .filter(devices::Column::CampusId.eq(p.campus_id))
        .filter(devices::Column::Serial.eq(req.serial.trim()))
        .filter(devices::Column::Id.ne(id))
        .one(&*tx)
        .await?;
    if clash.is_some() {
        return Err(conflict("serial", "another device has this serial"));
    }
    let model = devices::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        building_id: Set(b.id),
        room_id: Set(req.room_id.map(|r| r.0)),
        kind: Set(req.kind.as_str().to_string()),
        serial: Set(req.serial.trim().to_string()),
    };
    let row = save::<devices::Entity>(&tx, &Edit::new(&s, &p, &addr), id, "device", model).await?;
    tx.commit().await?;
    Ok(Json(device(row)))
}

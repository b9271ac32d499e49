//! User administration: list, create, bulk import (CSV), roles and scopes, deactivate.
//!
//! Invariant: an administrator acts only on users of their own campus.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{
    CreateUserRequest, ImportReport, ImportRowError, Lang, Role, Scope, SetRolesRequest,
    UserSummary, validate_display_name, validate_new_password, validate_username,
};
use houqin_shared::audit::AuditAction;
use houqin_shared::directory::Page;
use houqin_shared::ids::UserId;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{Caller, password};
use crate::audit::{self, AuditRecord};
use crate::authz::{Principal, roles_and_scopes};
use crate::entities::{sessions, user_roles, user_scopes, users};
use crate::error::{ApiError, ApiResult, current_request_id};
use crate::extract::{Json, Path, Query};
use crate::http::ClientAddr;
use crate::state::AppState;

pub const IMPORT_MAX_ROWS: usize = 5_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Users whose id is after this one (paging).
    pub after: Option<Uuid>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

async fn summary(conn: &impl ConnectionTrait, u: users::Model) -> ApiResult<UserSummary> {
    let (roles, scopes) = roles_and_scopes(conn, u.id).await?;
    Ok(UserSummary {
        id: UserId(u.id),
        username: u.username,
        display_name: u.display_name,
        roles,
        scopes,
        active: u.active,
        created_at: u.created_at,
    })
}

/// Users of the caller's campus, in id order.
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(UserQuery),
    responses((status = 200, body = Page<UserSummary>), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<UserQuery>,
) -> ApiResult<Json<Page<UserSummary>>> {
    let limit = crate::directory::limit(q.limit)?;
    let conn = &state.db.conn;
    let mut query = users::Entity::find().filter(users::Column::CampusId.eq(p.campus_id));
    if let Some(role) = q.role {
        let ids: Vec<Uuid> = user_roles::Entity::find()
            .filter(user_roles::Column::CampusId.eq(p.campus_id))
            .filter(user_roles::Column::Role.eq(role.as_str()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.user_id)
            .collect();
        query = query.filter(users::Column::Id.is_in(ids));
    }
    if let Some(after) = q.after {
        query = query.filter(users::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(users::Column::Id)
        .limit(u64::from(limit) + 1)
        .all(conn)
        .await?;
    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    for u in rows.into_iter().take(limit as usize) {
        items.push(summary(conn, u).await?);
    }
    let next_after = if more {
        items.last().map(|u| u.id.0)
    } else {
        None
    };
    Ok(Json(Page { items, next_after }))
}

async fn check_scopes(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    scopes: &[Scope],
    field: &str,
) -> ApiResult<()> {
    use crate::entities::{canteens, departments, parcel_stations, zones};
    for (i, scope) in scopes.iter().enumerate() {
        let id = scope.id();
        let found = match scope {
            Scope::Zone(_) => zones::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|r| r.campus_id),
            Scope::Canteen(_) => canteens::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|r| r.campus_id),
            Scope::Department(_) => departments::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|r| r.campus_id),
            Scope::Station(_) => parcel_stations::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|r| r.campus_id),
        };
        if found != Some(campus_id) {
            return Err(ApiError::validation(
                format!("{field}[{i}]"),
                format!("no such {} on this campus", scope.kind()),
            ));
        }
    }
    Ok(())
}

async fn write_roles(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    user_id: Uuid,
    roles: &[Role],
    scopes: &[Scope],
) -> ApiResult<()> {
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    user_scopes::Entity::delete_many()
        .filter(user_scopes::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if !roles.is_empty() {
        user_roles::Entity::insert_many(roles.iter().map(|r| user_roles::ActiveModel {
            id: Set(Uuid::now_v7()),
            campus_id: Set(campus_id),
            user_id: Set(user_id),
            role: Set(r.as_str().to_string()),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    let mut scopes = scopes.to_vec();
    scopes.dedup();
    if !scopes.is_empty() {
        user_scopes::Entity::insert_many(scopes.iter().map(|s| user_scopes::ActiveModel {
            id: Set(Uuid::now_v7()),
            campus_id: Set(campus_id),
            user_id: Set(user_id),
            kind: Set(s.kind().to_string()),
            ref_id: Set(s.id()),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Creates a user on the caller's campus. Retrying with the same `id` returns the user.
#[utoipa::path(post, path = "/admin/users", tag = "admin", request_body = CreateUserRequest,
    responses((status = 201, body = UserSummary), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 409, description = "username taken", body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserSummary>)> {
    req.validate()?;
    let id = req.id.map(|i| i.0).unwrap_or_else(Uuid::now_v7);
    if let Some(existing) = users::Entity::find_by_id(id).one(&state.db.conn).await? {
        if existing.campus_id == p.campus_id && existing.username == req.username {
            return Ok((
                StatusCode::OK,
                Json(summary(&state.db.conn, existing).await?),
            ));
        }
        return Err(ApiError::Conflict {
            message: "this id belongs to another user".into(),
            field: Some("id".into()),
        });
    }
    check_scopes(&state.db.conn, p.campus_id, &req.scopes, "scopes").await?;
    let hash = password::hash(req.password.clone()).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    if users::Entity::find()
        .filter(users::Column::Username.eq(&req.username))
        .one(&*tx)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            message: "username is taken".into(),
            field: Some("username".into()),
        });
    }
    let user = users::ActiveModel {
        id: Set(id),
        campus_id: Set(p.campus_id),
        username: Set(req.username.clone()),
        display_name: Set(req.display_name.trim().to_string()),
        password_hash: Set(hash),
        lang: Set(Lang::default().as_str().to_string()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    users::Entity::insert(user)
        .exec_without_returning(&*tx)
        .await?;
    write_roles(&*tx, p.campus_id, id, &req.roles, &req.scopes).await?;
    let caller = Caller {
        addr: &addr.0,
        request_id: current_request_id(),
    };
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::UserCreated, caller, now)
            .target(format!("user:{id}"))
            .detail(format!(
                "roles: {}",
                req.roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )),
    )
    .await?;
    let created = users::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let out = summary(&*tx, created).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Debug, Deserialize)]
struct CsvRow {
    username: String,
    display_name: String,
    password: String,
    /// Roles separated by `;` or `|`, e.g. `student` or `staff;supervisor`.
    roles: String,
}

/// Creates users from CSV (`username,display_name,password,roles`; roles separated
/// by `;`). All valid rows are created; each invalid row is reported by line and
/// field and creates nothing.
#[utoipa::path(post, path = "/admin/users/import", tag = "admin",
    request_body(content = String, content_type = "text/csv", description = "header: username,display_name,password,roles"),
    responses((status = 200, body = ImportReport), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    body: axum::body::Bytes,
) -> ApiResult<Json<ImportReport>> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::validation("body", "CSV must be UTF-8"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::validation("body", format!("unreadable CSV header: {e}")))?
        .clone();
    for required in ["username", "display_name", "password", "roles"] {
        if !headers.iter().any(|h| h == required) {
            return Err(ApiError::validation(
                "body",
                format!("the header must name the column '{required}'"),
            ));
        }
    }
    let mut errors = Vec::new();
    let mut valid: Vec<(u32, CsvRow, Vec<Role>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = u32::try_from(i + 2).unwrap_or(u32::MAX);
        if i >= IMPORT_MAX_ROWS {
            return Err(ApiError::validation(
                "body",
                format!("at most {IMPORT_MAX_ROWS} rows per import"),
            ));
        }
        let row: CsvRow = match record.and_then(|r| r.deserialize(Some(&headers))) {
            Ok(row) => row,
            Err(e) => {
                errors.push(ImportRowError {
                    line,
                    field: None,
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let check = || -> Result<Vec<Role>, houqin_shared::error::FieldError> {
            validate_username("username", &row.username)?;
            validate_display_name("display_name", &row.display_name)?;
            validate_new_password("password", &row.password)?;
            let roles: Vec<Role> = row
                .roles
                .split([';', '|'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| {
                    Role::parse(r).ok_or_else(|| {
                        houqin_shared::error::FieldError::new(
                            "roles",
                            format!("unknown role '{r}'"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            if roles.is_empty() {
                return Err(houqin_shared::error::FieldError::new(
                    "roles",
                    "at least one role is required",
                ));
            }
            Ok(roles)
        };
        match check() {
            Ok(roles) if seen.insert(row.username.clone()) => valid.push((line, row, roles)),
            Ok(_) => errors.push(ImportRowError {
                line,
                field: Some("username".into()),
                message: "repeats an earlier row".into(),
            }),
            Err(e) => errors.push(ImportRowError {
                line,
                field: Some(e.field),
                message: e.message,
            }),
        }
    }
    // Usernames already taken are row errors, not a failed import.
    let names: Vec<String> = valid.iter().map(|(_, r, _)| r.username.clone()).collect();
    let mut taken = std::collections::HashSet::new();
    for chunk in names.chunks(500) {
        for u in users::Entity::find()
            .filter(users::Column::Username.is_in(chunk.to_vec()))
            .all(&state.db.conn)
            .await?
        {
            taken.insert(u.username);
        }
    }
    let mut to_create = Vec::new();
    for (line, row, roles) in valid {
        if taken.contains(&row.username) {
            errors.push(ImportRowError {
                line,
                field: Some("username".into()),
                message: "username is taken".into(),
            });
        } else {
            to_create.push((row, roles));
        }
    }
    // Hash outside the write lock: each hash is tens of milliseconds.
    let mut hashed = Vec::with_capacity(to_create.len());
    for (row, roles) in to_create {
        let hash = password::hash(row.password.clone()).await?;
        hashed.push((row, roles, hash));
    }
    let now = state.clock.now();
    let tx = state.db.write().await?;
    for (row, roles, hash) in &hashed {
        let id = Uuid::now_v7();
        users::Entity::insert(users::ActiveModel {
            id: Set(id),
            campus_id: Set(p.campus_id),
            username: Set(row.username.clone()),
            display_name: Set(row.display_name.clone()),
            password_hash: Set(hash.clone()),
            lang: Set(Lang::default().as_str().to_string()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&*tx)
        .await?;
        write_roles(&*tx, p.campus_id, id, roles, &[]).await?;
    }
    errors.sort_by_key(|e| e.line);
    let created = u32::try_from(hashed.len()).unwrap_or(u32::MAX);
    let caller = Caller {
        addr: &addr.0,
        request_id: current_request_id(),
    };
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::UsersImported, caller, now)
            .detail(format!("{created} created, {} rows refused", errors.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ImportReport { created, errors }))
}

async fn own_campus_user(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<users::Model> {
    users::Entity::find_by_id(id)
        .one(&state.db.conn)
        .await?
        .filter(|u| u.campus_id == p.campus_id)
        .ok_or(ApiError::NotFound("user"))
}

/// Replaces a user's roles and scopes.
#[utoipa::path(put, path = "/admin/users/{id}/roles", tag = "admin", request_body = SetRolesRequest,
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = UserSummary), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_roles(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<SetRolesRequest>,
) -> ApiResult<Json<UserSummary>> {
    if req.roles.is_empty() {
        return Err(ApiError::validation(
            "roles",
            "at least one role is required",
        ));
    }
    if req.roles.len() > Role::ALL.len() || req.scopes.len() > 64 {
        return Err(ApiError::validation(
            if req.scopes.len() > 64 {
                "scopes"
            } else {
                "roles"
            },
            "too many",
        ));
    }
    if id == p.user_id && !req.roles.contains(&Role::Admin) {
        return Err(ApiError::validation(
            "roles",
            "you cannot remove your own admin role",
        ));
    }
    let user = own_campus_user(&state, &p, id).await?;
    check_scopes(&state.db.conn, p.campus_id, &req.scopes, "scopes").await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let (before, _) = roles_and_scopes(&*tx, id).await?;
    write_roles(&*tx, p.campus_id, id, &req.roles, &req.scopes).await?;
    // The user's devices hold their profile: roles and scopes follow there too.
    let (roles, scopes) = roles_and_scopes(&*tx, id).await?;
    let profile = houqin_shared::accounts::Me {
        id: UserId(id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles,
        scopes,
        lang: Lang::parse(&user.lang).unwrap_or_default(),
        campus_id: houqin_shared::ids::CampusId(user.campus_id),
    };
    let mut changes = crate::sync::changes::Changes::default();
    changes.put(
        houqin_shared::sync::scope::user(id),
        crate::sync::scopes::PROFILE,
        id,
        &profile,
    );
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, changes, now).await?;
    let caller = Caller {
        addr: &addr.0,
        request_id: current_request_id(),
    };
    let names = |roles: &[Role]| {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    audit::record(
        &*tx,
        AuditRecord::by(&p, AuditAction::RolesChanged, caller, now)
            .target(format!("user:{id}"))
            .detail(format!("{} -> {}", names(&before), names(&req.roles))),
    )
    .await?;
    let out = summary(&*tx, user).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(Json(out))
}

async fn set_active(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    active: bool,
    addr: &str,
) -> ApiResult<UserSummary> {
    if id == p.user_id && !active {
        return Err(ApiError::validation("id", "you cannot deactivate yourself"));
    }
    let user = own_campus_user(state, p, id).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    users::ActiveModel {
        id: sea_orm::Unchanged(id),
        active: Set(active),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*tx)
    .await?;
    let mut closed = Vec::new();
    if !active {
        // A deactivated user is signed out everywhere at once.
        let open: Vec<uuid::Uuid> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::Id)
            .filter(sessions::Column::UserId.eq(id))
            .filter(sessions::Column::RevokedAt.is_null())
            .into_tuple()
            .all(&*tx)
            .await?;
        closed = super::close_pay_keys(&tx, user.campus_id, open, now).await?;
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .filter(sessions::Column::UserId.eq(id))
            .filter(sessions::Column::RevokedAt.is_null())
            .exec(&*tx)
            .await?;
    }
    let action = if active {
        AuditAction::UserReactivated
    } else {
        AuditAction::UserDeactivated
    };
    let caller = Caller {
        addr,
        request_id: current_request_id(),
    };
    audit::record(
        &*tx,
        AuditRecord::by(p, action, caller, now).target(format!("user:{id}")),
    )
    .await?;
    let out = summary(&*tx, users::Model { active, ..user }).await?;
    tx.commit().await?;
    state.pokes.send(closed);
    Ok(out)
}

/// Deactivates a user: they cannot sign in, and their sessions end at once.
#[utoipa::path(post, path = "/admin/users/{id}/deactivate", tag = "admin", params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = UserSummary), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn deactivate(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UserSummary>> {
    set_active(&state, &p, id, false, &addr.0).await.map(Json)
}

/// Reactivates a deactivated user.
#[utoipa::path(post, path = "/admin/users/{id}/reactivate", tag = "admin", params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = UserSummary), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn reactivate(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UserSummary>> {
    set_active(&state, &p, id, true, &addr.0).await.map(Json)
}

//! The one authorization layer: every routed request passes through [`authorize`],
//! which looks the route up in [`policy`]. A route without a policy row is refused.
//!
//! Invariant: handlers never decide *whether* a role may call them; they only
//! narrow *which rows* (the caller's campus, own data, scopes).

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use houqin_shared::accounts::{Lang, Role, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::accounts::tokens::TokenError;
use crate::entities::{sessions, user_roles, user_scopes, users};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    Authenticated,
    /// Signed in with one of these roles.
    Roles(&'static [Role]),
}

const MANAGERS: &[Role] = &[Role::Manager, Role::Admin];
const ADMINS: &[Role] = &[Role::Admin];

/// The policy table, keyed by method and route template. One row per endpoint.
pub fn policy(method: &Method, route: &str) -> Option<Access> {
    use Access::*;
    let access = match (method.as_str(), route) {
        ("GET", "/api/v1/health" | "/api/v1/ready" | "/api/v1/openapi.json") => Public,
        ("POST", "/api/v1/auth/login" | "/api/v1/auth/refresh") => Public,
        ("POST", "/api/v1/auth/logout") => Authenticated,
        ("GET", "/api/v1/me") => Authenticated,
        ("PUT", "/api/v1/me/lang") => Authenticated,
        ("POST", "/api/v1/me/password") => Authenticated,
        ("GET", "/api/v1/notifications") => Authenticated,
        ("POST", "/api/v1/notifications/read") => Authenticated,
        (
            "GET",
            "/api/v1/directory/campuses"
            | "/api/v1/directory/zones"
            | "/api/v1/directory/departments"
            | "/api/v1/directory/buildings"
            | "/api/v1/directory/buildings/{id}"
            | "/api/v1/directory/buildings/{id}/floors"
            | "/api/v1/directory/buildings/{id}/rooms"
            | "/api/v1/directory/rooms/{id}/beds"
            | "/api/v1/directory/canteens"
            | "/api/v1/directory/canteens/{id}/windows"
            | "/api/v1/directory/canteens/{id}/dishes"
            | "/api/v1/directory/stations"
            | "/api/v1/directory/stations/{id}/lockers"
            | "/api/v1/directory/resources",
        ) => Authenticated,
        // Device serials and placement are operational detail, not for every student.
        ("GET", "/api/v1/directory/devices") => Roles(&[
            Role::Technician,
            Role::Supervisor,
            Role::Manager,
            Role::Admin,
        ]),
        (
            "PUT",
            "/api/v1/directory/zones/{id}"
            | "/api/v1/directory/departments/{id}"
            | "/api/v1/directory/buildings/{id}"
            | "/api/v1/directory/rooms/{id}"
            | "/api/v1/directory/beds/{id}"
            | "/api/v1/directory/canteens/{id}"
            | "/api/v1/directory/windows/{id}"
            | "/api/v1/directory/stations/{id}"
            | "/api/v1/directory/lockers/{id}"
            | "/api/v1/directory/resources/{id}"
            | "/api/v1/directory/devices/{id}",
        ) => Roles(MANAGERS),
        ("GET", "/api/v1/admin/users") => Roles(ADMINS),
        ("POST", "/api/v1/admin/users") => Roles(ADMINS),
        ("POST", "/api/v1/admin/users/import") => Roles(ADMINS),
        ("PUT", "/api/v1/admin/users/{id}/roles") => Roles(ADMINS),
        ("POST", "/api/v1/admin/users/{id}/deactivate" | "/api/v1/admin/users/{id}/reactivate") => {
            Roles(ADMINS)
        }
        ("GET", "/api/v1/audit") => Roles(MANAGERS),
        // Everyone on campus has a wallet and cards of their own.
        ("GET", "/api/v1/wallet" | "/api/v1/wallet/transfers") => Authenticated,
        ("POST", "/api/v1/wallet/top-ups") => Authenticated,
        ("PUT", "/api/v1/wallet/settings" | "/api/v1/wallet/pin") => Authenticated,
        ("POST", "/api/v1/cards/report-lost" | "/api/v1/cards/{id}/unfreeze") => Authenticated,
        // The card office.
        ("POST", "/api/v1/cards" | "/api/v1/cards/{id}/replace") => Roles(MANAGERS),
        // Sales at a window: the handler narrows to the cashier's canteen.
        ("POST", "/api/v1/payments/charges" | "/api/v1/payments/refunds")
        | ("GET", "/api/v1/payments/shift") => Roles(&[Role::Cashier, Role::Supervisor]),
        ("GET", "/api/v1/payments/audit") => Roles(MANAGERS),
        // Dining: everyone reads menus and orders for themselves; the
        // canteen's staff run the queue (handlers narrow to their canteen).
        ("GET", "/api/v1/dining/canteens/{id}/menu" | "/api/v1/dining/windows/{id}/slots")
        | ("GET", "/api/v1/dining/nutrition/week")
        | ("GET" | "POST", "/api/v1/dining/orders")
        | ("POST", "/api/v1/dining/orders/{id}/cancel") => Authenticated,
        ("POST", "/api/v1/dining/orders/{id}/advance" | "/api/v1/dining/walk-ins")
        | ("GET", "/api/v1/dining/canteens/{id}/queue") => {
            Roles(&[Role::Cashier, Role::Supervisor])
        }
        ("PUT", "/api/v1/dining/portions") => {
            Roles(&[Role::Cashier, Role::Supervisor, Role::Manager, Role::Admin])
        }
        ("PUT", "/api/v1/dining/dishes/{id}" | "/api/v1/dining/canteens/{id}/calendar") => {
            Roles(MANAGERS)
        }
        ("GET", "/api/v1/dining/canteens/{id}/calendar")
        | (
            "GET",
            "/api/v1/dining/canteens/{id}/ratings" | "/api/v1/dining/canteens/{id}/inspections",
        )
        | ("POST", "/api/v1/dining/ratings")
        | ("GET" | "POST", "/api/v1/dining/complaints") => Authenticated,
        ("POST", "/api/v1/dining/complaints/{id}/reply") => Roles(&[Role::Supervisor]),
        ("POST", "/api/v1/dining/inspections")
        | ("GET", "/api/v1/dining/dashboard" | "/api/v1/dining/dashboard/export") => {
            Roles(MANAGERS)
        }
        ("GET", "/api/v1/deliveries")
        | ("POST", "/api/v1/deliveries/{id}/claim" | "/api/v1/deliveries/{id}/deliver") => {
            Roles(&[Role::Courier])
        }
        // Repairs: anyone reports and reads their own; technicians work the
        // jobs; supervisors and managers reassign; managers set dispatch and
        // SLA targets (handlers narrow to the caller's jobs and zones).
        ("GET" | "POST", "/api/v1/repairs")
        | ("GET", "/api/v1/repairs/{id}" | "/api/v1/repairs/assets/{code}")
        | ("POST", "/api/v1/repairs/{id}/review" | "/api/v1/repairs/{id}/follow")
        | ("GET", "/api/v1/repairs/sla") => Authenticated,
        (
            "POST",
            "/api/v1/repairs/{id}/steps"
            | "/api/v1/repairs/{id}/parts"
            | "/api/v1/repairs/{id}/claim",
        ) => Roles(&[Role::Technician]),
        ("GET", "/api/v1/repairs/parts") => Roles(&[
            Role::Technician,
            Role::Supervisor,
            Role::Manager,
            Role::Admin,
        ]),
        ("POST", "/api/v1/repairs/{id}/reassign") | ("GET", "/api/v1/repairs/technicians") => {
            Roles(&[Role::Supervisor, Role::Manager, Role::Admin])
        }
        ("PUT", "/api/v1/repairs/technicians/{id}" | "/api/v1/repairs/sla")
        | (
            "GET",
            "/api/v1/repairs/dashboard"
            | "/api/v1/repairs/dashboard/export"
            | "/api/v1/repairs/pay",
        ) => Roles(MANAGERS),
        // A tag's QR code in a public space: anyone may report it, no account.
        ("GET" | "POST", "/api/v1/repairs/public/{code}") => Public,
        ("GET", "/api/v1/repairs/assets/sheet") => Roles(&[
            Role::Technician,
            Role::Supervisor,
            Role::Manager,
            Role::Admin,
        ]),
        // The canteen office: settlement, reconciliation, exports, offline policy.
        ("GET", "/api/v1/payments/reconciliation" | "/api/v1/payments/reconciliation/export")
        | ("POST", "/api/v1/payments/settlements")
        | ("PUT", "/api/v1/payments/kiosk-policy") => Roles(MANAGERS),
        ("GET", "/api/v1/payments/kiosk-policy") => {
            Roles(&[Role::Cashier, Role::Supervisor, Role::Manager, Role::Admin])
        }
        // Any signed-in user may attach photos (reports, inspections, proofs of
        // delivery); the service whose command names them decides the rest.
        ("POST", "/api/v1/attachments") => Authenticated,
        ("PUT", "/api/v1/attachments/{sha256}/chunks/{offset}") => Authenticated,
        ("GET", "/api/v1/attachments/{sha256}/status" | "/api/v1/attachments/{sha256}") => {
            Authenticated
        }
        // Every signed-in device syncs; what it may push or pull is decided per
        // command (its actor's roles) and per scope (the session's).
        ("POST", "/api/v1/sync/push") => Authenticated,
        ("GET", "/api/v1/sync/pull") => Authenticated,
        ("POST", "/api/v1/sync/events/ticket") => Authenticated,
        // Authenticated by its short-lived ticket (EventSource sends no headers).
        ("GET", "/api/v1/sync/events") => Public,
        _ => return None,
    };
    Some(access)
}

/// The signed-in caller, resolved once per request by [`authorize`].
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub campus_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub lang: Lang,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}

/// Middleware: find the route's policy, authenticate if needed, check the role.
pub async fn authorize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    let Some(access) = policy(req.method(), &route) else {
        tracing::error!(method = %req.method(), route, "route has no authorization policy; refused");
        return ApiError::Forbidden.into_response();
    };
    if access == Access::Public {
        return next.run(req).await;
    }
    let principal = match authenticate(&state, req.headers()).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Access::Roles(allowed) = access
        && !principal.roles.iter().any(|r| allowed.contains(r))
    {
        return ApiError::Forbidden.into_response();
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

pub async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Principal, ApiError> {
    let token = bearer(headers).ok_or(ApiError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(token, state.clock.now())
        .map_err(|e| match e {
            TokenError::Expired => ApiError::SessionExpired,
            TokenError::Malformed | TokenError::BadSignature => ApiError::Unauthenticated,
        })?;
    let session = sessions::Entity::find_by_id(claims.sid)
        .one(&state.db.conn)
        .await?;
    let session = session
        .filter(|s| s.revoked_at.is_none() && s.user_id == claims.uid)
        .ok_or(ApiError::Unauthenticated)?;
    load_principal(state, session.user_id, session.id).await
}

pub async fn load_principal(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Principal, ApiError> {
    let conn = &state.db.conn;
    let user = users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !user.active {
        return Err(ApiError::AccountDisabled);
    }
    let (roles, scopes) = roles_and_scopes(conn, user.id).await?;
    Ok(Principal {
        user_id: user.id,
        session_id,
        campus_id: user.campus_id,
        username: user.username,
        display_name: user.display_name,
        lang: Lang::parse(&user.lang).unwrap_or_default(),
        roles,
        scopes,
    })
}

pub async fn roles_and_scopes(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: Uuid,
) -> Result<(Vec<Role>, Vec<Scope>), ApiError> {
    let mut roles: Vec<Role> = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect();
    roles.sort();
    let scopes = user_scopes::Entity::find()
        .filter(user_scopes::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .iter()
        .filter_map(|s| Scope::from_parts(&s.kind, s.ref_id))
        .collect();
    Ok((roles, scopes))
}

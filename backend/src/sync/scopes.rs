//! Which scopes a session may read, and what each scope holds.
//!
//! Invariant: scopes are decided here from the session, never by the client.

use houqin_shared::accounts::{Lang, Role, Scope};
use houqin_shared::sync::scope;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::authz::{Principal, roles_and_scopes};
use crate::entities::{buildings, notifications, users};

pub use houqin_shared::sync::entity::{BUILDING, NOTIFICATION, PROFILE};

/// The scopes this caller may pull, in a stable order.
pub fn authorized(p: &Principal) -> Vec<String> {
    let mut out = vec![scope::user(p.user_id)];
    if p.has_role(Role::Technician) || p.has_role(Role::Supervisor) {
        for s in &p.scopes {
            if let Scope::Zone(z) = s {
                out.push(scope::zone(*z));
            }
        }
    }
    if crate::payments::offline::reads_kiosk_scope(&p.roles) {
        out.push(scope::kiosk(p.campus_id));
        // The canteen's window queues.
        for s in &p.scopes {
            if let Scope::Canteen(c) = s {
                out.push(scope::queue(*c));
            }
        }
    }
    if crate::repairs::reads_repairs_scope(&p.roles) {
        out.push(crate::repairs::repairs_scope(p.campus_id));
    }
    // Every campus member reads the menus.
    out.push(scope::menu(p.campus_id));
    out.sort();
    out.dedup();
    out
}

/// Every row a scope holds now, from the domain tables (its first snapshot).
pub async fn materialize(
    conn: &impl ConnectionTrait,
    scope_name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(&'static str, Uuid, serde_json::Value)>, DbErr> {
    let (kind, id) = scope_name.split_once(':').unwrap_or(("", ""));
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    match kind {
        "user" => {
            if let Some(u) = users::Entity::find_by_id(id).one(conn).await? {
                let (roles, scopes) = roles_and_scopes(conn, u.id)
                    .await
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                let me = houqin_shared::accounts::Me {
                    id: houqin_shared::ids::UserId(u.id),
                    username: u.username,
                    display_name: u.display_name,
                    roles,
                    scopes,
                    lang: Lang::parse(&u.lang).unwrap_or_default(),
                    campus_id: houqin_shared::ids::CampusId(u.campus_id),
                };
                rows.push((PROFILE, id, serde_json::to_value(me).unwrap_or_default()));
            }
            let notes = notifications::Entity::find()
                .filter(notifications::Column::UserId.eq(id))
                .order_by_desc(notifications::Column::Id)
                .limit(200)
                .all(conn)
                .await?;
            for n in notes {
                let nid = n.id;
                rows.push((
                    NOTIFICATION,
                    nid,
                    serde_json::to_value(crate::notifications::dto(n)).unwrap_or_default(),
                ));
            }
            rows.extend(crate::payments::user_rows(conn, id).await?);
            rows.extend(crate::dining::orders::user_rows(conn, id).await?);
            rows.extend(crate::repairs::user_rows(conn, id).await?);
        }
        "zone" => {
            let list = buildings::Entity::find()
                .filter(buildings::Column::ZoneId.eq(id))
                .all(conn)
                .await?;
            for b in list {
                let bid = b.id;
                rows.push((
                    BUILDING,
                    bid,
                    serde_json::to_value(crate::directory::building_dto(b)).unwrap_or_default(),
                ));
            }
            rows.extend(crate::repairs::zone_rows(conn, id).await?);
        }
        "repairs" => rows.extend(crate::repairs::materialize(conn, id).await?),
        "kiosk" => rows.extend(crate::payments::offline::materialize(conn, id, now).await?),
        "menu" => rows.extend(crate::dining::materialize(conn, id, now).await?),
        "queue" => rows.extend(crate::dining::orders::queue_rows(conn, id, now).await?),
        _ => {}
    }
    Ok(rows)
}

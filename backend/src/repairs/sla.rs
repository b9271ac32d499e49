//! Repairs housekeeping, run every few minutes and on demand by tests with
//! a fake clock: escalate jobs whose SLA is at risk (the zone's
//! supervisors are told) or breached (the campus's managers are told),
//! each once; close completed jobs the reporter neither accepted nor
//! reopened within the campus's days ("accepted automatically"); archive
//! jobs closed for `ZONE_KEEPS_CLOSED_DAYS` out of their zone's scope, so
//! technicians' tablets carry the open work and a month of history, not
//! every job ever.

use chrono::{DateTime, Utc};
use houqin_shared::accounts::Role;
use houqin_shared::repairs::{SlaState, Status, ZONE_KEEPS_CLOSED_DAYS, sla_state};
use houqin_shared::sync::entity::WORK_ORDER;
use houqin_shared::sync::scope;
use houqin_shared::text::LocalName;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::{auto_accept_days, people_with, publish, record, tell};
use crate::entities::work_orders;
use crate::sync::changes::{self, Changes};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub at_risk: u32,
    pub breached: u32,
    pub closed: u32,
    pub archived: u32,
}

/// Escalates and auto-accepts as of `now`; answers what it did and the
/// scopes that moved (to poke).
pub async fn sweep(db: &crate::db::Db, now: DateTime<Utc>) -> Result<(Swept, Vec<String>), DbErr> {
    let mut swept = Swept::default();
    let mut moved = Vec::new();
    let open: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| !s.is_done())
        .map(|s| s.slug())
        .collect();
    let late = work_orders::Entity::find()
        .filter(work_orders::Column::Status.is_in(open))
        .filter(work_orders::Column::Escalation.lt(2))
        .all(&db.conn)
        .await?;
    for w in late {
        let state = sla_state(
            w.created_at,
            w.respond_by,
            w.resolve_by,
            w.responded_at,
            None,
            now,
        );
        let level: i16 = match state {
            SlaState::Breached => 2,
            SlaState::AtRisk => 1,
            _ => continue,
        };
        if w.escalation >= level {
            continue;
        }
        let tx = db.write().await?;
        // Once per level, whoever else sweeps at the same time.
        let done = work_orders::Entity::update_many()
            .col_expr(
                work_orders::Column::Escalation,
                sea_orm::sea_query::Expr::value(level),
            )
            .filter(work_orders::Column::Id.eq(w.id))
            .filter(work_orders::Column::Escalation.lt(level))
            .exec(&*tx)
            .await?
            .rows_affected;
        if done == 0 {
            continue;
        }
        let w = work_orders::Model {
            escalation: level,
            ..w
        };
        let mut changes = Changes::default();
        let (kind_note, people) = if level == 2 {
            swept.breached += 1;
            (
                "breached",
                people_with(&*tx, w.campus_id, Role::Manager, None).await?,
            )
        } else {
            swept.at_risk += 1;
            (
                "at_risk",
                people_with(&*tx, w.campus_id, Role::Supervisor, w.zone_id).await?,
            )
        };
        record(&*tx, &w, now, None, None, "escalated", kind_note).await?;
        let (zh, en) = if level == 2 {
            ("已超时", "is past its deadline")
        } else {
            ("可能超时", "is at risk of missing its deadline")
        };
        for person in people {
            tell(
                &*tx,
                &mut changes,
                &w,
                person,
                LocalName::new(
                    format!("维修单 {} {zh}", w.number),
                    format!("Repair {} {en}", w.number),
                ),
                LocalName::new(w.description.clone(), w.description.clone()),
                now,
            )
            .await?;
        }
        publish(&*tx, &mut changes, &w, None).await?;
        moved.extend(changes::commit(&*tx, w.campus_id, changes, now).await?);
        tx.commit().await?;
    }

    let completed = work_orders::Entity::find()
        .filter(work_orders::Column::Status.eq(Status::Completed.slug()))
        .all(&db.conn)
        .await?;
    // One read per campus, not per job; and no write outside a write transaction.
    let mut days_of: std::collections::HashMap<uuid::Uuid, i64> = std::collections::HashMap::new();
    for w in completed {
        let days = match days_of.get(&w.campus_id) {
            Some(d) => *d,
            None => {
                let d = auto_accept_days(&db.conn, w.campus_id).await?;
                days_of.insert(w.campus_id, d);
                d
            }
        };
        let Some(done) = w.completed_at else { continue };
        if now < done + chrono::Duration::days(days) {
            continue;
        }
        let tx = db.write().await?;
        let closed = work_orders::Entity::update_many()
            .col_expr(
                work_orders::Column::Status,
                sea_orm::sea_query::Expr::value(Status::Closed.slug()),
            )
            .col_expr(
                work_orders::Column::ClosedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                work_orders::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(work_orders::Column::Id.eq(w.id))
            .filter(work_orders::Column::Status.eq(Status::Completed.slug()))
            .exec(&*tx)
            .await?
            .rows_affected;
        if closed == 0 {
            continue;
        }
        swept.closed += 1;
        let w = work_orders::Model {
            status: Status::Closed.slug().into(),
            closed_at: Some(now),
            updated_at: now,
            ..w
        };
        record(
            &*tx,
            &w,
            now,
            None,
            None,
            "closed",
            &format!("accepted automatically after {days} days"),
        )
        .await?;
        let mut changes = Changes::default();
        publish(&*tx, &mut changes, &w, None).await?;
        moved.extend(changes::commit(&*tx, w.campus_id, changes, now).await?);
        tx.commit().await?;
    }

    // Closed a month ago: out of the zone's scope (a tombstone there); the
    // people's own scopes keep it. A few hundred a sweep.
    let stale = work_orders::Entity::find()
        .filter(work_orders::Column::Status.eq(Status::Closed.slug()))
        .filter(
            work_orders::Column::ClosedAt.lt(now - chrono::Duration::days(ZONE_KEEPS_CLOSED_DAYS)),
        )
        .filter(work_orders::Column::ArchivedAt.is_null())
        .limit(500)
        .all(&db.conn)
        .await?;
    for w in stale {
        let tx = db.write().await?;
        let archived = work_orders::Entity::update_many()
            .col_expr(
                work_orders::Column::ArchivedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(work_orders::Column::Id.eq(w.id))
            .filter(work_orders::Column::ArchivedAt.is_null())
            .exec(&*tx)
            .await?
            .rows_affected;
        if archived == 0 {
            continue;
        }
        swept.archived += 1;
        let mut changes = Changes::default();
        if let Some(z) = w.zone_id {
            changes.delete(scope::zone(z), WORK_ORDER, w.id);
        }
        moved.extend(changes::commit(&*tx, w.campus_id, changes, now).await?);
        tx.commit().await?;
    }
    Ok((swept, moved))
}

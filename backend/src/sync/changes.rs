//! Rows changed by a transaction, applied to the scopes' synced state in that
//! same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use houqin_shared::sync::row_hash;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{sync_rows, sync_scopes};

struct Row {
    entity: &'static str,
    id: Uuid,
    data: Option<serde_json::Value>,
}

/// What a transaction changed, grouped by scope.
#[derive(Default)]
pub struct Changes {
    scopes: BTreeMap<String, Vec<Row>>,
}

impl Changes {
    pub fn put<T: Serialize>(&mut self, scope: String, entity: &'static str, id: Uuid, data: &T) {
        let data = serde_json::to_value(data).unwrap_or(serde_json::Value::Null);
        self.scopes.entry(scope).or_default().push(Row {
            entity,
            id,
            data: Some(data),
        });
    }

    /// The row was deleted, or left the scope.
    pub fn delete(&mut self, scope: String, entity: &'static str, id: Uuid) {
        self.scopes.entry(scope).or_default().push(Row {
            entity,
            id,
            data: None,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

fn bits(x: u64) -> i64 {
    i64::from_ne_bytes(x.to_ne_bytes())
}

fn unbits(x: i64) -> u64 {
    u64::from_ne_bytes(x.to_ne_bytes())
}

/// Applies `changes` to the synced state, scope by scope in name order (one fixed
/// lock order, so two transactions never wait on each other's scopes crosswise).
/// Returns the scopes whose version moved, for pokes after commit.
pub async fn commit(
    tx: &impl ConnectionTrait,
    campus_id: Uuid,
    changes: Changes,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    let mut moved = Vec::new();
    for (scope, rows) in changes.scopes {
        let (mut version, mut checksum, created) = lock_scope(tx, &scope, campus_id).await?;
        if created {
            // First change to this scope: its rows so far join the synced state,
            // inserted in bulk (the scope has no rows yet to compare against).
            let snapshot = super::scopes::materialize(tx, &scope, now).await?;
            let mut batch = Vec::with_capacity(snapshot.len().min(500));
            for (entity, id, data) in snapshot {
                let json = serde_json::to_string(&data).unwrap_or_default();
                let hash = row_hash(entity, id, &json);
                checksum = checksum.wrapping_add(hash);
                version += 1;
                batch.push(sync_rows::ActiveModel {
                    scope: Set(scope.clone()),
                    entity: Set(entity.to_string()),
                    row_id: Set(id),
                    campus_id: Set(campus_id),
                    version: Set(version),
                    data: Set(Some(json)),
                    hash: Set(bits(hash)),
                    updated_at: Set(now),
                });
                if batch.len() == 500 {
                    sync_rows::Entity::insert_many(std::mem::take(&mut batch))
                        .exec_without_returning(tx)
                        .await?;
                }
            }
            if !batch.is_empty() {
                sync_rows::Entity::insert_many(batch)
                    .exec_without_returning(tx)
                    .await?;
            }
            if version > 0 {
                moved.push(scope.clone());
                sync_scopes::Entity::update_many()
                    .col_expr(
                        sync_scopes::Column::Version,
                        sea_orm::sea_query::Expr::value(version),
                    )
                    .col_expr(
                        sync_scopes::Column::Checksum,
                        sea_orm::sea_query::Expr::value(bits(checksum)),
                    )
                    .filter(sync_scopes::Column::Scope.eq(&scope))
                    .exec(tx)
                    .await?;
            }
        }
        let all = rows;
        let before = version;
        for row in all {
            let existing =
                sync_rows::Entity::find_by_id((scope.clone(), row.entity.to_string(), row.id))
                    .one(tx)
                    .await?;
            let json = row
                .data
                .as_ref()
                .map(|d| serde_json::to_string(d).unwrap_or_default());
            if existing.as_ref().is_some_and(|e| e.data == json)
                || (existing.is_none() && json.is_none())
            {
                continue;
            }
            let hash = json
                .as_deref()
                .map(|j| row_hash(row.entity, row.id, j))
                .unwrap_or(0);
            let old_hash = existing.as_ref().map(|e| unbits(e.hash)).unwrap_or(0);
            checksum = checksum.wrapping_sub(old_hash).wrapping_add(hash);
            version += 1;
            let model = sync_rows::ActiveModel {
                scope: Set(scope.clone()),
                entity: Set(row.entity.to_string()),
                row_id: Set(row.id),
                campus_id: Set(campus_id),
                version: Set(version),
                data: Set(json),
                hash: Set(bits(hash)),
                updated_at: Set(now),
            };
            if existing.is_some() {
                sync_rows::Entity::update(model).exec(tx).await?;
            } else {
                sync_rows::Entity::insert(model)
                    .exec_without_returning(tx)
                    .await?;
            }
        }
        if version != before {
            if !moved.contains(&scope) {
                moved.push(scope.clone());
            }
            sync_scopes::Entity::update_many()
                .col_expr(
                    sync_scopes::Column::Version,
                    sea_orm::sea_query::Expr::value(version),
                )
                .col_expr(
                    sync_scopes::Column::Checksum,
                    sea_orm::sea_query::Expr::value(bits(checksum)),
                )
                .filter(sync_scopes::Column::Scope.eq(&scope))
                .exec(tx)
                .await?;
        }
    }
    if !moved.is_empty() && tx.get_database_backend() == DbBackend::Postgres {
        // Delivered to every listening process if, and only if, this transaction commits.
        for chunk in moved.chunks(100) {
            let payload = serde_json::to_string(chunk).unwrap_or_default();
            tx.execute_raw(sea_orm::Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [super::PG_CHANNEL.into(), payload.into()],
            ))
            .await?;
        }
    }
    Ok(moved)
}

/// Locks the scope's row for this transaction (creating it if new) and returns
/// its version, checksum and whether this transaction created it.
async fn lock_scope(
    tx: &impl ConnectionTrait,
    scope: &str,
    campus_id: Uuid,
) -> Result<(i64, u64, bool), DbErr> {
    let find = || {
        let mut query = sync_scopes::Entity::find_by_id(scope.to_string());
        if tx.get_database_backend() == DbBackend::Postgres {
            // Held to commit: the next writer of this scope waits, so versions commit in order.
            query = query.lock_exclusive();
        }
        query
    };
    // Most writes find their scope: one statement.
    if let Some(row) = find().one(tx).await? {
        return Ok((row.version, unbits(row.checksum), false));
    }
    let inserted = sync_scopes::Entity::insert(sync_scopes::ActiveModel {
        scope: Set(scope.to_string()),
        campus_id: Set(campus_id),
        version: Set(0),
        checksum: Set(0),
        horizon: Set(0),
    })
    .on_conflict(
        OnConflict::column(sync_scopes::Column::Scope)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    let row = find()
        .one(tx)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("sync scope {scope}")))?;
    Ok((row.version, unbits(row.checksum), inserted == 1))
}

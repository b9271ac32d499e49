//! Change-log retention: tombstones (deleted rows) are kept for a while so
//! clients learn of deletions incrementally, then pruned. A client whose cursor
//! is older than a scope's pruned horizon gets `reset` for it.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::Db;
use crate::entities::{sync_rows, sync_scopes};

/// Prunes tombstones last changed before `before`, scope by scope; returns how many.
pub async fn prune(db: &Db, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let scopes: Vec<String> = sync_rows::Entity::find()
        .select_only()
        .column(sync_rows::Column::Scope)
        .filter(sync_rows::Column::Data.is_null())
        .filter(sync_rows::Column::UpdatedAt.lt(before))
        .distinct()
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut pruned = 0;
    for scope in scopes {
        let tx = db.write().await?;
        let newest: Option<i64> = sync_rows::Entity::find()
            .select_only()
            .column(sync_rows::Column::Version)
            .filter(sync_rows::Column::Scope.eq(&scope))
            .filter(sync_rows::Column::Data.is_null())
            .filter(sync_rows::Column::UpdatedAt.lt(before))
            .order_by_desc(sync_rows::Column::Version)
            .into_tuple()
            .one(&*tx)
            .await?;
        let Some(horizon) = newest else { continue };
        let done = sync_rows::Entity::delete_many()
            .filter(sync_rows::Column::Scope.eq(&scope))
            .filter(sync_rows::Column::Data.is_null())
            .filter(sync_rows::Column::Version.lte(horizon))
            .exec(&*tx)
            .await?;
        // Cursors at or below the horizon may have missed a pruned deletion.
        sync_scopes::Entity::update_many()
            .col_expr(
                sync_scopes::Column::Horizon,
                sea_orm::sea_query::Expr::value(horizon),
            )
            .filter(sync_scopes::Column::Scope.eq(&scope))
            .filter(sync_scopes::Column::Horizon.lt(horizon))
            .exec(&*tx)
            .await?;
        tx.commit().await?;
        pruned += done.rows_affected;
    }
    Ok(pruned)
}

//! Repairs: when a closed work order left its zone's sync scope.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("work_orders")
                .add_column(timestamp_with_time_zone_null("archived_at"))
                .to_owned(),
        )
        .await
    }
}

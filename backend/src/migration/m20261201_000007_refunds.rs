//! Refunds of sales, each approved by a supervisor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("refunds")
                // The kiosk's refund id: the idempotency key.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("sale_id"))
                .col(uuid("window_id"))
                .col(big_integer("amount"))
                .col(uuid("cashier_id"))
                .col(uuid("supervisor_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refunds_sale")
                .table("refunds")
                .col("sale_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: refunds cannot be rolled back".into(),
        ))
    }
}

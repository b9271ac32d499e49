//! Repairs: people who follow someone else's open job instead of reporting
//! the same fault again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("work_order_followers")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("work_order_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_work_order_followers")
                .table("work_order_followers")
                .col("work_order_id")
                .col("user_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_work_order_followers_user")
                .table("work_order_followers")
                .col("user_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

//! Canteens' opening calendars (rules per meal period and dated overrides,
//! over the public holidays) and takeout delivery tasks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("canteen_calendars")
                .col(pk_uuid("canteen_id"))
                .col(uuid("campus_id"))
                // `shared::calendar::CanteenCalendar` as JSON.
                .col(text("calendar"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("delivery_tasks")
                // The order's id: one delivery per takeout order.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(uuid("window_id"))
                .col(uuid("building_id"))
                .col(string_len("room", 16))
                .col(string_len("number", 8))
                .col(timestamp_with_time_zone("slot"))
                .col(big_integer("fee"))
                // `open`, `claimed`, `delivered` or `cancelled`.
                .col(string_len("status", 10))
                .col(uuid_null("courier_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_delivery_tasks_campus_status")
                .table("delivery_tasks")
                .col("campus_id")
                .col("status")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: calendars and deliveries cannot be rolled back".into(),
        ))
    }
}

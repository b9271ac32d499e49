//! Dining: what managers keep about each dish, each window's pickup slot
//! settings, each day's portions, each slot's bookings, and orders.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dish_details")
                .col(pk_uuid("dish_id"))
                .col(uuid("campus_id"))
                // Comma-separated slugs.
                .col(string_len("allergens", 200))
                .col(string_len("tags", 200))
                .col(string_len("periods", 60))
                .col(big_integer("energy_kcal"))
                .col(big_integer("protein_mg"))
                .col(big_integer("fat_mg"))
                .col(big_integer("carbohydrate_mg"))
                .col(big_integer("sodium_mg"))
                .col(string_len_null("photo", 64))
                // Portions a day and period unless a window sets them.
                .col(integer("default_portions"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("window_settings")
                .col(pk_uuid("window_id"))
                .col(uuid("campus_id"))
                .col(integer("slot_capacity"))
                .col(integer("prep_minutes"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("portions")
                // `dining::portions_id(dish, day, period)`.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(uuid("window_id"))
                .col(uuid("dish_id"))
                .col(string_len("day", 10))
                .col(string_len("period", 12))
                .col(integer("total"))
                .col(integer("left_count"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_portions_canteen_day")
                .table("portions")
                .col("canteen_id")
                .col("day")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("slot_loads")
                // `dining::slot_id(window, start)`.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(uuid("window_id"))
                .col(timestamp_with_time_zone("start"))
                .col(integer("capacity"))
                .col(integer("booked"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_slot_loads_canteen_start")
                .table("slot_loads")
                .col("canteen_id")
                .col("start")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("orders")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(uuid("window_id"))
                .col(uuid_null("user_id"))
                .col(string_len("source", 8))
                .col(string_len("day", 10))
                .col(string_len("period", 12))
                .col(timestamp_with_time_zone("slot"))
                .col(big_integer("total"))
                .col(uuid_null("takeout_building_id"))
                .col(string_len_null("takeout_room", 16))
                .col(string_len("status", 12))
                .col(string_len("number", 8))
                .col(timestamp_with_time_zone_null("ready_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("cooking_at"))
                .col(timestamp_with_time_zone_null("done_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_orders_window_day")
                .table("orders")
                .col("window_id")
                .col("day")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_orders_user")
                .table("orders")
                .col("user_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("order_lines")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("order_id"))
                .col(uuid("dish_id"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(integer("quantity"))
                .col(big_integer("price"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_order_lines_order")
                .table("order_lines")
                .col("order_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("order_counters")
                .col(uuid("window_id"))
                .col(string_len("day", 10))
                .col(uuid("campus_id"))
                .col(integer("last"))
                .primary_key(Index::create().col("window_id").col("day"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: dining cannot be rolled back".into(),
        ))
    }
}

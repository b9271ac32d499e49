//! Ratings of dishes and windows, complaints to canteens, food-safety inspections.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ratings")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("order_id"))
                .col(uuid("user_id"))
                .col(uuid("window_id"))
                .col(uuid_null("dish_id"))
                // `dish:<id>` or `window`: one rating each per order.
                .col(string_len("target", 48))
                .col(small_integer("stars"))
                .col(string_len_null("comment", 1200))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_ratings_order_target")
                .table("ratings")
                .col("order_id")
                .col("target")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ratings_window")
                .table("ratings")
                .col("window_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("complaints")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(uuid_null("window_id"))
                .col(uuid_null("order_id"))
                .col(uuid("user_id"))
                .col(string_len("text", 4000))
                .col(string_len("status", 14))
                .col(string_len_null("reply", 4000))
                .col(uuid_null("handled_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_complaints_canteen")
                .table("complaints")
                .col("canteen_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("inspections")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                .col(string_len("date", 10))
                .col(string_len("inspector", 256))
                .col(string_len("result", 8))
                .col(string_len("notes", 4000))
                // Comma-separated content hashes.
                .col(string_len("photos", 400))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: feedback cannot be rolled back".into(),
        ))
    }
}

//! The offline kiosk (sales settled on reconnection, each kiosk's sequence,
//! what reconciliation must look at, the campus's offline policy) and the
//! daily settlement of each canteen's tills.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("offline_sales")
                // The kiosk's sale id.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("window_id"))
                .col(uuid("kiosk_id"))
                .col(big_integer("kiosk_seq"))
                .col(uuid("cashier_id"))
                // `card` (ref: the chip id) or `qr` (ref: the session).
                .col(string_len("payer_kind", 4))
                .col(string_len("payer_ref", 64))
                .col(uuid_null("user_id"))
                .col(big_integer("amount"))
                .col(big_integer("from_subsidy"))
                .col(big_integer("from_wallet"))
                .col(big_integer("from_receivable"))
                // `booked`, `unmatched` (no payer found) or `duplicate` (the
                // online attempt with this id had reached the server).
                .col(string_len("status", 12))
                .col(big_integer("hotlist_version"))
                .col(timestamp_with_time_zone("sold_at"))
                .col(timestamp_with_time_zone("settled_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_offline_sales_kiosk")
                .table("offline_sales")
                .col("kiosk_id")
                .col("kiosk_seq")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_offline_sales_settled")
                .table("offline_sales")
                .col("campus_id")
                .col("settled_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kiosk_sequences")
                .col(pk_uuid("kiosk_id"))
                .col(uuid("campus_id"))
                .col(big_integer("last_seq"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("offline_exceptions")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("kind", 24))
                .col(uuid_null("kiosk_id"))
                .col(uuid_null("sale_id"))
                .col(uuid_null("window_id"))
                .col(uuid_null("user_id"))
                .col(big_integer("amount"))
                .col(string_len("detail", 300))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_offline_exceptions_campus")
                .table("offline_exceptions")
                .col("campus_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("kiosk_policies")
                .col(pk_uuid("campus_id"))
                .col(big_integer("per_sale"))
                .col(big_integer("per_card_day"))
                .col(big_integer("per_kiosk"))
                .col(big_integer("max_hotlist_age_secs"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("settlements")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("canteen_id"))
                // The campus day settled, `YYYY-MM-DD`.
                .col(string_len("day", 10))
                .col(integer("sales"))
                .col(big_integer("gross"))
                .col(big_integer("refunded"))
                .col(big_integer("swept"))
                .col(uuid("settled_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_settlements_canteen_day")
                .table("settlements")
                .col("canteen_id")
                .col("day")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: offline sales and settlements cannot be rolled back".into(),
        ))
    }
}

//! Payments: each person's wallet settings and ledger accounts, campus cards,
//! and the sales made at windows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("wallets")
                .col(pk_uuid("user_id"))
                .col(uuid("campus_id"))
                .col(uuid("wallet_account_id"))
                .col(uuid("subsidy_account_id"))
                .col(uuid("receivable_account_id"))
                .col(big_integer("daily_limit"))
                .col(big_integer("no_pin_limit"))
                .col(string_null("pin_hash"))
                .col(integer("pin_failures"))
                .col(timestamp_with_time_zone_null("pin_locked_until"))
                .col(boolean("offline_blocked"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cards")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("user_id"))
                .col(string_len("uid", 20))
                .col(string_len("status", 10))
                .col(timestamp_with_time_zone("issued_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_cards_uid")
                .table("cards")
                .col("campus_id")
                .col("uid")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_cards_user")
                .table("cards")
                .col("user_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sales")
                // The kiosk's sale id: the idempotency key.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("window_id"))
                .col(uuid("payer_id"))
                .col(uuid_null("card_id"))
                .col(string_len("method", 8))
                .col(big_integer("amount"))
                .col(big_integer("from_subsidy"))
                .col(big_integer("from_wallet"))
                .col(uuid("cashier_id"))
                .col(string_len("status", 10))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sales_payer_day")
                .table("sales")
                .col("payer_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sales_window_day")
                .table("sales")
                .col("window_id")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: payments cannot be rolled back".into(),
        ))
    }
}

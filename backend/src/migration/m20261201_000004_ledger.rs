//! The campus-card ledger: accounts with their four sums, immutable
//! transfers, and the state of two-phase (pending) transfers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ledger_accounts")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("kind", 32))
                // Whose account: a user id, a till's or merchant's id, or "campus".
                .col(string_len("holder", 36))
                .col(uuid_null("owner_id"))
                .col(big_integer("debits_posted"))
                .col(big_integer("credits_posted"))
                .col(big_integer("debits_pending"))
                .col(big_integer("credits_pending"))
                .col(big_integer("credit_limit"))
                .col(boolean("frozen"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_ledger_accounts_holder")
                .table("ledger_accounts")
                .col("campus_id")
                .col("kind")
                .col("holder")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_transfers")
                // Made by the client: the idempotency key.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("debit_account_id"))
                .col(uuid("credit_account_id"))
                .col(big_integer("amount"))
                .col(string_len("phase", 8))
                .col(uuid_null("pending_id"))
                .col(integer_null("timeout_secs"))
                .col(string_len("code", 16))
                .col(boolean("linked"))
                .col(string_len_null("reference", 64))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_ledger_transfers_debit", "debit_account_id"),
            ("ix_ledger_transfers_credit", "credit_account_id"),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("ledger_transfers")
                    .col(col)
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_ledger_transfers_pending")
                .table("ledger_transfers")
                .col("pending_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_pending")
                .col(pk_uuid("transfer_id"))
                .col(uuid("campus_id"))
                // pending, posted, voided, expired
                .col(string_len("state", 8))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(uuid_null("resolved_by"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ledger_pending_due")
                .table("ledger_pending")
                .col("state")
                .col("expires_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: the ledger cannot be rolled back".into(),
        ))
    }
}

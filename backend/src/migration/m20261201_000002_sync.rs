//! The sync protocol's server state: clients and their applied seq, command
//! outcomes, per-scope versions and checksums, and each scope's latest rows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sync_clients")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(big_integer("last_applied_seq"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sync_outcomes")
                // The command id: a second fence against a command applied twice.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("client_id"))
                .col(big_integer("seq"))
                .col(uuid("user_id"))
                .col(string_len("name", 64))
                .col(string_len("status", 16))
                .col(string_len_null("code", 32))
                .col(text_null("message"))
                .col(string_len_null("field", 128))
                .col(timestamp_with_time_zone("applied_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sync_outcomes_client_seq")
                .table("sync_outcomes")
                .col("client_id")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sync_scopes")
                .col(string_len("scope", 80).primary_key())
                .col(uuid("campus_id"))
                .col(big_integer("version"))
                // u64 bits stored as i64: the wrapping sum of the scope's row hashes.
                .col(big_integer("checksum"))
                // Tombstones up to this version were pruned; older cursors must reset.
                .col(big_integer("horizon"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sync_rows")
                .col(string_len("scope", 80))
                .col(string_len("entity", 32))
                .col(uuid("row_id"))
                .col(uuid("campus_id"))
                .col(big_integer("version"))
                .col(text_null("data"))
                .col(big_integer("hash"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("scope").col("entity").col("row_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sync_rows_scope_version")
                .table("sync_rows")
                .col("scope")
                .col("version")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: the sync schema cannot be rolled back".into(),
        ))
    }
}

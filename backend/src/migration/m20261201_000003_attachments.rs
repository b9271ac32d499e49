//! Attachments (photos), content-addressed per campus, and the chunks of their
//! uploads. A finished upload keeps its chunks: they are its bytes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("attachments")
                .col(uuid("campus_id"))
                .col(string_len("sha256", 64))
                .col(big_integer("size"))
                .col(string_len("mime", 32))
                // Bytes stored so far, from the start: the next chunk's offset.
                .col(big_integer("received"))
                .col(boolean("complete"))
                .col(uuid("uploaded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("campus_id").col("sha256"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("attachment_chunks")
                .col(uuid("campus_id"))
                .col(string_len("sha256", 64))
                .col(big_integer("offset"))
                .col(blob("data"))
                .primary_key(Index::create().col("campus_id").col("sha256").col("offset"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "migrations are append-only; restore from a backup instead".into(),
        ))
    }
}

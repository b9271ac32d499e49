//! QR pay codes already used: each is accepted once (its session, time and
//! nonce); rows older than the freshness window can go.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("pay_code_uses")
                .col(uuid("session_id"))
                .col(big_integer("at"))
                .col(big_integer("nonce"))
                .col(uuid("campus_id"))
                .col(timestamp_with_time_zone("used_at"))
                .primary_key(Index::create().col("session_id").col("at").col("nonce"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "append-only: pay code uses cannot be rolled back".into(),
        ))
    }
}

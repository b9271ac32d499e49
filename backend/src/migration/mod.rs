//! Append-only schema migrations. Never edit one that has landed: add a new file.
//!
//! `DeriveMigrationName` takes each migration's name from its file name.

use sea_orm_migration::prelude::*;

mod m20261201_000001_core;
mod m20261201_000002_sync;
mod m20261201_000003_attachments;
mod m20261201_000004_ledger;
mod m20261201_000005_payments;
mod m20261201_000006_pay_codes;
mod m20261201_000007_refunds;
mod m20261201_000008_offline_kiosk;
mod m20261201_000009_dining;
mod m20261201_000010_canteen_days;
mod m20261201_000011_dining_feedback;
mod m20261201_000012_repairs;
mod m20261201_000013_repair_followers;
mod m20261201_000014_work_order_archive;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_core::Migration),
            Box::new(m20261201_000002_sync::Migration),
            Box::new(m20261201_000003_attachments::Migration),
            Box::new(m20261201_000004_ledger::Migration),
            Box::new(m20261201_000005_payments::Migration),
            Box::new(m20261201_000006_pay_codes::Migration),
            Box::new(m20261201_000007_refunds::Migration),
            Box::new(m20261201_000008_offline_kiosk::Migration),
            Box::new(m20261201_000009_dining::Migration),
            Box::new(m20261201_000010_canteen_days::Migration),
            Box::new(m20261201_000011_dining_feedback::Migration),
            Box::new(m20261201_000012_repairs::Migration),
            Box::new(m20261201_000013_repair_followers::Migration),
            Box::new(m20261201_000014_work_order_archive::Migration),
        ]
    }
}

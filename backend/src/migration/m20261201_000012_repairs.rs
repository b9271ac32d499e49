//! Repairs: assets with QR tags, work orders and their history, the parts
//! store and what jobs drew from it, technicians' dispatch profiles, SLA
//! targets and the campus's repair settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("assets")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("code", 24))
                .col(string_len("category", 16))
                .col(string_len("name_zh", 128))
                .col(string_len("name_en", 128))
                .col(uuid("building_id"))
                .col(string_len_null("room", 16))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_assets_code")
                .table("assets")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_assets_building")
                .table("assets")
                .col("building_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("work_orders")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("number", 16))
                .col(string_len("category", 16))
                .col(string_len("urgency", 16))
                .col(string_len("status", 16))
                .col(uuid_null("building_id"))
                .col(string_len_null("room", 16))
                .col(uuid_null("asset_id"))
                .col(uuid_null("zone_id"))
                .col(string_len("description", 4000))
                // JSON arrays of content hashes.
                .col(string_len("photos", 1024))
                .col(string_len("after_photos", 1024))
                .col(uuid_null("reporter_id"))
                .col(uuid_null("assignee_id"))
                .col(uuid_null("completed_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone("respond_by"))
                .col(timestamp_with_time_zone("resolve_by"))
                .col(timestamp_with_time_zone_null("responded_at"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(small_integer("escalation"))
                .col(string_len_null("pause_reason", 800))
                .col(integer("minutes"))
                .col(small_integer_null("rating"))
                .col(string_len_null("comment", 4000))
                .col(integer("reopened"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_work_orders_campus_status", &["campus_id", "status"][..]),
            ("ix_work_orders_assignee", &["assignee_id", "status"][..]),
            ("ix_work_orders_reporter", &["reporter_id"][..]),
            ("ix_work_orders_asset", &["asset_id", "status"][..]),
            ("ix_work_orders_zone", &["zone_id", "status"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("work_orders");
            for c in cols {
                index.col(*c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("ux_work_orders_number")
                .table("work_orders")
                .col("campus_id")
                .col("number")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("work_order_events")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("work_order_id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                // The person it concerns: who was given the job, who did it.
                .col(uuid_null("subject_id"))
                .col(string_len("kind", 24))
                .col(string_len("note", 1200))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_work_order_events_order")
                .table("work_order_events")
                .col("work_order_id")
                .col("at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("parts")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("code", 24))
                .col(string_len("name_zh", 128))
                .col(string_len("name_en", 128))
                .col(string_len("unit_zh", 16))
                .col(string_len("unit_en", 16))
                .col(big_integer("stock"))
                .col(big_integer("unit_cost"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_parts_code")
                .table("parts")
                .col("campus_id")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("part_uses")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(uuid("work_order_id"))
                .col(uuid("part_id"))
                .col(integer("quantity"))
                .col(big_integer("unit_cost"))
                .col(uuid("used_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_part_uses_order")
                .table("part_uses")
                .col("work_order_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("technician_profiles")
                // The technician's user id.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                // Comma-separated category slugs and zone ids.
                .col(string_len("skills", 256))
                .col(string_len("zones", 2400))
                .col(small_integer("shift_days"))
                .col(small_integer("shift_start"))
                .col(small_integer("shift_end"))
                .col(boolean("active"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sla_targets")
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(string_len("category", 16))
                .col(string_len("urgency", 16))
                .col(integer("respond_minutes"))
                .col(integer("resolve_minutes"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sla_targets")
                .table("sla_targets")
                .col("campus_id")
                .col("category")
                .col("urgency")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("repair_settings")
                // One row per campus (id = campus_id); also holds the
                // campus's last work order number.
                .col(pk_uuid("id"))
                .col(uuid("campus_id"))
                .col(integer("auto_accept_days"))
                .col(integer("last_number"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

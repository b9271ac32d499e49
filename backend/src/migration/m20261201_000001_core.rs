//! Accounts, sessions, the campus directory, audit log and notifications.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `name_zh` + `name_en`, the pair every named place carries.
fn names(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(string_len("name_zh", 100))
        .col(string_len("name_en", 100))
}

fn campus_table(name: &str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(name))
        .col(pk_uuid("id"))
        .col(uuid("campus_id"));
    t
}

fn fk(table: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{col}"))
        .from(Alias::new(table), Alias::new(col))
        .to(Alias::new(to), Alias::new("id"))
        .to_owned()
}

fn index(table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("server_secrets")
                .col(string_len("name", 64).primary_key())
                .col(text("value"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        let mut t = Table::create();
        t.table("campuses")
            .col(pk_uuid("id"))
            .col(string_len_uniq("code", 32));
        m.create_table(names(&mut t).to_owned()).await?;

        for name in ["zones", "departments"] {
            let mut t = campus_table(name);
            t.foreign_key(&mut fk(name, "campus_id", "campuses"));
            m.create_table(names(&mut t).to_owned()).await?;
        }

        let mut t = campus_table("buildings");
        t.col(uuid_null("zone_id"))
            .col(string_len("code", 32))
            .col(string_len("kind", 32))
            .col(integer("floors"))
            .foreign_key(&mut fk("buildings", "campus_id", "campuses"))
            .foreign_key(&mut fk("buildings", "zone_id", "zones"));
        m.create_table(names(&mut t).to_owned()).await?;
        m.create_index(index("buildings", &["campus_id", "code"], true))
            .await?;

        m.create_table(
            campus_table("floors")
                .col(uuid("building_id"))
                .col(integer("level"))
                .foreign_key(&mut fk("floors", "building_id", "buildings"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("floors", &["building_id", "level"], true))
            .await?;

        m.create_table(
            campus_table("rooms")
                .col(uuid("building_id"))
                .col(uuid("floor_id"))
                .col(string_len("number", 32))
                .col(string_len("kind", 32))
                .col(integer("capacity"))
                .foreign_key(&mut fk("rooms", "building_id", "buildings"))
                .foreign_key(&mut fk("rooms", "floor_id", "floors"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("rooms", &["building_id", "number"], true))
            .await?;

        m.create_table(
            campus_table("beds")
                .col(uuid("room_id"))
                .col(string_len("label", 32))
                .foreign_key(&mut fk("beds", "room_id", "rooms"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("beds", &["room_id", "label"], true))
            .await?;

        let mut t = campus_table("canteens");
        t.col(uuid("building_id"))
            .foreign_key(&mut fk("canteens", "building_id", "buildings"));
        m.create_table(names(&mut t).to_owned()).await?;

        let mut t = campus_table("canteen_windows");
        t.col(uuid("canteen_id"))
            .col(integer("number"))
            .foreign_key(&mut fk("canteen_windows", "canteen_id", "canteens"));
        m.create_table(names(&mut t).to_owned()).await?;
        m.create_index(index("canteen_windows", &["canteen_id", "number"], true))
            .await?;

        let mut t = campus_table("dishes");
        t.col(uuid("canteen_id"))
            .col(uuid("window_id"))
            .col(big_integer("price_fen"))
            .foreign_key(&mut fk("dishes", "window_id", "canteen_windows"));
        m.create_table(names(&mut t).to_owned()).await?;
        m.create_index(index("dishes", &["canteen_id"], false))
            .await?;

        let mut t = campus_table("parcel_stations");
        t.col(uuid("building_id")).foreign_key(&mut fk(
            "parcel_stations",
            "building_id",
            "buildings",
        ));
        m.create_table(names(&mut t).to_owned()).await?;

        m.create_table(
            campus_table("lockers")
                .col(uuid("station_id"))
                .col(string_len("code", 32))
                .col(string_len("size", 16))
                .foreign_key(&mut fk("lockers", "station_id", "parcel_stations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("lockers", &["station_id", "code"], true))
            .await?;

        let mut t = campus_table("resources");
        t.col(uuid_null("building_id"))
            .col(string_len("kind", 32))
            .col(integer("capacity"))
            .foreign_key(&mut fk("resources", "building_id", "buildings"));
        m.create_table(names(&mut t).to_owned()).await?;

        m.create_table(
            campus_table("devices")
                .col(uuid("building_id"))
                .col(uuid_null("room_id"))
                .col(string_len("kind", 32))
                .col(string_len("serial", 32))
                .foreign_key(&mut fk("devices", "building_id", "buildings"))
                .foreign_key(&mut fk("devices", "room_id", "rooms"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("devices", &["campus_id", "serial"], true))
            .await?;

        m.create_table(
            campus_table("users")
                .col(string_len_uniq("username", 64))
                .col(string_len("display_name", 64))
                .col(string_len("password_hash", 255))
                .col(string_len("lang", 8))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("users", "campus_id", "campuses"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            campus_table("user_roles")
                .col(uuid("user_id"))
                .col(string_len("role", 16))
                .foreign_key(&mut fk("user_roles", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("user_roles", &["user_id", "role"], true))
            .await?;
        m.create_index(index("user_roles", &["campus_id", "role"], false))
            .await?;

        m.create_table(
            campus_table("user_scopes")
                .col(uuid("user_id"))
                .col(string_len("kind", 16))
                .col(uuid("ref_id"))
                .foreign_key(&mut fk("user_scopes", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("user_scopes", &["user_id", "kind", "ref_id"], true))
            .await?;

        m.create_table(
            campus_table("sessions")
                .col(uuid("user_id"))
                .col(string_len_null("device_id", 128))
                .col(string_len_null("device_public_key", 512))
                .col(string_len("refresh_hash", 128))
                .col(timestamp_with_time_zone("refresh_expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["user_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(pk_uuid("id"))
                .col(uuid_null("campus_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("action", 32))
                .col(uuid_null("actor_id"))
                .col(string_len_null("actor_username", 64))
                .col(string_len_null("target", 128))
                .col(string_len_null("ip", 64))
                .col(string_len_null("request_id", 64))
                .col(text_null("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["campus_id", "at"], false))
            .await?;

        m.create_table(
            campus_table("notifications")
                .col(uuid("user_id"))
                .col(string_len_null("service", 16))
                .col(string_len("title_zh", 200))
                .col(string_len("title_en", 200))
                .col(text("body_zh"))
                .col(text("body_en"))
                .col(string_len_null("link", 255))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .foreign_key(&mut fk("notifications", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("notifications", &["user_id", "created_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Append-only: a landed schema is never rolled back in place.
        Err(DbErr::Migration(
            "the core schema cannot be rolled back".into(),
        ))
    }
}

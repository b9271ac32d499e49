//! What the seeded demo campus holds, read from the server's database, and
//! a campus time for journeys whose outcome depends on the hour.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use houqin_server::entities::{buildings, user_scopes, users};
use houqin_server::testkit::TestServer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Today at `hour`:00 campus time (UTC+8): e.g. 10 (the day shift is
/// on), 11 (lunch can be ordered ahead).
pub fn campus_hour_today(hour: u32) -> Result<DateTime<Utc>> {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).context("offset")?;
    let today = houqin_shared::kiosk::campus_day(Utc::now());
    Ok(cst
        .from_local_datetime(&today.and_time(NaiveTime::from_hms_opt(hour, 0, 0).context("time")?))
        .single()
        .context("a campus time")?
        .with_timezone(&Utc))
}

/// A demo user's id.
pub async fn user_id(server: &TestServer, username: &str) -> Result<Uuid> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&server.state.db.conn)
        .await?
        .with_context(|| format!("the demo user {username}"))?
        .id)
}

/// A building in the demo technician's zone.
pub async fn building_in_technicians_zone(server: &TestServer) -> Result<Uuid> {
    let conn = &server.state.db.conn;
    let tech = user_id(server, "technician").await?;
    let zone = user_scopes::Entity::find()
        .filter(user_scopes::Column::UserId.eq(tech))
        .filter(user_scopes::Column::Kind.eq("zone"))
        .one(conn)
        .await?
        .context("their zone")?
        .ref_id;
    Ok(buildings::Entity::find()
        .filter(buildings::Column::ZoneId.eq(zone))
        .one(conn)
        .await?
        .context("a building in the zone")?
        .id)
}

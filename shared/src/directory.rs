//! The campus directory: the places and things every service hangs off.
//!
//! Every row that belongs to a campus carries its `campus_id`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::ids::*;
use crate::money::Money;
use crate::text::LocalName;

pub const NAME_MAX: usize = 100;
pub const CODE_MAX: usize = 32;
pub const LIST_LIMIT_MAX: u32 = 500;
pub const LIST_LIMIT_DEFAULT: u32 = 100;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $s:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $(#[serde(rename = $s)] $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some($name::$variant),)* _ => None } }
        }
    };
}

wire_enum!(
    /// What a building is for.
    BuildingKind { Dorm = "dorm", Teaching = "teaching", Canteen = "canteen", Office = "office",
        Library = "library", Sports = "sports", Lab = "lab", Other = "other" }
);
wire_enum!(
    RoomKind { DormRoom = "dorm_room", Classroom = "classroom", MeetingRoom = "meeting_room",
        Office = "office", Lab = "lab", Public = "public", Kitchen = "kitchen" }
);
wire_enum!(
    LockerSize { Small = "small", Medium = "medium", Large = "large" }
);
wire_enum!(
    /// Things people book in the public-services area.
    ResourceKind { MeetingRoom = "meeting_room", Classroom = "classroom", Venue = "venue",
        Instrument = "instrument", StudySpace = "study_space", Vehicle = "vehicle" }
);
wire_enum!(
    DeviceKind { ElectricityMeter = "electricity_meter", WaterMeter = "water_meter",
        DoorLock = "door_lock", ClassroomController = "classroom_controller",
        SmokeSensor = "smoke_sensor", CardReader = "card_reader" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campus {
    pub id: CampusId,
    pub code: String,
    pub name: LocalName,
}

/// A maintenance zone: a group of buildings served by the same technicians.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zone {
    pub id: ZoneId,
    pub campus_id: CampusId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub campus_id: CampusId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Building {
    pub id: BuildingId,
    pub campus_id: CampusId,
    pub zone_id: Option<ZoneId>,
    pub code: String,
    pub name: LocalName,
    pub kind: BuildingKind,
    pub floors: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Floor {
    pub id: FloorId,
    pub campus_id: CampusId,
    pub building_id: BuildingId,
    pub level: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    pub id: RoomId,
    pub campus_id: CampusId,
    pub building_id: BuildingId,
    pub floor_id: FloorId,
    pub number: String,
    pub kind: RoomKind,
    pub capacity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bed {
    pub id: BedId,
    pub campus_id: CampusId,
    pub room_id: RoomId,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Canteen {
    pub id: CanteenId,
    pub campus_id: CampusId,
    pub building_id: BuildingId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CanteenWindow {
    pub id: WindowId,
    pub campus_id: CampusId,
    pub canteen_id: CanteenId,
    pub number: i32,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dish {
    pub id: DishId,
    pub campus_id: CampusId,
    pub canteen_id: CanteenId,
    pub window_id: WindowId,
    pub name: LocalName,
    pub price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcelStation {
    pub id: StationId,
    pub campus_id: CampusId,
    pub building_id: BuildingId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Locker {
    pub id: LockerId,
    pub campus_id: CampusId,
    pub station_id: StationId,
    pub code: String,
    pub size: LockerSize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resource {
    pub id: ResourceId,
    pub campus_id: CampusId,
    pub building_id: Option<BuildingId>,
    pub kind: ResourceKind,
    pub name: LocalName,
    pub capacity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: DeviceId,
    pub campus_id: CampusId,
    pub building_id: BuildingId,
    pub room_id: Option<RoomId>,
    pub kind: DeviceKind,
    pub serial: String,
}

/// A page of a list, in id order; pass `next_after` back as `after` for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<Uuid>,
}

/// Managers create or rename a building (PUT with a client-made id is create-or-update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutBuilding {
    pub campus_id: CampusId,
    pub zone_id: Option<ZoneId>,
    pub code: String,
    pub name: LocalName,
    pub kind: BuildingKind,
    pub floors: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutRoom {
    pub building_id: BuildingId,
    pub level: i32,
    pub number: String,
    pub kind: RoomKind,
    pub capacity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutResource {
    pub campus_id: CampusId,
    pub building_id: Option<BuildingId>,
    pub kind: ResourceKind,
    pub name: LocalName,
    pub capacity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutDevice {
    pub building_id: BuildingId,
    pub room_id: Option<RoomId>,
    pub kind: DeviceKind,
    pub serial: String,
}

/// A maintenance zone or a department: just a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutNamed {
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutBed {
    pub room_id: RoomId,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutCanteen {
    pub building_id: BuildingId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutWindow {
    pub canteen_id: CanteenId,
    pub number: i32,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutStation {
    pub building_id: BuildingId,
    pub name: LocalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutLocker {
    pub station_id: StationId,
    pub code: String,
    pub size: LockerSize,
}

impl PutNamed {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_name("name", &self.name)
    }
}

impl PutBed {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_code("label", &self.label)
    }
}

impl PutCanteen {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_name("name", &self.name)
    }
}

impl PutWindow {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_range("number", self.number, 1, 999)?;
        validate_name("name", &self.name)
    }
}

impl PutStation {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_name("name", &self.name)
    }
}

impl PutLocker {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_code("code", &self.code)
    }
}

pub fn validate_name(field: &str, name: &LocalName) -> Result<(), FieldError> {
    for (lang, value) in [("zh", &name.zh), ("en", &name.en)] {
        let f = format!("{field}.{lang}");
        if value.trim().is_empty() {
            return Err(FieldError::new(f, "required"));
        }
        if value.chars().count() > NAME_MAX {
            return Err(FieldError::new(f, "must be at most 100 characters"));
        }
    }
    Ok(())
}

pub fn validate_code(field: &str, code: &str) -> Result<(), FieldError> {
    if code.trim().is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if code.chars().count() > CODE_MAX {
        return Err(FieldError::new(field, "must be at most 32 characters"));
    }
    Ok(())
}

fn validate_range(field: &str, value: i32, min: i32, max: i32) -> Result<(), FieldError> {
    if value < min || value > max {
        return Err(FieldError::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(())
}

impl PutBuilding {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_code("code", &self.code)?;
        validate_name("name", &self.name)?;
        validate_range("floors", self.floors, 1, 200)
    }
}

impl PutRoom {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_range("level", self.level, -10, 200)?;
        validate_code("number", &self.number)?;
        validate_range("capacity", self.capacity, 0, 100_000)
    }
}

impl PutResource {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_name("name", &self.name)?;
        validate_range("capacity", self.capacity, 0, 100_000)
    }
}

impl PutDevice {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_code("serial", &self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_rules_name_the_field() {
        let mut b = PutBuilding {
            campus_id: CampusId::new(),
            zone_id: None,
            code: "D1".into(),
            name: LocalName::new("一号楼", "Building 1"),
            kind: BuildingKind::Dorm,
            floors: 6,
        };
        assert!(b.validate().is_ok());
        b.floors = 0;
        assert_eq!(b.validate().unwrap_err().field, "floors");
        b.floors = 6;
        b.name.en = " ".into();
        assert_eq!(b.validate().unwrap_err().field, "name.en");
        b.name.en = "x".repeat(101);
        assert_eq!(b.validate().unwrap_err().field, "name.en");
    }

    #[test]
    fn wire_enums_round_trip() {
        for kind in DeviceKind::ALL {
            assert_eq!(DeviceKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(
            serde_json::to_string(&RoomKind::DormRoom).unwrap(),
            "\"dorm_room\""
        );
    }
}

//! The 13 service areas of the action plan, and which roles use which.

use serde::{Deserialize, Serialize};

use crate::accounts::Role;

/// One service area; the same word names it in every layer (module, route, table prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Dining,
    Dorms,
    Vehicles,
    Classrooms,
    Shop,
    Repairs,
    Property,
    Energy,
    Safety,
    Parcels,
    Supply,
    Hr,
    Bookings,
    Payments,
}

impl Service {
    /// In the action plan's order; `Payments` (the campus card) is cross-cutting.
    pub const ALL: [Service; 14] = [
        Service::Dining,
        Service::Dorms,
        Service::Vehicles,
        Service::Classrooms,
        Service::Shop,
        Service::Repairs,
        Service::Property,
        Service::Energy,
        Service::Safety,
        Service::Parcels,
        Service::Supply,
        Service::Hr,
        Service::Bookings,
        Service::Payments,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Service::Dining => "dining",
            Service::Dorms => "dorms",
            Service::Vehicles => "vehicles",
            Service::Classrooms => "classrooms",
            Service::Shop => "shop",
            Service::Repairs => "repairs",
            Service::Property => "property",
            Service::Energy => "energy",
            Service::Safety => "safety",
            Service::Parcels => "parcels",
            Service::Supply => "supply",
            Service::Hr => "hr",
            Service::Bookings => "bookings",
            Service::Payments => "payments",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Whether a role has anything to do in this area (its navigation shows it).
    pub fn used_by(self, role: Role) -> bool {
        use Role::*;
        use Service::*;
        matches!(
            (self, role),
            (_, Manager | Admin)
                | (Dining | Payments, Student | Staff | Cashier | Supervisor)
                | (
                    Dorms | Shop | Repairs | Energy | Parcels | Bookings | Property,
                    Student | Staff
                )
                | (Vehicles | Classrooms | Safety, Staff)
                | (Vehicles | Classrooms, Student)
                | (
                    Repairs | Energy | Safety | Classrooms | Property,
                    Technician | Supervisor
                )
                | (Supply, Technician | Supervisor | Staff)
                | (Hr, Staff | Technician | Supervisor | Cashier | Courier)
                | (Parcels | Dining | Shop, Courier)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_service_and_every_service_a_role() {
        for role in Role::ALL {
            assert!(
                Service::ALL.iter().any(|s| s.used_by(role)),
                "{role:?} has no service"
            );
        }
        for service in Service::ALL {
            assert_eq!(Service::from_slug(service.slug()), Some(service));
            let users = Role::ALL.iter().filter(|r| service.used_by(**r)).count();
            assert!(users >= 3, "{service:?} is used by manager and admin only");
        }
        assert!(!Service::Dorms.used_by(Role::Cashier));
    }
}

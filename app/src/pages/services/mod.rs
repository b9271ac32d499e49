//! The service areas: the role's list, and each service's page.

pub mod canteen_office;
pub mod deliveries;
pub mod diet;
pub mod dining;
pub mod dining_dashboard;
pub mod feedback;
pub mod list;
pub mod office;
pub mod payments;
pub mod repair_office;
pub mod repairs;
pub mod unavailable;

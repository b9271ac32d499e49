//! One file per page; each renders its own `<main>`.

pub mod accounts;
pub mod cashier;
pub mod home;
pub mod not_found;
pub mod notifications;
pub mod report_tag;
pub mod services;
pub mod sync;

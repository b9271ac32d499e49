//! Houqin's domain language, shared by the server, the offline engine and the UI.
//!
//! Invariant: this crate does no I/O (no tokio, sqlx, rusqlite, sea-orm, axum, tauri,
//! reqwest) and builds for `wasm32-unknown-unknown`.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod dining;
pub mod directory;
pub mod error;
pub mod feedback;
pub mod ids;
pub mod kiosk;
pub mod ledger;
pub mod money;
pub mod notifications;
pub mod nutrition;
pub mod paycode;
pub mod payments;
pub mod repairs;
pub mod services;
pub mod settlement;
pub mod sync;
pub mod text;

pub use error::{ApiErrorBody, ErrorCode};
pub use money::Money;

//! Per-user notifications: persisted, read/unread, worded in the user's language.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::NotificationId;
use crate::services::Service;
use crate::text::LocalName;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: NotificationId,
    /// The service that sent it, when one did; `None` for account notices.
    pub service: Option<Service>,
    pub title: LocalName,
    pub body: LocalName,
    /// An in-app path to open, e.g. `/repairs/…`.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRead {
    pub ids: Vec<NotificationId>,
}

/// The most notifications one `MarkRead` names.
pub const MARK_READ_MAX: usize = 500;

impl MarkRead {
    pub fn validate(&self) -> Result<(), crate::error::FieldError> {
        if self.ids.len() > MARK_READ_MAX {
            return Err(crate::error::FieldError::new(
                "ids",
                "at most 500 ids at a time",
            ));
        }
        Ok(())
    }
}

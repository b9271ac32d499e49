//! What diners say and what inspectors find: ratings of dishes and windows
//! after pickup, complaints routed to the canteen's supervisors with a
//! visible status, and food-safety inspection records everyone can read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attachments::ContentHash;
use crate::error::FieldError;
use crate::ids::{CanteenId, DishId, OrderId, UserId, WindowId};
use crate::text::LocalName;

pub const MAX_COMMENT_CHARS: usize = 300;
pub const MAX_COMPLAINT_CHARS: usize = 1000;
pub const MAX_INSPECTION_PHOTOS: usize = 6;

/// `POST /dining/ratings`: one rating of a dish of a picked-up order, or
/// of its window (no dish). Once each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub order_id: OrderId,
    /// The dish rated; none rates the window.
    #[serde(default)]
    pub dish_id: Option<DishId>,
    /// 1 to 5.
    pub stars: u8,
    #[serde(default)]
    pub comment: Option<String>,
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    let n = text.trim().chars().count();
    if n == 0 || n > max {
        return Err(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

impl Rate {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=5).contains(&self.stars) {
            return Err(FieldError::new("stars", "must be 1 to 5"));
        }
        if let Some(c) = &self.comment {
            check_text("comment", c, MAX_COMMENT_CHARS)?;
        }
        Ok(())
    }
}

/// How diners rate one dish or window (no names: comments are anonymous).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingSummary {
    pub window_id: WindowId,
    /// None: the window itself.
    pub dish_id: Option<DishId>,
    pub name: LocalName,
    pub count: u32,
    /// Tenths of a star (43 = 4.3).
    pub average_tenths: u32,
    /// The latest comments, newest first.
    pub comments: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Sent; the supervisors have been told.
    Open,
    /// A supervisor has seen it and answered.
    Acknowledged,
    Resolved,
}

impl ComplaintStatus {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [Self::Open, Self::Acknowledged, Self::Resolved]
            .into_iter()
            .find(|x| x.slug() == s)
    }
}

/// `POST /dining/complaints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complain {
    /// Made by the client: a retried complaint is sent once.
    pub id: Uuid,
    pub canteen_id: CanteenId,
    #[serde(default)]
    pub window_id: Option<WindowId>,
    #[serde(default)]
    pub order_id: Option<OrderId>,
    pub text: String,
}

impl Complain {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text("text", &self.text, MAX_COMPLAINT_CHARS)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: Uuid,
    pub canteen_id: CanteenId,
    pub window_id: Option<WindowId>,
    pub order_id: Option<OrderId>,
    /// The complainant (shown to them and to the canteen's supervisors).
    pub user_id: UserId,
    pub text: String,
    pub status: ComplaintStatus,
    pub reply: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /dining/complaints/{id}/reply`: a supervisor answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    /// `acknowledged` or `resolved`.
    pub status: ComplaintStatus,
    pub reply: String,
}

impl Reply {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.status == ComplaintStatus::Open {
            return Err(FieldError::new(
                "status",
                "must be acknowledged or resolved",
            ));
        }
        check_text("reply", &self.reply, MAX_COMPLAINT_CHARS)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionResult {
    Pass,
    /// Passed with things to put right.
    Minor,
    Fail,
}

impl InspectionResult {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Minor => "minor",
            Self::Fail => "fail",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [Self::Pass, Self::Minor, Self::Fail]
            .into_iter()
            .find(|x| x.slug() == s)
    }
}

/// A food-safety inspection of a canteen (public to everyone on campus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    pub id: Uuid,
    pub canteen_id: CanteenId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub inspector: String,
    pub result: InspectionResult,
    pub notes: String,
    /// Photos (attachments, by content hash).
    pub photos: Vec<String>,
}

/// `POST /dining/inspections` (managers): `id` made by the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordInspection {
    pub id: Uuid,
    pub canteen_id: CanteenId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub inspector: String,
    pub result: InspectionResult,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

impl RecordInspection {
    /// `today`: an inspection cannot be in the future.
    pub fn validate(&self, today: NaiveDate) -> Result<Vec<ContentHash>, FieldError> {
        if self.date > today {
            return Err(FieldError::new("date", "cannot be in the future"));
        }
        check_text("inspector", &self.inspector, 64)?;
        if self.notes.chars().count() > MAX_COMPLAINT_CHARS {
            return Err(FieldError::new(
                "notes",
                format!("must be at most {MAX_COMPLAINT_CHARS} characters"),
            ));
        }
        if self.photos.len() > MAX_INSPECTION_PHOTOS {
            return Err(FieldError::new(
                "photos",
                format!("at most {MAX_INSPECTION_PHOTOS} photos"),
            ));
        }
        self.photos
            .iter()
            .enumerate()
            .map(|(i, p)| {
                ContentHash::parse(p).map_err(|e| FieldError::new(format!("photos.{i}"), e.message))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked() {
        let rate = |stars, comment: Option<&str>| Rate {
            order_id: OrderId::new(),
            dish_id: None,
            stars,
            comment: comment.map(str::to_owned),
        };
        assert!(rate(5, Some("好吃")).validate().is_ok());
        assert_eq!(rate(0, None).validate().unwrap_err().field, "stars");
        assert_eq!(rate(6, None).validate().unwrap_err().field, "stars");
        assert_eq!(rate(3, Some("  ")).validate().unwrap_err().field, "comment");
        let long = "长".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            rate(3, Some(&long)).validate().unwrap_err().field,
            "comment"
        );

        let reply = |status, text: &str| Reply {
            status,
            reply: text.into(),
        };
        assert!(
            reply(ComplaintStatus::Resolved, "已处理")
                .validate()
                .is_ok()
        );
        assert_eq!(
            reply(ComplaintStatus::Open, "x")
                .validate()
                .unwrap_err()
                .field,
            "status"
        );

        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let inspection = |date, photos: Vec<String>| RecordInspection {
            id: Uuid::now_v7(),
            canteen_id: CanteenId::new(),
            date,
            inspector: "市场监管局 王".into(),
            result: InspectionResult::Pass,
            notes: String::new(),
            photos,
        };
        assert!(
            inspection(today, vec!["a".repeat(64)])
                .validate(today)
                .is_ok()
        );
        assert_eq!(
            inspection(today.succ_opt().unwrap(), vec![])
                .validate(today)
                .unwrap_err()
                .field,
            "date"
        );
        assert_eq!(
            inspection(today, vec!["nope".into()])
                .validate(today)
                .unwrap_err()
                .field,
            "photos.0"
        );
        for s in [
            ComplaintStatus::Open,
            ComplaintStatus::Acknowledged,
            ComplaintStatus::Resolved,
        ] {
            assert_eq!(ComplaintStatus::from_slug(s.slug()), Some(s));
        }
        for r in [
            InspectionResult::Pass,
            InspectionResult::Minor,
            InspectionResult::Fail,
        ] {
            assert_eq!(InspectionResult::from_slug(r.slug()), Some(r));
        }
    }
}

//! Repairs (维修): work orders from report to acceptance — what is broken,
//! where, how urgent, who fixes it, the SLA clock, the technician's steps
//! (every one a synced command, so a whole job works offline, creating the
//! order included), parts drawn from the store, and the reporter's verdict.
//!
//! Field work is never discarded: a completion or a part used by a
//! technician the job was taken from meanwhile is still accepted (the new
//! assignee is told); what cannot stand is a supervisor reassigning a job
//! already completed — that is refused with the reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attachments::ContentHash;
use crate::error::FieldError;
use crate::ids::{BuildingId, UserId};
use crate::sync::NamedCommand;
use crate::text::LocalName;

/// Photos a report (or a completion) may carry.
pub const MAX_PHOTOS: usize = 6;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const MAX_REASON_CHARS: usize = 200;
/// The most of one part one use may draw.
pub const MAX_PART_QUANTITY: u32 = 100;
/// The most minutes one completion may report (a long day).
pub const MAX_MINUTES: u32 = 16 * 60;
/// A completed job the reporter neither accepts nor reopens closes by
/// itself after this many days (the campus may change it).
pub const DEFAULT_AUTO_ACCEPT_DAYS: u32 = 3;
/// A closed job stays in its zone's sync scope (the technicians' tablets)
/// this many days, then leaves it; its reporter, assignee and followers
/// keep it in their own.
pub const ZONE_KEEPS_CLOSED_DAYS: i64 = 30;

macro_rules! slugged {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $slug:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($slug => Some($name::$variant),)* _ => None }
            }
        }
    };
}

slugged!(
    /// What kind of fault; technicians' skills are these.
    Category {
        Plumbing => "plumbing",
        Electrical => "electrical",
        Carpentry => "carpentry",
        /// Heating, ventilation, air conditioning.
        Hvac => "hvac",
        Appliance => "appliance",
        Network => "network",
        Locks => "locks",
        Other => "other",
    }
);

slugged!(
    Urgency {
        Low => "low",
        Normal => "normal",
        High => "high",
        /// Danger or loss now (a burst pipe, sparks, no power to a floor).
        Emergency => "emergency",
    }
);

slugged!(
    /// Where a work order stands.
    Status {
        /// Nobody has it: in the claim pool (抢单).
        Open => "open",
        /// Given to a technician (by dispatch, claim or a supervisor).
        Assigned => "assigned",
        /// The technician took it on.
        Accepted => "accepted",
        OnTheWay => "on_the_way",
        InProgress => "in_progress",
        Paused => "paused",
        /// Done, waiting for the reporter to accept it (or for the days to pass).
        Completed => "completed",
        /// Accepted by the reporter, or automatically.
        Closed => "closed",
    }
);

impl Status {
    /// A technician holds it and it is not done.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::Assigned
                | Status::Accepted
                | Status::OnTheWay
                | Status::InProgress
                | Status::Paused
        )
    }

    pub fn is_done(self) -> bool {
        matches!(self, Status::Completed | Status::Closed)
    }
}

/// How long a job may take before its SLA is breached: minutes to the
/// technician's first response and to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaTarget {
    pub category: Category,
    pub urgency: Urgency,
    pub respond_minutes: u32,
    pub resolve_minutes: u32,
}

/// The campus's targets until managers set their own: by urgency, with
/// network and appliance faults given longer (parts come from outside).
pub fn default_sla(category: Category, urgency: Urgency) -> SlaTarget {
    let (respond, resolve) = match urgency {
        Urgency::Emergency => (15, 4 * 60),
        Urgency::High => (60, 24 * 60),
        Urgency::Normal => (4 * 60, 3 * 24 * 60),
        Urgency::Low => (24 * 60, 7 * 24 * 60),
    };
    let slow = matches!(category, Category::Network | Category::Appliance);
    SlaTarget {
        category,
        urgency,
        respond_minutes: respond,
        resolve_minutes: if slow { resolve * 3 / 2 } else { resolve },
    }
}

impl SlaTarget {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.respond_minutes == 0 || self.respond_minutes > 30 * 24 * 60 {
            return Err(FieldError::new(
                "respond_minutes",
                "must be 1 minute to 30 days",
            ));
        }
        if self.resolve_minutes < self.respond_minutes || self.resolve_minutes > 90 * 24 * 60 {
            return Err(FieldError::new(
                "resolve_minutes",
                "must be at least the response time and at most 90 days",
            ));
        }
        Ok(())
    }
}

/// Where the SLA clock stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    OnTrack,
    /// Less than a quarter of the time is left (or no response yet and the
    /// response time has passed).
    AtRisk,
    Breached,
    /// Completed in time.
    Met,
    /// Completed late.
    Missed,
}

/// The SLA's state for a job reported at `created` with deadlines
/// `respond_by` and `resolve_by`, first answered at `responded`, completed at
/// `completed`.
pub fn sla_state(
    created: DateTime<Utc>,
    respond_by: DateTime<Utc>,
    resolve_by: DateTime<Utc>,
    responded: Option<DateTime<Utc>>,
    completed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SlaState {
    if let Some(done) = completed {
        return if done <= resolve_by {
            SlaState::Met
        } else {
            SlaState::Missed
        };
    }
    if now > resolve_by {
        return SlaState::Breached;
    }
    let quarter = (resolve_by - created) / 4;
    if now >= resolve_by - quarter || (responded.is_none() && now > respond_by) {
        return SlaState::AtRisk;
    }
    SlaState::OnTrack
}

/// One thing that happened to a work order, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub at: DateTime<Utc>,
    /// Who did it (`None`: the system — dispatch, escalation, auto-acceptance).
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    /// `reported`, `dispatched`, `claimed`, `reassigned`, `accepted`,
    /// `on_the_way`, `started`, `paused`, `resumed`, `part_used`,
    /// `completed`, `reopened`, `closed`, `escalated`, `late_completion`.
    pub kind: String,
    /// The reason, part, or other detail, as entered.
    pub note: String,
}

/// A part drawn for a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartUse {
    pub id: Uuid,
    pub part_id: Uuid,
    pub name: LocalName,
    pub quantity: u32,
    /// Fen each, at the time of use.
    pub unit_cost: i64,
}

/// A work order as its reporter, its technician and supervisors see it
/// (the `work_order` rows of `user:{reporter}`, `user:{assignee}` and
/// `zone:{zone}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrder {
    pub id: Uuid,
    /// `R-000123`, per campus; empty until the server has it.
    pub number: String,
    pub category: Category,
    pub urgency: Urgency,
    pub status: Status,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<LocalName>,
    pub room: Option<String>,
    pub asset_id: Option<Uuid>,
    pub asset_code: Option<String>,
    pub zone_id: Option<Uuid>,
    pub description: String,
    pub photos: Vec<String>,
    pub after_photos: Vec<String>,
    /// `None`: reported anonymously (a public space's QR tag).
    pub reporter_id: Option<UserId>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// 0 none, 1 the supervisor was told (at risk), 2 the manager (breached).
    pub escalation: u8,
    pub pause_reason: Option<String>,
    pub minutes: u32,
    pub parts: Vec<PartUse>,
    pub rating: Option<u8>,
    pub comment: Option<String>,
    pub reopened: u32,
    pub history: Vec<Event>,
    /// People who follow this job (they reported the same fault and chose
    /// to follow it instead of reporting again): told when it is done.
    #[serde(default)]
    pub followers: Vec<UserId>,
}

impl WorkOrder {
    pub fn sla(&self, now: DateTime<Utc>) -> SlaState {
        sla_state(
            self.created_at,
            self.respond_by,
            self.resolve_by,
            self.responded_at,
            self.completed_at,
            now,
        )
    }
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

fn check_photos(field: &str, photos: &[String]) -> Result<Vec<ContentHash>, FieldError> {
    if photos.len() > MAX_PHOTOS {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            ContentHash::parse(p).map_err(|e| FieldError::new(format!("{field}.{i}"), e.message))
        })
        .collect()
}

/// An asset's tag: `HQ-` and 4 to 16 capitals or digits.
pub fn check_asset_code(code: &str) -> Result<(), FieldError> {
    let ok = code.strip_prefix("HQ-").is_some_and(|rest| {
        (4..=16).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "asset_code",
            "must be HQ- and 4 to 16 capitals or digits",
        ))
    }
}

/// An asset by its tag (`GET /repairs/assets/{code}`): what it is, where,
/// its open work orders (to follow one instead of reporting it again) and
/// its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetView {
    pub id: Uuid,
    pub code: String,
    pub category: Category,
    pub name: LocalName,
    pub building_id: BuildingId,
    pub building_name: LocalName,
    pub room: Option<String>,
    pub open: Vec<WorkOrder>,
    /// The last 20 work orders, newest first.
    pub history: Vec<WorkOrder>,
}

/// The asset tag a scanned QR code names: the code itself (`HQ-000123`) or
/// a link to its report page (`…/report/HQ-000123`, as the printed sheets
/// carry). `None` for anything else (a pay code, a web address).
pub fn asset_code_in(scanned: &str) -> Option<String> {
    let text = scanned.trim();
    let tail = text
        .rsplit_once("/report/")
        .map_or(text, |(_, t)| t)
        .split(['?', '#', '/'])
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    check_asset_code(&tail).is_ok().then_some(tail)
}

/// `repairs.report`: something is broken here. `id` is made by the client
/// (offline too). Where: a building (and room), or an asset's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: Uuid,
    pub category: Category,
    pub urgency: Urgency,
    #[serde(default)]
    pub building_id: Option<BuildingId>,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    pub asset_code: Option<String>,
    pub description: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

impl NamedCommand for Report {
    const NAME: &'static str = "repairs.report";
}

impl Report {
    pub fn validate(&self) -> Result<Vec<ContentHash>, FieldError> {
        if self.building_id.is_none() && self.asset_code.is_none() {
            return Err(FieldError::new(
                "building_id",
                "name a building or scan an asset's tag",
            ));
        }
        if let Some(code) = &self.asset_code {
            check_asset_code(code)?;
        }
        if let Some(room) = &self.room {
            check_text("room", room, 16)?;
        }
        check_text("description", &self.description, MAX_DESCRIPTION_CHARS)?;
        check_photos("photos", &self.photos)
    }
}

/// A technician's step on a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Accept,
    OnTheWay,
    Start,
    Pause {
        reason: String,
    },
    Resume,
    Complete {
        /// What was done.
        notes: String,
        /// Time spent on it.
        minutes: u32,
        #[serde(default)]
        after_photos: Vec<String>,
    },
}

impl Step {
    pub fn slug(&self) -> &'static str {
        match self {
            Step::Accept => "accepted",
            Step::OnTheWay => "on_the_way",
            Step::Start => "started",
            Step::Pause { .. } => "paused",
            Step::Resume => "resumed",
            Step::Complete { .. } => "completed",
        }
    }

    /// The status the step moves a job to.
    pub fn to(&self) -> Status {
        match self {
            Step::Accept => Status::Accepted,
            Step::OnTheWay => Status::OnTheWay,
            Step::Start | Step::Resume => Status::InProgress,
            Step::Pause { .. } => Status::Paused,
            Step::Complete { .. } => Status::Completed,
        }
    }

    /// Whether a job in `from` may take this step.
    pub fn allowed_from(&self, from: Status) -> bool {
        match self {
            Step::Accept => from == Status::Assigned,
            Step::OnTheWay => matches!(from, Status::Assigned | Status::Accepted),
            Step::Start => matches!(from, Status::Assigned | Status::Accepted | Status::OnTheWay),
            Step::Pause { .. } => from == Status::InProgress,
            Step::Resume => from == Status::Paused,
            // Done on site, whatever the tablet last knew.
            Step::Complete { .. } => from.is_active(),
        }
    }
}

/// `repairs.step`: a technician's step, with the device's time of it
/// (shown in the history; ordering never depends on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakeStep {
    pub work_order_id: Uuid,
    #[serde(flatten)]
    pub step: Step,
}

impl NamedCommand for TakeStep {
    const NAME: &'static str = "repairs.step";
}

impl TakeStep {
    pub fn validate(&self) -> Result<Vec<ContentHash>, FieldError> {
        match &self.step {
            Step::Pause { reason } => {
                check_text("reason", reason, MAX_REASON_CHARS)?;
                Ok(Vec::new())
            }
            Step::Complete {
                notes,
                minutes,
                after_photos,
            } => {
                check_text("notes", notes, MAX_DESCRIPTION_CHARS)?;
                if *minutes == 0 || *minutes > MAX_MINUTES {
                    return Err(FieldError::new(
                        "minutes",
                        format!("must be 1 to {MAX_MINUTES}"),
                    ));
                }
                check_photos("after_photos", after_photos)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// `repairs.use_part`: parts drawn from the store for a job (`id` made by
/// the client: the same use sent twice draws once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsePart {
    pub id: Uuid,
    pub work_order_id: Uuid,
    pub part_id: Uuid,
    pub quantity: u32,
}

impl NamedCommand for UsePart {
    const NAME: &'static str = "repairs.use_part";
}

impl UsePart {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.quantity == 0 || self.quantity > MAX_PART_QUANTITY {
            return Err(FieldError::new(
                "quantity",
                format!("must be 1 to {MAX_PART_QUANTITY}"),
            ));
        }
        Ok(())
    }
}

/// `repairs.claim`: a technician takes a job from the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claim {
    pub work_order_id: Uuid,
}

impl NamedCommand for Claim {
    const NAME: &'static str = "repairs.claim";
}

/// `repairs.reassign`: a supervisor gives a job to another technician, or
/// back to the pool (`to: None`), saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reassign {
    pub work_order_id: Uuid,
    pub to: Option<UserId>,
    pub reason: String,
}

impl NamedCommand for Reassign {
    const NAME: &'static str = "repairs.reassign";
}

impl Reassign {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text("reason", &self.reason, MAX_REASON_CHARS)
    }
}

/// `repairs.follow`: follow someone else's open job (the fault I also
/// see) instead of reporting it again, or stop following (`follow: false`).
/// Followers see the job in their reports and are told when it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Follow {
    pub work_order_id: Uuid,
    #[serde(default = "yes")]
    pub follow: bool,
}

fn yes() -> bool {
    true
}

impl NamedCommand for Follow {
    const NAME: &'static str = "repairs.follow";
}

/// The reporter's verdict on a completed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Accept {
        stars: u8,
        #[serde(default)]
        comment: String,
    },
    Reopen {
        reason: String,
    },
}

/// `repairs.review`: the reporter accepts (and rates) or reopens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub work_order_id: Uuid,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl NamedCommand for Review {
    const NAME: &'static str = "repairs.review";
}

impl Review {
    pub fn validate(&self) -> Result<(), FieldError> {
        match &self.verdict {
            Verdict::Accept { stars, comment } => {
                if !(1..=5).contains(stars) {
                    return Err(FieldError::new("stars", "must be 1 to 5"));
                }
                if comment.chars().count() > MAX_DESCRIPTION_CHARS {
                    return Err(FieldError::new(
                        "comment",
                        format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
                    ));
                }
                Ok(())
            }
            Verdict::Reopen { reason } => check_text("reason", reason, MAX_REASON_CHARS),
        }
    }
}

/// A part in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Part {
    pub id: Uuid,
    pub code: String,
    pub name: LocalName,
    pub unit: LocalName,
    /// May go below zero: a part used on site is recorded even when the
    /// store's count says none are left (the count was wrong).
    pub stock: i64,
    /// Fen.
    pub unit_cost: i64,
}

/// What dispatch knows about a technician (managers edit it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TechnicianProfile {
    pub user_id: UserId,
    #[serde(default)]
    pub display_name: String,
    pub skills: Vec<Category>,
    pub zones: Vec<Uuid>,
    /// Days on shift: bit 0 Monday … bit 6 Sunday.
    pub shift_days: u8,
    /// Campus time, minutes after midnight; `start < end` (no shift over midnight).
    pub shift_start: u16,
    pub shift_end: u16,
    pub active: bool,
}

impl TechnicianProfile {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.shift_days > 0x7f {
            return Err(FieldError::new("shift_days", "seven bits, Monday first"));
        }
        if self.shift_start >= self.shift_end || self.shift_end > 24 * 60 {
            return Err(FieldError::new(
                "shift_end",
                "must be after the start, at most 24:00",
            ));
        }
        if self.zones.len() > 64 {
            return Err(FieldError::new("zones", "at most 64"));
        }
        Ok(())
    }

    /// Whether the technician is on shift at `at` (campus time, UTC+8).
    pub fn on_shift(&self, at: DateTime<Utc>) -> bool {
        use chrono::{Datelike, Timelike};
        let local = at + chrono::Duration::hours(8);
        let day = local.weekday().num_days_from_monday();
        let minute = local.hour() * 60 + local.minute();
        self.active
            && self.shift_days & (1 << day) != 0
            && (u32::from(self.shift_start)..u32::from(self.shift_end)).contains(&minute)
    }
}

/// One candidate for automatic dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub profile: TechnicianProfile,
    /// Jobs in hand (assigned and not done).
    pub load: u32,
}

/// Automatic dispatch: among technicians with the skill, covering the
/// zone, on shift now and holding fewer than `max_load` jobs, the least
/// loaded (ties: the lowest id, so it is deterministic). `None`: the job
/// goes to the claim pool.
pub fn choose_technician(
    candidates: &[Candidate],
    category: Category,
    zone: Option<Uuid>,
    now: DateTime<Utc>,
    max_load: u32,
) -> Option<UserId> {
    candidates
        .iter()
        .filter(|c| c.profile.skills.contains(&category))
        .filter(|c| zone.is_none_or(|z| c.profile.zones.contains(&z)))
        .filter(|c| c.profile.on_shift(now))
        .filter(|c| c.load < max_load)
        .min_by_key(|c| (c.load, c.profile.user_id))
        .map(|c| c.profile.user_id)
}

/// A technician never holds more than this many jobs by automatic dispatch.
pub const MAX_AUTO_LOAD: u32 = 8;

/// One line of the managers' figures: a building, category or technician.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Breakdown {
    /// A building's or category's slug, or a technician's id.
    pub key: String,
    pub name: LocalName,
    /// Jobs not done now.
    pub backlog: u32,
    /// Jobs completed in the range.
    pub completed: u32,
    /// Mean minutes from report to completion.
    pub mttr_minutes: Option<u32>,
    /// Completed in time, in percent.
    pub sla_met_pct: Option<u32>,
    /// Completed jobs that had been reopened, in percent.
    pub reopened_pct: Option<u32>,
}

/// `GET /repairs/dashboard`: the managers' view of a range of campus days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairDashboard {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: chrono::NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: chrono::NaiveDate,
    pub reported: u32,
    pub total: Breakdown,
    pub by_category: Vec<Breakdown>,
    pub by_building: Vec<Breakdown>,
    pub by_technician: Vec<Breakdown>,
}

/// Fen paid per completed job, by urgency (the campus's piece rates).
pub fn piece_rate(urgency: Urgency) -> i64 {
    match urgency {
        Urgency::Low => 2_000,
        Urgency::Normal => 3_000,
        Urgency::High => 4_500,
        Urgency::Emergency => 6_000,
    }
}

/// A technician's month: jobs, time, ratings, SLA and piece-rate pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayLine {
    pub technician_id: UserId,
    pub name: String,
    pub completed: u32,
    pub minutes: u32,
    /// Average stars ×10, of rated jobs.
    pub rating_tenths: Option<u32>,
    pub sla_met_pct: Option<u32>,
    pub reopened: u32,
    /// Fen: each completed job's piece rate by urgency; a job rated 5 earns
    /// a fifth more, a job reopened half.
    pub pay: i64,
}

/// One completed job's pay.
pub fn job_pay(urgency: Urgency, stars: Option<u8>, reopened: bool) -> i64 {
    let base = piece_rate(urgency);
    if reopened {
        base / 2
    } else if stars == Some(5) {
        base + base / 5
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn tech(n: u128, skills: &[Category], zone: Uuid) -> TechnicianProfile {
        TechnicianProfile {
            user_id: UserId(Uuid::from_u128(n)),
            display_name: String::new(),
            skills: skills.to_vec(),
            zones: vec![zone],
            shift_days: 0b001_1111,
            shift_start: 8 * 60,
            shift_end: 17 * 60 + 30,
            active: true,
        }
    }

    #[test]
    fn dispatch_takes_skill_zone_shift_and_load() {
        let east = Uuid::from_u128(1);
        let west = Uuid::from_u128(2);
        // Tuesday 2026-12-01 10:00 campus time.
        let now = at("2026-12-01T02:00:00Z");
        let plumber_east = tech(10, &[Category::Plumbing], east);
        let plumber_east_busy = tech(11, &[Category::Plumbing], east);
        let electrician_east = tech(12, &[Category::Electrical], east);
        let plumber_west = tech(13, &[Category::Plumbing], west);
        let candidates = vec![
            Candidate {
                profile: plumber_east_busy.clone(),
                load: 3,
            },
            Candidate {
                profile: plumber_east.clone(),
                load: 1,
            },
            Candidate {
                profile: electrician_east,
                load: 0,
            },
            Candidate {
                profile: plumber_west,
                load: 0,
            },
        ];
        assert_eq!(
            choose_technician(&candidates, Category::Plumbing, Some(east), now, 8),
            Some(plumber_east.user_id)
        );
        // Nobody with the skill there: the pool.
        assert_eq!(
            choose_technician(&candidates, Category::Locks, Some(east), now, 8),
            None
        );
        // At night nobody is on shift.
        let night = at("2026-12-01T14:00:00Z");
        assert_eq!(
            choose_technician(&candidates, Category::Plumbing, Some(east), night, 8),
            None
        );
        // Saturday neither.
        let saturday = at("2026-12-05T02:00:00Z");
        assert_eq!(
            choose_technician(&candidates, Category::Plumbing, Some(east), saturday, 8),
            None
        );
        // Full hands are passed over.
        assert_eq!(
            choose_technician(&candidates, Category::Plumbing, Some(east), now, 1),
            None
        );
    }

    #[test]
    fn the_sla_clock() {
        let created = at("2026-12-01T00:00:00Z");
        let respond_by = at("2026-12-01T01:00:00Z");
        let resolve_by = at("2026-12-02T00:00:00Z");
        let s = |responded, completed, now| {
            sla_state(created, respond_by, resolve_by, responded, completed, now)
        };
        assert_eq!(s(None, None, at("2026-12-01T00:30:00Z")), SlaState::OnTrack);
        // No answer after the response time: at risk.
        assert_eq!(s(None, None, at("2026-12-01T02:00:00Z")), SlaState::AtRisk);
        let answered = Some(at("2026-12-01T00:40:00Z"));
        assert_eq!(
            s(answered, None, at("2026-12-01T02:00:00Z")),
            SlaState::OnTrack
        );
        // The last quarter.
        assert_eq!(
            s(answered, None, at("2026-12-01T18:00:00Z")),
            SlaState::AtRisk
        );
        assert_eq!(
            s(answered, None, at("2026-12-02T00:00:01Z")),
            SlaState::Breached
        );
        let done = Some(at("2026-12-01T20:00:00Z"));
        assert_eq!(s(answered, done, at("2026-12-03T00:00:00Z")), SlaState::Met);
        let late = Some(at("2026-12-02T03:00:00Z"));
        assert_eq!(
            s(answered, late, at("2026-12-03T00:00:00Z")),
            SlaState::Missed
        );
    }

    #[test]
    fn a_scanned_tag_is_its_code_or_its_report_link() {
        for (scanned, code) in [
            ("HQ-000123", Some("HQ-000123")),
            ("  hq-000123\n", Some("HQ-000123")),
            ("https://campus.example/report/HQ-000123", Some("HQ-000123")),
            (
                "http://10.0.0.5:8080/report/HQ-ABCD?from=sheet",
                Some("HQ-ABCD"),
            ),
            ("https://campus.example/report/", None),
            ("https://campus.example/", None),
            ("HQ-12", None),
            ("PAY:v1:abcdef", None),
            ("", None),
        ] {
            assert_eq!(asset_code_in(scanned).as_deref(), code, "{scanned:?}");
        }
    }

    #[test]
    fn steps_follow_the_job() {
        assert!(Step::Accept.allowed_from(Status::Assigned));
        assert!(!Step::Accept.allowed_from(Status::Open));
        assert!(Step::Start.allowed_from(Status::OnTheWay));
        assert!(!Step::Resume.allowed_from(Status::InProgress));
        let done = Step::Complete {
            notes: "换了阀芯".into(),
            minutes: 30,
            after_photos: vec![],
        };
        assert!(done.allowed_from(Status::Paused));
        assert!(!done.allowed_from(Status::Completed));
        assert!(!done.allowed_from(Status::Open));
    }

    #[test]
    fn reports_name_a_place_and_say_what() {
        let ok = Report {
            id: Uuid::now_v7(),
            category: Category::Plumbing,
            urgency: Urgency::High,
            building_id: Some(BuildingId(Uuid::now_v7())),
            room: Some("302".into()),
            asset_code: None,
            description: "水龙头漏水".into(),
            photos: vec![],
        };
        assert!(ok.validate().is_ok());
        let nowhere = Report {
            building_id: None,
            ..ok.clone()
        };
        assert_eq!(nowhere.validate().unwrap_err().field, "building_id");
        let bad_tag = Report {
            asset_code: Some("hq-1".into()),
            ..ok.clone()
        };
        assert_eq!(bad_tag.validate().unwrap_err().field, "asset_code");
        let silent = Report {
            description: "  ".into(),
            ..ok.clone()
        };
        assert_eq!(silent.validate().unwrap_err().field, "description");
        let many = Report {
            photos: vec!["ab".repeat(32); 7],
            ..ok
        };
        assert_eq!(many.validate().unwrap_err().field, "photos");
        assert!(check_asset_code("HQ-0001A").is_ok());
    }

    #[test]
    fn pay_follows_urgency_rating_and_reopening() {
        assert_eq!(job_pay(Urgency::Normal, Some(4), false), 3_000);
        assert_eq!(job_pay(Urgency::Normal, Some(5), false), 3_600);
        assert_eq!(job_pay(Urgency::Emergency, None, true), 3_000);
    }

    #[test]
    fn slugs_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.slug()), Some(*c));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.slug()), Some(*s));
        }
        let step: TakeStep = serde_json::from_value(serde_json::json!({
            "work_order_id": Uuid::nil(), "step": "pause", "reason": "等配件"
        }))
        .unwrap();
        assert_eq!(
            step.step,
            Step::Pause {
                reason: "等配件".into()
            }
        );
    }
}

//! The repair commands, each one `Command` for REST and for a pushed
//! outbox: report (with automatic dispatch), a technician's step, a part
//! used, a claim from the pool, a supervisor's reassignment, the
//! reporter's verdict, following someone else's job.
//!
//! Status changes are conditional `UPDATE`s on the status (and assignee)
//! the command read, so two writers racing (a claim against a claim, a
//! completion against a reassignment) have exactly one winner; the loser
//! gets a conflict with the reason. Field work wins over paperwork: a
//! completion or a part used by a technician the job was taken from
//! meanwhile is accepted and the new assignee told; a reassignment of a
//! completed job is refused.

use axum::extract::State;
use axum::http::StatusCode;
use houqin_shared::accounts::{Role, Scope};
use houqin_shared::error::FieldError;
use houqin_shared::repairs::{
    Candidate, Claim, Follow, MAX_AUTO_LOAD, Reassign, Report, Review, Status, Step, TakeStep,
    UsePart, Verdict, WorkOrder, choose_technician,
};
use houqin_shared::text::LocalName;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::{
    followers, next_number, order_of, part_dto, people_with, publish, record, repairs_scope,
    target, tell, to_json,
};
use crate::authz::Principal;
use crate::entities::{
    assets, buildings, part_uses, parts, technician_profiles, work_order_events,
    work_order_followers, work_orders,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::sync::commands::{self, Command, Ctx};

fn conflict(message: &str) -> ApiError {
    ApiError::Conflict {
        message: message.into(),
        field: Some("work_order_id".into()),
    }
}

fn is_tech(roles: &[Role]) -> bool {
    roles.contains(&Role::Technician)
}

/// Sets `w`'s row to `next` if its status (and assignee) are still what
/// `w` says; answers whether it did.
async fn swap(
    conn: &impl ConnectionTrait,
    w: &work_orders::Model,
    next: &work_orders::Model,
) -> Result<bool, DbErr> {
    let mut update = work_orders::Entity::update_many()
        .set(work_orders::ActiveModel {
            status: Set(next.status.clone()),
            assignee_id: Set(next.assignee_id),
            completed_by: Set(next.completed_by),
            updated_at: Set(next.updated_at),
            responded_at: Set(next.responded_at),
            completed_at: Set(next.completed_at),
            closed_at: Set(next.closed_at),
            pause_reason: Set(next.pause_reason.clone()),
            minutes: Set(next.minutes),
            after_photos: Set(next.after_photos.clone()),
            rating: Set(next.rating),
            comment: Set(next.comment.clone()),
            reopened: Set(next.reopened),
            escalation: Set(next.escalation),
            ..Default::default()
        })
        .filter(work_orders::Column::Id.eq(w.id))
        .filter(work_orders::Column::Status.eq(&w.status));
    update = match w.assignee_id {
        Some(a) => update.filter(work_orders::Column::AssigneeId.eq(a)),
        None => update.filter(work_orders::Column::AssigneeId.is_null()),
    };
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// Every technician's profile with the jobs in hand.
async fn candidates(conn: &impl ConnectionTrait, campus: Uuid) -> Result<Vec<Candidate>, DbErr> {
    let profiles = technician_profiles::Entity::find()
        .filter(technician_profiles::Column::CampusId.eq(campus))
        .filter(technician_profiles::Column::Active.eq(true))
        .all(conn)
        .await?;
    let active: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| s.is_active())
        .map(|s| s.slug())
        .collect();
    let loads: Vec<(Option<Uuid>, i64)> = work_orders::Entity::find()
        .select_only()
        .column(work_orders::Column::AssigneeId)
        .column_as(
            Expr::expr(sea_orm::sea_query::Func::count(Expr::col(
                work_orders::Column::Id,
            ))),
            "n",
        )
        .filter(work_orders::Column::CampusId.eq(campus))
        .filter(work_orders::Column::Status.is_in(active))
        .group_by(work_orders::Column::AssigneeId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(profiles
        .iter()
        .map(|t| Candidate {
            profile: super::profile_dto(t, String::new()),
            load: loads
                .iter()
                .find(|(a, _)| *a == Some(t.id))
                .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX)),
        })
        .collect())
}

impl Command for Report {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Report::validate(self).map(drop)
    }

    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let reporter = Some(ctx.actor.user_id);
        create(
            ctx.tx,
            &mut ctx.changes,
            ctx.actor.campus_id,
            reporter,
            &self,
            ctx.now,
        )
        .await?;
        Ok(())
    }
}

/// Records a reported job with its SLA deadlines and dispatches it: to the
/// least loaded technician with the skill, the zone and the shift, or to
/// the pool when there is none. `reporter: None` — reported anonymously.
pub(crate) async fn create(
    tx: &sea_orm::DatabaseTransaction,
    changes: &mut crate::sync::changes::Changes,
    campus: Uuid,
    reporter: Option<Uuid>,
    report: &Report,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<work_orders::Model> {
    let photos = report.validate()?;
    if work_orders::Entity::find_by_id(report.id)
        .one(tx)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            message: "this work order id was used before".into(),
            field: Some("id".into()),
        });
    }
    crate::attachments::require_complete(tx, campus, &photos, "photos").await?;
    let asset = match &report.asset_code {
        Some(code) => Some(
            assets::Entity::find()
                .filter(assets::Column::CampusId.eq(campus))
                .filter(assets::Column::Code.eq(code))
                .one(tx)
                .await?
                .ok_or_else(|| ApiError::validation("asset_code", "no asset has this tag"))?,
        ),
        None => None,
    };
    let building_id = asset
        .as_ref()
        .map(|a| a.building_id)
        .or(report.building_id.map(|b| b.0))
        .ok_or_else(|| ApiError::validation("building_id", "name a building"))?;
    let building = buildings::Entity::find_by_id(building_id)
        .filter(buildings::Column::CampusId.eq(campus))
        .one(tx)
        .await?
        .ok_or_else(|| ApiError::validation("building_id", "no such building"))?;
    let room = report
        .room
        .clone()
        .map(|r| r.trim().to_owned())
        .or_else(|| asset.as_ref().and_then(|a| a.room.clone()));
    let sla = target(tx, campus, report.category, report.urgency).await?;
    let mut w = work_orders::Model {
        id: report.id,
        campus_id: campus,
        number: next_number(tx, campus).await?,
        category: report.category.slug().into(),
        urgency: report.urgency.slug().into(),
        status: Status::Open.slug().into(),
        building_id: Some(building.id),
        room,
        asset_id: asset.as_ref().map(|a| a.id),
        zone_id: building.zone_id,
        description: report.description.trim().to_owned(),
        photos: to_json(&report.photos),
        after_photos: "[]".into(),
        reporter_id: reporter,
        assignee_id: None,
        completed_by: None,
        created_at: now,
        updated_at: now,
        respond_by: now + chrono::Duration::minutes(i64::from(sla.respond_minutes)),
        resolve_by: now + chrono::Duration::minutes(i64::from(sla.resolve_minutes)),
        responded_at: None,
        completed_at: None,
        closed_at: None,
        escalation: 0,
        pause_reason: None,
        minutes: 0,
        rating: None,
        comment: None,
        reopened: 0,
        archived_at: None,
    };
    record(tx, &w, now, reporter, None, "reported", "").await?;
    let chosen = choose_technician(
        &candidates(tx, campus).await?,
        report.category,
        building.zone_id,
        now,
        MAX_AUTO_LOAD,
    );
    if let Some(tech) = chosen {
        w.assignee_id = Some(tech.0);
        w.status = Status::Assigned.slug().into();
    }
    work_orders::Entity::insert(work_orders::ActiveModel::from(w.clone()))
        .exec_without_returning(tx)
        .await?;
    if let Some(tech) = chosen {
        record(tx, &w, now, None, Some(tech.0), "dispatched", "").await?;
        tell(
            tx,
            changes,
            &w,
            tech.0,
            LocalName::new(
                format!("新维修单 {}", w.number),
                format!("New repair job {}", w.number),
            ),
            LocalName::new(
                format!("{} {}", building.name_zh, w.description),
                format!("{} {}", building.name_en, w.description),
            ),
            now,
        )
        .await?;
    }
    publish(tx, changes, &w, None).await?;
    Ok(w)
}

/// Whether `user` was ever given this job (dispatched, claimed, reassigned to).
async fn held_before(conn: &impl ConnectionTrait, job: Uuid, user: Uuid) -> Result<bool, DbErr> {
    Ok(work_order_events::Entity::find()
        .filter(work_order_events::Column::WorkOrderId.eq(job))
        .filter(work_order_events::Column::SubjectId.eq(user))
        .filter(work_order_events::Column::Kind.is_in(["dispatched", "claimed", "reassigned"]))
        .one(conn)
        .await?
        .is_some())
}

impl Command for TakeStep {
    fn allowed(roles: &[Role]) -> bool {
        is_tech(roles)
    }

    fn validate(&self) -> Result<(), FieldError> {
        TakeStep::validate(self).map(drop)
    }

    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let campus = ctx.actor.campus_id;
        let me = ctx.actor.user_id;
        let now = ctx.now;
        let after = TakeStep::validate(&self)?;
        let w = order_of(ctx.tx, campus, self.work_order_id).await?;
        let status = Status::parse(&w.status).unwrap_or(Status::Open);
        let mine = w.assignee_id == Some(me);
        let completing = matches!(self.step, Step::Complete { .. });
        if !mine {
            // Someone else's now (or the pool's). Only finished field work
            // from a technician who held the job stands.
            if !(completing && held_before(ctx.tx, w.id, me).await?) {
                return Err(conflict("this job is assigned to someone else now"));
            }
            if status.is_done() {
                return Err(conflict("this job was completed already"));
            }
        } else if !self.step.allowed_from(status) {
            return Err(conflict(&format!(
                "a job that is {} cannot be {}",
                status.slug(),
                self.step.slug()
            )));
        }
        crate::attachments::require_complete(ctx.tx, campus, &after, "after_photos").await?;
        let mut next = work_orders::Model {
            status: self.step.to().slug().into(),
            updated_at: now,
            ..w.clone()
        };
        let mut note = String::new();
        match &self.step {
            Step::Accept | Step::OnTheWay | Step::Start => {
                next.responded_at = next.responded_at.or(Some(now));
            }
            Step::Pause { reason } => {
                next.pause_reason = Some(reason.trim().to_owned());
                note = reason.trim().to_owned();
            }
            Step::Resume => next.pause_reason = None,
            Step::Complete {
                notes,
                minutes,
                after_photos,
            } => {
                next.responded_at = next.responded_at.or(Some(now));
                next.completed_at = Some(now);
                next.completed_by = Some(me);
                next.assignee_id = Some(me);
                next.minutes = w.minutes + i32::try_from(*minutes).unwrap_or(0);
                next.after_photos = to_json(after_photos);
                next.pause_reason = None;
                note = notes.trim().to_owned();
            }
        }
        if !swap(ctx.tx, &w, &next).await? {
            return Err(conflict("the job changed meanwhile; try again"));
        }
        record(
            ctx.tx,
            &next,
            now,
            Some(me),
            Some(me),
            self.step.slug(),
            &note,
        )
        .await?;
        if completing {
            if let Some(r) = w.reporter_id {
                tell(
                    ctx.tx,
                    &mut ctx.changes,
                    &next,
                    r,
                    LocalName::new(
                        format!("维修单 {} 已完成", w.number),
                        format!("Repair {} is done", w.number),
                    ),
                    LocalName::new(
                        "请确认修好了，或说明问题重新报修。",
                        "Please check it and accept, or reopen it saying what is wrong.",
                    ),
                    now,
                )
                .await?;
            }
            for f in followers(ctx.tx, w.id).await? {
                tell(
                    ctx.tx,
                    &mut ctx.changes,
                    &next,
                    f,
                    LocalName::new(
                        format!("你关注的维修单 {} 已完成", w.number),
                        format!("Repair {} you follow is done", w.number),
                    ),
                    LocalName::new(
                        "如果问题还在，可以再次报修。",
                        "If the fault is still there, you can report it again.",
                    ),
                    now,
                )
                .await?;
            }
            if let Some(other) = w.assignee_id.filter(|a| *a != me) {
                // Reassigned while the first technician was on site.
                tell(
                    ctx.tx,
                    &mut ctx.changes,
                    &next,
                    other,
                    LocalName::new(
                        format!("维修单 {} 已由{}完成", w.number, ctx.actor.display_name),
                        format!("Repair {} was done by {}", w.number, ctx.actor.display_name),
                    ),
                    LocalName::new("你不用再去了。", "You need not go."),
                    now,
                )
                .await?;
                record(
                    ctx.tx,
                    &next,
                    now,
                    Some(me),
                    Some(other),
                    "late_completion",
                    "",
                )
                .await?;
            }
        }
        publish(ctx.tx, &mut ctx.changes, &next, w.assignee_id).await?;
        Ok(())
    }
}

impl Command for UsePart {
    fn allowed(roles: &[Role]) -> bool {
        is_tech(roles)
    }

    fn validate(&self) -> Result<(), FieldError> {
        UsePart::validate(self)
    }

    /// Draws the parts from the store, once per use id. A part used on site
    /// is recorded even when the store's count goes below zero.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let campus = ctx.actor.campus_id;
        let me = ctx.actor.user_id;
        let w = order_of(ctx.tx, campus, self.work_order_id).await?;
        if w.assignee_id != Some(me) && !held_before(ctx.tx, w.id, me).await? {
            return Err(conflict("this job is not yours"));
        }
        if part_uses::Entity::find_by_id(self.id)
            .one(ctx.tx)
            .await?
            .is_some()
        {
            return Err(ApiError::Conflict {
                message: "this part use was recorded before".into(),
                field: Some("id".into()),
            });
        }
        let part = parts::Entity::find_by_id(self.part_id)
            .filter(parts::Column::CampusId.eq(campus))
            .one(ctx.tx)
            .await?
            .ok_or_else(|| ApiError::validation("part_id", "no such part"))?;
        let quantity = i64::from(self.quantity);
        parts::Entity::update_many()
            .col_expr(
                parts::Column::Stock,
                Expr::col(parts::Column::Stock).sub(quantity),
            )
            .filter(parts::Column::Id.eq(part.id))
            .exec(ctx.tx)
            .await?;
        part_uses::Entity::insert(part_uses::ActiveModel {
            id: Set(self.id),
            campus_id: Set(campus),
            work_order_id: Set(w.id),
            part_id: Set(part.id),
            quantity: Set(i32::try_from(self.quantity).unwrap_or(0)),
            unit_cost: Set(part.unit_cost),
            used_by: Set(me),
            created_at: Set(ctx.now),
        })
        .exec_without_returning(ctx.tx)
        .await?;
        record(
            ctx.tx,
            &w,
            ctx.now,
            Some(me),
            Some(me),
            "part_used",
            &format!("{} × {}", part.name_zh, self.quantity),
        )
        .await?;
        let fresh = parts::Entity::find_by_id(part.id)
            .one(ctx.tx)
            .await?
            .unwrap_or(part);
        ctx.changes.put(
            repairs_scope(campus),
            houqin_shared::sync::entity::PART,
            fresh.id,
            &part_dto(&fresh),
        );
        publish(ctx.tx, &mut ctx.changes, &w, None).await?;
        Ok(())
    }
}

impl Command for Claim {
    fn allowed(roles: &[Role]) -> bool {
        is_tech(roles)
    }

    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Takes a job from the pool of one's zones; of two racing, one wins.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let me = ctx.actor.user_id;
        let w = order_of(ctx.tx, ctx.actor.campus_id, self.work_order_id).await?;
        // The zones dispatch knows the technician by (managers edit them),
        // or else the session's.
        let profile = technician_profiles::Entity::find_by_id(me)
            .one(ctx.tx)
            .await?
            .map(|t| super::profile_dto(&t, String::new()));
        let in_zone = w.zone_id.is_none_or(|z| {
            profile.as_ref().is_some_and(|p| p.zones.contains(&z))
                || ctx.actor.scopes.contains(&Scope::Zone(z))
        });
        if !in_zone {
            return Err(conflict("this job is in another zone"));
        }
        if w.status != Status::Open.slug() {
            return Err(conflict("someone has this job already"));
        }
        let next = work_orders::Model {
            status: Status::Assigned.slug().into(),
            assignee_id: Some(me),
            updated_at: ctx.now,
            ..w.clone()
        };
        if !swap(ctx.tx, &w, &next).await? {
            return Err(conflict("someone has this job already"));
        }
        record(ctx.tx, &next, ctx.now, Some(me), Some(me), "claimed", "").await?;
        publish(ctx.tx, &mut ctx.changes, &next, None).await?;
        Ok(())
    }
}

impl Command for Reassign {
    fn allowed(roles: &[Role]) -> bool {
        roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Manager))
    }

    fn validate(&self) -> Result<(), FieldError> {
        Reassign::validate(self)
    }

    /// Gives the job to another technician (or the pool), saying why; both
    /// are told. A job already completed stays with who did it.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let campus = ctx.actor.campus_id;
        let w = order_of(ctx.tx, campus, self.work_order_id).await?;
        let status = Status::parse(&w.status).unwrap_or(Status::Open);
        if status.is_done() {
            return Err(conflict(
                "this job was completed already; it cannot be reassigned",
            ));
        }
        if let Some(to) = self.to {
            let techs = people_with(ctx.tx, campus, Role::Technician, None).await?;
            if !techs.contains(&to.0) {
                return Err(ApiError::validation(
                    "to",
                    "not a technician of this campus",
                ));
            }
            if w.assignee_id == Some(to.0) {
                return Err(ApiError::validation("to", "the job is theirs already"));
            }
        }
        let next = work_orders::Model {
            status: if self.to.is_some() {
                Status::Assigned.slug().into()
            } else {
                Status::Open.slug().into()
            },
            assignee_id: self.to.map(|t| t.0),
            pause_reason: None,
            updated_at: ctx.now,
            ..w.clone()
        };
        if !swap(ctx.tx, &w, &next).await? {
            return Err(conflict("the job changed meanwhile; look again"));
        }
        let reason = self.reason.trim().to_owned();
        record(
            ctx.tx,
            &next,
            ctx.now,
            Some(ctx.actor.user_id),
            self.to.map(|t| t.0),
            "reassigned",
            &reason,
        )
        .await?;
        if let Some(old) = w.assignee_id {
            tell(
                ctx.tx,
                &mut ctx.changes,
                &next,
                old,
                LocalName::new(
                    format!("维修单 {} 已改派他人", w.number),
                    format!("Repair {} was given to someone else", w.number),
                ),
                LocalName::new(reason.clone(), reason.clone()),
                ctx.now,
            )
            .await?;
        }
        if let Some(to) = self.to {
            tell(
                ctx.tx,
                &mut ctx.changes,
                &next,
                to.0,
                LocalName::new(
                    format!("改派给你的维修单 {}", w.number),
                    format!("Repair {} is yours now", w.number),
                ),
                LocalName::new(reason.clone(), reason.clone()),
                ctx.now,
            )
            .await?;
        }
        publish(ctx.tx, &mut ctx.changes, &next, w.assignee_id).await?;
        Ok(())
    }
}

impl Command for Review {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Review::validate(self)
    }

    /// The reporter accepts (with stars) or reopens a completed job.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let me = ctx.actor.user_id;
        let w = order_of(ctx.tx, ctx.actor.campus_id, self.work_order_id).await?;
        if w.reporter_id != Some(me) {
            return Err(ApiError::Forbidden);
        }
        if w.status != Status::Completed.slug() {
            return Err(conflict("only a completed job can be accepted or reopened"));
        }
        let (next, kind, note) = match &self.verdict {
            Verdict::Accept { stars, comment } => (
                work_orders::Model {
                    status: Status::Closed.slug().into(),
                    closed_at: Some(ctx.now),
                    rating: Some(i16::from(*stars)),
                    comment: (!comment.trim().is_empty()).then(|| comment.trim().to_owned()),
                    updated_at: ctx.now,
                    ..w.clone()
                },
                "closed",
                format!("★{stars} {}", comment.trim()),
            ),
            Verdict::Reopen { reason } => (
                work_orders::Model {
                    status: Status::Assigned.slug().into(),
                    assignee_id: w.completed_by.or(w.assignee_id),
                    completed_at: None,
                    reopened: w.reopened + 1,
                    updated_at: ctx.now,
                    ..w.clone()
                },
                "reopened",
                reason.trim().to_owned(),
            ),
        };
        if !swap(ctx.tx, &w, &next).await? {
            return Err(conflict("the job changed meanwhile; look again"));
        }
        record(
            ctx.tx,
            &next,
            ctx.now,
            Some(me),
            next.assignee_id,
            kind,
            &note,
        )
        .await?;
        if let (Some(tech), Verdict::Reopen { reason }) = (next.assignee_id, &self.verdict) {
            tell(
                ctx.tx,
                &mut ctx.changes,
                &next,
                tech,
                LocalName::new(
                    format!("维修单 {} 被重新报修", w.number),
                    format!("Repair {} was reopened", w.number),
                ),
                LocalName::new(reason.clone(), reason.clone()),
                ctx.now,
            )
            .await?;
        }
        publish(ctx.tx, &mut ctx.changes, &next, None).await?;
        Ok(())
    }
}

impl Command for Follow {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Follows an open job on a tagged asset (the fault the caller sees
    /// too), or stops following. Following twice, or stopping when not
    /// following, changes nothing.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        let me = ctx.actor.user_id;
        let w = order_of(ctx.tx, ctx.actor.campus_id, self.work_order_id).await?;
        let current = followers(ctx.tx, w.id).await?;
        if !self.follow {
            if !current.contains(&me) {
                return Ok(());
            }
            work_order_followers::Entity::delete_many()
                .filter(work_order_followers::Column::WorkOrderId.eq(w.id))
                .filter(work_order_followers::Column::UserId.eq(me))
                .exec(ctx.tx)
                .await?;
            publish(ctx.tx, &mut ctx.changes, &w, Some(me)).await?;
            return Ok(());
        }
        if current.contains(&me) {
            return Ok(());
        }
        if w.reporter_id == Some(me) || w.assignee_id == Some(me) {
            return Err(conflict("this job is yours already"));
        }
        if w.asset_id.is_none() {
            // Only faults anyone can see (a tagged asset) are followed;
            // someone's room is theirs.
            return Err(ApiError::NotFound("work order"));
        }
        if Status::parse(&w.status).is_some_and(Status::is_done) {
            return Err(conflict("this job is done already"));
        }
        work_order_followers::Entity::insert(work_order_followers::ActiveModel {
            id: Set(Uuid::now_v7()),
            campus_id: Set(w.campus_id),
            work_order_id: Set(w.id),
            user_id: Set(me),
            created_at: Set(ctx.now),
        })
        .exec_without_returning(ctx.tx)
        .await?;
        publish(ctx.tx, &mut ctx.changes, &w, None).await?;
        Ok(())
    }
}

/// Reports a fault (the same command the app syncs offline); answers the
/// work order, dispatched when a technician is free.
#[utoipa::path(post, path = "/repairs", tag = "repairs", request_body = Report,
    responses((status = 201, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<Report>,
) -> ApiResult<(StatusCode, Json<WorkOrder>)> {
    let id = req.id;
    commands::execute(&state, &p, req).await?;
    let w = order_of(&state.db.conn, p.campus_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(super::view(&state.db.conn, &w).await?),
    ))
}

async fn answer(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<Json<WorkOrder>> {
    let w = order_of(&state.db.conn, p.campus_id, id).await?;
    Ok(Json(super::view(&state.db.conn, &w).await?))
}

/// A technician's step on a job.
#[utoipa::path(post, path = "/repairs/{id}/steps", tag = "repairs", request_body = Step,
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(step): Json<Step>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(
        &state,
        &p,
        TakeStep {
            work_order_id: id,
            step,
        },
    )
    .await?;
    answer(&state, &p, id).await
}

/// The body of `POST /repairs/{id}/parts`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PartRequest {
    pub id: Uuid,
    pub part_id: Uuid,
    pub quantity: u32,
}

/// Parts drawn for a job.
#[utoipa::path(post, path = "/repairs/{id}/parts", tag = "repairs", request_body = PartRequest,
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn use_part(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<PartRequest>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(
        &state,
        &p,
        UsePart {
            id: req.id,
            work_order_id: id,
            part_id: req.part_id,
            quantity: req.quantity,
        },
    )
    .await?;
    answer(&state, &p, id).await
}

/// Takes a job from the pool.
#[utoipa::path(post, path = "/repairs/{id}/claim", tag = "repairs",
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(&state, &p, Claim { work_order_id: id }).await?;
    answer(&state, &p, id).await
}

/// The body of `POST /repairs/{id}/reassign`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct ReassignRequest {
    /// The technician; absent: back to the pool.
    pub to: Option<houqin_shared::ids::UserId>,
    pub reason: String,
}

/// Gives a job to another technician or back to the pool (supervisors, managers).
#[utoipa::path(post, path = "/repairs/{id}/reassign", tag = "repairs", request_body = ReassignRequest,
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "completed already"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn reassign(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<ReassignRequest>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(
        &state,
        &p,
        Reassign {
            work_order_id: id,
            to: req.to,
            reason: req.reason,
        },
    )
    .await?;
    answer(&state, &p, id).await
}

/// The reporter accepts (and rates) or reopens a completed job.
#[utoipa::path(post, path = "/repairs/{id}/review", tag = "repairs", request_body = Verdict,
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 403, body = houqin_shared::ApiErrorBody), (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody), (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(verdict): Json<Verdict>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(
        &state,
        &p,
        Review {
            work_order_id: id,
            verdict,
        },
    )
    .await?;
    answer(&state, &p, id).await
}

/// The body of `POST /repairs/{id}/follow`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct FollowRequest {
    /// `false`: stop following. Default `true`.
    #[serde(default = "yes")]
    pub follow: bool,
}

fn yes() -> bool {
    true
}

/// Follows someone else's open job on a tagged asset instead of reporting
/// the same fault again (or stops following).
#[utoipa::path(post, path = "/repairs/{id}/follow", tag = "repairs", request_body = FollowRequest,
    params(("id" = Uuid, Path, description = "the work order")),
    responses((status = 200, body = WorkOrder), (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "done already, or yours"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<Uuid>,
    Json(req): Json<FollowRequest>,
) -> ApiResult<Json<WorkOrder>> {
    commands::execute(
        &state,
        &p,
        Follow {
            work_order_id: id,
            follow: req.follow,
        },
    )
    .await?;
    answer(&state, &p, id).await
}

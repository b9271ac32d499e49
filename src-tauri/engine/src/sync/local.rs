//! Each command's local side, in one place: the shape check before it is
//! queued, and its optimistic effect on the view, one function per command.
//!
//! A command unknown to this build still queues (a newer screen may send it,
//! the server decides) but has no optimistic effect.
//!
//! Invariant: an effect only writes through [`View`] (the overlay), and it is
//! deterministic from the view and the command, so a rebase that re-applies
//! it after new server rows gives the same answer as a server that applied it.
//! Effects are idempotent, because an accepted command is re-applied on top of
//! rows that may already show it.

use chrono::{DateTime, Utc};
use houqin_shared::accounts::SetLangRequest;
use houqin_shared::dining::{
    CancelOrder, MenuDish, Order, OrderLine, OrderSource, OrderStatus, PlaceOrder, Portions,
    portions_id,
};
use houqin_shared::error::FieldError;
use houqin_shared::ids::UserId;
use houqin_shared::kiosk::OfflineSale;
use houqin_shared::notifications::MarkRead;
use houqin_shared::payments::{CardStatus, ReportCardLost};
use houqin_shared::repairs::{
    Claim, Event, Follow, Part, PartUse, Reassign, Report, Review, Status, Step, TakeStep, UsePart,
    WorkOrder, default_sla,
};
use houqin_shared::sync::{NamedCommand, scope};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::mirror::View;
use crate::store::StoreError;

pub use houqin_shared::sync::entity::{
    BUILDING, CARD, DISH, NOTIFICATION, ORDER, PART, PORTIONS, PROFILE, WORK_ORDER,
};

/// The server refuses a push with a longer name as a whole (422), which would
/// wedge the queue; so the engine refuses it before queueing.
pub const NAME_MAX: usize = 64;
/// A bigger payload could not fit a push under the server's body limit.
pub const PAYLOAD_MAX_BYTES: usize = 64 * 1024;

/// Checks a command before it is queued. Known commands must have their
/// payload's shape and pass their shared rules; unknown ones only a sane
/// name and size.
pub(crate) fn validate(name: &str, payload: &Value) -> Result<(), FieldError> {
    let sane = name.len() <= NAME_MAX
        && name.split('.').count() >= 2
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if !sane {
        return Err(FieldError::new(
            "name",
            "must be like `service.action`: lowercase letters, digits and '_', at most 64 characters",
        ));
    }
    let size = serde_json::to_string(payload)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if size > PAYLOAD_MAX_BYTES {
        return Err(FieldError::new("payload", "is too large (at most 64 KiB)"));
    }
    match name {
        MarkRead::NAME => parse::<MarkRead>(payload)?.validate(),
        SetLangRequest::NAME => parse::<SetLangRequest>(payload).map(drop),
        ReportCardLost::NAME => parse::<ReportCardLost>(payload).map(drop),
        PlaceOrder::NAME => parse::<PlaceOrder>(payload)?.validate(),
        CancelOrder::NAME => parse::<CancelOrder>(payload).map(drop),
        OfflineSale::NAME => parse::<OfflineSale>(payload)?.validate(),
        Report::NAME => parse::<Report>(payload)?.validate().map(drop),
        TakeStep::NAME => parse::<TakeStep>(payload)?.validate().map(drop),
        UsePart::NAME => parse::<UsePart>(payload)?.validate(),
        Claim::NAME => parse::<Claim>(payload).map(drop),
        Reassign::NAME => parse::<Reassign>(payload)?.validate(),
        Review::NAME => parse::<Review>(payload)?.validate(),
        Follow::NAME => parse::<Follow>(payload).map(drop),
        _ => Ok(()),
    }
}

/// What an effect knows about the queued command besides its payload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queued {
    pub user_id: UserId,
    /// The device's clock when queued: stands in for the server's time until
    /// the server's rows arrive.
    pub created_at: DateTime<Utc>,
}

/// Applies the command's optimistic effect to the view.
pub(crate) fn apply(
    view: &View<'_>,
    name: &str,
    payload: &Value,
    cmd: Queued,
) -> Result<(), StoreError> {
    match name {
        MarkRead::NAME => match parse(payload) {
            Ok(p) => mark_read(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        SetLangRequest::NAME => match parse(payload) {
            Ok(p) => set_lang(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        ReportCardLost::NAME => match parse(payload) {
            Ok(p) => report_lost(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        PlaceOrder::NAME => match parse(payload) {
            Ok(p) => place_order(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        CancelOrder::NAME => match parse(payload) {
            Ok(p) => cancel_order(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        Report::NAME => match parse(payload) {
            Ok(p) => report_repair(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        TakeStep::NAME => match parse(payload) {
            Ok(p) => take_step(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        Follow::NAME => match parse(payload) {
            Ok(p) => follow(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        UsePart::NAME => match parse(payload) {
            Ok(p) => use_part(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        _ => Ok(()),
    }
}

fn to_value<T: serde::Serialize>(what: &'static str, v: &T) -> Result<Value, StoreError> {
    serde_json::to_value(v).map_err(|source| StoreError::EncodeJson { what, source })
}

fn from_value<T: DeserializeOwned>(v: Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

/// `dining.place_order`: the order shows at once as placed (its number
/// comes from the server), and the dishes' portions left go down — as far
/// as this device knows; the server decides.
fn place_order(view: &View<'_>, cmd: Queued, p: PlaceOrder) -> Result<(), StoreError> {
    let user_scope = scope::user(cmd.user_id.0);
    if view.get(&user_scope, ORDER, p.id.0)?.is_some() {
        // Re-applied after the server's row arrived: the server's row stands.
        return Ok(());
    }
    let Some(me) = view
        .get(&user_scope, PROFILE, cmd.user_id.0)?
        .and_then(from_value::<houqin_shared::accounts::Me>)
    else {
        return Ok(());
    };
    let menu = scope::menu(me.campus_id.0);
    let mut lines = Vec::new();
    let mut total = 0;
    let mut canteen = None;
    for l in &p.lines {
        let Some(dish) = view
            .get(&menu, DISH, l.dish_id.0)?
            .and_then(from_value::<MenuDish>)
        else {
            continue;
        };
        canteen = Some(dish.canteen_id);
        total += dish.price * i64::from(l.quantity);
        lines.push(OrderLine {
            dish_id: dish.id,
            name: dish.name.clone(),
            quantity: l.quantity,
            price: dish.price,
        });
        let pid = portions_id(l.dish_id, p.day, p.period);
        if let Some(mut portions) = view
            .get(&menu, PORTIONS, pid)?
            .and_then(from_value::<Portions>)
        {
            portions.left = portions.left.saturating_sub(l.quantity);
            view.put(&menu, PORTIONS, pid, &to_value("portions", &portions)?)?;
        }
    }
    let Some(canteen_id) = canteen else {
        return Ok(());
    };
    if p.takeout.is_some() {
        total += houqin_shared::dining::TAKEOUT_FEE;
    }
    let order = Order {
        id: p.id,
        user_id: Some(cmd.user_id),
        canteen_id,
        window_id: p.window_id,
        source: OrderSource::App,
        day: p.day,
        period: p.period,
        slot: p.slot,
        lines,
        total,
        takeout: p.takeout,
        status: OrderStatus::Placed,
        number: String::new(),
        ready_at: None,
        placed_at: cmd.created_at,
        updated_at: cmd.created_at,
    };
    view.put(&user_scope, ORDER, p.id.0, &to_value("an order", &order)?)
}

/// `dining.cancel_order`: the order shows cancelled at once if the window
/// had not started on it (as far as this device knows).
fn cancel_order(view: &View<'_>, cmd: Queued, p: CancelOrder) -> Result<(), StoreError> {
    let user_scope = scope::user(cmd.user_id.0);
    let Some(mut order) = view
        .get(&user_scope, ORDER, p.order_id.0)?
        .and_then(from_value::<Order>)
    else {
        return Ok(());
    };
    if order.status == OrderStatus::Placed {
        order.status = OrderStatus::Cancelled;
        order.updated_at = cmd.created_at;
        view.put(
            &user_scope,
            ORDER,
            p.order_id.0,
            &to_value("an order", &order)?,
        )?;
    }
    Ok(())
}

/// The campus of the signed-in user, from their synced profile.
fn campus_of(view: &View<'_>, user: UserId) -> Result<Option<uuid::Uuid>, StoreError> {
    Ok(view
        .get(&scope::user(user.0), PROFILE, user.0)?
        .and_then(from_value::<houqin_shared::accounts::Me>)
        .map(|me| me.campus_id.0))
}

/// The scopes on this device that hold a work order: the user's own and its zone's.
fn work_order_scopes(
    view: &View<'_>,
    user: UserId,
    id: uuid::Uuid,
) -> Result<Vec<(String, WorkOrder)>, StoreError> {
    let mut out = Vec::new();
    let own = scope::user(user.0);
    let mine = view
        .get(&own, WORK_ORDER, id)?
        .and_then(from_value::<WorkOrder>);
    if let Some(w) = &mine {
        if let Some(z) = w.zone_id {
            let zone = scope::zone(z);
            if let Some(zw) = view
                .get(&zone, WORK_ORDER, id)?
                .and_then(from_value::<WorkOrder>)
            {
                out.push((zone, zw));
            }
        }
        out.push((own, w.clone()));
    }
    Ok(out)
}

/// A building's name, when this device holds the building (a technician's
/// zone scope carries its buildings).
fn building_name(
    view: &View<'_>,
    user: UserId,
    id: houqin_shared::ids::BuildingId,
) -> Result<Option<houqin_shared::text::LocalName>, StoreError> {
    let Some(me) = view
        .get(&scope::user(user.0), PROFILE, user.0)?
        .and_then(from_value::<houqin_shared::accounts::Me>)
    else {
        return Ok(None);
    };
    for s in &me.scopes {
        if let houqin_shared::accounts::Scope::Zone(z) = s
            && let Some(b) = view
                .get(&scope::zone(*z), BUILDING, id.0)?
                .and_then(from_value::<houqin_shared::directory::Building>)
        {
            return Ok(Some(b.name));
        }
    }
    Ok(None)
}

/// `repairs.report`: the job shows at once, waiting to be sent (no number
/// yet; the server dispatches it and sets its SLA clock).
fn report_repair(view: &View<'_>, cmd: Queued, p: Report) -> Result<(), StoreError> {
    let own = scope::user(cmd.user_id.0);
    if view.get(&own, WORK_ORDER, p.id)?.is_some() {
        return Ok(());
    }
    let sla = default_sla(p.category, p.urgency);
    let at = cmd.created_at;
    let building_name = match p.building_id {
        Some(b) => building_name(view, cmd.user_id, b)?,
        None => None,
    };
    let w = WorkOrder {
        id: p.id,
        number: String::new(),
        category: p.category,
        urgency: p.urgency,
        status: Status::Open,
        building_id: p.building_id,
        building_name,
        room: p.room,
        asset_id: None,
        asset_code: p.asset_code,
        zone_id: None,
        description: p.description,
        photos: p.photos,
        after_photos: Vec::new(),
        reporter_id: Some(cmd.user_id),
        assignee_id: None,
        assignee_name: None,
        created_at: at,
        updated_at: at,
        respond_by: at + chrono::Duration::minutes(i64::from(sla.respond_minutes)),
        resolve_by: at + chrono::Duration::minutes(i64::from(sla.resolve_minutes)),
        responded_at: None,
        completed_at: None,
        closed_at: None,
        escalation: 0,
        pause_reason: None,
        minutes: 0,
        parts: Vec::new(),
        rating: None,
        comment: None,
        reopened: 0,
        followers: Vec::new(),
        history: vec![Event {
            at,
            actor_id: Some(cmd.user_id),
            actor_name: None,
            kind: "reported".into(),
            note: String::new(),
        }],
    };
    view.put(&own, WORK_ORDER, p.id, &to_value("a work order", &w)?)
}

/// `repairs.step`: the job moves on at once on this device, as far as it
/// knows (the server decides; a completion always stands).
fn take_step(view: &View<'_>, cmd: Queued, p: TakeStep) -> Result<(), StoreError> {
    for (scope_name, mut w) in work_order_scopes(view, cmd.user_id, p.work_order_id)? {
        let completing = matches!(p.step, Step::Complete { .. });
        if !completing && !p.step.allowed_from(w.status) {
            continue;
        }
        if completing && w.status.is_done() {
            continue;
        }
        w.status = p.step.to();
        w.updated_at = cmd.created_at;
        match &p.step {
            Step::Pause { reason } => w.pause_reason = Some(reason.trim().to_owned()),
            Step::Resume => w.pause_reason = None,
            Step::Complete {
                minutes,
                after_photos,
                ..
            } => {
                w.completed_at = Some(cmd.created_at);
                w.minutes += minutes;
                w.after_photos = after_photos.clone();
                w.pause_reason = None;
            }
            Step::Accept | Step::OnTheWay | Step::Start => {
                w.responded_at = w.responded_at.or(Some(cmd.created_at));
            }
        }
        w.history.push(Event {
            at: cmd.created_at,
            actor_id: Some(cmd.user_id),
            actor_name: None,
            kind: p.step.slug().into(),
            note: String::new(),
        });
        view.put(
            &scope_name,
            WORK_ORDER,
            w.id,
            &to_value("a work order", &w)?,
        )?;
    }
    Ok(())
}

/// `repairs.follow`: a job this device holds shows me among its followers,
/// or not. (A job first followed arrives with the next pull: the device
/// does not hold others' jobs.)
fn follow(view: &View<'_>, cmd: Queued, p: Follow) -> Result<(), StoreError> {
    for (scope_name, mut w) in work_order_scopes(view, cmd.user_id, p.work_order_id)? {
        let already = w.followers.contains(&cmd.user_id);
        if p.follow == already {
            continue;
        }
        if p.follow {
            w.followers.push(cmd.user_id);
        } else {
            w.followers.retain(|f| *f != cmd.user_id);
        }
        view.put(
            &scope_name,
            WORK_ORDER,
            w.id,
            &to_value("a work order", &w)?,
        )?;
    }
    Ok(())
}

/// `repairs.use_part`: the part shows on the job and the store's count goes
/// down on this device.
fn use_part(view: &View<'_>, cmd: Queued, p: UsePart) -> Result<(), StoreError> {
    let Some(campus) = campus_of(view, cmd.user_id)? else {
        return Ok(());
    };
    let store = scope::repairs(campus);
    let Some(mut part) = view
        .get(&store, PART, p.part_id)?
        .and_then(from_value::<Part>)
    else {
        return Ok(());
    };
    let scopes = work_order_scopes(view, cmd.user_id, p.work_order_id)?;
    if scopes
        .iter()
        .any(|(_, w)| w.parts.iter().any(|u| u.id == p.id))
    {
        return Ok(());
    }
    for (scope_name, mut w) in scopes {
        w.parts.push(PartUse {
            id: p.id,
            part_id: part.id,
            name: part.name.clone(),
            quantity: p.quantity,
            unit_cost: part.unit_cost,
        });
        view.put(
            &scope_name,
            WORK_ORDER,
            w.id,
            &to_value("a work order", &w)?,
        )?;
    }
    part.stock -= i64::from(p.quantity);
    view.put(&store, PART, part.id, &to_value("a part", &part)?)
}

/// `notifications.mark_read`: the user's listed notifications (all, when the
/// list is empty) read as of the command's time. Others' ids are ignored, as
/// the server does.
fn mark_read(view: &View<'_>, cmd: Queued, p: MarkRead) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let targets = if p.ids.is_empty() {
        view.list(&scope, NOTIFICATION)?
    } else {
        let mut found = Vec::new();
        for id in p.ids {
            if let Some(data) = view.get(&scope, NOTIFICATION, id.0)? {
                found.push((id.0, data));
            }
        }
        found
    };
    let read_at =
        serde_json::to_value(cmd.created_at).map_err(|source| StoreError::EncodeJson {
            what: "a timestamp",
            source,
        })?;
    for (id, mut data) in targets {
        let Some(fields) = data.as_object_mut() else {
            continue;
        };
        if fields.get("read_at").is_none_or(Value::is_null) {
            fields.insert("read_at".into(), read_at.clone());
            view.put(&scope, NOTIFICATION, id, &data)?;
        }
    }
    Ok(())
}

/// `accounts.set_lang`: the user's profile in the new language.
fn set_lang(view: &View<'_>, cmd: Queued, p: SetLangRequest) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let Some(mut profile) = view.get(&scope, PROFILE, cmd.user_id.0)? else {
        // Not pulled yet: the server's row will bring the new language.
        return Ok(());
    };
    if let Some(fields) = profile.as_object_mut() {
        fields.insert("lang".into(), Value::String(p.lang.as_str().to_owned()));
        view.put(&scope, PROFILE, cmd.user_id.0, &profile)?;
    }
    Ok(())
}

/// `cards.report_lost`: the user's own active card shows frozen at once (a
/// replaced card stays replaced, as on the server).
fn report_lost(view: &View<'_>, cmd: Queued, p: ReportCardLost) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let Some(mut card) = view.get(&scope, CARD, p.card_id.0)? else {
        return Ok(());
    };
    let active = Value::String(CardStatus::Active.slug().to_owned());
    if let Some(fields) = card.as_object_mut()
        && fields.get("status") == Some(&active)
    {
        fields.insert(
            "status".into(),
            Value::String(CardStatus::Frozen.slug().to_owned()),
        );
        view.put(&scope, CARD, p.card_id.0, &card)?;
    }
    Ok(())
}

fn parse<T: DeserializeOwned>(payload: &Value) -> Result<T, FieldError> {
    T::deserialize(payload).map_err(|e| FieldError::new("payload", e.to_string()))
}

/// A queued payload this build cannot read (queued by another version): it
/// still goes to the server, which decides; it just has no local effect.
fn skip(name: &str, error: &FieldError) -> Result<(), StoreError> {
    tracing::warn!(name, error = %error.message, "queued command has no local effect");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_may_be_queued() {
        let ok = [
            ("notifications.mark_read", json!({"ids": []})),
            (
                "notifications.mark_read",
                json!({"ids": ["0190a1b2-0000-7000-8000-000000000001"]}),
            ),
            ("accounts.set_lang", json!({"lang": "en"})),
            ("accounts.set_lang", json!({"lang": "zh-CN"})),
            (
                "cards.report_lost",
                json!({"card_id": "0190a1b2-0000-7000-8000-000000000001"}),
            ),
            // Unknown to this build: queued for the server to judge.
            ("repairs.open_ticket", json!({"anything": 1})),
            ("a.b_2.c", json!(null)),
        ];
        for (name, payload) in ok {
            assert_eq!(validate(name, &payload), Ok(()), "{name} {payload}");
        }
        let long = format!("x.{}", "y".repeat(NAME_MAX));
        let bad = [
            ("accounts.set_lang", json!({"lang": "fr"}), "payload"),
            ("accounts.set_lang", json!({}), "payload"),
            (
                "notifications.mark_read",
                json!({"ids": ["not-a-uuid"]}),
                "payload",
            ),
            ("notifications.mark_read", json!([1]), "payload"),
            ("cards.report_lost", json!({"card_id": 7}), "payload"),
            ("", json!({}), "name"),
            ("noservice", json!({}), "name"),
            ("Accounts.SetLang", json!({}), "name"),
            ("a..b", json!({}), "name"),
            ("a.b c", json!({}), "name"),
            (long.as_str(), json!({}), "name"),
            (
                "x.y",
                json!({"blob": "z".repeat(PAYLOAD_MAX_BYTES)}),
                "payload",
            ),
        ];
        for (name, payload, field) in bad {
            let err = validate(name, &payload).unwrap_err();
            assert_eq!(err.field, field, "{name}");
            assert!(!err.message.is_empty());
        }
    }
}
